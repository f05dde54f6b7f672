/* The ELBO rows of M2 (ssvae.c's step): every labelled image once with its label and every
 * unlabelled image once per class, R = n_l + K n_u rows, through q(z|x,y) and p(x|y,z) together.
 * q(z|x,y)'s first layer on [x, onehot(y)] is split: x W_x^T is computed once per image (the
 * classifier's rows cx) and the class's column of W_1 plus the bias is added per row, so the
 * largest product runs over n_l + n_u rows instead of R; its gradient sums the rows of an image
 * first. The decoder runs all R rows in one product. Row r's image is src(r): r for labelled
 * rows, n_l + (r - n_l) / K for enumerated ones. Nothing is allocated here. */
#include "core/vmath.h"
#include "latent/ssvae_internal.h"
#include "tensor/gemm.h"

static size_t src_row(size_t r, size_t nl, size_t K) {
    return r < nl ? r : nl + (r - nl) / K;
}

/* wy[k][j] = W1[j][D + k] + b1[j] (the class columns transposed, bias folded in). */
static void class_columns(gmdl_ssvae *m) {
    const size_t D = (size_t)m->cfg.input, K = (size_t)m->cfg.classes, H = (size_t)m->cfg.hidden;
    for (size_t j = 0; j < H; j++)
        for (size_t k = 0; k < K; k++)
            m->wy[k * H + j] = m->qz.w1[j * (D + K) + D + k] + m->qz.b1[j];
}

GMDL_KERNEL
static void
relu_sum(float *restrict h, const float *restrict a, const float *restrict b, size_t H) {
    for (size_t j = 0; j < H; j++) {
        float t = a[j] + b[j];
        h[j] = !(t <= 0.0f) ? t : 0.0f;
    }
}

/* h1 = relu(x W_x^T + W_y onehot(y) + b1), eo = h1 W2^T (b2 is added by the reparameterisation). */
static void encoder_forward(gmdl_ssvae *m, int nl, int nu) {
    const int D = m->cfg.input, K = m->cfg.classes, H = m->cfg.hidden, L = m->cfg.latent;
    const int n = nl + nu, R = nl + nu * K;
    gmdl__gemm(0, 1, n, H, D, 1.0f, m->cx, D, m->qz.w1, D + K, 0.0f, m->hx, H);
    class_columns(m);
#ifdef _OPENMP
#pragma omp parallel if (R * H > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)R, 1, &lo, &hi);
        for (size_t r = lo; r < hi; r++)
            relu_sum(m->h1 + r * (size_t)H, m->hx + src_row(r, (size_t)nl, (size_t)K) * (size_t)H,
                     m->wy + (size_t)m->ycls[r] * (size_t)H, (size_t)H);
    }
    gmdl__gemm(0, 1, R, 2 * L, H, 1.0f, m->h1, H, m->qz.w2, H, 0.0f, m->eo, 2 * L);
}

/* eo += b2; z = mu + e^(lv/2) eps into the first L columns of zy (then onehot(y)), KL per row. */
static void reparam(gmdl_ssvae *m, int R) {
    const size_t L = (size_t)m->cfg.latent, K = (size_t)m->cfg.classes, W = L + K;
#ifdef _OPENMP
#pragma omp parallel if (R * (int)L > 4096)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)R, 1, &lo, &hi);
        for (size_t r = lo; r < hi; r++) {
            float *mu = m->eo + r * 2 * L, *lv = mu + L;
            float *z = m->zy + r * W, s = 0.0f;
            for (size_t j = 0; j < 2 * L; j++)
                mu[j] += m->qz.b2[j];
            for (size_t j = 0; j < L; j++) {
                float e = gmdl__expf(lv[j]);
                z[j] = mu[j] + gmdl__expf(0.5f * lv[j]) * m->eps[r * L + j];
                s += mu[j] * mu[j] + e - 1.0f - lv[j];
            }
            memset(z + L, 0, K * sizeof(float));
            z[L + (size_t)m->ycls[r]] = 1.0f;
            m->kl[r] = 0.5 * (double)s;
        }
    }
}

/* Gaussian log-likelihood of x under l = [mean (D), log variance (D)]; with dl, dl = scale *
 * the gradient of the negative (mean, then log variance). 16 partial sums, fixed order. */
GMDL_KERNEL
static double gauss_row(
    const float *restrict l, const float *restrict x, float *restrict dl, size_t D, float scale) {
    float acc[16] = {0};
    for (size_t j = 0; j < D; j++) {
        float mu = l[j], lv = l[D + j], iv = gmdl__expf(-lv), e = x[j] - mu;
        acc[j % 16] += lv + e * e * iv;
        if (dl) {
            dl[j] = -scale * e * iv;
            dl[D + j] = 0.5f * scale * (1.0f - e * e * iv);
        }
    }
    double tot = 0.0;
    for (size_t k = 0; k < 16; k++)
        tot += (double)acc[k];
    return -0.5 * (tot + (double)D * 1.8378770664093453); /* log 2 pi */
}

/* Log-likelihood of row r's image under the decoder's outputs: Bernoulli logits or Gaussian
 * (mean, log variance); with grad, dlg = rs[r] times the gradient of the negative. */
