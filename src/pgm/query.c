/* Queries of a Bayes net beyond one marginal: the joint posterior of a few nodes (by the chain
 * rule over junction-tree calibrations, each with one more target clamped), and batches of
 * evidence rows answered with one calibration per distinct row (rows are sorted and repeats
 * answered once), split over the OpenMP threads. */
#ifdef _OPENMP
#include <omp.h>
#endif

#include "pgm_internal.h"

#define JOINT_MAX_ENTRIES ((size_t)1 << 22)

/* The recursion of the chain rule: probs[idx..] receives P(targets[k..] | ev) scaled by `mass`
 * (the probability of the states already clamped). */
typedef struct {
    const gmdl_mrf *m;
    const gmdl_bn *bn;
    const gmdl_exact_config *cfg;
    size_t n;
    const uint32_t *targets;
    const size_t *off;  /* marginal offset of each node */
    const size_t *span; /* entries of the joint per state of target k */
    int32_t *ev;
    double *marg; /* one marginal array per depth */
    double *probs;
} joint_ctx;

static gmdl_status joint_rec(const joint_ctx *J, size_t k, size_t idx, double mass, gmdl_err *err) {
    uint32_t t = J->targets[k], K = J->bn->card[t];
    double *marg = J->marg + k * gmdl_bn_marginal_size(J->bn);
    gmdl_status s = gmdl__jt_run(J->m->nvars, J->m->card, J->m->nfactors, J->m->factors, J->ev,
                                 J->cfg, (const char *const *)J->bn->names, NULL, marg, NULL, err);
    if (s)
        return s;
    for (uint32_t x = 0; x < K && !s; x++) {
        double p = marg[J->off[t] + x] * mass;
        size_t at = idx + x * J->span[k];
        if (k + 1 == J->n || p == 0.0) {
            if (k + 1 == J->n)
                J->probs[at] = p;
            else
                for (size_t i = 0; i < J->span[k]; i++)
                    J->probs[at + i] = 0.0;
            continue;
        }
        J->ev[t] = (int32_t)x;
        s = joint_rec(J, k + 1, at, p, err);
        J->ev[t] = -1;
    }
    return s;
}

gmdl_status gmdl_bn_query_joint(double *probs,
                                double *log_evidence,
                                const gmdl_bn *bn,
                                size_t ntargets,
                                const uint32_t *targets,
                                const int32_t *evidence,
                                const gmdl_exact_config *cfg,
                                gmdl_err *err) {
    gmdl_exact_config dc = gmdl_exact_config_default();
    if (!cfg)
        cfg = &dc;
    size_t V = bn->nvars, total = 1;
    if (ntargets == 0)
        return gmdl__fail(err, GMDL_EINVAL, "a joint query needs at least one target");
    for (size_t k = 0; k < ntargets; k++) {
        if (targets[k] >= V)
            return gmdl__fail(err, GMDL_EINVAL, "target node %u out of range", targets[k]);
        for (size_t i = 0; i < k; i++)
            if (targets[i] == targets[k])
                return gmdl__fail(err, GMDL_EINVAL, "node %s is a target twice",
                                  bn->names[targets[k]]);
        if (evidence && evidence[targets[k]] >= 0)
            return gmdl__fail(err, GMDL_EINVAL, "node %s is both a target and evidence",
                              bn->names[targets[k]]);
        total *= bn->card[targets[k]];
        if (total > JOINT_MAX_ENTRIES)
            return gmdl__fail(err, GMDL_ELIMIT,
                              "the joint of these targets has over %zu entries: ask for fewer",
                              JOINT_MAX_ENTRIES);
    }
    gmdl_status s = gmdl__check_evidence(V, bn->card, evidence, err);
    if (s)
        return s;
    gmdl_mrf *m = NULL;
    size_t M = gmdl_bn_marginal_size(bn);
    size_t *off = gmdl__malloc((V + 1) * sizeof *off);
    size_t *span = gmdl__malloc((ntargets + 1) * sizeof *span);
    int32_t *ev = gmdl__malloc((V + 1) * sizeof *ev);
    double *marg = gmdl__malloc((M * ntargets + 1) * sizeof *marg);
    if (!off || !span || !ev || !marg)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    else
        s = gmdl_bn_to_mrf(&m, bn, err);
    if (!s) {
        for (size_t v = 0, o = 0; v < V; o += bn->card[v], v++) {
            off[v] = o;
            ev[v] = evidence ? evidence[v] : -1;
        }
        span[ntargets - 1] = 1;
        for (size_t k = ntargets - 1; k-- > 0;)
            span[k] = span[k + 1] * bn->card[targets[k + 1]];
        joint_ctx J = {m, bn, cfg, ntargets, targets, off, span, ev, marg, probs};
        double lz = 0.0;
        s = gmdl__jt_run(m->nvars, m->card, m->nfactors, m->factors, ev, cfg,
                         (const char *const *)bn->names, &lz, NULL, NULL, err);
        if (!s && log_evidence)
            *log_evidence = lz;
        if (!s)
            s = joint_rec(&J, 0, 0, 1.0, err);
    }
    gmdl_mrf_destroy(m);
    gmdl__free(off);
    gmdl__free(span);
    gmdl__free(ev);
    gmdl__free(marg);
    return s;
}

