/* MAP by sum-max variable elimination (gmdl__ve_max_run): the variables outside the query are
 * summed out first, then the query variables maximised, each maximisation's bucket kept for the
 * traceback that picks the maximising states in reverse order. With every variable in the query
 * this is the most probable explanation by bucket elimination, a path independent of the
 * junction tree's max-product (jt_max.c). The order: the best of the heuristics (order.c) for an
 * MPE, otherwise greedy min-weight (fewest table entries) within each of the two phases. */
#include "pgm_internal.h"

/* Greedy min-weight elimination of the variables with phase[v] == ph, on g (which gets the fill
 * edges); appends to order. alive: the variables not yet eliminated. */
static void phase_order(pgm_graph *g,
                        const uint32_t *card,
                        const uint8_t *phase,
                        uint8_t ph,
                        uint64_t *alive,
                        uint32_t *order,
                        size_t *norder) {
    size_t n = g->n, W = g->words;
    for (;;) {
        size_t best = SIZE_MAX;
        double bw = PGM_INF;
        for (size_t v = 0; v < n; v++) {
            if (phase[v] != ph || !(alive[v / 64] >> (v % 64) & 1))
                continue;
            double w = log((double)card[v]);
            const uint64_t *nv = &g->adj[v * W];
            for (size_t k = 0; k < W; k++)
                for (uint64_t b = nv[k] & alive[k]; b; b &= b - 1)
                    w += log((double)card[k * 64 + (size_t)__builtin_ctzll(b)]);
            if (w < bw) {
                bw = w;
                best = v;
            }
        }
        if (best == SIZE_MAX)
            return;
        uint64_t *nb = &g->adj[best * W];
        for (size_t k = 0; k < W; k++)
            for (uint64_t b = nb[k] & alive[k]; b; b &= b - 1) {
                size_t a = k * 64 + (size_t)__builtin_ctzll(b);
                uint64_t *na = &g->adj[a * W];
                for (size_t w = 0; w < W; w++)
                    na[w] |= nb[w] & alive[w];
                na[a / 64] &= ~((uint64_t)1 << (a % 64));
            }
        alive[best / 64] &= ~((uint64_t)1 << (best % 64));
        order[(*norder)++] = (uint32_t)best;
    }
}

/* The elimination order: sum variables (phase 1) before query variables (phase 2). */
static gmdl_status map_order(const pgm_reduced *P,
                             const uint8_t *query,
                             const gmdl_exact_config *cfg,
                             const ve_list *L,
                             uint32_t *order,
                             size_t *norder,
                             gmdl_err *err) {
    pgm_graph g = {0};
    gmdl_status s = gmdl__graph_build(&g, P->nvars, P->active, L->n, L->list, err);
    if (s)
        return s;
    *norder = 0;
    if (!query) {
        double max_log2;
        s = gmdl__elim_order(&g, P->card, P->active, cfg, order, norder, &max_log2, err);
        gmdl__graph_free(&g);
        return s;
    }
    uint8_t *phase = gmdl__malloc(P->nvars + 1);
    uint64_t *alive = gmdl__calloc(g.words + 1, sizeof *alive);
    if (!phase || !alive)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    else {
        for (size_t v = 0; v < P->nvars; v++) {
            phase[v] = !P->active[v] ? 0 : query[v] ? 2 : 1;
            if (P->active[v])
                alive[v / 64] |= (uint64_t)1 << (v % 64);
        }
        phase_order(&g, P->card, phase, 1, alive, order, norder);
        phase_order(&g, P->card, phase, 2, alive, order, norder);
    }
    gmdl__free(phase);
    gmdl__free(alive);
    gmdl__graph_free(&g);
    return s;
}

/* out = max over v of f (v removed from the scope). */
static gmdl_status max_out(gmdl_factor *out, const gmdl_factor *f, uint32_t v, gmdl_err *err) {
    uint32_t vars[PGM_MAX_SCOPE], card[PGM_MAX_SCOPE];
    size_t n = 0;
    for (size_t k = 0; k < f->nvars; k++)
        if (f->vars[k] != v) {
            vars[n] = f->vars[k];
            card[n++] = f->card[k];
        }
    gmdl_status s = gmdl_factor_init(out, n, vars, card, err);
    if (!s)
        gmdl__factor_max_into(f, out);
    return s;
}

