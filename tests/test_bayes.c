/* Sparse variational dropout layers: finite-difference gradients of the sampled forward pass
 * (fixed noise: same seed and step) for dense and conv layers, of the KL term, and of a whole
 * svd model including the KL; the KL approximation against the exact KL by quadrature on the
 * log alpha grid [-8, 8]; deterministic evaluation uses the masked means. */
#include <unistd.h>

#include "gmdl/gmdl.h"
#include "gradcheck.h"
#include "harness.h"
#include "idx_fixture.h"
#include "model/model_internal.h"
#include "nn/layer.h"

static gmdl_rng R;

static void fill(float *x, size_t n, double mu, double sd) {
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(mu + sd * gmdl_rng_normal(&R));
}

typedef struct {
    gmdl__layer *l;
    float *x, *y;
    const double *r;
    int n;
    int kl; /* 1: F = KL */
} ctx_t;

/* the KL uses the log alpha of the last forward pass: run one */
static void prep(gmdl__layer *l) {
    float *x = calloc(l->in_size, 4), *y = calloc(l->out_size, 4);
    gmdl__fwd a = {x, y, 1, GMDL_MODE_EVAL_MEAN, 1, 0};
    l->ops->forward(l, &a);
    free(x);
    free(y);
}

static double F(void *c) {
    ctx_t *k = c;
    if (k->kl) {
        prep(k->l);
        /* KL without touching the real gradients: scratch copies */
        float *gs[GMDL__MAX_PARAMS];
        for (int j = 0; j < k->l->nparams; j++) {
            gs[j] = k->l->param[j].g;
            k->l->param[j].g = calloc(k->l->param[j].count, 4);
        }
        double v = k->l->ops->kl(k->l, 1.0);
        for (int j = 0; j < k->l->nparams; j++) {
            free(k->l->param[j].g);
            k->l->param[j].g = gs[j];
        }
        return v;
    }
    gmdl__fwd a = {k->x, k->y, k->n, GMDL_MODE_TRAIN, 11, 4};
    k->l->ops->forward(k->l, &a);
    double s = 0;
    for (size_t i = 0; i < (size_t)k->n * k->l->out_size; i++)
        s += k->r[i] * (double)k->y[i];
    return s;
}

/* sws: F = the prior term (tau C) of a dense layer's weights under the mixture prior layer */
static double sws_F(void *c) {
    gmdl__layer *pr = c;
    float *gs[2][GMDL__MAX_PARAMS];
    gmdl__layer *ls[2] = {pr->k.sws.layers, pr};
    for (int q = 0; q < 2; q++)
        for (int j = 0; j < ls[q]->nparams; j++) {
            gs[q][j] = ls[q]->param[j].g;
            ls[q]->param[j].g = calloc(ls[q]->param[j].count, 4);
        }
    double v = pr->ops->kl(pr, 1.0);
    for (int q = 0; q < 2; q++)
        for (int j = 0; j < ls[q]->nparams; j++) {
            free(ls[q]->param[j].g);
            ls[q]->param[j].g = gs[q][j];
        }
    return v;
}

static void check_sws(void) {
    gmdl__layer d = gc_make_layer(&gmdl__dense_ops, 30, 1, 1, 7, 0, 1, 0, 0.0f, 1, &R);
    gmdl__layer pr = gc_make_layer(&gmdl__sws_prior_ops, 7, 1, 1, 0, 0, 1, 0, 0.05f, 1, &R);
    fill(d.param[0].p, d.param[0].count, 0.0, 0.3);
    pr.ops->init(&pr, &R);
    for (int j = 0; j < GMDL__SWS_COMPONENTS; j++) { /* away from the initial symmetry */
        pr.param[0].p[j] += j ? (float)(0.02 * gmdl_rng_normal(&R)) : 0.0f;
        pr.param[1].p[j] += (float)(0.5 * gmdl_rng_normal(&R));
        pr.param[2].p[j] = (float)(0.5 * gmdl_rng_normal(&R));
    }
    pr.k.sws.layers = &d;
    pr.k.sws.nlayers = 1;
    for (int q = 0; q < 2; q++)
        memset(d.param[q].g, 0, d.param[q].count * 4);
    for (int j = 0; j < 3; j++)
        memset(pr.param[j].g, 0, pr.param[j].count * 4);
    double v = pr.ops->kl(&pr, 1.0);
    CHECK(isfinite(v));
    /* the value: tau x (-sum log mixture density + hyper-prior terms), written out here */
    double want = 0.0, pi0 = 0.99, z = 0.0;
    for (int j = 1; j < GMDL__SWS_COMPONENTS; j++)
        z += exp((double)pr.param[2].p[j]);
    for (int q = 0; q < 2; q++)
        for (size_t i = 0; i < d.param[q].count; i++) {
            double w = d.param[q].p[i], mix = 0.0;
            for (int j = 0; j < GMDL__SWS_COMPONENTS; j++) {
                double pj = j ? (1.0 - pi0) * exp((double)pr.param[2].p[j]) / z : pi0;
                double lam = exp((double)pr.param[1].p[j]), dd = w - (double)pr.param[0].p[j];
                mix += pj * sqrt(lam / (2.0 * 3.141592653589793)) * exp(-0.5 * lam * dd * dd);
            }
            want -= log(mix);
        }
    for (int j = 0; j < GMDL__SWS_COMPONENTS; j++) {
        double a = j ? 250.0 : 5000.0, b = j ? 0.1 : 2.0, g = pr.param[1].p[j];
        want += (1.0 - a) * g + b * exp(g);
    }
    want *= (double)0.05f; /* tau */
    printf("sws prior: layer %.6f, direct %.6f\n", v, want);
    CHECK_NEAR(v, want, 1e-4, 1e-5);
    gc_compare("sws.weight", d.param[0].p, d.param[0].count, d.param[0].g, sws_F, &pr, 1e-3, 3e-3);
    gc_compare("sws.bias", d.param[1].p, d.param[1].count, d.param[1].g, sws_F, &pr, 1e-3, 3e-3);
    gc_compare("sws.means", pr.param[0].p + 1, GMDL__SWS_COMPONENTS - 1, pr.param[0].g + 1, sws_F,
               &pr, 1e-3, 3e-3);
    gc_compare("sws.log_precisions", pr.param[1].p, GMDL__SWS_COMPONENTS, pr.param[1].g, sws_F, &pr,
               1e-3, 3e-3);
    gc_compare("sws.mixing_logits", pr.param[2].p + 1, GMDL__SWS_COMPONENTS - 1, pr.param[2].g + 1,
               sws_F, &pr, 1e-3, 3e-3);
    CHECK(pr.param[0].g[0] == 0.0f && pr.param[2].g[0] == 0.0f); /* mu_0, pi_0 fixed */
    /* a fixed zero component (zero_sd > 0): the same value, no gradient for its precision, the
     * others' unchanged */
    {
        float g1[GMDL__SWS_COMPONENTS];
        memcpy(g1, pr.param[1].g, sizeof g1);
        for (int j = 0; j < 3; j++)
            memset(pr.param[j].g, 0, pr.param[j].count * 4);
        pr.k.sws.zero_sd = 0.01f;
        double v2 = pr.ops->kl(&pr, 1.0);
        CHECK(v2 == v);
        CHECK(pr.param[1].g[0] == 0.0f && g1[0] != 0.0f);
        for (int j = 1; j < GMDL__SWS_COMPONENTS; j++)
            CHECK(pr.param[1].g[j] == g1[j]);
        pr.k.sws.zero_sd = 0.0f;
    }
    /* assignment (narrow components, as after retraining): the zero component gives exactly 0,
     * the others their mean */
    for (int j = 0; j < GMDL__SWS_COMPONENTS; j++)
        pr.param[1].p[j] = (float)log(j ? 1e4 : 2500.0);
    float vals[4], ws[4] = {0.0f, pr.param[0].p[3], pr.param[0].p[12], 1e-4f};
    int comp[4];
    gmdl__sws_assign(&pr, ws, 4, vals, comp);
    CHECK_EQ(comp[0], 0);
    CHECK(vals[0] == 0.0f);
    CHECK_EQ(comp[1], 3);
    CHECK(vals[1] == pr.param[0].p[3]);
    CHECK_EQ(comp[2], 12);
    gc_free_layer(&d);
    gc_free_layer(&pr);
}

