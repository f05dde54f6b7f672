/* Bayesian compression with the group normal-Jeffreys prior (Louizos, Ullrich & Welling 2017,
 * "BC-GNJ"; ALGORITHMS.md 12.1), dense and conv2d layers with the local reparameterisation trick.
 *
 * Groups: one scale z_g per input unit of a dense layer, per output filter of a conv layer;
 * w = z_g w~ with q(z_g) = N(z_mu, exp(z_logvar)) and q(w~) = N(theta, exp(weight_logvar)),
 * biases N(bias, exp(bias_logvar)). Parameters, in this order: weight (theta), bias,
 * weight_logvar, bias_logvar, z_mu, z_logvar.
 * Dense forward (TRAIN, EVAL_SAMPLE): z = z_mu + exp(z_logvar / 2) xi per example and input unit,
 *   x~ = x z,  mean = x~ theta^T + bias,  var = x~^2 exp(weight_logvar)^T + exp(bias_logvar),
 *   y = mean + sqrt(var + 1e-8) eps.
 * Conv forward: a = theta * col, v = exp(weight_logvar) * col^2 (im2col), z per example and
 *   filter:  y = z a + bias + sqrt(z^2 v + exp(bias_logvar) + 1e-8) eps  (w = z w~: the bias is
 *   not scaled, as in the deterministic pass).
 * EVAL_MEAN: weights z_mu theta, bias mean, no noise.
 * KL = sum_g KLsvd(log alpha_g) + sum 0.5 (-logvar + exp(logvar) + mu^2 - 1) over weights and
 *   biases, with log alpha_g = clip(z_logvar - log(z_mu^2 + 1e-8), -8, 8) and KLsvd the sparse-VD
 *   approximation (the conv KL bug of the reference code, ALGORITHMS.md 12.9, is not repeated).
 * Initialisation: z_mu ~ N(1, 0.01^2), log variances ~ N(-9, 0.01^2), theta ~ N(0, 1/fan_in)
 * (dense) or U(+-1/sqrt(fan_in)) (conv), bias 0. After each optimizer step the weight and bias
 * log variances of layers with max_logvar set are clipped to it (log 0.04 on the first layer). */
#include "bayes/bayes_internal.h"
#include "core/vmath.h"
#include "tensor/gemm.h"

#define K1 0.63576f
#define K2 1.87320f
#define K3 1.48695f

enum { P_W, P_B, P_WLV, P_BLV, P_ZMU, P_ZLV };

static void declare(gmdl__layer *l, int ndim, const uint64_t *wd, uint64_t groups) {
    uint64_t bd[1] = {wd[0]}, gd[1] = {groups};
    l->nparams = 0;
    gmdl__layer_param(l, P_W, "weight", ndim, wd);
    gmdl__layer_param(l, P_B, "bias", 1, bd);
    gmdl__layer_param(l, P_WLV, "weight_logvar", ndim, wd);
    gmdl__layer_param(l, P_BLV, "bias_logvar", 1, bd);
    gmdl__layer_param(l, P_ZMU, "z_mu", 1, gd);
    gmdl__layer_param(l, P_ZLV, "z_logvar", 1, gd);
    /* S = exp(weight_logvar), the mean weights z_mu theta, dtheta, dS, and per-group scratch */
    l->work_floats = 4 * l->param[P_W].count + 4 * groups + 2 * wd[0];
    l->bayes = 1;
}

static void gnj_init(gmdl__layer *l, gmdl_rng *rng, size_t fan_in, int uniform) {
    double sd = 1.0 / sqrt((double)fan_in);
    for (size_t j = 0; j < l->param[P_W].count; j++)
        l->param[P_W].p[j] = (float)(uniform ? (2.0 * gmdl_rng_uniform(rng) - 1.0) * sd
                                             : sd * gmdl_rng_normal(rng));
    for (size_t j = 0; j < l->param[P_B].count; j++)
        l->param[P_B].p[j] = 0.0f;
    for (int p = P_WLV; p <= P_ZLV; p++)
        for (size_t j = 0; j < l->param[p].count; j++)
            l->param[p].p[j] =
                (float)(p == P_ZMU ? 1.0 + 0.01 * gmdl_rng_normal(rng) : -9.0 + 0.01 * gmdl_rng_normal(rng));
}

GMDL_KERNEL
static void exp_range(const float *restrict a, float *restrict b, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        b[i] = gmdl__expf(a[i]);
}

