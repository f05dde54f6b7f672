/* Loads the Asia network (Lauritzen & Spiegelhalter 1988) from a BIF file, asks a d-separation
 * question and a posterior query, using only the public API.
 *
 *   example_bn_asia path/to/asia.bif
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gmdl/gmdl.h"

static int fail(gmdl_status s, const gmdl_err *err) {
    fprintf(stderr, "bn_asia: %s (%s)\n", err->msg, gmdl_status_name(s));
    return gmdl_status_is_input_error(s) ? 2 : 1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s asia.bif\n", argv[0]);
        return 2;
    }
    gmdl_err err = {{0}};
    gmdl_bn *bn = NULL;
    gmdl_status s = gmdl_bn_read_bif(&bn, argv[1], &err);
    if (s)
        return fail(s, &err);
    printf("%s: %zu nodes, %zu arcs, %zu free parameters\n", argv[1], gmdl_bn_nvars(bn),
           gmdl_bn_narcs(bn), gmdl_bn_nparams(bn));

    /* Is visiting Asia independent of smoking, given a positive X-ray? The X-ray is a
     * descendant of the collider 'either', so observing it opens the path. */
    uint32_t asia, smoke, xray, lung;
    if ((s = gmdl_bn_find(&asia, bn, "asia", &err)) ||
        (s = gmdl_bn_find(&smoke, bn, "smoke", &err)) ||
        (s = gmdl_bn_find(&xray, bn, "xray", &err)) ||
        (s = gmdl_bn_find(&lung, bn, "lung", &err))) {
        gmdl_bn_destroy(bn);
        return fail(s, &err);
    }
    int sep0 = 0, sep1 = 0;
    if ((s = gmdl_bn_dsep(&sep0, bn, 1, &asia, 1, &smoke, 0, NULL, &err)) ||
        (s = gmdl_bn_dsep(&sep1, bn, 1, &asia, 1, &smoke, 1, &xray, &err))) {
        gmdl_bn_destroy(bn);
        return fail(s, &err);
    }
    printf("asia _|_ smoke          : %s\n", sep0 ? "d-separated" : "d-connected");
    printf("asia _|_ smoke | xray   : %s\n", sep1 ? "d-separated" : "d-connected");

    /* P(lung | xray = yes, dysp = yes), exactly (junction tree) and by likelihood weighting. */
    int32_t *ev = malloc(gmdl_bn_nvars(bn) * sizeof *ev);
    double p[2], q[2];
    gmdl_query_config cfg = gmdl_query_config_default();
    gmdl_query_stats st;
    if (!ev || (s = gmdl_bn_parse_evidence(ev, bn, "xray=yes,dysp=yes", &err)) ||
        (s = gmdl_bn_query(p, &st, bn, lung, ev, &cfg, &err))) {
        free(ev);
        gmdl_bn_destroy(bn);
        return ev ? fail(s, &err) : 1;
    }
    printf("P(lung = yes | xray = yes, dysp = yes) = %.6f exactly (P(evidence) = %.6f)\n", p[0],
           exp(st.log_evidence));
    cfg.method = GMDL_QUERY_LW;
    cfg.samples = 100000;
    cfg.seed = 1;
    if ((s = gmdl_bn_query(q, &st, bn, lung, ev, &cfg, &err))) {
        free(ev);
        gmdl_bn_destroy(bn);
        return fail(s, &err);
    }
    printf("P(lung = yes | xray = yes, dysp = yes) = %.6f by likelihood weighting "
           "(%zu samples, ESS %.0f)\n",
           q[0], st.samples, st.ess);
    free(ev);
    gmdl_bn_destroy(bn);
    return 0;
}
