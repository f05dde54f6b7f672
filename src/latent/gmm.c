/* Gaussian mixtures by EM (ALGORITHMS.md 3.2): k-means++ starts, full / diagonal / tied
 * covariances through their Cholesky factors, responsibilities by log-sum-exp, a relative
 * variance floor, several restarts keeping the best, the log-likelihood per iteration and BIC. */
#include <math.h>
#include <string.h>

#include "common.h"
#include "gmdl/em.h"
#include "gmdl/rng.h"

#define LOG_2PI 1.8378770664093454836

gmdl_gmm_config gmdl_gmm_config_default(void) {
    gmdl_gmm_config c;
    memset(&c, 0, sizeof c);
    c.cov = GMDL_COV_FULL;
    c.restarts = 5;
    c.max_iter = 1000;
    c.tol = 1e-12;
    c.var_floor = 1e-6;
    c.seed = 1;
    return c;
}

/* One start's state: parameters, their Cholesky factors and the responsibilities. */
typedef struct {
    size_t n, d, k;
    const double *x;
    gmdl_cov_type cov;
    const double *floor; /* [d] absolute variance floor per dimension */
    double *w, *mu, *S;  /* [k], [k*d], [k*d*d] */
    double *L, *logdet;  /* Cholesky factors [k*d*d] (lower), log |S| [k] */
    double *R;           /* [n*k] responsibilities */
    double *work;        /* [d] */
    double *trace;       /* [max_iter] */
    size_t niter;
    int floored;
} gmm_state;

/* Lower Cholesky factor L of the d x d matrix S; returns the smallest pivot squared over the floor
 * (below 1: the matrix needs the floor; INFINITY without a floor), or -1 when S is not positive
 * definite. */
static double cholesky(double *L, const double *S, size_t d, const double *floor) {
    double worst = (double)INFINITY;
    memset(L, 0, d * d * sizeof *L);
    for (size_t j = 0; j < d; j++) {
        double s = S[j * d + j];
        for (size_t p = 0; p < j; p++)
            s -= L[j * d + p] * L[j * d + p];
        if (!(s > 0.0))
            return -1.0;
        if (floor)
            worst = fmin(worst, s / floor[j]);
        double ljj = sqrt(s);
        L[j * d + j] = ljj;
        for (size_t i = j + 1; i < d; i++) {
            double t = S[i * d + j];
            for (size_t p = 0; p < j; p++)
                t -= L[i * d + p] * L[j * d + p];
            L[i * d + j] = t / ljj;
        }
    }
    return worst;
}

/* Factors component c's covariance, adding the floor to the diagonal when a pivot falls below
 * it (full and tied; diagonal covariances were clamped already). */
static gmdl_status factor_component(gmm_state *st, size_t c, gmdl_err *err) {
    size_t d = st->d;
    double *S = st->S + c * d * d, *L = st->L + c * d * d;
    double q = cholesky(L, S, d, st->floor);
    if (q < 1.0) {
        for (size_t j = 0; j < d; j++)
            S[j * d + j] += st->floor[j];
        st->floored = 1;
        if (cholesky(L, S, d, st->floor) < 0.0)
            return gmdl__fail(err, GMDL_ENUMERIC,
                              "component %zu: covariance not positive "
                              "definite even with the variance floor",
                              c);
    }
    double ld = 0.0;
    for (size_t j = 0; j < d; j++)
        ld += 2.0 * log(L[j * d + j]);
    st->logdet[c] = ld;
    return GMDL_OK;
}

/* log N(x | mu, L L^T) by forward substitution; z is d doubles of scratch. */
static double
log_normal(const double *x, const double *mu, const double *L, double logdet, size_t d, double *z) {
    double q = 0.0;
    for (size_t i = 0; i < d; i++) {
        double t = x[i] - mu[i];
        for (size_t p = 0; p < i; p++)
            t -= L[i * d + p] * z[p];
        z[i] = t / L[i * d + i];
        q += z[i] * z[i];
    }
    return -0.5 * ((double)d * LOG_2PI + logdet + q);
}

