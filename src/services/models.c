/* Built-in models, each a gmdl_target over its own copy of the data: the SGLD paper's Gaussian
 * mixture, Bayesian logistic regression (sparse data), Bayesian linear regression and the
 * non-centred eight schools model. Log densities are exact up to additive constants, with analytic
 * gradients (checked against finite differences in tests/test_models.c) and, where the model has
 * independent data items, minibatch gradients for SGLD. The callbacks only read the model, so
 * chains may call them concurrently. */
#include "common.h"
#include "gmdl/infer.h"
#include "gmdl/io.h"
#include "gmdl/rng.h"
#include "gmdl/services.h"

typedef enum { M_MIXTURE, M_LOGISTIC, M_LINEAR, M_SCHOOLS } model_kind;

struct gmdl_builtin {
    gmdl_target t;
    model_kind kind;
    size_t nnames;
    char **names;       /* parameter names (or reported names for eight schools) */
    gmdl_transform *tf; /* [dim] */
    /* mixture: data x[n]; schools: y[n], sigma[n]; linear: y[n], X[n, p] */
    size_t n, p;
    double *x, *y, *sigma;
    /* logistic (CSR, 0-based columns) */
    size_t *row_ptr;
    uint32_t *cols;
    double *vals;
    gmdl_prior prior;
    double scale;
    gmdl_binary_labels labels; /* logistic: the label values read as +1 and -1 */
};

const gmdl_target *gmdl_builtin_target(const gmdl_builtin *m) {
    return m ? &m->t : NULL;
}

void gmdl_builtin_destroy(gmdl_builtin *m) {
    if (!m)
        return;
    if (m->names)
        for (size_t i = 0; i < m->nnames; i++)
            gmdl__free(m->names[i]);
    gmdl__free(m->names);
    gmdl__free(m->tf);
    gmdl__free(m->x);
    gmdl__free(m->y);
    gmdl__free(m->sigma);
    gmdl__free(m->row_ptr);
    gmdl__free(m->cols);
    gmdl__free(m->vals);
    gmdl__free(m);
}

/* Allocates the model with `nnames` names built from fmt-like parts: names[i] = prefix[i]. */
static gmdl_builtin *alloc_model(model_kind kind, size_t dim, size_t nnames) {
    gmdl_builtin *m = gmdl__calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->kind = kind;
    m->nnames = nnames;
    m->names = gmdl__calloc(nnames, sizeof(char *));
    m->tf = gmdl__calloc(dim, sizeof(gmdl_transform));
    if (!m->names || !m->tf) {
        gmdl_builtin_destroy(m);
        return NULL;
    }
    m->t.dim = dim;
    m->t.user = m;
    return m;
}

static int set_name(gmdl_builtin *m, size_t i, const char *base, size_t index) {
    char buf[64];
    if (index)
        snprintf(buf, sizeof buf, "%s[%zu]", base, index);
    else
        snprintf(buf, sizeof buf, "%s", base);
    m->names[i] = gmdl__strdup(buf);
    return m->names[i] != NULL;
}

static double *copy_doubles(const double *src, size_t n) {
    double *d = gmdl__malloc((n ? n : 1) * sizeof(double));
    if (d && n)
        memcpy(d, src, n * sizeof(double));
    return d;
}

static double log_sigmoid(double t) {
    return t >= 0 ? -log1p(exp(-t)) : t - log1p(exp(t));
}

static double sigmoid(double t) {
    return t >= 0 ? 1.0 / (1.0 + exp(-t)) : exp(t) / (1.0 + exp(t));
}

/* ------------------------------------------------------------------ SGLD mixture */
#define MIX_VX 2.0  /* sigma_x^2 */
#define MIX_V1 10.0 /* sigma_1^2 */
#define MIX_V2 1.0  /* sigma_2^2 */

