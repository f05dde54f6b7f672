/* Mean-field Gaussian variational inference with the reparameterisation or the score-function
 * gradient (Kingma & Welling 2014; Ranganath, Gerrish & Blei 2014), optimised with Adam.
 *
 * Variational parameters phi = (m, w) with q(u) = N(m, diag e^(2w)) on the unconstrained scale.
 * For u = m + e^w eps:
 *   reparam:  g_m = grad log p(u),  g_w = grad log p(u) * e^w eps + 1   (entropy gradient exact)
 *   score:    c = log p(u) (- b),  g_m = c eps / e^w,  g_w = c (eps^2 - 1) + 1
 * (grad_m log q = eps / e^w, grad_w log q = eps^2 - 1; the entropy gradient 1 is exact in both, so
 * the two estimators differ only in how they differentiate E_q[log p]). The baseline b is a running
 * mean of log p(u) (decay 0.9) from earlier iterations, so it does not bias the estimate. The
 * result is the average of the last 20% of the iterates (Polyak averaging, Polyak & Juditsky
 * 1992), which removes most of the optimiser noise. */
#include "common.h"
#include "gmdl/infer.h"
#include "gmdl/rng.h"
#include "infer/infer_internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

gmdl_vi_config gmdl_vi_config_default(void) {
    gmdl_vi_config c;
    memset(&c, 0, sizeof c);
    c.estimator = GMDL_VI_REPARAM;
    c.iters = 3000;
    c.mc = 1;
    c.lr = 0.05;
    c.init_log_sd = -1.0;
    c.var_samples = 1000;
    c.seed = 1;
    return c;
}

typedef struct vi_ws {
    const gmdl_target *t;
    size_t d;
    double *u, *g, *xs, *eps;
    gmdl_err *err;
} vi_ws;

/* One single-sample gradient estimate of the ELBO at (m, w) into gm, gw; *f receives
 * log p(u) - log q(u) and *lpo log p(u). */
static gmdl_status one_grad(vi_ws *ws,
                            gmdl_vi_estimator est,
                            const double *m,
                            const double *w,
                            double baseline,
                            gmdl_rng *r,
                            double *gm,
                            double *gw,
                            double *f,
                            double *lpo) {
    size_t d = ws->d;
    double logq = 0;
    for (size_t j = 0; j < d; j++) {
        ws->eps[j] = gmdl_rng_normal(r);
        ws->u[j] = m[j] + exp(w[j]) * ws->eps[j];
        logq += -0.5 * ws->eps[j] * ws->eps[j] - w[j] - 0.5 * log(2 * M_PI);
    }
    double lp;
    gmdl_status s = gmdl_target_logp_u(&lp, est == GMDL_VI_REPARAM ? ws->g : NULL, ws->t, ws->u,
                                       ws->xs, ws->err);
    if (s != GMDL_OK)
        return s;
    *f = lp - logq;
    *lpo = lp;
    if (est == GMDL_VI_REPARAM) {
        for (size_t j = 0; j < d; j++) {
            gm[j] = ws->g[j];
            gw[j] = ws->g[j] * exp(w[j]) * ws->eps[j] + 1.0;
        }
    } else {
        double c = lp - (est == GMDL_VI_SCORE_BASELINE ? baseline : 0.0);
        for (size_t j = 0; j < d; j++) {
            gm[j] = c * ws->eps[j] / exp(w[j]);
            gw[j] = c * (ws->eps[j] * ws->eps[j] - 1.0) + 1.0;
        }
    }
    return GMDL_OK;
}

void gmdl_vi_result_fini(gmdl_vi_result *r) {
    if (!r)
        return;
    gmdl__free(r->mean);
    gmdl__free(r->sd);
    memset(r, 0, sizeof *r);
}

/* One fit's arrays, [d] each: q's parameters (m, w), a gradient estimate (gm, gw), Adam's moments
 * (am, aw, vm, vw), the Polyak sums (sm, sw) and the per-iteration gradient (tm, tw); the last
 * two pairs are reused as Welford accumulators by estimator_variances. */
