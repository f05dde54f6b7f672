/* BIF writer: the network, variable and probability blocks the reader (bif.c) parses, with every
 * probability in 17 significant digits so the net reads back bit for bit; written atomically
 * with a trailing CRC-32 comment of the text before it. */
#include "bif.h"
#include "io/ckpt.h"

#define put      gmdl__text_put
#define put_name gmdl__bif_put_name

void put(text_buf *t, const char *fmt, ...) {
    if (t->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->oom = 1;
            return;
        }
        if (t->buf && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap : 4096;
        while (cap <= t->len + (size_t)n)
            cap *= 2;
        char *nb = gmdl__realloc(t->buf, cap);
        if (!nb) {
            t->oom = 1;
            return;
        }
        t->buf = nb, t->cap = cap;
    }
}

/* A name as the reader's lexer takes it: bare when it has no blank, punctuation or quote,
 * otherwise in double quotes. */
void put_name(text_buf *t, const char *s) {
    int bare = *s != '\0' && strpbrk(s, "{}()[];,|\" \t\r\n\f\v") == NULL &&
               !(s[0] == '/' && (s[1] == '/' || s[1] == '*'));
    put(t, bare ? "%s" : "\"%s\"", s);
}

static void put_variable(text_buf *t, const gmdl_bn *bn, size_t v) {
    put(t, "variable ");
    put_name(t, bn->names[v]);
    put(t, " {\n  type discrete [ %u ] { ", bn->card[v]);
    for (uint32_t s = 0; s < bn->card[v]; s++) {
        put(t, "%s", s ? ", " : "");
        put_name(t, bn->states[v][s]);
    }
    put(t, " };\n}\n");
}

static void put_row(text_buf *t, const double *p, uint32_t n) {
    for (uint32_t x = 0; x < n; x++)
        put(t, "%s%.17g", x ? ", " : "", p[x]);
    put(t, ";\n");
}

/* One probability block: a table for a root, one row per parent configuration otherwise
 * (parents in declared order, the last changing fastest, as the CPT is stored). */
static void put_probability(text_buf *t, const gmdl_bn *bn, size_t v) {
    size_t np = bn->npar[v];
    put(t, "probability ( ");
    put_name(t, bn->names[v]);
    for (size_t j = 0; j < np; j++) {
        put(t, j ? ", " : " | ");
        put_name(t, bn->names[bn->par[v][j]]);
    }
    put(t, " ) {\n");
    if (np == 0) {
        put(t, "  table ");
        put_row(t, bn->cpt[v], bn->card[v]);
        put(t, "}\n");
        return;
    }
    uint32_t ctr[PGM_MAX_SCOPE] = {0};
    for (size_t r = 0; r < bn->nrows[v]; r++) {
        put(t, "  (");
        for (size_t j = 0; j < np; j++) {
            put(t, j ? ", " : "");
            put_name(t, bn->states[bn->par[v][j]][ctr[j]]);
        }
        put(t, ") ");
        put_row(t, bn->cpt[v] + r * bn->card[v], bn->card[v]);
        for (size_t j = np; j-- > 0;) {
            if (++ctr[j] < bn->card[bn->par[v][j]])
                break;
            ctr[j] = 0;
        }
    }
    put(t, "}\n");
}

gmdl_status gmdl_bn_write_bif(const char *path, const gmdl_bn *bn, gmdl_err *err) {
    if (!path || !bn)
        return gmdl__fail(err, GMDL_EINVAL, "need a path and a network");
    for (size_t v = 0; v < bn->nvars; v++)
        if (bn->npar[v] > PGM_MAX_SCOPE)
            return gmdl__fail(err, GMDL_ELIMIT, "node %s has too many parents", bn->names[v]);
    text_buf t = {0};
    put(&t, "// written by gmdl %s\nnetwork unknown {\n}\n", gmdl_version());
    for (size_t v = 0; v < bn->nvars; v++)
        put_variable(&t, bn, v);
    for (size_t v = 0; v < bn->nvars; v++)
        put_probability(&t, bn, v);
    if (!t.oom)
        put(&t, "// crc32 %08x\n", (unsigned)gmdl_crc32(0, t.buf, t.len));
    gmdl_status s = t.oom ? gmdl__fail(err, GMDL_ENOMEM, "out of memory writing %s", path)
                          : gmdl__write_atomic(path, t.buf, t.len, err);
    gmdl__free(t.buf);
    return s;
}
