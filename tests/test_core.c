/* core: status table, CRC-32 check value, allocator hook, aligned allocation, thread ranges. */
#include "common.h"
#include "harness.h"

static int fail_after = -1;
static void *counting_malloc(size_t n) {
    if (fail_after == 0)
        return NULL;
    if (fail_after > 0)
        fail_after--;
    return malloc(n);
}

int main(void) {
    CHECK(strcmp(gmdl_status_name(GMDL_ECHECKSUM), "GMDL_ECHECKSUM") == 0);
    CHECK(strcmp(gmdl_status_str(GMDL_OK), "success") == 0);
    CHECK(strcmp(gmdl_status_name((gmdl_status)999), "GMDL_UNKNOWN") == 0);
    for (int s = 0; s < GMDL_STATUS_COUNT; s++) {
        CHECK(gmdl_status_name((gmdl_status)s)[0] == 'G');
        CHECK(strlen(gmdl_status_str((gmdl_status)s)) > 3);
    }
    CHECK(gmdl_status_is_input_error(GMDL_ECORRUPT));
    CHECK(gmdl_status_is_input_error(GMDL_EVERSION));
    CHECK(!gmdl_status_is_input_error(GMDL_ENOMEM));
    CHECK(!gmdl_status_is_input_error(GMDL_EIO));
    CHECK(!gmdl_status_is_input_error(GMDL_ENUMERIC));
    CHECK(strcmp(gmdl_version(), GMDL_VERSION_STRING) == 0);

    /* CRC-32 standard check value, and incremental use */
    CHECK_EQ(gmdl_crc32(0, "123456789", 9), 0xCBF43926u);
    CHECK_EQ(gmdl_crc32(gmdl_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
    CHECK_EQ(gmdl_crc32(0, "", 0), 0u);

    /* allocator hook and fault injection */
    CHECK_STATUS(gmdl_set_allocator(NULL, realloc, free), GMDL_EINVAL);
    CHECK_OK(gmdl_set_allocator(counting_malloc, realloc, free));
    fail_after = 0;
    CHECK(gmdl__malloc(10) == NULL);
    CHECK(gmdl__malloc_aligned(10) == NULL);
    fail_after = -1;
    void *p = gmdl__malloc_aligned(100);
    CHECK(p != NULL && ((uintptr_t)p % 64) == 0);
    gmdl__free_aligned(p);
    CHECK(gmdl__calloc(SIZE_MAX / 2, 4) == NULL); /* overflow detected */
    CHECK_OK(gmdl_set_allocator(malloc, realloc, free));

    /* thread ranges cover [0, n) exactly, in aligned blocks */
    size_t lo, hi;
    gmdl__thread_range(100, 16, &lo, &hi); /* outside a parallel region: one thread */
    CHECK_EQ(lo, 0);
    CHECK_EQ(hi, 100);

    gmdl_err err;
    CHECK_STATUS(gmdl__fail(&err, GMDL_EPARSE, "f.txt:%d: bad", 3), GMDL_EPARSE);
    CHECK(strcmp(err.msg, "f.txt:3: bad") == 0);
    CHECK_STATUS(gmdl__fail(NULL, GMDL_EIO, "x"), GMDL_EIO);
    TEST_MAIN_END();
}
