/* EM through the public API: a two-component Gaussian mixture on the `waiting` column of the Old
 * Faithful data (tied variance, as mixtools fits it), then the CPTs of a Bayes net learned back
 * from its own samples with 20% of the cells deleted, written as BIF.
 *
 *   example_em_mixtures faithful.csv NET.bif OUT.bif
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gmdl/gmdl.h"

static int fail(const char *what, gmdl_status s, const gmdl_err *err) {
    fprintf(stderr, "em_mixtures: %s: %s (%s)\n", what, err->msg, gmdl_status_name(s));
    return gmdl_status_is_input_error(s) ? 2 : 1;
}

static int gaussian_mixture(const char *path) {
    gmdl_err err = {{0}};
    gmdl_csv csv;
    gmdl_status s = gmdl_csv_read(&csv, path, &err);
    if (s)
        return fail(path, s, &err);
    int col = gmdl_csv_find(&csv, "waiting");
    double *x = malloc(csv.nrows * sizeof *x);
    if (col < 0 || !x) {
        fprintf(stderr, "em_mixtures: %s: no column 'waiting'\n", path);
        gmdl_csv_fini(&csv);
        free(x);
        return 2;
    }
    if ((s = gmdl_csv_column_f64(x, &csv, (size_t)col, 0, &err))) {
        gmdl_csv_fini(&csv);
        free(x);
        return fail(path, s, &err);
    }
    gmdl_gmm_config cfg = gmdl_gmm_config_default();
    cfg.k = 2;
    cfg.cov = GMDL_COV_TIED;
    gmdl_gmm g;
    s = gmdl_gmm_fit(&g, x, csv.nrows, 1, &cfg, &err);
    gmdl_csv_fini(&csv);
    free(x);
    if (s)
        return fail("gmm", s, &err);
    size_t lo = g.means[0] < g.means[1] ? 0 : 1;
    printf("waiting: weights %.4f %.4f, means %.3f %.3f, sd %.3f, log-likelihood %.3f "
           "(%zu iterations)\n",
           g.weights[lo], g.weights[1 - lo], g.means[lo], g.means[1 - lo], sqrt(g.covs[0]),
           g.loglik, g.niter);
    gmdl_gmm_fini(&g);
    return 0;
}

static int learn_net(const char *bif, const char *out) {
    gmdl_err err = {{0}};
    gmdl_bn *truth, *bn;
    gmdl_status s = gmdl_bn_read_bif(&truth, bif, &err);
    if (s || (s = gmdl_bn_read_bif(&bn, bif, &err)))
        return fail(bif, s, &err);
    size_t V = gmdl_bn_nvars(truth), n = 5000;
    uint32_t *rows = malloc(n * V * sizeof *rows);
    gmdl_bn_data data = {0};
    if (!rows || (s = gmdl_bn_sample(rows, truth, n, 1, 0, &err)) ||
        (s = gmdl_bn_data_init(&data, n, V, &err)))
        return fail("sample", rows ? s : GMDL_ENOMEM, &err);
    gmdl_rng rng;
    gmdl_rng_derive(&rng, 1, GMDL_RNG_DATA_SYNTH, 0);
    for (size_t i = 0; i < n * V; i++)
        data.x[i] = gmdl_rng_uniform(&rng) < 0.2 ? -1 : (int32_t)rows[i];
    gmdl_bn_learn_config cfg = gmdl_bn_learn_config_default();
    gmdl_bn_learn_stats st;
    if (!(s = gmdl_bn_learn(bn, &st, &data, &cfg, &err))) {
        printf("%s: %zu rows, %zu missing cells, EM %zu iterations, log-likelihood %.3f -> %.3f\n",
               bif, st.rows, st.missing_cells, st.iterations, st.loglik[0],
               st.loglik[st.iterations - 1]);
        double d = 0.0;
        for (size_t v = 0; v < V; v++) {
            size_t m = gmdl_bn_card(truth, v);
            for (size_t p = 0; p < gmdl_bn_nparents(truth, v); p++)
                m *= gmdl_bn_card(truth, gmdl_bn_parents(truth, v)[p]);
            for (size_t i = 0; i < m; i++)
                d = fmax(d, fabs(gmdl_bn_cpt(bn, v)[i] - gmdl_bn_cpt(truth, v)[i]));
        }
        printf("largest CPT difference from the true net: %.4f\n", d);
        gmdl_bn_learn_stats_fini(&st);
        s = gmdl_bn_write_bif(out, bn, &err);
    }
    gmdl_bn_data_fini(&data);
    free(rows);
    gmdl_bn_destroy(bn);
    gmdl_bn_destroy(truth);
    if (s)
        return fail("learn", s, &err);
    printf("wrote %s\n", out);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s faithful.csv NET.bif OUT.bif\n", argv[0]);
        return 2;
    }
    int r = gaussian_mixture(argv[1]);
    return r ? r : learn_net(argv[2], argv[3]);
}
