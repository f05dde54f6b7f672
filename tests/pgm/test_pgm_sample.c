/* Approximate inference: likelihood weighting (alarm, 1e5 samples, within 0.01 of exact),
 * Gibbs sampling (asia and child, 1e5 sweeps, within 0.02), rejection sampling, ancestral
 * sampling frequencies, seeded reproducibility; belief propagation exact on trees and its error
 * on the UAI instances against measured bounds; MRF Gibbs against exact marginals. */
#include "gmdl/core.h"
#include "harness.h"
#include "pgm_util.h"

static gmdl_bn *load(const char *rel) {
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    REQUIRE_OK_MSG(gmdl_bn_read_bif(&bn, data_path(rel), &err), err.msg);
    return bn;
}

static double query_err(gmdl_bn *bn,
                        uint32_t t,
                        const int32_t *ev,
                        gmdl_query_method method,
                        size_t samples,
                        uint64_t seed,
                        double *ess) {
    gmdl_err err = {{0}};
    double p[64], q[64];
    gmdl_query_config cfg = gmdl_query_config_default();
    REQUIRE_OK_MSG(gmdl_bn_query(p, NULL, bn, t, ev, &cfg, &err), err.msg);
    cfg.method = method;
    cfg.samples = samples;
    cfg.seed = seed;
    gmdl_query_stats st;
    gmdl_status s = gmdl_bn_query(q, &st, bn, t, ev, &cfg, &err);
    CHECK_OK(s);
    if (s) {
        fprintf(stderr, "%s\n", err.msg);
        return INFINITY;
    }
    if (ess)
        *ess = st.ess;
    double d = 0.0;
    for (uint32_t x = 0; x < gmdl_bn_card(bn, t); x++)
        if (fabs(p[x] - q[x]) > d)
            d = fabs(p[x] - q[x]);
    return d;
}

/* Random evidence on k leaves (nodes without children) with P(e) >= pmin. */
static void random_evidence(gmdl_bn *bn, gmdl_rng *r, int k, double pmin, int32_t *ev) {
    size_t V = gmdl_bn_nvars(bn);
    uint8_t *leaf = calloc(V, 1);
    for (size_t v = 0; v < V; v++)
        leaf[v] = 1;
    for (size_t v = 0; v < V; v++)
        for (size_t j = 0; j < gmdl_bn_nparents(bn, v); j++)
            leaf[gmdl_bn_parents(bn, v)[j]] = 0;
    double *marg = malloc(gmdl_bn_marginal_size(bn) * sizeof *marg);
    gmdl_err err = {{0}};
    for (int tries = 0; tries < 1000; tries++) {
        for (size_t v = 0; v < V; v++)
            ev[v] = -1;
        for (int i = 0; i < k;) {
            uint32_t v = gmdl_rng_bounded(r, (uint32_t)V);
            if (!leaf[v] || ev[v] >= 0)
                continue;
            ev[v] = (int32_t)gmdl_rng_bounded(r, gmdl_bn_card(bn, v));
            i++;
        }
        double lpe;
        if (gmdl_bn_marginals(marg, &lpe, bn, ev, NULL, &err) == GMDL_OK && exp(lpe) >= pmin)
            break;
    }
    free(leaf);
    free(marg);
}

static void check_lw_alarm(gmdl_rng *r) {
    gmdl_bn *bn = load("bif/alarm.bif");
    size_t V = gmdl_bn_nvars(bn);
    int32_t *ev = malloc(V * sizeof *ev);
    double worst = 0.0, min_ess = INFINITY;
    for (int q = 0; q < 4; q++) {
        random_evidence(bn, r, 2 + q % 2, 0.02, ev);
        for (int k = 0; k < 3; k++) {
            uint32_t t;
            do
                t = gmdl_rng_bounded(r, (uint32_t)V);
            while (ev[t] >= 0);
            double ess;
            double d = query_err(bn, t, ev, GMDL_QUERY_LW, 100000, 1 + (uint64_t)q, &ess);
            if (d > worst)
                worst = d;
            if (ess < min_ess)
                min_ess = ess;
        }
    }
    printf("alarm LW (1e5 samples, 12 queries with evidence): max |error| %.4f, min ESS %.0f\n",
           worst, min_ess);
    CHECK(worst <= 0.01);
    CHECK(min_ess > 1000 && min_ess <= 100000);
    /* seeded reproducibility */
    double p1[8], p2[8], p3[8];
    gmdl_query_config cfg = gmdl_query_config_default();
    cfg.method = GMDL_QUERY_LW;
    cfg.samples = 5000;
    gmdl_err err = {{0}};
    uint32_t t = 0;
    CHECK_OK(gmdl_bn_query(p1, NULL, bn, t, ev, &cfg, &err));
    CHECK_OK(gmdl_bn_query(p2, NULL, bn, t, ev, &cfg, &err));
    cfg.seed = 99;
    CHECK_OK(gmdl_bn_query(p3, NULL, bn, t, ev, &cfg, &err));
    CHECK(memcmp(p1, p2, gmdl_bn_card(bn, t) * sizeof *p1) == 0);
    CHECK(memcmp(p1, p3, gmdl_bn_card(bn, t) * sizeof *p1) != 0);
    free(ev);
    gmdl_bn_destroy(bn);
}

