/* CSV reader (RFC 4180): comma-separated fields, optional double quotes with "" escapes, quoted
 * fields may span lines, LF or CRLF line ends, a header row first.
 *
 * The whole file is read into one buffer and split in place: every cell is a NUL-terminated
 * string inside that buffer (quoted cells are unescaped in place, which only ever shrinks them), so
 * the table is two allocations plus the pointer and position arrays. Each cell's line and column
 * are kept so that numeric conversion can name the exact position of a bad cell.
 *
 * Strictness: every record must have exactly as many fields as the header; a quote inside an
 * unquoted field, text after a closing quote and an unterminated quote are errors; NUL bytes are
 * errors. Lines that are completely empty are skipped. A UTF-8 byte order mark is ignored.
 * Not done here: type inference, other separators, gzip input. */
#include <errno.h>

#include "common.h"
#include "gmdl/io.h"
#include "text.h"

typedef struct csv_store {
    char *text;        /* file contents, split in place */
    size_t *cell_line; /* [nrows * ncols] 1-based line of each cell */
    size_t *cell_col;  /* [nrows * ncols] 1-based byte column of each cell */
} csv_store;

/* A growable array of field records produced by the splitter. */
typedef struct fields {
    char **ptr;
    size_t *line, *col;
    size_t n, cap;
} fields;

static int fields_push(fields *f, char *p, size_t line, size_t col) {
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 256, bytes;
        if (!gmdl__mul_ok(cap, sizeof(char *), &bytes))
            return 0;
        char **np = gmdl__realloc(f->ptr, bytes);
        if (!np)
            return 0;
        f->ptr = np;
        size_t *nl = gmdl__realloc(f->line, cap * sizeof(size_t));
        if (!nl)
            return 0;
        f->line = nl;
        size_t *nc = gmdl__realloc(f->col, cap * sizeof(size_t));
        if (!nc)
            return 0;
        f->col = nc;
        f->cap = cap;
    }
    f->ptr[f->n] = p;
    f->line[f->n] = line;
    f->col[f->n] = col;
    f->n++;
    return 1;
}

static void fields_free(fields *f) {
    gmdl__free(f->ptr);
    gmdl__free(f->line);
    gmdl__free(f->col);
}

/* Splits text[0..len) into fields, pushing each field into f and the index of each record's first
 * field into rec (as a fields array whose ptr is unused). Errors name the file, line and column. */
