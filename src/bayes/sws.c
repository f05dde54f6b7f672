/* Soft weight-sharing (Ullrich, Meeds & Welling, ICLR 2017): a Gaussian-mixture
 * prior over every weight and bias of the net, learned together with the net.
 *
 * The prior is a pass-through layer at the end of the net ("sws_prior"; its forward and backward
 * copy the logits) whose kl() adds tau x C and its gradient, with
 *   C = -sum_i log sum_j pi_j N(w_i | mu_j, 1/lambda_j) + sum_j [(1 - a_j) gamma_j + b_j lambda_j],
 * gamma_j = log lambda_j, J = 17 components: component 0 has mu_0 = 0 and pi_0 = 0.99 fixed (its
 * precision fixed or learned, below), the others pi_j = (1 - pi_0) softmax(rho)_j. Gamma
 * hyper-priors on the precisions: a = 5000, b = 2 for the zero component, a = 250, b = 0.1 for
 * the others. tau = the layer's k.sws.tau (gmdl_train_config.sws.tau: default 0.5; the paper uses
 * 0.05, the authors' tutorial 0.003; the objective is N x mean cross-entropy + tau C).
 * Gradients (r_ij the responsibilities, d_ij = w_i - mu_j, s = softmax(rho)):
 *   dC/dw_i = sum_j r_ij lambda_j d_ij,  dC/dmu_j = -sum_i r_ij lambda_j d_ij,
 *   dC/dgamma_j = sum_i r_ij (lambda_j d_ij^2 - 1) / 2 + (1 - a_j) + b_j lambda_j,
 *   dC/drho_k = -sum_i (r_ik - s_k (1 - r_i0)).
 * The zero component's sd is fixed (the layer's zero_sd, gmdl_train_config.sws.zero_sd) or,
 * with zero_sd = 0, learned: a learned sd grows to cover the bulk of the weights, and every one
 * of them is then pruned (the authors' tutorial code learns it; the paper does not say).
 * Initialisation: the tutorial's means linspace(-0.6, 0.6) for components 1..16 and sigma = 0.25
 * (the zero component: zero_sd when fixed), equal mixing proportions; when retraining a net
 * (gmdl_model_init_from), gmdl__sws_fit then places the components on its weights: the paper's
 * "spread over the range of the pretrained weights, each holding significant mass in its region".
 * Sums over weights run in fixed blocks of 4096 (partials added in block order), so the result
 * does not depend on the thread count. */
#include "bayes/bayes_internal.h"
#include "core/vmath.h"

#define J     GMDL__SWS_COMPONENTS
#define PI0   0.99f
#define BLOCK 4096
#define CHUNK 16

enum { P_MU, P_GAMMA, P_RHO };

static gmdl_status sws_setup(gmdl__layer *l, gmdl_err *err) {
    (void)err;
    l->out_c = l->in_c;
    l->out_h = l->in_h;
    l->out_w = l->in_w;
    l->out_size = l->in_size;
    l->cnhw_out = l->cnhw_in;
    uint64_t d[1] = {J};
    l->nparams = 0;
    gmdl__layer_param(l, P_MU, "means", 1, d);
    gmdl__layer_param(l, P_GAMMA, "log_precisions", 1, d);
    gmdl__layer_param(l, P_RHO, "mixing_logits", 1, d);
    return GMDL_OK;
}

static void sws_init(gmdl__layer *l, gmdl_rng *rng) {
    (void)rng;
    for (int j = 0; j < J; j++) {
        l->param[P_MU].p[j] = j == 0 ? 0.0f : -0.6f + 1.2f * (float)(j - 1) / (float)(J - 2);
        l->param[P_GAMMA].p[j] = (float)-log(0.25 * 0.25);
        l->param[P_RHO].p[j] = 0.0f;
    }
    if (l->k.sws.zero_sd > 0.0f)
        l->param[P_GAMMA].p[0] = -2.0f * logf(l->k.sws.zero_sd);
}

typedef struct {
    float v, w; /* value, weight */
} wval;

static int cmp_wval(const void *a, const void *b) {
    const wval *x = a, *y = b;
    return x->v != y->v ? (x->v > y->v) - (x->v < y->v) : (x->w > y->w) - (x->w < y->w);
}

