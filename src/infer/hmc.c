/* Static Hamiltonian Monte Carlo (Duane, Kennedy, Pendleton & Roweth 1987; Neal 2011, "MCMC
 * using Hamiltonian dynamics"): the step function of the chain driver (chain.c), which accepts or
 * rejects and adapts. Momentum p ~ N(0, M^-1) for the diagonal inverse mass matrix minv, `steps`
 * leapfrog steps of size eps, and the log acceptance ratio -H(u1, p1) + H(u, p) with
 * H = -lp(u) + p' minv p / 2. A trajectory that leaves the support or overflows is rejected.
 * The default warm-up target is 0.8 (Stan's). Not done here: NUTS. */
#include "common.h"
#include "gmdl/infer.h"
#include "gmdl/rng.h"
#include "infer/infer_internal.h"

static gmdl_status hmc_propose(gmdl__chain *c, double eps, size_t steps, double *loga) {
    size_t d = c->d;
    double k0 = 0, k1 = 0;
    for (size_t j = 0; j < d; j++) {
        c->p[j] = gmdl_rng_normal(&c->rng) / c->sdm[j];
        k0 += c->minv[j] * c->p[j] * c->p[j];
        c->u1[j] = c->u[j];
        c->g1[j] = c->g[j];
    }
    c->lp1 = c->lp;
    for (size_t l = 0; l < steps; l++) {
        for (size_t j = 0; j < d; j++) {
            c->p[j] += 0.5 * eps * c->g1[j];
            c->u1[j] += eps * c->minv[j] * c->p[j];
        }
        gmdl_status s = gmdl__target_eval_u(&c->lp1, c->g1, c->t, c->u1, c->xs, c->err);
        if (s != GMDL_OK || !isfinite(c->lp1)) {
            *loga = -HUGE_VAL; /* divergent trajectory */
            return s;
        }
        for (size_t j = 0; j < d; j++)
            c->p[j] += 0.5 * eps * c->g1[j];
    }
    for (size_t j = 0; j < d; j++)
        k1 += c->minv[j] * c->p[j] * c->p[j];
    *loga = (c->lp1 - 0.5 * k1) - (c->lp - 0.5 * k0);
    return GMDL_OK;
}

/* The trajectory length is drawn uniformly from [L/2, 3L/2] leapfrog steps and the step jittered
 * by +-10% after warm-up (randomisation as Neal 2011 recommends), so that no fixed length can
 * resonate with a period of the target (a fixed length can return to its start and mix very
 * slowly). */
static void hmc_jitter(gmdl__chain *c, int warm, double *eps, size_t *steps) {
    size_t L = *steps, lo = (L + 1) / 2, span = L + L / 2 - lo + 1;
    *steps = lo + gmdl_rng_bounded(&c->rng, (uint32_t)span);
    if (!warm)
        *eps *= 0.9 + 0.2 * gmdl_rng_uniform(&c->rng);
}

const gmdl__sampler gmdl__sampler_hmc = {
    .label = "chain",
    .grad = 1,
    .accept_target = 0.8,
    .propose = hmc_propose,
    .jitter = hmc_jitter,
};
