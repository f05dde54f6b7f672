/* M1+M2's features: the posterior means of a trained VAE, low-variance dimensions dropped
 * (ALGORITHMS.md 7.1). */
#include "latent/ssvae_internal.h"

/* out = the kept columns of mu [n, L] with the labels of src. */
static gmdl_status make_set(gmdl_dataset *out,
                            const float *mu,
                            const gmdl_dataset *src,
                            const int *keep,
                            size_t L,
                            size_t kept,
                            gmdl_err *err) {
    memset(out, 0, sizeof *out);
    out->x = gmdl__malloc_aligned((src->n ? src->n : 1) * kept * sizeof(float));
    out->y = gmdl__malloc((src->n ? src->n : 1) * sizeof(int32_t));
    if (!out->x || !out->y) {
        gmdl_dataset_fini(out);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the M1 features");
    }
    for (size_t i = 0; i < src->n; i++)
        for (size_t j = 0, o = 0; j < L; j++)
            if (keep[j])
                out->x[i * kept + o++] = mu[i * L + j];
    memcpy(out->y, src->y, src->n * sizeof(int32_t));
    out->n = src->n;
    out->c = out->h = 1;
    out->w = (int)kept;
    out->dim = kept;
    out->classes = src->classes;
    return GMDL_OK;
}

/* keep[j] = sd of column j of mu [n, L] > min_sd; returns the count. */
static size_t pick_dims(int *keep, const float *mu, size_t n, size_t L, double min_sd) {
    size_t kept = 0;
    for (size_t j = 0; j < L; j++) {
        double s = 0.0, ss = 0.0;
        for (size_t i = 0; i < n; i++) {
            double v = (double)mu[i * L + j];
            s += v;
            ss += v * v;
        }
        double mean = s / (double)n, var = ss / (double)n - mean * mean;
        keep[j] = var > min_sd * min_sd;
        kept += (size_t)keep[j];
    }
    return kept;
}

gmdl_status gmdl_ssvae_m1_features(gmdl_dataset *out_train,
                                   gmdl_dataset *out_test,
                                   size_t *kept,
                                   gmdl_vae *vae,
                                   const gmdl_dataset *train,
                                   const gmdl_dataset *test,
                                   double min_sd,
                                   gmdl_err *err) {
    memset(out_train, 0, sizeof *out_train);
    memset(out_test, 0, sizeof *out_test);
    *kept = 0;
    const gmdl_vae_config *c = gmdl_vae_get_config(vae);
    const size_t L = (size_t)c->latent;
    if (train->dim != (size_t)c->input || test->dim != (size_t)c->input)
        return gmdl__fail(err, GMDL_ESHAPE, "the images have %zu pixels, the VAE (M1) %d",
                          train->dim != (size_t)c->input ? train->dim : test->dim, c->input);
    if (train->n < 2 || !(min_sd >= 0))
        return gmdl__fail(err, GMDL_EINVAL, "M1 features need at least 2 training images");
    size_t nmax = train->n > test->n ? train->n : test->n;
    float *mu = gmdl__malloc(nmax * L * sizeof(float));
    int *keep = gmdl__malloc(L * sizeof(int));
    gmdl_status s = mu && keep ? GMDL_OK : gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if (!s)
        s = gmdl_vae_encode(mu, NULL, vae, train->x, train->n, err);
    if (!s) {
        *kept = pick_dims(keep, mu, train->n, L, min_sd);
        if (*kept == 0)
            s = gmdl__fail(err, GMDL_EINVAL,
                           "no latent dimension of the VAE has a posterior mean with sd > %g",
                           min_sd);
    }
    if (!s)
        s = make_set(out_train, mu, train, keep, L, *kept, err);
    if (!s)
        s = gmdl_vae_encode(mu, NULL, vae, test->x, test->n, err);
    if (!s)
        s = make_set(out_test, mu, test, keep, L, *kept, err);
    if (s) {
        gmdl_dataset_fini(out_train);
        gmdl_dataset_fini(out_test);
    }
    gmdl__free(mu);
    gmdl__free(keep);
    return s;
}
