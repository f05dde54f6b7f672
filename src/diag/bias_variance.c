/* The bias-variance decomposition of repeated estimates (see diag_internal.h): shared by the
 * risk sweep (services/risk.c) and gmdl_biasvar (uq/biasvar.c). */
#include "diag/diag_internal.h"

void gmdl__bias_variance(const double *est,
                         size_t R,
                         size_t dim,
                         const double *truth,
                         double *mean,
                         double *bias2,
                         double *variance) {
    for (size_t j = 0; j < dim; j++)
        mean[j] = 0.0;
    for (size_t r = 0; r < R; r++)
        for (size_t j = 0; j < dim; j++)
            mean[j] += est[r * dim + j] / (double)R;
    double var = 0.0, b2 = 0.0;
    for (size_t r = 0; r < R; r++)
        for (size_t j = 0; j < dim; j++)
            var += (est[r * dim + j] - mean[j]) * (est[r * dim + j] - mean[j]) / (double)R;
    for (size_t j = 0; j < dim; j++)
        b2 += (mean[j] - truth[j]) * (mean[j] - truth[j]);
    *bias2 = b2;
    *variance = var;
}
