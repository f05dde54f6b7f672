/* Stan's windowed warm-up for NUTS (the Stan Reference Manual, "HMC algorithm parameters"):
 * dual averaging of the step size (Nesterov 2009; Hoffman & Gelman 2014, Alg. 5) in every
 * warm-up iteration, and the metric estimated from the draws of slow windows between a fast
 * initial buffer and a fast terminal buffer. Window sizes double (25, 50, 100, ...) and the last
 * one is stretched to end where the terminal buffer starts, so that no short window is left over.
 * The estimate is shrunk as Stan does, n/(n+5) var + 5/(n+5) 1e-3 s, so that a short window
 * cannot give a degenerate metric, but with s = min(var, 1) the coordinate's own variance where
 * Stan has s = 1: Stan's absolute 1e-3 dominates the metric of a parameter whose posterior sd is
 * below about 0.01 (the regression coefficients of sblrc-blr have sd 0.001), which then forces a
 * step size several times too small. Everything here is on the unconstrained scale. */
#include "common.h"
#include "gmdl/infer.h"
#include "infer/infer_internal.h"

gmdl_status
gmdl__adapt_init(gmdl__adapt *a, size_t d, size_t W, double delta, int metric, int dense) {
    memset(a, 0, sizeof *a);
    a->d = d;
    a->W = W;
    a->delta = delta;
    a->dense = dense;
    a->metric = metric && W >= 20;
    size_t init = 75, term = 50, base = 25;
    if (init + term + base > W) {
        init = (size_t)(0.15 * (double)W);
        term = (size_t)(0.1 * (double)W);
        base = W - init - term;
    }
    a->init_buf = init;
    a->term_buf = term;
    a->win_size = base;
    a->next_win = init + base - 1;
    if (!a->metric)
        return GMDL_OK;
    size_t m2n = dense ? d * d : d;
    a->mean = gmdl__calloc(d, sizeof(double));
    a->m2 = gmdl__calloc(m2n, sizeof(double));
    if (!a->mean || !a->m2) {
        gmdl__adapt_free(a);
        return GMDL_ENOMEM;
    }
    return GMDL_OK;
}

void gmdl__adapt_free(gmdl__adapt *a) {
    gmdl__free(a->mean);
    gmdl__free(a->m2);
    a->mean = a->m2 = NULL;
}

void gmdl__adapt_restart(gmdl__adapt *a, double eps) {
    a->mu = log(10.0 * eps);
    a->sbar = 0;
    a->xbar = 0;
    a->t = 0;
}

double gmdl__adapt_step(gmdl__adapt *a, double alpha) {
    const double gamma = 0.05, t0 = 10.0, kappa = 0.75;
    if (!(alpha <= 1.0))
        alpha = isnan(alpha) ? 0.0 : 1.0;
    a->t++;
    double t = (double)a->t, w = 1.0 / (t + t0);
    a->sbar = (1.0 - w) * a->sbar + w * (a->delta - alpha);
    double x = a->mu - a->sbar * sqrt(t) / gamma;
    double eta = pow(t, -kappa);
    a->xbar = eta * x + (1.0 - eta) * a->xbar;
    return exp(x);
}

double gmdl__adapt_final_step(const gmdl__adapt *a) {
    return exp(a->xbar);
}

/* The next window's end after the one that just ended at a->counter. */
static void next_window(gmdl__adapt *a) {
    size_t last = a->W - a->term_buf - 1;
    if (a->next_win == last)
        return;
    a->win_size *= 2;
    a->next_win = a->counter + a->win_size;
    if (a->next_win != last && a->next_win + 2 * a->win_size >= a->W - a->term_buf)
        a->next_win = last;
}

/* Replaces the chain's metric by the window's regularised (co)variance. */
static void set_metric(gmdl__adapt *a, gmdl__chain *c) {
    size_t d = a->d;
    double n = (double)a->n, shrink = n / (n + 5.0), reg = 1e-3 * 5.0 / (n + 5.0);
    for (size_t j = 0; j < d; j++) {
        double v = (a->dense ? a->m2[j * d + j] : a->m2[j]) / (n - 1.0);
        double r = reg * (v > 0 && v < 1.0 ? v : 1.0);
        if (a->dense && c->minv_dense) {
            for (size_t i = 0; i < d; i++)
                c->minv_dense[j * d + i] = shrink * a->m2[j * d + i] / (n - 1.0) + (i == j ? r : 0);
            continue;
        }
        c->minv[j] = shrink * v + r;
        c->sdm[j] = sqrt(c->minv[j]);
    }
}

/* Welford's update of the window's mean and (co)variance sums with u[d]. */
static void add_sample(gmdl__adapt *a, const double *u) {
    size_t d = a->d;
    a->n++;
    double inv = 1.0 / (double)a->n;
    if (!a->dense) {
        for (size_t j = 0; j < d; j++) {
            double e = u[j] - a->mean[j];
            a->mean[j] += e * inv;
            a->m2[j] += e * (u[j] - a->mean[j]);
        }
        return;
    }
    /* m2 += (u - mean_old)(u - mean_new)^T, symmetric in exact arithmetic */
    for (size_t i = 0; i < d; i++) {
        double ei = u[i] - a->mean[i];
        for (size_t j = 0; j < d; j++)
            a->m2[i * d + j] += ei * (u[j] - a->mean[j]) * (1.0 - inv);
    }
    for (size_t j = 0; j < d; j++)
        a->mean[j] += (u[j] - a->mean[j]) * inv;
}

int gmdl__adapt_metric(gmdl__adapt *a, gmdl__chain *c) {
    if (!a->metric) {
        a->counter++;
        return 0;
    }
    size_t k = a->counter;
    int in_window = k >= a->init_buf && k < a->W - a->term_buf && k != a->W;
    if (in_window)
        add_sample(a, c->u);
    int end = k == a->next_win && k != a->W, changed = 0;
    if (end) {
        next_window(a);
        if (a->n >= 2) {
            set_metric(a, c);
            changed = 1;
        }
        a->n = 0;
        memset(a->mean, 0, a->d * sizeof(double));
        memset(a->m2, 0, (a->dense ? a->d * a->d : a->d) * sizeof(double));
    }
    a->counter++;
    return changed;
}
