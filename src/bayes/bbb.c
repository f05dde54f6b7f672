/* Bayes by backprop (Blundell et al. 2015) with the local reparameterisation trick, dense and
 * conv2d: the per-weight Gaussian posterior of lrt.c with a Gaussian prior N(0, 1) and no
 * pruning mask in the mean path during training. */
#include "bayes/lrt.h"
#include "core/vmath.h"

#define BBB_PRIOR_VAR 1.0f /* the prior N(0, 1) on every weight */

/* KL(N(theta, e^ls2) || N(0, s_p^2)) per weight =
 *   0.5 (log s_p^2 - ls2 + (e^ls2 + theta^2) / s_p^2 - 1). */
GMDL_KERNEL
static void bbb_kl_range(const float *restrict th,
                         const float *restrict ls2,
                         float *restrict dth,
                         float *restrict dls2,
                         float *restrict out,
                         size_t lo,
                         size_t hi,
                         float scale) {
    const float inv = 1.0f / BBB_PRIOR_VAR, lp = logf(BBB_PRIOR_VAR);
    for (size_t i = lo; i < hi; i++) {
        float e = gmdl__expf(ls2[i]);
        out[i] = 0.5f * (lp - ls2[i] + (e + th[i] * th[i]) * inv - 1.0f);
        dth[i] += scale * th[i] * inv;
        dls2[i] += scale * 0.5f * (e * inv - 1.0f);
    }
}

static double bbb_kl(gmdl__layer *l, double scale) {
    const gmdl__param *w = &l->param[GMDL__LRT_W], *ls2 = &l->param[GMDL__LRT_LS2];
    const size_t n = w->count;
    float *klv = gmdl__lrt_kl_values(l);
    PAR_RANGE(n, bbb_kl_range(w->p, ls2->p, w->g, ls2->g, klv, lo, hi, (float)scale));
    double total = 0.0;
    for (size_t b0 = 0; b0 < n; b0 += 4096)
        total += block_sum(klv, b0, b0 + 4096 < n ? b0 + 4096 : n);
    return total;
}

static gmdl_status bbb_dense_setup(gmdl__layer *l, gmdl_err *err) {
    return gmdl__lrt_dense_setup(l, __builtin_inff(), err);
}

static gmdl_status bbb_conv_setup(gmdl__layer *l, gmdl_err *err) {
    return gmdl__lrt_conv_setup(l, __builtin_inff(), err);
}

const gmdl__layer_ops gmdl__bbb_dense_ops = {
    .kind = "bbb_dense",
    .setup = bbb_dense_setup,
    .init = gmdl__lrt_dense_init,
    .forward = gmdl__lrt_dense_forward,
    .backward = gmdl__lrt_dense_backward,
    .posterior = gmdl__lrt_posterior,
    .load_compressed = gmdl__lrt_load_compressed,
    .kl = bbb_kl,
};

const gmdl__layer_ops gmdl__bbb_conv2d_ops = {
    .kind = "bbb_conv2d",
    .setup = bbb_conv_setup,
    .init = gmdl__lrt_conv_init,
    .forward = gmdl__lrt_conv_forward,
    .backward = gmdl__lrt_conv_backward,
    .posterior = gmdl__lrt_posterior,
    .load_compressed = gmdl__lrt_load_compressed,
    .kl = bbb_kl,
};
