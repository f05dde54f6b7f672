/* gmdl mrf pr|mar: Markov random fields (and Bayes nets) in the UAI competition format. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_pgm_util.h"

static const char *MRF_USAGE =
    "usage: gmdl mrf pr|mar|map FILE.uai [--evid FILE.evid] [--method exact|bp|gibbs] [--json]\n\n"
    "Markov random fields and Bayes nets in the UAI inference-competition format.\n\n"
    "subcommands:\n"
    "  pr    log10 of the partition function with the evidence clamped (log10 P(e) for a\n"
    "        Bayes net): exact (junction tree), bp (Bethe approximation) or gibbs\n"
    "        (annealed importance sampling)\n"
    "  mar   posterior marginals of every variable (the UAI MAR format without --json):\n"
    "        exact, bp (loopy belief propagation) or gibbs\n"
    "  map   most probable explanation (the UAI MPE format without --json), or MAP\n"
    "        over --vars\n\n"
    "See 'gmdl mrf pr --help'.\n";

static const cli_opt mrf_opts[] = {
    {"evid", 0, OPT_STRING, "FILE", NULL, "evidence file (UAI .evid format)", 1, 0, 0},
    {"method", 0, OPT_STRING, "M", "exact",
     "exact, bp or gibbs (pr: annealed importance sampling with Gibbs transitions)", 1, 0, 0},
    {"chains", 0, OPT_INT, "N", "100", "annealing chains of pr --method gibbs", 1, 1e9, 0},
    {"max-mem", 0, OPT_STRING, "BYTES", "auto",
     "memory budget for exact inference (K/M/G suffixes; auto = half the RAM)", 1, 0, 0},
    {"iters", 0, OPT_INT, "N", "1000", "BP iteration cap", 1, 1e9, 0},
    {"tol", 0, OPT_DOUBLE, "X", "1e-8", "BP convergence tolerance (largest message change)", 0, 1,
     0},
    {"damping", 0, OPT_DOUBLE, "X", "0.5", "BP damping in [0, 1)", 0, 0.999, 0},
    {"samples", 0, OPT_INT, "N", "100000", "Gibbs sweeps after burn-in", 1, 1e15, 0},
    {"n", 'n', OPT_INT, "N", NULL, "alias of --samples", 1, 1e15, 0},
    {"burn-in", 0, OPT_INT, "N", "1000", "Gibbs sweeps discarded first", 0, 1e15, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed (Gibbs; tie-breaking of elimination orders)", 0,
     1.8e19, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores; inference is single-threaded)", 0,
     4096, 0},
};
static const cli_cmd pr_cmd = {
    "mrf pr",
    "gmdl mrf pr FILE.uai [--evid FILE.evid] [--method exact|bp|gibbs] [--json]",
    "log10 of the partition function Z(e) = sum over the states consistent with the evidence of "
    "the product of the factors (log10 P(e) for a BAYES file), exactly by a junction tree or "
    "approximately by the Bethe free energy of loopy belief propagation or by annealed "
    "importance sampling with Gibbs transitions (gibbs).",
    mrf_opts,
    sizeof mrf_opts / sizeof mrf_opts[0],
    1,
    1};
static const cli_cmd mar_cmd = {
    "mrf mar",
    "gmdl mrf mar FILE.uai [--evid FILE.evid] [--method exact|bp|gibbs] [--json]",
    "Posterior marginals P(x_i | e) of every variable: exact (one junction-tree calibration), "
    "bp (loopy belief propagation) or gibbs (Gibbs sampling). Without --json the output is the "
    "UAI competition MAR format.",
    mrf_opts,
    sizeof mrf_opts / sizeof mrf_opts[0],
    1,
    1};

static int run(const cli_cmd *cmd, int is_mar, int argc, char **argv) {
    cli_val vals[sizeof mrf_opts / sizeof mrf_opts[0]];
    const char *pos[1];
    int npos, r = cli_parse(cmd, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    const char *method = OPTV(cmd, vals, "method")->s;
    int m_exact = strcmp(method, "exact") == 0, m_bp = strcmp(method, "bp") == 0,
        m_gibbs = strcmp(method, "gibbs") == 0;
    if (!m_exact && !m_bp && !m_gibbs) {
        fprintf(stderr, "gmdl %s: --method must be exact, bp or gibbs, got '%s'\n", cmd->name,
                method);
        return 2;
    }
    gmdl_exact_config ecfg = gmdl_exact_config_default();
    ecfg.seed = (uint64_t)OPTV(cmd, vals, "seed")->i;
    if (cli_pgm_parse_size(OPTV(cmd, vals, "max-mem")->s, &ecfg.max_mem)) {
        fprintf(stderr,
                "gmdl %s: --max-mem expects bytes with an optional K/M/G suffix, got "
                "'%s'\n",
                cmd->name, OPTV(cmd, vals, "max-mem")->s);
        return 2;
    }
    cli_threads(OPTV(cmd, vals, "threads")->i);
    gmdl_err err = {{0}};
    gmdl_mrf *m = NULL;
    gmdl_status s = gmdl_mrf_read_uai(&m, pos[0], &err);
    if (s)
        return cli_fail(cmd->name, s, &err);
    size_t V = gmdl_mrf_nvars(m), M = gmdl_mrf_marginal_size(m);
    int32_t *ev = malloc((V + 1) * sizeof *ev);
    double *mar = malloc((M + 1) * sizeof *mar);
    for (size_t v = 0; v < V; v++)
        ev[v] = -1;
    const char *evid = OPTV(cmd, vals, "evid")->s;
    if (evid && (s = gmdl_mrf_read_evid(ev, m, evid, &err))) {
        r = cli_fail(cmd->name, s, &err);
        goto out;
    }
    double lz = NAN, ais_ess = 0.0, t0 = cli_now();
    gmdl_exact_stats est;
    gmdl_bp_stats bst;
    memset(&est, 0, sizeof est);
    memset(&bst, 0, sizeof bst);
    if (m_exact)
        s = gmdl_mrf_exact(&lz, is_mar ? mar : NULL, &est, m, ev, &ecfg, &err);
    else if (m_bp) {
        gmdl_bp_config bcfg = gmdl_bp_config_default();
        bcfg.max_iters = (int)OPTV(cmd, vals, "iters")->i;
        bcfg.tol = OPTV(cmd, vals, "tol")->d;
        bcfg.damping = OPTV(cmd, vals, "damping")->d;
        s = gmdl_mrf_bp(&lz, is_mar ? mar : NULL, &bst, m, ev, &bcfg, &err);
        if (s == GMDL_ENOCONV) { /* the beliefs are still reported, flagged */
            cli_note("gmdl %s: warning: %s\n", cmd->name, err.msg);
            s = GMDL_OK;
        }
    } else if (!is_mar) {
        gmdl_gibbs_config gcfg = gmdl_gibbs_config_default();
        gcfg.sweeps = (size_t)OPTV(cmd, vals, "samples")->i;
        if (OPTV(cmd, vals, "n")->set)
            gcfg.sweeps = (size_t)OPTV(cmd, vals, "n")->i;
        gcfg.seed = (uint64_t)OPTV(cmd, vals, "seed")->i;
        s = gmdl_mrf_ais(&lz, &ais_ess, m, ev, &gcfg, (size_t)OPTV(cmd, vals, "chains")->i, &err);
    } else {
        gmdl_gibbs_config gcfg = gmdl_gibbs_config_default();
        gcfg.sweeps = (size_t)OPTV(cmd, vals, "samples")->i;
        if (OPTV(cmd, vals, "n")->set)
            gcfg.sweeps = (size_t)OPTV(cmd, vals, "n")->i;
        gcfg.burn_in = (size_t)OPTV(cmd, vals, "burn-in")->i;
        gcfg.seed = (uint64_t)OPTV(cmd, vals, "seed")->i;
        s = gmdl_mrf_gibbs(mar, m, ev, &gcfg, &err);
    }
    double secs = cli_now() - t0;
    if (s) {
        r = cli_fail(cmd->name, s, &err);
        goto out;
    }
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_str(&j, "file", pos[0]);
        json_str(&j, "method", method);
        json_int(&j, "n_vars", (long long)V);
        json_int(&j, "n_factors", (long long)gmdl_mrf_nfactors(m));
        if (!is_mar)
            json_num(&j, "log10_pr", lz / log(10.0));
        else {
            json_arr_begin(&j, "marginals");
            for (size_t v = 0, off = 0; v < V; off += gmdl_mrf_card(m, v), v++) {
                json_arr_begin(&j, NULL);
                for (uint32_t x = 0; x < gmdl_mrf_card(m, v); x++)
                    json_num(&j, NULL, mar[off + x]);
                json_arr_end(&j);
            }
            json_arr_end(&j);
        }
        if (m_exact) {
            json_int(&j, "max_clique_vars", (long long)est.max_clique_vars);
            json_num(&j, "max_clique_entries", est.max_clique_entries);
            json_num(&j, "bytes", est.total_bytes);
        } else if (m_bp) {
            json_int(&j, "iterations", bst.iters);
            json_bool(&j, "converged", bst.converged);
            json_num(&j, "max_delta", bst.max_delta);
            if (is_mar)
                json_num(&j, "log10_pr", lz / log(10.0));
        } else if (!is_mar)
            json_num(&j, "ess", ais_ess);
        json_num(&j, "time", secs);
        json_finish(&j);
    } else if (!is_mar) {
        printf("PR\n%.6f\n", lz / log(10.0));
    } else {
        printf("MAR\n%zu", V);
        for (size_t v = 0, off = 0; v < V; off += gmdl_mrf_card(m, v), v++) {
            printf(" %u", gmdl_mrf_card(m, v));
            for (uint32_t x = 0; x < gmdl_mrf_card(m, v); x++)
                printf(" %.9g", mar[off + x]);
        }
        printf("\n");
    }
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "gmdl %s: error writing the output\n", cmd->name);
        r = 1;
    }
