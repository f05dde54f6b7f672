/* gmdl compress: prune, pick bit precisions, quantise and write a .gmz; print the table of the
 * Bayesian-compression paper. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compress_budget.h"

static const cli_opt opts[] = {
    {"out", 'o', OPT_STRING, "FILE.gmz", NULL, "compressed model to write", 1, 0, 0},
    {"data", 0, OPT_STRING, "DIR", GMDL_DEFAULT_DATA,
     "IDX folder whose test set measures the error of the pruned and quantised net", 1, 0, 0},
    {"threshold", 0, OPT_STRING, "T", "auto",
     "prune at log alpha >= T, or T1,T2,... one per layer (each a number or auto); auto: 3 for svd "
     "and bbb (per weight), for bc-gnj and bc-ghs each layer's two-cluster split of its group "
     "statistics (bc-gnj: log alpha of the group scale, bc-ghs: the group's log noise-to-signal "
     "ratio, log of sum Var[w] / sum E[w]^2)",
     1, 0, 0},
    {"tolerance", 0, OPT_DOUBLE, "X", "0.002",
     "largest accepted rise of the test error (a fraction) from quantisation; bits are added to "
     "layers until it holds",
     0, 1, 0},
    {"histograms", 0, OPT_STRING, "FILE.png", NULL,
     "also draw each layer's log alpha histogram with its threshold (PNG)", 1, 0, 0},
    {"max-error", 0, OPT_DOUBLE, "E", NULL,
     "error budget (a fraction: 0.018 is 1.8%): the thresholds and bits that compress most while "
     "the error on the model's validation split (gmdl train --val), plus --budget-z standard "
     "errors, stays within E; the test set only reports",
     1e-9, 0.999999, 0},
    {"max-increase", 0, OPT_DOUBLE, "D", NULL,
     "error budget as a rise over the uncompressed model's validation error (a fraction: 0.005 is "
     "half a point), with the paired difference's standard error",
     0, 0.999999, 0},
    {"budget-z", 0, OPT_DOUBLE, "Z", "1",
     "standard errors of the validation split's sampling error kept in reserve by the budget", 0,
     10, 0},
    {"pareto", 0, OPT_STRING, "FILE", NULL,
     "with a budget: the search's accepted points, validation error against the three rates "
     "(FILE.png a plot, FILE.json JSON, else CSV)",
     1, 0, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores)", 0, 1024, 0},
};

static const cli_cmd cmd = {
    "compress",
    "gmdl compress MODEL --out FILE.gmz [--data DIR] [--threshold T] [--max-error E | "
    "--max-increase D] [--pareto FILE] [--json]",
    "Prunes a model trained with a Bayesian method (svd, bbb, bc-gnj, bc-ghs) by its posterior:\n"
    "single weights for svd and bbb, whole units and filters for bc-gnj and bc-ghs. Picks each\n"
    "layer's bit precision from the posterior variances (adding bits where quantisation would\n"
    "cost more than --tolerance of test error), writes a compressed model that gmdl eval runs\n"
    "directly, and prints the compression table of Louizos, Ullrich & Welling (2017). JSON keys:\n"
    "layers (name, shape, pruned_shape, nonzero, total, bits, rule_bits, threshold),\n"
    "nonzero_fraction, pruning_rate, fast_prediction_rate, max_compression_rate, test_error (of\n"
    "the written file, as gmdl eval measures it), test_error_pruned, bytes (file size), model;\n"
    "with a budget also budget (max_error or max_increase, z, budget, val_n,\n"
    "val_error_uncompressed, val_error, val_bound, within, evaluations, thresholds,\n"
    "significand_bits).",
    opts,
    sizeof opts / sizeof opts[0],
    1,
    1};

/* One panel per layer: the histogram of the log alphas (weights or groups, log count axis) and
 * the pruning threshold as a dashed line. */
