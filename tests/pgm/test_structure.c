/* Structure learning: CPDAGs and SHD on hand-made graphs; the BDeu score against the sequential
 * (Polya urn) product of predictive probabilities and against numerical integration, BIC against
 * the log-likelihood of gmdl_bn_learn, decomposability and score equivalence; recovery of asia
 * (hill climbing) and of a small net (PC) from samples; child past the local optimum that a short
 * tabu walk stops in, and PC's v-structures by strength there; black and white lists; data read
 * without a net. */
#include <math.h>

#include "gmdl/core.h"
#include "harness.h"
#include "pgm_util.h"

/* A net of n nodes with cardinalities card and arcs edges[0..ne-1] = {from, to}. */
static gmdl_bn *make_net(size_t n, const uint32_t *card, const int (*edges)[2], size_t ne) {
    gmdl_bn *bn = NULL;
    gmdl_err err = {{0}};
    CHECK_OK(gmdl_bn_create(&bn, n, card, &err));
    for (size_t v = 0; v < n; v++) {
        uint32_t par[16];
        size_t np = 0;
        for (size_t e = 0; e < ne; e++)
            if (edges[e][1] == (int)v)
                par[np++] = (uint32_t)edges[e][0];
        CHECK_OK(gmdl_bn_set_parents(bn, (uint32_t)v, np, par, &err));
    }
    return bn;
}

static void dag_of(uint8_t *dag, size_t n, const int (*edges)[2], size_t ne) {
    memset(dag, 0, n * n);
    for (size_t e = 0; e < ne; e++)
        dag[edges[e][0] * n + edges[e][1]] = 1;
}

/* 0 none, 1 a -> b, 2 b -> a, 3 undirected */
static int status(const uint8_t *g, size_t n, size_t a, size_t b) {
    return (g[a * n + b] ? 1 : 0) + (g[b * n + a] ? 2 : 0);
}

static void check_cpdag(void) {
    gmdl_err err = {{0}};
    uint8_t dag[36], cp[36], cp2[36];
    static const int chain[][2] = {{0, 1}, {1, 2}};
    dag_of(dag, 3, chain, 2);
    CHECK_OK(gmdl_dag_cpdag(cp, dag, 3, &err));
    CHECK_EQ(status(cp, 3, 0, 1), 3);
    CHECK_EQ(status(cp, 3, 1, 2), 3);
    CHECK_EQ(status(cp, 3, 0, 2), 0);
    /* collider 0 -> 2 <- 1 and 2 -> 3: all compelled (rule 1 orients 2 -> 3) */
    static const int coll[][2] = {{0, 2}, {1, 2}, {2, 3}};
    dag_of(dag, 4, coll, 3);
    CHECK_OK(gmdl_dag_cpdag(cp, dag, 4, &err));
    CHECK_EQ(status(cp, 4, 0, 2), 1);
    CHECK_EQ(status(cp, 4, 1, 2), 1);
    CHECK_EQ(status(cp, 4, 2, 3), 1);
    /* rule 3: d=3 -> a=0, d -> c=2, a -> b=1 <- c, d -> b: d -> b compelled, d - a, d - c not */
    static const int r3[][2] = {{3, 0}, {3, 2}, {0, 1}, {2, 1}, {3, 1}};
    dag_of(dag, 4, r3, 5);
    CHECK_OK(gmdl_dag_cpdag(cp, dag, 4, &err));
    CHECK_EQ(status(cp, 4, 0, 1), 1);
    CHECK_EQ(status(cp, 4, 2, 1), 1);
    CHECK_EQ(status(cp, 4, 3, 1), 1);
    CHECK_EQ(status(cp, 4, 3, 0), 3);
    CHECK_EQ(status(cp, 4, 3, 2), 3);
    /* rule 2: 0 -> 1 <- 2 (v-structure), 1 -> 3 (rule 1), 0 -> 3: 0 -> 3 compelled by rule 2 */
    static const int r2[][2] = {{0, 1}, {2, 1}, {1, 3}, {0, 3}};
    dag_of(dag, 4, r2, 4);
    CHECK_OK(gmdl_dag_cpdag(cp, dag, 4, &err));
    CHECK_EQ(status(cp, 4, 1, 3), 1);
    CHECK_EQ(status(cp, 4, 0, 3), 1);
    /* a cycle is refused */
    static const int cyc[][2] = {{0, 1}, {1, 2}, {2, 0}};
    dag_of(dag, 3, cyc, 3);
    CHECK_STATUS(gmdl_dag_cpdag(cp, dag, 3, &err), GMDL_EINVAL);
    /* SHD: equal classes 0; a reversed collider arc 2 (two pairs change status); a missing edge 1
     */
    static const int chain_rev[][2] = {{2, 1}, {1, 0}};
    dag_of(dag, 3, chain, 2);
    CHECK_OK(gmdl_dag_cpdag(cp, dag, 3, &err));
    dag_of(dag, 3, chain_rev, 2);
    CHECK_OK(gmdl_dag_cpdag(cp2, dag, 3, &err));
    CHECK_EQ(gmdl_pdag_shd(cp, cp2, 3), 0u);
    static const int coll3[][2] = {{0, 2}, {1, 2}}, notcoll[][2] = {{0, 2}, {2, 1}};
    dag_of(dag, 3, coll3, 2);
    CHECK_OK(gmdl_dag_cpdag(cp, dag, 3, &err));
    dag_of(dag, 3, notcoll, 2);
    CHECK_OK(gmdl_dag_cpdag(cp2, dag, 3, &err));
    CHECK_EQ(gmdl_pdag_shd(cp, cp2, 3), 2u);
    dag_of(dag, 3, chain, 1);
    CHECK_OK(gmdl_dag_cpdag(cp2, dag, 3, &err));
    dag_of(dag, 3, chain, 2);
    CHECK_OK(gmdl_dag_cpdag(cp, dag, 3, &err));
    CHECK_EQ(gmdl_pdag_shd(cp, cp2, 3), 1u);
}

