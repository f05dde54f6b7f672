/* The chain driver shared by every MCMC method: start points, warm-up, step-size and metric
 * adaptation, thinning, draws storage, interrupt polling and parallel chains. The samplers are
 * tables of step functions (gmdl__sampler in infer_internal.h): random-walk MH (mh.c), MALA
 * (mala.c), static HMC (hmc.c) propose and the driver accepts or rejects; SGLD (sgld.c) moves
 * without an accept step. The step functions never call back into this file.
 *
 * Everything happens on the unconstrained scale u with a diagonal metric minv[dim] (the inverse
 * mass matrix for HMC; the proposal variances relative to the step for MH and MALA), so that the
 * Metropolis samplers adapt the same way:
 *   - the step size follows Nesterov dual averaging toward target_accept during warm-up
 *     (Hoffman & Gelman 2014, Alg. 5: gamma 0.05, t0 10, kappa 0.75, mu = log 10 eps0);
 *   - with adapt_metric and at least 150 warm-up iterations, the draws of the window
 *     [0.15 W, 0.75 W) estimate the variance of each coordinate, regularised as Stan does
 *     (n/(n+5) var + 1e-3 5/(n+5)); the step is then re-initialised and adapted again.
 * A proposal whose log density is not finite is rejected (it is outside the support or
 * overflowed), so a Metropolis chain never holds a non-finite state. SGLD has no warm-up
 * adaptation: its warm-up is a burn-in. NUTS (nuts.c) moves by whole transitions and adapts with
 * Stan's windowed warm-up (adapt.c), with a diagonal or dense metric. Every kept draw of a
 * Metropolis sampler or NUTS also keeps its sampler statistics (GMDL_STAT_...). */
#include "common.h"
#include "gmdl/infer.h"
#include "gmdl/rng.h"
#include "infer/infer_internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

gmdl_mcmc_config gmdl_mcmc_config_default(gmdl_mcmc_method method) {
    gmdl_mcmc_config c;
    memset(&c, 0, sizeof c);
    c.method = method;
    c.chains = 4;
    c.n_draws = 1000;
    c.n_warmup = 1000;
    c.thin = 1;
    c.seed = 1;
    c.adapt_step = 1;
    c.adapt_metric = 1;
    c.leapfrog = 16;
    c.max_depth = 10;
    c.init_radius = 2.0;
    c.sgld_a = 0.01;
    c.sgld_b = 1.0;
    c.sgld_gamma = 0.55;
    c.batch = 1;
    c.rms_beta = 0.99;
    c.rms_lambda = 1e-5;
    return c;
}

