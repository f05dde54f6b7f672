/* Variable elimination (gmdl__ve_run): the marginal of one target variable and log Z by summing
 * out the other variables one at a time in a chosen elimination order, on the public factor
 * operations. Simpler than the junction tree (jt.c) and kept as a cross-check of it. */
#include "pgm_internal.h"

gmdl_status gmdl__ve_bucket(ve_list *L,
                            uint32_t v,
                            const uint32_t *card,
                            const gmdl_exact_config *cfg,
                            const char *const *names,
                            gmdl_factor *acc,
                            int *have,
                            gmdl_err *err) {
    gmdl_status s = GMDL_OK;
    *have = 0;
    for (size_t f = 0; f < L->n && !s; f++) {
        const gmdl_factor *F = &L->list[f];
        if (L->used[f])
            continue;
        int has = 0;
        for (size_t k = 0; k < F->nvars; k++)
            if (F->vars[k] == v)
                has = 1;
        if (!has)
            continue;
        L->used[f] = 1;
        if (!*have) {
            gmdl_factor empty;
            uint32_t dummy = 0;
            if ((s = gmdl_factor_init(&empty, 0, &dummy, &dummy, err)))
                break;
            s = gmdl_factor_product(acc, &empty, F, err);
            gmdl_factor_fini(&empty);
            *have = !s;
            continue;
        }
        gmdl_factor nacc;
        double need = 8.0;
        uint32_t uv[2 * PGM_MAX_SCOPE];
        size_t nu = gmdl__scope_union(acc->vars, acc->nvars, F->vars, F->nvars, uv);
        for (size_t k = 0; k < nu; k++)
            need *= card[uv[k]];
        if (cfg->max_mem && need > (double)cfg->max_mem) {
            s = gmdl__over_budget(cfg, need, nu, uv, need / 8.0, names, err);
            break;
        }
        s = gmdl_factor_product(&nacc, acc, F, err);
        gmdl_factor_fini(acc);
        if (s) {
            *have = 0;
            break;
        }
        *acc = nacc;
    }
    if (s && *have) {
        gmdl_factor_fini(acc);
        *have = 0;
    }
    return s;
}

/* log Z (into *lz, which holds the other terms) and the target's marginal from the factors left
 * over, which mention only the target (or nothing). */
static gmdl_status target_result(const ve_list *L,
                                 const pgm_reduced *P,
                                 uint32_t target,
                                 double *lz,
                                 double *probs,
                                 gmdl_err *err) {
    uint32_t tc = P->card[target];
    double *res = gmdl__malloc(tc * sizeof *res);
    if (!res)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (uint32_t x = 0; x < tc; x++)
        res[x] = 0.0;
    for (size_t f = 0; f < L->n; f++) {
        const gmdl_factor *F = &L->list[f];
        if (L->used[f])
            continue;
        if (F->nvars == 0)
            *lz += F->logp[0];
        else {
            GMDL_ASSERT(F->nvars == 1 && F->vars[0] == target);
            for (uint32_t x = 0; x < tc; x++)
                res[x] += F->logp[x];
        }
    }
    if (P->active[target]) {
        double m = gmdl__logsumexp(res, tc);
        *lz += m;
        if (probs)
            for (uint32_t x = 0; x < tc; x++)
                probs[x] = m == PGM_NEGINF ? 0.0 : exp(res[x] - m);
    } else if (probs)
        for (uint32_t x = 0; x < tc; x++)
            probs[x] = (int32_t)x == P->ev[target] ? 1.0 : 0.0;
    gmdl__free(res);
    return GMDL_OK;
}

gmdl_status gmdl__ve_run(size_t nvars,
                         const uint32_t *card,
                         size_t nfactors,
                         const gmdl_factor *factors,
                         const int32_t *evidence,
                         uint32_t target,
                         const gmdl_exact_config *cfg,
                         const char *const *names,
                         double *log_z,
                         double *probs,
                         gmdl_err *err) {
    if (target >= nvars)
        return gmdl__fail(err, GMDL_EINVAL, "target variable %u out of range", target);
    pgm_reduced P;
    gmdl_status s = gmdl__reduced_init(&P, nvars, card, nfactors, factors, evidence, err);
    if (s)
        return s;
    pgm_graph g = {0};
    uint32_t *order = gmdl__malloc((nvars + 1) * sizeof *order);
    size_t nord = 0;
    double max_log2, free_log = 0.0;
    /* P.red is reused and grows by at most one factor per elimination. */
    ve_list L = {gmdl__calloc(P.nred + nvars + 1, sizeof *L.list), P.nred,
                 gmdl__calloc(P.nred + nvars + 1, 1)};
    if (!order || !L.list || !L.used) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(L.list, P.red, P.nred * sizeof *L.list);
    P.nred = 0; /* L owns them now */
    if ((s = gmdl__graph_build(&g, nvars, P.active, L.n, L.list, err)))
        goto done;
    if ((s = gmdl__elim_order(&g, card, P.active, cfg, order, &nord, &max_log2, err)))
        goto done;
    for (size_t t = 0; t < nord; t++) {
        uint32_t v = order[t];
        if (v == target)
            continue;
        gmdl_factor acc;
        int have;
        if ((s = gmdl__ve_bucket(&L, v, card, cfg, names, &acc, &have, err)))
            goto done;
        if (!have) { /* a variable in no factor: summing it out multiplies Z by its card */
            free_log += log((double)card[v]);
            continue;
        }
        s = gmdl_factor_sum_out(&L.list[L.n], &acc, 1, &v, err);
        gmdl_factor_fini(&acc);
        if (s)
            goto done;
        L.n++;
    }
    double lz = P.log_const + free_log;
    if ((s = target_result(&L, &P, target, &lz, probs, err)))
        goto done;
    if (log_z)
        *log_z = lz;
    if (probs && (lz == PGM_NEGINF || isnan(lz)))
        s = gmdl__fail(err, GMDL_EINVAL, "the evidence has probability zero");
done:
    if (L.list)
        for (size_t f = 0; f < L.n; f++)
            gmdl_factor_fini(&L.list[f]);
    gmdl__free(L.list);
    gmdl__free(L.used);
    gmdl__free(order);
    gmdl__graph_free(&g);
    gmdl__reduced_fini(&P);
    return s;
}
