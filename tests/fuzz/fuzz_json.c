/* Fuzz target: the JSON reader and its typed accessor (the eight-schools data path). */
#include "fuzz.h"
#include "gmdl/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gmdl_json v;
    gmdl_err err = {{0}};
    if (gmdl_json_parse(&v, (const char *)data, size, "fuzz.json", &err) != GMDL_OK)
        return 0;
    const gmdl_json *a;
    IGNORE(gmdl_json_get_numbers(&a, &v, "y", "fuzz.json", &err));
    gmdl_json_fini(&v);
    return 0;
}
