/* BIF reader, the second phase: the parsed blocks (bif.c) become a net. Names are resolved (each
 * variable declared once and given exactly one probability block, every parent known), the
 * structure set (a cycle is reported at the block that closes it), and each CPT filled from its
 * `table`, parent-state rows and `default` row, every row checked to sum to 1 and every parent
 * configuration given exactly once. Errors carry the line of the offending block or row. */
#include <float.h>

#include "bif.h"

#define ROW_TOL 1e-4 /* |sum - 1| allowed in a CPT row; rows are then renormalised */

static gmdl_status
check_row(const char *file, int line, const char *var, double *row, size_t k, gmdl_err *err) {
    double sum = 0.0;
    for (size_t i = 0; i < k; i++)
        sum += row[i];
    if (!(fabs(sum - 1.0) <= ROW_TOL))
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: probabilities of '%s' sum to %.9g, not 1",
                          file, line, var, sum);
    if (fabs(sum - 1.0) > 8.0 * DBL_EPSILON) /* a row already normalised is kept bit for bit */
        for (size_t i = 0; i < k; i++)
            row[i] /= sum;
    return GMDL_OK;
}

/* The index of the variable called name (names are unique), -1 if none. */
static int find_var(const gmdl_bn *bn, const char *name) {
    int v = -1;
    for (size_t i = 0; i < bn->nvars; i++)
        if (strcmp(bn->names[i], name) == 0)
            v = (int)i;
    return v;
}

static gmdl_status check_names(const char *file, const parsed *P, gmdl_err *err) {
    if (P->nv == 0)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: no variables", file);
    for (size_t i = 0; i < P->nv; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(P->v[i].name, P->v[j].name) == 0)
                return gmdl__fail(err, GMDL_ECORRUPT,
                                  "%s:%d: variable '%s' declared twice "
                                  "(first at line %d)",
                                  file, P->v[i].line, P->v[i].name, P->v[j].line);
    return GMDL_OK;
}

/* Moves the variables' names and states into bn, and checks that each has exactly one
 * probability block. */
static gmdl_status
match_blocks(const char *file, parsed *P, gmdl_bn *bn, int *block_of, gmdl_err *err) {
    for (size_t i = 0; i < P->nv; i++) {
        bn->names[i] = P->v[i].name;
        P->v[i].name = NULL;
        bn->states[i] = P->v[i].states;
        bn->card[i] = (uint32_t)P->v[i].nstates;
        P->v[i].states = NULL;
        block_of[i] = -1;
    }
    for (size_t b = 0; b < P->np; b++) {
        int v = find_var(bn, P->pb[b].child); /* the names now live in bn */
        if (v < 0)
            return gmdl__fail(err, GMDL_ECORRUPT,
                              "%s:%d: unknown variable '%s' in a probability "
                              "block",
                              file, P->pb[b].line, P->pb[b].child);
        if (block_of[v] >= 0)
            return gmdl__fail(err, GMDL_ECORRUPT,
                              "%s:%d: second probability block for '%s' (first "
                              "at line %d)",
                              file, P->pb[b].line, P->pb[b].child, P->pb[block_of[v]].line);
        block_of[v] = (int)b;
    }
    for (size_t v = 0; v < bn->nvars; v++)
        if (block_of[v] < 0)
            return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: variable '%s' has no probability block",
                              file, P->v[v].line, bn->names[v]);
    return GMDL_OK;
}

/* Structure (parents), in file order of the blocks so a cycle is reported at the block that
 * closes it. par is scratch for one block's parents. */
