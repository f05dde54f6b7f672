/* Uncertainty: calibration metrics against a direct implementation of their formulas, AUROC and
 * AUPR against brute force, image transforms, and prediction that does not write into the model
 * (one model evaluated from two threads at once gives the sequential numbers). */
#include <pthread.h>

#include "gmdl/gmdl.h"
#include "harness.h"
#include "idx_fixture.h"

/* ------------------------------------------------------------------ calibration */
/* Fixed vectors: 8 inputs, 3 classes. */
static const double P[8][3] = {{0.7, 0.2, 0.1},   {0.1, 0.8, 0.1},   {0.3, 0.3, 0.4},
                               {0.05, 0.05, 0.9}, {0.5, 0.25, 0.25}, {0.34, 0.33, 0.33},
                               {0.0, 1.0, 0.0},   {0.45, 0.1, 0.45}};
static const int32_t Y[8] = {0, 1, 0, 2, 1, 0, 1, 2};

/* The formulas written out directly: ECE by testing each bin's interval for every input. */
static void direct(double *acc, double *nll, double *brier, double *ece) {
    const int N = 8, K = 3, B = 15;
    *acc = *nll = *brier = *ece = 0;
    for (int i = 0; i < N; i++) {
        int a = 0;
        for (int k = 1; k < K; k++)
            a = P[i][k] > P[i][a] ? k : a;
        *acc += (a == Y[i]) / (double)N;
        *nll += -log(P[i][Y[i]]) / N;
        for (int k = 0; k < K; k++)
            *brier += pow(P[i][k] - (k == Y[i]), 2) / N;
    }
    for (int b = 0; b < B; b++) {
        double lo = (double)b / B, hi = (double)(b + 1) / B, cnt = 0, hits = 0, conf = 0;
        for (int i = 0; i < N; i++) {
            int a = 0;
            for (int k = 1; k < K; k++)
                a = P[i][k] > P[i][a] ? k : a;
            double c = P[i][a];
            if (c >= lo && (c < hi || (b == B - 1 && c <= 1.0))) {
                cnt++;
                hits += a == Y[i];
                conf += c;
            }
        }
        if (cnt > 0)
            *ece += cnt / N * fabs(hits / cnt - conf / cnt);
    }
}

static void check_calibration(void) {
    gmdl_eval_result r;
    gmdl_err err;
    CHECK_OK(gmdl_calibration(&r, &P[0][0], Y, 8, 3, &err));
    double acc, nll, brier, ece;
    direct(&acc, &nll, &brier, &ece);
    printf("calibration: acc %.6f nll %.6f brier %.6f ece %.6f\n", r.accuracy, r.nll, r.brier,
           r.ece);
    CHECK_NEAR(r.accuracy, acc, 1e-12, 0);
    CHECK_NEAR(r.nll, nll, 1e-12, 0);
    CHECK_NEAR(r.brier, brier, 1e-12, 0);
    CHECK_NEAR(r.ece, ece, 1e-12, 0);
    CHECK(ece > 0.1); /* the fixture is miscalibrated */
    size_t total = 0;
    for (int b = 0; b < GMDL_ECE_BINS; b++)
        total += r.bin_count[b];
    CHECK_EQ(total, 8);
    CHECK_EQ(r.bin_count[GMDL_ECE_BINS - 1], 1); /* confidence 1 falls in the last bin */
    CHECK_NEAR(r.mean_mutual_information, 0, 0, 0);
    int32_t bad[8] = {0, 1, 0, 2, 1, 0, 1, 3};
    CHECK_STATUS(gmdl_calibration(&r, &P[0][0], bad, 8, 3, &err), GMDL_EINVAL);
    double q[3] = {0.5, 0.6, 0.1};
    CHECK_STATUS(gmdl_calibration(&r, q, Y, 1, 3, &err), GMDL_EINVAL);
}

/* ------------------------------------------------------------------ AUROC, AUPR */
static double brute_auroc(const double *a, size_t na, const double *b, size_t nb) {
    double s = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            s += b[j] > a[i] ? 1.0 : b[j] == a[i] ? 0.5 : 0.0;
    return s / ((double)na * (double)nb);
}

