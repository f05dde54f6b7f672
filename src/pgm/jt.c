/* Exact inference by a junction tree: gmdl__jt_run drives the phases (see jt.h).
 *
 * Build. Eliminating v in the chosen order creates the clique {v} + its current neighbours, whose
 * parent is the clique of the first of those neighbours to be eliminated. A parent that is a
 * subset of its child is merged into the child.
 *
 * Assign. Each factor belongs to the clique of its first-eliminated variable. The factors are
 * scaled (linear tables with one log scale each, or log tables), and the factors of a clique are
 * multiplied together over the union of their scopes, so that a clique table starts from one
 * broadcast copy.
 *
 * Calibrate and read: jt_calibrate.c. Variable elimination (ve.c) is a separate, simpler path,
 * kept as a cross-check. */
#include "jt.h"

/* ------------------------------------------------------------------ build */

void gmdl__jt_tree_free(jt_tree *T) {
    if (T->cl_vars)
        for (size_t t = 0; t < T->nord; t++)
            gmdl__free(T->cl_vars[t]);
    gmdl__free(T->cl_vars);
    gmdl__free(T->cl_n);
    gmdl__free(T->removed);
    gmdl__free(T->order);
    gmdl__free(T->pos);
    gmdl__free(T->home);
    gmdl__free(T->parent);
    gmdl__free(T->kids);
    gmdl__free(T->kid_start);
    memset(T, 0, sizeof *T);
}

static gmdl_status tree_alloc(jt_tree *T, size_t nvars, gmdl_err *err) {
    T->nvars = nvars;
    T->order = gmdl__malloc((nvars + 1) * sizeof *T->order);
    T->pos = gmdl__malloc((nvars + 1) * sizeof *T->pos);
    T->home = gmdl__malloc((nvars + 1) * sizeof *T->home);
    T->parent = gmdl__malloc((nvars + 1) * sizeof *T->parent);
    T->cl_vars = gmdl__calloc(nvars + 1, sizeof *T->cl_vars);
    T->cl_n = gmdl__calloc(nvars + 1, sizeof *T->cl_n);
    T->removed = gmdl__calloc(nvars + 1, 1);
    T->kids = gmdl__malloc((nvars + 1) * sizeof *T->kids);
    T->kid_start = gmdl__calloc(nvars + 2, sizeof *T->kid_start);
    if (!T->order || !T->pos || !T->home || !T->parent || !T->cl_vars || !T->cl_n || !T->removed ||
        !T->kids || !T->kid_start)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    return GMDL_OK;
}

/* Cliques by simulating the elimination on g (which receives the fill edges); alive holds the
 * active variables, cvars is scratch for one clique. */
static gmdl_status
cliques(jt_tree *T, pgm_graph *g, uint64_t *alive, uint32_t *cvars, gmdl_err *err) {
    for (size_t t = 0; t < T->nord; t++) {
        uint32_t v = T->order[t];
        uint64_t *nv = &g->adj[(size_t)v * g->words];
        size_t n = 0;
        int par = -1;
        for (size_t w = 0; w < g->words; w++) {
            uint64_t bits = (nv[w] & alive[w]) | (w == v / 64 ? (uint64_t)1 << (v % 64) : 0);
            while (bits) {
                uint32_t a = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
                bits &= bits - 1;
                cvars[n++] = a;
                if (a != v && (par < 0 || T->pos[a] < (uint32_t)par))
                    par = (int)T->pos[a];
            }
        }
        for (size_t k = 0; k < n; k++) {
            uint32_t a = cvars[k];
            if (a == v)
                continue;
            uint64_t *na = &g->adj[(size_t)a * g->words];
            for (size_t w = 0; w < g->words; w++)
                na[w] |= nv[w] & alive[w];
            na[a / 64] &= ~((uint64_t)1 << (a % 64));
        }
        alive[v / 64] &= ~((uint64_t)1 << (v % 64));
        T->parent[t] = par;
        T->cl_n[t] = n;
        if (!(T->cl_vars[t] = gmdl__malloc((n + 1) * sizeof **T->cl_vars)))
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        memcpy(T->cl_vars[t], cvars, n * sizeof *cvars);
    }
    return GMDL_OK;
}

