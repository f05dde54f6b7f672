/* Net reduction: model surgery on a decoded .gmz model (plain layers). Structured pruning
 * (bc-gnj, bc-ghs) gets the smaller architecture itself; mostly-zero dense layers run sparse (CSR).
 * What is kept was decided by the compression policy (compress.c) and stored by the codec
 * (gmz.c); this file only rebuilds. */
#include "model/model_internal.h"

/* Dense layers that are mostly zeros run sparse: CSR in one block per model (kept weights whose
 * code is 0 decode to 0 and are left out). */
gmdl_status gmdl__model_sparsify(gmdl_model *m, gmdl_err *err) {
    for (int i = 0; i < m->nlayers; i++) {
        gmdl__layer *l = &m->layers[i];
        if (l->ops != &gmdl__dense_ops)
            continue;
        const gmdl__param *w = gmdl__layer_weight_c(l);
        size_t n = w->count, rows = (size_t)w->dims[0], cols = n / rows, nzc = 0;
        for (size_t j = 0; j < n; j++)
            nzc += w->p[j] != 0.0f;
        if (nzc * 3 >= n)
            continue;
        void *sl =
            gmdl__realloc(m->sparse_layers, (size_t)(m->nsparse + 1) * sizeof *m->sparse_layers);
        if (!sl)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        m->sparse_layers = sl;
        size_t bytes = (rows + 1 + nzc) * sizeof(uint32_t) + nzc * sizeof(float);
        unsigned char *blk = gmdl__realloc(m->sparse_block, m->sparse_bytes + bytes);
        if (!blk)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        m->sparse_block = blk;
        m->sparse_layers[m->nsparse].layer = i;
        m->sparse_layers[m->nsparse].offset = m->sparse_bytes;
        m->nsparse++;
        unsigned char *p = blk + m->sparse_bytes;
        uint32_t *rp2 = (uint32_t *)p, *cols2 = rp2 + rows + 1;
        float *vals = (float *)(cols2 + nzc);
        size_t k = 0;
        rp2[0] = 0;
        for (size_t r = 0; r < rows; r++) {
            for (size_t q = 0; q < cols; q++) {
                float wv = w->p[r * cols + q];
                if (wv != 0.0f) {
                    cols2[k] = (uint32_t)q;
                    vals[k++] = wv;
                }
            }
            rp2[r + 1] = (uint32_t)k;
        }
        m->sparse_bytes += bytes;
        l->ops = &gmdl__sparse_dense_ops;
    }
    /* pointers into the (possibly moved) block */
    for (int q = 0; q < m->nsparse; q++) {
        gmdl__layer *l = &m->layers[m->sparse_layers[q].layer];
        size_t rows = (size_t)gmdl__layer_weight_c(l)->dims[0];
        unsigned char *p = (unsigned char *)m->sparse_block + m->sparse_layers[q].offset;
        const uint32_t *rp2 = (const uint32_t *)p;
        l->k.csr.rowptr = rp2;
        l->k.csr.cols = rp2 + rows + 1;
        l->k.csr.vals = (const float *)(rp2 + rows + 1 + rp2[rows]);
    }
    return GMDL_OK;
}

/* Indices of the set entries of keep[0, n) (at least one: entry 0 when none is set, so that an
 * emptied layer keeps one unit whose weights are all zero); returns their count. */
static size_t kept_list(const unsigned char *keep, size_t n, uint32_t *idx) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (keep[i])
            idx[k++] = (uint32_t)i;
    if (k == 0)
        idx[k++] = 0;
    return k;
}

/* Structured pruning (bc-gnj, bc-ghs): the smaller architecture itself. From the decoded full
 * model f and each weight layer's kept rows (outputs with a kept weight), the net with only the
 * kept units and filters, a select layer for the kept input features of a dense first layer, and
 * the kept weights copied. */

