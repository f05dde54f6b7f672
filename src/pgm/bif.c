/* BIF reader (the dialect of the bnlearn repository): network, variable and probability blocks,
 * property lines, // and C comments, `table`, `default` and parent-state rows. Two phases: the
 * text is parsed into blocks here (syntax errors carry the line), then names are resolved and the
 * net validated in bif_resolve.c (unknown names, cycles, wrong counts, negative or non-normalised
 * rows, missing or repeated rows), also with the line of the offending block or row. */
#include "bif.h"

#include <errno.h>

enum { T_EOF, T_WORD, T_STRING, T_PUNCT };

typedef struct {
    const char *name; /* file name for messages */
    const char *p, *end;
    int line;
    int type;
    char tok[256];
    int tok_line;
    int pending; /* a token was pushed back */
} lexer;

static void lex_next(lexer *L) {
    if (L->pending) {
        L->pending = 0;
        return;
    }
    for (;;) {
        while (L->p < L->end && (*L->p == ' ' || *L->p == '\t' || *L->p == '\r' || *L->p == '\n' ||
                                 *L->p == '\f' || *L->p == '\v')) {
            if (*L->p == '\n')
                L->line++;
            L->p++;
        }
        if (L->p + 1 < L->end && L->p[0] == '/' && L->p[1] == '/') {
            while (L->p < L->end && *L->p != '\n')
                L->p++;
            continue;
        }
        if (L->p + 1 < L->end && L->p[0] == '/' && L->p[1] == '*') {
            L->p += 2;
            while (L->p + 1 < L->end && !(L->p[0] == '*' && L->p[1] == '/')) {
                if (*L->p == '\n')
                    L->line++;
                L->p++;
            }
            L->p = L->p + 1 < L->end ? L->p + 2 : L->end;
            continue;
        }
        break;
    }
    L->tok_line = L->line;
    if (L->p >= L->end) {
        L->type = T_EOF;
        L->tok[0] = '\0';
        return;
    }
    char c = *L->p;
    if (strchr("{}()[];,|", c)) {
        L->type = T_PUNCT;
        L->tok[0] = c;
        L->tok[1] = '\0';
        L->p++;
        return;
    }
    size_t n = 0;
    if (c == '"') {
        L->type = T_STRING;
        L->p++;
        while (L->p < L->end && *L->p != '"') {
            if (*L->p == '\n')
                L->line++;
            if (n + 1 < sizeof L->tok)
                L->tok[n++] = *L->p;
            L->p++;
        }
        if (L->p < L->end)
            L->p++;
        L->tok[n] = '\0';
        return;
    }
    L->type = T_WORD;
    while (L->p < L->end && !strchr("{}()[];,|\" \t\r\n\f\v", *L->p)) {
        if (n + 1 < sizeof L->tok)
            L->tok[n++] = *L->p;
        L->p++;
    }
    L->tok[n] = '\0';
}

static int is_punct(const lexer *L, char c) {
    return L->type == T_PUNCT && L->tok[0] == c;
}

static gmdl_status expect(lexer *L, char c, const char *ctx, gmdl_err *err) {
    lex_next(L);
    if (L->type == T_EOF)
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: unexpected end of file, expected '%c' %s",
                          L->name, L->tok_line, c, ctx);
    if (!is_punct(L, c))
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected '%c' %s, got '%s'", L->name,
                          L->tok_line, c, ctx, L->tok);
    return GMDL_OK;
}

static gmdl_status expect_word(lexer *L, const char *ctx, gmdl_err *err) {
    lex_next(L);
    if (L->type == T_EOF)
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: unexpected end of file, expected %s", L->name,
                          L->tok_line, ctx);
    if (L->type != T_WORD && L->type != T_STRING)
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected %s, got '%s'", L->name, L->tok_line,
                          ctx, L->tok);
    return GMDL_OK;
}

