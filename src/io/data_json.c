/* Stan-format JSON data (CmdStan's data files, posteriordb's data.json): one object whose members
 * are scalars, arrays of numbers (vectors, integer arrays) and arrays of equal-length arrays of
 * numbers (matrices, row by row). This accessor reads the file once through the JSON reader and
 * hands out values by name, with the shape and type checked: every error names the file, the
 * line and column of the value and the key, and says what was expected and what was found. */
#include "common.h"
#include "gmdl/io.h"

struct gmdl_data {
    gmdl_json root;
    char *path;
};

gmdl_status gmdl_data_json_open(gmdl_data **out, const char *path, gmdl_err *err) {
    if (!out || !path)
        return gmdl__fail(err, GMDL_EINVAL, "data: NULL argument");
    *out = NULL;
    gmdl_data *d = gmdl__calloc(1, sizeof *d);
    if (!d || !(d->path = gmdl__strdup(path))) {
        gmdl__free(d);
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
    }
    gmdl_status s = gmdl_json_read_file(&d->root, path, err);
    if (s == GMDL_OK && d->root.type != GMDL_JSON_OBJECT)
        s = gmdl__fail(err, GMDL_EINVAL, "%s:%zu:%zu: Stan data must be a JSON object, found %s",
                       path, d->root.line, d->root.col, gmdl_json_type_name(d->root.type));
    if (s != GMDL_OK) {
        gmdl_data_close(d);
        return s;
    }
    *out = d;
    return GMDL_OK;
}

void gmdl_data_close(gmdl_data *d) {
    if (!d)
        return;
    gmdl_json_fini(&d->root);
    gmdl__free(d->path);
    gmdl__free(d);
}

int gmdl_data_has(const gmdl_data *d, const char *name) {
    return d && name && gmdl_json_get(&d->root, name) != NULL;
}

/* The member NAME, or EINVAL naming the file and the missing key. */
static gmdl_status
member(const gmdl_json **v, const gmdl_data *d, const char *name, gmdl_err *err) {
    if (!d || !name)
        return gmdl__fail(err, GMDL_EINVAL, "data: NULL argument");
    *v = gmdl_json_get(&d->root, name);
    if (!*v)
        return gmdl__fail(err, GMDL_EINVAL, "%s: missing key \"%s\"", d->path, name);
    return GMDL_OK;
}

/* A number (integer when want_int), or EINVAL naming where and what. what: "" or "[i]". */
static gmdl_status number(double *x,
                          const gmdl_data *d,
                          const gmdl_json *v,
                          const char *name,
                          const char *what,
                          int want_int,
                          gmdl_err *err) {
    if (v->type != GMDL_JSON_NUMBER)
        return gmdl__fail(err, GMDL_EINVAL, "%s:%zu:%zu: \"%s\"%s must be %s, found %s", d->path,
                          v->line, v->col, name, what, want_int ? "an integer" : "a number",
                          gmdl_json_type_name(v->type));
    if (want_int && (v->num != floor(v->num) || fabs(v->num) > 9007199254740992.0))
        return gmdl__fail(err, GMDL_EINVAL, "%s:%zu:%zu: \"%s\"%s must be an integer, found %.17g",
                          d->path, v->line, v->col, name, what, v->num);
    *x = v->num;
    return GMDL_OK;
}

gmdl_status gmdl_data_real(double *out, const gmdl_data *d, const char *name, gmdl_err *err) {
    const gmdl_json *v;
    gmdl_status s = member(&v, d, name, err);
    return s ? s : number(out, d, v, name, "", 0, err);
}

gmdl_status gmdl_data_int(long long *out, const gmdl_data *d, const char *name, gmdl_err *err) {
    const gmdl_json *v;
    double x = 0;
    gmdl_status s = member(&v, d, name, err);
    if (s == GMDL_OK)
        s = number(&x, d, v, name, "", 1, err);
    if (s == GMDL_OK)
        *out = (long long)x;
    return s;
}

