/* Writers of synthetic IDX files for tests (raw or gzip): a learnable 10-class image set whose
 * class k has a bright bar at a class-dependent position plus noise. */
#ifndef GMDL_TEST_IDX_FIXTURE_H
#define GMDL_TEST_IDX_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gmdl/io.h"
#include "gmdl/rng.h"

/* Writes magic (type 0x08, ndim) + dims + data; gz selects gzip compression. Returns 0 on success.
 */
static inline int fx_write_idx(
    const char *path, int gz, int ndim, const uint32_t *dims, const unsigned char *data, size_t n) {
    unsigned char hdr[4 + 16] = {0, 0, 0x08, (unsigned char)ndim};
    for (int i = 0; i < ndim; i++) {
        hdr[4 + 4 * i] = (unsigned char)(dims[i] >> 24);
        hdr[5 + 4 * i] = (unsigned char)(dims[i] >> 16);
        hdr[6 + 4 * i] = (unsigned char)(dims[i] >> 8);
        hdr[7 + 4 * i] = (unsigned char)dims[i];
    }
    size_t hn = 4 + 4 * (size_t)ndim;
    if (gz) {
        gzFile f = gzopen(path, "wb");
        if (!f)
            return -1;
        int ok = gzwrite(f, hdr, (unsigned)hn) == (int)hn &&
                 (n == 0 || gzwrite(f, data, (unsigned)n) == (int)n);
        return gzclose(f) == Z_OK && ok ? 0 : -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(hdr, 1, hn, f) == hn && fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* n images [n, 28, 28] and labels [n] of a learnable synthetic set. */
static inline void fx_synth(gmdl_rng *r, size_t n, unsigned char *img, unsigned char *lab) {
    for (size_t i = 0; i < n; i++) {
        int k = (int)gmdl_rng_bounded(r, 10);
        lab[i] = (unsigned char)k;
        unsigned char *p = img + i * 784;
        for (int j = 0; j < 784; j++)
            p[j] = (unsigned char)gmdl_rng_bounded(r, 60);
        int row = 2 + 2 * k;
        for (int c = 4; c < 24; c++) {
            p[row * 28 + c] = (unsigned char)(200 + gmdl_rng_bounded(r, 56));
            p[(row + 1) * 28 + c] = (unsigned char)(150 + gmdl_rng_bounded(r, 56));
        }
    }
}

/* Writes DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]. */
static inline int
fx_write_set(const char *dir, size_t ntrain, size_t ntest, int gz, uint64_t seed) {
    gmdl_rng r;
    gmdl_rng_seed(&r, seed, 77);
    const char *pre[2] = {"train", "t10k"};
    size_t ns[2] = {ntrain, ntest};
    for (int s = 0; s < 2; s++) {
        size_t n = ns[s];
        unsigned char *img = malloc(n * 784 + 1), *lab = malloc(n + 1);
        if (!img || !lab)
            return -1;
        fx_synth(&r, n, img, lab);
        char p[4096];
        uint32_t di[3] = {(uint32_t)n, 28, 28}, dl[1] = {(uint32_t)n};
        snprintf(p, sizeof p, "%s/%s-images-idx3-ubyte%s", dir, pre[s], gz ? ".gz" : "");
        int e = fx_write_idx(p, gz, 3, di, img, n * 784);
        snprintf(p, sizeof p, "%s/%s-labels-idx1-ubyte%s", dir, pre[s], gz ? ".gz" : "");
        e |= fx_write_idx(p, gz, 1, dl, lab, n);
        free(img);
        free(lab);
        if (e)
            return -1;
    }
    return 0;
}

/* The same synthetic set in memory as a data set (free x and y with free()). */
static inline gmdl_dataset fx_dataset(size_t n, uint64_t seed) {
    gmdl_dataset d;
    memset(&d, 0, sizeof d);
    gmdl_rng r;
    gmdl_rng_seed(&r, seed, 3);
    unsigned char *img = malloc(n * 784), *lab = malloc(n);
    fx_synth(&r, n, img, lab);
    d.n = n;
    d.c = 1;
    d.h = d.w = 28;
    d.dim = 784;
    d.classes = 10;
    d.x = malloc(n * 784 * sizeof(float));
    d.y = malloc(n * sizeof(int32_t));
    for (size_t i = 0; i < n * 784; i++)
        d.x[i] = img[i] / 255.0f;
    for (size_t i = 0; i < n; i++)
        d.y[i] = lab[i];
    free(img);
    free(lab);
    return d;
}

#endif
