/* The variational autoencoder (Kingma & Welling 2014), set up as the PyTorch reference
 * (../shared/anchors/pytorch/vae_train.py): encoder x -> H (ReLU) -> [mu, log sigma^2] (2L),
 * decoder z -> H (ReLU) -> D Bernoulli logits, prior N(0, I).
 * Per image: -ELBO = sum_d [softplus(l_d) - x_d l_d] + 1/2 sum_j (mu_j^2 + e^lv_j - 1 - lv_j),
 * with z = mu + e^(lv/2) eps. Backward through the reparameterisation:
 *   dmu = dz + dKL/dmu = dz + mu,   dlv = dz eps e^(lv/2) / 2 + (e^lv - 1) / 2.
 * The loss of a step is the mean over its images (the reference's), so every gradient is scaled by
 * 1/n. One flat store holds parameters, gradients and both Adam moments (nn/optim.c's Adam over
 * the whole store); batch buffers are planned once at creation. */
#include <sys/time.h>

#include "core/vmath.h"
#include "latent/latent_internal.h"
#include "nn/optim.h"

gmdl_vae_config gmdl_vae_config_default(void) {
    gmdl_vae_config c = {784, 400, 20, 100, 1e-3, 0.9, 0.999, 1e-8, GMDL_BINARIZE_FIXED, 1};
    return c;
}

static double now_s(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec;
}

static gmdl_status check_config(const gmdl_vae_config *c, gmdl_err *err) {
    if (c->input < 1 || c->hidden < 1 || c->latent < 1 || c->batch < 1 || c->input > (1 << 20) ||
        c->hidden > (1 << 16) || c->latent > 4096 || c->batch > 65536)
        return gmdl__fail(err, GMDL_EINVAL,
                          "VAE sizes out of range: input %d, hidden %d, latent %d, batch %d "
                          "(each at least 1)",
                          c->input, c->hidden, c->latent, c->batch);
    if (!(c->lr > 0) || !(c->beta1 >= 0 && c->beta1 < 1) || !(c->beta2 >= 0 && c->beta2 < 1) ||
        !(c->adam_eps > 0))
        return gmdl__fail(err, GMDL_EINVAL, "VAE optimiser settings out of range");
    if (c->binarize != GMDL_BINARIZE_FIXED && c->binarize != GMDL_BINARIZE_DYNAMIC)
        return gmdl__fail(err, GMDL_EINVAL, "unknown binarization %d", (int)c->binarize);
    return GMDL_OK;
}

static int plan_buffers(gmdl_vae *v) {
    const size_t C = (size_t)v->cap, D = (size_t)v->cfg.input, H = (size_t)v->cfg.hidden,
                 L = (size_t)v->cfg.latent;
    /* x, h1, eo, eps, z, h2, lg, dlg, dh, dz, deo */
    size_t sz[11] = {C * D, C * H, 2 * C * L, C * L, C * L,    C * H,
                     C * D, C * D, C * H,     C * L, 2 * C * L};
    float **dst[11] = {&v->x,  &v->h1,  &v->eo, &v->eps, &v->z,  &v->h2,
                       &v->lg, &v->dlg, &v->dh, &v->dz,  &v->deo};
    size_t total = 0;
    for (int i = 0; i < 11; i++)
        total += (sz[i] + 15) & ~(size_t)15;
    v->buf = gmdl__malloc_aligned(total * sizeof(float));
    v->rows = gmdl__malloc(2 * C * sizeof(double));
    if (!v->buf || !v->rows)
        return -1;
    memset(v->buf, 0, total * sizeof(float));
    size_t o = 0;
    for (int i = 0; i < 11; i++) {
        *dst[i] = v->buf + o;
        o += (sz[i] + 15) & ~(size_t)15;
    }
    v->klrows = v->rows + C;
    return 0;
}

