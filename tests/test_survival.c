/* Survival module: Cox fits, partial likelihoods, the C-index and Kaplan-Meier against R survival
 * 3.5.3 (tests/data/survival/ref_R.txt, made by make_ref.R there; SOURCE.md of the shared data),
 * finite-difference gradients of both tie corrections, the O(n log n) C-index against the O(n^2)
 * definition, no-event batches, the design matrix and its errors, model files. */
#include "gmdl/gmdl.h"
#include "harness.h"
#include "survival/survival_internal.h"

static char g_dir[1024];
static gmdl_err err;

static void load(gmdl_csv *csv, const char *name) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    REQUIRE_OK_MSG(gmdl_csv_read(csv, path, &err), err.msg);
}

static gmdl_cox *
fit_csv(gmdl_surv_data *d, const char *file, gmdl_surv_spec *spec, gmdl_ties ties) {
    gmdl_csv csv;
    load(&csv, file);
    REQUIRE_OK_MSG(gmdl_surv_data_from_csv(d, &csv, spec, &err), err.msg);
    gmdl_csv_fini(&csv);
    gmdl_cox_config cfg;
    gmdl_cox_config_default(&cfg);
    cfg.ties = ties;
    gmdl_cox *m;
    REQUIRE_OK_MSG(gmdl_cox_fit(&m, d, &cfg, &err), err.msg);
    return m;
}

static double train_c(const gmdl_cox *m, const gmdl_surv_data *d, gmdl_concordance *c) {
    double *eta = malloc(d->n * sizeof *eta);
    REQUIRE(eta);
    REQUIRE_OK(gmdl_cox_risk(eta, m, d->x, d->n, &err));
    REQUIRE_OK(gmdl_cindex(c, d->time, d->event, eta, d->n, &err));
    free(eta);
    return c->c;
}

static const char *rossi_x[] = {"fin", "age", "race", "wexp", "mar", "paro", "prio"};

static void test_rossi(void) {
    gmdl_surv_spec spec = {"week", "arrest", NULL, NULL, rossi_x, 7, NULL, 0, 0};
    gmdl_surv_data d;
    gmdl_cox *m = fit_csv(&d, "rossi.csv", &spec, GMDL_TIES_EFRON);
    gmdl_cox_summary s;
    gmdl_cox_get_summary(&s, m);
    const double coef[] = {-0.379422166486, -0.0574377426841, 0.313899787842, -0.149795697667,
                           -0.433703877937, -0.0848710825004, 0.0914970809853};
    const double z[] = {-1.98256451042, -2.61086931257,  1.01917905787, -0.705836703499,
                        -1.13574274996, -0.433553971233, 3.19377703629};
    const double se[] = {0.191379480714, 0.0219994706007, 0.307992776557, 0.212224296249,
                         0.381868057669, 0.195756671907,  0.02864854996};
    CHECK_EQ(s.n, 432);
    CHECK_EQ(s.events, 114);
    for (int j = 0; j < 7; j++) {
        CHECK_NEAR(s.coef[j], coef[j], 1e-5, 0);
        CHECK_NEAR(s.z[j], z[j], 1e-3, 0);
        CHECK_NEAR(s.se[j], se[j], 1e-6, 0);
    }
    CHECK_NEAR(s.loglik, -658.7476594, 1e-6, 0);
    CHECK_NEAR(s.loglik_null, -675.380632347, 1e-6, 0);
    CHECK_NEAR(s.lrt, 33.2659458016, 1e-5, 0);
    CHECK_NEAR(s.lrt_p, 2.3620450537e-05, 1e-9, 0);
    CHECK_NEAR(s.pvalue[6], 0.00140424527933, 1e-7, 0);
    gmdl_concordance c;
    CHECK_NEAR(train_c(m, &d, &c), 0.6403292471, 1e-4, 0);
    CHECK_EQ((long long)c.concordant, 27242);
    CHECK_EQ((long long)c.discordant, 15291);
    CHECK_EQ((long long)c.tied_risk, 49);
    gmdl_cox_destroy(m);
    gmdl_surv_data_fini(&d);
    m = fit_csv(&d, "rossi.csv", &spec, GMDL_TIES_BRESLOW);
    gmdl_cox_get_summary(&s, m);
    CHECK_NEAR(s.coef[0], -0.379021887431, 1e-5, 0);
    CHECK_NEAR(s.coef[6], 0.0911115420916, 1e-5, 0);
    CHECK_NEAR(s.loglik, -659.120605677, 1e-6, 0);
    gmdl_cox_destroy(m);
    gmdl_surv_data_fini(&d);
}

