/* Internal interfaces of the infer module, shared by the method files. */
#ifndef GMDL_INFER_INTERNAL_H
#define GMDL_INFER_INTERNAL_H

#include "gmdl/infer.h"
#include "gmdl/rng.h"

/* Reported dimension: n_out with generate, else dim. */
size_t gmdl__target_out_dim(const gmdl_target *t);
/* out[out_dim] = reported quantities at the unconstrained u. x_scratch: [dim]. */
void gmdl__target_report(double *out, const gmdl_target *t, const double *u, double *x_scratch);
/* Minibatch gradient on the unconstrained scale (Jacobian included). */
gmdl_status gmdl__target_grad_batch_u(double *grad_u,
                                      const gmdl_target *t,
                                      const double *u,
                                      double *x_scratch,
                                      const uint32_t *idx,
                                      size_t n,
                                      gmdl_err *err);
/* Allocates the draws container (names, x, accept_rate, step, and weight when weighted). */
gmdl_status gmdl__draws_alloc(
    gmdl_draws *d, const gmdl_target *t, size_t chains, size_t n, int weighted, gmdl_err *err);
/* Log density at u for a proposal (the Metropolis samplers): as gmdl_target_logp_u, but a
 * non-finite log density, or a non-finite gradient when grad_u is not NULL, becomes *lp = -inf so
 * that the proposal is rejected. */
gmdl_status gmdl__target_eval_u(double *lp,
                                double *grad_u,
                                const gmdl_target *t,
                                const double *u,
                                double *x_scratch,
                                gmdl_err *err);

/* ------------------------------------------------------------------ chain driver (chain.c) */
/* One chain's state as the driver (chain.c) and the step functions (mh.c, mala.c, hmc.c,
 * sgld.c) see it. Everything is on the unconstrained scale. The step functions only read and
 * write this struct and call the target; they never call back into the driver. */
typedef struct gmdl__chain {
    const gmdl_target *t;
    const gmdl_mcmc_config *cfg;
    size_t d, k;          /* dimension, chain index */
    gmdl_rng rng;         /* the chain's stream (seed, MCMC_CHAIN, k) */
    double *u, *g, lp;    /* current state, gradient (samplers with grad), log density */
    double *u1, *g1, lp1; /* proposal (Metropolis samplers) */
    double *p;            /* [d] momentum (HMC) */
    double *xs;           /* [d] constrained scratch for the target */
    double *minv, *sdm;   /* [d] diagonal metric (inverse mass) and its square root */
    double *minv_dense;   /* [d][d] dense inverse metric (NUTS with dense_metric), else NULL */
    double eps;           /* current step size */
    void *state;          /* the sampler's own state (set by its start hook) */
    gmdl_err *err;
} gmdl__chain;

/* A sampler is a table of step functions; the driver owns the loop. A Metropolis sampler sets
 * propose (the driver accepts or rejects and adapts the step and metric during warm-up); a
 * sampler without an accept step sets move (the driver only runs it, during the burn-in too). */
typedef struct gmdl__sampler {
    const char *label;    /* message prefix: "chain", "sgld chain" */
    int grad;             /* evaluates the gradient (also checked finite at the start point) */
    double accept_target; /* default dual-averaging target (Metropolis samplers) */
    /* Optional: the start step when the config gives none, used as it is; when NULL the driver
     * searches for it (Hoffman & Gelman 2014, Alg. 4) from the config's step or 1. */
    double (*start_step)(size_t dim);
    /* Optional: sets up c->state once the start point is found; stop releases it (also after a
     * failed start). */
    gmdl_status (*start)(gmdl__chain *c);
    void (*stop)(gmdl__chain *c);
    /* Proposes from (u, g, lp) into (u1, g1, lp1) with step eps and `steps` leapfrog steps;
     * *loga = log acceptance ratio (-inf outside the support). */
    gmdl_status (*propose)(gmdl__chain *c, double eps, size_t steps, double *loga);
    /* Optional, Metropolis samplers: randomises eps and steps of one main-loop iteration (not of
     * the initial step search); warm is 1 during warm-up. */
    void (*jitter)(gmdl__chain *c, int warm, double *eps, size_t *steps);
    /* Samplers without an accept step: moves u in place at iteration it (0-based, counting the
     * burn-in); *weight = the weight of the new state as a draw. */
    gmdl_status (*move)(gmdl__chain *c, size_t it, double *weight);
    /* Optional: the step size reported after `total` iterations (default c->eps). */
    double (*final_step)(const gmdl__chain *c, size_t total);
    /* Samplers that move by whole transitions (NUTS): one transition from (u, g, lp) in place
     * with step c->eps, its statistics into st[GMDL_STAT_COUNT]; the driver adapts with the
     * windowed warm-up (adapt.c). */
    gmdl_status (*transition)(gmdl__chain *c, double *st);
    /* With transition: sets c->eps by Stan's heuristic (double or halve from c->eps until one
     * leapfrog step's acceptance crosses 0.8), without moving the chain. */
    gmdl_status (*init_step)(gmdl__chain *c);
    /* With transition: the metric (minv, sdm or minv_dense) was changed by the adaptation. */
    gmdl_status (*metric_changed)(gmdl__chain *c);
} gmdl__sampler;

