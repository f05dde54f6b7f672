/* Loopy sum-product belief propagation on the factor graph of an MRF, after clamping the
 * evidence. Flooding schedule: every iteration recomputes all variable-to-factor messages, then
 * all factor-to-variable messages (in log space), damped in probability space and normalised.
 * Converged when no factor-to-variable message moved by more than tol. The Bethe approximation
 * of log Z(e) is computed from the final beliefs:
 *   sum_f sum_x b_f (log psi_f - log b_f) + sum_v (d_v - 1) sum_x b_v log b_v. */
#include "pgm_internal.h"

gmdl_bp_config gmdl_bp_config_default(void) {
    gmdl_bp_config c;
    memset(&c, 0, sizeof c);
    c.max_iters = 1000;
    c.tol = 1e-8;
    c.damping = 0.5;
    return c;
}

/* The factor graph and its messages. Edge e = (factor f, k-th scope variable): its message
 * blocks start at eoff[e] and have card entries. */
typedef struct {
    size_t n;  /* variables */
    size_t nf; /* factors restricted to the evidence, non-constant */
    gmdl_factor *F;
    double log_const; /* sum of the constant factors */
    size_t tot;       /* message entries */
    size_t msize;     /* belief entries */
    size_t *eoff, *voff, *deg;
    double *v2f, *f2v, *nf2v; /* log messages (nf2v: the next f2v) */
    double *bel;              /* log sum of incoming f2v per variable */
    double *work;             /* one factor's table */
} bp_graph;

static void bp_free(bp_graph *B) {
    for (size_t f = 0; f < B->nf; f++)
        gmdl_factor_fini(&B->F[f]);
    gmdl__free(B->F);
    gmdl__free(B->eoff);
    gmdl__free(B->voff);
    gmdl__free(B->deg);
    gmdl__free(B->v2f);
    gmdl__free(B->f2v);
    gmdl__free(B->nf2v);
    gmdl__free(B->bel);
    gmdl__free(B->work);
}

/* Restricts the factors to the evidence and lays out the messages (all log 1). */
static gmdl_status bp_init(bp_graph *B, const gmdl_mrf *m, const int32_t *evidence, gmdl_err *err) {
    size_t n = m->nvars;
    B->n = n;
    if (!(B->F = gmdl__calloc(m->nfactors + 1, sizeof *B->F)))
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t f = 0; f < m->nfactors; f++) {
        gmdl_factor r;
        gmdl_status s = gmdl__factor_restrict(&r, &m->factors[f], evidence, err);
        if (s)
            return s;
        if (r.nvars == 0) {
            B->log_const += r.logp[0];
            gmdl_factor_fini(&r);
        } else
            B->F[B->nf++] = r;
    }
    size_t ne = 0, maxsize = 1;
    for (size_t f = 0; f < B->nf; f++) {
        ne += B->F[f].nvars;
        if (B->F[f].size > maxsize)
            maxsize = B->F[f].size;
    }
    B->eoff = gmdl__malloc((ne + 1) * sizeof *B->eoff);
    B->voff = gmdl__malloc((n + 1) * sizeof *B->voff);
    B->deg = gmdl__calloc(n + 1, sizeof *B->deg);
    if (!B->eoff || !B->voff || !B->deg)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t f = 0, e = 0; f < B->nf; f++)
        for (size_t k = 0; k < B->F[f].nvars; k++, e++) {
            B->eoff[e] = B->tot;
            B->tot += B->F[f].card[k];
            B->deg[B->F[f].vars[k]]++;
        }
    for (size_t v = 0; v < n; v++) {
        B->voff[v] = B->msize;
        B->msize += m->card[v];
    }
    size_t tot = B->tot;
    B->v2f = gmdl__malloc((tot + 1) * sizeof *B->v2f);
    B->f2v = gmdl__malloc((tot + 1) * sizeof *B->f2v);
    B->nf2v = gmdl__malloc((tot + 1) * sizeof *B->nf2v);
    B->bel = gmdl__malloc((B->msize + 1) * sizeof *B->bel);
    B->work = gmdl__malloc(maxsize * sizeof *B->work);
    if (!B->v2f || !B->f2v || !B->nf2v || !B->bel || !B->work)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t i = 0; i < tot; i++)
        B->f2v[i] = B->v2f[i] = 0.0;
    return GMDL_OK;
}

