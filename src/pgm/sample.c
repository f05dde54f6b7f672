/* Sampling: ancestral sampling, rejection sampling, likelihood weighting and Gibbs sampling on a
 * Bayes net, and Gibbs sampling on an MRF. All randomness comes from gmdl_rng streams derived
 * from the caller's seed, so every result is reproducible.
 *
 * The Bayes-net Gibbs sampler updates each unobserved node together with its unobserved
 * deterministic children (CPT rows that are 0/1), which follow their parents: single-site Gibbs
 * cannot leave states such as tub=no, lung=no, either=no of the Asia net (either = tub OR lung),
 * the blocked update can. The target's full conditional is averaged over the sweeps
 * (Rao-Blackwellisation). */
#include "pgm_internal.h"

static gmdl_status topo_order(const gmdl_bn *bn, uint32_t *order, gmdl_err *err) {
    size_t n = bn->nvars, head = 0, tail = 0;
    size_t *indeg = gmdl__malloc((n + 1) * sizeof *indeg);
    if (!indeg)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t v = 0; v < n; v++)
        if ((indeg[v] = bn->npar[v]) == 0)
            order[tail++] = (uint32_t)v;
    while (head < tail) {
        uint32_t u = order[head++];
        for (size_t k = 0; k < bn->nchild[u]; k++)
            if (--indeg[bn->child[u][k]] == 0)
                order[tail++] = bn->child[u][k];
    }
    gmdl__free(indeg);
    GMDL_ASSERT(tail == n); /* set_parents keeps the graph acyclic */
    return GMDL_OK;
}

static size_t row_of(const gmdl_bn *bn, size_t v, const uint32_t *x) {
    size_t row = 0;
    for (size_t k = 0; k < bn->npar[v]; k++)
        row = row * bn->card[bn->par[v][k]] + x[bn->par[v][k]];
    return row;
}

static uint32_t draw(gmdl_rng *r, const double *p, uint32_t k) {
    double u = gmdl_rng_uniform(r), c = 0.0;
    for (uint32_t i = 0; i + 1 < k; i++) {
        c += p[i];
        if (u < c)
            return i;
    }
    /* the last state with positive probability (guards against rounding) */
    for (uint32_t i = k; i-- > 0;)
        if (p[i] > 0.0)
            return i;
    return k - 1;
}

gmdl_status gmdl_bn_sample(
    uint32_t *out, const gmdl_bn *bn, size_t n, uint64_t seed, size_t first_row, gmdl_err *err) {
    uint32_t *order = gmdl__malloc((bn->nvars + 1) * sizeof *order);
    if (!order)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    gmdl_status s = topo_order(bn, order, err);
    for (size_t i = 0; i < n && !s; i++) {
        gmdl_rng r;
        gmdl_rng_derive(&r, seed, GMDL_RNG_SAMPLING, first_row + i);
        uint32_t *x = out + i * bn->nvars;
        for (size_t t = 0; t < bn->nvars; t++) {
            uint32_t v = order[t];
            x[v] = draw(&r, bn->cpt[v] + row_of(bn, v, x) * bn->card[v], bn->card[v]);
        }
    }
    gmdl__free(order);
    return s;
}

/* Effective sample size of a series by batch means (batches of about sqrt(n)). */
static double batch_ess(const double *y, size_t n) {
    if (n < 4)
        return (double)n;
    size_t b = (size_t)sqrt((double)n), nb = n / b;
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < nb * b; i++)
        mean += y[i];
    mean /= (double)(nb * b);
    for (size_t i = 0; i < nb * b; i++)
        var += (y[i] - mean) * (y[i] - mean);
    var /= (double)(nb * b - 1);
    double bvar = 0.0;
    for (size_t j = 0; j < nb; j++) {
        double m = 0.0;
        for (size_t i = 0; i < b; i++)
            m += y[j * b + i];
        m /= (double)b;
        bvar += (m - mean) * (m - mean);
    }
    bvar /= (double)(nb - 1);
    if (bvar <= 0.0 || var <= 0.0)
        return (double)n;
    double ess = (double)n * var / ((double)b * bvar);
    return ess > (double)n ? (double)n : ess;
}

typedef struct {
    const gmdl_bn *bn;
    uint32_t *order;
    uint32_t *x;
} smp;

