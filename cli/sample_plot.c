/* The figures of `gmdl sample --plot`: for a run, trace plots, the autocorrelation and a scatter
 * over the exact density's contours; for --risk-sweep, the bias^2, variance and risk curves. Drawn
 * with gmdl/plot.h; this file chooses what goes on which panel. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gmdl/plot.h"
#include "sample.h"

static const uint32_t chain_colors[8] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728,
                                         0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f};

/* Range of quantity j over all draws, padded by 5%. */
static void draw_range(const gmdl_draws *d, size_t j, double *lo, double *hi) {
    double a = HUGE_VAL, b = -HUGE_VAL;
    for (size_t i = 0; i < d->chains * d->n; i++) {
        double v = d->x[i * d->dim + j];
        if (v < a)
            a = v;
        if (v > b)
            b = v;
    }
    double pad = b > a ? 0.05 * (b - a) : 0.5 + 0.05 * fabs(a);
    *lo = a - pad;
    *hi = b + pad;
}

/* Trace plots of the first two quantities (every chain, at most 2000 points each), the
 * autocorrelation of quantity 1 in chain 1, and a scatter of quantities 1 and 2 over the contours
 * of the exact density when the target is a plain 2-parameter model, over `window` ({x0, x1, y0,
 * y1}) or else the range of the draws. Returns 0 or the exit code. */
int sample_plot_draws(const char *path,
                      const gmdl_target *t,
                      const gmdl_draws *d,
                      const char *title,
                      const double *window) {
    gmdl_plot *p;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_plot_create(&p, 1200, 800, 2, 2, &err);
    if (s)
        return cli_fail("sample", s, &err);
    size_t step = d->n > 2000 ? d->n / 2000 : 1, m = (d->n + step - 1) / step;
    double *xs = malloc(m * sizeof(double)), *ys = malloc(m * sizeof(double));
    size_t nacf = d->n < 201 ? d->n : 201;
    double *acf = malloc(d->n * sizeof(double)), *lag = malloc(d->n * sizeof(double));
    if (!xs || !ys || !acf || !lag) {
        free(xs);
        free(ys);
        free(acf);
        free(lag);
        gmdl_plot_destroy(p);
        return cli_fail("sample", GMDL_ENOMEM, NULL);
    }
    for (size_t j = 0; j < 2 && j < d->dim; j++) {
        double lo, hi;
        draw_range(d, j, &lo, &hi);
        char ttl[160];
        snprintf(ttl, sizeof ttl, "%s: trace of %s", title, d->names[j]);
        if (gmdl_plot_axes(p, (int)j, ttl, "iteration (after warm-up)", d->names[j], 0,
                           (double)(d->n > 1 ? d->n - 1 : 1), lo, hi, 0) == GMDL_OK) {
            for (size_t c = 0; c < d->chains; c++) {
                for (size_t k = 0; k < m; k++) {
                    xs[k] = (double)(k * step);
                    ys[k] = d->x[(c * d->n + k * step) * d->dim + j];
                }
                gmdl_plot_line(p, xs, ys, m, chain_colors[c % 8], 0.8, 0);
            }
        }
    }
    /* autocorrelation of quantity 1, chain 1 */
    for (size_t i = 0; i < d->n; i++)
        lag[i] = d->x[i * d->dim];
    if (d->n >= 2 && gmdl_diag_autocorr(acf, lag, d->n) == GMDL_OK &&
        gmdl_plot_axes(p, 2, "autocorrelation (chain 1)", "lag", d->names[0], 0, (double)(nacf - 1),
                       -0.2, 1.05, 0) == GMDL_OK) {
        for (size_t i = 0; i < nacf; i++)
            lag[i] = (double)i;
        const double zx[2] = {0, (double)(nacf - 1)}, zy[2] = {0, 0};
        gmdl_plot_line(p, zx, zy, 2, 0x888888, 1.0, 1);
        gmdl_plot_line(p, lag, acf, nacf, chain_colors[0], 1.5, 0);
    }
    if (d->dim >= 2) {
        double x0, x1, y0, y1;
        draw_range(d, 0, &x0, &x1);
        draw_range(d, 1, &y0, &y1);
        int exact = t->dim == 2 && !t->generate && !t->transforms;
        if (window) {
            x0 = window[0];
            x1 = window[1];
            y0 = window[2];
            y1 = window[3];
        }
        char ttl[160];
        snprintf(ttl, sizeof ttl, "%s vs %s%s", d->names[1], d->names[0],
                 exact ? " over the exact density" : "");
        if (gmdl_plot_axes(p, 3, ttl, d->names[0], d->names[1], x0, x1, y0, y1, 0) == GMDL_OK) {
            size_t S = d->chains * d->n, st = S > 20000 ? S / 20000 : 1;
            for (size_t i = 0; i < S; i += st)
                gmdl_plot_points(p, &d->x[i * d->dim], &d->x[i * d->dim + 1], 1,
                                 chain_colors[(i / d->n) % 8], 0.25, 1.3);
            if (exact) {
                const double box[4] = {x0, x1, y0, y1};
                double *g = malloc(120 * 120 * sizeof(double));
                if (g && gmdl_grid_density(g, t, box, 120, &err) == GMDL_OK) {
                    double mx = 0;
                    for (size_t k = 0; k < 120 * 120; k++)
                        mx = g[k] > mx ? g[k] : mx;
                    const double lv[5] = {0.02, 0.1, 0.3, 0.6, 0.9};
                    for (int k = 0; k < 5; k++)
                        gmdl_plot_contour(p, g, 120, 120, lv[k] * mx, 0x000000, 1.2);
                }
                free(g);
            }
        }
    }
    free(xs);
    free(ys);
    free(acf);
    free(lag);
    s = gmdl_plot_save_png(p, path, &err);
    gmdl_plot_destroy(p);
    return s ? cli_fail("sample", s, &err) : 0;
}

