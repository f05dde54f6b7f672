/* Random byte mutations for the parser robustness tests: copies base (len bytes) into buf, replaces
 * 1 to 3 random bytes with characters from alphabet (nalpha of them), and one time in four
 * truncates at a random length. Returns the new length. */
#ifndef GMDL_TEST_MUTATE_H
#define GMDL_TEST_MUTATE_H

#include <string.h>

#include "gmdl/rng.h"

static inline size_t mutate_bytes(
    gmdl_rng *r, char *buf, const char *base, size_t len, const char *alphabet, size_t nalpha) {
    memcpy(buf, base, len + 1);
    int nmut = 1 + (int)gmdl_rng_bounded(r, 3);
    for (int k = 0; k < nmut; k++)
        buf[gmdl_rng_bounded(r, (uint32_t)len)] = alphabet[gmdl_rng_bounded(r, (uint32_t)nalpha)];
    if (gmdl_rng_bounded(r, 4) == 0)
        len = gmdl_rng_bounded(r, (uint32_t)len + 1);
    return len;
}

#endif