out:
    free(ev);
    free(mar);
    gmdl_mrf_destroy(m);
    return r;
}

/* ------------------------------------------------------------------ map */

static const cli_opt map_opts[] = {
    {"evid", 0, OPT_STRING, "FILE", NULL, "evidence file (UAI .evid format)", 1, 0, 0},
    {"vars", 0, OPT_STRING, "I,J,...", NULL,
     "MAP over these variables (indices), the others summed out (default: the MPE)", 1, 0, 0},
    {"method", 0, OPT_STRING, "M", "jt",
     "jt (max-product on the junction tree; with --vars: sum-max elimination) or ve (sum-max "
     "variable elimination)",
     1, 0, 0},
    {"max-mem", 0, OPT_STRING, "BYTES", "auto",
     "memory budget for exact inference (K/M/G suffixes; auto = half the RAM)", 1, 0, 0},
    {"seed", 0, OPT_INT, "S", "1", "tie-breaking of elimination orders", 0, 1.8e19, 0},
};
static const cli_cmd map_cmd = {
    "mrf map",
    "gmdl mrf map FILE.uai [--evid FILE.evid] [--vars I,J,...] [--method jt|ve] [--json]",
    "The most probable explanation (max-product on the junction tree), or with --vars the MAP of "
    "those variables with the others summed out (sum-max elimination). Without --json the UAI "
    "MPE format ('MPE', then the count and the states of every variable; for --vars 'MAP', then "
    "the count and variable-state pairs). JSON keys: assignment (the state index per variable, "
    "null where summed out), log10_prob (log10 P(x, e) = the product of the factors at x over Z; "
    "for --vars summed over the rest), log10_value (the unnormalised product), log10_z, time.",
    map_opts,
    sizeof map_opts / sizeof map_opts[0],
    1,
    1};

