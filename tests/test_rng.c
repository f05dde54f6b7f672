/* rng: PCG32 known answers, advance round trip, stream derivation, distribution moments and
 * chi-square tests with bounds set from the sample size. */
#include "gmdl/rng.h"
#include "harness.h"

int main(void) {
    gmdl_rng r;
    /* pcg32 reference (pcg32-demo, seed 42, stream 54) */
    gmdl_rng_seed(&r, 42u, 54u);
    const uint32_t want[6] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                              0x83d2f293, 0xbfa4784b, 0xcbed606e};
    for (int i = 0; i < 6; i++)
        CHECK_EQ(gmdl_rng_u32(&r), want[i]);
    /* advance: back 6 steps regenerates the same values; forward n equals n draws */
    gmdl_rng_advance(&r, (uint64_t)-6);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(gmdl_rng_u32(&r), want[i]);
    gmdl_rng a, b;
    gmdl_rng_seed(&a, 7, 3);
    b = a;
    for (int i = 0; i < 1000; i++)
        gmdl_rng_u32(&a);
    gmdl_rng_advance(&b, 1000);
    CHECK_EQ(gmdl_rng_u32(&a), gmdl_rng_u32(&b));

    /* derivation: reproducible, and different streams differ */
    gmdl_rng_derive(&a, 1, GMDL_RNG_DROPOUT, 5);
    gmdl_rng_derive(&b, 1, GMDL_RNG_DROPOUT, 5);
    CHECK_EQ(gmdl_rng_u32(&a), gmdl_rng_u32(&b));
    gmdl_rng_derive(&b, 1, GMDL_RNG_DROPOUT, 6);
    gmdl_rng c;
    gmdl_rng_derive(&c, 1, GMDL_RNG_SHUFFLE, 5);
    uint32_t va = gmdl_rng_u32(&a), vb = gmdl_rng_u32(&b), vc = gmdl_rng_u32(&c);
    CHECK(va != vb && va != vc && vb != vc);

    uint64_t seed = th_seed(2024);
    gmdl_rng_seed(&r, seed, 11);
    const int N = 200000;
    /* uniform: open interval, mean 1/2, var 1/12 */
    double s = 0, s2 = 0, mn = 1, mx = 0;
    for (int i = 0; i < N; i++) {
        double u = gmdl_rng_uniform(&r);
        s += u;
        s2 += u * u;
        mn = u < mn ? u : mn;
        mx = u > mx ? u : mx;
    }
    CHECK(mn > 0.0 && mx < 1.0);
    CHECK_NEAR(s / N, 0.5, 5 * sqrt(1.0 / 12 / N), 0);
    CHECK_NEAR(s2 / N - (s / N) * (s / N), 1.0 / 12, 0.002, 0);
    /* normal: mean 0, variance 1, fourth moment 3 */
    double m1 = 0, m2 = 0, m4 = 0;
    for (int i = 0; i < N; i++) {
        double z = gmdl_rng_normal(&r);
        m1 += z;
        m2 += z * z;
        m4 += z * z * z * z;
    }
    CHECK_NEAR(m1 / N, 0.0, 5 / sqrt(N), 0);
    CHECK_NEAR(m2 / N, 1.0, 5 * sqrt(2.0 / N), 0);
    CHECK_NEAR(m4 / N, 3.0, 5 * sqrt(96.0 / N), 0);
    /* gamma(shape): mean = var = shape, for shape < 1 and > 1 */
    const double shapes[3] = {0.3, 1.0, 4.5};
    for (int k = 0; k < 3; k++) {
        double g1 = 0, g2 = 0;
        for (int i = 0; i < N; i++) {
            double g = gmdl_rng_gamma(&r, shapes[k]);
            g1 += g;
            g2 += g * g;
        }
        double mean = g1 / N, var = g2 / N - mean * mean;
        CHECK_NEAR(mean, shapes[k], 5 * sqrt(shapes[k] / N), 0);
        CHECK_NEAR(var, shapes[k], 0.05 * shapes[k] + 0.01, 0);
    }
    /* beta(2, 5): mean 2/7 */
    double bsum = 0;
    for (int i = 0; i < N; i++)
        bsum += gmdl_rng_beta(&r, 2, 5);
    CHECK_NEAR(bsum / N, 2.0 / 7, 0.003, 0);
    /* dirichlet sums to one */
    double alpha[4] = {0.5, 1, 2, 3}, out[4];
    gmdl_rng_dirichlet(&r, alpha, 4, out);
    CHECK_NEAR(out[0] + out[1] + out[2] + out[3], 1.0, 1e-12, 0);
    /* bounded and categorical: chi-square with 6 degrees of freedom, 99.9% quantile 22.46 */
    long cnt[7] = {0};
    for (int i = 0; i < N; i++)
        cnt[gmdl_rng_bounded(&r, 7)]++;
    double chi = 0;
    for (int i = 0; i < 7; i++)
        chi += (cnt[i] - N / 7.0) * (cnt[i] - N / 7.0) / (N / 7.0);
    CHECK(chi < 22.46);
    double p[7] = {1, 2, 3, 0, 4, 5, 6}, tot = 21;
    long cc[7] = {0};
    for (int i = 0; i < N; i++)
        cc[gmdl_rng_categorical(&r, p, 7)]++;
    CHECK_EQ(cc[3], 0);
    chi = 0;
    for (int i = 0; i < 7; i++)
        if (p[i] > 0)
            chi += (cc[i] - N * p[i] / tot) * (cc[i] - N * p[i] / tot) / (N * p[i] / tot);
    CHECK(chi < 20.52); /* 5 degrees of freedom, 99.9% */
    /* bernoulli */
    long hits = 0;
    for (int i = 0; i < N; i++)
        hits += gmdl_rng_bernoulli(&r, 0.3);
    CHECK_NEAR((double)hits / N, 0.3, 5 * sqrt(0.21 / N), 0);
    /* shuffle is a permutation */
    uint32_t perm[1000];
    for (uint32_t i = 0; i < 1000; i++)
        perm[i] = i;
    gmdl_rng_shuffle_u32(&r, perm, 1000);
    int seen[1000] = {0}, moved = 0;
    for (int i = 0; i < 1000; i++) {
        seen[perm[i]]++;
        moved += perm[i] != (uint32_t)i;
    }
    int ok = 1;
    for (int i = 0; i < 1000; i++)
        ok &= seen[i] == 1;
    CHECK(ok);
    CHECK(moved > 900);
    /* fast normal fill: moments, symmetry, tail mass, reproducibility, odd lengths */
    {
        size_t M = 1000001;
        float *z = malloc(M * sizeof(float));
        gmdl_rng f1;
        gmdl_rng_seed(&f1, 5, 6);
        gmdl_rng_normal_fill(&f1, z, M);
        double z1 = 0, z2 = 0, z4 = 0;
        long over2 = 0, neg = 0;
        for (size_t i = 0; i < M; i++) {
            double v = z[i];
            z1 += v;
            z2 += v * v;
            z4 += v * v * v * v;
            over2 += fabs(v) > 2.0;
            neg += v < 0;
        }
        CHECK_NEAR(z1 / M, 0.0, 5 / sqrt((double)M), 0);
        CHECK_NEAR(z2 / M, 1.0, 5 * sqrt(2.0 / M), 0);
        CHECK_NEAR(z4 / M, 3.0, 5 * sqrt(96.0 / M), 0);
        CHECK_NEAR((double)over2 / M, 0.0455003, 5 * sqrt(0.0455 / M), 0);
        CHECK_NEAR((double)neg / M, 0.5, 5 * sqrt(0.25 / M), 0);
        float again[7];
        gmdl_rng_seed(&f1, 5, 6);
        gmdl_rng_normal_fill(&f1, again, 7);
        CHECK(memcmp(again, z, sizeof again) == 0);
        free(z);
    }
    /* exponential mean 1 */
    double es = 0;
    for (int i = 0; i < N; i++)
        es += gmdl_rng_exponential(&r);
    CHECK_NEAR(es / N, 1.0, 5 / sqrt(N), 0);
    TEST_MAIN_END();
}
