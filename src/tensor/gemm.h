/* The single internal GEMM entry point (row-major float):
 *   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
 * op(A) = A (lda >= K) or A^T (A stored [K,M], lda >= M); likewise B.
 * Backend chosen at build time (GMDL_BLAS): oneDNN's dnnl_sgemm (default, fastest measured on
 * this machine class, see docs/PERFORMANCE.md), OpenBLAS cblas_sgemm, or the naive reference.
 * Threads: the backend uses the OpenMP team size (omp_set_num_threads); call it outside parallel
 * regions. gmdl__gemm_ref is the always-compiled naive reference, the oracle of the tests. */
#ifndef GMDL_GEMM_H
#define GMDL_GEMM_H

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
                int ldc);
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
                    int ldc);

#endif
