/* Sparse variational dropout layers (Molchanov, Ashukha, Vetrov, ICML 2017), dense and conv2d,
 * trained with the local reparameterisation trick (Kingma, Salimans, Welling 2015).
 *
 * Parameters: weight theta, log_sigma2 (same shape), bias. Per weight
 *   log alpha = clip(log_sigma2 - log(theta^2 + 1e-8), -8, 8),  kept  = [log alpha < 3].
 * Forward (TRAIN, EVAL_SAMPLE): pre-activations are sampled, not weights:
 *   mean = x (theta * kept)^T + b,  var = x^2 exp(log_sigma2)^T,  y = mean + sqrt(var + 1e-8) eps
 * (the reference recipe, ALGORITHMS.md 11.2: masked mean path, unmasked variance path, no bias
 * in the variance). EVAL_MEAN: y = x (theta * kept)^T + b.
 * KL (log-uniform prior), summed over weights, Molchanov et al.'s approximation:
 *   KL = -(k1 sigmoid(k2 + k3 log alpha) - 0.5 softplus(-log alpha) - k1),
 *   k1 = 0.63576, k2 = 1.87320, k3 = 1.48695.
 * Conv: the same with im2col columns: mean = (theta*kept) col + b, var = exp(log_sigma2) col^2.
 * Layouts and shapes as nn/dense.c and nn/conv2d.c.
 * Workspace (per layer): wm = theta * kept, s2 = exp(log_sigma2), la = unclipped log alpha
 * (computed once per forward pass and reused by backward and the KL), dwm, ds2 (5 x count).
 * Cache (per sample): dense x^2 [D], eps [K], std [K]; conv col [Kc, OH OW], col^2, eps and std
 * [F, OH OW]. */
#include "bayes/bayes_internal.h"
#include "core/vmath.h"
#include "tensor/gemm.h"

#define K1 0.63576f
#define K2 1.87320f
#define K3 1.48695f
#define LA_MIN (-8.0f)
#define LA_MAX 8.0f
#define LA_PRUNE 3.0f
#define BBB_PRIOR_VAR 1.0f /* bbb: the prior N(0, 1) on every weight */

/* ---------------------------------------------------------------- per-weight passes */
GMDL_KERNEL
static void prepare_range(const float *restrict th, const float *restrict ls2, float *restrict wm,
                          float *restrict s2, float *restrict la, size_t lo, size_t hi,
                          float prune_at) {
    for (size_t i = lo; i < hi; i++) {
        float a = ls2[i] - gmdl__logf(th[i] * th[i] + 1e-8f);
        la[i] = a; /* unclipped: the KL needs to know where clipping stops the gradient */
        wm[i] = a < prune_at ? th[i] : 0.0f;
        s2[i] = gmdl__expf(ls2[i]);
    }
}

/* Computes wm, s2 and la for all weights of the layer. */
static void prepare(gmdl__layer *l) {
    const size_t n = l->param[0].count;
    float *wm = l->work, *s2 = wm + n, *la = s2 + n;
#ifdef _OPENMP
#pragma omp parallel if (n > 16384)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range(n, 16, &lo, &hi);
        prepare_range(l->param[0].p, l->param[2].p, wm, s2, la, lo, hi, l->prune_at);
    }
}

/* KL of each weight in [lo, hi) from the unclipped log alpha in la_kl (overwritten by the KL
 * values), and its gradient (times scale) into dtheta and dls2. With e = exp(-la):
 *   softplus(-la) = log1p(e),  sigmoid(-la) = e / (1 + e). */
