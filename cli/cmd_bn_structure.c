/* gmdl bn structure (a DAG learned from a CSV by hill climbing or PC, its CPTs, the SHD to a true
 * net) and gmdl bn score (BIC or the BDeu log marginal likelihood of complete data). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt structure_opts[] = {
    {"data", 0, OPT_STRING, "FILE.csv", NULL,
     "complete data: a header of node names, a state name per cell", 0, -1, 0},
    {"out", 'o', OPT_STRING, "NET.bif", NULL, "where the learned network is written (BIF)", 0, -1,
     0},
    {"method", 0, OPT_STRING, "hc|pc", "hc",
     "hc: score-based hill climbing with a tabu list; pc: the PC algorithm (stable variant)", 0, -1,
     0},
    {"score", 0, OPT_STRING, "SCORE", "bic",
     "bic, or bdeu[:ESS] (log marginal likelihood, BDeu prior with equivalent sample size ESS, "
     "default 1)",
     0, -1, 0},
    {"tabu", 0, OPT_INT, "N", "100",
     "hc: tabu list of the last N graphs; also the moves allowed without improvement (0 = greedy)",
     0, 1e6, 0},
    {"restarts", 0, OPT_INT, "N", "0", "hc: random restarts from the best graph", 0, 1e6, 0},
    {"perturb", 0, OPT_INT, "N", "0",
     "hc: random moves from the best graph per restart (0 = restart from the empty graph "
     "with a random tie-break order)",
     0, 1e6, 0},
    {"max-parents", 0, OPT_INT, "K", "0", "parents per node at most (0 = no limit)", 0, 64, 0},
    {"max-steps", 0, OPT_INT, "N", "0", "hc: moves per climb at most (0 = no limit)", 0, 1e9, 0},
    {"blacklist", 0, OPT_STRING, "FILE", NULL,
     "arcs never learned: one 'FROM,TO' per line (a 'from,to' header and # comments allowed)", 0,
     -1, 0},
    {"whitelist", 0, OPT_STRING, "FILE", NULL, "arcs always learned, same format", 0, -1, 0},
    {"alpha", 0, OPT_DOUBLE, "A", "0.01", "pc: significance level of the independence tests", 0, 1,
     0},
    {"test", 0, OPT_STRING, "g|x2", "g",
     "pc: G-test (likelihood ratio, mutual information) or Pearson's chi-square", 0, -1, 0},
    {"max-cond", 0, OPT_INT, "K", "0", "pc: largest conditioning set (0 = no limit)", 0, 62, 0},
    {"true", 0, OPT_STRING, "NET.bif", NULL,
     "report the structural Hamming distance between the CPDAGs of the result and this net", 0, -1,
     0},
    {"prior", 0, OPT_STRING, "PRIOR", "none",
     "CPTs of the result: 'none' (maximum likelihood) or 'bdeu:ESS'", 0, -1, 0},
    {"seed", 0, OPT_INT, "S", "1", "seed of the random restarts", 0, 1e18, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores)", 0, 4096, 0},
};
static const cli_cmd structure_cmd = {
    "bn structure",
    "gmdl bn structure --data FILE.csv --out NET.bif [--method hc|pc] [--score bic|bdeu[:ESS]] "
    "[--tabu N] [--restarts N] [--max-parents K] [--blacklist FILE] [--whitelist FILE] [--alpha A] "
    "[--true NET.bif] [--json]",
    "Learns a Bayes-net structure from complete discrete data (the states of a node are the "
    "values of its column), then its CPTs from the same data (as gmdl bn learn), and writes it as "
    "BIF. hc climbs the BIC or BDeu score by adding, deleting and reversing arcs (cached family "
    "scores, a tabu list, seeded restarts); pc removes edges by conditional independence tests and "
    "orients v-structures and Meek's rules, then writes one DAG of the class it found. With "
    "--true, "
    "the structural Hamming distance between the equivalence classes (CPDAGs), as bnlearn's shd. "
    "JSON keys: edges (list of [parent, child]), score, shd and true_arcs (with --true), arcs, "
    "undirected (edges the class leaves undirected), method, score_kind, rows, nodes, steps, "
    "evaluations, restarts, tests, seconds, out. See docs/STRUCTURE.md.",
    structure_opts,
    sizeof structure_opts / sizeof structure_opts[0],
    0,
    0};

static const cli_opt score_opts[] = {
    {"data", 0, OPT_STRING, "FILE.csv", NULL,
     "complete data: a header of node names, a state name per cell", 0, -1, 0},
    {"score", 0, OPT_STRING, "SCORE", "bdeu:1",
     "bic, or bdeu[:ESS] (log marginal likelihood with BDeu priors of equivalent sample size ESS)",
     0, -1, 0},
};
static const cli_cmd score_cmd = {
    "bn score",
    "gmdl bn score NET.bif --data FILE.csv [--score bdeu[:ESS]|bic] [--json]",
    "The score of NET.bif's structure on complete data: the log marginal likelihood log p(D | G) "
    "under BDeu Dirichlet priors (the Bayesian evidence for comparing structures), or BIC. Both "
    "are sums of per-node family terms; larger is better. JSON keys: score, score_kind, ess, "
    "rows, families (object from node name to its term), seconds.",
    score_opts,
    sizeof score_opts / sizeof score_opts[0],
    1,
    1};

/* "bic", "bdeu" or "bdeu:ESS"; -1 when malformed. */
static int parse_score(const char *text, gmdl_score_config *sc) {
    *sc = gmdl_score_config_default();
    if (strcmp(text, "bic") == 0)
        return 0;
    if (strncmp(text, "bdeu", 4) != 0)
        return -1;
    sc->kind = GMDL_SCORE_BDEU;
    if (text[4] == '\0')
        return 0;
    if (text[4] != ':')
        return -1;
    char *end;
    double x = strtod(text + 5, &end);
    if (end == text + 5 || *end || !(x > 0.0) || x > 1e12)
        return -1;
    sc->ess = x;
    return 0;
}