/* gmdl_bn_shd matches nodes by name: the same net with its nodes renumbered is at distance 0. */
static void check_bn_shd(void) {
    gmdl_err err = {{0}};
    gmdl_bn *asia = NULL, *learned = NULL;
    CHECK_OK(gmdl_bn_read_bif(&asia, data_path("bif/asia.bif"), &err));
    if (!asia)
        return;
    size_t shd = 99;
    CHECK_OK(gmdl_bn_shd(&shd, asia, asia, &err));
    CHECK_EQ(shd, 0u);
    /* the asia arcs written by hand on names, in another node order; then one arc dropped */
    static const char *const names[] = {"dysp", "either", "xray",  "bronc",
                                        "lung", "tub",    "smoke", "asia"};
    static const int arcs[][2] = {{7, 5}, {6, 4}, {6, 3}, {5, 1}, {4, 1}, {1, 2}, {1, 0}, {3, 0}};
    char text[2048];
    size_t len = 0;
    for (size_t v = 0; v < 8; v++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "variable %s { type discrete [ 2 ] { yes, no }; }\n", names[v]);
    for (size_t v = 0; v < 8; v++) {
        char given[256] = "";
        size_t gl = 0, np = 0;
        for (size_t e = 0; e < 7; e++) /* the last arc (bronc -> dysp) left out */
            if (arcs[e][1] == (int)v)
                gl += (size_t)snprintf(given + gl, sizeof given - gl, "%s%s", np++ ? ", " : " | ",
                                       names[arcs[e][0]]);
        len += (size_t)snprintf(text + len, sizeof text - len, "probability ( %s%s ) {", names[v],
                                given);
        if (np == 0)
            len += (size_t)snprintf(text + len, sizeof text - len, " table 0.5, 0.5; }\n");
        else
            len += (size_t)snprintf(text + len, sizeof text - len, " default 0.5, 0.5; }\n");
    }
    CHECK_OK(gmdl_bn_parse_bif(&learned, text, len, "hand.bif", &err));
    if (learned) {
        CHECK_OK(gmdl_bn_shd(&shd, learned, asia, &err));
        /* without bronc -> dysp the class keeps tub -> either <- lung, either -> xray and
           either -> dysp (rule 1); only the pair bronc, dysp differs */
        CHECK_EQ(shd, 1u);
        /* the distance is symmetric */
        size_t back = 0;
        CHECK_OK(gmdl_bn_shd(&back, asia, learned, &err));
        CHECK_EQ(back, shd);
    }
    gmdl_bn_destroy(learned);
    gmdl_bn_destroy(asia);
}

