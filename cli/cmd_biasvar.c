/* gmdl biasvar: the bias-variance trade-off measured: polynomial fits of increasing degree to
 * resampled training sets from sin(2 pi x) + noise; bias^2, variance and noise per degree against
 * the directly measured expected squared test error; PNG of the curves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gmdl/plot.h"
#include "uq_cli.h"

static const cli_opt opts[] = {
    {"max-degree", 0, OPT_INT, "D", "9", "polynomial degrees 0..D", 0, 20, 0},
    {"n", 0, OPT_INT, "N", "25", "training points per set (evenly spaced x)", 1, 100000, 0},
    {"repeats", 0, OPT_INT, "R", "200", "training sets", 2, 10000000, 0},
    {"test", 0, OPT_INT, "T", "200", "test inputs (an even grid over [0, 1])", 1, 1000000, 0},
    {"noise", 0, OPT_DOUBLE, "SD", "0.3", "noise sd", 0, 1e6, 0},
    {"ridge", 0, OPT_DOUBLE, "L", "1e-6", "added to the normal equations' diagonal", 0, 1e300, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed", 0, 9.2e18, 0},
    {"plot", 0, OPT_STRING, "FILE.png", NULL, "bias^2, variance, noise and the test error", 1, 0,
     0},
};

static const cli_cmd cmd = {
    "biasvar",
    "gmdl biasvar [--max-degree D] [--n N] [--repeats R] [--noise SD] [--plot FILE.png] [--json]",
    "Fits polynomials of degree 0..D by least squares to R training sets t = sin(2 pi x) +\n"
    "N(0, SD^2) at N fixed inputs, and reports per degree the squared bias and the variance of "
    "the\n"
    "fits (means over T test inputs), the noise SD^2, their sum (the expected squared test\n"
    "error), that error measured directly against fresh noisy targets with its Monte-Carlo\n"
    "standard error, and the spread of the fitted coefficients over the training sets (below it,\n"
    "optimising the fit further is pointless). JSON keys: points (list of {degree, bias2,\n"
    "variance, noise, expected_error, measured_error, measured_se, param_sd}), best.",
    opts,
    sizeof opts / sizeof opts[0],
    0,
    0};

static int plot(const char *path, const gmdl_biasvar_point *p, int k) {
    gmdl_plot *f;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_plot_create(&f, 800, 500, 1, 1, &err);
    if (s)
        return cli_fail("biasvar", s, &err);
    double x[21], y[4][21], lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < k; i++) {
        x[i] = p[i].degree;
        y[0][i] = p[i].bias2;
        y[1][i] = p[i].variance;
        y[2][i] = p[i].noise;
        y[3][i] = p[i].measured_error;
        for (int q = 0; q < 4; q++)
            if (y[q][i] > 0) {
                lo = fmin(lo, y[q][i]);
                hi = fmax(hi, y[q][i]);
            }
    }
    const uint32_t rgb[4] = {0x1f77b4, 0xd62728, 0x888888, 0x2ca02c};
    const char *lab[4] = {"bias^2", "variance", "noise", "test error (measured)"};
    if (!(hi > lo))
        hi = lo * 10 + 1;
    if (gmdl_plot_axes(f, 0, "bias-variance trade-off", "polynomial degree", "squared error", 0,
                       k > 1 ? k - 1 : 1, lo / 2, hi * 2, GMDL_PLOT_LOGY) == GMDL_OK) {
        for (int q = 0; q < 4; q++)
            gmdl_plot_line(f, x, y[q], (size_t)k, rgb[q], 2.0, q == 2);
        gmdl_plot_legend(f, lab, rgb, 4);
    }
    s = gmdl_plot_save_png(f, path, &err);
    gmdl_plot_destroy(f);
    return s ? cli_fail("biasvar", s, &err) : 0;
}

static void report(const gmdl_biasvar_point *p, int k, int best) {
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_arr_begin(&j, "points");
        for (int i = 0; i < k; i++) {
            json_obj_begin(&j, NULL);
            json_int(&j, "degree", p[i].degree);
            json_num(&j, "bias2", p[i].bias2);
            json_num(&j, "variance", p[i].variance);
            json_num(&j, "noise", p[i].noise);
            json_num(&j, "expected_error", p[i].expected_error);
            json_num(&j, "measured_error", p[i].measured_error);
            json_num(&j, "measured_se", p[i].measured_se);
            json_num(&j, "param_sd", p[i].param_sd);
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_int(&j, "best", best);
        json_finish(&j);
        return;
    }
    printf("%-6s %10s %10s %8s %12s %18s %10s\n", "degree", "bias^2", "variance", "noise", "sum",
           "measured (+- se)", "param sd");
    for (int i = 0; i < k; i++)
        printf("%-6d %10.5f %10.5f %8.4f %12.5f %10.5f +- %.5f %10.3g\n", p[i].degree, p[i].bias2,
               p[i].variance, p[i].noise, p[i].expected_error, p[i].measured_error,
               p[i].measured_se, p[i].param_sd);
}

int cmd_biasvar(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    gmdl_biasvar_config c = gmdl_biasvar_config_default();
    c.max_degree = (int)OPTV(&cmd, v, "max-degree")->i;
    c.n_train = (size_t)OPTV(&cmd, v, "n")->i;
    c.repeats = (size_t)OPTV(&cmd, v, "repeats")->i;
    c.n_test = (size_t)OPTV(&cmd, v, "test")->i;
    c.noise_sd = OPTV(&cmd, v, "noise")->d;
    c.ridge = OPTV(&cmd, v, "ridge")->d;
    c.seed = (uint64_t)OPTV(&cmd, v, "seed")->i;
    gmdl_biasvar_point p[21];
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_biasvar(p, &c, &err);
    if (s)
        return cli_fail("biasvar", s, &err);
    const int k = c.max_degree + 1;
    int best = 0;
    for (int i = 1; i < k; i++)
        best = p[i].measured_error < p[best].measured_error ? i : best;
    if (OPTV(&cmd, v, "plot")->s && (rc = plot(OPTV(&cmd, v, "plot")->s, p, k)) != 0)
        return rc;
    report(p, k, best);
    return 0;
}
