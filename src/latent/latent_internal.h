/* Internal interface of the VAE and the semi-supervised VAE (module latent).
 *
 * gmdl__mlp: a one-hidden-layer ReLU perceptron in -> hid -> out over slices of a flat parameter
 * store (parameters, gradients and Adam moments at identical offsets, 16-float aligned):
 *   h = relu(x W1^T + b1)  [n, hid],   y = h W2^T + b2  [n, out]
 * W1 [hid, in], W2 [out, hid] (out, in, as PyTorch), initialised U(-1/sqrt(fan_in), 1/sqrt(fan_in))
 * as nn.Linear. The products go through the one GEMM entry (tensor/gemm.h); the elementwise passes
 * are OpenMP slices fixed by the team size, so a run is reproducible for a thread count. */
#ifndef GMDL_LATENT_INTERNAL_H
#define GMDL_LATENT_INTERNAL_H

#include "common.h"
#include "gmdl/rng.h"
#include "gmdl/vae.h"

typedef struct gmdl__mlp {
    int in, hid, out;
    float *w1, *b1, *w2, *b2;     /* values */
    float *gw1, *gb1, *gw2, *gb2; /* gradients (accumulated) */
} gmdl__mlp;

/* Floats the MLP takes in the store (each tensor rounded up to 16 floats). */
size_t gmdl__mlp_floats(int in, int hid, int out);
/* Points the MLP at p + *off (values) and g + *off (gradients); advances *off. */
void gmdl__mlp_bind(gmdl__mlp *m, int in, int hid, int out, float *p, float *g, size_t *off);
void gmdl__mlp_init(gmdl__mlp *m, gmdl_rng *rng);
/* h = relu(x W1^T + b1), y = h W2^T + b2 for n rows. */
void gmdl__mlp_forward(const gmdl__mlp *m, const float *x, int n, float *h, float *y);
/* Given dy [n, out]: gradients += ; dh [n, hid] is scratch (overwritten); dx (when not NULL)
 * receives dL/dx [n, in] (overwritten). h is the forward's hidden output. */
void gmdl__mlp_backward(
    gmdl__mlp *m, const float *x, const float *h, const float *dy, int n, float *dh, float *dx);

/* Bernoulli log-likelihood from logits, per row: rows[r] = sum_d log p(x_rd | l_rd) =
 * -sum_d [softplus(l) - x l], in double per row. x has row stride xs (0: the same row for every
 * r). When dl is not NULL, dl = scale * (sigmoid(l) - x) (the gradient of the negative). */
void gmdl__bernoulli_rows(
    const float *l, const float *x, size_t xs, int n, int d, float scale, float *dl, double *rows);

/* Sum of rows[0..n) in order (double). */
double gmdl__sum_rows(const double *rows, int n);

/* log(mean(exp(a[0..n)))) with the maximum subtracted. */
double gmdl__log_mean_exp(const double *a, size_t n);

/* The VAE: config, flat store, planned buffers. */
#define IS_DOMAIN_OFFSET   (1ull << 41)
#define EVAL_DOMAIN_OFFSET (1ull << 40)
#define EVAL_ROWS          500 /* rows of the evaluation chunks */

struct gmdl_vae {
    gmdl_vae_config cfg;
    int cap; /* rows the buffers hold */
    size_t nstore;
    float *p, *g, *m1, *m2; /* the flat store: values, gradients, Adam moments */
    gmdl__mlp enc, dec;
    uint64_t step;
    int epoch;
    float *buf; /* one block for the batch buffers below */
    float *x, *h1, *eo, *eps, *z, *h2, *lg, *dlg, *dh, *dz, *deo;
    double *rows, *klrows;
    uint32_t *perm;
    size_t nperm;
};

/* Binarised rows into v->x: image idx[i] (or first + i when idx is NULL) of x. */
void gmdl__vae_gather(
    gmdl_vae *v, const float *x, const uint32_t *idx, size_t first, int n, int train);
gmdl_status gmdl__vae_check_data(const gmdl_vae *v, const gmdl_dataset *ds, gmdl_err *err);

/* The VAE's negative ELBO summed over the n rows of v's batch buffers, which the caller fills:
 * gmdl__vae_batch_x (binarised inputs [n, D]) and gmdl__vae_batch_eps (standard normals [n, L]).
 * With backward, accumulates scale * the gradient of that sum into the gradient store.
 * rec and kl (optional) receive the summed reconstruction and KL terms. */
double gmdl__vae_batch_loss(gmdl_vae *v, int n, int backward, float scale, double *rec, double *kl);
float *gmdl__vae_batch_x(gmdl_vae *v);
float *gmdl__vae_batch_eps(gmdl_vae *v);
/* The flat stores (for gradient checks): values and gradients of *count floats. */
float *gmdl__vae_params(gmdl_vae *v, float **grads, size_t *count);

#endif
