/* The semi-supervised VAE M2 (Kingma, Rezende, Mohamed & Welling 2014; ALGORITHMS.md 7).
 * Three one-hidden-layer ReLU nets over one flat store: q(y|x) (classifier), q(z|x,y) on
 * [x, onehot(y)], p(x|y,z) on [z, onehot(y)] with Bernoulli logits. With
 *   L(x,y) = -log p(x|y,z) + KL(q(z|x,y) || N(0,I)) + log K   (z = mu + sigma eps, one sample),
 *   U(x) = sum_k q(k|x) L(x,k) + sum_k q(k|x) log q(k|x),
 * a step's loss is  (N_l/N) mean_l L + (N_u/N) mean_u U + alpha mean_l[-log q(y|x)]  (J / N).
 * All ELBO rows of a step (n_l labelled, n_u * K enumerated) go through the nets together
 * (ssvae_rows.c: the encoder's x W_x^T once per image, the decoder's rows in one product); the
 * backward pass weights row r by s_r = (N_l/N)/n_l (labelled) or (N_u/N)/n_u q(k|x_b)
 * (enumerated), and the classifier receives dU/dq through the softmax:
 *   dlogit_bj = q_bj (g_bj - sum_k q_bk g_bk),  g_bk = (N_u/N)/n_u (L_bk + log q_bk + 1). */
#include <sys/time.h>

#include "core/vmath.h"
#include "latent/latent_internal.h"
#include "latent/ssvae_internal.h"
#include "nn/optim.h"

static double now_s(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec;
}

/* Image idx into dst: binarised at 0.5 (Bernoulli model) or as it is (Gaussian, M1+M2). */
static void put_x(float *dst, const float *x, size_t idx, size_t D, int gaussian) {
    const float *s = x + idx * D;
    if (gaussian)
        memcpy(dst, s, D * sizeof(float));
    else
        for (size_t d = 0; d < D; d++)
            dst[d] = s[d] > 0.5f ? 1.0f : 0.0f;
}

/* Classes of the ELBO rows: labelled rows keep theirs (set by the caller), each unlabelled image
 * gets rows nl + b K + k, k = 0..K-1. Returns the row count. */
static int set_classes(gmdl_ssvae *m, int nl, int nu) {
    const int K = m->cfg.classes, R = nl + nu * K;
    for (int r = nl; r < R; r++)
        m->ycls[r] = (r - nl) % K;
    return R;
}

/* Softmax of the classifier's logits into q (rows n). */
static void softmax_rows(const float *lg, double *q, int n, int K) {
    for (int i = 0; i < n; i++) {
        const float *l = lg + (size_t)i * K;
        double mx = (double)l[0], s = 0.0;
        for (int k = 1; k < K; k++)
            mx = (double)l[k] > mx ? (double)l[k] : mx;
        for (int k = 0; k < K; k++)
            s += exp((double)l[k] - mx);
        for (int k = 0; k < K; k++)
            q[(size_t)i * K + (size_t)k] = exp((double)l[k] - mx) / s;
    }
}

/* Loss of one step over the classifier rows [0, nl) labelled (labels in ycls) and [nl, nl + nu)
 * unlabelled, already in cx; with backward, accumulates the gradient. */
