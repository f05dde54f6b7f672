/* gmdl train: trains a net on an IDX data set, saving the model file after every epoch. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uq_cli.h"

static const cli_opt opts[] = {
    {"arch", 0, OPT_STRING, "ARCH", "lenet300",
     "architecture: lenet300 (784-300-100-10), mlp:H1-H2-... (hidden sizes, ReLU), lenet5 "
     "(LeNet-5-Caffe = cnn:c20k5-p2-c50k5-p2-d500), or cnn:TOKENS with cFkK[sS][pP] (F KxK "
     "filters, stride S, zero padding P, ReLU), pK (KxK max-pool), aK (KxK average-pool), dN "
     "(dense N, ReLU); the output layer is added",
     1, 0, 0},
    {"method", 0, OPT_STRING, "METHOD", "dense",
     "training method: dense; dropout[:P] (Bernoulli dropout after every hidden dense layer, drop "
     "probability P, default 0.5); or a Bayesian method, trained with the local reparameterisation "
     "trick and compressed by gmdl compress: svd (sparse variational dropout, log-uniform prior), "
     "bbb (factorised Gaussian posterior, N(0, 1) prior), vd (variational dropout, learned dropout "
     "rates alpha <= 1), bc-gnj (group normal-Jeffreys prior, a scale per input unit or filter), "
     "bc-ghs (group horseshoe prior); or sws (soft weight-sharing: a learned 17-component "
     "Gaussian-mixture prior over the weights of a net retrained from --init MODEL)",
     1, 0, 0},
    {"data", 0, OPT_STRING, "DIR|FILE", GMDL_DEFAULT_DATA,
     "folder with the four IDX files (train-/t10k-, images/labels, optionally .gz), or a table "
     "for an mlp: net: FILE.csv (with --y COL) or a libsvm file",
     1, 0, 0},
    {"y", 0, OPT_STRING, "COL", NULL,
     "table: the label column of the CSV (any text; the distinct labels, sorted, are the "
     "classes; every other column is a numeric feature)",
     1, 0, 0},
    {"test", 0, OPT_STRING, "FILE", NULL,
     "table: the test rows, a table with the same columns (or libsvm indices)", 1, 0, 0},
    {"split", 0, OPT_DOUBLE, "F", NULL,
     "table: hold out the fraction F of the rows (drawn with --seed) as the test rows", 1e-9,
     0.999999999, 0},
    {"val", 0, OPT_INT, "N", "0",
     "hold N training images out (drawn with --seed) as the validation split, recorded in the "
     "model: the net trains on the rest, and gmdl compress --max-error measures on the split, "
     "never on the test set",
     0, 1e9, 0},
    {"classes", 0, OPT_INT, "K", "10", "number of classes; every label must be < K", 2, 256, 0},
    {"epochs", 0, OPT_INT, "N", "10", "number of epochs (passes over the training set)", 0, 1000000,
     0},
    {"batch", 0, OPT_INT, "B", "100", "minibatch size", 1, 65536, 0},
    {"lr", 0, OPT_DOUBLE, "LR", NULL,
     "learning rate (default 0.001 for adam, 0.0002 for adam with sws, 0.05 for sgd)", 1e-12, 1e3,
     0},
    {"lr-schedule", 0, OPT_STRING, "NAME", "auto",
     "learning-rate schedule over the run: cosine (annealed to 0 at the end), linear (lr (E-e)/E "
     "in epoch e), constant-linear (constant for half the run, then linear to 0), constant, or "
     "auto (cosine for dense and dropout; linear for sws; for the other Bayesian methods "
     "constant-linear for dense nets and linear for conv nets, as the sparse-VD recipe)",
     1, 0, 0},
    {"kl-warmup-start", 0, OPT_INT, "E", "5",
     "Bayesian methods: first epoch with a non-zero KL weight", 0, 1000000, 0},
    {"kl-warmup-epochs", 0, OPT_INT, "E", "15",
     "Bayesian methods: epochs over which the KL weight rises linearly to 1", 0, 1000000, 0},
    {"optimizer", 0, OPT_STRING, "NAME", "adam", "optimizer: adam or sgd (with momentum)", 1, 0, 0},
    {"momentum", 0, OPT_DOUBLE, "M", "0.9", "SGD momentum", 0, 0.999999, 0},
    {"weight-decay", 0, OPT_DOUBLE, "W", "0", "L2 weight decay added to the gradient", 0, 1e3, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed (weights, shuffling, dropout)", 0, 9.2e18, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores)", 0, 1024, 0},
    {"out", 'o', OPT_STRING, "MODEL", NULL,
     "model file to write (rewritten atomically after every epoch)", 1, 0, 0},
    {"sws-tau", 0, OPT_DOUBLE, "TAU", "0.5",
     "sws: weight of the mixture prior against the summed cross-entropy (the paper uses 0.05, the "
     "authors' tutorial 0.003)",
     0, 1e6, 0},
    {"sws-zero-sd", 0, OPT_DOUBLE, "SD", "0.005",
     "sws: standard deviation of the zero component, held fixed: weights within about 4 SD of 0 "
     "are pruned (0 learns it, as the authors' tutorial: it then grows over the bulk of the "
     "weights and prunes them)",
     0, 0.999, 0},
    {"sws-harden", 0, OPT_STRING, "LIST", "0.5,0.75,0.9,0.97,0.99,1",
     "sws: hardening, one stage per final epoch (comma-separated increasing fractions in (0, 1], "
     "or none): each stage starts by setting that fraction of every layer's weights, those nearest "
     "their component's value, to the value and holding them there while the rest of the net "
     "adapts; the mixture is fixed from the first stage on. With none, only gmdl compress sets the "
     "weights to their values, as in the paper",
     1, 0, 0},
    {"init", 0, OPT_STRING, "MODEL", NULL,
     "start from the weights and biases of a trained model of the same architecture (a dense model "
     "for sws, which needs it; optional for the other methods)",
     1, 0, 0},
    {"resume", 0, OPT_FLAG, NULL, NULL,
     "continue from MODEL's last completed epoch (starts afresh if MODEL does not exist)", 1, 0, 0},
    {"force", 0, OPT_FLAG, NULL, NULL, "overwrite --out even if it is not a gmdl model file", 1, 0,
     0},
    {"crash-at-step", 0, OPT_INT, "N", NULL, "testing hook: SIGKILL the process after step N", 1,
     9.2e18, 1},
};

static const cli_cmd cmd = {
    "train",
    "gmdl train --arch ARCH --method METHOD --out MODEL [--data DIR] [--epochs N] [--batch B] "
    "[--lr LR] [--seed S] [--val N] [--threads T] [--resume] [--json]",
    "Trains a neural net classifier on an IDX image data set (default: Fashion-MNIST from the\n"
    "Debian package dataset-fashion-mnist), or an mlp: net on a table (--data FILE.csv --y COL,\n"
    "or a libsvm file; with --test FILE or --split F): the labels map to classes kept in the\n"
    "model, and every feature is standardised by the training rows' mean and sd, also kept in\n"
    "the model and applied by eval and predict. The model file is written atomically after every\n"
    "epoch and holds the whole training state, so --resume continues a run that was interrupted\n"
    "(even by SIGKILL) and ends with the same file as an uninterrupted run. The same seed and\n"
    "thread count give byte-identical model files. Progress goes to stderr; the results to "
    "stdout.\n"
    "JSON keys: arch, method, epochs, seconds_per_epoch (median wall time of one epoch's "
    "shuffling\n"
    "and training steps, evaluation excluded), train_seconds, test_accuracy, test_error, "
    "test_nll,\n"
    "model, threads, seed, history.",
    opts,
    sizeof opts / sizeof opts[0],
    0,
    0};

typedef struct {
    int quiet, tty, epoch, epochs;
    double t0, last_print;
    long long crash_at;
    const gmdl_model *m;
    int told; /* the first interrupt was reported */
} progress_state;

