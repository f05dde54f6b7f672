/* Bayes nets: structure, CPTs, names, the joint log probability, conversion to an MRF of CPT
 * factors, the moral graph, and the query entry point that dispatches to the exact and
 * sampling methods. */
#include "pgm_internal.h"

void gmdl_bn_destroy(gmdl_bn *bn) {
    if (!bn)
        return;
    for (size_t v = 0; v < bn->nvars; v++) {
        if (bn->names)
            gmdl__free(bn->names[v]);
        if (bn->states && bn->states[v]) {
            for (uint32_t s = 0; s < bn->card[v]; s++)
                gmdl__free(bn->states[v][s]);
            gmdl__free(bn->states[v]);
        }
        if (bn->par)
            gmdl__free(bn->par[v]);
        if (bn->cpt)
            gmdl__free(bn->cpt[v]);
        if (bn->child)
            gmdl__free(bn->child[v]);
    }
    gmdl__free(bn->names);
    gmdl__free(bn->states);
    gmdl__free(bn->par);
    gmdl__free(bn->cpt);
    gmdl__free(bn->child);
    gmdl__free(bn->card);
    gmdl__free(bn->npar);
    gmdl__free(bn->nrows);
    gmdl__free(bn->nchild);
    gmdl__free(bn);
}

gmdl_status gmdl__bn_alloc(gmdl_bn **out, size_t n, gmdl_err *err) {
    gmdl_bn *bn = gmdl__calloc(1, sizeof *bn);
    if (!bn)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    bn->nvars = n;
    size_t m = n ? n : 1;
    bn->names = gmdl__calloc(m, sizeof *bn->names);
    bn->card = gmdl__calloc(m, sizeof *bn->card);
    bn->states = gmdl__calloc(m, sizeof *bn->states);
    bn->npar = gmdl__calloc(m, sizeof *bn->npar);
    bn->par = gmdl__calloc(m, sizeof *bn->par);
    bn->cpt = gmdl__calloc(m, sizeof *bn->cpt);
    bn->nrows = gmdl__calloc(m, sizeof *bn->nrows);
    bn->nchild = gmdl__calloc(m, sizeof *bn->nchild);
    bn->child = gmdl__calloc(m, sizeof *bn->child);
    if (!bn->names || !bn->card || !bn->states || !bn->npar || !bn->par || !bn->cpt || !bn->nrows ||
        !bn->nchild || !bn->child) {
        gmdl_bn_destroy(bn);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    *out = bn;
    return GMDL_OK;
}

static gmdl_status uniform_cpt(gmdl_bn *bn, uint32_t v, gmdl_err *err) {
    size_t rows = 1;
    for (size_t k = 0; k < bn->npar[v]; k++)
        if (!gmdl__mul_ok(rows, bn->card[bn->par[v][k]], &rows))
            return gmdl__fail(err, GMDL_ELIMIT, "CPT of node %u is too large", v);
    size_t n;
    if (!gmdl__mul_ok(rows, bn->card[v], &n) || n > ((size_t)1 << 40))
        return gmdl__fail(err, GMDL_ELIMIT, "CPT of node %u is too large", v);
    double *p = gmdl__malloc(n * sizeof *p);
    if (!p)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the CPT of node %u", v);
    for (size_t i = 0; i < n; i++)
        p[i] = 1.0 / bn->card[v];
    gmdl__free(bn->cpt[v]);
    bn->cpt[v] = p;
    bn->nrows[v] = rows;
    return GMDL_OK;
}

gmdl_status gmdl_bn_create(gmdl_bn **out, size_t nvars, const uint32_t *card, gmdl_err *err) {
    *out = NULL;
    gmdl_bn *bn;
    gmdl_status s = gmdl__bn_alloc(&bn, nvars, err);
    if (s)
        return s;
    for (size_t v = 0; v < nvars; v++) {
        char buf[32];
        if (card[v] == 0) {
            gmdl_bn_destroy(bn);
            return gmdl__fail(err, GMDL_EINVAL, "node %zu has cardinality 0", v);
        }
        bn->card[v] = card[v];
        snprintf(buf, sizeof buf, "X%zu", v);
        bn->names[v] = gmdl__strdup(buf);
        bn->states[v] = gmdl__calloc(card[v], sizeof **bn->states);
        if (!bn->names[v] || !bn->states[v]) {
            gmdl_bn_destroy(bn);
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        }
        for (uint32_t x = 0; x < card[v]; x++) {
            snprintf(buf, sizeof buf, "s%u", x);
            if (!(bn->states[v][x] = gmdl__strdup(buf))) {
                gmdl_bn_destroy(bn);
                return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
            }
        }
        if ((s = uniform_cpt(bn, (uint32_t)v, err))) {
            gmdl_bn_destroy(bn);
            return s;
        }
    }
    *out = bn;
    return GMDL_OK;
}

/* 1 when target is reachable from v along arcs. */
static int reaches(const gmdl_bn *bn, uint32_t v, uint32_t target, uint8_t *seen, uint32_t *stack) {
    memset(seen, 0, bn->nvars);
    size_t sp = 0;
    stack[sp++] = v;
    seen[v] = 1;
    while (sp) {
        uint32_t u = stack[--sp];
        if (u == target)
            return 1;
        for (size_t k = 0; k < bn->nchild[u]; k++) {
            uint32_t c = bn->child[u][k];
            if (!seen[c]) {
                seen[c] = 1;
                stack[sp++] = c;
            }
        }
    }
    return 0;
}

gmdl_status
gmdl_bn_set_parents(gmdl_bn *bn, uint32_t v, size_t npar, const uint32_t *parents, gmdl_err *err) {
    if (v >= bn->nvars)
        return gmdl__fail(err, GMDL_EINVAL, "node %u out of range", v);
    for (size_t k = 0; k < npar; k++) {
        if (parents[k] >= bn->nvars)
            return gmdl__fail(err, GMDL_EINVAL, "parent %u of node %u out of range", parents[k], v);
        for (size_t t = 0; t < k; t++)
            if (parents[t] == parents[k])
                return gmdl__fail(err, GMDL_EINVAL, "parent %s of %s listed twice",
                                  bn->names[parents[k]], bn->names[v]);
    }
    uint8_t *seen = gmdl__malloc(bn->nvars + 1);
    uint32_t *stack = gmdl__malloc((bn->nvars + 1) * sizeof *stack);
    if (!seen || !stack) {
        gmdl__free(seen);
        gmdl__free(stack);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    gmdl_status s = GMDL_OK;
    for (size_t k = 0; k < npar && !s; k++)
        if (parents[k] == v || reaches(bn, v, parents[k], seen, stack))
            s = gmdl__fail(err, GMDL_EINVAL, "arc %s -> %s would make a cycle",
                           bn->names[parents[k]], bn->names[v]);
    gmdl__free(seen);
    gmdl__free(stack);
    if (s)
        return s;
    uint32_t *np = gmdl__malloc((npar ? npar : 1) * sizeof *np);
    if (!np)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    /* Grow the child lists first so that failure leaves the net unchanged. */
    for (size_t k = 0; k < npar; k++) {
        uint32_t p = parents[k];
        uint32_t *nc = gmdl__realloc(bn->child[p], (bn->nchild[p] + 1) * sizeof *nc);
        if (!nc) {
            gmdl__free(np);
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        }
        bn->child[p] = nc;
    }
    for (size_t k = 0; k < bn->npar[v]; k++) { /* drop v from the old parents' child lists */
        uint32_t p = bn->par[v][k];
        size_t w = 0;
        for (size_t t = 0; t < bn->nchild[p]; t++)
            if (bn->child[p][t] != v)
                bn->child[p][w++] = bn->child[p][t];
        bn->nchild[p] = w;
    }
    for (size_t k = 0; k < npar; k++) {
        uint32_t p = parents[k];
        bn->child[p][bn->nchild[p]++] = v;
    }
    if (npar)
        memcpy(np, parents, npar * sizeof *np);
    gmdl__free(bn->par[v]);
    bn->par[v] = np;
    bn->npar[v] = npar;
    return uniform_cpt(bn, v, err);
}

gmdl_status gmdl_bn_set_cpt(gmdl_bn *bn, uint32_t v, const double *p, gmdl_err *err) {
    if (v >= bn->nvars)
        return gmdl__fail(err, GMDL_EINVAL, "node %u out of range", v);
    uint32_t k = bn->card[v];
    for (size_t r = 0; r < bn->nrows[v]; r++) {
        double sum = 0.0;
        for (uint32_t x = 0; x < k; x++) {
            double q = p[r * k + x];
            if (!(q >= 0.0) || !isfinite(q))
                return gmdl__fail(err, GMDL_EINVAL,
                                  "CPT of %s: entry %g in row %zu is not a "
                                  "probability",
                                  bn->names[v], q, r);
            sum += q;
        }
        if (fabs(sum - 1.0) > 1e-6)
            return gmdl__fail(err, GMDL_EINVAL, "CPT of %s: row %zu sums to %.9g, not 1",
                              bn->names[v], r, sum);
    }
    memcpy(bn->cpt[v], p, bn->nrows[v] * k * sizeof *p);
    return GMDL_OK;
}

size_t gmdl_bn_nvars(const gmdl_bn *bn) {
    return bn->nvars;
}
const char *gmdl_bn_name(const gmdl_bn *bn, size_t v) {
    return v < bn->nvars ? bn->names[v] : NULL;
}
uint32_t gmdl_bn_card(const gmdl_bn *bn, size_t v) {
    return v < bn->nvars ? bn->card[v] : 0;
}
const char *gmdl_bn_state_name(const gmdl_bn *bn, size_t v, uint32_t s) {
    return v < bn->nvars && s < bn->card[v] ? bn->states[v][s] : NULL;
}
size_t gmdl_bn_nparents(const gmdl_bn *bn, size_t v) {
    return v < bn->nvars ? bn->npar[v] : 0;
}
const uint32_t *gmdl_bn_parents(const gmdl_bn *bn, size_t v) {
    return v < bn->nvars ? bn->par[v] : NULL;
}
const double *gmdl_bn_cpt(const gmdl_bn *bn, size_t v) {
    return v < bn->nvars ? bn->cpt[v] : NULL;
}

size_t gmdl_bn_narcs(const gmdl_bn *bn) {
    size_t n = 0;
    for (size_t v = 0; v < bn->nvars; v++)
        n += bn->npar[v];
    return n;
}

size_t gmdl_bn_nparams(const gmdl_bn *bn) {
    size_t n = 0;
    for (size_t v = 0; v < bn->nvars; v++)
        n += (bn->card[v] - 1) * bn->nrows[v];
    return n;
}

size_t gmdl_bn_marginal_size(const gmdl_bn *bn) {
    size_t n = 0;
    for (size_t v = 0; v < bn->nvars; v++)
        n += bn->card[v];
    return n;
}

gmdl_status gmdl_bn_find(uint32_t *v, const gmdl_bn *bn, const char *name, gmdl_err *err) {
    for (size_t i = 0; i < bn->nvars; i++)
        if (strcmp(bn->names[i], name) == 0) {
            *v = (uint32_t)i;
            return GMDL_OK;
        }
    return gmdl__fail(err, GMDL_EINVAL, "no node named '%s'", name);
}

gmdl_status
gmdl_bn_find_state(uint32_t *s, const gmdl_bn *bn, uint32_t v, const char *state, gmdl_err *err) {
    if (v >= bn->nvars)
        return gmdl__fail(err, GMDL_EINVAL, "node %u out of range", v);
    for (uint32_t i = 0; i < bn->card[v]; i++)
        if (strcmp(bn->states[v][i], state) == 0) {
            *s = i;
            return GMDL_OK;
        }
    char list[512];
    size_t off = 0;
    list[0] = '\0';
    for (uint32_t i = 0; i < bn->card[v] && off + 64 < sizeof list; i++) {
        int w = snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "", bn->states[v][i]);
        if (w > 0)
            off += (size_t)w;
    }
    return gmdl__fail(err, GMDL_EINVAL, "node '%s' has no state '%s' (states: %s)", bn->names[v],
                      state, list);
}

gmdl_status
gmdl_bn_parse_evidence(int32_t *evidence, const gmdl_bn *bn, const char *text, gmdl_err *err) {
    for (size_t v = 0; v < bn->nvars; v++)
        evidence[v] = -1;
    if (!text)
        return GMDL_OK;
    const char *p = text;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[512];
        if (len == 0 || len >= sizeof item)
            return gmdl__fail(err, GMDL_EINVAL, "bad evidence item in '%s' (expected NODE=STATE)",
                              text);
        memcpy(item, p, len);
        item[len] = '\0';
        char *eq = strchr(item, '=');
        if (!eq || eq == item || !eq[1])
            return gmdl__fail(err, GMDL_EINVAL, "bad evidence item '%s' (expected NODE=STATE)",
                              item);
        *eq = '\0';
        uint32_t v = 0, s = 0;
        gmdl_status st = gmdl_bn_find(&v, bn, item, err);
        if (st)
            return st;
        if ((st = gmdl_bn_find_state(&s, bn, v, eq + 1, err)))
            return st;
        if (evidence[v] >= 0 && evidence[v] != (int32_t)s)
            return gmdl__fail(err, GMDL_EINVAL, "node '%s' observed twice", item);
        evidence[v] = (int32_t)s;
        p = comma ? comma + 1 : p + len;
    }
    return GMDL_OK;
}

