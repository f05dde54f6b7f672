/* The outputs of a `gmdl sample` run: the draws as CSV (--out, written to a temporary file renamed
 * over the target), and the diagnostics as one JSON
 * object (--json) or as the readable report. Nothing here computes: the numbers come in a
 * sample_run filled by cmd_sample.c. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sample.h"

int sample_write_draws(const char *path, const gmdl_draws *d) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "gmdl sample: cannot write %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    fprintf(f, "chain,iteration");
    for (size_t j = 0; j < d->dim; j++)
        fprintf(f, ",%s", d->names[j]);
    if (d->weight)
        fprintf(f, ",weight");
    fprintf(f, "\n");
    for (size_t c = 0; c < d->chains; c++) {
        for (size_t i = 0; i < d->n; i++) {
            const double *x = d->x + (c * d->n + i) * d->dim;
            fprintf(f, "%zu,%zu", c + 1, i + 1);
            for (size_t j = 0; j < d->dim; j++)
                fprintf(f, ",%.17g", x[j]);
            if (d->weight)
                fprintf(f, ",%.17g", d->weight[c * d->n + i]);
            fprintf(f, "\n");
        }
    }
    int bad = ferror(f);
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        fprintf(stderr, "gmdl sample: error writing %s\n", path);
        unlink(tmp);
        return 1;
    }
    return 0;
}

/* {"name": value, ...} of one field (at byte offset off) of every quantity's summary. */
static void json_obj_of(
    json_w *j, const char *key, const gmdl_draws *d, const gmdl_diag_summary *sm, size_t off) {
    json_obj_begin(j, key);
    for (size_t k = 0; k < d->dim; k++)
        json_num(j, d->names[k], *(const double *)((const char *)&sm[k] + off));
    json_obj_end(j);
}

/* The keys that only some methods and models have. */
static void json_extras(json_w *j, const sample_run *r) {
    int mi = r->mi;
    if (SAMPLE_HAS_ACCEPT(mi) || mi == SAMPLE_REJECTION)
        json_num(j, "accept_rate", mi == SAMPLE_REJECTION ? r->rej_accept : r->accept);
    if (SAMPLE_IS_MCMC(mi)) {
        json_num(j, "step_size", r->step);
        json_int(j, "grad_evals", (long long)r->grad_evals);
        json_int(j, "logp_evals", (long long)r->logp_evals);
        json_str(j, "gradient", r->fd_grad ? "finite-differences" : "model");
        json_int(j, "nan_logp", (long long)r->nan_count);
    }
    if (mi == SAMPLE_NUTS) {
        json_int(j, "divergences", (long long)r->divergences);
        json_int(j, "max_treedepth_hits", (long long)r->depth_hits);
        json_int(j, "max_depth", (long long)r->max_depth);
        json_arr_begin(j, "ebfmi");
        for (size_t c = 0; r->ebfmi && c < r->d.chains; c++)
            json_num(j, NULL, r->ebfmi[c]);
        json_arr_end(j);
    }
    if (mi == SAMPLE_REJECTION)
        json_num(j, "log_m", r->log_m);
    if (mi == SAMPLE_IMPORTANCE) {
        json_num(j, "log_evidence", r->isr.log_evidence);
        json_num(j, "is_ess", r->isr.ess);
    }
    if (mi == SAMPLE_VI) {
        json_str(j, "estimator", r->estimator);
        json_num(j, "elbo", r->vr.elbo);
        json_obj_begin(j, "grad_variance");
        json_num(j, "reparam", r->vr.var_reparam);
        json_num(j, "score", r->vr.var_score);
        json_num(j, "score_baseline", r->vr.var_score_baseline);
        json_obj_end(j);
        json_num(j, "variance_ratio", r->vr.var_score / r->vr.var_reparam);
    }
    if (r->mixture)
        json_num(j, "tv_distance", r->tv);
    if (r->have_labels) {
        json_num(j, "positive", r->labels.positive);
        json_num(j, "negative", r->labels.negative);
    }
    if (r->have_test) {
        json_num(j, "test_accuracy", r->test_acc);
        json_num(j, "test_log_loss", r->test_ll);
    }
}

