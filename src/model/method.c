/* The method table (method.h): one row per training method, and the checks of the methods' own
 * settings. */
#include "model/method.h"

#include <errno.h>

/* ---------------------------------------------------------------- sws */
static int tau_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    return a->sws.tau != b->sws.tau;
}
static int zero_sd_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    return a->sws.zero_sd != b->sws.zero_sd;
}
static int harden_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    int differ = a->sws.harden_n != b->sws.harden_n;
    for (int k = 0; k < b->sws.harden_n && !differ; k++)
        differ = a->sws.harden[k] != b->sws.harden[k];
    return differ;
}
static const gmdl__config_key sws_keys[] = {{"sws-tau", tau_differs},
                                            {"sws-zero-sd", zero_sd_differs},
                                            {"sws-harden", harden_differs},
                                            {NULL, NULL}};

gmdl_status gmdl__sws_harden_check(const double *f, int n, gmdl_err *err) {
    if (n < 0 || (n > 0 && !f))
        return gmdl__fail(err, GMDL_EINVAL, "sws hardening: %d stages and %s fractions", n,
                          f ? "their" : "no");
    for (int k = 0; k < n; k++) {
        if (!(f[k] > 0.0 && f[k] <= 1.0))
            return gmdl__fail(err, GMDL_EINVAL,
                              "sws hardening: stage %d's fraction %g is not in (0, 1]", k + 1,
                              f[k]);
        if (k > 0 && !(f[k] > f[k - 1]))
            return gmdl__fail(err, GMDL_EINVAL,
                              "sws hardening: the fractions must increase (stage %d: %g after %g)",
                              k + 1, f[k], f[k - 1]);
    }
    return GMDL_OK;
}

static gmdl_status sws_check(const gmdl_train_config *cfg, int active, gmdl_err *err) {
    const gmdl_sws_config *c = &cfg->sws;
    if (!(c->tau >= 0.0 && c->tau < 1e6) || !(c->zero_sd >= 0.0 && c->zero_sd < 1.0))
        return gmdl__fail(err, GMDL_EINVAL,
                          "sws tau must be in [0, 1e6), sws zero-component sd in [0, 1)");
    gmdl_status s = gmdl__sws_harden_check(c->harden, c->harden_n, err);
    if (s)
        return s;
    if (active && cfg->epochs > 0 && c->harden_n > cfg->epochs)
        return gmdl__fail(err, GMDL_EINVAL,
                          "sws hardening has %d stages, one per final epoch, but the run has %d "
                          "epochs: give more epochs or fewer stages",
                          c->harden_n, cfg->epochs);
    return GMDL_OK;
}

static void sws_prior_config(gmdl__layer *l, const gmdl_train_config *cfg) {
    l->k.sws.tau = (float)cfg->sws.tau;
    l->k.sws.zero_sd = (float)cfg->sws.zero_sd;
}

