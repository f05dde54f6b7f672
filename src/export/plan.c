/* The export plan: a loaded net as fused operations (dense + ReLU; conv + ReLU + pooling; a
 * pooling alone) with each weight layer re-encoded in the storage the generated code reads. For
 * a .gmz every kept weight is its file's code again (code = weight 2^s exactly, or the index of
 * its codebook entry; anything else is a corrupt file), stored bit-packed with a zero point,
 * in compressed sparse rows unless dense packing is smaller; the layer shapes are those of the
 * loaded (structurally reduced) net, and a select layer in front of a dense first layer becomes
 * that layer's column indices into the raw input. A plain .gmdl keeps float32 weights. */
#include <math.h>

#include "export/export_internal.h"
#include "io/ckpt.h"
#include "model/gmz.h"

/* docs/FORMAT.md: the .gmz magic */
static const char GMZ_MAGIC[8] = {'\x89', 'G', 'M', 'Z', '\r', '\n', '\x1a', '\n'};

static int bits_for(uint64_t n) {
    int b = 1;
    while (b < 63 && ((uint64_t)1 << b) < n)
        b++;
    return b;
}

/* ---------------------------------------------------------------- one weight layer */
typedef struct {
    int sig, bits;
    const float *book;
    size_t nbook;
} layer_meta;

static gmdl_status
read_meta(const gmdl__ckpt *c, const char *path, const char *layer, layer_meta *lm, gmdl_err *err) {
    char key[96];
    uint64_t sig = 0, bits = 0;
    snprintf(key, sizeof key, "%s.sig_bits", layer);
    int ok = gmdl__ckpt_get_u64(c, key, &sig) && sig <= 62;
    snprintf(key, sizeof key, "%s.bits", layer);
    ok = ok && gmdl__ckpt_get_u64(c, key, &bits) && bits >= 1 && bits <= 32;
    if (!ok)
        return gmdl__fail(err, GMDL_ECORRUPT,
                          "%s: layer %s: missing or unsupported code width (sig_bits, bits <= 32)",
                          path, layer);
    lm->sig = (int)sig;
    lm->bits = (int)bits;
    snprintf(key, sizeof key, "%s.codebook", layer);
    const gmdl__ckpt_tensor_info *t = gmdl__ckpt_find(c, key);
    lm->book = t && t->dtype == GMDL_DT_F32 ? t->data : NULL;
    lm->nbook = lm->book ? (size_t)t->count : 0;
    return GMDL_OK;
}

/* The stored (unsigned) code of weight v, or -1 when v is not on the layer's grid. */
static int64_t code_of(const gmdl__xop *o, const layer_meta *lm, float v) {
    if (lm->book) {
        for (size_t j = 0; j < lm->nbook; j++)
            if (lm->book[j] == v)
                return (int64_t)j;
        return -1;
    }
    double c = ldexp((double)v, lm->sig);
    if (!(fabs(c) < 9.0e15))
        return -1;
    int64_t code = (int64_t)llround(c);
    if ((float)ldexp((double)code, -lm->sig) != v)
        return -1;
    int64_t u = code + o->zp;
    return u < 0 || u >= ((int64_t)1 << lm->bits) ? -1 : u;
}

/* Codes of a .gmz layer: w [rows x cols'] with column map sel (NULL: identity) into cols. */
static gmdl_status encode_coded(gmdl__xop *o,
                                const float *w,
                                size_t wcols,
                                const uint32_t *sel,
                                const layer_meta *lm,
                                const char *path,
                                gmdl_err *err) {
    o->coded = 1;
    o->sig_bits = lm->book ? 0 : lm->sig;
    o->bits = lm->bits;
    o->zp = lm->book ? 0 : (int64_t)1 << (lm->bits - 1);
    o->cbits = bits_for(o->cols);
    size_t nnz = 0, maxrow = 0;
    for (size_t r = 0; r < o->rows; r++) {
        size_t k = 0;
        for (size_t q = 0; q < wcols; q++)
            k += w[r * wcols + q] != 0.0f;
        nnz += k;
        maxrow = k > maxrow ? k : maxrow;
    }
    o->nnz = nnz;
    size_t full = o->rows * o->cols;
    o->sparse = nnz * (size_t)o->cbits + o->rows * 16 < (full - nnz) * (size_t)o->bits;
    if (o->sparse && maxrow > 65535)
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "%s: layer %s: a row keeps %zu weights (at most "
                          "65535 can be exported)",
                          path, o->name, maxrow);
    gmdl__bitw cw = {0}, iw = {0};
    o->rownnz = o->sparse ? gmdl__calloc(o->rows, sizeof(uint16_t)) : NULL;
    gmdl_status s = o->sparse && !o->rownnz ? GMDL_ENOMEM : GMDL_OK;
    for (size_t r = 0; r < o->rows && !s; r++)
        for (size_t c = 0; c < o->cols && !s; c++) {
            /* column c of the raw input is weight column q (select) */
            size_t q = c;
            float v = 0.0f;
            if (sel) {
                /* sel is increasing: find c among the kept inputs by bisection */
                size_t lo = 0, hi = wcols;
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    if (sel[mid] < c)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                q = lo < wcols && sel[lo] == c ? lo : (size_t)-1;
            }
            if (q != (size_t)-1)
                v = w[r * wcols + q];
            if (o->sparse && v == 0.0f)
                continue;
            int64_t u = code_of(o, lm, v);
            if (u < 0) {
                gmdl__free(cw.p);
                gmdl__free(iw.p);
                return gmdl__fail(err, GMDL_ECORRUPT,
                                  "%s: layer %s: weight %g is not a code of the layer's grid", path,
                                  o->name, (double)v);
            }
            if (gmdl__bitw_put(&cw, (uint64_t)u, o->bits) ||
                (o->sparse && gmdl__bitw_put(&iw, c, o->cbits)))
                s = GMDL_ENOMEM;
            if (o->sparse)
                o->rownnz[r]++;
        }
    o->codep = cw.p;
    o->codep_bytes = (cw.bits + 7) / 8;
    o->colp = iw.p;
    o->colp_bytes = (iw.bits + 7) / 8;
    if (!s && lm->book) {
        o->codebook = gmdl__malloc(lm->nbook * sizeof(float));
        o->ncodebook = lm->nbook;
        if (!o->codebook)
            s = GMDL_ENOMEM;
        else
            memcpy(o->codebook, lm->book, lm->nbook * sizeof(float));
    }
    return s ? gmdl__fail(err, s, "out of memory") : GMDL_OK;
}

