/* The generated header and source of an export: the interface (docs/CLI.md), a comment with the
 * net, its storage and its flash and RAM needs, the op table (emit_data.c) and the kernels. The
 * kernels are fixed C99 text in which '@' stands for the name, '$R' for the bit reader's
 * accumulator (32 bits, or 64 when a code or index is wider than 24 bits) and '$A' for the int8
 * path's accumulator (int32_t, or int64_t when a row could overflow it). One template per
 * arithmetic; no allocation, no state but the scratch buffer. */
#include "export/export_internal.h"

/* Appends tpl with its placeholders replaced. */
static void
put_tpl(gmdl__xbuf *b, const char *tpl, const char *name, const char *racc, const char *acc) {
    for (const char *p = tpl; *p; p++) {
        if (*p == '@')
            gmdl__xbuf_printf(b, "%s", name);
        else if (p[0] == '$' && p[1] == 'R' && ++p)
            gmdl__xbuf_printf(b, "%s", racc);
        else if (p[0] == '$' && p[1] == 'A' && ++p)
            gmdl__xbuf_printf(b, "%s", acc);
        else
            gmdl__xbuf_printf(b, "%c", *p);
    }
}

/* ---------------------------------------------------------------- shared parts */
static const char TPL_COMMON[] =
    "typedef struct {\n"
    "    int kind; /* 0 dense, 1 conv (+ ReLU, + pooling), 2 pooling */\n"
    "    int relu, pool, pool_k; /* pool: 0 none, 1 max, 2 average; window = stride = pool_k */\n"
    "    int c, h, w, oc, oh, ow, ch, cw; /* input, output, conv plane before pooling */\n"
    "    int kh, kw, stride, pad;\n"
    "    int rows, cols, bits, cbits; /* weight [rows, cols]; code and column-index widths */\n"
    "    long zp;                     /* zero point: weight = (code - zp) x scale */\n"
    "    float scale;\n"
    "    const uint8_t *codes;   /* bit-packed codes, LSB first; NULL: plain weights in wt */\n"
    "    const uint8_t *colidx;  /* bit-packed column of each kept weight; NULL: every column */\n"
    "    const uint16_t *rownnz; /* kept weights per row (with colidx) */\n"
    "    const @_book_t *book;   /* codebook: codes index it */\n"
    "    const @_wt_t *wt;\n"
    "    const float *bias;\n"
    "    float m, inv; /* int8: integer sum x m = real sum; 1 / output scale */\n"
    "} @_op;\n"
    "\n"
    "typedef struct {\n"
    "    const uint8_t *p;\n"
    "    $R acc;\n"
    "    int n;\n"
    "} @_rd;\n"
    "\n"
    "static uint32_t @_take(@_rd *r, int bits) {\n"
    "    uint32_t v;\n"
    "    while (r->n < bits) {\n"
    "        r->acc |= ($R)(*r->p++) << r->n;\n"
    "        r->n += 8;\n"
    "    }\n"
    "    v = (uint32_t)(r->acc & ((($R)1 << bits) - 1u));\n"
    "    r->acc >>= bits;\n"
    "    r->n -= bits;\n"
    "    return v;\n"
    "}\n"
    "\n"
    "static void @_rd_init(@_rd *r, const uint8_t *p) {\n"
    "    r->p = p;\n"
    "    r->acc = 0;\n"
    "    r->n = 0;\n"
    "}\n";

/* ---------------------------------------------------------------- float */
static const char TPL_FLOAT[] =
    "\n"
    "/* the next weight of a coded op */\n"
    "static float @_weight(const @_op *o, @_rd *r) {\n"
    "    uint32_t u = @_take(r, o->bits);\n"
    "    return o->book ? o->book[u] : (float)((long)u - o->zp) * o->scale;\n"
    "}\n"
    "\n"
    "static void @_dense(const @_op *o, const float *x, float *y) {\n"
    "    @_rd cr, ir;\n"
    "    int r, c, k;\n"
    "    @_rd_init(&cr, o->codes);\n"
    "    @_rd_init(&ir, o->colidx);\n"
    "    for (r = 0; r < o->rows; r++) {\n"
    "        float acc = 0.0f;\n"
    "        if (o->wt) {\n"
    "            const float *wr = o->wt + (long)r * o->cols;\n"
    "            for (c = 0; c < o->cols; c++)\n"
    "                acc += wr[c] * x[c];\n"
    "        } else if (o->rownnz) {\n"
    "            for (k = 0; k < o->rownnz[r]; k++) {\n"
    "                c = (int)@_take(&ir, o->cbits);\n"
    "                acc += @_weight(o, &cr) * x[c];\n"
    "            }\n"
    "        } else {\n"
    "            for (c = 0; c < o->cols; c++)\n"
    "                acc += @_weight(o, &cr) * x[c];\n"
    "        }\n"
    "        acc += o->bias[r];\n"
    "        y[r] = o->relu && !(acc > 0.0f) ? 0.0f : acc;\n"
    "    }\n"
    "}\n"
    "\n";