/* Row-major strides of a factor's scope. */
static void strides_of(const gmdl_factor *G, size_t *st) {
    size_t sv = 1;
    for (size_t k = G->nvars; k-- > 0;) {
        st[k] = sv;
        sv *= G->card[k];
    }
}

/* Beliefs of the variables from the factor messages. */
static void beliefs(bp_graph *B) {
    for (size_t i = 0; i < B->msize; i++)
        B->bel[i] = 0.0;
    for (size_t f = 0, e = 0; f < B->nf; f++)
        for (size_t k = 0; k < B->F[f].nvars; k++, e++) {
            uint32_t v = B->F[f].vars[k];
            for (uint32_t x = 0; x < B->F[f].card[k]; x++)
                B->bel[B->voff[v] + x] += B->f2v[B->eoff[e] + x];
        }
}

/* Variable to factor: belief minus the factor's own message, normalised. */
static void var_to_factor(bp_graph *B) {
    for (size_t f = 0, e = 0; f < B->nf; f++)
        for (size_t k = 0; k < B->F[f].nvars; k++, e++) {
            uint32_t v = B->F[f].vars[k], c = B->F[f].card[k];
            double *out = &B->v2f[B->eoff[e]];
            for (uint32_t x = 0; x < c; x++) {
                double b = B->bel[B->voff[v] + x], own = B->f2v[B->eoff[e] + x];
                out[x] = (b == PGM_NEGINF) ? PGM_NEGINF : b - own;
            }
            double lz = gmdl__logsumexp(out, c);
            if (lz == PGM_NEGINF)
                for (uint32_t x = 0; x < c; x++)
                    out[x] = 0.0;
            else
                for (uint32_t x = 0; x < c; x++)
                    out[x] -= lz;
        }
}

/* One factor-to-variable computation: factor G (its edges from e0, strides st, B->work holding
 * log psi + all incoming v2f) and its k-th variable. */
typedef struct {
    const bp_graph *B;
    const gmdl_factor *G;
    size_t e0, k;
    const size_t *st;
} bp_edge;

/* Entry i of work less the k-th variable's message in (recomputed without it where it is zero). */
static double work_less(const bp_edge *E, size_t i, double in) {
    const gmdl_factor *G = E->G;
    if (in != PGM_NEGINF)
        return E->B->work[i] - in;
    double a = G->logp[i];
    for (size_t t = 0; t < G->nvars; t++)
        if (t != E->k)
            a += E->B->v2f[E->B->eoff[E->e0 + t] + (i / E->st[t]) % G->card[t]];
    return a;
}

/* The undamped log message into acc: log-sum-exp of (work - v2f_k) per state of variable k. */
static gmdl_status marginalise(const bp_edge *E, double *acc, gmdl_err *err) {
    const gmdl_factor *G = E->G;
    const double *in_k = &E->B->v2f[E->B->eoff[E->e0 + E->k]];
    size_t stk = E->st[E->k];
    uint32_t c = G->card[E->k];
    for (uint32_t x = 0; x < c; x++)
        acc[x] = PGM_NEGINF;
    for (size_t i = 0; i < G->size; i++) {
        uint32_t x = (uint32_t)((i / stk) % c);
        double a = work_less(E, i, in_k[x]);
        if (a > acc[x])
            acc[x] = a;
    }
    /* second pass for the sum */
    double sums[256];
    double *sm = c <= 256 ? sums : NULL;
    double *heap = NULL;
    if (!sm) {
        heap = gmdl__malloc(c * sizeof *heap);
        if (!heap)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        sm = heap;
    }
    for (uint32_t x = 0; x < c; x++)
        sm[x] = 0.0;
    for (size_t i = 0; i < G->size; i++) {
        uint32_t x = (uint32_t)((i / stk) % c);
        if (acc[x] == PGM_NEGINF)
            continue;
        sm[x] += exp(work_less(E, i, in_k[x]) - acc[x]);
    }
    for (uint32_t x = 0; x < c; x++)
        if (acc[x] != PGM_NEGINF)
            acc[x] += log(sm[x]);
    gmdl__free(heap);
    return GMDL_OK;
}