/* Trims blanks at both ends of s in place. */
static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* Splits "FROM,TO", "FROM -> TO" or "FROM TO" into two names; the count of names found. */
static int split_arc(char *line, char **from, char **to) {
    char *sep = strchr(line, ',');
    size_t skip = 1;
    if (!sep && (sep = strstr(line, "->")))
        skip = 2;
    if (!sep)
        sep = strpbrk(trim(line), " \t");
    if (!sep)
        return *trim(line) ? 1 : 0;
    *sep = '\0';
    *from = trim(line), *to = trim(sep + skip);
    if (strpbrk(*to, ", \t"))
        return 3;
    return (**from ? 1 : 0) + (**to ? 1 : 0);
}

static int push_arc(uint32_t **arcs, size_t *n, size_t *cap, uint32_t u, uint32_t v) {
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        uint32_t *grown = realloc(*arcs, c * 2 * sizeof **arcs);
        if (!grown)
            return -1;
        *arcs = grown, *cap = c;
    }
    (*arcs)[2 * *n] = u, (*arcs)[2 * *n + 1] = v, (*n)++;
    return 0;
}

/* Reads "FROM,TO" lines into a pair array (*arcs, *n); exit status 0, or 2 with a message. */
static int read_arcs(const char *path, const gmdl_bn *bn, uint32_t **arcs, size_t *n) {
    *arcs = NULL, *n = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "gmdl bn structure: cannot open %s\n", path);
        return 2;
    }
    char line[4096];
    size_t cap = 0, lineno = 0;
    int rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "#\r\n")] = '\0';
        char *from = NULL, *to = NULL;
        int k = split_arc(line, &from, &to);
        if (k == 0 || (lineno == 1 && k == 2 && strcmp(from, "from") == 0 && strcmp(to, "to") == 0))
            continue;
        uint32_t u, v;
        gmdl_err err = {{0}};
        if (k != 2) {
            fprintf(stderr, "%s:%zu: expected 'FROM,TO'\n", path, lineno);
            rc = 2;
        } else if (gmdl_bn_find(&u, bn, from, &err) || gmdl_bn_find(&v, bn, to, &err)) {
            fprintf(stderr, "%s:%zu: %s\n", path, lineno, err.msg);
            rc = 2;
        } else if (u == v) {
            fprintf(stderr, "%s:%zu: an arc from '%s' to itself\n", path, lineno, from);
            rc = 2;
        } else if (push_arc(arcs, n, &cap, u, v)) {
            fprintf(stderr, "gmdl bn structure: out of memory\n");
            rc = 1;
        }
    }
    fclose(f);
    return rc;
}

