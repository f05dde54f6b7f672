/* Pathwise (reparameterisation) and score-function estimators of the gradient of a Gaussian
 * expectation with respect to its mean (ALGORITHMS.md 6.2; Kingma & Welling 2014, Williams 1992).
 * With z = mu + sigma eps:  d/dmu E[f(z)] = E[f'(mu + sigma eps)] = E[f(z) d/dmu log N(z; mu,
 * sigma^2)] = E[f(z) (z - mu) / sigma^2]. The VAE trains with the first; the comparison of their
 * variances is the talk's argument for it. */
#include "latent/latent_internal.h"

gmdl_status gmdl_grad_estimates(double *pathwise,
                                double *score,
                                size_t n,
                                gmdl_scalar_fn f,
                                void *user,
                                double mu,
                                double sigma,
                                uint64_t seed,
                                gmdl_err *err) {
    if (n == 0 || !(sigma > 0) || !isfinite(mu) || !f)
        return gmdl__fail(err, GMDL_EINVAL,
                          "gradient estimates need n >= 1, sigma > 0, a finite mu and f");
    gmdl_rng r;
    gmdl_rng_derive(&r, seed, GMDL_RNG_REPARAM_EPS, 0);
    for (size_t i = 0; i < n; i++) {
        double e = gmdl_rng_normal(&r), z = mu + sigma * e, d = 0.0, fz = f(z, &d, user);
        if (!isfinite(fz) || !isfinite(d))
            return gmdl__fail(err, GMDL_ENUMERIC, "f(%g) or f'(%g) is not finite", z, z);
        if (pathwise)
            pathwise[i] = d;
        if (score)
            score[i] = fz * (z - mu) / (sigma * sigma);
    }
    return GMDL_OK;
}
