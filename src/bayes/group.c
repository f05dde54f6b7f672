/* The group-scale layers shared by every prior on the scales (group.h), dense and conv2d, with
 * the local reparameterisation trick (Louizos, Ullrich & Welling 2017).
 *
 * Groups: one scale z_g per input unit of a dense layer, per output filter of a conv layer;
 * w = z_g w~ with q(w~) = N(theta, exp(weight_logvar)), biases N(bias, exp(bias_logvar)), and the
 * scale posterior given by the prior's noise model z = ga + gb xi or exp(ga + gb xi).
 * Dense forward (TRAIN, EVAL_SAMPLE): z drawn per example and input unit,
 *   x~ = x z,  mean = x~ theta^T + bias,  var = x~^2 exp(weight_logvar)^T + exp(bias_logvar),
 *   y = mean + sqrt(var + 1e-8) eps.
 * Conv forward: a = theta * col, v = exp(weight_logvar) * col^2 (im2col), z per example and
 *   filter:  y = z a + bias + sqrt(z^2 v + exp(bias_logvar) + 1e-8) eps  (w = z w~: the bias is
 *   not scaled, as in the deterministic pass).
 * EVAL_MEAN: weights E[z] theta, bias mean, no noise.
 * KL = the prior's KL of the scales + sum 0.5 (-logvar + exp(logvar) + mu^2 - 1) over weights
 *   and biases (N(0, 1) priors on w~ and the biases).
 * Initialisation: log variances ~ N(-9, 0.01^2), the first scale tensor ~ N(1, 0.01^2), theta ~
 * N(0, 1/fan_in) (dense) or U(+-1/sqrt(fan_in)) (conv), bias 0, then the prior's own init. After
 * each optimizer step the weight and bias log variances of layers with max_logvar set are clipped
 * to it (log 0.04 on the first layer). */
#include "bayes/group.h"

#include "core/vmath.h"
#include "tensor/gemm.h"

enum { P_W = GMDL__GRP_W, P_B, P_WLV, P_BLV, P_ZMU, P_ZLV };

/* groups: the input units of a dense layer, the output filters of a conv layer */
size_t gmdl__group_count(const gmdl__layer *l) {
    return l->param[P_W].ndim == 4 ? (size_t)l->units : l->in_size;
}

void gmdl__group_stats(const gmdl__layer *l, size_t g, double *mean, double *var, double *stat) {
    gmdl__group_prior_of(l)->stats(l, g, mean, var, stat);
}

static void declare(gmdl__layer *l, int ndim, const uint64_t *wd, uint64_t groups) {
    uint64_t bd[1] = {wd[0]};
    l->nparams = 0;
    gmdl__layer_param(l, P_W, "weight", ndim, wd);
    gmdl__layer_param(l, P_B, "bias", 1, bd);
    gmdl__layer_param(l, P_WLV, "weight_logvar", ndim, wd);
    gmdl__layer_param(l, P_BLV, "bias_logvar", 1, bd);
    gmdl__group_prior_of(l)->declare(l, groups);
    /* S = exp(weight_logvar), the mean weights E[z] theta, dS, a scratch row; per group: the
     * moments (ga, gb) of z and the accumulators dA, dB; Sb = exp(bias_logvar) (work_t) */
    l->work_floats = 4 * l->param[P_W].count + 4 * groups + 2 * wd[0];
    l->bayes = 1;
}

static void init_params(gmdl__layer *l, gmdl_rng *rng, size_t fan_in, int uniform) {
    double sd = 1.0 / sqrt((double)fan_in);
    for (size_t j = 0; j < l->param[P_W].count; j++)
        l->param[P_W].p[j] =
            (float)(uniform ? (2.0 * gmdl_rng_uniform(rng) - 1.0) * sd : sd * gmdl_rng_normal(rng));
    for (size_t j = 0; j < l->param[P_B].count; j++)
        l->param[P_B].p[j] = 0.0f;
    for (int p = P_WLV; p <= P_ZLV; p++)
        for (size_t j = 0; j < l->param[p].count; j++)
            l->param[p].p[j] = (float)(p == P_ZMU ? 1.0 + 0.01 * gmdl_rng_normal(rng)
                                                  : -9.0 + 0.01 * gmdl_rng_normal(rng));
    if (gmdl__group_prior_of(l)->init)
        gmdl__group_prior_of(l)->init(l, rng);
}

