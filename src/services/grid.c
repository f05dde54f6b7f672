/* Grid evaluation of a 2-parameter target and the total variation distance between a histogram of
 * draws and that grid (the SGLD paper's mixture check, Welling & Teh 2011, 5.1: 50 x 50 cells over
 * [-1.5, 2.5] x [-3, 3]). The grid density is the cell-centre density normalised over the grid, a
 * midpoint rule that is accurate when the cells are small against the posterior's scale. The TV
 * compares the histogram with cell masses from a grid 8 times finer per axis. */
#include "common.h"
#include "gmdl/infer.h"
#include "gmdl/services.h"

static int box_ok(const double box[4], size_t bins) {
    return box && bins >= 1 && bins <= 4096 && isfinite(box[0]) && isfinite(box[1]) &&
           isfinite(box[2]) && isfinite(box[3]) && box[0] < box[1] && box[2] < box[3];
}

gmdl_status gmdl_grid_density(
    double *p, const gmdl_target *t, const double box[4], size_t bins, gmdl_err *err) {
    gmdl_status s = gmdl_target_check(t, err);
    if (s != GMDL_OK)
        return s;
    if (t->dim != 2 || !box_ok(box, bins) || !p)
        return gmdl__fail(err, GMDL_EINVAL,
                          "grid: needs a 2-parameter target, x0 < x1, y0 < y1 and 1..4096 bins");
    double hx = (box[1] - box[0]) / (double)bins, hy = (box[3] - box[2]) / (double)bins;
    double mx = -HUGE_VAL;
    for (size_t i = 0; i < bins; i++) {
        for (size_t j = 0; j < bins; j++) {
            double x[2] = {box[0] + ((double)i + 0.5) * hx, box[2] + ((double)j + 0.5) * hy}, lp;
            s = t->logp(t->user, x, &lp, NULL, err);
            if (s != GMDL_OK)
                return s;
            p[i * bins + j] = isfinite(lp) ? lp : -HUGE_VAL;
            if (p[i * bins + j] > mx)
                mx = p[i * bins + j];
        }
    }
    if (!isfinite(mx))
        return gmdl__fail(err, GMDL_EINVAL, "grid: the density is zero on the whole grid");
    double sum = 0;
    for (size_t k = 0; k < bins * bins; k++) {
        p[k] = exp(p[k] - mx);
        sum += p[k];
    }
    for (size_t k = 0; k < bins * bins; k++)
        p[k] /= sum;
    return GMDL_OK;
}

#define GRID_SUB 8

gmdl_status gmdl_grid_tv(double *tv,
                         const gmdl_target *t,
                         const gmdl_draws *d,
                         const double box[4],
                         size_t bins,
                         int weighted,
                         gmdl_err *err) {
    if (!d || d->dim != 2 || !tv || (weighted && !d->weight))
        return gmdl__fail(err, GMDL_EINVAL, "grid tv: needs draws of 2 quantities (and weights)");
    if (!box_ok(box, bins))
        return gmdl__fail(err, GMDL_EINVAL, "grid tv: bad box or bin count");
    /* The histogram counts the mass of each cell, so the reference is the cell mass: the density
     * on a grid SUB times finer, summed over each cell's SUB x SUB sub-cells (the midpoint rule on
     * the cells themselves is off by about 0.01 in TV on the mixture's 50 x 50 cells). */
    size_t sub = bins * GRID_SUB <= 4096 ? GRID_SUB : 1, fb = bins * sub;
    double *p = gmdl__malloc(2 * bins * bins * sizeof(double));
    double *f = gmdl__malloc(fb * fb * sizeof(double));
    if (!p || !f) {
        gmdl__free(p);
        gmdl__free(f);
        return gmdl__fail(err, GMDL_ENOMEM, "grid tv: out of memory");
    }
    double *h = p + bins * bins;
    gmdl_status s = gmdl_grid_density(f, t, box, fb, err);
    if (s != GMDL_OK) {
        gmdl__free(p);
        gmdl__free(f);
        return s;
    }
    for (size_t k = 0; k < bins * bins; k++)
        p[k] = 0;
    for (size_t i = 0; i < fb; i++)
        for (size_t j = 0; j < fb; j++)
            p[(i / sub) * bins + j / sub] += f[i * fb + j];
    gmdl__free(f);
    for (size_t k = 0; k < bins * bins; k++)
        h[k] = 0;
    size_t S = d->chains * d->n;
    double total = 0;
    for (size_t k = 0; k < S; k++) {
        double w = weighted ? d->weight[k] : 1.0, x = d->x[2 * k], y = d->x[2 * k + 1];
        total += w;
        double fi = (x - box[0]) / (box[1] - box[0]) * (double)bins;
        double fj = (y - box[2]) / (box[3] - box[2]) * (double)bins;
        if (!(fi >= 0 && fi < (double)bins && fj >= 0 && fj < (double)bins))
            continue;
        h[(size_t)fi * bins + (size_t)fj] += w;
    }
    if (!(total > 0)) {
        gmdl__free(p);
        return gmdl__fail(err, GMDL_EINVAL, "grid tv: no draws (or all weights zero)");
    }
    double inside = 0, diff = 0;
    for (size_t k = 0; k < bins * bins; k++) {
        h[k] /= total;
        inside += h[k];
        diff += fabs(p[k] - h[k]);
    }
    *tv = 0.5 * diff + 0.5 * (1.0 - inside);
    gmdl__free(p);
    return GMDL_OK;
}
