/* gmdl train on a table: the rows of a CSV or libsvm file, the test rows (a second file or a
 * seeded held-out split) and the standardisation the model keeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uq_cli.h"

void uq_train_table_fini(uq_train_table *t) {
    gmdl_dataset_fini(&t->train);
    gmdl_dataset_fini(&t->test);
    gmdl_table_fini(&t->all);
    gmdl_table_fini(&t->held);
    free(t->moments);
    memset(t, 0, sizeof *t);
}

/* Moves a table's rows out of it. */
static void take(gmdl_dataset *dst, gmdl_table *src) {
    *dst = src->ds;
    memset(&src->ds, 0, sizeof src->ds);
}

int uq_train_table_load(uq_train_table *t,
                        const char *data,
                        const char *y,
                        const char *test,
                        double split,
                        uint64_t seed,
                        const gmdl_model *resumed) {
    gmdl_err err = {{0}};
    memset(t, 0, sizeof *t);
    const gmdl_tabular_info *known = resumed ? gmdl_model_tabular(resumed) : NULL;
    if (resumed && !known) {
        fprintf(stderr, "gmdl train: the model to resume was trained on images, not a table\n");
        return 2;
    }
    if (!test && !(split > 0.0)) {
        fprintf(stderr, "gmdl train: a table needs test rows: --test FILE or --split F\n");
        return 2;
    }
    gmdl_status s = gmdl_table_read(&t->all, data, y, known, 1, &err);
    if (s)
        return cli_fail("train", s, &err);
    if (t->all.nclasses < 2) {
        fprintf(stderr,
                "gmdl train: %s: every row has the label '%s'; a classifier needs two "
                "classes or more\n",
                data, t->all.classes);
        return 2;
    }
    gmdl_tabular_info info = {
        t->all.format, known ? known->y : y, t->all.columns, t->all.classes, t->all.ds.dim, NULL,
        NULL};
    if (known)
        info = *known;
    if (test) {
        s = gmdl_table_read(&t->held, test, NULL, &info, 1, &err);
        if (!s) {
            take(&t->train, &t->all);
            take(&t->test, &t->held);
        }
    } else {
        s = gmdl_dataset_split(&t->train, &t->test, &t->all.ds, split, seed, &err);
    }
    if (s)
        return cli_fail("train", s, &err);
    if (!known) {
        const size_t D = t->train.dim;
        t->moments = malloc(2 * D * sizeof(float));
        if (!t->moments) {
            fprintf(stderr, "gmdl train: out of memory\n");
            return 1;
        }
        gmdl_dataset_moments(t->moments, t->moments + D, &t->train);
        info.mean = t->moments;
        info.sd = t->moments + D;
    }
    t->info = info;
    return 0;
}

int uq_train_val_split(gmdl_dataset *train, const gmdl_train_config *cfg, int quiet) {
    gmdl_dataset rest, val;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_dataset_holdout(&rest, &val, train, (size_t)cfg->val, cfg->seed, &err);
    if (s) {
        fprintf(stderr, "gmdl train: --val %d: %s\n", cfg->val, err.msg);
        return 2;
    }
    if (!quiet)
        fprintf(stderr, "gmdl train: %d of %zu training images held out as the validation split\n",
                cfg->val, train->n);
    gmdl_dataset_fini(&val);
    gmdl_dataset_fini(train);
    *train = rest;
    return 0;
}
