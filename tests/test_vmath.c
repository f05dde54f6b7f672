/* The vectorisable transcendentals against libm over the whole float range (every 97th float
 * bit pattern, plus dense grids where the Bayesian layers use them) and at special values. */
#include <math.h>

#include "core/vmath.h"
#include "harness.h"

static double ulp_err(float got, float want) {
    if (isnan(want))
        return isnan(got) ? 0 : 1e9;
    if (isinf(want))
        return got == want ? 0 : 1e9;
    if (want == 0.0f || fabsf(want) < 1.17549435e-38f)
        return fabsf(got) < 1.2e-38f ? 0 : 1e9;
    float ulp = nextafterf(fabsf(want), INFINITY) - fabsf(want);
    return fabs((double)got - (double)want) / (double)ulp;
}

int main(void) {
    double worst_exp = 0, worst_log = 0, worst_l1p = 0, worst_sig = 0, worst_sp = 0;
    for (uint64_t b = 0; b <= 0xffffffffu; b += 97) {
        float x = gmdl__as_float((uint32_t)b);
        double e = ulp_err(gmdl__expf(x), expf(x));
        if (e > worst_exp)
            worst_exp = e;
        if (x > 0 || x == 0) {
            double l = ulp_err(gmdl__logf(x), logf(x));
            if (l > worst_log)
                worst_log = l;
        }
    }
    for (int i = -300000; i <= 300000; i++) {
        float x = (float)i * 1e-4f; /* [-30, 30] */
        double s = fabs((double)gmdl__sigmoidf(x) - 1.0 / (1.0 + exp(-(double)x)));
        if (s > worst_sig)
            worst_sig = s;
        double sp = log1p(exp((double)x));
        double r = fabs((double)gmdl__softplusf(x) - sp) / (sp > 1e-30 ? sp : 1e-30);
        if (r > worst_sp)
            worst_sp = r;
        if (x > -1.0f) {
            double want = log1p((double)x);
            double rr =
                fabs((double)gmdl__log1pf(x) - want) / (fabs(want) > 1e-30 ? fabs(want) : 1);
            if (rr > worst_l1p)
                worst_l1p = rr;
        }
    }
    for (int k = -40; k < 0; k++) { /* tiny arguments of log1p */
        float u = ldexpf(1.0f, k);
        double rr = fabs((double)gmdl__log1pf(u) - log1p((double)u)) / log1p((double)u);
        if (rr > worst_l1p)
            worst_l1p = rr;
    }
    printf("max error: expf %.2f ulp, logf %.2f ulp, log1pf %.2e rel, sigmoid %.2e abs, softplus "
           "%.2e rel\n",
           worst_exp, worst_log, worst_l1p, worst_sig, worst_sp);
    CHECK(worst_exp <= 3.0);
    CHECK(worst_log <= 3.0);
    CHECK(worst_l1p <= 5e-7);
    CHECK(worst_sig <= 2e-7);
    CHECK(worst_sp <= 1e-6);
    /* special values */
    CHECK(isnan(gmdl__expf(NAN)));
    CHECK(gmdl__expf(INFINITY) == INFINITY);
    CHECK(gmdl__expf(-INFINITY) == 0.0f);
    CHECK(gmdl__expf(100.0f) == INFINITY);
    CHECK(gmdl__expf(-200.0f) == 0.0f);
    CHECK(gmdl__expf(0.0f) == 1.0f);
    CHECK(gmdl__logf(0.0f) == -INFINITY);
    CHECK(gmdl__logf(-0.0f) == -INFINITY);
    CHECK(isnan(gmdl__logf(-1.0f)));
    CHECK(isnan(gmdl__logf(NAN)));
    CHECK(gmdl__logf(INFINITY) == INFINITY);
    CHECK(gmdl__logf(1.0f) == 0.0f);
    CHECK(isnan(gmdl__sigmoidf(NAN)));
    CHECK(gmdl__sigmoidf(INFINITY) == 1.0f);
    CHECK(gmdl__sigmoidf(-INFINITY) == 0.0f);
    CHECK(isnan(gmdl__softplusf(NAN)));
    CHECK(gmdl__softplusf(INFINITY) == INFINITY);
    CHECK(gmdl__softplusf(-INFINITY) == 0.0f);
    CHECK(gmdl__softplusf(200.0f) == 200.0f);
    TEST_MAIN_END();
}
