/* JSON reader (RFC 8259): a whole document into a tree of gmdl_json values.
 *
 * Recursive descent over one byte buffer. The nesting depth is capped (GMDL_JSON_MAX_DEPTH), so a
 * hostile file cannot exhaust the stack. Strings are decoded: the escapes \" \\ \/ \b \f \n \r \t
 * and \uXXXX (surrogate pairs joined) become UTF-8. Numbers follow the JSON grammar strictly (no
 * leading zeros, '+', '.', hex, inf or nan), are converted with strtod and must be finite in
 * double (an underflow to zero or a subnormal is accepted). Every value keeps its 1-based line and
 * byte column, so that callers can point at a value that parses but does not fit.
 *
 * Errors are EPARSE "NAME:LINE:COLUMN: problem" (ENOMEM, ENOENT, EIO from the file), and a failed
 * parse leaves nothing allocated. A UTF-8 byte order mark is skipped.
 * Not done here: UTF-8 validation (bytes >= 0x80 pass through unchanged), streaming input, writing
 * JSON (the command-line tool has its own writer). A key given twice in one object is an error
 * (EPARSE at the second). */
#include <errno.h>

#include "common.h"
#include "gmdl/io.h"
#include "text.h"

#define JSTR_(x) #x
#define JSTR(x)  JSTR_(x)

typedef struct jparser {
    const char *name, *s;
    size_t i, len, line, line_start;
    gmdl_err *err;
} jparser;

/* EPARSE at byte `at` of the current line. */
static gmdl_status fail_at(jparser *p, size_t at, const char *what) {
    return gmdl__fail(p->err, GMDL_EPARSE, "%s:%zu:%zu: %s", p->name, p->line,
                      at - p->line_start + 1, what);
}

static gmdl_status fail(jparser *p, const char *what) {
    return fail_at(p, p->i, what);
}

static gmdl_status fail_nomem(jparser *p) {
    return gmdl__fail(p->err, GMDL_ENOMEM, "%s: out of memory", p->name);
}

static void skip_ws(jparser *p) {
    while (p->i < p->len) {
        char c = p->s[p->i];
        if (c == '\n') {
            p->line++;
            p->line_start = p->i + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            return;
        }
        p->i++;
    }
}

static int hex4(const char *s, unsigned *out) {
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d == 16)
            return 0;
        v = v * 16 + d;
    }
    *out = v;
    return 1;
}

