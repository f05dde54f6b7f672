/* Measures single-precision GEMM throughput of BLAS candidates at the shapes of LeNet-300-100
 * (batch 100) and at 2048^3, by loading each library at run time:
 *   cc -O2 bench/gemm_backends.c -ldl -o gemm_backends
 *   OMP_NUM_THREADS=2 ./gemm_backends /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
 *   OMP_NUM_THREADS=2 ./gemm_backends /usr/lib/x86_64-linux-gnu/blis-openmp/libblas.so.3
 *   OMP_NUM_THREADS=2 ./gemm_backends /usr/lib/x86_64-linux-gnu/libdnnl.so.2 dnnl
 * Prints GFLOP/s, the best of 3 timings of a few thousand calls each. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void (*cblas_sgemm_fn)(int,
                               int,
                               int,
                               int,
                               int,
                               int,
                               float,
                               const float *,
                               int,
                               const float *,
                               int,
                               float,
                               float *,
                               int);
typedef int (*dnnl_sgemm_fn)(char,
                             char,
                             long,
                             long,
                             long,
                             float,
                             const float *,
                             long,
                             const float *,
                             long,
                             float,
                             float *,
                             long);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s LIBRARY.so [dnnl]\n", argv[0]);
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    int use_dnnl = argc > 2;
    cblas_sgemm_fn sg = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
    dnnl_sgemm_fn dg = (dnnl_sgemm_fn)dlsym(h, "dnnl_sgemm");
    if ((use_dnnl && !dg) || (!use_dnnl && !sg)) {
        fprintf(stderr, "%s: no %s symbol\n", argv[1], use_dnnl ? "dnnl_sgemm" : "cblas_sgemm");
        return 1;
    }
    /* M, N, K, transA, transB: forward layer 1, weight gradient of layer 1, layer 2, input
     * gradient of layer 2, and a large square product */
    const int shapes[6][5] = {{100, 300, 784, 0, 1}, {300, 784, 100, 1, 0},
                              {100, 100, 300, 0, 1}, {100, 300, 100, 0, 0},
                              {100, 300, 100, 1, 0}, {2048, 2048, 2048, 0, 0}};
    for (int s = 0; s < 6; s++) {
        int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2], ta = shapes[s][3],
            tb = shapes[s][4];
        float *A = calloc((size_t)M * K, 4), *B = calloc((size_t)K * N, 4),
              *C = calloc((size_t)M * N, 4);
        for (long i = 0; i < (long)M * K; i++)
            A[i] = (float)(i % 7) * 0.1f;
        for (long i = 0; i < (long)K * N; i++)
            B[i] = (float)(i % 5) * 0.1f;
        int lda = ta ? M : K, ldb = tb ? K : N, reps = s == 5 ? 5 : 2000;
        double best = 1e30;
        for (int r = 0; r < 3; r++) {
            double t0 = now();
            for (int i = 0; i < reps; i++) {
                if (use_dnnl)
                    dg(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, 1.f, A, lda, B, ldb, 0.f, C, N);
                else /* CblasRowMajor = 101, NoTrans = 111, Trans = 112 */
                    sg(101, ta ? 112 : 111, tb ? 112 : 111, M, N, K, 1.f, A, lda, B, ldb, 0.f, C,
                       N);
            }
            double t = now() - t0;
            best = t < best ? t : best;
        }
        printf("%4dx%4dx%4d %c%c %7.1f GFLOP/s\n", M, N, K, ta ? 'T' : 'N', tb ? 'T' : 'N',
               2.0 * M * N * K * reps / best / 1e9);
        free(A);
        free(B);
        free(C);
    }
    return 0;
}