/* Data of n rows drawn from bn (seeded). */
static void sample_data(gmdl_bn_data *d, const gmdl_bn *bn, size_t n, uint64_t seed) {
    gmdl_err err = {{0}};
    size_t V = gmdl_bn_nvars(bn);
    uint32_t *x = malloc(n * V * sizeof *x);
    CHECK_OK(gmdl_bn_data_init(d, n, V, &err));
    CHECK_OK(gmdl_bn_sample(x, bn, n, seed, 0, &err));
    for (size_t i = 0; i < n * V; i++)
        d->x[i] = (int32_t)x[i];
    free(x);
}

/* Random CPTs (Dirichlet(1)) for every node of bn. */
static void random_cpts(gmdl_bn *bn, gmdl_rng *rng) {
    gmdl_err err = {{0}};
    for (size_t v = 0; v < gmdl_bn_nvars(bn); v++) {
        size_t rows = 1, r = gmdl_bn_card(bn, v);
        for (size_t k = 0; k < gmdl_bn_nparents(bn, v); k++)
            rows *= gmdl_bn_card(bn, gmdl_bn_parents(bn, v)[k]);
        double *p = malloc(rows * r * sizeof *p), a[16];
        for (size_t i = 0; i < r; i++)
            a[i] = 1.0;
        for (size_t j = 0; j < rows; j++)
            gmdl_rng_dirichlet(rng, a, r, p + j * r);
        CHECK_OK(gmdl_bn_set_cpt(bn, (uint32_t)v, p, &err));
        free(p);
    }
}

/* The BDeu log marginal likelihood as the product over rows of the posterior predictive
 * probabilities (N_jk + a_jk) / (N_j + a_j) of each node given the rows before (Polya urn). */
static double bdeu_sequential(const gmdl_bn *bn, const gmdl_bn_data *d, double ess) {
    size_t V = gmdl_bn_nvars(bn);
    double total = 0.0;
    for (size_t v = 0; v < V; v++) {
        size_t r = gmdl_bn_card(bn, v), q = 1, np = gmdl_bn_nparents(bn, v);
        const uint32_t *par = gmdl_bn_parents(bn, v);
        for (size_t k = 0; k < np; k++)
            q *= gmdl_bn_card(bn, par[k]);
        double *n = calloc(q * r, sizeof *n), ajk = ess / (double)(q * r), aj = ess / (double)q;
        for (size_t row = 0; row < d->nrows; row++) {
            size_t j = 0;
            for (size_t k = 0; k < np; k++)
                j = j * gmdl_bn_card(bn, par[k]) + (size_t)d->x[row * V + par[k]];
            size_t x = (size_t)d->x[row * V + v];
            double nj = 0.0;
            for (size_t s = 0; s < r; s++)
                nj += n[j * r + s];
            total += log((n[j * r + x] + ajk) / (nj + aj));
            n[j * r + x] += 1.0;
        }
        free(n);
    }
    return total;
}