gmdl_status gmdl_vae_create(gmdl_vae **out, const gmdl_vae_config *cfg, gmdl_err *err) {
    *out = NULL;
    gmdl_status s = check_config(cfg, err);
    if (s)
        return s;
    gmdl_vae *v = gmdl__calloc(1, sizeof *v);
    if (!v)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the VAE");
    v->cfg = *cfg;
    v->cap = cfg->batch > EVAL_ROWS ? cfg->batch : EVAL_ROWS;
    const int D = cfg->input, H = cfg->hidden, L = cfg->latent;
    v->nstore = gmdl__mlp_floats(D, H, 2 * L) + gmdl__mlp_floats(L, H, D);
    size_t bytes = v->nstore * sizeof(float);
    v->p = gmdl__malloc_aligned(4 * bytes);
    if (!v->p || plan_buffers(v)) {
        size_t n = v->nstore; /* read before v is freed */
        gmdl_vae_destroy(v);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the VAE (%zu parameters)", n);
    }
    memset(v->p, 0, 4 * bytes);
    v->g = v->p + v->nstore;
    v->m1 = v->g + v->nstore;
    v->m2 = v->m1 + v->nstore;
    size_t off = 0;
    gmdl__mlp_bind(&v->enc, D, H, 2 * L, v->p, v->g, &off);
    gmdl__mlp_bind(&v->dec, L, H, D, v->p, v->g, &off);
    gmdl_rng r;
    gmdl_rng_derive(&r, cfg->seed, GMDL_RNG_INIT, 0);
    gmdl__mlp_init(&v->enc, &r);
    gmdl_rng_derive(&r, cfg->seed, GMDL_RNG_INIT, 1);
    gmdl__mlp_init(&v->dec, &r);
    *out = v;
    return GMDL_OK;
}

void gmdl_vae_destroy(gmdl_vae *v) {
    if (!v)
        return;
    gmdl__free_aligned(v->p);
    gmdl__free_aligned(v->buf);
    gmdl__free(v->rows);
    gmdl__free(v->perm);
    gmdl__free(v);
}

const gmdl_vae_config *gmdl_vae_get_config(const gmdl_vae *v) {
    return &v->cfg;
}

int gmdl_vae_epoch(const gmdl_vae *v) {
    return v->epoch;
}

float *gmdl__vae_batch_x(gmdl_vae *v) {
    return v->x;
}

float *gmdl__vae_batch_eps(gmdl_vae *v) {
    return v->eps;
}

float *gmdl__vae_params(gmdl_vae *v, float **grads, size_t *count) {
    *grads = v->g;
    *count = v->nstore;
    return v->p;
}

/* z = mu + e^(lv/2) eps and the KL of each row, over rows [lo, hi). */
GMDL_KERNEL
static void reparam_rows(const float *restrict eo,
                         const float *restrict eps,
                         float *restrict z,
                         double *restrict kl,
                         size_t lo,
                         size_t hi,
                         size_t L) {
    for (size_t r = lo; r < hi; r++) {
        const float *mu = eo + r * 2 * L, *lv = mu + L;
        float s = 0.0f;
        for (size_t j = 0; j < L; j++) {
            float e = gmdl__expf(lv[j]);
            z[r * L + j] = mu[j] + gmdl__expf(0.5f * lv[j]) * eps[r * L + j];
            s += mu[j] * mu[j] + e - 1.0f - lv[j];
        }
        kl[r] = 0.5 * (double)s;
    }
}

/* Gradient into the encoder's outputs from dz and the KL (scaled), rows [lo, hi). */
GMDL_KERNEL
static void reparam_back(const float *restrict eo,
                         const float *restrict eps,
                         const float *restrict dz,
                         float *restrict deo,
                         float scale,
                         size_t lo,
                         size_t hi,
                         size_t L) {
    for (size_t r = lo; r < hi; r++) {
        const float *mu = eo + r * 2 * L, *lv = mu + L;
        float *dmu = deo + r * 2 * L, *dlv = dmu + L;
        for (size_t j = 0; j < L; j++) {
            float sd = gmdl__expf(0.5f * lv[j]);
            dmu[j] = dz[r * L + j] + scale * mu[j];
            dlv[j] = 0.5f * dz[r * L + j] * eps[r * L + j] * sd + 0.5f * scale * (sd * sd - 1.0f);
        }
    }
}

