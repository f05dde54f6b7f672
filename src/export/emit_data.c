/* The const arrays of an export plan as C99 text: per op its packed codes, packed column indices,
 * kept weights per row, biases, float or int8 weights, codebook; then the op table the kernels
 * of emit.c walk. Floats are written as hexadecimal literals, so they are exact. */
#include <math.h>
#include <stdarg.h>

#include "export/export_internal.h"

void gmdl__xbuf_printf(gmdl__xbuf *b, const char *fmt, ...) {
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->p && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len <= (size_t)n)
            cap *= 2;
        char *q = gmdl__realloc(b->p, cap);
        if (!q) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
}

void gmdl__xbuf_fini(gmdl__xbuf *b) {
    gmdl__free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---------------------------------------------------------------- arrays */
typedef enum { T_U8, T_I8, T_U16, T_I32, T_F32 } elem_t;

static const char *const TYPE_NAME[] = {"uint8_t", "int8_t", "uint16_t", "int32_t", "float"};
static const size_t TYPE_SIZE[] = {1, 1, 2, 4, 4};

/* static const TYPE NAME_<tag><k>[] = {...}; returns its bytes (an empty array gets one zero) */
static size_t
array(gmdl__xbuf *c, const char *name, const char *tag, int k, elem_t t, const void *v, size_t n) {
    gmdl__xbuf_printf(c, "static const %s %s_%s%d[%zu] = {", TYPE_NAME[t], name, tag, k, n ? n : 1);
    for (size_t j = 0; j < (n ? n : 1); j++) {
        gmdl__xbuf_printf(c, "%s", j % 12 == 0 ? "\n    " : " ");
        if (!n) {
            gmdl__xbuf_printf(c, "0");
            continue;
        }
        switch (t) {
            case T_U8:
                gmdl__xbuf_printf(c, "%u,", (unsigned)((const unsigned char *)v)[j]);
                break;
            case T_I8:
                gmdl__xbuf_printf(c, "%d,", (int)((const int8_t *)v)[j]);
                break;
            case T_U16:
                gmdl__xbuf_printf(c, "%u,", (unsigned)((const uint16_t *)v)[j]);
                break;
            case T_I32:
                gmdl__xbuf_printf(c, "%ld,", (long)((const int32_t *)v)[j]);
                break;
            case T_F32:
                gmdl__xbuf_printf(c, "%af,", (double)((const float *)v)[j]);
                break;
        }
    }
    gmdl__xbuf_printf(c, "\n};\n");
    return (n ? n : 1) * TYPE_SIZE[t];
}

/* The arrays of op k; returns their bytes. */
static size_t op_arrays(gmdl__xbuf *c, const gmdl__xop *o, int k, const char *name, int int8) {
    size_t bytes = 0;
    if (o->kind == GMDL__XOP_POOL)
        return 0;
    gmdl__xbuf_printf(c, "\n/* %s */\n", o->name);
    if (o->coded) {
        bytes += array(c, name, "c", k, T_U8, o->codep, o->codep_bytes);
        if (o->sparse) {
            bytes += array(c, name, "i", k, T_U8, o->colp, o->colp_bytes);
            bytes += array(c, name, "n", k, T_U16, o->rownnz, o->rows);
        }
        if (o->codebook && int8)
            bytes += array(c, name, "q", k, T_I32, o->qbook, o->ncodebook);
        else if (o->codebook)
            bytes += array(c, name, "q", k, T_F32, o->codebook, o->ncodebook);
    } else if (int8) {
        bytes += array(c, name, "w", k, T_I8, o->wq, o->rows * o->cols);
    } else {
        bytes += array(c, name, "w", k, T_F32, o->wf, o->rows * o->cols);
    }
    bytes += array(c, name, "b", k, T_F32, o->bias, o->rows);
    return bytes;
}

/* "NAME_<tag><k>" or "NULL" */
static void
ref(gmdl__xbuf *c, const char *field, int present, const char *name, const char *tag, int k) {
    if (present)
        gmdl__xbuf_printf(c, " .%s = %s_%s%d,", field, name, tag, k);
}

static void op_entry(gmdl__xbuf *c, const gmdl__xop *o, int k, const char *name, int int8) {
    gmdl__xbuf_printf(c,
                      "    {/* %s */ .kind = %d, .relu = %d, .pool = %d, .pool_k = %d,\n"
                      "     .c = %d, .h = %d, .w = %d, .oc = %d, .oh = %d, .ow = %d, .ch = %d, "
                      ".cw = %d,\n"
                      "     .kh = %d, .kw = %d, .stride = %d, .pad = %d, .rows = %zu, .cols = %zu,"
                      " .bits = %d, .cbits = %d,\n"
                      "     .zp = %ld, .scale = %af,",
                      o->name, (int)o->kind, o->relu,
                      o->pool == 'm'   ? 1
                      : o->pool == 'a' ? 2
                                       : 0,
                      o->pool ? o->pool_k : 1, o->c, o->h, o->w, o->oc, o->oh, o->ow, o->ch, o->cw,
                      o->kh, o->kw, o->stride, o->pad, o->rows, o->cols, o->bits, o->cbits,
                      (long)o->zp, o->coded ? ldexp(1.0, -o->sig_bits) : 1.0);
    if (o->kind != GMDL__XOP_POOL) {
        ref(c, "codes", o->coded, name, "c", k);
        ref(c, "colidx", o->coded && o->sparse, name, "i", k);
        ref(c, "rownnz", o->coded && o->sparse, name, "n", k);
        ref(c, "book", o->coded && o->codebook, name, "q", k);
        ref(c, "wt", !o->coded, name, "w", k);
        ref(c, "bias", 1, name, "b", k);
    }
    if (int8)
        gmdl__xbuf_printf(c, "\n     .m = %af, .inv = %af,",
                          (double)(float)(o->w_scale * o->in_scale), 1.0 / o->out_scale);
    gmdl__xbuf_printf(c, "},\n");
}

size_t gmdl__xemit_data(gmdl__xbuf *c, const gmdl__xplan *p, const char *name, int int8) {
    size_t bytes = 0;
    for (int k = 0; k < p->nops; k++)
        bytes += op_arrays(c, &p->ops[k], k, name, int8);
    gmdl__xbuf_printf(c, "\nstatic const %s_op %s_ops[%d] = {\n", name, name, p->nops);
    for (int k = 0; k < p->nops; k++)
        op_entry(c, &p->ops[k], k, name, int8);
    gmdl__xbuf_printf(c, "};\n");
    return bytes;
}
