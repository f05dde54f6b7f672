/* Bayes nets in files by extension: gmdl_bn_read picks the reader (bif.c, xmlbif_read.c,
 * net_read.c, dsc_read.c), gmdl_bn_write the writer (BIF in bif_write.c; XMLBIF, Hugin .net,
 * .dsc and UAI here). Every probability is written with 17 significant digits, so each reader
 * gets back the same CPTs bit for bit; files are written atomically. */
#include "fmt_lex.h"
#include "io/ckpt.h"

#define put gmdl__text_put

static const char *extension(const char *path) {
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

/* ext equals want (lower case) ignoring case. */
static int ext_is(const char *ext, const char *want) {
    for (; *ext && *want; ext++, want++)
        if ((*ext | 0x20) != *want)
            return 0;
    return !*ext && !*want;
}

gmdl_status gmdl_bn_read(gmdl_bn **out, const char *path, gmdl_err *err) {
    *out = NULL;
    const char *ext = extension(path);
    gmdl_status (*parse)(gmdl_bn **, const char *, size_t, const char *, gmdl_err *) = NULL;
    if (ext_is(ext, "bif"))
        parse = gmdl_bn_parse_bif;
    else if (ext_is(ext, "xmlbif") || ext_is(ext, "xml"))
        parse = gmdl_bn_parse_xmlbif;
    else if (ext_is(ext, "net"))
        parse = gmdl_bn_parse_net;
    else if (ext_is(ext, "dsc"))
        parse = gmdl_bn_parse_dsc;
    else
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "%s: unknown network format '.%s' (.bif, .xmlbif, .xml, .net, .dsc)",
                          path, ext);
    char *buf;
    size_t len;
    gmdl_status s = gmdl__slurp(path, &buf, &len, err);
    if (s)
        return s;
    s = parse(out, buf, len, path, err);
    gmdl__free(buf);
    return s;
}

/* ------------------------------------------------------------------ writers */

static void put_probs(text_buf *t, const double *p, size_t n, const char *sep) {
    for (size_t x = 0; x < n; x++)
        put(t, "%s%.17g", x ? sep : "", p[x]);
}

/* Text with &, <, > and quotes escaped. */
static void put_xml(text_buf *t, const char *s) {
    for (; *s; s++)
        if (*s == '&')
            put(t, "&amp;");
        else if (*s == '<')
            put(t, "&lt;");
        else if (*s == '>')
            put(t, "&gt;");
        else if (*s == '"')
            put(t, "&quot;");
        else
            put(t, "%c", *s);
}

static void write_xmlbif(text_buf *t, const gmdl_bn *bn) {
    put(t,
        "<?xml version=\"1.0\"?>\n<!-- written by gmdl %s -->\n<BIF VERSION=\"0.3\">\n"
        "<NETWORK>\n<NAME>unknown</NAME>\n",
        gmdl_version());
    for (size_t v = 0; v < bn->nvars; v++) {
        put(t, "<VARIABLE TYPE=\"nature\">\n  <NAME>");
        put_xml(t, bn->names[v]);
        put(t, "</NAME>\n");
        for (uint32_t s = 0; s < bn->card[v]; s++) {
            put(t, "  <OUTCOME>");
            put_xml(t, bn->states[v][s]);
            put(t, "</OUTCOME>\n");
        }
        put(t, "</VARIABLE>\n");
    }
    for (size_t v = 0; v < bn->nvars; v++) {
        put(t, "<DEFINITION>\n  <FOR>");
        put_xml(t, bn->names[v]);
        put(t, "</FOR>\n");
        for (size_t j = 0; j < bn->npar[v]; j++) {
            put(t, "  <GIVEN>");
            put_xml(t, bn->names[bn->par[v][j]]);
            put(t, "</GIVEN>\n");
        }
        put(t, "  <TABLE>");
        put_probs(t, bn->cpt[v], bn->nrows[v] * bn->card[v], " ");
        put(t, "</TABLE>\n</DEFINITION>\n");
    }
    put(t, "</NETWORK>\n</BIF>\n");
}

/* A name for the .net and .dsc lexer: bare, or quoted when it holds punctuation or blanks. */
static void put_word(text_buf *t, const char *s) {
    int bare = *s && strpbrk(s, FMT_PUNCT "\" \t\r\n\f\v%/") == NULL;
    put(t, bare ? "%s" : "\"%s\"", s);
}

/* The nested data lists of a .net potential: one level per parent. */
static void put_net_data(text_buf *t, const gmdl_bn *bn, size_t v, size_t j, size_t *row) {
    put(t, "(");
    if (j == bn->npar[v]) {
        put_probs(t, bn->cpt[v] + *row * bn->card[v], bn->card[v], " ");
        (*row)++;
    } else
        for (uint32_t s = 0; s < bn->card[bn->par[v][j]]; s++) {
            put(t, s ? " " : "");
            put_net_data(t, bn, v, j + 1, row);
        }
    put(t, ")");
}

static void write_net(text_buf *t, const gmdl_bn *bn) {
    put(t, "%% written by gmdl %s\nnet\n{\n}\n", gmdl_version());
    for (size_t v = 0; v < bn->nvars; v++) {
        put(t, "node ");
        put_word(t, bn->names[v]);
        put(t, "\n{\n    states = (");
        for (uint32_t s = 0; s < bn->card[v]; s++)
            put(t, "%s\"%s\"", s ? " " : "", bn->states[v][s]);
        put(t, ");\n}\n");
    }
    for (size_t v = 0; v < bn->nvars; v++) {
        put(t, "potential ( ");
        put_word(t, bn->names[v]);
        for (size_t j = 0; j < bn->npar[v]; j++) {
            put(t, j ? " " : " | ");
            put_word(t, bn->names[bn->par[v][j]]);
        }
        put(t, " )\n{\n    data = ");
        size_t row = 0;
        put_net_data(t, bn, v, 0, &row);
        put(t, ";\n}\n");
    }
}

