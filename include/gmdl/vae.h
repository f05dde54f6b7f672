/* gmdl latent-variable nets: the variational autoencoder (Kingma & Welling 2014) and the
 * semi-supervised VAE M2 (Kingma, Rezende, Mohamed & Welling 2014).
 *
 * VAE: encoder x -> hidden (ReLU) -> (mu, log sigma^2) of a Gaussian q(z|x); decoder z -> hidden
 * (ReLU) -> Bernoulli logits of p(x|z); prior N(0, I). Trained on the ELBO with the
 * reparameterisation trick z = mu + sigma eps (one sample per image) and the analytic KL, with
 * Adam; images are binarised: fixed (pixel > 0.5) or dynamic (x ~ Bernoulli(pixel) at every
 * step). The defaults are the PyTorch reference's (784-400-20, Adam lr 1e-3, batch 100).
 * Memory is planned at creation: a training step allocates nothing.
 * Randomness: initial weights from (seed, INIT, i), the data order of epoch e from
 * (seed, SHUFFLE, e), the noise of step t from (seed, REPARAM_EPS, t) and (seed, DATA_SYNTH, t),
 * so a run is reproducible for a seed and thread count, and a resumed run equals the uninterrupted
 * one.
 * Threads: a gmdl_vae / gmdl_ssvae is used by one thread at a time; its calls spread their own
 * work over the OpenMP team (omp_set_num_threads). The config functions are pure. */
#ifndef GMDL_VAE_H
#define GMDL_VAE_H

#include "gmdl/core.h"
#include "gmdl/io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { GMDL_BINARIZE_FIXED = 0, GMDL_BINARIZE_DYNAMIC = 1 } gmdl_binarize;

typedef struct gmdl_vae_config {
    int input;              /* pixels per image; default 784 */
    int hidden;             /* hidden units of encoder and decoder; default 400 */
    int latent;             /* latent dimensions; default 20 */
    int batch;              /* default 100 */
    double lr;              /* Adam step; default 1e-3 */
    double beta1, beta2;    /* default 0.9, 0.999 */
    double adam_eps;        /* default 1e-8 */
    gmdl_binarize binarize; /* default fixed */
    uint64_t seed;          /* default 1 */
} gmdl_vae_config;

typedef struct gmdl_vae gmdl_vae;

GMDL_API gmdl_vae_config gmdl_vae_config_default(void);
/* Statuses: EINVAL (sizes, rates), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_vae_create(gmdl_vae **out,
                                                    const gmdl_vae_config *cfg,
                                                    gmdl_err *err);
GMDL_API void gmdl_vae_destroy(gmdl_vae *v);
GMDL_API const gmdl_vae_config *gmdl_vae_get_config(const gmdl_vae *v);
/* Epochs trained so far. */
GMDL_API int gmdl_vae_epoch(const gmdl_vae *v);

