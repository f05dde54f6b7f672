/* Exact-inference timing benchmark: every single-node posterior query of a Bayes net (alarm by
 * default), with no evidence and with random evidence, by the junction tree (gmdl_bn_query,
 * method exact) and by variable elimination, timed inside the process (file parsing excluded).
 * Each query is repeated --reps times and its fastest run kept; prints the median and the slowest
 * query, and the slowest raw run. With --max-ms X exits 1 when the slowest query (best of its
 * runs) takes longer than X milliseconds. Exits 1 also when a query fails, when JT and VE differ
 * by more than 1e-9 on any probability (NaN counts as a difference) or when a JT distribution
 * does not sum to 1 within 1e-9: the ctest pgm_bench_alarm runs it for these checks alone.
 *
 *   pgm_bench NET.bif [--reps N] [--max-ms X] [--uai FILE.uai ...]
 */
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

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s NET.bif [--reps N] [--max-ms X] [--uai FILE.uai ...]\n",
                argv[0]);
        return 2;
    }
    int reps = 10;
    double max_ms = 0.0;
    int uai_from = argc;
    for (int a = 2; a < argc; a++) {
        if (strcmp(argv[a], "--reps") == 0 && a + 1 < argc)
            reps = (int)strtol(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--max-ms") == 0 && a + 1 < argc)
            max_ms = strtod(argv[++a], NULL);
        else if (strcmp(argv[a], "--uai") == 0) {
            uai_from = a + 1;
            break;
        }
    }
    if (reps < 1)
        reps = 1;
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    gmdl_status s = gmdl_bn_read_bif(&bn, argv[1], &err);
    if (s) {
        fprintf(stderr, "pgm_bench: %s\n", err.msg);
        return 2;
    }
    size_t V = gmdl_bn_nvars(bn);
    int32_t *ev = malloc(V * sizeof *ev);
    /* Six evidence sets (none, then five of three random nodes); every node as the target; each
     * query repeated `reps` times, keeping its fastest run (the query's own cost, free of
     * scheduler noise) and also the slowest raw run. */
    size_t nsets = 6, nq = nsets * V;
    double *t_jt = malloc(nq * sizeof *t_jt), *t_ve = malloc(nq * sizeof *t_ve);
    double raw_max = 0.0;
    size_t n = 0;
    gmdl_rng rng;
    gmdl_rng_seed(&rng, 1, 1);
    double p[64], q[64], worst_diff = 0.0, worst_sum = 0.0;
    for (size_t set = 0; set < nsets; set++) {
        for (;;) { /* evidence with positive probability */
            for (size_t v = 0; v < V; v++)
                ev[v] = -1;
            if (set > 0)
                for (int k = 0; k < 3; k++) {
                    uint32_t v = gmdl_rng_bounded(&rng, (uint32_t)V);
                    ev[v] = (int32_t)gmdl_rng_bounded(&rng, gmdl_bn_card(bn, v));
                }
            gmdl_query_config c = gmdl_query_config_default();
            if (gmdl_bn_query(p, NULL, bn, 0, ev, &c, &err) == GMDL_OK)
                break;
        }
        for (uint32_t t = 0; t < V; t++) {
            double best_jt = INFINITY, best_ve = INFINITY;
            for (int r = 0; r < reps; r++) {
                gmdl_query_config c = gmdl_query_config_default();
                double t0 = now();
                s = gmdl_bn_query(p, NULL, bn, t, ev, &c, &err);
                double t1 = now();
                c.method = GMDL_QUERY_VE;
                if (!s)
                    s = gmdl_bn_query(q, NULL, bn, t, ev, &c, &err);
                double t2 = now();
                if (s) {
                    fprintf(stderr, "pgm_bench: %s\n", err.msg);
                    return 1;
                }
                double sum = 0.0;
                for (uint32_t x = 0; x < gmdl_bn_card(bn, t); x++) {
                    double d = fabs(p[x] - q[x]);
                    if (!(d <= worst_diff)) /* NaN is a difference too */
                        worst_diff = isnan(d) ? (double)INFINITY : d;
                    sum += p[x];
                }
                if (!(fabs(sum - 1.0) <= worst_sum))
                    worst_sum = isnan(sum) ? (double)INFINITY : fabs(sum - 1.0);
                best_jt = fmin(best_jt, (t1 - t0) * 1e3);
                best_ve = fmin(best_ve, (t2 - t1) * 1e3);
                raw_max = fmax(raw_max, (t1 - t0) * 1e3);
            }
            t_jt[n] = best_jt;
            t_ve[n++] = best_ve;
        }
    }
    qsort(t_jt, n, sizeof *t_jt, cmp);
    qsort(t_ve, n, sizeof *t_ve, cmp);
    printf("%s: %zu exact queries (%zu nodes x 6 evidence sets, best of %d runs each)\n", argv[1],
           n, V, reps);
    printf("  junction tree       : median %.3f ms, slowest query %.3f ms (slowest raw run "
           "%.3f ms)\n",
           t_jt[n / 2], t_jt[n - 1], raw_max);
    printf("  variable elimination: median %.3f ms, slowest query %.3f ms\n", t_ve[n / 2],
           t_ve[n - 1]);
    printf("  max |JT - VE| = %.3g, max |sum of a JT distribution - 1| = %.3g\n", worst_diff,
           worst_sum);
    int rc = 0;
    if (max_ms > 0 && t_jt[n - 1] > max_ms) {
        fprintf(stderr, "pgm_bench: slowest exact query %.3f ms exceeds %.3f ms\n", t_jt[n - 1],
                max_ms);
        rc = 1;
    }
    if (!(worst_diff <= 1e-9 && worst_sum <= 1e-9)) {
        fprintf(stderr, "pgm_bench: exact answers disagree (JT vs VE %.3g, sum %.3g; limit 1e-9)\n",
                worst_diff, worst_sum);
        rc = 1;
    }
    free(ev);
    free(t_jt);
    free(t_ve);
    gmdl_bn_destroy(bn);
    /* UAI instances: exact log10 Z and all marginals, timed */
    for (int a = uai_from; a < argc; a++) {
        gmdl_mrf *m = NULL;
        if ((s = gmdl_mrf_read_uai(&m, argv[a], &err))) {
            fprintf(stderr, "pgm_bench: %s\n", err.msg);
            return 2;
        }
        char ep[4096];
        snprintf(ep, sizeof ep, "%s.evid", argv[a]);
        int32_t *e = malloc(gmdl_mrf_nvars(m) * sizeof *e);
        FILE *f = fopen(ep, "r");
        if (f) {
            fclose(f);
            if ((s = gmdl_mrf_read_evid(e, m, ep, &err))) {
                fprintf(stderr, "pgm_bench: %s\n", err.msg);
                return 2;
            }
        } else
            for (size_t v = 0; v < gmdl_mrf_nvars(m); v++)
                e[v] = -1;
        double *mar = malloc(gmdl_mrf_marginal_size(m) * sizeof *mar), lz;
        gmdl_exact_stats st;
        double t0 = now();
        s = gmdl_mrf_exact(&lz, mar, &st, m, e, NULL, &err);
        double t1 = now();
        if (s)
            fprintf(stderr, "pgm_bench: %s\n", err.msg);
        else
            printf("%s: log10 Z %.6f, largest clique %zu vars, %zu cliques, %.3f s\n", argv[a],
                   lz / log(10.0), st.max_clique_vars, st.ncliques, t1 - t0);
        free(e);
        free(mar);
        gmdl_mrf_destroy(m);
    }
    return rc;
}
