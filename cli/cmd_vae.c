/* gmdl vae train | sample | encode: the variational autoencoder on binarised IDX images. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static gmdl_status einval(gmdl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static gmdl_status einval(gmdl_err *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return GMDL_EINVAL;
}

static const cli_opt train_opts[] = {
    {"data", 0, OPT_STRING, "DIR", GMDL_DEFAULT_DATA,
     "folder with the four IDX files (train-/t10k-, images/labels, optionally .gz)", 1, 0, 0},
    {"latent", 0, OPT_INT, "D", "20", "latent dimensions", 1, 4096, 0},
    {"hidden", 0, OPT_INT, "H", "400", "hidden ReLU units of the encoder and of the decoder", 1,
     65536, 0},
    {"binarize", 0, OPT_STRING, "MODE", "fixed",
     "fixed (pixel/255 > 0.5) or dynamic (x ~ Bernoulli(pixel/255) at every step)", 1, 0, 0},
    {"epochs", 0, OPT_INT, "N", "10", "epochs in all (a resumed run continues up to N)", 0, 1000000,
     0},
    {"batch", 0, OPT_INT, "B", "100", "minibatch size", 1, 65536, 0},
    {"lr", 0, OPT_DOUBLE, "LR", "0.001", "Adam learning rate", 1e-12, 1e3, 0},
    {"test-passes", 0, OPT_INT, "P", "10",
     "passes of the single-sample test ELBO that are averaged", 1, 100000, 0},
    {"is-samples", 0, OPT_INT, "K", "0",
     "importance samples per test image for the estimate of log p(x) (0: none; 5000 as Burda et "
     "al.)",
     0, 16777216, 0},
    {"is-images", 0, OPT_INT, "N", "0",
     "importance-weighted estimate on the first N test images only (0: all)", 0, 1e9, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed (weights, order, noise)", 0, 9.2e18, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores)", 0, 1024, 0},
    {"out", 'o', OPT_STRING, "MODEL", NULL, "VAE file to write (atomically, after every epoch)", 1,
     0, 0},
    {"resume", 0, OPT_FLAG, NULL, NULL,
     "continue from MODEL's last completed epoch (starts afresh if MODEL does not exist)", 1, 0, 0},
    {"samples-png", 0, OPT_STRING, "FILE", NULL, "PNG grid of 64 images decoded from z ~ N(0, I)",
     1, 0, 0},
    {"recon-png", 0, OPT_STRING, "FILE", NULL,
     "PNG of 32 test images (odd rows) over their reconstructions at the posterior mean", 1, 0, 0},
};
static const cli_cmd train_cmd = {
    "vae train",
    "gmdl vae train [--data DIR] [--latent D] [--hidden H] [--binarize fixed|dynamic] [--epochs N] "
    "[--is-samples K] [--threads T] --out MODEL [--json]",
    "Trains a VAE (Gaussian q(z|x), Bernoulli decoder, one hidden ReLU layer each side, prior "
    "N(0, I)) on the binarised training images with the reparameterisation trick and Adam; the\n"
    "defaults are the PyTorch reference's (784-400-20, lr 1e-3, batch 100, fixed binarisation).\n"
    "Reports the test ELBO (mean over test images of the single-sample ELBO, averaged over the\n"
    "passes; nats per image) and, with --is-samples, the importance-weighted log p(x). With\n"
    "--resume and --epochs no more than the file's, it only evaluates the saved model.\n"
    "JSON keys: test_elbo, seconds_per_epoch (median of this run's epochs), epoch_seconds,\n"
    "train_neg_elbo, test_loglik_is (with --is-samples), is_seconds, epochs, model.",
    train_opts,
    sizeof train_opts / sizeof train_opts[0],
    0,
    0};

#define V(name) OPTV(&train_cmd, v, name)

static gmdl_status
open_vae(gmdl_vae **out, const cli_val *v, size_t dim, int *resumed, gmdl_err *err) {
    gmdl_vae_config c = gmdl_vae_config_default();
    if (dim > (1u << 20))
        return einval(err, "images of %zu pixels are too large", dim);
    c.input = (int)dim;
    c.latent = (int)V("latent")->i;
    c.hidden = (int)V("hidden")->i;
    c.batch = (int)V("batch")->i;
    c.lr = V("lr")->d;
    c.seed = (uint64_t)V("seed")->i;
    const char *b = V("binarize")->s;
    if (strcmp(b, "fixed") != 0 && strcmp(b, "dynamic") != 0)
        return einval(err, "--binarize must be fixed or dynamic, got '%s'", b);
    c.binarize = strcmp(b, "dynamic") == 0 ? GMDL_BINARIZE_DYNAMIC : GMDL_BINARIZE_FIXED;
    struct stat st;
    *resumed = 0;
    if (V("resume")->i && stat(V("out")->s, &st) == 0) {
        gmdl_status s = gmdl_vae_load(out, V("out")->s, err);
        if (s)
            return s;
        const gmdl_vae_config *h = gmdl_vae_get_config(*out);
        if (h->input != c.input || h->latent != c.latent || h->hidden != c.hidden ||
            h->batch != c.batch || h->lr != c.lr || h->seed != c.seed ||
            h->binarize != c.binarize) {
            gmdl_vae_destroy(*out);
            *out = NULL;
            return einval(err,
                          "%s: --resume with settings that differ from the file's "
                          "(input, latent, hidden, batch, lr, seed, binarize)",
                          V("out")->s);
        }
        *resumed = 1;
        return GMDL_OK;
    }
    return gmdl_vae_create(out, &c, err);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int is_progress(size_t done, size_t total, void *user) {
    (void)user;
    cli_note("gmdl vae train: importance sampling %zu/%zu images\n", done, total);
    return 0;
}

/* Image side lengths for a grid of D-pixel images: the data set's, else square, else 1 x D. */
static void image_shape(int D, const gmdl_dataset *ds, int *h, int *w) {
    if (ds && ds->dim == (size_t)D && ds->c == 1) {
        *h = ds->h;
        *w = ds->w;
        return;
    }
    int r = 1;
    while ((r + 1) * (r + 1) <= D)
        r++;
    *h = r * r == D ? r : 1;
    *w = r * r == D ? r : D;
}