static const char TPL_FLOAT_CONV[] =
    "#if @_HAS_CONV || @_HAS_POOL\n"
    "/* bias, ReLU and pooling of one filter's plane into its output channel */\n"
    "static void @_finish(const @_op *o, float b, const float *plane, float *y) {\n"
    "    int oh, ow, i, j, k = o->pool_k;\n"
    "    for (oh = 0; oh < o->oh; oh++)\n"
    "        for (ow = 0; ow < o->ow; ow++) {\n"
    "            float best = 0.0f, sum = 0.0f;\n"
    "            for (i = 0; i < k; i++)\n"
    "                for (j = 0; j < k; j++) {\n"
    "                    float v = plane[(oh * k + i) * o->cw + ow * k + j] + b;\n"
    "                    if (o->relu && !(v > 0.0f))\n"
    "                        v = 0.0f;\n"
    "                    if ((i == 0 && j == 0) || v > best)\n"
    "                        best = v;\n"
    "                    sum += v;\n"
    "                }\n"
    "            y[oh * o->ow + ow] = o->pool == 2 ? sum * (1.0f / (float)(k * k)) : best;\n"
    "        }\n"
    "}\n"
    "\n"
    "#endif\n"
    "#if @_HAS_CONV\n"
    "/* conv: one filter at a time, each kept weight decoded once and applied to the whole\n"
    " * plane (the full conv output never exists), then bias, ReLU and pooling */\n"
    "static void @_conv(const @_op *o, const float *x, float *y, float *plane) {\n"
    "    @_rd cr, ir;\n"
    "    int f, k, t, oh, ow;\n"
    "    const int taps = o->kh * o->kw, np = o->ch * o->cw;\n"
    "    @_rd_init(&cr, o->codes);\n"
    "    @_rd_init(&ir, o->colidx);\n"
    "    for (f = 0; f < o->oc; f++) {\n"
    "        int cnt = o->rownnz ? o->rownnz[f] : o->cols;\n"
    "        for (t = 0; t < np; t++)\n"
    "            plane[t] = 0.0f;\n"
    "        for (k = 0; k < cnt; k++) {\n"
    "            int col = o->rownnz ? (int)@_take(&ir, o->cbits) : k;\n"
    "            float wv = o->wt ? o->wt[(long)f * o->cols + col] : @_weight(o, &cr);\n"
    "            int ki = (col % taps) / o->kw, kj = col % o->kw;\n"
    "            const float *xp = x + (long)(col / taps) * o->h * o->w;\n"
    "            for (oh = 0; oh < o->ch; oh++) {\n"
    "                int ih = oh * o->stride - o->pad + ki;\n"
    "                float *pr = plane + oh * o->cw;\n"
    "                if (ih < 0 || ih >= o->h)\n"
    "                    continue;\n"
    "                for (ow = 0; ow < o->cw; ow++) {\n"
    "                    int iw = ow * o->stride - o->pad + kj;\n"
    "                    if (iw >= 0 && iw < o->w)\n"
    "                        pr[ow] += wv * xp[ih * o->w + iw];\n"
    "                }\n"
    "            }\n"
    "        }\n"
    "        @_finish(o, o->bias[f], plane, y + (long)f * o->oh * o->ow);\n"
    "    }\n"
    "}\n"
    "\n"
    "#endif\n"
    "#if @_HAS_POOL\n"
    "static void @_pool(const @_op *o, const float *x, float *y) {\n"
    "    int c;\n"
    "    for (c = 0; c < o->oc; c++)\n"
    "        @_finish(o, 0.0f, x + (long)c * o->h * o->w, y + (long)c * o->oh * o->ow);\n"
    "}\n"
    "#endif\n";

