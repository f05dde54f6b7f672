/* Hugin .net reader (the NET language of Hugin's API manual, the subset that describes a discrete
 * Bayes net): `net { ... }`, `node X { states = ("a" "b"); ... }`, `potential (X | A B) { data =
 * ((...) (...)); }`, `%` comments; attributes other than states and data are skipped. The data
 * are nested lists whose flattened order is the parents' configurations (first parent slowest)
 * with the child fastest. Continuous, decision and utility nodes and classes are refused. */
#include "fmt_lex.h"

/* Skips an attribute's value up to its ';' (parentheses may nest). */
static gmdl_status skip_value(fmt_lexer *L, gmdl_err *err) {
    int depth = 0;
    for (;;) {
        gmdl__fmt_next(L);
        if (L->type == FT_EOF)
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: unexpected end of file in an attribute",
                              L->name, L->tok_line);
        if (gmdl__fmt_is(L, '(') || gmdl__fmt_is(L, '{'))
            depth++;
        else if (gmdl__fmt_is(L, ')') || gmdl__fmt_is(L, '}')) {
            if (--depth < 0)
                return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected ';' to end the attribute",
                                  L->name, L->tok_line);
        } else if (gmdl__fmt_is(L, ';') && depth == 0)
            return GMDL_OK;
    }
}

/* states = ( "a" "b" ... ); after the '='. */
static gmdl_status parse_states(fmt_lexer *L, vblock *V, gmdl_err *err) {
    gmdl_status s = gmdl__fmt_expect(L, '(', "before the states", err);
    for (;;) {
        if (s)
            return s;
        gmdl__fmt_next(L);
        if (gmdl__fmt_is(L, ')'))
            return gmdl__fmt_expect(L, ';', "after the states", err);
        if (gmdl__fmt_is(L, ','))
            continue;
        if (L->type != FT_STRING && L->type != FT_WORD)
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected a state name or ')', got '%s'",
                              L->name, L->tok_line, gmdl__fmt_shown(L));
        for (size_t i = 0; i < V->nstates; i++)
            if (strcmp(V->states[i], L->tok) == 0)
                return gmdl__fail(err, GMDL_ECORRUPT,
                                  "%s:%d: '%s' is listed twice in the states of '%s'", L->name,
                                  L->tok_line, L->tok, V->name);
        if (!gmdl__fmt_push_str(&V->states, &V->nstates, L->tok, strlen(L->tok)))
            return gmdl__fmt_oom(L->name, err);
    }
}

/* The body of a node block after its '{'. */
static gmdl_status parse_node(fmt_lexer *L, vblock *V, gmdl_err *err) {
    gmdl_status s;
    for (;;) {
        gmdl__fmt_next(L);
        if (gmdl__fmt_is(L, '}'))
            break;
        if (L->type != FT_WORD)
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: expected an attribute of node '%s', got '%s'", L->name,
                              L->tok_line, V->name, gmdl__fmt_shown(L));
        int states = strcmp(L->tok, "states") == 0;
        if ((s = gmdl__fmt_expect(L, '=', "after the attribute name", err)))
            return s;
        if ((s = states ? parse_states(L, V, err) : skip_value(L, err)))
            return s;
    }
    if (V->nstates == 0)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: node '%s' has no states", L->name, V->line,
                          V->name);
    return GMDL_OK;
}

/* data = ( nested lists of numbers ); after the '='. */
static gmdl_status parse_data(fmt_lexer *L, entry *E, gmdl_err *err) {
    size_t cap = 0;
    int depth = 0;
    for (;;) {
        gmdl__fmt_next(L);
        if (gmdl__fmt_is(L, '('))
            depth++;
        else if (gmdl__fmt_is(L, ')')) {
            if (--depth < 0)
                return gmdl__fail(err, GMDL_EPARSE, "%s:%d: unbalanced ')' in data", L->name,
                                  L->tok_line);
        } else if (gmdl__fmt_is(L, ';') && depth == 0)
            return GMDL_OK;
        else if (L->type == FT_WORD) {
            double x;
            gmdl_status s = gmdl__fmt_number(L->name, L->tok_line, L->tok, &x, err);
            if (s)
                return s;
            if (!gmdl__fmt_push_val(E, &cap, x))
                return gmdl__fmt_oom(L->name, err);
        } else if (!gmdl__fmt_is(L, ','))
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected a probability in data, got '%s'",
                              L->name, L->tok_line, gmdl__fmt_shown(L));
    }
}

