/* The validation split (gmdl_dataset_holdout) and compression to an error budget
 * (gmdl_model_budget_search): the split's parts, the search's promise (the chosen bound within
 * the budget, the model unchanged) and that the model it chooses is the one compress writes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gmdl/gmdl.h"
#include "harness.h"
#include "idx_fixture.h"

static void fx_free(gmdl_dataset *d) {
    free(d->x);
    free(d->y);
}

static void check_holdout(void) {
    gmdl_dataset all = fx_dataset(200, 5);
    for (size_t i = 0; i < all.n; i++)
        all.x[i * all.dim] = (float)i; /* each image's first pixel names it */
    gmdl_err e = {{0}};
    gmdl_dataset rest, val, rest2, val2;
    REQUIRE_OK(gmdl_dataset_holdout(&rest, &val, &all, 50, 3, &e));
    CHECK_EQ(val.n, 50);
    CHECK_EQ(rest.n, 150);
    int seen[200] = {0};
    for (size_t i = 0; i < rest.n; i++) {
        size_t k = (size_t)rest.x[i * all.dim];
        seen[k]++;
        CHECK_EQ(rest.y[i], all.y[k]);
        if (i)
            CHECK(rest.x[i * all.dim] > rest.x[(i - 1) * all.dim]); /* in their order */
    }
    for (size_t i = 0; i < val.n; i++) {
        size_t k = (size_t)val.x[i * all.dim];
        seen[k]++;
        CHECK_EQ(val.y[i], all.y[k]);
    }
    int once = 1;
    for (int i = 0; i < 200; i++)
        once &= seen[i] == 1;
    CHECK(once); /* every image in exactly one part */
    REQUIRE_OK(gmdl_dataset_holdout(NULL, &val2, &all, 50, 3, &e)); /* the seed decides */
    CHECK(memcmp(val.x, val2.x, val.n * all.dim * sizeof(float)) == 0);
    gmdl_dataset_fini(&val2);
    REQUIRE_OK(gmdl_dataset_holdout(&rest2, &val2, &all, 50, 4, &e));
    CHECK(memcmp(val.x, val2.x, val.n * all.dim * sizeof(float)) != 0);
    gmdl_dataset_fini(&rest2);
    gmdl_dataset_fini(&val2);
    CHECK_STATUS(gmdl_dataset_holdout(&rest2, &val2, &all, 0, 3, &e), GMDL_EINVAL);
    CHECK_STATUS(gmdl_dataset_holdout(&rest2, &val2, &all, 200, 3, &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "no training image");
    gmdl_dataset_fini(&rest);
    gmdl_dataset_fini(&val);
    fx_free(&all);
}

static double error_on(const gmdl_model *m, const gmdl_dataset *d) {
    gmdl_eval_result r;
    gmdl_err e = {{0}};
    if (gmdl_model_evaluate(&r, m, d, 0, 0, NULL, &e))
        return NAN;
    return 1.0 - r.accuracy;
}

/* A small svd net and a bc-gnj net: the search's choice is within the budget, the model is as it
 * was, and compress with the chosen thresholds and bits writes a model with the error the search
 * measured. */
static void check_search(const char *method) {
    gmdl_dataset tr = fx_dataset(1200, 1), val = fx_dataset(300, 2);
    gmdl_train_config cfg = gmdl_train_config_default();
    snprintf(cfg.arch, sizeof cfg.arch, "mlp:32");
    snprintf(cfg.method, sizeof cfg.method, "%s", method);
    cfg.batch = 50;
    cfg.epochs = 5;
    cfg.kl_warmup_start = 0;
    cfg.kl_warmup_epochs = 2;
    gmdl_model *m;
    gmdl_err err = {{0}};
    REQUIRE_OK(gmdl_model_create(&m, &cfg, 1, 28, 28, 10, &err));
    gmdl_epoch_stats st;
    for (int e = 0; e < cfg.epochs; e++)
        REQUIRE_OK(gmdl_model_train_epoch(m, &st, &tr, NULL, NULL, NULL, &err));
    const double e0 = error_on(m, &val);
    gmdl_budget_config bc = gmdl_budget_config_default();
    bc.max_error = e0 + 0.05;
    gmdl_budget_result res;
    REQUIRE_OK(gmdl_model_budget_search(&res, m, &val, &bc, &err));
    printf("%s: dense %.4f, chosen %.4f (bound %.4f, budget %.4f), %zu points, %zu measured, "
           "rates %g %g %g\n",
           method, e0, res.val_error, res.bound, res.budget, res.npoints, res.evaluations,
           res.points[res.chosen].pruning_rate, res.points[res.chosen].fast_prediction_rate,
           res.points[res.chosen].max_compression_rate);
    CHECK(res.within);
    CHECK(res.bound <= res.budget);
    CHECK_NEAR(res.val_error_dense, e0, 1e-12, 0);
    CHECK(res.npoints >= 2 && res.chosen < res.npoints);
    CHECK_EQ(res.nlayers, 2);
    CHECK(res.points[res.chosen].fast_prediction_rate >= res.points[0].fast_prediction_rate);
    CHECK_NEAR(error_on(m, &val), e0, 0, 0); /* the model is as it was */
    char path[256];
    snprintf(path, sizeof path, "/tmp/gmdl_test_budget_%ld.gmz", (long)getpid());
    gmdl_compress_config cc = gmdl_compress_config_default();
    cc.layer_threshold = res.threshold;
    cc.layer_threshold_n = (size_t)res.nlayers;
    cc.layer_bits = res.bits;
    cc.layer_bits_n = (size_t)res.nlayers;
    gmdl_compress_report r;
    REQUIRE_OK(gmdl_model_compress(&r, m, &val, &cc, path, &err));
    CHECK_NEAR(r.test_error, res.val_error, 1e-12, 0); /* the written model is the one measured */
    CHECK_NEAR(r.fast_prediction_rate, res.points[res.chosen].fast_prediction_rate, 0, 0);
    CHECK_NEAR(r.max_compression_rate, res.points[res.chosen].max_compression_rate, 0, 0);
    for (int i = 0; i < r.nlayers; i++)
        CHECK_EQ(r.layers[i].threshold, res.threshold[i]);
    gmdl_compress_report_fini(&r);
    remove(path);
    gmdl_budget_result_fini(&res);
    /* one budget, not both or neither; a dense model has nothing to search */
    bc.max_increase = 0.01;
    CHECK_STATUS(gmdl_model_budget_search(&res, m, &val, &bc, &err), GMDL_EINVAL);
    gmdl_budget_result_fini(&res);
    bc.max_error = NAN;
    bc.max_increase = NAN;
    CHECK_STATUS(gmdl_model_budget_search(&res, m, &val, &bc, &err), GMDL_EINVAL);
    gmdl_budget_result_fini(&res);
    gmdl_model_destroy(m);
    fx_free(&tr);
    fx_free(&val);
}

int main(void) {
    check_holdout();
    check_search("svd");
    check_search("bc-gnj");
    TEST_MAIN_END();
}
