/* Allocation fault injection over the data readers, model building, training steps, evaluation,
 * model files and compression: every failing allocation gives GMDL_ENOMEM, leaks nothing, and a
 * failed save leaves no file (faults.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults.h"
#include "gmdl/gmdl.h"
#include "idx_fixture.h"
#include "model/model_internal.h"

static char src_dir[1024], tmp_dir[128];

static char *path_in(const char *dir, const char *rel) {
    static char buf[4][2048];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, rel);
    return buf[k];
}

/* ------------------------------------------------------------------ readers */
static gmdl_status case_idx(void *p, gmdl_err *err) {
    gmdl_idx idx = {0};
    gmdl_status s = gmdl_idx_read(&idx, p, err);
    gmdl_idx_fini(&idx);
    return s;
}

static gmdl_status case_dataset(void *p, gmdl_err *err) {
    gmdl_dataset ds = {0};
    gmdl_status s = gmdl_dataset_load_dir(&ds, p, 0, 10, err);
    gmdl_dataset_fini(&ds);
    return s;
}

static gmdl_status case_csv(void *p, gmdl_err *err) {
    gmdl_csv csv = {0};
    gmdl_status s = gmdl_csv_read(&csv, p, err);
    gmdl_csv_fini(&csv);
    return s;
}

static gmdl_status case_libsvm(void *p, gmdl_err *err) {
    gmdl_libsvm d = {0};
    gmdl_status s = gmdl_libsvm_read(&d, p, 20, err);
    gmdl_libsvm_fini(&d);
    return s;
}

static gmdl_status case_json(void *p, gmdl_err *err) {
    gmdl_json j = {0};
    gmdl_status s = gmdl_json_read_file(&j, p, err);
    gmdl_json_fini(&j);
    return s;
}

static void sweep_readers(void) {
    char set[256], gzset[256];
    snprintf(set, sizeof set, "%s/raw", tmp_dir);
    snprintf(gzset, sizeof gzset, "%s/gz", tmp_dir);
    REQUIRE(fx_write_set(set, 40, 20, 0, 3) == 0);
    REQUIRE(fx_write_set(gzset, 40, 20, 1, 3) == 0);
    fi_sweep("idx raw", case_idx, path_in(set, "train-images-idx3-ubyte"));
    fi_sweep("idx gz", case_idx, path_in(gzset, "train-images-idx3-ubyte.gz"));
    fi_sweep("idx data set (raw)", case_dataset, set);
    fi_sweep("idx data set (gz)", case_dataset, gzset);
    fi_sweep("csv (iris)", case_csv, path_in(src_dir, "tests/data/sklearn/iris.csv"));
    char *svm = path_in(tmp_dir, "small.svm");
    FILE *f = fopen(svm, "w");
    REQUIRE(f != NULL);
    for (int i = 0; i < 30; i++)
        fprintf(f, "%d 1:%d 3:0.5 %d:1\n", i % 2 ? 1 : -1, i, 4 + i % 7);
    REQUIRE(fclose(f) == 0);
    fi_sweep("libsvm", case_libsvm, svm);
    fi_sweep("json (eight schools)", case_json,
             path_in(src_dir, "tests/data/posteriors/eight_schools-eight_schools_noncentered/"
                              "data.json"));
}

/* ------------------------------------------------------------------ models */
typedef struct {
    const char *arch, *method;
    const gmdl_dataset *train, *test;
    const gmdl_model *init; /* for sws: the trained dense net it starts from */
} model_ctx;

static gmdl_train_config tiny_config(const model_ctx *c) {
    gmdl_train_config cfg = gmdl_train_config_default();
    snprintf(cfg.arch, sizeof cfg.arch, "%s", c->arch);
    snprintf(cfg.method, sizeof cfg.method, "%s", c->method);
    cfg.epochs = 2;
    cfg.batch = 16;
    cfg.kl_warmup_start = 0;
    cfg.kl_warmup_epochs = 1;
    cfg.sws.harden_n = 0; /* hardening needs an epoch per stage */
    return cfg;
}

/* Build, one training epoch (with the test set evaluated after it), then evaluation with and
 * without posterior samples and per-input prediction. */
