/* Annealed importance sampling (Neal 2001) for log Z of an MRF (gmdl_mrf_ais): chains start
 * uniform over the free variables and anneal to the model through the inverse temperatures
 * beta = (t / T)^3, one Gibbs sweep per temperature; zeros are softened to exp(AIS_FLOOR) until
 * the last step, which weighs the exact factors against the softened ones. */
#include "pgm_internal.h"

#define AIS_FLOOR (-50.0) /* log of the value that stands for a zero before the last step */

/* Sum over all factors of the (softened) log value at x. */
static double soft_energy(const gmdl_mrf *m, const uint32_t *x, double *exact) {
    double s = 0.0, e = 0.0;
    for (size_t f = 0; f < m->nfactors; f++) {
        const gmdl_factor *F = &m->factors[f];
        size_t idx = 0;
        for (size_t k = 0; k < F->nvars; k++)
            idx = idx * F->card[k] + x[F->vars[k]];
        double l = F->logp[idx];
        e += l;
        s += l > AIS_FLOOR ? l : AIS_FLOOR;
    }
    *exact = e;
    return s;
}

/* One Gibbs sweep at inverse temperature beta on the softened factors. */
static void ais_sweep(const gmdl_mrf *m,
                      const pgm_var_index *I,
                      const int32_t *evidence,
                      double beta,
                      uint32_t *x,
                      double *lp,
                      gmdl_rng *r) {
    for (size_t v = 0; v < m->nvars; v++) {
        uint32_t k = m->card[v];
        if ((evidence && evidence[v] >= 0) || k == 1)
            continue;
        gmdl__site_logp(m, I, v, x, AIS_FLOOR, beta, lp);
        double mx = lp[0];
        for (uint32_t y = 1; y < k; y++)
            if (lp[y] > mx)
                mx = lp[y];
        double z = 0.0;
        for (uint32_t y = 0; y < k; y++)
            z += (lp[y] = exp(lp[y] - mx));
        double uu = gmdl_rng_uniform(r) * z, cum = 0.0;
        uint32_t pick = k - 1;
        for (uint32_t y = 0; y < k; y++) {
            cum += lp[y];
            if (uu < cum) {
                pick = y;
                break;
            }
        }
        x[v] = pick;
    }
}

/* The log importance weight of chain c (temps temperatures); x and lp are scratch. */
static double ais_chain(const gmdl_mrf *m,
                        const pgm_var_index *I,
                        const int32_t *evidence,
                        uint64_t seed,
                        size_t c,
                        size_t temps,
                        uint32_t *x,
                        double *lp) {
    gmdl_rng r;
    gmdl_rng_derive(&r, seed, GMDL_RNG_GIBBS, 1 + c);
    for (size_t v = 0; v < m->nvars; v++)
        x[v] =
            evidence && evidence[v] >= 0 ? (uint32_t)evidence[v] : gmdl_rng_bounded(&r, m->card[v]);
    double w = 0.0, beta_prev = 0.0, exact;
    for (size_t t = 1; t <= temps; t++) {
        double u = (double)t / (double)temps, beta = u * u * u;
        w += (beta - beta_prev) * soft_energy(m, x, &exact);
        beta_prev = beta;
        ais_sweep(m, I, evidence, beta, x, lp, &r);
    }
    /* last step: from the softened factors to the exact ones */
    double soft = soft_energy(m, x, &exact);
    return w + (exact == PGM_NEGINF ? PGM_NEGINF : exact - soft);
}

gmdl_status gmdl_mrf_ais(double *log_z,
                         double *ess,
                         const gmdl_mrf *m,
                         const int32_t *evidence,
                         const gmdl_gibbs_config *cfg,
                         size_t chains,
                         gmdl_err *err) {
    gmdl_gibbs_config dc = gmdl_gibbs_config_default();
    if (!cfg)
        cfg = &dc;
    size_t n = m->nvars;
    gmdl_status s = gmdl__check_evidence(n, m->card, evidence, err);
    if (s)
        return s;
    if (chains == 0 || cfg->sweeps < chains)
        return gmdl__fail(err, GMDL_EINVAL,
                          "annealed importance sampling needs at least one "
                          "sweep per chain (%zu sweeps, %zu chains)",
                          cfg->sweeps, chains);
    size_t temps = cfg->sweeps / chains;
    pgm_var_index I = {0};
    if ((s = gmdl__var_index_build(&I, m, err)))
        return s;
    uint32_t maxk = 1;
    for (size_t v = 0; v < n; v++)
        if (m->card[v] > maxk)
            maxk = m->card[v];
    uint32_t *x = gmdl__malloc((n + 1) * sizeof *x);
    double *lp = gmdl__malloc(maxk * sizeof *lp), *lw = gmdl__malloc(chains * sizeof *lw);
    if (!x || !lp || !lw) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    double log_z0 = 0.0; /* the uniform start over the free variables */
    for (size_t v = 0; v < n; v++)
        if (!(evidence && evidence[v] >= 0))
            log_z0 += log((double)m->card[v]);
    for (size_t c = 0; c < chains; c++)
        lw[c] = ais_chain(m, &I, evidence, cfg->seed, c, temps, x, lp);
    double mx = PGM_NEGINF;
    for (size_t c = 0; c < chains; c++)
        if (lw[c] > mx)
            mx = lw[c];
    if (mx == PGM_NEGINF) {
        s = gmdl__fail(err, GMDL_ENOCONV,
                       "annealed importance sampling: every chain ended in a "
                       "state of probability zero");
        goto done;
    }
    double sw = 0.0, sw2 = 0.0;
    for (size_t c = 0; c < chains; c++) {
        double wc = exp(lw[c] - mx);
        sw += wc;
        sw2 += wc * wc;
    }
    *log_z = log_z0 + mx + log(sw / (double)chains);
    if (ess)
        *ess = sw * sw / sw2;
done:
    gmdl__var_index_free(&I);
    gmdl__free(x);
    gmdl__free(lp);
    gmdl__free(lw);
    return s;
}
