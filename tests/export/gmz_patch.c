/* Test tool: copies a gmdl container (.gmdl or .gmz) with one string metadata entry replaced,
 * every checksum recomputed, so a test can hand gmdl a well-formed file that names a method or
 * an architecture this gmdl does not know.   gmz_patch IN OUT KEY VALUE */
#include <stdio.h>
#include <string.h>

#include "io/ckpt.h"

static gmdl_status copy_meta(
    gmdl__ckpt_writer *w, const gmdl__ckpt *c, const char *key, const char *value, int *found) {
    for (size_t i = 0; i < gmdl__ckpt_meta_count(c); i++) {
        const char *k = gmdl__ckpt_meta_key(c, i);
        uint64_t u;
        int64_t s;
        double f;
        const char *str = gmdl__ckpt_get_str(c, k);
        gmdl_status st;
        if (str) {
            *found |= strcmp(k, key) == 0;
            st = gmdl__ckpt_meta_str(w, k, strcmp(k, key) == 0 ? value : str);
        } else if (gmdl__ckpt_get_u64(c, k, &u)) {
            st = gmdl__ckpt_meta_u64(w, k, u);
        } else if (gmdl__ckpt_get_i64(c, k, &s)) {
            st = gmdl__ckpt_meta_i64(w, k, s);
        } else if (gmdl__ckpt_get_f64(c, k, &f)) {
            st = gmdl__ckpt_meta_f64(w, k, f);
        } else {
            st = GMDL_ECORRUPT;
        }
        if (st)
            return st;
    }
    return GMDL_OK;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: gmz_patch IN OUT KEY VALUE\n");
        return 2;
    }
    char magic[8] = {0};
    FILE *f = fopen(argv[1], "rb");
    if (!f || fread(magic, 1, 8, f) != 8) {
        fprintf(stderr, "gmz_patch: %s: cannot read the magic\n", argv[1]);
        if (f)
            fclose(f);
        return 1;
    }
    fclose(f);
    gmdl_err err = {{0}};
    gmdl__ckpt *c = NULL;
    gmdl__ckpt_writer *w = gmdl__ckpt_writer_create();
    int found = 0;
    gmdl_status s = w ? gmdl__ckpt_read(&c, argv[1], magic, 65535, &err) : GMDL_ENOMEM;
    if (!s)
        s = copy_meta(w, c, argv[3], argv[4], &found);
    for (size_t i = 0; !s && i < gmdl__ckpt_tensor_count(c); i++) {
        const gmdl__ckpt_tensor_info *t = gmdl__ckpt_tensor_at(c, i);
        s = gmdl__ckpt_tensor(w, t->name, t->dtype, t->ndim, t->dims, t->data);
    }
    if (!s && !found) {
        fprintf(stderr, "gmz_patch: %s has no string entry %s\n", argv[1], argv[3]);
        s = GMDL_EINVAL;
    } else if (!s) {
        s = gmdl__ckpt_write(w, argv[2], magic, gmdl__ckpt_major(c), gmdl__ckpt_minor(c), &err);
    }
    if (s && err.msg[0])
        fprintf(stderr, "gmz_patch: %s\n", err.msg);
    gmdl__ckpt_writer_destroy(w);
    gmdl__ckpt_destroy(c);
    return s ? 1 : 0;
}