GMDL_KERNEL
static void exp_range(const float *restrict a, float *restrict b, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        b[i] = gmdl__expf(a[i]);
}

/* The workspace: S [n], wm [n], dS [n], scratch [n], ga, gb, dA, dB [G each], Sb [K] */
typedef struct {
    float *S, *wm, *dS, *scratch, *ga, *gb, *dA, *dB, *Sb;
} work_t;

static work_t work_of(gmdl__layer *l) {
    const size_t n = l->param[P_W].count, G = gmdl__group_count(l);
    work_t w;
    w.S = l->work;
    w.wm = w.S + n;
    w.dS = w.S + 2 * n;
    w.scratch = w.S + 3 * n;
    w.ga = w.S + 4 * n;
    w.gb = w.ga + G;
    w.dA = w.gb + G;
    w.dB = w.dA + G;
    w.Sb = w.dB + G;
    return w;
}

/* S = exp(weight_logvar), Sb = exp(bias_logvar), the group moments */
static work_t prepare(gmdl__layer *l) {
    const size_t n = l->param[P_W].count, K = l->param[P_B].count;
    work_t w = work_of(l);
    PAR_RANGE(n, exp_range(l->param[P_WLV].p, w.S, lo, hi));
    for (size_t k = 0; k < K; k++)
        w.Sb[k] = gmdl__expf(l->param[P_BLV].p[k]);
    gmdl__group_prior_of(l)->moments(l, w.ga, w.gb);
    return w;
}

/* E[z] of every group into out (EVAL_MEAN) */
static void group_means(const gmdl__layer *l, const work_t *w, float *out) {
    const size_t G = gmdl__group_count(l);
    const int log_scale = gmdl__group_prior_of(l)->log_scale;
    for (size_t g = 0; g < G; g++)
        out[g] = log_scale ? gmdl__expf(w->ga[g] + 0.5f * w->gb[g] * w->gb[g]) : w->ga[g];
}

/* KL(N(mu, e^lv) || N(0, 1)) of each entry into out, gradient (times sc) into dmu and dlv */
GMDL_KERNEL
static void gauss_kl_range(const float *restrict mu,
                           const float *restrict lv,
                           float *restrict dmu,
                           float *restrict dlv,
                           float *restrict out,
                           size_t lo,
                           size_t hi,
                           float sc) {
    for (size_t j = lo; j < hi; j++) {
        float e = gmdl__expf(lv[j]);
        out[j] = 0.5f * (-lv[j] + e + mu[j] * mu[j] - 1.0f);
        dmu[j] += sc * mu[j];
        dlv[j] += sc * 0.5f * (e - 1.0f);
    }
}

/* KL and its gradient (times scale); the scales' part from the prior. The per-entry values are
 * summed in fixed blocks in order, so the result does not depend on the threads. */
double gmdl__group_kl(gmdl__layer *l, double scale) {
    const float sc = (float)scale;
    double kl = 0.0;
    float *scratch = work_of(l).scratch;
    for (int p = P_W; p <= P_B; p++) {
        const float *mu = l->param[p].p, *lv = l->param[p + 2].p;
        float *dmu = l->param[p].g, *dlv = l->param[p + 2].g;
        size_t cnt = l->param[p].count;
        PAR_RANGE(cnt, gauss_kl_range(mu, lv, dmu, dlv, scratch, lo, hi, sc));
        for (size_t b0 = 0; b0 < cnt; b0 += 4096)
            kl += block_sum(scratch, b0, b0 + 4096 < cnt ? b0 + 4096 : cnt);
    }
    return gmdl__group_prior_of(l)->kl(l, scale, kl);
}

void gmdl__group_after_step(gmdl__layer *l) {
    if (l->k.group.max_logvar == 0.0f)
        return;
    for (int p = P_WLV; p <= P_BLV; p++)
        for (size_t j = 0; j < l->param[p].count; j++)
            if (l->param[p].p[j] > l->k.group.max_logvar)
                l->param[p].p[j] = l->k.group.max_logvar;
}

/* per-example group scales z = ga + gb xi or exp(ga + gb xi) (log_scale), xi drawn from the
 * sample's stream */
