/* Internal helpers of the diag module. */
#ifndef GMDL_DIAG_INTERNAL_H
#define GMDL_DIAG_INTERNAL_H

#include <stddef.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
/* R independent estimates est [R, dim] of truth [dim]: their mean into mean [dim], the squared
 * bias of the mean summed over dim, sum_j (mean_j - truth_j)^2, and the variance over the runs
 * (divisor R) summed over dim. The mean over runs of sum_j (est_rj - truth_j)^2 equals bias2 +
 * variance exactly; bias2 - variance / (R - 1) is the unbiased estimate of the squared bias. */
void gmdl__bias_variance(const double *est,
                         size_t R,
                         size_t dim,
                         const double *truth,
                         double *mean,
                         double *bias2,
                         double *variance);

#endif

/* Twiddle table for length m (a power of two >= 2): tw[0..m/2) cosines, tw[m/2..m) sines. */
void gmdl__fft_twiddles(size_t m, double *tw);
/* In-place complex FFT of length m (a power of two); unnormalised, so inverse(forward(x)) = m x.
 * tw: table from gmdl__fft_twiddles(m). */
void gmdl__fft(double *re, double *im, size_t m, int inverse, const double *tw);

/* R independent estimates est [R, dim] of truth [dim]: their mean into mean [dim], the squared
 * bias of the mean summed over dim, sum_j (mean_j - truth_j)^2, and the variance over the runs
 * (divisor R) summed over dim. The mean over runs of sum_j (est_rj - truth_j)^2 equals bias2 +
 * variance exactly; bias2 - variance / (R - 1) is the unbiased estimate of the squared bias. */
void gmdl__bias_variance(const double *est,
                         size_t R,
                         size_t dim,
                         const double *truth,
                         double *mean,
                         double *bias2,
                         double *variance);

#endif