/* "0,3,7" into query flags; -1 when malformed or out of range. */
static long parse_vars(const char *text, size_t V, uint8_t *query) {
    long n = 0;
    for (const char *p = text; *p;) {
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || v >= V || (*end && *end != ',') || query[v])
            return -1;
        query[v] = 1;
        n++;
        p = *end ? end + 1 : end;
    }
    return n;
}

static void map_print(
    const gmdl_mrf *m, const uint32_t *x, const uint8_t *query, double lv, double lz, double secs) {
    size_t V = gmdl_mrf_nvars(m);
    double l10 = log(10.0);
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_str(&j, "task", query ? "MAP" : "MPE");
        json_arr_begin(&j, "assignment");
        for (size_t v = 0; v < V; v++)
            if (x[v] == UINT32_MAX)
                json_null(&j, NULL);
            else
                json_int(&j, NULL, x[v]);
        json_arr_end(&j);
        json_num(&j, "log10_prob", (lv - lz) / l10);
        json_num(&j, "log10_value", lv / l10);
        json_num(&j, "log10_z", lz / l10);
        json_num(&j, "time", secs);
        json_finish(&j);
        return;
    }
    size_t nq = 0;
    for (size_t v = 0; v < V; v++)
        nq += query ? query[v] : 1;
    printf("%s\n%zu", query ? "MAP" : "MPE", nq);
    for (size_t v = 0; v < V; v++)
        if (query && query[v])
            printf(" %zu %u", v, x[v]);
        else if (!query)
            printf(" %u", x[v]);
    printf("\n");
}

