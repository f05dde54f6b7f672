/* gmdl evidence: Bayesian model selection for linear regression with polynomial or RBF features:
 * the closed-form log evidence against the training log-likelihood over increasing complexity
 * (Occam's razor), on a CSV's two columns or on data generated from a cubic. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmdl/plot.h"
#include "uq_cli.h"

static const cli_opt opts[] = {
    {"data", 0, OPT_STRING, "FILE.csv", NULL,
     "CSV with a header; default: n points t = 2x^3 - x + N(0, noise^2), x ~ U(-1, 1)", 1, 0, 0},
    {"x", 0, OPT_STRING, "COL", "x", "input column of --data", 1, 0, 0},
    {"y", 0, OPT_STRING, "COL", "y", "target column of --data", 1, 0, 0},
    {"features", 0, OPT_STRING, "poly|rbf", "poly",
     "polynomial degree c, or c Gaussian bumps (plus a constant)", 1, 0, 0},
    {"max", 0, OPT_INT, "C", "8", "largest complexity (degree or bumps)", 1, 60, 0},
    {"alpha", 0, OPT_DOUBLE, "A", "0.01", "prior precision of the weights", 1e-300, 1e300, 0},
    {"noise", 0, OPT_DOUBLE, "SD", "0.1", "noise sd (beta = 1 / SD^2; also of generated data)",
     1e-150, 1e150, 0},
    {"n", 0, OPT_INT, "N", "40", "points to generate without --data", 1, 10000000, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed of generated data", 0, 9.2e18, 0},
    {"plot", 0, OPT_STRING, "FILE.png", NULL, "log evidence and training log-likelihood", 1, 0, 0},
};

static const cli_cmd cmd = {
    "evidence",
    "gmdl evidence [--data FILE.csv --x COL --y COL] [--features poly|rbf] [--max C] [--alpha A]\n"
    "              [--noise SD] [--plot FILE.png] [--json]",
    "Bayesian linear regression t = phi(x)^T w + noise, w ~ N(0, 1/alpha), noise ~ N(0, SD^2),\n"
    "for every complexity 0..C (rbf: 1..C): the closed-form log evidence ln p(t) (Bishop 2006,\n"
    "eq. 3.86) and the training log-likelihood of the least-squares fit. The evidence peaks where\n"
    "the model is complex enough; the training likelihood keeps rising. JSON keys: models (list\n"
    "of {complexity, params, log_evidence, train_loglik}), best, features, n.",
    opts,
    sizeof opts / sizeof opts[0],
    0,
    0};

static int load(const cli_val *v, double **x, double **t, size_t *n) {
    const char *path = OPTV(&cmd, v, "data")->s;
    if (!path) {
        *n = (size_t)OPTV(&cmd, v, "n")->i;
        *x = malloc(*n * sizeof(double));
        *t = malloc(*n * sizeof(double));
        if (!*x || !*t)
            return cli_fail("evidence", GMDL_ENOMEM, NULL);
        gmdl_rng r;
        gmdl_rng_derive(&r, (uint64_t)OPTV(&cmd, v, "seed")->i, GMDL_RNG_DATA_SYNTH, 0);
        for (size_t i = 0; i < *n; i++) {
            double u = 2.0 * gmdl_rng_uniform(&r) - 1.0;
            (*x)[i] = u;
            (*t)[i] = 2.0 * u * u * u - u + OPTV(&cmd, v, "noise")->d * gmdl_rng_normal(&r);
        }
        return 0;
    }
    gmdl_csv csv;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_csv_read(&csv, path, &err);
    if (s)
        return cli_fail("evidence", s, &err);
    int cx = gmdl_csv_find(&csv, OPTV(&cmd, v, "x")->s),
        cy = gmdl_csv_find(&csv, OPTV(&cmd, v, "y")->s);
    if (cx < 0 || cy < 0 || csv.nrows == 0) {
        fprintf(stderr, "gmdl evidence: %s: no column %s or %s, or no rows\n", path,
                OPTV(&cmd, v, "x")->s, OPTV(&cmd, v, "y")->s);
        gmdl_csv_fini(&csv);
        return 2;
    }
    *n = csv.nrows;
    *x = malloc(*n * sizeof(double));
    *t = malloc(*n * sizeof(double));
    s = !*x || !*t ? GMDL_ENOMEM : gmdl_csv_column_f64(*x, &csv, (size_t)cx, 0, &err);
    if (!s)
        s = gmdl_csv_column_f64(*t, &csv, (size_t)cy, 0, &err);
    gmdl_csv_fini(&csv);
    return s ? cli_fail("evidence", s, &err) : 0;
}

static int plot(const char *path, const gmdl_evidence_point *e, int k) {
    gmdl_plot *p;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_plot_create(&p, 1100, 450, 1, 2, &err);
    if (s)
        return cli_fail("evidence", s, &err);
    double xs[64], ev[64], ll[64];
    for (int i = 0; i < k; i++) {
        xs[i] = e[i].complexity;
        ev[i] = e[i].log_evidence;
        ll[i] = e[i].train_loglik;
    }
    const double *ys[2] = {ev, ll};
    const char *ttl[2] = {"log evidence ln p(t)", "training log-likelihood"};
    for (int q = 0; q < 2; q++) {
        double a = INFINITY, b = -INFINITY;
        for (int i = 0; i < k; i++) {
            a = fmin(a, ys[q][i]);
            b = fmax(b, ys[q][i]);
        }
        double pad = b > a ? 0.05 * (b - a) : 1.0;
        if (gmdl_plot_axes(p, q, ttl[q], "complexity", "nats", xs[0],
                           xs[k - 1] > xs[0] ? xs[k - 1] : xs[0] + 1, a - pad, b + pad,
                           0) == GMDL_OK) {
            gmdl_plot_line(p, xs, ys[q], (size_t)k, q ? 0xd62728 : 0x1f77b4, 2.0, 0);
            gmdl_plot_points(p, xs, ys[q], (size_t)k, q ? 0xd62728 : 0x1f77b4, 1.0, 4.0);
        }
    }
    s = gmdl_plot_save_png(p, path, &err);
    gmdl_plot_destroy(p);
    return s ? cli_fail("evidence", s, &err) : 0;
}

static void report(const gmdl_evidence_point *e, int k, int best, const char *feat, size_t n) {
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_arr_begin(&j, "models");
        for (int i = 0; i < k; i++) {
            json_obj_begin(&j, NULL);
            json_int(&j, "complexity", e[i].complexity);
            json_int(&j, "params", e[i].params);
            json_num(&j, "log_evidence", e[i].log_evidence);
            json_num(&j, "train_loglik", e[i].train_loglik);
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_int(&j, "best", best);
        json_str(&j, "features", feat);
        json_int(&j, "n", (long long)n);
        json_finish(&j);
        return;
    }
    printf("%-10s %8s %14s %14s\n", "complexity", "weights", "log evidence", "train loglik");
    for (int i = 0; i < k; i++)
        printf("%-10d %8d %14.4f %14.4f%s\n", e[i].complexity, e[i].params, e[i].log_evidence,
               e[i].train_loglik, e[i].complexity == best ? "  <- highest evidence" : "");
}

int cmd_evidence(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *feat = OPTV(&cmd, v, "features")->s;
    gmdl_basis basis = strcmp(feat, "rbf") == 0 ? GMDL_BASIS_RBF : GMDL_BASIS_POLY;
    if (basis == GMDL_BASIS_POLY && strcmp(feat, "poly") != 0) {
        fprintf(stderr, "gmdl evidence: --features must be poly or rbf, got '%s'\n", feat);
        return 2;
    }
    double *x = NULL, *t = NULL;
    size_t n = 0;
    if ((rc = load(v, &x, &t, &n)) != 0) {
        free(x);
        free(t);
        return rc;
    }
    const int c0 = basis == GMDL_BASIS_RBF ? 1 : 0, c1 = (int)OPTV(&cmd, v, "max")->i;
    const double sd = OPTV(&cmd, v, "noise")->d;
    gmdl_evidence_point e[64];
    int k = 0, best = -1;
    gmdl_err err = {{0}};
    for (int c = c0; c <= c1 && !rc; c++, k++) {
        gmdl_status s = gmdl_blr_evidence(&e[k], x, t, n, basis, c, OPTV(&cmd, v, "alpha")->d,
                                          1.0 / (sd * sd), &err);
        if (s)
            rc = cli_fail("evidence", s, &err);
        else if (best < 0 || e[k].log_evidence > e[best - c0].log_evidence)
            best = c;
    }
    free(x);
    free(t);
    if (!rc && OPTV(&cmd, v, "plot")->s)
        rc = plot(OPTV(&cmd, v, "plot")->s, e, k);
    if (!rc)
        report(e, k, best, feat, n);
    return rc;
}
