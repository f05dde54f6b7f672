/* Bernoulli mixtures by EM on binary vectors (binarized images): the E-step works on each image's
 * list of set pixels, log p(x | c) = sum_j log(1 - mu_cj) + sum_{j: x_j = 1} logit(mu_cj); the
 * M-step is the MAP estimate under a Beta(1 + alpha, 1 + alpha) prior on each mean. */
#include <math.h>
#include <string.h>

#include "common.h"
#include "gmdl/em.h"
#include "gmdl/rng.h"

gmdl_bmm_config gmdl_bmm_config_default(void) {
    gmdl_bmm_config c;
    memset(&c, 0, sizeof c);
    c.restarts = 1;
    c.max_iter = 100;
    c.tol = 1e-8;
    c.alpha = 1e-3;
    c.seed = 1;
    return c;
}

typedef struct {
    size_t n, d, k;
    size_t *start;  /* [n + 1] CSR of the set pixels */
    uint32_t *on;   /* set pixel indices */
    double *w, *mu; /* [k], [k*d] */
    double *logit;  /* [k*d] log mu - log(1 - mu) */
    double *base;   /* [k] sum_j log(1 - mu_cj) */
    double *R;      /* [n*k] */
    double *ll;     /* [n] log p(x_i) */
    double alpha;
} bmm_state;

/* log p(x_i) and responsibilities for every image (static split: the same for any team size);
 * returns the log-likelihood, summed in image order. */
static double bmm_estep(bmm_state *st) {
    size_t k = st->k;
    for (size_t c = 0; c < k; c++) {
        double b = 0.0;
        for (size_t j = 0; j < st->d; j++) {
            double m = st->mu[c * st->d + j];
            st->logit[c * st->d + j] = log(m) - log1p(-m);
            b += log1p(-m);
        }
        st->base[c] = b;
    }
#pragma omp parallel
    {
        size_t lo, hi;
        gmdl__thread_range(st->n, 1, &lo, &hi);
        for (size_t i = lo; i < hi; i++) {
            double *r = st->R + i * k, m = -(double)INFINITY;
            for (size_t c = 0; c < k; c++) {
                const double *lg = st->logit + c * st->d;
                double s = st->base[c] + log(st->w[c]);
                for (size_t p = st->start[i]; p < st->start[i + 1]; p++)
                    s += lg[st->on[p]];
                r[c] = st->w[c] > 0.0 ? s : -(double)INFINITY;
                m = fmax(m, r[c]);
            }
            double z = 0.0;
            for (size_t c = 0; c < k; c++)
                z += exp(r[c] - m);
            double lse = m + log(z);
            for (size_t c = 0; c < k; c++)
                r[c] = exp(r[c] - lse);
            st->ll[i] = lse;
        }
    }
    double total = 0.0;
    for (size_t i = 0; i < st->n; i++)
        total += st->ll[i];
    return total;
}

static double log_prior(const bmm_state *st) {
    double s = 0.0;
    for (size_t j = 0; j < st->k * st->d; j++)
        s += log(st->mu[j]) + log1p(-st->mu[j]);
    return st->alpha * s;
}

/* MAP M-step; components are split over the threads, each adding its images in order. */
static void bmm_mstep(bmm_state *st) {
    size_t k = st->k, d = st->d;
#pragma omp parallel
    {
        size_t lo, hi;
        gmdl__thread_range(k, 1, &lo, &hi);
        for (size_t c = lo; c < hi; c++) {
            double N = 0.0, *mu = st->mu + c * d;
            memset(mu, 0, d * sizeof *mu);
            for (size_t i = 0; i < st->n; i++) {
                double r = st->R[i * k + c];
                N += r;
                for (size_t p = st->start[i]; p < st->start[i + 1]; p++)
                    mu[st->on[p]] += r;
            }
            st->w[c] = N / (double)st->n;
            for (size_t j = 0; j < d; j++)
                mu[j] = (mu[j] + st->alpha) / (N + 2.0 * st->alpha);
        }
    }
}

static void bmm_free(bmm_state *st) {
    gmdl__free(st->start);
    gmdl__free(st->on);
    gmdl__free(st->w);
    gmdl__free(st->mu);
    gmdl__free(st->logit);
    gmdl__free(st->base);
    gmdl__free(st->R);
    gmdl__free(st->ll);
}

