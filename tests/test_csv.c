/* CSV reader: RFC 4180 quoting, CRLF, missing cells, numeric conversion, every parse error with
 * its exact line and column, ENOENT, and a real data set (scikit-learn's iris, tests/data). */
#include <unistd.h>

#include "gmdl/io.h"
#include "gmdl/rng.h"
#include "harness.h"
#include "mutate.h"

static char tmpdir[256];

/* Writes CONTENT (LEN bytes) to a fresh temporary file; returns its path (static buffer). */
static const char *fixture(const char *name, const char *content, size_t len) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fwrite(content, 1, len, f);
    fclose(f);
    return path;
}
#define FIXTURE(name, lit) fixture(name, lit, sizeof(lit) - 1)

static void test_valid(void) {
    gmdl_csv c;
    gmdl_err e = {{0}};
    const char *p = FIXTURE("ok.csv", "a,b,\"c d\"\r\n"
                                      "1,2.5,x\r\n"
                                      "\r\n"
                                      "\"-3\",,\"he said \"\"hi\"\", then\nleft\"\r\n"
                                      "NA,1e3,?\r\n"
                                      "4,nan,\"\"");
    REQUIRE_OK_MSG(gmdl_csv_read(&c, p, &e), e.msg);
    CHECK_EQ(c.ncols, 3);
    CHECK_EQ(c.nrows, 4);
    CHECK(strcmp(c.names[0], "a") == 0);
    CHECK(strcmp(c.names[2], "c d") == 0);
    CHECK(strcmp(c.cells[2], "x") == 0);
    CHECK(strcmp(c.cells[3], "-3") == 0);
    CHECK(strcmp(c.cells[4], "") == 0);
    CHECK(strcmp(c.cells[5], "he said \"hi\", then\nleft") == 0);
    CHECK(strcmp(c.cells[8], "?") == 0);
    CHECK(strcmp(c.cells[11], "") == 0);
    CHECK_EQ(c.lines[0], 2);
    CHECK_EQ(c.lines[1], 4); /* line 3 is empty and skipped */
    CHECK_EQ(c.lines[2], 6); /* the quoted cell on line 4 spans two lines */
    CHECK_EQ(c.lines[3], 7);
    CHECK_EQ(gmdl_csv_find(&c, "b"), 1);
    CHECK_EQ(gmdl_csv_find(&c, "c d"), 2);
    CHECK_EQ(gmdl_csv_find(&c, "zz"), -1);
    CHECK(gmdl_csv_is_missing(""));
    CHECK(gmdl_csv_is_missing("NA"));
    CHECK(gmdl_csv_is_missing("NaN"));
    CHECK(gmdl_csv_is_missing("nan"));
    CHECK(gmdl_csv_is_missing("?"));
    CHECK(!gmdl_csv_is_missing("0"));
    CHECK(!gmdl_csv_is_missing("na"));

    double v[4];
    CHECK_OK(gmdl_csv_column_f64(v, &c, 0, 1, &e));
    CHECK_NEAR(v[0], 1.0, 0, 0);
    CHECK_NEAR(v[1], -3.0, 0, 0);
    CHECK(isnan(v[2]));
    CHECK_NEAR(v[3], 4.0, 0, 0);
    CHECK_OK(gmdl_csv_column_f64(v, &c, 1, 1, &e));
    CHECK_NEAR(v[0], 2.5, 0, 0);
    CHECK(isnan(v[1]));
    CHECK_NEAR(v[2], 1000.0, 0, 0);
    CHECK(isnan(v[3]));
    /* Missing cells are an error unless allowed: row 2 (file line 4), column b at byte 6. */
    CHECK_STATUS(gmdl_csv_column_f64(v, &c, 1, 0, &e), GMDL_EPARSE);
    CHECK_STR_CONTAINS(e.msg, "ok.csv:4:6: column b: missing value");
    /* Text in a numeric column names line, column and the column's name. */
    CHECK_STATUS(gmdl_csv_column_f64(v, &c, 2, 1, &e), GMDL_EPARSE);
    CHECK_STR_CONTAINS(e.msg, "ok.csv:2:7: column c d: not a number: 'x'");
    CHECK_STATUS(gmdl_csv_column_f64(v, &c, 3, 1, &e), GMDL_EINVAL);
    gmdl_csv_fini(&c);
    gmdl_csv_fini(&c); /* idempotent after free */

    /* No trailing newline, a BOM, a header-only file, numbers with blanks and exponents. */
    p = FIXTURE("bom.csv", "\xEF\xBB\xBFx,y\n 7 ,-1.5e-2\n0x10,1e-400");
    REQUIRE_OK_MSG(gmdl_csv_read(&c, p, &e), e.msg);
    CHECK_EQ(c.nrows, 2);
    CHECK(strcmp(c.names[0], "x") == 0);
    CHECK_OK(gmdl_csv_column_f64(v, &c, 0, 0, &e));
    CHECK_NEAR(v[0], 7.0, 0, 0);
    CHECK_NEAR(v[1], 16.0, 0, 0);
    CHECK_OK(gmdl_csv_column_f64(v, &c, 1, 0, &e));
    CHECK_NEAR(v[0], -0.015, 1e-18, 0);
    CHECK_NEAR(v[1], 0.0, 1e-300, 0); /* underflow is accepted as (nearly) zero */
    gmdl_csv_fini(&c);

    p = FIXTURE("hdr.csv", "only,header\n");
    REQUIRE_OK_MSG(gmdl_csv_read(&c, p, &e), e.msg);
    CHECK_EQ(c.nrows, 0);
    CHECK_EQ(c.ncols, 2);
    CHECK_OK(gmdl_csv_column_f64(v, &c, 1, 0, &e));
    gmdl_csv_fini(&c);
}

