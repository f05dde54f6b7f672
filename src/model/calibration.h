/* Calibration metrics of predictive distributions, accumulated one input at a time (calibration.c):
 * the negative log-likelihood, the Brier score, the expected calibration error over GMDL_ECE_BINS
 * equal-width confidence bins, and the entropies of the prediction. gmdl_model_evaluate and the uq
 * module's gmdl_calibration share it. Internal to src/model and the modules above it. */
#ifndef GMDL_MODEL_CALIBRATION_H
#define GMDL_MODEL_CALIBRATION_H

#include "common.h"
#include "gmdl/model.h"

typedef struct gmdl__calib {
    size_t n;
    long long hits;
    double nll, brier, entropy, expected_entropy, mutual_information;
    long long bin_n[GMDL_ECE_BINS];
    double bin_conf[GMDL_ECE_BINS], bin_acc[GMDL_ECE_BINS]; /* sums over the bin's inputs */
} gmdl__calib;

/* Entropy -sum p_k log p_k (nats) of p [K]; terms with p_k <= 0 count 0. */
double gmdl__entropy(const double *p, int K);
/* Adds one input: probabilities p [K] (summing to 1), label y in [0, K), and the expected
 * entropy of its samples (the entropy of p itself for a single deterministic pass). */
void gmdl__calib_add(gmdl__calib *c, const double *p, int K, int y, double expected_entropy);
/* The means into r (r->n = c->n; c->n must be > 0). */
void gmdl__calib_finish(const gmdl__calib *c, gmdl_eval_result *r);

#endif