/* The weights of layer l (and the select map in front of it) into op o. */
static gmdl_status weights(gmdl__xop *o,
                           const gmdl__layer *l,
                           const uint32_t *sel,
                           size_t raw_inputs,
                           const gmdl__ckpt *c,
                           const char *path,
                           gmdl_err *err) {
    const gmdl__param *wp = gmdl__layer_weight_c(l), *bp = gmdl__layer_bias_c(l);
    o->rows = (size_t)wp->dims[0];
    size_t wcols = wp->count / o->rows;
    o->cols = sel ? raw_inputs : wcols;
    o->bias = gmdl__malloc(o->rows * sizeof(float));
    if (!o->bias)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    memcpy(o->bias, bp->p, o->rows * sizeof(float));
    for (size_t j = 0; j < wp->count; j++)
        if (!isfinite(wp->p[j]))
            return gmdl__fail(err, GMDL_ECORRUPT, "%s: layer %s: a weight is not finite", path,
                              l->name);
    if (c) {
        layer_meta lm = {0, 0, NULL, 0};
        gmdl_status s = read_meta(c, path, l->name, &lm, err);
        return s ? s : encode_coded(o, wp->p, wcols, sel, &lm, path, err);
    }
    if (sel)
        return gmdl__fail(err, GMDL_EUNSUPPORTED, "%s: a select layer in a plain model", path);
    o->nnz = wp->count;
    o->wf = gmdl__malloc(wp->count * sizeof(float));
    if (!o->wf)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    memcpy(o->wf, wp->p, wp->count * sizeof(float));
    return GMDL_OK;
}

/* ---------------------------------------------------------------- the layer walk */
static gmdl__xop *new_op(gmdl__xplan *p, gmdl__xop_kind kind, const gmdl__layer *l, int i) {
    gmdl__xop *o = &p->ops[p->nops++];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    snprintf(o->name, sizeof o->name, "%s", l->name);
    o->last_layer = i;
    o->c = l->in_c;
    o->h = l->in_h;
    o->w = l->in_w;
    o->oc = l->out_c;
    o->oh = l->out_h;
    o->ow = l->out_w;
    o->ch = l->out_h;
    o->cw = l->out_w;
    o->kh = l->kh;
    o->kw = l->kw;
    o->stride = l->stride;
    o->pad = l->pad;
    return o;
}

static void set_sizes(gmdl__xop *o) {
    o->in_size = (size_t)o->c * (size_t)o->h * (size_t)o->w;
    o->out_size = (size_t)o->oc * (size_t)o->oh * (size_t)o->ow;
}

/* Fuses relu or a pooling layer l into the last op; 0 when it cannot. */
static int fuse(gmdl__xplan *p, const gmdl__layer *l, int i) {
    gmdl__xop *o = p->nops ? &p->ops[p->nops - 1] : NULL;
    if (!o)
        return 0;
    if (l->ops == &gmdl__relu_ops) {
        if (o->relu || o->kind == GMDL__XOP_POOL || (o->pool && o->pool != 'm'))
            return 0;
        o->relu = 1;
    } else {
        if (o->kind != GMDL__XOP_CONV || o->pool)
            return 0;
        o->pool = l->ops == &gmdl__maxpool_ops ? 'm' : 'a';
        o->pool_k = l->kh;
        o->oh = l->out_h;
        o->ow = l->out_w;
    }
    o->last_layer = i;
    set_sizes(o);
    return 1;
}

