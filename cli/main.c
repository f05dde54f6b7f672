/* gmdl: the command-line tool. Dispatch goes through a table of {name, handler, summary};
 * main() is in gmdl_main.c (a test build, tests/faults/fault_cli.c, wraps cli_main in its own). */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} command;

static const command commands[] = {
    {"train", cmd_train, "train a neural net on an IDX image data set and save it"},
    {"eval", cmd_eval, "evaluate a saved model on the test set"},
    {"predict", cmd_predict, "per-input class probabilities and predictive uncertainty, as CSV"},
    {"ood", cmd_ood, "out-of-distribution detection by predictive uncertainty: AUROC, AUPR"},
    {"data", cmd_data, "data sets: transform (rotated, inverted or noise copies of IDX images)"},
    {"evidence", cmd_evidence,
     "Bayesian model selection: log evidence of linear regression models"},
    {"regress", cmd_regress, "1-D Bayesian MLP regression: uncertainty grows away from the data"},
    {"biasvar", cmd_biasvar, "the bias-variance trade-off of polynomial regression, measured"},
    {"info", cmd_info, "show a model file's architecture, method, sizes and training history"},
    {"compress", cmd_compress,
     "prune and quantise a Bayesian model into a .gmz; the compression table"},
    {"export", cmd_export, "a model as dependency-free C99 for any target (microcontrollers too)"},
    {"bn", cmd_bn, "Bayes nets (BIF): info, d-separation, exact and sampled queries, sampling"},
    {"cox", cmd_cox,
     "Cox proportional hazards (linear or DeepSurv MLP) on a CSV: fit, C-index, curves"},
    {"km", cmd_km, "Kaplan-Meier survival curves of a CSV, optionally by group, with a PNG plot"},
    {"mrf", cmd_mrf, "Markov random fields (UAI): partition function and marginals"},
    {"em", cmd_em, "EM for mixtures: Gaussian (CSV) and Bernoulli (binarized images)"},
    {"sample", cmd_sample,
     "draw from a posterior (NUTS, MH, MALA, HMC, SGLD, rejection, importance) or fit VI"},
    {"model", cmd_model, "user models for gmdl sample: new (a template and its compile command)"},
    {"vae", cmd_vae, "variational autoencoder on IDX images: train, sample, encode"},
    {"ssvae", cmd_ssvae, "semi-supervised VAE (M2): classify from a few labels"},
};

static void usage(FILE *f) {
    fprintf(f, "usage: gmdl COMMAND [options]   (gmdl COMMAND --help for details)\n\n");
    fprintf(f, "gmdl %s: graphical models and deep learning in C.\n\ncommands:\n", gmdl_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nexit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.\n"
               "Every command takes --json for machine-readable results on stdout.\n");
}

int cli_fail(const char *cmd, gmdl_status s, const gmdl_err *err) {
    const char *msg = err && err->msg[0] ? err->msg : gmdl_status_str(s);
    fprintf(stderr, "gmdl %s: %s\n", cmd, msg);
    return gmdl_status_is_input_error(s) ? 2 : 1;
}

int cli_threads(long long requested) {
#ifdef _OPENMP
    if (requested > 0)
        omp_set_num_threads((int)requested);
    else
        omp_set_num_threads(omp_get_num_procs());
    return omp_get_max_threads();
#else
    (void)requested;
    return 1;
#endif
}

double cli_now(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

int cli_stderr_tty(void) {
    return isatty(STDERR_FILENO);
}

int cli_ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int cli_main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("gmdl %s\n", gmdl_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 2, argv + 2);
    fprintf(stderr, "gmdl: unknown command '%s' (see 'gmdl --help')\n", argv[1]);
    return 2;
}
