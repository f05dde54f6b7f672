/* Target interface helpers: validation, the unconstrained-scale log density with the log-Jacobian
 * of each parameter's transform, and the draws container shared by every method.
 *
 * Transform derivatives (x as a function of u; the log-Jacobian term is log dx/du):
 *   LOWER:    x = lo + e^u,            log J = u,                         d logJ/du = 1
 *   UPPER:    x = hi - e^u,            log J = u,                         d logJ/du = 1
 *   INTERVAL: s = 1/(1+e^-u), x = lo + (hi-lo) s,  log J = log(hi-lo) + log s + log(1-s),
 *             dx/du = (hi-lo) s (1-s), d logJ/du = 1 - 2 s. */
#include "common.h"
#include "gmdl/infer.h"
#include "infer/infer_internal.h"

gmdl_status gmdl_target_check(const gmdl_target *t, gmdl_err *err) {
    if (!t)
        return gmdl__fail(err, GMDL_EINVAL, "target is NULL");
    if (t->dim < 1)
        return gmdl__fail(err, GMDL_EINVAL, "target: dimension must be >= 1");
    if (!t->logp)
        return gmdl__fail(err, GMDL_EINVAL, "target: no log density function");
    if (t->grad_batch && t->n_data < 1)
        return gmdl__fail(err, GMDL_EINVAL, "target: a minibatch gradient needs n_data >= 1");
    if (t->generate && (t->n_out < 1 || !t->out_names))
        return gmdl__fail(err, GMDL_EINVAL, "target: generate needs n_out >= 1 and out_names");
    if (t->transforms) {
        for (size_t j = 0; j < t->dim; j++) {
            const gmdl_transform *tf = &t->transforms[j];
            int ok = 1;
            switch (tf->kind) {
                case GMDL_TF_NONE:
                    break;
                case GMDL_TF_LOWER:
                    ok = isfinite(tf->lo);
                    break;
                case GMDL_TF_UPPER:
                    ok = isfinite(tf->hi);
                    break;
                case GMDL_TF_INTERVAL:
                    ok = isfinite(tf->lo) && isfinite(tf->hi) && tf->lo < tf->hi;
                    break;
                default:
                    ok = 0;
            }
            if (!ok)
                return gmdl__fail(err, GMDL_EINVAL,
                                  "target: parameter %zu: bad transform (kind %d, lo %g, hi %g)",
                                  j + 1, (int)tf->kind, tf->lo, tf->hi);
        }
    }
    return GMDL_OK;
}

static double logistic(double u) {
    return u >= 0 ? 1.0 / (1.0 + exp(-u)) : exp(u) / (1.0 + exp(u));
}

/* x_j of u_j alone, and d log J_j / d u_j. */
static double constrain1(const gmdl_target *t, size_t j, double u) {
    const gmdl_transform *tf = t->transforms ? &t->transforms[j] : NULL;
    if (!tf || tf->kind == GMDL_TF_NONE)
        return u;
    if (tf->kind == GMDL_TF_LOWER)
        return tf->lo + exp(u);
    if (tf->kind == GMDL_TF_UPPER)
        return tf->hi - exp(u);
    return tf->lo + (tf->hi - tf->lo) * logistic(u);
}
static double dlogj1(const gmdl_target *t, size_t j, double u) {
    const gmdl_transform *tf = t->transforms ? &t->transforms[j] : NULL;
    if (!tf || tf->kind == GMDL_TF_NONE)
        return 0.0;
    return tf->kind == GMDL_TF_INTERVAL ? 1.0 - 2.0 * logistic(u) : 1.0;
}

void gmdl_target_constrain(double *x, const gmdl_target *t, const double *u) {
    for (size_t j = 0; j < t->dim; j++)
        x[j] = constrain1(t, j, u[j]);
}

