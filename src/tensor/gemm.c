/* GEMM dispatch and the naive reference. */
#include "tensor/gemm.h"

#include "common.h"

#if defined(GMDL_GEMM_DNNL)
#include <dnnl.h>
#elif defined(GMDL_GEMM_CBLAS)
#include <cblas.h>
#endif

void gmdl__gemm_ref(int trans_a,
                    int trans_b,
                    int M,
                    int N,
                    int K,
                    float alpha,
                    const float *A,
                    int lda,
                    const float *B,
                    int ldb,
                    float beta,
                    float *C,
                    int ldc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int k = 0; k < K; k++) {
                float a = trans_a ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                float b = trans_b ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                s += (double)a * (double)b;
            }
            float *c = &C[(size_t)i * ldc + j];
            *c = (float)((double)alpha * s + (beta == 0.0f ? 0.0 : (double)beta * (double)*c));
        }
}

void gmdl__gemm(int trans_a,
                int trans_b,
                int M,
                int N,
                int K,
                float alpha,
                const float *A,
                int lda,
                const float *B,
                int ldb,
                float beta,
                float *C,
                int ldc) {
    if (M <= 0 || N <= 0)
        return;
    if (K <= 0) { /* C = beta * C; BLAS semantics */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
                C[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j];
        return;
    }
#if defined(GMDL_GEMM_DNNL)
    dnnl_status_t st = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', M, N, K, alpha, A, lda,
                                  B, ldb, beta, C, ldc);
    GMDL_ASSERT(st == dnnl_success);
#elif defined(GMDL_GEMM_CBLAS)
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    gmdl__gemm_ref(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

const char *gmdl_gemm_backend(void) {
#if defined(GMDL_GEMM_DNNL)
    return "dnnl";
#elif defined(GMDL_GEMM_CBLAS)
    return "openblas";
#else
    return "naive";
#endif
}