static gmdl_status samples_png(
    gmdl_vae *m, const char *path, int n, uint64_t seed, const gmdl_dataset *ds, gmdl_err *err) {
    const gmdl_vae_config *c = gmdl_vae_get_config(m);
    float *z = malloc((size_t)n * (size_t)c->latent * sizeof(float)),
          *x = malloc((size_t)n * (size_t)c->input * sizeof(float));
    gmdl_status s = z && x ? GMDL_OK : GMDL_ENOMEM;
    if (!s) {
        gmdl_rng r;
        gmdl_rng_derive(&r, seed, GMDL_RNG_SAMPLING, 0);
        gmdl_rng_normal_fill(&r, z, (size_t)n * (size_t)c->latent);
        s = gmdl_vae_decode(x, m, z, (size_t)n, err);
    }
    int h, w;
    image_shape(c->input, ds, &h, &w);
    if (!s)
        s = gmdl_png_image_grid(path, x, (size_t)n, h, w, 8, 2, err);
    free(z);
    free(x);
    return s;
}

/* 32 test images in rows of 8, each row followed by the reconstructions at the posterior mean. */
static gmdl_status recon_png(gmdl_vae *m, const char *path, const gmdl_dataset *ds, gmdl_err *err) {
    const gmdl_vae_config *c = gmdl_vae_get_config(m);
    const size_t n = (ds->n < 32 ? ds->n : 32) & ~(size_t)7, D = (size_t)c->input,
                 L = (size_t)c->latent;
    if (n == 0)
        return einval(err, "--recon-png needs at least 8 test images");
    float *mu = malloc(n * L * sizeof(float)), *rec = malloc(n * D * sizeof(float)),
          *grid = malloc(2 * n * D * sizeof(float));
    gmdl_status s = mu && rec && grid ? GMDL_OK : GMDL_ENOMEM;
    if (!s)
        s = gmdl_vae_encode(mu, NULL, m, ds->x, n, err);
    if (!s)
        s = gmdl_vae_decode(rec, m, mu, n, err);
    for (size_t i = 0; !s && i < n; i++) {
        size_t row = i / 8, col = i % 8;
        for (size_t d = 0; d < D; d++) {
            grid[((2 * row) * 8 + col) * D + d] = ds->x[i * D + d] > 0.5f ? 1.0f : 0.0f;
            grid[((2 * row + 1) * 8 + col) * D + d] = rec[i * D + d];
        }
    }
    int h, w;
    image_shape(c->input, ds, &h, &w);
    if (!s)
        s = gmdl_png_image_grid(path, grid, 2 * n, h, w, 8, 2, err);
    free(mu);
    free(rec);
    free(grid);
    return s;
}

