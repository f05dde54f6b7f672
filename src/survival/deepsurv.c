/* DeepSurv training: the MLP risk fitted full batch by Adam on the mean negative partial
 * log-likelihood (per event, Breslow or Efron ties) plus l2 * sum of squared weights (Adam or SGD
 * with momentum), with dropout, inputs standardised by the training mean and sd, and early stopping
 * on a seeded validation split of the training rows (the parameters with the best validation loss
 * are kept). */
#include "gmdl/rng.h"
#include "nn/optim.h"
#include "survival/survival_internal.h"

typedef struct {
    size_t n, nev;
    float *x; /* standardised [n * p] */
    double *time;
    uint8_t *event;
    gmdl__surv_order o;
    double *eta, *grad, *work;
} part;

static void part_fini(part *q) {
    gmdl__free(q->x);
    gmdl__free(q->time);
    gmdl__free(q->event);
    gmdl__free(q->eta);
    gmdl__free(q->grad);
    gmdl__free(q->work);
    gmdl__surv_order_fini(&q->o);
}

static gmdl_status part_init(part *q,
                             const gmdl_cox *m,
                             const gmdl_surv_data *d,
                             const size_t *rows,
                             size_t n,
                             gmdl_err *err) {
    const size_t p = d->p;
    memset(q, 0, sizeof *q);
    q->n = n;
    q->x = gmdl__malloc((n * p + 1) * sizeof *q->x);
    q->time = gmdl__malloc((n + 1) * sizeof *q->time);
    q->event = gmdl__malloc(n + 1);
    q->eta = gmdl__malloc((n + 1) * sizeof *q->eta);
    q->grad = gmdl__malloc((n + 1) * sizeof *q->grad);
    q->work = gmdl__malloc((2 * n + 1) * sizeof *q->work);
    if (!q->x || !q->time || !q->event || !q->eta || !q->grad || !q->work)
        return gmdl__fail(err, GMDL_ENOMEM, "Cox MLP: out of memory");
    for (size_t i = 0; i < n; i++) {
        size_t r = rows[i];
        for (size_t j = 0; j < p; j++)
            q->x[i * p + j] = (float)((d->x[r * p + j] - m->mean[j]) / m->sd[j]);
        q->time[i] = d->time[r];
        q->event[i] = d->event[r];
        q->nev += d->event[r];
    }
    return n ? gmdl__surv_order_build(&q->o, q->time, n, err) : GMDL_OK;
}

static void standardise(gmdl_cox *m, const gmdl_surv_data *d) {
    for (size_t j = 0; j < d->p; j++) {
        double s = 0.0, ss = 0.0;
        for (size_t i = 0; i < d->n; i++)
            s += d->x[i * d->p + j];
        double mu = s / (double)d->n;
        for (size_t i = 0; i < d->n; i++)
            ss += (d->x[i * d->p + j] - mu) * (d->x[i * d->p + j] - mu);
        double sd = d->n > 1 ? sqrt(ss / (double)(d->n - 1)) : 1.0;
        m->mean[j] = mu;
        m->sd[j] = sd > 0.0 ? sd : 1.0;
    }
}

/* Mean negative log partial likelihood of part q (0 when it has no events). */
static double
part_loss(part *q, const gmdl__mlp *net, gmdl_ties ties, gmdl_err *err, gmdl_status *s) {
    *s = gmdl__mlp_eval(q->eta, net, q->x, q->n, err);
    if (*s || q->nev == 0)
        return 0.0;
    return -gmdl__cox_plik(&q->o, q->event, q->eta, ties, NULL, q->work) / (double)q->nev;
}

typedef struct {
    float *act;  /* outputs of every layer, [n * out_size] each, concatenated */
    float *dbuf; /* two gradient buffers [n * width] */
    size_t width;
} tbuf;

