/* 2-D convolution by im2col + the GEMM entry point, channel-major layout.
 *   x  in  [C, N, H, W]     weight [F, C, kh, kw]    bias [F]     y out [F, N, OH, OW]
 *   OH = (H + 2 pad - kh) / stride + 1  (likewise OW); zero padding.
 * forward:  col [K = C kh kw, P = N OH OW] = im2col(x) (cached);  y = W col + b
 * backward: dW += dy col^T;  db += row sums of dy;  dcol = W^T dy (reusing the col cache);
 *           dx += col2im(dcol).
 * Channel-major keeps every product one large GEMM per batch (P = N OH OW columns) and makes
 * the pooling and ReLU passes contiguous. Initialisation as PyTorch's Conv2d. */
#include "nn/layer.h"
#include "tensor/gemm.h"

/* One row (c, ki, kj) of the column matrix. */
GMDL_KERNEL
static void im2col_row(const float *restrict x,
                       float *restrict dst,
                       int c,
                       int ki,
                       int kj,
                       int N,
                       int H,
                       int W,
                       int stride,
                       int pad,
                       int OH,
                       int OW) {
    /* valid output columns: 0 <= ow*stride - pad + kj < W */
    int lo = 0, hi = OW;
    while (lo < OW && lo * stride - pad + kj < 0)
        lo++;
    while (hi > lo && (hi - 1) * stride - pad + kj >= W)
        hi--;
    for (int n = 0; n < N; n++) {
        const float *src = x + ((size_t)c * N + n) * H * W;
        for (int oh = 0; oh < OH; oh++) {
            int ih = oh * stride - pad + ki;
            float *d = dst + ((size_t)n * OH + oh) * OW;
            if (ih < 0 || ih >= H) {
                for (int ow = 0; ow < OW; ow++)
                    d[ow] = 0.0f;
                continue;
            }
            const float *srow = src + (size_t)ih * W;
            for (int ow = 0; ow < lo; ow++)
                d[ow] = 0.0f;
            if (stride == 1)
                for (int ow = lo; ow < hi; ow++)
                    d[ow] = srow[ow + kj - pad];
            else
                for (int ow = lo; ow < hi; ow++)
                    d[ow] = srow[ow * stride + kj - pad];
            for (int ow = hi; ow < OW; ow++)
                d[ow] = 0.0f;
        }
    }
}

void gmdl__im2col(const float *x,
                  float *col,
                  int C,
                  int N,
                  int H,
                  int W,
                  int kh,
                  int kw,
                  int stride,
                  int pad,
                  int OH,
                  int OW) {
    const int K = C * kh * kw;
    const size_t P = (size_t)N * OH * OW;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (P * (size_t)K > 32768)
#endif
    for (int r = 0; r < K; r++)
        im2col_row(x, col + (size_t)r * P, r / (kh * kw), (r / kw) % kh, r % kw, N, H, W, stride,
                   pad, OH, OW);
}

/* Accumulates the columns of input plane (c, n) into it. */
GMDL_KERNEL
static void col2im_plane(const float *restrict col,
                         float *restrict plane,
                         int c,
                         int n,
                         size_t P,
                         int H,
                         int W,
                         int kh,
                         int kw,
                         int stride,
                         int pad,
                         int OH,
                         int OW) {
    for (int ki = 0; ki < kh; ki++)
        for (int kj = 0; kj < kw; kj++) {
            const float *src = col + ((size_t)(c * kh + ki) * kw + kj) * P + (size_t)n * OH * OW;
            int lo = 0, hi = OW;
            while (lo < OW && lo * stride - pad + kj < 0)
                lo++;
            while (hi > lo && (hi - 1) * stride - pad + kj >= W)
                hi--;
            for (int oh = 0; oh < OH; oh++) {
                int ih = oh * stride - pad + ki;
                if (ih < 0 || ih >= H)
                    continue;
                float *drow = plane + (size_t)ih * W; /* iw = ow * stride + kj - pad */
                const float *s = src + (size_t)oh * OW;
                if (stride == 1)
                    for (int ow = lo; ow < hi; ow++)
                        drow[ow + kj - pad] += s[ow];
                else
                    for (int ow = lo; ow < hi; ow++)
                        drow[ow * stride + kj - pad] += s[ow];
            }
        }
}

void gmdl__col2im(const float *col,
                  float *dx,
                  int C,
                  int N,
                  int H,
                  int W,
                  int kh,
                  int kw,
                  int stride,
                  int pad,
                  int OH,
                  int OW,
                  int accumulate) {
    const size_t P = (size_t)N * OH * OW;
    /* one (c, n) plane per work item: no two threads write the same element */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (P * (size_t)C * kh * kw > 32768)
#endif
    for (int cn = 0; cn < C * N; cn++) {
        float *plane = dx + (size_t)cn * H * W;
        if (!accumulate)
            memset(plane, 0, (size_t)H * W * sizeof(float));
        col2im_plane(col, plane, cn / N, cn % N, P, H, W, kh, kw, stride, pad, OH, OW);
    }
}

