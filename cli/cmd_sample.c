/* gmdl sample: draws from a built-in or user model's posterior with MH, MALA, HMC, SGLD, rejection
 * or importance sampling, or fits mean-field VI; prints diagnostics (mean, sd, MCSE, ESS, tau,
 * split R-hat) as a table or JSON, and writes draws to CSV. A thin layer over gmdl/infer.h.
 *
 * Data: logistic reads libsvm text (or CSV with --y COL), linear reads CSV with --y COL,
 * eight-schools reads a JSON object with arrays "y" and "sigma" (the posteriordb data.json); the
 * small JSON reader below accepts any JSON and reports errors as FILE:LINE:COLUMN. User models are
 * loaded by sample_model.c (ABI in gmdl/infer.h). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gmdl/plot.h"
#include "sample_model.h"

#define MAX_LIBSVM_INDEX 10000000

static const cli_opt opts[] = {
    {"model", 0, OPT_STRING, "MODEL", NULL, "built-in model: sgld-mixture, logistic, linear, eight-schools", 1, 0, 0},
    {"model-lib", 0, OPT_STRING, "FILE.so", NULL, "user model: a shared library exporting gmdl_user_model_v2 (see gmdl/infer.h, examples/models)", 1, 0, 0},
    {"model-arg", 0, OPT_STRING, "TEXT", NULL, "text passed to the user model's create function", 1, 0, 0},
    {"method", 0, OPT_STRING, "METHOD", NULL, "mh, mala, hmc, sgld, rejection, importance or vi (required)", 1, 0, 0},
    {"n", 'n', OPT_INT, "N", "1000", "draws kept per chain (SGLD: kept steps after burn-in and thinning; importance: proposals)", 1, 1e10, 0},
    {"warmup", 0, OPT_INT, "W", NULL, "MCMC warm-up iterations (default N); SGLD burn-in steps, excluded from the averages (default N/10)", 0, 1e12, 0},
    {"chains", 0, OPT_INT, "C", "4", "independent chains (rejection and importance use one stream)", 1, 4096, 0},
    {"thin", 0, OPT_INT, "K", "1", "keep every K-th iteration", 1, 1e9, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed (chain k uses stream (S, chain, k))", 0, 9.2e18, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads running chains in parallel (0 = all cores)", 0, 4096, 0},
    {"out", 0, OPT_STRING, "DRAWS.csv", NULL, "write the draws as CSV: chain, iteration, one column per parameter (and weight)", 1, 0, 0},
    {"json", 0, OPT_FLAG, NULL, NULL, "print results as one JSON object on stdout", 1, 0, 0},
    {"plot", 0, OPT_STRING, "FILE.png", NULL, "draw trace plots, the autocorrelation and a scatter of the first two quantities over the exact density contours (2-parameter models); with --risk-sweep the three risk curves", 1, 0, 0},
    {"step", 0, OPT_DOUBLE, "EPS", "0", "initial step size (MH proposal sd, MALA/HMC epsilon); 0 = automatic", 0, 1e6, 0},
    {"target-accept", 0, OPT_DOUBLE, "A", "0", "warm-up acceptance target; 0 = 0.234 (mh), 0.574 (mala), 0.8 (hmc)", 0, 0.999, 0},
    {"init-radius", 0, OPT_DOUBLE, "R", "2", "chains start uniformly in (-R, R) on the unconstrained scale; 0 = every chain at 0", 0, 1e6, 0},
    {"leapfrog", 0, OPT_INT, "L", "16", "HMC leapfrog steps per iteration (drawn from [L/2, 3L/2])", 1, 100000, 0},
    {"sgld-a", 0, OPT_DOUBLE, "A", NULL, "SGLD step a in a (b + t)^-gamma (sgld-mixture: 0.19955; logistic: 1e-4; others 1e-3)", 1e-300, 1e6, 0},
    {"sgld-b", 0, OPT_DOUBLE, "B", NULL, "SGLD step b (sgld-mixture: 231.07; others 1)", 1e-300, 1e300, 0},
    {"gamma", 0, OPT_DOUBLE, "G", "0.55", "SGLD step decay exponent (0 = constant step a)", 0, 1, 0},
    {"batch", 0, OPT_INT, "B", NULL, "SGLD minibatch size, 0 = full gradient (sgld-mixture: 1; others 10)", 0, 4e9, 0},
    {"precondition", 0, OPT_FLAG, NULL, NULL, "SGLD: RMSprop-style diagonal preconditioner (pSGLD)", 1, 0, 0},
    {"data", 0, OPT_STRING, "FILE", NULL, "model data: libsvm or .csv (logistic), .csv (linear), .json (eight-schools)", 1, 0, 0},
    {"test", 0, OPT_STRING, "FILE", NULL, "logistic: test data for the posterior-averaged accuracy", 1, 0, 0},
    {"y", 0, OPT_STRING, "COL", NULL, "CSV data: name of the response column (the other columns are features)", 1, 0, 0},
    {"prior", 0, OPT_STRING, "PRIOR", "laplace", "logistic prior on every coefficient: laplace or gaussian", 1, 0, 0},
    {"prior-scale", 0, OPT_DOUBLE, "S", "1", "logistic prior scale (Laplace scale or Gaussian sd)", 1e-300, 1e300, 0},
    {"estimator", 0, OPT_STRING, "E", "reparam", "VI gradient: reparam, score or score-baseline", 1, 0, 0},
    {"vi-iters", 0, OPT_INT, "N", "3000", "VI Adam iterations", 10, 1e9, 0},
    {"vi-lr", 0, OPT_DOUBLE, "LR", "0.05", "VI Adam step (decayed as lr / sqrt(1 + t/100))", 1e-12, 10, 0},
    {"vi-mc", 0, OPT_INT, "S", "1", "VI Monte Carlo samples per gradient", 1, 1e6, 0},
    {"proposal-scale", 0, OPT_DOUBLE, "K", "1.5", "rejection/importance: proposal sd = K x the VI pilot's sd (Student-t, 5 df)", 1e-6, 1e6, 0},
    {"risk-sweep", 0, OPT_FLAG, NULL, NULL, "instead of sampling: bias^2, variance and risk of the posterior-mean estimate of SGLD at constant steps and of MH, under one compute budget (2-parameter models such as sgld-mixture)", 1, 0, 0},
    {"steps", 0, OPT_STRING, "LIST", "1e-3,2e-3,5e-3,1e-2,2e-2,3e-2", "risk sweep: comma-separated constant SGLD step sizes", 1, 0, 0},
    {"budget", 0, OPT_INT, "G", "100000", "risk sweep: data-item gradient evaluations per run (an MH step costs the data size)", 100, 1e12, 0},
    {"repeats", 0, OPT_INT, "R", "1000", "risk sweep: independent runs per setting (the noise of bias^2 falls as 1/sqrt(R))", 2, 100000, 0},
    {"log-m", 0, OPT_DOUBLE, "LOGM", NULL, "rejection: log of the envelope constant M (default: max pilot log weight + log 10)", -1e300, 1e300, 0},
};

static const cli_cmd cmd = {
    "sample",
    "gmdl sample --model MODEL|--model-lib FILE.so --method mh|mala|hmc|sgld|rejection|importance|vi "
    "[--n N] [--warmup W] [--chains C] [--seed S] [--threads T] [--out DRAWS.csv] [--plot FILE.png] [--json] "
    "[model options]",
    "Draws from a posterior and prints, per parameter, the mean, sd, MCSE, effective sample size,\n"
    "integrated autocorrelation time (tau) and split R-hat over the chains. Built-in models:\n"
    "sgld-mixture (Welling & Teh's two-parameter mixture, 100 points drawn with --seed: the first\n"
    "draw whose posterior has the paper's modes near (0, 1) and (1, -1)),\n"
    "logistic --data FILE [--test FILE] [--prior laplace|gaussian] (libsvm, or CSV with --y),\n"
    "linear --data FILE.csv --y COL, eight-schools --data FILE.json. SGLD keeps the draws after\n"
    "the burn-in with weight eps_t (step-size-weighted averages). rejection and importance use a\n"
    "Student-t proposal around a VI pilot fit. JSON keys: mean, sd, mcse, ess, ess_bulk, tau, rhat\n"
    "(objects keyed by parameter name), accept_rate, seconds; logistic with --test: test_accuracy,\n"
    "test_log_loss; importance: log_evidence, is_ess; vi: elbo, grad_variance.",
    opts, sizeof opts / sizeof opts[0], 0, 0};

/* LeakSanitizer hook (sanitizer builds only): fontconfig, which cairo loads to draw text, keeps a
 * few allocations it never frees at exit; they are not gmdl's. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) {
    return "leak:libfontconfig.so\n";
}
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) {
    return "print_suppressions=0";
}

/* ------------------------------------------------------------------ small JSON reader */
typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;
typedef struct jval {
    jtype type;
    double num;
    char *str;           /* J_STR; key of an object member */
    struct jval *items;  /* J_ARR, J_OBJ */
    char **keys;         /* J_OBJ */
    size_t n;
} jval;

