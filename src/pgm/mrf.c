/* Markov random fields: a list of log factors over discrete variables; the UAI competition file
 * format (MARKOV and BAYES) with .evid files; graph separation; the exact entry points. */
#include <errno.h>

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

void gmdl_mrf_graph(const gmdl_mrf *m, uint8_t *adj) {
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

gmdl_status gmdl_mrf_separated(const gmdl_mrf *m,
                               size_t na,
                               const uint32_t *a,
                               size_t nb,
                               const uint32_t *b,
                               size_t ns,
                               const uint32_t *s,
                               int *separated,
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
    gmdl_mrf_graph(m, adj);
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

/* ------------------------------------------------------------------ UAI reader */

typedef struct {
    const char *path;
    char *buf;
    size_t len, pos;
    int line;
    char tok[128];
} uai_lexer;

gmdl_status gmdl__slurp(const char *path, char **buf, size_t *len, gmdl_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return gmdl__fail(err, errno == ENOENT ? GMDL_ENOENT : GMDL_EIO, "%s: cannot open: %s",
                          path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *b = gmdl__malloc(cap + 1);
    if (!b) {
        fclose(f);
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (n == cap) {
            char *nb = gmdl__realloc(b, 2 * cap + 1);
            if (!nb) {
                gmdl__free(b);
                fclose(f);
                return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
            }
            b = nb;
            cap *= 2;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        gmdl__free(b);
        return gmdl__fail(err, GMDL_EIO, "%s: read error", path);
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return GMDL_OK;
}

/* Next whitespace-separated token; 0 at end of file. */
static int uai_next(uai_lexer *L) {
    while (L->pos < L->len && (L->buf[L->pos] == ' ' || L->buf[L->pos] == '\t' ||
                               L->buf[L->pos] == '\r' || L->buf[L->pos] == '\n')) {
        if (L->buf[L->pos] == '\n')
            L->line++;
        L->pos++;
    }
    if (L->pos >= L->len)
        return 0;
    size_t n = 0;
    while (L->pos < L->len && L->buf[L->pos] != ' ' && L->buf[L->pos] != '\t' &&
           L->buf[L->pos] != '\r' && L->buf[L->pos] != '\n') {
        if (n + 1 < sizeof L->tok)
            L->tok[n++] = L->buf[L->pos];
        L->pos++;
    }
    L->tok[n] = '\0';
    return 1;
}

static gmdl_status
uai_int(uai_lexer *L, const char *what, long long lo, long long hi, long long *out, gmdl_err *err) {
    if (!uai_next(L))
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: unexpected end of file, expected %s", L->path,
                          L->line, what);
    char *end;
    errno = 0;
    long long x = strtoll(L->tok, &end, 10);
    if (end == L->tok || *end || errno)
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected %s (an integer), got '%s'", L->path,
                          L->line, what, L->tok);
    if (x < lo || x > hi)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: %s is %lld, expected %lld..%lld", L->path,
                          L->line, what, x, lo, hi);
    *out = x;
    return GMDL_OK;
}

static gmdl_status uai_double(uai_lexer *L, const char *what, double *out, gmdl_err *err) {
    if (!uai_next(L))
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: unexpected end of file, expected %s", L->path,
                          L->line, what);
    char *end;
    errno = 0;
    double x = strtod(L->tok, &end);
    if (end == L->tok || *end || !isfinite(x))
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected %s (a number), got '%s'", L->path,
                          L->line, what, L->tok);
    if (x < 0.0)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: %s is negative (%g)", L->path, L->line, what,
                          x);
    *out = x;
    return GMDL_OK;
}