static void write_dsc(text_buf *t, const gmdl_bn *bn) {
    put(t, "// written by gmdl %s\nbelief network \"unknown\"\n", gmdl_version());
    for (size_t v = 0; v < bn->nvars; v++) {
        put(t, "node ");
        put_word(t, bn->names[v]);
        put(t, " {\n  type : discrete [ %u ] = { ", bn->card[v]);
        for (uint32_t s = 0; s < bn->card[v]; s++)
            put(t, "%s\"%s\"", s ? ", " : "", bn->states[v][s]);
        put(t, " };\n}\n");
    }
    for (size_t v = 0; v < bn->nvars; v++) {
        size_t np = bn->npar[v];
        put(t, "probability ( ");
        put_word(t, bn->names[v]);
        for (size_t j = 0; j < np; j++) {
            put(t, j ? ", " : " | ");
            put_word(t, bn->names[bn->par[v][j]]);
        }
        put(t, " ) {\n");
        uint32_t ctr[PGM_MAX_SCOPE] = {0};
        for (size_t r = 0; r < bn->nrows[v]; r++) {
            put(t, np ? "  (" : "   ");
            for (size_t j = 0; j < np; j++)
                put(t, "%s%u", j ? ", " : "", ctr[j]);
            put(t, np ? ") : " : "");
            put_probs(t, bn->cpt[v] + r * bn->card[v], bn->card[v], ", ");
            put(t, ";\n");
            for (size_t j = np; j-- > 0;) {
                if (++ctr[j] < bn->card[bn->par[v][j]])
                    break;
                ctr[j] = 0;
            }
        }
        put(t, "}\n");
    }
}

/* UAI BAYES: one factor per node over (parents..., node), the CPT's own layout. */
static void write_uai(text_buf *t, const gmdl_bn *bn) {
    put(t, "BAYES\n%zu\n", bn->nvars);
    for (size_t v = 0; v < bn->nvars; v++)
        put(t, "%s%u", v ? " " : "", bn->card[v]);
    put(t, "\n%zu\n", bn->nvars);
    for (size_t v = 0; v < bn->nvars; v++) {
        put(t, "%zu", bn->npar[v] + 1);
        for (size_t j = 0; j < bn->npar[v]; j++)
            put(t, " %u", bn->par[v][j]);
        put(t, " %zu\n", v);
    }
    for (size_t v = 0; v < bn->nvars; v++) {
        put(t, "\n%zu\n", bn->nrows[v] * bn->card[v]);
        for (size_t r = 0; r < bn->nrows[v]; r++) {
            put(t, " ");
            put_probs(t, bn->cpt[v] + r * bn->card[v], bn->card[v], " ");
            put(t, "\n");
        }
    }
}

/* Names and states the quoted forms of .net and .dsc cannot carry. */
static gmdl_status check_quotable(const gmdl_bn *bn, const char *path, gmdl_err *err) {
    for (size_t v = 0; v < bn->nvars; v++) {
        int bad = strchr(bn->names[v], '"') != NULL;
        for (uint32_t s = 0; s < bn->card[v]; s++)
            bad |= strchr(bn->states[v][s], '"') != NULL;
        if (bad)
            return gmdl__fail(err, GMDL_EINVAL,
                              "%s: node '%s' has a name or state with a double quote, which this "
                              "format cannot hold",
                              path, bn->names[v]);
    }
    return GMDL_OK;
}

gmdl_status gmdl_bn_write(const char *path, const gmdl_bn *bn, gmdl_err *err) {
    if (!path || !bn)
        return gmdl__fail(err, GMDL_EINVAL, "need a path and a network");
    const char *ext = extension(path);
    if (ext_is(ext, "bif"))
        return gmdl_bn_write_bif(path, bn, err);
    void (*writer)(text_buf *, const gmdl_bn *) = NULL;
    if (ext_is(ext, "xmlbif") || ext_is(ext, "xml"))
        writer = write_xmlbif;
    else if (ext_is(ext, "net"))
        writer = write_net;
    else if (ext_is(ext, "dsc"))
        writer = write_dsc;
    else if (ext_is(ext, "uai"))
        writer = write_uai;
    else
        return gmdl__fail(
            err, GMDL_EUNSUPPORTED,
            "%s: unknown network format '.%s' (.bif, .xmlbif, .xml, .net, .dsc, .uai)", path, ext);
    for (size_t v = 0; v < bn->nvars; v++)
        if (bn->npar[v] > PGM_MAX_SCOPE)
            return gmdl__fail(err, GMDL_ELIMIT, "node %s has too many parents", bn->names[v]);
    gmdl_status s = GMDL_OK;
    if (writer == write_net || writer == write_dsc)
        s = check_quotable(bn, path, err);
    if (s)
        return s;
    text_buf t = {0};
    writer(&t, bn);
    unsigned crc = (unsigned)gmdl_crc32(0, t.buf, t.len);
    if (t.oom || writer == write_uai) /* UAI has no comments */
        ;
    else if (writer == write_xmlbif)
        put(&t, "<!-- crc32 %08x -->\n", crc);
    else
        put(&t, "%s crc32 %08x\n", writer == write_net ? "%" : "//", crc);
    s = t.oom ? gmdl__fail(err, GMDL_ENOMEM, "out of memory writing %s", path)
              : gmdl__write_atomic(path, t.buf, t.len, err);
    gmdl__free(t.buf);
    return s;
}
