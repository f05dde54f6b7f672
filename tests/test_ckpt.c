/* Container format: round trip of metadata and tensors; every single-byte flip and every
 * truncation of a small file is rejected with a status (never a crash, never accepted); a newer
 * major version gives EVERSION; writing replaces the file atomically and leaves no temporary. */
#include <dirent.h>
#include <unistd.h>

#include "harness.h"
#include "io/ckpt.h"

static const char MAGIC[8] = {'\x89', 'T', 'S', 'T', '\r', '\n', '\x1a', '\n'};

static unsigned char *slurp(const char *p, size_t *n) {
    FILE *f = fopen(p, "rb");
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n);
    if (fread(b, 1, *n, f) != *n)
        *n = 0;
    fclose(f);
    return b;
}

static void spit(const char *p, const unsigned char *b, size_t n) {
    FILE *f = fopen(p, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

int main(void) {
    char path[256], bad[300];
    snprintf(path, sizeof path, "/tmp/gmdl_test_ckpt_%ld.bin", (long)getpid());
    snprintf(bad, sizeof bad, "%s.bad", path);
    gmdl_err err;
    gmdl__ckpt_writer *w = gmdl__ckpt_writer_create();
    float t1[6] = {1, 2, 3, 4, 5, 6};
    double t2[3] = {0.5, -1e300, 3};
    uint64_t d1[2] = {2, 3}, d2[1] = {3};
    CHECK_OK(gmdl__ckpt_meta_u64(w, "a.u", 12345678901234ULL));
    CHECK_OK(gmdl__ckpt_meta_i64(w, "a.i", -7));
    CHECK_OK(gmdl__ckpt_meta_f64(w, "a.f", 0.1));
    CHECK_OK(gmdl__ckpt_meta_str(w, "a.s", "hello"));
    CHECK_OK(gmdl__ckpt_tensor(w, "w", GMDL_DT_F32, 2, d1, t1));
    CHECK_OK(gmdl__ckpt_tensor(w, "h", GMDL_DT_F64, 1, d2, t2));
    CHECK_OK(gmdl__ckpt_write(w, path, MAGIC, 1, 2, &err));
    gmdl__ckpt_writer_destroy(w);

    gmdl__ckpt *c;
    CHECK_OK(gmdl__ckpt_read(&c, path, MAGIC, 1, &err));
    CHECK_EQ(gmdl__ckpt_major(c), 1);
    CHECK_EQ(gmdl__ckpt_minor(c), 2);
    uint64_t u;
    int64_t i;
    double d;
    CHECK(gmdl__ckpt_get_u64(c, "a.u", &u) && u == 12345678901234ULL);
    CHECK(gmdl__ckpt_get_i64(c, "a.i", &i) && i == -7);
    CHECK(gmdl__ckpt_get_f64(c, "a.f", &d) && d == 0.1);
    CHECK(gmdl__ckpt_get_str(c, "a.s") && strcmp(gmdl__ckpt_get_str(c, "a.s"), "hello") == 0);
    CHECK(!gmdl__ckpt_get_u64(c, "a.s", &u)); /* wrong type */
    const gmdl__ckpt_tensor_info *t = gmdl__ckpt_find(c, "w");
    CHECK(t && t->ndim == 2 && t->dims[1] == 3 && memcmp(t->data, t1, sizeof t1) == 0);
    CHECK(t && ((uintptr_t)t->data % 64) == 0);
    t = gmdl__ckpt_find(c, "h");
    CHECK(t && t->dtype == GMDL_DT_F64 && memcmp(t->data, t2, sizeof t2) == 0);
    CHECK(gmdl__ckpt_find(c, "nope") == NULL);
    gmdl__ckpt_destroy(c);

    /* wrong kind of file */
    static const char OTHER[8] = {'\x89', 'X', 'X', 'X', '\r', '\n', '\x1a', '\n'};
    CHECK_STATUS(gmdl__ckpt_read(&c, path, OTHER, 1, &err), GMDL_ENOTOURS);
    CHECK_STATUS(gmdl__ckpt_read(&c, "/nonexistent.bin", MAGIC, 1, &err), GMDL_ENOENT);

    size_t n;
    unsigned char *orig = slurp(path, &n);
    CHECK(n > 200);
    /* every byte flipped (each of three bit patterns) */
    int accepted = 0, badstatus = 0;
    for (size_t k = 0; k < n; k++) {
        for (int bit = 0; bit < 3; bit++) {
            unsigned char *b = malloc(n);
            memcpy(b, orig, n);
            b[k] ^= (unsigned char)(bit == 0 ? 0x01 : bit == 1 ? 0x80 : 0xFF);
            spit(bad, b, n);
            free(b);
            gmdl_status s = gmdl__ckpt_read(&c, bad, MAGIC, 1, &err);
            if (s == GMDL_OK) {
                accepted++;
                gmdl__ckpt_destroy(c);
            } else if (s != GMDL_ECHECKSUM && s != GMDL_ECORRUPT && s != GMDL_ENOTOURS &&
                       s != GMDL_EVERSION)
                badstatus++;
        }
    }
    CHECK_EQ(accepted, 0);
    CHECK_EQ(badstatus, 0);
    /* every truncation */
    accepted = 0;
    for (size_t k = 0; k < n; k++) {
        spit(bad, orig, k);
        gmdl_status s = gmdl__ckpt_read(&c, bad, MAGIC, 1, &err);
        if (s == GMDL_OK) {
            accepted++;
            gmdl__ckpt_destroy(c);
        }
    }
    CHECK_EQ(accepted, 0);
    /* a newer major version (header CRC recomputed so only the version is "wrong") */
    unsigned char *b = malloc(n);
    memcpy(b, orig, n);
    b[8] = 2;
    b[9] = 0;
    memset(b + 12, 0, 4);
    uint32_t crc = gmdl_crc32(0, b, 64);
    for (int k = 0; k < 4; k++)
        b[12 + k] = (unsigned char)(crc >> (8 * k));
    spit(bad, b, n);
    CHECK_STATUS(gmdl__ckpt_read(&c, bad, MAGIC, 1, &err), GMDL_EVERSION);
    CHECK_STR_CONTAINS(err.msg, "newer");
    free(b);
    free(orig);

    /* atomic replacement: no temporary left behind, old content replaced */
    w = gmdl__ckpt_writer_create();
    CHECK_OK(gmdl__ckpt_meta_str(w, "x", "second"));
    CHECK_OK(gmdl__ckpt_write(w, path, MAGIC, 1, 0, &err));
    gmdl__ckpt_writer_destroy(w);
    CHECK_OK(gmdl__ckpt_read(&c, path, MAGIC, 1, &err));
    CHECK(gmdl__ckpt_get_str(c, "x") != NULL);
    gmdl__ckpt_destroy(c);
    DIR *dd = opendir("/tmp");
    struct dirent *e;
    char prefix[300];
    snprintf(prefix, sizeof prefix, "gmdl_test_ckpt_%ld.bin.tmp", (long)getpid());
    int tmps = 0;
    while ((e = readdir(dd)))
        tmps += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(dd);
    CHECK_EQ(tmps, 0);
    /* a write into a missing folder fails cleanly */
    w = gmdl__ckpt_writer_create();
    CHECK_STATUS(gmdl__ckpt_write(w, "/nonexistent-dir/x.bin", MAGIC, 1, 0, &err), GMDL_EIO);
    gmdl__ckpt_writer_destroy(w);
    unlink(path);
    unlink(bad);
    TEST_MAIN_END();
}
