/* Sparse variational dropout (Molchanov, Ashukha & Vetrov, ICML 2017), dense and conv2d: the
 * per-weight Gaussian posterior of lrt.c with a log-uniform prior and a training mask.
 *
 * Per weight log alpha = clip(log_sigma2 - log(theta^2 + 1e-8), -8, 8); weights with log alpha
 * >= 3 leave the mean path during training (and are pruned by compression).
 * KL (log-uniform prior), summed over weights, Molchanov et al.'s approximation:
 *   KL = -(k1 sigmoid(k2 + k3 log alpha) - 0.5 softplus(-log alpha) - k1),
 *   k1 = 0.63576, k2 = 1.87320, k3 = 1.48695 (GMDL__SVD_K*). */
#include "bayes/lrt.h"
#include "core/vmath.h"

#define K1       GMDL__SVD_K1
#define K2       GMDL__SVD_K2
#define K3       GMDL__SVD_K3
#define LA_MIN   (-8.0f)
#define LA_MAX   8.0f
#define LA_PRUNE 3.0f

/* KL of each weight in [lo, hi) from the unclipped log alpha in la_kl (overwritten by the KL
 * values), and its gradient (times scale) into dtheta and dls2. With e = exp(-la):
 *   softplus(-la) = log1p(e),  sigmoid(-la) = e / (1 + e). */
GMDL_KERNEL
static void kl_range(const float *restrict th,
                     float *restrict la_kl,
                     float *restrict dth,
                     float *restrict dls2,
                     size_t lo,
                     size_t hi,
                     float scale) {
    for (size_t i = lo; i < hi; i++) {
        float raw = la_kl[i];
        float a = raw < LA_MIN ? LA_MIN : (raw > LA_MAX ? LA_MAX : raw);
        float s = 1.0f / (1.0f + gmdl__expf(-(K2 + K3 * a)));
        float e = gmdl__expf(-a);
        la_kl[i] = -(K1 * s - 0.5f * gmdl__log1pf(e) - K1);
        /* dKL/dla = -(k1 k3 s (1 - s) + 0.5 sigmoid(-la)); zero where la is clipped */
        float g = -(K1 * K3 * s * (1.0f - s) + 0.5f * e / (1.0f + e));
        g = (raw > LA_MIN && raw < LA_MAX) ? g * scale : 0.0f;
        dls2[i] += g;
        dth[i] += g * (-2.0f * th[i] / (th[i] * th[i] + 1e-8f));
    }
}

/* Uses the log alpha of the last forward pass (same parameters: the optimizer has not stepped
 * yet) and overwrites it with the per-weight KL values. */
static double svd_kl(gmdl__layer *l, double scale) {
    return gmdl__lrt_kl_blocks(l, scale, kl_range);
}

static gmdl_status svd_dense_setup(gmdl__layer *l, gmdl_err *err) {
    return gmdl__lrt_dense_setup(l, LA_PRUNE, err);
}

static gmdl_status svd_conv_setup(gmdl__layer *l, gmdl_err *err) {
    return gmdl__lrt_conv_setup(l, LA_PRUNE, err);
}

const gmdl__layer_ops gmdl__svd_dense_ops = {
    .kind = "svd_dense",
    .setup = svd_dense_setup,
    .init = gmdl__lrt_dense_init,
    .forward = gmdl__lrt_dense_forward,
    .backward = gmdl__lrt_dense_backward,
    .posterior = gmdl__lrt_posterior,
    .load_compressed = gmdl__lrt_load_compressed,
    .kl = svd_kl,
};

const gmdl__layer_ops gmdl__svd_conv2d_ops = {
    .kind = "svd_conv2d",
    .setup = svd_conv_setup,
    .init = gmdl__lrt_conv_init,
    .forward = gmdl__lrt_conv_forward,
    .backward = gmdl__lrt_conv_backward,
    .posterior = gmdl__lrt_posterior,
    .load_compressed = gmdl__lrt_load_compressed,
    .kl = svd_kl,
};
