/* The lexer and parsed-block builders shared by the Hugin .net, bnlearn .dsc and XMLBIF readers
 * (fmt_lex.c); private to src/pgm. */
#ifndef GMDL_PGM_FMT_LEX_H
#define GMDL_PGM_FMT_LEX_H

#include "bif.h"

enum { FT_EOF, FT_WORD, FT_STRING, FT_PUNCT };

#define FMT_PUNCT "{}()[];,|=:"

typedef struct {
    const char *name; /* file name for messages */
    const char *p, *end;
    const char *comment; /* what starts a line comment ("%", "//") */
    int line;
    int type;
    char tok[256];
    int tok_line;
    int unterminated; /* the string token ran to the end of the file */
} fmt_lexer;

void gmdl__fmt_next(fmt_lexer *L);
int gmdl__fmt_is(const fmt_lexer *L, char c);
/* The token for a message ("end of file" at the end). */
const char *gmdl__fmt_shown(const fmt_lexer *L);
/* The next token must be the punctuation c (ctx completes "expected 'c' ..."). */
gmdl_status gmdl__fmt_expect(fmt_lexer *L, char c, const char *ctx, gmdl_err *err);
/* The next token must be a word or a string (ctx names it). */
gmdl_status gmdl__fmt_word(fmt_lexer *L, const char *ctx, gmdl_err *err);
gmdl_status gmdl__fmt_oom(const char *name, gmdl_err *err);
/* Appends a copy of s[0..len) to a string list; 0 when out of memory. */
int gmdl__fmt_push_str(char ***list, size_t *n, const char *s, size_t len);
/* A finite non-negative probability from tok (EPARSE / ECORRUPT naming name:line). */
gmdl_status gmdl__fmt_number(const char *name, int line, const char *tok, double *x, gmdl_err *err);
/* Appends x to E's values (*cap its capacity); 0 when out of memory. */
int gmdl__fmt_push_val(entry *E, size_t *cap, double x);
/* New zeroed blocks and entries (NULL when out of memory). */
vblock *gmdl__fmt_add_var(parsed *P, int line);
pblock *gmdl__fmt_add_block(parsed *P, int line);
entry *gmdl__fmt_add_entry(pblock *B, int line, int kind);
/* Resolves P into *out when s is GMDL_OK, and frees P either way. */
gmdl_status
gmdl__fmt_finish(gmdl_bn **out, const char *name, parsed *P, gmdl_status s, gmdl_err *err);

#endif
