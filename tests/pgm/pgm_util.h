/* Helpers shared by the pgm tests: data paths and brute-force enumeration. */
#ifndef GMDL_TEST_PGM_UTIL_H
#define GMDL_TEST_PGM_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmdl/pgm.h"
#include "gmdl/rng.h"

/* $GMDL_SOURCE_DIR/tests/data/<rel> (the copies of tests/data/SOURCE.md). */
static inline const char *data_path(const char *rel) {
    static char buf[8][1024];
    static int k;
    const char *src = getenv("GMDL_SOURCE_DIR");
    char *b = buf[k++ % 8];
    snprintf(b, 1024, "%s/tests/data/%s", src ? src : ".", rel);
    return b;
}

/* $GMDL_SOURCE_DIR/tests/pgm/fixtures/<rel> */
static inline const char *fixture_path(const char *rel) {
    static char buf[8][1024];
    static int k;
    const char *src = getenv("GMDL_SOURCE_DIR");
    char *b = buf[k++ % 8];
    snprintf(b, 1024, "%s/tests/pgm/fixtures/%s", src ? src : ".", rel);
    return b;
}

/* Brute force over all joint states of a Bayes net: marg (marginal_size entries) = P(x_v | e)
 * for every v; returns P(e). Uses only gmdl_bn_log_prob. */
static inline double bn_brute(const gmdl_bn *bn, const int32_t *ev, double *marg) {
    size_t V = gmdl_bn_nvars(bn), M = gmdl_bn_marginal_size(bn);
    uint32_t *x = calloc(V, sizeof *x);
    size_t *off = calloc(V, sizeof *off);
    for (size_t v = 1; v < V; v++)
        off[v] = off[v - 1] + gmdl_bn_card(bn, v - 1);
    for (size_t i = 0; i < M; i++)
        marg[i] = 0.0;
    for (size_t v = 0; v < V; v++)
        if (ev && ev[v] >= 0)
            x[v] = (uint32_t)ev[v];
    double pe = 0.0;
    for (;;) {
        double p = exp(gmdl_bn_log_prob(bn, x));
        pe += p;
        for (size_t v = 0; v < V; v++)
            marg[off[v] + x[v]] += p;
        size_t v = V;
        while (v-- > 0) {
            if (ev && ev[v] >= 0)
                continue;
            if (++x[v] < gmdl_bn_card(bn, v))
                break;
            x[v] = 0;
        }
        if (v == (size_t)-1)
            break;
    }
    if (pe > 0)
        for (size_t i = 0; i < M; i++)
            marg[i] /= pe;
    free(x);
    free(off);
    return pe;
}

#endif
