/* Fuzz target: the xmlbif reader, then the MPE (max-product on the junction tree) and all marginals
 * of what it accepts, under a small memory budget so that a huge net is refused rather than slow.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "gmdl/pgm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gmdl_bn *bn;
    gmdl_err err = {{0}};
    if (gmdl_bn_parse_xmlbif(&bn, (const char *)data, size, "fuzz.xmlbif", &err) != GMDL_OK)
        return 0;
    gmdl_exact_config cfg = gmdl_exact_config_default();
    cfg.max_mem = (size_t)1 << 20;
    size_t V = gmdl_bn_nvars(bn);
    uint32_t *x = malloc(V * sizeof *x + 1);
    double *mar = malloc(gmdl_bn_marginal_size(bn) * sizeof *mar + 1);
    double lp;
    if (x && mar) {
        IGNORE(gmdl_bn_map(x, &lp, bn, NULL, NULL, GMDL_MAP_JT, &cfg, &err));
        IGNORE(gmdl_bn_marginals(mar, &lp, bn, NULL, &cfg, &err));
    }
    free(x);
    free(mar);
    gmdl_bn_destroy(bn);
    return 0;
}
