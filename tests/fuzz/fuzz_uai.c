/* Fuzz target: the UAI model reader, then exact inference and a few BP sweeps on what it accepts
 * (small memory budget and iteration cap). */
#include <stdlib.h>

#include "fuzz.h"
#include "gmdl/pgm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    gmdl_mrf *m;
    gmdl_err err = {{0}};
    if (gmdl_mrf_read_uai(&m, path, &err) == GMDL_OK) {
        gmdl_exact_config cfg = gmdl_exact_config_default();
        cfg.max_mem = (size_t)1 << 20;
        double *mar = malloc(gmdl_mrf_marginal_size(m) * sizeof *mar + 1);
        double lz;
        if (mar && gmdl_mrf_nvars(m) < 10000) {
            IGNORE(gmdl_mrf_exact(&lz, mar, NULL, m, NULL, &cfg, &err));
            gmdl_bp_config bc = gmdl_bp_config_default();
            bc.max_iters = 5;
            IGNORE(gmdl_mrf_bp(&lz, mar, NULL, m, NULL, &bc, &err));
        }
        free(mar);
        gmdl_mrf_destroy(m);
    }
    close(fd);
    return 0;
}
