/* Table-driven option parsing for the gmdl commands. The same table produces --help, so the help
 * text lists every option with its default and cannot go stale. */
#ifndef GMDL_CLI_OPTS_H
#define GMDL_CLI_OPTS_H

#include <stddef.h>

typedef enum { OPT_FLAG, OPT_INT, OPT_DOUBLE, OPT_STRING } opt_type;

typedef struct cli_opt {
    const char *name; /* long name without dashes, e.g. "epochs" */
    char short_name;  /* e.g. 'n', or 0 */
    opt_type type;
    const char *metavar; /* "N", "FILE" */
    const char *dflt;    /* default as text (also parsed as the default value), or NULL */
    const char *help;    /* one line; include the unit */
    double min, max;     /* accepted range for numeric options (ignored when min > max) */
    int hidden;          /* testing hooks: accepted but not listed in --help */
} cli_opt;

typedef struct cli_val {
    int set;       /* given on the command line */
    long long i;   /* OPT_INT, OPT_FLAG (0/1) */
    double d;      /* OPT_DOUBLE */
    const char *s; /* OPT_STRING (points into argv or dflt) */
} cli_val;

typedef struct cli_cmd {
    const char *name;    /* "train", or "bn query" */
    const char *usage;   /* "gmdl train --arch ARCH --method METHOD --out MODEL [options]" */
    const char *summary; /* one paragraph */
    const cli_opt *opts;
    size_t nopts;
    int min_pos, max_pos; /* positional arguments accepted */
} cli_cmd;

/* Parses argv[0..argc-1] (after the command name). Returns 0 on success, 2 on a usage error
 * (message printed to stderr), and -1 when --help was printed (the caller exits 0).
 * vals has one entry per option; positional arguments are stored in pos (at most max_pos).
 * Every command also takes the common options --json and -q/--quiet (cli_json, cli_quiet) from
 * the one entry each in opts.c, which tables do not list (one that did would get them in vals as
 * well). --quiet also mutes the library's log below errors. vals may be NULL for an empty table. */
int cli_parse(
    const cli_cmd *cmd, int argc, char **argv, cli_val *vals, const char **pos, int *npos);
void cli_help(const cli_cmd *cmd);
/* Index of option NAME in the table (aborts if absent: a programming error). */
size_t cli_idx(const cli_cmd *cmd, const char *name);

/* The common options of the last cli_parse: --json (one JSON object on stdout) and --quiet (no
 * progress or log lines on stderr; errors are still printed). */
int cli_json(void);
int cli_quiet(void);
/* A progress or log line on stderr ("gmdl CMD: ..." is the caller's), unless --quiet. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Shorthands used by command implementations. */
#define OPTV(cmd, vals, name) (&(vals)[cli_idx((cmd), (name))])

#endif