/* average precision by enumerating every threshold t among the scores */
static double brute_aupr(const double *a, size_t na, const double *b, size_t nb) {
    double ap = 0, prev_recall = 0;
    double *all = malloc((na + nb) * sizeof(double));
    for (size_t i = 0; i < na; i++)
        all[i] = a[i];
    for (size_t j = 0; j < nb; j++)
        all[na + j] = b[j];
    double last = (double)INFINITY;
    for (;;) { /* the next lower distinct score */
        double t = -(double)INFINITY;
        for (size_t i = 0; i < na + nb; i++)
            if (all[i] < last && all[i] > t)
                t = all[i];
        if (t == -(double)INFINITY)
            break;
        double tp = 0, fp = 0;
        for (size_t j = 0; j < nb; j++)
            tp += b[j] >= t;
        for (size_t i = 0; i < na; i++)
            fp += a[i] >= t;
        ap += (tp / (double)nb - prev_recall) * tp / (tp + fp);
        prev_recall = tp / (double)nb;
        last = t;
    }
    free(all);
    return ap;
}

static void check_ood(void) {
    gmdl_rng r;
    gmdl_rng_seed(&r, 11, 1);
    gmdl_err err;
    for (int rep = 0; rep < 20; rep++) {
        size_t na = 1 + gmdl_rng_bounded(&r, 60), nb = 1 + gmdl_rng_bounded(&r, 60);
        double a[64], b[64];
        for (size_t i = 0; i < na; i++) /* few distinct values: many ties */
            a[i] = (double)gmdl_rng_bounded(&r, 8);
        for (size_t j = 0; j < nb; j++)
            b[j] = (double)gmdl_rng_bounded(&r, 8) + (rep % 3);
        double auroc, aupr;
        CHECK_OK(gmdl_ood_auroc(&auroc, a, na, b, nb, &err));
        CHECK_OK(gmdl_ood_aupr(&aupr, a, na, b, nb, &err));
        CHECK_NEAR(auroc, brute_auroc(a, na, b, nb), 1e-12, 0);
        CHECK_NEAR(aupr, brute_aupr(a, na, b, nb), 1e-12, 0);
    }
    double a[3] = {0, 1, 2}, b[2] = {3, 4}, v;
    CHECK_OK(gmdl_ood_auroc(&v, a, 3, b, 2, &err));
    CHECK_NEAR(v, 1.0, 0, 0);
    CHECK_OK(gmdl_ood_aupr(&v, a, 3, b, 2, &err));
    CHECK_NEAR(v, 1.0, 0, 0);
    CHECK_OK(gmdl_ood_auroc(&v, b, 2, a, 3, &err));
    CHECK_NEAR(v, 0.0, 0, 0);
    CHECK_OK(gmdl_ood_auroc(&v, a, 3, a, 3, &err)); /* all tied pairwise: one half */
    CHECK_NEAR(v, 0.5, 1e-15, 0);
    b[0] = NAN;
    CHECK_STATUS(gmdl_ood_auroc(&v, a, 3, b, 2, &err), GMDL_EINVAL);
    CHECK_STATUS(gmdl_ood_aupr(&v, a, 0, b, 2, &err), GMDL_EINVAL);
}