/* Ctrl-C: the first finishes the epoch, saves it and exits 130; a second stops at the next step
 * (the model file keeps the last completed epoch). */
static volatile sig_atomic_t interrupts;
static void on_sigint(int sig) {
    (void)sig;
    if (interrupts < 2)
        interrupts++;
}

static int on_progress(int step, int steps, double loss, void *user) {
    progress_state *p = user;
    if (p->crash_at > 0 && (long long)gmdl_model_step(p->m) >= p->crash_at)
        raise(SIGKILL);
    if (interrupts >= 2)
        return 1;
    if (interrupts == 1 && !p->told) {
        p->told = 1;
        if (!p->quiet)
            fprintf(stderr,
                    "%sgmdl train: interrupted: finishing epoch %d, then saving (Ctrl-C again to "
                    "stop now and keep the last completed epoch)\n",
                    p->tty ? "\n" : "", p->epoch);
    }
    if (p->quiet || !p->tty)
        return 0;
    double now = cli_now();
    if (now - p->last_print < 0.2 && step != steps)
        return 0;
    p->last_print = now;
    double el = now - p->t0, eta = step > 0 ? el / step * (steps - step) : 0.0;
    int bar = 20 * step / steps;
    fprintf(stderr, "\repoch %d/%d [%.*s%*s] %3d%%  loss %.4f  %.1fs  ETA %.0fs   ", p->epoch,
            p->epochs, bar, "####################", 20 - bar, "", 100 * step / steps, loss, el,
            eta);
    fflush(stderr);
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int is_gmdl_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char b[4] = {0};
    size_t n = fread(b, 1, 4, f);
    fclose(f);
    return n == 4 && b[0] == 0x89 && b[1] == 'G' && b[2] == 'M' && b[3] == 'D';
}

