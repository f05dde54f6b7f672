/* The VAE (src/latent): finite-difference check of the ELBO's gradient through the encoder, the
 * reparameterisation and the decoder; reproducibility for a seed; save/load; the
 * importance-weighted estimate above the ELBO on a trained model; log-mean-exp far from 0; and
 * ALGORITHMS.md 6.2: the pathwise and score-function estimators of d/dmu E_{N(mu,1)}[z^2] are
 * unbiased with variances 4 and mu^4 + 14 mu^2 + 15. */
#include <unistd.h>

#include "gmdl/vae.h"
#include "gradcheck.h"
#include "latent/latent_internal.h"
#include "latent/ssvae_internal.h"

static gmdl_vae *G;
static int GN;

static double vae_f(void *ctx) {
    (void)ctx;
    return gmdl__vae_batch_loss(G, GN, 0, 1.0f, NULL, NULL);
}

static void test_gradcheck(gmdl_binarize bin) {
    gmdl_vae_config c = gmdl_vae_config_default();
    c.input = 13;
    c.hidden = 9;
    c.latent = 3;
    c.batch = 6;
    c.binarize = bin;
    c.seed = 7;
    REQUIRE_OK(gmdl_vae_create(&G, &c, NULL));
    GN = 6;
    gmdl_rng r;
    gmdl_rng_derive(&r, 11, GMDL_RNG_DATA_SYNTH, 0);
    float *x = gmdl__vae_batch_x(G), *eps = gmdl__vae_batch_eps(G);
    for (int i = 0; i < GN * c.input; i++)
        x[i] = gmdl_rng_uniform(&r) < 0.4 ? 1.0f : 0.0f;
    for (int i = 0; i < GN * c.latent; i++)
        eps[i] = (float)gmdl_rng_normal(&r);
    float *g;
    size_t n;
    float *p = gmdl__vae_params(G, &g, &n);
    /* larger weights than the init so the decoder's logits are not all near 0 */
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(0.6 * gmdl_rng_normal(&r));
    memset(g, 0, n * sizeof(float));
    double rec, kl, loss = gmdl__vae_batch_loss(G, GN, 1, 1.0f, &rec, &kl);
    CHECK(isfinite(loss) && rec > 0 && kl > 0);
    CHECK_NEAR(loss, rec + kl, 1e-9, 1e-9);
    /* the loss does not change when the backward pass runs: it reads what forward wrote */
    CHECK_NEAR(vae_f(NULL), loss, 0, 1e-12);
    float *an = malloc(n * sizeof(float));
    memcpy(an, g, n * sizeof(float));
    int bad = gc_compare("vae", p, n, an, vae_f, NULL, 1e-2, 2e-2);
    printf("VAE ELBO gradient (%zu parameters): %d mismatches\n", n, bad);
    free(an);
    gmdl_vae_destroy(G);
}

/* A synthetic image set: two prototypes of 16 pixels with flips. */
static gmdl_dataset synth(size_t n, uint64_t seed) {
    gmdl_dataset d;
    memset(&d, 0, sizeof d);
    d.n = n;
    d.c = 1;
    d.h = 4;
    d.w = 4;
    d.dim = 16;
    d.classes = 2;
    d.x = malloc(n * 16 * sizeof(float));
    d.y = malloc(n * sizeof(int32_t));
    gmdl_rng r;
    gmdl_rng_derive(&r, seed, GMDL_RNG_DATA_SYNTH, 1);
    for (size_t i = 0; i < n; i++) {
        int k = (int)gmdl_rng_bounded(&r, 2);
        d.y[i] = k;
        for (int j = 0; j < 16; j++) {
            int on = k ? (j % 4) < 2 : j < 8;
            if (gmdl_rng_uniform(&r) < 0.08)
                on = !on;
            d.x[i * 16 + (size_t)j] = on ? 0.9f : 0.1f;
        }
    }
    return d;
}