static gmdl_status
set_structure(const char *file, const parsed *P, gmdl_bn *bn, uint32_t *par, gmdl_err *err) {
    for (size_t b = 0; b < P->np; b++) {
        const pblock *B = &P->pb[b];
        uint32_t v = (uint32_t)find_var(bn, B->child);
        for (size_t k = 0; k < B->npar; k++) {
            int p = find_var(bn, B->par[k]);
            if (p < 0)
                return gmdl__fail(err, GMDL_ECORRUPT,
                                  "%s:%d: unknown variable '%s' (parent of '%s')", file, B->line,
                                  B->par[k], B->child);
            par[k] = (uint32_t)p;
        }
        gmdl_err e2;
        gmdl_status s = gmdl_bn_set_parents(bn, v, B->npar, par, &e2);
        if (s) {
            if (s == GMDL_EINVAL)
                s = GMDL_ECORRUPT;
            gmdl__fail(err, s, "%s:%d: %s", file, B->line, e2.msg);
            return s;
        }
    }
    return GMDL_OK;
}

/* The CPT of one block's child being filled. */
typedef struct {
    const char *file;
    const pblock *B;
    const gmdl_bn *bn;
    uint32_t v;
    size_t k, rows, np; /* states, parent configurations, parents */
    double *cpt;
    uint8_t *seen; /* rows given */
} cpt_fill;

/* A `table` entry: child state slowest, then the parents (last fastest); kind 3: the parents
 * slowest and the child fastest (the CPT's own layout). */
static gmdl_status fill_table(const cpt_fill *C, const entry *E, gmdl_err *err) {
    size_t k = C->k, rows = C->rows;
    if (E->nvals != k * rows)
        return gmdl__fail(err, GMDL_ECORRUPT,
                          "%s:%d: table of '%s' has %zu values, "
                          "expected %zu",
                          C->file, E->line, C->B->child, E->nvals, k * rows);
    for (size_t r = 0; r < rows; r++) {
        if (C->seen[r])
            return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: rows of '%s' given twice", C->file,
                              E->line, C->B->child);
        C->seen[r] = 1;
        for (size_t x = 0; x < k; x++)
            C->cpt[r * k + x] = E->kind == 3 ? E->vals[r * k + x] : E->vals[x * rows + r];
        gmdl_status s = check_row(C->file, E->line, C->B->child, C->cpt + r * k, k, err);
        if (s)
            return s;
    }
    return GMDL_OK;
}

/* A row named by its parents' states. */
static gmdl_status fill_row(const cpt_fill *C, const entry *E, gmdl_err *err) {
    const gmdl_bn *bn = C->bn;
    size_t k = C->k, np = C->np;
    if (E->nstates != np)
        return gmdl__fail(err, GMDL_ECORRUPT,
                          "%s:%d: row of '%s' names %zu parent states, "
                          "expected %zu",
                          C->file, E->line, C->B->child, E->nstates, np);
    size_t r = 0;
    for (size_t t = 0; t < np; t++) {
        uint32_t p = bn->par[C->v][t], st = UINT32_MAX;
        for (uint32_t i = 0; i < bn->card[p] && E->kind == 0; i++)
            if (strcmp(bn->states[p][i], E->states[t]) == 0)
                st = i;
        char *end;
        unsigned long ix = E->kind == 4 ? strtoul(E->states[t], &end, 10) : 0;
        if (E->kind == 4 && end != E->states[t] && !*end && ix < bn->card[p])
            st = (uint32_t)ix;
        if (st == UINT32_MAX)
            return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: '%s' is not a state of '%s'", C->file,
                              E->line, E->states[t], bn->names[p]);
        r = r * bn->card[p] + st;
    }
    if (E->nvals != k)
        return gmdl__fail(err, GMDL_ECORRUPT,
                          "%s:%d: row of '%s' has %zu values, expected "
                          "%zu",
                          C->file, E->line, C->B->child, E->nvals, k);
    if (C->seen[r])
        return gmdl__fail(err, GMDL_ECORRUPT, "%s:%d: row of '%s' given twice", C->file, E->line,
                          C->B->child);
    C->seen[r] = 1;
    memcpy(C->cpt + r * k, E->vals, k * sizeof *C->cpt);
    return check_row(C->file, E->line, C->B->child, C->cpt + r * k, k, err);
}

