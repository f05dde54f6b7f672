/* libsvm / svmlight sparse text reader: one example per line, "label index:value index:value ...",
 * indices 1-based and strictly increasing, blanks (spaces or tabs) between tokens, '#' to the end
 * of the line is a comment, LF or CRLF line ends. Lines that are empty after removing the comment
 * are skipped. Stored as CSR with 0-based column indices.
 *
 * Parsing follows svm-predict.c's strictness (strtod/strtol with end-pointer and errno checks), but
 * returns EPARSE with "FILE:LINE:COLUMN: problem" instead of exiting. Labels and values must be
 * finite. Not supported: the svmlight "qid:" token and gzip input. */
#include <errno.h>

#include "common.h"
#include "gmdl/io.h"

typedef struct growbuf {
    void *p;
    size_t n, cap, elem;
} growbuf;

/* Makes room for one more element; returns 0 when out of memory. */
static int grow(growbuf *b) {
    if (b->n < b->cap)
        return 1;
    size_t cap = b->cap ? b->cap * 2 : 1024, bytes;
    if (!gmdl__mul_ok(cap, b->elem, &bytes))
        return 0;
    void *np = gmdl__realloc(b->p, bytes);
    if (!np)
        return 0;
    b->p = np;
    b->cap = cap;
    return 1;
}

static int is_blank(char c) {
    return c == ' ' || c == '\t';
}

static int is_token_end(char c) {
    return c == '\0' || is_blank(c);
}

/* The "index:value" tokens of one line, from p to the end of the line, appended to cols and vals;
 * *maxcol is raised to the largest index. Errors name the line and the token's column. */
static gmdl_status parse_features(const char *path,
                                  size_t lineno,
                                  const char *line,
                                  char *p,
                                  size_t max_index,
                                  growbuf *cols,
                                  growbuf *vals,
                                  size_t *maxcol,
                                  gmdl_err *err) {
    size_t prev = 0;
    for (;;) {
        while (is_blank(*p))
            p++;
        if (*p == '\0')
            return GMDL_OK;
        size_t col = (size_t)(p - line) + 1;
        if (*p < '0' || *p > '9')
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%zu:%zu: expected a feature index (a positive integer)", path,
                              lineno, col);
        char *end;
        errno = 0;
        long long idx = strtoll(p, &end, 10);
        if (*end != ':')
            return gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: missing ':' after feature index", path,
                              lineno, (size_t)(end - line) + 1);
        if (idx == 0)
            return gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: feature index 0 (indices are 1-based)",
                              path, lineno, col);
        if (errno == ERANGE || (unsigned long long)idx > (unsigned long long)max_index)
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%zu:%zu: feature index %.*s above the maximum %zu", path, lineno,
                              col, (int)(end - p < 24 ? end - p : 24), p, max_index);
        if ((size_t)idx <= prev)
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%zu:%zu: feature index %lld not strictly increasing (after %zu)",
                              path, lineno, col, idx, prev);
        char *v = end + 1;
        size_t vcol = (size_t)(v - line) + 1;
        if (is_token_end(*v))
            return gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: missing value after ':'", path, lineno,
                              vcol);
        errno = 0;
        double val = strtod(v, &end);
        if (end == v || !is_token_end(*end))
            return gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: value of feature %lld is not a number",
                              path, lineno, vcol, idx);
        if (!isfinite(val) || (errno == ERANGE && fabs(val) > 1.0))
            return gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: value of feature %lld is not finite",
                              path, lineno, vcol, idx);
        if (!grow(cols) || !grow(vals))
            return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
        ((uint32_t *)cols->p)[cols->n++] = (uint32_t)(idx - 1);
        ((double *)vals->p)[vals->n++] = val;
        prev = (size_t)idx;
        if (prev > *maxcol)
            *maxcol = prev;
        p = end;
    }
}

