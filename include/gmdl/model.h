/* gmdl models: neural nets built from an architecture string and a method, trained with
 * minibatch SGD (momentum) or Adam, evaluated, saved to and loaded from versioned, checksummed
 * model files (docs/FORMAT.md).
 *
 * A gmdl_model owns everything a run needs to continue: the parameters, the optimizer moments, the
 * random number streams, the epoch and step counters and the per-epoch history. Saving after each
 * epoch and loading it back gives a run bit-identical to an uninterrupted one (same seed and
 * thread count).
 * Threads: training, saving and compressing use a model from one thread at a time (they write
 * into it); gmdl_model_evaluate and gmdl_model_predict only read the model and write into a
 * workspace (gmdl_model_workspace: the caller's, or one made per call), so one loaded model may be
 * evaluated from several threads at once, each with its own workspace, while nothing trains it;
 * the results do not depend on the thread or workspace. Each call spreads its own work over
 * OpenMP threads. The config functions are pure.
 *
 *   gmdl_train_config cfg = gmdl_train_config_default();
 *   cfg.epochs = 10;
 *   gmdl_model *m;
 *   if (gmdl_model_create(&m, &cfg, 1, 28, 28, 10, &err) != GMDL_OK) ...
 *   for (int e = 0; e < cfg.epochs; e++) gmdl_model_train_epoch(m, &st, &train, NULL, NULL, NULL,
 * &err); gmdl_model_save(m, "m.gmdl", &err);
 */
#ifndef GMDL_MODEL_H
#define GMDL_MODEL_H

#include "gmdl/bayes.h"
#include "gmdl/core.h"
#include "gmdl/io.h"
#include "gmdl/nn.h"
#include "gmdl/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { GMDL_OPT_ADAM = 0, GMDL_OPT_SGD = 1 } gmdl_optimizer;

/* Learning-rate schedule over the whole run of E = cfg.epochs epochs:
 * constant: lr;  cosine: lr (0.5 + 0.5 cos(pi p)) with p the fraction of the run done, per step;
 * linear: lr (E - e) / E in epoch e (0-based);  constant-linear: lr min(2 - 2 e / E, 1) (constant
 * for the first half, then linear decay);  auto: cosine for dense and dropout, and for svd the
 * sparse-VD reference recipe (constant-linear for dense nets, linear for conv nets). */
typedef enum {
    GMDL_LR_AUTO = -1,
    GMDL_LR_CONSTANT = 0,
    GMDL_LR_COSINE = 1,
    GMDL_LR_LINEAR = 2,
    GMDL_LR_CONSTANT_LINEAR = 3
} gmdl_lr_schedule;

/* Settings of the method sws (soft weight-sharing). */
typedef struct gmdl_sws_config {
    double tau;     /* weight of the mixture prior, objective N x mean cross-entropy + tau x
                       (-log prior) (default 0.5; the paper uses 0.05, the authors' tutorial
                       0.003) */
    double zero_sd; /* standard deviation of the zero component, held fixed (default 0.005); 0
                       learns it (its precision under the Gamma(5000, 2) prior) */
    /* hardening, one stage per final epoch: epoch epochs - n + k starts by setting the fraction
     * harden[k] of every layer's weights (those nearest their component's value) to that
     * value, where they stay; the mixture is held fixed from the first stage on. Increasing
     * fractions in (0, 1]; default 0.5 0.75 0.9 0.97 0.99 1 (n = 6); n = 0: none, the weights
     * are set to their values only by gmdl compress. harden is borrowed: the caller's array of
     * harden_n fractions (any number of them; the default points at a static array), which
     * gmdl_model_create copies; in a config from gmdl_model_config it is the model's copy,
     * valid while the model lives. */
    int harden_n;
    const double *harden;
} gmdl_sws_config;