/* ------------------------------------------------------------------ batches */

typedef struct {
    const int32_t *x;
    size_t V;
    size_t row;
} batch_ref;

static int cmp_refs(const void *a, const void *b) {
    const batch_ref *p = a, *q = b;
    for (size_t v = 0; v < p->V; v++)
        if (p->x[v] != q->x[v])
            return p->x[v] < q->x[v] ? -1 : 1;
    return p->row < q->row ? -1 : p->row > q->row;
}

/* One distinct row's calibration into marg (M entries) and *lz; impossible evidence gives NaN
 * marginals and lz = -inf, and is not an error of the batch. */
static gmdl_status batch_one(const gmdl_mrf *m,
                             const gmdl_bn *bn,
                             const int32_t *ev,
                             const gmdl_exact_config *cfg,
                             double *marg,
                             double *lz,
                             gmdl_err *err) {
    gmdl_err e = {{0}};
    gmdl_status s = gmdl__check_evidence(bn->nvars, bn->card, ev, &e);
    if (!s)
        s = gmdl__jt_run(m->nvars, m->card, m->nfactors, m->factors, ev, cfg,
                         (const char *const *)bn->names, lz, marg, NULL, &e);
    if (s == GMDL_EINVAL) {
        size_t M = gmdl_bn_marginal_size(bn);
        for (size_t i = 0; i < M; i++)
            marg[i] = NAN;
        *lz = PGM_NEGINF;
        return GMDL_OK;
    }
    if (s && err)
        *err = e;
    return s;
}

static gmdl_status batch_run(const gmdl_mrf *m,
                             const gmdl_bn *bn,
                             const batch_ref *ref,
                             const size_t *first,
                             size_t nd,
                             const gmdl_exact_config *cfg,
                             double *marginals,
                             double *log_evidence,
                             gmdl_err *err) {
    size_t M = gmdl_bn_marginal_size(bn);
    int nt = 1;
#ifdef _OPENMP
    nt = omp_get_max_threads();
#endif
    gmdl_status *st = gmdl__calloc((size_t)nt + 1, sizeof *st);
    gmdl_err *errs = gmdl__calloc((size_t)nt + 1, sizeof *errs);
    if (!st || !errs) {
        gmdl__free(st);
        gmdl__free(errs);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
#pragma omp parallel num_threads(nt)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        size_t lo, hi;
        gmdl__thread_range(nd, 1, &lo, &hi);
        for (size_t d = lo; d < hi && !st[t]; d++) {
            size_t r0 = ref[first[d]].row;
            double lz = 0.0;
            st[t] = batch_one(m, bn, ref[first[d]].x, cfg, marginals + r0 * M, &lz, &errs[t]);
            if (log_evidence)
                log_evidence[r0] = lz;
            for (size_t i = first[d] + 1; i < first[d + 1] && !st[t]; i++) {
                memcpy(marginals + ref[i].row * M, marginals + r0 * M, M * sizeof *marginals);
                if (log_evidence)
                    log_evidence[ref[i].row] = lz;
            }
        }
    }
    gmdl_status s = GMDL_OK;
    for (int t = 0; t < nt && !s; t++)
        if ((s = st[t]) && err)
            *err = errs[t];
    gmdl__free(st);
    gmdl__free(errs);
    return s;
}

gmdl_status gmdl_bn_query_batch(double *marginals,
                                double *log_evidence,
                                size_t *ncalibrations,
                                const gmdl_bn *bn,
                                const gmdl_bn_data *rows,
                                const gmdl_exact_config *cfg,
                                gmdl_err *err) {
    gmdl_exact_config dc = gmdl_exact_config_default();
    if (!cfg)
        cfg = &dc;
    if (!rows || rows->nvars != bn->nvars)
        return gmdl__fail(err, GMDL_EINVAL, "the evidence rows have %zu columns, the net %zu nodes",
                          rows ? rows->nvars : 0, bn->nvars);
    size_t n = rows->nrows, V = bn->nvars;
    batch_ref *ref = gmdl__malloc((n + 1) * sizeof *ref);
    size_t *first = gmdl__malloc((n + 2) * sizeof *first);
    gmdl_mrf *m = NULL;
    gmdl_status s = GMDL_OK;
    if (!ref || !first)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory for %zu rows", n);
    else
        s = gmdl_bn_to_mrf(&m, bn, err);
    size_t nd = 0;
    if (!s) {
        for (size_t i = 0; i < n; i++)
            ref[i] = (batch_ref){rows->x + i * V, V, i};
        qsort(ref, n, sizeof *ref, cmp_refs);
        for (size_t i = 0; i < n; i++)
            if (i == 0 || memcmp(ref[i - 1].x, ref[i].x, V * sizeof *ref[i].x) != 0)
                first[nd++] = i;
        first[nd] = n;
        s = batch_run(m, bn, ref, first, nd, cfg, marginals, log_evidence, err);
    }
    if (!s && ncalibrations)
        *ncalibrations = nd;
    gmdl_mrf_destroy(m);
    gmdl__free(ref);
    gmdl__free(first);
    return s;
}