/* Skips to the ';' that ends a property (or other ignored) statement. */
static gmdl_status skip_statement(lexer *L, gmdl_err *err) {
    for (;;) {
        lex_next(L);
        if (L->type == T_EOF)
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: unexpected end of file in a property",
                              L->name, L->tok_line);
        if (is_punct(L, ';'))
            return GMDL_OK;
        if (is_punct(L, '}'))
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected ';' to end the statement", L->name,
                              L->tok_line);
    }
}

/* ------------------------------------------------------------------ parsed blocks */

static void free_strs(char **s, size_t n) {
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        gmdl__free(s[i]);
    gmdl__free(s);
}

void gmdl__bif_parsed_free(parsed *P) {
    for (size_t i = 0; i < P->nv; i++) {
        gmdl__free(P->v[i].name);
        free_strs(P->v[i].states, P->v[i].nstates);
    }
    for (size_t i = 0; i < P->np; i++) {
        pblock *b = &P->pb[i];
        gmdl__free(b->child);
        free_strs(b->par, b->npar);
        for (size_t e = 0; e < b->nent; e++) {
            free_strs(b->ent[e].states, b->ent[e].nstates);
            gmdl__free(b->ent[e].vals);
        }
        gmdl__free(b->ent);
    }
    gmdl__free(P->v);
    gmdl__free(P->pb);
}

/* Appends a copy of s to a growing string list. */
static int push_str(char ***list, size_t *n, const char *s) {
    char **nl = gmdl__realloc(*list, (*n + 1) * sizeof *nl);
    if (!nl)
        return 0;
    *list = nl;
    if (!(nl[*n] = gmdl__strdup(s)))
        return 0;
    (*n)++;
    return 1;
}

static gmdl_status oom(const lexer *L, gmdl_err *err) {
    return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", L->name);
}

/* Reads words separated by ',' up to the punctuation `close`, appending a copy of each to *list.
 * `what` names one word for errors ("a state name"), `where` the list ("the states"), `owner`
 * the variable it belongs to; with `unique`, a word listed twice is an error. */
static gmdl_status parse_word_list(lexer *L,
                                   const char *what,
                                   char close,
                                   const char *where,
                                   const char *owner,
                                   int unique,
                                   char ***list,
                                   size_t *n,
                                   gmdl_err *err) {
    gmdl_status s;
    for (;;) {
        if ((s = expect_word(L, what, err)))
            return s;
        if (unique)
            for (size_t i = 0; i < *n; i++)
                if (strcmp((*list)[i], L->tok) == 0)
                    return gmdl__fail(err, GMDL_ECORRUPT,
                                      "%s:%d: '%s' is listed twice in %s of '%s'", L->name,
                                      L->tok_line, L->tok, where, owner);
        if (!push_str(list, n, L->tok))
            return oom(L, err);
        lex_next(L);
        if (is_punct(L, close))
            return GMDL_OK;
        if (!is_punct(L, ','))
            return gmdl__fail(
                err, GMDL_EPARSE, "%s:%d: expected ',' or '%c' in %s of '%s', got '%s'", L->name,
                L->tok_line, close, where, owner, L->type == T_EOF ? "end of file" : L->tok);
    }
}

