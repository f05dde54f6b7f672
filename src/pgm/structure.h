/* Internal declarations of structure learning (score.c, hc.c, pc.c, cpdag.c; never installed). */
#ifndef GMDL_PGM_STRUCTURE_H
#define GMDL_PGM_STRUCTURE_H

#include "pgm_internal.h"

/* Complete data as one column of 16-bit state codes per node (counting reads whole columns). */
typedef struct {
    size_t n, V;
    const uint32_t *card;
    uint16_t *col; /* V columns of n codes */
} pgm_cols;

/* EINVAL when a cell is missing or out of range. */
gmdl_status
gmdl__cols_init(pgm_cols *c, const gmdl_bn_data *d, const uint32_t *card, gmdl_err *err);
void gmdl__cols_fini(pgm_cols *c);

/* The distinct joint states of a variable list with their counts, sorted by key (the mixed-radix
 * number of the states, last variable fastest): a per-thread scratch reused between calls. */
typedef struct {
    size_t cap; /* entries of dense */
    uint32_t *dense;
    uint64_t *keys; /* n keys (the sorting path) */
    size_t nz;      /* distinct keys found */
    uint64_t *key;  /* [n] distinct keys */
    uint32_t *cnt;  /* [n] their counts */
} pgm_counter;

gmdl_status gmdl__counter_init(pgm_counter *w, size_t n, gmdl_err *err);
void gmdl__counter_fini(pgm_counter *w);
/* Counts the joint states of vars[0..m-1] over the rows; 0, or -1 when the joint state space is
 * over 2^62 (nothing counted). *space receives the product of the cardinalities (as a double). */
int gmdl__count(pgm_counter *w, const pgm_cols *c, size_t m, const uint32_t *vars, double *space);

/* The family score of v with parents par[0..np-1] (any order); -INFINITY when the family is too
 * large to count. */
double gmdl__family_score(pgm_counter *w,
                          const pgm_cols *c,
                          uint32_t v,
                          size_t np,
                          const uint32_t *par,
                          const gmdl_score_config *cfg);

/* log Gamma(x) for x > 0 (no global state, unlike lgamma's signgam). */
double gmdl__lgamma(double x);

/* Partially directed graphs: V x V bytes, g[a V + b] = 1 for a -> b, both for a - b. */
/* Applies Meek's rules 1-3 until none fires. */
void gmdl__meek(uint8_t *g, size_t V);
/* A DAG extending the PDAG g (Dor and Tarsi); when none exists, the undirected edges left are
 * oriented along a topological order of the directed part (cycles broken). Returns 0 when the
 * extension was consistent. */
int gmdl__pdag_extend(uint8_t *dag, const uint8_t *g, size_t V, gmdl_err *err, gmdl_status *st);
/* 1 when dag has a directed cycle. */
int gmdl__has_cycle(const uint8_t *dag, size_t V);

/* Hill climbing and PC on the columns (hc.c, pc.c). */
gmdl_status gmdl__hc(uint8_t *dag,
                     gmdl_structure_stats *st,
                     const pgm_cols *c,
                     const gmdl_structure_config *cfg,
                     gmdl_err *err);
gmdl_status gmdl__pc(uint8_t *pdag,
                     gmdl_structure_stats *st,
                     const pgm_cols *c,
                     const gmdl_structure_config *cfg,
                     gmdl_err *err);

#endif
