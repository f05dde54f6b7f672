/* The no-U-turn sampler (Hoffman & Gelman 2014) in the form Stan uses: a trajectory of leapfrog
 * steps doubled in a random direction until it makes a U-turn or reaches 2^max_depth steps,
 * multinomial sampling of the next state over the trajectory (Betancourt 2017, "A conceptual
 * introduction to Hamiltonian Monte Carlo", A.3: uniform within each new subtree, biased toward
 * the new subtree at the top level), and the generalized U-turn criterion on the summed momenta
 * rho with the "sharp" momenta M^-1 p at the ends: a (sub)trajectory continues while
 * p#_minus . rho > 0 and p#_plus . rho > 0, checked on each merged tree and across the seam of its
 * two halves (the extra checks Stan added in 2.26 for the seam). A step whose energy error
 * H - H0 exceeds 1000 is a divergence: the trajectory stops there and the state is never chosen
 * from the half-built subtree.
 *
 * The metric is the chain's: diagonal (minv) or dense (minv_dense, whose Cholesky factor L this
 * file keeps: momenta p = L^-T z, z ~ N(0, I), have covariance M = minv^-1). The windowed
 * adaptation of the step and metric is in adapt.c, driven by chain.c. */
#include "common.h"
#include "gmdl/infer.h"
#include "gmdl/rng.h"
#include "infer/infer_internal.h"

#define NUTS_MAX_DELTA_H 1000.0

/* Per-level arrays of the recursion (build_tree at depth k uses level k). */
enum {
    LV_P_INIT_END,
    LV_PS_INIT_END,
    LV_RHO_INIT,
    LV_U,
    LV_G,
    LV_P_FINAL_BEG,
    LV_PS_FINAL_BEG,
    LV_RHO_FINAL,
    LV_PP,
    LV_N
};
/* The top level's arrays. */
enum {
    T_P,
    T_FWD_U,
    T_FWD_G,
    T_FWD_P,
    T_BCK_U,
    T_BCK_G,
    T_BCK_P,
    T_PROP_U,
    T_PROP_G,
    T_PS_FB,
    T_PS_FF,
    T_P_FB,
    T_P_FF,
    T_PS_BF,
    T_PS_BB,
    T_P_BF,
    T_P_BB,
    T_RHO,
    T_RHO_F,
    T_RHO_B,
    T_RHO_X,
    T_PROP_P,
    T_SAMP_P,
    T_N
};

typedef struct nuts {
    size_t d, levels;
    double *buf;
    double *top[T_N];
    double *lv;    /* [levels][LV_N][d] */
    double *lv_lp; /* [levels] proposal log densities */
    double *chol;  /* [d][d] lower Cholesky factor of minv_dense, or NULL */
    double H0, sum_metro, prop_lp, fwd_lp, bck_lp;
    size_t n_leapfrog;
    int divergent;
} nuts;

static double *lv(const nuts *w, size_t level, int k) {
    return w->lv + (level * LV_N + (size_t)k) * w->d;
}

static double dot(const double *a, const double *b, size_t d) {
    double s = 0;
    for (size_t j = 0; j < d; j++)
        s += a[j] * b[j];
    return s;
}

