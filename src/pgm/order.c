/* Elimination orders. Each heuristic greedily eliminates the variable with the lowest score on
 * the current graph (adding fill edges among its neighbours); ties go to the lowest index, or to a
 * random one in the randomised trials. The cost of an order is the total size of its clique
 * tables (the arithmetic of a calibration), then the size of its largest clique; an order whose
 * tables would not fit the memory budget (cfg->max_mem) ranks after every order that fits.
 * Ranking by the largest clique first, as before, made Grids_11 of the UAI 2014 set 13x slower:
 * its min-max order has 75 cliques of 2^20-2^21 entries (628 MB), while an order with one clique
 * of 2^23 and small ones needs 139 MB. GMDL_ORDER_BEST keeps the cheapest order found by
 * min-fill, min-degree, weighted min-fill, min-weight and the natural order. Also the error an
 * exact engine gives when its largest table is over the memory budget. */
#include "pgm_internal.h"

gmdl_status gmdl__graph_build(pgm_graph *g,
                              size_t nvars,
                              const uint8_t *active,
                              size_t nfactors,
                              const gmdl_factor *factors,
                              gmdl_err *err) {
    g->n = nvars;
    g->words = (nvars + 63) / 64;
    size_t cells;
    if (!gmdl__mul_ok(nvars, g->words, &cells) || !(g->adj = gmdl__calloc(cells + 1, 8)))
        return gmdl__fail(err, GMDL_ENOMEM,
                          "out of memory for the interaction graph of %zu "
                          "variables",
                          nvars);
    for (size_t f = 0; f < nfactors; f++) {
        const gmdl_factor *F = &factors[f];
        for (size_t a = 0; a < F->nvars; a++) {
            uint32_t u = F->vars[a];
            if (!active[u])
                continue;
            for (size_t b = 0; b < F->nvars; b++) {
                uint32_t w = F->vars[b];
                if (w != u && active[w])
                    g->adj[(size_t)u * g->words + w / 64] |= (uint64_t)1 << (w % 64);
            }
        }
    }
    return GMDL_OK;
}

void gmdl__graph_free(pgm_graph *g) {
    gmdl__free(g->adj);
    g->adj = NULL;
}

typedef struct {
    size_t n, words;
    uint64_t *adj;   /* working copy */
    uint64_t *alive; /* one row */
    double *score;
    uint8_t *dirty;
    const uint32_t *card;
    const double *lw; /* log2 card */
} elim_state;

static int popcnt_and(const uint64_t *a, const uint64_t *b, size_t words) {
    int c = 0;
    for (size_t i = 0; i < words; i++)
        c += __builtin_popcountll(a[i] & b[i]);
    return c;
}

