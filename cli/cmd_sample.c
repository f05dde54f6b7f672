/* gmdl sample: draws from a built-in or user model's posterior with NUTS (the default), MH, MALA,
 * HMC, SGLD, rejection or importance sampling, or fits mean-field VI; prints diagnostics (mean,
 * sd, MCSE, bulk and tail ESS, tau, split and rank-normalised R-hat) and the run's warnings as a
 * table or JSON, and writes draws to CSV (gmdl's or Stan's). A thin layer over gmdl/infer.h.
 *
 * This file holds the options, the model set-up (built-in models, and user models through
 * sample_model.c) and the runs of the samplers; the data readers are in
 * sample_data.c, the outputs in sample_report.c, the figures in sample_plot.c and the --risk-sweep
 * report in sample_risk.c.
 *
 * Data: logistic reads libsvm text (or CSV with --y COL), linear reads CSV with --y COL,
 * eight-schools reads a JSON object with arrays "y" and "sigma" (the posteriordb data.json). User
 * models are loaded by sample_model.c (ABI in gmdl/infer.h). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"
#include "sample_model.h"

static const cli_opt opts[] = {
    {"model", 0, OPT_STRING, "MODEL", NULL,
     "built-in model: sgld-mixture, logistic, linear, eight-schools", 1, 0, 0},
    {"model-lib", 0, OPT_STRING, "FILE.so", NULL,
     "user model: a shared library exporting gmdl_user_model_v2 (see gmdl/infer.h, "
     "examples/models)",
     1, 0, 0},
    {"model-arg", 0, OPT_STRING, "TEXT", NULL, "text passed to the user model's create function", 1,
     0, 0},
    {"method", 0, OPT_STRING, "METHOD", "nuts",
     "nuts, mh, mala, hmc, sgld, rejection, importance or vi", 1, 0, 0},
    {"max-depth", 0, OPT_INT, "D", "10", "NUTS: maximum tree depth (2^D leapfrog steps)", 1, 30, 0},
    {"metric", 0, OPT_STRING, "M", "diag",
     "NUTS: the metric adapted in warm-up, diag or dense (the warm-up covariance)", 1, 0, 0},
    {"strict", 0, OPT_FLAG, NULL, NULL, "exit 1 when the run raised any warning", 1, 0, 0},
    {"check-grad", 0, OPT_FLAG, NULL, NULL,
     "instead of sampling: compare the model's gradient with central finite differences at the "
     "chains' start points (exit 2 above the tolerance 1e-4)",
     1, 0, 0},
    {"out-format", 0, OPT_STRING, "F", "gmdl",
     "--out format: gmdl (chain, iteration, parameters) or stan (CmdStan's CSV with lp__, "
     "accept_stat__, ..., one file per chain: FILE_1.csv, ...)",
     1, 0, 0},
    {"n", 'n', OPT_INT, "N", "1000",
     "draws kept per chain (SGLD: kept steps after burn-in and thinning; importance: proposals)", 1,
     1e10, 0},
    {"warmup", 0, OPT_INT, "W", NULL,
     "MCMC warm-up iterations (default N); SGLD burn-in steps, excluded from the averages (default "
     "N/10)",
     0, 1e12, 0},
    {"chains", 0, OPT_INT, "C", "4", "independent chains (rejection and importance use one stream)",
     1, 4096, 0},
    {"thin", 0, OPT_INT, "K", "1", "keep every K-th iteration", 1, 1e9, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed (chain k uses stream (S, chain, k))", 0, 9.2e18, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads running chains in parallel (0 = all cores)", 0, 4096,
     0},
    {"out", 0, OPT_STRING, "DRAWS.csv", NULL,
     "write the draws as CSV: chain, iteration, one column per parameter (and weight)", 1, 0, 0},
    {"plot", 0, OPT_STRING, "FILE.png", NULL,
     "draw trace plots, the autocorrelation and a scatter of the first two quantities over the "
     "exact density contours (2-parameter models); with --risk-sweep the three risk curves",
     1, 0, 0},
    {"step", 0, OPT_DOUBLE, "EPS", "0",
     "initial step size (MH proposal sd, MALA/HMC epsilon); 0 = automatic", 0, 1e6, 0},
    {"target-accept", 0, OPT_DOUBLE, "A", "0",
     "warm-up acceptance target; 0 = 0.234 (mh), 0.574 (mala), 0.8 (hmc, nuts)", 0, 0.999, 0},
    {"init", 0, OPT_STRING, "FILE.json", NULL,
     "MCMC starting values: Stan-format JSON of every parameter on the constrained scale (mu, "
     "theta[1].. as the vector theta), read through gmdl_data_*; all chains start there",
     1, 0, 0},
    {"init-radius", 0, OPT_DOUBLE, "R", "2",
     "chains start uniformly in (-R, R) on the unconstrained scale; 0 = every chain at 0", 0, 1e6,
     0},
    {"leapfrog", 0, OPT_INT, "L", "16", "HMC leapfrog steps per iteration (drawn from [L/2, 3L/2])",
     1, 100000, 0},
    {"sgld-a", 0, OPT_DOUBLE, "A", NULL,
     "SGLD step a in a (b + t)^-gamma (sgld-mixture: 0.19955; logistic: 1e-4; others 1e-3)", 1e-300,
     1e6, 0},
    {"sgld-b", 0, OPT_DOUBLE, "B", NULL, "SGLD step b (sgld-mixture: 231.07; others 1)", 1e-300,
     1e300, 0},
    {"gamma", 0, OPT_DOUBLE, "G", "0.55", "SGLD step decay exponent (0 = constant step a)", 0, 1,
     0},
    {"batch", 0, OPT_INT, "B", NULL,
     "SGLD minibatch size, 0 = full gradient (sgld-mixture: 1; others 10)", 0, 4e9, 0},
    {"precondition", 0, OPT_FLAG, NULL, NULL, "SGLD: RMSprop-style diagonal preconditioner (pSGLD)",
     1, 0, 0},
    {"data", 0, OPT_STRING, "FILE", NULL,
     "model data: libsvm or .csv (logistic), .csv (linear), .json (eight-schools; user models: "
     "Stan-format JSON read through gmdl_data_*)",
     1, 0, 0},
    {"test", 0, OPT_STRING, "FILE", NULL, "logistic: test data for the posterior-averaged accuracy",
     1, 0, 0},
    {"y", 0, OPT_STRING, "COL", NULL,
     "CSV data: name of the response column (the other columns are features)", 1, 0, 0},
    {"positive", 0, OPT_DOUBLE, "V", NULL,
     "logistic: the label value of the positive class (default: the first label in --data)", 1, 0,
     0},
    {"prior", 0, OPT_STRING, "PRIOR", "laplace",
     "logistic prior on every coefficient: laplace or gaussian", 1, 0, 0},
    {"prior-scale", 0, OPT_DOUBLE, "S", "1", "logistic prior scale (Laplace scale or Gaussian sd)",
     1e-300, 1e300, 0},
    {"estimator", 0, OPT_STRING, "E", "reparam", "VI gradient: reparam, score or score-baseline", 1,
     0, 0},
    {"vi-iters", 0, OPT_INT, "N", "3000", "VI Adam iterations", 10, 1e9, 0},
    {"vi-lr", 0, OPT_DOUBLE, "LR", "0.05", "VI Adam step (decayed as lr / sqrt(1 + t/100))", 1e-12,
     10, 0},
    {"vi-mc", 0, OPT_INT, "S", "1", "VI Monte Carlo samples per gradient", 1, 1e6, 0},
    {"proposal-scale", 0, OPT_DOUBLE, "K", "1.5",
     "rejection/importance: proposal sd = K x the VI pilot's sd (Student-t, 5 df)", 1e-6, 1e6, 0},
    {"risk-sweep", 0, OPT_FLAG, NULL, NULL,
     "instead of sampling: bias^2, variance and risk of the posterior-mean estimate of SGLD at "
     "constant steps and of MH, under one compute budget (2-parameter models such as sgld-mixture)",
     1, 0, 0},
    {"steps", 0, OPT_STRING, "LIST", "1e-3,2e-3,5e-3,1e-2,2e-2,3e-2",
     "risk sweep: comma-separated constant SGLD step sizes", 1, 0, 0},
    {"budget", 0, OPT_INT, "G", "100000",
     "risk sweep: data-item gradient evaluations per run (an MH step costs the data size)", 100,
     1e12, 0},
    {"repeats", 0, OPT_INT, "R", "1000",
     "risk sweep: independent runs per setting (the noise of bias^2 falls as 1/sqrt(R))", 2, 100000,
     0},
    {"log-m", 0, OPT_DOUBLE, "LOGM", NULL,
     "rejection: log of the envelope constant M (default: max pilot log weight + log 10)", -1e300,
     1e300, 0},
};

static const cli_cmd cmd = {
    "sample",
    "gmdl sample --model MODEL|--model-lib FILE.so [--method "
    "nuts|mh|mala|hmc|sgld|rejection|importance|vi] "
    "[--n N] [--warmup W] [--chains C] [--seed S] [--threads T] [--out DRAWS.csv] [--plot "
    "FILE.png] [--json] "
    "[model options]",
    "Draws from a posterior and prints, per parameter, the mean, sd, MCSE, effective sample size,\n"
    "integrated autocorrelation time (tau) and split R-hat over the chains, and warnings (Stan's:\n"
    "divergences, tree depth, E-BFMI, R-hat, ESS; acceptance; SGLD chains). Built-in models:\n"
    "sgld-mixture (Welling & Teh's two-parameter mixture, 100 points drawn with --seed: the first\n"
    "draw whose posterior has the paper's modes near (0, 1) and (1, -1)),\n"
    "logistic --data FILE [--test FILE] [--prior laplace|gaussian] (libsvm, or CSV with --y),\n"
    "linear --data FILE.csv --y COL, eight-schools --data FILE.json. SGLD keeps the draws after\n"
    "the burn-in with weight eps_t (step-size-weighted averages). rejection and importance use a\n"
    "Student-t proposal around a VI pilot fit. JSON keys: mean, sd, mcse, ess, ess_bulk, "
    "ess_tail,\n"
    "tau, rhat, rhat_rank\n"
    "(objects keyed by parameter name), accept_rate, seconds; logistic with --test: "
    "test_accuracy,\n"
    "test_log_loss; importance: log_evidence, is_ess; vi: elbo, grad_variance; nuts: divergences,\n"
    "max_treedepth_hits, ebfmi; every run: warnings (a list of {code, message}).",
    opts,
    sizeof opts / sizeof opts[0],
    0,
    0};

/* LeakSanitizer hook (sanitizer builds only): fontconfig, which cairo loads to draw text, keeps a
 * few allocations it never frees at exit; they are not gmdl's. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) {
    return "leak:libfontconfig.so\n";
}
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) {
    return "print_suppressions=0";
}

/* ------------------------------------------------------------------ interrupt */
static volatile sig_atomic_t interrupted;
static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
}
static int poll_interrupt(void *user) {
    (void)user;
    return interrupted;
}

