/* Internal interfaces of the infer module, shared by the method files. */
#ifndef GMDL_INFER_INTERNAL_H
#define GMDL_INFER_INTERNAL_H

#include "gmdl/infer.h"
#include "gmdl/rng.h"

/* Reported dimension: n_out with generate, else dim. */
size_t gmdl__target_out_dim(const gmdl_target *t);
/* out[out_dim] = reported quantities at the unconstrained u. x_scratch: [dim]. */
void gmdl__target_report(const gmdl_target *t, const double *u, double *x_scratch, double *out);
/* Minibatch gradient on the unconstrained scale (Jacobian included). */
gmdl_status gmdl__target_grad_batch_u(const gmdl_target *t, const double *u, double *x_scratch,
                                      const uint32_t *idx, size_t n, double *grad_u,
                                      gmdl_err *err);
/* Allocates the draws container (names, x, accept_rate, step, and weight when weighted). */
gmdl_status gmdl__draws_alloc(gmdl_draws *d, const gmdl_target *t, size_t chains, size_t n,
                              int weighted, gmdl_err *err);
/* Finds a start point u[dim] with a finite log density: cfg->init, 0, or uniform in
 * (-init_radius, init_radius) with up to 100 tries. EINVAL when none is finite. */
gmdl_status gmdl__chain_init(const gmdl_target *t, const gmdl_mcmc_config *cfg, gmdl_rng *rng,
                             size_t chain, double *u, double *x_scratch, double *lp, double *grad,
                             gmdl_err *err);
/* One SGLD chain k: burn-in then n_draws * thin steps, kept draws written to out (chain k). */
gmdl_status gmdl__sgld_chain(const gmdl_target *t, const gmdl_mcmc_config *cfg, size_t k,
                             gmdl_draws *out, gmdl_err *err);

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
