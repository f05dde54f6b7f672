/* gmdl mrf pr|mar: Markov random fields (and Bayes nets) in the UAI competition format. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cmd_pgm_util.h"

static const char *MRF_USAGE =
    "usage: gmdl mrf pr|mar|solve|map FILE.uai [--evid FILE.evid] [--method exact|bp|gibbs] "
    "[--json]\n\n"
    "Markov random fields and Bayes nets in the UAI inference-competition format.\n\n"
    "subcommands:\n"
    "  pr    log10 of the partition function with the evidence clamped (log10 P(e) for a\n"
    "        Bayes net): exact (junction tree), bp (Bethe approximation) or gibbs\n"
    "        (annealed importance sampling)\n"
    "  mar   posterior marginals of every variable (the UAI MAR format without --json):\n"
    "        exact, bp (loopy belief propagation) or gibbs\n"
    "  solve several tasks from one run (--task PR,MAR: Z and the marginals from one\n"
    "        junction-tree calibration)\n"
    "  map   most probable explanation (the UAI MPE format without --json), or MAP\n"
    "        over --vars\n\n"
    "See 'gmdl mrf pr --help'.\n";

/* The options of pr, mar and solve. */
#define MRF_OPTS                                                                                     \
    {"evid", 0, OPT_STRING, "FILE", NULL, "evidence file (UAI .evid format)", 1, 0, 0},              \
        {"method",   0,                                                                              \
         OPT_STRING, "M",                                                                            \
         "exact",    "exact, bp or gibbs (pr: annealed importance sampling with Gibbs transitions)", \
         1,          0,                                                                              \
         0},                                                                                         \
        {"chains", 0, OPT_INT, "N", "100", "annealing chains of pr --method gibbs", 1, 1e9, 0},      \
        {"max-mem",  0,                                                                              \
         OPT_STRING, "BYTES",                                                                        \
         "auto",     "memory budget for exact inference (K/M/G suffixes; auto = half the RAM)",      \
         1,          0,                                                                              \
         0},                                                                                         \
        {"iters", 0, OPT_INT, "N", "1000", "BP iteration cap", 1, 1e9, 0},                           \
        {"tol", 0, OPT_DOUBLE, "X", "1e-8", "BP convergence tolerance (largest message change)",     \
         0,     1, 0},                                                                               \
        {"damping", 0, OPT_DOUBLE, "X", "0.5", "BP damping in [0, 1)", 0, 0.999, 0},                 \
        {"samples", 0, OPT_INT, "N", "100000", "Gibbs sweeps after burn-in", 1, 1e15, 0},            \
        {"n", 'n', OPT_INT, "N", NULL, "alias of --samples", 1, 1e15, 0},                            \
        {"burn-in", 0, OPT_INT, "N", "1000", "Gibbs sweeps discarded first", 0, 1e15, 0},            \
        {"seed", 0, OPT_INT, "S", "1", "random seed (Gibbs; tie-breaking of elimination orders)", 0, \
         1.8e19, 0},                                                                                 \
        {"threads",                                                                                  \
         0,                                                                                          \
         OPT_INT,                                                                                    \
         "T",                                                                                        \
         "0",                                                                                        \
         "threads (0 = all cores): exact inference splits large clique tables between them",         \
         0,                                                                                          \
         4096,                                                                                       \
         0},

static const cli_opt mrf_opts[] = {MRF_OPTS};
static const cli_opt solve_opts[] = {{"task", 0, OPT_STRING, "T", "PR,MAR",
                                      "PR, MAR or both (PR,MAR): one calibration answers both", 1,
                                      0, 0},
                                     MRF_OPTS};
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

enum { TASK_PR = 1, TASK_MAR = 2 };

static const cli_cmd solve_cmd = {
    "mrf solve",
    "gmdl mrf solve FILE.uai [--evid FILE.evid] [--task PR,MAR] [--method exact|bp] [--json]",
    "Several tasks from one run: with --task PR,MAR (the default) one junction-tree calibration "
    "(or one BP run) gives log10 Z(e) and every posterior marginal. Without --json the output "
    "is the UAI competition format, one block per task (PR, then MAR). JSON keys: log10_pr, "
    "marginals (as mrf pr and mrf mar), tasks.",
    solve_opts,
    sizeof solve_opts / sizeof solve_opts[0],
    1,
    1};