static void report(const gmdl_vae *m,
                   const cli_val *v,
                   const double *secs,
                   int ns,
                   double train_loss,
                   double elbo,
                   double ll,
                   double is_secs) {
    double med = NAN;
    if (ns > 0) {
        double *tmp = malloc((size_t)ns * sizeof(double));
        if (tmp) {
            memcpy(tmp, secs, (size_t)ns * sizeof(double));
            qsort(tmp, (size_t)ns, sizeof(double), cmp_d);
            med = ns % 2 ? tmp[ns / 2] : 0.5 * (tmp[ns / 2 - 1] + tmp[ns / 2]);
            free(tmp);
        }
    }
    if (!cli_json()) {
        printf("test ELBO %.4f nats per image", elbo);
        if (V("is-samples")->i > 0)
            printf(", importance-weighted log p(x) %.4f (K = %lld)", ll, V("is-samples")->i);
        printf("; %.3f s per epoch (median of %d)\n", med, ns);
        return;
    }
    json_w j;
    json_init(&j, stdout);
    json_obj_begin(&j, NULL);
    json_num(&j, "test_elbo", elbo);
    json_num(&j, "seconds_per_epoch", med);
    json_arr_begin(&j, "epoch_seconds");
    for (int i = 0; i < ns; i++)
        json_num(&j, NULL, secs[i]);
    json_arr_end(&j);
    json_num(&j, "train_neg_elbo", train_loss);
    if (V("is-samples")->i > 0) {
        json_num(&j, "test_loglik_is", ll);
        json_int(&j, "is_samples", V("is-samples")->i);
        json_int(&j, "is_images", V("is-images")->i);
        json_num(&j, "is_seconds", is_secs);
    }
    json_int(&j, "epochs", gmdl_vae_epoch(m));
    json_int(&j, "latent", gmdl_vae_get_config(m)->latent);
    json_int(&j, "hidden", gmdl_vae_get_config(m)->hidden);
    json_int(&j, "seed", V("seed")->i);
    json_str(&j, "model", V("out")->s);
    json_finish(&j);
}

static int
train_loop(gmdl_vae *m, const cli_val *v, const gmdl_dataset *tr, const gmdl_dataset *te) {
    gmdl_err err = {{0}};
    const int N = (int)V("epochs")->i;
    double *secs = calloc((size_t)N + 1, sizeof(double)), loss = NAN;
    int ns = 0;
    if (!secs)
        return cli_fail("vae train", GMDL_ENOMEM, NULL);
    gmdl_status s = GMDL_OK;
    while (!s && gmdl_vae_epoch(m) < N) {
        s = gmdl_vae_train_epoch(&loss, &secs[ns], m, tr, &err);
        if (!s)
            s = gmdl_vae_save(m, V("out")->s, &err);
        if (!s)
            cli_note("gmdl vae train: epoch %d/%d  train -ELBO %.4f  %.3f s\n", gmdl_vae_epoch(m),
                     N, loss, secs[ns]);
        ns += !s;
    }
    if (!s && gmdl_vae_epoch(m) == 0)
        s = gmdl_vae_save(m, V("out")->s, &err);
    double elbo = NAN, ll = NAN, t0 = cli_now(), is_secs = 0.0;
    if (!s)
        s = gmdl_vae_test_elbo(&elbo, m, te, (int)V("test-passes")->i, &err);
    if (!s && V("is-samples")->i > 0) {
        gmdl_dataset sub = *te;
        size_t lim = (size_t)V("is-images")->i;
        sub.n = lim && lim < sub.n ? lim : sub.n;
        s = gmdl_vae_loglik_is(&ll, m, &sub, (int)V("is-samples")->i,
                               cli_quiet() ? NULL : is_progress, NULL, &err);
        is_secs = cli_now() - t0;
    }
    if (!s && V("samples-png")->s)
        s = samples_png(m, V("samples-png")->s, 64, (uint64_t)V("seed")->i, te, &err);
    if (!s && V("recon-png")->s)
        s = recon_png(m, V("recon-png")->s, te, &err);
    if (!s)
        report(m, v, secs, ns, loss, elbo, ll, is_secs);
    free(secs);
    return s ? cli_fail("vae train", s, &err) : 0;
}