/* E-step: R[i*k + c] = p(c | x_i); returns the total log-likelihood. */
static double estep(gmm_state *st) {
    size_t n = st->n, d = st->d, k = st->k;
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        double *r = st->R + i * k, m = -(double)INFINITY;
        for (size_t c = 0; c < k; c++) {
            r[c] = st->w[c] > 0.0
                       ? log(st->w[c]) + log_normal(st->x + i * d, st->mu + c * d,
                                                    st->L + c * d * d, st->logdet[c], d, st->work)
                       : -(double)INFINITY;
            m = fmax(m, r[c]);
        }
        double s = 0.0;
        for (size_t c = 0; c < k; c++)
            s += exp(r[c] - m);
        double lse = m + log(s);
        for (size_t c = 0; c < k; c++)
            r[c] = exp(r[c] - lse);
        total += lse;
    }
    return total;
}

/* Weighted scatter of the points about component c's mean, added into S (d x d). */
static void add_scatter(double *S, const gmm_state *st, size_t c) {
    size_t n = st->n, d = st->d, k = st->k;
    const double *mu = st->mu + c * d;
    for (size_t i = 0; i < n; i++) {
        double r = st->R[i * k + c];
        if (r == 0.0)
            continue;
        const double *x = st->x + i * d;
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b <= a; b++)
                S[a * d + b] += r * (x[a] - mu[a]) * (x[b] - mu[b]);
    }
}

/* M-step from the responsibilities: weights, means and covariances, then their factors. */
static gmdl_status mstep(gmm_state *st, gmdl_err *err) {
    size_t n = st->n, d = st->d, k = st->k, dd = d * d;
    for (size_t c = 0; c < k; c++) {
        double N = 0.0;
        for (size_t i = 0; i < n; i++)
            N += st->R[i * k + c];
        st->w[c] = N / (double)n;
        if (!(N > 0.0))
            continue; /* an empty component keeps its mean and covariance, weight 0 */
        double *mu = st->mu + c * d;
        memset(mu, 0, d * sizeof *mu);
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < d; a++)
                mu[a] += st->R[i * k + c] * st->x[i * d + a];
        for (size_t a = 0; a < d; a++)
            mu[a] /= N;
        if (st->cov == GMDL_COV_TIED)
            continue;
        double *S = st->S + c * dd;
        memset(S, 0, dd * sizeof *S);
        add_scatter(S, st, c);
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b <= a; b++)
                S[b * d + a] = S[a * d + b] = S[a * d + b] / N;
    }
    if (st->cov == GMDL_COV_TIED) {
        double *S = st->S;
        memset(S, 0, dd * sizeof *S);
        for (size_t c = 0; c < k; c++)
            if (st->w[c] > 0.0)
                add_scatter(S, st, c);
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b <= a; b++)
                S[b * d + a] = S[a * d + b] = S[a * d + b] / (double)n;
        for (size_t c = 1; c < k; c++)
            memcpy(st->S + c * dd, S, dd * sizeof *S);
    }
    if (st->cov == GMDL_COV_DIAG)
        for (size_t c = 0; c < k; c++)
            for (size_t a = 0; a < d; a++)
                for (size_t b = 0; b < d; b++) {
                    double *s = &st->S[c * dd + a * d + b];
                    if (a != b)
                        *s = 0.0;
                    else if (*s < st->floor[a]) {
                        *s = st->floor[a];
                        st->floored = 1;
                    }
                }
    gmdl_status s = GMDL_OK;
    for (size_t c = 0; c < k && !s; c++)
        s = factor_component(st, c, err);
    return s;
}

/* k-means++ (Arthur & Vassilvitskii 2007): centres drawn with probability proportional to the
 * squared distance to the nearest centre so far; then each point is assigned to its nearest
 * centre and one M-step gives the starting parameters. */
