/* Max-product on the junction tree (the most probable explanation): the tree of jt.c, log tables.
 * Upward, each clique's table (its own factors plus its children's messages) is max-marginalised
 * onto the separator with its parent; the roots' maxima give log max_x p~(x, e). Downward, from
 * the roots, each clique's table is built again, restricted to the states its parent already
 * chose, and its free variables take the first maximising entry (the running intersection
 * property makes the choices consistent). Only the upward messages are kept. */
#include "jt.h"

/* sub = max of big onto sub's scope (a subset), in logs. */
void gmdl__factor_max_into(const gmdl_factor *big, gmdl_factor *sub) {
    size_t stride[PGM_MAX_SCOPE];
    gmdl__sub_strides(big, sub, stride);
    for (size_t i = 0; i < sub->size; i++)
        sub->logp[i] = PGM_NEGINF;
    const double *src = big->logp;
    double *dst = sub->logp;
    PGM_ODOMETER(big, stride, {
        if (src[i] > dst[jj])
            dst[jj] = src[i];
    });
}

typedef struct {
    const jt_tree *T;
    const pgm_reduced *P;
    uint32_t *fhome; /* per reduced factor: its clique */
    gmdl_factor *up; /* per slot: the max-message to its parent */
    int32_t *xa;     /* the assignment so far, -1 where not chosen */
} jt_max;

/* The table of clique t: its factors and its children's messages, summed (logs). With xa, only
 * over the clique's variables not yet chosen (xa[v] < 0), every term restricted to the choices. */
static gmdl_status
clique_table(const jt_max *J, size_t t, const int32_t *xa, gmdl_factor *tab, gmdl_err *err) {
    const jt_tree *T = J->T;
    uint32_t vars[PGM_MAX_SCOPE], card[PGM_MAX_SCOPE];
    size_t n = 0;
    if (T->cl_n[t] > PGM_MAX_SCOPE)
        return gmdl__fail(err, GMDL_ELIMIT, "a clique of %zu variables is too large", T->cl_n[t]);
    for (size_t k = 0; k < T->cl_n[t]; k++)
        if (!xa || xa[T->cl_vars[t][k]] < 0) {
            vars[n] = T->cl_vars[t][k];
            card[n] = J->P->card[vars[n]];
            n++;
        }
    gmdl_status s = gmdl_factor_init(tab, n, vars, card, err);
    size_t nk = T->kid_start[t + 1] - T->kid_start[t];
    for (size_t f = 0; f < J->P->nred + nk && !s; f++) {
        const gmdl_factor *F =
            f < J->P->nred ? &J->P->red[f] : &J->up[T->kids[T->kid_start[t] + f - J->P->nred]];
        if (f < J->P->nred && J->fhome[f] != t)
            continue;
        if (!xa) {
            gmdl__factor_add_into(tab, F);
            continue;
        }
        gmdl_factor r;
        if ((s = gmdl__factor_restrict(&r, F, xa, err)))
            break;
        gmdl__factor_add_into(tab, &r);
        gmdl_factor_fini(&r);
    }
    if (s)
        gmdl_factor_fini(tab);
    return s;
}

/* The separator of t with its parent as an empty factor. */
static gmdl_status sep_init(const jt_max *J, size_t t, gmdl_factor *sep, gmdl_err *err) {
    const jt_tree *T = J->T;
    size_t p = (size_t)T->parent[t], n = 0;
    uint32_t vars[PGM_MAX_SCOPE], card[PGM_MAX_SCOPE];
    for (size_t k = 0, j = 0; k < T->cl_n[t]; k++) {
        while (j < T->cl_n[p] && T->cl_vars[p][j] < T->cl_vars[t][k])
            j++;
        if (j < T->cl_n[p] && T->cl_vars[p][j] == T->cl_vars[t][k]) {
            vars[n] = T->cl_vars[t][k];
            card[n] = J->P->card[vars[n]];
            n++;
        }
    }
    return gmdl_factor_init(sep, n, vars, card, err);
}

