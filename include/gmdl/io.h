/* gmdl data input: IDX (MNIST container, raw or .gz), labelled image data sets, CSV, libsvm and
 * JSON text. Every reader validates its input fully and reports problems as
 * "FILE: byte OFFSET: problem" or "FILE:LINE:COLUMN: problem" in the gmdl_err.
 * Threads: the readers are reentrant; the structs they fill belong to the caller, and reading
 * one from several threads at once is safe. */
#ifndef GMDL_IO_H
#define GMDL_IO_H

#include "gmdl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ IDX */
/* IDX element types (the third magic byte). */
typedef enum {
    GMDL_IDX_U8 = 0x08,
    GMDL_IDX_I8 = 0x09,
    GMDL_IDX_I16 = 0x0B,
    GMDL_IDX_I32 = 0x0C,
    GMDL_IDX_F32 = 0x0D,
    GMDL_IDX_F64 = 0x0E
} gmdl_idx_type;

typedef struct gmdl_idx {
    gmdl_idx_type type;
    int ndim;            /* 1..4 */
    uint32_t dims[4];    /* dims[0] is the item count */
    size_t count;        /* product of dims */
    size_t elem_size;    /* bytes per element */
    unsigned char *data; /* count * elem_size bytes, big-endian as in the file; owned */
} gmdl_idx;

/* Reads PATH, or PATH.gz if PATH does not exist (zlib also reads plain files). Validates the magic,
 * type code, dimensions and that the data size matches exactly (no truncation, no trailing bytes).
 * Statuses: ENOENT, ENOTOURS (bad magic), ECORRUPT (truncated/trailing/bad dims), ENOMEM, EIO. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_idx_read(gmdl_idx *out, const char *path, gmdl_err *err);
GMDL_API void gmdl_idx_fini(gmdl_idx *idx);

/* A labelled image data set: x is [n, c*h*w] floats in [0, 1] (pixel / 255), y in [0, classes). */
typedef struct gmdl_dataset {
    size_t n;
    int c, h, w;
    size_t dim;  /* c*h*w */
    int classes; /* number of classes; every label is < classes */
    float *x;    /* [n, dim], 64-byte aligned; owned */
    int32_t *y;  /* [n]; owned */
} gmdl_dataset;

/* Pairs an IDX image file (u8, 3 dims [n, h, w] or 4 dims [n, c, h, w]) with an IDX label file
 * (u8, 1 dim [n]); checks the counts agree and every label is < classes. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_dataset_load_idx(
    gmdl_dataset *out, const char *images, const char *labels, int classes, gmdl_err *err);
/* DIR/train-images-idx3-ubyte[.gz] + DIR/train-labels-idx1-ubyte[.gz] (test = 0), or the
 * t10k-* pair (test = 1). ENOENT names the missing folder or file. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_dataset_load_dir(gmdl_dataset *out, const char *dir, int test, int classes, gmdl_err *err);
GMDL_API void gmdl_dataset_fini(gmdl_dataset *ds);

/* ------------------------------------------------------------------ CSV */
/* A CSV table (RFC 4180: comma separated, optional double quotes with "" escapes, LF or CRLF),
 * with a header row. Cells are kept as text; numeric access converts with line-numbered errors. */
typedef struct gmdl_csv {
    char *path;   /* copy of the file name, for messages */
    size_t nrows; /* data rows (header excluded) */
    size_t ncols;
    char **names;  /* [ncols] header names */
    char **cells;  /* [nrows * ncols] row-major; "" for empty cells */
    size_t *lines; /* [nrows] 1-based line number of each row in the file */
    void *storage; /* internal */
} gmdl_csv;