/* One full-batch step: forward in TRAIN mode, loss gradient, backward, L2, Adam. */
static double
train_step(gmdl__mlp *net, part *q, tbuf *b, const gmdl_cox_config *cfg, uint64_t step) {
    const int n = (int)q->n;
    float *outs[3 * GMDL__COX_MAX_HIDDEN + 1];
    const float *in = q->x;
    size_t off = 0;
    for (int i = 0; i < net->nl; i++) {
        outs[i] = b->act + off;
        off += (size_t)n * net->l[i].out_size;
        gmdl__fwd f = {in, outs[i], n, GMDL_MODE_TRAIN, cfg->seed, step};
        net->l[i].ops->forward(&net->l[i], &f);
        in = outs[i];
    }
    for (int r = 0; r < n; r++)
        q->eta[r] = (double)in[r];
    double ll = gmdl__cox_plik(&q->o, q->event, q->eta, cfg->ties, q->grad, q->work);
    float *dy = b->dbuf, *dx = b->dbuf + (size_t)n * b->width;
    double sc = q->nev ? 1.0 / (double)q->nev : 0.0; /* no events: no gradient (no 0/0) */
    for (int r = 0; r < n; r++)
        dy[r] = (float)(-q->grad[r] * sc);
    for (int i = net->nl; i-- > 0;) {
        gmdl__bwd bw = {i ? outs[i - 1] : q->x, outs[i], dy, i ? dx : NULL, n, 0};
        net->l[i].ops->backward(&net->l[i], &bw);
        float *t = dy;
        dy = dx;
        dx = t;
    }
    double pen = 0.0;
    for (int i = 0; i < net->nl; i++) {
        if (net->l[i].ops != &gmdl__dense_ops)
            continue;
        gmdl__param *w = &net->l[i].param[0];
        for (size_t k = 0; k < w->count; k++) {
            pen += (double)w->p[k] * (double)w->p[k];
            w->g[k] += (float)(2.0 * cfg->l2 * (double)w->p[k]);
        }
    }
    if (cfg->sgd)
        gmdl__sgd_step(net->p, net->g, net->m, net->np, cfg->lr, cfg->momentum, 0.0);
    else
        gmdl__adam_step(net->p, net->g, net->m, net->v, net->np, cfg->lr, 0.9, 0.999, 1e-8, 0.0,
                        step + 1);
    return -ll * sc + cfg->l2 * pen;
}

static gmdl_status tbuf_init(tbuf *b, gmdl__mlp *net, size_t n, gmdl_err *err) {
    size_t tot = 0;
    b->width = 1;
    for (int i = 0; i < net->nl; i++) {
        gmdl__layer *l = &net->l[i];
        tot += n * l->out_size;
        b->width = l->out_size > b->width ? l->out_size : b->width;
        b->width = l->in_size > b->width ? l->in_size : b->width;
        if (l->cache_per_sample && !(l->cache = gmdl__malloc(n * l->cache_per_sample + 1)))
            return gmdl__fail(err, GMDL_ENOMEM, "Cox MLP: out of memory");
    }
    b->act = gmdl__malloc((tot + 1) * sizeof *b->act);
    b->dbuf = gmdl__malloc((2 * n * b->width + 1) * sizeof *b->dbuf);
    if (!b->act || !b->dbuf)
        return gmdl__fail(err, GMDL_ENOMEM, "Cox MLP: out of memory");
    net->cap = n;
    return GMDL_OK;
}

/* Seeded split: the first nv rows of a permutation validate. */
static gmdl_status split_rows(
    size_t **perm, size_t *nv, const gmdl_surv_data *d, const gmdl_cox_config *cfg, gmdl_err *err) {
    const size_t n = d->n;
    *perm = gmdl__malloc(n * sizeof **perm);
    if (!*perm)
        return gmdl__fail(err, GMDL_ENOMEM, "Cox MLP: out of memory");
    for (size_t i = 0; i < n; i++)
        (*perm)[i] = i;
    gmdl_rng r;
    gmdl_rng_derive(&r, cfg->seed, GMDL_RNG_SHUFFLE, 0xc0c5ull);
    for (size_t i = n; i > 1; i--) {
        size_t j = gmdl_rng_bounded(&r, (uint32_t)i), t = (*perm)[i - 1];
        (*perm)[i - 1] = (*perm)[j];
        (*perm)[j] = t;
    }
    *nv = (size_t)floor(cfg->val_frac * (double)n + 0.5);
    if (*nv >= n)
        *nv = n - 1;
    return GMDL_OK;
}

