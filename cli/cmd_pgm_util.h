/* Helpers shared by the graphical-model commands (cmd_bn.c, cmd_mrf.c). */
#ifndef GMDL_CLI_PGM_UTIL_H
#define GMDL_CLI_PGM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "gmdl/pgm.h"

/* Parses a byte count with an optional K, M, G or T suffix (powers of 1024) or the word "auto"
 * (half the physical memory). Returns 0 on success. */
int cli_pgm_parse_size(const char *text, size_t *out);

/* Reads a net by the path's extension (gmdl_bn_read); 0, or the exit code with the message
 * printed (cmd_bn_query.c). */
int cli_bn_load(const char *cmd, const char *path, gmdl_bn **bn);
/* "A,B,C" into node indices (no repeats); the count, or -1 with the message printed. */
long cli_bn_nodes(const char *cmd, const gmdl_bn *bn, const char *text, uint32_t *out);
/* gmdl bn query (cmd_bn_query.c), gmdl bn map and gmdl bn convert (cmd_bn_map.c). */
int cmd_bn_query(int argc, char **argv);
int cmd_bn_map(int argc, char **argv);
int cmd_bn_convert(int argc, char **argv);

#endif
