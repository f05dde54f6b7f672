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

double ref_lr(int schedule, double lr, int e, int E, int t, int steps) {
    const double pi = 3.14159265358979323846;
    switch (schedule) {
        case 0: /* constant */
            return lr;
        case 2: /* linear: lr (E - e) / E, not below 0 */
            return lr * fmax(0.0, (double)(E - e) / E);
        case 3: /* constant, then linear: lr min(2 - 2 e / E, 1), not below 0 */
            return lr * fmin(1.0, fmax(0.0, 2.0 - 2.0 * e / E));
        default: { /* cosine over the fraction p of the run done, per step */
            double p = fmin(1.0, (e + (double)t / steps) / E);
            return lr * 0.5 * (1.0 + cos(pi * p));
        }
    }
}

double ref_kl_weight(int e, int start, int len) {
    if (e < start)
        return 0.0;
    return len <= 0 ? 1.0 : fmin(1.0, (double)(e - start) / len);
}
