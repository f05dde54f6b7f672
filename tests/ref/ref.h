/* Scalar reference twins of the Bayesian per-weight passes and of the optimizers: plain loops in
 * double written from the formulas (no SIMD, no OpenMP, no GMDL_KERNEL clones, no vmath
 * polynomials, no GEMM), for tests/test_reference.c to compare the library's kernels against on
 * awkward sizes. tools/test.sh runs that test once per forced kernel clone, so every SIMD path of
 * the library is compared with these loops.
 *
 * Inputs are the library's float arrays; outputs are double. Next to each output the forward
 * passes give a magnitude `mag` (the sum of the absolute values of the terms that make it up),
 * the scale of the rounding error a float evaluation of the same sum may have (Higham, Accuracy
 * and Stability of Numerical Algorithms, 2nd ed., section 3.1: |fl(sum) - sum| <= gamma_n
 * sum |terms|). Layouts as the library's: dense x [N, D], weights [K, D], y [N, K]; conv x
 * [C, N, H, W] (channel-major), weights [F, C, kh, kw], y [F, N, OH, OW].
 * Noise is an input: eps of sample n is eps + n * (outputs per sample) in the order of its own
 * stream (dense [K]; conv [F, OH, OW]), so the test feeds both sides the same draws. */
#ifndef GMDL_TESTS_REF_H
#define GMDL_TESTS_REF_H

#include <stddef.h>

/* ---------------------------------------------------------------- local reparameterisation */
/* A dense or conv weight-noise layer (bayes/lrt.c): theta, bias, log sigma^2, prune_at. */
typedef struct {
    const float *th, *b, *ls2;
    double prune_at; /* weights with log alpha >= prune_at leave the mean path */
    int N;           /* batch */
    int D, K;        /* dense: inputs, outputs */
    int C, H, W, F, k, stride, pad, OH, OW; /* conv (kh = kw = k) */
} ref_lrt;

/* log alpha = log sigma^2 - log(theta^2 + 1e-8), unclipped, of weight j */
double ref_log_alpha(double th, double ls2);
/* y = x (theta * kept)^T + b + sqrt(x^2 exp(ls2)^T + 1e-8) eps  (eps NULL: the mean path only).
 * y, mag: [N, K] (dense) or [F, N, OH, OW] (conv). */
void ref_lrt_dense_forward(
    const ref_lrt *L, const float *x, const float *eps, double *y, double *mag);
void ref_lrt_conv_forward(
    const ref_lrt *L, const float *x, const float *eps, double *y, double *mag);
/* Gradients of sum(dy * y) of the sampled forward pass with the same eps: dth, dls2 [weights],
 * db [outputs], dx [inputs] (dx may be NULL); each with its magnitude (same shapes). */
typedef struct {
    double *dth, *dls2, *db, *dx;
    double *mth, *mls2, *mb, *mx;
} ref_grads;
void ref_lrt_dense_backward(
    const ref_lrt *L, const float *x, const float *eps, const float *dy, const ref_grads *g);
void ref_lrt_conv_backward(
    const ref_lrt *L, const float *x, const float *eps, const float *dy, const ref_grads *g);

/* ---------------------------------------------------------------- KL terms, per weight */
/* Each returns the KL of one weight (or one group scale) and sets the derivatives by its two
 * parameters (zero where a clip holds the log alpha). The constants are the library's float
 * constants, widened. */
/* sparse VD (Molchanov et al. 2017), log alpha clipped to [-8, 8] */
double ref_kl_svd(double th, double ls2, double *dth, double *dls2);
/* variational dropout (Kingma et al. 2015), log alpha clipped to [-8, 0] */
double ref_kl_vd(double th, double ls2, double *dth, double *dls2);
/* Bayes by backprop: KL(N(th, e^ls2) || N(0, 1)) */
double ref_kl_bbb(double th, double ls2, double *dth, double *dls2);
/* The weights and biases of the group layers: KL(N(mu, e^lv) || N(0, 1)) (the same as bbb's) */
#define ref_kl_gauss ref_kl_bbb
/* KL(LN(mu, e^lv) || Gamma(1/2, rate r)) (inv 0) or InvGamma(1/2, scale r) (inv 1) */
double ref_kl_lognormal(double mu, double lv, int inv, double r, double *dmu, double *dlv);
/* vd's after-step projection: log sigma^2 <= log(theta^2 + 1e-8) */
double ref_vd_clip(double th, double ls2);