typedef struct {
    const char *path, *s;
    size_t i, len, line, col0;
    char msg[512];
} jparser;

static void jfree(jval *v) {
    for (size_t i = 0; i < v->n; i++) {
        jfree(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

static int jerr(jparser *p, const char *what) {
    snprintf(p->msg, sizeof p->msg, "%s:%zu:%zu: %s", p->path, p->line, p->i - p->col0 + 1, what);
    return -1;
}

static void jws(jparser *p) {
    while (p->i < p->len && strchr(" \t\r\n", p->s[p->i])) {
        if (p->s[p->i] == '\n') {
            p->line++;
            p->col0 = p->i + 1;
        }
        p->i++;
    }
}

static int jparse(jparser *p, jval *v, int depth);

static int jstring(jparser *p, char **out) {
    size_t start = ++p->i;
    while (p->i < p->len && p->s[p->i] != '"') {
        if (p->s[p->i] == '\\')
            p->i++;
        else if ((unsigned char)p->s[p->i] < 0x20)
            return jerr(p, "control character in a string");
        p->i++;
    }
    if (p->i >= p->len)
        return jerr(p, "unterminated string");
    size_t n = p->i - start;
    *out = malloc(n + 1);
    if (!*out)
        return jerr(p, "out of memory");
    memcpy(*out, p->s + start, n); /* escapes are kept verbatim: keys here are plain ASCII */
    (*out)[n] = '\0';
    p->i++;
    return 0;
}

static int jpush(jval *v, size_t *cap) {
    if (v->n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 8;
    jval *ni = realloc(v->items, nc * sizeof(jval));
    if (!ni)
        return -1;
    v->items = ni;
    if (v->type == J_OBJ) {
        char **nk = realloc(v->keys, nc * sizeof(char *));
        if (!nk)
            return -1;
        v->keys = nk;
    }
    *cap = nc;
    return 0;
}

static int jparse(jparser *p, jval *v, int depth) {
    memset(v, 0, sizeof *v);
    if (depth > 64)
        return jerr(p, "nesting too deep");
    jws(p);
    if (p->i >= p->len)
        return jerr(p, "unexpected end of file, expected a value");
    char c = p->s[p->i];
    if (c == '{' || c == '[') {
        v->type = c == '{' ? J_OBJ : J_ARR;
        char close = c == '{' ? '}' : ']';
        size_t cap = 0;
        p->i++;
        jws(p);
        if (p->i < p->len && p->s[p->i] == close) {
            p->i++;
            return 0;
        }
        for (;;) {
            jws(p);
            if (jpush(v, &cap))
                return jerr(p, "out of memory");
            char *key = NULL;
            if (v->type == J_OBJ) {
                if (p->i >= p->len || p->s[p->i] != '"')
                    return jerr(p, "expected a string key");
                if (jstring(p, &key))
                    return -1;
                jws(p);
                if (p->i >= p->len || p->s[p->i] != ':') {
                    free(key);
                    return jerr(p, "expected ':' after the key");
                }
                p->i++;
                v->keys[v->n] = key;
            }
            if (jparse(p, &v->items[v->n], depth + 1)) {
                v->n++; /* so that jfree releases the partial item and key */
                return -1;
            }
            v->n++;
            jws(p);
            if (p->i < p->len && p->s[p->i] == ',') {
                p->i++;
                continue;
            }
            if (p->i < p->len && p->s[p->i] == close) {
                p->i++;
                return 0;
            }
            return jerr(p, v->type == J_OBJ ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    if (c == '"') {
        v->type = J_STR;
        return jstring(p, &v->str);
    }
    static const char *const words[3] = {"true", "false", "null"};
    for (int w = 0; w < 3; w++) {
        size_t L = strlen(words[w]);
        if (p->len - p->i >= L && strncmp(p->s + p->i, words[w], L) == 0) {
            v->type = w == 2 ? J_NULL : J_BOOL;
            v->num = w == 0;
            p->i += L;
            return 0;
        }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        char *end;
        errno = 0;
        v->num = strtod(p->s + p->i, &end);
        if (end == p->s + p->i || errno == ERANGE || !isfinite(v->num))
            return jerr(p, "bad number");
        v->type = J_NUM;
        p->i = (size_t)(end - p->s);
        return 0;
    }
    return jerr(p, "expected a value");
}

/* Reads PATH as JSON into *root. Returns 0, or 2 with the message printed. */
static int json_read_file(const char *path, jval *root) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "gmdl sample: %s: %s\n", path, strerror(errno));
        return 2;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            fprintf(stderr, "gmdl sample: out of memory\n");
            return 1;
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        char *nb = realloc(buf, cap);
        if (!nb)
            free(buf);
        buf = nb;
    }
    fclose(f);
    jparser p = {path, buf, 0, n, 1, 0, {0}};
    int rc = jparse(&p, root, 0);
    if (rc == 0) {
        jws(&p);
        if (p.i != p.len)
            rc = jerr(&p, "trailing characters after the JSON value");
    }
    free(buf);
    if (rc) {
        jfree(root);
        fprintf(stderr, "gmdl sample: %s\n", p.msg);
        return 2;
    }
    return 0;
}

/* Numeric array member KEY of an object, or NULL (message printed). */
static double *json_numbers(const jval *obj, const char *path, const char *key, size_t *n) {
    if (obj->type != J_OBJ) {
        fprintf(stderr, "gmdl sample: %s: expected a JSON object at the top level\n", path);
        return NULL;
    }
    for (size_t i = 0; i < obj->n; i++) {
        if (strcmp(obj->keys[i], key) != 0)
            continue;
        const jval *a = &obj->items[i];
        if (a->type != J_ARR || a->n == 0) {
            fprintf(stderr, "gmdl sample: %s: \"%s\" must be a non-empty array of numbers\n", path,
                    key);
            return NULL;
        }
        double *out = malloc(a->n * sizeof(double));
        for (size_t k = 0; out && k < a->n; k++) {
            if (a->items[k].type != J_NUM) {
                fprintf(stderr, "gmdl sample: %s: \"%s\"[%zu] is not a number\n", path, key, k);
                free(out);
                return NULL;
            }
            out[k] = a->items[k].num;
        }
        *n = a->n;
        return out;
    }
    fprintf(stderr, "gmdl sample: %s: missing key \"%s\"\n", path, key);
    return NULL;
}

/* ------------------------------------------------------------------ data helpers */
static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Dense CSV (response column ycol, every other column a feature, no missing values) into X, y. */
static gmdl_status csv_xy(const char *path, const char *ycol, double **X, double **y, size_t *n,
                          size_t *p, gmdl_err *err) {
    gmdl_csv c;
    *X = *y = NULL;
    gmdl_status s = gmdl_csv_read(path, &c, err);
    if (s)
        return s;
    int yc = gmdl_csv_find(&c, ycol);
    if (yc < 0) {
        snprintf(err->msg, sizeof err->msg, "%s: no column named '%s' (--y)", path, ycol);
        gmdl_csv_free(&c);
        return GMDL_EINVAL;
    }
    if (c.nrows < 1 || c.ncols < 2) {
        snprintf(err->msg, sizeof err->msg, "%s: need at least one row and one feature column",
                 path);
        gmdl_csv_free(&c);
        return GMDL_EINVAL;
    }
    *n = c.nrows;
    *p = c.ncols - 1;
    *X = malloc(c.nrows * (c.ncols - 1) * sizeof(double));
    *y = malloc(c.nrows * sizeof(double));
    double *col = malloc(c.nrows * sizeof(double));
    if (!*X || !*y || !col) {
        s = GMDL_ENOMEM;
        goto done;
    }
    for (size_t j = 0, k = 0; j < c.ncols; j++) {
        s = gmdl_csv_column_f64(&c, j, 0, col, err);
        if (s)
            goto done;
        if ((int)j == yc) {
            memcpy(*y, col, c.nrows * sizeof(double));
            continue;
        }
        for (size_t i = 0; i < c.nrows; i++)
            (*X)[i * *p + k] = col[i];
        k++;
    }
done:
    free(col);
    gmdl_csv_free(&c);
    if (s) {
        free(*X);
        free(*y);
        *X = *y = NULL;
    }
    return s;
}

/* libsvm, or CSV (with --y) converted to the same sparse form (zeros dropped). */
static gmdl_status load_sparse(const char *path, const char *ycol, gmdl_libsvm *out, gmdl_err *err) {
    if (!ends_with(path, ".csv"))
        return gmdl_libsvm_read(path, MAX_LIBSVM_INDEX, out, err);
    if (!ycol) {
        snprintf(err->msg, sizeof err->msg, "%s: CSV data needs --y COL (the label column)", path);
        return GMDL_EINVAL;
    }
    double *X, *y;
    size_t n, p;
    gmdl_status s = csv_xy(path, ycol, &X, &y, &n, &p, err);
    if (s)
        return s;
    /* The library frees these through its allocator hook, which is malloc here. */
    memset(out, 0, sizeof *out);
    out->nrows = n;
    out->ncols = p;
    out->labels = y;
    out->row_ptr = malloc((n + 1) * sizeof(size_t));
    size_t cells = n * p > 0 ? n * p : 1;
    out->cols = malloc(cells * sizeof(uint32_t));
    out->vals = malloc(cells * sizeof(double));
    if (!out->row_ptr || !out->cols || !out->vals) {
        free(X);
        gmdl_libsvm_free(out);
        return GMDL_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        out->row_ptr[i] = k;
        for (size_t j = 0; j < p; j++) {
            if (X[i * p + j] != 0) {
                out->cols[k] = (uint32_t)j;
                out->vals[k++] = X[i * p + j];
            }
        }
    }
    out->row_ptr[n] = k;
    out->nnz = k;
    free(X);
    return GMDL_OK;
}

/* ------------------------------------------------------------------ interrupt */
static volatile sig_atomic_t interrupted;
static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
}
static int poll_interrupt(void *user) {
    (void)user;
    return interrupted;
}

/* ------------------------------------------------------------------ output */
static int write_csv(const char *path, const gmdl_draws *d) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gmdl sample: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f, "chain,iteration");
    for (size_t j = 0; j < d->dim; j++)
        fprintf(f, ",%s", d->names[j]);
    if (d->weight)
        fprintf(f, ",weight");
    fprintf(f, "\n");
    for (size_t c = 0; c < d->chains; c++) {
        for (size_t i = 0; i < d->n; i++) {
            const double *x = d->x + (c * d->n + i) * d->dim;
            fprintf(f, "%zu,%zu", c + 1, i + 1);
            for (size_t j = 0; j < d->dim; j++)
                fprintf(f, ",%.17g", x[j]);
            if (d->weight)
                fprintf(f, ",%.17g", d->weight[c * d->n + i]);
            fprintf(f, "\n");
        }
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "gmdl sample: error writing %s\n", path);
        return 1;
    }
    return 0;
}

