/* Internal helpers of the diag module. */
#ifndef GMDL_DIAG_INTERNAL_H
#define GMDL_DIAG_INTERNAL_H

#include <stddef.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Twiddle table for length m (a power of two >= 2): tw[0..m/2) cosines, tw[m/2..m) sines. */
void gmdl__fft_twiddles(size_t m, double *tw);
/* In-place complex FFT of length m (a power of two); unnormalised, so inverse(forward(x)) = m x.
 * tw: table from gmdl__fft_twiddles(m). */
void gmdl__fft(double *re, double *im, size_t m, int inverse, const double *tw);

#endif
