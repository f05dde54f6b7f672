/* Option parsing: --name VALUE, --name=VALUE, -n VALUE, flags, strict numeric conversion with
 * range checks (strtoll/strtod with end-pointer checks; never atoi). */
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmdl/core.h"

/* The options every command takes, whether or not its table lists them. */
static const cli_opt common_opts[] = {
    {"json", 0, OPT_FLAG, NULL, NULL, "print the result as one JSON object on stdout", 1, 0, 0},
    {"quiet", 'q', OPT_FLAG, NULL, NULL, "no progress or log lines on stderr (errors still shown)",
     1, 0, 0},
};
#define NCOMMON (sizeof common_opts / sizeof common_opts[0])
static int common_set[NCOMMON]; /* json, quiet */

int cli_json(void) {
    return common_set[0];
}

int cli_quiet(void) {
    return common_set[1];
}

void cli_note(const char *fmt, ...) {
    if (cli_quiet())
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

/* The library's log under --quiet: errors only. */
static void quiet_log(gmdl_log_level level, const char *msg, void *user) {
    (void)user;
    if (level >= GMDL_LOG_ERROR)
        fprintf(stderr, "%s\n", msg);
}

/* The option named by arg ("--name", "--name=VALUE" or "-n") in opts[0..n), or NULL. */
static const cli_opt *find_opt(const cli_opt *opts, size_t n, const char *arg, size_t *idx) {
    const cli_opt *o = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        for (size_t i = 0; i < n; i++)
            if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0) {
                o = &opts[i];
                *idx = i;
            }
    } else if (arg[2] == '\0') {
        for (size_t i = 0; i < n; i++)
            if (opts[i].short_name == arg[1]) {
                o = &opts[i];
                *idx = i;
            }
    }
    return o;
}

/* The index of a common option named `name`, or -1. */
static int common_idx(const char *name) {
    for (size_t i = 0; i < NCOMMON; i++)
        if (strcmp(common_opts[i].name, name) == 0)
            return (int)i;
    return -1;
}

size_t cli_idx(const cli_cmd *cmd, const char *name) {
    for (size_t i = 0; i < cmd->nopts; i++)
        if (strcmp(cmd->opts[i].name, name) == 0)
            return i;
    fprintf(stderr, "gmdl: internal error: option --%s not in the table of '%s'\n", name,
            cmd->name);
    abort();
}

static void help_line(const cli_opt *o) {
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

void cli_help(const cli_cmd *cmd) {
    printf("usage: %s\n\n%s\n\noptions:\n", cmd->usage, cmd->summary);
    for (size_t i = 0; i < cmd->nopts; i++)
        if (!cmd->opts[i].hidden)
            help_line(&cmd->opts[i]);
    for (size_t c = 0; c < NCOMMON; c++) {
        size_t i = 0;
        while (i < cmd->nopts && strcmp(cmd->opts[i].name, common_opts[c].name) != 0)
            i++;
        if (i == cmd->nopts)
            help_line(&common_opts[c]);
    }
    printf("  %-26s %s\n", "-h, --help", "show this help and exit");
}

static int
parse_value(const cli_cmd *cmd, const cli_opt *o, const char *text, cli_val *v, int from_user) {
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

int cli_parse(
    const cli_cmd *cmd, int argc, char **argv, cli_val *vals, const char **pos, int *npos) {
    *npos = 0;
    memset(common_set, 0, sizeof common_set);
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
        size_t idx = 0;
        const cli_opt *o = find_opt(cmd->opts, cmd->nopts, arg, &idx);
        int common = common_idx(o ? o->name : "");
        if (!o) { /* --json and --quiet, for a table that does not list them */
            size_t c;
            if ((o = find_opt(common_opts, NCOMMON, arg, &c)) != NULL)
                common = (int)c;
        }
        if (!o) {
            fprintf(stderr, "gmdl %s: unknown option '%s' (see 'gmdl %s --help')\n", cmd->name, arg,
                    cmd->name);
            return 2;
        }
        const char *eq = arg[1] == '-' ? strchr(arg, '=') : NULL;
        const char *inline_val = eq ? eq + 1 : NULL;
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
        if (common >= 0)
            common_set[common] = 1;
        if (common >= 0 && o == &common_opts[common])
            continue; /* not in the command's table: nothing in vals */
        if (parse_value(cmd, o, text, &vals[idx], 1))
            return 2;
    }
    if (cli_quiet())
        gmdl_log_set(quiet_log, NULL);
    if (*npos < cmd->min_pos) {
        fprintf(stderr, "gmdl %s: missing argument (usage: %s)\n", cmd->name, cmd->usage);
        return 2;
    }
    return 0;
}