/* ------------------------------------------------------------------ the command */
typedef struct model_handle {
    gmdl_builtin *builtin;
    sample_plugin plugin;
    gmdl_libsvm test;
    int have_test;
    gmdl_binary_labels labels; /* logistic */
    int have_labels;
} model_handle;

static void model_close(model_handle *h) {
    gmdl_builtin_destroy(h->builtin);
    sample_plugin_close(&h->plugin);
    if (h->have_test)
        gmdl_libsvm_fini(&h->test);
}

/* Prints "gmdl sample: FILE: MESSAGE" and returns the exit code of s. */
static int fail_file(const char *path, gmdl_status s, const gmdl_err *err) {
    fprintf(stderr, "gmdl sample: %s: %s\n", path, err->msg[0] ? err->msg : gmdl_status_str(s));
    return gmdl_status_is_input_error(s) ? 2 : 1;
}

/* Logistic regression on --data, labels mapped as liblinear does (the first label seen is the
 * positive class unless --positive names it); --test labels must be the training file's. Returns
 * 0 or the exit code (message printed). */
static int open_logistic(const cli_val *v, const char *data, const char *ycol, model_handle *h) {
    const char *pr = OPTV(&cmd, v, "prior")->s, *test = OPTV(&cmd, v, "test")->s;
    if (strcmp(pr, "laplace") != 0 && strcmp(pr, "gaussian") != 0) {
        fprintf(stderr, "gmdl sample: --prior must be laplace or gaussian, got '%s'\n", pr);
        return 2;
    }
    gmdl_err err = {{0}};
    gmdl_libsvm tr;
    gmdl_status s = load_sparse(data, ycol, &tr, &err);
    if (s)
        return cli_fail("sample", s, &err);
    const cli_val *pos = OPTV(&cmd, v, "positive");
    s = gmdl_binary_labels_find(&h->labels, tr.labels, tr.nrows, pos->set ? &pos->d : NULL, &err);
    if (s) {
        gmdl_libsvm_fini(&tr);
        return fail_file(data, s, &err);
    }
    s = gmdl_builtin_logistic(&h->builtin, &tr, &h->labels,
                              pr[0] == 'l' ? GMDL_PRIOR_LAPLACE : GMDL_PRIOR_GAUSSIAN,
                              OPTV(&cmd, v, "prior-scale")->d, &err);
    gmdl_libsvm_fini(&tr);
    if (s)
        return cli_fail("sample", s, &err);
    h->have_labels = 1;
    if (!test)
        return 0;
    s = load_sparse(test, ycol, &h->test, &err);
    if (s)
        return cli_fail("sample", s, &err);
    h->have_test = 1;
    s = gmdl_binary_labels_check(&h->labels, h->test.labels, h->test.nrows, &err);
    return s ? fail_file(test, s, &err) : 0;
}