double gmdl_bn_log_prob(const gmdl_bn *bn, const uint32_t *x) {
    double lp = 0.0;
    for (size_t v = 0; v < bn->nvars; v++) {
        size_t row = 0;
        for (size_t k = 0; k < bn->npar[v]; k++)
            row = row * bn->card[bn->par[v][k]] + x[bn->par[v][k]];
        lp += log(bn->cpt[v][row * bn->card[v] + x[v]]);
    }
    return lp;
}

gmdl_status gmdl_bn_to_mrf(gmdl_mrf **out, const gmdl_bn *bn, gmdl_err *err) {
    gmdl_mrf *m;
    gmdl_status s = gmdl_mrf_create(&m, bn->nvars, bn->card, err);
    if (s)
        return s;
    uint32_t scope[PGM_MAX_SCOPE + 1];
    for (size_t v = 0; v < bn->nvars && !s; v++) {
        if (bn->npar[v] + 1 > PGM_MAX_SCOPE) {
            s = gmdl__fail(err, GMDL_ELIMIT, "node %s has too many parents", bn->names[v]);
            break;
        }
        memcpy(scope, bn->par[v], bn->npar[v] * sizeof *scope);
        scope[bn->npar[v]] = (uint32_t)v;
        s = gmdl_mrf_add_factor(m, bn->npar[v] + 1, scope, bn->cpt[v], err);
    }
    if (s) {
        gmdl_mrf_destroy(m);
        return s;
    }
    m->is_bayes = 1;
    *out = m;
    return GMDL_OK;
}

