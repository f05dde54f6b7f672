/* Model data of `gmdl sample`'s built-in models, read through the library's readers: libsvm text
 * (gmdl_libsvm_read), CSV with a response column (gmdl_csv_read, gmdl_csv_xy, and
 * gmdl_libsvm_from_dense for the sparse form logistic regression takes) and JSON
 * (gmdl_json_read_file). This file only adds the command-line wording (--y) and prints. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

/* Feature indices above this are an error in libsvm data. */
#define MAX_LIBSVM_INDEX 10000000

int json_read_file(const char *path, jval *root) {
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_json_read_file(root, path, &err);
    return s ? cli_fail("sample", s, &err) : 0;
}

double *json_numbers(const jval *obj, const char *path, const char *key, size_t *n) {
    gmdl_err err = {{0}};
    const gmdl_json *a;
    gmdl_status s = gmdl_json_get_numbers(&a, obj, key, path, &err);
    if (s) {
        cli_fail("sample", s, &err);
        return NULL;
    }
    double *out = malloc(a->n * sizeof(double));
    if (!out) {
        cli_fail("sample", GMDL_ENOMEM, NULL);
        return NULL;
    }
    for (size_t k = 0; k < a->n; k++)
        out[k] = a->items[k].num;
    *n = a->n;
    return out;
}

int json_count_mismatch(const jval *obj, const char *path, const char *key, size_t n) {
    const gmdl_json *c = gmdl_json_get(obj, key);
    if (!c) /* the count is optional: the arrays' lengths say it */
        return 0;
    if (c->type != GMDL_JSON_NUMBER || c->num != floor(c->num) || c->num < 0) {
        fprintf(stderr,
                "gmdl sample: %s:%zu:%zu: \"%s\" must be a count (a whole number), got %s\n", path,
                c->line, c->col, key,
                c->type == GMDL_JSON_NUMBER ? "a fraction" : gmdl_json_type_name(c->type));
        return 1;
    }
    if (c->num != (double)n) {
        fprintf(stderr, "gmdl sample: %s:%zu:%zu: \"%s\" is %.0f but the arrays have %zu values\n",
                path, c->line, c->col, key, c->num, n);
        return 1;
    }
    return 0;
}

gmdl_status csv_xy(const char *path,
                   const char *ycol,
                   double **X,
                   double **y,
                   size_t *n,
                   size_t *p,
                   gmdl_err *err) {
    gmdl_csv c;
    *X = *y = NULL;
    gmdl_status s = gmdl_csv_read(&c, path, err);
    if (s)
        return s;
    int yc = gmdl_csv_find(&c, ycol);
    if (yc < 0) {
        snprintf(err->msg, sizeof err->msg, "%s: no column named '%s' (--y)", path, ycol);
        gmdl_csv_fini(&c);
        return GMDL_EINVAL;
    }
    size_t rows = c.nrows, feats = c.ncols > 1 ? c.ncols - 1 : 0;
    *X = malloc((rows * feats > 0 ? rows * feats : 1) * sizeof(double));
    *y = malloc((rows > 0 ? rows : 1) * sizeof(double));
    s = !*X || !*y ? GMDL_ENOMEM : gmdl_csv_xy(*X, *y, &c, (size_t)yc, err);
    gmdl_csv_fini(&c);
    if (s) {
        free(*X);
        free(*y);
        *X = *y = NULL;
        return s;
    }
    *n = rows;
    *p = feats;
    return GMDL_OK;
}

gmdl_status load_sparse(const char *path, const char *ycol, gmdl_libsvm *out, gmdl_err *err) {
    if (!cli_ends_with(path, ".csv"))
        return gmdl_libsvm_read(out, path, MAX_LIBSVM_INDEX, err);
    memset(out, 0, sizeof *out);
    if (!ycol) {
        snprintf(err->msg, sizeof err->msg, "%s: CSV data needs --y COL (the label column)", path);
        return GMDL_EINVAL;
    }
    double *X, *y;
    size_t n, p;
    gmdl_status s = csv_xy(path, ycol, &X, &y, &n, &p, err);
    if (s)
        return s;
    s = gmdl_libsvm_from_dense(out, X, y, n, p, err);
    free(X);
    free(y);
    return s;
}