static void json_obj_of(json_w *j, const char *key, const gmdl_draws *d,
                        const gmdl_diag_summary *sm, size_t off) {
    json_obj_begin(j, key);
    for (size_t k = 0; k < d->dim; k++)
        json_num(j, d->names[k], *(const double *)((const char *)&sm[k] + off));
    json_obj_end(j);
}

/* ------------------------------------------------------------------ the command */
typedef struct model_handle {
    gmdl_builtin *builtin;
    sample_plugin plugin;
    gmdl_libsvm test;
    int have_test;
} model_handle;

static void model_close(model_handle *h) {
    gmdl_builtin_destroy(h->builtin);
    sample_plugin_close(&h->plugin);
    if (h->have_test)
        gmdl_libsvm_free(&h->test);
}

/* Builds the target; returns 0 or the exit code (message printed). */
static int model_open(const cli_val *v, model_handle *h, const gmdl_target **t) {
    gmdl_err err = {{0}};
    gmdl_status s = GMDL_OK;
    const char *model = OPTV(&cmd, v, "model")->s, *lib = OPTV(&cmd, v, "model-lib")->s;
    const char *data = OPTV(&cmd, v, "data")->s, *ycol = OPTV(&cmd, v, "y")->s;
    if (!!model == !!lib) {
        fprintf(stderr, "gmdl sample: give exactly one of --model and --model-lib\n");
        return 2;
    }
    if (lib) {
        int rc = sample_plugin_open(&h->plugin, lib, OPTV(&cmd, v, "model-arg")->s);
        if (!rc)
            *t = &h->plugin.target;
        return rc;
    }
    if (strcmp(model, "sgld-mixture") == 0) {
        s = gmdl_builtin_sgld_mixture(&h->builtin, (uint64_t)OPTV(&cmd, v, "seed")->i, &err);
    } else if (strcmp(model, "logistic") == 0 || strcmp(model, "linear") == 0 ||
               strcmp(model, "eight-schools") == 0) {
        if (!data) {
            fprintf(stderr, "gmdl sample: --model %s needs --data FILE\n", model);
            return 2;
        }
        if (strcmp(model, "logistic") == 0) {
            const char *pr = OPTV(&cmd, v, "prior")->s;
            if (strcmp(pr, "laplace") != 0 && strcmp(pr, "gaussian") != 0) {
                fprintf(stderr, "gmdl sample: --prior must be laplace or gaussian, got '%s'\n", pr);
                return 2;
            }
            gmdl_libsvm tr;
            s = load_sparse(data, ycol, &tr, &err);
            if (s)
                return cli_fail("sample", s, &err);
            s = gmdl_builtin_logistic(&h->builtin, &tr,
                                      pr[0] == 'l' ? GMDL_PRIOR_LAPLACE : GMDL_PRIOR_GAUSSIAN,
                                      OPTV(&cmd, v, "prior-scale")->d, &err);
            gmdl_libsvm_free(&tr);
            const char *test = OPTV(&cmd, v, "test")->s;
            if (!s && test) {
                s = load_sparse(test, ycol, &h->test, &err);
                h->have_test = s == GMDL_OK;
            }
        } else if (strcmp(model, "linear") == 0) {
            if (!ycol) {
                fprintf(stderr, "gmdl sample: --model linear needs --y COL\n");
                return 2;
            }
            double *X, *y;
            size_t n, p;
            s = csv_xy(data, ycol, &X, &y, &n, &p, &err);
            if (!s) {
                s = gmdl_builtin_linear(&h->builtin, X, y, n, p, &err);
                free(X);
                free(y);
            }
        } else {
            jval root;
            int rc = json_read_file(data, &root);
            if (rc)
                return rc;
            size_t ny = 0, ns = 0;
            double *y = json_numbers(&root, data, "y", &ny);
            double *sg = y ? json_numbers(&root, data, "sigma", &ns) : NULL;
            jfree(&root);
            if (!y || !sg) {
                free(y);
                return 2;
            }
            if (ny != ns) {
                fprintf(stderr, "gmdl sample: %s: \"y\" has %zu values but \"sigma\" has %zu\n",
                        data, ny, ns);
                free(y);
                free(sg);
                return 2;
            }
            s = gmdl_builtin_eight_schools(&h->builtin, y, sg, ny, &err);
            free(y);
            free(sg);
        }
    } else {
        fprintf(stderr,
                "gmdl sample: unknown --model '%s' (sgld-mixture, logistic, linear, eight-schools)\n",
                model);
        return 2;
    }
    if (s)
        return cli_fail("sample", s, &err);
    *t = gmdl_builtin_target(h->builtin);
    return 0;
}