/* first index in sorted v[0, n) with v[i].v >= x */
static size_t lower_bound(const wval *v, size_t n, double x) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((double)v[mid].v < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Weighted 1-D k-means of the parameters outside +-2 zero_sd, each layer's values weighted by
 * 1 / (its parameter count): every layer has the same say, so the few large first-layer
 * weights of a conv net get components of their own instead of being outvoted by a dense
 * layer a thousand times larger. Clusters are runs of the sorted values between the centres'
 * midpoints, their sums come from prefix sums; the centres start at the weighted quantiles
 * (k + 1/2) / K. */
gmdl_status gmdl__sws_fit(gmdl__layer *l, gmdl_err *err) {
    enum { K = J - 1, ITERS = 300 };
    const double skip = l->k.sws.zero_sd > 0.0f ? 2.0 * (double)l->k.sws.zero_sd : 0.0;
    size_t total = 0, n = 0;
    for (int q = 0; q < l->k.sws.nlayers; q++)
        for (int p = 0; p < l->k.sws.layers[q].nparams; p++)
            total += l->k.sws.layers[q].param[p].count;
    wval *v = gmdl__malloc(total * sizeof *v);
    double *s0 = gmdl__malloc(3 * (total + 1) * sizeof *s0);
    if (!v || !s0) {
        gmdl__free(v);
        gmdl__free(s0);
        return gmdl__fail(err, GMDL_ENOMEM, "sws: out of memory placing the mixture components");
    }
    double *s1 = s0 + total + 1, *s2 = s1 + total + 1;
    for (int q = 0; q < l->k.sws.nlayers; q++) {
        size_t cnt = 0;
        for (int p = 0; p < l->k.sws.layers[q].nparams; p++)
            cnt += l->k.sws.layers[q].param[p].count;
        for (int p = 0; p < l->k.sws.layers[q].nparams; p++) {
            const gmdl__param *pp = &l->k.sws.layers[q].param[p];
            for (size_t i = 0; i < pp->count; i++)
                if (fabs((double)pp->p[i]) >= skip)
                    v[n++] = (wval){pp->p[i], 1.0f / (float)cnt};
        }
    }
    if (n >= K) {
        qsort(v, n, sizeof *v, cmp_wval);
        s0[0] = s1[0] = s2[0] = 0.0;
        for (size_t i = 0; i < n; i++) {
            double w = (double)v[i].w, x = (double)v[i].v;
            s0[i + 1] = s0[i] + w;
            s1[i + 1] = s1[i] + w * x;
            s2[i + 1] = s2[i] + w * x * x;
        }
        double c[K];
        size_t lo[K + 1];
        size_t i = 0;
        for (int k = 0; k < K; k++) { /* weighted quantiles */
            double target = ((double)k + 0.5) / K * s0[n];
            while (i + 1 < n && s0[i + 1] < target)
                i++;
            c[k] = (double)v[i].v;
        }
        for (int it = 0; it < ITERS; it++) {
            lo[0] = 0;
            lo[K] = n;
            for (int k = 1; k < K; k++)
                lo[k] = lower_bound(v, n, 0.5 * (c[k - 1] + c[k]));
            int moved = 0;
            for (int k = 0; k < K; k++)
                if (lo[k + 1] > lo[k]) {
                    double m = (s1[lo[k + 1]] - s1[lo[k]]) / (s0[lo[k + 1]] - s0[lo[k]]);
                    moved |= m != c[k];
                    c[k] = m;
                }
            if (!moved)
                break;
        }
        for (int k = 0; k < K; k++) {
            double w = s0[lo[k + 1]] - s0[lo[k]], var = 0.0;
            if (lo[k + 1] > lo[k])
                var = (s2[lo[k + 1]] - s2[lo[k]]) / w - c[k] * c[k];
            double sd = sqrt(var > 1e-6 ? var : 1e-6); /* at least 0.001 */
            l->param[P_MU].p[k + 1] = (float)c[k];
            l->param[P_GAMMA].p[k + 1] = (float)(-2.0 * log(sd));
            l->param[P_RHO].p[k + 1] = 0.0f;
        }
    }
    gmdl__free(v);
    gmdl__free(s0);
    return GMDL_OK;
}

static void sws_forward(gmdl__layer *l, const gmdl__fwd *a) {
    memcpy(a->y, a->x, (size_t)a->n * l->in_size * sizeof(float));
}

static void sws_backward(gmdl__layer *l, const gmdl__bwd *a) {
    size_t n = (size_t)a->n * l->in_size;
    if (!a->dx)
        return;
    for (size_t i = 0; i < n; i++)
        a->dx[i] = a->accumulate ? a->dx[i] + a->dy[i] : a->dy[i];
}

/* log pi_j + log N(. | mu_j, 1/lambda_j) without the quadratic term: c_j; and lambda_j */
static void mixture_consts(const gmdl__layer *l, float *c, float *lam, float *s) {
    const float *rho = l->param[P_RHO].p, *gam = l->param[P_GAMMA].p;
    float mx = rho[1];
    for (int j = 2; j < J; j++)
        mx = rho[j] > mx ? rho[j] : mx;
    double z = 0.0;
    for (int j = 1; j < J; j++)
        z += exp((double)(rho[j] - mx));
    s[0] = 0.0f;
    for (int j = 1; j < J; j++)
        s[j] = (float)(exp((double)(rho[j] - mx)) / z);
    for (int j = 0; j < J; j++) {
        double lp = j == 0 ? log((double)PI0) : log(1.0 - (double)PI0) + log((double)s[j]);
        c[j] = (float)(lp + 0.5 * (double)gam[j] - 0.5 * log(2.0 * 3.14159265358979323846));
        lam[j] = (float)exp((double)gam[j]);
    }
}

/* One block of weights: adds scale x dC/dw into g, and the block's sums (in double) of
 * -log mix, r_j lambda_j d_j, r_j (lambda_j d_j^2 - 1) / 2, r_j into acc [1 + 3J]. Weights in
 * chunks of 16 (the last one padded, its padding masked out) with per-lane accumulators, so that
 * every loop over a chunk vectorises without reordering a reduction. */
GMDL_KERNEL
static void block_grads(const float *restrict w,
                        float *restrict g,
                        size_t n,
                        const float *c,
                        const float *lam,
                        const float *mu,
                        float scale,
                        double *acc) {
    float lp[J][CHUNK], a0[J][CHUNK], a1[J][CHUNK], a2[J][CHUNK], nll[CHUNK];
    memset(a0, 0, sizeof a0);
    memset(a1, 0, sizeof a1);
    memset(a2, 0, sizeof a2);
    memset(nll, 0, sizeof nll);
    for (size_t i0 = 0; i0 < n; i0 += CHUNK) {
        int m = n - i0 < CHUNK ? (int)(n - i0) : CHUNK;
        float x[CHUNK], mx[CHUNK], tot[CHUNK], dw[CHUNK], valid[CHUNK];
        for (int k = 0; k < CHUNK; k++) {
            x[k] = k < m ? w[i0 + k] : 0.0f;
            valid[k] = k < m ? 1.0f : 0.0f;
            mx[k] = -3.0e38f;
            tot[k] = 0.0f;
            dw[k] = 0.0f;
        }
        for (int j = 0; j < J; j++) {
            const float cj = c[j], hl = 0.5f * lam[j], mj = mu[j];
            for (int k = 0; k < CHUNK; k++) {
                float d = x[k] - mj;
                lp[j][k] = cj - hl * d * d;
            }
            for (int k = 0; k < CHUNK; k++)
                mx[k] = fmaxf(mx[k], lp[j][k]);
        }
        for (int j = 0; j < J; j++)
            for (int k = 0; k < CHUNK; k++) {
                lp[j][k] = gmdl__expf(lp[j][k] - mx[k]);
                tot[k] += lp[j][k];
            }
        for (int k = 0; k < CHUNK; k++) {
            nll[k] -= valid[k] * (mx[k] + gmdl__logf(tot[k]));
            tot[k] = valid[k] / tot[k];
        }
        for (int j = 0; j < J; j++)
            for (int k = 0; k < CHUNK; k++) {
                float r = lp[j][k] * tot[k], d = x[k] - mu[j], rl = r * lam[j] * d;
                dw[k] += rl;
                a0[j][k] += rl;
                a1[j][k] += r * (lam[j] * d * d - 1.0f) * 0.5f;
                a2[j][k] += r;
            }
        for (int k = 0; k < m; k++)
            g[i0 + k] += scale * dw[k];
    }
    for (int k = 0; k < CHUNK; k++)
        acc[0] += (double)nll[k];
    for (int j = 0; j < J; j++)
        for (int k = 0; k < CHUNK; k++) {
            acc[1 + j] += (double)a0[j][k];
            acc[1 + J + j] += (double)a1[j][k];
            acc[1 + 2 * J + j] += (double)a2[j][k];
        }
}

/* The weights the prior covers: every parameter of the layers before it */
static double sws_kl(gmdl__layer *l, double scale) {
    float c[J], lam[J], s[J];
    mixture_consts(l, c, lam, s);
    const float *mu = l->param[P_MU].p;
    const double TAU = (double)l->k.sws.tau;
    const float sc = (float)(scale * TAU);
    enum { NA = 1 + 3 * J };
    double acc[NA] = {0};
    size_t total = 0;
    for (int q = 0; q < l->k.sws.nlayers; q++) {
        gmdl__layer *t = &l->k.sws.layers[q];
        for (int p = 0; p < t->nparams; p++) {
            const size_t n = t->param[p].count, nb = (n + BLOCK - 1) / BLOCK;
            float *w = t->param[p].p, *g = t->param[p].g;
            /* blocks in batches of GROUP, their partial sums added in block order: no allocation
             * in the training step, and the same result for any thread count */
            enum { GROUP = 16 };
            double part[GROUP][NA];
            for (size_t b0 = 0; b0 < nb; b0 += GROUP) {
                size_t nbb = nb - b0 < GROUP ? nb - b0 : GROUP;
                memset(part, 0, sizeof part);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n > 2 * BLOCK)
#endif
                for (size_t b = 0; b < nbb; b++) {
                    size_t lo = (b0 + b) * BLOCK, hi = lo + BLOCK < n ? lo + BLOCK : n;
                    block_grads(w + lo, g + lo, hi - lo, c, lam, mu, sc, part[b]);
                }
                for (size_t b = 0; b < nbb; b++)
                    for (int k = 0; k < NA; k++)
                        acc[k] += part[b][k];
            }
            total += n;
        }
    }
    /* hyper-priors and the prior parameters' gradients */
    double C = acc[0];
    const float *gam = l->param[P_GAMMA].p;
    float *gmu = l->param[P_MU].g, *ggam = l->param[P_GAMMA].g, *grho = l->param[P_RHO].g;
    double r0 = acc[1 + 2 * J];
    for (int j = 0; j < J; j++) {
        double a = j == 0 ? 5000.0 : 250.0, b = j == 0 ? 2.0 : 0.1;
        C += (1.0 - a) * (double)gam[j] + b * (double)lam[j];
        if (j > 0)
            gmu[j] += (float)(TAU * scale * -acc[1 + j]);
        if (j == 0 && l->k.sws.zero_sd > 0.0f)
            continue; /* fixed */
        ggam[j] += (float)(TAU * scale * (acc[1 + J + j] + (1.0 - a) + b * (double)lam[j]));
        if (j > 0)
            grho[j] +=
                (float)(TAU * scale * -(acc[1 + 2 * J + j] - (double)s[j] * ((double)total - r0)));
    }
    return TAU * C;
}

