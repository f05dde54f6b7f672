/* Tabular data for nets: a CSV (feature columns and a label column) or a libsvm file read into a
 * data set of [n, 1, 1, D] rows with the labels mapped to classes; the seeded train/test split;
 * the per-feature standardisation that a tabular model stores and applies to every input row. */
#include "model/model_internal.h"

/* A label as text: CSV cells as they are, libsvm labels as "%.17g" of their value. */
static int parse_number(const char *s, double *v) {
    char *end;
    if (!*s)
        return 0;
    *v = strtod(s, &end);
    return *end == '\0' && isfinite(*v);
}

static int label_equal(const char *a, const char *b) {
    double x, y;
    if (strcmp(a, b) == 0)
        return 1;
    return parse_number(a, &x) && parse_number(b, &y) && x == y;
}

static int cmp_text(const void *pa, const void *pb) {
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static int cmp_number(const void *pa, const void *pb) {
    double x = 0.0, y = 0.0;
    parse_number(*(const char *const *)pa, &x);
    parse_number(*(const char *const *)pb, &y);
    return (x > y) - (x < y);
}

/* Joins n strings with tabs into a new string; NULL without memory. */
static char *join_tab(const char *const *s, size_t n) {
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(s[i]) + 1;
    char *out = gmdl__malloc(len), *p = out;
    for (size_t i = 0; out && i < n; i++) {
        size_t l = strlen(s[i]);
        memcpy(p, s[i], l);
        p += l;
        *p++ = i + 1 < n ? '\t' : '\0';
    }
    if (out && n == 0)
        out[0] = '\0';
    return out;
}

/* The k-th tab-separated field of s into buf (cut at size - 1). 0 when there is none. */
static int tab_field(char *buf, size_t size, const char *s, size_t k) {
    for (; k > 0; k--) {
        s = strchr(s, '\t');
        if (!s)
            return 0;
        s++;
    }
    size_t l = strcspn(s, "\t");
    snprintf(buf, size, "%.*s", (int)(l < size ? l : size - 1), s);
    return 1;
}

static size_t tab_count(const char *s) {
    size_t n = 1;
    for (; *s; s++)
        n += *s == '\t';
    return n;
}

/* Maps labels[n] to classes: those of `known` (tab-separated; each label must be one), or the
 * distinct labels sorted (numerically when all are numbers) into t->classes. */
static gmdl_status map_labels(gmdl_table *t,
                              const char *const *labels,
                              const size_t *lines,
                              const char *known,
                              const char *path,
                              gmdl_err *err) {
    const size_t n = t->ds.n;
    for (size_t i = 0; i < n; i++)
        if (strpbrk(labels[i], "\t\n\r") || !*labels[i])
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%zu: label '%s' is empty or holds a tab or "
                              "line break",
                              path, lines ? lines[i] : i + 1, labels[i]);
    if (!known) {
        const char **u = gmdl__malloc((n ? n : 1) * sizeof *u);
        if (!u)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the labels");
        memcpy(u, labels, n * sizeof *u);
        double v;
        int numbers = 1;
        for (size_t i = 0; i < n; i++)
            numbers &= parse_number(u[i], &v);
        qsort(u, n, sizeof *u, numbers ? cmp_number : cmp_text);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (k == 0 || !label_equal(u[k - 1], u[i]))
                u[k++] = u[i];
        if (k > 256) {
            gmdl__free(u);
            return gmdl__fail(err, GMDL_EINVAL,
                              "%s: %zu distinct labels; a classifier takes at most 256 classes",
                              path, k);
        }
        t->classes = join_tab(u, k);
        t->nclasses = (int)k;
        gmdl__free(u);
        if (!t->classes)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the labels");
        known = t->classes;
    } else {
        t->nclasses = (int)tab_count(known);
        t->classes = gmdl__malloc(strlen(known) + 1);
        if (!t->classes)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the labels");
        memcpy(t->classes, known, strlen(known) + 1);
    }
    char name[256];
    for (size_t i = 0; i < n; i++) {
        int c = -1;
        for (int k = 0; c < 0 && tab_field(name, sizeof name, known, (size_t)k); k++)
            if (label_equal(name, labels[i]))
                c = k;
        if (c < 0)
            return gmdl__fail(err, GMDL_EINVAL,
                              "%s:%zu: label '%s' is not one of the model's "
                              "classes (%s)",
                              path, lines ? lines[i] : i + 1, labels[i], known);
        t->ds.y[i] = c;
    }
    t->ds.classes = t->nclasses;
    return GMDL_OK;
}

