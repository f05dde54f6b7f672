/* Bayes-net parameter learning for a fixed structure: data tables of states (read from CSV with
 * missing cells), maximum likelihood or BDeu pseudo-counts from complete data in one pass, and EM
 * when cells are missing (ALGORITHMS.md 3.2), whose E-step is the junction tree per distinct row
 * (gmdl__jt_run_factors gives the posterior of every family's unobserved members). */
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gmdl/io.h"
#include "pgm_internal.h"

gmdl_bn_learn_config gmdl_bn_learn_config_default(void) {
    gmdl_bn_learn_config c;
    memset(&c, 0, sizeof c);
    c.ess = 0.0;
    c.max_iter = 100;
    c.tol = 1e-8;
    c.exact = gmdl_exact_config_default();
    /* the E-step's trees are small (the rows' missing cells): one heuristic is enough */
    c.exact.heuristic = GMDL_ORDER_MIN_FILL;
    return c;
}

/* ------------------------------------------------------------------ data */

gmdl_status gmdl_bn_data_init(gmdl_bn_data *out, size_t nrows, size_t nvars, gmdl_err *err) {
    memset(out, 0, sizeof *out);
    if (nvars && nrows > SIZE_MAX / nvars / sizeof(int32_t))
        return gmdl__fail(err, GMDL_EINVAL, "%zu rows of %zu variables is too many", nrows, nvars);
    out->x = gmdl__malloc(nrows * nvars * sizeof *out->x + 1);
    if (!out->x)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for %zu rows", nrows);
    for (size_t i = 0; i < nrows * nvars; i++)
        out->x[i] = -1;
    out->nrows = nrows, out->nvars = nvars;
    return GMDL_OK;
}

void gmdl_bn_data_fini(gmdl_bn_data *d) {
    if (!d)
        return;
    gmdl__free(d->x);
    memset(d, 0, sizeof *d);
}

/* The node of each CSV column; EPARSE for a column the net lacks or a repeated one. */
static gmdl_status
map_columns(const gmdl_bn *bn, const gmdl_csv *csv, uint32_t *node, gmdl_err *err) {
    uint8_t *seen = gmdl__calloc(bn->nvars + 1, 1);
    if (!seen)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    gmdl_status s = GMDL_OK;
    for (size_t c = 0; c < csv->ncols && !s; c++) {
        size_t v = 0;
        while (v < bn->nvars && strcmp(bn->names[v], csv->names[c]) != 0)
            v++;
        if (v == bn->nvars)
            s = gmdl__fail(err, GMDL_EPARSE, "%s:1: column %zu '%s' is not a node of the network",
                           csv->path, c + 1, csv->names[c]);
        else if (seen[v])
            s = gmdl__fail(err, GMDL_EPARSE, "%s:1: column %zu '%s' repeats a column", csv->path,
                           c + 1, csv->names[c]);
        else {
            seen[v] = 1;
            node[c] = (uint32_t)v;
        }
    }
    gmdl__free(seen);
    return s;
}

/* EPARSE naming the file, line, column and the states the node has. */
static gmdl_status unknown_state(
    const gmdl_bn *bn, const gmdl_csv *csv, size_t r, size_t c, uint32_t v, gmdl_err *err) {
    char list[256];
    size_t len = 0;
    list[0] = '\0';
    for (uint32_t s = 0; s < bn->card[v] && len + 8 < sizeof list; s++) {
        int w = snprintf(list + len, sizeof list - len, "%s%s", s ? ", " : "", bn->states[v][s]);
        len = w < 0 ? len : len + (size_t)w < sizeof list ? len + (size_t)w : sizeof list - 1;
    }
    return gmdl__fail(err, GMDL_EPARSE,
                      "%s:%zu: column %zu '%s': unknown state '%s' (the states of %s are: %s)",
                      csv->path, csv->lines[r], c + 1, csv->names[c],
                      csv->cells[r * csv->ncols + c], bn->names[v], list);
}

