/* Decomposable structure scores of complete discrete data: counts of the joint states of a
 * variable list from 16-bit state columns (a dense table when the state space is small, sorted
 * keys otherwise), the BIC and BDeu family terms on those counts, and gmdl_bn_score. */
#include "structure.h"

gmdl_score_config gmdl_score_config_default(void) {
    gmdl_score_config c;
    memset(&c, 0, sizeof c);
    c.kind = GMDL_SCORE_BIC;
    c.ess = 1.0;
    return c;
}

/* ------------------------------------------------------------------ columns and counts */

gmdl_status
gmdl__cols_init(pgm_cols *c, const gmdl_bn_data *d, const uint32_t *card, gmdl_err *err) {
    memset(c, 0, sizeof *c);
    size_t n = d->nrows, V = d->nvars;
    for (size_t v = 0; v < V; v++)
        if (card[v] == 0 || card[v] > 65535)
            return gmdl__fail(err, GMDL_EINVAL, "node %zu has %u states (1 to 65535 allowed)", v,
                              card[v]);
    c->col = gmdl__malloc((n * V + 1) * sizeof *c->col);
    if (!c->col)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for %zu rows", n);
    for (size_t r = 0; r < n; r++)
        for (size_t v = 0; v < V; v++) {
            int32_t x = d->x[r * V + v];
            if (x < 0 || (uint32_t)x >= card[v]) {
                gmdl__free(c->col);
                c->col = NULL;
                return gmdl__fail(err, GMDL_EINVAL,
                                  x < 0 ? "row %zu: node %zu is missing (structure learning and "
                                          "scores need complete data)"
                                        : "row %zu: node %zu has an out-of-range state",
                                  r + 1, v);
            }
            c->col[v * n + r] = (uint16_t)x;
        }
    c->n = n, c->V = V, c->card = card;
    return GMDL_OK;
}

void gmdl__cols_fini(pgm_cols *c) {
    gmdl__free(c->col);
    memset(c, 0, sizeof *c);
}

gmdl_status gmdl__counter_init(pgm_counter *w, size_t n, gmdl_err *err) {
    memset(w, 0, sizeof *w);
    w->cap = n * 2 > 65536 ? n * 2 : 65536;
    w->dense = gmdl__malloc(w->cap * sizeof *w->dense);
    w->keys = gmdl__malloc((n + 1) * sizeof *w->keys);
    w->key = gmdl__malloc((n + 1) * sizeof *w->key);
    w->cnt = gmdl__malloc((n + 1) * sizeof *w->cnt);
    if (!w->dense || !w->keys || !w->key || !w->cnt) {
        gmdl__counter_fini(w);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the count tables");
    }
    return GMDL_OK;
}

void gmdl__counter_fini(pgm_counter *w) {
    gmdl__free(w->dense);
    gmdl__free(w->keys);
    gmdl__free(w->key);
    gmdl__free(w->cnt);
    memset(w, 0, sizeof *w);
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int gmdl__count(pgm_counter *w, const pgm_cols *c, size_t m, const uint32_t *vars, double *space) {
    double sp = 1.0;
    for (size_t k = 0; k < m; k++)
        sp *= (double)c->card[vars[k]];
    *space = sp;
    w->nz = 0;
    if (sp > 4.0e18)
        return -1;
    size_t n = c->n;
    uint64_t *keys = w->keys, stride = 1;
    memset(keys, 0, n * sizeof *keys);
    for (size_t k = m; k-- > 0;) { /* last variable fastest */
        const uint16_t *col = c->col + (size_t)vars[k] * n;
        for (size_t i = 0; i < n; i++)
            keys[i] += (uint64_t)col[i] * stride;
        stride *= c->card[vars[k]];
    }
    if (sp <= (double)w->cap) {
        size_t S = (size_t)sp;
        memset(w->dense, 0, S * sizeof *w->dense);
        for (size_t i = 0; i < n; i++)
            w->dense[keys[i]]++;
        for (size_t s = 0; s < S; s++)
            if (w->dense[s]) {
                w->key[w->nz] = s;
                w->cnt[w->nz++] = w->dense[s];
            }
        return 0;
    }
    qsort(keys, n, sizeof *keys, cmp_u64);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && keys[j] == keys[i])
            j++;
        w->key[w->nz] = keys[i];
        w->cnt[w->nz++] = (uint32_t)(j - i);
        i = j;
    }
    return 0;
}

/* ------------------------------------------------------------------ scores */

