/* Shared layer helpers. */
#include "nn/layer.h"

void gmdl__layer_param(gmdl__layer *l, int i, const char *suffix, int ndim, const uint64_t *dims) {
    GMDL_ASSERT(i < GMDL__MAX_PARAMS && ndim >= 1 && ndim <= 4);
    gmdl__param *p = &l->param[i];
    snprintf(p->name, sizeof p->name, "%s.%s", l->name, suffix);
    p->ndim = ndim;
    p->count = 1;
    for (int d = 0; d < ndim; d++) {
        p->dims[d] = dims[d];
        p->count *= (size_t)dims[d];
    }
    if (l->nparams < i + 1)
        l->nparams = i + 1;
}

void gmdl__init_uniform_fanin(gmdl__layer *l, gmdl_rng *rng, size_t fan_in) {
    double bound = 1.0 / sqrt((double)fan_in);
    for (int i = 0; i < l->nparams; i++)
        for (size_t j = 0; j < l->param[i].count; j++)
            l->param[i].p[j] = (float)((2.0 * gmdl_rng_uniform(rng) - 1.0) * bound);
}

void gmdl__layer_load_plain(gmdl__layer *l, const float *w, const float *bias) {
    memcpy(l->param[0].p, w, l->param[0].count * sizeof(float));
    if (bias)
        memcpy(l->param[1].p, bias, l->param[1].count * sizeof(float));
}