/* The new message of edge E into nf2v: normalised, damped in probability space (messages start
 * uniform at iteration 1); *delta grows to the largest change. */
static gmdl_status
factor_message(const bp_edge *E, int it, double damping, double *delta, gmdl_err *err) {
    const bp_graph *B = E->B;
    size_t e = E->e0 + E->k;
    uint32_t c = E->G->card[E->k];
    double *acc = &B->nf2v[B->eoff[e]];
    gmdl_status s = marginalise(E, acc, err);
    if (s)
        return s;
    double lz = gmdl__logsumexp(acc, c);
    if (lz == PGM_NEGINF)
        return gmdl__fail(err, GMDL_EINVAL,
                          "belief propagation: a factor is zero for "
                          "every state (the evidence has probability zero)");
    for (uint32_t x = 0; x < c; x++) {
        double pn = exp(acc[x] - lz), po = exp(B->f2v[B->eoff[e] + x]);
        if (it == 1)
            po = 1.0 / c; /* messages start uniform */
        double p = (1.0 - damping) * pn + damping * po;
        double d = fabs(p - po);
        if (d > *delta)
            *delta = d;
        acc[x] = p;
    }
    double z = 0.0;
    for (uint32_t x = 0; x < c; x++)
        z += acc[x];
    for (uint32_t x = 0; x < c; x++)
        acc[x] = acc[x] > 0.0 ? log(acc[x] / z) : PGM_NEGINF;
    return GMDL_OK;
}

/* Factor to variable, every edge; *delta receives the largest change. */
static gmdl_status
factor_to_var(bp_graph *B, int it, double damping, double *delta, gmdl_err *err) {
    *delta = 0.0;
    for (size_t f = 0, e0 = 0; f < B->nf; e0 += B->F[f].nvars, f++) {
        const gmdl_factor *G = &B->F[f];
        size_t st[PGM_MAX_SCOPE];
        strides_of(G, st);
        /* work = log psi + all incoming v2f */
        for (size_t i = 0; i < G->size; i++) {
            double a = G->logp[i];
            for (size_t k = 0; k < G->nvars; k++)
                a += B->v2f[B->eoff[e0 + k] + (i / st[k]) % G->card[k]];
            B->work[i] = a;
        }
        for (size_t k = 0; k < G->nvars; k++) {
            bp_edge E = {B, G, e0, k, st};
            gmdl_status s = factor_message(&E, it, damping, delta, err);
            if (s)
                return s;
        }
    }
    memcpy(B->f2v, B->nf2v, B->tot * sizeof *B->f2v);
    return GMDL_OK;
}

/* Adds the variables' part of the Bethe free energy to *bethe from the final beliefs (normalised
 * in place, clamped to the evidence), and writes their marginals when wanted. */
static void bethe_vars(
    bp_graph *B, const uint32_t *card, const int32_t *evidence, double *marginals, double *bethe) {
    for (size_t v = 0; v < B->n; v++) {
        uint32_t c = card[v];
        double *b = &B->bel[B->voff[v]];
        if (evidence && evidence[v] >= 0) {
            for (uint32_t x = 0; x < c; x++)
                b[x] = (int32_t)x == evidence[v] ? 0.0 : PGM_NEGINF;
            continue;
        }
        double lz = gmdl__logsumexp(b, c);
        double ent = 0.0;
        for (uint32_t x = 0; x < c; x++) {
            b[x] -= lz;
            if (b[x] > PGM_NEGINF)
                ent += exp(b[x]) * b[x];
        }
        /* (d_v - 1) * sum b log b; a variable in no factor contributes log(card) */
        *bethe += ((double)B->deg[v] - 1.0) * ent;
        if (marginals)
            for (uint32_t x = 0; x < c; x++)
                marginals[B->voff[v] + x] = exp(b[x]);
    }
    if (marginals)
        for (size_t v = 0; v < B->n; v++)
            if (evidence && evidence[v] >= 0)
                for (uint32_t x = 0; x < card[v]; x++)
                    marginals[B->voff[v] + x] = (int32_t)x == evidence[v] ? 1.0 : 0.0;
}

