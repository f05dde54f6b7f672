/* Error detail formatting and the always-on internal assertion. */
#include "common.h"

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
