#include "json.h"

#include <math.h>

void json_init(json_w *j, FILE *f) {
    j->f = f;
    j->depth = 0;
    j->count[0] = 0;
}

static void put_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
            case '"':
                fputs("\\\"", f);
                break;
            case '\\':
                fputs("\\\\", f);
                break;
            case '\n':
                fputs("\\n", f);
                break;
            case '\r':
                fputs("\\r", f);
                break;
            case '\t':
                fputs("\\t", f);
                break;
            default:
                if (*p < 0x20)
                    fprintf(f, "\\u%04x", *p);
                else
                    fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void item(json_w *j, const char *key) {
    if (j->count[j->depth]++)
        fputs(", ", j->f);
    if (key) {
        put_string(j->f, key);
        fputs(": ", j->f);
    }
}

static void open_(json_w *j, const char *key, char c) {
    if (j->depth > 0 || j->count[0] > 0)
        item(j, key);
    fputc(c, j->f);
    j->depth++;
    j->count[j->depth] = 0;
}

void json_obj_begin(json_w *j, const char *key) {
    open_(j, key, '{');
}
void json_arr_begin(json_w *j, const char *key) {
    open_(j, key, '[');
}
void json_obj_end(json_w *j) {
    j->depth--;
    fputc('}', j->f);
}
void json_arr_end(json_w *j) {
    j->depth--;
    fputc(']', j->f);
}

void json_num(json_w *j, const char *key, double v) {
    item(j, key);
    if (isfinite(v))
        fprintf(j->f, "%.17g", v);
    else
        fputs("null", j->f);
}

void json_int(json_w *j, const char *key, long long v) {
    item(j, key);
    fprintf(j->f, "%lld", v);
}

void json_str(json_w *j, const char *key, const char *v) {
    item(j, key);
    put_string(j->f, v);
}

void json_bool(json_w *j, const char *key, int v) {
    item(j, key);
    fputs(v ? "true" : "false", j->f);
}

void json_null(json_w *j, const char *key) {
    item(j, key);
    fputs("null", j->f);
}

void json_finish(json_w *j) {
    while (j->depth > 0)
        json_obj_end(j);
    fputc('\n', j->f);
    fflush(j->f);
}
