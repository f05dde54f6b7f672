/* Survival design matrices from CSV tables: the time and event columns, numeric covariates as they
 * are, categorical ones (a column with a non-numeric cell) as indicator columns "c=level" against
 * a baseline level; rows with missing cells reported or dropped. */
#include <errno.h>

#include "survival/survival_internal.h"

static int num(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s)
        return 0;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end || !isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
        return 0;
    *out = v;
    return 1;
}

void gmdl_surv_data_fini(gmdl_surv_data *d) {
    char **arr[4] = {d->names, d->src, d->level, d->baseline}; /* any may be missing after a
                                                                     failed allocation */
    for (int a = 0; a < 4; a++)
        for (size_t j = 0; arr[a] && j < d->p; j++)
            gmdl__free(arr[a][j]);
    gmdl__free(d->names);
    gmdl__free(d->src);
    gmdl__free(d->level);
    gmdl__free(d->baseline);
    gmdl__free(d->x);
    gmdl__free(d->time);
    gmdl__free(d->event);
    gmdl__free(d->line);
    memset(d, 0, sizeof *d);
}

/* Allocates the rows (n x p) and the feature name arrays (p). */
static gmdl_status alloc_data(gmdl_surv_data *d, size_t n, size_t p, gmdl_err *err) {
    size_t np;
    if (!gmdl__mul_ok(n, p, &np))
        return gmdl__fail(err, GMDL_ENOMEM, "survival data: %zu x %zu is too large", n, p);
    d->n = n;
    d->p = p;
    d->x = gmdl__malloc((np ? np : 1) * sizeof *d->x);
    d->time = gmdl__malloc((n ? n : 1) * sizeof *d->time);
    d->event = gmdl__malloc(n ? n : 1);
    d->line = gmdl__malloc((n ? n : 1) * sizeof *d->line);
    d->names = gmdl__calloc(p ? p : 1, sizeof(char *));
    d->src = gmdl__calloc(p ? p : 1, sizeof(char *));
    d->level = gmdl__calloc(p ? p : 1, sizeof(char *));
    d->baseline = gmdl__calloc(p ? p : 1, sizeof(char *));
    if (!d->x || !d->time || !d->event || !d->line || !d->names || !d->src || !d->level ||
        !d->baseline)
        return gmdl__fail(err, GMDL_ENOMEM, "survival data: out of memory");
    return GMDL_OK;
}

static gmdl_status
find_col(int *col, const gmdl_csv *csv, const char *name, const char *what, gmdl_err *err) {
    *col = name ? gmdl_csv_find(csv, name) : -1;
    if (*col < 0)
        return gmdl__fail(err, GMDL_EINVAL, "%s: unknown %s column '%s'", csv->path, what,
                          name ? name : "(none given)");
    return GMDL_OK;
}

