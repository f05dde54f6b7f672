/* Scalar twins of nn/optim.c's Adam and SGD steps (see ref.h), in double from the textbook
 * updates. */
#include <math.h>

#include "ref/ref.h"

void ref_adam(double p,
              double g,
              double m,
              double v,
              double lr,
              double b1,
              double b2,
              double eps,
              double wd,
              unsigned long long t,
              double *p1,
              double *m1,
              double *v1) {
    g += wd * p;
    *m1 = b1 * m + (1.0 - b1) * g;
    *v1 = b2 * v + (1.0 - b2) * g * g;
    double mhat = *m1 / (1.0 - pow(b1, (double)t)), vhat = *v1 / (1.0 - pow(b2, (double)t));
    *p1 = p - lr * mhat / (sqrt(vhat) + eps);
}

void ref_sgd(
    double p, double g, double buf, double lr, double mu, double wd, double *p1, double *buf1) {
    *buf1 = mu * buf + g + wd * p;
    *p1 = p - lr * *buf1;
}
