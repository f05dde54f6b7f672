/* Variational dropout (Kingma, Salimans & Welling 2015), dense and conv2d: the per-weight
 * Gaussian posterior of lrt.c with learned dropout rates alpha <= 1 (Kingma et al.'s clipping:
 * after every optimizer step log sigma^2 is projected to at most log theta^2), their KL
 * approximation, and no pruning mask during training:
 *   KL = -(0.5 log alpha + c1 alpha + c2 alpha^2 + c3 alpha^3) - C,
 * with C chosen so that it equals the sparse-VD approximation at alpha = 1 (the constant is not
 * published; it does not change the gradients). */
#include "bayes/lrt.h"
#include "core/vmath.h"

#define LA_MIN (-8.0f)
#define VD_C1  1.16145124f
#define VD_C2  (-1.50204118f)
#define VD_C3  0.58629921f

GMDL_KERNEL
static void vd_kl_range(const float *restrict th,
                        float *restrict la_kl,
                        float *restrict dth,
                        float *restrict dls2,
                        size_t lo,
                        size_t hi,
                        float scale) {
    const float C =
        (GMDL__SVD_K1 / (1.0f + expf(-GMDL__SVD_K2)) - 0.5f * logf(2.0f) - GMDL__SVD_K1) -
        (VD_C1 + VD_C2 + VD_C3);
    for (size_t i = lo; i < hi; i++) {
        float raw = la_kl[i];
        float a = raw < LA_MIN ? LA_MIN : (raw > 0.0f ? 0.0f : raw);
        float al = gmdl__expf(a);
        la_kl[i] = -(0.5f * a + al * (VD_C1 + al * (VD_C2 + al * VD_C3))) - C;
        float g = -(0.5f + al * (VD_C1 + al * (2.0f * VD_C2 + al * 3.0f * VD_C3)));
        g = (raw > LA_MIN && raw < 0.0f) ? g * scale : 0.0f;
        dls2[i] += g;
        dth[i] += g * (-2.0f * th[i] / (th[i] * th[i] + 1e-8f));
    }
}

static double vd_kl(gmdl__layer *l, double scale) {
    return gmdl__lrt_kl_blocks(l, scale, vd_kl_range);
}

GMDL_KERNEL
static void vd_clip_range(const float *restrict th, float *restrict ls2, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) {
        float cap = gmdl__logf(th[i] * th[i] + 1e-8f);
        ls2[i] = ls2[i] > cap ? cap : ls2[i];
    }
}

static void vd_after_step(gmdl__layer *l) {
    PAR_RANGE(l->param[GMDL__LRT_W].count,
              vd_clip_range(l->param[GMDL__LRT_W].p, l->param[GMDL__LRT_LS2].p, lo, hi));
}

static gmdl_status vd_dense_setup(gmdl__layer *l, gmdl_err *err) {
    return gmdl__lrt_dense_setup(l, __builtin_inff(), err);
}

static gmdl_status vd_conv_setup(gmdl__layer *l, gmdl_err *err) {
    return gmdl__lrt_conv_setup(l, __builtin_inff(), err);
}

const gmdl__layer_ops gmdl__vd_dense_ops = {
    .kind = "vd_dense",
    .setup = vd_dense_setup,
    .init = gmdl__lrt_dense_init,
    .forward = gmdl__lrt_dense_forward,
    .backward = gmdl__lrt_dense_backward,
    .posterior = gmdl__lrt_posterior,
    .load_compressed = gmdl__lrt_load_compressed,
    .kl = vd_kl,
    .after_step = vd_after_step,
};

const gmdl__layer_ops gmdl__vd_conv2d_ops = {
    .kind = "vd_conv2d",
    .setup = vd_conv_setup,
    .init = gmdl__lrt_conv_init,
    .forward = gmdl__lrt_conv_forward,
    .backward = gmdl__lrt_conv_backward,
    .posterior = gmdl__lrt_posterior,
    .load_compressed = gmdl__lrt_load_compressed,
    .kl = vd_kl,
    .after_step = vd_after_step,
};
