/* Model construction from (arch, method), memory planning, forward pass, accessors.
 * Architectures: "lenet300" (784-300-100-10), "mlp:H1-H2-..." (hidden sizes, ReLU),
 * "lenet5" (LeNet-5-Caffe = cnn:c20k5-p2-c50k5-p2-d500) and "cnn:TOKENS" with tokens
 * cFkK[sS][pP] (F filters of KxK, stride S, zero padding P, then ReLU), pK (max-pool KxK),
 * aK (average-pool KxK), dN (dense N, then ReLU).
 * Methods: the rows of method.c (the weight layers, dropout after every hidden dense ReLU, a
 * prior layer after the output). */
#include <errno.h>

#include "model/model_internal.h"

#define MAX_SPECS  32
#define EVAL_BATCH 256

typedef struct {
    char kind; /* 'c' conv, 'p' max-pool, 'a' avg-pool, 'd' dense hidden layer */
    int units, k, stride, pad;
} layer_spec;

static gmdl_status parse_int(const char **p, long lo, long hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(*p, &end, 10);
    if (end == *p || errno || v < lo || v > hi)
        return GMDL_EINVAL;
    *out = (int)v;
    *p = end;
    return GMDL_OK;
}

/* One token of a cnn: string: cFkK[sS][pP] | pK | aK | dN. */
static gmdl_status parse_token(const char *tok, size_t len, layer_spec *sp) {
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return GMDL_EINVAL;
    memcpy(buf, tok, len);
    buf[len] = 0;
    const char *p = buf + 1;
    memset(sp, 0, sizeof *sp);
    sp->kind = buf[0];
    sp->stride = 1;
    switch (buf[0]) {
        case 'c':
            if (parse_int(&p, 1, 100000, &sp->units) || *p++ != 'k' || parse_int(&p, 1, 99, &sp->k))
                return GMDL_EINVAL;
            while (*p) {
                char opt = *p++;
                int *dst = opt == 's' ? &sp->stride : opt == 'p' ? &sp->pad : NULL;
                if (!dst || parse_int(&p, opt == 's' ? 1 : 0, 99, dst))
                    return GMDL_EINVAL;
            }
            return GMDL_OK;
        case 'p':
        case 'a':
            return parse_int(&p, 1, 15, &sp->k) || *p ? GMDL_EINVAL : GMDL_OK;
        case 'd':
            return parse_int(&p, 1, 1000000, &sp->units) || *p ? GMDL_EINVAL : GMDL_OK;
        default:
            return GMDL_EINVAL;
    }
}

static gmdl_status
parse_list(const char *arch, const char *list, char kind, layer_spec *sp, int *ns, gmdl_err *err) {
    const char *p = list;
    for (;;) {
        const char *dash = strchr(p, '-');
        size_t len = dash ? (size_t)(dash - p) : strlen(p);
        if (*ns == MAX_SPECS)
            return gmdl__fail(err, GMDL_EINVAL, "architecture '%s': at most %d layers", arch,
                              MAX_SPECS);
        gmdl_status s;
        if (kind == 'd') { /* mlp: plain hidden sizes */
            char tok[64];
            if (len + 1 >= sizeof tok) {
                s = GMDL_EINVAL;
            } else {
                tok[0] = 'd';
                memcpy(tok + 1, p, len);
                s = parse_token(tok, len + 1, &sp[*ns]);
            }
        } else {
            s = parse_token(p, len, &sp[*ns]);
        }
        if (s)
            return gmdl__fail(
                err, GMDL_EINVAL, "architecture '%s': cannot parse '%.*s' (%s)", arch, (int)len, p,
                kind == 'd' ? "expected hidden sizes like mlp:300-100"
                            : "expected tokens like cnn:c20k5-p2-c50k5-p2-d500: "
                              "cFkK[sS][pP] convolution, pK max-pool, aK average-pool, "
                              "dN dense");
        (*ns)++;
        if (!dash)
            return GMDL_OK;
        p = dash + 1;
    }
}