typedef struct {
    gmdl_structure_stats st;
    const char *method, *score, *out;
    size_t rows, shd, true_arcs, undirected;
    int have_true;
    double seconds;
} structure_result;

static void report_structure(const gmdl_bn *bn, const structure_result *R) {
    size_t V = gmdl_bn_nvars(bn);
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_arr_begin(&j, "edges");
        for (size_t v = 0; v < V; v++)
            for (size_t k = 0; k < gmdl_bn_nparents(bn, v); k++) {
                json_arr_begin(&j, NULL);
                json_str(&j, NULL, gmdl_bn_name(bn, gmdl_bn_parents(bn, v)[k]));
                json_str(&j, NULL, gmdl_bn_name(bn, v));
                json_arr_end(&j);
            }
        json_arr_end(&j);
        json_num(&j, "score", R->st.score);
        if (R->have_true) {
            json_int(&j, "shd", (long long)R->shd);
            json_int(&j, "true_arcs", (long long)R->true_arcs);
        }
        json_int(&j, "arcs", (long long)gmdl_bn_narcs(bn));
        json_int(&j, "undirected", (long long)R->undirected);
        json_str(&j, "method", R->method);
        json_str(&j, "score_kind", R->score);
        json_int(&j, "rows", (long long)R->rows);
        json_int(&j, "nodes", (long long)V);
        json_int(&j, "steps", (long long)R->st.steps);
        json_int(&j, "evaluations", (long long)R->st.evaluations);
        json_int(&j, "restarts", (long long)R->st.restarts);
        json_int(&j, "tests", (long long)R->st.tests);
        json_num(&j, "seconds", R->seconds);
        json_str(&j, "out", R->out);
        json_finish(&j);
        return;
    }
    printf("%s on %zu rows, %zu nodes: %zu arcs (%zu edges undirected in the class), %s score "
           "%.6f\n",
           R->method, R->rows, V, gmdl_bn_narcs(bn), R->undirected, R->score, R->st.score);
    if (R->st.tests)
        printf("independence tests: %zu\n", R->st.tests);
    else
        printf("moves: %zu, family scores computed: %zu, restarts: %zu\n", R->st.steps,
               R->st.evaluations, R->st.restarts);
    if (R->have_true)
        printf("SHD to the true CPDAG: %zu (true arcs %zu)\n", R->shd, R->true_arcs);
    printf("wrote %s (%.2f s)\n", R->out, R->seconds);
}

/* Options into cfg; 0, or 2 with a message. */
static int structure_config(const cli_val *vals, gmdl_structure_config *cfg, double *prior_ess) {
    const cli_cmd *c = &structure_cmd;
    const char *method = OPTV(c, vals, "method")->s, *test = OPTV(c, vals, "test")->s;
    const char *prior = OPTV(c, vals, "prior")->s;
    *cfg = gmdl_structure_config_default();
    if (strcmp(method, "hc") == 0 || strcmp(method, "pc") == 0)
        cfg->method = method[0] == 'h' ? GMDL_STRUCT_HC : GMDL_STRUCT_PC;
    else {
        fprintf(stderr, "gmdl bn structure: --method must be hc or pc, not '%s'\n", method);
        return 2;
    }
    if (parse_score(OPTV(c, vals, "score")->s, &cfg->score)) {
        fprintf(stderr, "gmdl bn structure: --score must be bic, bdeu or bdeu:ESS, not '%s'\n",
                OPTV(c, vals, "score")->s);
        return 2;
    }
    if (strcmp(test, "g") != 0 && strcmp(test, "x2") != 0) {
        fprintf(stderr, "gmdl bn structure: --test must be g or x2, not '%s'\n", test);
        return 2;
    }
    cfg->test = test[0] == 'g' ? GMDL_CI_G : GMDL_CI_X2;
    *prior_ess = 0.0;
    if (strcmp(prior, "none") != 0) {
        gmdl_score_config p;
        if (strncmp(prior, "bdeu:", 5) != 0 || parse_score(prior, &p)) {
            fprintf(stderr, "gmdl bn structure: --prior must be 'none' or 'bdeu:ESS', not '%s'\n",
                    prior);
            return 2;
        }
        *prior_ess = p.ess;
    }
    double alpha = OPTV(c, vals, "alpha")->d;
    if (!(alpha > 0.0 && alpha < 1.0)) {
        fprintf(stderr, "gmdl bn structure: --alpha must be in (0, 1)\n");
        return 2;
    }
    cfg->alpha = alpha;
    cfg->tabu = (size_t)OPTV(c, vals, "tabu")->i;
    cfg->restarts = (size_t)OPTV(c, vals, "restarts")->i;
    cfg->perturb = (size_t)OPTV(c, vals, "perturb")->i;
    cfg->max_parents = (size_t)OPTV(c, vals, "max-parents")->i;
    cfg->max_steps = (size_t)OPTV(c, vals, "max-steps")->i;
    cfg->max_cond = (size_t)OPTV(c, vals, "max-cond")->i;
    cfg->seed = (uint64_t)OPTV(c, vals, "seed")->i;
    return 0;
}

