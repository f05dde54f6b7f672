/* gmdl inference: a target interface (log density and gradient over a flat parameter vector) and
 * the Monte Carlo methods that use it: random-walk Metropolis-Hastings (Metropolis et al. 1953;
 * Hastings 1970), MALA (Roberts & Tweedie 1996), static HMC (Duane et al. 1987; Neal 2011), the
 * no-U-turn sampler (Hoffman & Gelman 2014; multinomial with the generalized criterion of
 * Betancourt 2017, with Stan's windowed warm-up), SGLD (Welling & Teh 2011) and pSGLD (Li et al.
 * 2016), rejection and self-normalised importance sampling, and mean-field variational inference;
 * the user-model plugin ABI. See docs/INFERENCE.md. The experiments built on these (built-in
 * models, grid checks, the risk sweep) are in gmdl/services.h.
 *
 * A model is seen only through gmdl_target (Stan's model/algorithm split): the samplers know
 * nothing about data sets or layers. Parameters may be constrained (positive, bounded); the
 * samplers then work on the unconstrained scale and the log-Jacobian of the transform is added
 * for the user. Every method is seeded and reproducible: chain k draws from
 * gmdl_rng_derive(seed, GMDL_RNG_MCMC_CHAIN, k) (SGLD noise from GMDL_RNG_SGLD_NOISE, k), so the
 * result does not depend on the number of threads.
 * Threads: every function may be called from several threads at once on different outputs; the
 * runs themselves call the target's callbacks from several threads (one chain each), so those
 * must be reentrant. A gmdl_target, config or result is only read by the functions that take it
 * as const. */
#ifndef GMDL_INFER_H
#define GMDL_INFER_H

#include "gmdl/core.h"
#include "gmdl/diag.h"
#include "gmdl/io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ target */
/* Constraint of one parameter; the sampler works on u in R and the model sees x:
 *   NONE:     x = u
 *   LOWER:    x = lo + exp(u)                   (positive: lo = 0)
 *   UPPER:    x = hi - exp(u)
 *   INTERVAL: x = lo + (hi - lo) / (1 + exp(-u))  */
typedef enum { GMDL_TF_NONE = 0, GMDL_TF_LOWER, GMDL_TF_UPPER, GMDL_TF_INTERVAL } gmdl_tf_kind;

typedef struct gmdl_transform {
    gmdl_tf_kind kind;
    double lo, hi;
} gmdl_transform;

/* Log density up to a constant at the constrained point x[dim]; when grad is not NULL also its
 * gradient d lp / dx into grad[dim]. Return OK with *lp = -inf (or NaN) outside the support; any
 * other status aborts the run and is passed on with the message in err. Called concurrently from
 * several chains: it must be reentrant (read-only user data). */
typedef gmdl_status (*gmdl_logp_fn)(
    void *user, const double *x, double *lp, double *grad, gmdl_err *err);
/* Stochastic gradient for SGLD: grad[dim] = d/dx [ log prior(x) + (N/n) sum_{i in idx} log p(y_i|x)
 * ] for the n data indices idx[0..n-1] (each < n_data). */
typedef gmdl_status (*gmdl_grad_batch_fn)(
    void *user, const double *x, const uint32_t *idx, size_t n, double *grad, gmdl_err *err);
/* Reported quantities ("generated quantities") out[n_out] from the constrained x[dim]. */
typedef void (*gmdl_generate_fn)(void *user, const double *x, double *out);

typedef struct gmdl_target {
    size_t dim;
    gmdl_logp_fn logp;                /* required */
    const char *const *names;         /* [dim] Stan-style names, or NULL for theta[1].. */
    const gmdl_transform *transforms; /* [dim], or NULL: all unconstrained */
    size_t n_data;                    /* data items, for grad_batch */
    gmdl_grad_batch_fn grad_batch;    /* optional (SGLD minibatches) */
    size_t n_out;                     /* optional reported quantities: when generate is set, */
    const char *const *out_names;     /* draws hold generate()'s n_out values named out_names */
    gmdl_generate_fn generate;        /* instead of x */
    void *user;                       /* borrowed; passed to every callback */
    /* Appended in gmdl 0.2 (zero where a model leaves it unset). Nonzero: the model has no
     * gradient: logp is always called with grad NULL and gmdl_target_logp_u differentiates it by
     * central finite differences on the unconstrained scale (2 dim + 1 log-density evaluations
     * per gradient, relative step cbrt(DBL_EPSILON)); `gmdl sample` says so. */
    int no_grad;
} gmdl_target;