static void expect_error(const char *name, const char *content, size_t len, const char *want) {
    gmdl_csv c;
    gmdl_err e = {{0}};
    const char *p = fixture(name, content, len);
    CHECK_STATUS(gmdl_csv_read(&c, p, &e), GMDL_EPARSE);
    CHECK_STR_CONTAINS(e.msg, want);
    CHECK(c.cells == NULL && c.nrows == 0);
}
#define EXPECT_ERROR(name, lit, want) expect_error(name, lit, sizeof(lit) - 1, want)

static void test_errors(void) {
    EXPECT_ERROR("few.csv", "a,b,c\n1,2,3\n4,5\n",
                 "few.csv:3:4: expected 3 fields (as in the header), got 2");
    EXPECT_ERROR("many.csv", "a,b\r\n1,2\r\n3,4\r\n5,6,7\r\n",
                 "many.csv:4:5: expected 2 fields (as in the header), got 3");
    EXPECT_ERROR("unterm.csv", "a,b\n1,2\n3,\"abc\n4,5\n",
                 "unterm.csv:3:3: unterminated quoted field");
    EXPECT_ERROR("after.csv", "a,b\n1,\"2\"x\n",
                 "after.csv:2:6: unexpected character 'x' after closing quote");
    EXPECT_ERROR("inner.csv", "a,b\n1,2\n1,2\"3\n",
                 "inner.csv:3:4: quote inside an unquoted field");
    EXPECT_ERROR("nul.csv", "a,b\n1,2\0\n", "nul.csv:2:4: NUL byte");
    EXPECT_ERROR("empty.csv", "", "empty.csv:1:1: empty file");
    EXPECT_ERROR("blank.csv", "\n\r\n", "blank.csv:1:1: empty file");

    gmdl_csv c;
    gmdl_err e = {{0}};
    const char *p = FIXTURE("num.csv", "a,b\n1,2\n3,4x\n5,1e999\n");
    REQUIRE_OK_MSG(gmdl_csv_read(&c, p, &e), e.msg);
    double v[3];
    CHECK_STATUS(gmdl_csv_column_f64(v, &c, 1, 0, &e), GMDL_EPARSE);
    CHECK_STR_CONTAINS(e.msg, "num.csv:3:3: column b: not a number: '4x'");
    c.cells[3] = c.cells[1]; /* skip the bad cell to reach the overflowing one */
    CHECK_STATUS(gmdl_csv_column_f64(v, &c, 1, 0, &e), GMDL_EPARSE);
    CHECK_STR_CONTAINS(e.msg, "num.csv:4:3: column b: value '1e999' is not finite");
    gmdl_csv_fini(&c);

    char missing[600];
    snprintf(missing, sizeof missing, "%s/does-not-exist.csv", tmpdir);
    CHECK_STATUS(gmdl_csv_read(&c, missing, &e), GMDL_ENOENT);
    CHECK_STR_CONTAINS(e.msg, "does-not-exist.csv");
}