/* Learns the DAG into bn, its CPTs, and the SHD to --true. */
static int run_structure(gmdl_bn *bn,
                         const gmdl_bn_data *d,
                         const gmdl_structure_config *cfg,
                         double prior_ess,
                         const char *true_path,
                         structure_result *R) {
    size_t V = gmdl_bn_nvars(bn);
    uint8_t *dag = malloc(V * V + 1), *pdag = malloc(V * V + 1);
    uint32_t *card = malloc((V + 1) * sizeof *card);
    gmdl_err err = {{0}};
    gmdl_status s = dag && pdag && card ? GMDL_OK : GMDL_ENOMEM;
    if (s)
        snprintf(err.msg, sizeof err.msg, "out of memory");
    for (size_t v = 0; v < V && !s; v++)
        card[v] = gmdl_bn_card(bn, v);
    if (!s)
        s = gmdl_bn_learn_structure(dag, pdag, &R->st, d, card, cfg, &err);
    if (!s)
        s = gmdl_bn_set_dag(bn, dag, &err);
    gmdl_bn_learn_config lc = gmdl_bn_learn_config_default();
    lc.ess = prior_ess;
    gmdl_bn_learn_stats ls = {0};
    if (!s)
        s = gmdl_bn_learn(bn, &ls, d, &lc, &err);
    gmdl_bn_learn_stats_fini(&ls);
    for (size_t a = 0; a < V && !s; a++)
        for (size_t b = a + 1; b < V; b++)
            R->undirected += pdag[a * V + b] && pdag[b * V + a];
    if (!s && true_path) {
        gmdl_bn *truth;
        if (!(s = gmdl_bn_read_bif(&truth, true_path, &err))) {
            s = gmdl_bn_shd(&R->shd, bn, truth, &err);
            R->true_arcs = gmdl_bn_narcs(truth);
            R->have_true = 1;
            gmdl_bn_destroy(truth);
        }
    }
    free(dag), free(pdag), free(card);
    return s ? cli_fail(structure_cmd.name, s, &err) : 0;
}