/* One run of the command: what was asked, the model and data, and the measurements. */
typedef struct train_run {
    const char *out, *data, *init;
    int json, quiet, resume, threads, classes;
    gmdl_train_config cfg;
    double *harden; /* --sws-harden's fractions (cfg.sws.harden points here) */
    gmdl_model *m;
    gmdl_dataset train, test;
    const char *y, *testfile; /* a table: --y, --test, --split */
    double split;
    int tabular;
    uq_train_table table;
    int todo;             /* epochs this run */
    double median, total; /* seconds per epoch (median over this run), all of this run */
    double acc, nll;      /* test accuracy and NLL after the last epoch */
} train_run;

/* Phase 1: the options into r->cfg and the run's settings. Returns 0 or the exit code (message
 * printed). */
static int parse_config(const cli_val *v, train_run *r) {
    r->out = OPTV(&cmd, v, "out")->s;
    if (!r->out) {
        fprintf(stderr, "gmdl train: --out MODEL is required (the model file to write)\n");
        return 2;
    }
    r->json = cli_json();
    r->quiet = cli_quiet();
    r->resume = (int)OPTV(&cmd, v, "resume")->i;
    r->init = OPTV(&cmd, v, "init")->s;
    const char *optname = OPTV(&cmd, v, "optimizer")->s;
    if (strcmp(optname, "adam") != 0 && strcmp(optname, "sgd") != 0) {
        fprintf(stderr, "gmdl train: --optimizer must be adam or sgd, got '%s'\n", optname);
        return 2;
    }
    const char *sched = OPTV(&cmd, v, "lr-schedule")->s;
    gmdl_train_config cfg = gmdl_train_config_default();
    if (!gmdl_lr_schedule_parse(sched, &cfg.lr_schedule)) {
        fprintf(stderr,
                "gmdl train: --lr-schedule must be auto, cosine, linear, constant-linear or "
                "constant, got '%s'\n",
                sched);
        return 2;
    }
    cfg.kl_warmup_start = (int)OPTV(&cmd, v, "kl-warmup-start")->i;
    cfg.kl_warmup_epochs = (int)OPTV(&cmd, v, "kl-warmup-epochs")->i;
    if (snprintf(cfg.arch, sizeof cfg.arch, "%s", OPTV(&cmd, v, "arch")->s) >=
            (int)sizeof cfg.arch ||
        snprintf(cfg.method, sizeof cfg.method, "%s", OPTV(&cmd, v, "method")->s) >=
            (int)sizeof cfg.method) {
        fprintf(stderr, "gmdl train: --arch or --method value too long\n");
        return 2;
    }
    cfg.epochs = (int)OPTV(&cmd, v, "epochs")->i;
    cfg.batch = (int)OPTV(&cmd, v, "batch")->i;
    cfg.optimizer = strcmp(optname, "sgd") == 0 ? GMDL_OPT_SGD : GMDL_OPT_ADAM;
    gmdl_method_info mi = {cfg.method, 0, 0, 0, 0, 1e-3, NULL};
    gmdl_err merr;
    if (gmdl_method_lookup(&mi, cfg.method, &merr) != GMDL_OK)
        mi.adam_lr = 1e-3; /* an unknown method: gmdl_train_config_check below says so */
    cfg.lr = OPTV(&cmd, v, "lr")->set        ? OPTV(&cmd, v, "lr")->d
             : cfg.optimizer == GMDL_OPT_SGD ? 0.05
                                             : mi.adam_lr; /* sws: retraining, smaller */
    if (mi.retrains && !r->init && !r->resume) {
        fprintf(stderr,
                "gmdl train: method %s retrains a trained net: give --init MODEL (a model "
                "trained with --method dense on the same architecture)\n",
                mi.name);
        return 2;
    }
    cfg.momentum = OPTV(&cmd, v, "momentum")->d;
    cfg.weight_decay = OPTV(&cmd, v, "weight-decay")->d;
    cfg.sws.tau = OPTV(&cmd, v, "sws-tau")->d;
    cfg.sws.zero_sd = OPTV(&cmd, v, "sws-zero-sd")->d;
    gmdl_err herr = {{0}};
    const char *harden = OPTV(&cmd, v, "sws-harden")->s;
    size_t nharden = 0;
    gmdl_status hs = gmdl_sws_harden_parse(NULL, 0, &nharden, harden, &herr);
    if (hs == GMDL_OK) {
        r->harden = malloc((nharden ? nharden : 1) * sizeof(double));
        if (!r->harden) {
            fprintf(stderr, "gmdl train: out of memory\n");
            return 1;
        }
        hs = gmdl_sws_harden_parse(r->harden, nharden, &nharden, harden, &herr);
    }
    if (hs) {
        fprintf(stderr, "gmdl train: --sws-harden: %s\n", herr.msg);
        return gmdl_status_is_input_error(hs) ? 2 : 1;
    }
    cfg.sws.harden = r->harden;
    cfg.sws.harden_n = (int)nharden;
    cfg.seed = (uint64_t)OPTV(&cmd, v, "seed")->i;
    cfg.val = (int)OPTV(&cmd, v, "val")->i;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_train_config_check(&cfg, &err);
    if (s)
        return cli_fail("train", s, &err);
    r->cfg = cfg;
    r->threads = cli_threads(OPTV(&cmd, v, "threads")->i);
    r->data = OPTV(&cmd, v, "data")->s;
    r->classes = (int)OPTV(&cmd, v, "classes")->i;
    r->y = OPTV(&cmd, v, "y")->s;
    r->testfile = OPTV(&cmd, v, "test")->s;
    r->split = OPTV(&cmd, v, "split")->set ? OPTV(&cmd, v, "split")->d : 0.0;
    struct stat st;
    r->tabular = stat(r->data, &st) == 0 && !S_ISDIR(st.st_mode);
    if (r->tabular && r->cfg.val > 0) {
        fprintf(stderr, "gmdl train: --val is for an IDX folder; a table takes --split\n");
        return 2;
    }
    if (!r->tabular && (r->y || r->testfile || r->split > 0.0)) {
        fprintf(stderr,
                "gmdl train: --y, --test and --split are for a table: --data %s is not a "
                "file\n",
                r->data);
        return 2;
    }
    if (r->testfile && r->split > 0.0) {
        fprintf(stderr, "gmdl train: give --test FILE or --split F, not both\n");
        return 2;
    }
    return 0;
}

