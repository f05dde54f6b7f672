/* gmdl survival analysis: Cox proportional hazards, linear (Newton-Raphson, as R's coxph) and with
 * an MLP risk (DeepSurv), the partial likelihood with Breslow and Efron ties, Harrell's
 * concordance index, the Breslow baseline hazard and Kaplan-Meier curves. docs/survival.md gives
 * the formulas and the tie conventions.
 *
 * Data: time[n] > 0 (event or censoring time), event[n] (1 observed, 0 censored), risk scores
 * eta[n] (log hazard ratios). Every O(n) pass works on one sort by time, so the partial likelihood,
 * its gradient and the C-index cost O(n log n).
 * Threads: every function may be called from several threads at once on different outputs; a
 * gmdl_cox model is read-only after fitting or loading and may then be used by several threads. */
#ifndef GMDL_SURVIVAL_H
#define GMDL_SURVIVAL_H

#include "gmdl/core.h"
#include "gmdl/io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { GMDL_TIES_BRESLOW = 0, GMDL_TIES_EFRON = 1 } gmdl_ties;

/* The Cox partial log-likelihood of risk scores eta (R's loglik: sum over event times t of
 * sum_{i in D_t} eta_i minus the Breslow d log S(t) or the Efron sum_l log(S(t) - l/d A(t))).
 * grad (optional, [n]) receives d loglik / d eta. No events: loglik 0 and a zero gradient.
 * Statuses: EINVAL (a time not finite and positive, an event not 0 or 1, n = 0), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_cox_loglik(double *loglik,
                                                    double *grad,
                                                    const double *time,
                                                    const uint8_t *event,
                                                    const double *eta,
                                                    size_t n,
                                                    gmdl_ties ties,
                                                    gmdl_err *err);

/* Harrell's C of risk scores (higher risk = earlier event), lifelines' convention: a pair (i, j)
 * is comparable when E_i = 1 and T_i < T_j, or T_i = T_j with E_j = 0 (the censored subject
 * survived at least as long); it is concordant when eta_i > eta_j and counts one half when the
 * risks are equal. Pairs of two events at the same time are not comparable. Counts are optional
 * outputs (NULL to skip). A set with no comparable pair gives C = NaN. O(n log n). */
typedef struct gmdl_concordance {
    double c;
    double concordant, discordant, tied_risk, comparable;
} gmdl_concordance;
GMDL_API GMDL_NODISCARD gmdl_status gmdl_cindex(gmdl_concordance *out,
                                                const double *time,
                                                const uint8_t *event,
                                                const double *eta,
                                                size_t n,
                                                gmdl_err *err);
/* Bootstrap of the C-index: B resamples of the n rows with replacement (PCG32 stream from seed);
 * lo, hi: the 2.5% and 97.5% percentiles of the B values (resamples without a comparable pair
 * are skipped), mean their mean. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_cindex_bootstrap(double *mean,
                                                          double *lo,
                                                          double *hi,
                                                          const double *time,
                                                          const uint8_t *event,
                                                          const double *eta,
                                                          size_t n,
                                                          size_t B,
                                                          uint64_t seed,
                                                          gmdl_err *err);

/* Kaplan-Meier estimate with Greenwood's variance, at each distinct event time (ascending).
 * se: the standard error of the survival (S * sqrt(sum d / (n (n - d))), as R's summary.survfit
 * prints it). Arrays owned by the struct; release with gmdl_km_fini. */
typedef struct gmdl_km {
    size_t m;                 /* distinct event times */
    double *time, *surv, *se; /* [m] */
    double *n_risk, *n_event; /* [m] */
    double median;            /* first time with S <= 0.5 (NaN when never reached) */
    size_t n, events;         /* subjects, events */
} gmdl_km;
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_km_fit(gmdl_km *out, const double *time, const uint8_t *event, size_t n, gmdl_err *err);
/* S at time t (step function, right-continuous; 1 before the first event). */
GMDL_API double gmdl_km_at(const gmdl_km *km, double t);
GMDL_API void gmdl_km_fini(gmdl_km *km);

/* ------------------------------------------------------------------ design matrices */
/* Covariates read from a CSV table: numeric columns as they are, a categorical column c (any cell
 * that is not a number) as indicators "c=level" for every level but the baseline (the first level
 * in row order unless spec->baselines names "c=level"). Rows with a missing value in a used
 * column are an error naming FILE:LINE and the column, or dropped with drop_missing (counted).
 * A covariate column that is constant over the used rows is EINVAL naming it. */
typedef struct gmdl_surv_spec {
    const char *time_col, *event_col;
    const char *event_value; /* event cell meaning an event; NULL: any nonzero number */
    /* with event_value: the censoring cells, comma separated; NULL: the one other value seen */
    const char *censor_values;
    const char *const *x_cols;
    size_t n_x; /* 0: every other column (x_cols NULL) or none (x_cols not NULL) */
    const char *const *baselines;
    size_t n_baselines; /* "c=level" strings */
    int drop_missing;
} gmdl_surv_spec;

typedef struct gmdl_surv_data {
    size_t n, p;
    double *x; /* [n * p] row-major */
    double *time;
    uint8_t *event;
    size_t *line;     /* [n] the CSV line of each row */
    size_t dropped;   /* rows left out for missing values */
    char **names;     /* [p] feature names ("age", "celltype=adeno") */
    char **src;       /* [p] the source column of each feature */
    char **level;     /* [p] the indicator's level, NULL for numeric features */
    char **baseline;  /* [p] an indicator's baseline level, NULL for numeric features */
    size_t n_missing; /* missing cells seen in used columns */
} gmdl_surv_data;

