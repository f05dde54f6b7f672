/* Tail probabilities for the Wald and likelihood-ratio tests of the Cox fit. */
#include "survival/survival_internal.h"

double gmdl__p_normal2(double z) {
    return erfc(fabs(z) / sqrt(2.0));
}

/* Regularised upper incomplete gamma Q(a, x): the series for x < a + 1, else Lentz's continued
 * fraction. */
static double gamma_q(double a, double x) {
    if (!(x > 0.0))
        return 1.0;
    double lg = lgamma(a);
    if (x < a + 1.0) {
        double term = 1.0 / a, sum = term;
        for (int k = 1; k < 1000; k++) {
            term *= x / (a + k);
            sum += term;
            if (fabs(term) < fabs(sum) * 1e-16)
                break;
        }
        return 1.0 - sum * exp(-x + a * log(x) - lg);
    }
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 1000; i++) {
        double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        d = fabs(d) < tiny ? tiny : d;
        c = b + an / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-16)
            break;
    }
    return exp(-x + a * log(x) - lg) * h;
}

double gmdl__p_chisq(double x, double df) {
    return gamma_q(0.5 * df, 0.5 * x);
}
