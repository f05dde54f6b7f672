/* Junction tree, the clique-table arithmetic of the assign and calibrate phases: products, sums
 * onto a sub-scope, rescaling and ranges, on linear tables (each with one log scale, kept by the
 * caller) or on log tables. */
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

#define PLAN_LOOP(big, L, BODY)                                                                    \
    do {                                                                                           \
        size_t ctr_[PGM_MAX_SCOPE] = {0};                                                          \
        size_t j = 0;                                                                              \
        for (size_t i0 = 0; i0 < (big)->size; i0 += (L)->block) {                                  \
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

static void lin_mul_into(gmdl_factor *big, const gmdl_factor *sub) {
    loop_plan L;
    make_plan(big, sub, &L);
    double *b = big->logp;
    const double *s = sub->logp;
    size_t B = L.block;
    if (L.contiguous)
        PLAN_LOOP(big, &L, {
            for (size_t t = 0; t < B; t++)
                b[i0 + t] *= s[j + t];
        });
    else
        PLAN_LOOP(big, &L, {
            double c = s[j];
            for (size_t t = 0; t < B; t++)
                b[i0 + t] *= c;
        });
}

void gmdl__jt_set(gmdl_factor *big, const gmdl_factor *sub) {
    loop_plan L;
    make_plan(big, sub, &L);
    double *b = big->logp;
    const double *s = sub->logp;
    size_t B = L.block;
    if (L.contiguous)
        PLAN_LOOP(big, &L, {
            for (size_t t = 0; t < B; t++)
                b[i0 + t] = s[j + t];
        });
    else
        PLAN_LOOP(big, &L, {
            double c = s[j];
            for (size_t t = 0; t < B; t++)
                b[i0 + t] = c;
        });
}

static void lin_sum_into(const gmdl_factor *big, gmdl_factor *sub) {
    loop_plan L;
    make_plan(big, sub, &L);
    const double *b = big->logp;
    double *s = sub->logp;
    size_t B = L.block;
    for (size_t k = 0; k < sub->size; k++)
        s[k] = 0.0;
    if (L.contiguous)
        PLAN_LOOP(big, &L, {
            for (size_t t = 0; t < B; t++)
                s[j + t] += b[i0 + t];
        });
    else
        PLAN_LOOP(big, &L, {
            double acc = 0.0;
            for (size_t t = 0; t < B; t++)
                acc += b[i0 + t];
            s[j] += acc;
        });
}

/* Divides by the maximum (if positive) and returns its log. */
static double lin_rescale(gmdl_factor *f) {
    double m = 0.0;
    for (size_t i = 0; i < f->size; i++)
        if (f->logp[i] > m)
            m = f->logp[i];
    if (m <= 0.0)
        return 0.0;
    double inv = 1.0 / m;
    for (size_t i = 0; i < f->size; i++)
        f->logp[i] *= inv;
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
    for (size_t i = 0; i < f->size; i++)
        if (f->logp[i] > 0.0 && f->logp[i] < mn)
            mn = f->logp[i];
    return -log(mn);
}
