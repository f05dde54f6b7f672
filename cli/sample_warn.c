/* The warnings of a `gmdl sample` run, in Stan's wording where Stan has one (CmdStan's diagnose
 * and stansummary, rstan for the ESS messages): divergent transitions after warm-up, tree depth
 * saturated, E-BFMI below 0.3, rank-normalised split R-hat above 1.01 (Vehtari et al. 2021), bulk
 * or tail ESS below 100 per chain, an MH or MALA chain whose acceptance is far from the target,
 * SGLD chains that disagree, and a log density that came back NaN. The numbers come from the draws
 * and their summaries, computed in cmd_sample.c; this file only counts, compares and words. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

static void add(sample_run *r, const char *code, const char *fmt, ...) {
    if (r->n_warn >= SAMPLE_MAX_WARN)
        return;
    sample_warning *w = &r->warn[r->n_warn++];
    snprintf(w->code, sizeof w->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof w->msg, fmt, ap);
    va_end(ap);
}

/* Appends ", name" for every quantity whose field (at byte offset off) fails the test, up to a
 * few names; returns how many failed. */
static size_t
names_where(const sample_run *r, size_t off, int above, double limit, char *buf, size_t cap) {
    size_t bad = 0, len = 0;
    buf[0] = 0;
    for (size_t k = 0; k < r->d.dim; k++) {
        double v = *(const double *)((const char *)&r->sm[k] + off);
        int fails = above ? !(v <= limit) : !(v >= limit);
        if (!fails)
            continue;
        if (bad < 8 && len + 40 < cap)
            len += (size_t)snprintf(buf + len, cap - len, "%s%s", bad ? ", " : "", r->d.names[k]);
        else if (bad == 8 && len + 8 < cap)
            len += (size_t)snprintf(buf + len, cap - len, ", ...");
        bad++;
    }
    return bad;
}

/* The NUTS counts from the per-draw statistics. */
static int nuts_counts(sample_run *r) {
    const gmdl_draws *d = &r->d;
    if (!d->stats)
        return 0;
    for (size_t i = 0; i < d->chains * d->n; i++) {
        const double *st = d->stats + i * GMDL_STAT_COUNT;
        r->divergences += st[GMDL_STAT_DIVERGENT] != 0;
        r->depth_hits += r->mi == SAMPLE_NUTS && st[GMDL_STAT_TREEDEPTH] >= (double)r->max_depth;
    }
    if (r->mi != SAMPLE_NUTS)
        return 0;
    r->ebfmi = malloc(d->chains * sizeof(double));
    if (!r->ebfmi)
        return cli_fail("sample", GMDL_ENOMEM, NULL);
    for (size_t c = 0; c < d->chains; c++)
        if (gmdl_draws_ebfmi(&r->ebfmi[c], d, c) != GMDL_OK)
            r->ebfmi[c] = NAN;
    return 0;
}

static void hmc_warnings(sample_run *r) {
    size_t total = r->d.chains * r->d.n;
    if (r->divergences)
        add(r, "divergent",
            "%zu of %zu (%.2g%%) transitions ended with a divergence. These divergent transitions "
            "indicate that HMC is not fully able to explore the posterior distribution. Try "
            "increasing adapt delta (--target-accept) closer to 1. If this doesn't remove all "
            "divergences, try to reparameterize the model.",
            r->divergences, total, 100.0 * (double)r->divergences / (double)total);
    if (r->depth_hits)
        add(r, "treedepth",
            "%zu of %zu (%.2g%%) transitions hit the maximum treedepth limit of %zu, or 2^%zu "
            "leapfrog steps. Trajectories that are prematurely terminated due to this limit will "
            "result in slow exploration. For optimal performance, increase this limit "
            "(--max-depth).",
            r->depth_hits, total, 100.0 * (double)r->depth_hits / (double)total, r->max_depth,
            r->max_depth);
    for (size_t c = 0; r->ebfmi && c < r->d.chains; c++)
        if (r->ebfmi[c] < 0.3)
            add(r, "ebfmi",
                "Chain %zu: E-BFMI = %.3g. E-BFMI below 0.3 indicates you may need to "
                "reparameterize your model.",
                c + 1, r->ebfmi[c]);
}

