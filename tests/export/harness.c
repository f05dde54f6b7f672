/* Host harness of an exported net (gmdl export, default name gmdl_net): runs gmdl_net_predict
 * (or gmdl_net_predict_u8 with "u8") over the images of an uncompressed IDX image file and
 * prints the CSV columns of gmdl predict: index, pred, p0..p{K-1} (%.9g). Compiled by
 * tests/export/export.sh with cc -std=c99 -pedantic -Wall -Wextra -Werror -O2, and by
 * bench/export_bench.sh (which passes "time" to time the forward passes instead). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gmdl_net.h"

static unsigned long be32(const unsigned char *b) {
    return ((unsigned long)b[0] << 24) | ((unsigned long)b[1] << 16) | ((unsigned long)b[2] << 8) |
           (unsigned long)b[3];
}

int main(int argc, char **argv) {
    FILE *f;
    unsigned char head[16], *img;
    unsigned long n, dim, i, j, limit;
    float px[gmdl_net_INPUTS], probs[gmdl_net_CLASSES];
    int u8, timing, k, reps, r;
    if (argc < 2) {
        fprintf(stderr, "usage: harness IMAGES.idx [N] [u8|f32|time] [REPEATS]\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (!f || fread(head, 1, 16, f) != 16 || be32(head) != 0x803UL) {
        fprintf(stderr, "harness: %s: not an uncompressed IDX image file\n", argv[1]);
        return 2;
    }
    n = be32(head + 4);
    dim = be32(head + 8) * be32(head + 12);
    limit = argc > 2 ? strtoul(argv[2], NULL, 10) : n;
    u8 = argc > 3 && strcmp(argv[3], "u8") == 0;
    timing = argc > 3 && strcmp(argv[3], "time") == 0;
    reps = argc > 4 ? atoi(argv[4]) : 1;
    if (limit < n)
        n = limit;
    if (dim != gmdl_net_INPUTS || n == 0 || reps < 1) {
        fprintf(stderr, "harness: %lu inputs per image, the net takes %d\n", dim, gmdl_net_INPUTS);
        return 2;
    }
    img = malloc(n * dim);
    if (!img || fread(img, 1, n * dim, f) != n * dim) {
        fprintf(stderr, "harness: %s: truncated\n", argv[1]);
        return 2;
    }
    fclose(f);
    if (timing) { /* seconds per image over reps passes of the uint8 entry point */
        clock_t t0 = clock();
        long sum = 0;
        for (r = 0; r < reps; r++)
            for (i = 0; i < n; i++)
                sum += gmdl_net_predict_u8(img + i * dim, probs);
        printf("%.9g %ld\n", (double)(clock() - t0) / CLOCKS_PER_SEC / ((double)n * reps), sum);
        free(img);
        return 0;
    }
    printf("index,pred");
    for (k = 0; k < gmdl_net_CLASSES; k++)
        printf(",p%d", k);
    printf("\n");
    for (i = 0; i < n; i++) {
        int pred;
        if (u8) {
            pred = gmdl_net_predict_u8(img + i * dim, probs);
        } else {
            for (j = 0; j < dim; j++)
                px[j] = (float)img[i * dim + j];
            pred = gmdl_net_predict(px, probs);
        }
        printf("%lu,%d", i, pred);
        for (k = 0; k < gmdl_net_CLASSES; k++)
            printf(",%.9g", (double)probs[k]);
        printf("\n");
    }
    free(img);
    return 0;
}
