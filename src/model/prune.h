/* The compression policy's first half (prune.c): which layers are compressed and which of their
 * weights are kept. Internal to src/model. */
#ifndef GMDL_MODEL_PRUNE_H
#define GMDL_MODEL_PRUNE_H

#include "model/model_internal.h"

/* One layer being compressed: its weight [rows, cols] (rows = outputs, cols = inputs x taps). */
typedef struct gmdl__clayer {
    gmdl__layer *l;
    size_t rows, cols, n;
    unsigned char *keep; /* [n] */
    float *mean, *var;   /* [n] posterior mean and marginal variance of each weight */
    int *comp;           /* prior-layer codebooks (sws): the component of each weight */
    float *qval;         /* prior-layer codebooks: the component's mean (the quantised weight) */
    int s, rule_s;       /* significand bits: used and by the rule (compress.c) */
    double threshold;    /* statistic threshold used (NAN: none) */
} gmdl__clayer;

/* The layers of m to compress, in network order, into cl [m->nlayers] (*ncl of them), with their
 * posteriors and kept weights: per weight statistic below the threshold (cfg's, else 3), per
 * group (structured: *structured = 1) below cfg's or the automatic two-cluster threshold, with
 * the groups of neighbouring layers combined; under a prior layer (sws) the weights outside its
 * zero component. Free cl with gmdl__prune_free, also after a failure. */
gmdl_status gmdl__prune_decide(gmdl_model *m,
                               const gmdl_compress_config *cfg,
                               gmdl__clayer *cl,
                               int *ncl,
                               int *structured,
                               gmdl_err *err);
void gmdl__prune_free(gmdl__clayer *cl, int ncl);
/* The layer of m under which the weights before it compress to a codebook (its ops have the
 * codebook and assign hooks: the sws prior layer), or NULL. */
const gmdl__layer *gmdl__prune_codebook_layer(const gmdl_model *m);

#endif
