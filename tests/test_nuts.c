/* NUTS, its windowed warm-up and the diagnostics its warnings use (statistical, fixed seeds):
 * - Stan's warm-up windows for W = 1000 end at iterations 99, 149, 249, 449 and 949 (0-based),
 *   and for W = 100 (15%/75%/10%) one window ends at 89;
 * - NUTS on an ill-scaled correlated 6-d Gaussian: means within 4 MCSE, sds within 10%,
 *   rank-normalised R-hat <= 1.01, no divergences, sane per-draw statistics; the dense metric
 *   takes a larger step and gives more ESS per gradient than the diagonal one on it;
 * - same seed: the same draws and statistics with 1 and 2 threads (byte-identical);
 * - Neal's funnel gives divergences; a badly scaled target with no metric adaptation saturates
 *   the tree depth; the energies give E-BFMI;
 * - tail ESS and rank-normalised (folded) R-hat: near the number of draws and 1 on independent
 *   draws, R-hat above 1.01 for chains with shifted means and, through folding, for chains with
 *   the same mean but different scales (where the classic split R-hat stays near 1);
 * - the Stan-data accessor (gmdl_data_*): values, shapes, errors naming FILE:LINE:COL and key;
 * - a target without a gradient (no_grad): central differences through every transform match the
 *   analytic gradient; gmdl_target_unconstrain inverts gmdl_target_constrain. */
#include "gmdl/infer.h"
#include "gmdl/rng.h"
#include "harness.h"
#include "infer/infer_internal.h"

#define D 6
static const double sd_true[D] = {0.001, 0.01, 1.0, 5.0, 100.0, 0.3};
#define RHO 0.9 /* correlation of coordinates 0 and 1, and of 2 and 3 */

/* Pairs (0,1), (2,3) correlated RHO; 4 and 5 independent. */
static gmdl_status corr_logp(void *user, const double *x, double *lp, double *grad, gmdl_err *e) {
    (void)user;
    (void)e;
    double l = 0, z[D];
    for (int j = 0; j < D; j++)
        z[j] = x[j] / sd_true[j];
    for (int p = 0; p < 4; p += 2) {
        double a = z[p], b = z[p + 1], k = 1.0 / (1.0 - RHO * RHO);
        l += -0.5 * k * (a * a - 2 * RHO * a * b + b * b);
        if (grad) {
            grad[p] = -k * (a - RHO * b) / sd_true[p];
            grad[p + 1] = -k * (b - RHO * a) / sd_true[p + 1];
        }
    }
    for (int j = 4; j < D; j++) {
        l += -0.5 * z[j] * z[j];
        if (grad)
            grad[j] = -z[j] / sd_true[j];
    }
    *lp = l;
    return GMDL_OK;
}

static void test_windows(void) {
    gmdl__adapt a;
    double u[1] = {0}, minv[1] = {1}, sdm[1] = {1};
    gmdl__chain c;
    memset(&c, 0, sizeof c);
    c.d = 1;
    c.u = u;
    c.minv = minv;
    c.sdm = sdm;
    REQUIRE_OK(gmdl__adapt_init(&a, 1, 1000, 0.8, 1, 0));
    size_t ends[8], ne = 0;
    for (size_t k = 0; k < 1000; k++) {
        u[0] = (double)(k % 7);
        if (gmdl__adapt_metric(&a, &c) && ne < 8)
            ends[ne++] = k;
    }
    CHECK_EQ(ne, 5);
    const size_t want[5] = {99, 149, 249, 449, 949};
    for (size_t i = 0; i < 5 && i < ne; i++)
        CHECK_EQ(ends[i], want[i]);
    CHECK(minv[0] > 3.0 && minv[0] < 5.0); /* variance of 0..6 uniform is 4 */
    gmdl__adapt_free(&a);
    REQUIRE_OK(gmdl__adapt_init(&a, 1, 100, 0.8, 1, 0));
    ne = 0;
    for (size_t k = 0; k < 100; k++)
        if (gmdl__adapt_metric(&a, &c) && ne < 8)
            ends[ne++] = k;
    CHECK_EQ(ne, 1);
    CHECK_EQ(ends[0], 89);
    gmdl__adapt_free(&a);
}

