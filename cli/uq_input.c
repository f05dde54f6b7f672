/* Inputs of the uncertainty commands: the test images of an IDX folder (with their labels) or
 * the images of one IDX file (unlabelled), checked against the model's input shape; and the
 * atomic text outputs (a temporary file renamed over the target). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uq_cli.h"

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The images of one IDX file as floats in [0, 1]. */
static gmdl_status load_file(uq_inputs *in, const char *path, gmdl_err *err) {
    gmdl_idx im;
    gmdl_status s = gmdl_idx_read(&im, path, err);
    if (s)
        return s;
    if (im.type != GMDL_IDX_U8 || (im.ndim != 3 && im.ndim != 4)) {
        snprintf(err->msg, sizeof err->msg,
                 "%s: expected unsigned-byte images with 3 dimensions [n, h, w] or 4 [n, c, h, w]",
                 path);
        gmdl_idx_fini(&im);
        return GMDL_EINVAL;
    }
    in->n = im.dims[0];
    in->c = im.ndim == 4 ? (int)im.dims[1] : 1;
    in->h = (int)im.dims[im.ndim - 2];
    in->w = (int)im.dims[im.ndim - 1];
    in->dim = (size_t)in->c * (size_t)in->h * (size_t)in->w;
    in->own = malloc(in->n * in->dim * sizeof(float) + 1);
    if (!in->own) {
        gmdl_idx_fini(&im);
        return GMDL_ENOMEM;
    }
    for (size_t i = 0; i < in->n * in->dim; i++)
        in->own[i] = (float)im.data[i] * (1.0f / 255.0f);
    in->x = in->own;
    gmdl_idx_fini(&im);
    return GMDL_OK;
}

/* The rows of a table for a model trained on one. */
static int load_table(uq_inputs *in,
                      const char *cmd,
                      const char *path,
                      const gmdl_tabular_info *t,
                      int keep_labels,
                      int need_labels) {
    gmdl_err err = {{0}};
    if (is_dir(path)) {
        fprintf(stderr,
                "gmdl %s: the model was trained on a table (%s): give --data FILE, a table "
                "with its columns\n",
                cmd, t->format);
        return 2;
    }
    gmdl_status s = gmdl_table_read(&in->tab, path, NULL, t, need_labels, &err);
    if (s) {
        gmdl_table_fini(&in->tab);
        return cli_fail(cmd, s, &err);
    }
    in->n = in->tab.ds.n;
    in->c = in->h = 1;
    in->w = in->tab.ds.w;
    in->dim = in->tab.ds.dim;
    in->x = in->tab.ds.x;
    in->y = keep_labels && in->tab.labelled ? in->tab.ds.y : NULL;
    return 0;
}

int uq_inputs_load(uq_inputs *in,
                   const char *cmd,
                   const char *path,
                   const gmdl_model *m,
                   int keep_labels,
                   int need_labels) {
    gmdl_err err = {{0}};
    gmdl_status s;
    memset(in, 0, sizeof *in);
    if (gmdl_model_tabular(m))
        return load_table(in, cmd, path, gmdl_model_tabular(m), keep_labels, need_labels);
    if (is_dir(path)) {
        /* any labels are accepted where they are not used (another data set's classes) */
        s = gmdl_dataset_load_dir(&in->ds, path, 1, keep_labels ? gmdl_model_classes(m) : 256,
                                  &err);
        if (!s) {
            in->n = in->ds.n;
            in->c = in->ds.c;
            in->h = in->ds.h;
            in->w = in->ds.w;
            in->dim = in->ds.dim;
            in->x = in->ds.x;
            in->y = keep_labels ? in->ds.y : NULL;
        }
    } else {
        s = load_file(in, path, &err);
    }
    if (s)
        return cli_fail(cmd, s, &err);
    int c, h, w;
    gmdl_model_input_shape(&c, &h, &w, m);
    if (in->dim != (size_t)c * (size_t)h * (size_t)w || in->n == 0) {
        fprintf(stderr,
                "gmdl %s: %s: %zu images of shape [%d, %d, %d], but the model takes [%d, %d, %d]\n",
                cmd, path, in->n, in->c, in->h, in->w, c, h, w);
        uq_inputs_fini(in);
        return 2;
    }
    return 0;
}

void uq_inputs_fini(uq_inputs *in) {
    gmdl_dataset_fini(&in->ds);
    gmdl_table_fini(&in->tab);
    free(in->own);
    memset(in, 0, sizeof *in);
}

FILE *uq_out_open(const char *cmd, const char *path, char *tmp, size_t tmpn) {
    snprintf(tmp, tmpn, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        fprintf(stderr, "gmdl %s: cannot write %s: %s\n", cmd, tmp, strerror(errno));
    return f;
}

int uq_out_close(const char *cmd, FILE *f, const char *tmp, const char *path) {
    int bad = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        fprintf(stderr, "gmdl %s: error writing %s: %s\n", cmd, path, strerror(errno));
        unlink(tmp);
        return 1;
    }
    return 0;
}