/* Forward sample with the evidence clamped; returns log weight (log P(e | parents)). */
static double forward_clamped(const smp *S, const int32_t *ev, gmdl_rng *r) {
    const gmdl_bn *bn = S->bn;
    double lw = 0.0;
    for (size_t t = 0; t < bn->nvars; t++) {
        uint32_t v = S->order[t];
        const double *p = bn->cpt[v] + row_of(bn, v, S->x) * bn->card[v];
        if (ev && ev[v] >= 0) {
            S->x[v] = (uint32_t)ev[v];
            lw += log(p[ev[v]]);
        } else
            S->x[v] = draw(r, p, bn->card[v]);
    }
    return lw;
}

static gmdl_status rejection(const smp *S,
                             uint32_t target,
                             const int32_t *ev,
                             const gmdl_query_config *cfg,
                             double *probs,
                             gmdl_query_stats *st,
                             gmdl_err *err) {
    const gmdl_bn *bn = S->bn;
    gmdl_rng r;
    gmdl_rng_derive(&r, cfg->seed, GMDL_RNG_SAMPLING, 0);
    size_t acc = 0;
    double *cnt = probs;
    for (uint32_t x = 0; x < bn->card[target]; x++)
        cnt[x] = 0.0;
    for (size_t i = 0; i < cfg->samples; i++) {
        int ok = 1;
        for (size_t t = 0; t < bn->nvars && ok; t++) {
            uint32_t v = S->order[t];
            S->x[v] = draw(&r, bn->cpt[v] + row_of(bn, v, S->x) * bn->card[v], bn->card[v]);
            if (ev && ev[v] >= 0 && S->x[v] != (uint32_t)ev[v])
                ok = 0;
        }
        if (ok) {
            acc++;
            cnt[S->x[target]] += 1.0;
        }
    }
    if (acc == 0)
        return gmdl__fail(err, GMDL_ENOCONV,
                          "rejection sampling: none of %zu samples matched the "
                          "evidence (try --method lw or more samples)",
                          cfg->samples);
    for (uint32_t x = 0; x < bn->card[target]; x++)
        probs[x] = cnt[x] / (double)acc;
    st->samples = acc;
    st->ess = (double)acc;
    return GMDL_OK;
}