gmdl_status gmdl_mcmc_config_check(const gmdl_mcmc_config *c, const gmdl_target *t, gmdl_err *err) {
    gmdl_status s = gmdl_target_check(t, err);
    if (s != GMDL_OK)
        return s;
    if (!c)
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: config is NULL");
    if (c->method > GMDL_MCMC_NUTS)
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: unknown method %d", (int)c->method);
    if (c->chains < 1 || c->chains > 4096)
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: chains must be in 1..4096 (got %zu)", c->chains);
    if (c->n_draws < 1)
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: n_draws must be >= 1");
    if (c->thin < 1)
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: thin must be >= 1");
    if (!(c->step >= 0) || !isfinite(c->step))
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: step must be finite and >= 0 (got %g)", c->step);
    if (c->target_accept != 0 && !(c->target_accept > 0 && c->target_accept < 1))
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: target_accept must be in (0, 1) (got %g)",
                          c->target_accept);
    if (!(c->init_radius >= 0) || !isfinite(c->init_radius))
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: init_radius must be finite and >= 0");
    if (c->method == GMDL_MCMC_HMC && (c->leapfrog < 1 || c->leapfrog > 100000))
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: leapfrog steps must be in 1..100000");
    if (c->method == GMDL_MCMC_NUTS && (c->max_depth < 1 || c->max_depth > 30))
        return gmdl__fail(err, GMDL_EINVAL, "nuts: max_depth must be in 1..30 (got %zu)",
                          c->max_depth);
    if (c->dense_metric && c->method != GMDL_MCMC_NUTS)
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: a dense metric is only adapted by NUTS");
    if (c->method == GMDL_MCMC_SGLD) {
        if (!(c->sgld_a > 0) || !isfinite(c->sgld_a) || !(c->sgld_b > 0) || !isfinite(c->sgld_b) ||
            !(c->sgld_gamma >= 0) || c->sgld_gamma > 1)
            return gmdl__fail(err, GMDL_EINVAL,
                              "sgld: need a > 0, b > 0 and 0 <= gamma <= 1 (got a %g, b %g, "
                              "gamma %g)",
                              c->sgld_a, c->sgld_b, c->sgld_gamma);
        if (c->batch > 0 && !t->grad_batch)
            return gmdl__fail(err, GMDL_EINVAL,
                              "sgld: minibatches need a model with a minibatch gradient (use "
                              "batch 0 for the full gradient)");
        if (c->batch > UINT32_MAX)
            return gmdl__fail(err, GMDL_EINVAL, "sgld: batch too large");
        if (c->precondition && (!(c->rms_beta > 0 && c->rms_beta < 1) || !(c->rms_lambda > 0)))
            return gmdl__fail(err, GMDL_EINVAL, "sgld: need 0 < rms_beta < 1 and rms_lambda > 0");
    }
    size_t total;
    if (!gmdl__mul_ok(c->n_draws, c->thin, &total) || total > SIZE_MAX - c->n_warmup)
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: iteration count overflows");
    return GMDL_OK;
}

static const gmdl__sampler *sampler_of(gmdl_mcmc_method m) {
    switch (m) {
        case GMDL_MCMC_MH:
            return &gmdl__sampler_mh;
        case GMDL_MCMC_MALA:
            return &gmdl__sampler_mala;
        case GMDL_MCMC_HMC:
            return &gmdl__sampler_hmc;
        case GMDL_MCMC_SGLD:
            return &gmdl__sampler_sgld;
        case GMDL_MCMC_NUTS:
            return &gmdl__sampler_nuts;
    }
    GMDL_ASSERT(0);
    return NULL;
}

/* Finds a start point u[dim] with a finite log density (and gradient, when grad is not NULL):
 * cfg->chain_inits, cfg->init, 0, or uniform in (-init_radius, init_radius) with up to 100 tries.
 * EINVAL when none is finite. */
static gmdl_status chain_start_point(const gmdl_target *t,
                                     const gmdl_mcmc_config *cfg,
                                     gmdl_rng *rng,
                                     size_t chain,
                                     double *u,
                                     double *x_scratch,
                                     double *lp,
                                     double *grad,
                                     gmdl_err *err) {
    size_t d = t->dim;
    int rand_init = !cfg->init && !cfg->chain_inits && cfg->init_radius > 0;
    for (int attempt = 0; attempt < (rand_init ? 100 : 1); attempt++) {
        for (size_t j = 0; j < d; j++) {
            if (cfg->chain_inits)
                u[j] = cfg->chain_inits[chain * d + j];
            else if (cfg->init)
                u[j] = cfg->init[j];
            else if (rand_init)
                u[j] = cfg->init_radius * (2.0 * gmdl_rng_uniform(rng) - 1.0);
            else
                u[j] = 0.0;
        }
        gmdl_status s = gmdl_target_logp_u(lp, grad, t, u, x_scratch, err);
        if (s != GMDL_OK)
            return s;
        int ok = isfinite(*lp);
        for (size_t j = 0; ok && grad && j < d; j++)
            ok = isfinite(grad[j]);
        if (ok)
            return GMDL_OK;
    }
    return gmdl__fail(err, GMDL_EINVAL,
                      "chain %zu: the log density (or its gradient) is not finite at the start "
                      "point%s (log density %g)",
                      chain + 1, rand_init ? " (100 random tries)" : "", *lp);
}

