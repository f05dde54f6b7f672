/* Stochastic gradient Langevin dynamics (Welling & Teh 2011): the step function of the chain
 * driver (chain.c), and a constant-step run that keeps only the average of its states (for the
 * risk sweep of the services layer). One step:
 *   u <- u + (eps_t / 2) G g_t + sqrt(eps_t G) z,  z ~ N(0, I),  eps_t = a (b + t)^-gamma,
 * where g_t is the minibatch estimate of the log-posterior gradient (prior + N/n sum over the next
 * n items of a sweep through the data), on the unconstrained scale. G = I, or the RMSprop-style
 * diagonal preconditioner of pSGLD (Li, Chen, Carlson, Carin 2016): V <- beta V + (1 - beta) g^2,
 * G = 1 / (lambda + sqrt(V)) (the small Gamma correction term is dropped, as in their experiments).
 * There is no accept step. Draws after the burn-in are kept (by the driver) with weight eps_t, so
 * weighted averages are the paper's step-size-weighted posterior expectations. A non-finite state
 * after a step is a divergence: ENUMERIC naming the chain and the iteration.
 * Minibatches sweep through the data (gmdl__sweep: each pass visits every item once, in a fresh
 * random order), as the paper's "sweeps through the dataset" do.
 * Streams: minibatch order and the start point from (seed, MCMC_CHAIN, k); the injected noise
 * from (seed, SGLD_NOISE, k), by the ziggurat method (ziggurat.c). */
#include "common.h"
#include "gmdl/infer.h"
#include "gmdl/rng.h"
#include "infer/infer_internal.h"

int gmdl__sweep_init(gmdl__sweep *s, uint32_t n) {
    s->n = n;
    s->pos = n; /* shuffle before the first item */
    s->perm = n ? gmdl__malloc((size_t)n * sizeof(uint32_t)) : NULL;
    if (!s->perm)
        return 0;
    for (uint32_t i = 0; i < n; i++)
        s->perm[i] = i;
    return 1;
}

void gmdl__sweep_free(gmdl__sweep *s) {
    gmdl__free(s->perm);
    s->perm = NULL;
}

void gmdl__sweep_next(gmdl__sweep *s, gmdl_rng *rng, uint32_t *idx, size_t k) {
    for (size_t i = 0; i < k; i++) {
        if (s->pos == s->n) {
            for (uint32_t j = s->n - 1; j > 0; j--) {
                uint32_t r = gmdl_rng_bounded(rng, j + 1), tmp = s->perm[j];
                s->perm[j] = s->perm[r];
                s->perm[r] = tmp;
            }
            s->pos = 0;
        }
        idx[i] = s->perm[s->pos++];
    }
}

/* The Langevin update u += eps/2 G g + sqrt(eps G) z of every coordinate, G = gm[j] (or 1 when gm
 * is NULL), z from the ziggurat on the noise stream; returns 0 when a coordinate is not finite. */
static int langevin(double *u,
                    const double *g,
                    const double *gm,
                    double eps,
                    size_t d,
                    const gmdl__zig *zig,
                    gmdl_rng *noise) {
    int finite = 1;
    if (gm) {
        for (size_t j = 0; j < d; j++) {
            u[j] += 0.5 * eps * gm[j] * g[j] + sqrt(eps * gm[j]) * gmdl__zig_normal(zig, noise);
            finite &= isfinite(u[j]);
        }
    } else {
        double se = sqrt(eps);
        for (size_t j = 0; j < d; j++) {
            u[j] += 0.5 * eps * g[j] + se * gmdl__zig_normal(zig, noise);
            finite &= isfinite(u[j]);
        }
    }
    return finite;
}

/* ------------------------------------------------------------------ sampler of the chain driver */
typedef struct sgld_state {
    gmdl_rng noise; /* (seed, SGLD_NOISE, k) */
    gmdl__zig zig;
    gmdl__sweep sw;
    uint32_t *idx;  /* [batch] */
    double *v, *gm; /* [d] RMSprop average of g^2 and the preconditioner */
} sgld_state;

static void sgld_stop(gmdl__chain *c) {
    sgld_state *st = c->state;
    if (!st)
        return;
    gmdl__free(st->idx);
    gmdl__free(st->v);
    gmdl__sweep_free(&st->sw);
    gmdl__free(st);
    c->state = NULL;
}

static gmdl_status sgld_start(gmdl__chain *c) {
    size_t d = c->d, nb = c->cfg->batch;
    const uint32_t N = (uint32_t)(c->t->n_data > UINT32_MAX ? UINT32_MAX : c->t->n_data);
    sgld_state *st = gmdl__calloc(1, sizeof *st);
    c->state = st;
    if (!st || !(st->v = gmdl__malloc(2 * d * sizeof(double))) ||
        (nb && (!(st->idx = gmdl__malloc(nb * sizeof(uint32_t))) || !gmdl__sweep_init(&st->sw, N))))
        return gmdl__fail(c->err, GMDL_ENOMEM, "sgld chain %zu: out of memory", c->k + 1);
    st->gm = st->v + d;
    for (size_t j = 0; j < d; j++) {
        st->v[j] = 0;
        st->gm[j] = 1.0;
    }
    gmdl__zig_init(&st->zig);
    gmdl_rng_derive(&st->noise, c->cfg->seed, GMDL_RNG_SGLD_NOISE, c->k);
    return GMDL_OK;
}