static double score_of(const elim_state *S, gmdl_order_heuristic h, size_t v) {
    const uint64_t *nv = &S->adj[v * S->words];
    if (h == GMDL_ORDER_MIN_DEGREE)
        return (double)popcnt_and(nv, S->alive, S->words);
    double fill = 0.0, wsum = S->lw[v];
    for (size_t w = 0; w < S->words; w++) {
        uint64_t bits = nv[w] & S->alive[w];
        while (bits) {
            size_t a = w * 64 + (size_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            wsum += S->lw[a];
            if (h == GMDL_ORDER_BEST) /* min-weight: only the clique size matters */
                continue;
            /* neighbours b > a of v that are not neighbours of a */
            const uint64_t *na = &S->adj[a * S->words];
            for (size_t w2 = a / 64; w2 < S->words; w2++) {
                uint64_t m = nv[w2] & S->alive[w2] & ~na[w2];
                if (w2 == a / 64)
                    m &= (a % 64 == 63) ? 0 : (~(uint64_t)0 << (a % 64 + 1));
                if (h == GMDL_ORDER_MIN_FILL)
                    fill += __builtin_popcountll(m);
                else
                    while (m) {
                        size_t b = w2 * 64 + (size_t)__builtin_ctzll(m);
                        m &= m - 1;
                        fill += (double)S->card[a] * (double)S->card[b];
                    }
            }
        }
    }
    if (h == GMDL_ORDER_BEST)
        return wsum;
    return fill;
}

/* The cost of an order: its largest clique (log2 entries), the entries of all its cliques, and
 * of its separators (each clique less the eliminated variable, an upper bound). */
typedef struct {
    double max_log2, total, sep;
} order_cost;

/* Runs one greedy elimination. Writes order (n_active entries) and its cost. rng == NULL:
 * lowest-index ties. */
static void run_heuristic(elim_state *S,
                          const uint64_t *adj0,
                          const uint8_t *active,
                          gmdl_order_heuristic h,
                          gmdl_rng *rng,
                          uint32_t *order,
                          size_t *norder,
                          order_cost *c) {
    size_t n = S->n, words = S->words;
    memcpy(S->adj, adj0, n * words * sizeof *S->adj);
    memset(S->alive, 0, words * sizeof *S->alive);
    size_t nact = 0;
    for (size_t v = 0; v < n; v++)
        if (active[v]) {
            S->alive[v / 64] |= (uint64_t)1 << (v % 64);
            nact++;
            S->dirty[v] = 1;
        }
    c->max_log2 = c->total = c->sep = 0.0;
    *norder = 0;
    for (size_t step = 0; step < nact; step++) {
        size_t best = SIZE_MAX;
        double bs = PGM_INF;
        uint32_t nties = 0;
        if (h == GMDL_ORDER_NATURAL) {
            for (size_t v = 0; v < n && best == SIZE_MAX; v++)
                if (S->alive[v / 64] >> (v % 64) & 1)
                    best = v;
        } else {
            for (size_t v = 0; v < n; v++) {
                if (!(S->alive[v / 64] >> (v % 64) & 1))
                    continue;
                if (S->dirty[v]) {
                    S->score[v] = score_of(S, h, v);
                    S->dirty[v] = 0;
                }
                double sc = S->score[v];
                if (sc < bs - 1e-9) {
                    bs = sc;
                    best = v;
                    nties = 1;
                } else if (rng && sc <= bs + 1e-9) {
                    nties++;
                    if (gmdl_rng_bounded(rng, nties) == 0)
                        best = v;
                }
            }
        }
        size_t v = best;
        uint64_t *nv = &S->adj[v * words];
        double cl = S->lw[v];
        for (size_t w = 0; w < words; w++)
            nv[w] &= S->alive[w];
        for (size_t w = 0; w < words; w++) {
            uint64_t bits = nv[w];
            while (bits) {
                size_t a = w * 64 + (size_t)__builtin_ctzll(bits);
                bits &= bits - 1;
                cl += S->lw[a];
                uint64_t *na = &S->adj[a * words];
                for (size_t w2 = 0; w2 < words; w2++)
                    na[w2] |= nv[w2];
                na[a / 64] &= ~((uint64_t)1 << (a % 64));
                na[v / 64] &= ~((uint64_t)1 << (v % 64));
                /* scores change for a and its neighbours */
                S->dirty[a] = 1;
                for (size_t w2 = 0; w2 < words; w2++) {
                    uint64_t b2 = na[w2] & S->alive[w2];
                    while (b2) {
                        S->dirty[w2 * 64 + (size_t)__builtin_ctzll(b2)] = 1;
                        b2 &= b2 - 1;
                    }
                }
            }
        }
        S->alive[v / 64] &= ~((uint64_t)1 << (v % 64));
        if (cl > c->max_log2)
            c->max_log2 = cl;
        c->total += exp2(cl);
        c->sep += exp2(cl - S->lw[v]);
        order[(*norder)++] = (uint32_t)v;
    }
}

gmdl_status gmdl__elim_order(const pgm_graph *g,
                             const uint32_t *card,
                             const uint8_t *active,
                             const gmdl_exact_config *cfg,
                             uint32_t *order,
                             size_t *norder,
                             double *max_log2,
                             gmdl_err *err) {
    size_t n = g->n, words = g->words;
    elim_state S = {.n = n, .words = words, .card = card};
    S.adj = gmdl__malloc((n * words + 1) * sizeof *S.adj);
    S.alive = gmdl__malloc((words + 1) * sizeof *S.alive);
    S.score = gmdl__malloc((n + 1) * sizeof *S.score);
    S.dirty = gmdl__malloc(n + 1);
    double *lw = gmdl__malloc((n + 1) * sizeof *lw);
    uint32_t *tmp = gmdl__malloc((n + 1) * sizeof *tmp);
    gmdl_status s = GMDL_OK;
    if (!S.adj || !S.alive || !S.score || !S.dirty || !lw || !tmp) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory computing an elimination order");
        goto done;
    }
    for (size_t v = 0; v < n; v++)
        lw[v] = log2((double)card[v]);
    S.lw = lw;
    order_cost best = {PGM_INF, PGM_INF, PGM_INF};
    int best_over = 1;
    size_t nbest = 0;
    static const gmdl_order_heuristic all[] = {GMDL_ORDER_MIN_FILL, GMDL_ORDER_WEIGHTED_MIN_FILL,
                                               GMDL_ORDER_MIN_DEGREE, GMDL_ORDER_BEST,
                                               GMDL_ORDER_NATURAL};
    size_t nh = cfg->heuristic == GMDL_ORDER_BEST ? sizeof all / sizeof all[0] : 1;
    gmdl_rng rng;
    gmdl_rng_derive(&rng, cfg->seed, GMDL_RNG_SAMPLING, 0x6f72646572ULL /* "order" */);
    for (int pass = 0; pass < 2; pass++) {
        int trials = pass == 0 ? 1 : cfg->random_trials;
        if (pass == 1 && best.max_log2 <= 16.0)
            break; /* the best order is already cheap */
        for (size_t hi = 0; hi < nh; hi++) {
            gmdl_order_heuristic h = cfg->heuristic == GMDL_ORDER_BEST ? all[hi] : cfg->heuristic;
            if (pass == 1 && h == GMDL_ORDER_NATURAL)
                continue;
            for (int t = 0; t < trials; t++) {
                order_cost c;
                size_t no;
                run_heuristic(&S, g->adj, active, h, pass ? &rng : NULL, tmp, &no, &c);
                int over =
                    cfg->max_mem && 8.0 * (c.sep + 2.0 * exp2(c.max_log2)) > (double)cfg->max_mem;
                if (over < best_over ||
                    (over == best_over && (c.total < best.total * (1.0 - 1e-12) ||
                                           (c.total <= best.total * (1.0 + 1e-12) &&
                                            c.max_log2 < best.max_log2 - 1e-9)))) {
                    best = c;
                    best_over = over;
                    memcpy(order, tmp, no * sizeof *order);
                    nbest = no;
                }
            }
        }
    }
    *norder = nbest;
    *max_log2 = best.max_log2 == PGM_INF ? 0.0 : best.max_log2;
done:
    gmdl__free(S.adj);
    gmdl__free(S.alive);
    gmdl__free(S.score);
    gmdl__free(S.dirty);
    gmdl__free(lw);
    gmdl__free(tmp);
    return s;
}