static void check_gibbs(const char *rel, const char *const *evs, size_t nev, gmdl_rng *r) {
    gmdl_bn *bn = load(rel);
    size_t V = gmdl_bn_nvars(bn);
    int32_t *ev = malloc(V * sizeof *ev);
    double worst = 0.0;
    int nq = 0;
    gmdl_err err = {{0}};
    for (size_t e = 0; e < nev; e++) {
        CHECK_OK(gmdl_bn_parse_evidence(ev, bn, evs[e], &err));
        for (int k = 0; k < 4; k++) {
            uint32_t t;
            do
                t = gmdl_rng_bounded(r, (uint32_t)V);
            while (ev[t] >= 0);
            double d = query_err(bn, t, ev, GMDL_QUERY_GIBBS, 100000, 7 + e, NULL);
            if (d > worst)
                worst = d;
            nq++;
        }
    }
    printf("%s Gibbs (1e5 sweeps, %d queries with evidence): max |error| %.4f\n", rel, nq, worst);
    CHECK(worst <= 0.02);
    free(ev);
    gmdl_bn_destroy(bn);
}

static void check_asia_misc(void) {
    gmdl_bn *bn = load("bif/asia.bif");
    gmdl_err err = {{0}};
    int32_t ev[8];
    uint32_t lung;
    CHECK_OK(gmdl_bn_find(&lung, bn, "lung", &err));
    CHECK_OK(gmdl_bn_parse_evidence(ev, bn, "smoke=yes,xray=yes", &err));
    double ess;
    double d = query_err(bn, lung, ev, GMDL_QUERY_REJECTION, 100000, 3, &ess);
    printf("asia rejection (1e5 draws): |error| %.4f, accepted %.0f\n", d, ess);
    CHECK(d <= 0.01);
    CHECK(ess > 1000 && ess < 100000);
    /* the deterministic node 'either' does not trap Gibbs: P(lung | xray=yes, dysp=yes) */
    CHECK_OK(gmdl_bn_parse_evidence(ev, bn, "xray=yes,dysp=yes", &err));
    d = query_err(bn, lung, ev, GMDL_QUERY_GIBBS, 100000, 5, NULL);
    CHECK(d <= 0.02);
    /* impossible evidence */
    CHECK_OK(gmdl_bn_parse_evidence(ev, bn, "tub=yes,either=no", &err));
    gmdl_query_config cfg = gmdl_query_config_default();
    double p[2];
    cfg.method = GMDL_QUERY_REJECTION;
    cfg.samples = 2000;
    CHECK_STATUS(gmdl_bn_query(p, NULL, bn, lung, ev, &cfg, &err), GMDL_ENOCONV);
    cfg.method = GMDL_QUERY_LW;
    CHECK_STATUS(gmdl_bn_query(p, NULL, bn, lung, ev, &cfg, &err), GMDL_ENOCONV);
    /* ancestral samples: frequencies match the exact marginals; chunks concatenate exactly */
    size_t n = 100000, V = gmdl_bn_nvars(bn), M = gmdl_bn_marginal_size(bn);
    uint32_t *rows = malloc(n * V * sizeof *rows);
    CHECK_OK(gmdl_bn_sample(rows, bn, n, 42, 0, &err));
    double *freq = calloc(M, sizeof *freq), *exact = malloc(M * sizeof *exact);
    size_t off[16];
    off[0] = 0;
    for (size_t v = 1; v < V; v++)
        off[v] = off[v - 1] + gmdl_bn_card(bn, v - 1);
    for (size_t i = 0; i < n; i++)
        for (size_t v = 0; v < V; v++)
            freq[off[v] + rows[i * V + v]] += 1.0 / (double)n;
    double lpe;
    CHECK_OK(gmdl_bn_marginals(exact, &lpe, bn, NULL, NULL, &err));
    double worst = 0.0;
    for (size_t i = 0; i < M; i++)
        if (fabs(freq[i] - exact[i]) > worst)
            worst = fabs(freq[i] - exact[i]);
    printf("asia ancestral sampling (1e5 rows): max |frequency - marginal| %.4f\n", worst);
    CHECK(worst < 0.006);
    uint32_t part[5 * 8];
    CHECK_OK(gmdl_bn_sample(part, bn, 5, 42, 7, &err));
    CHECK(memcmp(part, rows + 7 * V, 5 * V * sizeof *part) == 0);
    free(rows);
    free(freq);
    free(exact);
    gmdl_bn_destroy(bn);
}

