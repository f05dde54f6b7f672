/* The PC algorithm, order-independent ("stable") variant (Spirtes, Glymour and Scheines 2000;
 * Colombo and Maathuis 2014): from the complete undirected graph, level l = 0, 1, ... removes the
 * edge x - y when x and y test independent given some l-subset of x's (or y's) neighbours as they
 * were at the start of the level, keeping that subset as the separating set; then orients the
 * v-structures x -> z <- y (z outside the separating set of x and y; strongest evidence first,
 * conflicting ones skipped) and closes the result under Meek's rules. Conditional independence by
 * the G-test (2 N times the conditional mutual information) or Pearson's chi-square, with (r_x -
 * 1)(r_y - 1) q_z degrees of freedom, as bnlearn's "mi" and "x2" tests. The edges of one level are
 * tested in parallel: each decision reads only the level's starting graph, so the result does not
 * depend on the thread count. */
#ifdef _OPENMP
#include <omp.h>
#endif

#include "structure.h"

/* ------------------------------------------------------------------ chi-square tail */

/* Regularised upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a): the power series of
 * P(a, x) below x = a + 1, a continued fraction (modified Lentz) above. */
static double gamma_q(double a, double x) {
    if (x <= 0.0)
        return 1.0;
    double lg = gmdl__lgamma(a);
    if (x < a + 1.0) {
        double term = 1.0 / a, sum = term;
        for (int n = 1; n < 10000; n++) {
            term *= x / (a + n);
            sum += term;
            if (fabs(term) < fabs(sum) * 1e-16)
                break;
        }
        double p = sum * exp(-x + a * log(x) - lg);
        return p >= 1.0 ? 0.0 : 1.0 - p;
    }
    const double tiny = 1e-300;
    double b = x + 1.0 - a, cc = 1.0 / tiny, dd = 1.0 / b, h = dd;
    for (int n = 1; n < 10000; n++) {
        double an = -n * (n - a);
        b += 2.0;
        dd = an * dd + b;
        if (fabs(dd) < tiny)
            dd = tiny;
        cc = b + an / cc;
        if (fabs(cc) < tiny)
            cc = tiny;
        dd = 1.0 / dd;
        double del = dd * cc;
        h *= del;
        if (fabs(del - 1.0) < 1e-16)
            break;
    }
    return exp(-x + a * log(x) - lg) * h;
}

/* ------------------------------------------------------------------ the test */

typedef struct {
    pgm_counter w;
    double *nx, *ny; /* per-group margins */
    uint32_t *cand;  /* [V] candidates for the conditioning set */
} pc_scratch;

/* p-value of x _||_ y | z[0..nz-1]. */
static double ci_test(pc_scratch *S,
                      const pgm_cols *c,
                      gmdl_ci_test test,
                      uint32_t x,
                      uint32_t y,
                      size_t nz,
                      const uint32_t *z) {
    uint32_t vars[PGM_MAX_SCOPE];
    if (nz)
        memcpy(vars, z, nz * sizeof *vars);
    vars[nz] = x, vars[nz + 1] = y;
    double space;
    if (gmdl__count(&S->w, c, nz + 2, vars, &space) < 0)
        return 1.0; /* too large to count: no evidence against independence */
    uint64_t rx = c->card[x], ry = c->card[y], rxy = rx * ry;
    double df = (double)(rx - 1) * (double)(ry - 1) * (space / (double)rxy);
    if (df <= 0.0)
        return 1.0;
    const pgm_counter *w = &S->w;
    double stat = 0.0;
    for (size_t i = 0; i < w->nz;) {
        uint64_t g = w->key[i] / rxy;
        size_t i0 = i;
        double nzn = 0.0;
        memset(S->nx, 0, rx * sizeof *S->nx);
        memset(S->ny, 0, ry * sizeof *S->ny);
        for (; i < w->nz && w->key[i] / rxy == g; i++) {
            uint64_t cell = w->key[i] % rxy;
            double o = (double)w->cnt[i];
            S->nx[cell / ry] += o, S->ny[cell % ry] += o, nzn += o;
        }
        for (size_t k = i0; k < i; k++) {
            uint64_t cell = w->key[k] % rxy;
            double o = (double)w->cnt[k], e = S->nx[cell / ry] * S->ny[cell % ry] / nzn;
            stat += test == GMDL_CI_X2 ? o * o / e : 2.0 * o * log(o / e);
        }
        if (test == GMDL_CI_X2)
            stat -= nzn;
    }
    return gamma_q(0.5 * df, 0.5 * (stat > 0.0 ? stat : 0.0));
}

