/* Score-based hill climbing over DAGs (ALGORITHMS.md-style greedy search as in bnlearn's hc and
 * tabu): each step applies the best arc addition, deletion or reversal that keeps the graph
 * acyclic, within the parent limit and the black and white lists. The score is decomposable, so
 * the change of every move is cached per family: d[u V + v] holds, for the pair u -> v, the
 * change of v's family term from adding u (arc absent) or removing it (arc present); a reversal of
 * u -> v is d[u V + v] + d[v V + u]. A move changes one or two families, and only their columns
 * are recomputed. A tabu list of the last `tabu` graphs lets the search walk through moves that do
 * not improve, for at most `tabu` steps past the best graph. Additions of one pair in either
 * direction score the same (the scores are score-equivalent): the tie goes to the arc from the
 * node earlier in a tie-break order (the column order, then a seeded random order per restart), so
 * the result does not hang on rounding. Seeded random restarts climb again from the empty graph,
 * or from the best graph perturbed by random moves, and the best score is kept. */
#ifdef _OPENMP
#include <omp.h>
#endif

#include "structure.h"

enum { MV_ADD = 0, MV_DEL, MV_REV };

typedef struct {
    int type;
    uint32_t u, v; /* the arc added, deleted, or reversed (u -> v before) */
    double delta;
} hc_move;

typedef struct {
    size_t V;
    const pgm_cols *c;
    const gmdl_structure_config *cfg;
    uint8_t *dag, *reach, *bl, *wl;
    size_t *npar;
    double *fam, *d, score;
    int nthreads;
    pgm_counter *w; /* one per thread */
    uint8_t *tabu;  /* ring of cfg->tabu graphs */
    size_t ntabu, tabu_head;
    hc_move *forbid; /* moves leading to a tabu graph (this step) */
    size_t nforbid;
    uint32_t *stack;
    uint32_t *rank; /* tie-break order of the nodes (identity, then random per restart) */
    gmdl_structure_stats *st;
} hc_state;

/* v's family term with its parents, plus u (add = 1) or minus u (add = 0); u = V: as is. */
static double family(hc_state *S, pgm_counter *w, uint32_t v, uint32_t u, int add) {
    uint32_t par[PGM_MAX_SCOPE];
    size_t np = 0, V = S->V;
    for (size_t a = 0; a < V; a++)
        if (S->dag[a * V + v] && !(a == u && !add)) {
            if (np + 2 > PGM_MAX_SCOPE)
                return PGM_NEGINF;
            par[np++] = (uint32_t)a;
        }
    if (u < V && add)
        par[np++] = u;
    return gmdl__family_score(w, S->c, v, np, par, &S->cfg->score);
}

/* Recomputes the family term of every node in nodes[0..k-1] and their cached columns. */
static void refresh(hc_state *S, size_t k, const uint32_t *nodes) {
    size_t V = S->V, tasks = k * V;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(S->nthreads)
#endif
    for (size_t t = 0; t < tasks; t++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        uint32_t v = nodes[t / V], u = (uint32_t)(t % V);
        pgm_counter *w = &S->w[tid];
        if (u == v) {
            S->fam[v] = family(S, w, v, (uint32_t)V, 0);
            continue;
        }
        int present = S->dag[(size_t)u * V + v];
        if (!present && S->cfg->max_parents && S->npar[v] >= S->cfg->max_parents) {
            S->d[(size_t)u * V + v] = PGM_NEGINF;
            continue;
        }
        S->d[(size_t)u * V + v] = family(S, w, v, u, !present); /* a term; made a delta below */
    }
    for (size_t i = 0; i < k; i++) {
        uint32_t v = nodes[i];
        for (size_t u = 0; u < V; u++)
            if (u != v && S->d[u * V + v] != PGM_NEGINF)
                S->d[u * V + v] -= S->fam[v];
    }
    S->st->evaluations += tasks;
}

/* reach[a V + b] = 1 when b is reachable from a along arcs (a != b). */
static void reachability(hc_state *S) {
    size_t V = S->V;
    memset(S->reach, 0, V * V);
    for (size_t a = 0; a < V; a++) {
        uint8_t *row = S->reach + a * V;
        size_t sp = 0;
        S->stack[sp++] = (uint32_t)a;
        while (sp) {
            uint32_t x = S->stack[--sp];
            for (size_t b = 0; b < V; b++)
                if (S->dag[x * V + b] && !row[b]) {
                    row[b] = 1;
                    S->stack[sp++] = (uint32_t)b;
                }
        }
    }
}

