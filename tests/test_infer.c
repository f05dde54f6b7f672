/* Samplers on targets with known answers (statistical, fixed seed; bounds from our own MCSE):
 * - 10-d correlated Gaussian: MH, MALA, HMC means within 4 MCSE and split R-hat < 1.01;
 *   rejection and importance sampling means within 4 standard errors; importance sampling's log
 *   evidence within 0.05 of the exact value;
 * - constrained parameters (Gamma on x > 0, Beta on (0, 1)) through the transforms;
 * - SGLD with minibatches on a conjugate Gaussian-mean model (weighted average vs exact posterior
 *   mean), divergence reported as ENUMERIC with the iteration;
 * - a log density that is NaN at every start point is EINVAL; results do not depend on threads;
 * - minibatch sweeps; the SGLD paper's mixture demo against the exact grid (TV < 0.1); the risk
 *   sweep's bias^2 / variance / risk trends beyond the noise of their estimates. */
#include "gmdl/infer.h"
#include "gmdl/rng.h"
#include "harness.h"
#include "infer/infer_internal.h"

#define D 10
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct gauss {
    double mu[D], sd[D], prec[D][D], logdet_cov;
} gauss;

/* Sigma = S R S with R_ij = rho^|i-j| (AR(1) correlation, rho 0.5), sd from 0.5 to 3. Precision by
 * Gauss-Jordan inversion; log det by the same elimination. */
static void gauss_init(gauss *g) {
    double a[D][2 * D];
    for (int i = 0; i < D; i++) {
        g->mu[i] = (double)i - 4.5;
        g->sd[i] = 0.5 * pow(6.0, (double)i / (D - 1));
    }
    for (int i = 0; i < D; i++)
        for (int j = 0; j < 2 * D; j++)
            a[i][j] = j < D ? g->sd[i] * g->sd[j] * pow(0.5, fabs((double)(i - j))) : (j - D == i);
    double logdet = 0;
    for (int c = 0; c < D; c++) {
        double piv = a[c][c];
        logdet += log(piv);
        for (int j = 0; j < 2 * D; j++)
            a[c][j] /= piv;
        for (int r = 0; r < D; r++) {
            if (r == c)
                continue;
            double f = a[r][c];
            for (int j = 0; j < 2 * D; j++)
                a[r][j] -= f * a[c][j];
        }
    }
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++)
            g->prec[i][j] = a[i][j + D];
    g->logdet_cov = logdet;
}

static gmdl_status
gauss_logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) {
    (void)err;
    const gauss *g = user;
    double q = 0;
    for (int i = 0; i < D; i++) {
        double s = 0;
        for (int j = 0; j < D; j++)
            s += g->prec[i][j] * (x[j] - g->mu[j]);
        q += (x[i] - g->mu[i]) * s;
        if (grad)
            grad[i] = -s;
    }
    *lp = -0.5 * q; /* unnormalised: Z = (2 pi)^(D/2) |Sigma|^(1/2) */
    return GMDL_OK;
}

static int within_mcse(const gmdl_draws *d, const gauss *g, const char *what) {
    int bad = 0;
    for (size_t j = 0; j < D; j++) {
        gmdl_diag_summary s;
        CHECK_OK(gmdl_draws_summary(&s, d, j));
        double z = (s.mean - g->mu[j]) / s.mcse;
        if (!(fabs(z) < 4.0) || !(s.rhat < 1.01)) {
            fprintf(stderr,
                    "%s: theta[%zu]: mean %g (true %g), mcse %g, z %.2f, rhat %.4f, ess %.0f\n",
                    what, j + 1, s.mean, g->mu[j], s.mcse, z, s.rhat, s.ess);
            bad++;
        }
        /* the sd is recovered too (loosely: 10%) */
        if (fabs(s.sd / g->sd[j] - 1) > 0.1) {
            fprintf(stderr, "%s: theta[%zu]: sd %g vs %g\n", what, j + 1, s.sd, g->sd[j]);
            bad++;
        }
    }
    return bad;
}

