/* Allocation fault injection over the latent-variable models (EM for mixtures, the VAE, M2),
 * survival (Cox fits, Kaplan-Meier, the C-index bootstrap, model files) and the uncertainty
 * module (calibration, evidence, bias-variance, 1-D regression, image transforms): every failing
 * allocation gives GMDL_ENOMEM, leaks nothing, and a failed save leaves no file (faults.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults.h"
#include "gmdl/gmdl.h"
#include "idx_fixture.h"

static char src_dir[1024], tmp_dir[128];

/* A failed write must leave nothing under the final name. */
static gmdl_status no_leftovers(gmdl_status s, const char *path, gmdl_err *err) {
    int exists = access(path, F_OK) == 0;
    remove(path);
    if (s != GMDL_OK && exists) {
        snprintf(err->msg, sizeof err->msg, "a failed write left %s", path);
        return GMDL_EIO;
    }
    return s;
}

/* ------------------------------------------------------------------ mixtures */
static double gx[60 * 2];
static uint8_t bx[40 * 16];

static gmdl_status case_gmm(void *p, gmdl_err *err) {
    gmdl_gmm_config cfg = gmdl_gmm_config_default();
    cfg.k = 2;
    cfg.cov = *(const gmdl_cov_type *)p;
    cfg.restarts = 2;
    cfg.max_iter = 20;
    gmdl_gmm g = {0};
    gmdl_status s = gmdl_gmm_fit(&g, gx, 60, 2, &cfg, err);
    double dens[60];
    if (s == GMDL_OK)
        s = gmdl_gmm_log_density(dens, NULL, &g, gx, 60, err);
    gmdl_gmm_fini(&g);
    return s;
}

static gmdl_status case_bmm(void *p, gmdl_err *err) {
    (void)p;
    gmdl_bmm_config cfg = gmdl_bmm_config_default();
    cfg.k = 3;
    cfg.restarts = 2;
    cfg.max_iter = 10;
    gmdl_bmm b = {0};
    gmdl_status s = gmdl_bmm_fit(&b, bx, 40, 16, &cfg, err);
    gmdl_bmm_fini(&b);
    return s;
}

static void sweep_mixtures(void) {
    gmdl_rng r;
    gmdl_rng_seed(&r, 5, 0);
    for (int i = 0; i < 120; i++)
        gx[i] = gmdl_rng_normal(&r) + (i % 4 < 2 ? 0.0 : 4.0);
    for (int i = 0; i < 40 * 16; i++)
        bx[i] = (uint8_t)gmdl_rng_bounded(&r, 2);
    static gmdl_cov_type cov[3] = {GMDL_COV_FULL, GMDL_COV_DIAG, GMDL_COV_TIED};
    fi_sweep("em gmm full", case_gmm, &cov[0]);
    fi_sweep("em gmm diag", case_gmm, &cov[1]);
    fi_sweep("em gmm tied", case_gmm, &cov[2]);
    fi_sweep("em bernoulli", case_bmm, NULL);
}

/* ------------------------------------------------------------------ the VAE and M2 */
typedef struct {
    const gmdl_dataset *train, *test;
    char path[256];
} latent_ctx;

static gmdl_vae_config tiny_vae(void) {
    gmdl_vae_config cfg = gmdl_vae_config_default();
    cfg.hidden = 16;
    cfg.latent = 2;
    cfg.batch = 16;
    return cfg;
}

