/* Model construction from (arch, method), memory planning, forward pass, accessors.
 * Architectures: "lenet300" (784-300-100-10) and "mlp:H1-H2-..." (hidden sizes, ReLU).
 * Methods: "dense", "dropout" / "dropout:P" (Bernoulli dropout after every hidden ReLU). */
#include <errno.h>

#include "nn/model_internal.h"

#define MAX_HIDDEN 16
#define EVAL_BATCH 1000

gmdl_train_config gmdl_train_config_default(void) {
    gmdl_train_config c;
    memset(&c, 0, sizeof c);
    snprintf(c.arch, sizeof c.arch, "lenet300");
    snprintf(c.method, sizeof c.method, "dense");
    c.epochs = 10;
    c.batch = 100;
    c.lr = 1e-3;
    c.lr_schedule = GMDL_LR_COSINE;
    c.optimizer = GMDL_OPT_ADAM;
    c.momentum = 0.9;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.adam_eps = 1e-8;
    c.weight_decay = 0.0;
    c.seed = 1;
    return c;
}

/* Hidden layer sizes of an architecture string. */
static gmdl_status parse_arch(const char *arch, int *hidden, int *nh, gmdl_err *err) {
    *nh = 0;
    if (strcmp(arch, "lenet300") == 0) {
        hidden[0] = 300;
        hidden[1] = 100;
        *nh = 2;
        return GMDL_OK;
    }
    if (strncmp(arch, "mlp:", 4) == 0) {
        const char *p = arch + 4;
        for (;;) {
            char *end;
            errno = 0;
            long h = strtol(p, &end, 10);
            if (end == p || errno || h < 1 || h > 1000000 || (*end != '-' && *end != '\0'))
                return gmdl__fail(err, GMDL_EINVAL,
                                  "architecture '%s': expected hidden sizes like mlp:300-100 "
                                  "(positive integers separated by '-') at '%s'",
                                  arch, p);
            if (*nh == MAX_HIDDEN)
                return gmdl__fail(err, GMDL_EINVAL, "architecture '%s': at most %d hidden layers",
                                  arch, MAX_HIDDEN);
            hidden[(*nh)++] = (int)h;
            if (*end == '\0')
                break;
            p = end + 1;
        }
        return GMDL_OK;
    }
    if (strcmp(arch, "lenet5") == 0 || strncmp(arch, "cnn:", 4) == 0)
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "architecture '%s': convolutional nets are not available in this "
                          "version (available: lenet300, mlp:H1-H2-...)",
                          arch);
    return gmdl__fail(err, GMDL_EINVAL,
                      "unknown architecture '%s' (available: lenet300, mlp:H1-H2-...)", arch);
}

gmdl_status gmdl__parse_method(const char *method, int *dropout, float *rate, gmdl_err *err) {
    *dropout = 0;
    *rate = 0.0f;
    if (strcmp(method, "dense") == 0)
        return GMDL_OK;
    if (strcmp(method, "dropout") == 0) {
        *dropout = 1;
        *rate = 0.5f;
        return GMDL_OK;
    }
    if (strncmp(method, "dropout:", 8) == 0) {
        char *end;
        errno = 0;
        double p = strtod(method + 8, &end);
        if (end == method + 8 || *end || errno || !(p >= 0.0 && p < 1.0))
            return gmdl__fail(err, GMDL_EINVAL,
                              "method '%s': the dropout probability must be a number in [0, 1)",
                              method);
        *dropout = 1;
        *rate = (float)p;
        return GMDL_OK;
    }
    static const char *later[] = {"vd", "svd", "bc-gnj", "bc-ghs", "bbb", "sws"};
    for (size_t i = 0; i < sizeof later / sizeof later[0]; i++)
        if (strcmp(method, later[i]) == 0)
            return gmdl__fail(err, GMDL_EUNSUPPORTED,
                              "method '%s' is not available in this version (available: dense, "
                              "dropout[:P])",
                              method);
    return gmdl__fail(err, GMDL_EINVAL,
                      "unknown method '%s' (available: dense, dropout[:P])", method);
}

