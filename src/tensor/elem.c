/* Floating-point environment control: flush-to-zero / denormals-are-zero. Denormal floats slow
 * float code by 10-100x on x86; training loops turn them off (as PyTorch's set_flush_denormal). */
#include "common.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define FTZ_DAZ_BITS 0x8040u /* FTZ (bit 15) | DAZ (bit 6) */
static int set_ftz_thread(int on) {
    unsigned int csr = _mm_getcsr();
    int prev = (csr & FTZ_DAZ_BITS) == FTZ_DAZ_BITS;
    _mm_setcsr(on ? (csr | FTZ_DAZ_BITS) : (csr & ~FTZ_DAZ_BITS));
    return prev;
}
#else
static int set_ftz_thread(int on) {
    (void)on;
    return 0;
}
#endif

int gmdl_set_flush_denormals(int on) {
    int prev = set_ftz_thread(on);
#ifdef _OPENMP
#pragma omp parallel
    set_ftz_thread(on);
#endif
    return prev;
}
