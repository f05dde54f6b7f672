/* JSON reader: a valid document with every kind of value and its positions, numbers (the strict
 * grammar, range, underflow), string escapes (UTF-8 encoding, surrogate pairs, \u0000), every parse
 * error with its message, line and column, the nesting limit, files (ENOENT, byte order mark, the
 * posteriordb eight-schools data.json), the member look-ups, allocation failure at every
 * allocation, and random mutations of a valid document. */
#include <unistd.h>

#include "gmdl/io.h"
#include "gmdl/rng.h"
#include "harness.h"
#include "mutate.h"

#define PARSE(lit, out, err) gmdl_json_parse(out, lit, sizeof(lit) - 1, "t.json", err)

static void test_valid(void) {
    gmdl_json v;
    gmdl_err e = {{0}};
    CHECK_OK(PARSE(" {\"a\": [1, -2.5e1, true, false, null],\n"
                   "  \"b\": {\"c\": \"x y\"}, \"\": [], \"d\": {}}\r\n",
                   &v, &e));
    CHECK_EQ(v.type, GMDL_JSON_OBJECT);
    CHECK_EQ(v.n, 4);
    CHECK_EQ(v.line, 1);
    CHECK_EQ(v.col, 2);
    CHECK(strcmp(v.keys[0], "a") == 0 && strcmp(v.keys[2], "") == 0);
    const gmdl_json *a = gmdl_json_get(&v, "a");
    CHECK(a && a->type == GMDL_JSON_ARRAY && a->n == 5);
    if (a && a->n == 5) {
        CHECK(a->items[0].type == GMDL_JSON_NUMBER && a->items[0].num == 1);
        CHECK(a->items[1].num == -25);
        CHECK_EQ(a->items[1].col, 12);
        CHECK(a->items[2].type == GMDL_JSON_BOOL && a->items[2].num == 1);
        CHECK(a->items[3].type == GMDL_JSON_BOOL && a->items[3].num == 0);
        CHECK_EQ(a->items[4].type, GMDL_JSON_NULL);
    }
    const gmdl_json *b = gmdl_json_get(&v, "b");
    const gmdl_json *c = gmdl_json_get(b, "c");
    CHECK(c && c->type == GMDL_JSON_STRING && strcmp(c->str, "x y") == 0 && c->len == 3);
    CHECK(c && c->line == 2 && c->col == 14);
    CHECK(gmdl_json_get(&v, "")->n == 0);
    CHECK(gmdl_json_get(&v, "d")->type == GMDL_JSON_OBJECT);
    CHECK(gmdl_json_get(&v, "zz") == NULL);
    CHECK(gmdl_json_get(a, "a") == NULL); /* not an object */
    gmdl_json_fini(&v);
    CHECK(v.n == 0 && v.items == NULL);
    gmdl_json_fini(&v); /* twice is harmless: the value was emptied */
    gmdl_json_fini(NULL);

    /* Scalars at the top level; a repeated key is an error naming it and its second place. */
    CHECK_OK(PARSE("\"only\"", &v, &e));
    CHECK(v.type == GMDL_JSON_STRING && strcmp(v.str, "only") == 0);
    gmdl_json_fini(&v);
    CHECK(PARSE("{\"k\": 1,\n \"j\": [{\"k\": 3, \"a\": 4}], \"k\": 2}", &v, &e) == GMDL_EPARSE);
    CHECK(strstr(e.msg, ":2:32: key \"k\" appears twice") != NULL);
    CHECK(v.n == 0 && v.items == NULL);
    CHECK_OK(PARSE("{\"k\": {\"k\": 1}, \"kk\": 2, \"\": 3}", &v, &e)); /* nested, prefixes */
    gmdl_json_fini(&v);
    CHECK(strcmp(gmdl_json_type_name(GMDL_JSON_OBJECT), "an object") == 0);
}

static void check_number(const char *text, double want) {
    gmdl_json v;
    gmdl_err e = {{0}};
    gmdl_status s = gmdl_json_parse(&v, text, strlen(text), "n", &e);
    CHECK_OK(s);
    if (s == GMDL_OK) {
        CHECK_EQ(v.type, GMDL_JSON_NUMBER);
        CHECK(v.num == want);
        if (v.num != want)
            fprintf(stderr, "  '%s' read as %.17g\n", text, v.num);
    }
    gmdl_json_fini(&v);
}

