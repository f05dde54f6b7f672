/* gmdl uncertainty quantification: calibration of predictive probabilities, out-of-distribution
 * detection scores (AUROC, AUPR), the image transforms that make out-of-distribution test sets,
 * the evidence of Bayesian linear regression and the bias-variance decomposition, measured. The
 * per-input predictive uncertainty of a net (entropy, expected entropy, mutual
 * information) comes from gmdl_model_predict (gmdl/model.h).
 * Threads: every function is reentrant and touches only its arguments. */
#ifndef GMDL_UQ_H
#define GMDL_UQ_H

#include "gmdl/core.h"
#include "gmdl/infer.h"
#include "gmdl/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Calibration of n predictive distributions probs [n, classes] (rows summing to 1) against labels
 * [n] in [0, classes): accuracy, NLL, Brier score, ECE over GMDL_ECE_BINS equal-width bins and
 * the reliability bins, exactly as gmdl_model_evaluate computes them (gmdl_eval_result gives the
 * formulas); mean_entropy is the mean entropy of the rows, mean_expected_entropy the same and
 * mean_mutual_information 0 (one distribution per input). EINVAL for n = 0, classes < 2, a label
 * out of range or a row that is not a distribution (an entry outside [0, 1] or NaN, or a sum off
 * 1 by more than 1e-6 per class). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_calibration(gmdl_eval_result *out,
                                                     const double *probs,
                                                     const int32_t *labels,
                                                     size_t n,
                                                     int classes,
                                                     gmdl_err *err);

/* Out-of-distribution detection by a score that is higher for inputs unlike the training data
 * (predictive entropy, mutual information): the out-of-distribution inputs are the positives.
 * AUROC = P(score_out > score_in) + P(score_out = score_in) / 2 over all pairs (the Mann-Whitney
 * statistic with mid-ranks for ties). AUPR = average precision: the distinct score values t, in
 * decreasing order, each a threshold (score >= t flagged), sum over t of (recall(t) -
 * recall(previous t)) x precision(t); inputs with equal scores are flagged together. EINVAL for an
 * empty set or a NaN score. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_ood_auroc(double *auroc,
                                                   const double *in_scores,
                                                   size_t n_in,
                                                   const double *out_scores,
                                                   size_t n_out,
                                                   gmdl_err *err);
GMDL_API GMDL_NODISCARD gmdl_status gmdl_ood_aupr(double *aupr,
                                                  const double *in_scores,
                                                  size_t n_in,
                                                  const double *out_scores,
                                                  size_t n_out,
                                                  gmdl_err *err);

/* Image transforms for out-of-distribution test sets. */
typedef enum {
    GMDL_IMAGE_ROTATE90 = 0, /* rotated 90 degrees counter-clockwise (square images) */
    GMDL_IMAGE_INVERT = 1,   /* 255 - pixel */
    GMDL_IMAGE_NOISE = 2     /* uniform noise in 0..255 (the input only gives the shape) */
} gmdl_image_op;
/* "rotate90", "invert", "noise"; 0 if unknown. */
GMDL_API int gmdl_image_op_parse(const char *name, gmdl_image_op *out);
/* out [n, c, h, w] bytes = op(in [n, c, h, w]); in and out must not overlap. Noise of image i
 * comes from the stream (seed, DATA_SYNTH, i), so it does not depend on the thread count.
 * EINVAL for rotate90 with h != w. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_image_transform(unsigned char *out,
                                                         const unsigned char *in,
                                                         size_t n,
                                                         int c,
                                                         int h,
                                                         int w,
                                                         gmdl_image_op op,
                                                         uint64_t seed,
                                                         gmdl_err *err);

/* ------------------------------------------------------------------ model evidence */
typedef enum {
    GMDL_BASIS_POLY = 0, /* 1, x, ..., x^c (c + 1 weights) */
    GMDL_BASIS_RBF = 1   /* 1 and c Gaussian bumps, centres evenly over the range of x, width the
                            spacing (c + 1 weights) */
} gmdl_basis;

typedef struct gmdl_evidence_point {
    int complexity;      /* the degree, or the number of bumps */
    int params;          /* weights M */
    double log_evidence; /* ln p(t | alpha, beta) */
    double train_loglik; /* ln p(t | w_LS, beta), the least-squares weights */
} gmdl_evidence_point;

