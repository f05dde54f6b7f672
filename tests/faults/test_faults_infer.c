/* Allocation fault injection over the samplers, VI and the graphical-model inference: every
 * failing allocation gives GMDL_ENOMEM and leaks nothing (faults.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults.h"
#include "gmdl/gmdl.h"

static char data_dir[1024];

static const char *data_path(const char *rel) {
    static char buf[2048];
    snprintf(buf, sizeof buf, "%s/%s", data_dir, rel);
    return buf;
}

/* ------------------------------------------------------------------ samplers */
typedef struct {
    gmdl_mcmc_method method;
    const gmdl_builtin *model;
} mcmc_ctx;

static gmdl_status case_mcmc(void *p, gmdl_err *err) {
    const mcmc_ctx *c = p;
    gmdl_mcmc_config cfg = gmdl_mcmc_config_default(c->method);
    cfg.chains = 2;
    cfg.n_draws = 20;
    cfg.n_warmup = 20;
    cfg.leapfrog = 4;
    cfg.threads = 1;
    cfg.batch = c->method == GMDL_MCMC_SGLD ? 10 : 0;
    gmdl_draws d = {0};
    gmdl_status s = gmdl_mcmc_run(&d, gmdl_builtin_target(c->model), &cfg, err);
    gmdl_draws_fini(&d);
    return s;
}

static gmdl_status case_rejection_importance(void *p, gmdl_err *err) {
    const gmdl_target *t = gmdl_builtin_target(p);
    double mean[2] = {0, 0}, sd[2] = {3, 3};
    gmdl_proposal q = {mean, sd, 0};
    gmdl_draws d = {0};
    gmdl_importance_result r;
    gmdl_status s = gmdl_importance_run(&d, &r, t, &q, 50, 1, err);
    gmdl_draws_fini(&d);
    return s;
}

static gmdl_status case_vi(void *p, gmdl_err *err) {
    gmdl_vi_config cfg = gmdl_vi_config_default();
    cfg.iters = 20;
    cfg.var_samples = 10;
    gmdl_vi_result r = {0};
    gmdl_status s = gmdl_vi_fit(&r, gmdl_builtin_target(p), &cfg, err);
    gmdl_vi_result_fini(&r);
    return s;
}

static gmdl_status case_builtin_eight(void *p, gmdl_err *err) {
    (void)p;
    static const double y[8] = {28, 8, -3, 7, -1, 1, 18, 12},
                        sg[8] = {15, 10, 16, 11, 9, 11, 10, 18};
    gmdl_builtin *m = NULL;
    gmdl_status s = gmdl_builtin_eight_schools(&m, y, sg, 8, err);
    gmdl_builtin_destroy(m);
    return s;
}

static gmdl_status case_builtin_mixture(void *p, gmdl_err *err) {
    (void)p;
    gmdl_builtin *m = NULL;
    gmdl_status s = gmdl_builtin_sgld_mixture(&m, 3, err);
    gmdl_builtin_destroy(m);
    return s;
}

static void sweep_samplers(void) {
    static const double y[8] = {28, 8, -3, 7, -1, 1, 18, 12},
                        sg[8] = {15, 10, 16, 11, 9, 11, 10, 18};
    gmdl_err err = {{0}};
    gmdl_builtin *eight = NULL, *mix = NULL;
    REQUIRE_OK(gmdl_builtin_eight_schools(&eight, y, sg, 8, &err));
    REQUIRE_OK(gmdl_builtin_sgld_mixture(&mix, 1, &err));
    fi_sweep("builtin eight schools", case_builtin_eight, NULL);
    fi_sweep("builtin sgld mixture", case_builtin_mixture, NULL);
    mcmc_ctx c[] = {{GMDL_MCMC_MH, eight},
                    {GMDL_MCMC_MALA, eight},
                    {GMDL_MCMC_HMC, eight},
                    {GMDL_MCMC_SGLD, mix}};
    const char *names[] = {"mcmc mh", "mcmc mala", "mcmc hmc", "mcmc sgld"};
    for (int i = 0; i < 4; i++)
        fi_sweep(names[i], case_mcmc, &c[i]);
    fi_sweep("importance sampling", case_rejection_importance, mix);
    fi_sweep("vi", case_vi, eight);
    gmdl_builtin_destroy(eight);
    gmdl_builtin_destroy(mix);
}

