/* A small streaming JSON writer for --json output (one object on stdout). Numbers use %.17g so
 * they round-trip; non-finite numbers are written as null. */
#ifndef GMDL_CLI_JSON_H
#define GMDL_CLI_JSON_H

#include <stdio.h>

typedef struct json_w {
    FILE *f;
    int depth;
    int count[64]; /* items written at each depth */
} json_w;

void json_init(json_w *j, FILE *f);
/* key is NULL inside arrays. */
void json_obj_begin(json_w *j, const char *key);
void json_obj_end(json_w *j);
void json_arr_begin(json_w *j, const char *key);
void json_arr_end(json_w *j);
void json_num(json_w *j, const char *key, double v);
void json_int(json_w *j, const char *key, long long v);
void json_str(json_w *j, const char *key, const char *v);
void json_bool(json_w *j, const char *key, int v);
void json_null(json_w *j, const char *key);
/* Ends the top-level object with a newline. */
void json_finish(json_w *j);

#endif
