/* BIF reader: the parsed blocks handed from the parser (bif.c) to the resolution (bif_resolve.c);
 * private to those two files. */
#ifndef GMDL_PGM_BIF_H
#define GMDL_PGM_BIF_H

#include "pgm_internal.h"

typedef struct {
    int line;
    int kind; /* 0 row, 1 table, 2 default, 3 table with the child fastest (XMLBIF, Hugin),
                 4 row named by parent state indices (.dsc) */
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

/* A growing text (bif_write.c); oom is set when an allocation failed. */
typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
} text_buf;
void gmdl__text_put(text_buf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A name as the BIF lexer takes it: bare, or in double quotes. */
void gmdl__bif_put_name(text_buf *t, const char *s);

/* Frees the blocks of P (bif.c). */
void gmdl__bif_parsed_free(parsed *P);

/* Resolves the names of P into a net (*out), validating it; takes P's names and states. file
 * names the text in messages. */
gmdl_status gmdl__bif_resolve(gmdl_bn **out, const char *file, parsed *P, gmdl_err *err);

#endif
