/* Classical Monte Carlo with an independent proposal on the unconstrained scale (von Neumann 1951;
 * Robert & Casella 2004, ch. 2-3): rejection sampling with a user envelope M q >= p~, and
 * self-normalised importance sampling with its ESS (Kong 1992) and the log evidence estimate
 * log((1/S) sum w), all in the log domain.
 * Both draw from (seed, MCMC_CHAIN, 0) and write one chain. */
#include "common.h"
#include "gmdl/infer.h"
#include "gmdl/rng.h"
#include "infer/infer_internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static gmdl_status check_proposal(const gmdl_target *t, const gmdl_proposal *q, gmdl_err *err) {
    gmdl_status s = gmdl_target_check(t, err);
    if (s != GMDL_OK)
        return s;
    if (!q || !q->mean || !q->sd)
        return gmdl__fail(err, GMDL_EINVAL, "proposal: mean and sd are required");
    if (!(q->df >= 0) || !isfinite(q->df))
        return gmdl__fail(err, GMDL_EINVAL, "proposal: df must be >= 0 (0 = Gaussian)");
    for (size_t j = 0; j < t->dim; j++)
        if (!isfinite(q->mean[j]) || !(q->sd[j] > 0) || !isfinite(q->sd[j]))
            return gmdl__fail(err, GMDL_EINVAL,
                              "proposal: coordinate %zu needs a finite mean and sd > 0", j + 1);
    return GMDL_OK;
}

double gmdl_proposal_logpdf(const gmdl_proposal *q, size_t dim, const double *u) {
    double lp = 0;
    for (size_t j = 0; j < dim; j++) {
        double z = (u[j] - q->mean[j]) / q->sd[j];
        if (q->df > 0) {
            double nu = q->df;
            lp += lgamma(0.5 * (nu + 1)) - lgamma(0.5 * nu) - 0.5 * log(nu * M_PI) - log(q->sd[j]) -
                  0.5 * (nu + 1) * log1p(z * z / nu);
        } else {
            lp += -0.5 * z * z - log(q->sd[j]) - 0.5 * log(2 * M_PI);
        }
    }
    return lp;
}

static void proposal_draw(const gmdl_proposal *q, size_t dim, gmdl_rng *r, double *u) {
    for (size_t j = 0; j < dim; j++) {
        double z = gmdl_rng_normal(r);
        if (q->df > 0) /* t = z / sqrt(chi2_nu / nu), chi2_nu = 2 Gamma(nu/2) */
            z /= sqrt(2.0 * gmdl_rng_gamma(r, 0.5 * q->df) / q->df);
        u[j] = q->mean[j] + q->sd[j] * z;
    }
}