/* log of 1/2 N(x|t1, 2) + 1/2 N(x|t1+t2, 2) without the constant, with responsibilities. */
static double mix_item(double x, double t1, double t2, double *g1, double *g2) {
    double d1 = x - t1, d2 = x - t1 - t2;
    double a = -d1 * d1 / (2 * MIX_VX), b = -d2 * d2 / (2 * MIX_VX);
    double mx = a > b ? a : b;
    double l = mx + log(exp(a - mx) + exp(b - mx));
    double r2 = exp(b - l); /* responsibility of the second component */
    double r1 = 1.0 - r2;
    *g1 = (r1 * d1 + r2 * d2) / MIX_VX;
    *g2 = r2 * d2 / MIX_VX;
    return l;
}

static double mix_lp(const gmdl_builtin *m, const double *th, double *grad) {
    double l = -th[0] * th[0] / (2 * MIX_V1) - th[1] * th[1] / (2 * MIX_V2);
    double g1 = -th[0] / MIX_V1, g2 = -th[1] / MIX_V2;
    for (size_t i = 0; i < m->n; i++) {
        double a, b;
        l += mix_item(m->x[i], th[0], th[1], &a, &b);
        g1 += a;
        g2 += b;
    }
    if (grad) {
        grad[0] = g1;
        grad[1] = g2;
    }
    return l;
}

static gmdl_status mix_logp(void *user, const double *th, double *lp, double *grad, gmdl_err *err) {
    (void)err;
    *lp = mix_lp(user, th, grad);
    return GMDL_OK;
}

/* The minibatch gradient needs only the responsibilities: r2 = sigmoid(b - a) with
 * b - a = (d1^2 - d2^2) / (2 sigma_x^2), one exp per item (this is SGLD's hot loop). */
static gmdl_status mix_batch(
    void *user, const double *th, const uint32_t *idx, size_t n, double *grad, gmdl_err *err) {
    (void)err;
    const gmdl_builtin *m = user;
    double g1 = 0, g2 = 0, scale = (double)m->n / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d1 = m->x[idx[i]] - th[0], d2 = d1 - th[1];
        double r2 = 1.0 / (1.0 + exp((d2 * d2 - d1 * d1) / (2 * MIX_VX)));
        g1 += ((1.0 - r2) * d1 + r2 * d2) / MIX_VX;
        g2 += r2 * d2 / MIX_VX;
    }
    grad[0] = -th[0] / MIX_V1 + scale * g1;
    grad[1] = -th[1] / MIX_V2 + scale * g2;
    return GMDL_OK;
}

/* Steepest ascent with backtracking on the full log posterior from th[2] until the gradient
 * vanishes: the local maximum whose basin holds the start. */
static void mix_ascend(const gmdl_builtin *m, double th[2]) {
    double g[2], t = 1e-3;
    double lp = mix_lp(m, th, g);
    for (int it = 0; it < 5000 && g[0] * g[0] + g[1] * g[1] > 1e-16; it++) {
        double gg = g[0] * g[0] + g[1] * g[1], y[2], ly, gy[2];
        t *= 2;
        for (;;) {
            y[0] = th[0] + t * g[0];
            y[1] = th[1] + t * g[1];
            ly = mix_lp(m, y, gy);
            if (ly >= lp + 0.25 * t * gg || t < 1e-12)
                break;
            t *= 0.5;
        }
        if (!(ly >= lp))
            break;
        th[0] = y[0];
        th[1] = y[1];
        lp = ly;
        g[0] = gy[0];
        g[1] = gy[1];
    }
}

/* The paper's description of its data set: "There is a mode at this parameter setting [(0, 1)],
 * but also a secondary mode at theta1 = 1, theta2 = -1". True when the posterior's local maxima
 * reached by ascent from (0, 1) and from (1, -1) lie within MIX_MODE_TOL of those points. */
#define MIX_MODE_TOL  0.5
#define MIX_MAX_DRAWS 1000
static int mix_paper_like(const gmdl_builtin *m) {
    static const double modes[2][2] = {{0.0, 1.0}, {1.0, -1.0}};
    for (int k = 0; k < 2; k++) {
        double th[2] = {modes[k][0], modes[k][1]};
        mix_ascend(m, th);
        double dx = th[0] - modes[k][0], dy = th[1] - modes[k][1];
        if (!(dx * dx + dy * dy <= MIX_MODE_TOL * MIX_MODE_TOL))
            return 0;
    }
    return 1;
}