void gmdl_bn_moral_graph(uint8_t *adj, const gmdl_bn *bn) {
    size_t n = bn->nvars;
    memset(adj, 0, n * n);
    for (size_t v = 0; v < n; v++)
        for (size_t a = 0; a < bn->npar[v]; a++) {
            uint32_t p = bn->par[v][a];
            adj[p * n + v] = adj[v * n + p] = 1;
            for (size_t b = 0; b < bn->npar[v]; b++)
                if (b != a)
                    adj[p * n + bn->par[v][b]] = 1;
        }
}

gmdl_query_config gmdl_query_config_default(void) {
    gmdl_query_config c;
    memset(&c, 0, sizeof c);
    c.method = GMDL_QUERY_EXACT;
    c.samples = 100000;
    c.burn_in = 1000;
    c.seed = 1;
    c.exact = gmdl_exact_config_default();
    return c;
}

/* The sub-model of an exact query: the target, the evidence and their ancestors, renumbered. */
typedef struct {
    uint8_t *keep;      /* per node of the net: kept */
    uint32_t *newid;    /* per kept node: its number in m */
    int32_t *sev;       /* the evidence, renumbered */
    const char **names; /* the kept nodes' names, renumbered */
    gmdl_mrf *m;
} sub_net;

static void sub_net_free(sub_net *S) {
    gmdl_mrf_destroy(S->m);
    gmdl__free(S->keep);
    gmdl__free(S->newid);
    gmdl__free(S->sev);
    gmdl__free(S->names);
}

