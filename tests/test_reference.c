/* The library's Bayesian per-weight passes and optimizers against their scalar reference twins
 * (tests/ref/): the local reparameterisation forward (mean and variance paths, noise
 * application) and backward of bayes/lrt.c, dense and conv; the KL terms and gradients of svd,
 * vd, bbb; the log alpha, its clip and the training mask; vd's after-step clip; the group layers
 * of group.c with the gnj and ghs priors (moments, forward, backward, KL); Adam and SGD; the
 * learning-rate schedules and the KL warm-up. Sizes are awkward on purpose (1, primes, tails
 * after blocks of 8 and 16, and one layer past the 16384 weights where the passes split over
 * threads). Both sides get the same noise: the test draws it
 * from the stream the layer uses (draw_eps_sample, bayes_internal.h).
 *
 * Tolerances. Each output is compared as |library - twin| <= c u mag with u = 2^-24 and mag the
 * sum of the absolute values of the terms that make up the output (the twin computes it): a float
 * sum of n terms is within gamma_n sum |terms| ~ n u mag of the exact one (Higham 2002, 3.1),
 * FMA contraction and the order of the sums (GEMM blocking, threads, SIMD lanes) included, and
 * the vmath exp/log (2 ulp) add a few u per term. So c is the length of the longest chain of
 * roundings that feeds the output plus a margin of 16: D + 16 for a dense output over D inputs,
 * and for the backward passes (whose dL/dvar carries the forward variance's error) the sum of
 * the dimensions involved plus 16. Real errors are about sqrt(n) u mag; a wrong index, mask,
 * sign or constant gives errors of order mag, a million times the bound. The largest ratio seen
 * for each kind of check is printed ("max err / (u mag)"). */
#include "bayes/group.h"
#include "bayes/lrt.h"
#include "gradcheck.h"
#include "harness.h"
#include "model/model_internal.h"
#include "nn/optim.h"
#include "ref/ref.h"

#define U 5.9604644775390625e-08 /* 2^-24, the unit roundoff of float */

static gmdl_rng R;

static void fill(float *x, size_t n, double mu, double sd) {
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(mu + sd * gmdl_rng_normal(&R));
}

static double *dalloc(size_t n) {
    double *p = calloc(n ? n : 1, sizeof(double));
    GMDL_ASSERT(p);
    return p;
}

static float *falloc(size_t n) {
    float *p = calloc(n ? n : 1, sizeof(float));
    GMDL_ASSERT(p);
    return p;
}

/* ---------------------------------------------------------------- comparison */
/* The largest |lib - ref| / (u mag) seen per kind of check, printed at the end. */
enum { MAXK = 32 };
static struct {
    const char *kind;
    double ratio, absdiff, used; /* used: the largest ratio / its bound */
} worst[MAXK];
static int nworst;

static void note(const char *kind, double ratio, double absdiff, double bound) {
    int i = 0;
    while (i < nworst && strcmp(worst[i].kind, kind) != 0)
        i++;
    if (i == nworst) {
        GMDL_ASSERT(nworst < MAXK);
        worst[nworst++].kind = kind;
    }
    if (ratio > worst[i].ratio)
        worst[i].ratio = ratio;
    if (absdiff > worst[i].absdiff)
        worst[i].absdiff = absdiff;
    if (bound > 0.0 && ratio / bound > worst[i].used)
        worst[i].used = ratio / bound;
}

/* lib[i] - base[i] (base may be NULL: 0) against ref[i] within c u mag[i]; where a base was
 * added, its size and the result's join mag (the rounding of the addition). */
static int cmp_al(const char *kind,
                  const char *what,
                  const float *lib,
                  const float *base,
                  const double *ref,
                  const double *mag,
                  const double *allow,
                  size_t n,
                  double c) {
    double worst_ratio = 0.0, worst_abs = 0.0;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        double b = base ? (double)base[i] : 0.0, got = (double)lib[i] - b;
        double m = mag[i] + (base ? fabs(b) + fabs((double)lib[i]) : 0.0);
        double a = allow ? allow[i] : 0.0, d = fabs(got - ref[i]);
        if (!isfinite(got) || !(d <= c * U * m + a)) {
            if (bad < 3)
                fprintf(stderr, "  %s %s[%zu]: library %.9g twin %.9g (|diff| %.3g, bound %.3g)\n",
                        kind, what, i, got, ref[i], d, c * U * m + a);
            bad++;
        }
        if (d > worst_abs)
            worst_abs = d;
        if (d > a && (d - a) / (U * m + 1e-300) > worst_ratio)
            worst_ratio = (d - a) / (U * m + 1e-300);
    }
    note(kind, worst_ratio, worst_abs, c);
    CHECK(bad == 0);
    return bad;
}

static int cmp_ex(const char *kind,
                  const char *what,
                  const float *lib,
                  const float *base,
                  const double *ref,
                  const double *mag,
                  size_t n,
                  double c) {
    return cmp_al(kind, what, lib, base, ref, mag, NULL, n, c);
}

static int cmp(const char *kind,
               const char *what,
               const float *lib,
               const double *ref,
               const double *mag,
               size_t n,
               double c) {
    return cmp_al(kind, what, lib, NULL, ref, mag, NULL, n, c);
}

/* ---------------------------------------------------------------- test parameters */
/* log sigma^2 spread so that log alpha covers [-12, 12]: clipped below -8, kept, masked (>= 3),
 * clipped above 8; none within 1e-3 of a threshold (-8, 0, 3, 8), where float and double could
 * fall on different sides. A few weights are exactly 0 or tiny (log alpha from the 1e-8). */
static void spread_lrt(float *th, float *ls2, size_t n) {
    const double thr[4] = {-8.0, 0.0, 3.0, 8.0};
    for (size_t j = 0; j < n; j++) {
        if (j % 97 == 5)
            th[j] = 0.0f;
        else if (j % 89 == 7)
            th[j] = 3e-5f;
        double la = -12.0 + 24.0 * gmdl_rng_uniform(&R);
        ls2[j] = (float)(la + log((double)th[j] * (double)th[j] + 1e-8));
        for (int t = 0; t < 4; t++)
            while (fabs(ref_log_alpha(th[j], ls2[j]) - thr[t]) < 1e-3)
                ls2[j] += 0.01f;
    }
}

static void copy_grads(const gmdl__layer *l, float **save) {
    for (int j = 0; j < l->nparams; j++) {
        save[j] = falloc(l->param[j].count);
        memcpy(save[j], l->param[j].g, l->param[j].count * sizeof(float));
    }
}

