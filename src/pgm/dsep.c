/* d-separation by Bayes-ball (Shachter 1998), without deterministic nodes. Each node has a top
 * and a bottom mark; a scheduled visit remembers whether the ball came from a child or from a
 * parent. An unobserved node passes a ball from a child to its parents and children, and a ball
 * from a parent to its children; an observed node bounces a ball from a parent back to its
 * parents and blocks a ball from a child. The nodes d-connected to the query set are the
 * unobserved nodes whose bottom gets marked. O(V + E). */
#include "pgm_internal.h"

static gmdl_status
check_set(const gmdl_bn *bn, size_t n, const uint32_t *x, const char *what, gmdl_err *err) {
    for (size_t i = 0; i < n; i++)
        if (x[i] >= bn->nvars)
            return gmdl__fail(err, GMDL_EINVAL, "%s node %u out of range", what, x[i]);
    return GMDL_OK;
}

gmdl_status gmdl_bn_reachable(uint8_t *reachable,
                              const gmdl_bn *bn,
                              size_t nx,
                              const uint32_t *x,
                              size_t nz,
                              const uint32_t *z,
                              gmdl_err *err) {
    gmdl_status s;
    if ((s = check_set(bn, nx, x, "query", err)) || (s = check_set(bn, nz, z, "given", err)))
        return s;
    size_t n = bn->nvars;
    uint8_t *obs = gmdl__calloc(n + 1, 1);
    uint8_t *top = gmdl__calloc(n + 1, 1);
    uint8_t *bot = gmdl__calloc(n + 1, 1);
    /* Each node is scheduled at most once per mark change: at most 2 * (V + E) + |X| entries. */
    size_t cap = 2 * (n + gmdl_bn_narcs(bn)) + nx + 1;
    uint32_t *node = gmdl__malloc(cap * sizeof *node);
    uint8_t *from_child = gmdl__malloc(cap);
    if (!obs || !top || !bot || !node || !from_child) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nz; i++)
        obs[z[i]] = 1;
    size_t sp = 0;
    for (size_t i = 0; i < nx; i++) {
        node[sp] = x[i];
        from_child[sp++] = 1;
    }
    while (sp) {
        sp--;
        uint32_t j = node[sp];
        int fc = from_child[sp];
        if (fc && !obs[j]) {
            if (!top[j]) {
                top[j] = 1;
                for (size_t k = 0; k < bn->npar[j]; k++) {
                    node[sp] = bn->par[j][k];
                    from_child[sp++] = 1;
                }
            }
            if (!bot[j]) {
                bot[j] = 1;
                for (size_t k = 0; k < bn->nchild[j]; k++) {
                    node[sp] = bn->child[j][k];
                    from_child[sp++] = 0;
                }
            }
        } else if (!fc) {
            if (obs[j] && !top[j]) {
                top[j] = 1;
                for (size_t k = 0; k < bn->npar[j]; k++) {
                    node[sp] = bn->par[j][k];
                    from_child[sp++] = 1;
                }
            }
            if (!obs[j] && !bot[j]) {
                bot[j] = 1;
                for (size_t k = 0; k < bn->nchild[j]; k++) {
                    node[sp] = bn->child[j][k];
                    from_child[sp++] = 0;
                }
            }
        }
        GMDL_ASSERT(sp <= cap);
    }
    for (size_t v = 0; v < n; v++)
        reachable[v] = bot[v] && !obs[v];
done:
    gmdl__free(obs);
    gmdl__free(top);
    gmdl__free(bot);
    gmdl__free(node);
    gmdl__free(from_child);
    return s;
}

gmdl_status gmdl_bn_dsep(int *separated,
                         const gmdl_bn *bn,
                         size_t nx,
                         const uint32_t *x,
                         size_t ny,
                         const uint32_t *y,
                         size_t nz,
                         const uint32_t *z,
                         gmdl_err *err) {
    gmdl_status s = check_set(bn, ny, y, "query", err);
    if (s)
        return s;
    uint8_t *r = gmdl__malloc(bn->nvars + 1);
    if (!r)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if ((s = gmdl_bn_reachable(r, bn, nx, x, nz, z, err))) {
        gmdl__free(r);
        return s;
    }
    int sep = 1;
    for (size_t i = 0; i < ny; i++)
        if (r[y[i]])
            sep = 0;
    gmdl__free(r);
    *separated = sep;
    return GMDL_OK;
}
