/* bnlearn .dsc reader (the Microsoft Belief Network text format as bnlearn writes it):
 * `belief network "name"`, `node X { type : discrete [ 2 ] = { "a", "b" }; }`, `probability ( X
 * | A, B ) { (0, 1) : 0.2, 0.8; default : 0.5, 0.5; }` where a row names its parents' states by
 * index, and a parentless block holds the values alone; `//` comments; other node statements
 * (name, position) and `properties` blocks are skipped. */
#include <errno.h>

#include "fmt_lex.h"

/* Skips a statement up to its ';'. */
static gmdl_status skip_statement(fmt_lexer *L, gmdl_err *err) {
    for (;;) {
        gmdl__fmt_next(L);
        if (L->type == FT_EOF || gmdl__fmt_is(L, '}'))
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected ';' to end the statement", L->name,
                              L->tok_line);
        if (gmdl__fmt_is(L, ';'))
            return GMDL_OK;
    }
}

/* type : discrete [ N ] = { "a", "b" }; after the word type. */
static gmdl_status parse_type(fmt_lexer *L, vblock *V, gmdl_err *err) {
    gmdl_status s = gmdl__fmt_expect(L, ':', "after 'type'", err);
    if (!s && !(s = gmdl__fmt_word(L, "'discrete'", err)) && strcmp(L->tok, "discrete") != 0)
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "%s:%d: node '%s' has type '%s'; only discrete nodes are supported",
                          L->name, L->tok_line, V->name, L->tok);
    if (s || (s = gmdl__fmt_expect(L, '[', "before the number of states", err)) ||
        (s = gmdl__fmt_word(L, "the number of states", err)))
        return s;
    char *end;
    errno = 0;
    long long k = strtoll(L->tok, &end, 10);
    int kline = L->tok_line;
    if (end == L->tok || *end || errno || k < 1 || k > 1000000)
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected a positive number of states, got '%s'",
                          L->name, L->tok_line, L->tok);
    if ((s = gmdl__fmt_expect(L, ']', "after the number of states", err)) ||
        (s = gmdl__fmt_expect(L, '=', "before the states", err)) ||
        (s = gmdl__fmt_expect(L, '{', "before the states", err)))
        return s;
    for (;;) {
        if ((s = gmdl__fmt_word(L, "a state name", err)))
            return s;
        for (size_t i = 0; i < V->nstates; i++)
            if (strcmp(V->states[i], L->tok) == 0)
                return gmdl__fail(err, GMDL_ECORRUPT,
                                  "%s:%d: '%s' is listed twice in the states of '%s'", L->name,
                                  L->tok_line, L->tok, V->name);
        if (!gmdl__fmt_push_str(&V->states, &V->nstates, L->tok, strlen(L->tok)))
            return gmdl__fmt_oom(L->name, err);
        gmdl__fmt_next(L);
        if (gmdl__fmt_is(L, '}'))
            break;
        if (!gmdl__fmt_is(L, ','))
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: expected ',' or '}' in the states, got '%s'", L->name,
                              L->tok_line, gmdl__fmt_shown(L));
    }
    if ((long long)V->nstates != k)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: node '%s' declares %lld states but lists %zu",
                          L->name, kline, V->name, k, V->nstates);
    return gmdl__fmt_expect(L, ';', "after the states", err);
}

static gmdl_status parse_node(fmt_lexer *L, parsed *P, gmdl_err *err) {
    vblock *V = gmdl__fmt_add_var(P, L->tok_line);
    if (!V)
        return gmdl__fmt_oom(L->name, err);
    gmdl_status s = gmdl__fmt_word(L, "a node name", err);
    if (s)
        return s;
    if (!(V->name = gmdl__strdup(L->tok)))
        return gmdl__fmt_oom(L->name, err);
    if ((s = gmdl__fmt_expect(L, '{', "after the node name", err)))
        return s;
    for (;;) {
        gmdl__fmt_next(L);
        if (gmdl__fmt_is(L, '}'))
            break;
        if (L->type != FT_WORD)
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: expected a statement of node '%s', got '%s'", L->name,
                              L->tok_line, V->name, gmdl__fmt_shown(L));
        s = strcmp(L->tok, "type") == 0 ? parse_type(L, V, err) : skip_statement(L, err);
        if (s)
            return s;
    }
    if (V->nstates == 0)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: node '%s' has no type", L->name, V->line,
                          V->name);
    return GMDL_OK;
}

/* Numbers up to ';', the first already read when first is set. */
static gmdl_status parse_values(fmt_lexer *L, entry *E, int first, gmdl_err *err) {
    size_t cap = 0;
    for (;;) {
        if (!first)
            gmdl__fmt_next(L);
        first = 0;
        if (gmdl__fmt_is(L, ';'))
            return GMDL_OK;
        if (gmdl__fmt_is(L, ','))
            continue;
        if (L->type != FT_WORD)
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected a probability or ';', got '%s'",
                              L->name, L->tok_line, gmdl__fmt_shown(L));
        double x;
        gmdl_status s = gmdl__fmt_number(L->name, L->tok_line, L->tok, &x, err);
        if (s)
            return s;
        if (!gmdl__fmt_push_val(E, &cap, x))
            return gmdl__fmt_oom(L->name, err);
    }
}

