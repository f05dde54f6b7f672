/* Option parsing: --name VALUE, --name=VALUE, -n VALUE, flags, strict numeric conversion with
 * range checks (strtoll/strtod with end-pointer checks; never atoi). */
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t cli_idx(const cli_cmd *cmd, const char *name) {
    for (size_t i = 0; i < cmd->nopts; i++)
        if (strcmp(cmd->opts[i].name, name) == 0)
            return i;
    fprintf(stderr, "gmdl: internal error: option --%s not in the table of '%s'\n", name,
            cmd->name);
    abort();
}

void cli_help(const cli_cmd *cmd) {
    printf("usage: %s\n\n%s\n\noptions:\n", cmd->usage, cmd->summary);
    for (size_t i = 0; i < cmd->nopts; i++) {
        const cli_opt *o = &cmd->opts[i];
        if (o->hidden)
            continue;
        char left[64];
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name,
                     o->type == OPT_FLAG ? "" : " ", o->type == OPT_FLAG ? "" : o->metavar);
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->name, o->type == OPT_FLAG ? "" : " ",
                     o->type == OPT_FLAG ? "" : o->metavar);
        printf("  %-26s %s", left, o->help);
        if (o->dflt)
            printf(" (default: %s)", o->dflt);
        printf("\n");
    }
    printf("  %-26s %s\n", "-h, --help", "show this help and exit");
}

static int parse_value(const cli_cmd *cmd, const cli_opt *o, const char *text, cli_val *v,
                       int from_user) {
    char *end = NULL;
    errno = 0;
    switch (o->type) {
        case OPT_FLAG:
            v->i = 1;
            break;
        case OPT_STRING:
            v->s = text;
            break;
        case OPT_INT: {
            long long x = strtoll(text, &end, 10);
            if (end == text || *end != '\0' || errno) {
                fprintf(stderr, "gmdl %s: --%s expects an integer, got '%s'\n", cmd->name, o->name,
                        text);
                return 2;
            }
            if (o->min <= o->max && ((double)x < o->min || (double)x > o->max)) {
                fprintf(stderr, "gmdl %s: --%s must be in [%.17g, %.17g], got %lld\n", cmd->name,
                        o->name, o->min, o->max, x);
                return 2;
            }
            v->i = x;
            v->d = (double)x;
            break;
        }
        case OPT_DOUBLE: {
            double x = strtod(text, &end);
            if (end == text || *end != '\0' || errno || !isfinite(x)) {
                fprintf(stderr, "gmdl %s: --%s expects a number, got '%s'\n", cmd->name, o->name,
                        text);
                return 2;
            }
            if (o->min <= o->max && (x < o->min || x > o->max)) {
                fprintf(stderr, "gmdl %s: --%s must be in [%.17g, %.17g], got %.17g\n", cmd->name,
                        o->name, o->min, o->max, x);
                return 2;
            }
            v->d = x;
            break;
        }
    }
    v->set = from_user;
    return 0;
}

int cli_parse(const cli_cmd *cmd, int argc, char **argv, cli_val *vals, const char **pos,
              int *npos) {
    *npos = 0;
    for (size_t i = 0; i < cmd->nopts; i++) {
        memset(&vals[i], 0, sizeof vals[i]);
        if (cmd->opts[i].dflt && parse_value(cmd, &cmd->opts[i], cmd->opts[i].dflt, &vals[i], 0))
            abort(); /* a default that does not parse is a programming error */
    }
    int only_pos = 0;
    for (int a = 0; a < argc; a++) {
        char *arg = argv[a];
        if (!only_pos && strcmp(arg, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)) {
            cli_help(cmd);
            return -1;
        }
        if (only_pos || arg[0] != '-' || arg[1] == '\0') {
            if (*npos >= cmd->max_pos) {
                fprintf(stderr, "gmdl %s: unexpected argument '%s' (see 'gmdl %s --help')\n",
                        cmd->name, arg, cmd->name);
                return 2;
            }
            pos[(*npos)++] = arg;
            continue;
        }
        const cli_opt *o = NULL;
        const char *inline_val = NULL;
        size_t idx = 0;
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            for (size_t i = 0; i < cmd->nopts; i++)
                if (strlen(cmd->opts[i].name) == len && strncmp(cmd->opts[i].name, name, len) == 0) {
                    o = &cmd->opts[i];
                    idx = i;
                }
            if (eq)
                inline_val = eq + 1;
        } else if (arg[2] == '\0') {
            for (size_t i = 0; i < cmd->nopts; i++)
                if (cmd->opts[i].short_name == arg[1]) {
                    o = &cmd->opts[i];
                    idx = i;
                }
        }
        if (!o) {
            fprintf(stderr, "gmdl %s: unknown option '%s' (see 'gmdl %s --help')\n", cmd->name, arg,
                    cmd->name);
            return 2;
        }
        const char *text = inline_val;
        if (o->type == OPT_FLAG) {
            if (inline_val) {
                fprintf(stderr, "gmdl %s: option --%s takes no value\n", cmd->name, o->name);
                return 2;
            }
        } else if (!text) {
            if (a + 1 >= argc) {
                fprintf(stderr, "gmdl %s: option --%s needs a value (%s)\n", cmd->name, o->name,
                        o->metavar);
                return 2;
            }
            text = argv[++a];
        }
        if (parse_value(cmd, o, text, &vals[idx], 1))
            return 2;
    }
    if (*npos < cmd->min_pos) {
        fprintf(stderr, "gmdl %s: missing argument (usage: %s)\n", cmd->name, cmd->usage);
        return 2;
    }
    return 0;
}
