/* gmdl bn map (MPE, or MAP over --vars) and gmdl bn convert (between network formats). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_pgm_util.h"

static const cli_opt map_opts[] = {
    {"evidence", 0, OPT_STRING, "A=a,B=b", NULL, "observed nodes and their states", 1, 0, 0},
    {"vars", 0, OPT_STRING, "X,Y,...", NULL,
     "MAP over these nodes, the others summed out (default: every unobserved node, the MPE)", 1, 0,
     0},
    {"method", 0, OPT_STRING, "M", "jt",
     "jt (max-product on the junction tree; with --vars: sum-max elimination) or ve (sum-max "
     "variable elimination)",
     1, 0, 0},
    {"max-mem", 0, OPT_STRING, "BYTES", "auto",
     "memory budget for exact inference (K/M/G suffixes; auto = half the RAM)", 1, 0, 0},
    {"seed", 0, OPT_INT, "S", "1", "tie-breaking of the elimination orders", 0, 1.8e19, 0},
};
static const cli_cmd map_cmd = {
    "bn map",
    "gmdl bn map NET [--evidence A=a,B=b] [--vars X,Y] [--method jt|ve] [--json]",
    "The most probable explanation: the assignment of every unobserved node maximising P(x, e) "
    "(max-product on the junction tree), or with --vars the most probable states of those nodes "
    "with the others summed out (sum-max variable elimination). Reports log10 P(assignment, e), "
    "computed exactly from the assignment, and log10 P(assignment | e). JSON keys: assignment "
    "(node to state), log10_prob, log10_posterior, log10_evidence, vars, method, time.",
    map_opts,
    sizeof map_opts / sizeof map_opts[0],
    1,
    1};

typedef struct {
    gmdl_bn *bn;
    int32_t *ev;
    uint32_t *x;
    uint8_t *query;
    int subset;
} map_run;

static void map_report(const map_run *R, const char *method, double lp, double lev, double secs) {
    size_t V = gmdl_bn_nvars(R->bn);
    double l10 = log(10.0);
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_str(&j, "method", method);
        json_str(&j, "task", R->subset ? "MAP" : "MPE");
        json_obj_begin(&j, "assignment");
        for (size_t v = 0; v < V; v++)
            if (R->x[v] != UINT32_MAX && R->ev[v] < 0)
                json_str(&j, gmdl_bn_name(R->bn, v), gmdl_bn_state_name(R->bn, v, R->x[v]));
        json_obj_end(&j);
        json_obj_begin(&j, "evidence");
        for (size_t v = 0; v < V; v++)
            if (R->ev[v] >= 0)
                json_str(&j, gmdl_bn_name(R->bn, v),
                         gmdl_bn_state_name(R->bn, v, (uint32_t)R->ev[v]));
        json_obj_end(&j);
        json_num(&j, "log10_prob", lp / l10);
        json_num(&j, "log10_posterior", (lp - lev) / l10);
        json_num(&j, "log10_evidence", lev / l10);
        json_num(&j, "time", secs);
        json_finish(&j);
        return;
    }
    printf("%s by %s: log10 P(x, e) = %.12g, log10 P(x | e) = %.12g\n", R->subset ? "MAP" : "MPE",
           method, lp / l10, (lp - lev) / l10);
    for (size_t v = 0; v < V; v++)
        if (R->x[v] != UINT32_MAX && R->ev[v] < 0)
            printf("  %-20s %s\n", gmdl_bn_name(R->bn, v), gmdl_bn_state_name(R->bn, v, R->x[v]));
}

int cmd_bn_map(int argc, char **argv) {
    cli_val vals[sizeof map_opts / sizeof map_opts[0]];
    const char *pos[1];
    int npos, r = cli_parse(&map_cmd, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    const char *method = OPTV(&map_cmd, vals, "method")->s;
    gmdl_map_method mm = GMDL_MAP_JT;
    if (strcmp(method, "ve") == 0)
        mm = GMDL_MAP_VE;
    else if (strcmp(method, "jt") != 0) {
        fprintf(stderr, "gmdl bn map: --method must be jt or ve, got '%s'\n", method);
        return 2;
    }
    gmdl_exact_config ecfg = gmdl_exact_config_default();
    ecfg.seed = (uint64_t)OPTV(&map_cmd, vals, "seed")->i;
    if (cli_pgm_parse_size(OPTV(&map_cmd, vals, "max-mem")->s, &ecfg.max_mem)) {
        fprintf(stderr, "gmdl bn map: --max-mem expects bytes with an optional K/M/G suffix\n");
        return 2;
    }
    map_run R = {0};
    if ((r = cli_bn_load(map_cmd.name, pos[0], &R.bn)))
        return r;
    size_t V = gmdl_bn_nvars(R.bn);
    R.ev = malloc(V * sizeof *R.ev);
    R.x = malloc(V * sizeof *R.x);
    R.query = calloc(V, 1);
    uint32_t *q = malloc(V * sizeof *q);
    const char *vars = OPTV(&map_cmd, vals, "vars")->s;
    long nq = vars ? cli_bn_nodes(map_cmd.name, R.bn, vars, q) : 0;
    for (long i = 0; i < nq; i++)
        R.query[q[i]] = 1;
    R.subset = nq > 0;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_bn_parse_evidence(R.ev, R.bn, OPTV(&map_cmd, vals, "evidence")->s, &err);
    double lp = 0.0, lev = 0.0, t0 = cli_now();
    if (nq < 0 || (vars && nq == 0))
        r = 2;
    if (!r && !s)
        s = gmdl_bn_map(R.x, &lp, R.bn, R.ev, R.subset ? R.query : NULL, mm, &ecfg, &err);
    if (!r && !s)
        s = gmdl_bn_marginals(NULL, &lev, R.bn, R.ev, &ecfg, &err);
    double secs = cli_now() - t0;
    if (!r && s)
        r = cli_fail(map_cmd.name, s, &err);
    else if (!r)
        map_report(&R, method, lp, lev, secs);
    free(R.ev);
    free(R.x);
    free(R.query);
    free(q);
    gmdl_bn_destroy(R.bn);
    return r;
}

/* ------------------------------------------------------------------ convert */

