/* gmdl random numbers: PCG32 (O'Neill 2014, XSH-RR output, 64-bit LCG state, odd increment
 * selecting one of 2^63 streams), passed explicitly as a value struct. There is no global RNG.
 *
 * Sub-streams are derived from (master seed, domain, index) so that every consumer (weight
 * initialisation, shuffling, the dropout mask of sample n at step t, chain k of an MCMC run) gets
 * its own reproducible stream, independent of the number of threads. The spare normal of the
 * Box-Muller pair is cached inside the struct, so saving the struct saves the whole state.
 * Threads: a generator is a value owned by its caller: one thread per gmdl_rng, no shared state. */
#ifndef GMDL_RNG_H
#define GMDL_RNG_H

#include "gmdl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gmdl_rng {
    uint64_t state;
    uint64_t inc; /* always odd */
    double spare; /* cached second Box-Muller normal */
    int has_spare;
} gmdl_rng;

/* Consumers of randomness; each domain is its own family of streams. */
typedef enum {
    GMDL_RNG_INIT = 1,
    GMDL_RNG_SHUFFLE,
    GMDL_RNG_DROPOUT,
    GMDL_RNG_REPARAM_EPS,
    GMDL_RNG_SGLD_NOISE,
    GMDL_RNG_MCMC_CHAIN,
    GMDL_RNG_GIBBS,
    GMDL_RNG_EM_INIT,
    GMDL_RNG_DATA_SYNTH,
    GMDL_RNG_SAMPLING,
    GMDL_RNG_STRUCTURE /* random restarts of structure learning (pgm) */
} gmdl_rng_domain;

/* pcg32_srandom_r: seed with an initial state and a stream selector. */
GMDL_API void gmdl_rng_seed(gmdl_rng *r, uint64_t initstate, uint64_t stream);
/* Stream for (seed, domain, index), mixed by SplitMix64. */
GMDL_API void gmdl_rng_derive(gmdl_rng *r, uint64_t seed, gmdl_rng_domain domain, uint64_t index);
/* Uniform 32-bit integer. */
GMDL_API uint32_t gmdl_rng_u32(gmdl_rng *r);
/* Jump the generator by delta steps (delta may be "negative" modulo 2^64). */
GMDL_API void gmdl_rng_advance(gmdl_rng *r, uint64_t delta);
/* Unbiased integer in [0, n), n >= 1 (rejection, never modulo bias). */
GMDL_API uint32_t gmdl_rng_bounded(gmdl_rng *r, uint32_t n);
/* Uniform double in the open interval (0, 1), 53 random bits; safe for log(). */
GMDL_API double gmdl_rng_uniform(gmdl_rng *r);
/* Uniform float in [0, 1), 24 random bits. */
GMDL_API float gmdl_rng_uniformf(gmdl_rng *r);
/* Standard normal (Box-Muller in double, spare cached). */
GMDL_API double gmdl_rng_normal(gmdl_rng *r);
/* 1 with probability p. */
GMDL_API int gmdl_rng_bernoulli(gmdl_rng *r, double p);
/* Index i with probability p[i] / sum(p); p non-negative, not all zero. */
GMDL_API size_t gmdl_rng_categorical(gmdl_rng *r, const double *p, size_t n);
/* Exponential with rate 1. */
GMDL_API double gmdl_rng_exponential(gmdl_rng *r);
/* Gamma(shape, 1), shape > 0 (Marsaglia and Tsang 2000; shape < 1 by the U^(1/a) boost). */
GMDL_API double gmdl_rng_gamma(gmdl_rng *r, double shape);
/* Beta(a, b) from two gammas. */
GMDL_API double gmdl_rng_beta(gmdl_rng *r, double a, double b);
/* Dirichlet(alpha[0..n-1]) into out. */
GMDL_API void gmdl_rng_dirichlet(gmdl_rng *r, const double *alpha, size_t n, double *out);
/* n standard normal floats, fast: Box-Muller in float with vectorised log, sqrt and sin/cos
 * polynomials, 24 random bits per uniform (so |z| <= 5.77: tails beyond that, probability
 * 8e-9, are not produced). For reparameterisation noise in bulk; gmdl_rng_normal is exact. */
GMDL_API void gmdl_rng_normal_fill(gmdl_rng *r, float *out, size_t n);
/* Fisher-Yates shuffle of idx[0..n-1]. */
GMDL_API void gmdl_rng_shuffle_u32(gmdl_rng *r, uint32_t *idx, size_t n);

#ifdef __cplusplus
}
#endif
#endif