/* Statuses: EINVAL (unknown column, constant covariate, an event value outside the mapping,
 * a missing value without drop_missing), EPARSE (FILE:LINE: non-positive or non-numeric time),
 * ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_surv_data_from_csv(gmdl_surv_data *out,
                                                            const gmdl_csv *csv,
                                                            const gmdl_surv_spec *spec,
                                                            gmdl_err *err);
/* Builds the same features (names, sources, levels of ref) from another table, e.g. new rows for
 * prediction; time and event columns are read only when need_outcome. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_surv_data_like(gmdl_surv_data *out,
                                                        const gmdl_csv *csv,
                                                        const gmdl_surv_data *ref,
                                                        const gmdl_surv_spec *spec,
                                                        int need_outcome,
                                                        gmdl_err *err);
/* Rows rows[0..k-1] of src into out (a subset, e.g. a train/test split). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_surv_data_subset(
    gmdl_surv_data *out, const gmdl_surv_data *src, const size_t *rows, size_t k, gmdl_err *err);
GMDL_API void gmdl_surv_data_fini(gmdl_surv_data *d);

/* ------------------------------------------------------------------ Cox models */
typedef struct gmdl_cox gmdl_cox;

/* Training settings. arch "linear" or "mlp:H1-H2-..." (ReLU hidden layers, each followed by
 * dropout, and a linear output unit). The MLP settings are ignored by the linear fit. */
typedef struct gmdl_cox_config {
    const char *arch;
    gmdl_ties ties;
    uint64_t seed;
    int epochs;      /* MLP: at most this many full-batch Adam steps */
    int patience;    /* MLP: stop after this many epochs without a better validation loss */
    int sgd;         /* MLP: 0 Adam, 1 SGD with momentum */
    double momentum; /* MLP: SGD momentum */
    double lr;       /* MLP: learning rate */
    double l2;       /* MLP: weight decay coefficient on the weights (sum of squares) */
    double dropout;  /* MLP: drop probability after each hidden layer */
    double val_frac; /* MLP: seeded validation split of the training rows for early stopping */
    int max_iter;    /* linear: Newton iterations */
} gmdl_cox_config;
/* The defaults (docs/SURVIVAL.md says why): efron, seed 1, Adam, 2000 epochs, patience 100,
 * lr 1e-3 (SGD momentum 0.9), l2 1e-3, dropout 0.1, val_frac 0.2, 30 Newton iterations. */
GMDL_API void gmdl_cox_config_default(gmdl_cox_config *cfg);

/* What a linear fit reports (R's summary.coxph). Arrays [p]; owned by the model. */
typedef struct gmdl_cox_summary {
    size_t n, events, p;
    int linear;
    const double *coef, *se, *z, *pvalue; /* linear only (NULL for an MLP) */
    double loglik, loglik_null;           /* at the fit and at eta = 0 */
    double lrt, lrt_df, lrt_p;            /* likelihood-ratio test against the null model */
    int iterations;                       /* Newton iterations or epochs run */
    int best_epoch;                       /* MLP: epoch of the kept parameters */
} gmdl_cox_summary;

/* Fits on d. Statuses: EINVAL (arch, no events), ENOMEM, ENUMERIC (the fit diverged). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_cox_fit(gmdl_cox **out,
                                                 const gmdl_surv_data *d,
                                                 const gmdl_cox_config *cfg,
                                                 gmdl_err *err);
GMDL_API void gmdl_cox_destroy(gmdl_cox *m);
GMDL_API void gmdl_cox_get_summary(gmdl_cox_summary *out, const gmdl_cox *m);
/* The features the model reads: names, sources and levels, as a gmdl_surv_data without rows. */
GMDL_API const gmdl_surv_data *gmdl_cox_features(const gmdl_cox *m);
/* Risk scores eta[n] of the rows x[n * p] (p = the model's feature count). */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_cox_risk(double *eta, const gmdl_cox *m, const double *x, size_t n, gmdl_err *err);
/* The Breslow baseline cumulative hazard H0 at its m distinct event times (ascending):
 * H0(t) = sum over event times s <= t of d_s / sum_{T_j >= s} exp(eta_j) on the training rows.
 * Pointers into the model. */
GMDL_API void
gmdl_cox_baseline(const double **times, const double **cumhaz, size_t *count, const gmdl_cox *m);
/* Survival curves S(t | x_i) = exp(-H0(t) exp(eta_i)) at the baseline's times: surv[i * m + k]. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_cox_survival(double *surv, const gmdl_cox *m, const double *x, size_t n, gmdl_err *err);
/* Model files: the gmdl container with magic "GMDLCOX1" (atomic, checksummed). Statuses of the
 * container (ENOENT, ENOTOURS, EVERSION, ECORRUPT, ECHECKSUM). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_cox_save(const gmdl_cox *m,
                                                  const char *path,
                                                  gmdl_err *err);
GMDL_API GMDL_NODISCARD gmdl_status gmdl_cox_load(gmdl_cox **out, const char *path, gmdl_err *err);

#ifdef __cplusplus
}
#endif

#endif
