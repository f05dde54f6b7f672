/* Logging through a replaceable callback; the default writes to stderr. */
#include "common.h"

static void default_log(gmdl_log_level level, const char *msg, void *user) {
    (void)user;
    if (level >= GMDL_LOG_INFO)
        fprintf(stderr, "%s\n", msg);
}

static gmdl_log_fn g_log = default_log;
static void *g_log_user;

void gmdl_log_set(gmdl_log_fn fn, void *user) {
    g_log = fn ? fn : default_log;
    g_log_user = user;
}

void gmdl__log(gmdl_log_level level, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    g_log(level, buf, g_log_user);
}