static size_t put_utf8(char *w, unsigned cp) {
    if (cp < 0x80) {
        w[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        w[0] = (char)(0xC0 | (cp >> 6));
        w[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        w[0] = (char)(0xE0 | (cp >> 12));
        w[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        w[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    w[0] = (char)(0xF0 | (cp >> 18));
    w[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    w[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    w[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The \uXXXX escape at s[i] (i at the backslash): the code point, joining a surrogate pair, and
 * the escape's length in *used; 0 when it is malformed. */
static int unicode_escape(const jparser *p, size_t i, unsigned *cp, size_t *used) {
    unsigned hi, lo;
    if (i + 6 > p->len || !hex4(p->s + i + 2, &hi))
        return 0;
    *used = 6;
    if (hi >= 0xDC00 && hi <= 0xDFFF)
        return 0;
    if (hi < 0xD800 || hi > 0xDBFF) {
        *cp = hi;
        return 1;
    }
    if (i + 12 > p->len || p->s[i + 6] != '\\' || p->s[i + 7] != 'u' || !hex4(p->s + i + 8, &lo) ||
        lo < 0xDC00 || lo > 0xDFFF)
        return 0;
    *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    *used = 12;
    return 1;
}

/* A string starting at the opening quote: decoded into *out (NUL-terminated, *n bytes). Strings
 * cannot span lines (a raw line end is a control character), so positions stay on this line. */
static gmdl_status parse_string(jparser *p, char **out, size_t *n) {
    size_t start = ++p->i;
    while (p->i < p->len && p->s[p->i] != '"') {
        if (p->s[p->i] == '\\')
            p->i++;
        else if ((unsigned char)p->s[p->i] < 0x20)
            return fail(p, "control character in a string");
        p->i++;
    }
    if (p->i >= p->len)
        return fail_at(p, p->len, "unterminated string");
    size_t end = p->i;
    char *w = gmdl__malloc(end - start + 1); /* decoding only ever shrinks the text */
    if (!w)
        return fail_nomem(p);
    size_t k = 0;
    for (size_t i = start; i < end;) {
        if (p->s[i] != '\\') {
            w[k++] = p->s[i++];
            continue;
        }
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *e = i + 1 < end ? strchr(from, p->s[i + 1]) : NULL;
        if (e && *e) {
            w[k++] = to[e - from];
            i += 2;
            continue;
        }
        unsigned cp;
        size_t used;
        if (p->s[i + 1] == 'u' && unicode_escape(p, i, &cp, &used)) {
            k += put_utf8(w + k, cp);
            i += used;
            continue;
        }
        gmdl__free(w);
        return fail_at(p, i,
                       p->s[i + 1] == 'u' ? "bad \\u escape (4 hex digits; surrogates in pairs)"
                                          : "unknown escape in a string");
    }
    w[k] = '\0';
    p->i = end + 1;
    *out = w;
    if (n)
        *n = k;
    return GMDL_OK;
}

static size_t digits(const jparser *p, size_t i) {
    while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9')
        i++;
    return i;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static gmdl_status parse_number(jparser *p, double *out) {
    size_t i = p->i, d;
    if (i < p->len && p->s[i] == '-')
        i++;
    d = digits(p, i);
    if (d == i || (p->s[i] == '0' && d > i + 1))
        return fail(p, "bad number");
    i = d;
    if (i < p->len && p->s[i] == '.') {
        d = digits(p, i + 1);
        if (d == i + 1)
            return fail(p, "bad number");
        i = d;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        i++;
        if (i < p->len && (p->s[i] == '+' || p->s[i] == '-'))
            i++;
        d = digits(p, i);
        if (d == i)
            return fail(p, "bad number");
        i = d;
    }
    /* strtod on a NUL-terminated copy: the document need not end with a NUL. */
    char small[64], *buf = small;
    size_t n = i - p->i;
    if (n >= sizeof small && !(buf = gmdl__malloc(n + 1)))
        return fail_nomem(p);
    memcpy(buf, p->s + p->i, n);
    buf[n] = '\0';
    errno = 0;
    double v = strtod(buf, NULL);
    int range = errno == ERANGE && fabs(v) > 1.0;
    if (buf != small)
        gmdl__free(buf);
    if (range || !isfinite(v))
        return fail(p, "number out of range for double");
    *out = v;
    p->i = i;
    return GMDL_OK;
}

/* Room for one more member; 0 when out of memory. */
static int reserve(gmdl_json *v, size_t *cap) {
    if (v->n < *cap)
        return 1;
    size_t nc = *cap ? *cap * 2 : 8, bytes;
    if (!gmdl__mul_ok(nc, sizeof(gmdl_json), &bytes))
        return 0;
    gmdl_json *ni = gmdl__realloc(v->items, bytes);
    if (!ni)
        return 0;
    v->items = ni;
    if (v->type == GMDL_JSON_OBJECT) {
        char **nk = gmdl__realloc(v->keys, nc * sizeof(char *));
        if (!nk)
            return 0;
        v->keys = nk;
    }
    *cap = nc;
    return 1;
}

static gmdl_status parse_value(jparser *p, gmdl_json *v, int depth);

/* Members of an object sorted by key, then by position, for the duplicate check. */
typedef struct member_ref {
    const char *key;
    size_t idx;
} member_ref;
static int cmp_member(const void *a, const void *b) {
    const member_ref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* A key given twice is an error (RFC 8259 leaves the meaning open; which one a reader keeps
 * would be a silent choice). Sorting keeps this O(n log n) on objects with many keys. */
static gmdl_status check_duplicates(jparser *p, const gmdl_json *v) {
    if (v->n < 2)
        return GMDL_OK;
    member_ref *ix = gmdl__malloc(v->n * sizeof *ix);
    if (!ix)
        return fail_nomem(p);
    for (size_t k = 0; k < v->n; k++)
        ix[k] = (member_ref){v->keys[k], k};
    qsort(ix, v->n, sizeof *ix, cmp_member);
    gmdl_status s = GMDL_OK;
    for (size_t k = 1; k < v->n && !s; k++)
        if (strcmp(ix[k - 1].key, ix[k].key) == 0) {
            const gmdl_json *second = &v->items[ix[k].idx];
            s = gmdl__fail(p->err, GMDL_EPARSE, "%s:%zu:%zu: key \"%s\" appears twice", p->name,
                           second->line, second->col, ix[k].key);
        }
    gmdl__free(ix);
    return s;
}

/* An array or object starting at its opening bracket. On failure v->n counts every member that
 * was (partly) filled in, so gmdl_json_fini releases them. */
static gmdl_status parse_container(jparser *p, gmdl_json *v, int depth) {
    v->type = p->s[p->i] == '{' ? GMDL_JSON_OBJECT : GMDL_JSON_ARRAY;
    char close = v->type == GMDL_JSON_OBJECT ? '}' : ']';
    size_t cap = 0;
    p->i++;
    skip_ws(p);
    if (p->i < p->len && p->s[p->i] == close) {
        p->i++;
        return GMDL_OK;
    }
    for (;;) {
        skip_ws(p);
        if (!reserve(v, &cap))
            return fail_nomem(p);
        if (v->type == GMDL_JSON_OBJECT) {
            if (p->i >= p->len || p->s[p->i] != '"')
                return fail(p, "expected a string key");
            char *key;
            gmdl_status s = parse_string(p, &key, NULL);
            if (s)
                return s;
            skip_ws(p);
            if (p->i >= p->len || p->s[p->i] != ':') {
                gmdl__free(key);
                return fail(p, "expected ':' after the key");
            }
            p->i++;
            v->keys[v->n] = key;
        }
        gmdl_status s = parse_value(p, &v->items[v->n], depth + 1);
        v->n++;
        if (s)
            return s;
        skip_ws(p);
        if (p->i < p->len && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->len && p->s[p->i] == close) {
            p->i++;
            return v->type == GMDL_JSON_OBJECT ? check_duplicates(p, v) : GMDL_OK;
        }
        return fail(p, v->type == GMDL_JSON_OBJECT ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static gmdl_status parse_value(jparser *p, gmdl_json *v, int depth) {
    memset(v, 0, sizeof *v);
    skip_ws(p);
    v->line = p->line;
    v->col = p->i - p->line_start + 1;
    if (depth > GMDL_JSON_MAX_DEPTH)
        return fail(p, "nesting too deep (more than " JSTR(GMDL_JSON_MAX_DEPTH) " levels)");
    if (p->i >= p->len)
        return fail(p, "unexpected end of file, expected a value");
    char c = p->s[p->i];
    if (c == '{' || c == '[')
        return parse_container(p, v, depth);
    if (c == '"') {
        v->type = GMDL_JSON_STRING;
        return parse_string(p, &v->str, &v->len);
    }
    static const char *const words[3] = {"true", "false", "null"};
    for (int w = 0; w < 3; w++) {
        size_t L = strlen(words[w]);
        if (p->len - p->i >= L && memcmp(p->s + p->i, words[w], L) == 0) {
            v->type = w == 2 ? GMDL_JSON_NULL : GMDL_JSON_BOOL;
            v->num = w == 0;
            p->i += L;
            return GMDL_OK;
        }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        v->type = GMDL_JSON_NUMBER;
        return parse_number(p, &v->num);
    }
    return fail(p, "expected a value");
}

gmdl_status
gmdl_json_parse(gmdl_json *out, const char *text, size_t len, const char *name, gmdl_err *err) {
    if (!out)
        return gmdl__fail(err, GMDL_EINVAL, "json: NULL argument");
    memset(out, 0, sizeof *out);
    if (!text && len)
        return gmdl__fail(err, GMDL_EINVAL, "json: NULL argument");
    jparser p = {name ? name : "json", text, 0, len, 1, 0, err};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        p.i = p.line_start = 3;
    gmdl_status s = parse_value(&p, out, 0);
    if (!s) {
        skip_ws(&p);
        if (p.i != p.len)
            s = fail(&p, "trailing characters after the JSON value");
    }
    if (s)
        gmdl_json_fini(out);
    return s;
}

gmdl_status gmdl_json_read_file(gmdl_json *out, const char *path, gmdl_err *err) {
    if (!out || !path)
        return gmdl__fail(err, GMDL_EINVAL, "json: NULL argument");
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    gmdl_status s = gmdl__read_text(path, &text, &len, err);
    if (s)
        return s;
    s = gmdl_json_parse(out, text, len, path, err);
    gmdl__free(text);
    return s;
}

void gmdl_json_fini(gmdl_json *v) {
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        gmdl_json_fini(&v->items[i]);
        if (v->keys)
            gmdl__free(v->keys[i]);
    }
    gmdl__free(v->items);
    gmdl__free(v->keys);
    gmdl__free(v->str);
    memset(v, 0, sizeof *v);
}

const gmdl_json *gmdl_json_get(const gmdl_json *obj, const char *key) {
    if (!obj || !key || obj->type != GMDL_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

const char *gmdl_json_type_name(gmdl_json_type t) {
    static const char *const names[] = {"null",     "a boolean", "a number",
                                        "a string", "an array",  "an object"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

gmdl_status gmdl_json_get_numbers(
    const gmdl_json **arr, const gmdl_json *obj, const char *key, const char *name, gmdl_err *err) {
    if (!obj || !key || !arr)
        return gmdl__fail(err, GMDL_EINVAL, "json: NULL argument");
    *arr = NULL;
    name = name ? name : "json";
    if (obj->type != GMDL_JSON_OBJECT)
        return gmdl__fail(err, GMDL_EINVAL, "%s:%zu:%zu: expected a JSON object, found %s", name,
                          obj->line, obj->col, gmdl_json_type_name(obj->type));
    const gmdl_json *a = gmdl_json_get(obj, key);
    if (!a)
        return gmdl__fail(err, GMDL_EINVAL, "%s: missing key \"%s\"", name, key);
    if (a->type != GMDL_JSON_ARRAY || a->n == 0)
        return gmdl__fail(err, GMDL_EINVAL,
                          "%s:%zu:%zu: \"%s\" must be a non-empty array of numbers", name, a->line,
                          a->col, key);
    for (size_t k = 0; k < a->n; k++)
        if (a->items[k].type != GMDL_JSON_NUMBER)
            return gmdl__fail(err, GMDL_EINVAL, "%s:%zu:%zu: \"%s\"[%zu] is not a number", name,
                              a->items[k].line, a->items[k].col, key, k);
    *arr = a;
    return GMDL_OK;
}
