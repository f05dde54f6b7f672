/* The semi-supervised VAE's creation (store and buffers planned once, the balanced labelled set),
 * and its files: the container of io/ckpt.h with magic "\x89GSS\r\n\x1a\n", kind "ssvae", the
 * config, step, epoch, the training-set size, and tensors "params", "adam.m", "adam.v" (f32 over
 * the flat store) and "labelled" (u32 indices). */
#include "io/ckpt.h"
#include "latent/ssvae_internal.h"

static const char SS_MAGIC[8] = {'\x89', 'G', 'S', 'S', '\r', '\n', '\x1a', '\n'};
#define SS_MAJOR 1
#define SS_MINOR 0
#define A16(n)   (((n) + 15u) & ~(size_t)15u)

gmdl_ssvae_config gmdl_ssvae_config_default(void) {
    gmdl_ssvae_config c = {784, 10, 500, 50, 100, 3e-4, 0.9, 0.999, 1e-8, 0.1, 0, 1, 0};
    return c;
}

const gmdl_ssvae_config *gmdl_ssvae_get_config(const gmdl_ssvae *m) {
    return &m->cfg;
}

int gmdl_ssvae_epoch(const gmdl_ssvae *m) {
    return m->epoch;
}

static gmdl_status check_config(const gmdl_ssvae_config *c, gmdl_err *err) {
    if (c->input < 1 || c->input > (1 << 20) || c->classes < 2 || c->classes > 256 ||
        c->hidden < 1 || c->hidden > 65536 || c->latent < 1 || c->latent > 4096 || c->batch < 1 ||
        c->batch > 4096 || !(c->lr > 0) || !(c->alpha >= 0) || !(c->adam_eps > 0) ||
        !(c->beta1 >= 0 && c->beta1 < 1) || !(c->beta2 >= 0 && c->beta2 < 1) ||
        (c->gaussian != 0 && c->gaussian != 1))
        return gmdl__fail(err, GMDL_EINVAL, "M2 settings out of range");
    return GMDL_OK;
}

static int plan(gmdl_ssvae *m) {
    const size_t D = (size_t)m->cfg.input, K = (size_t)m->cfg.classes, H = (size_t)m->cfg.hidden,
                 L = (size_t)m->cfg.latent, C = (size_t)m->cmax, R = (size_t)m->rmax,
                 O = m->cfg.gaussian ? 2 * D : D; /* decoder outputs per row */
    size_t sz[20] = {C * D, C * H,       C * K,     C * K, C * H,       C * H, C * H, K * H,
                     K * H, R * H,       2 * R * L, R * L, R * (L + K), R * H, R * O, R * O,
                     R * H, R * (L + K), 2 * R * L, R};
    float **dst[20] = {&m->cx, &m->ch,  &m->clog, &m->dclog, &m->cdh, &m->hx, &m->dhs,
                       &m->wy, &m->gy,  &m->h1,   &m->eo,    &m->eps, &m->zy, &m->h2,
                       &m->lg, &m->dlg, &m->dh,   &m->dzy,   &m->deo, &m->rs};
    size_t tot = 0;
    for (int i = 0; i < 20; i++)
        tot += A16(sz[i]);
    m->buf = gmdl__malloc_aligned(tot * sizeof(float));
    m->q = gmdl__malloc((C * K + 3 * R) * sizeof(double));
    m->ycls = gmdl__malloc(R * sizeof(int32_t));
    if (!m->buf || !m->q || !m->ycls)
        return -1;
    memset(m->buf, 0, tot * sizeof(float));
    size_t o = 0;
    for (int i = 0; i < 20; i++) {
        *dst[i] = m->buf + o;
        o += A16(sz[i]);
    }
    m->rows = m->q + C * K;
    m->kl = m->rows + R;
    m->lrow = m->kl + R;
    return 0;
}

