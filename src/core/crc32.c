/* CRC-32 (IEEE, reflected polynomial 0xEDB88320), slicing-by-one with a table built on first use.
 * Check value: crc32("123456789") == 0xCBF43926. */
#include <pthread.h>

#include "common.h"

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
}

uint32_t gmdl_crc32(uint32_t crc, const void *buf, size_t len) {
    pthread_once(&table_once, build_table);
    const unsigned char *p = buf;
    crc = ~crc;
    for (size_t i = 0; i < len; i++)
        crc = table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}