static void check_scores(gmdl_rng *rng) {
    gmdl_err err = {{0}};
    static const uint32_t card[4] = {2, 3, 2, 4};
    static const int arcs[][2] = {{0, 2}, {1, 2}, {2, 3}, {0, 3}};
    gmdl_bn *bn = make_net(4, card, arcs, 4);
    random_cpts(bn, rng);
    gmdl_bn_data d;
    sample_data(&d, bn, 300, 7);
    gmdl_score_config sc = gmdl_score_config_default();
    double fam[4], score;
    for (int e = 0; e < 3; e++) { /* BDeu against the sequential product, three ESS */
        sc.kind = GMDL_SCORE_BDEU;
        sc.ess = e == 0 ? 1.0 : e == 1 ? 0.1 : 10.0;
        CHECK_OK(gmdl_bn_score(&score, fam, bn, &d, &sc, &err));
        CHECK_NEAR(score, bdeu_sequential(bn, &d, sc.ess), 1e-9, 1e-12);
        CHECK_NEAR(score, fam[0] + fam[1] + fam[2] + fam[3], 1e-9, 0);
    }
    /* BIC = the maximum log-likelihood (gmdl_bn_learn's) - 0.5 log N x free parameters */
    sc.kind = GMDL_SCORE_BIC;
    CHECK_OK(gmdl_bn_score(&score, fam, bn, &d, &sc, &err));
    gmdl_bn_learn_config lc = gmdl_bn_learn_config_default();
    gmdl_bn_learn_stats ls = {0};
    CHECK_OK(gmdl_bn_learn(bn, &ls, &d, &lc, &err));
    CHECK_NEAR(score, ls.loglik[0] - 0.5 * log(300.0) * (double)gmdl_bn_nparams(bn), 1e-8, 1e-12);
    gmdl_bn_learn_stats_fini(&ls);
    /* decomposable: dropping 0 -> 3 changes node 3's term only */
    double fam2[4];
    uint32_t p3[1] = {2};
    CHECK_OK(gmdl_bn_set_parents(bn, 3, 1, p3, &err));
    CHECK_OK(gmdl_bn_score(&score, fam2, bn, &d, &sc, &err));
    for (int v = 0; v < 3; v++)
        CHECK_EQ(fam2[v], fam[v]);
    CHECK(fam2[3] != fam[3]);
    /* score equivalence: 0 -> 1 and 1 -> 0 score the same under BIC and BDeu */
    static const int ab[][2] = {{0, 1}}, ba[][2] = {{1, 0}};
    gmdl_bn *n1 = make_net(2, card, ab, 1), *n2 = make_net(2, card, ba, 1);
    gmdl_bn_data d2;
    sample_data(&d2, bn, 200, 9); /* the first two columns are any dependent pair */
    gmdl_bn_data two;
    CHECK_OK(gmdl_bn_data_init(&two, 200, 2, &err));
    for (size_t r = 0; r < 200; r++)
        two.x[2 * r] = d2.x[4 * r], two.x[2 * r + 1] = d2.x[4 * r + 1] % 2;
    for (int k = 0; k < 2; k++) {
        sc.kind = k ? GMDL_SCORE_BDEU : GMDL_SCORE_BIC;
        sc.ess = 3.0;
        double s1, s2;
        CHECK_OK(gmdl_bn_score(&s1, NULL, n1, &two, &sc, &err));
        CHECK_OK(gmdl_bn_score(&s2, NULL, n2, &two, &sc, &err));
        CHECK_NEAR(s1, s2, 1e-9, 1e-12);
    }
    /* missing cells are refused */
    two.x[3] = -1;
    CHECK_STATUS(gmdl_bn_score(&score, NULL, n1, &two, &sc, &err), GMDL_EINVAL);
    gmdl_bn_data_fini(&two);
    gmdl_bn_data_fini(&d2);
    gmdl_bn_data_fini(&d);
    gmdl_bn_destroy(n1);
    gmdl_bn_destroy(n2);
    gmdl_bn_destroy(bn);
}

/* One binary node, ESS 4 (a Beta(2, 2) prior): the score against Simpson's rule on the integral
 * of theta^N1 (1 - theta)^N0 Beta(theta; 2, 2). */
static void check_bdeu_integral(void) {
    gmdl_err err = {{0}};
    uint32_t card[1] = {2};
    gmdl_bn *bn = NULL;
    CHECK_OK(gmdl_bn_create(&bn, 1, card, &err));
    gmdl_bn_data d;
    CHECK_OK(gmdl_bn_data_init(&d, 12, 1, &err));
    int n1 = 0;
    for (int r = 0; r < 12; r++)
        n1 += (d.x[r] = (r % 5 == 1 || r % 3 == 0) ? 1 : 0);
    gmdl_score_config sc = gmdl_score_config_default();
    sc.kind = GMDL_SCORE_BDEU;
    sc.ess = 4.0;
    double score;
    CHECK_OK(gmdl_bn_score(&score, NULL, bn, &d, &sc, &err));
    const int M = 20000;
    double h = 1.0 / M, integral = 0.0;
    for (int i = 0; i <= M; i++) {
        double t = i * h, w = (i == 0 || i == M) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        integral += w * pow(t, n1) * pow(1.0 - t, 12 - n1) * 6.0 * t * (1.0 - t);
    }
    integral *= h / 3.0;
    CHECK_NEAR(score, log(integral), 1e-9, 0);
    gmdl_bn_data_fini(&d);
    gmdl_bn_destroy(bn);
}