/* The moves that lead back to a graph of the tabu list (those differing from it in one arc). */
static void tabu_moves(hc_state *S) {
    size_t V = S->V;
    S->nforbid = 0;
    for (size_t t = 0; t < S->ntabu; t++) {
        const uint8_t *g = S->tabu + t * V * V;
        size_t diff[3], nd = 0;
        for (size_t i = 0; i < V * V && nd < 3; i++)
            if (g[i] != S->dag[i])
                diff[nd++] = i;
        hc_move m = {0, 0, 0, 0.0};
        if (nd == 1) {
            m.u = (uint32_t)(diff[0] / V), m.v = (uint32_t)(diff[0] % V);
            m.type = S->dag[diff[0]] ? MV_DEL : MV_ADD;
        } else if (nd == 2 && diff[1] == (diff[0] % V) * V + diff[0] / V) {
            size_t cur = S->dag[diff[0]] ? diff[0] : diff[1];
            m.type = MV_REV, m.u = (uint32_t)(cur / V), m.v = (uint32_t)(cur % V);
        } else
            continue;
        S->forbid[S->nforbid++] = m;
    }
}

static int is_tabu(const hc_state *S, int type, size_t u, size_t v) {
    for (size_t i = 0; i < S->nforbid; i++)
        if (S->forbid[i].type == type && S->forbid[i].u == u && S->forbid[i].v == v)
            return 1;
    return 0;
}

/* 1 when reversing u -> v keeps the graph acyclic: no other path from u to v. */
static int reversible(const hc_state *S, size_t u, size_t v) {
    size_t V = S->V;
    for (size_t c = 0; c < V; c++)
        if (c != v && S->dag[u * V + c] && S->reach[c * V + v])
            return 0;
    return 1;
}

static int legal(const hc_state *S, int type, size_t u, size_t v) {
    size_t V = S->V;
    if (type == MV_ADD)
        return !S->bl[u * V + v] && !S->reach[v * V + u] && S->d[u * V + v] != PGM_NEGINF;
    if (S->wl[u * V + v])
        return 0;
    if (type == MV_DEL)
        return 1;
    return !S->bl[v * V + u] && S->d[v * V + u] != PGM_NEGINF && reversible(S, u, v);
}

/* 1 when the move beats best: a larger change, or (score-equivalent additions of one pair,
 * equal to rounding) the arc that goes forward in the tie-break order rank. */
static int
better(const hc_state *S, double delta, int type, size_t u, size_t v, const hc_move *best) {
    double tol = 1e-9 * (1.0 + fabs(delta));
    if (best->type < 0 || delta > best->delta + tol)
        return 1;
    if (delta < best->delta - tol || type != MV_ADD || best->type != MV_ADD)
        return 0;
    if (best->u == v && best->v == u)
        return S->rank[u] < S->rank[v];
    return 0;
}

/* The best legal move not in the tabu list; type -1 when there is none. */
static hc_move best_move(hc_state *S) {
    size_t V = S->V;
    hc_move best = {-1, 0, 0, PGM_NEGINF};
    reachability(S);
    tabu_moves(S);
    for (size_t u = 0; u < V; u++)
        for (size_t v = 0; v < V; v++) {
            if (u == v || S->dag[v * V + u])
                continue;
            int present = S->dag[u * V + v];
            for (int type = present ? MV_DEL : MV_ADD; type <= (present ? MV_REV : MV_ADD);
                 type++) {
                double delta = S->d[u * V + v] + (type == MV_REV ? S->d[v * V + u] : 0.0);
                if (!better(S, delta, type, u, v, &best) || !legal(S, type, u, v) ||
                    is_tabu(S, type, u, v))
                    continue;
                best.type = type, best.u = (uint32_t)u, best.v = (uint32_t)v, best.delta = delta;
            }
        }
    return best;
}

static void apply(hc_state *S, const hc_move *m) {
    size_t V = S->V;
    uint32_t nodes[2] = {m->v, m->u};
    if (m->type == MV_ADD) {
        S->dag[m->u * V + m->v] = 1;
        S->npar[m->v]++;
    } else {
        S->dag[m->u * V + m->v] = 0;
        S->npar[m->v]--;
        if (m->type == MV_REV) {
            S->dag[m->v * V + m->u] = 1;
            S->npar[m->u]++;
        }
    }
    refresh(S, m->type == MV_REV ? 2 : 1, nodes);
    S->score = 0.0;
    for (size_t v = 0; v < V; v++)
        S->score += S->fam[v];
}