/* ------------------------------------------------------------------ the skeleton */

typedef struct {
    size_t V;
    const pgm_cols *c;
    const gmdl_structure_config *cfg;
    uint8_t *adj; /* current skeleton */
    uint32_t *nb; /* [V][V] neighbours at the level's start */
    size_t *nnb;
    uint32_t **sep; /* [V V] separating set of a < b (NULL: none found) */
    size_t *nsep;
    uint8_t *fixed; /* whitelisted pairs: never removed */
    size_t nthreads;
    pc_scratch *sc;
} pc_state;

/* Tests x - y given the l-subsets of nb(x) \ {y}; 1 (and the set in found) when independent. */
static int separate(
    pc_state *P, pc_scratch *S, uint32_t x, uint32_t y, size_t l, uint32_t *found, size_t *tests) {
    uint32_t *cand = S->cand;
    size_t m = 0, idx[PGM_MAX_SCOPE];
    for (size_t k = 0; k < P->nnb[x]; k++)
        if (P->nb[(size_t)x * P->V + k] != y)
            cand[m++] = P->nb[(size_t)x * P->V + k];
    if (m < l || l + 2 > PGM_MAX_SCOPE)
        return 0;
    for (size_t k = 0; k < l; k++)
        idx[k] = k;
    for (;;) {
        for (size_t k = 0; k < l; k++)
            found[k] = cand[idx[k]];
        (*tests)++;
        if (ci_test(S, P->c, P->cfg->test, x, y, l, found) > P->cfg->alpha)
            return 1;
        size_t k = l; /* next subset in lexicographic order */
        while (k > 0 && idx[k - 1] == m - l + k - 1)
            k--;
        if (k == 0)
            return 0;
        idx[k - 1]++;
        for (size_t j = k; j < l; j++)
            idx[j] = idx[j - 1] + 1;
    }
}

/* One level: every edge is tested from both ends; removals applied after all tests. */
static gmdl_status level(pc_state *P, size_t l, size_t *tests, int *any, gmdl_err *err) {
    size_t V = P->V, ne = 0;
    *any = 0;
    for (size_t a = 0; a < V; a++) {
        P->nnb[a] = 0;
        for (size_t b = 0; b < V; b++)
            if (P->adj[a * V + b])
                P->nb[a * V + P->nnb[a]++] = (uint32_t)b;
        if (P->nnb[a] >= l + 1)
            *any = 1;
    }
    if (!*any)
        return GMDL_OK;
    uint32_t *edges = gmdl__malloc((V * V / 2 + 1) * 2 * sizeof *edges);
    uint32_t *sets = gmdl__malloc((V * V / 2 + 1) * (l + 1) * sizeof *sets);
    uint8_t *cut = gmdl__calloc(V * V / 2 + 1, 1);
    size_t *cnt = gmdl__calloc(V * V / 2 + 1, sizeof *cnt);
    if (!edges || !sets || !cut || !cnt) {
        gmdl__free(edges), gmdl__free(sets), gmdl__free(cut), gmdl__free(cnt);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the PC level %zu", l);
    }
    for (size_t a = 0; a < V; a++)
        for (size_t b = a + 1; b < V; b++)
            if (P->adj[a * V + b] && !P->fixed[a * V + b])
                edges[2 * ne] = (uint32_t)a, edges[2 * ne + 1] = (uint32_t)b, ne++;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads((int)P->nthreads)
#endif
    for (size_t e = 0; e < ne; e++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        uint32_t x = edges[2 * e], y = edges[2 * e + 1], *set = sets + e * (l + 1);
        cut[e] = (uint8_t)(separate(P, &P->sc[tid], x, y, l, set, &cnt[e]) ||
                           separate(P, &P->sc[tid], y, x, l, set, &cnt[e]));
    }
    gmdl_status s = GMDL_OK;
    for (size_t e = 0; e < ne && !s; e++) {
        *tests += cnt[e];
        if (!cut[e])
            continue;
        size_t x = edges[2 * e], y = edges[2 * e + 1];
        P->adj[x * V + y] = P->adj[y * V + x] = 0;
        P->sep[x * V + y] = gmdl__malloc((l + 1) * sizeof **P->sep);
        if (!P->sep[x * V + y])
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        else
            memcpy(P->sep[x * V + y], sets + e * (l + 1), l * sizeof **P->sep);
        P->nsep[x * V + y] = l;
    }
    gmdl__free(edges), gmdl__free(sets), gmdl__free(cut), gmdl__free(cnt);
    return s;
}