static const cli_opt convert_opts[] = {
    {"out", 'o', OPT_STRING, "OUT", NULL,
     "the file written: .bif, .xmlbif or .xml, .net, .dsc or .uai (by extension)", 1, 0, 0},
};
static const cli_cmd convert_cmd = {
    "bn convert",
    "gmdl bn convert IN --out OUT [--json]",
    "Converts a Bayes net between formats chosen by extension: reads BIF (.bif), XMLBIF (.xmlbif, "
    ".xml), Hugin (.net) and bnlearn (.dsc); writes those and UAI (.uai, a BAYES file: names and "
    "state names are lost). Probabilities are written with 17 significant digits, so the CPTs "
    "read back bit for bit. JSON keys: in, out, n_nodes, n_arcs, n_parameters.",
    convert_opts,
    sizeof convert_opts / sizeof convert_opts[0],
    1,
    1};

int cmd_bn_convert(int argc, char **argv) {
    cli_val vals[sizeof convert_opts / sizeof convert_opts[0]];
    const char *pos[1];
    int npos, r = cli_parse(&convert_cmd, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    const char *out = OPTV(&convert_cmd, vals, "out")->s;
    if (!out) {
        fprintf(stderr, "gmdl bn convert: --out is required\n");
        return 2;
    }
    gmdl_bn *bn;
    if ((r = cli_bn_load(convert_cmd.name, pos[0], &bn)))
        return r;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_bn_write(out, bn, &err);
    if (s)
        r = cli_fail(convert_cmd.name, s, &err);
    else if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_str(&j, "in", pos[0]);
        json_str(&j, "out", out);
        json_int(&j, "n_nodes", (long long)gmdl_bn_nvars(bn));
        json_int(&j, "n_arcs", (long long)gmdl_bn_narcs(bn));
        json_int(&j, "n_parameters", (long long)gmdl_bn_nparams(bn));
        json_finish(&j);
    } else
        cli_note("wrote %s (%zu nodes, %zu arcs)\n", out, gmdl_bn_nvars(bn), gmdl_bn_narcs(bn));
    gmdl_bn_destroy(bn);
    return r;
}
