/* gmdl export: a trained or compressed net as one dependency-free C99 source and header, for
 * any target from a server to a microcontroller (docs/DEPLOY.md). The weights stay in the
 * storage the model file chose: a .gmz's kept weights as bit-packed fixed-point codes (a scale
 * 2^-s and a zero point per layer) or sws codebook indices, in compressed sparse rows where a
 * layer is pruned, structurally pruned nets at their smaller shapes; a plain .gmdl (dense,
 * dropout) as float32 arrays. The generated code allocates nothing: two ping-pong activation
 * buffers and one conv plane in one static scratch buffer, conv + ReLU + pooling fused.
 * Threads: gmdl_export_c is reentrant (it touches only its arguments and the files it writes);
 * the generated predict functions are not (they share the static scratch buffer). */
#ifndef GMDL_EXPORT_H
#define GMDL_EXPORT_H

#include "gmdl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gmdl_export_arith {
    GMDL_EXPORT_FLOAT = 0, /* float activations and accumulation */
    GMDL_EXPORT_INT8 = 1   /* 8-bit activations (per-layer scales), integer accumulation */
} gmdl_export_arith;

typedef struct gmdl_export_config {
    const char *name; /* C identifier prefix and file stem (default "gmdl_net") */
    gmdl_export_arith arith;
    /* GMDL_EXPORT_INT8: calibration inputs calib_x [calib_n, inputs] as gmdl_dataset holds them
     * (pixels / 255); the per-layer activation scales are their largest activations. Borrowed. */
    const float *calib_x;
    size_t calib_n;
} gmdl_export_config;

typedef struct gmdl_export_report {
    size_t weights_bytes; /* const data of the generated source: weights, indices, biases */
    size_t scratch_bytes; /* the static scratch buffer (NAME_SCRATCH_BYTES) */
    size_t inputs;        /* NAME_INPUTS */
    int classes;          /* NAME_CLASSES */
    int ops;              /* fused operations in the generated forward pass */
} gmdl_export_report;

GMDL_API gmdl_export_config gmdl_export_config_default(void);

/* Writes DIR/NAME.h and DIR/NAME.c for the model file at model_path (.gmz, or a .gmdl of a
 * method without a posterior) atomically; nothing is written unless the whole export succeeds.
 * ECORRUPT (and the loader's other codes) for a damaged file, EUNSUPPORTED for an unknown
 * method, a layer kind or shape the generator does not know, or a Bayesian .gmdl (compress it
 * first), EINVAL for a name that is not a C identifier or int8 without calibration inputs. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_export_c(gmdl_export_report *report,
                                                  const char *model_path,
                                                  const char *dir,
                                                  const gmdl_export_config *cfg,
                                                  gmdl_err *err);

#ifdef __cplusplus
}
#endif

#endif
