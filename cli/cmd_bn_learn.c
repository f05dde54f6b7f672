/* gmdl bn learn: CPTs from a CSV for the structure of a BIF file (EM when cells are missing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_pgm_util.h"

static const cli_opt learn_opts[] = {
    {"data", 0, OPT_STRING, "FILE.csv", NULL,
     "data: header of node names, state names per cell; '?', 'NA' or empty = missing", 0, -1, 0},
    {"out", 'o', OPT_STRING, "LEARNED.bif", NULL, "where the learned network is written (BIF)", 0,
     -1, 0},
    {"prior", 0, OPT_STRING, "PRIOR", "none",
     "'none' (maximum likelihood) or 'bdeu:ESS' (Dirichlet pseudo-counts, equivalent sample "
     "size ESS)",
     0, -1, 0},
    {"max-iter", 0, OPT_INT, "N", "100", "EM iterations at most", 1, 1e6, 0},
    {"tol", 0, OPT_DOUBLE, "T", "1e-8",
     "EM stops when the log-likelihood gains less than T x (1 + |loglik|)", 0, 1, 0},
    {"max-mem", 0, OPT_STRING, "BYTES", "auto",
     "memory for the E-step's junction tree (K, M, G suffixes; auto = half the RAM)", 0, -1, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads for the E-step (0 = all cores)", 0, 4096, 0},
};
static const cli_cmd learn_cmd = {
    "bn learn",
    "gmdl bn learn NET.bif --data FILE.csv --out LEARNED.bif [--prior bdeu:ESS] [--max-iter N] "
    "[--tol T] [--json]",
    "Estimates the CPTs of NET.bif's structure from data: counts (maximum likelihood, or with "
    "BDeu pseudo-counts) when every cell is observed, EM otherwise, whose E-step is exact "
    "inference (junction tree) per distinct row. The output of 'gmdl bn sample' (with or without "
    "--missing) is valid input. A node without a column is missing in every row. JSON keys: "
    "loglik (observed-data log-likelihood per iteration), iterations, rows, missing_cells, "
    "distinct_rows, em, seconds, out.",
    learn_opts,
    sizeof learn_opts / sizeof learn_opts[0],
    1,
    1};

/* "none" or "bdeu:ESS" into *ess; -1 when malformed. */
static int parse_prior(const char *text, double *ess) {
    if (strcmp(text, "none") == 0) {
        *ess = 0.0;
        return 0;
    }
    if (strncmp(text, "bdeu:", 5) != 0)
        return -1;
    char *end;
    double x = strtod(text + 5, &end);
    if (end == text + 5 || *end || !(x > 0.0) || x > 1e12)
        return -1;
    *ess = x;
    return 0;
}

static void report(const gmdl_bn_learn_stats *st, const char *out, double secs) {
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_arr_begin(&j, "loglik");
        for (size_t i = 0; i < st->iterations; i++)
            json_num(&j, NULL, st->loglik[i]);
        json_arr_end(&j);
        json_int(&j, "iterations", (long long)st->iterations);
        json_int(&j, "rows", (long long)st->rows);
        json_int(&j, "missing_cells", (long long)st->missing_cells);
        json_int(&j, "distinct_rows", (long long)st->distinct);
        json_bool(&j, "em", st->em);
        json_num(&j, "seconds", secs);
        json_str(&j, "out", out);
        json_finish(&j);
        return;
    }
    printf("rows %zu (%zu distinct), missing cells %zu\n", st->rows, st->distinct,
           st->missing_cells);
    if (st->em) {
        printf("EM: %zu iterations, observed-data log-likelihood %.6f -> %.6f\n", st->iterations,
               st->loglik[0], st->loglik[st->iterations - 1]);
    } else
        printf("complete data: counts in one pass, log-likelihood %.6f\n", st->loglik[0]);
    printf("wrote %s (%.2f s)\n", out, secs);
}

int cmd_bn_learn(int argc, char **argv) {
    cli_val vals[sizeof learn_opts / sizeof learn_opts[0]];
    const char *pos[1];
    int npos, r = cli_parse(&learn_cmd, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    const char *data = OPTV(&learn_cmd, vals, "data")->s, *out = OPTV(&learn_cmd, vals, "out")->s;
    if (!data || !out) {
        fprintf(stderr, "gmdl bn learn: --data and --out are required\n");
        return 2;
    }
    gmdl_bn_learn_config cfg = gmdl_bn_learn_config_default();
    if (parse_prior(OPTV(&learn_cmd, vals, "prior")->s, &cfg.ess)) {
        fprintf(stderr,
                "gmdl bn learn: --prior must be 'none' or 'bdeu:ESS' with ESS > 0, not "
                "'%s'\n",
                OPTV(&learn_cmd, vals, "prior")->s);
        return 2;
    }
    if (cli_pgm_parse_size(OPTV(&learn_cmd, vals, "max-mem")->s, &cfg.exact.max_mem)) {
        fprintf(stderr, "gmdl bn learn: bad --max-mem '%s'\n",
                OPTV(&learn_cmd, vals, "max-mem")->s);
        return 2;
    }
    cfg.max_iter = (int)OPTV(&learn_cmd, vals, "max-iter")->i;
    cfg.tol = OPTV(&learn_cmd, vals, "tol")->d;
    cli_threads(OPTV(&learn_cmd, vals, "threads")->i);
    gmdl_err err = {{0}};
    gmdl_bn *bn;
    gmdl_status s = gmdl_bn_read_bif(&bn, pos[0], &err);
    if (s)
        return cli_fail(learn_cmd.name, s, &err);
    gmdl_bn_data d;
    gmdl_bn_learn_stats st = {0};
    double t0 = cli_now();
    if (!(s = gmdl_bn_data_read(&d, bn, data, &err))) {
        s = gmdl_bn_learn(bn, &st, &d, &cfg, &err);
        gmdl_bn_data_fini(&d);
    }
    if (!s)
        s = gmdl_bn_write_bif(out, bn, &err);
    if (!s)
        report(&st, out, cli_now() - t0);
    r = s ? cli_fail(learn_cmd.name, s, &err) : 0;
    gmdl_bn_learn_stats_fini(&st);
    gmdl_bn_destroy(bn);
    return r;
}
