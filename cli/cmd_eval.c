/* gmdl eval: evaluates a saved model on the test set of an IDX data set: accuracy, calibration
 * (NLL, Brier, ECE) and the mean predictive uncertainty; optionally a reliability diagram. */
#include <stdio.h>
#include <string.h>

#include "uq_cli.h"

static const cli_opt opts[] = {
    {"data", 0, OPT_STRING, "DIR", GMDL_DEFAULT_DATA,
     "folder with the IDX files; the t10k-* pair is used", 1, 0, 0},
    {"mc", 0, OPT_INT, "S", "0",
     "average S stochastic forward passes (posterior samples, MC dropout); 0 = deterministic "
     "mean; refused for a model with nothing stochastic",
     0, 100000, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed for --mc", 0, 9.2e18, 0},
    {"reliability", 0, OPT_STRING, "FILE.png", NULL,
     "also draw the reliability diagram (15 equal-width confidence bins) into FILE.png", 1, 0, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores)", 0, 1024, 0},
};

static const cli_cmd cmd = {
    "eval",
    "gmdl eval MODEL [--data DIR] [--mc S] [--reliability FILE.png] [--json]",
    "Evaluates a model file on the test images of an IDX data set (default: Fashion-MNIST).\n"
    "Reports accuracy, error, negative log-likelihood (nats per image), expected calibration\n"
    "error (15 equal-width bins), Brier score (sum over classes), and the mean predictive "
    "entropy,\n"
    "expected entropy and mutual information (nats; the last two need --mc). --mc on a model with\n"
    "no posterior and no dropout, or on a compressed .gmz (it keeps only the posterior means), is\n"
    "bad usage (exit 2). JSON keys: test_accuracy, test_error, nll, ece, brier, mean_entropy,\n"
    "mean_expected_entropy, mean_mutual_information, n, mc, model.",
    opts,
    sizeof opts / sizeof opts[0],
    1,
    1};

static void report(const gmdl_eval_result *r, int mc, const char *model) {
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_num(&j, "test_accuracy", r->accuracy);
        json_num(&j, "test_error", 1.0 - r->accuracy);
        json_num(&j, "nll", r->nll);
        json_num(&j, "ece", r->ece);
        json_num(&j, "brier", r->brier);
        json_num(&j, "mean_entropy", r->mean_entropy);
        json_num(&j, "mean_expected_entropy", r->mean_expected_entropy);
        json_num(&j, "mean_mutual_information", r->mean_mutual_information);
        json_int(&j, "n", (long long)r->n);
        json_int(&j, "mc", mc);
        json_str(&j, "model", model);
        json_finish(&j);
        return;
    }
    printf("model          %s\n", model);
    printf("test images    %zu%s\n", r->n, mc ? "" : " (deterministic mean prediction)");
    if (mc)
        printf("mc samples     %d\n", mc);
    printf("accuracy       %.4f (error %.2f%%)\n", r->accuracy, 100.0 * (1.0 - r->accuracy));
    printf("nll            %.4f nats/image\n", r->nll);
    printf("ece            %.4f\n", r->ece);
    printf("brier          %.4f\n", r->brier);
    printf("entropy        %.4f nats (mean)\n", r->mean_entropy);
    if (mc) {
        printf("exp. entropy   %.4f nats (mean)\n", r->mean_expected_entropy);
        printf("mutual info    %.4f nats (mean)\n", r->mean_mutual_information);
    }
}

int cmd_eval(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    cli_threads(OPTV(&cmd, v, "threads")->i);
    gmdl_err err = {{0}};
    gmdl_model *m;
    gmdl_status s = gmdl_model_load(&m, pos[0], &err);
    if (s)
        return cli_fail("eval", s, &err);
    int mc = (int)OPTV(&cmd, v, "mc")->i;
    gmdl_dataset test;
    memset(&test, 0, sizeof test);
    uq_inputs tab; /* a model trained on a table reads one with its labels */
    memset(&tab, 0, sizeof tab);
    const char *data = OPTV(&cmd, v, "data")->s;
    s = gmdl_model_check_mc(m, mc, &err);
    if (!s && gmdl_model_tabular(m)) {
        if ((rc = uq_inputs_load(&tab, "eval", data, m, 1, 1)) != 0) {
            gmdl_model_destroy(m);
            return rc;
        }
    } else if (!s) {
        s = gmdl_dataset_load_dir(&test, data, 1, gmdl_model_classes(m), &err);
    }
    gmdl_eval_result r;
    if (!s) {
        gmdl_set_flush_denormals(1);
        s = gmdl_model_evaluate(&r, m, gmdl_model_tabular(m) ? &tab.tab.ds : &test, mc,
                                (uint64_t)OPTV(&cmd, v, "seed")->i, NULL, &err);
    }
    gmdl_dataset_fini(&test);
    uq_inputs_fini(&tab);
    gmdl_model_destroy(m);
    if (s)
        return cli_fail("eval", s, &err);
    const char *png = OPTV(&cmd, v, "reliability")->s;
    if (png && (rc = uq_plot_reliability("eval", png, &r, pos[0])) != 0)
        return rc;
    report(&r, mc, pos[0]);
    return 0;
}
