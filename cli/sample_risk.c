/* The --risk-sweep report of `gmdl sample`: the bias-variance trade-off of approximate MCMC
 * (gmdl_risk_sweep) as one JSON object or a readable table, and the parsing of --steps. The sweep
 * itself is the library's; its plot is in sample_plot.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sample.h"

/* Standard error of a risk point's bias^2 estimate over R runs. The mean over runs of each
 * coordinate has noise v_j / R (v_j the run-to-run variance, summed: variance), so
 * Var(bias2) = sum_j 4 b_j^2 v_j / R + 2 v_j^2 / R^2 <= 4 bias2 variance / R + 2 (variance / R)^2:
 * this bound is what is reported. */
static double bias2_se(const gmdl_risk_point *q, size_t R) {
    double vr = q->variance / (double)R;
    return sqrt(4.0 * fmax(q->bias2, 0.0) * vr + 2.0 * vr * vr);
}

int sample_risk_steps(const char *text, double *steps, size_t *ns) {
    const char *p = text;
    *ns = 0;
    while (*p) {
        char *end;
        errno = 0;
        double x = strtod(p, &end);
        if (end == p || errno || !(x > 0) || !isfinite(x) || (*end && *end != ',') ||
            *ns == SAMPLE_RISK_MAX_STEPS) {
            fprintf(stderr,
                    "gmdl sample: --steps expects up to 64 positive numbers separated by "
                    "commas, got '%s'\n",
                    text);
            return 2;
        }
        steps[(*ns)++] = x;
        p = *end ? end + 1 : end;
    }
    return 0;
}

void sample_risk_report(const gmdl_risk_config *c,
                        const gmdl_risk_point *pts,
                        const gmdl_risk_point *mhp,
                        const double exact[2],
                        double seconds,
                        int json) {
    size_t ns = c->nsteps;
    if (json) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_int(&j, "budget", (long long)c->budget);
        json_int(&j, "repeats", (long long)c->repeats);
        json_arr_begin(&j, "exact_mean");
        json_num(&j, NULL, exact[0]);
        json_num(&j, NULL, exact[1]);
        json_arr_end(&j);
        json_arr_begin(&j, "sgld");
        for (size_t k = 0; k <= ns; k++) {
            const gmdl_risk_point *q = k < ns ? &pts[k] : mhp;
            if (k == ns) {
                json_arr_end(&j);
                json_obj_begin(&j, "mh");
            } else {
                json_obj_begin(&j, NULL);
            }
            json_num(&j, "step", q->step);
            json_int(&j, "iters", (long long)q->iters);
            json_num(&j, "bias2", q->bias2);
            json_num(&j, "bias2_se", bias2_se(q, c->repeats));
            json_num(&j, "variance", q->variance);
            json_num(&j, "risk", q->risk);
            json_obj_end(&j);
        }
        json_num(&j, "seconds", seconds);
        json_finish(&j);
        return;
    }
    printf("risk of the posterior-mean estimate, budget %zu item gradients per run, %zu runs per "
           "setting, exact mean (%.5g, %.5g), %.2f s\n\n",
           c->budget, c->repeats, exact[0], exact[1], seconds);
    printf("%-10s %10s %8s %11s %10s %11s %11s\n", "sampler", "step", "steps", "bias^2", "+-se",
           "variance", "risk");
    for (size_t k = 0; k <= ns; k++) {
        const gmdl_risk_point *q = k < ns ? &pts[k] : mhp;
        double se = bias2_se(q, c->repeats);
        printf("%-10s %10.4g %8zu %11.4g %10.2g %11.4g %11.4g%s\n", k < ns ? "sgld" : "mh (exact)",
               q->step, q->iters, q->bias2, se, q->variance, q->risk,
               q->bias2 < 3 * se ? "  (bias^2 below 3 se)" : "");
    }
    printf(
        "\nbias^2 is unbiased (the noise of the run mean removed) and its se is an upper bound;\n"
        "risk = bias^2 + variance (1 + 1/(R-1)), all against the exact grid posterior mean\n");
}
