/* Scalar twins of the group-scale layers of bayes/group.c with the normal-Jeffreys (gnj.c) and
 * horseshoe (ghs.c) priors; see ref.h. With the scale z of group g drawn as z = ga + gb xi (gnj)
 * or exp(ga + gb xi) (ghs), and w = z w~, q(w~) = N(theta, exp(weight_logvar)):
 *   dense:  x~ = x z (per input unit),  y = x~ theta^T + b + sqrt(x~^2 S^T + Sb + 1e-8) eps,
 *   conv:   a = theta * x, v = S * x^2 (convolutions), y = z a + b + sqrt(z^2 v + Sb + 1e-8) eps
 *           (z per example and filter),
 *   mean pass: weights E[z] theta, no noise;
 * S = exp(weight_logvar), Sb = exp(bias_logvar). Gradients of sum(dy y) by the chain rule, with
 * dvar = dy eps / (2 sd); the scale parameters' by ref_gnj_chain / ref_ghs_chain. */
#include <math.h>
#include <string.h>

#include "ref/ref.h"

/* ---------------------------------------------------------------- moments */
void ref_gnj_moments(
    const float *zmu, const float *zlv, int G, double *ga, double *gb, double *ez) {
    for (int g = 0; g < G; g++) {
        ga[g] = zmu[g];
        gb[g] = sqrt(exp((double)zlv[g])); /* the standard deviation of N(z_mu, e^z_logvar) */
        ez[g] = zmu[g];
    }
}

/* log(z_g s) = (log a_g + log b_g + log s_a + log s_b) / 2, each log-normal: mean and variance
 * of the sum of the four independent Gaussians, halved */
void ref_ghs_moments(const float *zs, const float *ss, int G, double *ga, double *gb, double *ez) {
    for (int g = 0; g < G; g++) {
        double m = 0.5 * ((double)zs[g] + (double)zs[2 * G + g] + (double)ss[0] + (double)ss[2]);
        double v = 0.25 * (exp((double)zs[G + g]) + exp((double)zs[3 * G + g]) +
                           exp((double)ss[1]) + exp((double)ss[3]));
        ga[g] = m;
        gb[g] = sqrt(v);
        ez[g] = exp(m + 0.5 * v); /* the mean of a log-normal */
    }
}

void ref_gnj_chain(
    const float *zlv, int G, const double *dga, const double *dgb, double *dzmu, double *dzlv) {
    for (int g = 0; g < G; g++) {
        dzmu[g] = dga[g];
        dzlv[g] = dgb[g] * 0.5 * exp(0.5 * (double)zlv[g]); /* d e^(lv/2) / d lv */
    }
}

void ref_ghs_chain(const float *zs,
                   const float *ss,
                   int G,
                   const double *dga,
                   const double *dgb,
                   double *dzs,
                   double *dss) {
    for (int g = 0; g < G; g++) {
        double v = 0.25 * (exp((double)zs[G + g]) + exp((double)zs[3 * G + g]) +
                           exp((double)ss[1]) + exp((double)ss[3]));
        double dv = dgb[g] / (2.0 * sqrt(v)); /* gb = sqrt(v) */
        dzs[g] += 0.5 * dga[g];
        dzs[2 * G + g] += 0.5 * dga[g];
        dzs[G + g] += dv * 0.25 * exp((double)zs[G + g]);
        dzs[3 * G + g] += dv * 0.25 * exp((double)zs[3 * G + g]);
        dss[0] += 0.5 * dga[g];
        dss[2] += 0.5 * dga[g];
        dss[1] += dv * 0.25 * exp((double)ss[1]);
        dss[3] += dv * 0.25 * exp((double)ss[3]);
    }
}

/* the scale z of group g for noise xi, and the size of its exponent (rounding scale) */
static double zval(const ref_group *L, int g, double xi, double *expo) {
    double t = L->ga[g] + L->gb[g] * xi;
    *expo = L->log_scale ? 1.0 + fabs(L->ga[g]) + fabs(L->gb[g] * xi) : 1.0;
    return L->log_scale ? exp(t) : t;
}

/* ---------------------------------------------------------------- dense */
void ref_group_dense_forward(const ref_group *L,
                             const float *x,
                             const float *xi,
                             const float *eps,
                             const double *ez,
                             double *y,
                             double *mag) {
    const int D = L->D, K = L->K;
    for (int n = 0; n < L->N; n++)
        for (int k = 0; k < K; k++) {
            double mean = L->b[k], m = fabs((double)L->b[k]), var = exp((double)L->blv[k]);
            double emax = 1.0;
            for (int d = 0; d < D; d++) {
                size_t j = (size_t)k * D + d;
                double xv = x[(size_t)n * D + d], e = 1.0, z;
                z = ez ? ez[d] : zval(L, d, xi[(size_t)n * D + d], &e);
                mean += xv * z * (double)L->th[j];
                m += fabs(xv * z * (double)L->th[j]) * e;
                var += xv * z * xv * z * exp((double)L->wlv[j]);
                emax = fmax(emax, e);
            }
            if (!ez) { /* the variance's error, halved by the square root, in units of sd */
                double sd = sqrt(var + 1e-8), ev = eps[(size_t)n * K + k];
                mean += sd * ev;
                m += fabs(sd * ev) * 2.0 * emax;
            }
            y[(size_t)n * K + k] = mean;
            mag[(size_t)n * K + k] = m;
        }
}