/* Merges each parent that is a subset of its child (parent == separator) into the child; the
 * merged clique keeps the parent's slot, so slots stay in a valid bottom-up order. Parents and
 * homes then point at the kept slots. alias is scratch for one entry per slot. */
static void merge_subsets(jt_tree *T, const uint8_t *active, uint32_t *alias) {
    size_t nord = T->nord;
    for (size_t t = 0; t < nord; t++)
        alias[t] = (uint32_t)t;
    for (size_t t = 0; t < nord; t++) {
        int p = T->parent[t];
        if (p < 0 || T->cl_n[p] >= T->cl_n[t])
            continue;
        size_t j = 0; /* is C_p a subset of C_t? (both sorted) */
        for (size_t k = 0; k < T->cl_n[t] && j < T->cl_n[p]; k++)
            if (T->cl_vars[t][k] == T->cl_vars[p][j])
                j++;
        if (j != T->cl_n[p])
            continue;
        gmdl__free(T->cl_vars[p]);
        T->cl_vars[p] = T->cl_vars[t];
        T->cl_n[p] = T->cl_n[t];
        T->cl_vars[t] = NULL;
        T->cl_n[t] = 0;
        T->removed[t] = 1;
        alias[t] = (uint32_t)p; /* t's children and home variables now belong to p */
    }
    /* Resolve the aliases (a chain of merges ends at a kept slot, always later in the order). */
    for (size_t t = nord; t-- > 0;)
        if (T->removed[t])
            alias[t] = T->removed[alias[t]] ? alias[alias[t]] : alias[t];
    for (size_t t = 0; t < nord; t++)
        if (T->parent[t] >= 0 && T->removed[T->parent[t]])
            T->parent[t] = (int)alias[T->parent[t]];
    for (size_t v = 0; v < T->nvars; v++)
        if (active[v] && T->removed[T->home[v]])
            T->home[v] = alias[T->home[v]];
}

/* Children lists (CSR). */
static gmdl_status children(jt_tree *T, gmdl_err *err) {
    size_t nord = T->nord;
    for (size_t t = 0; t < nord; t++)
        if (!T->removed[t] && T->parent[t] >= 0)
            T->kid_start[T->parent[t] + 1]++;
    for (size_t t = 0; t < nord; t++)
        T->kid_start[t + 1] += T->kid_start[t];
    size_t *fill = gmdl__calloc(nord + 1, sizeof *fill);
    if (!fill)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t t = 0; t < nord; t++)
        if (!T->removed[t] && T->parent[t] >= 0)
            T->kids[T->kid_start[T->parent[t]] + fill[T->parent[t]]++] = (uint32_t)t;
    gmdl__free(fill);
    return GMDL_OK;
}

/* Separators (variables shared with the parent) and sizes for the budget: Shafer-Shenoy keeps
 * only the messages; a clique table lives only while its messages are computed. */
static void sizes(jt_tree *T, const pgm_reduced *P) {
    const uint32_t *card = P->card;
    double bytes = 0.0, big = 0.0;
    size_t big_t = 0, ncl = 0;
    for (size_t t = 0; t < T->nord; t++) {
        if (T->removed[t])
            continue;
        double entries = 1.0, sep = 1.0;
        int p = T->parent[t];
        for (size_t k = 0, j = 0; k < T->cl_n[t]; k++) {
            entries *= card[T->cl_vars[t][k]];
            if (p >= 0) {
                while (j < T->cl_n[p] && T->cl_vars[p][j] < T->cl_vars[t][k])
                    j++;
                if (j < T->cl_n[p] && T->cl_vars[p][j] == T->cl_vars[t][k])
                    sep *= card[T->cl_vars[t][k]];
            }
        }
        if (p >= 0)
            bytes += 8.0 * sep; /* the upward message, reused for the downward one */
        ncl++;
        if (entries > big) {
            big = entries;
            big_t = t;
        }
    }
    bytes += 8.0 * 2.0 * big;            /* the clique being worked on and a separator scratch */
    for (size_t f = 0; f < P->nred; f++) /* the factors, their scaled copies, their groups */
        bytes += 3.0 * 8.0 * (double)P->red[f].size + 8.0 * GROUP_MAX / 2.0;
    T->bytes = bytes;
    T->big = big;
    T->big_t = big_t;
    T->ncl = ncl;
}

