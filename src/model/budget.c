/* Compression to an error budget (gmdl compress --max-error, --max-increase): a greedy search
 * over each layer's pruning threshold and then its significand bits, measured on the validation
 * split only, for the most compressed model whose error bound stays within the budget.
 *
 * Every model measured is the one gmdl compress would write for those thresholds and bits
 * (compress_job.h: the same pruning, bit rule and quantisation, the same rates). A layer's move
 * cuts its sorted statistics (log alpha of weights or groups) so that it keeps floor(f k) of the
 * k it keeps (at least one fewer), f = step at first.
 * Start: the automatic thresholds if their bound is within the budget, else keeping everything.
 * Threshold phase: each round measures every layer's next move; a move over the budget halves
 * that layer's distance of f from 1 (a smaller move next round), or retires the layer when it
 * removed only one; of the moves within the budget the one with the largest (stored bits saved) /
 * (rise of the bound, at least one image's worth) is taken. Bit phase: the same with one
 * significand bit less per layer. Starting over the budget, bits are first added to the layer that
 * lowers the bound most until it is within. The bound is the error plus z standard errors of the
 * split's sampling error (model.h), so that the test error, which the search never sees, keeps to
 * the budget. */
#include "model/compress_job.h"

gmdl_budget_config gmdl_budget_config_default(void) {
    gmdl_budget_config c = {NAN, NAN, 1.0, 0.85};
    return c;
}

void gmdl_budget_result_fini(gmdl_budget_result *res) {
    if (!res)
        return;
    gmdl__free(res->threshold);
    gmdl__free(res->bits);
    gmdl__free(res->points);
    gmdl__free(res->point_threshold);
    gmdl__free(res->point_bits);
    memset(res, 0, sizeof *res);
}

typedef struct {
    gmdl_model *m;
    const gmdl_dataset *val;
    const gmdl_budget_config *cfg;
    gmdl_model_workspace *ws;
    int32_t *pred;           /* [n] */
    unsigned char *dense_ok; /* [n] the uncompressed model right (max_increase) */
    int nl;
    double **stat; /* [nl][nstat[i]] each layer's statistics, sorted */
    size_t *nstat;
    double *frac; /* [nl] the fraction of its kept groups or weights a layer's next move keeps */
    gmdl_budget_result *res;
    size_t cap;
} search;

/* A measured model: thresholds and bits, its errors and stored bits. */
typedef struct {
    double error, bound, size;
    gmdl_budget_point pt;
} measured;

/* Error and bound of the model's current deterministic pass on the split. */
static gmdl_status split_error(search *S, double *e, double *bound, gmdl_err *err) {
    const gmdl_dataset *v = S->val;
    gmdl_prediction out = {NULL, S->pred, NULL, NULL, NULL};
    gmdl_status s = gmdl_model_predict(&out, S->m, v->x, v->n, 0, 0, S->ws, err);
    if (s)
        return s;
    size_t wrong = 0, differ = 0;
    for (size_t i = 0; i < v->n; i++) {
        int ok = S->pred[i] == v->y[i];
        wrong += !ok;
        differ += S->dense_ok && ok != S->dense_ok[i];
    }
    const double n = (double)v->n, z = S->cfg->z;
    *e = (double)wrong / n;
    if (S->dense_ok) /* the paired difference's standard error */
        *bound = *e + z * sqrt((double)differ) / n;
    else
        *bound = *e + z * sqrt(*e * (1.0 - *e) / n);
    return GMDL_OK;
}

/* Measures the model thresholds th and bits (NULL: the posterior-variance rule) give; bits_out
 * (if not NULL) receives the bits used. */
static gmdl_status
measure(search *S, const double *th, const int *bits, int *bits_out, measured *r, gmdl_err *err) {
    gmdl_compress_config cc = gmdl_compress_config_default();
    cc.layer_threshold = th;
    cc.layer_threshold_n = th ? (size_t)S->nl : 0;
    cc.layer_bits = bits;
    cc.layer_bits_n = bits ? (size_t)S->nl : 0;
    gmdl__cjob J;
    gmdl_status s = gmdl__cjob_open(&J, S->m, &cc, err);
    if (!s) {
        gmdl__cjob_set_weights(&J, 1);
        s = split_error(S, &r->error, &r->bound, err);
    }
    gmdl_compress_report rep;
    double maxbits = 0.0;
    if (!s)
        s = gmdl__cjob_measure(&J, &rep, &r->size, &maxbits, err);
    if (!s) {
        size_t nz = 0;
        for (int i = 0; i < rep.nlayers; i++)
            nz += rep.layers[i].nonzero;
        r->pt = (gmdl_budget_point){0,
                                    r->error,
                                    r->bound,
                                    rep.pruning_rate,
                                    rep.fast_prediction_rate,
                                    rep.max_compression_rate,
                                    nz};
        gmdl_compress_report_fini(&rep);
        for (int i = 0; bits_out && i < J.ncl && i < S->nl; i++)
            bits_out[i] = J.cl[i].s;
        S->res->evaluations++;
    }
    gmdl__cjob_close(&J);
    return s;
}