gmdl_status gmdl_builtin_sgld_mixture(gmdl_builtin **out, uint64_t seed, gmdl_err *err) {
    *out = NULL;
    gmdl_builtin *m = alloc_model(M_MIXTURE, 2, 2);
    if (!m || !set_name(m, 0, "theta", 1) || !set_name(m, 1, "theta", 2) ||
        !(m->x = gmdl__malloc(100 * sizeof(double)))) {
        gmdl_builtin_destroy(m);
        return gmdl__fail(err, GMDL_ENOMEM, "sgld-mixture: out of memory");
    }
    m->n = 100;
    /* Data sets of 100 points vary a lot: about a quarter give the paper's picture (modes near
     * (0, 1) and (1, -1), a low ridge between them); most give one mode near theta2 = 0, and a few
     * (sample variance far above the expected 2.25) give two modes near theta2 = +-2, about 6 nats
     * apart, that the paper's SGLD recipe does not cross in its 10^6 steps (docs/INFERENCE.md;
     * the plain draw of seed 1 is one). The demo reproduces the paper's
     * experiment, so the data set is the first draw from (seed, DATA_SYNTH, j), j = 0, 1, ...,
     * whose posterior matches the paper's description of its data (mix_paper_like). */
    int found = 0;
    for (uint64_t j = 0; j < MIX_MAX_DRAWS && !found; j++) {
        gmdl_rng r;
        gmdl_rng_derive(&r, seed, GMDL_RNG_DATA_SYNTH, j);
        for (size_t i = 0; i < m->n; i++) {
            double mean =
                gmdl_rng_bernoulli(&r, 0.5) ? 1.0 : 0.0; /* theta1 = 0, theta1+theta2 = 1 */
            m->x[i] = mean + sqrt(MIX_VX) * gmdl_rng_normal(&r);
        }
        found = mix_paper_like(m);
    }
    if (!found) { /* about 0.75^1000: not reached in practice */
        gmdl_builtin_destroy(m);
        return gmdl__fail(err, GMDL_ENUMERIC,
                          "sgld-mixture: no data set among %d draws has the paper's two modes",
                          MIX_MAX_DRAWS);
    }
    m->t.logp = mix_logp;
    m->t.grad_batch = mix_batch;
    m->t.n_data = m->n;
    m->t.names = (const char *const *)m->names;
    *out = m;
    return GMDL_OK;
}

const double *gmdl_builtin_mixture_data(size_t *n, const gmdl_builtin *m) {
    if (!m || m->kind != M_MIXTURE)
        return NULL;
    if (n)
        *n = m->n;
    return m->x;
}

/* ------------------------------------------------------------------ logistic regression */
static double prior_term(const gmdl_builtin *m, double b, double *g) {
    if (m->prior == GMDL_PRIOR_LAPLACE) {
        *g = (b > 0 ? -1.0 : b < 0 ? 1.0 : 0.0) / m->scale;
        return -fabs(b) / m->scale;
    }
    *g = -b / (m->scale * m->scale);
    return -0.5 * b * b / (m->scale * m->scale);
}

/* Adds w * d/d(beta, alpha) log sigmoid(y z_i) to grad and returns log sigmoid(y z_i). */
static double
logit_item(const gmdl_builtin *m, const double *th, size_t i, double w, double *grad) {
    size_t D = m->p;
    double z = th[D];
    for (size_t k = m->row_ptr[i]; k < m->row_ptr[i + 1]; k++)
        z += th[m->cols[k]] * m->vals[k];
    double y = m->y[i];
    if (grad) {
        double c = w * sigmoid(-y * z) * y;
        for (size_t k = m->row_ptr[i]; k < m->row_ptr[i + 1]; k++)
            grad[m->cols[k]] += c * m->vals[k];
        grad[D] += c;
    }
    return log_sigmoid(y * z);
}

static gmdl_status
logit_logp(void *user, const double *th, double *lp, double *grad, gmdl_err *err) {
    (void)err;
    const gmdl_builtin *m = user;
    size_t dim = m->p + 1;
    double l = 0;
    for (size_t j = 0; j < dim; j++) {
        double g;
        l += prior_term(m, th[j], &g);
        if (grad)
            grad[j] = g;
    }
    for (size_t i = 0; i < m->n; i++)
        l += logit_item(m, th, i, 1.0, grad);
    *lp = l;
    return GMDL_OK;
}