double
gmdl__vae_batch_loss(gmdl_vae *v, int n, int backward, float scale, double *rec, double *kl) {
    const int D = v->cfg.input, L = v->cfg.latent;
    gmdl__mlp_forward(&v->enc, v->x, n, v->h1, v->eo);
#ifdef _OPENMP
#pragma omp parallel if (n * L > 4096)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)n, 1, &lo, &hi);
        reparam_rows(v->eo, v->eps, v->z, v->klrows, lo, hi, (size_t)L);
    }
    gmdl__mlp_forward(&v->dec, v->z, n, v->h2, v->lg);
    gmdl__bernoulli_rows(v->lg, v->x, (size_t)D, n, D, scale, backward ? v->dlg : NULL, v->rows);
    double r = -gmdl__sum_rows(v->rows, n), k = gmdl__sum_rows(v->klrows, n);
    if (rec)
        *rec = r;
    if (kl)
        *kl = k;
    if (!backward)
        return r + k;
    gmdl__mlp_backward(&v->dec, v->z, v->h2, v->dlg, n, v->dh, v->dz);
#ifdef _OPENMP
#pragma omp parallel if (n * L > 4096)
#endif
    {
        size_t lo, hi;
        gmdl__thread_range((size_t)n, 1, &lo, &hi);
        reparam_back(v->eo, v->eps, v->dz, v->deo, scale, lo, hi, (size_t)L);
    }
    gmdl__mlp_backward(&v->enc, v->x, v->h1, v->deo, n, v->dh, NULL);
    return r + k;
}

/* Binarised rows into v->x: image idx[i] (or first + i when idx is NULL) of ds. Training with
 * dynamic binarisation draws from (seed, DATA_SYNTH, step); evaluation uses one fixed draw per
 * image from (0, DATA_SYNTH, 2^40 + image). */
void gmdl__vae_gather(
    gmdl_vae *v, const float *x, const uint32_t *idx, size_t first, int n, int train) {
    const size_t D = (size_t)v->cfg.input;
    if (v->cfg.binarize == GMDL_BINARIZE_DYNAMIC) {
        gmdl_rng r;
        if (train)
            gmdl_rng_derive(&r, v->cfg.seed, GMDL_RNG_DATA_SYNTH, v->step);
        for (int i = 0; i < n; i++) {
            size_t im = idx ? idx[i] : first + (size_t)i;
            if (!train)
                gmdl_rng_derive(&r, 0, GMDL_RNG_DATA_SYNTH, EVAL_DOMAIN_OFFSET + im);
            const float *src = x + im * D;
            float *dst = v->x + (size_t)i * D;
            for (size_t d = 0; d < D; d++)
                dst[d] = gmdl_rng_uniformf(&r) < src[d] ? 1.0f : 0.0f;
        }
        return;
    }
    for (int i = 0; i < n; i++) {
        const float *src = x + (idx ? idx[i] : first + (size_t)i) * D;
        float *dst = v->x + (size_t)i * D;
        for (size_t d = 0; d < D; d++)
            dst[d] = src[d] > 0.5f ? 1.0f : 0.0f;
    }
}

gmdl_status gmdl__vae_check_data(const gmdl_vae *v, const gmdl_dataset *ds, gmdl_err *err) {
    if (!ds || ds->n == 0)
        return gmdl__fail(err, GMDL_EINVAL, "the data set is empty");
    if (ds->dim != (size_t)v->cfg.input)
        return gmdl__fail(err, GMDL_ESHAPE, "the images have %zu pixels but the VAE expects %d",
                          ds->dim, v->cfg.input);
    if (ds->n > UINT32_MAX)
        return gmdl__fail(err, GMDL_ELIMIT, "more than 2^32 images");
    return GMDL_OK;
}