static const char *lung_x[] = {"age", "sex", "ph.ecog"};

static void test_lung(void) {
    gmdl_surv_spec spec = {"time", "status", "2", NULL, lung_x, 3, NULL, 0, 1};
    const double ce[] = {0.0110667645601, -0.552612395704, 0.46372847537};
    const double ze[] = {1.19415924725, -3.29447664826, 4.0829339448};
    const double cb[] = {0.0110411363495, -0.551889569788, 0.46294704059};
    const double zb[] = {1.19147623327, -3.29010084387, 4.07616909134};
    for (int t = 0; t < 2; t++) {
        gmdl_surv_data d;
        gmdl_cox *m = fit_csv(&d, "lung.csv", &spec, t ? GMDL_TIES_BRESLOW : GMDL_TIES_EFRON);
        CHECK_EQ(d.n, 227);
        CHECK_EQ(d.dropped, 1);
        gmdl_cox_summary s;
        gmdl_cox_get_summary(&s, m);
        CHECK_EQ(s.events, 164);
        for (int j = 0; j < 3; j++) {
            CHECK_NEAR(s.coef[j], t ? cb[j] : ce[j], 1e-5, 0);
            CHECK_NEAR(s.z[j], t ? zb[j] : ze[j], 1e-3, 0);
        }
        CHECK_NEAR(s.loglik, t ? -729.488705177 : -729.230121375, 1e-6, 0);
        CHECK_NEAR(s.loglik_null, t ? -744.692819266 : -744.480455761, 1e-6, 0);
        gmdl_concordance c;
        CHECK_NEAR(train_c(m, &d, &c), 0.637135493, 1e-4, 0);
        CHECK_EQ((long long)c.concordant, 12544);
        CHECK_EQ((long long)c.discordant, 7117);
        CHECK_EQ((long long)c.tied_risk, 126);
        gmdl_cox_destroy(m);
        gmdl_surv_data_fini(&d);
    }
}

static void test_veteran(void) {
    const char *base[] = {"celltype=squamous"};
    gmdl_surv_spec spec = {"time", "status", NULL, NULL, NULL, 0, base, 1, 0};
    gmdl_surv_data d;
    gmdl_cox *m = fit_csv(&d, "veteran.csv", &spec, GMDL_TIES_EFRON);
    const char *names[] = {"trt",
                           "celltype=smallcell",
                           "celltype=adeno",
                           "celltype=large",
                           "karno",
                           "diagtime",
                           "age",
                           "prior"};
    const double coef[] = {2.946028215e-01,  8.615604628e-01, 1.196066374e+00,  4.012916543e-01,
                           -3.281532619e-02, 8.132051305e-05, -8.706474946e-03, 7.159360190e-03};
    const double z[] = {1.41943331326,  3.12970960608,    3.9747385361,    1.41955352989,
                        -5.95802009253, 0.00890104629772, -0.936149991861, 0.30818744121};
    REQUIRE(d.p == 8);
    gmdl_cox_summary s;
    gmdl_cox_get_summary(&s, m);
    for (int j = 0; j < 8; j++) {
        CHECK(strcmp(d.names[j], names[j]) == 0);
        CHECK_NEAR(s.coef[j], coef[j], 1e-5, 0);
        CHECK_NEAR(s.z[j], z[j], 1e-3, 0);
    }
    CHECK_NEAR(s.loglik, -474.397111715, 1e-6, 0);
    CHECK_NEAR(s.loglik_null, -505.449054918, 1e-6, 0);
    gmdl_concordance c;
    CHECK_NEAR(train_c(m, &d, &c), 0.736029077692, 1e-4, 0);
    gmdl_cox_destroy(m);
    gmdl_surv_data_fini(&d);
}

/* pbc's randomized 312 (Mayo model, transformed columns from make_pbc.R): status 2 = death,
 * 0 (censored) and 1 (transplant) censored; ref_R.txt pbc.efron. */
