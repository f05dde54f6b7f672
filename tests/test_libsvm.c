/* libsvm reader: valid input (comments, CRLF, tabs, empty rows), every parse error with its exact
 * line and column, ENOENT, and the first 5000 records of the real a9a training file
 * (tests/data; SOURCE.md counts). */
#include <unistd.h>

#include "gmdl/io.h"
#include "gmdl/rng.h"
#include "harness.h"
#include "mutate.h"

static char tmpdir[256];
static int nfixtures;

static const char *fixture(const char *content, size_t len) {
    static char path[512];
    snprintf(path, sizeof path, "%s/f%d.svm", tmpdir, nfixtures++);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fwrite(content, 1, len, f);
    fclose(f);
    return path;
}
#define FIXTURE(lit) fixture(lit, sizeof(lit) - 1)

static void test_valid(void) {
    gmdl_libsvm d;
    gmdl_err e = {{0}};
    const char *p = FIXTURE("# a comment line\n"
                            "+1 1:0.5 3:-2 10:1e-3 # trailing comment\r\n"
                            "\n"
                            "-1\t2:4\t\t7:1   \r\n"
                            "   # indented comment\n"
                            "0\n"
                            "2.5 4:7");
    REQUIRE_OK_MSG(gmdl_libsvm_read(&d, p, 100, &e), e.msg);
    CHECK_EQ(d.nrows, 4);
    CHECK_EQ(d.ncols, 10);
    CHECK_EQ(d.nnz, 6);
    CHECK_NEAR(d.labels[0], 1.0, 0, 0);
    CHECK_NEAR(d.labels[1], -1.0, 0, 0);
    CHECK_NEAR(d.labels[2], 0.0, 0, 0);
    CHECK_NEAR(d.labels[3], 2.5, 0, 0);
    size_t want_ptr[] = {0, 3, 5, 5, 6};
    for (int i = 0; i < 5; i++)
        CHECK_EQ(d.row_ptr[i], want_ptr[i]);
    uint32_t want_cols[] = {0, 2, 9, 1, 6, 3};
    double want_vals[] = {0.5, -2, 1e-3, 4, 1, 7};
    for (int i = 0; i < 6; i++) {
        CHECK_EQ(d.cols[i], want_cols[i]);
        CHECK_NEAR(d.vals[i], want_vals[i], 0, 0);
    }
    gmdl_libsvm_fini(&d);
    gmdl_libsvm_fini(&d);

    /* Index exactly at max_index is allowed. */
    p = FIXTURE("1 5:1\n");
    REQUIRE_OK_MSG(gmdl_libsvm_read(&d, p, 5, &e), e.msg);
    CHECK_EQ(d.ncols, 5);
    gmdl_libsvm_fini(&d);
}

static void expect_error(const char *content, size_t len, size_t max_index, const char *want) {
    gmdl_libsvm d;
    gmdl_err e = {{0}};
    const char *p = fixture(content, len);
    CHECK_STATUS(gmdl_libsvm_read(&d, p, max_index, &e), GMDL_EPARSE);
    /* The message starts with the path, then ":LINE:COLUMN: problem". */
    CHECK(strncmp(e.msg, p, strlen(p)) == 0);
    CHECK_STR_CONTAINS(e.msg + strlen(p), want);
    CHECK(d.labels == NULL && d.nrows == 0);
}
#define EXPECT_ERROR(lit, max, want) expect_error(lit, sizeof(lit) - 1, max, want)