/* ------------------------------------------------------------------ one chain's run */
typedef struct run {
    gmdl__chain c;
    const gmdl__sampler *S;
    gmdl_draws *out;
    double *buf, *rep; /* all the chain's arrays; rep: [out->dim] reported quantities */
    size_t kept, accepted;
    /* adaptation (Metropolis samplers, during warm-up) */
    double delta;                   /* target acceptance */
    int metric;                     /* metric window on */
    size_t win_lo, win_hi, wn;      /* window [win_lo, win_hi) and its count */
    double *wmean, *wm2;            /* [d] running mean and sum of squared deviations */
    double da_mu, da_hbar, da_lbar; /* dual averaging */
    size_t da_t;
    gmdl__adapt ad;             /* samplers with transition (NUTS): the windowed warm-up */
    double st[GMDL_STAT_COUNT]; /* the statistics of the last iteration */
    double accept_sum;          /* NUTS: sum of the acceptance statistics after warm-up */
} run;

static double accept_prob(double loga) {
    return isnan(loga) ? 0.0 : loga >= 0 ? 1.0 : exp(loga);
}

/* Hoffman & Gelman (2014) Alg. 4: double or halve eps until the one-step acceptance probability
 * crosses 1/2. Draws from the chain's stream but does not move the chain. */
static gmdl_status initial_step(run *r, double eps0, double *eps_out) {
    gmdl__chain *c = &r->c;
    double eps = eps0, loga;
    gmdl_status s = r->S->propose(c, eps, c->cfg->leapfrog, &loga);
    if (s != GMDL_OK)
        return s;
    int dir = accept_prob(loga) > 0.5 ? 1 : -1;
    for (int it = 0; it < 60; it++) {
        double next = dir > 0 ? eps * 2.0 : eps * 0.5;
        s = r->S->propose(c, next, c->cfg->leapfrog, &loga);
        if (s != GMDL_OK)
            return s;
        double a = accept_prob(loga);
        if ((dir > 0 && !(a > 0.5)) || (dir < 0 && a > 0.5)) {
            if (dir < 0)
                eps = next;
            break;
        }
        eps = next;
    }
    *eps_out = eps;
    return GMDL_OK;
}

static gmdl_status set_step(run *r) {
    gmdl__chain *c = &r->c;
    if (r->S->start_step) {
        c->eps = c->cfg->step > 0 ? c->cfg->step : r->S->start_step(c->d);
        return GMDL_OK;
    }
    return initial_step(r, c->cfg->step > 0 ? c->cfg->step : 1.0, &c->eps);
}

static void da_reset(run *r) {
    r->da_mu = log(10.0 * r->c.eps);
    r->da_hbar = 0;
    r->da_lbar = 0;
    r->da_t = 0;
}

static void da_update(run *r, double alpha) {
    const double gamma = 0.05, t0 = 10.0, kappa = 0.75;
    r->da_t++;
    double t = (double)r->da_t, w = 1.0 / (t + t0);
    r->da_hbar = (1.0 - w) * r->da_hbar + w * (r->delta - alpha);
    double leps = r->da_mu - sqrt(t) / gamma * r->da_hbar;
    double eta = pow(t, -kappa);
    r->da_lbar = eta * leps + (1.0 - eta) * r->da_lbar;
    r->c.eps = exp(leps);
}

/* Warm-up iteration it of a Metropolis sampler, after its accept step with probability alpha:
 * dual averaging, the metric window, and the final step at the end of warm-up. */
static gmdl_status adapt(run *r, size_t it, double alpha) {
    gmdl__chain *c = &r->c;
    const gmdl_mcmc_config *cfg = c->cfg;
    if (cfg->adapt_step)
        da_update(r, alpha);
    if (r->metric && it >= r->win_lo && it < r->win_hi) {
        r->wn++;
        for (size_t j = 0; j < c->d; j++) {
            double e = c->u[j] - r->wmean[j];
            r->wmean[j] += e / (double)r->wn;
            r->wm2[j] += e * (c->u[j] - r->wmean[j]);
        }
    }
    if (r->metric && it + 1 == r->win_hi && r->wn >= 10) {
        double n = (double)r->wn;
        for (size_t j = 0; j < c->d; j++) {
            double var = r->wm2[j] / (n - 1.0);
            c->minv[j] = n / (n + 5.0) * var + 1e-3 * 5.0 / (n + 5.0);
            c->sdm[j] = sqrt(c->minv[j]);
        }
        gmdl_status s = set_step(r);
        if (s != GMDL_OK)
            return s;
        da_reset(r);
    }
    if (it + 1 == cfg->n_warmup && cfg->adapt_step && r->da_t > 0)
        c->eps = exp(r->da_lbar);
    return GMDL_OK;
}