static void test_pbc(void) {
    gmdl_surv_spec spec = {"time", "status", "2", "0,1", NULL, 0, NULL, 0, 0};
    gmdl_surv_data d;
    gmdl_cox *m = fit_csv(&d, "pbc312.csv", &spec, GMDL_TIES_EFRON);
    const double coef[] = {0.033223406681, 0.785852570687, 0.880056271294, -3.05992604886,
                           3.01401180042};
    const double z[] = {3.83708911939, 2.62854783714, 8.91264338435, -4.22620084108, 2.94352649369};
    gmdl_cox_summary s;
    gmdl_cox_get_summary(&s, m);
    REQUIRE(s.p == 5);
    CHECK_EQ(s.events, 125);
    for (int j = 0; j < 5; j++) {
        CHECK_NEAR(s.coef[j], coef[j], 1e-5, 0);
        CHECK_NEAR(s.z[j], z[j], 1e-3, 0);
    }
    CHECK_NEAR(s.loglik, -540.296717614, 1e-6, 0);
    CHECK_NEAR(s.loglik_null, -639.966488722, 1e-6, 0);
    gmdl_concordance c;
    CHECK_NEAR(train_c(m, &d, &c), 0.843861263352, 1e-6, 0);
    CHECK_EQ((long long)c.concordant, 21094);
    CHECK_EQ((long long)c.discordant, 3903);
    gmdl_cox_destroy(m);
    gmdl_surv_data_fini(&d);
}

/* R: concordance(Surv(time, status) ~ age, data = lung, reverse = TRUE), all 228 rows. */
static void test_fixed_score_and_km(void) {
    gmdl_csv csv;
    load(&csv, "lung.csv");
    size_t n = csv.nrows;
    double *t = malloc(n * sizeof *t), *st = malloc(n * sizeof *st), *age = malloc(n * sizeof *age);
    uint8_t *e = malloc(n);
    REQUIRE(t && st && age && e);
    REQUIRE_OK(gmdl_csv_column_f64(t, &csv, (size_t)gmdl_csv_find(&csv, "time"), 0, &err));
    REQUIRE_OK(gmdl_csv_column_f64(st, &csv, (size_t)gmdl_csv_find(&csv, "status"), 0, &err));
    REQUIRE_OK(gmdl_csv_column_f64(age, &csv, (size_t)gmdl_csv_find(&csv, "age"), 0, &err));
    for (size_t i = 0; i < n; i++)
        e[i] = st[i] == 2.0;
    gmdl_concordance c;
    REQUIRE_OK(gmdl_cindex(&c, t, e, age, n, &err));
    CHECK_NEAR(c.c, 0.550239832118, 1e-6, 0);
    CHECK_EQ((long long)c.concordant, 10717);
    CHECK_EQ((long long)c.discordant, 8706);
    CHECK_EQ((long long)c.tied_risk, 591);
    double mean, lo, hi;
    REQUIRE_OK(gmdl_cindex_bootstrap(&mean, &lo, &hi, t, e, age, n, 200, 7, &err));
    CHECK(lo < c.c && c.c < hi && hi - lo < 0.2 && fabs(mean - c.c) < 0.02);
    gmdl_km km;
    REQUIRE_OK(gmdl_km_fit(&km, t, e, n, &err));
    /* summary(survfit(Surv(time, status) ~ 1, data = lung)) at 100, 200, 365, 500, 730 days */
    const double at[] = {100, 200, 365, 500, 730};
    const double sv[] = {0.8639689676, 0.6802728622, 0.4092416245, 0.2932691937, 0.1156930983};
    const double se[] = {0.02271023043, 0.03113457166, 0.03582363817, 0.03507781850, 0.02829819732};
    for (int k = 0; k < 5; k++) {
        CHECK_NEAR(gmdl_km_at(&km, at[k]), sv[k], 1e-6, 0);
        size_t j = 0; /* the last event time <= at[k] */
        while (j + 1 < km.m && km.time[j + 1] <= at[k])
            j++;
        CHECK_NEAR(km.se[j], se[k], 1e-6, 0);
    }
    CHECK_EQ(km.m, 139);
    CHECK_EQ(km.events, 165);
    CHECK_NEAR(km.median, 310, 0, 0);
    CHECK_NEAR(km.surv[km.m - 1], 0.0503455680708, 1e-9, 0);
    CHECK_NEAR(km.se[km.m - 1], 0.0228480489161, 1e-9, 0);
    CHECK_NEAR(km.n_risk[0], 228, 0, 0);
    CHECK_NEAR(km.n_risk[km.m - 1], 4, 0, 0);
    gmdl_km_fini(&km);
    free(t);
    free(st);
    free(age);
    free(e);
    gmdl_csv_fini(&csv);
}