/* S = exp(weight_logvar); returns S, with Sb = exp(bias_logvar) after it */
static float *prepare(gmdl__layer *l) {
    const size_t n = l->param[P_W].count, K = l->param[P_B].count;
    float *S = l->work, *Sb = S + 4 * n + 4 * l->param[P_ZMU].count;
    PAR_RANGE(n, exp_range(l->param[P_WLV].p, S, lo, hi));
    for (size_t k = 0; k < K; k++)
        Sb[k] = gmdl__expf(l->param[P_BLV].p[k]);
    return S;
}

/* KL(N(mu, e^lv) || N(0, 1)) of each entry into out, gradient (times sc) into dmu and dlv */
GMDL_KERNEL
static void gauss_kl_range(const float *restrict mu, const float *restrict lv, float *restrict dmu,
                           float *restrict dlv, float *restrict out, size_t lo, size_t hi,
                           float sc) {
    for (size_t j = lo; j < hi; j++) {
        float e = gmdl__expf(lv[j]);
        out[j] = 0.5f * (-lv[j] + e + mu[j] * mu[j] - 1.0f);
        dmu[j] += sc * mu[j];
        dlv[j] += sc * 0.5f * (e - 1.0f);
    }
}

/* KL and its gradient (times scale); the group part by the sparse-VD approximation. The per-entry
 * values are summed in fixed blocks in order, so the result does not depend on the threads. */
static double gnj_kl(gmdl__layer *l, double scale) {
    const float sc = (float)scale;
    double kl = 0.0;
    const size_t n = l->param[P_W].count;
    float *scratch = l->work + 3 * n;
    for (int p = P_W; p <= P_B; p++) {
        const float *mu = l->param[p].p, *lv = l->param[p + 2].p;
        float *dmu = l->param[p].g, *dlv = l->param[p + 2].g;
        size_t cnt = l->param[p].count;
        PAR_RANGE(cnt, gauss_kl_range(mu, lv, dmu, dlv, scratch, lo, hi, sc));
        for (size_t b0 = 0; b0 < cnt; b0 += 4096)
            kl += block_sum(scratch, b0, b0 + 4096 < cnt ? b0 + 4096 : cnt);
    }
    const float *zm = l->param[P_ZMU].p, *zl = l->param[P_ZLV].p;
    float *dzm = l->param[P_ZMU].g, *dzl = l->param[P_ZLV].g;
    for (size_t g = 0; g < l->param[P_ZMU].count; g++) {
        float t2 = zm[g] * zm[g] + 1e-8f, raw = zl[g] - gmdl__logf(t2);
        float a = raw < -8.0f ? -8.0f : raw > 8.0f ? 8.0f : raw;
        float s = 1.0f / (1.0f + gmdl__expf(-(K2 + K3 * a))), e = gmdl__expf(-a);
        kl += (double)(-(K1 * s - 0.5f * gmdl__log1pf(e) - K1));
        float gr = -(K1 * K3 * s * (1.0f - s) + 0.5f * e / (1.0f + e));
        gr = (raw > -8.0f && raw < 8.0f) ? gr * sc : 0.0f;
        dzl[g] += gr;
        dzm[g] += gr * (-2.0f * zm[g] / t2);
    }
    return kl;
}

static void gnj_after_step(gmdl__layer *l) {
    if (l->max_logvar == 0.0f)
        return;
    for (int p = P_WLV; p <= P_BLV; p++)
        for (size_t j = 0; j < l->param[p].count; j++)
            if (l->param[p].p[j] > l->max_logvar)
                l->param[p].p[j] = l->max_logvar;
}

/* per-example group scales z = z_mu + exp(z_logvar / 2) xi, xi drawn from the sample's stream */
static void draw_z(gmdl__layer *l, const gmdl__fwd *a, float *z, float *xi, size_t G) {
    for (int i = 0; i < a->n; i++) {
        /* "layer" index + 32: z and the output noise never share a stream */
        draw_eps_sample(a, l->index + 32, i, xi + (size_t)i * G, G);
        for (size_t g = 0; g < G; g++)
            z[(size_t)i * G + g] = l->param[P_ZMU].p[g] +
                                   gmdl__expf(0.5f * l->param[P_ZLV].p[g]) * xi[(size_t)i * G + g];
    }
}