void gmdl__conv2d_forward_ref(const float *x,
                              const float *w,
                              const float *b,
                              float *y,
                              int C,
                              int N,
                              int H,
                              int W,
                              int F,
                              int kh,
                              int kw,
                              int stride,
                              int pad) {
    int OH = (H + 2 * pad - kh) / stride + 1, OW = (W + 2 * pad - kw) / stride + 1;
    for (int f = 0; f < F; f++)
        for (int n = 0; n < N; n++)
            for (int oh = 0; oh < OH; oh++)
                for (int ow = 0; ow < OW; ow++) {
                    double s = b ? (double)b[f] : 0.0;
                    for (int c = 0; c < C; c++)
                        for (int ki = 0; ki < kh; ki++)
                            for (int kj = 0; kj < kw; kj++) {
                                int ih = oh * stride - pad + ki, iw = ow * stride - pad + kj;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                                    continue;
                                s += (double)x[(((size_t)c * N + n) * H + ih) * W + iw] *
                                     (double)w[(((size_t)f * C + c) * kh + ki) * kw + kj];
                            }
                    y[(((size_t)f * N + n) * OH + oh) * OW + ow] = (float)s;
                }
}

static gmdl_status conv_setup(gmdl__layer *l, gmdl_err *err) {
    if (l->units < 1 || l->kh < 1 || l->kw < 1 || l->stride < 1 || l->pad < 0)
        return gmdl__fail(err, GMDL_EINVAL, "layer %s: bad convolution parameters", l->name);
    int oh = l->in_h + 2 * l->pad - l->kh, ow = l->in_w + 2 * l->pad - l->kw;
    if (oh < 0 || ow < 0)
        return gmdl__fail(err, GMDL_ESHAPE,
                          "layer %s: a %dx%d kernel (padding %d) does not fit its %dx%dx%d input",
                          l->name, l->kh, l->kw, l->pad, l->in_c, l->in_h, l->in_w);
    l->out_c = l->units;
    l->out_h = oh / l->stride + 1;
    l->out_w = ow / l->stride + 1;
    l->out_size = (size_t)l->out_c * l->out_h * l->out_w;
    l->cnhw_out = 1;
    uint64_t wd[4] = {(uint64_t)l->units, (uint64_t)l->in_c, (uint64_t)l->kh, (uint64_t)l->kw};
    uint64_t bd[1] = {(uint64_t)l->units};
    gmdl__layer_param(l, 0, "weight", 4, wd);
    gmdl__layer_param(l, 1, "bias", 1, bd);
    l->cache_per_sample = (size_t)l->in_c * l->kh * l->kw * l->out_h * l->out_w * sizeof(float);
    return GMDL_OK;
}

static void conv_init(gmdl__layer *l, gmdl_rng *rng) {
    gmdl__init_uniform_fanin(l, rng, (size_t)l->in_c * l->kh * l->kw);
}

GMDL_KERNEL
static void add_bias_planes(float *restrict y, const float *restrict b, int F0, int F1, size_t P) {
    for (int f = F0; f < F1; f++)
        for (size_t p = 0; p < P; p++)
            y[(size_t)f * P + p] += b[f];
}

/* Row sums with 16 fixed partial sums (vectorisable without reassociating: the order of the
 * additions is fixed by the code, so results are reproducible). */
GMDL_KERNEL
static void row_sums(const float *restrict dy, float *restrict db, int F0, int F1, size_t P) {
    for (int f = F0; f < F1; f++) {
        const float *r = dy + (size_t)f * P;
        float acc[16] = {0};
        size_t p = 0;
        for (; p + 16 <= P; p += 16)
            for (int j = 0; j < 16; j++)
                acc[j] += r[p + j];
        float s = 0.0f;
        for (int j = 0; j < 16; j++)
            s += acc[j];
        for (; p < P; p++)
            s += r[p];
        db[f] += s;
    }
}

void gmdl__conv_add_bias(float *y, const float *b, int F, size_t P) {
#ifdef _OPENMP
#pragma omp parallel if (P * (size_t)F > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)F, 1, &lo, &hi);
        add_bias_planes(y, b, (int)lo, (int)hi, P);
    }
}

static void conv_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const int K = l->in_c * l->kh * l->kw, F = l->units;
    const size_t P = (size_t)a->n * l->out_h * l->out_w;
    float *col = (float *)l->cache;
    gmdl__im2col(a->x, col, l->in_c, a->n, l->in_h, l->in_w, l->kh, l->kw, l->stride, l->pad,
                 l->out_h, l->out_w);
    gmdl__gemm(0, 0, F, (int)P, K, 1.0f, l->param[0].p, K, col, (int)P, 0.0f, a->y, (int)P);
    gmdl__conv_add_bias(a->y, l->param[1].p, F, P);
}

static void conv_backward(gmdl__layer *l, const gmdl__bwd *a) {
    const int K = l->in_c * l->kh * l->kw, F = l->units;
    const size_t P = (size_t)a->n * l->out_h * l->out_w;
    float *col = (float *)l->cache;
    gmdl__gemm(0, 1, F, K, (int)P, 1.0f, a->dy, (int)P, col, (int)P, 1.0f, l->param[0].g, K);
#ifdef _OPENMP
#pragma omp parallel if (P * (size_t)F > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)F, 1, &lo, &hi);
        row_sums(a->dy, l->param[1].g, (int)lo, (int)hi, P);
    }
    if (!a->dx)
        return;
    /* dcol = W^T dy, into the column cache (no longer needed once dW is done) */
    gmdl__gemm(1, 0, K, (int)P, F, 1.0f, l->param[0].p, K, a->dy, (int)P, 0.0f, col, (int)P);
    gmdl__col2im(col, a->dx, l->in_c, a->n, l->in_h, l->in_w, l->kh, l->kw, l->stride, l->pad,
                 l->out_h, l->out_w, a->accumulate);
}

const gmdl__layer_ops gmdl__conv2d_ops = {
    .kind = "conv2d",
    .setup = conv_setup,
    .init = conv_init,
    .forward = conv_forward,
    .backward = conv_backward,
    .kl = NULL,
    .load_compressed = gmdl__layer_load_plain,
};