/* Log-log axes over the steps and the positive values; non-positive bias^2 estimates are left out
 * on the log axis. */
int sample_plot_risk(const char *path,
                     const gmdl_risk_config *c,
                     const gmdl_risk_point *pts,
                     const gmdl_risk_point *mhp) {
    size_t ns = c->nsteps;
    double xs[SAMPLE_RISK_MAX_STEPS], b2[SAMPLE_RISK_MAX_STEPS], var[SAMPLE_RISK_MAX_STEPS],
        risk[SAMPLE_RISK_MAX_STEPS], lo = HUGE_VAL, hi = 0;
    for (size_t k = 0; k < ns; k++) {
        xs[k] = pts[k].step;
        b2[k] = pts[k].bias2;
        var[k] = pts[k].variance;
        risk[k] = pts[k].risk;
        const double vals[3] = {b2[k], var[k], risk[k]};
        for (int q = 0; q < 3; q++) {
            if (vals[q] > 0 && vals[q] < lo)
                lo = vals[q];
            if (vals[q] > hi)
                hi = vals[q];
        }
    }
    hi = fmax(hi, mhp->risk);
    gmdl_plot *pl;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_plot_create(&pl, 900, 600, 1, 1, &err);
    if (s)
        return cli_fail("sample", s, &err);
    char ttl[160];
    snprintf(ttl, sizeof ttl, "SGLD risk under a budget of %zu item gradients (%zu runs)",
             c->budget, c->repeats);
    double sx0 = c->steps[0], sx1 = c->steps[0];
    for (size_t k = 0; k < ns; k++) {
        sx0 = fmin(sx0, c->steps[k]);
        sx1 = fmax(sx1, c->steps[k]);
    }
    if (!(sx1 > sx0))
        sx1 = sx0 * 10;
    if (!(lo < hi))
        lo = hi / 100;
    if (gmdl_plot_axes(pl, 0, ttl, "constant step size", "squared error", sx0 / 1.2, sx1 * 1.2,
                       lo / 2, hi * 2, GMDL_PLOT_LOGX | GMDL_PLOT_LOGY) == GMDL_OK) {
        gmdl_plot_line(pl, xs, b2, ns, 0xd62728, 2, 0);
        gmdl_plot_points(pl, xs, b2, ns, 0xd62728, 1, 3);
        gmdl_plot_line(pl, xs, var, ns, 0x1f77b4, 2, 0);
        gmdl_plot_points(pl, xs, var, ns, 0x1f77b4, 1, 3);
        gmdl_plot_line(pl, xs, risk, ns, 0x000000, 2.5, 0);
        gmdl_plot_points(pl, xs, risk, ns, 0x000000, 1, 3.5);
        const double mx[2] = {sx0 / 1.2, sx1 * 1.2}, my[2] = {mhp->risk, mhp->risk};
        gmdl_plot_line(pl, mx, my, 2, 0x2ca02c, 2, 1);
        const char *labels[4] = {"bias^2", "variance", "risk", "risk of exact MH"};
        const uint32_t cols[4] = {0xd62728, 0x1f77b4, 0x000000, 0x2ca02c};
        gmdl_plot_legend(pl, labels, cols, 4);
    }
    s = gmdl_plot_save_png(pl, path, &err);
    gmdl_plot_destroy(pl);
    return s ? cli_fail("sample", s, &err) : 0;
}
