/* The bias-variance decomposition of polynomial regression, measured (see gmdl_biasvar in
 * gmdl/uq.h). Training set r: the fixed design x_i = (i + 1/2) / n_train, t = sin(2 pi x) +
 * N(0, sd^2), the noise from the stream (seed, DATA_SYNTH, r); test inputs x_j = (j + 1/2) / n_test
 * with fresh targets from (seed, SAMPLING, r), the same for every degree (common random numbers).
 * The polynomial is in u = 2x - 1 and fitted by least squares with a small ridge. */
#include "diag/diag_internal.h"
#include "gmdl/rng.h"
#include "gmdl/uq.h"
#include "uq/uq_internal.h"

#define TWO_PI 6.283185307179586

gmdl_biasvar_config gmdl_biasvar_config_default(void) {
    gmdl_biasvar_config c = {9, 25, 200, 200, 0.3, 1e-6, 1};
    return c;
}

/* Fits degree d to training set r; predictions at the test inputs into y [n_test], the
 * coefficients into w [d + 1]. */
static int fit(double *y,
               double *w,
               double *G,
               double *xs,
               double *ts,
               const gmdl_biasvar_config *c,
               int d,
               size_t r) {
    const int M = d + 1;
    double phi[64];
    gmdl_rng rng;
    gmdl_rng_derive(&rng, c->seed, GMDL_RNG_DATA_SYNTH, (uint64_t)r);
    for (size_t i = 0; i < c->n_train; i++) {
        xs[i] = ((double)i + 0.5) / (double)c->n_train;
        ts[i] = sin(TWO_PI * xs[i]) + c->noise_sd * gmdl_rng_normal(&rng);
    }
    memset(G, 0, (size_t)M * M * sizeof(double));
    memset(w, 0, (size_t)M * sizeof(double));
    for (size_t i = 0; i < c->n_train; i++) {
        gmdl__uq_basis_row(phi, 2.0 * xs[i] - 1.0, 0, d, -1.0, 1.0);
        for (int a = 0; a < M; a++) {
            w[a] += phi[a] * ts[i];
            for (int b = 0; b < M; b++)
                G[a * M + b] += phi[a] * phi[b];
        }
    }
    for (int a = 0; a < M; a++)
        G[a * M + a] += c->ridge;
    if (gmdl__uq_cholesky_solve(G, w, M, NULL))
        return -1;
    for (size_t j = 0; j < c->n_test; j++) {
        gmdl__uq_basis_row(phi, 2.0 * ((double)j + 0.5) / (double)c->n_test - 1.0, 0, d, -1.0, 1.0);
        double v = 0.0;
        for (int a = 0; a < M; a++)
            v += phi[a] * w[a];
        y[j] = v;
    }
    return 0;
}

/* Squared errors against fresh test targets: per run r the mean over the test inputs into
 * run_err [R]. */
static void measure(double *run_err, const double *est, const gmdl_biasvar_config *c) {
    for (size_t r = 0; r < c->repeats; r++) {
        gmdl_rng rng;
        gmdl_rng_derive(&rng, c->seed, GMDL_RNG_SAMPLING, (uint64_t)r);
        double s = 0.0;
        for (size_t j = 0; j < c->n_test; j++) {
            double x = ((double)j + 0.5) / (double)c->n_test;
            double tj = sin(TWO_PI * x) + c->noise_sd * gmdl_rng_normal(&rng);
            double e = est[r * c->n_test + j] - tj;
            s += e * e;
        }
        run_err[r] = s / (double)c->n_test;
    }
}

static gmdl_status one_degree(gmdl_biasvar_point *p,
                              double *est,
                              double *coef,
                              double *work,
                              const gmdl_biasvar_config *c,
                              int d,
                              gmdl_err *err) {
    const size_t R = c->repeats, T = c->n_test, M = (size_t)d + 1;
    double *G = work, *xs = G + M * M, *ts = xs + c->n_train, *truth = ts + c->n_train,
           *mean = truth + T, *run_err = mean + T;
    for (size_t r = 0; r < R; r++)
        if (fit(est + r * T, coef + r * M, G, xs, ts, c, d, r))
            return gmdl__fail(err, GMDL_ENUMERIC, "biasvar: degree %d: singular fit", d);
    for (size_t j = 0; j < T; j++)
        truth[j] = sin(TWO_PI * ((double)j + 0.5) / (double)T);
    double b2, var;
    gmdl__bias_variance(est, R, T, truth, mean, &b2, &var);
    measure(run_err, est, c);
    double me = 0.0, me2 = 0.0;
    for (size_t r = 0; r < R; r++)
        me += run_err[r] / (double)R;
    for (size_t r = 0; r < R; r++)
        me2 += (run_err[r] - me) * (run_err[r] - me) / ((double)R - 1.0);
    double cb2, cvar; /* the coefficients' spread over the runs */
    gmdl__bias_variance(coef, R, M, mean, mean, &cb2, &cvar);
    p->degree = d;
    p->bias2 = b2 / (double)T;
    p->variance = var / (double)T;
    p->noise = c->noise_sd * c->noise_sd;
    p->expected_error = p->bias2 + p->variance + p->noise;
    p->measured_error = me;
    p->measured_se = sqrt(me2 / (double)R);
    p->param_sd = sqrt(cvar / (double)M);
    return GMDL_OK;
}

gmdl_status gmdl_biasvar(gmdl_biasvar_point *out, const gmdl_biasvar_config *c, gmdl_err *err) {
    if (c->max_degree < 0 || c->max_degree > 20 || c->repeats < 2 || c->n_test < 1 ||
        c->n_train < 1 || !(c->noise_sd >= 0) || !(c->ridge >= 0))
        return gmdl__fail(err, GMDL_EINVAL,
                          "biasvar: need degrees 0..20, repeats >= 2, n_train >= 1, n_test >= 1, "
                          "noise sd >= 0 and ridge >= 0");
    const size_t R = c->repeats, T = c->n_test, M = (size_t)c->max_degree + 1;
    double *est = gmdl__malloc(R * T * sizeof(double)),
           *coef = gmdl__malloc(R * M * sizeof(double)),
           *work = gmdl__malloc((M * M + 2 * c->n_train + 2 * T + R) * sizeof(double));
    gmdl_status s =
        est && coef && work ? GMDL_OK : gmdl__fail(err, GMDL_ENOMEM, "biasvar: out of memory");
    for (int d = 0; d <= c->max_degree && !s; d++)
        s = one_degree(&out[d], est, coef, work, c, d, err);
    gmdl__free(est);
    gmdl__free(coef);
    gmdl__free(work);
    return s;
}
