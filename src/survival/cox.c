/* The Cox model object: fitting (linear by Newton-Raphson, MLP by mlp.c), risk scores, the
 * Breslow baseline hazard and survival curves. */
#include "survival/survival_internal.h"

void gmdl_cox_config_default(gmdl_cox_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->arch = "linear";
    cfg->ties = GMDL_TIES_EFRON;
    cfg->seed = 1;
    cfg->epochs = 2000;
    cfg->patience = 100;
    cfg->momentum = 0.9;
    cfg->lr = 1e-3;
    cfg->l2 = 1e-3;
    cfg->dropout = 0.1;
    cfg->val_frac = 0.2;
    cfg->max_iter = 30;
}

void gmdl_cox_destroy(gmdl_cox *m) {
    if (!m)
        return;
    gmdl_surv_data_fini(&m->feat);
    gmdl__free(m->coef);
    gmdl__free(m->se);
    gmdl__free(m->z);
    gmdl__free(m->pv);
    gmdl__free(m->var);
    gmdl__free(m->mean);
    gmdl__free(m->sd);
    gmdl__free(m->bt);
    gmdl__free(m->bh);
    gmdl__mlp_fini(&m->net);
    gmdl__free(m);
}

gmdl_status gmdl__cox_alloc(gmdl_cox *m, const gmdl_surv_data *d, gmdl_err *err) {
    const size_t p = d->p, q = p ? p : 1;
    gmdl_status s = gmdl_surv_data_subset(&m->feat, d, NULL, 0, err);
    if (s)
        return s;
    m->coef = gmdl__calloc(q, sizeof(double));
    m->se = gmdl__calloc(q, sizeof(double));
    m->z = gmdl__calloc(q, sizeof(double));
    m->pv = gmdl__calloc(q, sizeof(double));
    m->var = gmdl__calloc(q * q, sizeof(double));
    m->mean = gmdl__calloc(q, sizeof(double));
    m->sd = gmdl__calloc(q, sizeof(double));
    if (!m->coef || !m->se || !m->z || !m->pv || !m->var || !m->mean || !m->sd)
        return gmdl__fail(err, GMDL_ENOMEM, "Cox model: out of memory");
    for (size_t j = 0; j < p; j++)
        m->sd[j] = 1.0;
    return GMDL_OK;
}

gmdl_status
gmdl_cox_risk(double *eta, const gmdl_cox *m, const double *x, size_t n, gmdl_err *err) {
    const size_t p = m->feat.p;
    if (!m->linear)
        return gmdl__cox_mlp_risk(eta, m, x, n, err);
    for (size_t i = 0; i < n; i++) {
        double e = 0.0;
        for (size_t j = 0; j < p; j++)
            e += m->coef[j] * x[i * p + j];
        eta[i] = e;
    }
    return GMDL_OK;
}

static gmdl_status fit_linear(gmdl_cox *m,
                              const gmdl_surv_data *d,
                              const gmdl__surv_order *o,
                              const gmdl_cox_config *cfg,
                              gmdl_err *err) {
    const size_t p = d->p;
    gmdl_status s = gmdl__cox_linear(m->coef, m->var, &m->sum.loglik, &m->sum.loglik_null,
                                     &m->sum.iterations, d, o, cfg->ties, cfg->max_iter, err);
    if (s)
        return s;
    for (size_t j = 0; j < p; j++) {
        m->se[j] = sqrt(m->var[j * p + j]);
        m->z[j] = m->coef[j] / m->se[j];
        m->pv[j] = gmdl__p_normal2(m->z[j]);
    }
    return GMDL_OK;
}

/* Breslow baseline and the training log-likelihoods of the fitted risk. */
static gmdl_status
finish_fit(gmdl_cox *m, const gmdl_surv_data *d, const gmdl__surv_order *o, gmdl_err *err) {
    const size_t n = d->n;
    double *eta = gmdl__malloc(n * sizeof *eta), *work = gmdl__malloc(2 * o->ng * sizeof *work);
    gmdl_status s = GMDL_OK;
    if (!eta || !work)
        s = gmdl__fail(err, GMDL_ENOMEM, "Cox fit: out of memory");
    if (!s)
        s = gmdl_cox_risk(eta, m, d->x, n, err);
    if (!s)
        s = gmdl__cox_breslow(&m->bt, &m->bh, &m->bm, o, d->time, d->event, eta, err);
    if (!s && !m->linear) {
        m->sum.loglik = gmdl__cox_plik(o, d->event, eta, m->ties, NULL, work);
        memset(eta, 0, n * sizeof *eta);
        m->sum.loglik_null = gmdl__cox_plik(o, d->event, eta, m->ties, NULL, work);
    }
    gmdl__free(eta);
    gmdl__free(work);
    return s;
}

