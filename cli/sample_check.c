/* gmdl sample --check-grad: the model's gradient against central finite differences at the
 * chains' start points (the points the chains would start from: uniform in (-R, R) on the
 * unconstrained scale from stream (seed, MCMC_CHAIN, k), or 0 with --init-radius 0). For each
 * unconstrained parameter the worst relative error |g - fd| / max(1, |g|, |fd|) over the points;
 * above the tolerance the command exits 2 naming the parameter. Step h = 1e-5 max(1, |u|): the
 * central difference's error is then about 1e-10 relative for a smooth log density, far below the
 * tolerance, while a wrong term (a sign, a factor) gives errors of order 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sample.h"

#define CHECK_TOL 1e-4

/* Worst relative error per parameter at one point u (scratch: x[dim], g[dim], v[dim]). */
static gmdl_status check_point(double *worst,
                               const gmdl_target *t,
                               const double *u,
                               double *x,
                               double *g,
                               double *v,
                               gmdl_err *err) {
    size_t d = t->dim;
    double lp, lp1, lp2;
    gmdl_status s = gmdl_target_logp_u(&lp, g, t, u, x, err);
    if (s != GMDL_OK)
        return s;
    if (!isfinite(lp))
        return GMDL_OK; /* outside the support: nothing to compare */
    for (size_t j = 0; j < d; j++) {
        double h = 1e-5 * (fabs(u[j]) > 1 ? fabs(u[j]) : 1.0);
        for (size_t k = 0; k < d; k++)
            v[k] = u[k];
        v[j] = u[j] + h;
        if ((s = gmdl_target_logp_u(&lp1, NULL, t, v, x, err)) != GMDL_OK)
            return s;
        v[j] = u[j] - h;
        if ((s = gmdl_target_logp_u(&lp2, NULL, t, v, x, err)) != GMDL_OK)
            return s;
        double fd = (lp1 - lp2) / (2 * h), den = fabs(g[j]);
        if (fabs(fd) > den)
            den = fabs(fd);
        if (den < 1)
            den = 1;
        double e = fabs(g[j] - fd) / den;
        if (!(e <= worst[j]))
            worst[j] = isnan(e) ? HUGE_VAL : e;
    }
    return GMDL_OK;
}

static void param_name(char *buf, size_t cap, const gmdl_target *t, size_t j) {
    if (t->names && t->names[j])
        snprintf(buf, cap, "%s", t->names[j]);
    else
        snprintf(buf, cap, "u[%zu]", j + 1);
}

int sample_check_grad(const gmdl_target *t, size_t chains, uint64_t seed, double radius) {
    size_t d = t->dim;
    if (t->no_grad) {
        fprintf(stderr, "gmdl sample: --check-grad: the model has no gradient (no_grad): gmdl "
                        "differentiates it numerically, there is nothing to check\n");
        return 2;
    }
    double *buf = calloc(5 * d, sizeof(double));
    if (!buf)
        return cli_fail("sample", GMDL_ENOMEM, NULL);
    double *worst = buf, *u = buf + d, *x = buf + 2 * d, *g = buf + 3 * d, *v = buf + 4 * d;
    gmdl_err err = {{0}};
    gmdl_status s = GMDL_OK;
    for (size_t k = 0; k < chains && s == GMDL_OK; k++) {
        gmdl_rng r;
        gmdl_rng_derive(&r, seed, GMDL_RNG_MCMC_CHAIN, k);
        for (size_t j = 0; j < d; j++)
            u[j] = radius > 0 ? radius * (2.0 * gmdl_rng_uniform(&r) - 1.0) : 0.0;
        s = check_point(worst, t, u, x, g, v, &err);
    }
    if (s != GMDL_OK) {
        free(buf);
        return cli_fail("sample", s, &err);
    }
    size_t jmax = 0;
    for (size_t j = 1; j < d; j++)
        if (worst[j] > worst[jmax])
            jmax = j;
    char name[64];
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_obj_begin(&j, "grad_check");
        for (size_t k = 0; k < d; k++) {
            param_name(name, sizeof name, t, k);
            json_num(&j, name, worst[k]);
        }
        json_obj_end(&j);
        json_num(&j, "tolerance", CHECK_TOL);
        json_int(&j, "points", (long long)chains);
        json_bool(&j, "ok", worst[jmax] <= CHECK_TOL);
        json_finish(&j);
    } else {
        printf("gradient check at %zu start point%s (central differences, tolerance %g):\n", chains,
               chains == 1 ? "" : "s", CHECK_TOL);
        for (size_t k = 0; k < d; k++) {
            param_name(name, sizeof name, t, k);
            printf("  %-16s worst relative error %.3g%s\n", name, worst[k],
                   worst[k] > CHECK_TOL ? "  WRONG" : "");
        }
    }
    int rc = 0;
    if (worst[jmax] > CHECK_TOL) {
        param_name(name, sizeof name, t, jmax);
        fprintf(stderr,
                "gmdl sample: --check-grad: the gradient of %s is wrong (relative error %.3g "
                "against finite differences, tolerance %g)\n",
                name, worst[jmax], CHECK_TOL);
        rc = 2;
    }
    free(buf);
    return rc;
}
