/* int8 scales of an export plan. Activations are 8-bit unsigned (every tensor the ops pass on is
 * a pixel or follows a ReLU, so it is never negative; zero point 0): q = round(a / scale) with
 * scale = the largest activation over the calibration inputs / 255 (the input's scale is
 * 1/255, so its codes are the pixels). Weights are integers as they are: a .gmz's codes minus
 * their zero point (scale 2^-s), an sws codebook as integers at the finest scale 2^-t that keeps
 * every entry within 16 bits and row sums within int32 (at least 7 bits), a float layer's weights
 * as int8 at max|w| / 127. A layer then sums integer x integer products in int32 (int64 when a row
 * of |weights| x 255 could exceed 2^31 - 1), and its output is rescaled in float with the bias
 * added. */
#include <math.h>

#include "export/export_internal.h"

/* The largest value of each op's output over the calibration inputs into mx [nops]. */
static gmdl_status
largest(double *mx, const gmdl__xplan *p, gmdl_model *m, const float *x, size_t n, gmdl_err *err) {
    if (m->max_batch < 1)
        return gmdl__fail(err, GMDL_EMISUSE, "the model has no evaluation buffers");
    for (size_t lo = 0; lo < n; lo += (size_t)m->max_batch) {
        size_t cnt = n - lo < (size_t)m->max_batch ? n - lo : (size_t)m->max_batch;
        memcpy(m->act[0], x + lo * m->in_size, cnt * m->in_size * sizeof(float));
        gmdl__model_forward(m, (int)cnt, GMDL_MODE_EVAL_MEAN, 0, 0);
        for (int k = 0; k < p->nops; k++) {
            const gmdl__xop *o = &p->ops[k];
            const float *a = m->act[o->last_layer + 1];
            size_t len = cnt * m->layers[o->last_layer].out_size;
            for (size_t j = 0; j < len; j++) {
                if (!isfinite(a[j]))
                    return gmdl__fail(err, GMDL_ENUMERIC, "calibration: layer %s: activation %g",
                                      o->name, (double)a[j]);
                mx[k] = (double)a[j] > mx[k] ? (double)a[j] : mx[k];
            }
        }
    }
    return GMDL_OK;
}

/* Integer weights of op o and their scale; the largest row sum of |integer weight|. */
static gmdl_status integer_weights(gmdl__xop *o, gmdl_err *err) {
    const size_t n = o->rows * o->cols;
    if (!o->coded) {
        float amax = 0.0f;
        for (size_t j = 0; j < n; j++)
            amax = fabsf(o->wf[j]) > amax ? fabsf(o->wf[j]) : amax;
        o->w_scale = amax > 0.0f ? (double)amax / 127.0 : 1.0;
        o->wq = gmdl__malloc(n ? n : 1);
        if (!o->wq)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        o->max_row_abs = 0;
        for (size_t r = 0; r < o->rows; r++) {
            int64_t sum = 0;
            for (size_t c = 0; c < o->cols; c++) {
                long q = lround((double)o->wf[r * o->cols + c] / o->w_scale);
                o->wq[r * o->cols + c] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
                sum += labs(q);
            }
            o->max_row_abs = sum > o->max_row_abs ? sum : o->max_row_abs;
        }
        return GMDL_OK;
    }
    /* a bound without decoding: every kept weight of the fullest row at the largest magnitude */
    size_t maxrow = o->cols;
    if (o->sparse) {
        maxrow = 0;
        for (size_t r = 0; r < o->rows; r++)
            maxrow = o->rownnz[r] > maxrow ? o->rownnz[r] : maxrow;
    }
    int64_t wmax;
    if (o->codebook) {
        /* the finest scale 2^-t with entries within 16 bits whose row sums stay within int32
         * (down to 7 bits for the largest entry) */
        double bmax = 0.0;
        for (size_t j = 0; j < o->ncodebook; j++)
            bmax = fabs((double)o->codebook[j]) > bmax ? fabs((double)o->codebook[j]) : bmax;
        int t = 0;
        while (t < 40 && bmax * ldexp(1.0, t + 1) <= 32767.0 &&
               (bmax * ldexp(1.0, t + 1) < 127.0 ||
                (double)maxrow * bmax * ldexp(1.0, t + 1) * 255.0 < 2147483647.0))
            t++;
        o->w_scale = ldexp(1.0, -t);
        o->qbook = gmdl__malloc(o->ncodebook * sizeof(int32_t));
        if (!o->qbook)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        wmax = 0;
        for (size_t j = 0; j < o->ncodebook; j++) {
            o->qbook[j] = (int32_t)lround(ldexp((double)o->codebook[j], t));
            wmax = llabs(o->qbook[j]) > wmax ? llabs(o->qbook[j]) : wmax;
        }
    } else {
        o->w_scale = ldexp(1.0, -o->sig_bits);
        wmax = o->zp; /* |code - zp| <= zp */
    }
    o->max_row_abs = (int64_t)maxrow * wmax;
    return GMDL_OK;
}

gmdl_status gmdl__xplan_calibrate(
    gmdl__xplan *p, gmdl_model *m, const float *calib_x, size_t n, gmdl_err *err) {
    if (!calib_x || n == 0)
        return gmdl__fail(err, GMDL_EINVAL, "int8 export needs calibration inputs");
    double *mx = gmdl__calloc((size_t)p->nops, sizeof(double));
    if (!mx)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    gmdl_status s = largest(mx, p, m, calib_x, n, err);
    double in_scale = 1.0 / 255.0;
    p->wide = 0;
    for (int k = 0; k < p->nops && !s; k++) {
        gmdl__xop *o = &p->ops[k];
        o->in_scale = in_scale;
        if (o->kind == GMDL__XOP_POOL)
            o->out_scale = in_scale; /* pooling keeps the codes' scale */
        else
            o->out_scale = mx[k] > 0.0 ? mx[k] / 255.0 : 1.0 / 255.0;
        if (o->kind != GMDL__XOP_POOL) {
            s = integer_weights(o, err);
            if (!s && (double)o->max_row_abs * 255.0 > 2147483647.0)
                p->wide = 1;
        }
        in_scale = o->out_scale;
    }
    gmdl__free(mx);
    return s;
}