typedef struct gmdl_train_config {
    char arch[128];               /* "lenet300", "mlp:H1-H2-..." */
    char method[64];              /* "dense", "dropout", "dropout:P" */
    int epochs;                   /* target number of epochs (default 10) */
    int batch;                    /* minibatch size (default 100) */
    double lr;                    /* learning rate (default 1e-3 for Adam, 0.05 for SGD) */
    gmdl_lr_schedule lr_schedule; /* default auto */
    /* Bayesian methods: KL weight 0 for epochs < start, then rising linearly to 1 over `epochs`
     * epochs (default 5 and 15, the sparse-VD recipe). Objective per step:
     * mean cross-entropy + weight * KL / N_train. */
    int kl_warmup_start, kl_warmup_epochs;
    gmdl_optimizer optimizer;
    double momentum;               /* SGD momentum (default 0.9) */
    double beta1, beta2, adam_eps; /* Adam (0.9, 0.999, 1e-8) */
    double weight_decay;           /* L2 coefficient added to the gradient (default 0) */
    gmdl_sws_config sws;           /* method sws only */
    uint64_t seed;                 /* master seed (default 1) */
    int val; /* training images held out as the validation split (gmdl_dataset_holdout with
                seed), which gmdl compress's budget search measures on (default 0: none) */
} gmdl_train_config;

GMDL_API gmdl_train_config gmdl_train_config_default(void);
/* "auto", "constant", "cosine", "linear", "constant-linear"; parse returns 0 if unknown. */
GMDL_API const char *gmdl_lr_schedule_name(gmdl_lr_schedule s);
GMDL_API int gmdl_lr_schedule_parse(const char *name, gmdl_lr_schedule *out);
/* The sws hardening stages as text, "0.5,0.75,1" (fractions separated by commas; "none" for
 * no stage): checks the whole text, writes the number of stages to *n and the first
 * min(cap, *n) fractions to harden (a caller buffer; NULL with cap 0 only counts; commas + 1
 * is always enough). Point cfg.sws.harden at the buffer and set harden_n = *n to use them.
 * GMDL_EINVAL, saying why, if a fraction is not a number in (0, 1] or the fractions do not
 * increase; then nothing is written. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_sws_harden_parse(double *harden, size_t cap, size_t *n, const char *text, gmdl_err *err);
/* Writes the form parse reads into buf[size] (NUL-terminated, cut at size - 1 bytes) and returns
 * the length of the whole text (as snprintf; at most 24 bytes a stage, "none" for none). */
GMDL_API size_t gmdl_sws_harden_format(char *buf, size_t size, const gmdl_train_config *cfg);
/* Checks ranges and that arch and method parse. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_train_config_check(const gmdl_train_config *cfg,
                                                            gmdl_err *err);
/* Whether a run saved with `saved` may be resumed with `given`: the settings named in
 * keys[0, nkeys) (those the caller set explicitly, named as gmdl train's options: "arch",
 * "method", "batch", "lr", "seed", "optimizer", "lr-schedule" (auto agrees with any),
 * "kl-warmup-start", "kl-warmup-epochs", and each method's own, e.g. "sws-tau", "sws-zero-sd",
 * "sws-harden") must agree. Names of anything that may change between the parts of a run
 * ("epochs", threads, data) are ignored. GMDL_EINVAL naming the first that differs. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_train_config_compatible(const gmdl_train_config *saved,
                                                                 const gmdl_train_config *given,
                                                                 const char *const *keys,
                                                                 size_t nkeys,
                                                                 gmdl_err *err);

/* What a training method is, from the library's method table, for front ends that label or
 * default by method without knowing the names. */