static int mrf_map(int argc, char **argv) {
    cli_val vals[sizeof map_opts / sizeof map_opts[0]];
    const char *pos[1];
    int npos, r = cli_parse(&map_cmd, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    const char *method = OPTV(&map_cmd, vals, "method")->s;
    if (strcmp(method, "jt") != 0 && strcmp(method, "ve") != 0) {
        fprintf(stderr, "gmdl mrf map: --method must be jt or ve, got '%s'\n", method);
        return 2;
    }
    gmdl_exact_config ecfg = gmdl_exact_config_default();
    ecfg.seed = (uint64_t)OPTV(&map_cmd, vals, "seed")->i;
    if (cli_pgm_parse_size(OPTV(&map_cmd, vals, "max-mem")->s, &ecfg.max_mem)) {
        fprintf(stderr, "gmdl mrf map: --max-mem expects bytes with an optional K/M/G suffix\n");
        return 2;
    }
    gmdl_err err = {{0}};
    gmdl_mrf *m = NULL;
    gmdl_status s = gmdl_mrf_read_uai(&m, pos[0], &err);
    if (s)
        return cli_fail(map_cmd.name, s, &err);
    size_t V = gmdl_mrf_nvars(m);
    int32_t *ev = malloc((V + 1) * sizeof *ev);
    uint32_t *x = malloc((V + 1) * sizeof *x);
    uint8_t *query = calloc(V + 1, 1);
    for (size_t v = 0; v < V; v++)
        ev[v] = -1;
    const char *evid = OPTV(&map_cmd, vals, "evid")->s, *vars = OPTV(&map_cmd, vals, "vars")->s;
    if (vars && parse_vars(vars, V, query) <= 0) {
        fprintf(stderr,
                "gmdl mrf map: --vars expects distinct variable indices below %zu, got "
                "'%s'\n",
                V, vars);
        r = 2;
    } else if (evid && (s = gmdl_mrf_read_evid(ev, m, evid, &err)))
        r = cli_fail(map_cmd.name, s, &err);
    double lv = 0.0, lz = 0.0, t0 = cli_now();
    if (!r)
        s = gmdl_mrf_map(x, &lv, m, ev, vars ? query : NULL,
                         strcmp(method, "ve") == 0 ? GMDL_MAP_VE : GMDL_MAP_JT, &ecfg, &err);
    if (!r && !s)
        s = gmdl_mrf_exact(&lz, NULL, NULL, m, NULL, &ecfg, &err);
    double secs = cli_now() - t0;
    if (!r && s)
        r = cli_fail(map_cmd.name, s, &err);
    else if (!r)
        map_print(m, x, vars ? query : NULL, lv, lz, secs);
    free(ev);
    free(x);
    free(query);
    gmdl_mrf_destroy(m);
    return r;
}

int cmd_mrf(int argc, char **argv) {
    if (argc < 1) {
        fputs(MRF_USAGE, stderr);
        return 2;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(MRF_USAGE, stdout);
        return 0;
    }
    if (strcmp(argv[0], "pr") == 0)
        return run(&pr_cmd, 0, argc - 1, argv + 1);
    if (strcmp(argv[0], "mar") == 0)
        return run(&mar_cmd, 1, argc - 1, argv + 1);
    if (strcmp(argv[0], "map") == 0)
        return mrf_map(argc - 1, argv + 1);
    fprintf(stderr, "gmdl mrf: unknown subcommand '%s' (pr, mar, map)\n", argv[0]);
    return 2;
}
