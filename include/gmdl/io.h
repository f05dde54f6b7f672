/* gmdl data input: IDX (MNIST container, raw or .gz), labelled image data sets, CSV and libsvm
 * text. Every reader validates its input fully and reports problems as
 * "FILE: byte OFFSET: problem" or "FILE:LINE:COLUMN: problem" in the gmdl_err. */
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
GMDL_API GMDL_NODISCARD gmdl_status gmdl_idx_read(const char *path, gmdl_idx *out, gmdl_err *err);
GMDL_API void gmdl_idx_free(gmdl_idx *idx);

/* A labelled image data set: x is [n, c*h*w] floats in [0, 1] (pixel / 255), y in [0, classes). */
typedef struct gmdl_dataset {
    size_t n;
    int c, h, w;
    size_t dim;    /* c*h*w */
    int classes;   /* number of classes; every label is < classes */
    float *x;      /* [n, dim], 64-byte aligned; owned */
    int32_t *y;    /* [n]; owned */
} gmdl_dataset;

/* Pairs an IDX image file (u8, 3 dims [n, h, w] or 4 dims [n, c, h, w]) with an IDX label file
 * (u8, 1 dim [n]); checks the counts agree and every label is < classes. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_dataset_load_idx(const char *images, const char *labels,
                                                          int classes, gmdl_dataset *out,
                                                          gmdl_err *err);
/* DIR/train-images-idx3-ubyte[.gz] + DIR/train-labels-idx1-ubyte[.gz] (test = 0), or the
 * t10k-* pair (test = 1). ENOENT names the missing folder or file. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_dataset_load_dir(const char *dir, int test, int classes,
                                                          gmdl_dataset *out, gmdl_err *err);
GMDL_API void gmdl_dataset_free(gmdl_dataset *ds);

/* ------------------------------------------------------------------ CSV */
/* A CSV table (RFC 4180: comma separated, optional double quotes with "" escapes, LF or CRLF),
 * with a header row. Cells are kept as text; numeric access converts with line-numbered errors. */
typedef struct gmdl_csv {
    char *path;       /* copy of the file name, for messages */
    size_t nrows;     /* data rows (header excluded) */
    size_t ncols;
    char **names;     /* [ncols] header names */
    char **cells;     /* [nrows * ncols] row-major; "" for empty cells */
    size_t *lines;    /* [nrows] 1-based line number of each row in the file */
    void *storage;    /* internal */
} gmdl_csv;

GMDL_API GMDL_NODISCARD gmdl_status gmdl_csv_read(const char *path, gmdl_csv *out, gmdl_err *err);
GMDL_API void gmdl_csv_free(gmdl_csv *csv);
/* Column index of NAME, or -1. */
GMDL_API int gmdl_csv_find(const gmdl_csv *csv, const char *name);
/* 1 when the cell is missing: empty, "NA", "NaN", "nan" or "?". */
GMDL_API int gmdl_csv_is_missing(const char *cell);
/* Parses column COL as numbers into out[nrows]. Missing cells become NAN when allow_missing,
 * otherwise they are an error; non-numeric cells are EPARSE "FILE:LINE: column NAME: ...". */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_csv_column_f64(const gmdl_csv *csv, size_t col,
                                                        int allow_missing, double *out,
                                                        gmdl_err *err);

/* ------------------------------------------------------------------ libsvm */
/* libsvm / svmlight sparse text: "label index:value index:value ..." with 1-based, strictly
 * increasing indices; '#' starts a comment. Stored as CSR with 0-based column indices. */
typedef struct gmdl_libsvm {
    size_t nrows;
    size_t ncols;     /* largest index seen (1-based), i.e. the feature dimension */
    size_t nnz;
    double *labels;   /* [nrows] */
    size_t *row_ptr;  /* [nrows + 1] */
    uint32_t *cols;   /* [nnz], 0-based */
    double *vals;     /* [nnz] */
} gmdl_libsvm;

/* max_index: indices above it are an error (CLI default 10^7). Errors are EPARSE with
 * "FILE:LINE:COLUMN: problem". */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_libsvm_read(const char *path, size_t max_index,
                                                     gmdl_libsvm *out, gmdl_err *err);
GMDL_API void gmdl_libsvm_free(gmdl_libsvm *d);

#ifdef __cplusplus
}
#endif
#endif
