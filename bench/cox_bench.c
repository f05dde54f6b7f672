/* Timing of the survival kernels at n = 10^4 .. 10^6 rows: the Cox partial likelihood with its
 * gradient (Efron and Breslow ties) and Harrell's C-index, both O(n log n) (one sort by time, then
 * running sums or a Fenwick tree). Prints seconds and seconds / (n log2 n) per size; a flat last
 * column is the O(n log n) evidence (an O(n^2) method would grow 10x per row). The naive O(n^2)
 * pair count runs at the smallest size for contrast. Optionally writes a CSV of the largest size
 * (--csv FILE) for timing `gmdl cox` end to end.
 *   cox_bench [--max-n N] [--reps R] [--csv FILE] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gmdl/gmdl.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Exponential times with risk x0 + 0.5 x1, rounded to whole days (many ties), ~30% censored. */
static void make_data(size_t n, double *x, double *t, uint8_t *e, double *eta) {
    gmdl_rng r;
    gmdl_rng_seed(&r, 42, 1);
    for (size_t i = 0; i < n; i++) {
        x[2 * i] = gmdl_rng_normal(&r);
        x[2 * i + 1] = gmdl_rng_normal(&r);
        eta[i] = x[2 * i] + 0.5 * x[2 * i + 1];
        double ev = -log(1.0 - gmdl_rng_uniform(&r)) * 365.0 / exp(eta[i]);
        double cens = -log(1.0 - gmdl_rng_uniform(&r)) * 365.0 * 2.0;
        t[i] = ceil(ev < cens ? ev : cens);
        e[i] = ev < cens;
    }
}

static double naive_c(size_t n, const double *t, const uint8_t *e, const double *eta) {
    double conc = 0, comp = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; e[i] && j < n; j++)
            if (t[i] < t[j] || (t[i] == t[j] && !e[j])) {
                comp++;
                conc += eta[i] > eta[j] ? 1.0 : eta[i] == eta[j] ? 0.5 : 0.0;
            }
    return conc / comp;
}

static int
write_csv(const char *path, size_t n, const double *x, const double *t, const uint8_t *e) {
    FILE *f = fopen(path, "w");
    if (!f)
        return 1;
    fprintf(f, "time,event,x0,x1\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%.0f,%u,%.6f,%.6f\n", t[i], (unsigned)e[i], x[2 * i], x[2 * i + 1]);
    return fclose(f) != 0;
}

int main(int argc, char **argv) {
    size_t max_n = 1000000;
    int reps = 3;
    const char *csv = NULL;
    for (int a = 1; a + 1 < argc; a += 2) {
        if (!strcmp(argv[a], "--max-n"))
            max_n = (size_t)strtod(argv[a + 1], NULL);
        else if (!strcmp(argv[a], "--reps"))
            reps = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "--csv"))
            csv = argv[a + 1];
    }
    double *x = malloc(2 * max_n * sizeof *x), *t = malloc(max_n * sizeof *t);
    double *eta = malloc(max_n * sizeof *eta), *g = malloc(max_n * sizeof *g);
    uint8_t *e = malloc(max_n);
    if (!x || !t || !eta || !g || !e || reps < 1)
        return 1;
    make_data(max_n, x, t, e, eta);
    gmdl_err err = {{0}};
    printf("%9s %-22s %10s %14s %10s\n", "n", "kernel", "seconds", "ns/(n log2 n)", "value");
    for (size_t n = 10000; n <= max_n; n *= 10) {
        double nl = (double)n * log2((double)n);
        for (int k = 0; k < 3; k++) {
            const char *name = k == 0   ? "loglik+grad efron"
                               : k == 1 ? "loglik+grad breslow"
                                        : "C-index";
            double best = INFINITY, val = 0;
            for (int r = 0; r < reps; r++) {
                double t0 = now();
                gmdl_status s;
                if (k < 2)
                    s = gmdl_cox_loglik(&val, g, t, e, eta, n,
                                        k ? GMDL_TIES_BRESLOW : GMDL_TIES_EFRON, &err);
                else {
                    gmdl_concordance c;
                    s = gmdl_cindex(&c, t, e, eta, n, &err);
                    val = c.c;
                }
                if (s) {
                    fprintf(stderr, "cox_bench: %s\n", err.msg);
                    return 1;
                }
                double dt = now() - t0;
                best = dt < best ? dt : best;
            }
            printf("%9zu %-22s %10.4f %14.2f %10.6g\n", n, name, best, 1e9 * best / nl, val);
        }
        if (n == 10000) {
            double t0 = now(), c = naive_c(n, t, e, eta);
            printf("%9zu %-22s %10.4f %14.2f %10.6g\n", n, "C-index naive O(n^2)", now() - t0,
                   1e9 * (now() - t0) / nl, c);
        }
    }
    if (csv && write_csv(csv, max_n, x, t, e))
        return 1;
    free(x);
    free(t);
    free(eta);
    free(g);
    free(e);
    return 0;
}