static int vae_train(int argc, char **argv) {
    cli_val v[sizeof train_opts / sizeof train_opts[0]];
    int npos, rc = cli_parse(&train_cmd, argc, argv, v, NULL, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!V("out")->s) {
        fprintf(stderr, "gmdl vae train: --out MODEL is required\n");
        return 2;
    }
    cli_threads(V("threads")->i);
    gmdl_err err = {{0}};
    gmdl_dataset tr, te;
    gmdl_status s = gmdl_dataset_load_dir(&tr, V("data")->s, 0, 256, &err);
    if (s)
        return cli_fail("vae train", s, &err);
    s = gmdl_dataset_load_dir(&te, V("data")->s, 1, 256, &err);
    if (s) {
        gmdl_dataset_fini(&tr);
        return cli_fail("vae train", s, &err);
    }
    gmdl_vae *m = NULL;
    int resumed = 0;
    s = tr.dim == te.dim ? open_vae(&m, v, tr.dim, &resumed, &err)
                         : einval(&err, "%s: training images have %zu pixels, test images %zu",
                                  V("data")->s, tr.dim, te.dim);
    if (s)
        rc = cli_fail("vae train", s, &err);
    else {
        if (resumed)
            cli_note("gmdl vae train: resuming %s after epoch %d\n", V("out")->s,
                     gmdl_vae_epoch(m));
        rc = train_loop(m, v, &tr, &te);
    }
    gmdl_vae_destroy(m);
    gmdl_dataset_fini(&tr);
    gmdl_dataset_fini(&te);
    return rc;
}
#undef V