/* ---------------------------------------------------------------- the table */
#define WEIGHT_NOISE (GMDL__M_BAYES | GMDL__M_WARMUP)
static const gmdl__method methods[] = {
    /* maximum likelihood */
    {"dense", &gmdl__dense_ops, &gmdl__conv2d_ops, 0, GMDL_LR_COSINE, GMDL_LR_COSINE, NULL, NULL,
     NULL, NULL, 0.0, NULL},
    {"dropout", &gmdl__dense_ops, &gmdl__conv2d_ops, GMDL__M_DROPOUT, GMDL_LR_COSINE,
     GMDL_LR_COSINE, NULL, NULL, NULL, NULL, 0.0, NULL},
    /* per-weight posteriors (bayes/lrt.c); the sparse-VD recipe's schedules */
    {"svd", &gmdl__svd_dense_ops, &gmdl__svd_conv2d_ops, WEIGHT_NOISE, GMDL_LR_CONSTANT_LINEAR,
     GMDL_LR_LINEAR, NULL, NULL, NULL, NULL, 0.0, "log alpha"},
    {"vd", &gmdl__vd_dense_ops, &gmdl__vd_conv2d_ops, WEIGHT_NOISE, GMDL_LR_CONSTANT_LINEAR,
     GMDL_LR_LINEAR, NULL, NULL, NULL, NULL, 0.0, "log alpha"},
    {"bbb", &gmdl__bbb_dense_ops, &gmdl__bbb_conv2d_ops, WEIGHT_NOISE, GMDL_LR_CONSTANT_LINEAR,
     GMDL_LR_LINEAR, NULL, NULL, NULL, NULL, 0.0, "log alpha"},
    /* group scales (bayes/group.c) */
    {"bc-gnj", &gmdl__gnj_dense_ops, &gmdl__gnj_conv2d_ops, WEIGHT_NOISE | GMDL__M_GROUP,
     GMDL_LR_CONSTANT_LINEAR, GMDL_LR_LINEAR, NULL, NULL, NULL, NULL, 0.0, "log alpha"},
    {"bc-ghs", &gmdl__ghs_dense_ops, &gmdl__ghs_conv2d_ops,
     WEIGHT_NOISE | GMDL__M_GROUP | GMDL__M_AUTO_THRESHOLD, GMDL_LR_CONSTANT_LINEAR, GMDL_LR_LINEAR,
     NULL, NULL, NULL, NULL, 0.0, "log noise-to-signal of the group"},
    /* soft weight-sharing: plain layers retrained under a mixture prior layer; linear decay and
     * a smaller learning rate for the retraining (docs/COMPRESSION.md) */
    {"sws", &gmdl__dense_ops, &gmdl__conv2d_ops,
     GMDL__M_BAYES | GMDL__M_PRIOR_LAYER | GMDL__M_HARDEN | GMDL__M_RETRAIN, GMDL_LR_LINEAR,
     GMDL_LR_LINEAR, sws_keys, sws_check, &gmdl__sws_prior_ops, sws_prior_config, 2e-4, NULL},
};
#define NMETHODS ((int)(sizeof methods / sizeof methods[0]))

const gmdl__method *gmdl__method_at(int i) {
    return i >= 0 && i < NMETHODS ? &methods[i] : NULL;
}

static const gmdl__method *find(const char *name) {
    for (int i = 0; i < NMETHODS; i++)
        if (strcmp(methods[i].name, name) == 0)
            return &methods[i];
    return NULL;
}

gmdl_status
gmdl__method_find(const char *method, const gmdl__method **out, float *rate, gmdl_err *err) {
    *rate = 0.0f;
    *out = find(method);
    if (*out) {
        if (gmdl__method_has(*out, GMDL__M_DROPOUT))
            *rate = 0.5f;
        return GMDL_OK;
    }
    if (strncmp(method, "dropout:", 8) == 0) {
        char *end;
        errno = 0;
        double p = strtod(method + 8, &end);
        if (end == method + 8 || *end || errno || !(p >= 0.0 && p < 1.0))
            return gmdl__fail(err, GMDL_EINVAL,
                              "method '%s': the dropout probability must be a number in [0, 1)",
                              method);
        *out = find("dropout");
        *rate = (float)p;
        return GMDL_OK;
    }
    char names[256];
    size_t used = 0;
    for (int i = 0; i < NMETHODS && used < sizeof names; i++) {
        int w =
            snprintf(names + used, sizeof names - used, "%s%s%s", i ? ", " : "", methods[i].name,
                     gmdl__method_has(&methods[i], GMDL__M_DROPOUT) ? "[:P]" : "");
        used += w > 0 ? (size_t)w : 0;
    }
    return gmdl__fail(err, GMDL_EINVAL, "unknown method '%s' (available: %s)", method, names);
}

gmdl_status gmdl_method_lookup(gmdl_method_info *out, const char *method, gmdl_err *err) {
    const gmdl__method *m;
    float rate;
    if (!out || !method)
        return gmdl__fail(err, GMDL_EINVAL, "gmdl_method_lookup: NULL argument");
    gmdl_status s = gmdl__method_find(method, &m, &rate, err);
    if (s)
        return s;
    out->name = m->name;
    out->bayes = gmdl__method_has(m, GMDL__M_BAYES);
    out->structured = gmdl__method_has(m, GMDL__M_GROUP);
    out->codebook = gmdl__method_has(m, GMDL__M_PRIOR_LAYER) && m->prior && m->prior->codebook;
    out->retrains = gmdl__method_has(m, GMDL__M_RETRAIN);
    out->adam_lr = m->adam_lr > 0.0 ? m->adam_lr : 1e-3;
    out->statistic = m->statistic;
    return GMDL_OK;
}