static gmdl_status draw_histograms(const gmdl_model *m,
                                   const gmdl_method_info *mi,
                                   const gmdl_compress_report *r,
                                   const char *path,
                                   gmdl_err *err) {
    gmdl_plot *p;
    int cols = r->nlayers < 2 ? 1 : 2, rows = (r->nlayers + cols - 1) / cols;
    gmdl_status s = gmdl_plot_create(&p, 480 * cols, 320 * rows, rows, cols, err);
    if (s)
        return s;
    enum { BINS = 64 };
    const double lo = -12.0, hi = 12.0, w = (hi - lo) / BINS;
    for (int i = 0; i < r->nlayers && !s; i++) {
        size_t n = 0;
        const char *name;
        s = gmdl_model_log_alpha(NULL, 0, &n, &name, m, i, err);
        double *la = s ? NULL : malloc((n ? n : 1) * sizeof(double));
        if (!s && !la)
            s = GMDL_ENOMEM;
        if (!s)
            s = gmdl_model_log_alpha(la, n, &n, &name, m, i, err);
        if (s) {
            free(la);
            break;
        }
        double cnt[BINS] = {0}, ymax = 1.0;
        for (size_t q = 0; q < n; q++) {
            double v = la[q] < lo ? lo : la[q] > hi - 1e-9 ? hi - 1e-9 : la[q];
            cnt[(int)((v - lo) / w)] += 1.0;
        }
        free(la);
        double x[2 * BINS + 2], y[2 * BINS + 2];
        size_t k = 0;
        for (int b = 0; b < BINS; b++) {
            double c = cnt[b] > 0 ? cnt[b] : 0.5; /* empty bins drawn at the bottom of the axis */
            ymax = cnt[b] > ymax ? cnt[b] : ymax;
            x[k] = lo + b * w;
            y[k++] = c;
            x[k] = lo + (b + 1) * w;
            y[k++] = c;
        }
        char title[96];
        snprintf(title, sizeof title, "%s: %zu %s, threshold %.3g", name, n,
                 mi->structured ? "groups" : "weights", r->layers[i].threshold);
        s = gmdl_plot_axes(p, i, title, mi->statistic, "count", lo, hi, 0.5, ymax * 2.0,
                           GMDL_PLOT_LOGY);
        if (s)
            break;
        gmdl_plot_line(p, x, y, k, 0x1f77b4, 1.5, 0);
        if (isfinite(r->layers[i].threshold)) {
            double tx[2] = {r->layers[i].threshold, r->layers[i].threshold},
                   ty[2] = {0.5, ymax * 2};
            gmdl_plot_line(p, tx, ty, 2, 0xd62728, 1.5, 1);
        }
    }
    if (!s)
        s = gmdl_plot_save_png(p, path, err);
    gmdl_plot_destroy(p);
    return s;
}

/* --threshold auto | T | T1,T2,... (one per layer with a posterior, each a number or auto) into
 * cc, a list into lt (allocated here, the caller frees it); returns 0 or the exit code (message
 * printed). */
static int parse_thresholds(const char *th, gmdl_compress_config *cc, double **lt) {
    size_t most = 1;
    for (const char *p = th; *p; p++)
        most += *p == ',';
    *lt = malloc(most * sizeof(double));
    if (!*lt) {
        fprintf(stderr, "gmdl compress: out of memory\n");
        return 1;
    }
    size_t nth = 0;
    for (const char *p = th;; nth++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char buf[64];
        double t = NAN;
        int ok = len > 0 && len < sizeof buf;
        if (ok) {
            memcpy(buf, p, len);
            buf[len] = 0;
            if (strcmp(buf, "auto") != 0) {
                char *end;
                t = strtod(buf, &end);
                ok = end != buf && !*end && isfinite(t);
            }
        }
        if (!ok) {
            fprintf(stderr,
                    "gmdl compress: --threshold expects auto, a number, or a comma-separated list "
                    "of them (one per layer), got '%s'\n",
                    th);
            return 2;
        }
        (*lt)[nth] = t;
        if (!comma) {
            if (nth == 0) {
                cc->log_alpha_threshold = t; /* one value for every layer */
            } else {
                cc->layer_threshold = *lt;
                cc->layer_threshold_n = nth + 1;
            }
            return 0;
        }
        p = comma + 1;
    }
}