/* Checks dim >= 1, logp set, transforms well formed (lo < hi for INTERVAL, finite bounds), n_data
 * set when grad_batch is, out_names set when generate is. Statuses: OK, EINVAL. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_target_check(const gmdl_target *t, gmdl_err *err);

/* Maps the unconstrained u[dim] to the constrained x[dim]. */
GMDL_API void gmdl_target_constrain(double *x, const gmdl_target *t, const double *u);
/* The inverse: u[dim] from the constrained x[dim]. Statuses: EINVAL (x[j] not finite or outside
 * its transform's open support, naming the parameter and the bound). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_target_unconstrain(double *u,
                                                            const gmdl_target *t,
                                                            const double *x,
                                                            gmdl_err *err);
/* Log density on the unconstrained scale, log p(x(u)) + log |dx/du|, and its gradient in u
 * (grad_u may be NULL; with no_grad, central finite differences of the model's logp).
 * x_scratch: [dim]. Statuses: those of the model's logp. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_target_logp_u(double *lp,
                                                       double *grad_u,
                                                       const gmdl_target *t,
                                                       const double *u,
                                                       double *x_scratch,
                                                       gmdl_err *err);

/* ------------------------------------------------------------------ draws */
/* Per-draw sampler statistics, in Stan's order and meaning (its CSV columns lp__, accept_stat__,
 * stepsize__, treedepth__, n_leapfrog__, divergent__, energy__): the log density on the
 * unconstrained scale (Jacobian included), the acceptance statistic (NUTS: mean Metropolis
 * probability over the trajectory; MH, MALA, HMC: the proposal's acceptance probability), the
 * step size used, the tree depth (0 for the other samplers), the leapfrog steps (MH 0, MALA 1),
 * 1 for a divergent trajectory (NUTS: energy error above 1000), and the Hamiltonian (NaN where
 * there is none). */
enum {
    GMDL_STAT_LP = 0,
    GMDL_STAT_ACCEPT,
    GMDL_STAT_STEPSIZE,
    GMDL_STAT_TREEDEPTH,
    GMDL_STAT_LEAPFROG,
    GMDL_STAT_DIVERGENT,
    GMDL_STAT_ENERGY,
    GMDL_STAT_COUNT
};

/* Draws of several chains of the reported quantities (target dim, or n_out with generate). */
typedef struct gmdl_draws {
    size_t chains, n, dim;
    char **names;        /* [dim], owned */
    double *x;           /* [chains][n][dim], owned */
    double *weight;      /* [chains][n] non-negative weights (SGLD step sizes, importance weights),
                            or NULL when all draws weigh the same */
    double *accept_rate; /* [chains] after warm-up (NaN where it does not apply) */
    double *step;        /* [chains] final step size (NaN where it does not apply) */
    double *stats; /* [chains][n][GMDL_STAT_COUNT] sampler statistics of each kept draw (MH, MALA,
                      HMC, NUTS), or NULL (SGLD, rejection, importance, VI) */
} gmdl_draws;

GMDL_API void gmdl_draws_fini(gmdl_draws *d);

/* Diagnostics of quantity j over all chains (gmdl_diag_summarize); with weights, mean and sd are
 * the weighted ones (ESS, tau and R-hat remain those of the unweighted chains).
 * scratch: none needed. Statuses: EINVAL (j out of range or fewer than 8 draws), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_draws_summary(gmdl_diag_summary *out,
                                                       const gmdl_draws *d,
                                                       size_t j);

/* E-BFMI of chain c (Betancourt 2016): sum_i (E_i - E_{i-1})^2 / sum_i (E_i - mean E)^2 over the
 * kept draws' energies. Values below 0.3 mean the momentum resampling explores the energy
 * distribution poorly. NaN without energies. Statuses: EINVAL (c out of range, n < 2). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_draws_ebfmi(double *ebfmi, const gmdl_draws *d, size_t c);

/* ------------------------------------------------------------------ MCMC and SGLD */
typedef enum {
    GMDL_MCMC_MH = 0, /* random-walk Metropolis-Hastings, Gaussian proposal */
    GMDL_MCMC_MALA,   /* Metropolis-adjusted Langevin */
    GMDL_MCMC_HMC,    /* static Hamiltonian Monte Carlo (leapfrog, jittered step) */
    GMDL_MCMC_SGLD,   /* stochastic gradient Langevin dynamics (no accept step) */
    GMDL_MCMC_NUTS    /* the no-U-turn sampler (multinomial, generalized U-turn criterion) */
} gmdl_mcmc_method;