static gmdl_status
alloc_rows(gmdl_table *t, size_t n, size_t dim, const char *path, gmdl_err *err) {
    if (n == 0 || dim == 0)
        return gmdl__fail(err, GMDL_EINVAL, "%s: need at least one row and one feature", path);
    if (dim > (size_t)INT32_MAX || n > UINT32_MAX || n > SIZE_MAX / sizeof(float) / dim)
        return gmdl__fail(err, GMDL_ELIMIT, "%s: %zu x %zu is too large", path, n, dim);
    t->ds.n = n;
    t->ds.c = t->ds.h = 1;
    t->ds.w = (int)dim;
    t->ds.dim = dim;
    t->ds.x = gmdl__malloc_aligned(n * dim * sizeof(float));
    t->ds.y = gmdl__calloc(n, sizeof(int32_t));
    if (!t->ds.x || !t->ds.y)
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory for %zu rows", path, n);
    return GMDL_OK;
}

static gmdl_status read_csv(gmdl_table *t,
                            const char *path,
                            const char *y,
                            const gmdl_tabular_info *known,
                            int need_labels,
                            gmdl_err *err) {
    gmdl_csv csv;
    gmdl_status s = gmdl_csv_read(&csv, path, err);
    if (s)
        return s;
    const char *ycol = known ? known->y : y;
    int yc = ycol ? gmdl_csv_find(&csv, ycol) : -1;
    if (yc < 0 && (need_labels || !known))
        s = gmdl__fail(err, GMDL_EINVAL, "%s: no label column '%s'", path, ycol ? ycol : "");
    size_t p = known ? tab_count(known->columns) : csv.ncols - 1;
    int *col = s ? NULL : gmdl__malloc(p * sizeof(int) + 1);
    double *v = s ? NULL : gmdl__malloc(csv.nrows * sizeof(double) + 1);
    if (!s && (!col || !v))
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    char name[256];
    for (size_t j = 0, k = 0; !s && j < p; j++) {
        if (known) {
            tab_field(name, sizeof name, known->columns, j);
            col[j] = gmdl_csv_find(&csv, name);
            if (col[j] < 0)
                s = gmdl__fail(err, GMDL_EINVAL, "%s: no column '%s' (a feature of the model)",
                               path, name);
        } else {
            k += (int)k == yc;
            col[j] = (int)k++;
        }
    }
    if (!s)
        s = alloc_rows(t, csv.nrows, p, path, err);
    for (size_t j = 0; !s && j < p; j++) {
        s = gmdl_csv_column_f64(v, &csv, (size_t)col[j], 0, err);
        for (size_t i = 0; !s && i < csv.nrows; i++)
            t->ds.x[i * p + j] = (float)v[i];
    }
    if (!s && !known) {
        const char **nm = gmdl__malloc(p * sizeof *nm + 1);
        for (size_t j = 0; nm && j < p; j++) {
            nm[j] = csv.names[col[j]];
            if (strpbrk(nm[j], "\t\n\r"))
                s = gmdl__fail(err, GMDL_EPARSE, "%s: column name '%s' holds a tab or line break",
                               path, nm[j]);
        }
        t->columns = nm && !s ? join_tab(nm, p) : NULL;
        gmdl__free(nm);
        if (!s && !t->columns)
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    if (!s && yc >= 0) {
        const char **lab = gmdl__malloc(csv.nrows * sizeof *lab + 1);
        for (size_t i = 0; lab && i < csv.nrows; i++)
            lab[i] = csv.cells[i * csv.ncols + (size_t)yc];
        s = lab ? map_labels(t, lab, csv.lines, known ? known->classes : NULL, path, err)
                : gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        gmdl__free(lab);
        t->labelled = !s;
    }
    gmdl__free(col);
    gmdl__free(v);
    gmdl_csv_fini(&csv);
    return s;
}

static gmdl_status
read_libsvm(gmdl_table *t, const char *path, const gmdl_tabular_info *known, gmdl_err *err) {
    gmdl_libsvm d;
    gmdl_status s = gmdl_libsvm_read(&d, path, 10000000, err);
    if (s)
        return s;
    size_t p = known ? known->dim : d.ncols;
    if (known && d.ncols > p)
        s = gmdl__fail(err, GMDL_EINVAL, "%s: feature index %zu, but the model has %zu features",
                       path, d.ncols, p);
    if (!s)
        s = alloc_rows(t, d.nrows, p, path, err);
    char *text = s ? NULL : gmdl__malloc(d.nrows * 32 + 1);
    const char **lab = s ? NULL : gmdl__malloc(d.nrows * sizeof *lab + 1);
    if (!s && (!text || !lab))
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t i = 0; !s && i < d.nrows; i++) {
        float *row = t->ds.x + i * p;
        memset(row, 0, p * sizeof(float));
        for (size_t k = d.row_ptr[i]; k < d.row_ptr[i + 1]; k++)
            row[d.cols[k]] = (float)d.vals[k];
        snprintf(text + i * 32, 32, "%.17g", d.labels[i]);
        lab[i] = text + i * 32;
    }
    if (!s)
        s = map_labels(t, lab, NULL, known ? known->classes : NULL, path, err);
    t->labelled = !s;
    gmdl__free(text);
    gmdl__free(lab);
    gmdl_libsvm_fini(&d);
    return s;
}

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