static gmdl_status likelihood_weighting(const smp *S,
                                        uint32_t target,
                                        const int32_t *ev,
                                        const gmdl_query_config *cfg,
                                        double *probs,
                                        gmdl_query_stats *st,
                                        gmdl_err *err) {
    const gmdl_bn *bn = S->bn;
    size_t n = cfg->samples;
    double *lw = gmdl__malloc((n + 1) * sizeof *lw);
    uint32_t *tx = gmdl__malloc((n + 1) * sizeof *tx);
    if (!lw || !tx) {
        gmdl__free(lw);
        gmdl__free(tx);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    gmdl_rng r;
    gmdl_rng_derive(&r, cfg->seed, GMDL_RNG_SAMPLING, 0);
    double mx = PGM_NEGINF;
    for (size_t i = 0; i < n; i++) {
        lw[i] = forward_clamped(S, ev, &r);
        tx[i] = S->x[target];
        if (lw[i] > mx)
            mx = lw[i];
    }
    gmdl_status s = GMDL_OK;
    if (mx == PGM_NEGINF) {
        s = gmdl__fail(err, GMDL_ENOCONV,
                       "likelihood weighting: all %zu samples have weight 0 "
                       "(the evidence may be impossible)",
                       n);
    } else {
        double sw = 0.0, sw2 = 0.0;
        for (uint32_t x = 0; x < bn->card[target]; x++)
            probs[x] = 0.0;
        for (size_t i = 0; i < n; i++) {
            double w = exp(lw[i] - mx);
            sw += w;
            sw2 += w * w;
            probs[tx[i]] += w;
        }
        for (uint32_t x = 0; x < bn->card[target]; x++)
            probs[x] /= sw;
        st->samples = n;
        st->ess = sw * sw / sw2;
    }
    gmdl__free(lw);
    gmdl__free(tx);
    return s;
}

static int is_deterministic(const gmdl_bn *bn, size_t v) {
    size_t k = bn->card[v];
    for (size_t r = 0; r < bn->nrows[v]; r++) {
        int ones = 0;
        for (size_t x = 0; x < k; x++) {
            double p = bn->cpt[v][r * k + x];
            if (p == 1.0)
                ones++;
            else if (p != 0.0)
                return 0;
        }
        if (ones != 1)
            return 0;
    }
    return 1;
}

typedef struct {
    size_t nblock;
    uint32_t *block; /* deterministic unobserved descendants that follow v, topological order */
    size_t nfac;
    uint32_t *fac; /* nodes whose CPT involves v or a block member */
} gibbs_node;

/* The block of unobserved node v (v, then its deterministic unobserved children, closed under
 * deterministic children) and the nodes whose CPTs it touches. mark is scratch. */
static gmdl_status gibbs_block(const gmdl_bn *bn,
                               size_t v,
                               const uint8_t *det,
                               const uint32_t *tpos,
                               uint8_t *mark,
                               gibbs_node *g,
                               gmdl_err *err) {
    size_t n = bn->nvars;
    g->block = gmdl__malloc((n + 1) * sizeof *g->block);
    g->fac = gmdl__malloc((n + 1) * sizeof *g->fac);
    if (!g->block || !g->fac)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    memset(mark, 0, n);
    mark[v] = 1;
    size_t nb = 0;
    g->block[nb++] = (uint32_t)v;
    for (size_t i = 0; i < nb; i++) {
        uint32_t u = g->block[i];
        for (size_t k = 0; k < bn->nchild[u]; k++) {
            uint32_t c = bn->child[u][k];
            if (det[c] && !mark[c]) {
                mark[c] = 1;
                g->block[nb++] = c;
            }
        }
    }
    /* topological order of the followers (block[0] = v stays first) */
    for (size_t i = 2; i < nb; i++)
        for (size_t j = i; j > 1 && tpos[g->block[j]] < tpos[g->block[j - 1]]; j--) {
            uint32_t tmp = g->block[j];
            g->block[j] = g->block[j - 1];
            g->block[j - 1] = tmp;
        }
    g->nblock = nb;
    memset(mark, 0, n);
    size_t nf = 0;
    for (size_t i = 0; i < nb; i++) {
        uint32_t u = g->block[i];
        if (!mark[u]) {
            mark[u] = 1;
            g->fac[nf++] = u;
        }
        for (size_t k = 0; k < bn->nchild[u]; k++) {
            uint32_t c = bn->child[u][k];
            if (!mark[c]) {
                mark[c] = 1;
                g->fac[nf++] = c;
            }
        }
    }
    g->nfac = nf;
    return GMDL_OK;
}

/* The blocks of every unobserved node (G[v]). */
static gmdl_status gibbs_blocks(const smp *S, const int32_t *ev, gibbs_node *G, gmdl_err *err) {
    const gmdl_bn *bn = S->bn;
    size_t n = bn->nvars;
    gmdl_status s = GMDL_OK;
    uint8_t *det = gmdl__calloc(n + 1, 1), *mark = gmdl__calloc(n + 1, 1);
    uint32_t *tpos = gmdl__malloc((n + 1) * sizeof *tpos);
    if (!det || !mark || !tpos)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    else {
        for (size_t t = 0; t < n; t++)
            tpos[S->order[t]] = (uint32_t)t;
        for (size_t v = 0; v < n; v++)
            det[v] = !(ev && ev[v] >= 0) && is_deterministic(bn, v);
        for (size_t v = 0; v < n && !s; v++)
            if (!(ev && ev[v] >= 0))
                s = gibbs_block(bn, v, det, tpos, mark, &G[v], err);
    }
    gmdl__free(det);
    gmdl__free(mark);
    gmdl__free(tpos);
    return s;
}

/* The deterministic followers of a block take the state their parents give them. */
static void follow(const gmdl_bn *bn, const gibbs_node *g, uint32_t *x) {
    for (size_t i = 1; i < g->nblock; i++) {
        uint32_t d = g->block[i];
        const double *p = bn->cpt[d] + row_of(bn, d, x) * bn->card[d];
        uint32_t y = 0;
        while (y + 1 < bn->card[d] && p[y] != 1.0)
            y++;
        x[d] = y;
    }
}

/* One blocked update of node v: draws v (its followers follow) from its full conditional, which
 * is left in pr; lp is scratch. */
static void
gibbs_site(const smp *S, const gibbs_node *g, uint32_t v, double *lp, double *pr, gmdl_rng *r) {
    const gmdl_bn *bn = S->bn;
    uint32_t k = bn->card[v];
    double m = PGM_NEGINF;
    for (uint32_t x = 0; x < k; x++) {
        S->x[v] = x;
        follow(bn, g, S->x);
        double l = 0.0;
        for (size_t i = 0; i < g->nfac; i++) {
            uint32_t u = g->fac[i];
            l += log(bn->cpt[u][row_of(bn, u, S->x) * bn->card[u] + S->x[u]]);
        }
        lp[x] = l;
        if (l > m)
            m = l;
    }
    if (m == PGM_NEGINF) /* cannot happen from a positive state; keep the old one */
        GMDL_ASSERT(0);
    double z = 0.0;
    for (uint32_t x = 0; x < k; x++)
        z += (pr[x] = exp(lp[x] - m));
    for (uint32_t x = 0; x < k; x++)
        pr[x] /= z;
    S->x[v] = draw(r, pr, k);
    follow(bn, g, S->x);
}

static gmdl_status gibbs(const smp *S,
                         uint32_t target,
                         const int32_t *ev,
                         const gmdl_query_config *cfg,
                         double *probs,
                         gmdl_query_stats *st,
                         gmdl_err *err) {
    const gmdl_bn *bn = S->bn;
    size_t n = bn->nvars;
    gmdl_status s = GMDL_OK;
    gibbs_node *G = gmdl__calloc(n + 1, sizeof *G);
    double *series = gmdl__malloc((cfg->samples + 1) * sizeof *series);
    uint32_t maxk = 1;
    for (size_t v = 0; v < n; v++)
        if (bn->card[v] > maxk)
            maxk = bn->card[v];
    double *lp = gmdl__malloc(maxk * sizeof *lp), *pr = gmdl__malloc(maxk * sizeof *pr);
    if (!G || !series || !lp || !pr) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    if ((s = gibbs_blocks(S, ev, G, err)))
        goto done;
    /* Start from a forward sample of positive weight. */
    gmdl_rng r;
    gmdl_rng_derive(&r, cfg->seed, GMDL_RNG_GIBBS, 0);
    int found = 0;
    for (int tries = 0; tries < 100000 && !found; tries++)
        found = forward_clamped(S, ev, &r) > PGM_NEGINF;
    if (!found) {
        s = gmdl__fail(err, GMDL_ENOCONV,
                       "Gibbs sampling: no starting state consistent with the "
                       "evidence found in 100000 forward samples");
        goto done;
    }
    uint32_t kt = bn->card[target];
    double *acc = probs;
    for (uint32_t x = 0; x < kt; x++)
        acc[x] = 0.0;
    if (ev && ev[target] >= 0) { /* observed target: a point mass */
        acc[ev[target]] = 1.0;
        st->samples = cfg->samples;
        st->ess = (double)cfg->samples;
        goto done;
    }
    size_t total = cfg->burn_in + cfg->samples;
    for (size_t sweep = 0; sweep < total; sweep++) {
        int counted = sweep >= cfg->burn_in;
        for (size_t t = 0; t < n; t++) {
            uint32_t v = S->order[t];
            if (ev && ev[v] >= 0)
                continue;
            gibbs_site(S, &G[v], v, lp, pr, &r);
            if (counted && v == target) {
                for (uint32_t x = 0; x < bn->card[v]; x++)
                    acc[x] += pr[x];
                series[sweep - cfg->burn_in] = pr[0];
            }
        }
    }
    double tot = 0.0;
    for (uint32_t x = 0; x < kt; x++)
        tot += acc[x];
    for (uint32_t x = 0; x < kt; x++)
        probs[x] = acc[x] / tot;
    st->samples = cfg->samples;
    st->ess = batch_ess(series, cfg->samples);
done:
    if (G)
        for (size_t v = 0; v < n; v++) {
            gmdl__free(G[v].block);
            gmdl__free(G[v].fac);
        }
    gmdl__free(G);
    gmdl__free(series);
    gmdl__free(lp);
    gmdl__free(pr);
    return s;
}

gmdl_status gmdl__bn_sample_query(const gmdl_bn *bn,
                                  uint32_t target,
                                  const int32_t *evidence,
                                  const gmdl_query_config *cfg,
                                  double *probs,
                                  gmdl_query_stats *stats,
                                  gmdl_err *err) {
    if (cfg->samples == 0)
        return gmdl__fail(err, GMDL_EINVAL, "the number of samples must be positive");
    smp S = {.bn = bn};
    S.order = gmdl__malloc((bn->nvars + 1) * sizeof *S.order);
    S.x = gmdl__calloc(bn->nvars + 1, sizeof *S.x);
    gmdl_status s;
    if (!S.order || !S.x)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    else if (!(s = topo_order(bn, S.order, err))) {
        if (cfg->method == GMDL_QUERY_REJECTION)
            s = rejection(&S, target, evidence, cfg, probs, stats, err);
        else if (cfg->method == GMDL_QUERY_LW)
            s = likelihood_weighting(&S, target, evidence, cfg, probs, stats, err);
        else if (cfg->method == GMDL_QUERY_GIBBS)
            s = gibbs(&S, target, evidence, cfg, probs, stats, err);
        else
            s = gmdl__fail(err, GMDL_EINVAL, "unknown query method %d", (int)cfg->method);
    }
    gmdl__free(S.order);
    gmdl__free(S.x);
    return s;
}

/* ------------------------------------------------------------------ MRF Gibbs */

gmdl_gibbs_config gmdl_gibbs_config_default(void) {
    gmdl_gibbs_config c;
    memset(&c, 0, sizeof c);
    c.sweeps = 100000;
    c.burn_in = 1000;
    c.seed = 1;
    return c;
}

void gmdl__var_index_free(pgm_var_index *I) {
    gmdl__free(I->start);
    gmdl__free(I->fid);
    gmdl__free(I->fstr);
}

gmdl_status gmdl__var_index_build(pgm_var_index *I, const gmdl_mrf *m, gmdl_err *err) {
    size_t n = m->nvars, tot = 0;
    for (size_t f = 0; f < m->nfactors; f++)
        tot += m->factors[f].nvars;
    I->start = gmdl__calloc(n + 2, sizeof *I->start);
    I->fid = gmdl__malloc((tot + 1) * sizeof *I->fid);
    I->fstr = gmdl__malloc((tot + 1) * sizeof *I->fstr);
    size_t *cnt = gmdl__calloc(n + 1, sizeof *cnt);
    if (!I->start || !I->fid || !I->fstr || !cnt) {
        gmdl__free(cnt);
        gmdl__var_index_free(I);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    for (size_t f = 0; f < m->nfactors; f++)
        for (size_t k = 0; k < m->factors[f].nvars; k++)
            cnt[m->factors[f].vars[k]]++;
    for (size_t v = 0; v < n; v++)
        I->start[v + 1] = I->start[v] + cnt[v];
    memset(cnt, 0, (n + 1) * sizeof *cnt);
    for (size_t f = 0; f < m->nfactors; f++) {
        const gmdl_factor *F = &m->factors[f];
        size_t st = 1;
        for (size_t k = F->nvars; k-- > 0;) {
            uint32_t v = F->vars[k];
            I->fid[I->start[v] + cnt[v]] = (uint32_t)f;
            I->fstr[I->start[v] + cnt[v]] = st;
            cnt[v]++;
            st *= F->card[k];
        }
    }
    gmdl__free(cnt);
    return GMDL_OK;
}

void gmdl__site_logp(const gmdl_mrf *m,
                     const pgm_var_index *I,
                     size_t v,
                     const uint32_t *x,
                     double floor_lp,
                     double beta,
                     double *lp) {
    uint32_t k = m->card[v];
    for (uint32_t y = 0; y < k; y++)
        lp[y] = 0.0;
    for (size_t i = I->start[v]; i < I->start[v + 1]; i++) {
        const gmdl_factor *F = &m->factors[I->fid[i]];
        size_t idx = 0;
        for (size_t t = 0; t < F->nvars; t++)
            idx = idx * F->card[t] + (F->vars[t] == v ? 0 : x[F->vars[t]]);
        for (uint32_t y = 0; y < k; y++) {
            double l = F->logp[idx + y * I->fstr[i]];
            lp[y] += beta * (l > floor_lp ? l : floor_lp);
        }
    }
}

/* One Gibbs update of variable v (cardinality k > 1) of an MRF: samples x[v] from its full
 * conditional with log values below floor_lp raised to it (a zero-probability neighbourhood
 * moves uniformly) and leaves the conditional's probabilities in lp[0..k). Returns their sum. */
static double mrf_site(const gmdl_mrf *m,
                       const pgm_var_index *I,
                       size_t v,
                       uint32_t *x,
                       double floor_lp,
                       double *lp,
                       gmdl_rng *r) {
    uint32_t k = m->card[v];
    gmdl__site_logp(m, I, v, x, floor_lp, 1.0, lp);
    double mx = PGM_NEGINF;
    for (uint32_t y = 0; y < k; y++)
        if (lp[y] > mx)
            mx = lp[y];
    if (mx == PGM_NEGINF) { /* stuck in a zero-probability state: uniform move */
        for (uint32_t y = 0; y < k; y++)
            lp[y] = 0.0;
        mx = 0.0;
    }
    double z = 0.0;
    for (uint32_t y = 0; y < k; y++)
        z += (lp[y] = exp(lp[y] - mx));
    double u = gmdl_rng_uniform(r) * z, c = 0.0;
    uint32_t pick = k - 1;
    for (uint32_t y = 0; y < k; y++) {
        c += lp[y];
        if (u < c && lp[y] > 0.0) {
            pick = y;
            break;
        }
    }
    while (lp[pick] == 0.0 && pick > 0)
        pick--;
    x[v] = pick;
    return z;
}

gmdl_status gmdl_mrf_gibbs(double *marginals,
                           const gmdl_mrf *m,
                           const int32_t *evidence,
                           const gmdl_gibbs_config *cfg,
                           gmdl_err *err) {
    gmdl_gibbs_config dc = gmdl_gibbs_config_default();
    if (!cfg)
        cfg = &dc;
    size_t n = m->nvars;
    gmdl_status s = gmdl__check_evidence(n, m->card, evidence, err);
    if (s)
        return s;
    if (cfg->sweeps == 0)
        return gmdl__fail(err, GMDL_EINVAL, "the number of sweeps must be positive");
    pgm_var_index I = {0};
    if ((s = gmdl__var_index_build(&I, m, err)))
        return s;
    uint32_t *x = gmdl__calloc(n + 1, sizeof *x);
    size_t *off = gmdl__calloc(n + 1, sizeof *off);
    uint32_t maxk = 1;
    for (size_t v = 0; v < n; v++)
        if (m->card[v] > maxk)
            maxk = m->card[v];
    double *lp = gmdl__malloc(maxk * sizeof *lp);
    if (!x || !off || !lp) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    size_t moff = 0;
    for (size_t v = 0; v < n; v++) {
        off[v] = moff;
        moff += m->card[v];
    }
    for (size_t i = 0; i < moff; i++)
        marginals[i] = 0.0;
    gmdl_rng r;
    gmdl_rng_derive(&r, cfg->seed, GMDL_RNG_GIBBS, 0);
    for (size_t v = 0; v < n; v++)
        x[v] =
            evidence && evidence[v] >= 0 ? (uint32_t)evidence[v] : gmdl_rng_bounded(&r, m->card[v]);
    size_t total = cfg->burn_in + cfg->sweeps;
    for (size_t sweep = 0; sweep < total; sweep++) {
        int counted = sweep >= cfg->burn_in;
        /* During burn-in zeros are softened to exp(-penalty), the penalty growing from 5 to 100,
         * which walks a start state of probability zero into the support (hard constraints as in
         * CSP or Promedus); after burn-in the factors are exact. */
        double floor_lp =
            counted ? PGM_NEGINF : -(5.0 + 95.0 * (double)sweep / (double)cfg->burn_in);
        for (size_t v = 0; v < n; v++) {
            uint32_t k = m->card[v];
            if ((evidence && evidence[v] >= 0) || k == 1) {
                if (counted)
                    marginals[off[v] + x[v]] += 1.0;
                continue;
            }
            double z = mrf_site(m, &I, v, x, floor_lp, lp, &r);
            if (counted)
                for (uint32_t y = 0; y < k; y++)
                    marginals[off[v] + y] += lp[y] / z;
        }
    }
    for (size_t i = 0; i < moff; i++)
        marginals[i] /= (double)cfg->sweeps;
done:
    gmdl__var_index_free(&I);
    gmdl__free(x);
    gmdl__free(off);
    gmdl__free(lp);
    return s;
}
