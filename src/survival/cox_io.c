/* Cox model files: the gmdl container (src/io/ckpt.c: atomic write, CRCs, versions) with magic
 * "GMDLCOX1". Metadata: arch, ties, the features (source column, indicator level and baseline)
 * and the training summary; tensors: coefficients and their statistics (linear), input
 * standardisation, the MLP parameter store, the Breslow baseline. */
#include "io/ckpt.h"
#include "survival/survival_internal.h"

static const char cox_magic[8] = {'G', 'M', 'D', 'L', 'C', 'O', 'X', '1'};
enum { COX_MAJOR = 1, COX_MINOR = 0 };

static gmdl_status put_f64(gmdl__ckpt_writer *w, const char *name, const double *v, size_t n) {
    uint64_t dims[1] = {n};
    return gmdl__ckpt_tensor(w, name, GMDL_DT_F64, 1, dims, v);
}

static gmdl_status put_meta(gmdl__ckpt_writer *w, const gmdl_cox *m) {
    const gmdl_cox_summary *S = &m->sum;
    gmdl_status s = gmdl__ckpt_meta_str(w, "arch", m->arch);
    s = s ? s : gmdl__ckpt_meta_u64(w, "ties", (uint64_t)m->ties);
    s = s ? s : gmdl__ckpt_meta_u64(w, "features", m->feat.p);
    s = s ? s : gmdl__ckpt_meta_u64(w, "n", S->n);
    s = s ? s : gmdl__ckpt_meta_u64(w, "events", S->events);
    s = s ? s : gmdl__ckpt_meta_f64(w, "loglik", S->loglik);
    s = s ? s : gmdl__ckpt_meta_f64(w, "loglik_null", S->loglik_null);
    s = s ? s : gmdl__ckpt_meta_i64(w, "iterations", S->iterations);
    s = s ? s : gmdl__ckpt_meta_i64(w, "best_epoch", S->best_epoch);
    for (size_t j = 0; !s && j < m->feat.p; j++) {
        char key[64];
        snprintf(key, sizeof key, "feature.%zu.src", j);
        s = gmdl__ckpt_meta_str(w, key, m->feat.src[j]);
        if (!s && m->feat.level[j]) {
            snprintf(key, sizeof key, "feature.%zu.level", j);
            s = gmdl__ckpt_meta_str(w, key, m->feat.level[j]);
            snprintf(key, sizeof key, "feature.%zu.baseline", j);
            s = s ? s : gmdl__ckpt_meta_str(w, key, m->feat.baseline[j]);
        }
    }
    return s;
}

gmdl_status gmdl_cox_save(const gmdl_cox *m, const char *path, gmdl_err *err) {
    gmdl__ckpt_writer *w = gmdl__ckpt_writer_create();
    if (!w)
        return gmdl__fail(err, GMDL_ENOMEM, "Cox save: out of memory");
    const size_t p = m->feat.p;
    gmdl_status s = put_meta(w, m);
    s = s ? s : put_f64(w, "mean", m->mean, p);
    s = s ? s : put_f64(w, "sd", m->sd, p);
    s = s ? s : put_f64(w, "baseline.time", m->bt, m->bm);
    s = s ? s : put_f64(w, "baseline.cumhaz", m->bh, m->bm);
    if (m->linear) {
        s = s ? s : put_f64(w, "coef", m->coef, p);
        s = s ? s : put_f64(w, "se", m->se, p);
        s = s ? s : put_f64(w, "z", m->z, p);
        s = s ? s : put_f64(w, "pvalue", m->pv, p);
        s = s ? s : put_f64(w, "var", m->var, p * p);
    } else {
        uint64_t dims[1] = {m->net.np};
        s = s ? s : gmdl__ckpt_tensor(w, "mlp.params", GMDL_DT_F32, 1, dims, m->net.p);
    }
    if (s)
        s = gmdl__fail(err, s, "Cox save: cannot build %s: %s", path, gmdl_status_str(s));
    else
        s = gmdl__ckpt_write(w, path, cox_magic, COX_MAJOR, COX_MINOR, err);
    gmdl__ckpt_writer_destroy(w);
    return s;
}

