/* Exact inference.
 *
 * Junction tree. Eliminating v in the chosen order creates the clique {v} + its current
 * neighbours, whose parent is the clique of the first of those neighbours to be eliminated. A
 * parent that is a subset of its child is merged into the child. Each factor belongs to the clique
 * of its first-eliminated variable.
 *
 * Calibration (Shafer-Shenoy, with the division trick inside a clique). Tables are linear with one
 * log scale each, so products and sums need no exp() per entry and log Z stays exact. Upward pass
 * in elimination order (children first): a clique table is built from its factors and its
 * children's messages, and summed onto the separator with its parent. Downward pass in reverse
 * order: the table is rebuilt with the parent's message, the marginals of the variables it is
 * home to are read off, and each child gets (table / child's upward message) summed onto their
 * separator, with 0/0 = 0 (if the child's message is 0 there, the child's own table is 0 there
 * too). Only the messages persist; one work table of the largest clique's size is reused.
 *
 * Variable elimination (ve.c) is a separate, simpler path, kept as a cross-check. */
#include "pgm_internal.h"

/* Linear-space helpers for calibration: tables hold exp(log value - scale). The big table is
 * walked as outer odometer steps over a trailing block of dimensions that are either all absent
 * from sub (one sub entry for the whole block) or all present in sub and contiguous there (the
 * block matches a contiguous run of sub), which keeps the inner loops long and simple. */
typedef struct {
    size_t nout;
    size_t card[PGM_MAX_SCOPE], stride[PGM_MAX_SCOPE];
    size_t block;
    int contiguous;
} loop_plan;

static void make_plan(const gmdl_factor *big, const gmdl_factor *sub, loop_plan *L) {
    size_t stride[PGM_MAX_SCOPE];
    gmdl__sub_strides(big, sub, stride);
    size_t nb = big->nvars, k = nb;
    L->block = 1;
    L->contiguous = 0;
    if (nb > 0 && stride[nb - 1] == 0) {
        while (k > 0 && stride[k - 1] == 0)
            L->block *= big->card[--k];
    } else if (nb > 0 && stride[nb - 1] == 1) {
        L->contiguous = 1;
        while (k > 0 && stride[k - 1] == L->block)
            L->block *= big->card[--k];
    }
    L->nout = k;
    for (size_t t = 0; t < k; t++) {
        L->card[t] = big->card[t];
        L->stride[t] = stride[t];
    }
}