/* One epoch over train (images in [0, 1], train->dim == input) in a seeded order, the last
 * batch possibly smaller; *neg_elbo: mean over the images of the single-sample negative ELBO in
 * nats, *seconds the wall time. Statuses: ESHAPE, ENUMERIC (diverged), ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_vae_train_epoch(
    double *neg_elbo, double *seconds, gmdl_vae *v, const gmdl_dataset *train, gmdl_err *err);
/* Mean over the images of the single-sample ELBO (nats per image), averaged over `passes`
 * independent passes (noise from (seed, REPARAM_EPS, 2^40 + pass)). Fixed binarisation as in
 * training; dynamic: one Bernoulli draw per pixel from (0, DATA_SYNTH, 2^40 + image), the same
 * for every model. Statuses: ESHAPE, EINVAL. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_vae_test_elbo(double *elbo, gmdl_vae *v, const gmdl_dataset *ds, int passes, gmdl_err *err);
/* Importance-weighted estimate of the mean log p(x) (Burda et al. 2016): per image
 * log (1/K) sum_k p(x, z_k) / q(z_k | x), z_k ~ q(z|x), with log-mean-exp in double.
 * progress (optional) is called after each block of images with (done, total); a nonzero
 * return stops with EINTR. Statuses: ESHAPE, EINVAL, ENOMEM, EINTR. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_vae_loglik_is(double *loglik,
                                                       gmdl_vae *v,
                                                       const gmdl_dataset *ds,
                                                       int samples,
                                                       int (*progress)(size_t, size_t, void *),
                                                       void *user,
                                                       gmdl_err *err);
/* Posterior means and log variances [n, latent] of n images x [n, input] (binarised as the
 * model's test images; either output may be NULL). Statuses: EINVAL. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_vae_encode(float *mu, float *logvar, gmdl_vae *v, const float *x, size_t n, gmdl_err *err);
/* Bernoulli means [n, input] of p(x|z) for n latent points z [n, latent]. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_vae_decode(float *probs, gmdl_vae *v, const float *z, size_t n, gmdl_err *err);
/* Saves weights, Adam moments, step and epoch (atomic, checksummed container; docs/FORMAT.md);
 * loading and training on gives the uninterrupted run. Statuses: EIO, ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_vae_save(const gmdl_vae *v,
                                                  const char *path,
                                                  gmdl_err *err);
/* Statuses: ENOENT, EIO, ENOTOURS, EVERSION, ECORRUPT, ECHECKSUM, ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_vae_load(gmdl_vae **out, const char *path, gmdl_err *err);

/* ------------------------------------------------------------------ semi-supervised VAE (M2)
 * Generative model p(y) uniform, p(z) = N(0, I), p(x|y,z) Bernoulli MLP on [z, onehot(y)];
 * inference q(z|x,y) Gaussian MLP on [x, onehot(y)], classifier q(y|x) softmax MLP on x; one hidden
 * ReLU layer each (ALGORITHMS.md 7). Per step, a batch of unlabelled images with every class
 * enumerated (one z sample per class) and a batch of labelled images (cycled through the labelled
 * set in seeded orders); the loss estimates J / N with
 *   J = sum_labelled L(x,y) + sum_unlabelled U(x) + alpha N mean_labelled[-log q(y|x)],
 * N the training-set size (alpha = 0.1 as Kingma et al. 2014). Images binarised at 0.5 (gaussian =
 * 0) or real-valued features with a Gaussian p(x|y,z) (gaussian = 1, M1+M2). With classifier_only,
 * only q(y|x) is trained, on the labelled images alone (the baseline). */
typedef struct gmdl_ssvae_config {
    int input;           /* pixels; default 784 */
    int classes;         /* default 10 */
    int hidden;          /* hidden units of each of the three nets; default 500 */
    int latent;          /* default 50 */
    int batch;           /* images per batch, labelled and unlabelled each; default 100 */
    double lr;           /* Adam; default 3e-4 */
    double beta1, beta2; /* default 0.9, 0.999 */
    double adam_eps;     /* default 1e-8 */
    double alpha;        /* weight of the classification term, times N; default 0.1 */
    int classifier_only; /* default 0 */
    uint64_t seed;       /* default 1 */
    int gaussian;        /* 0 (default): Bernoulli p(x|y,z) on x binarised at 0.5; 1: Gaussian
                            p(x|y,z) (mean and log variance per input) on real-valued x (M1+M2) */
} gmdl_ssvae_config;

typedef struct gmdl_ssvae gmdl_ssvae;