double gmdl__ssvae_step_loss(gmdl_ssvae *m, int nl, int nu, int backward) {
    const int K = m->cfg.classes, n = nl + nu;
    const double N = (double)m->ntrain, a = m->cfg.alpha;
    gmdl__mlp_forward(&m->qy, m->cx, n, m->ch, m->clog);
    softmax_rows(m->clog, m->q, n, K);
    double ce = 0.0, loss = 0.0;
    for (int i = 0; i < nl; i++) {
        double qy = m->q[(size_t)i * K + (size_t)m->ycls[i]];
        ce -= log(qy > 1e-300 ? qy : 1e-300);
        for (int k = 0; k < K && backward; k++)
            m->dclog[(size_t)i * K + (size_t)k] =
                (float)((m->cfg.classifier_only ? 1.0 : a) / nl *
                        (m->q[(size_t)i * K + (size_t)k] - (k == m->ycls[i] ? 1.0 : 0.0)));
    }
    if (m->cfg.classifier_only) {
        if (backward)
            gmdl__mlp_backward(&m->qy, m->cx, m->ch, m->dclog, nl, m->cdh, NULL);
        return ce / nl;
    }
    loss = a * ce / nl;
    int R = set_classes(m, nl, nu);
    gmdl_rng r;
    gmdl_rng_derive(&r, m->cfg.seed, GMDL_RNG_REPARAM_EPS, m->step);
    gmdl_rng_normal_fill(&r, m->eps, (size_t)R * (size_t)m->cfg.latent);
    const double wl = nl ? ((double)m->nlab / N) / nl : 0.0, wu = ((double)m->nunl / N) / nu;
    for (int i = 0; i < nl; i++)
        m->rs[i] = (float)wl;
    for (int i = 0; i < nu * K; i++)
        m->rs[nl + i] = (float)(wu * m->q[(size_t)nl * K + (size_t)i]);
    gmdl__ssvae_rows_forward(m, nl, nu, backward);
    for (int i = 0; i < nl; i++)
        loss += wl * m->lrow[i];
    for (int b = 0; b < nu; b++) {
        const double *q = m->q + (size_t)(nl + b) * K;
        const double *lr = m->lrow + nl + (size_t)b * K;
        double u = 0.0, gq = 0.0, g[256];
        for (int k = 0; k < K; k++) {
            double lq = log(q[k] > 1e-300 ? q[k] : 1e-300);
            u += q[k] * (lr[k] + lq);
            g[k] = wu * (lr[k] + lq + 1.0);
            gq += q[k] * g[k];
        }
        loss += wu * u;
        for (int k = 0; k < K && backward; k++)
            m->dclog[(size_t)(nl + b) * K + (size_t)k] = (float)(q[k] * (g[k] - gq));
    }
    if (backward) {
        gmdl__ssvae_rows_backward(m, nl, nu);
        gmdl__mlp_backward(&m->qy, m->cx, m->ch, m->dclog, n, m->cdh, NULL);
    }
    return loss;
}

/* The labelled image at position j of the endless labelled sequence: pass j / N_l of the set in
 * the order of (seed, SHUFFLE, 2^32 + pass). */
static uint32_t labelled_at(gmdl_ssvae *m, uint64_t j) {
    uint64_t pass = j / m->nlab;
    if (pass != m->lpass) {
        for (size_t i = 0; i < m->nlab; i++)
            m->lperm[i] = (uint32_t)i;
        gmdl_rng r;
        gmdl_rng_derive(&r, m->cfg.seed, GMDL_RNG_SHUFFLE, (1ull << 32) + pass);
        gmdl_rng_shuffle_u32(&r, m->lperm, m->nlab);
        m->lpass = pass;
    }
    return m->lab[m->lperm[j % m->nlab]];
}

static double train_steps(gmdl_ssvae *m, const gmdl_dataset *tr) {
    const int B = m->cfg.batch;
    const size_t D = (size_t)m->cfg.input, steps = (m->nunl + (size_t)B - 1) / (size_t)B;
    double tot = 0.0;
    for (size_t t = 0; t < steps; t++) {
        size_t lo = t * (size_t)B;
        int nu = (int)(m->nunl - lo < (size_t)B ? m->nunl - lo : (size_t)B);
        int nl = B < (int)m->nlab ? B : (int)m->nlab;
        for (int i = 0; i < nl; i++) {
            uint32_t idx = labelled_at(m, m->step * (uint64_t)nl + (uint64_t)i);
            put_x(m->cx + (size_t)i * D, tr->x, idx, D, m->cfg.gaussian);
            m->ycls[i] = tr->y[idx];
        }
        for (int i = 0; i < nu && !m->cfg.classifier_only; i++)
            put_x(m->cx + (size_t)(nl + i) * D, tr->x, m->perm[lo + (size_t)i], D, m->cfg.gaussian);
        double loss = gmdl__ssvae_step_loss(m, nl, m->cfg.classifier_only ? 0 : nu, 1);
        if (!isfinite(loss))
            return loss;
        tot += loss;
        m->step++;
        gmdl__adam_step(m->p, m->g, m->m1, m->m2, m->nstore, m->cfg.lr, m->cfg.beta1, m->cfg.beta2,
                        m->cfg.adam_eps, 0.0, m->step);
    }
    return tot / (double)steps;
}

