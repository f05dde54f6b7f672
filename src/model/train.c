/* Training: one epoch of shuffled minibatch steps (evaluation is in predict.c).
 * The step never allocates: every buffer was planned in gmdl_model_create. */
#include <time.h>

#include "model/model_internal.h"
#include "nn/optim.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

GMDL_KERNEL
static int all_finite(const float *x, size_t n) {
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= isfinite(x[i]);
    return ok;
}

/* Copies rows idx[0..n-1] of ds into the input buffer (and labels). Returns the index of an
 * item with a non-finite value, or -1. */
static long long gather(gmdl_model *m, const gmdl_dataset *ds, const uint32_t *idx, int n) {
    const size_t D = ds->dim;
    float *x = m->act[0];
    long long bad = -1;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n >= 64)
#endif
    for (int i = 0; i < n; i++) {
        memcpy(x + (size_t)i * D, ds->x + (size_t)idx[i] * D, D * sizeof(float));
        if (m->tab.mean)
            gmdl__tabular_apply(m, x + (size_t)i * D, 1);
        if (!all_finite(x + (size_t)i * D, D)) {
#ifdef _OPENMP
#pragma omp critical(gmdl_gather_bad)
#endif
            bad = bad < 0 || idx[i] < bad ? (long long)idx[i] : bad;
        }
    }
    for (int i = 0; i < n; i++)
        m->ybatch[i] = ds->y[idx[i]];
    return bad;
}

static gmdl_status bad_item(long long item, gmdl_err *err) {
    return gmdl__fail(err, GMDL_EINVAL, "data item %lld contains a NaN or infinite value", item);
}

/* Learning rate at step t (0-based) of an epoch of `steps` steps. */
static double lr_at(const gmdl_model *m, int t, int steps) {
    const gmdl_train_config *c = &m->cfg;
    const double E = c->epochs, e = m->epoch;
    if (c->lr_schedule == GMDL_LR_CONSTANT || c->epochs <= 0)
        return c->lr;
    if (c->lr_schedule == GMDL_LR_LINEAR)
        return c->lr * (E - e > 0 ? (E - e) / E : 0.0);
    if (c->lr_schedule == GMDL_LR_CONSTANT_LINEAR) {
        double f = 2.0 - 2.0 * e / E;
        return c->lr * (f < 0.0 ? 0.0 : f > 1.0 ? 1.0 : f);
    }
    double p = (e + (double)t / steps) / E;
    if (p > 1.0)
        p = 1.0;
    return c->lr * (0.5 + 0.5 * cos(3.141592653589793 * p));
}

double gmdl__kl_weight(const gmdl_model *m) {
    if (!gmdl__method_has(m->method, GMDL__M_BAYES))
        return 0.0;
    if (!gmdl__method_has(m->method, GMDL__M_WARMUP))
        return 1.0; /* e.g. sws, retraining a pretrained net: the prior acts from the first step */
    int e = m->epoch, s0 = m->cfg.kl_warmup_start, len = m->cfg.kl_warmup_epochs;
    if (e < s0)
        return 0.0;
    if (len <= 0 || e >= s0 + len)
        return 1.0;
    return (double)(e - s0) / len;
}

/* sws hardening (gmdl_train_config.sws.harden): stage k runs in epoch epochs - n + k; epochs
 * past the run keep the last stage. */