static void likelihood(gmdl_ssvae *m, int nl, int R, int grad) {
    const size_t D = (size_t)m->cfg.input, K = (size_t)m->cfg.classes;
    const size_t O = (size_t)m->px.out;
#ifdef _OPENMP
#pragma omp parallel if ((size_t)R * D > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)R, 1, &lo, &hi);
        for (size_t r = lo; r < hi; r++) {
            const float *x = m->cx + src_row(r, (size_t)nl, K) * D;
            float s = grad ? m->rs[r] : 1.0f, *dl = grad ? m->dlg + r * O : NULL;
            if (m->cfg.gaussian)
                m->rows[r] = gauss_row(m->lg + r * O, x, dl, D, s);
            else
                gmdl__bernoulli_rows(m->lg + r * O, x, 0, 1, (int)D, s, dl, m->rows + r);
        }
    }
}

void gmdl__ssvae_rows_forward(gmdl_ssvae *m, int nl, int nu, int grad) {
    const int K = m->cfg.classes, R = nl + nu * K;
    encoder_forward(m, nl, nu);
    reparam(m, R);
    gmdl__mlp_forward(&m->px, m->zy, R, m->h2, m->lg);
    likelihood(m, nl, R, grad);
    const double logk = log((double)K);
    for (int r = 0; r < R; r++)
        m->lrow[r] = -m->rows[r] + m->kl[r] + logk;
}

/* dh *= [h1 > 0] for the rows of each image, summed per image into dhs. */
static void mask_and_sum(gmdl_ssvae *m, int nl, int nu) {
    const size_t K = (size_t)m->cfg.classes, H = (size_t)m->cfg.hidden, n = (size_t)(nl + nu);
#ifdef _OPENMP
#pragma omp parallel if (n * K * H > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range(n, 1, &lo, &hi);
        for (size_t i = lo; i < hi; i++) {
            size_t r0 = i < (size_t)nl ? i : (size_t)nl + (i - (size_t)nl) * K;
            size_t r1 = i < (size_t)nl ? i + 1 : r0 + K;
            float *s = m->dhs + i * H;
            memset(s, 0, H * sizeof(float));
            for (size_t r = r0; r < r1; r++) {
                float *d = m->dh + r * H;
                const float *h = m->h1 + r * H;
                for (size_t j = 0; j < H; j++) {
                    d[j] = h[j] > 0.0f ? d[j] : 0.0f;
                    s[j] += d[j];
                }
            }
        }
    }
}

/* Gradients of the class columns of W1 and of b1: sums of the masked dh over rows, by class. */
static void class_grads(gmdl_ssvae *m, int R) {
    const size_t D = (size_t)m->cfg.input, K = (size_t)m->cfg.classes, H = (size_t)m->cfg.hidden;
    memset(m->gy, 0, K * H * sizeof(float));
#ifdef _OPENMP
#pragma omp parallel if ((size_t)R * H > 8192)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range(H, 16, &lo, &hi);
        for (size_t r = 0; r < (size_t)R; r++) {
            const float *d = m->dh + r * H;
            float *g = m->gy + (size_t)m->ycls[r] * H;
            for (size_t j = lo; j < hi; j++)
                g[j] += d[j];
        }
    }
    for (size_t j = 0; j < H; j++)
        for (size_t k = 0; k < K; k++) {
            m->qz.gw1[j * (D + K) + D + k] += m->gy[k * H + j];
            m->qz.gb1[j] += m->gy[k * H + j];
        }
}

/* Through z = mu + sigma eps and the KL (weighted by rs) to deo. */
static void reparam_backward(gmdl_ssvae *m, int R) {
    const size_t L = (size_t)m->cfg.latent, K = (size_t)m->cfg.classes;
    for (int r = 0; r < R; r++) {
        const float *mu = m->eo + (size_t)r * 2 * L, *lv = mu + L,
                    *dz = m->dzy + (size_t)r * (L + K);
        float *dmu = m->deo + (size_t)r * 2 * L, *dlv = dmu + L, s = m->rs[r];
        for (size_t j = 0; j < L; j++) {
            float sd = gmdl__expf(0.5f * lv[j]);
            dmu[j] = dz[j] + s * mu[j];
            dlv[j] = 0.5f * dz[j] * m->eps[(size_t)r * L + j] * sd + 0.5f * s * (sd * sd - 1.0f);
        }
    }
}

void gmdl__ssvae_rows_backward(gmdl_ssvae *m, int nl, int nu) {
    const int D = m->cfg.input, K = m->cfg.classes, H = m->cfg.hidden, L = m->cfg.latent;
    const int n = nl + nu, R = nl + nu * K;
    gmdl__mlp_backward(&m->px, m->zy, m->h2, m->dlg, R, m->dh, m->dzy);
    reparam_backward(m, R);
    gmdl__gemm(1, 0, 2 * L, H, R, 1.0f, m->deo, 2 * L, m->h1, H, 1.0f, m->qz.gw2, H);
    for (int r = 0; r < R; r++)
        for (int j = 0; j < 2 * L; j++)
            m->qz.gb2[j] += m->deo[(size_t)r * 2 * (size_t)L + (size_t)j];
    gmdl__gemm(0, 0, R, H, 2 * L, 1.0f, m->deo, 2 * L, m->qz.w2, H, 0.0f, m->dh, H);
    mask_and_sum(m, nl, nu);
    class_grads(m, R);
    gmdl__gemm(1, 0, H, D, n, 1.0f, m->dhs, H, m->cx, D, 1.0f, m->qz.gw1, D + K);
}