/* M1+M2: the trained VAE's posterior means as features, then M2 with a Gaussian p(x|y,z). */
static void test_m1m2(gmdl_vae *vae, const gmdl_dataset *tr, const gmdl_dataset *te) {
    gmdl_dataset ftr, fte;
    size_t kept = 0;
    gmdl_err err = {{0}};
    REQUIRE_OK(gmdl_ssvae_m1_features(&ftr, &fte, &kept, vae, tr, te, 0.1, NULL));
    CHECK(kept >= 1 && kept <= 2);
    CHECK(ftr.n == tr->n && fte.n == te->n && ftr.dim == kept && fte.dim == kept);
    CHECK(memcmp(ftr.y, tr->y, tr->n * sizeof(int32_t)) == 0);
    float mu[2 * 3];
    REQUIRE_OK(gmdl_vae_encode(mu, NULL, vae, te->x, 3, NULL));
    if (kept == 2)
        CHECK(memcmp(mu, fte.x, sizeof mu) == 0);
    gmdl_dataset bad1, bad2;
    CHECK_STATUS(gmdl_ssvae_m1_features(&bad1, &bad2, &kept, vae, tr, te, 1e9, &err), GMDL_EINVAL);
    CHECK(bad1.x == NULL && bad2.x == NULL);
    gmdl_dataset wrong = *te;
    wrong.dim = 15;
    CHECK_STATUS(gmdl_ssvae_m1_features(&bad1, &bad2, &kept, vae, tr, &wrong, 0.1, &err),
                 GMDL_ESHAPE);
    REQUIRE_OK(gmdl_ssvae_m1_features(&bad1, &bad2, &kept, vae, tr, te, 0.1, NULL));
    CHECK(memcmp(bad1.x, ftr.x, ftr.n * kept * sizeof(float)) == 0); /* the same features again */
    gmdl_dataset_fini(&bad1);
    gmdl_dataset_fini(&bad2);
    gmdl_ssvae_config c = gmdl_ssvae_config_default();
    c.input = (int)kept;
    c.classes = 2;
    c.hidden = 16;
    c.latent = 2;
    c.batch = 10;
    c.lr = 3e-3;
    c.gaussian = 1;
    gmdl_ssvae *m;
    double l, sec, e0, e1, elbo;
    REQUIRE_OK(gmdl_ssvae_create(&m, &c, &ftr, 10, NULL));
    REQUIRE_OK(gmdl_ssvae_evaluate(&e0, &elbo, m, &fte, NULL));
    for (int e = 0; e < 10; e++)
        REQUIRE_OK(gmdl_ssvae_train_epoch(&l, &sec, m, &ftr, NULL));
    REQUIRE_OK(gmdl_ssvae_evaluate(&e1, &elbo, m, &fte, NULL));
    printf("synthetic M1+M2 (%zu features): test error %.3f -> %.3f, bound %.3f\n", kept, e0, e1,
           elbo);
    CHECK(e1 < 0.1);
    CHECK(isfinite(elbo));
    gmdl_ssvae_destroy(m);
    gmdl_dataset_fini(&ftr);
    gmdl_dataset_fini(&fte);
}

static void test_train(void) {
    gmdl_dataset tr = synth(600, 1), te = synth(100, 2);
    gmdl_vae_config c = gmdl_vae_config_default();
    c.input = 16;
    c.hidden = 20;
    c.latent = 2;
    c.batch = 50;
    c.lr = 3e-3;
    gmdl_vae *a, *b;
    REQUIRE_OK(gmdl_vae_create(&a, &c, NULL));
    REQUIRE_OK(gmdl_vae_create(&b, &c, NULL));
    double e0, e1, la, lb, sec;
    REQUIRE_OK(gmdl_vae_test_elbo(&e0, a, &te, 3, NULL));
    for (int ep = 0; ep < 15; ep++) {
        REQUIRE_OK(gmdl_vae_train_epoch(&la, &sec, a, &tr, NULL));
        REQUIRE_OK(gmdl_vae_train_epoch(&lb, &sec, b, &tr, NULL));
    }
    CHECK(la == lb); /* same seed, same thread count: identical runs */
    REQUIRE_OK(gmdl_vae_test_elbo(&e1, a, &te, 3, NULL));
    printf("synthetic VAE: test ELBO %.3f before, %.3f after 15 epochs\n", e0, e1);
    CHECK(e1 > e0 + 2.0);
    double ll;
    REQUIRE_OK(gmdl_vae_loglik_is(&ll, a, &te, 200, NULL, NULL, NULL));
    printf("importance-weighted log p(x) %.3f (K = 200) >= ELBO %.3f\n", ll, e1);
    CHECK(ll > e1);
    CHECK(ll < 0);
    /* save, load, train on: equal to the uninterrupted model b */
    char path[] = "/tmp/gmdl_test_vae_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    REQUIRE_OK(gmdl_vae_save(a, path, NULL));
    gmdl_vae *c2;
    REQUIRE_OK(gmdl_vae_load(&c2, path, NULL));
    CHECK_EQ(gmdl_vae_epoch(c2), 15);
    double l1, l2;
    REQUIRE_OK(gmdl_vae_train_epoch(&l1, &sec, c2, &tr, NULL));
    REQUIRE_OK(gmdl_vae_train_epoch(&l2, &sec, b, &tr, NULL));
    CHECK(l1 == l2);
    float mu[4], mu2[4];
    REQUIRE_OK(gmdl_vae_encode(mu, NULL, c2, te.x, 2, NULL));
    REQUIRE_OK(gmdl_vae_encode(mu2, NULL, b, te.x, 2, NULL));
    CHECK(memcmp(mu, mu2, sizeof mu) == 0);
    /* a corrupted file is refused */
    FILE *f = fopen(path, "r+b");
    REQUIRE(f);
    fseek(f, 200, SEEK_SET);
    fputc(0x5a, f);
    fclose(f);
    gmdl_vae *bad = NULL;
    gmdl_err err = {{0}};
    CHECK(gmdl_vae_load(&bad, path, &err) != GMDL_OK && bad == NULL);
    unlink(path);
    /* wrong image size */
    gmdl_dataset wrong = te;
    wrong.dim = 15;
    CHECK_STATUS(gmdl_vae_train_epoch(&l1, &sec, b, &wrong, &err), GMDL_ESHAPE);
    test_m1m2(a, &tr, &te);
    gmdl_vae_destroy(a);
    gmdl_vae_destroy(b);
    gmdl_vae_destroy(c2);
    free(tr.x);
    free(tr.y);
    free(te.x);
    free(te.y);
}

