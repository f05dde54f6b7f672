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
    REQUIRE_OK_MSG(gmdl_csv_read(src_path("tests/data/em/faithful.csv"), &csv, &err), err.msg);
    int col = gmdl_csv_find(&csv, "waiting");
    REQUIRE(col >= 0);
    double *x = malloc(csv.nrows * sizeof *x);
    REQUIRE_OK_MSG(gmdl_csv_column_f64(&csv, (size_t)col, 0, x, &err), err.msg);
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

int main(void) {
    test_faithful();
    test_gmm_2d();
    test_gmm_floor();
    test_bmm();
    TEST_MAIN_END();
}
