/* Counting the gradient evaluations of a `gmdl sample` run: the model's target wrapped so that
 * each log-density call that asks for a gradient (and each minibatch gradient) adds one to a
 * counter shared by the chains' threads. The count includes warm-up and step-size searches, so
 * ESS per gradient evaluation compares samplers on everything they spent. */
#include "sample.h"

static gmdl_status
count_logp(void *user, const double *x, double *lp, double *grad, gmdl_err *err) {
    sample_counter *c = user;
    if (grad)
        atomic_fetch_add_explicit(&c->grads, 1, memory_order_relaxed);
    return c->inner->logp(c->inner->user, x, lp, grad, err);
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

void sample_counter_wrap(sample_counter *c, const gmdl_target *inner) {
    c->inner = inner;
    atomic_init(&c->grads, 0);
    c->t = *inner;
    c->t.user = c;
    c->t.logp = count_logp;
    c->t.grad_batch = inner->grad_batch ? count_batch : NULL;
    c->t.generate = inner->generate ? count_generate : NULL;
}