/* Appends an accepted point with its thresholds and bits. */
static gmdl_status record(search *S, const measured *r, int phase, const double *th, const int *b) {
    gmdl_budget_result *R = S->res;
    if (R->npoints == S->cap) {
        size_t cap = S->cap ? 2 * S->cap : 64, nl = (size_t)(S->nl ? S->nl : 1);
        gmdl_budget_point *p = gmdl__realloc(R->points, cap * sizeof *p);
        if (p)
            R->points = p;
        double *t = gmdl__realloc(R->point_threshold, cap * nl * sizeof *t);
        if (t)
            R->point_threshold = t;
        int *bb = gmdl__realloc(R->point_bits, cap * nl * sizeof *bb);
        if (bb)
            R->point_bits = bb;
        if (!p || !t || !bb)
            return GMDL_ENOMEM;
        S->cap = cap;
    }
    R->points[R->npoints] = r->pt;
    R->points[R->npoints].phase = phase;
    for (int i = 0; i < S->nl; i++) {
        R->point_threshold[R->npoints * (size_t)S->nl + (size_t)i] = th[i];
        R->point_bits[R->npoints * (size_t)S->nl + (size_t)i] = b[i];
    }
    R->npoints++;
    return GMDL_OK;
}

static int cmp_f64(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Layer i's statistics, sorted. */
static gmdl_status load_stats(search *S, int i, gmdl_err *err) {
    size_t n = 0;
    const char *name;
    gmdl_status s = gmdl_model_log_alpha(NULL, 0, &n, &name, S->m, i, err);
    S->stat[i] = s ? NULL : gmdl__malloc((n ? n : 1) * sizeof(double));
    if (!s && !S->stat[i])
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if (!s)
        s = gmdl_model_log_alpha(S->stat[i], n, &n, &name, S->m, i, err);
    if (s)
        return s;
    qsort(S->stat[i], n, sizeof(double), cmp_f64);
    S->nstat[i] = n;
    S->frac[i] = S->cfg->step;
    return GMDL_OK;
}

/* How many of layer i's statistics are below t (kept). */
static size_t kept_below(const search *S, int i, double t) {
    size_t lo = 0, hi = S->nstat[i];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (S->stat[i][mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The threshold of layer i's next move from th: keep floor(frac k) of the k it keeps, at least one
 * fewer (cut between two statistics); *last: the move removes only one. NAN when nothing is left
 * to remove. */
static double next_cut(const search *S, int i, double th, int *last) {
    size_t k = kept_below(S, i, th);
    if (k <= 1)
        return NAN;
    size_t want = (size_t)floor(S->frac[i] * (double)k);
    want = want < k - 1 ? want : k - 1;
    want = want ? want : 1;
    *last = want == k - 1;
    const double *v = S->stat[i];
    return v[want] > v[want - 1] ? 0.5 * (v[want - 1] + v[want]) : v[want]; /* keeps v < cut */
}

/* The start: the automatic thresholds if within the budget, else keeping everything. */
static gmdl_status start(search *S, double *th, int *bits, measured *cur, gmdl_err *err) {
    gmdl__cjob J;
    gmdl_compress_config cc = gmdl_compress_config_default();
    gmdl_status s = gmdl__cjob_open(&J, S->m, &cc, err);
    for (int i = 0; !s && i < S->nl; i++)
        th[i] = J.cl[i].threshold;
    gmdl__cjob_close(&J);
    if (!s)
        s = measure(S, th, NULL, bits, cur, err);
    if (!s && cur->bound > S->res->budget) {
        for (int i = 0; i < S->nl; i++)
            th[i] = INFINITY;
        s = measure(S, th, NULL, bits, cur, err);
    }
    return s ? s : record(S, cur, 0, th, bits);
}

/* The bit phase's first half, over the budget: a bit more where it lowers the bound most. */
static gmdl_status add_bits(search *S, const double *th, int *bits, measured *cur, gmdl_err *err) {
    gmdl_status s = GMDL_OK;
    while (!s && cur->bound > S->res->budget) {
        int best = -1;
        measured bm = *cur, r;
        for (int i = 0; i < S->nl && !s; i++) {
            if (bits[i] >= 23)
                continue;
            bits[i]++;
            s = measure(S, th, bits, NULL, &r, err);
            bits[i]--;
            if (!s && r.bound < bm.bound) {
                bm = r;
                best = i;
            }
        }
        if (s || best < 0)
            break;
        bits[best]++;
        *cur = bm;
        s = record(S, cur, 2, th, bits);
    }
    return s;
}

/* The threshold phase (bits NULL in the moves: the rule's) or the bit phase (bits: one fewer). */
static gmdl_status
descend(search *S, int phase, double *th, int *bits, measured *cur, gmdl_err *err) {
    const size_t nl = (size_t)(S->nl ? S->nl : 1);
    unsigned char *active = gmdl__malloc(nl);
    int *rule = gmdl__malloc(2 * nl * sizeof(int)); /* a move's rule bits, the best move's */
    if (!active || !rule) {
        gmdl__free(active);
        gmdl__free(rule);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    for (int i = 0; i < S->nl; i++)
        active[i] = phase == 1 ? kept_below(S, i, th[i]) > 1 : bits[i] > 0;
    const double unit = 1.0 / (double)S->val->n;
    gmdl_status s = GMDL_OK;
    for (;;) {
        int best = -1;
        double best_score = -INFINITY, bt = 0.0;
        measured bm = *cur, r;
        for (int i = 0; i < S->nl && !s; i++) {
            if (!active[i])
                continue;
            double t0 = th[i], cut = 0.0;
            int last = 1;
            if (phase == 1 && isnan(cut = next_cut(S, i, t0, &last))) {
                active[i] = 0;
                continue;
            }
            if (phase == 1)
                th[i] = cut;
            else
                bits[i]--;
            s = measure(S, th, phase == 1 ? NULL : bits, rule, &r, err);
            if (phase == 1)
                th[i] = t0;
            else
                bits[i]++;
            if (!s && r.bound > S->res->budget) { /* over: a smaller move, or the layer stays */
                if (last)
                    active[i] = 0;
                else
                    S->frac[i] = 0.5 * (1.0 + S->frac[i]);
                continue;
            }
            if (s)
                continue;
            double rise = r.bound - cur->bound;
            double score = (cur->size - r.size) / (rise > unit ? rise : unit);
            if (score > best_score) {
                best_score = score;
                best = i;
                bm = r;
                bt = cut;
                memcpy(rule + nl, rule, nl * sizeof(int));
            }
        }
        int more = 0; /* a layer whose smaller move is still to be tried */
        for (int i = 0; i < S->nl; i++)
            more |= active[i];
        if (s || (best < 0 && !more))
            break;
        if (best < 0)
            continue;
        if (phase == 1) {
            memcpy(bits, rule + nl, nl * sizeof(int));
            th[best] = bt;
            active[best] = kept_below(S, best, bt) > 1;
        } else {
            active[best] = --bits[best] > 0;
        }
        *cur = bm;
        s = record(S, cur, phase, th, bits);
    }
    gmdl__free(active);
    gmdl__free(rule);
    return s;
}

/* The chosen point: the last one within the budget (each accepted move is smaller), else the
 * one with the least bound. */
static gmdl_status choose(search *S, gmdl_err *err) {
    gmdl_budget_result *R = S->res;
    size_t c = 0;
    R->within = 0;
    for (size_t p = 0; p < R->npoints; p++) {
        int in = R->points[p].bound <= R->budget;
        if (in || (!R->within && R->points[p].bound < R->points[c].bound))
            c = p;
        R->within |= in;
    }
    const size_t nl = (size_t)(S->nl ? S->nl : 1);
    R->nlayers = S->nl;
    R->chosen = c;
    R->threshold = gmdl__malloc(nl * sizeof(double));
    R->bits = gmdl__malloc(nl * sizeof(int));
    if (!R->threshold || !R->bits)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t i = 0; i < (size_t)S->nl; i++) {
        R->threshold[i] = R->point_threshold[c * nl + i];
        R->bits[i] = R->point_bits[c * nl + i];
    }
    R->val_error = R->points[c].val_error;
    R->bound = R->points[c].bound;
    return GMDL_OK;
}

/* The uncompressed model's errors on the split: the reference of max_increase. */
static gmdl_status dense_reference(search *S, gmdl_err *err) {
    const gmdl_budget_config *c = S->cfg;
    double e, b;
    gmdl_status s = split_error(S, &e, &b, err);
    if (s)
        return s;
    S->res->val_error_dense = e;
    if (isnan(c->max_increase)) {
        S->res->budget = c->max_error;
        return GMDL_OK;
    }
    S->res->budget = e + c->max_increase;
    S->dense_ok = gmdl__malloc(S->val->n);
    if (!S->dense_ok)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t i = 0; i < S->val->n; i++)
        S->dense_ok[i] = S->pred[i] == S->val->y[i];
    return GMDL_OK;
}

static gmdl_status check_config(const gmdl_model *m, const gmdl_budget_config *c, gmdl_err *err) {
    if (isnan(c->max_error) == isnan(c->max_increase))
        return gmdl__fail(err, GMDL_EINVAL, "give one budget: a largest error or a largest rise");
    if (!isnan(c->max_error) && !(c->max_error > 0.0 && c->max_error < 1.0))
        return gmdl__fail(err, GMDL_EINVAL, "the largest error must be in (0, 1), got %g",
                          c->max_error);
    if (!isnan(c->max_increase) && !(c->max_increase >= 0.0 && c->max_increase < 1.0))
        return gmdl__fail(err, GMDL_EINVAL, "the largest rise must be in [0, 1), got %g",
                          c->max_increase);
    if (!(c->z >= 0.0 && c->z <= 10.0) || !(c->step > 0.0 && c->step < 1.0))
        return gmdl__fail(err, GMDL_EINVAL, "z must be in [0, 10] and step in (0, 1)");
    if (!gmdl__method_has(m->method, GMDL__M_BAYES) || m->tab.format)
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "the model (method '%s'%s) is not one gmdl compress takes", m->cfg.method,
                          m->tab.format ? ", trained on a table" : "");
    return GMDL_OK;
}

gmdl_status gmdl_model_budget_search(gmdl_budget_result *res,
                                     gmdl_model *m,
                                     const gmdl_dataset *val,
                                     const gmdl_budget_config *cfg,
                                     gmdl_err *err) {
    memset(res, 0, sizeof *res);
    gmdl_status s = check_config(m, cfg, err);
    if (s)
        return s;
    if (val->n < 1 || val->dim != m->in_size)
        return gmdl__fail(err, GMDL_ESHAPE, "the validation split does not fit the model");
    search S = {.m = m, .val = val, .cfg = cfg, .res = res};
    /* layers searched: those with a posterior (none under a codebook: one point, as it is) */
    for (int i = 0; !gmdl__prune_codebook_layer(m) && i < m->nlayers; i++)
        S.nl += m->layers[i].ops->posterior != NULL;
    const size_t nl = (size_t)(S.nl ? S.nl : 1);
    S.pred = gmdl__malloc(val->n * sizeof(int32_t));
    S.stat = gmdl__calloc(nl, sizeof *S.stat);
    S.nstat = gmdl__calloc(nl, sizeof *S.nstat);
    S.frac = gmdl__calloc(nl, sizeof *S.frac);
    double *th = gmdl__malloc(nl * sizeof(double));
    int *bits = gmdl__calloc(nl, sizeof(int));
    s = S.pred && S.stat && S.nstat && S.frac && th && bits
            ? gmdl_model_workspace_create(&S.ws, m, err)
            : gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if (!s)
        s = dense_reference(&S, err);
    for (int i = 0; !s && i < S.nl; i++)
        s = load_stats(&S, i, err);
    measured cur;
    if (!s)
        s = start(&S, th, bits, &cur, err);
    if (!s && cur.bound > res->budget)
        s = add_bits(&S, th, bits, &cur, err);
    if (!s && cur.bound <= res->budget)
        s = descend(&S, 1, th, bits, &cur, err);
    if (!s && cur.bound <= res->budget)
        s = descend(&S, 2, th, bits, &cur, err);
    if (s == GMDL_ENOMEM && !err->msg[0])
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if (!s)
        s = choose(&S, err);
    for (size_t i = 0; S.stat && i < nl; i++)
        gmdl__free(S.stat[i]);
    gmdl__free(S.stat);
    gmdl__free(S.nstat);
    gmdl__free(S.frac);
    gmdl__free(S.pred);
    gmdl__free(S.dense_ok);
    gmdl__free(th);
    gmdl__free(bits);
    gmdl_model_workspace_destroy(S.ws);
    return s;
}
