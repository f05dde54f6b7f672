/* Bit precision and compression rates of Bayesian compression (Louizos, Ullrich & Welling 2017, 3.3
 * and 5). */
#include "common.h"
#include "gmdl/bayes.h"

int gmdl_bits_significand(double v) {
    if (!(v > 0.0))
        return 23;
    double t = ceil(-log2(2.0 * v)) - 1.0;
    return t < 0.0 ? 0 : t > 23.0 ? 23 : (int)t;
}

int gmdl_bits_exponent(double o) {
    if (!(o > 0.5))
        return 1; /* log2(log2(O) + 1) is undefined or negative here */
    double e = ceil(log2(log2(o) + 1.0) + 1.0);
    return e < 1.0 ? 1 : (int)e;
}

int gmdl_bits_layer(const int *s, size_t n, int exponent_bits) {
    if (n == 0)
        return 1 + exponent_bits;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    return 1 + exponent_bits + (int)ceil(sum / (double)n - 1e-12);
}

double gmdl_quantize(double w, int s) {
    double step = ldexp(1.0, -s);
    return floor(w / step + 0.5) * step;
}

void gmdl_compression_rates(gmdl_rates *out, const gmdl_layer_size *layers, size_t n) {
    double total = 0.0, kept = 0.0, bits = 0.0;
    for (size_t i = 0; i < n; i++) {
        total += (double)layers[i].total;
        kept += (double)layers[i].kept;
        bits += (double)layers[i].kept * layers[i].bits + (double)layers[i].index_bits;
    }
    out->pruning_exact = kept > 0 ? total / kept : (double)INFINITY;
    out->fast_prediction_exact = bits > 0 ? 32.0 * total / bits : (double)INFINITY;
    out->pruning = floor(out->pruning_exact);
    out->fast_prediction = floor(out->fast_prediction_exact);
    out->nonzero_fraction = total > 0 ? kept / total : 0.0;
}

void gmdl_structured_counts(size_t *kept_weights,
                            const gmdl_struct_layer *layers,
                            size_t n,
                            size_t in_channels,
                            size_t outputs) {
    for (size_t l = 0; l < n; l++) {
        if (layers[l].conv) {
            size_t in = l == 0 ? in_channels : layers[l - 1].kept;
            kept_weights[l] = in * layers[l].kept * layers[l].kernel;
        } else {
            size_t out = l + 1 < n ? layers[l + 1].kept : outputs;
            kept_weights[l] = layers[l].kept * out;
        }
    }
}
