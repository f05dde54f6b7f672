/* Fully connected layer: y = x W^T + b.
 *   x  in  [N, D]    W (weight) [K, D] (out, in, as PyTorch)    b (bias) [K]    y out [N, K]
 * backward (accumulating): dW += dy^T x  [K, D];  db += sum_n dy;  dx += dy W  [N, D].
 * Initialisation as PyTorch's nn.Linear: W, b ~ U(-1/sqrt(D), 1/sqrt(D)). */
#include "nn/layer.h"
#include "tensor/gemm.h"

static gmdl_status dense_setup(gmdl__layer *l, gmdl_err *err) {
    if (l->units < 1)
        return gmdl__fail(err, GMDL_EINVAL, "layer %s: dense layer needs at least 1 unit", l->name);
    l->out_c = l->units;
    l->out_h = l->out_w = 1;
    l->out_size = (size_t)l->units;
    l->cnhw_out = 0;
    uint64_t wd[2] = {(uint64_t)l->units, l->in_size}, bd[1] = {(uint64_t)l->units};
    gmdl__layer_param(l, 0, "weight", 2, wd);
    gmdl__layer_param(l, 1, "bias", 1, bd);
    return GMDL_OK;
}

static void dense_init(gmdl__layer *l, gmdl_rng *rng) {
    gmdl__init_uniform_fanin(l, rng, l->in_size);
}

GMDL_KERNEL
static void
add_bias_rows(float *restrict y, const float *restrict b, size_t lo, size_t hi, size_t K) {
    for (size_t n = lo; n < hi; n++)
        for (size_t k = 0; k < K; k++)
            y[n * K + k] += b[k];
}

/* db[k] += sum_n dy[n, k] for columns k in [lo, hi), summed in row order. */
GMDL_KERNEL
static void
sum_cols(const float *restrict dy, float *restrict db, size_t N, size_t K, size_t lo, size_t hi) {
    for (size_t n = 0; n < N; n++)
        for (size_t k = lo; k < hi; k++)
            db[k] += dy[n * K + k];
}

void gmdl__dense_add_bias(float *y, const float *b, int N, int K) {
#ifdef _OPENMP
#pragma omp parallel if ((size_t)N * K > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)N, 1, &lo, &hi);
        add_bias_rows(y, b, lo, hi, (size_t)K);
    }
}

static void dense_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const int D = (int)l->in_size, K = l->units, N = a->n;
    gmdl__gemm(0, 1, N, K, D, 1.0f, a->x, D, l->param[0].p, D, 0.0f, a->y, K);
    gmdl__dense_add_bias(a->y, l->param[1].p, N, K);
}

static void dense_backward(gmdl__layer *l, const gmdl__bwd *a) {
    const int D = (int)l->in_size, K = l->units, N = a->n;
    gmdl__gemm(1, 0, K, D, N, 1.0f, a->dy, K, a->x, D, 1.0f, l->param[0].g, D);
#ifdef _OPENMP
#pragma omp parallel if ((size_t)N * K > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)K, 16, &lo, &hi);
        sum_cols(a->dy, l->param[1].g, (size_t)N, (size_t)K, lo, hi);
    }
    if (a->dx)
        gmdl__gemm(0, 0, N, D, K, 1.0f, a->dy, K, l->param[0].p, D, a->accumulate ? 1.0f : 0.0f,
                   a->dx, D);
}

const gmdl__layer_ops gmdl__dense_ops = {
    .kind = "dense",
    .setup = dense_setup,
    .init = dense_init,
    .forward = dense_forward,
    .backward = dense_backward,
    .kl = NULL,
    .load_compressed = gmdl__layer_load_plain,
};

/* Sparse inference: y[n, k] = b[k] + sum over the stored entries (k, j) of w_kj x[n, j].
 *   x in [N, D], CSR rows k = 0..K-1, y out [N, K]. Inference only (compressed models). */
GMDL_KERNEL
static void sparse_rows(const float *restrict x,
                        float *restrict y,
                        const uint32_t *restrict rp,
                        const uint32_t *restrict cols,
                        const float *restrict vals,
                        const float *restrict b,
                        size_t D,
                        size_t K,
                        size_t n0,
                        size_t n1) {
    for (size_t n = n0; n < n1; n++) {
        const float *xn = x + n * D;
        for (size_t k = 0; k < K; k++) {
            float s = b[k];
            for (uint32_t q = rp[k]; q < rp[k + 1]; q++)
                s += vals[q] * xn[cols[q]];
            y[n * K + k] = s;
        }
    }
}

static void sparse_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const size_t D = l->in_size, K = (size_t)l->units;
#ifdef _OPENMP
#pragma omp parallel if (a->n >= 8)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)a->n, 1, &lo, &hi);
        sparse_rows(a->x, a->y, l->k.csr.rowptr, l->k.csr.cols, l->k.csr.vals, l->param[1].p, D, K,
                    lo, hi);
    }
}

static void sparse_backward(gmdl__layer *l, const gmdl__bwd *a) {
    (void)l;
    (void)a;
    GMDL_ASSERT(!"a compressed (sparse) layer cannot be trained");
}

const gmdl__layer_ops gmdl__sparse_dense_ops = {
    .kind = "sparse_dense",
    .setup = dense_setup,
    .init = NULL,
    .forward = sparse_forward,
    .backward = sparse_backward,
    .kl = NULL,
};