/* One iteration of a Metropolis sampler: propose, accept or reject, adapt during warm-up. */
static gmdl_status metropolis(run *r, size_t it, int warm) {
    gmdl__chain *c = &r->c;
    double eps = c->eps, loga;
    size_t steps = c->cfg->leapfrog;
    if (r->S->jitter)
        r->S->jitter(c, warm, &eps, &steps);
    gmdl_status s = r->S->propose(c, eps, steps, &loga);
    if (s != GMDL_OK)
        return s;
    double alpha = accept_prob(loga);
    r->st[GMDL_STAT_ACCEPT] = alpha;
    r->st[GMDL_STAT_STEPSIZE] = eps;
    r->st[GMDL_STAT_TREEDEPTH] = 0;
    r->st[GMDL_STAT_LEAPFROG] = r->S == &gmdl__sampler_hmc ? (double)steps : r->S->grad ? 1 : 0;
    r->st[GMDL_STAT_DIVERGENT] = 0;
    r->st[GMDL_STAT_ENERGY] = NAN;
    if (log(gmdl_rng_uniform(&c->rng)) < loga) {
        double *tmp = c->u;
        c->u = c->u1;
        c->u1 = tmp;
        tmp = c->g;
        c->g = c->g1;
        c->g1 = tmp;
        c->lp = c->lp1;
        if (!warm)
            r->accepted++;
    }
    r->st[GMDL_STAT_LP] = c->lp;
    return warm ? adapt(r, it, alpha) : GMDL_OK;
}

/* One NUTS transition; during warm-up the step and metric adaptation (adapt.c). */
static gmdl_status transition(run *r, size_t it, int warm) {
    gmdl__chain *c = &r->c;
    const gmdl_mcmc_config *cfg = c->cfg;
    gmdl_status s = r->S->transition(c, r->st);
    if (s != GMDL_OK)
        return s;
    if (!warm) {
        r->accept_sum += r->st[GMDL_STAT_ACCEPT];
        return GMDL_OK;
    }
    if (cfg->adapt_step)
        c->eps = gmdl__adapt_step(&r->ad, r->st[GMDL_STAT_ACCEPT]);
    if (gmdl__adapt_metric(&r->ad, c)) {
        if (r->S->metric_changed && (s = r->S->metric_changed(c)) != GMDL_OK)
            return s;
        if ((s = r->S->init_step(c)) != GMDL_OK)
            return s;
        gmdl__adapt_restart(&r->ad, c->eps);
    }
    if (it + 1 == cfg->n_warmup && cfg->adapt_step && r->ad.t > 0)
        c->eps = gmdl__adapt_final_step(&r->ad);
    return GMDL_OK;
}

/* Keeps the current state as draw r->kept (with its weight when the draws are weighted). A
 * sampler without an accept step can diverge into a state whose reported quantities overflow:
 * ENUMERIC. */
static gmdl_status store(run *r, size_t it, double weight) {
    gmdl__chain *c = &r->c;
    gmdl_draws *out = r->out;
    size_t od = out->dim;
    gmdl__target_report(r->rep, c->t, c->u, c->xs);
    if (r->S->move) {
        int ok = 1;
        for (size_t j = 0; j < od; j++)
            ok &= isfinite(r->rep[j]);
        if (!ok)
            return gmdl__fail(c->err, GMDL_ENUMERIC,
                              "%s %zu: diverged at iteration %zu: a reported quantity overflowed",
                              r->S->label, c->k + 1, it + 1);
    }
    memcpy(out->x + (c->k * out->n + r->kept) * od, r->rep, od * sizeof(double));
    if (out->stats)
        memcpy(out->stats + (c->k * out->n + r->kept) * GMDL_STAT_COUNT, r->st, sizeof r->st);
    if (out->weight)
        out->weight[c->k * out->n + r->kept] = weight;
    r->kept++;
    return GMDL_OK;
}