gmdl_status gmdl_train_config_check(const gmdl_train_config *cfg, gmdl_err *err) {
    int hidden[MAX_HIDDEN], nh, dropout;
    float rate;
    if (!memchr(cfg->arch, 0, sizeof cfg->arch) || !memchr(cfg->method, 0, sizeof cfg->method))
        return gmdl__fail(err, GMDL_EINVAL, "architecture or method string too long");
    gmdl_status s = parse_arch(cfg->arch, hidden, &nh, err);
    if (s)
        return s;
    s = gmdl__parse_method(cfg->method, &dropout, &rate, err);
    if (s)
        return s;
    if (cfg->epochs < 0 || cfg->epochs > 1000000)
        return gmdl__fail(err, GMDL_EINVAL, "epochs must be in [0, 1000000], got %d", cfg->epochs);
    if (cfg->batch < 1 || cfg->batch > 65536)
        return gmdl__fail(err, GMDL_EINVAL, "batch must be in [1, 65536], got %d", cfg->batch);
    if (!(cfg->lr > 0.0 && cfg->lr < 1e3))
        return gmdl__fail(err, GMDL_EINVAL, "learning rate must be in (0, 1000), got %g", cfg->lr);
    if (cfg->lr_schedule != GMDL_LR_CONSTANT && cfg->lr_schedule != GMDL_LR_COSINE)
        return gmdl__fail(err, GMDL_EINVAL, "unknown learning-rate schedule %d",
                          (int)cfg->lr_schedule);
    if (cfg->optimizer != GMDL_OPT_ADAM && cfg->optimizer != GMDL_OPT_SGD)
        return gmdl__fail(err, GMDL_EINVAL, "unknown optimizer %d", (int)cfg->optimizer);
    if (!(cfg->momentum >= 0.0 && cfg->momentum < 1.0) || !(cfg->beta1 >= 0.0 && cfg->beta1 < 1.0) ||
        !(cfg->beta2 >= 0.0 && cfg->beta2 < 1.0) || !(cfg->adam_eps > 0.0) ||
        !(cfg->weight_decay >= 0.0))
        return gmdl__fail(err, GMDL_EINVAL,
                          "momentum, beta1 and beta2 must be in [0, 1), eps > 0, weight decay >= 0");
    return GMDL_OK;
}

static gmdl_status add_layer(gmdl_model *m, const gmdl__layer_ops *ops, const char *name,
                             int units, float rate, gmdl_err *err) {
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
    } else {
        const gmdl__layer *p = &m->layers[m->nlayers - 1];
        l->in_c = p->out_c;
        l->in_h = p->out_h;
        l->in_w = p->out_w;
        l->in_size = p->out_size;
    }
    if (ops == &gmdl__dense_ops) { /* a dense layer sees a flat vector */
        l->in_c = (int)l->in_size;
        l->in_h = l->in_w = 1;
    }
    l->units = units;
    l->rate = rate;
    gmdl_status s = ops->setup(l, err);
    if (s)
        return s;
    m->nlayers++;
    return GMDL_OK;
}

void gmdl_model_destroy(gmdl_model *m) {
    if (!m)
        return;
    if (m->act)
        for (int i = 0; i <= m->nlayers; i++) {
            gmdl__free_aligned(m->act[i]);
            gmdl__free_aligned(m->dact[i]);
        }
    gmdl__free(m->act);
    gmdl__free(m->dact);
    gmdl__free_aligned(m->params);
    gmdl__free_aligned(m->grads);
    gmdl__free_aligned(m->m1);
    gmdl__free_aligned(m->m2);
    gmdl__free_aligned(m->cache_block);
    gmdl__free(m->ybatch);
    gmdl__free_aligned(m->probs);
    gmdl__free(m->probs_acc);
    gmdl__free(m->perm);
    gmdl__free(m->hist);
    gmdl__free(m->layers);
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
    m->cache_block = gmdl__malloc_aligned(cache ? cache : 64);
    m->ybatch = gmdl__calloc((size_t)m->max_batch, sizeof(int32_t));
    m->probs = zalloc_f((size_t)m->max_batch * (size_t)m->classes);
    m->probs_acc = gmdl__calloc((size_t)m->max_batch * (size_t)m->classes, sizeof(double));
    if (!m->cache_block || !m->ybatch || !m->probs || !m->probs_acc)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for caches");
    size_t c = 0;
    for (int i = 0; i < m->nlayers; i++) {
        gmdl__layer *l = &m->layers[i];
        l->cache = l->cache_per_sample ? m->cache_block + c : NULL;
        c += ((size_t)m->max_batch * l->cache_per_sample + 63) / 64 * 64;
        for (int j = 0; j < l->nparams; j++) {
            l->param[j].p = m->params + l->param[j].offset;
            l->param[j].g = m->grads + l->param[j].offset;
        }
    }
    return GMDL_OK;
}