static void test_gaussian_mcmc(uint64_t seed) {
    static gauss g;
    gauss_init(&g);
    gmdl_target t = {.dim = D, .logp = gauss_logp, .user = &g};
    const gmdl_mcmc_method methods[3] = {GMDL_MCMC_MH, GMDL_MCMC_MALA, GMDL_MCMC_HMC};
    const char *names[3] = {"mh", "mala", "hmc"};
    const size_t draws[3] = {50000, 5000, 2000};
    for (int m = 0; m < 3; m++) {
        gmdl_mcmc_config c = gmdl_mcmc_config_default(methods[m]);
        c.seed = seed;
        c.n_draws = draws[m];
        c.n_warmup = draws[m];
        gmdl_draws d;
        gmdl_err e = {{0}};
        CHECK_OK(gmdl_mcmc_run(&d, &t, &c, &e));
        CHECK_EQ(d.chains, 4);
        CHECK_EQ(d.n, draws[m]);
        CHECK_EQ(within_mcse(&d, &g, names[m]), 0);
        CHECK(strcmp(d.names[0], "theta[1]") == 0);
        double acc = 0;
        for (size_t k = 0; k < d.chains; k++)
            acc += d.accept_rate[k] / (double)d.chains;
        /* adapted acceptance near the target (0.234, 0.574, 0.8) */
        const double target[3] = {0.234, 0.574, 0.8};
        CHECK_NEAR(acc, target[m], 0.08, 0);
        gmdl_draws_fini(&d);
    }
}

static void test_gaussian_rejection_importance(uint64_t seed) {
    static gauss g;
    gauss_init(&g);
    gmdl_target t = {.dim = D, .logp = gauss_logp, .user = &g};
    /* Envelope: q = N(mu, s^2 diag(sd^2)) with s^2 = lambda_max(R) makes p~/q maximal at mu. */
    double R[D][D], v[D], lam = 0;
    for (int i = 0; i < D; i++) {
        v[i] = 1;
        for (int j = 0; j < D; j++)
            R[i][j] = pow(0.5, fabs((double)(i - j)));
    }
    for (int it = 0; it < 500; it++) {
        double w[D], nrm = 0;
        for (int i = 0; i < D; i++) {
            w[i] = 0;
            for (int j = 0; j < D; j++)
                w[i] += R[i][j] * v[j];
            nrm += w[i] * w[i];
        }
        nrm = sqrt(nrm);
        lam = nrm / sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2] + v[3] * v[3] + v[4] * v[4] +
                         v[5] * v[5] + v[6] * v[6] + v[7] * v[7] + v[8] * v[8] + v[9] * v[9]);
        for (int i = 0; i < D; i++)
            v[i] = w[i] / nrm;
    }
    double s = sqrt(lam * 1.0001), qsd[D], logM = 0;
    for (int i = 0; i < D; i++) {
        qsd[i] = s * g.sd[i];
        logM += 0.5 * log(2 * M_PI) + log(qsd[i]);
    }
    gmdl_proposal q = {.mean = g.mu, .sd = qsd, .df = 0};
    gmdl_draws d;
    gmdl_err e = {{0}};
    double acc;
    CHECK_OK(gmdl_rejection_run(&d, &acc, &t, &q, logM, 4000, 20000000, seed, &e));
    for (size_t j = 0; j < D; j++) {
        double mean, se;
        CHECK_OK(gmdl_draws_weighted_mean(&mean, &se, &d, j));
        CHECK(fabs(mean - g.mu[j]) < 4 * se);
        CHECK_NEAR(se, g.sd[j] / sqrt(4000.0), 0, 0.1);
    }
    /* acceptance = Z / M = sqrt(det R) / s^D */
    double zm =
        exp(0.5 * (g.logdet_cov - 2 * log(g.sd[0] * g.sd[1] * g.sd[2] * g.sd[3] * g.sd[4] *
                                          g.sd[5] * g.sd[6] * g.sd[7] * g.sd[8] * g.sd[9])) -
            D * log(s));
    CHECK_NEAR(acc, zm, 0, 0.1);
    gmdl_draws_fini(&d);
    /* A too-small envelope is detected. */
    CHECK_STATUS(gmdl_rejection_run(&d, &acc, &t, &q, logM - 3, 100, 1000000, seed, &e),
                 GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "envelope");

    /* Importance sampling with a heavier-tailed, shifted Student-t proposal. */
    double qmu[D], qsd2[D];
    for (int i = 0; i < D; i++) {
        qmu[i] = g.mu[i] + 0.2 * g.sd[i];
        qsd2[i] = 1.3 * g.sd[i];
    }
    gmdl_proposal q2 = {.mean = qmu, .sd = qsd2, .df = 8};
    gmdl_importance_result res;
    CHECK_OK(gmdl_importance_run(&d, &res, &t, &q2, 200000, seed, &e));
    double exact = 0.5 * D * log(2 * M_PI) + 0.5 * g.logdet_cov;
    CHECK_NEAR(res.log_evidence, exact, 0.05, 0);
    CHECK(res.ess > 1000 && res.ess < 200000);
    for (size_t j = 0; j < D; j++) {
        double mean, se;
        CHECK_OK(gmdl_draws_weighted_mean(&mean, &se, &d, j));
        CHECK(fabs(mean - g.mu[j]) < 4 * se);
        CHECK(se < 0.1 * g.sd[j]);
    }
    gmdl_draws_fini(&d);
}