/* argmax_j pi_j N(x | mu_j, 1/lambda_j), from mixture_consts */
static int most_responsible(const float *c, const float *lam, const float *mu, float x) {
    int best = 0;
    float bv = -3.0e38f;
    for (int j = 0; j < J; j++) {
        float d = x - mu[j], v = c[j] - 0.5f * lam[j] * d * d;
        if (v > bv) {
            bv = v;
            best = j;
        }
    }
    return best;
}

void gmdl__sws_assign(const gmdl__layer *l, const float *w, size_t n, float *value, int *comp) {
    float c[J], lam[J], s[J];
    mixture_consts(l, c, lam, s);
    const float *mu = l->param[P_MU].p;
    for (size_t i = 0; i < n; i++) {
        int best = most_responsible(c, lam, mu, w[i]);
        if (value)
            value[i] = best == 0 ? 0.0f : mu[best];
        if (comp)
            comp[i] = best;
    }
}

void gmdl__sws_settle(const gmdl__layer *l, const float *w, size_t n, float *value) {
    float c[J], lam[J], s[J];
    mixture_consts(l, c, lam, s);
    const float *mu = l->param[P_MU].p;
    for (size_t i = 0; i < n; i++) {
        int b = most_responsible(c, lam, mu, w[i]);
        float x = b == 0 ? 0.0f : mu[b];
        for (int it = 0; it < 8; it++) { /* a fixed point within a step or two in practice */
            b = most_responsible(c, lam, mu, x);
            float y = b == 0 ? 0.0f : mu[b];
            if (y == x)
                break;
            x = y;
        }
        value[i] = x;
    }
}

void gmdl__sws_codebook(const gmdl__layer *l, float *values) {
    for (int j = 0; j < J; j++)
        values[j] = j == 0 ? 0.0f : l->param[P_MU].p[j];
}

static size_t sws_codebook_hook(const gmdl__layer *l, float *values) {
    if (values)
        gmdl__sws_codebook(l, values);
    return J;
}

const gmdl__layer_ops gmdl__sws_prior_ops = {
    .kind = "sws_prior",
    .setup = sws_setup,
    .init = sws_init,
    .forward = sws_forward,
    .backward = sws_backward,
    .kl = sws_kl,
    .codebook = sws_codebook_hook,
    .assign = gmdl__sws_assign,
};
