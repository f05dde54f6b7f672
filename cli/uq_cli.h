/* Shared parts of the uncertainty commands (eval, predict, ood): figures (uq_plot.c) and model
 * and input loading (uq_input.c). */
#ifndef GMDL_CLI_UQ_H
#define GMDL_CLI_UQ_H

#include <stdio.h>

#include "cli.h"

/* Reliability diagram (accuracy against confidence over the 15 bins, and the share of inputs
 * per bin) of r into the PNG at path. Returns 0 or the exit code (messages name cmd). */
int uq_plot_reliability(const char *cmd,
                        const char *path,
                        const gmdl_eval_result *r,
                        const char *title);

/* The scores of gmdl ood: entropies and mutual informations of both sets. */
typedef struct uq_ood_scores {
    size_t n_in, n_out;
    double *h_in, *mi_in, *h_out, *mi_out;
} uq_ood_scores;
/* Histograms (densities, 40 bins) of the in- and out-of-distribution scores: the entropy, and
 * the mutual information when panels = 2, into the PNG at path. Returns 0 or the exit code. */
int uq_plot_ood(const char *path,
                const uq_ood_scores *sc,
                int panels,
                const char *in_name,
                const char *out_name);

/* Images to predict on: x [n, dim] (floats in [0, 1]) and, for a folder read with labels, y. */
typedef struct uq_inputs {
    size_t n, dim;
    int c, h, w;
    const float *x;
    const int32_t *y; /* NULL when unknown */
    gmdl_dataset ds;  /* a folder's test set */
    float *own;       /* a file's images */
    gmdl_table tab;   /* a table's rows (a model trained on a table) */
} uq_inputs;
/* PATH: an IDX folder (its t10k-* test pair; the labels kept when keep_labels, then they must
 * be the model's classes) or one IDX image file (no labels); for a model trained on a table,
 * a table in the model's format (CSV or libsvm; its label column read when present and
 * keep_labels; need_labels: it must be there). Checks the shape against the model's input.
 * Returns 0 or the exit code, having printed why. */
int uq_inputs_load(uq_inputs *in,
                   const char *cmd,
                   const char *path,
                   const gmdl_model *m,
                   int keep_labels,
                   int need_labels);
void uq_inputs_fini(uq_inputs *in);

/* An output written atomically: opened as PATH.tmp.PID (tmp, tmpn bytes), renamed over PATH by
 * uq_out_close after fsync. open returns NULL having printed why; close returns 0 or 1. */
FILE *uq_out_open(const char *cmd, const char *path, char *tmp, size_t tmpn);
int uq_out_close(const char *cmd, FILE *f, const char *tmp, const char *path);

/* gmdl train on a table (train_table.c): the training and test rows and the description the
 * model keeps (the standardisation from the training rows; what a resumed model keeps instead). */
typedef struct uq_train_table {
    gmdl_dataset train, test;
    gmdl_table all, held; /* the --data table and the --test one */
    float *moments;       /* [2 D]: mean, sd */
    gmdl_tabular_info info;
} uq_train_table;
/* DATA (CSV with --y COL, or libsvm) and TEST (a file) or a seeded SPLIT fraction (> 0). resumed:
 * a model to continue (its table description is used). Returns 0 or the exit code. */
/* --val: replaces train by the images gmdl_dataset_holdout leaves for training (cfg->val held
 * out with cfg->seed). 0, or 2 with the message printed (ENOMEM too: the split is the user's). */
int uq_train_val_split(gmdl_dataset *train, const gmdl_train_config *cfg, int quiet);
int uq_train_table_load(uq_train_table *t,
                        const char *data,
                        const char *y,
                        const char *test,
                        double split,
                        uint64_t seed,
                        const gmdl_model *resumed);
void uq_train_table_fini(uq_train_table *t);

#endif
