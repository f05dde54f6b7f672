/* gmdl compress --max-error / --max-increase: the budget search on the model's validation split
 * (re-created from the training set as gmdl train --val drew it), and --pareto's curve. */
#include "compress_budget.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uq_cli.h"

int compress_budget_run(compress_budget *b,
                        gmdl_model *m,
                        const char *in,
                        const char *data,
                        const gmdl_budget_config *bc,
                        gmdl_compress_config *cc) {
    const gmdl_train_config *mc = gmdl_model_config(m);
    if (mc->val < 1) {
        fprintf(stderr,
                "gmdl compress: %s has no validation split, which --max-error and "
                "--max-increase measure on (the test set is never used to choose): train it with "
                "gmdl train --val N\n",
                in);
        return 2;
    }
    gmdl_err err = {{0}};
    gmdl_dataset train, val;
    gmdl_status s = gmdl_dataset_load_dir(&train, data, 0, gmdl_model_classes(m), &err);
    if (!s) {
        s = gmdl_dataset_holdout(NULL, &val, &train, (size_t)mc->val, mc->seed, &err);
        gmdl_dataset_fini(&train);
    }
    if (s)
        return cli_fail("compress", s, &err);
    b->val_n = val.n;
    if (!cli_quiet())
        fprintf(stderr,
                "gmdl compress: searching thresholds and bits on the %zu-image validation split\n",
                val.n);
    s = gmdl_model_budget_search(&b->res, m, &val, bc, &err);
    gmdl_dataset_fini(&val);
    if (s)
        return cli_fail("compress", s, &err);
    b->active = 1;
    b->cfg = *bc;
    cc->layer_threshold = b->res.threshold;
    cc->layer_threshold_n = (size_t)b->res.nlayers;
    cc->layer_bits = b->res.bits;
    cc->layer_bits_n = (size_t)b->res.nlayers;
    if (!b->res.within)
        fprintf(stderr,
                "gmdl compress: no compression of %s keeps the validation error bound within "
                "%.2f%%; writing the one with the least bound (%.2f%%)\n",
                in, 100 * b->res.budget, 100 * b->res.bound);
    else if (!cli_quiet())
        fprintf(stderr,
                "gmdl compress: %zu models measured; chosen: validation error %.2f%% (bound "
                "%.2f%%, budget %.2f%%)\n",
                b->res.evaluations, 100 * b->res.val_error, 100 * b->res.bound,
                100 * b->res.budget);
    return 0;
}

void compress_budget_fini(compress_budget *b) {
    gmdl_budget_result_fini(&b->res);
    memset(b, 0, sizeof *b);
}

void compress_budget_json(json_w *j, const compress_budget *b) {
    const gmdl_budget_result *r = &b->res;
    json_obj_begin(j, "budget");
    if (!isnan(b->cfg.max_error))
        json_num(j, "max_error", b->cfg.max_error);
    else
        json_num(j, "max_increase", b->cfg.max_increase);
    json_num(j, "z", b->cfg.z);
    json_num(j, "budget", r->budget);
    json_int(j, "val_n", (long long)b->val_n);
    json_num(j, "val_error_uncompressed", r->val_error_dense);
    json_num(j, "val_error", r->val_error);
    json_num(j, "val_bound", r->bound);
    json_bool(j, "within", r->within);
    json_int(j, "evaluations", (long long)r->evaluations);
    json_arr_begin(j, "thresholds");
    for (int i = 0; i < r->nlayers; i++)
        json_num(j, NULL, r->threshold[i]);
    json_arr_end(j);
    json_arr_begin(j, "significand_bits");
    for (int i = 0; i < r->nlayers; i++)
        json_int(j, NULL, r->bits[i]);
    json_arr_end(j);
    json_obj_end(j);
}

void compress_budget_text(const compress_budget *b) {
    const gmdl_budget_result *r = &b->res;
    printf("%-24s %.2f%% on the %zu-image validation split (bound %.2f%%, budget %.2f%%%s)\n",
           "validation error", 100 * r->val_error, b->val_n, 100 * r->bound, 100 * r->budget,
           r->within ? "" : ", NOT met");
    printf("%-24s %.2f%%\n", "uncompressed (val.)", 100 * r->val_error_dense);
}

static void csv_row(FILE *f, const gmdl_budget_result *r, size_t p) {
    const gmdl_budget_point *q = &r->points[p];
    fprintf(f, "%zu,%d,%d,%.6f,%.6f,%.0f,%.0f,%.0f,%zu", p, q->phase, p == r->chosen, q->val_error,
            q->bound, q->pruning_rate, q->fast_prediction_rate, q->max_compression_rate,
            q->nonzero);
    for (int i = 0; i < r->nlayers; i++)
        fprintf(f, ",%.6g", r->point_threshold[p * (size_t)r->nlayers + (size_t)i]);
    for (int i = 0; i < r->nlayers; i++)
        fprintf(f, ",%d", r->point_bits[p * (size_t)r->nlayers + (size_t)i]);
    fputc('\n', f);
}

