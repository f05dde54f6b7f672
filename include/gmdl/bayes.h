/* gmdl Bayesian compression arithmetic (Louizos, Ullrich & Welling, "Bayesian Compression for
 * Deep Learning", NIPS 2017, sections 3.3 and 5): bit precision from posterior variances,
 * fixed-point quantisation, and the compression rates of the paper's table. Pure functions over
 * plain numbers, usable on any pruned network.
 * Threads: every function is pure and may be called from any number of threads at once. */
#ifndef GMDL_BAYES_H
#define GMDL_BAYES_H

#include "gmdl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Significand bits a weight with marginal posterior variance v needs:
 * #{t in 1..23 : 2 v < 2^-t} = clamp(ceil(-log2(2 v)) - 1, 0, 23). Uses 2 v, not the standard
 * deviation (the reference code's rule). v = 0 gives 23. */
GMDL_API int gmdl_bits_significand(double v);

/* Exponent bits for the whole net from O, the largest absolute kept posterior mean:
 * ceil(log2(log2(O) + 1) + 1), guarded to at least 1 (the formula is undefined for O <= 0.5). */
GMDL_API int gmdl_bits_exponent(double max_abs_mean);

/* Layer bits from the significand bits s_j of its kept weights: 1 (sign) + e + ceil(mean s_j). */
GMDL_API int gmdl_bits_layer(const int *s, size_t n, int exponent_bits);

/* Fixed-point quantisation on a grid of step 2^-s: floor(w / 2^-s + 1/2) 2^-s. */
GMDL_API double gmdl_quantize(double w, int s);

/* One layer of a pruned network, for the rates. */
typedef struct gmdl_layer_size {
    size_t total;      /* weights of the original layer (biases excluded) */
    size_t kept;       /* weights kept (structured: kept inputs x kept outputs x kernel area) */
    int bits;          /* bits per kept weight as stored */
    size_t index_bits; /* bits of sparse indices (0 for dense storage of the pruned layer) */
} gmdl_layer_size;

typedef struct gmdl_rates {
    double pruning;         /* N / sum kept, floored to an integer as in the paper */
    double fast_prediction; /* 32 N / sum(kept bits + index bits), floored */
    double pruning_exact, fast_prediction_exact; /* before flooring */
    double nonzero_fraction;                     /* sum kept / N */
} gmdl_rates;

GMDL_API void gmdl_compression_rates(gmdl_rates *out, const gmdl_layer_size *layers, size_t n);

/* Kept weight counts of a structurally pruned net: for dense layers kept_in[l] * kept_out[l]
 * (kept_out of the last layer = its outputs); for conv layers kept_filters[l-1] * kept_filters[l]
 * * kernel area. kept[l] = kept inputs (dense) or kept filters (conv) as in the paper's notation
 * "278-98-13"; in[0] is the input channel count of a first conv layer. Writes counts to out. */
typedef struct gmdl_struct_layer {
    int conv;      /* 1 for a convolution */
    size_t kept;   /* dense: kept inputs; conv: kept output filters */
    size_t kernel; /* conv: kh * kw */
} gmdl_struct_layer;
GMDL_API void gmdl_structured_counts(size_t *kept_weights,
                                     const gmdl_struct_layer *layers,
                                     size_t n,
                                     size_t in_channels,
                                     size_t outputs);

#ifdef __cplusplus
}
#endif
#endif
