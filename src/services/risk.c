/* Risk of the posterior-mean estimate under a fixed compute budget: SGLD at constant steps against
 * exact random-walk MH (see gmdl_risk_sweep in gmdl/services.h). Run r of every setting starts from
 * the same exact posterior draw r (from (seed, SAMPLING, r)) and uses the streams (seed,
 * MCMC_CHAIN, r) and (seed, SGLD_NOISE, r), so the settings differ only in the sampler and the
 * step (common random numbers).
 *
 * Only the run averages matter here, so SGLD runs accumulate them instead of storing the draws
 * (with thousands of runs of 10^5 steps the draws would not fit in memory): gmdl__sgld_mean, the
 * update of sgld.c (minibatches by sweeps) with a constant step and no preconditioner. MH runs are
 * short (budget / n_data steps) and go through gmdl_mcmc_run. */
#include "common.h"
#include "diag/diag_internal.h" /* gmdl__bias_variance */
#include "gmdl/infer.h"
#include "gmdl/rng.h"
#include "gmdl/services.h"
#include "infer/infer_internal.h" /* gmdl__sgld_mean */

#ifdef _OPENMP
#include <omp.h>
#endif

gmdl_risk_config gmdl_risk_config_default(void) {
    gmdl_risk_config c;
    memset(&c, 0, sizeof c);
    c.budget = 100000;
    c.repeats = 100;
    c.batch = 1;
    c.mh_step = 0.5;
    c.box[0] = -4;
    c.box[1] = 5;
    c.box[2] = -6;
    c.box[3] = 6;
    c.grid = 400;
    c.seed = 1;
    return c;
}

/* Bias^2, variance and risk of the run averages est[R][2] against truth[2]. */
static void score(const double *est, size_t R, const double truth[2], gmdl_risk_point *p) {
    double est_mean[2], var, b2;
    gmdl__bias_variance(est, R, 2, truth, est_mean, &b2, &var);
    /* risk = mean over runs of |est - truth|^2 = |mean est - truth|^2 + var exactly; the squared
     * error of the mean over runs itself carries var / (R - 1) of noise, which is removed so that
     * bias2 is unbiased (it can come out slightly negative when the bias is below that noise). */
    p->risk = b2 + var;
    p->variance = var;
    p->bias2 = b2 - var / ((double)R - 1.0);
}

static gmdl_status check_sweep(const gmdl_target *t,
                               const gmdl_risk_config *cfg,
                               const gmdl_risk_point *sgld,
                               const gmdl_risk_point *mh,
                               gmdl_err *err) {
    gmdl_status s = gmdl_target_check(t, err);
    if (s != GMDL_OK)
        return s;
    if (t->dim != 2 || !t->grad_batch || t->generate || t->transforms)
        return gmdl__fail(err, GMDL_EINVAL,
                          "risk sweep: needs an unconstrained 2-parameter target with a minibatch "
                          "gradient (such as sgld-mixture)");
    if (!cfg || !sgld || !mh || !cfg->steps || cfg->nsteps < 1 || cfg->repeats < 2 ||
        cfg->batch < 1 || cfg->grid < 10 || !(cfg->mh_step > 0))
        return gmdl__fail(
            err, GMDL_EINVAL,
            "risk sweep: need step sizes, repeats >= 2, batch >= 1, grid >= 10 and an "
            "MH step > 0");
    for (size_t k = 0; k < cfg->nsteps; k++)
        if (!(cfg->steps[k] > 0) || !isfinite(cfg->steps[k]))
            return gmdl__fail(err, GMDL_EINVAL, "risk sweep: step sizes must be finite and > 0");
    if (cfg->budget / t->n_data < 10 || cfg->budget / cfg->batch < 10)
        return gmdl__fail(
            err, GMDL_EINVAL,
            "risk sweep: a budget of %zu item gradients allows fewer than 10 MH steps "
            "(each costs %zu) or SGLD steps",
            cfg->budget, t->n_data);
    return GMDL_OK;
}

/* From the grid posterior p[G * G] over cfg->box: the exact mean, and R exact draws inits[R][2]
 * (a cell by its mass, then uniform inside it), draw r from (seed, SAMPLING, r). */
static void
exact_draws(const double *p, const gmdl_risk_config *cfg, double exact_mean[2], double *inits) {
    size_t G = cfg->grid, R = cfg->repeats;
    double hx = (cfg->box[1] - cfg->box[0]) / (double)G,
           hy = (cfg->box[3] - cfg->box[2]) / (double)G;
    exact_mean[0] = exact_mean[1] = 0;
    for (size_t i = 0; i < G; i++)
        for (size_t j = 0; j < G; j++) {
            exact_mean[0] += p[i * G + j] * (cfg->box[0] + ((double)i + 0.5) * hx);
            exact_mean[1] += p[i * G + j] * (cfg->box[2] + ((double)j + 0.5) * hy);
        }
    for (size_t r = 0; r < R; r++) {
        gmdl_rng rng;
        gmdl_rng_derive(&rng, cfg->seed, GMDL_RNG_SAMPLING, r);
        size_t k = gmdl_rng_categorical(&rng, p, G * G);
        inits[2 * r] = cfg->box[0] + ((double)(k / G) + gmdl_rng_uniform(&rng)) * hx;
        inits[2 * r + 1] = cfg->box[2] + ((double)(k % G) + gmdl_rng_uniform(&rng)) * hy;
    }
}