/* One entry of a probability block, its first token read. */
static gmdl_status parse_entry(fmt_lexer *L, pblock *B, gmdl_err *err) {
    gmdl_status s;
    int kind = gmdl__fmt_is(L, '(')                                   ? 4
               : L->type == FT_WORD && strcmp(L->tok, "default") == 0 ? 2
                                                                      : 3;
    entry *E = gmdl__fmt_add_entry(B, L->tok_line, kind);
    if (!E)
        return gmdl__fmt_oom(L->name, err);
    if (kind == 3)
        return parse_values(L, E, 1, err);
    if (kind == 4)
        for (;;) {
            if ((s = gmdl__fmt_word(L, "a parent state index", err)))
                return s;
            if (!gmdl__fmt_push_str(&E->states, &E->nstates, L->tok, strlen(L->tok)))
                return gmdl__fmt_oom(L->name, err);
            gmdl__fmt_next(L);
            if (gmdl__fmt_is(L, ')'))
                break;
            if (!gmdl__fmt_is(L, ','))
                return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected ',' or ')' in a row, got '%s'",
                                  L->name, L->tok_line, gmdl__fmt_shown(L));
        }
    if ((s = gmdl__fmt_expect(L, ':', "before the row's probabilities", err)))
        return s;
    return parse_values(L, E, 0, err);
}

static gmdl_status parse_probability(fmt_lexer *L, parsed *P, gmdl_err *err) {
    pblock *B = gmdl__fmt_add_block(P, L->tok_line);
    if (!B)
        return gmdl__fmt_oom(L->name, err);
    gmdl_status s = gmdl__fmt_expect(L, '(', "after 'probability'", err);
    if (!s)
        s = gmdl__fmt_word(L, "a node name", err);
    if (s)
        return s;
    if (!(B->child = gmdl__strdup(L->tok)))
        return gmdl__fmt_oom(L->name, err);
    gmdl__fmt_next(L);
    if (gmdl__fmt_is(L, '|'))
        for (;;) {
            if ((s = gmdl__fmt_word(L, "a parent name", err)))
                return s;
            if (!gmdl__fmt_push_str(&B->par, &B->npar, L->tok, strlen(L->tok)))
                return gmdl__fmt_oom(L->name, err);
            gmdl__fmt_next(L);
            if (gmdl__fmt_is(L, ')'))
                break;
            if (!gmdl__fmt_is(L, ','))
                return gmdl__fail(err, GMDL_EPARSE,
                                  "%s:%d: expected ',' or ')' in the parents, got '%s'", L->name,
                                  L->tok_line, gmdl__fmt_shown(L));
        }
    else if (!gmdl__fmt_is(L, ')'))
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected '|' or ')' after '%s', got '%s'",
                          L->name, L->tok_line, B->child, gmdl__fmt_shown(L));
    if ((s = gmdl__fmt_expect(L, '{', "to open the probability block", err)))
        return s;
    for (;;) {
        gmdl__fmt_next(L);
        if (L->type == FT_EOF)
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: unexpected end of file in the probability block of '%s'",
                              L->name, L->tok_line, B->child);
        if (gmdl__fmt_is(L, '}'))
            return GMDL_OK;
        if ((s = parse_entry(L, B, err)))
            return s;
    }
}

/* properties { ... } and other brace blocks at the top level. */
static gmdl_status skip_block(fmt_lexer *L, gmdl_err *err) {
    gmdl_status s = gmdl__fmt_expect(L, '{', "to open the block", err);
    for (int depth = 1; !s && depth;) {
        gmdl__fmt_next(L);
        if (L->type == FT_EOF)
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: unexpected end of file in a block", L->name,
                              L->tok_line);
        depth += gmdl__fmt_is(L, '{') - gmdl__fmt_is(L, '}');
    }
    return s;
}

static gmdl_status parse_dsc_text(fmt_lexer *L, parsed *P, gmdl_err *err) {
    gmdl_status s = GMDL_OK;
    for (;;) {
        gmdl__fmt_next(L);
        if (L->type == FT_EOF)
            return GMDL_OK;
        if (L->type == FT_WORD && strcmp(L->tok, "belief") == 0) {
            if ((s = gmdl__fmt_word(L, "'network'", err)))
                return s;
            if (strcmp(L->tok, "network") != 0)
                return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected 'network' after 'belief'",
                                  L->name, L->tok_line);
            if ((s = gmdl__fmt_word(L, "the network's name", err)))
                return s;
        } else if (L->type == FT_WORD && strcmp(L->tok, "node") == 0) {
            if ((s = parse_node(L, P, err)))
                return s;
        } else if (L->type == FT_WORD && strcmp(L->tok, "probability") == 0) {
            if ((s = parse_probability(L, P, err)))
                return s;
        } else if (L->type == FT_WORD && strcmp(L->tok, "properties") == 0) {
            if ((s = skip_block(L, err)))
                return s;
        } else
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: expected 'belief network', 'node' or 'probability', got '%s'",
                              L->name, L->tok_line, gmdl__fmt_shown(L));
    }
}

gmdl_status
gmdl_bn_parse_dsc(gmdl_bn **out, const char *text, size_t len, const char *name, gmdl_err *err) {
    *out = NULL;
    fmt_lexer L = {
        .name = name ? name : "<dsc>", .p = text, .end = text + len, .comment = "//", .line = 1};
    parsed P;
    memset(&P, 0, sizeof P);
    gmdl_status s = parse_dsc_text(&L, &P, err);
    return gmdl__fmt_finish(out, L.name, &P, s, err);
}
