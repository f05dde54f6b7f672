/* The MCMC run loop shared by every method (warm-up, step-size and metric adaptation, thinning,
 * parallel chains), and the three Metropolis-corrected transitions: random-walk MH, MALA and
 * static HMC. SGLD has its own chain loop in sgld.c.
 *
 * Everything happens on the unconstrained scale u with a diagonal metric minv[dim] (the inverse
 * mass matrix for HMC; the proposal variances relative to the step for MH and MALA), so that the
 * three methods adapt the same way:
 *   - the step size follows Nesterov dual averaging toward target_accept during warm-up
 *     (Hoffman & Gelman 2014, Alg. 5: gamma 0.05, t0 10, kappa 0.75, mu = log 10 eps0);
 *   - with adapt_metric and at least 150 warm-up iterations, the draws of the window
 *     [0.15 W, 0.75 W) estimate the variance of each coordinate, regularised as Stan does
 *     (n/(n+5) var + 1e-3 5/(n+5)); the step is then re-initialised and adapted again.
 * A proposal whose log density is not finite is rejected (it is outside the support or
 * overflowed), so a chain never holds a non-finite state. Not done here: NUTS, dense metrics. */
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
    c.init_radius = 2.0;
    c.sgld_a = 0.01;
    c.sgld_b = 1.0;
    c.sgld_gamma = 0.55;
    c.batch = 1;
    c.rms_beta = 0.99;
    c.rms_lambda = 1e-5;
    return c;
}

