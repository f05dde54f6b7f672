/* gmdl with allocation fault injection, for tests/cli/faults.sh (never installed): the library's
 * allocator hook fails allocation number GMDL_FAULT_AT (0-based; unset: none fails) and, at exit,
 * writes "ALLOCATIONS HIT" to the file GMDL_FAULT_REPORT, HIT being 1 when the failure happened.
 * Everything else is the gmdl command line itself (cli_main). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static atomic_long count, fail_at = -1;
static atomic_int hit;

static void *fault_malloc(size_t n) {
    if (atomic_fetch_add(&count, 1) == atomic_load(&fail_at)) {
        atomic_store(&hit, 1);
        return NULL;
    }
    return malloc(n);
}

static void *fault_realloc(void *p, size_t n) {
    if (atomic_fetch_add(&count, 1) == atomic_load(&fail_at)) {
        atomic_store(&hit, 1);
        return NULL;
    }
    return realloc(p, n);
}

static void report(void) {
    const char *path = getenv("GMDL_FAULT_REPORT");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f)
        return;
    fprintf(f, "%ld %d\n", (long)atomic_load(&count), atomic_load(&hit));
    fclose(f);
}

int main(int argc, char **argv) {
    const char *at = getenv("GMDL_FAULT_AT");
    if (at)
        atomic_store(&fail_at, strtol(at, NULL, 10));
    if (gmdl_set_allocator(fault_malloc, fault_realloc, free) != GMDL_OK)
        return 1;
    atexit(report);
    return cli_main(argc, argv);
}
