/* Network formats: every BIF of tests/data round-trips through XMLBIF, Hugin .net, .dsc and BIF
 * to the same net (names, states, parents, CPTs bit for bit) and through UAI to the same
 * distribution; the readers of XMLBIF, .net and .dsc reject malformed files with FILE:LINE and
 * the problem, survive truncations and random mutations, and return GMDL_ENOMEM without leaks
 * when an allocation fails. */
#include <unistd.h>

#include "gmdl/core.h"
#include "harness.h"
#include "pgm_util.h"

/* 1 when a and b have the same nodes, states, parents and CPTs (bit for bit). */
static int bn_same(const gmdl_bn *a, const gmdl_bn *b) {
    if (gmdl_bn_nvars(a) != gmdl_bn_nvars(b))
        return 0;
    for (size_t v = 0; v < gmdl_bn_nvars(a); v++) {
        if (strcmp(gmdl_bn_name(a, v), gmdl_bn_name(b, v)) != 0 ||
            gmdl_bn_card(a, v) != gmdl_bn_card(b, v) ||
            gmdl_bn_nparents(a, v) != gmdl_bn_nparents(b, v))
            return 0;
        for (uint32_t s = 0; s < gmdl_bn_card(a, v); s++)
            if (strcmp(gmdl_bn_state_name(a, v, s), gmdl_bn_state_name(b, v, s)) != 0)
                return 0;
        size_t rows = 1;
        for (size_t k = 0; k < gmdl_bn_nparents(a, v); k++) {
            if (gmdl_bn_parents(a, v)[k] != gmdl_bn_parents(b, v)[k])
                return 0;
            rows *= gmdl_bn_card(a, gmdl_bn_parents(a, v)[k]);
        }
        if (memcmp(gmdl_bn_cpt(a, v), gmdl_bn_cpt(b, v), rows * gmdl_bn_card(a, v) * 8) != 0)
            return 0;
    }
    return 1;
}

static void check_round_trips(void) {
    static const char *nets[] = {"asia",  "cancer", "earthquake", "survey",
                                 "sachs", "child",  "alarm"};
    static const char *chain[] = {"xmlbif", "net", "dsc", "bif", "xml"};
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        char rel[64], path[64];
        snprintf(rel, sizeof rel, "bif/%s.bif", nets[i]);
        gmdl_err err = {{0}};
        gmdl_bn *orig = NULL, *cur = NULL;
        REQUIRE_OK_MSG(gmdl_bn_read(&orig, data_path(rel), &err), err.msg);
        cur = orig;
        for (size_t c = 0; c < sizeof chain / sizeof chain[0]; c++) {
            snprintf(path, sizeof path, "fmt_rt_%s.%s", nets[i], chain[c]);
            gmdl_bn *next = NULL;
            CHECK_OK(gmdl_bn_write(path, cur, &err));
            CHECK_OK(gmdl_bn_read(&next, path, &err));
            CHECK(next && bn_same(orig, next));
            if (cur != orig)
                gmdl_bn_destroy(cur);
            cur = next ? next : orig;
            remove(path);
        }
        if (cur != orig)
            gmdl_bn_destroy(cur);
        /* UAI: the same joint distribution at random full assignments */
        snprintf(path, sizeof path, "fmt_rt_%s.uai", nets[i]);
        CHECK_OK(gmdl_bn_write(path, orig, &err));
        gmdl_mrf *m = NULL;
        CHECK_OK(gmdl_mrf_read_uai(&m, path, &err));
        if (m) {
            size_t V = gmdl_bn_nvars(orig);
            uint32_t *x = calloc(V, sizeof *x);
            CHECK_EQ(gmdl_mrf_nvars(m), V);
            CHECK(gmdl_mrf_is_bayes(m));
            gmdl_rng r;
            gmdl_rng_seed(&r, 7, i);
            double worst = 0.0;
            for (int t = 0; t < 200; t++) {
                for (size_t v = 0; v < V; v++)
                    x[v] = gmdl_rng_bounded(&r, gmdl_bn_card(orig, v));
                double a = gmdl_bn_log_prob(orig, x), b = gmdl_mrf_log_potential(m, x);
                if (isfinite(a) || isfinite(b))
                    worst = fmax(worst, fabs(a - b));
            }
            free(x);
            CHECK(worst < 1e-12);
        }
        gmdl_mrf_destroy(m);
        remove(path);
        gmdl_bn_destroy(orig);
    }
}