static gmdl_status bmm_init(bmm_state *st,
                            const uint8_t *x,
                            size_t n,
                            size_t d,
                            const gmdl_bmm_config *cfg,
                            gmdl_err *err) {
    memset(st, 0, sizeof *st);
    size_t k = cfg->k, nnz = 0;
    for (size_t i = 0; i < n * d; i++) {
        if (x[i] > 1)
            return gmdl__fail(err, GMDL_EINVAL, "vector %zu, element %zu is %u, not 0 or 1", i / d,
                              i % d, (unsigned)x[i]);
        nnz += x[i];
    }
    st->n = n, st->d = d, st->k = k, st->alpha = cfg->alpha;
    st->start = gmdl__malloc((n + 1) * sizeof *st->start);
    st->on = gmdl__malloc((nnz + 1) * sizeof *st->on);
    st->w = gmdl__malloc(k * sizeof(double));
    st->mu = gmdl__malloc(k * d * sizeof(double));
    st->logit = gmdl__malloc(k * d * sizeof(double));
    st->base = gmdl__malloc(k * sizeof(double));
    st->R = gmdl__malloc(n * k * sizeof(double));
    st->ll = gmdl__malloc(n * sizeof(double));
    if (!st->start || !st->on || !st->w || !st->mu || !st->logit || !st->base || !st->R ||
        !st->ll) {
        bmm_free(st);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for %zu vectors x %zu components", n, k);
    }
    size_t p = 0;
    for (size_t i = 0; i < n; i++) {
        st->start[i] = p;
        for (size_t j = 0; j < d; j++)
            if (x[i * d + j])
                st->on[p++] = (uint32_t)j;
    }
    st->start[n] = p;
    return GMDL_OK;
}

/* One start: means uniform in [0.25, 0.75], equal weights; EM until the objective gains less
 * than tol. Writes the objective and the log-likelihood per iteration. */
static size_t
bmm_run(bmm_state *st, const gmdl_bmm_config *cfg, int restart, double *obj, double *ll) {
    gmdl_rng rng;
    gmdl_rng_derive(&rng, cfg->seed, GMDL_RNG_EM_INIT, (uint64_t)restart);
    for (size_t j = 0; j < st->k * st->d; j++)
        st->mu[j] = 0.25 + 0.5 * gmdl_rng_uniform(&rng);
    for (size_t c = 0; c < st->k; c++)
        st->w[c] = 1.0 / (double)st->k;
    size_t it = 0;
    for (; it < (size_t)cfg->max_iter; it++) {
        ll[it] = bmm_estep(st);
        obj[it] = ll[it] + log_prior(st);
        if (it > 0 && obj[it] - obj[it - 1] <= cfg->tol * (1.0 + fabs(obj[it]))) {
            it++;
            break;
        }
        if (it + 1 < (size_t)cfg->max_iter)
            bmm_mstep(st);
    }
    return it;
}

gmdl_status gmdl_bmm_fit(gmdl_bmm *out,
                         const uint8_t *x,
                         size_t n,
                         size_t d,
                         const gmdl_bmm_config *cfg,
                         gmdl_err *err) {
    if (!out)
        return gmdl__fail(err, GMDL_EINVAL, "no output");
    memset(out, 0, sizeof *out);
    if (!cfg || !x || cfg->k < 1 || d < 1 || n < cfg->k || d > UINT32_MAX)
        return gmdl__fail(err, GMDL_EINVAL, "need k >= 1 components, d >= 1 and n >= k vectors");
    if (cfg->max_iter < 1 || cfg->restarts < 1 || !(cfg->alpha > 0.0) || !(cfg->tol >= 0.0))
        return gmdl__fail(err, GMDL_EINVAL,
                          "need max_iter >= 1, restarts >= 1, alpha > 0, "
                          "tol >= 0");
    bmm_state st;
    gmdl_status s = bmm_init(&st, x, n, d, cfg, err);
    if (s)
        return s;
    size_t m = (size_t)cfg->max_iter, k = cfg->k;
    double *obj = gmdl__malloc(4 * m * sizeof(double)), *ll = obj + m;
    out->weights = gmdl__malloc(k * sizeof(double));
    out->means = gmdl__malloc(k * d * sizeof(double));
    if (!obj || !out->weights || !out->means) {
        gmdl__free(obj);
        bmm_free(&st);
        gmdl_bmm_fini(out);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    double best = -(double)INFINITY;
    for (int r = 0; r < cfg->restarts; r++) {
        size_t it = bmm_run(&st, cfg, r, obj, ll);
        if (r == 0 || obj[it - 1] > best) {
            best = obj[it - 1];
            memcpy(obj + 2 * m, obj, it * sizeof *obj);
            memcpy(obj + 3 * m, ll, it * sizeof *ll);
            memcpy(out->weights, st.w, k * sizeof(double));
            memcpy(out->means, st.mu, k * d * sizeof(double));
            out->niter = it;
            out->loglik = ll[it - 1];
        }
    }
    out->k = k, out->d = d, out->n = n;
    out->trace = gmdl__malloc(out->niter * sizeof(double));
    out->ll_trace = gmdl__malloc(out->niter * sizeof(double));
    if (!out->trace || !out->ll_trace) {
        gmdl__free(obj);
        bmm_free(&st);
        gmdl_bmm_fini(out);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    memcpy(out->trace, obj + 2 * m, out->niter * sizeof(double));
    memcpy(out->ll_trace, obj + 3 * m, out->niter * sizeof(double));
    gmdl__free(obj);
    bmm_free(&st);
    return GMDL_OK;
}

void gmdl_bmm_fini(gmdl_bmm *b) {
    if (!b)
        return;
    gmdl__free(b->weights);
    gmdl__free(b->means);
    gmdl__free(b->trace);
    gmdl__free(b->ll_trace);
    memset(b, 0, sizeof *b);
}
