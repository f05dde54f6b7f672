/* gmdl against PyTorch: the golden fixture tests/fixtures/golden/golden.txt (written by
 * make_golden.py there, PyTorch in float64) holds, for a 12-10-7-3 ReLU MLP and a batch of 8,
 * the inputs, the initial parameters, the logits, the loss, the gradients of every parameter and
 * the parameters after five Adam steps, for the method dense and for sparse VD (svd). This test
 * builds the same nets with gmdl_model_create, loads the fixture's parameters and compares.
 *
 * dense: the first step's logits, loss and gradients by the model's forward and backward pass,
 * then five epochs of gmdl_model_train_epoch on the 8 items with batch 8 (one Adam step each;
 * the shuffle only reorders the rows of the sums).
 * svd: the mean-path logits and the KL at the start, then five steps of the training objective
 * N_train x mean CE + w x KL as train.c's train_step computes it (forward, cross-entropy scaled
 * by N_train / n, backward, the layers' KL at weight w, gmdl__adam_step), with the fixture's
 * noise: gmdl draws its own noise inside the layer, so after each sampled forward pass of an svd
 * layer the test replaces it. lrt.c keeps the noise and the standard deviation of the sampled
 * pre-activations in the layer's cache (x^2 [N, D], eps [N, K], std [N, K]); the test checks that
 * the cached noise is the layer's own stream (so the layout is the one assumed), sets y = mean +
 * std x eps' with the mean from the layer's mean pass (the float operations of lrt.c's
 * sample_range) and puts eps' into the cache, where backward reads it. No library change.
 *
 * Tolerances (float32 against float64): each value is compared as |gmdl - torch| <= rtol x the
 * largest |torch| value of its tensor. A layer's outputs are dot products of at most 12 terms,
 * so three layers carry a relative error of about (12 + 10 + 7) u ~ 2e-6 of the tensor's scale
 * in the worst case; the gradients add the backward sums (8 rows) and the softmax; rtol 2e-5
 * (about 10 times that). After five Adam steps each parameter has moved by five steps of at
 * most lr (1e-3) each, normalised by sqrt(v): an element's step carries the relative error of
 * its gradient, which is large only where the gradient is near 0 relative to its terms; the
 * bound is 1e-6 + 1e-4 x |step| + the float rounding of the parameter (the kernel's 1 - beta2 in
 * float alone changes each step by 1.3e-5 of itself, test_reference.c). The largest differences
 * are printed. */
#include "bayes/bayes_internal.h"
#include "gmdl/gmdl.h"
#include "harness.h"
#include "model/model_internal.h"
#include "nn/layer.h"
#include "nn/optim.h"

/* ---------------------------------------------------------------- the fixture */
typedef struct {
    char name[64];
    size_t n;
    double *v;
} rec_t;

static rec_t recs[128];
static int nrecs;

/* Reads NAME COUNT records of whitespace-separated numbers; '#' lines are comments. */
static void load_fixture(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        fprintf(stderr, "cannot open %s\n", path);
    REQUIRE(f != NULL);
    char line[256];
    while (fscanf(f, " %255s", line) == 1) {
        if (line[0] == '#') {
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        REQUIRE(nrecs < 128 && strlen(line) < 64);
        rec_t *r = &recs[nrecs++];
        memcpy(r->name, line, strlen(line) + 1); /* shorter than 64: checked above */
        REQUIRE(fscanf(f, "%zu", &r->n) == 1 && r->n > 0 && r->n < 100000);
        r->v = malloc(r->n * sizeof(double));
        REQUIRE(r->v != NULL);
        for (size_t i = 0; i < r->n; i++) {
            char num[64];
            REQUIRE(fscanf(f, " %63s", num) == 1);
            char *end;
            r->v[i] = strtod(num, &end);
            REQUIRE(*end == '\0');
        }
    }
    fclose(f);
}

static const double *get(const char *name, size_t n) {
    for (int i = 0; i < nrecs; i++)
        if (strcmp(recs[i].name, name) == 0) {
            if (recs[i].n != n)
                fprintf(stderr, "%s: %zu values, expected %zu\n", name, recs[i].n, n);
            REQUIRE(recs[i].n == n);
            return recs[i].v;
        }
    fprintf(stderr, "fixture record %s missing\n", name);
    REQUIRE(0);
    return NULL;
}

/* the record PREFIX.NAME */
static const double *get2(const char *prefix, const char *name, size_t n) {
    char full[96];
    snprintf(full, sizeof full, "%s.%s", prefix, name);
    return get(full, n);
}

/* ---------------------------------------------------------------- comparison */
static void report(const char *what, double diff, double scale, double tol) {
    printf("  %-34s max |diff| %.3g (scale %.3g, %.3g of the tolerance)\n", what, diff, scale,
           diff / tol);
}

/* got[i] against want[i] within rtol x max |want| */
static void
cmp_scaled(const char *what, const float *got, const double *want, size_t n, double rtol) {
    double scale = 0.0, diff = 0.0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    const double tol = rtol * scale + 1e-12;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        diff = fmax(diff, d);
        if (!(d <= tol) && bad++ < 3)
            fprintf(stderr, "  %s[%zu]: gmdl %.9g torch %.9g (tol %.3g)\n", what, i, (double)got[i],
                    want[i], tol);
    }
    CHECK(bad == 0);
    report(what, diff, scale, tol);
}