/* Ten rows with three tied event times; R: coxph(..., init = 0.4, iter.max = 0)$loglik[2]. */
static const double tie_t[] = {1, 1, 1, 2, 2, 3, 3, 3, 3, 4};
static const uint8_t tie_e[] = {1, 1, 0, 1, 1, 1, 1, 1, 0, 1};
static const double tie_x[] = {0.5, -1, 2, 0, 1, -0.5, 0.3, 1.2, -2, 0.7};

static void test_ties_loglik(void) {
    double eta[10], ll;
    for (int i = 0; i < 10; i++)
        eta[i] = 0.4 * tie_x[i];
    REQUIRE_OK(gmdl_cox_loglik(&ll, NULL, tie_t, tie_e, eta, 10, GMDL_TIES_EFRON, &err));
    CHECK_NEAR(ll, -12.4014532051, 1e-9, 0);
    REQUIRE_OK(gmdl_cox_loglik(&ll, NULL, tie_t, tie_e, eta, 10, GMDL_TIES_BRESLOW, &err));
    CHECK_NEAR(ll, -13.4982176719, 1e-9, 0);
}

/* Central differences of the partial likelihood in every eta, on data with many ties. */
static void test_gradcheck(void) {
    enum { N = 300 };
    static double t[N], eta[N], g[N], ep[N];
    static uint8_t e[N];
    gmdl_rng r;
    gmdl_rng_seed(&r, th_seed(3), 1);
    for (int i = 0; i < N; i++) {
        t[i] = 1 + gmdl_rng_bounded(&r, 12); /* 12 distinct times: ~25 rows per time */
        e[i] = gmdl_rng_uniform(&r) < 0.7;
        eta[i] = 2.0 * gmdl_rng_uniform(&r) - 1.0;
    }
    for (int ties = 0; ties < 2; ties++) {
        double ll, lp, lm, worst = 0.0;
        REQUIRE_OK(gmdl_cox_loglik(&ll, g, t, e, eta, N, (gmdl_ties)ties, &err));
        for (int k = 0; k < N; k++) {
            const double h = 1e-5;
            memcpy(ep, eta, sizeof ep);
            ep[k] += h;
            REQUIRE_OK(gmdl_cox_loglik(&lp, NULL, t, e, ep, N, (gmdl_ties)ties, &err));
            ep[k] -= 2 * h;
            REQUIRE_OK(gmdl_cox_loglik(&lm, NULL, t, e, ep, N, (gmdl_ties)ties, &err));
            double fd = (lp - lm) / (2 * h), d = fabs(fd - g[k]);
            worst = d > worst ? d : worst;
        }
        CHECK(worst < 1e-7);
        double sum = 0.0; /* a constant shift of eta leaves loglik unchanged */
        for (int k = 0; k < N; k++)
            sum += g[k];
        CHECK_NEAR(sum, 0.0, 1e-9, 0);
    }
    /* the Efron and Breslow values differ on this tied data and agree without ties */
    double le, lb;
    REQUIRE_OK(gmdl_cox_loglik(&le, NULL, t, e, eta, N, GMDL_TIES_EFRON, &err));
    REQUIRE_OK(gmdl_cox_loglik(&lb, NULL, t, e, eta, N, GMDL_TIES_BRESLOW, &err));
    CHECK(le - lb > 1.0);
    for (int i = 0; i < N; i++)
        t[i] = i + 1;
    REQUIRE_OK(gmdl_cox_loglik(&le, NULL, t, e, eta, N, GMDL_TIES_EFRON, &err));
    REQUIRE_OK(gmdl_cox_loglik(&lb, NULL, t, e, eta, N, GMDL_TIES_BRESLOW, &err));
    CHECK_NEAR(le, lb, 1e-12, 1e-14);
}