/* Tensor NAME of n doubles into dst. */
static gmdl_status
get_f64(double *dst, const gmdl__ckpt *c, const char *name, size_t n, gmdl_err *err) {
    const gmdl__ckpt_tensor_info *t = gmdl__ckpt_find(c, name);
    if (!t || t->dtype != GMDL_DT_F64 || t->count != n)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: tensor %s missing or of the wrong size",
                          gmdl__ckpt_path(c), name);
    if (n)
        memcpy(dst, t->data, n * sizeof *dst);
    return GMDL_OK;
}

/* The feature list of the file as a row-less gmdl_surv_data. */
static gmdl_status get_features(gmdl_surv_data *f, const gmdl__ckpt *c, gmdl_err *err) {
    uint64_t p;
    if (!gmdl__ckpt_get_u64(c, "features", &p) || p == 0 || p > 100000)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: bad feature count", gmdl__ckpt_path(c));
    memset(f, 0, sizeof *f);
    f->p = (size_t)p;
    f->names = gmdl__calloc(p, sizeof(char *));
    f->src = gmdl__calloc(p, sizeof(char *));
    f->level = gmdl__calloc(p, sizeof(char *));
    f->baseline = gmdl__calloc(p, sizeof(char *));
    if (!f->names || !f->src || !f->level || !f->baseline)
        return gmdl__fail(err, GMDL_ENOMEM, "Cox load: out of memory");
    for (size_t j = 0; j < p; j++) {
        char key[64];
        snprintf(key, sizeof key, "feature.%zu.src", j);
        const char *src = gmdl__ckpt_get_str(c, key);
        snprintf(key, sizeof key, "feature.%zu.level", j);
        const char *lv = gmdl__ckpt_get_str(c, key);
        snprintf(key, sizeof key, "feature.%zu.baseline", j);
        const char *bl = gmdl__ckpt_get_str(c, key);
        if (!src || (lv && !bl))
            return gmdl__fail(err, GMDL_ECORRUPT, "%s: feature %zu incomplete", gmdl__ckpt_path(c),
                              j);
        size_t len = strlen(src) + (lv ? strlen(lv) + 1 : 0) + 1;
        f->names[j] = gmdl__malloc(len);
        f->src[j] = gmdl__strdup(src);
        f->level[j] = lv ? gmdl__strdup(lv) : NULL;
        f->baseline[j] = lv ? gmdl__strdup(bl) : NULL;
        if (!f->names[j] || !f->src[j] || (lv && (!f->level[j] || !f->baseline[j])))
            return gmdl__fail(err, GMDL_ENOMEM, "Cox load: out of memory");
        snprintf(f->names[j], len, "%s%s%s", src, lv ? "=" : "", lv ? lv : "");
    }
    return GMDL_OK;
}

static gmdl_status get_model(gmdl_cox *m, const gmdl__ckpt *c, gmdl_err *err) {
    const char *arch = gmdl__ckpt_get_str(c, "arch");
    uint64_t ties, n, ev;
    int64_t it, be;
    gmdl_cox_summary *S = &m->sum;
    if (!arch || !gmdl__ckpt_get_u64(c, "ties", &ties) || ties > 1 ||
        !gmdl__ckpt_get_u64(c, "n", &n) || !gmdl__ckpt_get_u64(c, "events", &ev) ||
        !gmdl__ckpt_get_f64(c, "loglik", &S->loglik) ||
        !gmdl__ckpt_get_f64(c, "loglik_null", &S->loglik_null) ||
        !gmdl__ckpt_get_i64(c, "iterations", &it) || !gmdl__ckpt_get_i64(c, "best_epoch", &be))
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: metadata missing", gmdl__ckpt_path(c));
    snprintf(m->arch, sizeof m->arch, "%s", arch);
    m->linear = strcmp(arch, "linear") == 0;
    m->ties = (gmdl_ties)ties;
    S->n = (size_t)n;
    S->events = (size_t)ev;
    S->iterations = (int)it;
    S->best_epoch = (int)be;
    const gmdl__ckpt_tensor_info *bt = gmdl__ckpt_find(c, "baseline.time");
    m->bm = bt ? (size_t)bt->count : 0;
    m->bt = gmdl__malloc((m->bm + 1) * sizeof *m->bt);
    m->bh = gmdl__malloc((m->bm + 1) * sizeof *m->bh);
    if (!m->bt || !m->bh)
        return gmdl__fail(err, GMDL_ENOMEM, "Cox load: out of memory");
    return GMDL_OK;
}

