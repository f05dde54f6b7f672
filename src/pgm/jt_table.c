/* Junction tree, the clique-table arithmetic of the assign and calibrate phases: products, sums
 * onto a sub-scope, rescaling and ranges, on linear tables (each with one log scale, kept by the
 * caller) or on log tables. */
#ifdef _OPENMP
#include <omp.h>
#endif

#include "jt.h"

/* Linear-space helpers for calibration: tables hold exp(log value - scale). The big table is
 * walked as outer odometer steps over a trailing block of dimensions that are either all absent
 * from sub (one sub entry for the whole block) or all present in sub and contiguous there (the
 * block matches a contiguous run of sub), which keeps the inner loops long and simple. */
typedef struct {
    size_t nout;
    size_t card[PGM_MAX_SCOPE], stride[PGM_MAX_SCOPE];
    size_t block;
    int contiguous;
} loop_plan;

static void make_plan(const gmdl_factor *big, const gmdl_factor *sub, loop_plan *L) {
    size_t stride[PGM_MAX_SCOPE];
    gmdl__sub_strides(big, sub, stride);
    size_t nb = big->nvars, k = nb;
    L->block = 1;
    L->contiguous = 0;
    if (nb > 0 && stride[nb - 1] == 0) {
        while (k > 0 && stride[k - 1] == 0)
            L->block *= big->card[--k];
    } else if (nb > 0 && stride[nb - 1] == 1) {
        L->contiguous = 1;
        while (k > 0 && stride[k - 1] == L->block)
            L->block *= big->card[--k];
    }
    L->nout = k;
    for (size_t t = 0; t < k; t++) {
        L->card[t] = big->card[t];
        L->stride[t] = stride[t];
    }
}

/* The odometer at outer step o (a block index): counters and the sub offset. */
static size_t plan_seek(const loop_plan *L, size_t o, size_t *ctr) {
    size_t j = 0;
    for (size_t k = L->nout; k-- > 0;) {
        ctr[k] = o % L->card[k];
        o /= L->card[k];
        j += ctr[k] * L->stride[k];
    }
    return j;
}

