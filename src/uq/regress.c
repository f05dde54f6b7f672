/* 1-D Bayesian MLP regression (see gmdl_regress in gmdl/uq.h): f(x) = c + sum_h v_h tanh(w_h x +
 * b_h), t ~ N(f(x), sd^2), independent N(0, prior_sd^2) priors on every weight; the posterior is
 * sampled through the infer module's target interface (SGLD or HMC) and the predictive mean and
 * sd on a grid come from the draws (sd^2 = variance of f over the draws + noise sd^2). */
#include "common.h"
#include "gmdl/infer.h"
#include "gmdl/rng.h"
#include "gmdl/uq.h"

typedef struct {
    const double *x, *t;
    size_t n;
    int H;
    double prec, prior_prec; /* 1 / noise sd^2, 1 / prior sd^2 */
} net;

static double forward(const net *m, const double *p, double x) {
    const int H = m->H;
    double y = p[3 * H];
    for (int h = 0; h < H; h++)
        y += p[2 * H + h] * tanh(p[h] * x + p[H + h]);
    return y;
}

/* log prior + scale * sum over idx (all when idx is NULL) of log p(t_i | x_i); gradient into g */
static double
log_post(const net *m, const double *p, const uint32_t *idx, size_t k, double scale, double *g) {
    const int H = m->H, D = 3 * H + 1;
    double lp = 0.0;
    for (int j = 0; j < D; j++) {
        lp -= 0.5 * m->prior_prec * p[j] * p[j];
        if (g)
            g[j] = -m->prior_prec * p[j];
    }
    for (size_t q = 0; q < k; q++) {
        size_t i = idx ? idx[q] : q;
        double r = m->t[i] - forward(m, p, m->x[i]);
        lp -= 0.5 * scale * m->prec * r * r;
        if (!g)
            continue;
        double d = scale * m->prec * r; /* d lp / d f */
        g[3 * H] += d;
        for (int h = 0; h < H; h++) {
            double a = tanh(p[h] * m->x[i] + p[H + h]), da = d * p[2 * H + h] * (1.0 - a * a);
            g[2 * H + h] += d * a;
            g[h] += da * m->x[i];
            g[H + h] += da;
        }
    }
    return lp;
}

static gmdl_status logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) {
    const net *m = user;
    (void)err;
    *lp = log_post(m, x, NULL, m->n, 1.0, grad);
    return GMDL_OK;
}

static gmdl_status grad_batch(
    void *user, const double *x, const uint32_t *idx, size_t n, double *grad, gmdl_err *err) {
    const net *m = user;
    (void)err;
    log_post(m, x, idx, n, (double)m->n / (double)n, grad);
    return GMDL_OK;
}

gmdl_regress_config gmdl_regress_config_default(void) {
    gmdl_regress_config c = {GMDL_MCMC_SGLD, 20, 0.1, 2.0, 4, 200, 20000, 1, 1e-4, -3, 3, 121};
    return c;
}

static gmdl_status check(const gmdl_regress_config *c, size_t n, gmdl_err *err) {
    if (n < 1 || c->hidden < 1 || c->hidden > 1000 || !(c->noise_sd > 0) || !(c->prior_sd > 0) ||
        c->chains < 1 || c->draws < 2 || c->grid < 2 || !(c->hi > c->lo) || !(c->step > 0) ||
        (c->method != GMDL_MCMC_SGLD && c->method != GMDL_MCMC_HMC))
        return gmdl__fail(err, GMDL_EINVAL,
                          "regress: need data, 1..1000 hidden units, noise and prior sd > 0, "
                          "chains >= 1, draws >= 2, a grid of >= 2 points over lo < hi, step > 0, "
                          "and the method sgld or hmc");
    return GMDL_OK;
}

gmdl_status gmdl_regress(double *mean,
                         double *sd,
                         const double *x,
                         const double *t,
                         size_t n,
                         const gmdl_regress_config *c,
                         gmdl_err *err) {
    gmdl_status s = check(c, n, err);
    if (s)
        return s;
    net m = {
        x, t, n, c->hidden, 1.0 / (c->noise_sd * c->noise_sd), 1.0 / (c->prior_sd * c->prior_sd)};
    gmdl_target tg;
    memset(&tg, 0, sizeof tg);
    tg.dim = 3 * (size_t)c->hidden + 1;
    tg.logp = logp;
    tg.n_data = n;
    tg.grad_batch = grad_batch;
    tg.user = &m;
    gmdl_mcmc_config mc = gmdl_mcmc_config_default(c->method);
    mc.chains = c->chains;
    mc.n_draws = c->draws;
    mc.n_warmup = c->warmup;
    mc.seed = c->seed;
    mc.init_radius = 1.0;
    if (c->method == GMDL_MCMC_SGLD) {
        mc.thin = 50;
        mc.batch = 0; /* full gradient: the data set is small */
        mc.sgld_a = c->step;
        mc.sgld_gamma = 0.0;
    }
    gmdl_draws d;
    s = gmdl_mcmc_run(&d, &tg, &mc, err);
    if (s)
        return s;
    const size_t S = d.chains * d.n;
    for (size_t gi = 0; gi < c->grid; gi++) {
        double xg = c->lo + (c->hi - c->lo) * (double)gi / (double)(c->grid - 1), s1 = 0, s2 = 0;
        for (size_t k = 0; k < S; k++) {
            double f = forward(&m, d.x + k * d.dim, xg);
            s1 += f;
            s2 += f * f;
        }
        double mu = s1 / (double)S, var = s2 / (double)S - mu * mu;
        mean[gi] = mu;
        sd[gi] = sqrt((var > 0 ? var : 0) + c->noise_sd * c->noise_sd);
    }
    gmdl_draws_fini(&d);
    return GMDL_OK;
}