/* A batch without events: loglik 0, zero gradient, no NaN; C-index NaN (no comparable pair). */
static void test_no_events(void) {
    double t[5] = {1, 2, 2, 3, 5}, eta[5] = {0.1, -3, 2, 0, 1}, g[5];
    uint8_t e[5] = {0};
    double ll = 1.0;
    for (int ties = 0; ties < 2; ties++) {
        REQUIRE_OK(gmdl_cox_loglik(&ll, g, t, e, eta, 5, (gmdl_ties)ties, &err));
        CHECK(ll == 0.0);
        for (int i = 0; i < 5; i++)
            CHECK(g[i] == 0.0);
    }
    gmdl_concordance c;
    REQUIRE_OK(gmdl_cindex(&c, t, e, eta, 5, &err));
    CHECK(isnan(c.c) && c.comparable == 0);
}

/* The Fenwick-tree C-index equals the O(n^2) pair count of the stated convention. */
static void test_cindex_brute(void) {
    enum { N = 400 };
    static double t[N], eta[N];
    static uint8_t e[N];
    gmdl_rng r;
    gmdl_rng_seed(&r, th_seed(5), 1);
    for (int i = 0; i < N; i++) {
        t[i] = 1 + gmdl_rng_bounded(&r, 40);
        e[i] = gmdl_rng_uniform(&r) < 0.6;
        eta[i] = (double)gmdl_rng_bounded(&r, 25);
    }
    double conc = 0, tied = 0, comp = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            if (!e[i] || !(t[i] < t[j] || (t[i] == t[j] && !e[j])))
                continue;
            comp++;
            conc += eta[i] > eta[j];
            tied += eta[i] == eta[j];
        }
    gmdl_concordance c;
    REQUIRE_OK(gmdl_cindex(&c, t, e, eta, N, &err));
    CHECK_NEAR(c.comparable, comp, 0, 0);
    CHECK_NEAR(c.concordant, conc, 0, 0);
    CHECK_NEAR(c.tied_risk, tied, 0, 0);
    CHECK_NEAR(c.c, (conc + 0.5 * tied) / comp, 1e-15, 0);
}

static int fails_with(const char *text, const gmdl_surv_spec *spec, const char *needle) {
    char path[1200];
    snprintf(path, sizeof path, "%s.tmp.csv", "test_survival");
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs(text, f);
    fclose(f);
    gmdl_csv csv;
    REQUIRE_OK_MSG(gmdl_csv_read(&csv, path, &err), err.msg);
    gmdl_surv_data d;
    gmdl_status s = gmdl_surv_data_from_csv(&d, &csv, spec, &err);
    gmdl_csv_fini(&csv);
    remove(path);
    if (s == GMDL_OK) {
        gmdl_surv_data_fini(&d);
        return 0;
    }
    if (!strstr(err.msg, needle))
        fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, needle);
    return strstr(err.msg, needle) != NULL;
}

static void test_design_errors(void) {
    gmdl_surv_spec sp = {"t", "e", NULL, NULL, NULL, 0, NULL, 0, 0};
    CHECK(fails_with("t,e,x\n1,1,2\n0,0,3\n", &sp, ":3: column t: time '0'"));
    CHECK(fails_with("t,e,x\n1,1,2\n-2,0,3\n", &sp, ":3: column t"));
    CHECK(fails_with("t,e,x\n1,1,2\n,0,3\n", &sp, ":3: column t: missing"));
    CHECK(fails_with("t,e,x\n1,1,2\n2,0,2\n", &sp, "column x is constant"));
    CHECK(fails_with("t,e,x\n1,yes,2\n2,0,3\n", &sp, ":2: column e"));
    gmdl_surv_spec sv = {"t", "e", "2", NULL, NULL, 0, NULL, 0, 0};
    CHECK(fails_with("t,e,x\n1,2,2\n2,1,3\n3,7,1\n", &sv, ":4: column e: value '7' is outside"));
    gmdl_surv_spec su = {"t", "nope", NULL, NULL, NULL, 0, NULL, 0, 0};
    CHECK(fails_with("t,e,x\n1,1,2\n", &su, "unknown event column 'nope'"));
    const char *xs[] = {"x", "w"};
    gmdl_surv_spec sx = {"t", "e", NULL, NULL, xs, 2, NULL, 0, 0};
    CHECK(fails_with("t,e,x\n1,1,2\n2,0,3\n", &sx, "unknown covariate column 'w'"));
    gmdl_surv_spec sd = {"t", "e", NULL, NULL, NULL, 0, NULL, 0, 1};
    CHECK(!fails_with("t,e,x\n1,1,2\n,0,3\n4,1,NA\n5,0,1\n", &sd, ""));
}

