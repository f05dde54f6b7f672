/* Bayes-net EM benchmark and check (issue 15, acceptance 2): draws ROWS ancestral samples from a
 * net, deletes each cell with probability P, learns the CPTs back by EM (structure from the file,
 * CPTs started from the data), and reports
 *   - the largest |learned - true| over CPT rows whose parent configuration occurs at least
 *     MIN times in the complete sample,
 *   - whether the observed-data log-likelihood ever decreased,
 *   - that learning from the complete sample gives exactly the count frequencies,
 *   - that the learned net written as BIF reads back equal (CPTs to an ulp: the reader
 *     renormalises each row),
 *   - the seconds EM took (parsing and sampling excluded) with T threads.
 * Exits 1 when a check fails, when the difference exceeds --max-diff, or the time --max-s.
 *
 *   em_bench NET.bif [--rows N] [--missing P] [--seed S] [--threads T] [--min-count MIN]
 *            [--max-diff D] [--max-s X] [--tol T (then up to 1000 iterations)] [--out FILE]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gmdl/gmdl.h"

static double cpu_now(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Parent configuration (declared order, last fastest) of node v in a complete row. */
static size_t config(const gmdl_bn *bn, size_t v, const int32_t *row) {
    size_t j = 0;
    for (size_t p = 0; p < gmdl_bn_nparents(bn, v); p++) {
        uint32_t u = gmdl_bn_parents(bn, v)[p];
        j = j * gmdl_bn_card(bn, u) + (size_t)row[u];
    }
    return j;
}

static size_t nrows_cpt(const gmdl_bn *bn, size_t v) {
    size_t r = 1;
    for (size_t p = 0; p < gmdl_bn_nparents(bn, v); p++)
        r *= gmdl_bn_card(bn, gmdl_bn_parents(bn, v)[p]);
    return r;
}

/* The worst entry of max_diff_rows: its row's count in the complete sample and the difference in
 * units of that row's binomial standard error sqrt(p (1 - p) / n) at the reference value p. */
static size_t worst_n;
static double worst_z;

/* The largest |b - truth| over CPT rows whose parent configuration occurs at least min_count
 * times in the complete sample; *worst names the node. */
static double max_diff_rows(const gmdl_bn *truth,
                            const gmdl_bn *b,
                            const gmdl_bn_data *full,
                            size_t min_count,
                            size_t *checked,
                            size_t *worst) {
    size_t V = gmdl_bn_nvars(truth);
    double diff = 0.0;
    *checked = 0;
    for (size_t v = 0; v < V; v++) {
        size_t r = gmdl_bn_card(truth, v), m = nrows_cpt(truth, v);
        size_t *cnt = calloc(m, sizeof *cnt);
        for (size_t i = 0; i < full->nrows; i++)
            cnt[config(truth, v, full->x + i * V)]++;
        for (size_t j = 0; j < m; j++) {
            if (cnt[j] < min_count)
                continue;
            (*checked)++;
            for (size_t x = 0; x < r; x++) {
                double t = gmdl_bn_cpt(truth, v)[j * r + x];
                double e = fabs(gmdl_bn_cpt(b, v)[j * r + x] - t);
                if (e > diff) {
                    diff = e, *worst = v, worst_n = cnt[j];
                    worst_z = t > 0.0 && t < 1.0 ? e / sqrt(t * (1.0 - t) / (double)cnt[j]) : 0.0;
                }
            }
        }
        free(cnt);
    }
    return diff;
}

/* Complete data: the learned CPTs must be the count frequencies exactly (bitwise). *diff: the
 * complete-data estimate's own distance to the truth (sampling error alone). */
