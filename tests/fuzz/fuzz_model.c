/* Fuzz target: model files, trained (.gmdl) and compressed (.gmz), through the one loader that
 * validates sizes, offsets, checksums and shapes before anything is used. */
#include "fuzz.h"
#include "gmdl/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    gmdl_model *m;
    gmdl_err err = {{0}};
    if (gmdl_model_load(&m, path, &err) == GMDL_OK)
        gmdl_model_destroy(m);
    close(fd);
    return 0;
}