/* Phase 2: with --resume and an existing model file, load it, check that the options given agree
 * with it and take its configuration (--epochs may extend the run). Refuses to replace a file that
 * is not ours, so nothing a user had is lost. Returns 0 or the exit code. */
/* Removes OUT.tmp.PID files that a killed run left (the atomic writer's temporary names) when
 * process PID is gone: a run killed while writing leaves one, never a half file under OUT. */
static void remove_stale_temps(const char *out, int quiet) {
    char dir[4096];
    const char *slash = strrchr(out, '/');
    const char *base = slash ? slash + 1 : out;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
    if (slash == out)
        snprintf(dir, sizeof dir, "/");
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t bl = strlen(base);
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (strncmp(n, base, bl) != 0 || strncmp(n + bl, ".tmp.", 5) != 0)
            continue;
        char *end;
        long pid = strtol(n + bl + 5, &end, 10);
        if (*end || pid <= 0)
            continue; /* not a name the writer makes */
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* its writer may still run */
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, n);
        if (unlink(path) == 0 && !quiet)
            fprintf(stderr, "gmdl train: removed %s, left by a run that was killed while saving\n",
                    path);
    }
    closedir(d);
}

static int resume_model(const cli_val *v, train_run *r) {
    const char *out = r->out;
    int resume = r->resume, quiet = r->quiet;
    gmdl_train_config cfg = r->cfg;
    gmdl_model *m = NULL;
    gmdl_err err = {{0}};
    gmdl_status s;
    struct stat st;
    remove_stale_temps(out, quiet);
    if (!resume && stat(out, &st) == 0 && !OPTV(&cmd, v, "force")->i && !is_gmdl_file(out)) {
        fprintf(stderr,
                "gmdl train: %s exists and is not a gmdl model file; choose another --out or "
                "add --force to overwrite it\n",
                out);
        return 2;
    }
    if (resume && stat(out, &st) == 0) {
        s = gmdl_model_load(&m, out, &err);
        if (s)
            return cli_fail("train", s, &err);
        const gmdl_train_config *mc = gmdl_model_config(m);
        /* the options given explicitly must agree with the model file */
        const char *given[sizeof opts / sizeof opts[0]];
        size_t ngiven = 0;
        for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
            if (v[k].set)
                given[ngiven++] = opts[k].name;
        if (gmdl_train_config_compatible(mc, &cfg, given, ngiven, &err)) {
            fprintf(stderr,
                    "gmdl train: --%s; drop the option or start a new run without --resume\n",
                    err.msg);
            gmdl_model_destroy(m);
            return 2;
        }
        int epochs = OPTV(&cmd, v, "epochs")->set ? cfg.epochs : mc->epochs;
        cfg = *mc;
        cfg.epochs = epochs;
    } else if (resume && !quiet) {
        fprintf(stderr, "gmdl train: %s does not exist yet; starting a new run\n", out);
    }
    r->cfg = cfg;
    r->m = m;
    return 0;
}