GMDL_KERNEL
static void kl_range(const float *restrict th, float *restrict la_kl, float *restrict dth,
                     float *restrict dls2, size_t lo, size_t hi, float scale) {
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

/* Variational dropout (Kingma, Salimans & Welling 2015; ALGORITHMS.md 10.2), alpha <= 1:
 *   KL = -(0.5 log alpha + c1 alpha + c2 alpha^2 + c3 alpha^3) - C,
 * with C chosen so that it equals the sparse-VD approximation at alpha = 1 (the constant is not
 * published; it does not change the gradients). */
#define VD_C1 1.16145124f
#define VD_C2 (-1.50204118f)
#define VD_C3 0.58629921f
GMDL_KERNEL
static void vd_kl_range(const float *restrict th, float *restrict la_kl, float *restrict dth,
                        float *restrict dls2, size_t lo, size_t hi, float scale) {
    const float C = (K1 / (1.0f + expf(-K2)) - 0.5f * logf(2.0f) - K1) - (VD_C1 + VD_C2 + VD_C3);
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

/* Uses the log alpha of the last forward pass (same parameters: the optimizer has not stepped
 * yet) and overwrites it with the per-weight KL values. */
static double svd_kl(gmdl__layer *l, double scale) {
    const size_t n = l->param[0].count;
    const int vd = l->ops == &gmdl__vd_dense_ops || l->ops == &gmdl__vd_conv2d_ops;
    float *klv = l->work + 2 * n;
    enum { BLOCK = 4096 };
    const size_t nb = (n + BLOCK - 1) / BLOCK;
    double part[256], total = 0.0;
    /* fixed blocks, partials summed in block order: independent of the thread count */
    for (size_t b0 = 0; b0 < nb; b0 += 256) {
        size_t nbb = nb - b0 < 256 ? nb - b0 : 256;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n > 16384)
#endif
        for (size_t b = 0; b < nbb; b++) {
            size_t lo = (b0 + b) * BLOCK, hi = lo + BLOCK < n ? lo + BLOCK : n;
            if (vd)
                vd_kl_range(l->param[0].p, klv, l->param[0].g, l->param[2].g, lo, hi,
                            (float)scale);
            else
                kl_range(l->param[0].p, klv, l->param[0].g, l->param[2].g, lo, hi, (float)scale);
            part[b] = block_sum(klv, lo, hi);
        }
        for (size_t b = 0; b < nbb; b++)
            total += part[b];
    }
    return total;
}

/* Bayes by backprop: KL(N(theta, e^ls2) || N(0, s_p^2)) per weight =
 *   0.5 (log s_p^2 - ls2 + (e^ls2 + theta^2) / s_p^2 - 1). */
GMDL_KERNEL
static void bbb_kl_range(const float *restrict th, const float *restrict ls2, float *restrict dth,
                         float *restrict dls2, float *restrict out, size_t lo, size_t hi,
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
    const size_t n = l->param[0].count;
    float *klv = l->work + 2 * n;
    PAR_RANGE(n, bbb_kl_range(l->param[0].p, l->param[2].p, l->param[0].g, l->param[2].g, klv, lo,
                              hi, (float)scale));
    double total = 0.0;
    for (size_t b0 = 0; b0 < n; b0 += 4096)
        total += block_sum(klv, b0, b0 + 4096 < n ? b0 + 4096 : n);
    return total;
}

/* vs holds the variance and becomes the standard deviation; y += sqrt(var + 1e-8) eps */
GMDL_KERNEL
static void sample_range(float *restrict y, float *restrict vs, const float *restrict eps,
                         size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) {
        float sd = sqrtf(vs[i] + 1e-8f);
        vs[i] = sd;
        y[i] += sd * eps[i];
    }
}

/* sd holds the standard deviation and becomes dL/dvar = dy eps / (2 std) */
GMDL_KERNEL
static void dvar_range(const float *restrict dy, const float *restrict eps, float *restrict sd,
                       size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        sd[i] = dy[i] * eps[i] * 0.5f / sd[i];
}

/* dtheta += dwm * kept;  dls2 += ds2 * s2 */
GMDL_KERNEL
static void param_grad_range(float *restrict dth, const float *restrict dwm,
                             const float *restrict la, float *restrict dls2,
                             const float *restrict ds2, const float *restrict s2, size_t lo,
                             size_t hi, float prune_at) {
    for (size_t i = lo; i < hi; i++) {
        dth[i] += la[i] < prune_at ? dwm[i] : 0.0f;
        dls2[i] += ds2[i] * s2[i];
    }
}

/* dx (+)= g + 2 x t  (g from the mean path, t = dvar s2 from the variance path) */
GMDL_KERNEL
static void dx_range(float *restrict dx, const float *restrict g, const float *restrict x,
                     const float *restrict t, size_t lo, size_t hi, int accumulate) {
    if (accumulate)
        for (size_t i = lo; i < hi; i++)
            dx[i] += g[i] + 2.0f * x[i] * t[i];
    else
        for (size_t i = lo; i < hi; i++)
            dx[i] = g[i] + 2.0f * x[i] * t[i];
}

/* dcol += 2 col t, in place */
GMDL_KERNEL
static void dcol_range(float *restrict dcol, const float *restrict col, const float *restrict t,
                       size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        dcol[i] += 2.0f * col[i] * t[i];
}

