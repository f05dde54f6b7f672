/* EM: Gaussian mixtures (the published faithful fit, monotone log-likelihood for every covariance
 * type, BIC, restarts), Bernoulli mixtures, and Bayes-net parameter learning (complete data,
 * Dirichlet prior, EM with missing cells, the BIF writer). */
#include "gmdl/em.h"
#include "gmdl/io.h"
#include "gmdl/pgm.h"
#include "gmdl/rng.h"
#include "harness.h"

static char path_buf[4096];
static const char *src_path(const char *rel) {
    const char *root = getenv("GMDL_SOURCE_DIR");
    snprintf(path_buf, sizeof path_buf, "%s/%s", root ? root : ".", rel);
    return path_buf;
}

static int nondecreasing(const double *t, size_t n, double slack) {
    for (size_t i = 1; i < n; i++)
        if (t[i] < t[i - 1] - slack * (1.0 + fabs(t[i - 1]))) {
            fprintf(stderr, "  decrease at iteration %zu: %.15g -> %.15g\n", i, t[i - 1], t[i]);
            return 0;
        }
    return 1;
}

/* Acceptance 1: mixtools' fit of waiting (Benaglia et al. 2009, JSS 32(6) section 2). */
static void test_faithful(void) {
    gmdl_csv csv;
    gmdl_err err = {{0}};
    REQUIRE_OK_MSG(gmdl_csv_read(&csv, src_path("tests/data/em/faithful.csv"), &err), err.msg);
    int col = gmdl_csv_find(&csv, "waiting");
    REQUIRE(col >= 0);
    double *x = malloc(csv.nrows * sizeof *x);
    REQUIRE_OK_MSG(gmdl_csv_column_f64(x, &csv, (size_t)col, 0, &err), err.msg);
    CHECK_EQ(csv.nrows, 272);
    /* From k-means++ starts (5 restarts) and from mixtools' start: the same fit. */
    for (int from_mixtools = 0; from_mixtools < 2; from_mixtools++) {
        gmdl_gmm_config cfg = gmdl_gmm_config_default();
        cfg.k = 2;
        cfg.cov = GMDL_COV_TIED;
        double m0[2] = {55, 80}, w0[2] = {0.5, 0.5};
        if (from_mixtools) {
            cfg.init_means = m0;
            cfg.init_weights = w0;
            cfg.init_var = 25.0;
        }
        gmdl_gmm g;
        REQUIRE_OK_MSG(gmdl_gmm_fit(&g, x, csv.nrows, 1, &cfg, &err), err.msg);
        size_t lo = g.means[0] < g.means[1] ? 0 : 1, hi = 1 - lo;
        CHECK_NEAR(g.weights[lo], 0.3608498, 1e-4, 0);
        CHECK_NEAR(g.weights[hi], 0.6391502, 1e-4, 0);
        CHECK_NEAR(g.means[lo], 54.61364, 1e-4, 0);
        CHECK_NEAR(g.means[hi], 80.09031, 1e-4, 0);
        CHECK_NEAR(sqrt(g.covs[0]), 5.869089, 1e-4, 0);
        CHECK_NEAR(sqrt(g.covs[1]), 5.869089, 1e-4, 0);
        CHECK_NEAR(g.loglik, -1034.002, 1e-3, 0);
        CHECK(g.niter >= 2);
        CHECK(nondecreasing(g.trace, g.niter, 0.0));
        CHECK_EQ(g.params, 4);
        CHECK_NEAR(g.bic, -2.0 * g.loglik + 4.0 * log(272.0), 1e-9, 0);
        CHECK(!g.floored);
        /* the density at the fit integrates the mixture: log p summed = loglik */
        double *lp = malloc(csv.nrows * sizeof *lp), sum = 0.0;
        REQUIRE_OK_MSG(gmdl_gmm_log_density(lp, NULL, &g, x, csv.nrows, &err), err.msg);
        for (size_t i = 0; i < csv.nrows; i++)
            sum += lp[i];
        CHECK_NEAR(sum, g.loglik, 1e-8, 1e-12);
        free(lp);
        gmdl_gmm_fini(&g);
    }
    free(x);
    gmdl_csv_fini(&csv);
}

/* Three 2-D clusters: every covariance type's log-likelihood never decreases, full >= tied and
 * diag fits, BIC counts the parameters, and the fit is reproducible from the seed. */