gmdl_status
gmdl_bn_data_read(gmdl_bn_data *out, const gmdl_bn *bn, const char *path, gmdl_err *err) {
    memset(out, 0, sizeof *out);
    gmdl_csv csv;
    gmdl_status s = gmdl_csv_read(&csv, path, err);
    if (s)
        return s;
    uint32_t *node = gmdl__malloc((csv.ncols + 1) * sizeof *node);
    if (!node)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if (!s)
        s = map_columns(bn, &csv, node, err);
    if (!s)
        s = gmdl_bn_data_init(out, csv.nrows, bn->nvars, err);
    for (size_t r = 0; r < csv.nrows && !s; r++)
        for (size_t c = 0; c < csv.ncols && !s; c++) {
            const char *cell = csv.cells[r * csv.ncols + c];
            uint32_t v = node[c], st = 0;
            if (gmdl_csv_is_missing(cell)) {
                out->missing++;
                continue;
            }
            while (st < bn->card[v] && strcmp(bn->states[v][st], cell) != 0)
                st++;
            if (st == bn->card[v])
                s = unknown_state(bn, &csv, r, c, v, err);
            else
                out->x[r * bn->nvars + v] = (int32_t)st;
        }
    /* nodes without a column are latent: missing in every row */
    if (!s)
        out->missing += csv.nrows * (bn->nvars - csv.ncols);
    gmdl__free(node);
    gmdl_csv_fini(&csv);
    if (s)
        gmdl_bn_data_fini(out);
    return s;
}

/* ------------------------------------------------------------------ families */

/* Each node's family as a factor over its sorted scope, with the CPT offset stride of each scope
 * variable; the distinct rows of the data with their multiplicities. */
typedef struct {
    size_t V, total; /* nodes, CPT entries in all */
    size_t *off;     /* [V + 1] offset of each CPT in the flat arrays */
    gmdl_factor *fac;
    size_t **stride; /* [V][scope] stride in the CPT of each sorted scope variable */
    double *alpha;   /* [V] pseudo-count per CPT entry */
    size_t nd;       /* distinct rows */
    const int32_t **row;
    double *w; /* multiplicities */
    uint8_t *complete;
} learn_ctx;

static void ctx_free(learn_ctx *L) {
    for (size_t v = 0; v < L->V && L->fac; v++) {
        gmdl_factor_fini(&L->fac[v]);
        if (L->stride)
            gmdl__free(L->stride[v]);
    }
    gmdl__free(L->off);
    gmdl__free(L->fac);
    gmdl__free(L->stride);
    gmdl__free(L->alpha);
    gmdl__free(L->row);
    gmdl__free(L->w);
    gmdl__free(L->complete);
    memset(L, 0, sizeof *L);
}

static gmdl_status
family_init(learn_ctx *L, const gmdl_bn *bn, size_t v, double ess, gmdl_err *err) {
    size_t np = bn->npar[v], n = np + 1;
    if (n > PGM_MAX_SCOPE)
        return gmdl__fail(err, GMDL_ELIMIT, "node %s has too many parents", bn->names[v]);
    uint32_t sc[PGM_MAX_SCOPE], cd[PGM_MAX_SCOPE];
    size_t cs[PGM_MAX_SCOPE], stride = bn->card[v];
    sc[np] = (uint32_t)v;
    cs[np] = 1;
    for (size_t j = np; j-- > 0;) {
        sc[j] = bn->par[v][j];
        cs[j] = stride;
        stride *= bn->card[sc[j]];
    }
    for (size_t a = 1; a < n; a++) /* insertion sort of the scope, strides alongside */
        for (size_t b = a; b > 0 && sc[b - 1] > sc[b]; b--) {
            uint32_t t = sc[b];
            sc[b] = sc[b - 1], sc[b - 1] = t;
            size_t u = cs[b];
            cs[b] = cs[b - 1], cs[b - 1] = u;
        }
    for (size_t a = 0; a < n; a++)
        cd[a] = bn->card[sc[a]];
    L->stride[v] = gmdl__malloc(n * sizeof(size_t));
    if (!L->stride[v])
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    memcpy(L->stride[v], cs, n * sizeof(size_t));
    L->alpha[v] = ess > 0.0 ? ess / (double)(bn->nrows[v] * bn->card[v]) : 0.0;
    return gmdl_factor_init(&L->fac[v], n, sc, cd, err);
}

/* Refills each family factor with log theta (scope order, last fastest). */
static void fill_factors(learn_ctx *L, const double *theta) {
    for (size_t v = 0; v < L->V; v++) {
        gmdl_factor *f = &L->fac[v];
        size_t ctr[PGM_MAX_SCOPE] = {0}, idx = 0;
        for (size_t i = 0; i < f->size; i++) {
            f->logp[i] = log(theta[L->off[v] + idx]);
            for (size_t k = f->nvars; k-- > 0;) {
                idx += L->stride[v][k];
                if (++ctr[k] < f->card[k])
                    break;
                idx -= L->stride[v][k] * f->card[k];
                ctr[k] = 0;
            }
        }
    }
}