static gmdl_status logit_batch(
    void *user, const double *th, const uint32_t *idx, size_t n, double *grad, gmdl_err *err) {
    (void)err;
    const gmdl_builtin *m = user;
    size_t dim = m->p + 1;
    for (size_t j = 0; j < dim; j++)
        (void)prior_term(m, th[j], &grad[j]);
    double w = (double)m->n / (double)n;
    for (size_t i = 0; i < n; i++)
        (void)logit_item(m, th, idx[i], w, grad);
    return GMDL_OK;
}

/* ------------------------------------------------------------------ binary labels */
#define LABELS_NAMED 8 /* distinct values a refusal names */

gmdl_status gmdl_binary_labels_find(gmdl_binary_labels *out,
                                    const double *labels,
                                    size_t n,
                                    const double *positive,
                                    gmdl_err *err) {
    if (!labels || n == 0)
        return gmdl__fail(err, GMDL_EINVAL, "no labels");
    double seen[LABELS_NAMED + 1] = {0};
    size_t nseen = 0; /* distinct values, counted up to LABELS_NAMED + 1 */
    for (size_t i = 0; i < n && nseen <= LABELS_NAMED; i++) {
        if (!isfinite(labels[i]))
            return gmdl__fail(err, GMDL_EINVAL, "row %zu: label %g is not a finite number", i + 1,
                              labels[i]);
        size_t k = 0;
        while (k < nseen && seen[k] != labels[i])
            k++;
        if (k == nseen)
            seen[nseen++] = labels[i];
    }
    if (nseen > 2) {
        char list[256] = "";
        size_t len = 0, shown = nseen < LABELS_NAMED ? nseen : LABELS_NAMED;
        for (size_t k = 0; k < shown && len < sizeof list; k++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%g", k ? ", " : "", seen[k]);
        if (nseen > LABELS_NAMED)
            return gmdl__fail(err, GMDL_EINVAL,
                              "more than %d distinct label values (%s, ...); a binary model "
                              "takes two",
                              LABELS_NAMED, list);
        return gmdl__fail(err, GMDL_EINVAL,
                          "%zu distinct label values (%s); a binary model takes two", nseen, list);
    }
    size_t pi = 0;
    if (positive) {
        while (pi < nseen && seen[pi] != *positive)
            pi++;
        if (pi == nseen)
            return nseen == 2 ? gmdl__fail(err, GMDL_EINVAL,
                                           "positive label %g is not one of the labels (%g, %g)",
                                           *positive, seen[0], seen[1])
                              : gmdl__fail(err, GMDL_EINVAL,
                                           "positive label %g is not one of the labels (%g)",
                                           *positive, seen[0]);
    }
    out->positive = seen[pi];
    out->negative = nseen == 2 ? seen[1 - pi] : (double)NAN;
    return GMDL_OK;
}

gmdl_status gmdl_binary_labels_check(const gmdl_binary_labels *map,
                                     const double *labels,
                                     size_t n,
                                     gmdl_err *err) {
    if (!map || (n && !labels))
        return gmdl__fail(err, GMDL_EINVAL, "labels: NULL argument");
    for (size_t i = 0; i < n; i++)
        if (labels[i] != map->positive && labels[i] != map->negative) {
            if (isnan(map->negative))
                return gmdl__fail(err, GMDL_EINVAL,
                                  "row %zu: label %g is not the training label (%g, positive)",
                                  i + 1, labels[i], map->positive);
            return gmdl__fail(err, GMDL_EINVAL,
                              "row %zu: label %g is not one of the training labels (%g positive, "
                              "%g negative)",
                              i + 1, labels[i], map->positive, map->negative);
        }
    return GMDL_OK;
}

const gmdl_binary_labels *gmdl_builtin_logistic_labels(const gmdl_builtin *m) {
    return m && m->kind == M_LOGISTIC ? &m->labels : NULL;
}

gmdl_status gmdl_builtin_logistic(gmdl_builtin **out,
                                  const gmdl_libsvm *train,
                                  const gmdl_binary_labels *labels,
                                  gmdl_prior prior,
                                  double scale,
                                  gmdl_err *err) {
    *out = NULL;
    if (!train || train->nrows < 1 || train->ncols < 1)
        return gmdl__fail(err, GMDL_EINVAL, "logistic: the training data has no rows or features");
    if (!(scale > 0) || !isfinite(scale) ||
        (prior != GMDL_PRIOR_LAPLACE && prior != GMDL_PRIOR_GAUSSIAN))
        return gmdl__fail(err, GMDL_EINVAL, "logistic: bad prior (scale must be > 0)");
    gmdl_binary_labels map;
    gmdl_status s = labels ? gmdl_binary_labels_check(labels, train->labels, train->nrows, err)
                           : gmdl_binary_labels_find(&map, train->labels, train->nrows, NULL, err);
    if (s)
        return s;
    if (labels)
        map = *labels;
    size_t D = train->ncols;
    gmdl_builtin *m = alloc_model(M_LOGISTIC, D + 1, D + 1);
    if (!m)
        return gmdl__fail(err, GMDL_ENOMEM, "logistic: out of memory");
    int ok = 1;
    for (size_t j = 0; ok && j < D; j++)
        ok = set_name(m, j, "beta", j + 1);
    ok = ok && set_name(m, D, "alpha", 0);
    m->n = train->nrows;
    m->p = D;
    m->prior = prior;
    m->scale = scale;
    m->labels = map;
    m->y = gmdl__malloc(m->n * sizeof(double));
    m->row_ptr = gmdl__malloc((m->n + 1) * sizeof(size_t));
    m->cols = gmdl__malloc((train->nnz ? train->nnz : 1) * sizeof(uint32_t));
    m->vals = copy_doubles(train->vals, train->nnz);
    if (!ok || !m->y || !m->row_ptr || !m->cols || !m->vals || m->n > UINT32_MAX) {
        int too_many = m->n > UINT32_MAX;
        gmdl_builtin_destroy(m);
        return too_many ? gmdl__fail(err, GMDL_ELIMIT, "logistic: more than 2^32 rows")
                        : gmdl__fail(err, GMDL_ENOMEM, "logistic: out of memory");
    }
    for (size_t i = 0; i < m->n; i++)
        m->y[i] = train->labels[i] == map.positive ? 1.0 : -1.0;
    memcpy(m->row_ptr, train->row_ptr, (m->n + 1) * sizeof(size_t));
    if (train->nnz)
        memcpy(m->cols, train->cols, train->nnz * sizeof(uint32_t));
    m->t.logp = logit_logp;
    m->t.grad_batch = logit_batch;
    m->t.n_data = m->n;
    m->t.names = (const char *const *)m->names;
    *out = m;
    return GMDL_OK;
}

gmdl_status gmdl_builtin_logistic_accuracy(double *accuracy,
                                           double *log_loss,
                                           const gmdl_builtin *m,
                                           const gmdl_draws *d,
                                           const gmdl_libsvm *test,
                                           gmdl_err *err) {
    if (!m || m->kind != M_LOGISTIC || !d || d->dim != m->p + 1 || !test || test->nrows < 1)
        return gmdl__fail(err, GMDL_EINVAL,
                          "logistic accuracy: draws or test data do not match the model");
    gmdl_status st = gmdl_binary_labels_check(&m->labels, test->labels, test->nrows, err);
    if (st)
        return st;
    size_t S = d->chains * d->n, D = m->p;
    double sw = 0;
    for (size_t s = 0; s < S; s++)
        sw += d->weight ? d->weight[s] : 1.0;
    if (!(sw > 0))
        return gmdl__fail(err, GMDL_EINVAL, "logistic accuracy: all draw weights are zero");
    size_t correct = 0;
    double ll = 0;
    for (size_t i = 0; i < test->nrows; i++) {
        double p = 0;
        for (size_t s = 0; s < S; s++) {
            const double *th = d->x + s * d->dim;
            double z = th[D];
            for (size_t k = test->row_ptr[i]; k < test->row_ptr[i + 1]; k++)
                if (test->cols[k] < D)
                    z += th[test->cols[k]] * test->vals[k];
            p += (d->weight ? d->weight[s] : 1.0) * sigmoid(z);
        }
        p /= sw;
        int y = test->labels[i] == m->labels.positive;
        correct += (p > 0.5) == y;
        double py = y ? p : 1.0 - p;
        ll -= log(py > 1e-300 ? py : 1e-300);
    }
    if (accuracy)
        *accuracy = (double)correct / (double)test->nrows;
    if (log_loss)
        *log_loss = ll / (double)test->nrows;
    return GMDL_OK;
}

/* ------------------------------------------------------------------ linear regression */
#define LIN_PRIOR_SD 10.0

/* Residual of row i: y_i - alpha - x_i . beta. */
static double lin_resid(const gmdl_builtin *m, const double *th, size_t i) {
    double z = th[0];
    const double *xi = m->x + i * m->p;
    for (size_t j = 0; j < m->p; j++)
        z += xi[j] * th[1 + j];
    return m->y[i] - z;
}

static void lin_prior(const gmdl_builtin *m, const double *th, double *lp, double *grad) {
    const double v = LIN_PRIOR_SD * LIN_PRIOR_SD;
    size_t dim = m->p + 2;
    double l = 0;
    for (size_t j = 0; j < dim; j++) { /* N(0, 10^2) on alpha, beta; HalfNormal(10) on sigma */
        l -= 0.5 * th[j] * th[j] / v;
        if (grad)
            grad[j] = -th[j] / v;
    }
    if (lp)
        *lp = l;
}

static void lin_items(const gmdl_builtin *m,
                      const double *th,
                      const uint32_t *idx,
                      size_t n,
                      double w,
                      double *lp,
                      double *grad) {
    double sg = th[m->p + 1], iv = 1.0 / (sg * sg), l = 0, gs = 0;
    for (size_t r = 0; r < n; r++) {
        size_t i = idx ? idx[r] : r;
        double e = lin_resid(m, th, i);
        l += -log(sg) - 0.5 * e * e * iv;
        if (grad) {
            const double *xi = m->x + i * m->p;
            grad[0] += w * e * iv;
            for (size_t j = 0; j < m->p; j++)
                grad[1 + j] += w * e * iv * xi[j];
            gs += -1.0 / sg + e * e * iv / sg;
        }
    }
    if (grad)
        grad[m->p + 1] += w * gs;
    if (lp)
        *lp += w * l;
}

static gmdl_status lin_logp(void *user, const double *th, double *lp, double *grad, gmdl_err *err) {
    (void)err;
    const gmdl_builtin *m = user;
    lin_prior(m, th, lp, grad);
    lin_items(m, th, NULL, m->n, 1.0, lp, grad);
    return GMDL_OK;
}

static gmdl_status lin_batch(
    void *user, const double *th, const uint32_t *idx, size_t n, double *grad, gmdl_err *err) {
    (void)err;
    const gmdl_builtin *m = user;
    lin_prior(m, th, NULL, grad);
    lin_items(m, th, idx, n, (double)m->n / (double)n, NULL, grad);
    return GMDL_OK;
}

gmdl_status gmdl_builtin_linear(
    gmdl_builtin **out, const double *X, const double *y, size_t n, size_t p, gmdl_err *err) {
    *out = NULL;
    size_t np;
    if (!X || !y || n < 1 || p < 1 || !gmdl__mul_ok(n, p, &np) || n > UINT32_MAX)
        return gmdl__fail(err, GMDL_EINVAL, "linear: need at least one row and one feature");
    for (size_t i = 0; i < np; i++)
        if (!isfinite(X[i]))
            return gmdl__fail(err, GMDL_EINVAL, "linear: row %zu, feature %zu is not finite",
                              i / p + 1, i % p + 1);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]))
            return gmdl__fail(err, GMDL_EINVAL, "linear: response of row %zu is not finite", i + 1);
    gmdl_builtin *m = alloc_model(M_LINEAR, p + 2, p + 2);
    if (!m)
        return gmdl__fail(err, GMDL_ENOMEM, "linear: out of memory");
    int ok = set_name(m, 0, "alpha", 0) && set_name(m, p + 1, "sigma", 0);
    for (size_t j = 0; ok && j < p; j++)
        ok = set_name(m, 1 + j, "beta", j + 1);
    m->x = copy_doubles(X, np);
    m->y = copy_doubles(y, n);
    if (!ok || !m->x || !m->y) {
        gmdl_builtin_destroy(m);
        return gmdl__fail(err, GMDL_ENOMEM, "linear: out of memory");
    }
    m->n = n;
    m->p = p;
    m->tf[p + 1].kind = GMDL_TF_LOWER;
    m->t.transforms = m->tf;
    m->t.logp = lin_logp;
    m->t.grad_batch = lin_batch;
    m->t.n_data = n;
    m->t.names = (const char *const *)m->names;
    *out = m;
    return GMDL_OK;
}

