/* gmdl cox: Cox proportional-hazards regression (linear or DeepSurv MLP) from a CSV file, its
 * report (coefficients as R prints them, C-index with a bootstrap interval, likelihood-ratio
 * test), model files, and survival curves of new rows from a saved model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt opts[] = {
    {"data", 0, OPT_STRING, "FILE", NULL, "training CSV (header row)", 1, 0, 0},
    {"time", 0, OPT_STRING, "COL", "time", "column of event or censoring times (> 0)", 1, 0, 0},
    {"event", 0, OPT_STRING, "COL", "event", "event column", 1, 0, 0},
    {"event-value", 0, OPT_STRING, "V", NULL,
     "event cell meaning an event (e.g. 2 for R's lung); default: any nonzero number", 1, 0, 0},
    {"censor-value", 0, OPT_STRING, "V,...", NULL,
     "with --event-value: the censoring cells; default: the one other value seen", 1, 0, 0},
    {"x", 0, OPT_STRING, "COL,...", NULL, "covariates (default: every other column)", 1, 0, 0},
    {"baseline", 0, OPT_STRING, "C=LEVEL,...", NULL,
     "baseline level of categorical columns (default: the first level seen)", 1, 0, 0},
    {"drop-missing", 0, OPT_FLAG, NULL, NULL, "leave out rows with a missing used cell (counted)",
     1, 0, 0},
    {"arch", 0, OPT_STRING, "ARCH", "linear", "linear, or mlp:H1-H2-... (DeepSurv)", 1, 0, 0},
    {"ties", 0, OPT_STRING, "T", "efron", "tie correction: efron or breslow", 1, 0, 0},
    {"test", 0, OPT_STRING, "FILE", NULL, "test CSV (same columns) for the test C-index", 1, 0, 0},
    {"split", 0, OPT_DOUBLE, "F", "0", "hold out a seeded fraction F of the rows as test set", 0,
     0.9, 0},
    {"seed", 0, OPT_INT, "S", "1", "seed of --split, the MLP and the bootstrap", 0, 9.2e18, 0},
    {"bootstrap", 0, OPT_INT, "B", "200", "bootstrap resamples for the C-index interval (0: none)",
     0, 1e6, 0},
    {"epochs", 0, OPT_INT, "N", "2000", "MLP: at most N full-batch Adam steps", 1, 1e7, 0},
    {"patience", 0, OPT_INT, "N", "100", "MLP: early-stopping patience (epochs)", 1, 1e7, 0},
    {"optim", 0, OPT_STRING, "O", "adam", "MLP: optimiser, adam or sgd (with momentum)", 1, 0, 0},
    {"momentum", 0, OPT_DOUBLE, "M", "0.9", "MLP: SGD momentum", 0, 0.999, 0},
    {"lr", 0, OPT_DOUBLE, "LR", "0.001", "MLP: learning rate", 1e-8, 10, 0},
    {"l2", 0, OPT_DOUBLE, "L", "0.001", "MLP: L2 penalty on the weights", 0, 1e3, 0},
    {"dropout", 0, OPT_DOUBLE, "P", "0.1", "MLP: dropout after each hidden layer", 0, 0.95, 0},
    {"val-frac", 0, OPT_DOUBLE, "F", "0.2",
     "MLP: seeded validation fraction of the training rows (early stopping)", 0, 0.9, 0},
    {"out", 'o', OPT_STRING, "MODEL", NULL, "save the fitted model here", 1, 0, 0},
    {"model", 0, OPT_STRING, "MODEL", NULL, "with --predict: a saved model", 1, 0, 0},
    {"predict", 0, OPT_STRING, "FILE", NULL,
     "survival curves of the rows of FILE (CSV on stdout, or JSON)", 1, 0, 0},
    {"times", 0, OPT_STRING, "T,...", NULL,
     "with --predict: times to evaluate S(t|x) at (default: the baseline's event times)", 1, 0, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores)", 0, 1024, 0},
};

static const cli_cmd cmd = {
    "cox",
    "gmdl cox --data FILE.csv --time COL --event COL [--event-value V] [--x COL,...]\n"
    "          [--drop-missing] [--arch linear|mlp:H1-...] [--ties breslow|efron]\n"
    "          [--test FILE.csv | --split F] [--seed S] [--out MODEL] [--json]\n"
    "       gmdl cox --model MODEL --predict FILE.csv [--times T,...] [--json]",
    "Fits Cox's proportional-hazards model by its partial likelihood (Efron or Breslow ties):\n"
    "linear (Newton-Raphson, as R's coxph: coefficients, se, z, p, likelihood-ratio test) or an\n"
    "MLP risk (DeepSurv: Adam or SGD, L2, dropout, standardised inputs, early stopping on a\n"
    "seeded validation split of the training rows). Reports Harrell's C (lifelines' tie\n"
    "convention) on the training rows and on --test or the --split rows, with a bootstrap 95%\n"
    "interval.\n"
    "Categorical columns become indicators c=level. With --predict, prints S(t|x) of each row\n"
    "(Breslow baseline). JSON keys: coefficients, se, z, p (linear), loglik, loglik_null, lrt,\n"
    "concordance {train, test, train_ci, test_ci}, n, events, dropped, arch, ties.",
    opts,
    sizeof opts / sizeof opts[0],
    0,
    0};

#define NOPT    (sizeof opts / sizeof opts[0])
#define V(name) OPTV(&cmd, v, name)
#define MAXLIST 4096

/* Splits a copy of "a,b,c" into items; returns the count. */
static size_t split_list(char *buf, const char **items, size_t max) {
    size_t k = 0;
    for (char *p = buf; p && *p && k < max;) {
        char *c = strchr(p, ',');
        if (c)
            *c = '\0';
        items[k++] = p;
        p = c ? c + 1 : NULL;
    }
    return k;
}

