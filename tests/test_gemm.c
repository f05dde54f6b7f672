/* The GEMM entry point against its naive reference: all transpose combinations, odd shapes
 * (1, primes, sizes that are not multiples of any vector width), alpha/beta, leading dimensions
 * larger than the matrix, and K = 0. */
#include "common.h"
#include "gmdl/rng.h"
#include "harness.h"
#include "tensor/gemm.h"

int main(void) {
    gmdl_rng r;
    gmdl_rng_seed(&r, th_seed(99), 5);
    const int sizes[] = {1, 2, 7, 13, 31, 64, 97, 130};
    const int ns = sizeof sizes / sizeof sizes[0];
    int cases = 0;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int a = 0; a < ns; a++)
                for (int b = 0; b < ns; b += 2)
                    for (int c = 1; c < ns; c += 3) {
                        int M = sizes[a], N = sizes[b], K = sizes[c];
                        int lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 2;
                        size_t na = (size_t)(ta ? K : M) * lda, nb = (size_t)(tb ? N : K) * ldb;
                        float *A = malloc(na * 4), *B = malloc(nb * 4);
                        float *C = malloc((size_t)M * ldc * 4), *Cr = malloc((size_t)M * ldc * 4);
                        for (size_t i = 0; i < na; i++)
                            A[i] = (float)gmdl_rng_normal(&r);
                        for (size_t i = 0; i < nb; i++)
                            B[i] = (float)gmdl_rng_normal(&r);
                        for (size_t i = 0; i < (size_t)M * ldc; i++)
                            C[i] = Cr[i] = (float)gmdl_rng_normal(&r);
                        float alpha = 0.75f, beta = (a + b) % 2 ? 0.0f : 1.5f;
                        gmdl__gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
                        gmdl__gemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, Cr, ldc);
                        double maxerr = 0;
                        for (int i = 0; i < M; i++)
                            for (int j = 0; j < N; j++) {
                                double e = fabs((double)C[i * ldc + j] - (double)Cr[i * ldc + j]) /
                                           (1e-4 + 1e-5 * sqrt((double)K) * 10 +
                                            1e-5 * fabs((double)Cr[i * ldc + j]));
                                maxerr = e > maxerr ? e : maxerr;
                            }
                        if (maxerr > 1.0)
                            fprintf(stderr, "gemm mismatch ta=%d tb=%d M=%d N=%d K=%d\n", ta, tb, M,
                                    N, K);
                        CHECK(maxerr <= 1.0);
                        /* the padding columns of C are untouched */
                        for (int i = 0; i < M; i++)
                            CHECK(C[i * ldc + N] == Cr[i * ldc + N]);
                        free(A);
                        free(B);
                        free(C);
                        free(Cr);
                        cases++;
                    }
    /* K = 0: C = beta C */
    float C0[4] = {1, 2, 3, 4}, dummy = 0;
    gmdl__gemm(0, 0, 2, 2, 0, 1.0f, &dummy, 1, &dummy, 2, 2.0f, C0, 2);
    CHECK(C0[0] == 2 && C0[3] == 8);
    gmdl__gemm(0, 0, 2, 2, 0, 1.0f, &dummy, 1, &dummy, 2, 0.0f, C0, 2);
    CHECK(C0[0] == 0 && C0[3] == 0);
    printf("backend %s, %d shapes\n", gmdl_gemm_backend(), cases);
    TEST_MAIN_END();
}