static void free_grads(const gmdl__layer *l, float **save) {
    for (int j = 0; j < l->nparams; j++)
        free(save[j]);
}

/* ---------------------------------------------------------------- lrt: forward, backward */
typedef struct {
    ref_grads g;
    size_t nw, nb, nx;
} grads_t;

static grads_t grads_new(size_t nw, size_t nb, size_t nx) {
    grads_t a = {{dalloc(nw), dalloc(nw), dalloc(nb), dalloc(nx), dalloc(nw), dalloc(nw),
                  dalloc(nb), dalloc(nx)},
                 nw,
                 nb,
                 nx};
    return a;
}

static void grads_free(grads_t *a) {
    double *p[8] = {a->g.dth, a->g.dls2, a->g.db, a->g.dx, a->g.mth, a->g.mls2, a->g.mb, a->g.mx};
    for (int i = 0; i < 8; i++)
        free(p[i]);
}

/* The noise the layer draws for this call, sample by sample from its stream. */
static float *draw_noise(const gmdl__fwd *a, int layer, int n, size_t per) {
    float *eps = falloc((size_t)n * per);
    for (int i = 0; i < n; i++)
        draw_eps_sample(a, layer, i, eps + (size_t)i * per, per);
    return eps;
}

/* log alpha in the workspace (bayes/lrt.c: after wm and s2) against the twin: its float error
 * is a few u of |ls2| + |log(theta^2 + 1e-8)| (two roundings, logf's 2 ulp) */
static void check_log_alpha(gmdl__layer *l) {
    const size_t n = l->param[GMDL__LRT_W].count;
    const float *th = l->param[GMDL__LRT_W].p, *ls2 = l->param[GMDL__LRT_LS2].p;
    double *ref = dalloc(n), *mag = dalloc(n);
    for (size_t j = 0; j < n; j++) {
        ref[j] = ref_log_alpha(th[j], ls2[j]);
        mag[j] = 1.0 + fabs((double)ls2[j]) + fabs(log((double)th[j] * (double)th[j] + 1e-8));
    }
    cmp("log alpha", l->name, l->work + 2 * n, ref, mag, n, 8.0);
    free(ref);
    free(mag);
}

/* One dense or conv lrt layer: mean pass, sampled pass, backward (accumulating and
 * overwriting dx), against the twins. */
static void lrt_layer(gmdl__layer *l, const ref_lrt *L, int conv) {
    const int N = L->N;
    const size_t nin = (size_t)N * l->in_size, nout = (size_t)N * l->out_size;
    const size_t nw = l->param[GMDL__LRT_W].count, nb = l->param[GMDL__LRT_B].count;
    const size_t per = l->out_size, depth = conv ? (size_t)L->C * L->k * L->k : (size_t)L->D;
    float *x = falloc(nin), *y = falloc(nout), *dy = falloc(nout), *dx = falloc(nin);
    float *dx0 = falloc(nin);
    double *yr = dalloc(nout), *mag = dalloc(nout);
    fill(x, nin, 0.0, 1.0);
    void (*fwd)(const ref_lrt *, const float *, const float *, double *, double *) =
        conv ? ref_lrt_conv_forward : ref_lrt_dense_forward;
    /* mean pass (EVAL_MEAN): the masked means only */
    gmdl__fwd am = {x, y, N, GMDL_MODE_EVAL_MEAN, 5, 0};
    l->ops->forward(l, &am);
    fwd(L, x, NULL, yr, mag);
    cmp("lrt forward mean", l->name, y, yr, mag, nout, (double)depth + 16.0);
    check_log_alpha(l);
    /* sampled pass (TRAIN): same noise to the twin */
    gmdl__fwd at = {x, y, N, GMDL_MODE_TRAIN, 77, 12};
    l->ops->forward(l, &at);
    float *eps = draw_noise(&at, l->index, N, per);
    fwd(L, x, eps, yr, mag);
    cmp("lrt forward sampled", l->name, y, yr, mag, nout, (double)depth + 16.0);
    /* backward: param grads accumulate onto what is there, dx accumulates (1) or is set (0) */
    fill(dy, nout, 0.0, 1.0);
    fill(dx0, nin, 0.0, 1.0);
    memcpy(dx, dx0, nin * sizeof(float));
    for (int j = 0; j < l->nparams; j++)
        fill(l->param[j].g, l->param[j].count, 0.0, 0.1);
    float *g0[GMDL__MAX_PARAMS];
    copy_grads(l, g0);
    gmdl__bwd b = {x, y, dy, dx, N, 1};
    l->ops->backward(l, &b);
    grads_t r = grads_new(nw, nb, nin);
    (conv ? ref_lrt_conv_backward : ref_lrt_dense_backward)(L, x, eps, dy, &r.g);
    const double cb = (double)depth + (double)N * per / nb + (double)per + 16.0;
    cmp_ex("lrt backward dtheta", l->name, l->param[GMDL__LRT_W].g, g0[GMDL__LRT_W], r.g.dth,
           r.g.mth, nw, cb);
    cmp_ex("lrt backward dls2", l->name, l->param[GMDL__LRT_LS2].g, g0[GMDL__LRT_LS2], r.g.dls2,
           r.g.mls2, nw, cb);
    cmp_ex("lrt backward dbias", l->name, l->param[GMDL__LRT_B].g, g0[GMDL__LRT_B], r.g.db, r.g.mb,
           nb, cb);
    cmp_ex("lrt backward dx", l->name, dx, dx0, r.g.dx, r.g.mx, nin, cb);
    /* overwrite: dx is set whatever it held (backward consumes the cached std: forward again) */
    l->ops->forward(l, &at);
    for (size_t i = 0; i < nin; i++)
        dx[i] = NAN;
    gmdl__bwd b0 = {x, y, dy, dx, N, 0};
    l->ops->backward(l, &b0);
    cmp("lrt backward dx", l->name, dx, r.g.dx, r.g.mx, nin, cb);
    free_grads(l, g0);
    grads_free(&r);
    free(eps);
    free(x);
    free(y);
    free(dy);
    free(dx);
    free(dx0);
    free(yr);
    free(mag);
}

