/* gmdl ssvae train: the semi-supervised VAE M2 on an IDX image set with a few labels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const cli_opt opts[] = {
    {"data", 0, OPT_STRING, "DIR", GMDL_DEFAULT_DATA,
     "folder with the four IDX files (train-/t10k-, images/labels, optionally .gz)", 1, 0, 0},
    {"labels", 0, OPT_INT, "L", NULL,
     "labelled training images, balanced over the classes and picked with the seed (required)", 1,
     1e9, 0},
    {"classes", 0, OPT_INT, "K", "10", "number of classes; every label must be < K", 2, 256, 0},
    {"epochs", 0, OPT_INT, "N", "10", "epochs in all (passes over the unlabelled images)", 0,
     1000000, 0},
    {"hidden", 0, OPT_INT, "H", "500", "hidden ReLU units of q(y|x), q(z|x,y) and p(x|y,z)", 1,
     65536, 0},
    {"latent", 0, OPT_INT, "D", "50", "latent dimensions", 1, 4096, 0},
    {"batch", 0, OPT_INT, "B", "100", "labelled and unlabelled images per step (each)", 1, 4096, 0},
    {"lr", 0, OPT_DOUBLE, "LR", "0.0003", "Adam learning rate", 1e-12, 1e3, 0},
    {"alpha", 0, OPT_DOUBLE, "A", "0.1",
     "weight of the classification term in units of the training-set size N (alpha = A N)", 0, 1e9,
     0},
    {"classifier-only", 0, OPT_FLAG, NULL, NULL,
     "train q(y|x) alone on the labelled images (the baseline of the same architecture)", 1, 0, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed (labelled set, weights, order, noise)", 0, 9.2e18,
     0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores)", 0, 1024, 0},
    {"out", 'o', OPT_STRING, "MODEL", NULL, "model file to write (atomically, after every epoch)",
     1, 0, 0},
    {"resume", 0, OPT_FLAG, NULL, NULL,
     "continue from MODEL's last completed epoch (starts afresh if MODEL does not exist)", 1, 0, 0},
    {"m1", 0, OPT_STRING, "VAE", NULL,
     "M1+M2: train on the posterior means of this VAE (from gmdl vae train; dimensions with sd > "
     "0.1 kept) with a Gaussian p(x|y,z)",
     1, 0, 0},
    {"eval-every", 0, OPT_INT, "E", "0",
     "also report the test error every E epochs (0: at the end)", 0, 1000000, 0},
};
static const cli_cmd cmd = {
    "ssvae train",
    "gmdl ssvae train [--data DIR] --labels L [--epochs N] [--threads T] --out MODEL [--json]",
    "Trains the semi-supervised VAE M2 (Kingma et al. 2014): q(y|x), q(z|x,y), p(x|y,z) with one\n"
    "hidden ReLU layer each, the unlabelled images' bound summed over every class, and the\n"
    "classification term weighted by alpha = A N; images binarised at 0.5. Reports the test error\n"
    "of q(y|x) and the test bound -U(x) (nats per image). With --m1 VAE, M2 runs on the VAE's\n"
    "posterior means (M1+M2). JSON keys: test_error, test_elbo, labels, epochs,\n"
    "seconds_per_epoch, classifier_only, m1_dims, history (epoch, test_error), model.",
    opts,
    sizeof opts / sizeof opts[0],
    0,
    0};

#define V(name) OPTV(&cmd, v, name)

static gmdl_status open_model(
    gmdl_ssvae **out, const cli_val *v, const gmdl_dataset *tr, int *resumed, gmdl_err *err) {
    gmdl_ssvae_config c = gmdl_ssvae_config_default();
    c.input = (int)tr->dim;
    c.classes = (int)V("classes")->i;
    c.hidden = (int)V("hidden")->i;
    c.latent = (int)V("latent")->i;
    c.batch = (int)V("batch")->i;
    c.lr = V("lr")->d;
    c.alpha = V("alpha")->d;
    c.classifier_only = (int)V("classifier-only")->i;
    c.seed = (uint64_t)V("seed")->i;
    c.gaussian = V("m1")->s != NULL;
    struct stat st;
    *resumed = 0;
    if (V("resume")->i && stat(V("out")->s, &st) == 0) {
        gmdl_status s = gmdl_ssvae_load(out, V("out")->s, err);
        if (s)
            return s;
        const gmdl_ssvae_config *h = gmdl_ssvae_get_config(*out);
        if (h->input != c.input || h->classes != c.classes || h->hidden != c.hidden ||
            h->latent != c.latent || h->batch != c.batch || h->lr != c.lr || h->alpha != c.alpha ||
            h->classifier_only != c.classifier_only || h->seed != c.seed ||
            h->gaussian != c.gaussian) {
            gmdl_ssvae_destroy(*out);
            *out = NULL;
            snprintf(err->msg, sizeof err->msg,
                     "%.900s: --resume with settings that differ from the file's", V("out")->s);
            return GMDL_EINVAL;
        }
        *resumed = 1;
        return GMDL_OK;
    }
    return gmdl_ssvae_create(out, &c, tr, (size_t)V("labels")->i, err);
}

static void report(const gmdl_ssvae *m,
                   const cli_val *v,
                   double err_,
                   double elbo,
                   double spe,
                   const double *hist,
                   int nh) {
    if (!cli_json()) {
        printf("test error %.4f, test bound %.4f nats per image (%lld labels, %d epochs)\n", err_,
               elbo, V("labels")->i, gmdl_ssvae_epoch(m));
        return;
    }
    json_w j;
    json_init(&j, stdout);
    json_obj_begin(&j, NULL);
    json_num(&j, "test_error", err_);
    json_num(&j, "test_elbo", elbo);
    json_int(&j, "labels", V("labels")->i);
    json_int(&j, "epochs", gmdl_ssvae_epoch(m));
    json_num(&j, "seconds_per_epoch", spe);
    json_bool(&j, "classifier_only", (int)V("classifier-only")->i);
    json_int(&j, "m1_dims", V("m1")->s ? (long long)gmdl_ssvae_get_config(m)->input : 0);
    json_arr_begin(&j, "history");
    for (int i = 0; i < nh; i++) {
        json_obj_begin(&j, NULL);
        json_int(&j, "epoch", (long long)hist[2 * i]);
        json_num(&j, "test_error", hist[2 * i + 1]);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_str(&j, "model", V("out")->s);
    json_finish(&j);
}

static int
train_loop(gmdl_ssvae *m, const cli_val *v, const gmdl_dataset *tr, const gmdl_dataset *te) {
    gmdl_err err = {{0}};
    const int N = (int)V("epochs")->i, every = (int)V("eval-every")->i;
    double *hist = calloc(2 * (size_t)N + 2, sizeof(double)), loss, sec, tsum = 0.0, e, b;
    int nh = 0, ns = 0;
    gmdl_status s = hist ? GMDL_OK : GMDL_ENOMEM;
    while (!s && gmdl_ssvae_epoch(m) < N) {
        s = gmdl_ssvae_train_epoch(&loss, &sec, m, tr, &err);
        if (!s)
            s = gmdl_ssvae_save(m, V("out")->s, &err);
        if (s)
            break;
        tsum += sec;
        ns++;
        int ep = gmdl_ssvae_epoch(m);
        if (every && ep % every == 0 && ep < N) {
            s = gmdl_ssvae_evaluate(&e, NULL, m, te, &err);
            hist[2 * nh] = ep;
            hist[2 * nh++ + 1] = e;
            cli_note("gmdl ssvae train: epoch %d/%d  loss %.4f  %.2f s  test error %.4f\n", ep, N,
                     loss, sec, e);
        } else
            cli_note("gmdl ssvae train: epoch %d/%d  loss %.4f  %.2f s\n", ep, N, loss, sec);
    }
    if (!s && gmdl_ssvae_epoch(m) == 0)
        s = gmdl_ssvae_save(m, V("out")->s, &err);
    if (!s)
        s = gmdl_ssvae_evaluate(&e, &b, m, te, &err);
    if (!s) {
        hist[2 * nh] = gmdl_ssvae_epoch(m);
        hist[2 * nh++ + 1] = e;
        report(m, v, e, b, ns ? tsum / ns : (double)NAN, hist, nh);
    }
    free(hist);
    return s ? cli_fail("ssvae train", s, &err) : 0;
}

/* M1+M2: replaces the image sets by the posterior means of the VAE at path. */
static gmdl_status
m1_features(gmdl_dataset *tr, gmdl_dataset *te, const char *path, gmdl_err *err) {
    gmdl_vae *vae = NULL;
    gmdl_status s = gmdl_vae_load(&vae, path, err);
    if (s)
        return s;
    gmdl_dataset ftr, fte;
    size_t kept = 0;
    s = gmdl_ssvae_m1_features(&ftr, &fte, &kept, vae, tr, te, 0.1, err);
    gmdl_vae_destroy(vae);
    if (s)
        return s;
    gmdl_dataset_fini(tr);
    gmdl_dataset_fini(te);
    *tr = ftr;
    *te = fte;
    cli_note("gmdl ssvae train: M1 features from %s: %zu latent dimensions\n", path, kept);
    return GMDL_OK;
}