static void zero(double *p, double *m, size_t n) {
    if (p)
        memset(p, 0, n * sizeof(double));
    if (m)
        memset(m, 0, n * sizeof(double));
}

static void zero_all(const ref_group_grads *g, size_t nw, size_t nb, size_t nx, size_t G) {
    zero(g->w.dth, g->w.mth, nw);
    zero(g->w.dls2, g->w.mls2, nw);
    zero(g->w.db, g->w.mb, nb);
    zero(g->dblv, g->mblv, nb);
    zero(g->w.dx, g->w.mx, nx);
    zero(g->dga, g->mga, G);
    zero(g->dgb, g->mgb, G);
}

void ref_group_dense_backward(const ref_group *L,
                              const float *x,
                              const float *xi,
                              const float *eps,
                              const float *dy,
                              const ref_group_grads *g) {
    const int N = L->N, D = L->D, K = L->K;
    zero_all(g, (size_t)K * D, (size_t)K, (size_t)N * D, (size_t)D);
    for (int n = 0; n < N; n++) {
        for (int k = 0; k < K; k++) {
            double var = exp((double)L->blv[k]), e;
            for (int d = 0; d < D; d++) {
                double xt = (double)x[(size_t)n * D + d] * zval(L, d, xi[(size_t)n * D + d], &e);
                var += xt * xt * exp((double)L->wlv[(size_t)k * D + d]);
            }
            size_t o = (size_t)n * K + k;
            double gy = dy[o], dvar = gy * (double)eps[o] / (2.0 * sqrt(var + 1e-8));
            double sb = exp((double)L->blv[k]);
            g->w.db[k] += gy;
            g->w.mb[k] += fabs(gy);
            g->dblv[k] += dvar * sb;
            g->mblv[k] += fabs(dvar * sb);
            for (int d = 0; d < D; d++) {
                size_t j = (size_t)k * D + d, i = (size_t)n * D + d;
                double xv = x[i], z = zval(L, d, xi[i], &e), xt = xv * z;
                double s = exp((double)L->wlv[j]), th = L->th[j];
                g->w.dth[j] += gy * xt;
                g->w.mth[j] += fabs(gy * xt) * e;
                g->w.dls2[j] += dvar * xt * xt * s;
                g->w.mls2[j] += fabs(dvar * xt * xt * s) * e;
                /* dL/dx~ = dy theta + 2 x~ dvar S; x~ = x z */
                double t1 = gy * th, t2 = 2.0 * xt * dvar * s;
                double mt = (fabs(t1) + fabs(t2)) * e;
                g->w.dx[i] += (t1 + t2) * z;
                g->w.mx[i] += mt * fabs(z);
                /* dL/dz = dL/dx~ x; dz/dt = z (log scale) or 1; t = ga + gb xi */
                double dt = (t1 + t2) * xv * (L->log_scale ? z : 1.0);
                double mdt = mt * fabs(xv * (L->log_scale ? z : 1.0));
                g->dga[d] += dt;
                g->mga[d] += mdt;
                g->dgb[d] += dt * (double)xi[i];
                g->mgb[d] += mdt * fabs((double)xi[i]);
            }
        }
    }
}

/* ---------------------------------------------------------------- conv2d */
static double pixel(const ref_group *L, const float *x, int c, int n, int r, int s) {
    if (r < 0 || r >= L->H || s < 0 || s >= L->W)
        return 0.0;
    return x[(((size_t)c * L->N + n) * L->H + r) * L->W + s];
}

static size_t wix(const ref_group *L, int f, int c, int i, int j) {
    return (((size_t)f * L->C + c) * L->k + i) * L->k + j;
}

/* a = theta * x, its magnitude, and v = S * x^2 at output (f, n, oh, ow) */
static void conv_av(const ref_group *L,
                    const float *x,
                    int f,
                    int n,
                    int oh,
                    int ow,
                    double *a,
                    double *ma,
                    double *v) {
    *a = *ma = *v = 0.0;
    for (int c = 0; c < L->C; c++)
        for (int i = 0; i < L->k; i++)
            for (int j = 0; j < L->k; j++) {
                size_t w = wix(L, f, c, i, j);
                double xv =
                    pixel(L, x, c, n, oh * L->stride - L->pad + i, ow * L->stride - L->pad + j);
                *a += xv * (double)L->th[w];
                *ma += fabs(xv * (double)L->th[w]);
                *v += xv * xv * exp((double)L->wlv[w]);
            }
}

