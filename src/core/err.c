/* Error detail formatting and the always-on internal assertion. */
#include "common.h"

#ifdef _OPENMP
#include <omp.h>
#endif

gmdl_status gmdl__fail(gmdl_err *err, gmdl_status s, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return s;
}

void gmdl__assert_fail(const char *file, int line, const char *expr) {
    fprintf(stderr, "gmdl: internal error: %s:%d: assertion failed: %s\n", file, line, expr);
    abort();
}

void gmdl__thread_range(size_t n, size_t align, size_t *lo, size_t *hi) {
#ifdef _OPENMP
    size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
#else
    size_t t = 0, nt = 1;
#endif
    size_t blocks = (n + align - 1) / align, per = blocks / nt, extra = blocks % nt;
    size_t b0 = t * per + (t < extra ? t : extra), b1 = b0 + per + (t < extra ? 1 : 0);
    *lo = b0 * align < n ? b0 * align : n;
    *hi = b1 * align < n ? b1 * align : n;
}