static void test_gmm_2d(void) {
    size_t n = 600, d = 2;
    double *x = malloc(n * d * sizeof *x);
    gmdl_rng r;
    gmdl_rng_derive(&r, 7, GMDL_RNG_DATA_SYNTH, 0);
    const double cx[3] = {0, 5, 0}, cy[3] = {0, 0, 5};
    for (size_t i = 0; i < n; i++) {
        size_t c = i % 3;
        double a = gmdl_rng_normal(&r), b = gmdl_rng_normal(&r);
        x[2 * i] = cx[c] + a;
        x[2 * i + 1] = cy[c] + 0.8 * a * (c == 1) + 0.6 * b;
    }
    double ll[3];
    for (int t = 0; t < 3; t++) {
        gmdl_gmm_config cfg = gmdl_gmm_config_default();
        cfg.k = 3;
        cfg.cov = (gmdl_cov_type)t;
        gmdl_gmm g, g2;
        gmdl_err err = {{0}};
        REQUIRE_OK_MSG(gmdl_gmm_fit(&g, x, n, d, &cfg, &err), err.msg);
        CHECK(nondecreasing(g.trace, g.niter, 0.0));
        CHECK(g.niter > 2);
        size_t cp = t == GMDL_COV_FULL ? 9 : t == GMDL_COV_DIAG ? 6 : 3;
        CHECK_EQ(g.params, 2 + 6 + cp);
        double wsum = g.weights[0] + g.weights[1] + g.weights[2];
        CHECK_NEAR(wsum, 1.0, 1e-12, 0);
        if (t == GMDL_COV_DIAG)
            CHECK(g.covs[1] == 0.0 && g.covs[2] == 0.0);
        ll[t] = g.loglik;
        REQUIRE_OK_MSG(gmdl_gmm_fit(&g2, x, n, d, &cfg, &err), err.msg);
        CHECK(g2.loglik == g.loglik && g2.means[0] == g.means[0]);
        gmdl_gmm_fini(&g);
        gmdl_gmm_fini(&g2);
    }
    CHECK(ll[GMDL_COV_FULL] >= ll[GMDL_COV_DIAG] - 1e-6);
    CHECK(ll[GMDL_COV_FULL] >= ll[GMDL_COV_TIED] - 1e-6);
    /* errors */
    gmdl_gmm g;
    gmdl_err err = {{0}};
    gmdl_gmm_config cfg = gmdl_gmm_config_default();
    cfg.k = 0;
    CHECK(gmdl_gmm_fit(&g, x, n, d, &cfg, &err) == GMDL_EINVAL);
    cfg.k = 700;
    CHECK(gmdl_gmm_fit(&g, x, n, d, &cfg, &err) == GMDL_EINVAL);
    cfg.k = 2;
    x[5] = NAN;
    CHECK(gmdl_gmm_fit(&g, x, n, d, &cfg, &err) == GMDL_EINVAL);
    CHECK(strstr(err.msg, "point 2") != NULL);
    free(x);
}

/* A degenerate component (repeated points) hits the variance floor without failing. */
static void test_gmm_floor(void) {
    double x[40];
    for (int i = 0; i < 40; i++)
        x[i] = i < 20 ? 3.0 : (double)i;
    gmdl_gmm_config cfg = gmdl_gmm_config_default();
    cfg.k = 2;
    cfg.cov = GMDL_COV_DIAG;
    gmdl_gmm g;
    gmdl_err err = {{0}};
    REQUIRE_OK_MSG(gmdl_gmm_fit(&g, x, 40, 1, &cfg, &err), err.msg);
    CHECK(g.floored);
    CHECK(g.covs[0] > 0.0 && g.covs[1] > 0.0);
    gmdl_gmm_fini(&g);
}

/* Bernoulli mixture: two prototypes with flipped bits are recovered; the objective never
 * decreases. */
