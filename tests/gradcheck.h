/* Shared pieces of the finite-difference gradient checks: a standalone layer with its own
 * buffers, and the comparison of analytic derivatives with central differences.
 * Kink policy (ggml's): where the two one-sided differences disagree, the point sits on a kink
 * (ReLU, max-pool, a clip) within the step; the analytic value must then match one side. */
#ifndef GMDL_TEST_GRADCHECK_H
#define GMDL_TEST_GRADCHECK_H

#include "harness.h"
#include "nn/layer.h"

#define GC_RELERR(a, b) (fabs((a) - (b)) / (fabs(a) + fabs(b) > 1.0 ? fabs(a) + fabs(b) : 1.0))

/* Compares analytic[i] with d F / d v[i] (a sample of at most ~400 elements). */
static inline int gc_compare(const char *what,
                             float *v,
                             size_t count,
                             const float *analytic,
                             double (*F)(void *),
                             void *ctx,
                             double eps,
                             double tol) {
    int bad = 0;
    size_t step = count > 400 ? count / 400 : 1;
    for (size_t i = 0; i < count; i += step) {
        float keep = v[i];
        double h = eps * (fabs((double)keep) > 1.0 ? fabs((double)keep) : 1.0);
        double f0 = F(ctx);
        v[i] = (float)((double)keep + h);
        double hp = (double)v[i] - (double)keep, fp = F(ctx);
        v[i] = (float)((double)keep - h);
        double hm = (double)keep - (double)v[i], fm = F(ctx);
        v[i] = keep;
        double num = (fp - fm) / (hp + hm), an = (double)analytic[i];
        double right = (fp - f0) / hp, left = (f0 - fm) / hm;
        double err = GC_RELERR(num, an);
        if (GC_RELERR(left, right) > tol &&
            (GC_RELERR(an, left) <= tol || GC_RELERR(an, right) <= tol))
            err = 0.0;
        if (!isfinite(an) || err > tol) {
            if (bad < 5)
                fprintf(stderr,
                        "  %s[%zu]: analytic %.8g numeric %.8g (rel err %.3g; one-sided %.8g "
                        "%.8g)\n",
                        what, i, an, num, err, left, right);
            bad++;
        }
    }
    CHECK(bad == 0);
    return bad;
}

/* A layer with input [C, H, W] (dense layers: C features, H = W = 1; spatial layers take
 * channel-major batches), parameters drawn N(0, 0.5^2) from rng, caches for nmax samples. */
static inline gmdl__layer gc_make_layer(const gmdl__layer_ops *ops,
                                        int C,
                                        int H,
                                        int W,
                                        int units,
                                        int k,
                                        int stride,
                                        int pad,
                                        float rate,
                                        int nmax,
                                        gmdl_rng *rng) {
    gmdl__layer l;
    memset(&l, 0, sizeof l);
    l.ops = ops;
    snprintf(l.name, sizeof l.name, "t");
    l.index = 2;
    l.in_c = C;
    l.in_h = H;
    l.in_w = W;
    l.in_size = (size_t)C * H * W;
    l.units = units;
    if (ops == &gmdl__dropout_ops) /* rate: the kind's own number */
        l.k.dropout.p = rate;
    else if (strcmp(ops->kind, "sws_prior") == 0) /* by name: nn-only tests do not link bayes */
        l.k.sws.tau = rate;
    l.kh = l.kw = k;
    l.stride = stride;
    l.pad = pad;
    l.cnhw_in = H * W > 1;
    gmdl_err err;
    gmdl_status s = ops->setup(&l, &err);
    GMDL_ASSERT(s == GMDL_OK);
    for (int j = 0; j < l.nparams; j++) {
        l.param[j].p = calloc(l.param[j].count, sizeof(float));
        l.param[j].g = calloc(l.param[j].count, sizeof(float));
        for (size_t i = 0; i < l.param[j].count; i++)
            l.param[j].p[i] = (float)(0.5 * gmdl_rng_normal(rng));
    }
    if (l.cache_per_sample)
        l.cache = calloc((size_t)nmax * l.cache_per_sample, 1);
    if (l.work_floats)
        l.work = calloc(l.work_floats, sizeof(float));
    return l;
}

static inline void gc_free_layer(gmdl__layer *l) {
    for (int j = 0; j < l->nparams; j++) {
        free(l->param[j].p);
        free(l->param[j].g);
    }
    free(l->cache);
    free(l->work);
}

#endif
