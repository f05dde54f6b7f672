/* gmdl model new NAME: prints a minimal user model for `gmdl sample --model-lib` (user-model ABI
 * 2, gmdl/infer.h) and the one-line command that compiles it against the installed library
 * (pkg-config's cflags; the plugin needs no -lgmdl: the gmdl data accessor it calls is resolved
 * in the gmdl process that loads it). The template is a complete model: a normal likelihood with
 * unknown mean and sd, its gradient, built-in data and Stan-format --data through gmdl_data_*. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "uq_cli.h"

#define MODEL_USAGE                                                                                \
    "usage: gmdl model SUBCOMMAND [options]\n\n"                                                   \
    "User models for gmdl sample --model-lib.\n\n"                                                 \
    "subcommands:\n"                                                                               \
    "  new      print a minimal model source file and the command that compiles it\n\n"            \
    "See 'gmdl model SUBCOMMAND --help'.\n"

static const cli_opt opts[] = {
    {"out", 'o', OPT_STRING, "FILE.c", NULL,
     "write the source to FILE.c (atomically; refused if it exists) instead of stdout", 1, 0, 0},
};

static const cli_cmd cmd = {
    "model new",
    "gmdl model new NAME [--out FILE.c] [--json]",
    "Prints a minimal user model named NAME (a C identifier) for gmdl sample --model-lib: y[i] ~\n"
    "normal(mu, sigma), mu ~ normal(0, 10), sigma ~ half-normal(0, 5), with its gradient, eight\n"
    "built-in data points and --data FILE.json ({\"N\": ..., \"y\": [...]}) read through the\n"
    "Stan-data accessor. The source goes to stdout (or --out); the compile command, which needs\n"
    "an installed gmdl (pkg-config gmdl), and the command that samples go to stderr, and stand\n"
    "in the file's first comment. JSON keys: name, file (null for stdout), compile, run, source\n"
    "(stdout only).",
    opts,
    sizeof opts / sizeof opts[0],
    1,
    1};

/* The template; @NAME@ is replaced by the model's name, @FILE@ by its source file's name. */
static const char *const template_lines[] = {
    "/* @NAME@: a user model for `gmdl sample --model-lib` (user-model ABI 2, gmdl/infer.h),",
    " * written by `gmdl model new @NAME@`.",
    " *",
    " *   compile: @COMPILE@",
    " *   sample:  @RUN@ [--data DATA.json]",
    " *   check:   @RUN@ --check-grad",
    " *",
    " * The model: y[i] ~ normal(mu, sigma), mu ~ normal(0, 10), sigma ~ half-normal(0, 5).",
    " * Parameters are seen on their constrained scale (sigma > 0 through the LOWER transform: "
    "gmdl",
    " * samples log sigma and adds the Jacobian). The data: eight built-in points, or --data",
    " * FILE.json, Stan-format {\"N\": 3, \"y\": [1.2, 0.4, 2.0]}.",
    " * No gradient at hand? Drop the grad lines in logp and set target->no_grad = 1 in "
    "create_data:",
    " * gmdl then uses central finite differences (and says so). */",
    "#include <math.h>",
    "#include <stdio.h>",
    "#include <stdlib.h>",
    "#include <string.h>",
    "",
    "#include <gmdl/gmdl.h>",
    "",
    "typedef struct data {",
    "    size_t n;",
    "    double *y;",
    "} data;",
    "",
    "static const double builtin_y[] = {2.1, 1.4, 3.3, 2.8, 1.9, 2.5, 3.0, 2.2};",
    "static const char *const names[] = {\"mu\", \"sigma\"};",
    "static const gmdl_transform transforms[] = {{GMDL_TF_NONE, 0, 0}, {GMDL_TF_LOWER, 0, 0}};",
    "",
    "/* log p(mu, sigma | y) up to a constant, and its gradient when grad is not NULL. Called from",
    " * several chains at once: it only reads the data. */",
    "static gmdl_status logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) "
    "{",
    "    const data *d = user;",
    "    double mu = x[0], sigma = x[1], ss = 0, s1 = 0;",
    "    (void)err;",
    "    if (!(sigma > 0)) { /* exp(log sigma) underflowed: outside the support, not NaN */",
    "        *lp = -HUGE_VAL;",
    "        return GMDL_OK;",
    "    }",
    "    for (size_t i = 0; i < d->n; i++) {",
    "        double r = d->y[i] - mu;",
    "        s1 += r;",
    "        ss += r * r;",
    "    }",
    "    double n = (double)d->n, s2 = sigma * sigma;",
    "    *lp = -mu * mu / 200.0 - s2 / 50.0 - n * log(sigma) - 0.5 * ss / s2;",
    "    if (grad) {",
    "        grad[0] = -mu / 100.0 + s1 / s2;",
    "        grad[1] = -sigma / 25.0 - n / sigma + ss / (s2 * sigma);",
    "    }",
    "    return GMDL_OK;",
    "}",
    "",
    "static void destroy(void *state) {",
    "    data *d = state;",
    "    if (d)",
    "        free(d->y);",
    "    free(d);",
    "}",
    "",
    "/* Builds the model from --data (NULL: the built-in points). */",
    "static gmdl_status create_data(gmdl_target *target, void **state, const char *arg,",
    "                               const gmdl_data *in, gmdl_err *err) {",
    "    long long n = 8;",
    "    gmdl_status s = GMDL_OK;",
    "    (void)arg;",
    "    if (in)",
    "        s = gmdl_data_int(&n, in, \"N\", err);",
    "    if (s != GMDL_OK)",
    "        return s;",
    "    if (n < 1) {",
    "        snprintf(err->msg, sizeof err->msg, \"@NAME@: N = %lld, needs N >= 1\", n);",
    "        return GMDL_EINVAL;",
    "    }",
    "    data *d = calloc(1, sizeof *d);",
    "    if (!d || !(d->y = malloc((size_t)n * sizeof(double)))) {",
    "        destroy(d);",
    "        return GMDL_ENOMEM;",
    "    }",
    "    d->n = (size_t)n;",
    "    if (in) {",
    "        size_t got = 0;",
    "        s = gmdl_data_vector(d->y, d->n, &got, in, \"y\", err);",
    "        if (s == GMDL_OK && got != d->n) {",
    "            snprintf(err->msg, sizeof err->msg, \"@NAME@: y has %zu values, N = %lld\", got, "
    "n);",
    "            s = GMDL_ESHAPE;",
    "        }",
    "    } else {",
    "        memcpy(d->y, builtin_y, sizeof builtin_y);",
    "    }",
    "    if (s != GMDL_OK) {",
    "        destroy(d);",
    "        return s;",
    "    }",
    "    memset(target, 0, sizeof *target);",
    "    target->dim = 2;",
    "    target->logp = logp;",
    "    target->names = names;",
    "    target->transforms = transforms;",
    "    target->user = d;",
    "    *state = d;",
    "    return GMDL_OK;",
    "}",
    "",
    "static gmdl_status create(gmdl_target *target, void **state, const char *arg, gmdl_err *err) "
    "{",
    "    return create_data(target, state, arg, NULL, err);",
    "}",
    "",
    "static const gmdl_user_model model = {GMDL_USER_MODEL_ABI, sizeof(gmdl_user_model), "
    "\"@NAME@\",",
    "                                      create, destroy, create_data};",
    "",
    "GMDL_MODEL_EXPORT const gmdl_user_model *gmdl_user_model_v2(void) {",
    "    return &model;",
    "}",
};