/* Hill climbing recovers asia's class from 10,000 samples within one pair (the either node is a
 * deterministic OR, which BIC at this size may miss by one arc); PC recovers earthquake's. The
 * result is the same with the tie-break of a restart, and the running score equals a fresh one. */
static void check_recovery(void) {
    gmdl_err err = {{0}};
    static const char *const nets[2] = {"bif/asia.bif", "bif/earthquake.bif"};
    for (int k = 0; k < 2; k++) {
        gmdl_bn *truth = NULL, *learned = NULL;
        CHECK_OK(gmdl_bn_read_bif(&truth, data_path(nets[k]), &err));
        if (!truth)
            return;
        size_t V = gmdl_bn_nvars(truth);
        gmdl_bn_data d;
        sample_data(&d, truth, 10000, 1);
        uint32_t card[64];
        for (size_t v = 0; v < V; v++)
            card[v] = gmdl_bn_card(truth, v);
        gmdl_structure_config cfg = gmdl_structure_config_default();
        cfg.method = k == 0 ? GMDL_STRUCT_HC : GMDL_STRUCT_PC;
        uint8_t dag[64 * 64], pdag[64 * 64], cp[64 * 64];
        gmdl_structure_stats st;
        CHECK_OK(gmdl_bn_learn_structure(dag, pdag, &st, &d, card, &cfg, &err));
        CHECK_OK(gmdl_bn_create(&learned, V, card, &err));
        CHECK_OK(gmdl_bn_set_dag(learned, dag, &err));
        /* the learned net has X<i> names: compare on the matrices */
        uint8_t tdag[64 * 64], tcp[64 * 64];
        gmdl_bn_dag(tdag, truth);
        CHECK_OK(gmdl_dag_cpdag(tcp, tdag, V, &err));
        CHECK_OK(gmdl_dag_cpdag(cp, dag, V, &err));
        size_t shd = gmdl_pdag_shd(cp, tcp, V);
        fprintf(stderr, "%s: %s SHD %zu\n", nets[k], k == 0 ? "hc" : "pc", shd);
        CHECK(shd <= (k == 0 ? 1u : 0u));
        /* the reported score is the score of the DAG */
        double score;
        gmdl_score_config sc = gmdl_score_config_default();
        CHECK_OK(gmdl_bn_score(&score, NULL, learned, &d, &sc, &err));
        CHECK_NEAR(st.score, score, 1e-6, 1e-12);
        if (k == 0) { /* HC's pdag is the CPDAG of its DAG; restarts never lower the score */
            CHECK_EQ(gmdl_pdag_shd(cp, pdag, V), 0u);
            gmdl_structure_stats st2;
            cfg.restarts = 3;
            CHECK_OK(gmdl_bn_learn_structure(dag, NULL, &st2, &d, card, &cfg, &err));
            CHECK(st2.score >= st.score - 1e-9 * fabs(st.score));
            CHECK_EQ(st2.restarts, 3u);
        } else
            CHECK(st.tests > 0);
        gmdl_bn_data_fini(&d);
        gmdl_bn_destroy(learned);
        gmdl_bn_destroy(truth);
    }
}

/* child (20 nodes, Disease with 6 states) from 10,000 samples: a climb with a tabu list of 10
 * moves (bnlearn's tabu default) ends, on most samples, in a local optimum whose BIC is below the
 * true structure's (LVHreport -> LVH -> Disease and other arcs oriented against the truth early,
 * four extra arcs to compensate: SHD 4 at 10,000 rows, 15 at 50,000). The default tabu walk of
 * 100 moves gets past it: the learned class scores at least as well as the truth and is within
 * one pair of it. */