static void
draw_z(gmdl__layer *l, const gmdl__fwd *a, const work_t *w, float *z, float *xi, size_t G) {
    const int log_scale = gmdl__group_prior_of(l)->log_scale;
    for (int i = 0; i < a->n; i++) {
        /* "layer" index + 32: z and the output noise never share a stream */
        float *zi = z + (size_t)i * G, *xii = xi + (size_t)i * G;
        draw_eps_sample(a, l->index + 32, i, xii, G);
        for (size_t g = 0; g < G; g++) {
            float t = w->ga[g] + w->gb[g] * xii[g];
            zi[g] = log_scale ? gmdl__expf(t) : t;
        }
    }
}
/* ---------------------------------------------------------------- dense */
gmdl_status gmdl__group_dense_setup(gmdl__layer *l, gmdl_err *err) {
    gmdl_status s = gmdl__dense_ops.setup(l, err);
    if (s)
        return s;
    uint64_t wd[2] = {(uint64_t)l->units, l->in_size};
    declare(l, 2, wd, l->in_size);
    /* z, xi, x~, x~^2, eps, std, and two [D] scratch rows */
    l->cache_per_sample = (6 * l->in_size + 2 * (size_t)l->units) * sizeof(float);
    return GMDL_OK;
}

void gmdl__group_dense_init(gmdl__layer *l, gmdl_rng *rng) {
    init_params(l, rng, l->in_size, 0);
}

void gmdl__group_dense_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const int D = (int)l->in_size, K = l->units, N = a->n;
    const size_t ND = (size_t)N * D;
    work_t w = prepare(l);
    const float *th = l->param[P_W].p, *b = l->param[P_B].p;
    if (a->mode == GMDL_MODE_EVAL_MEAN) {
        float *ez = w.dA;
        group_means(l, &w, ez);
        for (int k = 0; k < K; k++)
            for (int d = 0; d < D; d++)
                w.wm[(size_t)k * D + d] = th[(size_t)k * D + d] * ez[d];
        gmdl__gemm(0, 1, N, K, D, 1.0f, a->x, D, w.wm, D, 0.0f, a->y, K);
        gmdl__dense_add_bias(a->y, b, N, K);
        return;
    }
    float *z = (float *)l->cache, *xi = z + ND, *xt = xi + ND, *xt2 = xt + ND, *eps = xt2 + ND,
          *sd = eps + (size_t)N * K;
    draw_z(l, a, &w, z, xi, (size_t)D);
    for (size_t i = 0; i < ND; i++) {
        xt[i] = a->x[i] * z[i];
        xt2[i] = xt[i] * xt[i];
    }
    gmdl__gemm(0, 1, N, K, D, 1.0f, xt, D, th, D, 0.0f, a->y, K);
    gmdl__gemm(0, 1, N, K, D, 1.0f, xt2, D, w.S, D, 0.0f, sd, K);
    for (int i = 0; i < N; i++)
        draw_eps_sample(a, l->index, i, eps + (size_t)i * K, (size_t)K);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < K; k++) {
            size_t q = (size_t)i * K + k;
            sd[q] = sqrtf(sd[q] + w.Sb[k] + 1e-8f);
            a->y[q] += b[k] + sd[q] * eps[q];
        }
}

/* group accumulators of groups (input units) [d0, d1): with dz = (g1 + 2 x~ g2) x and the factor
 * zw = z (log_scale) or 1 (zw NULL), dA += dz zw and dB += dz zw xi, summed over rows */
GMDL_KERNEL
static void dense_group_grads(const float *restrict g1,
                              const float *restrict g2,
                              const float *restrict xt,
                              const float *restrict x,
                              const float *restrict xi,
                              const float *restrict zw,
                              float *restrict dA,
                              float *restrict dB,
                              int N,
                              int D,
                              size_t d0,
                              size_t d1) {
    for (int i = 0; i < N; i++)
        for (size_t d = d0; d < d1; d++) {
            size_t q = (size_t)i * D + d;
            float dz = (g1[q] + 2.0f * xt[q] * g2[q]) * x[q] * (zw ? zw[q] : 1.0f);
            dA[d] += dz;
            dB[d] += dz * xi[q];
        }
}

