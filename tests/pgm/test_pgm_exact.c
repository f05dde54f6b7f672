/* Exact inference: junction tree and variable elimination against brute-force enumeration on
 * the small BIF nets (with and without evidence), against each other on alarm and child, against
 * the published Asia marginals, and against the UAI 2014 .PR / .MAR reference files. Also the
 * memory budget (GMDL_ELIMIT naming the largest clique) and the order heuristics. */
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gmdl/core.h"
#include "harness.h"
#include "pgm_util.h"

static double max_diff(const double *a, const double *b, size_t n) {
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(a[i] - b[i]) > m || isnan(a[i]) || isnan(b[i]))
            m = isnan(a[i]) || isnan(b[i]) ? (double)INFINITY : fabs(a[i] - b[i]);
    return m;
}

/* Every single-variable query by JT and VE against brute force, for no evidence and a few random
 * evidence sets. */
static void check_brute(const char *name, gmdl_rng *rng) {
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    REQUIRE_OK_MSG(gmdl_bn_read_bif(&bn, data_path(name), &err), err.msg);
    size_t V = gmdl_bn_nvars(bn), M = gmdl_bn_marginal_size(bn);
    double *bf = malloc(M * sizeof *bf), *jt = malloc(M * sizeof *jt);
    int32_t *ev = malloc(V * sizeof *ev);
    double worst = 0.0;
    for (int trial = 0; trial < 6; trial++) {
        for (size_t v = 0; v < V; v++)
            ev[v] = -1;
        for (int k = 0; k < trial % 3; k++) {
            uint32_t v = gmdl_rng_bounded(rng, (uint32_t)V);
            ev[v] = (int32_t)gmdl_rng_bounded(rng, gmdl_bn_card(bn, v));
        }
        double pe = bn_brute(bn, ev, bf);
        double lpe = 0.0;
        gmdl_status s = gmdl_bn_marginals(jt, &lpe, bn, ev, NULL, &err);
        if (pe == 0.0) {
            CHECK_STATUS(s, GMDL_EINVAL);
            continue;
        }
        CHECK_OK(s);
        CHECK_NEAR(lpe, log(pe), 1e-9, 1e-9);
        double d = max_diff(jt, bf, M);
        if (d > worst)
            worst = d;
        /* per-target queries: exact (JT) and VE */
        size_t off = 0;
        for (uint32_t t = 0; t < V; t++) {
            double p[64], q[64];
            gmdl_query_config cfg = gmdl_query_config_default();
            CHECK_OK(gmdl_bn_query(p, NULL, bn, t, ev, &cfg, &err));
            cfg.method = GMDL_QUERY_VE;
            CHECK_OK(gmdl_bn_query(q, NULL, bn, t, ev, &cfg, &err));
            double d1 = max_diff(p, bf + off, gmdl_bn_card(bn, t));
            double d2 = max_diff(q, bf + off, gmdl_bn_card(bn, t));
            if (d1 > worst)
                worst = d1;
            if (d2 > worst)
                worst = d2;
            off += gmdl_bn_card(bn, t);
        }
    }
    printf("%-16s max |exact - brute force| = %.3g\n", name, worst);
    CHECK(worst <= 1e-9);
    free(bf);
    free(jt);
    free(ev);
    gmdl_bn_destroy(bn);
}