/* --init: copies the weights of a trained model of the same architecture into r->m. */
static int init_from(train_run *r) {
    gmdl_model *src;
    gmdl_err err = {{0}};
    int copied = 0;
    gmdl_status s = gmdl_model_load(&src, r->init, &err);
    if (!s) {
        s = gmdl_model_init_from(r->m, &copied, src, &err);
        gmdl_model_destroy(src);
        if (s) {
            fprintf(stderr, "gmdl train: --init %s: %s\n", r->init, err.msg);
            return 2;
        }
    }
    if (s)
        return cli_fail("train", s, &err);
    if (!r->quiet)
        fprintf(stderr, "gmdl train: %d tensors initialised from %s\n", copied, r->init);
    return 0;
}

/* prepare_model for a table: its rows, then a new model that keeps the table's description, or
 * the resumed one (which keeps its own). Returns 0 or the exit code. */
static int prepare_table(train_run *r) {
    if (strncmp(r->cfg.arch, "mlp:", 4) != 0) { /* after --resume: the model's */
        fprintf(stderr, "gmdl train: a table trains an mlp: net (--arch mlp:H1-H2-...), not %s\n",
                r->cfg.arch);
        return 2;
    }
    int rc =
        uq_train_table_load(&r->table, r->data, r->y, r->testfile, r->split, r->cfg.seed, r->m);
    if (rc)
        return rc;
    r->train = r->table.train;
    r->test = r->table.test;
    memset(&r->table.train, 0, sizeof r->table.train); /* r->train, r->test own them now */
    memset(&r->table.test, 0, sizeof r->table.test);
    if (r->m)
        return 0;
    gmdl_err err = {{0}};
    int K = r->table.all.nclasses;
    gmdl_status s = gmdl_model_create(&r->m, &r->cfg, 1, 1, (int)r->train.dim, K, &err);
    if (!s)
        s = gmdl_model_set_tabular(r->m, &r->table.info, &err);
    if (s)
        return cli_fail("train", s, &err);
    return r->init ? init_from(r) : 0;
}

