/* Watching the model during a `gmdl sample` run: the model's target wrapped so that each
 * log-density call that asks for a gradient (and each minibatch gradient) adds one to a counter
 * shared by the chains' threads, every log-density call adds one to a second, and a log density
 * that comes back NaN (with status OK) is counted and its point kept. The counts include warm-up
 * and step-size searches, so ESS per gradient evaluation compares samplers on everything they
 * spent. Of the NaN points the lexicographically smallest is kept, so that the report does not
 * depend on which thread got there first. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

/* x < y in lexicographic order (NaN coordinates compare as equal). */
static int lex_less(const double *x, const double *y, size_t n) {
    for (size_t j = 0; j < n; j++) {
        if (x[j] < y[j])
            return 1;
        if (x[j] > y[j])
            return 0;
    }
    return 0;
}

static void saw_nan(sample_counter *c, const double *x) {
    size_t d = c->inner->dim;
    atomic_fetch_add_explicit(&c->nans, 1, memory_order_relaxed);
    while (atomic_flag_test_and_set_explicit(&c->lock, memory_order_acquire))
        ;
    if (!c->have_nan || lex_less(x, c->nan_x, d)) {
        memcpy(c->nan_x, x, d * sizeof(double));
        c->have_nan = 1;
    }
    atomic_flag_clear_explicit(&c->lock, memory_order_release);
}

static gmdl_status
count_logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) {
    sample_counter *c = user;
    if (grad)
        atomic_fetch_add_explicit(&c->grads, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->evals, 1, memory_order_relaxed);
    gmdl_status s = c->inner->logp(c->inner->user, x, lp, grad, err);
    if (s == GMDL_OK && isnan(*lp) && c->nan_x)
        saw_nan(c, x);
    return s;
}

static gmdl_status count_batch(
    void *user, const double *x, const uint32_t *idx, size_t n, double *grad, gmdl_err *err) {
    sample_counter *c = user;
    atomic_fetch_add_explicit(&c->grads, 1, memory_order_relaxed);
    return c->inner->grad_batch(c->inner->user, x, idx, n, grad, err);
}

static void count_generate(void *user, const double *x, double *out) {
    sample_counter *c = user;
    c->inner->generate(c->inner->user, x, out);
}

gmdl_status sample_counter_wrap(sample_counter *c, const gmdl_target *inner) {
    memset(c, 0, sizeof *c);
    c->inner = inner;
    atomic_init(&c->grads, 0);
    atomic_init(&c->evals, 0);
    atomic_init(&c->nans, 0);
    atomic_flag_clear(&c->lock);
    c->nan_x = malloc(inner->dim * sizeof(double));
    if (!c->nan_x)
        return GMDL_ENOMEM;
    c->t = *inner;
    c->t.user = c;
    c->t.logp = count_logp;
    c->t.grad_batch = inner->grad_batch ? count_batch : NULL;
    c->t.generate = inner->generate ? count_generate : NULL;
    return GMDL_OK;
}

void sample_counter_fini(sample_counter *c) {
    free(c->nan_x);
    c->nan_x = NULL;
}

void sample_counter_nan_text(char *buf, size_t cap, const sample_counter *c) {
    const gmdl_target *t = c->inner;
    size_t len = 0;
    buf[0] = 0;
    for (size_t j = 0; c->have_nan && j < t->dim && len + 48 < cap; j++) {
        if (t->names)
            len += (size_t)snprintf(buf + len, cap - len, "%s%s = %.17g", j ? ", " : "",
                                    t->names[j], c->nan_x[j]);
        else
            len += (size_t)snprintf(buf + len, cap - len, "%stheta[%zu] = %.17g", j ? ", " : "",
                                    j + 1, c->nan_x[j]);
    }
    if (c->have_nan && len + 48 >= cap)
        snprintf(buf + len, cap - len, ", ...");
}
