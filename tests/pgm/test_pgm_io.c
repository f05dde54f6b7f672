/* Readers: every BIF file of tests/data loads with the published node/arc/parameter counts;
 * the dialect features (comments, properties, table, default rows); malformed BIF and UAI files
 * fail with the right status, the file name, the line and the problem; allocation failures while
 * reading return GMDL_ENOMEM without leaks. */
#include <unistd.h>

#include "gmdl/core.h"
#include "harness.h"
#include "pgm_util.h"

static void check_counts(void) {
    struct {
        const char *file;
        size_t nodes, arcs, params;
    } ref[] = {{"bif/asia.bif", 8, 8, 18},       {"bif/cancer.bif", 5, 4, 10},
               {"bif/earthquake.bif", 5, 4, 10}, {"bif/survey.bif", 6, 6, 21},
               {"bif/sachs.bif", 11, 17, 178},   {"bif/child.bif", 20, 25, 230},
               {"bif/alarm.bif", 37, 46, 509}};
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        gmdl_err err = {{0}};
        gmdl_bn *bn = NULL;
        REQUIRE_OK_MSG(gmdl_bn_read_bif(&bn, data_path(ref[i].file), &err), err.msg);
        CHECK_EQ(gmdl_bn_nvars(bn), ref[i].nodes);
        CHECK_EQ(gmdl_bn_narcs(bn), ref[i].arcs);
        CHECK_EQ(gmdl_bn_nparams(bn), ref[i].params);
        /* every CPT row sums to 1 */
        double worst = 0.0;
        for (size_t v = 0; v < gmdl_bn_nvars(bn); v++) {
            size_t rows = 1;
            for (size_t k = 0; k < gmdl_bn_nparents(bn, v); k++)
                rows *= gmdl_bn_card(bn, gmdl_bn_parents(bn, v)[k]);
            for (size_t r = 0; r < rows; r++) {
                double s = 0.0;
                for (uint32_t x = 0; x < gmdl_bn_card(bn, v); x++)
                    s += gmdl_bn_cpt(bn, v)[r * gmdl_bn_card(bn, v) + x];
                if (fabs(s - 1.0) > worst)
                    worst = fabs(s - 1.0);
            }
        }
        CHECK(worst < 1e-12);
        gmdl_bn_destroy(bn);
    }
    /* names and parents of alarm preserved */
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    REQUIRE_OK_MSG(gmdl_bn_read_bif(&bn, data_path("bif/alarm.bif"), &err), err.msg);
    uint32_t v, s;
    REQUIRE_OK_MSG(gmdl_bn_find(&v, bn, "EXPCO2", &err), err.msg);
    CHECK_EQ(gmdl_bn_card(bn, v), 4);
    CHECK_OK(gmdl_bn_find_state(&s, bn, v, "ZERO", &err));
    CHECK_EQ(s, 0);
    CHECK(strcmp(gmdl_bn_state_name(bn, v, 3), "HIGH") == 0);
    gmdl_bn_destroy(bn);
}

static void check_good(void) {
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    CHECK_OK(gmdl_bn_read_bif(&bn, fixture_path("good.bif"), &err));
    if (!bn) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_EQ(gmdl_bn_nvars(bn), 3);
    uint32_t c;
    CHECK_OK(gmdl_bn_find(&c, bn, "c", &err));
    CHECK_EQ(gmdl_bn_nparents(bn, c), 2);
    const double *p = gmdl_bn_cpt(bn, c);
    /* rows (a,b): (yes,yes) given, (yes,no) and (no,yes) default, (no,no) given */
    CHECK_NEAR(p[0], 0.1, 1e-15, 0);
    CHECK_NEAR(p[2], 0.7, 1e-15, 0);
    CHECK_NEAR(p[3], 0.5, 1e-15, 0);
    CHECK_NEAR(p[6], 0.5, 1e-15, 0);
    CHECK_NEAR(p[9], 0.6, 1e-15, 0);
    CHECK_NEAR(p[11], 0.1, 1e-15, 0);
    CHECK(strcmp(gmdl_bn_state_name(bn, c, 1), "mid") == 0);
    /* the same text parsed from memory */
    const char *txt = "variable x { type discrete [ 2 ] { t, f }; }\n"
                      "probability ( x ) { table 0.25 0.75; }\n";
    gmdl_bn *b2 = NULL;
    CHECK_OK(gmdl_bn_parse_bif(&b2, txt, strlen(txt), "mem", &err));
    if (b2) {
        CHECK_NEAR(gmdl_bn_cpt(b2, 0)[1], 0.75, 1e-15, 0);
        gmdl_bn_destroy(b2);
    }
    gmdl_bn_destroy(bn);
}