static gmdl_status case_vae(void *p, gmdl_err *err) {
    const latent_ctx *c = p;
    gmdl_vae_config cfg = tiny_vae();
    gmdl_vae *v = NULL;
    gmdl_status s = gmdl_vae_create(&v, &cfg, err);
    double loss, secs, elbo, ll;
    if (s == GMDL_OK)
        s = gmdl_vae_train_epoch(&loss, &secs, v, c->train, err);
    if (s == GMDL_OK)
        s = gmdl_vae_test_elbo(&elbo, v, c->test, 2, err);
    if (s == GMDL_OK)
        s = gmdl_vae_loglik_is(&ll, v, c->test, 4, NULL, NULL, err);
    float mu[4 * 2], lv[4 * 2], probs[4 * 784];
    if (s == GMDL_OK)
        s = gmdl_vae_encode(mu, lv, v, c->test->x, 4, err);
    if (s == GMDL_OK)
        s = gmdl_vae_decode(probs, v, mu, 4, err);
    if (s == GMDL_OK)
        s = no_leftovers(gmdl_vae_save(v, c->path, err), c->path, err);
    gmdl_vae_destroy(v);
    return s;
}

static gmdl_status case_vae_load(void *p, gmdl_err *err) {
    gmdl_vae *v = NULL;
    gmdl_status s = gmdl_vae_load(&v, ((const latent_ctx *)p)->path, err);
    gmdl_vae_destroy(v);
    return s;
}

static gmdl_ssvae_config tiny_ssvae(void) {
    gmdl_ssvae_config cfg = gmdl_ssvae_config_default();
    cfg.hidden = 16;
    cfg.latent = 2;
    cfg.batch = 10;
    return cfg;
}

static gmdl_status case_ssvae(void *p, gmdl_err *err) {
    const latent_ctx *c = p;
    gmdl_ssvae_config cfg = tiny_ssvae();
    gmdl_ssvae *m = NULL;
    gmdl_status s = gmdl_ssvae_create(&m, &cfg, c->train, 10, err);
    double loss, secs, error, elbo;
    if (s == GMDL_OK)
        s = gmdl_ssvae_train_epoch(&loss, &secs, m, c->train, err);
    if (s == GMDL_OK)
        s = gmdl_ssvae_evaluate(&error, &elbo, m, c->test, err);
    if (s == GMDL_OK)
        s = no_leftovers(gmdl_ssvae_save(m, c->path, err), c->path, err);
    gmdl_ssvae_destroy(m);
    return s;
}

static gmdl_status case_ssvae_load(void *p, gmdl_err *err) {
    gmdl_ssvae *m = NULL;
    gmdl_status s = gmdl_ssvae_load(&m, ((const latent_ctx *)p)->path, err);
    gmdl_ssvae_destroy(m);
    return s;
}

static void sweep_vae(void) {
    gmdl_err err = {{0}};
    char set[256];
    snprintf(set, sizeof set, "%s/set", tmp_dir);
    REQUIRE(fx_write_set(set, 80, 20, 0, 3) == 0);
    gmdl_dataset train = {0}, test = {0};
    REQUIRE_OK_MSG(gmdl_dataset_load_dir(&train, set, 0, 10, &err), err.msg);
    REQUIRE_OK_MSG(gmdl_dataset_load_dir(&test, set, 1, 10, &err), err.msg);
    latent_ctx c = {&train, &test, ""};
    snprintf(c.path, sizeof c.path, "%s/v.gmdl", tmp_dir);
    fi_sweep("vae train+eval+is+save", case_vae, &c);
    gmdl_vae_config vc = tiny_vae();
    gmdl_vae *v = NULL;
    REQUIRE_OK_MSG(gmdl_vae_create(&v, &vc, &err), err.msg);
    REQUIRE_OK_MSG(gmdl_vae_save(v, c.path, &err), err.msg);
    gmdl_vae_destroy(v);
    fi_sweep("vae load", case_vae_load, &c);
    snprintf(c.path, sizeof c.path, "%s/m2.gmdl", tmp_dir);
    fi_sweep("ssvae train+eval+save", case_ssvae, &c);
    gmdl_ssvae_config sc = tiny_ssvae();
    gmdl_ssvae *m = NULL;
    REQUIRE_OK_MSG(gmdl_ssvae_create(&m, &sc, &train, 10, &err), err.msg);
    REQUIRE_OK_MSG(gmdl_ssvae_save(m, c.path, &err), err.msg);
    gmdl_ssvae_destroy(m);
    fi_sweep("ssvae load", case_ssvae_load, &c);
    gmdl_dataset_fini(&train);
    gmdl_dataset_fini(&test);
}

