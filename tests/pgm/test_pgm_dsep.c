/* d-separation: facts derived by hand and with pgmpy on the test networks (asserted below);
 * Bayes-ball against two independent oracles (the moralised ancestral graph criterion and the
 * Koller-Friedman "reachable" procedure that pgmpy uses) on 1000 random DAGs of up to 30 nodes;
 * and numerically, every reported independence holds (and every dependence shows) for random
 * CPTs of small random nets. Also the moral graph and undirected separation. */
#include "gmdl/core.h"
#include "harness.h"
#include "pgm_util.h"

static gmdl_bn *make_dag(size_t n, const int (*edges)[2], size_t ne, uint32_t k) {
    uint32_t card[64];
    for (size_t v = 0; v < n; v++)
        card[v] = k;
    gmdl_bn *bn = NULL;
    gmdl_err err = {{0}};
    CHECK_OK(gmdl_bn_create(&bn, n, card, &err));
    for (size_t v = 0; v < n; v++) {
        uint32_t par[64];
        size_t np = 0;
        for (size_t e = 0; e < ne; e++)
            if (edges[e][1] == (int)v)
                par[np++] = (uint32_t)edges[e][0];
        CHECK_OK(gmdl_bn_set_parents(bn, (uint32_t)v, np, par, &err));
    }
    return bn;
}

/* letters -> bitmask of node indices through a name table */
static unsigned reach_mask(gmdl_bn *bn, unsigned xmask, unsigned zmask) {
    uint32_t x[32], z[32];
    size_t nx = 0, nz = 0, n = gmdl_bn_nvars(bn);
    for (uint32_t v = 0; v < n; v++) {
        if (xmask >> v & 1)
            x[nx++] = v;
        if (zmask >> v & 1)
            z[nz++] = v;
    }
    uint8_t r[32];
    gmdl_err err = {{0}};
    CHECK_OK(gmdl_bn_reachable(r, bn, nx, x, nz, z, &err));
    unsigned m = 0;
    for (uint32_t v = 0; v < n; v++)
        if (r[v])
            m |= 1u << v;
    return m;
}

static int sep1(gmdl_bn *bn, uint32_t a, uint32_t b, unsigned zmask) {
    uint32_t z[32];
    size_t nz = 0;
    for (uint32_t v = 0; v < gmdl_bn_nvars(bn); v++)
        if (zmask >> v & 1)
            z[nz++] = v;
    int s = -1;
    gmdl_err err = {{0}};
    CHECK_OK(gmdl_bn_dsep(&s, bn, 1, &a, 1, &b, nz, z, &err));
    return s;
}

#define B(x) (1u << (x))

static void check_student(void) {
    enum { d, i, g, l, s };
    const int e[][2] = {{d, g}, {i, g}, {g, l}, {i, s}};
    gmdl_bn *bn = make_dag(5, e, 4, 2);
    CHECK_EQ(reach_mask(bn, B(d), 0), B(d) | B(g) | B(l));
    CHECK_EQ(reach_mask(bn, B(i), 0), B(g) | B(i) | B(l) | B(s));
    CHECK_EQ(reach_mask(bn, B(d), B(g)), B(d) | B(i) | B(s));
    CHECK_EQ(reach_mask(bn, B(l), B(g)), B(l));
    CHECK_EQ(reach_mask(bn, B(s), B(i) | B(l)), B(s));
    CHECK_EQ(reach_mask(bn, B(s), B(d) | B(l)), B(g) | B(i) | B(s));
    /* connected = not separated */
    CHECK_EQ(sep1(bn, d, l, 0), 0);
    CHECK_EQ(sep1(bn, g, s, 0), 0);
    CHECK_EQ(sep1(bn, d, i, 0), 1);
    CHECK_EQ(sep1(bn, d, i, B(g)), 0);
    CHECK_EQ(sep1(bn, d, l, B(g)), 1);
    CHECK_EQ(sep1(bn, i, l, B(g)), 1);
    CHECK_EQ(sep1(bn, d, i, B(l)), 0);
    CHECK_EQ(sep1(bn, g, s, B(i)), 1);
    CHECK_EQ(sep1(bn, d, s, 0), 1);
    CHECK_EQ(sep1(bn, s, l, 0), 0);
    CHECK_EQ(sep1(bn, d, s, B(g)), 0);
    CHECK_EQ(sep1(bn, s, l, B(g)), 1);
    CHECK_EQ(sep1(bn, s, l, B(i)), 1);
    CHECK_EQ(sep1(bn, d, s, B(l)), 0);
    CHECK_EQ(sep1(bn, d, s, B(i) | B(l)), 1);
    /* multi-source query J = {d, i}; a node both queried and observed is treated as observed */
    CHECK_EQ(reach_mask(bn, B(d) | B(i), 0), B(d) | B(g) | B(l) | B(i) | B(s));
    CHECK_EQ(reach_mask(bn, B(d) | B(g), B(g)), B(d) | B(i) | B(s));
    /* moral graph: the extra edge d - i */
    uint8_t adj[25];
    gmdl_bn_moral_graph(adj, bn);
    CHECK(adj[d * 5 + i] && adj[i * 5 + d]);
    CHECK(adj[d * 5 + g] && adj[g * 5 + l] && adj[i * 5 + s]);
    CHECK(!adj[d * 5 + l] && !adj[d * 5 + s] && !adj[l * 5 + s]);
    gmdl_bn_destroy(bn);
}

