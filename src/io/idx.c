/* IDX reader (the MNIST container): big-endian header "0 0 TYPE NDIM", NDIM u32 dimensions,
 * then the data. Reads plain or gzip files through zlib and checks the data size exactly.
 * Also builds labelled image data sets from an images/labels pair. */
#include <errno.h>
#include <sys/stat.h>
#include <zlib.h>

#include "common.h"
#include "gmdl/io.h"

static size_t type_size(int t) {
    switch (t) {
        case GMDL_IDX_U8:
        case GMDL_IDX_I8:
            return 1;
        case GMDL_IDX_I16:
            return 2;
        case GMDL_IDX_I32:
        case GMDL_IDX_F32:
            return 4;
        case GMDL_IDX_F64:
            return 8;
        default:
            return 0;
    }
}

static int file_exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Reads exactly n bytes; returns the count read (short on EOF), -1 on a zlib error. */
static long long gz_read_full(gzFile f, void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        unsigned chunk = (n - got) > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
        int r = gzread(f, (unsigned char *)buf + got, chunk);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (long long)got;
}

/* The data after the header: bytes announced, *got receives what the file held (< bytes when it
 * is truncated). The buffer grows with what arrives (doubling from 1 MB), so a short file whose
 * header announces gigabytes costs what it holds, not what it announces. */
#define IDX_FIRST_CHUNK ((size_t)1 << 20)
static gmdl_status
read_data(gmdl_idx *out, gzFile f, const char *p, size_t bytes, long long *got, gmdl_err *err) {
    size_t cap = bytes < IDX_FIRST_CHUNK ? bytes : IDX_FIRST_CHUNK, have = 0;
    unsigned char *buf = gmdl__malloc(cap);
    for (;;) {
        if (!buf)
            return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory for %zu bytes", p, cap);
        out->data = buf;
        long long r = gz_read_full(f, buf + have, cap - have);
        if (r < 0) {
            int zerr;
            return gmdl__fail(err, GMDL_ECORRUPT, "%s: cannot decompress: %s", p,
                              gzerror(f, &zerr));
        }
        have += (size_t)r;
        if (have < cap || cap == bytes)
            break; /* end of file, or all the data */
        cap = cap > bytes / 2 ? bytes : 2 * cap;
        buf = gmdl__realloc(buf, cap);
    }
    *got = (long long)have;
    return GMDL_OK;
}

gmdl_status gmdl_idx_read(gmdl_idx *out, const char *path, gmdl_err *err) {
    memset(out, 0, sizeof *out);
    char gzpath[4096];
    const char *p = path;
    if (!file_exists(path)) {
        snprintf(gzpath, sizeof gzpath, "%s.gz", path);
        if (!file_exists(gzpath))
            return gmdl__fail(err, GMDL_ENOENT, "%s: no such file (nor %s)", path, gzpath);
        p = gzpath;
    }
    gzFile f = gzopen(p, "rb");
    if (!f)
        return gmdl__fail(err, GMDL_EIO, "%s: cannot open: %s", p, strerror(errno));
    gmdl_status s = GMDL_OK;
    unsigned char hdr[4];
    long long r = gz_read_full(f, hdr, 4);
    if (r < 0) {
        int zerr;
        s = gmdl__fail(err, GMDL_ECORRUPT, "%s: byte 0: cannot decompress: %s", p,
                       gzerror(f, &zerr));
        goto done;
    }
    if (r < 4) {
        s = gmdl__fail(err, GMDL_ECORRUPT, "%s: byte 0: truncated header (%lld of 4 bytes)", p, r);
        goto done;
    }
    if (hdr[0] != 0 || hdr[1] != 0 || !type_size(hdr[2]) || hdr[3] < 1 || hdr[3] > 4) {
        s = gmdl__fail(err, GMDL_ENOTOURS,
                       "%s: byte 0: not an IDX file (magic %02x %02x %02x %02x; expected 00 00, a "
                       "type code 08/09/0b/0c/0d/0e and 1-4 dimensions)",
                       p, hdr[0], hdr[1], hdr[2], hdr[3]);
        goto done;
    }
    out->type = (gmdl_idx_type)hdr[2];
    out->ndim = hdr[3];
    out->elem_size = type_size(hdr[2]);
    unsigned char dims[16];
    r = gz_read_full(f, dims, 4u * (size_t)out->ndim);
    if (r != 4 * out->ndim) {
        s = gmdl__fail(err, GMDL_ECORRUPT, "%s: byte 4: truncated header (dimensions)", p);
        goto done;
    }
    size_t count = 1;
    for (int i = 0; i < out->ndim; i++) {
        out->dims[i] = (uint32_t)dims[4 * i] << 24 | (uint32_t)dims[4 * i + 1] << 16 |
                       (uint32_t)dims[4 * i + 2] << 8 | dims[4 * i + 3];
        if (out->dims[i] == 0 || !gmdl__mul_ok(count, out->dims[i], &count)) {
            s = gmdl__fail(err, GMDL_ECORRUPT, "%s: byte %d: bad dimension %u", p, 4 + 4 * i,
                           out->dims[i]);
            goto done;
        }
    }
    size_t bytes;
    if (!gmdl__mul_ok(count, out->elem_size, &bytes) || bytes > ((size_t)1 << 40)) {
        s = gmdl__fail(err, GMDL_ECORRUPT, "%s: dimensions too large", p);
        goto done;
    }
    out->count = count;
    size_t off = 4 + 4 * (size_t)out->ndim;
    s = read_data(out, f, p, bytes, &r, err);
    if (s)
        goto done;
    if ((size_t)r < bytes) {
        s = gmdl__fail(err, GMDL_ECORRUPT,
                       "%s: byte %zu: truncated: the header announces %zu bytes of data, the file "
                       "has %lld",
                       p, off + (size_t)r, bytes, r);
        goto done;
    }
    unsigned char extra;
    r = gz_read_full(f, &extra, 1);
    if (r != 0) {
        s = gmdl__fail(err, GMDL_ECORRUPT, "%s: byte %zu: trailing bytes after the announced data",
                       p, off + bytes);
        goto done;
    }
done:
    gzclose(f);
    if (s != GMDL_OK)
        gmdl_idx_fini(out);
    return s;
}