/* dx (+)= (g1 + 2 x~ g2) z for rows [n0, n1) */
GMDL_KERNEL
static void dense_dx(const float *restrict g1,
                     const float *restrict g2,
                     const float *restrict xt,
                     const float *restrict z,
                     float *restrict dx,
                     int D,
                     size_t n0,
                     size_t n1,
                     int accumulate) {
    for (size_t q = n0 * (size_t)D; q < n1 * (size_t)D; q++) {
        float v = (g1[q] + 2.0f * xt[q] * g2[q]) * z[q];
        dx[q] = accumulate ? dx[q] + v : v;
    }
}

void gmdl__group_dense_backward(gmdl__layer *l, const gmdl__bwd *a) {
    const int D = (int)l->in_size, K = l->units, N = a->n;
    const size_t n = l->param[P_W].count, ND = (size_t)N * D;
    work_t w = work_of(l);
    float *z = (float *)l->cache, *xi = z + ND, *xt = xi + ND, *xt2 = xt + ND, *eps = xt2 + ND,
          *sd = eps + (size_t)N * K, *g1 = sd + (size_t)N * K, *g2 = g1 + ND;
    const float *th = l->param[P_W].p;
    for (size_t q = 0; q < (size_t)N * K; q++) /* sd becomes dL/dvar */
        sd[q] = a->dy[q] * eps[q] * 0.5f / sd[q];
    const float *dvar = sd;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < K; k++) {
            l->param[P_B].g[k] += a->dy[(size_t)i * K + k];
            l->param[P_BLV].g[k] += dvar[(size_t)i * K + k] * w.Sb[k];
        }
    gmdl__gemm(1, 0, K, D, N, 1.0f, a->dy, K, xt, D, 1.0f, l->param[P_W].g, D);
    gmdl__gemm(1, 0, K, D, N, 1.0f, dvar, K, xt2, D, 0.0f, w.dS, D);
    for (size_t j = 0; j < n; j++)
        l->param[P_WLV].g[j] += w.dS[j] * w.S[j];
    /* dx~ = dy theta + 2 x~ (dvar S) */
    gmdl__gemm(0, 0, N, D, K, 1.0f, a->dy, K, th, D, 0.0f, g1, D);
    gmdl__gemm(0, 0, N, D, K, 1.0f, dvar, K, w.S, D, 0.0f, g2, D);
    const float *zw = gmdl__group_prior_of(l)->log_scale ? z : NULL;
    memset(w.dA, 0, 2 * (size_t)D * sizeof(float)); /* dA and dB */
#ifdef _OPENMP
#pragma omp parallel if (ND > 16384)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)D, 16, &lo, &hi);
        dense_group_grads(g1, g2, xt, a->x, xi, zw, w.dA, w.dB, N, D, lo, hi);
        gmdl__thread_range((size_t)N, 1, &lo, &hi);
        if (a->dx)
            dense_dx(g1, g2, xt, z, a->dx, D, lo, hi, a->accumulate);
    }
    gmdl__group_prior_of(l)->grads(l, w.gb, w.dA, w.dB);
}

/* ---------------------------------------------------------------- conv2d */
gmdl_status gmdl__group_conv_setup(gmdl__layer *l, gmdl_err *err) {
    gmdl_status s = gmdl__conv2d_ops.setup(l, err);
    if (s)
        return s;
    uint64_t wd[4] = {(uint64_t)l->units, (uint64_t)l->in_c, (uint64_t)l->kh, (uint64_t)l->kw};
    declare(l, 4, wd, (uint64_t)l->units);
    size_t kq = (size_t)l->in_c * l->kh * l->kw * l->out_h * l->out_w;
    size_t fq = (size_t)l->units * l->out_h * l->out_w;
    /* col, col^2, dcol; a, v, eps, std, da; z, xi */
    l->cache_per_sample = (3 * kq + 5 * fq + 2 * (size_t)l->units) * sizeof(float);
    return GMDL_OK;
}

void gmdl__group_conv_init(gmdl__layer *l, gmdl_rng *rng) {
    init_params(l, rng, (size_t)l->in_c * l->kh * l->kw, 1);
}