static ref_lrt lrt_of(const gmdl__layer *l, double prune_at, int N) {
    ref_lrt L;
    memset(&L, 0, sizeof L);
    L.th = l->param[GMDL__LRT_W].p;
    L.b = l->param[GMDL__LRT_B].p;
    L.ls2 = l->param[GMDL__LRT_LS2].p;
    L.prune_at = prune_at;
    L.N = N;
    L.D = (int)l->in_size;
    L.K = l->units;
    L.C = l->in_c;
    L.H = l->in_h;
    L.W = l->in_w;
    L.F = l->units;
    L.k = l->kh;
    L.stride = l->stride;
    L.pad = l->pad;
    L.OH = l->out_h;
    L.OW = l->out_w;
    return L;
}

/* ---------------------------------------------------------------- lrt: KL terms */
typedef double (*ref_kl_fn)(double, double, double *, double *);

/* The layer's KL (after a forward pass) against the twin: each weight's value, the total, and
 * scale x the gradients added to what the gradients held. Tolerance: the library's log alpha is
 * within d = 4u (1 + |ls2| + |log(theta^2 + 1e-8)|) (check_log_alpha), the fits' slopes in log
 * alpha are below 1, and exp/log1p/sigmoid add a few u of each term: 16u (1 + |KL| + |ls2| +
 * |log t2|) for a value and dKL/dls2, times |dla/dtheta| for dKL/dtheta. The total adds the
 * float partial sums of block_sum (16 lanes over blocks of 4096). */
static void lrt_kl(gmdl__layer *l, ref_kl_fn fn, double scale) {
    const size_t n = l->param[GMDL__LRT_W].count;
    const float *th = l->param[GMDL__LRT_W].p, *ls2 = l->param[GMDL__LRT_LS2].p;
    for (int j = 0; j < l->nparams; j++)
        fill(l->param[j].g, l->param[j].count, 0.0, 0.1);
    float *g0[GMDL__MAX_PARAMS];
    copy_grads(l, g0);
    double total = l->ops->kl(l, scale);
    double *v = dalloc(n), *dth = dalloc(n), *dls2 = dalloc(n), *mv = dalloc(n), *mth = dalloc(n),
           *mls2 = dalloc(n);
    double want = 0.0, tol = 0.0, absum = 0.0;
    for (size_t j = 0; j < n; j++) {
        double t = th[j], s = ls2[j], t2 = t * t + 1e-8;
        v[j] = fn(t, s, &dth[j], &dls2[j]);
        dth[j] *= scale;
        dls2[j] *= scale;
        double cond = 1.0 + fabs(s) + fabs(log(t2)) + (fn == ref_kl_bbb ? exp(s) + t * t : 0.0);
        mv[j] = cond + fabs(v[j]);
        mls2[j] = fabs(scale) * cond + fabs(dls2[j]);
        mth[j] = fn == ref_kl_bbb ? fabs(dth[j]) + fabs(scale * t)
                                  : mls2[j] * 2.0 * fabs(t) / t2 + fabs(dth[j]);
        want += v[j];
        tol += 16.0 * U * mv[j];
        absum += fabs(v[j]);
    }
    cmp("kl value", l->name, gmdl__lrt_kl_values(l), v, mv, n, 16.0);
    cmp_ex("kl dtheta", l->name, l->param[GMDL__LRT_W].g, g0[GMDL__LRT_W], dth, mth, n, 16.0);
    cmp_ex("kl dls2", l->name, l->param[GMDL__LRT_LS2].g, g0[GMDL__LRT_LS2], dls2, mls2, n, 16.0);
    for (size_t i = 0; i < l->param[GMDL__LRT_B].count; i++) /* the bias has no KL */
        CHECK(l->param[GMDL__LRT_B].g[i] == g0[GMDL__LRT_B][i]);
    tol += ((double)(n < 4096 ? n : 4096) / 16.0 + 2.0) * U * absum;
    CHECK_NEAR(total, want, tol, 0.0);
    note("kl total", fabs(total - want) / (U * (absum + 1.0)), fabs(total - want),
         tol / (U * (absum + 1.0)));
    free_grads(l, g0);
    free(v);
    free(dth);
    free(dls2);
    free(mv);
    free(mth);
    free(mls2);
}

/* The twins' derivatives against central differences of their own values, in double. */
static void twin_derivatives(const char *what, ref_kl_fn fn, double lo, double hi) {
    int bad = 0;
    for (int i = 0; i < 400; i++) {
        double th = (i % 2 ? 1.0 : -1.0) * exp(-6.0 + 7.0 * gmdl_rng_uniform(&R));
        double ls2 = log(th * th) + lo + (hi - lo) * gmdl_rng_uniform(&R), d1, d2, e1, e2;
        double f = fabs(fn(th, ls2, &d1, &d2));
        double h1 = 1e-6 * fabs(th), h2 = 1e-6;
        /* truncation (h^2 f''') and cancellation (f's rounding / h) of the differences */
        double t1 = 1e-6 * (1.0 + fabs(d1)) + 4e-16 * f / h1,
               t2 = 1e-6 * (1.0 + fabs(d2)) + 4e-16 * f / h2;
        double n1 = (fn(th + h1, ls2, &e1, &e2) - fn(th - h1, ls2, &e1, &e2)) / (2.0 * h1);
        double n2 = (fn(th, ls2 + h2, &e1, &e2) - fn(th, ls2 - h2, &e1, &e2)) / (2.0 * h2);
        double la = ref_log_alpha(th, ls2);
        if (fabs(la + 8.0) < 1e-3 || fabs(la) < 1e-3 || fabs(la - 8.0) < 1e-3)
            continue; /* on a clip */
        if (!(fabs(n1 - d1) <= t1) || !(fabs(n2 - d2) <= t2)) {
            if (bad++ < 3)
                fprintf(stderr, "  twin %s: d/dth %.9g vs %.9g, d/dls2 %.9g vs %.9g\n", what, d1,
                        n1, d2, n2);
        }
    }
    CHECK(bad == 0);
}

/* vd's after-step projection: log sigma^2 <= log(theta^2 + 1e-8); unclipped values untouched. */
static void vd_clip(gmdl__layer *l) {
    const size_t n = l->param[GMDL__LRT_W].count;
    float *ls2 = l->param[GMDL__LRT_LS2].p;
    const float *th = l->param[GMDL__LRT_W].p;
    float *before = falloc(n);
    memcpy(before, ls2, n * sizeof(float));
    l->ops->after_step(l);
    double *ref = dalloc(n), *mag = dalloc(n);
    int same = 1;
    for (size_t j = 0; j < n; j++) {
        ref[j] = ref_vd_clip(th[j], before[j]);
        mag[j] = 1.0 + fabs(ref[j]);
        if (ref[j] == (double)before[j] && ref_log_alpha(th[j], before[j]) < -1e-3)
            same &= ls2[j] == before[j];
    }
    cmp("vd clip", l->name, ls2, ref, mag, n, 8.0);
    CHECK(same);
    free(before);
    free(ref);
    free(mag);
}

