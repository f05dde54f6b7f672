/* Discrete factors in log space: product, marginalisation (log-sum-exp), evidence reduction and
 * normalisation. Tables are row-major over a sorted scope, last variable fastest. The loops walk
 * the big table once with an odometer and keep the matching offset into the smaller table.
 *
 * Also the evidence check of every inference entry point, and the restriction of a whole factor
 * list to the evidence that both exact engines (ve.c and the junction tree) start from. */
#include "pgm_internal.h"

double gmdl__logsumexp(const double *x, size_t n) {
    double m = PGM_NEGINF;
    for (size_t i = 0; i < n; i++)
        if (x[i] > m)
            m = x[i];
    if (m == PGM_NEGINF)
        return PGM_NEGINF;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += exp(x[i] - m);
    return m + log(s);
}

static gmdl_status
scope_check(size_t nvars, const uint32_t *vars, const uint32_t *card, size_t *size, gmdl_err *err) {
    if (nvars > PGM_MAX_SCOPE)
        return gmdl__fail(err, GMDL_ELIMIT, "factor scope of %zu variables exceeds %d", nvars,
                          PGM_MAX_SCOPE);
    size_t n = 1;
    for (size_t i = 0; i < nvars; i++) {
        if (i > 0 && vars[i] <= vars[i - 1])
            return gmdl__fail(err, GMDL_EINVAL, "factor scope must be strictly increasing");
        if (card[i] == 0)
            return gmdl__fail(err, GMDL_EINVAL, "variable %u has cardinality 0", vars[i]);
        if (!gmdl__mul_ok(n, card[i], &n) || n > SIZE_MAX / sizeof(double))
            return gmdl__fail(err, GMDL_ELIMIT, "factor table too large");
    }
    *size = n;
    return GMDL_OK;
}

gmdl_status gmdl__factor_shape(
    gmdl_factor *f, size_t nvars, const uint32_t *vars, const uint32_t *card, gmdl_err *err) {
    memset(f, 0, sizeof *f);
    size_t size = 0;
    gmdl_status s = scope_check(nvars, vars, card, &size, err);
    if (s)
        return s;
    f->vars = gmdl__malloc((nvars ? nvars : 1) * sizeof *f->vars);
    f->card = gmdl__malloc((nvars ? nvars : 1) * sizeof *f->card);
    if (!f->vars || !f->card) {
        gmdl_factor_fini(f);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    if (nvars) {
        memcpy(f->vars, vars, nvars * sizeof *vars);
        memcpy(f->card, card, nvars * sizeof *card);
    }
    f->nvars = nvars;
    f->size = size;
    return GMDL_OK;
}

gmdl_status gmdl_factor_init(
    gmdl_factor *f, size_t nvars, const uint32_t *vars, const uint32_t *card, gmdl_err *err) {
    gmdl_status s = gmdl__factor_shape(f, nvars, vars, card, err);
    if (s)
        return s;
    if (!(f->logp = gmdl__malloc(f->size * sizeof *f->logp))) {
        size_t size = f->size;
        gmdl_factor_fini(f);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory allocating a factor of %zu entries",
                          size);
    }
    for (size_t i = 0; i < f->size; i++)
        f->logp[i] = 0.0;
    return GMDL_OK;
}

void gmdl_factor_fini(gmdl_factor *f) {
    if (!f)
        return;
    gmdl__free(f->vars);
    gmdl__free(f->card);
    gmdl__free(f->logp);
    memset(f, 0, sizeof *f);
}

void gmdl__sub_strides(const gmdl_factor *big, const gmdl_factor *sub, size_t *stride) {
    size_t st[PGM_MAX_SCOPE];
    size_t s = 1;
    for (size_t k = sub->nvars; k-- > 0;) {
        st[k] = s;
        s *= sub->card[k];
    }
    size_t j = 0;
    for (size_t k = 0; k < big->nvars; k++) {
        while (j < sub->nvars && sub->vars[j] < big->vars[k])
            j++;
        stride[k] = (j < sub->nvars && sub->vars[j] == big->vars[k]) ? st[j] : 0;
    }
}

void gmdl__factor_add_into(gmdl_factor *big, const gmdl_factor *sub) {
    size_t stride[PGM_MAX_SCOPE];
    gmdl__sub_strides(big, sub, stride);
    double *b = big->logp;
    const double *s = sub->logp;
    PGM_ODOMETER(big, stride, { b[i] += s[jj]; });
    /* -inf + -inf stays -inf; -inf + finite is -inf; no NaN unless a +inf is present. */
}