typedef struct gmdl_method_info {
    const char *name;      /* the row's name ("dropout" for "dropout:0.3"); static */
    int bayes;             /* the objective has a KL or prior term; the model compresses */
    int structured;        /* compression prunes groups (input units, filters), not weights */
    int codebook;          /* compression maps weights to a prior layer's codebook (no log alpha) */
    int retrains;          /* a run starts from a trained model's weights (gmdl_model_init_from) */
    double adam_lr;        /* the method's default Adam learning rate */
    const char *statistic; /* the pruning statistic, for labels ("log alpha"); NULL: none */
} gmdl_method_info;
/* The row of a method string as gmdl_train_config.method takes it ("svd", "dropout:0.3").
 * EINVAL naming the known methods otherwise. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_method_lookup(gmdl_method_info *out,
                                                       const char *method,
                                                       gmdl_err *err);

typedef struct gmdl_model gmdl_model;

/* Builds the net for inputs of shape [c, h, w] and `classes` outputs and initialises its
 * parameters from the seed. The config is copied. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_create(gmdl_model **out,
                                                      const gmdl_train_config *cfg,
                                                      int c,
                                                      int h,
                                                      int w,
                                                      int classes,
                                                      gmdl_err *err);
GMDL_API void gmdl_model_destroy(gmdl_model *m);

/* Per-epoch record (stored in the model file; no wall-clock times). */
typedef struct gmdl_epoch_stats {
    int epoch;             /* 1-based */
    double train_loss;     /* mean cross-entropy over the epoch's steps */
    double train_accuracy; /* accuracy on the training minibatches during the epoch */
    double test_accuracy;  /* NAN if no test set was given */
    double test_loss;      /* mean test NLL, NAN if no test set */
    double kl;             /* Bayesian methods: KL term at the end of the epoch (nats), else 0 */
    double kept;       /* Bayesian methods: fraction of weights kept (log alpha < 3; bc-gnj, bc-ghs:
                          in kept groups; sws: not in the zero component), else 1 */
    double kept_units; /* bc-gnj, bc-ghs: fraction of groups (input units, filters) kept, else
                          NAN */
} gmdl_epoch_stats;

/* Called after every step inside an epoch with the step within the epoch, the number of steps
 * and the running mean loss; returning non-zero stops training with GMDL_EINTR. */
typedef int (*gmdl_progress_fn)(int step, int steps, double loss, void *user);

/* Runs one epoch: a fresh seeded shuffle, then every full minibatch (a final partial one too).
 * If test is not NULL, evaluates on it afterwards (not part of the training time).
 * Fails with ENUMERIC if the loss becomes NaN or infinite (the step is named in err). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_train_epoch(gmdl_model *m,
                                                           gmdl_epoch_stats *stats,
                                                           const gmdl_dataset *train,
                                                           const gmdl_dataset *test,
                                                           gmdl_progress_fn progress,
                                                           void *user,
                                                           gmdl_err *err);
/* Wall time of the last epoch's shuffling and training steps, in seconds (not saved). */
GMDL_API double gmdl_model_last_train_seconds(const gmdl_model *m);

/* ------------------------------------------------------------------ prediction, evaluation */
/* Where a forward pass for prediction or evaluation writes: activations, the layers' caches and
 * workspaces, planned for the model's evaluation batch. One workspace serves one call at a time;
 * create one per thread to read one model from several threads. It belongs to the model it was
 * created for and must not outlive it. */
typedef struct gmdl_model_workspace gmdl_model_workspace;
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_workspace_create(gmdl_model_workspace **out,
                                                                const gmdl_model *m,
                                                                gmdl_err *err);
GMDL_API void gmdl_model_workspace_destroy(gmdl_model_workspace *ws);

/* 1 when a forward pass can sample (a layer with a posterior, or dropout): only then does mc > 0
 * differ from the deterministic pass. A compressed model (.gmz) keeps only the pruned, quantised
 * posterior means and is never stochastic. */
GMDL_API int gmdl_model_is_stochastic(const gmdl_model *m);
/* GMDL_OK when mc posterior samples can be drawn from m: mc = 0, or mc > 0 and m is stochastic;
 * otherwise EINVAL saying why (what a compressed model keeps, or that nothing is stochastic). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_check_mc(const gmdl_model *m, int mc, gmdl_err *err);

#define GMDL_ECE_BINS 15 /* equal-width confidence bins [b/15, (b+1)/15) of the ECE */

/* Means over the n inputs (nats). With mc = S > 0 posterior samples p_s of an input, the
 * prediction is p = mean_s p_s; entropy H[p] = -sum_k p_k log p_k (total uncertainty), expected
 * entropy mean_s H[p_s] (aleatoric part), mutual information H[p] - mean_s H[p_s] >= 0 (epistemic
 * part; rounding below 0 is stored as 0). With mc = 0 (one deterministic pass) the expected
 * entropy equals the entropy and the mutual information is 0.
 * nll = -mean log p_y; brier = mean sum_k (p_k - [k = y])^2; ece = sum_b |sum_{i in b} ([a_i = y_i]
 * - conf_i)| / n over GMDL_ECE_BINS bins of the confidence conf_i = max_k p_ik (a_i its class);
 * the bins' counts, mean confidences and accuracies (NAN when empty) give the reliability
 * diagram. */
