/* Finite-difference gradient checks (central differences, loss accumulated in double) for every
 * layer and the loss: dense (x, weight, bias), ReLU, dropout (fixed mask: same seed and step),
 * softmax cross-entropy, and a whole MLP with dropout through the model's training step.
 * Scalar test function: F = sum_i r_i y_i with a fixed random projection r, so every output
 * component's gradient is exercised. Inputs are kept away from ReLU kinks. */
#include "gmdl/gmdl.h"
#include "gradcheck.h"
#include "harness.h"
#include "model/model_internal.h"
#include "nn/layer.h"

static gmdl_rng R;

static void fill(float *x, size_t n, double scale) {
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(scale * gmdl_rng_normal(&R));
}

static double proj(const float *y, const double *r, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += r[i] * (double)y[i];
    return s;
}

static gmdl__layer
make_layer(const gmdl__layer_ops *ops, size_t in, int units, float rate, int nmax) {
    return gc_make_layer(ops, (int)in, 1, 1, units, 0, 1, 0, rate, nmax, &R);
}

static gmdl__layer gc_make_spatial(const gmdl__layer_ops *ops,
                                   int C,
                                   int H,
                                   int W,
                                   int units,
                                   int k,
                                   int stride,
                                   int pad,
                                   int nmax) {
    gmdl__layer l = gc_make_layer(ops, C, H, W, units, k, stride, pad, 0.0f, nmax, &R);
    return l;
}

/* conv2d forward against the direct-loop reference */
static void check_conv_ref(int C, int H, int W, int F, int k, int stride, int pad, int n) {
    gmdl__layer l = gc_make_spatial(&gmdl__conv2d_ops, C, H, W, F, k, stride, pad, n);
    size_t nin = (size_t)n * l.in_size, nout = (size_t)n * l.out_size;
    float *x = malloc(nin * 4), *y = malloc(nout * 4), *yr = malloc(nout * 4);
    fill(x, nin, 1.0);
    gmdl__fwd a = {x, y, n, GMDL_MODE_EVAL_MEAN, 1, 0};
    l.ops->forward(&l, &a);
    gmdl__conv2d_forward_ref(x, l.param[0].p, l.param[1].p, yr, C, n, H, W, F, k, k, stride, pad);
    double maxerr = 0;
    for (size_t i = 0; i < nout; i++) {
        double e = fabs((double)y[i] - (double)yr[i]);
        maxerr = e > maxerr ? e : maxerr;
    }
    if (maxerr > 1e-4)
        fprintf(stderr, "conv ref mismatch C%d H%d W%d F%d k%d s%d p%d: %g\n", C, H, W, F, k,
                stride, pad, maxerr);
    CHECK(maxerr <= 1e-4);
    free(x);
    free(y);
    free(yr);
    gc_free_layer(&l);
}

static double layer_F(gmdl__layer *l, const float *x, float *y, int n, const double *r) {
    gmdl__fwd a = {x, y, n, GMDL_MODE_TRAIN, 7, 3};
    l->ops->forward(l, &a);
    return proj(y, r, (size_t)n * l->out_size);
}

typedef struct {
    gmdl__layer *l;
    float *x, *y;
    int n;
    const double *r;
} lctx;

static double lF(void *c) {
    lctx *k = c;
    return layer_F(k->l, k->x, k->y, k->n, k->r);
}