/* Layer specs of an architecture string (hidden layers; the output layer is added later). */
static gmdl_status parse_arch(const char *arch, layer_spec *sp, int *ns, gmdl_err *err) {
    *ns = 0;
    if (strcmp(arch, "lenet300") == 0)
        return parse_list(arch, "300-100", 'd', sp, ns, err);
    if (strcmp(arch, "lenet5") == 0)
        return parse_list(arch, "c20k5-p2-c50k5-p2-d500", 'c', sp, ns, err);
    if (strncmp(arch, "mlp:", 4) == 0)
        return parse_list(arch, arch + 4, 'd', sp, ns, err);
    if (strncmp(arch, "cnn:", 4) == 0) {
        gmdl_status s = parse_list(arch, arch + 4, 'c', sp, ns, err);
        for (int i = 1; i < *ns && !s; i++)
            if (sp[i].kind != 'd' && sp[i - 1].kind == 'd')
                s = gmdl__fail(err, GMDL_EINVAL,
                               "architecture '%s': a convolution or pooling layer cannot follow a "
                               "dense layer",
                               arch);
        return s;
    }
    return gmdl__fail(err, GMDL_EINVAL,
                      "unknown architecture '%s' (available: lenet300, lenet5, mlp:H1-H2-..., "
                      "cnn:c20k5-p2-...-d500)",
                      arch);
}

gmdl_status gmdl_train_config_check(const gmdl_train_config *cfg, gmdl_err *err) {
    layer_spec sp[MAX_SPECS];
    int ns;
    float rate;
    const gmdl__method *method;
    if (!memchr(cfg->arch, 0, sizeof cfg->arch) || !memchr(cfg->method, 0, sizeof cfg->method))
        return gmdl__fail(err, GMDL_EINVAL, "architecture or method string too long");
    gmdl_status s = parse_arch(cfg->arch, sp, &ns, err);
    if (s)
        return s;
    s = gmdl__method_find(cfg->method, &method, &rate, err);
    if (s)
        return s;
    if (cfg->kl_warmup_start < 0 || cfg->kl_warmup_epochs < 0)
        return gmdl__fail(err, GMDL_EINVAL, "KL warm-up epochs must be >= 0");
    if (cfg->epochs < 0 || cfg->epochs > 1000000)
        return gmdl__fail(err, GMDL_EINVAL, "epochs must be in [0, 1000000], got %d", cfg->epochs);
    if (cfg->batch < 1 || cfg->batch > 65536)
        return gmdl__fail(err, GMDL_EINVAL, "batch must be in [1, 65536], got %d", cfg->batch);
    if (cfg->val < 0)
        return gmdl__fail(err, GMDL_EINVAL, "val must be >= 0, got %d", cfg->val);
    if (!(cfg->lr > 0.0 && cfg->lr < 1e3))
        return gmdl__fail(err, GMDL_EINVAL, "learning rate must be in (0, 1000), got %g", cfg->lr);
    if ((int)cfg->lr_schedule < GMDL_LR_AUTO || (int)cfg->lr_schedule > GMDL_LR_CONSTANT_LINEAR)
        return gmdl__fail(err, GMDL_EINVAL, "unknown learning-rate schedule %d",
                          (int)cfg->lr_schedule);
    if (cfg->optimizer != GMDL_OPT_ADAM && cfg->optimizer != GMDL_OPT_SGD)
        return gmdl__fail(err, GMDL_EINVAL, "unknown optimizer %d", (int)cfg->optimizer);
    if (!(cfg->momentum >= 0.0 && cfg->momentum < 1.0) ||
        !(cfg->beta1 >= 0.0 && cfg->beta1 < 1.0) || !(cfg->beta2 >= 0.0 && cfg->beta2 < 1.0) ||
        !(cfg->adam_eps > 0.0) || !(cfg->weight_decay >= 0.0))
        return gmdl__fail(
            err, GMDL_EINVAL,
            "momentum, beta1 and beta2 must be in [0, 1), eps > 0, weight decay >= 0");
    for (int i = 0; !s && gmdl__method_at(i); i++) /* every method's settings, used or not */
        if (gmdl__method_at(i)->check)
            s = gmdl__method_at(i)->check(cfg, gmdl__method_at(i) == method, err);
    return s;
}