/* ---------------------------------------------------------------- int8 */
static const char TPL_INT8[] =
    "\n"
    "/* the next integer weight of a coded op */\n"
    "static long @_weight(const @_op *o, @_rd *r) {\n"
    "    uint32_t u = @_take(r, o->bits);\n"
    "    return o->book ? (long)o->book[u] : (long)u - o->zp;\n"
    "}\n"
    "\n"
    "static uint8_t @_quant(const @_op *o, float v) {\n"
    "    float q = v * o->inv + 0.5f;\n"
    "    return !(q > 0.0f) ? 0 : q >= 255.0f ? 255 : (uint8_t)q;\n"
    "}\n"
    "\n"
    "/* y: the next op's 8-bit input, or (logits not NULL) the float logits */\n"
    "static void @_dense(const @_op *o, const uint8_t *x, uint8_t *y, float *logits) {\n"
    "    @_rd cr, ir;\n"
    "    int r, c, k;\n"
    "    @_rd_init(&cr, o->codes);\n"
    "    @_rd_init(&ir, o->colidx);\n"
    "    for (r = 0; r < o->rows; r++) {\n"
    "        $A acc = 0;\n"
    "        float v;\n"
    "        if (o->wt) {\n"
    "            const int8_t *wr = o->wt + (long)r * o->cols;\n"
    "            for (c = 0; c < o->cols; c++)\n"
    "                acc += ($A)wr[c] * x[c];\n"
    "        } else if (o->rownnz) {\n"
    "            for (k = 0; k < o->rownnz[r]; k++) {\n"
    "                c = (int)@_take(&ir, o->cbits);\n"
    "                acc += ($A)@_weight(o, &cr) * x[c];\n"
    "            }\n"
    "        } else {\n"
    "            for (c = 0; c < o->cols; c++)\n"
    "                acc += ($A)@_weight(o, &cr) * x[c];\n"
    "        }\n"
    "        v = (float)acc * o->m + o->bias[r];\n"
    "        if (logits)\n"
    "            logits[r] = v;\n"
    "        else\n"
    "            y[r] = @_quant(o, o->relu && !(v > 0.0f) ? 0.0f : v);\n"
    "    }\n"
    "}\n"
    "\n";

static const char TPL_INT8_CONV[] =
    "#if @_HAS_CONV\n"
    "static void @_conv(const @_op *o, const uint8_t *x, uint8_t *y, $A *plane) {\n"
    "    @_rd cr, ir;\n"
    "    int f, k, t, oh, ow, i, j;\n"
    "    const int taps = o->kh * o->kw, np = o->ch * o->cw, pk = o->pool_k;\n"
    "    @_rd_init(&cr, o->codes);\n"
    "    @_rd_init(&ir, o->colidx);\n"
    "    for (f = 0; f < o->oc; f++) {\n"
    "        int cnt = o->rownnz ? o->rownnz[f] : o->cols;\n"
    "        uint8_t *yc = y + (long)f * o->oh * o->ow;\n"
    "        for (t = 0; t < np; t++)\n"
    "            plane[t] = 0;\n"
    "        for (k = 0; k < cnt; k++) {\n"
    "            int col = o->rownnz ? (int)@_take(&ir, o->cbits) : k;\n"
    "            $A wv = o->wt ? ($A)o->wt[(long)f * o->cols + col] : ($A)@_weight(o, &cr);\n"
    "            int ki = (col % taps) / o->kw, kj = col % o->kw;\n"
    "            const uint8_t *xp = x + (long)(col / taps) * o->h * o->w;\n"
    "            for (oh = 0; oh < o->ch; oh++) {\n"
    "                int ih = oh * o->stride - o->pad + ki;\n"
    "                $A *pr = plane + oh * o->cw;\n"
    "                if (ih < 0 || ih >= o->h)\n"
    "                    continue;\n"
    "                for (ow = 0; ow < o->cw; ow++) {\n"
    "                    int iw = ow * o->stride - o->pad + kj;\n"
    "                    if (iw >= 0 && iw < o->w)\n"
    "                        pr[ow] += wv * xp[ih * o->w + iw];\n"
    "                }\n"
    "            }\n"
    "        }\n"
    "        for (oh = 0; oh < o->oh; oh++)\n"
    "            for (ow = 0; ow < o->ow; ow++) {\n"
    "                float best = 0.0f, sum = 0.0f;\n"
    "                for (i = 0; i < pk; i++)\n"
    "                    for (j = 0; j < pk; j++) {\n"
    "                        float v = (float)plane[(oh * pk + i) * o->cw + ow * pk + j] * o->m +\n"
    "                                  o->bias[f];\n"
    "                        if (o->relu && !(v > 0.0f))\n"
    "                            v = 0.0f;\n"
    "                        if ((i == 0 && j == 0) || v > best)\n"
    "                            best = v;\n"
    "                        sum += v;\n"
    "                    }\n"
    "                yc[oh * o->ow + ow] =\n"
    "                    @_quant(o, o->pool == 2 ? sum * (1.0f / (float)(pk * pk)) : best);\n"
    "            }\n"
    "    }\n"
    "}\n"
    "\n"
    "#endif\n"
    "#if @_HAS_POOL\n"
    "/* pooling keeps the codes' scale */\n"
    "static void @_pool(const @_op *o, const uint8_t *x, uint8_t *y) {\n"
    "    int c, oh, ow, i, j, k = o->pool_k;\n"
    "    for (c = 0; c < o->oc; c++)\n"
    "        for (oh = 0; oh < o->oh; oh++)\n"
    "            for (ow = 0; ow < o->ow; ow++) {\n"
    "                unsigned best = 0, sum = 0;\n"
    "                for (i = 0; i < k; i++)\n"
    "                    for (j = 0; j < k; j++) {\n"
    "                        unsigned v = x[((long)c * o->h + oh * k + i) * o->w + ow * k + j];\n"
    "                        best = v > best ? v : best;\n"
    "                        sum += v;\n"
    "                    }\n"
    "                y[((long)c * o->oh + oh) * o->ow + ow] =\n"
    "                    (uint8_t)(o->pool == 2 ? (sum + (unsigned)(k * k) / 2) / (unsigned)(k * "
    "k) : best);\n"
    "            }\n"
    "}\n"
    "#endif\n";