void gmdl__group_conv_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const int Kc = l->in_c * l->kh * l->kw, F = l->units, N = a->n;
    const size_t Q = (size_t)l->out_h * l->out_w, P = (size_t)N * Q;
    work_t w = prepare(l);
    const float *th = l->param[P_W].p, *b = l->param[P_B].p;
    float *col = (float *)l->cache, *col2 = col + (size_t)Kc * P, *dcol = col2 + (size_t)Kc * P,
          *av = dcol + (size_t)Kc * P, *vv = av + (size_t)F * P, *eps = vv + (size_t)F * P,
          *sd = eps + (size_t)F * P, *z = sd + 2 * (size_t)F * P, *xi = z + (size_t)N * F;
    gmdl__im2col(a->x, col, l->in_c, N, l->in_h, l->in_w, l->kh, l->kw, l->stride, l->pad, l->out_h,
                 l->out_w);
    if (a->mode == GMDL_MODE_EVAL_MEAN) {
        float *ez = w.dA;
        group_means(l, &w, ez);
        for (int f = 0; f < F; f++)
            for (int j = 0; j < Kc; j++)
                w.wm[(size_t)f * Kc + j] = th[(size_t)f * Kc + j] * ez[f];
        gmdl__gemm(0, 0, F, (int)P, Kc, 1.0f, w.wm, Kc, col, (int)P, 0.0f, a->y, (int)P);
        gmdl__conv_add_bias(a->y, b, F, P);
        return;
    }
    PAR_RANGE((size_t)Kc * P, square_range(col, col2, lo, hi));
    gmdl__gemm(0, 0, F, (int)P, Kc, 1.0f, th, Kc, col, (int)P, 0.0f, av, (int)P);
    gmdl__gemm(0, 0, F, (int)P, Kc, 1.0f, w.S, Kc, col2, (int)P, 0.0f, vv, (int)P);
    draw_z(l, a, &w, z, xi, (size_t)F);
    /* noise of sample i drawn contiguously (its own stream) into sd's slot i, then placed at
     * [f, i, q] */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)F * P > 16384)
#endif
    for (int i = 0; i < N; i++)
        draw_eps_sample(a, l->index, i, sd + (size_t)i * F * Q, (size_t)F * Q);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)F * P > 16384)
#endif
    for (int f = 0; f < F; f++)
        for (int i = 0; i < N; i++)
            memcpy(eps + (size_t)f * P + (size_t)i * Q, sd + ((size_t)i * F + f) * Q,
                   Q * sizeof(float));
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)F * P > 16384)
#endif
    for (int f = 0; f < F; f++)
        for (int i = 0; i < N; i++) {
            float zz = z[(size_t)i * F + f];
            for (size_t q = 0; q < Q; q++) {
                size_t o = (size_t)f * P + (size_t)i * Q + q;
                sd[o] = sqrtf(zz * zz * vv[o] + w.Sb[f] + 1e-8f);
                a->y[o] = zz * av[o] + b[f] + sd[o] * eps[o];
            }
        }
}

GMDL_KERNEL
static void dcol_add(float *restrict dcol,
                     const float *restrict col,
                     const float *restrict t,
                     size_t lo,
                     size_t hi) {
    for (size_t i = lo; i < hi; i++)
        dcol[i] += 2.0f * col[i] * t[i];
}

void gmdl__group_conv_backward(gmdl__layer *l, const gmdl__bwd *a) {
    const int Kc = l->in_c * l->kh * l->kw, F = l->units, N = a->n;
    const size_t Q = (size_t)l->out_h * l->out_w, P = (size_t)N * Q, n = l->param[P_W].count;
    work_t w = work_of(l);
    float *col = (float *)l->cache, *col2 = col + (size_t)Kc * P, *dcol = col2 + (size_t)Kc * P,
          *av = dcol + (size_t)Kc * P, *vv = av + (size_t)F * P, *eps = vv + (size_t)F * P,
          *sd = eps + (size_t)F * P, *da = sd + (size_t)F * P, *z = da + (size_t)F * P,
          *xi = z + (size_t)N * F;
    const int log_scale = gmdl__group_prior_of(l)->log_scale;
    /* per output: dvar (in sd's slot), da = dy z, dv = dvar z^2 (in vv after dz is taken); each
     * filter's sums in a fixed order, whatever the threads */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)F * P > 16384)