/* potential ( X | A B ) { data = ...; } after the word potential. */
static gmdl_status parse_potential(fmt_lexer *L, parsed *P, gmdl_err *err) {
    pblock *B = gmdl__fmt_add_block(P, L->tok_line);
    if (!B)
        return gmdl__fmt_oom(L->name, err);
    gmdl_status s = gmdl__fmt_expect(L, '(', "after 'potential'", err);
    if (!s)
        s = gmdl__fmt_word(L, "a node name", err);
    if (s)
        return s;
    if (!(B->child = gmdl__strdup(L->tok)))
        return gmdl__fmt_oom(L->name, err);
    gmdl__fmt_next(L);
    if (gmdl__fmt_is(L, '|'))
        for (;;) {
            gmdl__fmt_next(L);
            if (gmdl__fmt_is(L, ')'))
                break;
            if (gmdl__fmt_is(L, ','))
                continue;
            if (L->type != FT_WORD && L->type != FT_STRING)
                return gmdl__fail(err, GMDL_EPARSE,
                                  "%s:%d: expected a parent name or ')', got '%s'", L->name,
                                  L->tok_line, gmdl__fmt_shown(L));
            if (!gmdl__fmt_push_str(&B->par, &B->npar, L->tok, strlen(L->tok)))
                return gmdl__fmt_oom(L->name, err);
        }
    else if (!gmdl__fmt_is(L, ')'))
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "%s:%d: expected '|' or ')' after '%s', got '%s' (only one child per "
                          "potential is supported)",
                          L->name, L->tok_line, B->child, gmdl__fmt_shown(L));
    if ((s = gmdl__fmt_expect(L, '{', "to open the potential", err)))
        return s;
    for (;;) {
        gmdl__fmt_next(L);
        if (gmdl__fmt_is(L, '}'))
            break;
        if (L->type != FT_WORD)
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected 'data' or an attribute, got '%s'",
                              L->name, L->tok_line, gmdl__fmt_shown(L));
        int data = strcmp(L->tok, "data") == 0;
        int line = L->tok_line;
        if ((s = gmdl__fmt_expect(L, '=', "after the attribute name", err)))
            return s;
        if (!data) {
            if ((s = skip_value(L, err)))
                return s;
            continue;
        }
        entry *E = gmdl__fmt_add_entry(B, line, 3);
        if (!E)
            return gmdl__fmt_oom(L->name, err);
        if ((s = parse_data(L, E, err)))
            return s;
    }
    if (B->nent == 0)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: potential of '%s' has no data", L->name,
                          B->line, B->child);
    return GMDL_OK;
}

static gmdl_status parse_net_text(fmt_lexer *L, parsed *P, gmdl_err *err) {
    gmdl_status s = GMDL_OK;
    for (;;) {
        gmdl__fmt_next(L);
        if (L->type == FT_EOF)
            return GMDL_OK;
        if (L->type != FT_WORD)
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: expected 'net', 'node' or 'potential', got '%s'", L->name,
                              L->tok_line, gmdl__fmt_shown(L));
        if (strcmp(L->tok, "net") == 0) {
            if ((s = gmdl__fmt_expect(L, '{', "after 'net'", err)))
                return s;
            for (;;) {
                gmdl__fmt_next(L);
                if (gmdl__fmt_is(L, '}'))
                    break;
                if (L->type != FT_WORD)
                    return gmdl__fail(err, GMDL_EPARSE,
                                      "%s:%d: expected an attribute of the net, got '%s'", L->name,
                                      L->tok_line, gmdl__fmt_shown(L));
                if ((s = gmdl__fmt_expect(L, '=', "after the attribute name", err)) ||
                    (s = skip_value(L, err)))
                    return s;
            }
        } else if (strcmp(L->tok, "node") == 0 || strcmp(L->tok, "discrete") == 0) {
            if (strcmp(L->tok, "discrete") == 0 &&
                ((s = gmdl__fmt_word(L, "'node'", err)) || strcmp(L->tok, "node") != 0))
                return s ? s
                         : gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected 'node' after 'discrete'",
                                      L->name, L->tok_line);
            vblock *V = gmdl__fmt_add_var(P, L->tok_line);
            if (!V)
                return gmdl__fmt_oom(L->name, err);
            if ((s = gmdl__fmt_word(L, "a node name", err)))
                return s;
            if (!(V->name = gmdl__strdup(L->tok)))
                return gmdl__fmt_oom(L->name, err);
            if ((s = gmdl__fmt_expect(L, '{', "after the node name", err)) ||
                (s = parse_node(L, V, err)))
                return s;
        } else if (strcmp(L->tok, "potential") == 0) {
            if ((s = parse_potential(L, P, err)))
                return s;
        } else if (strcmp(L->tok, "continuous") == 0 || strcmp(L->tok, "decision") == 0 ||
                   strcmp(L->tok, "utility") == 0 || strcmp(L->tok, "class") == 0)
            return gmdl__fail(err, GMDL_EUNSUPPORTED,
                              "%s:%d: '%s' is not supported (discrete chance nodes only)", L->name,
                              L->tok_line, L->tok);
        else
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%d: expected 'net', 'node' or 'potential', got '%s'", L->name,
                              L->tok_line, L->tok);
    }
}

gmdl_status
gmdl_bn_parse_net(gmdl_bn **out, const char *text, size_t len, const char *name, gmdl_err *err) {
    *out = NULL;
    fmt_lexer L = {
        .name = name ? name : "<net>", .p = text, .end = text + len, .comment = "%", .line = 1};
    parsed P;
    memset(&P, 0, sizeof P);
    gmdl_status s = parse_net_text(&L, &P, err);
    return gmdl__fmt_finish(out, L.name, &P, s, err);
}