/* Marks the target, the evidence and their ancestors in S->keep. */
static gmdl_status mark_ancestors(
    const gmdl_bn *bn, uint32_t target, const int32_t *evidence, sub_net *S, gmdl_err *err) {
    size_t n = bn->nvars;
    uint32_t *stack = gmdl__malloc((n + 1) * sizeof *stack);
    if (!(S->keep = gmdl__calloc(n + 1, 1)) || !stack) {
        gmdl__free(stack);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    size_t sp = 0;
    for (size_t v = 0; v < n; v++)
        if (v == target || (evidence && evidence[v] >= 0)) {
            S->keep[v] = 1;
            stack[sp++] = (uint32_t)v;
        }
    while (sp) {
        uint32_t u = stack[--sp];
        for (size_t k = 0; k < bn->npar[u]; k++)
            if (!S->keep[bn->par[u][k]]) {
                S->keep[bn->par[u][k]] = 1;
                stack[sp++] = bn->par[u][k];
            }
    }
    gmdl__free(stack);
    return GMDL_OK;
}

/* The MRF of the kept nodes' CPTs (S->m), with their evidence and names. */
static gmdl_status
sub_model(const gmdl_bn *bn, const int32_t *evidence, sub_net *S, gmdl_err *err) {
    size_t n = bn->nvars, nk = 0;
    S->newid = gmdl__malloc((n + 1) * sizeof *S->newid);
    uint32_t *cards = gmdl__malloc((n + 1) * sizeof *cards);
    S->sev = gmdl__malloc((n + 1) * sizeof *S->sev);
    S->names = gmdl__malloc((n + 1) * sizeof *S->names);
    uint32_t *sc = gmdl__malloc((PGM_MAX_SCOPE + 1) * sizeof *sc);
    gmdl_status s = GMDL_OK;
    if (!S->newid || !cards || !S->sev || !S->names || !sc) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t v = 0; v < n; v++)
        if (S->keep[v]) {
            S->newid[v] = (uint32_t)nk;
            cards[nk] = bn->card[v];
            S->sev[nk] = evidence ? evidence[v] : -1;
            S->names[nk++] = bn->names[v];
        }
    if ((s = gmdl_mrf_create(&S->m, nk, cards, err)))
        goto done;
    for (size_t v = 0; v < n && !s; v++) {
        if (!S->keep[v])
            continue;
        if (bn->npar[v] + 1 > PGM_MAX_SCOPE) {
            s = gmdl__fail(err, GMDL_ELIMIT, "node %s has too many parents", bn->names[v]);
            break;
        }
        for (size_t k = 0; k < bn->npar[v]; k++)
            sc[k] = S->newid[bn->par[v][k]];
        sc[bn->npar[v]] = S->newid[v];
        s = gmdl_mrf_add_factor(S->m, bn->npar[v] + 1, sc, bn->cpt[v], err);
    }
done:
    gmdl__free(cards);
    gmdl__free(sc);
    return s;
}