/* ------------------------------------------------------------------ plots */
static const uint32_t chain_colors[8] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728,
                                         0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f};

/* Range of quantity j over all draws, padded by 5%. */
static void draw_range(const gmdl_draws *d, size_t j, double *lo, double *hi) {
    double a = HUGE_VAL, b = -HUGE_VAL;
    for (size_t i = 0; i < d->chains * d->n; i++) {
        double v = d->x[i * d->dim + j];
        if (v < a)
            a = v;
        if (v > b)
            b = v;
    }
    double pad = b > a ? 0.05 * (b - a) : 0.5 + 0.05 * fabs(a);
    *lo = a - pad;
    *hi = b + pad;
}

/* Trace plots of the first two quantities (every chain, at most 2000 points each), the
 * autocorrelation of quantity 1 in chain 1, and a scatter of quantities 1 and 2 over the contours of
 * the exact density when the target is a plain 2-parameter model, over `window` ({x0, x1, y0, y1})
 * or else the range of the draws. Returns 0 or the exit code. */
static int plot_draws(const char *path, const gmdl_target *t, const gmdl_draws *d,
                      const char *title, const double *window) {
    gmdl_plot *p;
    gmdl_err err = {{0}};
    gmdl_status s = gmdl_plot_create(1200, 800, 2, 2, &p, &err);
    if (s)
        return cli_fail("sample", s, &err);
    size_t step = d->n > 2000 ? d->n / 2000 : 1, m = (d->n + step - 1) / step;
    double *xs = malloc(m * sizeof(double)), *ys = malloc(m * sizeof(double));
    size_t nacf = d->n < 201 ? d->n : 201;
    double *acf = malloc(d->n * sizeof(double)), *lag = malloc(d->n * sizeof(double));
    if (!xs || !ys || !acf || !lag) {
        free(xs);
        free(ys);
        free(acf);
        free(lag);
        gmdl_plot_destroy(p);
        return cli_fail("sample", GMDL_ENOMEM, NULL);
    }
    for (size_t j = 0; j < 2 && j < d->dim; j++) {
        double lo, hi;
        draw_range(d, j, &lo, &hi);
        char ttl[160];
        snprintf(ttl, sizeof ttl, "%s: trace of %s", title, d->names[j]);
        if (gmdl_plot_axes(p, (int)j, ttl, "iteration (after warm-up)", d->names[j], 0,
                           (double)(d->n > 1 ? d->n - 1 : 1), lo, hi, 0) == GMDL_OK) {
            for (size_t c = 0; c < d->chains; c++) {
                for (size_t k = 0; k < m; k++) {
                    xs[k] = (double)(k * step);
                    ys[k] = d->x[(c * d->n + k * step) * d->dim + j];
                }
                gmdl_plot_line(p, xs, ys, m, chain_colors[c % 8], 0.8, 0);
            }
        }
    }
    /* autocorrelation of quantity 1, chain 1 */
    for (size_t i = 0; i < d->n; i++)
        lag[i] = d->x[i * d->dim];
    if (d->n >= 2 && gmdl_diag_autocorr(lag, d->n, acf) == GMDL_OK &&
        gmdl_plot_axes(p, 2, "autocorrelation (chain 1)", "lag", d->names[0], 0,
                       (double)(nacf - 1), -0.2, 1.05, 0) == GMDL_OK) {
        for (size_t i = 0; i < nacf; i++)
            lag[i] = (double)i;
        const double zx[2] = {0, (double)(nacf - 1)}, zy[2] = {0, 0};
        gmdl_plot_line(p, zx, zy, 2, 0x888888, 1.0, 1);
        gmdl_plot_line(p, lag, acf, nacf, chain_colors[0], 1.5, 0);
    }
    if (d->dim >= 2) {
        double x0, x1, y0, y1;
        draw_range(d, 0, &x0, &x1);
        draw_range(d, 1, &y0, &y1);
        int exact = t->dim == 2 && !t->generate && !t->transforms;
        if (window) {
            x0 = window[0];
            x1 = window[1];
            y0 = window[2];
            y1 = window[3];
        }
        char ttl[160];
        snprintf(ttl, sizeof ttl, "%s vs %s%s", d->names[1], d->names[0],
                 exact ? " over the exact density" : "");
        if (gmdl_plot_axes(p, 3, ttl, d->names[0], d->names[1], x0, x1, y0, y1, 0) == GMDL_OK) {
            size_t S = d->chains * d->n, st = S > 20000 ? S / 20000 : 1;
            for (size_t i = 0; i < S; i += st)
                gmdl_plot_points(p, &d->x[i * d->dim], &d->x[i * d->dim + 1], 1,
                                 chain_colors[(i / d->n) % 8], 0.25, 1.3);
            if (exact) {
                const double box[4] = {x0, x1, y0, y1};
                double *g = malloc(120 * 120 * sizeof(double));
                if (g && gmdl_grid_density(g, t, box, 120, &err) == GMDL_OK) {
                    double mx = 0;
                    for (size_t k = 0; k < 120 * 120; k++)
                        mx = g[k] > mx ? g[k] : mx;
                    const double lv[5] = {0.02, 0.1, 0.3, 0.6, 0.9};
                    for (int k = 0; k < 5; k++)
                        gmdl_plot_contour(p, g, 120, 120, lv[k] * mx, 0x000000, 1.2);
                }
                free(g);
            }
        }
    }
    free(xs);
    free(ys);
    free(acf);
    free(lag);
    s = gmdl_plot_save_png(p, path, &err);
    gmdl_plot_destroy(p);
    return s ? cli_fail("sample", s, &err) : 0;
}