/* Gamma(3, 1) on x > 0 and Beta(2, 5) on (0, 1), both through transforms. */
static gmdl_status
constrained_logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) {
    (void)user;
    (void)err;
    *lp = 2 * log(x[0]) - x[0] + log(x[1]) + 4 * log1p(-x[1]);
    if (grad) {
        grad[0] = 2 / x[0] - 1;
        grad[1] = 1 / x[1] - 4 / (1 - x[1]);
    }
    return GMDL_OK;
}

static void test_transforms(uint64_t seed) {
    const gmdl_transform tf[2] = {{GMDL_TF_LOWER, 0, 0}, {GMDL_TF_INTERVAL, 0, 1}};
    const char *names[2] = {"a", "b"};
    gmdl_target t = {.dim = 2, .logp = constrained_logp, .names = names, .transforms = tf};
    gmdl_mcmc_config c = gmdl_mcmc_config_default(GMDL_MCMC_HMC);
    c.seed = seed;
    c.n_draws = 2000;
    gmdl_draws d;
    gmdl_err e = {{0}};
    CHECK_OK(gmdl_mcmc_run(&d, &t, &c, &e));
    const double want_mean[2] = {3.0, 2.0 / 7.0};
    const double want_sd[2] = {sqrt(3.0), sqrt(10.0 / (49.0 * 8.0))};
    for (size_t j = 0; j < 2; j++) {
        gmdl_diag_summary s;
        CHECK_OK(gmdl_draws_summary(&s, &d, j));
        CHECK(fabs(s.mean - want_mean[j]) < 4 * s.mcse);
        CHECK_NEAR(s.sd, want_sd[j], 0, 0.1);
        CHECK(s.rhat < 1.01);
    }
    CHECK(strcmp(d.names[1], "b") == 0);
    size_t S = d.chains * d.n, outside = 0;
    for (size_t i = 0; i < S; i++)
        outside += !(d.x[i * 2] > 0) || !(d.x[i * 2 + 1] > 0 && d.x[i * 2 + 1] < 1);
    CHECK_EQ(outside, 0);
    gmdl_draws_fini(&d);
    /* Gradient on the unconstrained scale against central differences (Jacobian included). */
    double u[2] = {0.3, -0.7}, x[2], lp, g[2];
    CHECK_OK(gmdl_target_logp_u(&lp, g, &t, u, x, &e));
    for (int j = 0; j < 2; j++) {
        double up[2] = {u[0], u[1]}, dn[2] = {u[0], u[1]}, lpu, lpd;
        up[j] += 1e-6;
        dn[j] -= 1e-6;
        CHECK_OK(gmdl_target_logp_u(&lpu, NULL, &t, up, x, &e));
        CHECK_OK(gmdl_target_logp_u(&lpd, NULL, &t, dn, x, &e));
        CHECK_NEAR(g[j], (lpu - lpd) / 2e-6, 1e-6, 1e-6);
    }
}

/* y_i ~ N(theta, 1), theta ~ N(0, 10^2): posterior N(m, v), v = 1/(N + 0.01), m = v sum y. */
typedef struct {
    double y[100];
    size_t n;
} gmean;