/* ------------------------------------------------------------------ Bayes nets and MRFs */
static gmdl_status case_read_bif(void *p, gmdl_err *err) {
    gmdl_bn *bn = NULL;
    gmdl_status s = gmdl_bn_read_bif(&bn, p, err);
    gmdl_bn_destroy(bn);
    return s;
}

static gmdl_status case_read_uai(void *p, gmdl_err *err) {
    gmdl_mrf *m = NULL;
    gmdl_status s = gmdl_mrf_read_uai(&m, p, err);
    gmdl_mrf_destroy(m);
    return s;
}

typedef struct {
    const gmdl_bn *bn;
    const gmdl_mrf *mrf;
    gmdl_query_method method;
    const char *path;
} pgm_ctx;

static gmdl_status case_bn_query(void *p, gmdl_err *err) {
    const pgm_ctx *c = p;
    int32_t ev[16];
    double probs[16];
    gmdl_status s = gmdl_bn_parse_evidence(ev, c->bn, "smoke=yes,xray=yes", err);
    if (s != GMDL_OK)
        return s;
    gmdl_query_config cfg = gmdl_query_config_default();
    cfg.method = c->method;
    cfg.samples = 200;
    cfg.burn_in = 10;
    gmdl_query_stats st;
    return gmdl_bn_query(probs, &st, c->bn, 2, ev, &cfg, err);
}

static gmdl_status case_bn_marginals(void *p, gmdl_err *err) {
    const pgm_ctx *c = p;
    double marg[64], logev;
    gmdl_exact_config cfg = gmdl_exact_config_default();
    return gmdl_bn_marginals(marg, &logev, c->bn, NULL, &cfg, err);
}

static gmdl_status case_bn_sample_learn(void *p, gmdl_err *err) {
    const pgm_ctx *c = p;
    size_t nv = gmdl_bn_nvars(c->bn), n = 60;
    gmdl_bn_data d = {0};
    gmdl_status s = gmdl_bn_data_init(&d, n, nv, err);
    uint32_t *rows = malloc(n * nv * sizeof *rows);
    if (s == GMDL_OK)
        s = rows ? gmdl_bn_sample(rows, c->bn, n, 7, 0, err) : GMDL_ENOMEM;
    for (size_t i = 0; s == GMDL_OK && i < n * nv; i++)
        d.x[i] = i % 5 == 0 ? -1 : (int32_t)rows[i]; /* every fifth cell missing: EM */
    gmdl_bn *bn = NULL;
    if (s == GMDL_OK)
        s = gmdl_bn_read_bif(&bn, c->path, err);
    gmdl_bn_learn_config cfg = gmdl_bn_learn_config_default();
    cfg.max_iter = 3;
    gmdl_bn_learn_stats st = {0};
    if (s == GMDL_OK)
        s = gmdl_bn_learn(bn, &st, &d, &cfg, err);
    gmdl_bn_learn_stats_fini(&st);
    gmdl_bn_destroy(bn);
    gmdl_bn_data_fini(&d);
    free(rows);
    return s;
}

static char csv_path[64];

/* A small complete-and-missing data file over asia's nodes, written before the sweep. */
static void write_asia_csv(void) {
    snprintf(csv_path, sizeof csv_path, "faults_asia_%ld.csv", (long)getpid());
    FILE *f = fopen(csv_path, "w");
    REQUIRE(f != NULL);
    fprintf(f, "asia,tub,smoke,lung,bronc,either,xray,dysp\n");
    for (int i = 0; i < 12; i++)
        fprintf(f, "%s,no,%s,no,?,no,%s,yes\n", i % 3 ? "no" : "yes", i % 2 ? "yes" : "no",
                i % 4 ? "NA" : "yes");
    REQUIRE(fclose(f) == 0);
}

static gmdl_status case_bn_data_read(void *p, gmdl_err *err) {
    const pgm_ctx *c = p;
    gmdl_bn_data d = {0};
    gmdl_status s = gmdl_bn_data_read(&d, c->bn, csv_path, err);
    gmdl_bn_data_fini(&d);
    return s;
}