static const cli_opt sample_opts[] = {
    {"n", 'n', OPT_INT, "N", "64", "images to draw", 1, 65536, 0},
    {"cols", 0, OPT_INT, "C", "8", "columns of the grid", 1, 1024, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed of the latent draws", 0, 9.2e18, 0},
    {"png", 0, OPT_STRING, "FILE", NULL, "PNG grid to write (required)", 1, 0, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores)", 0, 1024, 0},
};
static const cli_cmd sample_cmd = {
    "vae sample",
    "gmdl vae sample MODEL --png FILE [--n N] [--cols C] [--seed S] [--json]",
    "Draws z ~ N(0, I), decodes it and writes the Bernoulli means as a PNG grid (black = 1).\n"
    "JSON keys: n, latent, png, mean_pixel (mean of the drawn images' pixel probabilities).",
    sample_opts,
    sizeof sample_opts / sizeof sample_opts[0],
    1,
    1};

static int vae_sample(int argc, char **argv) {
    cli_val v[sizeof sample_opts / sizeof sample_opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&sample_cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *png = OPTV(&sample_cmd, v, "png")->s;
    if (!png) {
        fprintf(stderr, "gmdl vae sample: --png FILE is required\n");
        return 2;
    }
    cli_threads(OPTV(&sample_cmd, v, "threads")->i);
    gmdl_err err = {{0}};
    gmdl_vae *m;
    gmdl_status s = gmdl_vae_load(&m, pos[0], &err);
    if (s)
        return cli_fail("vae sample", s, &err);
    const gmdl_vae_config *c = gmdl_vae_get_config(m);
    size_t n = (size_t)OPTV(&sample_cmd, v, "n")->i, D = (size_t)c->input;
    float *z = malloc(n * (size_t)c->latent * sizeof(float)), *x = malloc(n * D * sizeof(float));
    s = z && x ? GMDL_OK : GMDL_ENOMEM;
    if (!s) {
        gmdl_rng r;
        gmdl_rng_derive(&r, (uint64_t)OPTV(&sample_cmd, v, "seed")->i, GMDL_RNG_SAMPLING, 0);
        gmdl_rng_normal_fill(&r, z, n * (size_t)c->latent);
        s = gmdl_vae_decode(x, m, z, n, &err);
    }
    int h, w;
    image_shape(c->input, NULL, &h, &w);
    if (!s)
        s = gmdl_png_image_grid(png, x, n, h, w, (int)OPTV(&sample_cmd, v, "cols")->i, 2, &err);
    double mean = 0.0;
    for (size_t i = 0; !s && i < n * D; i++)
        mean += (double)x[i] / (double)(n * D);
    if (!s && cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_int(&j, "n", (long long)n);
        json_int(&j, "latent", c->latent);
        json_str(&j, "png", png);
        json_num(&j, "mean_pixel", mean);
        json_finish(&j);
    } else if (!s)
        printf("wrote %zu samples to %s\n", n, png);
    free(z);
    free(x);
    gmdl_vae_destroy(m);
    return s ? cli_fail("vae sample", s, &err) : 0;
}

static const cli_opt encode_opts[] = {
    {"data", 0, OPT_STRING, "DIR", GMDL_DEFAULT_DATA, "folder with the IDX files", 1, 0, 0},
    {"split", 0, OPT_STRING, "SET", "test", "test (t10k-*) or train images", 1, 0, 0},
    {"n", 'n', OPT_INT, "N", "0", "encode the first N images only (0: all)", 0, 1e9, 0},
    {"out", 'o', OPT_STRING, "FILE", NULL, "CSV of label and posterior means mu_1..mu_D", 1, 0, 0},
    {"png", 0, OPT_STRING, "FILE", NULL,
     "PNG of the posterior means coloured by label (latent dimensions 1 and 2)", 1, 0, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores)", 0, 1024, 0},
};
static const cli_cmd encode_cmd = {
    "vae encode",
    "gmdl vae encode MODEL [--data DIR] [--split test|train] [--out FILE.csv] [--png MAP.png] "
    "[--json]",
    "Encodes images to their posterior means; writes them as CSV (label, mu_1, ..., mu_D) and, "
    "for\n"
    "the first two latent dimensions, a scatter plot coloured by label (the latent map of a 2-D\n"
    "VAE). JSON keys: n, latent, mean_abs_mu, out, png.",
    encode_opts,
    sizeof encode_opts / sizeof encode_opts[0],
    1,
    1};

static gmdl_status
write_csv(const char *path, const float *mu, const int32_t *y, size_t n, int L, gmdl_err *err) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err->msg, sizeof err->msg, "%.900s: cannot write", tmp);
        return GMDL_EIO;
    }
    fprintf(f, "label");
    for (int j = 0; j < L; j++)
        fprintf(f, ",mu%d", j + 1);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%d", (int)y[i]);
        for (int j = 0; j < L; j++)
            fprintf(f, ",%.7g", (double)mu[i * (size_t)L + (size_t)j]);
        fputc('\n', f);
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        snprintf(err->msg, sizeof err->msg, "%.900s: cannot write", path);
        return GMDL_EIO;
    }
    return GMDL_OK;
}

static gmdl_status
latent_map(const char *path, const float *mu, const int32_t *y, size_t n, int L, gmdl_err *err) {
    static const uint32_t pal[10] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                     0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
    static const char *names[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < 2; d++) {
            double t = L > d ? (double)mu[i * (size_t)L + (size_t)d] : 0.0;
            lo[d] = t < lo[d] ? t : lo[d];
            hi[d] = t > hi[d] ? t : hi[d];
        }
    for (int d = 0; d < 2; d++)
        if (!(hi[d] > lo[d])) {
            lo[d] -= 1.0;
            hi[d] += 1.0;
        }
    gmdl_plot *p;
    gmdl_status s = gmdl_plot_create(&p, 720, 640, 1, 1, err);
    if (s)
        return s;
    s = gmdl_plot_axes(p, 0, "VAE latent means by label", "mu_1", L > 1 ? "mu_2" : "0", lo[0],
                       hi[0], lo[1], hi[1], 0);
    double *px = malloc(n * sizeof(double)), *py = malloc(n * sizeof(double));
    for (int k = 0; !s && px && py && k < 10; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (y[i] % 10 == k) {
                px[m] = (double)mu[i * (size_t)L];
                py[m++] = L > 1 ? (double)mu[i * (size_t)L + 1] : 0.0;
            }
        gmdl_plot_points(p, px, py, m, pal[k], 0.5, 1.5);
    }
    if (!s)
        gmdl_plot_legend(p, names, pal, 10);
    if (!s)
        s = px && py ? gmdl_plot_save_png(p, path, err) : GMDL_ENOMEM;
    free(px);
    free(py);
    gmdl_plot_destroy(p);
    return s;
}

