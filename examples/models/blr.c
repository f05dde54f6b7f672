/* User model for `gmdl sample --model-lib`: posteriordb "sblrc-blr", Bayesian linear regression on
 * 100 simulated rows with 5 correlated predictors, user-model ABI 2 (gmdl/infer.h).
 * Parameters beta[1..5] and sigma > 0 (log transform by the library).
 *   log p = sum_d N(beta_d | 0, 10) + HalfNormal(sigma | 0, 10) + sum_n N(y_n | x_n . beta, sigma)
 */
#include <math.h>
#include <stdio.h>

#include "blr_data.h"
#include "gmdl/gmdl.h"

static const char *const names[BLR_D + 1] = {"beta[1]", "beta[2]", "beta[3]",
                                             "beta[4]", "beta[5]", "sigma"};
static const gmdl_transform tf[BLR_D + 1] = {[BLR_D] = {GMDL_TF_LOWER, 0, 0}};

static gmdl_status logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) {
    (void)user;
    (void)err;
    double sg = x[BLR_D], iv = 1.0 / (sg * sg), l = -sg * sg / 200.0, gs = -sg / 100.0;
    if (grad)
        for (int d = 0; d < BLR_D; d++)
            grad[d] = -x[d] / 100.0;
    for (int d = 0; d < BLR_D; d++)
        l -= x[d] * x[d] / 200.0;
    for (int n = 0; n < BLR_N; n++) {
        const double *xn = blr_X + n * BLR_D;
        double r = blr_y[n];
        for (int d = 0; d < BLR_D; d++)
            r -= xn[d] * x[d];
        l += -log(sg) - 0.5 * r * r * iv;
        gs += -1.0 / sg + r * r * iv / sg;
        if (grad)
            for (int d = 0; d < BLR_D; d++)
                grad[d] += r * iv * xn[d];
    }
    *lp = l;
    if (grad)
        grad[BLR_D] = gs;
    return GMDL_OK;
}

static gmdl_status create(gmdl_target *out, void **state, const char *arg, gmdl_err *err) {
    if (arg) {
        snprintf(err->msg, sizeof err->msg, "blr: takes no --model-arg (got '%s')", arg);
        return GMDL_EINVAL;
    }
    *state = NULL;
    *out = (gmdl_target){.dim = BLR_D + 1, .logp = logp, .names = names, .transforms = tf};
    return GMDL_OK;
}

static void destroy(void *state) {
    (void)state;
}

static const gmdl_user_model model = {
    .abi = GMDL_USER_MODEL_ABI,
    .size = sizeof(gmdl_user_model),
    .name = "blr",
    .create = create,
    .destroy = destroy,
};

GMDL_MODEL_EXPORT const gmdl_user_model *gmdl_user_model_v2(void) {
    return &model;
}