gmdl_status gmdl_mcmc_config_check(const gmdl_mcmc_config *c, const gmdl_target *t,
                                   gmdl_err *err) {
    gmdl_status s = gmdl_target_check(t, err);
    if (s != GMDL_OK)
        return s;
    if (!c)
        return gmdl__fail(err, GMDL_EINVAL, "mcmc: config is NULL");
    if (c->method > GMDL_MCMC_SGLD)
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
    if (c->method == GMDL_MCMC_SGLD) {
        if (!(c->sgld_a > 0) || !isfinite(c->sgld_a) || !(c->sgld_b > 0) ||
            !isfinite(c->sgld_b) || !(c->sgld_gamma >= 0) || c->sgld_gamma > 1)
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

gmdl_status gmdl__chain_init(const gmdl_target *t, const gmdl_mcmc_config *cfg, gmdl_rng *rng,
                             size_t chain, double *u, double *x_scratch, double *lp, double *grad,
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
        gmdl_status s = gmdl_target_logp_u(t, u, x_scratch, lp, grad, err);
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

/* ------------------------------------------------------------------ one chain */
typedef struct chain {
    const gmdl_target *t;
    const gmdl_mcmc_config *cfg;
    size_t d;
    gmdl_rng rng;
    double *u, *g, lp;    /* current state, gradient (MALA/HMC), log density */
    double *u1, *g1, lp1; /* proposal */
    double *p, *xs, *minv, *sdm, *wmean, *wm2;
    size_t wn;
    double eps;
    double da_mu, da_hbar, da_lbar; /* dual averaging */
    size_t da_t;
    gmdl_err *err;
} chain;

static int use_grad(const chain *c) {
    return c->cfg->method != GMDL_MCMC_MH;
}

static gmdl_status eval(chain *c, const double *u, double *lp, double *g) {
    gmdl_status s = gmdl_target_logp_u(c->t, u, c->xs, lp, use_grad(c) ? g : NULL, c->err);
    if (s != GMDL_OK)
        return s;
    if (!isfinite(*lp))
        *lp = -HUGE_VAL;
    if (use_grad(c))
        for (size_t j = 0; j < c->d; j++)
            if (!isfinite(g[j]))
                *lp = -HUGE_VAL; /* a proposal with a broken gradient is rejected */
    return GMDL_OK;
}

/* Proposes from the current state into (u1, g1, lp1) with step eps and returns the log acceptance
 * ratio in *loga (-inf when the proposal is outside the support). */
static gmdl_status propose(chain *c, double eps, size_t steps, double *loga) {
    size_t d = c->d;
    gmdl_status s;
    switch (c->cfg->method) {
        case GMDL_MCMC_MH:
            for (size_t j = 0; j < d; j++)
                c->u1[j] = c->u[j] + eps * c->sdm[j] * gmdl_rng_normal(&c->rng);
            s = eval(c, c->u1, &c->lp1, NULL);
            *loga = c->lp1 - c->lp;
            return s;
        case GMDL_MCMC_MALA: {
            /* u1 = u + eps^2/2 M g + eps M^(1/2) z; q terms for the asymmetric proposal. */
            double h = 0.5 * eps * eps, fwd = 0, bwd = 0;
            for (size_t j = 0; j < d; j++) {
                double z = gmdl_rng_normal(&c->rng);
                c->u1[j] = c->u[j] + h * c->minv[j] * c->g[j] + eps * c->sdm[j] * z;
                fwd += z * z;
            }
            s = eval(c, c->u1, &c->lp1, c->g1);
            if (s != GMDL_OK || !isfinite(c->lp1)) {
                *loga = -HUGE_VAL;
                return s;
            }
            for (size_t j = 0; j < d; j++) {
                double r = (c->u[j] - c->u1[j] - h * c->minv[j] * c->g1[j]) / (eps * c->sdm[j]);
                bwd += r * r;
            }
            *loga = c->lp1 - c->lp - 0.5 * bwd + 0.5 * fwd;
            return GMDL_OK;
        }
        case GMDL_MCMC_HMC: {
            double k0 = 0, k1 = 0;
            for (size_t j = 0; j < d; j++) {
                c->p[j] = gmdl_rng_normal(&c->rng) / c->sdm[j];
                k0 += c->minv[j] * c->p[j] * c->p[j];
                c->u1[j] = c->u[j];
                c->g1[j] = c->g[j];
            }
            c->lp1 = c->lp;
            for (size_t l = 0; l < steps; l++) {
                for (size_t j = 0; j < d; j++) {
                    c->p[j] += 0.5 * eps * c->g1[j];
                    c->u1[j] += eps * c->minv[j] * c->p[j];
                }
                s = eval(c, c->u1, &c->lp1, c->g1);
                if (s != GMDL_OK || !isfinite(c->lp1)) {
                    *loga = -HUGE_VAL; /* divergent trajectory */
                    return s;
                }
                for (size_t j = 0; j < d; j++)
                    c->p[j] += 0.5 * eps * c->g1[j];
            }
            for (size_t j = 0; j < d; j++)
                k1 += c->minv[j] * c->p[j] * c->p[j];
            *loga = (c->lp1 - 0.5 * k1) - (c->lp - 0.5 * k0);
            return GMDL_OK;
        }
        default:
            GMDL_ASSERT(0);
    }
    return GMDL_EINVAL;
}

static double accept_prob(double loga) {
    return isnan(loga) ? 0.0 : loga >= 0 ? 1.0 : exp(loga);
}

/* Hoffman & Gelman (2014) Alg. 4: double or halve eps until the one-step acceptance probability
 * crosses 1/2. Draws from the chain's stream but does not move the chain. */
static gmdl_status initial_step(chain *c, double eps0, double *eps_out) {
    double eps = eps0, loga;
    gmdl_status s = propose(c, eps, c->cfg->leapfrog, &loga);
    if (s != GMDL_OK)
        return s;
    int dir = accept_prob(loga) > 0.5 ? 1 : -1;
    for (int it = 0; it < 60; it++) {
        double next = dir > 0 ? eps * 2.0 : eps * 0.5;
        s = propose(c, next, c->cfg->leapfrog, &loga);
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

static void da_reset(chain *c) {
    c->da_mu = log(10.0 * c->eps);
    c->da_hbar = 0;
    c->da_lbar = 0;
    c->da_t = 0;
}

static void da_update(chain *c, double alpha, double delta) {
    const double gamma = 0.05, t0 = 10.0, kappa = 0.75;
    c->da_t++;
    double t = (double)c->da_t, w = 1.0 / (t + t0);
    c->da_hbar = (1.0 - w) * c->da_hbar + w * (delta - alpha);
    double leps = c->da_mu - sqrt(t) / gamma * c->da_hbar;
    double eta = pow(t, -kappa);
    c->da_lbar = eta * leps + (1.0 - eta) * c->da_lbar;
    c->eps = exp(leps);
}

static gmdl_status set_step(chain *c) {
    if (c->cfg->method == GMDL_MCMC_MH) {
        c->eps = c->cfg->step > 0 ? c->cfg->step : 2.38 / sqrt((double)c->d);
        return GMDL_OK;
    }
    return initial_step(c, c->cfg->step > 0 ? c->cfg->step : 1.0, &c->eps);
}

static gmdl_status run_chain(const gmdl_target *t, const gmdl_mcmc_config *cfg, size_t k,
                             gmdl_draws *out, gmdl_err *err) {
    chain c;
    memset(&c, 0, sizeof c);
    c.t = t;
    c.cfg = cfg;
    c.d = t->dim;
    c.err = err;
    size_t d = c.d, od = out->dim;
    double *buf = gmdl__malloc((11 * d + od) * sizeof(double));
    if (!buf)
        return gmdl__fail(err, GMDL_ENOMEM, "chain %zu: out of memory", k + 1);
    c.u = buf;
    c.g = buf + d;
    c.u1 = buf + 2 * d;
    c.g1 = buf + 3 * d;
    c.p = buf + 4 * d;
    c.xs = buf + 5 * d;
    c.minv = buf + 6 * d;
    c.sdm = buf + 7 * d;
    c.wmean = buf + 8 * d;
    c.wm2 = buf + 9 * d;
    double *rep = buf + 11 * d;
    for (size_t j = 0; j < d; j++) {
        c.minv[j] = 1.0;
        c.sdm[j] = 1.0;
        c.wmean[j] = c.wm2[j] = 0;
    }
    gmdl_rng_derive(&c.rng, cfg->seed, GMDL_RNG_MCMC_CHAIN, k);
    gmdl_status s = gmdl__chain_init(t, cfg, &c.rng, k, c.u, c.xs, &c.lp,
                                     use_grad(&c) ? c.g : NULL, err);
    if (s == GMDL_OK)
        s = set_step(&c);
    if (s != GMDL_OK)
        goto done;
    da_reset(&c);
    const double delta = cfg->target_accept > 0 ? cfg->target_accept
                         : cfg->method == GMDL_MCMC_MH   ? 0.234
                         : cfg->method == GMDL_MCMC_MALA ? 0.574
                                                         : 0.8;
    const size_t W = cfg->n_warmup, total = W + cfg->n_draws * cfg->thin;
    const int metric = cfg->adapt_metric && W >= 150;
    const size_t win_lo = (size_t)(0.15 * (double)W), win_hi = (size_t)(0.75 * (double)W);
    size_t accepted = 0, kept = 0;
    double *xk = out->x + k * out->n * od;
    for (size_t it = 0; it < total; it++) {
        if (cfg->interrupt && (it & 1023) == 0 && cfg->interrupt(cfg->interrupt_user)) {
            s = gmdl__fail(err, GMDL_EINTR, "chain %zu: interrupted at iteration %zu", k + 1, it);
            goto done;
        }
        int warm = it < W;
        /* HMC: the trajectory length is drawn uniformly from [L/2, 3L/2] leapfrog steps and the
         * step jittered by +-10% after warm-up, so that no fixed length can resonate with a
         * period of the target (a fixed length can return to its start and mix very slowly). */
        double eps = c.eps;
        size_t steps = cfg->leapfrog;
        if (cfg->method == GMDL_MCMC_HMC) {
            size_t lo = (steps + 1) / 2, span = steps + steps / 2 - lo + 1;
            steps = lo + gmdl_rng_bounded(&c.rng, (uint32_t)span);
            if (!warm)
                eps *= 0.9 + 0.2 * gmdl_rng_uniform(&c.rng);
        }
        double loga;
        s = propose(&c, eps, steps, &loga);
        if (s != GMDL_OK)
            goto done;
        double alpha = accept_prob(loga);
        if (log(gmdl_rng_uniform(&c.rng)) < loga) {
            double *tmp = c.u;
            c.u = c.u1;
            c.u1 = tmp;
            tmp = c.g;
            c.g = c.g1;
            c.g1 = tmp;
            c.lp = c.lp1;
            if (!warm)
                accepted++;
        }
        if (warm) {
            if (cfg->adapt_step)
                da_update(&c, alpha, delta);
            if (metric && it >= win_lo && it < win_hi) {
                c.wn++;
                for (size_t j = 0; j < d; j++) {
                    double e = c.u[j] - c.wmean[j];
                    c.wmean[j] += e / (double)c.wn;
                    c.wm2[j] += e * (c.u[j] - c.wmean[j]);
                }
            }
            if (metric && it + 1 == win_hi && c.wn >= 10) {
                double n = (double)c.wn;
                for (size_t j = 0; j < d; j++) {
                    double var = c.wm2[j] / (n - 1.0);
                    c.minv[j] = n / (n + 5.0) * var + 1e-3 * 5.0 / (n + 5.0);
                    c.sdm[j] = sqrt(c.minv[j]);
                }
                s = set_step(&c);
                if (s != GMDL_OK)
                    goto done;
                da_reset(&c);
            }
            if (it + 1 == W && cfg->adapt_step && c.da_t > 0)
                c.eps = exp(c.da_lbar);
            continue;
        }
        size_t post = it - W;
        if ((post + 1) % cfg->thin == 0) {
            gmdl__target_report(t, c.u, c.xs, rep);
            memcpy(xk + kept * od, rep, od * sizeof(double));
            kept++;
        }
    }
    GMDL_ASSERT(kept == out->n);
    out->accept_rate[k] = (double)accepted / (double)(total - W);
    out->step[k] = c.eps;
done:
    gmdl__free(buf);
    return s;
}

gmdl_status gmdl_mcmc_run(const gmdl_target *t, const gmdl_mcmc_config *cfg, gmdl_draws *out,
                          gmdl_err *err) {
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
    size_t nc = cfg->chains;
    gmdl_status *st = gmdl__calloc(nc, sizeof *st);
    gmdl_err *errs = gmdl__calloc(nc, sizeof *errs);
    if (!st || !errs) {
        gmdl__free(st);
        gmdl__free(errs);
        gmdl_draws_free(out);
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
    for (size_t k = 0; k < nc; k++) {
        if (cfg->method == GMDL_MCMC_SGLD)
            st[k] = gmdl__sgld_chain(t, cfg, k, out, &errs[k]);
        else
            st[k] = run_chain(t, cfg, k, out, &errs[k]);
    }
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
        gmdl_draws_free(out);
    return s;
}
