/* Declarations shared by the files of `gmdl sample`: cmd_sample.c (options, model set-up, the
 * samplers' runs), sample_data.c (model data from CSV, libsvm and JSON through the library's
 * readers), sample_report.c (the draws CSV, the readable and JSON reports), sample_warn.c (the
 * run's warnings and sampler statistics), sample_stan.c (Stan-format CSV), sample_plot.c (the
 * --plot figures) and sample_risk.c (the --risk-sweep report). */
#ifndef GMDL_CLI_SAMPLE_H
#define GMDL_CLI_SAMPLE_H

#include <stdatomic.h>

#include "cli.h"

/* ------------------------------------------------------------------ data (sample_data.c) */
/* The names below are those the model set-up (model_open) calls. */
typedef gmdl_json jval;
static inline void jfree(jval *v) {
    gmdl_json_fini(v);
}
/* Reads PATH as JSON into *root. Returns 0, or the exit code with the message printed. */
int json_read_file(const char *path, jval *root);
/* The numeric array member KEY of the object obj (malloc'd copy, *n numbers), or NULL with the
 * message printed. path names the file in messages. */
double *json_numbers(const jval *obj, const char *path, const char *key, size_t *n);
/* 0 when obj has no member KEY or it is the count n; else 1 (message printed: the place and
 * the values). */
int json_count_mismatch(const jval *obj, const char *path, const char *key, size_t n);
/* Dense CSV: response column ycol, every other column a feature (no missing values), into
 * malloc'd X[n * p] and y[n]. */
gmdl_status csv_xy(const char *path,
                   const char *ycol,
                   double **X,
                   double **y,
                   size_t *n,
                   size_t *p,
                   gmdl_err *err);
/* libsvm text, or a .csv file (with ycol) in the same sparse form (zeros dropped). */
gmdl_status load_sparse(const char *path, const char *ycol, gmdl_libsvm *out, gmdl_err *err);

/* ------------------------------------------------------------------ one run and its results */
/* --method, in the order of the option's help; the first five are gmdl_mcmc_method values. */
enum {
    SAMPLE_MH,
    SAMPLE_MALA,
    SAMPLE_HMC,
    SAMPLE_SGLD,
    SAMPLE_NUTS,
    SAMPLE_REJECTION,
    SAMPLE_IMPORTANCE,
    SAMPLE_VI
};

/* MCMC methods (a chain driver run): MH, MALA, HMC, SGLD, NUTS. */
#define SAMPLE_IS_MCMC(mi)    ((mi) <= SAMPLE_NUTS)
/* Methods with an accept step or statistic: MH, MALA, HMC, NUTS. */
#define SAMPLE_HAS_ACCEPT(mi) ((mi) <= SAMPLE_HMC || (mi) == SAMPLE_NUTS)

#define SAMPLE_MAX_WARN 16
typedef struct sample_warning {
    char code[32];
    char msg[640];
} sample_warning;

typedef struct sample_run {
    const char *model, *method, *estimator; /* names as reported */
    int mi;                                 /* SAMPLE_... */
    int mixture, have_test;                 /* sgld-mixture (TV distance); logistic with --test */
    uint64_t seed;
    size_t warmup;              /* MCMC warm-up or SGLD burn-in */
    gmdl_draws d;               /* owned */
    gmdl_diag_summary *sm;      /* [d.dim], malloc'd */
    gmdl_importance_result isr; /* importance */
    gmdl_vi_result vr;          /* rejection, importance, vi: the VI fit (owned) */
    double rej_accept, log_m;   /* rejection */
    double seconds;             /* sampling time */
    double accept, step;        /* means over the chains */
    double test_acc, test_ll, tv;
    int have_labels;                /* logistic: the label mapping below */
    gmdl_binary_labels labels;      /* the values read as +1 and -1 */
    size_t max_depth;               /* NUTS */
    double target_accept;           /* the warm-up target in effect (MH, MALA, HMC, NUTS) */
    size_t divergences, depth_hits; /* NUTS, after warm-up */
    double *ebfmi;                  /* [chains] (NUTS), malloc'd, or NULL */
    unsigned long long grad_evals;  /* MCMC: gradient evaluations, warm-up included */
    unsigned long long logp_evals;  /* MCMC: log-density evaluations, warm-up included */
    int fd_grad;                    /* the model has no gradient: finite differences */
    double *init;                   /* --init on the unconstrained scale [dim], malloc'd */
    unsigned long long nan_count;   /* MCMC: log densities that came back NaN */
    char nan_at[480];               /* one such point, "name = value, ..." */
    sample_warning warn[SAMPLE_MAX_WARN];
    size_t n_warn;
} sample_run;