/* One climb from the current graph; leaves the best graph seen in S->dag. */
static gmdl_status climb(hc_state *S, uint8_t *best, gmdl_err *err) {
    size_t V = S->V, T = S->cfg->tabu, since_best = 0, steps = 0;
    double best_score = S->score;
    memcpy(best, S->dag, V * V);
    S->ntabu = S->tabu_head = 0;
    for (;;) {
        if (S->cfg->max_steps && steps >= S->cfg->max_steps)
            break;
        hc_move m = best_move(S);
        if (m.type < 0 || m.delta == PGM_NEGINF)
            break;
        double eps = 1e-9 * (1.0 + fabs(S->score));
        if (!(m.delta > eps) && (T == 0 || ++since_best > T))
            break;
        if (T) { /* the graph before the move joins the tabu ring */
            memcpy(S->tabu + S->tabu_head * V * V, S->dag, V * V);
            S->tabu_head = (S->tabu_head + 1) % T;
            S->ntabu += S->ntabu < T;
        }
        apply(S, &m);
        steps++;
        if (S->score > best_score + eps) {
            best_score = S->score;
            memcpy(best, S->dag, V * V);
            since_best = 0;
        }
    }
    S->st->steps += steps;
    if (memcmp(best, S->dag, V * V) != 0) { /* back to the best graph */
        memcpy(S->dag, best, V * V);
        for (size_t v = 0; v < V; v++) {
            S->npar[v] = 0;
            for (size_t a = 0; a < V; a++)
                S->npar[v] += S->dag[a * V + v];
        }
        uint32_t *all = S->stack;
        for (size_t v = 0; v < V; v++)
            all[v] = (uint32_t)v;
        refresh(S, V, all);
        S->score = 0.0;
        for (size_t v = 0; v < V; v++)
            S->score += S->fam[v];
    }
    (void)err;
    return GMDL_OK;
}

/* cfg->perturb (or max(1, V / 4)) random legal moves from the current graph, then a full refresh.
 */
static void perturb(hc_state *S, gmdl_rng *rng) {
    size_t V = S->V, k = S->cfg->perturb ? S->cfg->perturb : (V / 4 > 1 ? V / 4 : 1);
    for (size_t done = 0, tries = 0; done < k && tries < 100 * k; tries++) {
        uint32_t u = gmdl_rng_bounded(rng, (uint32_t)V), v = gmdl_rng_bounded(rng, (uint32_t)V);
        if (u == v || S->dag[v * V + u])
            continue;
        reachability(S);
        int type = S->dag[u * V + v] ? (gmdl_rng_bounded(rng, 2) ? MV_REV : MV_DEL) : MV_ADD;
        if (type == MV_REV && S->cfg->max_parents && S->npar[u] >= S->cfg->max_parents)
            continue;
        if (type == MV_ADD && S->cfg->max_parents && S->npar[v] >= S->cfg->max_parents)
            continue;
        if (!legal(S, type, u, v))
            continue;
        hc_move m = {type, u, v, 0.0};
        apply(S, &m);
        done++;
    }
}

static void state_free(hc_state *S) {
    for (int t = 0; S->w && t < S->nthreads; t++)
        gmdl__counter_fini(&S->w[t]);
    gmdl__free(S->w);
    gmdl__free(S->reach);
    gmdl__free(S->bl);
    gmdl__free(S->wl);
    gmdl__free(S->npar);
    gmdl__free(S->fam);
    gmdl__free(S->d);
    gmdl__free(S->tabu);
    gmdl__free(S->forbid);
    gmdl__free(S->stack);
    gmdl__free(S->rank);
}

