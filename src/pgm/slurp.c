/* Whole-file reads for the model-file readers (uai.c, bif.c). */
#include <errno.h>

#include "pgm_internal.h"

gmdl_status gmdl__slurp(const char *path, char **buf, size_t *len, gmdl_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return gmdl__fail(err, errno == ENOENT ? GMDL_ENOENT : GMDL_EIO, "%s: cannot open: %s",
                          path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *b = gmdl__malloc(cap + 1);
    if (!b) {
        fclose(f);
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (n == cap) {
            char *nb = gmdl__realloc(b, 2 * cap + 1);
            if (!nb) {
                gmdl__free(b);
                fclose(f);
                return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
            }
            b = nb;
            cap *= 2;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        gmdl__free(b);
        return gmdl__fail(err, GMDL_EIO, "%s: read error", path);
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return GMDL_OK;
}
