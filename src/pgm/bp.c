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

gmdl_status gmdl_mrf_bp(const gmdl_mrf *m,
                        const int32_t *evidence,
                        const gmdl_bp_config *cfg,
                        double *log_z,
                        double *marginals,
                        gmdl_bp_stats *stats,
                        gmdl_err *err) {
    gmdl_bp_config dc = gmdl_bp_config_default();
    if (!cfg)
        cfg = &dc;
    if (!(cfg->damping >= 0.0 && cfg->damping < 1.0) || cfg->max_iters < 1 || !(cfg->tol > 0.0))
        return gmdl__fail(err, GMDL_EINVAL, "BP needs damping in [0, 1), max_iters >= 1, tol > 0");
    size_t n = m->nvars;
    gmdl_status s = gmdl__check_evidence(n, m->card, evidence, err);
    if (s)
        return s;
    /* Restrict the factors to the evidence. */
    size_t nf = 0;
    double log_const = 0.0;
    gmdl_factor *F = gmdl__calloc(m->nfactors + 1, sizeof *F);
    size_t *eoff = NULL, *voff = NULL, *deg = NULL;
    double *v2f = NULL, *f2v = NULL, *nf2v = NULL, *bel = NULL, *work = NULL;
    if (!F)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t f = 0; f < m->nfactors; f++) {
        gmdl_factor r;
        if ((s = gmdl__factor_restrict(&r, &m->factors[f], evidence, err)))
            goto done;
        if (r.nvars == 0) {
            log_const += r.logp[0];
            gmdl_factor_fini(&r);
        } else
            F[nf++] = r;
    }
    /* Edge e = (factor f, k-th scope variable): message blocks at eoff[e], card entries. */
    size_t ne = 0, tot = 0, maxsize = 1;
    for (size_t f = 0; f < nf; f++) {
        ne += F[f].nvars;
        if (F[f].size > maxsize)
            maxsize = F[f].size;
    }
    eoff = gmdl__malloc((ne + 1) * sizeof *eoff);
    voff = gmdl__malloc((n + 1) * sizeof *voff);
    deg = gmdl__calloc(n + 1, sizeof *deg);
    if (!eoff || !voff || !deg) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t f = 0, e = 0; f < nf; f++)
        for (size_t k = 0; k < F[f].nvars; k++, e++) {
            eoff[e] = tot;
            tot += F[f].card[k];
            deg[F[f].vars[k]]++;
        }
    size_t msize = 0;
    for (size_t v = 0; v < n; v++) {
        voff[v] = msize;
        msize += m->card[v];
    }
    v2f = gmdl__malloc((tot + 1) * sizeof *v2f); /* log messages */
    f2v = gmdl__malloc((tot + 1) * sizeof *f2v); /* log messages */
    nf2v = gmdl__malloc((tot + 1) * sizeof *nf2v);
    bel = gmdl__malloc((msize + 1) * sizeof *bel); /* log sum of incoming f2v per variable */
    work = gmdl__malloc(maxsize * sizeof *work);
    if (!v2f || !f2v || !nf2v || !bel || !work) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < tot; i++)
        f2v[i] = v2f[i] = 0.0;
    int it = 0, converged = 0;
    double delta = 0.0;
    for (it = 1; it <= cfg->max_iters; it++) {
        /* beliefs of the variables from the factor messages */
        for (size_t i = 0; i < msize; i++)
            bel[i] = 0.0;
        for (size_t f = 0, e = 0; f < nf; f++)
            for (size_t k = 0; k < F[f].nvars; k++, e++) {
                uint32_t v = F[f].vars[k];
                for (uint32_t x = 0; x < F[f].card[k]; x++)
                    bel[voff[v] + x] += f2v[eoff[e] + x];
            }
        /* variable to factor: belief minus the factor's own message, normalised */
        for (size_t f = 0, e = 0; f < nf; f++)
            for (size_t k = 0; k < F[f].nvars; k++, e++) {
                uint32_t v = F[f].vars[k], c = F[f].card[k];
                double *out = &v2f[eoff[e]];
                for (uint32_t x = 0; x < c; x++) {
                    double b = bel[voff[v] + x], own = f2v[eoff[e] + x];
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
        /* factor to variable */
        delta = 0.0;
        for (size_t f = 0, e0 = 0; f < nf; e0 += F[f].nvars, f++) {
            const gmdl_factor *G = &F[f];
            size_t st[PGM_MAX_SCOPE];
            size_t sv = 1;
            for (size_t k = G->nvars; k-- > 0;) {
                st[k] = sv;
                sv *= G->card[k];
            }
            /* work = log psi + all incoming v2f */
            for (size_t i = 0; i < G->size; i++) {
                double a = G->logp[i];
                for (size_t k = 0; k < G->nvars; k++)
                    a += v2f[eoff[e0 + k] + (i / st[k]) % G->card[k]];
                work[i] = a;
            }
            for (size_t k = 0; k < G->nvars; k++) {
                size_t e = e0 + k;
                uint32_t c = G->card[k];
                double *out = &nf2v[eoff[e]];
                double *acc = out;
                /* log-sum-exp of (work - v2f_k) per state of var k */
                for (uint32_t x = 0; x < c; x++)
                    acc[x] = PGM_NEGINF;
                for (size_t i = 0; i < G->size; i++) {
                    uint32_t x = (uint32_t)((i / st[k]) % c);
                    double in = v2f[eoff[e] + x];
                    double a = work[i] - in;
                    if (in == PGM_NEGINF) { /* recompute without this variable's message */
                        a = G->logp[i];
                        for (size_t t = 0; t < G->nvars; t++)
                            if (t != k)
                                a += v2f[eoff[e0 + t] + (i / st[t]) % G->card[t]];
                    }
                    if (a > acc[x])
                        acc[x] = a;
                }
                /* second pass for the sum */
                double sums[256];
                double *sm = c <= 256 ? sums : NULL;
                double *heap = NULL;
                if (!sm) {
                    heap = gmdl__malloc(c * sizeof *heap);
                    if (!heap) {
                        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
                        goto done;
                    }
                    sm = heap;
                }
                for (uint32_t x = 0; x < c; x++)
                    sm[x] = 0.0;
                for (size_t i = 0; i < G->size; i++) {
                    uint32_t x = (uint32_t)((i / st[k]) % c);
                    if (acc[x] == PGM_NEGINF)
                        continue;
                    double in = v2f[eoff[e] + x];
                    double a;
                    if (in == PGM_NEGINF) {
                        a = G->logp[i];
                        for (size_t t = 0; t < G->nvars; t++)
                            if (t != k)
                                a += v2f[eoff[e0 + t] + (i / st[t]) % G->card[t]];
                    } else
                        a = work[i] - in;
                    sm[x] += exp(a - acc[x]);
                }
                for (uint32_t x = 0; x < c; x++)
                    if (acc[x] != PGM_NEGINF)
                        acc[x] += log(sm[x]);
                gmdl__free(heap);
                double lz = gmdl__logsumexp(acc, c);
                if (lz == PGM_NEGINF) {
                    s = gmdl__fail(err, GMDL_EINVAL,
                                   "belief propagation: a factor is zero for "
                                   "every state (the evidence has probability zero)");
                    goto done;
                }
                /* normalise, damp in probability space, measure the change */
                for (uint32_t x = 0; x < c; x++) {
                    double pn = exp(acc[x] - lz), po = exp(f2v[eoff[e] + x]);
                    if (it == 1)
                        po = 1.0 / c; /* messages start uniform */
                    double p = (1.0 - cfg->damping) * pn + cfg->damping * po;
                    double d = fabs(p - po);
                    if (d > delta)
                        delta = d;
                    acc[x] = p;
                }
                double z = 0.0;
                for (uint32_t x = 0; x < c; x++)
                    z += acc[x];
                for (uint32_t x = 0; x < c; x++)
                    acc[x] = acc[x] > 0.0 ? log(acc[x] / z) : PGM_NEGINF;
            }
        }
        memcpy(f2v, nf2v, tot * sizeof *f2v);
        if (delta < cfg->tol) {
            converged = 1;
            break;
        }
    }
    if (it > cfg->max_iters)
        it = cfg->max_iters;
    /* Final beliefs. */
    for (size_t i = 0; i < msize; i++)
        bel[i] = 0.0;
    for (size_t f = 0, e = 0; f < nf; f++)
        for (size_t k = 0; k < F[f].nvars; k++, e++) {
            uint32_t v = F[f].vars[k];
            for (uint32_t x = 0; x < F[f].card[k]; x++)
                bel[voff[v] + x] += f2v[eoff[e] + x];
        }
    double bethe = log_const;
    for (size_t v = 0; v < n; v++) {
        uint32_t c = m->card[v];
        double *b = &bel[voff[v]];
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
        bethe += ((double)deg[v] - 1.0) * ent;
        if (marginals)
            for (uint32_t x = 0; x < c; x++)
                marginals[voff[v] + x] = exp(b[x]);
    }
    if (marginals)
        for (size_t v = 0; v < n; v++)
            if (evidence && evidence[v] >= 0)
                for (uint32_t x = 0; x < m->card[v]; x++)
                    marginals[voff[v] + x] = (int32_t)x == evidence[v] ? 1.0 : 0.0;
    /* factor beliefs: b_f ∝ psi * prod v2f, with v2f recomputed from the final f2v */
    for (size_t f = 0, e0 = 0; f < nf; e0 += F[f].nvars, f++) {
        const gmdl_factor *G = &F[f];
        size_t st[PGM_MAX_SCOPE];
        size_t sv = 1;
        for (size_t k = G->nvars; k-- > 0;) {
            st[k] = sv;
            sv *= G->card[k];
        }
        for (size_t i = 0; i < G->size; i++) {
            double a = G->logp[i];
            for (size_t k = 0; k < G->nvars; k++) {
                uint32_t v = G->vars[k];
                size_t x = (i / st[k]) % G->card[k];
                double own = f2v[eoff[e0 + k] + x];
                double b = bel[voff[v] + x];
                a += (b == PGM_NEGINF) ? PGM_NEGINF : b - own;
            }
            work[i] = a;
        }
        double lz = gmdl__logsumexp(work, G->size);
        for (size_t i = 0; i < G->size; i++) {
            double lb = work[i] - lz;
            if (lb > PGM_NEGINF && G->logp[i] > PGM_NEGINF)
                bethe += exp(lb) * (G->logp[i] - lb);
        }
    }
    if (log_z)
        *log_z = bethe;
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
    for (size_t f = 0; f < nf; f++)
        gmdl_factor_fini(&F[f]);
    gmdl__free(F);
    gmdl__free(eoff);
    gmdl__free(voff);
    gmdl__free(deg);
    gmdl__free(v2f);
    gmdl__free(f2v);
    gmdl__free(nf2v);
    gmdl__free(bel);
    gmdl__free(work);
    return s;
}
