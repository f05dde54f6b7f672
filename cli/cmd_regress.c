/* gmdl regress: the 1-D demo of "increased uncertainty away from data": a Bayesian MLP fitted by
 * SGLD (or HMC) to data with a gap; the predictive mean with +-2 sd bands, and the sd in the
 * middle of the gap against the sd next to the data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmdl/plot.h"
#include "uq_cli.h"

static const cli_opt opts[] = {
    {"method", 0, OPT_STRING, "sgld|hmc", "sgld", "posterior sampler", 1, 0, 0},
    {"n", 0, OPT_INT, "N", "40", "data points, half in [-2, -0.75] and half in [0.75, 2]", 2,
     1000000, 0},
    {"noise", 0, OPT_DOUBLE, "SD", "0.1", "noise sd of t = sin(2x) + noise (also the model's)",
     1e-6, 1e6, 0},
    {"hidden", 0, OPT_INT, "H", "20", "tanh units", 1, 1000, 0},
    {"prior-sd", 0, OPT_DOUBLE, "SD", "2", "prior sd of every weight", 1e-6, 1e6, 0},
    {"draws", 0, OPT_INT, "N", "200", "draws kept per chain", 2, 1000000, 0},
    {"warmup", 0, OPT_INT, "N", "20000", "discarded iterations per chain", 0, 1e9, 0},
    {"step", 0, OPT_DOUBLE, "E", "1e-4", "SGLD step size", 1e-12, 1, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed (data and sampler)", 0, 9.2e18, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads over the 4 chains (0 = all cores)", 0, 1024, 0},
    {"plot", 0, OPT_STRING, "FILE.png", NULL, "data, predictive mean and +-2 sd bands", 1, 0, 0},
};

static const cli_cmd cmd = {
    "regress",
    "gmdl regress [--method sgld|hmc] [--n N] [--noise SD] [--plot FILE.png] [--json]",
    "Fits f(x) = c + sum_h v_h tanh(w_h x + b_h) with N(0, prior-sd^2) priors to N points of\n"
    "t = sin(2x) + N(0, SD^2) with no data in (-0.75, 0.75), by sampling the posterior (4 "
    "chains),\n"
    "and reports the predictive sd (function variance over the draws plus the noise) in the\n"
    "middle of the gap (x = 0) and next to the data (mean over the training inputs). JSON keys:\n"
    "sd_gap, sd_data, ratio, rmse_data (of the predictive mean at the training inputs), method.",
    opts,
    sizeof opts / sizeof opts[0],
    0,
    0};

static int plot(const char *path,
                const double *x,
                const double *t,
                size_t n,
                const gmdl_regress_config *c,
                const double *mu,
                const double *sd) {
    gmdl_plot *p;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_plot_create(&p, 900, 500, 1, 1, &err);
    if (s)
        return cli_fail("regress", s, &err);
    double *gx = malloc(c->grid * 3 * sizeof(double)), *up = gx + c->grid, *dn = up + c->grid;
    if (!gx) {
        gmdl_plot_destroy(p);
        return cli_fail("regress", GMDL_ENOMEM, NULL);
    }
    for (size_t i = 0; i < c->grid; i++) {
        gx[i] = c->lo + (c->hi - c->lo) * (double)i / (double)(c->grid - 1);
        up[i] = mu[i] + 2 * sd[i];
        dn[i] = mu[i] - 2 * sd[i];
    }
    if (gmdl_plot_axes(p, 0, "Bayesian MLP: predictive mean +- 2 sd", "x", "t", c->lo, c->hi, -3, 3,
                       0) == GMDL_OK) {
        gmdl_plot_line(p, gx, up, c->grid, 0x1f77b4, 1.2, 1);
        gmdl_plot_line(p, gx, dn, c->grid, 0x1f77b4, 1.2, 1);
        gmdl_plot_line(p, gx, mu, c->grid, 0x1f77b4, 2.0, 0);
        gmdl_plot_points(p, x, t, n, 0xd62728, 1.0, 3.0);
        const char *lab[3] = {"predictive mean", "+- 2 sd", "data"};
        const uint32_t rgb[3] = {0x1f77b4, 0x1f77b4, 0xd62728};
        gmdl_plot_legend(p, lab, rgb, 3);
    }
    free(gx);
    s = gmdl_plot_save_png(p, path, &err);
    gmdl_plot_destroy(p);
    return s ? cli_fail("regress", s, &err) : 0;
}

/* the predictive sd at x by linear interpolation on the grid */
static double at(const double *v, const gmdl_regress_config *c, double x) {
    double f = (x - c->lo) / (c->hi - c->lo) * (double)(c->grid - 1);
    size_t i = f <= 0 ? 0 : f >= (double)(c->grid - 1) ? c->grid - 2 : (size_t)f;
    double w = f - (double)i;
    return (1 - w) * v[i] + w * v[i + 1];
}