gmdl_status gmdl__factor_marg_into(const gmdl_factor *big, gmdl_factor *sub) {
    size_t stride[PGM_MAX_SCOPE];
    gmdl__sub_strides(big, sub, stride);
    const double *b = big->logp;
    double *s = sub->logp;
    if (big->size == sub->size) { /* same scope */
        memcpy(s, b, big->size * sizeof *s);
        return GMDL_OK;
    }
    for (size_t k = 0; k < sub->size; k++)
        s[k] = PGM_NEGINF;
    PGM_ODOMETER(big, stride, {
        if (b[i] > s[jj])
            s[jj] = b[i];
    });
    double *acc = gmdl__malloc(sub->size * sizeof *acc);
    if (!acc)
        return GMDL_ENOMEM;
    for (size_t k = 0; k < sub->size; k++)
        acc[k] = 0.0;
    PGM_ODOMETER(big, stride, {
        if (s[jj] != PGM_NEGINF)
            acc[jj] += exp(b[i] - s[jj]);
    });
    for (size_t k = 0; k < sub->size; k++)
        if (s[k] != PGM_NEGINF)
            s[k] += log(acc[k]);
    gmdl__free(acc);
    return GMDL_OK;
}

size_t
gmdl__scope_union(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *out) {
    size_t i = 0, j = 0, n = 0;
    while (i < na || j < nb) {
        if (j >= nb || (i < na && a[i] < b[j]))
            out[n++] = a[i++];
        else if (i >= na || b[j] < a[i])
            out[n++] = b[j++];
        else {
            out[n++] = a[i++];
            j++;
        }
    }
    return n;
}

gmdl_status
gmdl_factor_product(gmdl_factor *out, const gmdl_factor *a, const gmdl_factor *b, gmdl_err *err) {
    uint32_t vars[2 * PGM_MAX_SCOPE], card[2 * PGM_MAX_SCOPE];
    size_t n = gmdl__scope_union(a->vars, a->nvars, b->vars, b->nvars, vars);
    if (n > PGM_MAX_SCOPE)
        return gmdl__fail(err, GMDL_ELIMIT, "factor product scope of %zu variables exceeds %d", n,
                          PGM_MAX_SCOPE);
    for (size_t k = 0, i = 0, j = 0; k < n; k++) {
        while (i < a->nvars && a->vars[i] < vars[k])
            i++;
        while (j < b->nvars && b->vars[j] < vars[k])
            j++;
        if (i < a->nvars && a->vars[i] == vars[k])
            card[k] = a->card[i];
        else
            card[k] = b->card[j];
        if (i < a->nvars && a->vars[i] == vars[k] && j < b->nvars && b->vars[j] == vars[k] &&
            a->card[i] != b->card[j])
            return gmdl__fail(err, GMDL_ESHAPE, "variable %u has cardinality %u and %u", vars[k],
                              a->card[i], b->card[j]);
    }
    gmdl_status s = gmdl_factor_init(out, n, vars, card, err);
    if (s)
        return s;
    gmdl__factor_add_into(out, a);
    gmdl__factor_add_into(out, b);
    return GMDL_OK;
}

gmdl_status gmdl_factor_sum_out(
    gmdl_factor *out, const gmdl_factor *f, size_t nsum, const uint32_t *sum_vars, gmdl_err *err) {
    uint32_t vars[PGM_MAX_SCOPE], card[PGM_MAX_SCOPE];
    size_t n = 0;
    for (size_t k = 0; k < f->nvars; k++) {
        int drop = 0;
        for (size_t t = 0; t < nsum; t++)
            if (sum_vars[t] == f->vars[k])
                drop = 1;
        if (!drop) {
            vars[n] = f->vars[k];
            card[n++] = f->card[k];
        }
    }
    gmdl_status s = gmdl_factor_init(out, n, vars, card, err);
    if (s)
        return s;
    if ((s = gmdl__factor_marg_into(f, out))) {
        gmdl_factor_fini(out);
        return gmdl__fail(err, s, "out of memory");
    }
    return GMDL_OK;
}

gmdl_status gmdl__factor_restrict(gmdl_factor *out,
                                  const gmdl_factor *f,
                                  const int32_t *evidence,
                                  gmdl_err *err) {
    uint32_t vars[PGM_MAX_SCOPE], card[PGM_MAX_SCOPE];
    size_t n = 0, base = 0, st = 1;
    size_t stride[PGM_MAX_SCOPE];
    for (size_t k = f->nvars; k-- > 0;) {
        stride[k] = st;
        st *= f->card[k];
    }
    for (size_t k = 0; k < f->nvars; k++) {
        int32_t e = evidence ? evidence[f->vars[k]] : -1;
        if (e >= 0) {
            if ((uint32_t)e >= f->card[k])
                return gmdl__fail(err, GMDL_EINVAL,
                                  "evidence state %d of variable %u is out of "
                                  "range (cardinality %u)",
                                  e, f->vars[k], f->card[k]);
            base += (size_t)e * stride[k];
        } else {
            vars[n] = f->vars[k];
            card[n++] = f->card[k];
        }
    }
    gmdl_status s = gmdl_factor_init(out, n, vars, card, err);
    if (s)
        return s;
    /* Walk the output table; map to f's offset. */
    size_t ostride[PGM_MAX_SCOPE];
    for (size_t k = 0, t = 0; k < f->nvars; k++)
        if (!(evidence && evidence[f->vars[k]] >= 0))
            ostride[t++] = stride[k];
    size_t ctr[PGM_MAX_SCOPE] = {0};
    size_t j = base;
    for (size_t i = 0; i < out->size; i++) {
        out->logp[i] = f->logp[j];
        for (size_t k = n; k-- > 0;) {
            ctr[k]++;
            j += ostride[k];
            if (ctr[k] < card[k])
                break;
            j -= ostride[k] * card[k];
            ctr[k] = 0;
        }
    }
    return GMDL_OK;
}