/* ------------------------------------------------------------------ eight schools */
/* Parameters: theta_trans[0..J-1], mu, tau. */
static gmdl_status
schools_logp(void *user, const double *th, double *lp, double *grad, gmdl_err *err) {
    (void)err;
    const gmdl_builtin *m = user;
    size_t J = m->n;
    double mu = th[J], tau = th[J + 1];
    double l = -mu * mu / 50.0 - log1p(tau * tau / 25.0), gmu = -mu / 25.0;
    double gtau = -2.0 * tau / 25.0 / (1.0 + tau * tau / 25.0);
    for (size_t j = 0; j < J; j++) {
        double tt = th[j], s2 = m->sigma[j] * m->sigma[j];
        double r = m->y[j] - mu - tau * tt;
        l += -0.5 * tt * tt - 0.5 * r * r / s2;
        if (grad)
            grad[j] = -tt + r * tau / s2;
        gmu += r / s2;
        gtau += r * tt / s2;
    }
    *lp = l;
    if (grad) {
        grad[J] = gmu;
        grad[J + 1] = gtau;
    }
    return GMDL_OK;
}

static void schools_generate(void *user, const double *th, double *out) {
    const gmdl_builtin *m = user;
    size_t J = m->n;
    out[0] = th[J];
    out[1] = th[J + 1];
    for (size_t j = 0; j < J; j++)
        out[2 + j] = th[J] + th[J + 1] * th[j];
}