static void fill_summary(gmdl_cox *m, const gmdl_surv_data *d) {
    gmdl_cox_summary *S = &m->sum;
    S->n = d->n;
    S->events = 0;
    for (size_t i = 0; i < d->n; i++)
        S->events += d->event[i];
    S->p = d->p;
    S->linear = m->linear;
    S->coef = m->linear ? m->coef : NULL;
    S->se = m->linear ? m->se : NULL;
    S->z = m->linear ? m->z : NULL;
    S->pvalue = m->linear ? m->pv : NULL;
    S->lrt = 2.0 * (S->loglik - S->loglik_null);
    S->lrt_df = (double)d->p;
    S->lrt_p = gmdl__p_chisq(S->lrt > 0 ? S->lrt : 0.0, S->lrt_df);
}

gmdl_status
gmdl_cox_fit(gmdl_cox **out, const gmdl_surv_data *d, const gmdl_cox_config *cfg, gmdl_err *err) {
    *out = NULL;
    gmdl_status s = gmdl__surv_check(d->time, d->event, d->n, err);
    if (s)
        return s;
    size_t ev = 0;
    for (size_t i = 0; i < d->n; i++)
        ev += d->event[i];
    if (ev == 0)
        return gmdl__fail(err, GMDL_EINVAL, "Cox fit: no events in %zu rows", d->n);
    if (d->p == 0)
        return gmdl__fail(err, GMDL_EINVAL, "Cox fit: no covariates");
    gmdl_cox *m = gmdl__calloc(1, sizeof *m);
    if (!m)
        return gmdl__fail(err, GMDL_ENOMEM, "Cox fit: out of memory");
    const char *arch = cfg->arch ? cfg->arch : "linear";
    m->linear = strcmp(arch, "linear") == 0;
    m->ties = cfg->ties;
    snprintf(m->arch, sizeof m->arch, "%s", arch);
    gmdl__surv_order o = {0};
    if (!(s = gmdl__cox_alloc(m, d, err)))
        s = gmdl__surv_order_build(&o, d->time, d->n, err);
    if (!s)
        s = m->linear ? fit_linear(m, d, &o, cfg, err) : gmdl__cox_mlp_train(m, d, cfg, err);
    if (!s)
        s = finish_fit(m, d, &o, err);
    gmdl__surv_order_fini(&o);
    if (s) {
        gmdl_cox_destroy(m);
        return s;
    }
    fill_summary(m, d);
    *out = m;
    return GMDL_OK;
}

void gmdl_cox_get_summary(gmdl_cox_summary *out, const gmdl_cox *m) {
    *out = m->sum;
}

const gmdl_surv_data *gmdl_cox_features(const gmdl_cox *m) {
    return &m->feat;
}

void gmdl_cox_baseline(const double **times,
                       const double **cumhaz,
                       size_t *count,
                       const gmdl_cox *m) {
    *times = m->bt;
    *cumhaz = m->bh;
    *count = m->bm;
}

gmdl_status
gmdl_cox_survival(double *surv, const gmdl_cox *m, const double *x, size_t n, gmdl_err *err) {
    double *eta = gmdl__malloc((n ? n : 1) * sizeof *eta);
    if (!eta)
        return gmdl__fail(err, GMDL_ENOMEM, "Cox survival: out of memory");
    gmdl_status s = gmdl_cox_risk(eta, m, x, n, err);
    for (size_t i = 0; !s && i < n; i++) {
        double r = exp(eta[i]);
        for (size_t k = 0; k < m->bm; k++)
            surv[i * m->bm + k] = exp(-m->bh[k] * r);
    }
    gmdl__free(eta);
    return s;
}
