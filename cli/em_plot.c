/* The figures of gmdl em: a Gaussian mixture's fit (1-D: histogram and densities; 2-D: points
 * and 1- and 2-sigma ellipses) and a grid of Bernoulli component means. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static const uint32_t COLORS[] = {0x1f77b4, 0xd62728, 0x2ca02c, 0xff7f0e, 0x9467bd,
                                  0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
#define NCOLORS (sizeof COLORS / sizeof COLORS[0])

static int plot_fail(const char *cmd, gmdl_plot *p, gmdl_status s, gmdl_err *err) {
    gmdl_plot_destroy(p);
    return cli_fail(cmd, s, err);
}

/* 1-D: density histogram of the data, the mixture density and each weighted component. */
static int plot_1d(gmdl_plot *p, const gmdl_gmm *g, const double *x, const char *name) {
    size_t n = g->n, bins = (size_t)sqrt((double)n);
    bins = bins < 10 ? 10 : bins > 60 ? 60 : bins;
    double lo = x[0], hi = x[0];
    for (size_t i = 0; i < n; i++)
        lo = fmin(lo, x[i]), hi = fmax(hi, x[i]);
    double pad = 0.05 * (hi - lo + 1e-9), bw = (hi - lo + 1e-9) / (double)bins;
    double *h = calloc(bins, sizeof *h), xs[400], ys[400], lp[400], comp[400 * 16];
    if (!h)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t b = (size_t)((x[i] - lo) / bw);
        h[b < bins ? b : bins - 1] += 1.0 / ((double)n * bw);
    }
    double ymax = 0.0;
    for (size_t b = 0; b < bins; b++)
        ymax = fmax(ymax, h[b]);
    gmdl_err err = {{0}};
    for (size_t i = 0; i < 400; i++)
        xs[i] = lo - pad + (hi - lo + 2 * pad) * (double)i / 399.0;
    size_t kc = g->k <= 16 ? g->k : 0;
    if (gmdl_gmm_log_density(lp, kc ? comp : NULL, g, xs, 400, &err)) {
        free(h);
        return -1;
    }
    for (size_t i = 0; i < 400; i++)
        ys[i] = exp(lp[i]), ymax = fmax(ymax, ys[i]);
    if (gmdl_plot_axes(p, 0, "Gaussian mixture fit", name, "density", lo - pad, hi + pad, 0.0,
                       1.1 * ymax, 0)) {
        free(h);
        return -1;
    }
    for (size_t b = 0; b < bins; b++) { /* outlined bars */
        double bx[5] = {lo + bw * (double)b, lo + bw * (double)b, lo + bw * (double)(b + 1),
                        lo + bw * (double)(b + 1), lo + bw * (double)b};
        double by[5] = {0, h[b], h[b], 0, 0};
        gmdl_plot_line(p, bx, by, 5, 0x999999, 1.0, 0);
    }
    for (size_t c = 0; c < kc; c++) {
        double yc[400];
        for (size_t i = 0; i < 400; i++)
            yc[i] = exp(comp[i * g->k + c]);
        gmdl_plot_line(p, xs, yc, 400, COLORS[c % NCOLORS], 1.5, 1);
    }
    gmdl_plot_line(p, xs, ys, 400, 0x000000, 2.0, 0);
    free(h);
    return 0;
}