gmdl_status gmdl_builtin_eight_schools(
    gmdl_builtin **out, const double *y, const double *sigma, size_t J, gmdl_err *err) {
    *out = NULL;
    if (!y || !sigma || J < 1 || J > 100000)
        return gmdl__fail(err, GMDL_EINVAL, "eight-schools: need 1 or more schools");
    for (size_t j = 0; j < J; j++)
        if (!isfinite(y[j]) || !(sigma[j] > 0) || !isfinite(sigma[j]))
            return gmdl__fail(err, GMDL_EINVAL,
                              "eight-schools: school %zu: y must be finite and sigma > 0", j + 1);
    gmdl_builtin *m = alloc_model(M_SCHOOLS, J + 2, J + 2);
    if (!m)
        return gmdl__fail(err, GMDL_ENOMEM, "eight-schools: out of memory");
    int ok = set_name(m, 0, "mu", 0) && set_name(m, 1, "tau", 0);
    for (size_t j = 0; ok && j < J; j++)
        ok = set_name(m, 2 + j, "theta", j + 1);
    m->y = copy_doubles(y, J);
    m->sigma = copy_doubles(sigma, J);
    if (!ok || !m->y || !m->sigma) {
        gmdl_builtin_destroy(m);
        return gmdl__fail(err, GMDL_ENOMEM, "eight-schools: out of memory");
    }
    m->n = J;
    m->tf[J + 1].kind = GMDL_TF_LOWER;
    m->t.transforms = m->tf;
    m->t.logp = schools_logp;
    m->t.generate = schools_generate;
    m->t.n_out = J + 2;
    m->t.out_names = (const char *const *)m->names;
    *out = m;
    return GMDL_OK;
}