/* A row and its length, so that qsort's comparison needs no global state. */
typedef struct {
    const int32_t *x;
    size_t V;
} row_ref;

static int cmp_rows(const void *a, const void *b) {
    const row_ref *p = a, *q = b;
    for (size_t v = 0; v < p->V; v++)
        if (p->x[v] != q->x[v])
            return p->x[v] < q->x[v] ? -1 : 1;
    return 0;
}

/* Sorts the rows and keeps each distinct one once with its count. */
static gmdl_status distinct_rows(learn_ctx *L, const gmdl_bn_data *data, gmdl_err *err) {
    size_t n = data->nrows, V = data->nvars;
    row_ref *ref = gmdl__malloc((n + 1) * sizeof *ref);
    L->row = gmdl__malloc((n + 1) * sizeof *L->row);
    L->w = gmdl__malloc((n + 1) * sizeof *L->w);
    L->complete = gmdl__malloc(n + 1);
    if (!ref || !L->row || !L->w || !L->complete) {
        gmdl__free(ref);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for %zu rows", n);
    }
    for (size_t i = 0; i < n; i++)
        ref[i] = (row_ref){data->x + i * V, V};
    qsort(ref, n, sizeof *ref, cmp_rows);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && cmp_rows(&ref[i - 1], &ref[i]) == 0) {
            L->w[m - 1] += 1.0;
            continue;
        }
        L->row[m] = ref[i].x;
        L->w[m] = 1.0;
        uint8_t c = 1;
        for (size_t v = 0; v < V; v++)
            c &= ref[i].x[v] >= 0;
        L->complete[m++] = c;
    }
    L->nd = m;
    gmdl__free(ref);
    return GMDL_OK;
}

static gmdl_status
ctx_init(learn_ctx *L, const gmdl_bn *bn, const gmdl_bn_data *data, double ess, gmdl_err *err) {
    memset(L, 0, sizeof *L);
    size_t V = bn->nvars;
    L->V = V;
    L->off = gmdl__malloc((V + 1) * sizeof *L->off);
    L->fac = gmdl__calloc(V + 1, sizeof *L->fac);
    L->stride = gmdl__calloc(V + 1, sizeof *L->stride);
    L->alpha = gmdl__calloc(V + 1, sizeof *L->alpha);
    if (!L->off || !L->fac || !L->stride || !L->alpha)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    L->off[0] = 0;
    for (size_t v = 0; v < V; v++)
        L->off[v + 1] = L->off[v] + bn->nrows[v] * bn->card[v];
    L->total = L->off[V];
    gmdl_status s = GMDL_OK;
    for (size_t v = 0; v < V && !s; v++)
        s = family_init(L, bn, v, ess, err);
    return s ? s : distinct_rows(L, data, err);
}

/* The CPT offset of family v at a full assignment x (no missing member). */
static size_t cpt_index(const learn_ctx *L, size_t v, const int32_t *x) {
    const gmdl_factor *f = &L->fac[v];
    size_t idx = 0;
    for (size_t k = 0; k < f->nvars; k++)
        idx += (size_t)(x[f->vars[k]] > 0 ? x[f->vars[k]] : 0) * L->stride[v][k]; /* -1: card 1 */
    return idx;
}

/* theta = (counts + alpha) / (row total + card alpha) per parent configuration; a row with no
 * count and no prior becomes uniform. */
static void mstep(const learn_ctx *L, const gmdl_bn *bn, const double *counts, double *theta) {
    for (size_t v = 0; v < L->V; v++) {
        size_t r = bn->card[v];
        for (size_t j = 0; j < bn->nrows[v]; j++) {
            const double *c = counts + L->off[v] + j * r;
            double *t = theta + L->off[v] + j * r, sum = 0.0;
            for (size_t x = 0; x < r; x++)
                sum += c[x] + L->alpha[v];
            for (size_t x = 0; x < r; x++)
                t[x] = sum > 0.0 ? (c[x] + L->alpha[v]) / sum : 1.0 / (double)r;
        }
    }
}

/* sum over CPT entries of alpha log theta: the log prior (up to a constant) EM maximises with. */
static double log_prior(const learn_ctx *L, const double *theta) {
    double s = 0.0;
    for (size_t v = 0; v < L->V; v++)
        if (L->alpha[v] > 0.0)
            for (size_t i = L->off[v]; i < L->off[v + 1]; i++)
                s += L->alpha[v] * log(theta[i]);
    return s;
}