static gmdl_mcmc_config nuts_config(int threads) {
    gmdl_mcmc_config c = gmdl_mcmc_config_default(GMDL_MCMC_NUTS);
    c.seed = 7;
    c.threads = threads;
    return c;
}

static double min_ess_per_grad(const gmdl_draws *d) {
    double lf = 0, ess = HUGE_VAL;
    for (size_t i = 0; i < d->chains * d->n; i++)
        lf += d->stats[i * GMDL_STAT_COUNT + GMDL_STAT_LEAPFROG];
    for (size_t j = 0; j < d->dim; j++) {
        gmdl_diag_summary s;
        if (gmdl_draws_summary(&s, d, j) == GMDL_OK && s.ess_bulk < ess)
            ess = s.ess_bulk;
    }
    return ess / lf;
}

static void test_gaussian(void) {
    gmdl_target t = {.dim = D, .logp = corr_logp};
    gmdl_mcmc_config c = nuts_config(2);
    gmdl_draws d;
    gmdl_err err = {{0}};
    REQUIRE_OK_MSG(gmdl_mcmc_run(&d, &t, &c, &err), err.msg);
    REQUIRE(d.stats != NULL);
    for (size_t j = 0; j < D; j++) {
        gmdl_diag_summary s;
        REQUIRE_OK(gmdl_draws_summary(&s, &d, j));
        CHECK(fabs(s.mean) <= 4 * s.mcse);
        CHECK_NEAR(s.sd, sd_true[j], 0, 0.1);
        CHECK(s.rhat_rank <= 1.01);
        CHECK(s.ess_tail > 400);
    }
    size_t div = 0, bad = 0;
    for (size_t i = 0; i < d.chains * d.n; i++) {
        const double *st = d.stats + i * GMDL_STAT_COUNT;
        div += st[GMDL_STAT_DIVERGENT] != 0;
        double depth = st[GMDL_STAT_TREEDEPTH], lf = st[GMDL_STAT_LEAPFROG];
        /* a rejected last subtree spent its steps without counting in the depth */
        bad +=
            !(depth <= 10 && lf >= 1 && lf <= pow(2, depth + 1) - 1 && st[GMDL_STAT_ACCEPT] >= 0 &&
              st[GMDL_STAT_ACCEPT] <= 1 && st[GMDL_STAT_STEPSIZE] == d.step[i / d.n] &&
              isfinite(st[GMDL_STAT_ENERGY]) && st[GMDL_STAT_ENERGY] >= -st[GMDL_STAT_LP]);
    }
    CHECK_EQ(div, 0);
    CHECK_EQ(bad, 0);
    for (size_t k = 0; k < d.chains; k++) {
        double e;
        REQUIRE_OK(gmdl_draws_ebfmi(&e, &d, k));
        CHECK(e > 0.5 && e < 2.0);
        CHECK(d.accept_rate[k] > 0.7 && d.accept_rate[k] < 0.99);
    }
    /* the dense metric removes the correlations: a larger step, more ESS per gradient */
    c.dense_metric = 1;
    gmdl_draws dd;
    REQUIRE_OK_MSG(gmdl_mcmc_run(&dd, &t, &c, &err), err.msg);
    CHECK(dd.step[0] > 1.5 * d.step[0]);
    CHECK(min_ess_per_grad(&dd) > 1.5 * min_ess_per_grad(&d));
    gmdl_draws_fini(&dd);
    gmdl_draws_fini(&d);
}

static void test_threads(void) {
    gmdl_target t = {.dim = D, .logp = corr_logp};
    gmdl_draws a, b;
    gmdl_err err = {{0}};
    gmdl_mcmc_config c1 = nuts_config(1), c2 = nuts_config(2);
    c1.n_draws = c2.n_draws = 200;
    c1.n_warmup = c2.n_warmup = 200;
    REQUIRE_OK(gmdl_mcmc_run(&a, &t, &c1, &err));
    REQUIRE_OK(gmdl_mcmc_run(&b, &t, &c2, &err));
    size_t n = a.chains * a.n;
    CHECK(memcmp(a.x, b.x, n * a.dim * sizeof(double)) == 0);
    CHECK(memcmp(a.stats, b.stats, n * GMDL_STAT_COUNT * sizeof(double)) == 0);
    gmdl_draws_fini(&a);
    gmdl_draws_fini(&b);
}