static gmdl_status parse_variable(lexer *L, parsed *P, gmdl_err *err) {
    gmdl_status s;
    int line = L->tok_line;
    if ((s = expect_word(L, "a variable name", err)))
        return s;
    if (P->nv == P->capv) {
        size_t nc = P->capv ? 2 * P->capv : 16;
        vblock *nv = gmdl__realloc(P->v, nc * sizeof *nv);
        if (!nv)
            return oom(L, err);
        P->v = nv;
        P->capv = nc;
    }
    vblock *V = &P->v[P->nv];
    memset(V, 0, sizeof *V);
    V->line = line;
    if (!(V->name = gmdl__strdup(L->tok)))
        return oom(L, err);
    P->nv++;
    if ((s = expect(L, '{', "after the variable name", err)))
        return s;
    int have_type = 0;
    for (;;) {
        lex_next(L);
        if (L->type == T_EOF)
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: unexpected end of file in variable '%s'",
                              L->name, L->tok_line, V->name);
        if (is_punct(L, '}'))
            break;
        if (L->type == T_WORD && strcmp(L->tok, "property") == 0) {
            if ((s = skip_statement(L, err)))
                return s;
            continue;
        }
        if (L->type != T_WORD || strcmp(L->tok, "type") != 0)
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: expected 'type' or 'property' in "
                              "variable '%s', got '%s'",
                              L->name, L->tok_line, V->name, L->tok);
        if ((s = expect_word(L, "'discrete'", err)))
            return s;
        if (strcmp(L->tok, "discrete") != 0)
            return gmdl__fail(err, GMDL_EUNSUPPORTED,
                              "%s:%d: variable '%s' has type '%s'; only "
                              "discrete variables are supported",
                              L->name, L->tok_line, V->name, L->tok);
        if ((s = expect(L, '[', "before the number of states", err)))
            return s;
        if ((s = expect_word(L, "the number of states", err)))
            return s;
        char *end;
        errno = 0;
        long long k = strtoll(L->tok, &end, 10);
        int kline = L->tok_line;
        if (end == L->tok || *end || errno || k < 1 || k > 1000000)
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: expected a positive number of states, "
                              "got '%s'",
                              L->name, L->tok_line, L->tok);
        if ((s = expect(L, ']', "after the number of states", err)) ||
            (s = expect(L, '{', "before the state names", err)))
            return s;
        if ((s = parse_word_list(L, "a state name", '}', "the states", V->name, 1, &V->states,
                                 &V->nstates, err)))
            return s;
        if ((long long)V->nstates != k)
            return gmdl__fail(err, GMDL_ECORRUPT,
                              "%s:%d: variable '%s' declares %lld states but "
                              "lists %zu",
                              L->name, kline, V->name, k, V->nstates);
        if ((s = expect(L, ';', "after the state names", err)))
            return s;
        have_type = 1;
    }
    if (!have_type)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: variable '%s' has no type", L->name, line,
                          V->name);
    return GMDL_OK;
}

/* Reads numbers (separated by commas or blanks) up to ';'. */
static gmdl_status parse_numbers(lexer *L, entry *E, gmdl_err *err) {
    size_t cap = 0;
    for (;;) {
        lex_next(L);
        if (L->type == T_EOF)
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: unexpected end of file in a table of "
                              "probabilities",
                              L->name, L->tok_line);
        if (is_punct(L, ';'))
            return GMDL_OK;
        if (is_punct(L, ','))
            continue;
        if (L->type != T_WORD)
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected a probability or ';', got '%s'",
                              L->name, L->tok_line, L->tok);
        char *end;
        errno = 0;
        double x = strtod(L->tok, &end);
        if (end == L->tok || *end || !isfinite(x))
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: '%s' is not a number", L->name, L->tok_line,
                              L->tok);
        if (x < 0.0)
            return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: negative probability %s", L->name,
                              L->tok_line, L->tok);
        if (E->nvals == cap) {
            cap = cap ? 2 * cap : 8;
            double *nv = gmdl__realloc(E->vals, cap * sizeof *nv);
            if (!nv)
                return oom(L, err);
            E->vals = nv;
        }
        E->vals[E->nvals++] = x;
    }
}

