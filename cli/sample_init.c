/* gmdl sample --init FILE.json: the chains' starting values, on the constrained scale, as
 * Stan-format JSON read through the library's accessor (gmdl_data_json_open), keyed as CmdStan's
 * init files are: a parameter named "mu" is the scalar "mu", "theta[3]" is the third value of the
 * vector "theta", "L[2,1]" the (2, 1) value of the matrix "L"; a model without names has
 * theta[1..dim]. Every parameter must be given (keys the model does not have are ignored, as
 * CmdStan does); the values are mapped to the unconstrained scale, so a value outside a
 * parameter's support is refused, naming it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

#define INIT_MAX_NAME 256

/* Splits NAME into its base and up to 2 one-based indices; returns the number of indices, or -1
 * for a name this reader cannot place (more than 2 indices, an index that is not a number). */
static int split_name(const char *name, char *base, size_t cap, size_t idx[2]) {
    const char *br = strchr(name, '[');
    size_t len = br ? (size_t)(br - name) : strlen(name);
    if (len == 0 || len >= cap)
        return -1;
    memcpy(base, name, len);
    base[len] = 0;
    if (!br)
        return 0;
    int n = 0;
    const char *p = br + 1;
    for (;;) {
        char *end;
        if (n == 2 || !isdigit((unsigned char)*p))
            return -1;
        unsigned long long v = strtoull(p, &end, 10);
        if (v < 1)
            return -1;
        idx[n++] = (size_t)v;
        p = end;
        if (*p == ']')
            return p[1] ? -1 : n;
        if (*p != ',')
            return -1;
        p++;
    }
}

/* The last vector or matrix read, so that theta[1], theta[2], ... read "theta" once. */
typedef struct {
    char base[INIT_MAX_NAME];
    int k; /* 1 vector, 2 matrix, 0 empty */
    double *vals;
    size_t n, rows, cols;
} init_cache;

/* Reads vector (k = 1) or matrix (k = 2) BASE into the cache unless it holds it already. */
static gmdl_status
cache_load(init_cache *c, const gmdl_data *d, const char *base, int k, gmdl_err *err) {
    if (c->k == k && strcmp(c->base, base) == 0)
        return GMDL_OK;
    free(c->vals);
    memset(c, 0, sizeof *c);
    gmdl_status s = k == 1 ? gmdl_data_vector(NULL, 0, &c->n, d, base, err)
                           : gmdl_data_matrix(NULL, 0, &c->rows, &c->cols, d, base, err);
    if (s != GMDL_OK)
        return s;
    size_t need = k == 1 ? c->n : c->rows * c->cols;
    if (!(c->vals = malloc((need ? need : 1) * sizeof(double))))
        return GMDL_ENOMEM;
    s = k == 1 ? gmdl_data_vector(c->vals, need, &c->n, d, base, err)
               : gmdl_data_matrix(c->vals, need, &c->rows, &c->cols, d, base, err);
    if (s != GMDL_OK) {
        free(c->vals);
        memset(c, 0, sizeof *c);
        return s;
    }
    snprintf(c->base, sizeof c->base, "%s", base);
    c->k = k;
    return GMDL_OK;
}

/* The value of parameter NAME from d, or a status with the message in err. */
static gmdl_status value_of(double *out,
                            init_cache *c,
                            const gmdl_data *d,
                            const char *name,
                            const char *path,
                            gmdl_err *err) {
    char base[INIT_MAX_NAME];
    size_t idx[2] = {0, 0};
    int k = split_name(name, base, sizeof base, idx);
    if (k < 0) {
        snprintf(err->msg, sizeof err->msg,
                 "%s: cannot read parameter \"%s\" (only scalars, vectors and matrices)", path,
                 name);
        return GMDL_EUNSUPPORTED;
    }
    if (k == 0)
        return gmdl_data_real(out, d, base, err);
    gmdl_status s = cache_load(c, d, base, k, err);
    if (s != GMDL_OK)
        return s;
    if ((k == 1 && idx[0] > c->n) || (k == 2 && (idx[0] > c->rows || idx[1] > c->cols))) {
        if (k == 1)
            snprintf(err->msg, sizeof err->msg,
                     "%s: \"%s\" has %zu values, the model's parameter %s needs at least %zu", path,
                     base, c->n, name, idx[0]);
        else
            snprintf(err->msg, sizeof err->msg,
                     "%s: \"%s\" is %zu x %zu, the model's parameter %s needs at least %zu x %zu",
                     path, base, c->rows, c->cols, name, idx[0], idx[1]);
        return GMDL_ESHAPE;
    }
    *out = k == 1 ? c->vals[idx[0] - 1] : c->vals[(idx[0] - 1) * c->cols + idx[1] - 1];
    return GMDL_OK;
}

int sample_init_read(double **u_out, const gmdl_target *t, const char *path) {
    gmdl_err err = {{0}};
    gmdl_data *d = NULL;
    size_t dim = t->dim;
    double *x = calloc(2 * dim, sizeof(double));
    char **names = calloc(dim, sizeof(char *));
    init_cache cache = {{0}, 0, NULL, 0, 0, 0};
    gmdl_status s = x && names ? gmdl_data_json_open(&d, path, &err) : GMDL_ENOMEM;
    for (size_t j = 0; s == GMDL_OK && j < dim; j++) {
        char buf[INIT_MAX_NAME];
        if (t->names)
            snprintf(buf, sizeof buf, "%s", t->names[j]);
        else
            snprintf(buf, sizeof buf, "theta[%zu]", j + 1);
        size_t len = strlen(buf) + 1;
        if (!(names[j] = malloc(len)))
            s = GMDL_ENOMEM;
        else {
            memcpy(names[j], buf, len);
            s = value_of(&x[j], &cache, d, buf, path, &err);
        }
    }
    free(cache.vals);
    gmdl_data_close(d);
    int support = 0; /* the library's message does not name the file */
    if (s == GMDL_OK) {
        gmdl_target named = *t; /* so that a refusal names the parameter */
        named.names = (const char *const *)names;
        s = gmdl_target_unconstrain(x + dim, &named, x, &err);
        support = s != GMDL_OK;
    }
    for (size_t j = 0; names && j < dim; j++)
        free(names[j]);
    free(names);
    if (s != GMDL_OK) {
        free(x);
        fprintf(stderr, "gmdl sample: --init %s%s%s\n", support ? path : "", support ? ": " : "",
                err.msg[0] ? err.msg : gmdl_status_str(s));
        return gmdl_status_is_input_error(s) ? 2 : 1;
    }
    memmove(x, x + dim, dim * sizeof(double));
    *u_out = x;
    return 0;
}