static gmdl_status case_train(void *p, gmdl_err *err) {
    const model_ctx *c = p;
    gmdl_train_config cfg = tiny_config(c);
    gmdl_model *m = NULL;
    gmdl_model_workspace *ws = NULL;
    gmdl_status s = gmdl_model_create(&m, &cfg, 1, 28, 28, 10, err);
    int copied = 0;
    if (s == GMDL_OK && c->init)
        s = gmdl_model_init_from(m, &copied, c->init, err);
    gmdl_epoch_stats st;
    if (s == GMDL_OK)
        s = gmdl_model_train_epoch(m, &st, c->train, c->test, NULL, NULL, err);
    gmdl_eval_result r;
    if (s == GMDL_OK)
        s = gmdl_model_evaluate(&r, m, c->test, gmdl_model_is_stochastic(m) ? 3 : 0, 1, NULL, err);
    if (s == GMDL_OK)
        s = gmdl_model_workspace_create(&ws, m, err);
    float probs[4 * 10];
    int32_t pred[4];
    double h[4], eh[4], mi[4];
    gmdl_prediction out = {probs, pred, h, eh, mi};
    if (s == GMDL_OK)
        s = gmdl_model_predict(&out, m, c->test->x, 4, 0, 1, ws, err);
    gmdl_model_workspace_destroy(ws);
    gmdl_model_destroy(m);
    return s;
}

typedef struct {
    gmdl_model *m;
    const gmdl_dataset *test;
    char path[256];
} file_ctx;

/* A failed write must leave nothing under the final name and no temporary beside it. */
static gmdl_status no_leftovers(gmdl_status s, const char *path, gmdl_err *err) {
    int exists = access(path, F_OK) == 0;
    remove(path);
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int tmp_exists = access(tmp, F_OK) == 0;
    if (s != GMDL_OK && (exists || tmp_exists)) {
        snprintf(err->msg, sizeof err->msg, "a failed write left %s", exists ? path : tmp);
        return GMDL_EIO;
    }
    return s;
}

static gmdl_status case_save(void *p, gmdl_err *err) {
    file_ctx *c = p;
    return no_leftovers(gmdl_model_save(c->m, c->path, err), c->path, err);
}

static gmdl_status case_load(void *p, gmdl_err *err) {
    gmdl_model *m = NULL;
    gmdl_status s = gmdl_model_load(&m, ((file_ctx *)p)->path, err);
    gmdl_model_destroy(m);
    return s;
}

/* Compression leaves the model as it was, whichever allocation fails (its parameters are
 * compared byte for byte: a failed run once copied an unfilled buffer over them). */
static gmdl_status case_compress(void *p, gmdl_err *err) {
    file_ctx *c = p;
    gmdl_compress_config cc = gmdl_compress_config_default();
    gmdl_compress_report rep;
    const size_t bytes = c->m->nstore * sizeof(float);
    float *before = malloc(bytes ? bytes : 1); /* the test's own memory: not fault-injected */
    REQUIRE(before != NULL);
    memcpy(before, c->m->params, bytes);
    gmdl_status s = gmdl_model_compress(&rep, c->m, c->test, &cc, c->path, err);
    gmdl_compress_report_fini(&rep);
    CHECK(memcmp(before, c->m->params, bytes) == 0);
    free(before);
    return no_leftovers(s, c->path, err);
}

/* Trains m for one epoch (no faults), for the file and compression sweeps. */
static gmdl_model *trained(const model_ctx *c) {
    gmdl_err err = {{0}};
    gmdl_train_config cfg = tiny_config(c);
    gmdl_model *m = NULL;
    REQUIRE_OK_MSG(gmdl_model_create(&m, &cfg, 1, 28, 28, 10, &err), err.msg);
    int copied;
    if (c->init)
        REQUIRE_OK_MSG(gmdl_model_init_from(m, &copied, c->init, &err), err.msg);
    gmdl_epoch_stats st;
    REQUIRE_OK_MSG(gmdl_model_train_epoch(m, &st, c->train, NULL, NULL, NULL, &err), err.msg);
    return m;
}

static void sweep_files(const model_ctx *c, const char *tag, int compress) {
    gmdl_err err = {{0}};
    file_ctx f = {trained(c), c->test, ""};
    char name[160];
    snprintf(f.path, sizeof f.path, "%s/%s.gmdl", tmp_dir, tag);
    snprintf(name, sizeof name, "save %s", tag);
    fi_sweep(name, case_save, &f);
    REQUIRE_OK_MSG(gmdl_model_save(f.m, f.path, &err), err.msg);
    snprintf(name, sizeof name, "load %s", tag);
    fi_sweep(name, case_load, &f);
    remove(f.path);
    if (compress) {
        snprintf(f.path, sizeof f.path, "%s/%s.gmz", tmp_dir, tag);
        snprintf(name, sizeof name, "compress %s", tag);
        fi_sweep(name, case_compress, &f);
        gmdl_compress_config cc = gmdl_compress_config_default();
        gmdl_compress_report rep;
        REQUIRE_OK_MSG(gmdl_model_compress(&rep, f.m, c->test, &cc, f.path, &err), err.msg);
        gmdl_compress_report_fini(&rep);
        snprintf(name, sizeof name, "load %s.gmz", tag);
        fi_sweep(name, case_load, &f);
        remove(f.path);
    }
    gmdl_model_destroy(f.m);
}

