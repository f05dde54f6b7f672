/* Ziggurat standard normal generator (Marsaglia & Tsang 2000, "The Ziggurat Method for Generating
 * Random Variables", J. Stat. Softw. 5(8)), 128 layers, r = 3.442619855899, v
 * = 9.91256303526217e-3, on a gmdl_rng stream. SGLD draws two normals per step, and Box-Muller's
 * log and sincos were half of its step time. The layer index and the value come from two separate
 * 32-bit draws, which avoids the correlation between index bits and value that Doornik (2005) found
 * in the original RNOR. The tables live in a caller-owned struct (no global state, no
 * initialisation race between threads). */
#include "common.h"
#include "infer/infer_internal.h"

void gmdl__zig_init(gmdl__zig *z) {
    const double m1 = 2147483648.0, vn = 9.91256303526217e-3;
    double dn = 3.442619855899, tn = dn;
    double q = vn / exp(-0.5 * dn * dn);
    z->kn[0] = (uint32_t)((dn / q) * m1);
    z->kn[1] = 0;
    z->wn[0] = q / m1;
    z->wn[127] = dn / m1;
    z->fn[0] = 1.0;
    z->fn[127] = exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; i--) {
        dn = sqrt(-2.0 * log(vn / dn + exp(-0.5 * dn * dn)));
        z->kn[i + 1] = (uint32_t)((dn / tn) * m1);
        tn = dn;
        z->fn[i] = exp(-0.5 * dn * dn);
        z->wn[i] = dn / m1;
    }
}

double gmdl__zig_normal(const gmdl__zig *z, gmdl_rng *r) {
    const double R = 3.442619855899;
    for (;;) {
        int32_t hz = (int32_t)gmdl_rng_u32(r);
        uint32_t iz = gmdl_rng_u32(r) & 127u;
        uint32_t ahz = hz < 0 ? (uint32_t)(-(int64_t)hz) : (uint32_t)hz;
        if (ahz < z->kn[iz])
            return (double)hz * z->wn[iz];
        double x = (double)hz * z->wn[iz];
        if (iz == 0) { /* the tail beyond R (Marsaglia 1964) */
            double xt, y;
            do {
                xt = -log(gmdl_rng_uniform(r)) / R;
                y = -log(gmdl_rng_uniform(r));
            } while (y + y < xt * xt);
            return hz > 0 ? R + xt : -R - xt;
        }
        if (z->fn[iz] + gmdl_rng_uniform(r) * (z->fn[iz - 1] - z->fn[iz]) < exp(-0.5 * x * x))
            return x;
    }
}