/* In the comma separated list? */
static int in_list(const char *list, const char *cell) {
    size_t len = strlen(cell);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == len && strncmp(p, cell, k) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* Event of one cell: 1, 0, or an error naming the line. *other: the first censoring value seen
 * when the mapping takes "the one other value". */
static gmdl_status event_of(uint8_t *ev,
                            const char *cell,
                            const gmdl_surv_spec *spec,
                            const char **other,
                            const gmdl_csv *csv,
                            size_t r,
                            gmdl_err *err) {
    const char *ec = spec->event_col;
    double v;
    if (!spec->event_value) {
        if (!num(cell, &v))
            return gmdl__fail(err, GMDL_EINVAL,
                              "%s:%zu: column %s: event value '%.32s' is not a number "
                              "(give --event-value)",
                              csv->path, csv->lines[r], ec, cell);
        *ev = v != 0.0;
        return GMDL_OK;
    }
    double a, b;
    int same = strcmp(cell, spec->event_value) == 0 ||
               (num(cell, &a) && num(spec->event_value, &b) && a == b);
    if (same) {
        *ev = 1;
        return GMDL_OK;
    }
    int ok = spec->censor_values ? in_list(spec->censor_values, cell)
                                 : (!*other || strcmp(*other, cell) == 0);
    if (!ok)
        return gmdl__fail(err, GMDL_EINVAL,
                          "%s:%zu: column %s: value '%.32s' is outside the event mapping "
                          "(event '%s', censored '%s')",
                          csv->path, csv->lines[r], ec, cell, spec->event_value,
                          spec->censor_values ? spec->censor_values : *other);
    if (!*other)
        *other = cell;
    *ev = 0;
    return GMDL_OK;
}

/* The covariate columns: spec's list or every column but time and event. */
static gmdl_status x_columns(int **cols,
                             size_t *k,
                             const gmdl_csv *csv,
                             const gmdl_surv_spec *spec,
                             int tc,
                             int ec,
                             gmdl_err *err) {
    int none = spec->x_cols && spec->n_x == 0; /* outcome only */
    size_t m = spec->n_x ? spec->n_x : none ? 0 : csv->ncols;
    *cols = gmdl__malloc((m ? m : 1) * sizeof **cols);
    if (!*cols)
        return gmdl__fail(err, GMDL_ENOMEM, "survival data: out of memory");
    *k = 0;
    for (size_t j = 0; j < m; j++) {
        int c = (int)j;
        if (spec->n_x) {
            gmdl_status s = find_col(&c, csv, spec->x_cols[j], "covariate", err);
            if (s)
                return s;
        } else if (c == tc || c == ec)
            continue;
        (*cols)[(*k)++] = c;
    }
    if (*k == 0 && !none)
        return gmdl__fail(err, GMDL_EINVAL, "%s: no covariate columns", csv->path);
    return GMDL_OK;
}

typedef struct {
    const gmdl_csv *csv;
    int tc, ec;
    int *xc;
    size_t kx;
    uint8_t *used; /* [nrows] */
    size_t nused;
} plan;

/* Marks rows with every used cell present; a missing cell is an error unless drop_missing. */
static gmdl_status mark_rows(
    plan *pl, const gmdl_surv_spec *spec, gmdl_surv_data *d, int need_outcome, gmdl_err *err) {
    const gmdl_csv *csv = pl->csv;
    for (size_t r = 0; r < csv->nrows; r++) {
        char *const *row = csv->cells + r * csv->ncols;
        int ok = 1;
        for (size_t j = 0; j < pl->kx + 2; j++) {
            int c = j < pl->kx ? pl->xc[j] : (j == pl->kx ? pl->tc : pl->ec);
            if (c < 0 || (!need_outcome && j >= pl->kx) || !gmdl_csv_is_missing(row[c]))
                continue;
            d->n_missing++;
            if (!spec->drop_missing)
                return gmdl__fail(err, GMDL_EINVAL,
                                  "%s:%zu: column %s: missing value (use --drop-missing to "
                                  "leave such rows out)",
                                  csv->path, csv->lines[r], csv->names[c]);
            ok = 0;
        }
        pl->used[r] = (uint8_t)ok;
        pl->nused += (size_t)ok;
        d->dropped += (size_t)!ok;
    }
    if (pl->nused == 0)
        return gmdl__fail(err, GMDL_EINVAL, "%s: no complete rows", csv->path);
    return GMDL_OK;
}

/* Time and event of the used rows. */
static gmdl_status
read_outcome(gmdl_surv_data *d, const plan *pl, const gmdl_surv_spec *spec, gmdl_err *err) {
    const gmdl_csv *csv = pl->csv;
    const char *other = NULL;
    for (size_t r = 0, i = 0; r < csv->nrows; r++) {
        if (!pl->used[r])
            continue;
        char *const *row = csv->cells + r * csv->ncols;
        double t;
        if (!num(row[pl->tc], &t) || !(t > 0.0))
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%zu: column %s: time '%.32s' is not a positive number", csv->path,
                              csv->lines[r], csv->names[pl->tc], row[pl->tc]);
        d->time[i] = t;
        gmdl_status s = event_of(&d->event[i], row[pl->ec], spec, &other, csv, r, err);
        if (s)
            return s;
        d->line[i++] = csv->lines[r];
    }
    return GMDL_OK;
}