typedef struct vi_fit_ws {
    vi_ws ws;
    double *buf, *m, *w, *gm, *gw, *am, *aw, *vm, *vw, *sm, *sw, *tm, *tw;
} vi_fit_ws;

static int vi_fit_alloc(vi_fit_ws *f, const gmdl_target *t, gmdl_err *err) {
    size_t d = t->dim;
    double *buf = gmdl__calloc(16 * d, sizeof(double));
    if (!buf)
        return 0;
    f->buf = buf;
    f->m = buf;
    f->w = buf + d;
    f->gm = buf + 2 * d;
    f->gw = buf + 3 * d;
    f->am = buf + 4 * d;
    f->aw = buf + 5 * d;
    f->vm = buf + 6 * d;
    f->vw = buf + 7 * d;
    f->sm = buf + 8 * d;
    f->sw = buf + 9 * d;
    f->tm = buf + 10 * d;
    f->tw = buf + 11 * d;
    f->ws = (vi_ws){t, d, buf + 12 * d, buf + 13 * d, buf + 14 * d, buf + 15 * d, err};
    return 1;
}

/* Adam on (m, w) with the decayed step lr / sqrt(1 + it / 100) and bias correction (Kingma & Ba
 * 2015); a non-finite gradient component is skipped. Returns 0 when a parameter is no longer
 * finite. */
static int adam_step(vi_fit_ws *f, const gmdl_vi_config *cfg, size_t it) {
    const double b1 = 0.9, b2 = 0.999, aeps = 1e-8;
    double lr = cfg->lr / sqrt(1.0 + (double)it / 100.0);
    double c1 = 1.0 - pow(b1, (double)(it + 1)), c2 = 1.0 - pow(b2, (double)(it + 1));
    int finite = 1;
    for (size_t j = 0; j < f->ws.d; j++) {
        if (!isfinite(f->tm[j]) || !isfinite(f->tw[j]))
            continue; /* skip a broken gradient component rather than poison Adam */
        f->am[j] = b1 * f->am[j] + (1 - b1) * f->tm[j];
        f->vm[j] = b2 * f->vm[j] + (1 - b2) * f->tm[j] * f->tm[j];
        f->aw[j] = b1 * f->aw[j] + (1 - b1) * f->tw[j];
        f->vw[j] = b2 * f->vw[j] + (1 - b2) * f->tw[j] * f->tw[j];
        f->m[j] += lr * (f->am[j] / c1) / (sqrt(f->vm[j] / c2) + aeps);
        f->w[j] += lr * (f->aw[j] / c1) / (sqrt(f->vw[j] / c2) + aeps);
        finite &= isfinite(f->m[j]) && isfinite(f->w[j]);
    }
    return finite;
}

/* cfg->iters Adam steps on cfg->mc-sample gradient estimates; (m, w) end as the average of the
 * last 20% of the iterates. */
static gmdl_status optimise(vi_fit_ws *f, const gmdl_vi_config *cfg, gmdl_rng *r) {
    size_t d = f->ws.d;
    double baseline = 0;
    int have_baseline = 0;
    size_t avg_from = cfg->iters - cfg->iters / 5, navg = 0;
    for (size_t it = 0; it < cfg->iters; it++) {
        for (size_t j = 0; j < d; j++)
            f->tm[j] = f->tw[j] = 0;
        double fsum = 0;
        for (size_t k = 0; k < cfg->mc; k++) {
            double fv, lp;
            gmdl_status s = one_grad(&f->ws, cfg->estimator, f->m, f->w,
                                     have_baseline ? baseline : 0.0, r, f->gm, f->gw, &fv, &lp);
            if (s != GMDL_OK)
                return s;
            if (!isfinite(fv)) /* a draw outside the support contributes nothing */
                continue;
            fsum += lp;
            for (size_t j = 0; j < d; j++) {
                f->tm[j] += f->gm[j] / (double)cfg->mc;
                f->tw[j] += f->gw[j] / (double)cfg->mc;
            }
        }
        double fmean = fsum / (double)cfg->mc;
        baseline = have_baseline ? 0.9 * baseline + 0.1 * fmean : fmean;
        have_baseline = 1;
        if (!adam_step(f, cfg, it))
            return gmdl__fail(f->ws.err, GMDL_ENUMERIC,
                              "vi: the variational parameters became non-finite at iteration %zu",
                              it + 1);
        if (it >= avg_from) {
            navg++;
            for (size_t j = 0; j < d; j++) {
                f->sm[j] += f->m[j];
                f->sw[j] += f->w[j];
            }
        }
    }
    for (size_t j = 0; j < d; j++) {
        f->m[j] = f->sm[j] / (double)navg;
        f->w[j] = f->sw[j] / (double)navg;
    }
    return GMDL_OK;
}

