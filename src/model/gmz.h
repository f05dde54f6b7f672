/* The .gmz container (gmz.c): the encoding of a pruned, quantised net and its decoding back into
 * a runnable model. What is kept and at which precision is the compression policy's
 * (compress.c); the smaller architecture of a structurally pruned net is reduce.c's.
 * Internal to src/model. */
#ifndef GMDL_MODEL_GMZ_H
#define GMDL_MODEL_GMZ_H

#include "model/model_internal.h"

/* A growing little-endian bit stream (the .gmz codes and indices; the C export's packed
 * weights): bits appended at the end, the buffer zero-filled as it grows. */
typedef struct {
    unsigned char *p;
    size_t bits, cap;
} gmdl__bitw;
/* Appends the low nbits of v; -1 when the buffer cannot grow (w keeps what it had). */
int gmdl__bitw_put(gmdl__bitw *w, uint64_t v, int nbits);

/* Bits to store values 0..n-1 (at least 1). */
static inline int gmdl__bits_for(uint64_t n) {
    int b = 1;
    while (b < 63 && ((uint64_t)1 << b) < n)
        b++;
    return b;
}

/* One encoded weight layer: CSR over its [rows, cols] weight (rows = outputs, cols = inputs x
 * kernel taps) with row pointers (u32), column indices bit-packed at bits_for(cols) bits, the
 * codes of the kept weights bit-packed at `bits` bits in two's complement, the bias in float32. A
 * code is round(w 2^sig_bits), or, with a codebook, an index into it. */
typedef struct gmdl__gmz_layer {
    const char *name;
    size_t rows, cols;
    const unsigned char *keep; /* [rows x cols] */
    const int64_t *code;       /* [rows x cols]: the code of each kept weight */
    int sig_bits, bits, rule_bits;
    const float *bias; /* [nbias] */
    size_t nbias;
    const float *codebook; /* NULL, or [ncodebook] */
    size_t ncodebook;
} gmdl__gmz_layer;

/* What the file says about the whole compression. */
typedef struct gmdl__gmz_head {
    double log_alpha_threshold; /* as requested (NAN: the method's default) */
    int exponent_bits;
    int structured; /* 1: the loader builds the smaller architecture */
    double pruning_rate, fast_prediction_rate, max_compression_rate;
} gmdl__gmz_head;

/* Writes the .gmz of model m (its architecture, method and input shape) with the given layers
 * (in network order) atomically to path. */
gmdl_status gmdl__gmz_write(const gmdl_model *m,
                            const gmdl__gmz_head *h,
                            const gmdl__gmz_layer *layers,
                            int n,
                            const char *path,
                            gmdl_err *err);

#endif
