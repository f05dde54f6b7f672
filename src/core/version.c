#include "common.h"

const char *gmdl_version(void) {
    return GMDL_VERSION_STRING;
}
