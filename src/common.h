/* Internal common header for library sources (never installed).
 * Provides the allocation wrappers, error formatting, logging, and GMDL_ASSERT for internal
 * invariants (bugs), which is always compiled in. Poisons unsafe or forbidden symbols: the library
 * must not exit, print to stdout, use the global rand(), or parse numbers without error checks. */
#ifndef GMDL_COMMON_H
#define GMDL_COMMON_H

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmdl/core.h"

void *gmdl__malloc(size_t n);
void *gmdl__calloc(size_t count, size_t size);
void *gmdl__realloc(void *p, size_t n);
void gmdl__free(void *p);
/* 64-byte aligned allocation; free with gmdl__free_aligned. */
void *gmdl__malloc_aligned(size_t n);
void gmdl__free_aligned(void *p);
/* For big tables: as gmdl__malloc_aligned, but from 4 MiB on aligned to 2 MiB and advised for
 * transparent huge pages (Linux). Free with gmdl__free_aligned. */
void *gmdl__malloc_big(size_t n);
char *gmdl__strdup(const char *s);

/* Formats into err (if not NULL) and returns s, so `return gmdl__fail(err, GMDL_EIO, ...)`. */
gmdl_status gmdl__fail(gmdl_err *err, gmdl_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void gmdl__log(gmdl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Overflow-checked size arithmetic: returns 0 on overflow. */
static inline int gmdl__mul_ok(size_t a, size_t b, size_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}

/* Hot elementwise kernels are compiled for several x86-64 levels and the best one is picked at
 * load time (glibc ifunc), so a portable build still uses AVX-512 or AVX2 where the CPU has it. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(GMDL_NO_CLONES)
#define GMDL_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GMDL_KERNEL
#endif

/* Static split of [0, n) for the calling OpenMP thread, in blocks of `align` elements, so every
 * element is always handled by the same thread for a given team size. */
void gmdl__thread_range(size_t n, size_t align, size_t *lo, size_t *hi);

void gmdl__assert_fail(const char *file, int line, const char *expr) __attribute__((noreturn));
#define GMDL_ASSERT(x)                                                                             \
    do {                                                                                           \
        if (!(x))                                                                                  \
            gmdl__assert_fail(__FILE__, __LINE__, #x);                                             \
    } while (0)

#pragma GCC poison rand srand random drand48 atoi atof strcpy strcat sprintf vsprintf gets
#endif
