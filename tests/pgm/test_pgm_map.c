/* MPE and MAP against brute force (random small MRFs with evidence, the small BIF nets), the
 * junction tree's max-product against sum-max elimination on the UAI instances of tests/data,
 * and the multi-target queries: --all's one calibration against per-node queries (alarm, child,
 * sachs, to 1e-12), the joint query against brute force, a batch against row-by-row answers. */
#include "gmdl/core.h"
#include "harness.h"
#include "pgm_util.h"

/* Brute force over the free variables: the largest log of the product of the factors (MPE) or,
 * with query, the largest over the query variables of the log of its sum over the rest. */
static double mrf_brute_map(const gmdl_mrf *m, const int32_t *ev, const uint8_t *query) {
    size_t V = gmdl_mrf_nvars(m);
    uint32_t *x = calloc(V, sizeof *x);
    size_t nq = 1;
    for (size_t v = 0; v < V; v++) {
        if (ev && ev[v] >= 0)
            x[v] = (uint32_t)ev[v];
        if (query && query[v])
            nq *= gmdl_mrf_card(m, v);
    }
    /* sums[q] accumulates exp(log potential) per query configuration (MPE: max directly) */
    double *sums = calloc(nq, sizeof *sums), best = -(double)INFINITY;
    for (;;) {
        double lp = gmdl_mrf_log_potential(m, x);
        if (!query)
            best = lp > best ? lp : best;
        else {
            size_t q = 0;
            for (size_t v = 0; v < V; v++)
                if (query[v])
                    q = q * gmdl_mrf_card(m, v) + x[v];
            sums[q] += exp(lp);
        }
        size_t v = V;
        while (v-- > 0) {
            if (ev && ev[v] >= 0)
                continue;
            if (++x[v] < gmdl_mrf_card(m, v))
                break;
            x[v] = 0;
        }
        if (v == (size_t)-1)
            break;
    }
    for (size_t q = 0; query && q < nq; q++)
        best = log(sums[q]) > best ? log(sums[q]) : best;
    free(x);
    free(sums);
    return best;
}

/* A random MRF of n variables (cards 2-3) with pairwise and triple factors, some zeros. */
static gmdl_mrf *random_mrf(gmdl_rng *r, size_t n) {
    uint32_t card[16];
    for (size_t v = 0; v < n; v++)
        card[v] = 2 + gmdl_rng_bounded(r, 2);
    gmdl_mrf *m = NULL;
    gmdl_err err = {{0}};
    REQUIRE_OK(gmdl_mrf_create(&m, n, card, &err));
    for (size_t f = 0; f < n + 3; f++) {
        uint32_t sc[3];
        size_t k = 2 + gmdl_rng_bounded(r, 2), size = 1;
        sc[0] = gmdl_rng_bounded(r, (uint32_t)n);
        for (size_t i = 1; i < k; i++) {
            sc[i] = (sc[i - 1] + 1 + gmdl_rng_bounded(r, (uint32_t)n - 1)) % (uint32_t)n;
            for (size_t j = 0; j < i; j++)
                if (sc[j] == sc[i])
                    k = i; /* a repeat ends the scope there */
        }
        for (size_t i = 0; i < k; i++)
            size *= card[sc[i]];
        double vals[27];
        for (size_t i = 0; i < size; i++)
            vals[i] = gmdl_rng_uniform(r) < 0.1 ? 0.0 : 0.05 + gmdl_rng_uniform(r);
        REQUIRE_OK(gmdl_mrf_add_factor(m, k, sc, vals, &err));
    }
    return m;
}

static void check_random(void) {
    gmdl_rng r;
    gmdl_rng_seed(&r, th_seed(11), 2);
    double worst = 0.0;
    int solved = 0;
    for (int t = 0; t < 60; t++) {
        size_t n = 5 + gmdl_rng_bounded(&r, 6), V = n;
        gmdl_mrf *m = random_mrf(&r, n);
        int32_t ev[16];
        uint8_t query[16];
        uint32_t x[16];
        for (size_t v = 0; v < V; v++) {
            ev[v] = gmdl_rng_uniform(&r) < 0.2 ? (int32_t)gmdl_rng_bounded(&r, gmdl_mrf_card(m, v))
                                               : -1;
            query[v] = ev[v] < 0 && gmdl_rng_uniform(&r) < 0.4;
        }
        int anyq = 0;
        for (size_t v = 0; v < V; v++)
            anyq |= query[v];
        double ref = mrf_brute_map(m, ev, NULL);
        for (int meth = 0; meth < 2; meth++) {
            gmdl_err err = {{0}};
            double lv = 0.0;
            gmdl_status s =
                gmdl_mrf_map(x, &lv, m, ev, NULL, meth ? GMDL_MAP_VE : GMDL_MAP_JT, NULL, &err);
            if (ref == -(double)INFINITY) {
                CHECK_STATUS(s, GMDL_EINVAL);
                continue;
            }
            CHECK_OK(s);
            for (size_t v = 0; v < V; v++)
                if (ev[v] >= 0)
                    CHECK_EQ(x[v], (uint32_t)ev[v]);
            CHECK_NEAR(lv, gmdl_mrf_log_potential(m, x), 1e-12, 0.0);
            worst = fmax(worst, fabs(lv - ref));
            solved++;
            if (!anyq)
                continue;
            double mref = mrf_brute_map(m, ev, query);
            CHECK_OK(
                gmdl_mrf_map(x, &lv, m, ev, query, meth ? GMDL_MAP_VE : GMDL_MAP_JT, NULL, &err));
            worst = fmax(worst, fabs(lv - mref));
            for (size_t v = 0; v < V; v++)
                CHECK(query[v]     ? x[v] < gmdl_mrf_card(m, v)
                      : ev[v] >= 0 ? x[v] == (uint32_t)ev[v]
                                   : x[v] == UINT32_MAX);
        }
        gmdl_mrf_destroy(m);
    }
    printf("random MRFs: %d MPE/MAP answers, largest |log value - brute force| %.3g\n", solved,
           worst);
    CHECK(solved > 60);
    CHECK(worst < 1e-9);
}