/* Adds the factors' part of the Bethe free energy to *bethe: b_f ∝ psi * prod v2f, with v2f
 * recomputed from the final f2v. */
static void bethe_factors(bp_graph *B, double *bethe) {
    for (size_t f = 0, e0 = 0; f < B->nf; e0 += B->F[f].nvars, f++) {
        const gmdl_factor *G = &B->F[f];
        size_t st[PGM_MAX_SCOPE];
        strides_of(G, st);
        for (size_t i = 0; i < G->size; i++) {
            double a = G->logp[i];
            for (size_t k = 0; k < G->nvars; k++) {
                uint32_t v = G->vars[k];
                size_t x = (i / st[k]) % G->card[k];
                double own = B->f2v[B->eoff[e0 + k] + x];
                double b = B->bel[B->voff[v] + x];
                a += (b == PGM_NEGINF) ? PGM_NEGINF : b - own;
            }
            B->work[i] = a;
        }
        double lz = gmdl__logsumexp(B->work, G->size);
        for (size_t i = 0; i < G->size; i++) {
            double lb = B->work[i] - lz;
            if (lb > PGM_NEGINF && G->logp[i] > PGM_NEGINF)
                *bethe += exp(lb) * (G->logp[i] - lb);
        }
    }
}

gmdl_status gmdl_mrf_bp(double *log_z,
                        double *marginals,
                        gmdl_bp_stats *stats,
                        const gmdl_mrf *m,
                        const int32_t *evidence,
                        const gmdl_bp_config *cfg,
                        gmdl_err *err) {
    gmdl_bp_config dc = gmdl_bp_config_default();
    if (!cfg)
        cfg = &dc;
    if (!(cfg->damping >= 0.0 && cfg->damping < 1.0) || cfg->max_iters < 1 || !(cfg->tol > 0.0))
        return gmdl__fail(err, GMDL_EINVAL, "BP needs damping in [0, 1), max_iters >= 1, tol > 0");
    gmdl_status s = gmdl__check_evidence(m->nvars, m->card, evidence, err);
    if (s)
        return s;
    bp_graph B = {0};
    if ((s = bp_init(&B, m, evidence, err)))
        goto done;
    int it = 0, converged = 0;
    double delta = 0.0;
    for (it = 1; it <= cfg->max_iters; it++) {
        beliefs(&B);
        var_to_factor(&B);
        if ((s = factor_to_var(&B, it, cfg->damping, &delta, err)))
            goto done;
        if (delta < cfg->tol) {
            converged = 1;
            break;
        }
    }
    if (it > cfg->max_iters)
        it = cfg->max_iters;
    beliefs(&B);
    double bethe = B.log_const;
    bethe_vars(&B, m->card, evidence, marginals, &bethe);
    bethe_factors(&B, &bethe);
    if (log_z)
        *log_z = bethe;
    if (marginals && bethe == PGM_NEGINF) { /* a factor clamped whole by the evidence is zero */
        s = gmdl__fail(err, GMDL_EINVAL,
                       "belief propagation: the evidence has probability zero (a factor over "
                       "observed variables only is zero there)");
        goto done;
    }
    if (stats) {
        stats->iters = it;
        stats->converged = converged;
        stats->max_delta = delta;
    }
    if (!converged)
        s = gmdl__fail(err, GMDL_ENOCONV,
                       "belief propagation did not converge in %d iterations "
                       "(last change %.3g > tol %.3g)",
                       cfg->max_iters, delta, cfg->tol);
done:
    bp_free(&B);
    return s;
}
