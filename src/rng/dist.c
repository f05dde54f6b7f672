/* Distributions on top of PCG32: normal (Box-Muller), gamma (Marsaglia-Tsang 2000),
 * beta, Dirichlet, exponential, Bernoulli, categorical. All in double precision. */
#include "common.h"
#include "gmdl/rng.h"

double gmdl_rng_normal(gmdl_rng *r) {
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1 = gmdl_rng_uniform(r), u2 = gmdl_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
    r->spare = rad * sin(th);
    r->has_spare = 1;
    return rad * cos(th);
}

int gmdl_rng_bernoulli(gmdl_rng *r, double p) {
    return gmdl_rng_uniform(r) < p;
}

size_t gmdl_rng_categorical(gmdl_rng *r, const double *p, size_t n) {
    GMDL_ASSERT(n > 0);
    double total = 0.0;
    for (size_t i = 0; i < n; i++)
        total += p[i];
    double u = gmdl_rng_uniform(r) * total, c = 0.0;
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] <= 0.0)
            continue;
        c += p[i];
        last = i;
        if (u < c)
            return i;
    }
    return last; /* rounding: u landed at the very top */
}

double gmdl_rng_exponential(gmdl_rng *r) {
    return -log(gmdl_rng_uniform(r));
}

double gmdl_rng_gamma(gmdl_rng *r, double shape) {
    GMDL_ASSERT(shape > 0.0);
    if (shape < 1.0) {
        /* Gamma(a) = Gamma(a + 1) * U^(1/a) */
        double g = gmdl_rng_gamma(r, shape + 1.0);
        return g * pow(gmdl_rng_uniform(r), 1.0 / shape);
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = gmdl_rng_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = gmdl_rng_uniform(r);
        if (u < 1.0 - 0.0331 * x * x * x * x)
            return d * v;
        if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v;
    }
}

double gmdl_rng_beta(gmdl_rng *r, double a, double b) {
    double x = gmdl_rng_gamma(r, a), y = gmdl_rng_gamma(r, b);
    return x / (x + y);
}

void gmdl_rng_dirichlet(gmdl_rng *r, const double *alpha, size_t n, double *out) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        out[i] = gmdl_rng_gamma(r, alpha[i]);
        s += out[i];
    }
    for (size_t i = 0; i < n; i++)
        out[i] /= s;
}

#include "core/vmath.h"

/* Box-Muller on a block: u1 in (0, 1] from 24 bits, the angle from 2 quadrant bits and 22 bits
 * for an offset in [-pi/4, pi/4); sin/cos by Cephes polynomials on that interval. */
GMDL_KERNEL
static void box_muller_block(const uint32_t *restrict b1,
                             const uint32_t *restrict b2,
                             float *restrict out,
                             size_t pairs) {
    for (size_t i = 0; i < pairs; i++) {
        float u1 = (float)((b1[i] >> 8) + 1u) * (1.0f / 16777216.0f);
        float rad = sqrtf(-2.0f * gmdl__logf(u1));
        uint32_t q = b2[i] >> 30;
        float x = ((float)(b2[i] & 0x3fffffu) * (1.0f / 4194304.0f) - 0.5f) * 1.57079632679f;
        float z = x * x;
        float s = x + x * z * (-1.6666654611e-1f + z * (8.3321608736e-3f + z * -1.9515295891e-4f));
        float c =
            1.0f - 0.5f * z +
            z * z *
                (4.166664568298827e-2f + z * (-1.388731625493765e-3f + z * 2.443315711809948e-5f));
        /* rotate (c, s) by q quarter turns */
        float cq = q == 0 ? c : q == 1 ? -s : q == 2 ? -c : s;
        float sq = q == 0 ? s : q == 1 ? c : q == 2 ? -s : -c;
        out[2 * i] = rad * cq;
        out[2 * i + 1] = rad * sq;
    }
}

void gmdl_rng_normal_fill(gmdl_rng *r, float *out, size_t n) {
    enum { BLOCK = 256 };
    uint32_t b1[BLOCK], b2[BLOCK];
    float tmp[2 * BLOCK];
    size_t done = 0;
    while (done < n) {
        size_t pairs = (n - done + 1) / 2;
        if (pairs > BLOCK)
            pairs = BLOCK;
        for (size_t i = 0; i < pairs; i++) {
            b1[i] = gmdl_rng_u32(r);
            b2[i] = gmdl_rng_u32(r);
        }
        size_t take = 2 * pairs < n - done ? 2 * pairs : n - done;
        if (take == 2 * pairs) {
            box_muller_block(b1, b2, out + done, pairs);
        } else {
            box_muller_block(b1, b2, tmp, pairs);
            memcpy(out + done, tmp, take * sizeof(float));
        }
        done += take;
    }
}