/* gmdl__sws_fit on weights drawn from 16 well-separated clusters (sd 0.002, 0.05 apart, none
 * near 0) plus small weights inside the zero component's +-2 sd: every learned component lands
 * on one cluster, with its sd; the small weights are left to the zero component. */
static void check_sws_fit(void) {
    gmdl__layer d = gc_make_layer(&gmdl__dense_ops, 200, 1, 1, 48, 0, 1, 0, 0.0f, 1, &R);
    gmdl__layer pr = gc_make_layer(&gmdl__sws_prior_ops, 48, 1, 1, 0, 0, 1, 0, 0.05f, 1, &R);
    pr.k.sws.zero_sd = 0.01f;
    pr.ops->init(&pr, &R);
    CHECK_NEAR(exp(-0.5 * (double)pr.param[1].p[0]), 0.01, 0.0, 1e-6);
    double centre[16];
    for (int k = 0; k < 16; k++)
        centre[k] = (k < 8 ? -0.45 : 0.1) + 0.05 * k; /* -0.45 .. -0.10, 0.50 .. 0.85 */
    size_t nw = d.param[0].count;
    for (size_t i = 0; i < nw; i++)
        d.param[0].p[i] = i % 5 == 4 ? (float)(0.015 * (gmdl_rng_uniform(&R) - 0.5))
                                     : (float)(centre[i % 16] + 0.002 * gmdl_rng_normal(&R));
    for (size_t i = 0; i < d.param[1].count; i++)
        d.param[1].p[i] = 0.0f;
    pr.k.sws.layers = &d;
    pr.k.sws.nlayers = 1;
    gmdl_err err;
    CHECK_OK(gmdl__sws_fit(&pr, &err));
    CHECK(pr.param[0].p[0] == 0.0f);
    for (int k = 0; k < 16; k++) {
        CHECK_NEAR(pr.param[0].p[k + 1], centre[k], 5e-4, 0.0);
        CHECK_NEAR(exp(-0.5 * (double)pr.param[1].p[k + 1]), 0.002, 4e-4, 0.0);
        CHECK(pr.param[2].p[k + 1] == 0.0f);
    }
    CHECK_NEAR(exp(-0.5 * (double)pr.param[1].p[0]), 0.01, 0.0, 1e-6); /* the zero one untouched */
    gc_free_layer(&d);
    gc_free_layer(&pr);
}

/* KL(LN(mu, e^lv) || Gamma(1/2, rate r)) (inv 0) or || InvGamma(1/2, scale r) (inv 1) by the
 * trapezoid rule over t = log x in mu +- 12 sd */
static double ln_kl_quad(double mu, double lv, int inv, double r) {
    const double sd = exp(0.5 * lv), k = 0.5, pi = 3.14159265358979323846;
    const int n = 20000;
    double sum = 0.0, h = 24.0 * sd / n;
    for (int i = 0; i <= n; i++) {
        double t = mu - 12.0 * sd + i * h, x = exp(t);
        double q = exp(-0.5 * (t - mu) * (t - mu) / (sd * sd)) / (sd * sqrt(2.0 * pi)); /* of t */
        double logq = log(q) - t;                                                       /* of x */
        double logp = inv ? k * log(r) - lgamma(k) - (k + 1.0) * t - r / x
                          : k * log(r) - lgamma(k) + (k - 1.0) * t - r * x;
        sum += (i == 0 || i == n ? 0.5 : 1.0) * q * (logq - logp);
    }
    return sum * h;
}

