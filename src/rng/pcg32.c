/* PCG32 (XSH-RR 64/32), implemented from O'Neill's published description; known answers
 * (seed 42, stream 54 -> 0xa15c02b7, 0x7b47f409, ...) are checked in tests/test_rng.c.
 * Stream derivation uses the SplitMix64 finaliser (Steele, Lea, Flood 2014). */
#include "common.h"
#include "gmdl/rng.h"

#define PCG_MULT 6364136223846793005ULL

static inline void step(gmdl_rng *r) {
    r->state = r->state * PCG_MULT + r->inc;
}

void gmdl_rng_seed(gmdl_rng *r, uint64_t initstate, uint64_t stream) {
    r->state = 0;
    r->inc = (stream << 1u) | 1u;
    step(r);
    r->state += initstate;
    step(r);
    r->spare = 0.0;
    r->has_spare = 0;
}

static uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

void gmdl_rng_derive(gmdl_rng *r, uint64_t seed, gmdl_rng_domain domain, uint64_t index) {
    uint64_t s = splitmix64(seed);
    s = splitmix64(s ^ ((uint64_t)domain * 0xD1B54A32D192ED03ULL));
    s = splitmix64(s ^ index);
    gmdl_rng_seed(r, s, splitmix64((uint64_t)domain));
}

uint32_t gmdl_rng_u32(gmdl_rng *r) {
    uint64_t old = r->state;
    step(r);
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

/* Brown's algorithm for LCG jump-ahead in O(log delta). */
void gmdl_rng_advance(gmdl_rng *r, uint64_t delta) {
    uint64_t cur_mult = PCG_MULT, cur_plus = r->inc, acc_mult = 1u, acc_plus = 0u;
    while (delta > 0) {
        if (delta & 1u) {
            acc_mult *= cur_mult;
            acc_plus = acc_plus * cur_mult + cur_plus;
        }
        cur_plus = (cur_mult + 1u) * cur_plus;
        cur_mult *= cur_mult;
        delta >>= 1u;
    }
    r->state = acc_mult * r->state + acc_plus;
}

uint32_t gmdl_rng_bounded(gmdl_rng *r, uint32_t n) {
    GMDL_ASSERT(n > 0);
    uint32_t threshold = (uint32_t)(-n) % n;
    for (;;) {
        uint32_t x = gmdl_rng_u32(r);
        if (x >= threshold)
            return x % n;
    }
}

double gmdl_rng_uniform(gmdl_rng *r) {
    uint64_t a = gmdl_rng_u32(r) >> 5, b = gmdl_rng_u32(r) >> 6; /* 27 + 26 bits */
    return ((double)(a * 67108864u + b) + 0.5) * (1.0 / 9007199254740992.0);
}

float gmdl_rng_uniformf(gmdl_rng *r) {
    return (float)(gmdl_rng_u32(r) >> 8) * (1.0f / 16777216.0f);
}

void gmdl_rng_shuffle_u32(gmdl_rng *r, uint32_t *idx, size_t n) {
    GMDL_ASSERT(n <= UINT32_MAX);
    for (size_t i = n; i > 1; i--) {
        uint32_t j = gmdl_rng_bounded(r, (uint32_t)i);
        uint32_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
