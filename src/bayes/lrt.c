/* The local-reparameterisation machinery shared by the per-weight Gaussian posteriors (sparse VD,
 * variational dropout, Bayes by backprop; see lrt.h), dense and conv2d.
 *
 * Parameters: weight theta, log_sigma2 (same shape), bias. Per weight
 *   log alpha = log_sigma2 - log(theta^2 + 1e-8),  kept = [log alpha < prune_at].
 * Forward (TRAIN, EVAL_SAMPLE): pre-activations are sampled, not weights:
 *   mean = x (theta * kept)^T + b,  var = x^2 exp(log_sigma2)^T,  y = mean + sqrt(var + 1e-8) eps
 * (the reference recipe of Molchanov et al. 2017: masked mean path, unmasked variance path, no
 * bias in the variance). EVAL_MEAN: y = x (theta * kept)^T + b.
 * Conv: the same with im2col columns: mean = (theta*kept) col + b, var = exp(log_sigma2) col^2.
 * Layouts and shapes as nn/dense.c and nn/conv2d.c.
 * Workspace (per layer): wm = theta * kept, s2 = exp(log_sigma2), la = unclipped log alpha
 * (computed once per forward pass and reused by backward and the KL), dwm, ds2 (5 x count).
 * Cache (per sample): dense x^2 [D], eps [K], std [K]; conv col [Kc, OH OW], col^2, eps and std
 * [F, OH OW]. The KL terms live in svd.c, vd.c and bbb.c. */
#include "bayes/lrt.h"

#include "core/vmath.h"
#include "tensor/gemm.h"

/* ---------------------------------------------------------------- per-weight passes */
GMDL_KERNEL
static void prepare_range(const float *restrict th,
                          const float *restrict ls2,
                          float *restrict wm,
                          float *restrict s2,
                          float *restrict la,
                          size_t lo,
                          size_t hi,
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
        prepare_range(l->param[0].p, l->param[2].p, wm, s2, la, lo, hi, l->k.lrt.prune_at);
    }
}

/* vs holds the variance and becomes the standard deviation; y += sqrt(var + 1e-8) eps */
GMDL_KERNEL
static void sample_range(
    float *restrict y, float *restrict vs, const float *restrict eps, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) {
        float sd = sqrtf(vs[i] + 1e-8f);
        vs[i] = sd;
        y[i] += sd * eps[i];
    }
}

/* sd holds the standard deviation and becomes dL/dvar = dy eps / (2 std) */
GMDL_KERNEL
static void dvar_range(
    const float *restrict dy, const float *restrict eps, float *restrict sd, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        sd[i] = dy[i] * eps[i] * 0.5f / sd[i];
}

/* dtheta += dwm * kept;  dls2 += ds2 * s2 */
GMDL_KERNEL
static void param_grad_range(float *restrict dth,
                             const float *restrict dwm,
                             const float *restrict la,
                             float *restrict dls2,
                             const float *restrict ds2,
                             const float *restrict s2,
                             size_t lo,
                             size_t hi,
                             float prune_at) {
    for (size_t i = lo; i < hi; i++) {
        dth[i] += la[i] < prune_at ? dwm[i] : 0.0f;
        dls2[i] += ds2[i] * s2[i];
    }
}

/* dx (+)= g + 2 x t  (g from the mean path, t = dvar s2 from the variance path) */
GMDL_KERNEL
static void dx_range(float *restrict dx,
                     const float *restrict g,
                     const float *restrict x,
                     const float *restrict t,
                     size_t lo,
                     size_t hi,
                     int accumulate) {
    if (accumulate)
        for (size_t i = lo; i < hi; i++)
            dx[i] += g[i] + 2.0f * x[i] * t[i];
    else
        for (size_t i = lo; i < hi; i++)
            dx[i] = g[i] + 2.0f * x[i] * t[i];
}

/* dcol += 2 col t, in place */
GMDL_KERNEL
static void dcol_range(float *restrict dcol,
                       const float *restrict col,
                       const float *restrict t,
                       size_t lo,
                       size_t hi) {
    for (size_t i = lo; i < hi; i++)
        dcol[i] += 2.0f * col[i] * t[i];
}

/* ---------------------------------------------------------------- setup */
static void declare_params(gmdl__layer *l, int ndim, const uint64_t *wd, float prune_at) {
    l->k.lrt.prune_at = prune_at;
    uint64_t bd[1] = {wd[0]};
    l->nparams = 0;
    gmdl__layer_param(l, 0, "weight", ndim, wd);
    gmdl__layer_param(l, 1, "bias", 1, bd);
    gmdl__layer_param(l, 2, "log_sigma2", ndim, wd);
    l->work_floats = 5 * l->param[0].count; /* wm, s2, la, dwm, ds2 */
    l->bayes = 1;
}

static void init_params(gmdl__layer *l, gmdl_rng *rng, size_t fan_in) {
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
                                  l->k.lrt.prune_at));
}

