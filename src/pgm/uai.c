/* The UAI inference-competition file format: MARKOV and BAYES model files (gmdl_mrf_read_uai) and
 * .evid evidence files (gmdl_mrf_read_evid), read with line numbers in every error. */
#include <errno.h>

#include "pgm_internal.h"

typedef struct {
    const char *path;
    char *buf;
    size_t len, pos;
    int line;
    char tok[128];
} uai_lexer;

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

/* The preamble and scopes of a UAI model file. */
typedef struct {
    long long nv, nf;
    int bayes;
    uint32_t *card;    /* nv domain sizes */
    uint32_t **scopes; /* nf scopes, nscope[f] variables each */
    size_t *nscope;
} uai_head;

static void uai_head_free(uai_head *H) {
    if (H->scopes)
        for (long long f = 0; f < H->nf; f++)
            gmdl__free(H->scopes[f]);
    gmdl__free(H->scopes);
    gmdl__free(H->nscope);
    gmdl__free(H->card);
}

/* MARKOV or BAYES, the number of variables and their domain sizes. */
static gmdl_status uai_preamble(uai_lexer *L, uai_head *H, gmdl_err *err) {
    const char *path = L->path;
    long long x;
    if (!uai_next(L))
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: empty file, expected MARKOV or BAYES", path,
                          L->line);
    if (strcmp(L->tok, "MARKOV") == 0)
        H->bayes = 0;
    else if (strcmp(L->tok, "BAYES") == 0)
        H->bayes = 1;
    else
        return gmdl__fail(err, GMDL_ENOTOURS, "%s:%d: expected MARKOV or BAYES, got '%s'", path,
                          L->line, L->tok);
    gmdl_status s = uai_int(L, "the number of variables", 0, 10000000, &H->nv, err);
    if (s)
        return s;
    H->card = gmdl__malloc((size_t)(H->nv ? H->nv : 1) * sizeof *H->card);
    if (!H->card)
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
    for (long long v = 0; v < H->nv; v++) {
        if ((s = uai_int(L, "a domain size", 1, 1 << 30, &x, err)))
            return s;
        H->card[v] = (uint32_t)x;
    }
    return GMDL_OK;
}

/* The number of factors and their scopes. */
static gmdl_status uai_scopes(uai_lexer *L, uai_head *H, gmdl_err *err) {
    const char *path = L->path;
    long long x;
    gmdl_status s = uai_int(L, "the number of factors", 0, 100000000, &H->nf, err);
    if (s)
        return s;
    size_t nf = (size_t)(H->nf ? H->nf : 1);
    H->scopes = gmdl__calloc(nf, sizeof *H->scopes);
    H->nscope = gmdl__calloc(nf, sizeof *H->nscope);
    if (!H->scopes || !H->nscope)
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
    for (long long f = 0; f < H->nf; f++) {
        if ((s = uai_int(L, "a factor arity", 0, PGM_MAX_SCOPE, &x, err)))
            return s;
        size_t n = H->nscope[f] = (size_t)x;
        uint32_t *sc = H->scopes[f] = gmdl__malloc((n ? n : 1) * sizeof **H->scopes);
        if (!sc)
            return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
        for (size_t k = 0; k < n; k++) {
            if ((s = uai_int(L, "a variable index", 0, H->nv - 1, &x, err)))
                return s;
            sc[k] = (uint32_t)x;
            for (size_t t = 0; t < k; t++)
                if (sc[t] == sc[k])
                    return gmdl__fail(err, GMDL_ECORRUPT,
                                      "%s:%d: variable %lld appears twice in "
                                      "the scope of factor %lld",
                                      path, L->line, x, f);
        }
    }
    return GMDL_OK;
}

/* In a BAYES file factor f is the CPT of the last variable of its scope, which varies fastest in
 * the table: each run of its states' entries is a distribution and must sum to 1. The tolerance
 * allows tables printed to 6 significant digits. */