typedef struct gmdl_eval_result {
    size_t n;
    double accuracy, nll, brier, ece;
    double mean_entropy, mean_expected_entropy, mean_mutual_information;
    size_t bin_count[GMDL_ECE_BINS];
    double bin_confidence[GMDL_ECE_BINS], bin_accuracy[GMDL_ECE_BINS];
} gmdl_eval_result;

/* Evaluates on a data set. mc = 0: deterministic (EVAL_MEAN); mc = S > 0 averages the predictive
 * probabilities of S stochastic passes (EVAL_SAMPLE, seeded by `seed`); EINVAL, saying why, for
 * mc > 0 on a model that is not stochastic. ws: a workspace of m, or NULL for one made for the
 * call. The model is only read. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_evaluate(gmdl_eval_result *res,
                                                        const gmdl_model *m,
                                                        const gmdl_dataset *ds,
                                                        int mc,
                                                        uint64_t seed,
                                                        gmdl_model_workspace *ws,
                                                        gmdl_err *err);

/* Per-input outputs of gmdl_model_predict, caller-owned; any pointer may be NULL. */
typedef struct gmdl_prediction {
    float *probs;               /* [n, classes] predictive probabilities */
    int32_t *pred;              /* [n] argmax (the first of equal maxima) */
    double *entropy;            /* [n] H[p] */
    double *expected_entropy;   /* [n] mean_s H[p_s] */
    double *mutual_information; /* [n] H[p] - mean_s H[p_s] */
} gmdl_prediction;

/* Predictions for n inputs x [n, dim] (dim = c*h*w of the model's input), as gmdl_model_evaluate
 * makes them for a data set holding the same rows (same mc and seed: same numbers). EINVAL for
 * a non-finite input or mc > 0 on a model that is not stochastic. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_predict(const gmdl_prediction *out,
                                                       const gmdl_model *m,
                                                       const float *x,
                                                       size_t n,
                                                       int mc,
                                                       uint64_t seed,
                                                       gmdl_model_workspace *ws,
                                                       gmdl_err *err);

/* Writes the model atomically: PATH.tmp.<pid>, fsync, rename, fsync of the folder. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_save(const gmdl_model *m,
                                                    const char *path,
                                                    gmdl_err *err);
/* Reads and fully validates a model file (magic, version, sizes, checksums, shapes): a trained
 * model (.gmdl) or a compressed one (.gmz, decoded into plain layers). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_load(gmdl_model **out,
                                                    const char *path,
                                                    gmdl_err *err);

/* The validation split of gmdl train --val: n images of all drawn by a shuffle from (seed,
 * SHUFFLE, "VALID") into val (in the shuffle's order), the others into rest (in their order in
 * all). The same (all, n, seed) always give the same split. EINVAL when n is 0 or leaves no
 * training image. Release both with gmdl_dataset_fini (also after a failure). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_dataset_holdout(gmdl_dataset *rest,
                                                         gmdl_dataset *val,
                                                         const gmdl_dataset *all,
                                                         size_t n,
                                                         uint64_t seed,
                                                         gmdl_err *err);

/* Copies into m every parameter of src with the same name and shape (weights and biases of a
 * trained model of the same architecture, e.g. a dense model to start svd or sws from); the
 * rest keep their initial values. Fails (GMDL_ESHAPE) when the architectures or input shapes
 * differ or nothing matches; *copied receives the number of tensors copied. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_init_from(gmdl_model *m,
                                                         int *copied,
                                                         const gmdl_model *src,
                                                         gmdl_err *err);

/* ------------------------------------------------------------------ compression */
typedef struct gmdl_compress_config {
    double log_alpha_threshold; /* prune at statistic >= threshold; NAN (default): 3 for svd and
                                   bbb (per weight: log alpha), for bc-gnj and bc-ghs the
                                   two-cluster split of each layer's group statistics (Otsu; no
                                   pruning when the clusters' means are less than 2 apart); the
                                   group statistic is log alpha_g (bc-gnj) or the group's log
                                   noise-to-signal ratio log(sum Var[w] / sum E[w]^2) (bc-ghs) */
    /* per layer with a posterior, in network order: layer_threshold[i] overrides
       log_alpha_threshold where i < layer_threshold_n and the value is not NAN. Borrowed: the
       caller's array of any length (default NULL, 0). */
    const double *layer_threshold;
    size_t layer_threshold_n;
    double tolerance; /* largest accepted rise of the test error from quantisation
                         over the pruned full-precision net (default 0.002) */
    /* per layer with a posterior: significand bits to store, overriding the posterior-variance
       rule and the tolerance's tuning (which then reads no data). Borrowed, [layer_bits_n]
       (default NULL, 0: the rule and the tuning). */
    const int *layer_bits;
    size_t layer_bits_n;
} gmdl_compress_config;
GMDL_API gmdl_compress_config gmdl_compress_config_default(void);

