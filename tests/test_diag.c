/* Diagnostics: the autocorrelation time of an AR(1) series (tau = (1+phi)/(1-phi) = 19 for
 * phi = 0.9), and ESS, bulk ESS and split R-hat against a direct O(n^2) implementation of the
 * published formulas (BDA3 11.4-11.5; Vehtari et al. 2021) on fixed draws. */
#include "gmdl/diag.h"
#include "gmdl/rng.h"
#include "harness.h"

static void ar1(gmdl_rng *r, double phi, double mu, double *x, size_t n) {
    double v = gmdl_rng_normal(r) / sqrt(1 - phi * phi);
    for (size_t i = 0; i < n; i++) {
        v = phi * v + gmdl_rng_normal(r);
        x[i] = mu + v;
    }
}

/* ---- direct reference implementation (no FFT, written from the formulas) ---- */
static double ref_ess_chains(const double *const *ch, size_t m, size_t len) {
    double *cm = malloc(m * sizeof(double)), W = 0, g = 0, B = 0;
    for (size_t k = 0; k < m; k++) {
        double mu = 0, v = 0;
        for (size_t i = 0; i < len; i++)
            mu += ch[k][i];
        mu /= (double)len;
        for (size_t i = 0; i < len; i++)
            v += (ch[k][i] - mu) * (ch[k][i] - mu);
        cm[k] = mu;
        W += v / (double)(len - 1);
        g += mu;
    }
    W /= (double)m;
    g /= (double)m;
    for (size_t k = 0; k < m; k++)
        B += (cm[k] - g) * (cm[k] - g);
    double vp = W * (double)(len - 1) / (double)len + (m > 1 ? B / (double)(m - 1) : 0);
    /* rho_t = 1 - (W - mean_k gamma_k(t)) / var_plus, gamma biased (divided by len). */
    double *rho = calloc(len + 2, sizeof(double));
    for (size_t t = 0; t < len; t++) {
        double a = 0;
        for (size_t k = 0; k < m; k++)
            for (size_t i = 0; i + t < len; i++)
                a += (ch[k][i] - cm[k]) * (ch[k][i + t] - cm[k]);
        a /= (double)len * (double)m;
        rho[t] = 1 - (W - a) / vp;
    }
    rho[0] = 1;
    /* Geyer: P_k = rho_2k + rho_2k+1 while positive, then monotone; tau = -1 + 2 sum P_k, plus
     * Stan's last positive even term. */
    double *P = calloc(len, sizeof(double));
    size_t K = 0;
    while (2 * K + 1 < len - 3 && rho[2 * K] + rho[2 * K + 1] > 0) {
        P[K] = rho[2 * K] + rho[2 * K + 1];
        K++;
    }
    for (size_t k = 1; k < K; k++)
        if (P[k] > P[k - 1])
            P[k] = P[k - 1];
    double sum = 0;
    for (size_t k = 0; k < K; k++)
        sum += P[k];
    double tau =
        -1 + 2 * sum + (rho[2 * K] > 0 && rho[2 * K] + rho[2 * K + 1] < 0 ? rho[2 * K] : 0);
    double lo = 1 / log10((double)(m * len));
    if (tau < lo)
        tau = lo;
    free(cm);
    free(rho);
    free(P);
    return (double)(m * len) / tau;
}

static void split(const double *x, size_t chains, size_t n, const double **halves) {
    for (size_t c = 0; c < chains; c++) {
        halves[2 * c] = x + c * n;
        halves[2 * c + 1] = x + c * n + (n - n / 2);
    }
}

static double ref_rhat(const double *x, size_t chains, size_t n) {
    const double *h[64];
    split(x, chains, n, h);
    size_t m = 2 * chains, len = n / 2;
    double W = 0, g = 0, B = 0, cm[64];
    for (size_t k = 0; k < m; k++) {
        double mu = 0, v = 0;
        for (size_t i = 0; i < len; i++)
            mu += h[k][i];
        mu /= (double)len;
        for (size_t i = 0; i < len; i++)
            v += (h[k][i] - mu) * (h[k][i] - mu);
        W += v / (double)(len - 1) / (double)m;
        cm[k] = mu;
        g += mu / (double)m;
    }
    for (size_t k = 0; k < m; k++)
        B += (double)len * (cm[k] - g) * (cm[k] - g) / (double)(m - 1);
    return sqrt(((double)(len - 1) / (double)len * W + B / (double)len) / W);
}

static void test_ar1_tau(uint64_t seed) {
    size_t n = 1000000;
    double *x = malloc(n * sizeof(double));
    gmdl_rng r;
    gmdl_rng_derive(&r, seed, GMDL_RNG_DATA_SYNTH, 0);
    ar1(&r, 0.9, 0.0, x, n);
    double tau;
    CHECK_OK(gmdl_diag_tau(&tau, x, n));
    CHECK_NEAR(tau, 19.0, 0, 0.10);
    CHECK_NEAR(tau, 19.0, 0, 0.05); /* sd of the estimate is ~2% at this length */
    double rho[8];
    CHECK_OK(gmdl_diag_autocorr(rho, x, 8)); /* tiny series: just shape and rho[0] */
    CHECK_NEAR(rho[0], 1.0, 1e-12, 0);
    double *rr = malloc(n * sizeof(double));
    CHECK_OK(gmdl_diag_autocorr(rr, x, 200000));
    CHECK_NEAR(rr[1], 0.9, 0.01, 0);
    CHECK_NEAR(rr[10], pow(0.9, 10), 0.02, 0);
    /* Four chains: ESS ~ 4n/19 and tau from the summary ~ 19. */
    gmdl_diag_summary sm;
    CHECK_OK(gmdl_diag_summarize(&sm, x, 4, 100000));
    CHECK_NEAR(sm.tau, 19.0, 0, 0.10);
    CHECK(sm.rhat < 1.01);
    CHECK_NEAR(sm.mcse, sm.sd / sqrt(sm.ess), 1e-15, 1e-12);
    /* iid: tau ~ 1 */
    for (size_t i = 0; i < 100000; i++)
        x[i] = gmdl_rng_normal(&r);
    CHECK_OK(gmdl_diag_tau(&tau, x, 100000));
    CHECK_NEAR(tau, 1.0, 0.05, 0);
    free(rr);
    free(x);
}