gmdl_status
gmdl_target_unconstrain(double *u, const gmdl_target *t, const double *x, gmdl_err *err) {
    for (size_t j = 0; j < t->dim; j++) {
        const gmdl_transform *tf = t->transforms ? &t->transforms[j] : NULL;
        gmdl_tf_kind k = tf ? tf->kind : GMDL_TF_NONE;
        double v = x[j];
        int inside = isfinite(v) && (k == GMDL_TF_NONE || (k == GMDL_TF_LOWER && v > tf->lo) ||
                                     (k == GMDL_TF_UPPER && v < tf->hi) ||
                                     (k == GMDL_TF_INTERVAL && v > tf->lo && v < tf->hi));
        if (!inside) {
            char lim[96] = "finite";
            if (k == GMDL_TF_LOWER)
                snprintf(lim, sizeof lim, "> %g", tf->lo);
            else if (k == GMDL_TF_UPPER)
                snprintf(lim, sizeof lim, "< %g", tf->hi);
            else if (k == GMDL_TF_INTERVAL)
                snprintf(lim, sizeof lim, "in (%g, %g)", tf->lo, tf->hi);
            return gmdl__fail(err, GMDL_EINVAL,
                              "parameter %zu%s%s%s = %g is outside its support (must be %s)", j + 1,
                              t->names ? " (" : "", t->names ? t->names[j] : "",
                              t->names ? ")" : "", v, lim);
        }
        u[j] = k == GMDL_TF_NONE    ? v
               : k == GMDL_TF_LOWER ? log(v - tf->lo)
               : k == GMDL_TF_UPPER ? log(tf->hi - v)
                                    : log((v - tf->lo) / (tf->hi - v));
    }
    return GMDL_OK;
}

/* Adds the log-Jacobian to *lp and converts grad (d/dx in, d/du out) in place. */
static void apply_jacobian(const gmdl_target *t, const double *u, double *lp, double *grad) {
    if (!t->transforms)
        return;
    double lj = 0;
    for (size_t j = 0; j < t->dim; j++) {
        const gmdl_transform *tf = &t->transforms[j];
        switch (tf->kind) {
            case GMDL_TF_LOWER:
            case GMDL_TF_UPPER: {
                double e = exp(u[j]);
                lj += u[j];
                if (grad)
                    grad[j] = grad[j] * (tf->kind == GMDL_TF_LOWER ? e : -e) + 1.0;
                break;
            }
            case GMDL_TF_INTERVAL: {
                double s = logistic(u[j]), w = tf->hi - tf->lo;
                /* log s + log(1-s) = -|u| - 2 log(1 + e^-|u|), stable for large |u| */
                lj += log(w) - fabs(u[j]) - 2.0 * log1p(exp(-fabs(u[j])));
                if (grad)
                    grad[j] = grad[j] * w * s * (1.0 - s) + 1.0 - 2.0 * s;
                break;
            }
            default:
                break;
        }
    }
    if (lp)
        *lp += lj;
}

/* A model without a gradient (no_grad): d/du_j log p(x(u)) by central differences, each moving
 * x_j alone (x_scratch holds x(u) on entry and on return), plus the log-Jacobian's derivative. */
static gmdl_status
fd_grad(double *grad_u, const gmdl_target *t, const double *u, double *x_scratch, gmdl_err *err) {
    const double rel = 6.0554544523933395e-06; /* cbrt(DBL_EPSILON) */
    for (size_t j = 0; j < t->dim; j++) {
        double xj = x_scratch[j], h = rel * fmax(1.0, fabs(u[j])), lp_hi, lp_lo;
        double up = u[j] + h, dn = u[j] - h; /* (up - dn): the step as represented */
        x_scratch[j] = constrain1(t, j, up);
        gmdl_status s = t->logp(t->user, x_scratch, &lp_hi, NULL, err);
        if (s == GMDL_OK) {
            x_scratch[j] = constrain1(t, j, dn);
            s = t->logp(t->user, x_scratch, &lp_lo, NULL, err);
        }
        x_scratch[j] = xj;
        if (s != GMDL_OK)
            return s;
        grad_u[j] = (lp_hi - lp_lo) / (up - dn) + dlogj1(t, j, u[j]);
    }
    return GMDL_OK;
}