static int vae_encode(int argc, char **argv) {
    cli_val v[sizeof encode_opts / sizeof encode_opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&encode_cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *split = OPTV(&encode_cmd, v, "split")->s, *out = OPTV(&encode_cmd, v, "out")->s,
               *png = OPTV(&encode_cmd, v, "png")->s;
    if (strcmp(split, "test") != 0 && strcmp(split, "train") != 0) {
        fprintf(stderr, "gmdl vae encode: --split must be test or train, got '%s'\n", split);
        return 2;
    }
    cli_threads(OPTV(&encode_cmd, v, "threads")->i);
    gmdl_err err = {{0}};
    gmdl_vae *m;
    gmdl_status s = gmdl_vae_load(&m, pos[0], &err);
    if (s)
        return cli_fail("vae encode", s, &err);
    gmdl_dataset ds;
    memset(&ds, 0, sizeof ds);
    s = gmdl_dataset_load_dir(&ds, OPTV(&encode_cmd, v, "data")->s, strcmp(split, "test") == 0, 256,
                              &err);
    if (!s && ds.dim != (size_t)gmdl_vae_get_config(m)->input)
        s = einval(&err, "the images have %zu pixels but the VAE expects %d", ds.dim,
                   gmdl_vae_get_config(m)->input);
    const int L = gmdl_vae_get_config(m)->latent;
    size_t n = s ? 0 : ds.n, lim = (size_t)OPTV(&encode_cmd, v, "n")->i;
    n = lim && lim < n ? lim : n;
    float *mu = s ? NULL : malloc((n ? n : 1) * (size_t)L * sizeof(float));
    if (!s && !mu)
        s = GMDL_ENOMEM;
    if (!s)
        s = gmdl_vae_encode(mu, NULL, m, ds.x, n, &err);
    if (!s && out)
        s = write_csv(out, mu, ds.y, n, L, &err);
    if (!s && png)
        s = latent_map(png, mu, ds.y, n, L, &err);
    double mabs = 0.0;
    for (size_t i = 0; !s && i < n * (size_t)L; i++)
        mabs += fabs((double)mu[i]) / (double)(n * (size_t)L);
    if (!s && cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_int(&j, "n", (long long)n);
        json_int(&j, "latent", L);
        json_num(&j, "mean_abs_mu", mabs);
        json_str(&j, "out", out ? out : "");
        json_str(&j, "png", png ? png : "");
        json_finish(&j);
    } else if (!s)
        printf("encoded %zu images (latent %d)\n", n, L);
    free(mu);
    gmdl_dataset_fini(&ds);
    gmdl_vae_destroy(m);
    return s ? cli_fail("vae encode", s, &err) : 0;
}

#define VAE_USAGE                                                                                  \
    "usage: gmdl vae SUBCOMMAND [options]   (gmdl vae SUBCOMMAND --help for details)\n\n"          \
    "The variational autoencoder on binarised IDX images.\n\nsubcommands:\n"                       \
    "  train    train a VAE; test ELBO, importance-weighted log p(x), PNG grids\n"                 \
    "  sample   decode draws from the prior into a PNG grid\n"                                     \
    "  encode   posterior means of images as CSV; the latent map coloured by label\n"

int cmd_vae(int argc, char **argv) {
    if (argc < 1) {
        fputs(VAE_USAGE, stderr);
        return 2;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(VAE_USAGE, stdout);
        return 0;
    }
    if (strcmp(argv[0], "train") == 0)
        return vae_train(argc - 1, argv + 1);
    if (strcmp(argv[0], "sample") == 0)
        return vae_sample(argc - 1, argv + 1);
    if (strcmp(argv[0], "encode") == 0)
        return vae_encode(argc - 1, argv + 1);
    fprintf(stderr, "gmdl vae: unknown subcommand '%s' (train, sample, encode)\n", argv[0]);
    return 2;
}