/* Allocates the chain's arrays, finds the start point and the first step. */
static gmdl_status chain_setup(run *r,
                               const gmdl_target *t,
                               const gmdl_mcmc_config *cfg,
                               size_t k,
                               gmdl_draws *out,
                               gmdl_err *err) {
    gmdl__chain *c = &r->c;
    memset(r, 0, sizeof *r);
    r->S = sampler_of(cfg->method);
    r->out = out;
    c->t = t;
    c->cfg = cfg;
    c->d = t->dim;
    c->k = k;
    c->err = err;
    size_t d = c->d;
    size_t nd = cfg->dense_metric ? d * d : 0;
    r->buf = gmdl__malloc((10 * d + out->dim + nd) * sizeof(double));
    if (!r->buf)
        return gmdl__fail(err, GMDL_ENOMEM, "%s %zu: out of memory", r->S->label, k + 1);
    double *b = r->buf;
    c->u = b;
    c->g = b + d;
    c->u1 = b + 2 * d;
    c->g1 = b + 3 * d;
    c->p = b + 4 * d;
    c->xs = b + 5 * d;
    c->minv = b + 6 * d;
    c->sdm = b + 7 * d;
    r->wmean = b + 8 * d;
    r->wm2 = b + 9 * d;
    r->rep = b + 10 * d;
    if (nd) {
        c->minv_dense = r->rep + out->dim;
        for (size_t j = 0; j < nd; j++)
            c->minv_dense[j] = j % (d + 1) == 0 ? 1.0 : 0.0;
    }
    for (size_t j = 0; j < d; j++) {
        c->minv[j] = c->sdm[j] = 1.0;
        r->wmean[j] = r->wm2[j] = 0;
    }
    gmdl_rng_derive(&c->rng, cfg->seed, GMDL_RNG_MCMC_CHAIN, k);
    gmdl_status s =
        chain_start_point(t, cfg, &c->rng, k, c->u, c->xs, &c->lp, r->S->grad ? c->g : NULL, err);
    if (s == GMDL_OK && r->S->start)
        s = r->S->start(c);
    if (s != GMDL_OK || r->S->move)
        return s;
    if (r->S->transition) {
        double eps0 = cfg->step > 0 ? cfg->step : 1.0;
        c->eps = eps0;
        if ((s = r->S->init_step(c)) != GMDL_OK)
            return s;
        double delta = cfg->target_accept > 0 ? cfg->target_accept : r->S->accept_target;
        if (gmdl__adapt_init(&r->ad, d, cfg->n_warmup, delta, cfg->adapt_metric,
                             cfg->dense_metric) != GMDL_OK)
            return gmdl__fail(err, GMDL_ENOMEM, "%s %zu: out of memory", r->S->label, k + 1);
        /* Stan centres the first phase's dual averaging on 10 x the nominal step it was given,
         * not on the step the heuristic then found (services/sample/hmc_nuts_*_adapt: set_mu
         * before run_adaptive_sampler's init_stepsize); after each metric update on 10 x the
         * heuristic's step (adapt_*_nuts::transition). */
        gmdl__adapt_restart(&r->ad, eps0);
        return GMDL_OK;
    }
    s = set_step(r);
    if (s != GMDL_OK)
        return s;
    da_reset(r);
    const size_t W = cfg->n_warmup;
    r->delta = cfg->target_accept > 0 ? cfg->target_accept : r->S->accept_target;
    r->metric = cfg->adapt_metric && W >= 150;
    r->win_lo = (size_t)(0.15 * (double)W);
    r->win_hi = (size_t)(0.75 * (double)W);
    return GMDL_OK;
}