/* ------------------------------------------------------------------ E-step */

/* Per-thread E-step state. */
typedef struct {
    double *counts;   /* [total] */
    double *fambuf;   /* [total] posterior of the free members of each family */
    gmdl_factor *sub; /* [V] the row's families with a free member (shallow copies) */
    double **subfam;  /* [V] where the junction tree writes their posteriors (into fambuf) */
    size_t *subv;     /* [V] their nodes */
    double *marg;     /* marginal scratch for the junction tree */
    double ll;
    gmdl_status s;
    gmdl_err err;
} estep_thread;

/* Adds weight times the posterior of family v's free members (fam) to its counts. */
static void add_family(
    const learn_ctx *L, size_t v, const int32_t *row, const double *fam, double w, double *counts) {
    const gmdl_factor *f = &L->fac[v];
    size_t fk[PGM_MAX_SCOPE], nf = 0, base = L->off[v];
    for (size_t k = 0; k < f->nvars; k++) {
        if (row[f->vars[k]] >= 0 || f->card[k] == 1)
            base += (size_t)(row[f->vars[k]] > 0 ? row[f->vars[k]] : 0) * L->stride[v][k];
        else
            fk[nf++] = k;
    }
    size_t ctr[PGM_MAX_SCOPE] = {0}, idx = base, size = 1;
    for (size_t a = 0; a < nf; a++)
        size *= f->card[fk[a]];
    for (size_t i = 0; i < size; i++) {
        counts[idx] += w * fam[i];
        for (size_t a = nf; a-- > 0;) {
            size_t k = fk[a];
            idx += L->stride[v][k];
            if (++ctr[a] < f->card[k])
                break;
            idx -= L->stride[v][k] * f->card[k];
            ctr[a] = 0;
        }
    }
}

/* One distinct row: complete rows are counted directly, others through the junction tree. */
static gmdl_status estep_row(
    const learn_ctx *L, const gmdl_bn *bn, const gmdl_exact_config *ex, size_t r, estep_thread *E) {
    const int32_t *row = L->row[r];
    double w = L->w[r], lp = 0.0;
    /* Families with a free member go to the junction tree; the others are constants given the
     * row: their log theta is added and their count taken directly. */
    size_t nsub = 0;
    for (size_t v = 0; v < L->V; v++) {
        const gmdl_factor *f = &L->fac[v];
        int any = 0;
        for (size_t k = 0; k < f->nvars; k++)
            any |= row[f->vars[k]] < 0 && f->card[k] > 1;
        if (any) {
            E->sub[nsub] = *f;
            E->subv[nsub] = v;
            E->subfam[nsub++] = E->fambuf + L->off[v];
            continue;
        }
        size_t j = 0;
        for (size_t k = 0; k < f->nvars; k++)
            j = j * f->card[k] + (size_t)(row[f->vars[k]] > 0 ? row[f->vars[k]] : 0);
        lp += f->logp[j];
        E->counts[L->off[v] + cpt_index(L, v, row)] += w;
    }
    if (nsub) {
        double lz;
        gmdl_status s =
            gmdl__jt_run_factors(L->V, bn->card, nsub, E->sub, row, ex,
                                 (const char *const *)bn->names, &lz, E->marg, E->subfam, &E->err);
        if (s)
            return s;
        lp += lz;
        for (size_t q = 0; q < nsub; q++)
            add_family(L, E->subv[q], row, E->subfam[q], w, E->counts);
    }
    E->ll += w * lp;
    return GMDL_OK;
}

static void thread_free(estep_thread *E) {
    gmdl__free(E->counts);
    gmdl__free(E->fambuf);
    gmdl__free(E->sub);
    gmdl__free(E->subfam);
    gmdl__free(E->marg);
    gmdl__free(E->subv);
}

/* counts = expected counts and *ll = the observed-data log-likelihood at the factors' theta.
 * Rows are split statically over the threads, and the threads' sums are added in thread order,
 * so the result depends on the thread count only through that order. */