static double log_sum_exp(double a, double b) {
    if (a == -HUGE_VAL)
        return b;
    if (b == -HUGE_VAL)
        return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

/* ------------------------------------------------------------------ the metric */
/* out[d] = minv p. */
static void sharp(const gmdl__chain *c, const double *p, double *out) {
    size_t d = c->d;
    if (!c->minv_dense) {
        for (size_t j = 0; j < d; j++)
            out[j] = c->minv[j] * p[j];
        return;
    }
    for (size_t i = 0; i < d; i++)
        out[i] = dot(c->minv_dense + i * d, p, d);
}

static double kinetic(const gmdl__chain *c, const double *p, double *scratch) {
    sharp(c, p, scratch);
    return 0.5 * dot(p, scratch, c->d);
}

/* p ~ N(0, minv^-1). */
static void draw_momentum(gmdl__chain *c, const nuts *w, double *p) {
    size_t d = c->d;
    for (size_t j = 0; j < d; j++)
        p[j] = gmdl_rng_normal(&c->rng);
    if (!w->chol) {
        for (size_t j = 0; j < d; j++)
            p[j] /= c->sdm[j];
        return;
    }
    for (size_t i = d; i-- > 0;) { /* back substitution: L^T p = z */
        double s = p[i];
        for (size_t k = i + 1; k < d; k++)
            s -= w->chol[k * d + i] * p[k];
        p[i] = s / w->chol[i * d + i];
    }
}

/* Cholesky factor of the dense metric; EINVAL when it is not positive definite. */
static gmdl_status factor_metric(gmdl__chain *c) {
    nuts *w = c->state;
    if (!w->chol)
        return GMDL_OK;
    size_t d = c->d;
    const double *A = c->minv_dense;
    double *L = w->chol;
    memset(L, 0, d * d * sizeof *L);
    for (size_t j = 0; j < d; j++) {
        double s = A[j * d + j];
        for (size_t k = 0; k < j; k++)
            s -= L[j * d + k] * L[j * d + k];
        if (!(s > 0))
            return gmdl__fail(c->err, GMDL_ENUMERIC,
                              "nuts chain %zu: the adapted dense metric is not positive definite",
                              c->k + 1);
        L[j * d + j] = sqrt(s);
        for (size_t i = j + 1; i < d; i++) {
            double t = A[i * d + j];
            for (size_t k = 0; k < j; k++)
                t -= L[i * d + k] * L[j * d + k];
            L[i * d + j] = t / L[j * d + j];
        }
    }
    return GMDL_OK;
}

/* ------------------------------------------------------------------ leapfrog */
/* One leapfrog step of size eps (negative: backward in time) from (u, p, g, lp) in place. A
 * non-finite log density or gradient gives lp = -inf (a divergence). */
static gmdl_status
leapfrog(gmdl__chain *c, double eps, double *u, double *p, double *g, double *lp, double *scratch) {
    size_t d = c->d;
    for (size_t j = 0; j < d; j++)
        p[j] += 0.5 * eps * g[j];
    sharp(c, p, scratch);
    for (size_t j = 0; j < d; j++)
        u[j] += eps * scratch[j];
    gmdl_status s = gmdl__target_eval_u(lp, g, c->t, u, c->xs, c->err);
    if (s != GMDL_OK || !isfinite(*lp)) {
        *lp = -HUGE_VAL;
        return s;
    }
    for (size_t j = 0; j < d; j++)
        p[j] += 0.5 * eps * g[j];
    return GMDL_OK;
}

/* ------------------------------------------------------------------ the tree */
typedef struct tree_io {
    double *prop_u, *prop_g, *prop_lp; /* the subtree's proposal */
    double *prop_p;                    /* and its momentum */
    double *ps_beg, *ps_end;           /* sharp momenta at its two ends */
    double *rho;                       /* summed momenta (added to) */
    double *p_beg, *p_end;             /* momenta at its two ends */
    double lsw;                        /* log sum of weights (updated) */
} tree_io;

/* Builds a subtree of 2^depth steps from the integrator state (u, p, g, *lp) in direction sign.
 * Returns 1 when valid (no divergence, no U-turn inside), 0 otherwise; *st the status. */
static int build_tree(gmdl__chain *c,
                      nuts *w,
                      size_t depth,
                      double sign,
                      double *u,
                      double *p,
                      double *g,
                      double *lp,
                      tree_io *io,
                      gmdl_status *st) {
    size_t d = c->d;
    double *scratch = c->p;
    if (depth == 0) {
        *st = leapfrog(c, sign * c->eps, u, p, g, lp, scratch);
        w->n_leapfrog++;
        if (*st != GMDL_OK)
            return 0;
        double h = -*lp + kinetic(c, p, scratch);
        if (isnan(h))
            h = HUGE_VAL;
        if (h - w->H0 > NUTS_MAX_DELTA_H)
            w->divergent = 1;
        io->lsw = log_sum_exp(io->lsw, w->H0 - h);
        w->sum_metro += w->H0 - h > 0 ? 1.0 : exp(w->H0 - h);
        memcpy(io->prop_u, u, d * sizeof *u);
        memcpy(io->prop_g, g, d * sizeof *g);
        memcpy(io->prop_p, p, d * sizeof *p);
        *io->prop_lp = *lp;
        sharp(c, p, io->ps_beg);
        memcpy(io->ps_end, io->ps_beg, d * sizeof *p);
        for (size_t j = 0; j < d; j++)
            io->rho[j] += p[j];
        memcpy(io->p_beg, p, d * sizeof *p);
        memcpy(io->p_end, p, d * sizeof *p);
        return !w->divergent;
    }
    size_t L = depth - 1;
    double *rho_init = lv(w, L, LV_RHO_INIT), *rho_final = lv(w, L, LV_RHO_FINAL);
    memset(rho_init, 0, d * sizeof *rho_init);
    tree_io init = {io->prop_u, io->prop_g, io->prop_lp,
                    io->prop_p, io->ps_beg, lv(w, L, LV_PS_INIT_END),
                    rho_init,   io->p_beg,  lv(w, L, LV_P_INIT_END),
                    -HUGE_VAL};
    if (!build_tree(c, w, L, sign, u, p, g, lp, &init, st))
        return 0;
    memset(rho_final, 0, d * sizeof *rho_final);
    tree_io fin = {lv(w, L, LV_U),
                   lv(w, L, LV_G),
                   &w->lv_lp[L],
                   lv(w, L, LV_PP),
                   lv(w, L, LV_PS_FINAL_BEG),
                   io->ps_end,
                   rho_final,
                   lv(w, L, LV_P_FINAL_BEG),
                   io->p_end,
                   -HUGE_VAL};
    if (!build_tree(c, w, L, sign, u, p, g, lp, &fin, st))
        return 0;
    double lsw_sub = log_sum_exp(init.lsw, fin.lsw);
    io->lsw = log_sum_exp(io->lsw, lsw_sub);
    if (fin.lsw > lsw_sub || gmdl_rng_uniform(&c->rng) < exp(fin.lsw - lsw_sub)) {
        memcpy(io->prop_u, fin.prop_u, d * sizeof *u);
        memcpy(io->prop_g, fin.prop_g, d * sizeof *g);
        memcpy(io->prop_p, fin.prop_p, d * sizeof *p);
        *io->prop_lp = *fin.prop_lp;
    }
    double *rx = scratch;
    int persist = 1;
    for (size_t j = 0; j < d; j++) {
        io->rho[j] += rho_init[j] + rho_final[j];
        rx[j] = rho_init[j] + rho_final[j];
    }
    persist &= dot(io->ps_beg, rx, d) > 0 && dot(io->ps_end, rx, d) > 0;
    for (size_t j = 0; j < d; j++)
        rx[j] = rho_init[j] + fin.p_beg[j];
    persist &= dot(io->ps_beg, rx, d) > 0 && dot(fin.ps_beg, rx, d) > 0;
    for (size_t j = 0; j < d; j++)
        rx[j] = rho_final[j] + init.p_end[j];
    persist &= dot(init.ps_end, rx, d) > 0 && dot(io->ps_end, rx, d) > 0;
    return persist;
}

/* ------------------------------------------------------------------ one transition */
static void copy_state(
    size_t d, double *u, double *g, double *lp, const double *u0, const double *g0, double lp0) {
    memcpy(u, u0, d * sizeof *u);
    memcpy(g, g0, d * sizeof *g);
    *lp = lp0;
}

/* Extends the trajectory by one subtree of 2^depth steps at its forward or backward end. */
static int
extend(gmdl__chain *c, nuts *w, size_t depth, int forward, tree_io *io, gmdl_status *st) {
    size_t d = c->d;
    double **T = w->top, *p = T[T_P], *x = c->u1, *gx = c->g1, lpx;
    if (forward) {
        memcpy(T[T_RHO_B], T[T_RHO], d * sizeof(double));
        memcpy(T[T_P_BF], T[T_P_FF], d * sizeof(double));
        memcpy(T[T_PS_BF], T[T_PS_FF], d * sizeof(double));
        copy_state(d, x, gx, &lpx, T[T_FWD_U], T[T_FWD_G], w->fwd_lp);
        memcpy(p, T[T_FWD_P], d * sizeof(double));
        *io = (tree_io){T[T_PROP_U], T[T_PROP_G], &w->prop_lp, T[T_PROP_P], T[T_PS_FB],
                        T[T_PS_FF],  T[T_RHO_F],  T[T_P_FB],   T[T_P_FF],   -HUGE_VAL};
    } else {
        memcpy(T[T_RHO_F], T[T_RHO], d * sizeof(double));
        memcpy(T[T_P_FB], T[T_P_BB], d * sizeof(double));
        memcpy(T[T_PS_FB], T[T_PS_BB], d * sizeof(double));
        copy_state(d, x, gx, &lpx, T[T_BCK_U], T[T_BCK_G], w->bck_lp);
        memcpy(p, T[T_BCK_P], d * sizeof(double));
        *io = (tree_io){T[T_PROP_U], T[T_PROP_G], &w->prop_lp, T[T_PROP_P], T[T_PS_BF],
                        T[T_PS_BB],  T[T_RHO_B],  T[T_P_BF],   T[T_P_BB],   -HUGE_VAL};
    }
    int valid = build_tree(c, w, depth, forward ? 1.0 : -1.0, x, p, gx, &lpx, io, st);
    double *eu = forward ? T[T_FWD_U] : T[T_BCK_U], *eg = forward ? T[T_FWD_G] : T[T_BCK_G];
    copy_state(d, eu, eg, forward ? &w->fwd_lp : &w->bck_lp, x, gx, lpx);
    memcpy(forward ? T[T_FWD_P] : T[T_BCK_P], p, d * sizeof(double));
    return valid;
}

/* The generalized U-turn criterion over the whole trajectory and across its seam. */
static int trajectory_persists(const nuts *w, size_t d) {
    double *const *T = w->top;
    double *rho = T[T_RHO], *rx = T[T_RHO_X];
    for (size_t j = 0; j < d; j++)
        rho[j] = T[T_RHO_B][j] + T[T_RHO_F][j];
    int persist = dot(T[T_PS_BB], rho, d) > 0 && dot(T[T_PS_FF], rho, d) > 0;
    for (size_t j = 0; j < d; j++)
        rx[j] = T[T_RHO_B][j] + T[T_P_FB][j];
    persist &= dot(T[T_PS_BB], rx, d) > 0 && dot(T[T_PS_FB], rx, d) > 0;
    for (size_t j = 0; j < d; j++)
        rx[j] = T[T_RHO_F][j] + T[T_P_BF][j];
    persist &= dot(T[T_PS_BF], rx, d) > 0 && dot(T[T_PS_FF], rx, d) > 0;
    return persist;
}

/* Sets the trajectory's ends to the current state with a fresh momentum; returns H0. */
static double start_trajectory(gmdl__chain *c, nuts *w) {
    size_t d = c->d;
    double **T = w->top;
    draw_momentum(c, w, T[T_P]);
    sharp(c, T[T_P], T[T_PS_FF]);
    copy_state(d, T[T_FWD_U], T[T_FWD_G], &w->fwd_lp, c->u, c->g, c->lp);
    copy_state(d, T[T_BCK_U], T[T_BCK_G], &w->bck_lp, c->u, c->g, c->lp);
    const int pk[] = {T_FWD_P, T_BCK_P, T_P_FB, T_P_FF, T_P_BF, T_P_BB, T_RHO, T_SAMP_P};
    const int sk[] = {T_PS_FB, T_PS_BF, T_PS_BB};
    for (size_t i = 0; i < sizeof pk / sizeof pk[0]; i++)
        memcpy(T[pk[i]], T[T_P], d * sizeof(double));
    for (size_t i = 0; i < sizeof sk / sizeof sk[0]; i++)
        memcpy(T[sk[i]], T[T_PS_FF], d * sizeof(double));
    w->H0 = -c->lp + 0.5 * dot(T[T_P], T[T_PS_FF], d);
    w->sum_metro = 0;
    w->n_leapfrog = 0;
    w->divergent = 0;
    return w->H0;
}

static gmdl_status nuts_transition(gmdl__chain *c, double *st) {
    nuts *w = c->state;
    size_t d = c->d, depth = 0, max_depth = c->cfg->max_depth;
    double **T = w->top, lsw = 0.0;
    start_trajectory(c, w);
    gmdl_status s = GMDL_OK;
    while (depth < max_depth) {
        memset(T[T_RHO_F], 0, d * sizeof(double));
        memset(T[T_RHO_B], 0, d * sizeof(double));
        int forward = gmdl_rng_uniform(&c->rng) > 0.5;
        tree_io io;
        int valid = extend(c, w, depth, forward, &io, &s);
        if (s != GMDL_OK)
            return s;
        if (!valid)
            break;
        depth++;
        if (io.lsw > lsw || gmdl_rng_uniform(&c->rng) < exp(io.lsw - lsw)) {
            copy_state(d, c->u, c->g, &c->lp, T[T_PROP_U], T[T_PROP_G], w->prop_lp);
            memcpy(T[T_SAMP_P], T[T_PROP_P], d * sizeof(double));
        }
        lsw = log_sum_exp(lsw, io.lsw);
        if (!trajectory_persists(w, d))
            break;
    }
    /* energy: the Hamiltonian at the chosen state with the momentum it had on the trajectory */
    st[GMDL_STAT_LP] = c->lp;
    st[GMDL_STAT_ACCEPT] = w->n_leapfrog ? w->sum_metro / (double)w->n_leapfrog : 0.0;
    st[GMDL_STAT_STEPSIZE] = c->eps;
    st[GMDL_STAT_TREEDEPTH] = (double)depth;
    st[GMDL_STAT_LEAPFROG] = (double)w->n_leapfrog;
    st[GMDL_STAT_DIVERGENT] = w->divergent ? 1.0 : 0.0;
    st[GMDL_STAT_ENERGY] = -c->lp + kinetic(c, T[T_SAMP_P], c->p);
    return GMDL_OK;
}

/* ------------------------------------------------------------------ step size, set-up */
/* The change of energy -dH of one leapfrog step of size eps from the current state with a fresh
 * momentum (a non-finite one: -inf). */
static gmdl_status probe(gmdl__chain *c, double eps, double *dH) {
    nuts *w = c->state;
    size_t d = c->d;
    double *p = w->top[T_P], lp = c->lp;
    draw_momentum(c, w, p);
    double H0 = -c->lp + kinetic(c, p, c->p);
    copy_state(d, c->u1, c->g1, &lp, c->u, c->g, c->lp);
    gmdl_status s = leapfrog(c, eps, c->u1, p, c->g1, &lp, c->p);
    double h = -lp + kinetic(c, p, c->p);
    *dH = isnan(h) ? -HUGE_VAL : H0 - h;
    return s;
}

static gmdl_status nuts_init_step(gmdl__chain *c) {
    const double target = log(0.8);
    double dH;
    if (c->eps == 0 || !(c->eps <= 1e7))
        return GMDL_OK;
    gmdl_status s = probe(c, c->eps, &dH);
    int up = dH > target;
    for (int it = 0; s == GMDL_OK && it < 100; it++) {
        s = probe(c, c->eps, &dH);
        if (s != GMDL_OK || (up && !(dH > target)) || (!up && !(dH < target)))
            break;
        c->eps = up ? 2.0 * c->eps : 0.5 * c->eps;
        if (c->eps > 1e7 || c->eps < 1e-300)
            return gmdl__fail(c->err, GMDL_ENUMERIC,
                              "nuts chain %zu: no step size gives a sensible acceptance (the "
                              "posterior is improper or the gradient is wrong)",
                              c->k + 1);
    }
    return s;
}

static gmdl_status nuts_start(gmdl__chain *c) {
    size_t d = c->d, levels = c->cfg->max_depth + 1;
    nuts *w = gmdl__calloc(1, sizeof *w);
    if (!w)
        return gmdl__fail(c->err, GMDL_ENOMEM, "nuts chain %zu: out of memory", c->k + 1);
    c->state = w;
    w->d = d;
    w->levels = levels;
    size_t n = (T_N + levels * LV_N) * d + levels + (c->minv_dense ? d * d : 0);
    w->buf = gmdl__calloc(n, sizeof(double));
    if (!w->buf)
        return gmdl__fail(c->err, GMDL_ENOMEM, "nuts chain %zu: out of memory", c->k + 1);
    for (size_t i = 0; i < T_N; i++)
        w->top[i] = w->buf + i * d;
    w->lv = w->buf + T_N * d;
    w->lv_lp = w->lv + levels * LV_N * d;
    if (c->minv_dense) {
        w->chol = w->lv_lp + levels;
        return factor_metric(c);
    }
    return GMDL_OK;
}

static void nuts_stop(gmdl__chain *c) {
    nuts *w = c->state;
    if (w)
        gmdl__free(w->buf);
    gmdl__free(w);
    c->state = NULL;
}

const gmdl__sampler gmdl__sampler_nuts = {
    .label = "nuts chain",
    .grad = 1,
    .accept_target = 0.8,
    .start = nuts_start,
    .stop = nuts_stop,
    .transition = nuts_transition,
    .init_step = nuts_init_step,
    .metric_changed = factor_metric,
};