/* ---------------------------------------------------------------- dense */
static gmdl_status gnj_dense_setup(gmdl__layer *l, gmdl_err *err) {
    gmdl_status s = gmdl__dense_ops.setup(l, err);
    if (s)
        return s;
    uint64_t wd[2] = {(uint64_t)l->units, l->in_size};
    declare(l, 2, wd, l->in_size);
    /* z, xi, x~, x~^2, eps, std, and two [D] scratch rows */
    l->cache_per_sample = (6 * l->in_size + 2 * (size_t)l->units) * sizeof(float);
    return GMDL_OK;
}

static void gnj_dense_init(gmdl__layer *l, gmdl_rng *rng) {
    gnj_init(l, rng, l->in_size, 0);
}

static void gnj_dense_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const int D = (int)l->in_size, K = l->units, N = a->n;
    const size_t n = l->param[P_W].count, ND = (size_t)N * D;
    float *S = prepare(l), *wm = S + n, *Sb = S + 4 * n + 4 * (size_t)D;
    const float *th = l->param[P_W].p, *b = l->param[P_B].p, *zm = l->param[P_ZMU].p;
    if (a->mode == GMDL_MODE_EVAL_MEAN) {
        for (int k = 0; k < K; k++)
            for (int d = 0; d < D; d++)
                wm[(size_t)k * D + d] = th[(size_t)k * D + d] * zm[d];
        gmdl__gemm(0, 1, N, K, D, 1.0f, a->x, D, wm, D, 0.0f, a->y, K);
        gmdl__dense_add_bias(a->y, b, N, K);
        return;
    }
    float *z = (float *)l->cache, *xi = z + ND, *xt = xi + ND, *xt2 = xt + ND,
          *eps = xt2 + ND, *sd = eps + (size_t)N * K;
    draw_z(l, a, z, xi, (size_t)D);
    for (size_t i = 0; i < ND; i++) {
        xt[i] = a->x[i] * z[i];
        xt2[i] = xt[i] * xt[i];
    }
    gmdl__gemm(0, 1, N, K, D, 1.0f, xt, D, th, D, 0.0f, a->y, K);
    gmdl__gemm(0, 1, N, K, D, 1.0f, xt2, D, S, D, 0.0f, sd, K);
    for (int i = 0; i < N; i++)
        draw_eps_sample(a, l->index, i, eps + (size_t)i * K, (size_t)K);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < K; k++) {
            size_t q = (size_t)i * K + k;
            sd[q] = sqrtf(sd[q] + Sb[k] + 1e-8f);
            a->y[q] += b[k] + sd[q] * eps[q];
        }
}

/* dz_mu, dz_logvar of groups (input units) [d0, d1): dz = (g1 + 2 x~ g2) x summed over rows */
GMDL_KERNEL
static void dense_group_grads(const float *restrict g1, const float *restrict g2,
                              const float *restrict xt, const float *restrict x,
                              const float *restrict xi, const float *restrict zl,
                              float *restrict dzm, float *restrict dzl, int N, int D, size_t d0,
                              size_t d1) {
    for (int i = 0; i < N; i++)
        for (size_t d = d0; d < d1; d++) {
            size_t q = (size_t)i * D + d;
            float dz = (g1[q] + 2.0f * xt[q] * g2[q]) * x[q];
            dzm[d] += dz;
            dzl[d] += dz * xi[q] * 0.5f * gmdl__expf(0.5f * zl[d]);
        }
}

/* dx (+)= (g1 + 2 x~ g2) z for rows [n0, n1) */
GMDL_KERNEL
static void dense_dx(const float *restrict g1, const float *restrict g2, const float *restrict xt,
                     const float *restrict z, float *restrict dx, int D, size_t n0, size_t n1,
                     int accumulate) {
    for (size_t q = n0 * (size_t)D; q < n1 * (size_t)D; q++) {
        float v = (g1[q] + 2.0f * xt[q] * g2[q]) * z[q];
        dx[q] = accumulate ? dx[q] + v : v;
    }
}