/* --risk-sweep: the bias-variance trade-off of approximate MCMC (gmdl_risk_sweep). */
/* Standard error of a risk point's bias^2 estimate over R runs. The mean over runs of each
 * coordinate has noise v_j / R (v_j the run-to-run variance, summed: variance), so
 * Var(bias2) = sum_j 4 b_j^2 v_j / R + 2 v_j^2 / R^2 <= 4 bias2 variance / R + 2 (variance / R)^2:
 * this bound is what is reported. */
static double bias2_se(const gmdl_risk_point *q, size_t R) {
    double vr = q->variance / (double)R;
    return sqrt(4.0 * fmax(q->bias2, 0.0) * vr + 2.0 * vr * vr);
}

static int risk_sweep(const cli_val *v) {
    gmdl_risk_point pts[64], mhp;
    double steps[64], exact[2];
    size_t ns = 0;
    const char *p = OPTV(&cmd, v, "steps")->s;
    while (*p) {
        char *end;
        errno = 0;
        double x = strtod(p, &end);
        if (end == p || errno || !(x > 0) || !isfinite(x) || (*end && *end != ',') || ns == 64) {
            fprintf(stderr, "gmdl sample: --steps expects up to 64 positive numbers separated by "
                            "commas, got '%s'\n",
                    OPTV(&cmd, v, "steps")->s);
            return 2;
        }
        steps[ns++] = x;
        p = *end ? end + 1 : end;
    }
    int threads = cli_threads(OPTV(&cmd, v, "threads")->i);
    model_handle h;
    memset(&h, 0, sizeof h);
    const gmdl_target *t = NULL;
    int rc = model_open(v, &h, &t);
    if (rc) {
        model_close(&h);
        return rc;
    }
    gmdl_risk_config c = gmdl_risk_config_default();
    c.steps = steps;
    c.nsteps = ns;
    c.budget = (size_t)OPTV(&cmd, v, "budget")->i;
    c.repeats = (size_t)OPTV(&cmd, v, "repeats")->i;
    c.seed = (uint64_t)OPTV(&cmd, v, "seed")->i;
    c.threads = threads;
    if (OPTV(&cmd, v, "batch")->set)
        c.batch = (size_t)OPTV(&cmd, v, "batch")->i;
    if (OPTV(&cmd, v, "step")->set)
        c.mh_step = OPTV(&cmd, v, "step")->d;
    gmdl_err err = {{0}};
    double t0 = cli_now();
    gmdl_status s = gmdl_risk_sweep(pts, &mhp, exact, t, &c, &err);
    double seconds = cli_now() - t0;
    model_close(&h);
    if (s)
        return cli_fail("sample", s, &err);
    const char *plot = OPTV(&cmd, v, "plot")->s;
    if (plot) {
        double xs[64], b2[64], var[64], risk[64], lo = HUGE_VAL, hi = 0;
        for (size_t k = 0; k < ns; k++) {
            xs[k] = pts[k].step;
            b2[k] = pts[k].bias2; /* non-positive estimates are left out on the log axis */
            var[k] = pts[k].variance;
            risk[k] = pts[k].risk;
            const double vals[3] = {b2[k], var[k], risk[k]};
            for (int q = 0; q < 3; q++) {
                if (vals[q] > 0 && vals[q] < lo)
                    lo = vals[q];
                if (vals[q] > hi)
                    hi = vals[q];
            }
        }
        hi = fmax(hi, mhp.risk);
        gmdl_plot *pl;
        s = gmdl_plot_create(900, 600, 1, 1, &pl, &err);
        if (s)
            return cli_fail("sample", s, &err);
        char ttl[160];
        snprintf(ttl, sizeof ttl, "SGLD risk under a budget of %zu item gradients (%zu runs)",
                 c.budget, c.repeats);
        double sx0 = steps[0], sx1 = steps[0];
        for (size_t k = 0; k < ns; k++) {
            sx0 = fmin(sx0, steps[k]);
            sx1 = fmax(sx1, steps[k]);
        }
        if (!(sx1 > sx0))
            sx1 = sx0 * 10;
        if (!(lo < hi))
            lo = hi / 100;
        if (gmdl_plot_axes(pl, 0, ttl, "constant step size", "squared error", sx0 / 1.2, sx1 * 1.2,
                           lo / 2, hi * 2, GMDL_PLOT_LOGX | GMDL_PLOT_LOGY) == GMDL_OK) {
            gmdl_plot_line(pl, xs, b2, ns, 0xd62728, 2, 0);
            gmdl_plot_points(pl, xs, b2, ns, 0xd62728, 1, 3);
            gmdl_plot_line(pl, xs, var, ns, 0x1f77b4, 2, 0);
            gmdl_plot_points(pl, xs, var, ns, 0x1f77b4, 1, 3);
            gmdl_plot_line(pl, xs, risk, ns, 0x000000, 2.5, 0);
            gmdl_plot_points(pl, xs, risk, ns, 0x000000, 1, 3.5);
            const double mx[2] = {sx0 / 1.2, sx1 * 1.2}, my[2] = {mhp.risk, mhp.risk};
            gmdl_plot_line(pl, mx, my, 2, 0x2ca02c, 2, 1);
            const char *labels[4] = {"bias^2", "variance", "risk", "risk of exact MH"};
            const uint32_t cols[4] = {0xd62728, 0x1f77b4, 0x000000, 0x2ca02c};
            gmdl_plot_legend(pl, labels, cols, 4);
        }
        s = gmdl_plot_save_png(pl, plot, &err);
        gmdl_plot_destroy(pl);
        if (s)
            return cli_fail("sample", s, &err);
    }
    if (OPTV(&cmd, v, "json")->i) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_int(&j, "budget", (long long)c.budget);
        json_int(&j, "repeats", (long long)c.repeats);
        json_arr_begin(&j, "exact_mean");
        json_num(&j, NULL, exact[0]);
        json_num(&j, NULL, exact[1]);
        json_arr_end(&j);
        json_arr_begin(&j, "sgld");
        for (size_t k = 0; k <= ns; k++) {
            const gmdl_risk_point *q = k < ns ? &pts[k] : &mhp;
            if (k == ns) {
                json_arr_end(&j);
                json_obj_begin(&j, "mh");
            } else {
                json_obj_begin(&j, NULL);
            }
            json_num(&j, "step", q->step);
            json_int(&j, "iters", (long long)q->iters);
            json_num(&j, "bias2", q->bias2);
            json_num(&j, "bias2_se", bias2_se(q, c.repeats));
            json_num(&j, "variance", q->variance);
            json_num(&j, "risk", q->risk);
            json_obj_end(&j);
        }
        json_num(&j, "seconds", seconds);
        json_finish(&j);
        return 0;
    }
    printf("risk of the posterior-mean estimate, budget %zu item gradients per run, %zu runs per "
           "setting, exact mean (%.5g, %.5g), %.2f s\n\n",
           c.budget, c.repeats, exact[0], exact[1], seconds);
    printf("%-10s %10s %8s %11s %10s %11s %11s\n", "sampler", "step", "steps", "bias^2",
           "+-se", "variance", "risk");
    for (size_t k = 0; k <= ns; k++) {
        const gmdl_risk_point *q = k < ns ? &pts[k] : &mhp;
        double se = bias2_se(q, c.repeats);
        printf("%-10s %10.4g %8zu %11.4g %10.2g %11.4g %11.4g%s\n", k < ns ? "sgld" : "mh (exact)",
               q->step, q->iters, q->bias2, se, q->variance, q->risk,
               q->bias2 < 3 * se ? "  (bias^2 below 3 se)" : "");
    }
    printf("\nbias^2 is unbiased (the noise of the run mean removed) and its se is an upper bound;\n"
           "risk = bias^2 + variance (1 + 1/(R-1)), all against the exact grid posterior mean\n");
    return 0;
}