GMDL_API gmdl_ssvae_config gmdl_ssvae_config_default(void);
/* Picks `labels` labelled images of train balanced over the classes (labels / classes of each,
 * the first labels % classes classes one more) from (seed, SHUFFLE, 2^40); the rest are
 * unlabelled. Statuses: EINVAL (sizes; too few images of a class), ESHAPE, ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_ssvae_create(gmdl_ssvae **out,
                                                      const gmdl_ssvae_config *cfg,
                                                      const gmdl_dataset *train,
                                                      size_t labels,
                                                      gmdl_err *err);
GMDL_API void gmdl_ssvae_destroy(gmdl_ssvae *m);
GMDL_API const gmdl_ssvae_config *gmdl_ssvae_get_config(const gmdl_ssvae *m);
GMDL_API int gmdl_ssvae_epoch(const gmdl_ssvae *m);
/* One pass over the unlabelled images (with classifier_only: as many steps, labelled batches
 * only); *loss is the mean per-step loss (nats per image), *seconds the wall time.
 * train must be the set the model was created with. Statuses: ESHAPE, ENUMERIC, ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_ssvae_train_epoch(
    double *loss, double *seconds, gmdl_ssvae *m, const gmdl_dataset *train, gmdl_err *err);
/* Test error of argmax q(y|x) and the mean unlabelled bound -U(x) (one z per class; nats per
 * image; NaN with classifier_only). Statuses: ESHAPE. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_ssvae_evaluate(
    double *error, double *elbo, gmdl_ssvae *m, const gmdl_dataset *test, gmdl_err *err);
/* Atomic, checksummed; holds the labelled indices. Statuses as gmdl_vae_save / gmdl_vae_load. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_ssvae_save(const gmdl_ssvae *m,
                                                    const char *path,
                                                    gmdl_err *err);
GMDL_API GMDL_NODISCARD gmdl_status gmdl_ssvae_load(gmdl_ssvae **out,
                                                    const char *path,
                                                    gmdl_err *err);

/* M1+M2 (Kingma et al. 2014; ALGORITHMS.md 7.1): the features M2 is trained on, the posterior
 * means of a trained VAE (images binarised as its test images). Keeps the latent dimensions whose
 * mean has standard deviation above min_sd over train (the reference code's 0.1), the same ones
 * for test; *kept receives their number (at least 1, else EINVAL). out_train and out_test are
 * [n, kept] sets with the labels copied (c = h = 1, w = kept), for a config with gaussian = 1;
 * release them with gmdl_dataset_fini. Statuses: ESHAPE (pixels differ from the VAE's), EINVAL,
 * ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_ssvae_m1_features(gmdl_dataset *out_train,
                                                           gmdl_dataset *out_test,
                                                           size_t *kept,
                                                           gmdl_vae *vae,
                                                           const gmdl_dataset *train,
                                                           const gmdl_dataset *test,
                                                           double min_sd,
                                                           gmdl_err *err);

/* The two single-sample estimators of d/dmu E_{z ~ N(mu, sigma^2)}[f(z)] (ALGORITHMS.md 6.2), n
 * of each from the same draws eps_i ~ N(0, 1) of (seed, REPARAM_EPS, 0), z_i = mu + sigma eps_i:
 *   pathwise (reparameterisation):        f'(z_i)
 *   score function (REINFORCE):           f(z_i) (z_i - mu) / sigma^2
 * f returns f(z) and writes f'(z) to *dfdz. Either output may be NULL. For f(z) = z^2 both have
 * mean 2 mu; their variances are 4 sigma^2 and (at sigma = 1) mu^4 + 14 mu^2 + 15.
 * Statuses: EINVAL (sigma <= 0, n = 0), ENUMERIC (f not finite). */
typedef double (*gmdl_scalar_fn)(double z, double *dfdz, void *user);
GMDL_API GMDL_NODISCARD gmdl_status gmdl_grad_estimates(double *pathwise,
                                                        double *score,
                                                        size_t n,
                                                        gmdl_scalar_fn f,
                                                        void *user,
                                                        double mu,
                                                        double sigma,
                                                        uint64_t seed,
                                                        gmdl_err *err);

/* Writes n grey images [n, h * w] (values in [0, 1]) as one PNG grid of `cols` columns with a
 * 2-pixel white gap, each image scaled up by `zoom` (atomic write). Statuses: EINVAL, EIO,
 * ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_png_image_grid(
    const char *path, const float *img, size_t n, int h, int w, int cols, int zoom, gmdl_err *err);

#ifdef __cplusplus
}
#endif
#endif