gmdl_status gmdl_target_logp_u(double *lp,
                               double *grad_u,
                               const gmdl_target *t,
                               const double *u,
                               double *x_scratch,
                               gmdl_err *err) {
    gmdl_target_constrain(x_scratch, t, u);
    if (t->no_grad) {
        gmdl_status s = t->logp(t->user, x_scratch, lp, NULL, err);
        if (s == GMDL_OK && grad_u)
            s = fd_grad(grad_u, t, u, x_scratch, err);
        if (s == GMDL_OK)
            apply_jacobian(t, u, lp, NULL);
        return s;
    }
    gmdl_status s = t->logp(t->user, x_scratch, lp, grad_u, err);
    if (s != GMDL_OK)
        return s;
    apply_jacobian(t, u, lp, grad_u);
    return GMDL_OK;
}

gmdl_status gmdl__target_eval_u(double *lp,
                                double *grad_u,
                                const gmdl_target *t,
                                const double *u,
                                double *x_scratch,
                                gmdl_err *err) {
    gmdl_status s = gmdl_target_logp_u(lp, grad_u, t, u, x_scratch, err);
    if (s != GMDL_OK)
        return s;
    if (!isfinite(*lp))
        *lp = -HUGE_VAL;
    if (grad_u)
        for (size_t j = 0; j < t->dim; j++)
            if (!isfinite(grad_u[j]))
                *lp = -HUGE_VAL; /* a proposal with a broken gradient is rejected */
    return GMDL_OK;
}

gmdl_status gmdl__target_grad_batch_u(double *grad_u,
                                      const gmdl_target *t,
                                      const double *u,
                                      double *x_scratch,
                                      const uint32_t *idx,
                                      size_t n,
                                      gmdl_err *err) {
    gmdl_target_constrain(x_scratch, t, u);
    gmdl_status s = t->grad_batch(t->user, x_scratch, idx, n, grad_u, err);
    if (s != GMDL_OK)
        return s;
    apply_jacobian(t, u, NULL, grad_u);
    return GMDL_OK;
}

/* ------------------------------------------------------------------ draws */
size_t gmdl__target_out_dim(const gmdl_target *t) {
    return t->generate ? t->n_out : t->dim;
}

void gmdl__target_report(double *out, const gmdl_target *t, const double *u, double *x_scratch) {
    gmdl_target_constrain(x_scratch, t, u);
    if (t->generate)
        t->generate(t->user, x_scratch, out);
    else
        memcpy(out, x_scratch, t->dim * sizeof(double));
}

gmdl_status gmdl__draws_alloc(
    gmdl_draws *d, const gmdl_target *t, size_t chains, size_t n, int weighted, gmdl_err *err) {
    memset(d, 0, sizeof *d);
    size_t dim = gmdl__target_out_dim(t), cn, total;
    if (!gmdl__mul_ok(chains, n, &cn) || !gmdl__mul_ok(cn, dim, &total) ||
        total > SIZE_MAX / sizeof(double))
        return gmdl__fail(err, GMDL_ELIMIT, "draws: %zu chains x %zu draws x %zu is too large",
                          chains, n, dim);
    d->chains = chains;
    d->n = n;
    d->dim = dim;
    d->names = gmdl__calloc(dim, sizeof(char *));
    d->x = gmdl__malloc((total ? total : 1) * sizeof(double));
    d->accept_rate = gmdl__malloc(chains * sizeof(double));
    d->step = gmdl__malloc(chains * sizeof(double));
    if (weighted)
        d->weight = gmdl__malloc((cn ? cn : 1) * sizeof(double));
    if (!d->names || !d->x || !d->accept_rate || !d->step || (weighted && !d->weight))
        goto oom;
    for (size_t j = 0; j < dim; j++) {
        const char *nm = t->generate ? t->out_names[j] : t->names ? t->names[j] : NULL;
        char buf[32];
        if (!nm) {
            snprintf(buf, sizeof buf, "theta[%zu]", j + 1);
            nm = buf;
        }
        d->names[j] = gmdl__strdup(nm);
        if (!d->names[j])
            goto oom;
    }
    for (size_t c = 0; c < chains; c++)
        d->accept_rate[c] = d->step[c] = NAN;
    return GMDL_OK;
oom:
    gmdl_draws_fini(d);
    return gmdl__fail(err, GMDL_ENOMEM, "draws: out of memory");
}

