/* Junction tree, the calibrate and read phases (Shafer-Shenoy, with the division trick inside a
 * clique). Tables are linear with one log scale each, so products and sums need no exp() per
 * entry and log Z stays exact.
 *
 * Upward pass in elimination order (children first): a clique table is built from its factors
 * and its children's messages, and summed onto the separator with its parent; at a root, its sum
 * is read off into log Z. Downward pass in reverse order: the table is rebuilt with the parent's
 * message, the marginals of the variables it is home to are read off, and each child gets
 * (table / child's upward message) summed onto their separator, with 0/0 = 0 (if the child's
 * message is 0 there, the child's own table is 0 there too). Only the messages persist; one work
 * table of the largest clique's size is reused. */
#include "jt.h"

/* A message owns its table through gmdl__malloc_big (huge pages for big ones); the table is not
 * zeroed, the sum that fills it writes every entry. */
static gmdl_status
msg_init(gmdl_factor *f, size_t n, const uint32_t *vars, const uint32_t *card, gmdl_err *err) {
    gmdl_status s = gmdl__factor_shape(f, n, vars, card, err);
    if (s)
        return s;
    if (!(f->logp = gmdl__malloc_big(f->size * sizeof *f->logp))) {
        size_t size = f->size;
        gmdl_factor_fini(f);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for a message of %zu entries", size);
    }
    return GMDL_OK;
}

static void msg_fini(gmdl_factor *f) {
    gmdl__free_aligned(f->logp);
    f->logp = NULL;
    gmdl_factor_fini(f);
}

gmdl_status gmdl__jt_messages_init(jt_messages *M, const jt_tree *T, gmdl_err *err) {
    memset(M, 0, sizeof *M);
    size_t nord = T->nord;
    M->up = gmdl__calloc(nord + 1, sizeof *M->up);
    M->down = gmdl__calloc(nord + 1, sizeof *M->down);
    M->upscale = gmdl__calloc(nord + 1, sizeof *M->upscale);
    M->uprange = gmdl__calloc(nord + 1, sizeof *M->uprange);
    M->downrange = gmdl__calloc(nord + 1, sizeof *M->downrange);
    M->moff = gmdl__calloc(T->nvars + 1, sizeof *M->moff);
    if (!M->up || !M->down || !M->upscale || !M->uprange || !M->downrange || !M->moff)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    /* one work table, reused by every clique (fresh pages for each would dominate the time) */
    if (T->ncl && T->cl_n[T->big_t] > PGM_MAX_SCOPE)
        return gmdl__fail(err, GMDL_ELIMIT, "clique of %zu variables", T->cl_n[T->big_t]);
    if (!(M->tabbuf = gmdl__malloc_big((size_t)T->big * sizeof *M->tabbuf + 8)))
        return gmdl__fail(err, GMDL_ENOMEM,
                          "out of memory for the largest clique table (%zu "
                          "variables, %.4g entries)",
                          T->cl_n[T->big_t], T->big);
    M->tab.vars = M->tab_vars;
    M->tab.card = M->tab_card;
    M->tab.logp = M->tabbuf;
    /* scratch for one separator (at most the largest clique) */
    if (!(M->sepbuf = gmdl__malloc_big((size_t)T->big * sizeof *M->sepbuf + 8)))
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for a separator table");
    return GMDL_OK;
}

void gmdl__jt_messages_fini(jt_messages *M, const jt_tree *T) {
    for (size_t t = 0; t < T->nord; t++) {
        if (M->up)
            msg_fini(&M->up[t]);
        if (M->down)
            msg_fini(&M->down[t]);
    }
    gmdl__free(M->up);
    gmdl__free(M->down);
    gmdl__free(M->upscale);
    gmdl__free(M->uprange);
    gmdl__free(M->downrange);
    gmdl__free(M->moff);
    gmdl__free_aligned(M->tabbuf);
    gmdl__free_aligned(M->sepbuf);
    memset(M, 0, sizeof *M);
}

/* One pass's view of the tree, its factors and messages. */
typedef struct {
    int lg;
    jt_messages *M;
    const jt_tree *T;
    const jt_potentials *A;
    const pgm_reduced *P;
} calib;

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
    return msg_init(out, n, sv, sc, err);
}

/* The nats the inputs of clique t's table span together (linear tables). */
static double table_range(const calib *C, size_t t, int with_down) {
    const jt_potentials *A = C->A;
    const jt_tree *T = C->T;
    const jt_messages *M = C->M;
    double R = 0.0;
    for (size_t g = A->gstart[t]; g < A->gstart[t + 1]; g++)
        R += A->grange[g];
    for (size_t i = T->kid_start[t]; i < T->kid_start[t + 1]; i++)
        if (M->up[T->kids[i]].logp)
            R += M->uprange[T->kids[i]];
    if (with_down && T->parent[t] >= 0)
        R += M->downrange[t];
    return R;
}

