/* The figures of the uncertainty commands: the reliability diagram of `gmdl eval --reliability`
 * and `gmdl predict`, and the score histograms of `gmdl ood`. Drawn with gmdl/plot.h; this file
 * chooses what goes on which panel. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gmdl/plot.h"
#include "uq_cli.h"

int uq_plot_reliability(const char *cmd,
                        const char *path,
                        const gmdl_eval_result *r,
                        const char *title) {
    gmdl_plot *p;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_plot_create(&p, 1100, 500, 1, 2, &err);
    if (s)
        return cli_fail(cmd, s, &err);
    const int B = GMDL_ECE_BINS;
    double cx[GMDL_ECE_BINS], cy[GMDL_ECE_BINS], hx[2 * GMDL_ECE_BINS + 2],
        hy[2 * GMDL_ECE_BINS + 2], top = 0.0;
    size_t m = 0;
    for (int b = 0; b < B; b++)
        if (r->bin_count[b]) {
            cx[m] = r->bin_confidence[b];
            cy[m++] = r->bin_accuracy[b];
        }
    char ttl[200];
    snprintf(ttl, sizeof ttl, "%s: reliability (ECE %.4f)", title, r->ece);
    if (gmdl_plot_axes(p, 0, ttl, "confidence (mean in bin)", "accuracy in bin", 0, 1, 0, 1, 0) ==
        GMDL_OK) {
        const double d[2] = {0, 1};
        gmdl_plot_line(p, d, d, 2, 0x888888, 1.0, 1);
        gmdl_plot_line(p, cx, cy, m, 0x1f77b4, 2.0, 0);
        gmdl_plot_points(p, cx, cy, m, 0x1f77b4, 1.0, 4.0);
    }
    /* the share of the inputs in each of the 15 equal-width bins, as a step line */
    for (int b = 0; b < B; b++) {
        double f = (double)r->bin_count[b] / (double)(r->n ? r->n : 1);
        hx[2 * b + 1] = (double)b / B;
        hx[2 * b + 2] = (double)(b + 1) / B;
        hy[2 * b + 1] = hy[2 * b + 2] = f;
        top = f > top ? f : top;
    }
    hx[0] = 0;
    hy[0] = 0;
    hx[2 * B + 1] = 1;
    hy[2 * B + 1] = 0;
    if (gmdl_plot_axes(p, 1, "inputs per confidence bin", "confidence", "fraction of inputs", 0, 1,
                       0, top > 0 ? 1.05 * top : 1, 0) == GMDL_OK)
        gmdl_plot_line(p, hx, hy, 2 * (size_t)B + 2, 0x1f77b4, 1.5, 0);
    s = gmdl_plot_save_png(p, path, &err);
    gmdl_plot_destroy(p);
    return s ? cli_fail(cmd, s, &err) : 0;
}

/* Step line of the density histogram of v[n] over [lo, hi] in `bins` bins into x, y [2 bins + 2];
 * returns the largest density. */
static double
density_steps(const double *v, size_t n, double lo, double hi, int bins, double *x, double *y) {
    double *c = calloc((size_t)bins, sizeof(double)), top = 0.0, wd = (hi - lo) / bins;
    if (!c)
        return 0.0;
    for (size_t i = 0; i < n; i++) {
        int b = (int)((v[i] - lo) / wd);
        c[b < 0 ? 0 : b >= bins ? bins - 1 : b] += 1.0;
    }
    x[0] = lo;
    y[0] = 0;
    for (int b = 0; b < bins; b++) {
        double d = c[b] / ((double)n * wd);
        x[2 * b + 1] = lo + b * wd;
        x[2 * b + 2] = lo + (b + 1) * wd;
        y[2 * b + 1] = y[2 * b + 2] = d;
        top = d > top ? d : top;
    }
    x[2 * bins + 1] = hi;
    y[2 * bins + 1] = 0;
    free(c);
    return top;
}

int uq_plot_ood(const char *path,
                const uq_ood_scores *sc,
                int panels,
                const char *in_name,
                const char *out_name) {
    gmdl_plot *p;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_plot_create(&p, 550 * panels, 450, 1, panels, &err);
    if (s)
        return cli_fail("ood", s, &err);
    enum { BINS = 40 };
    double x[2][2 * BINS + 2], y[2][2 * BINS + 2];
    const char *names[2] = {"predictive entropy (nats)", "mutual information (nats)"};
    const char *labels[2] = {in_name, out_name};
    const uint32_t rgb[2] = {0x1f77b4, 0xd62728};
    for (int q = 0; q < panels; q++) {
        const double *a = q ? sc->mi_in : sc->h_in, *b = q ? sc->mi_out : sc->h_out;
        double lo = a[0], hi = a[0];
        for (size_t i = 0; i < sc->n_in; i++) {
            lo = a[i] < lo ? a[i] : lo;
            hi = a[i] > hi ? a[i] : hi;
        }
        for (size_t i = 0; i < sc->n_out; i++) {
            lo = b[i] < lo ? b[i] : lo;
            hi = b[i] > hi ? b[i] : hi;
        }
        if (!(hi > lo))
            hi = lo + 1e-9;
        double t0 = density_steps(a, sc->n_in, lo, hi, BINS, x[0], y[0]);
        double t1 = density_steps(b, sc->n_out, lo, hi, BINS, x[1], y[1]);
        double top = t0 > t1 ? t0 : t1;
        if (gmdl_plot_axes(p, q, names[q], names[q], "density", lo, hi, 0, top > 0 ? 1.1 * top : 1,
                           0) == GMDL_OK) {
            for (int k = 0; k < 2; k++)
                gmdl_plot_line(p, x[k], y[k], 2 * BINS + 2, rgb[k], 1.5, 0);
            gmdl_plot_legend(p, labels, rgb, 2);
        }
    }
    s = gmdl_plot_save_png(p, path, &err);
    gmdl_plot_destroy(p);
    return s ? cli_fail("ood", s, &err) : 0;
}
