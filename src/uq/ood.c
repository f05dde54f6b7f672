/* Out-of-distribution detection metrics (see gmdl/uq.h): AUROC by mid-ranks of the pooled,
 * sorted scores (O(n log n), ties counting one half), AUPR as average precision over the distinct
 * score thresholds. */
#include "common.h"
#include "gmdl/uq.h"

typedef struct {
    double s;
    int out; /* 1: out-of-distribution (positive) */
} scored;

static int by_score(const void *a, const void *b) {
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return (x > y) - (x < y);
}

/* The pooled scores sorted increasingly into *all (caller frees). */
static gmdl_status
pool(scored **all, const double *in, size_t n_in, const double *out, size_t n_out, gmdl_err *err) {
    *all = NULL;
    if (n_in == 0 || n_out == 0)
        return gmdl__fail(err, GMDL_EINVAL, "ood: both sets need at least one score");
    scored *a = gmdl__malloc((n_in + n_out) * sizeof *a);
    if (!a)
        return gmdl__fail(err, GMDL_ENOMEM, "ood: out of memory");
    for (size_t i = 0; i < n_in + n_out; i++) {
        a[i].out = i >= n_in;
        a[i].s = i < n_in ? in[i] : out[i - n_in];
        if (isnan(a[i].s)) {
            gmdl__free(a);
            return gmdl__fail(err, GMDL_EINVAL, "ood: score %zu of the %s set is NaN",
                              i < n_in ? i : i - n_in, i < n_in ? "in-distribution" : "other");
        }
    }
    qsort(a, n_in + n_out, sizeof *a, by_score);
    *all = a;
    return GMDL_OK;
}

gmdl_status gmdl_ood_auroc(double *auroc,
                           const double *in_scores,
                           size_t n_in,
                           const double *out_scores,
                           size_t n_out,
                           gmdl_err *err) {
    scored *a;
    gmdl_status s = pool(&a, in_scores, n_in, out_scores, n_out, err);
    if (s)
        return s;
    const size_t N = n_in + n_out;
    double rank_sum = 0.0; /* of the positives, 1-based mid-ranks */
    for (size_t i = 0; i < N;) {
        size_t j = i, pos = 0;
        while (j < N && a[j].s == a[i].s)
            pos += (size_t)a[j++].out;
        rank_sum += (double)pos * 0.5 * ((double)(i + 1) + (double)j);
        i = j;
    }
    gmdl__free(a);
    double no = (double)n_out;
    *auroc = (rank_sum - no * (no + 1.0) / 2.0) / (no * (double)n_in);
    return GMDL_OK;
}

gmdl_status gmdl_ood_aupr(double *aupr,
                          const double *in_scores,
                          size_t n_in,
                          const double *out_scores,
                          size_t n_out,
                          gmdl_err *err) {
    scored *a;
    gmdl_status s = pool(&a, in_scores, n_in, out_scores, n_out, err);
    if (s)
        return s;
    double tp = 0.0, fp = 0.0, ap = 0.0;
    for (size_t j = n_in + n_out; j > 0;) { /* from the highest score down */
        size_t i = j;
        double gtp = 0.0, gfp = 0.0;
        while (i > 0 && a[i - 1].s == a[j - 1].s) {
            i--;
            gtp += a[i].out;
            gfp += !a[i].out;
        }
        tp += gtp;
        fp += gfp;
        ap += gtp / (double)n_out * (tp / (tp + fp));
        j = i;
    }
    gmdl__free(a);
    *aupr = ap;
    return GMDL_OK;
}