gmdl_status gmdl_factor_reduce(
    gmdl_factor *out, const gmdl_factor *f, uint32_t var, uint32_t state, gmdl_err *err) {
    /* A small evidence array over the scope's variable ids would be large for big ids; build a
     * renumbered view instead. */
    gmdl_factor view = *f;
    uint32_t ids[PGM_MAX_SCOPE];
    int32_t ev[PGM_MAX_SCOPE];
    for (size_t k = 0; k < f->nvars; k++) {
        ids[k] = (uint32_t)k;
        ev[k] = f->vars[k] == var ? (int32_t)state : -1;
        if (f->vars[k] == var && state >= f->card[k])
            return gmdl__fail(err, GMDL_EINVAL,
                              "state %u of variable %u is out of range "
                              "(cardinality %u)",
                              state, var, f->card[k]);
    }
    view.vars = ids;
    gmdl_status s = gmdl__factor_restrict(out, &view, ev, err);
    if (s)
        return s;
    /* Put the real ids back. */
    for (size_t k = 0, t = 0; k < f->nvars; k++)
        if (f->vars[k] != var)
            out->vars[t++] = f->vars[k];
    return GMDL_OK;
}

double gmdl_factor_normalize(gmdl_factor *f) {
    double lz = gmdl__logsumexp(f->logp, f->size);
    if (lz == PGM_NEGINF)
        return lz;
    for (size_t i = 0; i < f->size; i++)
        f->logp[i] -= lz;
    return lz;
}

/* ------------------------------------------------------------------ evidence */

gmdl_status
gmdl__check_evidence(size_t nvars, const uint32_t *card, const int32_t *evidence, gmdl_err *err) {
    if (!evidence)
        return GMDL_OK;
    for (size_t v = 0; v < nvars; v++)
        if (evidence[v] >= (int32_t)card[v] || evidence[v] < -1)
            return gmdl__fail(err, GMDL_EINVAL,
                              "evidence state %d of variable %zu is out of range"
                              " (cardinality %u)",
                              evidence[v], v, card[v]);
    return GMDL_OK;
}

void gmdl__reduced_fini(pgm_reduced *P) {
    for (size_t i = 0; i < P->nred; i++)
        gmdl_factor_fini(&P->red[i]);
    gmdl__free(P->red);
    gmdl__free(P->ev);
    gmdl__free(P->active);
    memset(P, 0, sizeof *P);
}

gmdl_status gmdl__reduced_init(pgm_reduced *P,
                               size_t nvars,
                               const uint32_t *card,
                               size_t nfactors,
                               const gmdl_factor *factors,
                               const int32_t *evidence,
                               gmdl_err *err) {
    memset(P, 0, sizeof *P);
    gmdl_status s = gmdl__check_evidence(nvars, card, evidence, err);
    if (s)
        return s;
    P->nvars = nvars;
    P->card = card;
    P->ev = gmdl__malloc((nvars + 1) * sizeof *P->ev);
    P->active = gmdl__malloc(nvars + 1);
    P->red = gmdl__calloc(nfactors + 1, sizeof *P->red);
    if (!P->ev || !P->active || !P->red) {
        gmdl__reduced_fini(P);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    }
    for (size_t v = 0; v < nvars; v++) {
        P->ev[v] = evidence ? evidence[v] : -1;
        if (card[v] == 1)
            P->ev[v] = 0;
        P->active[v] = P->ev[v] < 0;
    }
    for (size_t f = 0; f < nfactors; f++) {
        gmdl_factor r;
        if ((s = gmdl__factor_restrict(&r, &factors[f], P->ev, err))) {
            gmdl__reduced_fini(P);
            return s;
        }
        if (r.nvars == 0) {
            P->log_const += r.logp[0];
            gmdl_factor_fini(&r);
        } else
            P->red[P->nred++] = r;
    }
    return GMDL_OK;
}