static void test_bmm(void) {
    size_t n = 400, d = 32;
    uint8_t *x = malloc(n * d);
    gmdl_rng r;
    gmdl_rng_derive(&r, 3, GMDL_RNG_DATA_SYNTH, 0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            int proto = (i % 4 == 0) ? (j < d / 2) : (j % 2);
            x[i * d + j] = (uint8_t)(gmdl_rng_uniform(&r) < 0.1 ? !proto : proto);
        }
    gmdl_bmm_config cfg = gmdl_bmm_config_default();
    cfg.k = 2;
    cfg.restarts = 3;
    gmdl_bmm b;
    gmdl_err err = {{0}};
    REQUIRE_OK_MSG(gmdl_bmm_fit(&b, x, n, d, &cfg, &err), err.msg);
    CHECK(nondecreasing(b.trace, b.niter, 0.0));
    size_t small = b.weights[0] < b.weights[1] ? 0 : 1;
    CHECK_NEAR(b.weights[small], 0.25, 0.03, 0);
    CHECK_NEAR(b.means[small * d + 0], 0.9, 0.06, 0);
    CHECK_NEAR(b.means[small * d + d - 1], 0.1, 0.06, 0);
    CHECK_NEAR(b.means[(1 - small) * d + 1], 0.9, 0.06, 0);
    CHECK_NEAR(b.means[(1 - small) * d + 0], 0.1, 0.06, 0);
    gmdl_bmm_fini(&b);
    x[0] = 2;
    CHECK(gmdl_bmm_fit(&b, x, n, d, &cfg, &err) == GMDL_EINVAL);
    free(x);
}

/* ------------------------------------------------------------------ Bayes nets */

static gmdl_bn *load_bif(const char *name) {
    char rel[256];
    snprintf(rel, sizeof rel, "tests/data/bif/%s", name);
    gmdl_bn *bn;
    gmdl_err err = {{0}};
    REQUIRE_OK_MSG(gmdl_bn_read_bif(&bn, src_path(rel), &err), err.msg);
    return bn;
}

/* n samples of bn into data, each cell deleted with probability miss. */
static void sample_data(gmdl_bn_data *d, const gmdl_bn *bn, size_t n, double miss, uint64_t seed) {
    size_t V = gmdl_bn_nvars(bn);
    uint32_t *s = malloc(n * V * sizeof *s);
    gmdl_err err = {{0}};
    REQUIRE_OK_MSG(gmdl_bn_sample(s, bn, n, seed, 0, &err), err.msg);
    REQUIRE_OK_MSG(gmdl_bn_data_init(d, n, V, &err), err.msg);
    gmdl_rng r;
    gmdl_rng_derive(&r, seed, GMDL_RNG_DATA_SYNTH, 99);
    for (size_t i = 0; i < n * V; i++)
        d->x[i] = gmdl_rng_uniform(&r) < miss ? -1 : (int32_t)s[i];
    free(s);
}

static size_t cpt_rows(const gmdl_bn *bn, size_t v) {
    size_t m = 1;
    for (size_t p = 0; p < gmdl_bn_nparents(bn, v); p++)
        m *= gmdl_bn_card(bn, gmdl_bn_parents(bn, v)[p]);
    return m;
}

static size_t parent_config(const gmdl_bn *bn, size_t v, const int32_t *row) {
    size_t j = 0;
    for (size_t p = 0; p < gmdl_bn_nparents(bn, v); p++) {
        uint32_t u = gmdl_bn_parents(bn, v)[p];
        j = j * gmdl_bn_card(bn, u) + (size_t)row[u];
    }
    return j;
}