static gmdl_status estep(const learn_ctx *L,
                         const gmdl_bn *bn,
                         const gmdl_exact_config *ex,
                         double *counts,
                         double *ll,
                         gmdl_err *err) {
    int nt = 1;
#ifdef _OPENMP
    nt = omp_get_max_threads();
#endif
    estep_thread *E = gmdl__calloc((size_t)nt, sizeof *E);
    if (!E)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    gmdl_status s = GMDL_OK;
    size_t msize = gmdl_bn_marginal_size(bn);
    for (int t = 0; t < nt && !s; t++) {
        E[t].counts = gmdl__calloc(L->total + 1, sizeof(double));
        E[t].fambuf = gmdl__calloc(L->total + 1, sizeof(double));
        E[t].sub = gmdl__calloc(L->V + 1, sizeof(gmdl_factor));
        E[t].subfam = gmdl__calloc(L->V + 1, sizeof(double *));
        E[t].subv = gmdl__calloc(L->V + 1, sizeof(size_t));
        E[t].marg = gmdl__calloc(msize + 1, sizeof(double));
        if (!E[t].counts || !E[t].fambuf || !E[t].sub || !E[t].subfam || !E[t].subv || !E[t].marg)
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory for the E-step");
    }
    if (!s) {
#pragma omp parallel num_threads(nt)
        {
            int t = 0;
#ifdef _OPENMP
            t = omp_get_thread_num();
#endif
            size_t lo, hi;
            gmdl__thread_range(L->nd, 1, &lo, &hi);
            for (size_t r = lo; r < hi && !E[t].s; r++)
                E[t].s = estep_row(L, bn, ex, r, &E[t]);
        }
        memset(counts, 0, L->total * sizeof *counts);
        *ll = 0.0;
        for (int t = 0; t < nt; t++) {
            if (E[t].s && !s) {
                s = E[t].s;
                if (err)
                    *err = E[t].err;
            }
            for (size_t i = 0; i < L->total; i++)
                counts[i] += E[t].counts[i];
            *ll += E[t].ll;
        }
    }
    for (int t = 0; t < nt; t++)
        thread_free(&E[t]);
    gmdl__free(E);
    return s;
}

/* The junction tree of the worst evidence pattern (every node missing in some row unobserved)
 * must fit in ex->max_mem: EM says so before it starts rather than failing in a row. */
static gmdl_status
check_memory(const learn_ctx *L, const gmdl_bn *bn, const gmdl_exact_config *ex, gmdl_err *err) {
    int32_t *ev = gmdl__malloc((L->V + 1) * sizeof *ev);
    if (!ev)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    for (size_t v = 0; v < L->V; v++)
        ev[v] = 0;
    for (size_t r = 0; r < L->nd; r++)
        for (size_t v = 0; v < L->V; v++)
            if (L->row[r][v] < 0)
                ev[v] = -1;
    gmdl_exact_stats st;
    gmdl_status s = gmdl__jt_plan(L->V, bn->card, L->V, L->fac, ev, ex,
                                  (const char *const *)bn->names, &st, err);
    gmdl__free(ev);
    if (s == GMDL_ELIMIT && err) {
        char m[sizeof err->msg];
        snprintf(m, sizeof m, "%s", err->msg);
        snprintf(err->msg, sizeof err->msg,
                 "the network is too big for EM with these missing cells: %.900s", m);
    }
    return s;
}

/* Counts of the family configurations over the rows whose whole family is observed (all rows
 * for complete data). */
static void family_counts(const learn_ctx *L, double *counts) {
    memset(counts, 0, L->total * sizeof *counts);
    for (size_t r = 0; r < L->nd; r++)
        for (size_t v = 0; v < L->V; v++) {
            const gmdl_factor *f = &L->fac[v];
            int ok = 1;
            for (size_t k = 0; k < f->nvars; k++)
                ok &= L->row[r][f->vars[k]] >= 0;
            if (ok)
                counts[L->off[v] + cpt_index(L, v, L->row[r])] += L->w[r];
        }
}

/* Starting CPTs for EM: available-case counts plus one pseudo-count per entry, so every row has
 * positive probability. */
static void em_start(const learn_ctx *L, const gmdl_bn *bn, double *counts, double *theta) {
    family_counts(L, counts);
    for (size_t i = 0; i < L->total; i++)
        counts[i] += 1.0;
    mstep(L, bn, counts, theta);
}