gmdl_status gmdl_mrf_read_uai(gmdl_mrf **out, const char *path, gmdl_err *err) {
    *out = NULL;
    uai_lexer L = {.path = path, .line = 1};
    gmdl_status s = gmdl__slurp(path, &L.buf, &L.len, err);
    if (s)
        return s;
    gmdl_mrf *m = NULL;
    uint32_t *card = NULL, **scopes = NULL;
    size_t *nscope = NULL;
    double *vals = NULL;
    long long nv = 0, nf = 0, x;
    int bayes = 0;
    if (!uai_next(&L)) {
        s = gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: empty file, expected MARKOV or BAYES", path,
                       L.line);
        goto done;
    }
    if (strcmp(L.tok, "MARKOV") == 0)
        bayes = 0;
    else if (strcmp(L.tok, "BAYES") == 0)
        bayes = 1;
    else {
        s = gmdl__fail(err, GMDL_ENOTOURS, "%s:%d: expected MARKOV or BAYES, got '%s'", path,
                       L.line, L.tok);
        goto done;
    }
    if ((s = uai_int(&L, "the number of variables", 0, 10000000, &nv, err)))
        goto done;
    card = gmdl__malloc((size_t)(nv ? nv : 1) * sizeof *card);
    if (!card) {
        s = gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (long long v = 0; v < nv; v++) {
        if ((s = uai_int(&L, "a domain size", 1, 1 << 30, &x, err)))
            goto done;
        card[v] = (uint32_t)x;
    }
    if ((s = uai_int(&L, "the number of factors", 0, 100000000, &nf, err)))
        goto done;
    scopes = gmdl__calloc((size_t)(nf ? nf : 1), sizeof *scopes);
    nscope = gmdl__calloc((size_t)(nf ? nf : 1), sizeof *nscope);
    if (!scopes || !nscope) {
        s = gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (long long f = 0; f < nf; f++) {
        if ((s = uai_int(&L, "a factor arity", 0, PGM_MAX_SCOPE, &x, err)))
            goto done;
        nscope[f] = (size_t)x;
        scopes[f] = gmdl__malloc((nscope[f] ? nscope[f] : 1) * sizeof **scopes);
        if (!scopes[f]) {
            s = gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
            goto done;
        }
        for (size_t k = 0; k < nscope[f]; k++) {
            if ((s = uai_int(&L, "a variable index", 0, nv - 1, &x, err)))
                goto done;
            scopes[f][k] = (uint32_t)x;
            for (size_t t = 0; t < k; t++)
                if (scopes[f][t] == scopes[f][k]) {
                    s = gmdl__fail(err, GMDL_ECORRUPT,
                                   "%s:%d: variable %lld appears twice in "
                                   "the scope of factor %lld",
                                   path, L.line, x, f);
                    goto done;
                }
        }
    }
    if ((s = gmdl_mrf_create(&m, (size_t)nv, card, err)))
        goto done;
    m->is_bayes = bayes;
    for (long long f = 0; f < nf; f++) {
        size_t want = 1;
        for (size_t k = 0; k < nscope[f]; k++)
            if (!gmdl__mul_ok(want, card[scopes[f][k]], &want) || want > ((size_t)1 << 32)) {
                s = gmdl__fail(err, GMDL_ELIMIT, "%s:%d: factor %lld is too large", path, L.line,
                               f);
                goto done;
            }
        int line0;
        if ((s = uai_int(&L, "a table size", 0, (long long)1 << 40, &x, err)))
            goto done;
        line0 = L.line;
        if ((size_t)x != want) {
            s = gmdl__fail(err, GMDL_ECORRUPT,
                           "%s:%d: factor %lld has %lld entries, expected "
                           "%zu (the product of its domain sizes)",
                           path, line0, f, x, want);
            goto done;
        }
        gmdl__free(vals);
        vals = gmdl__malloc(want * sizeof *vals);
        if (!vals) {
            s = gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
            goto done;
        }
        for (size_t i = 0; i < want; i++)
            if ((s = uai_double(&L, "a factor entry", &vals[i], err)))
                goto done;
        if ((s = gmdl_mrf_add_factor(m, nscope[f], scopes[f], vals, err))) {
            char tmp[sizeof err->msg];
            if (err) {
                memcpy(tmp, err->msg, sizeof tmp);
                s = gmdl__fail(err, s, "%s:%d: %s", path, line0, tmp);
            }
            goto done;
        }
    }
    if (uai_next(&L)) {
        s = gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: unexpected text '%s' after the last factor",
                       path, L.line, L.tok);
        goto done;
    }
    *out = m;
    m = NULL;
done:
    gmdl_mrf_destroy(m);
    if (scopes)
        for (long long f = 0; f < nf; f++)
            gmdl__free(scopes[f]);
    gmdl__free(scopes);
    gmdl__free(nscope);
    gmdl__free(card);
    gmdl__free(vals);
    gmdl__free(L.buf);
    return s;
}