#define PLAN_LOOP(big, L, BODY)                                                                    \
    do {                                                                                           \
        size_t ctr_[PGM_MAX_SCOPE] = {0};                                                          \
        size_t j = 0;                                                                              \
        for (size_t i0 = 0; i0 < (big)->size; i0 += (L)->block) {                                  \
            BODY;                                                                                  \
            for (size_t k_ = (L)->nout; k_-- > 0;) {                                               \
                ctr_[k_]++;                                                                        \
                j += (L)->stride[k_];                                                              \
                if (ctr_[k_] < (L)->card[k_])                                                      \
                    break;                                                                         \
                j -= (L)->stride[k_] * (L)->card[k_];                                              \
                ctr_[k_] = 0;                                                                      \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static void lin_mul_into(gmdl_factor *big, const gmdl_factor *sub) {
    loop_plan L;
    make_plan(big, sub, &L);
    double *b = big->logp;
    const double *s = sub->logp;
    size_t B = L.block;
    if (L.contiguous)
        PLAN_LOOP(big, &L, {
            for (size_t t = 0; t < B; t++)
                b[i0 + t] *= s[j + t];
        });
    else
        PLAN_LOOP(big, &L, {
            double c = s[j];
            for (size_t t = 0; t < B; t++)
                b[i0 + t] *= c;
        });
}

/* big = sub broadcast over big's scope. */
static void lin_set_into(gmdl_factor *big, const gmdl_factor *sub) {
    loop_plan L;
    make_plan(big, sub, &L);
    double *b = big->logp;
    const double *s = sub->logp;
    size_t B = L.block;
    if (L.contiguous)
        PLAN_LOOP(big, &L, {
            for (size_t t = 0; t < B; t++)
                b[i0 + t] = s[j + t];
        });
    else
        PLAN_LOOP(big, &L, {
            double c = s[j];
            for (size_t t = 0; t < B; t++)
                b[i0 + t] = c;
        });
}

static void lin_sum_into(const gmdl_factor *big, gmdl_factor *sub) {
    loop_plan L;
    make_plan(big, sub, &L);
    const double *b = big->logp;
    double *s = sub->logp;
    size_t B = L.block;
    for (size_t k = 0; k < sub->size; k++)
        s[k] = 0.0;
    if (L.contiguous)
        PLAN_LOOP(big, &L, {
            for (size_t t = 0; t < B; t++)
                s[j + t] += b[i0 + t];
        });
    else
        PLAN_LOOP(big, &L, {
            double acc = 0.0;
            for (size_t t = 0; t < B; t++)
                acc += b[i0 + t];
            s[j] += acc;
        });
}

/* Divides by the maximum (if positive) and returns its log. */
static double lin_rescale(gmdl_factor *f) {
    double m = 0.0;
    for (size_t i = 0; i < f->size; i++)
        if (f->logp[i] > m)
            m = f->logp[i];
    if (m <= 0.0)
        return 0.0;
    double inv = 1.0 / m;
    for (size_t i = 0; i < f->size; i++)
        f->logp[i] *= inv;
    return log(m);
}

/* The separator of a clique table with its parent's variables. */
static gmdl_status sep_factor(
    gmdl_factor *out, const gmdl_factor *tab, size_t np, const uint32_t *pvars, gmdl_err *err) {
    uint32_t sv[PGM_MAX_SCOPE], sc[PGM_MAX_SCOPE];
    size_t n = 0;
    for (size_t k = 0, j = 0; k < tab->nvars; k++) {
        while (j < np && pvars[j] < tab->vars[k])
            j++;
        if (j < np && pvars[j] == tab->vars[k]) {
            sv[n] = tab->vars[k];
            sc[n++] = tab->card[k];
        }
    }
    return gmdl_factor_init(out, n, sv, sc, err);
}

/* Calibration runs on linear tables (each with a log scale) unless some clique table would span
 * more than RANGE_MAX nats between its largest and smallest positive entry, where doubles
 * underflow; then it is redone with log tables. lg selects the representation. */
#define RANGE_MAX 650.0

static void t_mul(int lg, gmdl_factor *big, const gmdl_factor *sub) {
    if (lg)
        gmdl__factor_add_into(big, sub);
    else
        lin_mul_into(big, sub);
}

static gmdl_status t_sum(int lg, const gmdl_factor *big, gmdl_factor *sub) {
    if (lg)
        return gmdl__factor_marg_into(big, sub);
    lin_sum_into(big, sub);
    return GMDL_OK;
}

/* Divides by the maximum (log: subtracts it) and returns its log. */
static double t_rescale(int lg, gmdl_factor *f) {
    if (!lg)
        return lin_rescale(f);
    double m = PGM_NEGINF;
    for (size_t i = 0; i < f->size; i++)
        if (f->logp[i] > m)
            m = f->logp[i];
    if (m == PGM_NEGINF)
        return 0.0;
    for (size_t i = 0; i < f->size; i++)
        f->logp[i] -= m;
    return m;
}

/* Nats between 1 and the smallest positive entry of a linear table scaled to maximum 1. */
static double lin_range(const gmdl_factor *f) {
    double mn = 1.0;
    for (size_t i = 0; i < f->size; i++)
        if (f->logp[i] > 0.0 && f->logp[i] < mn)
            mn = f->logp[i];
    return -log(mn);
}

/* Builds the table of clique t: its factors times the upward messages of its children (and the
 * downward message from its parent when with_down), rescaled; *scale receives the log of the
 * factor by which the true values were divided. Linear mode returns GMDL_ENUMERIC (before
 * touching the table) when the inputs together span more than RANGE_MAX nats. */
typedef struct {
    int lg;
    const pgm_reduced *P;
    const gmdl_factor *W; /* the factors, scaled to maximum 1 (linear) or 0 (log) */
    const double *fscale, *frange;
    const uint32_t *fhome;
    const gmdl_factor *cfac; /* per clique: product of its own factors (or empty, see fsep) */
    const double *cscale, *crange;
    const uint8_t *fsep; /* 1: multiply the clique's factors one by one */
    const size_t *kid_start;
    const uint32_t *kids;
    const int *parent;
    const gmdl_factor *up, *down;
    const double *upscale, *uprange, *downrange;
} calib;

static gmdl_status build_table(const calib *C,
                               gmdl_factor *tab,
                               size_t t,
                               size_t n,
                               const uint32_t *vars,
                               const uint32_t *card,
                               int with_down,
                               double *scale,
                               gmdl_err *err) {
    /* tab->vars, tab->card and tab->logp are caller-owned buffers (the largest clique fits) */
    if (n > PGM_MAX_SCOPE)
        return gmdl__fail(err, GMDL_ELIMIT, "clique of %zu variables", n);
    if (!C->lg) {
        double R = C->crange[t];
        if (C->fsep[t])
            for (size_t f = 0; f < C->P->nred; f++)
                if (C->fhome[f] == t)
                    R += C->frange[f];
        for (size_t i = C->kid_start[t]; i < C->kid_start[t + 1]; i++)
            if (C->up[C->kids[i]].logp)
                R += C->uprange[C->kids[i]];
        if (with_down && C->parent[t] >= 0)
            R += C->downrange[t];
        if (R > RANGE_MAX)
            return GMDL_ENUMERIC;
    }
    size_t size = 1;
    for (size_t k = 0; k < n; k++) {
        tab->vars[k] = vars[k];
        tab->card[k] = card[vars[k]];
        size *= card[vars[k]];
    }
    tab->nvars = n;
    tab->size = size;
    double sc = C->cscale[t];
    lin_set_into(tab, &C->cfac[t]); /* the product of the clique's own factors */
    if (C->fsep[t])
        for (size_t f = 0; f < C->P->nred; f++)
            if (C->fhome[f] == t) {
                t_mul(C->lg, tab, &C->W[f]);
                sc += C->fscale[f];
            }
    for (size_t i = C->kid_start[t]; i < C->kid_start[t + 1]; i++)
        if (C->up[C->kids[i]].logp) {
            t_mul(C->lg, tab, &C->up[C->kids[i]]);
            sc += C->upscale[C->kids[i]];
        }
    if (with_down && C->parent[t] >= 0)
        t_mul(C->lg, tab, &C->down[t]);
    sc += t_rescale(C->lg, tab);
    *scale = sc;
    return GMDL_OK;
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
    pgm_reduced P;
    gmdl_status s = gmdl__reduced_init(&P, nvars, card, nfactors, factors, evidence, err);
    if (s)
        return s;
    pgm_graph g = {0};
    uint32_t *order = NULL, *pos = NULL, *cvars = NULL, *home = NULL, **cl_vars = NULL;
    int *parent = NULL;
    size_t *cl_n = NULL;
    uint8_t *removed = NULL;
    gmdl_factor *up = NULL, *down = NULL, tab = {0};
    uint32_t tab_vars[PGM_MAX_SCOPE], tab_card[PGM_MAX_SCOPE];
    double *tabbuf = NULL, *sepbuf = NULL, *cscale = NULL;
    gmdl_factor *cfac = NULL, *W = NULL;
    double *frange = NULL, *crange = NULL, *uprange = NULL, *downrange = NULL;
    uint8_t *fsep = NULL;
    double *upscale = NULL, *fscale = NULL;
    uint32_t *fhome = NULL;
    size_t *moff = NULL, *kid_start = NULL;
    uint32_t *alias = NULL, *kids = NULL;
    uint64_t *alive = NULL;
    size_t nord = 0;
    double max_log2 = 0.0;
    if ((s = gmdl__graph_build(&g, nvars, P.active, P.nred, P.red, err)))
        goto done;
    order = gmdl__malloc((nvars + 1) * sizeof *order);
    pos = gmdl__malloc((nvars + 1) * sizeof *pos);
    home = gmdl__malloc((nvars + 1) * sizeof *home);
    cvars = gmdl__malloc((nvars + 1) * sizeof *cvars);
    parent = gmdl__malloc((nvars + 1) * sizeof *parent);
    alive = gmdl__calloc(g.words + 1, sizeof *alive);
    cl_vars = gmdl__calloc(nvars + 1, sizeof *cl_vars);
    cl_n = gmdl__calloc(nvars + 1, sizeof *cl_n);
    removed = gmdl__calloc(nvars + 1, 1);
    moff = gmdl__calloc(nvars + 1, sizeof *moff);
    alias = gmdl__malloc((nvars + 1) * sizeof *alias);
    kids = gmdl__malloc((nvars + 1) * sizeof *kids);
    kid_start = gmdl__calloc(nvars + 2, sizeof *kid_start);
    if (!alias || !kids || !kid_start || !moff || !order || !pos || !home || !cvars || !parent ||
        !alive || !cl_vars || !cl_n || !removed) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    if ((s = gmdl__elim_order(&g, card, P.active, cfg, order, &nord, &max_log2, err)))
        goto done;
    if (max_log2 > 62.0) {
        s = gmdl__fail(err, GMDL_ELIMIT,
                       "exact inference is infeasible: the best elimination "
                       "order has a clique of 2^%.1f entries",
                       max_log2);
        goto done;
    }
    for (size_t t = 0; t < nord; t++) {
        pos[order[t]] = (uint32_t)t;
        home[order[t]] = (uint32_t)t;
        alias[t] = (uint32_t)t;
    }
    for (size_t v = 0; v < nvars; v++)
        if (P.active[v])
            alive[v / 64] |= (uint64_t)1 << (v % 64);
    /* Cliques by simulating the elimination. */
    for (size_t t = 0; t < nord; t++) {
        uint32_t v = order[t];
        uint64_t *nv = &g.adj[(size_t)v * g.words];
        size_t n = 0;
        int par = -1;
        for (size_t w = 0; w < g.words; w++) {
            uint64_t bits = (nv[w] & alive[w]) | (w == v / 64 ? (uint64_t)1 << (v % 64) : 0);
            while (bits) {
                uint32_t a = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
                bits &= bits - 1;
                cvars[n++] = a;
                if (a != v && (par < 0 || pos[a] < (uint32_t)par))
                    par = (int)pos[a];
            }
        }
        for (size_t k = 0; k < n; k++) {
            uint32_t a = cvars[k];
            if (a == v)
                continue;
            uint64_t *na = &g.adj[(size_t)a * g.words];
            for (size_t w = 0; w < g.words; w++)
                na[w] |= nv[w] & alive[w];
            na[a / 64] &= ~((uint64_t)1 << (a % 64));
        }
        alive[v / 64] &= ~((uint64_t)1 << (v % 64));
        parent[t] = par;
        cl_n[t] = n;
        if (!(cl_vars[t] = gmdl__malloc((n + 1) * sizeof **cl_vars))) {
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
            goto done;
        }
        memcpy(cl_vars[t], cvars, n * sizeof *cvars);
    }
    /* Merge each parent that is a subset of its child (parent == separator) into the child; the
     * merged clique keeps the parent's slot, so slots stay in a valid bottom-up order. */
    for (size_t t = 0; t < nord; t++) {
        int p = parent[t];
        if (p < 0 || cl_n[p] >= cl_n[t])
            continue;
        size_t j = 0; /* is C_p a subset of C_t? (both sorted) */
        for (size_t k = 0; k < cl_n[t] && j < cl_n[p]; k++)
            if (cl_vars[t][k] == cl_vars[p][j])
                j++;
        if (j != cl_n[p])
            continue;
        gmdl__free(cl_vars[p]);
        cl_vars[p] = cl_vars[t];
        cl_n[p] = cl_n[t];
        cl_vars[t] = NULL;
        cl_n[t] = 0;
        removed[t] = 1;
        alias[t] = (uint32_t)p; /* t's children and home variables now belong to p */
    }
    /* Resolve the aliases (a chain of merges ends at a kept slot, always later in the order). */
    for (size_t t = nord; t-- > 0;)
        if (removed[t])
            alias[t] = removed[alias[t]] ? alias[alias[t]] : alias[t];
    for (size_t t = 0; t < nord; t++)
        if (parent[t] >= 0 && removed[parent[t]])
            parent[t] = (int)alias[parent[t]];
    for (size_t v = 0; v < nvars; v++)
        if (P.active[v] && removed[home[v]])
            home[v] = alias[home[v]];
    /* Children lists (CSR). */
    for (size_t t = 0; t < nord; t++)
        if (!removed[t] && parent[t] >= 0)
            kid_start[parent[t] + 1]++;
    for (size_t t = 0; t < nord; t++)
        kid_start[t + 1] += kid_start[t];
    {
        size_t *fill = gmdl__calloc(nord + 1, sizeof *fill);
        if (!fill) {
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t t = 0; t < nord; t++)
            if (!removed[t] && parent[t] >= 0)
                kids[kid_start[parent[t]] + fill[parent[t]]++] = (uint32_t)t;
        gmdl__free(fill);
    }
    /* Separators (variables shared with the parent) and sizes for the budget: Shafer-Shenoy
     * keeps only the messages; a clique table lives only while its messages are computed. */
    double bytes = 0.0, big = 0.0;
    size_t big_t = 0, ncl = 0;
    for (size_t t = 0; t < nord; t++) {
        if (removed[t])
            continue;
        double entries = 1.0, sep = 1.0;
        int p = parent[t];
        for (size_t k = 0, j = 0; k < cl_n[t]; k++) {
            entries *= card[cl_vars[t][k]];
            if (p >= 0) {
                while (j < cl_n[p] && cl_vars[p][j] < cl_vars[t][k])
                    j++;
                if (j < cl_n[p] && cl_vars[p][j] == cl_vars[t][k])
                    sep *= card[cl_vars[t][k]];
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
    bytes += 8.0 * 2.0 * big; /* the clique being worked on and a separator scratch */
    for (size_t f = 0; f < P.nred; f++)
        bytes += 2.0 * 8.0 * (double)P.red[f].size; /* the factors and their scaled copies */
    if (stats) {
        stats->max_clique_vars = ncl ? cl_n[big_t] : 0;
        stats->max_clique_entries = ncl ? big : 0.0;
        stats->total_bytes = bytes;
        stats->ncliques = ncl;
    }
    if (cfg->max_mem && bytes > (double)cfg->max_mem) {
        s = gmdl__over_budget(cfg, bytes, cl_n[big_t], cl_vars[big_t], big, names, err);
        goto done;
    }
    up = gmdl__calloc(nord + 1, sizeof *up);
    down = gmdl__calloc(nord + 1, sizeof *down);
    upscale = gmdl__calloc(nord + 1, sizeof *upscale);
    fhome = gmdl__malloc((P.nred + 1) * sizeof *fhome);
    fscale = gmdl__malloc((P.nred + 1) * sizeof *fscale);
    if (!up || !down || !upscale || !fhome || !fscale) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    /* one work table, reused by every clique (fresh pages for each would dominate the time) */
    if (ncl && cl_n[big_t] > PGM_MAX_SCOPE) {
        s = gmdl__fail(err, GMDL_ELIMIT, "clique of %zu variables", cl_n[big_t]);
        goto done;
    }
    if (!(tabbuf = gmdl__malloc((size_t)big * sizeof *tabbuf + 8))) {
        s = gmdl__fail(err, GMDL_ENOMEM,
                       "out of memory for the largest clique table (%zu "
                       "variables, %.4g entries)",
                       cl_n[big_t], big);
        goto done;
    }
    tab.vars = tab_vars;
    tab.card = tab_card;
    tab.logp = tabbuf;
    /* scratch for one separator (at most the largest clique) */
    if (!(sepbuf = gmdl__malloc((size_t)big * sizeof *sepbuf + 8))) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory for a separator table");
        goto done;
    }
    /* Each factor belongs to the clique of its first-eliminated variable. */
    for (size_t f = 0; f < P.nred; f++) {
        uint32_t best = UINT32_MAX, bv = 0;
        for (size_t k = 0; k < P.red[f].nvars; k++)
            if (pos[P.red[f].vars[k]] < best) {
                best = pos[P.red[f].vars[k]];
                bv = P.red[f].vars[k];
            }
        fhome[f] = home[bv];
    }
    cfac = gmdl__calloc(nord + 1, sizeof *cfac);
    cscale = gmdl__calloc(nord + 1, sizeof *cscale);
    crange = gmdl__calloc(nord + 1, sizeof *crange);
    fsep = gmdl__calloc(nord + 1, 1);
    W = gmdl__calloc(P.nred + 1, sizeof *W);
    frange = gmdl__calloc(P.nred + 1, sizeof *frange);
    uprange = gmdl__calloc(nord + 1, sizeof *uprange);
    downrange = gmdl__calloc(nord + 1, sizeof *downrange);
    if (!cfac || !cscale || !crange || !fsep || !W || !frange || !uprange || !downrange) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    for (int lg = 0; lg < 2; lg++) {
        calib C = {lg,   &P,        W,    fscale, frange, fhome, cfac,    cscale,  crange,
                   fsep, kid_start, kids, parent, up,     down,  upscale, uprange, downrange};
        /* The factors scaled to maximum 1 (linear) or 0 (log), with their ranges. */
        for (size_t f = 0; f < P.nred; f++) {
            gmdl_factor_fini(&W[f]);
            if ((s = gmdl_factor_init(&W[f], P.red[f].nvars, P.red[f].vars, P.red[f].card, err)))
                goto done;
            double m = PGM_NEGINF, mn = PGM_INF;
            for (size_t i = 0; i < P.red[f].size; i++) {
                double l = P.red[f].logp[i];
                if (l > m)
                    m = l;
                if (l > PGM_NEGINF && l < mn)
                    mn = l;
            }
            if (m == PGM_NEGINF)
                m = mn = 0.0;
            for (size_t i = 0; i < P.red[f].size; i++)
                W[f].logp[i] = lg ? P.red[f].logp[i] - m : exp(P.red[f].logp[i] - m);
            fscale[f] = m;
            frange[f] = m - mn;
        }
        /* The product of each clique's own factors, over the union of their scopes (small next
         * to the clique), so that a clique table starts from one broadcast copy. */
        for (size_t t = 0; t < nord; t++) {
            gmdl_factor_fini(&cfac[t]);
            cscale[t] = crange[t] = 0.0;
            fsep[t] = 0;
            if (removed[t])
                continue;
            uint32_t uv[PGM_MAX_SCOPE], uc[PGM_MAX_SCOPE], tmpv[2 * PGM_MAX_SCOPE];
            size_t nu = 0;
            double rsum = 0.0;
            for (size_t f = 0; f < P.nred; f++)
                if (fhome[f] == t) {
                    nu = gmdl__scope_union(uv, nu, P.red[f].vars, P.red[f].nvars, tmpv);
                    GMDL_ASSERT(nu <= cl_n[t] && nu <= PGM_MAX_SCOPE);
                    memcpy(uv, tmpv, nu * sizeof *uv);
                    rsum += frange[f];
                }
            double ue = 1.0, ce = 1.0;
            for (size_t k = 0; k < nu; k++)
                ue *= card[uv[k]];
            for (size_t k = 0; k < cl_n[t]; k++)
                ce *= card[cl_vars[t][k]];
            if ((ue > 4096.0 && ue * 8.0 > ce) || (!lg && rsum > RANGE_MAX)) {
                nu = 0; /* too big to keep (or too wide to combine linearly): one by one */
                fsep[t] = 1;
            }
            for (size_t k = 0; k < nu; k++)
                uc[k] = card[uv[k]];
            if ((s = gmdl_factor_init(&cfac[t], nu, uv, uc, err)))
                goto done;
            for (size_t i = 0; i < cfac[t].size; i++)
                cfac[t].logp[i] = lg ? 0.0 : 1.0;
            for (size_t f = 0; f < P.nred && !fsep[t]; f++)
                if (fhome[f] == t) {
                    t_mul(lg, &cfac[t], &W[f]);
                    cscale[t] += fscale[f];
                }
            cscale[t] += t_rescale(lg, &cfac[t]);
            if (!lg)
                crange[t] = lin_range(&cfac[t]);
        }
        for (size_t t = 0; t < nord; t++) {
            gmdl_factor_fini(&up[t]);
            gmdl_factor_fini(&down[t]);
        }
        /* Upward pass. */
        double lz = P.log_const;
        for (size_t t = 0; t < nord && !s; t++) {
            if (removed[t])
                continue;
            double sc;
            if ((s = build_table(&C, &tab, t, cl_n[t], cl_vars[t], card, 0, &sc, err)))
                break;
            if (!marginals) /* no downward pass: the children's messages are done with */
                for (size_t i = kid_start[t]; i < kid_start[t + 1]; i++)
                    gmdl_factor_fini(&up[kids[i]]);
            int p = parent[t];
            if (p < 0) {
                double sum = 0.0;
                if (lg)
                    sum = gmdl__logsumexp(tab.logp, tab.size);
                else {
                    for (size_t i = 0; i < tab.size; i++)
                        sum += tab.logp[i];
                    sum = log(sum);
                }
                lz += sc + sum;
            } else {
                if ((s = sep_factor(&up[t], &tab, cl_n[p], cl_vars[p], err)) ||
                    (s = t_sum(lg, &tab, &up[t])))
                    break;
                upscale[t] = sc + t_rescale(lg, &up[t]);
                if (!lg)
                    uprange[t] = lin_range(&up[t]);
            }
        }
        if (s == GMDL_ENUMERIC && !lg) {
            s = GMDL_OK; /* too wide for doubles: again in log space */
            continue;
        }
        if (s)
            goto done;
        if (log_z)
            *log_z = lz;
        if (!marginals)
            goto done;
        if (lz == PGM_NEGINF || isnan(lz)) {
            s = gmdl__fail(err, GMDL_EINVAL, "the evidence has probability zero");
            goto done;
        }
        /* Downward pass: rebuild each clique with all its messages, read off the marginals of
         * the variables it is home to, and send each child (table / child's upward message)
         * summed onto their separator, with 0/0 = 0. */
        size_t off = 0;
        for (size_t v = 0; v < nvars; v++) {
            moff[v] = off;
            off += card[v];
            if (!P.active[v])
                for (uint32_t x = 0; x < card[v]; x++)
                    marginals[moff[v] + x] = (int32_t)x == P.ev[v] ? 1.0 : 0.0;
        }
        for (size_t t = nord; t-- > 0 && !s;) {
            if (removed[t])
                continue;
            double sc;
            if ((s = build_table(&C, &tab, t, cl_n[t], cl_vars[t], card, 1, &sc, err)))
                break;
            gmdl_factor_fini(&down[t]);
            for (size_t k = 0; k < cl_n[t] && !s; k++) {
                uint32_t v = cl_vars[t][k];
                if (home[v] != t)
                    continue;
                gmdl_factor mv;
                if ((s = gmdl_factor_init(&mv, 1, &v, &card[v], err)))
                    break;
                if (!(s = t_sum(lg, &tab, &mv))) {
                    double z = 0.0;
                    if (lg)
                        z = gmdl__logsumexp(mv.logp, card[v]);
                    else
                        for (uint32_t x = 0; x < card[v]; x++)
                            z += mv.logp[x];
                    for (uint32_t x = 0; x < card[v]; x++)
                        marginals[moff[v] + x] = lg ? exp(mv.logp[x] - z) : mv.logp[x] / z;
                }
                gmdl_factor_fini(&mv);
            }
            for (size_t q = kid_start[t]; q < kid_start[t + 1] && !s; q++) {
                size_t c = kids[q];
                /* the downward message reuses the storage of the upward one (no fresh pages) */
                gmdl_factor tmp = up[c];
                tmp.logp = sepbuf;
                if ((s = t_sum(lg, &tab, &tmp)))
                    break;
                double *u = up[c].logp;
                for (size_t i = 0; i < up[c].size; i++) {
                    if (lg)
                        u[i] = u[i] == PGM_NEGINF ? PGM_NEGINF : sepbuf[i] - u[i];
                    else
                        u[i] = u[i] > 0.0 ? sepbuf[i] / u[i] : 0.0;
                }
                down[c] = up[c];
                memset(&up[c], 0, sizeof up[c]);
                t_rescale(lg, &down[c]);
                if (!lg)
                    downrange[c] = lin_range(&down[c]);
            }
        }
        if (s == GMDL_ENUMERIC && !lg) {
            s = GMDL_OK;
            continue;
        }
        break;
    }
    if (s == GMDL_ENOMEM)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory during calibration");
done:
    if (cfac)
        for (size_t t = 0; t < nord; t++)
            gmdl_factor_fini(&cfac[t]);
    if (W)
        for (size_t f = 0; f < P.nred; f++)
            gmdl_factor_fini(&W[f]);
    gmdl__free(W);
    gmdl__free(frange);
    gmdl__free(crange);
    gmdl__free(uprange);
    gmdl__free(downrange);
    gmdl__free(cfac);
    gmdl__free(cscale);
    gmdl__free(fsep);
    gmdl__free(tabbuf);
    gmdl__free(sepbuf);
    if (up)
        for (size_t t = 0; t < nord; t++)
            gmdl_factor_fini(&up[t]);
    if (down)
        for (size_t t = 0; t < nord; t++)
            gmdl_factor_fini(&down[t]);
    gmdl__free(down);
    gmdl__free(fhome);
    gmdl__free(fscale);
    gmdl__free(moff);
    gmdl__free(alias);
    gmdl__free(kids);
    gmdl__free(kid_start);
    if (cl_vars)
        for (size_t t = 0; t < nord; t++)
            gmdl__free(cl_vars[t]);
    gmdl__free(cl_vars);
    gmdl__free(cl_n);
    gmdl__free(removed);
    gmdl__free(up);
    gmdl__free(upscale);
    gmdl__free(order);
    gmdl__free(pos);
    gmdl__free(home);
    gmdl__free(cvars);
    gmdl__free(parent);
    gmdl__free(alive);
    gmdl__graph_free(&g);
    gmdl__reduced_fini(&P);
    return s;
}
