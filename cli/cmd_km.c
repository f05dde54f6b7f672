/* gmdl km: Kaplan-Meier survival curves (Greenwood standard errors) of a CSV file, optionally one
 * per level of a group column, with a PNG plot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt opts[] = {
    {"data", 0, OPT_STRING, "FILE", NULL, "CSV with a header row", 1, 0, 0},
    {"time", 0, OPT_STRING, "COL", "time", "column of event or censoring times (> 0)", 1, 0, 0},
    {"event", 0, OPT_STRING, "COL", "event", "event column", 1, 0, 0},
    {"event-value", 0, OPT_STRING, "V", NULL,
     "event cell meaning an event; default: any nonzero number", 1, 0, 0},
    {"censor-value", 0, OPT_STRING, "V,...", NULL,
     "with --event-value: the censoring cells; default: the one other value seen", 1, 0, 0},
    {"group", 0, OPT_STRING, "COL", NULL, "one curve per value of this column", 1, 0, 0},
    {"drop-missing", 0, OPT_FLAG, NULL, NULL, "leave out rows with a missing used cell", 1, 0, 0},
    {"plot", 0, OPT_STRING, "FILE.png", NULL, "draw the curves into a PNG file", 1, 0, 0},
};

static const cli_cmd cmd = {
    "km",
    "gmdl km --data FILE.csv --time COL --event COL [--event-value V] [--group COL]\n"
    "         [--plot FILE.png] [--json]",
    "Kaplan-Meier product-limit estimate of the survival function with Greenwood standard\n"
    "errors (of S, as R's summary.survfit prints them), median survival, one curve per group.\n"
    "JSON keys: groups (array of objects: group, n, events, median, time, n_risk, n_event,\n"
    "surv, se).",
    opts,
    sizeof opts / sizeof opts[0],
    0,
    0};

#define NOPT    (sizeof opts / sizeof opts[0])
#define V(name) OPTV(&cmd, v, name)
#define MAXG    32

typedef struct {
    const char *name;
    gmdl_km km;
} curve;

static void print_curve(const curve *c, json_w *j) {
    const gmdl_km *k = &c->km;
    if (j) {
        json_obj_begin(j, NULL);
        json_str(j, "group", c->name);
        json_int(j, "n", (long long)k->n);
        json_int(j, "events", (long long)k->events);
        json_num(j, "median", k->median);
        const char *keys[] = {"time", "n_risk", "n_event", "surv", "se"};
        const double *vals[] = {k->time, k->n_risk, k->n_event, k->surv, k->se};
        for (int a = 0; a < 5; a++) {
            json_arr_begin(j, keys[a]);
            for (size_t i = 0; i < k->m; i++)
                json_num(j, NULL, vals[a][i]);
            json_arr_end(j);
        }
        json_obj_end(j);
        return;
    }
    printf("%s%s n= %zu, events= %zu, median= %g\n", c->name[0] ? "group " : "", c->name, k->n,
           k->events, k->median);
    printf("%10s %7s %7s %12s %12s\n", "time", "n.risk", "n.event", "survival", "std.err");
    for (size_t i = 0; i < k->m; i++)
        printf("%10g %7.0f %7.0f %12.6f %12.6f\n", k->time[i], k->n_risk[i], k->n_event[i],
               k->surv[i], k->se[i]);
    printf("\n");
}

static gmdl_status
plot_curves(const curve *c, size_t nc, const char *gcol, const char *path, gmdl_err *err) {
    static const uint32_t col[] = {0x1f77b4, 0xd62728, 0x2ca02c, 0x9467bd, 0xff7f0e, 0x8c564b};
    gmdl_plot *p;
    gmdl_status s = gmdl_plot_create(&p, 720, 480, 1, 1, err);
    if (s)
        return s;
    double tmax = 0;
    for (size_t g = 0; g < nc; g++)
        if (c[g].km.m)
            tmax = c[g].km.time[c[g].km.m - 1] > tmax ? c[g].km.time[c[g].km.m - 1] : tmax;
    s = gmdl_plot_axes(p, 0, "Kaplan-Meier", "time", "survival", 0, tmax > 0 ? tmax : 1, 0, 1.02,
                       0);
    const char *labels[MAXG];
    char text[MAXG][96];
    uint32_t rgb[MAXG];
    for (size_t g = 0; !s && g < nc; g++) {
        const gmdl_km *k = &c[g].km;
        size_t np = 2 * k->m + 1;
        double *x = malloc(np * sizeof *x), *y = malloc(np * sizeof *y);
        if (!x || !y) {
            free(x);
            free(y);
            s = GMDL_ENOMEM;
            break;
        }
        x[0] = 0;
        y[0] = 1;
        for (size_t i = 0; i < k->m; i++) { /* steps: across at the old level, then down */
            x[2 * i + 1] = k->time[i];
            y[2 * i + 1] = i ? k->surv[i - 1] : 1.0;
            x[2 * i + 2] = k->time[i];
            y[2 * i + 2] = k->surv[i];
        }
        rgb[g] = col[g % 6];
        snprintf(text[g], sizeof text[g], "%s%s%.48s", gcol ? gcol : "", gcol ? "=" : "",
                 gcol ? c[g].name : "all");
        labels[g] = text[g];
        gmdl_plot_line(p, x, y, np, rgb[g], 2.0, 0);
        free(x);
        free(y);
    }
    if (!s)
        gmdl_plot_legend(p, labels, rgb, nc);
    if (!s)
        s = gmdl_plot_save_png(p, path, err);
    gmdl_plot_destroy(p);
    return s;
}

