/* Image transforms for out-of-distribution test sets (see gmdl/uq.h). */
#include "common.h"
#include "gmdl/rng.h"
#include "gmdl/uq.h"

int gmdl_image_op_parse(const char *name, gmdl_image_op *out) {
    static const char *const names[] = {"rotate90", "invert", "noise"};
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (gmdl_image_op)i;
            return 1;
        }
    return 0;
}

gmdl_status gmdl_image_transform(unsigned char *out,
                                 const unsigned char *in,
                                 size_t n,
                                 int c,
                                 int h,
                                 int w,
                                 gmdl_image_op op,
                                 uint64_t seed,
                                 gmdl_err *err) {
    if (c < 1 || h < 1 || w < 1)
        return gmdl__fail(err, GMDL_EINVAL, "image shape [%d, %d, %d] is not valid", c, h, w);
    if (op == GMDL_IMAGE_ROTATE90 && h != w)
        return gmdl__fail(err, GMDL_EINVAL, "rotate90 needs square images, got %d x %d", h, w);
    const size_t plane = (size_t)h * (size_t)w, img = (size_t)c * plane;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *x = in + i * img;
        unsigned char *y = out + i * img;
        gmdl_rng r;
        switch (op) {
            case GMDL_IMAGE_ROTATE90: /* y[r][col] = x[col][w - 1 - r]: counter-clockwise */
                for (int ch = 0; ch < c; ch++)
                    for (int rr = 0; rr < h; rr++)
                        for (int cc = 0; cc < w; cc++)
                            y[(size_t)ch * plane + (size_t)rr * w + cc] =
                                x[(size_t)ch * plane + (size_t)cc * w + (size_t)(w - 1 - rr)];
                break;
            case GMDL_IMAGE_INVERT:
                for (size_t k = 0; k < img; k++)
                    y[k] = (unsigned char)(255 - x[k]);
                break;
            case GMDL_IMAGE_NOISE:
                gmdl_rng_derive(&r, seed, GMDL_RNG_DATA_SYNTH, (uint64_t)i);
                for (size_t k = 0; k < img; k++)
                    y[k] = (unsigned char)(gmdl_rng_u32(&r) >> 24);
                break;
            default:
                return gmdl__fail(err, GMDL_EINVAL, "unknown image transform %d", (int)op);
        }
    }
    return GMDL_OK;
}