static gmdl__layer make(const gmdl__layer_ops *ops, int C, int H, int W, int units, int k, int n) {
    gmdl__layer l = gc_make_layer(ops, C, H, W, units, k, 1, 0, 0.0f, n, &R);
    fill(l.param[1].p, l.param[1].count, 0.0, 0.1);
    for (size_t j = 0; j < l.param[2].count; j++) /* log sigma^2 spread over the active range */
        l.param[2].p[j] = (float)(-6.0 + 7.0 * gmdl_rng_uniform(&R));
    if (ops == &gmdl__vd_dense_ops || ops == &gmdl__vd_conv2d_ops)
        for (size_t j = 0; j < l.param[2].count; j++) { /* alpha <= 1: log alpha in [-6, -0.2] */
            /* |theta| >= 0.02: log alpha moves by about 2 h / theta under a step h of theta,
             * and central differences with h = 1e-3 need that to be small */
            if (fabsf(l.param[0].p[j]) < 0.02f)
                l.param[0].p[j] = copysignf(0.02f + fabsf(l.param[0].p[j]), l.param[0].p[j]);
            double th = l.param[0].p[j];
            l.param[2].p[j] = (float)(log(th * th + 1e-8) - 0.2 - 5.8 * gmdl_rng_uniform(&R));
        }
    if (ops == &gmdl__ghs_dense_ops || ops == &gmdl__ghs_conv2d_ops) {
        /* log-normal scales: group means around 0 (scale ~1), log variances in [-5, -1], s_a
         * near its prior's scale tau0^2 = 1e-10 and s_b balancing it */
        for (size_t j = 0; j < l.param[2].count; j++)
            l.param[2].p[j] = (float)(-6.0 + 6.0 * gmdl_rng_uniform(&R));
        fill(l.param[3].p, l.param[3].count, -3.0, 1.0);
        size_t G = l.param[4].count / 4;
        for (size_t g = 0; g < G; g++)
            for (int r = 0; r < 4; r++)
                l.param[4].p[(size_t)r * G + g] =
                    (float)(r % 2 ? -5.0 + 4.0 * gmdl_rng_uniform(&R) : 0.2 * gmdl_rng_normal(&R));
        l.param[5].p[0] = (float)(log(1e-10) + 0.3 * gmdl_rng_normal(&R));
        l.param[5].p[1] = -3.0f;
        l.param[5].p[2] = (float)(-log(1e-10) + 0.3 * gmdl_rng_normal(&R));
        l.param[5].p[3] = -2.0f;
    }
    if (ops == &gmdl__gnj_dense_ops || ops == &gmdl__gnj_conv2d_ops) {
        /* weight and bias log variances in [-6, 0], group scales around 1 with noise */
        for (size_t j = 0; j < l.param[2].count; j++)
            l.param[2].p[j] = (float)(-6.0 + 6.0 * gmdl_rng_uniform(&R));
        fill(l.param[3].p, l.param[3].count, -3.0, 1.0);
        fill(l.param[4].p, l.param[4].count, 1.0, 0.3);
        fill(l.param[5].p, l.param[5].count, -3.0, 1.0);
    }
    return l;
}

static void check(const char *name, gmdl__layer *l, int n) {
    size_t nin = (size_t)n * l->in_size, nout = (size_t)n * l->out_size;
    float *x = malloc(nin * 4), *y = malloc(nout * 4), *dx = calloc(nin, 4), *dy = malloc(nout * 4);
    double *r = malloc(nout * sizeof(double));
    fill(x, nin, 0.0, 1.0);
    for (size_t i = 0; i < nout; i++)
        dy[i] = (float)(r[i] = gmdl_rng_normal(&R));
    ctx_t c = {l, x, y, r, n, 0};
    F(&c);
    gmdl__bwd b = {x, y, dy, dx, n, 1};
    l->ops->backward(l, &b);
    char w[64];
    snprintf(w, sizeof w, "%s.dx", name);
    gc_compare(w, x, nin, dx, F, &c, 1e-3, 3e-3);
    for (int j = 0; j < l->nparams; j++) {
        snprintf(w, sizeof w, "%s.%s", name, l->param[j].name);
        gc_compare(w, l->param[j].p, l->param[j].count, l->param[j].g, F, &c, 1e-3, 3e-3);
    }
    /* the KL gradient */
    for (int j = 0; j < l->nparams; j++)
        memset(l->param[j].g, 0, l->param[j].count * 4);
    prep(l);
    l->ops->kl(l, 1.0);
    ctx_t k = {l, x, y, r, n, 1};
    for (int j = 0; j < l->nparams; j++) {
        snprintf(w, sizeof w, "%s.kl.%s", name, l->param[j].name);
        gc_compare(w, l->param[j].p, l->param[j].count, l->param[j].g, F, &k, 1e-3, 3e-3);
    }
    /* EVAL_MEAN: masked means, no noise */
    gmdl__fwd a = {x, y, n, GMDL_MODE_EVAL_MEAN, 11, 4};
    l->ops->forward(l, &a);
    float *y2 = malloc(nout * 4);
    memcpy(y2, y, nout * 4);
    a.seed = 99;
    l->ops->forward(l, &a);
    CHECK(memcmp(y, y2, nout * 4) == 0);
    free(y2);
    free(x);
    free(y);
    free(dx);
    free(dy);
    free(r);
}

/* exact KL(q || log-uniform) up to the constant that makes it vanish as alpha -> infinity:
 * KL = -0.5 log alpha + E_z log|1 + sqrt(alpha) z| + (gamma + log 2) / 2, z ~ N(0, 1),
 * by quadrature on both sides of the log singularity at z0 = -1/sqrt(alpha) with z = z0 +- u^2 */
static double exact_kl(double la) {
    double s = exp(0.5 * la), z0 = -1.0 / s, e = 0.0;
    const int M = 200000;
    const double U = sqrt(14.0 + fabs(z0));
    for (int side = -1; side <= 1; side += 2) {
        double hstep = U / M, acc = 0.0;
        for (int i = 0; i <= M; i++) {
            double u = i * hstep, z = z0 + side * u * u;
            double f = 0.0;
            if (u > 0.0)
                f = log(s * u * u) * exp(-0.5 * z * z) * 2.0 * u / sqrt(2.0 * 3.141592653589793);
            double wgt = (i == 0 || i == M) ? 1.0 : (i % 2 ? 4.0 : 2.0); /* Simpson */
            acc += wgt * f;
        }
        e += acc * hstep / 3.0;
    }
    return -0.5 * la + e + 0.5 * (0.5772156649015329 + log(2.0));
}