typedef struct {
    const char *name;
    const gmdl__layer_ops *dense, *conv;
    double prune_at;
    ref_kl_fn kl;
} lrt_method;

static void lrt_dense_case(const lrt_method *m, int D, int K, int N) {
    gmdl__layer l = gc_make_layer(m->dense, D, 1, 1, K, 0, 1, 0, 0.0f, N, &R);
    snprintf(l.name, sizeof l.name, "%s_dense_%dx%dx%d", m->name, N, D, K);
    spread_lrt(l.param[GMDL__LRT_W].p, l.param[GMDL__LRT_LS2].p, l.param[GMDL__LRT_W].count);
    ref_lrt L = lrt_of(&l, m->prune_at, N);
    lrt_layer(&l, &L, 0);
    lrt_kl(&l, m->kl, 0.37);
    if (l.ops->after_step)
        vd_clip(&l);
    gc_free_layer(&l);
}

static void lrt_conv_case(const lrt_method *m, const int *s) {
    gmdl__layer l =
        gc_make_layer(m->conv, s[0], s[1], s[2], s[3], s[4], s[5], s[6], 0.0f, s[7], &R);
    snprintf(l.name, sizeof l.name, "%s_conv_%d", m->name, s[3]);
    spread_lrt(l.param[GMDL__LRT_W].p, l.param[GMDL__LRT_LS2].p, l.param[GMDL__LRT_W].count);
    ref_lrt L = lrt_of(&l, m->prune_at, s[7]);
    lrt_layer(&l, &L, 1);
    lrt_kl(&l, m->kl, 1.0);
    if (l.ops->after_step)
        vd_clip(&l);
    gc_free_layer(&l);
}

static void check_lrt(void) {
    const lrt_method ms[3] = {
        {"svd", &gmdl__svd_dense_ops, &gmdl__svd_conv2d_ops, 3.0, ref_kl_svd},
        {"vd", &gmdl__vd_dense_ops, &gmdl__vd_conv2d_ops, INFINITY, ref_kl_vd},
        {"bbb", &gmdl__bbb_dense_ops, &gmdl__bbb_conv2d_ops, INFINITY, ref_kl_bbb},
    };
    /* dense: N, D, K (131 x 130 = 17030 weights: the threaded split and 5 KL blocks) */
    const int dd[][3] = {{1, 1, 1}, {3, 17, 9}, {5, 13, 7}, {2, 33, 31}, {4, 131, 130}};
    /* conv: C, H, W, F, k, stride, pad, N (the last: 23 x 33 x 5 x 5 = 18975 weights) */
    const int cc[][8] = {{1, 1, 1, 1, 1, 1, 0, 1},
                         {3, 7, 6, 5, 3, 2, 1, 3},
                         {2, 9, 9, 17, 5, 1, 2, 2},
                         {1, 8, 7, 3, 3, 1, 0, 1},
                         {33, 6, 6, 23, 5, 1, 2, 1}};
    for (int i = 0; i < 3; i++) {
        for (size_t j = 0; j < sizeof dd / sizeof dd[0]; j++)
            lrt_dense_case(&ms[i], dd[j][1], dd[j][2], dd[j][0]);
        for (size_t j = 0; j < sizeof cc / sizeof cc[0]; j++)
            lrt_conv_case(&ms[i], cc[j]);
    }
    twin_derivatives("svd", ref_kl_svd, -12.0, 12.0);
    twin_derivatives("vd", ref_kl_vd, -12.0, 12.0);
    twin_derivatives("bbb", ref_kl_bbb, -12.0, 12.0);
}

/* ---------------------------------------------------------------- group layers */
typedef struct {
    ref_group_grads g;
    double *dzs1, *dzs2, *mzs1, *mzs2; /* the scale tensors' gradients and magnitudes */
} group_ref;

static double *dz(size_t n) {
    return dalloc(n);
}

static group_ref group_ref_new(size_t nw, size_t nb, size_t nx, size_t G, size_t n1, size_t n2) {
    group_ref r = {{{dz(nw), dz(nw), dz(nb), dz(nx), dz(nw), dz(nw), dz(nb), dz(nx)},
                    dz(nb),
                    dz(nb),
                    dz(G),
                    dz(G),
                    dz(G),
                    dz(G)},
                   dz(n1),
                   dz(n2),
                   dz(n1),
                   dz(n2)};
    return r;
}

static void group_ref_free(group_ref *r) {
    double *p[] = {r->g.w.dth, r->g.w.dls2, r->g.w.db, r->g.w.dx, r->g.w.mth, r->g.w.mls2,
                   r->g.w.mb,  r->g.w.mx,   r->g.dblv, r->g.mblv, r->g.dga,   r->g.dgb,
                   r->g.mga,   r->g.mgb,    r->dzs1,   r->dzs2,   r->mzs1,    r->mzs2};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        free(p[i]);
}

/* the scale parameters' gradients (and magnitudes: the chain's coefficients are positive) */
static void group_chain(const gmdl__layer *l, int ghs, group_ref *r, size_t G) {
    const float *s1 = l->param[GMDL__GRP_S1].p, *s2 = l->param[GMDL__GRP_S2].p;
    memset(r->dzs1, 0, l->param[GMDL__GRP_S1].count * sizeof(double));
    memset(r->dzs2, 0, l->param[GMDL__GRP_S2].count * sizeof(double));
    memset(r->mzs1, 0, l->param[GMDL__GRP_S1].count * sizeof(double));
    memset(r->mzs2, 0, l->param[GMDL__GRP_S2].count * sizeof(double));
    if (ghs) {
        ref_ghs_chain(s1, s2, (int)G, r->g.dga, r->g.dgb, r->dzs1, r->dzs2);
        ref_ghs_chain(s1, s2, (int)G, r->g.mga, r->g.mgb, r->mzs1, r->mzs2);
    } else {
        ref_gnj_chain(s2, (int)G, r->g.dga, r->g.dgb, r->dzs1, r->dzs2);
        ref_gnj_chain(s2, (int)G, r->g.mga, r->g.mgb, r->mzs1, r->mzs2);
    }
}