void sample_report_json(const sample_run *r) {
    const gmdl_draws *d = &r->d;
    json_w j;
    json_init(&j, stdout);
    json_obj_begin(&j, NULL);
    json_str(&j, "model", r->model);
    json_str(&j, "method", r->method);
    json_int(&j, "chains", (long long)d->chains);
    json_int(&j, "n", (long long)d->n);
    json_int(&j, "warmup", (long long)r->warmup);
    json_int(&j, "seed", (long long)r->seed);
    json_obj_of(&j, "mean", d, r->sm, offsetof(gmdl_diag_summary, mean));
    json_obj_of(&j, "sd", d, r->sm, offsetof(gmdl_diag_summary, sd));
    json_obj_of(&j, "mcse", d, r->sm, offsetof(gmdl_diag_summary, mcse));
    json_obj_of(&j, "ess", d, r->sm, offsetof(gmdl_diag_summary, ess));
    json_obj_of(&j, "ess_bulk", d, r->sm, offsetof(gmdl_diag_summary, ess_bulk));
    json_obj_of(&j, "ess_tail", d, r->sm, offsetof(gmdl_diag_summary, ess_tail));
    json_obj_of(&j, "tau", d, r->sm, offsetof(gmdl_diag_summary, tau));
    json_obj_of(&j, "rhat", d, r->sm, offsetof(gmdl_diag_summary, rhat));
    json_obj_of(&j, "rhat_rank", d, r->sm, offsetof(gmdl_diag_summary, rhat_rank));
    json_extras(&j, r);
    sample_warnings_json(&j, r);
    json_num(&j, "seconds", r->seconds);
    json_finish(&j);
}

void sample_report_text(const sample_run *r) {
    const gmdl_draws *d = &r->d;
    const gmdl_diag_summary *sm = r->sm;
    int mi = r->mi;
    printf("model %s, method %s: %zu chain%s x %zu draws", r->model, r->method, d->chains,
           d->chains == 1 ? "" : "s", d->n);
    if (SAMPLE_IS_MCMC(mi))
        printf(" (%s %zu)", mi == SAMPLE_SGLD ? "burn-in" : "warm-up", r->warmup);
    printf(", %.2f s\n\n", r->seconds);
    printf("%-16s %12s %12s %10s %9s %9s %9s %8s %7s %7s\n", "parameter", "mean", "sd", "mcse",
           "ess", "ess_bulk", "ess_tail", "tau", "rhat", "rhat_rk");
    for (size_t k = 0; k < d->dim; k++)
        printf("%-16s %12.5g %12.5g %10.3g %9.0f %9.0f %9.0f %8.2f %7.4f %7.4f\n", d->names[k],
               sm[k].mean, sm[k].sd, sm[k].mcse, sm[k].ess, sm[k].ess_bulk, sm[k].ess_tail,
               sm[k].tau, sm[k].rhat, sm[k].rhat_rank);
    printf("\n");
    if (SAMPLE_HAS_ACCEPT(mi))
        printf("acceptance rate %.3f, step size %.4g\n", r->accept, r->step);
    if (mi == SAMPLE_NUTS) {
        printf("divergences %zu, max tree depth (%zu) hits %zu, E-BFMI", r->divergences,
               r->max_depth, r->depth_hits);
        for (size_t c = 0; r->ebfmi && c < d->chains; c++)
            printf(" %.3g", r->ebfmi[c]);
        printf("\n");
    }
    if (mi == SAMPLE_SGLD)
        printf("final step size %.4g; means are step-size-weighted averages after burn-in\n",
               r->step);
    if (mi == SAMPLE_REJECTION)
        printf("acceptance rate %.4g (log M %.6g)\n", r->rej_accept, r->log_m);
    if (mi == SAMPLE_IMPORTANCE)
        printf("log evidence %.6g, importance ESS %.1f of %zu\n", r->isr.log_evidence, r->isr.ess,
               d->n);
    if (mi == SAMPLE_VI)
        printf("ELBO %.6g; gradient variance at the optimum: reparam %.4g, score %.4g "
               "(x%.1f), score with baseline %.4g\n",
               r->vr.elbo, r->vr.var_reparam, r->vr.var_score, r->vr.var_score / r->vr.var_reparam,
               r->vr.var_score_baseline);
    if (r->mixture)
        printf("total variation distance to the exact grid posterior (50 x 50 over "
               "[-1.5, 2.5] x [-3, 3]): %.4f\n",
               r->tv);
    if (r->have_labels && isnan(r->labels.negative))
        printf("labels: %g positive (+1); the training data hold no other value\n",
               r->labels.positive);
    else if (r->have_labels)
        printf("labels: %g positive (+1), %g negative (-1)\n", r->labels.positive,
               r->labels.negative);
    if (r->have_test)
        printf("test accuracy %.4f, test log loss %.4f (posterior-averaged predictions)\n",
               r->test_acc, r->test_ll);
}
