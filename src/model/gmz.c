/* The .gmz container: a pruned, quantised net (gmz.h has the layer encoding), written through the
 * checksummed container of src/io, and decoded into a model with plain layers holding the
 * quantised weights: of the pruned architecture where the pruning is structured (reduce.c),
 * else of the full one with zeros where pruned (mostly-zero dense layers then run sparse). Every
 * field is validated before it is used. This file decides nothing about what is kept. */
#include "model/gmz.h"

#include "io/ckpt.h"

static const char GMZ_MAGIC[8] = {'\x89', 'G', 'M', 'Z', '\r', '\n', '\x1a', '\n'};
#define GMZ_MAJOR 1
#define GMZ_MINOR 0

/* ---------------------------------------------------------------- bit streams */
int gmdl__bitw_put(gmdl__bitw *w, uint64_t v, int nbits) {
    size_t need = (w->bits + (size_t)nbits + 7) / 8;
    if (need > w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 1024;
        while (cap < need)
            cap *= 2;
        unsigned char *q = gmdl__realloc(w->p, cap);
        if (!q)
            return -1;
        memset(q + w->cap, 0, cap - w->cap);
        w->p = q;
        w->cap = cap;
    }
    for (int b = 0; b < nbits; b++, w->bits++)
        if ((v >> b) & 1u)
            w->p[w->bits / 8] |= (unsigned char)(1u << (w->bits % 8));
    return 0;
}

static uint64_t br_get(const unsigned char *p, size_t *pos, int nbits) {
    uint64_t v = 0;
    for (int b = 0; b < nbits; b++, (*pos)++)
        if ((p[*pos / 8] >> (*pos % 8)) & 1u)
            v |= (uint64_t)1u << b;
    return v;
}

/* ---------------------------------------------------------------- writing */
#define TRY(x)                                                                                     \
    if (!s)                                                                                        \
    s = (x)

static gmdl_status write_head(gmdl__ckpt_writer *w, const gmdl_model *m, const gmdl__gmz_head *h) {
    gmdl_status s = GMDL_OK;
    TRY(gmdl__ckpt_meta_str(w, "model.kind", "compressed-classifier"));
    TRY(gmdl__ckpt_meta_str(w, "model.arch", m->cfg.arch));
    TRY(gmdl__ckpt_meta_str(w, "model.method", m->cfg.method));
    TRY(gmdl__ckpt_meta_u64(w, "model.input_c", (uint64_t)m->in_c));
    TRY(gmdl__ckpt_meta_u64(w, "model.input_h", (uint64_t)m->in_h));
    TRY(gmdl__ckpt_meta_u64(w, "model.input_w", (uint64_t)m->in_w));
    TRY(gmdl__ckpt_meta_u64(w, "model.classes", (uint64_t)m->classes));
    TRY(gmdl__ckpt_meta_str(w, "lib.version", GMDL_VERSION_STRING));
    TRY(gmdl__ckpt_meta_f64(w, "compress.log_alpha_threshold", h->log_alpha_threshold));
    TRY(gmdl__ckpt_meta_u64(w, "compress.exponent_bits", (uint64_t)h->exponent_bits));
    TRY(gmdl__ckpt_meta_u64(w, "compress.structured", (uint64_t)h->structured));
    return s;
}

/* the CSR arrays of one layer: row pointers, packed columns and codes */
static gmdl_status
encode(const gmdl__gmz_layer *L, uint32_t *rowptr, gmdl__bitw *iw, gmdl__bitw *cw) {
    const int cbits = gmdl__bits_for(L->cols);
    const uint64_t mask = ((uint64_t)1 << L->bits) - 1;
    size_t k = 0;
    for (size_t r = 0; r < L->rows; r++) {
        for (size_t q = 0; q < L->cols; q++) {
            size_t j = r * L->cols + q;
            if (!L->keep[j])
                continue;
            if (gmdl__bitw_put(cw, (uint64_t)L->code[j] & mask, L->bits) ||
                gmdl__bitw_put(iw, q, cbits))
                return GMDL_ENOMEM;
            k++;
        }
        rowptr[r + 1] = (uint32_t)k;
    }
    return GMDL_OK;
}