static gmdl_status state_init(
    hc_state *S, uint8_t *dag, const pgm_cols *c, const gmdl_structure_config *cfg, gmdl_err *err) {
    size_t V = c->V, T = cfg->tabu;
    S->V = V, S->c = c, S->cfg = cfg, S->dag = dag;
    S->nthreads = 1;
#ifdef _OPENMP
    S->nthreads = omp_get_max_threads();
#endif
    S->w = gmdl__calloc((size_t)S->nthreads, sizeof *S->w);
    S->reach = gmdl__malloc(V * V + 1);
    S->bl = gmdl__calloc(V * V + 1, 1);
    S->wl = gmdl__calloc(V * V + 1, 1);
    S->npar = gmdl__calloc(V + 1, sizeof *S->npar);
    S->fam = gmdl__calloc(V + 1, sizeof *S->fam);
    S->d = gmdl__calloc(V * V + 1, sizeof *S->d);
    S->tabu = gmdl__malloc(T * V * V + 1);
    S->forbid = gmdl__malloc((T + 1) * sizeof *S->forbid);
    S->stack = gmdl__malloc((V * V + V + 1) * sizeof *S->stack);
    S->rank = gmdl__malloc((V + 1) * sizeof *S->rank);
    if (!S->w || !S->reach || !S->bl || !S->wl || !S->npar || !S->fam || !S->d || !S->tabu ||
        !S->forbid || !S->stack || !S->rank)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for hill climbing");
    for (size_t v = 0; v < V; v++)
        S->rank[v] = (uint32_t)v;
    for (int t = 0; t < S->nthreads; t++) {
        gmdl_status s = gmdl__counter_init(&S->w[t], c->n, err);
        if (s)
            return s;
    }
    memset(dag, 0, V * V);
    for (size_t i = 0; i < cfg->nblack; i++)
        S->bl[(size_t)cfg->black[2 * i] * V + cfg->black[2 * i + 1]] = 1;
    for (size_t i = 0; i < cfg->nwhite; i++) {
        size_t u = cfg->white[2 * i], v = cfg->white[2 * i + 1];
        if (S->bl[u * V + v])
            return gmdl__fail(err, GMDL_EINVAL, "arc %zu -> %zu is in both lists", u, v);
        if (dag[v * V + u])
            return gmdl__fail(err, GMDL_EINVAL, "the whitelist has both %zu -> %zu and back", u, v);
        S->wl[u * V + v] = 1;
        S->npar[v] += !dag[u * V + v];
        dag[u * V + v] = 1;
    }
    int cyc = gmdl__has_cycle(dag, V);
    if (cyc < 0)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if (cyc)
        return gmdl__fail(err, GMDL_EINVAL, "the whitelisted arcs make a cycle");
    return GMDL_OK;
}

static void full_refresh(hc_state *S) {
    for (size_t v = 0; v < S->V; v++)
        S->stack[v] = (uint32_t)v;
    refresh(S, S->V, S->stack);
    S->score = 0.0;
    for (size_t v = 0; v < S->V; v++)
        S->score += S->fam[v];
}

/* Back to the whitelisted arcs alone (a restart from the empty graph in a new tie-break order). */
static void restart_empty(hc_state *S) {
    size_t V = S->V;
    for (size_t i = 0; i < V * V; i++)
        S->dag[i] = S->wl[i];
    for (size_t v = 0; v < V; v++) {
        S->npar[v] = 0;
        for (size_t a = 0; a < V; a++)
            S->npar[v] += S->dag[a * V + v];
    }
    full_refresh(S);
}

gmdl_status gmdl__hc(uint8_t *dag,
                     gmdl_structure_stats *st,
                     const pgm_cols *c,
                     const gmdl_structure_config *cfg,
                     gmdl_err *err) {
    hc_state S;
    memset(&S, 0, sizeof S);
    S.st = st;
    size_t V = c->V;
    uint8_t *best = gmdl__malloc(2 * V * V + 1);
    gmdl_status s = best ? state_init(&S, dag, c, cfg, err)
                         : gmdl__fail(err, GMDL_ENOMEM, "out of memory for hill climbing");
    if (!s) {
        for (size_t v = 0; v < V; v++)
            S.stack[v] = (uint32_t)v;
        full_refresh(&S);
        s = climb(&S, best, err);
    }
    double best_score = S.score;
    uint8_t *keep = best ? best + V * V : NULL;
    if (!s)
        memcpy(keep, dag, V * V);
    for (size_t r = 0; r < cfg->restarts && !s; r++) {
        gmdl_rng rng;
        gmdl_rng_derive(&rng, cfg->seed, GMDL_RNG_STRUCTURE, r);
        gmdl_rng_shuffle_u32(&rng, S.rank, V);
        if (cfg->perturb)
            perturb(&S, &rng);
        else
            restart_empty(&S);
        s = climb(&S, best, err);
        st->restarts++;
        if (!s && S.score > best_score + 1e-9 * (1.0 + fabs(best_score))) {
            best_score = S.score;
            memcpy(keep, dag, V * V);
        } else if (!s) { /* the next restart starts from the best graph again */
            memcpy(dag, keep, V * V);
            for (size_t v = 0; v < V; v++) {
                S.npar[v] = 0;
                for (size_t a = 0; a < V; a++)
                    S.npar[v] += dag[a * V + v];
            }
            full_refresh(&S);
        }
    }
    if (!s) {
        memcpy(dag, keep, V * V);
        st->score = best_score;
    }
    state_free(&S);
    gmdl__free(best);
    return s;
}