static double approx_kl(double la) {
    const double k1 = 0.63576, k2 = 1.87320, k3 = 1.48695;
    return -(k1 / (1.0 + exp(-(k2 + k3 * la))) - 0.5 * log1p(exp(-la)) - k1);
}

/* Loads the .gmz at path and checks that it evaluates to the test error compress reported. */
static gmdl_model *load_reported(const char *path, const gmdl_dataset *te, double reported) {
    gmdl_model *z;
    gmdl_err err;
    gmdl_eval_result ev;
    CHECK_OK(gmdl_model_load(&z, path, &err));
    CHECK_OK(gmdl_model_evaluate(&ev, z, te, 0, 0, NULL, &err));
    CHECK_NEAR(1.0 - ev.accuracy, reported, 1e-12, 0);
    return z;
}

/* A structurally pruned .gmz decodes into a smaller net (fewer parameters; a select layer of
 * `sel` inputs first when sel > 0, and `h1` units in its first hidden layer when h1 > 0) whose
 * predictions equal those of the same file decoded into the full shapes. */
static void
check_reduced(gmdl_model *z, const char *path, const gmdl_dataset *te, size_t sel, size_t h1) {
    gmdl_model *full;
    gmdl_err err;
    CHECK_OK(gmdl__gmz_load_ex(&full, path, 0, &err));
    CHECK(gmdl_model_param_count(z) < gmdl_model_param_count(full));
    gmdl_layer_info li;
    if (sel) {
        gmdl_model_layer_info(&li, z, 0);
        CHECK(strcmp(li.kind, "select") == 0);
        CHECK_EQ(li.out_size, sel);
        gmdl_model_layer_info(&li, z, 1);
        CHECK_EQ(li.out_size, h1);
    }
    size_t n = 100, K = 10;
    float *pa = malloc(n * K * 4), *pb = malloc(n * K * 4);
    CHECK_OK(gmdl_model_predict(&(gmdl_prediction){.probs = pa}, z, te->x, n, 0, 0, NULL, &err));
    CHECK_OK(gmdl_model_predict(&(gmdl_prediction){.probs = pb}, full, te->x, n, 0, 0, NULL, &err));
    double worst = 0.0;
    for (size_t i = 0; i < n * K; i++)
        worst = fabs((double)pa[i] - (double)pb[i]) > worst ? fabs((double)pa[i] - (double)pb[i])
                                                            : worst;
    printf("reduced net: %zu of %zu parameters, max probability difference %.2g\n",
           gmdl_model_param_count(z), gmdl_model_param_count(full), worst);
    CHECK(worst < 1e-5);
    free(pa);
    free(pb);
    gmdl_model_destroy(full);
}