/* ---------------------------------------------------------------- the forward pass */
static const char TPL_SOFTMAX[] = "\n"
                                  "/* softmax in place; returns the first most probable class */\n"
                                  "static int @_softmax(float *p) {\n"
                                  "    int k, best = 0;\n"
                                  "    float mx = p[0], sum = 0.0f;\n"
                                  "    for (k = 1; k < @_CLASSES; k++)\n"
                                  "        if (p[k] > mx) {\n"
                                  "            mx = p[k];\n"
                                  "            best = k;\n"
                                  "        }\n"
                                  "    for (k = 0; k < @_CLASSES; k++) {\n"
                                  "        p[k] = expf(p[k] - mx);\n"
                                  "        sum += p[k];\n"
                                  "    }\n"
                                  "    for (k = 0; k < @_CLASSES; k++)\n"
                                  "        p[k] /= sum;\n"
                                  "    return best;\n"
                                  "}\n";

static const char TPL_RUN_FLOAT[] =
    "\n"
    "static float @_scratch[@_SCRATCH_BYTES / sizeof(float)];\n"
    "\n"
    "static int @_run(float *probs) {\n"
    "    float *buf[2];\n"
    "    int k;\n"
    "    buf[0] = @_scratch + @_PLANE;\n"
    "    buf[1] = buf[0] + @_BUF_A;\n"
    "    for (k = 0; k < @_NOPS; k++) {\n"
    "        const @_op *o = &@_ops[k];\n"
    "        float *y = k + 1 == @_NOPS ? probs : buf[(k + 1) % 2];\n"
    "        if (o->kind == 0)\n"
    "            @_dense(o, buf[k % 2], y);\n"
    "#if @_HAS_CONV\n"
    "        else if (o->kind == 1)\n"
    "            @_conv(o, buf[k % 2], y, @_scratch);\n"
    "#endif\n"
    "#if @_HAS_POOL\n"
    "        else if (o->kind == 2)\n"
    "            @_pool(o, buf[k % 2], y);\n"
    "#endif\n"
    "    }\n"
    "    return @_softmax(probs);\n"
    "}\n"
    "\n"
    "int @_predict(const float *pixels, float *probs) {\n"
    "    float *x = @_scratch + @_PLANE;\n"
    "    int i;\n"
    "    for (i = 0; i < @_INPUTS; i++)\n"
    "        x[i] = pixels[i] * (1.0f / 255.0f);\n"
    "    return @_run(probs);\n"
    "}\n"
    "\n"
    "int @_predict_u8(const uint8_t *pixels, float *probs) {\n"
    "    float *x = @_scratch + @_PLANE;\n"
    "    int i;\n"
    "    for (i = 0; i < @_INPUTS; i++)\n"
    "        x[i] = (float)pixels[i] * (1.0f / 255.0f);\n"
    "    return @_run(probs);\n"
    "}\n";

