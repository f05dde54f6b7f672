/* BIF reader: the parsed blocks handed from the parser (bif.c) to the resolution (bif_resolve.c);
 * private to those two files. */
#ifndef GMDL_PGM_BIF_H
#define GMDL_PGM_BIF_H

#include "pgm_internal.h"

typedef struct {
    int line;
    int kind; /* 0 row, 1 table, 2 default */
    size_t nstates;
    char **states;
    size_t nvals;
    double *vals;
} entry;

typedef struct {
    int line;
    char *child;
    size_t npar;
    char **par;
    size_t nent;
    entry *ent;
} pblock;

typedef struct {
    int line;
    char *name;
    size_t nstates;
    char **states;
} vblock;

typedef struct {
    size_t nv, capv, np, capp;
    vblock *v;
    pblock *pb;
} parsed;

/* Resolves the names of P into a net (*out), validating it; takes P's names and states. file
 * names the text in messages. */
gmdl_status gmdl__bif_resolve(gmdl_bn **out, const char *file, parsed *P, gmdl_err *err);

#endif