static void check_error(const char *text, size_t len, gmdl_status want, const char *msg) {
    gmdl_json v;
    gmdl_err e = {{0}};
    CHECK_STATUS(gmdl_json_parse(&v, text, len, "t.json", &e), want);
    CHECK_STR_CONTAINS(e.msg, msg);
    CHECK(v.type == GMDL_JSON_NULL && v.n == 0 && v.items == NULL && v.str == NULL);
}
#define ERR(lit, msg) check_error(lit, sizeof(lit) - 1, GMDL_EPARSE, msg)

static void test_numbers(void) {
    check_number("0", 0);
    check_number("-0", 0);
    check_number("7", 7);
    check_number("-12.5e+2", -1250);
    check_number("1E-3", 1e-3);
    check_number("3.25", 3.25);
    check_number("1e-400", 0); /* underflow to zero is accepted */
    check_number("1.7976931348623157e308", 1.7976931348623157e308);
    check_number("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                 1.2345678901234568e79); /* longer than the parser's small buffer */
    ERR("01", "t.json:1:1: bad number");
    ERR("-", "t.json:1:1: bad number");
    ERR("1.", "t.json:1:1: bad number");
    ERR("1.e5", "t.json:1:1: bad number");
    ERR("1e", "t.json:1:1: bad number");
    ERR("1e+", "t.json:1:1: bad number");
    ERR("[0, -01]", "t.json:1:5: bad number");
    ERR("+1", "t.json:1:1: expected a value");
    ERR(".5", "t.json:1:1: expected a value");
    ERR("NaN", "t.json:1:1: expected a value");
    ERR("-Infinity", "t.json:1:1: bad number");
    ERR("0x10", "t.json:1:2: trailing characters after the JSON value");
    ERR("[1e999]", "t.json:1:2: number out of range for double");
    ERR("-1e309", "t.json:1:1: number out of range for double");
}

static void test_strings(void) {
    gmdl_json v;
    gmdl_err e = {{0}};
    CHECK_OK(PARSE("[\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\", \"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\","
                   " \"a\\u0000b\", \"\xc3\xa9 raw\"]",
                   &v, &e));
    CHECK_EQ(v.n, 4);
    if (v.n == 4) {
        CHECK(strcmp(v.items[0].str, "q\"b\\s/\b\f\n\r\t") == 0);
        CHECK_EQ(v.items[0].len, 11);
        CHECK(strcmp(v.items[1].str, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") == 0);
        CHECK_EQ(v.items[1].len, 10);
        CHECK_EQ(v.items[2].len, 3);
        CHECK(memcmp(v.items[2].str, "a\0b", 4) == 0);
        CHECK(strcmp(v.items[3].str, "\xc3\xa9 raw") == 0); /* UTF-8 passes through */
    }
    gmdl_json_fini(&v);
    /* Escaped keys are decoded before look-ups. */
    CHECK_OK(PARSE("{\"s\\u0069gma\": [1]}", &v, &e));
    CHECK(gmdl_json_get(&v, "sigma") != NULL);
    gmdl_json_fini(&v);

    ERR("\"abc", "t.json:1:5: unterminated string");
    ERR("[\"a\\\"]", "t.json:1:7: unterminated string");
    ERR("\"a\tb\"", "t.json:1:3: control character in a string");
    ERR("\"a\nb\"", "t.json:1:3: control character in a string");
    ERR("\"ab\\q\"", "t.json:1:4: unknown escape in a string");
    ERR("\"\\u12G4\"", "t.json:1:2: bad \\u escape");
    ERR("\"\\u12\"", "t.json:1:2: bad \\u escape");
    ERR("\"x\\ud800\"", "t.json:1:3: bad \\u escape");
    ERR("\"x\\ud800\\u0041\"", "t.json:1:3: bad \\u escape");
    ERR("\"\\udc00\\ud800\"", "t.json:1:2: bad \\u escape");
}

static void test_errors(void) {
    ERR("", "t.json:1:1: unexpected end of file, expected a value");
    ERR("  \n ", "t.json:2:2: unexpected end of file, expected a value");
    ERR("@", "t.json:1:1: expected a value");
    ERR("tru", "t.json:1:1: expected a value");
    ERR("[1, 2,]", "t.json:1:7: expected a value");
    ERR("[1 2]", "t.json:1:4: expected ',' or ']'");
    ERR("[1", "t.json:1:3: expected ',' or ']'");
    ERR("[truex]", "t.json:1:6: expected ',' or ']'");
    ERR("{\"a\": 1,}", "t.json:1:9: expected a string key");
    ERR("{1: 2}", "t.json:1:2: expected a string key");
    ERR("{\"a\" 1}", "t.json:1:6: expected ':' after the key");
    ERR("{\"a\": 1 \"b\": 2}", "t.json:1:9: expected ',' or '}'");
    ERR("{\"a\": ", "t.json:1:7: unexpected end of file, expected a value");
    ERR("{\"a\": [1, {\"b\": }]}", "t.json:1:17: expected a value");
    ERR("[1] x", "t.json:1:5: trailing characters after the JSON value");
    ERR("{}{}", "t.json:1:3: trailing characters after the JSON value");
    ERR("{\n  \"a\": [1,\n   2,,]}", "t.json:3:6: expected a value");
    ERR("{\"J\": 2, \"y\": [1, 2], \"sigma\": [1, 2,]}", "t.json:1:38: expected a value");
    ERR("[1,\0 2]", "t.json:1:4: expected a value"); /* a NUL byte is not white space */
    check_error(NULL, 0, GMDL_EPARSE, "t.json:1:1: unexpected end of file");
    gmdl_json v;
    CHECK_STATUS(gmdl_json_parse(&v, NULL, 3, "t", NULL), GMDL_EINVAL);
    CHECK_STATUS(gmdl_json_parse(NULL, "1", 1, "t", NULL), GMDL_EINVAL);
    /* A BOM is skipped; the text need not end with a NUL (parse stops at len). */
    CHECK_OK(PARSE("\xEF\xBB\xBF[1]", &v, NULL));
    CHECK(v.n == 1 && v.col == 1); /* columns count from after the BOM */
    gmdl_json_fini(&v);
    CHECK_OK(gmdl_json_parse(&v, "[12]garbage", 4, "t", NULL));
    CHECK(v.n == 1 && v.items[0].num == 12);
    gmdl_json_fini(&v);
    CHECK_OK(gmdl_json_parse(&v, "-3e2X", 4, "t", NULL)); /* a number at the very end of the text */
    CHECK(v.num == -300);
    gmdl_json_fini(&v);
}

/* GMDL_JSON_MAX_DEPTH containers around the deepest value are accepted, one more is an error. */
static void test_depth(void) {
    enum { D = GMDL_JSON_MAX_DEPTH };
    char buf[4 * D + 16];
    gmdl_json v;
    gmdl_err e = {{0}};
    size_t k = 0;
    for (int i = 0; i < D; i++)
        buf[k++] = '[';
    buf[k++] = '7';
    for (int i = 0; i < D; i++)
        buf[k++] = ']';
    CHECK_OK(gmdl_json_parse(&v, buf, k, "deep", &e));
    const gmdl_json *x = &v;
    int depth = 0;
    while (x->type == GMDL_JSON_ARRAY && x->n == 1) {
        x = &x->items[0];
        depth++;
    }
    CHECK_EQ(depth, D);
    CHECK(x->type == GMDL_JSON_NUMBER && x->num == 7);
    gmdl_json_fini(&v);
    /* objects count too: {"a": [[...[1]...]]} with D + 1 containers around the 1 */
    k = 0;
    memcpy(buf, "{\"a\":", 5);
    k = 5;
    for (int i = 0; i < D; i++)
        buf[k++] = '[';
    buf[k++] = '1';
    for (int i = 0; i < D; i++)
        buf[k++] = ']';
    buf[k++] = '}';
    CHECK_STATUS(gmdl_json_parse(&v, buf, k, "deep", &e), GMDL_EPARSE);
    char want[64];
    snprintf(want, sizeof want, "deep:1:%d: nesting too deep", 5 + D + 1);
    CHECK_STR_CONTAINS(e.msg, want);
    /* a hostile document far deeper than the limit fails without exhausting the stack */
    size_t big = 1000000;
    char *deep = malloc(big);
    memset(deep, '[', big);
    CHECK_STATUS(gmdl_json_parse(&v, deep, big, "deep", &e), GMDL_EPARSE);
    CHECK_STR_CONTAINS(e.msg, "nesting too deep");
    free(deep);
}

static void test_files(const char *tmpdir) {
    gmdl_json v;
    gmdl_err e = {{0}};
    char path[600];
    snprintf(path, sizeof path, "%s/missing.json", tmpdir);
    CHECK_STATUS(gmdl_json_read_file(&v, path, &e), GMDL_ENOENT);
    CHECK_STR_CONTAINS(e.msg, "missing.json: no such file");
    snprintf(path, sizeof path, "%s/bad.json", tmpdir);
    FILE *f = fopen(path, "wb");
    fputs("{\"y\": [1,\n 2 3]}", f);
    fclose(f);
    CHECK_STATUS(gmdl_json_read_file(&v, path, &e), GMDL_EPARSE);
    char want[700];
    snprintf(want, sizeof want, "%s:2:4: expected ',' or ']'", path);
    CHECK_STR_CONTAINS(e.msg, want);
    remove(path);

    /* posteriordb's eight_schools data.json, verbatim */
    snprintf(path, sizeof path, "%s/data.json", tmpdir);
    f = fopen(path, "wb");
    fputs("{\n  \"J\": 8,\n  \"y\": [28, 8, -3, 7, -1, 1, 18, 12],\n"
          "  \"sigma\": [15, 10, 16, 11, 9, 11, 10, 18]\n}\n",
          f);
    fclose(f);
    CHECK_OK(gmdl_json_read_file(&v, path, &e));
    const gmdl_json *y, *sigma;
    CHECK_OK(gmdl_json_get_numbers(&y, &v, "y", path, &e));
    CHECK_OK(gmdl_json_get_numbers(&sigma, &v, "sigma", path, &e));
    const double want_y[8] = {28, 8, -3, 7, -1, 1, 18, 12},
                 want_s[8] = {15, 10, 16, 11, 9, 11, 10, 18};
    CHECK(y && sigma && y->n == 8 && sigma->n == 8);
    for (size_t k = 0; y && sigma && k < 8 && k < y->n && k < sigma->n; k++)
        CHECK(y->items[k].num == want_y[k] && sigma->items[k].num == want_s[k]);
    CHECK_EQ(gmdl_json_get(&v, "J")->num, 8);
    CHECK(sigma && sigma->line == 4 && sigma->col == 12);
    gmdl_json_fini(&v);
    remove(path);
}

static void test_get_numbers(void) {
    gmdl_json v;
    gmdl_err e = {{0}};
    const gmdl_json *a = NULL;
    CHECK_OK(PARSE("{\"y\": [1, 2],\n \"e\": [], \"s\": \"1\", \"m\": [1, \"2\"]}", &v, &e));
    CHECK_OK(gmdl_json_get_numbers(&a, &v, "y", "d.json", &e));
    CHECK(a && a->n == 2 && a->items[1].num == 2);
    CHECK_STATUS(gmdl_json_get_numbers(&a, &v, "x", "d.json", &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "d.json: missing key \"x\"");
    CHECK(a == NULL);
    CHECK_STATUS(gmdl_json_get_numbers(&a, &v, "e", "d.json", &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "d.json:2:7: \"e\" must be a non-empty array of numbers");
    CHECK_STATUS(gmdl_json_get_numbers(&a, &v, "s", "d.json", &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "d.json:2:16: \"s\" must be a non-empty array of numbers");
    CHECK_STATUS(gmdl_json_get_numbers(&a, &v, "m", "d.json", &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "d.json:2:30: \"m\"[1] is not a number");
    CHECK_STATUS(gmdl_json_get_numbers(&a, &v.items[0], "y", "d.json", &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "d.json:1:7: expected a JSON object, found an array");
    CHECK_STATUS(gmdl_json_get_numbers(&a, &v, NULL, "d.json", &e), GMDL_EINVAL);
    gmdl_json_fini(&v);
}

/* Allocation failure: fail the k-th allocation for k = 0, 1, ... until the parse succeeds; each
 * attempt must return ENOMEM with nothing leaked (the sanitizer build checks the leaks), and the
 * allocation count must be balanced by frees. */
static long fail_at_alloc = -1, n_alloc, n_live;
static void *test_malloc(size_t n) {
    if (fail_at_alloc >= 0 && n_alloc++ == fail_at_alloc)
        return NULL;
    void *p = malloc(n);
    n_live += p != NULL;
    return p;
}
static void *test_realloc(void *p, size_t n) {
    if (fail_at_alloc >= 0 && n_alloc++ == fail_at_alloc)
        return NULL;
    void *q = realloc(p, n);
    n_live += q != NULL && p == NULL;
    return q;
}
static void test_free(void *p) {
    n_live -= p != NULL;
    free(p);
}

static void test_alloc_failures(void) {
    static const char doc[] =
        "{\"a\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], \"bb\": {\"c\": \"\\u00e9\","
        " \"d\": [[], {}, [\"x\", \"y\"]]}, "
        "\"n\": 1234567890123456789012345678901234567890123456789012345678901234567890}";
    int ok = 0, attempts = 0, bad = 0;
    for (long k = 0; k < 1000 && !ok; k++) {
        gmdl_json v;
        gmdl_err e = {{0}};
        fail_at_alloc = k;
        n_alloc = 0;
        n_live = 0;
        gmdl_status s = gmdl_json_parse(&v, doc, sizeof doc - 1, "t", &e);
        attempts++;
        if (s == GMDL_OK) {
            ok = 1;
            gmdl_json_fini(&v);
        } else if (s != GMDL_ENOMEM || !strstr(e.msg, "out of memory")) {
            bad++;
        }
        if (n_live != 0)
            bad++;
    }
    fail_at_alloc = -1;
    CHECK(ok);
    CHECK(attempts > 10); /* the document needs many allocations, each failed once */
    CHECK_EQ(bad, 0);
}

/* Random byte mutations of a valid document: OK or EPARSE only, and an accepted tree has every
 * member in place. */
static int tree_ok(const gmdl_json *v) {
    if ((v->type == GMDL_JSON_ARRAY || v->type == GMDL_JSON_OBJECT) && v->n && !v->items)
        return 0;
    if (v->type == GMDL_JSON_OBJECT && v->n && !v->keys)
        return 0;
    if (v->type == GMDL_JSON_STRING && !v->str)
        return 0;
    for (size_t i = 0; i < v->n; i++)
        if (!tree_ok(&v->items[i]) || (v->type == GMDL_JSON_OBJECT && !v->keys[i]))
            return 0;
    return 1;
}

static void test_mutations(void) {
    const char base[] = "{\"y\": [28, -8.5e1, 0], \"s\": \"a\\u00e9\\n\", \"o\": {\"t\": true, "
                        "\"f\": [false, null, []]}}";
    const char alphabet[] = "0123456789,\":[]{}\\u.eE-+ \ntfn\0";
    gmdl_rng r;
    gmdl_rng_derive(&r, th_seed(4242), GMDL_RNG_DATA_SYNTH, 0);
    int bad_status = 0, bad_tree = 0, accepted = 0;
    for (int iter = 0; iter < 5000; iter++) {
        char buf[sizeof base];
        size_t len = mutate_bytes(&r, buf, base, sizeof base - 1, alphabet, sizeof alphabet - 1);
        gmdl_json v;
        gmdl_err e = {{0}};
        gmdl_status s = gmdl_json_parse(&v, buf, len, "m", &e);
        if (s != GMDL_OK && s != GMDL_EPARSE)
            bad_status++;
        if (s == GMDL_OK) {
            accepted++;
            bad_tree += !tree_ok(&v);
            gmdl_json_fini(&v);
        } else if (strncmp(e.msg, "m:", 2) != 0) {
            bad_status++;
        }
    }
    CHECK_EQ(bad_status, 0);
    CHECK_EQ(bad_tree, 0);
    CHECK(accepted > 0);
}

int main(void) {
    CHECK_OK(gmdl_set_allocator(test_malloc, test_realloc, test_free));
    char tmpdir[256];
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gmdl_test_json.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_valid();
    test_numbers();
    test_strings();
    test_errors();
    test_depth();
    test_files(tmpdir);
    test_get_numbers();
    test_alloc_failures();
    test_mutations();
    rmdir(tmpdir);
    TEST_MAIN_END();
}
