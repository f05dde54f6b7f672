/* Internal interface of the survival module: one sort by time shared by the partial likelihood,
 * the Newton fit, the baseline hazard and the C-index. */
#ifndef GMDL_SURVIVAL_INTERNAL_H
#define GMDL_SURVIVAL_INTERNAL_H

#include "common.h"
#include "gmdl/survival.h"

/* Rows sorted by time, descending; groups of equal times: rows ord[gstart[g] .. gstart[g+1]-1]
 * share the time gtime[g] (groups in descending time). */
typedef struct gmdl__surv_order {
    size_t n, ng;
    size_t *ord;    /* [n] */
    size_t *gstart; /* [ng + 1] */
    size_t *group;  /* [n] group of each row (by row index) */
} gmdl__surv_order;

gmdl_status gmdl__surv_check(const double *time, const uint8_t *event, size_t n, gmdl_err *err);
gmdl_status
gmdl__surv_order_build(gmdl__surv_order *o, const double *time, size_t n, gmdl_err *err);
void gmdl__surv_order_fini(gmdl__surv_order *o);

/* Partial log-likelihood (R's sign) of eta over the sorted rows; grad [n] (optional) receives
 * d loglik / d eta. work: [2 * ng] doubles. */
double gmdl__cox_plik(const gmdl__surv_order *o,
                      const uint8_t *event,
                      const double *eta,
                      gmdl_ties ties,
                      double *grad,
                      double *work);

/* Breslow baseline cumulative hazard at the distinct event times (ascending): times and cumhaz
 * allocated here ([*m]). */
gmdl_status gmdl__cox_breslow(double **times,
                              double **cumhaz,
                              size_t *m,
                              const gmdl__surv_order *o,
                              const double *time,
                              const uint8_t *event,
                              const double *eta,
                              gmdl_err *err);

/* Normal upper tail 2 (1 - Phi(|z|)) and the chi-square upper tail with df degrees of freedom. */
double gmdl__p_normal2(double z);
double gmdl__p_chisq(double x, double df);

/* Newton-Raphson fit of the linear Cox model: beta [p], var [p * p] (inverse information),
 * loglik at the fit and at beta = 0, the iterations run. */
gmdl_status gmdl__cox_linear(double *beta,
                             double *var,
                             double *ll,
                             double *ll0,
                             int *iters,
                             const gmdl_surv_data *d,
                             const gmdl__surv_order *o,
                             gmdl_ties ties,
                             int max_iter,
                             gmdl_err *err);

/* ------------------------------------------------------------ MLP risk (nn layers) */
#include "nn/layer.h"

#define GMDL__COX_MAX_HIDDEN 8

/* dense (relu, dropout) x hidden, then dense to 1 unit; parameters in one store. */
typedef struct gmdl__mlp {
    int nh, hidden[GMDL__COX_MAX_HIDDEN];
    int nl;
    gmdl__layer *l;
    size_t np;            /* floats in the store */
    float *p, *g, *m, *v; /* parameters, gradients, Adam moments */
    size_t cap;           /* rows the caches hold */
} gmdl__mlp;

/* Parses "mlp:H1-H2-..." into net->hidden. */
gmdl_status gmdl__mlp_parse(gmdl__mlp *net, const char *arch, gmdl_err *err);
/* Builds the layers for in features; parameters initialised from seed when init. */
gmdl_status
gmdl__mlp_build(gmdl__mlp *net, size_t in, float dropout, uint64_t seed, int init, gmdl_err *err);
void gmdl__mlp_fini(gmdl__mlp *net);
/* Deterministic risk of rows x [n * in] (float, standardised): eta [n]. */
gmdl_status
gmdl__mlp_eval(double *eta, const gmdl__mlp *net, const float *x, size_t n, gmdl_err *err);

/* ------------------------------------------------------------ the model */
struct gmdl_cox {
    gmdl_surv_data feat; /* features only (n = 0) */
    int linear;
    char arch[64];
    gmdl_ties ties;
    double *coef, *se, *z, *pv, *var; /* linear */
    double *mean, *sd;                /* MLP input standardisation [p] */
    gmdl__mlp net;
    double *bt, *bh; /* Breslow baseline: times, cumulative hazard [bm] */
    size_t bm;
    gmdl_cox_summary sum;
};

/* Allocates m's per-feature arrays and copies the feature names of d. */
gmdl_status gmdl__cox_alloc(gmdl_cox *m, const gmdl_surv_data *d, gmdl_err *err);
/* Trains the MLP of m (arch, config) on d; sets mean, sd, net and the summary fields. */
gmdl_status gmdl__cox_mlp_train(gmdl_cox *m,
                                const gmdl_surv_data *d,
                                const gmdl_cox_config *cfg,
                                gmdl_err *err);
/* Risk of rows x[n * p] in the model's (unstandardised) feature units. */
gmdl_status
gmdl__cox_mlp_risk(double *eta, const gmdl_cox *m, const double *x, size_t n, gmdl_err *err);

#endif