int cmd_regress(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    cli_threads(OPTV(&cmd, v, "threads")->i);
    gmdl_regress_config c = gmdl_regress_config_default();
    const char *meth = OPTV(&cmd, v, "method")->s;
    if (strcmp(meth, "sgld") && strcmp(meth, "hmc")) {
        fprintf(stderr, "gmdl regress: --method must be sgld or hmc, got '%s'\n", meth);
        return 2;
    }
    c.method = strcmp(meth, "hmc") == 0 ? GMDL_MCMC_HMC : GMDL_MCMC_SGLD;
    c.hidden = (int)OPTV(&cmd, v, "hidden")->i;
    c.noise_sd = OPTV(&cmd, v, "noise")->d;
    c.prior_sd = OPTV(&cmd, v, "prior-sd")->d;
    c.draws = (size_t)OPTV(&cmd, v, "draws")->i;
    c.warmup = (size_t)OPTV(&cmd, v, "warmup")->i;
    c.step = OPTV(&cmd, v, "step")->d;
    c.seed = (uint64_t)OPTV(&cmd, v, "seed")->i;
    const size_t n = (size_t)OPTV(&cmd, v, "n")->i;
    double *x = malloc(n * sizeof(double)), *t = malloc(n * sizeof(double)),
           *mu = malloc(c.grid * sizeof(double)), *sd = malloc(c.grid * sizeof(double));
    gmdl_err err = {{0}};
    gmdl_status s = x && t && mu && sd ? GMDL_OK : GMDL_ENOMEM;
    gmdl_rng r;
    gmdl_rng_derive(&r, c.seed, GMDL_RNG_DATA_SYNTH, 0);
    for (size_t i = 0; i < n && !s; i++) {
        double u = 0.75 + 1.25 * gmdl_rng_uniform(&r);
        x[i] = i % 2 ? u : -u;
        t[i] = sin(2 * x[i]) + c.noise_sd * gmdl_rng_normal(&r);
    }
    if (!s)
        s = gmdl_regress(mu, sd, x, t, n, &c, &err);
    double sd_data = 0, rmse = 0, sd_gap = 0;
    if (!s) {
        for (size_t i = 0; i < n; i++) {
            sd_data += at(sd, &c, x[i]) / (double)n;
            double e = at(mu, &c, x[i]) - t[i];
            rmse += e * e / (double)n;
        }
        sd_gap = at(sd, &c, 0.0);
        rmse = sqrt(rmse);
    }
    rc = s ? cli_fail("regress", s, &err) : 0;
    if (!rc && OPTV(&cmd, v, "plot")->s)
        rc = plot(OPTV(&cmd, v, "plot")->s, x, t, n, &c, mu, sd);
    if (!rc && cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_num(&j, "sd_gap", sd_gap);
        json_num(&j, "sd_data", sd_data);
        json_num(&j, "ratio", sd_gap / sd_data);
        json_num(&j, "rmse_data", rmse);
        json_str(&j, "method", meth);
        json_finish(&j);
    } else if (!rc) {
        printf("predictive sd  %.4f in the gap (x = 0), %.4f next to the data: ratio %.2f\n",
               sd_gap, sd_data, sd_gap / sd_data);
        printf("rmse           %.4f at the training inputs (%s)\n", rmse, meth);
    }
    free(x);
    free(t);
    free(mu);
    free(sd);
    return rc;
}