static const char TPL_RUN_INT8[] =
    "\n"
    "static $A @_scratch[@_SCRATCH_BYTES / sizeof($A)];\n"
    "\n"
    "static int @_run(float *probs) {\n"
    "    uint8_t *buf[2];\n"
    "    int k;\n"
    "    buf[0] = (uint8_t *)(@_scratch + @_PLANE);\n"
    "    buf[1] = buf[0] + @_BUF_A;\n"
    "    for (k = 0; k < @_NOPS; k++) {\n"
    "        const @_op *o = &@_ops[k];\n"
    "        uint8_t *y = buf[(k + 1) % 2];\n"
    "        if (o->kind == 0)\n"
    "            @_dense(o, buf[k % 2], y, k + 1 == @_NOPS ? probs : NULL);\n"
    "#if @_HAS_CONV\n"
    "        else if (o->kind == 1)\n"
    "            @_conv(o, buf[k % 2], y, @_scratch);\n"
    "#endif\n"
    "#if @_HAS_POOL\n"
    "        else if (o->kind == 2)\n"
    "            @_pool(o, buf[k % 2], y);\n"
    "#endif\n"
    "    }\n"
    "    return @_softmax(probs);\n"
    "}\n"
    "\n"
    "int @_predict(const float *pixels, float *probs) {\n"
    "    uint8_t *x = (uint8_t *)(@_scratch + @_PLANE);\n"
    "    int i;\n"
    "    for (i = 0; i < @_INPUTS; i++) {\n"
    "        float v = pixels[i] + 0.5f;\n"
    "        x[i] = !(v > 0.0f) ? 0 : v >= 255.0f ? 255 : (uint8_t)v;\n"
    "    }\n"
    "    return @_run(probs);\n"
    "}\n"
    "\n"
    "int @_predict_u8(const uint8_t *pixels, float *probs) {\n"
    "    uint8_t *x = (uint8_t *)(@_scratch + @_PLANE);\n"
    "    int i;\n"
    "    for (i = 0; i < @_INPUTS; i++)\n"
    "        x[i] = pixels[i];\n"
    "    return @_run(probs);\n"
    "}\n";

size_t gmdl__xplan_scratch_bytes(const gmdl__xplan *p, int int8) {
    if (!int8)
        return (p->plane + p->buf_a + p->buf_b) * sizeof(float);
    size_t unit = p->wide ? 8 : 4;
    size_t bytes = p->buf_a + p->buf_b;
    return (p->plane + (bytes + unit - 1) / unit) * unit;
}

static void upper(char *dst, size_t size, const char *name) {
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++)
        dst[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
    dst[i] = 0;
}

/* The comment lines describing each op. */
static void describe(gmdl__xbuf *h, const gmdl__xplan *p) {
    for (int k = 0; k < p->nops; k++) {
        const gmdl__xop *o = &p->ops[k];
        if (o->kind == GMDL__XOP_POOL) {
            gmdl__xbuf_printf(h, " *   %s: %s-pool %dx%d, %dx%dx%d -> %dx%dx%d\n", o->name,
                              o->pool == 'm' ? "max" : "average", o->pool_k, o->pool_k, o->c, o->h,
                              o->w, o->oc, o->oh, o->ow);
            continue;
        }
        if (o->kind == GMDL__XOP_CONV)
            gmdl__xbuf_printf(h, " *   %s: conv %dx%d s%d p%d%s%s, %dx%dx%d -> %dx%dx%d", o->name,
                              o->kh, o->kw, o->stride, o->pad, o->relu ? " + ReLU" : "",
                              o->pool ? (o->pool == 'm' ? " + max-pool" : " + avg-pool") : "", o->c,
                              o->h, o->w, o->oc, o->oh, o->ow);
        else
            gmdl__xbuf_printf(h, " *   %s: dense%s, %zu -> %zu", o->name, o->relu ? " + ReLU" : "",
                              o->cols, o->rows);
        if (o->coded)
            gmdl__xbuf_printf(h, ", %zu of %zu weights, %d-bit %s%s\n", o->nnz, o->rows * o->cols,
                              o->bits, o->codebook ? "codebook indices" : "codes",
                              o->sparse ? " in sparse rows" : "");
        else
            gmdl__xbuf_printf(h, ", %zu weights, float32\n", o->rows * o->cols);
    }
}