/* ------------------------------------------------------------------ survival */
typedef struct {
    const gmdl_csv *csv;
    const char *arch;
    int keep; /* keep the saved file (for the load sweep) */
    char path[256];
} surv_ctx;

static const char *const rossi_x[] = {"fin", "age", "race", "wexp", "mar", "paro", "prio"};

static gmdl_status case_cox(void *p, gmdl_err *err) {
    const surv_ctx *c = p;
    gmdl_surv_spec spec = {"week", "arrest", NULL, NULL, rossi_x, 7, NULL, 0, 0};
    gmdl_surv_data d = {0};
    gmdl_status s = gmdl_surv_data_from_csv(&d, c->csv, &spec, err);
    gmdl_cox_config cfg;
    gmdl_cox_config_default(&cfg);
    cfg.arch = c->arch;
    cfg.epochs = 5;
    cfg.max_iter = 5;
    gmdl_cox *m = NULL;
    if (s == GMDL_OK)
        s = gmdl_cox_fit(&m, &d, &cfg, err);
    double *eta = malloc(d.n * sizeof *eta + 1);
    if (s == GMDL_OK)
        s = eta ? gmdl_cox_risk(eta, m, d.x, d.n, err) : GMDL_ENOMEM;
    double mean, lo, hi;
    if (s == GMDL_OK)
        s = gmdl_cindex_bootstrap(&mean, &lo, &hi, d.time, d.event, eta, d.n, 5, 1, err);
    gmdl_km km = {0};
    if (s == GMDL_OK)
        s = gmdl_km_fit(&km, d.time, d.event, d.n, err);
    gmdl_km_fini(&km);
    if (s == GMDL_OK)
        s = gmdl_cox_save(m, c->path, err);
    if (!c->keep)
        s = no_leftovers(s, c->path, err);
    free(eta);
    gmdl_cox_destroy(m);
    gmdl_surv_data_fini(&d);
    return s;
}

static gmdl_status case_cox_load(void *p, gmdl_err *err) {
    gmdl_cox *m = NULL;
    gmdl_status s = gmdl_cox_load(&m, ((const surv_ctx *)p)->path, err);
    gmdl_cox_destroy(m);
    return s;
}

static gmdl_status case_csv(void *p, gmdl_err *err) {
    gmdl_csv csv = {0};
    gmdl_status s = gmdl_csv_read(&csv, p, err);
    gmdl_csv_fini(&csv);
    return s;
}

static void sweep_survival(void) {
    gmdl_err err = {{0}};
    char file[1200];
    snprintf(file, sizeof file, "%s/tests/data/survival/rossi.csv", src_dir);
    fi_sweep("csv (rossi)", case_csv, file);
    gmdl_csv csv = {0};
    REQUIRE_OK_MSG(gmdl_csv_read(&csv, file, &err), err.msg);
    static const char *archs[2] = {"linear", "mlp:4"};
    for (int a = 0; a < 2; a++) {
        surv_ctx c = {&csv, archs[a], 0, ""};
        snprintf(c.path, sizeof c.path, "%s/cox%d.gmdl", tmp_dir, a);
        char name[64];
        snprintf(name, sizeof name, "cox %s fit+km+save", archs[a]);
        fi_sweep(name, case_cox, &c);
        c.keep = 1;
        REQUIRE_OK_MSG(case_cox(&c, &err), err.msg);
        snprintf(name, sizeof name, "cox %s load", archs[a]);
        fi_sweep(name, case_cox_load, &c);
        remove(c.path);
    }
    gmdl_csv_fini(&csv);
}

