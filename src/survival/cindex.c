/* Harrell's concordance index in O(n log n), lifelines' tie convention, and its bootstrap.
 *
 * Rows are visited by time, descending, one group of equal times at a time. A Fenwick tree over
 * the ranks of the risk scores holds the rows already seen. For a group: its censored rows go in
 * first (a censored row at the event's own time is comparable), then each event row i counts the
 * rows in the tree with a lower risk (concordant), an equal risk (tied) and the rest (discordant),
 * and last the group's events go in (two events at one time are not comparable). */
#include "gmdl/rng.h"
#include "survival/survival_internal.h"

typedef struct {
    double v;
    size_t i;
} keyed;

static int by_value(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    return x->v < y->v ? -1 : x->v > y->v;
}

static void bit_add(uint32_t *bit, size_t m, size_t pos) {
    for (size_t p = pos + 1; p <= m; p += p & (~p + 1))
        bit[p]++;
}
/* rows in the tree with rank < pos */
static uint64_t bit_below(const uint32_t *bit, size_t pos) {
    uint64_t s = 0;
    for (size_t p = pos; p > 0; p -= p & (~p + 1))
        s += bit[p];
    return s;
}

/* rank[i]: dense rank of eta[i] (equal values share a rank); returns the count of ranks. */
static size_t dense_ranks(size_t *rank, const double *eta, size_t n, keyed *k) {
    for (size_t i = 0; i < n; i++)
        k[i] = (keyed){eta[i], i};
    qsort(k, n, sizeof *k, by_value);
    size_t m = 0;
    for (size_t r = 0; r < n; r++) {
        if (r > 0 && k[r].v != k[r - 1].v)
            m++;
        rank[k[r].i] = m;
    }
    return n ? m + 1 : 0;
}

static void count_pairs(gmdl_concordance *c,
                        const gmdl__surv_order *o,
                        const uint8_t *event,
                        const size_t *rank,
                        size_t m,
                        uint32_t *bit) {
    memset(bit, 0, (m + 1) * sizeof *bit);
    uint64_t in = 0, conc = 0, tied = 0, comp = 0;
    for (size_t g = 0; g < o->ng; g++) {
        size_t a = o->gstart[g], b = o->gstart[g + 1];
        for (size_t r = a; r < b; r++)
            if (!event[o->ord[r]]) {
                bit_add(bit, m, rank[o->ord[r]]);
                in++;
            }
        for (size_t r = a; r < b; r++) {
            size_t i = o->ord[r];
            if (!event[i])
                continue;
            uint64_t lo = bit_below(bit, rank[i]), le = bit_below(bit, rank[i] + 1);
            conc += lo;
            tied += le - lo;
            comp += in;
        }
        for (size_t r = a; r < b; r++)
            if (event[o->ord[r]]) {
                bit_add(bit, m, rank[o->ord[r]]);
                in++;
            }
    }
    c->concordant = (double)conc;
    c->tied_risk = (double)tied;
    c->comparable = (double)comp;
    c->discordant = (double)(comp - conc - tied);
    c->c = comp ? ((double)conc + 0.5 * (double)tied) / (double)comp : (double)NAN;
}

typedef struct {
    gmdl__surv_order o;
    size_t *rank;
    keyed *k;
    uint32_t *bit;
} cwork;

static void cwork_fini(cwork *w) {
    gmdl__surv_order_fini(&w->o);
    gmdl__free(w->rank);
    gmdl__free(w->k);
    gmdl__free(w->bit);
}

static gmdl_status cwork_init(cwork *w, size_t n, gmdl_err *err) {
    memset(w, 0, sizeof *w);
    w->rank = gmdl__malloc(n * sizeof *w->rank);
    w->k = gmdl__malloc(n * sizeof *w->k);
    w->bit = gmdl__malloc((n + 1) * sizeof *w->bit);
    if (!w->rank || !w->k || !w->bit) {
        cwork_fini(w);
        return gmdl__fail(err, GMDL_ENOMEM, "C-index: out of memory for %zu rows", n);
    }
    return GMDL_OK;
}

static gmdl_status cindex_with(gmdl_concordance *out,
                               cwork *w,
                               const double *time,
                               const uint8_t *event,
                               const double *eta,
                               size_t n,
                               gmdl_err *err) {
    gmdl_status s = gmdl__surv_order_build(&w->o, time, n, err);
    if (s)
        return s;
    size_t m = dense_ranks(w->rank, eta, n, w->k);
    count_pairs(out, &w->o, event, w->rank, m, w->bit);
    gmdl__surv_order_fini(&w->o);
    return GMDL_OK;
}

gmdl_status gmdl_cindex(gmdl_concordance *out,
                        const double *time,
                        const uint8_t *event,
                        const double *eta,
                        size_t n,
                        gmdl_err *err) {
    gmdl_status s = gmdl__surv_check(time, event, n, err);
    if (s)
        return s;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(eta[i]))
            return gmdl__fail(err, GMDL_EINVAL, "C-index: risk score %zu is not finite", i + 1);
    cwork w;
    if ((s = cwork_init(&w, n, err)))
        return s;
    s = cindex_with(out, &w, time, event, eta, n, err);
    cwork_fini(&w);
    return s;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

gmdl_status gmdl_cindex_bootstrap(double *mean,
                                  double *lo,
                                  double *hi,
                                  const double *time,
                                  const uint8_t *event,
                                  const double *eta,
                                  size_t n,
                                  size_t B,
                                  uint64_t seed,
                                  gmdl_err *err) {
    gmdl_status s = gmdl__surv_check(time, event, n, err);
    if (s)
        return s;
    if (B < 2)
        return gmdl__fail(err, GMDL_EINVAL, "C-index bootstrap: need at least 2 resamples");
    cwork w;
    if ((s = cwork_init(&w, n, err)))
        return s;
    double *bt = gmdl__malloc(n * sizeof *bt), *be = gmdl__malloc(n * sizeof *be);
    double *vals = gmdl__malloc(B * sizeof *vals);
    uint8_t *bv = gmdl__malloc(n);
    if (!bt || !be || !vals || !bv)
        s = gmdl__fail(err, GMDL_ENOMEM, "C-index bootstrap: out of memory");
    gmdl_rng rng;
    gmdl_rng_derive(&rng, seed, GMDL_RNG_SHUFFLE, 0x5c1dull);
    size_t k = 0;
    for (size_t b = 0; !s && b < B; b++) {
        for (size_t i = 0; i < n; i++) {
            size_t j = (size_t)gmdl_rng_bounded(&rng, (uint32_t)n);
            bt[i] = time[j];
            bv[i] = event[j];
            be[i] = eta[j];
        }
        gmdl_concordance c;
        s = cindex_with(&c, &w, bt, bv, be, n, err);
        if (!s && isfinite(c.c))
            vals[k++] = c.c;
    }
    if (!s && k == 0)
        s = gmdl__fail(err, GMDL_EINVAL, "C-index bootstrap: no comparable pairs");
    if (!s) {
        qsort(vals, k, sizeof *vals, cmp_double);
        double sum = 0.0;
        for (size_t i = 0; i < k; i++)
            sum += vals[i];
        *mean = sum / (double)k;
        *lo = vals[(size_t)floor(0.025 * (double)(k - 1) + 0.5)];
        *hi = vals[(size_t)floor(0.975 * (double)(k - 1) + 0.5)];
    }
    gmdl__free(bt);
    gmdl__free(be);
    gmdl__free(vals);
    gmdl__free(bv);
    cwork_fini(&w);
    return s;
}