static gmdl_status kmeanspp(gmm_state *st, gmdl_rng *rng, double *dist, gmdl_err *err) {
    size_t n = st->n, d = st->d, k = st->k;
    size_t first = gmdl_rng_bounded(rng, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        dist[i] = (double)INFINITY;
    size_t cur = first;
    double *cent = st->mu;
    for (size_t c = 0; c < k; c++) {
        memcpy(cent + c * d, st->x + cur * d, d * sizeof *cent);
        double total = 0.0;
        for (size_t i = 0; i < n; i++) {
            double s = 0.0;
            for (size_t a = 0; a < d; a++) {
                double t = st->x[i * d + a] - cent[c * d + a];
                s += t * t;
            }
            dist[i] = fmin(dist[i], s);
            total += dist[i];
        }
        if (c + 1 == k)
            break;
        if (!(total > 0.0)) {
            cur = gmdl_rng_bounded(rng, (uint32_t)n); /* all points coincide with centres */
            continue;
        }
        double u = gmdl_rng_uniform(rng) * total, acc = 0.0;
        cur = n - 1;
        for (size_t i = 0; i < n; i++) {
            acc += dist[i];
            if (acc > u && dist[i] > 0.0) {
                cur = i;
                break;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        double bd = (double)INFINITY;
        for (size_t c = 0; c < k; c++) {
            double s = 0.0;
            for (size_t a = 0; a < d; a++) {
                double t = st->x[i * d + a] - cent[c * d + a];
                s += t * t;
            }
            if (s < bd) {
                bd = s;
                best = c;
            }
        }
        for (size_t c = 0; c < k; c++)
            st->R[i * k + c] = c == best ? 1.0 : 0.0;
    }
    return mstep(st, err);
}

/* The user's start: given means (and weights), the same variance for every component. */
static gmdl_status
user_start(gmm_state *st, const gmdl_gmm_config *cfg, const double *var, gmdl_err *err) {
    size_t d = st->d, k = st->k;
    memcpy(st->mu, cfg->init_means, k * d * sizeof *st->mu);
    for (size_t c = 0; c < k; c++) {
        st->w[c] = cfg->init_weights ? cfg->init_weights[c] : 1.0 / (double)k;
        double *S = st->S + c * d * d;
        memset(S, 0, d * d * sizeof *S);
        for (size_t a = 0; a < d; a++)
            S[a * d + a] = cfg->init_var > 0.0 ? cfg->init_var : var[a];
    }
    gmdl_status s = GMDL_OK;
    for (size_t c = 0; c < k && !s; c++)
        s = factor_component(st, c, err);
    return s;
}

/* EM from the current parameters until the gain is below tol or max_iter iterations. The trace
 * holds the log-likelihood of the parameters each E-step saw; the final parameters are those of
 * the last trace entry. */
static gmdl_status run_em(gmm_state *st, const gmdl_gmm_config *cfg, gmdl_err *err) {
    st->niter = 0;
    for (int it = 0; it < cfg->max_iter; it++) {
        double L = estep(st);
        if (!isfinite(L))
            return gmdl__fail(err, GMDL_ENUMERIC, "log-likelihood not finite at iteration %d", it);
        st->trace[st->niter++] = L;
        if (it > 0 && L - st->trace[it - 1] <= cfg->tol * (1.0 + fabs(L)))
            break;
        if (it + 1 == cfg->max_iter)
            break;
        gmdl_status s = mstep(st, err);
        if (s)
            return s;
    }
    return GMDL_OK;
}

static gmdl_status
check_args(const double *x, size_t n, size_t d, const gmdl_gmm_config *cfg, gmdl_err *err) {
    if (!cfg || cfg->k < 1 || d < 1 || !x)
        return gmdl__fail(err, GMDL_EINVAL, "need k >= 1, d >= 1 and data");
    if (n < cfg->k)
        return gmdl__fail(err, GMDL_EINVAL, "%zu points are fewer than k = %zu components", n,
                          cfg->k);
    if (n > UINT32_MAX)
        return gmdl__fail(err, GMDL_EINVAL, "more than 2^32 points");
    if (cfg->max_iter < 1 || cfg->restarts < 1 || !(cfg->var_floor > 0.0) || !(cfg->tol >= 0.0))
        return gmdl__fail(err, GMDL_EINVAL,
                          "need max_iter >= 1, restarts >= 1, var_floor > 0, "
                          "tol >= 0");
    if ((int)cfg->cov < 0 || cfg->cov > GMDL_COV_TIED)
        return gmdl__fail(err, GMDL_EINVAL, "unknown covariance type %d", (int)cfg->cov);
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return gmdl__fail(err, GMDL_EINVAL, "point %zu, coordinate %zu is not finite", i / d,
                              i % d);
    return GMDL_OK;
}

static void state_free(gmm_state *st) {
    gmdl__free(st->w);
    gmdl__free(st->mu);
    gmdl__free(st->S);
    gmdl__free(st->L);
    gmdl__free(st->logdet);
    gmdl__free(st->R);
    gmdl__free(st->work);
    gmdl__free(st->trace);
    memset(st, 0, sizeof *st);
}

static int state_alloc(gmm_state *st, size_t n, size_t d, size_t k, int max_iter) {
    st->n = n, st->d = d, st->k = k;
    st->w = gmdl__calloc(k, sizeof(double));
    st->mu = gmdl__calloc(k * d, sizeof(double));
    st->S = gmdl__calloc(k * d * d, sizeof(double));
    st->L = gmdl__calloc(k * d * d, sizeof(double));
    st->logdet = gmdl__calloc(k, sizeof(double));
    st->R = gmdl__calloc(n * k + 1, sizeof(double));
    st->work = gmdl__calloc(d + n, sizeof(double));
    st->trace = gmdl__calloc((size_t)max_iter, sizeof(double));
    return st->w && st->mu && st->S && st->L && st->logdet && st->R && st->work && st->trace;
}

/* Moves the kept start's parameters into the result. */
static gmdl_status keep(gmdl_gmm *out, gmm_state *st, int restart, gmdl_err *err) {
    size_t k = st->k, d = st->d;
    gmdl_gmm_fini(out);
    out->k = k, out->d = d, out->n = st->n, out->cov = st->cov;
    out->weights = gmdl__malloc(k * sizeof(double));
    out->means = gmdl__malloc(k * d * sizeof(double));
    out->covs = gmdl__malloc(k * d * d * sizeof(double));
    out->trace = gmdl__malloc(st->niter * sizeof(double));
    if (!out->weights || !out->means || !out->covs || !out->trace)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    memcpy(out->weights, st->w, k * sizeof(double));
    memcpy(out->means, st->mu, k * d * sizeof(double));
    memcpy(out->covs, st->S, k * d * d * sizeof(double));
    memcpy(out->trace, st->trace, st->niter * sizeof(double));
    out->niter = st->niter;
    out->loglik = st->trace[st->niter - 1];
    size_t cp = st->cov == GMDL_COV_FULL   ? k * d * (d + 1) / 2
                : st->cov == GMDL_COV_DIAG ? k * d
                                           : d * (d + 1) / 2;
    out->params = (k - 1) + k * d + cp;
    out->bic = -2.0 * out->loglik + (double)out->params * log((double)st->n);
    out->best_restart = restart;
    out->floored = st->floored;
    return GMDL_OK;
}

gmdl_status gmdl_gmm_fit(
    gmdl_gmm *out, const double *x, size_t n, size_t d, const gmdl_gmm_config *cfg, gmdl_err *err) {
    if (!out)
        return gmdl__fail(err, GMDL_EINVAL, "no output");
    memset(out, 0, sizeof *out);
    gmdl_status s = check_args(x, n, d, cfg, err);
    if (s)
        return s;
    size_t k = cfg->k;
    gmm_state st;
    memset(&st, 0, sizeof st);
    double *fl = gmdl__calloc(2 * d, sizeof(double));
    if (!fl || !state_alloc(&st, n, d, k, cfg->max_iter)) {
        gmdl__free(fl);
        state_free(&st);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for %zu points x %zu components", n, k);
    }
    double *var = fl + d; /* the data's variance per dimension, and from it the floor */
    for (size_t a = 0; a < d; a++) {
        double m = 0.0, v = 0.0;
        for (size_t i = 0; i < n; i++)
            m += x[i * d + a];
        m /= (double)n;
        for (size_t i = 0; i < n; i++)
            v += (x[i * d + a] - m) * (x[i * d + a] - m);
        var[a] = v / (double)n > 0.0 ? v / (double)n : 1.0;
        fl[a] = cfg->var_floor * var[a];
    }
    st.x = x, st.cov = cfg->cov, st.floor = fl;
    int starts = cfg->init_means ? 1 : cfg->restarts, have = 0;
    for (int r = 0; r < starts && !s; r++) {
        gmdl_rng rng;
        gmdl_rng_derive(&rng, cfg->seed, GMDL_RNG_EM_INIT, (uint64_t)r);
        st.floored = 0;
        s = cfg->init_means ? user_start(&st, cfg, var, err)
                            : kmeanspp(&st, &rng, st.work + d, err);
        if (!s)
            s = run_em(&st, cfg, err);
        if (!s && (!have || st.trace[st.niter - 1] > out->loglik)) {
            s = keep(out, &st, r, err);
            have = 1;
        }
    }
    gmdl__free(fl);
    state_free(&st);
    if (s)
        gmdl_gmm_fini(out);
    return s;
}

void gmdl_gmm_fini(gmdl_gmm *g) {
    if (!g)
        return;
    gmdl__free(g->weights);
    gmdl__free(g->means);
    gmdl__free(g->covs);
    gmdl__free(g->trace);
    memset(g, 0, sizeof *g);
}

gmdl_status gmdl_gmm_log_density(
    double *out, double *comp, const gmdl_gmm *g, const double *x, size_t n, gmdl_err *err) {
    if (!out || !g || !g->weights || !x)
        return gmdl__fail(err, GMDL_EINVAL, "need a fitted mixture, points and an output");
    size_t k = g->k, d = g->d;
    double *L = gmdl__malloc((k * d * d + 2 * k + d) * sizeof(double));
    if (!L)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    double *logdet = L + k * d * d, *lp = logdet + k, *z = lp + k;
    for (size_t c = 0; c < k; c++) {
        /* no floor here: the fit applied it */
        if (cholesky(L + c * d * d, g->covs + c * d * d, d, NULL) < 0.0) {
            gmdl__free(L);
            return gmdl__fail(err, GMDL_EINVAL, "component %zu: covariance not positive definite",
                              c);
        }
        logdet[c] = 0.0;
        for (size_t a = 0; a < d; a++)
            logdet[c] += 2.0 * log(L[c * d * d + a * d + a]);
    }
    for (size_t i = 0; i < n; i++) {
        double m = -(double)INFINITY, *lc = comp ? comp + i * k : lp;
        for (size_t c = 0; c < k; c++) {
            lc[c] = g->weights[c] > 0.0
                        ? log(g->weights[c]) + log_normal(x + i * d, g->means + c * d,
                                                          L + c * d * d, logdet[c], d, z)
                        : -(double)INFINITY;
            m = fmax(m, lc[c]);
        }
        double s = 0.0;
        for (size_t c = 0; c < k; c++)
            s += exp(lc[c] - m);
        out[i] = m + log(s);
    }
    gmdl__free(L);
    return GMDL_OK;
}
