/* IDX reader and data sets: raw and gzip files, and every kind of bad input: missing folder and
 * file, wrong magic, truncated header and data, trailing bytes, image/label count mismatch,
 * labels outside the class range. Messages name the file. */
#include <sys/stat.h>
#include <unistd.h>

#include "gmdl/io.h"
#include "harness.h"
#include "idx_fixture.h"

static char dir[256];

static void path(char *out, const char *name) {
    snprintf(out, 4096, "%s/%s", dir, name);
}

static void write_raw(const char *name, const void *buf, size_t n) {
    char p[4096];
    path(p, name);
    FILE *f = fopen(p, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/gmdl_test_idx_%ld", (long)getpid());
    mkdir(dir, 0755);
    gmdl_err err;
    gmdl_dataset ds;
    char p[4096], q[4096];

    /* a good set, gzip and raw */
    CHECK(fx_write_set(dir, 50, 20, 1, 3) == 0);
    CHECK_OK(gmdl_dataset_load_dir(&ds, dir, 0, 10, &err));
    CHECK_EQ(ds.n, 50);
    CHECK_EQ(ds.dim, 784);
    CHECK(ds.x[0] >= 0.0f && ds.x[0] <= 1.0f);
    gmdl_dataset_fini(&ds);
    CHECK_OK(gmdl_dataset_load_dir(&ds, dir, 1, 10, &err));
    CHECK_EQ(ds.n, 20);
    gmdl_dataset_fini(&ds);
    gmdl_idx idx;
    path(p, "train-labels-idx1-ubyte"); /* .gz found automatically */
    CHECK_OK(gmdl_idx_read(&idx, p, &err));
    CHECK_EQ(idx.ndim, 1);
    CHECK_EQ(idx.dims[0], 50);
    gmdl_idx_fini(&idx);

    /* missing folder and file */
    CHECK_STATUS(gmdl_dataset_load_dir(&ds, "/nonexistent/gmdl", 0, 10, &err), GMDL_ENOENT);
    CHECK_STR_CONTAINS(err.msg, "/nonexistent/gmdl");
    path(p, "nothing-here");
    CHECK_STATUS(gmdl_idx_read(&idx, p, &err), GMDL_ENOENT);
    CHECK_STR_CONTAINS(err.msg, "nothing-here");

    /* wrong magic */
    unsigned char bad[12] = {1, 2, 3, 4, 0, 0, 0, 1, 9, 9, 9, 9};
    write_raw("bad-magic", bad, sizeof bad);
    path(p, "bad-magic");
    CHECK_STATUS(gmdl_idx_read(&idx, p, &err), GMDL_ENOTOURS);
    CHECK_STR_CONTAINS(err.msg, "bad-magic");
    CHECK_STR_CONTAINS(err.msg, "not an IDX file");

    /* truncated header, truncated data, trailing bytes */
    unsigned char hdr[10] = {0, 0, 8, 1, 0, 0};
    write_raw("trunc-header", hdr, 6);
    path(p, "trunc-header");
    CHECK_STATUS(gmdl_idx_read(&idx, p, &err), GMDL_ECORRUPT);
    CHECK_STR_CONTAINS(err.msg, "truncated");
    unsigned char t[12] = {0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3, 4};
    write_raw("trunc-data", t, sizeof t);
    path(p, "trunc-data");
    CHECK_STATUS(gmdl_idx_read(&idx, p, &err), GMDL_ECORRUPT);
    CHECK_STR_CONTAINS(err.msg, "truncated");
    CHECK_STR_CONTAINS(err.msg, "trunc-data");
    unsigned char tr[14] = {0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3, 4, 5, 6};
    write_raw("trailing", tr, sizeof tr);
    path(p, "trailing");
    CHECK_STATUS(gmdl_idx_read(&idx, p, &err), GMDL_ECORRUPT);
    CHECK_STR_CONTAINS(err.msg, "trailing");
    /* a truncated gzip file */
    path(p, "train-images-idx3-ubyte.gz");
    FILE *f = fopen(p, "rb");
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    write_raw("cut.gz", buf, n / 2);
    path(p, "cut");
    CHECK(gmdl_idx_read(&idx, p, &err) == GMDL_ECORRUPT);
    CHECK_STR_CONTAINS(err.msg, "cut.gz");

    /* count mismatch and label range */
    unsigned char img[3 * 4] = {0};
    uint32_t di[3] = {3, 2, 2}, dl2[1] = {2}, dl3[1] = {3};
    path(p, "i3");
    fx_write_idx(p, 0, 3, di, img, 12);
    unsigned char lab[3] = {1, 2, 3};
    path(q, "l2");
    fx_write_idx(q, 0, 1, dl2, lab, 2);
    CHECK_STATUS(gmdl_dataset_load_idx(&ds, p, q, 10, &err), GMDL_ECORRUPT);
    CHECK_STR_CONTAINS(err.msg, "3 images");
    CHECK_STR_CONTAINS(err.msg, "2 labels");
    unsigned char labbad[3] = {1, 12, 3};
    path(q, "lbad");
    fx_write_idx(q, 0, 1, dl3, labbad, 3);
    CHECK_STATUS(gmdl_dataset_load_idx(&ds, p, q, 10, &err), GMDL_ECORRUPT);
    CHECK_STR_CONTAINS(err.msg, "label 12");
    CHECK_STR_CONTAINS(err.msg, "lbad");
    CHECK_OK(gmdl_dataset_load_idx(&ds, p, q, 13, &err)); /* fine with 13 classes */
    CHECK_EQ(ds.h, 2);
    gmdl_dataset_fini(&ds);
    /* labels given as images (wrong rank) */
    CHECK_STATUS(gmdl_dataset_load_idx(&ds, p, p, 10, &err), GMDL_ECORRUPT);

    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