/* 2-D (the first two columns): the points and each component's 1- and 2-sigma ellipses. */
static int plot_2d(gmdl_plot *p, const gmdl_gmm *g, const double *x, char **names) {
    size_t n = g->n, d = g->d;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    double *px = malloc(2 * n * sizeof *px);
    if (!px)
        return -1;
    for (size_t i = 0; i < n; i++) {
        px[i] = x[i * d], px[n + i] = x[i * d + 1];
        x0 = fmin(x0, px[i]), x1 = fmax(x1, px[i]);
        y0 = fmin(y0, px[n + i]), y1 = fmax(y1, px[n + i]);
    }
    double mx = 0.05 * (x1 - x0 + 1e-9), my = 0.05 * (y1 - y0 + 1e-9);
    if (gmdl_plot_axes(p, 0, "Gaussian mixture fit", names[0], names[1], x0 - mx, x1 + mx, y0 - my,
                       y1 + my, 0)) {
        free(px);
        return -1;
    }
    gmdl_plot_points(p, px, px + n, n, 0x555555, 0.5, 2.0);
    for (size_t c = 0; c < g->k; c++) {
        const double *S = g->covs + c * d * d, *m = g->means + c * d;
        double a = S[0], b = S[1], e = S[d + 1]; /* the 2x2 block of the first two columns */
        double l00 = sqrt(a), l10 = b / l00, l11 = sqrt(fmax(e - l10 * l10, 0.0));
        for (int r = 1; r <= 2; r++) {
            double ex[101], ey[101];
            for (int t = 0; t <= 100; t++) {
                double u = cos(2 * M_PI * t / 100.0) * r, v = sin(2 * M_PI * t / 100.0) * r;
                ex[t] = m[0] + l00 * u, ey[t] = m[1] + l10 * u + l11 * v;
            }
            gmdl_plot_line(p, ex, ey, 101, COLORS[c % NCOLORS], 2.0, r == 2);
        }
        gmdl_plot_points(p, m, m + 1, 1, COLORS[c % NCOLORS], 1.0, 5.0);
    }
    free(px);
    return 0;
}

int cli_em_plot_gmm(const char *path, const gmdl_gmm *g, const double *x, char **names) {
    gmdl_plot *p;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_plot_create(&p, 800, 600, 1, 1, &err);
    if (s)
        return cli_fail("em gmm", s, &err);
    if ((g->d == 1 ? plot_1d(p, g, x, names[0]) : plot_2d(p, g, x, names)))
        return plot_fail("em gmm", p, GMDL_ENOMEM, NULL);
    if ((s = gmdl_plot_save_png(p, path, &err)))
        return plot_fail("em gmm", p, s, &err);
    gmdl_plot_destroy(p);
    cli_note("gmdl em gmm: wrote %s\n", path);
    return 0;
}

/* A grid of panels, one per component: each pixel a dark square of opacity mean. */
int cli_em_plot_means(const char *path, const gmdl_bmm *b, int h, int w) {
    int cols = (int)ceil(sqrt((double)b->k)),
        rows = (int)((b->k + (size_t)cols - 1) / (size_t)cols);
    gmdl_plot *p;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_plot_create(&p, 200 * cols, 200 * rows, rows, cols, &err);
    if (s)
        return cli_fail("em bernoulli", s, &err);
    size_t npx = (size_t)h * (size_t)w;
    double *px = malloc(2 * npx * sizeof *px);
    if (!px || (size_t)h * (size_t)w != b->d)
        return plot_fail("em bernoulli", p, px ? GMDL_ESHAPE : GMDL_ENOMEM, NULL);
    for (size_t c = 0; c < b->k; c++) {
        char title[64];
        snprintf(title, sizeof title, "component %zu (%.3f)", c + 1, b->weights[c]);
        if (gmdl_plot_axes(p, (int)c, title, NULL, NULL, 0, w, 0, h, 0))
            continue;
        for (size_t i = 0; i < npx; i++) {
            double m = b->means[c * b->d + i];
            px[0] = (double)(i % (size_t)w) + 0.5,
            px[1] = (double)h - (double)(i / (size_t)w) - 0.5;
            if (m > 0.02)
                gmdl_plot_points(p, px, px + 1, 1, 0x000000, m, 150.0 / (2.0 * w));
        }
    }
    free(px);
    if ((s = gmdl_plot_save_png(p, path, &err)))
        return plot_fail("em bernoulli", p, s, &err);
    gmdl_plot_destroy(p);
    cli_note("gmdl em bernoulli: wrote %s\n", path);
    return 0;
}
