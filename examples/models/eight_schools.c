/* User model for `gmdl sample --model-lib`: posteriordb "eight_schools_noncentered" (Rubin 1981;
 * BDA3 5.5), user-model ABI 2 (gmdl/infer.h). Sampled: theta_trans[1..8], mu, tau (tau > 0 by
 * the library's log transform, Jacobian included by gmdl). Reported, in posteriordb's order:
 * theta[1..8] = mu + tau theta_trans, mu, tau.
 *   log p = sum_j N(theta_trans_j | 0, 1) + sum_j N(y_j | mu + tau theta_trans_j, sigma_j)
 *           + N(mu | 0, 5) + HalfCauchy(tau | 0, 5)   (+ const) */
#include <math.h>
#include <stdio.h>

#include "gmdl/gmdl.h"

#define J 8
static const double y[J] = {28, 8, -3, 7, -1, 1, 18, 12};
static const double sigma[J] = {15, 10, 16, 11, 9, 11, 10, 18};
static const char *const out_names[J + 2] = {"theta[1]", "theta[2]", "theta[3]", "theta[4]",
                                             "theta[5]", "theta[6]", "theta[7]", "theta[8]",
                                             "mu",       "tau"};
static const gmdl_transform tf[J + 2] = {[J + 1] = {GMDL_TF_LOWER, 0, 0}};

static gmdl_status logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) {
    (void)user;
    (void)err;
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
    *out = (gmdl_target){.dim = J + 2,
                         .logp = logp,
                         .transforms = tf,
                         .n_out = J + 2,
                         .out_names = out_names,
                         .generate = generate};
    return GMDL_OK;
}

static void destroy(void *state) {
    (void)state;
}

static const gmdl_user_model model = {
    .abi = GMDL_USER_MODEL_ABI,
    .size = sizeof(gmdl_user_model),
    .name = "eight_schools",
    .create = create,
    .destroy = destroy,
};

const gmdl_user_model *gmdl_user_model_v2(void) {
    return &model;
}
