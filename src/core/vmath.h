/* Vectorisable float transcendentals for the per-weight passes of the Bayesian layers (log alpha,
 * KL terms over hundreds of thousands of weights every step). libm's scalar expf/logf stop the
 * compiler from vectorising those loops, and glibc's vector versions are only used under
 * -ffast-math, which we never enable. These are branch-free (selects only) so loops calling
 * them vectorise inside GMDL_KERNEL functions.
 * Polynomials: Cephes (Moshier) expf/logf minimax coefficients with a two-part ln 2 reduction.
 * Accuracy (tests/test_vmath.c, against libm over the whole float range): about 2 ulp; special
 * values as C99: exp(NaN) = NaN, exp(+inf) = +inf, exp(-inf) = 0, log(0) = -inf, log(x<0) = NaN,
 * log(+inf) = +inf. Results below the smallest normal float are flushed to zero. */
#ifndef GMDL_VMATH_H
#define GMDL_VMATH_H

#include <stdint.h>
#include <string.h>

static inline float gmdl__as_float(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline uint32_t gmdl__as_u32(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float gmdl__expf(float x) {
    const float hi = 88.7228317f, lo = -87.3365479f; /* exp(lo) = smallest normal float */
    float xc = x > hi ? hi : x;
    xc = xc < lo ? lo : xc;
    xc = xc == xc ? xc : 0.0f; /* NaN: computed on 0, replaced below */
    /* n = round(x / ln 2) with the 1.5 * 2^23 trick (round to nearest, no libm) */
    float t = xc * 1.44269504088896341f + 12582912.0f;
    float nf = t - 12582912.0f;
    int32_t n = (int32_t)(gmdl__as_u32(t) - gmdl__as_u32(12582912.0f));
    float r = xc - nf * 0.693359375f - nf * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    /* 2^n in two halves so n = 128 does not overflow the exponent field */
    int32_t n1 = n / 2, n2 = n - n1;
    float y =
        p * gmdl__as_float((uint32_t)(n1 + 127) << 23) * gmdl__as_float((uint32_t)(n2 + 127) << 23);
    y = x > hi ? __builtin_inff() : y;
    y = x < lo ? 0.0f : y;
    return x == x ? y : x;
}

static inline float gmdl__logf(float x) {
    /* subnormals: scale by 2^23 first */
    int sub = x < 1.17549435e-38f;
    float xs = sub ? x * 8388608.0f : x;
    uint32_t u = gmdl__as_u32(xs);
    int32_t e = (int32_t)((u >> 23) & 0xffu) - 127 - (sub ? 23 : 0);
    float m = gmdl__as_float((u & 0x007fffffu) | 0x3f800000u); /* [1, 2) */
    int big = m > 1.41421356f;
    m = big ? 0.5f * m : m;
    e += big;
    float f = m - 1.0f, z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f - 1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f - 1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f - 1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f - 2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    float ef = (float)e;
    float y = f * z * p + ef * -2.12194440e-4f - 0.5f * z + f + ef * 0.693359375f;
    y = x == 0.0f ? -__builtin_inff() : y;
    y = x < 0.0f ? __builtin_nanf("") : y;
    y = x == __builtin_inff() ? x : y;
    return x == x ? y : x;
}

/* log(1 + u) for u > -1, accurate for small u: log(w) * u / (w - 1) with w = 1 + u. */
static inline float gmdl__log1pf(float u) {
    float w = 1.0f + u;
    float d = w - 1.0f;
    float l = gmdl__logf(w);
    float y = d == 0.0f ? u : l * (u / d);
    return w == __builtin_inff() ? w : y;
}

static inline float gmdl__sigmoidf(float x) {
    return 1.0f / (1.0f + gmdl__expf(-x));
}

/* softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|) */
static inline float gmdl__softplusf(float x) {
    float ax = x < 0.0f ? -x : x;
    float y = (x > 0.0f ? x : 0.0f) + gmdl__log1pf(gmdl__expf(-ax));
    return x == x ? y : x;
}

#endif