static gmdl_status write_layer(gmdl__ckpt_writer *w, const gmdl__gmz_layer *L, gmdl_err *err) {
    uint32_t *rowptr = gmdl__calloc(L->rows + 1, sizeof(uint32_t));
    gmdl__bitw cw = {0}, iw = {0};
    gmdl_status s = !rowptr ? GMDL_ENOMEM : encode(L, rowptr, &iw, &cw);
    if (s)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    char key[96];
    uint64_t d1[1];
    unsigned char zero = 0;
    snprintf(key, sizeof key, "%s.sig_bits", L->name);
    TRY(gmdl__ckpt_meta_u64(w, key, (uint64_t)L->sig_bits));
    snprintf(key, sizeof key, "%s.bits", L->name);
    TRY(gmdl__ckpt_meta_u64(w, key, (uint64_t)L->bits));
    snprintf(key, sizeof key, "%s.rule_bits", L->name);
    TRY(gmdl__ckpt_meta_u64(w, key, (uint64_t)L->rule_bits));
    snprintf(key, sizeof key, "%s.rowptr", L->name);
    d1[0] = L->rows + 1;
    TRY(gmdl__ckpt_tensor(w, key, GMDL_DT_U32, 1, d1, rowptr));
    snprintf(key, sizeof key, "%s.cols", L->name);
    d1[0] = (iw.bits + 7) / 8 ? (iw.bits + 7) / 8 : 1;
    TRY(gmdl__ckpt_tensor(w, key, GMDL_DT_U8, 1, d1, iw.p ? iw.p : &zero));
    snprintf(key, sizeof key, "%s.codes", L->name);
    d1[0] = (cw.bits + 7) / 8 ? (cw.bits + 7) / 8 : 1;
    TRY(gmdl__ckpt_tensor(w, key, GMDL_DT_U8, 1, d1, cw.p ? cw.p : &zero));
    snprintf(key, sizeof key, "%s.bias", L->name);
    d1[0] = L->nbias;
    TRY(gmdl__ckpt_tensor(w, key, GMDL_DT_F32, 1, d1, L->bias));
    if (L->codebook) { /* codes are indices into it */
        snprintf(key, sizeof key, "%s.codebook", L->name);
        d1[0] = L->ncodebook;
        TRY(gmdl__ckpt_tensor(w, key, GMDL_DT_F32, 1, d1, L->codebook));
    }
    gmdl__free(rowptr);
    gmdl__free(cw.p);
    gmdl__free(iw.p);
    return s;
}

gmdl_status gmdl__gmz_write(const gmdl_model *m,
                            const gmdl__gmz_head *h,
                            const gmdl__gmz_layer *layers,
                            int n,
                            const char *path,
                            gmdl_err *err) {
    gmdl__ckpt_writer *w = gmdl__ckpt_writer_create();
    if (!w)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    gmdl_status s = write_head(w, m, h);
    for (int i = 0; i < n && !s; i++)
        s = write_layer(w, &layers[i], err);
    TRY(gmdl__ckpt_meta_f64(w, "compress.pruning_rate", h->pruning_rate));
    TRY(gmdl__ckpt_meta_f64(w, "compress.fast_prediction_rate", h->fast_prediction_rate));
    TRY(gmdl__ckpt_meta_f64(w, "compress.max_compression_rate", h->max_compression_rate));
    if (!s)
        s = gmdl__ckpt_write(w, path, GMZ_MAGIC, GMZ_MAJOR, GMZ_MINOR, err);
    gmdl__ckpt_writer_destroy(w);
    return s;
}
#undef TRY

/* ---------------------------------------------------------------- reading */
int gmdl__is_gmz(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char b[8];
    size_t n = fread(b, 1, 8, f);
    fclose(f);
    return n == 8 && memcmp(b, GMZ_MAGIC, 8) == 0;
}

/* The model the file describes, with plain layers of the full architecture; *method receives the
 * method it was trained with and *structured whether its pruning is. */