static gmdl_status
walk(gmdl__xplan *p, const gmdl_model *m, const gmdl__ckpt *c, const char *path, gmdl_err *err) {
    const uint32_t *sel = NULL;
    for (int i = 0; i < m->nlayers; i++) {
        const gmdl__layer *l = &m->layers[i];
        const gmdl__layer_ops *ops = l->ops;
        if (ops == &gmdl__select_ops && p->nops == 0 && !sel) {
            sel = l->k.select.idx;
            continue;
        }
        if (ops == &gmdl__dropout_ops || ops == &gmdl__flatten_ops || ops == &gmdl__to_cnhw_ops ||
            ops == &gmdl__sws_prior_ops)
            continue; /* the identity for one sample in evaluation */
        int pool = ops == &gmdl__maxpool_ops || ops == &gmdl__avgpool_ops;
        if ((ops == &gmdl__relu_ops || pool) && fuse(p, l, i))
            continue;
        gmdl__xop *o;
        gmdl_status s = GMDL_OK;
        if (pool) {
            o = new_op(p, GMDL__XOP_POOL, l, i);
            o->pool = ops == &gmdl__maxpool_ops ? 'm' : 'a';
            o->pool_k = l->kh;
        } else if (ops == &gmdl__dense_ops || ops == &gmdl__sparse_dense_ops) {
            o = new_op(p, GMDL__XOP_DENSE, l, i);
            o->c = (int)(sel ? m->in_size : l->in_size);
            o->h = o->w = 1;
            s = weights(o, l, sel, m->in_size, c, path, err);
            sel = NULL;
        } else if (ops == &gmdl__conv2d_ops && !sel) {
            o = new_op(p, GMDL__XOP_CONV, l, i);
            s = weights(o, l, NULL, 0, c, path, err);
        } else {
            return gmdl__fail(err, GMDL_EUNSUPPORTED,
                              "%s: layer %s of kind '%s' at this place cannot be exported", path,
                              l->name, ops->kind);
        }
        set_sizes(o);
        if (s)
            return s;
    }
    if (p->nops == 0 || p->ops[p->nops - 1].kind != GMDL__XOP_DENSE || p->ops[p->nops - 1].relu ||
        p->ops[p->nops - 1].out_size != (size_t)m->classes)
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "%s: the net does not end in a dense layer of %d class logits", path,
                          m->classes);
    return GMDL_OK;
}

/* Ping-pong buffers: tensor k (k = 0 the input, k = op k-1's output) lives in buffer k % 2; the
 * last op writes the caller's probabilities. */
static void plan_memory(gmdl__xplan *p) {
    p->buf_a = p->inputs;
    p->buf_b = 0;
    p->plane = 0;
    for (int k = 0; k < p->nops; k++) {
        const gmdl__xop *o = &p->ops[k];
        if (k + 1 < p->nops) {
            size_t *b = (k + 1) % 2 ? &p->buf_b : &p->buf_a;
            *b = o->out_size > *b ? o->out_size : *b;
        }
        size_t pl = o->kind == GMDL__XOP_CONV ? (size_t)o->ch * (size_t)o->cw : 0;
        p->plane = pl > p->plane ? pl : p->plane;
    }
}

gmdl_status
gmdl__xplan_build(gmdl__xplan *p, const gmdl_model *m, const char *path, gmdl_err *err) {
    memset(p, 0, sizeof *p);
    gmdl_method_info mi;
    gmdl_err sub;
    if (gmdl_method_lookup(&mi, m->cfg.method, &sub))
        return gmdl__fail(err, GMDL_EUNSUPPORTED, "%s: unknown method '%s': %s", path,
                          m->cfg.method, sub.msg);
    if (m->tab.format)
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "%s: a net on a table (its inputs standardised, its classes named) "
                          "cannot be exported yet; export takes nets on images",
                          path);
    if (!m->compressed && mi.bayes)
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "%s: a model trained with %s exports only after compression (gmdl "
                          "compress it to a .gmz)",
                          path, mi.name);
    p->in_c = m->in_c;
    p->in_h = m->in_h;
    p->in_w = m->in_w;
    p->classes = m->classes;
    p->inputs = m->in_size;
    p->compressed = m->compressed;
    snprintf(p->arch, sizeof p->arch, "%s", m->cfg.arch);
    snprintf(p->method, sizeof p->method, "%s", m->cfg.method);
    p->ops = gmdl__calloc((size_t)m->nlayers, sizeof *p->ops);
    if (!p->ops)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    gmdl__ckpt *c = NULL;
    gmdl_status s = GMDL_OK;
    if (m->compressed)
        s = gmdl__ckpt_read(&c, path, GMZ_MAGIC, 1, err);
    if (!s)
        s = walk(p, m, c, path, err);
    gmdl__ckpt_destroy(c);
    if (!s)
        plan_memory(p);
    return s;
}

void gmdl__xplan_fini(gmdl__xplan *p) {
    for (int k = 0; p->ops && k < p->nops; k++) {
        gmdl__xop *o = &p->ops[k];
        gmdl__free(o->rownnz);
        gmdl__free(o->colp);
        gmdl__free(o->codep);
        gmdl__free(o->wf);
        gmdl__free(o->bias);
        gmdl__free(o->codebook);
        gmdl__free(o->qbook);
        gmdl__free(o->wq);
    }
    gmdl__free(p->ops);
    memset(p, 0, sizeof *p);
}
