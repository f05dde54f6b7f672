/* Internal helpers of the uq module. */
#ifndef GMDL_UQ_INTERNAL_H
#define GMDL_UQ_INTERNAL_H

#include "common.h"

/* Solves (A) x = b for symmetric positive definite A [M, M] (overwritten by its Cholesky factor L,
 * lower triangle) and b [M] (overwritten by x); *logdet receives log|A| when not NULL. Returns 0,
 * or -1 when A is not positive definite (numerically). */
int gmdl__uq_cholesky_solve(double *A, double *b, int M, double *logdet);
/* Design row of x for the basis: poly: x^0..x^c (M = c + 1); rbf: 1 and c Gaussian bumps
 * exp(-(x - mu_k)^2 / (2 s^2)) with centres mu_k = lo + (k + 0.5) (hi - lo) / c, s = (hi - lo) / c
 * (M = c + 1). */
void gmdl__uq_basis_row(double *phi, double x, int basis, int c, double lo, double hi);

#endif
