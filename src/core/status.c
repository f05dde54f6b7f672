/* Status names and messages, generated from GMDL_STATUS_MAP. */
#include "common.h"

const char *gmdl_status_name(gmdl_status s) {
    switch (s) {
#define X(name, msg)                                                                               \
    case GMDL_##name:                                                                              \
        return "GMDL_" #name;
        GMDL_STATUS_MAP(X)
#undef X
        default:
            return "GMDL_UNKNOWN";
    }
}

const char *gmdl_status_str(gmdl_status s) {
    switch (s) {
#define X(name, msg)                                                                               \
    case GMDL_##name:                                                                              \
        return msg;
        GMDL_STATUS_MAP(X)
#undef X
        default:
            return "unknown status";
    }
}

int gmdl_status_is_input_error(gmdl_status s) {
    switch (s) {
        case GMDL_EINVAL:
        case GMDL_ESHAPE:
        case GMDL_ENOENT:
        case GMDL_ENOTOURS:
        case GMDL_EVERSION:
        case GMDL_ECORRUPT:
        case GMDL_ECHECKSUM:
        case GMDL_EPARSE:
        case GMDL_EUNSUPPORTED:
            return 1;
        default:
            return 0;
    }
}
