/* Helpers shared by the Bayesian layers: thread splitting, per-sample noise streams, squares and
 * reproducible block sums. Internal. */
#ifndef GMDL_BAYES_INTERNAL_H
#define GMDL_BAYES_INTERNAL_H

#include "nn/layer.h"

/* Molchanov et al.'s (2017) fit of the KL from the log-uniform prior to N(theta, alpha theta^2):
 *   KL(log alpha) ~= -(K1 sigmoid(K2 + K3 log alpha) - 0.5 softplus(-log alpha) - K1).
 * Used per weight by sparse VD (svd.c), for its constant by variational dropout (vd.c) and per
 * group scale by the group normal-Jeffreys prior (gnj.c). */
#define GMDL__SVD_K1 0.63576f
#define GMDL__SVD_K2 1.87320f
#define GMDL__SVD_K3 1.48695f

/* Runs `call` (which uses lo, hi) over a static split of [0, n) among the OpenMP threads. */
#ifdef _OPENMP
#define PAR_RANGE(n, call)                                                                         \
    do {                                                                                           \
        size_t n_ = (n);                                                                           \
        _Pragma("omp parallel if (n_ > 16384)") {                                                  \
            size_t lo, hi;                                                                         \
            gmdl__thread_range(n_, 16, &lo, &hi);                                                  \
            call;                                                                                  \
        }                                                                                          \
    } while (0)
#else
#define PAR_RANGE(n, call)                                                                         \
    do {                                                                                           \
        size_t lo = 0, hi = (n);                                                                   \
        call;                                                                                      \
    } while (0)
#endif

/* Standard normals for sample n of this step and layer: a stream of its own (seed, step, layer,
 * sample), so the noise does not depend on the thread count. */
static inline void draw_eps_sample(const gmdl__fwd *a, int layer, int n, float *out, size_t count) {
    gmdl_rng r;
    gmdl_rng_derive(&r, a->seed, GMDL_RNG_REPARAM_EPS,
                    ((a->step * 64u + (uint64_t)layer) << 20) + (uint64_t)n);
    gmdl_rng_normal_fill(&r, out, count);
}

GMDL_KERNEL
__attribute__((unused)) static void
square_range(const float *restrict x, float *restrict x2, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        x2[i] = x[i] * x[i];
}

/* Sum of v[lo, hi) with 16 fixed partial sums in float, added up in double: vectorised, and the
 * same for any thread count. */
GMDL_KERNEL
__attribute__((unused)) static double block_sum(const float *restrict v, size_t lo, size_t hi) {
    float acc[16] = {0};
    size_t i = lo;
    for (; i + 16 <= hi; i += 16)
        for (int j = 0; j < 16; j++)
            acc[j] += v[i + j];
    double s = 0.0;
    for (int j = 0; j < 16; j++)
        s += (double)acc[j];
    for (; i < hi; i++)
        s += (double)v[i];
    return s;
}

#endif
