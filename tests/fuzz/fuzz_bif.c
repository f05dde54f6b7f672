/* Fuzz target: the BIF reader, then exact inference on what it accepts (under a small memory
 * budget, so that a huge net is refused rather than slow). */
#include <stdlib.h>

#include "fuzz.h"
#include "gmdl/pgm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gmdl_bn *bn;
    gmdl_err err = {{0}};
    if (gmdl_bn_parse_bif(&bn, (const char *)data, size, "fuzz.bif", &err) != GMDL_OK)
        return 0;
    gmdl_mrf *m;
    if (gmdl_bn_to_mrf(&m, bn, &err) == GMDL_OK) {
        gmdl_exact_config cfg = gmdl_exact_config_default();
        cfg.max_mem = (size_t)1 << 20;
        double *mar = malloc(gmdl_mrf_marginal_size(m) * sizeof *mar + 1);
        double lz;
        if (mar)
            IGNORE(gmdl_mrf_exact(&lz, mar, NULL, m, NULL, &cfg, &err));
        free(mar);
        gmdl_mrf_destroy(m);
    }
    gmdl_bn_destroy(bn);
    return 0;
}