typedef struct {
    char *xbuf, *bbuf;
    const char **xs, **bs;
    gmdl_surv_spec spec;
} spec_buf;

static void spec_fini(spec_buf *sb) {
    free(sb->xbuf);
    free(sb->bbuf);
    free((void *)sb->xs);
    free((void *)sb->bs);
}

static int spec_init(spec_buf *sb, cli_val *v) {
    memset(sb, 0, sizeof *sb);
    const char *xl = V("x")->s, *bl = V("baseline")->s;
    sb->xbuf = strdup(xl ? xl : "");
    sb->bbuf = strdup(bl ? bl : "");
    sb->xs = calloc(MAXLIST, sizeof *sb->xs);
    sb->bs = calloc(MAXLIST, sizeof *sb->bs);
    if (!sb->xbuf || !sb->bbuf || !sb->xs || !sb->bs)
        return 1;
    gmdl_surv_spec *s = &sb->spec;
    s->time_col = V("time")->s;
    s->event_col = V("event")->s;
    s->event_value = V("event-value")->s;
    s->censor_values = V("censor-value")->s;
    s->x_cols = sb->xs;
    s->n_x = split_list(sb->xbuf, sb->xs, MAXLIST);
    if (!s->n_x)
        s->x_cols = NULL; /* every other column */
    s->baselines = sb->bs;
    s->n_baselines = split_list(sb->bbuf, sb->bs, MAXLIST);
    s->drop_missing = (int)V("drop-missing")->i;
    return 0;
}

static gmdl_status read_data(gmdl_surv_data *d,
                             const char *path,
                             const gmdl_surv_spec *spec,
                             const gmdl_surv_data *like,
                             int outcome,
                             gmdl_err *err) {
    gmdl_csv csv;
    gmdl_status s = gmdl_csv_read(&csv, path, err);
    if (s)
        return s;
    s = like ? gmdl_surv_data_like(d, &csv, like, spec, outcome, err)
             : gmdl_surv_data_from_csv(d, &csv, spec, err);
    gmdl_csv_fini(&csv);
    return s;
}