typedef struct {
    const char *name; /* its extension picks the reader */
    const char *text;
    int line;
    const char *what;
} bad_case;

static const bad_case bad_cases[] = {
    {"a.xmlbif", "<BIF><NETWORK>\n<VARIABLE>\n<NAME>A</OUTCOME>\n</NETWORK>", 3,
     "expected </NAME>"},
    {"a.xmlbif",
     "<BIF>\n<VARIABLE><NAME>A</NAME><OUTCOME>a</OUTCOME><OUTCOME>b</OUTCOME></VARIABLE>\n"
     "<DEFINITION><FOR>A</FOR>\n<TABLE>0.2 0.7</TABLE></DEFINITION></BIF>",
     4, "sum to 0.9"},
    {"a.xmlbif",
     "<BIF>\n<VARIABLE><NAME>A</NAME><OUTCOME>a</OUTCOME></VARIABLE>\n"
     "<DEFINITION><FOR>A</FOR><GIVEN>B</GIVEN>\n<TABLE>1</TABLE></DEFINITION></BIF>",
     3, "unknown variable 'B'"},
    {"a.xmlbif",
     "<BIF>\n<VARIABLE><NAME>A</NAME><OUTCOME>a</OUTCOME><OUTCOME>b</OUTCOME></VARIABLE>\n"
     "<DEFINITION><FOR>A</FOR>\n<TABLE>0.5\nx</TABLE></DEFINITION></BIF>",
     5, "'x' is not a number"},
    {"a.xmlbif", "<BIF>\n<VARIABLE><NAME>A</NAME>\n<OUTCOME>a</OUTCOME>", 3,
     "end of file in a VARIABLE"},
    {"a.net",
     "net\n{\n}\nnode A\n{\n  states = (\"a\" \"b\");\n}\npotential ( A )\n{\n"
     "  data = ( 0.2 0.7 );\n}\n",
     10, "sum to 0.9"},
    {"a.net", "node A\n{\n  states = (\"a\" \"a\");\n}\n", 3, "listed twice"},
    {"a.net",
     "node A\n{\n  states = (\"a\" \"b\");\n}\npotential ( A | B )\n{\n data = (0.5 0.5);\n}\n", 5,
     "unknown variable 'B'"},
    {"a.net", "continuous node X\n{\n}\n", 1, "not supported"},
    {"a.net", "node A\n{\n  states = (\"a\" \"b\")\n}\n", 4, "expected ';'"},
    {"a.dsc", "belief network \"x\"\nnode A {\n  type : discrete [ 3 ] = { \"a\", \"b\" };\n}\n", 3,
     "declares 3 states but lists 2"},
    {"a.dsc",
     "node A {\n  type : discrete [ 2 ] = { \"a\", \"b\" };\n}\nnode B {\n  type : discrete [ 2 ] "
     "= { \"a\", \"b\" };\n}\nprobability ( A ) {\n  0.5, 0.5;\n}\nprobability ( B | A ) {\n"
     "  (0) : 0.5, 0.5;\n  (2) : 0.5, 0.5;\n}\n",
     12, "'2' is not a state of 'A'"},
    {"a.dsc",
     "node A {\n  type : discrete [ 2 ] = { \"a\", \"b\" };\n}\nprobability ( A ) {\n"
     "  0.5, -0.5;\n}\n",
     5, "negative probability"},
    {"a.dsc",
     "node A {\n  type : discrete [ 2 ] = { \"a\", \"b\" };\n}\nprobability ( A ) {\n"
     "  0.5, 0.5\n}\n",
     6, "expected a probability or ';'"},
};

static void check_bad_files(void) {
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        char path[64];
        snprintf(path, sizeof path, "fmt_bad_%zu_%s", i, c->name);
        FILE *f = fopen(path, "wb");
        REQUIRE(f != NULL);
        fputs(c->text, f);
        fclose(f);
        gmdl_err err = {{0}};
        gmdl_bn *bn = NULL;
        gmdl_status s = gmdl_bn_read(&bn, path, &err);
        CHECK(s != GMDL_OK && gmdl_status_is_input_error(s));
        char where[128];
        snprintf(where, sizeof where, "%s:%d: ", path, c->line);
        CHECK_STR_CONTAINS(err.msg, where);
        CHECK_STR_CONTAINS(err.msg, c->what);
        gmdl_bn_destroy(bn);
        remove(path);
    }
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    CHECK_STATUS(gmdl_bn_read(&bn, "net.hugin", &err), GMDL_EUNSUPPORTED);
    CHECK_STATUS(gmdl_bn_read(&bn, "no_such_file.net", &err), GMDL_ENOENT);
}

