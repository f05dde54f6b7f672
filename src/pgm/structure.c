/* Structure learning entry points: data read without a network (states from the values seen),
 * the configuration defaults, and gmdl_bn_learn_structure, which runs hill climbing (hc.c) or PC
 * (pc.c) on the data's state columns and returns the DAG and its equivalence class (cpdag.c). */
#include "structure.h"

#include "gmdl/io.h"

gmdl_structure_config gmdl_structure_config_default(void) {
    gmdl_structure_config c;
    memset(&c, 0, sizeof c);
    c.method = GMDL_STRUCT_HC;
    c.score = gmdl_score_config_default();
    c.tabu = 100;
    c.seed = 1;
    c.alpha = 0.01;
    c.test = GMDL_CI_G;
    return c;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted distinct non-missing values of column col into states (NULL-free), their count. */
static size_t column_states(const gmdl_csv *csv, size_t col, const char **tmp) {
    size_t m = 0;
    for (size_t r = 0; r < csv->nrows; r++) {
        const char *cell = csv->cells[r * csv->ncols + col];
        if (!gmdl_csv_is_missing(cell))
            tmp[m++] = cell;
    }
    qsort(tmp, m, sizeof *tmp, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (k == 0 || strcmp(tmp[k - 1], tmp[i]) != 0)
            tmp[k++] = tmp[i];
    return k;
}

/* Gives node v of bn the name and the states given (replacing X<v> and s<k>). */
static gmdl_status
rename_node(gmdl_bn *bn, size_t v, const char *name, const char **states, gmdl_err *err) {
    gmdl__free(bn->names[v]);
    bn->names[v] = gmdl__strdup(name);
    if (!bn->names[v])
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (uint32_t s = 0; s < bn->card[v]; s++) {
        gmdl__free(bn->states[v][s]);
        bn->states[v][s] = gmdl__strdup(states[s]);
        if (!bn->states[v][s])
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    return GMDL_OK;
}

/* Fills out from the cells, each state found by binary search in the net's sorted states. */
static void code_cells(gmdl_bn_data *out, const gmdl_bn *bn, const gmdl_csv *csv) {
    for (size_t r = 0; r < csv->nrows; r++)
        for (size_t c = 0; c < csv->ncols; c++) {
            const char *cell = csv->cells[r * csv->ncols + c];
            if (gmdl_csv_is_missing(cell)) {
                out->missing++;
                continue;
            }
            size_t lo = 0, hi = bn->card[c];
            while (lo + 1 < hi) {
                size_t mid = (lo + hi) / 2;
                if (strcmp(bn->states[c][mid], cell) <= 0)
                    lo = mid;
                else
                    hi = mid;
            }
            out->x[r * csv->ncols + c] = (int32_t)lo;
        }
}

gmdl_status
gmdl_bn_data_read_new(gmdl_bn **net, gmdl_bn_data *out, const char *path, gmdl_err *err) {
    *net = NULL;
    memset(out, 0, sizeof *out);
    gmdl_csv csv;
    gmdl_status s = gmdl_csv_read(&csv, path, err);
    if (s)
        return s;
    size_t V = csv.ncols;
    uint32_t *card = gmdl__malloc((V + 1) * sizeof *card);
    const char **tmp = gmdl__malloc((V + 1) * (csv.nrows + 1) * sizeof *tmp);
    if (!card || !tmp)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory for %zu rows", csv.nrows);
    for (size_t c = 0; c < V && !s; c++) {
        for (size_t b = 0; b < c && !s; b++)
            if (strcmp(csv.names[b], csv.names[c]) == 0)
                s = gmdl__fail(err, GMDL_EPARSE, "%s:1: column %zu '%s' repeats a column", path,
                               c + 1, csv.names[c]);
        size_t k = s ? 0 : column_states(&csv, c, tmp + c * (csv.nrows + 1));
        if (!s && (k == 0 || k > 65535))
            s = gmdl__fail(err, GMDL_EINVAL,
                           "%s: column %zu '%s' has %zu distinct values (1 to "
                           "65535 allowed)",
                           path, c + 1, csv.names[c], k);
        if (!s)
            card[c] = (uint32_t)k;
    }
    gmdl_bn *bn = NULL;
    if (!s)
        s = gmdl_bn_create(&bn, V, card, err);
    for (size_t c = 0; c < V && !s; c++)
        s = rename_node(bn, c, csv.names[c], tmp + c * (csv.nrows + 1), err);
    if (!s)
        s = gmdl_bn_data_init(out, csv.nrows, V, err);
    if (!s)
        code_cells(out, bn, &csv);
    gmdl__free(card);
    gmdl__free(tmp);
    gmdl_csv_fini(&csv);
    if (s) {
        gmdl_bn_destroy(bn);
        gmdl_bn_data_fini(out);
        return s;
    }
    *net = bn;
    return GMDL_OK;
}

static gmdl_status check_lists(const gmdl_structure_config *cfg, size_t V, gmdl_err *err) {
    for (size_t i = 0; i < cfg->nblack + cfg->nwhite; i++) {
        const uint32_t *p =
            i < cfg->nblack ? cfg->black + 2 * i : cfg->white + 2 * (i - cfg->nblack);
        if (p[0] >= V || p[1] >= V || p[0] == p[1])
            return gmdl__fail(err, GMDL_EINVAL,
                              "%s arc %u -> %u is not an arc between two of the "
                              "%zu nodes",
                              i < cfg->nblack ? "blacklisted" : "whitelisted", p[0], p[1], V);
    }
    if (cfg->method == GMDL_STRUCT_PC && !(cfg->alpha > 0.0 && cfg->alpha < 1.0))
        return gmdl__fail(err, GMDL_EINVAL, "the significance level must be in (0, 1)");
    if (cfg->score.kind == GMDL_SCORE_BDEU && !(cfg->score.ess > 0.0 && cfg->score.ess < 1e12))
        return gmdl__fail(err, GMDL_EINVAL, "the BDeu equivalent sample size must be > 0");
    return GMDL_OK;
}

/* The score of the DAG under cfg->score (PC's result, and a check of HC's running sum). */
static double
dag_score(const pgm_cols *c, const uint8_t *dag, const gmdl_score_config *sc, pgm_counter *w) {
    size_t V = c->V;
    uint32_t par[PGM_MAX_SCOPE];
    double total = 0.0;
    for (size_t v = 0; v < V; v++) {
        size_t np = 0;
        for (size_t a = 0; a < V && np < PGM_MAX_SCOPE - 1; a++)
            if (dag[a * V + v])
                par[np++] = (uint32_t)a;
        total += gmdl__family_score(w, c, (uint32_t)v, np, par, sc);
    }
    return total;
}

gmdl_status gmdl_bn_learn_structure(uint8_t *dag,
                                    uint8_t *pdag,
                                    gmdl_structure_stats *stats,
                                    const gmdl_bn_data *data,
                                    const uint32_t *card,
                                    const gmdl_structure_config *cfg,
                                    gmdl_err *err) {
    gmdl_structure_stats local;
    gmdl_structure_stats *st = stats ? stats : &local;
    memset(st, 0, sizeof *st);
    size_t V = data->nvars;
    gmdl_status s = check_lists(cfg, V, err);
    if (s)
        return s;
    pgm_cols c;
    pgm_counter w;
    if ((s = gmdl__cols_init(&c, data, card, err)))
        return s;
    if ((s = gmdl__counter_init(&w, data->nrows, err))) {
        gmdl__cols_fini(&c);
        return s;
    }
    uint8_t *g = gmdl__malloc(V * V + 1);
    if (!g)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if (!s && cfg->method == GMDL_STRUCT_PC) {
        s = gmdl__pc(g, st, &c, cfg, err);
        if (!s)
            gmdl__pdag_extend(dag, g, V, err, &s);
    } else if (!s) {
        s = gmdl__hc(dag, st, &c, cfg, err);
        if (!s)
            s = gmdl_dag_cpdag(g, dag, V, err);
    }
    if (!s) {
        st->score = dag_score(&c, dag, &cfg->score, &w);
        if (pdag)
            memcpy(pdag, g, V * V);
    }
    gmdl__free(g);
    gmdl__counter_fini(&w);
    gmdl__cols_fini(&c);
    return s;
}
