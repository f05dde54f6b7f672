/* The Cox partial likelihood with Breslow and Efron ties in O(n log n).
 *
 * Rows are sorted once by time (descending) and grouped by equal times. Walking the groups in that
 * order, the risk-set sum S(t) = sum_{T_j >= t} exp(eta_j) is a running sum; for the d events of a
 * group with A = sum of their exp(eta):
 *   Breslow: sum_D eta - d log S                  Efron: sum_D eta - sum_{l<d} log(S - l/d A).
 * The gradient d loglik / d eta_k = E_k - exp(eta_k) sum_{groups t <= T_k} a_t
 *                                       + E_k exp(eta_k) b_{t(k)},
 * with a_t = d / S (Breslow) or sum_l 1 / S_l (Efron) and b_t = 0 or sum_l (l/d) / S_l, comes from
 * a suffix sum of a over the groups. exp is taken of eta - max(eta), which cancels. */
#include "survival/survival_internal.h"

gmdl_status gmdl__surv_check(const double *time, const uint8_t *event, size_t n, gmdl_err *err) {
    if (n == 0)
        return gmdl__fail(err, GMDL_EINVAL, "survival data: no rows");
    for (size_t i = 0; i < n; i++) {
        if (!(time[i] > 0.0) || !isfinite(time[i]))
            return gmdl__fail(err, GMDL_EINVAL, "survival data: row %zu: time %g is not positive",
                              i + 1, time[i]);
        if (event && event[i] > 1)
            return gmdl__fail(err, GMDL_EINVAL, "survival data: row %zu: event %u is not 0 or 1",
                              i + 1, (unsigned)event[i]);
    }
    return GMDL_OK;
}

typedef struct {
    double t;
    size_t i;
} keyed;

