/* Internal state of the semi-supervised VAE (ssvae.c: the loss and training; ssvae_io.c:
 * creation, the labelled set, files). */
#ifndef GMDL_LATENT_SSVAE_INTERNAL_H
#define GMDL_LATENT_SSVAE_INTERNAL_H

#include "latent/latent_internal.h"

struct gmdl_ssvae {
    gmdl_ssvae_config cfg;
    int rmax, cmax; /* ELBO rows (B + K B) and classifier rows (2 B) the buffers hold */
    size_t nstore;
    float *p, *g, *m1, *m2; /* flat store */
    gmdl__mlp qy, qz, px;
    uint64_t step;
    int epoch;
    size_t ntrain, nlab, nunl;
    uint32_t *lab;   /* labelled training images [nlab], sorted */
    uint32_t *unl;   /* the others [nunl] */
    uint32_t *perm;  /* this epoch's order of unl */
    uint32_t *lperm; /* order of the labelled set in pass lpass */
    uint64_t lpass;
    int32_t *ycls; /* class of every ELBO row (labelled rows: their label) [rmax] */
    float *buf;    /* one block for the float buffers below */
    float *cx, *ch, *clog, *dclog, *cdh; /* classifier */
    float *hx, *dhs, *wy,
        *gy; /* x W_x^T and its gradient per image [cmax, H]; class columns [K, H] */
    float *h1, *eo, *eps, *zy, *h2, *lg, *dlg, *dh, *dzy, *deo, *rs; /* ELBO rows */
    double *q, *rows, *kl, *lrow;
};

/* Checks train against the model (pixels, size) and builds the unlabelled list on first use. */
gmdl_status gmdl__ssvae_bind_data(gmdl_ssvae *m, const gmdl_dataset *tr, gmdl_err *err);
/* ssvae_rows.c: the ELBO rows of the classifier rows cx ([0, nl) labelled with their classes in
 * ycls, [nl, nl + nu) each enumerated over the classes; the caller sets ycls of every row):
 * forward fills lrow[r] = L(x_r, y_r) (with grad: dlg holds rs[r] times the likelihood's
 * gradient, rs set before); backward accumulates the gradients of q(z|x,y) and p(x|y,z). */
void gmdl__ssvae_rows_forward(gmdl_ssvae *m, int nl, int nu, int grad);
void gmdl__ssvae_rows_backward(gmdl_ssvae *m, int nl, int nu);
/* The step loss (ssvae.c); the gradient check calls it. */
double gmdl__ssvae_step_loss(gmdl_ssvae *m, int nl, int nu, int backward);

#endif
