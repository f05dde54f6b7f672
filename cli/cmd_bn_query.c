/* gmdl bn query (one or several targets, --all, --joint, --batch), gmdl bn map and gmdl bn
 * convert (see CLI.md, "Graphical models"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_pgm_util.h"

int cli_bn_load(const char *cmd, const char *path, gmdl_bn **bn) {
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_bn_read(bn, path, &err);
    return s ? cli_fail(cmd, s, &err) : 0;
}

/* "A,B,C" into node indices (no repeats); the count, or -1 with the message printed. */
long cli_bn_nodes(const char *cmd, const gmdl_bn *bn, const char *text, uint32_t *out) {
    long n = 0;
    for (const char *p = text; p && *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        char name[512];
        gmdl_err err = {{0}};
        uint32_t v;
        if (len == 0 || len >= sizeof name) {
            fprintf(stderr, "gmdl %s: bad node list '%s'\n", cmd, text);
            return -1;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        if (gmdl_bn_find(&v, bn, name, &err)) {
            fprintf(stderr, "gmdl %s: %s\n", cmd, err.msg);
            return -1;
        }
        for (long i = 0; i < n; i++)
            if (out[i] == v) {
                fprintf(stderr, "gmdl %s: node '%s' is listed twice\n", cmd, name);
                return -1;
            }
        out[n++] = v;
        p = c ? c + 1 : NULL;
    }
    return n;
}

static const cli_opt query_opts[] = {
    {"target", 0, OPT_STRING, "X[,Y,...]", NULL,
     "the nodes whose posterior marginals are wanted (several: one calibration)", 1, 0, 0},
    {"all", 0, OPT_FLAG, NULL, NULL, "every node's marginal from one calibration", 1, 0, 0},
    {"joint", 0, OPT_STRING, "X,Y,...", NULL, "the joint posterior of these nodes (exact)", 1, 0,
     0},
    {"evidence", 0, OPT_STRING, "A=a,B=b", NULL, "observed nodes and their states", 1, 0, 0},
    {"batch", 0, OPT_STRING, "EVIDENCE.csv", NULL,
     "one answer per row of a CSV (header: node names; cells: states, empty/?/NA = unobserved), "
     "one calibration per distinct row; the targets are --target or every node",
     1, 0, 0},
    {"format", 0, OPT_STRING, "F", "csv",
     "batch answers: csv (row, log_evidence, one column per NODE=state) or jsonl (one JSON "
     "object a row; also what --json gives)",
     1, 0, 0},
    {"method", 0, OPT_STRING, "M", "exact",
     "exact (junction tree), ve (variable elimination), lw (likelihood weighting), rejection, "
     "gibbs",
     1, 0, 0},
    {"samples", 0, OPT_INT, "N", "100000", "samples (lw, rejection) or sweeps (gibbs)", 1, 1e15, 0},
    {"n", 'n', OPT_INT, "N", NULL, "alias of --samples", 1, 1e15, 0},
    {"burn-in", 0, OPT_INT, "N", "1000", "Gibbs sweeps discarded first", 0, 1e15, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed", 0, 1.8e19, 0},
    {"max-mem", 0, OPT_STRING, "BYTES", "auto",
     "memory budget for exact inference (K/M/G suffixes; auto = half the RAM)", 1, 0, 0},
    {"threads", 0, OPT_INT, "T", "0",
     "threads (0 = all cores; batches split their distinct rows, one query is single-threaded)", 0,
     4096, 0},
};
static const cli_cmd query_cmd = {
    "bn query",
    "gmdl bn query NET --target X[,Y,...] | --all | --joint X,Y [--evidence A=a,B=b] [--method "
    "exact|ve|lw|rejection|gibbs] [--samples N] [--seed S] [--json]\n"
    "       gmdl bn query NET --batch EVIDENCE.csv [--target X,...] [--format csv|jsonl]",
    "Posterior marginals P(X | evidence). exact and ve are exact; lw, rejection and gibbs are "
    "seeded sampling estimates and also report the effective sample size. Several targets or "
    "--all: every marginal from one junction-tree calibration (JSON key marginals); --joint: the "
    "joint posterior of a few nodes (JSON keys targets, joint); --batch: one answer per evidence "
    "row. NET may be BIF, XMLBIF, Hugin .net or .dsc (by extension).",
    query_opts,
    sizeof query_opts / sizeof query_opts[0],
    1,
    1};

typedef struct {
    gmdl_bn *bn;
    size_t V;
    int32_t *ev;
    uint32_t *tg; /* targets */
    long nt;
    size_t *off; /* marginal offset per node */
    const char *method;
} query_run;

static void json_evidence(json_w *j, const query_run *Q) {
    json_obj_begin(j, "evidence");
    for (size_t v = 0; v < Q->V; v++)
        if (Q->ev[v] >= 0)
            json_str(j, gmdl_bn_name(Q->bn, v), gmdl_bn_state_name(Q->bn, v, (uint32_t)Q->ev[v]));
    json_obj_end(j);
}

static void json_marginals(json_w *j, const query_run *Q, const double *marg) {
    json_obj_begin(j, "marginals");
    for (long i = 0; i < Q->nt; i++) {
        uint32_t t = Q->tg[i];
        json_obj_begin(j, gmdl_bn_name(Q->bn, t));
        for (uint32_t x = 0; x < gmdl_bn_card(Q->bn, t); x++)
            json_num(j, gmdl_bn_state_name(Q->bn, t, x), marg[Q->off[t] + x]);
        json_obj_end(j);
    }
    json_obj_end(j);
}

static void print_given(const query_run *Q) {
    int first = 1;
    for (size_t v = 0; v < Q->V; v++)
        if (Q->ev[v] >= 0) {
            printf("%s%s=%s", first ? " | " : ", ", gmdl_bn_name(Q->bn, v),
                   gmdl_bn_state_name(Q->bn, v, (uint32_t)Q->ev[v]));
            first = 0;
        }
}

/* Marginals of the targets: one calibration (exact), else one query per target. */
static int q_marginals(const query_run *Q, const gmdl_query_config *cfg) {
    gmdl_err err = {{0}};
    size_t M = gmdl_bn_marginal_size(Q->bn);
    double *marg = calloc(M + 1, sizeof *marg), lev = 0.0, t0 = cli_now();
    gmdl_query_stats st;
    memset(&st, 0, sizeof st);
    gmdl_status s = marg ? GMDL_OK : GMDL_ENOMEM;
    if (!s && cfg->method == GMDL_QUERY_EXACT)
        s = gmdl_bn_marginals(marg, &lev, Q->bn, Q->ev, &cfg->exact, &err);
    for (long i = 0; !s && cfg->method != GMDL_QUERY_EXACT && i < Q->nt; i++) {
        s = gmdl_bn_query(marg + Q->off[Q->tg[i]], &st, Q->bn, Q->tg[i], Q->ev, cfg, &err);
        lev = st.log_evidence;
    }
    double secs = cli_now() - t0;
    int r = s ? cli_fail(query_cmd.name, s, &err) : 0;
    int sampling = cfg->method != GMDL_QUERY_EXACT && cfg->method != GMDL_QUERY_VE;
    if (!r && cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_arr_begin(&j, "targets");
        for (long i = 0; i < Q->nt; i++)
            json_str(&j, NULL, gmdl_bn_name(Q->bn, Q->tg[i]));
        json_arr_end(&j);
        json_str(&j, "method", Q->method);
        json_evidence(&j, Q);
        json_marginals(&j, Q, marg);
        if (!sampling)
            json_num(&j, "log_evidence", lev);
        json_num(&j, "time", secs);
        json_finish(&j);
    } else if (!r)
        for (long i = 0; i < Q->nt; i++) {
            uint32_t t = Q->tg[i];
            printf("P(%s", gmdl_bn_name(Q->bn, t));
            print_given(Q);
            printf(") by %s:\n", Q->method);
            for (uint32_t x = 0; x < gmdl_bn_card(Q->bn, t); x++)
                printf("  %-20s %.9f\n", gmdl_bn_state_name(Q->bn, t, x), marg[Q->off[t] + x]);
        }
    free(marg);
    return r;
}

/* One target: the output of the first version of bn query (keys target, probabilities). */
static int q_single(const query_run *Q, const gmdl_query_config *cfg) {
    gmdl_err err = {{0}};
    uint32_t t = Q->tg[0], k = gmdl_bn_card(Q->bn, t);
    double *p = malloc(k * sizeof *p), t0 = cli_now();
    gmdl_query_stats st;
    memset(&st, 0, sizeof st);
    gmdl_status s = p ? gmdl_bn_query(p, &st, Q->bn, t, Q->ev, cfg, &err) : GMDL_ENOMEM;
    double secs = cli_now() - t0;
    if (s) {
        free(p);
        return cli_fail(query_cmd.name, s, &err);
    }
    int sampling = cfg->method != GMDL_QUERY_EXACT && cfg->method != GMDL_QUERY_VE;
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_str(&j, "target", gmdl_bn_name(Q->bn, t));
        json_str(&j, "method", Q->method);
        json_evidence(&j, Q);
        json_obj_begin(&j, "probabilities");
        for (uint32_t x = 0; x < k; x++)
            json_num(&j, gmdl_bn_state_name(Q->bn, t, x), p[x]);
        json_obj_end(&j);
        if (sampling) {
            json_int(&j, "samples", (long long)st.samples);
            json_num(&j, "ess", st.ess);
            json_int(&j, "seed", (long long)cfg->seed);
        } else
            json_num(&j, "log_evidence", st.log_evidence);
        json_num(&j, "time", secs);
        json_finish(&j);
    } else {
        printf("P(%s", gmdl_bn_name(Q->bn, t));
        print_given(Q);
        printf(") by %s:\n", Q->method);
        for (uint32_t x = 0; x < k; x++)
            printf("  %-20s %.9f\n", gmdl_bn_state_name(Q->bn, t, x), p[x]);
        if (sampling)
            printf("samples %zu, effective sample size %.1f\n", st.samples, st.ess);
        else
            printf("P(evidence) = %.9g\n", exp(st.log_evidence));
    }
    free(p);
    return 0;
}

static int q_joint(const query_run *Q, const gmdl_query_config *cfg) {
    gmdl_err err = {{0}};
    size_t total = 1;
    for (long i = 0; i < Q->nt && total <= ((size_t)1 << 22); i++)
        total *= gmdl_bn_card(Q->bn, Q->tg[i]);
    double *p = total <= ((size_t)1 << 22) ? malloc(total * sizeof *p) : NULL, lev = 0.0;
    double t0 = cli_now();
    gmdl_status s =
        gmdl_bn_query_joint(p, &lev, Q->bn, (size_t)Q->nt, Q->tg, Q->ev, &cfg->exact, &err);
    double secs = cli_now() - t0;
    if (s) {
        free(p);
        return cli_fail(query_cmd.name, s, &err);
    }
    json_w j;
    if (cli_json()) {
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_arr_begin(&j, "targets");
        for (long i = 0; i < Q->nt; i++)
            json_str(&j, NULL, gmdl_bn_name(Q->bn, Q->tg[i]));
        json_arr_end(&j);
        json_str(&j, "method", "exact");
        json_evidence(&j, Q);
        json_arr_begin(&j, "joint");
    } else {
        printf("P(");
        for (long i = 0; i < Q->nt; i++)
            printf("%s%s", i ? ", " : "", gmdl_bn_name(Q->bn, Q->tg[i]));
        print_given(Q);
        printf(") by exact:\n");
    }
    uint32_t ctr[64] = {0};
    for (size_t e = 0; e < total; e++) {
        if (cli_json()) {
            json_obj_begin(&j, NULL);
            json_arr_begin(&j, "states");
        } else
            printf(" ");
        for (long i = 0; i < Q->nt; i++) {
            const char *st = gmdl_bn_state_name(Q->bn, Q->tg[i], ctr[i]);
            if (cli_json())
                json_str(&j, NULL, st);
            else
                printf(" %-12s", st);
        }
        if (cli_json()) {
            json_arr_end(&j);
            json_num(&j, "p", p[e]);
            json_obj_end(&j);
        } else
            printf(" %.9f\n", p[e]);
        for (long i = Q->nt; i-- > 0;) {
            if (++ctr[i] < gmdl_bn_card(Q->bn, Q->tg[i]))
                break;
            ctr[i] = 0;
        }
    }
    if (cli_json()) {
        json_arr_end(&j);
        json_num(&j, "log_evidence", lev);
        json_num(&j, "time", secs);
        json_finish(&j);
    } else
        printf("P(evidence) = %.9g\n", exp(lev));
    free(p);
    return 0;
}

/* The answers of a batch on stdout: CSV or JSON lines. */
static void
batch_print(const query_run *Q, const double *marg, const double *lev, size_t n, int jsonl) {
    size_t M = gmdl_bn_marginal_size(Q->bn);
    if (!jsonl) {
        printf("row,log_evidence");
        for (long i = 0; i < Q->nt; i++)
            for (uint32_t x = 0; x < gmdl_bn_card(Q->bn, Q->tg[i]); x++)
                printf(",%s=%s", gmdl_bn_name(Q->bn, Q->tg[i]),
                       gmdl_bn_state_name(Q->bn, Q->tg[i], x));
        printf("\n");
    }
    for (size_t r = 0; r < n; r++) {
        const double *m = marg + r * M;
        if (jsonl) {
            json_w j;
            json_init(&j, stdout);
            json_obj_begin(&j, NULL);
            json_int(&j, "row", (long long)r + 1);
            json_num(&j, "log_evidence", lev[r]);
            json_marginals(&j, Q, m);
            json_finish(&j);
            continue;
        }
        printf("%zu,%.17g", r + 1, lev[r]);
        for (long i = 0; i < Q->nt; i++)
            for (uint32_t x = 0; x < gmdl_bn_card(Q->bn, Q->tg[i]); x++)
                printf(",%.17g", m[Q->off[Q->tg[i]] + x]);
        printf("\n");
    }
}

static int
q_batch(const query_run *Q, const gmdl_query_config *cfg, const char *path, const char *format) {
    int jsonl = cli_json() || strcmp(format, "jsonl") == 0;
    if (!jsonl && strcmp(format, "csv") != 0) {
        fprintf(stderr, "gmdl bn query: --format must be csv or jsonl, got '%s'\n", format);
        return 2;
    }
    if (cfg->method != GMDL_QUERY_EXACT) {
        fprintf(stderr, "gmdl bn query: --batch answers exactly (--method exact)\n");
        return 2;
    }
    gmdl_err err = {{0}};
    gmdl_bn_data d;
    memset(&d, 0, sizeof d);
    gmdl_status s = gmdl_bn_data_read(&d, Q->bn, path, &err);
    if (s)
        return cli_fail(query_cmd.name, s, &err);
    size_t M = gmdl_bn_marginal_size(Q->bn), ncal = 0;
    double *marg = malloc((d.nrows * M + 1) * sizeof *marg);
    double *lev = malloc((d.nrows + 1) * sizeof *lev), t0 = cli_now();
    s = marg && lev ? gmdl_bn_query_batch(marg, lev, &ncal, Q->bn, &d, &cfg->exact, &err)
                    : GMDL_ENOMEM;
    int r = s ? cli_fail(query_cmd.name, s, &err) : 0;
    if (!r) {
        cli_note("gmdl bn query: %zu rows, %zu calibrations, %.3f s\n", d.nrows, ncal,
                 cli_now() - t0);
        batch_print(Q, marg, lev, d.nrows, jsonl);
        if (fflush(stdout) || ferror(stdout)) {
            fprintf(stderr, "gmdl bn query: error writing the answers\n");
            r = 1;
        }
    }
    free(marg);
    free(lev);
    gmdl_bn_data_fini(&d);
    return r;
}

/* --method into cfg; 2 with a message when unknown. */
static int parse_method(const char *method, gmdl_query_config *cfg) {
    static const char *names[] = {"exact", "ve", "rejection", "lw", "gibbs"};
    static const gmdl_query_method ids[] = {GMDL_QUERY_EXACT, GMDL_QUERY_VE, GMDL_QUERY_REJECTION,
                                            GMDL_QUERY_LW, GMDL_QUERY_GIBBS};
    for (size_t i = 0; i < 5; i++)
        if (strcmp(method, names[i]) == 0) {
            cfg->method = ids[i];
            return 0;
        }
    fprintf(stderr, "gmdl bn query: --method must be exact, ve, lw, rejection or gibbs, got '%s'\n",
            method);
    return 2;
}

static int query_config(const cli_val *vals, gmdl_query_config *cfg) {
    *cfg = gmdl_query_config_default();
    if (parse_method(OPTV(&query_cmd, vals, "method")->s, cfg))
        return 2;
    cfg->samples = (size_t)OPTV(&query_cmd, vals, "samples")->i;
    if (OPTV(&query_cmd, vals, "n")->set)
        cfg->samples = (size_t)OPTV(&query_cmd, vals, "n")->i;
    cfg->burn_in = (size_t)OPTV(&query_cmd, vals, "burn-in")->i;
    cfg->seed = (uint64_t)OPTV(&query_cmd, vals, "seed")->i;
    cfg->exact.seed = cfg->seed;
    if (cli_pgm_parse_size(OPTV(&query_cmd, vals, "max-mem")->s, &cfg->exact.max_mem)) {
        fprintf(stderr,
                "gmdl bn query: --max-mem expects bytes with an optional K/M/G suffix, got '%s'\n",
                OPTV(&query_cmd, vals, "max-mem")->s);
        return 2;
    }
    cli_threads(OPTV(&query_cmd, vals, "threads")->i);
    return 0;
}

int cmd_bn_query(int argc, char **argv) {
    cli_val vals[sizeof query_opts / sizeof query_opts[0]];
    const char *pos[1];
    int npos, r = cli_parse(&query_cmd, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    const char *target = OPTV(&query_cmd, vals, "target")->s,
               *joint = OPTV(&query_cmd, vals, "joint")->s,
               *batch = OPTV(&query_cmd, vals, "batch")->s;
    int all = (int)OPTV(&query_cmd, vals, "all")->i;
    if ((!!target + !!joint + all > 1 && !batch) || (batch && (joint || (all && target)))) {
        fprintf(stderr, "gmdl bn query: give one of --target, --all and --joint\n");
        return 2;
    }
    if (!target && !joint && !all && !batch) {
        fprintf(stderr, "gmdl bn query: --target is required (or --all, --joint, --batch)\n");
        return 2;
    }
    gmdl_query_config cfg;
    if ((r = query_config(vals, &cfg)))
        return r;
    query_run Q = {0};
    if ((r = cli_bn_load(query_cmd.name, pos[0], &Q.bn)))
        return r;
    Q.V = gmdl_bn_nvars(Q.bn);
    Q.method = OPTV(&query_cmd, vals, "method")->s;
    Q.ev = malloc(Q.V * sizeof *Q.ev);
    Q.tg = malloc(Q.V * sizeof *Q.tg);
    Q.off = malloc(Q.V * sizeof *Q.off);
    for (size_t v = 0, o = 0; v < Q.V; o += gmdl_bn_card(Q.bn, v), v++) {
        Q.off[v] = o;
        Q.tg[v] = (uint32_t)v;
    }
    Q.nt = (long)Q.V;
    if (target || joint)
        Q.nt = cli_bn_nodes(query_cmd.name, Q.bn, target ? target : joint, Q.tg);
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_bn_parse_evidence(Q.ev, Q.bn, OPTV(&query_cmd, vals, "evidence")->s, &err);
    if (Q.nt < 0)
        r = 2;
    else if (s)
        r = cli_fail(query_cmd.name, s, &err);
    else if (joint && Q.nt > 64) {
        fprintf(stderr, "gmdl bn query: --joint takes at most 64 nodes\n");
        r = 2;
    } else if (batch)
        r = q_batch(&Q, &cfg, batch, OPTV(&query_cmd, vals, "format")->s);
    else if (joint)
        r = q_joint(&Q, &cfg);
    else if (target && Q.nt == 1)
        r = q_single(&Q, &cfg);
    else
        r = q_marginals(&Q, &cfg);
    free(Q.ev);
    free(Q.tg);
    free(Q.off);
    gmdl_bn_destroy(Q.bn);
    return r;
}
