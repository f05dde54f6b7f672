/* Grey-scale PNG grids of images (8-bit, one IDAT, zlib deflate; PNG specification, W3C 2003):
 * the VAE's samples and reconstructions. Written atomically (io/ckpt.h's atomic writer). */
#include <zlib.h>

#include "io/ckpt.h"
#include "latent/latent_internal.h"

static void be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Appends a chunk (length, type, data, CRC of type + data) at out + *len. */
static void
chunk(unsigned char *out, size_t *len, const char *type, const unsigned char *d, size_t n) {
    unsigned char *p = out + *len;
    be32(p, (uint32_t)n);
    memcpy(p + 4, type, 4);
    if (n)
        memcpy(p + 8, d, n);
    be32(p + 8 + n, gmdl_crc32(0, p + 4, n + 4));
    *len += n + 12;
}

/* Raw scanlines (filter byte 0 then pixels) of the grid. */
static void fill_raster(unsigned char *raw,
                        const float *img,
                        size_t n,
                        int h,
                        int w,
                        int cols,
                        int zoom,
                        size_t W,
                        size_t Hh) {
    const int gap = 2;
    for (size_t y = 0; y < Hh; y++) {
        unsigned char *row = raw + y * (W + 1);
        row[0] = 0;
        memset(row + 1, 255, W);
        size_t cell_h = (size_t)(h * zoom + gap), gy = y / cell_h, py = y % cell_h;
        if (py < (size_t)gap)
            continue;
        size_t iy = (py - (size_t)gap) / (size_t)zoom;
        for (size_t x = 0; x < W; x++) {
            size_t cell_w = (size_t)(w * zoom + gap), gx = x / cell_w, px = x % cell_w;
            size_t k = gy * (size_t)cols + gx;
            if (px < (size_t)gap || k >= n)
                continue;
            size_t ix = (px - (size_t)gap) / (size_t)zoom;
            float v = img[k * (size_t)h * (size_t)w + iy * (size_t)w + ix];
            v = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
            row[1 + x] = (unsigned char)(255.0f - 255.0f * v + 0.5f);
        }
    }
}

gmdl_status gmdl_png_image_grid(
    const char *path, const float *img, size_t n, int h, int w, int cols, int zoom, gmdl_err *err) {
    if (n < 1 || h < 1 || w < 1 || cols < 1 || zoom < 1 || h > 4096 || w > 4096 || zoom > 64 ||
        n > 65536)
        return gmdl__fail(err, GMDL_EINVAL, "image grid sizes out of range");
    size_t rows = (n + (size_t)cols - 1) / (size_t)cols, nc = n < (size_t)cols ? n : (size_t)cols;
    size_t W = nc * (size_t)(w * zoom + 2) + 2, Hh = rows * (size_t)(h * zoom + 2) + 2;
    if (W > 30000 || Hh > 30000)
        return gmdl__fail(err, GMDL_EINVAL, "image grid of %zu x %zu pixels is too large", W, Hh);
    size_t rawn = Hh * (W + 1);
    uLongf zn = compressBound((uLong)rawn);
    unsigned char *raw = gmdl__malloc(rawn), *out = gmdl__malloc((size_t)zn + 128);
    if (!raw || !out) {
        gmdl__free(raw);
        gmdl__free(out);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the PNG");
    }
    fill_raster(raw, img, n, h, w, cols, zoom, W, Hh);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t len = 8;
    memcpy(out, sig, 8);
    unsigned char ihdr[13] = {0};
    be32(ihdr, (uint32_t)W);
    be32(ihdr + 4, (uint32_t)Hh);
    ihdr[8] = 8; /* bit depth; colour type 0 (grey), deflate, filter 0, no interlace */
    chunk(out, &len, "IHDR", ihdr, 13);
    unsigned char *z = gmdl__malloc((size_t)zn);
    gmdl_status s = GMDL_OK;
    if (!z || compress2(z, &zn, raw, (uLong)rawn, 6) != Z_OK)
        s = gmdl__fail(err, GMDL_ENOMEM, "cannot compress the PNG");
    if (!s) {
        chunk(out, &len, "IDAT", z, (size_t)zn);
        chunk(out, &len, "IEND", NULL, 0);
        s = gmdl__write_atomic(path, out, len, err);
    }
    gmdl__free(z);
    gmdl__free(raw);
    gmdl__free(out);
    return s;
}