void ref_group_conv_forward(const ref_group *L,
                            const float *x,
                            const float *xi,
                            const float *eps,
                            const double *ez,
                            double *y,
                            double *mag) {
    const size_t Q = (size_t)L->OH * L->OW;
    for (int f = 0; f < L->F; f++)
        for (int n = 0; n < L->N; n++) {
            double e = 1.0, z = ez ? ez[f] : zval(L, f, xi[(size_t)n * L->F + f], &e);
            for (int oh = 0; oh < L->OH; oh++)
                for (int ow = 0; ow < L->OW; ow++) {
                    double a, ma, v;
                    conv_av(L, x, f, n, oh, ow, &a, &ma, &v);
                    size_t q = (size_t)oh * L->OW + ow, o = ((size_t)f * L->N + n) * Q + q;
                    double out = z * a + (double)L->b[f],
                           m = fabs(z) * ma * e + fabs((double)L->b[f]);
                    if (!ez) {
                        double sd = sqrt(z * z * v + exp((double)L->blv[f]) + 1e-8);
                        double ev = eps[(size_t)n * L->F * Q + (size_t)f * Q + q];
                        out += sd * ev;
                        m += fabs(sd * ev) * 2.0 * e;
                    }
                    y[o] = out;
                    mag[o] = m;
                }
        }
}

void ref_group_conv_backward(const ref_group *L,
                             const float *x,
                             const float *xi,
                             const float *eps,
                             const float *dy,
                             const ref_group_grads *g) {
    const size_t Q = (size_t)L->OH * L->OW, nw = (size_t)L->F * L->C * L->k * L->k;
    zero_all(g, nw, (size_t)L->F, (size_t)L->C * L->N * L->H * L->W, (size_t)L->F);
    for (int f = 0; f < L->F; f++)
        for (int n = 0; n < L->N; n++) {
            double e, xiv = xi[(size_t)n * L->F + f], z = zval(L, f, xiv, &e);
            double sb = exp((double)L->blv[f]), dz = 0.0, mdz = 0.0;
            for (int oh = 0; oh < L->OH; oh++)
                for (int ow = 0; ow < L->OW; ow++) {
                    double a, ma, v;
                    conv_av(L, x, f, n, oh, ow, &a, &ma, &v);
                    size_t q = (size_t)oh * L->OW + ow, o = ((size_t)f * L->N + n) * Q + q;
                    double gy = dy[o], ev = eps[(size_t)n * L->F * Q + (size_t)f * Q + q];
                    double dvar = gy * ev / (2.0 * sqrt(z * z * v + sb + 1e-8));
                    g->w.db[f] += gy;
                    g->w.mb[f] += fabs(gy);
                    g->dblv[f] += dvar * sb;
                    g->mblv[f] += fabs(dvar * sb) * e;
                    dz += gy * a + dvar * 2.0 * z * v;
                    mdz += (fabs(gy) * ma + fabs(dvar * 2.0 * z * v)) * e;
                    for (int c = 0; c < L->C; c++)
                        for (int i = 0; i < L->k; i++)
                            for (int j = 0; j < L->k; j++) {
                                int r = oh * L->stride - L->pad + i,
                                    s = ow * L->stride - L->pad + j;
                                size_t w = wix(L, f, c, i, j);
                                double xv = pixel(L, x, c, n, r, s), sw = exp((double)L->wlv[w]);
                                g->w.dth[w] += gy * z * xv;
                                g->w.mth[w] += fabs(gy * z * xv) * e;
                                g->w.dls2[w] += dvar * z * z * xv * xv * sw;
                                g->w.mls2[w] += fabs(dvar * z * z * xv * xv * sw) * e;
                                if (!g->w.dx || r < 0 || r >= L->H || s < 0 || s >= L->W)
                                    continue;
                                size_t xi_ = (((size_t)c * L->N + n) * L->H + r) * L->W + s;
                                double t1 = gy * z * (double)L->th[w];
                                double t2 = 2.0 * xv * dvar * z * z * sw;
                                g->w.dx[xi_] += t1 + t2;
                                g->w.mx[xi_] += (fabs(t1) + fabs(t2)) * e;
                            }
                }
            double dt = dz * (L->log_scale ? z : 1.0), mdt = mdz * (L->log_scale ? fabs(z) : 1.0);
            g->dga[f] += dt;
            g->mga[f] += mdt;
            g->dgb[f] += dt * xiv;
            g->mgb[f] += mdt * fabs(xiv);
        }
}
