/* Junction tree: the data and functions of its phases, private to jt*.c (never installed).
 *
 *   build      jt.c           elimination order, cliques, merged subsets, the tree, sizes
 *   assign     jt.c           factors to cliques, scaled factors, each clique's own product
 *   calibrate  jt_calibrate.c upward and downward Shafer-Shenoy passes
 *   read       jt_calibrate.c log Z at the roots, marginals of each clique's home variables
 *
 * The clique-table arithmetic both assign and calibrate use is in jt_table.c. gmdl__jt_run (jt.c)
 * drives the phases; files call only down this list (jt.c -> jt_calibrate.c -> jt_table.c). */
#ifndef GMDL_PGM_JT_H
#define GMDL_PGM_JT_H

#include "pgm_internal.h"

/* Calibration runs on linear tables (each with a log scale) unless some clique table would span
 * more than RANGE_MAX nats between its largest and smallest positive entry, where doubles
 * underflow; then it is redone with log tables. lg selects the representation. */
#define RANGE_MAX 650.0
#define GROUP_MAX 4096.0

/* The tree (build phase). Slot t is the clique made by eliminating order[t]; slots are in a valid
 * bottom-up order (children before parents). */
typedef struct {
    size_t nvars;       /* all variables */
    size_t nord;        /* slots: the eliminated (active) variables */
    uint32_t *order;    /* order[t]: the variable eliminated at slot t */
    uint32_t *pos;      /* pos[v]: the slot of variable v */
    uint32_t *home;     /* home[v]: the clique whose table gives v's marginal */
    int *parent;        /* parent slot, -1 at a root */
    size_t *cl_n;       /* clique sizes (0 for a removed slot) */
    uint32_t **cl_vars; /* clique scopes, sorted */
    uint8_t *removed;   /* 1: the slot was merged into its parent's slot */
    size_t *kid_start;  /* children of t: kids[kid_start[t] .. kid_start[t + 1]) */
    uint32_t *kids;
    size_t ncl;   /* kept cliques */
    size_t big_t; /* the largest clique's slot */
    double big;   /* its entries */
    double bytes; /* the memory calibration needs */
} jt_tree;

/* The factors on the tree (assign phase), in the representation lg. */
typedef struct {
    uint32_t *fhome; /* per factor: its clique */
    size_t *fstart;  /* factors of clique t: flist[fstart[t] .. fstart[t + 1]), in index order */
    uint32_t *flist;
    gmdl_factor *W; /* the factors, scaled to maximum 1 (linear) or 0 (log) */
    double *fscale; /* the log of each factor's scale */
    double *frange; /* its range in nats (linear) */
    /* Each clique's own factors, multiplied together in groups whose scopes stay within
     * GROUP_MAX entries (a factor bigger than that is a group of its own): a clique table starts
     * from one broadcast copy of its first group and takes one pass per further group, rather
     * than one per factor. Groups of clique t: grp[gstart[t] .. gstart[t + 1]), at least one
     * (an empty product for a clique with no factors). */
    size_t *gstart;
    gmdl_factor *grp;
    double *gscale, *grange;
    size_t ngrp;
} jt_potentials;

/* The messages and work tables (calibrate and read phases). Only the messages persist; one
 * work table of the largest clique's size is reused. Not to be copied (tab points into it). */
typedef struct {
    gmdl_factor *up, *down; /* per slot: messages to and from the parent */
    double *upscale, *uprange, *downrange;
    gmdl_factor tab; /* the clique being worked on */
    uint32_t tab_vars[PGM_MAX_SCOPE], tab_card[PGM_MAX_SCOPE];
    double *tabbuf, *sepbuf;
    size_t *moff; /* offset of each variable's marginal */
    double **fam; /* per reduced factor: where the downward pass writes the normalised marginal of
                     its scope (NULL: none wanted; set by the driver, not owned) */
} jt_messages;

/* build (jt.c) */
gmdl_status
gmdl__jt_build(jt_tree *T, const pgm_reduced *P, const gmdl_exact_config *cfg, gmdl_err *err);
void gmdl__jt_tree_free(jt_tree *T);

/* calibrate and read (jt_calibrate.c) */
gmdl_status gmdl__jt_messages_init(jt_messages *M, const jt_tree *T, gmdl_err *err);
void gmdl__jt_messages_fini(jt_messages *M, const jt_tree *T);
/* Upward pass: *log_z receives log Z(e). keep_up: keep the upward messages for a downward pass.
 * GMDL_ENUMERIC (linear only): the tables are too wide for doubles, redo with lg = 1. */
gmdl_status gmdl__jt_upward(jt_messages *M,
                            const jt_tree *T,
                            const jt_potentials *A,
                            const pgm_reduced *P,
                            int lg,
                            int keep_up,
                            double *log_z,
                            gmdl_err *err);
/* Downward pass after an upward one: writes every variable's marginal. */
gmdl_status gmdl__jt_downward(jt_messages *M,
                              const jt_tree *T,
                              const jt_potentials *A,
                              const pgm_reduced *P,
                              int lg,
                              double *marginals,
                              gmdl_err *err);

/* clique-table arithmetic (jt_table.c); linear unless lg */
void gmdl__jt_set(gmdl_factor *big, const gmdl_factor *sub);         /* big = sub broadcast */
void gmdl__jt_mul(int lg, gmdl_factor *big, const gmdl_factor *sub); /* big *= sub broadcast */
gmdl_status gmdl__jt_sum(int lg, const gmdl_factor *big, gmdl_factor *sub); /* sub = sum of big */
/* Divides by the maximum (log: subtracts it) and returns its log. */
double gmdl__jt_rescale(int lg, gmdl_factor *f);
/* Nats between 1 and the smallest positive entry of a linear table scaled to maximum 1. */
double gmdl__jt_range(const gmdl_factor *f);

#endif
