/* The compression rates of Louizos et al. (2017), Table 1, recomputed from the published pruned
 * architectures and bit widths (Table 2), and the bit-precision rule of Louizos et al. 2017, 3.3.
 */
#include "gmdl/bayes.h"
#include "harness.h"

static void rates(const gmdl_struct_layer *L,
                  size_t n,
                  size_t in_ch,
                  const size_t *total,
                  const int *bits,
                  gmdl_rates *r) {
    size_t kept[8];
    gmdl_layer_size ls[8];
    gmdl_structured_counts(kept, L, n, in_ch, 10);
    for (size_t i = 0; i < n; i++) {
        ls[i].total = total[i];
        ls[i].kept = kept[i];
        ls[i].bits = bits[i];
        ls[i].index_bits = 0;
    }
    gmdl_compression_rates(r, ls, n);
}

int main(void) {
    gmdl_rates r;
    const size_t lenet300[3] = {784 * 300, 300 * 100, 100 * 10};
    const size_t lenet5[4] = {20 * 25, 50 * 20 * 25, 800 * 500, 500 * 10};
    /* LeNet-300-100 BC-GNJ: 278-98-13, 8-9-14 bits -> Pruning 9, Fast 36 */
    gmdl_struct_layer gnj[3] = {{0, 278, 1}, {0, 98, 1}, {0, 13, 1}};
    int gnj_bits[3] = {8, 9, 14};
    rates(gnj, 3, 1, lenet300, gnj_bits, &r);
    CHECK_EQ((long)r.pruning, 9);
    CHECK_EQ((long)r.fast_prediction, 36);
    CHECK_NEAR(r.fast_prediction_exact, 36.84, 0.01, 0);
    CHECK_NEAR(100 * r.nonzero_fraction, 10.8, 0.05, 0);
    /* BC-GHS: 311-86-14, 13-11-10 -> 9 and 23 */
    gmdl_struct_layer ghs[3] = {{0, 311, 1}, {0, 86, 1}, {0, 14, 1}};
    int ghs_bits[3] = {13, 11, 10};
    rates(ghs, 3, 1, lenet300, ghs_bits, &r);
    CHECK_EQ((long)r.pruning, 9);
    CHECK_EQ((long)r.fast_prediction, 23);
    CHECK_NEAR(r.fast_prediction_exact, 23.51, 0.01, 0);
    /* LeNet-5 BC-GHS: 5-10-76-16, 10-10-14-13 -> 156 and 419 */
    gmdl_struct_layer l5[4] = {{1, 5, 25}, {1, 10, 25}, {0, 76, 1}, {0, 16, 1}};
    int l5_bits[4] = {10, 10, 14, 13};
    rates(l5, 4, 1, lenet5, l5_bits, &r);
    CHECK_EQ((long)r.pruning, 156);
    CHECK_EQ((long)r.fast_prediction, 419);
    CHECK_NEAR(100 * r.nonzero_fraction, 0.6, 0.05, 0);
    /* LeNet-5 BC-GNJ 8-13-88-13, 18-10-7-9: 105.7 and 355.3 as computed in 12.6 */
    gmdl_struct_layer l5g[4] = {{1, 8, 25}, {1, 13, 25}, {0, 88, 1}, {0, 13, 1}};
    int l5g_bits[4] = {18, 10, 7, 9};
    rates(l5g, 4, 1, lenet5, l5g_bits, &r);
    CHECK_NEAR(r.pruning_exact, 105.7, 0.05, 0);
    CHECK_NEAR(r.fast_prediction_exact, 355.3, 0.05, 0);

    /* the bit rule table of 12.4 */
    const double v[8] = {0.5, 0.1, 0.04, 0.01, 1e-3, 1e-4, 1e-6, 1e-9};
    const int s[8] = {0, 2, 3, 5, 8, 12, 18, 23};
    for (int i = 0; i < 8; i++)
        CHECK_EQ(gmdl_bits_significand(v[i]), s[i]);
    CHECK_EQ(gmdl_bits_significand(0.0), 23);
    const double o[6] = {0.9, 1.5, 2, 3, 4, 10};
    const int e[6] = {1, 2, 2, 3, 3, 4};
    for (int i = 0; i < 6; i++)
        CHECK_EQ(gmdl_bits_exponent(o[i]), e[i]);
    CHECK_EQ(gmdl_bits_exponent(0.6), 1); /* guarded: the raw formula gives 0 */
    CHECK_EQ(gmdl_bits_exponent(0.3), 1); /* and NaN here */
    int sj[4] = {3, 4, 4, 5};
    CHECK_EQ(gmdl_bits_layer(sj, 4, 2), 1 + 2 + 4);
    int sk[3] = {3, 4, 4};
    CHECK_EQ(gmdl_bits_layer(sk, 3, 2), 1 + 2 + 4); /* ceil(3.67) */
    CHECK_NEAR(gmdl_quantize(0.123456, 4), 0.125, 0, 0);
    CHECK_NEAR(gmdl_quantize(0.03, 4), 0.0, 0, 0);
    CHECK_NEAR(gmdl_quantize(-0.123456, 4), -0.125, 0, 0);
    TEST_MAIN_END();
}