/* Builds the target; returns 0 or the exit code (message printed). */
static int model_open(const cli_val *v, model_handle *h, const gmdl_target **t) {
    gmdl_err err = {{0}};
    gmdl_status s = GMDL_OK;
    const char *model = OPTV(&cmd, v, "model")->s, *lib = OPTV(&cmd, v, "model-lib")->s;
    const char *data = OPTV(&cmd, v, "data")->s, *ycol = OPTV(&cmd, v, "y")->s;
    if (!!model == !!lib) {
        fprintf(stderr, "gmdl sample: give exactly one of --model and --model-lib\n");
        return 2;
    }
    if (lib) {
        int rc = sample_plugin_open(&h->plugin, lib, OPTV(&cmd, v, "model-arg")->s, data);
        if (!rc)
            *t = &h->plugin.target;
        return rc;
    }
    if (strcmp(model, "sgld-mixture") == 0) {
        s = gmdl_builtin_sgld_mixture(&h->builtin, (uint64_t)OPTV(&cmd, v, "seed")->i, &err);
    } else if (strcmp(model, "logistic") == 0 || strcmp(model, "linear") == 0 ||
               strcmp(model, "eight-schools") == 0) {
        if (!data) {
            fprintf(stderr, "gmdl sample: --model %s needs --data FILE\n", model);
            return 2;
        }
        if (strcmp(model, "logistic") == 0) {
            int rc = open_logistic(v, data, ycol, h);
            if (rc)
                return rc;
        } else if (strcmp(model, "linear") == 0) {
            if (!ycol) {
                fprintf(stderr, "gmdl sample: --model linear needs --y COL\n");
                return 2;
            }
            double *X, *y;
            size_t n, p;
            s = csv_xy(data, ycol, &X, &y, &n, &p, &err);
            if (!s) {
                s = gmdl_builtin_linear(&h->builtin, X, y, n, p, &err);
                free(X);
                free(y);
            }
        } else {
            jval root;
            int rc = json_read_file(data, &root);
            if (rc)
                return rc;
            size_t ny = 0, ns = 0;
            double *y = json_numbers(&root, data, "y", &ny);
            double *sg = y ? json_numbers(&root, data, "sigma", &ns) : NULL;
            if (y && sg && json_count_mismatch(&root, data, "J", ny)) {
                free(y);
                free(sg);
                y = sg = NULL;
            }
            jfree(&root);
            if (!y || !sg) {
                free(y);
                return 2;
            }
            if (ny != ns) {
                fprintf(stderr, "gmdl sample: %s: \"y\" has %zu values but \"sigma\" has %zu\n",
                        data, ny, ns);
                free(y);
                free(sg);
                return 2;
            }
            s = gmdl_builtin_eight_schools(&h->builtin, y, sg, ny, &err);
            free(y);
            free(sg);
        }
    } else {
        fprintf(
            stderr,
            "gmdl sample: unknown --model '%s' (sgld-mixture, logistic, linear, eight-schools)\n",
            model);
        return 2;
    }
    if (s)
        return cli_fail("sample", s, &err);
    *t = gmdl_builtin_target(h->builtin);
    return 0;
}

