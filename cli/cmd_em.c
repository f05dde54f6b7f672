/* gmdl em gmm|bernoulli: mixtures by EM (Gaussian on CSV columns, Bernoulli on binarized IDX
 * images), with the log-likelihood per iteration, BIC and a PNG of the fit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *EM_USAGE = "usage: gmdl em SUBCOMMAND [options]\n\n"
                              "Mixture models fitted by EM (coordinate ascent on the free "
                              "energy; the log-likelihood never decreases).\n\n"
                              "subcommands:\n"
                              "  gmm        Gaussian mixture on the numeric columns of a CSV\n"
                              "  bernoulli  Bernoulli mixture on binarized IDX images\n\n"
                              "See 'gmdl em SUBCOMMAND --help'.\n";

/* ------------------------------------------------------------------ gmm */

static const cli_opt gmm_opts[] = {
    {"data", 0, OPT_STRING, "FILE.csv", NULL, "points, one per row, with a header row", 0, -1, 0},
    {"k", 'k', OPT_INT, "K", NULL, "number of components", 1, 1000, 0},
    {"x", 0, OPT_STRING, "COLS", NULL, "columns to use, comma separated (default all)", 0, -1, 0},
    {"cov", 0, OPT_STRING, "TYPE", "full", "covariance: full, diag or tied (shared)", 0, -1, 0},
    {"restarts", 0, OPT_INT, "R", "5", "k-means++ starts; the best fit is kept", 1, 10000, 0},
    {"max-iter", 0, OPT_INT, "N", "1000", "EM iterations per start at most", 1, 1e7, 0},
    {"tol", 0, OPT_DOUBLE, "T", "1e-12",
     "stop when the log-likelihood gains less than T x (1 + |loglik|)", 0, 1, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed of the starts", 0, 1.8e19, 0},
    {"plot", 0, OPT_STRING, "FILE.png", NULL,
     "PNG of the fit: histogram and density (1-D), points and 1/2-sigma ellipses (2-D or more: "
     "the first two columns)",
     0, -1, 0},
};
static const cli_cmd gmm_cmd = {
    "em gmm",
    "gmdl em gmm --data FILE.csv -k K [--x COL1,COL2,...] [--cov full|diag|tied] [--restarts R] "
    "[--plot FILE.png] [--json]",
    "Fits a K-component Gaussian mixture by EM from k-means++ starts. Prints the weights, means, "
    "covariances (standard deviations in 1-D), the log-likelihood and BIC. JSON keys: loglik (per "
    "iteration of the kept start), weights, means, covariances, bic, params, n, iterations, "
    "restart, floored.",
    gmm_opts,
    sizeof gmm_opts / sizeof gmm_opts[0],
    0,
    0};

/* Column indices from "A,B" (or all columns); -1 after printing the error. */
static long pick_columns(const gmdl_csv *csv, const char *list, size_t *cols) {
    if (!list) {
        for (size_t c = 0; c < csv->ncols; c++)
            cols[c] = c;
        return (long)csv->ncols;
    }
    long n = 0;
    for (const char *p = list;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char name[256];
        if (len == 0 || len >= sizeof name || (size_t)n >= csv->ncols) {
            fprintf(stderr, "gmdl em gmm: bad column list '%s'\n", list);
            return -1;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        int c = gmdl_csv_find(csv, name);
        if (c < 0) {
            fprintf(stderr, "gmdl em gmm: %s:1: no column '%s' (columns:", csv->path, name);
            for (size_t k = 0; k < csv->ncols; k++)
                fprintf(stderr, " %s", csv->names[k]);
            fprintf(stderr, ")\n");
            return -1;
        }
        cols[n++] = (size_t)c;
        if (!e)
            return n;
        p = e + 1;
    }
}

/* The points (n x d, row-major) from the chosen columns; exit code on failure. */
static int
read_points(const char *path, const char *list, double **x, size_t *n, size_t *d, char ***names) {
    gmdl_csv csv;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_csv_read(&csv, path, &err);
    if (s)
        return cli_fail("em gmm", s, &err);
    size_t *cols = malloc((csv.ncols + 1) * sizeof *cols);
    long nc = cols ? pick_columns(&csv, list, cols) : -1;
    int r = nc < 0 ? 2 : 0;
    if (!r && csv.nrows == 0) {
        fprintf(stderr, "gmdl em gmm: %s: no data rows\n", path);
        r = 2;
    }
    double *col = r ? NULL : malloc(csv.nrows * sizeof *col);
    *x = r ? NULL : malloc(csv.nrows * (size_t)nc * sizeof **x);
    *names = r ? NULL : calloc((size_t)nc, sizeof **names);
    for (long c = 0; c < nc && !r; c++) {
        if (!col || !*x || !*names) {
            r = cli_fail("em gmm", GMDL_ENOMEM, NULL);
            break;
        }
        if ((s = gmdl_csv_column_f64(col, &csv, cols[c], 0, &err))) {
            r = cli_fail("em gmm", s, &err);
            break;
        }
        for (size_t i = 0; i < csv.nrows; i++)
            (*x)[i * (size_t)nc + (size_t)c] = col[i];
        (*names)[c] = strdup(csv.names[cols[c]]);
    }
    *n = csv.nrows;
    *d = nc > 0 ? (size_t)nc : 0;
    free(col);
    free(cols);
    gmdl_csv_fini(&csv);
    return r;
}

static void gmm_json(const gmdl_gmm *g) {
    json_w j;
    size_t k = g->k, d = g->d;
    json_init(&j, stdout);
    json_obj_begin(&j, NULL);
    json_arr_begin(&j, "loglik");
    for (size_t i = 0; i < g->niter; i++)
        json_num(&j, NULL, g->trace[i]);
    json_arr_end(&j);
    json_arr_begin(&j, "weights");
    for (size_t c = 0; c < k; c++)
        json_num(&j, NULL, g->weights[c]);
    json_arr_end(&j);
    json_arr_begin(&j, "means");
    for (size_t c = 0; c < k; c++) {
        json_arr_begin(&j, NULL);
        for (size_t a = 0; a < d; a++)
            json_num(&j, NULL, g->means[c * d + a]);
        json_arr_end(&j);
    }
    json_arr_end(&j);
    json_arr_begin(&j, "covariances");
    for (size_t c = 0; c < k; c++) {
        json_arr_begin(&j, NULL);
        for (size_t a = 0; a < d; a++) {
            json_arr_begin(&j, NULL);
            for (size_t b = 0; b < d; b++)
                json_num(&j, NULL, g->covs[c * d * d + a * d + b]);
            json_arr_end(&j);
        }
        json_arr_end(&j);
    }
    json_arr_end(&j);
    json_num(&j, "bic", g->bic);
    json_int(&j, "params", (long long)g->params);
    json_int(&j, "n", (long long)g->n);
    json_int(&j, "iterations", (long long)g->niter);
    json_int(&j, "restart", g->best_restart);
    json_bool(&j, "floored", g->floored);
    json_finish(&j);
}

static void gmm_text(const gmdl_gmm *g, char **names) {
    size_t d = g->d;
    printf("%zu points, %zu dimension%s (", g->n, d, d > 1 ? "s" : "");
    for (size_t a = 0; a < d; a++)
        printf("%s%s", a ? ", " : "", names[a]);
    printf("), %zu components\n", g->k);
    for (size_t c = 0; c < g->k; c++) {
        printf("  component %zu: weight %.7f  mean", c + 1, g->weights[c]);
        for (size_t a = 0; a < d; a++)
            printf(" %.6f", g->means[c * d + a]);
        printf("  sd");
        for (size_t a = 0; a < d; a++)
            printf(" %.6f", sqrt(g->covs[c * d * d + a * d + a]));
        printf("\n");
    }
    printf("log-likelihood %.6f after %zu iterations (start %d), BIC %.4f with %zu parameters%s\n",
           g->loglik, g->niter, g->best_restart + 1, g->bic, g->params,
           g->floored ? " (variance floor used)" : "");
}

static int em_gmm(int argc, char **argv) {
    cli_val vals[sizeof gmm_opts / sizeof gmm_opts[0]];
    const char *pos[1];
    int npos, r = cli_parse(&gmm_cmd, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    const char *data = OPTV(&gmm_cmd, vals, "data")->s, *cov = OPTV(&gmm_cmd, vals, "cov")->s;
    if (!data || !OPTV(&gmm_cmd, vals, "k")->set) {
        fprintf(stderr, "gmdl em gmm: --data and -k are required\n");
        return 2;
    }
    gmdl_gmm_config cfg = gmdl_gmm_config_default();
    if (strcmp(cov, "full") == 0)
        cfg.cov = GMDL_COV_FULL;
    else if (strcmp(cov, "diag") == 0)
        cfg.cov = GMDL_COV_DIAG;
    else if (strcmp(cov, "tied") == 0)
        cfg.cov = GMDL_COV_TIED;
    else {
        fprintf(stderr, "gmdl em gmm: --cov must be full, diag or tied, not '%s'\n", cov);
        return 2;
    }
    cfg.k = (size_t)OPTV(&gmm_cmd, vals, "k")->i;
    cfg.restarts = (int)OPTV(&gmm_cmd, vals, "restarts")->i;
    cfg.max_iter = (int)OPTV(&gmm_cmd, vals, "max-iter")->i;
    cfg.tol = OPTV(&gmm_cmd, vals, "tol")->d;
    cfg.seed = (uint64_t)OPTV(&gmm_cmd, vals, "seed")->i;
    double *x = NULL;
    size_t n = 0, d = 0;
    char **names = NULL;
    r = read_points(data, OPTV(&gmm_cmd, vals, "x")->s, &x, &n, &d, &names);
    gmdl_gmm g = {0};
    gmdl_err err = {{0}};
    if (!r) {
        gmdl_status s = gmdl_gmm_fit(&g, x, n, d, &cfg, &err);
        r = s ? cli_fail(gmm_cmd.name, s, &err) : 0;
    }
    if (!r && OPTV(&gmm_cmd, vals, "plot")->s)
        r = cli_em_plot_gmm(OPTV(&gmm_cmd, vals, "plot")->s, &g, x, names);
    if (!r && cli_json())
        gmm_json(&g);
    else if (!r)
        gmm_text(&g, names);
    for (size_t a = 0; names && a < d; a++)
        free(names[a]);
    free(names);
    free(x);
    gmdl_gmm_fini(&g);
    return r;
}

/* ------------------------------------------------------------------ bernoulli */

static const cli_opt bmm_opts[] = {
    {"data", 0, OPT_STRING, "DIR", GMDL_DEFAULT_DATA, "IDX folder (train-images/labels)", 0, -1, 0},
    {"k", 'k', OPT_INT, "K", NULL, "number of components", 1, 1000, 0},
    {"n", 'n', OPT_INT, "N", "0", "use the first N training images (0 = all)", 0, 1e9, 0},
    {"restarts", 0, OPT_INT, "R", "1", "random starts; the best fit is kept", 1, 1000, 0},
    {"max-iter", 0, OPT_INT, "N", "100", "EM iterations at most", 1, 1e6, 0},
    {"tol", 0, OPT_DOUBLE, "T", "1e-8",
     "stop when the objective gains less than T x (1 + |objective|)", 0, 1, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed of the starts", 0, 1.8e19, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores)", 0, 4096, 0},
    {"plot", 0, OPT_STRING, "FILE.png", NULL, "PNG grid of the component means", 0, -1, 0},
};
static const cli_cmd bmm_cmd = {
    "em bernoulli",
    "gmdl em bernoulli [--data DIR] -k K [--plot FILE.png] [--json]",
    "Fits a K-component Bernoulli mixture by EM to the training images binarized at pixel/255 > "
    "0.5 (a Beta(1.001, 1.001) prior keeps the pixel means off 0 and 1). JSON keys: loglik (per "
    "iteration: log-likelihood), objective (log-likelihood + log prior, never decreasing), "
    "weights, n, dim, iterations, loglik_per_image.",
    bmm_opts,
    sizeof bmm_opts / sizeof bmm_opts[0],
    0,
    0};

static void bmm_report(const gmdl_bmm *b) {
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_arr_begin(&j, "loglik");
        for (size_t i = 0; i < b->niter; i++)
            json_num(&j, NULL, b->ll_trace[i]);
        json_arr_end(&j);
        json_arr_begin(&j, "objective");
        for (size_t i = 0; i < b->niter; i++)
            json_num(&j, NULL, b->trace[i]);
        json_arr_end(&j);
        json_arr_begin(&j, "weights");
        for (size_t c = 0; c < b->k; c++)
            json_num(&j, NULL, b->weights[c]);
        json_arr_end(&j);
        json_int(&j, "n", (long long)b->n);
        json_int(&j, "dim", (long long)b->d);
        json_int(&j, "iterations", (long long)b->niter);
        json_num(&j, "loglik_per_image", b->loglik / (double)b->n);
        json_finish(&j);
        return;
    }
    printf("%zu images of %zu pixels, %zu components, %zu iterations\n", b->n, b->d, b->k,
           b->niter);
    printf("log-likelihood %.4f (%.4f nats per image)\nweights:", b->loglik,
           b->loglik / (double)b->n);
    for (size_t c = 0; c < b->k; c++)
        printf(" %.4f", b->weights[c]);
    printf("\n");
}

static int em_bernoulli(int argc, char **argv) {
    cli_val vals[sizeof bmm_opts / sizeof bmm_opts[0]];
    const char *pos[1];
    int npos, r = cli_parse(&bmm_cmd, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    if (!OPTV(&bmm_cmd, vals, "k")->set) {
        fprintf(stderr, "gmdl em bernoulli: -k is required\n");
        return 2;
    }
    cli_threads(OPTV(&bmm_cmd, vals, "threads")->i);
    gmdl_bmm_config cfg = gmdl_bmm_config_default();
    cfg.k = (size_t)OPTV(&bmm_cmd, vals, "k")->i;
    cfg.restarts = (int)OPTV(&bmm_cmd, vals, "restarts")->i;
    cfg.max_iter = (int)OPTV(&bmm_cmd, vals, "max-iter")->i;
    cfg.tol = OPTV(&bmm_cmd, vals, "tol")->d;
    cfg.seed = (uint64_t)OPTV(&bmm_cmd, vals, "seed")->i;
    gmdl_dataset ds;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_dataset_load_dir(&ds, OPTV(&bmm_cmd, vals, "data")->s, 0, 256, &err);
    if (s)
        return cli_fail(bmm_cmd.name, s, &err);
    size_t n = ds.n;
    if (OPTV(&bmm_cmd, vals, "n")->i > 0 && (size_t)OPTV(&bmm_cmd, vals, "n")->i < n)
        n = (size_t)OPTV(&bmm_cmd, vals, "n")->i;
    uint8_t *x = malloc(n * ds.dim + 1);
    if (!x) {
        gmdl_dataset_fini(&ds);
        return cli_fail(bmm_cmd.name, GMDL_ENOMEM, NULL);
    }
    for (size_t i = 0; i < n * ds.dim; i++)
        x[i] = ds.x[i] > 0.5f;
    gmdl_bmm b = {0};
    cli_note("gmdl em bernoulli: %zu images, %zu components\n", n, cfg.k);
    s = gmdl_bmm_fit(&b, x, n, ds.dim, &cfg, &err);
    r = s ? cli_fail(bmm_cmd.name, s, &err) : 0;
    if (!r && OPTV(&bmm_cmd, vals, "plot")->s)
        r = cli_em_plot_means(OPTV(&bmm_cmd, vals, "plot")->s, &b, ds.h, ds.w);
    if (!r)
        bmm_report(&b);
    gmdl_bmm_fini(&b);
    free(x);
    gmdl_dataset_fini(&ds);
    return r;
}

int cmd_em(int argc, char **argv) {
    if (argc < 1) {
        fputs(EM_USAGE, stderr);
        return 2;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(EM_USAGE, stdout);
        return 0;
    }
    if (strcmp(argv[0], "gmm") == 0)
        return em_gmm(argc - 1, argv + 1);
    if (strcmp(argv[0], "bernoulli") == 0)
        return em_bernoulli(argc - 1, argv + 1);
    fprintf(stderr, "gmdl em: unknown subcommand '%s' (gmm, bernoulli)\n", argv[0]);
    return 2;
}