GMDL_API GMDL_NODISCARD gmdl_status gmdl_csv_read(gmdl_csv *out, const char *path, gmdl_err *err);
GMDL_API void gmdl_csv_fini(gmdl_csv *csv);
/* Column index of NAME, or -1. */
GMDL_API int gmdl_csv_find(const gmdl_csv *csv, const char *name);
/* 1 when the cell is missing: empty, "NA", "NaN", "nan" or "?". */
GMDL_API int gmdl_csv_is_missing(const char *cell);
/* Parses column COL as numbers into out[nrows]. Missing cells become NAN when allow_missing,
 * otherwise they are an error; non-numeric cells are EPARSE "FILE:LINE: column NAME: ...". */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_csv_column_f64(double *out, const gmdl_csv *csv, size_t col, int allow_missing, gmdl_err *err);

/* Splits the table into a response and a design matrix: column ycol into y[nrows], every other
 * column, in file order, into x[nrows * (ncols - 1)] (row-major). The caller's buffers. Columns
 * are converted in file order, so the first bad cell in that order is the one reported (EPARSE as
 * gmdl_csv_column_f64; missing cells are errors). EINVAL "FILE: need at least one row and one
 * feature column" for a table that has none, or for ycol out of range. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_csv_xy(double *x, double *y, const gmdl_csv *csv, size_t ycol, gmdl_err *err);

/* ------------------------------------------------------------------ libsvm */
/* libsvm / svmlight sparse text: "label index:value index:value ..." with 1-based, strictly
 * increasing indices; '#' starts a comment. Stored as CSR with 0-based column indices. */
typedef struct gmdl_libsvm {
    size_t nrows;
    size_t ncols; /* largest index seen (1-based), i.e. the feature dimension */
    size_t nnz;
    double *labels;  /* [nrows] */
    size_t *row_ptr; /* [nrows + 1] */
    uint32_t *cols;  /* [nnz], 0-based */
    double *vals;    /* [nnz] */
} gmdl_libsvm;

/* max_index: indices above it are an error (CLI default 10^7). Errors are EPARSE with
 * "FILE:LINE:COLUMN: problem". */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_libsvm_read(gmdl_libsvm *out,
                                                     const char *path,
                                                     size_t max_index,
                                                     gmdl_err *err);
GMDL_API void gmdl_libsvm_fini(gmdl_libsvm *d);
/* The sparse form of a dense design matrix x[n * p] (row-major) with labels[n]: zeros are left
 * out, ncols = p. Copies; release with gmdl_libsvm_fini. EINVAL for NULL arguments, ELIMIT when
 * p exceeds the 32-bit column index, ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_libsvm_from_dense(
    gmdl_libsvm *out, const double *x, const double *labels, size_t n, size_t p, gmdl_err *err);

/* ------------------------------------------------------------------ JSON */
/* A parsed JSON document (RFC 8259): a tree of values. Strings and keys are decoded to UTF-8
 * (escapes resolved, surrogate pairs joined); numbers are doubles. Every value records where it
 * starts in the text, so that a value that parses but does not fit can be named
 * "FILE:LINE:COLUMN". The tree owns its memory: release the root with gmdl_json_fini. */
typedef enum gmdl_json_type {
    GMDL_JSON_NULL,
    GMDL_JSON_BOOL,
    GMDL_JSON_NUMBER,
    GMDL_JSON_STRING,
    GMDL_JSON_ARRAY,
    GMDL_JSON_OBJECT
} gmdl_json_type;

typedef struct gmdl_json {
    gmdl_json_type type;
    double num;              /* NUMBER; BOOL: 1 for true, 0 for false */
    char *str;               /* STRING: decoded, NUL-terminated */
    size_t len;              /* STRING: bytes in str (a \u0000 escape is kept as a NUL byte) */
    size_t n;                /* ARRAY, OBJECT: number of members */
    struct gmdl_json *items; /* ARRAY, OBJECT: [n] members, in document order */
    char **keys;      /* OBJECT: [n] decoded keys (distinct: a repeated key is a parse error) */
    size_t line, col; /* 1-based line and byte column where the value starts */
} gmdl_json;

/* A value nested inside more arrays and objects than this is a parse error (the parser
 * recurses). */
#define GMDL_JSON_MAX_DEPTH 64