/* ------------------------------------------------------------------ the runs */
/* --method and --estimator into r; returns 0 or 2 (message printed). */
static int parse_method(const cli_val *v, sample_run *r, int *est_i) {
    static const char *const methods[] = {"mh",   "mala",      "hmc",        "sgld",
                                          "nuts", "rejection", "importance", "vi"};
    const char *method = OPTV(&cmd, v, "method")->s;
    r->mi = -1;
    for (int i = 0; method && i < 8; i++)
        if (strcmp(method, methods[i]) == 0)
            r->mi = i;
    if (r->mi < 0) {
        fprintf(stderr,
                "gmdl sample: --method must be one of nuts, mh, mala, hmc, sgld, rejection, "
                "importance, vi%s%s%s\n",
                method ? " (got '" : "", method ? method : "", method ? "')" : "");
        return 2;
    }
    r->method = method;
    const char *est = OPTV(&cmd, v, "estimator")->s;
    *est_i = strcmp(est, "reparam") == 0          ? GMDL_VI_REPARAM
             : strcmp(est, "score") == 0          ? GMDL_VI_SCORE
             : strcmp(est, "score-baseline") == 0 ? GMDL_VI_SCORE_BASELINE
                                                  : -1;
    if (*est_i < 0) {
        fprintf(stderr, "gmdl sample: --estimator must be reparam, score or score-baseline\n");
        return 2;
    }
    r->estimator = est;
    const char *metric = OPTV(&cmd, v, "metric")->s, *fmt = OPTV(&cmd, v, "out-format")->s;
    if (strcmp(metric, "diag") != 0 && strcmp(metric, "dense") != 0) {
        fprintf(stderr, "gmdl sample: --metric must be diag or dense (got '%s')\n", metric);
        return 2;
    }
    if (strcmp(fmt, "gmdl") != 0 && strcmp(fmt, "stan") != 0) {
        fprintf(stderr, "gmdl sample: --out-format must be gmdl or stan (got '%s')\n", fmt);
        return 2;
    }
    if (strcmp(metric, "dense") == 0 && r->mi != SAMPLE_NUTS) {
        fprintf(stderr, "gmdl sample: --metric dense needs --method nuts\n");
        return 2;
    }
    return 0;
}

