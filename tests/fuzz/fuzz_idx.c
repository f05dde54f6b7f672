/* Fuzz target: the IDX reader (raw and gzip: zlib reads either), then the data-set view. */
#include "fuzz.h"
#include "gmdl/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    gmdl_idx idx;
    gmdl_err err = {{0}};
    if (gmdl_idx_read(&idx, path, &err) == GMDL_OK)
        gmdl_idx_fini(&idx);
    gmdl_dataset ds;
    if (gmdl_dataset_load_idx(&ds, path, path, 10, &err) == GMDL_OK)
        gmdl_dataset_fini(&ds);
    close(fd);
    return 0;
}