static gmdl_status alloc_model(gmdl_ssvae **out, const gmdl_ssvae_config *cfg, gmdl_err *err) {
    gmdl_status s = check_config(cfg, err);
    if (s)
        return s;
    gmdl_ssvae *m = gmdl__calloc(1, sizeof *m);
    if (!m)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    m->cfg = *cfg;
    m->cmax = 2 * cfg->batch;
    m->rmax = cfg->batch + cfg->classes * cfg->batch;
    m->lpass = UINT64_MAX;
    const int D = cfg->input, K = cfg->classes, H = cfg->hidden, L = cfg->latent;
    m->nstore = gmdl__mlp_floats(D, H, K) + gmdl__mlp_floats(D + K, H, 2 * L) +
                gmdl__mlp_floats(L + K, H, cfg->gaussian ? 2 * D : D);
    m->p = gmdl__malloc_aligned(4 * m->nstore * sizeof(float));
    if (!m->p || plan(m)) {
        gmdl_ssvae_destroy(m);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the M2 model");
    }
    memset(m->p, 0, 4 * m->nstore * sizeof(float));
    m->g = m->p + m->nstore;
    m->m1 = m->g + m->nstore;
    m->m2 = m->m1 + m->nstore;
    size_t off = 0;
    gmdl__mlp_bind(&m->qy, D, H, K, m->p, m->g, &off);
    gmdl__mlp_bind(&m->qz, D + K, H, 2 * L, m->p, m->g, &off);
    gmdl__mlp_bind(&m->px, L + K, H, cfg->gaussian ? 2 * D : D, m->p, m->g, &off);
    gmdl__mlp *nets[3] = {&m->qy, &m->qz, &m->px};
    for (int i = 0; i < 3; i++) {
        gmdl_rng r;
        gmdl_rng_derive(&r, cfg->seed, GMDL_RNG_INIT, (uint64_t)i);
        gmdl__mlp_init(nets[i], &r);
    }
    *out = m;
    return GMDL_OK;
}