/* MH, MALA, HMC or SGLD (whose step and batch defaults depend on the model). */
static gmdl_status run_mcmc(const cli_val *v,
                            const gmdl_target *t,
                            int logistic,
                            int threads,
                            sample_run *r,
                            gmdl_err *err) {
    size_t n = (size_t)OPTV(&cmd, v, "n")->i;
    gmdl_mcmc_config c = gmdl_mcmc_config_default((gmdl_mcmc_method)r->mi);
    c.chains = (size_t)OPTV(&cmd, v, "chains")->i;
    c.n_draws = n;
    c.thin = (size_t)OPTV(&cmd, v, "thin")->i;
    c.seed = r->seed;
    c.threads = threads;
    c.step = OPTV(&cmd, v, "step")->d;
    c.target_accept = OPTV(&cmd, v, "target-accept")->d;
    c.leapfrog = (size_t)OPTV(&cmd, v, "leapfrog")->i;
    c.max_depth = (size_t)OPTV(&cmd, v, "max-depth")->i;
    c.dense_metric = strcmp(OPTV(&cmd, v, "metric")->s, "dense") == 0;
    r->max_depth = c.max_depth;
    r->target_accept = c.target_accept > 0    ? c.target_accept
                       : r->mi == SAMPLE_MH   ? 0.234
                       : r->mi == SAMPLE_MALA ? 0.574
                                              : 0.8;
    c.init_radius = OPTV(&cmd, v, "init-radius")->d;
    c.init = r->init;
    c.interrupt = poll_interrupt;
    if (r->mi == SAMPLE_SGLD) {
        c.sgld_a = OPTV(&cmd, v, "sgld-a")->set ? OPTV(&cmd, v, "sgld-a")->d
                   : r->mixture                 ? 0.19955
                   : logistic                   ? 1e-4
                                                : 1e-3;
        c.sgld_b = OPTV(&cmd, v, "sgld-b")->set ? OPTV(&cmd, v, "sgld-b")->d
                   : r->mixture                 ? 231.07
                                                : 1.0;
        c.sgld_gamma = OPTV(&cmd, v, "gamma")->d;
        c.batch = OPTV(&cmd, v, "batch")->set ? (size_t)OPTV(&cmd, v, "batch")->i
                  : r->mixture                ? 1
                  : t->grad_batch             ? 10
                                              : 0;
        c.precondition = (int)OPTV(&cmd, v, "precondition")->i;
    }
    c.n_warmup = OPTV(&cmd, v, "warmup")->set ? (size_t)OPTV(&cmd, v, "warmup")->i
                 : r->mi == SAMPLE_SGLD       ? n * c.thin / 10
                                              : n;
    r->warmup = c.n_warmup;
    sample_counter cnt;
    gmdl_status s = sample_counter_wrap(&cnt, t);
    if (s == GMDL_OK)
        s = gmdl_mcmc_run(&r->d, &cnt.t, &c, err);
    r->grad_evals = atomic_load(&cnt.grads);
    r->logp_evals = atomic_load(&cnt.evals);
    r->nan_count = atomic_load(&cnt.nans);
    sample_counter_nan_text(r->nan_at, sizeof r->nan_at, &cnt);
    sample_counter_fini(&cnt);
    return s;
}