/* Phase 3: the data, then a new model (from --init when given), or a check that the resumed
 * model fits the data. Returns 0 or the exit code. */
static int prepare_model(train_run *r) {
    if (r->tabular)
        return prepare_table(r);
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_dataset_load_dir(&r->train, r->data, 0, r->classes, &err);
    if (!s)
        s = gmdl_dataset_load_dir(&r->test, r->data, 1, r->classes, &err);
    if (s)
        return cli_fail("train", s, &err);
    if (!s && r->cfg.val > 0 && uq_train_val_split(&r->train, &r->cfg, r->quiet))
        return 2;
    const gmdl_dataset *train = &r->train, *test = &r->test;
    if (test->dim != train->dim) {
        fprintf(stderr, "gmdl train: %s: test images are %dx%dx%d but training images %dx%dx%d\n",
                r->data, test->c, test->h, test->w, train->c, train->h, train->w);
        return 2;
    }
    if (!r->m) {
        s = gmdl_model_create(&r->m, &r->cfg, train->c, train->h, train->w, r->classes, &err);
        if (s)
            return cli_fail("train", s, &err);
        return r->init ? init_from(r) : 0;
    }
    int c, h, w;
    gmdl_model_input_shape(&c, &h, &w, r->m);
    if ((size_t)c * h * w != train->dim || gmdl_model_classes(r->m) != r->classes) {
        fprintf(stderr,
                "gmdl train: %s was trained on %dx%dx%d inputs with %d classes; the data in %s "
                "does not match\n",
                r->out, c, h, w, gmdl_model_classes(r->m), r->data);
        return 2;
    }
    gmdl_model_set_epochs(r->m, r->cfg.epochs); /* --epochs may extend a resumed run */
    return 0;
}

/* The end-of-epoch log line. */
static void log_epoch(const train_run *r,
                      const gmdl_epoch_stats *es,
                      int tty,
                      double seconds,
                      double elapsed,
                      double eta) {
    const gmdl_train_config *cfg = &r->cfg;
    char extra[128] = "";
    gmdl_method_info mi;
    gmdl_err merr;
    if (gmdl_method_lookup(&mi, cfg->method, &merr) == GMDL_OK && mi.bayes) {
        int k = snprintf(extra, sizeof extra, "  kl %.4g  kept %.4f (%.1fx)", es->kl, es->kept,
                         es->kept > 0 ? 1.0 / es->kept : 0.0);
        if (!isnan(es->kept_units) && k > 0 && (size_t)k < sizeof extra)
            snprintf(extra + k, sizeof extra - (size_t)k, "  units %.4f", es->kept_units);
    }
    fprintf(stderr,
            "%sepoch %d/%d  loss %.4f  train acc %.4f  test acc %.4f%s  %.2fs/epoch  "
            "elapsed %.0fs  ETA %.0fs\n",
            tty ? "\r" : "", es->epoch, cfg->epochs, es->train_loss, es->train_accuracy,
            es->test_accuracy, extra, seconds, elapsed, eta);
}

/* One epoch of train_epochs: train, save, report. 130 after an interrupt (the message says what
 * the model file holds), else 0 or the exit code. */
