/* Nets on tables: CSV and libsvm rows with labels mapped to classes (text and numeric order,
 * a model's classes and columns by name), the seeded split, the feature moments against the
 * formula, and the standardisation a tabular model keeps: applied to every input (a tabular net
 * predicts on raw rows what the same net without it predicts on standardised rows), saved and
 * loaded, refused by compression. */
#include <unistd.h>

#include "gmdl/gmdl.h"
#include "harness.h"

static char tmpdir[256];

static const char *fixture(const char *name, const char *content) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fputs(content, f);
    fclose(f);
    return path;
}

static void check_csv(void) {
    gmdl_err e = {{0}};
    gmdl_table t;
    const char *p = fixture("t.csv", "u,kind,v\n1,b,10\n2,a,20\n3,c,30\n4,b,40\n");
    REQUIRE_OK(gmdl_table_read(&t, p, "kind", NULL, 1, &e));
    CHECK_EQ(t.ds.n, 4);
    CHECK_EQ(t.ds.dim, 2);
    CHECK_EQ(t.nclasses, 3);
    CHECK(strcmp(t.classes, "a\tb\tc") == 0);
    CHECK(strcmp(t.columns, "u\tv") == 0);
    CHECK(t.labelled);
    const int32_t want_y[4] = {1, 0, 2, 1};
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(t.ds.y[i], want_y[i]);
        CHECK_NEAR(t.ds.x[2 * i], i + 1, 0, 0);
        CHECK_NEAR(t.ds.x[2 * i + 1], 10 * (i + 1), 0, 0);
    }
    /* a model's description: columns by name in another order, classes as the model has them */
    float mean[2] = {0, 0}, sd[2] = {1, 1};
    gmdl_tabular_info info = {"csv", "kind", "v\tu", "c\tb\ta", 2, mean, sd};
    gmdl_table k;
    const char *q = fixture("k.csv", "v,kind,u,extra\n5,a,6,x\n7,c,8,y\n");
    REQUIRE_OK(gmdl_table_read(&k, q, NULL, &info, 1, &e));
    CHECK_EQ(k.ds.y[0], 2);
    CHECK_EQ(k.ds.y[1], 0);
    CHECK_NEAR(k.ds.x[0], 5, 0, 0);
    CHECK_NEAR(k.ds.x[1], 6, 0, 0);
    gmdl_table_fini(&k);
    q = fixture("nolabel.csv", "u,v\n1,2\n");
    REQUIRE_OK(gmdl_table_read(&k, q, NULL, &info, 0, &e));
    CHECK(!k.labelled);
    gmdl_table_fini(&k);
    CHECK_STATUS(gmdl_table_read(&k, q, NULL, &info, 1, &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "no label column 'kind'");
    gmdl_table_fini(&k);
    q = fixture("newlabel.csv", "u,kind,v\n1,z,2\n");
    CHECK_STATUS(gmdl_table_read(&k, q, NULL, &info, 1, &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "newlabel.csv:2: label 'z' is not one of the model's classes");
    gmdl_table_fini(&k);
    q = fixture("nocol.csv", "u,kind\n1,a\n");
    CHECK_STATUS(gmdl_table_read(&k, q, NULL, &info, 1, &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "no column 'v'");
    gmdl_table_fini(&k);
    q = fixture("text.csv", "u,kind\nx1,a\n");
    CHECK_STATUS(gmdl_table_read(&k, q, "kind", NULL, 1, &e), GMDL_EPARSE);
    CHECK_STR_CONTAINS(e.msg, "text.csv:2");
    gmdl_table_fini(&k);
    CHECK_STATUS(gmdl_table_read(&k, p, NULL, NULL, 1, &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "--y COL");
    gmdl_table_fini(&k);
    gmdl_table_fini(&t);
}

static void check_libsvm(void) {
    gmdl_err e = {{0}};
    gmdl_table t;
    const char *p = fixture("t.svm", "10 1:0.5 3:2\n9 2:1\n-1 1:1\n10 3:4\n");
    REQUIRE_OK(gmdl_table_read(&t, p, NULL, NULL, 1, &e));
    CHECK(strcmp(t.classes, "-1\t9\t10") == 0); /* numeric order, not text order */
    CHECK_EQ(t.ds.dim, 3);
    CHECK_EQ(t.ds.y[0], 2);
    CHECK_EQ(t.ds.y[1], 1);
    CHECK_EQ(t.ds.y[2], 0);
    CHECK_NEAR(t.ds.x[0], 0.5, 0, 0);
    CHECK_NEAR(t.ds.x[1], 0, 0, 0);
    CHECK_NEAR(t.ds.x[5], 0, 0, 0);
    CHECK_NEAR(t.ds.x[4], 1, 0, 0);
    /* a model of 5 features reads a file with fewer; labels compare by value */
    float mean[5] = {0}, sd[5] = {1, 1, 1, 1, 1};
    gmdl_tabular_info info = {"libsvm", NULL, NULL, "-1\t9\t10", 5, mean, sd};
    gmdl_table k;
    const char *q = fixture("k.svm", "9.0 2:1\n+10 5:3\n");
    REQUIRE_OK(gmdl_table_read(&k, q, NULL, &info, 1, &e));
    CHECK_EQ(k.ds.dim, 5);
    CHECK_EQ(k.ds.y[0], 1);
    CHECK_EQ(k.ds.y[1], 2);
    CHECK_NEAR(k.ds.x[9], 3, 0, 0);
    gmdl_table_fini(&k);
    info.dim = 2;
    CHECK_STATUS(gmdl_table_read(&k, q, NULL, &info, 1, &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "the model has 2 features");
    gmdl_table_fini(&k);
    gmdl_table_fini(&t);
}

static void check_split_moments(void) {
    enum { N = 50, D = 3 };
    gmdl_dataset all = {N, 1, 1, D, D, 2, NULL, NULL};
    all.x = malloc(N * D * sizeof(float));
    all.y = malloc(N * sizeof(int32_t));
    REQUIRE(all.x && all.y);
    for (int i = 0; i < N; i++) {
        all.x[i * D] = (float)i;
        all.x[i * D + 1] = (float)(i % 7) * 0.5f;
        all.x[i * D + 2] = 3.0f; /* constant */
        all.y[i] = i % 2;
    }
    gmdl_err e = {{0}};
    gmdl_dataset tr, te, tr2, te2;
    REQUIRE_OK(gmdl_dataset_split(&tr, &te, &all, 0.3, 7, &e));
    CHECK_EQ(te.n, 15);
    CHECK_EQ(tr.n, 35);
    int seen[N] = {0};
    for (size_t i = 0; i < tr.n; i++) {
        seen[(int)tr.x[i * D]]++;
        CHECK_EQ(tr.y[i], (int)tr.x[i * D] % 2);
    }
    for (size_t i = 0; i < te.n; i++)
        seen[(int)te.x[i * D]]++;
    int once = 1;
    for (int i = 0; i < N; i++)
        once &= seen[i] == 1;
    CHECK(once); /* every row in exactly one part */
    REQUIRE_OK(gmdl_dataset_split(&tr2, &te2, &all, 0.3, 7, &e));
    CHECK(memcmp(te.x, te2.x, te.n * D * sizeof(float)) == 0); /* the seed decides */
    gmdl_dataset_fini(&tr2);
    gmdl_dataset_fini(&te2);
    REQUIRE_OK(gmdl_dataset_split(&tr2, &te2, &all, 0.3, 8, &e));
    CHECK(memcmp(te.x, te2.x, te.n * D * sizeof(float)) != 0);
    gmdl_dataset_fini(&tr2);
    gmdl_dataset_fini(&te2);
    CHECK_STATUS(gmdl_dataset_split(&tr2, &te2, &all, 0.001, 7, &e), GMDL_EINVAL);
    CHECK_STATUS(gmdl_dataset_split(&tr2, &te2, &all, 1.0, 7, &e), GMDL_EINVAL);
    float mean[D], sd[D];
    gmdl_dataset_moments(mean, sd, &tr);
    for (int j = 0; j < D; j++) {
        double s = 0, ss = 0;
        for (size_t i = 0; i < tr.n; i++)
            s += (double)tr.x[i * D + (size_t)j];
        s /= (double)tr.n;
        for (size_t i = 0; i < tr.n; i++)
            ss += pow((double)tr.x[i * D + (size_t)j] - s, 2);
        CHECK_NEAR(mean[j], s, 1e-5, 1e-6);
        CHECK_NEAR(sd[j], j == 2 ? 1.0 : sqrt(ss / (double)tr.n), 1e-5, 1e-6);
    }
    gmdl_dataset_fini(&tr);
    gmdl_dataset_fini(&te);
    free(all.x); /* ours, not the library's */
    free(all.y);
}

/* A tabular net on raw rows equals the same net (same seed, no table) on standardised rows;
 * the file keeps the description; compression refuses it. */
static void check_model(void) {
    enum { N = 40, D = 4, K = 3 };
    gmdl_err e = {{0}};
    gmdl_train_config cfg = gmdl_train_config_default();
    snprintf(cfg.arch, sizeof cfg.arch, "mlp:8");
    snprintf(cfg.method, sizeof cfg.method, "svd");
    gmdl_model *a, *b;
    REQUIRE_OK(gmdl_model_create(&a, &cfg, 1, 1, D, K, &e));
    REQUIRE_OK(gmdl_model_create(&b, &cfg, 1, 1, D, K, &e));
    float mean[D] = {1, -2, 100, 0}, sd[D] = {2, 0.5f, 50, 1};
    gmdl_tabular_info info = {"csv", "y", "a\tb\tc\td", "x\ty\tz", D, mean, sd};
    CHECK(gmdl_model_tabular(a) == NULL);
    REQUIRE_OK(gmdl_model_set_tabular(a, &info, &e));
    static float raw[N * D], std[N * D], pa[N * K], pb[N * K], pc[N * K];
    gmdl_rng r;
    gmdl_rng_derive(&r, 3, GMDL_RNG_DATA_SYNTH, 0);
    for (int i = 0; i < N * D; i++) {
        raw[i] = mean[i % D] + sd[i % D] * (float)gmdl_rng_normal(&r);
        std[i] = (raw[i] - mean[i % D]) * (1.0f / sd[i % D]);
    }
    gmdl_prediction oa = {pa, NULL, NULL, NULL, NULL}, ob = {pb, NULL, NULL, NULL, NULL},
                    oc = {pc, NULL, NULL, NULL, NULL};
    CHECK_OK(gmdl_model_predict(&oa, a, raw, N, 5, 9, NULL, &e));
    CHECK_OK(gmdl_model_predict(&ob, b, std, N, 5, 9, NULL, &e));
    CHECK(memcmp(pa, pb, sizeof pa) == 0);
    char path[512];
    snprintf(path, sizeof path, "%s/m.gmdl", tmpdir);
    REQUIRE_OK(gmdl_model_save(a, path, &e));
    gmdl_model *c;
    REQUIRE_OK(gmdl_model_load(&c, path, &e));
    const gmdl_tabular_info *t = gmdl_model_tabular(c);
    REQUIRE(t != NULL);
    CHECK(strcmp(t->format, "csv") == 0 && strcmp(t->y, "y") == 0);
    CHECK(strcmp(t->columns, "a\tb\tc\td") == 0 && strcmp(t->classes, "x\ty\tz") == 0);
    CHECK(t->dim == D && memcmp(t->mean, mean, sizeof mean) == 0 &&
          memcmp(t->sd, sd, sizeof sd) == 0);
    CHECK_OK(gmdl_model_predict(&oc, c, raw, N, 5, 9, NULL, &e));
    CHECK(memcmp(pa, pc, sizeof pa) == 0);
    gmdl_compress_report rep;
    gmdl_compress_config cc = gmdl_compress_config_default();
    snprintf(path, sizeof path, "%s/m.gmz", tmpdir);
    CHECK_STATUS(gmdl_model_compress(&rep, c, NULL, &cc, path, &e), GMDL_EUNSUPPORTED);
    CHECK_STR_CONTAINS(e.msg, "trained on a table");
    gmdl_compress_report_fini(&rep);
    /* descriptions that do not fit */
    sd[1] = 0;
    CHECK_STATUS(gmdl_model_set_tabular(b, &info, &e), GMDL_EINVAL);
    sd[1] = 1;
    info.classes = "x\ty";
    CHECK_STATUS(gmdl_model_set_tabular(b, &info, &e), GMDL_ESHAPE);
    info.classes = "x\ty\tz";
    info.dim = 3;
    CHECK_STATUS(gmdl_model_set_tabular(b, &info, &e), GMDL_ESHAPE);
    CHECK(gmdl_model_tabular(b) == NULL);
    gmdl_model_destroy(a);
    gmdl_model_destroy(b);
    gmdl_model_destroy(c);
    remove(path);
    snprintf(path, sizeof path, "%s/m.gmdl", tmpdir);
    remove(path);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gmdl_test_tabular.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    check_csv();
    check_libsvm();
    check_split_moments();
    check_model();
    const char *names[] = {"t.csv",     "k.csv",    "nolabel.csv", "newlabel.csv",
                           "nocol.csv", "text.csv", "t.svm",       "k.svm"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
        remove(p);
    }
    rmdir(tmpdir);
    TEST_MAIN_END();
}