static void test_against_reference(uint64_t seed) {
    /* Fixed draws: 4 chains of 301 (odd: the middle draw is dropped by splitting), different
     * autocorrelation per chain and a small offset in one chain. */
    size_t chains = 4, n = 301;
    double *x = malloc(chains * n * sizeof(double));
    gmdl_rng r;
    gmdl_rng_derive(&r, seed, GMDL_RNG_DATA_SYNTH, 1);
    double phis[4] = {0.5, 0.7, 0.3, 0.8};
    for (size_t c = 0; c < chains; c++)
        ar1(&r, phis[c], c == 3 ? 0.3 : 0.0, x + c * n, n);
    const double *h[8];
    split(x, chains, n, h);
    double ess, want = ref_ess_chains(h, 2 * chains, n / 2);
    CHECK_OK(gmdl_diag_ess(&ess, x, chains, n));
    CHECK_NEAR(ess, want, 0, 1e-9);
    double rhat;
    CHECK_OK(gmdl_diag_rhat(&rhat, x, chains, n));
    CHECK_NEAR(rhat, ref_rhat(x, chains, n), 0, 1e-12);
    CHECK(rhat > 1.0);

    /* Bulk ESS: rank-normalise directly (O(S^2) ranks with ties averaged). */
    size_t S = chains * n;
    for (size_t i = 0; i < 40; i++)
        x[i * 7] = 0.25; /* ties */
    double *z = malloc(S * sizeof(double));
    for (size_t i = 0; i < S; i++) {
        double less = 0, eq = 0;
        for (size_t j = 0; j < S; j++) {
            less += x[j] < x[i];
            eq += x[j] == x[i];
        }
        double rank = less + (eq + 1) / 2;
        z[i] = gmdl_diag_norm_quantile((rank - 0.375) / ((double)S + 0.25));
    }
    split(z, chains, n, h);
    want = ref_ess_chains(h, 2 * chains, n / 2);
    CHECK_OK(gmdl_diag_ess_bulk(&ess, x, chains, n));
    CHECK_NEAR(ess, want, 0, 1e-9);

    /* Antithetic draws (AR(1) with phi = -0.3, tau = 0.7/1.3): ESS above the draw count. */
    for (size_t c = 0; c < chains; c++)
        ar1(&r, -0.3, 0.0, x + c * n, n);
    split(x, chains, n, h);
    want = ref_ess_chains(h, 2 * chains, n / 2);
    CHECK_OK(gmdl_diag_ess(&ess, x, chains, n));
    CHECK_NEAR(ess, want, 0, 1e-9);
    CHECK(ess > 1.3 * (double)S);

    /* Chains stuck in different places: R-hat far above 1. */
    for (size_t c = 0; c < chains; c++)
        for (size_t i = 0; i < n; i++)
            x[c * n + i] = (double)c + 0.1 * gmdl_rng_normal(&r);
    CHECK_OK(gmdl_diag_rhat(&rhat, x, chains, n));
    CHECK(rhat > 2.0);
    /* A constant quantity. */
    for (size_t i = 0; i < S; i++)
        x[i] = 3.0;
    CHECK_OK(gmdl_diag_rhat(&rhat, x, chains, n));
    CHECK_NEAR(rhat, 1.0, 0, 0);
    CHECK_OK(gmdl_diag_ess(&ess, x, chains, n));
    CHECK_NEAR(ess, (double)(chains * (n / 2) * 2), 0, 0);
    CHECK_STATUS(gmdl_diag_ess(&ess, x, chains, 3), GMDL_EINVAL);
    free(z);
    free(x);
}

static void test_quantile(void) {
    CHECK_NEAR(gmdl_diag_norm_quantile(0.975), 1.959963984540054, 1e-14, 0);
    CHECK_NEAR(gmdl_diag_norm_quantile(0.5), 0.0, 1e-15, 0);
    CHECK_NEAR(gmdl_diag_norm_quantile(1e-10), -6.361340902404056, 1e-12, 0);
    CHECK_NEAR(gmdl_diag_norm_quantile(0.1), -1.2815515655446004, 1e-14, 0);
    CHECK(isinf(gmdl_diag_norm_quantile(1.0)));
    CHECK(isnan(gmdl_diag_norm_quantile(1.5)));
}

int main(void) {
    uint64_t seed = th_seed(20261126);
    test_ar1_tau(seed);
    test_against_reference(seed);
    test_quantile();
    if (th_failed)
        fprintf(stderr, "seed %llu\n", (unsigned long long)seed);
    TEST_MAIN_END();
}