void gmdl_idx_fini(gmdl_idx *idx) {
    if (!idx)
        return;
    gmdl__free(idx->data);
    memset(idx, 0, sizeof *idx);
}

gmdl_status gmdl_dataset_load_idx(
    gmdl_dataset *out, const char *images, const char *labels, int classes, gmdl_err *err) {
    memset(out, 0, sizeof *out);
    if (classes < 2 || classes > 256)
        return gmdl__fail(err, GMDL_EINVAL, "classes must be in [2, 256], got %d", classes);
    gmdl_idx im, lb;
    gmdl_status s = gmdl_idx_read(&im, images, err);
    if (s)
        return s;
    s = gmdl_idx_read(&lb, labels, err);
    if (s) {
        gmdl_idx_fini(&im);
        return s;
    }
    if (im.type != GMDL_IDX_U8 || (im.ndim != 3 && im.ndim != 4)) {
        s = gmdl__fail(err, GMDL_ECORRUPT,
                       "%s: expected unsigned-byte images with 3 dimensions [n, h, w] or 4 "
                       "[n, c, h, w], got type 0x%02x with %d dimensions",
                       images, im.type, im.ndim);
        goto done;
    }
    if (lb.type != GMDL_IDX_U8 || lb.ndim != 1) {
        s = gmdl__fail(err, GMDL_ECORRUPT,
                       "%s: expected unsigned-byte labels with 1 dimension, got type 0x%02x with "
                       "%d dimensions",
                       labels, lb.type, lb.ndim);
        goto done;
    }
    if (im.dims[0] != lb.dims[0]) {
        s = gmdl__fail(err, GMDL_ECORRUPT, "%s has %u images but %s has %u labels", images,
                       im.dims[0], labels, lb.dims[0]);
        goto done;
    }
    out->n = im.dims[0];
    out->c = im.ndim == 4 ? (int)im.dims[1] : 1;
    out->h = (int)im.dims[im.ndim - 2];
    out->w = (int)im.dims[im.ndim - 1];
    out->dim = (size_t)out->c * (size_t)out->h * (size_t)out->w;
    out->classes = classes;
    for (size_t i = 0; i < out->n; i++)
        if (lb.data[i] >= classes) {
            s = gmdl__fail(err, GMDL_ECORRUPT,
                           "%s: byte %zu: label %u of item %zu is outside the class range [0, %d)",
                           labels, 8 + i, lb.data[i], i, classes);
            goto done;
        }
    out->x = gmdl__malloc_aligned(out->n * out->dim * sizeof(float));
    out->y = gmdl__malloc(out->n * sizeof(int32_t));
    if (!out->x || !out->y) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory loading %s", images);
        goto done;
    }
    for (size_t i = 0; i < out->n * out->dim; i++)
        out->x[i] = (float)im.data[i] * (1.0f / 255.0f);
    for (size_t i = 0; i < out->n; i++)
        out->y[i] = lb.data[i];
done:
    gmdl_idx_fini(&im);
    gmdl_idx_fini(&lb);
    if (s)
        gmdl_dataset_fini(out);
    return s;
}

gmdl_status
gmdl_dataset_load_dir(gmdl_dataset *out, const char *dir, int test, int classes, gmdl_err *err) {
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        memset(out, 0, sizeof *out);
        return gmdl__fail(
            err, GMDL_ENOENT,
            "%s: no such data folder (expected the IDX files train-images-idx3-ubyte, "
            "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
            "optionally .gz; Fashion-MNIST: apt-get install dataset-fashion-mnist)",
            dir);
    }
    char im[4096], lb[4096];
    const char *pre = test ? "t10k" : "train";
    snprintf(im, sizeof im, "%s/%s-images-idx3-ubyte", dir, pre);
    snprintf(lb, sizeof lb, "%s/%s-labels-idx1-ubyte", dir, pre);
    return gmdl_dataset_load_idx(out, im, lb, classes, err);
}

void gmdl_dataset_fini(gmdl_dataset *ds) {
    if (!ds)
        return;
    gmdl__free_aligned(ds->x);
    gmdl__free(ds->y);
    memset(ds, 0, sizeof *ds);
}