/* Complete data: ML = the count frequencies exactly; BDeu = (N + a) / (N_j + r a). */
static void test_learn_complete(void) {
    gmdl_bn *truth = load_bif("asia.bif"), *bn = load_bif("asia.bif"), *bd = load_bif("asia.bif");
    gmdl_bn_data d;
    sample_data(&d, truth, 3000, 0.0, 5);
    gmdl_bn_learn_config cfg = gmdl_bn_learn_config_default();
    gmdl_bn_learn_stats st, st2;
    gmdl_err err = {{0}};
    REQUIRE_OK_MSG(gmdl_bn_learn(bn, &st, &d, &cfg, &err), err.msg);
    CHECK(!st.em);
    CHECK_EQ(st.iterations, 1);
    CHECK_EQ(st.rows, 3000);
    CHECK_EQ(st.missing_cells, 0);
    cfg.ess = 10.0;
    REQUIRE_OK_MSG(gmdl_bn_learn(bd, &st2, &d, &cfg, &err), err.msg);
    size_t V = gmdl_bn_nvars(bn), bad = 0, badb = 0;
    double ll = 0.0;
    for (size_t v = 0; v < V; v++) {
        size_t r = gmdl_bn_card(bn, v), m = cpt_rows(bn, v);
        double *n = calloc(m * r, sizeof *n), a = 10.0 / (double)(m * r);
        for (size_t i = 0; i < d.nrows; i++)
            n[parent_config(bn, v, d.x + i * V) * r + (size_t)d.x[i * V + v]] += 1.0;
        for (size_t j = 0; j < m; j++) {
            double tot = 0.0;
            for (size_t x = 0; x < r; x++)
                tot += n[j * r + x];
            for (size_t x = 0; x < r; x++) {
                double want = tot > 0.0 ? n[j * r + x] / tot : 1.0 / (double)r;
                bad += gmdl_bn_cpt(bn, v)[j * r + x] != want;
                badb += fabs(gmdl_bn_cpt(bd, v)[j * r + x] -
                             (n[j * r + x] + a) / (tot + (double)r * a)) > 1e-15;
                if (n[j * r + x] > 0)
                    ll += n[j * r + x] * log(want);
            }
        }
        free(n);
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(badb, 0);
    CHECK_NEAR(st.loglik[0], ll, 1e-9, 1e-12);
    gmdl_bn_learn_stats_fini(&st);
    gmdl_bn_learn_stats_fini(&st2);
    gmdl_bn_data_fini(&d);
    gmdl_bn_destroy(truth);
    gmdl_bn_destroy(bn);
    gmdl_bn_destroy(bd);
}

/* log P(e) and P(family config, e) by the public junction-tree query (brute-force E-step). */
static void brute_counts(const gmdl_bn *bn, const gmdl_bn_data *d, double **cnt, double *ll) {
    size_t V = gmdl_bn_nvars(bn);
    int32_t *ev = malloc(V * sizeof *ev);
    gmdl_exact_config ex = gmdl_exact_config_default();
    double *marg = malloc(gmdl_bn_marginal_size(bn) * sizeof *marg);
    gmdl_err err = {{0}};
    *ll = 0.0;
    for (size_t i = 0; i < d->nrows; i++) {
        const int32_t *row = d->x + i * V;
        double le;
        REQUIRE_OK_MSG(gmdl_bn_marginals(marg, &le, bn, row, &ex, &err), err.msg);
        *ll += le;
        for (size_t v = 0; v < V; v++) {
            size_t r = gmdl_bn_card(bn, v), m = cpt_rows(bn, v);
            for (size_t j = 0; j < m; j++)
                for (size_t x = 0; x < r; x++) {
                    memcpy(ev, row, V * sizeof *ev);
                    size_t jj = j, ok = 1;
                    for (size_t p = gmdl_bn_nparents(bn, v); p-- > 0;) {
                        uint32_t u = gmdl_bn_parents(bn, v)[p], c = gmdl_bn_card(bn, u);
                        int32_t st = (int32_t)(jj % c);
                        jj /= c;
                        ok &= ev[u] < 0 || ev[u] == st;
                        ev[u] = st;
                    }
                    ok &= ev[v] < 0 || ev[v] == (int32_t)x;
                    ev[v] = (int32_t)x;
                    double lj;
                    if (!ok || gmdl_bn_marginals(marg, &lj, bn, ev, &ex, &err))
                        continue; /* inconsistent with the row, or probability zero */
                    cnt[v][j * r + x] += exp(lj - le);
                }
        }
    }
    free(ev);
    free(marg);
}

/* EM on asia with missing cells: one iteration's log-likelihood and the M-step from the junction
 * tree's family posteriors agree with a brute-force E-step through gmdl_bn_marginals; the
 * log-likelihood never decreases; the fit is near the truth. */
static void test_learn_em(void) {
    gmdl_bn *truth = load_bif("asia.bif"), *b0 = load_bif("asia.bif"), *b1 = load_bif("asia.bif");
    gmdl_bn_data d;
    sample_data(&d, truth, 300, 0.3, 2);
    gmdl_bn_learn_config cfg = gmdl_bn_learn_config_default();
    gmdl_bn_learn_stats st;
    gmdl_err err = {{0}};
    cfg.max_iter = 1; /* theta0: the start, and L(theta0) */
    REQUIRE_OK_MSG(gmdl_bn_learn(b0, &st, &d, &cfg, &err), err.msg);
    CHECK(st.em);
    double l0 = st.loglik[0];
    gmdl_bn_learn_stats_fini(&st);
    cfg.max_iter = 2; /* theta1 = M-step of the expected counts under theta0 */
    REQUIRE_OK_MSG(gmdl_bn_learn(b1, &st, &d, &cfg, &err), err.msg);
    CHECK_NEAR(st.loglik[0], l0, 1e-9, 0);
    size_t V = gmdl_bn_nvars(truth);
    double **cnt = malloc(V * sizeof *cnt), ll;
    for (size_t v = 0; v < V; v++)
        cnt[v] = calloc(cpt_rows(truth, v) * gmdl_bn_card(truth, v), sizeof **cnt);
    brute_counts(b0, &d, cnt, &ll);
    CHECK_NEAR(ll, l0, 1e-8, 1e-12);
    double worst = 0.0;
    for (size_t v = 0; v < V; v++) {
        size_t r = gmdl_bn_card(truth, v);
        for (size_t j = 0; j < cpt_rows(truth, v); j++) {
            double tot = 0.0;
            for (size_t x = 0; x < r; x++)
                tot += cnt[v][j * r + x];
            for (size_t x = 0; x < r && tot > 0.0; x++)
                worst = fmax(worst, fabs(gmdl_bn_cpt(b1, v)[j * r + x] - cnt[v][j * r + x] / tot));
        }
        free(cnt[v]);
    }
    free(cnt);
    CHECK(worst < 1e-10);
    gmdl_bn_learn_stats_fini(&st);
    gmdl_bn_data_fini(&d);
    /* to convergence on more rows: monotone, and close to the truth */
    sample_data(&d, truth, 5000, 0.2, 3);
    cfg.max_iter = 100;
    REQUIRE_OK_MSG(gmdl_bn_learn(b1, &st, &d, &cfg, &err), err.msg);
    CHECK(st.iterations > 3);
    CHECK(nondecreasing(st.loglik, st.iterations, 0.0));
    CHECK(st.distinct < 5000);
    for (size_t v = 0; v < V; v++)
        for (size_t i = 0; i < cpt_rows(truth, v) * gmdl_bn_card(truth, v); i++)
            worst = fmax(worst, fabs(gmdl_bn_cpt(b1, v)[i] - gmdl_bn_cpt(truth, v)[i]));
    CHECK(worst < 0.1);
    gmdl_bn_learn_stats_fini(&st);
    cfg.ess = 5.0; /* with a prior, EM's objective never decreases */
    REQUIRE_OK_MSG(gmdl_bn_learn(b1, &st, &d, &cfg, &err), err.msg);
    CHECK(nondecreasing(st.objective, st.iterations, 0.0));
    gmdl_bn_learn_stats_fini(&st);
    gmdl_bn_data_fini(&d);
    gmdl_bn_destroy(truth);
    gmdl_bn_destroy(b0);
    gmdl_bn_destroy(b1);
}

/* alarm at a size that runs in seconds: the observed-data log-likelihood never decreases, and
 * complete rows give the frequencies. */
static void test_learn_alarm(void) {
    gmdl_bn *truth = load_bif("alarm.bif"), *bn = load_bif("alarm.bif");
    gmdl_bn_data d;
    sample_data(&d, truth, 400, 0.2, 4);
    gmdl_bn_learn_config cfg = gmdl_bn_learn_config_default();
    cfg.max_iter = 8;
    gmdl_bn_learn_stats st;
    gmdl_err err = {{0}};
    REQUIRE_OK_MSG(gmdl_bn_learn(bn, &st, &d, &cfg, &err), err.msg);
    CHECK_EQ(st.iterations, 8);
    CHECK(nondecreasing(st.loglik, st.iterations, 0.0));
    CHECK(st.loglik[7] > st.loglik[0]);
    gmdl_bn_learn_stats_fini(&st);
    gmdl_bn_data_fini(&d);
    gmdl_bn_destroy(truth);
    gmdl_bn_destroy(bn);
}

/* Every BIF of tests/data: written and read back, the same net. */
static void test_bif_roundtrip(void) {
    const char *nets[] = {"alarm.bif",      "asia.bif",  "cancer.bif", "child.bif",
                          "earthquake.bif", "sachs.bif", "survey.bif"};
    for (size_t q = 0; q < sizeof nets / sizeof nets[0]; q++) {
        gmdl_bn *a = load_bif(nets[q]), *b;
        gmdl_err err = {{0}};
        REQUIRE_OK_MSG(gmdl_bn_write_bif("em_roundtrip.bif", a, &err), err.msg);
        REQUIRE_OK_MSG(gmdl_bn_read_bif(&b, "em_roundtrip.bif", &err), err.msg);
        size_t bad = gmdl_bn_nvars(a) != gmdl_bn_nvars(b);
        for (size_t v = 0; !bad && v < gmdl_bn_nvars(a); v++) {
            bad += strcmp(gmdl_bn_name(a, v), gmdl_bn_name(b, v)) != 0;
            bad += gmdl_bn_card(a, v) != gmdl_bn_card(b, v);
            bad += gmdl_bn_nparents(a, v) != gmdl_bn_nparents(b, v);
            for (size_t p = 0; !bad && p < gmdl_bn_nparents(a, v); p++)
                bad += gmdl_bn_parents(a, v)[p] != gmdl_bn_parents(b, v)[p];
            for (uint32_t x = 0; !bad && x < gmdl_bn_card(a, v); x++)
                bad += strcmp(gmdl_bn_state_name(a, v, x), gmdl_bn_state_name(b, v, x)) != 0;
            for (size_t i = 0; !bad && i < cpt_rows(a, v) * gmdl_bn_card(a, v); i++)
                bad += fabs(gmdl_bn_cpt(a, v)[i] - gmdl_bn_cpt(b, v)[i]) > 4e-16;
        }
        if (bad)
            fprintf(stderr, "  round trip of %s differs\n", nets[q]);
        CHECK_EQ(bad, 0);
        gmdl_bn_destroy(a);
        gmdl_bn_destroy(b);
    }
    remove("em_roundtrip.bif");
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* Malformed data names file:line and the column; a net too big for EM says so. */
static void test_learn_errors(void) {
    gmdl_bn *bn = load_bif("asia.bif");
    gmdl_bn_data d;
    gmdl_err err = {{0}};
    write_file("em_bad.csv", "asia,smoke\nyes,no\nyes,maybe\n");
    CHECK(gmdl_bn_data_read(&d, bn, "em_bad.csv", &err) == GMDL_EPARSE);
    CHECK(strstr(err.msg, "em_bad.csv:3") && strstr(err.msg, "'smoke'") &&
          strstr(err.msg, "maybe"));
    write_file("em_bad.csv", "asia,smoke,weather\nyes,no,sun\n");
    CHECK(gmdl_bn_data_read(&d, bn, "em_bad.csv", &err) == GMDL_EPARSE);
    CHECK(strstr(err.msg, "em_bad.csv:1") && strstr(err.msg, "'weather'"));
    write_file("em_bad.csv", "asia,smoke\nyes,no\nyes\n");
    CHECK(gmdl_bn_data_read(&d, bn, "em_bad.csv", &err) == GMDL_EPARSE);
    CHECK(strstr(err.msg, "em_bad.csv:3") != NULL);
    write_file("em_bad.csv", "smoke,asia\nno,?\n,yes\nNA,no\n");
    REQUIRE_OK_MSG(gmdl_bn_data_read(&d, bn, "em_bad.csv", &err), err.msg);
    CHECK_EQ(d.nrows, 3);
    CHECK_EQ(d.missing, 3 + 3 * 6); /* three empty cells, six nodes without a column */
    CHECK_EQ(d.x[0 * 8 + 2], 1);    /* smoke = no */
    CHECK_EQ(d.x[2 * 8 + 0], 1);    /* asia = no */
    gmdl_bn_data_fini(&d);
    remove("em_bad.csv");
    gmdl_bn_destroy(bn);
    /* a 20 x 20 grid of 4-state nodes (parents: left and up): treewidth about 20, 4^21 entries */
    uint32_t card[400];
    for (int i = 0; i < 400; i++)
        card[i] = 4;
    REQUIRE_OK_MSG(gmdl_bn_create(&bn, 400, card, &err), err.msg);
    for (uint32_t i = 0; i < 400; i++) {
        uint32_t par[2], np = 0;
        if (i % 20)
            par[np++] = i - 1;
        if (i >= 20)
            par[np++] = i - 20;
        REQUIRE_OK_MSG(gmdl_bn_set_parents(bn, i, np, par, &err), err.msg);
    }
    REQUIRE_OK_MSG(gmdl_bn_data_init(&d, 2, 400, &err), err.msg);
    d.x[0] = 1;
    gmdl_bn_learn_config cfg = gmdl_bn_learn_config_default();
    cfg.exact.max_mem = (size_t)1 << 30;
    gmdl_bn_learn_stats st;
    CHECK(gmdl_bn_learn(bn, &st, &d, &cfg, &err) == GMDL_ELIMIT);
    CHECK(strstr(err.msg, "too big for EM") != NULL);
    gmdl_bn_data_fini(&d);
    gmdl_bn_destroy(bn);
}

int main(void) {
    test_faithful();
    test_gmm_2d();
    test_gmm_floor();
    test_bmm();
    test_learn_complete();
    test_learn_em();
    test_learn_alarm();
    test_bif_roundtrip();
    test_learn_errors();
    TEST_MAIN_END();
}