int cmd_sample(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (OPTV(&cmd, v, "risk-sweep")->i)
        return risk_sweep(v);
    const char *method = OPTV(&cmd, v, "method")->s;
    static const char *const methods[] = {"mh", "mala", "hmc", "sgld", "rejection", "importance", "vi"};
    int mi = -1;
    for (int i = 0; method && i < 7; i++)
        if (strcmp(method, methods[i]) == 0)
            mi = i;
    if (mi < 0) {
        fprintf(stderr, "gmdl sample: --method must be one of mh, mala, hmc, sgld, rejection, "
                        "importance, vi%s%s%s\n",
                method ? " (got '" : "", method ? method : "", method ? "')" : "");
        return 2;
    }
    const char *est = OPTV(&cmd, v, "estimator")->s;
    int est_i = strcmp(est, "reparam") == 0          ? GMDL_VI_REPARAM
                : strcmp(est, "score") == 0          ? GMDL_VI_SCORE
                : strcmp(est, "score-baseline") == 0 ? GMDL_VI_SCORE_BASELINE
                                                     : -1;
    if (est_i < 0) {
        fprintf(stderr, "gmdl sample: --estimator must be reparam, score or score-baseline\n");
        return 2;
    }
    int threads = cli_threads(OPTV(&cmd, v, "threads")->i);
    model_handle h;
    memset(&h, 0, sizeof h);
    const gmdl_target *t = NULL;
    rc = model_open(v, &h, &t);
    if (rc) {
        model_close(&h);
        return rc;
    }
    const char *model = OPTV(&cmd, v, "model")->s;
    if (!model) { /* a user model is named by its file */
        model = OPTV(&cmd, v, "model-lib")->s;
        if (strrchr(model, '/'))
            model = strrchr(model, '/') + 1;
    }
    int mixture = strcmp(model, "sgld-mixture") == 0, logistic = strcmp(model, "logistic") == 0;
    size_t n = (size_t)OPTV(&cmd, v, "n")->i, chains = (size_t)OPTV(&cmd, v, "chains")->i;
    uint64_t seed = (uint64_t)OPTV(&cmd, v, "seed")->i;
    signal(SIGINT, on_sigint);

    gmdl_err err = {{0}};
    gmdl_status s = GMDL_OK;
    gmdl_draws d;
    memset(&d, 0, sizeof d);
    gmdl_importance_result isr = {0, 0};
    gmdl_vi_result vr;
    memset(&vr, 0, sizeof vr);
    double rej_accept = NAN, log_m = NAN;
    size_t warmup = 0;
    double t0 = cli_now();
    if (mi <= 3) {
        gmdl_mcmc_config c = gmdl_mcmc_config_default((gmdl_mcmc_method)mi);
        c.chains = chains;
        c.n_draws = n;
        c.thin = (size_t)OPTV(&cmd, v, "thin")->i;
        c.seed = seed;
        c.threads = threads;
        c.step = OPTV(&cmd, v, "step")->d;
        c.target_accept = OPTV(&cmd, v, "target-accept")->d;
        c.leapfrog = (size_t)OPTV(&cmd, v, "leapfrog")->i;
        c.init_radius = OPTV(&cmd, v, "init-radius")->d;
        c.interrupt = poll_interrupt;
        if (mi == GMDL_MCMC_SGLD) {
            c.sgld_a = OPTV(&cmd, v, "sgld-a")->set ? OPTV(&cmd, v, "sgld-a")->d
                       : mixture                    ? 0.19955
                       : logistic                   ? 1e-4
                                                    : 1e-3;
            c.sgld_b = OPTV(&cmd, v, "sgld-b")->set ? OPTV(&cmd, v, "sgld-b")->d
                       : mixture                    ? 231.07
                                                    : 1.0;
            c.sgld_gamma = OPTV(&cmd, v, "gamma")->d;
            c.batch = OPTV(&cmd, v, "batch")->set ? (size_t)OPTV(&cmd, v, "batch")->i
                      : mixture                   ? 1
                      : t->grad_batch             ? 10
                                                  : 0;
            c.precondition = (int)OPTV(&cmd, v, "precondition")->i;
        }
        c.n_warmup = OPTV(&cmd, v, "warmup")->set ? (size_t)OPTV(&cmd, v, "warmup")->i
                     : mi == GMDL_MCMC_SGLD        ? n * c.thin / 10
                                                   : n;
        warmup = c.n_warmup;
        s = gmdl_mcmc_run(&d, t, &c, &err);
    } else {
        /* rejection, importance and vi all start from a VI fit. */
        gmdl_vi_config vc = gmdl_vi_config_default();
        vc.seed = seed;
        vc.iters = (size_t)OPTV(&cmd, v, "vi-iters")->i;
        vc.lr = OPTV(&cmd, v, "vi-lr")->d;
        vc.mc = (size_t)OPTV(&cmd, v, "vi-mc")->i;
        vc.estimator = mi == 6 ? (gmdl_vi_estimator)est_i : GMDL_VI_REPARAM;
        vc.var_samples = mi == 6 ? 1000 : 0;
        s = gmdl_vi_fit(&vr, t, &vc, &err);
        if (!s && mi == 6)
            s = gmdl_vi_draws(&d, t, &vr, chains, n, seed, &err);
        if (!s && mi != 6) {
            double *sd = malloc(t->dim * sizeof(double));
            if (!sd) {
                s = GMDL_ENOMEM;
            } else {
                for (size_t j = 0; j < t->dim; j++)
                    sd[j] = OPTV(&cmd, v, "proposal-scale")->d * vr.sd[j];
                gmdl_proposal q = {vr.mean, sd, 5.0};
                if (mi == 5) {
                    s = gmdl_importance_run(&d, &isr, t, &q, n * chains, seed, &err);
                } else {
                    if (OPTV(&cmd, v, "log-m")->set) {
                        log_m = OPTV(&cmd, v, "log-m")->d;
                    } else {
                        /* Pilot: the largest log weight over 10^4 proposals, plus log 10. */
                        gmdl_draws pd;
                        gmdl_importance_result pr;
                        s = gmdl_importance_run(&pd, &pr, t, &q, 10000, seed ^ 0x5bd1e995u, &err);
                        if (!s) {
                            double wmax = 0;
                            for (size_t i = 0; i < pd.n; i++)
                                if (pd.weight[i] > wmax)
                                    wmax = pd.weight[i];
                            /* normalised weight w_i = exp(lw_i) / sum; log(sum) = log Z + log S */
                            log_m = log(wmax) + pr.log_evidence + log(10000.0) + log(10.0);
                            gmdl_draws_free(&pd);
                        }
                    }
                    if (!s)
                        s = gmdl_rejection_run(&d, &rej_accept, t, &q, log_m, n * chains,
                                               1000 * n * chains + 100000, seed, &err);
                }
                free(sd);
            }
        }
    }
    double seconds = cli_now() - t0;
    if (s) {
        rc = cli_fail("sample", s, &err);
        goto out;
    }
    /* Diagnostics per reported quantity. */
    gmdl_diag_summary *sm = calloc(d.dim, sizeof *sm);
    if (!sm) {
        rc = cli_fail("sample", GMDL_ENOMEM, NULL);
        goto out;
    }
    for (size_t j = 0; j < d.dim; j++) {
        if (mi == 5) { /* importance: weighted moments, the importance ESS for everything */
            double mean, se, var = 0;
            s = gmdl_draws_weighted_mean(&mean, &se, &d, j);
            for (size_t i = 0; !s && i < d.n; i++) {
                double e = d.x[i * d.dim + j] - mean;
                var += d.weight[i] * e * e;
            }
            sm[j] = (gmdl_diag_summary){mean, sqrt(var), isr.ess, isr.ess,
                                        (double)d.n / isr.ess, NAN, se};
        } else {
            s = gmdl_draws_summary(&sm[j], &d, j);
        }
        if (s) {
            snprintf(err.msg, sizeof err.msg, "diagnostics need at least 8 draws per chain");
            free(sm);
            rc = cli_fail("sample", s, &err);
            goto out;
        }
    }
    double acc = 0, step = 0;
    for (size_t c = 0; c < d.chains; c++) {
        acc += d.accept_rate[c] / (double)d.chains;
        step += d.step[c] / (double)d.chains;
    }
    double test_acc = NAN, test_ll = NAN;
    if (h.have_test) {
        s = gmdl_builtin_logistic_accuracy(&test_acc, &test_ll, h.builtin, &d, &h.test, &err);
        if (s) {
            free(sm);
            rc = cli_fail("sample", s, &err);
            goto out;
        }
    }
    /* The SGLD demo's check: total variation distance between the 50 x 50 histogram of all draws
     * over [-1.5, 2.5] x [-3, 3] and the exact grid posterior (ALGORITHMS.md 5.2). */
    double tv = NAN;
    if (mixture) {
        const double box[4] = {-1.5, 2.5, -3.0, 3.0};
        s = gmdl_grid_tv(&tv, t, &d, box, 50, 0, &err);
        if (s) {
            free(sm);
            rc = cli_fail("sample", s, &err);
            goto out;
        }
    }
    const char *outp = OPTV(&cmd, v, "out")->s;
    if (outp && write_csv(outp, &d)) {
        free(sm);
        rc = 1;
        goto out;
    }
    const char *plot = OPTV(&cmd, v, "plot")->s;
    if (plot) {
        char title[96];
        snprintf(title, sizeof title, "%s, %s", model, method);
        static const double demo_window[4] = {-1.5, 2.5, -3.0, 3.0}; /* ALGORITHMS.md 5.2 */
        rc = plot_draws(plot, t, &d, title, mixture ? demo_window : NULL);
        if (rc) {
            free(sm);
            goto out;
        }
    }
    if (OPTV(&cmd, v, "json")->i) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_str(&j, "model", model);
        json_str(&j, "method", method);
        json_int(&j, "chains", (long long)d.chains);
        json_int(&j, "n", (long long)d.n);
        json_int(&j, "warmup", (long long)warmup);
        json_int(&j, "seed", (long long)seed);
        json_obj_of(&j, "mean", &d, sm, offsetof(gmdl_diag_summary, mean));
        json_obj_of(&j, "sd", &d, sm, offsetof(gmdl_diag_summary, sd));
        json_obj_of(&j, "mcse", &d, sm, offsetof(gmdl_diag_summary, mcse));
        json_obj_of(&j, "ess", &d, sm, offsetof(gmdl_diag_summary, ess));
        json_obj_of(&j, "ess_bulk", &d, sm, offsetof(gmdl_diag_summary, ess_bulk));
        json_obj_of(&j, "tau", &d, sm, offsetof(gmdl_diag_summary, tau));
        json_obj_of(&j, "rhat", &d, sm, offsetof(gmdl_diag_summary, rhat));
        if (mi <= 2 || mi == 4)
            json_num(&j, "accept_rate", mi == 4 ? rej_accept : acc);
        if (mi <= 3)
            json_num(&j, "step_size", step);
        if (mi == 4)
            json_num(&j, "log_m", log_m);
        if (mi == 5) {
            json_num(&j, "log_evidence", isr.log_evidence);
            json_num(&j, "is_ess", isr.ess);
        }
        if (mi == 6) {
            json_str(&j, "estimator", est);
            json_num(&j, "elbo", vr.elbo);
            json_obj_begin(&j, "grad_variance");
            json_num(&j, "reparam", vr.var_reparam);
            json_num(&j, "score", vr.var_score);
            json_num(&j, "score_baseline", vr.var_score_baseline);
            json_obj_end(&j);
            json_num(&j, "variance_ratio", vr.var_score / vr.var_reparam);
        }
        if (mixture)
            json_num(&j, "tv_distance", tv);
        if (h.have_test) {
            json_num(&j, "test_accuracy", test_acc);
            json_num(&j, "test_log_loss", test_ll);
        }
        json_num(&j, "seconds", seconds);
        json_finish(&j);
    } else {
        printf("model %s, method %s: %zu chain%s x %zu draws", model, method, d.chains,
               d.chains == 1 ? "" : "s", d.n);
        if (mi <= 3)
            printf(" (%s %zu)", mi == 3 ? "burn-in" : "warm-up", warmup);
        printf(", %.2f s\n\n", seconds);
        printf("%-16s %12s %12s %10s %9s %8s %7s\n", "parameter", "mean", "sd", "mcse", "ess",
               "tau", "rhat");
        for (size_t k = 0; k < d.dim; k++)
            printf("%-16s %12.5g %12.5g %10.3g %9.0f %8.2f %7.4f\n", d.names[k], sm[k].mean,
                   sm[k].sd, sm[k].mcse, sm[k].ess, sm[k].tau, sm[k].rhat);
        printf("\n");
        if (mi <= 2)
            printf("acceptance rate %.3f, step size %.4g\n", acc, step);
        if (mi == 3)
            printf("final step size %.4g; means are step-size-weighted averages after burn-in\n",
                   step);
        if (mi == 4)
            printf("acceptance rate %.4g (log M %.6g)\n", rej_accept, log_m);
        if (mi == 5)
            printf("log evidence %.6g, importance ESS %.1f of %zu\n", isr.log_evidence, isr.ess,
                   d.n);
        if (mi == 6)
            printf("ELBO %.6g; gradient variance at the optimum: reparam %.4g, score %.4g "
                   "(x%.1f), score with baseline %.4g\n",
                   vr.elbo, vr.var_reparam, vr.var_score, vr.var_score / vr.var_reparam,
                   vr.var_score_baseline);
        if (mixture)
            printf("total variation distance to the exact grid posterior (50 x 50 over "
                   "[-1.5, 2.5] x [-3, 3]): %.4f\n",
                   tv);
        if (h.have_test)
            printf("test accuracy %.4f, test log loss %.4f (posterior-averaged predictions)\n",
                   test_acc, test_ll);
    }
    free(sm);
    rc = 0;
out:
    gmdl_draws_free(&d);
    gmdl_vi_result_free(&vr);
    model_close(&h);
    return rc;
}
