/* Stochastic gradient Langevin dynamics (Welling & Teh 2011), one chain:
 *   u <- u + (eps_t / 2) G g_t + sqrt(eps_t G) z,  z ~ N(0, I),  eps_t = a (b + t)^-gamma,
 * where g_t is the minibatch estimate of the log-posterior gradient (prior + N/n sum over the next
 * n items of a sweep through the data), on the unconstrained scale. G = I, or the RMSprop-style diagonal
 * preconditioner of pSGLD (Li, Chen, Carlson, Carin 2016): V <- beta V + (1 - beta) g^2,
 * G = 1 / (lambda + sqrt(V)) (the small Gamma correction term is dropped, as in their experiments).
 * There is no accept step. Draws after the burn-in are kept with weight eps_t, so weighted averages
 * are the paper's step-size-weighted posterior expectations. A non-finite state after a step is a
 * divergence: ENUMERIC naming the chain and the iteration.
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

gmdl_status gmdl__sgld_chain(const gmdl_target *t, const gmdl_mcmc_config *cfg, size_t k,
                             gmdl_draws *out, gmdl_err *err) {
    size_t d = t->dim, od = out->dim, nb = cfg->batch;
    double *buf = gmdl__malloc((5 * d + od) * sizeof(double));
    uint32_t *idx = nb ? gmdl__malloc(nb * sizeof(uint32_t)) : NULL;
    const uint32_t N = (uint32_t)(t->n_data > UINT32_MAX ? UINT32_MAX : t->n_data);
    gmdl__sweep sw = {NULL, 0, 0};
    if (!buf || (nb && (!idx || !gmdl__sweep_init(&sw, N)))) {
        gmdl__free(buf);
        gmdl__free(idx);
        gmdl__sweep_free(&sw);
        return gmdl__fail(err, GMDL_ENOMEM, "sgld chain %zu: out of memory", k + 1);
    }
    double *u = buf, *g = buf + d, *xs = buf + 2 * d, *v = buf + 3 * d, *gm = buf + 4 * d;
    double *rep = buf + 5 * d;
    gmdl_rng rng, noise;
    gmdl__zig zig;
    gmdl__zig_init(&zig);
    gmdl_rng_derive(&rng, cfg->seed, GMDL_RNG_MCMC_CHAIN, k);
    gmdl_rng_derive(&noise, cfg->seed, GMDL_RNG_SGLD_NOISE, k);
    double lp;
    gmdl_status s = gmdl__chain_init(t, cfg, &rng, k, u, xs, &lp, g, err);
    if (s != GMDL_OK)
        goto done;
    for (size_t j = 0; j < d; j++) {
        v[j] = 0;
        gm[j] = 1.0;
    }
    const size_t W = cfg->n_warmup, total = W + cfg->n_draws * cfg->thin;
    double *xk = out->x + k * out->n * od, *wk = out->weight + k * out->n;
    size_t kept = 0;
    for (size_t it = 0; it < total; it++) {
        if (cfg->interrupt && (it & 1023) == 0 && cfg->interrupt(cfg->interrupt_user)) {
            s = gmdl__fail(err, GMDL_EINTR, "sgld chain %zu: interrupted at iteration %zu", k + 1,
                           it);
            goto done;
        }
        /* a (b + t)^-gamma as exp(-gamma log(b + t)): the same value to rounding, and about three
         * times cheaper than glibc's pow here. */
        double eps = cfg->sgld_gamma > 0
                         ? cfg->sgld_a * exp(-cfg->sgld_gamma * log(cfg->sgld_b + (double)it))
                         : cfg->sgld_a;
        if (nb) {
            gmdl__sweep_next(&sw, &rng, idx, nb);
            s = gmdl__target_grad_batch_u(t, u, xs, idx, nb, g, err);
        } else {
            s = gmdl_target_logp_u(t, u, xs, &lp, g, err);
        }
        if (s != GMDL_OK)
            goto done;
        if (cfg->precondition) {
            for (size_t j = 0; j < d; j++) {
                v[j] = cfg->rms_beta * v[j] + (1.0 - cfg->rms_beta) * g[j] * g[j];
                gm[j] = 1.0 / (cfg->rms_lambda + sqrt(v[j]));
            }
        }
        int finite = 1;
        if (cfg->precondition) {
            for (size_t j = 0; j < d; j++) {
                u[j] += 0.5 * eps * gm[j] * g[j] + sqrt(eps * gm[j]) * gmdl__zig_normal(&zig, &noise);
                finite &= isfinite(u[j]);
            }
        } else {
            double se = sqrt(eps);
            for (size_t j = 0; j < d; j++) {
                u[j] += 0.5 * eps * g[j] + se * gmdl__zig_normal(&zig, &noise);
                finite &= isfinite(u[j]);
            }
        }
        if (!finite) {
            s = gmdl__fail(err, GMDL_ENUMERIC,
                           "sgld chain %zu: diverged at iteration %zu (step size %g): the "
                           "parameters are no longer finite; reduce the step size",
                           k + 1, it + 1, eps);
            goto done;
        }
        if (it >= W && (it - W + 1) % cfg->thin == 0) {
            gmdl__target_report(t, u, xs, rep);
            int ok = 1;
            for (size_t j = 0; j < od; j++)
                ok &= isfinite(rep[j]);
            if (!ok) {
                s = gmdl__fail(err, GMDL_ENUMERIC,
                               "sgld chain %zu: diverged at iteration %zu: a reported quantity "
                               "overflowed",
                               k + 1, it + 1);
                goto done;
            }
            memcpy(xk + kept * od, rep, od * sizeof(double));
            wk[kept] = eps;
            kept++;
        }
    }
    GMDL_ASSERT(kept == out->n);
    out->step[k] = cfg->sgld_gamma > 0 ? cfg->sgld_a * pow(cfg->sgld_b + (double)(total - 1),
                                                            -cfg->sgld_gamma)
                                       : cfg->sgld_a;
done:
    gmdl__free(buf);
    gmdl__free(idx);
    gmdl__sweep_free(&sw);
    return s;
}
