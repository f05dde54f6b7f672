/* Trains the VAE of `gmdl vae train` through the public API: 784-400-20 on binarised
 * Fashion-MNIST (or any IDX folder given as the first argument), a few epochs, then the test ELBO,
 * the importance-weighted log p(x) of the first 100 test images, and a PNG grid of samples.
 *   usage: example_vae_fmnist [DIR] [EPOCHS] [SAMPLES.png] */
#include <stdio.h>
#include <stdlib.h>

#include "gmdl/gmdl.h"

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
    int epochs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 2;
    const char *png = argc > 3 ? argv[3] : "vae_samples.png";
    gmdl_err err = {{0}};
    gmdl_dataset tr, te;
    if (gmdl_dataset_load_dir(&tr, dir, 0, 256, &err) ||
        gmdl_dataset_load_dir(&te, dir, 1, 256, &err)) {
        fprintf(stderr, "example_vae_fmnist: %s\n", err.msg);
        return 2;
    }
    gmdl_vae_config cfg = gmdl_vae_config_default(); /* 784-400-20, Adam 1e-3, batch 100 */
    cfg.input = (int)tr.dim;
    gmdl_vae *v;
    gmdl_status s = gmdl_vae_create(&v, &cfg, &err);
    for (int e = 0; !s && e < epochs; e++) {
        double loss, sec;
        s = gmdl_vae_train_epoch(&loss, &sec, v, &tr, &err);
        if (!s)
            printf("epoch %d: train -ELBO %.3f (%.2f s)\n", e + 1, loss, sec);
    }
    double elbo = 0, ll = 0;
    if (!s)
        s = gmdl_vae_test_elbo(&elbo, v, &te, 10, &err);
    gmdl_dataset head = te;
    head.n = te.n < 100 ? te.n : 100;
    if (!s)
        s = gmdl_vae_loglik_is(&ll, v, &head, 1000, NULL, NULL, &err);
    if (!s)
        printf("test ELBO %.3f; log p(x) of 100 test images (IWAE, K = 1000) %.3f\n", elbo, ll);
    float z[16 * 20], x[16 * 784];
    if (!s && cfg.latent == 20 && cfg.input == 784) {
        gmdl_rng r;
        gmdl_rng_derive(&r, 1, GMDL_RNG_SAMPLING, 0);
        gmdl_rng_normal_fill(&r, z, 16 * 20);
        s = gmdl_vae_decode(x, v, z, 16, &err);
        if (!s)
            s = gmdl_png_image_grid(png, x, 16, 28, 28, 4, 2, &err);
        if (!s)
            printf("wrote %s\n", png);
    }
    if (s)
        fprintf(stderr, "example_vae_fmnist: %s\n", err.msg[0] ? err.msg : gmdl_status_str(s));
    gmdl_vae_destroy(v);
    gmdl_dataset_fini(&tr);
    gmdl_dataset_fini(&te);
    return s ? 1 : 0;
}
