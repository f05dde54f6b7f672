/* gmdl EM for mixture models: Gaussian mixtures (full, diagonal or tied covariances) and
 * Bernoulli mixtures (binary images). EM is coordinate ascent on the free energy (ALGORITHMS.md
 * 3.2): the E-step computes the responsibilities (log-sum-exp in double), the M-step the weighted
 * maximum-likelihood parameters, and the log-likelihood recorded at each iteration never
 * decreases. Starts: k-means++ (Gaussian) or random means (Bernoulli) drawn from the PCG32 stream
 * gmdl_rng_derive(seed, GMDL_RNG_EM_INIT, restart); of several restarts the fit with the highest
 * final objective is kept, so a result depends only on the data, the configuration and the seed.
 *
 * Variance floor (Gaussian): no variance may fall below var_floor times the data's variance in
 * that dimension (default 1e-6). Diagonal covariances are clamped to the floor, which is still an
 * exact M-step under that constraint; a full or tied covariance whose Cholesky pivot would fall
 * below the floor gets the floor added to its diagonal. A fit that needed the floor says so in
 * gmdl_gmm.floored (the log-likelihood is then only monotone while the floor is inactive).
 *
 * Threads: a fit uses OpenMP threads inside (the Bernoulli E-step splits the images statically,
 * so results do not depend on the thread count); different fits may run concurrently. Results
 * are plain structs owned by the caller and released by the *_fini functions. */
#ifndef GMDL_EM_H
#define GMDL_EM_H

#include "gmdl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    GMDL_COV_FULL = 0, /* one full covariance per component */
    GMDL_COV_DIAG,     /* one diagonal covariance per component */
    GMDL_COV_TIED      /* one full covariance shared by all components */
} gmdl_cov_type;

typedef struct gmdl_gmm_config {
    size_t k;                   /* components (required, >= 1) */
    gmdl_cov_type cov;          /* default GMDL_COV_FULL */
    int restarts;               /* k-means++ starts, best kept (default 5) */
    int max_iter;               /* EM iterations per start (default 1000) */
    double tol;                 /* stop when the log-likelihood gains less than tol * (1 + |L|)
                                   (default 1e-12) */
    double var_floor;           /* relative variance floor (default 1e-6) */
    uint64_t seed;              /* default 1 */
    const double *init_means;   /* optional k*d starting means (then one start, no k-means++) */
    const double *init_weights; /* optional k starting weights (with init_means) */
    double init_var;            /* optional starting variance for every dimension (with
                                   init_means; 0: the data's variance) */
} gmdl_gmm_config;
GMDL_API gmdl_gmm_config gmdl_gmm_config_default(void);

typedef struct gmdl_gmm {
    size_t k, d;
    gmdl_cov_type cov;
    double *weights; /* [k] */
    double *means;   /* [k * d] */
    double *covs;    /* [k * d * d]: every component's full matrix (diagonal ones with zeros off
                        the diagonal; tied ones repeated) */
    double loglik;   /* total log-likelihood at the fit (natural log) */
    double bic;      /* -2 loglik + params * log n */
    size_t params;   /* free parameters */
    size_t n;        /* points */
    size_t niter;    /* iterations of the kept start */
    double *trace;   /* [niter] the log-likelihood at each iteration of the kept start */
    int best_restart;
    int floored; /* 1 when the variance floor was used by the kept start */
} gmdl_gmm;

/* Fits a k-component Gaussian mixture to n points of dimension d (x row-major, n*d). Statuses:
 * EINVAL (k or sizes, n < k, non-finite data), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_gmm_fit(
    gmdl_gmm *out, const double *x, size_t n, size_t d, const gmdl_gmm_config *cfg, gmdl_err *err);
GMDL_API void gmdl_gmm_fini(gmdl_gmm *g);
/* log p(x_i) under the fitted mixture for n points into out[n]; comp (may be NULL) receives
 * n*k log(pi_j N(x_i | mu_j, Sigma_j)). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_gmm_log_density(
    double *out, double *comp, const gmdl_gmm *g, const double *x, size_t n, gmdl_err *err);

typedef struct gmdl_bmm_config {
    size_t k;      /* components (required) */
    int restarts;  /* random starts, best kept (default 1) */
    int max_iter;  /* default 100 */
    double tol;    /* stop when the objective gains less than tol * (1 + |L|) (default 1e-8) */
    double alpha;  /* Beta(1 + alpha, 1 + alpha) prior on each pixel mean (default 1e-3), which
                      keeps means off 0 and 1; EM maximises log-likelihood + log prior */
    uint64_t seed; /* default 1 */
} gmdl_bmm_config;
GMDL_API gmdl_bmm_config gmdl_bmm_config_default(void);

typedef struct gmdl_bmm {
    size_t k, d, n;
    double *weights; /* [k] */
    double *means;   /* [k * d] pixel probabilities */
    double loglik;   /* log-likelihood at the fit */
    size_t niter;
    double *trace;    /* [niter] objective (log-likelihood + log prior) per iteration; never
                         decreases */
    double *ll_trace; /* [niter] the log-likelihood alone per iteration */
} gmdl_bmm;

/* Fits a Bernoulli mixture to n binary vectors of length d (x[n*d], each 0 or 1). Statuses:
 * EINVAL, ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bmm_fit(
    gmdl_bmm *out, const uint8_t *x, size_t n, size_t d, const gmdl_bmm_config *cfg, gmdl_err *err);
GMDL_API void gmdl_bmm_fini(gmdl_bmm *b);

#ifdef __cplusplus
}
#endif
#endif
