/* gmdl_export_c: load, plan, calibrate (int8), generate both files in memory, then write them
 * atomically; nothing is written when any step fails. */
#include <errno.h>
#include <unistd.h>

#include "export/export_internal.h"
#include "io/ckpt.h"

gmdl_export_config gmdl_export_config_default(void) {
    gmdl_export_config c;
    memset(&c, 0, sizeof c);
    c.name = "gmdl_net";
    c.arith = GMDL_EXPORT_FLOAT;
    return c;
}

/* A C identifier of at most 64 characters that does not start with an underscore. */
static int good_name(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static gmdl_status generate(gmdl__xbuf *h,
                            gmdl__xbuf *c,
                            gmdl_export_report *rep,
                            gmdl_model *m,
                            const char *path,
                            const gmdl_export_config *cfg,
                            gmdl_err *err) {
    const int int8 = cfg->arith == GMDL_EXPORT_INT8;
    gmdl__xplan p;
    gmdl_status s = gmdl__xplan_build(&p, m, path, err);
    if (!s && int8)
        s = gmdl__xplan_calibrate(&p, m, cfg->calib_x, cfg->calib_n, err);
    if (!s) {
        gmdl__xemit_source(c, &p, cfg->name, int8);
        rep->weights_bytes = gmdl__xemit_data(c, &p, cfg->name, int8);
        gmdl__xemit_kernels(c, &p, cfg->name, int8);
        rep->scratch_bytes = gmdl__xplan_scratch_bytes(&p, int8);
        rep->inputs = p.inputs;
        rep->classes = p.classes;
        rep->ops = p.nops;
        gmdl__xemit_header(h, &p, cfg->name, int8, rep->weights_bytes, rep->scratch_bytes);
        if (h->failed || c->failed)
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    gmdl__xplan_fini(&p);
    return s;
}

static gmdl_status write_pair(
    const char *dir, const char *name, const gmdl__xbuf *h, const gmdl__xbuf *c, gmdl_err *err) {
    size_t n = strlen(dir) + strlen(name) + 4;
    char *ph = gmdl__malloc(n), *pc = gmdl__malloc(n);
    gmdl_status s = GMDL_OK;
    if (!ph || !pc)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if (!s) {
        snprintf(ph, n, "%s/%s.h", dir, name);
        snprintf(pc, n, "%s/%s.c", dir, name);
        s = gmdl__write_atomic(pc, c->p, c->len, err);
    }
    if (!s) {
        s = gmdl__write_atomic(ph, h->p, h->len, err);
        if (s) /* no half export: the source goes too */
            unlink(pc);
    }
    gmdl__free(ph);
    gmdl__free(pc);
    return s;
}

gmdl_status gmdl_export_c(gmdl_export_report *report,
                          const char *model_path,
                          const char *dir,
                          const gmdl_export_config *cfg,
                          gmdl_err *err) {
    if (!report || !model_path || !dir || !cfg || !cfg->name)
        return gmdl__fail(err, GMDL_EINVAL, "gmdl_export_c: NULL argument");
    memset(report, 0, sizeof *report);
    if (!good_name(cfg->name))
        return gmdl__fail(err, GMDL_EINVAL,
                          "export name '%s' is not a C identifier (a letter, then letters, digits "
                          "or '_', at most 64)",
                          cfg->name);
    if (cfg->arith != GMDL_EXPORT_FLOAT && cfg->arith != GMDL_EXPORT_INT8)
        return gmdl__fail(err, GMDL_EINVAL, "unknown export arithmetic %d", (int)cfg->arith);
    gmdl_model *m;
    gmdl_status s = gmdl_model_load(&m, model_path, err);
    if (s)
        return s;
    gmdl__xbuf h = {0}, c = {0};
    s = generate(&h, &c, report, m, model_path, cfg, err);
    gmdl_model_destroy(m);
    if (!s)
        s = write_pair(dir, cfg->name, &h, &c, err);
    gmdl__xbuf_fini(&h);
    gmdl__xbuf_fini(&c);
    return s;
}