/* The weight layers of the full net f and the kept rows (outputs) of each. */
typedef struct {
    int nw, conv_first;
    int *wl;         /* [nw] layer index of each weight layer */
    uint32_t **rows; /* [nw] the kept rows (every row of the output layer) */
    size_t *nrows;
} kept_t;

static void kept_free(kept_t *k) {
    for (int q = 0; k->rows && q < k->nw; q++)
        gmdl__free(k->rows[q]);
    gmdl__free(k->rows);
    gmdl__free(k->wl);
    gmdl__free(k->nrows);
}

static gmdl_status
kept_rows(const gmdl_model *f, unsigned char *const *rowkeep, kept_t *k, gmdl_err *err) {
    memset(k, 0, sizeof *k);
    const size_t L = (size_t)f->nlayers;
    k->wl = gmdl__malloc(L * sizeof *k->wl);
    k->rows = gmdl__calloc(L, sizeof *k->rows);
    k->nrows = gmdl__malloc(L * sizeof *k->nrows);
    if (!k->wl || !k->rows || !k->nrows)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (int i = 0; i < f->nlayers; i++)
        if (f->layers[i].nparams) {
            if (k->nw == 0)
                k->conv_first = gmdl__layer_weight_c(&f->layers[i])->ndim == 4;
            k->wl[k->nw++] = i;
        }
    for (int q = 0; q < k->nw; q++) {
        const gmdl__param *w = gmdl__layer_weight_c(&f->layers[k->wl[q]]);
        size_t R = (size_t)w->dims[0];
        k->rows[q] = gmdl__malloc(R * sizeof(uint32_t));
        if (!k->rows[q])
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        if (q == k->nw - 1) /* every class stays */
            for (size_t r = 0; r < (k->nrows[q] = R); r++)
                k->rows[q][r] = (uint32_t)r;
        else
            k->nrows[q] = kept_list(rowkeep[q], R, k->rows[q]);
    }
    return GMDL_OK;
}

/* The architecture string of the reduced net: the full net's tokens with the kept sizes; 0 when
 * it does not fit (the full shapes are kept then). */
static int reduced_arch(const gmdl_model *f, const kept_t *k, char *arch, size_t size) {
    size_t len = (size_t)snprintf(arch, size, "%s", k->conv_first ? "cnn:" : "mlp:");
    for (int i = 0, q = 0; i < f->nlayers; i++) {
        const gmdl__layer *l = &f->layers[i];
        char tok[64] = "";
        if (l->nparams && q < k->nw - 1) {
            if (gmdl__layer_weight_c(l)->ndim == 4)
                snprintf(tok, sizeof tok, "c%zuk%ds%dp%d", k->nrows[q], l->kh, l->stride, l->pad);
            else
                snprintf(tok, sizeof tok, k->conv_first ? "d%zu" : "%zu", k->nrows[q]);
        } else if (l->ops == &gmdl__maxpool_ops || l->ops == &gmdl__avgpool_ops) {
            snprintf(tok, sizeof tok, "%c%d", l->ops == &gmdl__maxpool_ops ? 'p' : 'a', l->kh);
        }
        q += l->nparams ? 1 : 0;
        if (!tok[0])
            continue;
        int n = snprintf(arch + len, size - len, "%s%s", arch[len - 1] == ':' ? "" : "-", tok);
        if (n < 0 || (size_t)n >= size - len)
            return 0;
        len += (size_t)n;
    }
    return 1;
}

/* Copies the kept weights and biases of f into the reduced net r. Conv-to-dense: the dense layer
 * keeps the inputs of kept channels. */
