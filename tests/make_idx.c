/* Test tool: writes a synthetic IDX data set (see idx_fixture.h).
 *   make_idx DIR NTRAIN NTEST [gz] */
#include <stdlib.h>

#include "idx_fixture.h"

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: make_idx DIR NTRAIN NTEST [gz]\n");
        return 2;
    }
    size_t ntr = strtoul(argv[2], NULL, 10), nte = strtoul(argv[3], NULL, 10);
    int gz = argc > 4;
    if (fx_write_set(argv[1], ntr, nte, gz, 5)) {
        fprintf(stderr, "make_idx: cannot write %s\n", argv[1]);
        return 1;
    }
    return 0;
}