/* Neal's funnel: v ~ N(0, 3), x_k ~ N(0, exp(v/2)), k = 1..9. */
static gmdl_status funnel_logp(void *user, const double *x, double *lp, double *grad, gmdl_err *e) {
    (void)user;
    (void)e;
    double v = x[0], l = -v * v / 18.0, gv = -v / 9.0, ev = exp(-v);
    for (int k = 1; k < 10; k++) {
        l += -0.5 * x[k] * x[k] * ev - 0.5 * v;
        gv += 0.5 * x[k] * x[k] * ev - 0.5;
        if (grad)
            grad[k] = -x[k] * ev;
    }
    if (grad)
        grad[0] = gv;
    *lp = l;
    return GMDL_OK;
}

static size_t count_stat(const gmdl_draws *d, int k, double at_least) {
    size_t n = 0;
    for (size_t i = 0; i < d->chains * d->n; i++)
        n += d->stats[i * GMDL_STAT_COUNT + k] >= at_least;
    return n;
}

static void test_pathologies(void) {
    gmdl_err err = {{0}};
    gmdl_draws d;
    gmdl_target f = {.dim = 10, .logp = funnel_logp};
    gmdl_mcmc_config c = nuts_config(2);
    c.n_draws = c.n_warmup = 500;
    REQUIRE_OK_MSG(gmdl_mcmc_run(&d, &f, &c, &err), err.msg);
    CHECK(count_stat(&d, GMDL_STAT_DIVERGENT, 1) > 0);
    gmdl_draws_fini(&d);
    /* sds from 0.001 to 100 and no metric: the U-turn needs ~10^5 steps, depth 4 caps it */
    gmdl_target t = {.dim = D, .logp = corr_logp};
    c.adapt_metric = 0;
    c.max_depth = 4;
    c.n_draws = c.n_warmup = 200;
    REQUIRE_OK_MSG(gmdl_mcmc_run(&d, &t, &c, &err), err.msg);
    CHECK(count_stat(&d, GMDL_STAT_TREEDEPTH, 4) > d.chains * d.n / 2);
    CHECK(count_stat(&d, GMDL_STAT_TREEDEPTH, 5) == 0);
    gmdl_draws_fini(&d);
    c.max_depth = 0;
    CHECK(gmdl_mcmc_run(&d, &t, &c, &err) == GMDL_EINVAL);
}

static void test_ebfmi(void) {
    gmdl_draws d;
    memset(&d, 0, sizeof d);
    double st[4 * GMDL_STAT_COUNT];
    const double e[4] = {1, 3, 1, 3}; /* diffs 2,2,2: 12 / (4 * 1) = 3 */
    for (int i = 0; i < 4; i++)
        st[i * GMDL_STAT_COUNT + GMDL_STAT_ENERGY] = e[i];
    d.chains = 1;
    d.n = 4;
    d.stats = st;
    double v;
    REQUIRE_OK(gmdl_draws_ebfmi(&v, &d, 0));
    CHECK_NEAR(v, 3.0, 1e-12, 0);
    CHECK(gmdl_draws_ebfmi(&v, &d, 1) == GMDL_EINVAL);
}

