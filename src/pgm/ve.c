/* Variable elimination (gmdl__ve_run): the marginal of one target variable and log Z by summing
 * out the other variables one at a time in a chosen elimination order, on the public factor
 * operations. Simpler than the junction tree (jt.c) and kept as a cross-check of it. */
#include "pgm_internal.h"

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
    size_t nord = 0, nlist = P.nred;
    double max_log2, free_log = 0.0;
    /* The working list: P.red is reused and grows by at most one factor per elimination. */
    gmdl_factor *list = gmdl__calloc(P.nred + nvars + 1, sizeof *list);
    uint8_t *used = gmdl__calloc(P.nred + nvars + 1, 1);
    if (!order || !list || !used) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(list, P.red, P.nred * sizeof *list);
    P.nred = 0; /* list owns them now */
    if ((s = gmdl__graph_build(&g, nvars, P.active, nlist, list, err)))
        goto done;
    if ((s = gmdl__elim_order(&g, card, P.active, cfg, order, &nord, &max_log2, err)))
        goto done;
    for (size_t t = 0; t < nord; t++) {
        uint32_t v = order[t];
        if (v == target)
            continue;
        gmdl_factor acc;
        int have = 0;
        for (size_t f = 0; f < nlist && !s; f++) {
            if (used[f])
                continue;
            int has = 0;
            for (size_t k = 0; k < list[f].nvars; k++)
                if (list[f].vars[k] == v)
                    has = 1;
            if (!has)
                continue;
            used[f] = 1;
            if (!have) {
                gmdl_factor empty;
                uint32_t dummy = 0;
                if ((s = gmdl_factor_init(&empty, 0, &dummy, &dummy, err)))
                    break;
                s = gmdl_factor_product(&acc, &empty, &list[f], err);
                gmdl_factor_fini(&empty);
                have = !s;
            } else {
                gmdl_factor nacc;
                double need = 8.0;
                uint32_t uv[2 * PGM_MAX_SCOPE];
                size_t nu = gmdl__scope_union(acc.vars, acc.nvars, list[f].vars, list[f].nvars, uv);
                for (size_t k = 0; k < nu; k++)
                    need *= card[uv[k]];
                if (cfg->max_mem && need > (double)cfg->max_mem) {
                    s = gmdl__over_budget(cfg, need, nu, uv, need / 8.0, names, err);
                    break;
                }
                s = gmdl_factor_product(&nacc, &acc, &list[f], err);
                gmdl_factor_fini(&acc);
                if (s) {
                    have = 0;
                    break;
                }
                acc = nacc;
            }
        }
        if (s) {
            if (have)
                gmdl_factor_fini(&acc);
            goto done;
        }
        if (!have) { /* a variable in no factor: summing it out multiplies Z by its card */
            free_log += log((double)card[v]);
            continue;
        }
        s = gmdl_factor_sum_out(&list[nlist], &acc, 1, &v, err);
        gmdl_factor_fini(&acc);
        if (s)
            goto done;
        nlist++;
    }
    /* Remaining factors mention only the target (or nothing). */
    double lz = P.log_const + free_log;
    uint32_t tc = card[target];
    double *res = gmdl__malloc(tc * sizeof *res);
    if (!res) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    for (uint32_t x = 0; x < tc; x++)
        res[x] = 0.0;
    for (size_t f = 0; f < nlist; f++) {
        if (used[f])
            continue;
        if (list[f].nvars == 0)
            lz += list[f].logp[0];
        else {
            GMDL_ASSERT(list[f].nvars == 1 && list[f].vars[0] == target);
            for (uint32_t x = 0; x < tc; x++)
                res[x] += list[f].logp[x];
        }
    }
    if (P.active[target]) {
        double m = gmdl__logsumexp(res, tc);
        lz += m;
        if (probs)
            for (uint32_t x = 0; x < tc; x++)
                probs[x] = m == PGM_NEGINF ? 0.0 : exp(res[x] - m);
    } else if (probs)
        for (uint32_t x = 0; x < tc; x++)
            probs[x] = (int32_t)x == P.ev[target] ? 1.0 : 0.0;
    gmdl__free(res);
    if (log_z)
        *log_z = lz;
    if (probs && (lz == PGM_NEGINF || isnan(lz)))
        s = gmdl__fail(err, GMDL_EINVAL, "the evidence has probability zero");
done:
    if (list)
        for (size_t f = 0; f < nlist; f++)
            gmdl_factor_fini(&list[f]);
    gmdl__free(list);
    gmdl__free(used);
    gmdl__free(order);
    gmdl__graph_free(&g);
    gmdl__reduced_fini(&P);
    return s;
}
