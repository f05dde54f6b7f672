/* gmdl predict: per-input class probabilities and predictive uncertainty of a model on IDX
 * images, as CSV. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uq_cli.h"

static const cli_opt opts[] = {
    {"data", 0, OPT_STRING, "DIR|FILE", GMDL_DEFAULT_DATA,
     "an IDX folder (its t10k-* test pair, labels included) or one IDX image file", 1, 0, 0},
    {"mc", 0, OPT_INT, "S", "0",
     "average S posterior samples (stochastic passes) and add the expected entropy and mutual "
     "information; refused for a model with nothing stochastic",
     0, 100000, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed for --mc", 0, 9.2e18, 0},
    {"out", 'o', OPT_STRING, "FILE.csv", NULL, "CSV to write (one row per input; required)", 1, 0,
     0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores)", 0, 1024, 0},
};

static const cli_cmd cmd = {
    "predict",
    "gmdl predict MODEL --data DIR|FILE [--mc S] --out FILE.csv [--json]",
    "Class probabilities and predictive uncertainty of a model file (.gmdl or .gmz) for every\n"
    "input. CSV columns: index, label (when known), pred, p0..p{K-1}, entropy, and with --mc\n"
    "also expected_entropy, mutual_information (nats; entropy = H[mean p], expected entropy =\n"
    "mean H[p_s], mutual information = their difference, the epistemic part). JSON keys: n,\n"
    "test_accuracy (when labels are known), mean_entropy, mean_mutual_information, mc, out.",
    opts,
    sizeof opts / sizeof opts[0],
    1,
    1};

typedef struct {
    float *probs;
    int32_t *pred;
    double *h, *eh, *mi;
} outputs;

static void outputs_free(outputs *o) {
    free(o->probs);
    free(o->pred);
    free(o->h);
    free(o->eh);
    free(o->mi);
}

static int write_csv(const char *path, const uq_inputs *in, const outputs *o, int K, int mc) {
    char tmp[4200];
    FILE *f = uq_out_open("predict", path, tmp, sizeof tmp);
    if (!f)
        return 1;
    fprintf(f, "index%s,pred", in->y ? ",label" : "");
    for (int k = 0; k < K; k++)
        fprintf(f, ",p%d", k);
    fprintf(f, ",entropy%s\n", mc ? ",expected_entropy,mutual_information" : "");
    for (size_t i = 0; i < in->n; i++) {
        fprintf(f, "%zu", i);
        if (in->y)
            fprintf(f, ",%d", (int)in->y[i]);
        fprintf(f, ",%d", (int)o->pred[i]);
        for (int k = 0; k < K; k++)
            fprintf(f, ",%.9g", (double)o->probs[i * (size_t)K + (size_t)k]);
        fprintf(f, ",%.9g", o->h[i]);
        if (mc)
            fprintf(f, ",%.9g,%.9g", o->eh[i], o->mi[i]);
        fprintf(f, "\n");
    }
    return uq_out_close("predict", f, tmp, path);
}

static void report(const uq_inputs *in, const outputs *o, int mc, const char *out) {
    double hits = 0, h = 0, mi = 0, N = (double)in->n;
    for (size_t i = 0; i < in->n; i++) {
        hits += in->y && in->y[i] == o->pred[i];
        h += o->h[i] / N;
        mi += o->mi[i] / N;
    }
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_int(&j, "n", (long long)in->n);
        if (in->y)
            json_num(&j, "test_accuracy", hits / N);
        json_num(&j, "mean_entropy", h);
        json_num(&j, "mean_mutual_information", mi);
        json_int(&j, "mc", mc);
        json_str(&j, "out", out);
        json_finish(&j);
        return;
    }
    printf("inputs         %zu\n", in->n);
    if (in->y)
        printf("accuracy       %.4f\n", hits / N);
    printf("mean entropy   %.4f nats\n", h);
    if (mc)
        printf("mean mutual information %.4f nats (%d samples)\n", mi, mc);
    printf("written        %s\n", out);
}

int cmd_predict(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *out = OPTV(&cmd, v, "out")->s;
    if (!out) {
        fprintf(stderr, "gmdl predict: --out FILE.csv is required\n");
        return 2;
    }
    cli_threads(OPTV(&cmd, v, "threads")->i);
    gmdl_err err = {{0}};
    gmdl_model *m;
    gmdl_status s = gmdl_model_load(&m, pos[0], &err);
    if (s)
        return cli_fail("predict", s, &err);
    const int mc = (int)OPTV(&cmd, v, "mc")->i, K = gmdl_model_classes(m);
    if ((s = gmdl_model_check_mc(m, mc, &err)) != GMDL_OK) {
        gmdl_model_destroy(m);
        return cli_fail("predict", s, &err);
    }
    uq_inputs in;
    if ((rc = uq_inputs_load(&in, "predict", OPTV(&cmd, v, "data")->s, m, 1, 0)) != 0) {
        gmdl_model_destroy(m);
        return rc;
    }
    outputs o = {malloc(in.n * (size_t)K * sizeof(float)), malloc(in.n * sizeof(int32_t)),
                 malloc(in.n * sizeof(double)), malloc(in.n * sizeof(double)),
                 malloc(in.n * sizeof(double))};
    if (!o.probs || !o.pred || !o.h || !o.eh || !o.mi) {
        s = GMDL_ENOMEM;
    } else {
        gmdl_prediction pr = {o.probs, o.pred, o.h, o.eh, o.mi};
        gmdl_set_flush_denormals(1);
        s = gmdl_model_predict(&pr, m, in.x, in.n, mc, (uint64_t)OPTV(&cmd, v, "seed")->i, NULL,
                               &err);
    }
    gmdl_model_destroy(m);
    rc = s ? cli_fail("predict", s, &err) : write_csv(out, &in, &o, K, mc);
    if (!rc)
        report(&in, &o, mc, out);
    outputs_free(&o);
    uq_inputs_fini(&in);
    return rc;
}
