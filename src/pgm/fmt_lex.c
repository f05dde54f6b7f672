/* What the Hugin .net, bnlearn .dsc and XMLBIF readers share: a lexer for the two C-like formats
 * (words, quoted strings, punctuation, line comments) and the builders of the parsed blocks that
 * the BIF resolution (bif_resolve.c) turns into a validated net. */
#include "fmt_lex.h"

#include <errno.h>

void gmdl__fmt_next(fmt_lexer *L) {
    for (;;) {
        while (L->p < L->end && (*L->p == ' ' || *L->p == '\t' || *L->p == '\r' || *L->p == '\n' ||
                                 *L->p == '\f' || *L->p == '\v')) {
            if (*L->p == '\n')
                L->line++;
            L->p++;
        }
        size_t cl = strlen(L->comment);
        if (cl && (size_t)(L->end - L->p) >= cl && memcmp(L->p, L->comment, cl) == 0) {
            while (L->p < L->end && *L->p != '\n')
                L->p++;
            continue;
        }
        break;
    }
    L->tok_line = L->line;
    L->tok[0] = '\0';
    if (L->p >= L->end) {
        L->type = FT_EOF;
        return;
    }
    char c = *L->p;
    size_t n = 0;
    if (strchr(FMT_PUNCT, c)) {
        L->type = FT_PUNCT;
        L->tok[0] = c;
        L->tok[1] = '\0';
        L->p++;
        return;
    }
    if (c == '"') {
        L->type = FT_STRING;
        L->p++;
        while (L->p < L->end && *L->p != '"') {
            if (*L->p == '\n')
                L->line++;
            if (n + 1 < sizeof L->tok)
                L->tok[n++] = *L->p;
            L->p++;
        }
        L->unterminated = L->p >= L->end;
        if (L->p < L->end)
            L->p++;
        L->tok[n] = '\0';
        return;
    }
    L->type = FT_WORD;
    while (L->p < L->end && !strchr(FMT_PUNCT "\" \t\r\n\f\v", *L->p)) {
        if (n + 1 < sizeof L->tok)
            L->tok[n++] = *L->p;
        L->p++;
    }
    L->tok[n] = '\0';
}

int gmdl__fmt_is(const fmt_lexer *L, char c) {
    return L->type == FT_PUNCT && L->tok[0] == c;
}

const char *gmdl__fmt_shown(const fmt_lexer *L) {
    return L->type == FT_EOF ? "end of file" : L->tok;
}

gmdl_status gmdl__fmt_expect(fmt_lexer *L, char c, const char *ctx, gmdl_err *err) {
    gmdl__fmt_next(L);
    if (!gmdl__fmt_is(L, c))
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected '%c' %s, got '%s'", L->name,
                          L->tok_line, c, ctx, gmdl__fmt_shown(L));
    return GMDL_OK;
}

gmdl_status gmdl__fmt_word(fmt_lexer *L, const char *ctx, gmdl_err *err) {
    gmdl__fmt_next(L);
    if (L->type == FT_STRING && L->unterminated)
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: unterminated string", L->name, L->tok_line);
    if (L->type != FT_WORD && L->type != FT_STRING)
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected %s, got '%s'", L->name, L->tok_line,
                          ctx, gmdl__fmt_shown(L));
    return GMDL_OK;
}

gmdl_status gmdl__fmt_oom(const char *name, gmdl_err *err) {
    return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", name);
}

int gmdl__fmt_push_str(char ***list, size_t *n, const char *s, size_t len) {
    char **nl = gmdl__realloc(*list, (*n + 1) * sizeof *nl);
    if (!nl)
        return 0;
    *list = nl;
    if (!(nl[*n] = gmdl__malloc(len + 1)))
        return 0;
    memcpy(nl[*n], s, len);
    nl[*n][len] = '\0';
    (*n)++;
    return 1;
}

gmdl_status
gmdl__fmt_number(const char *name, int line, const char *tok, double *x, gmdl_err *err) {
    char *end;
    errno = 0;
    double v = strtod(tok, &end);
    if (end == tok || *end || !isfinite(v))
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: '%s' is not a number", name, line, tok);
    if (v < 0.0)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: negative probability %s", name, line, tok);
    *x = v;
    return GMDL_OK;
}

int gmdl__fmt_push_val(entry *E, size_t *cap, double x) {
    if (E->nvals == *cap) {
        size_t nc = *cap ? 2 * *cap : 8;
        double *nv = gmdl__realloc(E->vals, nc * sizeof *nv);
        if (!nv)
            return 0;
        E->vals = nv;
        *cap = nc;
    }
    E->vals[E->nvals++] = x;
    return 1;
}

vblock *gmdl__fmt_add_var(parsed *P, int line) {
    if (P->nv == P->capv) {
        size_t nc = P->capv ? 2 * P->capv : 16;
        vblock *nv = gmdl__realloc(P->v, nc * sizeof *nv);
        if (!nv)
            return NULL;
        P->v = nv;
        P->capv = nc;
    }
    vblock *V = &P->v[P->nv++];
    memset(V, 0, sizeof *V);
    V->line = line;
    return V;
}

pblock *gmdl__fmt_add_block(parsed *P, int line) {
    if (P->np == P->capp) {
        size_t nc = P->capp ? 2 * P->capp : 16;
        pblock *nb = gmdl__realloc(P->pb, nc * sizeof *nb);
        if (!nb)
            return NULL;
        P->pb = nb;
        P->capp = nc;
    }
    pblock *B = &P->pb[P->np++];
    memset(B, 0, sizeof *B);
    B->line = line;
    return B;
}

entry *gmdl__fmt_add_entry(pblock *B, int line, int kind) {
    entry *ne = gmdl__realloc(B->ent, (B->nent + 1) * sizeof *ne);
    if (!ne)
        return NULL;
    B->ent = ne;
    entry *E = &ne[B->nent++];
    memset(E, 0, sizeof *E);
    E->line = line;
    E->kind = kind;
    return E;
}

gmdl_status
gmdl__fmt_finish(gmdl_bn **out, const char *name, parsed *P, gmdl_status s, gmdl_err *err) {
    if (!s)
        s = gmdl__bif_resolve(out, name, P, err);
    gmdl__bif_parsed_free(P);
    return s;
}