static void gnj_dense_backward(gmdl__layer *l, const gmdl__bwd *a) {
    const int D = (int)l->in_size, K = l->units, N = a->n;
    const size_t n = l->param[P_W].count, ND = (size_t)N * D;
    float *S = l->work, *dS = S + 2 * n, *Sb = S + 4 * n + 4 * (size_t)D;
    float *z = (float *)l->cache, *xi = z + ND, *xt = xi + ND, *xt2 = xt + ND,
          *eps = xt2 + ND, *sd = eps + (size_t)N * K, *g1 = sd + (size_t)N * K, *g2 = g1 + ND;
    const float *th = l->param[P_W].p;
    for (size_t q = 0; q < (size_t)N * K; q++) /* sd becomes dL/dvar */
        sd[q] = a->dy[q] * eps[q] * 0.5f / sd[q];
    const float *dvar = sd;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < K; k++) {
            l->param[P_B].g[k] += a->dy[(size_t)i * K + k];
            l->param[P_BLV].g[k] += dvar[(size_t)i * K + k] * Sb[k];
        }
    gmdl__gemm(1, 0, K, D, N, 1.0f, a->dy, K, xt, D, 1.0f, l->param[P_W].g, D);
    gmdl__gemm(1, 0, K, D, N, 1.0f, dvar, K, xt2, D, 0.0f, dS, D);
    for (size_t j = 0; j < n; j++)
        l->param[P_WLV].g[j] += dS[j] * S[j];
    /* dx~ = dy theta + 2 x~ (dvar S) */
    gmdl__gemm(0, 0, N, D, K, 1.0f, a->dy, K, th, D, 0.0f, g1, D);
    gmdl__gemm(0, 0, N, D, K, 1.0f, dvar, K, S, D, 0.0f, g2, D);
    const float *zl = l->param[P_ZLV].p;
    float *dzm = l->param[P_ZMU].g, *dzl = l->param[P_ZLV].g;
#ifdef _OPENMP
#pragma omp parallel if (ND > 16384)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)D, 16, &lo, &hi);
        dense_group_grads(g1, g2, xt, a->x, xi, zl, dzm, dzl, N, D, lo, hi);
        gmdl__thread_range((size_t)N, 1, &lo, &hi);
        if (a->dx)
            dense_dx(g1, g2, xt, z, a->dx, D, lo, hi, a->accumulate);
    }
}

const gmdl__layer_ops gmdl__gnj_dense_ops = {
    .kind = "gnj_dense",
    .setup = gnj_dense_setup,
    .init = gnj_dense_init,
    .forward = gnj_dense_forward,
    .backward = gnj_dense_backward,
    .kl = gnj_kl,
    .after_step = gnj_after_step,
};

/* ---------------------------------------------------------------- conv2d */
static gmdl_status gnj_conv_setup(gmdl__layer *l, gmdl_err *err) {
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

static void gnj_conv_init(gmdl__layer *l, gmdl_rng *rng) {
    gnj_init(l, rng, (size_t)l->in_c * l->kh * l->kw, 1);
}

static void gnj_conv_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const int Kc = l->in_c * l->kh * l->kw, F = l->units, N = a->n;
    const size_t Q = (size_t)l->out_h * l->out_w, P = (size_t)N * Q, n = l->param[P_W].count;
    float *S = prepare(l), *wm = S + n, *Sb = S + 4 * n + 4 * (size_t)F;
    const float *th = l->param[P_W].p, *b = l->param[P_B].p, *zm = l->param[P_ZMU].p;
    float *col = (float *)l->cache, *col2 = col + (size_t)Kc * P, *dcol = col2 + (size_t)Kc * P,
          *av = dcol + (size_t)Kc * P, *vv = av + (size_t)F * P, *eps = vv + (size_t)F * P,
          *sd = eps + (size_t)F * P, *z = sd + 2 * (size_t)F * P, *xi = z + (size_t)N * F;
    gmdl__im2col(a->x, col, l->in_c, N, l->in_h, l->in_w, l->kh, l->kw, l->stride, l->pad,
                 l->out_h, l->out_w);
    if (a->mode == GMDL_MODE_EVAL_MEAN) {
        for (int f = 0; f < F; f++)
            for (int j = 0; j < Kc; j++)
                wm[(size_t)f * Kc + j] = th[(size_t)f * Kc + j] * zm[f];
        gmdl__gemm(0, 0, F, (int)P, Kc, 1.0f, wm, Kc, col, (int)P, 0.0f, a->y, (int)P);
        gmdl__conv_add_bias(a->y, b, F, P);
        return;
    }
    for (size_t i = 0; i < (size_t)Kc * P; i++)
        col2[i] = col[i] * col[i];
    gmdl__gemm(0, 0, F, (int)P, Kc, 1.0f, th, Kc, col, (int)P, 0.0f, av, (int)P);
    gmdl__gemm(0, 0, F, (int)P, Kc, 1.0f, S, Kc, col2, (int)P, 0.0f, vv, (int)P);
    draw_z(l, a, z, xi, (size_t)F);
    for (int i = 0; i < N; i++) { /* noise of sample i drawn contiguously, placed at [f, i, q] */
        draw_eps_sample(a, l->index, i, sd, (size_t)F * Q);
        for (int f = 0; f < F; f++)
            memcpy(eps + (size_t)f * P + (size_t)i * Q, sd + (size_t)f * Q, Q * sizeof(float));
    }
    for (int f = 0; f < F; f++)
        for (int i = 0; i < N; i++) {
            float zz = z[(size_t)i * F + f];
            for (size_t q = 0; q < Q; q++) {
                size_t o = (size_t)f * P + (size_t)i * Q + q;
                sd[o] = sqrtf(zz * zz * vv[o] + Sb[f] + 1e-8f);
                a->y[o] = zz * av[o] + b[f] + sd[o] * eps[o];
            }
        }
}

