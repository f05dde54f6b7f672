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
    gmdl_status s = gmdl_plot_create(1100, 500, 1, 2, &p, &err);
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