/* ------------------------------------------------------------------ orientation */

static int in_sep(const pc_state *P, size_t x, size_t y, uint32_t z) {
    size_t i = x < y ? x * P->V + y : y * P->V + x;
    for (size_t k = 0; k < P->nsep[i]; k++)
        if (P->sep[i][k] == z)
            return 1;
    return 0;
}

/* A candidate v-structure x -> z <- y and the p-value of x _||_ y | sep(x, y) + {z}. */
typedef struct {
    uint32_t x, y, z;
    double p;
} pc_vstruct;

/* Strongest evidence first (smallest p-value), then by (x, y, z): the order does not depend on
 * the threads or on rounding between runs. */
static int cmp_vstruct(const void *a, const void *b) {
    const pc_vstruct *u = a, *v = b;
    if (u->p != v->p)
        return u->p < v->p ? -1 : 1;
    if (u->x != v->x)
        return u->x < v->x ? -1 : 1;
    if (u->y != v->y)
        return u->y < v->y ? -1 : 1;
    return (u->z > v->z) - (u->z < v->z);
}

/* The candidate v-structures x -> z <- y (x, y apart with a separating set, z adjacent to both
 * and outside it), each with its p-value, into *out (gmdl__malloc'd); their count in *n. */
static gmdl_status collect_vstructs(pc_state *P, pc_vstruct **out, size_t *n, gmdl_err *err) {
    size_t V = P->V, cap = 0, m = 0;
    pc_vstruct *vs = NULL;
    uint32_t cond[PGM_MAX_SCOPE];
    for (size_t x = 0; x < V; x++)
        for (size_t y = x + 1; y < V; y++) {
            if (P->adj[x * V + y] || !P->sep[x * V + y])
                continue;
            size_t ns = P->nsep[x * V + y];
            for (size_t z = 0; z < V; z++) {
                if (!P->adj[x * V + z] || !P->adj[y * V + z] || in_sep(P, x, y, (uint32_t)z))
                    continue;
                if (m == cap) {
                    size_t nc = cap ? 2 * cap : 64;
                    pc_vstruct *t = gmdl__realloc(vs, nc * sizeof *t);
                    if (!t) {
                        gmdl__free(vs);
                        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for PC");
                    }
                    vs = t, cap = nc;
                }
                double p = 1.0; /* a set too large to test: weakest evidence */
                if (ns + 3 <= PGM_MAX_SCOPE) {
                    if (ns)
                        memcpy(cond, P->sep[x * V + y], ns * sizeof *cond);
                    cond[ns] = (uint32_t)z;
                    p = ci_test(&P->sc[0], P->c, P->cfg->test, (uint32_t)x, (uint32_t)y, ns + 1,
                                cond);
                }
                vs[m++] = (pc_vstruct){(uint32_t)x, (uint32_t)y, (uint32_t)z, p};
            }
        }
    if (m)
        qsort(vs, m, sizeof *vs, cmp_vstruct);
    *out = vs, *n = m;
    return GMDL_OK;
}

/* Whitelisted arcs, arcs one direction of which is blacklisted, then the v-structures, strongest
 * evidence first (the smallest p-value of x _||_ y given their separating set and z; bnlearn
 * ranks by the p-value of the test that separated x and y instead, docs/STRUCTURE.md); one that
 * contradicts an orientation already made is skipped. Then Meek's rules. */
static gmdl_status orient(pc_state *P, uint8_t *g, size_t *undirected, gmdl_err *err) {
    size_t V = P->V;
    const gmdl_structure_config *cfg = P->cfg;
    memcpy(g, P->adj, V * V);
    for (size_t i = 0; i < cfg->nwhite; i++) {
        size_t u = cfg->white[2 * i], v = cfg->white[2 * i + 1];
        g[u * V + v] = 1, g[v * V + u] = 0;
    }
    for (size_t i = 0; i < cfg->nblack; i++) {
        size_t u = cfg->black[2 * i], v = cfg->black[2 * i + 1];
        if (g[u * V + v] && g[v * V + u])
            g[u * V + v] = 0;
    }
    pc_vstruct *vs = NULL;
    size_t nv = 0;
    gmdl_status s = collect_vstructs(P, &vs, &nv, err);
    if (s)
        return s;
    for (size_t i = 0; i < nv; i++) {
        size_t x = vs[i].x, y = vs[i].y, z = vs[i].z;
        if (g[x * V + z] && g[y * V + z]) /* both still point into z or are undirected */
            g[z * V + x] = 0, g[z * V + y] = 0;
    }
    gmdl__free(vs);
    gmdl__meek(g, V);
    *undirected = 0;
    for (size_t a = 0; a < V; a++)
        for (size_t b = a + 1; b < V; b++)
            *undirected += g[a * V + b] && g[b * V + a];
    return GMDL_OK;
}