/* The rows not given take the default row; without one, the first is an error naming its
 * parent configuration. */
static gmdl_status fill_missing(const cpt_fill *C, const entry *dflt, gmdl_err *err) {
    const gmdl_bn *bn = C->bn;
    size_t k = C->k, np = C->np;
    for (size_t r = 0; r < C->rows; r++) {
        if (C->seen[r])
            continue;
        if (dflt) {
            memcpy(C->cpt + r * k, dflt->vals, k * sizeof *C->cpt);
            gmdl_status s = check_row(C->file, dflt->line, C->B->child, C->cpt + r * k, k, err);
            if (s)
                return s;
            continue;
        }
        char cfgs[512];
        size_t off = 0, rr = r;
        uint32_t st[PGM_MAX_SCOPE];
        for (size_t t = np; t-- > 0 && t < PGM_MAX_SCOPE;) {
            uint32_t p = bn->par[C->v][t];
            st[t] = (uint32_t)(rr % bn->card[p]);
            rr /= bn->card[p];
        }
        cfgs[0] = '\0';
        for (size_t t = 0; t < np && t < PGM_MAX_SCOPE && off + 64 < sizeof cfgs; t++) {
            int w = snprintf(cfgs + off, sizeof cfgs - off, "%s%s", t ? ", " : "",
                             bn->states[bn->par[C->v][t]][st[t]]);
            if (w > 0)
                off += (size_t)w;
        }
        return gmdl__fail(err, GMDL_ECORRUPT,
                          "%s:%d: probability block of '%s' has no row for "
                          "(%s)",
                          C->file, C->B->line, C->B->child, cfgs);
    }
    return GMDL_OK;
}

/* The CPT of block B's child, from its entries in file order. */
static gmdl_status fill_cpt(const char *file, const pblock *B, gmdl_bn *bn, gmdl_err *err) {
    uint32_t v = (uint32_t)find_var(bn, B->child);
    cpt_fill C = {file, B, bn, v, bn->card[v], bn->nrows[v], bn->npar[v], bn->cpt[v], NULL};
    if (!(C.seen = gmdl__calloc(C.rows + 1, 1)))
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", file);
    gmdl_status s = GMDL_OK;
    const entry *dflt = NULL;
    for (size_t e = 0; e < B->nent && !s; e++) {
        const entry *E = &B->ent[e];
        if (E->kind == 2) {
            if (E->nvals != C.k)
                s = gmdl__fail(err, GMDL_ECORRUPT,
                               "%s:%d: default row of '%s' has %zu values,"
                               " expected %zu",
                               file, E->line, B->child, E->nvals, C.k);
            dflt = E;
        } else if (E->kind == 1 || E->kind == 3)
            s = fill_table(&C, E, err);
        else
            s = fill_row(&C, E, err);
    }
    if (!s)
        s = fill_missing(&C, dflt, err);
    gmdl__free(C.seen);
    return s;
}

gmdl_status gmdl__bif_resolve(gmdl_bn **out, const char *file, parsed *P, gmdl_err *err) {
    gmdl_bn *bn;
    gmdl_status s = check_names(file, P, err);
    if (s)
        return s;
    if ((s = gmdl__bn_alloc(&bn, P->nv, err)))
        return s;
    int *block_of = gmdl__malloc(P->nv * sizeof *block_of);
    uint32_t *par = gmdl__malloc((P->nv + 1) * sizeof *par);
    if (!block_of || !par)
        s = gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", file);
    if (!s)
        s = match_blocks(file, P, bn, block_of, err);
    if (!s)
        s = set_structure(file, P, bn, par, err);
    for (size_t b = 0; b < P->np && !s; b++)
        s = fill_cpt(file, &P->pb[b], bn, err);
    gmdl__free(block_of);
    gmdl__free(par);
    if (s) {
        gmdl_bn_destroy(bn);
        return s;
    }
    *out = bn;
    return GMDL_OK;
}
