/* Bernoulli (inverted) dropout with drop probability p:
 *   TRAIN / EVAL_SAMPLE: y = x * m / (1 - p), m ~ Bernoulli(1 - p);  EVAL_MEAN: y = x.
 *   backward: dx += dy * m / (1 - p).
 * The mask of sample n at step t comes from the stream derive(seed, DROPOUT, t * 64 + layer)
 * advanced by n * in_size draws, so it does not depend on the thread count. The mask is cached
 * as one byte per element for backward. */
#include "nn/layer.h"

static gmdl_status dropout_setup(gmdl__layer *l, gmdl_err *err) {
    if (!(l->k.dropout.p >= 0.0f && l->k.dropout.p < 1.0f))
        return gmdl__fail(err, GMDL_EINVAL, "layer %s: dropout rate must be in [0, 1), got %g",
                          l->name, (double)l->k.dropout.p);
    l->out_c = l->in_c;
    l->out_h = l->in_h;
    l->out_w = l->in_w;
    l->out_size = l->in_size;
    l->cache_per_sample = l->in_size;
    return GMDL_OK;
}

static void dropout_forward(gmdl__layer *l, const gmdl__fwd *a) {
    const size_t D = l->in_size;
    const int N = a->n;
    if (a->mode == GMDL_MODE_EVAL_MEAN || l->k.dropout.p == 0.0f) {
        memcpy(a->y, a->x, (size_t)N * D * sizeof(float));
        if (a->mode == GMDL_MODE_TRAIN)
            memset(l->cache, 1, (size_t)N * D);
        return;
    }
    gmdl_rng base;
    gmdl_rng_derive(&base, a->seed, GMDL_RNG_DROPOUT, a->step * 64u + (uint64_t)l->index);
    const float keep = 1.0f - l->k.dropout.p, scale = 1.0f / keep;
    unsigned char *mask = a->mode == GMDL_MODE_TRAIN ? l->cache : NULL;
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
    for (int n = 0; n < N; n++) {
        gmdl_rng r = base;
        gmdl_rng_advance(&r, (uint64_t)n * D);
        const float *x = a->x + (size_t)n * D;
        float *y = a->y + (size_t)n * D;
        for (size_t i = 0; i < D; i++) {
            int m = gmdl_rng_uniformf(&r) < keep;
            y[i] = m ? x[i] * scale : 0.0f;
            if (mask)
                mask[(size_t)n * D + i] = (unsigned char)m;
        }
    }
}

static void dropout_backward(gmdl__layer *l, const gmdl__bwd *a) {
    if (!a->dx)
        return;
    const size_t total = (size_t)a->n * l->in_size;
    const float scale = 1.0f / (1.0f - l->k.dropout.p);
    const unsigned char *mask = l->cache;
    if (a->accumulate)
        for (size_t i = 0; i < total; i++)
            a->dx[i] += mask[i] ? a->dy[i] * scale : 0.0f;
    else
        for (size_t i = 0; i < total; i++)
            a->dx[i] = mask[i] ? a->dy[i] * scale : 0.0f;
}

const gmdl__layer_ops gmdl__dropout_ops = {
    .kind = "dropout",
    .setup = dropout_setup,
    .init = NULL,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .kl = NULL,
};