static void pc_free(pc_state *P) {
    for (size_t t = 0; P->sc && t < P->nthreads; t++) {
        gmdl__counter_fini(&P->sc[t].w);
        gmdl__free(P->sc[t].nx);
        gmdl__free(P->sc[t].ny);
        gmdl__free(P->sc[t].cand);
    }
    for (size_t i = 0; P->sep && i < P->V * P->V; i++)
        gmdl__free(P->sep[i]);
    gmdl__free(P->sc);
    gmdl__free(P->sep);
    gmdl__free(P->nsep);
    gmdl__free(P->nb);
    gmdl__free(P->nnb);
    gmdl__free(P->adj);
    gmdl__free(P->fixed);
}

static gmdl_status
pc_init(pc_state *P, const pgm_cols *c, const gmdl_structure_config *cfg, gmdl_err *err) {
    size_t V = c->V, rmax = 1;
    for (size_t v = 0; v < V; v++)
        rmax = c->card[v] > rmax ? c->card[v] : rmax;
    P->V = V, P->c = c, P->cfg = cfg, P->nthreads = 1;
#ifdef _OPENMP
    P->nthreads = (size_t)omp_get_max_threads();
#endif
    P->adj = gmdl__malloc(V * V + 1);
    P->fixed = gmdl__calloc(V * V + 1, 1);
    P->nb = gmdl__malloc((V * V + 1) * sizeof *P->nb);
    P->nnb = gmdl__calloc(V + 1, sizeof *P->nnb);
    P->sep = gmdl__calloc(V * V + 1, sizeof *P->sep);
    P->nsep = gmdl__calloc(V * V + 1, sizeof *P->nsep);
    P->sc = gmdl__calloc(P->nthreads, sizeof *P->sc);
    if (!P->adj || !P->fixed || !P->nb || !P->nnb || !P->sep || !P->nsep || !P->sc)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for PC");
    for (size_t t = 0; t < P->nthreads; t++) {
        gmdl_status s = gmdl__counter_init(&P->sc[t].w, c->n, err);
        if (s)
            return s;
        P->sc[t].nx = gmdl__malloc(rmax * sizeof(double));
        P->sc[t].ny = gmdl__malloc(rmax * sizeof(double));
        P->sc[t].cand = gmdl__malloc((V + 1) * sizeof(uint32_t));
        if (!P->sc[t].nx || !P->sc[t].ny || !P->sc[t].cand)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory for PC");
    }
    for (size_t a = 0; a < V; a++)
        for (size_t b = 0; b < V; b++)
            P->adj[a * V + b] = a != b;
    uint8_t *bl = P->fixed; /* the blacklist's pairs first, then reused for the whitelist */
    for (size_t i = 0; i < cfg->nblack; i++)
        bl[(size_t)cfg->black[2 * i] * V + cfg->black[2 * i + 1]] = 1;
    for (size_t a = 0; a < V; a++) /* blacklisted both ways: no edge */
        for (size_t b = 0; b < V; b++)
            if (bl[a * V + b] && bl[b * V + a])
                P->adj[a * V + b] = 0;
    memset(P->fixed, 0, V * V);
    for (size_t i = 0; i < cfg->nwhite; i++) {
        size_t u = cfg->white[2 * i], v = cfg->white[2 * i + 1];
        P->fixed[u * V + v] = P->fixed[v * V + u] = 1;
        P->adj[u * V + v] = P->adj[v * V + u] = 1;
    }
    return GMDL_OK;
}

gmdl_status gmdl__pc(uint8_t *pdag,
                     gmdl_structure_stats *st,
                     const pgm_cols *c,
                     const gmdl_structure_config *cfg,
                     gmdl_err *err) {
    pc_state P;
    memset(&P, 0, sizeof P);
    gmdl_status s = pc_init(&P, c, cfg, err);
    for (size_t l = 0; !s && l + 2 <= PGM_MAX_SCOPE; l++) {
        if (cfg->max_cond && l > cfg->max_cond)
            break;
        int any;
        s = level(&P, l, &st->tests, &any, err);
        if (!any)
            break;
    }
    if (!s)
        s = orient(&P, pdag, &st->undirected, err);
    pc_free(&P);
    return s;
}