gmdl_status gmdl_ssvae_train_epoch(
    double *loss, double *seconds, gmdl_ssvae *m, const gmdl_dataset *tr, gmdl_err *err) {
    gmdl_status s = gmdl__ssvae_bind_data(m, tr, err);
    if (s)
        return s;
    for (size_t i = 0; i < m->nunl; i++)
        m->perm[i] = m->unl[i];
    gmdl_rng r;
    gmdl_rng_derive(&r, m->cfg.seed, GMDL_RNG_SHUFFLE, (uint64_t)m->epoch);
    gmdl_rng_shuffle_u32(&r, m->perm, m->nunl);
    int prev = gmdl_set_flush_denormals(1);
    double t0 = now_s(), l = train_steps(m, tr), dt = now_s() - t0;
    gmdl_set_flush_denormals(prev);
    if (!isfinite(l))
        return gmdl__fail(err, GMDL_ENUMERIC, "M2 training diverged at step %llu (epoch %d)",
                          (unsigned long long)m->step, m->epoch + 1);
    m->epoch++;
    if (loss)
        *loss = l;
    if (seconds)
        *seconds = dt;
    return GMDL_OK;
}

gmdl_status gmdl_ssvae_evaluate(
    double *error, double *elbo, gmdl_ssvae *m, const gmdl_dataset *te, gmdl_err *err) {
    if (te->dim != (size_t)m->cfg.input || te->n == 0)
        return gmdl__fail(err, GMDL_ESHAPE, "the test images have %zu pixels, the model %d",
                          te->dim, m->cfg.input);
    const int B = m->cfg.batch, K = m->cfg.classes;
    const size_t D = (size_t)m->cfg.input;
    size_t wrong = 0;
    double tot = 0.0;
    int prev = gmdl_set_flush_denormals(1);
    for (size_t lo = 0; lo < te->n; lo += (size_t)B) {
        int n = (int)(te->n - lo < (size_t)B ? te->n - lo : (size_t)B);
        for (int i = 0; i < n; i++)
            put_x(m->cx + (size_t)i * D, te->x, lo + (size_t)i, D, m->cfg.gaussian);
        gmdl__mlp_forward(&m->qy, m->cx, n, m->ch, m->clog);
        softmax_rows(m->clog, m->q, n, K);
        for (int i = 0; i < n; i++) {
            int arg = 0;
            for (int k = 1; k < K; k++)
                arg = m->q[(size_t)i * K + (size_t)k] > m->q[(size_t)i * K + (size_t)arg] ? k : arg;
            wrong += arg != te->y[lo + (size_t)i];
        }
        if (m->cfg.classifier_only)
            continue;
        int R = set_classes(m, 0, n);
        gmdl_rng r;
        gmdl_rng_derive(&r, m->cfg.seed, GMDL_RNG_REPARAM_EPS, (1ull << 40) + lo);
        gmdl_rng_normal_fill(&r, m->eps, (size_t)R * (size_t)m->cfg.latent);
        gmdl__ssvae_rows_forward(m, 0, n, 0);
        for (int b = 0; b < n; b++)
            for (int k = 0; k < K; k++) {
                double q = m->q[(size_t)b * K + (size_t)k];
                tot -= q * (m->lrow[(size_t)b * K + (size_t)k] + log(q > 1e-300 ? q : 1e-300));
            }
    }
    gmdl_set_flush_denormals(prev);
    *error = (double)wrong / (double)te->n;
    if (elbo)
        *elbo = m->cfg.classifier_only ? (double)NAN : tot / (double)te->n;
    return GMDL_OK;
}
