/* User model for `gmdl sample --model-lib`: posteriordb "eight_schools_noncentered" (Rubin 1981;
 * BDA3 5.5), user-model ABI 2 (gmdl/infer.h). Sampled: theta_trans[1..8], mu, tau (tau > 0 by
 * the library's log transform, Jacobian included by gmdl). Reported, in posteriordb's order:
 * theta[1..8] = mu + tau theta_trans, mu, tau.
 *   log p = sum_j N(theta_trans_j | 0, 1) + sum_j N(y_j | mu + tau theta_trans_j, sigma_j)
 *           + N(mu | 0, 5) + HalfCauchy(tau | 0, 5)   (+ const) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gmdl/gmdl.h"

#define J 8
/* The data: Rubin's by default, or J, y and sigma of --data FILE.json (posteriordb's data.json). */
typedef struct schools {
    double y[J], sigma[J];
} schools;
static schools rubin = {{28, 8, -3, 7, -1, 1, 18, 12}, {15, 10, 16, 11, 9, 11, 10, 18}};
static const char *const out_names[J + 2] = {"theta[1]", "theta[2]", "theta[3]", "theta[4]",
                                             "theta[5]", "theta[6]", "theta[7]", "theta[8]",
                                             "mu",       "tau"};
static const gmdl_transform tf[J + 2] = {[J + 1] = {GMDL_TF_LOWER, 0, 0}};

static gmdl_status logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) {
    (void)err;
    const double *y = ((const schools *)user)->y, *sigma = ((const schools *)user)->sigma;
    double mu = x[J], tau = x[J + 1];
    double l = -mu * mu / 50.0 - log1p(tau * tau / 25.0);
    double gmu = -mu / 25.0, gtau = -2.0 * tau / 25.0 / (1.0 + tau * tau / 25.0);
    for (int j = 0; j < J; j++) {
        double s2 = sigma[j] * sigma[j], r = y[j] - mu - tau * x[j];
        l += -0.5 * x[j] * x[j] - 0.5 * r * r / s2;
        if (grad)
            grad[j] = -x[j] + r * tau / s2;
        gmu += r / s2;
        gtau += r * x[j] / s2;
    }
    *lp = l;
    if (grad) {
        grad[J] = gmu;
        grad[J + 1] = gtau;
    }
    return GMDL_OK;
}

static void generate(void *user, const double *x, double *out) {
    (void)user;
    for (int j = 0; j < J; j++)
        out[j] = x[J] + x[J + 1] * x[j];
    out[J] = x[J];
    out[J + 1] = x[J + 1];
}

static gmdl_status create(gmdl_target *out, void **state, const char *arg, gmdl_err *err) {
    if (arg) {
        snprintf(err->msg, sizeof err->msg, "eight_schools: takes no --model-arg (got '%s')", arg);
        return GMDL_EINVAL;
    }
    *state = NULL;
    *out = (gmdl_target){.user = &rubin,
                         .dim = J + 2,
                         .logp = logp,
                         .transforms = tf,
                         .n_out = J + 2,
                         .out_names = out_names,
                         .generate = generate};
    return GMDL_OK;
}

/* --data FILE.json: J (must be 8), y and sigma through the library's Stan-data accessor. This
 * calls libgmdl (gmdl_data_*), which the gmdl executable has loaded. */
static gmdl_status
create_data(gmdl_target *out, void **state, const char *arg, const gmdl_data *data, gmdl_err *err) {
    gmdl_status s = create(out, state, arg, err);
    if (s != GMDL_OK || !data)
        return s;
    long long nj = 0;
    size_t ny = 0, ns = 0;
    schools *d = malloc(sizeof *d);
    if (!d)
        return GMDL_ENOMEM;
    s = gmdl_data_int(&nj, data, "J", err);
    if (s == GMDL_OK && nj != J) {
        snprintf(err->msg, sizeof err->msg, "%s: this example has J = %d schools, the data %lld",
                 "eight_schools", J, nj);
        s = GMDL_EINVAL;
    }
    if (s == GMDL_OK)
        s = gmdl_data_vector(d->y, J, &ny, data, "y", err);
    if (s == GMDL_OK)
        s = gmdl_data_vector(d->sigma, J, &ns, data, "sigma", err);
    if (s == GMDL_OK && (ny != J || ns != J)) {
        snprintf(err->msg, sizeof err->msg, "%s: y and sigma need %d values (have %zu, %zu)",
                 "eight_schools", J, ny, ns);
        s = GMDL_EINVAL;
    }
    for (int j = 0; s == GMDL_OK && j < J; j++)
        if (!(d->sigma[j] > 0)) {
            snprintf(err->msg, sizeof err->msg, "%s: sigma[%d] = %g must be positive",
                     "eight_schools", j + 1, d->sigma[j]);
            s = GMDL_EINVAL;
        }
    if (s != GMDL_OK) {
        free(d);
        return s;
    }
    *state = d;
    out->user = d;
    return GMDL_OK;
}

static void destroy(void *state) {
    free(state);
}

static const gmdl_user_model model = {
    .abi = GMDL_USER_MODEL_ABI,
    .size = sizeof(gmdl_user_model),
    .name = "eight_schools",
    .create = create,
    .destroy = destroy,
    .create_data = create_data,
};

GMDL_MODEL_EXPORT const gmdl_user_model *gmdl_user_model_v2(void) {
    return &model;
}