/* --split: a seeded permutation, the first round(F n) rows test. */
static gmdl_status split_data(gmdl_surv_data *train,
                              gmdl_surv_data *test,
                              gmdl_surv_data *all,
                              double frac,
                              uint64_t seed,
                              gmdl_err *err) {
    size_t n = all->n, *perm = malloc(n * sizeof *perm);
    if (!perm)
        return GMDL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    gmdl_rng r;
    gmdl_rng_derive(&r, seed, GMDL_RNG_SHUFFLE, 0x5b117ull);
    for (size_t i = n; i > 1; i--) {
        size_t j = gmdl_rng_bounded(&r, (uint32_t)i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    size_t nt = (size_t)(frac * (double)n + 0.5);
    if (nt < 1 || nt >= n) {
        free(perm);
        snprintf(err->msg, sizeof err->msg, "--split %g leaves no rows on one side (%zu rows)",
                 frac, n);
        return GMDL_EINVAL;
    }
    gmdl_status s = gmdl_surv_data_subset(test, all, perm, nt, err);
    if (!s)
        s = gmdl_surv_data_subset(train, all, perm + nt, n - nt, err);
    free(perm);
    return s;
}

typedef struct {
    double c, lo, hi, mean;
    size_t n;
    int have, have_ci;
} cstat;

static gmdl_status concordance(
    cstat *cs, const gmdl_cox *m, const gmdl_surv_data *d, size_t B, uint64_t seed, gmdl_err *err) {
    memset(cs, 0, sizeof *cs);
    double *eta = malloc((d->n ? d->n : 1) * sizeof *eta);
    if (!eta)
        return GMDL_ENOMEM;
    gmdl_concordance c;
    gmdl_status s = gmdl_cox_risk(eta, m, d->x, d->n, err);
    if (!s)
        s = gmdl_cindex(&c, d->time, d->event, eta, d->n, err);
    if (!s) {
        cs->c = c.c;
        cs->n = d->n;
        cs->have = 1;
    }
    if (!s && B >= 2) {
        s = gmdl_cindex_bootstrap(&cs->mean, &cs->lo, &cs->hi, d->time, d->event, eta, d->n, B,
                                  seed, err);
        cs->have_ci = !s;
    }
    free(eta);
    return s;
}

static const char *stars(double p) {
    return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : "";
}

static void print_report(const gmdl_cox *m,
                         const gmdl_surv_data *tr,
                         const cstat *ctr,
                         const cstat *cte,
                         const char *ties) {
    gmdl_cox_summary S;
    gmdl_cox_get_summary(&S, m);
    const gmdl_surv_data *f = gmdl_cox_features(m);
    printf("Cox proportional hazards, %s risk, %s ties\n", S.linear ? "linear" : "MLP", ties);
    printf("  n= %zu, number of events= %zu", S.n, S.events);
    if (tr->dropped)
        printf("   (%zu rows dropped for missing values)", tr->dropped);
    printf("\n\n");
    if (S.linear) {
        size_t w = 8;
        for (size_t j = 0; j < S.p; j++)
            w = strlen(f->names[j]) > w ? strlen(f->names[j]) : w;
        printf("%*s %12s %12s %12s %9s %10s\n", (int)w, "", "coef", "exp(coef)", "se(coef)", "z",
               "Pr(>|z|)");
        for (size_t j = 0; j < S.p; j++)
            printf("%-*s %12.6g %12.6g %12.6g %9.3f %10.3g %s\n", (int)w, f->names[j], S.coef[j],
                   exp(S.coef[j]), S.se[j], S.z[j], S.pvalue[j], stars(S.pvalue[j]));
        printf("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n");
    } else
        printf("MLP on %zu standardised inputs: %d epochs run, parameters of epoch %d kept (best "
               "validation loss)\n\n",
               S.p, S.iterations, S.best_epoch);
    printf("Concordance= %.4f (train, n= %zu)", ctr->c, ctr->n);
    if (ctr->have_ci)
        printf("  bootstrap 95%% [%.4f, %.4f]", ctr->lo, ctr->hi);
    printf("\n");
    if (cte->have) {
        printf("Concordance= %.4f (test, n= %zu)", cte->c, cte->n);
        if (cte->have_ci)
            printf("  bootstrap 95%% [%.4f, %.4f]", cte->lo, cte->hi);
        printf("\n");
    }
    printf("Likelihood ratio test= %.2f  on %.0f df,   p=%.4g\n", S.lrt, S.lrt_df, S.lrt_p);
    printf("Partial log-likelihood: null %.7f, fitted %.7f\n", S.loglik_null, S.loglik);
}

static void json_cstat(json_w *j, const char *key, const cstat *cs) {
    json_num(j, key, cs->c);
    if (!cs->have_ci)
        return;
    char k[32];
    snprintf(k, sizeof k, "%s_ci", key);
    json_obj_begin(j, k);
    json_num(j, "lo", cs->lo);
    json_num(j, "hi", cs->hi);
    json_num(j, "mean", cs->mean);
    json_obj_end(j);
}

static void json_named(json_w *j, const char *key, const gmdl_surv_data *f, const double *v) {
    json_obj_begin(j, key);
    for (size_t k = 0; k < f->p; k++)
        json_num(j, f->names[k], v[k]);
    json_obj_end(j);
}

static void print_json(const gmdl_cox *m,
                       const gmdl_surv_data *tr,
                       const cstat *ctr,
                       const cstat *cte,
                       const char *ties,
                       const char *arch) {
    gmdl_cox_summary S;
    gmdl_cox_get_summary(&S, m);
    const gmdl_surv_data *f = gmdl_cox_features(m);
    json_w j;
    json_init(&j, stdout);
    json_obj_begin(&j, NULL);
    json_str(&j, "arch", arch);
    json_str(&j, "ties", ties);
    json_int(&j, "n", (long long)S.n);
    json_int(&j, "events", (long long)S.events);
    json_int(&j, "dropped", (long long)tr->dropped);
    json_int(&j, "missing", (long long)tr->n_missing);
    if (S.linear) {
        json_named(&j, "coefficients", f, S.coef);
        json_named(&j, "se", f, S.se);
        json_named(&j, "z", f, S.z);
        json_named(&j, "p", f, S.pvalue);
    } else {
        json_int(&j, "epochs", S.iterations);
        json_int(&j, "best_epoch", S.best_epoch);
    }
    json_num(&j, "loglik", S.loglik);
    json_num(&j, "loglik_null", S.loglik_null);
    json_obj_begin(&j, "lrt");
    json_num(&j, "statistic", S.lrt);
    json_num(&j, "df", S.lrt_df);
    json_num(&j, "p", S.lrt_p);
    json_obj_end(&j);
    json_obj_begin(&j, "concordance");
    json_cstat(&j, "train", ctr);
    if (cte->have)
        json_cstat(&j, "test", cte);
    json_obj_end(&j);
    json_finish(&j);
}

/* H0 at t: the last baseline value at a time <= t. */
static double h0_at(const double *bt, const double *bh, size_t bm, double t) {
    size_t lo = 0, hi = bm;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bt[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? bh[lo - 1] : 0.0;
}

static int predict(cli_val *v, const gmdl_surv_spec *spec) {
    gmdl_err err = {{0}};
    gmdl_cox *m;
    gmdl_status s = gmdl_cox_load(&m, V("model")->s, &err);
    if (s)
        return cli_fail("cox", s, &err);
    gmdl_surv_data d;
    if ((s = read_data(&d, V("predict")->s, spec, gmdl_cox_features(m), 0, &err))) {
        gmdl_cox_destroy(m);
        return cli_fail("cox", s, &err);
    }
    const double *bt, *bh;
    size_t bm, nt;
    gmdl_cox_baseline(&bt, &bh, &bm, m);
    char *tb = strdup(V("times")->s ? V("times")->s : "");
    const char **items = calloc(MAXLIST, sizeof *items);
    double *times = malloc((bm + MAXLIST) * sizeof *times), *eta = malloc((d.n + 1) * sizeof *eta);
    int rc = 0;
    if (!tb || !items || !times || !eta) {
        rc = cli_fail("cox", GMDL_ENOMEM, NULL);
        goto done;
    }
    nt = split_list(tb, items, MAXLIST);
    for (size_t k = 0; k < nt; k++) {
        char *end;
        times[k] = strtod(items[k], &end);
        if (end == items[k] || *end || !(times[k] >= 0)) {
            fprintf(stderr, "gmdl cox: --times: '%s' is not a time\n", items[k]);
            rc = 2;
            goto done;
        }
    }
    if (!nt) {
        memcpy(times, bt, bm * sizeof *times);
        nt = bm;
    }
    if ((s = gmdl_cox_risk(eta, m, d.x, d.n, &err))) {
        rc = cli_fail("cox", s, &err);
        goto done;
    }
    json_w j;
    if (cli_json()) {
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_arr_begin(&j, "times");
        for (size_t k = 0; k < nt; k++)
            json_num(&j, NULL, times[k]);
        json_arr_end(&j);
        json_arr_begin(&j, "rows");
    } else {
        printf("line,risk");
        for (size_t k = 0; k < nt; k++)
            printf(",S(%.10g)", times[k]);
        printf("\n");
    }
    for (size_t i = 0; i < d.n; i++) {
        double r = exp(eta[i]);
        if (cli_json()) {
            json_obj_begin(&j, NULL);
            json_int(&j, "line", (long long)d.line[i]);
            json_num(&j, "risk", eta[i]);
            json_arr_begin(&j, "survival");
        } else
            printf("%zu,%.10g", d.line[i], eta[i]);
        for (size_t k = 0; k < nt; k++) {
            double sv = exp(-h0_at(bt, bh, bm, times[k]) * r);
            if (cli_json())
                json_num(&j, NULL, sv);
            else
                printf(",%.8g", sv);
        }
        if (cli_json()) {
            json_arr_end(&j);
            json_obj_end(&j);
        } else
            printf("\n");
    }
    if (cli_json()) {
        json_arr_end(&j);
        json_finish(&j);
    }
done:
    free(tb);
    free((void *)items);
    free(times);
    free(eta);
    gmdl_surv_data_fini(&d);
    gmdl_cox_destroy(m);
    return rc;
}

static int fit_config(gmdl_cox_config *cfg, cli_val *v) {
    gmdl_cox_config_default(cfg);
    const char *ties = V("ties")->s;
    if (strcmp(ties, "efron") && strcmp(ties, "breslow")) {
        fprintf(stderr, "gmdl cox: --ties must be efron or breslow, not '%s'\n", ties);
        return 2;
    }
    cfg->ties = strcmp(ties, "efron") == 0 ? GMDL_TIES_EFRON : GMDL_TIES_BRESLOW;
    const char *o = V("optim")->s;
    if (strcmp(o, "adam") && strcmp(o, "sgd")) {
        fprintf(stderr, "gmdl cox: --optim must be adam or sgd, not '%s'\n", o);
        return 2;
    }
    cfg->sgd = strcmp(o, "sgd") == 0;
    cfg->momentum = V("momentum")->d;
    cfg->arch = V("arch")->s;
    cfg->seed = (uint64_t)V("seed")->i;
    cfg->epochs = (int)V("epochs")->i;
    cfg->patience = (int)V("patience")->i;
    cfg->lr = V("lr")->d;
    cfg->l2 = V("l2")->d;
    cfg->dropout = V("dropout")->d;
    cfg->val_frac = V("val-frac")->d;
    return 0;
}

typedef struct {
    gmdl_surv_data all, tr, te;
    int have_test, split;
} datasets;

static gmdl_status load_sets(datasets *ds, cli_val *v, const gmdl_surv_spec *spec, gmdl_err *err) {
    memset(ds, 0, sizeof *ds);
    gmdl_status s = read_data(&ds->all, V("data")->s, spec, NULL, 1, err);
    if (s)
        return s;
    if (V("split")->d > 0 && !V("test")->s) {
        ds->split = ds->have_test = 1;
        return split_data(&ds->tr, &ds->te, &ds->all, V("split")->d, (uint64_t)V("seed")->i, err);
    }
    ds->tr = ds->all;
    memset(&ds->all, 0, sizeof ds->all);
    if (V("test")->s) {
        ds->have_test = 1;
        return read_data(&ds->te, V("test")->s, spec, &ds->tr, 1, err);
    }
    return GMDL_OK;
}

static void sets_fini(datasets *ds) {
    gmdl_surv_data_fini(&ds->all);
    gmdl_surv_data_fini(&ds->tr);
    gmdl_surv_data_fini(&ds->te);
}

static int fit(cli_val *v, const gmdl_surv_spec *spec) {
    gmdl_cox_config cfg;
    int rc = fit_config(&cfg, v);
    if (rc)
        return rc;
    gmdl_err err = {{0}};
    datasets ds;
    gmdl_cox *m = NULL;
    gmdl_status s = load_sets(&ds, v, spec, &err);
    if (!s && ds.tr.dropped)
        cli_note("gmdl cox: %zu rows with missing values dropped (%zu missing cells)\n",
                 ds.tr.dropped, ds.tr.n_missing);
    double t0 = cli_now();
    if (!s)
        s = gmdl_cox_fit(&m, &ds.tr, &cfg, &err);
    if (!s)
        cli_note("gmdl cox: fitted %s on %zu rows in %.2f s\n", cfg.arch, ds.tr.n, cli_now() - t0);
    cstat ctr, cte = {0};
    size_t B = (size_t)V("bootstrap")->i;
    uint64_t seed = (uint64_t)V("seed")->i;
    if (!s)
        s = concordance(&ctr, m, &ds.tr, ds.have_test ? 0 : B, seed, &err);
    if (!s && ds.have_test)
        s = concordance(&cte, m, &ds.te, B, seed, &err);
    if (!s && V("out")->s)
        s = gmdl_cox_save(m, V("out")->s, &err);
    if (s)
        rc = cli_fail("cox", s, &err);
    else if (cli_json())
        print_json(m, &ds.tr, &ctr, &cte, V("ties")->s, cfg.arch);
    else
        print_report(m, &ds.tr, &ctr, &cte, V("ties")->s);
    gmdl_cox_destroy(m);
    sets_fini(&ds);
    return rc;
}

int cmd_cox(int argc, char **argv) {
    cli_val v[NOPT];
    int npos, rc = cli_parse(&cmd, argc, argv, v, NULL, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    cli_threads(V("threads")->i);
    int pred = V("predict")->s != NULL;
    if (pred != (V("model")->s != NULL) || (!pred && !V("data")->s)) {
        fprintf(stderr, "gmdl cox: give --data FILE.csv to fit, or --model MODEL with --predict "
                        "FILE.csv (see --help)\n");
        return 2;
    }
    spec_buf sb;
    if (spec_init(&sb, v)) {
        spec_fini(&sb);
        return cli_fail("cox", GMDL_ENOMEM, NULL);
    }
    rc = pred ? predict(v, &sb.spec) : fit(v, &sb.spec);
    spec_fini(&sb);
    return rc;
}