gmdl_status
gmdl__jt_build(jt_tree *T, const pgm_reduced *P, const gmdl_exact_config *cfg, gmdl_err *err) {
    memset(T, 0, sizeof *T);
    size_t nvars = P->nvars;
    pgm_graph g = {0};
    uint32_t *cvars = NULL, *alias = NULL;
    uint64_t *alive = NULL;
    double max_log2 = 0.0;
    gmdl_status s = gmdl__graph_build(&g, nvars, P->active, P->nred, P->red, err);
    if (s)
        goto done;
    cvars = gmdl__malloc((nvars + 1) * sizeof *cvars);
    alias = gmdl__malloc((nvars + 1) * sizeof *alias);
    alive = gmdl__calloc(g.words + 1, sizeof *alive);
    if ((s = tree_alloc(T, nvars, err)))
        goto done;
    if (!cvars || !alias || !alive) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    if ((s = gmdl__elim_order(&g, P->card, P->active, cfg, T->order, &T->nord, &max_log2, err)))
        goto done;
    if (max_log2 > 62.0) {
        s = gmdl__fail(err, GMDL_ELIMIT,
                       "exact inference is infeasible: the best elimination "
                       "order has a clique of 2^%.1f entries",
                       max_log2);
        goto done;
    }
    for (size_t t = 0; t < T->nord; t++) {
        T->pos[T->order[t]] = (uint32_t)t;
        T->home[T->order[t]] = (uint32_t)t;
    }
    for (size_t v = 0; v < nvars; v++)
        if (P->active[v])
            alive[v / 64] |= (uint64_t)1 << (v % 64);
    if ((s = cliques(T, &g, alive, cvars, err)))
        goto done;
    merge_subsets(T, P->active, alias);
    if ((s = children(T, err)))
        goto done;
    sizes(T, P);
done:
    if (s)
        gmdl__jt_tree_free(T); /* a failed build leaves nothing to free */
    gmdl__free(cvars);
    gmdl__free(alias);
    gmdl__free(alive);
    gmdl__graph_free(&g);
    return s;
}

/* ------------------------------------------------------------------ assign */

static void groups_fini(jt_potentials *A) {
    if (A->grp)
        for (size_t g = 0; g < A->ngrp; g++)
            gmdl_factor_fini(&A->grp[g]);
    A->ngrp = 0;
}

static void potentials_fini(jt_potentials *A, const jt_tree *T, const pgm_reduced *P) {
    (void)T;
    groups_fini(A);
    if (A->W)
        for (size_t f = 0; f < P->nred; f++)
            gmdl_factor_fini(&A->W[f]);
    gmdl__free(A->fhome);
    gmdl__free(A->fstart);
    gmdl__free(A->flist);
    gmdl__free(A->W);
    gmdl__free(A->fscale);
    gmdl__free(A->frange);
    gmdl__free(A->gstart);
    gmdl__free(A->grp);
    gmdl__free(A->gscale);
    gmdl__free(A->grange);
    memset(A, 0, sizeof *A);
}