void gmdl_draws_fini(gmdl_draws *d) {
    if (!d)
        return;
    if (d->names)
        for (size_t j = 0; j < d->dim; j++)
            gmdl__free(d->names[j]);
    gmdl__free(d->names);
    gmdl__free(d->x);
    gmdl__free(d->weight);
    gmdl__free(d->accept_rate);
    gmdl__free(d->step);
    gmdl__free(d->stats);
    memset(d, 0, sizeof *d);
}

gmdl_status gmdl_draws_summary(gmdl_diag_summary *out, const gmdl_draws *d, size_t j) {
    if (!d || !out || j >= d->dim || d->chains < 1 || d->n < 8)
        return GMDL_EINVAL;
    size_t S = d->chains * d->n;
    double *v = gmdl__malloc(S * sizeof(double));
    if (!v)
        return GMDL_ENOMEM;
    for (size_t i = 0; i < S; i++)
        v[i] = d->x[i * d->dim + j];
    gmdl_status s = gmdl_diag_summarize(out, v, d->chains, d->n);
    gmdl__free(v);
    if (s != GMDL_OK || !d->weight)
        return s;
    double se;
    s = gmdl_draws_weighted_mean(&out->mean, &se, d, j);
    if (s != GMDL_OK)
        return s;
    double sw = 0, var = 0;
    for (size_t i = 0; i < S; i++)
        sw += d->weight[i];
    for (size_t i = 0; i < S; i++) {
        double e = d->x[i * d->dim + j] - out->mean;
        var += d->weight[i] * e * e;
    }
    out->sd = sqrt(var / sw);
    out->mcse = out->sd / sqrt(out->ess);
    return GMDL_OK;
}

gmdl_status gmdl_draws_ebfmi(double *ebfmi, const gmdl_draws *d, size_t c) {
    if (!ebfmi || !d || c >= d->chains || d->n < 2)
        return GMDL_EINVAL;
    *ebfmi = NAN;
    if (!d->stats)
        return GMDL_OK;
    const double *st = d->stats + c * d->n * GMDL_STAT_COUNT;
    double mean = 0, num = 0, den = 0;
    for (size_t i = 0; i < d->n; i++)
        mean += st[i * GMDL_STAT_COUNT + GMDL_STAT_ENERGY];
    mean /= (double)d->n;
    for (size_t i = 0; i < d->n; i++) {
        double e = st[i * GMDL_STAT_COUNT + GMDL_STAT_ENERGY];
        den += (e - mean) * (e - mean);
        if (i > 0) {
            double de = e - st[(i - 1) * GMDL_STAT_COUNT + GMDL_STAT_ENERGY];
            num += de * de;
        }
    }
    if (isfinite(num) && den > 0)
        *ebfmi = num / den;
    return GMDL_OK;
}

gmdl_status gmdl_draws_weighted_mean(double *mean, double *se, const gmdl_draws *d, size_t j) {
    if (!d || j >= d->dim || d->chains * d->n < 2)
        return GMDL_EINVAL;
    size_t S = d->chains * d->n;
    double sw = 0, m = 0;
    for (size_t i = 0; i < S; i++) {
        double w = d->weight ? d->weight[i] : 1.0;
        sw += w;
        m += w * d->x[i * d->dim + j];
    }
    if (!(sw > 0))
        return GMDL_EINVAL;
    m /= sw;
    double v = 0;
    for (size_t i = 0; i < S; i++) {
        double w = (d->weight ? d->weight[i] : 1.0) / sw, e = d->x[i * d->dim + j] - m;
        v += w * w * e * e;
    }
    *mean = m;
    /* Equal weights: sum (1/S)^2 e^2 = var_biased / S; use the unbiased variance there. */
    if (!d->weight)
        v *= (double)S / ((double)S - 1.0);
    if (se)
        *se = sqrt(v);
    return GMDL_OK;
}
