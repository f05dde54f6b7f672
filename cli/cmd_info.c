/* gmdl info: describes a model file (after validating it completely). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_cmd cmd = {
    "info",
    "gmdl info MODEL [--json]",
    "Validates a model file (magic, version, sizes, every checksum) and prints its architecture,\n"
    "method, parameter counts, training configuration and per-epoch history. JSON keys: arch,\n"
    "method, input (c, h, w), classes, parameters, layers, epoch, epochs, step, seed, batch,\n"
    "optimizer, lr, history.",
    NULL, /* only the common --json and --quiet */
    0,
    1,
    1};

int cmd_info(int argc, char **argv) {
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, NULL, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    gmdl_err err = {{0}};
    gmdl_model *m;
    gmdl_status s = gmdl_model_load(&m, pos[0], &err);
    if (s)
        return cli_fail("info", s, &err);
    const gmdl_train_config *c = gmdl_model_config(m);
    int ic, ih, iw, nh;
    gmdl_model_input_shape(&ic, &ih, &iw, m);
    const gmdl_epoch_stats *h = gmdl_model_history(&nh, m);
    const char *opt = c->optimizer == GMDL_OPT_SGD ? "sgd" : "adam";
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_str(&j, "model", pos[0]);
        json_str(&j, "arch", c->arch);
        json_str(&j, "method", c->method);
        json_bool(&j, "compressed", gmdl_model_is_compressed(m));
        json_arr_begin(&j, "input");
        json_int(&j, NULL, ic);
        json_int(&j, NULL, ih);
        json_int(&j, NULL, iw);
        json_arr_end(&j);
        json_int(&j, "classes", gmdl_model_classes(m));
        json_int(&j, "parameters", (long long)gmdl_model_param_count(m));
        json_arr_begin(&j, "layers");
        for (int i = 0; i < gmdl_model_layer_count(m); i++) {
            gmdl_layer_info li;
            gmdl_model_layer_info(&li, m, i);
            json_obj_begin(&j, NULL);
            json_str(&j, "name", li.name);
            json_str(&j, "kind", li.kind);
            json_int(&j, "in", (long long)li.in_size);
            json_int(&j, "out", (long long)li.out_size);
            json_int(&j, "parameters", (long long)li.params);
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_int(&j, "epoch", gmdl_model_epoch(m));
        json_int(&j, "epochs", c->epochs);
        json_int(&j, "step", (long long)gmdl_model_step(m));
        json_int(&j, "seed", (long long)c->seed);
        json_int(&j, "batch", c->batch);
        json_str(&j, "optimizer", opt);
        json_num(&j, "lr", c->lr);
        json_arr_begin(&j, "history");
        for (int i = 0; i < nh; i++) {
            json_obj_begin(&j, NULL);
            json_int(&j, "epoch", h[i].epoch);
            json_num(&j, "train_loss", h[i].train_loss);
            json_num(&j, "train_accuracy", h[i].train_accuracy);
            json_num(&j, "test_accuracy", h[i].test_accuracy);
            json_num(&j, "test_nll", h[i].test_loss);
            json_num(&j, "kl", h[i].kl);
            json_num(&j, "kept_fraction", h[i].kept);
            json_num(&j, "kept_units", h[i].kept_units);
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_finish(&j);
    } else {
        printf("model        %s\n", pos[0]);
        const char *how = "";
        if (gmdl_model_is_compressed(m)) { /* bc-* files decode into the pruned net */
            int sparse = 0;
            for (int i = 0; i < gmdl_model_layer_count(m); i++) {
                gmdl_layer_info li;
                gmdl_model_layer_info(&li, m, i);
                sparse |= strcmp(li.kind, "sparse_dense") == 0;
            }
            gmdl_method_info mi;
            gmdl_err merr;
            how = gmdl_method_lookup(&mi, c->method, &merr) == GMDL_OK && mi.structured
                      ? " (compressed: quantised weights, the pruned architecture)"
                  : sparse ? " (compressed: quantised weights, sparse layers)"
                           : " (compressed: quantised weights)";
        }
        printf("arch         %s\nmethod       %s%s\n", c->arch, c->method, how);
        printf("input        %dx%dx%d, %d classes\n", ic, ih, iw, gmdl_model_classes(m));
        printf("parameters   %zu\n", gmdl_model_param_count(m));
        printf("layers      ");
        for (int i = 0; i < gmdl_model_layer_count(m); i++) {
            gmdl_layer_info li;
            gmdl_model_layer_info(&li, m, i);
            printf(" %s(%s %zu->%zu)", li.name, li.kind, li.in_size, li.out_size);
        }
        printf("\ntraining     epoch %d of %d, step %llu, batch %d, %s lr %g, seed %llu\n",
               gmdl_model_epoch(m), c->epochs, (unsigned long long)gmdl_model_step(m), c->batch,
               opt, c->lr, (unsigned long long)c->seed);
        if (nh) {
            printf("\n%6s %11s %10s %9s %9s %11s %8s\n", "epoch", "train_loss", "train_acc",
                   "test_acc", "test_nll", "kl", "kept");
            for (int i = 0; i < nh; i++)
                printf("%6d %11.4f %10.4f %9.4f %9.4f %11.5g %8.4f\n", h[i].epoch, h[i].train_loss,
                       h[i].train_accuracy, h[i].test_accuracy, h[i].test_loss, h[i].kl, h[i].kept);
        }
    }
    gmdl_model_destroy(m);
    return 0;
}