static gmdl_status
split(const char *path, char *text, size_t len, fields *f, fields *rec, gmdl_err *err) {
    size_t i = 0, line = 1, line_start = 0;
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        i = line_start = 3;
    while (i < len) {
        /* Skip completely empty lines (LF or CRLF). */
        if (text[i] == '\n' || (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')) {
            i += text[i] == '\r' ? 2 : 1;
            line++;
            line_start = i;
            continue;
        }
        if (!fields_push(rec, NULL, line, f->n))
            return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
        /* One record: fields separated by ',' until an unquoted line end or the end of text. */
        for (;;) {
            size_t fline = line, fcol = i - line_start + 1;
            char *start, *w;
            int end_of_record = 0;
            if (i < len && text[i] == '"') {
                size_t qline = line, qcol = fcol;
                i++;
                start = w = text + i;
                for (;;) {
                    if (i >= len)
                        return gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: unterminated quoted field",
                                          path, qline, qcol);
                    char c = text[i];
                    if (c == '\0')
                        return gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: NUL byte", path, line,
                                          i - line_start + 1);
                    if (c == '"') {
                        if (i + 1 < len && text[i + 1] == '"') {
                            *w++ = '"';
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (c == '\n') {
                        line++;
                        line_start = i + 1;
                    }
                    *w++ = c;
                    i++;
                }
                /* After the closing quote: separator, line end or end of text. */
                if (i < len && text[i] != ',' && text[i] != '\n' &&
                    !(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') &&
                    !(text[i] == '\r' && i + 1 == len))
                    return gmdl__fail(err, GMDL_EPARSE,
                                      "%s:%zu:%zu: unexpected character '%c' after closing quote",
                                      path, line, i - line_start + 1, text[i]);
            } else {
                start = w = text + i;
                while (i < len && text[i] != ',' && text[i] != '\n' &&
                       !(text[i] == '\r' && (i + 1 == len || text[i + 1] == '\n'))) {
                    if (text[i] == '"')
                        return gmdl__fail(err, GMDL_EPARSE,
                                          "%s:%zu:%zu: quote inside an unquoted field", path, line,
                                          i - line_start + 1);
                    if (text[i] == '\0')
                        return gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: NUL byte", path, line,
                                          i - line_start + 1);
                    w++;
                    i++;
                }
            }
            /* Consume the terminator; the cell's NUL goes where the terminator (or the closing
             * quote, for quoted cells, which are at least 2 bytes longer than their content) was.
             */
            if (i >= len) {
                end_of_record = 1;
            } else if (text[i] == ',') {
                i++;
            } else {
                i += text[i] == '\r' ? 2 : 1;
                if (i > len)
                    i = len;
                line++;
                line_start = i;
                end_of_record = 1;
            }
            *w = '\0';
            if (!fields_push(f, start, fline, fcol))
                return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
            if (end_of_record)
                break;
        }
    }
    return GMDL_OK;
}

gmdl_status gmdl_csv_read(gmdl_csv *out, const char *path, gmdl_err *err) {
    memset(out, 0, sizeof *out);
    if (!path)
        return gmdl__fail(err, GMDL_EINVAL, "csv: path is NULL");
    char *text;
    size_t len;
    gmdl_status s = gmdl__read_text(path, &text, &len, err);
    if (s != GMDL_OK)
        return s;
    fields f = {0}, rec = {0};
    csv_store *st = NULL;
    s = split(path, text, len, &f, &rec, err);
    if (s != GMDL_OK)
        goto fail;
    if (rec.n == 0) {
        s = gmdl__fail(err, GMDL_EPARSE, "%s:1:1: empty file (a header row is required)", path);
        goto fail;
    }
    /* rec.col[r] is the index of record r's first field; the record ends where the next begins. */
    size_t ncols = (rec.n > 1 ? rec.col[1] : f.n) - rec.col[0];
    for (size_t r = 1; r < rec.n; r++) {
        size_t a = rec.col[r], b = r + 1 < rec.n ? rec.col[r + 1] : f.n, got = b - a;
        if (got != ncols) {
            /* Point at the first surplus field, or at the end of the last field present. */
            size_t k = got > ncols ? a + ncols : b - 1;
            size_t col = got > ncols ? f.col[k] : f.col[k] + strlen(f.ptr[k]);
            /* and name the column: the first one without a field, or the last one present */
            size_t hc = got > ncols ? ncols - 1 : got;
            s = gmdl__fail(err, GMDL_EPARSE,
                           "%s:%zu:%zu: expected %zu fields (as in the header), got %zu: %s column "
                           "%zu '%s'",
                           path, f.line[k], col, ncols, got,
                           got > ncols ? "a field after the last" : "no field for", hc + 1,
                           f.ptr[rec.col[0] + hc]);
            goto fail;
        }
    }
    size_t nrows = rec.n - 1, ncells;
    if (!gmdl__mul_ok(nrows, ncols, &ncells) || ncells > SIZE_MAX / sizeof(size_t)) {
        s = gmdl__fail(err, GMDL_ELIMIT, "%s: table too large", path);
        goto fail;
    }
    st = gmdl__calloc(1, sizeof *st);
    out->names = gmdl__malloc(ncols * sizeof(char *));
    out->cells = gmdl__malloc((ncells ? ncells : 1) * sizeof(char *));
    out->lines = gmdl__malloc((nrows ? nrows : 1) * sizeof(size_t));
    if (st) {
        st->cell_line = gmdl__malloc((ncells ? ncells : 1) * sizeof(size_t));
        st->cell_col = gmdl__malloc((ncells ? ncells : 1) * sizeof(size_t));
    }
    out->path = gmdl__strdup(path);
    if (!st || !out->names || !out->cells || !out->lines || !st->cell_line || !st->cell_col ||
        !out->path) {
        s = gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    memcpy(out->names, f.ptr, ncols * sizeof(char *));
    if (ncells) {
        memcpy(out->cells, f.ptr + ncols, ncells * sizeof(char *));
        memcpy(st->cell_line, f.line + ncols, ncells * sizeof(size_t));
        memcpy(st->cell_col, f.col + ncols, ncells * sizeof(size_t));
    }
    for (size_t r = 0; r < nrows; r++)
        out->lines[r] = rec.line[r + 1];
    st->text = text;
    out->storage = st;
    out->nrows = nrows;
    out->ncols = ncols;
    fields_free(&f);
    fields_free(&rec);
    return GMDL_OK;
fail:
    fields_free(&f);
    fields_free(&rec);
    if (st) {
        gmdl__free(st->cell_line);
        gmdl__free(st->cell_col);
        gmdl__free(st);
    }
    gmdl__free(text);
    gmdl__free(out->names);
    gmdl__free(out->cells);
    gmdl__free(out->lines);
    gmdl__free(out->path);
    memset(out, 0, sizeof *out);
    return s;
}

void gmdl_csv_fini(gmdl_csv *csv) {
    if (!csv)
        return;
    csv_store *st = csv->storage;
    if (st) {
        gmdl__free(st->text);
        gmdl__free(st->cell_line);
        gmdl__free(st->cell_col);
        gmdl__free(st);
    }
    gmdl__free(csv->names);
    gmdl__free(csv->cells);
    gmdl__free(csv->lines);
    gmdl__free(csv->path);
    memset(csv, 0, sizeof *csv);
}

int gmdl_csv_find(const gmdl_csv *csv, const char *name) {
    if (!csv || !name)
        return -1;
    for (size_t j = 0; j < csv->ncols && j <= (size_t)INT_MAX; j++)
        if (strcmp(csv->names[j], name) == 0)
            return (int)j;
    return -1;
}

int gmdl_csv_is_missing(const char *cell) {
    return !cell || cell[0] == '\0' || strcmp(cell, "NA") == 0 || strcmp(cell, "NaN") == 0 ||
           strcmp(cell, "nan") == 0 || strcmp(cell, "?") == 0;
}

/* Strict decimal conversion: optional surrounding blanks, nothing else after the number, finite.
 * Underflow to a subnormal or zero is accepted; overflow is not. Returns 0 on success. */
static int parse_f64(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s)
        return -1;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end != '\0')
        return -1;
    if (!isfinite(v))
        return -2;
    if (errno == ERANGE && fabs(v) > 1.0)
        return -2;
    *out = v;
    return 0;
}

