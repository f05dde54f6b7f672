/* The Metropolis-adjusted Langevin algorithm (Roberts & Tweedie 1996): the step function of the
 * chain driver (chain.c), which accepts or rejects and adapts. With the diagonal metric M:
 *   u1 = u + (eps^2 / 2) M g(u) + eps M^(1/2) z,  z ~ N(0, I)
 * and the log acceptance ratio lp(u1) - lp(u) + log q(u | u1) - log q(u1 | u) of the asymmetric
 * Gaussian proposal. The default warm-up target 0.574 is the optimal acceptance rate of Roberts &
 * Rosenthal (1998). */
#include "common.h"
#include "gmdl/infer.h"
#include "gmdl/rng.h"
#include "infer/infer_internal.h"

static gmdl_status mala_propose(gmdl__chain *c, double eps, size_t steps, double *loga) {
    (void)steps;
    size_t d = c->d;
    double h = 0.5 * eps * eps, fwd = 0, bwd = 0;
    for (size_t j = 0; j < d; j++) {
        double z = gmdl_rng_normal(&c->rng);
        c->u1[j] = c->u[j] + h * c->minv[j] * c->g[j] + eps * c->sdm[j] * z;
        fwd += z * z;
    }
    gmdl_status s = gmdl__target_eval_u(&c->lp1, c->g1, c->t, c->u1, c->xs, c->err);
    if (s != GMDL_OK || !isfinite(c->lp1)) {
        *loga = -HUGE_VAL;
        return s;
    }
    for (size_t j = 0; j < d; j++) {
        double r = (c->u[j] - c->u1[j] - h * c->minv[j] * c->g1[j]) / (eps * c->sdm[j]);
        bwd += r * r;
    }
    *loga = c->lp1 - c->lp - 0.5 * bwd + 0.5 * fwd;
    return GMDL_OK;
}

const gmdl__sampler gmdl__sampler_mala = {
    .label = "chain",
    .grad = 1,
    .accept_target = 0.574,
    .propose = mala_propose,
};
