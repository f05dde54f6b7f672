/* A compression in progress (compress.c), shared with the budget search (budget.c): the layers
 * that compress.c prunes, quantises and encodes, measured without writing a file. Internal to
 * src/model. */
#ifndef GMDL_MODEL_COMPRESS_JOB_H
#define GMDL_MODEL_COMPRESS_JOB_H

#include "model/prune.h"

/* The layers, their kept weights and bits, whether codes index a prior layer's codebook (sws: the
 * layer with the codebook hook), a weight buffer and the parameters to restore. */
typedef struct gmdl__cjob {
    gmdl_model *m;
    gmdl__clayer *cl;
    int ncl, structured, codebook, e;
    const gmdl__layer *prior; /* the codebook's layer, or NULL */
    size_t nbook;             /* its entries */
    float *w;                 /* [largest n] */
    float *store0;            /* the model's parameters as they were */
} gmdl__cjob;

/* Decides what cfg keeps (gmdl__prune_decide) and the bits: the posterior-variance rule, or
 * cfg->layer_bits where given. Close the job with gmdl__cjob_close, also after a failure; it
 * puts the model's parameters back. */
gmdl_status
gmdl__cjob_open(gmdl__cjob *J, gmdl_model *m, const gmdl_compress_config *cfg, gmdl_err *err);
void gmdl__cjob_close(gmdl__cjob *J);
/* Puts the kept means (quant: quantised at each layer's bits) into the model's own
 * deterministic pass. */
void gmdl__cjob_set_weights(gmdl__cjob *J, int quant);
/* The report's layers and rates as the file would have them, without writing one; *fast_bits and
 * *max_bits receive the denominators of the Fast prediction and Maximum compression rates
 * (before flooring). Release rep with gmdl_compress_report_fini. */
gmdl_status gmdl__cjob_measure(
    gmdl__cjob *J, gmdl_compress_report *rep, double *fast_bits, double *max_bits, gmdl_err *err);

#endif