#define UAI_CPT_TOL 1e-3
static gmdl_status uai_cpt_check(const uai_lexer *L,
                                 const uai_head *H,
                                 long long f,
                                 int line,
                                 const double *vals,
                                 size_t n,
                                 gmdl_err *err) {
    if (H->nscope[f] == 0)
        return gmdl__fail(err, GMDL_ECORRUPT,
                          "%s:%d: factor %lld of a BAYES file has an empty scope", L->path, line,
                          f);
    size_t child = (size_t)H->scopes[f][H->nscope[f] - 1], c = (size_t)H->card[child];
    for (size_t r = 0; r < n; r += c) {
        double sum = 0;
        for (size_t k = 0; k < c; k++)
            sum += vals[r + k];
        if (!(fabs(sum - 1) <= UAI_CPT_TOL))
            return gmdl__fail(
                err, GMDL_ECORRUPT,
                "%s:%d: factor %lld (the CPT of variable %zu in a BAYES file): row %zu "
                "sums to %g, not 1",
                L->path, line, f, child, r / c, sum);
    }
    return GMDL_OK;
}

/* The factor tables, added to m in file order; nothing may follow the last. */
static gmdl_status uai_tables(uai_lexer *L, const uai_head *H, gmdl_mrf *m, gmdl_err *err) {
    const char *path = L->path;
    double *vals = NULL;
    gmdl_status s = GMDL_OK;
    long long x = 0;
    for (long long f = 0; f < H->nf && !s; f++) {
        size_t want = 1;
        for (size_t k = 0; k < H->nscope[f]; k++)
            if (!gmdl__mul_ok(want, H->card[H->scopes[f][k]], &want) || want > ((size_t)1 << 32)) {
                s = gmdl__fail(err, GMDL_ELIMIT, "%s:%d: factor %lld is too large", path, L->line,
                               f);
                break;
            }
        if (s || (s = uai_int(L, "a table size", 0, (long long)1 << 40, &x, err)))
            break;
        int line0 = L->line;
        if ((size_t)x != want) {
            s = gmdl__fail(err, GMDL_ECORRUPT,
                           "%s:%d: factor %lld has %lld entries, expected "
                           "%zu (the product of its domain sizes)",
                           path, line0, f, x, want);
            break;
        }
        gmdl__free(vals);
        if (!(vals = gmdl__malloc(want * sizeof *vals))) {
            s = gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
            break;
        }
        for (size_t i = 0; i < want && !s; i++)
            s = uai_double(L, "a factor entry", &vals[i], err);
        if (!s && H->bayes)
            s = uai_cpt_check(L, H, f, line0, vals, want, err);
        if (!s && (s = gmdl_mrf_add_factor(m, H->nscope[f], H->scopes[f], vals, err)) && err) {
            char tmp[sizeof err->msg];
            memcpy(tmp, err->msg, sizeof tmp);
            s = gmdl__fail(err, s, "%s:%d: %s", path, line0, tmp);
        }
    }
    gmdl__free(vals);
    if (!s && uai_next(L))
        s = gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: unexpected text '%s' after the last factor",
                       path, L->line, L->tok);
    return s;
}

gmdl_status gmdl_mrf_read_uai(gmdl_mrf **out, const char *path, gmdl_err *err) {
    *out = NULL;
    uai_lexer L = {.path = path, .line = 1};
    gmdl_status s = gmdl__slurp(path, &L.buf, &L.len, err);
    if (s)
        return s;
    gmdl_mrf *m = NULL;
    uai_head H = {0};
    if (!(s = uai_preamble(&L, &H, err)) && !(s = uai_scopes(&L, &H, err)) &&
        !(s = gmdl_mrf_create(&m, (size_t)H.nv, H.card, err))) {
        m->is_bayes = H.bayes;
        if (!(s = uai_tables(&L, &H, m, err))) {
            *out = m;
            m = NULL;
        }
    }
    gmdl_mrf_destroy(m);
    uai_head_free(&H);
    gmdl__free(L.buf);
    return s;
}

gmdl_status
gmdl_mrf_read_evid(int32_t *evidence, const gmdl_mrf *m, const char *path, gmdl_err *err) {
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