/* parameters after the Adam steps: within 1e-6 + 1e-4 |moved| + 8 u |p| */
static void
cmp_steps(const char *what, const float *got, const double *want, const double *init, size_t n) {
    double diff = 0.0, used = 0.0;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        double tol = 1e-6 + 1e-4 * fabs(want[i] - init[i]) + 4.8e-7 * fabs(want[i]);
        diff = fmax(diff, d);
        used = fmax(used, d / tol);
        if (!(d <= tol) && bad++ < 3)
            fprintf(stderr, "  %s[%zu]: gmdl %.9g torch %.9g (start %.9g, tol %.3g)\n", what, i,
                    (double)got[i], want[i], init[i], tol);
    }
    CHECK(bad == 0);
    printf("  %-34s max |diff| %.3g (%.3g of the tolerance)\n", what, diff, used);
}

/* ---------------------------------------------------------------- the nets */
static gmdl_model *make(const char *method, const int *sizes, int batch) {
    gmdl_train_config cfg = gmdl_train_config_default();
    snprintf(cfg.arch, sizeof cfg.arch, "mlp:%d-%d", sizes[1], sizes[2]);
    snprintf(cfg.method, sizeof cfg.method, "%s", method);
    cfg.batch = batch;
    cfg.epochs = 5;
    cfg.lr = 1e-3;
    cfg.lr_schedule = GMDL_LR_CONSTANT;
    cfg.kl_warmup_start = 0;
    cfg.kl_warmup_epochs = 0;
    gmdl_model *m;
    gmdl_err err;
    REQUIRE_OK_MSG(gmdl_model_create(&m, &cfg, sizes[0], 1, 1, sizes[3], &err), err.msg);
    return m;
}

/* every parameter from the fixture's PREFIX.NAME record */
static void load_params(gmdl_model *m, const char *prefix) {
    for (int i = 0; i < m->nlayers; i++)
        for (int j = 0; j < m->layers[i].nparams; j++) {
            gmdl__param *p = &m->layers[i].param[j];
            const double *v = get2(prefix, p->name, p->count);
            for (size_t k = 0; k < p->count; k++)
                p->p[k] = (float)v[k];
        }
}

static void cmp_params(gmdl_model *m, const char *prefix, int grads, double rtol) {
    for (int i = 0; i < m->nlayers; i++)
        for (int j = 0; j < m->layers[i].nparams; j++) {
            gmdl__param *p = &m->layers[i].param[j];
            char what[96];
            snprintf(what, sizeof what, "%s.%s", prefix, p->name);
            cmp_scaled(what, grads ? p->g : p->p, get(what, p->count), p->count, rtol);
        }
}

static void cmp_final(gmdl_model *m, const char *method) {
    for (int i = 0; i < m->nlayers; i++)
        for (int j = 0; j < m->layers[i].nparams; j++) {
            gmdl__param *p = &m->layers[i].param[j];
            char what[96], init[32];
            snprintf(what, sizeof what, "%s.final.%s", method, p->name);
            snprintf(init, sizeof init, "%s.init", method);
            cmp_steps(what, p->p, get(what, p->count), get2(init, p->name, p->count), p->count);
        }
}

