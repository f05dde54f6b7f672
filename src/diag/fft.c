/* In-place iterative radix-2 complex FFT (Cooley-Tukey, decimation in time), used only for
 * autocovariances in the diagnostics. Not a general FFT: power-of-two lengths, double precision,
 * caller-provided twiddle table (each twiddle from sin/cos of its exact angle, no recurrence). */
#include "common.h"
#include "diag/diag_internal.h"

void gmdl__fft_twiddles(size_t m, double *tw) {
    size_t h = m / 2;
    for (size_t k = 0; k < h; k++) {
        double ang = -2.0 * M_PI * (double)k / (double)m;
        tw[k] = cos(ang);
        tw[h + k] = sin(ang);
    }
}

void gmdl__fft(double *re, double *im, size_t m, int inverse, const double *tw) {
    GMDL_ASSERT(m > 0 && (m & (m - 1)) == 0);
    for (size_t i = 1, j = 0; i < m; i++) {
        size_t bit = m >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i];
            re[i] = re[j];
            re[j] = t;
            t = im[i];
            im[i] = im[j];
            im[j] = t;
        }
    }
    /* Stage `len` uses every (m/len)-th twiddle; blocks are the outer loop so memory is walked
     * sequentially. The inverse transform conjugates the twiddles. */
    const size_t h = m / 2;
    const double sgn = inverse ? -1.0 : 1.0;
    for (size_t len = 2; len <= m; len <<= 1) {
        size_t half = len >> 1, step = m / len;
        for (size_t i = 0; i < m; i += len) {
            for (size_t k = 0; k < half; k++) {
                double cr = tw[k * step], ci = sgn * tw[h + k * step];
                size_t a = i + k, b = a + half;
                double xr = re[b] * cr - im[b] * ci, xi = re[b] * ci + im[b] * cr;
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
            }
        }
    }
}