static gmdl_status read_head(const gmdl__ckpt *c,
                             const char *path,
                             gmdl_model **out,
                             char *method,
                             size_t method_size,
                             uint64_t *structured,
                             gmdl_err *err) {
    gmdl_train_config cfg = gmdl_train_config_default();
    const char *arch = gmdl__ckpt_get_str(c, "model.arch");
    const char *kind = gmdl__ckpt_get_str(c, "model.kind");
    uint64_t ic = 0, ih = 0, iw = 0, classes = 0;
    if (!arch || !kind || strcmp(kind, "compressed-classifier") != 0 ||
        !gmdl__ckpt_get_u64(c, "model.input_c", &ic) ||
        !gmdl__ckpt_get_u64(c, "model.input_h", &ih) ||
        !gmdl__ckpt_get_u64(c, "model.input_w", &iw) ||
        !gmdl__ckpt_get_u64(c, "model.classes", &classes) || ic > 65535 || ih > 65535 ||
        iw > 65535 || classes > (1u << 20) || strlen(arch) >= sizeof cfg.arch)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: missing or invalid model description", path);
    if (!gmdl__ckpt_get_u64(c, "compress.structured", structured))
        *structured = 0;
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    snprintf(cfg.method, sizeof cfg.method, "dense"); /* the decoded layers are plain */
    const char *mth = gmdl__ckpt_get_str(c, "model.method");
    snprintf(method, method_size, "%s", mth ? mth : "unknown");
    cfg.epochs = 0;
    gmdl_err sub;
    gmdl_status s = gmdl_model_create(out, &cfg, (int)ic, (int)ih, (int)iw, (int)classes, &sub);
    if (s == GMDL_ENOMEM) /* out of memory is not a bad file */
        return gmdl__fail(err, s, "%s: %s", path, sub.msg);
    if (s)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: invalid model description: %s", path, sub.msg);
    return GMDL_OK;
}

/* One layer's tensors, checked against the layer's shape. */
typedef struct {
    const gmdl__ckpt_tensor_info *rp, *ci, *co, *bi, *cb;
    uint64_t sig, bits;
} layer_tensors;

static int find_layer(const gmdl__ckpt *c, const gmdl__layer *l, layer_tensors *t) {
    const gmdl__param *w = gmdl__layer_weight_c(l), *b = gmdl__layer_bias_c(l);
    const size_t rows = (size_t)w->dims[0];
    char key[96];
    snprintf(key, sizeof key, "%s.sig_bits", l->name);
    int ok = gmdl__ckpt_get_u64(c, key, &t->sig) && t->sig <= 62;
    snprintf(key, sizeof key, "%s.bits", l->name);
    ok = ok && gmdl__ckpt_get_u64(c, key, &t->bits) && t->bits >= 1 && t->bits <= 63;
    snprintf(key, sizeof key, "%s.rowptr", l->name);
    t->rp = gmdl__ckpt_find(c, key);
    snprintf(key, sizeof key, "%s.cols", l->name);
    t->ci = gmdl__ckpt_find(c, key);
    snprintf(key, sizeof key, "%s.codes", l->name);
    t->co = gmdl__ckpt_find(c, key);
    snprintf(key, sizeof key, "%s.bias", l->name);
    t->bi = gmdl__ckpt_find(c, key);
    snprintf(key, sizeof key, "%s.codebook", l->name); /* sws: codes index it */
    t->cb = gmdl__ckpt_find(c, key);
    return ok && t->rp && t->ci && t->co && t->bi && t->rp->dtype == GMDL_DT_U32 &&
           t->rp->count == rows + 1 && t->ci->dtype == GMDL_DT_U8 && t->co->dtype == GMDL_DT_U8 &&
           t->bi->dtype == GMDL_DT_F32 && t->bi->count == b->count &&
           (!t->cb || (t->cb->dtype == GMDL_DT_F32 && t->cb->count >= 1));
}

/* Decodes layer l's weights into w [rows x cols] (zeros where pruned), its kept rows into
 * rowkeep [rows] and, when in_keep is not NULL, its used columns into in_keep [cols]. */
static gmdl_status decode_layer(const layer_tensors *t,
                                const gmdl__layer *l,
                                const char *path,
                                float *w,
                                unsigned char *rowkeep,
                                unsigned char *in_keep,
                                gmdl_err *err) {
    const gmdl__param *wp = gmdl__layer_weight_c(l);
    const size_t n = wp->count, rows = (size_t)wp->dims[0], cols = n / rows;
    const uint32_t *rowptr = t->rp->data;
    const size_t nnz = rowptr[rows];
    const int cbits = gmdl__bits_for(cols), bits = (int)t->bits;
    if (rowptr[0] != 0 || nnz > n || (nnz * (size_t)cbits + 7) / 8 > t->ci->nbytes ||
        (nnz * (size_t)bits + 7) / 8 > t->co->nbytes)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: layer %s: sparse structure out of range", path,
                          l->name);
    memset(w, 0, n * sizeof(float));
    size_t ipos = 0, cpos = 0;
    for (size_t r = 0; r < rows; r++) {
        if (rowptr[r + 1] < rowptr[r])
            return gmdl__fail(err, GMDL_ECORRUPT, "%s: layer %s: row pointers decrease", path,
                              l->name);
        rowkeep[r] = rowptr[r + 1] > rowptr[r];
        for (uint32_t k = rowptr[r]; k < rowptr[r + 1]; k++) {
            uint64_t q = br_get(t->ci->data, &ipos, cbits);
            uint64_t u = br_get(t->co->data, &cpos, bits);
            int64_t code =
                (u >> (bits - 1)) & 1u ? (int64_t)(u | ~(((uint64_t)1 << bits) - 1)) : (int64_t)u;
            if (q >= cols || (t->cb && u >= t->cb->count))
                return gmdl__fail(err, GMDL_ECORRUPT, "%s: layer %s: %s index out of range", path,
                                  l->name, q >= cols ? "column" : "codebook");
            if (in_keep)
                in_keep[q] = 1;
            w[r * cols + q] =
                t->cb ? ((const float *)t->cb->data)[u] : (float)ldexp((double)code, -(int)t->sig);
        }
    }
    return GMDL_OK;
}

