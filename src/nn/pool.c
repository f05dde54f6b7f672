/* Max and average pooling over k x k windows with stride k (PyTorch's default; a partial window
 * at the border is dropped), channel-major: x [C, N, H, W] -> y [C, N, H/k, W/k].
 * Max pooling caches the argmax offset inside each window (one byte per output) for backward;
 * backward routes dy to it (dx += ...). Average pooling spreads dy / k^2 over the window. */
#include "nn/layer.h"

static gmdl_status pool_setup(gmdl__layer *l, gmdl_err *err) {
    if (l->kh < 1 || l->kh > 15)
        return gmdl__fail(err, GMDL_EINVAL, "layer %s: pooling size must be in [1, 15]", l->name);
    if (l->in_h < l->kh || l->in_w < l->kw)
        return gmdl__fail(err, GMDL_ESHAPE,
                          "layer %s: a %dx%d pooling window does not fit its %dx%dx%d input",
                          l->name, l->kh, l->kw, l->in_c, l->in_h, l->in_w);
    l->stride = l->kh;
    l->out_c = l->in_c;
    l->out_h = l->in_h / l->kh;
    l->out_w = l->in_w / l->kw;
    l->out_size = (size_t)l->out_c * l->out_h * l->out_w;
    l->cnhw_out = 1;
    return GMDL_OK;
}

static gmdl_status maxpool_setup(gmdl__layer *l, gmdl_err *err) {
    gmdl_status s = pool_setup(l, err);
    l->cache_per_sample = l->out_size; /* argmax bytes */
    return s;
}

/* v replaces best when larger, or when it is NaN (NaN propagates, as in PyTorch) */
#define BETTER(v, best) ((v) > (best) || ((v) != (v) && (best) == (best)))

GMDL_KERNEL
static void maxpool_plane(const float *restrict x,
                          float *restrict y,
                          unsigned char *restrict am,
                          int k,
                          int W,
                          int OH,
                          int OW) {
    for (int oh = 0; oh < OH; oh++) {
        const float *r0 = x + (size_t)oh * k * W;
        if (k == 2) { /* the common case, unrolled */
            const float *r1 = r0 + W;
            for (int ow = 0; ow < OW; ow++) { /* branch-free, so it vectorises */
                float v0 = r0[2 * ow], v1 = r0[2 * ow + 1], v2 = r1[2 * ow], v3 = r1[2 * ow + 1];
                int b1 = BETTER(v1, v0);
                float m01 = b1 ? v1 : v0;
                int b3 = BETTER(v3, v2);
                float m23 = b3 ? v3 : v2;
                int hi = BETTER(m23, m01);
                y[oh * OW + ow] = hi ? m23 : m01;
                if (am)
                    am[oh * OW + ow] = (unsigned char)(hi ? 2 + b3 : b1);
            }
            continue;
        }
        for (int ow = 0; ow < OW; ow++) {
            const float *w0 = r0 + (size_t)ow * k;
            float best = w0[0];
            int bi = 0;
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++) {
                    float v = w0[(size_t)i * W + j];
                    if (BETTER(v, best)) {
                        best = v;
                        bi = i * k + j;
                    }
                }
            y[oh * OW + ow] = best;
            if (am)
                am[oh * OW + ow] = (unsigned char)bi;
        }
    }
}

static void maxpool_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const int H = l->in_h, W = l->in_w, OH = l->out_h, OW = l->out_w;
    const int planes = l->in_c * a->n;
    unsigned char *arg = a->mode == GMDL_MODE_TRAIN ? l->cache : NULL;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)planes * H * W > 16384)
#endif
    for (int pl = 0; pl < planes; pl++)
        maxpool_plane(a->x + (size_t)pl * H * W, a->y + (size_t)pl * OH * OW,
                      arg ? arg + (size_t)pl * OH * OW : NULL, l->kh, W, OH, OW);
}

static void maxpool_backward(gmdl__layer *l, const gmdl__bwd *a) {
    if (!a->dx)
        return;
    const int H = l->in_h, W = l->in_w, OH = l->out_h, OW = l->out_w, k = l->kh;
    const int planes = l->in_c * a->n;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)planes * H * W > 16384)
#endif
    for (int pl = 0; pl < planes; pl++) {
        float *dx = a->dx + (size_t)pl * H * W;
        const float *dy = a->dy + (size_t)pl * OH * OW;
        const unsigned char *am = l->cache + (size_t)pl * OH * OW;
        if (!a->accumulate)
            memset(dx, 0, (size_t)H * W * sizeof(float));
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
                int bi = am[oh * OW + ow];
                dx[(size_t)(oh * k + bi / k) * W + (size_t)ow * k + bi % k] += dy[oh * OW + ow];
            }
    }
}

static void avgpool_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const int H = l->in_h, W = l->in_w, OH = l->out_h, OW = l->out_w, k = l->kh;
    const int planes = l->in_c * a->n;
    const float inv = 1.0f / (float)(k * k);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)planes * H * W > 16384)
#endif
    for (int pl = 0; pl < planes; pl++) {
        const float *x = a->x + (size_t)pl * H * W;
        float *y = a->y + (size_t)pl * OH * OW;
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
                const float *w0 = x + (size_t)oh * k * W + (size_t)ow * k;
                float s = 0.0f;
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++)
                        s += w0[(size_t)i * W + j];
                y[oh * OW + ow] = s * inv;
            }
    }
}

static void avgpool_backward(gmdl__layer *l, const gmdl__bwd *a) {
    if (!a->dx)
        return;
    const int H = l->in_h, W = l->in_w, OH = l->out_h, OW = l->out_w, k = l->kh;
    const int planes = l->in_c * a->n;
    const float inv = 1.0f / (float)(k * k);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)planes * H * W > 16384)
#endif
    for (int pl = 0; pl < planes; pl++) {
        float *dx = a->dx + (size_t)pl * H * W;
        const float *dy = a->dy + (size_t)pl * OH * OW;
        if (!a->accumulate)
            memset(dx, 0, (size_t)H * W * sizeof(float));
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
                float g = dy[oh * OW + ow] * inv;
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++)
                        dx[(size_t)(oh * k + i) * W + (size_t)ow * k + j] += g;
            }
    }
}

const gmdl__layer_ops gmdl__maxpool_ops = {
    .kind = "maxpool",
    .setup = maxpool_setup,
    .init = NULL,
    .forward = maxpool_forward,
    .backward = maxpool_backward,
    .kl = NULL,
};

const gmdl__layer_ops gmdl__avgpool_ops = {
    .kind = "avgpool",
    .setup = pool_setup,
    .init = NULL,
    .forward = avgpool_forward,
    .backward = avgpool_backward,
    .kl = NULL,
};
