/* Model evidence of Bayesian linear regression (Bishop, PRML 3.4-3.5): t = Phi w + noise,
 * w ~ N(0, alpha^-1 I), noise ~ N(0, beta^-1). With A = alpha I + beta Phi^T Phi and
 * m = beta A^-1 Phi^T t,
 *   ln p(t) = M/2 ln alpha + N/2 ln beta - E(m) - 1/2 ln|A| - N/2 ln(2 pi),
 *   E(m) = beta/2 |t - Phi m|^2 + alpha/2 m^T m.
 * The training log-likelihood is that of the least-squares weights at the same beta. */
#include "gmdl/uq.h"
#include "uq/uq_internal.h"

/* Phi^T Phi + ridge I into G [M, M] and Phi^T t into g [M]; sum t^2 into *tt. */
static void normal_equations(double *G,
                             double *g,
                             double *tt,
                             const double *x,
                             const double *t,
                             size_t n,
                             gmdl_basis basis,
                             int c,
                             double lo,
                             double hi,
                             double *phi) {
    const int M = c + 1;
    memset(G, 0, (size_t)M * M * sizeof(double));
    memset(g, 0, (size_t)M * sizeof(double));
    *tt = 0.0;
    for (size_t i = 0; i < n; i++) {
        gmdl__uq_basis_row(phi, x[i], (int)basis, c, lo, hi);
        for (int a = 0; a < M; a++) {
            g[a] += phi[a] * t[i];
            for (int b = 0; b < M; b++)
                G[a * M + b] += phi[a] * phi[b];
        }
        *tt += t[i] * t[i];
    }
}

/* |t - Phi w|^2, by a pass over the data */
static double sq_residual(const double *x,
                          const double *t,
                          size_t n,
                          gmdl_basis basis,
                          int c,
                          double lo,
                          double hi,
                          const double *w,
                          double *phi) {
    double r = 0.0;
    for (size_t i = 0; i < n; i++) {
        gmdl__uq_basis_row(phi, x[i], (int)basis, c, lo, hi);
        double y = 0.0;
        for (int a = 0; a <= c; a++)
            y += phi[a] * w[a];
        r += (t[i] - y) * (t[i] - y);
    }
    return r;
}

gmdl_status gmdl_blr_evidence(gmdl_evidence_point *out,
                              const double *x,
                              const double *t,
                              size_t n,
                              gmdl_basis basis,
                              int complexity,
                              double alpha,
                              double beta,
                              gmdl_err *err) {
    if (n < 1 || complexity < 0 || complexity > 64 || (basis == GMDL_BASIS_RBF && complexity < 1) ||
        !(alpha > 0) || !(beta > 0))
        return gmdl__fail(err, GMDL_EINVAL,
                          "evidence: need n >= 1, complexity in [0, 64] (rbf: >= 1), alpha > 0 "
                          "and beta > 0");
    double lo = x[0], hi = x[0];
    for (size_t i = 0; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    if (!(hi > lo))
        hi = lo + 1.0;
    const int M = complexity + 1;
    double *buf = gmdl__malloc((4 * (size_t)M * M + 4 * (size_t)M) * sizeof(double));
    if (!buf)
        return gmdl__fail(err, GMDL_ENOMEM, "evidence: out of memory");
    double *G = buf, *A = G + M * M, *L = A + M * M, *g = L + M * M, *m = g + M, *w = m + M,
           *phi = w + M, tt;
    normal_equations(G, g, &tt, x, t, n, basis, complexity, lo, hi, phi);
    double ldA, trace = 0.0;
    for (int a = 0; a < M * M; a++)
        A[a] = beta * G[a];
    for (int a = 0; a < M; a++) {
        A[a * M + a] += alpha;
        m[a] = beta * g[a];
        trace += G[a * M + a];
    }
    int bad = gmdl__uq_cholesky_solve(A, m, M, &ldA);
    /* least squares (a ridge of 1e-12 of the trace keeps a rank-deficient basis solvable) */
    memcpy(L, G, (size_t)M * M * sizeof(double));
    memcpy(w, g, (size_t)M * sizeof(double));
    for (int a = 0; a < M; a++)
        L[a * M + a] += 1e-12 * trace / M;
    bad |= gmdl__uq_cholesky_solve(L, w, M, NULL);
    if (bad) {
        gmdl__free(buf);
        return gmdl__fail(err, GMDL_ENUMERIC, "evidence: the normal equations are singular");
    }
    double mm = 0.0;
    for (int a = 0; a < M; a++)
        mm += m[a] * m[a];
    const double N = (double)n, l2pi = log(2.0 * 3.14159265358979323846);
    double E =
        0.5 * beta * sq_residual(x, t, n, basis, complexity, lo, hi, m, phi) + 0.5 * alpha * mm;
    out->complexity = complexity;
    out->params = M;
    out->log_evidence = 0.5 * M * log(alpha) + 0.5 * N * log(beta) - E - 0.5 * ldA - 0.5 * N * l2pi;
    out->train_loglik = 0.5 * N * log(beta) - 0.5 * N * l2pi -
                        0.5 * beta * sq_residual(x, t, n, basis, complexity, lo, hi, w, phi);
    gmdl__free(buf);
    return GMDL_OK;
}