gmdl_status gmdl_table_read(gmdl_table *out,
                            const char *path,
                            const char *y,
                            const gmdl_tabular_info *known,
                            int need_labels,
                            gmdl_err *err) {
    memset(out, 0, sizeof *out);
    const int csv = known ? strcmp(known->format, "csv") == 0 : ends_with(path, ".csv");
    if (csv && !known && !y)
        return gmdl__fail(err, GMDL_EINVAL, "%s: a CSV needs the label column named (--y COL)",
                          path);
    gmdl_status s =
        csv ? read_csv(out, path, y, known, need_labels, err) : read_libsvm(out, path, known, err);
    out->format = csv ? "csv" : "libsvm";
    if (s)
        gmdl_table_fini(out);
    return s;
}

void gmdl_table_fini(gmdl_table *t) {
    if (!t)
        return;
    gmdl_dataset_fini(&t->ds);
    gmdl__free(t->columns);
    gmdl__free(t->classes);
    memset(t, 0, sizeof *t);
}

gmdl_status
gmdl__dataset_take_rows(gmdl_dataset *out, const gmdl_dataset *all, const uint32_t *idx, size_t n) {
    *out = *all;
    out->n = n;
    out->x = gmdl__malloc_aligned(n * all->dim * sizeof(float) + 64);
    out->y = gmdl__malloc(n * sizeof(int32_t) + 1);
    if (!out->x || !out->y) {
        gmdl_dataset_fini(out);
        return GMDL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(out->x + i * all->dim, all->x + (size_t)idx[i] * all->dim, all->dim * sizeof(float));
        out->y[i] = all->y[idx[i]];
    }
    return GMDL_OK;
}

gmdl_status gmdl_dataset_split(gmdl_dataset *train,
                               gmdl_dataset *test,
                               const gmdl_dataset *all,
                               double fraction,
                               uint64_t seed,
                               gmdl_err *err) {
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (!(fraction > 0.0 && fraction < 1.0))
        return gmdl__fail(err, GMDL_EINVAL, "the held-out fraction must be in (0, 1), got %g",
                          fraction);
    size_t nt = (size_t)(fraction * (double)all->n + 0.5);
    if (all->n > UINT32_MAX || nt < 1 || nt >= all->n)
        return gmdl__fail(err, GMDL_EINVAL,
                          "holding out %g of %zu rows leaves an empty training or test set",
                          fraction, all->n);
    uint32_t *perm = gmdl__malloc(all->n * sizeof *perm);
    if (!perm)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the split");
    for (size_t i = 0; i < all->n; i++)
        perm[i] = (uint32_t)i;
    gmdl_rng r;
    gmdl_rng_derive(&r, seed, GMDL_RNG_SHUFFLE, UINT64_C(0x53504c4954)); /* "SPLIT" */
    gmdl_rng_shuffle_u32(&r, perm, all->n);
    gmdl_status s = gmdl__dataset_take_rows(test, all, perm, nt);
    if (!s)
        s = gmdl__dataset_take_rows(train, all, perm + nt, all->n - nt);
    gmdl__free(perm);
    if (s) {
        gmdl_dataset_fini(train);
        gmdl_dataset_fini(test);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the split");
    }
    return GMDL_OK;
}

