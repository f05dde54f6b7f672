/* Test tool: exits 0 when its input (FILE, or stdin) is one valid JSON document (RFC 8259, through
 * the library's gmdl_json_parse), 1 with the parser's message when it is not, 2 on a usage or
 * read error. The CLI tests use it to check every command's --json output without python3.
 *   json_check [FILE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmdl/io.h"

/* The whole of f in a malloc'd buffer (*len bytes), or NULL. */
static char *slurp(FILE *f, size_t *len) {
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            return NULL;
        }
        buf = grown;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "--help") == 0)) {
        fprintf(stderr, "usage: json_check [FILE]   (exit 0: valid JSON, 1: invalid)\n");
        return 2;
    }
    const char *name = argc == 2 ? argv[1] : "stdin";
    FILE *f = argc == 2 ? fopen(argv[1], "rb") : stdin;
    if (!f) {
        fprintf(stderr, "json_check: cannot open %s\n", name);
        return 2;
    }
    size_t len = 0;
    char *text = slurp(f, &len);
    if (f != stdin)
        fclose(f);
    if (!text) {
        fprintf(stderr, "json_check: cannot read %s\n", name);
        return 2;
    }
    gmdl_json doc;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_json_parse(&doc, text, len, name, &err);
    free(text);
    if (s) {
        fprintf(stderr, "json_check: %s\n", err.msg[0] ? err.msg : gmdl_status_str(s));
        return 1;
    }
    gmdl_json_fini(&doc);
    return 0;
}