/* A random tree-structured MRF: BP is exact (marginals and log Z). */
static void check_bp_tree(gmdl_rng *r) {
    for (int t = 0; t < 20; t++) {
        size_t n = 2 + gmdl_rng_bounded(r, 8);
        uint32_t card[10];
        for (size_t v = 0; v < n; v++)
            card[v] = 2 + gmdl_rng_bounded(r, 2);
        gmdl_mrf *m = NULL;
        gmdl_err err = {{0}};
        CHECK_OK(gmdl_mrf_create(&m, n, card, &err));
        for (size_t v = 0; v < n; v++) {
            double u[3];
            for (uint32_t x = 0; x < card[v]; x++)
                u[x] = exp(gmdl_rng_normal(r));
            uint32_t vv = (uint32_t)v;
            CHECK_OK(gmdl_mrf_add_factor(m, 1, &vv, u, &err));
            if (v > 0) {
                uint32_t sc[2] = {(uint32_t)v, gmdl_rng_bounded(r, (uint32_t)v)};
                double pw[9];
                for (int k = 0; k < 9; k++)
                    pw[k] = exp(2.0 * gmdl_rng_normal(r));
                CHECK_OK(gmdl_mrf_add_factor(m, 2, sc, pw, &err));
            }
        }
        int32_t ev[10];
        for (size_t v = 0; v < n; v++)
            ev[v] = (t % 2 && v == n - 1) ? 0 : -1;
        double lz_e, lz_b, me[30], mb[30];
        gmdl_bp_stats st;
        gmdl_bp_config cfg = gmdl_bp_config_default();
        cfg.tol = 1e-12;
        CHECK_OK(gmdl_mrf_exact(&lz_e, me, NULL, m, ev, NULL, &err));
        CHECK_OK(gmdl_mrf_bp(&lz_b, mb, &st, m, ev, &cfg, &err));
        CHECK(st.converged);
        CHECK_NEAR(lz_b, lz_e, 1e-8, 1e-8);
        for (size_t i = 0; i < gmdl_mrf_marginal_size(m); i++)
            CHECK_NEAR(mb[i], me[i], 1e-8, 0);
        /* Gibbs on the same model */
        if (t < 5) {
            double mg[30];
            gmdl_gibbs_config gc = gmdl_gibbs_config_default();
            gc.sweeps = 50000;
            gc.seed = (uint64_t)t + 1;
            CHECK_OK(gmdl_mrf_gibbs(mg, m, ev, &gc, &err));
            for (size_t i = 0; i < gmdl_mrf_marginal_size(m); i++)
                CHECK_NEAR(mg[i], me[i], 0.02, 0);
            /* annealed importance sampling of log Z */
            double lz_a, ess;
            gc.sweeps = 20000;
            CHECK_OK(gmdl_mrf_ais(&lz_a, &ess, m, ev, &gc, 100, &err));
            CHECK_NEAR(lz_a, lz_e, 0.05, 0);
            CHECK(ess > 10.0 && ess <= 100.0);
        }
        gmdl_mrf_destroy(m);
    }
    /* a loopy 4x4 grid with weak couplings: BP is close to exact, and its fixed point does not
     * depend on the damping */
    {
        uint32_t card[16];
        for (int v = 0; v < 16; v++)
            card[v] = 2;
        gmdl_mrf *g = NULL;
        gmdl_err err = {{0}};
        CHECK_OK(gmdl_mrf_create(&g, 16, card, &err));
        for (uint32_t v = 0; v < 16; v++) {
            double u[2] = {exp(0.5 * gmdl_rng_normal(r)), 1.0};
            CHECK_OK(gmdl_mrf_add_factor(g, 1, &v, u, &err));
            uint32_t nb[2] = {v % 4 < 3 ? v + 1 : 99, v < 12 ? v + 4 : 99};
            for (int k = 0; k < 2; k++)
                if (nb[k] != 99) {
                    uint32_t sc[2] = {v, nb[k]};
                    double w = 0.2 * gmdl_rng_normal(r);
                    double pw[4] = {exp(w), exp(-w), exp(-w), exp(w)};
                    CHECK_OK(gmdl_mrf_add_factor(g, 2, sc, pw, &err));
                }
        }
        double me[32], mb[32], mb2[32], lz_e, lz_b, lz_b2;
        CHECK_OK(gmdl_mrf_exact(&lz_e, me, NULL, g, NULL, NULL, &err));
        gmdl_bp_config cfg = gmdl_bp_config_default();
        cfg.tol = 1e-12;
        CHECK_OK(gmdl_mrf_bp(&lz_b, mb, NULL, g, NULL, &cfg, &err));
        cfg.damping = 0.0;
        CHECK_OK(gmdl_mrf_bp(&lz_b2, mb2, NULL, g, NULL, &cfg, &err));
        double mx = 0.0;
        for (int i = 0; i < 32; i++) {
            mx = fmax(mx, fabs(mb[i] - me[i]));
            CHECK_NEAR(mb[i], mb2[i], 1e-9, 0);
        }
        printf("loopy BP on a weakly coupled 4x4 grid: max |error| %.2g, log Z error %.2g\n", mx,
               fabs(lz_b - lz_e));
        CHECK(mx < 0.01);
        CHECK_NEAR(lz_b, lz_e, 0.01, 0);
        gmdl_mrf_destroy(g);
    }
    /* the iteration cap: one iteration cannot converge on a loopy model */
    gmdl_mrf *m = NULL;
    gmdl_err err = {{0}};
    REQUIRE_OK_MSG(gmdl_mrf_read_uai(&m, data_path("uai/Promedus_24.uai"), &err), err.msg);
    gmdl_bp_config cfg = gmdl_bp_config_default();
    cfg.max_iters = 1;
    double lz;
    gmdl_bp_stats st;
    CHECK_STATUS(gmdl_mrf_bp(&lz, NULL, &st, m, NULL, &cfg, &err), GMDL_ENOCONV);
    CHECK_EQ(st.converged, 0);
    CHECK_EQ(st.iters, 1);
    gmdl_mrf_destroy(m);
}