/* Starting point: the layer's own initialisation, then log variances near -2 (so the variance
 * path counts) and scales spread (gnj: z_mu ~ N(1, 0.5^2), z_logvar ~ N(-3, 1), away from the
 * KL's clips; ghs: the log-normal means +- 0.3, log variances ~ N(-3, 1)). */
static void group_params(gmdl__layer *l, int ghs, size_t G) {
    l->ops->init(l, &R);
    fill(l->param[GMDL__GRP_WLV].p, l->param[GMDL__GRP_WLV].count, -2.0, 1.0);
    fill(l->param[GMDL__GRP_BLV].p, l->param[GMDL__GRP_BLV].count, -2.0, 1.0);
    fill(l->param[GMDL__GRP_B].p, l->param[GMDL__GRP_B].count, 0.0, 0.3);
    float *s1 = l->param[GMDL__GRP_S1].p, *s2 = l->param[GMDL__GRP_S2].p;
    if (!ghs) {
        fill(s1, G, 1.0, 0.5);
        fill(s2, G, -3.0, 1.0);
        for (size_t g = 0; g < G; g++)
            for (int t = -1; t <= 1; t += 2)
                while (fabs(ref_log_alpha(s1[g], s2[g]) - 8.0 * t) < 1e-3)
                    s2[g] += 0.01f;
        return;
    }
    for (size_t g = 0; g < G; g++) {
        s1[g] += (float)(0.3 * gmdl_rng_normal(&R));
        s1[2 * G + g] += (float)(0.3 * gmdl_rng_normal(&R));
        s1[G + g] = (float)(-3.0 + gmdl_rng_normal(&R));
        s1[3 * G + g] = (float)(-3.0 + gmdl_rng_normal(&R));
    }
    s2[0] += (float)(0.1 * gmdl_rng_normal(&R));
    s2[2] += (float)(0.1 * gmdl_rng_normal(&R));
    s2[1] = (float)(-3.0 + 0.5 * gmdl_rng_normal(&R));
    s2[3] = (float)(-3.0 + 0.5 * gmdl_rng_normal(&R));
}

static ref_group
group_of(const gmdl__layer *l, int N, const double *ga, const double *gb, int ghs) {
    ref_group L;
    memset(&L, 0, sizeof L);
    L.th = l->param[GMDL__GRP_W].p;
    L.b = l->param[GMDL__GRP_B].p;
    L.wlv = l->param[GMDL__GRP_WLV].p;
    L.blv = l->param[GMDL__GRP_BLV].p;
    L.ga = ga;
    L.gb = gb;
    L.log_scale = ghs;
    L.N = N;
    L.D = (int)l->in_size;
    L.K = l->units;
    L.C = l->in_c;
    L.H = l->in_h;
    L.W = l->in_w;
    L.F = l->units;
    L.k = l->kh;
    L.stride = l->stride;
    L.pad = l->pad;
    L.OH = l->out_h;
    L.OW = l->out_w;
    return L;
}

/* The KL of a group layer (Gaussian KL of weights and biases, the prior's KL of the scales) and
 * its gradients against the twins; tolerances as lrt_kl. */
static void group_kl(gmdl__layer *l, int ghs, size_t G, double scale) {
    for (int j = 0; j < l->nparams; j++)
        fill(l->param[j].g, l->param[j].count, 0.0, 0.1);
    float *g0[GMDL__MAX_PARAMS];
    copy_grads(l, g0);
    double total = l->ops->kl(l, scale), want = 0.0, tol = 0.0;
    for (int p = 0; p < l->nparams; p++) {
        const size_t n = l->param[p].count;
        double *d = dalloc(n), *m = dalloc(n);
        for (size_t j = 0; j < n; j++) {
            const float *v = l->param[p].p;
            double d1, d2, kl = 0.0, mg = 0.0;
            if (p == GMDL__GRP_W || p == GMDL__GRP_B) { /* N(mu, e^lv) || N(0, 1) */
                double lv = l->param[p + 2].p[j];
                kl = ref_kl_gauss(v[j], lv, &d1, &d2);
                d[j] = scale * d1;
                mg = fabs(scale * d1);
                tol += 16.0 * U * (exp(lv) + (double)v[j] * (double)v[j] + 1.0 + fabs(lv));
            } else if (p == GMDL__GRP_WLV || p == GMDL__GRP_BLV) {
                ref_kl_gauss(l->param[p - 2].p[j], v[j], &d1, &d2);
                d[j] = scale * d2;
                mg = fabs(scale) * 0.5 * (exp((double)v[j]) + 1.0);
            } else if (!ghs && p == GMDL__GRP_S1) { /* the sparse-VD KL of z_mu, z_logvar */
                double lv = l->param[GMDL__GRP_S2].p[j], t2 = (double)v[j] * (double)v[j] + 1e-8;
                kl = ref_kl_svd(v[j], lv, &d1, &d2);
                double cond = 1.0 + fabs(lv) + fabs(log(t2));
                d[j] = scale * d1;
                mg = fabs(scale) * cond * 2.0 * fabs((double)v[j]) / t2 + fabs(d[j]);
                tol += 16.0 * U * (cond + fabs(kl));
            } else if (!ghs) {
                ref_kl_svd(l->param[GMDL__GRP_S1].p[j], v[j], &d1, &d2);
                const double zm = l->param[GMDL__GRP_S1].p[j], t2 = zm * zm;
                d[j] = scale * d2;
                mg = fabs(scale) * (1.0 + fabs((double)v[j]) + fabs(log(t2 + 1e-8))) + fabs(d[j]);
            } else { /* ghs: rows mu, lv of four log-normals per group; s: the layer's two */
                size_t rows = p == GMDL__GRP_S1 ? G : 1, row = j / rows, col = j % rows;
                size_t base = (row / 2) * 2 * rows + col;
                int inv = (int)(row / 2) == 1;
                double r = p == GMDL__GRP_S2 && !inv ? 1.0 / (1e-5 * 1e-5) : 1.0;
                double k = ref_kl_lognormal(v[base], v[base + rows], inv, r, &d1, &d2);
                d[j] = scale * (row % 2 ? d2 : d1);
                mg = fabs(d[j]);
                if (row % 2 == 0) {
                    kl = k;
                    tol += 16.0 * U * fabs(k) + 1e-12;
                }
            }
            want += kl;
            m[j] = mg;
        }
        char what[48];
        snprintf(what, sizeof what, "%s.%d", l->name, p);
        cmp_ex("group kl gradients", what, l->param[p].g, g0[p], d, m, n, 16.0);
        free(d);
        free(m);
    }
    tol += (4096.0 / 16.0 + 2.0) * U * fabs(want);
    CHECK_NEAR(total, want, tol, 0.0);
    note("group kl total", fabs(total - want) / (U * (fabs(want) + 1.0)), fabs(total - want),
         tol / (U * (fabs(want) + 1.0)));
    free_grads(l, g0);
}