/* "PR", "MAR", "PR,MAR" (any order and case) into a task mask; 0 when malformed. */
static int parse_tasks(const char *text) {
    int tasks = 0;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ",");
        if (n == 2 && strncasecmp(p, "PR", 2) == 0)
            tasks |= TASK_PR;
        else if (n == 3 && strncasecmp(p, "MAR", 3) == 0)
            tasks |= TASK_MAR;
        else
            return 0;
        p += n + (p[n] == ',');
    }
    return tasks;
}

/* The answers of one run: log Z(e) and the marginals, and what the method reports. */
typedef struct {
    double lz, ais_ess, secs;
    gmdl_exact_stats est;
    gmdl_bp_stats bst;
} mrf_answer;

static void print_json(const cli_cmd *cmd,
                       const char *file,
                       const char *method,
                       int tasks,
                       const gmdl_mrf *m,
                       const double *mar,
                       const mrf_answer *A) {
    size_t V = gmdl_mrf_nvars(m);
    json_w j;
    json_init(&j, stdout);
    json_obj_begin(&j, NULL);
    json_str(&j, "file", file);
    json_str(&j, "method", method);
    if (cmd == &solve_cmd)
        json_str(&j, "tasks",
                 tasks == (TASK_PR | TASK_MAR) ? "PR,MAR"
                 : tasks == TASK_PR            ? "PR"
                                               : "MAR");
    json_int(&j, "n_vars", (long long)V);
    json_int(&j, "n_factors", (long long)gmdl_mrf_nfactors(m));
    if ((tasks & TASK_PR) || strcmp(method, "gibbs") != 0) /* exact and bp give Z with MAR */
        json_num(&j, "log10_pr", A->lz / log(10.0));
    if (tasks & TASK_MAR) {
        json_arr_begin(&j, "marginals");
        for (size_t v = 0, off = 0; v < V; off += gmdl_mrf_card(m, v), v++) {
            json_arr_begin(&j, NULL);
            for (uint32_t x = 0; x < gmdl_mrf_card(m, v); x++)
                json_num(&j, NULL, mar[off + x]);
            json_arr_end(&j);
        }
        json_arr_end(&j);
    }
    if (strcmp(method, "exact") == 0) {
        json_int(&j, "max_clique_vars", (long long)A->est.max_clique_vars);
        json_num(&j, "max_clique_entries", A->est.max_clique_entries);
        json_num(&j, "bytes", A->est.total_bytes);
    } else if (strcmp(method, "bp") == 0) {
        json_int(&j, "iterations", A->bst.iters);
        json_bool(&j, "converged", A->bst.converged);
        json_num(&j, "max_delta", A->bst.max_delta);
    } else if (tasks & TASK_PR)
        json_num(&j, "ess", A->ais_ess);
    json_num(&j, "time", A->secs);
    json_finish(&j);
}

static void print_uai(int tasks, const gmdl_mrf *m, const double *mar, const mrf_answer *A) {
    size_t V = gmdl_mrf_nvars(m);
    if (tasks & TASK_PR)
        printf("PR\n%.6f\n", A->lz / log(10.0));
    if (tasks & TASK_MAR) {
        printf("MAR\n%zu", V);
        for (size_t v = 0, off = 0; v < V; off += gmdl_mrf_card(m, v), v++) {
            printf(" %u", gmdl_mrf_card(m, v));
            for (uint32_t x = 0; x < gmdl_mrf_card(m, v); x++)
                printf(" %.9g", mar[off + x]);
        }
        printf("\n");
    }
}

/* Runs the method for the tasks; the answers into A and mar. */
static gmdl_status solve(mrf_answer *A,
                         double *mar,
                         const cli_cmd *cmd,
                         const cli_val *vals,
                         const char *method,
                         int tasks,
                         const gmdl_mrf *m,
                         const int32_t *ev,
                         const gmdl_exact_config *ecfg,
                         gmdl_err *err) {
    double *want = (tasks & TASK_MAR) ? mar : NULL;
    if (strcmp(method, "exact") == 0)
        return gmdl_mrf_exact(&A->lz, want, &A->est, m, ev, ecfg, err);
    if (strcmp(method, "bp") == 0) {
        gmdl_bp_config bcfg = gmdl_bp_config_default();
        bcfg.max_iters = (int)OPTV(cmd, vals, "iters")->i;
        bcfg.tol = OPTV(cmd, vals, "tol")->d;
        bcfg.damping = OPTV(cmd, vals, "damping")->d;
        gmdl_status s = gmdl_mrf_bp(&A->lz, want, &A->bst, m, ev, &bcfg, err);
        if (s == GMDL_ENOCONV) { /* the beliefs are still reported, flagged */
            cli_note("gmdl %s: warning: %s\n", cmd->name, err->msg);
            s = GMDL_OK;
        }
        return s;
    }
    gmdl_gibbs_config gcfg = gmdl_gibbs_config_default();
    gcfg.sweeps = (size_t)OPTV(cmd, vals, "samples")->i;
    if (OPTV(cmd, vals, "n")->set)
        gcfg.sweeps = (size_t)OPTV(cmd, vals, "n")->i;
    gcfg.seed = (uint64_t)OPTV(cmd, vals, "seed")->i;
    if (tasks == TASK_PR)
        return gmdl_mrf_ais(&A->lz, &A->ais_ess, m, ev, &gcfg, (size_t)OPTV(cmd, vals, "chains")->i,
                            err);
    gcfg.burn_in = (size_t)OPTV(cmd, vals, "burn-in")->i;
    return gmdl_mrf_gibbs(mar, m, ev, &gcfg, err);
}