/* SGLD at each constant step: R runs from inits, their averages into est[R][2], scored. */
static gmdl_status sgld_settings(gmdl_risk_point *sgld,
                                 double *est,
                                 gmdl_status *st,
                                 gmdl_err *errs,
                                 const gmdl_target *t,
                                 const gmdl_risk_config *cfg,
                                 const double *inits,
                                 const double exact_mean[2],
                                 gmdl_err *err) {
    size_t R = cfg->repeats;
#ifdef _OPENMP
    int nt = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
#else
    int nt = 1;
#endif
    if ((size_t)nt > R)
        nt = (int)R;
    const size_t T = cfg->budget / cfg->batch;
    for (size_t k = 0; k < cfg->nsteps; k++) {
        const double eps = cfg->steps[k];
        /* Each run owns its streams and its slot, so the result does not depend on the threads. */
#pragma omp parallel for schedule(dynamic, 4) num_threads(nt)
        for (size_t r = 0; r < R; r++)
            st[r] = gmdl__sgld_mean(est + 2 * r, t, eps, cfg->batch, T, cfg->seed, r, inits + 2 * r,
                                    "risk sweep", &errs[r]);
        for (size_t r = 0; r < R; r++)
            if (st[r] != GMDL_OK) {
                if (err)
                    *err = errs[r];
                return st[r];
            }
        sgld[k].step = eps;
        sgld[k].iters = T;
        score(est, R, exact_mean, &sgld[k]);
    }
    return GMDL_OK;
}

/* The exact baseline: random-walk MH from inits, each step costing a full pass over the data;
 * the run averages into est[R][2], scored. */
static gmdl_status mh_baseline(gmdl_risk_point *mh,
                               double *est,
                               const gmdl_target *t,
                               const gmdl_risk_config *cfg,
                               const double *inits,
                               const double exact_mean[2],
                               gmdl_err *err) {
    size_t R = cfg->repeats;
    gmdl_mcmc_config c = gmdl_mcmc_config_default(GMDL_MCMC_MH);
    c.chains = R;
    c.n_warmup = 0; /* no adaptation: the start is already a posterior draw */
    c.n_draws = cfg->budget / t->n_data;
    c.seed = cfg->seed;
    c.threads = cfg->threads;
    c.chain_inits = inits;
    c.step = cfg->mh_step;
    gmdl_draws d;
    gmdl_status s = gmdl_mcmc_run(&d, t, &c, err);
    if (s != GMDL_OK)
        return s;
    for (size_t r = 0; r < R; r++) {
        double a[2] = {0, 0};
        for (size_t i = 0; i < d.n; i++) {
            a[0] += d.x[(r * d.n + i) * 2];
            a[1] += d.x[(r * d.n + i) * 2 + 1];
        }
        est[2 * r] = a[0] / (double)d.n;
        est[2 * r + 1] = a[1] / (double)d.n;
    }
    gmdl_draws_fini(&d);
    mh->step = cfg->mh_step;
    mh->iters = c.n_draws;
    score(est, R, exact_mean, mh);
    return GMDL_OK;
}

gmdl_status gmdl_risk_sweep(gmdl_risk_point *sgld,
                            gmdl_risk_point *mh,
                            double exact_mean[2],
                            const gmdl_target *t,
                            const gmdl_risk_config *cfg,
                            gmdl_err *err) {
    gmdl_status s = check_sweep(t, cfg, sgld, mh, err);
    if (s != GMDL_OK)
        return s;
    size_t G = cfg->grid, R = cfg->repeats;
    double *p = gmdl__malloc(G * G * sizeof(double));
    double *inits = gmdl__malloc(2 * R * sizeof(double));
    double *est = gmdl__malloc(2 * R * sizeof(double));
    gmdl_status *st = gmdl__calloc(R, sizeof *st);
    gmdl_err *errs = gmdl__calloc(R, sizeof *errs);
    if (!p || !inits || !est || !st || !errs)
        s = gmdl__fail(err, GMDL_ENOMEM, "risk sweep: out of memory");
    if (s == GMDL_OK)
        s = gmdl_grid_density(p, t, cfg->box, G, err);
    if (s == GMDL_OK) {
        exact_draws(p, cfg, exact_mean, inits);
        s = sgld_settings(sgld, est, st, errs, t, cfg, inits, exact_mean, err);
    }
    if (s == GMDL_OK)
        s = mh_baseline(mh, est, t, cfg, inits, exact_mean, err);
    gmdl__free(p);
    gmdl__free(inits);
    gmdl__free(est);
    gmdl__free(st);
    gmdl__free(errs);
    return s;
}