static void name_of(const char *const *names, uint32_t v, char *buf, size_t n) {
    if (names)
        snprintf(buf, n, "%s", names[v]);
    else
        snprintf(buf, n, "x%u", v);
}

gmdl_status gmdl__over_budget(const gmdl_exact_config *cfg,
                              double bytes,
                              size_t nv,
                              const uint32_t *vars,
                              double entries,
                              const char *const *names,
                              gmdl_err *err) {
    char list[600];
    size_t off = 0;
    list[0] = '\0';
    for (size_t k = 0; k < nv && off + 40 < sizeof list; k++) {
        char nm[64];
        name_of(names, vars[k], nm, sizeof nm);
        int w = snprintf(list + off, sizeof list - off, "%s%s", k ? ", " : "", nm);
        if (w > 0)
            off += (size_t)w;
    }
    if (off + 40 >= sizeof list)
        snprintf(list + off, sizeof list - off, ", ...");
    return gmdl__fail(err, GMDL_ELIMIT,
                      "exact inference needs %.1f MiB but the memory budget is %.1f MiB; the "
                      "largest clique has %zu variables and %.4g entries: {%s}",
                      bytes / 1048576.0, (double)cfg->max_mem / 1048576.0, nv, entries, list);
}

gmdl_exact_config gmdl_exact_config_default(void) {
    gmdl_exact_config c;
    memset(&c, 0, sizeof c);
    c.heuristic = GMDL_ORDER_BEST;
    c.random_trials = 8;
    c.seed = 1;
    c.max_mem = 0;
    return c;
}