/* Each factor belongs to the clique of its first-eliminated variable. */
static gmdl_status
potentials_init(jt_potentials *A, const jt_tree *T, const pgm_reduced *P, gmdl_err *err) {
    memset(A, 0, sizeof *A);
    size_t nord = T->nord, nred = P->nred;
    A->fhome = gmdl__malloc((nred + 1) * sizeof *A->fhome);
    A->fstart = gmdl__calloc(nord + 2, sizeof *A->fstart);
    A->flist = gmdl__malloc((nred + 1) * sizeof *A->flist);
    A->fscale = gmdl__malloc((nred + 1) * sizeof *A->fscale);
    A->W = gmdl__calloc(nred + 1, sizeof *A->W);
    A->frange = gmdl__calloc(nred + 1, sizeof *A->frange);
    /* at most one group per factor, plus one empty product per clique with none */
    A->gstart = gmdl__calloc(nord + 2, sizeof *A->gstart);
    A->grp = gmdl__calloc(nred + nord + 1, sizeof *A->grp);
    A->gscale = gmdl__calloc(nred + nord + 1, sizeof *A->gscale);
    A->grange = gmdl__calloc(nred + nord + 1, sizeof *A->grange);
    if (!A->fhome || !A->fstart || !A->flist || !A->fscale || !A->W || !A->frange || !A->gstart ||
        !A->grp || !A->gscale || !A->grange)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t f = 0; f < nred; f++) {
        uint32_t best = UINT32_MAX, bv = 0;
        for (size_t k = 0; k < P->red[f].nvars; k++)
            if (T->pos[P->red[f].vars[k]] < best) {
                best = T->pos[P->red[f].vars[k]];
                bv = P->red[f].vars[k];
            }
        A->fhome[f] = T->home[bv];
        A->fstart[A->fhome[f] + 1]++;
    }
    for (size_t t = 0; t < nord; t++) /* counting sort of the factors by clique */
        A->fstart[t + 1] += A->fstart[t];
    for (size_t f = 0, *next = A->fstart; f < nred; f++)
        A->flist[next[A->fhome[f]]++] = (uint32_t)f;
    for (size_t t = nord; t > 0; t--) /* next[] advanced fstart[t] to fstart[t + 1] */
        A->fstart[t] = A->fstart[t - 1];
    A->fstart[0] = 0;
    return GMDL_OK;
}

/* The factors scaled to maximum 1 (linear) or 0 (log), with their ranges. */
static gmdl_status scale_factors(jt_potentials *A, const pgm_reduced *P, int lg, gmdl_err *err) {
    for (size_t f = 0; f < P->nred; f++) {
        const gmdl_factor *F = &P->red[f];
        gmdl_factor_fini(&A->W[f]);
        gmdl_status s = gmdl_factor_init(&A->W[f], F->nvars, F->vars, F->card, err);
        if (s)
            return s;
        double m = PGM_NEGINF, mn = PGM_INF;
        for (size_t i = 0; i < F->size; i++) {
            double l = F->logp[i];
            if (l > m)
                m = l;
            if (l > PGM_NEGINF && l < mn)
                mn = l;
        }
        if (m == PGM_NEGINF)
            m = mn = 0.0;
        for (size_t i = 0; i < F->size; i++)
            A->W[f].logp[i] = lg ? F->logp[i] - m : exp(F->logp[i] - m);
        A->fscale[f] = m;
        A->frange[f] = m - mn;
    }
    return GMDL_OK;
}

/* A group being formed: its scope and the nats its factors span together. */
typedef struct {
    uint32_t vars[PGM_MAX_SCOPE];
    size_t n, nf; /* variables, factors */
    double entries, range;
} group_scope;

/* Whether factor F (range r) joins group G: its scope may grow only up to GROUP_MAX entries, and
 * in linear mode the group's factors together span at most RANGE_MAX nats; a group with no factor
 * yet takes any. On success G grows. */
static int
group_take(group_scope *G, const gmdl_factor *F, double r, const uint32_t *card, int lg) {
    uint32_t u[2 * PGM_MAX_SCOPE];
    if (G->nf && !lg && G->range + r > RANGE_MAX)
        return 0;
    size_t n = gmdl__scope_union(G->vars, G->n, F->vars, F->nvars, u);
    double e = 1.0;
    for (size_t k = 0; k < n; k++)
        e *= card[u[k]];
    if (G->nf && (n > PGM_MAX_SCOPE || (e > GROUP_MAX && e > G->entries)))
        return 0;
    memcpy(G->vars, u, n * sizeof *u);
    G->n = n;
    G->nf++;
    G->entries = e;
    G->range += r;
    return 1;
}

/* The groups of clique t (first fit, factors in index order), appended to A->grp: each the
 * product of its factors over the union of their scopes, rescaled. */