/* Save, load, same risks and survival curves; a damaged file is refused. */
static void test_model_file(void) {
    gmdl_surv_spec spec = {"week", "arrest", NULL, NULL, rossi_x, 7, NULL, 0, 0};
    for (int mlp = 0; mlp < 2; mlp++) {
        gmdl_csv csv;
        load(&csv, "rossi.csv");
        gmdl_surv_data d;
        REQUIRE_OK_MSG(gmdl_surv_data_from_csv(&d, &csv, &spec, &err), err.msg);
        gmdl_csv_fini(&csv);
        gmdl_cox_config cfg;
        gmdl_cox_config_default(&cfg);
        cfg.arch = mlp ? "mlp:8-4" : "linear";
        cfg.epochs = 60;
        gmdl_cox *m, *m2;
        REQUIRE_OK_MSG(gmdl_cox_fit(&m, &d, &cfg, &err), err.msg);
        const char *path = "test_survival.tmp.gmdl";
        REQUIRE_OK_MSG(gmdl_cox_save(m, path, &err), err.msg);
        REQUIRE_OK_MSG(gmdl_cox_load(&m2, path, &err), err.msg);
        const double *bt, *bh, *bt2, *bh2;
        size_t bm, bm2;
        gmdl_cox_baseline(&bt, &bh, &bm, m);
        gmdl_cox_baseline(&bt2, &bh2, &bm2, m2);
        CHECK_EQ(bm, bm2);
        CHECK(bm == 49 && bh[bm - 1] > bh[0] && bt[0] < bt[bm - 1]);
        double *s1 = malloc(3 * bm * sizeof *s1), *s2 = malloc(3 * bm * sizeof *s2);
        REQUIRE(s1 && s2);
        REQUIRE_OK(gmdl_cox_survival(s1, m, d.x, 3, &err));
        REQUIRE_OK(gmdl_cox_survival(s2, m2, d.x, 3, &err));
        CHECK(memcmp(s1, s2, 3 * bm * sizeof *s1) == 0);
        CHECK(s1[0] < 1.0 && s1[bm - 1] < s1[0] && s1[bm - 1] > 0.0);
        gmdl_cox_summary a, b;
        gmdl_cox_get_summary(&a, m);
        gmdl_cox_get_summary(&b, m2);
        CHECK(a.loglik == b.loglik && a.linear == !mlp && b.linear == !mlp);
        if (mlp)
            CHECK(a.loglik > a.loglik_null && a.best_epoch >= 1);
        CHECK(strcmp(gmdl_cox_features(m2)->names[6], "prio") == 0);
        FILE *f = fopen(path, "r+b");
        REQUIRE(f);
        fseek(f, 100, SEEK_SET);
        int ch = fgetc(f);
        fseek(f, 100, SEEK_SET);
        fputc(ch ^ 0x5a, f);
        fclose(f);
        gmdl_cox *m3;
        CHECK(gmdl_cox_load(&m3, path, &err) != GMDL_OK);
        remove(path);
        free(s1);
        free(s2);
        gmdl_cox_destroy(m);
        gmdl_cox_destroy(m2);
        gmdl_surv_data_fini(&d);
    }
}

int main(int argc, char **argv) {
    const char *src = getenv("GMDL_SOURCE_DIR");
    if (argc > 1)
        snprintf(g_dir, sizeof g_dir, "%s", argv[1]);
    else
        snprintf(g_dir, sizeof g_dir, "%s/tests/data/survival", src ? src : ".");
    test_rossi();
    test_lung();
    test_veteran();
    test_pbc();
    test_fixed_score_and_km();
    test_ties_loglik();
    test_gradcheck();
    test_no_events();
    test_cindex_brute();
    test_design_errors();
    test_model_file();
    TEST_MAIN_END();
}