static void test_rank_diagnostics(void) {
    enum { C = 4, N = 1000 };
    static double x[C * N];
    gmdl_rng r;
    gmdl_rng_derive(&r, 3, 0, 0);
    for (size_t i = 0; i < C * N; i++)
        x[i] = gmdl_rng_normal(&r);
    double rh, ess, rh_classic;
    REQUIRE_OK(gmdl_diag_rhat_rank(&rh, x, C, N));
    REQUIRE_OK(gmdl_diag_ess_tail(&ess, x, C, N));
    CHECK(rh < 1.01);
    CHECK(ess > 0.7 * C * N && ess < 1.3 * C * N);
    for (size_t i = 0; i < N; i++) /* chain 4 shifted by half an sd */
        x[3 * N + i] += 0.5;
    REQUIRE_OK(gmdl_diag_rhat_rank(&rh, x, C, N));
    CHECK(rh > 1.01);
    for (size_t i = 0; i < N; i++) /* same mean, chain 4 three times wider */
        x[3 * N + i] = 3.0 * (x[3 * N + i] - 0.5);
    REQUIRE_OK(gmdl_diag_rhat(&rh_classic, x, C, N));
    REQUIRE_OK(gmdl_diag_rhat_rank(&rh, x, C, N));
    CHECK(rh_classic < 1.01);
    CHECK(rh > 1.01);
    /* an AR(1) chain with phi 0.9 has tail ESS far below the draws */
    for (size_t c = 0; c < C; c++)
        for (size_t i = 1; i < N; i++)
            x[c * N + i] = 0.9 * x[c * N + i - 1] + sqrt(1 - 0.81) * gmdl_rng_normal(&r);
    REQUIRE_OK(gmdl_diag_ess_tail(&ess, x, C, N));
    CHECK(ess < 0.3 * C * N);
}

/* The Stan-data accessor: values by name, shapes, and errors that name the place and the key. */
static void test_data_json(void) {
    const char *path = "test_nuts_data.json";
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs("{\"N\": 3, \"x\": 2.5, \"y\": [1, 2.5, -3], \"k\": [1, 0, 4],\n"
          " \"X\": [[1, 2], [3, 4], [5, 6]], \"bad\": [[1, 2], [3]], \"frac\": 1.5}\n",
          f);
    fclose(f);
    gmdl_data *d = NULL;
    gmdl_err err = {{0}};
    REQUIRE_OK_MSG(gmdl_data_json_open(&d, path, &err), err.msg);
    long long n = 0, k[3];
    double x = 0, y[3], X[6];
    size_t ny = 0, r = 0, c = 0;
    CHECK(gmdl_data_int(&n, d, "N", &err) == GMDL_OK && n == 3);
    CHECK(gmdl_data_real(&x, d, "x", &err) == GMDL_OK && x == 2.5);
    CHECK(gmdl_data_vector(NULL, 0, &ny, d, "y", &err) == GMDL_OK && ny == 3);
    CHECK(gmdl_data_vector(y, 3, &ny, d, "y", &err) == GMDL_OK && y[1] == 2.5 && y[2] == -3);
    CHECK(gmdl_data_ints(k, 3, &ny, d, "k", &err) == GMDL_OK && k[2] == 4);
    CHECK(gmdl_data_matrix(X, 6, &r, &c, d, "X", &err) == GMDL_OK && r == 3 && c == 2 && X[3] == 4);
    CHECK(gmdl_data_has(d, "X") && !gmdl_data_has(d, "Z"));
    CHECK(gmdl_data_vector(y, 2, &ny, d, "y", &err) == GMDL_ESHAPE && strstr(err.msg, "\"y\""));
    CHECK(gmdl_data_int(&n, d, "frac", &err) == GMDL_EINVAL && strstr(err.msg, "integer") &&
          strstr(err.msg, "test_nuts_data.json:2:"));
    CHECK(gmdl_data_ints(k, 3, &ny, d, "y", &err) == GMDL_EINVAL && strstr(err.msg, "\"y\"[2]"));
    CHECK(gmdl_data_matrix(X, 6, &r, &c, d, "bad", &err) == GMDL_ESHAPE &&
          strstr(err.msg, "row 2"));
    CHECK(gmdl_data_real(&x, d, "Z", &err) == GMDL_EINVAL && strstr(err.msg, "missing key \"Z\""));
    CHECK(gmdl_data_vector(y, 3, &ny, d, "x", &err) == GMDL_EINVAL && strstr(err.msg, "array"));
    gmdl_data_close(d);
    remove(path);
}