/* Train a small svd net, compress it, read the .gmz back. */
static void check_compress(void) {
    gmdl_dataset tr = fx_dataset(1500, 1), te = fx_dataset(400, 2);
    gmdl_train_config cfg = gmdl_train_config_default();
    snprintf(cfg.arch, sizeof cfg.arch, "mlp:40");
    snprintf(cfg.method, sizeof cfg.method, "svd");
    cfg.batch = 50;
    cfg.epochs = 8;
    cfg.kl_warmup_start = 0;
    cfg.kl_warmup_epochs = 2;
    gmdl_model *m;
    gmdl_err err;
    CHECK_OK(gmdl_model_create(&m, &cfg, 1, 28, 28, 10, &err));
    gmdl_epoch_stats st;
    for (int e = 0; e < cfg.epochs; e++)
        CHECK_OK(gmdl_model_train_epoch(m, &st, &tr, &te, NULL, NULL, &err));
    CHECK(st.kept < 0.9); /* the posterior prunes */
    CHECK(st.test_accuracy > 0.9);
    char path[256];
    snprintf(path, sizeof path, "/tmp/gmdl_test_bayes_%ld.gmz", (long)getpid());
    gmdl_compress_config cc = gmdl_compress_config_default();
    gmdl_compress_report r;
    CHECK_OK(gmdl_model_compress(&r, m, &te, &cc, path, &err));
    printf("compressed: error %.4f (pruned %.4f), nonzero %.3f, rates %g %g %g, %zu bytes\n",
           r.test_error, r.test_error_pruned, r.nonzero_fraction, r.pruning_rate,
           r.fast_prediction_rate, r.max_compression_rate, r.bytes);
    CHECK_EQ(r.nlayers, 2);
    CHECK(r.test_error - r.test_error_pruned <= cc.tolerance + 1e-12);
    CHECK(r.pruning_rate >= 1 && r.fast_prediction_rate > r.pruning_rate);
    CHECK(r.max_compression_rate >= r.fast_prediction_rate);
    for (int i = 0; i < r.nlayers; i++)
        CHECK(r.layers[i].bits >= r.layers[i].rule_bits);
    /* the model is unchanged by compressing, and its own error is close */
    gmdl_eval_result ev;
    CHECK_OK(gmdl_model_evaluate(&ev, m, &te, 0, 0, NULL, &err));
    CHECK_NEAR(1.0 - ev.accuracy, st.test_accuracy > 0 ? 1.0 - st.test_accuracy : 0, 1e-12, 0);
    /* the .gmz runs: same error as reported, and it is a plain-layer model */
    gmdl_model *z = load_reported(path, &te, r.test_error);
    CHECK(gmdl_model_is_compressed(z));
    gmdl_layer_info li;
    gmdl_model_layer_info(&li, z, 0);
    CHECK(strcmp(li.kind, "sparse_dense") == 0); /* 2% density: the sparse path */
    gmdl_model_destroy(z);
    /* a kept weight whose code is 0 (tiny mean, tiny variance): the sparse path of the loaded
     * .gmz must hold exactly the decoded weights */
    gmdl__layer *f1 = &m->layers[0];
    float keep_th = f1->param[0].p[0], keep_ls = f1->param[2].p[0];
    f1->param[0].p[0] = 1e-6f;
    f1->param[2].p[0] = -40.0f; /* log alpha = -40 + 27.6: kept */
    gmdl_compress_report r2;
    CHECK_OK(gmdl_model_compress(&r2, m, &te, &cc, path, &err));
    CHECK_OK(gmdl_model_load(&z, path, &err));
    gmdl__layer *zl = &z->layers[0];
    CHECK(zl->ops == &gmdl__sparse_dense_ops);
    size_t nzw = 0, mism = 0;
    for (size_t j = 0; j < zl->param[0].count; j++)
        nzw += zl->param[0].p[j] != 0.0f;
    for (int k = 0; k < zl->units; k++)
        for (uint32_t q = zl->k.csr.rowptr[k]; q < zl->k.csr.rowptr[k + 1]; q++)
            mism +=
                zl->k.csr.vals[q] != zl->param[0].p[(size_t)k * zl->in_size + zl->k.csr.cols[q]];
    CHECK_EQ(zl->k.csr.rowptr[zl->units], nzw);
    CHECK_EQ(mism, 0);
    CHECK(r2.test_error - r2.test_error_pruned <= cc.tolerance + 1e-12);
    gmdl_compress_report_fini(&r2);
    gmdl_model_destroy(z);
    f1->param[0].p[0] = keep_th;
    f1->param[2].p[0] = keep_ls;
    /* corrupt and truncated files are rejected */
    FILE *f = fopen(path, "r+b");
    fseek(f, (long)r.bytes / 2, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, (long)r.bytes / 2, SEEK_SET);
    fputc(ch ^ 0x10, f);
    fclose(f);
    CHECK_STATUS(gmdl_model_load(&z, path, &err), GMDL_ECHECKSUM);
    CHECK(truncate(path, (off_t)r.bytes - 9) == 0);
    CHECK_STATUS(gmdl_model_load(&z, path, &err), GMDL_ECORRUPT);
    unlink(path);
    gmdl_compress_report_fini(&r);
    gmdl_model_destroy(m);
    /* vd, bbb: per-weight posteriors without sparsity: compress still quantises, and the file
     * runs with the error it reports */
    const char *weight_methods[2] = {"vd", "bbb"};
    for (int wm = 0; wm < 2; wm++) {
        snprintf(cfg.method, sizeof cfg.method, "%s", weight_methods[wm]);
        CHECK_OK(gmdl_model_create(&m, &cfg, 1, 28, 28, 10, &err));
        for (int e = 0; e < cfg.epochs; e++)
            CHECK_OK(gmdl_model_train_epoch(m, &st, &tr, &te, NULL, NULL, &err));
        CHECK(st.test_accuracy > 0.9);
        CHECK_OK(gmdl_model_compress(&r, m, &te, &cc, path, &err));
        printf("%s: error %.4f (pruned %.4f), bits %d %d, rates %g %g %g\n", cfg.method,
               r.test_error, r.test_error_pruned, r.layers[0].bits, r.layers[1].bits,
               r.pruning_rate, r.fast_prediction_rate, r.max_compression_rate);
        CHECK(r.test_error - r.test_error_pruned <= cc.tolerance + 1e-12);
        if (wm == 0) /* alpha <= 1: nothing reaches log alpha 3 */
            CHECK_EQ(r.layers[0].nonzero, r.layers[0].total);
        z = load_reported(path, &te, r.test_error);
        gmdl_model_destroy(z);
        unlink(path);
        gmdl_compress_report_fini(&r);
        gmdl_model_destroy(m);
    }
    /* bc-gnj, bc-ghs: structured pruning, whole input units removed, no index bits */
    const char *group_methods[2] = {"bc-gnj", "bc-ghs"};
    for (int gm = 0; gm < 2; gm++) {
        snprintf(cfg.method, sizeof cfg.method, "%s", group_methods[gm]);
        cfg.epochs = 25;
        cfg.lr = 0.01; /* the group scales start far from pruning: move them in a short test */
        CHECK_OK(gmdl_model_create(&m, &cfg, 1, 28, 28, 10, &err));
        for (int e = 0; e < cfg.epochs; e++)
            CHECK_OK(gmdl_model_train_epoch(m, &st, &tr, &te, NULL, NULL, &err));
        CHECK(st.kept_units > 0.0 && st.kept_units <= 1.0);
        CHECK_OK(gmdl_model_compress(&r, m, &te, &cc, path, &err));
        printf("%s: error %.4f (pruned %.4f), fc1 %zux%zu, fc2 %zux%zu, rates %g %g %g\n",
               cfg.method, r.test_error, r.test_error_pruned, r.layers[0].pruned_rows,
               r.layers[0].pruned_cols, r.layers[1].pruned_rows, r.layers[1].pruned_cols,
               r.pruning_rate, r.fast_prediction_rate, r.max_compression_rate);
        for (int i = 0; i < r.nlayers; i++) /* the kept weights form a dense smaller layer */
            CHECK_EQ(r.layers[i].nonzero, r.layers[i].pruned_rows * r.layers[i].pruned_cols);
        CHECK(r.layers[0].pruned_cols < 784); /* background pixels carry no signal here */
        CHECK_EQ(r.layers[0].pruned_rows, r.layers[1].pruned_cols); /* fc2's kept inputs */
        CHECK(r.test_error < 0.1);
        z = load_reported(path, &te, r.test_error);
        check_reduced(z, path, &te, r.layers[0].pruned_cols, r.layers[0].pruned_rows);
        gmdl_model_destroy(z);
        unlink(path);
        gmdl_compress_report_fini(&r);
        gmdl_model_destroy(m);
    }
    /* a conv net with group pruning: filters removed, the same predictions */
    snprintf(cfg.arch, sizeof cfg.arch, "cnn:c6k5-p2-d16");
    snprintf(cfg.method, sizeof cfg.method, "bc-gnj");
    cfg.epochs = 12;
    CHECK_OK(gmdl_model_create(&m, &cfg, 1, 28, 28, 10, &err));
    for (int e = 0; e < cfg.epochs; e++)
        CHECK_OK(gmdl_model_train_epoch(m, &st, &tr, &te, NULL, NULL, &err));
    double lt[1]; /* conv1's threshold */
    {             /* force half of the filters out, whatever the training reached */
        double la[6], tmp;
        size_t nla;
        const char *nm;
        CHECK_OK(gmdl_model_log_alpha(la, 6, &nla, &nm, m, 0, &err));
        CHECK_EQ(nla, 6);
        for (int i = 0; i < 6; i++)
            for (int j = i + 1; j < 6; j++)
                if (la[j] < la[i]) {
                    tmp = la[i];
                    la[i] = la[j];
                    la[j] = tmp;
                }
        lt[0] = 0.5 * (la[2] + la[3]);
    }
    cc.layer_threshold = lt;
    cc.layer_threshold_n = 1;
    CHECK_OK(gmdl_model_compress(&r, m, &te, &cc, path, &err));
    cc.layer_threshold = NULL;
    cc.layer_threshold_n = 0;
    printf("bc-gnj conv: error %.4f, conv1 %zu of 6 filters, fc1 %zux%zu\n", r.test_error,
           r.layers[0].pruned_rows, r.layers[1].pruned_rows, r.layers[1].pruned_cols);
    CHECK(r.layers[0].pruned_rows < 6);
    z = load_reported(path, &te, r.test_error);
    check_reduced(z, path, &te, 0, 0);
    gmdl_model_destroy(z);
    unlink(path);
    gmdl_compress_report_fini(&r);
    gmdl_model_destroy(m);
    /* a dense model has no posterior */
    snprintf(cfg.method, sizeof cfg.method, "dense");
    CHECK_OK(gmdl_model_create(&m, &cfg, 1, 28, 28, 10, &err));
    CHECK_STATUS(gmdl_model_compress(&r, m, &te, &cc, path, &err), GMDL_EUNSUPPORTED);
    CHECK_STR_CONTAINS(err.msg, "no posterior");
    CHECK(r.layers == NULL && r.nlayers == 0);
    gmdl_compress_report_fini(&r);
    gmdl_model_destroy(m);
    free(tr.x);
    free(tr.y);
    free(te.x);
    free(te.y);
}

