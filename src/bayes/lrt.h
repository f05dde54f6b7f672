/* Weight-noise layers with a factorised Gaussian posterior N(theta, exp(log_sigma2)) per weight,
 * trained with the local reparameterisation trick (Kingma, Salimans & Welling 2015): the shared
 * machinery of sparse VD (svd.c), variational dropout (vd.c) and Bayes by backprop (bbb.c), which
 * differ only in their KL term, the training mask threshold and an optional after-step clip.
 * Internal to src/bayes. */
#ifndef GMDL_BAYES_LRT_H
#define GMDL_BAYES_LRT_H

#include "bayes/bayes_internal.h"

/* Parameters, in this order: weight (theta), bias, log_sigma2 (same shape as the weight). */
enum { GMDL__LRT_W, GMDL__LRT_B, GMDL__LRT_LS2 };

/* Dense / conv2d setup: the plain layer's shapes, the three parameters, workspace and cache.
 * Weights with log alpha >= prune_at leave the mean path during training (+inf: no mask). */
gmdl_status gmdl__lrt_dense_setup(gmdl__layer *l, float prune_at, gmdl_err *err);
gmdl_status gmdl__lrt_conv_setup(gmdl__layer *l, float prune_at, gmdl_err *err);
/* theta ~ U(+-1/sqrt(fan_in)), bias 0, log sigma^2 = -10 (the reference recipe) */
void gmdl__lrt_dense_init(gmdl__layer *l, gmdl_rng *rng);
void gmdl__lrt_conv_init(gmdl__layer *l, gmdl_rng *rng);
/* Forward: sampled pre-activations (TRAIN, EVAL_SAMPLE) or the masked mean (EVAL_MEAN); both
 * leave the unclipped log alpha of every weight in the workspace for kl(). Backward as
 * gmdl__layer_ops. */
void gmdl__lrt_dense_forward(gmdl__layer *l, const gmdl__fwd *a);
void gmdl__lrt_dense_backward(gmdl__layer *l, const gmdl__bwd *a);
void gmdl__lrt_conv_forward(gmdl__layer *l, const gmdl__fwd *a);
void gmdl__lrt_conv_backward(gmdl__layer *l, const gmdl__bwd *a);

/* gmdl__layer_ops.posterior and load_compressed: per weight log alpha, E[w] = theta, Var[w] =
 * exp(log_sigma2); loading sets theta and opens the mask (log_sigma2 = -100). */
size_t
gmdl__lrt_posterior(const gmdl__layer *l, float *mean, float *var, double *stat, size_t *groups);
void gmdl__lrt_load_compressed(gmdl__layer *l, const float *w, const float *bias);

/* A per-weight KL kernel over [lo, hi): reads the unclipped log alpha in la_kl and overwrites it
 * with each weight's KL; accumulates scale x dKL into dth and dls2. */
typedef void (*gmdl__lrt_kl_range)(
    const float *th, float *la_kl, float *dth, float *dls2, size_t lo, size_t hi, float scale);
/* Sum of fn's per-weight KL over the layer in fixed blocks of 4096 (partials added in block
 * order: the same for any thread count); uses the log alpha of the last forward pass. */
double gmdl__lrt_kl_blocks(gmdl__layer *l, double scale, gmdl__lrt_kl_range fn);
/* The per-weight KL values of the last kl() call (work area of count floats). */
float *gmdl__lrt_kl_values(gmdl__layer *l);

#endif