static gmdl_status clique_groups(jt_potentials *A,
                                 const pgm_reduced *P,
                                 size_t t,
                                 int lg,
                                 group_scope *G,
                                 uint32_t *gid,
                                 gmdl_err *err) {
    size_t g0 = A->ngrp, ng = 0;
    gmdl_status s = GMDL_OK;
    for (size_t i = A->fstart[t]; i < A->fstart[t + 1]; i++) {
        uint32_t f = A->flist[i];
        size_t g = 0;
        while (g < ng && !group_take(&G[g], &A->W[f], A->frange[f], P->card, lg))
            g++;
        if (g == ng) {
            G[ng++] = (group_scope){.n = 0, .nf = 0, .entries = 1.0, .range = 0.0};
            (void)group_take(&G[g], &A->W[f], A->frange[f], P->card, lg); /* takes it */
        }
        gid[f] = (uint32_t)g;
    }
    if (ng == 0) /* no factor: the empty product */
        G[ng++] = (group_scope){.n = 0, .nf = 0, .entries = 1.0, .range = 0.0};
    for (size_t g = 0; g < ng && !s; g++) {
        gmdl_factor *X = &A->grp[g0 + g];
        uint32_t uc[PGM_MAX_SCOPE];
        for (size_t k = 0; k < G[g].n; k++)
            uc[k] = P->card[G[g].vars[k]];
        if ((s = gmdl_factor_init(X, G[g].n, G[g].vars, uc, err)))
            break;
        A->ngrp++;
        for (size_t i = 0; i < X->size; i++)
            X->logp[i] = lg ? 0.0 : 1.0;
        A->gscale[g0 + g] = 0.0;
        for (size_t i = A->fstart[t]; i < A->fstart[t + 1]; i++) {
            uint32_t f = A->flist[i];
            if (gid[f] == g) {
                gmdl__jt_mul(lg, X, &A->W[f]);
                A->gscale[g0 + g] += A->fscale[f];
            }
        }
        A->gscale[g0 + g] += gmdl__jt_rescale(lg, X);
        A->grange[g0 + g] = lg ? 0.0 : gmdl__jt_range(X);
    }
    return s;
}

/* The factors on the tree in representation lg (linear unless lg). */
static gmdl_status
assign(jt_potentials *A, const jt_tree *T, const pgm_reduced *P, int lg, gmdl_err *err) {
    gmdl_status s = scale_factors(A, P, lg, err);
    groups_fini(A);
    group_scope *G = gmdl__malloc((P->nred + 1) * sizeof *G); /* scratch of clique_groups */
    uint32_t *gid = gmdl__malloc((P->nred + 1) * sizeof *gid);
    if (!s && (!G || !gid))
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t t = 0; t < T->nord && !s; t++) {
        A->gstart[t] = A->ngrp;
        if (!T->removed[t])
            s = clique_groups(A, P, t, lg, G, gid, err);
    }
    A->gstart[T->nord] = A->ngrp;
    gmdl__free(G);
    gmdl__free(gid);
    return s;
}

/* ------------------------------------------------------------------ driver */

/* Calibrates in representation lg and reads off log Z and (when wanted) the marginals. */
static gmdl_status calibrate(jt_messages *M,
                             const jt_tree *T,
                             const jt_potentials *A,
                             const pgm_reduced *P,
                             int lg,
                             double *log_z,
                             double *marginals,
                             gmdl_err *err) {
    double lz;
    gmdl_status s = gmdl__jt_upward(M, T, A, P, lg, marginals != NULL, &lz, err);
    if (s)
        return s;
    if (log_z)
        *log_z = lz;
    if (!marginals)
        return GMDL_OK;
    if (lz == PGM_NEGINF || isnan(lz))
        return gmdl__fail(err, GMDL_EINVAL, "the evidence has probability zero");
    s = gmdl__jt_downward(M, T, A, P, lg, marginals, err);
    if (s == GMDL_ENOMEM)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory during calibration");
    return s;
}

