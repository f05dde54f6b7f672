/* User model for `gmdl sample --model-lib`: posteriordb "low_dim_gauss_mix", a two-component 1-D
 * Gaussian mixture fitted to 1000 simulated points, user-model ABI 2 (gmdl/infer.h).
 * The ordering mu[1] < mu[2] is built in: the sampled parameters are mu[1], d = mu[2] - mu[1] > 0,
 * sigma[1], sigma[2] > 0 and theta in (0, 1); the library's transforms add their log-Jacobians,
 * and mu[2] = mu[1] + d has unit Jacobian. Reported: mu[1], mu[2], sigma[1], sigma[2], theta.
 *   log p = sum_k N(mu_k | 0, 2) + sum_k HalfNormal(sigma_k | 0, 2) + Beta(theta | 5, 5)
 *           + sum_n log(theta N(y_n | mu_1, sigma_1) + (1 - theta) N(y_n | mu_2, sigma_2)) */
#include <math.h>
#include <stdio.h>

#include "gauss_mix_data.h"
#include "gmdl/gmdl.h"

static const char *const names[5] = {"mu[1]", "mu[2]", "sigma[1]", "sigma[2]", "theta"};
static const gmdl_transform tf[5] = {{GMDL_TF_NONE, 0, 0},
                                     {GMDL_TF_LOWER, 0, 0},
                                     {GMDL_TF_LOWER, 0, 0},
                                     {GMDL_TF_LOWER, 0, 0},
                                     {GMDL_TF_INTERVAL, 0, 1}};

static gmdl_status logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) {
    (void)user;
    (void)err;
    double m1 = x[0], m2 = x[0] + x[1], s1 = x[2], s2 = x[3], th = x[4];
    double l =
        -(m1 * m1 + m2 * m2) / 8.0 - (s1 * s1 + s2 * s2) / 8.0 + 4.0 * log(th) + 4.0 * log1p(-th);
    double g1 = -m1 / 4.0, g2 = -m2 / 4.0, gs1 = -s1 / 4.0, gs2 = -s2 / 4.0;
    double gth = 4.0 / th - 4.0 / (1.0 - th);
    double lth = log(th), l1th = log1p(-th), ls1 = log(s1), ls2 = log(s2);
    for (int n = 0; n < GAUSS_MIX_N; n++) {
        double z1 = (gauss_mix_y[n] - m1) / s1, z2 = (gauss_mix_y[n] - m2) / s2;
        double a = lth - ls1 - 0.5 * z1 * z1, b = l1th - ls2 - 0.5 * z2 * z2;
        double mx = a > b ? a : b, ln = mx + log(exp(a - mx) + exp(b - mx));
        l += ln;
        if (grad) {
            double r1 = exp(a - ln), r2 = 1.0 - r1; /* responsibilities */
            g1 += r1 * z1 / s1;
            g2 += r2 * z2 / s2;
            gs1 += r1 * (z1 * z1 - 1.0) / s1;
            gs2 += r2 * (z2 * z2 - 1.0) / s2;
            gth += r1 / th - r2 / (1.0 - th);
        }
    }
    *lp = l;
    if (grad) {
        grad[0] = g1 + g2; /* d/dmu1 with mu2 = mu1 + d */
        grad[1] = g2;
        grad[2] = gs1;
        grad[3] = gs2;
        grad[4] = gth;
    }
    return GMDL_OK;
}

static void generate(void *user, const double *x, double *out) {
    (void)user;
    out[0] = x[0];
    out[1] = x[0] + x[1];
    out[2] = x[2];
    out[3] = x[3];
    out[4] = x[4];
}

static gmdl_status create(gmdl_target *out, void **state, const char *arg, gmdl_err *err) {
    if (arg) {
        snprintf(err->msg, sizeof err->msg, "gauss_mix: takes no --model-arg (got '%s')", arg);
        return GMDL_EINVAL;
    }
    *state = NULL;
    *out = (gmdl_target){.dim = 5,
                         .logp = logp,
                         .transforms = tf,
                         .n_out = 5,
                         .out_names = names,
                         .generate = generate};
    return GMDL_OK;
}

static void destroy(void *state) {
    (void)state;
}

static const gmdl_user_model model = {
    .abi = GMDL_USER_MODEL_ABI,
    .size = sizeof(gmdl_user_model),
    .name = "gauss_mix",
    .create = create,
    .destroy = destroy,
};

GMDL_MODEL_EXPORT const gmdl_user_model *gmdl_user_model_v2(void) {
    return &model;
}