static int check_complete(gmdl_bn **estimate,
                          const gmdl_bn *truth,
                          const gmdl_bn_data *full,
                          const char *path,
                          size_t min_count,
                          double *diff) {
    gmdl_bn *b;
    gmdl_err err = {{0}};
    gmdl_bn_learn_stats st;
    gmdl_bn_learn_config cfg = gmdl_bn_learn_config_default();
    if (gmdl_bn_read_bif(&b, path, &err) || gmdl_bn_learn(b, &st, full, &cfg, &err)) {
        fprintf(stderr, "em_bench: %s\n", err.msg);
        return 0;
    }
    int ok = st.iterations == 1 && !st.em;
    for (size_t v = 0; v < gmdl_bn_nvars(truth); v++) {
        size_t r = gmdl_bn_card(truth, v), m = nrows_cpt(truth, v);
        double *n = calloc(m * r, sizeof *n);
        for (size_t i = 0; i < full->nrows; i++) {
            const int32_t *row = full->x + i * full->nvars;
            n[config(truth, v, row) * r + (size_t)row[v]] += 1.0;
        }
        for (size_t j = 0; j < m; j++) {
            double tot = 0.0;
            for (size_t x = 0; x < r; x++)
                tot += n[j * r + x];
            for (size_t x = 0; x < r; x++) {
                double want = tot > 0.0 ? n[j * r + x] / tot : 1.0 / (double)r;
                ok &= gmdl_bn_cpt(b, v)[j * r + x] == want;
            }
        }
        free(n);
    }
    size_t checked, worst = 0;
    *diff = max_diff_rows(truth, b, full, min_count, &checked, &worst);
    gmdl_bn_learn_stats_fini(&st);
    *estimate = b;
    return ok;
}

/* Writes b, reads it back and compares names, states and parents exactly, CPTs to 4e-16: the
 * values are written with 17 digits (exact), but the reader divides each row by its sum, which
 * moves an entry by an ulp when the row's floating-point sum is not exactly 1. */
static int check_roundtrip(const gmdl_bn *b, const char *out) {
    gmdl_err err = {{0}};
    gmdl_bn *c;
    if (gmdl_bn_write_bif(out, b, &err) || gmdl_bn_read_bif(&c, out, &err)) {
        fprintf(stderr, "em_bench: %s\n", err.msg);
        return 0;
    }
    int ok = gmdl_bn_nvars(c) == gmdl_bn_nvars(b);
    for (size_t v = 0; ok && v < gmdl_bn_nvars(b); v++) {
        ok &= strcmp(gmdl_bn_name(b, v), gmdl_bn_name(c, v)) == 0 &&
              gmdl_bn_card(b, v) == gmdl_bn_card(c, v) &&
              gmdl_bn_nparents(b, v) == gmdl_bn_nparents(c, v);
        for (size_t p = 0; ok && p < gmdl_bn_nparents(b, v); p++)
            ok &= gmdl_bn_parents(b, v)[p] == gmdl_bn_parents(c, v)[p];
        for (uint32_t x = 0; ok && x < gmdl_bn_card(b, v); x++)
            ok &= strcmp(gmdl_bn_state_name(b, v, x), gmdl_bn_state_name(c, v, x)) == 0;
        for (size_t i = 0; ok && i < nrows_cpt(b, v) * gmdl_bn_card(b, v); i++)
            ok &= fabs(gmdl_bn_cpt(b, v)[i] - gmdl_bn_cpt(c, v)[i]) <= 4e-16;
    }
    gmdl_bn_destroy(c);
    return ok;
}

int main(int argc, char **argv) {
    const char *net = NULL, *out = "em_bench_learned.bif";
    size_t rows = 20000, min_count = 200;
    double miss = 0.2, max_diff = 0.05, max_s = 0.0, tol = -1.0;
    unsigned long long seed = 1;
    int threads = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--rows") && v)
            rows = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--missing") && v)
            miss = strtod(argv[++i], NULL);
        else if (!strcmp(a, "--seed") && v)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--threads") && v)
            threads = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(a, "--min-count") && v)
            min_count = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--max-diff") && v)
            max_diff = strtod(argv[++i], NULL);
        else if (!strcmp(a, "--tol") && v)
            tol = strtod(argv[++i], NULL);
        else if (!strcmp(a, "--max-s") && v)
            max_s = strtod(argv[++i], NULL);
        else if (!strcmp(a, "--out") && v)
            out = argv[++i];
        else if (a[0] != '-' && !net)
            net = a;
        else {
            fprintf(stderr, "usage: em_bench NET.bif [--rows N] [--missing P] [--seed S] "
                            "[--threads T] [--min-count MIN] [--max-diff D] [--max-s X] "
                            "[--tol T] [--out FILE]\n");
            return 2;
        }
    }
    if (!net) {
        fprintf(stderr, "em_bench: no network\n");
        return 2;
    }
#ifdef _OPENMP
    omp_set_num_threads(threads);