/* ------------------------------------------------------------------ transforms */
static void check_transforms(void) {
    unsigned char x[2 * 9], y[2 * 9], z[2 * 9];
    gmdl_err err;
    for (int i = 0; i < 18; i++)
        x[i] = (unsigned char)(10 * i);
    CHECK_OK(gmdl_image_transform(y, x, 2, 1, 3, 3, GMDL_IMAGE_ROTATE90, 0, &err));
    /* counter-clockwise: the top row becomes the right column read upwards */
    CHECK_EQ(y[0], x[2]);
    CHECK_EQ(y[2], x[8]);
    CHECK_EQ(y[6], x[0]);
    memcpy(z, y, sizeof z);
    for (int k = 0; k < 3; k++) {
        CHECK_OK(gmdl_image_transform(y, z, 2, 1, 3, 3, GMDL_IMAGE_ROTATE90, 0, &err));
        memcpy(z, y, sizeof z);
    }
    CHECK(memcmp(z, x, sizeof x) == 0); /* four turns */
    CHECK_OK(gmdl_image_transform(y, x, 2, 1, 3, 3, GMDL_IMAGE_INVERT, 0, &err));
    CHECK_EQ(y[5], 255 - x[5]);
    CHECK_OK(gmdl_image_transform(y, x, 2, 1, 3, 3, GMDL_IMAGE_NOISE, 4, &err));
    CHECK_OK(gmdl_image_transform(z, x, 2, 1, 3, 3, GMDL_IMAGE_NOISE, 4, &err));
    CHECK(memcmp(y, z, sizeof y) == 0);
    CHECK(memcmp(y, y + 9, 9) != 0);
    CHECK_STATUS(gmdl_image_transform(y, x, 1, 1, 3, 6, GMDL_IMAGE_ROTATE90, 0, &err), GMDL_EINVAL);
    gmdl_image_op op;
    CHECK(gmdl_image_op_parse("noise", &op) && op == GMDL_IMAGE_NOISE);
    CHECK(!gmdl_image_op_parse("blur", &op));
}

/* ------------------------------------------------------------------ evidence, bias-variance */
/* Data from a cubic: t = 2x^3 - x + N(0, 0.1^2), x ~ U(-1, 1). */
static void cubic_data(double *x, double *t, size_t n, uint64_t seed) {
    gmdl_rng r;
    gmdl_rng_seed(&r, seed, 5);
    for (size_t i = 0; i < n; i++) {
        x[i] = 2.0 * gmdl_rng_uniform(&r) - 1.0;
        t[i] = 2.0 * x[i] * x[i] * x[i] - x[i] + 0.1 * gmdl_rng_normal(&r);
    }
}

static void check_evidence(void) {
    double x[40], t[40];
    cubic_data(x, t, 40, 3);
    gmdl_err err;
    /* one weight (degree 0): the closed form against the integral over w by the trapezoid rule */
    const double alpha = 0.5, beta = 100.0;
    gmdl_evidence_point e;
    CHECK_OK(gmdl_blr_evidence(&e, x, t, 10, GMDL_BASIS_POLY, 0, alpha, beta, &err));
    double st = 0, stt = 0;
    for (int i = 0; i < 10; i++) {
        st += t[i];
        stt += t[i] * t[i];
    }
    const double A = alpha + 10 * beta, m = beta * st / A, sd = 1 / sqrt(A),
                 l2pi = log(2 * 3.14159265358979323846);
    const int G = 200001;
    double lmax = -INFINITY, *lv = malloc(G * sizeof(double)), h = 24 * sd / (G - 1);
    for (int g = 0; g < G; g++) {
        double w = m - 12 * sd + g * h;
        double ll = 5 * log(beta) - 5 * l2pi - 0.5 * beta * (stt - 2 * w * st + 10 * w * w);
        lv[g] = ll + 0.5 * log(alpha) - 0.5 * l2pi - 0.5 * alpha * w * w;
        lmax = lv[g] > lmax ? lv[g] : lmax;
    }
    double sum = 0;
    for (int g = 0; g < G; g++)
        sum += (g == 0 || g == G - 1 ? 0.5 : 1.0) * exp(lv[g] - lmax);
    double brute = lmax + log(sum * h);
    free(lv);
    printf("evidence, one weight: closed form %.10f, numerical integral %.10f\n", e.log_evidence,
           brute);
    CHECK_NEAR(e.log_evidence, brute, 1e-6, 0);
    /* the evidence peaks at the true degree while the training likelihood keeps rising */
    double best = -INFINITY, prev_ll = -INFINITY;
    int arg = -1;
    for (int d = 0; d <= 8; d++) {
        CHECK_OK(gmdl_blr_evidence(&e, x, t, 40, GMDL_BASIS_POLY, d, 0.01, 100.0, &err));
        printf("degree %d: log evidence %9.3f, training log-likelihood %9.3f\n", d, e.log_evidence,
               e.train_loglik);
        CHECK(e.train_loglik >= prev_ll - 1e-9);
        prev_ll = e.train_loglik;
        if (e.log_evidence > best) {
            best = e.log_evidence;
            arg = d;
        }
    }
    CHECK_EQ(arg, 3);
    CHECK_OK(gmdl_blr_evidence(&e, x, t, 40, GMDL_BASIS_RBF, 6, 0.01, 100.0, &err));
    CHECK(isfinite(e.log_evidence) && e.params == 7);
    CHECK_STATUS(gmdl_blr_evidence(&e, x, t, 40, GMDL_BASIS_POLY, 3, -1, 100.0, &err), GMDL_EINVAL);
}