/* Writes the net; on failure nothing may exist under the final name nor as a temporary. */
static gmdl_status case_bn_write(void *p, gmdl_err *err) {
    const pgm_ctx *c = p;
    char path[64];
    snprintf(path, sizeof path, "faults_bn_%ld.bif", (long)getpid());
    gmdl_status s = gmdl_bn_write_bif(path, c->bn, err);
    int exists = access(path, F_OK) == 0;
    remove(path);
    if (s != GMDL_OK && exists) {
        snprintf(err->msg, sizeof err->msg, "a failed write left %s", path);
        return GMDL_EIO;
    }
    return s;
}

static gmdl_status case_mrf_all(void *p, gmdl_err *err) {
    const pgm_ctx *c = p;
    size_t msz = gmdl_mrf_marginal_size(c->mrf);
    double *marg = malloc(msz * sizeof *marg), logz, ess, probs[64];
    int32_t *ev = malloc(gmdl_mrf_nvars(c->mrf) * sizeof *ev);
    if (!marg || !ev) {
        free(marg);
        free(ev);
        return GMDL_ENOMEM;
    }
    gmdl_status s = gmdl_mrf_read_evid(ev, c->mrf, c->path, err);
    gmdl_exact_config ec = gmdl_exact_config_default();
    gmdl_exact_stats es;
    if (s == GMDL_OK)
        s = gmdl_mrf_exact(&logz, marg, &es, c->mrf, ev, &ec, err);
    if (s == GMDL_OK)
        s = gmdl_mrf_ve(&logz, probs, c->mrf, ev, 0, &ec, err);
    gmdl_bp_config bc = gmdl_bp_config_default();
    gmdl_bp_stats bs;
    if (s == GMDL_OK)
        s = gmdl_mrf_bp(&logz, marg, &bs, c->mrf, ev, &bc, err);
    gmdl_gibbs_config gc = gmdl_gibbs_config_default();
    gc.sweeps = 20;
    gc.burn_in = 5;
    if (s == GMDL_OK)
        s = gmdl_mrf_gibbs(marg, c->mrf, ev, &gc, err);
    if (s == GMDL_OK)
        s = gmdl_mrf_ais(&logz, &ess, c->mrf, ev, &gc, 2, err);
    free(marg);
    free(ev);
    return s;
}

/* The Stan-format data accessor of user models. */
static gmdl_status case_data_json(void *p, gmdl_err *err) {
    gmdl_data *d = NULL;
    gmdl_status s = gmdl_data_json_open(&d, p, err);
    double y[8];
    size_t n = 0;
    long long J = 0;
    if (s == GMDL_OK)
        s = gmdl_data_int(&J, d, "J", err);
    if (s == GMDL_OK)
        s = gmdl_data_vector(y, 8, &n, d, "y", err);
    gmdl_data_close(d);
    return s;
}

/* Structure learning (hill climbing and PC) and the BDeu score on complete samples of asia. */
static gmdl_status case_structure(void *p, gmdl_err *err) {
    const gmdl_bn *bn = p;
    size_t nv = gmdl_bn_nvars(bn), n = 200;
    gmdl_bn_data d = {0};
    uint32_t *rows = malloc(n * nv * sizeof *rows), card[16];
    uint8_t dag[16 * 16], pdag[16 * 16];
    gmdl_status s = gmdl_bn_data_init(&d, n, nv, err);
    if (s == GMDL_OK)
        s = rows ? gmdl_bn_sample(rows, bn, n, 3, 0, err) : GMDL_ENOMEM;
    for (size_t i = 0; s == GMDL_OK && i < n * nv; i++)
        d.x[i] = (int32_t)rows[i];
    for (size_t v = 0; v < nv; v++)
        card[v] = gmdl_bn_card(bn, (uint32_t)v);
    gmdl_structure_config cfg = gmdl_structure_config_default();
    gmdl_structure_stats st;
    for (int m = 0; m < 2 && s == GMDL_OK; m++) {
        cfg.method = m ? GMDL_STRUCT_PC : GMDL_STRUCT_HC;
        cfg.restarts = 1;
        s = gmdl_bn_learn_structure(dag, pdag, &st, &d, card, &cfg, err);
    }
    gmdl_score_config sc = gmdl_score_config_default();
    sc.kind = GMDL_SCORE_BDEU;
    double score, fam[16];
    if (s == GMDL_OK)
        s = gmdl_bn_score(&score, fam, bn, &d, &sc, err);
    gmdl_bn_data_fini(&d);
    free(rows);
    return s;
}