/* ---------------------------------------------------------------- dense */
gmdl_status gmdl__lrt_dense_setup(gmdl__layer *l, float prune_at, gmdl_err *err) {
    gmdl_status s = gmdl__dense_ops.setup(l, err);
    if (s)
        return s;
    uint64_t wd[2] = {(uint64_t)l->units, l->in_size};
    declare_params(l, 2, wd, prune_at);
    /* x^2 [D], eps [K], std [K], mean-path dx [D], variance-path dx [D] */
    l->cache_per_sample = (3 * l->in_size + 2 * (size_t)l->units) * sizeof(float);
    return GMDL_OK;
}

void gmdl__lrt_dense_init(gmdl__layer *l, gmdl_rng *rng) {
    init_params(l, rng, l->in_size);
}

void gmdl__lrt_dense_forward(gmdl__layer *l, const gmdl__fwd *a) {
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

void gmdl__lrt_dense_backward(gmdl__layer *l, const gmdl__bwd *a) {
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

/* ---------------------------------------------------------------- conv2d */
gmdl_status gmdl__lrt_conv_setup(gmdl__layer *l, float prune_at, gmdl_err *err) {
    gmdl_status s = gmdl__conv2d_ops.setup(l, err);
    if (s)
        return s;
    uint64_t wd[4] = {(uint64_t)l->units, (uint64_t)l->in_c, (uint64_t)l->kh, (uint64_t)l->kw};
    declare_params(l, 4, wd, prune_at);
    size_t kq = (size_t)l->in_c * l->kh * l->kw * l->out_h * l->out_w;
    size_t fq = (size_t)l->units * l->out_h * l->out_w;
    l->cache_per_sample = (3 * kq + 2 * fq) * sizeof(float); /* col, col^2, dcol, eps, std */
    return GMDL_OK;
}

void gmdl__lrt_conv_init(gmdl__layer *l, gmdl_rng *rng) {
    init_params(l, rng, (size_t)l->in_c * l->kh * l->kw);
}

void gmdl__lrt_conv_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const int Kc = l->in_c * l->kh * l->kw, F = l->units, N = a->n;
    const size_t Q = (size_t)l->out_h * l->out_w, P = (size_t)N * Q, n = l->param[0].count;
    prepare(l);
    const float *wm = l->work, *s2 = wm + n, *b = l->param[1].p;
    float *col = (float *)l->cache, *col2 = col + (size_t)Kc * P, *eps = col2 + 2 * (size_t)Kc * P,
          *sd = eps + (size_t)F * P;
    gmdl__im2col(a->x, col, l->in_c, N, l->in_h, l->in_w, l->kh, l->kw, l->stride, l->pad, l->out_h,
                 l->out_w);
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

void gmdl__lrt_conv_backward(gmdl__layer *l, const gmdl__bwd *a) {
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

/* ---------------------------------------------------------------- KL */
float *gmdl__lrt_kl_values(gmdl__layer *l) {
    return l->work + 2 * l->param[GMDL__LRT_W].count;
}

double gmdl__lrt_kl_blocks(gmdl__layer *l, double scale, gmdl__lrt_kl_range fn) {
    const size_t n = l->param[GMDL__LRT_W].count;
    float *klv = gmdl__lrt_kl_values(l);
    const float *th = l->param[GMDL__LRT_W].p;
    float *dth = l->param[GMDL__LRT_W].g, *dls2 = l->param[GMDL__LRT_LS2].g;
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
            fn(th, klv, dth, dls2, lo, hi, (float)scale);
            part[b] = block_sum(klv, lo, hi);
        }
        for (size_t b = 0; b < nbb; b++)
            total += part[b];
    }
    return total;
}

/* ---------------------------------------------------------------- compression hooks */
size_t
gmdl__lrt_posterior(const gmdl__layer *l, float *mean, float *var, double *stat, size_t *groups) {
    const gmdl__param *w = &l->param[GMDL__LRT_W], *ls2 = &l->param[GMDL__LRT_LS2];
    *groups = 0;
    for (size_t j = 0; j < w->count; j++) {
        double th = w->p[j];
        if (stat) /* log alpha = log sigma^2 - log theta^2 */
            stat[j] = (double)ls2->p[j] - log(th * th + 1e-8);
        if (mean)
            mean[j] = w->p[j];
        if (var)
            var[j] = expf(ls2->p[j]);
    }
    return w->count;
}

void gmdl__lrt_load_compressed(gmdl__layer *l, const float *w, const float *bias) {
    gmdl__param *th = &l->param[GMDL__LRT_W], *ls2 = &l->param[GMDL__LRT_LS2];
    for (size_t j = 0; j < th->count; j++) {
        th->p[j] = w[j];
        ls2->p[j] = -100.0f; /* every nonzero weight passes the layer's mask */
    }
    if (bias)
        memcpy(l->param[GMDL__LRT_B].p, bias, l->param[GMDL__LRT_B].count * sizeof(float));
}