/* A 3-parameter target with one of each transform; grad only when use_grad (user != NULL). */
static const gmdl_transform tf3[3] = {
    {GMDL_TF_LOWER, 1.0, 0}, {GMDL_TF_UPPER, 0, 2.0}, {GMDL_TF_INTERVAL, -1.0, 3.0}};
static gmdl_status tf_logp(void *user, const double *x, double *lp, double *grad, gmdl_err *e) {
    (void)e;
    if (grad && !user)
        return GMDL_EMISUSE; /* a no_grad target must never be asked for a gradient */
    *lp = -x[0] + 2.0 * log(2.0 - x[1]) - x[1] * x[1] + sin(x[2]) * x[0];
    if (grad) {
        grad[0] = -1.0 + sin(x[2]);
        grad[1] = -2.0 / (2.0 - x[1]) - 2.0 * x[1];
        grad[2] = cos(x[2]) * x[0];
    }
    return GMDL_OK;
}

/* no_grad: central differences on the unconstrained scale match the analytic gradient (through
 * every transform); gmdl_target_unconstrain inverts gmdl_target_constrain and refuses values
 * outside the support, naming the parameter. */
static void test_finite_differences(void) {
    static int flag = 1;
    gmdl_target a = {.dim = 3, .logp = tf_logp, .transforms = tf3, .user = &flag};
    gmdl_target f = a;
    f.user = NULL;
    f.no_grad = 1;
    gmdl_err err = {{0}};
    const double pts[3][3] = {{0.3, -0.2, 0.5}, {-2.0, 1.5, -3.0}, {4.0, -4.0, 8.0}};
    for (int p = 0; p < 3; p++) {
        double ga[3], gf[3], la, lf, xs[3];
        CHECK(gmdl_target_logp_u(&la, ga, &a, pts[p], xs, &err) == GMDL_OK);
        CHECK(gmdl_target_logp_u(&lf, gf, &f, pts[p], xs, &err) == GMDL_OK);
        CHECK(la == lf);
        for (int j = 0; j < 3; j++)
            CHECK(fabs(ga[j] - gf[j]) <= 1e-7 * fmax(1.0, fabs(ga[j])));
        double x[3], u[3];
        gmdl_target_constrain(x, &a, pts[p]);
        CHECK(gmdl_target_unconstrain(u, &a, x, &err) == GMDL_OK);
        for (int j = 0; j < 3; j++)
            CHECK(fabs(u[j] - pts[p][j]) <= 1e-9 * fmax(1.0, fabs(pts[p][j])));
    }
    const char *const names[3] = {"lo", "hi", "mid"};
    a.names = names;
    double u[3];
    CHECK(gmdl_target_unconstrain(u, &a, (const double[]){0.5, 0, 0}, &err) == GMDL_EINVAL &&
          strstr(err.msg, "(lo)") && strstr(err.msg, "> 1"));
    CHECK(gmdl_target_unconstrain(u, &a, (const double[]){2, 2, 0}, &err) == GMDL_EINVAL &&
          strstr(err.msg, "(hi)") && strstr(err.msg, "< 2"));
    CHECK(gmdl_target_unconstrain(u, &a, (const double[]){2, 0, 3}, &err) == GMDL_EINVAL &&
          strstr(err.msg, "(mid)") && strstr(err.msg, "in (-1, 3)"));
    CHECK(gmdl_target_unconstrain(u, &a, (const double[]){2, 0, NAN}, &err) == GMDL_EINVAL);
    /* NUTS through finite differences runs (the model is never asked for a gradient) */
    gmdl_mcmc_config c = gmdl_mcmc_config_default(GMDL_MCMC_NUTS);
    c.chains = 1;
    c.n_draws = 50;
    c.n_warmup = 50;
    gmdl_draws d;
    CHECK(gmdl_mcmc_run(&d, &f, &c, &err) == GMDL_OK);
    gmdl_draws_fini(&d);
}

int main(void) {
    test_finite_differences();
    test_data_json();
    test_windows();
    test_ebfmi();
    test_rank_diagnostics();
    test_threads();
    test_gaussian();
    test_pathologies();
    TEST_MAIN_END();
}