static gmdl_status set_name(gmdl_surv_data *d,
                            size_t j,
                            const char *src,
                            const char *level,
                            const char *base,
                            gmdl_err *err) {
    size_t len = strlen(src) + (level ? strlen(level) + 1 : 0) + 1;
    d->names[j] = gmdl__malloc(len);
    d->src[j] = gmdl__strdup(src);
    d->level[j] = level ? gmdl__strdup(level) : NULL;
    d->baseline[j] = base ? gmdl__strdup(base) : NULL;
    if (!d->names[j] || !d->src[j] || (level && !d->level[j]) || (base && !d->baseline[j]))
        return gmdl__fail(err, GMDL_ENOMEM, "survival data: out of memory");
    snprintf(d->names[j], len, "%s%s%s", src, level ? "=" : "", level ? level : "");
    return GMDL_OK;
}

/* Levels of categorical column c over the used rows, in order of appearance. */
typedef struct {
    const char **lv;
    size_t n;
    int numeric;
} col_info;

static gmdl_status scan_column(col_info *ci, const plan *pl, int c, gmdl_err *err) {
    const gmdl_csv *csv = pl->csv;
    ci->numeric = 1;
    ci->n = 0;
    double v, first = NAN;
    int constant = 1;
    for (size_t r = 0; r < csv->nrows; r++) {
        if (!pl->used[r])
            continue;
        const char *cell = csv->cells[r * csv->ncols + (size_t)c];
        if (ci->numeric && num(cell, &v)) {
            constant &= isnan(first) || v == first;
            first = isnan(first) ? v : first;
            continue;
        }
        ci->numeric = 0;
        break;
    }
    if (!ci->numeric) {
        ci->lv = gmdl__malloc(pl->nused * sizeof *ci->lv);
        if (!ci->lv)
            return gmdl__fail(err, GMDL_ENOMEM, "survival data: out of memory");
        for (size_t r = 0; r < csv->nrows; r++) {
            const char *cell = csv->cells[r * csv->ncols + (size_t)c];
            size_t k = 0;
            while (pl->used[r] && k < ci->n && strcmp(ci->lv[k], cell) != 0)
                k++;
            if (pl->used[r] && k == ci->n)
                ci->lv[ci->n++] = cell;
        }
        constant = ci->n < 2;
    }
    if (constant)
        return gmdl__fail(err, GMDL_EINVAL,
                          "%s: covariate column %s is constant over the %zu rows used (leave it "
                          "out with --x)",
                          csv->path, csv->names[c], pl->nused);
    return GMDL_OK;
}

/* The baseline level of column NAME: from spec ("c=level") or the first level seen. */
static gmdl_status baseline_of(size_t *b,
                               const col_info *ci,
                               const char *name,
                               const gmdl_surv_spec *spec,
                               const gmdl_csv *csv,
                               gmdl_err *err) {
    *b = 0;
    size_t len = strlen(name);
    for (size_t k = 0; k < spec->n_baselines; k++) {
        const char *s = spec->baselines[k];
        if (strncmp(s, name, len) != 0 || s[len] != '=')
            continue;
        for (size_t j = 0; j < ci->n; j++)
            if (strcmp(ci->lv[j], s + len + 1) == 0) {
                *b = j;
                return GMDL_OK;
            }
        return gmdl__fail(err, GMDL_EINVAL, "%s: column %s has no level '%s' (--baseline)",
                          csv->path, name, s + len + 1);
    }
    return GMDL_OK;
}