typedef struct gmdl_compress_layer {
    char name[32];
    int ndim;
    uint64_t shape[4];               /* weight shape [out, in] or [F, C, kh, kw] */
    size_t pruned_rows, pruned_cols; /* outputs and inputs (x kernel taps) with a kept weight */
    size_t nonzero, total;
    int bits;         /* bits per kept weight as stored */
    int rule_bits;    /* bits from the posterior-variance rule */
    double threshold; /* log alpha threshold used (+inf: nothing pruned) */
} gmdl_compress_layer;

/* Filled by gmdl_model_compress; layers is allocated by the library (one entry per compressed
 * layer, any number of them) and released by gmdl_compress_report_fini. */
typedef struct gmdl_compress_report {
    int nlayers;
    gmdl_compress_layer *layers; /* [nlayers]; owned */
    int exponent_bits;
    double nonzero_fraction, pruning_rate, fast_prediction_rate, max_compression_rate;
    double test_error;        /* of the written compressed model, as gmdl_model_evaluate gives */
    double test_error_pruned; /* pruned, full precision */
    size_t bytes;             /* size of the written file */
} gmdl_compress_report;

/* Prunes by the posterior, picks bits per layer, quantises, writes a .gmz file (atomically) to
 * path that gmdl_model_load reads back as a runnable model, and reports the rates into *report
 * (Louizos et al. 2017, 5), which the call initialises: release it with
 * gmdl_compress_report_fini, also after a failure. EUNSUPPORTED for a model without a posterior
 * (dense, dropout). The model is left as it was (it is not const: its buffers are used). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_compress(gmdl_compress_report *report,
                                                        gmdl_model *m,
                                                        const gmdl_dataset *test,
                                                        const gmdl_compress_config *cfg,
                                                        const char *path,
                                                        gmdl_err *err);
/* Releases report->layers and empties the report (the struct is the caller's). Accepts NULL. */
GMDL_API void gmdl_compress_report_fini(gmdl_compress_report *report);
/* ------------------------------------------------------------------ compression to a budget */
/* The search of gmdl compress --max-error / --max-increase (docs/COMPRESSION.md): on a
 * validation split only, per layer the statistic threshold (groups or weights, moved one step of
 * a geometric grid at a time: each step keeps `step` of the layer's kept groups or weights) and
 * then the significand bits, greedily, each move the one that saves most stored bits (the Fast
 * prediction rate's denominator) per unit of error it adds, while the error bound stays within the
 * budget. The bound allows for the split's sampling error: e + z sqrt(e (1 - e) / n) against
 * max_error; with max_increase, the rise over the uncompressed model on the same images plus
 * z sqrt(d) / n (d: images on which the two disagree about being right), against max_increase. */