static gmdl_status parse_probability(lexer *L, parsed *P, gmdl_err *err) {
    gmdl_status s;
    if (P->np == P->capp) {
        size_t nc = P->capp ? 2 * P->capp : 16;
        pblock *nb = gmdl__realloc(P->pb, nc * sizeof *nb);
        if (!nb)
            return oom(L, err);
        P->pb = nb;
        P->capp = nc;
    }
    pblock *B = &P->pb[P->np];
    memset(B, 0, sizeof *B);
    B->line = L->tok_line;
    P->np++;
    if ((s = expect(L, '(', "after 'probability'", err)) ||
        (s = expect_word(L, "a variable name", err)))
        return s;
    if (!(B->child = gmdl__strdup(L->tok)))
        return oom(L, err);
    lex_next(L);
    if (is_punct(L, '|')) {
        if ((s = parse_word_list(L, "a parent name", ')', "the parents", B->child, 0, &B->par,
                                 &B->npar, err)))
            return s;
    } else if (!is_punct(L, ')'))
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected '|' or ')' after '%s', got '%s'",
                          L->name, L->tok_line, B->child,
                          L->type == T_EOF ? "end of file" : L->tok);
    if ((s = expect(L, '{', "to open the probability block", err)))
        return s;
    size_t cap = 0;
    for (;;) {
        lex_next(L);
        if (L->type == T_EOF)
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: unexpected end of file in the probability "
                              "block of '%s'",
                              L->name, L->tok_line, B->child);
        if (is_punct(L, '}'))
            break;
        if (L->type == T_WORD && strcmp(L->tok, "property") == 0) {
            if ((s = skip_statement(L, err)))
                return s;
            continue;
        }
        if (B->nent == cap) {
            cap = cap ? 2 * cap : 8;
            entry *ne = gmdl__realloc(B->ent, cap * sizeof *ne);
            if (!ne)
                return oom(L, err);
            B->ent = ne;
        }
        entry *E = &B->ent[B->nent++];
        memset(E, 0, sizeof *E);
        E->line = L->tok_line;
        if (L->type == T_WORD && strcmp(L->tok, "table") == 0)
            E->kind = 1;
        else if (L->type == T_WORD && strcmp(L->tok, "default") == 0)
            E->kind = 2;
        else if (is_punct(L, '(')) {
            E->kind = 0;
            if ((s = parse_word_list(L, "a parent state", ')', "a row", B->child, 0, &E->states,
                                     &E->nstates, err)))
                return s;
        } else
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: expected 'table', 'default' or '(' in "
                              "the probability block of '%s', got '%s'",
                              L->name, L->tok_line, B->child, L->tok);
        if ((s = parse_numbers(L, E, err)))
            return s;
    }
    return GMDL_OK;
}

static gmdl_status parse_text(lexer *L, parsed *P, gmdl_err *err) {
    gmdl_status s;
    for (;;) {
        lex_next(L);
        if (L->type == T_EOF)
            return GMDL_OK;
        if (L->type == T_WORD && strcmp(L->tok, "network") == 0) {
            /* name (possibly several words) then a block of properties */
            do
                lex_next(L);
            while (L->type == T_WORD || L->type == T_STRING);
            if (!is_punct(L, '{'))
                return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected '{' after the network name",
                                  L->name, L->tok_line);
            int depth = 1;
            while (depth) {
                lex_next(L);
                if (L->type == T_EOF)
                    return gmdl__fail(err, GMDL_EPARSE,
                                      "%s:%d: unexpected end of file in the "
                                      "network block",
                                      L->name, L->tok_line);
                if (is_punct(L, '{'))
                    depth++;
                else if (is_punct(L, '}'))
                    depth--;
            }
        } else if (L->type == T_WORD && strcmp(L->tok, "variable") == 0) {
            if ((s = parse_variable(L, P, err)))
                return s;
        } else if (L->type == T_WORD && strcmp(L->tok, "probability") == 0) {
            if ((s = parse_probability(L, P, err)))
                return s;
        } else
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: expected 'network', 'variable' or "
                              "'probability', got '%s'",
                              L->name, L->tok_line, L->tok);
    }
}

gmdl_status
gmdl_bn_parse_bif(gmdl_bn **out, const char *text, size_t len, const char *name, gmdl_err *err) {
    *out = NULL;
    lexer L = {.name = name ? name : "<bif>", .p = text, .end = text + len, .line = 1};
    parsed P;
    memset(&P, 0, sizeof P);
    gmdl_status s = parse_text(&L, &P, err);
    if (!s)
        s = gmdl__bif_resolve(out, L.name, &P, err);
    gmdl__bif_parsed_free(&P);
    return s;
}

gmdl_status gmdl_bn_read_bif(gmdl_bn **out, const char *path, gmdl_err *err) {
    *out = NULL;
    char *buf;
    size_t len;
    gmdl_status s = gmdl__slurp(path, &buf, &len, err);
    if (s)
        return s;
    s = gmdl_bn_parse_bif(out, buf, len, path, err);
    gmdl__free(buf);
    return s;
}
