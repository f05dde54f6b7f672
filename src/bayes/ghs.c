/* The group horseshoe prior ("BC-GHS", Louizos, Ullrich & Welling 2017) on the scales of the
 * group layers of group.c.
 *
 * The scale of group g is z_g s with s ~ C+(0, tau0) per layer (tau0 = 1e-5) and z_g ~ C+(0, 1),
 * each half-Cauchy written as sqrt(a b), a ~ Gamma(1/2, rate 1/b^2), b ~ InvGamma(1/2, 1), with
 * log-normal posteriors LN(mu, exp(lv)) for the four scale variables s_a, s_b, z_ag, z_bg.
 * Parameters 4 and 5 are "z_scales" [4, G] (rows mu_a, lv_a, mu_b, lv_b of every group) and
 * "s_scales" [4] (mu_sa, lv_sa, mu_sb, lv_sb). log(z_g s) is Gaussian with mean m_g = (mu_sa +
 * mu_sb + mu_ag + mu_bg) / 2 and variance v_g = (e^lv_sa + e^lv_sb + e^lv_ag + e^lv_bg) / 4, so
 * the layer samples z = exp(m_g + sqrt(v_g) xi) per example and group (log_scale); EVAL_MEAN uses
 * E[z] = exp(m + v/2). KL terms in closed form (below). Initialisation: z scales 1 (mu_ag = mu_bg
 * = 0), s = 1 with s_a at its prior's scale (mu_sa = log tau0^2, mu_sb = -mu_sa), log-normal log
 * variances -9. */
#include "bayes/group.h"
#include "core/vmath.h"

#define GHS_TAU0 1e-5

static void ghs_declare(gmdl__layer *l, uint64_t groups) {
    uint64_t zd[2] = {4, groups}, sd[1] = {4};
    gmdl__layer_param(l, GMDL__GRP_S1, "z_scales", 2, zd);
    gmdl__layer_param(l, GMDL__GRP_S2, "s_scales", 1, sd);
}

/* mean m and variance v of log(z_g s), the layer's part plus the group's */
static void log_moments(const gmdl__layer *l, size_t g, double *m, double *v) {
    const size_t G = gmdl__group_count(l);
    const float *zp = l->param[GMDL__GRP_S1].p, *sp = l->param[GMDL__GRP_S2].p;
    double ms = 0.5 * ((double)sp[0] + (double)sp[2]);
    double vs = 0.25 * (exp((double)sp[1]) + exp((double)sp[3]));
    *m = ms + 0.5 * ((double)zp[g] + (double)zp[2 * G + g]);
    *v = vs + 0.25 * (exp((double)zp[G + g]) + exp((double)zp[3 * G + g]));
}

/* z scales 1, s = 1 with s_a at its prior's scale tau0^2 */
static void ghs_init(gmdl__layer *l, gmdl_rng *rng) {
    const size_t G = gmdl__group_count(l);
    float *zp = l->param[GMDL__GRP_S1].p, *sp = l->param[GMDL__GRP_S2].p;
    for (size_t g = 0; g < G; g++) {
        zp[g] = (float)(0.01 * gmdl_rng_normal(rng));
        zp[G + g] = -9.0f;
        zp[2 * G + g] = (float)(0.01 * gmdl_rng_normal(rng));
        zp[3 * G + g] = -9.0f;
    }
    sp[0] = (float)log(GHS_TAU0 * GHS_TAU0);
    sp[1] = -9.0f;
    sp[2] = -sp[0];
    sp[3] = -9.0f;
}

/* ga = m_g, gb = sqrt(v_g) */
static void ghs_moments(const gmdl__layer *l, float *ga, float *gb) {
    const size_t G = gmdl__group_count(l);
    for (size_t g = 0; g < G; g++) {
        double m, v;
        log_moments(l, g, &m, &v);
        ga[g] = (float)m;
        gb[g] = (float)sqrt(v);
    }
}

static void ghs_stats(const gmdl__layer *l, size_t g, double *mean, double *var, double *stat) {
    const size_t G = gmdl__group_count(l);
    double m, v;
    log_moments(l, g, &m, &v);
    *mean = exp(m + 0.5 * v);
    *var = expm1(v) * exp(2.0 * m + v);
    /* the group's noise-to-signal ratio, log(sum Var[w] / sum E[w]^2) over its weights: the
     * mode of the scale alone does not separate the groups, as the N(0, 1) weights w~ of unused
     * groups drift to their prior (mean 0) while their scale stays near its own */
    const gmdl__param *w = &l->param[GMDL__GRP_W], *wlv = &l->param[GMDL__GRP_WLV];
    const size_t n = w->count, per = n / G;
    const int conv = w->ndim == 4;
    double sv = 0.0, se = 0.0;
    for (size_t k = 0; k < per; k++) {
        size_t j = conv ? g * per + k : k * G + g;
        double mu = w->p[j], s2 = exp((double)wlv->p[j]);
        sv += *mean * *mean * s2 + *var * (mu * mu + s2);
        se += *mean * *mean * mu * mu;
    }
    *stat = log(sv + 1e-30) - log(se + 1e-30);
}