typedef struct gmdl_budget_config {
    double max_error;    /* largest error, a fraction (NAN: max_increase is the budget) */
    double max_increase; /* largest rise over the uncompressed model's error (NAN: unused) */
    double z;            /* standard errors held in reserve (default 1) */
    double step;         /* fraction of a layer's kept groups or weights one move keeps (0.85) */
} gmdl_budget_config;
GMDL_API gmdl_budget_config gmdl_budget_config_default(void);

/* One compressed model the search accepted, in the order it did. */
typedef struct gmdl_budget_point {
    int phase;        /* 0: the start (automatic thresholds, or keeping everything), 1: a
                         threshold move, 2: a bit-width move */
    double val_error; /* of the pruned, quantised net on the split */
    double bound;     /* the error bound that was held to the budget */
    double pruning_rate, fast_prediction_rate, max_compression_rate; /* as the .gmz would have */
    size_t nonzero;                                                  /* weights kept */
} gmdl_budget_point;

typedef struct gmdl_budget_result {
    int nlayers;             /* layers compressed */
    double *threshold;       /* [nlayers] chosen thresholds (+inf: none pruned; NAN: a codebook) */
    int *bits;               /* [nlayers] chosen significand bits */
    double budget;           /* the error the bound was held to (max_increase: made absolute) */
    double val_error_dense;  /* the uncompressed model's error on the split */
    double val_error, bound; /* of the chosen point */
    int within;              /* 0: no point met the budget; the chosen one has the least bound */
    size_t npoints, chosen;  /* the accepted points, and which was chosen */
    gmdl_budget_point *points; /* [npoints] */
    double *point_threshold;   /* [npoints * nlayers] */
    int *point_bits;           /* [npoints * nlayers] */
    size_t evaluations;        /* models measured on the split */
} gmdl_budget_result;

/* Runs the search for m on val (never anything else: the result does not depend on any test
 * set). Pass threshold and bits to gmdl_compress_config's layer_threshold and layer_bits to write
 * the chosen model. The model is left as it was. EINVAL when neither or both budgets are given
 * or z, step are out of range; EUNSUPPORTED as gmdl_model_compress. Release the result with
 * gmdl_budget_result_fini, also after a failure. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_budget_search(gmdl_budget_result *res,
                                                             gmdl_model *m,
                                                             const gmdl_dataset *val,
                                                             const gmdl_budget_config *cfg,
                                                             gmdl_err *err);
GMDL_API void gmdl_budget_result_fini(gmdl_budget_result *res);
/* The log alphas that decide pruning in the i-th layer with a posterior (0-based, in network
 * order): per weight for svd and bbb (log sigma^2 - log theta^2), per group for bc-gnj
 * (z_logvar - log z_mu^2). Writes min(cap, count) values to out and the count to *n; *name gets
 * the layer's name. EINVAL if the model has no such layer. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_log_alpha(double *out,
                                                         size_t cap,
                                                         size_t *n,
                                                         const char **name,
                                                         const gmdl_model *m,
                                                         int i,
                                                         gmdl_err *err);
/* 1 for a model loaded from a compressed (.gmz) file. */
GMDL_API int gmdl_model_is_compressed(const gmdl_model *m);

/* ------------------------------------------------------------------ tabular data */
/* A table for a net (an mlp: on inputs [1, 1, D]): a CSV (a header row; the label column any
 * text, every other column a number) or a libsvm file. */
typedef struct gmdl_table {
    gmdl_dataset ds;    /* [n, 1, 1, D] raw features; y the class of each row (0 unlabelled) */
    const char *format; /* "csv" or "libsvm" (static) */
    char *columns;      /* CSV: the feature columns' names, tab-separated, in order; else NULL */
    char *classes;      /* the class labels, tab-separated, class k the k-th; NULL unlabelled */
    int nclasses;
    int labelled; /* the rows' labels were read */
} gmdl_table;

/* What a net trained on a table keeps: how to read its inputs and the standardisation
 * x' = (x - mean) / sd that it applies to every input row (training, evaluation, prediction). */
typedef struct gmdl_tabular_info {
    const char *format;     /* "csv" or "libsvm" */
    const char *y;          /* CSV: the label column; NULL for libsvm */
    const char *columns;    /* CSV: the feature columns' names, tab-separated; NULL for libsvm */
    const char *classes;    /* the class labels, tab-separated, class k the k-th */
    size_t dim;             /* features (the model's input size) */
    const float *mean, *sd; /* [dim] training mean and standard deviation (sd > 0) */
} gmdl_tabular_info;

