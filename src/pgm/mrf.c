/* Markov random fields: a list of log factors over discrete variables; graph separation; the
 * exact entry points (junction tree in jt.c, variable elimination in ve.c). The UAI file format
 * is read in uai.c. */
#include "pgm_internal.h"

gmdl_status gmdl_mrf_create(gmdl_mrf **out, size_t nvars, const uint32_t *card, gmdl_err *err) {
    *out = NULL;
    for (size_t v = 0; v < nvars; v++)
        if (card[v] == 0)
            return gmdl__fail(err, GMDL_EINVAL, "variable %zu has cardinality 0", v);
    gmdl_mrf *m = gmdl__calloc(1, sizeof *m);
    if (!m)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    m->card = gmdl__malloc((nvars ? nvars : 1) * sizeof *m->card);
    if (!m->card) {
        gmdl__free(m);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    if (nvars)
        memcpy(m->card, card, nvars * sizeof *card);
    m->nvars = nvars;
    *out = m;
    return GMDL_OK;
}

void gmdl_mrf_destroy(gmdl_mrf *m) {
    if (!m)
        return;
    for (size_t f = 0; f < m->nfactors; f++)
        gmdl_factor_fini(&m->factors[f]);
    gmdl__free(m->factors);
    gmdl__free(m->card);
    gmdl__free(m);
}

gmdl_status gmdl_mrf_add_factor(
    gmdl_mrf *m, size_t nscope, const uint32_t *scope, const double *values, gmdl_err *err) {
    if (nscope > PGM_MAX_SCOPE)
        return gmdl__fail(err, GMDL_ELIMIT, "factor over %zu variables (at most %d)", nscope,
                          PGM_MAX_SCOPE);
    uint32_t vars[PGM_MAX_SCOPE], card[PGM_MAX_SCOPE];
    size_t ostride[PGM_MAX_SCOPE], perm[PGM_MAX_SCOPE];
    size_t st = 1;
    for (size_t k = nscope; k-- > 0;) {
        if (scope[k] >= m->nvars)
            return gmdl__fail(err, GMDL_EINVAL, "factor variable %u out of range (%zu variables)",
                              scope[k], m->nvars);
        ostride[k] = st;
        st *= m->card[scope[k]];
    }
    /* Sort the scope (insertion sort; scopes are short), remembering the original positions. */
    for (size_t k = 0; k < nscope; k++)
        perm[k] = k;
    for (size_t k = 1; k < nscope; k++)
        for (size_t t = k; t > 0 && scope[perm[t]] < scope[perm[t - 1]]; t--) {
            size_t tmp = perm[t];
            perm[t] = perm[t - 1];
            perm[t - 1] = tmp;
        }
    for (size_t k = 0; k < nscope; k++) {
        vars[k] = scope[perm[k]];
        card[k] = m->card[vars[k]];
        if (k > 0 && vars[k] == vars[k - 1])
            return gmdl__fail(err, GMDL_EINVAL, "variable %u appears twice in a factor scope",
                              vars[k]);
    }
    if (m->nfactors == m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 16;
        gmdl_factor *nf = gmdl__realloc(m->factors, nc * sizeof *nf);
        if (!nf)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        m->factors = nf;
        m->cap = nc;
    }
    gmdl_factor *f = &m->factors[m->nfactors];
    gmdl_status s = gmdl_factor_init(f, nscope, vars, card, err);
    if (s)
        return s;
    size_t ctr[PGM_MAX_SCOPE] = {0};
    size_t j = 0;
    for (size_t i = 0; i < f->size; i++) {
        double x = values[j];
        if (!(x >= 0.0) || !isfinite(x)) {
            gmdl_factor_fini(f);
            return gmdl__fail(err, GMDL_EINVAL, "factor entry %zu is %g (must be finite and >= 0)",
                              j, x);
        }
        f->logp[i] = log(x);
        for (size_t k = nscope; k-- > 0;) {
            ctr[k]++;
            j += ostride[perm[k]];
            if (ctr[k] < card[k])
                break;
            j -= ostride[perm[k]] * card[k];
            ctr[k] = 0;
        }
    }
    m->nfactors++;
    return GMDL_OK;
}

size_t gmdl_mrf_nvars(const gmdl_mrf *m) {
    return m->nvars;
}
uint32_t gmdl_mrf_card(const gmdl_mrf *m, size_t v) {
    return v < m->nvars ? m->card[v] : 0;
}
size_t gmdl_mrf_nfactors(const gmdl_mrf *m) {
    return m->nfactors;
}
int gmdl_mrf_is_bayes(const gmdl_mrf *m) {
    return m->is_bayes;
}

size_t gmdl_mrf_marginal_size(const gmdl_mrf *m) {
    size_t n = 0;
    for (size_t v = 0; v < m->nvars; v++)
        n += m->card[v];
    return n;
}

double gmdl_mrf_log_potential(const gmdl_mrf *m, const uint32_t *x) {
    double s = 0.0;
    for (size_t f = 0; f < m->nfactors; f++) {
        const gmdl_factor *F = &m->factors[f];
        size_t idx = 0;
        for (size_t k = 0; k < F->nvars; k++)
            idx = idx * F->card[k] + x[F->vars[k]];
        s += F->logp[idx];
    }
    return s;
}

void gmdl_mrf_graph(uint8_t *adj, const gmdl_mrf *m) {
    size_t n = m->nvars;
    memset(adj, 0, n * n);
    for (size_t f = 0; f < m->nfactors; f++) {
        const gmdl_factor *F = &m->factors[f];
        for (size_t a = 0; a < F->nvars; a++)
            for (size_t b = 0; b < F->nvars; b++)
                if (a != b)
                    adj[(size_t)F->vars[a] * n + F->vars[b]] = 1;
    }
}

gmdl_status gmdl_mrf_separated(int *separated,
                               const gmdl_mrf *m,
                               size_t na,
                               const uint32_t *a,
                               size_t nb,
                               const uint32_t *b,
                               size_t ns,
                               const uint32_t *s,
                               gmdl_err *err) {
    size_t n = m->nvars;
    for (size_t i = 0; i < na; i++)
        if (a[i] >= n)
            return gmdl__fail(err, GMDL_EINVAL, "variable %u out of range", a[i]);
    for (size_t i = 0; i < nb; i++)
        if (b[i] >= n)
            return gmdl__fail(err, GMDL_EINVAL, "variable %u out of range", b[i]);
    for (size_t i = 0; i < ns; i++)
        if (s[i] >= n)
            return gmdl__fail(err, GMDL_EINVAL, "variable %u out of range", s[i]);
    uint8_t *adj = gmdl__malloc(n * n + 1);
    uint8_t *mark = gmdl__calloc(n + 1, 1);
    uint32_t *queue = gmdl__malloc((n + 1) * sizeof *queue);
    if (!adj || !mark || !queue) {
        gmdl__free(adj);
        gmdl__free(mark);
        gmdl__free(queue);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    gmdl_mrf_graph(adj, m);
    for (size_t i = 0; i < ns; i++)
        mark[s[i]] = 2; /* removed */
    size_t qh = 0, qt = 0;
    for (size_t i = 0; i < na; i++)
        if (!mark[a[i]]) {
            mark[a[i]] = 1;
            queue[qt++] = a[i];
        }
    while (qh < qt) {
        uint32_t u = queue[qh++];
        for (size_t w = 0; w < n; w++)
            if (adj[(size_t)u * n + w] && !mark[w]) {
                mark[w] = 1;
                queue[qt++] = (uint32_t)w;
            }
    }
    int sep = 1;
    for (size_t i = 0; i < nb; i++)
        if (mark[b[i]] == 1)
            sep = 0;
    *separated = sep;
    gmdl__free(adj);
    gmdl__free(mark);
    gmdl__free(queue);
    return GMDL_OK;
}

/* ------------------------------------------------------------------ exact entry points */

gmdl_status gmdl_mrf_exact(double *log_z,
                           double *marginals,
                           gmdl_exact_stats *stats,
                           const gmdl_mrf *m,
                           const int32_t *evidence,
                           const gmdl_exact_config *cfg,
                           gmdl_err *err) {
    gmdl_exact_config dc = gmdl_exact_config_default();
    return gmdl__jt_run(m->nvars, m->card, m->nfactors, m->factors, evidence, cfg ? cfg : &dc, NULL,
                        log_z, marginals, stats, err);
}

gmdl_status gmdl_mrf_ve(double *log_z,
                        double *probs,
                        const gmdl_mrf *m,
                        const int32_t *evidence,
                        uint32_t target,
                        const gmdl_exact_config *cfg,
                        gmdl_err *err) {
    gmdl_exact_config dc = gmdl_exact_config_default();
    return gmdl__ve_run(m->nvars, m->card, m->nfactors, m->factors, evidence, target,
                        cfg ? cfg : &dc, NULL, log_z, probs, err);
}