/* MPE of the small nets: log P(x*, e) equals the brute-force maximum of the joint. */
static void check_small_nets(void) {
    static const char *nets[] = {"bif/asia.bif", "bif/cancer.bif", "bif/earthquake.bif",
                                 "bif/survey.bif", "bif/sachs.bif"};
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        gmdl_err err = {{0}};
        gmdl_bn *bn = NULL;
        gmdl_mrf *m = NULL;
        REQUIRE_OK(gmdl_bn_read(&bn, data_path(nets[i]), &err));
        REQUIRE_OK(gmdl_bn_to_mrf(&m, bn, &err));
        size_t V = gmdl_bn_nvars(bn);
        int32_t *ev = malloc(V * sizeof *ev);
        uint32_t *x = malloc(V * sizeof *x);
        for (size_t v = 0; v < V; v++)
            ev[v] = v == V - 1 ? 0 : -1;
        for (int with_ev = 0; with_ev < 2; with_ev++) {
            double ref = mrf_brute_map(m, with_ev ? ev : NULL, NULL), lp = 0.0;
            for (int meth = 0; meth < 2; meth++) {
                CHECK_OK(gmdl_bn_map(x, &lp, bn, with_ev ? ev : NULL, NULL,
                                     meth ? GMDL_MAP_VE : GMDL_MAP_JT, NULL, &err));
                CHECK_NEAR(lp, ref, 1e-12, 0.0);
                CHECK_NEAR(lp, gmdl_bn_log_prob(bn, x), 0.0, 0.0);
            }
        }
        free(ev);
        free(x);
        gmdl_mrf_destroy(m);
        gmdl_bn_destroy(bn);
    }
}

/* The UAI instances: max-product on the junction tree and sum-max elimination (checked against
 * brute force above) give the same value, with and without the instances' evidence. */
static void check_uai(void) {
    static const char *inst[] = {"CSP_12",      "DBN_11",      "Grids_11",
                                 "Pedigree_11", "Promedus_24", "Segmentation_11"};
    for (size_t i = 0; i < sizeof inst / sizeof inst[0]; i++) {
        char rel[64], erel[64];
        snprintf(rel, sizeof rel, "uai/%s.uai", inst[i]);
        snprintf(erel, sizeof erel, "uai/%s.uai.evid", inst[i]);
        gmdl_err err = {{0}};
        gmdl_mrf *m = NULL;
        REQUIRE_OK(gmdl_mrf_read_uai(&m, data_path(rel), &err));
        size_t V = gmdl_mrf_nvars(m);
        int32_t *ev = malloc(V * sizeof *ev);
        uint32_t *x = malloc(V * sizeof *x);
        CHECK_OK(gmdl_mrf_read_evid(ev, m, data_path(erel), &err));
        int nev = 0;
        for (size_t v = 0; v < V; v++)
            nev += ev[v] >= 0;
        for (int with_ev = 0; with_ev < 1 + (nev > 0); with_ev++) {
            double a = 0.0, b = 1.0;
            CHECK_OK(gmdl_mrf_map(x, &a, m, with_ev ? ev : NULL, NULL, GMDL_MAP_JT, NULL, &err));
            CHECK_OK(gmdl_mrf_map(x, &b, m, with_ev ? ev : NULL, NULL, GMDL_MAP_VE, NULL, &err));
            CHECK(fabs(a - b) <= 1e-9 * (1.0 + fabs(a)));
            printf("%s%s: log10 max = %.12g\n", inst[i], with_ev ? " (evid)" : "", a / log(10.0));
        }
        free(ev);
        free(x);
        gmdl_mrf_destroy(m);
    }
}