static void test_errors(void) {
    EXPECT_ERROR("1 1:1\nabc 2:1\n", 100, ":2:1: label is not a number");
    EXPECT_ERROR("1 1:1\n1 2:1\n# c\n  1x 3:1\n", 100, ":4:3: label is not a number");
    EXPECT_ERROR("1 1:1\n1 2:1\n1 3:1 4\n", 100, ":3:8: missing ':' after feature index");
    EXPECT_ERROR("1 1:1\n1 2 :1\n", 100, ":2:4: missing ':' after feature index");
    EXPECT_ERROR("1 3:1 2:1\n", 100, ":1:7: feature index 2 not strictly increasing (after 3)");
    EXPECT_ERROR("1 1:1\n\n1 3:1 3:1\n", 100, ":3:7: feature index 3 not strictly increasing");
    EXPECT_ERROR("1 1:1\n1 0:1\n", 100, ":2:3: feature index 0 (indices are 1-based)");
    EXPECT_ERROR("1 1:1\n1 -2:1\n", 100, ":2:3: expected a feature index");
    EXPECT_ERROR("1 1:1\n1 qid:3 1:1\n", 100, ":2:3: expected a feature index");
    EXPECT_ERROR("1 1:1\n1 5:1 101:1\n", 100, ":2:7: feature index 101 above the maximum 100");
    EXPECT_ERROR("1 99999999999999999999999:1\n", 100, ":1:3: feature index 99999999999999999999");
    EXPECT_ERROR("1 1:1\n1 2:abc\n", 100, ":2:5: value of feature 2 is not a number");
    EXPECT_ERROR("1 1:1\n1 2:1.5x\n", 100, ":2:5: value of feature 2 is not a number");
    EXPECT_ERROR("1 1:1\n1 2:\n", 100, ":2:5: missing value after ':'");
    EXPECT_ERROR("1 1:1\n1 2:inf\n", 100, ":2:5: value of feature 2 is not finite");
    EXPECT_ERROR("1 1:1\n1 2:nan\n", 100, ":2:5: value of feature 2 is not finite");
    EXPECT_ERROR("1 1:1\n1 2:1e400\n", 100, ":2:5: value of feature 2 is not finite");
    EXPECT_ERROR("1 1:1\r\nnan 2:1\r\n", 100, ":2:1: label is not finite");
    EXPECT_ERROR("1 1:1\n1 2:1\0 3:1\n", 100, ":2:6: NUL byte");
    EXPECT_ERROR("# only a comment\n\n", 100, ":2:1: no data lines");
    EXPECT_ERROR("", 100, ":1:1: no data lines");

    gmdl_libsvm d;
    gmdl_err e = {{0}};
    char missing[600];
    snprintf(missing, sizeof missing, "%s/does-not-exist.svm", tmpdir);
    CHECK_STATUS(gmdl_libsvm_read(&d, missing, 100, &e), GMDL_ENOENT);
    CHECK_STR_CONTAINS(e.msg, "does-not-exist.svm");
    const char *p = FIXTURE("1 1:1\n");
    CHECK_STATUS(gmdl_libsvm_read(&d, p, 0, &e), GMDL_EINVAL);
}

/* The first 5000 records of a9a (tests/data/a9a/a9a_5000; counts of tests/data/SOURCE.md). */
static void test_a9a(void) {
    const char *src = getenv("GMDL_SOURCE_DIR");
    REQUIRE(src != NULL); /* set by ctest */
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/a9a/a9a_5000", src);
    gmdl_libsvm d;
    gmdl_err e = {{0}};
    REQUIRE_OK_MSG(gmdl_libsvm_read(&d, path, 10000000, &e), e.msg);
    /* SOURCE.md: 5000 records, 3779 negative / 1221 positive, largest feature index 122, all
     * values 1, 69241 non-zeros (13.85 per row). */
    CHECK_EQ(d.nrows, 5000);
    CHECK_EQ(d.ncols, 122);
    int neg = 0, pos = 0, other = 0, not_one = 0;
    for (size_t i = 0; i < d.nrows; i++) {
        if (d.labels[i] == -1)
            neg++;
        else if (d.labels[i] == 1)
            pos++;
        else
            other++;
    }
    for (size_t k = 0; k < d.nnz; k++)
        not_one += d.vals[k] != 1.0;
    CHECK_EQ(neg, 3779);
    CHECK_EQ(pos, 1221);
    CHECK_EQ(other, 0);
    CHECK_EQ(not_one, 0);
    CHECK_EQ(d.nnz, 69241);
    CHECK_EQ(d.row_ptr[d.nrows], d.nnz);
    /* First record: "-1 3:1 11:1 14:1 ..." */
    CHECK_EQ(d.cols[0], 2);
    CHECK_EQ(d.cols[1], 10);
    CHECK_EQ(d.cols[2], 13);
    /* With max_index 121 the first record using feature 122 (line 2656) is rejected. */
    gmdl_libsvm d2;
    CHECK_STATUS(gmdl_libsvm_read(&d2, path, 121, &e), GMDL_EPARSE);
    CHECK_STR_CONTAINS(e.msg, "a9a_5000:2656:");
    CHECK_STR_CONTAINS(e.msg, "feature index 122 above the maximum 121");
    gmdl_libsvm_fini(&d);
}