int cmd_bn_structure(int argc, char **argv) {
    const cli_cmd *c = &structure_cmd;
    cli_val vals[sizeof structure_opts / sizeof structure_opts[0]];
    const char *pos[1];
    int npos, r = cli_parse(c, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    structure_result R;
    memset(&R, 0, sizeof R);
    const char *data = OPTV(c, vals, "data")->s;
    R.out = OPTV(c, vals, "out")->s;
    if (!data || !R.out) {
        fprintf(stderr, "gmdl bn structure: --data and --out are required\n");
        return 2;
    }
    gmdl_structure_config cfg;
    double prior_ess;
    if ((r = structure_config(vals, &cfg, &prior_ess)))
        return r;
    R.method = OPTV(c, vals, "method")->s, R.score = OPTV(c, vals, "score")->s;
    cli_threads(OPTV(c, vals, "threads")->i);
    gmdl_err err = {{0}};
    gmdl_bn *bn;
    gmdl_bn_data d;
    double t0 = cli_now();
    gmdl_status s = gmdl_bn_data_read_new(&bn, &d, data, &err);
    if (s)
        return cli_fail(c->name, s, &err);
    uint32_t *black = NULL, *white = NULL;
    if (OPTV(c, vals, "blacklist")->s)
        r = read_arcs(OPTV(c, vals, "blacklist")->s, bn, &black, &cfg.nblack);
    if (!r && OPTV(c, vals, "whitelist")->s)
        r = read_arcs(OPTV(c, vals, "whitelist")->s, bn, &white, &cfg.nwhite);
    cfg.black = black, cfg.white = white;
    R.rows = d.nrows;
    if (!r)
        r = run_structure(bn, &d, &cfg, prior_ess, OPTV(c, vals, "true")->s, &R);
    if (!r && (s = gmdl_bn_write_bif(R.out, bn, &err)))
        r = cli_fail(c->name, s, &err);
    R.seconds = cli_now() - t0;
    if (!r)
        report_structure(bn, &R);
    free(black), free(white);
    gmdl_bn_data_fini(&d);
    gmdl_bn_destroy(bn);
    return r;
}

static void report_score(const gmdl_bn *bn,
                         const double *fam,
                         double score,
                         const char *kind,
                         const gmdl_score_config *sc,
                         size_t rows,
                         double secs) {
    size_t V = gmdl_bn_nvars(bn);
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_num(&j, "score", score);
        json_str(&j, "score_kind", kind);
        if (sc->kind == GMDL_SCORE_BDEU)
            json_num(&j, "ess", sc->ess);
        json_int(&j, "rows", (long long)rows);
        json_obj_begin(&j, "families");
        for (size_t v = 0; v < V; v++)
            json_num(&j, gmdl_bn_name(bn, v), fam[v]);
        json_obj_end(&j);
        json_num(&j, "seconds", secs);
        json_finish(&j);
        return;
    }
    for (size_t v = 0; v < V; v++)
        printf("%-24s %.6f\n", gmdl_bn_name(bn, v), fam[v]);
    printf("%s score of %zu rows: %.6f%s\n", kind, rows, score,
           sc->kind == GMDL_SCORE_BDEU ? " (log marginal likelihood, natural log)" : "");
}

int cmd_bn_score(int argc, char **argv) {
    const cli_cmd *c = &score_cmd;
    cli_val vals[sizeof score_opts / sizeof score_opts[0]];
    const char *pos[1];
    int npos, r = cli_parse(c, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    const char *data = OPTV(c, vals, "data")->s, *kind = OPTV(c, vals, "score")->s;
    gmdl_score_config sc;
    if (!data) {
        fprintf(stderr, "gmdl bn score: --data is required\n");
        return 2;
    }
    if (parse_score(kind, &sc)) {
        fprintf(stderr, "gmdl bn score: --score must be bic, bdeu or bdeu:ESS, not '%s'\n", kind);
        return 2;
    }
    gmdl_err err = {{0}};
    gmdl_bn *bn;
    gmdl_status s = gmdl_bn_read_bif(&bn, pos[0], &err);
    if (s)
        return cli_fail(c->name, s, &err);
    gmdl_bn_data d;
    double t0 = cli_now(), score = 0.0;
    double *fam = malloc((gmdl_bn_nvars(bn) + 1) * sizeof *fam);
    if (!fam)
        s = GMDL_ENOMEM, snprintf(err.msg, sizeof err.msg, "out of memory");
    size_t rows = 0;
    if (!s && !(s = gmdl_bn_data_read(&d, bn, data, &err))) {
        rows = d.nrows;
        s = gmdl_bn_score(&score, fam, bn, &d, &sc, &err);
        gmdl_bn_data_fini(&d);
    }
    if (!s)
        report_score(bn, fam, score, kind, &sc, rows, cli_now() - t0);
    r = s ? cli_fail(c->name, s, &err) : 0;
    free(fam);
    gmdl_bn_destroy(bn);
    return r;
}