/* Checks dx and every parameter gradient of one layer. */
static void check_layer(const char *name, gmdl__layer *l, int n, double xscale, int avoid_kink) {
    size_t nin = (size_t)n * l->in_size, nout = (size_t)n * l->out_size;
    float *x = calloc(nin, 4), *y = calloc(nout, 4), *dx = calloc(nin, 4);
    double *r = calloc(nout, sizeof(double));
    float *dy = calloc(nout, 4);
    fill(x, nin, xscale);
    if (avoid_kink)
        for (size_t i = 0; i < nin; i++)
            if (fabsf(x[i]) < 0.05f)
                x[i] = x[i] < 0 ? -0.1f : 0.1f;
    for (size_t i = 0; i < nout; i++) {
        r[i] = gmdl_rng_normal(&R);
        dy[i] = (float)r[i];
    }
    layer_F(l, x, y, n, r);
    gmdl__bwd b = {x, y, dy, dx, n, 1};
    l->ops->backward(l, &b);
    /* overwrite mode gives the same dx into a buffer full of garbage; parameter gradients are
     * accumulated, so they are saved and restored around the second call */
    float *dx2 = malloc(nin * 4);
    for (size_t i = 0; i < nin; i++)
        dx2[i] = 1e6f;
    float *gsave[GMDL__MAX_PARAMS];
    for (int j = 0; j < l->nparams; j++) {
        gsave[j] = malloc(l->param[j].count * 4);
        memcpy(gsave[j], l->param[j].g, l->param[j].count * 4);
    }
    gmdl__bwd b2 = {x, y, dy, dx2, n, 0};
    l->ops->backward(l, &b2);
    int same = 1;
    for (size_t i = 0; i < nin; i++)
        same &= fabsf(dx2[i] - dx[i]) <= 1e-5f * (1.0f + fabsf(dx[i]));
    CHECK(same);
    for (int j = 0; j < l->nparams; j++) {
        memcpy(l->param[j].g, gsave[j], l->param[j].count * 4);
        free(gsave[j]);
    }
    free(dx2);
    lctx c = {l, x, y, n, r};
    char what[64];
    snprintf(what, sizeof what, "%s.dx", name);
    gc_compare(what, x, nin, dx, lF, &c, 1e-3, 2e-3);
    for (int j = 0; j < l->nparams; j++) {
        snprintf(what, sizeof what, "%s.%s", name, l->param[j].name);
        gc_compare(what, l->param[j].p, l->param[j].count, l->param[j].g, lF, &c, 1e-3, 2e-3);
    }
    free(x);
    free(y);
    free(dx);
    free(r);
    free(dy);
}

typedef struct {
    float *logits;
    const int32_t *y;
    int n, k;
} xctx;

static double xF(void *c) {
    xctx *q = c;
    return gmdl__softmax_xent(q->logits, q->y, q->n, q->k, 1.0f, NULL, NULL, NULL);
}

static void check_xent(void) {
    int n = 7, k = 5;
    float logits[35], dl[35];
    int32_t y[7] = {0, 4, 2, 2, 1, 3, 0};
    fill(logits, 35, 2.0);
    gmdl__softmax_xent(logits, y, n, k, 1.0f, dl, NULL, NULL);
    xctx c = {logits, y, n, k};
    gc_compare("xent.dlogits", logits, 35, dl, xF, &c, 1e-3, 1e-3);
    /* scale: mean loss gradient */
    float dl2[35];
    gmdl__softmax_xent(logits, y, n, k, 1.0f / n, dl2, NULL, NULL);
    for (int i = 0; i < 35; i++)
        CHECK_NEAR(dl2[i], dl[i] / n, 1e-7, 1e-5);
    /* large logits stay finite */
    float big[2] = {1000.0f, -1000.0f};
    int32_t yb[1] = {1};
    double lb = gmdl__softmax_xent(big, yb, 1, 2, 1.0f, NULL, NULL, NULL);
    CHECK_NEAR(lb, 2000.0, 1e-3, 0);
}

/* Whole model: the gradient the training step computes vs finite differences of the mean loss. */
typedef struct {
    gmdl_model *m;
    int n;
} mctx;

static double mF(void *c) {
    mctx *q = c;
    const float *logits = gmdl__model_forward(q->m, q->n, GMDL_MODE_TRAIN, q->m->cfg.seed, 5);
    return gmdl__softmax_xent(logits, q->m->ybatch, q->n, q->m->classes, 1.0f, NULL, NULL, NULL);
}

static void check_model(const char *arch, int C, int H, int W, const char *method) {
    gmdl_train_config cfg = gmdl_train_config_default();
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    snprintf(cfg.method, sizeof cfg.method, "%s", method);
    cfg.batch = 6;
    gmdl_model *m;
    gmdl_err err;
    CHECK_OK(gmdl_model_create(&m, &cfg, C, H, W, 4, &err));
    int n = 6;
    const size_t D = (size_t)C * H * W;
    fill(m->act[0], (size_t)n * D, 1.0);
    for (int i = 0; i < n; i++)
        m->ybatch[i] = i % 4;
    const float *logits = gmdl__model_forward(m, n, GMDL_MODE_TRAIN, cfg.seed, 5);
    gmdl__softmax_xent(logits, m->ybatch, n, 4, 1.0f, m->dact[m->nlayers], NULL, NULL);
    for (int i = m->nlayers - 1; i >= 0; i--) {
        gmdl__layer *l = &m->layers[i];
        memset(m->dact[i], 0, (size_t)n * l->in_size * sizeof(float));
        gmdl__bwd b = {m->act[i], m->act[i + 1], m->dact[i + 1], m->dact[i], n, 1};
        l->ops->backward(l, &b);
    }
    float *dx0 = malloc((size_t)n * D * sizeof(float));
    memcpy(dx0, m->dact[0], (size_t)n * D * sizeof(float));
    mctx c = {m, n};
    gc_compare("model.dx", m->act[0], (size_t)n * D, dx0, mF, &c, 1e-3, 3e-3);
    for (int i = 0; i < m->nlayers; i++)
        for (int j = 0; j < m->layers[i].nparams; j++)
            gc_compare(m->layers[i].param[j].name, m->layers[i].param[j].p,
                       m->layers[i].param[j].count, m->layers[i].param[j].g, mF, &c, 1e-3, 3e-3);
    free(dx0);
    gmdl_model_destroy(m);
}

