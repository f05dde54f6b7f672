/* gmdl services: the experiments built on the inference algorithms of gmdl/infer.h, not
 * algorithms themselves: the built-in models of the papers gmdl reproduces (the SGLD paper's
 * mixture, Bayesian logistic and linear regression, eight schools), the exact grid posterior of a
 * 2-parameter target and the total variation distance of draws to it, and the risk sweep of
 * approximate MCMC. See docs/INFERENCE.md. The services use the public inference API (and one
 * internal SGLD run); inference never uses them.
 * Threads: every function may be called from several threads at once on different objects; a
 * built-in model's target callbacks only read the model, so chains may call them concurrently. */
#ifndef GMDL_SERVICES_H
#define GMDL_SERVICES_H

#include "gmdl/core.h"
#include "gmdl/infer.h"
#include "gmdl/io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ built-in models */
/* A built-in model owns its data and exposes a gmdl_target (valid until destroy). */
typedef struct gmdl_builtin gmdl_builtin;

GMDL_API const gmdl_target *gmdl_builtin_target(const gmdl_builtin *m);
GMDL_API void gmdl_builtin_destroy(gmdl_builtin *m);

/* The SGLD paper's mixture (Welling & Teh 2011, section 5.1): theta1 ~ N(0, 10),
 * theta2 ~ N(0, 1), x_i ~ 1/2 N(theta1, 2) + 1/2 N(theta1 + theta2, 2) (variances), 100 points
 * drawn with theta = (0, 1). The data are the first draw j = 0, 1, ... from (seed, DATA_SYNTH, j)
 * whose posterior has the paper's shape (steepest ascent from (0, 1) and from (1, -1) ends within
 * 0.5 of the start: modes near both, as the paper's figure shows); about one draw in four
 * qualifies (docs/INFERENCE.md). Names theta[1], theta[2]; minibatch gradient.
 * Statuses: ENOMEM; ENUMERIC if no draw among the first 1000 qualifies. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_builtin_sgld_mixture(gmdl_builtin **out,
                                                              uint64_t seed,
                                                              gmdl_err *err);
/* The data points of the mixture model (NULL for other models); *n receives the count. */
GMDL_API const double *gmdl_builtin_mixture_data(size_t *n, const gmdl_builtin *m);

typedef enum { GMDL_PRIOR_LAPLACE = 0, GMDL_PRIOR_GAUSSIAN } gmdl_prior;

/* Binary labels, liblinear's convention: a binary model maps exactly two distinct label values
 * of its training data, `positive` to +1 and `negative` to -1. The positive class is the first
 * label value seen in the training data unless the caller names it. */
typedef struct gmdl_binary_labels {
    double positive; /* label value read as +1 */
    double negative; /* label value read as -1; NaN when the training data hold one value only */
} gmdl_binary_labels;

/* Finds the mapping of labels[n]: positive = *positive when not NULL (it must be one of the
 * values), else labels[0]. Statuses: EINVAL (n = 0, a non-finite label, more than two distinct
 * values: the message names them, "3 distinct label values (1, 2, 3); a binary model takes
 * two" (the first 8 seen and then "..."), or *positive is not among them). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_binary_labels_find(
    gmdl_binary_labels *out, const double *labels, size_t n, const double *positive, gmdl_err *err);
/* Checks that every labels[i] is map->positive or map->negative. Statuses: EINVAL naming the
 * first other value and its row (1-based), "row 7: label 3 is not one of the training labels
 * (2 positive, 4 negative)". */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_binary_labels_check(const gmdl_binary_labels *map,
                                                             const double *labels,
                                                             size_t n,
                                                             gmdl_err *err);

/* Bayesian logistic regression, p(y|x) = sigmoid(y (beta . x + alpha)), y in {-1, +1} by the
 * label mapping `labels` (borrows; NULL: gmdl_binary_labels_find with the first label seen as
 * positive), prior Laplace(0, scale) (the SGLD paper, scale 1) or N(0, scale^2) on every
 * coefficient including the intercept. Copies the data. Parameters beta[1..D], alpha (D = data
 * ncols); minibatch gradient. Statuses: EINVAL (no rows, scale <= 0, labels that do not fit the
 * mapping: see gmdl_binary_labels_find and _check), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_builtin_logistic(gmdl_builtin **out,
                                                          const gmdl_libsvm *train,
                                                          const gmdl_binary_labels *labels,
                                                          gmdl_prior prior,
                                                          double scale,
                                                          gmdl_err *err);
/* The label mapping of a logistic model (NULL for other models). */
GMDL_API const gmdl_binary_labels *gmdl_builtin_logistic_labels(const gmdl_builtin *m);
/* Posterior-averaged predictive accuracy on test data: p_i = sum_s w_s sigmoid(alpha_s +
 * beta_s . x_i) / sum_s w_s over all draws (weights from d->weight, else equal); features beyond
 * the model's dimension are ignored; a test label is positive when it equals the model's positive
 * label value. *log_loss (may be NULL) is the mean negative log predictive probability.
 * Statuses: EINVAL (draws not from this model, a test label outside the model's two values:
 * see gmdl_binary_labels_check), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_builtin_logistic_accuracy(double *accuracy,
                                                                   double *log_loss,
                                                                   const gmdl_builtin *m,
                                                                   const gmdl_draws *d,
                                                                   const gmdl_libsvm *test,
                                                                   gmdl_err *err);

/* Bayesian linear regression y = alpha + X beta + N(0, sigma^2), priors alpha, beta_j ~ N(0, 10^2),
 * sigma ~ HalfNormal(10) (sampled as log sigma). X: [n, p] row-major, copied. Parameters alpha,
 * beta[1..p], sigma; minibatch gradient. Statuses: EINVAL (n < 1, p < 1, non-finite data), ENOMEM.
 */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_builtin_linear(
    gmdl_builtin **out, const double *X, const double *y, size_t n, size_t p, gmdl_err *err);