/* ---------------------------------------------------------------- shared setup */
static void declare_svd_params(gmdl__layer *l, int ndim, const uint64_t *wd) {
    l->prune_at = LA_PRUNE;
    uint64_t bd[1] = {wd[0]};
    l->nparams = 0;
    gmdl__layer_param(l, 0, "weight", ndim, wd);
    gmdl__layer_param(l, 1, "bias", 1, bd);
    gmdl__layer_param(l, 2, "log_sigma2", ndim, wd);
    l->work_floats = 5 * l->param[0].count; /* wm, s2, la, dwm, ds2 */
    l->bayes = 1;
}

/* theta ~ U(+-1/sqrt(fan_in)), bias 0, log sigma^2 = -10 (the reference recipe) */
static void svd_init(gmdl__layer *l, gmdl_rng *rng, size_t fan_in) {
    double bound = 1.0 / sqrt((double)fan_in);
    for (size_t j = 0; j < l->param[0].count; j++)
        l->param[0].p[j] = (float)((2.0 * gmdl_rng_uniform(rng) - 1.0) * bound);
    for (size_t j = 0; j < l->param[1].count; j++)
        l->param[1].p[j] = 0.0f;
    for (size_t j = 0; j < l->param[2].count; j++)
        l->param[2].p[j] = -10.0f;
}

/* dtheta and dlog_sigma2 from dwm and ds2 (in the workspace) */
static void finish_param_grads(gmdl__layer *l) {
    const size_t n = l->param[0].count;
    float *wm = l->work, *s2 = wm + n, *la = s2 + n, *dwm = la + n, *ds2 = dwm + n;
    PAR_RANGE(n, param_grad_range(l->param[0].g, dwm, la, l->param[2].g, ds2, s2, lo, hi,
                                  l->prune_at));
}

/* ---------------------------------------------------------------- dense */
static gmdl_status svd_dense_setup(gmdl__layer *l, gmdl_err *err) {
    gmdl_status s = gmdl__dense_ops.setup(l, err);
    if (s)
        return s;
    uint64_t wd[2] = {(uint64_t)l->units, l->in_size};
    declare_svd_params(l, 2, wd);
    /* x^2 [D], eps [K], std [K], mean-path dx [D], variance-path dx [D] */
    l->cache_per_sample = (3 * l->in_size + 2 * (size_t)l->units) * sizeof(float);
    return GMDL_OK;
}

static void svd_dense_init(gmdl__layer *l, gmdl_rng *rng) {
    svd_init(l, rng, l->in_size);
}

static void svd_dense_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const int D = (int)l->in_size, K = l->units, N = a->n;
    const size_t n = l->param[0].count;
    prepare(l);
    const float *wm = l->work, *s2 = wm + n, *b = l->param[1].p;
    gmdl__gemm(0, 1, N, K, D, 1.0f, a->x, D, wm, D, 0.0f, a->y, K);
    gmdl__dense_add_bias(a->y, b, N, K);
    if (a->mode == GMDL_MODE_EVAL_MEAN)
        return;
    float *x2 = (float *)l->cache, *eps = x2 + (size_t)N * D, *sd = eps + (size_t)N * K;
    PAR_RANGE((size_t)N * D, square_range(a->x, x2, lo, hi));
    gmdl__gemm(0, 1, N, K, D, 1.0f, x2, D, s2, D, 0.0f, sd, K); /* variance, then std */
    for (int i = 0; i < N; i++)
        draw_eps_sample(a, l->index, i, eps + (size_t)i * K, (size_t)K);
    PAR_RANGE((size_t)N * K, sample_range(a->y, sd, eps, lo, hi));
}

