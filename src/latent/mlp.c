/* One-hidden-layer ReLU perceptron over a flat parameter store, and the Bernoulli likelihood
 * from logits: the shared parts of the VAE (vae.c) and the semi-supervised VAE (ssvae.c).
 * Forward: two GEMMs with a fused bias + ReLU pass and a bias pass; backward accumulates the
 * weight gradients (dW += dy^T x) and overwrites the input gradients. */
#include "core/vmath.h"
#include "latent/latent_internal.h"
#include "tensor/gemm.h"

#define ALIGN16(n) (((n) + 15u) & ~(size_t)15u)

size_t gmdl__mlp_floats(int in, int hid, int out) {
    return ALIGN16((size_t)hid * (size_t)in) + ALIGN16((size_t)hid) +
           ALIGN16((size_t)out * (size_t)hid) + ALIGN16((size_t)out);
}

void gmdl__mlp_bind(gmdl__mlp *m, int in, int hid, int out, float *p, float *g, size_t *off) {
    m->in = in;
    m->hid = hid;
    m->out = out;
    size_t o = *off,
           sz[4] = {(size_t)hid * (size_t)in, (size_t)hid, (size_t)out * (size_t)hid, (size_t)out};
    float **pv[4] = {&m->w1, &m->b1, &m->w2, &m->b2},
          **gv[4] = {&m->gw1, &m->gb1, &m->gw2, &m->gb2};
    for (int i = 0; i < 4; i++) {
        *pv[i] = p + o;
        *gv[i] = g ? g + o : NULL;
        o += ALIGN16(sz[i]);
    }
    *off = o;
}

static void uniform(float *a, size_t n, double bound, gmdl_rng *rng) {
    for (size_t j = 0; j < n; j++)
        a[j] = (float)((2.0 * gmdl_rng_uniform(rng) - 1.0) * bound);
}

void gmdl__mlp_init(gmdl__mlp *m, gmdl_rng *rng) {
    double b1 = 1.0 / sqrt((double)m->in), b2 = 1.0 / sqrt((double)m->hid);
    uniform(m->w1, (size_t)m->hid * (size_t)m->in, b1, rng);
    uniform(m->b1, (size_t)m->hid, b1, rng);
    uniform(m->w2, (size_t)m->out * (size_t)m->hid, b2, rng);
    uniform(m->b2, (size_t)m->out, b2, rng);
}

GMDL_KERNEL
static void
bias_rows(float *restrict y, const float *restrict b, size_t lo, size_t hi, size_t K, int relu) {
    for (size_t n = lo; n < hi; n++) {
        float *r = y + n * K;
        if (relu)
            for (size_t k = 0; k < K; k++) {
                float t = r[k] + b[k];
                r[k] = !(t <= 0.0f) ? t : 0.0f;
            }
        else
            for (size_t k = 0; k < K; k++)
                r[k] += b[k];
    }
}

static void add_bias(float *y, const float *b, int N, int K, int relu) {
#ifdef _OPENMP
#pragma omp parallel if ((size_t)N * (size_t)K > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)N, 1, &lo, &hi);
        bias_rows(y, b, lo, hi, (size_t)K, relu);
    }
}

void gmdl__mlp_forward(const gmdl__mlp *m, const float *x, int n, float *h, float *y) {
    gmdl__gemm(0, 1, n, m->hid, m->in, 1.0f, x, m->in, m->w1, m->in, 0.0f, h, m->hid);
    add_bias(h, m->b1, n, m->hid, 1);
    gmdl__gemm(0, 1, n, m->out, m->hid, 1.0f, h, m->hid, m->w2, m->hid, 0.0f, y, m->out);
    add_bias(y, m->b2, n, m->out, 0);
}

/* db[k] += sum_n dy[n, k] over columns [lo, hi), in row order. */
GMDL_KERNEL
static void
col_sums(const float *restrict dy, float *restrict db, size_t N, size_t K, size_t lo, size_t hi) {
    for (size_t n = 0; n < N; n++)
        for (size_t k = lo; k < hi; k++)
            db[k] += dy[n * K + k];
}

