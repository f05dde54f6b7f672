/* Mean-field VI on a correlated Gaussian, where the optimum is known: q's means equal the target's
 * and q's variances are 1 / diag(precision). The reparameterisation gradient must be much less
 * variable than the score-function gradient at the optimum, the baseline must help, and the
 * ELBO must lie below the exact log evidence. */
#include "gmdl/infer.h"
#include "harness.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define D 5

typedef struct {
    double mu[D], prec[D][D];
} gauss;

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
    *lp = -0.5 * q;
    return GMDL_OK;
}

int main(void) {
    uint64_t seed = th_seed(3);
    /* Precision: tridiagonal, diag 2 + i/2, off-diagonal -0.6 (positive definite). */
    static gauss g;
    for (int i = 0; i < D; i++) {
        g.mu[i] = 1.0 - 0.5 * i;
        for (int j = 0; j < D; j++)
            g.prec[i][j] = i == j ? 2.0 + 0.5 * i : (abs(i - j) == 1 ? -0.6 : 0.0);
    }
    /* log det of the precision by Gaussian elimination (no pivoting needed: diagonally dominant) */
    double a[D][D], logdet_prec = 0;
    memcpy(a, g.prec, sizeof a);
    for (int c = 0; c < D; c++) {
        logdet_prec += log(a[c][c]);
        for (int r = c + 1; r < D; r++) {
            double f = a[r][c] / a[c][c];
            for (int j = c; j < D; j++)
                a[r][j] -= f * a[c][j];
        }
    }
    double logZ = 0.5 * D * log(2 * M_PI) - 0.5 * logdet_prec;
    gmdl_target t = {.dim = D, .logp = gauss_logp, .user = &g};
    gmdl_vi_config c = gmdl_vi_config_default();
    c.seed = seed;
    gmdl_vi_result r;
    gmdl_err e = {{0}};
    CHECK_OK(gmdl_vi_fit(&r, &t, &c, &e));
    for (int j = 0; j < D; j++) {
        double sd = 1.0 / sqrt(g.prec[j][j]);
        CHECK_NEAR(r.mean[j], g.mu[j], 0.05 * sd, 0);
        CHECK_NEAR(r.sd[j], sd, 0, 0.05);
    }
    CHECK(r.elbo < logZ + 0.02);
    CHECK(r.elbo > logZ - 1.0); /* mean-field gap for this mild correlation is small */
    CHECK(r.var_score > 10 * r.var_reparam);
    CHECK(r.var_score_baseline < r.var_score);
    fprintf(stderr, "variance at the optimum: reparam %.4g, score %.4g, score+baseline %.4g\n",
            r.var_reparam, r.var_score, r.var_score_baseline);

    /* Draws from q reproduce its moments. */
    gmdl_draws d;
    CHECK_OK(gmdl_vi_draws(&d, &t, &r, 2, 5000, seed, &e));
    double mean, se;
    CHECK_OK(gmdl_draws_weighted_mean(&mean, &se, &d, 0));
    CHECK(fabs(mean - r.mean[0]) < 4 * se);
    gmdl_draws_fini(&d);

    /* The score-function estimator with a baseline also converges (more slowly, looser check). */
    c.estimator = GMDL_VI_SCORE_BASELINE;
    c.iters = 20000;
    c.mc = 4;
    c.lr = 0.02;
    gmdl_vi_result r2;
    CHECK_OK(gmdl_vi_fit(&r2, &t, &c, &e));
    for (int j = 0; j < D; j++) {
        double sd = 1.0 / sqrt(g.prec[j][j]);
        CHECK_NEAR(r2.mean[j], g.mu[j], 0.25 * sd, 0);
        CHECK_NEAR(r2.sd[j], sd, 0, 0.25);
    }
    gmdl_vi_result_fini(&r2);
    gmdl_vi_result_fini(&r);
    c = gmdl_vi_config_default();
    c.iters = 0;
    CHECK_STATUS(gmdl_vi_fit(&r, &t, &c, &e), GMDL_EINVAL);
    if (th_failed)
        fprintf(stderr, "seed %llu\n", (unsigned long long)seed);
    TEST_MAIN_END();
}