static void check_bad_bif(void) {
    struct {
        const char *file;
        gmdl_status want;
        int line;
        const char *what;
    } cases[] = {
        {"truncated.bif", GMDL_EPARSE, 14, "end of file"},
        {"wrong_state_count.bif", GMDL_ECORRUPT, 4, "declares 3 states but lists 2"},
        {"wrong_value_count.bif", GMDL_ECORRUPT, 13, "has 3 values, expected 2"},
        {"non_numeric.bif", GMDL_EPARSE, 14, "'zero' is not a number"},
        {"unknown_variable.bif", GMDL_ECORRUPT, 16, "unknown variable 'c'"},
        {"unknown_parent.bif", GMDL_ECORRUPT, 12, "unknown variable 'x'"},
        {"cycle.bif", GMDL_ECORRUPT, 13, "cycle"},
        {"negative.bif", GMDL_ECORRUPT, 13, "negative probability"},
        {"row_sum.bif", GMDL_ECORRUPT, 13, "sum to 1.1"},
        {"missing_row.bif", GMDL_ECORRUPT, 12, "no row for (no)"},
        {"unknown_state.bif", GMDL_ECORRUPT, 14, "'maybe' is not a state of 'a'"},
        {"missing_block.bif", GMDL_ECORRUPT, 6, "'b' has no probability block"},
        {"duplicate_row.bif", GMDL_ECORRUPT, 14, "given twice"},
        {"duplicate_state.bif", GMDL_ECORRUPT, 4, "'yes' is listed twice in the states of 'a'"},
        {"bad_parent_list.bif", GMDL_EPARSE, 12,
         "expected ',' or ')' in the parents of 'b', got ';'"},
        {"bad_row.bif", GMDL_EPARSE, 14, "expected ',' or ')' in a row of 'b', got 'yes'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gmdl_err err = {{0}};
        gmdl_bn *bn = NULL;
        const char *path = fixture_path(cases[i].file);
        gmdl_status s = gmdl_bn_read_bif(&bn, path, &err);
        CHECK_STATUS(s, cases[i].want);
        CHECK(gmdl_status_is_input_error(s));
        CHECK(bn == NULL);
        char where[1200];
        snprintf(where, sizeof where, "%s:%d: ", path, cases[i].line);
        CHECK_STR_CONTAINS(err.msg, where);
        CHECK_STR_CONTAINS(err.msg, cases[i].what);
    }
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    CHECK_STATUS(gmdl_bn_read_bif(&bn, fixture_path("no_such_file.bif"), &err), GMDL_ENOENT);
    CHECK_STR_CONTAINS(err.msg, "no_such_file.bif");
}

static void check_uai(void) {
    gmdl_err err = {{0}};
    gmdl_mrf *m = NULL;
    CHECK_OK(gmdl_mrf_read_uai(&m, fixture_path("small.uai"), &err));
    if (m) {
        CHECK_EQ(gmdl_mrf_nvars(m), 2);
        CHECK_EQ(gmdl_mrf_nfactors(m), 2);
        int32_t ev[2];
        CHECK_OK(gmdl_mrf_read_evid(ev, m, fixture_path("small.uai.evid"), &err));
        CHECK_EQ(ev[0], -1);
        CHECK_EQ(ev[1], 1);
        double lz, mar[4];
        CHECK_OK(gmdl_mrf_exact(&lz, mar, NULL, m, ev, NULL, &err));
        CHECK_NEAR(lz, log(0.5 * 2 + 0.5 * 4), 1e-12, 0);
        CHECK_NEAR(mar[0], 1.0 / 3.0, 1e-12, 0);
        CHECK_NEAR(mar[3], 1.0, 0, 0);
        CHECK_OK(gmdl_mrf_exact(&lz, mar, NULL, m, NULL, NULL, &err));
        CHECK_NEAR(lz, log(0.5 * 10), 1e-12, 0);
        /* last scope variable fastest: P(x1 = 1) = (2 + 4) / 10 */
        CHECK_NEAR(mar[3], 0.6, 1e-12, 0);
        CHECK_STATUS(gmdl_mrf_read_evid(ev, m, fixture_path("bad_value.evid"), &err),
                     GMDL_ECORRUPT);
        CHECK_STR_CONTAINS(err.msg, "bad_value.evid:1:");
        gmdl_mrf_destroy(m);
    }
    struct {
        const char *file;
        gmdl_status want;
        int line;
        const char *what;
    } cases[] = {
        {"uai_wrong_count.uai", GMDL_ECORRUPT, 11, "has 3 entries, expected 4"},
        {"uai_truncated.uai", GMDL_ECORRUPT, 12, "unexpected end of file"},
        {"uai_non_numeric.uai", GMDL_EPARSE, 9, "got 'x'"},
        {"uai_bad_variable.uai", GMDL_ECORRUPT, 6, "variable index is 2"},
        {"uai_negative.uai", GMDL_ECORRUPT, 9, "negative"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = fixture_path(cases[i].file);
        m = NULL;
        CHECK_STATUS(gmdl_mrf_read_uai(&m, path, &err), cases[i].want);
        CHECK(m == NULL);
        char where[1200];
        snprintf(where, sizeof where, "%s:%d: ", path, cases[i].line);
        CHECK_STR_CONTAINS(err.msg, where);
        CHECK_STR_CONTAINS(err.msg, cases[i].what);
    }
}

/* Fault injection: fail the k-th allocation, for k = 0, 1, ... until reading succeeds. */
static long fail_at, alloc_count;
static void *fi_malloc(size_t n) {
    if (alloc_count++ == fail_at)
        return NULL;
    return malloc(n);
}
static void *fi_realloc(void *p, size_t n) {
    if (alloc_count++ == fail_at)
        return NULL;
    return realloc(p, n);
}

static void check_faults(void) {
    int ok_bn = 0, ok_uai = 0, bad = 0;
    for (fail_at = 0; fail_at < 5000 && !(ok_bn && ok_uai); fail_at++) {
        CHECK_OK(gmdl_set_allocator(fi_malloc, fi_realloc, free));
        gmdl_err err = {{0}};
        gmdl_bn *bn = NULL;
        gmdl_mrf *m = NULL;
        alloc_count = 0;
        gmdl_status s = GMDL_OK;
        if (!ok_bn) {
            s = gmdl_bn_read_bif(&bn, fixture_path("good.bif"), &err);
            if (s == GMDL_OK)
                ok_bn = 1;
            else if (s != GMDL_ENOMEM)
                bad++;
        }
        alloc_count = 0;
        if (!ok_uai) {
            s = gmdl_mrf_read_uai(&m, fixture_path("small.uai"), &err);
            if (s == GMDL_OK)
                ok_uai = 1;
            else if (s != GMDL_ENOMEM)
                bad++;
        }
        CHECK_OK(gmdl_set_allocator(malloc, realloc, free));
        gmdl_bn_destroy(bn);
        gmdl_mrf_destroy(m);
    }
    CHECK(ok_bn && ok_uai);
    CHECK_EQ(bad, 0);
}

/* Robustness: every truncation and many random byte mutations of a valid file give either
 * success or an input error, never a crash (and no leak under the sanitizers). */
static void check_mutations(void) {
    static const char *bif = "network n { property \"x\"; }\n"
                             "variable a { type discrete [ 2 ] { y, n }; }\n"
                             "variable b { type discrete [ 3 ] { l, m, h }; }\n"
                             "probability ( a ) { table 0.4, 0.6; }\n"
                             "probability ( b | a ) { (y) 0.1, 0.2, 0.7; (n) 0.3 0.3 0.4; }\n";
    static const char *uai = "MARKOV\n3\n2 3 2\n3\n1 0\n2 0 1\n2 1 2\n\n2 0.5 0.5\n"
                             "6 1 2 3 4 5 6\n6 1 1 2 2 3 0.5\n";
    gmdl_rng r;
    gmdl_rng_seed(&r, th_seed(3), 1);
    size_t n = strlen(bif), bad = 0, ok = 0;
    char buf[1024];
    for (size_t len = 0; len <= n; len++) {
        gmdl_err err = {{0}};
        gmdl_bn *bn = NULL;
        gmdl_status st = gmdl_bn_parse_bif(&bn, bif, len, "t.bif", &err);
        if (st == GMDL_OK)
            ok++;
        else if (!gmdl_status_is_input_error(st) || !strstr(err.msg, "t.bif"))
            bad++;
        gmdl_bn_destroy(bn);
    }
    for (int t = 0; t < 3000; t++) {
        memcpy(buf, bif, n);
        int k = 1 + (int)gmdl_rng_bounded(&r, 3);
        for (int i = 0; i < k; i++)
            buf[gmdl_rng_bounded(&r, (uint32_t)n)] =
                "{}();,|[]\" a0.-9xe/*\n"[gmdl_rng_bounded(&r, 22)];
        gmdl_err err = {{0}};
        gmdl_bn *bn = NULL;
        gmdl_status st = gmdl_bn_parse_bif(&bn, buf, n, "t.bif", &err);
        if (st == GMDL_OK) {
            ok++;
            double p[3];
            CHECK_OK(gmdl_bn_query(p, NULL, bn, 0, NULL, NULL, &err));
        } else if (!gmdl_status_is_input_error(st))
            bad++;
        gmdl_bn_destroy(bn);
    }
    char path[] = "pgm_mutation_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    n = strlen(uai);
    for (int t = 0; t < 1500; t++) {
        memcpy(buf, uai, n);
        size_t len = n;
        if (t < (int)n)
            len = (size_t)t; /* truncations first */
        else
            for (int i = 0; i < 2; i++)
                buf[gmdl_rng_bounded(&r, (uint32_t)n)] =
                    "0123456789 \n.-xe"[gmdl_rng_bounded(&r, 17)];
        FILE *f = fopen(path, "wb");
        if (!f)
            break;
        fwrite(buf, 1, len, f);
        fclose(f);
        gmdl_err err = {{0}};
        gmdl_mrf *m = NULL;
        gmdl_status st = gmdl_mrf_read_uai(&m, path, &err);
        if (st == GMDL_OK) {
            ok++;
            double lz;
            gmdl_status s2 = gmdl_mrf_exact(&lz, NULL, NULL, m, NULL, NULL, &err);
            CHECK(s2 == GMDL_OK || s2 == GMDL_ELIMIT);
        } else if (!(gmdl_status_is_input_error(st) || st == GMDL_ELIMIT))
            bad++;
        gmdl_mrf_destroy(m);
    }
    remove(path);
    printf("mutations: %zu parsed, %zu unexpected statuses\n", ok, bad);
    CHECK_EQ(bad, 0);
    CHECK(ok > 0);
}

int main(void) {
    check_mutations();
    check_counts();
    check_good();
    check_bad_bif();
    check_uai();
    check_faults();
    TEST_MAIN_END();
}