/* The ELBO at (m, w) from 1000 draws into out->elbo; *lpmean = the mean log p of those draws. */
static gmdl_status final_elbo(vi_fit_ws *f, gmdl_rng *r, gmdl_vi_result *out, double *lpmean) {
    double elbo = 0, lpsum = 0;
    size_t ne = 0;
    for (size_t k = 0; k < 1000; k++) {
        double fv, lp;
        gmdl_status s = one_grad(&f->ws, GMDL_VI_SCORE, f->m, f->w, 0, r, f->gm, f->gw, &fv, &lp);
        if (s != GMDL_OK)
            return s;
        if (isfinite(fv)) {
            elbo += fv;
            lpsum += lp;
            ne++;
        }
    }
    out->elbo = ne ? elbo / (double)ne : -HUGE_VAL;
    *lpmean = ne ? lpsum / (double)ne : 0.0;
    return GMDL_OK;
}

/* Total variance of one single-sample gradient estimate at (m, w), for each estimator (the
 * baseline estimator with baseline lpmean), from var_samples draws each. */
static gmdl_status estimator_variances(
    vi_fit_ws *f, const gmdl_vi_config *cfg, gmdl_rng *r, double lpmean, gmdl_vi_result *out) {
    const gmdl_vi_estimator ests[3] = {GMDL_VI_REPARAM, GMDL_VI_SCORE, GMDL_VI_SCORE_BASELINE};
    double *res[3] = {&out->var_reparam, &out->var_score, &out->var_score_baseline};
    size_t d = f->ws.d;
    for (int e = 0; e < 3; e++) {
        /* Welford per coordinate: sm/sw hold the means, tm/tw the sums of squares. */
        for (size_t j = 0; j < d; j++)
            f->sm[j] = f->sw[j] = f->tm[j] = f->tw[j] = 0;
        size_t n = 0;
        for (size_t k = 0; k < cfg->var_samples; k++) {
            double fv, lp;
            gmdl_status s =
                one_grad(&f->ws, ests[e], f->m, f->w, lpmean, r, f->gm, f->gw, &fv, &lp);
            if (s != GMDL_OK)
                return s;
            if (!isfinite(fv))
                continue;
            n++;
            for (size_t j = 0; j < d; j++) {
                double dm = f->gm[j] - f->sm[j], dw = f->gw[j] - f->sw[j];
                f->sm[j] += dm / (double)n;
                f->sw[j] += dw / (double)n;
                f->tm[j] += dm * (f->gm[j] - f->sm[j]);
                f->tw[j] += dw * (f->gw[j] - f->sw[j]);
            }
        }
        double tot = 0;
        for (size_t j = 0; j < d; j++)
            tot += (f->tm[j] + f->tw[j]) / ((double)n - 1.0);
        *res[e] = n >= 2 ? tot : (double)NAN;
    }
    return GMDL_OK;
}