/* ------------------------------------------------------------------ warnings (sample_warn.c) */
/* Divergences, tree-depth hits and E-BFMI from the draws' statistics, then every warning the
 * run deserves into r->warn (Stan's wording where Stan has one). Returns 0 or the exit code. */
int sample_diagnose(sample_run *r);
/* The warnings on stderr, one paragraph each ("gmdl sample: warning: ..."). */
void sample_warnings_print(const sample_run *r);
/* "warnings": [{"code": ..., "message": ...}, ...] into j. */
void sample_warnings_json(json_w *j, const sample_run *r);

/* ------------------------------------------------------------------ --check-grad (sample_check.c)
 */
/* The model's gradient against central finite differences at the start points of `chains`
 * chains (seed, init radius as the run would use); prints the worst relative error per
 * parameter (table or JSON "grad_check"). Returns 0, or 2 above the tolerance (message printed),
 * or another exit code. */
int sample_check_grad(const gmdl_target *t, size_t chains, uint64_t seed, double radius);

/* ------------------------------------------------------------------ --init (sample_init.c) */
/* The starting point of --init PATH (Stan-format JSON, constrained values keyed by parameter
 * name) on the unconstrained scale, malloc'd [t->dim] into *u. Returns 0, or the exit code with
 * the message printed (2 for a missing key, a wrong shape or a value outside the support). */
int sample_init_read(double **u, const gmdl_target *t, const char *path);

/* ------------------------------------------------------------------ counting (sample_count.c) */
/* A target that forwards to inner, counts gradient and log-density evaluations (all threads) and
 * keeps a point where the log density came back NaN (the smallest, lexicographically). */
typedef struct sample_counter {
    gmdl_target t;
    const gmdl_target *inner;
    atomic_ullong grads, evals, nans;
    atomic_flag lock; /* guards nan_x and have_nan */
    double *nan_x;    /* [inner->dim] constrained, malloc'd */
    int have_nan;
} sample_counter;
/* Statuses: OK, ENOMEM; call sample_counter_fini either way. */
gmdl_status sample_counter_wrap(sample_counter *c, const gmdl_target *inner);
void sample_counter_fini(sample_counter *c);
/* "name = value, ..." of the NaN point kept (empty without one) into buf[cap]. */
void sample_counter_nan_text(char *buf, size_t cap, const sample_counter *c);

/* ------------------------------------------------------------------ Stan CSV (sample_stan.c) */
/* Writes the draws as Stan does (CmdStan's output.csv): comment lines, a header of lp__,
 * accept_stat__, stepsize__, treedepth__, n_leapfrog__, divergent__, energy__ and the parameters
 * (theta[1] as theta.1), one row per draw; one file per chain, PATH itself for one chain, else
 * PATH with _1, _2, ... before its extension. Each file is written atomically. Returns 0 or the
 * exit code (message printed). */
int sample_write_stan(const char *path, const sample_run *r);

/* ------------------------------------------------------------------ output (sample_report.c) */
/* Writes the draws as CSV: chain, iteration, one column per quantity (and weight). Returns 0 or
 * the exit code (message printed). */
int sample_write_draws(const char *path, const gmdl_draws *d);
/* The result as one JSON object on stdout, or as the readable report. */
void sample_report_json(const sample_run *r);
void sample_report_text(const sample_run *r);

/* ------------------------------------------------------------------ plots (sample_plot.c) */
/* Traces of the first two quantities, the autocorrelation of the first, and a scatter of the first
 * two over the exact density's contours (plain 2-parameter targets), over window ({x0, x1, y0,
 * y1}) or the range of the draws. Returns 0 or the exit code (message printed). */
int sample_plot_draws(const char *path,
                      const gmdl_target *t,
                      const gmdl_draws *d,
                      const char *title,
                      const double *window);
/* The risk sweep's bias^2, variance and risk curves against the step size, with the risk of exact
 * MH as a line. Returns 0 or the exit code (message printed). */
int sample_plot_risk(const char *path,
                     const gmdl_risk_config *c,
                     const gmdl_risk_point *pts,
                     const gmdl_risk_point *mhp);

/* ------------------------------------------------------------------ risk sweep (sample_risk.c) */
#define SAMPLE_RISK_MAX_STEPS 64
/* Parses --steps (comma-separated positive numbers) into steps[SAMPLE_RISK_MAX_STEPS]. Returns 0,
 * or 2 with the message printed. */
int sample_risk_steps(const char *text, double *steps, size_t *ns);
/* The sweep's report on stdout: one JSON object, or the readable table. */
void sample_risk_report(const gmdl_risk_config *c,
                        const gmdl_risk_point *pts,
                        const gmdl_risk_point *mhp,
                        const double exact[2],
                        double seconds,
                        int json);

#endif
