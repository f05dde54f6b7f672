/* Models end to end on a small synthetic data set: learning, evaluation metrics, model files
 * (round trip, resume equals an uninterrupted run byte for byte, determinism), configuration
 * errors, NaN detection. */
#include <unistd.h>

#include "gmdl/gmdl.h"
#include "harness.h"
#include "idx_fixture.h"

static void free_ds(gmdl_dataset *d) {
    free(d->x);
    free(d->y);
}

static unsigned char *slurp(const char *p, size_t *n) {
    FILE *f = fopen(p, "rb");
    if (!f) {
        *n = 0;
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n);
    if (fread(b, 1, *n, f) != *n)
        *n = 0;
    fclose(f);
    return b;
}

static int same_file(const char *a, const char *b) {
    size_t na, nb;
    unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static gmdl_model *
train(const gmdl_train_config *cfg, const gmdl_dataset *tr, const gmdl_dataset *te, int epochs) {
    gmdl_model *m;
    gmdl_err err;
    if (gmdl_model_create(&m, cfg, 1, 28, 28, 10, &err) != GMDL_OK)
        return NULL;
    for (int e = 0; e < epochs; e++) {
        gmdl_epoch_stats st;
        CHECK_OK(gmdl_model_train_epoch(m, &st, tr, te, NULL, NULL, &err));
    }
    return m;
}

/* Resume compatibility is the library's: only the settings named must agree, with auto
 * schedules and the run length free, and each method's own settings by their option names. */
static void check_compatible(void) {
    gmdl_train_config a = gmdl_train_config_default(), b = a;
    gmdl_err err;
    const char *all[] = {"arch",
                         "method",
                         "batch",
                         "lr",
                         "seed",
                         "optimizer",
                         "lr-schedule",
                         "kl-warmup-start",
                         "kl-warmup-epochs",
                         "sws-tau",
                         "sws-zero-sd",
                         "sws-harden",
                         "epochs",
                         "threads",
                         "data"};
    const size_t nall = sizeof all / sizeof all[0];
    CHECK_OK(gmdl_train_config_compatible(&a, &b, all, nall, &err));
    b.epochs = 99; /* a longer run */
    CHECK_OK(gmdl_train_config_compatible(&a, &b, all, nall, &err));
    b.batch = 10;
    CHECK_STATUS(gmdl_train_config_compatible(&a, &b, all, nall, &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "batch");
    const char *lr_only[] = {"lr", "epochs"};
    CHECK_OK(gmdl_train_config_compatible(&a, &b, lr_only, 2, &err)); /* batch not given */
    CHECK_OK(gmdl_train_config_compatible(&a, &b, NULL, 0, &err));
    b = a;
    a.lr_schedule = GMDL_LR_LINEAR; /* saved: what auto became */
    CHECK_OK(gmdl_train_config_compatible(&a, &b, all, nall, &err));
    b.lr_schedule = GMDL_LR_COSINE;
    CHECK_STATUS(gmdl_train_config_compatible(&a, &b, all, nall, &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "lr-schedule");
    b = a;
    b.sws.tau = 0.05;
    CHECK_STATUS(gmdl_train_config_compatible(&a, &b, all, nall, &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "sws-tau");
    b = a;
    const double harden2[] = {0.5, 0.75, 0.9, 0.98, 0.99, 1.0};
    b.sws.harden = harden2;
    CHECK_STATUS(gmdl_train_config_compatible(&a, &b, all, nall, &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "sws-harden");
    b = a;
    snprintf(b.method, sizeof b.method, "svd");
    CHECK_STATUS(gmdl_train_config_compatible(&a, &b, all, nall, &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "method");
}

/* gmdl_method_lookup answers from the method table what the CLI used to infer from names */
static void check_method_lookup(void) {
    gmdl_err err;
    gmdl_method_info mi;
    CHECK_OK(gmdl_method_lookup(&mi, "dense", &err));
    CHECK(strcmp(mi.name, "dense") == 0 && !mi.bayes && !mi.structured && !mi.codebook);
    CHECK(!mi.retrains && mi.adam_lr == 1e-3 && mi.statistic == NULL);
    CHECK_OK(gmdl_method_lookup(&mi, "dropout:0.3", &err));
    CHECK(strcmp(mi.name, "dropout") == 0 && !mi.bayes);
    CHECK_OK(gmdl_method_lookup(&mi, "svd", &err));
    CHECK(mi.bayes && !mi.structured && !mi.codebook && strcmp(mi.statistic, "log alpha") == 0);
    CHECK_OK(gmdl_method_lookup(&mi, "bc-gnj", &err));
    CHECK(mi.bayes && mi.structured && !mi.codebook && strcmp(mi.statistic, "log alpha") == 0);
    CHECK_OK(gmdl_method_lookup(&mi, "bc-ghs", &err));
    CHECK(mi.structured && strstr(mi.statistic, "noise-to-signal") != NULL);
    CHECK_OK(gmdl_method_lookup(&mi, "sws", &err));
    CHECK(mi.bayes && mi.codebook && mi.retrains && !mi.structured && mi.statistic == NULL);
    CHECK(mi.adam_lr == 2e-4);
    CHECK_STATUS(gmdl_method_lookup(&mi, "nonsense", &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "bc-ghs");
}

int main(void) {
    check_compatible();
    check_method_lookup();
    gmdl_dataset tr = fx_dataset(1000, 1), te = fx_dataset(300, 2);
    gmdl_err err;
    gmdl_train_config cfg = gmdl_train_config_default();
    snprintf(cfg.arch, sizeof cfg.arch, "mlp:32-16");
    cfg.epochs = 4;
    cfg.batch = 32; /* 1000 is not a multiple: the last minibatch is partial */
    char p1[256], p2[256], p3[256];
    snprintf(p1, sizeof p1, "/tmp/gmdl_test_nn_%ld_a.gmdl", (long)getpid());
    snprintf(p2, sizeof p2, "/tmp/gmdl_test_nn_%ld_b.gmdl", (long)getpid());
    snprintf(p3, sizeof p3, "/tmp/gmdl_test_nn_%ld_c.gmdl", (long)getpid());

    /* learns the synthetic task; the history is recorded */
    gmdl_model *m = train(&cfg, &tr, &te, 4);
    CHECK(m != NULL);
    int nh;
    const gmdl_epoch_stats *h = gmdl_model_history(&nh, m);
    CHECK_EQ(nh, 4);
    CHECK(h[3].train_loss < h[0].train_loss);
    CHECK(h[3].test_accuracy > 0.9);
    CHECK_EQ(gmdl_model_step(m), 4 * 32);
    CHECK_EQ(gmdl_model_param_count(m), 784 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10);
    gmdl_eval_result r;
    CHECK_OK(gmdl_model_evaluate(&r, m, &te, 0, 0, NULL, &err));
    CHECK_NEAR(r.accuracy, h[3].test_accuracy, 1e-12, 0);
    CHECK(r.nll > 0 && r.brier >= 0 && r.brier <= 2 && r.ece >= 0 && r.ece <= 1);
    gmdl_eval_result r2;
    /* dense: nothing to sample, --mc is refused, saying why */
    CHECK(gmdl_model_evaluate(&r2, m, &te, 3, 9, NULL, &err) == GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "no stochastic layer");
    float *probs = malloc(5 * 10 * sizeof(float));
    CHECK_OK(gmdl_model_predict(&(gmdl_prediction){.probs = probs}, m, te.x, 5, 0, 0, NULL, &err));
    for (int i = 0; i < 5; i++) {
        double s = 0;
        for (int k = 0; k < 10; k++)
            s += (double)probs[i * 10 + k];
        CHECK_NEAR(s, 1.0, 1e-5, 0);
    }
    free(probs);

    /* save, load: identical description, and saving again gives the same bytes */
    CHECK_OK(gmdl_model_save(m, p1, &err));
    gmdl_model *back;
    CHECK_OK(gmdl_model_load(&back, p1, &err));
    CHECK_EQ(gmdl_model_epoch(back), 4);
    CHECK_EQ(gmdl_model_step(back), gmdl_model_step(m));
    CHECK(strcmp(gmdl_model_config(back)->arch, "mlp:32-16") == 0);
    CHECK_OK(gmdl_model_save(back, p2, &err));
    CHECK(same_file(p1, p2));
    gmdl_eval_result r3;
    CHECK_OK(gmdl_model_evaluate(&r3, back, &te, 0, 0, NULL, &err));
    CHECK_NEAR(r3.accuracy, r.accuracy, 0, 0);

    /* resume: 2 epochs + save + load + 2 epochs equals 4 uninterrupted epochs (bytes) */
    gmdl_model *half = train(&cfg, &tr, &te, 2);
    CHECK_OK(gmdl_model_save(half, p2, &err));
    gmdl_model_destroy(half);
    CHECK_OK(gmdl_model_load(&half, p2, &err));
    for (int e = 0; e < 2; e++)
        CHECK_OK(gmdl_model_train_epoch(half, NULL, &tr, &te, NULL, NULL, &err));
    CHECK_OK(gmdl_model_save(half, p3, &err));
    CHECK(same_file(p1, p3));
    gmdl_model_destroy(half);
    gmdl_model_destroy(back);
    gmdl_model_destroy(m);

    /* determinism with dropout; a different seed gives a different model */
    gmdl_train_config dc = cfg;
    snprintf(dc.method, sizeof dc.method, "dropout:0.2");
    m = train(&dc, &tr, &te, 2);
    CHECK_OK(gmdl_model_save(m, p1, &err));
    CHECK_OK(gmdl_model_evaluate(&r, m, &te, 0, 0, NULL, &err));
    CHECK_OK(gmdl_model_evaluate(&r2, m, &te, 20, 3, NULL, &err));
    CHECK(r2.nll != r.nll); /* MC dropout averages stochastic passes */
    CHECK_NEAR(r2.accuracy, r.accuracy, 0.05, 0);
    gmdl_model_destroy(m);
    m = train(&dc, &tr, &te, 2);
    CHECK_OK(gmdl_model_save(m, p2, &err));
    CHECK(same_file(p1, p2));
    gmdl_model_destroy(m);
    dc.seed = 2;
    m = train(&dc, &tr, &te, 2);
    CHECK_OK(gmdl_model_save(m, p2, &err));
    CHECK(!same_file(p1, p2));
    gmdl_model_destroy(m);

    /* SGD with momentum learns too; constant schedule */
    gmdl_train_config sc = cfg;
    sc.optimizer = GMDL_OPT_SGD;
    sc.lr = 0.05;
    sc.lr_schedule = GMDL_LR_CONSTANT;
    m = train(&sc, &tr, &te, 3);
    h = gmdl_model_history(&nh, m);
    CHECK(h[2].test_accuracy > 0.9);
    gmdl_model_destroy(m);

    /* configuration errors */
    gmdl_train_config bad = cfg;
    const char *arches[] = {"mlp:0",   "mlp:3-x",    "mlp:",   "foo",          "mlp:3--4",
                            "cnn:c20", "cnn:c20k5x", "cnn:q3", "cnn:d10-c5k3", "cnn:p0"};
    for (int i = 0; i < 10; i++) {
        snprintf(bad.arch, sizeof bad.arch, "%s", arches[i]);
        CHECK_STATUS(gmdl_train_config_check(&bad, &err), GMDL_EINVAL);
        CHECK_STR_CONTAINS(err.msg, arches[i]);
    }
    snprintf(bad.arch, sizeof bad.arch, "lenet5");
    CHECK_OK(gmdl_train_config_check(&bad, &err));
    /* shapes that do not fit name the layer and the shapes */
    snprintf(bad.arch, sizeof bad.arch, "cnn:c4k30");
    CHECK_STATUS(gmdl_model_create(&m, &bad, 1, 28, 28, 10, &err), GMDL_ESHAPE);
    CHECK_STR_CONTAINS(err.msg, "conv1");
    CHECK_STR_CONTAINS(err.msg, "1x28x28");
    snprintf(bad.arch, sizeof bad.arch, "cnn:c4k5-p2-c4k5-p2-c4k5");
    CHECK_STATUS(gmdl_model_create(&m, &bad, 1, 28, 28, 10, &err), GMDL_ESHAPE);
    CHECK_STR_CONTAINS(err.msg, "conv3");
    bad = cfg;
    bad.epochs = 10; /* sws: at least one per hardening stage */
    const char *methods[] = {"svd", "vd", "bbb", "bc-gnj", "bc-ghs", "sws", "dropout:0.3"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        snprintf(bad.method, sizeof bad.method, "%s", methods[i]);
        CHECK_OK(gmdl_train_config_check(&bad, &err));
    }
    bad.sws.tau = -1.0;
    CHECK_STATUS(gmdl_train_config_check(&bad, &err), GMDL_EINVAL);
    bad.sws.tau = 0.5;
    bad.sws.zero_sd = 1.0;
    CHECK_STATUS(gmdl_train_config_check(&bad, &err), GMDL_EINVAL);
    bad.sws.zero_sd = -0.01;
    CHECK_STATUS(gmdl_train_config_check(&bad, &err), GMDL_EINVAL);
    /* sws hardening stages: parse, format, ranges */
    bad = cfg;
    CHECK_EQ(bad.sws.harden_n, 6);
    CHECK(bad.sws.harden[0] == 0.5 && bad.sws.harden[5] == 1.0);
    double hv[24];
    size_t hn = 99;
    CHECK_OK(gmdl_sws_harden_parse(hv, 24, &hn, "0.25,0.5,1", &err));
    CHECK_EQ(hn, 3);
    CHECK(hv[0] == 0.25 && hv[1] == 0.5 && hv[2] == 1.0);
    bad.sws.harden = hv;
    bad.sws.harden_n = (int)hn;
    char hb[64];
    CHECK_EQ(gmdl_sws_harden_format(hb, sizeof hb, &bad), 10);
    CHECK(strcmp(hb, "0.25,0.5,1") == 0);
    CHECK_EQ(gmdl_sws_harden_format(hb, 5, &bad), 10); /* cut, the whole length returned */
    CHECK(strcmp(hb, "0.25") == 0);
    CHECK_EQ(gmdl_sws_harden_format(NULL, 0, &bad), 10);
    CHECK_OK(gmdl_sws_harden_parse(NULL, 0, &hn, "none", &err));
    CHECK_EQ(hn, 0);
    bad.sws.harden_n = 0;
    gmdl_sws_harden_format(hb, sizeof hb, &bad);
    CHECK(strcmp(hb, "none") == 0);
    /* more stages than the buffer: all counted, the first cap written */
    hv[2] = -1.0;
    CHECK_OK(gmdl_sws_harden_parse(hv, 2, &hn, "0.1,0.2,0.3", &err));
    CHECK(hn == 3 && hv[0] == 0.1 && hv[1] == 0.2 && hv[2] == -1.0);
    /* any number of stages: 20 of them */
    CHECK_OK(gmdl_sws_harden_parse(hv, 24, &hn,
                                   "0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1,"
                                   "0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.95,1",
                                   &err));
    CHECK(hn == 20 && hv[19] == 1.0);
    bad.sws.harden_n = (int)hn;
    { /* formatted and read back: the same stages */
        char big[24 * 20 + 8];
        double again[20];
        size_t nb = 0, len = gmdl_sws_harden_format(NULL, 0, &bad);
        CHECK_EQ(gmdl_sws_harden_format(big, sizeof big, &bad), len);
        CHECK_EQ(strlen(big), len);
        CHECK_OK(gmdl_sws_harden_parse(again, 20, &nb, big, &err));
        CHECK(nb == 20 && memcmp(again, hv, sizeof again) == 0);
    }
    hn = 7;
    CHECK_STATUS(gmdl_sws_harden_parse(hv, 24, &hn, "0.5,0.4", &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "must increase");
    CHECK_STATUS(gmdl_sws_harden_parse(hv, 24, &hn, "0,1", &err), GMDL_EINVAL);
    CHECK_STATUS(gmdl_sws_harden_parse(hv, 24, &hn, "0.5,1.5", &err), GMDL_EINVAL);
    CHECK_STATUS(gmdl_sws_harden_parse(hv, 24, &hn, "0.5,x", &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "character 5");
    CHECK_STATUS(gmdl_sws_harden_parse(hv, 24, &hn, "", &err), GMDL_EINVAL);
    CHECK_STATUS(gmdl_sws_harden_parse(hv, 24, &hn, "0.5,", &err), GMDL_EINVAL);
    CHECK_STATUS(gmdl_sws_harden_parse(hv, 24, &hn, "nan", &err), GMDL_EINVAL);
    CHECK_EQ(hn, 7); /* a failed parse writes nothing */
    CHECK(hv[19] == 1.0);
    bad.sws.harden = NULL; /* stages without their fractions */
    bad.sws.harden_n = 2;
    CHECK_STATUS(gmdl_train_config_check(&bad, &err), GMDL_EINVAL);
    bad = cfg;
    snprintf(bad.method, sizeof bad.method, "sws");
    bad.epochs = 5; /* six stages, one per final epoch */
    CHECK_STATUS(gmdl_train_config_check(&bad, &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "6 stages");
    bad.epochs = 6;
    CHECK_OK(gmdl_train_config_check(&bad, &err));
    const double dec[] = {0.5, 0.75, 0.6, 0.97, 0.99, 1.0}; /* not increasing */
    bad.sws.harden = dec;
    CHECK_STATUS(gmdl_train_config_check(&bad, &err), GMDL_EINVAL);
    bad = cfg;
    snprintf(bad.method, sizeof bad.method, "dropout:1.5");
    CHECK_STATUS(gmdl_train_config_check(&bad, &err), GMDL_EINVAL);
    snprintf(bad.method, sizeof bad.method, "nonsense");
    CHECK_STATUS(gmdl_train_config_check(&bad, &err), GMDL_EINVAL);
    bad = cfg;
    bad.batch = 0;
    CHECK_STATUS(gmdl_train_config_check(&bad, &err), GMDL_EINVAL);
    bad = cfg;
    bad.lr = -1;
    CHECK_STATUS(gmdl_train_config_check(&bad, &err), GMDL_EINVAL);
    CHECK_STATUS(gmdl_model_create(&m, &cfg, 1, 0, 28, 10, &err), GMDL_ESHAPE);

    /* wrong data shape, NaN in the data */
    m = train(&cfg, &tr, NULL, 0);
    gmdl_dataset small = tr;
    small.dim = 100;
    CHECK_STATUS(gmdl_model_train_epoch(m, NULL, &small, NULL, NULL, NULL, &err), GMDL_ESHAPE);
    tr.x[5] = NAN;
    CHECK_STATUS(gmdl_model_train_epoch(m, NULL, &tr, NULL, NULL, NULL, &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "NaN");
    CHECK_STR_CONTAINS(err.msg, "item 0");
    gmdl_model_destroy(m);
    /* a model file of another kind is rejected */
    CHECK_STATUS(gmdl_model_load(&m, "/nonexistent.gmdl", &err), GMDL_ENOENT);
    unlink(p1);
    unlink(p2);
    unlink(p3);
    free_ds(&tr);
    free_ds(&te);
    TEST_MAIN_END();
}