gmdl_status
gmdl_mrf_read_evid(const gmdl_mrf *m, const char *path, int32_t *evidence, gmdl_err *err) {
    for (size_t v = 0; v < m->nvars; v++)
        evidence[v] = -1;
    uai_lexer L = {.path = path, .line = 1};
    gmdl_status s = gmdl__slurp(path, &L.buf, &L.len, err);
    if (s)
        return s;
    long long n = 0, v, x;
    size_t save_pos = L.pos;
    int save_line = L.line;
    if (!uai_next(&L)) /* an empty file means no evidence */
        goto done;
    L.pos = save_pos;
    L.line = save_line;
    if ((s = uai_int(&L, "the number of evidence variables", 0, (long long)m->nvars, &n, err)))
        goto done;
    for (long long i = 0; i < n; i++) {
        if ((s = uai_int(&L, "an evidence variable", 0, (long long)m->nvars - 1, &v, err)))
            goto done;
        if ((s = uai_int(&L, "an evidence value", 0, (long long)m->card[v] - 1, &x, err)))
            goto done;
        if (evidence[v] >= 0 && evidence[v] != (int32_t)x) {
            s = gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: variable %lld observed twice", path, L.line,
                           v);
            goto done;
        }
        evidence[v] = (int32_t)x;
    }
    if (uai_next(&L))
        s = gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: unexpected text '%s' after %lld evidence pairs",
                       path, L.line, L.tok, n);
done:
    gmdl__free(L.buf);
    return s;
}

/* ------------------------------------------------------------------ exact entry points */

gmdl_status
gmdl__check_evidence(size_t nvars, const uint32_t *card, const int32_t *evidence, gmdl_err *err) {
    if (!evidence)
        return GMDL_OK;
    for (size_t v = 0; v < nvars; v++)
        if (evidence[v] >= (int32_t)card[v] || evidence[v] < -1)
            return gmdl__fail(err, GMDL_EINVAL,
                              "evidence state %d of variable %zu is out of range"
                              " (cardinality %u)",
                              evidence[v], v, card[v]);
    return GMDL_OK;
}

gmdl_status gmdl_mrf_exact(const gmdl_mrf *m,
                           const int32_t *evidence,
                           const gmdl_exact_config *cfg,
                           double *log_z,
                           double *marginals,
                           gmdl_exact_stats *stats,
                           gmdl_err *err) {
    gmdl_exact_config dc = gmdl_exact_config_default();
    return gmdl__jt_run(m->nvars, m->card, m->nfactors, m->factors, evidence, cfg ? cfg : &dc, NULL,
                        log_z, marginals, stats, err);
}

gmdl_status gmdl_mrf_ve(const gmdl_mrf *m,
                        const int32_t *evidence,
                        uint32_t target,
                        const gmdl_exact_config *cfg,
                        double *log_z,
                        double *probs,
                        gmdl_err *err) {
    gmdl_exact_config dc = gmdl_exact_config_default();
    return gmdl__ve_run(m->nvars, m->card, m->nfactors, m->factors, evidence, target,
                        cfg ? cfg : &dc, NULL, log_z, probs, err);
}