static gmdl_status add_layer(gmdl_model *m,
                             const gmdl__layer_ops *ops,
                             const char *name,
                             int units,
                             float rate,
                             const layer_spec *sp,
                             gmdl_err *err) {
    gmdl__layer *l = &m->layers[m->nlayers];
    memset(l, 0, sizeof *l);
    l->ops = ops;
    l->index = m->nlayers;
    snprintf(l->name, sizeof l->name, "%s", name);
    if (m->nlayers == 0) {
        l->in_c = m->in_c;
        l->in_h = m->in_h;
        l->in_w = m->in_w;
        l->in_size = m->in_size;
        l->cnhw_in = m->in_c == 1; /* one channel: [N, 1, H, W] is also [1, N, H, W] */
    } else {
        const gmdl__layer *p = &m->layers[m->nlayers - 1];
        l->in_c = p->out_c;
        l->in_h = p->out_h;
        l->in_w = p->out_w;
        l->in_size = p->out_size;
        l->cnhw_in = p->cnhw_out;
    }
    l->cnhw_out = l->cnhw_in;
    if (ops == m->method->dense) { /* dense layers see a flat vector */
        l->in_c = (int)l->in_size;
        l->in_h = l->in_w = 1;
    }
    l->units = units;
    if (ops == &gmdl__dropout_ops)
        l->k.dropout.p = rate;
    if (sp) {
        l->kh = l->kw = sp->k;
        l->stride = sp->stride;
        l->pad = sp->pad;
    }
    gmdl_status s = ops->setup(l, err);
    if (s)
        return s;
    m->nlayers++;
    return GMDL_OK;
}

/* Turns layer specs into layers: convolutions and dense layers get a ReLU, hidden dense layers
 * get dropout with the dropout method, a flatten goes between the channel-major convolution
 * section and the dense layers, and the output layer has `classes` units. */
static gmdl_status build_layers(
    gmdl_model *m, const layer_spec *sp, int ns, float rate, size_t nselect, gmdl_err *err) {
    const int dropout = gmdl__method_has(m->method, GMDL__M_DROPOUT);
    const gmdl__layer_ops *dense = m->method->dense, *conv = m->method->conv;
    gmdl_status s = GMDL_OK;
    char name[32];
    int nconv = 0, nfc = 0;
    if (nselect) /* a structurally pruned model: only the kept input features */
        s = add_layer(m, &gmdl__select_ops, "select", (int)nselect, 0.0f, NULL, err);
    for (int i = 0; i < ns && !s; i++) {
        int cnhw = m->nlayers ? m->layers[m->nlayers - 1].cnhw_out : m->in_c == 1;
        int spatial = sp[i].kind != 'd';
        if (spatial && m->nlayers && !cnhw)
            return gmdl__fail(err, GMDL_EINVAL,
                              "architecture '%s': a convolution or pooling layer cannot follow a "
                              "dense layer",
                              m->cfg.arch);
        if (spatial && !cnhw) /* several input channels: reorder [N, C, H, W] once */
            s = add_layer(m, &gmdl__to_cnhw_ops, "to_cnhw", 0, 0.0f, NULL, err);
        if (!s && !spatial && cnhw && m->nlayers)
            s = add_layer(m, &gmdl__flatten_ops, "flatten", 0, 0.0f, NULL, err);
        if (s)
            break;
        switch (sp[i].kind) {
            case 'c':
                snprintf(name, sizeof name, "conv%d", ++nconv);
                s = add_layer(m, conv, name, sp[i].units, 0.0f, &sp[i], err);
                snprintf(name, sizeof name, "relu_conv%d", nconv);
                if (!s)
                    s = add_layer(m, &gmdl__relu_ops, name, 0, 0.0f, NULL, err);
                break;
            case 'p':
            case 'a':
                snprintf(name, sizeof name, "pool%d", m->nlayers);
                s = add_layer(m, sp[i].kind == 'p' ? &gmdl__maxpool_ops : &gmdl__avgpool_ops, name,
                              0, 0.0f, &sp[i], err);
                break;
            default:
                snprintf(name, sizeof name, "fc%d", ++nfc);
                s = add_layer(m, dense, name, sp[i].units, 0.0f, NULL, err);
                snprintf(name, sizeof name, "relu%d", nfc);
                if (!s)
                    s = add_layer(m, &gmdl__relu_ops, name, 0, 0.0f, NULL, err);
                snprintf(name, sizeof name, "drop%d", nfc);
                if (!s && dropout)
                    s = add_layer(m, &gmdl__dropout_ops, name, 0, rate, NULL, err);
        }
    }
    if (!s && m->nlayers && m->layers[m->nlayers - 1].cnhw_out)
        s = add_layer(m, &gmdl__flatten_ops, "flatten", 0, 0.0f, NULL, err);
    snprintf(name, sizeof name, "fc%d", nfc + 1);
    if (!s)
        s = add_layer(m, dense, name, m->classes, 0.0f, NULL, err);
    if (!s && gmdl__method_has(m->method, GMDL__M_PRIOR_LAYER)) { /* named after its kind */
        s = add_layer(m, m->method->prior, m->method->prior->kind, 0, 0.0f, NULL, err);
        if (!s)
            m->method->prior_config(&m->layers[m->nlayers - 1], &m->cfg);
    }
    return s;
}

