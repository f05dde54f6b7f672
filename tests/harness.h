/* Minimal test harness: each check prints file:line, both expressions and values on failure;
 * a test program ends with TEST_MAIN_END, printing "N passed, N failed" and exiting non-zero
 * when anything failed. Randomised tests take their seed from GMDL_TEST_SEED when set.
 *
 * CHECK* count a failure and carry on. REQUIRE, REQUIRE_OK and REQUIRE_OK_MSG are fatal: on
 * failure they print file:line and the reason, then the counts, and exit 1 at once. Use them
 * where the code after depends on the result (a file that must load, an output that is read
 * next), so that a missing input fails with a message instead of a crash. */
#ifndef GMDL_TEST_HARNESS_H
#define GMDL_TEST_HARNESS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int th_passed, th_failed;

/* Ends the program after a failed REQUIRE: the counts so far, then exit status 1. */
static inline void th_stop(void) {
    printf("%d passed, %d failed (stopped at a failed REQUIRE)\n", th_passed, th_failed);
    fflush(NULL);
    exit(1);
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond)                                                                                  \
            th_passed++;                                                                           \
        else {                                                                                     \
            th_failed++;                                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long th_a = (long long)(a), th_b = (long long)(b);                                    \
        if (th_a == th_b)                                                                          \
            th_passed++;                                                                           \
        else {                                                                                     \
            th_failed++;                                                                           \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld vs %lld)\n", __FILE__,         \
                    __LINE__, #a, #b, th_a, th_b);                                                 \
        }                                                                                          \
    } while (0)

#define CHECK_NEAR(a, b, atol, rtol)                                                               \
    do {                                                                                           \
        double th_a = (double)(a), th_b = (double)(b);                                             \
        double th_tol = (double)(atol) + (double)(rtol)*fabs(th_b);                                \
        if (isfinite(th_a) && isfinite(th_b) && fabs(th_a - th_b) <= th_tol)                       \
            th_passed++;                                                                           \
        else {                                                                                     \
            th_failed++;                                                                           \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s ~ %s (%.10g vs %.10g, tol %.3g)\n",      \
                    __FILE__, __LINE__, #a, #b, th_a, th_b, th_tol);                               \
        }                                                                                          \
    } while (0)

#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        gmdl_status th_s = (expr);                                                                 \
        if (th_s == GMDL_OK)                                                                       \
            th_passed++;                                                                           \
        else {                                                                                     \
            th_failed++;                                                                           \
            fprintf(stderr, "%s:%d: CHECK_OK failed: %s returned %s\n", __FILE__, __LINE__, #expr, \
                    gmdl_status_name(th_s));                                                       \
        }                                                                                          \
    } while (0)

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (cond)                                                                                  \
            th_passed++;                                                                           \
        else {                                                                                     \
            th_failed++;                                                                           \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond);             \
            th_stop();                                                                             \
        }                                                                                          \
    } while (0)

/* REQUIRE_OK_MSG(expr, msg): as REQUIRE_OK, also printing msg (read after expr ran, typically the
 * gmdl_err message, which names the file). */
#define REQUIRE_OK_MSG(expr, msg)                                                                  \
    do {                                                                                           \
        gmdl_status th_s = (expr);                                                                 \
        if (th_s == GMDL_OK)                                                                       \
            th_passed++;                                                                           \
        else {                                                                                     \
            const char *th_m = (msg);                                                              \
            th_failed++;                                                                           \
            fprintf(stderr, "%s:%d: REQUIRE_OK failed: %s returned %s%s%s\n", __FILE__, __LINE__,  \
                    #expr, gmdl_status_name(th_s), *th_m ? ": " : "", th_m);                       \
            th_stop();                                                                             \
        }                                                                                          \
    } while (0)

#define REQUIRE_OK(expr) REQUIRE_OK_MSG(expr, "")

#define CHECK_STATUS(expr, want)                                                                   \
    do {                                                                                           \
        gmdl_status th_s = (expr);                                                                 \
        if (th_s == (want))                                                                        \
            th_passed++;                                                                           \
        else {                                                                                     \
            th_failed++;                                                                           \
            fprintf(stderr, "%s:%d: CHECK_STATUS failed: %s returned %s, want %s\n", __FILE__,     \
                    __LINE__, #expr, gmdl_status_name(th_s), gmdl_status_name(want));              \
        }                                                                                          \
    } while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                                            \
    do {                                                                                           \
        const char *th_h = (hay), *th_n = (needle);                                                \
        if (th_h && strstr(th_h, th_n))                                                            \
            th_passed++;                                                                           \
        else {                                                                                     \
            th_failed++;                                                                           \
            fprintf(stderr, "%s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__,             \
                    th_h ? th_h : "(null)", th_n);                                                 \
        }                                                                                          \
    } while (0)

static inline uint64_t th_seed(uint64_t dflt) {
    const char *s = getenv("GMDL_TEST_SEED");
    return s ? strtoull(s, NULL, 10) : dflt;
}

#define TEST_MAIN_END()                                                                            \
    do {                                                                                           \
        printf("%d passed, %d failed\n", th_passed, th_failed);                                    \
        return th_failed ? 1 : 0;                                                                  \
    } while (0)

#endif