static int by_time_desc(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    if (x->t != y->t)
        return x->t > y->t ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

gmdl_status
gmdl__surv_order_build(gmdl__surv_order *o, const double *time, size_t n, gmdl_err *err) {
    memset(o, 0, sizeof *o);
    keyed *k = gmdl__malloc(n * sizeof *k);
    o->ord = gmdl__malloc(n * sizeof *o->ord);
    o->gstart = gmdl__malloc((n + 1) * sizeof *o->gstart);
    o->group = gmdl__malloc(n * sizeof *o->group);
    if (!k || !o->ord || !o->gstart || !o->group) {
        gmdl__free(k);
        gmdl__surv_order_fini(o);
        return gmdl__fail(err, GMDL_ENOMEM, "survival: out of memory sorting %zu rows", n);
    }
    for (size_t i = 0; i < n; i++)
        k[i] = (keyed){time[i], i};
    qsort(k, n, sizeof *k, by_time_desc);
    o->n = n;
    for (size_t r = 0; r < n; r++) {
        o->ord[r] = k[r].i;
        if (r == 0 || k[r].t != k[r - 1].t)
            o->gstart[o->ng++] = r;
        o->group[k[r].i] = o->ng - 1;
    }
    o->gstart[o->ng] = n;
    gmdl__free(k);
    return GMDL_OK;
}

void gmdl__surv_order_fini(gmdl__surv_order *o) {
    gmdl__free(o->ord);
    gmdl__free(o->gstart);
    gmdl__free(o->group);
    memset(o, 0, sizeof *o);
}

/* One group's events: adds their contribution to *ll and sets a (and b) of the group. */
static double
group_term(double S, double A, double sum_eta, size_t d, gmdl_ties ties, double *a, double *b) {
    if (d == 0) {
        *a = *b = 0.0;
        return 0.0;
    }
    if (ties == GMDL_TIES_BRESLOW || d == 1) {
        *a = (double)d / S;
        *b = 0.0;
        return sum_eta - (double)d * log(S);
    }
    double ll = sum_eta, aa = 0.0, bb = 0.0;
    for (size_t l = 0; l < d; l++) {
        double f = (double)l / (double)d, Sl = S - f * A;
        ll -= log(Sl);
        aa += 1.0 / Sl;
        bb += f / Sl;
    }
    *a = aa;
    *b = bb;
    return ll;
}

double gmdl__cox_plik(const gmdl__surv_order *o,
                      const uint8_t *event,
                      const double *eta,
                      gmdl_ties ties,
                      double *grad,
                      double *work) {
    const size_t n = o->n;
    double mx = -INFINITY;
    for (size_t i = 0; i < n; i++)
        mx = eta[i] > mx ? eta[i] : mx;
    double *ga = work, *gb = work + o->ng;
    double S = 0.0, ll = 0.0;
    size_t total_d = 0;
    for (size_t g = 0; g < o->ng; g++) {
        double A = 0.0, se = 0.0;
        size_t d = 0;
        for (size_t r = o->gstart[g]; r < o->gstart[g + 1]; r++) {
            size_t i = o->ord[r];
            double w = exp(eta[i] - mx);
            S += w;
            if (event[i]) {
                A += w;
                se += eta[i] - mx;
                d++;
            }
        }
        ll += group_term(S, A, se, d, ties, &ga[g], &gb[g]);
        total_d += d;
    }
    (void)total_d;
    if (grad) {
        double cum = 0.0; /* sum of a over groups with time <= the current group's */
        for (size_t g = o->ng; g-- > 0;) {
            cum += ga[g];
            for (size_t r = o->gstart[g]; r < o->gstart[g + 1]; r++) {
                size_t i = o->ord[r];
                double w = exp(eta[i] - mx);
                grad[i] = (event[i] ? 1.0 + w * gb[g] : 0.0) - w * cum;
            }
        }
    }
    return ll;
}

gmdl_status gmdl_cox_loglik(double *loglik,
                            double *grad,
                            const double *time,
                            const uint8_t *event,
                            const double *eta,
                            size_t n,
                            gmdl_ties ties,
                            gmdl_err *err) {
    gmdl_status s = gmdl__surv_check(time, event, n, err);
    if (s)
        return s;
    gmdl__surv_order o;
    if ((s = gmdl__surv_order_build(&o, time, n, err)))
        return s;
    double *work = gmdl__malloc(2 * o.ng * sizeof *work);
    if (!work) {
        gmdl__surv_order_fini(&o);
        return gmdl__fail(err, GMDL_ENOMEM, "survival: out of memory");
    }
    *loglik = gmdl__cox_plik(&o, event, eta, ties, grad, work);
    gmdl__free(work);
    gmdl__surv_order_fini(&o);
    return GMDL_OK;
}

gmdl_status gmdl__cox_breslow(double **times,
                              double **cumhaz,
                              size_t *m,
                              const gmdl__surv_order *o,
                              const double *time,
                              const uint8_t *event,
                              const double *eta,
                              gmdl_err *err) {
    double mx = -INFINITY;
    for (size_t i = 0; i < o->n; i++)
        mx = eta[i] > mx ? eta[i] : mx;
    size_t k = 0;
    double *t = gmdl__malloc(o->ng * sizeof *t), *h = gmdl__malloc(o->ng * sizeof *h);
    if (!t || !h) {
        gmdl__free(t);
        gmdl__free(h);
        return gmdl__fail(err, GMDL_ENOMEM, "survival: out of memory");
    }
    double S = 0.0;
    for (size_t g = 0; g < o->ng; g++) {
        size_t d = 0;
        for (size_t r = o->gstart[g]; r < o->gstart[g + 1]; r++) {
            S += exp(eta[o->ord[r]] - mx);
            d += event[o->ord[r]];
        }
        if (d) { /* hazard increment d / S, in unshifted units */
            t[k] = time[o->ord[o->gstart[g]]];
            h[k++] = (double)d / S * exp(-mx);
        }
    }
    /* reverse to ascending time and accumulate */
    for (size_t a = 0, b = k; a + 1 < b; a++, b--) {
        double x = t[a];
        t[a] = t[b - 1];
        t[b - 1] = x;
        x = h[a];
        h[a] = h[b - 1];
        h[b - 1] = x;
    }
    for (size_t j = 1; j < k; j++)
        h[j] += h[j - 1];
    *times = t;
    *cumhaz = h;
    *m = k;
    return GMDL_OK;
}
