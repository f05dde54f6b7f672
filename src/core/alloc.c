/* Allocation through a replaceable hook (for fault injection in tests and custom allocators).
 * Aligned blocks store the original pointer just before the aligned address. */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "common.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

static gmdl_malloc_fn g_malloc = malloc;
static gmdl_realloc_fn g_realloc = realloc;
static gmdl_free_fn g_free = free;

gmdl_status gmdl_set_allocator(gmdl_malloc_fn m, gmdl_realloc_fn r, gmdl_free_fn f) {
    if (!m || !r || !f)
        return GMDL_EINVAL;
    g_malloc = m;
    g_realloc = r;
    g_free = f;
    return GMDL_OK;
}

void *gmdl__malloc(size_t n) {
    return g_malloc(n ? n : 1);
}

void *gmdl__calloc(size_t count, size_t size) {
    size_t n;
    if (!gmdl__mul_ok(count, size, &n))
        return NULL;
    void *p = gmdl__malloc(n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *gmdl__realloc(void *p, size_t n) {
    return g_realloc(p, n ? n : 1);
}

void gmdl__free(void *p) {
    if (p)
        g_free(p);
}

void *gmdl__malloc_aligned(size_t n) {
    if (n > SIZE_MAX - 64 - sizeof(void *))
        return NULL;
    unsigned char *raw = gmdl__malloc(n + 64 + sizeof(void *));
    if (!raw)
        return NULL;
    uintptr_t a = ((uintptr_t)(raw + sizeof(void *)) + 63u) & ~(uintptr_t)63u;
    ((void **)a)[-1] = raw;
    return (void *)a;
}

/* Tables of several MiB are aligned to 2 MiB and, on Linux, marked for transparent huge pages:
 * a fresh 8 MiB message then costs 4 page faults instead of 2,048 (the faults, not the
 * arithmetic, dominated exact inference on the large UAI instances). */
#define HUGE_MIN   ((size_t)4 << 20)
#define HUGE_ALIGN ((size_t)2 << 20)

void *gmdl__malloc_big(size_t n) {
    if (n < HUGE_MIN)
        return gmdl__malloc_aligned(n);
    if (n > SIZE_MAX - HUGE_ALIGN - sizeof(void *))
        return NULL;
    unsigned char *raw = gmdl__malloc(n + HUGE_ALIGN + sizeof(void *));
    if (!raw)
        return NULL;
    uintptr_t a =
        ((uintptr_t)(raw + sizeof(void *)) + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1);
    ((void **)a)[-1] = raw;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise((void *)a, n & ~(HUGE_ALIGN - 1), MADV_HUGEPAGE); /* advice only */
#endif
    return (void *)a;
}

void gmdl__free_aligned(void *p) {
    if (p)
        gmdl__free(((void **)p)[-1]);
}

char *gmdl__strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = gmdl__malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}