static int
train_one_epoch(train_run *r, progress_state *ps, int e, int first, double *times, double run_t0) {
    gmdl_model *m = r->m;
    int quiet = r->quiet;
    gmdl_err err = {{0}};
    ps->epoch = first + e + 1;
    ps->t0 = cli_now();
    const gmdl_train_config *mc = gmdl_model_config(m);
    const int stage = gmdl_model_sws_stage(m);
    if (!quiet && stage >= 0)
        fprintf(stderr,
                "gmdl train: epoch %d holds %g%% of every layer's weights at their "
                "values (hardening stage %d of %d)\n",
                ps->epoch, 100.0 * mc->sws.harden[stage], stage + 1, mc->sws.harden_n);
    gmdl_epoch_stats es;
    gmdl_status s = gmdl_model_train_epoch(m, &es, &r->train, &r->test, on_progress, ps, &err);
    if (!s) {
        times[e] = gmdl_model_last_train_seconds(m);
        r->total += times[e];
        s = gmdl_model_save(m, r->out, &err);
    }
    if (s == GMDL_EINTR && interrupts >= 2) {
        fprintf(stderr,
                "%sgmdl train: interrupted during epoch %d: %s keeps epoch %d; continue with "
                "--resume\n",
                ps->tty && !quiet ? "\n" : "", ps->epoch, r->out, ps->epoch - 1);
        return 130;
    }
    if (s) {
        if (ps->tty && !quiet)
            fputc('\n', stderr);
        return cli_fail("train", s, &err);
    }
    if (!quiet) {
        double el = cli_now() - run_t0, eta = el / (e + 1) * (r->todo - e - 1);
        log_epoch(r, &es, ps->tty, times[e], el, eta);
    }
    if (interrupts && e + 1 < r->todo) {
        fprintf(stderr, "gmdl train: interrupted: %s holds epoch %d; continue with --resume\n",
                r->out, ps->epoch);
        return 130;
    }
    return 0;
}

/* Phase 4: the remaining epochs, saving the model file after each; times[e] is epoch e's
 * training time. SIGINT is caught meanwhile (on_sigint). Returns 0 or the exit code. */
static int train_epochs(const cli_val *v, train_run *r, double *times) {
    gmdl_model *m = r->m;
    int first = gmdl_model_epoch(m);
    progress_state ps = {r->quiet,
                         cli_stderr_tty(),
                         0,
                         r->cfg.epochs,
                         0,
                         0,
                         OPTV(&cmd, v, "crash-at-step")->set ? OPTV(&cmd, v, "crash-at-step")->i
                                                             : 0,
                         m,
                         0};
    double run_t0 = cli_now();
    struct sigaction sa = {0}, old_sa;
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sa);
    int rc = 0;
    for (int e = 0; e < r->todo && !rc; e++)
        rc = train_one_epoch(r, &ps, e, first, times, run_t0);
    sigaction(SIGINT, &old_sa, NULL);
    return rc;
}

/* Phase 5: the final test accuracy and NLL (after zero epochs: the untrained net, whose model file
 * is still written) and the median epoch time. Returns 0 or the exit code. */
static int finish_run(train_run *r, double *times) {
    int nh;
    const gmdl_epoch_stats *hist = gmdl_model_history(&nh, r->m);
    r->acc = r->nll = NAN;
    if (nh > 0) {
        r->acc = hist[nh - 1].test_accuracy;
        r->nll = hist[nh - 1].test_loss;
    } else {
        gmdl_eval_result ev;
        gmdl_err err = {{0}};
        gmdl_status s = gmdl_model_evaluate(&ev, r->m, &r->test, 0, 0, NULL, &err);
        if (!s)
            s = gmdl_model_save(r->m, r->out, &err);
        if (s)
            return cli_fail("train", s, &err);
        r->acc = ev.accuracy;
        r->nll = ev.nll;
    }
    int todo = r->todo;
    qsort(times, (size_t)todo, sizeof(double), cmp_double);
    r->median = todo ? (todo % 2 ? times[todo / 2] : 0.5 * (times[todo / 2 - 1] + times[todo / 2]))
                     : (double)NAN;
    return 0;
}