/* backward through every layer, as train.c's train_step (dlogits already in dact[L]) */
static void backward(gmdl_model *m, int n) {
    for (int i = m->nlayers - 1; i >= 0; i--) {
        gmdl__layer *l = &m->layers[i];
        gmdl__bwd a = {m->act[i], m->act[i + 1], m->dact[i + 1], i > 0 ? m->dact[i] : NULL, n, 0};
        l->ops->backward(l, &a);
    }
}

#define RTOL 2e-5

static void check_dense(const int *sizes, float *x, int32_t *y, int n) {
    printf("dense MLP\n");
    gmdl_model *m = make("dense", sizes, n);
    load_params(m, "dense.init");
    const int K = sizes[3];
    memcpy(m->act[0], x, (size_t)n * sizes[0] * sizeof(float));
    memcpy(m->ybatch, y, (size_t)n * sizeof(int32_t));
    const float *logits = gmdl__model_forward(m, n, GMDL_MODE_TRAIN, m->cfg.seed, 0);
    cmp_scaled("dense.logits", logits, get("dense.logits", (size_t)n * K), (size_t)n * K, RTOL);
    double ce = gmdl__softmax_xent(logits, m->ybatch, n, K, 1.0f / (float)n, m->dact[m->nlayers],
                                   NULL, NULL);
    const double *loss = get("dense.loss", 5);
    CHECK_NEAR(ce / n, loss[0], 0.0, RTOL);
    backward(m, n);
    cmp_params(m, "dense.grad", 1, RTOL);
    memset(m->grads, 0, m->nstore * sizeof(float));
    /* five epochs of one step each through the library's training loop */
    gmdl_dataset ds = {(size_t)n, sizes[0], 1, 1, (size_t)sizes[0], K, x, y};
    for (int e = 0; e < 5; e++) {
        gmdl_epoch_stats st;
        gmdl_err err;
        REQUIRE_OK_MSG(gmdl_model_train_epoch(m, &st, &ds, NULL, NULL, NULL, &err), err.msg);
        CHECK_NEAR(st.train_loss, loss[e], 0.0, RTOL);
        printf("  step %d: loss gmdl %.9g torch %.9g\n", e + 1, st.train_loss, loss[e]);
    }
    CHECK(m->step == 5);
    cmp_final(m, "dense");
    gmdl_model_destroy(m);
}

/* ---------------------------------------------------------------- svd with given noise */
/* Forward pass of the model on act[0] with the noise eps[l] (the fixture's [N, K] of svd layer
 * l, in order) in place of the layers' own draws; see the comment at the top. */
static void forward_with_noise(gmdl_model *m, int n, const double *const *eps, float *ymean) {
    int q = 0;
    for (int i = 0; i < m->nlayers; i++) {
        gmdl__layer *l = &m->layers[i];
        gmdl__fwd a = {m->act[i], m->act[i + 1], n, GMDL_MODE_TRAIN, m->cfg.seed, m->step};
        l->ops->forward(l, &a);
        if (l->ops != &gmdl__svd_dense_ops)
            continue;
        const size_t D = l->in_size, K = (size_t)l->units;
        float *ceps = (float *)l->cache + (size_t)n * D, *sd = ceps + (size_t)n * K;
        float *own = malloc(K * sizeof(float));
        int same = 1;
        for (int s = 0; s < n;
             s++) { /* the cache holds the layer's own stream: layout as assumed */
            draw_eps_sample(&a, l->index, s, own, K);
            same &= memcmp(own, ceps + (size_t)s * K, K * sizeof(float)) == 0;
        }
        free(own);
        REQUIRE(same);
        gmdl__fwd am = {m->act[i], ymean, n, GMDL_MODE_EVAL_MEAN, m->cfg.seed, m->step};
        l->ops->forward(l, &am);
        for (size_t o = 0; o < (size_t)n * K; o++) {
            ceps[o] = (float)eps[q][o];
            m->act[i + 1][o] = ymean[o] + sd[o] * ceps[o];
        }
        q++;
    }
    REQUIRE(q == 3);
}

static double total_kl(gmdl_model *m, double w) {
    double kl = 0.0;
    for (int i = 0; i < m->nlayers; i++)
        if (m->layers[i].ops->kl)
            kl += m->layers[i].ops->kl(&m->layers[i], w);
    return kl;
}

