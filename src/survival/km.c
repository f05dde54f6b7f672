/* Kaplan-Meier product-limit estimate with Greenwood's variance, on one sort by time.
 * At each distinct event time t with n at risk and d events: S *= 1 - d / n, and
 * var(S) = S^2 sum d / (n (n - d)) (the sum is infinite once S reaches 0; se is then 0 as R). */
#include "survival/survival_internal.h"

void gmdl_km_fini(gmdl_km *km) {
    gmdl__free(km->time);
    gmdl__free(km->surv);
    gmdl__free(km->se);
    gmdl__free(km->n_risk);
    gmdl__free(km->n_event);
    memset(km, 0, sizeof *km);
}

gmdl_status
gmdl_km_fit(gmdl_km *out, const double *time, const uint8_t *event, size_t n, gmdl_err *err) {
    memset(out, 0, sizeof *out);
    gmdl_status s = gmdl__surv_check(time, event, n, err);
    if (s)
        return s;
    gmdl__surv_order o;
    if ((s = gmdl__surv_order_build(&o, time, n, err)))
        return s;
    size_t ng = o.ng;
    out->time = gmdl__malloc(ng * sizeof(double));
    out->surv = gmdl__malloc(ng * sizeof(double));
    out->se = gmdl__malloc(ng * sizeof(double));
    out->n_risk = gmdl__malloc(ng * sizeof(double));
    out->n_event = gmdl__malloc(ng * sizeof(double));
    if (!out->time || !out->surv || !out->se || !out->n_risk || !out->n_event) {
        gmdl__surv_order_fini(&o);
        gmdl_km_fini(out);
        return gmdl__fail(err, GMDL_ENOMEM, "Kaplan-Meier: out of memory");
    }
    out->n = n;
    out->median = NAN;
    /* groups are in descending time; walk them ascending with the at-risk count */
    size_t at_risk = n, m = 0;
    double S = 1.0, gw = 0.0;
    for (size_t g = ng; g-- > 0;) {
        size_t d = 0, c = o.gstart[g + 1] - o.gstart[g];
        for (size_t r = o.gstart[g]; r < o.gstart[g + 1]; r++)
            d += event[o.ord[r]];
        if (d) {
            S *= 1.0 - (double)d / (double)at_risk;
            gw += d < at_risk ? (double)d / ((double)at_risk * (double)(at_risk - d)) : 0.0;
            out->time[m] = time[o.ord[o.gstart[g]]];
            out->surv[m] = S;
            out->se[m] = S * sqrt(gw);
            out->n_risk[m] = (double)at_risk;
            out->n_event[m] = (double)d;
            if (isnan(out->median) && S <= 0.5)
                out->median = out->time[m];
            out->events += d;
            m++;
        }
        at_risk -= c;
    }
    out->m = m;
    gmdl__surv_order_fini(&o);
    return GMDL_OK;
}

double gmdl_km_at(const gmdl_km *km, double t) {
    size_t lo = 0, hi = km->m; /* first index with time > t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (km->time[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? 1.0 : km->surv[lo - 1];
}