typedef struct gmdl_mcmc_config {
    gmdl_mcmc_method method;
    size_t chains;   /* independent chains; default 4 */
    size_t n_draws;  /* draws kept per chain; default 1000 */
    size_t n_warmup; /* MH/MALA/HMC warm-up iterations (adaptation, discarded); SGLD burn-in
                        steps (excluded from draws and averages); default 1000 */
    size_t thin;     /* keep every thin-th iteration; default 1 */
    uint64_t seed;   /* default 1 */
    int threads;     /* OpenMP threads over chains; 0 = runtime default */
    double step;     /* initial step size (MH: proposal sd; MALA/HMC: epsilon); 0 = automatic */
    double
        target_accept; /* warm-up step adaptation target; 0 = 0.234 (MH), 0.574 (MALA), 0.8 (HMC) */
    int adapt_step;    /* dual averaging of the step during warm-up (Hoffman & Gelman 2014); 1 */
    int adapt_metric;  /* MH, MALA, HMC: diagonal metric from the middle warm-up window; NUTS:
                          Stan's windows (75 iterations, slow windows from 25 doubling, 50 at
                          the end; 15%/75%/10% when the warm-up is shorter than 150); 1 */
    size_t leapfrog;   /* HMC leapfrog steps per iteration; default 16 */
    size_t max_depth;  /* NUTS: maximum tree depth (2^depth leapfrog steps); default 10 */
    int dense_metric;  /* NUTS: adapt a dense metric (the warm-up covariance) instead of a
                          diagonal one; default 0 */
    double
        init_radius; /* start uniform in (-r, r) on the unconstrained scale; 0 = at 0; default 2 */
    const double *init; /* optional start point (unconstrained) [dim], used by every chain */
    const double
        *chain_inits; /* optional start points [chains][dim] (unconstrained); overrides init */
    /* SGLD: step eps_t = a (b + t)^-gamma, t = 0, 1, ... over all steps (gamma = 0: constant a). */
    double sgld_a, sgld_b, sgld_gamma; /* defaults 0.01, 1, 0.55 */
    size_t batch;                /* minibatch size, by sweeps through the data in a fresh order each
                                    pass (the paper's recipe); 0 = full gradient; default 1 */
    int precondition;            /* 0 none, 1 RMSprop-style diagonal (Li et al. 2016, pSGLD) */
    double rms_beta, rms_lambda; /* 0.99, 1e-5 */
    /* Interrupt: polled every 1024 iterations; returning non-zero stops with EINTR. */
    int (*interrupt)(void *user);
    void *interrupt_user;
} gmdl_mcmc_config;

/* Defaults as documented above, for METHOD. */
GMDL_API gmdl_mcmc_config gmdl_mcmc_config_default(gmdl_mcmc_method method);
/* Validates a configuration against a target. Statuses: OK, EINVAL (message in err). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mcmc_config_check(const gmdl_mcmc_config *cfg,
                                                           const gmdl_target *t,
                                                           gmdl_err *err);

/* Runs cfg->chains chains (in parallel over OpenMP threads) and fills out (caller frees with
 * gmdl_draws_fini). For SGLD, out->weight holds the step size of each kept draw, so weighted
 * averages are the step-size-weighted averages of Welling & Teh (2011).
 * Statuses: EINVAL (bad config, or the log density is not finite at any tried start point:
 * input error), ENUMERIC (a non-finite state after a step, naming chain and iteration), EINTR,
 * ENOMEM, and any status returned by the model. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mcmc_run(gmdl_draws *out,
                                                  const gmdl_target *t,
                                                  const gmdl_mcmc_config *cfg,
                                                  gmdl_err *err);

/* ------------------------------------------------------------------ rejection, importance */
/* Proposal for rejection and importance sampling: independent Student-t (df > 0) or Gaussian
 * (df = 0) coordinates on the unconstrained scale, location mean[dim], scale sd[dim] (borrowed). */
typedef struct gmdl_proposal {
    const double *mean, *sd;
    double df;
} gmdl_proposal;

/* Log density of the proposal at u[dim]. */
GMDL_API double gmdl_proposal_logpdf(const gmdl_proposal *q, size_t dim, const double *u);

/* Rejection sampling with envelope M q(u) >= p~(u) on the unconstrained scale (log_M given by the
 * user): draws n exact samples into out (one chain), trying at most max_proposals. A proposal
 * with p~(u) > M q(u) means the envelope is wrong: EINVAL naming the point's log ratio.
 * *accept_rate = accepted / proposed. Statuses: EINVAL, ENOCONV (max_proposals reached), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_rejection_run(gmdl_draws *out,
                                                       double *accept_rate,
                                                       const gmdl_target *t,
                                                       const gmdl_proposal *q,
                                                       double log_M,
                                                       size_t n,
                                                       size_t max_proposals,
                                                       uint64_t seed,
                                                       gmdl_err *err);

typedef struct gmdl_importance_result {
    double log_evidence; /* log (1/S sum w), unbiased estimate of Z in the log domain */
    double ess;          /* (sum w)^2 / sum w^2 */
} gmdl_importance_result;