/* Reads PATH: a CSV when its name ends in ".csv" (label column y), else libsvm. known NULL: the
 * features are every column but y in file order (libsvm: indices 1..largest), the classes the
 * distinct labels, sorted (numerically when all are numbers). known: a model's description:
 * its format; CSV columns found by name, the libsvm width its dim; each label must be one of its
 * classes (numbers compare by value); a CSV without the label column reads unlabelled unless
 * need_labels. EPARSE/EINVAL naming the file, line and cell; ENOMEM. Release with
 * gmdl_table_fini (also after a failure). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_table_read(gmdl_table *out,
                                                    const char *path,
                                                    const char *y,
                                                    const gmdl_tabular_info *known,
                                                    int need_labels,
                                                    gmdl_err *err);
GMDL_API void gmdl_table_fini(gmdl_table *t);
/* A seeded held-out split: round(fraction n) rows, drawn by a shuffle from (seed, SHUFFLE,
 * "SPLIT"), into test, the rest into train (in shuffled order). EINVAL when fraction is outside
 * (0, 1) or either part would be empty. Release both with gmdl_dataset_fini. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_dataset_split(gmdl_dataset *train,
                                                       gmdl_dataset *test,
                                                       const gmdl_dataset *all,
                                                       double fraction,
                                                       uint64_t seed,
                                                       gmdl_err *err);
/* Per-feature mean and population standard deviation of ds into mean[dim], sd[dim] (sd 1 for a
 * constant feature). */
GMDL_API void gmdl_dataset_moments(float *mean, float *sd, const gmdl_dataset *ds);
/* Makes m a net on a table: copies info, and from then on every input row is standardised
 * before the net sees it; saved with the model. ESHAPE when the model's input is not [1, 1,
 * dim] or the class and column counts differ from the model's; EINVAL for a missing field or
 * sd <= 0. A compressed model cannot be written for a tabular net (gmdl_model_compress refuses). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_model_set_tabular(gmdl_model *m,
                                                           const gmdl_tabular_info *info,
                                                           gmdl_err *err);
/* The model's table description, valid while it lives; NULL for a net on images. */
GMDL_API const gmdl_tabular_info *gmdl_model_tabular(const gmdl_model *m);

/* Accessors. */
GMDL_API const gmdl_train_config *gmdl_model_config(const gmdl_model *m);
GMDL_API int gmdl_model_epoch(const gmdl_model *m); /* completed epochs */
/* Changes the target number of epochs (e.g. to extend a resumed run). */
GMDL_API void gmdl_model_set_epochs(gmdl_model *m, int epochs);
/* sws: the hardening stage (0-based index into cfg.sws.harden) that the next epoch runs, or -1
 * when it hardens nothing (another method, no stages, or a soft epoch). */
GMDL_API int gmdl_model_sws_stage(const gmdl_model *m);
GMDL_API uint64_t gmdl_model_step(const gmdl_model *m); /* completed optimizer steps */
GMDL_API void gmdl_model_input_shape(int *c, int *h, int *w, const gmdl_model *m);
GMDL_API int gmdl_model_classes(const gmdl_model *m);
GMDL_API size_t gmdl_model_param_count(const gmdl_model *m);
GMDL_API int gmdl_model_layer_count(const gmdl_model *m);
/* Description of layer i: kind ("dense", "relu", "dropout"), name, input and output sizes,
 * number of parameters. */
typedef struct gmdl_layer_info {
    const char *kind; /* "dense", "conv2d", "svd_dense", "svd_conv2d", "relu", ... */
    const char *name;
    size_t in_size, out_size, params;
} gmdl_layer_info;
GMDL_API void gmdl_model_layer_info(gmdl_layer_info *info, const gmdl_model *m, int i);
GMDL_API const gmdl_epoch_stats *gmdl_model_history(int *n, const gmdl_model *m);

#ifdef __cplusplus
}
#endif
#endif