/* Builds the work table of clique t: its factors times the upward messages of its children (and
 * the downward message from its parent when with_down), rescaled; *scale receives the log of the
 * factor by which the true values were divided. Linear mode returns GMDL_ENUMERIC (before
 * touching the table) when the inputs together span more than RANGE_MAX nats. */
static gmdl_status
build_table(const calib *C, size_t t, int with_down, double *scale, gmdl_err *err) {
    const jt_potentials *A = C->A;
    const jt_tree *T = C->T;
    jt_messages *M = C->M;
    gmdl_factor *tab = &M->tab;
    size_t n = T->cl_n[t];
    const uint32_t *vars = T->cl_vars[t], *card = C->P->card;
    if (n > PGM_MAX_SCOPE)
        return gmdl__fail(err, GMDL_ELIMIT, "clique of %zu variables", n);
    if (!C->lg && table_range(C, t, with_down) > RANGE_MAX)
        return GMDL_ENUMERIC;
    size_t size = 1;
    for (size_t k = 0; k < n; k++) {
        tab->vars[k] = vars[k];
        tab->card[k] = card[vars[k]];
        size *= card[vars[k]];
    }
    tab->nvars = n;
    tab->size = size;
    size_t g0 = A->gstart[t];
    double sc = A->gscale[g0];
    gmdl__jt_set(tab, &A->grp[g0]); /* the clique's own factors, group by group */
    for (size_t g = g0 + 1; g < A->gstart[t + 1]; g++) {
        gmdl__jt_mul(C->lg, tab, &A->grp[g]);
        sc += A->gscale[g];
    }
    for (size_t i = T->kid_start[t]; i < T->kid_start[t + 1]; i++)
        if (M->up[T->kids[i]].logp) {
            gmdl__jt_mul(C->lg, tab, &M->up[T->kids[i]]);
            sc += M->upscale[T->kids[i]];
        }
    if (with_down && T->parent[t] >= 0)
        gmdl__jt_mul(C->lg, tab, &M->down[t]);
    sc += gmdl__jt_rescale(C->lg, tab);
    *scale = sc;
    return GMDL_OK;
}

/* ------------------------------------------------------------------ read */

/* The log of the sum of a root's table (log Z of its tree, less the table's scale). */
static double read_root(int lg, const gmdl_factor *tab) {
    double sum = 0.0;
    if (lg)
        return gmdl__logsumexp(tab->logp, tab->size);
    for (size_t i = 0; i < tab->size; i++)
        sum += tab->logp[i];
    return log(sum);
}

/* Places each variable's marginal in marginals (M->moff) and writes those of the observed ones. */
static void read_evidence(const pgm_reduced *P, size_t *moff, double *marginals) {
    size_t off = 0;
    for (size_t v = 0; v < P->nvars; v++) {
        moff[v] = off;
        off += P->card[v];
        if (!P->active[v])
            for (uint32_t x = 0; x < P->card[v]; x++)
                marginals[moff[v] + x] = (int32_t)x == P->ev[v] ? 1.0 : 0.0;
    }
}

/* The marginals of the variables clique t (in the work table, calibrated) is home to. */
static gmdl_status read_home(const calib *C, size_t t, double *marginals, gmdl_err *err) {
    const jt_tree *T = C->T;
    const uint32_t *card = C->P->card;
    gmdl_status s = GMDL_OK;
    for (size_t k = 0; k < T->cl_n[t] && !s; k++) {
        uint32_t v = T->cl_vars[t][k];
        if (T->home[v] != t)
            continue;
        gmdl_factor mv;
        if ((s = gmdl_factor_init(&mv, 1, &v, &card[v], err)))
            break;
        if (!(s = gmdl__jt_sum(C->lg, &C->M->tab, &mv))) {
            double z = 0.0;
            if (C->lg)
                z = gmdl__logsumexp(mv.logp, card[v]);
            else
                for (uint32_t x = 0; x < card[v]; x++)
                    z += mv.logp[x];
            for (uint32_t x = 0; x < card[v]; x++)
                marginals[C->M->moff[v] + x] = C->lg ? exp(mv.logp[x] - z) : mv.logp[x] / z;
        }
        gmdl_factor_fini(&mv);
    }
    return s;
}

/* The marginals of the reduced factors clique t (in the work table, calibrated) holds, for the
 * factors whose M->fam slot is set: the posterior of each factor's scope (EM's expected counts). */