void gmdl_ssvae_destroy(gmdl_ssvae *m) {
    if (!m)
        return;
    gmdl__free_aligned(m->p);
    gmdl__free_aligned(m->buf);
    gmdl__free(m->q);
    gmdl__free(m->ycls);
    gmdl__free(m->lab);
    gmdl__free(m->unl);
    gmdl__free(m->perm);
    gmdl__free(m->lperm);
    gmdl__free(m);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* labels / K images of each class (the first labels % K classes one more), seeded. */
static gmdl_status
pick_labels(gmdl_ssvae *m, const gmdl_dataset *tr, size_t labels, gmdl_err *err) {
    const int K = m->cfg.classes;
    uint32_t *idx = gmdl__malloc(tr->n * sizeof(uint32_t));
    m->lab = gmdl__malloc(labels * sizeof(uint32_t));
    if (!idx || !m->lab) {
        gmdl__free(idx);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    size_t got = 0;
    for (int k = 0; k < K; k++) {
        size_t want = labels / (size_t)K + ((size_t)k < labels % (size_t)K), n = 0;
        for (size_t i = 0; i < tr->n; i++)
            if (tr->y[i] == k)
                idx[n++] = (uint32_t)i;
        if (n < want) {
            gmdl__free(idx);
            return gmdl__fail(err, GMDL_EINVAL, "class %d has %zu training images; %zu requested",
                              k, n, want);
        }
        gmdl_rng r;
        gmdl_rng_derive(&r, m->cfg.seed, GMDL_RNG_SHUFFLE, (1ull << 40) + (uint64_t)k);
        gmdl_rng_shuffle_u32(&r, idx, n);
        memcpy(m->lab + got, idx, want * sizeof(uint32_t));
        got += want;
    }
    gmdl__free(idx);
    qsort(m->lab, labels, sizeof(uint32_t), cmp_u32);
    m->nlab = labels;
    return GMDL_OK;
}

gmdl_status gmdl__ssvae_bind_data(gmdl_ssvae *m, const gmdl_dataset *tr, gmdl_err *err) {
    if (tr->dim != (size_t)m->cfg.input)
        return gmdl__fail(err, GMDL_ESHAPE, "the images have %zu pixels, the model %d", tr->dim,
                          m->cfg.input);
    if (m->unl && tr->n == m->ntrain)
        return GMDL_OK;
    if (m->unl || (m->ntrain && tr->n != m->ntrain) || tr->n > UINT32_MAX)
        return gmdl__fail(err, GMDL_ESHAPE,
                          "the training set has %zu images; the model was made for %zu", tr->n,
                          m->ntrain);
    for (size_t i = 0; i < m->nlab; i++)
        if (m->lab[i] >= tr->n || tr->y[m->lab[i]] < 0 || tr->y[m->lab[i]] >= m->cfg.classes)
            return gmdl__fail(err, GMDL_ESHAPE, "labelled image %u is not a valid item", m->lab[i]);
    m->ntrain = tr->n;
    m->nunl = tr->n - m->nlab;
    m->unl = gmdl__malloc((m->nunl ? m->nunl : 1) * sizeof(uint32_t));
    m->perm = gmdl__malloc((m->nunl ? m->nunl : 1) * sizeof(uint32_t));
    m->lperm = gmdl__malloc(m->nlab * sizeof(uint32_t));
    if (!m->unl || !m->perm || !m->lperm)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t i = 0, j = 0, u = 0; i < tr->n; i++) {
        if (j < m->nlab && m->lab[j] == i)
            j++;
        else
            m->unl[u++] = (uint32_t)i;
    }
    return GMDL_OK;
}

gmdl_status gmdl_ssvae_create(gmdl_ssvae **out,
                              const gmdl_ssvae_config *cfg,
                              const gmdl_dataset *train,
                              size_t labels,
                              gmdl_err *err) {
    *out = NULL;
    if (labels < 1 || labels >= train->n)
        return gmdl__fail(err, GMDL_EINVAL, "--labels must be in [1, %zu), got %zu", train->n,
                          labels);
    if (train->n < 2 || train->dim != (size_t)cfg->input)
        return gmdl__fail(err, GMDL_ESHAPE, "the images have %zu pixels, the model %d", train->dim,
                          cfg->input);
    gmdl_ssvae *m = NULL;
    gmdl_status s = alloc_model(&m, cfg, err);
    if (!s)
        s = pick_labels(m, train, labels, err);
    if (!s)
        s = gmdl__ssvae_bind_data(m, train, err);
    if (s) {
        gmdl_ssvae_destroy(m);
        return s;
    }
    *out = m;
    return GMDL_OK;
}

static gmdl_status put_meta(gmdl__ckpt_writer *w, const gmdl_ssvae *m) {
    const gmdl_ssvae_config *c = &m->cfg;
    const char *ik[6] = {"input", "classes", "hidden", "latent", "batch", "classifier_only"};
    const int iv[6] = {c->input, c->classes, c->hidden, c->latent, c->batch, c->classifier_only};
    const char *dk[5] = {"lr", "beta1", "beta2", "adam_eps", "alpha"};
    const double dv[5] = {c->lr, c->beta1, c->beta2, c->adam_eps, c->alpha};
    gmdl_status s = gmdl__ckpt_meta_str(w, "kind", "ssvae");
    for (int i = 0; i < 6 && !s; i++)
        s = gmdl__ckpt_meta_i64(w, ik[i], iv[i]);
    for (int i = 0; i < 5 && !s; i++)
        s = gmdl__ckpt_meta_f64(w, dk[i], dv[i]);
    s = s ? s : gmdl__ckpt_meta_u64(w, "seed", c->seed);
    s = s ? s : gmdl__ckpt_meta_i64(w, "gaussian", c->gaussian);
    s = s ? s : gmdl__ckpt_meta_u64(w, "step", m->step);
    s = s ? s : gmdl__ckpt_meta_i64(w, "epoch", m->epoch);
    s = s ? s : gmdl__ckpt_meta_u64(w, "ntrain", m->ntrain);
    return s;
}

gmdl_status gmdl_ssvae_save(const gmdl_ssvae *m, const char *path, gmdl_err *err) {
    gmdl__ckpt_writer *w = gmdl__ckpt_writer_create();
    if (!w)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    uint64_t dims[1] = {m->nstore}, ld[1] = {m->nlab};
    gmdl_status s = put_meta(w, m);
    s = s ? s : gmdl__ckpt_tensor(w, "params", GMDL_DT_F32, 1, dims, m->p);
    s = s ? s : gmdl__ckpt_tensor(w, "adam.m", GMDL_DT_F32, 1, dims, m->m1);
    s = s ? s : gmdl__ckpt_tensor(w, "adam.v", GMDL_DT_F32, 1, dims, m->m2);
    s = s ? s : gmdl__ckpt_tensor(w, "labelled", GMDL_DT_U32, 1, ld, m->lab);
    if (!s)
        s = gmdl__ckpt_write(w, path, SS_MAGIC, SS_MAJOR, SS_MINOR, err);
    else
        s = gmdl__fail(err, s, "%s: cannot build the M2 file: %s", path, gmdl_status_str(s));
    gmdl__ckpt_writer_destroy(w);
    return s;
}

static gmdl_status read_config(const gmdl__ckpt *c, gmdl_ssvae_config *cfg, gmdl_err *err) {
    const char *kind = gmdl__ckpt_get_str(c, "kind");
    const char *ik[6] = {"input", "classes", "hidden", "latent", "batch", "classifier_only"};
    int *iv[6] = {&cfg->input,  &cfg->classes, &cfg->hidden,
                  &cfg->latent, &cfg->batch,   &cfg->classifier_only};
    const char *dk[5] = {"lr", "beta1", "beta2", "adam_eps", "alpha"};
    double *dv[5] = {&cfg->lr, &cfg->beta1, &cfg->beta2, &cfg->adam_eps, &cfg->alpha};
    int ok = kind && strcmp(kind, "ssvae") == 0 && gmdl__ckpt_get_u64(c, "seed", &cfg->seed);
    for (int i = 0; i < 6 && ok; i++) {
        int64_t v;
        ok = gmdl__ckpt_get_i64(c, ik[i], &v) && v >= 0 && v <= (1 << 20);
        *iv[i] = ok ? (int)v : 0;
    }
    for (int i = 0; i < 5 && ok; i++)
        ok = gmdl__ckpt_get_f64(c, dk[i], dv[i]);
    int64_t g = 0; /* absent in files written before M1+M2: Bernoulli */
    if (ok && gmdl__ckpt_get_i64(c, "gaussian", &g))
        ok = g == 0 || g == 1;
    cfg->gaussian = (int)g;
    if (!ok)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: M2 metadata missing or out of range",
                          gmdl__ckpt_path(c));
    return GMDL_OK;
}

