/* Linear Cox regression by Newton-Raphson on the partial likelihood, as R's coxph.fit: covariates
 * centred, start at beta = 0, step halving when the log-likelihood falls, stop when the relative
 * change 1 - loglik_old / loglik_new falls below 1e-12 (R uses 1e-9; the extra digits cost an
 * iteration). The score U and information I come from running risk-set sums S, S1 = sum w x and
 * S2 = sum w x x^T over the time-sorted rows, O(n p^2):
 *   Breslow: U += sum_D x - d S1/S,  I += d (S2/S - S1 S1^T / S^2);
 *   Efron:   the same with S, S1, S2 replaced by S - f A, S1 - f A1, S2 - f A2, f = l/d, l < d. */
#include "survival/survival_internal.h"

typedef struct {
    const gmdl__surv_order *o;
    const double *x; /* centred [n * p] */
    const uint8_t *event;
    size_t n, p;
    gmdl_ties ties;
    double *eta, *s1, *s2, *a1, *a2, *t1, *t2; /* work */
} nfit;

/* loglik at beta; U [p] and I [p * p] when not NULL. */
static double score(nfit *f, const double *beta, double *U, double *I) {
    const size_t n = f->n, p = f->p;
    double mx = -INFINITY, S = 0.0, ll = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = 0.0;
        for (size_t j = 0; j < p; j++)
            e += f->x[i * p + j] * beta[j];
        f->eta[i] = e;
        mx = e > mx ? e : mx;
    }
    memset(f->s1, 0, p * sizeof(double));
    memset(f->s2, 0, p * p * sizeof(double));
    if (U) {
        memset(U, 0, p * sizeof(double));
        memset(I, 0, p * p * sizeof(double));
    }
    const gmdl__surv_order *o = f->o;
    for (size_t g = 0; g < o->ng; g++) {
        double A = 0.0;
        size_t d = 0;
        memset(f->a1, 0, p * sizeof(double));
        memset(f->a2, 0, p * p * sizeof(double));
        for (size_t r = o->gstart[g]; r < o->gstart[g + 1]; r++) {
            size_t i = o->ord[r];
            const double *xi = f->x + i * p;
            double w = exp(f->eta[i] - mx);
            S += w;
            for (size_t j = 0; j < p; j++) {
                f->s1[j] += w * xi[j];
                for (size_t k = 0; U && k <= j; k++)
                    f->s2[j * p + k] += w * xi[j] * xi[k];
            }
            if (!f->event[i])
                continue;
            d++;
            A += w;
            ll += f->eta[i] - mx;
            for (size_t j = 0; j < p; j++) {
                f->a1[j] += w * xi[j];
                if (U)
                    U[j] += xi[j];
                for (size_t k = 0; U && k <= j; k++)
                    f->a2[j * p + k] += w * xi[j] * xi[k];
            }
        }
        int efron = f->ties == GMDL_TIES_EFRON && d > 1;
        for (size_t l = 0; l < (efron ? d : (d ? 1 : 0)); l++) {
            double fr = efron ? (double)l / (double)d : 0.0, mult = efron ? 1.0 : (double)d;
            double s = S - fr * A;
            ll -= mult * log(s);
            if (!U)
                continue;
            for (size_t j = 0; j < p; j++)
                f->t1[j] = (f->s1[j] - fr * f->a1[j]) / s;
            for (size_t j = 0; j < p; j++) {
                U[j] -= mult * f->t1[j];
                for (size_t k = 0; k <= j; k++)
                    I[j * p + k] += mult * ((f->s2[j * p + k] - fr * f->a2[j * p + k]) / s -
                                            f->t1[j] * f->t1[k]);
            }
        }
    }
    for (size_t j = 0; U && j < p; j++)
        for (size_t k = 0; k < j; k++)
            I[k * p + j] = I[j * p + k];
    return ll;
}

/* Cholesky A = L L^T in place (lower); returns 0 when A is not positive definite. */
static int cholesky(double *A, size_t p) {
    for (size_t j = 0; j < p; j++) {
        double d = A[j * p + j];
        for (size_t k = 0; k < j; k++)
            d -= A[j * p + k] * A[j * p + k];
        if (!(d > 1e-300))
            return 0;
        A[j * p + j] = sqrt(d);
        for (size_t i = j + 1; i < p; i++) {
            double s = A[i * p + j];
            for (size_t k = 0; k < j; k++)
                s -= A[i * p + k] * A[j * p + k];
            A[i * p + j] = s / A[j * p + j];
        }
    }
    return 1;
}