/* Random byte mutations of a valid file: the reader returns OK or EPARSE (never crashes, never
 * anything else), and whatever it accepts satisfies the CSR invariants. */
static void test_mutations(void) {
    const char base[] = "+1 1:0.5 3:2 # c\n-1 2:1e-3 10:4\r\n\n0 7:1\n2.5 1:1 2:2 3:3\n";
    const char alphabet[] = "0123456789:+-.eE #\n\r\tx\0";
    gmdl_rng r;
    gmdl_rng_derive(&r, 12345, GMDL_RNG_DATA_SYNTH, 0);
    int bad_status = 0, bad_invariant = 0;
    for (int iter = 0; iter < 3000; iter++) {
        char buf[sizeof base];
        size_t len = mutate_bytes(&r, buf, base, sizeof base - 1, alphabet, sizeof alphabet - 1);
        const char *p = fixture(buf, len);
        gmdl_libsvm d;
        gmdl_err e = {{0}};
        gmdl_status s = gmdl_libsvm_read(&d, p, 100, &e);
        if (s != GMDL_OK && s != GMDL_EPARSE)
            bad_status++;
        if (s != GMDL_OK)
            continue;
        for (size_t i = 0; i < d.nrows; i++) {
            if (d.row_ptr[i] > d.row_ptr[i + 1] || !isfinite(d.labels[i]))
                bad_invariant++;
            for (size_t k = d.row_ptr[i]; k < d.row_ptr[i + 1]; k++)
                if (d.cols[k] >= d.ncols || !isfinite(d.vals[k]) ||
                    (k > d.row_ptr[i] && d.cols[k] <= d.cols[k - 1]))
                    bad_invariant++;
        }
        if (d.row_ptr[d.nrows] != d.nnz)
            bad_invariant++;
        gmdl_libsvm_fini(&d);
    }
    CHECK_EQ(bad_status, 0);
    CHECK_EQ(bad_invariant, 0);
}

/* gmdl_libsvm_from_dense: zeros left out, the labels copied, ncols = p, arrays non-NULL when there
 * is nothing to store. */
static void test_from_dense(void) {
    const double x[6] = {0, 1.5, 0, -2, 0, 3}, y[2] = {1, -1};
    gmdl_libsvm d;
    gmdl_err e = {{0}};
    CHECK_OK(gmdl_libsvm_from_dense(&d, x, y, 2, 3, &e));
    CHECK(d.nrows == 2 && d.ncols == 3 && d.nnz == 3);
    CHECK(d.row_ptr[0] == 0 && d.row_ptr[1] == 1 && d.row_ptr[2] == 3);
    CHECK(d.cols[0] == 1 && d.cols[1] == 0 && d.cols[2] == 2);
    CHECK(d.vals[0] == 1.5 && d.vals[1] == -2 && d.vals[2] == 3);
    CHECK(d.labels[0] == 1 && d.labels[1] == -1);
    gmdl_libsvm_fini(&d);
    const double z[2] = {0, 0};
    CHECK_OK(gmdl_libsvm_from_dense(&d, z, y, 2, 1, &e));
    CHECK(d.nnz == 0 && d.cols && d.vals && d.row_ptr[2] == 0);
    gmdl_libsvm_fini(&d);
    CHECK_STATUS(gmdl_libsvm_from_dense(&d, NULL, y, 2, 1, &e), GMDL_EINVAL);
    CHECK_STATUS(gmdl_libsvm_from_dense(&d, x, y, SIZE_MAX / 2, 3, &e), GMDL_ELIMIT);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gmdl_test_libsvm.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_valid();
    test_errors();
    test_a9a();
    test_mutations();
    test_from_dense();
    for (int i = 0; i < nfixtures; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/f%d.svm", tmpdir, i);
        remove(p);
    }
    rmdir(tmpdir);
    TEST_MAIN_END();
}