gmdl_status gmdl_csv_column_f64(
    double *out, const gmdl_csv *csv, size_t col, int allow_missing, gmdl_err *err) {
    if (!csv || !out)
        return gmdl__fail(err, GMDL_EINVAL, "csv: NULL argument");
    if (col >= csv->ncols)
        return gmdl__fail(err, GMDL_EINVAL, "%s: column index %zu out of range (%zu columns)",
                          csv->path, col, csv->ncols);
    const csv_store *st = csv->storage;
    for (size_t r = 0; r < csv->nrows; r++) {
        size_t k = r * csv->ncols + col;
        const char *cell = csv->cells[k];
        if (gmdl_csv_is_missing(cell)) {
            if (!allow_missing)
                return gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: column %s: missing value '%s'",
                                  csv->path, st->cell_line[k], st->cell_col[k], csv->names[col],
                                  cell);
            out[r] = NAN;
            continue;
        }
        int rc = parse_f64(cell, &out[r]);
        if (rc == -1)
            return gmdl__fail(err, GMDL_EPARSE, "%s:%zu:%zu: column %s: not a number: '%.64s'",
                              csv->path, st->cell_line[k], st->cell_col[k], csv->names[col], cell);
        if (rc == -2)
            return gmdl__fail(err, GMDL_EPARSE,
                              "%s:%zu:%zu: column %s: value '%.64s' is not finite in double",
                              csv->path, st->cell_line[k], st->cell_col[k], csv->names[col], cell);
    }
    return GMDL_OK;
}

gmdl_status gmdl_csv_xy(double *x, double *y, const gmdl_csv *csv, size_t ycol, gmdl_err *err) {
    if (!csv || !x || !y)
        return gmdl__fail(err, GMDL_EINVAL, "csv: NULL argument");
    if (csv->nrows < 1 || csv->ncols < 2 || ycol >= csv->ncols)
        return gmdl__fail(err, GMDL_EINVAL, "%s: need at least one row and one feature column",
                          csv->path);
    size_t p = csv->ncols - 1;
    double *col = gmdl__malloc(csv->nrows * sizeof(double));
    if (!col)
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", csv->path);
    gmdl_status s = GMDL_OK;
    for (size_t j = 0, k = 0; j < csv->ncols && s == GMDL_OK; j++) {
        s = gmdl_csv_column_f64(j == ycol ? y : col, csv, j, 0, err);
        if (s != GMDL_OK || j == ycol)
            continue;
        for (size_t i = 0; i < csv->nrows; i++)
            x[i * p + k] = col[i];
        k++;
    }
    gmdl__free(col);
    return s;
}