static void check_biasvar(void) {
    gmdl_biasvar_config c = gmdl_biasvar_config_default();
    c.max_degree = 7;
    c.repeats = 400;
    gmdl_biasvar_point p[8];
    gmdl_err err;
    CHECK_OK(gmdl_biasvar(p, &c, &err));
    for (int d = 0; d <= 7; d++) {
        printf("degree %d: bias2 %.4f variance %.4f noise %.3f sum %.4f measured %.4f +- %.4f "
               "param sd %.3g\n",
               d, p[d].bias2, p[d].variance, p[d].noise, p[d].expected_error, p[d].measured_error,
               p[d].measured_se, p[d].param_sd);
        CHECK(fabs(p[d].expected_error - p[d].measured_error) <= 3 * p[d].measured_se);
    }
    for (int d = 1; d <= 7;
         d++) { /* variance rises, bias^2 falls (never rises by more than 1e-3) */
        CHECK(p[d].variance > p[d - 1].variance);
        CHECK(p[d].bias2 < p[d - 1].bias2 + 1e-3);
    }
    CHECK(p[7].bias2 < 0.01 * p[0].bias2);
    c.repeats = 1;
    CHECK_STATUS(gmdl_biasvar(p, &c, &err), GMDL_EINVAL);
}

/* ------------------------------------------------------------------ concurrent evaluation */
typedef struct {
    const gmdl_model *m;
    const gmdl_dataset *te;
    int mc;
    int own_ws;
    gmdl_eval_result r;
    gmdl_status s;
} job;

static void *run_job(void *arg) {
    job *j = arg;
    gmdl_err err;
    gmdl_model_workspace *ws = NULL;
    if (j->own_ws && gmdl_model_workspace_create(&ws, j->m, &err) != GMDL_OK) {
        j->s = GMDL_ENOMEM;
        return NULL;
    }
    for (int rep = 0; rep < 3 && !j->s; rep++)
        j->s = gmdl_model_evaluate(&j->r, j->m, j->te, j->mc, 5, ws, &err);
    gmdl_model_workspace_destroy(ws);
    return NULL;
}

static int same_result(const gmdl_eval_result *a, const gmdl_eval_result *b) {
    return a->n == b->n && a->accuracy == b->accuracy && a->nll == b->nll && a->brier == b->brier &&
           a->ece == b->ece && a->mean_entropy == b->mean_entropy &&
           a->mean_mutual_information == b->mean_mutual_information;
}

static void check_threads(const gmdl_model *m, const gmdl_dataset *te) {
    for (int mc = 0; mc <= 4; mc += 4) {
        gmdl_eval_result seq;
        gmdl_err err;
        CHECK_OK(gmdl_model_evaluate(&seq, m, te, mc, 5, NULL, &err));
        job a = {m, te, mc, 1, {0}, GMDL_OK}, b = {m, te, mc, 0, {0}, GMDL_OK};
        pthread_t ta, tb;
        REQUIRE(pthread_create(&ta, NULL, run_job, &a) == 0);
        REQUIRE(pthread_create(&tb, NULL, run_job, &b) == 0);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        CHECK_OK(a.s);
        CHECK_OK(b.s);
        printf("mc %d: sequential nll %.10f, threads %.10f %.10f\n", mc, seq.nll, a.r.nll, b.r.nll);
        CHECK(same_result(&seq, &a.r));
        CHECK(same_result(&seq, &b.r));
    }
}

