/* Fuzz target: the CSV reader and its numeric views. */
#include <stdlib.h>

#include "fuzz.h"
#include "gmdl/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    gmdl_csv c;
    gmdl_err err = {{0}};
    if (gmdl_csv_read(&c, path, &err) == GMDL_OK) {
        double *col = malloc((c.nrows ? c.nrows : 1) * sizeof *col);
        for (size_t j = 0; col && j < c.ncols; j++)
            IGNORE(gmdl_csv_column_f64(col, &c, j, 1, &err));
        free(col);
        if (c.ncols >= 2 && c.nrows > 0 && c.nrows < 100000) {
            double *x = malloc(c.nrows * (c.ncols - 1) * sizeof *x),
                   *y = malloc(c.nrows * sizeof *y);
            if (x && y)
                IGNORE(gmdl_csv_xy(x, y, &c, c.ncols - 1, &err));
            free(x);
            free(y);
        }
        gmdl_csv_fini(&c);
    }
    close(fd);
    return 0;
}