/* Self-normalised importance sampling with n proposals (one chain; out->weight holds the
 * normalised weights, summing to 1). Statuses: EINVAL (all weights zero), ENOMEM, model's. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_importance_run(gmdl_draws *out,
                                                        gmdl_importance_result *res,
                                                        const gmdl_target *t,
                                                        const gmdl_proposal *q,
                                                        size_t n,
                                                        uint64_t seed,
                                                        gmdl_err *err);

/* Weighted mean of quantity j and its standard error: for equal weights sd/sqrt(n); for
 * importance weights sqrt(sum w_i^2 (f_i - mean)^2) (weights normalised). Statuses: EINVAL. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_draws_weighted_mean(double *mean,
                                                             double *se,
                                                             const gmdl_draws *d,
                                                             size_t j);

/* ------------------------------------------------------------------ variational inference */
/* Mean-field Gaussian q(u) = N(mean, diag sd^2) on the unconstrained scale, fitted by maximising
 * the ELBO E_q[log p(u)] + H[q] with Adam (Kingma & Ba 2015). Gradient estimators: REPARAM: u =
 * mean + sd eps, gradient of log p through u (pathwise; Kingma & Welling 2014), entropy exact;
 *   SCORE:          log p(u) grad log q(u) (score function / REINFORCE, Williams 1992), entropy
 *                   exact;
 *   SCORE_BASELINE: the same with a running mean of log p subtracted (a baseline, as in black-box
 *                   VI, Ranganath, Gerrish & Blei 2014). */
typedef enum { GMDL_VI_REPARAM = 0, GMDL_VI_SCORE, GMDL_VI_SCORE_BASELINE } gmdl_vi_estimator;

typedef struct gmdl_vi_config {
    gmdl_vi_estimator estimator; /* default REPARAM */
    size_t iters;                /* Adam steps; default 3000 */
    size_t mc;                   /* Monte Carlo samples per gradient; default 1 */
    double lr;                   /* Adam step, decayed as lr / sqrt(1 + t / 100); default 0.05 */
    double init_log_sd;          /* starting log sd of every coordinate; default -1 */
    const double *init;          /* optional starting mean (unconstrained) [dim]; default 0 */
    size_t var_samples;          /* single-sample gradients drawn at the optimum to measure each
                                    estimator's variance; default 1000 (0: skip) */
    uint64_t seed;               /* default 1; draws come from (seed, REPARAM_EPS, 0) */
} gmdl_vi_config;

typedef struct gmdl_vi_result {
    size_t dim;
    double *mean, *sd; /* [dim], owned: q on the unconstrained scale (average of the last 20%
                          of the iterates) */
    double elbo;       /* ELBO at the result, estimated with 1000 draws (up to p's constant) */
    /* Total variance (sum over the 2 dim coordinates of (mean, log sd)) of one single-sample
     * gradient estimate at the result, for each estimator; NaN when var_samples is 0. */
    double var_reparam, var_score, var_score_baseline;
} gmdl_vi_result;

GMDL_API gmdl_vi_config gmdl_vi_config_default(void);
/* Statuses: EINVAL (bad config or target; log density not finite at the start mean), ENUMERIC
 * (the variational parameters became non-finite, naming the iteration), ENOMEM, model's. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_vi_fit(gmdl_vi_result *out,
                                                const gmdl_target *t,
                                                const gmdl_vi_config *cfg,
                                                gmdl_err *err);
GMDL_API void gmdl_vi_result_fini(gmdl_vi_result *r);
/* n independent draws from q, reported like MCMC draws (constrained / generated quantities), as
 * `chains` chains of n each from (seed, SAMPLING, chain). Statuses: EINVAL, ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_vi_draws(gmdl_draws *out,
                                                  const gmdl_target *t,
                                                  const gmdl_vi_result *r,
                                                  size_t chains,
                                                  size_t n,
                                                  uint64_t seed,
                                                  gmdl_err *err);

/* ------------------------------------------------------------------ user models (plugins) */
/* A user model for `gmdl sample --model-lib FILE.so` is a shared library that exports one symbol,
 * the function gmdl_user_model_v2 declared below, returning a pointer to a gmdl_user_model that
 * stays valid while the library is loaded:
 *
 *     #include <gmdl/gmdl.h>
 *     static gmdl_status create(gmdl_target *target, void **state, const char *arg,
 *                               gmdl_err *err) { ... }
 *     static void destroy(void *state) { ... }
 *     static const gmdl_user_model model = {GMDL_USER_MODEL_ABI, sizeof(gmdl_user_model),
 *                                           "my_model", create, destroy};
 *     GMDL_MODEL_EXPORT const gmdl_user_model *gmdl_user_model_v2(void) { return &model; }
 *
 * `gmdl model new NAME` prints a complete one with its compile command. Every other name stays
 * private to the plugin (static), so no plugin name can collide with a library function. A plugin
 * may include <gmdl/gmdl.h>; it needs no libgmdl symbols unless it calls library functions. gmdl
 * refuses a struct whose abi is not GMDL_USER_MODEL_ABI, whose size is smaller than the ABI-2
 * fields below, or without create and destroy; fields a later ABI-2 revision appends are read only
 * when size covers them. Examples: examples/models/. Threads: the target's callbacks are called
 * from several chains at once and must be reentrant; create and destroy are called once, from one
 * thread. */
