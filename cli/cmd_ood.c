/* gmdl ood: how well a model's predictive uncertainty separates the test images of its own data
 * set from those of another (out-of-distribution) set: AUROC and AUPR by predictive entropy and
 * by mutual information, and their histograms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uq_cli.h"

static const cli_opt opts[] = {
    {"in", 0, OPT_STRING, "DIR", GMDL_DEFAULT_DATA,
     "IDX folder of the in-distribution test images (t10k-*)", 1, 0, 0},
    {"out-data", 0, OPT_STRING, "DIR2", NULL,
     "IDX folder (or one IDX image file) of the out-of-distribution images (required)", 1, 0, 0},
    {"mc", 0, OPT_INT, "S", "0",
     "S posterior samples (needed for the mutual information); refused for a model with nothing "
     "stochastic",
     0, 100000, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed for --mc", 0, 9.2e18, 0},
    {"plot", 0, OPT_STRING, "FILE.png", NULL, "histograms of the scores of both sets", 1, 0, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores)", 0, 1024, 0},
};

static const cli_cmd cmd = {
    "ood",
    "gmdl ood MODEL --in DIR --out-data DIR2 [--mc S] [--plot FILE.png] [--json]",
    "Scores every test image of both sets by predictive entropy and, with --mc, by mutual\n"
    "information (higher: more unlike the training data) and reports how well each score\n"
    "separates the sets, the out-of-distribution images being the positives: AUROC (ties count\n"
    "one half) and AUPR (average precision, equal scores flagged together). JSON keys: auroc,\n"
    "aupr (each an object with entropy and mutual_information, null without --mc), n_in, n_out,\n"
    "mean_entropy_in, mean_entropy_out, mc.",
    opts,
    sizeof opts / sizeof opts[0],
    1,
    1};

/* Entropies and mutual informations of every image of path into h, mi (allocated). */
static int score_set(const char *path,
                     const gmdl_model *m,
                     int mc,
                     uint64_t seed,
                     size_t *n,
                     double **h,
                     double **mi) {
    uq_inputs in;
    int rc = uq_inputs_load(&in, "ood", path, m, 0, 0);
    if (rc)
        return rc;
    *n = in.n;
    *h = malloc(in.n * sizeof(double));
    *mi = malloc(in.n * sizeof(double));
    gmdl_err err = {{0}};
    gmdl_status s = GMDL_ENOMEM;
    if (*h && *mi) {
        gmdl_prediction pr = {NULL, NULL, *h, NULL, *mi};
        s = gmdl_model_predict(&pr, m, in.x, in.n, mc, seed, NULL, &err);
    }
    uq_inputs_fini(&in);
    return s ? cli_fail("ood", s, &err) : 0;
}

static double mean(const double *v, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i] / (double)n;
    return s;
}

static void report(const uq_ood_scores *sc, const double *auroc, const double *aupr, int mc) {
    const char *key[2] = {"entropy", "mutual_information"};
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        for (int t = 0; t < 2; t++) {
            json_obj_begin(&j, t ? "aupr" : "auroc");
            for (int q = 0; q < 2; q++)
                if (q && !mc)
                    json_null(&j, key[q]);
                else
                    json_num(&j, key[q], t ? aupr[q] : auroc[q]);
            json_obj_end(&j);
        }
        json_int(&j, "n_in", (long long)sc->n_in);
        json_int(&j, "n_out", (long long)sc->n_out);
        json_num(&j, "mean_entropy_in", mean(sc->h_in, sc->n_in));
        json_num(&j, "mean_entropy_out", mean(sc->h_out, sc->n_out));
        json_int(&j, "mc", mc);
        json_finish(&j);
        return;
    }
    printf("images         %zu in-distribution, %zu other\n", sc->n_in, sc->n_out);
    printf("mean entropy   %.4f in, %.4f other (nats)\n", mean(sc->h_in, sc->n_in),
           mean(sc->h_out, sc->n_out));
    printf("by entropy     AUROC %.4f  AUPR %.4f\n", auroc[0], aupr[0]);
    if (mc)
        printf("by mutual inf. AUROC %.4f  AUPR %.4f  (%d samples)\n", auroc[1], aupr[1], mc);
}

static int run(const gmdl_model *m, const cli_val *v) {
    const int mc = (int)OPTV(&cmd, v, "mc")->i;
    const uint64_t seed = (uint64_t)OPTV(&cmd, v, "seed")->i;
    uq_ood_scores sc = {0, 0, NULL, NULL, NULL, NULL};
    const char *in_dir = OPTV(&cmd, v, "in")->s, *out_dir = OPTV(&cmd, v, "out-data")->s;
    int rc = score_set(in_dir, m, mc, seed, &sc.n_in, &sc.h_in, &sc.mi_in);
    if (!rc)
        rc = score_set(out_dir, m, mc, seed, &sc.n_out, &sc.h_out, &sc.mi_out);
    double auroc[2] = {0, 0}, aupr[2] = {0, 0};
    gmdl_err err = {{0}};
    for (int q = 0; q < (mc ? 2 : 1) && !rc; q++) {
        const double *a = q ? sc.mi_in : sc.h_in, *b = q ? sc.mi_out : sc.h_out;
        gmdl_status s = gmdl_ood_auroc(&auroc[q], a, sc.n_in, b, sc.n_out, &err);
        if (!s)
            s = gmdl_ood_aupr(&aupr[q], a, sc.n_in, b, sc.n_out, &err);
        if (s)
            rc = cli_fail("ood", s, &err);
    }
    const char *png = OPTV(&cmd, v, "plot")->s;
    if (!rc && png)
        rc = uq_plot_ood(png, &sc, mc ? 2 : 1, in_dir, out_dir);
    if (!rc)
        report(&sc, auroc, aupr, mc);
    free(sc.h_in);
    free(sc.mi_in);
    free(sc.h_out);
    free(sc.mi_out);
    return rc;
}

int cmd_ood(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!OPTV(&cmd, v, "out-data")->s) {
        fprintf(stderr, "gmdl ood: --out-data DIR2 is required\n");
        return 2;
    }
    cli_threads(OPTV(&cmd, v, "threads")->i);
    gmdl_err err = {{0}};
    gmdl_model *m;
    gmdl_status s = gmdl_model_load(&m, pos[0], &err);
    if (!s)
        s = gmdl_model_check_mc(m, (int)OPTV(&cmd, v, "mc")->i, &err);
    if (s) {
        if (m)
            gmdl_model_destroy(m);
        return cli_fail("ood", s, &err);
    }
    gmdl_set_flush_denormals(1);
    rc = run(m, v);
    gmdl_model_destroy(m);
    return rc;
}
