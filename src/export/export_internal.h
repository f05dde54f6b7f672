/* The export module's plan: a loaded net as a list of fused operations with their weights in
 * the storage the generated C code reads (plan.c builds it from the model and its file,
 * calibrate.c adds the int8 scales, emit.c and emit_data.c write the C text). Internal. */
#ifndef GMDL_EXPORT_INTERNAL_H
#define GMDL_EXPORT_INTERNAL_H

#include "gmdl/export.h"
#include "model/model_internal.h"

typedef enum { GMDL__XOP_DENSE = 0, GMDL__XOP_CONV = 1, GMDL__XOP_POOL = 2 } gmdl__xop_kind;

/* One fused operation: dense (+ ReLU), conv + ReLU (+ pooling), or a pooling alone. Shapes are
 * per sample; spatial tensors are [C, H, W]. */
typedef struct gmdl__xop {
    gmdl__xop_kind kind;
    char name[32];  /* the weight layer's (or pooling layer's) name */
    int last_layer; /* index in the model of the last layer this op covers */
    int c, h, w;    /* input */
    int oc, oh, ow; /* output (after pooling) */
    int ch, cw;     /* conv: the output plane before pooling */
    int kh, kw, stride, pad;
    int pool, pool_k; /* 0, 'm' (max) or 'a' (average); window = stride */
    int relu;
    size_t in_size, out_size;
    /* weights [rows, cols]: rows = outputs, cols = inputs x taps */
    size_t rows, cols, nnz;
    int sparse;           /* 1: compressed sparse rows (rownnz, packed column indices) */
    int coded;            /* 1: bit-packed codes; 0: float32 weights (wf) */
    int sig_bits, bits;   /* coded: weight = (code - zp) 2^-sig_bits, or codebook[code] */
    int cbits;            /* bits of a column index */
    int64_t zp;           /* zero point: codes are stored as code + zp, unsigned */
    uint16_t *rownnz;     /* sparse: [rows] kept weights per row */
    unsigned char *colp;  /* sparse: packed column indices */
    unsigned char *codep; /* coded: packed codes */
    size_t colp_bytes, codep_bytes;
    float *wf;       /* !coded: [rows x cols] */
    float *bias;     /* [rows] */
    float *codebook; /* sws: [ncodebook] */
    size_t ncodebook;
    int64_t max_row_abs; /* the largest sum over a row of |integer weight| (int8 overflow check) */
    /* int8 */
    double in_scale, out_scale; /* activation = q x scale */
    double w_scale;             /* integer weight x w_scale = weight (int8 codebook/floats) */
    int32_t *qbook;             /* int8 sws: the codebook as integers of w_scale */
    int8_t *wq;                 /* int8 of a float layer: [rows x cols] */
} gmdl__xop;

typedef struct gmdl__xplan {
    int nops;
    gmdl__xop *ops;
    int in_c, in_h, in_w, classes;
    size_t inputs;
    char arch[128], method[64];
    int compressed;
    size_t buf_a, buf_b, plane; /* elements: ping-pong buffers, conv plane */
    int wide;                   /* int8: accumulate in 64 bits (a row could overflow 32) */
} gmdl__xplan;

/* plan.c: the plan of model m loaded from path (ckpt metadata read again for the codes). */
gmdl_status gmdl__xplan_build(gmdl__xplan *p, const gmdl_model *m, const char *path, gmdl_err *err);
void gmdl__xplan_fini(gmdl__xplan *p);

/* calibrate.c: int8 scales from the largest activations of calib_x [n, inputs] through m. */
gmdl_status
gmdl__xplan_calibrate(gmdl__xplan *p, gmdl_model *m, const float *calib_x, size_t n, gmdl_err *err);

/* A growable text buffer. */
typedef struct gmdl__xbuf {
    char *p;
    size_t len, cap;
    int failed; /* out of memory */
} gmdl__xbuf;
void gmdl__xbuf_printf(gmdl__xbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gmdl__xbuf_fini(gmdl__xbuf *b);

/* emit_data.c: the const arrays of every op; returns their bytes. */
size_t gmdl__xemit_data(gmdl__xbuf *c, const gmdl__xplan *p, const char *name, int int8);
/* emit.c: the header and the source. */
void gmdl__xemit_header(gmdl__xbuf *h,
                        const gmdl__xplan *p,
                        const char *name,
                        int int8,
                        size_t weights_bytes,
                        size_t scratch_bytes);
/* the source up to the data (includes, types, bit reader) */
void gmdl__xemit_source(gmdl__xbuf *c, const gmdl__xplan *p, const char *name, int int8);
/* the source after the data: kernels and the forward pass */
void gmdl__xemit_kernels(gmdl__xbuf *c, const gmdl__xplan *p, const char *name, int int8);
/* bytes of the scratch buffer */
size_t gmdl__xplan_scratch_bytes(const gmdl__xplan *p, int int8);

#endif