/* the clip of the log variances after a step (max_logvar) */
static void group_clip(gmdl__layer *l) {
    l->k.group.max_logvar = -1.5f;
    for (int p = GMDL__GRP_WLV; p <= GMDL__GRP_BLV; p++) {
        size_t n = l->param[p].count;
        float *before = falloc(n);
        memcpy(before, l->param[p].p, n * sizeof(float));
        l->ops->after_step(l);
        int ok = 1;
        for (size_t j = 0; j < n; j++)
            ok &= l->param[p].p[j] == fminf(before[j], -1.5f);
        CHECK(ok);
        free(before);
    }
}

/* One group layer (dense or conv, gnj or ghs): mean and sampled forward, backward, KL, clip. */
static void group_layer(gmdl__layer *l, int ghs, int conv, int N) {
    const size_t G = gmdl__group_count(l), nin = (size_t)N * l->in_size;
    const size_t nout = (size_t)N * l->out_size, nw = l->param[GMDL__GRP_W].count;
    const size_t nb = l->param[GMDL__GRP_B].count;
    const size_t depth = conv ? (size_t)l->in_c * l->kh * l->kw : l->in_size;
    group_params(l, ghs, G);
    double *ga = dalloc(G), *gb = dalloc(G), *ez = dalloc(G);
    const float *s1 = l->param[GMDL__GRP_S1].p, *s2 = l->param[GMDL__GRP_S2].p;
    if (ghs)
        ref_ghs_moments(s1, s2, (int)G, ga, gb, ez);
    else
        ref_gnj_moments(s1, s2, (int)G, ga, gb, ez);
    ref_group L = group_of(l, N, ga, gb, ghs);
    float *x = falloc(nin), *y = falloc(nout), *dy = falloc(nout), *dx = falloc(nin);
    float *dx0 = falloc(nin);
    double *yr = dalloc(nout), *mag = dalloc(nout);
    fill(x, nin, 0.0, 1.0);
    void (*fwd)(const ref_group *, const float *, const float *, const float *, const double *,
                double *, double *) = conv ? ref_group_conv_forward : ref_group_dense_forward;
    gmdl__fwd am = {x, y, N, GMDL_MODE_EVAL_MEAN, 5, 0};
    l->ops->forward(l, &am);
    fwd(&L, x, NULL, NULL, ez, yr, mag);
    cmp("group forward mean", l->name, y, yr, mag, nout, (double)depth + 16.0);
    gmdl__fwd at = {x, y, N, GMDL_MODE_TRAIN, 91, 7};
    l->ops->forward(l, &at);
    float *xi = draw_noise(&at, l->index + 32, N, G),
          *eps = draw_noise(&at, l->index, N, l->out_size);
    fwd(&L, x, xi, eps, NULL, yr, mag);
    cmp("group forward sampled", l->name, y, yr, mag, nout, (double)depth + 16.0);
    /* backward */
    fill(dy, nout, 0.0, 1.0);
    fill(dx0, nin, 0.0, 1.0);
    memcpy(dx, dx0, nin * sizeof(float));
    for (int j = 0; j < l->nparams; j++)
        fill(l->param[j].g, l->param[j].count, 0.0, 0.1);
    float *g0[GMDL__MAX_PARAMS];
    copy_grads(l, g0);
    gmdl__bwd b = {x, y, dy, dx, N, 1};
    l->ops->backward(l, &b);
    group_ref r =
        group_ref_new(nw, nb, nin, G, l->param[GMDL__GRP_S1].count, l->param[GMDL__GRP_S2].count);
    (conv ? ref_group_conv_backward : ref_group_dense_backward)(&L, x, xi, eps, dy, &r.g);
    group_chain(l, ghs, &r, G);
    const double cb = (double)depth + (double)nout / nb + (double)l->out_size + 16.0;
    cmp_ex("group backward dtheta", l->name, l->param[GMDL__GRP_W].g, g0[GMDL__GRP_W], r.g.w.dth,
           r.g.w.mth, nw, cb);
    cmp_ex("group backward dwlogvar", l->name, l->param[GMDL__GRP_WLV].g, g0[GMDL__GRP_WLV],
           r.g.w.dls2, r.g.w.mls2, nw, cb);
    cmp_ex("group backward dbias", l->name, l->param[GMDL__GRP_B].g, g0[GMDL__GRP_B], r.g.w.db,
           r.g.w.mb, nb, cb);
    cmp_ex("group backward dblogvar", l->name, l->param[GMDL__GRP_BLV].g, g0[GMDL__GRP_BLV],
           r.g.dblv, r.g.mblv, nb, cb);
    cmp_ex("group backward dx", l->name, dx, dx0, r.g.w.dx, r.g.w.mx, nin, cb);
    cmp_ex("group backward dscales", l->name, l->param[GMDL__GRP_S1].g, g0[GMDL__GRP_S1], r.dzs1,
           r.mzs1, l->param[GMDL__GRP_S1].count, cb + (double)nout / G);
    cmp_ex("group backward dscales", l->name, l->param[GMDL__GRP_S2].g, g0[GMDL__GRP_S2], r.dzs2,
           r.mzs2, l->param[GMDL__GRP_S2].count, cb + (double)nout);
    l->ops->forward(l, &at); /* backward consumed the cached std */
    for (size_t i = 0; i < nin; i++)
        dx[i] = NAN;
    gmdl__bwd b0 = {x, y, dy, dx, N, 0};
    l->ops->backward(l, &b0);
    cmp("group backward dx", l->name, dx, r.g.w.dx, r.g.w.mx, nin, cb);
    group_kl(l, ghs, G, 0.41);
    group_clip(l);
    free_grads(l, g0);
    group_ref_free(&r);
    float *fb[] = {x, y, dy, dx, dx0, xi, eps};
    for (size_t i = 0; i < sizeof fb / sizeof fb[0]; i++)
        free(fb[i]);
    double *db[] = {ga, gb, ez, yr, mag};
    for (size_t i = 0; i < sizeof db / sizeof db[0]; i++)
        free(db[i]);
}