/* A net on a table (iris): read, split, standardise, build, train, save, load. */
static gmdl_status case_table(void *p, gmdl_err *err) {
    const char *out = ((const file_ctx *)p)->path;
    char csv[1200];
    snprintf(csv, sizeof csv, "%s/tests/data/sklearn/iris.csv", src_dir);
    gmdl_table t = {0};
    gmdl_dataset train = {0}, test = {0};
    gmdl_model *m = NULL, *back = NULL;
    gmdl_status s = gmdl_table_read(&t, csv, "target", NULL, 1, err);
    if (s == GMDL_OK)
        s = gmdl_dataset_split(&train, &test, &t.ds, 0.3, 1, err);
    float mean[8], sd[8];
    gmdl_train_config cfg = gmdl_train_config_default();
    snprintf(cfg.arch, sizeof cfg.arch, "mlp:6");
    snprintf(cfg.method, sizeof cfg.method, "svd");
    cfg.batch = 16;
    if (s == GMDL_OK) {
        gmdl_dataset_moments(mean, sd, &train);
        s = gmdl_model_create(&m, &cfg, 1, 1, (int)t.ds.dim, t.nclasses, err);
    }
    gmdl_tabular_info info = {t.format, "target", t.columns, t.classes, t.ds.dim, mean, sd};
    if (s == GMDL_OK)
        s = gmdl_model_set_tabular(m, &info, err);
    gmdl_epoch_stats st;
    if (s == GMDL_OK)
        s = gmdl_model_train_epoch(m, &st, &train, &test, NULL, NULL, err);
    if (s == GMDL_OK)
        s = no_leftovers(gmdl_model_save(m, out, err), out, err);
    if (s == GMDL_OK) {
        s = gmdl_model_save(m, out, err);
        if (s == GMDL_OK)
            s = gmdl_model_load(&back, out, err);
        remove(out);
    }
    gmdl_model_destroy(back);
    gmdl_model_destroy(m);
    gmdl_dataset_fini(&train);
    gmdl_dataset_fini(&test);
    gmdl_table_fini(&t);
    return s;
}

static void sweep_models(void) {
    gmdl_err err = {{0}};
    char set[256];
    snprintf(set, sizeof set, "%s/raw", tmp_dir);
    gmdl_dataset train = {0}, test = {0};
    REQUIRE_OK_MSG(gmdl_dataset_load_dir(&train, set, 0, 10, &err), err.msg);
    REQUIRE_OK_MSG(gmdl_dataset_load_dir(&test, set, 1, 10, &err), err.msg);
    static const char *archs[] = {"mlp:12", "cnn:c2k5-p2-d8"};
    static const char *methods[] = {"dense", "dropout", "svd", "vd", "bbb", "bc-gnj", "bc-ghs"};
    for (int a = 0; a < 2; a++)
        for (size_t k = 0; k < sizeof methods / sizeof methods[0]; k++) {
            model_ctx c = {archs[a], methods[k], &train, &test, NULL};
            char name[96];
            snprintf(name, sizeof name, "train %s %s", archs[a], methods[k]);
            fi_sweep(name, case_train, &c);
            if (a == 0 || k == 2 || k == 5) {
                snprintf(name, sizeof name, "%s-%s", a ? "cnn" : "mlp", methods[k]);
                sweep_files(&c, name, k >= 2);
            }
        }
    model_ctx d = {"mlp:12", "dense", &train, &test, NULL};
    gmdl_model *dense = trained(&d);
    model_ctx sws = {"mlp:12", "sws", &train, &test, dense};
    fi_sweep("train mlp:12 sws (init)", case_train, &sws);
    sweep_files(&sws, "mlp-sws", 1);
    file_ctx tf = {NULL, NULL, ""};
    snprintf(tf.path, sizeof tf.path, "%s/table.gmdl", tmp_dir);
    fi_sweep("table (iris) read+train+save+load", case_table, &tf);
    gmdl_model_destroy(dense);
    gmdl_dataset_fini(&train);
    gmdl_dataset_fini(&test);
}

int main(void) {
    fi_install();
    const char *src = getenv("GMDL_SOURCE_DIR");
    snprintf(src_dir, sizeof src_dir, "%s", src ? src : ".");
    snprintf(tmp_dir, sizeof tmp_dir, "faults_model_%ld", (long)getpid());
    char mk[512];
    snprintf(mk, sizeof mk, "mkdir -p %s/raw %s/gz", tmp_dir, tmp_dir);
    REQUIRE(system(mk) == 0);
    sweep_readers();
    sweep_models();
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
