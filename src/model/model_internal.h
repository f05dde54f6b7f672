/* Private layout of gmdl_model, shared by model.c (construction, accessors), train.c (training),
 * predict.c (prediction and evaluation in workspaces) and model_io.c (model files). */
#ifndef GMDL_NN_MODEL_INTERNAL_H
#define GMDL_NN_MODEL_INTERNAL_H

#include "model/method.h"

struct gmdl_model {
    gmdl_train_config cfg;
    int in_c, in_h, in_w, classes;
    size_t in_size;
    int nlayers;
    gmdl__layer *layers;
    /* Parameter store: one block each for values, gradients and two optimizer moments, all with
     * identical offsets (each tensor starts on a 16-float boundary). */
    size_t nstore;
    float *params, *grads, *m1, *m2;
    /* Planned activations: act[i] is the input of layer i, act[nlayers] the logits; dact the
     * matching gradients. All [max_batch, size]. */
    int max_batch;
    float **act, **dact;
    unsigned char *cache_block;
    float *work_block;
    const gmdl__method *method; /* its row in the method table (method.c) */
    int compressed;             /* loaded from a .gmz */
    void *sparse_block;         /* CSR arrays of the sparse layers of a compressed model */
    size_t sparse_bytes;
    int nsparse;
    struct gmdl__sparse_layer {
        int layer;
        size_t offset;
    } * sparse_layers;    /* [nsparse] */
    uint32_t *select_idx; /* kept input features of a structurally pruned model (select layer) */
    int32_t *ybatch;
    uint32_t *perm;
    size_t perm_n;
    /* sws hardening: [nstore], the value a hardened weight is held at, NaN where it is free;
     * rebuilt from the weights at the start of every hardening epoch (not saved) */
    float *sws_hard;
    double *sws_harden; /* [cfg.sws.harden_n]: the hardening stages (cfg.sws.harden points here) */
    /* Training progress (all saved). */
    gmdl_rng shuffle_rng;
    int epoch;
    uint64_t step;
    gmdl_epoch_stats *hist;
    int nhist, caphist;
    double last_train_seconds; /* not saved */
    /* a net on a table (tabular.c): its description, and the standardisation applied to every
     * input row; tab.format NULL for a net on images */
    struct gmdl__tabular {
        char *format, *y, *columns, *classes;
        float *mean, *sd, *inv_sd; /* [in_size] each, one block at mean */
    } tab;
    gmdl_tabular_info tab_info; /* views of tab, for gmdl_model_tabular */
};
typedef struct gmdl__tabular gmdl__tabular;

/* tabular.c: releases a tabular description; x[n, in_size] := (x - mean) / sd. */
void gmdl__tabular_free(gmdl__tabular *t);
void gmdl__tabular_apply(const gmdl_model *m, float *x, size_t n);

/* predict.c: the data set fits the model's input and outputs and has 1 .. 2^32 - 1 items. */
gmdl_status gmdl__model_check_data(const gmdl_model *m, const gmdl_dataset *ds, gmdl_err *err);
/* Ensures the permutation buffer holds n entries. */
gmdl_status gmdl__model_reserve_perm(gmdl_model *m, size_t n);
/* Appends a history record. */
gmdl_status gmdl__model_push_history(gmdl_model *m, const gmdl_epoch_stats *st);
/* Forward pass of n <= max_batch rows already in act[0]; returns the logits act[nlayers]. */
const float *
gmdl__model_forward(gmdl_model *m, int n, gmdl_mode mode, uint64_t seed, uint64_t step);
int gmdl__is_gmz(const char *path);
/* gmdl_model_create with, when nselect > 0, a select layer first that keeps nselect input
 * features (their indices are set afterwards in select_idx / the layer's select_idx). */
gmdl_status gmdl__model_create_select(gmdl_model **out,
                                      const gmdl_train_config *cfg,
                                      int c,
                                      int h,
                                      int w,
                                      int classes,
                                      size_t nselect,
                                      gmdl_err *err);
/* gmz.c: the .gmz decoder (gmdl_model_load calls it for .gmz files) */
gmdl_status gmdl__gmz_load(gmdl_model **out, const char *path, gmdl_err *err);
/* reduce = 0: structured files too decode into the full shapes (zeros where pruned; tests) */
gmdl_status gmdl__gmz_load_ex(gmdl_model **out, const char *path, int reduce, gmdl_err *err);
/* reduce.c: the net with only the kept units of a structurally pruned decoded model f (rowkeep:
 * per weight layer its kept outputs; in_keep: the inputs a dense first layer uses); *out NULL
 * when it cannot be described (f stays as it is). */
gmdl_status gmdl__model_reduce(gmdl_model *f,
                               unsigned char *const *rowkeep,
                               const unsigned char *in_keep,
                               gmdl_model **out,
                               gmdl_err *err);
/* reduce.c: dense layers that are mostly zeros run sparse (CSR in one block per model). */
gmdl_status gmdl__model_sparsify(gmdl_model *m, gmdl_err *err);
/* Fraction of the weights of Bayesian layers kept (log alpha < 3; groups kept for bc-gnj, bc-ghs;
 * not in the zero component for sws; 1 without such layers); *units: the fraction of groups kept
 * (bc-gnj, bc-ghs), else NAN. GMDL_ENOMEM when its scratch cannot be allocated. */
gmdl_status gmdl__model_kept_fraction(double *frac, double *units, const gmdl_model *m);
/* prune.c: the group statistics of a structured layer into st [groups] (its posterior hook)
 * and, when t_auto is not NULL, their automatic threshold: the two-cluster split (Otsu's cut, the
 * midpoint of the gap; +inf when the clusters' means are less than 2 apart). GMDL_ENOMEM without
 * memory. */
gmdl_status gmdl__group_statistics(const gmdl__layer *l, double *st, double *t_auto);
/* KL weight of the current epoch (warm-up), 0 for non-Bayesian methods. */
double gmdl__kl_weight(const gmdl_model *m);
/* Copies the rows idx[0..n) of all, in that order, into a new data set (ENOMEM: out is empty). */
gmdl_status
gmdl__dataset_take_rows(gmdl_dataset *out, const gmdl_dataset *all, const uint32_t *idx, size_t n);

#endif
