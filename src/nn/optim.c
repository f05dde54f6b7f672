/* Optimizers over the flat parameter store, fused with zeroing of the gradients:
 *   Adam (Kingma & Ba 2015, with bias correction, as torch.optim.Adam):
 *     m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) +
 * eps) SGD with momentum (as torch.optim.SGD): buf = mu buf + g;  p -= lr buf. Weight decay adds wd
 * * p to the gradient first. Each thread updates a fixed slice, so results do not depend on the
 * thread count. */
#include "nn/optim.h"

typedef struct {
    float b1, b2, step_size, inv_sqrt_bc2, eps, wd;
} adam_k;

GMDL_KERNEL
static void adam_range(float *restrict p,
                       float *restrict g,
                       float *restrict m,
                       float *restrict v,
                       size_t lo,
                       size_t hi,
                       adam_k k) {
    for (size_t i = lo; i < hi; i++) {
        float gi = g[i] + k.wd * p[i];
        float mi = k.b1 * m[i] + (1.0f - k.b1) * gi;
        float vi = k.b2 * v[i] + (1.0f - k.b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= k.step_size * mi / (sqrtf(vi) * k.inv_sqrt_bc2 + k.eps);
        g[i] = 0.0f;
    }
}

void gmdl__adam_step(float *restrict p,
                     float *restrict g,
                     float *restrict m,
                     float *restrict v,
                     size_t n,
                     double lr,
                     double b1,
                     double b2,
                     double eps,
                     double wd,
                     uint64_t t) {
    adam_k k = {(float)b1,
                (float)b2,
                (float)(lr / (1.0 - pow(b1, (double)t))),
                (float)(1.0 / sqrt(1.0 - pow(b2, (double)t))),
                (float)eps,
                (float)wd};
#ifdef _OPENMP
#pragma omp parallel if (n > 16384)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range(n, 16, &lo, &hi);
        adam_range(p, g, m, v, lo, hi, k);
    }
}

GMDL_KERNEL
static void sgd_range(float *restrict p,
                      float *restrict g,
                      float *restrict buf,
                      size_t lo,
                      size_t hi,
                      float lr,
                      float mu,
                      float wd) {
    for (size_t i = lo; i < hi; i++) {
        float gi = g[i] + wd * p[i];
        float b = mu * buf[i] + gi;
        buf[i] = b;
        p[i] -= lr * b;
        g[i] = 0.0f;
    }
}

void gmdl__sgd_step(float *restrict p,
                    float *restrict g,
                    float *restrict buf,
                    size_t n,
                    double lr,
                    double momentum,
                    double wd) {
#ifdef _OPENMP
#pragma omp parallel if (n > 16384)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range(n, 16, &lo, &hi);
        sgd_range(p, g, buf, lo, hi, (float)lr, (float)momentum, (float)wd);
    }
}