void gmdl__xemit_header(gmdl__xbuf *h,
                        const gmdl__xplan *p,
                        const char *name,
                        int int8,
                        size_t weights_bytes,
                        size_t scratch_bytes) {
    char up[96];
    upper(up, sizeof up, name);
    gmdl__xbuf_printf(h,
                      "/* %s: the %s net trained with %s, exported by gmdl %s (%s arithmetic).\n"
                      " * Dependency-free C99: no allocation, no state but one static scratch "
                      "buffer; link with libm (expf).\n"
                      " * Operations:\n",
                      name, p->arch, p->method, GMDL_VERSION_STRING, int8 ? "int8" : "float");
    describe(h, p);
    gmdl__xbuf_printf(
        h,
        " * Flash: %zu bytes of const arrays (weights, indices, biases) plus the op table and "
        "code.\n"
        " * RAM: %s_SCRATCH_BYTES = %zu bytes (two ping-pong activation buffers of %zu and %zu "
        "%s%s),\n"
        " * plus the caller's pixels and probabilities and a stack of a few scalars per call.\n"
        " * %s_predict takes one image's pixels as stored in the IDX file (0..255, row-major),\n"
        " * writes %s_CLASSES probabilities and returns the most probable class. Not reentrant.\n"
        " */\n"
        "#ifndef %s_H\n#define %s_H\n\n#include <stdint.h>\n\n"
        "#define %s_INPUTS %zu\n#define %s_CLASSES %d\n#define %s_SCRATCH_BYTES %zu\n\n"
        "int %s_predict(const float *pixels, float *probs);\n"
        "int %s_predict_u8(const uint8_t *pixels, float *probs);\n\n#endif\n",
        weights_bytes, name, scratch_bytes, p->buf_a, p->buf_b, int8 ? "bytes" : "floats",
        p->plane ? (int8 ? ", one conv plane of 32-bit sums" : ", one conv plane") : "", name, name,
        up, up, name, p->inputs, name, p->classes, name, scratch_bytes, name, name);
}

/* the bit reader's accumulator: 32 bits unless a code or index is wider than 24 */
static const char *reader_acc(const gmdl__xplan *p) {
    int wide_codes = 0;
    for (int k = 0; k < p->nops; k++)
        wide_codes |= p->ops[k].bits > 24 || p->ops[k].cbits > 24;
    return wide_codes ? "uint64_t" : "uint32_t";
}

void gmdl__xemit_source(gmdl__xbuf *c, const gmdl__xplan *p, const char *name, int int8) {
    const char *racc = reader_acc(p);
    int conv = 0, pool = 0;
    for (int k = 0; k < p->nops; k++) {
        conv |= p->ops[k].kind == GMDL__XOP_CONV;
        pool |= p->ops[k].kind == GMDL__XOP_POOL;
    }
    const char *acc = p->wide ? "int64_t" : "int32_t";
    gmdl__xbuf_printf(c,
                      "/* %s.c: generated by gmdl export (see %s.h). */\n"
                      "#include \"%s.h\"\n\n#include <math.h>\n#include <stddef.h>\n\n"
                      "#define %s_NOPS %d\n#define %s_PLANE %zu\n#define %s_BUF_A %zu\n"
                      "#define %s_HAS_CONV %d\n#define %s_HAS_POOL %d\n\n"
                      "typedef %s %s_book_t;\ntypedef %s %s_wt_t;\n\n",
                      name, name, name, name, p->nops, name, p->plane, name, p->buf_a, name, conv,
                      name, pool, int8 ? "int32_t" : "float", name, int8 ? "int8_t" : "float",
                      name);
    put_tpl(c, TPL_COMMON, name, racc, acc);
}

void gmdl__xemit_kernels(gmdl__xbuf *c, const gmdl__xplan *p, const char *name, int int8) {
    const char *racc = reader_acc(p);
    const char *acc = p->wide ? "int64_t" : "int32_t";
    put_tpl(c, int8 ? TPL_INT8 : TPL_FLOAT, name, racc, acc);
    put_tpl(c, int8 ? TPL_INT8_CONV : TPL_FLOAT_CONV, name, racc, acc);
    put_tpl(c, TPL_SOFTMAX, name, racc, acc);
    put_tpl(c, int8 ? TPL_RUN_INT8 : TPL_RUN_FLOAT, name, racc, acc);
}