static gmdl_status
gmean_logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) {
    (void)err;
    const gmean *m = user;
    double l = -0.5 * x[0] * x[0] / 100, gr = -x[0] / 100;
    for (size_t i = 0; i < m->n; i++) {
        l -= 0.5 * (m->y[i] - x[0]) * (m->y[i] - x[0]);
        gr += m->y[i] - x[0];
    }
    *lp = l;
    if (grad)
        grad[0] = gr;
    return GMDL_OK;
}

static gmdl_status gmean_batch(
    void *user, const double *x, const uint32_t *idx, size_t n, double *grad, gmdl_err *err) {
    (void)err;
    const gmean *m = user;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += m->y[idx[i]] - x[0];
    grad[0] = -x[0] / 100 + (double)m->n / (double)n * s;
    return GMDL_OK;
}

static void test_sgld(uint64_t seed) {
    static gmean m;
    gmdl_rng r;
    gmdl_rng_derive(&r, seed, GMDL_RNG_DATA_SYNTH, 7);
    m.n = 100;
    double sy = 0;
    for (size_t i = 0; i < m.n; i++) {
        m.y[i] = 1.5 + gmdl_rng_normal(&r);
        sy += m.y[i];
    }
    double v = 1 / (100 + 0.01), mpost = v * sy;
    gmdl_target t = {
        .dim = 1, .logp = gmean_logp, .n_data = 100, .grad_batch = gmean_batch, .user = &m};
    for (int pre = 0; pre < 2; pre++) {
        gmdl_mcmc_config c = gmdl_mcmc_config_default(GMDL_MCMC_SGLD);
        c.seed = seed;
        c.batch = 10;
        c.sgld_a = pre ? 1.0 : 0.035; /* eps_0 about 0.3 (preconditioned) or 0.01 */
        c.sgld_b = 10;
        c.sgld_gamma = 0.55;
        c.n_warmup = 2000;
        c.n_draws = 20000;
        c.precondition = pre;
        gmdl_draws d;
        gmdl_err e = {{0}};
        CHECK_OK(gmdl_mcmc_run(&d, &t, &c, &e));
        CHECK(d.weight != NULL);
        double mean, se;
        CHECK_OK(gmdl_draws_weighted_mean(&mean, &se, &d, 0));
        /* posterior sd is 0.1; SGLD's bias at these steps is far smaller than that */
        CHECK_NEAR(mean, mpost, 0.03, 0);
        gmdl_diag_summary s;
        CHECK_OK(gmdl_draws_summary(&s, &d, 0));
        CHECK_NEAR(s.sd, sqrt(v), 0, 0.35);
        CHECK(d.weight[0] > d.weight[d.n - 1]); /* decreasing step sizes are the weights */
        gmdl_draws_fini(&d);
    }
    /* A far too large constant step diverges: ENUMERIC naming chain and iteration. */
    gmdl_mcmc_config c = gmdl_mcmc_config_default(GMDL_MCMC_SGLD);
    c.batch = 0;
    c.sgld_a = 1.0;
    c.sgld_gamma = 0;
    c.n_draws = 100000;
    c.chains = 1;
    gmdl_draws d;
    gmdl_err e = {{0}};
    CHECK_STATUS(gmdl_mcmc_run(&d, &t, &c, &e), GMDL_ENUMERIC);
    CHECK_STR_CONTAINS(e.msg, "sgld chain 1: diverged at iteration ");
    CHECK(d.x == NULL);
}

static gmdl_status nan_logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) {
    (void)user;
    (void)x;
    (void)err;
    *lp = NAN;
    if (grad)
        grad[0] = 0;
    return GMDL_OK;
}