extern const gmdl__sampler gmdl__sampler_mh, gmdl__sampler_mala, gmdl__sampler_hmc,
    gmdl__sampler_sgld, gmdl__sampler_nuts;

/* ------------------------------------------------------------------ windowed warm-up (adapt.c) */
/* Stan's warm-up for NUTS: dual averaging of the step size toward delta (Hoffman & Gelman 2014,
 * gamma 0.05, t0 10, kappa 0.75, mu = log(10 eps)) throughout, and the metric estimated in slow
 * windows (an initial fast buffer of 75 iterations, windows of 25, 50, 100, ... the last
 * stretched to the terminal fast buffer of 50; 15%/75%/10% of W when W < 150; no metric
 * adaptation when W < 20). At each window's end the metric becomes the window's regularised
 * variance (n/(n+5) var + 1e-3 min(var, 1) 5/(n+5)), or covariance with `dense`, and the caller
 * re-initialises the step and calls gmdl__adapt_restart. */
typedef struct gmdl__adapt {
    size_t d, W, counter;
    size_t init_buf, term_buf, win_size, next_win;
    int metric, dense;
    double delta, mu, sbar, xbar;
    size_t t;
    size_t n;          /* draws in the current window */
    double *mean, *m2; /* [d] and [d] or [d][d] */
} gmdl__adapt;

/* Statuses: ENOMEM. */
gmdl_status
gmdl__adapt_init(gmdl__adapt *a, size_t d, size_t W, double delta, int metric, int dense);
void gmdl__adapt_free(gmdl__adapt *a);
/* Restarts the dual averaging from step eps (mu = log(10 eps)). */
void gmdl__adapt_restart(gmdl__adapt *a, double eps);
/* One warm-up iteration's dual-averaging update with acceptance statistic alpha; returns the next
 * step size. */
double gmdl__adapt_step(gmdl__adapt *a, double alpha);
/* The step size at the end of warm-up: exp of the averaged log step. */
double gmdl__adapt_final_step(const gmdl__adapt *a);
/* Adds the state u[d] to the metric window of this iteration; returns 1 when a window ended and
 * the chain's metric (c->minv and c->sdm, or c->minv_dense) was replaced. Call once per warm-up
 * iteration, after gmdl__adapt_step. */
int gmdl__adapt_metric(gmdl__adapt *a, gmdl__chain *c);

/* SGLD at the constant step eps without preconditioner and without storing draws (sgld.c): from
 * u0[dim], T >= 1 steps with minibatches of `batch` >= 1 items on the streams of chain r,
 * (seed, MCMC_CHAIN, r) and (seed, SGLD_NOISE, r); mean[dim] = the average of the T states after
 * each step. Messages start with `who`. Statuses: ENOMEM, ENUMERIC (a state is no longer
 * finite: the message names run r + 1 and the iteration), the model's. */
gmdl_status gmdl__sgld_mean(double *mean,
                            const gmdl_target *t,
                            double eps,
                            size_t batch,
                            size_t T,
                            uint64_t seed,
                            size_t r,
                            const double *u0,
                            const char *who,
                            gmdl_err *err);

/* Minibatch indices by sweeps (sgld.c): every pass over the N items visits each once, in a fresh
 * random order (Fisher-Yates on the caller's stream); a minibatch that crosses the end of a pass
 * continues in the next. This is how the SGLD paper goes through its data ("sweeps"): over a pass
 * the minibatch gradients add up to the full-data gradient, so their noise does not accumulate
 * as it does with items drawn independently (with replacement). */
typedef struct gmdl__sweep {
    uint32_t *perm, n, pos;
} gmdl__sweep;
/* Allocates the permutation; 0 when out of memory. The first pass is shuffled on first use. */
int gmdl__sweep_init(gmdl__sweep *s, uint32_t n);
void gmdl__sweep_free(gmdl__sweep *s);
/* Fills idx[k] with the next k items. */
void gmdl__sweep_next(gmdl__sweep *s, gmdl_rng *rng, uint32_t *idx, size_t k);

/* Ziggurat normal generator tables (ziggurat.c). */
typedef struct gmdl__zig {
    uint32_t kn[128];
    double wn[128], fn[128];
} gmdl__zig;
void gmdl__zig_init(gmdl__zig *z);
double gmdl__zig_normal(const gmdl__zig *z, gmdl_rng *r);

#endif