static void check_child(void) {
    gmdl_err err = {{0}};
    gmdl_bn *truth = NULL;
    CHECK_OK(gmdl_bn_read_bif(&truth, data_path("bif/child.bif"), &err));
    if (!truth)
        return;
    size_t V = gmdl_bn_nvars(truth);
    gmdl_bn_data d;
    sample_data(&d, truth, 10000, 2);
    uint32_t card[64];
    for (size_t v = 0; v < V; v++)
        card[v] = gmdl_bn_card(truth, v);
    double truth_score;
    gmdl_score_config sc = gmdl_score_config_default();
    CHECK_OK(gmdl_bn_score(&truth_score, NULL, truth, &d, &sc, &err));
    uint8_t dag[64 * 64], cp[64 * 64], tdag[64 * 64], tcp[64 * 64];
    gmdl_bn_dag(tdag, truth);
    CHECK_OK(gmdl_dag_cpdag(tcp, tdag, V, &err));
    gmdl_structure_config cfg = gmdl_structure_config_default();
    CHECK_EQ(cfg.tabu, 100u);
    for (int k = 0; k < 2; k++) {
        cfg.tabu = k == 0 ? 10 : 100;
        gmdl_structure_stats st;
        CHECK_OK(gmdl_bn_learn_structure(dag, NULL, &st, &d, card, &cfg, &err));
        CHECK_OK(gmdl_dag_cpdag(cp, dag, V, &err));
        size_t shd = gmdl_pdag_shd(cp, tcp, V);
        fprintf(stderr, "child, tabu %zu: SHD %zu, BIC %.3f (true structure %.3f)\n", cfg.tabu, shd,
                st.score, truth_score);
        if (k == 1) {
            CHECK(st.score >= truth_score - 1e-9 * fabs(truth_score));
            CHECK(shd <= 1u);
        }
    }
    gmdl_bn_data_fini(&d);
    /* PC at 0.01 from 50,000 rows drops BirthAsphyxia - Disease and Disease - Sick (SHD 2 from
     * them); with the v-structures applied in pair order a wrong one claimed first reoriented
     * twelve more pairs (SHD 14 on three of five samples); strongest evidence first gives 2. */
    sample_data(&d, truth, 50000, 1);
    cfg.method = GMDL_STRUCT_PC;
    CHECK_OK(gmdl_bn_learn_structure(dag, NULL, NULL, &d, card, &cfg, &err));
    CHECK_OK(gmdl_dag_cpdag(cp, dag, V, &err));
    size_t shd = gmdl_pdag_shd(cp, tcp, V);
    fprintf(stderr, "child, pc: SHD %zu\n", shd);
    CHECK(shd <= 2u);
    gmdl_bn_data_fini(&d);
    gmdl_bn_destroy(truth);
}

