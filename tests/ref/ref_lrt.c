/* Scalar twins of the local reparameterisation passes of bayes/lrt.c (see ref.h): per weight
 *   log alpha = ls2 - log(theta^2 + 1e-8),  kept = [log alpha < prune_at],
 *   mean = x (theta kept)^T + b,  var = x^2 exp(ls2)^T,  y = mean + sqrt(var + 1e-8) eps,
 * and the gradients of sum(dy y) by the chain rule, dvar = dy eps / (2 sqrt(var + 1e-8)).
 * Convolutions by direct loops over the output pixels (zero padding), no im2col. */
#include <math.h>
#include <string.h>

#include "ref/ref.h"

double ref_log_alpha(double th, double ls2) {
    return ls2 - log(th * th + 1e-8);
}

static double kept(const ref_lrt *L, size_t j) {
    return ref_log_alpha(L->th[j], L->ls2[j]) < L->prune_at ? 1.0 : 0.0;
}

/* ---------------------------------------------------------------- dense */
void ref_lrt_dense_forward(
    const ref_lrt *L, const float *x, const float *eps, double *y, double *mag) {
    for (int n = 0; n < L->N; n++)
        for (int k = 0; k < L->K; k++) {
            double mean = L->b[k], m = fabs((double)L->b[k]), var = 0.0;
            for (int d = 0; d < L->D; d++) {
                size_t j = (size_t)k * L->D + d;
                double xv = x[(size_t)n * L->D + d], w = (double)L->th[j] * kept(L, j);
                mean += xv * w;
                m += fabs(xv * w);
                var += xv * xv * exp((double)L->ls2[j]);
            }
            double out = mean;
            if (eps) {
                double e = eps[(size_t)n * L->K + k], sd = sqrt(var + 1e-8);
                out += sd * e;
                m += fabs(sd * e);
            }
            y[(size_t)n * L->K + k] = out;
            mag[(size_t)n * L->K + k] = m;
        }
}

/* dL/dvar of output (n, k) for the dense pass */
static double
dense_dvar(const ref_lrt *L, const float *x, const float *eps, const float *dy, int n, int k) {
    double var = 0.0;
    for (int d = 0; d < L->D; d++) {
        double xv = x[(size_t)n * L->D + d];
        var += xv * xv * exp((double)L->ls2[(size_t)k * L->D + d]);
    }
    size_t o = (size_t)n * L->K + k;
    return (double)dy[o] * (double)eps[o] / (2.0 * sqrt(var + 1e-8));
}

void ref_lrt_dense_backward(
    const ref_lrt *L, const float *x, const float *eps, const float *dy, const ref_grads *g) {
    const int N = L->N, D = L->D, K = L->K;
    const size_t nw = (size_t)K * D;
    memset(g->dth, 0, nw * sizeof(double));
    memset(g->dls2, 0, nw * sizeof(double));
    memset(g->mth, 0, nw * sizeof(double));
    memset(g->mls2, 0, nw * sizeof(double));
    memset(g->db, 0, (size_t)K * sizeof(double));
    memset(g->mb, 0, (size_t)K * sizeof(double));
    if (g->dx) {
        memset(g->dx, 0, (size_t)N * D * sizeof(double));
        memset(g->mx, 0, (size_t)N * D * sizeof(double));
    }
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++) {
            double gy = dy[(size_t)n * K + k], dvar = dense_dvar(L, x, eps, dy, n, k);
            g->db[k] += gy;
            g->mb[k] += fabs(gy);
            for (int d = 0; d < D; d++) {
                size_t j = (size_t)k * D + d, i = (size_t)n * D + d;
                double xv = x[i], s2 = exp((double)L->ls2[j]), kp = kept(L, j);
                g->dth[j] += gy * xv * kp;
                g->mth[j] += fabs(gy * xv * kp);
                g->dls2[j] += dvar * xv * xv * s2;
                g->mls2[j] += fabs(dvar * xv * xv * s2);
                if (g->dx) {
                    double t1 = gy * (double)L->th[j] * kp, t2 = 2.0 * xv * dvar * s2;
                    g->dx[i] += t1 + t2;
                    g->mx[i] += fabs(t1) + fabs(t2);
                }
            }
        }
}

/* ---------------------------------------------------------------- conv2d */
/* input pixel (c, n, r, s) of the channel-major batch, 0 in the padding */
static double pixel(const ref_lrt *L, const float *x, int c, int n, int r, int s) {
    if (r < 0 || r >= L->H || s < 0 || s >= L->W)
        return 0.0;
    return x[(((size_t)c * L->N + n) * L->H + r) * L->W + s];
}