double gmdl__lgamma(double x) {
    /* shift up to z >= 15 (lgamma(x) = lgamma(x + k) - log(x (x + 1) ... (x + k - 1))), then
     * Stirling's series to the z^-9 term (truncation error below 1e-15 there) */
    double shift = 0.0, prod = 1.0, z = x;
    while (z < 15.0) {
        prod *= z;
        z += 1.0;
        if (prod > 1e280) {
            shift += log(prod);
            prod = 1.0;
        }
    }
    shift += log(prod);
    double iz = 1.0 / z, iz2 = iz * iz;
    double series =
        iz * (1.0 / 12 - iz2 * (1.0 / 360 - iz2 * (1.0 / 1260 - iz2 * (1.0 / 1680 - iz2 / 1188))));
    return (z - 0.5) * log(z) - z + 0.91893853320467274178 + series - shift;
}

/* The score of the counts w (key = parent configuration x r + state). */
static double
score_counts(const pgm_counter *w, double r, double q, size_t n, const gmdl_score_config *cfg) {
    uint64_t ru = (uint64_t)r;
    double total = 0.0;
    if (cfg->kind == GMDL_SCORE_BIC) {
        for (size_t i = 0; i < w->nz;) {
            uint64_t g = w->key[i] / ru;
            double nj = 0.0, part = 0.0;
            for (; i < w->nz && w->key[i] / ru == g; i++) {
                double x = (double)w->cnt[i];
                nj += x;
                part += x * log(x);
            }
            total += part - nj * log(nj);
        }
        return total - 0.5 * log((double)(n ? n : 1)) * (r - 1.0) * q;
    }
    double aj = cfg->ess / q, ajk = aj / r, lg_aj = gmdl__lgamma(aj), lg_ajk = gmdl__lgamma(ajk);
    for (size_t i = 0; i < w->nz;) {
        uint64_t g = w->key[i] / ru;
        double nj = 0.0;
        for (; i < w->nz && w->key[i] / ru == g; i++) {
            double x = (double)w->cnt[i];
            nj += x;
            total += gmdl__lgamma(ajk + x) - lg_ajk;
        }
        total += lg_aj - gmdl__lgamma(aj + nj);
    }
    return total;
}

double gmdl__family_score(pgm_counter *w,
                          const pgm_cols *c,
                          uint32_t v,
                          size_t np,
                          const uint32_t *par,
                          const gmdl_score_config *cfg) {
    uint32_t vars[PGM_MAX_SCOPE];
    if (np + 1 > PGM_MAX_SCOPE)
        return PGM_NEGINF;
    if (np)
        memcpy(vars, par, np * sizeof *vars);
    vars[np] = v;
    double space;
    if (gmdl__count(w, c, np + 1, vars, &space) < 0)
        return PGM_NEGINF;
    double r = (double)c->card[v];
    return score_counts(w, r, space / r, c->n, cfg);
}

gmdl_status gmdl_bn_score(double *score,
                          double *family,
                          const gmdl_bn *bn,
                          const gmdl_bn_data *data,
                          const gmdl_score_config *cfg,
                          gmdl_err *err) {
    *score = PGM_NEGINF;
    if (data->nvars != bn->nvars)
        return gmdl__fail(err, GMDL_EINVAL, "the data have %zu columns, the network %zu nodes",
                          data->nvars, bn->nvars);
    if (cfg->kind == GMDL_SCORE_BDEU && !(cfg->ess > 0.0 && cfg->ess < 1e12))
        return gmdl__fail(err, GMDL_EINVAL, "the BDeu equivalent sample size must be > 0");
    pgm_cols c;
    pgm_counter w;
    gmdl_status s = gmdl__cols_init(&c, data, bn->card, err);
    if (s)
        return s;
    if ((s = gmdl__counter_init(&w, data->nrows, err))) {
        gmdl__cols_fini(&c);
        return s;
    }
    double total = 0.0;
    for (size_t v = 0; v < bn->nvars && !s; v++) {
        double f = gmdl__family_score(&w, &c, (uint32_t)v, bn->npar[v], bn->par[v], cfg);
        if (f == PGM_NEGINF)
            s = gmdl__fail(err, GMDL_ELIMIT, "the family of node %s is too large to count",
                           bn->names[v]);
        if (family)
            family[v] = f;
        total += f;
    }
    gmdl__counter_fini(&w);
    gmdl__cols_fini(&c);
    if (!s)
        *score = total;
    return s;
}