/* JT (all marginals at once) vs VE (one target at a time) on bigger nets, with evidence. */
static void check_jt_vs_ve(const char *name, gmdl_rng *rng) {
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    REQUIRE_OK_MSG(gmdl_bn_read_bif(&bn, data_path(name), &err), err.msg);
    size_t V = gmdl_bn_nvars(bn), M = gmdl_bn_marginal_size(bn);
    double *jt = malloc(M * sizeof *jt);
    int32_t *ev = malloc(V * sizeof *ev);
    double worst = 0.0;
    int done = 0;
    for (int trial = 0; trial < 12 && done < 4; trial++) {
        for (size_t v = 0; v < V; v++)
            ev[v] = -1;
        for (int k = 0; k < trial % 4; k++) {
            uint32_t v = gmdl_rng_bounded(rng, (uint32_t)V);
            ev[v] = (int32_t)gmdl_rng_bounded(rng, gmdl_bn_card(bn, v));
        }
        double lpe;
        if (gmdl_bn_marginals(jt, &lpe, bn, ev, NULL, &err) != GMDL_OK)
            continue; /* impossible evidence */
        done++;
        size_t off = 0;
        for (uint32_t t = 0; t < V; t++) {
            double q[64], lz;
            gmdl_mrf *m = NULL;
            CHECK_OK(gmdl_bn_to_mrf(&m, bn, &err));
            CHECK_OK(gmdl_mrf_ve(&lz, q, m, ev, t, NULL, &err));
            CHECK_NEAR(lz, lpe, 1e-9, 1e-9);
            gmdl_mrf_destroy(m);
            double d = max_diff(q, jt + off, gmdl_bn_card(bn, t));
            if (d > worst)
                worst = d;
            /* the per-query path (ancestral sub-model) against the full calibration */
            double r[64];
            gmdl_query_stats st;
            gmdl_query_config qc = gmdl_query_config_default();
            CHECK_OK(gmdl_bn_query(r, &st, bn, t, ev, &qc, &err));
            CHECK_NEAR(st.log_evidence, lpe, 1e-9, 1e-9);
            d = max_diff(r, jt + off, gmdl_bn_card(bn, t));
            if (d > worst)
                worst = d;
            off += gmdl_bn_card(bn, t);
        }
    }
    printf("%-16s max |JT - VE| = %.3g over %d evidence sets\n", name, worst, done);
    CHECK(done >= 3);
    CHECK(worst <= 1e-9);
    free(jt);
    free(ev);
    gmdl_bn_destroy(bn);
}