/* Rejection's log M: --log-m, or else the largest log weight over 10^4 pilot proposals plus
 * log 10. */
static gmdl_status rejection_log_m(const cli_val *v,
                                   const gmdl_target *t,
                                   const gmdl_proposal *q,
                                   uint64_t seed,
                                   double *log_m,
                                   gmdl_err *err) {
    if (OPTV(&cmd, v, "log-m")->set) {
        *log_m = OPTV(&cmd, v, "log-m")->d;
        return GMDL_OK;
    }
    gmdl_draws pd;
    gmdl_importance_result pr;
    gmdl_status s = gmdl_importance_run(&pd, &pr, t, q, 10000, seed ^ 0x5bd1e995u, err);
    if (s)
        return s;
    double wmax = 0;
    for (size_t i = 0; i < pd.n; i++)
        if (pd.weight[i] > wmax)
            wmax = pd.weight[i];
    /* normalised weight w_i = exp(lw_i) / sum; log(sum) = log Z + log S */
    *log_m = log(wmax) + pr.log_evidence + log(10000.0) + log(10.0);
    gmdl_draws_fini(&pd);
    return GMDL_OK;
}

/* Rejection, importance and vi all start from a VI fit; the first two propose from a Student-t
 * around it. */
static gmdl_status
run_from_vi(const cli_val *v, const gmdl_target *t, int est_i, sample_run *r, gmdl_err *err) {
    size_t n = (size_t)OPTV(&cmd, v, "n")->i, chains = (size_t)OPTV(&cmd, v, "chains")->i;
    int vi = r->mi == SAMPLE_VI;
    gmdl_vi_config vc = gmdl_vi_config_default();
    vc.seed = r->seed;
    vc.iters = (size_t)OPTV(&cmd, v, "vi-iters")->i;
    vc.lr = OPTV(&cmd, v, "vi-lr")->d;
    vc.mc = (size_t)OPTV(&cmd, v, "vi-mc")->i;
    vc.estimator = vi ? (gmdl_vi_estimator)est_i : GMDL_VI_REPARAM;
    vc.var_samples = vi ? 1000 : 0;
    gmdl_status s = gmdl_vi_fit(&r->vr, t, &vc, err);
    if (s || vi)
        return s ? s : gmdl_vi_draws(&r->d, t, &r->vr, chains, n, r->seed, err);
    double *sd = malloc(t->dim * sizeof(double));
    if (!sd)
        return GMDL_ENOMEM;
    for (size_t j = 0; j < t->dim; j++)
        sd[j] = OPTV(&cmd, v, "proposal-scale")->d * r->vr.sd[j];
    gmdl_proposal q = {r->vr.mean, sd, 5.0};
    if (r->mi == SAMPLE_IMPORTANCE) {
        s = gmdl_importance_run(&r->d, &r->isr, t, &q, n * chains, r->seed, err);
    } else {
        s = rejection_log_m(v, t, &q, r->seed, &r->log_m, err);
        if (!s)
            s = gmdl_rejection_run(&r->d, &r->rej_accept, t, &q, r->log_m, n * chains,
                                   1000 * n * chains + 100000, r->seed, err);
    }
    free(sd);
    return s;
}

/* Diagnostics per reported quantity (importance: weighted moments and the importance ESS for
 * everything) and the mean acceptance rate and step over the chains. Returns 0 or the exit
 * code. */