/* Black and white lists, parent limit, bad arguments. */
static void check_lists(void) {
    gmdl_err err = {{0}};
    static const uint32_t card[3] = {2, 2, 2};
    static const int chain[][2] = {{0, 1}, {1, 2}};
    gmdl_bn *bn = make_net(3, card, chain, 2);
    static const double p0[2] = {0.5, 0.5}, p1[4] = {0.9, 0.1, 0.1, 0.9};
    CHECK_OK(gmdl_bn_set_cpt(bn, 0, p0, &err));
    CHECK_OK(gmdl_bn_set_cpt(bn, 1, p1, &err));
    CHECK_OK(gmdl_bn_set_cpt(bn, 2, p1, &err));
    gmdl_bn_data d;
    sample_data(&d, bn, 2000, 3);
    gmdl_structure_config cfg = gmdl_structure_config_default();
    uint8_t dag[9];
    for (int m = 0; m < 2; m++) {
        cfg.method = m ? GMDL_STRUCT_PC : GMDL_STRUCT_HC;
        /* forbidding 0 -> 1 and 1 -> 0 keeps the pair apart; 2 -> 1 forced */
        static const uint32_t black[4] = {0, 1, 1, 0}, white[2] = {2, 1};
        cfg.black = black, cfg.nblack = 2, cfg.white = white, cfg.nwhite = 1;
        CHECK_OK(gmdl_bn_learn_structure(dag, NULL, NULL, &d, card, &cfg, &err));
        CHECK(!dag[0 * 3 + 1] && !dag[1 * 3 + 0]);
        CHECK(dag[2 * 3 + 1] && !dag[1 * 3 + 2]);
        cfg.nblack = cfg.nwhite = 0;
        CHECK_OK(gmdl_bn_learn_structure(dag, NULL, NULL, &d, card, &cfg, &err));
        CHECK(dag[0 * 3 + 1] || dag[1 * 3 + 0]);
        CHECK(dag[1 * 3 + 2] || dag[2 * 3 + 1]);
        CHECK(!dag[0 * 3 + 2] && !dag[2 * 3 + 0]);
    }
    cfg.method = GMDL_STRUCT_HC;
    static const uint32_t self[2] = {1, 1}, both[2] = {0, 1};
    cfg.black = self, cfg.nblack = 1;
    CHECK_STATUS(gmdl_bn_learn_structure(dag, NULL, NULL, &d, card, &cfg, &err), GMDL_EINVAL);
    cfg.black = both, cfg.white = both, cfg.nwhite = 1;
    CHECK_STATUS(gmdl_bn_learn_structure(dag, NULL, NULL, &d, card, &cfg, &err), GMDL_EINVAL);
    cfg.nblack = cfg.nwhite = 0;
    cfg.max_parents = 1; /* a collider's child keeps one parent */
    static const int coll[][2] = {{0, 2}, {1, 2}};
    gmdl_bn *c = make_net(3, card, coll, 2);
    static const double px[8] = {0.95, 0.05, 0.5, 0.5, 0.5, 0.5, 0.05, 0.95};
    CHECK_OK(gmdl_bn_set_cpt(c, 0, p0, &err));
    CHECK_OK(gmdl_bn_set_cpt(c, 1, p0, &err));
    CHECK_OK(gmdl_bn_set_cpt(c, 2, px, &err));
    gmdl_bn_data dc;
    sample_data(&dc, c, 4000, 5);
    CHECK_OK(gmdl_bn_learn_structure(dag, NULL, NULL, &dc, card, &cfg, &err));
    for (size_t v = 0; v < 3; v++)
        CHECK(dag[0 * 3 + v] + dag[1 * 3 + v] + dag[2 * 3 + v] <= 1);
    cfg.max_parents = 0;
    CHECK_OK(gmdl_bn_learn_structure(dag, NULL, NULL, &dc, card, &cfg, &err));
    CHECK(dag[0 * 3 + 2] && dag[1 * 3 + 2]);
    dc.x[5] = -1;
    CHECK_STATUS(gmdl_bn_learn_structure(dag, NULL, NULL, &dc, card, &cfg, &err), GMDL_EINVAL);
    gmdl_bn_data_fini(&dc);
    gmdl_bn_data_fini(&d);
    gmdl_bn_destroy(c);
    gmdl_bn_destroy(bn);
}

/* A CSV read without a net: names from the header, states sorted, missing cells counted. */
static void check_read_new(void) {
    gmdl_err err = {{0}};
    char path[] = "/tmp/gmdl_structure_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "w");
    fputs("B,A\nyes,lo\nno,hi\nyes,?\nmaybe,lo\n", f);
    fclose(f);
    gmdl_bn *bn = NULL;
    gmdl_bn_data d;
    CHECK_OK(gmdl_bn_data_read_new(&bn, &d, path, &err));
    if (bn) {
        CHECK_EQ(gmdl_bn_nvars(bn), 2u);
        CHECK(strcmp(gmdl_bn_name(bn, 0), "B") == 0 && strcmp(gmdl_bn_name(bn, 1), "A") == 0);
        CHECK_EQ(gmdl_bn_card(bn, 0), 3u);
        CHECK(strcmp(gmdl_bn_state_name(bn, 0, 0), "maybe") == 0);
        CHECK(strcmp(gmdl_bn_state_name(bn, 0, 2), "yes") == 0);
        CHECK_EQ(d.x[0], 2);
        CHECK_EQ(d.x[1], 1);
        CHECK_EQ(d.x[5], -1);
        CHECK_EQ(d.missing, 1u);
        gmdl_bn_data_fini(&d);
        gmdl_bn_destroy(bn);
    }
    f = fopen(path, "w");
    fputs("A,A\nx,y\n", f);
    fclose(f);
    CHECK_STATUS(gmdl_bn_data_read_new(&bn, &d, path, &err), GMDL_EPARSE);
    CHECK_STR_CONTAINS(err.msg, ":1:");
    remove(path);
}

int main(void) {
    gmdl_rng rng;
    gmdl_rng_seed(&rng, th_seed(21), 5);
    check_cpdag();
    check_bn_shd();
    check_scores(&rng);
    check_bdeu_integral();
    check_recovery();
    check_child();
    check_lists();
    check_read_new();
    TEST_MAIN_END();
}