/* MPE by max-product and by sum-max elimination, and a MAP over two variables. */
static gmdl_status case_map(void *p, gmdl_err *err) {
    const gmdl_bn *bn = p;
    uint32_t x[16];
    uint8_t query[16] = {0};
    query[3] = query[4] = 1;
    double lp;
    gmdl_exact_config cfg = gmdl_exact_config_default();
    gmdl_status s = gmdl_bn_map(x, &lp, bn, NULL, NULL, GMDL_MAP_JT, &cfg, err);
    if (s == GMDL_OK)
        s = gmdl_bn_map(x, &lp, bn, NULL, NULL, GMDL_MAP_VE, &cfg, err);
    if (s == GMDL_OK)
        s = gmdl_bn_map(x, &lp, bn, NULL, query, GMDL_MAP_JT, &cfg, err);
    return s;
}

static void sweep_pgm(void) {
    gmdl_err err = {{0}};
    char asia[2048], alarm[2048], uai[2048], evid[2048];
    snprintf(asia, sizeof asia, "%s", data_path("data/bif/asia.bif"));
    snprintf(uai, sizeof uai, "%s", data_path("pgm/fixtures/small.uai"));
    snprintf(evid, sizeof evid, "%s", data_path("pgm/fixtures/small.uai.evid"));
    fi_sweep("read bif (asia)", case_read_bif, asia);
    snprintf(alarm, sizeof alarm, "%s", data_path("data/bif/alarm.bif"));
    fi_sweep("read bif (alarm)", case_read_bif, alarm);
    fi_sweep("read uai", case_read_uai, uai);
    gmdl_bn *bn = NULL;
    gmdl_mrf *mrf = NULL;
    REQUIRE_OK_MSG(gmdl_bn_read_bif(&bn, asia, &err), err.msg);
    REQUIRE_OK_MSG(gmdl_mrf_read_uai(&mrf, uai, &err), err.msg);
    static const char *qn[] = {"bn query exact", "bn query ve", "bn query rejection", "bn query lw",
                               "bn query gibbs"};
    for (int q = 0; q <= GMDL_QUERY_GIBBS; q++) {
        pgm_ctx c = {bn, NULL, (gmdl_query_method)q, NULL};
        fi_sweep(qn[q], case_bn_query, &c);
    }
    pgm_ctx c = {bn, mrf, GMDL_QUERY_EXACT, asia};
    fi_sweep("bn marginals", case_bn_marginals, &c);
    fi_sweep("bn sample + learn (EM)", case_bn_sample_learn, &c);
    write_asia_csv();
    fi_sweep("bn data read (csv)", case_bn_data_read, &c);
    remove(csv_path);
    fi_sweep("bn write bif", case_bn_write, &c);
    c.path = evid;
    fi_sweep("mrf evid+exact+ve+bp+gibbs+ais", case_mrf_all, &c);
    fi_sweep("bn structure (hc, pc) + bdeu", case_structure, bn);
    fi_sweep("bn map (jt, ve, subset)", case_map, bn);
    char schools[2048];
    snprintf(schools, sizeof schools, "%s",
             data_path("data/posteriors/eight_schools-eight_schools_noncentered/data.json"));
    fi_sweep("stan data json", case_data_json, schools);
    gmdl_bn_destroy(bn);
    gmdl_mrf_destroy(mrf);
}

int main(void) {
    fi_install();
    const char *src = getenv("GMDL_SOURCE_DIR");
    snprintf(data_dir, sizeof data_dir, "%s/tests", src ? src : ".");
    sweep_samplers();
    sweep_pgm();
    TEST_MAIN_END();
}
