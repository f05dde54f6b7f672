/* Group-scale layers (Louizos, Ullrich & Welling 2017): w = z_g w~ with one scale z_g per input
 * unit of a dense layer or output filter of a conv layer, trained with the local
 * reparameterisation trick. group.c holds everything the priors share (weights, biases, the
 * forward and backward passes, the Gaussian KL of the weights); each prior on the scales is a
 * gmdl__group_prior of its own: gnj.c (normal-Jeffreys), ghs.c (horseshoe). Internal to
 * src/bayes. */
#ifndef GMDL_BAYES_GROUP_H
#define GMDL_BAYES_GROUP_H

#include "bayes/bayes_internal.h"

/* Parameters, in this order: weight (theta), bias, weight_logvar, bias_logvar, then the prior's
 * two scale tensors (GMDL__GRP_S1, GMDL__GRP_S2). */
enum { GMDL__GRP_W, GMDL__GRP_B, GMDL__GRP_WLV, GMDL__GRP_BLV, GMDL__GRP_S1, GMDL__GRP_S2 };

/* What a prior on the group scales supplies. The noise model of the scale of group g is
 * z = ga + gb xi (log_scale 0) or z = exp(ga + gb xi) (log_scale 1), xi ~ N(0, 1). */
typedef struct gmdl__group_prior {
    int log_scale;
    /* declares parameters GMDL__GRP_S1 and GMDL__GRP_S2 for `groups` groups */
    void (*declare)(gmdl__layer *l, uint64_t groups);
    /* optional: after the shared initialisation (every log variance and scale tensor drawn from
     * N(-9, 0.01^2), z_mu-like S1 from N(1, 0.01^2)), the prior's own starting point */
    void (*init)(gmdl__layer *l, gmdl_rng *rng);
    /* ga, gb [groups] of the noise model */
    void (*moments)(const gmdl__layer *l, float *ga, float *gb);
    /* chains the per-group accumulators dA = sum dL/dz w, dB = sum dL/dz w xi (w = 1, or z when
     * log_scale) into the gradients of the scale parameters (gb as moments() gave it) */
    void (*grads)(gmdl__layer *l, const float *gb, const float *dA, const float *dB);
    /* adds the KL of the scale posterior to kl (returned) and scale x its gradient */
    double (*kl)(gmdl__layer *l, double scale, double kl);
    /* posterior mean and variance of the scale of group g and the pruning statistic */
    void (*stats)(const gmdl__layer *l, size_t g, double *mean, double *var, double *stat);
} gmdl__group_prior;

/* Its number of groups (dense: input units, conv: output filters), and per group the posterior
 * mean and variance of the scale z_g and the prior's pruning statistic. */
size_t gmdl__group_count(const gmdl__layer *l);
void gmdl__group_stats(const gmdl__layer *l, size_t g, double *mean, double *var, double *stat);

/* The layer functions every group prior's ops table uses. */
gmdl_status gmdl__group_dense_setup(gmdl__layer *l, gmdl_err *err);
gmdl_status gmdl__group_conv_setup(gmdl__layer *l, gmdl_err *err);
void gmdl__group_dense_init(gmdl__layer *l, gmdl_rng *rng);
void gmdl__group_conv_init(gmdl__layer *l, gmdl_rng *rng);
void gmdl__group_dense_forward(gmdl__layer *l, const gmdl__fwd *a);
void gmdl__group_dense_backward(gmdl__layer *l, const gmdl__bwd *a);
void gmdl__group_conv_forward(gmdl__layer *l, const gmdl__fwd *a);
void gmdl__group_conv_backward(gmdl__layer *l, const gmdl__bwd *a);
/* Gaussian KL of weights and biases plus the prior's KL of the scales */
double gmdl__group_kl(gmdl__layer *l, double scale);
/* clips the weight and bias log variances to l->k.group.max_logvar (when set) */
void gmdl__group_after_step(gmdl__layer *l);

/* gmdl__layer_ops.posterior: per group the prior's statistic; per weight E[w] = E[z] theta and
 * Var[w] = E[z]^2 s2 + Var[z] theta^2 + Var[z] s2 (s2 = exp(weight_logvar)). load_compressed:
 * theta = w / E[z] (0 where either is 0). */
size_t
gmdl__group_posterior(const gmdl__layer *l, float *mean, float *var, double *stat, size_t *groups);
void gmdl__group_load_compressed(gmdl__layer *l, const float *w, const float *bias);

/* The layer's gmdl__group_prior. */
static inline const gmdl__group_prior *gmdl__group_prior_of(const gmdl__layer *l) {
    return (const gmdl__group_prior *)l->ops->impl;
}

#endif