static gmdl_status read_factors(const calib *C, size_t t, gmdl_err *err) {
    const pgm_reduced *P = C->P;
    gmdl_status s = GMDL_OK;
    for (size_t k = C->A->fstart[t]; k < C->A->fstart[t + 1] && !s; k++) {
        uint32_t f = C->A->flist[k];
        if (!C->M->fam[f])
            continue;
        gmdl_factor mf;
        if ((s = gmdl_factor_init(&mf, P->red[f].nvars, P->red[f].vars, P->red[f].card, err)))
            break;
        if (!(s = gmdl__jt_sum(C->lg, &C->M->tab, &mf))) {
            double z = 0.0, *out = C->M->fam[f];
            if (C->lg)
                z = gmdl__logsumexp(mf.logp, mf.size);
            else
                for (size_t i = 0; i < mf.size; i++)
                    z += mf.logp[i];
            for (size_t i = 0; i < mf.size; i++)
                out[i] = C->lg ? exp(mf.logp[i] - z) : mf.logp[i] / z;
        }
        gmdl_factor_fini(&mf);
    }
    return s;
}

/* ------------------------------------------------------------------ calibrate */

gmdl_status gmdl__jt_upward(jt_messages *M,
                            const jt_tree *T,
                            const jt_potentials *A,
                            const pgm_reduced *P,
                            int lg,
                            int keep_up,
                            double *log_z,
                            gmdl_err *err) {
    calib C = {lg, M, T, A, P};
    gmdl_status s = GMDL_OK;
    for (size_t t = 0; t < T->nord; t++) {
        msg_fini(&M->up[t]);
        msg_fini(&M->down[t]);
    }
    double lz = P->log_const;
    for (size_t t = 0; t < T->nord && !s; t++) {
        if (T->removed[t])
            continue;
        double sc;
        if ((s = build_table(&C, t, 0, &sc, err)))
            break;
        if (!keep_up) /* no downward pass: the children's messages are done with */
            for (size_t i = T->kid_start[t]; i < T->kid_start[t + 1]; i++)
                msg_fini(&M->up[T->kids[i]]);
        int p = T->parent[t];
        if (p < 0) {
            lz += sc + read_root(lg, &M->tab);
        } else {
            if ((s = sep_factor(&M->up[t], &M->tab, T->cl_n[p], T->cl_vars[p], err)) ||
                (s = gmdl__jt_sum(lg, &M->tab, &M->up[t])))
                break;
            M->upscale[t] = sc + gmdl__jt_rescale(lg, &M->up[t]);
            if (!lg)
                M->uprange[t] = gmdl__jt_range(&M->up[t]);
        }
    }
    if (!s)
        *log_z = lz;
    return s;
}

/* Clique t's (calibrated) message to its child c: (table / c's upward message) summed onto
 * their separator, with 0/0 = 0; it takes over the storage of the upward one (no fresh pages). */
static gmdl_status send_down(const calib *C, size_t c) {
    jt_messages *M = C->M;
    int lg = C->lg;
    gmdl_factor tmp = M->up[c];
    tmp.logp = M->sepbuf;
    gmdl_status s = gmdl__jt_sum(lg, &M->tab, &tmp);
    if (s)
        return s;
    double *u = M->up[c].logp;
    for (size_t i = 0; i < M->up[c].size; i++) {
        if (lg)
            u[i] = u[i] == PGM_NEGINF ? PGM_NEGINF : M->sepbuf[i] - u[i];
        else
            u[i] = u[i] > 0.0 ? M->sepbuf[i] / u[i] : 0.0;
    }
    M->down[c] = M->up[c];
    memset(&M->up[c], 0, sizeof M->up[c]);
    gmdl__jt_rescale(lg, &M->down[c]);
    if (!lg)
        M->downrange[c] = gmdl__jt_range(&M->down[c]);
    return GMDL_OK;
}

gmdl_status gmdl__jt_downward(jt_messages *M,
                              const jt_tree *T,
                              const jt_potentials *A,
                              const pgm_reduced *P,
                              int lg,
                              double *marginals,
                              gmdl_err *err) {
    calib C = {lg, M, T, A, P};
    gmdl_status s = GMDL_OK;
    read_evidence(P, M->moff, marginals);
    for (size_t t = T->nord; t-- > 0 && !s;) {
        if (T->removed[t])
            continue;
        double sc;
        if ((s = build_table(&C, t, 1, &sc, err)))
            break;
        msg_fini(&M->down[t]);
        s = read_home(&C, t, marginals, err);
        if (!s && M->fam)
            s = read_factors(&C, t, err);
        for (size_t q = T->kid_start[t]; q < T->kid_start[t + 1] && !s; q++)
            s = send_down(&C, T->kids[q]);
    }
    return s;
}