/* The elimination itself; kept[t] receives the bucket of a maximised order[t]. */
static gmdl_status eliminate(ve_list *L,
                             const pgm_reduced *P,
                             const uint8_t *query,
                             const uint32_t *order,
                             size_t nord,
                             const gmdl_exact_config *cfg,
                             const char *const *names,
                             gmdl_factor *kept,
                             double *lz,
                             gmdl_err *err) {
    gmdl_status s = GMDL_OK;
    for (size_t t = 0; t < nord && !s; t++) {
        uint32_t v = order[t];
        int mx = !query || query[v];
        gmdl_factor acc;
        int have;
        if ((s = gmdl__ve_bucket(L, v, P->card, cfg, names, &acc, &have, err)))
            break;
        if (!have) { /* in no factor: summing multiplies by its card, maximising changes nothing */
            if (!mx)
                *lz += log((double)P->card[v]);
            continue;
        }
        if (mx) {
            s = max_out(&L->list[L->n], &acc, v, err);
            kept[t] = acc;
        } else {
            s = gmdl_factor_sum_out(&L->list[L->n], &acc, 1, &v, err);
            gmdl_factor_fini(&acc);
        }
        if (!s)
            L->n++;
    }
    for (size_t f = 0; f < L->n && !s; f++)
        if (!L->used[f]) {
            GMDL_ASSERT(L->list[f].nvars == 0);
            *lz += L->list[f].logp[0];
        }
    return s;
}

/* The maximising states, last maximised variable first. */
static gmdl_status traceback(const gmdl_factor *kept,
                             const uint32_t *order,
                             size_t nord,
                             const uint8_t *query,
                             int32_t *xa,
                             gmdl_err *err) {
    for (size_t t = nord; t-- > 0;) {
        uint32_t v = order[t];
        if (query && !query[v])
            continue;
        if (!kept[t].logp) { /* in no factor */
            xa[v] = 0;
            continue;
        }
        gmdl_factor r;
        xa[v] = -1;
        gmdl_status s = gmdl__factor_restrict(&r, &kept[t], xa, err);
        if (s)
            return s;
        GMDL_ASSERT(r.nvars == 1 && r.vars[0] == v);
        size_t best = 0;
        for (size_t i = 1; i < r.size; i++)
            if (r.logp[i] > r.logp[best])
                best = i;
        xa[v] = (int32_t)best;
        gmdl_factor_fini(&r);
    }
    return GMDL_OK;
}

gmdl_status gmdl__ve_max_run(size_t nvars,
                             const uint32_t *card,
                             size_t nfactors,
                             const gmdl_factor *factors,
                             const int32_t *evidence,
                             const uint8_t *query,
                             const gmdl_exact_config *cfg,
                             const char *const *names,
                             uint32_t *x,
                             double *log_max,
                             gmdl_err *err) {
    pgm_reduced P;
    gmdl_status s = gmdl__reduced_init(&P, nvars, card, nfactors, factors, evidence, err);
    if (s)
        return s;
    uint32_t *order = gmdl__malloc((nvars + 1) * sizeof *order);
    gmdl_factor *kept = gmdl__calloc(nvars + 1, sizeof *kept);
    int32_t *xa = gmdl__malloc((nvars + 1) * sizeof *xa);
    ve_list L = {gmdl__calloc(P.nred + nvars + 1, sizeof *L.list), P.nred,
                 gmdl__calloc(P.nred + nvars + 1, 1)};
    size_t nord = 0;
    double lz = P.log_const;
    if (!order || !kept || !xa || !L.list || !L.used) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(L.list, P.red, P.nred * sizeof *L.list);
    P.nred = 0; /* L owns them now */
    if ((s = map_order(&P, query, cfg, &L, order, &nord, err)))
        goto done;
    if ((s = eliminate(&L, &P, query, order, nord, cfg, names, kept, &lz, err)))
        goto done;
    if (lz == PGM_NEGINF || isnan(lz)) {
        s = gmdl__fail(err, GMDL_EINVAL, "the evidence has probability zero");
        goto done;
    }
    memcpy(xa, P.ev, nvars * sizeof *xa);
    if ((s = traceback(kept, order, nord, query, xa, err)))
        goto done;
    for (size_t v = 0; v < nvars; v++)
        x[v] = xa[v] < 0 ? UINT32_MAX : (uint32_t)xa[v];
    if (log_max)
        *log_max = lz;
done:
    if (L.list)
        for (size_t f = 0; f < L.n; f++)
            gmdl_factor_fini(&L.list[f]);
    if (kept)
        for (size_t t = 0; t < nvars; t++)
            gmdl_factor_fini(&kept[t]);
    gmdl__free(L.list);
    gmdl__free(L.used);
    gmdl__free(order);
    gmdl__free(kept);
    gmdl__free(xa);
    gmdl__reduced_fini(&P);
    return s;
}