static double train_steps(gmdl_vae *v, const gmdl_dataset *ds) {
    const int B = v->cfg.batch;
    const size_t steps = (ds->n + (size_t)B - 1) / (size_t)B;
    double tot = 0.0;
    for (size_t t = 0; t < steps; t++) {
        size_t lo = t * (size_t)B;
        int n = (int)(ds->n - lo < (size_t)B ? ds->n - lo : (size_t)B);
        gmdl__vae_gather(v, ds->x, v->perm + lo, 0, n, 1);
        gmdl_rng r;
        gmdl_rng_derive(&r, v->cfg.seed, GMDL_RNG_REPARAM_EPS, v->step);
        gmdl_rng_normal_fill(&r, v->eps, (size_t)n * (size_t)v->cfg.latent);
        double loss = gmdl__vae_batch_loss(v, n, 1, 1.0f / (float)n, NULL, NULL);
        if (!isfinite(loss))
            return loss;
        tot += loss;
        v->step++;
        gmdl__adam_step(v->p, v->g, v->m1, v->m2, v->nstore, v->cfg.lr, v->cfg.beta1, v->cfg.beta2,
                        v->cfg.adam_eps, 0.0, v->step);
    }
    return tot / (double)ds->n;
}

gmdl_status gmdl_vae_train_epoch(
    double *neg_elbo, double *seconds, gmdl_vae *v, const gmdl_dataset *train, gmdl_err *err) {
    gmdl_status s = gmdl__vae_check_data(v, train, err);
    if (s)
        return s;
    if (v->nperm < train->n) {
        gmdl__free(v->perm);
        v->perm = gmdl__malloc(train->n * sizeof(uint32_t));
        v->nperm = v->perm ? train->n : 0;
        if (!v->perm)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the data order");
    }
    for (size_t i = 0; i < train->n; i++)
        v->perm[i] = (uint32_t)i;
    gmdl_rng r;
    gmdl_rng_derive(&r, v->cfg.seed, GMDL_RNG_SHUFFLE, (uint64_t)v->epoch);
    gmdl_rng_shuffle_u32(&r, v->perm, train->n);
    int prev = gmdl_set_flush_denormals(1);
    double t0 = now_s();
    double loss = train_steps(v, train);
    double dt = now_s() - t0;
    gmdl_set_flush_denormals(prev);
    if (!isfinite(loss))
        return gmdl__fail(err, GMDL_ENUMERIC,
                          "VAE training diverged at step %llu (epoch %d); try a smaller "
                          "learning rate",
                          (unsigned long long)v->step, v->epoch + 1);
    v->epoch++;
    if (neg_elbo)
        *neg_elbo = loss;
    if (seconds)
        *seconds = dt;
    return GMDL_OK;
}

gmdl_status
gmdl_vae_test_elbo(double *elbo, gmdl_vae *v, const gmdl_dataset *ds, int passes, gmdl_err *err) {
    gmdl_status s = gmdl__vae_check_data(v, ds, err);
    if (s)
        return s;
    if (passes < 1)
        return gmdl__fail(err, GMDL_EINVAL, "passes must be at least 1, got %d", passes);
    int prev = gmdl_set_flush_denormals(1);
    const size_t C = (size_t)v->cap, chunks = (ds->n + C - 1) / C;
    double tot = 0.0;
    for (int p = 0; p < passes; p++)
        for (size_t c = 0; c < chunks; c++) {
            size_t lo = c * C;
            int n = (int)(ds->n - lo < C ? ds->n - lo : C);
            gmdl__vae_gather(v, ds->x, NULL, lo, n, 0);
            gmdl_rng r;
            gmdl_rng_derive(&r, v->cfg.seed, GMDL_RNG_REPARAM_EPS,
                            EVAL_DOMAIN_OFFSET + (uint64_t)p * chunks + c);
            gmdl_rng_normal_fill(&r, v->eps, (size_t)n * (size_t)v->cfg.latent);
            tot += gmdl__vae_batch_loss(v, n, 0, 1.0f, NULL, NULL);
        }
    gmdl_set_flush_denormals(prev);
    *elbo = -tot / ((double)ds->n * passes);
    return GMDL_OK;
}
