/* Internal: whole-file text input shared by the CSV and JSON readers (never installed). */
#ifndef GMDL_IO_TEXT_H
#define GMDL_IO_TEXT_H

#include "common.h"

/* Reads all of PATH into *out (gmdl__malloc, one NUL byte appended after the *len bytes read).
 * Statuses: ENOENT "PATH: no such file", EIO (cannot open, read error), ENOMEM. */
gmdl_status gmdl__read_text(const char *path, char **out, size_t *len, gmdl_err *err);

#endif