static gmdl_status fill_features(
    gmdl_surv_data *d, const plan *pl, col_info *ci, const gmdl_surv_spec *spec, gmdl_err *err) {
    const gmdl_csv *csv = pl->csv;
    size_t j = 0;
    gmdl_status s = GMDL_OK;
    for (size_t k = 0; !s && k < pl->kx; k++) {
        int c = pl->xc[k];
        const char *name = csv->names[c];
        if (ci[k].numeric) {
            s = set_name(d, j, name, NULL, NULL, err);
            for (size_t r = 0, i = 0; !s && r < csv->nrows; r++)
                if (pl->used[r])
                    (void)num(csv->cells[r * csv->ncols + (size_t)c], &d->x[i++ * d->p + j]);
            j++;
            continue;
        }
        size_t b;
        if ((s = baseline_of(&b, &ci[k], name, spec, csv, err)))
            break;
        for (size_t l = 0; !s && l < ci[k].n; l++) {
            if (l == b)
                continue;
            s = set_name(d, j, name, ci[k].lv[l], ci[k].lv[b], err);
            for (size_t r = 0, i = 0; !s && r < csv->nrows; r++)
                if (pl->used[r])
                    d->x[i++ * d->p + j] =
                        strcmp(csv->cells[r * csv->ncols + (size_t)c], ci[k].lv[l]) == 0;
            j++;
        }
    }
    return s;
}

static void plan_fini(plan *pl) {
    gmdl__free(pl->xc);
    gmdl__free(pl->used);
}

static gmdl_status plan_init(
    plan *pl, const gmdl_csv *csv, const gmdl_surv_spec *spec, int need_outcome, gmdl_err *err) {
    memset(pl, 0, sizeof *pl);
    pl->csv = csv;
    pl->tc = pl->ec = -1;
    gmdl_status s = GMDL_OK;
    if (need_outcome) {
        if ((s = find_col(&pl->tc, csv, spec->time_col, "time", err)) ||
            (s = find_col(&pl->ec, csv, spec->event_col, "event", err)))
            return s;
        if (pl->tc == pl->ec)
            return gmdl__fail(err, GMDL_EINVAL, "%s: the time and event columns are the same",
                              csv->path);
    }
    pl->used = gmdl__malloc(csv->nrows ? csv->nrows : 1);
    if (!pl->used)
        return gmdl__fail(err, GMDL_ENOMEM, "survival data: out of memory");
    return GMDL_OK;
}

gmdl_status gmdl_surv_data_from_csv(gmdl_surv_data *out,
                                    const gmdl_csv *csv,
                                    const gmdl_surv_spec *spec,
                                    gmdl_err *err) {
    memset(out, 0, sizeof *out);
    plan pl;
    col_info *ci = NULL;
    gmdl_status s = plan_init(&pl, csv, spec, 1, err);
    if (!s)
        s = x_columns(&pl.xc, &pl.kx, csv, spec, pl.tc, pl.ec, err);
    for (size_t k = 0; !s && k < pl.kx; k++)
        if (pl.xc[k] == pl.tc || pl.xc[k] == pl.ec)
            s = gmdl__fail(err, GMDL_EINVAL, "%s: column %s is the time or event column", csv->path,
                           csv->names[pl.xc[k]]);
    if (!s)
        s = mark_rows(&pl, spec, out, 1, err);
    if (!s && !(ci = gmdl__calloc(pl.kx ? pl.kx : 1, sizeof *ci)))
        s = gmdl__fail(err, GMDL_ENOMEM, "survival data: out of memory");
    size_t p = 0;
    for (size_t k = 0; !s && k < pl.kx; k++) {
        s = scan_column(&ci[k], &pl, pl.xc[k], err);
        p += ci[k].numeric ? 1 : ci[k].n - 1;
    }
    size_t dropped = out->dropped, miss = out->n_missing;
    if (!s && !(s = alloc_data(out, pl.nused, p, err))) {
        out->dropped = dropped;
        out->n_missing = miss;
        s = read_outcome(out, &pl, spec, err);
    }
    if (!s)
        s = fill_features(out, &pl, ci, spec, err);
    for (size_t k = 0; ci && k < pl.kx; k++)
        gmdl__free(ci[k].lv);
    gmdl__free(ci);
    plan_fini(&pl);
    if (s)
        gmdl_surv_data_fini(out);
    return s;
}

