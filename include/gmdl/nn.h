/* gmdl neural-net layers: what the public API says of the layers themselves. The layers are
 * internal (src/nn); nets are built, trained, saved and compressed through gmdl/model.h, which
 * includes this header (code that included gmdl/nn.h for the model API before 0.2 includes
 * gmdl/model.h or gmdl/gmdl.h).
 * Threads: declarations only. */
#ifndef GMDL_NN_H
#define GMDL_NN_H

#ifdef __cplusplus
extern "C" {
#endif

/* How a forward pass treats stochastic layers, chosen per call (never a global flag). */
typedef enum {
    GMDL_MODE_TRAIN,      /* stochastic, caches for backward saved */
    GMDL_MODE_EVAL_MEAN,  /* deterministic: dropout off, weights at their means */
    GMDL_MODE_EVAL_SAMPLE /* stochastic without caches: MC dropout, posterior samples */
} gmdl_mode;

#ifdef __cplusplus
}
#endif
#endif