#endif
    for (int f = 0; f < F; f++) {
        double dA = 0.0, dB = 0.0;
        for (int i = 0; i < N; i++) {
            float zz = z[(size_t)i * F + f];
            double dz = 0.0;
            for (size_t q = 0; q < Q; q++) {
                size_t o = (size_t)f * P + (size_t)i * Q + q;
                float dy = a->dy[o], dvar = dy * eps[o] * 0.5f / sd[o];
                l->param[P_B].g[f] += dy;
                l->param[P_BLV].g[f] += dvar * w.Sb[f];
                dz += (double)(dy * av[o] + dvar * 2.0f * zz * vv[o]);
                da[o] = dy * zz;
                vv[o] = dvar * zz * zz;
            }
            if (log_scale)
                dz *= (double)zz;
            dA += dz;
            dB += dz * (double)xi[(size_t)i * F + f];
        }
        w.dA[f] = (float)dA;
        w.dB[f] = (float)dB;
    }
    gmdl__group_prior_of(l)->grads(l, w.gb, w.dA, w.dB);
    const float *dv = vv;
    gmdl__gemm(0, 1, F, Kc, (int)P, 1.0f, da, (int)P, col, (int)P, 1.0f, l->param[P_W].g, Kc);
    gmdl__gemm(0, 1, F, Kc, (int)P, 1.0f, dv, (int)P, col2, (int)P, 0.0f, w.dS, Kc);
    for (size_t j = 0; j < n; j++)
        l->param[P_WLV].g[j] += w.dS[j] * w.S[j];
    if (!a->dx)
        return;
    gmdl__gemm(1, 0, Kc, (int)P, F, 1.0f, l->param[P_W].p, Kc, da, (int)P, 0.0f, dcol, (int)P);
    gmdl__gemm(1, 0, Kc, (int)P, F, 1.0f, w.S, Kc, dv, (int)P, 0.0f, col2, (int)P);
    PAR_RANGE((size_t)Kc * P, dcol_add(dcol, col, col2, lo, hi));
    gmdl__col2im(dcol, a->dx, l->in_c, N, l->in_h, l->in_w, l->kh, l->kw, l->stride, l->pad,
                 l->out_h, l->out_w, a->accumulate);
}

/* ---------------------------------------------------------------- compression hooks */
/* The weights of group g: a dense layer's input unit g is column g of [K, D], a conv layer's
 * filter g its row of [F, C kh kw]. */
size_t
gmdl__group_posterior(const gmdl__layer *l, float *mean, float *var, double *stat, size_t *groups) {
    const gmdl__param *w = &l->param[P_W], *wlv = &l->param[P_WLV];
    const size_t G = gmdl__group_count(l), rows = (size_t)w->dims[0], cols = w->count / rows;
    const int conv = w->ndim == 4;
    *groups = G;
    for (size_t g = 0; g < G; g++) {
        double zmean, zvar, st;
        gmdl__group_stats(l, g, &zmean, &zvar, &st);
        if (stat)
            stat[g] = st;
        if (!mean && !var)
            continue;
        const double zm = (float)zmean; /* E[z] as stored, in float */
        for (size_t k = 0; k < (conv ? cols : rows); k++) {
            size_t j = conv ? g * cols + k : k * cols + g;
            double th = w->p[j], wv = exp((double)wlv->p[j]);
            if (mean)
                mean[j] = (float)(zm * th);
            if (var)
                var[j] = (float)(zm * zm * wv + zvar * th * th + zvar * wv);
        }
    }
    return G;
}

void gmdl__group_load_compressed(gmdl__layer *l, const float *w, const float *bias) {
    gmdl__param *th = &l->param[P_W];
    const size_t G = gmdl__group_count(l), rows = (size_t)th->dims[0], cols = th->count / rows;
    const int conv = th->ndim == 4;
    for (size_t g = 0; g < G; g++) {
        double zmean, zvar, st;
        gmdl__group_stats(l, g, &zmean, &zvar, &st);
        const float z = (float)zmean;
        for (size_t k = 0; k < (conv ? cols : rows); k++) {
            size_t j = conv ? g * cols + k : k * cols + g;
            th->p[j] = w[j] != 0.0f && z != 0.0f ? w[j] / z : 0.0f;
        }
    }
    if (bias)
        memcpy(l->param[P_B].p, bias, l->param[P_B].count * sizeof(float));
}