static void gnj_conv_backward(gmdl__layer *l, const gmdl__bwd *a) {
    const int Kc = l->in_c * l->kh * l->kw, F = l->units, N = a->n;
    const size_t Q = (size_t)l->out_h * l->out_w, P = (size_t)N * Q, n = l->param[P_W].count;
    float *S = l->work, *dS = S + 2 * n, *Sb = S + 4 * n + 4 * (size_t)F;
    float *col = (float *)l->cache, *col2 = col + (size_t)Kc * P, *dcol = col2 + (size_t)Kc * P,
          *av = dcol + (size_t)Kc * P, *vv = av + (size_t)F * P, *eps = vv + (size_t)F * P,
          *sd = eps + (size_t)F * P, *da = sd + (size_t)F * P, *z = da + (size_t)F * P,
          *xi = z + (size_t)N * F;
    const float *zl = l->param[P_ZLV].p;
    /* per output: dvar (in sd's slot), da = dy z, dv = dvar z^2 (in vv after dz is taken) */
    for (int f = 0; f < F; f++)
        for (int i = 0; i < N; i++) {
            float zz = z[(size_t)i * F + f];
            double dz = 0.0;
            for (size_t q = 0; q < Q; q++) {
                size_t o = (size_t)f * P + (size_t)i * Q + q;
                float dy = a->dy[o], dvar = dy * eps[o] * 0.5f / sd[o];
                l->param[P_B].g[f] += dy;
                l->param[P_BLV].g[f] += dvar * Sb[f];
                dz += (double)(dy * av[o] + dvar * 2.0f * zz * vv[o]);
                da[o] = dy * zz;
                vv[o] = dvar * zz * zz;
            }
            l->param[P_ZMU].g[f] += (float)dz;
            l->param[P_ZLV].g[f] +=
                (float)dz * xi[(size_t)i * F + f] * 0.5f * gmdl__expf(0.5f * zl[f]);
        }
    const float *dv = vv;
    gmdl__gemm(0, 1, F, Kc, (int)P, 1.0f, da, (int)P, col, (int)P, 1.0f, l->param[P_W].g, Kc);
    gmdl__gemm(0, 1, F, Kc, (int)P, 1.0f, dv, (int)P, col2, (int)P, 0.0f, dS, Kc);
    for (size_t j = 0; j < n; j++)
        l->param[P_WLV].g[j] += dS[j] * S[j];
    if (!a->dx)
        return;
    gmdl__gemm(1, 0, Kc, (int)P, F, 1.0f, l->param[P_W].p, Kc, da, (int)P, 0.0f, dcol, (int)P);
    gmdl__gemm(1, 0, Kc, (int)P, F, 1.0f, S, Kc, dv, (int)P, 0.0f, col2, (int)P);
    for (size_t i = 0; i < (size_t)Kc * P; i++)
        dcol[i] += 2.0f * col[i] * col2[i];
    gmdl__col2im(dcol, a->dx, l->in_c, N, l->in_h, l->in_w, l->kh, l->kw, l->stride, l->pad,
                 l->out_h, l->out_w, a->accumulate);
}

const gmdl__layer_ops gmdl__gnj_conv2d_ops = {
    .kind = "gnj_conv2d",
    .setup = gnj_conv_setup,
    .init = gnj_conv_init,
    .forward = gnj_conv_forward,
    .backward = gnj_conv_backward,
    .kl = gnj_kl,
    .after_step = gnj_after_step,
};