static gmdl_status check_data(const gmdl_bn *bn,
                              const gmdl_bn_data *data,
                              const gmdl_bn_learn_config *cfg,
                              gmdl_err *err) {
    if (!cfg || !data || (!data->x && data->nrows))
        return gmdl__fail(err, GMDL_EINVAL, "need data and a configuration");
    if (data->nvars != bn->nvars)
        return gmdl__fail(err, GMDL_EINVAL, "the data has %zu variables, the network %zu",
                          data->nvars, bn->nvars);
    if (data->nrows == 0)
        return gmdl__fail(err, GMDL_EINVAL, "no data rows");
    if (!(cfg->ess >= 0.0) || cfg->max_iter < 1 || !(cfg->tol >= 0.0))
        return gmdl__fail(err, GMDL_EINVAL, "need ess >= 0, max_iter >= 1 and tol >= 0");
    for (size_t i = 0; i < data->nrows * data->nvars; i++) {
        int32_t x = data->x[i];
        if (x < -1 || (x >= 0 && (uint32_t)x >= bn->card[i % data->nvars]))
            return gmdl__fail(err, GMDL_EINVAL, "row %zu, node %s: state %d out of range",
                              i / data->nvars, bn->names[i % data->nvars], (int)x);
    }
    return GMDL_OK;
}

/* Appends L (and the objective) to the stats' traces. */
static void record(gmdl_bn_learn_stats *st, double ll, double obj) {
    st->loglik[st->iterations] = ll;
    st->objective[st->iterations] = obj;
    st->iterations++;
}

/* EM (or the one pass of complete data) into theta; the traces go into st. */
static gmdl_status learn_run(learn_ctx *L,
                             const gmdl_bn *bn,
                             const gmdl_bn_learn_config *cfg,
                             gmdl_bn_learn_stats *st,
                             double *counts,
                             double *theta,
                             gmdl_err *err) {
    double ll = 0.0;
    gmdl_status s;
    if (!st->em) { /* complete data: the counts in one pass, and L = sum counts log theta */
        family_counts(L, counts);
        mstep(L, bn, counts, theta);
        ll = 0.0;
        for (size_t i = 0; i < L->total; i++)
            ll += counts[i] > 0.0 ? counts[i] * log(theta[i]) : 0.0;
        record(st, ll, ll + log_prior(L, theta));
        return GMDL_OK;
    }
    if ((s = check_memory(L, bn, &cfg->exact, err)))
        return s;
    em_start(L, bn, counts, theta);
    for (int it = 0; it < cfg->max_iter; it++) {
        fill_factors(L, theta);
        if ((s = estep(L, bn, &cfg->exact, counts, &ll, err)))
            return s;
        double obj = ll + log_prior(L, theta);
        record(st, ll, obj);
        if (it > 0 && obj - st->objective[it - 1] <= cfg->tol * (1.0 + fabs(obj)))
            break;
        if (it + 1 < cfg->max_iter)
            mstep(L, bn, counts, theta);
    }
    return GMDL_OK;
}

gmdl_status gmdl_bn_learn(gmdl_bn *bn,
                          gmdl_bn_learn_stats *stats,
                          const gmdl_bn_data *data,
                          const gmdl_bn_learn_config *cfg,
                          gmdl_err *err) {
    if (!bn || !stats)
        return gmdl__fail(err, GMDL_EINVAL, "need a network and a statistics output");
    memset(stats, 0, sizeof *stats);
    gmdl_status s = check_data(bn, data, cfg, err);
    if (s)
        return s;
    learn_ctx L;
    if ((s = ctx_init(&L, bn, data, cfg->ess, err))) {
        ctx_free(&L);
        return s;
    }
    stats->rows = data->nrows;
    stats->distinct = L.nd;
    for (size_t i = 0; i < data->nrows * data->nvars; i++)
        stats->missing_cells += data->x[i] < 0;
    stats->em = stats->missing_cells > 0;
    size_t cap = stats->em ? (size_t)cfg->max_iter : 1;
    stats->loglik = gmdl__malloc(cap * sizeof(double));
    stats->objective = gmdl__malloc(cap * sizeof(double));
    double *counts = gmdl__malloc((L.total + 1) * sizeof(double));
    double *theta = gmdl__malloc((L.total + 1) * sizeof(double));
    if (!stats->loglik || !stats->objective || !counts || !theta)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if (!s)
        s = learn_run(&L, bn, cfg, stats, counts, theta, err);
    for (size_t v = 0; v < L.V && !s; v++)
        memcpy(bn->cpt[v], theta + L.off[v], (L.off[v + 1] - L.off[v]) * sizeof(double));
    gmdl__free(counts);
    gmdl__free(theta);
    ctx_free(&L);
    if (s)
        gmdl_bn_learn_stats_fini(stats);
    return s;
}

void gmdl_bn_learn_stats_fini(gmdl_bn_learn_stats *st) {
    if (!st)
        return;
    gmdl__free(st->loglik);
    gmdl__free(st->objective);
    memset(st, 0, sizeof *st);
}