static void check_asia_reference(void) {
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    REQUIRE_OK_MSG(gmdl_bn_read_bif(&bn, data_path("bif/asia.bif"), &err), err.msg);
    /* SOURCE.md: schlandals integration tests (tolerance 1e-6) and the consistency values */
    struct {
        const char *node, *state;
        double p;
    } ref[] = {{"xray", "yes", 0.11029}, {"xray", "no", 0.88971}, {"dysp", "yes", 0.435971},
               {"dysp", "no", 0.564029}, {"lung", "yes", 0.055},  {"either", "yes", 0.064828}};
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        uint32_t v, s;
        CHECK_OK(gmdl_bn_find(&v, bn, ref[i].node, &err));
        CHECK_OK(gmdl_bn_find_state(&s, bn, v, ref[i].state, &err));
        double p[8];
        CHECK_OK(gmdl_bn_query(p, NULL, bn, v, NULL, NULL, &err));
        CHECK_NEAR(p[s], ref[i].p, 1e-6, 0);
    }
    /* impossible evidence: either=no with tub=yes */
    int32_t ev[8];
    CHECK_OK(gmdl_bn_parse_evidence(ev, bn, "tub=yes,either=no", &err));
    double p[8];
    uint32_t x;
    CHECK_OK(gmdl_bn_find(&x, bn, "xray", &err));
    CHECK_STATUS(gmdl_bn_query(p, NULL, bn, x, ev, NULL, &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "probability zero");
    CHECK_STATUS(gmdl_bn_parse_evidence(ev, bn, "tub=maybe", &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "maybe");
    CHECK_STATUS(gmdl_bn_parse_evidence(ev, bn, "nosuch=yes", &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "nosuch");
    gmdl_bn_destroy(bn);
}

/* Reads "PR\n<log10>" */
static double read_pr(const char *path) {
    FILE *f = fopen(path, "r");
    char tag[16];
    double x = NAN;
    if (f) {
        if (fscanf(f, "%15s %lf", tag, &x) != 2)
            x = NAN;
        fclose(f);
    }
    return x;
}

/* Reads a MAR file into out (returns the count of numbers read, or 0). */
static size_t read_mar(const char *path, double *out, size_t cap) {
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char tag[16];
    size_t n = 0, nv;
    if (fscanf(f, "%15s %zu", tag, &nv) != 2) {
        fclose(f);
        return 0;
    }
    for (size_t v = 0; v < nv; v++) {
        size_t k;
        if (fscanf(f, "%zu", &k) != 1)
            break;
        for (size_t i = 0; i < k && n < cap; i++)
            if (fscanf(f, "%lf", &out[n++]) != 1)
                n--;
    }
    fclose(f);
    return n;
}

static void check_uai(const char *inst) {
    char rel[256];
    gmdl_err err = {{0}};
    gmdl_mrf *m = NULL;
    snprintf(rel, sizeof rel, "uai/%s.uai", inst);
    REQUIRE_OK_MSG(gmdl_mrf_read_uai(&m, data_path(rel), &err), err.msg);
    size_t V = gmdl_mrf_nvars(m), M = gmdl_mrf_marginal_size(m);
    int32_t *ev = malloc(V * sizeof *ev);
    snprintf(rel, sizeof rel, "uai/%s.uai.evid", inst);
    REQUIRE_OK_MSG(gmdl_mrf_read_evid(ev, m, data_path(rel), &err), err.msg);
    double *mar = malloc(M * sizeof *mar), *ref = malloc(M * sizeof *ref);
    double lz = NAN;
    gmdl_exact_stats st;
    REQUIRE_OK_MSG(gmdl_mrf_exact(&lz, mar, &st, m, ev, NULL, &err), err.msg);
    snprintf(rel, sizeof rel, "uai/%s.uai.PR", inst);
    double pr = read_pr(data_path(rel));
    double l10 = lz / log(10.0);
    double tol = fmax(1e-3, 1e-5 * fabs(pr));
    snprintf(rel, sizeof rel, "uai/%s.uai.MAR", inst);
    size_t n = read_mar(data_path(rel), ref, M);
    CHECK_EQ(n, M);
    double d = max_diff(mar, ref, M);
    printf("%-16s log10 Z %.6f (PR file %.6g, diff %.2g); max |MAR diff| %.2g; largest clique "
           "%zu vars\n",
           inst, l10, pr, fabs(l10 - pr), d, st.max_clique_vars);
    CHECK_NEAR(l10, pr, tol, 0);
    CHECK(d <= 1e-5);
    free(ev);
    free(mar);
    free(ref);
    gmdl_mrf_destroy(m);
}

static void check_budget(void) {
    gmdl_err err = {{0}};
    gmdl_mrf *m = NULL;
    REQUIRE_OK_MSG(gmdl_mrf_read_uai(&m, data_path("uai/CSP_12.uai"), &err), err.msg);
    gmdl_exact_config cfg = gmdl_exact_config_default();
    cfg.max_mem = 1 << 20; /* 1 MiB: the largest clique alone is 4 MiB */
    double lz;
    CHECK_STATUS(gmdl_mrf_exact(&lz, NULL, NULL, m, NULL, &cfg, &err), GMDL_ELIMIT);
    CHECK_STR_CONTAINS(err.msg, "largest clique");
    CHECK_STR_CONTAINS(err.msg, "{x");
    CHECK(!gmdl_status_is_input_error(GMDL_ELIMIT)); /* exit 1 in the CLI */
    double p[8];
    CHECK_STATUS(gmdl_mrf_ve(&lz, p, m, NULL, 0, &cfg, &err), GMDL_ELIMIT);
    gmdl_mrf_destroy(m);
    /* named variables in a Bayes net message */
    gmdl_bn *bn = NULL;
    REQUIRE_OK_MSG(gmdl_bn_read_bif(&bn, data_path("bif/alarm.bif"), &err), err.msg);
    gmdl_query_config q = gmdl_query_config_default();
    q.exact.max_mem = 1000;
    uint32_t cvp;
    CHECK_OK(gmdl_bn_find(&cvp, bn, "HR", &err)); /* many ancestors */
    CHECK_STATUS(gmdl_bn_query(p, NULL, bn, cvp, NULL, &q, &err), GMDL_ELIMIT);
    CHECK_STR_CONTAINS(err.msg, "largest clique");
    gmdl_bn_destroy(bn);
}

/* Each heuristic gives a valid order: same answers; BEST is never worse than any single one. */
static void check_heuristics(void) {
    gmdl_err err = {{0}};
    gmdl_mrf *m = NULL;
    REQUIRE_OK_MSG(gmdl_mrf_read_uai(&m, data_path("uai/Segmentation_11.uai"), &err), err.msg);
    gmdl_order_heuristic hs[] = {GMDL_ORDER_MIN_FILL, GMDL_ORDER_MIN_DEGREE,
                                 GMDL_ORDER_WEIGHTED_MIN_FILL, GMDL_ORDER_BEST};
    double lz[4], worst_single = 0.0, best = 0.0;
    for (int i = 0; i < 4; i++) {
        gmdl_exact_config cfg = gmdl_exact_config_default();
        cfg.heuristic = hs[i];
        gmdl_exact_stats st;
        CHECK_OK(gmdl_mrf_exact(&lz[i], NULL, &st, m, NULL, &cfg, &err));
        if (i < 3 && st.max_clique_entries > worst_single)
            worst_single = st.max_clique_entries;
        if (i == 3)
            best = st.max_clique_entries;
        CHECK_NEAR(lz[i], lz[0], 1e-9, 1e-12);
    }
    CHECK(best <= worst_single);
    gmdl_mrf_destroy(m);
    /* The 20x20 grid of the issue: min-fill alone reaches a 2^28-entry clique, the row order
     * 2^21; the best-of search must find 2^21 (checked through the stats of a refused run). */
    uint32_t card[400];
    for (int i = 0; i < 400; i++)
        card[i] = 2;
    CHECK_OK(gmdl_mrf_create(&m, 400, card, &err));
    double pw[4] = {2, 1, 1, 2};
    for (uint32_t r = 0; r < 20; r++)
        for (uint32_t c = 0; c < 20; c++) {
            uint32_t v = r * 20 + c, right[2] = {v, v + 1}, down[2] = {v, v + 20};
            if (c + 1 < 20)
                CHECK_OK(gmdl_mrf_add_factor(m, 2, right, pw, &err));
            if (r + 1 < 20)
                CHECK_OK(gmdl_mrf_add_factor(m, 2, down, pw, &err));
        }
    gmdl_exact_config cfg = gmdl_exact_config_default();
    cfg.max_mem = 1;
    gmdl_exact_stats st_fill, st_best;
    double lz_;
    cfg.heuristic = GMDL_ORDER_MIN_FILL;
    CHECK_STATUS(gmdl_mrf_exact(&lz_, NULL, &st_fill, m, NULL, &cfg, &err), GMDL_ELIMIT);
    cfg.heuristic = GMDL_ORDER_BEST;
    CHECK_STATUS(gmdl_mrf_exact(&lz_, NULL, &st_best, m, NULL, &cfg, &err), GMDL_ELIMIT);
    printf("20x20 grid: min-fill largest clique 2^%.0f, best order 2^%.0f\n",
           log2(st_fill.max_clique_entries), log2(st_best.max_clique_entries));
    CHECK(st_best.max_clique_entries <= 2097152.0);
    CHECK(st_best.max_clique_entries < st_fill.max_clique_entries);
    gmdl_mrf_destroy(m);
}

/* Factor operations against brute force on random small factors. */
static void check_factor_ops(gmdl_rng *rng) {
    gmdl_err err = {{0}};
    for (int trial = 0; trial < 50; trial++) {
        /* a over {0,1,2} subset, b over {1,2,3} subset, cards 1..3 */
        uint32_t card[4];
        for (int v = 0; v < 4; v++)
            card[v] = 1 + gmdl_rng_bounded(rng, 3);
        uint32_t av[3], bv[3], ac[3], bc[3];
        size_t na = 0, nb = 0;
        for (uint32_t v = 0; v < 4; v++) {
            if (v < 3 && (gmdl_rng_bounded(rng, 3) || v == 0)) {
                av[na] = v;
                ac[na++] = card[v];
            }
            if (v > 0 && (gmdl_rng_bounded(rng, 3) || v == 3)) {
                bv[nb] = v;
                bc[nb++] = card[v];
            }
        }
        gmdl_factor a, b, p, s, r;
        CHECK_OK(gmdl_factor_init(&a, na, av, ac, &err));
        CHECK_OK(gmdl_factor_init(&b, nb, bv, bc, &err));
        for (size_t i = 0; i < a.size; i++)
            a.logp[i] = gmdl_rng_uniform(rng) < 0.1 ? -(double)INFINITY : gmdl_rng_normal(rng);
        for (size_t i = 0; i < b.size; i++)
            b.logp[i] = gmdl_rng_normal(rng);
        CHECK_OK(gmdl_factor_product(&p, &a, &b, &err));
        uint32_t drop = 1 + gmdl_rng_bounded(rng, 2);
        CHECK_OK(gmdl_factor_sum_out(&s, &p, 1, &drop, &err));
        uint32_t rst = gmdl_rng_bounded(rng, card[3]);
        CHECK_OK(gmdl_factor_reduce(&r, &p, 3, rst, &err));
        /* brute force over all x in the 4-variable space */
        double maxe = 0.0;
        uint32_t x[4];
        for (x[0] = 0; x[0] < card[0]; x[0]++)
            for (x[1] = 0; x[1] < card[1]; x[1]++)
                for (x[2] = 0; x[2] < card[2]; x[2]++)
                    for (x[3] = 0; x[3] < card[3]; x[3]++) {
                        size_t ia = 0, ib = 0, ip = 0, ir = 0;
                        for (size_t k = 0; k < na; k++)
                            ia = ia * ac[k] + x[av[k]];
                        for (size_t k = 0; k < nb; k++)
                            ib = ib * bc[k] + x[bv[k]];
                        for (size_t k = 0; k < p.nvars; k++)
                            ip = ip * p.card[k] + x[p.vars[k]];
                        for (size_t k = 0; k < r.nvars; k++)
                            ir = ir * r.card[k] + x[r.vars[k]];
                        double want = a.logp[ia] + b.logp[ib];
                        if (!(p.logp[ip] == want || fabs(p.logp[ip] - want) < 1e-12))
                            maxe = 1.0;
                        if (x[3] == rst && !(r.logp[ir] == want || fabs(r.logp[ir] - want) < 1e-12))
                            maxe = 1.0;
                    }
        /* sum-out check: recompute directly per output entry */
        for (size_t i = 0; i < s.size; i++) {
            double acc = 0.0;
            for (uint32_t d = 0; d < card[drop]; d++) {
                /* output index i -> states of s.vars; add drop */
                uint32_t st[4] = {0, 0, 0, 0};
                size_t rem = i;
                for (size_t k = s.nvars; k-- > 0;) {
                    st[s.vars[k]] = (uint32_t)(rem % s.card[k]);
                    rem /= s.card[k];
                }
                st[drop] = d;
                size_t ip = 0;
                for (size_t k = 0; k < p.nvars; k++)
                    ip = ip * p.card[k] + st[p.vars[k]];
                int in_scope = 0;
                for (size_t k = 0; k < p.nvars; k++)
                    in_scope |= p.vars[k] == drop;
                acc += exp(p.logp[ip]);
                if (!in_scope)
                    break;
            }
            double got = exp(s.logp[i]);
            if (fabs(got - acc) > 1e-12 * (1 + acc))
                maxe = 1.0;
        }
        CHECK(maxe == 0.0);
        /* normalisation */
        double lz = gmdl_factor_normalize(&p), tot = 0.0;
        for (size_t i = 0; i < p.size; i++)
            tot += exp(p.logp[i]);
        CHECK(isfinite(lz));
        CHECK_NEAR(tot, 1.0, 1e-12, 0);
        gmdl_factor_fini(&a);
        gmdl_factor_fini(&b);
        gmdl_factor_fini(&p);
        gmdl_factor_fini(&s);
        gmdl_factor_fini(&r);
    }
    uint32_t bad[2] = {2, 1}, c2[2] = {2, 2};
    gmdl_factor f;
    CHECK_STATUS(gmdl_factor_init(&f, 2, bad, c2, &err), GMDL_EINVAL);
}

/* Variables in no factor, cardinality-1 variables and evidence on them: JT, VE and brute force
 * agree on log Z and the marginals. */
static void check_edge_cases(void) {
    uint32_t card[5] = {3, 1, 2, 4, 2};
    gmdl_mrf *m = NULL;
    gmdl_err err = {{0}};
    CHECK_OK(gmdl_mrf_create(&m, 5, card, &err));
    uint32_t s01[2] = {1, 0}, s4[1] = {4};
    double v01[3] = {1.0, 2.0, 0.5}, v4[2] = {0.0, 3.0};
    CHECK_OK(gmdl_mrf_add_factor(m, 2, s01, v01, &err)); /* variables 2 and 3 are in no factor */
    CHECK_OK(gmdl_mrf_add_factor(m, 1, s4, v4, &err));
    double z = 0.0, marg0[3] = {0, 0, 0};
    uint32_t x[5];
    for (x[0] = 0; x[0] < 3; x[0]++)
        for (x[2] = 0; x[2] < 2; x[2]++)
            for (x[3] = 0; x[3] < 4; x[3]++)
                for (x[4] = 0; x[4] < 2; x[4]++) {
                    x[1] = 0;
                    double p = exp(gmdl_mrf_log_potential(m, x));
                    z += p;
                    marg0[x[0]] += p;
                }
    double lz_jt, lz_ve, mar[12], p0[3];
    CHECK_OK(gmdl_mrf_exact(&lz_jt, mar, NULL, m, NULL, NULL, &err));
    CHECK_NEAR(lz_jt, log(z), 1e-12, 0);
    for (uint32_t t = 0; t < 5; t++) {
        CHECK_OK(gmdl_mrf_ve(&lz_ve, t == 0 ? p0 : NULL, m, NULL, t, NULL, &err));
        CHECK_NEAR(lz_ve, log(z), 1e-12, 0);
    }
    for (int i = 0; i < 3; i++) {
        CHECK_NEAR(mar[i], marg0[i] / z, 1e-12, 0);
        CHECK_NEAR(p0[i], marg0[i] / z, 1e-12, 0);
    }
    CHECK_NEAR(mar[4], 0.5, 1e-12, 0); /* variable 2: uniform */
    CHECK_NEAR(mar[10], 0.0, 0, 0);    /* variable 4: the zero entry */
    int32_t ev[5] = {-1, 0, 1, -1, 0}; /* x4 = 0 has potential zero */
    CHECK_STATUS(gmdl_mrf_exact(&lz_jt, mar, NULL, m, ev, NULL, &err), GMDL_EINVAL);
    CHECK_OK(gmdl_mrf_exact(&lz_jt, NULL, NULL, m, ev, NULL, &err));
    CHECK(isinf(lz_jt) && lz_jt < 0);
    ev[1] = 1; /* out of range for a cardinality-1 variable */
    CHECK_STATUS(gmdl_mrf_exact(&lz_jt, NULL, NULL, m, ev, NULL, &err), GMDL_EINVAL);
    gmdl_mrf_destroy(m);
}

/* Potentials spanning far more than a double's range (e^+-400 per factor): the junction tree
 * switches to log tables and still matches brute force done in log space, and VE. */
static void check_wide_range(gmdl_rng *rng) {
    enum { N = 7 };
    uint32_t card[N];
    for (int v = 0; v < N; v++)
        card[v] = 2 + (v % 2);
    gmdl_mrf *m = NULL;
    gmdl_err err = {{0}};
    CHECK_OK(gmdl_mrf_create(&m, N, card, &err));
    for (uint32_t v = 0; v + 1 < N; v++) {
        uint32_t sc[2] = {v, v + 1};
        double val[9];
        for (int k = 0; k < 9; k++)
            val[k] = exp(400.0 * gmdl_rng_normal(rng) / 2.0);
        CHECK_OK(gmdl_mrf_add_factor(m, 2, sc, val, &err));
    }
    uint32_t loop[2] = {0, N - 1}; /* close a cycle so that cliques hold several factors */
    double lv[6] = {exp(300.0), 1.0, 1.0, exp(-300.0), 1.0, exp(200.0)};
    CHECK_OK(gmdl_mrf_add_factor(m, 2, loop, lv, &err));
    /* brute force in log space */
    size_t total = 1;
    for (int v = 0; v < N; v++)
        total *= card[v];
    double *lp = malloc(total * sizeof *lp);
    double marg[N][3];
    memset(marg, 0, sizeof marg);
    for (size_t i = 0; i < total; i++) {
        uint32_t x[N];
        size_t rem = i;
        for (int v = N - 1; v >= 0; v--) {
            x[v] = (uint32_t)(rem % card[v]);
            rem /= card[v];
        }
        lp[i] = gmdl_mrf_log_potential(m, x);
    }
    double mx = -INFINITY;
    for (size_t i = 0; i < total; i++)
        mx = fmax(mx, lp[i]);
    double z = 0.0;
    for (size_t i = 0; i < total; i++) {
        double w = exp(lp[i] - mx);
        z += w;
        size_t rem = i;
        for (int v = N - 1; v >= 0; v--) {
            marg[v][rem % card[v]] += w;
            rem /= card[v];
        }
    }
    double lz_bf = mx + log(z), lz, lz_ve, mar[3 * N], p[3];
    CHECK_OK(gmdl_mrf_exact(&lz, mar, NULL, m, NULL, NULL, &err));
    CHECK_NEAR(lz, lz_bf, 1e-9, 1e-12);
    size_t off = 0;
    for (int v = 0; v < N; v++) {
        CHECK_OK(gmdl_mrf_ve(&lz_ve, p, m, NULL, (uint32_t)v, NULL, &err));
        CHECK_NEAR(lz_ve, lz_bf, 1e-9, 1e-12);
        for (uint32_t x = 0; x < card[v]; x++) {
            CHECK_NEAR(mar[off + x], marg[v][x] / z, 1e-9, 0);
            CHECK_NEAR(p[x], marg[v][x] / z, 1e-9, 0);
        }
        off += card[v];
    }
    CHECK_OK(gmdl_mrf_exact(&lz, NULL, NULL, m, NULL, NULL, &err));
    CHECK_NEAR(lz, lz_bf, 1e-9, 1e-12);
    free(lp);
    gmdl_mrf_destroy(m);
    /* Two factors on (x, y) give the message to y a range of e^1200; two on (y, z) favour its
     * tiny entry by e^1400. In plain doubles that entry underflows to 0 and P(y = 1) would come
     * out 0 instead of ~1; the junction tree must notice and use log tables. */
    uint32_t c3[3] = {2, 2, 2};
    CHECK_OK(gmdl_mrf_create(&m, 3, c3, &err));
    uint32_t xy[2] = {0, 1}, yz[2] = {1, 2};
    double fxy[4] = {1.0, exp(-600.0), 1.0, exp(-600.0)};
    double gyz[4] = {1.0, 1.0, exp(700.0), exp(700.0)};
    CHECK_OK(gmdl_mrf_add_factor(m, 2, xy, fxy, &err));
    CHECK_OK(gmdl_mrf_add_factor(m, 2, xy, fxy, &err));
    CHECK_OK(gmdl_mrf_add_factor(m, 2, yz, gyz, &err));
    CHECK_OK(gmdl_mrf_add_factor(m, 2, yz, gyz, &err));
    double m3[6];
    /* Z = sum_y m(y) sum_z g(y,z)^2 with m(0) = 2, m(1) = 2 e^-1200: 4 + 4 e^200 */
    double want = log(4.0) + 200.0 + log1p(exp(-200.0));
    CHECK_OK(gmdl_mrf_exact(&lz, m3, NULL, m, NULL, NULL, &err));
    CHECK_NEAR(lz, want, 1e-9, 1e-12);
    CHECK_NEAR(m3[3], 1.0 / (1.0 + exp(-200.0)), 1e-12, 0);
    CHECK_NEAR(m3[0], 0.5, 1e-12, 0);
    CHECK_OK(gmdl_mrf_exact(&lz, NULL, NULL, m, NULL, NULL, &err));
    CHECK_NEAR(lz, want, 1e-9, 1e-12);
    CHECK_OK(gmdl_mrf_ve(&lz, p, m, NULL, 1, NULL, &err));
    CHECK_NEAR(p[1], 1.0, 1e-12, 0);
    CHECK_NEAR(lz, want, 1e-9, 1e-12);
    gmdl_mrf_destroy(m);
}

/* Cliques big enough for the threaded table kernels (2^18 entries), a factor over 13 variables
 * (more than a factor group holds) and 153 pairwise factors (many per clique, grouped): the
 * junction tree matches brute force, and 1, 2 and 3 threads give bitwise the same log Z and
 * marginals. */
static void check_threads_groups(gmdl_rng *rng) {
    enum { N = 18 };
    uint32_t card[N];
    for (int v = 0; v < N; v++)
        card[v] = 2;
    gmdl_mrf *m = NULL;
    gmdl_err err = {{0}};
    CHECK_OK(gmdl_mrf_create(&m, N, card, &err));
    for (uint32_t a = 0; a < N; a++)
        for (uint32_t b = a + 1; b < N; b++) {
            uint32_t sc[2] = {a, b};
            double val[4];
            for (int k = 0; k < 4; k++)
                val[k] = exp(0.3 * gmdl_rng_normal(rng));
            CHECK_OK(gmdl_mrf_add_factor(m, 2, sc, val, &err));
        }
    uint32_t big[13];
    for (uint32_t k = 0; k < 13; k++)
        big[k] = 2 + k;
    double *bv = malloc(8192 * sizeof *bv);
    for (int k = 0; k < 8192; k++)
        bv[k] = exp(0.5 * gmdl_rng_normal(rng));
    CHECK_OK(gmdl_mrf_add_factor(m, 13, big, bv, &err));
    free(bv);
    /* brute force: 2^18 states */
    double mx = -INFINITY, marg[N][2] = {{0}};
    double *lp = malloc(((size_t)1 << N) * sizeof *lp);
    for (size_t i = 0; i < (size_t)1 << N; i++) {
        uint32_t x[N];
        for (int v = 0; v < N; v++)
            x[v] = (uint32_t)(i >> (N - 1 - v)) & 1u;
        lp[i] = gmdl_mrf_log_potential(m, x);
        mx = fmax(mx, lp[i]);
    }
    double z = 0.0;
    for (size_t i = 0; i < (size_t)1 << N; i++) {
        double w = exp(lp[i] - mx);
        z += w;
        for (int v = 0; v < N; v++)
            marg[v][(i >> (N - 1 - v)) & 1u] += w;
    }
    free(lp);
    double lz[3], mar[3][2 * N];
    gmdl_exact_stats st;
    for (int t = 0; t < 3; t++) {
#ifdef _OPENMP
        omp_set_num_threads(t + 1);
#endif
        CHECK_OK(gmdl_mrf_exact(&lz[t], mar[t], &st, m, NULL, NULL, &err));
    }
#ifdef _OPENMP
    omp_set_num_threads(omp_get_num_procs());
#endif
    CHECK(st.max_clique_entries >= 65536.0); /* the threaded kernels ran */
    CHECK_NEAR(lz[0], mx + log(z), 1e-9, 1e-12);
    for (int v = 0; v < N; v++)
        for (int x = 0; x < 2; x++)
            CHECK_NEAR(mar[0][2 * v + x], marg[v][x] / z, 1e-10, 0);
    for (int t = 1; t < 3; t++) {
        CHECK(memcmp(&lz[t], &lz[0], sizeof lz[0]) == 0);
        CHECK(memcmp(mar[t], mar[0], sizeof mar[0]) == 0);
    }
    gmdl_mrf_destroy(m);
}

int main(int argc, char **argv) {
    gmdl_rng rng;
    uint64_t seed = th_seed(5);
    gmdl_rng_seed(&rng, seed, 77);
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    check_factor_ops(&rng);
    check_edge_cases();
    check_wide_range(&rng);
    check_threads_groups(&rng);
    const char *small[] = {"bif/asia.bif", "bif/cancer.bif", "bif/earthquake.bif", "bif/survey.bif",
                           "bif/sachs.bif"};
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++)
        check_brute(small[i], &rng);
    check_jt_vs_ve("bif/alarm.bif", &rng);
    check_jt_vs_ve("bif/child.bif", &rng);
    check_asia_reference();
    check_budget();
    check_heuristics();
    const char *uai[] = {"Promedus_24", "Pedigree_11", "Segmentation_11",
                         "CSP_12",      "DBN_11",      "Grids_11"};
    for (size_t i = 0; i < (quick ? 4 : 6); i++)
        check_uai(uai[i]);
    if (th_failed)
        fprintf(stderr, "seed %llu\n", (unsigned long long)seed);
    TEST_MAIN_END();
}