/* Exact and VE queries. Only the ancestors of the target and the evidence matter: the other
 * nodes are barren (their CPTs sum to 1 whatever their parents), so dropping them keeps
 * P(target, e) and P(e) exact. */
static gmdl_status exact_query(const gmdl_bn *bn,
                               uint32_t target,
                               const int32_t *evidence,
                               const gmdl_query_config *cfg,
                               double *probs,
                               gmdl_query_stats *st,
                               gmdl_err *err) {
    sub_net S = {0};
    gmdl_status s = mark_ancestors(bn, target, evidence, &S, err);
    if (s || (s = sub_model(bn, evidence, &S, err))) {
        sub_net_free(&S);
        return s;
    }
    const gmdl_mrf *m = S.m;
    uint32_t t = S.newid[target];
    if (cfg->method == GMDL_QUERY_VE)
        s = gmdl__ve_run(m->nvars, m->card, m->nfactors, m->factors, S.sev, t, &cfg->exact, S.names,
                         &st->log_evidence, probs, err);
    else {
        double *marg = gmdl__malloc(gmdl_mrf_marginal_size(m) * sizeof *marg);
        if (!marg)
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        else
            s = gmdl__jt_run(m->nvars, m->card, m->nfactors, m->factors, S.sev, &cfg->exact,
                             S.names, &st->log_evidence, marg, NULL, err);
        if (!s) {
            size_t off = 0;
            for (uint32_t v = 0; v < t; v++)
                off += m->card[v];
            memcpy(probs, marg + off, bn->card[target] * sizeof *probs);
        }
        gmdl__free(marg);
    }
    sub_net_free(&S);
    return s;
}

gmdl_status gmdl_bn_query(double *probs,
                          gmdl_query_stats *stats,
                          const gmdl_bn *bn,
                          uint32_t target,
                          const int32_t *evidence,
                          const gmdl_query_config *cfg,
                          gmdl_err *err) {
    gmdl_query_config dc = gmdl_query_config_default();
    if (!cfg)
        cfg = &dc;
    if (target >= bn->nvars)
        return gmdl__fail(err, GMDL_EINVAL, "target node %u out of range", target);
    gmdl_status s = gmdl__check_evidence(bn->nvars, bn->card, evidence, err);
    if (s)
        return s;
    gmdl_query_stats st;
    memset(&st, 0, sizeof st);
    if (cfg->method == GMDL_QUERY_EXACT || cfg->method == GMDL_QUERY_VE)
        s = exact_query(bn, target, evidence, cfg, probs, &st, err);
    else
        s = gmdl__bn_sample_query(bn, target, evidence, cfg, probs, &st, err);
    if (!s && stats)
        *stats = st;
    return s;
}

gmdl_status gmdl_bn_marginals(double *marginals,
                              double *log_evidence,
                              const gmdl_bn *bn,
                              const int32_t *evidence,
                              const gmdl_exact_config *cfg,
                              gmdl_err *err) {
    gmdl_exact_config dc = gmdl_exact_config_default();
    gmdl_mrf *m;
    gmdl_status s = gmdl_bn_to_mrf(&m, bn, err);
    if (s)
        return s;
    s = gmdl__jt_run(m->nvars, m->card, m->nfactors, m->factors, evidence, cfg ? cfg : &dc,
                     (const char *const *)bn->names, log_evidence, marginals, NULL, err);
    gmdl_mrf_destroy(m);
    return s;
}