static void copy_kept(gmdl_model *r, const gmdl_model *f, const kept_t *k) {
    int ri = 0;
    for (int q = 0; q < k->nw; q++) {
        while (!r->layers[ri].nparams || r->layers[ri].ops == &gmdl__select_ops)
            ri++;
        gmdl__layer *dl = &r->layers[ri++];
        const gmdl__layer *sl = &f->layers[k->wl[q]];
        const gmdl__param *sw = gmdl__layer_weight_c(sl);
        gmdl__param *dw = gmdl__layer_weight(dl);
        const int conv = sw->ndim == 4;
        const size_t scols = sw->count / (size_t)sw->dims[0];
        const size_t dcols = dw->count / (size_t)dw->dims[0];
        const size_t taps = conv ? (size_t)sl->kh * sl->kw : 1;
        const gmdl__param *pw = q ? gmdl__layer_weight_c(&f->layers[k->wl[q - 1]]) : NULL;
        uint32_t *const *rows = k->rows;
        /* source column of each destination column */
        for (size_t o = 0; o < k->nrows[q]; o++) {
            const float *src = sw->p + (size_t)rows[q][o] * scols;
            float *dst = dw->p + o * dcols;
            for (size_t c = 0; c < dcols; c++) {
                size_t sc;
                if (conv) /* [channel, tap]: channels kept by the previous conv */
                    sc = (q ? rows[q - 1][c / taps] : c / taps) * taps + c % taps;
                else if (q == 0) /* the selected inputs */
                    sc = r->select_idx ? r->select_idx[c] : c;
                else if (pw->ndim == 4) { /* flattened [channel, position] */
                    size_t hw = scols / (size_t)pw->dims[0];
                    sc = (size_t)rows[q - 1][c / hw] * hw + c % hw;
                } else
                    sc = rows[q - 1][c];
                dst[c] = src[sc];
            }
            gmdl__layer_bias(dl)->p[o] = gmdl__layer_bias_c(sl)->p[rows[q][o]];
        }
    }
    for (int i = 0; i < r->nlayers; i++)
        if (r->layers[i].ops == &gmdl__select_ops)
            r->layers[i].k.select.idx = r->select_idx;
}

/* The kept input features of a dense first layer into *sel (NULL when every one is used). */
static gmdl_status selected_inputs(const gmdl_model *f,
                                   const unsigned char *in_keep,
                                   uint32_t **sel,
                                   size_t *nsel,
                                   gmdl_err *err) {
    *sel = gmdl__malloc(f->in_size * sizeof(uint32_t));
    if (!*sel)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    *nsel = kept_list(in_keep, f->in_size, *sel);
    if (*nsel == f->in_size) { /* every input used: no select layer */
        gmdl__free(*sel);
        *sel = NULL;
        *nsel = 0;
    }
    return GMDL_OK;
}

gmdl_status gmdl__model_reduce(gmdl_model *f,
                               unsigned char *const *rowkeep,
                               const unsigned char *in_keep,
                               gmdl_model **out,
                               gmdl_err *err) {
    *out = NULL;
    kept_t k;
    gmdl_status s = kept_rows(f, rowkeep, &k, err);
    if (s || k.nw < 2) {
        kept_free(&k);
        return s;
    }
    uint32_t *sel = NULL;
    size_t nsel = 0;
    if (!k.conv_first)
        s = selected_inputs(f, in_keep, &sel, &nsel, err);
    char arch[sizeof f->cfg.arch];
    gmdl_model *r = NULL;
    if (!s && reduced_arch(f, &k, arch, sizeof arch)) {
        gmdl_train_config cfg = f->cfg;
        snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
        snprintf(cfg.method, sizeof cfg.method, "dense");
        gmdl_err sub;
        s = gmdl__model_create_select(&r, &cfg, f->in_c, f->in_h, f->in_w, f->classes, nsel, &sub);
        if (s)
            s = gmdl__fail(err, s == GMDL_ENOMEM ? s : GMDL_ECORRUPT,
                           "cannot build the pruned architecture %s: %s", arch, sub.msg);
    }
    if (!s && r) {
        r->select_idx = sel;
        sel = NULL;
        copy_kept(r, f, &k);
        *out = r;
    }
    gmdl__free(sel);
    kept_free(&k);
    return s;
}
