/* The group normal-Jeffreys prior ("BC-GNJ", Louizos, Ullrich & Welling 2017) on the scales of
 * the group layers of group.c.
 *
 * q(z_g) = N(z_mu, exp(z_logvar)); parameters 4 and 5 are z_mu [G] and z_logvar [G]; the noise
 * model z = z_mu + exp(z_logvar / 2) xi. KL of the scales: sum_g KLsvd(log alpha_g), with
 * log alpha_g = clip(z_logvar - log(z_mu^2 + 1e-8), -8, 8) and KLsvd the sparse-VD approximation
 * (bayes_internal.h; the conv KL bug of the reference code is not repeated). Pruning statistic
 * of a group: its log alpha_g. Initialisation: z_mu ~ N(1, 0.01^2), z_logvar ~ N(-9, 0.01^2)
 * (group.c's shared init). */
#include "bayes/group.h"
#include "core/vmath.h"

#define K1 GMDL__SVD_K1
#define K2 GMDL__SVD_K2
#define K3 GMDL__SVD_K3

static void gnj_declare(gmdl__layer *l, uint64_t groups) {
    uint64_t gd[1] = {groups};
    gmdl__layer_param(l, GMDL__GRP_S1, "z_mu", 1, gd);
    gmdl__layer_param(l, GMDL__GRP_S2, "z_logvar", 1, gd);
}

static void gnj_moments(const gmdl__layer *l, float *ga, float *gb) {
    const size_t G = gmdl__group_count(l);
    const float *zp = l->param[GMDL__GRP_S1].p, *sp = l->param[GMDL__GRP_S2].p;
    for (size_t g = 0; g < G; g++) {
        ga[g] = zp[g];
        gb[g] = gmdl__expf(0.5f * sp[g]);
    }
}

static void gnj_stats(const gmdl__layer *l, size_t g, double *mean, double *var, double *stat) {
    const float *zp = l->param[GMDL__GRP_S1].p, *sp = l->param[GMDL__GRP_S2].p;
    double zm = zp[g];
    *mean = zm;
    *var = exp((double)sp[g]);
    *stat = (double)sp[g] - log(zm * zm + 1e-8);
}

/* z = z_mu + exp(z_logvar / 2) xi: dz_mu = dA, dz_logvar = dB gb / 2 */
static void gnj_grads(gmdl__layer *l, const float *gb, const float *dA, const float *dB) {
    const size_t G = gmdl__group_count(l);
    float *gz = l->param[GMDL__GRP_S1].g, *gs = l->param[GMDL__GRP_S2].g;
    for (size_t g = 0; g < G; g++) {
        gz[g] += dA[g];
        gs[g] += dB[g] * 0.5f * gb[g];
    }
}

static double gnj_kl(gmdl__layer *l, double scale, double kl) {
    const float sc = (float)scale;
    const float *zm = l->param[GMDL__GRP_S1].p, *zl = l->param[GMDL__GRP_S2].p;
    float *dzm = l->param[GMDL__GRP_S1].g, *dzl = l->param[GMDL__GRP_S2].g;
    for (size_t g = 0; g < l->param[GMDL__GRP_S1].count; g++) {
        float t2 = zm[g] * zm[g] + 1e-8f, raw = zl[g] - gmdl__logf(t2);
        float a = raw < -8.0f ? -8.0f : raw > 8.0f ? 8.0f : raw;
        float s = 1.0f / (1.0f + gmdl__expf(-(K2 + K3 * a))), e = gmdl__expf(-a);
        kl += (double)(-(K1 * s - 0.5f * gmdl__log1pf(e) - K1));
        float gr = -(K1 * K3 * s * (1.0f - s) + 0.5f * e / (1.0f + e));
        gr = (raw > -8.0f && raw < 8.0f) ? gr * sc : 0.0f;
        dzl[g] += gr;
        dzm[g] += gr * (-2.0f * zm[g] / t2);
    }
    return kl;
}

static const gmdl__group_prior gnj_prior = {
    .log_scale = 0,
    .declare = gnj_declare,
    .init = NULL,
    .moments = gnj_moments,
    .grads = gnj_grads,
    .kl = gnj_kl,
    .stats = gnj_stats,
};

const gmdl__layer_ops gmdl__gnj_dense_ops = {
    .kind = "gnj_dense",
    .setup = gmdl__group_dense_setup,
    .init = gmdl__group_dense_init,
    .forward = gmdl__group_dense_forward,
    .backward = gmdl__group_dense_backward,
    .kl = gmdl__group_kl,
    .posterior = gmdl__group_posterior,
    .load_compressed = gmdl__group_load_compressed,
    .after_step = gmdl__group_after_step,
    .impl = &gnj_prior,
};

const gmdl__layer_ops gmdl__gnj_conv2d_ops = {
    .kind = "gnj_conv2d",
    .setup = gmdl__group_conv_setup,
    .init = gmdl__group_conv_init,
    .forward = gmdl__group_conv_forward,
    .backward = gmdl__group_conv_backward,
    .kl = gmdl__group_kl,
    .posterior = gmdl__group_posterior,
    .load_compressed = gmdl__group_load_compressed,
    .after_step = gmdl__group_after_step,
    .impl = &gnj_prior,
};