#endif
    gmdl_err err = {{0}};
    gmdl_bn *truth, *b;
    if (gmdl_bn_read_bif(&truth, net, &err) || gmdl_bn_read_bif(&b, net, &err)) {
        fprintf(stderr, "em_bench: %s\n", err.msg);
        return 1;
    }
    size_t V = gmdl_bn_nvars(truth);
    uint32_t *s = malloc(rows * V * sizeof *s);
    gmdl_bn_data full, data;
    if (gmdl_bn_sample(s, truth, rows, seed, 0, &err) || gmdl_bn_data_init(&full, rows, V, &err) ||
        gmdl_bn_data_init(&data, rows, V, &err)) {
        fprintf(stderr, "em_bench: %s\n", err.msg);
        return 1;
    }
    gmdl_rng rng;
    gmdl_rng_derive(&rng, seed, GMDL_RNG_DATA_SYNTH, 0);
    for (size_t i = 0; i < rows * V; i++) {
        full.x[i] = (int32_t)s[i];
        data.x[i] = gmdl_rng_uniform(&rng) < miss ? -1 : (int32_t)s[i];
    }
    gmdl_bn_learn_config cfg = gmdl_bn_learn_config_default();
    if (tol >= 0.0) {
        cfg.tol = tol;
        cfg.max_iter = 1000;
    }
    gmdl_bn_learn_stats st;
    double t0 = now(), c0 = cpu_now();
    if (gmdl_bn_learn(b, &st, &data, &cfg, &err)) {
        fprintf(stderr, "em_bench: %s\n", err.msg);
        return 1;
    }
    double secs = now() - t0, cpu = cpu_now() - c0;
    int mono = 1;
    for (size_t i = 1; i < st.iterations; i++)
        mono &= st.loglik[i] >= st.loglik[i - 1];
    size_t rows_checked = 0, worst = 0;
    double diff = max_diff_rows(truth, b, &full, min_count, &rows_checked, &worst), cdiff = 0.0;
    size_t wn = worst_n;
    double wz = worst_z;
    gmdl_bn *cb = NULL;
    int complete = check_complete(&cb, truth, &full, net, min_count, &cdiff);
    int round = check_roundtrip(b, out);
    printf("net %s rows %zu missing_cells %zu (%.4f) distinct %zu threads %d seed %llu\n", net,
           rows, st.missing_cells, (double)st.missing_cells / (double)(rows * V), st.distinct,
           threads, seed);
    printf("em iterations %zu loglik first %.6f last %.6f never_decreasing %s\n", st.iterations,
           st.loglik[0], st.loglik[st.iterations - 1], mono ? "yes" : "NO");
    printf("max_abs_diff %.6f (node %s) over %zu CPT rows with >= %zu samples; complete-data "
           "estimate: %.6f\n",
           diff, gmdl_bn_name(truth, worst), rows_checked, min_count, cdiff);
    printf("  worst entry: its row has %zu samples; difference = %.2f binomial standard errors "
           "sqrt(p(1-p)/n) of the true p\n",
           wn, wz);
    if (cb) { /* EM against the complete-data estimate from the same rows: the missing cells' cost
               */
        size_t ck, wv = 0;
        double d = max_diff_rows(cb, b, &full, min_count, &ck, &wv);
        printf("  EM vs the complete-data estimate (same rows): max_abs_diff %.6f (node %s), "
               "%.2f standard errors\n",
               d, gmdl_bn_name(truth, wv), worst_z);
        gmdl_bn_destroy(cb);
    }
    const size_t mult[2] = {2, 5}; /* the same at stricter thresholds, for the report */
    for (int q = 0; q < 2; q++) {
        size_t ck, wv = 0, t = mult[q] * min_count;
        double dt = max_diff_rows(truth, b, &full, t, &ck, &wv);
        printf("  at >= %zu samples: max_abs_diff %.6f (node %s) over %zu rows\n", t, dt,
               gmdl_bn_name(truth, wv), ck);
    }
    printf("complete_data_equals_frequencies %s\nbif_roundtrip_equal %s\nem_seconds %.3f wall, "
           "%.3f cpu (all threads)\n",
           complete ? "yes" : "NO", round ? "yes" : "NO", secs, cpu);
    int ok = mono && complete && round && diff <= max_diff && (max_s <= 0.0 || secs <= max_s);
    gmdl_bn_learn_stats_fini(&st);
    gmdl_bn_data_fini(&full);
    gmdl_bn_data_fini(&data);
    gmdl_bn_destroy(b);
    gmdl_bn_destroy(truth);
    free(s);
    return ok ? 0 : 1;
}