/* Parses text[0..len) (NUL bytes are not special; a UTF-8 byte order mark is skipped) into *out.
 * name names the text in messages ("json" when NULL). Errors are EPARSE with
 * "NAME:LINE:COLUMN: problem", or ENOMEM; on error *out is empty and nothing stays allocated.
 * Threads: reentrant. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_json_parse(gmdl_json *out, const char *text, size_t len, const char *name, gmdl_err *err);
/* Reads and parses the file PATH (named by PATH in messages). Statuses as gmdl_json_parse, and
 * ENOENT ("PATH: no such file") or EIO. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_json_read_file(gmdl_json *out,
                                                        const char *path,
                                                        gmdl_err *err);
/* Releases the tree under v (v itself is the caller's) and empties v. Accepts NULL. */
GMDL_API void gmdl_json_fini(gmdl_json *v);
/* The member KEY of object OBJ: borrowed from OBJ. NULL when OBJ
 * is not an object or has no such member. */
GMDL_API const gmdl_json *gmdl_json_get(const gmdl_json *obj, const char *key);
/* "a number", "an object", ... for messages. */
GMDL_API const char *gmdl_json_type_name(gmdl_json_type t);
/* Checks that the member KEY of object OBJ is a non-empty array of numbers and sets *arr to it
 * (borrowed from OBJ; the numbers are (*arr)->items[k].num). name names the document in messages.
 * EINVAL with "NAME:LINE:COLUMN: expected a JSON object, found ...", "NAME: missing key "KEY"",
 * "NAME:LINE:COLUMN: "KEY" must be a non-empty array of numbers" or
 * "NAME:LINE:COLUMN: "KEY"[I] is not a number". */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_json_get_numbers(
    const gmdl_json **arr, const gmdl_json *obj, const char *key, const char *name, gmdl_err *err);

/* ------------------------------------------------------------------ Stan-format data */
/* Stan-format JSON data (CmdStan's data files, posteriordb's data.json): an object of scalars,
 * arrays of numbers (vectors, integer arrays) and arrays of rows (matrices). User models read
 * `gmdl sample --data FILE.json` through these (see gmdl_user_model.create_data in gmdl/infer.h).
 * Errors name "FILE:LINE:COLUMN", the key and what was expected: EINVAL for a missing key or a
 * wrong type (a fraction where an integer is wanted), ESHAPE for a buffer too small or ragged
 * matrix rows. Calls that fill a buffer take its capacity and report the count: pass NULL and 0
 * to ask for the count first. Threads: an open gmdl_data is only read; several threads may read
 * one at once. */
typedef struct gmdl_data gmdl_data;

/* Reads PATH. Statuses: those of gmdl_json_read_file, EINVAL (not an object), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_data_json_open(gmdl_data **out,
                                                        const char *path,
                                                        gmdl_err *err);
/* Accepts NULL. */
GMDL_API void gmdl_data_close(gmdl_data *d);
/* 1 when the data have a member NAME. */
GMDL_API int gmdl_data_has(const gmdl_data *d, const char *name);
GMDL_API GMDL_NODISCARD gmdl_status gmdl_data_real(double *out,
                                                   const gmdl_data *d,
                                                   const char *name,
                                                   gmdl_err *err);
/* An integer (a number without a fractional part). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_data_int(long long *out,
                                                  const gmdl_data *d,
                                                  const char *name,
                                                  gmdl_err *err);
/* A vector: *n numbers into out[cap]. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_data_vector(
    double *out, size_t cap, size_t *n, const gmdl_data *d, const char *name, gmdl_err *err);
/* An integer array: *n integers into out[cap]. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_data_ints(
    long long *out, size_t cap, size_t *n, const gmdl_data *d, const char *name, gmdl_err *err);
/* A matrix, row-major: *rows x *cols numbers into out[cap]. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_data_matrix(double *out,
                                                     size_t cap,
                                                     size_t *rows,
                                                     size_t *cols,
                                                     const gmdl_data *d,
                                                     const char *name,
                                                     gmdl_err *err);

#ifdef __cplusplus
}
#endif
#endif