/* --all: one calibration equals the per-node queries (which use the ancestral sub-net). */
static void check_all(void) {
    static const char *nets[] = {"bif/alarm.bif", "bif/child.bif", "bif/sachs.bif"};
    for (size_t i = 0; i < 3; i++) {
        gmdl_err err = {{0}};
        gmdl_bn *bn = NULL;
        REQUIRE_OK(gmdl_bn_read(&bn, data_path(nets[i]), &err));
        size_t V = gmdl_bn_nvars(bn), M = gmdl_bn_marginal_size(bn);
        double *all = malloc(M * sizeof *all), p[8], worst = 0.0;
        int32_t *ev = malloc(V * sizeof *ev);
        for (int with_ev = 0; with_ev < 2; with_ev++) {
            for (size_t v = 0; v < V; v++)
                ev[v] = with_ev && v % 5 == 1 ? 0 : -1;
            CHECK_OK(gmdl_bn_marginals(all, NULL, bn, ev, NULL, &err));
            for (size_t v = 0, off = 0; v < V; off += gmdl_bn_card(bn, v), v++) {
                CHECK_OK(gmdl_bn_query(p, NULL, bn, (uint32_t)v, ev, NULL, &err));
                for (uint32_t s = 0; s < gmdl_bn_card(bn, v); s++)
                    worst = fmax(worst, fabs(p[s] - all[off + s]));
            }
        }
        printf("%s: --all vs per-node queries, largest difference %.3g\n", nets[i], worst);
        CHECK(worst <= 1e-12);
        free(all);
        free(ev);
        gmdl_bn_destroy(bn);
    }
}

/* The joint of three asia nodes against brute force; a batch against row-by-row answers. */
static void check_joint_batch(void) {
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    REQUIRE_OK(gmdl_bn_read(&bn, data_path("bif/asia.bif"), &err));
    size_t V = gmdl_bn_nvars(bn), M = gmdl_bn_marginal_size(bn);
    uint32_t tg[3], x[8];
    REQUIRE_OK(gmdl_bn_find(&tg[0], bn, "lung", &err));
    REQUIRE_OK(gmdl_bn_find(&tg[1], bn, "tub", &err));
    REQUIRE_OK(gmdl_bn_find(&tg[2], bn, "bronc", &err));
    int32_t ev[8];
    REQUIRE_OK(gmdl_bn_parse_evidence(ev, bn, "dysp=yes,xray=no", &err));
    double joint[8], ref[8] = {0}, pe = 0.0, lev;
    REQUIRE_OK(gmdl_bn_query_joint(joint, &lev, bn, 3, tg, ev, NULL, &err));
    for (size_t i = 0; i < 256; i++) { /* every joint state of the 8 binary nodes */
        int fits = 1;
        for (size_t v = 0; v < V; v++) {
            x[v] = (uint32_t)(i >> v & 1);
            fits &= ev[v] < 0 || x[v] == (uint32_t)ev[v];
        }
        if (!fits)
            continue;
        double p = exp(gmdl_bn_log_prob(bn, x));
        pe += p;
        ref[x[tg[0]] * 4 + x[tg[1]] * 2 + x[tg[2]]] += p;
    }
    for (int k = 0; k < 8; k++)
        CHECK_NEAR(joint[k], ref[k] / pe, 1e-12, 0.0);
    CHECK_NEAR(lev, log(pe), 1e-12, 0.0);
    CHECK_STATUS(
        gmdl_bn_query_joint(joint, NULL, bn, 2, (uint32_t[]){tg[0], tg[0]}, ev, NULL, &err),
        GMDL_EINVAL);
    gmdl_bn_data d;
    REQUIRE_OK(gmdl_bn_data_init(&d, 40, V, &err));
    gmdl_rng r;
    gmdl_rng_seed(&r, 3, 3);
    for (size_t i = 0; i < d.nrows * V; i++)
        d.x[i] = gmdl_rng_uniform(&r) < 0.15 ? (int32_t)gmdl_rng_bounded(&r, 2) : -1;
    memcpy(d.x + 5 * V, d.x, V * sizeof *d.x); /* a repeated row */
    double *marg = malloc(d.nrows * M * sizeof *marg), *lz = malloc(d.nrows * sizeof *lz);
    double *one = malloc(M * sizeof *one);
    size_t ncal = 0;
    REQUIRE_OK(gmdl_bn_query_batch(marg, lz, &ncal, bn, &d, NULL, &err));
    CHECK(ncal < d.nrows);
    for (size_t i = 0; i < d.nrows; i++) {
        double l1 = 0.0;
        gmdl_status s = gmdl_bn_marginals(one, &l1, bn, d.x + i * V, NULL, &err);
        if (s == GMDL_EINVAL) { /* impossible evidence: NaN marginals, -inf */
            CHECK(isnan(marg[i * M]) && lz[i] == -(double)INFINITY);
            continue;
        }
        CHECK_OK(s);
        CHECK_NEAR(lz[i], l1, 0.0, 0.0);
        for (size_t k = 0; k < M; k++)
            CHECK_NEAR(marg[i * M + k], one[k], 0.0, 0.0);
    }
    free(marg);
    free(lz);
    free(one);
    gmdl_bn_data_fini(&d);
    gmdl_bn_destroy(bn);
}

/* With --uai only the UAI instances (a separate, longer test); otherwise the rest. */
int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--uai") == 0)
        check_uai();
    else {
        check_random();
        check_small_nets();
        check_all();
        check_joint_batch();
    }
    TEST_MAIN_END();
}
