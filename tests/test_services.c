/* The services layer (gmdl/services.h), statistical with a fixed seed: the SGLD paper's mixture
 * demo against the exact grid (TV < 0.1), and the risk sweep's bias^2 / variance / risk trends
 * beyond the noise of their estimates. Links the infer module below it, never the reverse. */
#include "gmdl/infer.h"
#include "gmdl/services.h"
#include "harness.h"

/* The SGLD paper's demo (Welling & Teh 2011, 5.1): the data set has the paper's two modes, and SGLD
 * with the paper's schedule (minibatch 1, 10^6 steps from 0.01 to 1e-4) matches the exact grid
 * posterior: TV < 0.1 on the 50 x 50 histogram (16 chains, every 10th draw, so that the check is
 * not at the mercy of how 4 chains split between the modes), and the mass of each mode right. */
static void test_mixture_demo(uint64_t seed) {
    gmdl_builtin *m;
    gmdl_err e = {{0}};
    CHECK_OK(gmdl_builtin_sgld_mixture(&m, seed, &e));
    const gmdl_target *t = gmdl_builtin_target(m);
    const double box[4] = {-1.5, 2.5, -3.0, 3.0};
    double *p = malloc(2500 * sizeof(double));
    CHECK_OK(gmdl_grid_density(p, t, box, 50, &e));
    double best[2] = {0, 0}, at[2][2] = {{0, 0}, {0, 0}}, up = 0;
    for (int i = 0; i < 50; i++)
        for (int j = 0; j < 50; j++) {
            int h = j < 25; /* theta2 < 0 */
            if (!h)
                up += p[i * 50 + j];
            if (p[i * 50 + j] > best[h]) {
                best[h] = p[i * 50 + j];
                at[h][0] = -1.5 + (i + 0.5) * 0.08;
                at[h][1] = -3.0 + (j + 0.5) * 0.12;
            }
        }
    CHECK(hypot(at[0][0] - 0.0, at[0][1] - 1.0) < 0.6); /* the paper's modes, within the grid */
    CHECK(hypot(at[1][0] - 1.0, at[1][1] + 1.0) < 0.6);
    free(p);
    gmdl_mcmc_config c = gmdl_mcmc_config_default(GMDL_MCMC_SGLD);
    c.seed = seed;
    c.chains = 16;
    c.sgld_a = 0.19955;
    c.sgld_b = 231.07;
    c.sgld_gamma = 0.55;
    c.batch = 1;
    c.n_warmup = 0;
    c.n_draws = 100000;
    c.thin = 10;
    gmdl_draws d;
    CHECK_OK(gmdl_mcmc_run(&d, t, &c, &e));
    double tv, frac = 0;
    CHECK_OK(gmdl_grid_tv(&tv, t, &d, box, 50, 0, &e));
    CHECK(tv < 0.1);
    for (size_t i = 0; i < d.chains * d.n; i++)
        frac += d.x[2 * i + 1] >= 0;
    frac /= (double)(d.chains * d.n);
    CHECK_NEAR(frac, up, 0.1, 0);
    gmdl_draws_fini(&d);
    gmdl_builtin_destroy(m);
}

/* The risk sweep (Teh, Thiery & Vollmer 2016) under one budget: bias^2 grows and variance falls
 * with the step, each by more than the noise of the estimates, and the risk is smallest at an
 * interior step. The same estimator finds no bias for exact MH (it is not manufacturing the trend).
 * The data set is the one `gmdl sample --model sgld-mixture --risk-sweep` uses by default (seed
 * 1); the runs use the test seed. Most of the mixture's data sets give the same picture (8 of data
 * seeds 1-10), but on some (5 and 9) SGLD's bias in the posterior *mean* stays below about 0.01
 * up to step 0.05: the spread SGLD adds is nearly symmetric under the model's label swap
 * (theta1, theta2) -> (theta1 + theta2, -theta2) and moves the mean little, so that a trend test
 * there would measure noise (docs/INFERENCE.md). */
static double b2_se(const gmdl_risk_point *q, double R) {
    double vr = q->variance / R;
    return sqrt(4 * fmax(q->bias2, 0) * vr + 2 * vr * vr);
}

static void test_risk_trend(uint64_t seed) {
    gmdl_builtin *m;
    gmdl_err e = {{0}};
    CHECK_OK(gmdl_builtin_sgld_mixture(&m, 1, &e));
    enum { NS = 4 };
    const double steps[NS] = {0.002, 0.01, 0.02, 0.03};
    gmdl_risk_config c = gmdl_risk_config_default();
    c.steps = steps;
    c.nsteps = NS;
    c.budget = 30000;
    c.repeats = 400;
    c.seed = seed;
    gmdl_risk_point p[NS], mh;
    double exact[2], R = (double)c.repeats;
    CHECK_OK(gmdl_risk_sweep(p, &mh, exact, gmdl_builtin_target(m), &c, &e));
    /* Variance (relative noise sqrt(2 / R), about 7%) falls up to step 0.02; beyond, the minibatch
     * noise widens SGLD's stationary law and the variance levels off (it is not asserted there). */
    CHECK(p[1].variance < 0.8 * p[0].variance);
    CHECK(p[2].variance < p[1].variance);
    CHECK(p[NS - 1].variance < 0.5 * p[0].variance);
    /* bias^2 grows by more than twice the noise of the difference wherever it is resolved (at
     * 0.002 it is below its own noise, about 1e-3, as the O(step^2) law predicts) */
    for (int k = 1; k + 1 < NS; k++)
        CHECK(p[k + 1].bias2 > p[k].bias2 + 2 * hypot(b2_se(&p[k], R), b2_se(&p[k + 1], R)));
    CHECK(p[1].bias2 > p[0].bias2);
    CHECK(p[NS - 1].bias2 > 10 * b2_se(&p[NS - 1], R));
    CHECK(fabs(mh.bias2) < 3 * b2_se(&mh, R));
    size_t best = 0;
    for (size_t k = 1; k < NS; k++)
        if (p[k].risk < p[best].risk)
            best = k;
    CHECK(best > 0 && best < NS - 1);
    /* the risk estimate's noise is about risk sqrt(2 / R); the ends are far above the minimum */
    double rse = p[best].risk * sqrt(2 / R);
    CHECK(p[0].risk > p[best].risk + 3 * rse);
    CHECK(p[NS - 1].risk > p[best].risk + 3 * rse);
    CHECK(mh.risk > p[best].risk + 3 * rse);
    gmdl_builtin_destroy(m);
}

int main(void) {
    uint64_t seed = th_seed(11);
    test_mixture_demo(seed);
    test_risk_trend(seed);
    if (th_failed)
        fprintf(stderr, "seed %llu\n", (unsigned long long)seed);
    TEST_MAIN_END();
}