/* predict gives per input what evaluate averages; the uncertainty parts are consistent */
static void check_predict(const gmdl_model *m, const gmdl_dataset *te) {
    const size_t n = te->n, K = 10;
    float *pf = malloc(n * K * sizeof(float));
    double *pd = malloc(n * K * sizeof(double)), *h = malloc(n * 3 * sizeof(double));
    int32_t *pred = malloc(n * sizeof(int32_t));
    gmdl_prediction pr = {pf, pred, h, h + n, h + 2 * n};
    gmdl_err err;
    CHECK_OK(gmdl_model_predict(&pr, m, te->x, n, 8, 3, NULL, &err));
    gmdl_eval_result ev, cal;
    CHECK_OK(gmdl_model_evaluate(&ev, m, te, 8, 3, NULL, &err));
    double mh = 0, mmi = 0, meh = 0;
    int some_mi = 0;
    for (size_t i = 0; i < n * K; i++)
        pd[i] = (double)pf[i];
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t k = 0; k < K; k++)
            s += pd[i * K + k];
        for (size_t k = 0; k < K; k++)
            pd[i * K + k] /= s; /* float rounding */
        CHECK(h[2 * n + i] >= 0);
        CHECK_NEAR(h[i] - h[n + i], h[2 * n + i], 1e-12, 0);
        some_mi += h[2 * n + i] > 1e-4;
        mh += h[i] / (double)n;
        meh += h[n + i] / (double)n;
        mmi += h[2 * n + i] / (double)n;
    }
    CHECK(some_mi > 0);
    CHECK_OK(gmdl_calibration(&cal, pd, te->y, n, 10, &err));
    CHECK_NEAR(cal.accuracy, ev.accuracy, 0, 0);
    CHECK_NEAR(cal.nll, ev.nll, 1e-6, 1e-6);
    CHECK_NEAR(cal.brier, ev.brier, 1e-6, 0);
    CHECK_NEAR(mh, ev.mean_entropy, 1e-10, 0);
    CHECK_NEAR(meh, ev.mean_expected_entropy, 1e-10, 0);
    CHECK_NEAR(mmi, ev.mean_mutual_information, 1e-10, 0);
    printf("predict mc 8: mean entropy %.4f, expected %.4f, mutual information %.4f\n", mh, meh,
           mmi);
    free(pf);
    free(pd);
    free(h);
    free(pred);
}

int main(void) {
    check_calibration();
    check_ood();
    check_transforms();
    check_evidence();
    check_biasvar();
    gmdl_dataset tr = fx_dataset(600, 1), te = fx_dataset(300, 2);
    gmdl_err err;
    gmdl_train_config cfg = gmdl_train_config_default();
    snprintf(cfg.arch, sizeof cfg.arch, "mlp:32-16");
    snprintf(cfg.method, sizeof cfg.method, "svd");
    cfg.batch = 50;
    cfg.kl_warmup_start = 0;
    cfg.kl_warmup_epochs = 1;
    gmdl_model *m;
    REQUIRE_OK(gmdl_model_create(&m, &cfg, 1, 28, 28, 10, &err));
    for (int e = 0; e < 2; e++)
        CHECK_OK(gmdl_model_train_epoch(m, NULL, &tr, NULL, NULL, NULL, &err));
    CHECK(gmdl_model_is_stochastic(m));
    check_threads(m, &te);
    check_predict(m, &te);
    gmdl_model_workspace *ws;
    CHECK_OK(gmdl_model_workspace_create(&ws, m, &err));
    gmdl_model *d;
    snprintf(cfg.method, sizeof cfg.method, "dense");
    REQUIRE_OK(gmdl_model_create(&d, &cfg, 1, 28, 28, 10, &err));
    gmdl_eval_result r;
    CHECK_STATUS(gmdl_model_evaluate(&r, d, &te, 0, 0, ws, &err), GMDL_EINVAL); /* m's */
    CHECK_STR_CONTAINS(err.msg, "another model");
    CHECK(!gmdl_model_is_stochastic(d));
    CHECK_STATUS(gmdl_model_check_mc(d, 3, &err), GMDL_EINVAL);
    CHECK_STR_CONTAINS(err.msg, "no stochastic layer");
    gmdl_model_workspace_destroy(ws);
    gmdl_model_destroy(d);
    gmdl_model_destroy(m);
    free(tr.x);
    free(tr.y);
    free(te.x);
    free(te.y);
    TEST_MAIN_END();
}
