/* Random-walk Metropolis-Hastings (Metropolis et al. 1953; Hastings 1970): the step function of
 * the chain driver (chain.c), which accepts or rejects and adapts.
 *   u1 = u + eps M^(1/2) z,  z ~ N(0, I),  log acceptance ratio = lp(u1) - lp(u)
 * with the diagonal metric M (sdm = M^(1/2)). Without a configured step the proposal sd starts at
 * 2.38 / sqrt(dim), the optimal scaling of Roberts, Gelman & Gilks (1997), whose acceptance
 * rate 0.234 is the default warm-up target. Does not evaluate gradients. */
#include "common.h"
#include "gmdl/infer.h"
#include "gmdl/rng.h"
#include "infer/infer_internal.h"

static gmdl_status mh_propose(gmdl__chain *c, double eps, size_t steps, double *loga) {
    (void)steps;
    for (size_t j = 0; j < c->d; j++)
        c->u1[j] = c->u[j] + eps * c->sdm[j] * gmdl_rng_normal(&c->rng);
    gmdl_status s = gmdl__target_eval_u(&c->lp1, NULL, c->t, c->u1, c->xs, c->err);
    *loga = c->lp1 - c->lp;
    return s;
}

static double mh_start_step(size_t dim) {
    return 2.38 / sqrt((double)dim);
}

const gmdl__sampler gmdl__sampler_mh = {
    .label = "chain",
    .grad = 0,
    .accept_target = 0.234,
    .start_step = mh_start_step,
    .propose = mh_propose,
};
