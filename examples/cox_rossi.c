/* Cox regression with the public API: reads a CSV (default: the lifelines rossi recidivism data in
 * tests/data/survival), fits the linear Cox model with Efron ties, prints the coefficients with
 * their standard errors, Harrell's C, and the survival curve of the first row at a few times;
 * then saves the model and reads it back.
 *   example_cox_rossi [rossi.csv] [model.gmdl] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gmdl/gmdl.h"

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "tests/data/survival/rossi.csv";
    const char *out = argc > 2 ? argv[2] : "cox_rossi.gmdl";
    gmdl_err err = {{0}};
    gmdl_csv csv;
    if (gmdl_csv_read(&csv, path, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    /* time "week", event "arrest" (0/1), every other column a covariate */
    gmdl_surv_spec spec = {"week", "arrest", NULL, NULL, NULL, 0, NULL, 0, 0};
    gmdl_surv_data d;
    gmdl_status s = gmdl_surv_data_from_csv(&d, &csv, &spec, &err);
    gmdl_csv_fini(&csv);
    if (s) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    gmdl_cox_config cfg;
    gmdl_cox_config_default(&cfg); /* linear, Efron ties */
    gmdl_cox *m;
    if ((s = gmdl_cox_fit(&m, &d, &cfg, &err))) {
        fprintf(stderr, "%s\n", err.msg);
        gmdl_surv_data_fini(&d);
        return 1;
    }
    gmdl_cox_summary S;
    gmdl_cox_get_summary(&S, m);
    printf("n = %zu, events = %zu, loglik = %.7f (null %.7f)\n", S.n, S.events, S.loglik,
           S.loglik_null);
    for (size_t j = 0; j < S.p; j++)
        printf("%-6s coef %10.6f  se %9.6f  z %7.3f  p %.4f\n", d.names[j], S.coef[j], S.se[j],
               S.z[j], S.pvalue[j]);
    double *eta = malloc(d.n * sizeof *eta);
    gmdl_concordance c;
    if (!eta || gmdl_cox_risk(eta, m, d.x, d.n, &err) ||
        gmdl_cindex(&c, d.time, d.event, eta, d.n, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("Harrell's C = %.4f (%.0f comparable pairs)\n", c.c, c.comparable);
    const double *bt, *bh;
    size_t bm;
    gmdl_cox_baseline(&bt, &bh, &bm, m);
    double *surv = malloc(bm * sizeof *surv);
    if (surv && !gmdl_cox_survival(surv, m, d.x, 1, &err))
        for (size_t k = 0; k < bm; k += bm / 4 ? bm / 4 : 1)
            printf("S(week %g | row 1) = %.4f\n", bt[k], surv[k]);
    gmdl_cox *m2;
    if (gmdl_cox_save(m, out, &err) || gmdl_cox_load(&m2, out, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("saved and reloaded %s\n", out);
    gmdl_cox_destroy(m2);
    free(surv);
    free(eta);
    gmdl_cox_destroy(m);
    gmdl_surv_data_fini(&d);
    return 0;
}