static gmdl_status load_state(gmdl_ssvae *m, const gmdl__ckpt *c, gmdl_err *err) {
    const char *names[3] = {"params", "adam.m", "adam.v"};
    float *dst[3] = {m->p, m->m1, m->m2};
    for (int i = 0; i < 3; i++) {
        const gmdl__ckpt_tensor_info *t = gmdl__ckpt_find(c, names[i]);
        if (!t || t->dtype != GMDL_DT_F32 || t->count != m->nstore)
            return gmdl__fail(err, GMDL_ECORRUPT, "%s: tensor %s missing or of the wrong size",
                              gmdl__ckpt_path(c), names[i]);
        memcpy(dst[i], t->data, m->nstore * sizeof(float));
    }
    const gmdl__ckpt_tensor_info *t = gmdl__ckpt_find(c, "labelled");
    int64_t ep;
    uint64_t nt;
    if (!t || t->dtype != GMDL_DT_U32 || t->count == 0 ||
        !gmdl__ckpt_get_u64(c, "step", &m->step) || !gmdl__ckpt_get_i64(c, "epoch", &ep) ||
        ep < 0 || ep > INT32_MAX || !gmdl__ckpt_get_u64(c, "ntrain", &nt) || nt <= t->count)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: labelled set, step or epoch missing",
                          gmdl__ckpt_path(c));
    m->lab = gmdl__malloc(t->count * sizeof(uint32_t));
    if (!m->lab)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    memcpy(m->lab, t->data, t->count * sizeof(uint32_t));
    m->nlab = t->count;
    m->epoch = (int)ep;
    m->ntrain = nt;
    return GMDL_OK;
}

gmdl_status gmdl_ssvae_load(gmdl_ssvae **out, const char *path, gmdl_err *err) {
    *out = NULL;
    gmdl__ckpt *c;
    gmdl_status s = gmdl__ckpt_read(&c, path, SS_MAGIC, SS_MAJOR, err);
    if (s)
        return s;
    gmdl_ssvae_config cfg = gmdl_ssvae_config_default();
    gmdl_ssvae *m = NULL;
    s = read_config(c, &cfg, err);
    if (!s)
        s = alloc_model(&m, &cfg, err);
    if (!s)
        s = load_state(m, c, err);
    gmdl__ckpt_destroy(c);
    if (s) {
        gmdl_ssvae_destroy(m);
        return s;
    }
    *out = m;
    return GMDL_OK;
}