static void report_json(const char *out,
                        const gmdl_train_config *mc,
                        const gmdl_compress_report *r,
                        const compress_budget *b) {
    json_w j;
    json_init(&j, stdout);
    json_obj_begin(&j, NULL);
    json_str(&j, "model", out);
    json_str(&j, "arch", mc->arch);
    json_str(&j, "method", mc->method);
    json_arr_begin(&j, "layers");
    for (int i = 0; i < r->nlayers; i++) {
        const gmdl_compress_layer *l = &r->layers[i];
        json_obj_begin(&j, NULL);
        json_str(&j, "name", l->name);
        json_arr_begin(&j, "shape");
        for (int d = 0; d < l->ndim; d++)
            json_int(&j, NULL, (long long)l->shape[d]);
        json_arr_end(&j);
        json_arr_begin(&j, "pruned_shape");
        json_int(&j, NULL, (long long)l->pruned_rows);
        json_int(&j, NULL, (long long)l->pruned_cols);
        json_arr_end(&j);
        json_int(&j, "nonzero", (long long)l->nonzero);
        json_int(&j, "total", (long long)l->total);
        json_int(&j, "bits", l->bits);
        json_int(&j, "rule_bits", l->rule_bits);
        json_num(&j, "threshold", l->threshold);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_num(&j, "nonzero_fraction", r->nonzero_fraction);
    json_num(&j, "pruning_rate", r->pruning_rate);
    json_num(&j, "fast_prediction_rate", r->fast_prediction_rate);
    json_num(&j, "max_compression_rate", r->max_compression_rate);
    json_num(&j, "test_error", r->test_error);
    json_num(&j, "test_error_pruned", r->test_error_pruned);
    json_int(&j, "bytes", (long long)r->bytes);
    if (b->active)
        compress_budget_json(&j, b);
    json_finish(&j);
}

/* The compression table. */
static void report_text(const char *in,
                        const char *out,
                        const gmdl_train_config *mc,
                        const gmdl_method_info *mi,
                        const gmdl_compress_report *r,
                        const compress_budget *b) {
    printf("%s (%s, %s) -> %s, %zu bytes\n\n", in, mc->arch, mc->method, out, r->bytes);
    printf("%-8s %-16s %-12s %10s %10s %6s %6s %9s\n", "layer", "shape", "kept out x in", "nonzero",
           "total", "bits", "rule",
           mi->codebook     ? "prune at"
           : mi->structured ? "group >="
                            : "log a >=");
    for (int i = 0; i < r->nlayers; i++) {
        const gmdl_compress_layer *l = &r->layers[i];
        char shape[48] = "", kept[32];
        for (int d = 0; d < l->ndim; d++) {
            size_t len = strlen(shape);
            snprintf(shape + len, sizeof shape - len, d ? "x%llu" : "%llu",
                     (unsigned long long)l->shape[d]);
        }
        snprintf(kept, sizeof kept, "%zux%zu", l->pruned_rows, l->pruned_cols);
        char thr[24];
        snprintf(thr, sizeof thr, isnan(l->threshold) ? "zero comp." : "%.3g", l->threshold);
        printf("%-8s %-16s %-12s %10zu %10zu %6d %6d %9s\n", l->name, shape, kept, l->nonzero,
               l->total, l->bits, l->rule_bits, thr);
    }
    printf("\n%-24s %s\n", "method", mc->method);
    printf("%-24s %.2f%% (pruned, full precision %.2f%%)\n", "test error", 100 * r->test_error,
           100 * r->test_error_pruned);
    printf("%-24s %.2f%%\n", "|w != 0| / |w|", 100 * r->nonzero_fraction);
    printf("%-24s %.0f\n", "Pruning", r->pruning_rate);
    printf("%-24s %.0f\n", "Fast prediction", r->fast_prediction_rate);
    printf("%-24s %.0f\n", "Maximum compression", r->max_compression_rate);
    if (b->active)
        compress_budget_text(b);
}

/* The options that do not go together; 0 or 2 (message printed). */
static int check_options(const cli_val *v, const gmdl_method_info *mi, const char *in) {
    const int budget = OPTV(&cmd, v, "max-error")->set || OPTV(&cmd, v, "max-increase")->set;
    const char *why = NULL;
    if (OPTV(&cmd, v, "max-error")->set && OPTV(&cmd, v, "max-increase")->set)
        why = "give --max-error or --max-increase, not both";
    else if (budget && OPTV(&cmd, v, "threshold")->set)
        why = "--threshold sets the thresholds that a budget searches for: give one of them";
    else if (!budget && OPTV(&cmd, v, "pareto")->s)
        why = "--pareto draws the budget search: give --max-error or --max-increase";
    if (why) {
        fprintf(stderr, "gmdl compress: %s\n", why);
        return 2;
    }
    if (OPTV(&cmd, v, "histograms")->s && !mi->statistic) {
        fprintf(stderr,
                "gmdl compress: %s: --histograms draws log alpha, which a model trained "
                "with %s does not have\n",
                in, mi->name);
        return 2;
    }
    return 0;
}

/* Writes the reports (and --pareto) of a compression that succeeded. */
static int report(const cli_val *v,
                  const char *in,
                  const gmdl_train_config *mc,
                  const gmdl_method_info *mi,
                  const gmdl_compress_report *r,
                  const compress_budget *b) {
    const char *out = OPTV(&cmd, v, "out")->s;
    int rc = 0;
    if (OPTV(&cmd, v, "pareto")->s)
        rc = compress_budget_pareto(b, OPTV(&cmd, v, "pareto")->s);
    if (!rc && cli_json())
        report_json(out, mc, r, b);
    else if (!rc)
        report_text(in, out, mc, mi, r, b);
    return rc;
}

/* Compresses m into out and draws the histograms; returns 0 or the exit code. */
static int
compress_model(gmdl_model *m, const gmdl_dataset *test, const cli_val *v, const char *in) {
    const char *out = OPTV(&cmd, v, "out")->s, *hist = OPTV(&cmd, v, "histograms")->s;
    const gmdl_train_config *mc = gmdl_model_config(m);
    gmdl_method_info mi;
    gmdl_err err = {{0}};
    if (gmdl_method_lookup(&mi, mc->method, &err))
        return cli_fail("compress", GMDL_ECORRUPT, &err);
    int rc = check_options(v, &mi, in);
    if (rc)
        return rc;
    gmdl_compress_config cc = gmdl_compress_config_default();
    double *lt = NULL; /* the per-layer thresholds cc borrows */
    rc = parse_thresholds(OPTV(&cmd, v, "threshold")->s, &cc, &lt);
    cc.tolerance = OPTV(&cmd, v, "tolerance")->d;
    compress_budget b = {0};
    gmdl_budget_config bc = gmdl_budget_config_default();
    bc.z = OPTV(&cmd, v, "budget-z")->d;
    if (OPTV(&cmd, v, "max-error")->set)
        bc.max_error = OPTV(&cmd, v, "max-error")->d;
    if (OPTV(&cmd, v, "max-increase")->set)
        bc.max_increase = OPTV(&cmd, v, "max-increase")->d;
    gmdl_set_flush_denormals(1);
    if (!rc && (!isnan(bc.max_error) || !isnan(bc.max_increase)))
        rc = compress_budget_run(&b, m, in, OPTV(&cmd, v, "data")->s, &bc, &cc);
    gmdl_compress_report r = {0};
    gmdl_status s = rc ? GMDL_OK : gmdl_model_compress(&r, m, test, &cc, out, &err);
    free(lt);
    if (!rc && !s && hist)
        s = draw_histograms(m, &mi, &r, hist, &err);
    if (!rc)
        rc = s ? cli_fail("compress", s, &err) : report(v, in, mc, &mi, &r, &b);
    gmdl_compress_report_fini(&r);
    compress_budget_fini(&b);
    return rc;
}

int cmd_compress(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!OPTV(&cmd, v, "out")->s) {
        fprintf(stderr, "gmdl compress: --out FILE.gmz is required\n");
        return 2;
    }
    struct stat in_st, out_st; /* never write the compressed model over the one it comes from */
    if (stat(pos[0], &in_st) == 0 && stat(OPTV(&cmd, v, "out")->s, &out_st) == 0 &&
        in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino) {
        fprintf(stderr,
                "gmdl compress: --out %s is the model being compressed; choose another file\n",
                OPTV(&cmd, v, "out")->s);
        return 2;
    }
    cli_threads(OPTV(&cmd, v, "threads")->i);
    gmdl_err err = {{0}};
    gmdl_model *m;
    gmdl_status s = gmdl_model_load(&m, pos[0], &err);
    if (s)
        return cli_fail("compress", s, &err);
    if (gmdl_model_tabular(m)) { /* said before the data are read (a table is no IDX folder) */
        fprintf(stderr,
                "gmdl compress: %s was trained on a table: a .gmz does not keep its "
                "standardisation and class labels, so it is not compressed\n",
                pos[0]);
        gmdl_model_destroy(m);
        return 2;
    }
    gmdl_dataset test;
    s = gmdl_dataset_load_dir(&test, OPTV(&cmd, v, "data")->s, 1, gmdl_model_classes(m), &err);
    if (s) {
        gmdl_model_destroy(m);
        return cli_fail("compress", s, &err);
    }
    rc = compress_model(m, &test, v, pos[0]);
    gmdl_dataset_fini(&test);
    gmdl_model_destroy(m);
    return rc;
}