/* One feature of ref read from a cell of csv: a number, or an indicator of ref's level. */
static gmdl_status like_cell(double *v,
                             const gmdl_surv_data *ref,
                             size_t j,
                             const char *cell,
                             const gmdl_csv *csv,
                             size_t r,
                             gmdl_err *err) {
    if (!ref->level[j]) {
        if (!num(cell, v))
            return gmdl__fail(err, GMDL_EPARSE, "%s:%zu: column %s: not a number: '%.32s'",
                              csv->path, csv->lines[r], ref->src[j], cell);
        return GMDL_OK;
    }
    *v = strcmp(cell, ref->level[j]) == 0;
    int known = strcmp(cell, ref->baseline[j]) == 0;
    for (size_t k = 0; !known && k < ref->p; k++)
        known = ref->level[k] && strcmp(ref->src[k], ref->src[j]) == 0 &&
                strcmp(ref->level[k], cell) == 0;
    if (!known)
        return gmdl__fail(err, GMDL_EINVAL,
                          "%s:%zu: column %s: level '%.32s' was not in the "
                          "training data",
                          csv->path, csv->lines[r], ref->src[j], cell);
    return GMDL_OK;
}

static gmdl_status like_rows(
    gmdl_surv_data *out, const plan *pl, const gmdl_surv_data *ref, const int *col, gmdl_err *err) {
    const gmdl_csv *csv = pl->csv;
    for (size_t r = 0, i = 0; r < csv->nrows; r++) {
        if (!pl->used[r])
            continue;
        for (size_t j = 0; j < ref->p; j++) {
            gmdl_status s = like_cell(&out->x[i * ref->p + j], ref, j,
                                      csv->cells[r * csv->ncols + (size_t)col[j]], csv, r, err);
            if (s)
                return s;
        }
        out->line[i++] = csv->lines[r];
    }
    return GMDL_OK;
}

gmdl_status gmdl_surv_data_like(gmdl_surv_data *out,
                                const gmdl_csv *csv,
                                const gmdl_surv_data *ref,
                                const gmdl_surv_spec *spec,
                                int need_outcome,
                                gmdl_err *err) {
    memset(out, 0, sizeof *out);
    plan pl;
    int *col = NULL;
    gmdl_status s = plan_init(&pl, csv, spec, need_outcome, err);
    if (!s && !(col = gmdl__malloc((ref->p ? ref->p : 1) * sizeof *col)))
        s = gmdl__fail(err, GMDL_ENOMEM, "survival data: out of memory");
    for (size_t j = 0; !s && j < ref->p; j++)
        s = find_col(&col[j], csv, ref->src[j], "covariate", err);
    if (!s) { /* mark_rows reads the covariate columns from pl.xc */
        pl.xc = col;
        pl.kx = ref->p;
        s = mark_rows(&pl, spec, out, need_outcome, err);
        pl.xc = NULL;
    }
    size_t dropped = out->dropped, miss = out->n_missing;
    if (!s && !(s = alloc_data(out, pl.nused, ref->p, err))) {
        out->dropped = dropped;
        out->n_missing = miss;
        for (size_t j = 0; !s && j < ref->p; j++)
            s = set_name(out, j, ref->src[j], ref->level[j], ref->baseline[j], err);
    }
    if (!s && need_outcome)
        s = read_outcome(out, &pl, spec, err);
    if (!s)
        s = like_rows(out, &pl, ref, col, err);
    gmdl__free(col);
    plan_fini(&pl);
    if (s)
        gmdl_surv_data_fini(out);
    return s;
}

gmdl_status gmdl_surv_data_subset(
    gmdl_surv_data *out, const gmdl_surv_data *src, const size_t *rows, size_t k, gmdl_err *err) {
    memset(out, 0, sizeof *out);
    gmdl_status s = alloc_data(out, k, src->p, err);
    for (size_t j = 0; !s && j < src->p; j++)
        s = set_name(out, j, src->src[j], src->level[j], src->baseline[j], err);
    for (size_t i = 0; !s && i < k; i++) {
        size_t r = rows[i];
        memcpy(out->x + i * src->p, src->x + r * src->p, src->p * sizeof *out->x);
        out->time[i] = src->time[r];
        out->event[i] = src->event[r];
        out->line[i] = src->line[r];
    }
    if (s)
        gmdl_surv_data_fini(out);
    return s;
}