static void test_errors_and_determinism(uint64_t seed) {
    gmdl_target t = {.dim = 1, .logp = nan_logp};
    gmdl_mcmc_config c = gmdl_mcmc_config_default(GMDL_MCMC_HMC);
    gmdl_draws d;
    gmdl_err e = {{0}};
    CHECK_STATUS(gmdl_mcmc_run(&d, &t, &c, &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "not finite at the start point");
    c.chains = 0;
    CHECK_STATUS(gmdl_mcmc_run(&d, &t, &c, &e), GMDL_EINVAL);
    c = gmdl_mcmc_config_default(GMDL_MCMC_SGLD); /* batch 1 but no minibatch gradient */
    CHECK_STATUS(gmdl_mcmc_run(&d, &t, &c, &e), GMDL_EINVAL);

    static gauss g;
    gauss_init(&g);
    gmdl_target tg = {.dim = D, .logp = gauss_logp, .user = &g};
    gmdl_draws a, b;
    c = gmdl_mcmc_config_default(GMDL_MCMC_MALA);
    c.seed = seed;
    c.n_draws = 200;
    c.n_warmup = 200;
    c.threads = 1;
    CHECK_OK(gmdl_mcmc_run(&a, &tg, &c, &e));
    c.threads = 3;
    CHECK_OK(gmdl_mcmc_run(&b, &tg, &c, &e));
    CHECK(memcmp(a.x, b.x, a.chains * a.n * a.dim * sizeof(double)) == 0);
    /* chains differ from each other */
    CHECK(memcmp(a.x, a.x + a.n * a.dim, a.dim * sizeof(double)) != 0);
    gmdl_draws_fini(&a);
    gmdl_draws_fini(&b);
}

/* The ziggurat normals used for SGLD noise: moments, the core and the tail beyond r = 3.4426
 * against the exact normal probabilities (bounds: 4-5 binomial or moment standard errors). */
static void test_ziggurat(uint64_t seed) {
    gmdl__zig z;
    gmdl__zig_init(&z);
    gmdl_rng r;
    gmdl_rng_derive(&r, seed, GMDL_RNG_SGLD_NOISE, 99);
    const size_t n = 2000000;
    double m1 = 0, m2 = 0, m4 = 0, tail = 0, core = 0, far = 0;
    for (size_t i = 0; i < n; i++) {
        double x = gmdl__zig_normal(&z, &r);
        m1 += x;
        m2 += x * x;
        m4 += x * x * x * x;
        tail += fabs(x) > 3.442619855899;
        core += fabs(x) < 0.5;
        far += x > 4.5;
    }
    m1 /= (double)n;
    m2 /= (double)n;
    m4 /= (double)n;
    CHECK_NEAR(m1, 0.0, 5 / sqrt((double)n), 0);
    CHECK_NEAR(m2, 1.0, 5 * sqrt(2.0 / (double)n), 0);
    CHECK_NEAR(m4, 3.0, 5 * sqrt(96.0 / (double)n), 0);
    const double p_tail = 5.761085e-4, p_core = 0.3829249225, p_far = 3.3976731e-6;
    CHECK_NEAR(tail / (double)n, p_tail, 5 * sqrt(p_tail / (double)n), 0);
    CHECK_NEAR(core / (double)n, p_core, 5 * sqrt(p_core * (1 - p_core) / (double)n), 0);
    CHECK_NEAR(far / (double)n, p_far, 5 * sqrt(p_far / (double)n), 0);
}

/* Minibatches sweep through the data: every pass visits each item once, in a new order. */
static void test_sweeps(uint64_t seed) {
    gmdl_rng r;
    gmdl_rng_derive(&r, seed, GMDL_RNG_MCMC_CHAIN, 0);
    gmdl__sweep sw;
    CHECK(gmdl__sweep_init(&sw, 10));
    uint32_t idx[30];
    gmdl__sweep_next(&sw, &r, idx, 3); /* batches of 3 cross the pass boundaries */
    for (size_t i = 3; i < 30; i += 3)
        gmdl__sweep_next(&sw, &r, idx + i, 3);
    int same = 1;
    for (int pass = 0; pass < 3; pass++) {
        int seen[10] = {0};
        for (int i = 0; i < 10; i++) {
            CHECK(idx[10 * pass + i] < 10);
            seen[idx[10 * pass + i] % 10]++;
            if (pass > 0 && idx[10 * pass + i] != idx[i])
                same = 0;
        }
        for (int i = 0; i < 10; i++)
            CHECK_EQ(seen[i], 1);
    }
    CHECK(!same); /* a fresh order per pass */
    gmdl__sweep_free(&sw);
}

int main(void) {
    uint64_t seed = th_seed(11);
    test_sweeps(seed);
    test_ziggurat(seed);
    test_gaussian_mcmc(seed);
    test_gaussian_rejection_importance(seed);
    test_transforms(seed);
    test_sgld(seed);
    test_errors_and_determinism(seed);
    if (th_failed)
        fprintf(stderr, "seed %llu\n", (unsigned long long)seed);
    TEST_MAIN_END();
}