static void ghs_grads(gmdl__layer *l, const float *gb, const float *dA, const float *dB) {
    const size_t G = gmdl__group_count(l);
    float *gz = l->param[GMDL__GRP_S1].g, *gs = l->param[GMDL__GRP_S2].g;
    const float *zp = l->param[GMDL__GRP_S1].p, *sp = l->param[GMDL__GRP_S2].p;
    double sm = 0.0, sv = 0.0;
    for (size_t g = 0; g < G; g++) {
        /* z = exp(m + sqrt(v) xi): dm = dA, dsqrt(v) = dB, dv = dB / (2 sqrt v) */
        double dm = (double)dA[g], dv = (double)dB[g] / (2.0 * (double)gb[g]);
        gz[g] += (float)(0.5 * dm);
        gz[2 * G + g] += (float)(0.5 * dm);
        gz[G + g] += (float)(0.25 * dv * exp((double)zp[G + g]));
        gz[3 * G + g] += (float)(0.25 * dv * exp((double)zp[3 * G + g]));
        sm += dm;
        sv += dv;
    }
    gs[0] += (float)(0.5 * sm);
    gs[2] += (float)(0.5 * sm);
    gs[1] += (float)(0.25 * sv * exp((double)sp[1]));
    gs[3] += (float)(0.25 * sv * exp((double)sp[3]));
}

/* KL(LN(mu, e^lv) || Gamma(1/2, rate r)) (inv = 0) or || InvGamma(1/2, scale r) (inv = 1), in
 * double; adds scale x its gradient to dmu, dlv:
 *   Gamma:    lnG(k) - k ln r - k mu + r e^(mu + s2/2) - ln(2 pi e s2) / 2
 *   InvGamma: lnG(k) - k ln r + k mu + r e^(-mu + s2/2) - ln(2 pi e s2) / 2,  k = 1/2. */
static double
ln_kl(float mu_f, float lv_f, int inv, double r, float *dmu, float *dlv, double scale) {
    const double pi = 3.14159265358979323846, k = 0.5, lgk = 0.5 * log(pi);
    const double mu = (double)mu_f, lv = (double)lv_f, s2 = exp(lv);
    double sg = inv ? -1.0 : 1.0, e = r * exp(sg * mu + 0.5 * s2);
    double kl = lgk - k * log(r) - sg * k * mu + e - 0.5 * (log(2.0 * pi) + 1.0 + lv);
    *dmu += (float)(scale * (-sg * k + sg * e));
    *dlv += (float)(scale * (0.5 * e * s2 - 0.5));
    return kl;
}

/* a_g ~ Gamma(1/2, rate 1), b_g ~ InvGamma(1/2, 1); s_a rate 1/tau0^2, s_b InvGamma(1/2, 1) */
static double ghs_kl(gmdl__layer *l, double scale, double kl) {
    const size_t G = gmdl__group_count(l);
    float *zp = l->param[GMDL__GRP_S1].p, *sp = l->param[GMDL__GRP_S2].p;
    float *gz = l->param[GMDL__GRP_S1].g, *gs = l->param[GMDL__GRP_S2].g;
    for (size_t g = 0; g < G; g++) {
        kl += ln_kl(zp[g], zp[G + g], 0, 1.0, &gz[g], &gz[G + g], scale);
        kl += ln_kl(zp[2 * G + g], zp[3 * G + g], 1, 1.0, &gz[2 * G + g], &gz[3 * G + g], scale);
    }
    kl += ln_kl(sp[0], sp[1], 0, 1.0 / (GHS_TAU0 * GHS_TAU0), &gs[0], &gs[1], scale);
    kl += ln_kl(sp[2], sp[3], 1, 1.0, &gs[2], &gs[3], scale);
    return kl;
}

static const gmdl__group_prior ghs_prior = {
    .log_scale = 1,
    .declare = ghs_declare,
    .init = ghs_init,
    .moments = ghs_moments,
    .grads = ghs_grads,
    .kl = ghs_kl,
    .stats = ghs_stats,
};

const gmdl__layer_ops gmdl__ghs_dense_ops = {
    .kind = "ghs_dense",
    .setup = gmdl__group_dense_setup,
    .init = gmdl__group_dense_init,
    .forward = gmdl__group_dense_forward,
    .backward = gmdl__group_dense_backward,
    .kl = gmdl__group_kl,
    .posterior = gmdl__group_posterior,
    .load_compressed = gmdl__group_load_compressed,
    .after_step = gmdl__group_after_step,
    .impl = &ghs_prior,
};

const gmdl__layer_ops gmdl__ghs_conv2d_ops = {
    .kind = "ghs_conv2d",
    .setup = gmdl__group_conv_setup,
    .init = gmdl__group_conv_init,
    .forward = gmdl__group_conv_forward,
    .backward = gmdl__group_conv_backward,
    .kl = gmdl__group_kl,
    .posterior = gmdl__group_posterior,
    .load_compressed = gmdl__group_load_compressed,
    .after_step = gmdl__group_after_step,
    .impl = &ghs_prior,
};