int main(void) {
    uint64_t seed = th_seed(12345);
    gmdl_rng_seed(&R, seed, 1);
    printf("gradcheck seed %llu\n", (unsigned long long)seed);
    gmdl__layer d = make_layer(&gmdl__dense_ops, 13, 7, 0, 5);
    check_layer("dense", &d, 5, 1.0, 0);
    gc_free_layer(&d);
    gmdl__layer d1 = make_layer(&gmdl__dense_ops, 1, 1, 0, 1);
    check_layer("dense1x1", &d1, 1, 1.0, 0);
    gc_free_layer(&d1);
    gmdl__layer r = make_layer(&gmdl__relu_ops, 17, 0, 0, 4);
    check_layer("relu", &r, 4, 1.0, 1);
    gc_free_layer(&r);
    gmdl__layer dr = make_layer(&gmdl__dropout_ops, 19, 0, 0.3f, 4);
    check_layer("dropout", &dr, 4, 1.0, 0);
    gc_free_layer(&dr);
    /* convolution: plain, stride, padding, both, non-square input, 1x1 kernel */
    const int cv[][7] = {{2, 7, 7, 3, 3, 1, 0}, {3, 9, 8, 2, 3, 2, 0}, {2, 6, 6, 4, 3, 1, 1},
                         {1, 8, 7, 2, 3, 2, 1}, {3, 5, 5, 2, 1, 1, 0}, {2, 6, 6, 2, 5, 1, 2}};
    for (int i = 0; i < 6; i++) {
        check_conv_ref(cv[i][0], cv[i][1], cv[i][2], cv[i][3], cv[i][4], cv[i][5], cv[i][6], 3);
        gmdl__layer c = gc_make_spatial(&gmdl__conv2d_ops, cv[i][0], cv[i][1], cv[i][2], cv[i][3],
                                        cv[i][4], cv[i][5], cv[i][6], 3);
        char nm[32];
        snprintf(nm, sizeof nm, "conv2d[%d]", i);
        check_layer(nm, &c, 3, 1.0, 0);
        gc_free_layer(&c);
    }
    check_conv_ref(20, 12, 12, 50, 5, 1, 0, 4); /* LeNet-5's second layer */
    /* pooling (inputs spread apart so the max is unique), odd sizes drop the border */
    gmdl__layer mp = gc_make_spatial(&gmdl__maxpool_ops, 2, 6, 6, 0, 2, 2, 0, 3);
    check_layer("maxpool2", &mp, 3, 3.0, 0);
    gc_free_layer(&mp);
    gmdl__layer mp3 = gc_make_spatial(&gmdl__maxpool_ops, 2, 7, 7, 0, 3, 3, 0, 2);
    check_layer("maxpool3", &mp3, 2, 3.0, 0);
    gc_free_layer(&mp3);
    gmdl__layer ap = gc_make_spatial(&gmdl__avgpool_ops, 3, 5, 4, 0, 2, 2, 0, 2);
    check_layer("avgpool2", &ap, 2, 1.0, 0);
    gc_free_layer(&ap);
    gmdl__layer fl = gc_make_spatial(&gmdl__flatten_ops, 3, 2, 4, 0, 0, 1, 0, 3);
    check_layer("flatten", &fl, 3, 1.0, 0);
    gc_free_layer(&fl);
    gmdl__layer tc = gc_make_spatial(&gmdl__to_cnhw_ops, 3, 2, 4, 0, 0, 1, 0, 3);
    check_layer("to_cnhw", &tc, 3, 1.0, 0);
    gc_free_layer(&tc);
    check_xent();
    check_model("mlp:12-9", 1, 3, 5, "dense");
    check_model("mlp:12-9", 1, 3, 5, "dropout:0.25");
    check_model("cnn:c3k3-p2-c4k2s1p1-a2-d6", 1, 9, 9, "dropout:0.2");
    check_model("cnn:c3k3s2p1-p2-d5", 2, 8, 8, "dense"); /* two input channels: to_cnhw */
    TEST_MAIN_END();
}