static void check_group(void) {
    const gmdl__layer_ops *dense[2] = {&gmdl__gnj_dense_ops, &gmdl__ghs_dense_ops};
    const gmdl__layer_ops *conv[2] = {&gmdl__gnj_conv2d_ops, &gmdl__ghs_conv2d_ops};
    const int dd[][3] = {{1, 1, 1}, {3, 17, 9}, {5, 13, 7}, {2, 131, 130}};
    const int cc[][8] = {{1, 1, 1, 1, 1, 1, 0, 1},
                         {3, 7, 6, 5, 3, 2, 1, 3},
                         {2, 9, 9, 17, 5, 1, 2, 2},
                         {33, 6, 6, 23, 5, 1, 2, 1}};
    for (int ghs = 0; ghs < 2; ghs++) {
        for (size_t j = 0; j < sizeof dd / sizeof dd[0]; j++) {
            gmdl__layer l =
                gc_make_layer(dense[ghs], dd[j][1], 1, 1, dd[j][2], 0, 1, 0, 0.0f, dd[j][0], &R);
            snprintf(l.name, sizeof l.name, "%s_dense_%dx%dx%d", ghs ? "ghs" : "gnj", dd[j][0],
                     dd[j][1], dd[j][2]);
            group_layer(&l, ghs, 0, dd[j][0]);
            gc_free_layer(&l);
        }
        for (size_t j = 0; j < sizeof cc / sizeof cc[0]; j++) {
            const int *s = cc[j];
            gmdl__layer l =
                gc_make_layer(conv[ghs], s[0], s[1], s[2], s[3], s[4], s[5], s[6], 0.0f, s[7], &R);
            snprintf(l.name, sizeof l.name, "%s_conv_%d", ghs ? "ghs" : "gnj", s[3]);
            group_layer(&l, ghs, 1, s[7]);
            gc_free_layer(&l);
        }
    }
}

/* ---------------------------------------------------------------- optimizers */
/* Five steps of Adam (with and without weight decay) and SGD with momentum on n elements whose
 * gradients include 0, tiny and huge values; each step's p, m, v (buf) against the twin started
 * from the library's state before the step. Each is a handful of float operations: 16u times the
 * sum of the update's terms, and for p also the rounding of the moments carried through the
 * step (dstep/dm, dstep/dv times their bounds).
 * The kernel takes its hyper-parameters in float, so 1 - beta is 1 - (float)beta: 1 - 0.9f is
 * 2.4e-7 and 1 - 0.999f 4.7e-5 larger (relative) than 1 - beta, while the bias corrections use the
 * double betas. That is allowed for explicitly (the term times the relative difference; for p
 * the step times rel(1 - b1) + rel(1 - b2) / 2) and printed. */
typedef struct {
    double *rp, *rm, *rv, *mp, *mm, *mv, *ap, *am, *av;
} optim_ref;

static double one_minus_rel(double b) {
    return fabs((1.0 - (double)(float)b) - (1.0 - b)) / (1.0 - b);
}

static void optim_twin(const optim_ref *r,
                       size_t i,
                       int sgd,
                       double wd,
                       unsigned long long t,
                       const float *p0,
                       const float *g0,
                       const float *m0,
                       const float *v0) {
    const double lr = sgd ? 0.05 : 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, mu = 0.9;
    const double gi = (double)g0[i] + wd * (double)p0[i];
    if (sgd) {
        ref_sgd(p0[i], g0[i], m0[i], lr, mu, wd, &r->rp[i], &r->rm[i]);
        r->mm[i] = fabs(mu * (double)m0[i]) + fabs(gi) + fabs(wd * (double)p0[i]);
        r->mp[i] = fabs((double)p0[i]) + fabs(r->rp[i] - (double)p0[i]) + lr * r->mm[i];
        return;
    }
    ref_adam(p0[i], g0[i], m0[i], v0[i], lr, b1, b2, eps, wd, t, &r->rp[i], &r->rm[i], &r->rv[i]);
    r->mm[i] = fabs(b1 * (double)m0[i]) + fabs((1.0 - b1) * gi) + fabs(wd * (double)p0[i]);
    /* g + wd p may cancel: its rounding is relative to |g| + |wd p|, squared here */
    const double ga = fabs((double)g0[i]) + fabs(wd * (double)p0[i]);
    r->mv[i] = fabs(b2 * (double)v0[i]) + (1.0 - b2) * ga * ga;
    r->am[i] = one_minus_rel(b1) * fabs((1.0 - b1) * gi);
    r->av[i] = one_minus_rel(b2) * fabs((1.0 - b2) * gi * gi);
    double step = fabs(r->rp[i] - (double)p0[i]), lrt = lr / (1.0 - pow(b1, (double)t));
    double den = sqrt(r->rv[i] / (1.0 - pow(b2, (double)t))) + eps;
    r->mp[i] = fabs((double)p0[i]) + step + lrt * r->mm[i] / den +
               (r->rv[i] > 0.0 ? 0.5 * step * r->mv[i] / r->rv[i] : 0.0);
    r->ap[i] = step * (one_minus_rel(b1) + 0.5 * one_minus_rel(b2)) * 1.01;
}

