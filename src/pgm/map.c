/* MPE and MAP queries: the public entry points over the two engines (max-product on the junction
 * tree, jt_max.c; sum-max elimination, ve_max.c), and the exact log value of the answer, computed
 * again from the assignment (the product of the factors at it for an MPE, the junction tree's
 * log Z with the answer clamped for a MAP over a subset) rather than taken from the maxima. */
#include "pgm_internal.h"

static gmdl_status map_checks(
    const gmdl_mrf *m, const int32_t *evidence, const uint8_t *query, int *all, gmdl_err *err) {
    gmdl_status s = gmdl__check_evidence(m->nvars, m->card, evidence, err);
    if (s)
        return s;
    *all = 1;
    if (query) {
        size_t nq = 0;
        for (size_t v = 0; v < m->nvars; v++) {
            if (query[v] && evidence && evidence[v] >= 0)
                return gmdl__fail(err, GMDL_EINVAL,
                                  "variable %zu is both a MAP variable and evidence", v);
            nq += query[v] != 0;
            *all &= query[v] || (evidence && evidence[v] >= 0);
        }
        if (nq == 0)
            return gmdl__fail(err, GMDL_EINVAL, "a MAP query needs at least one variable");
    }
    return GMDL_OK;
}

/* The exact log value of the answer x (see gmdl_mrf_map). */
static gmdl_status map_value(double *log_value,
                             const gmdl_mrf *m,
                             const int32_t *evidence,
                             const uint32_t *x,
                             int all,
                             const gmdl_exact_config *cfg,
                             const char *const *names,
                             gmdl_err *err) {
    if (all) {
        *log_value = gmdl_mrf_log_potential(m, x);
        return GMDL_OK;
    }
    int32_t *ev = gmdl__malloc((m->nvars + 1) * sizeof *ev);
    if (!ev)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t v = 0; v < m->nvars; v++)
        ev[v] = x[v] != UINT32_MAX ? (int32_t)x[v] : evidence ? evidence[v] : -1;
    gmdl_status s = gmdl__jt_run(m->nvars, m->card, m->nfactors, m->factors, ev, cfg, names,
                                 log_value, NULL, NULL, err);
    gmdl__free(ev);
    return s;
}

static gmdl_status map_named(uint32_t *x,
                             double *log_value,
                             const gmdl_mrf *m,
                             const int32_t *evidence,
                             const uint8_t *query,
                             gmdl_map_method method,
                             const gmdl_exact_config *cfg,
                             const char *const *names,
                             gmdl_err *err) {
    gmdl_exact_config dc = gmdl_exact_config_default();
    if (!cfg)
        cfg = &dc;
    int all;
    gmdl_status s = map_checks(m, evidence, query, &all, err);
    if (s)
        return s;
    double lm;
    if (method == GMDL_MAP_JT && all)
        s = gmdl__jt_max_run(m->nvars, m->card, m->nfactors, m->factors, evidence, cfg, names, x,
                             &lm, err);
    else if (method == GMDL_MAP_JT || method == GMDL_MAP_VE)
        s = gmdl__ve_max_run(m->nvars, m->card, m->nfactors, m->factors, evidence,
                             all ? NULL : query, cfg, names, x, &lm, err);
    else
        s = gmdl__fail(err, GMDL_EINVAL, "unknown MAP method %d", (int)method);
    if (!s && all && query) /* x holds every state: the evidence's and the maximised ones */
        for (size_t v = 0; v < m->nvars; v++)
            GMDL_ASSERT(x[v] < m->card[v]);
    if (!s && !all)
        for (size_t v = 0; v < m->nvars; v++)
            if (!query[v] && !(evidence && evidence[v] >= 0))
                x[v] = UINT32_MAX;
    if (!s && log_value)
        s = map_value(log_value, m, evidence, x, all, cfg, names, err);
    return s;
}

gmdl_status gmdl_mrf_map(uint32_t *x,
                         double *log_value,
                         const gmdl_mrf *m,
                         const int32_t *evidence,
                         const uint8_t *query,
                         gmdl_map_method method,
                         const gmdl_exact_config *cfg,
                         gmdl_err *err) {
    return map_named(x, log_value, m, evidence, query, method, cfg, NULL, err);
}

gmdl_status gmdl_bn_map(uint32_t *x,
                        double *log_prob,
                        const gmdl_bn *bn,
                        const int32_t *evidence,
                        const uint8_t *query,
                        gmdl_map_method method,
                        const gmdl_exact_config *cfg,
                        gmdl_err *err) {
    gmdl_mrf *m;
    gmdl_status s = gmdl_bn_to_mrf(&m, bn, err);
    if (s)
        return s;
    s = map_named(x, log_prob, m, evidence, query, method, cfg, (const char *const *)bn->names,
                  err);
    gmdl_mrf_destroy(m);
    return s;
}