/* Checks the options; *tasks for solve. Returns 0 or the exit code. */
static int
check_opts(const cli_cmd *cmd, const cli_val *vals, int *tasks, gmdl_exact_config *ecfg) {
    const char *method = OPTV(cmd, vals, "method")->s;
    if (strcmp(method, "exact") != 0 && strcmp(method, "bp") != 0 && strcmp(method, "gibbs") != 0) {
        fprintf(stderr, "gmdl %s: --method must be exact, bp or gibbs, got '%s'\n", cmd->name,
                method);
        return 2;
    }
    if (cmd == &solve_cmd && !(*tasks = parse_tasks(OPTV(cmd, vals, "task")->s))) {
        fprintf(stderr, "gmdl %s: --task must be PR, MAR or PR,MAR, got '%s'\n", cmd->name,
                OPTV(cmd, vals, "task")->s);
        return 2;
    }
    if (*tasks == (TASK_PR | TASK_MAR) && strcmp(method, "gibbs") == 0) {
        fprintf(stderr,
                "gmdl %s: --method gibbs estimates PR (annealed importance sampling) and MAR "
                "(Gibbs sampling) by separate runs: ask for one task, or use exact or bp\n",
                cmd->name);
        return 2;
    }
    *ecfg = gmdl_exact_config_default();
    ecfg->seed = (uint64_t)OPTV(cmd, vals, "seed")->i;
    if (cli_pgm_parse_size(OPTV(cmd, vals, "max-mem")->s, &ecfg->max_mem)) {
        fprintf(stderr,
                "gmdl %s: --max-mem expects bytes with an optional K/M/G suffix, got '%s'\n",
                cmd->name, OPTV(cmd, vals, "max-mem")->s);
        return 2;
    }
    return 0;
}

static int run(const cli_cmd *cmd, int tasks, int argc, char **argv) {
    cli_val vals[sizeof solve_opts / sizeof solve_opts[0]];
    const char *pos[1];
    int npos, r = cli_parse(cmd, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    gmdl_exact_config ecfg;
    if ((r = check_opts(cmd, vals, &tasks, &ecfg)))
        return r;
    const char *method = OPTV(cmd, vals, "method")->s;
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
    mrf_answer A;
    memset(&A, 0, sizeof A);
    A.lz = NAN;
    if (evid && (s = gmdl_mrf_read_evid(ev, m, evid, &err))) {
        r = cli_fail(cmd->name, s, &err);
        goto out;
    }
    double t0 = cli_now();
    s = solve(&A, mar, cmd, vals, method, tasks, m, ev, &ecfg, &err);
    A.secs = cli_now() - t0;
    if (s) {
        r = cli_fail(cmd->name, s, &err);
        goto out;
    }
    if (cli_json())
        print_json(cmd, pos[0], method, tasks, m, mar, &A);
    else
        print_uai(tasks, m, mar, &A);
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
        return run(&pr_cmd, TASK_PR, argc - 1, argv + 1);
    if (strcmp(argv[0], "mar") == 0)
        return run(&mar_cmd, TASK_MAR, argc - 1, argv + 1);
    if (strcmp(argv[0], "solve") == 0)
        return run(&solve_cmd, 0, argc - 1, argv + 1);
    if (strcmp(argv[0], "map") == 0)
        return mrf_map(argc - 1, argv + 1);
    fprintf(stderr, "gmdl mrf: unknown subcommand '%s' (pr, mar, solve, map)\n", argv[0]);
    return 2;
}