int gmdl_model_sws_stage(const gmdl_model *m) {
    const int n = m->cfg.sws.harden_n;
    if (!gmdl__method_has(m->method, GMDL__M_HARDEN) || n <= 0)
        return -1;
    int k = m->epoch - (m->cfg.epochs - n);
    return k < 0 ? -1 : k >= n ? n - 1 : k;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Start of a hardening epoch: the weights already at their value (hardened by earlier stages:
 * the mixture has been fixed since the first, so this also holds after --resume) are held
 * there, and each layer's free weights nearest their value join them until the stage's
 * fraction of the layer is hard. m->sws_hard records the held values for train_step. */
static gmdl_status harden_begin(gmdl_model *m, gmdl_err *err) {
    const int k = gmdl_model_sws_stage(m);
    if (k < 0)
        return GMDL_OK;
    if (!m->sws_hard) {
        m->sws_hard = gmdl__malloc(m->nstore * sizeof *m->sws_hard);
        if (!m->sws_hard)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the sws hardening masks");
    }
    for (size_t i = 0; i < m->nstore; i++)
        m->sws_hard[i] = NAN;
    const gmdl__layer *pr = &m->layers[m->nlayers - 1];
    const double frac = m->cfg.sws.harden[k];
    for (int q = 0; q < m->nlayers - 1; q++) {
        if (m->layers[q].nparams == 0)
            continue;
        gmdl__param *pp = &m->layers[q].param[0]; /* the weights; biases stay free */
        const size_t n = pp->count;
        float *v = gmdl__malloc(2 * n * sizeof *v);
        if (!v)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory hardening %s", pp->name);
        float *d = v + n, *hard = m->sws_hard + pp->offset;
        gmdl__sws_settle(pr, pp->p, n, v); /* the values compress will keep */
        size_t nhard = 0, nfree = 0;
        for (size_t i = 0; i < n; i++) {
            if (pp->p[i] == v[i]) {
                hard[i] = v[i];
                nhard++;
            } else {
                d[nfree++] = fabsf(pp->p[i] - v[i]);
            }
        }
        size_t want = frac >= 1.0 ? n : (size_t)(frac * (double)n + 0.5);
        if (want > nhard) {
            size_t need = want - nhard;
            float thr = INFINITY;
            if (need < nfree) {
                qsort(d, nfree, sizeof *d, cmp_float);
                thr = d[need - 1];
            }
            for (size_t i = 0; i < n && need > 0; i++)
                if (isnan(hard[i]) && fabsf(pp->p[i] - v[i]) <= thr) {
                    pp->p[i] = hard[i] = v[i];
                    need--;
                }
        }
        gmdl__free(v);
    }
    return GMDL_OK;
}

/* KL of every Bayesian layer; accumulates scale * dKL into the gradients. */
static double total_kl(gmdl_model *m, double scale) {
    double kl = 0.0;
    for (int i = 0; i < m->nlayers; i++)
        if (m->layers[i].ops->kl)
            kl += m->layers[i].ops->kl(&m->layers[i], scale);
    return kl;
}

/* One optimizer step on the n rows in the input buffer; returns the summed cross-entropy.
 * Objective: mean cross-entropy + kl_weight * KL / n_train. */
static double
train_step(gmdl_model *m, int n, double lr, double klw, size_t ntrain, int *correct, double *kl) {
    const int L = m->nlayers, K = m->classes;
    /* Bayesian methods optimise the reference code's scale, N_train x (mean cross-entropy +
     * weight x KL / N_train): the same optimum, but Adam's epsilon then stays negligible for the
     * small gradients of weights being pruned, as in the published recipe */
    const int bayes = gmdl__method_has(m->method, GMDL__M_BAYES);
    const float *logits = gmdl__model_forward(m, n, GMDL_MODE_TRAIN, m->cfg.seed, m->step);
    double loss = gmdl__softmax_xent(logits, m->ybatch, n, K,
                                     bayes ? (float)ntrain / (float)n : 1.0f / (float)n, m->dact[L],
                                     NULL, correct);
    for (int i = L - 1; i >= 0; i--) {
        gmdl__layer *l = &m->layers[i];
        float *dx = i > 0 ? m->dact[i] : NULL;
        gmdl__bwd a = {m->act[i], m->act[i + 1], m->dact[i + 1], dx, n, 0};
        l->ops->backward(l, &a);
    }
    if (bayes)
        *kl = total_kl(m, klw);
    m->step++;
    /* sws: while hardening (harden_begin), the mixture is fixed and the hardened weights stay
     * at their values; the store holds the prior's parameters last, from offset `off` */
    const int hardening = gmdl_model_sws_stage(m) >= 0;
    const int prior = gmdl__method_has(m->method, GMDL__M_PRIOR_LAYER);
    const size_t off = prior ? m->layers[L - 1].param[0].offset : m->nstore;
    if (m->cfg.optimizer == GMDL_OPT_ADAM && prior) {
        /* the prior's parameters at their own rates, relative to the weights': the log
         * precisions and mixing logits as the tutorial (3e-3 against the weights' 5e-4); the
         * means, which start on the retrained net's weights (gmdl__sws_fit), at 1/50 of the
         * weights' rate, a tenth of the tutorial's 1e-4: at its rate the 400,000 fc1 weights of
         * LeNet-5 drag the components that hold the 500 conv1 weights into their own range
         * (docs/COMPRESSION.md) */
        const gmdl__layer *pr = &m->layers[L - 1];
        const double rel[3] = {0.02, 3e-3 / 5e-4, 3e-3 / 5e-4};
        gmdl__adam_step(m->params, m->grads, m->m1, m->m2, off, lr, m->cfg.beta1, m->cfg.beta2,
                        m->cfg.adam_eps, m->cfg.weight_decay, m->step);
        for (int j = 0; j < pr->nparams && !hardening; j++) {
            size_t o = pr->param[j].offset;
            gmdl__adam_step(m->params + o, m->grads + o, m->m1 + o, m->m2 + o, pr->param[j].count,
                            lr * rel[j], m->cfg.beta1, m->cfg.beta2, m->cfg.adam_eps, 0.0, m->step);
        }
    } else if (m->cfg.optimizer == GMDL_OPT_ADAM) {
        gmdl__adam_step(m->params, m->grads, m->m1, m->m2, m->nstore, lr, m->cfg.beta1,
                        m->cfg.beta2, m->cfg.adam_eps, m->cfg.weight_decay, m->step);
    } else {
        gmdl__sgd_step(m->params, m->grads, m->m1, hardening ? off : m->nstore, lr, m->cfg.momentum,
                       m->cfg.weight_decay);
    }
    for (size_t i = 0; hardening && i < off; i++)
        if (!isnan(m->sws_hard[i]))
            m->params[i] = m->sws_hard[i];
    for (int i = 0; i < L; i++)
        if (m->layers[i].ops->after_step)
            m->layers[i].ops->after_step(&m->layers[i]);
    return loss;
}

gmdl_status gmdl_model_train_epoch(gmdl_model *m,
                                   gmdl_epoch_stats *stats,
                                   const gmdl_dataset *train,
                                   const gmdl_dataset *test,
                                   gmdl_progress_fn progress,
                                   void *user,
                                   gmdl_err *err) {
    if (m->compressed)
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "a compressed model runs but cannot be trained further");
    gmdl_status s = gmdl__model_check_data(m, train, err);
    if (!s && test)
        s = gmdl__model_check_data(m, test, err);
    if (s)
        return s;
    if (gmdl__model_reserve_perm(m, train->n))
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the data order");
    s = harden_begin(m, err);
    if (s)
        return s;
    int prev_ftz = gmdl_set_flush_denormals(1);
    double t0 = now_s();
    for (size_t i = 0; i < train->n; i++)
        m->perm[i] = (uint32_t)i;
    gmdl_rng_shuffle_u32(&m->shuffle_rng, m->perm, train->n);
    const int B = m->cfg.batch;
    const int steps = (int)((train->n + (size_t)B - 1) / (size_t)B);
    double loss_sum = 0.0, kl = 0.0, klw = gmdl__kl_weight(m);
    long long hits = 0;
    size_t seen = 0;
    for (int t = 0; t < steps; t++) {
        size_t lo = (size_t)t * (size_t)B;
        int n = (int)(train->n - lo < (size_t)B ? train->n - lo : (size_t)B);
        long long bad = gather(m, train, m->perm + lo, n);
        if (bad >= 0) {
            gmdl_set_flush_denormals(prev_ftz);
            return bad_item(bad, err);
        }
        int correct;
        double loss = train_step(m, n, lr_at(m, t, steps), klw, train->n, &correct, &kl);
        if (!isfinite(loss) || !isfinite(kl)) {
            gmdl_set_flush_denormals(prev_ftz);
            return gmdl__fail(err, GMDL_ENUMERIC,
                              "training diverged: the loss is %s at step %llu (epoch %d); try a "
                              "smaller learning rate",
                              isnan(loss) ? "NaN" : "infinite", (unsigned long long)m->step,
                              m->epoch + 1);
        }
        loss_sum += loss;
        hits += correct;
        seen += (size_t)n;
        if (progress && progress(t + 1, steps, loss_sum / (double)seen, user)) {
            gmdl_set_flush_denormals(prev_ftz);
            return gmdl__fail(err, GMDL_EINTR, "interrupted at step %llu",
                              (unsigned long long)m->step);
        }
    }
    m->last_train_seconds = now_s() - t0;
    m->epoch++;
    gmdl_epoch_stats st = {
        m->epoch, loss_sum / (double)train->n, (double)hits / (double)train->n, NAN, NAN, kl, 0.0,
        NAN};
    s = gmdl__model_kept_fraction(&st.kept, &st.kept_units, m);
    if (s) {
        gmdl_set_flush_denormals(prev_ftz);
        return gmdl__fail(err, s, "out of memory");
    }
    if (test) {
        gmdl_eval_result r;
        s = gmdl_model_evaluate(&r, m, test, 0, 0, NULL, err);
        if (s) {
            gmdl_set_flush_denormals(prev_ftz);
            return s;
        }
        st.test_accuracy = r.accuracy;
        st.test_loss = r.nll;
    }
    gmdl_set_flush_denormals(prev_ftz);
    if (gmdl__model_push_history(m, &st))
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the history");
    if (stats)
        *stats = st;
    return GMDL_OK;
}