gmdl_status gmdl_rejection_run(gmdl_draws *out,
                               double *accept_rate,
                               const gmdl_target *t,
                               const gmdl_proposal *q,
                               double log_M,
                               size_t n,
                               size_t max_proposals,
                               uint64_t seed,
                               gmdl_err *err) {
    if (out)
        memset(out, 0, sizeof *out);
    gmdl_status s = check_proposal(t, q, err);
    if (s != GMDL_OK)
        return s;
    if (!out || n < 1 || !isfinite(log_M) || max_proposals < n)
        return gmdl__fail(err, GMDL_EINVAL,
                          "rejection: need out, n >= 1, finite log M and max_proposals >= n");
    s = gmdl__draws_alloc(out, t, 1, n, 0, err);
    if (s != GMDL_OK)
        return s;
    size_t d = t->dim, od = out->dim;
    double *buf = gmdl__malloc((2 * d) * sizeof(double));
    if (!buf) {
        gmdl_draws_fini(out);
        return gmdl__fail(err, GMDL_ENOMEM, "rejection: out of memory");
    }
    double *u = buf, *xs = buf + d;
    gmdl_rng rng;
    gmdl_rng_derive(&rng, seed, GMDL_RNG_MCMC_CHAIN, 0);
    size_t got = 0, tried = 0;
    while (got < n) {
        if (tried == max_proposals) {
            s = gmdl__fail(err, GMDL_ENOCONV,
                           "rejection: only %zu of %zu draws accepted after %zu proposals "
                           "(acceptance %.3g); the envelope is too loose or the dimension too high",
                           got, n, tried, (double)got / (double)tried);
            goto fail;
        }
        proposal_draw(q, d, &rng, u);
        tried++;
        double lp;
        s = gmdl_target_logp_u(&lp, NULL, t, u, xs, err);
        if (s != GMDL_OK)
            goto fail;
        if (!isfinite(lp))
            continue;
        double lr = lp - log_M - gmdl_proposal_logpdf(q, d, u);
        if (lr > 1e-12) {
            s = gmdl__fail(err, GMDL_EINVAL,
                           "rejection: the envelope does not bound the density: "
                           "log p~ - log(M q) = %g > 0 at proposal %zu; increase log M",
                           lr, tried);
            goto fail;
        }
        if (log(gmdl_rng_uniform(&rng)) < lr) {
            gmdl__target_report(out->x + got * od, t, u, xs);
            got++;
        }
    }
    out->accept_rate[0] = (double)got / (double)tried;
    if (accept_rate)
        *accept_rate = out->accept_rate[0];
    gmdl__free(buf);
    return GMDL_OK;
fail:
    gmdl__free(buf);
    gmdl_draws_fini(out);
    return s;
}

gmdl_status gmdl_importance_run(gmdl_draws *out,
                                gmdl_importance_result *res,
                                const gmdl_target *t,
                                const gmdl_proposal *q,
                                size_t n,
                                uint64_t seed,
                                gmdl_err *err) {
    if (out)
        memset(out, 0, sizeof *out);
    gmdl_status s = check_proposal(t, q, err);
    if (s != GMDL_OK)
        return s;
    if (!out || n < 1)
        return gmdl__fail(err, GMDL_EINVAL, "importance: need out and n >= 1");
    s = gmdl__draws_alloc(out, t, 1, n, 1, err);
    if (s != GMDL_OK)
        return s;
    size_t d = t->dim, od = out->dim;
    double *buf = gmdl__malloc((2 * d) * sizeof(double));
    if (!buf) {
        gmdl_draws_fini(out);
        return gmdl__fail(err, GMDL_ENOMEM, "importance: out of memory");
    }
    double *u = buf, *xs = buf + d, *lw = out->weight;
    gmdl_rng rng;
    gmdl_rng_derive(&rng, seed, GMDL_RNG_MCMC_CHAIN, 0);
    double mx = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) {
        proposal_draw(q, d, &rng, u);
        double lp;
        s = gmdl_target_logp_u(&lp, NULL, t, u, xs, err);
        if (s != GMDL_OK)
            goto fail;
        lw[i] = isfinite(lp) ? lp - gmdl_proposal_logpdf(q, d, u) : -HUGE_VAL;
        if (lw[i] > mx)
            mx = lw[i];
        gmdl__target_report(out->x + i * od, t, u, xs);
    }
    if (!isfinite(mx)) {
        s = gmdl__fail(err, GMDL_EINVAL,
                       "importance: every weight is zero (the proposal misses the support)");
        goto fail;
    }
    /* log-sum-exp, then normalise in place: w_i = exp(lw_i - mx) / sum. */
    double sw = 0, sw2 = 0;
    for (size_t i = 0; i < n; i++) {
        lw[i] = exp(lw[i] - mx);
        sw += lw[i];
        sw2 += lw[i] * lw[i];
    }
    for (size_t i = 0; i < n; i++)
        lw[i] /= sw;
    if (res) {
        res->log_evidence = mx + log(sw) - log((double)n);
        res->ess = sw * sw / sw2;
    }
    gmdl__free(buf);
    return GMDL_OK;
fail:
    gmdl__free(buf);
    gmdl_draws_fini(out);
    return s;
}