/* The asia net written in each format, as text. */
static char *asia_text(const char *ext, size_t *len) {
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    char path[64];
    snprintf(path, sizeof path, "fmt_asia.%s", ext);
    if (gmdl_bn_read(&bn, data_path("bif/asia.bif"), &err) || gmdl_bn_write(path, bn, &err)) {
        gmdl_bn_destroy(bn);
        return NULL;
    }
    gmdl_bn_destroy(bn);
    FILE *f = fopen(path, "rb");
    char *buf = malloc(1 << 16);
    *len = f && buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    if (f)
        fclose(f);
    remove(path);
    return buf;
}

typedef gmdl_status (*parse_fn)(gmdl_bn **, const char *, size_t, const char *, gmdl_err *);
static const char *exts[] = {"xmlbif", "net", "dsc"};
static const parse_fn parsers[] = {gmdl_bn_parse_xmlbif, gmdl_bn_parse_net, gmdl_bn_parse_dsc};

/* Every truncation and random mutations: success or an input error naming the file. */
static void check_mutations(void) {
    gmdl_rng r;
    gmdl_rng_seed(&r, th_seed(5), 1);
    size_t bad = 0, ok = 0;
    for (size_t k = 0; k < 3; k++) {
        size_t n;
        char *text = asia_text(exts[k], &n);
        REQUIRE(text != NULL && n > 100);
        char *buf = malloc(n);
        for (size_t t = 0; t < n + 2000; t++) {
            size_t len = t < n ? t : n;
            memcpy(buf, text, n);
            for (int i = 0; t >= n && i < 1 + (int)gmdl_rng_bounded(&r, 3); i++)
                buf[gmdl_rng_bounded(&r, (uint32_t)n)] =
                    "{}();,|=:\" <>/a0.-9e%&\n"[gmdl_rng_bounded(&r, 23)];
            gmdl_err err = {{0}};
            gmdl_bn *bn = NULL;
            gmdl_status st = parsers[k](&bn, buf, len, "m.x", &err);
            if (st == GMDL_OK) {
                ok++;
                double p[8];
                CHECK_OK(gmdl_bn_query(p, NULL, bn, 0, NULL, NULL, &err));
            } else if (!gmdl_status_is_input_error(st) || !strstr(err.msg, "m.x"))
                bad++;
            gmdl_bn_destroy(bn);
        }
        free(buf);
        free(text);
    }
    CHECK(ok > 3);
    CHECK_EQ(bad, 0);
}

/* Fault injection: fail the k-th allocation, for k = 0, 1, ... until parsing succeeds. */
static long fail_at, alloc_count;
static void *fi_malloc(size_t n) {
    if (alloc_count++ == fail_at)
        return NULL;
    return malloc(n);
}
static void *fi_realloc(void *p, size_t n) {
    if (alloc_count++ == fail_at)
        return NULL;
    return realloc(p, n);
}

static void check_faults(void) {
    for (size_t k = 0; k < 3; k++) {
        size_t n;
        char *text = asia_text(exts[k], &n);
        REQUIRE(text != NULL);
        int ok = 0, bad = 0;
        for (fail_at = 0; fail_at < 20000 && !ok; fail_at++) {
            CHECK_OK(gmdl_set_allocator(fi_malloc, fi_realloc, free));
            gmdl_err err = {{0}};
            gmdl_bn *bn = NULL;
            alloc_count = 0;
            gmdl_status s = parsers[k](&bn, text, n, "f.x", &err);
            CHECK_OK(gmdl_set_allocator(malloc, realloc, free));
            if (s == GMDL_OK)
                ok = 1;
            else if (s != GMDL_ENOMEM)
                bad++;
            gmdl_bn_destroy(bn);
        }
        CHECK(ok);
        CHECK_EQ(bad, 0);
        free(text);
    }
}

int main(void) {
    check_round_trips();
    check_bad_files();
    check_mutations();
    check_faults();
    TEST_MAIN_END();
}