#define GMDL_USER_MODEL_ABI    2
#define GMDL_USER_MODEL_SYMBOL "gmdl_user_model_v2"

typedef struct gmdl_user_model {
    uint32_t abi;     /* GMDL_USER_MODEL_ABI */
    uint32_t size;    /* sizeof(gmdl_user_model) as the plugin was compiled */
    const char *name; /* the model's name, for messages; may be NULL */
    /* Builds the model. arg: the text of --model-arg, NULL when absent (borrowed). *target
     * (zeroed by the caller) must stay valid until destroy; target->user is usually *state.
     * Statuses: OK, or any status with the message in err (EINVAL for an arg it cannot use);
     * after a failure create has released what it made (destroy is not called). */
    gmdl_status (*create)(gmdl_target *target, void **state, const char *arg, gmdl_err *err);
    /* Releases what create made; state is create's *state (may be NULL). */
    void (*destroy)(void *state);
    /* Optional (appended in gmdl 0.2; read when size covers it): builds the model from Stan-format
     * data, `gmdl sample --data FILE.json` opened by gmdl (gmdl_data_json_open; borrowed, valid
     * only during the call: copy what the model keeps), or NULL without --data. When set, gmdl
     * calls it instead of create; a model without it refuses --data. */
    gmdl_status (*create_data)(
        gmdl_target *target, void **state, const char *arg, const gmdl_data *data, gmdl_err *err);
} gmdl_user_model;

typedef const gmdl_user_model *(*gmdl_user_model_fn)(void);

/* GMDL_MODEL_EXPORT: put it before the definition of gmdl_user_model_v2 in a plugin,
 *     GMDL_MODEL_EXPORT const gmdl_user_model *gmdl_user_model_v2(void) { return &model; }
 * It exports the symbol from a plugin built with -fvisibility=hidden and gives it C linkage in a
 * plugin compiled as C++ (where the definition would otherwise be a C++ function of that name). */
#if defined(_WIN32) || defined(__CYGWIN__)
#define GMDL__MODEL_VISIBLE __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define GMDL__MODEL_VISIBLE __attribute__((visibility("default")))
#else
#define GMDL__MODEL_VISIBLE
#endif
#ifdef __cplusplus
#define GMDL_MODEL_EXPORT extern "C" GMDL__MODEL_VISIBLE
#else
#define GMDL_MODEL_EXPORT GMDL__MODEL_VISIBLE
#endif

/* The one symbol a user model defines (the library does not). Declared here, exported, so that
 * its definition is checked against this prototype. */
GMDL__MODEL_VISIBLE const gmdl_user_model *gmdl_user_model_v2(void);

/* Deprecated: ABI 1, the three functions of gmdl 0.1's plugins,
 *     int gmdl_model_abi(void);  (returns GMDL_MODEL_ABI, 1)
 *     gmdl_status gmdl_model_create(const char *arg, gmdl_target *out, void **state,
 *                                   gmdl_err *err);
 *     void gmdl_model_destroy(void *state);
 * whose names collide with the model API (gmdl/model.h), so such a plugin cannot include
 * <gmdl/gmdl.h>. Compiled ABI-1 plugins still load, with a one-line note on stderr, until
 * libgmdl's SOVERSION 1, when these declarations and that loader go. */
#define GMDL_MODEL_ABI 1
typedef int (*gmdl_model_abi_fn)(void);
typedef gmdl_status (*gmdl_model_create_fn)(const char *arg,
                                            gmdl_target *out,
                                            void **state,
                                            gmdl_err *err);
typedef void (*gmdl_model_destroy_fn)(void *state);

#ifdef __cplusplus
}
#endif
#endif