gmdl_status gmdl_model_create(gmdl_model **out, const gmdl_train_config *cfg, int c, int h, int w,
                              int classes, gmdl_err *err) {
    *out = NULL;
    gmdl_status s = gmdl_train_config_check(cfg, err);
    if (s)
        return s;
    if (c < 1 || h < 1 || w < 1 || (size_t)c * (size_t)h * (size_t)w > 100000000u)
        return gmdl__fail(err, GMDL_ESHAPE, "input shape [%d, %d, %d] is not valid", c, h, w);
    if (classes < 2)
        return gmdl__fail(err, GMDL_EINVAL, "need at least 2 classes, got %d", classes);
    int hidden[MAX_HIDDEN], nh, dropout;
    float rate;
    s = parse_arch(cfg->arch, hidden, &nh, err);
    if (!s)
        s = gmdl__parse_method(cfg->method, &dropout, &rate, err);
    if (s)
        return s;
    gmdl_model *m = gmdl__calloc(1, sizeof *m);
    if (!m)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    m->cfg = *cfg;
    m->in_c = c;
    m->in_h = h;
    m->in_w = w;
    m->in_size = (size_t)c * (size_t)h * (size_t)w;
    m->classes = classes;
    m->max_batch = cfg->batch > EVAL_BATCH ? cfg->batch : EVAL_BATCH;
    m->layers = gmdl__calloc(3 * (size_t)nh + 1, sizeof(gmdl__layer));
    if (!m->layers) {
        gmdl_model_destroy(m);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    char name[32];
    for (int i = 0; i < nh && !s; i++) {
        snprintf(name, sizeof name, "fc%d", i + 1);
        s = add_layer(m, &gmdl__dense_ops, name, hidden[i], 0.0f, err);
        snprintf(name, sizeof name, "relu%d", i + 1);
        if (!s)
            s = add_layer(m, &gmdl__relu_ops, name, 0, 0.0f, err);
        snprintf(name, sizeof name, "drop%d", i + 1);
        if (!s && dropout)
            s = add_layer(m, &gmdl__dropout_ops, name, 0, rate, err);
    }
    snprintf(name, sizeof name, "fc%d", nh + 1);
    if (!s)
        s = add_layer(m, &gmdl__dense_ops, name, classes, 0.0f, err);
    if (!s)
        s = plan(m, err);
    if (s) {
        gmdl_model_destroy(m);
        return s;
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

const float *gmdl__model_forward(gmdl_model *m, int n, gmdl_mode mode, uint64_t seed,
                                 uint64_t step) {
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
void gmdl_model_input_shape(const gmdl_model *m, int *c, int *h, int *w) {
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
void gmdl_model_layer_info(const gmdl_model *m, int i, gmdl_layer_info *info) {
    const gmdl__layer *l = &m->layers[i];
    info->kind = l->ops->kind;
    info->name = l->name;
    info->in_size = l->in_size;
    info->out_size = l->out_size;
    info->params = 0;
    for (int j = 0; j < l->nparams; j++)
        info->params += l->param[j].count;
}
const gmdl_epoch_stats *gmdl_model_history(const gmdl_model *m, int *n) {
    *n = m->nhist;
    return m->hist;
}
double gmdl_model_last_train_seconds(const gmdl_model *m) {
    return m->last_train_seconds;
}
