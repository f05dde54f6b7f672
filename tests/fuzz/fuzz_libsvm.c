/* Fuzz target: the libsvm reader. */
#include "fuzz.h"
#include "gmdl/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    gmdl_libsvm d;
    gmdl_err err = {{0}};
    if (gmdl_libsvm_read(&d, path, 1000000, &err) == GMDL_OK)
        gmdl_libsvm_fini(&d);
    close(fd);
    return 0;
}