static double square(double z, double *d, void *user) {
    (void)user;
    *d = 2 * z;
    return z * z;
}

static void mean_var(const double *a, size_t n, double *m, double *v) {
    double s = 0, q = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i];
    *m = s / (double)n;
    for (size_t i = 0; i < n; i++)
        q += (a[i] - *m) * (a[i] - *m);
    *v = q / (double)(n - 1);
}

/* ALGORITHMS.md 6.2. Standard errors: mean sd/sqrt(n); sample variance of the score estimator at
 * mu = 0 (eps^3): sqrt((E eps^12 - 15^2) / n) = sqrt(10170 / n); pathwise (2 eps): sqrt(32 / n). */
static void test_estimators(void) {
    const size_t n = 1000000;
    double *pw = malloc(n * sizeof(double)), *sf = malloc(n * sizeof(double));
    const double mus[2] = {0.0, 1.0};
    for (int k = 0; k < 2; k++) {
        double mu = mus[k], mp, vp, ms, vs;
        REQUIRE_OK(gmdl_grad_estimates(pw, sf, n, square, NULL, mu, 1.0, 5, NULL));
        mean_var(pw, n, &mp, &vp);
        mean_var(sf, n, &ms, &vs);
        double want_vs = mu * mu * mu * mu + 14 * mu * mu + 15;
        printf("mu = %g: pathwise mean %.4f var %.4f (4); score mean %.4f var %.3f (%g)\n", mu, mp,
               vp, ms, vs, want_vs);
        CHECK(fabs(mp - 2 * mu) < 5 * sqrt(4.0 / (double)n));
        CHECK(fabs(ms - 2 * mu) < 5 * sqrt(want_vs / (double)n));
        CHECK(fabs(vp - 4.0) < 5 * sqrt(32.0 / (double)n));
        /* at mu = 1 the score estimator's 4th moment is larger; 5 x its sd is below 1.5 */
        CHECK(fabs(vs - want_vs) < (mu == 0.0 ? 5 * sqrt(10170.0 / (double)n) : 1.5));
        CHECK(vs > 3 * vp);
    }
    gmdl_err err = {{0}};
    CHECK_STATUS(gmdl_grad_estimates(pw, sf, n, square, NULL, 0.0, 0.0, 5, &err), GMDL_EINVAL);
    free(pw);
    free(sf);
}

static void test_log_mean_exp(void) {
    double a[3] = {-1000.0, -1000.0 + log(2.0), -1000.0 + log(3.0)};
    CHECK_NEAR(gmdl__log_mean_exp(a, 3), -1000.0 + log(2.0), 1e-12, 0);
    double b[2] = {800.0, 800.0};
    CHECK_NEAR(gmdl__log_mean_exp(b, 2), 800.0, 1e-12, 0);
}

static gmdl_ssvae *S;
static int SNL, SNU;

static double ss_f(void *ctx) {
    (void)ctx;
    return gmdl__ssvae_step_loss(S, SNL, SNU, 0);
}

