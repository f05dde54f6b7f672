/* XMLBIF reader (version 0.3, as pgmpy, Weka and bnlearn's repository write it): VARIABLE
 * elements with NAME and OUTCOME children, DEFINITION (or PROBABILITY) elements with FOR, GIVEN
 * and TABLE, the table's order being the GIVEN configurations (first slowest) with the FOR
 * variable fastest. A small scanner: tags, text with the five predefined entities and numeric
 * character references below 128, comments, processing instructions, a DOCTYPE with an internal
 * subset; attributes are skipped, other elements ignored. */
#include "fmt_lex.h"

enum { X_EOF, X_OPEN, X_CLOSE, X_TEXT };

typedef struct {
    const char *name;
    const char *p, *end;
    int line;
    int type, ev_line;
    char tag[64];        /* element name of an open or close event */
    const char *t0, *t1; /* raw text of a text event */
    int self_close;      /* the open tag ended in "/>": a close event follows */
} xml_scan;

static void advance(xml_scan *X, const char *to) {
    for (; X->p < to; X->p++)
        if (*X->p == '\n')
            X->line++;
}

/* Skips past the next occurrence of s; EPARSE (what names the construct) at the end. */
static gmdl_status skip_past(xml_scan *X, const char *s, const char *what, gmdl_err *err) {
    size_t n = strlen(s);
    for (const char *q = X->p; q + n <= X->end; q++)
        if (memcmp(q, s, n) == 0) {
            advance(X, q + n);
            return GMDL_OK;
        }
    return gmdl__fail(err, GMDL_EPARSE, "%s:%d: unterminated %s", X->name, X->line, what);
}

static gmdl_status scan_tag(xml_scan *X, gmdl_err *err) {
    X->p++; /* '<' */
    X->type = X_OPEN;
    if (X->p < X->end && *X->p == '/') {
        X->type = X_CLOSE;
        X->p++;
    }
    size_t n = 0;
    while (X->p < X->end && !strchr(" \t\r\n/>", *X->p)) {
        if (n + 1 >= sizeof X->tag)
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: element name too long", X->name, X->line);
        X->tag[n++] = *X->p++;
    }
    X->tag[n] = '\0';
    if (n == 0)
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected an element name after '<'", X->name,
                          X->line);
    char quote = 0;
    for (; X->p < X->end; X->p++) { /* attributes */
        char c = *X->p;
        if (c == '\n')
            X->line++;
        if (quote) {
            quote = c == quote ? 0 : quote;
            continue;
        }
        if (c == '"' || c == '\'')
            quote = c;
        else if (c == '>') {
            X->self_close = X->p > X->t0 && X->p[-1] == '/' && X->type == X_OPEN;
            X->p++;
            return GMDL_OK;
        }
    }
    return gmdl__fail(err, GMDL_EPARSE, "%s:%d: unterminated tag <%s", X->name, X->ev_line, X->tag);
}

/* The next event. */
static gmdl_status xml_next(xml_scan *X, gmdl_err *err) {
    gmdl_status s;
    if (X->self_close) {
        X->self_close = 0;
        X->type = X_CLOSE;
        return GMDL_OK;
    }
    for (;;) {
        X->ev_line = X->line;
        if (X->p >= X->end) {
            X->type = X_EOF;
            return GMDL_OK;
        }
        if (*X->p != '<') {
            X->t0 = X->p;
            const char *q = memchr(X->p, '<', (size_t)(X->end - X->p));
            advance(X, q ? q : X->end);
            X->t1 = X->p;
            X->type = X_TEXT;
            return GMDL_OK;
        }
        size_t left = (size_t)(X->end - X->p);
        if (left >= 4 && memcmp(X->p, "<!--", 4) == 0)
            s = skip_past(X, "-->", "comment", err);
        else if (left >= 2 && memcmp(X->p, "<?", 2) == 0)
            s = skip_past(X, "?>", "processing instruction", err);
        else if (left >= 2 && memcmp(X->p, "<!", 2) == 0) {
            const char *gt = memchr(X->p, '>', left), *br = memchr(X->p, '[', left);
            s = skip_past(X, br && (!gt || br < gt) ? "]>" : ">", "declaration", err);
        } else {
            X->t0 = X->p;
            return scan_tag(X, err);
        }
        if (s)
            return s;
    }
}