/* The per-epoch history as a JSON array of objects. */
static void json_history(json_w *j, const gmdl_epoch_stats *hist, int nh) {
    json_arr_begin(j, "history");
    for (int i = 0; i < nh; i++) {
        json_obj_begin(j, NULL);
        json_int(j, "epoch", hist[i].epoch);
        json_num(j, "train_loss", hist[i].train_loss);
        json_num(j, "train_accuracy", hist[i].train_accuracy);
        json_num(j, "test_accuracy", hist[i].test_accuracy);
        json_num(j, "test_nll", hist[i].test_loss);
        json_num(j, "kl", hist[i].kl);
        json_num(j, "kept_fraction", hist[i].kept);
        json_num(j, "kept_units", hist[i].kept_units);
        json_obj_end(j);
    }
    json_arr_end(j);
}

/* Phase 6: the results on stdout, one JSON object or the readable report. */
static void report(const train_run *r) {
    const gmdl_train_config *cfg = &r->cfg;
    if (r->json) {
        int nh;
        const gmdl_epoch_stats *hist = gmdl_model_history(&nh, r->m);
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_str(&j, "arch", cfg->arch);
        json_str(&j, "method", cfg->method);
        json_int(&j, "epochs", gmdl_model_epoch(r->m));
        json_int(&j, "epochs_this_run", r->todo);
        json_num(&j, "seconds_per_epoch", r->median);
        json_num(&j, "train_seconds", r->total);
        json_num(&j, "test_accuracy", r->acc);
        json_num(&j, "test_error", 1.0 - r->acc);
        json_num(&j, "test_nll", r->nll);
        json_str(&j, "model", r->out);
        json_int(&j, "threads", r->threads);
        json_int(&j, "seed", (long long)cfg->seed);
        json_history(&j, hist, nh);
        json_finish(&j);
        return;
    }
    printf("model            %s\n", r->out);
    printf("architecture     %s, method %s\n", cfg->arch, cfg->method);
    printf("epochs           %d (%d this run)\n", gmdl_model_epoch(r->m), r->todo);
    if (r->todo)
        printf("seconds/epoch    %.3f (median; %d threads)\n", r->median, r->threads);
    printf("test accuracy    %.4f (error %.2f%%)\n", r->acc, 100.0 * (1.0 - r->acc));
}

int cmd_train(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    train_run r;
    memset(&r, 0, sizeof r);
    double *times = NULL;
    if ((rc = parse_config(v, &r)) != 0 || (rc = resume_model(v, &r)) != 0 ||
        (rc = prepare_model(&r)) != 0)
        goto done;
    const gmdl_train_config *cfg = &r.cfg;
    if (!r.quiet)
        fprintf(
            stderr,
            "gmdl %s: train arch=%s method=%s epochs=%d batch=%d optimizer=%s lr=%g (%s) seed=%llu "
            "threads=%d gemm=%s data=%s (%zu train, %zu test) out=%s%s\n",
            gmdl_version(), cfg->arch, cfg->method, cfg->epochs, cfg->batch,
            cfg->optimizer == GMDL_OPT_SGD ? "sgd" : "adam", cfg->lr,
            gmdl_lr_schedule_name(gmdl_model_config(r.m)->lr_schedule),
            (unsigned long long)cfg->seed, r.threads, gmdl_gemm_backend(), r.data, r.train.n,
            r.test.n, r.out, gmdl_model_epoch(r.m) ? " (resumed)" : "");
    int first = gmdl_model_epoch(r.m);
    r.todo = cfg->epochs > first ? cfg->epochs - first : 0;
    times = calloc((size_t)r.todo + 1, sizeof(double));
    if (!times) {
        fprintf(stderr, "gmdl train: out of memory\n");
        rc = 1;
        goto done;
    }
    if ((rc = train_epochs(v, &r, times)) == 0 && (rc = finish_run(&r, times)) == 0)
        report(&r);
done:
    free(times);
    free(r.harden);
    gmdl_dataset_fini(&r.train);
    gmdl_dataset_fini(&r.test);
    uq_train_table_fini(&r.table);
    gmdl_model_destroy(r.m);
    return rc;
}