/* Eight schools, non-centred (Rubin 1981; BDA3 5.5): theta_trans_j ~ N(0, 1), mu ~ N(0, 5),
 * tau ~ HalfCauchy(0, 5) (sampled as log tau), y_j ~ N(mu + tau theta_trans_j, sigma_j). Reports
 * mu, tau, theta[1..J] with theta_j = mu + tau theta_trans_j. Statuses: EINVAL (J < 1, sigma <= 0,
 * non-finite data), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_builtin_eight_schools(
    gmdl_builtin **out, const double *y, const double *sigma, size_t J, gmdl_err *err);

/* ------------------------------------------------------------------ 2-D checks */
/* The target's density on a bins x bins grid of cell centres over box = {x0, x1, y0, y1} (its two
 * parameters, constrained scale), normalised to sum 1, into p[bins * bins] (row i: x cell i).
 * Needs dim 2. Statuses: EINVAL, model's. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_grid_density(double *p, const gmdl_target *t, const double box[4], size_t bins, gmdl_err *err);
/* Total variation distance between the histogram of the draws (quantities 0 and 1, all chains;
 * with `weighted`, weighted by d->weight) on that grid and the exact cell masses (the density
 * integrated over each cell on a grid 8 times finer per axis): draws outside the box count as
 * histogram mass outside it, TV = 1/2 sum |p - h| + 1/2 (mass outside).
 * Statuses: EINVAL (not a 2-parameter target or draws), ENOMEM, model's. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_grid_tv(double *tv,
                                                 const gmdl_target *t,
                                                 const gmdl_draws *d,
                                                 const double box[4],
                                                 size_t bins,
                                                 int weighted,
                                                 gmdl_err *err);

/* ------------------------------------------------------------------ approximate MCMC: risk */
/* The bias-variance view of approximate MCMC (Teh, Thiery & Vollmer 2016) on a
 * 2-parameter target with a minibatch gradient: under one fixed compute budget (data-item gradient
 * evaluations per run), SGLD with each constant step size runs budget / batch steps and random-walk
 * MH (the exact baseline, each step costing n_data items) runs budget / n_data steps. Every run
 * starts from an exact posterior draw (grid sampling), so the chains are stationary in law for
 * exact MCMC and any systematic error is the sampler's own bias. Over `repeats` independent runs,
 * the estimate of the posterior mean (the run average) gives risk = E|est - mean|^2, variance =
 * E|est - E est|^2 and bias^2 = |E est - mean|^2 (summed over both parameters; bias2 is the
 * unbiased estimate, corrected for the noise of the average over runs, so risk = bias2 + variance
 * + variance / (repeats - 1)), the exact mean coming from a fine grid over box. */
typedef struct gmdl_risk_point {
    double step;  /* SGLD constant step; for MH the adapted-free proposal sd */
    size_t iters; /* steps per run under the budget */
    double bias2, variance, risk;
} gmdl_risk_point;

typedef struct gmdl_risk_config {
    const double *steps; /* [nsteps] SGLD step sizes */
    size_t nsteps;
    size_t budget;  /* data-item gradient evaluations per run; default 100000 */
    size_t repeats; /* independent runs per setting; default 100 */
    size_t batch;   /* SGLD minibatch; default 1 */
    double mh_step; /* MH proposal sd; default 0.5 */
    double box[4];  /* grid box {x0, x1, y0, y1} for the exact mean and the start draws */
    size_t grid;    /* grid cells per axis; default 400 */
    uint64_t seed;  /* default 1 */
    int threads;    /* 0 = runtime default */
} gmdl_risk_config;

/* Defaults as above, box {-4, 5, -6, 6} (wide enough for the SGLD mixture), steps NULL. */
GMDL_API gmdl_risk_config gmdl_risk_config_default(void);
/* Fills sgld[cfg->nsteps] and *mh; exact_mean[2] receives the grid posterior mean.
 * Statuses: EINVAL (not a 2-parameter target with a minibatch gradient, bad config, budget too
 * small for one MH step), ENUMERIC (an SGLD run diverged: the step is too large), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_risk_sweep(gmdl_risk_point *sgld,
                                                    gmdl_risk_point *mh,
                                                    double exact_mean[2],
                                                    const gmdl_target *t,
                                                    const gmdl_risk_config *cfg,
                                                    gmdl_err *err);

#ifdef __cplusplus
}
#endif
#endif
