/* Equivalence classes of DAGs: Meek's orientation rules 1-3, the CPDAG of a DAG (skeleton,
 * v-structures, then the rules: Meek 1995), a consistent DAG extension of a partially directed
 * graph (Dor and Tarsi 1992), and the structural Hamming distance between partially directed
 * graphs as bnlearn's shd counts it. A graph is V x V bytes: g[a V + b] = 1 for a -> b, both
 * entries for an undirected edge. */
#include "structure.h"

#define ADJ(g, V, a, b) ((g)[(a) * (V) + (b)] || (g)[(b) * (V) + (a)])
#define DIR(g, V, a, b) ((g)[(a) * (V) + (b)] && !(g)[(b) * (V) + (a)])
#define UND(g, V, a, b) ((g)[(a) * (V) + (b)] && (g)[(b) * (V) + (a)])

/* 1 when one of Meek's rules orients the undirected edge a - b as a -> b. */
static int meek_fires(const uint8_t *g, size_t V, size_t a, size_t b) {
    for (size_t c = 0; c < V; c++) {
        if (c == a || c == b)
            continue;
        if (DIR(g, V, c, a) && !ADJ(g, V, c, b)) /* R1: c -> a - b, c and b apart */
            return 1;
        if (DIR(g, V, a, c) && DIR(g, V, c, b)) /* R2: a -> c -> b and a - b */
            return 1;
    }
    /* R3: a - c -> b, a - d -> b, c and d apart */
    for (size_t c = 0; c < V; c++) {
        if (c == a || c == b || !UND(g, V, a, c) || !DIR(g, V, c, b))
            continue;
        for (size_t d = c + 1; d < V; d++)
            if (d != a && d != b && UND(g, V, a, d) && DIR(g, V, d, b) && !ADJ(g, V, c, d))
                return 1;
    }
    return 0;
}

void gmdl__meek(uint8_t *g, size_t V) {
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t a = 0; a < V; a++)
            for (size_t b = 0; b < V; b++)
                if (a != b && UND(g, V, a, b) && meek_fires(g, V, a, b)) {
                    g[b * V + a] = 0;
                    changed = 1;
                }
    }
}

int gmdl__has_cycle(const uint8_t *dag, size_t V) {
    size_t *indeg = gmdl__calloc(V + 1, sizeof *indeg),
           *queue = gmdl__malloc((V + 1) * sizeof *queue);
    if (!indeg || !queue) {
        gmdl__free(indeg);
        gmdl__free(queue);
        return -1;
    }
    for (size_t a = 0; a < V; a++)
        for (size_t b = 0; b < V; b++)
            indeg[b] += dag[a * V + b] != 0;
    size_t head = 0, tail = 0;
    for (size_t v = 0; v < V; v++)
        if (!indeg[v])
            queue[tail++] = v;
    while (head < tail) {
        size_t a = queue[head++];
        for (size_t b = 0; b < V; b++)
            if (dag[a * V + b] && --indeg[b] == 0)
                queue[tail++] = b;
    }
    gmdl__free(indeg);
    gmdl__free(queue);
    return tail < V;
}

gmdl_status gmdl_dag_cpdag(uint8_t *cpdag, const uint8_t *dag, size_t V, gmdl_err *err) {
    for (size_t v = 0; v < V; v++)
        if (dag[v * V + v])
            return gmdl__fail(err, GMDL_EINVAL, "node %zu has an arc to itself", v);
    int cyc = gmdl__has_cycle(dag, V);
    if (cyc < 0)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if (cyc)
        return gmdl__fail(err, GMDL_EINVAL, "the graph has a directed cycle");
    for (size_t a = 0; a < V; a++)
        for (size_t b = 0; b < V; b++)
            cpdag[a * V + b] = (uint8_t)(dag[a * V + b] || dag[b * V + a]);
    /* v-structures a -> c <- b with a and b apart */
    for (size_t c = 0; c < V; c++)
        for (size_t a = 0; a < V; a++) {
            if (!dag[a * V + c])
                continue;
            for (size_t b = a + 1; b < V; b++)
                if (dag[b * V + c] && !dag[a * V + b] && !dag[b * V + a]) {
                    cpdag[c * V + a] = 0;
                    cpdag[c * V + b] = 0;
                }
        }
    gmdl__meek(cpdag, V);
    return GMDL_OK;
}

size_t gmdl_pdag_shd(const uint8_t *a, const uint8_t *b, size_t V) {
    size_t d = 0;
    for (size_t i = 0; i < V; i++)
        for (size_t j = i + 1; j < V; j++)
            if (a[i * V + j] != b[i * V + j] || a[j * V + i] != b[j * V + i])
                d++;
    return d;
}

/* Dor and Tarsi: removes, while it can, a node x with no outgoing arc whose undirected neighbours
 * are adjacent to all of x's other neighbours, orienting those edges into x. */
static size_t dor_tarsi(uint8_t *dag, uint8_t *g, uint8_t *gone, size_t V) {
    size_t left = V;
    for (int progress = 1; progress && left;) {
        progress = 0;
        for (size_t x = 0; x < V; x++) {
            if (gone[x])
                continue;
            int ok = 1;
            for (size_t y = 0; y < V && ok; y++)
                if (!gone[y] && DIR(g, V, x, y))
                    ok = 0;
            for (size_t y = 0; y < V && ok; y++) {
                if (gone[y] || !UND(g, V, x, y))
                    continue;
                for (size_t z = 0; z < V && ok; z++)
                    if (z != y && !gone[z] && ADJ(g, V, x, z) && !ADJ(g, V, y, z))
                        ok = 0;
            }
            if (!ok)
                continue;
            for (size_t y = 0; y < V; y++)
                if (!gone[y] && ADJ(g, V, x, y)) {
                    dag[y * V + x] = 1;
                    g[x * V + y] = g[y * V + x] = 0;
                }
            gone[x] = 1;
            left--;
            progress = 1;
        }
    }
    return left;
}