/* Starts q at (init or 0, init_log_sd); EINVAL when log p is not finite at the start mean. */
static gmdl_status vi_start(vi_fit_ws *f, const gmdl_vi_config *cfg) {
    for (size_t j = 0; j < f->ws.d; j++) {
        f->m[j] = cfg->init ? cfg->init[j] : 0.0;
        f->w[j] = cfg->init_log_sd;
    }
    double lp0;
    gmdl_status s = gmdl_target_logp_u(&lp0, NULL, f->ws.t, f->m, f->ws.xs, f->ws.err);
    if (s == GMDL_OK && !isfinite(lp0))
        s = gmdl__fail(f->ws.err, GMDL_EINVAL,
                       "vi: the log density is not finite at the start mean");
    return s;
}

gmdl_status
gmdl_vi_fit(gmdl_vi_result *out, const gmdl_target *t, const gmdl_vi_config *cfg, gmdl_err *err) {
    if (out)
        memset(out, 0, sizeof *out);
    gmdl_status s = gmdl_target_check(t, err);
    if (s != GMDL_OK)
        return s;
    if (!cfg || !out || cfg->iters < 10 || cfg->mc < 1 || !(cfg->lr > 0) || !isfinite(cfg->lr) ||
        !isfinite(cfg->init_log_sd) || cfg->estimator > GMDL_VI_SCORE_BASELINE)
        return gmdl__fail(err, GMDL_EINVAL,
                          "vi: need iters >= 10, mc >= 1, lr > 0, a finite init_log_sd and a known "
                          "estimator");
    size_t d = t->dim;
    vi_fit_ws f;
    int ok = vi_fit_alloc(&f, t, err);
    out->mean = gmdl__malloc(d * sizeof(double));
    out->sd = gmdl__malloc(d * sizeof(double));
    if (!ok || !out->mean || !out->sd) {
        if (ok)
            gmdl__free(f.buf);
        gmdl_vi_result_fini(out);
        return gmdl__fail(err, GMDL_ENOMEM, "vi: out of memory");
    }
    out->dim = d;
    gmdl_rng r;
    s = vi_start(&f, cfg);
    if (s == GMDL_OK) {
        gmdl_rng_derive(&r, cfg->seed, GMDL_RNG_REPARAM_EPS, 0);
        s = optimise(&f, cfg, &r);
    }
    double lpmean = 0;
    if (s == GMDL_OK) {
        for (size_t j = 0; j < d; j++) {
            out->mean[j] = f.m[j];
            out->sd[j] = exp(f.w[j]);
        }
        s = final_elbo(&f, &r, out, &lpmean);
    }
    out->var_reparam = out->var_score = out->var_score_baseline = NAN;
    if (s == GMDL_OK && cfg->var_samples >= 2)
        s = estimator_variances(&f, cfg, &r, lpmean, out);
    gmdl__free(f.buf);
    if (s != GMDL_OK)
        gmdl_vi_result_fini(out);
    return s;
}

gmdl_status gmdl_vi_draws(gmdl_draws *out,
                          const gmdl_target *t,
                          const gmdl_vi_result *r,
                          size_t chains,
                          size_t n,
                          uint64_t seed,
                          gmdl_err *err) {
    if (out)
        memset(out, 0, sizeof *out);
    gmdl_status s = gmdl_target_check(t, err);
    if (s != GMDL_OK)
        return s;
    if (!r || !out || r->dim != t->dim || chains < 1 || n < 1)
        return gmdl__fail(err, GMDL_EINVAL, "vi draws: result does not match the target");
    s = gmdl__draws_alloc(out, t, chains, n, 0, err);
    if (s != GMDL_OK)
        return s;
    size_t d = t->dim;
    double *u = gmdl__malloc(2 * d * sizeof(double));
    if (!u) {
        gmdl_draws_fini(out);
        return gmdl__fail(err, GMDL_ENOMEM, "vi draws: out of memory");
    }
    for (size_t c = 0; c < chains; c++) {
        gmdl_rng rng;
        gmdl_rng_derive(&rng, seed, GMDL_RNG_SAMPLING, c);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < d; j++)
                u[j] = r->mean[j] + r->sd[j] * gmdl_rng_normal(&rng);
            gmdl__target_report(out->x + (c * n + i) * out->dim, t, u, u + d);
        }
    }
    gmdl__free(u);
    return GMDL_OK;
}