static int ssvae_train(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    int npos, rc = cli_parse(&cmd, argc, argv, v, NULL, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!V("out")->s || !V("labels")->set) {
        fprintf(stderr, "gmdl ssvae train: --labels L and --out MODEL are required\n");
        return 2;
    }
    cli_threads(V("threads")->i);
    gmdl_err err = {{0}};
    gmdl_dataset tr, te;
    int K = (int)V("classes")->i;
    gmdl_status s = gmdl_dataset_load_dir(&tr, V("data")->s, 0, K, &err);
    if (s)
        return cli_fail("ssvae train", s, &err);
    s = gmdl_dataset_load_dir(&te, V("data")->s, 1, K, &err);
    if (s) {
        gmdl_dataset_fini(&tr);
        return cli_fail("ssvae train", s, &err);
    }
    if (V("m1")->s)
        s = m1_features(&tr, &te, V("m1")->s, &err);
    if (s) {
        gmdl_dataset_fini(&tr);
        gmdl_dataset_fini(&te);
        return cli_fail("ssvae train", s, &err);
    }
    gmdl_ssvae *m = NULL;
    int resumed = 0;
    s = open_model(&m, v, &tr, &resumed, &err);
    if (s)
        rc = cli_fail("ssvae train", s, &err);
    else {
        if (resumed)
            cli_note("gmdl ssvae train: resuming %s after epoch %d\n", V("out")->s,
                     gmdl_ssvae_epoch(m));
        rc = train_loop(m, v, &tr, &te);
    }
    gmdl_ssvae_destroy(m);
    gmdl_dataset_fini(&tr);
    gmdl_dataset_fini(&te);
    return rc;
}

#define SSVAE_USAGE                                                                                \
    "usage: gmdl ssvae SUBCOMMAND [options]   (gmdl ssvae SUBCOMMAND --help for details)\n\n"      \
    "The semi-supervised VAE (M2) on IDX images with a few labels.\n\nsubcommands:\n"              \
    "  train    train M2 (or, with --classifier-only, its classifier alone); test error\n"

int cmd_ssvae(int argc, char **argv) {
    if (argc < 1) {
        fputs(SSVAE_USAGE, stderr);
        return 2;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(SSVAE_USAGE, stdout);
        return 0;
    }
    if (strcmp(argv[0], "train") == 0)
        return ssvae_train(argc - 1, argv + 1);
    fprintf(stderr, "gmdl ssvae: unknown subcommand '%s' (train)\n", argv[0]);
    return 2;
}
