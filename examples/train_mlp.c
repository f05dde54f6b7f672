/* Example: train a small MLP on an IDX data set with the public API, then save and reload it.
 *   example_train_mlp DATA_DIR MODEL_OUT [EPOCHS]
 * Build against an installed gmdl: cc train_mlp.c $(pkg-config --cflags --libs gmdl) */
#include <gmdl/gmdl.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s DATA_DIR MODEL_OUT [EPOCHS]\n", argv[0]);
        return 2;
    }
    gmdl_err err = {{0}};
    gmdl_dataset train, test;
    if (gmdl_dataset_load_dir(&train, argv[1], 0, 10, &err) != GMDL_OK ||
        gmdl_dataset_load_dir(&test, argv[1], 1, 10, &err) != GMDL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    gmdl_train_config cfg = gmdl_train_config_default();
    snprintf(cfg.arch, sizeof cfg.arch, "mlp:64");
    cfg.epochs = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 1;
    gmdl_model *m;
    if (gmdl_model_create(&m, &cfg, train.c, train.h, train.w, 10, &err) != GMDL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    for (int e = 0; e < cfg.epochs; e++) {
        gmdl_epoch_stats st;
        if (gmdl_model_train_epoch(m, &st, &train, &test, NULL, NULL, &err) != GMDL_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        printf("epoch %d: loss %.4f, test accuracy %.4f\n", st.epoch, st.train_loss,
               st.test_accuracy);
    }
    if (gmdl_model_save(m, argv[2], &err) != GMDL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    gmdl_model_destroy(m);
    gmdl_model *back;
    gmdl_eval_result r;
    if (gmdl_model_load(&back, argv[2], &err) != GMDL_OK ||
        gmdl_model_evaluate(&r, back, &test, 0, 0, NULL, &err) != GMDL_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("reloaded model: test accuracy %.4f on %zu images\n", r.accuracy, r.n);
    gmdl_model_destroy(back);
    gmdl_dataset_fini(&train);
    gmdl_dataset_fini(&test);
    return 0;
}
