/* Small dense linear algebra for the uq module: Cholesky solves and basis functions. */
#include "uq/uq_internal.h"

int gmdl__uq_cholesky_solve(double *A, double *b, int M, double *logdet) {
    double ld = 0.0;
    for (int j = 0; j < M; j++) {
        double d = A[j * M + j];
        for (int k = 0; k < j; k++)
            d -= A[j * M + k] * A[j * M + k];
        if (!(d > 0.0))
            return -1;
        A[j * M + j] = sqrt(d);
        ld += 2.0 * log(A[j * M + j]);
        for (int i = j + 1; i < M; i++) {
            double s = A[i * M + j];
            for (int k = 0; k < j; k++)
                s -= A[i * M + k] * A[j * M + k];
            A[i * M + j] = s / A[j * M + j];
        }
    }
    for (int i = 0; i < M; i++) { /* L y = b */
        for (int k = 0; k < i; k++)
            b[i] -= A[i * M + k] * b[k];
        b[i] /= A[i * M + i];
    }
    for (int i = M - 1; i >= 0; i--) { /* L^T x = y */
        for (int k = i + 1; k < M; k++)
            b[i] -= A[k * M + i] * b[k];
        b[i] /= A[i * M + i];
    }
    if (logdet)
        *logdet = ld;
    return 0;
}

void gmdl__uq_basis_row(double *phi, double x, int basis, int c, double lo, double hi) {
    phi[0] = 1.0;
    if (basis == 0) {
        for (int j = 1; j <= c; j++)
            phi[j] = phi[j - 1] * x;
        return;
    }
    const double s = (hi - lo) / c;
    for (int k = 0; k < c; k++) {
        double mu = lo + (k + 0.5) * s, d = (x - mu) / s;
        phi[k + 1] = exp(-0.5 * d * d);
    }
}