/* Orients every edge among the nodes not yet gone along one total order: Kahn's order of the
 * directed part, breaking a cycle at the node with the fewest incoming arcs. */
static void
orient_by_order(uint8_t *dag, const uint8_t *g, const uint8_t *gone, size_t V, size_t *rank) {
    for (size_t k = 0; k < V; k++) {
        size_t best = V, best_in = SIZE_MAX;
        for (size_t x = 0; x < V; x++) {
            if (gone[x] || rank[x] != SIZE_MAX)
                continue;
            size_t in = 0;
            for (size_t y = 0; y < V; y++)
                in += !gone[y] && rank[y] == SIZE_MAX && DIR(g, V, y, x);
            if (in < best_in)
                best = x, best_in = in;
        }
        if (best == V)
            break;
        rank[best] = k;
    }
    for (size_t a = 0; a < V; a++)
        for (size_t b = 0; b < V; b++)
            if (!gone[a] && !gone[b] && ADJ(g, V, a, b) && rank[a] < rank[b])
                dag[a * V + b] = 1;
}

int gmdl__pdag_extend(uint8_t *dag, const uint8_t *g0, size_t V, gmdl_err *err, gmdl_status *st) {
    *st = GMDL_OK;
    memset(dag, 0, V * V);
    uint8_t *g = gmdl__malloc(V * V + 1), *gone = gmdl__calloc(V + 1, 1);
    size_t *rank = gmdl__malloc((V + 1) * sizeof *rank);
    if (!g || !gone || !rank) {
        gmdl__free(g);
        gmdl__free(gone);
        gmdl__free(rank);
        *st = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        return -1;
    }
    memcpy(g, g0, V * V);
    size_t left = dor_tarsi(dag, g, gone, V);
    if (left) {
        for (size_t v = 0; v < V; v++)
            rank[v] = SIZE_MAX;
        orient_by_order(dag, g, gone, V, rank);
    }
    gmdl__free(g);
    gmdl__free(gone);
    gmdl__free(rank);
    return left ? 1 : 0;
}

/* ------------------------------------------------------------------ nets */

void gmdl_bn_dag(uint8_t *dag, const gmdl_bn *bn) {
    size_t V = bn->nvars;
    memset(dag, 0, V * V);
    for (size_t v = 0; v < V; v++)
        for (size_t k = 0; k < bn->npar[v]; k++)
            dag[bn->par[v][k] * V + v] = 1;
}

gmdl_status gmdl_bn_set_dag(gmdl_bn *bn, const uint8_t *dag, gmdl_err *err) {
    size_t V = bn->nvars;
    int cyc = gmdl__has_cycle(dag, V);
    if (cyc)
        return gmdl__fail(err, cyc < 0 ? GMDL_ENOMEM : GMDL_EINVAL,
                          cyc < 0 ? "out of memory" : "the graph has a directed cycle");
    uint32_t *par = gmdl__malloc((V + 1) * sizeof *par);
    if (!par)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    gmdl_status s = GMDL_OK;
    for (size_t v = 0; v < V && !s; v++) /* no arcs first: every step is then acyclic */
        s = gmdl_bn_set_parents(bn, (uint32_t)v, 0, par, err);
    for (size_t v = 0; v < V && !s; v++) {
        size_t np = 0;
        for (size_t a = 0; a < V; a++)
            if (dag[a * V + v] && a != v)
                par[np++] = (uint32_t)a;
        s = gmdl_bn_set_parents(bn, (uint32_t)v, np, par, err);
    }
    gmdl__free(par);
    return s;
}

gmdl_status gmdl_bn_shd(size_t *shd, const gmdl_bn *learned, const gmdl_bn *truth, gmdl_err *err) {
    size_t V = learned->nvars;
    *shd = 0;
    if (truth->nvars != V)
        return gmdl__fail(err, GMDL_EINVAL, "the nets have %zu and %zu nodes", V, truth->nvars);
    size_t *map = gmdl__malloc((V + 1) * sizeof *map);
    uint8_t *buf = gmdl__malloc(4 * V * V + 1);
    if (!map || !buf) {
        gmdl__free(map);
        gmdl__free(buf);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    gmdl_status s = GMDL_OK;
    for (size_t v = 0; v < V && !s; v++) { /* truth node of each learned node */
        uint32_t t;
        if ((s = gmdl_bn_find(&t, truth, learned->names[v], err)))
            break;
        map[v] = t;
    }
    uint8_t *dl = buf, *dt = buf + V * V, *cl = buf + 2 * V * V, *ct = buf + 3 * V * V;
    if (!s) {
        gmdl_bn_dag(dl, learned);
        for (size_t a = 0; a < V; a++)
            for (size_t b = 0; b < V; b++)
                dt[a * V + b] = 0;
        for (size_t b = 0; b < V; b++) /* the truth's arcs in the learned net's numbering */
            for (size_t a = 0; a < V; a++)
                for (size_t k = 0; k < truth->npar[map[b]]; k++)
                    if (truth->par[map[b]][k] == map[a])
                        dt[a * V + b] = 1;
        s = gmdl_dag_cpdag(cl, dl, V, err);
    }
    if (!s)
        s = gmdl_dag_cpdag(ct, dt, V, err);
    if (!s)
        *shd = gmdl_pdag_shd(cl, ct, V);
    gmdl__free(map);
    gmdl__free(buf);
    return s;
}
