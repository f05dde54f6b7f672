/* Whole-file text input shared by the CSV and JSON readers: the file is read into one buffer that
 * doubles as it fills, with a NUL byte after the contents so that parsers may look one byte ahead.
 * Not done here: decompression, encodings (bytes are passed through as they are). */
#include "text.h"

#include <errno.h>

gmdl_status gmdl__read_text(const char *path, char **out, size_t *len, gmdl_err *err) {
    *out = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        if (errno == ENOENT)
            return gmdl__fail(err, GMDL_ENOENT, "%s: no such file", path);
        return gmdl__fail(err, GMDL_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = gmdl__malloc(cap);
    if (!buf) {
        fclose(fp);
        return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (cap - n < 2) {
            size_t ncap;
            char *nb = NULL;
            if (gmdl__mul_ok(cap, 2, &ncap))
                nb = gmdl__realloc(buf, ncap);
            if (!nb) {
                gmdl__free(buf);
                fclose(fp);
                return gmdl__fail(err, GMDL_ENOMEM, "%s: out of memory reading the file", path);
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        gmdl__free(buf);
        return gmdl__fail(err, GMDL_EIO, "%s: read error", path);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return GMDL_OK;
}
