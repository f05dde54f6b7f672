/* Allocation fault injection (docs/RELIABILITY.md): the library's allocator hook fails the N-th
 * allocation of a case, for N = 0, 1, 2, ... up to the number of allocations the case makes when
 * nothing fails. Every failing run must return GMDL_ENOMEM and leave as many blocks live as
 * before it (the hook counts them: a leak shows here as well as under LeakSanitizer); the run
 * with nothing failing must succeed.
 *
 * A case is a function that does its work under the hook and releases what it made whatever the
 * outcome. Allocations inside OpenMP regions are counted with atomics; the N-th is the N-th
 * taken, whichever thread takes it. */
#ifndef GMDL_TEST_FAULTS_H
#define GMDL_TEST_FAULTS_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmdl/core.h"
#include "harness.h"

static atomic_long fi_count, fi_live, fi_fail_at = -1;

/* Called where an allocation is made to fail: a breakpoint for `gdb -ex 'break fi_failing'`,
 * with GMDL_FAULT_ONLY=case-name and GMDL_FAULT_AT=N to run that one failure. */
__attribute__((noinline)) void fi_failing(void);
__attribute__((noinline)) void fi_failing(void) {
    __asm__ volatile("");
}

static void *fi_malloc(size_t n) {
    if (atomic_fetch_add(&fi_count, 1) == atomic_load(&fi_fail_at)) {
        fi_failing();
        return NULL;
    }
    void *p = malloc(n);
    if (p)
        atomic_fetch_add(&fi_live, 1);
    return p;
}

static void *fi_realloc(void *p, size_t n) {
    if (atomic_fetch_add(&fi_count, 1) == atomic_load(&fi_fail_at)) {
        fi_failing();
        return NULL;
    }
    void *q = realloc(p, n);
    if (q && !p)
        atomic_fetch_add(&fi_live, 1);
    return q;
}

static void fi_free(void *p) {
    if (p)
        atomic_fetch_sub(&fi_live, 1);
    free(p);
}

/* Installs the counting hook; call first in main, before any other gmdl call. */
static inline void fi_install(void) {
    REQUIRE_OK(gmdl_set_allocator(fi_malloc, fi_realloc, fi_free));
}

typedef gmdl_status (*fi_case_fn)(void *ctx, gmdl_err *err);

/* Long sweeps under the sanitizers or valgrind: GMDL_FAULT_STRIDE=k fails every k-th
 * allocation (plus the first 64) instead of every one. */
static inline long fi_stride(void) {
    const char *s = getenv("GMDL_FAULT_STRIDE");
    long k = s ? strtol(s, NULL, 10) : 1;
    return k > 0 ? k : 1;
}

/* Runs the sweep of one case; counts one check per run. Returns the number of allocations. */
static inline long fi_sweep(const char *name, fi_case_fn fn, void *ctx) {
    const char *only = getenv("GMDL_FAULT_ONLY"), *at = getenv("GMDL_FAULT_AT");
    if (only && strcmp(only, name) != 0)
        return 0;
    gmdl_err err = {{0}};
    long live0 = atomic_load(&fi_live);
    atomic_store(&fi_fail_at, -1);
    atomic_store(&fi_count, 0);
    gmdl_status s = fn(ctx, &err);
    long total = atomic_load(&fi_count);
    if (s != GMDL_OK) {
        fprintf(stderr, "%s: fails with no allocation failing: %s (%s)\n", name,
                gmdl_status_name(s), err.msg);
        th_failed++;
        return 0;
    }
    CHECK_EQ(atomic_load(&fi_live), live0);
    long stride = fi_stride(), runs = 0, bad = 0;
    long first = at ? strtol(at, NULL, 10) : 0, last = at ? first + 1 : total;
    for (long n = first; n < last && n < total; n += n < 64 ? 1 : stride) {
        err.msg[0] = 0;
        atomic_store(&fi_count, 0);
        atomic_store(&fi_fail_at, n);
        s = fn(ctx, &err);
        atomic_store(&fi_fail_at, -1);
        long leaked = atomic_load(&fi_live) - live0;
        int hit = atomic_load(&fi_count) > n;
        runs++;
        if ((hit && s != GMDL_ENOMEM) || (!hit && s != GMDL_OK) || leaked != 0) {
            if (bad++ < 5)
                fprintf(stderr,
                        "%s: allocation %ld of %ld failed: returned %s (%s), %ld blocks leaked\n",
                        name, n, total, gmdl_status_name(s), err.msg, leaked);
            atomic_fetch_sub(&fi_live, leaked);
        }
    }
    if (bad)
        th_failed++;
    else
        th_passed++;
    printf("%-28s %6ld allocations, %6ld runs, %ld bad\n", name, total, runs, bad);
    fflush(stdout);
    return total;
}

#endif
