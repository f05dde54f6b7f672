/* What a trained VAE computes beyond its bound: the importance-weighted estimate of log p(x)
 * (Burda, Grosse & Salakhutdinov 2016), posterior means, decoded images.
 *   log p(x) ~ log (1/K) sum_k exp(w_k),  w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x),
 *   z_k = mu + sigma eps_k:  log p(z_k) - log q(z_k|x) = sum_j (eps_j^2 - z_j^2 + lv_j) / 2
 * (the 2 pi terms cancel). The K log-weights of an image are kept in double and combined with
 * log-mean-exp after subtracting their maximum. The noise of image i comes from one stream,
 * (seed, REPARAM_EPS, 2^41 + i), so the estimate does not depend on the chunking or threads. */
#include "core/vmath.h"
#include "latent/latent_internal.h"

/* z and the log-weight prior/proposal part for rows [0, n) of one image's samples. */
static void
is_latents(const float *mu, const float *lv, const float *eps, float *z, double *w, int n, int L) {
    for (int r = 0; r < n; r++) {
        double s = 0.0;
        for (int j = 0; j < L; j++) {
            float e = eps[r * L + j], zj = mu[j] + expf(0.5f * lv[j]) * e;
            z[r * L + j] = zj;
            s += 0.5 * ((double)e * (double)e - (double)zj * (double)zj + (double)lv[j]);
        }
        w[r] = s;
    }
}

/* log p(x) estimate of the image in row i of v->x, whose encoder output is in v->eo. */
static double is_image(gmdl_vae *v, int i, size_t image, int K, double *w) {
    const int L = v->cfg.latent, D = v->cfg.input;
    float mu[4096], lv[4096];
    memcpy(mu, v->eo + (size_t)i * 2 * L, (size_t)L * sizeof(float));
    memcpy(lv, v->eo + (size_t)i * 2 * L + L, (size_t)L * sizeof(float));
    const float *x = v->x + (size_t)i * D;
    gmdl_rng r;
    gmdl_rng_derive(&r, v->cfg.seed, GMDL_RNG_REPARAM_EPS, IS_DOMAIN_OFFSET + image);
    for (int k0 = 0; k0 < K; k0 += v->cap) {
        int n = K - k0 < v->cap ? K - k0 : v->cap;
        gmdl_rng_normal_fill(&r, v->eps, (size_t)n * (size_t)L);
        is_latents(mu, lv, v->eps, v->z, w + k0, n, L);
        gmdl__mlp_forward(&v->dec, v->z, n, v->h2, v->lg);
        gmdl__bernoulli_rows(v->lg, x, 0, n, D, 1.0f, NULL, v->rows);
        for (int k = 0; k < n; k++)
            w[k0 + k] += v->rows[k];
    }
    return gmdl__log_mean_exp(w, (size_t)K);
}

gmdl_status gmdl_vae_loglik_is(double *loglik,
                               gmdl_vae *v,
                               const gmdl_dataset *ds,
                               int samples,
                               int (*progress)(size_t, size_t, void *),
                               void *user,
                               gmdl_err *err) {
    gmdl_status s = gmdl__vae_check_data(v, ds, err);
    if (s)
        return s;
    if (samples < 1 || samples > (1 << 24))
        return gmdl__fail(err, GMDL_EINVAL, "importance samples must be in [1, 2^24], got %d",
                          samples);
    if (v->cfg.latent > 4096)
        return gmdl__fail(err, GMDL_EINVAL, "latent dimension above 4096");
    double *w = gmdl__malloc((size_t)samples * sizeof(double));
    if (!w)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for %d importance weights", samples);
    int prev = gmdl_set_flush_denormals(1);
    const size_t C = (size_t)v->cap;
    double tot = 0.0;
    for (size_t lo = 0; lo < ds->n; lo += C) {
        int n = (int)(ds->n - lo < C ? ds->n - lo : C);
        gmdl__vae_gather(v, ds->x, NULL, lo, n, 0);
        gmdl__mlp_forward(&v->enc, v->x, n, v->h1, v->eo);
        for (int i = 0; i < n; i++)
            tot += is_image(v, i, lo + (size_t)i, samples, w);
        if (progress && progress(lo + (size_t)n, ds->n, user)) {
            gmdl_set_flush_denormals(prev);
            gmdl__free(w);
            return gmdl__fail(err, GMDL_EINTR, "interrupted after %zu images", lo + (size_t)n);
        }
    }
    gmdl_set_flush_denormals(prev);
    gmdl__free(w);
    *loglik = tot / (double)ds->n;
    return GMDL_OK;
}

gmdl_status
gmdl_vae_encode(float *mu, float *logvar, gmdl_vae *v, const float *x, size_t n, gmdl_err *err) {
    (void)err;
    const size_t C = (size_t)v->cap, L = (size_t)v->cfg.latent;
    for (size_t lo = 0; lo < n; lo += C) {
        int c = (int)(n - lo < C ? n - lo : C);
        gmdl__vae_gather(v, x, NULL, lo, c, 0);
        gmdl__mlp_forward(&v->enc, v->x, c, v->h1, v->eo);
        for (int i = 0; i < c; i++) {
            if (mu)
                memcpy(mu + (lo + (size_t)i) * L, v->eo + (size_t)i * 2 * L, L * sizeof(float));
            if (logvar)
                memcpy(logvar + (lo + (size_t)i) * L, v->eo + (size_t)i * 2 * L + L,
                       L * sizeof(float));
        }
    }
    return GMDL_OK;
}

gmdl_status gmdl_vae_decode(float *probs, gmdl_vae *v, const float *z, size_t n, gmdl_err *err) {
    (void)err;
    const size_t C = (size_t)v->cap, L = (size_t)v->cfg.latent, D = (size_t)v->cfg.input;
    for (size_t lo = 0; lo < n; lo += C) {
        int c = (int)(n - lo < C ? n - lo : C);
        memcpy(v->z, z + lo * L, (size_t)c * L * sizeof(float));
        gmdl__mlp_forward(&v->dec, v->z, c, v->h2, v->lg);
        for (size_t i = 0; i < (size_t)c * D; i++)
            probs[lo * D + i] = 1.0f / (1.0f + expf(-v->lg[i]));
    }
    return GMDL_OK;
}
