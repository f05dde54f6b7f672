/* The method table: what each training method (--method NAME) is, one row per method. Everything
 * outside the row's own files asks the row, never the method's name or position.
 *
 * Adding a method: its layer kinds (src/bayes/NAME.c: the layer ops, their KL, after_step), one
 * row in method.c, one gradient-check row in tests/test_bayes.c. Internal to src/model. */
#ifndef GMDL_MODEL_METHOD_H
#define GMDL_MODEL_METHOD_H

#include "gmdl/model.h"
#include "nn/layer.h"

enum {
    /* the objective has a KL (or prior) term: N_train x (mean cross-entropy + weight x KL /
     * N_train), and the model can be compressed from its posterior */
    GMDL__M_BAYES = 1u << 0,
    /* the KL weight follows the config's warm-up (else 1 from the first step) */
    GMDL__M_WARMUP = 1u << 1,
    /* group scales (structured pruning); the first Bayesian layer's weight variances clipped at
     * 0.04 (Louizos et al.'s recipe) */
    GMDL__M_GROUP = 1u << 2,
    /* kept groups during training by the two-cluster split of the group statistics (else the
     * statistic below 3) */
    GMDL__M_AUTO_THRESHOLD = 1u << 3,
    /* a prior layer after the output covering every layer before it, with its own learning
     * rates (sws) */
    GMDL__M_PRIOR_LAYER = 1u << 4,
    /* hardening stages in the final epochs (cfg.sws.harden) */
    GMDL__M_HARDEN = 1u << 5,
    /* Bernoulli dropout after every hidden dense layer ("dropout:P") */
    GMDL__M_DROPOUT = 1u << 6,
    /* retrains a trained net: a run starts from another model's weights (gmdl_model_init_from) */
    GMDL__M_RETRAIN = 1u << 7,
};

/* A setting that must agree when a run is resumed (gmdl_train_config_compatible): its gmdl train
 * option name and whether two configs differ in it. */
typedef struct gmdl__config_key {
    const char *name;
    int (*differs)(const gmdl_train_config *saved, const gmdl_train_config *given);
} gmdl__config_key;

typedef struct gmdl__method {
    const char *name;                    /* as --method and model files spell it */
    const gmdl__layer_ops *dense, *conv; /* the weight layers */
    unsigned flags;                      /* GMDL__M_* */
    gmdl_lr_schedule lr_dense, lr_conv;  /* GMDL_LR_AUTO for nets starting dense / with a conv */
    /* the method's own settings (gmdl_train_config_compatible), ending with a NULL name; NULL
     * for none */
    const gmdl__config_key *keys;
    /* optional: checks the method's settings (gmdl_train_config_check calls it for every row:
     * a setting is valid or not whatever the method; `active`: cfg trains with this method) */
    gmdl_status (*check)(const gmdl_train_config *cfg, int active, gmdl_err *err);
    /* GMDL__M_PRIOR_LAYER: the prior layer's kind and its configuration from cfg (before its
     * setup) */
    const gmdl__layer_ops *prior;
    void (*prior_config)(gmdl__layer *l, const gmdl_train_config *cfg);
    /* the default Adam learning rate (0: 1e-3) and the pruning statistic's name for labels
     * (NULL: none, or a codebook); gmdl_method_lookup reports them */
    double adam_lr;
    const char *statistic;
} gmdl__method;

/* The row of a method string ("svd", "dropout:0.3"); *rate receives the dropout probability
 * (0.5 for "dropout", 0 for other methods). GMDL_EINVAL naming the methods otherwise. */
gmdl_status
gmdl__method_find(const char *method, const gmdl__method **out, float *rate, gmdl_err *err);

/* sws hardening fractions: n >= 0 of them in f (which may be NULL when n is 0), each in (0, 1],
 * increasing. */
gmdl_status gmdl__sws_harden_check(const double *f, int n, gmdl_err *err);

/* Row i of the table (NULL past its end). */
const gmdl__method *gmdl__method_at(int i);

static inline int gmdl__method_has(const gmdl__method *m, unsigned flag) {
    return (m->flags & flag) != 0;
}

#endif