static size_t wix(const ref_lrt *L, int f, int c, int i, int j) {
    return (((size_t)f * L->C + c) * L->k + i) * L->k + j;
}

/* mean, its magnitude and the variance of output (f, n, oh, ow) */
static void conv_out(const ref_lrt *L,
                     const float *x,
                     int f,
                     int n,
                     int oh,
                     int ow,
                     double *mean,
                     double *m,
                     double *var) {
    *mean = L->b[f];
    *m = fabs((double)L->b[f]);
    *var = 0.0;
    for (int c = 0; c < L->C; c++)
        for (int i = 0; i < L->k; i++)
            for (int j = 0; j < L->k; j++) {
                size_t w = wix(L, f, c, i, j);
                double xv =
                    pixel(L, x, c, n, oh * L->stride - L->pad + i, ow * L->stride - L->pad + j);
                double t = xv * (double)L->th[w] * kept(L, w);
                *mean += t;
                *m += fabs(t);
                *var += xv * xv * exp((double)L->ls2[w]);
            }
}

void ref_lrt_conv_forward(
    const ref_lrt *L, const float *x, const float *eps, double *y, double *mag) {
    const size_t Q = (size_t)L->OH * L->OW;
    for (int f = 0; f < L->F; f++)
        for (int n = 0; n < L->N; n++)
            for (int oh = 0; oh < L->OH; oh++)
                for (int ow = 0; ow < L->OW; ow++) {
                    double mean, m, var;
                    conv_out(L, x, f, n, oh, ow, &mean, &m, &var);
                    size_t q = (size_t)oh * L->OW + ow, o = ((size_t)f * L->N + n) * Q + q;
                    if (eps) {
                        double e = eps[(size_t)n * L->F * Q + (size_t)f * Q + q];
                        double sd = sqrt(var + 1e-8);
                        mean += sd * e;
                        m += fabs(sd * e);
                    }
                    y[o] = mean;
                    mag[o] = m;
                }
}

void ref_lrt_conv_backward(
    const ref_lrt *L, const float *x, const float *eps, const float *dy, const ref_grads *g) {
    const size_t Q = (size_t)L->OH * L->OW, nw = (size_t)L->F * L->C * L->k * L->k;
    const size_t nx = (size_t)L->C * L->N * L->H * L->W;
    memset(g->dth, 0, nw * sizeof(double));
    memset(g->dls2, 0, nw * sizeof(double));
    memset(g->mth, 0, nw * sizeof(double));
    memset(g->mls2, 0, nw * sizeof(double));
    memset(g->db, 0, (size_t)L->F * sizeof(double));
    memset(g->mb, 0, (size_t)L->F * sizeof(double));
    if (g->dx) {
        memset(g->dx, 0, nx * sizeof(double));
        memset(g->mx, 0, nx * sizeof(double));
    }
    for (int f = 0; f < L->F; f++)
        for (int n = 0; n < L->N; n++)
            for (int oh = 0; oh < L->OH; oh++)
                for (int ow = 0; ow < L->OW; ow++) {
                    double mean, m, var;
                    conv_out(L, x, f, n, oh, ow, &mean, &m, &var);
                    size_t q = (size_t)oh * L->OW + ow, o = ((size_t)f * L->N + n) * Q + q;
                    double gy = dy[o], e = eps[(size_t)n * L->F * Q + (size_t)f * Q + q];
                    double dvar = gy * e / (2.0 * sqrt(var + 1e-8));
                    g->db[f] += gy;
                    g->mb[f] += fabs(gy);
                    for (int c = 0; c < L->C; c++)
                        for (int i = 0; i < L->k; i++)
                            for (int j = 0; j < L->k; j++) {
                                int r = oh * L->stride - L->pad + i,
                                    s = ow * L->stride - L->pad + j;
                                size_t w = wix(L, f, c, i, j);
                                double xv = pixel(L, x, c, n, r, s), kp = kept(L, w);
                                double s2 = exp((double)L->ls2[w]);
                                g->dth[w] += gy * xv * kp;
                                g->mth[w] += fabs(gy * xv * kp);
                                g->dls2[w] += dvar * xv * xv * s2;
                                g->mls2[w] += fabs(dvar * xv * xv * s2);
                                if (!g->dx || r < 0 || r >= L->H || s < 0 || s >= L->W)
                                    continue;
                                size_t xi = (((size_t)c * L->N + n) * L->H + r) * L->W + s;
                                double t1 = gy * (double)L->th[w] * kp, t2 = 2.0 * xv * dvar * s2;
                                g->dx[xi] += t1 + t2;
                                g->mx[xi] += fabs(t1) + fabs(t2);
                            }
                }
}
