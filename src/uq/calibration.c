/* gmdl_calibration: the calibration metrics of given predictive probabilities, through the same
 * accumulator as gmdl_model_evaluate (model/calibration.c holds the formulas). */
#include "model/calibration.h"

#include "common.h"
#include "gmdl/uq.h"

gmdl_status gmdl_calibration(gmdl_eval_result *out,
                             const double *probs,
                             const int32_t *labels,
                             size_t n,
                             int classes,
                             gmdl_err *err) {
    if (n == 0 || classes < 2)
        return gmdl__fail(err, GMDL_EINVAL, "calibration: need at least one input and 2 classes");
    gmdl__calib c;
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < n; i++) {
        const double *p = probs + i * (size_t)classes;
        double sum = 0.0;
        for (int k = 0; k < classes; k++) {
            if (!(p[k] >= 0.0 && p[k] <= 1.0))
                return gmdl__fail(err, GMDL_EINVAL,
                                  "calibration: input %zu: probability %d is %g, not in [0, 1]", i,
                                  k, p[k]);
            sum += p[k];
        }
        if (fabs(sum - 1.0) > 1e-6 * classes)
            return gmdl__fail(err, GMDL_EINVAL,
                              "calibration: input %zu: probabilities sum to %.9g, not 1", i, sum);
        if (labels[i] < 0 || labels[i] >= classes)
            return gmdl__fail(err, GMDL_EINVAL,
                              "calibration: input %zu: label %d is outside [0, %d)", i,
                              (int)labels[i], classes);
        gmdl__calib_add(&c, p, classes, labels[i], gmdl__entropy(p, classes));
    }
    gmdl__calib_finish(&c, out);
    return GMDL_OK;
}
