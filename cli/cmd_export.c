/* gmdl export: a model file as dependency-free C99 (NAME.h, NAME.c) for any target. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const cli_opt opts[] = {
    {"c", 0, OPT_STRING, "DIR", NULL,
     "folder to write NAME.h and NAME.c into, made if missing (required)", 1, 0, 0},
    {"name", 0, OPT_STRING, "NAME", "gmdl_net",
     "C identifier prefix of the generated functions and macros, and the file stem", 1, 0, 0},
    {"arith", 0, OPT_STRING, "float|int8", "float",
     "arithmetic of the generated code: float, or int8 (8-bit activations with per-layer scales "
     "calibrated on --calibrate training images, integer sums)",
     1, 0, 0},
    {"calibrate", 0, OPT_INT, "N", "1000",
     "int8: the first N training images of --data set the activation scales", 1, 1000000, 0},
    {"data", 0, OPT_STRING, "DIR", GMDL_DEFAULT_DATA,
     "int8: IDX folder whose training images calibrate", 1, 0, 0},
};

static const cli_cmd cmd = {
    "export",
    "gmdl export MODEL.gmz --c DIR [--name NAME] [--arith float|int8] [--calibrate N] [--json]",
    "Writes DIR/NAME.h and DIR/NAME.c: the net as dependency-free C99 (no allocation, one static\n"
    "scratch buffer, libm's expf only) with int NAME_predict(const float *pixels, float *probs)\n"
    "on raw IDX pixels (0..255) and NAME_predict_u8 on uint8_t pixels; both return the predicted\n"
    "class. A .gmz keeps its storage (bit-packed codes with a scale and zero point per layer,\n"
    "sws codebooks, sparse rows, pruned shapes); a .gmdl of dense or dropout exports float32\n"
    "weights. Both files are written atomically and only when the whole export succeeds; a\n"
    "damaged file or an unknown method or layer is exit 2. docs/DEPLOY.md has the details.\n"
    "JSON keys: files, weights_bytes (const data), scratch_bytes, arith, inputs, classes, ops.",
    opts,
    sizeof opts / sizeof opts[0],
    1,
    1};

/* The first n training images of dir for a model of `classes` classes into ds. */
static int calibration_set(gmdl_dataset *ds, const char *model, const char *dir, size_t n) {
    gmdl_err err = {{0}};
    gmdl_model *m;
    gmdl_status s = gmdl_model_load(&m, model, &err);
    if (s)
        return cli_fail("export", s, &err);
    int classes = gmdl_model_classes(m);
    gmdl_model_destroy(m);
    s = gmdl_dataset_load_dir(ds, dir, 0, classes, &err);
    if (s)
        return cli_fail("export", s, &err);
    if (ds->n > n)
        ds->n = n;
    return 0;
}

int cmd_export(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *dir = OPTV(&cmd, v, "c")->s, *arith = OPTV(&cmd, v, "arith")->s;
    if (!dir) {
        fprintf(stderr, "gmdl export: --c DIR is required\n");
        return 2;
    }
    gmdl_export_config cfg = gmdl_export_config_default();
    cfg.name = OPTV(&cmd, v, "name")->s;
    if (strcmp(arith, "float") == 0) {
        cfg.arith = GMDL_EXPORT_FLOAT;
    } else if (strcmp(arith, "int8") == 0) {
        cfg.arith = GMDL_EXPORT_INT8;
    } else {
        fprintf(stderr, "gmdl export: --arith %s: expected float or int8\n", arith);
        return 2;
    }
    gmdl_dataset ds;
    memset(&ds, 0, sizeof ds);
    if (cfg.arith == GMDL_EXPORT_INT8) {
        rc = calibration_set(&ds, pos[0], OPTV(&cmd, v, "data")->s,
                             (size_t)OPTV(&cmd, v, "calibrate")->i);
        if (rc)
            return rc;
        cfg.calib_x = ds.x;
        cfg.calib_n = ds.n;
        cli_note("gmdl export: int8 scales from %zu training images\n", ds.n);
    }
    /* a folder made here goes again if the export fails: no partial output */
    struct stat st;
    int made = stat(dir, &st) != 0;
    if (made && mkdir(dir, 0755) != 0) {
        fprintf(stderr, "gmdl export: %s: cannot create the folder: %s\n", dir, strerror(errno));
        gmdl_dataset_fini(&ds);
        return 1;
    }
    gmdl_err err = {{0}};
    gmdl_export_report r;
    gmdl_status s = gmdl_export_c(&r, pos[0], dir, &cfg, &err);
    gmdl_dataset_fini(&ds);
    if (s && made)
        rmdir(dir);
    if (s)
        return cli_fail("export", s, &err);
    if (cli_json()) {
        json_w j;
        char f[2][4200];
        snprintf(f[0], sizeof f[0], "%s/%s.h", dir, cfg.name);
        snprintf(f[1], sizeof f[1], "%s/%s.c", dir, cfg.name);
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_arr_begin(&j, "files");
        json_str(&j, NULL, f[0]);
        json_str(&j, NULL, f[1]);
        json_arr_end(&j);
        json_int(&j, "weights_bytes", (long long)r.weights_bytes);
        json_int(&j, "scratch_bytes", (long long)r.scratch_bytes);
        json_str(&j, "arith", arith);
        json_int(&j, "inputs", (long long)r.inputs);
        json_int(&j, "classes", r.classes);
        json_int(&j, "ops", r.ops);
        json_obj_end(&j);
        json_finish(&j);
    } else if (!cli_quiet()) {
        printf("wrote %s/%s.h and %s/%s.c: %zu bytes of weights, %zu bytes of scratch (%s)\n", dir,
               cfg.name, dir, cfg.name, r.weights_bytes, r.scratch_bytes, arith);
    }
    return 0;
}