void gmdl_model_destroy(gmdl_model *m) {
    if (!m)
        return;
    for (int i = 0; i <= m->nlayers; i++) { /* either array may be missing after a failure */
        if (m->act)
            gmdl__free_aligned(m->act[i]);
        if (m->dact)
            gmdl__free_aligned(m->dact[i]);
    }
    gmdl__free(m->act);
    gmdl__free(m->dact);
    gmdl__free_aligned(m->params);
    gmdl__free_aligned(m->grads);
    gmdl__free_aligned(m->m1);
    gmdl__free_aligned(m->m2);
    gmdl__free_aligned(m->cache_block);
    gmdl__free_aligned(m->work_block);
    gmdl__free(m->sparse_block);
    gmdl__free(m->sparse_layers);
    gmdl__free(m->select_idx);
    gmdl__free(m->ybatch);
    gmdl__free(m->perm);
    gmdl__free(m->sws_hard);
    gmdl__free(m->sws_harden);
    gmdl__free(m->hist);
    gmdl__free(m->layers);
    gmdl__tabular_free(&m->tab);
    gmdl__free(m);
}

static float *zalloc_f(size_t n) {
    size_t bytes;
    if (!gmdl__mul_ok(n, sizeof(float), &bytes))
        return NULL;
    float *p = gmdl__malloc_aligned(bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

/* Plans and allocates everything the training step and evaluation need, once. */
static gmdl_status plan(gmdl_model *m, gmdl_err *err) {
    size_t off = 0;
    for (int i = 0; i < m->nlayers; i++)
        for (int j = 0; j < m->layers[i].nparams; j++) {
            m->layers[i].param[j].offset = off;
            off += (m->layers[i].param[j].count + 15) / 16 * 16;
        }
    m->nstore = off;
    m->params = zalloc_f(off);
    m->grads = zalloc_f(off);
    m->m1 = zalloc_f(off);
    m->m2 = zalloc_f(off);
    m->act = gmdl__calloc((size_t)m->nlayers + 1, sizeof(float *));
    m->dact = gmdl__calloc((size_t)m->nlayers + 1, sizeof(float *));
    if (!m->params || !m->grads || !m->m1 || !m->m2 || !m->act || !m->dact)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for %zu parameters", off);
    size_t cache = 0;
    for (int i = 0; i <= m->nlayers; i++) {
        size_t sz = i == 0 ? m->in_size : m->layers[i - 1].out_size;
        m->act[i] = zalloc_f((size_t)m->max_batch * sz);
        m->dact[i] = zalloc_f((size_t)m->max_batch * sz);
        if (!m->act[i] || !m->dact[i])
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory for activations");
        if (i < m->nlayers)
            cache += ((size_t)m->max_batch * m->layers[i].cache_per_sample + 63) / 64 * 64;
    }
    size_t work = 0;
    for (int i = 0; i < m->nlayers; i++)
        work += (m->layers[i].work_floats + 15) / 16 * 16;
    m->work_block = zalloc_f(work ? work : 16);
    m->cache_block = gmdl__malloc_aligned(cache ? cache : 64);
    m->ybatch = gmdl__calloc((size_t)m->max_batch, sizeof(int32_t));
    if (!m->cache_block || !m->ybatch || !m->work_block)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for caches");
    size_t c = 0, wo = 0;
    for (int i = 0; i < m->nlayers; i++) {
        gmdl__layer *l = &m->layers[i];
        l->work = l->work_floats ? m->work_block + wo : NULL;
        wo += (l->work_floats + 15) / 16 * 16;
        l->cache = l->cache_per_sample ? m->cache_block + c : NULL;
        c += ((size_t)m->max_batch * l->cache_per_sample + 63) / 64 * 64;
        for (int j = 0; j < l->nparams; j++) {
            l->param[j].p = m->params + l->param[j].offset;
            l->param[j].g = m->grads + l->param[j].offset;
        }
    }
    return GMDL_OK;
}

gmdl_status gmdl_model_create(gmdl_model **out,
                              const gmdl_train_config *cfg,
                              int c,
                              int h,
                              int w,
                              int classes,
                              gmdl_err *err) {
    return gmdl__model_create_select(out, cfg, c, h, w, classes, 0, err);
}

gmdl_status gmdl__model_create_select(gmdl_model **out,
                                      const gmdl_train_config *cfg,
                                      int c,
                                      int h,
                                      int w,
                                      int classes,
                                      size_t nselect,
                                      gmdl_err *err) {
    *out = NULL;
    gmdl_status s = gmdl_train_config_check(cfg, err);
    if (s)
        return s;
    if (c < 1 || h < 1 || w < 1 || (size_t)c * (size_t)h * (size_t)w > 100000000u)
        return gmdl__fail(err, GMDL_ESHAPE, "input shape [%d, %d, %d] is not valid", c, h, w);
    if (classes < 2)
        return gmdl__fail(err, GMDL_EINVAL, "need at least 2 classes, got %d", classes);
    layer_spec sp[MAX_SPECS];
    int ns;
    float rate;
    const gmdl__method *method;
    s = parse_arch(cfg->arch, sp, &ns, err);
    if (!s)
        s = gmdl__method_find(cfg->method, &method, &rate, err);
    if (s)
        return s;
    gmdl_model *m = gmdl__calloc(1, sizeof *m);
    if (!m)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    m->cfg = *cfg;
    /* the hardening stages are the caller's: the model keeps its own copy */
    m->cfg.sws.harden = NULL;
    if (cfg->sws.harden_n > 0) {
        m->sws_harden = gmdl__malloc((size_t)cfg->sws.harden_n * sizeof(double));
        if (!m->sws_harden) {
            gmdl_model_destroy(m);
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        }
        memcpy(m->sws_harden, cfg->sws.harden, (size_t)cfg->sws.harden_n * sizeof(double));
        m->cfg.sws.harden = m->sws_harden;
    }
    m->in_c = c;
    m->in_h = h;
    m->in_w = w;
    m->in_size = (size_t)c * (size_t)h * (size_t)w;
    m->classes = classes;
    m->max_batch = cfg->batch > EVAL_BATCH ? cfg->batch : EVAL_BATCH;
    m->layers = gmdl__calloc(3 * (size_t)ns + 6, sizeof(gmdl__layer));
    if (!m->layers) {
        gmdl_model_destroy(m);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    m->method = method;
    /* the automatic schedule: the method's, for nets starting with a dense layer or not */
    if (m->cfg.lr_schedule == GMDL_LR_AUTO)
        m->cfg.lr_schedule = sp[0].kind == 'd' ? method->lr_dense : method->lr_conv;
    s = build_layers(m, sp, ns, rate, nselect, err);
    /* group scales: the weight variances of the first layer are clipped at 0.04 (Louizos et al.
     * 2017) */
    for (int i = 0; !s && gmdl__method_has(method, GMDL__M_GROUP) && i < m->nlayers; i++)
        if (m->layers[i].bayes) {
            m->layers[i].k.group.max_logvar = logf(0.04f);
            break;
        }
    if (!s)
        s = plan(m, err);
    if (s) {
        gmdl_model_destroy(m);
        return s;
    }
    if (gmdl__method_has(method, GMDL__M_PRIOR_LAYER)) { /* it covers every layer before it */
        m->layers[m->nlayers - 1].k.sws.layers = m->layers;
        m->layers[m->nlayers - 1].k.sws.nlayers = m->nlayers - 1;
    }
    for (int i = 0; i < m->nlayers; i++)
        if (m->layers[i].ops->init) {
            gmdl_rng r;
            gmdl_rng_derive(&r, cfg->seed, GMDL_RNG_INIT, (uint64_t)i);
            m->layers[i].ops->init(&m->layers[i], &r);
        }
    gmdl_rng_derive(&m->shuffle_rng, cfg->seed, GMDL_RNG_SHUFFLE, 0);
    *out = m;
    return GMDL_OK;
}

const float *
gmdl__model_forward(gmdl_model *m, int n, gmdl_mode mode, uint64_t seed, uint64_t step) {
    GMDL_ASSERT(n >= 1 && n <= m->max_batch);
    for (int i = 0; i < m->nlayers; i++) {
        gmdl__fwd a = {m->act[i], m->act[i + 1], n, mode, seed, step};
        m->layers[i].ops->forward(&m->layers[i], &a);
    }
    return m->act[m->nlayers];
}

gmdl_status gmdl__model_reserve_perm(gmdl_model *m, size_t n) {
    if (m->perm_n == n)
        return GMDL_OK;
    uint32_t *p = gmdl__realloc(m->perm, n * sizeof(uint32_t));
    if (!p)
        return GMDL_ENOMEM;
    m->perm = p;
    m->perm_n = n;
    return GMDL_OK;
}

gmdl_status gmdl__model_push_history(gmdl_model *m, const gmdl_epoch_stats *st) {
    if (m->nhist == m->caphist) {
        int cap = m->caphist ? 2 * m->caphist : 16;
        gmdl_epoch_stats *h = gmdl__realloc(m->hist, (size_t)cap * sizeof *h);
        if (!h)
            return GMDL_ENOMEM;
        m->hist = h;
        m->caphist = cap;
    }
    m->hist[m->nhist++] = *st;
    return GMDL_OK;
}

const gmdl_train_config *gmdl_model_config(const gmdl_model *m) {
    return &m->cfg;
}
int gmdl_model_epoch(const gmdl_model *m) {
    return m->epoch;
}
void gmdl_model_set_epochs(gmdl_model *m, int epochs) {
    m->cfg.epochs = epochs;
}
uint64_t gmdl_model_step(const gmdl_model *m) {
    return m->step;
}
void gmdl_model_input_shape(int *c, int *h, int *w, const gmdl_model *m) {
    *c = m->in_c;
    *h = m->in_h;
    *w = m->in_w;
}
int gmdl_model_classes(const gmdl_model *m) {
    return m->classes;
}
size_t gmdl_model_param_count(const gmdl_model *m) {
    size_t n = 0;
    for (int i = 0; i < m->nlayers; i++)
        for (int j = 0; j < m->layers[i].nparams; j++)
            n += m->layers[i].param[j].count;
    return n;
}
int gmdl_model_layer_count(const gmdl_model *m) {
    return m->nlayers;
}
void gmdl_model_layer_info(gmdl_layer_info *info, const gmdl_model *m, int i) {
    const gmdl__layer *l = &m->layers[i];
    info->kind = l->ops->kind;
    info->name = l->name;
    info->in_size = l->in_size;
    info->out_size = l->out_size;
    info->params = 0;
    for (int j = 0; j < l->nparams; j++)
        info->params += l->param[j].count;
}
const gmdl_epoch_stats *gmdl_model_history(int *n, const gmdl_model *m) {
    *n = m->nhist;
    return m->hist;
}
double gmdl_model_last_train_seconds(const gmdl_model *m) {
    return m->last_train_seconds;
}

gmdl_status gmdl__model_kept_fraction(double *frac, double *units, const gmdl_model *m) {
    size_t kept = 0, total = 0, gkept = 0, gtotal = 0;
    *units = NAN;
    *frac = NAN;
    if (gmdl__method_has(m->method, GMDL__M_PRIOR_LAYER)) { /* sws: weights not assigned to the
                                                                zero component */
        const gmdl__layer *pr = &m->layers[m->nlayers - 1];
        for (int i = 0; i < m->nlayers - 1; i++) {
            const gmdl__layer *l = &m->layers[i];
            if (l->nparams == 0)
                continue;
            int *comp = gmdl__malloc(l->param[0].count * sizeof(int));
            if (!comp)
                return GMDL_ENOMEM;
            gmdl__sws_assign(pr, l->param[0].p, l->param[0].count, NULL, comp);
            for (size_t j = 0; j < l->param[0].count; j++)
                kept += comp[j] != 0;
            total += l->param[0].count;
            gmdl__free(comp);
        }
        *frac = total ? (double)kept / (double)total : 1.0;
        return GMDL_OK;
    }
    for (int i = 0; i < m->nlayers; i++) {
        const gmdl__layer *l = &m->layers[i];
        if (!l->ops->posterior)
            continue;
        const size_t n = gmdl__layer_weight_c(l)->count;
        double *st = gmdl__malloc(n * sizeof(double));
        if (!st)
            return GMDL_ENOMEM;
        size_t G;
        l->ops->posterior(l, NULL, NULL, st, &G);
        if (G) {
            /* groups kept (the statistic below 3, or the layer's two-cluster split of its
             * statistics, as gmdl compress), times their size */
            double t = 3.0;
            gmdl_status s = gmdl__method_has(m->method, GMDL__M_AUTO_THRESHOLD)
                                ? gmdl__group_statistics(l, st, &t)
                                : GMDL_OK;
            if (s) {
                gmdl__free(st);
                return s;
            }
            for (size_t g = 0; g < G; g++) {
                kept += st[g] < t ? n / G : 0;
                gkept += st[g] < t;
            }
            gtotal += G;
            *units = (double)gkept / (double)gtotal;
        } else { /* per weight: log alpha < 3 */
            for (size_t j = 0; j < n; j++)
                kept += st[j] < 3.0;
        }
        gmdl__free(st);
        total += n;
    }
    *frac = total ? (double)kept / (double)total : 1.0;
    return GMDL_OK;
}

int gmdl_model_is_compressed(const gmdl_model *m) {
    return m->compressed;
}

gmdl_status gmdl_model_init_from(gmdl_model *m, int *copied, const gmdl_model *src, gmdl_err *err) {
    *copied = 0;
    if (strcmp(m->cfg.arch, src->cfg.arch) != 0 || m->in_size != src->in_size ||
        m->classes != src->classes)
        return gmdl__fail(err, GMDL_ESHAPE,
                          "the initial model has architecture %s on %zu inputs with %d classes, "
                          "this one %s on %zu inputs with %d classes",
                          src->cfg.arch, src->in_size, src->classes, m->cfg.arch, m->in_size,
                          m->classes);
    for (int i = 0; i < m->nlayers; i++)
        for (int j = 0; j < m->layers[i].nparams; j++) {
            gmdl__param *p = &m->layers[i].param[j];
            for (int a = 0; a < src->nlayers; a++)
                for (int b = 0; b < src->layers[a].nparams; b++) {
                    const gmdl__param *q = &src->layers[a].param[b];
                    if (strcmp(p->name, q->name) == 0 && p->count == q->count &&
                        p->ndim == q->ndim &&
                        memcmp(p->dims, q->dims, (size_t)p->ndim * sizeof p->dims[0]) == 0) {
                        memcpy(p->p, q->p, p->count * sizeof(float));
                        (*copied)++;
                    }
                }
        }
    if (*copied == 0)
        return gmdl__fail(err, GMDL_ESHAPE, "the initial model has no parameter of this model");
    /* sws retraining a net without a mixture prior: place the components on its weights */
    gmdl__layer *last = &m->layers[m->nlayers - 1];
    if (gmdl__method_has(m->method, GMDL__M_PRIOR_LAYER) &&
        src->layers[src->nlayers - 1].ops != m->method->prior)
        return gmdl__sws_fit(last, err);
    return GMDL_OK;
}
