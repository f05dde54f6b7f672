/* gmdl MCMC diagnostics: autocorrelation, integrated autocorrelation time, effective sample size,
 * split R-hat and Monte Carlo standard error, for one scalar quantity drawn by one or more chains.
 *
 * Draws are passed as x[c * n + i]: chain c (0..chains-1), iteration i (0..n-1), all chains of
 * equal length. Autocovariances are computed by FFT (zero-padded to a power of two >= 2n), and the
 * autocorrelation sum is truncated by Geyer's (1992) initial monotone sequence, as in Stan and
 * Vehtari, Gelman, Simpson, Carpenter and Buerkner (2021), "Rank-normalization, folding and
 * localization: an improved R-hat", Bayesian Analysis 16(2). These functions only read their input
 * and allocate scratch through the allocator hook; they depend on nothing but core.
 * Threads: every function may be called from several threads at once. */
#ifndef GMDL_DIAG_H
#define GMDL_DIAG_H

#include "gmdl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Normalised autocorrelation rho[0..n-1] of one series (rho[0] = 1; biased autocovariance
 * estimator, divided by n). A constant series gives rho = 1 at lag 0 and 0 elsewhere.
 * @param[in] x  series [n], borrowed; @param[out] rho [n]. Statuses: EINVAL (n < 2), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_diag_autocorr(double *rho, const double *x, size_t n);

/* Integrated autocorrelation time of one chain, tau = 1 + 2 sum_{k>=1} rho_k, with the sum
 * truncated by Geyer's initial monotone sequence. ESS of that chain = n / tau.
 * Statuses: EINVAL (n < 4), ENOMEM. A constant series gives tau = 1. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_diag_tau(double *tau, const double *x, size_t n);

/* Multi-chain effective sample size of the mean (Stan's ess_basic on split chains: each chain is
 * halved, and the combined autocorrelation uses the between-chain variance, BDA3 11.5). Capped at
 * chains * n * log10(chains * n) as Stan does. Statuses: EINVAL (n < 4), ENOMEM.
 * A quantity with zero variance gives ESS = chains * n. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_diag_ess(double *ess,
                                                  const double *x,
                                                  size_t chains,
                                                  size_t n);

/* Bulk ESS: gmdl_diag_ess of the rank-normalised draws (ranks over all chains, average ranks for
 * ties, z = Phi^-1((r - 3/8) / (S + 1/4))), Vehtari et al. (2021). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_diag_ess_bulk(double *ess,
                                                       const double *x,
                                                       size_t chains,
                                                       size_t n);

/* Tail ESS (Vehtari et al. 2021): the smaller of the ESS of the indicators I(x <= q05) and
 * I(x <= q95), q the 5% and 95% quantiles over all draws. Statuses: EINVAL (n < 8), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_diag_ess_tail(double *ess,
                                                       const double *x,
                                                       size_t chains,
                                                       size_t n);

/* Rank-normalised split R-hat (Vehtari et al. 2021): the larger of the split R-hat of the
 * rank-normalised draws (bulk) and of the rank-normalised folded draws |x - median| (tails).
 * The usual threshold is 1.01. Statuses: EINVAL (n < 8), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_diag_rhat_rank(double *rhat,
                                                        const double *x,
                                                        size_t chains,
                                                        size_t n);

/* Split R-hat (BDA3 eq. 11.4 on chains split in halves): sqrt(var_plus / W). Values near 1 mean the
 * chains agree; 1.01 is the usual threshold. Returns 1 for a quantity with zero variance.
 * Statuses: EINVAL (n < 4). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_diag_rhat(double *rhat,
                                                   const double *x,
                                                   size_t chains,
                                                   size_t n);

/* Summary of one quantity: mean, sd (over all draws), ESS (gmdl_diag_ess), bulk ESS, tau
 * (= chains * n / ess), split R-hat, MCSE of the mean (sd / sqrt(ess)), tail ESS and the
 * rank-normalised R-hat. */
typedef struct gmdl_diag_summary {
    double mean, sd, ess, ess_bulk, tau, rhat, mcse;
    double ess_tail, rhat_rank;
} gmdl_diag_summary;

GMDL_API GMDL_NODISCARD gmdl_status gmdl_diag_summarize(gmdl_diag_summary *out,
                                                        const double *x,
                                                        size_t chains,
                                                        size_t n);

/* Inverse of the standard normal CDF (Wichura 1988, AS 241, ~1e-16 relative accuracy); p in (0,1),
 * returns -inf/+inf at 0/1 and NaN outside [0, 1]. */
GMDL_API double gmdl_diag_norm_quantile(double p);

#ifdef __cplusplus
}
#endif
#endif