/* ---------------------------------------------------------------- group scales (group.c) */
/* A group layer: theta, bias, weight and bias log variances, and the scale moments ga, gb per
 * group (z = ga + gb xi, or exp(ga + gb xi) when log_scale). */
typedef struct {
    const float *th, *b, *wlv, *blv;
    const double *ga, *gb; /* [groups] */
    int log_scale;
    int N, D, K;                            /* dense: groups = D input units */
    int C, H, W, F, k, stride, pad, OH, OW; /* conv: groups = F filters */
} ref_group;

/* Moments of the group scales of the normal-Jeffreys prior (z_mu, z_logvar [G]) and of the
 * horseshoe (z_scales [4, G], s_scales [4]) into ga, gb [G]; the mean E[z] into ez [G]. */
void ref_gnj_moments(const float *zmu, const float *zlv, int G, double *ga, double *gb, double *ez);
void ref_ghs_moments(const float *zs, const float *ss, int G, double *ga, double *gb, double *ez);
/* Sampled forward pass with scale noise xi [N, G] and output noise eps as above; ez (not NULL):
 * the mean pass with weights E[z] theta instead (xi, eps unused). */
void ref_group_dense_forward(const ref_group *L,
                             const float *x,
                             const float *xi,
                             const float *eps,
                             const double *ez,
                             double *y,
                             double *mag);
void ref_group_conv_forward(const ref_group *L,
                            const float *x,
                            const float *xi,
                            const float *eps,
                            const double *ez,
                            double *y,
                            double *mag);
/* Gradients of sum(dy * y): the layer's own four tensors (dth, db, dwlv -> g->dls2, dblv ->
 * dblv), dx, and per group dL/dga and dL/dgb (the scale parameters' gradients follow from the
 * moments by the chain rule: ref_gnj_chain, ref_ghs_chain). */
typedef struct {
    ref_grads w;         /* dth, dls2 (= d weight_logvar), db, dx and magnitudes */
    double *dblv, *mblv; /* [outputs] */
    double *dga, *dgb;   /* [groups] */
    double *mga, *mgb;   /* magnitudes */
} ref_group_grads;
void ref_group_dense_backward(const ref_group *L,
                              const float *x,
                              const float *xi,
                              const float *eps,
                              const float *dy,
                              const ref_group_grads *g);
void ref_group_conv_backward(const ref_group *L,
                             const float *x,
                             const float *xi,
                             const float *eps,
                             const float *dy,
                             const ref_group_grads *g);
/* dL/d(scale parameters) from dL/dga, dL/dgb: gnj into dzmu, dzlv [G]; ghs into dzs [4, G] and
 * dss [4] (accumulated) */
void ref_gnj_chain(
    const float *zlv, int G, const double *dga, const double *dgb, double *dzmu, double *dzlv);
void ref_ghs_chain(const float *zs,
                   const float *ss,
                   int G,
                   const double *dga,
                   const double *dgb,
                   double *dzs,
                   double *dss);

/* ---------------------------------------------------------------- optimizers */
/* One Adam step (Kingma & Ba, bias-corrected as torch.optim.Adam; weight decay added to the
 * gradient) of element values p, g, m, v at step t (1-based) into *p1, *m1, *v1. */
void ref_adam(double p,
              double g,
              double m,
              double v,
              double lr,
              double b1,
              double b2,
              double eps,
              double wd,
              unsigned long long t,
              double *p1,
              double *m1,
              double *v1);
/* One SGD step with momentum (torch.optim.SGD, dampening 0): buf = mu buf + g + wd p; p -= lr
 * buf. */
void ref_sgd(
    double p, double g, double buf, double lr, double mu, double wd, double *p1, double *buf1);

/* The learning rate of schedule 0 constant, 1 cosine, 2 linear, 3 constant-linear (as
 * gmdl_lr_schedule) at step t of `steps` in epoch e (0-based) of a run of E epochs, and the KL
 * weight of epoch e under a warm-up that starts at epoch `start` and lasts `len` epochs
 * (gmdl_train_config's definitions). */
double ref_lr(int schedule, double lr, int e, int E, int t, int steps);
double ref_kl_weight(int e, int start, int len);

#endif