/* x = A^-1 b with A's Cholesky factor L. */
static void chol_solve(const double *L, size_t p, const double *b, double *x) {
    for (size_t i = 0; i < p; i++) {
        double s = b[i];
        for (size_t k = 0; k < i; k++)
            s -= L[i * p + k] * x[k];
        x[i] = s / L[i * p + i];
    }
    for (size_t i = p; i-- > 0;) {
        double s = x[i];
        for (size_t k = i + 1; k < p; k++)
            s -= L[k * p + i] * x[k];
        x[i] = s / L[i * p + i];
    }
}

static gmdl_status newton(nfit *f,
                          double *beta,
                          double *var,
                          double *ll_out,
                          double *ll0,
                          int max_iter,
                          int *iters,
                          gmdl_err *err) {
    const size_t p = f->p;
    double *U = f->t2, *I = var, *step = f->t2 + p, *nb = f->t2 + 2 * p;
    memset(beta, 0, p * sizeof *beta);
    double ll = score(f, beta, U, I);
    *ll0 = ll;
    int it = 0;
    for (; it < max_iter; it++) {
        if (!cholesky(I, p))
            return gmdl__fail(err, GMDL_ENUMERIC,
                              "Cox fit: the information matrix is singular at iteration %d "
                              "(collinear covariates?)",
                              it);
        chol_solve(I, p, U, step);
        double nll = -INFINITY;
        for (int half = 0; half < 30; half++) {
            for (size_t j = 0; j < p; j++)
                nb[j] = beta[j] + step[j];
            nll = score(f, nb, NULL, NULL);
            if (isfinite(nll) && nll >= ll - 1e-12 * fabs(ll))
                break;
            for (size_t j = 0; j < p; j++)
                step[j] *= 0.5;
        }
        if (!isfinite(nll))
            return gmdl__fail(err, GMDL_ENUMERIC, "Cox fit: log-likelihood not finite");
        memcpy(beta, nb, p * sizeof *beta);
        int done = fabs(1.0 - ll / nll) < 1e-12;
        ll = score(f, beta, U, I);
        if (done)
            break;
    }
    *iters = it + 1;
    *ll_out = ll;
    if (!cholesky(I, p))
        return gmdl__fail(err, GMDL_ENUMERIC, "Cox fit: singular information at the fit");
    /* var = I^-1, column by column */
    double *e = step, *col = nb, *L = f->s2;
    memcpy(L, I, p * p * sizeof *L);
    for (size_t j = 0; j < p; j++) {
        memset(e, 0, p * sizeof *e);
        e[j] = 1.0;
        chol_solve(L, p, e, col);
        for (size_t i = 0; i < p; i++)
            var[i * p + j] = col[i];
    }
    return GMDL_OK;
}

gmdl_status gmdl__cox_linear(double *beta,
                             double *var,
                             double *ll,
                             double *ll0,
                             int *iters,
                             const gmdl_surv_data *d,
                             const gmdl__surv_order *o,
                             gmdl_ties ties,
                             int max_iter,
                             gmdl_err *err) {
    const size_t n = d->n, p = d->p;
    nfit f = {o, NULL, d->event, n, p, ties, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    double *xc = gmdl__malloc(n * p * sizeof *xc);
    f.eta = gmdl__malloc(n * sizeof *f.eta);
    double *w = gmdl__malloc((3 * p + 2 * p * p + 3 * p) * sizeof *w);
    gmdl_status s = GMDL_OK;
    if (!xc || !f.eta || !w)
        s = gmdl__fail(err, GMDL_ENOMEM, "Cox fit: out of memory");
    if (!s) {
        for (size_t j = 0; j < p; j++) {
            double m = 0.0;
            for (size_t i = 0; i < n; i++)
                m += d->x[i * p + j];
            m /= (double)n;
            for (size_t i = 0; i < n; i++)
                xc[i * p + j] = d->x[i * p + j] - m;
        }
        f.x = xc;
        f.s1 = w;
        f.a1 = w + p;
        f.t1 = w + 2 * p;
        f.s2 = w + 3 * p;
        f.a2 = w + 3 * p + p * p;
        f.t2 = w + 3 * p + 2 * p * p;
        s = newton(&f, beta, var, ll, ll0, max_iter, iters, err);
    }
    gmdl__free(xc);
    gmdl__free(f.eta);
    gmdl__free(w);
    return s;
}