static void pareto_csv(FILE *f, const gmdl_budget_result *r) {
    fprintf(f, "point,phase,chosen,val_error,val_bound,pruning,fast_prediction,max_compression,"
               "nonzero");
    for (int i = 0; i < r->nlayers; i++)
        fprintf(f, ",threshold%d", i + 1);
    for (int i = 0; i < r->nlayers; i++)
        fprintf(f, ",bits%d", i + 1);
    fputc('\n', f);
    for (size_t p = 0; p < r->npoints; p++)
        csv_row(f, r, p);
}

static void pareto_json(FILE *f, const compress_budget *b) {
    const gmdl_budget_result *r = &b->res;
    json_w j;
    json_init(&j, f);
    json_obj_begin(&j, NULL);
    compress_budget_json(&j, b);
    json_arr_begin(&j, "points");
    for (size_t p = 0; p < r->npoints; p++) {
        const gmdl_budget_point *q = &r->points[p];
        json_obj_begin(&j, NULL);
        json_int(&j, "phase", q->phase);
        json_bool(&j, "chosen", p == r->chosen);
        json_num(&j, "val_error", q->val_error);
        json_num(&j, "val_bound", q->bound);
        json_num(&j, "pruning_rate", q->pruning_rate);
        json_num(&j, "fast_prediction_rate", q->fast_prediction_rate);
        json_num(&j, "max_compression_rate", q->max_compression_rate);
        json_int(&j, "nonzero", (long long)q->nonzero);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_finish(&j);
}

/* Three panels: validation error (and its bound, dashed) against each rate, log x; the budget as
 * a red line, the chosen point in red. */
static gmdl_status pareto_png(const gmdl_budget_result *r, const char *path, gmdl_err *err) {
    gmdl_plot *p;
    gmdl_status s = gmdl_plot_create(&p, 1440, 400, 1, 3, err);
    if (s)
        return s;
    size_t n = r->npoints;
    double *x = malloc((n + 1) * sizeof(double)), *y = malloc((n + 1) * sizeof(double)),
           *yb = malloc((n + 1) * sizeof(double));
    double ylo = r->budget, yhi = r->budget;
    for (size_t q = 0; q < n; q++) {
        ylo = fmin(ylo, r->points[q].val_error);
        yhi = fmax(yhi, r->points[q].bound);
    }
    static const char *const name[3] = {"Pruning", "Fast prediction", "Maximum compression"};
    for (int k = 0; k < 3 && !s && x && y && yb; k++) {
        double xhi = 1.0;
        for (size_t q = 0; q < n; q++) {
            const gmdl_budget_point *pt = &r->points[q];
            x[q] = k == 0   ? pt->pruning_rate
                   : k == 1 ? pt->fast_prediction_rate
                            : pt->max_compression_rate;
            x[q] = x[q] >= 1.0 ? x[q] : 1.0;
            xhi = fmax(xhi, x[q]);
            y[q] = 100 * pt->val_error;
            yb[q] = 100 * pt->bound;
        }
        s = gmdl_plot_axes(p, k, name[k], name[k], "validation error (%)", 1.0, xhi * 1.5,
                           100 * ylo - 0.1, 100 * yhi + 0.1, GMDL_PLOT_LOGX);
        if (s)
            break;
        gmdl_plot_line(p, x, y, n, 0x1f77b4, 1.5, 0);
        gmdl_plot_line(p, x, yb, n, 0x1f77b4, 1.0, 1);
        gmdl_plot_points(p, x, y, n, 0x1f77b4, 0.8, 3.0);
        double bx[2] = {1.0, xhi * 1.5}, by[2] = {100 * r->budget, 100 * r->budget};
        gmdl_plot_line(p, bx, by, 2, 0xd62728, 1.0, 1);
        if (n)
            gmdl_plot_points(p, &x[r->chosen], &y[r->chosen], 1, 0xd62728, 1.0, 5.0);
    }
    if (!s && (!x || !y || !yb))
        s = GMDL_ENOMEM;
    free(x);
    free(y);
    free(yb);
    if (!s)
        s = gmdl_plot_save_png(p, path, err);
    gmdl_plot_destroy(p);
    return s;
}

int compress_budget_pareto(const compress_budget *b, const char *path) {
    gmdl_err err = {{0}};
    if (cli_ends_with(path, ".png")) {
        gmdl_status s = pareto_png(&b->res, path, &err);
        return s ? cli_fail("compress", s, &err) : 0;
    }
    char tmp[4096];
    FILE *f = uq_out_open("compress", path, tmp, sizeof tmp);
    if (!f)
        return 1;
    if (cli_ends_with(path, ".json"))
        pareto_json(f, b);
    else
        pareto_csv(f, &b->res);
    return uq_out_close("compress", f, tmp, path);
}