/* Bayesian linear regression of t [n] on the basis of x [n] with prior w ~ N(0, alpha^-1 I) and
 * noise precision beta: the closed-form log evidence (Bishop 2006, eq. 3.86)
 * ln p(t) = M/2 ln alpha + N/2 ln beta - E(m) - 1/2 ln|A| - N/2 ln 2 pi, A = alpha I + beta
 * Phi^T Phi, m = beta A^-1 Phi^T t, E(m) = beta/2 |t - Phi m|^2 + alpha/2 |m|^2, and the training
 * log-likelihood of the least-squares fit. EINVAL for bad sizes, ENUMERIC for a singular fit. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_blr_evidence(gmdl_evidence_point *out,
                                                      const double *x,
                                                      const double *t,
                                                      size_t n,
                                                      gmdl_basis basis,
                                                      int complexity,
                                                      double alpha,
                                                      double beta,
                                                      gmdl_err *err);

/* ------------------------------------------------------------------ bias-variance */
typedef struct gmdl_biasvar_config {
    int max_degree;  /* polynomial degrees 0..max_degree (default 9) */
    size_t n_train;  /* training points per set (25) */
    size_t repeats;  /* training sets R (200) */
    size_t n_test;   /* test inputs, an even grid over [0, 1] (200) */
    double noise_sd; /* sd of the noise on sin(2 pi x) (0.3) */
    double ridge;    /* added to the diagonal of the normal equations (1e-6) */
    uint64_t seed;   /* (1) */
} gmdl_biasvar_config;
GMDL_API gmdl_biasvar_config gmdl_biasvar_config_default(void);

typedef struct gmdl_biasvar_point {
    int degree;
    double bias2;          /* mean over the test inputs of (mean fit - f)^2 */
    double variance;       /* mean over the test inputs of the variance of the fits (divisor R) */
    double noise;          /* sd^2 */
    double expected_error; /* bias2 + variance + noise */
    double measured_error; /* mean squared error against fresh noisy test targets */
    double measured_se;    /* its Monte-Carlo standard error (over the R runs) */
    double param_sd;       /* root mean square over the coefficients of their sd over the runs */
} gmdl_biasvar_point;

/* Fits polynomials of each degree (in u = 2x - 1, least squares) to R training sets drawn from
 * t = sin(2 pi x) + N(0, sd^2) at the fixed inputs x_i = (i + 1/2) / n_train (the noise
 * resampled), and measures the decomposition of the expected
 * squared test error, and the error itself against fresh test targets, into out [max_degree + 1].
 * Bias^2 + variance equals the mean squared distance of the fits to f exactly, so expected_error
 * and measured_error differ only by Monte-Carlo error in the test noise. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_biasvar(gmdl_biasvar_point *out,
                                                 const gmdl_biasvar_config *cfg,
                                                 gmdl_err *err);

/* ------------------------------------------------------------------ 1-D Bayesian regression */
typedef struct gmdl_regress_config {
    gmdl_mcmc_method method; /* GMDL_MCMC_SGLD (default, full-batch, constant step) or HMC */
    int hidden;              /* tanh units of the one hidden layer (20) */
    double noise_sd;         /* known noise sd of the Gaussian likelihood (0.1) */
    double prior_sd;         /* sd of the N(0, prior_sd^2) prior of every weight (2) */
    size_t chains;           /* (4) */
    size_t draws;            /* kept per chain (200; SGLD: every 50th step) */
    size_t warmup;           /* discarded iterations (20000) */
    uint64_t seed;           /* (1) */
    double step;             /* SGLD step size (1e-4) */
    double lo, hi;           /* the prediction grid (-3, 3) */
    size_t grid;             /* its points (121) */
} gmdl_regress_config;
GMDL_API gmdl_regress_config gmdl_regress_config_default(void);
/* A Bayesian MLP f(x) = c + sum_h v_h tanh(w_h x + b_h) fitted to (x, t) [n] by sampling its
 * posterior; the predictive mean and sd (sd^2 = variance of f over the draws + noise sd^2) at the
 * grid points lo + (hi - lo) i / (grid - 1) into mean, sd [grid]. Statuses: EINVAL, and those of
 * gmdl_mcmc_run. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_regress(double *mean,
                                                 double *sd,
                                                 const double *x,
                                                 const double *t,
                                                 size_t n,
                                                 const gmdl_regress_config *cfg,
                                                 gmdl_err *err);

#ifdef __cplusplus
}
#endif
#endif