static void check_naive_bayes(void) {
    enum { d, g, l, s };
    const int e[][2] = {{d, g}, {d, l}, {d, s}};
    gmdl_bn *bn = make_dag(4, e, 3, 2);
    unsigned all = B(d) | B(g) | B(l) | B(s);
    CHECK_EQ(reach_mask(bn, B(d), 0), all);
    CHECK_EQ(reach_mask(bn, B(g), 0), all);
    CHECK_EQ(reach_mask(bn, B(d), B(g)), B(d) | B(l) | B(s));
    CHECK_EQ(reach_mask(bn, B(l), B(g)), B(d) | B(l) | B(s));
    CHECK_EQ(reach_mask(bn, B(s), B(g) | B(l)), B(d) | B(s));
    CHECK_EQ(reach_mask(bn, B(s), B(d) | B(l)), B(s));
    gmdl_bn_destroy(bn);
}

static void check_triplets(void) {
    enum { a, b, c, dd };
    const int chain[][2] = {{a, b}, {b, c}};
    const int fork[][2] = {{b, a}, {b, c}};
    const int coll[][2] = {{a, b}, {c, b}, {b, dd}};
    gmdl_bn *bn = make_dag(3, chain, 2, 2);
    CHECK_EQ(sep1(bn, a, c, B(b)), 1);
    CHECK_EQ(sep1(bn, a, c, 0), 0);
    gmdl_bn_destroy(bn);
    bn = make_dag(3, fork, 2, 2);
    CHECK_EQ(sep1(bn, a, c, B(b)), 1);
    CHECK_EQ(sep1(bn, a, c, 0), 0);
    gmdl_bn_destroy(bn);
    bn = make_dag(4, coll, 3, 2);
    CHECK_EQ(sep1(bn, a, c, 0), 1);
    CHECK_EQ(sep1(bn, a, c, B(b)), 0);
    CHECK_EQ(sep1(bn, a, c, B(dd)), 0);
    gmdl_bn_destroy(bn);
    /* SOURCE.md: Markov blanket of y in x->y, z->y, y->w, y->v, u->w, s->v, w->t, w->m, v->n,
     * v->q is {x, z, w, v, u, s}: the neighbours of y in the moral graph */
    enum { x, y, z, w, v, u, s, t, m, n, q };
    const int mb[][2] = {{x, y}, {z, y}, {y, w}, {y, v}, {u, w},
                         {s, v}, {w, t}, {w, m}, {v, n}, {v, q}};
    bn = make_dag(11, mb, 10, 2);
    uint8_t adj[121];
    gmdl_bn_moral_graph(adj, bn);
    unsigned got = 0;
    for (int k = 0; k < 11; k++)
        if (adj[y * 11 + k])
            got |= B(k);
    CHECK_EQ(got, B(x) | B(z) | B(w) | B(v) | B(u) | B(s));
    gmdl_bn_destroy(bn);
    /* immoralities of x->y, z->y, x->z, w->y: (w,x) and (w,z) are married in the moral graph */
    const int im[][2] = {{0, 1}, {2, 1}, {0, 2}, {3, 1}};
    bn = make_dag(4, im, 4, 2);
    gmdl_bn_moral_graph(adj, bn);
    CHECK(adj[3 * 4 + 0] && adj[3 * 4 + 2]);
    gmdl_bn_destroy(bn);
    /* a cycle is refused */
    const int ab[][2] = {{0, 1}};
    bn = make_dag(2, ab, 1, 2);
    gmdl_err err = {{0}};
    uint32_t p1 = 1;
    CHECK_STATUS(gmdl_bn_set_parents(bn, 0, 1, &p1, &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "cycle");
    gmdl_bn_destroy(bn);
}

static void check_asia(void) {
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    REQUIRE_OK_MSG(gmdl_bn_read_bif(&bn, data_path("bif/asia.bif"), &err), err.msg);
    struct {
        const char *x, *y, *z;
        int sep;
    } f[] = {{"asia", "smoke", "", 1},           {"asia", "smoke", "dysp", 0},
             {"asia", "smoke", "xray", 0},       {"tub", "lung", "", 1},
             {"tub", "lung", "either", 0},       {"xray", "dysp", "either", 1},
             {"xray", "smoke", "either", 1},     {"bronc", "lung", "smoke", 1},
             {"bronc", "lung", "smoke,dysp", 0}, {"asia", "xray", "tub", 1}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        uint32_t x, y, z[4];
        size_t nz = 0;
        CHECK_OK(gmdl_bn_find(&x, bn, f[i].x, &err));
        CHECK_OK(gmdl_bn_find(&y, bn, f[i].y, &err));
        char buf[64];
        snprintf(buf, sizeof buf, "%s", f[i].z);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
            CHECK_OK(gmdl_bn_find(&z[nz++], bn, tok, &err));
        int s = -1;
        CHECK_OK(gmdl_bn_dsep(&s, bn, 1, &x, 1, &y, nz, z, &err));
        if (s != f[i].sep)
            fprintf(stderr, "asia: %s _|_ %s | {%s} expected %d\n", f[i].x, f[i].y, f[i].z,
                    f[i].sep);
        CHECK_EQ(s, f[i].sep);
    }
    gmdl_bn_destroy(bn);
}

/* ---------------------------------------------------------------- oracles */

typedef struct {
    int n;
    unsigned par[32]; /* parent bitmasks */
} dag;

/* Moralised ancestral graph: X and Y separated by Z iff no path avoiding Z in the moral graph
 * of the subgraph induced by the ancestors of X u Y u Z. */
static int oracle_mag(const dag *G, unsigned X, unsigned Y, unsigned Z) {
    unsigned anc = X | Y | Z, prev = 0;
    while (anc != prev) {
        prev = anc;
        for (int v = 0; v < G->n; v++)
            if (anc >> v & 1)
                anc |= G->par[v];
    }
    unsigned adj[32] = {0};
    for (int v = 0; v < G->n; v++) {
        if (!(anc >> v & 1))
            continue;
        unsigned p = G->par[v] & anc;
        for (int a = 0; a < G->n; a++)
            if (p >> a & 1) {
                adj[v] |= 1u << a;
                adj[a] |= (1u << v) | (p & ~(1u << a));
            }
    }
    unsigned seen = X & ~Z, frontier = seen;
    while (frontier) {
        unsigned next = 0;
        for (int v = 0; v < G->n; v++)
            if (frontier >> v & 1)
                next |= adj[v];
        next &= anc & ~Z & ~seen;
        seen |= next;
        frontier = next;
    }
    return (seen & Y & ~Z) == 0;
}

/* Koller & Friedman Alg. 3.1 (pgmpy active_trail_nodes) from a set of sources. */
static unsigned oracle_kf(const dag *G, unsigned X, unsigned Z) {
    unsigned A = Z, prev = 0; /* ancestors of Z including Z */
    while (A != prev) {
        prev = A;
        for (int v = 0; v < G->n; v++)
            if (A >> v & 1)
                A |= G->par[v];
    }
    unsigned visited[2] = {0, 0}; /* [0] up, [1] down */
    unsigned result = 0;
    int stack[2048][2], sp = 0;
    for (int v = 0; v < G->n; v++)
        if (X >> v & 1) {
            stack[sp][0] = v;
            stack[sp++][1] = 0;
        }
    while (sp) {
        sp--;
        int v = stack[sp][0], dir = stack[sp][1];
        if (visited[dir] >> v & 1)
            continue;
        visited[dir] |= 1u << v;
        if (!(Z >> v & 1))
            result |= 1u << v;
        if (dir == 0 && !(Z >> v & 1)) {
            for (int p = 0; p < G->n; p++)
                if (G->par[v] >> p & 1) {
                    stack[sp][0] = p;
                    stack[sp++][1] = 0;
                }
            for (int c = 0; c < G->n; c++)
                if (G->par[c] >> v & 1) {
                    stack[sp][0] = c;
                    stack[sp++][1] = 1;
                }
        } else if (dir == 1) {
            if (!(Z >> v & 1))
                for (int c = 0; c < G->n; c++)
                    if (G->par[c] >> v & 1) {
                        stack[sp][0] = c;
                        stack[sp++][1] = 1;
                    }
            if (A >> v & 1)
                for (int p = 0; p < G->n; p++)
                    if (G->par[v] >> p & 1) {
                        stack[sp][0] = p;
                        stack[sp++][1] = 0;
                    }
        }
    }
    return result;
}

static unsigned rand_subset(gmdl_rng *r, int n, double p) {
    unsigned m = 0;
    for (int v = 0; v < n; v++)
        if (gmdl_rng_uniform(r) < p)
            m |= 1u << v;
    return m;
}

static gmdl_bn *bn_of(const dag *G, const uint32_t *card) {
    gmdl_bn *bn = NULL;
    gmdl_err err = {{0}};
    CHECK_OK(gmdl_bn_create(&bn, (size_t)G->n, card, &err));
    /* a random DAG is generated in topological index order, so parents come first */
    for (int v = 0; v < G->n; v++) {
        uint32_t par[32];
        size_t np = 0;
        for (int p = 0; p < G->n; p++)
            if (G->par[v] >> p & 1)
                par[np++] = (uint32_t)p;
        CHECK_OK(gmdl_bn_set_parents(bn, (uint32_t)v, np, par, &err));
    }
    return bn;
}

static void random_dag(gmdl_rng *r, dag *G, int n, double density) {
    G->n = n;
    /* random labelling so that index order is not the topological order */
    uint32_t perm[32];
    for (int v = 0; v < n; v++)
        perm[v] = (uint32_t)v;
    gmdl_rng_shuffle_u32(r, perm, (size_t)n);
    for (int v = 0; v < n; v++)
        G->par[v] = 0;
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            if (gmdl_rng_uniform(r) < density)
                G->par[perm[b]] |= 1u << perm[a];
}

static void check_random_dags(gmdl_rng *r) {
    int mism_mag = 0, mism_kf = 0, nsep = 0, total = 0;
    uint32_t card[32];
    for (int v = 0; v < 32; v++)
        card[v] = 2;
    for (int t = 0; t < 1000; t++) {
        dag G;
        int n = 2 + (int)gmdl_rng_bounded(r, 29); /* 2..30 nodes */
        random_dag(r, &G, n, 0.5 * gmdl_rng_uniform(r) * 4.0 / n + 0.02);
        gmdl_bn *bn = bn_of(&G, card);
        if (!bn)
            continue;
        for (int q = 0; q < 5; q++) {
            unsigned X = rand_subset(r, n, 1.5 / n), Y = rand_subset(r, n, 1.5 / n);
            unsigned Z = rand_subset(r, n, gmdl_rng_uniform(r) * 0.4);
            if (!X)
                X = 1u << gmdl_rng_bounded(r, (uint32_t)n);
            if (!Y)
                Y = 1u << gmdl_rng_bounded(r, (uint32_t)n);
            Y &= ~X;
            Z &= ~X & ~Y;
            if (!Y)
                continue;
            uint32_t x[32], y[32], z[32];
            size_t nx = 0, ny = 0, nz = 0;
            for (int v = 0; v < n; v++) {
                if (X >> v & 1)
                    x[nx++] = (uint32_t)v;
                if (Y >> v & 1)
                    y[ny++] = (uint32_t)v;
                if (Z >> v & 1)
                    z[nz++] = (uint32_t)v;
            }
            int s = -1;
            gmdl_err err = {{0}};
            CHECK_OK(gmdl_bn_dsep(&s, bn, nx, x, ny, y, nz, z, &err));
            total++;
            nsep += s;
            if (s != oracle_mag(&G, X, Y, Z))
                mism_mag++;
            uint8_t rc[32];
            CHECK_OK(gmdl_bn_reachable(rc, bn, nx, x, nz, z, &err));
            unsigned got = 0;
            for (int v = 0; v < n; v++)
                if (rc[v])
                    got |= 1u << v;
            if (got != oracle_kf(&G, X, Z))
                mism_kf++;
        }
        gmdl_bn_destroy(bn);
    }
    printf("random DAGs: %d queries (%d separated), %d disagree with the moralised ancestral "
           "graph, %d reachable sets disagree with Koller-Friedman\n",
           total, nsep, mism_mag, mism_kf);
    CHECK(total > 3000);
    CHECK(nsep > total / 10 && nsep < total * 9 / 10); /* both answers well represented */
    CHECK_EQ(mism_mag, 0);
    CHECK_EQ(mism_kf, 0);
}

/* Numerical check: for small random nets with random CPTs, every reported independence holds
 * (max |P(x,y|z) - P(x|z) P(y|z)| < 1e-12) and every reported dependence shows (> 1e-9). */
static void check_numeric(gmdl_rng *r) {
    int bad_indep = 0, bad_dep = 0, nind = 0, ndep = 0;
    for (int t = 0; t < 150; t++) {
        dag G;
        int n = 3 + (int)gmdl_rng_bounded(r, 4); /* 3..6 */
        random_dag(r, &G, n, 0.45);
        uint32_t card[8];
        size_t total = 1;
        for (int v = 0; v < n; v++) {
            card[v] = 2 + gmdl_rng_bounded(r, 2);
            total *= card[v];
        }
        gmdl_bn *bn = bn_of(&G, card);
        if (!bn)
            continue;
        gmdl_err err = {{0}};
        for (int v = 0; v < n; v++) {
            size_t rows = 1;
            for (int p = 0; p < n; p++)
                if (G.par[v] >> p & 1)
                    rows *= card[p];
            double cpt[512], alpha[3] = {1.0, 1.0, 1.0};
            for (size_t k = 0; k < rows; k++)
                gmdl_rng_dirichlet(r, alpha, card[v], cpt + k * card[v]);
            CHECK_OK(gmdl_bn_set_cpt(bn, (uint32_t)v, cpt, &err));
        }
        double *joint = malloc(total * sizeof *joint);
        uint32_t x[8] = {0};
        for (size_t i = 0; i < total; i++) {
            size_t rem = i;
            for (int v = n - 1; v >= 0; v--) {
                x[v] = (uint32_t)(rem % card[v]);
                rem /= card[v];
            }
            joint[i] = exp(gmdl_bn_log_prob(bn, x));
        }
        for (int q = 0; q < 6; q++) {
            uint32_t a = gmdl_rng_bounded(r, (uint32_t)n), b = gmdl_rng_bounded(r, (uint32_t)n);
            if (a == b)
                continue;
            unsigned Z = rand_subset(r, n, 0.35) & ~(1u << a) & ~(1u << b);
            uint32_t z[8];
            size_t nz = 0;
            for (int v = 0; v < n; v++)
                if (Z >> v & 1)
                    z[nz++] = (uint32_t)v;
            int s = -1;
            CHECK_OK(gmdl_bn_dsep(&s, bn, 1, &a, 1, &b, nz, z, &err));
            /* P(a, b, z) tables: index by (z config, a, b) */
            size_t zconf = 1;
            for (size_t k = 0; k < nz; k++)
                zconf *= card[z[k]];
            double *pabz = calloc(zconf * card[a] * card[b], sizeof *pabz);
            for (size_t i = 0; i < total; i++) {
                size_t rem = i;
                for (int v = n - 1; v >= 0; v--) {
                    x[v] = (uint32_t)(rem % card[v]);
                    rem /= card[v];
                }
                size_t zi = 0;
                for (size_t k = 0; k < nz; k++)
                    zi = zi * card[z[k]] + x[z[k]];
                pabz[(zi * card[a] + x[a]) * card[b] + x[b]] += joint[i];
            }
            double dev = 0.0;
            for (size_t zi = 0; zi < zconf; zi++) {
                double *T = pabz + zi * card[a] * card[b], pz = 0.0;
                for (size_t k = 0; k < card[a] * card[b]; k++)
                    pz += T[k];
                for (uint32_t i = 0; i < card[a]; i++)
                    for (uint32_t j = 0; j < card[b]; j++) {
                        double pa = 0.0, pb = 0.0;
                        for (uint32_t jj = 0; jj < card[b]; jj++)
                            pa += T[i * card[b] + jj];
                        for (uint32_t ii = 0; ii < card[a]; ii++)
                            pb += T[ii * card[b] + j];
                        double d = fabs(T[i * card[b] + j] / pz - (pa / pz) * (pb / pz));
                        if (d > dev)
                            dev = d;
                    }
            }
            if (s) {
                nind++;
                if (dev > 1e-12)
                    bad_indep++;
            } else {
                ndep++;
                if (dev < 1e-9)
                    bad_dep++;
            }
            free(pabz);
        }
        free(joint);
        gmdl_bn_destroy(bn);
    }
    printf("numeric: %d independences hold (%d violated), %d dependences show (%d do not)\n", nind,
           bad_indep, ndep, bad_dep);
    CHECK(nind > 50 && ndep > 50);
    CHECK_EQ(bad_indep, 0);
    CHECK_EQ(bad_dep, 0);
}

static void check_mrf_separation(void) {
    /* chain 0 - 1 - 2 and an isolated 3 */
    uint32_t card[4] = {2, 2, 2, 2};
    gmdl_mrf *m = NULL;
    gmdl_err err = {{0}};
    CHECK_OK(gmdl_mrf_create(&m, 4, card, &err));
    uint32_t s01[2] = {0, 1}, s12[2] = {2, 1};
    double v[4] = {1, 2, 3, 4};
    CHECK_OK(gmdl_mrf_add_factor(m, 2, s01, v, &err));
    CHECK_OK(gmdl_mrf_add_factor(m, 2, s12, v, &err));
    uint32_t a = 0, b = 2, c = 1, d = 3;
    int sep = -1;
    CHECK_OK(gmdl_mrf_separated(&sep, m, 1, &a, 1, &b, 0, NULL, &err));
    CHECK_EQ(sep, 0);
    CHECK_OK(gmdl_mrf_separated(&sep, m, 1, &a, 1, &b, 1, &c, &err));
    CHECK_EQ(sep, 1);
    CHECK_OK(gmdl_mrf_separated(&sep, m, 1, &a, 1, &d, 0, NULL, &err));
    CHECK_EQ(sep, 1);
    /* separation implies conditional independence numerically: P(x0, x2 | x1) factorises */
    double lz, mar[8];
    int32_t ev[4] = {-1, 1, -1, -1};
    CHECK_OK(gmdl_mrf_exact(&lz, mar, NULL, m, ev, NULL, &err));
    double joint[2][2] = {{0}}, tot = 0;
    for (uint32_t x0 = 0; x0 < 2; x0++)
        for (uint32_t x2 = 0; x2 < 2; x2++) {
            uint32_t xs[4] = {x0, 1, x2, 0};
            joint[x0][x2] = exp(gmdl_mrf_log_potential(m, xs));
            tot += joint[x0][x2];
        }
    for (uint32_t x0 = 0; x0 < 2; x0++)
        for (uint32_t x2 = 0; x2 < 2; x2++)
            CHECK_NEAR(joint[x0][x2] / tot, mar[x0] * mar[4 + x2], 1e-12, 0);
    gmdl_mrf_destroy(m);
}

int main(void) {
    gmdl_rng rng;
    uint64_t seed = th_seed(11);
    gmdl_rng_seed(&rng, seed, 3);
    check_student();
    check_naive_bayes();
    check_triplets();
    check_asia();
    check_random_dags(&rng);
    check_numeric(&rng);
    check_mrf_separation();
    if (th_failed)
        fprintf(stderr, "seed %llu\n", (unsigned long long)seed);
    TEST_MAIN_END();
}