/* MH and MALA: a chain whose acceptance rate is under half the target, or above the target by
 * more than half the way to 1, is badly tuned or stuck. */
static void accept_warnings(sample_run *r) {
    if (r->mi != SAMPLE_MH && r->mi != SAMPLE_MALA)
        return;
    double lo = 0.5 * r->target_accept, hi = r->target_accept + 0.5 * (1.0 - r->target_accept);
    for (size_t c = 0; c < r->d.chains; c++) {
        double a = r->d.accept_rate[c];
        if (a >= lo && a <= hi)
            continue;
        add(r, "acceptance",
            "Chain %zu: acceptance rate %.3g is far from the target %.3g (outside [%.3g, %.3g]): "
            "the chain is %s. Its draws are unreliable; try a longer warm-up, another step size "
            "(--step), or NUTS.",
            c + 1, a, r->target_accept, lo, hi,
            a < lo ? "stuck or its proposals are too large" : "moving in steps too small");
    }
}

static void mixing_warnings(sample_run *r) {
    char names[400];
    double per_chain = 100.0 * (double)r->d.chains;
    if (names_where(r, offsetof(gmdl_diag_summary, rhat_rank), 1, 1.01, names, sizeof names))
        add(r, "rhat",
            "The following parameters had rank-normalized split R-hat greater than 1.01: %s. "
            "Such high values indicate incomplete mixing and biased estimation. You should "
            "consider regularizating your model with additional prior information or a more "
            "effective parameterization.",
            names);
    if (names_where(r, offsetof(gmdl_diag_summary, ess_bulk), 0, per_chain, names, sizeof names))
        add(r, "ess_bulk",
            "Bulk Effective Samples Size (ESS) is too low (below 100 per chain) for: %s, "
            "indicating posterior means and medians may be unreliable. Running the chains for more "
            "iterations may help.",
            names);
    if (names_where(r, offsetof(gmdl_diag_summary, ess_tail), 0, per_chain, names, sizeof names))
        add(r, "ess_tail",
            "Tail Effective Samples Size (ESS) is too low (below 100 per chain) for: %s, "
            "indicating posterior variances and tail quantiles may be unreliable. Running the "
            "chains for more iterations may help.",
            names);
    if (r->mi == SAMPLE_SGLD && r->d.chains > 1 &&
        names_where(r, offsetof(gmdl_diag_summary, rhat_rank), 1, 1.1, names, sizeof names))
        add(r, "sgld_chains",
            "The SGLD chains disagree (rank-normalized R-hat above 1.1 for: %s): they have not "
            "forgotten their starting points or sit in different modes. SGLD has no accept step "
            "to correct its bias; try a longer burn-in (--warmup), a smaller step (--sgld-a) or a "
            "larger minibatch (--batch).",
            names);
}

/* A log density that came back NaN somewhere after the chains had started from finite ones. */
static void nan_warning(sample_run *r) {
    if (!r->nan_count)
        return;
    add(r, "nan_logp",
        "The log density returned NaN at %llu of %llu evaluations (the chains' start points were "
        "finite); gmdl treated those points as outside the support. One of them: %s. A log "
        "density should be -inf outside the support and finite inside it; NaN usually means 0/0, "
        "inf - inf or the log of a negative number in the model.",
        r->nan_count, r->logp_evals, r->nan_at);
}

int sample_diagnose(sample_run *r) {
    if (!SAMPLE_IS_MCMC(r->mi))
        return 0;
    int rc = nuts_counts(r);
    if (rc)
        return rc;
    nan_warning(r);
    hmc_warnings(r);
    accept_warnings(r);
    mixing_warnings(r);
    return 0;
}

void sample_warnings_print(const sample_run *r) {
    for (size_t i = 0; i < r->n_warn; i++)
        fprintf(stderr, "gmdl sample: warning [%s]: %s\n", r->warn[i].code, r->warn[i].msg);
}

void sample_warnings_json(json_w *j, const sample_run *r) {
    json_arr_begin(j, "warnings");
    for (size_t i = 0; i < r->n_warn; i++) {
        json_obj_begin(j, NULL);
        json_str(j, "code", r->warn[i].code);
        json_str(j, "message", r->warn[i].msg);
        json_obj_end(j);
    }
    json_arr_end(j);
}