/* BODY for the outer steps [lo, hi), i0 the big offset and j the sub offset of each block. */
#define PLAN_LOOP(L, lo, hi, BODY)                                                                 \
    do {                                                                                           \
        size_t ctr_[PGM_MAX_SCOPE];                                                                \
        size_t j = plan_seek((L), (lo), ctr_);                                                     \
        for (size_t i0 = (lo) * (L)->block; i0 < (hi) * (L)->block; i0 += (L)->block) {            \
            BODY;                                                                                  \
            for (size_t k_ = (L)->nout; k_-- > 0;) {                                               \
                ctr_[k_]++;                                                                        \
                j += (L)->stride[k_];                                                              \
                if (ctr_[k_] < (L)->card[k_])                                                      \
                    break;                                                                         \
                j -= (L)->stride[k_] * (L)->card[k_];                                              \
                ctr_[k_] = 0;                                                                      \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* ---------------------------------------------------------------- threads
 * A table of PAR_MIN entries or more is split between the threads of the caller's OpenMP team
 * size (omp_get_max_threads; 1 inside a parallel region). Products split the big table into
 * contiguous runs of blocks (disjoint writes). A sum onto sub needs the threads to write
 * disjoint sub entries: the outer steps are split as (prefix, range of the first outer dimension
 * d in sub, rest); different values of d's variable land in different sub entries, and when
 * every outer dimension after d is in sub too, any range of (d, rest) does. Each sub entry then
 * receives its terms in the sequential order, so a sum is bitwise the same for every thread count.
 * When no outer dimension is in sub the sum runs on one thread; a sum onto a small sub is cut
 * into fixed runs instead (small_sum). Below PAR_MIN (2 MiB of doubles) waking the threads cost
 * more than they saved on the UAI instances. */
#define PAR_MIN ((size_t)1 << 18)

typedef struct {
    gmdl_factor *big;
    const gmdl_factor *cbig;
    const gmdl_factor *csub;
    gmdl_factor *sub;
    const loop_plan *L;
} op_args;

typedef void (*range_fn)(const op_args *a, size_t lo, size_t hi);

static int team_size(size_t size) {
#ifdef _OPENMP
    if (size >= PAR_MIN && !omp_in_parallel())
        return omp_get_max_threads();
#endif
    (void)size;
    return 1;
}

/* Splits the outer steps between nt threads; disjoint: the sum's split (see above). Returns 0
 * when the sum cannot be split (no outer dimension in sub). */
static int split_plan(const loop_plan *L, int disjoint, size_t *P, size_t *W, size_t *unit) {
    size_t nouter = 1;
    for (size_t k = 0; k < L->nout; k++)
        nouter *= L->card[k];
    *P = 1, *W = nouter, *unit = 1;
    if (!disjoint)
        return 1;
    size_t d = 0;
    while (d < L->nout && L->stride[d] == 0)
        d++;
    if (d == L->nout)
        return 0;
    size_t R = 1;
    int rest_in_sub = 1;
    for (size_t k = d + 1; k < L->nout; k++) {
        R *= L->card[k];
        rest_in_sub &= L->stride[k] != 0;
    }
    *W = L->card[d] * R;
    *P = nouter / *W;
    *unit = rest_in_sub ? 1 : R;
    return 1;
}

static void
run_split(const loop_plan *L, size_t size, int disjoint, range_fn fn, const op_args *a) {
    int nt = team_size(size);
    size_t P, W, unit;
    if (nt < 2 || !split_plan(L, disjoint, &P, &W, &unit) || W / unit < 2) {
        fn(a, 0, size / L->block);
        return;
    }
#ifdef _OPENMP
    size_t units = W / unit;
    if ((size_t)nt > units)
        nt = (int)units;
#pragma omp parallel num_threads(nt)
    {
        size_t tid = (size_t)omp_get_thread_num(), n = (size_t)omp_get_num_threads();
        size_t lo = units * tid / n * unit, hi = units * (tid + 1) / n * unit;
        for (size_t p = 0; p < P && lo < hi; p++)
            fn(a, p * W + lo, p * W + hi);
    }
#endif
}

static void mul_range(const op_args *a, size_t lo, size_t hi) {
    double *b = a->big->logp;
    const double *s = a->csub->logp;
    size_t B = a->L->block;
    if (a->L->contiguous)
        PLAN_LOOP(a->L, lo, hi, {
            for (size_t t = 0; t < B; t++)
                b[i0 + t] *= s[j + t];
        });
    else
        PLAN_LOOP(a->L, lo, hi, {
            double c = s[j];
            for (size_t t = 0; t < B; t++)
                b[i0 + t] *= c;
        });
}

static void set_range(const op_args *a, size_t lo, size_t hi) {
    double *b = a->big->logp;
    const double *s = a->csub->logp;
    size_t B = a->L->block;
    if (a->L->contiguous)
        PLAN_LOOP(a->L, lo, hi, { memcpy(b + i0, s + j, B * sizeof *b); });
    else
        PLAN_LOOP(a->L, lo, hi, {
            double c = s[j];
            for (size_t t = 0; t < B; t++)
                b[i0 + t] = c;
        });
}

/* Adds the big entries of outer steps [lo, hi) onto sub (zeroed by the caller). */
static void sum_range(const op_args *a, size_t lo, size_t hi) {
    const double *b = a->cbig->logp;
    double *s = a->sub->logp;
    size_t B = a->L->block;
    if (a->L->contiguous)
        PLAN_LOOP(a->L, lo, hi, {
            for (size_t t = 0; t < B; t++)
                s[j + t] += b[i0 + t];
        });
    else
        PLAN_LOOP(a->L, lo, hi, {
            double acc = 0.0;
            for (size_t t = 0; t < B; t++)
                acc += b[i0 + t];
            s[j] += acc;
        });
}

static void lin_mul_into(gmdl_factor *big, const gmdl_factor *sub) {
    loop_plan L;
    make_plan(big, sub, &L);
    op_args a = {big, big, sub, NULL, &L};
    run_split(&L, big->size, 0, mul_range, &a);
}

void gmdl__jt_set(gmdl_factor *big, const gmdl_factor *sub) {
    loop_plan L;
    make_plan(big, sub, &L);
    op_args a = {big, big, sub, NULL, &L};
    run_split(&L, big->size, 0, set_range, &a);
}

/* A big table summed onto a small sub (a variable's marginal): every thread would write the
 * same few cache lines, so the table is cut into SMALL_CHUNKS fixed runs of outer steps, each
 * summed into its own partial, and the partials added in run order. The cut does not depend on
 * the thread count, so neither does the result. */
#define SMALL_SUB    512
#define SMALL_CHUNKS 16

static void small_sum(const loop_plan *L, const gmdl_factor *big, gmdl_factor *sub) {
    double part[SMALL_CHUNKS][SMALL_SUB];
    size_t nouter = big->size / L->block, n = sub->size;
    int nt = team_size(big->size);
    (void)nt;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (size_t c = 0; c < SMALL_CHUNKS; c++) {
        gmdl_factor pc = *sub;
        pc.logp = part[c];
        memset(part[c], 0, n * sizeof part[c][0]);
        op_args a = {NULL, big, NULL, &pc, L};
        sum_range(&a, nouter * c / SMALL_CHUNKS, nouter * (c + 1) / SMALL_CHUNKS);
    }
    for (size_t k = 0; k < n; k++) {
        double acc = 0.0;
        for (size_t c = 0; c < SMALL_CHUNKS; c++)
            acc += part[c][k];
        sub->logp[k] = acc;
    }
}

static void lin_sum_into(const gmdl_factor *big, gmdl_factor *sub) {
    loop_plan L;
    make_plan(big, sub, &L);
    if (big->size >= PAR_MIN && sub->size <= SMALL_SUB) {
        small_sum(&L, big, sub);
        return;
    }
    double *s = sub->logp;
    int nt = team_size(sub->size);
    if (nt > 1) {
#pragma omp parallel for schedule(static) num_threads(nt)
        for (size_t k = 0; k < sub->size; k++)
            s[k] = 0.0;
    } else
        memset(s, 0, sub->size * sizeof *s);
    op_args a = {NULL, big, NULL, sub, &L};
    run_split(&L, big->size, 1, sum_range, &a);
}

/* The largest entry (at least 0) and x *= c, threaded for big tables (never a parallel region
 * for a small one: entering even a one-thread region costs more than a small table's work). */
static double max_entry(const double *x, size_t n) {
    double m = 0.0;
    int nt = team_size(n);
    if (nt > 1) {
#pragma omp parallel for schedule(static) num_threads(nt) reduction(max : m)
        for (size_t i = 0; i < n; i++)
            m = x[i] > m ? x[i] : m;
    } else
        for (size_t i = 0; i < n; i++)
            m = x[i] > m ? x[i] : m;
    return m;
}

static void scale_by(double *x, size_t n, double c) {
    int nt = team_size(n);
    if (nt > 1) {
#pragma omp parallel for schedule(static) num_threads(nt)
        for (size_t i = 0; i < n; i++)
            x[i] *= c;
    } else
        for (size_t i = 0; i < n; i++)
            x[i] *= c;
}

/* Divides by the maximum (if positive) and returns its log. */
static double lin_rescale(gmdl_factor *f) {
    double m = max_entry(f->logp, f->size);
    if (m <= 0.0)
        return 0.0;
    scale_by(f->logp, f->size, 1.0 / m);
    return log(m);
}

void gmdl__jt_mul(int lg, gmdl_factor *big, const gmdl_factor *sub) {
    if (lg)
        gmdl__factor_add_into(big, sub);
    else
        lin_mul_into(big, sub);
}

gmdl_status gmdl__jt_sum(int lg, const gmdl_factor *big, gmdl_factor *sub) {
    if (lg)
        return gmdl__factor_marg_into(big, sub);
    lin_sum_into(big, sub);
    return GMDL_OK;
}

double gmdl__jt_rescale(int lg, gmdl_factor *f) {
    if (!lg)
        return lin_rescale(f);
    double m = PGM_NEGINF;
    for (size_t i = 0; i < f->size; i++)
        if (f->logp[i] > m)
            m = f->logp[i];
    if (m == PGM_NEGINF)
        return 0.0;
    for (size_t i = 0; i < f->size; i++)
        f->logp[i] -= m;
    return m;
}

double gmdl__jt_range(const gmdl_factor *f) {
    double mn = 1.0;
    const double *x = f->logp;
    int nt = team_size(f->size);
    if (nt > 1) {
#pragma omp parallel for schedule(static) num_threads(nt) reduction(min : mn)
        for (size_t i = 0; i < f->size; i++)
            mn = x[i] > 0.0 && x[i] < mn ? x[i] : mn;
    } else
        for (size_t i = 0; i < f->size; i++)
            mn = x[i] > 0.0 && x[i] < mn ? x[i] : mn;
    return -log(mn);
}
