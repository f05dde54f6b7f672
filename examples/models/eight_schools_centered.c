/* User model for `gmdl sample --model-lib`: the centered eight schools (posteriordb
 * "eight_schools_centered"; Rubin 1981; BDA3 5.5), user-model ABI 2 (gmdl/infer.h). Sampled and
 * reported: mu, tau (tau > 0 by the library's log transform, Jacobian included by gmdl),
 * theta[1..8].
 *   log p = N(mu | 0, 5) + HalfCauchy(tau | 0, 5) + sum_j N(theta_j | mu, tau)
 *           + sum_j N(y_j | theta_j, sigma_j)   (+ const)
 * Its funnel between tau and theta defeats HMC at small tau: NUTS reports divergent transitions
 * here (and none on the non-centered eight_schools), which is what this example is for. */
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
static const char *const names[J + 2] = {"mu",       "tau",      "theta[1]", "theta[2]",
                                         "theta[3]", "theta[4]", "theta[5]", "theta[6]",
                                         "theta[7]", "theta[8]"};
static const gmdl_transform tf[J + 2] = {[1] = {GMDL_TF_LOWER, 0, 0}};

static gmdl_status logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) {
    (void)err;
    const double *y = ((const schools *)user)->y, *sigma = ((const schools *)user)->sigma;
    double mu = x[0], tau = x[1];
    if (!(tau > 0)) {
        *lp = -HUGE_VAL;
        return GMDL_OK;
    }
    double l = -mu * mu / 50.0 - log1p(tau * tau / 25.0) - J * log(tau);
    double gmu = -mu / 25.0, gtau = -2.0 * tau / 25.0 / (1.0 + tau * tau / 25.0) - J / tau;
    for (int j = 0; j < J; j++) {
        double th = x[2 + j], e = th - mu, s2 = sigma[j] * sigma[j];
        l += -0.5 * e * e / (tau * tau) - 0.5 * (y[j] - th) * (y[j] - th) / s2;
        if (grad)
            grad[2 + j] = -e / (tau * tau) + (y[j] - th) / s2;
        gmu += e / (tau * tau);
        gtau += e * e / (tau * tau * tau);
    }
    *lp = l;
    if (grad) {
        grad[0] = gmu;
        grad[1] = gtau;
    }
    return GMDL_OK;
}

static gmdl_status create(gmdl_target *out, void **state, const char *arg, gmdl_err *err) {
    if (arg) {
        snprintf(err->msg, sizeof err->msg,
                 "eight_schools_centered: takes no --model-arg (got '%s')", arg);
        return GMDL_EINVAL;
    }
    *state = NULL;
    *out =
        (gmdl_target){.user = &rubin, .dim = J + 2, .logp = logp, .names = names, .transforms = tf};
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
                 "eight_schools_centered", J, nj);
        s = GMDL_EINVAL;
    }
    if (s == GMDL_OK)
        s = gmdl_data_vector(d->y, J, &ny, data, "y", err);
    if (s == GMDL_OK)
        s = gmdl_data_vector(d->sigma, J, &ns, data, "sigma", err);
    if (s == GMDL_OK && (ny != J || ns != J)) {
        snprintf(err->msg, sizeof err->msg, "%s: y and sigma need %d values (have %zu, %zu)",
                 "eight_schools_centered", J, ny, ns);
        s = GMDL_EINVAL;
    }
    for (int j = 0; s == GMDL_OK && j < J; j++)
        if (!(d->sigma[j] > 0)) {
            snprintf(err->msg, sizeof err->msg, "%s: sigma[%d] = %g must be positive",
                     "eight_schools_centered", j + 1, d->sigma[j]);
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
    .name = "eight_schools_centered",
    .create = create,
    .destroy = destroy,
    .create_data = create_data,
};

GMDL_MODEL_EXPORT const gmdl_user_model *gmdl_user_model_v2(void) {
    return &model;
}