/* Warm-up (or burn-in) then n_draws * thin iterations, keeping every thin-th after warm-up. */
static gmdl_status chain_iterate(run *r) {
    gmdl__chain *c = &r->c;
    const gmdl_mcmc_config *cfg = c->cfg;
    const size_t W = cfg->n_warmup, total = W + cfg->n_draws * cfg->thin;
    for (size_t it = 0; it < total; it++) {
        if (cfg->interrupt && (it & 1023) == 0 && cfg->interrupt(cfg->interrupt_user))
            return gmdl__fail(c->err, GMDL_EINTR, "%s %zu: interrupted at iteration %zu",
                              r->S->label, c->k + 1, it);
        int warm = it < W;
        double weight = 0;
        gmdl_status s = r->S->move         ? r->S->move(c, it, &weight)
                        : r->S->transition ? transition(r, it, warm)
                                           : metropolis(r, it, warm);
        if (s == GMDL_OK && !warm && (it - W + 1) % cfg->thin == 0)
            s = store(r, it, weight);
        if (s != GMDL_OK)
            return s;
    }
    GMDL_ASSERT(r->kept == r->out->n);
    if (r->S->transition)
        r->out->accept_rate[c->k] = r->accept_sum / (double)(total - W);
    else if (!r->S->move)
        r->out->accept_rate[c->k] = (double)r->accepted / (double)(total - W);
    r->out->step[c->k] = r->S->final_step ? r->S->final_step(c, total) : c->eps;
    return GMDL_OK;
}

static gmdl_status run_chain(
    const gmdl_target *t, const gmdl_mcmc_config *cfg, size_t k, gmdl_draws *out, gmdl_err *err) {
    run r;
    gmdl_status s = chain_setup(&r, t, cfg, k, out, err);
    if (s == GMDL_OK)
        s = chain_iterate(&r);
    if (r.S->stop)
        r.S->stop(&r.c);
    gmdl__adapt_free(&r.ad);
    gmdl__free(r.buf);
    return s;
}

gmdl_status
gmdl_mcmc_run(gmdl_draws *out, const gmdl_target *t, const gmdl_mcmc_config *cfg, gmdl_err *err) {
    if (out)
        memset(out, 0, sizeof *out);
    gmdl_status s = gmdl_mcmc_config_check(cfg, t, err);
    if (s != GMDL_OK)
        return s;
    if (!out)
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: out is NULL");
    s = gmdl__draws_alloc(out, t, cfg->chains, cfg->n_draws, cfg->method == GMDL_MCMC_SGLD, err);
    if (s != GMDL_OK)
        return s;
    if (cfg->method != GMDL_MCMC_SGLD) {
        out->stats = gmdl__malloc(out->chains * out->n * GMDL_STAT_COUNT * sizeof(double));
        if (!out->stats) {
            gmdl_draws_fini(out);
            return gmdl__fail(err, GMDL_ENOMEM, "mcmc: out of memory");
        }
    }
    size_t nc = cfg->chains;
    gmdl_status *st = gmdl__calloc(nc, sizeof *st);
    gmdl_err *errs = gmdl__calloc(nc, sizeof *errs);
    if (!st || !errs) {
        gmdl__free(st);
        gmdl__free(errs);
        gmdl_draws_fini(out);
        return gmdl__fail(err, GMDL_ENOMEM, "mcmc: out of memory");
    }
#ifdef _OPENMP
    int nt = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
#else
    int nt = 1;
#endif
    if ((size_t)nt > nc)
        nt = (int)nc;
        /* Each chain owns its stream and its slice of the output, so the result is independent of
         * the thread count and schedule. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (size_t k = 0; k < nc; k++)
        st[k] = run_chain(t, cfg, k, out, &errs[k]);
    s = GMDL_OK;
    for (size_t k = 0; k < nc; k++) {
        if (st[k] != GMDL_OK) {
            s = st[k];
            if (err)
                *err = errs[k];
            break;
        }
    }
    gmdl__free(st);
    gmdl__free(errs);
    if (s != GMDL_OK)
        gmdl_draws_fini(out);
    return s;
}
