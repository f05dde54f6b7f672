/* ReLU: y = max(x, 0);  dx += dy * [y > 0]. No parameters, no cache (uses y).
 * A NaN input stays NaN (as in PyTorch), so a numerical failure is never silently zeroed. */
#include "nn/layer.h"

static gmdl_status relu_setup(gmdl__layer *l, gmdl_err *err) {
    (void)err;
    l->out_c = l->in_c;
    l->out_h = l->in_h;
    l->out_w = l->in_w;
    l->out_size = l->in_size;
    return GMDL_OK;
}

GMDL_KERNEL
static void relu_fwd_range(const float *restrict x, float *restrict y, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        y[i] = !(x[i] <= 0.0f) ? x[i] : 0.0f;
}

GMDL_KERNEL
static void relu_bwd_range(const float *restrict y,
                           const float *restrict dy,
                           float *restrict dx,
                           size_t lo,
                           size_t hi,
                           int accumulate) {
    if (accumulate)
        for (size_t i = lo; i < hi; i++)
            dx[i] += y[i] > 0.0f ? dy[i] : 0.0f;
    else
        for (size_t i = lo; i < hi; i++)
            dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

static void relu_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const size_t total = (size_t)a->n * l->in_size;
#ifdef _OPENMP
#pragma omp parallel if (total > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range(total, 16, &lo, &hi);
        relu_fwd_range(a->x, a->y, lo, hi);
    }
}

static void relu_backward(gmdl__layer *l, const gmdl__bwd *a) {
    if (!a->dx)
        return;
    const size_t total = (size_t)a->n * l->in_size;
#ifdef _OPENMP
#pragma omp parallel if (total > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range(total, 16, &lo, &hi);
        relu_bwd_range(a->y, a->dy, a->dx, lo, hi, a->accumulate);
    }
}

const gmdl__layer_ops gmdl__relu_ops = {
    .kind = "relu",
    .setup = relu_setup,
    .init = NULL,
    .forward = relu_forward,
    .backward = relu_backward,
    .kl = NULL,
};