/* --init of an sws model from a dense one: the components are placed on the copied weights
 * (ascending means inside their range), the zero component holds its fixed sd, and the sd is
 * kept by the model file */
static void check_sws_init_from(void) {
    gmdl_err err;
    gmdl_train_config c = gmdl_train_config_default();
    snprintf(c.arch, sizeof c.arch, "mlp:24");
    gmdl_model *d, *w, *back;
    CHECK_OK(gmdl_model_create(&d, &c, 1, 8, 8, 3, &err));
    snprintf(c.method, sizeof c.method, "sws");
    c.sws.zero_sd = 0.02;
    CHECK_OK(gmdl_model_create(&w, &c, 1, 8, 8, 3, &err));
    int copied = 0;
    CHECK_OK(gmdl_model_init_from(w, &copied, d, &err));
    CHECK_EQ(copied, 4);
    double lo = 1e30, hi = -1e30;
    for (int q = 0; q < d->nlayers; q++)
        for (int p = 0; p < d->layers[q].nparams; p++)
            for (size_t i = 0; i < d->layers[q].param[p].count; i++) {
                double v = d->layers[q].param[p].p[i];
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
    const gmdl__layer *pr = &w->layers[w->nlayers - 1];
    CHECK(strcmp(pr->ops->kind, "sws_prior") == 0);
    CHECK(pr->k.sws.zero_sd == 0.02f);
    CHECK_NEAR(exp(-0.5 * (double)pr->param[1].p[0]), 0.02, 1e-7, 0.0);
    for (int j = 1; j < GMDL__SWS_COMPONENTS; j++) {
        CHECK((double)pr->param[0].p[j] >= lo && (double)pr->param[0].p[j] <= hi);
        if (j > 1)
            CHECK(pr->param[0].p[j] > pr->param[0].p[j - 1]);
    }
    char path[64];
    snprintf(path, sizeof path, "/tmp/gmdl_test_sws_%ld.gmdl", (long)getpid());
    CHECK_OK(gmdl_model_save(w, path, &err));
    CHECK_OK(gmdl_model_load(&back, path, &err));
    CHECK(gmdl_model_config(back)->sws.zero_sd == 0.02);
    CHECK(back->layers[back->nlayers - 1].k.sws.zero_sd == 0.02f);
    remove(path);
    gmdl_model_destroy(back);
    gmdl_model_destroy(w);
    gmdl_model_destroy(d);
}

/* The mixture's means, log precisions and mixing logits, one after another */
enum { MIX_FLOATS = 3 * GMDL__SWS_COMPONENTS };
static void get_mixture(const gmdl__layer *pr, float *out) {
    for (int j = 0; j < 3; j++)
        memcpy(out + j * GMDL__SWS_COMPONENTS, pr->param[j].p, GMDL__SWS_COMPONENTS * sizeof *out);
}

/* Weights of layer q that sit exactly at the value compress gives them */
static size_t count_hard(const gmdl_model *m, int q) {
    const gmdl__layer *pr = &m->layers[m->nlayers - 1];
    const gmdl__param *pp = &m->layers[q].param[0];
    float *v = malloc(pp->count * sizeof *v);
    gmdl__sws_assign(pr, pp->p, pp->count, v, NULL);
    size_t k = 0;
    for (size_t i = 0; i < pp->count; i++)
        k += pp->p[i] == v[i];
    free(v);
    return k;
}

/* sws hardening (stages 0.5, 0.9, 1 in the last three of four epochs): after each stage every
 * layer holds at least its fraction of weights exactly at their compress values, the mixture
 * stays where the first stage found it, the finished net has at most 17 distinct weight values
 * and compresses to itself (the same test error), and a run resumed from the file after the
 * second stage ends with the same parameters as the uninterrupted one. */
static void check_sws_harden(void) {
    gmdl_dataset tr = fx_dataset(1000, 5), te = fx_dataset(300, 6);
    gmdl_err err;
    gmdl_train_config c = gmdl_train_config_default();
    snprintf(c.arch, sizeof c.arch, "mlp:32");
    c.batch = 50;
    c.epochs = 3;
    gmdl_model *d, *w, *w2;
    gmdl_epoch_stats st;
    CHECK_OK(gmdl_model_create(&d, &c, 1, 28, 28, 10, &err));
    for (int e = 0; e < c.epochs; e++)
        CHECK_OK(gmdl_model_train_epoch(d, &st, &tr, &te, NULL, NULL, &err));
    snprintf(c.method, sizeof c.method, "sws");
    c.epochs = 4;
    c.lr = 2e-4;
    double stages[3];
    size_t nstages = 0;
    CHECK_OK(gmdl_sws_harden_parse(stages, 3, &nstages, "0.5,0.9,1", &err));
    CHECK_EQ(nstages, 3);
    c.sws.harden = stages;
    c.sws.harden_n = (int)nstages;
    CHECK_OK(gmdl_model_create(&w, &c, 1, 28, 28, 10, &err));
    int copied = 0;
    CHECK_OK(gmdl_model_init_from(w, &copied, d, &err));
    const gmdl__layer *pr = &w->layers[w->nlayers - 1];
    float mix[MIX_FLOATS], mix0[MIX_FLOATS];
    get_mixture(pr, mix0);
    CHECK_EQ(gmdl_model_sws_stage(w), -1);
    CHECK_OK(gmdl_model_train_epoch(w, &st, &tr, &te, NULL, NULL, &err)); /* soft */
    get_mixture(pr, mix);
    CHECK(memcmp(mix, mix0, sizeof mix) != 0); /* the mixture learns before hardening */
    const double f[3] = {0.5, 0.9, 1.0};
    char path[64];
    snprintf(path, sizeof path, "/tmp/gmdl_test_harden_%ld.gmdl", (long)getpid());
    for (int k = 0; k < 3; k++) {
        CHECK_EQ(gmdl_model_sws_stage(w), k);
        CHECK_OK(gmdl_model_train_epoch(w, &st, &tr, &te, NULL, NULL, &err));
        for (int q = 0; q < w->nlayers - 1; q++) {
            if (w->layers[q].nparams == 0)
                continue;
            size_t n = w->layers[q].param[0].count, h = count_hard(w, q);
            printf("sws hardening stage %d (%.2f): %s %zu of %zu at their values\n", k + 1, f[k],
                   w->layers[q].param[0].name, h, n);
            CHECK(h >= (size_t)(f[k] * (double)n + 0.5));
            if (k == 0)
                CHECK(h < n);
        }
        float now[MIX_FLOATS];
        get_mixture(pr, now);
        CHECK(memcmp(now, mix, sizeof now) == 0); /* fixed while hardening */
        if (k == 1)
            CHECK_OK(gmdl_model_save(w, path, &err));
    }
    /* at most 17 distinct weight values, and compress keeps the net as it is */
    float vals[64];
    int nv = 0;
    for (int q = 0; q < w->nlayers - 1; q++)
        for (size_t i = 0; w->layers[q].nparams && i < w->layers[q].param[0].count; i++) {
            float x = w->layers[q].param[0].p[i];
            int found = 0;
            for (int j = 0; j < nv && !found; j++)
                found = vals[j] == x;
            if (!found && nv < 64)
                vals[nv++] = x;
        }
    printf("sws hardening: %d distinct weight values\n", nv);
    CHECK(nv >= 2 && nv <= GMDL__SWS_COMPONENTS);
    gmdl_eval_result ev;
    CHECK_OK(gmdl_model_evaluate(&ev, w, &te, 0, 0, NULL, &err));
    char zpath[64];
    snprintf(zpath, sizeof zpath, "/tmp/gmdl_test_harden_%ld.gmz", (long)getpid());
    gmdl_compress_config cc = gmdl_compress_config_default();
    gmdl_compress_report r;
    CHECK_OK(gmdl_model_compress(&r, w, &te, &cc, zpath, &err));
    CHECK_NEAR(r.test_error, 1.0 - ev.accuracy, 1e-12, 0.0);
    CHECK_NEAR(r.test_error_pruned, 1.0 - ev.accuracy, 1e-12, 0.0);
    gmdl_compress_report_fini(&r);
    remove(zpath);
    /* resumed after the second stage: the same end */
    CHECK_OK(gmdl_model_load(&w2, path, &err));
    CHECK_EQ(gmdl_model_epoch(w2), 3);
    CHECK_OK(gmdl_model_train_epoch(w2, &st, &tr, &te, NULL, NULL, &err));
    CHECK(w2->nstore == w->nstore);
    CHECK(memcmp(w2->params, w->params, w->nstore * sizeof(float)) == 0);
    remove(path);
    gmdl_model_destroy(w2);
    gmdl_model_destroy(w);
    gmdl_model_destroy(d);
    free(tr.x);
    free(tr.y);
    free(te.x);
    free(te.y);
}

int main(void) {
    gmdl_rng_seed(&R, th_seed(4242), 9);
    check_compress();
    check_sws();
    check_sws_fit();
    check_sws_init_from();
    check_sws_harden();
    /* every variational layer: gradients of the sampled pass and of the KL (fixed noise) */
    static const struct {
        const char *name;
        const gmdl__layer_ops *ops;
        int c, h, w, units, k, n;
    } layers[] = {
        {"svd_dense", &gmdl__svd_dense_ops, 11, 1, 1, 7, 0, 4},
        {"svd_conv2d", &gmdl__svd_conv2d_ops, 2, 6, 6, 3, 3, 3},
        {"bbb_dense", &gmdl__bbb_dense_ops, 10, 1, 1, 4, 0, 3},
        {"bbb_conv2d", &gmdl__bbb_conv2d_ops, 2, 5, 5, 2, 3, 2},
        {"vd_dense", &gmdl__vd_dense_ops, 10, 1, 1, 4, 0, 3},
        {"gnj_dense", &gmdl__gnj_dense_ops, 9, 1, 1, 5, 0, 4},
        {"gnj_conv2d", &gmdl__gnj_conv2d_ops, 2, 6, 6, 3, 3, 3},
        {"ghs_dense", &gmdl__ghs_dense_ops, 9, 1, 1, 5, 0, 4},
        {"ghs_conv2d", &gmdl__ghs_conv2d_ops, 2, 6, 6, 3, 3, 3},
    };
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        gmdl__layer l = make(layers[i].ops, layers[i].c, layers[i].h, layers[i].w, layers[i].units,
                             layers[i].k, layers[i].n);
        check(layers[i].name, &l, layers[i].n);
        gc_free_layer(&l);
    }
    gmdl__layer vc = make(&gmdl__vd_conv2d_ops, 2, 5, 5, 2, 3, 2);
    check("vd_conv2d", &vc, 2);
    /* its KL against the exact KL (quadrature) on log alpha in [-8, 0], up to the constant that
     * fits best (the approximation's constant is not published): Kingma et al.'s polynomial is
     * a coarser fit than Molchanov et al.'s (about 0.02 here against 0.0094) */
    {
        double kl_at[17], worst_vd = 0.0;
        for (int q = 0; q <= 16; q++) {
            double la = -8.0 + 0.5 * q;
            vc.param[0].p[0] = 1.0f;
            vc.param[2].p[0] = (float)la;
            for (size_t j = 1; j < vc.param[0].count; j++) { /* the rest fixed at alpha = 1 */
                vc.param[0].p[j] = 1.0f;
                vc.param[2].p[j] = 0.0f;
            }
            prep(&vc);
            kl_at[q] = vc.ops->kl(&vc, 0.0);
        }
        double dd[17], dlo = 1e9, dhi = -1e9;
        for (int q = 0; q <= 16; q++) {
            dd[q] = kl_at[q] - exact_kl(-8.0 + 0.5 * q);
            dlo = dd[q] < dlo ? dd[q] : dlo;
            dhi = dd[q] > dhi ? dd[q] : dhi;
        }
        for (int q = 0; q <= 16; q++) {
            double e = fabs(dd[q] - 0.5 * (dlo + dhi));
            worst_vd = e > worst_vd ? e : worst_vd;
        }
        printf("vd KL approximation: max error %.4f on log alpha [-8, 0]\n", worst_vd);
        CHECK(worst_vd < 0.025);
        CHECK(worst_vd > 0.002); /* the quadrature really measures */
    }
    gc_free_layer(&vc);

    /* bc-ghs: the layer's KL against the Gaussian KLs by formula and the log-normal KLs by
     * quadrature over log x (independent of the closed forms in ghs.c) */
    {
        gmdl__layer h = make(&gmdl__ghs_dense_ops, 2, 1, 1, 1, 0, 1);
        double want = 0.0;
        for (int p = 0; p < 2; p++)
            for (size_t j = 0; j < h.param[p].count; j++) {
                double mu = h.param[p].p[j], lv = h.param[p + 2].p[j];
                want += 0.5 * (-lv + exp(lv) + mu * mu - 1.0);
            }
        const float *zp = h.param[4].p, *sp = h.param[5].p;
        for (size_t g = 0; g < 2; g++) {
            want += ln_kl_quad(zp[g], zp[2 + g], 0, 1.0);
            want += ln_kl_quad(zp[4 + g], zp[6 + g], 1, 1.0);
        }
        want += ln_kl_quad(sp[0], sp[1], 0, 1e10);
        want += ln_kl_quad(sp[2], sp[3], 1, 1.0);
        prep(&h);
        double got = h.ops->kl(&h, 1.0);
        printf("bc-ghs KL: layer %.6f, quadrature %.6f\n", got, want);
        CHECK_NEAR(got, want, 1e-4, 1e-5);
        gc_free_layer(&h);
    }

    /* the KL approximation against the exact KL on the grid */
    double worst = 0, at = 0;
    for (double la = -8.0; la <= 8.0001; la += 0.5) {
        double e = fabs(exact_kl(la) - approx_kl(la));
        if (e > worst) {
            worst = e;
            at = la;
        }
    }
    printf("KL approximation: max |approx - exact| = %.4f at log alpha = %.1f\n", worst, at);
    CHECK(worst < 0.02);
    CHECK(worst > 0.005); /* the approximation is not exact: the quadrature really measures */
    /* the layer's KL (float, vectorised) equals the formula */
    gmdl__layer k = make(&gmdl__svd_dense_ops, 3, 1, 1, 1, 0, 1);
    k.param[0].p[0] = 1.0f;
    k.param[0].p[1] = 0.5f;
    k.param[0].p[2] = 2.0f;
    k.param[2].p[0] = -3.0f;
    k.param[2].p[1] = 0.0f;
    k.param[2].p[2] = 1.0f;
    double want = 0;
    for (int j = 0; j < 3; j++) {
        double th = k.param[0].p[j], la = (double)k.param[2].p[j] - log(th * th + 1e-8);
        want += approx_kl(la);
    }
    prep(&k);
    CHECK_NEAR(k.ops->kl(&k, 1.0), want, 1e-5, 1e-5);
    gc_free_layer(&k);

    /* whole svd models: gradient of cross-entropy + KL / N through the training step's pieces */
    const char *arches[2] = {"mlp:6", "cnn:c2k3-p2-d5"};
    for (int a = 0; a < 2; a++) {
        gmdl_train_config cfg = gmdl_train_config_default();
        snprintf(cfg.arch, sizeof cfg.arch, "%s", arches[a]);
        snprintf(cfg.method, sizeof cfg.method, "svd");
        cfg.batch = 5;
        gmdl_model *m;
        gmdl_err err;
        CHECK_OK(gmdl_model_create(&m, &cfg, 1, 6, 6, 3, &err));
        CHECK(m->cfg.lr_schedule == (a ? GMDL_LR_LINEAR : GMDL_LR_CONSTANT_LINEAR));
        CHECK_EQ(gmdl_model_layer_count(m), a ? 7 : 3);
        gmdl_layer_info li;
        gmdl_model_layer_info(&li, m, 0);
        CHECK(strcmp(li.kind, a ? "svd_conv2d" : "svd_dense") == 0);
        double units, kept = 0;
        CHECK_OK(gmdl__model_kept_fraction(&kept, &units, m));
        CHECK_NEAR(kept, 1.0, 0, 0); /* log sigma^2 = -10 */
        CHECK(isnan(units));         /* no groups */
        gmdl_model_destroy(m);
    }
    TEST_MAIN_END();
}