static int summarize(sample_run *r) {
    const gmdl_draws *d = &r->d;
    r->sm = calloc(d->dim, sizeof *r->sm);
    if (!r->sm)
        return cli_fail("sample", GMDL_ENOMEM, NULL);
    for (size_t j = 0; j < d->dim; j++) {
        gmdl_status s;
        if (r->mi == SAMPLE_IMPORTANCE) {
            double mean, se, var = 0;
            s = gmdl_draws_weighted_mean(&mean, &se, d, j);
            for (size_t i = 0; !s && i < d->n; i++) {
                double e = d->x[i * d->dim + j] - mean;
                var += d->weight[i] * e * e;
            }
            r->sm[j] = (gmdl_diag_summary){
                mean, sqrt(var), r->isr.ess, r->isr.ess, (double)d->n / r->isr.ess,
                NAN,  se,        NAN,        NAN};
        } else {
            s = gmdl_draws_summary(&r->sm[j], d, j);
        }
        if (s) {
            gmdl_err err = {{0}};
            if (s != GMDL_ENOMEM) /* the one other failure */
                snprintf(err.msg, sizeof err.msg, "diagnostics need at least 8 draws per chain");
            return cli_fail("sample", s, &err);
        }
    }
    for (size_t c = 0; c < d->chains; c++) {
        r->accept += d->accept_rate[c] / (double)d->chains;
        r->step += d->step[c] / (double)d->chains;
    }
    return 0;
}

/* Logistic with --test: the posterior-averaged test accuracy. The SGLD demo's check: the total
 * variation distance between the 50 x 50 histogram of all draws over [-1.5, 2.5] x [-3, 3] and
 * the exact grid posterior (Welling & Teh 2011, 5.1). Returns 0 or the exit code. */
static int model_checks(const model_handle *h, const gmdl_target *t, sample_run *r) {
    gmdl_err err = {{0}};
    gmdl_status s = GMDL_OK;
    if (h->have_test)
        s = gmdl_builtin_logistic_accuracy(&r->test_acc, &r->test_ll, h->builtin, &r->d, &h->test,
                                           &err);
    if (!s && r->mixture) {
        const double box[4] = {-1.5, 2.5, -3.0, 3.0};
        s = gmdl_grid_tv(&r->tv, t, &r->d, box, 50, 0, &err);
    }
    return s ? cli_fail("sample", s, &err) : 0;
}

/* --out, --plot, then the report on stdout. Returns 0 or the exit code. */
static int write_outputs(const cli_val *v, const gmdl_target *t, const sample_run *r) {
    const char *outp = OPTV(&cmd, v, "out")->s, *plot = OPTV(&cmd, v, "plot")->s;
    int stan = strcmp(OPTV(&cmd, v, "out-format")->s, "stan") == 0, rc;
    if (outp && (rc = stan ? sample_write_stan(outp, r) : sample_write_draws(outp, &r->d)) != 0)
        return rc;
    if (plot) {
        char title[96];
        snprintf(title, sizeof title, "%s, %s", r->model, r->method);
        static const double demo_window[4] = {-1.5, 2.5, -3.0, 3.0}; /* Welling & Teh 2011, 5.1 */
        rc = sample_plot_draws(plot, t, &r->d, title, r->mixture ? demo_window : NULL);
        if (rc)
            return rc;
    }
    if (cli_json())
        sample_report_json(r);
    else
        sample_report_text(r);
    return 0;
}

/* --init (MCMC only) into r->init, and the note that a model without a gradient is
 * differentiated numerically. Returns 0 or the exit code (message printed). */
static int open_init(const cli_val *v, const gmdl_target *t, sample_run *r) {
    const char *path = OPTV(&cmd, v, "init")->s;
    r->fd_grad = t->no_grad != 0;
    if (r->fd_grad)
        cli_note("gmdl sample: note: the model has no gradient; gmdl uses central finite "
                 "differences (%zu log-density evaluations per gradient)\n",
                 2 * t->dim + 1);
    if (!path)
        return 0;
    if (!SAMPLE_IS_MCMC(r->mi)) {
        fprintf(stderr, "gmdl sample: --init needs an MCMC method (nuts, mh, mala, hmc, sgld)\n");
        return 2;
    }
    return sample_init_read(&r->init, t, path);
}