static void check_optim(size_t n, int sgd, double wd) {
    float *p = falloc(n), *g = falloc(n), *m = falloc(n), *v = falloc(n);
    float *p0 = falloc(n), *g0 = falloc(n), *m0 = falloc(n), *v0 = falloc(n);
    optim_ref r = {dalloc(n), dalloc(n), dalloc(n), dalloc(n), dalloc(n),
                   dalloc(n), dalloc(n), dalloc(n), dalloc(n)};
    fill(p, n, 0.0, 1.0);
    for (unsigned long long t = 1; t <= 5; t++) {
        fill(g, n, 0.0, 0.3);
        for (size_t i = 0; i < n; i += 7)
            g[i] = i % 3 == 0 ? 0.0f : i % 3 == 1 ? 1e-9f : 3e3f;
        memcpy(p0, p, n * sizeof(float));
        memcpy(g0, g, n * sizeof(float));
        memcpy(m0, m, n * sizeof(float));
        memcpy(v0, v, n * sizeof(float));
        if (sgd)
            gmdl__sgd_step(p, g, m, n, 0.05, 0.9, wd);
        else
            gmdl__adam_step(p, g, m, v, n, 1e-3, 0.9, 0.999, 1e-8, wd, t);
        int zeroed = 1;
        for (size_t i = 0; i < n; i++) {
            optim_twin(&r, i, sgd, wd, t, p0, g0, m0, v0);
            zeroed &= g[i] == 0.0f;
        }
        if (sgd) {
            cmp("sgd p", "p", p, r.rp, r.mp, n, 16.0);
            cmp("sgd momentum", "buf", m, r.rm, r.mm, n, 16.0);
        } else {
            cmp_al("adam p", "p", p, NULL, r.rp, r.mp, r.ap, n, 16.0);
            cmp_al("adam m", "m", m, NULL, r.rm, r.mm, r.am, n, 16.0);
            cmp_al("adam v", "v", v, NULL, r.rv, r.mv, r.av, n, 16.0);
        }
        CHECK(zeroed);
    }
    float *bufs[8] = {p, g, m, v, p0, g0, m0, v0};
    for (int i = 0; i < 8; i++)
        free(bufs[i]);
    double *dbufs[9] = {r.rp, r.rm, r.rv, r.mp, r.mm, r.mv, r.ap, r.am, r.av};
    for (int i = 0; i < 9; i++)
        free(dbufs[i]);
}

/* The learning-rate schedules and the KL warm-up: a dense net trained by
 * gmdl_model_train_epoch with plain SGD (momentum and weight decay 0), one step per epoch, for
 * six epochs of a five-epoch run (past the end, where the schedules clamp); the rate each step
 * used, (p_before - p_after) . g / |g|^2 with g the step's gradient computed beforehand (the
 * epoch's shuffle only reorders the sums: 1e-5 relative covers it), against the twin; the KL
 * weight of epochs 0 to 24 against the twin's warm-up. */
static void check_schedules(void) {
    const int n = 6, D = 7, E = 5;
    float x[6 * 7];
    int32_t y[6] = {0, 1, 2, 0, 1, 2};
    fill(x, sizeof x / sizeof x[0], 0.0, 1.0);
    gmdl_dataset ds = {(size_t)n, D, 1, 1, (size_t)D, 3, x, y};
    for (int s = 0; s <= 3; s++) {
        gmdl_train_config cfg = gmdl_train_config_default();
        snprintf(cfg.arch, sizeof cfg.arch, "mlp:5");
        cfg.batch = n;
        cfg.epochs = E;
        cfg.optimizer = GMDL_OPT_SGD;
        cfg.momentum = 0.0;
        cfg.lr = 0.05;
        cfg.lr_schedule = (gmdl_lr_schedule)s;
        gmdl_model *m;
        gmdl_err err;
        REQUIRE_OK_MSG(gmdl_model_create(&m, &cfg, D, 1, 1, 3, &err), err.msg);
        float *p0 = falloc(m->nstore), *g = falloc(m->nstore);
        for (int e = 0; e <= E; e++) {
            memcpy(m->act[0], x, sizeof x);
            memcpy(m->ybatch, y, sizeof y);
            const float *logits = gmdl__model_forward(m, n, GMDL_MODE_TRAIN, cfg.seed, m->step);
            gmdl__softmax_xent(logits, m->ybatch, n, 3, 1.0f / n, m->dact[m->nlayers], NULL, NULL);
            for (int i = m->nlayers - 1; i >= 0; i--) {
                gmdl__bwd a = {m->act[i], m->act[i + 1], m->dact[i + 1], i ? m->dact[i] : NULL, n,
                               0};
                m->layers[i].ops->backward(&m->layers[i], &a);
            }
            memcpy(g, m->grads, m->nstore * sizeof(float));
            memset(m->grads, 0, m->nstore * sizeof(float));
            memcpy(p0, m->params, m->nstore * sizeof(float));
            REQUIRE_OK_MSG(gmdl_model_train_epoch(m, NULL, &ds, NULL, NULL, NULL, &err), err.msg);
            double num = 0.0, den = 0.0;
            for (size_t i = 0; i < m->nstore; i++) {
                num += ((double)p0[i] - (double)m->params[i]) * (double)g[i];
                den += (double)g[i] * (double)g[i];
            }
            double got = num / den, want = ref_lr(s, cfg.lr, e, E, 0, 1);
            CHECK_NEAR(got, want, 1e-9, 1e-5);
            note("lr schedule", fabs(got - want) / (U * cfg.lr), fabs(got - want),
                 (1e-9 + 1e-5 * want) / (U * cfg.lr));
        }
        free(p0);
        free(g);
        gmdl_model_destroy(m);
    }
    gmdl_train_config cfg = gmdl_train_config_default();
    snprintf(cfg.arch, sizeof cfg.arch, "mlp:5");
    snprintf(cfg.method, sizeof cfg.method, "svd");
    cfg.kl_warmup_start = 5;
    cfg.kl_warmup_epochs = 15;
    gmdl_model *m;
    gmdl_err err;
    REQUIRE_OK_MSG(gmdl_model_create(&m, &cfg, D, 1, 1, 3, &err), err.msg);
    int same = 1;
    for (int e = 0; e < 25; e++) {
        m->epoch = e;
        same &= gmdl__kl_weight(m) == ref_kl_weight(e, 5, 15);
    }
    CHECK(same);
    gmdl_model_destroy(m);
}

int main(void) {
    uint64_t seed = th_seed(20261207);
    gmdl_rng_seed(&R, seed, 3);
    printf("reference seed %llu\n", (unsigned long long)seed);
    check_lrt();
    check_group();
    check_schedules();
    const size_t sizes[] = {1, 7, 33, 20011};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        check_optim(sizes[i], 0, 0.0);
        check_optim(sizes[i], 0, 5e-4);
        check_optim(sizes[i], 1, 0.0);
        check_optim(sizes[i], 1, 5e-4);
    }
    printf("adam: 1 - beta1 in float is %.3g, 1 - beta2 %.3g larger (relative) than in double\n",
           one_minus_rel(0.9), one_minus_rel(0.999));
    printf("%-24s %12s %16s %14s\n", "check", "max |diff|", "max err/(u mag)", "of its bound");
    for (int i = 0; i < nworst; i++)
        printf("%-24s %12.3g %16.3g %14.3g\n", worst[i].kind, worst[i].absdiff, worst[i].ratio,
               worst[i].used);
    TEST_MAIN_END();
}