/* M2's loss: labelled ELBO, enumerated unlabelled bound with q(y|x), classification term. */
static void test_ssvae_gradcheck(int classifier_only, int gaussian) {
    gmdl_dataset tr = synth(60, 4);
    gmdl_ssvae_config c = gmdl_ssvae_config_default();
    c.input = 16;
    c.classes = 2;
    c.hidden = 6;
    c.latent = 3;
    c.batch = 4;
    c.alpha = 2.0;
    c.classifier_only = classifier_only;
    c.gaussian = gaussian;
    REQUIRE_OK(gmdl_ssvae_create(&S, &c, &tr, 10, NULL));
    CHECK_EQ(S->nlab, 10);
    int per[2] = {0, 0};
    for (size_t i = 0; i < S->nlab; i++)
        per[tr.y[S->lab[i]]]++;
    CHECK(per[0] == 5 && per[1] == 5); /* balanced over the classes */
    SNL = 3;
    SNU = classifier_only ? 0 : 4;
    gmdl_rng r;
    gmdl_rng_derive(&r, 12, GMDL_RNG_DATA_SYNTH, 0);
    for (int i = 0; i < (SNL + SNU) * 16; i++)
        S->cx[i] =
            gaussian ? (float)gmdl_rng_normal(&r) : (gmdl_rng_uniform(&r) < 0.5 ? 1.0f : 0.0f);
    for (int i = 0; i < SNL; i++)
        S->ycls[i] = i % 2;
    for (size_t i = 0; i < S->nstore; i++)
        S->p[i] = (float)(0.5 * gmdl_rng_normal(&r));
    memset(S->g, 0, S->nstore * sizeof(float));
    double loss = gmdl__ssvae_step_loss(S, SNL, SNU, 1);
    CHECK(isfinite(loss) && (gaussian || loss > 0));
    CHECK_NEAR(ss_f(NULL), loss, 0, 1e-12);
    float *an = malloc(S->nstore * sizeof(float));
    memcpy(an, S->g, S->nstore * sizeof(float));
    int bad = gc_compare("ssvae", S->p, S->nstore, an, ss_f, NULL, 1e-2, 2e-2);
    printf("M2 loss gradient%s%s (%zu parameters): %d mismatches\n",
           classifier_only ? " (classifier only)" : "", gaussian ? " (Gaussian p(x|y,z))" : "",
           S->nstore, bad);
    free(an);
    /* a short training run and the evaluation */
    double l, sec, err0, err1, elbo;
    gmdl_dataset te = synth(50, 5);
    gmdl_ssvae_destroy(S);
    c.lr = 3e-3;
    c.batch = 10;
    REQUIRE_OK(gmdl_ssvae_create(&S, &c, &tr, 10, NULL));
    REQUIRE_OK(gmdl_ssvae_evaluate(&err0, &elbo, S, &te, NULL));
    for (int e = 0; e < 20; e++)
        REQUIRE_OK(gmdl_ssvae_train_epoch(&l, &sec, S, &tr, NULL));
    REQUIRE_OK(gmdl_ssvae_evaluate(&err1, &elbo, S, &te, NULL));
    printf("synthetic M2: test error %.3f -> %.3f, test bound %.3f\n", err0, err1, elbo);
    CHECK(err1 < 0.1);
    CHECK(classifier_only ? isnan(elbo) : gaussian ? isfinite(elbo) : (elbo < 0 && elbo > -30));
    /* save, load, one more epoch each: the same */
    char path[] = "/tmp/gmdl_test_ssvae_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    REQUIRE_OK(gmdl_ssvae_save(S, path, NULL));
    gmdl_ssvae *S2;
    REQUIRE_OK(gmdl_ssvae_load(&S2, path, NULL));
    unlink(path);
    double l2;
    REQUIRE_OK(gmdl_ssvae_train_epoch(&l, &sec, S, &tr, NULL));
    REQUIRE_OK(gmdl_ssvae_train_epoch(&l2, &sec, S2, &tr, NULL));
    CHECK(l == l2);
    CHECK(memcmp(S->p, S2->p, S->nstore * sizeof(float)) == 0);
    gmdl_ssvae_destroy(S2);
    gmdl_ssvae_destroy(S);
    free(tr.x);
    free(tr.y);
    free(te.x);
    free(te.y);
}

int main(void) {
    test_gradcheck(GMDL_BINARIZE_FIXED);
    test_estimators();
    test_log_mean_exp();
    test_train();
    test_ssvae_gradcheck(0, 0);
    test_ssvae_gradcheck(1, 0);
    test_ssvae_gradcheck(0, 1);
    TEST_MAIN_END();
}
