/* Layout changes between the channel-major convolution section and the rest of the net.
 *   flatten:  x [C, N, H, W] -> y [N, C*H*W] in (c, h, w) order, as PyTorch's flatten of NCHW.
 *   to_cnhw:  x [N, C, H, W] (the data layout) -> y [C, N, H, W]; first layer of a conv net
 *             whose input has more than one channel.
 * Both are permutations: backward applies the inverse permutation (accumulating).
 *   select:   y [N, units] = x [N, select_idx[k]]: the input features a structurally pruned
 *             model keeps (inference only). */
#include "nn/layer.h"

static gmdl_status same_setup(gmdl__layer *l, gmdl_err *err) {
    (void)err;
    l->out_c = l->in_c;
    l->out_h = l->in_h;
    l->out_w = l->in_w;
    l->out_size = l->in_size;
    return GMDL_OK;
}

static gmdl_status flatten_setup(gmdl__layer *l, gmdl_err *err) {
    same_setup(l, err);
    l->out_c = (int)l->in_size;
    l->out_h = l->out_w = 1;
    l->cnhw_out = 0;
    return GMDL_OK;
}

static gmdl_status to_cnhw_setup(gmdl__layer *l, gmdl_err *err) {
    same_setup(l, err);
    l->cnhw_out = 1;
    return GMDL_OK;
}

/* y[n, c, s] = x[c, n, s] (or the reverse), s over the plane of size S */
static void permute(const float *restrict src,
                    float *restrict dst,
                    int C,
                    int N,
                    size_t S,
                    int to_nc,
                    int accumulate) {
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)C * N * S > 32768)
#endif
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) {
            const float *s = to_nc ? src + ((size_t)c * N + n) * S : src + ((size_t)n * C + c) * S;
            float *d = to_nc ? dst + ((size_t)n * C + c) * S : dst + ((size_t)c * N + n) * S;
            if (accumulate)
                for (size_t i = 0; i < S; i++)
                    d[i] += s[i];
            else
                memcpy(d, s, S * sizeof(float));
        }
}

static void flatten_forward(gmdl__layer *l, const gmdl__fwd *a) {
    permute(a->x, a->y, l->in_c, a->n, (size_t)l->in_h * l->in_w, 1, 0);
}
static void flatten_backward(gmdl__layer *l, const gmdl__bwd *a) {
    if (a->dx)
        permute(a->dy, a->dx, l->in_c, a->n, (size_t)l->in_h * l->in_w, 0, a->accumulate);
}
static void to_cnhw_forward(gmdl__layer *l, const gmdl__fwd *a) {
    permute(a->x, a->y, l->in_c, a->n, (size_t)l->in_h * l->in_w, 0, 0);
}
static void to_cnhw_backward(gmdl__layer *l, const gmdl__bwd *a) {
    if (a->dx)
        permute(a->dy, a->dx, l->in_c, a->n, (size_t)l->in_h * l->in_w, 1, a->accumulate);
}

const gmdl__layer_ops gmdl__flatten_ops = {
    .kind = "flatten",
    .setup = flatten_setup,
    .init = NULL,
    .forward = flatten_forward,
    .backward = flatten_backward,
    .kl = NULL,
};

const gmdl__layer_ops gmdl__to_cnhw_ops = {
    .kind = "to_cnhw",
    .setup = to_cnhw_setup,
    .init = NULL,
    .forward = to_cnhw_forward,
    .backward = to_cnhw_backward,
    .kl = NULL,
};

static gmdl_status select_setup(gmdl__layer *l, gmdl_err *err) {
    if (l->units < 1 || (size_t)l->units > l->in_size)
        return gmdl__fail(err, GMDL_ESHAPE, "layer %s: selects %d of %zu inputs", l->name, l->units,
                          l->in_size);
    l->out_c = l->units;
    l->out_h = l->out_w = 1;
    l->out_size = (size_t)l->units;
    l->cnhw_out = 0;
    return GMDL_OK;
}

static void select_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const size_t D = l->in_size, K = (size_t)l->units;
    for (int n = 0; n < a->n; n++)
        for (size_t k = 0; k < K; k++)
            a->y[(size_t)n * K + k] = a->x[(size_t)n * D + l->k.select.idx[k]];
}

static void select_backward(gmdl__layer *l, const gmdl__bwd *a) {
    (void)l;
    (void)a;
    GMDL_ASSERT(!"a compressed model cannot be trained");
}

const gmdl__layer_ops gmdl__select_ops = {
    .kind = "select",
    .setup = select_setup,
    .init = NULL,
    .forward = select_forward,
    .backward = select_backward,
    .kl = NULL,
};