void gmdl_dataset_moments(float *mean, float *sd, const gmdl_dataset *ds) {
    const size_t D = ds->dim;
    for (size_t j = 0; j < D; j++) {
        double s1 = 0.0, s2 = 0.0; /* two passes: the mean, then the squared deviations */
        for (size_t i = 0; i < ds->n; i++)
            s1 += (double)ds->x[i * D + j];
        const double mu = ds->n ? s1 / (double)ds->n : 0.0;
        for (size_t i = 0; i < ds->n; i++) {
            double d = (double)ds->x[i * D + j] - mu;
            s2 += d * d;
        }
        const double v = ds->n ? s2 / (double)ds->n : 0.0;
        mean[j] = (float)mu;
        sd[j] = v > 1e-24 ? (float)sqrt(v) : 1.0f; /* a constant feature is left unscaled */
    }
}

static char *dup_str(const char *s) {
    if (!s)
        return NULL;
    char *d = gmdl__malloc(strlen(s) + 1);
    if (d)
        memcpy(d, s, strlen(s) + 1);
    return d;
}

gmdl_status gmdl_model_set_tabular(gmdl_model *m, const gmdl_tabular_info *info, gmdl_err *err) {
    if (!info || !info->format || !info->classes || !info->mean || !info->sd ||
        (strcmp(info->format, "csv") != 0 && strcmp(info->format, "libsvm") != 0) ||
        (strcmp(info->format, "csv") == 0 && (!info->y || !info->columns)))
        return gmdl__fail(err, GMDL_EINVAL,
                          "tabular description incomplete (format csv with y "
                          "and columns, or libsvm; classes; mean and sd)");
    if (info->dim != m->in_size || m->in_c != 1 || m->in_h != 1)
        return gmdl__fail(err, GMDL_ESHAPE,
                          "a table of %zu features does not fit the model's "
                          "input [%d, %d, %d]",
                          info->dim, m->in_c, m->in_h, m->in_w);
    if ((int)tab_count(info->classes) != m->classes ||
        (info->columns && tab_count(info->columns) != info->dim))
        return gmdl__fail(err, GMDL_ESHAPE,
                          "the class or column names do not match the model's "
                          "%d classes and %zu features",
                          m->classes, info->dim);
    for (size_t j = 0; j < info->dim; j++)
        if (!isfinite(info->mean[j]) || !(info->sd[j] > 0.0f) || !isfinite(info->sd[j]))
            return gmdl__fail(err, GMDL_EINVAL,
                              "feature %zu: mean %g, sd %g (need finite, sd > "
                              "0)",
                              j, (double)info->mean[j], (double)info->sd[j]);
    gmdl__tabular t = {0};
    const size_t D = info->dim;
    t.format = dup_str(info->format);
    t.y = dup_str(info->y);
    t.columns = dup_str(info->columns);
    t.classes = dup_str(info->classes);
    t.mean = gmdl__malloc(3 * D * sizeof(float)); /* mean, sd, 1 / sd */
    if (!t.format || (info->y && !t.y) || (info->columns && !t.columns) || !t.classes || !t.mean) {
        gmdl__tabular_free(&t);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    t.sd = t.mean + D;
    t.inv_sd = t.sd + D;
    memcpy(t.mean, info->mean, D * sizeof(float));
    memcpy(t.sd, info->sd, D * sizeof(float));
    for (size_t j = 0; j < D; j++)
        t.inv_sd[j] = 1.0f / info->sd[j];
    gmdl__tabular_free(&m->tab);
    m->tab = t;
    gmdl_tabular_info *o = &m->tab_info;
    o->format = t.format;
    o->y = t.y;
    o->columns = t.columns;
    o->classes = t.classes;
    o->dim = D;
    o->mean = t.mean;
    o->sd = t.sd;
    return GMDL_OK;
}

const gmdl_tabular_info *gmdl_model_tabular(const gmdl_model *m) {
    return m->tab.format ? &m->tab_info : NULL;
}

void gmdl__tabular_free(gmdl__tabular *t) {
    gmdl__free(t->format);
    gmdl__free(t->y);
    gmdl__free(t->columns);
    gmdl__free(t->classes);
    gmdl__free(t->mean); /* sd and inv_sd live in the same block */
    memset(t, 0, sizeof *t);
}

GMDL_KERNEL
void gmdl__tabular_apply(const gmdl_model *m, float *x, size_t n) {
    const size_t D = m->in_size;
    const float *mu = m->tab.mean, *is = m->tab.inv_sd;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < D; j++)
            x[i * D + j] = (x[i * D + j] - mu[j]) * is[j];
}
