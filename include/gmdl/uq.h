/* gmdl uncertainty quantification: calibration of predictive probabilities, out-of-distribution
 * detection scores (AUROC, AUPR), and the image transforms that make out-of-distribution test
 * sets. The per-input predictive uncertainty of a net (entropy, expected entropy, mutual
 * information) comes from gmdl_model_predict (gmdl/model.h).
 * Threads: every function is reentrant and touches only its arguments. */
#ifndef GMDL_UQ_H
#define GMDL_UQ_H

#include "gmdl/core.h"
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

#ifdef __cplusplus
}
#endif
#endif
