/* gmdl data transform: writes a transformed copy of an IDX image folder (rotated, inverted, or
 * uniform noise of the same shape), e.g. as an out-of-distribution test set for gmdl ood. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "uq_cli.h"

#define DATA_USAGE                                                                                 \
    "usage: gmdl data transform --data DIR --out DIR2 --op rotate90|invert|noise [--seed S]\n"

static const cli_opt opts[] = {
    {"data", 0, OPT_STRING, "DIR", GMDL_DEFAULT_DATA, "IDX folder to read (all four files)", 1, 0,
     0},
    {"out", 'o', OPT_STRING, "DIR2", NULL, "folder to write (created; required)", 1, 0, 0},
    {"op", 0, OPT_STRING, "OP", NULL,
     "rotate90 (counter-clockwise), invert (255 - pixel) or noise (uniform 0..255; required)", 1, 0,
     0},
    {"seed", 0, OPT_INT, "S", "1", "random seed for noise", 0, 9.2e18, 0},
};

static const cli_cmd cmd = {
    "data transform",
    "gmdl data transform --data DIR --out DIR2 --op rotate90|invert|noise [--seed S] [--json]",
    "Writes DIR2/{train,t10k}-{images-idx3,labels-idx1}-ubyte (uncompressed): the images of DIR\n"
    "rotated by 90 degrees counter-clockwise, inverted, or replaced by uniform noise of the same\n"
    "shape (image i from the stream (seed, i) for the training file, (seed + 1, i) for the test\n"
    "file); the labels are copied. Each file is\n"
    "written atomically. JSON keys: out, op, train, test (image counts).",
    opts,
    sizeof opts / sizeof opts[0],
    0,
    0};

/* Writes idx (its header from type, ndim and dims; data as given) to path atomically. */
static int write_idx(const char *path, const gmdl_idx *idx, const unsigned char *data) {
    char tmp[4200];
    FILE *f = uq_out_open("data transform", path, tmp, sizeof tmp);
    if (!f)
        return 1;
    unsigned char hdr[4 + 16] = {0, 0, (unsigned char)idx->type, (unsigned char)idx->ndim};
    for (int i = 0; i < idx->ndim; i++)
        for (int b = 0; b < 4; b++)
            hdr[4 + 4 * i + b] = (unsigned char)(idx->dims[i] >> (24 - 8 * b));
    fwrite(hdr, 1, 4 + 4 * (size_t)idx->ndim, f);
    fwrite(data, idx->elem_size, idx->count, f);
    return uq_out_close("data transform", f, tmp, path);
}

/* One image file and its labels: DIR/PRE-images-idx3-ubyte -> DIR2, transformed. */
static int transform_pair(const char *dir,
                          const char *out,
                          const char *pre,
                          gmdl_image_op op,
                          uint64_t seed,
                          size_t *count) {
    char in[4096], dst[4096];
    gmdl_err err = {{0}};
    gmdl_idx im, lb;
    snprintf(in, sizeof in, "%s/%s-images-idx3-ubyte", dir, pre);
    gmdl_status s = gmdl_idx_read(&im, in, &err);
    if (s)
        return cli_fail("data transform", s, &err);
    if (im.type != GMDL_IDX_U8 || (im.ndim != 3 && im.ndim != 4)) {
        fprintf(stderr,
                "gmdl data transform: %s: expected unsigned-byte images [n, h, w] or "
                "[n, c, h, w]\n",
                in);
        gmdl_idx_fini(&im);
        return 2;
    }
    int c = im.ndim == 4 ? (int)im.dims[1] : 1, h = (int)im.dims[im.ndim - 2],
        w = (int)im.dims[im.ndim - 1];
    unsigned char *y = malloc(im.count + 1);
    s = y ? gmdl_image_transform(y, im.data, im.dims[0], c, h, w, op, seed, &err) : GMDL_ENOMEM;
    int rc = s ? cli_fail("data transform", s, &err) : 0;
    snprintf(dst, sizeof dst, "%s/%s-images-idx3-ubyte", out, pre);
    if (!rc)
        rc = write_idx(dst, &im, y);
    *count = im.dims[0];
    free(y);
    gmdl_idx_fini(&im);
    snprintf(in, sizeof in, "%s/%s-labels-idx1-ubyte", dir, pre);
    snprintf(dst, sizeof dst, "%s/%s-labels-idx1-ubyte", out, pre);
    if (!rc && (s = gmdl_idx_read(&lb, in, &err)) != GMDL_OK)
        return cli_fail("data transform", s, &err);
    if (!rc) {
        rc = write_idx(dst, &lb, lb.data);
        gmdl_idx_fini(&lb);
    }
    return rc;
}

static int data_transform(int argc, char **argv) {
    cli_val v[sizeof opts / sizeof opts[0]];
    const char *pos[1];
    int npos, rc = cli_parse(&cmd, argc, argv, v, pos, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *dir = OPTV(&cmd, v, "data")->s, *out = OPTV(&cmd, v, "out")->s,
               *ops = OPTV(&cmd, v, "op")->s;
    gmdl_image_op op;
    if (!out || !ops || !gmdl_image_op_parse(ops, &op)) {
        fprintf(stderr, "gmdl data transform: need --out DIR2 and --op rotate90|invert|noise\n");
        return 2;
    }
    struct stat st;
    if (stat(out, &st) != 0 && mkdir(out, 0755) != 0) {
        fprintf(stderr, "gmdl data transform: cannot create %s\n", out);
        return 1;
    }
    size_t ntrain = 0, ntest = 0;
    uint64_t seed = (uint64_t)OPTV(&cmd, v, "seed")->i;
    /* the test set's noise from a stream of its own: seed + 1 */
    rc = transform_pair(dir, out, "train", op, seed, &ntrain);
    if (!rc)
        rc = transform_pair(dir, out, "t10k", op, seed + 1, &ntest);
    if (rc)
        return rc;
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_str(&j, "out", out);
        json_str(&j, "op", ops);
        json_int(&j, "train", (long long)ntrain);
        json_int(&j, "test", (long long)ntest);
        json_finish(&j);
    } else if (!cli_quiet()) {
        printf("wrote %s: %zu training and %zu test images (%s)\n", out, ntrain, ntest, ops);
    }
    return 0;
}

int cmd_data(int argc, char **argv) {
    if (argc < 1) {
        fputs(DATA_USAGE, stderr);
        return 2;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(DATA_USAGE, stdout);
        return 0;
    }
    if (strcmp(argv[0], "transform") == 0)
        return data_transform(argc - 1, argv + 1);
    fprintf(stderr, "gmdl data: unknown subcommand '%s' (transform)\n", argv[0]);
    return 2;
}