/* --risk-sweep: the bias-variance trade-off of approximate MCMC (gmdl_risk_sweep). */
static int risk_sweep(const cli_val *v) {
    gmdl_risk_point pts[SAMPLE_RISK_MAX_STEPS], mhp;
    double steps[SAMPLE_RISK_MAX_STEPS], exact[2];
    size_t ns = 0;
    int rc = sample_risk_steps(OPTV(&cmd, v, "steps")->s, steps, &ns);
    if (rc)
        return rc;
    int threads = cli_threads(OPTV(&cmd, v, "threads")->i);
    model_handle h;
    memset(&h, 0, sizeof h);
    const gmdl_target *t = NULL;
    rc = model_open(v, &h, &t);
    if (rc) {
        model_close(&h);
        return rc;
    }
    gmdl_risk_config c = gmdl_risk_config_default();
    c.steps = steps;
    c.nsteps = ns;
    c.budget = (size_t)OPTV(&cmd, v, "budget")->i;
    c.repeats = (size_t)OPTV(&cmd, v, "repeats")->i;
    c.seed = (uint64_t)OPTV(&cmd, v, "seed")->i;
    c.threads = threads;
    if (OPTV(&cmd, v, "batch")->set)
        c.batch = (size_t)OPTV(&cmd, v, "batch")->i;
    if (OPTV(&cmd, v, "step")->set)
        c.mh_step = OPTV(&cmd, v, "step")->d;
    gmdl_err err = {{0}};
    double t0 = cli_now();
    gmdl_status s = gmdl_risk_sweep(pts, &mhp, exact, t, &c, &err);
    double seconds = cli_now() - t0;
    model_close(&h);
    if (s)
        return cli_fail("sample", s, &err);
    const char *plot = OPTV(&cmd, v, "plot")->s;
    if (plot && (rc = sample_plot_risk(plot, &c, pts, &mhp)) != 0)
        return rc;
    sample_risk_report(&c, pts, &mhp, exact, seconds, cli_json());
    return 0;
}

int cmd_sample(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos), est_i;
    if (rc)
        return rc < 0 ? 0 : rc;
    if (OPTV(&cmd, v, "risk-sweep")->i)
        return risk_sweep(v);
    sample_run r;
    memset(&r, 0, sizeof r);
    if ((rc = parse_method(v, &r, &est_i)) != 0)
        return rc;
    int threads = cli_threads(OPTV(&cmd, v, "threads")->i);
    model_handle h;
    memset(&h, 0, sizeof h);
    const gmdl_target *t = NULL;
    rc = model_open(v, &h, &t);
    if (rc) {
        model_close(&h);
        return rc;
    }
    if (OPTV(&cmd, v, "check-grad")->i) {
        rc = sample_check_grad(t, (size_t)OPTV(&cmd, v, "chains")->i,
                               (uint64_t)OPTV(&cmd, v, "seed")->i, OPTV(&cmd, v, "init-radius")->d);
        model_close(&h);
        return rc;
    }
    if ((rc = open_init(v, t, &r)) != 0) {
        model_close(&h);
        return rc;
    }
    r.model = OPTV(&cmd, v, "model")->s;
    if (!r.model) { /* a user model is named by its file */
        const char *lib = OPTV(&cmd, v, "model-lib")->s;
        r.model = strrchr(lib, '/') ? strrchr(lib, '/') + 1 : lib;
    }
    r.mixture = strcmp(r.model, "sgld-mixture") == 0;
    r.have_test = h.have_test;
    r.have_labels = h.have_labels;
    r.labels = h.labels;
    r.seed = (uint64_t)OPTV(&cmd, v, "seed")->i;
    r.rej_accept = r.log_m = r.test_acc = r.test_ll = r.tv = NAN;
    signal(SIGINT, on_sigint);
    gmdl_err err = {{0}};
    double t0 = cli_now();
    gmdl_status s = SAMPLE_IS_MCMC(r.mi)
                        ? run_mcmc(v, t, strcmp(r.model, "logistic") == 0, threads, &r, &err)
                        : run_from_vi(v, t, est_i, &r, &err);
    r.seconds = cli_now() - t0;
    if (s)
        rc = cli_fail("sample", s, &err);
    else if ((rc = summarize(&r)) == 0 && (rc = sample_diagnose(&r)) == 0 &&
             (rc = model_checks(&h, t, &r)) == 0 && (rc = write_outputs(v, t, &r)) == 0) {
        if (!cli_quiet())
            sample_warnings_print(&r);
        if (r.n_warn && OPTV(&cmd, v, "strict")->i) {
            fprintf(stderr, "gmdl sample: --strict: %zu warning%s raised\n", r.n_warn,
                    r.n_warn == 1 ? "" : "s");
            rc = 1;
        }
    }
    free(r.sm);
    free(r.ebfmi);
    free(r.init);
    gmdl_draws_fini(&r.d);
    gmdl_vi_result_fini(&r.vr);
    model_close(&h);
    return rc;
}