/* dh = dh * [h > 0] over [lo, hi) */
GMDL_KERNEL
static void relu_mask(float *restrict dh, const float *restrict h, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        dh[i] = h[i] > 0.0f ? dh[i] : 0.0f;
}

static void bias_grad(const float *dy, float *db, int N, int K) {
#ifdef _OPENMP
#pragma omp parallel if ((size_t)N * (size_t)K > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)K, 16, &lo, &hi);
        col_sums(dy, db, (size_t)N, (size_t)K, lo, hi);
    }
}

void gmdl__mlp_backward(
    gmdl__mlp *m, const float *x, const float *h, const float *dy, int n, float *dh, float *dx) {
    const int I = m->in, H = m->hid, O = m->out;
    gmdl__gemm(1, 0, O, H, n, 1.0f, dy, O, h, H, 1.0f, m->gw2, H);
    bias_grad(dy, m->gb2, n, O);
    gmdl__gemm(0, 0, n, H, O, 1.0f, dy, O, m->w2, H, 0.0f, dh, H);
    const size_t total = (size_t)n * (size_t)H;
#ifdef _OPENMP
#pragma omp parallel if (total > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range(total, 16, &lo, &hi);
        relu_mask(dh, h, lo, hi);
    }
    gmdl__gemm(1, 0, H, I, n, 1.0f, dh, H, x, I, 1.0f, m->gw1, I);
    bias_grad(dh, m->gb1, n, H);
    if (dx)
        gmdl__gemm(0, 0, n, I, H, 1.0f, dh, H, m->w1, I, 0.0f, dx, I);
}

/* One row of the Bernoulli likelihood: returns sum_d [softplus(l) - x l] (the negative log
 * likelihood) with 16 partial sums, so the loop vectorises and the order is fixed. */
GMDL_KERNEL
static double bern_row(
    const float *restrict l, const float *restrict x, float *restrict dl, size_t d, float scale) {
    float acc[16] = {0};
    size_t j = 0;
    for (; j + 16 <= d; j += 16)
        for (size_t k = 0; k < 16; k++) {
            float lv = l[j + k], xv = x[j + k], al = lv < 0.0f ? -lv : lv;
            float e = gmdl__expf(-al);
            acc[k] += (lv > 0.0f ? lv : 0.0f) + gmdl__log1pf(e) - xv * lv;
            if (dl) {
                float s = 1.0f / (1.0f + e);
                dl[j + k] = scale * ((lv >= 0.0f ? s : e * s) - xv);
            }
        }
    double tot = 0.0;
    for (; j < d; j++) {
        float lv = l[j], xv = x[j];
        tot += (double)(gmdl__softplusf(lv) - xv * lv);
        if (dl)
            dl[j] = scale * (gmdl__sigmoidf(lv) - xv);
    }
    for (size_t k = 0; k < 16; k++)
        tot += (double)acc[k];
    return tot;
}

void gmdl__bernoulli_rows(
    const float *l, const float *x, size_t xs, int n, int d, float scale, float *dl, double *rows) {
#ifdef _OPENMP
#pragma omp parallel if ((size_t)n * (size_t)d > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)n, 1, &lo, &hi);
        for (size_t r = lo; r < hi; r++)
            rows[r] = -bern_row(l + r * (size_t)d, x + r * xs, dl ? dl + r * (size_t)d : NULL,
                                (size_t)d, scale);
    }
}

double gmdl__sum_rows(const double *rows, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += rows[i];
    return s;
}

double gmdl__log_mean_exp(const double *a, size_t n) {
    double mx = -INFINITY;
    for (size_t i = 0; i < n; i++)
        mx = a[i] > mx ? a[i] : mx;
    if (!isfinite(mx))
        return mx;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += exp(a[i] - mx);
    return mx + log(s / (double)n);
}