/* Writes LINE to f with @NAME@, @COMPILE@ and @RUN@ replaced. */
static void
put_line(FILE *f, const char *line, const char *name, const char *compile, const char *run) {
    static const char *const keys[3] = {"@NAME@", "@COMPILE@", "@RUN@"};
    const char *vals[3] = {name, compile, run};
    while (*line) {
        int hit = -1;
        for (int k = 0; k < 3 && hit < 0; k++)
            if (strncmp(line, keys[k], strlen(keys[k])) == 0)
                hit = k;
        if (hit >= 0) {
            fputs(vals[hit], f);
            line += strlen(keys[hit]);
        } else {
            fputc(*line++, f);
        }
    }
    fputc('\n', f);
}

static void put_source(FILE *f, const char *name, const char *compile, const char *run) {
    for (size_t i = 0; i < sizeof template_lines / sizeof template_lines[0]; i++)
        put_line(f, template_lines[i], name, compile, run);
}

/* A C identifier of at most 64 characters. */
static int valid_name(const char *s) {
    size_t n = strlen(s);
    if (n < 1 || n > 64 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

/* The source as one string (for --json without --out), malloc'd, or NULL. */
static char *source_text(const char *name, const char *compile, const char *run) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    put_source(m, name, compile, run);
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int report(const char *name, const char *file, const char *compile, const char *run) {
    if (!cli_json()) {
        cli_note("gmdl model new: compile: %s\ngmdl model new: sample:  %s\n", compile, run);
        return 0;
    }
    char *src = file ? NULL : source_text(name, compile, run);
    if (!file && !src)
        return cli_fail("model new", GMDL_ENOMEM, NULL);
    json_w j;
    json_init(&j, stdout);
    json_obj_begin(&j, NULL);
    json_str(&j, "name", name);
    if (file)
        json_str(&j, "file", file);
    else
        json_null(&j, "file");
    json_str(&j, "compile", compile);
    json_str(&j, "run", run);
    if (src)
        json_str(&j, "source", src);
    json_obj_end(&j);
    json_finish(&j);
    free(src);
    return 0;
}

static int model_new(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *name = pos[0], *out = OPTV(&cmd, v, "out")->s;
    if (!valid_name(name)) {
        fprintf(stderr,
                "gmdl model new: NAME must be a C identifier of at most 64 characters, got '%s'\n",
                name);
        return 2;
    }
    char file[4096], so[4096], compile[8400], run[4200];
    snprintf(file, sizeof file, "%s", out ? out : "");
    if (!out)
        snprintf(file, sizeof file, "%s.c", name);
    size_t fl = strlen(file);
    snprintf(so, sizeof so, "%.*s.so", (int)(fl > 2 && cli_ends_with(file, ".c") ? fl - 2 : fl),
             file);
    snprintf(compile, sizeof compile, "cc -shared -fPIC %s -o %s $(pkg-config --cflags gmdl)", file,
             so);
    snprintf(run, sizeof run, "gmdl sample --model-lib %s%s", strchr(so, '/') ? "" : "./", so);
    if (!out) {
        if (!cli_json())
            put_source(stdout, name, compile, run);
        return report(name, NULL, compile, run);
    }
    FILE *probe = fopen(out, "r");
    if (probe) {
        fclose(probe);
        fprintf(stderr, "gmdl model new: %s exists; not overwritten\n", out);
        return 2;
    }
    char tmp[4200];
    FILE *f = uq_out_open("model new", out, tmp, sizeof tmp);
    if (!f)
        return 1;
    put_source(f, name, compile, run);
    if ((rc = uq_out_close("model new", f, tmp, out)) != 0)
        return rc;
    return report(name, out, compile, run);
}

int cmd_model(int argc, char **argv) {
    if (argc < 1) {
        fputs(MODEL_USAGE, stderr);
        return 2;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(MODEL_USAGE, stdout);
        return 0;
    }
    if (strcmp(argv[0], "new") == 0)
        return model_new(argc - 1, argv + 1);
    fprintf(stderr, "gmdl model: unknown subcommand '%s' (new)\n", argv[0]);
    return 2;
}