static gmdl_status sgld_move(gmdl__chain *c, size_t it, double *weight) {
    const gmdl_mcmc_config *cfg = c->cfg;
    sgld_state *st = c->state;
    size_t d = c->d, nb = cfg->batch;
    /* a (b + t)^-gamma as exp(-gamma log(b + t)): the same value to rounding, and about three
     * times cheaper than glibc's pow here. */
    double eps = cfg->sgld_gamma > 0
                     ? cfg->sgld_a * exp(-cfg->sgld_gamma * log(cfg->sgld_b + (double)it))
                     : cfg->sgld_a;
    gmdl_status s;
    if (nb) {
        gmdl__sweep_next(&st->sw, &c->rng, st->idx, nb);
        s = gmdl__target_grad_batch_u(c->g, c->t, c->u, c->xs, st->idx, nb, c->err);
    } else {
        s = gmdl_target_logp_u(&c->lp, c->g, c->t, c->u, c->xs, c->err);
    }
    if (s != GMDL_OK)
        return s;
    if (cfg->precondition) {
        for (size_t j = 0; j < d; j++) {
            st->v[j] = cfg->rms_beta * st->v[j] + (1.0 - cfg->rms_beta) * c->g[j] * c->g[j];
            st->gm[j] = 1.0 / (cfg->rms_lambda + sqrt(st->v[j]));
        }
    }
    if (!langevin(c->u, c->g, cfg->precondition ? st->gm : NULL, eps, d, &st->zig, &st->noise))
        return gmdl__fail(c->err, GMDL_ENUMERIC,
                          "sgld chain %zu: diverged at iteration %zu (step size %g): the "
                          "parameters are no longer finite; reduce the step size",
                          c->k + 1, it + 1, eps);
    c->eps = eps;
    *weight = eps;
    return GMDL_OK;
}

/* The schedule's last step, a (b + total - 1)^-gamma. */
static double sgld_final_step(const gmdl__chain *c, size_t total) {
    const gmdl_mcmc_config *cfg = c->cfg;
    return cfg->sgld_gamma > 0
               ? cfg->sgld_a * pow(cfg->sgld_b + (double)(total - 1), -cfg->sgld_gamma)
               : cfg->sgld_a;
}

const gmdl__sampler gmdl__sampler_sgld = {
    .label = "sgld chain",
    .grad = 1,
    .start = sgld_start,
    .stop = sgld_stop,
    .move = sgld_move,
    .final_step = sgld_final_step,
};

/* ------------------------------------------------------------------ constant step, mean only */
gmdl_status gmdl__sgld_mean(double *mean,
                            const gmdl_target *t,
                            double eps,
                            size_t batch,
                            size_t T,
                            uint64_t seed,
                            size_t r,
                            const double *u0,
                            const char *who,
                            gmdl_err *err) {
    const size_t d = t->dim;
    const uint32_t N = (uint32_t)(t->n_data > UINT32_MAX ? UINT32_MAX : t->n_data);
    uint32_t *idx = gmdl__malloc(batch * sizeof(uint32_t));
    double *u = gmdl__malloc(3 * d * sizeof(double));
    gmdl__sweep sw = {NULL, 0, 0};
    if (!idx || !u || !gmdl__sweep_init(&sw, N)) {
        gmdl__free(idx);
        gmdl__free(u);
        gmdl__sweep_free(&sw);
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", who);
    }
    double *xs = u + d, *g = u + 2 * d;
    gmdl_rng rng, noise;
    gmdl_rng_derive(&rng, seed, GMDL_RNG_MCMC_CHAIN, r);
    gmdl_rng_derive(&noise, seed, GMDL_RNG_SGLD_NOISE, r);
    gmdl__zig zig;
    gmdl__zig_init(&zig);
    for (size_t j = 0; j < d; j++) {
        u[j] = u0[j];
        mean[j] = 0;
    }
    gmdl_status s = GMDL_OK;
    for (size_t it = 0; it < T; it++) {
        gmdl__sweep_next(&sw, &rng, idx, batch);
        s = gmdl__target_grad_batch_u(g, t, u, xs, idx, batch, err);
        if (s != GMDL_OK)
            break;
        if (!langevin(u, g, NULL, eps, d, &zig, &noise)) {
            s = gmdl__fail(err, GMDL_ENUMERIC,
                           "%s: SGLD run %zu at step %g diverged at iteration %zu; use smaller "
                           "steps",
                           who, r + 1, eps, it + 1);
            break;
        }
        for (size_t j = 0; j < d; j++)
            mean[j] += u[j];
    }
    for (size_t j = 0; j < d; j++)
        mean[j] /= (double)T;
    gmdl__free(idx);
    gmdl__free(u);
    gmdl__sweep_free(&sw);
    return s;
}