static void svd_dense_backward(gmdl__layer *l, const gmdl__bwd *a) {
    const int D = (int)l->in_size, K = l->units, N = a->n;
    const size_t n = l->param[0].count;
    float *wm = l->work, *s2 = wm + n, *dwm = s2 + 2 * n, *ds2 = dwm + n;
    float *x2 = (float *)l->cache, *eps = x2 + (size_t)N * D, *sd = eps + (size_t)N * K;
    float *gm = sd + (size_t)N * K, *t = gm + (size_t)N * D;
    float *dvar = sd; /* the std is consumed here */
    PAR_RANGE((size_t)N * K, dvar_range(a->dy, eps, sd, lo, hi));
    gmdl__gemm(1, 0, K, D, N, 1.0f, a->dy, K, a->x, D, 0.0f, dwm, D);
    gmdl__gemm(1, 0, K, D, N, 1.0f, dvar, K, x2, D, 0.0f, ds2, D);
    finish_param_grads(l);
    float *db = l->param[1].g;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < K; k++)
            db[k] += a->dy[(size_t)i * K + k];
    if (!a->dx)
        return;
    gmdl__gemm(0, 0, N, D, K, 1.0f, a->dy, K, wm, D, 0.0f, gm, D);
    gmdl__gemm(0, 0, N, D, K, 1.0f, dvar, K, s2, D, 0.0f, t, D);
    PAR_RANGE((size_t)N * D, dx_range(a->dx, gm, a->x, t, lo, hi, a->accumulate));
}

const gmdl__layer_ops gmdl__svd_dense_ops = {
    .kind = "svd_dense",
    .setup = svd_dense_setup,
    .init = svd_dense_init,
    .forward = svd_dense_forward,
    .backward = svd_dense_backward,
    .kl = svd_kl,
};

/* ---------------------------------------------------------------- conv2d */
static gmdl_status svd_conv_setup(gmdl__layer *l, gmdl_err *err) {
    gmdl_status s = gmdl__conv2d_ops.setup(l, err);
    if (s)
        return s;
    uint64_t wd[4] = {(uint64_t)l->units, (uint64_t)l->in_c, (uint64_t)l->kh, (uint64_t)l->kw};
    declare_svd_params(l, 4, wd);
    size_t kq = (size_t)l->in_c * l->kh * l->kw * l->out_h * l->out_w;
    size_t fq = (size_t)l->units * l->out_h * l->out_w;
    l->cache_per_sample = (3 * kq + 2 * fq) * sizeof(float); /* col, col^2, dcol, eps, std */
    return GMDL_OK;
}

static void svd_conv_init(gmdl__layer *l, gmdl_rng *rng) {
    svd_init(l, rng, (size_t)l->in_c * l->kh * l->kw);
}

static void svd_conv_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const int Kc = l->in_c * l->kh * l->kw, F = l->units, N = a->n;
    const size_t Q = (size_t)l->out_h * l->out_w, P = (size_t)N * Q, n = l->param[0].count;
    prepare(l);
    const float *wm = l->work, *s2 = wm + n, *b = l->param[1].p;
    float *col = (float *)l->cache, *col2 = col + (size_t)Kc * P, *eps = col2 + 2 * (size_t)Kc * P,
          *sd = eps + (size_t)F * P;
    gmdl__im2col(a->x, col, l->in_c, N, l->in_h, l->in_w, l->kh, l->kw, l->stride, l->pad,
                 l->out_h, l->out_w);
    gmdl__gemm(0, 0, F, (int)P, Kc, 1.0f, wm, Kc, col, (int)P, 0.0f, a->y, (int)P);
    gmdl__conv_add_bias(a->y, b, F, P);
    if (a->mode == GMDL_MODE_EVAL_MEAN)
        return;
    /* noise of sample i is drawn contiguously [F, Q] into the std slot, then placed at
     * [f, i, q] */
    for (int i = 0; i < N; i++) {
        draw_eps_sample(a, l->index, i, sd, (size_t)F * Q);
        for (int f = 0; f < F; f++)
            memcpy(eps + (size_t)f * P + (size_t)i * Q, sd + (size_t)f * Q, Q * sizeof(float));
    }
    PAR_RANGE((size_t)Kc * P, square_range(col, col2, lo, hi));
    gmdl__gemm(0, 0, F, (int)P, Kc, 1.0f, s2, Kc, col2, (int)P, 0.0f, sd, (int)P);
    PAR_RANGE((size_t)F * P, sample_range(a->y, sd, eps, lo, hi));
}