static void check_svd(const int *sizes, const float *x, const int32_t *y, int n) {
    printf("svd MLP\n");
    gmdl_model *m = make("svd", sizes, n);
    load_params(m, "svd.init");
    const int K = sizes[3], L = m->nlayers;
    const double *hy = get("hyper", 8), ntrain = hy[4], klw = hy[5];
    memcpy(m->act[0], x, (size_t)n * sizes[0] * sizeof(float));
    memcpy(m->ybatch, y, (size_t)n * sizeof(int32_t));
    /* the mean path and the KL of the initial parameters */
    const float *logits = gmdl__model_forward(m, n, GMDL_MODE_EVAL_MEAN, 0, 0);
    cmp_scaled("svd.logits_mean", logits, get("svd.logits_mean", (size_t)n * K), (size_t)n * K,
               RTOL);
    double kl0 = total_kl(m, 1.0);
    CHECK_NEAR(kl0, get("svd.kl0", 1)[0], 0.0, RTOL);
    printf("  KL at the start: gmdl %.9g torch %.9g\n", kl0, get("svd.kl0", 1)[0]);
    memset(m->grads, 0, m->nstore * sizeof(float));
    /* five steps with the fixture's noise */
    const double *eps[3], *loss = get("svd.loss", 5), *kls = get("svd.kl", 5);
    float *ymean = malloc((size_t)n * 16 * sizeof(float));
    for (int t = 0; t < 5; t++) {
        for (int l = 0; l < 3; l++) {
            char name[32];
            snprintf(name, sizeof name, "svd.eps.fc%d", l + 1);
            eps[l] = get(name, (size_t)5 * n * sizes[l + 1]) + (size_t)t * n * sizes[l + 1];
        }
        forward_with_noise(m, n, eps, ymean);
        logits = m->act[L];
        if (t == 0)
            cmp_scaled("svd.logits", logits, get("svd.logits", (size_t)n * K), (size_t)n * K, RTOL);
        double ce = gmdl__softmax_xent(logits, m->ybatch, n, K, (float)ntrain / (float)n,
                                       m->dact[L], NULL, NULL);
        backward(m, n);
        double kl = total_kl(m, klw), obj = ntrain / n * ce + klw * kl;
        CHECK_NEAR(kl, kls[t], 0.0, RTOL);
        CHECK_NEAR(obj, loss[t], 0.0, RTOL);
        printf("  step %d: objective gmdl %.9g torch %.9g, KL gmdl %.9g torch %.9g\n", t + 1, obj,
               loss[t], kl, kls[t]);
        if (t == 0)
            cmp_params(m, "svd.grad", 1, RTOL);
        m->step++;
        gmdl__adam_step(m->params, m->grads, m->m1, m->m2, m->nstore, m->cfg.lr, m->cfg.beta1,
                        m->cfg.beta2, m->cfg.adam_eps, m->cfg.weight_decay, m->step);
    }
    free(ymean);
    cmp_final(m, "svd");
    gmdl_model_destroy(m);
}

int main(void) {
    const char *src = getenv("GMDL_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/golden/golden.txt", src ? src : ".");
    load_fixture(path);
    const double *sz = get("sizes", 4), *hy = get("hyper", 8);
    const int sizes[4] = {(int)sz[0], (int)sz[1], (int)sz[2], (int)sz[3]}, n = (int)hy[7];
    REQUIRE(hy[0] == 1e-3 && hy[1] == 0.9 && hy[2] == 0.999 && hy[3] == 1e-8 && hy[6] == 5.0);
    REQUIRE(sizes[1] <= 16 && sizes[2] <= 16 && sizes[3] <= 16);
    const double *xv = get("x", (size_t)n * sizes[0]), *yv = get("y", (size_t)n);
    float *x = malloc((size_t)n * sizes[0] * sizeof(float));
    int32_t *y = malloc((size_t)n * sizeof(int32_t));
    for (size_t i = 0; i < (size_t)n * sizes[0]; i++)
        x[i] = (float)xv[i];
    for (int i = 0; i < n; i++)
        y[i] = (int32_t)yv[i];
    check_dense(sizes, x, y, n);
    check_svd(sizes, x, y, n);
    free(x);
    free(y);
    for (int i = 0; i < nrecs; i++)
        free(recs[i].v);
    TEST_MAIN_END();
}