gmdl_status gmdl_libsvm_read(gmdl_libsvm *out, const char *path, size_t max_index, gmdl_err *err) {
    memset(out, 0, sizeof *out);
    if (!path)
        return gmdl__fail(err, GMDL_EINVAL, "libsvm: path is NULL");
    if (max_index < 1)
        return gmdl__fail(err, GMDL_EINVAL, "libsvm: max_index must be >= 1");
    /* Column indices are stored as uint32_t (0-based). */
    if (max_index > (size_t)UINT32_MAX + 1)
        max_index = (size_t)UINT32_MAX + 1;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        if (errno == ENOENT)
            return gmdl__fail(err, GMDL_ENOENT, "%s: no such file", path);
        return gmdl__fail(err, GMDL_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    growbuf labels = {.elem = sizeof(double)}, rows = {.elem = sizeof(size_t)},
            cols = {.elem = sizeof(uint32_t)}, vals = {.elem = sizeof(double)};
    gmdl_status s = GMDL_OK;
    char *line = NULL;
    size_t linecap = 0, lineno = 0, maxcol = 0;
    if (!grow(&rows)) {
        s = gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    ((size_t *)rows.p)[rows.n++] = 0;
    for (;;) {
        errno = 0;
        ssize_t got = getline(&line, &linecap, fp);
        if (got < 0) {
            if (ferror(fp))
                s = gmdl__fail(err, errno == ENOMEM ? GMDL_ENOMEM : GMDL_EIO, "%s:%zu: read error",
                               path, lineno + 1);
            break;
        }
        lineno++;
        size_t len = (size_t)got;
        if (strlen(line) != len) {
            s = gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: NUL byte", path, lineno,
                           strlen(line) + 1);
            goto done;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *p = line;
        while (is_blank(*p))
            p++;
        if (*p == '\0')
            continue;
        /* Label. */
        char *end;
        errno = 0;
        double label = strtod(p, &end);
        if (end == p || !is_token_end(*end)) {
            s = gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: label is not a number", path, lineno,
                           (size_t)(p - line) + 1);
            goto done;
        }
        if (!isfinite(label) || (errno == ERANGE && fabs(label) > 1.0)) {
            s = gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: label is not finite", path, lineno,
                           (size_t)(p - line) + 1);
            goto done;
        }
        if (!grow(&labels)) {
            s = gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
            goto done;
        }
        ((double *)labels.p)[labels.n++] = label;
        s = parse_features(path, lineno, line, end, max_index, &cols, &vals, &maxcol, err);
        if (s != GMDL_OK)
            goto done;
        if (!grow(&rows)) {
            s = gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
            goto done;
        }
        ((size_t *)rows.p)[rows.n++] = cols.n;
    }
    if (s == GMDL_OK && labels.n == 0)
        s = gmdl__fail(err, GMDL_EPARSE, "%s:%zu:1: no data lines", path, lineno ? lineno : 1);
done:
    free(line); /* allocated by getline with the C library's malloc */
    fclose(fp);
    if (s != GMDL_OK) {
        gmdl__free(labels.p);
        gmdl__free(rows.p);
        gmdl__free(cols.p);
        gmdl__free(vals.p);
        return s;
    }
    /* Keep the arrays non-NULL even for an all-empty feature set. */
    if (!cols.p && (!grow(&cols) || !grow(&vals))) {
        gmdl__free(labels.p);
        gmdl__free(rows.p);
        gmdl__free(cols.p);
        gmdl__free(vals.p);
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
    }
    out->nrows = labels.n;
    out->ncols = maxcol;
    out->nnz = cols.n;
    out->labels = labels.p;
    out->row_ptr = rows.p;
    out->cols = cols.p;
    out->vals = vals.p;
    return GMDL_OK;
}

void gmdl_libsvm_fini(gmdl_libsvm *d) {
    if (!d)
        return;
    gmdl__free(d->labels);
    gmdl__free(d->row_ptr);
    gmdl__free(d->cols);
    gmdl__free(d->vals);
    memset(d, 0, sizeof *d);
}

gmdl_status gmdl_libsvm_from_dense(
    gmdl_libsvm *out, const double *x, const double *labels, size_t n, size_t p, gmdl_err *err) {
    if (!out)
        return gmdl__fail(err, GMDL_EINVAL, "libsvm: NULL argument");
    memset(out, 0, sizeof *out);
    if ((!x && n && p) || (!labels && n))
        return gmdl__fail(err, GMDL_EINVAL, "libsvm: NULL argument");
    size_t cells;
    if (p > (size_t)UINT32_MAX + 1)
        return gmdl__fail(err, GMDL_ELIMIT, "libsvm: %zu columns exceed the 32-bit index", p);
    if (!gmdl__mul_ok(n, p, &cells) || n == SIZE_MAX)
        return gmdl__fail(err, GMDL_ELIMIT, "libsvm: %zu x %zu matrix too large", n, p);
    size_t nnz = 0;
    for (size_t k = 0; k < cells; k++)
        nnz += x[k] != 0;
    cells = nnz ? nnz : 1; /* arrays stay non-NULL, as after gmdl_libsvm_read */
    out->labels = gmdl__malloc((n ? n : 1) * sizeof(double));
    out->row_ptr = gmdl__malloc((n + 1) * sizeof(size_t));
    out->cols = gmdl__malloc(cells * sizeof(uint32_t));
    out->vals = gmdl__malloc(cells * sizeof(double));
    if (!out->labels || !out->row_ptr || !out->cols || !out->vals) {
        gmdl_libsvm_fini(out);
        return gmdl__fail(err, GMDL_ENOMEM, "libsvm: out of memory");
    }
    if (n)
        memcpy(out->labels, labels, n * sizeof(double));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        out->row_ptr[i] = k;
        for (size_t j = 0; j < p; j++) {
            if (x[i * p + j] != 0) {
                out->cols[k] = (uint32_t)j;
                out->vals[k++] = x[i * p + j];
            }
        }
    }
    out->row_ptr[n] = k;
    out->nrows = n;
    out->ncols = p;
    out->nnz = k;
    return GMDL_OK;
}