static void test_iris(void) {
    const char *src = getenv("GMDL_SOURCE_DIR");
    REQUIRE(src != NULL); /* set by ctest */
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/sklearn/iris.csv", src);
    gmdl_csv c;
    gmdl_err e = {{0}};
    REQUIRE_OK_MSG(gmdl_csv_read(&c, path, &e), e.msg);
    CHECK_EQ(c.nrows, 150);
    CHECK_EQ(c.ncols, 5);
    int t = gmdl_csv_find(&c, "target");
    CHECK_EQ(t, 4);
    double col[150], sum = 0;
    for (size_t j = 0; j < 4; j++) {
        CHECK_OK(gmdl_csv_column_f64(col, &c, j, 0, &e));
        for (size_t i = 0; i < 150; i++)
            sum += col[i];
    }
    CHECK_NEAR(sum, 2078.7, 1e-9, 0); /* SOURCE.md: iris data sum 2078.7 */
    CHECK_OK(gmdl_csv_column_f64(col, &c, 4, 0, &e));
    int counts[3] = {0, 0, 0}, bad = 0;
    for (size_t i = 0; i < 150; i++) {
        if (col[i] == 0 || col[i] == 1 || col[i] == 2)
            counts[(int)col[i]]++;
        else
            bad++;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(counts[0], 50);
    CHECK_EQ(counts[1], 50);
    CHECK_EQ(counts[2], 50);
    CHECK_EQ(c.lines[149], 151);
    gmdl_csv_fini(&c);
}

/* Random byte mutations of a valid file: OK or EPARSE only, and an accepted table is rectangular
 * with every numeric conversion returning OK or EPARSE. */
static void test_mutations(void) {
    const char base[] = "a,\"b c\",d\r\n1,\"x,\"\"y\",2.5\r\n\n3,,NA\n4,\"multi\nline\",5\n";
    const char alphabet[] = "0123456789,\".\n\r aE-\0";
    gmdl_rng r;
    gmdl_rng_derive(&r, 777, GMDL_RNG_DATA_SYNTH, 0);
    int bad_status = 0, bad_table = 0;
    for (int iter = 0; iter < 3000; iter++) {
        char buf[sizeof base];
        size_t len = mutate_bytes(&r, buf, base, sizeof base - 1, alphabet, sizeof alphabet - 1);
        const char *p = fixture("mut.csv", buf, len);
        gmdl_csv c;
        gmdl_err e = {{0}};
        gmdl_status s = gmdl_csv_read(&c, p, &e);
        if (s != GMDL_OK && s != GMDL_EPARSE)
            bad_status++;
        if (s != GMDL_OK)
            continue;
        double col[16];
        if (c.ncols < 1 || c.nrows > 16)
            bad_table++;
        for (size_t j = 0; j < c.ncols && c.nrows <= 16; j++) {
            gmdl_status t = gmdl_csv_column_f64(col, &c, j, 1, &e);
            if (t != GMDL_OK && t != GMDL_EPARSE)
                bad_status++;
            for (size_t i = 0; i < c.nrows; i++)
                if (!c.cells[i * c.ncols + j])
                    bad_table++;
        }
        gmdl_csv_fini(&c);
    }
    CHECK_EQ(bad_status, 0);
    CHECK_EQ(bad_table, 0);
}

/* gmdl_csv_xy: the response column out, the others in file order; the first bad cell in file
 * order is the one reported; a table with no feature column or no row is EINVAL. */
static void test_xy(void) {
    gmdl_csv c;
    gmdl_err e = {{0}};
    const char *p = FIXTURE("xy.csv", "a,y,b\n1,10,2\n3,30,4\n0,50,-6\n");
    CHECK_OK(gmdl_csv_read(&c, p, &e));
    double x[6], y[3];
    CHECK_OK(gmdl_csv_xy(x, y, &c, 1, &e));
    const double wx[6] = {1, 2, 3, 4, 0, -6}, wy[3] = {10, 30, 50};
    CHECK(memcmp(x, wx, sizeof x) == 0 && memcmp(y, wy, sizeof y) == 0);
    CHECK_OK(gmdl_csv_xy(x, y, &c, 0, &e)); /* response first: features y, b */
    CHECK(x[0] == 10 && x[1] == 2 && x[5] == -6 && y[2] == 0);
    CHECK_STATUS(gmdl_csv_xy(x, y, &c, 3, &e), GMDL_EINVAL);
    gmdl_csv_fini(&c);
    p = FIXTURE("xybad.csv", "a,y,b\n1,x,2\n3,4,?\n");
    CHECK_OK(gmdl_csv_read(&c, p, &e));
    CHECK_STATUS(gmdl_csv_xy(x, y, &c, 2, &e), GMDL_EPARSE);
    CHECK_STR_CONTAINS(e.msg, "xybad.csv:2:3: column y: not a number: 'x'");
    gmdl_csv_fini(&c);
    p = FIXTURE("xymiss.csv", "a,y,b\n1,2,3\n3,4,?\n");
    CHECK_OK(gmdl_csv_read(&c, p, &e));
    CHECK_STATUS(gmdl_csv_xy(x, y, &c, 1, &e), GMDL_EPARSE);
    CHECK_STR_CONTAINS(e.msg, "xymiss.csv:3:5: column b: missing value '?'");
    gmdl_csv_fini(&c);
    p = FIXTURE("xyone.csv", "y\n1\n");
    CHECK_OK(gmdl_csv_read(&c, p, &e));
    CHECK_STATUS(gmdl_csv_xy(x, y, &c, 0, &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "xyone.csv: need at least one row and one feature column");
    gmdl_csv_fini(&c);
    p = FIXTURE("xynorow.csv", "a,y\n");
    CHECK_OK(gmdl_csv_read(&c, p, &e));
    CHECK_STATUS(gmdl_csv_xy(x, y, &c, 1, &e), GMDL_EINVAL);
    CHECK_STR_CONTAINS(e.msg, "need at least one row");
    gmdl_csv_fini(&c);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gmdl_test_csv.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_valid();
    test_errors();
    test_iris();
    test_mutations();
    test_xy();
    const char *names[] = {"ok.csv",     "bom.csv",   "hdr.csv",    "few.csv", "many.csv",
                           "unterm.csv", "after.csv", "inner.csv",  "nul.csv", "empty.csv",
                           "blank.csv",  "num.csv",   "mut.csv",    "xy.csv",  "xybad.csv",
                           "xymiss.csv", "xyone.csv", "xynorow.csv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
        remove(p);
    }
    rmdir(tmpdir);
    TEST_MAIN_END();
}