/* ------------------------------------------------------------------ uncertainty */
static gmdl_status case_uq(void *p, gmdl_err *err) {
    (void)p;
    double probs[6 * 3], in[6], out[5], auroc, aupr;
    int32_t labels[6];
    for (int i = 0; i < 6; i++) {
        labels[i] = i % 3;
        in[i] = 0.1 * i;
        for (int k = 0; k < 3; k++)
            probs[i * 3 + k] = k == i % 3 ? 0.6 : 0.2;
    }
    for (int i = 0; i < 5; i++)
        out[i] = 0.25 + 0.1 * i;
    gmdl_eval_result r;
    gmdl_status s = gmdl_calibration(&r, probs, labels, 6, 3, err);
    if (s == GMDL_OK)
        s = gmdl_ood_auroc(&auroc, in, 6, out, 5, err);
    if (s == GMDL_OK)
        s = gmdl_ood_aupr(&aupr, in, 6, out, 5, err);
    unsigned char img[2 * 28 * 28], res[2 * 28 * 28];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (unsigned char)(i * 7);
    for (int op = 0; op < 3 && s == GMDL_OK; op++) {
        gmdl_image_op o;
        static const char *ops[3] = {"rotate90", "invert", "noise"};
        if (!gmdl_image_op_parse(ops[op], &o))
            return GMDL_EINVAL;
        s = gmdl_image_transform(res, img, 2, 1, 28, 28, o, 1, err);
    }
    return s;
}

static gmdl_status case_evidence(void *p, gmdl_err *err) {
    (void)p;
    double x[20], t[20];
    for (int i = 0; i < 20; i++) {
        x[i] = -1.0 + 0.1 * i;
        t[i] = x[i] * x[i] * x[i] - 0.5 * x[i] + 0.01 * (i % 3);
    }
    gmdl_evidence_point e;
    gmdl_status s = gmdl_blr_evidence(&e, x, t, 20, GMDL_BASIS_POLY, 3, 1e-2, 100.0, err);
    if (s == GMDL_OK)
        s = gmdl_blr_evidence(&e, x, t, 20, GMDL_BASIS_RBF, 4, 1e-2, 100.0, err);
    return s;
}

static gmdl_status case_biasvar(void *p, gmdl_err *err) {
    (void)p;
    gmdl_biasvar_config cfg = gmdl_biasvar_config_default();
    cfg.max_degree = 3;
    cfg.repeats = 5;
    cfg.n_test = 10;
    gmdl_biasvar_point pts[4];
    return gmdl_biasvar(pts, &cfg, err);
}

static gmdl_status case_regress(void *p, gmdl_err *err) {
    (void)p;
    double x[10], t[10], mean[11], sd[11];
    for (int i = 0; i < 10; i++) {
        x[i] = i < 5 ? -2.0 + 0.2 * i : 1.2 + 0.2 * i;
        t[i] = 0.5 * x[i];
    }
    gmdl_regress_config cfg = gmdl_regress_config_default();
    cfg.hidden = 3;
    cfg.chains = 2;
    cfg.draws = 5;
    cfg.warmup = 20;
    cfg.grid = 11;
    return gmdl_regress(mean, sd, x, t, 10, &cfg, err);
}

static void sweep_uq(void) {
    fi_sweep("calibration+ood+transform", case_uq, NULL);
    fi_sweep("evidence", case_evidence, NULL);
    fi_sweep("biasvar", case_biasvar, NULL);
    fi_sweep("regress (sgld)", case_regress, NULL);
}

int main(void) {
    fi_install();
    const char *src = getenv("GMDL_SOURCE_DIR");
    snprintf(src_dir, sizeof src_dir, "%s", src ? src : ".");
    snprintf(tmp_dir, sizeof tmp_dir, "faults_latent_%ld", (long)getpid());
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/set", tmp_dir);
    REQUIRE(system(cmd) == 0);
    sweep_mixtures();
    sweep_vae();
    sweep_survival();
    sweep_uq();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
