/* Calibration metrics (see calibration.h and gmdl_eval_result in gmdl/model.h). For N inputs with
 * predictive probabilities p_i [K], labels y_i and predicted classes a_i = argmax_k p_ik (the
 * first of equal maxima):
 *   NLL   = -1/N sum_i log max(p_i,y_i, 1e-300)
 *   Brier = 1/N sum_i sum_k (p_ik - [k = y_i])^2          (the multi-class sum, in [0, 2])
 *   ECE   = sum_b |sum_{i in b} ([a_i = y_i] - p_i,a_i)| / N,
 * where bin b = 0..14 holds the inputs whose confidence p_i,a_i lies in [b/15, (b+1)/15) (a
 * confidence of 1 in the last bin): the gap between accuracy and mean confidence in each bin,
 * weighted by the bin's share of the inputs (Guo et al. 2017, with 15 bins). */
#include "model/calibration.h"

double gmdl__entropy(const double *p, int K) {
    double h = 0.0;
    for (int k = 0; k < K; k++)
        if (p[k] > 0.0)
            h -= p[k] * log(p[k]);
    return h;
}

void gmdl__calib_add(gmdl__calib *c, const double *p, int K, int y, double expected_entropy) {
    int arg = 0;
    for (int k = 1; k < K; k++)
        if (p[k] > p[arg])
            arg = k;
    c->n++;
    c->hits += arg == y;
    c->nll -= log(p[y] > 1e-300 ? p[y] : 1e-300);
    for (int k = 0; k < K; k++) {
        double d = p[k] - (k == y ? 1.0 : 0.0);
        c->brier += d * d;
    }
    int b = (int)(p[arg] * GMDL_ECE_BINS);
    if (b >= GMDL_ECE_BINS)
        b = GMDL_ECE_BINS - 1;
    if (b < 0)
        b = 0;
    c->bin_n[b]++;
    c->bin_conf[b] += p[arg];
    c->bin_acc[b] += arg == y;
    double h = gmdl__entropy(p, K), mi = h - expected_entropy;
    c->entropy += h;
    c->expected_entropy += expected_entropy;
    c->mutual_information += mi > 0.0 ? mi : 0.0;
}

void gmdl__calib_finish(const gmdl__calib *c, gmdl_eval_result *r) {
    const double N = (double)c->n;
    double ece = 0.0;
    for (int b = 0; b < GMDL_ECE_BINS; b++) {
        r->bin_count[b] = (size_t)c->bin_n[b];
        r->bin_confidence[b] = c->bin_n[b] ? c->bin_conf[b] / (double)c->bin_n[b] : (double)NAN;
        r->bin_accuracy[b] = c->bin_n[b] ? c->bin_acc[b] / (double)c->bin_n[b] : (double)NAN;
        if (c->bin_n[b])
            ece += fabs(c->bin_acc[b] - c->bin_conf[b]) / N;
    }
    r->n = c->n;
    r->accuracy = (double)c->hits / N;
    r->nll = c->nll / N;
    r->brier = c->brier / N;
    r->ece = ece;
    r->mean_entropy = c->entropy / N;
    r->mean_expected_entropy = c->expected_entropy / N;
    r->mean_mutual_information = c->mutual_information / N;
}
