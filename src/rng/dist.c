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