/* The text t0..t1 with entities decoded and blanks trimmed, into a new string. */
static gmdl_status
decode(const xml_scan *X, const char *t0, const char *t1, char **out, gmdl_err *err) {
    while (t0 < t1 && strchr(" \t\r\n", *t0))
        t0++;
    while (t1 > t0 && strchr(" \t\r\n", t1[-1]))
        t1--;
    char *s = gmdl__malloc((size_t)(t1 - t0) + 1);
    if (!s)
        return gmdl__fmt_oom(X->name, err);
    size_t n = 0;
    static const char *ent[] = {"&amp;", "&",      "&lt;", "<",      "&gt;",
                                ">",     "&quot;", "\"",   "&apos;", "'"};
    while (t0 < t1) {
        if (*t0 != '&') {
            s[n++] = *t0++;
            continue;
        }
        size_t k = 0;
        for (; k < 10; k += 2)
            if ((size_t)(t1 - t0) >= strlen(ent[k]) && memcmp(t0, ent[k], strlen(ent[k])) == 0)
                break;
        if (k < 10) {
            s[n++] = ent[k + 1][0];
            t0 += strlen(ent[k]);
            continue;
        }
        long c = -1;
        const char *q = t0 + 2;
        if (t1 - t0 > 3 && t0[1] == '#') {
            c = 0;
            while (q < t1 && *q >= '0' && *q <= '9' && c < 1000)
                c = c * 10 + (*q++ - '0');
        }
        if (c <= 0 || c >= 128 || q >= t1 || *q != ';') {
            gmdl__free(s);
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: unknown entity or character reference",
                              X->name, X->ev_line);
        }
        s[n++] = (char)c;
        t0 = q + 1;
    }
    s[n] = '\0';
    *out = s;
    return GMDL_OK;
}

/* ------------------------------------------------------------------ elements */

typedef struct {
    xml_scan X;
    parsed *P;
    vblock *V; /* the VARIABLE being read */
    pblock *B; /* the DEFINITION being read */
} xml_ctx;

/* The text of the element just opened (tag X->tag), up to its close tag, decoded. */
static gmdl_status elem_text(xml_ctx *C, char **out, int *line, gmdl_err *err) {
    xml_scan *X = &C->X;
    char tag[sizeof X->tag];
    memcpy(tag, X->tag, sizeof tag);
    gmdl_status s = xml_next(X, err);
    const char *t0 = X->p, *t1 = X->p;
    *line = X->ev_line;
    if (!s && X->type == X_TEXT) {
        t0 = X->t0, t1 = X->t1;
        s = xml_next(X, err);
    }
    if (s)
        return s;
    if (X->type != X_CLOSE || strcmp(X->tag, tag) != 0)
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: expected </%s>", X->name, X->ev_line, tag);
    return decode(X, t0, t1, out, err);
}

/* TABLE: numbers separated by blanks, into a child-fastest table entry of C->B. */
static gmdl_status table(xml_ctx *C, const char *text, int line, gmdl_err *err) {
    entry *E = gmdl__fmt_add_entry(C->B, line, 3);
    if (!E)
        return gmdl__fmt_oom(C->X.name, err);
    size_t cap = 0;
    const char *p = text;
    for (;;) {
        while (*p && strchr(" \t\r\n", *p))
            line += *p++ == '\n';
        if (!*p)
            return GMDL_OK;
        size_t n = strcspn(p, " \t\r\n");
        char tok[64];
        if (n >= sizeof tok)
            return gmdl__fail(err, GMDL_EPARSE, "%s:%d: '%.20s...' is not a number", C->X.name,
                              line, p);
        memcpy(tok, p, n);
        tok[n] = '\0';
        double x;
        gmdl_status s = gmdl__fmt_number(C->X.name, line, tok, &x, err);
        if (s)
            return s;
        if (!gmdl__fmt_push_val(E, &cap, x))
            return gmdl__fmt_oom(C->X.name, err);
        p += n;
    }
}