/* ---------------------------------------------------------------- the validation split */
gmdl_status gmdl_dataset_holdout(gmdl_dataset *rest,
                                 gmdl_dataset *val,
                                 const gmdl_dataset *all,
                                 size_t n,
                                 uint64_t seed,
                                 gmdl_err *err) {
    if (rest)
        memset(rest, 0, sizeof *rest);
    memset(val, 0, sizeof *val);
    if (n < 1 || n >= all->n || all->n > UINT32_MAX)
        return gmdl__fail(err, GMDL_EINVAL,
                          "a validation split of %zu of the %zu training images leaves %s", n,
                          all->n, n < 1 ? "no validation image" : "no training image");
    uint32_t *perm = gmdl__malloc(all->n * sizeof *perm);
    unsigned char *held = gmdl__calloc(all->n, 1);
    gmdl_status s = perm && held ? GMDL_OK : GMDL_ENOMEM;
    if (!s) {
        for (size_t i = 0; i < all->n; i++)
            perm[i] = (uint32_t)i;
        gmdl_rng r;
        gmdl_rng_derive(&r, seed, GMDL_RNG_SHUFFLE, UINT64_C(0x56414c4944)); /* "VALID" */
        gmdl_rng_shuffle_u32(&r, perm, all->n);
        for (size_t i = 0; i < n; i++)
            held[perm[i]] = 1;
        s = gmdl__dataset_take_rows(val, all, perm, n); /* in the shuffle's order */
    }
    if (!s && rest) { /* the rest in their order: training shuffles them itself */
        size_t k = 0;
        for (size_t i = 0; i < all->n; i++)
            if (!held[i])
                perm[k++] = (uint32_t)i;
        s = gmdl__dataset_take_rows(rest, all, perm, k);
    }
    gmdl__free(perm);
    gmdl__free(held);
    if (s) {
        if (rest)
            gmdl_dataset_fini(rest);
        gmdl_dataset_fini(val);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for the validation split");
    }
    return GMDL_OK;
}