/* Loopy BP against the exact marginals and log Z (junction tree) on the UAI instances.
 *
 * BP is deterministic, so its error on an instance is a fixed property of the fixed point it
 * reaches. The reference values below were measured (the Release and the ASan Debug build agree
 * to 9 digits; docs/PGM.md lists them). On Promedus_24 BP is accurate (measured max marginal
 * error 0.0039, log10 Z error 0.001): bounds of 2.5 times these check that BP stays right where
 * it is right. On the three
 * others BP converges to a wrong fixed point (Pedigree's deterministic factors, Segmentation's
 * attractive couplings, CSP's hard constraints), so no small bound holds; there each error must
 * stay within 10% of its measured value, so that a change in the message passing (damping,
 * normalisation, schedule) that moves the fixed point fails here instead of silently changing
 * the documented figures. 10% leaves room for another compiler or libm, whose rounding may stop
 * the iteration a little earlier or later near the same fixed point (tolerance 1e-8). */
static void check_loopy(void) {
    struct {
        const char *inst;
        double lz10, max, mean; /* measured |log10 Z error|, max and mean |marginal error| */
    } ref[] = {{"Promedus_24", 0.00105, 0.00393, 0.00057},
               {"Pedigree_11", 0.950, 0.565, 0.0644},
               {"Segmentation_11", 2.28, 0.980, 0.314},
               {"CSP_12", 0.824, 0.144, 0.0194}};
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        char rel[128];
        gmdl_err err = {{0}};
        gmdl_mrf *m = NULL;
        snprintf(rel, sizeof rel, "uai/%s.uai", ref[i].inst);
        REQUIRE_OK_MSG(gmdl_mrf_read_uai(&m, data_path(rel), &err), err.msg);
        size_t V = gmdl_mrf_nvars(m), M = gmdl_mrf_marginal_size(m);
        int32_t *ev = malloc(V * sizeof *ev);
        snprintf(rel, sizeof rel, "uai/%s.uai.evid", ref[i].inst);
        REQUIRE_OK_MSG(gmdl_mrf_read_evid(ev, m, data_path(rel), &err), err.msg);
        double *me = malloc(M * sizeof *me), *mb = malloc(M * sizeof *mb), lz_e, lz_b;
        REQUIRE_OK_MSG(gmdl_mrf_exact(&lz_e, me, NULL, m, ev, NULL, &err), err.msg);
        gmdl_bp_stats st;
        gmdl_status s = gmdl_mrf_bp(&lz_b, mb, &st, m, ev, NULL, &err);
        REQUIRE(s == GMDL_OK || s == GMDL_ENOCONV); /* marginals written either way */
        CHECK_OK(s);
        CHECK(st.converged);
        double mx = 0.0, mean = 0.0;
        for (size_t k = 0; k < M; k++) {
            double d = fabs(mb[k] - me[k]);
            mean += d / (double)M;
            if (!(d <= mx))
                mx = d; /* a NaN propagates and fails the checks below */
        }
        double lz10 = fabs(lz_b - lz_e) / log(10.0);
        printf("loopy BP %-16s iters %4d converged %d: |log10 Z error| %.3g, marginals max "
               "|error| %.3g, mean %.3g\n",
               ref[i].inst, st.iters, st.converged, lz10, mx, mean);
        if (i == 0) { /* accurate */
            CHECK(lz10 <= 2.5 * ref[i].lz10);
            CHECK(mx <= 2.5 * ref[i].max);
            CHECK(mean <= 2.5 * ref[i].mean);
        } else { /* a wrong fixed point: the measured one, within 10% */
            CHECK_NEAR(lz10, ref[i].lz10, 0, 0.1);
            CHECK_NEAR(mx, ref[i].max, 0, 0.1);
            CHECK_NEAR(mean, ref[i].mean, 0, 0.1);
        }
        if (strcmp(ref[i].inst, "CSP_12") == 0) { /* hard constraints: AIS finds the support */
            double lz_a, ess;
            gmdl_gibbs_config gc = gmdl_gibbs_config_default();
            REQUIRE_OK_MSG(gmdl_mrf_ais(&lz_a, &ess, m, ev, &gc, 100, &err), err.msg);
            printf("AIS (1e5 sweeps, 100 chains) %-16s |log10 Z error| %.3g, ESS %.1f\n",
                   ref[i].inst, fabs(lz_a - lz_e) / log(10.0), ess);
            CHECK_NEAR(lz_a / log(10.0), lz_e / log(10.0), 0.1, 0);
        }
        free(ev);
        free(me);
        free(mb);
        gmdl_mrf_destroy(m);
    }
}

int main(void) {
    gmdl_rng rng;
    uint64_t seed = th_seed(21);
    gmdl_rng_seed(&rng, seed, 9);
    check_lw_alarm(&rng);
    const char *asia_ev[] = {"xray=yes,dysp=yes", "smoke=yes,dysp=no", "asia=yes,xray=yes"};
    check_gibbs("bif/asia.bif", asia_ev, 3, &rng);
    const char *child_ev[] = {"LowerBodyO2=<5,RUQO2=12+", "CO2Report=>=7.5,XrayReport=Oligaemic",
                              "GruntingReport=yes,Age=0-3_days"};
    check_gibbs("bif/child.bif", child_ev, 3, &rng);
    check_asia_misc();
    check_bp_tree(&rng);
    check_loopy();
    if (th_failed)
        fprintf(stderr, "seed %llu\n", (unsigned long long)seed);
    TEST_MAIN_END();
}