/* A text element (NAME, OUTCOME, FOR, GIVEN, TABLE) inside a VARIABLE or DEFINITION. */
static gmdl_status text_elem(xml_ctx *C, gmdl_err *err) {
    const char *name = C->X.name;
    char tag[sizeof C->X.tag];
    memcpy(tag, C->X.tag, sizeof tag);
    char *t = NULL;
    int line;
    gmdl_status s = elem_text(C, &t, &line, err);
    if (s)
        return s;
    if (C->V && strcmp(tag, "NAME") == 0 && C->V->name)
        s = gmdl__fail(err, GMDL_EPARSE, "%s:%d: a VARIABLE has two NAMEs", name, line);
    else if (C->V && strcmp(tag, "NAME") == 0) {
        C->V->name = t;
        t = NULL;
    } else if (C->V && strcmp(tag, "OUTCOME") == 0) {
        for (size_t i = 0; i < C->V->nstates && !s; i++)
            if (strcmp(C->V->states[i], t) == 0)
                s = gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: outcome '%s' is listed twice", name,
                               line, t);
        if (!s && !gmdl__fmt_push_str(&C->V->states, &C->V->nstates, t, strlen(t)))
            s = gmdl__fmt_oom(name, err);
    } else if (C->B && strcmp(tag, "FOR") == 0 && C->B->child)
        s = gmdl__fail(err, GMDL_EPARSE, "%s:%d: a DEFINITION has two FORs", name, line);
    else if (C->B && strcmp(tag, "FOR") == 0) {
        C->B->child = t;
        t = NULL;
    } else if (C->B && strcmp(tag, "GIVEN") == 0) {
        if (!gmdl__fmt_push_str(&C->B->par, &C->B->npar, t, strlen(t)))
            s = gmdl__fmt_oom(name, err);
    } else if (C->B && strcmp(tag, "TABLE") == 0)
        s = C->B->nent
                ? gmdl__fail(err, GMDL_EPARSE, "%s:%d: a DEFINITION has two TABLEs", name, line)
                : table(C, t, line, err);
    gmdl__free(t);
    return s;
}

/* The checks at </VARIABLE> and </DEFINITION>. */
static gmdl_status close_elem(xml_ctx *C, gmdl_err *err) {
    const char *name = C->X.name;
    if (strcmp(C->X.tag, "VARIABLE") == 0 && C->V) {
        if (!C->V->name)
            return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: VARIABLE without a NAME", name,
                              C->V->line);
        if (!C->V->nstates)
            return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: variable '%s' has no OUTCOME", name,
                              C->V->line, C->V->name);
        C->V = NULL;
    } else if ((strcmp(C->X.tag, "DEFINITION") == 0 || strcmp(C->X.tag, "PROBABILITY") == 0) &&
               C->B) {
        if (!C->B->child)
            return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: DEFINITION without FOR", name,
                              C->B->line);
        if (!C->B->nent)
            return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: DEFINITION of '%s' without TABLE", name,
                              C->B->line, C->B->child);
        C->B = NULL;
    }
    return GMDL_OK;
}

static gmdl_status parse_xml(xml_ctx *C, gmdl_err *err) {
    xml_scan *X = &C->X;
    for (;;) {
        gmdl_status s = xml_next(X, err);
        if (s)
            return s;
        if (X->type == X_EOF)
            break;
        if (X->type == X_CLOSE)
            s = close_elem(C, err);
        else if (X->type == X_OPEN && strcmp(X->tag, "VARIABLE") == 0) {
            if (C->V || C->B)
                return gmdl__fail(err, GMDL_EPARSE, "%s:%d: VARIABLE inside another element",
                                  X->name, X->ev_line);
            if (!(C->V = gmdl__fmt_add_var(C->P, X->ev_line)))
                return gmdl__fmt_oom(X->name, err);
        } else if (X->type == X_OPEN &&
                   (strcmp(X->tag, "DEFINITION") == 0 || strcmp(X->tag, "PROBABILITY") == 0)) {
            if (C->V || C->B)
                return gmdl__fail(err, GMDL_EPARSE, "%s:%d: %s inside another element", X->name,
                                  X->ev_line, X->tag);
            if (!(C->B = gmdl__fmt_add_block(C->P, X->ev_line)))
                return gmdl__fmt_oom(X->name, err);
        } else if (X->type == X_OPEN && (C->V || C->B) && !X->self_close &&
                   strcmp(X->tag, "PROPERTY") != 0)
            s = text_elem(C, err);
        if (s)
            return s;
    }
    if (C->V || C->B)
        return gmdl__fail(err, GMDL_EPARSE, "%s:%d: unexpected end of file in %s", X->name, X->line,
                          C->V ? "a VARIABLE" : "a DEFINITION");
    return GMDL_OK;
}

gmdl_status
gmdl_bn_parse_xmlbif(gmdl_bn **out, const char *text, size_t len, const char *name, gmdl_err *err) {
    *out = NULL;
    parsed P;
    memset(&P, 0, sizeof P);
    xml_ctx C;
    memset(&C, 0, sizeof C);
    C.X = (xml_scan){.name = name ? name : "<xmlbif>", .p = text, .end = text + len, .line = 1};
    C.P = &P;
    gmdl_status s = parse_xml(&C, err);
    return gmdl__fmt_finish(out, C.X.name, &P, s, err);
}