/* Every weight layer of m from the file; rowkeep[q] and in_keep as decode_layer for the q-th
 * weight layer (allocated here, nlayers entries). */
static gmdl_status decode_layers(const gmdl__ckpt *c,
                                 gmdl_model *m,
                                 const char *path,
                                 unsigned char **rowkeep,
                                 unsigned char **in_keep,
                                 int *nw,
                                 gmdl_err *err) {
    gmdl_status s = GMDL_OK;
    for (int i = 0; i < m->nlayers && !s; i++) {
        gmdl__layer *l = &m->layers[i];
        if (l->nparams == 0)
            continue;
        layer_tensors t;
        if (!find_layer(c, l, &t))
            return gmdl__fail(err, GMDL_ECORRUPT, "%s: layer %s: missing or inconsistent tensors",
                              path, l->name);
        const gmdl__param *wp = gmdl__layer_weight(l);
        const size_t rows = (size_t)wp->dims[0], cols = wp->count / rows;
        const int q = (*nw)++;
        float *w = gmdl__malloc(wp->count * sizeof(float));
        rowkeep[q] = gmdl__calloc(rows, 1);
        if (q == 0)
            *in_keep = gmdl__calloc(cols, 1);
        if (!w || !rowkeep[q] || (q == 0 && !*in_keep)) {
            gmdl__free(w);
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        }
        s = decode_layer(&t, l, path, w, rowkeep[q], q == 0 ? *in_keep : NULL, err);
        if (!s)
            l->ops->load_compressed(l, w, t.bi->data);
        gmdl__free(w);
    }
    return s;
}

gmdl_status gmdl__gmz_load(gmdl_model **out, const char *path, gmdl_err *err) {
    return gmdl__gmz_load_ex(out, path, 1, err);
}

gmdl_status gmdl__gmz_load_ex(gmdl_model **out, const char *path, int reduce, gmdl_err *err) {
    *out = NULL;
    gmdl__ckpt *c;
    gmdl_status s = gmdl__ckpt_read(&c, path, GMZ_MAGIC, GMZ_MAJOR, err);
    if (s)
        return s;
    gmdl_model *m = NULL;
    char method[sizeof m->cfg.method];
    uint64_t structured = 0;
    s = read_head(c, path, &m, method, sizeof method, &structured, err);
    if (s) {
        gmdl__ckpt_destroy(c);
        return s;
    }
    unsigned char **rowkeep = gmdl__calloc((size_t)m->nlayers, sizeof *rowkeep), *in_keep = NULL;
    int nw = 0;
    s = rowkeep ? decode_layers(c, m, path, rowkeep, &in_keep, &nw, err)
                : gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    gmdl__ckpt_destroy(c);
    if (!s && structured && reduce) {
        gmdl_model *r;
        s = gmdl__model_reduce(m, rowkeep, in_keep, &r, err);
        if (!s && r) {
            gmdl_model_destroy(m);
            m = r;
        }
    }
    for (int q = 0; q < nw; q++)
        gmdl__free(rowkeep[q]);
    gmdl__free(rowkeep);
    gmdl__free(in_keep);
    if (!s)
        s = gmdl__model_sparsify(m, err);
    if (s) {
        gmdl_model_destroy(m);
        return s;
    }
    m->compressed = 1;
    snprintf(m->cfg.method, sizeof m->cfg.method, "%s", method); /* as trained, for display */
    *out = m;
    return GMDL_OK;
}