/* Group label of every row of d (its CSV cell in column gc), by walking the CSV lines. */
static int group_rows(const gmdl_csv *csv,
                      int gc,
                      const gmdl_surv_data *d,
                      const char **label,
                      const char **names,
                      size_t *ng) {
    size_t r = 0;
    *ng = 0;
    for (size_t i = 0; i < d->n; i++) {
        while (csv->lines[r] != d->line[i])
            r++;
        const char *cell = csv->cells[r * csv->ncols + (size_t)gc];
        size_t g = 0;
        while (g < *ng && strcmp(names[g], cell) != 0)
            g++;
        if (g == *ng) {
            if (*ng == MAXG) {
                fprintf(stderr, "gmdl km: column %s has more than %d values\n", csv->names[gc],
                        MAXG);
                return 2;
            }
            names[(*ng)++] = cell;
        }
        label[i] = names[g];
    }
    return 0;
}

static gmdl_status
fit_groups(curve *c, size_t nc, const gmdl_surv_data *d, const char **label, gmdl_err *err) {
    double *t = malloc((d->n + 1) * sizeof *t);
    uint8_t *e = malloc(d->n + 1);
    gmdl_status s = t && e ? GMDL_OK : GMDL_ENOMEM;
    for (size_t g = 0; !s && g < nc; g++) {
        size_t k = 0;
        for (size_t i = 0; i < d->n; i++)
            if (!label || label[i] == c[g].name) {
                t[k] = d->time[i];
                e[k++] = d->event[i];
            }
        s = gmdl_km_fit(&c[g].km, t, e, k, err);
    }
    free(t);
    free(e);
    return s;
}

int cmd_km(int argc, char **argv) {
    cli_val v[NOPT];
    int npos, rc = cli_parse(&cmd, argc, argv, v, NULL, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!V("data")->s) {
        fprintf(stderr, "gmdl km: --data FILE.csv is required (see --help)\n");
        return 2;
    }
    gmdl_err err = {{0}};
    gmdl_csv csv;
    gmdl_status s = gmdl_csv_read(&csv, V("data")->s, &err);
    if (s)
        return cli_fail("km", s, &err);
    const char *gcol = V("group")->s, *xs[1] = {gcol};
    gmdl_surv_spec spec = {V("time")->s,
                           V("event")->s,
                           V("event-value")->s,
                           V("censor-value")->s,
                           xs,
                           gcol ? 1 : 0,
                           NULL,
                           0,
                           (int)V("drop-missing")->i};
    gmdl_surv_data d;
    curve c[MAXG];
    memset(c, 0, sizeof c);
    const char *names[MAXG], **label = NULL;
    size_t nc = 1;
    if ((s = gmdl_surv_data_from_csv(&d, &csv, &spec, &err))) {
        gmdl_csv_fini(&csv);
        return cli_fail("km", s, &err);
    }
    names[0] = "";
    if (gcol && !(label = malloc((d.n + 1) * sizeof *label)))
        s = GMDL_ENOMEM;
    if (!s && gcol)
        rc = group_rows(&csv, gmdl_csv_find(&csv, gcol), &d, label, names, &nc);
    for (size_t g = 0; g < nc; g++)
        c[g].name = names[g];
    if (!s && !rc)
        s = fit_groups(c, nc, &d, label, &err);
    if (!s && !rc && V("plot")->s)
        s = plot_curves(c, nc, gcol, V("plot")->s, &err);
    if (s)
        rc = cli_fail("km", s, &err);
    if (!rc) {
        json_w j;
        if (cli_json()) {
            json_init(&j, stdout);
            json_obj_begin(&j, NULL);
            json_int(&j, "dropped", (long long)d.dropped);
            json_arr_begin(&j, "groups");
        }
        for (size_t g = 0; g < nc; g++)
            print_curve(&c[g], cli_json() ? &j : NULL);
        if (cli_json()) {
            json_arr_end(&j);
            json_finish(&j);
        }
    }
    for (size_t g = 0; g < nc; g++)
        gmdl_km_fini(&c[g].km);
    free((void *)label);
    gmdl_surv_data_fini(&d);
    gmdl_csv_fini(&csv);
    return rc;
}