/* An array of n numbers into out (when cap >= n; out may be NULL with cap 0 to ask for n). */
static gmdl_status array(double *out,
                         long long *iout,
                         int want_int,
                         size_t cap,
                         size_t *n,
                         const gmdl_data *d,
                         const char *name,
                         gmdl_err *err) {
    const gmdl_json *v;
    gmdl_status s = member(&v, d, name, err);
    if (s != GMDL_OK)
        return s;
    if (v->type != GMDL_JSON_ARRAY)
        return gmdl__fail(err, GMDL_EINVAL, "%s:%zu:%zu: \"%s\" must be an array, found %s",
                          d->path, v->line, v->col, name, gmdl_json_type_name(v->type));
    *n = v->n;
    if (cap < v->n && (out || iout || cap))
        return gmdl__fail(err, GMDL_ESHAPE, "%s:%zu:%zu: \"%s\" has %zu values, room for %zu",
                          d->path, v->line, v->col, name, v->n, cap);
    for (size_t k = 0; k < v->n; k++) {
        char what[32];
        double x = 0;
        snprintf(what, sizeof what, "[%zu]", k + 1);
        if ((s = number(&x, d, &v->items[k], name, what, want_int, err)) != GMDL_OK)
            return s;
        if (out)
            out[k] = x;
        if (iout)
            iout[k] = (long long)x;
    }
    return GMDL_OK;
}

gmdl_status gmdl_data_vector(
    double *out, size_t cap, size_t *n, const gmdl_data *d, const char *name, gmdl_err *err) {
    if (!n)
        return gmdl__fail(err, GMDL_EINVAL, "data: NULL argument");
    return array(out, NULL, 0, cap, n, d, name, err);
}

gmdl_status gmdl_data_ints(
    long long *out, size_t cap, size_t *n, const gmdl_data *d, const char *name, gmdl_err *err) {
    if (!n)
        return gmdl__fail(err, GMDL_EINVAL, "data: NULL argument");
    return array(NULL, out, 1, cap, n, d, name, err);
}

gmdl_status gmdl_data_matrix(double *out,
                             size_t cap,
                             size_t *rows,
                             size_t *cols,
                             const gmdl_data *d,
                             const char *name,
                             gmdl_err *err) {
    const gmdl_json *v;
    if (!rows || !cols)
        return gmdl__fail(err, GMDL_EINVAL, "data: NULL argument");
    gmdl_status s = member(&v, d, name, err);
    if (s != GMDL_OK)
        return s;
    if (v->type != GMDL_JSON_ARRAY || v->n == 0 || v->items[0].type != GMDL_JSON_ARRAY)
        return gmdl__fail(
            err, GMDL_EINVAL,
            "%s:%zu:%zu: \"%s\" must be a matrix (a non-empty array of rows), found %s", d->path,
            v->line, v->col, name, gmdl_json_type_name(v->type));
    size_t r = v->n, c = v->items[0].n;
    *rows = r;
    *cols = c;
    if (cap < r * c && (out || cap))
        return gmdl__fail(err, GMDL_ESHAPE, "%s:%zu:%zu: \"%s\" is %zu x %zu, room for %zu values",
                          d->path, v->line, v->col, name, r, c, cap);
    for (size_t i = 0; i < r; i++) {
        const gmdl_json *row = &v->items[i];
        if (row->type != GMDL_JSON_ARRAY || row->n != c)
            return gmdl__fail(
                err, GMDL_ESHAPE,
                "%s:%zu:%zu: \"%s\" row %zu must be an array of %zu numbers, found %s", d->path,
                row->line, row->col, name, i + 1, c,
                row->type == GMDL_JSON_ARRAY ? "another length" : gmdl_json_type_name(row->type));
        for (size_t j = 0; j < c; j++) {
            char what[48];
            double x = 0;
            snprintf(what, sizeof what, "[%zu][%zu]", i + 1, j + 1);
            if ((s = number(&x, d, &row->items[j], name, what, 0, err)) != GMDL_OK)
                return s;
            if (out)
                out[i * c + j] = x;
        }
    }
    return GMDL_OK;
}
