/* Scalar twins of the per-weight KL terms of svd.c, vd.c, bbb.c, group.c (the Gaussian KL of
 * the weights), gnj.c (the sparse-VD KL on the scales) and ghs.c (log-normal against Gamma and
 * inverse Gamma), and of vd's after-step clip; see ref.h. In double with libm; the derivatives are
 * written out by hand (tests/test_reference.c checks them against central differences of these
 * values). */
#include <math.h>

#include "ref/ref.h"

/* the library's float constants, widened (bayes_internal.h, vd.c) */
static const double K1 = (double)0.63576f, K2 = (double)1.87320f, K3 = (double)1.48695f;
static const double C1 = (double)1.16145124f, C2 = (double)-1.50204118f, C3 = (double)0.58629921f;

static double sigmoid(double t) {
    return 1.0 / (1.0 + exp(-t));
}

/* Molchanov et al.'s fit as a function of the clipped log alpha a, and its derivative */
static double svd_fit(double a, double *dfa) {
    double s = sigmoid(K2 + K3 * a);
    *dfa = -(K1 * K3 * s * (1.0 - s) + 0.5 * sigmoid(-a));
    return -(K1 * s - 0.5 * log1p(exp(-a)) - K1);
}

/* d log alpha / d theta and d log alpha / d ls2 = 1 */
static double dla_dth(double th) {
    return -2.0 * th / (th * th + 1e-8);
}

double ref_kl_svd(double th, double ls2, double *dth, double *dls2) {
    double raw = ref_log_alpha(th, ls2), a = fmin(fmax(raw, -8.0), 8.0), dfa;
    double kl = svd_fit(a, &dfa);
    if (!(raw > -8.0 && raw < 8.0))
        dfa = 0.0; /* the clip holds: no gradient */
    *dls2 = dfa;
    *dth = dfa * dla_dth(th);
    return kl;
}

double ref_kl_vd(double th, double ls2, double *dth, double *dls2) {
    /* the constant makes the fit equal the sparse-VD fit at alpha = 1 (log alpha 0) */
    double unused, c = -svd_fit(0.0, &unused) - (C1 + C2 + C3);
    double raw = ref_log_alpha(th, ls2), a = fmin(fmax(raw, -8.0), 0.0), al = exp(a);
    double kl = -(0.5 * a + C1 * al + C2 * al * al + C3 * al * al * al) - c;
    double dfa = -(0.5 + C1 * al + 2.0 * C2 * al * al + 3.0 * C3 * al * al * al);
    if (!(raw > -8.0 && raw < 0.0))
        dfa = 0.0;
    *dls2 = dfa;
    *dth = dfa * dla_dth(th);
    return kl;
}

double ref_kl_bbb(double th, double ls2, double *dth, double *dls2) {
    /* KL(N(m, s2) || N(0, 1)) = 0.5 (s2 + m^2 - 1 - log s2) */
    double s2 = exp(ls2);
    *dth = th;
    *dls2 = 0.5 * (s2 - 1.0);
    return 0.5 * (s2 + th * th - 1.0 - ls2);
}

double ref_kl_lognormal(double mu, double lv, int inv, double r, double *dmu, double *dlv) {
    const double pi = 3.14159265358979323846, k = 0.5;
    double s2 = exp(lv);
    /* E_q[log q] for log x ~ N(mu, s2): minus the entropy mu + log(2 pi e s2) / 2 */
    double elogq = -(mu + 0.5 * log(2.0 * pi * exp(1.0) * s2));
    double elogp, e;
    if (!inv) { /* Gamma(k, rate r): k log r - lgamma(k) + (k-1) log x - r x;  E[x] = e^(mu+s2/2) */
        e = r * exp(mu + 0.5 * s2);
        elogp = k * log(r) - lgamma(k) + (k - 1.0) * mu - e;
        *dmu = -1.0 - (k - 1.0) + e;
    } else { /* InvGamma(k, scale r): k log r - lgamma(k) - (k+1) log x - r / x */
        e = r * exp(-mu + 0.5 * s2);
        elogp = k * log(r) - lgamma(k) - (k + 1.0) * mu - e;
        *dmu = -1.0 + (k + 1.0) - e;
    }
    *dlv = -0.5 + 0.5 * s2 * e;
    return elogq - elogp;
}

double ref_vd_clip(double th, double ls2) {
    double cap = log(th * th + 1e-8);
    return ls2 > cap ? cap : ls2;
}
