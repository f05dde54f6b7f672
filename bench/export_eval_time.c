/* gmdl's own forward pass per image, for issue 19's speed comparison (bench/export_bench.sh):
 * loads MODEL and the t10k pair of DIR, runs gmdl_model_evaluate (deterministic, one workspace,
 * batches of the model's evaluation size) REPEATS times and prints the median seconds per image
 * and the test error. Run with OMP_NUM_THREADS=1 for one core.
 *   export_eval_time MODEL DIR [REPEATS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gmdl/gmdl.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: export_eval_time MODEL DIR [REPEATS]\n");
        return 2;
    }
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    if (reps < 1 || reps > 100)
        reps = 5;
    gmdl_err err = {{0}};
    gmdl_model *m;
    gmdl_dataset ds;
    gmdl_model_workspace *ws;
    if (gmdl_model_load(&m, argv[1], &err) ||
        gmdl_dataset_load_dir(&ds, argv[2], 1, gmdl_model_classes(m), &err) ||
        gmdl_model_workspace_create(&ws, m, &err)) {
        fprintf(stderr, "export_eval_time: %s\n", err.msg);
        return 1;
    }
    double t[100], error = 0.0;
    for (int r = 0; r < reps; r++) {
        gmdl_eval_result res;
        double t0 = now();
        if (gmdl_model_evaluate(&res, m, &ds, 0, 1, ws, &err)) {
            fprintf(stderr, "export_eval_time: %s\n", err.msg);
            return 1;
        }
        t[r] = (now() - t0) / (double)ds.n;
        error = 1.0 - res.accuracy;
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp);
    printf("%.9g %.4f\n", t[reps / 2], error);
    gmdl_model_workspace_destroy(ws);
    gmdl_dataset_fini(&ds);
    gmdl_model_destroy(m);
    return 0;
}
