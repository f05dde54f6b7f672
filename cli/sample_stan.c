/* Draws as Stan's CSV (CmdStan's output.csv, what ArviZ's from_cmdstan and cmdstanpy read):
 * '#' comment lines with the run's settings and the adapted step size, a header row of the
 * sampler columns lp__, accept_stat__, stepsize__, treedepth__, n_leapfrog__, divergent__,
 * energy__ and the parameters with Stan's CSV names (theta[1] becomes theta.1, beta[2,3]
 * beta.2.3), then one row per kept draw. One file per chain as CmdStan writes them, each written
 * to PATH.tmp.<pid> and renamed over PATH, so a reader never sees half a file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sample.h"

static const char *const stat_names[GMDL_STAT_COUNT] = {
    "lp__",         "accept_stat__", "stepsize__", "treedepth__",
    "n_leapfrog__", "divergent__",   "energy__"};

/* Stan's CSV name of a parameter: brackets become dots, commas dots, spaces dropped. */
static void stan_name(FILE *f, const char *name) {
    for (const char *p = name; *p; p++) {
        if (*p == '[' || *p == ',')
            fputc('.', f);
        else if (*p != ']' && *p != ' ')
            fputc(*p, f);
    }
}

/* chain c's file name: path itself for one chain, else path with _c before the extension. */
static void chain_path(char *out, size_t cap, const char *path, size_t c, size_t chains) {
    if (chains == 1) {
        snprintf(out, cap, "%s", path);
        return;
    }
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash))
        snprintf(out, cap, "%s_%zu", path, c + 1);
    else
        snprintf(out, cap, "%.*s_%zu%s", (int)(dot - path), path, c + 1, dot);
}

static void write_chain(FILE *f, const sample_run *r, size_t c) {
    const gmdl_draws *d = &r->d;
    fprintf(f, "# model = %s\n# method = sample (algorithm = %s)\n", r->model, r->method);
    fprintf(f, "# num_samples = %zu\n# num_warmup = %zu\n# seed = %llu\n# chain_id = %zu\n", d->n,
            r->warmup, (unsigned long long)r->seed, c + 1);
    if (r->mi == SAMPLE_NUTS)
        fprintf(f, "# max_depth = %zu\n", r->max_depth);
    for (int k = 0; k < GMDL_STAT_COUNT; k++)
        fprintf(f, "%s%s", k ? "," : "", stat_names[k]);
    for (size_t j = 0; j < d->dim; j++) {
        fputc(',', f);
        stan_name(f, d->names[j]);
    }
    fprintf(f, "\n# Adaptation terminated\n# Step size = %.17g\n", d->step[c]);
    for (size_t i = 0; i < d->n; i++) {
        const double *st = d->stats + (c * d->n + i) * GMDL_STAT_COUNT;
        const double *x = d->x + (c * d->n + i) * d->dim;
        for (int k = 0; k < GMDL_STAT_COUNT; k++) {
            if (k == GMDL_STAT_TREEDEPTH || k == GMDL_STAT_LEAPFROG || k == GMDL_STAT_DIVERGENT)
                fprintf(f, ",%.0f", st[k]);
            else
                fprintf(f, "%s%.17g", k ? "," : "", st[k]);
        }
        for (size_t j = 0; j < d->dim; j++)
            fprintf(f, ",%.17g", x[j]);
        fputc('\n', f);
    }
}

int sample_write_stan(const char *path, const sample_run *r) {
    const gmdl_draws *d = &r->d;
    if (!d->stats) {
        fprintf(stderr,
                "gmdl sample: --out-format stan needs sampler statistics: use --method nuts, hmc, "
                "mala or mh\n");
        return 2;
    }
    for (size_t c = 0; c < d->chains; c++) {
        char file[4096], tmp[4200];
        chain_path(file, sizeof file, path, c, d->chains);
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", file, (long)getpid());
        FILE *f = fopen(tmp, "w");
        if (!f) {
            fprintf(stderr, "gmdl sample: cannot write %s: %s\n", tmp, strerror(errno));
            return 1;
        }
        write_chain(f, r, c);
        int bad = ferror(f);
        bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
        if (fclose(f) != 0 || bad || rename(tmp, file) != 0) {
            fprintf(stderr, "gmdl sample: error writing %s: %s\n", file, strerror(errno));
            unlink(tmp);
            return 1;
        }
    }
    return 0;
}