static gmdl_status get_params(gmdl_cox *m, const gmdl__ckpt *c, gmdl_err *err) {
    const size_t p = m->feat.p;
    gmdl_status s = get_f64(m->mean, c, "mean", p, err);
    s = s ? s : get_f64(m->sd, c, "sd", p, err);
    s = s ? s : get_f64(m->bt, c, "baseline.time", m->bm, err);
    s = s ? s : get_f64(m->bh, c, "baseline.cumhaz", m->bm, err);
    if (s)
        return s;
    if (m->linear) {
        s = get_f64(m->coef, c, "coef", p, err);
        s = s ? s : get_f64(m->se, c, "se", p, err);
        s = s ? s : get_f64(m->z, c, "z", p, err);
        s = s ? s : get_f64(m->pv, c, "pvalue", p, err);
        return s ? s : get_f64(m->var, c, "var", p * p, err);
    }
    if ((s = gmdl__mlp_parse(&m->net, m->arch, err)) ||
        (s = gmdl__mlp_build(&m->net, p, 0.0f, 0, 0, err)))
        return s;
    const gmdl__ckpt_tensor_info *t = gmdl__ckpt_find(c, "mlp.params");
    if (!t || t->dtype != GMDL_DT_F32 || t->count != m->net.np)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: MLP parameters missing or of the wrong size",
                          gmdl__ckpt_path(c));
    memcpy(m->net.p, t->data, m->net.np * sizeof(float));
    return GMDL_OK;
}

gmdl_status gmdl_cox_load(gmdl_cox **out, const char *path, gmdl_err *err) {
    *out = NULL;
    gmdl__ckpt *c;
    gmdl_status s = gmdl__ckpt_read(&c, path, cox_magic, COX_MAJOR, err);
    if (s)
        return s;
    gmdl_cox *m = gmdl__calloc(1, sizeof *m);
    gmdl_surv_data f = {0};
    if (!m)
        s = gmdl__fail(err, GMDL_ENOMEM, "Cox load: out of memory");
    s = s ? s : get_features(&f, c, err);
    s = s ? s : gmdl__cox_alloc(m, &f, err);
    s = s ? s : get_model(m, c, err);
    s = s ? s : get_params(m, c, err);
    gmdl_surv_data_fini(&f);
    gmdl__ckpt_destroy(c);
    if (s) {
        gmdl_cox_destroy(m);
        return s;
    }
    gmdl_cox_summary *S = &m->sum;
    S->p = m->feat.p;
    S->linear = m->linear;
    S->coef = m->linear ? m->coef : NULL;
    S->se = m->linear ? m->se : NULL;
    S->z = m->linear ? m->z : NULL;
    S->pvalue = m->linear ? m->pv : NULL;
    S->lrt = 2.0 * (S->loglik - S->loglik_null);
    S->lrt_df = (double)m->feat.p;
    S->lrt_p = gmdl__p_chisq(S->lrt > 0 ? S->lrt : 0.0, S->lrt_df);
    *out = m;
    return GMDL_OK;
}
