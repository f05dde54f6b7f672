/* The MLP risk of DeepSurv on the nn layers: [dense, ReLU, dropout] per hidden layer and a dense
 * output unit (its bias cancels in the partial likelihood). Parameters live in one store (values,
 * gradients, Adam moments at the same offsets), as src/model plans them. */
#include "gmdl/rng.h"
#include "survival/survival_internal.h"

gmdl_status gmdl__mlp_parse(gmdl__mlp *net, const char *arch, gmdl_err *err) {
    memset(net, 0, sizeof *net);
    if (strncmp(arch, "mlp:", 4) != 0)
        return gmdl__fail(err, GMDL_EINVAL, "Cox: architecture '%s' is not linear or mlp:H1-...",
                          arch);
    const char *p = arch + 4;
    while (*p) {
        char *end;
        long h = strtol(p, &end, 10);
        if (end == p || h < 1 || h > 4096 || (*end && *end != '-') ||
            net->nh == GMDL__COX_MAX_HIDDEN)
            return gmdl__fail(err, GMDL_EINVAL,
                              "Cox: bad architecture '%s' (mlp:H1-H2-..., at most %d layers of "
                              "1..4096 units)",
                              arch, GMDL__COX_MAX_HIDDEN);
        net->hidden[net->nh++] = (int)h;
        p = *end ? end + 1 : end;
    }
    if (net->nh == 0)
        return gmdl__fail(err, GMDL_EINVAL, "Cox: architecture '%s' has no hidden layer", arch);
    return GMDL_OK;
}

void gmdl__mlp_fini(gmdl__mlp *net) {
    for (int i = 0; net->l && i < net->nl; i++)
        gmdl__free(net->l[i].cache);
    gmdl__free(net->l);
    gmdl__free_aligned(net->p);
    gmdl__free_aligned(net->g);
    gmdl__free_aligned(net->m);
    gmdl__free_aligned(net->v);
    int nh = net->nh, hidden[GMDL__COX_MAX_HIDDEN];
    memcpy(hidden, net->hidden, sizeof hidden);
    memset(net, 0, sizeof *net);
    net->nh = nh;
    memcpy(net->hidden, hidden, sizeof hidden);
}

/* Layer kinds and widths: per hidden layer dense, relu, dropout; then dense(1). */
static gmdl_status setup_layers(gmdl__mlp *net, size_t in, float dropout, gmdl_err *err) {
    net->nl = 3 * net->nh + 1;
    net->l = gmdl__calloc((size_t)net->nl, sizeof *net->l);
    if (!net->l)
        return gmdl__fail(err, GMDL_ENOMEM, "Cox MLP: out of memory");
    size_t width = in;
    for (int i = 0; i < net->nl; i++) {
        gmdl__layer *l = &net->l[i];
        int kind = i == net->nl - 1 ? 0 : i % 3;
        l->ops = kind == 0 ? &gmdl__dense_ops : kind == 1 ? &gmdl__relu_ops : &gmdl__dropout_ops;
        snprintf(l->name, sizeof l->name, "%s%d", l->ops->kind, i);
        l->index = i;
        l->in_c = (int)width;
        l->in_h = l->in_w = 1;
        l->in_size = width;
        l->units = i == net->nl - 1 ? 1 : net->hidden[i / 3];
        if (l->ops == &gmdl__dropout_ops)
            l->k.dropout.p = dropout;
        gmdl_status s = l->ops->setup(l, err);
        if (s)
            return s;
        width = l->out_size;
    }
    return GMDL_OK;
}

gmdl_status
gmdl__mlp_build(gmdl__mlp *net, size_t in, float dropout, uint64_t seed, int init, gmdl_err *err) {
    gmdl_status s = setup_layers(net, in, dropout, err);
    if (s)
        return s;
    size_t off = 0;
    for (int i = 0; i < net->nl; i++)
        for (int k = 0; k < net->l[i].nparams; k++) {
            net->l[i].param[k].offset = off;
            off += (net->l[i].param[k].count + 15) / 16 * 16;
        }
    net->np = off;
    size_t bytes = (off ? off : 16) * sizeof(float);
    net->p = gmdl__malloc_aligned(bytes);
    net->g = gmdl__malloc_aligned(bytes);
    net->m = gmdl__malloc_aligned(bytes);
    net->v = gmdl__malloc_aligned(bytes);
    if (!net->p || !net->g || !net->m || !net->v)
        return gmdl__fail(err, GMDL_ENOMEM, "Cox MLP: out of memory");
    memset(net->p, 0, bytes);
    memset(net->g, 0, bytes);
    memset(net->m, 0, bytes);
    memset(net->v, 0, bytes);
    for (int i = 0; i < net->nl; i++) {
        gmdl__layer *l = &net->l[i];
        for (int k = 0; k < l->nparams; k++) {
            l->param[k].p = net->p + l->param[k].offset;
            l->param[k].g = net->g + l->param[k].offset;
        }
        if (init && l->ops->init) {
            gmdl_rng r;
            gmdl_rng_derive(&r, seed, GMDL_RNG_INIT, (uint64_t)i);
            l->ops->init(l, &r);
        }
    }
    return GMDL_OK;
}

static size_t max_width(const gmdl__mlp *net) {
    size_t w = net->l[0].in_size;
    for (int i = 0; i < net->nl; i++)
        w = net->l[i].out_size > w ? net->l[i].out_size : w;
    return w;
}

gmdl_status
gmdl__mlp_eval(double *eta, const gmdl__mlp *net, const float *x, size_t n, gmdl_err *err) {
    const size_t chunk = 4096, w = max_width(net);
    float *a = gmdl__malloc(chunk * w * sizeof *a), *b = gmdl__malloc(chunk * w * sizeof *b);
    if (!a || !b) {
        gmdl__free(a);
        gmdl__free(b);
        return gmdl__fail(err, GMDL_ENOMEM, "Cox MLP: out of memory");
    }
    for (size_t lo = 0; lo < n; lo += chunk) {
        size_t k = n - lo < chunk ? n - lo : chunk;
        const float *in = x + lo * net->l[0].in_size;
        for (int i = 0; i < net->nl; i++) {
            gmdl__fwd f = {in, a, (int)k, GMDL_MODE_EVAL_MEAN, 0, 0};
            gmdl__layer *l = &net->l[i]; /* the deterministic pass writes no layer state */
            l->ops->forward(l, &f);
            float *t = a;
            a = b;
            b = t;
            in = b;
        }
        for (size_t r = 0; r < k; r++)
            eta[lo + r] = (double)in[r];
    }
    gmdl__free(a);
    gmdl__free(b);
    return GMDL_OK;
}