/* The driver of gmdl__jt_run and gmdl__jt_run_factors: fam as there (may be NULL). */
static gmdl_status run(size_t nvars,
                       const uint32_t *card,
                       size_t nfactors,
                       const gmdl_factor *factors,
                       const int32_t *evidence,
                       const gmdl_exact_config *cfg,
                       const char *const *names,
                       double *log_z,
                       double *marginals,
                       double **fam,
                       gmdl_exact_stats *stats,
                       gmdl_err *err) {
    pgm_reduced P;
    gmdl_status s = gmdl__reduced_init(&P, nvars, card, nfactors, factors, evidence, err);
    if (s)
        return s;
    jt_tree T;
    jt_potentials A = {0};
    jt_messages M = {0};
    double **famred = NULL;
    if ((s = gmdl__jt_build(&T, &P, cfg, err)))
        goto done;
    if (stats) {
        stats->max_clique_vars = T.ncl ? T.cl_n[T.big_t] : 0;
        stats->max_clique_entries = T.ncl ? T.big : 0.0;
        stats->total_bytes = T.bytes;
        stats->ncliques = T.ncl;
    }
    if (cfg->max_mem && T.bytes > (double)cfg->max_mem) {
        s = gmdl__over_budget(cfg, T.bytes, T.cl_n[T.big_t], T.cl_vars[T.big_t], T.big, names, err);
        goto done;
    }
    if ((s = gmdl__jt_messages_init(&M, &T, err)) || (s = potentials_init(&A, &T, &P, err)))
        goto done;
    if (fam) {
        /* reduced factor r is the r-th factor with a free variable (gmdl__reduced_init) */
        if (!(famred = gmdl__calloc(P.nred + 1, sizeof *famred))) {
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t f = 0, r = 0; f < nfactors; f++) {
            int free_var = 0;
            for (size_t k = 0; k < factors[f].nvars; k++)
                free_var |= P.active[factors[f].vars[k]];
            if (free_var)
                famred[r++] = fam[f];
        }
        M.fam = famred;
    }
    /* Linear tables first; again with log tables when they are too wide for doubles. */
    for (int lg = 0; lg < 2; lg++) {
        if ((s = assign(&A, &T, &P, lg, err)))
            break;
        s = calibrate(&M, &T, &A, &P, lg, log_z, marginals, err);
        if (s != GMDL_ENUMERIC || lg)
            break;
        s = GMDL_OK;
    }
done:
    gmdl__free(famred);
    M.fam = NULL;
    potentials_fini(&A, &T, &P);
    gmdl__jt_messages_fini(&M, &T);
    gmdl__jt_tree_free(&T);
    gmdl__reduced_fini(&P);
    return s;
}

gmdl_status gmdl__jt_run(size_t nvars,
                         const uint32_t *card,
                         size_t nfactors,
                         const gmdl_factor *factors,
                         const int32_t *evidence,
                         const gmdl_exact_config *cfg,
                         const char *const *names,
                         double *log_z,
                         double *marginals,
                         gmdl_exact_stats *stats,
                         gmdl_err *err) {
    return run(nvars, card, nfactors, factors, evidence, cfg, names, log_z, marginals, NULL, stats,
               err);
}

gmdl_status gmdl__jt_run_factors(size_t nvars,
                                 const uint32_t *card,
                                 size_t nfactors,
                                 const gmdl_factor *factors,
                                 const int32_t *evidence,
                                 const gmdl_exact_config *cfg,
                                 const char *const *names,
                                 double *log_z,
                                 double *marginals,
                                 double **fam,
                                 gmdl_err *err) {
    return run(nvars, card, nfactors, factors, evidence, cfg, names, log_z, marginals, fam, NULL,
               err);
}

gmdl_status gmdl__jt_plan(size_t nvars,
                          const uint32_t *card,
                          size_t nfactors,
                          const gmdl_factor *factors,
                          const int32_t *evidence,
                          const gmdl_exact_config *cfg,
                          const char *const *names,
                          gmdl_exact_stats *stats,
                          gmdl_err *err) {
    pgm_reduced P;
    gmdl_status s = gmdl__reduced_init(&P, nvars, card, nfactors, factors, evidence, err);
    if (s)
        return s;
    jt_tree T;
    if (!(s = gmdl__jt_build(&T, &P, cfg, err))) {
        if (stats) {
            stats->max_clique_vars = T.ncl ? T.cl_n[T.big_t] : 0;
            stats->max_clique_entries = T.ncl ? T.big : 0.0;
            stats->total_bytes = T.bytes;
            stats->ncliques = T.ncl;
        }
        if (cfg->max_mem && T.bytes > (double)cfg->max_mem)
            s = gmdl__over_budget(cfg, T.bytes, T.cl_n[T.big_t], T.cl_vars[T.big_t], T.big, names,
                                  err);
        gmdl__jt_tree_free(&T);
    }
    gmdl__reduced_fini(&P);
    return s;
}
