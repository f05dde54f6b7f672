/* Fuzz target: the UAI .evid reader, against a fixed five-variable model. */
#include <stdlib.h>

#include "fuzz.h"
#include "gmdl/pgm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const uint32_t card[5] = {2, 3, 2, 4, 2};
    gmdl_mrf *m;
    gmdl_err err = {{0}};
    if (gmdl_mrf_create(&m, 5, card, &err) != GMDL_OK)
        return 0;
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd >= 0) {
        int32_t ev[5];
        IGNORE(gmdl_mrf_read_evid(ev, m, path, &err));
        close(fd);
    }
    gmdl_mrf_destroy(m);
    return 0;
}