static void svd_conv_backward(gmdl__layer *l, const gmdl__bwd *a) {
    const int Kc = l->in_c * l->kh * l->kw, F = l->units, N = a->n;
    const size_t Q = (size_t)l->out_h * l->out_w, P = (size_t)N * Q, n = l->param[0].count;
    float *wm = l->work, *s2 = wm + n, *dwm = s2 + 2 * n, *ds2 = dwm + n;
    float *col = (float *)l->cache, *col2 = col + (size_t)Kc * P, *dcol = col2 + (size_t)Kc * P,
          *eps = dcol + (size_t)Kc * P, *sd = eps + (size_t)F * P;
    float *dvar = sd;
    PAR_RANGE((size_t)F * P, dvar_range(a->dy, eps, sd, lo, hi));
    gmdl__gemm(0, 1, F, Kc, (int)P, 1.0f, a->dy, (int)P, col, (int)P, 0.0f, dwm, Kc);
    gmdl__gemm(0, 1, F, Kc, (int)P, 1.0f, dvar, (int)P, col2, (int)P, 0.0f, ds2, Kc);
    finish_param_grads(l);
    float *db = l->param[1].g;
    for (int f = 0; f < F; f++) {
        double sum = 0.0;
        for (size_t p = 0; p < P; p++)
            sum += (double)a->dy[(size_t)f * P + p];
        db[f] += (float)sum;
    }
    if (!a->dx)
        return;
    gmdl__gemm(1, 0, Kc, (int)P, F, 1.0f, wm, Kc, a->dy, (int)P, 0.0f, dcol, (int)P);
    gmdl__gemm(1, 0, Kc, (int)P, F, 1.0f, s2, Kc, dvar, (int)P, 0.0f, col2, (int)P);
    PAR_RANGE((size_t)Kc * P, dcol_range(dcol, col, col2, lo, hi));
    gmdl__col2im(dcol, a->dx, l->in_c, N, l->in_h, l->in_w, l->kh, l->kw, l->stride, l->pad,
                 l->out_h, l->out_w, a->accumulate);
}

const gmdl__layer_ops gmdl__svd_conv2d_ops = {
    .kind = "svd_conv2d",
    .setup = svd_conv_setup,
    .init = svd_conv_init,
    .forward = svd_conv_forward,
    .backward = svd_conv_backward,
    .kl = svd_kl,
};

/* ---------------------------------------------------------------- Bayes by backprop */
/* The same layers with a Gaussian prior N(0, 1) instead of the log-uniform one, and no pruning
 * mask in the mean path during training (Blundell et al. 2015 with the local reparameterisation
 * trick). */
static gmdl_status bbb_dense_setup(gmdl__layer *l, gmdl_err *err) {
    gmdl_status s = svd_dense_setup(l, err);
    l->prune_at = __builtin_inff();
    return s;
}

static gmdl_status bbb_conv_setup(gmdl__layer *l, gmdl_err *err) {
    gmdl_status s = svd_conv_setup(l, err);
    l->prune_at = __builtin_inff();
    return s;
}

const gmdl__layer_ops gmdl__bbb_dense_ops = {
    .kind = "bbb_dense",
    .setup = bbb_dense_setup,
    .init = svd_dense_init,
    .forward = svd_dense_forward,
    .backward = svd_dense_backward,
    .kl = bbb_kl,
};

const gmdl__layer_ops gmdl__bbb_conv2d_ops = {
    .kind = "bbb_conv2d",
    .setup = bbb_conv_setup,
    .init = svd_conv_init,
    .forward = svd_conv_forward,
    .backward = svd_conv_backward,
    .kl = bbb_kl,
};

/* ---------------------------------------------------------------- variational dropout */
/* The same layers with alpha <= 1 (Kingma et al.'s clipping: after every optimizer step
 * log sigma^2 is projected to at most log theta^2), their KL approximation, and no pruning mask. */
GMDL_KERNEL
static void vd_clip_range(const float *restrict th, float *restrict ls2, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) {
        float cap = gmdl__logf(th[i] * th[i] + 1e-8f);
        ls2[i] = ls2[i] > cap ? cap : ls2[i];
    }
}

static void vd_after_step(gmdl__layer *l) {
    PAR_RANGE(l->param[0].count, vd_clip_range(l->param[0].p, l->param[2].p, lo, hi));
}

const gmdl__layer_ops gmdl__vd_dense_ops = {
    .kind = "vd_dense",
    .setup = bbb_dense_setup, /* the svd layer without the training mask */
    .init = svd_dense_init,
    .forward = svd_dense_forward,
    .backward = svd_dense_backward,
    .kl = svd_kl,
    .after_step = vd_after_step,
};

const gmdl__layer_ops gmdl__vd_conv2d_ops = {
    .kind = "vd_conv2d",
    .setup = bbb_conv_setup,
    .init = svd_conv_init,
    .forward = svd_conv_forward,
    .backward = svd_conv_backward,
    .kl = svd_kl,
    .after_step = vd_after_step,
};