static gmdl_status upward(jt_max *J, double *log_max, gmdl_err *err) {
    const jt_tree *T = J->T;
    double lm = J->P->log_const;
    gmdl_status s = GMDL_OK;
    for (size_t t = 0; t < T->nord && !s; t++) {
        if (T->removed[t])
            continue;
        gmdl_factor tab;
        if ((s = clique_table(J, t, NULL, &tab, err)))
            break;
        if (T->parent[t] >= 0) {
            if (!(s = sep_init(J, t, &J->up[t], err)))
                gmdl__factor_max_into(&tab, &J->up[t]);
        } else {
            double mx = PGM_NEGINF;
            for (size_t i = 0; i < tab.size; i++)
                mx = tab.logp[i] > mx ? tab.logp[i] : mx;
            lm += mx;
        }
        gmdl_factor_fini(&tab);
    }
    *log_max = lm;
    return s;
}

/* Chooses the free variables of clique t given the states already chosen. */
static gmdl_status decode_clique(jt_max *J, size_t t, gmdl_err *err) {
    gmdl_factor r;
    gmdl_status s = clique_table(J, t, J->xa, &r, err);
    if (s)
        return s;
    size_t best = 0;
    for (size_t i = 1; i < r.size; i++)
        if (r.logp[i] > r.logp[best])
            best = i;
    for (size_t k = r.nvars; k-- > 0;) {
        J->xa[r.vars[k]] = (int32_t)(best % r.card[k]);
        best /= r.card[k];
    }
    gmdl_factor_fini(&r);
    return GMDL_OK;
}

gmdl_status gmdl__jt_max_run(size_t nvars,
                             const uint32_t *card,
                             size_t nfactors,
                             const gmdl_factor *factors,
                             const int32_t *evidence,
                             const gmdl_exact_config *cfg,
                             const char *const *names,
                             uint32_t *x,
                             double *log_max,
                             gmdl_err *err) {
    pgm_reduced P;
    gmdl_status s = gmdl__reduced_init(&P, nvars, card, nfactors, factors, evidence, err);
    if (s)
        return s;
    jt_tree T;
    jt_max J = {&T, &P, NULL, NULL, NULL};
    double lm = PGM_NEGINF;
    if ((s = gmdl__jt_build(&T, &P, cfg, err)))
        goto done;
    if (cfg->max_mem && T.bytes > (double)cfg->max_mem) {
        s = gmdl__over_budget(cfg, T.bytes, T.cl_n[T.big_t], T.cl_vars[T.big_t], T.big, names, err);
        goto done;
    }
    J.fhome = gmdl__malloc((P.nred + 1) * sizeof *J.fhome);
    J.up = gmdl__calloc(T.nord + 1, sizeof *J.up);
    J.xa = gmdl__malloc((nvars + 1) * sizeof *J.xa);
    if (!J.fhome || !J.up || !J.xa) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t f = 0; f < P.nred; f++) {
        uint32_t best = UINT32_MAX, bv = 0;
        for (size_t k = 0; k < P.red[f].nvars; k++)
            if (T.pos[P.red[f].vars[k]] < best) {
                best = T.pos[P.red[f].vars[k]];
                bv = P.red[f].vars[k];
            }
        J.fhome[f] = T.home[bv];
    }
    if ((s = upward(&J, &lm, err)))
        goto done;
    if (lm == PGM_NEGINF || isnan(lm)) {
        s = gmdl__fail(err, GMDL_EINVAL, "the evidence has probability zero");
        goto done;
    }
    memcpy(J.xa, P.ev, nvars * sizeof *J.xa);
    for (size_t t = T.nord; t-- > 0 && !s;)
        if (!T.removed[t])
            s = decode_clique(&J, t, err);
    for (size_t v = 0; v < nvars && !s; v++)
        x[v] = J.xa[v] < 0 ? 0 : (uint32_t)J.xa[v];
    if (!s && log_max)
        *log_max = lm;
done:
    if (J.up)
        for (size_t t = 0; t < T.nord; t++)
            gmdl_factor_fini(&J.up[t]);
    gmdl__free(J.up);
    gmdl__free(J.fhome);
    gmdl__free(J.xa);
    gmdl__jt_tree_free(&T);
    gmdl__reduced_fini(&P);
    return s;
}
