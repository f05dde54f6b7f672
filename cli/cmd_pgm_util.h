/* Helpers shared by the graphical-model commands (cmd_bn.c, cmd_mrf.c). */
#ifndef GMDL_CLI_PGM_UTIL_H
#define GMDL_CLI_PGM_UTIL_H

#include <stddef.h>

/* Parses a byte count with an optional K, M, G or T suffix (powers of 1024) or the word "auto"
 * (half the physical memory). Returns 0 on success. */
int cli_pgm_parse_size(const char *text, size_t *out);

#endif