static gmdl_status
train_loop(gmdl_cox *m, part *tr, part *va, const gmdl_cox_config *cfg, gmdl_err *err) {
    gmdl__mlp *net = &m->net;
    tbuf b = {0};
    float *best = gmdl__malloc(net->np * sizeof *best + 1);
    gmdl_status s = best ? tbuf_init(&b, net, tr->n, err)
                         : gmdl__fail(err, GMDL_ENOMEM, "Cox MLP: out of memory");
    double best_loss = INFINITY;
    int epoch = 0, best_epoch = 0;
    for (; !s && epoch < cfg->epochs; epoch++) {
        double loss = train_step(net, tr, &b, cfg, (uint64_t)epoch);
        if (!isfinite(loss)) {
            s = gmdl__fail(err, GMDL_ENUMERIC, "Cox MLP: loss not finite at epoch %d", epoch);
            break;
        }
        double vl = va->nev ? part_loss(va, net, cfg->ties, err, &s) : loss;
        if (vl < best_loss) {
            best_loss = vl;
            best_epoch = epoch + 1;
            memcpy(best, net->p, net->np * sizeof *best);
        } else if (epoch + 1 - best_epoch >= cfg->patience)
            break;
    }
    if (!s && best_epoch)
        memcpy(net->p, best, net->np * sizeof *best);
    m->sum.iterations = epoch < cfg->epochs ? epoch + 1 : cfg->epochs;
    m->sum.best_epoch = best_epoch;
    gmdl__free(best);
    gmdl__free(b.act);
    gmdl__free(b.dbuf);
    return s;
}

gmdl_status gmdl__cox_mlp_train(gmdl_cox *m,
                                const gmdl_surv_data *d,
                                const gmdl_cox_config *cfg,
                                gmdl_err *err) {
    if (!(cfg->epochs >= 1 && cfg->lr > 0 && cfg->l2 >= 0 && cfg->dropout >= 0 &&
          cfg->dropout < 1 && cfg->val_frac >= 0 && cfg->val_frac < 1 && cfg->patience >= 1 &&
          cfg->momentum >= 0 && cfg->momentum < 1))
        return gmdl__fail(err, GMDL_EINVAL, "Cox MLP: bad training settings");
    gmdl_status s = gmdl__mlp_parse(&m->net, m->arch, err);
    if (!s)
        s = gmdl__mlp_build(&m->net, d->p, (float)cfg->dropout, cfg->seed, 1, err);
    if (s)
        return s;
    standardise(m, d);
    size_t *perm = NULL, nv = 0;
    part tr = {0}, va = {0};
    if (!(s = split_rows(&perm, &nv, d, cfg, err)))
        s = part_init(&va, m, d, perm, nv, err);
    if (!s)
        s = part_init(&tr, m, d, perm + nv, d->n - nv, err);
    if (!s)
        s = train_loop(m, &tr, &va, cfg, err);
    part_fini(&tr);
    part_fini(&va);
    gmdl__free(perm);
    return s;
}

gmdl_status
gmdl__cox_mlp_risk(double *eta, const gmdl_cox *m, const double *x, size_t n, gmdl_err *err) {
    const size_t p = m->feat.p;
    float *xs = gmdl__malloc((n * p + 1) * sizeof *xs);
    if (!xs)
        return gmdl__fail(err, GMDL_ENOMEM, "Cox MLP: out of memory");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            xs[i * p + j] = (float)((x[i * p + j] - m->mean[j]) / m->sd[j]);
    gmdl_status s = gmdl__mlp_eval(eta, &m->net, xs, n, err);
    gmdl__free(xs);
    return s;
}
