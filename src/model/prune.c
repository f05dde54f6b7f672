/* The compression policy, what is kept (Louizos, Ullrich & Welling 2017; Molchanov et al. 2017;
 * Ullrich et al. 2017): from each layer's posterior (gmdl__layer_ops.posterior), the weights
 * whose pruning statistic is below the threshold (log alpha < 3 by default), or the groups whose
 * statistic is (the automatic threshold: the two-cluster split of a layer's group statistics),
 * the weight masks of structured pruning across neighbouring layers, and under a mixture prior
 * layer the weights outside its zero component. The bits and the file are compress.c's. */
#include "model/prune.h"

/* Two-cluster split of values (Otsu: the cut maximising the between-class variance), returned as
 * the midpoint of the gap; +inf (keep all) when there are fewer than 2 values or the two
 * clusters' means are less than `min_sep` apart. Sorts v. */
static int cmp_f64(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double otsu_threshold(double *v, size_t n, double min_sep) {
    if (n < 2)
        return INFINITY;
    qsort(v, n, sizeof *v, cmp_f64);
    double total = 0.0;
    for (size_t i = 0; i < n; i++)
        total += v[i];
    double best = -1.0, t = INFINITY, left = 0.0;
    for (size_t k = 1; k < n; k++) {
        left += v[k - 1];
        double m0 = left / (double)k, m1 = (total - left) / (double)(n - k);
        double w = (double)k * (double)(n - k) * (m1 - m0) * (m1 - m0);
        if (w > best && v[k] > v[k - 1] && m1 - m0 >= min_sep) {
            best = w;
            t = 0.5 * (v[k - 1] + v[k]);
        }
    }
    return t;
}

gmdl_status gmdl__group_statistics(const gmdl__layer *l, double *st, double *t_auto) {
    size_t G;
    l->ops->posterior(l, NULL, NULL, st, &G);
    if (!t_auto)
        return GMDL_OK;
    double *sorted = gmdl__malloc(G * sizeof(double));
    if (!sorted)
        return GMDL_ENOMEM;
    memcpy(sorted, st, G * sizeof(double));
    *t_auto = otsu_threshold(sorted, G, 2.0);
    gmdl__free(sorted);
    return GMDL_OK;
}

void gmdl__prune_free(gmdl__clayer *cl, int ncl) {
    for (int i = 0; i < ncl; i++) {
        gmdl__free(cl[i].keep);
        gmdl__free(cl[i].mean);
        gmdl__free(cl[i].var);
        gmdl__free(cl[i].comp);
        gmdl__free(cl[i].qval);
    }
}

static double requested(const gmdl_compress_config *cfg, int i) {
    double t = cfg->layer_threshold && (size_t)i < cfg->layer_threshold_n ? cfg->layer_threshold[i]
                                                                          : (double)NAN;
    return !isnan(t) ? t : cfg->log_alpha_threshold;
}

const gmdl__layer *gmdl__prune_codebook_layer(const gmdl_model *m) {
    for (int i = 0; i < m->nlayers; i++)
        if (m->layers[i].ops->codebook && m->layers[i].ops->assign)
            return &m->layers[i];
    return NULL;
}

/* Under a prior layer: each weight to its codebook entry's value, entry 0 (the zero) pruned. */
static gmdl_status prior_keep(gmdl__clayer *c, const gmdl__layer *prior) {
    c->comp = gmdl__malloc(c->n * sizeof(int));
    c->qval = gmdl__malloc(c->n * sizeof(float));
    if (!c->comp || !c->qval)
        return GMDL_ENOMEM;
    const gmdl__param *w = gmdl__layer_weight_c(c->l);
    prior->ops->assign(prior, w->p, c->n, c->qval, c->comp);
    c->threshold = NAN;
    for (size_t j = 0; j < c->n; j++) {
        c->keep[j] = c->comp[j] != 0;
        c->mean[j] = w->p[j];
        c->var[j] = 0.0f;
    }
    return GMDL_OK;
}

/* From the layer's posterior; per weight decisions here, group ones by group_masks. */
static gmdl_status posterior_keep(gmdl__clayer *c, double threshold, int *structured) {
    double *stat = gmdl__malloc(c->n * sizeof(double));
    if (!stat)
        return GMDL_ENOMEM;
    size_t groups;
    c->l->ops->posterior(c->l, c->mean, c->var, stat, &groups);
    if (groups) {
        *structured = 1;
    } else {
        c->threshold = !isnan(threshold) ? threshold : 3.0;
        for (size_t j = 0; j < c->n; j++)
            c->keep[j] = stat[j] < c->threshold;
    }
    gmdl__free(stat);
    return GMDL_OK;
}

/* Per layer, which groups are kept: the group statistic below the layer's threshold. */
static gmdl_status
group_keep(gmdl__clayer *cl, int ncl, const gmdl_compress_config *cfg, unsigned char **gkeep) {
    for (int i = 0; i < ncl; i++) {
        const gmdl__layer *l = cl[i].l;
        size_t G;
        l->ops->posterior(l, NULL, NULL, NULL, &G);
        double *st = gmdl__malloc(G * sizeof(double));
        gkeep[i] = gmdl__malloc(G);
        if (!st || !gkeep[i]) {
            gmdl__free(st);
            return GMDL_ENOMEM;
        }
        const int automatic = isnan(requested(cfg, i));
        gmdl_status s = gmdl__group_statistics(l, st, automatic ? &cl[i].threshold : NULL);
        if (!automatic)
            cl[i].threshold = requested(cfg, i);
        for (size_t g = 0; !s && g < G; g++)
            gkeep[i][g] = st[g] < cl[i].threshold;
        gmdl__free(st);
        if (s)
            return s;
    }
    return GMDL_OK;
}

/* Weight masks of structured pruning: dense [o, i] = keep_in[i] (own groups, and the source
 * channel of a flattened conv output) x keep_out[o] (the next dense layer's input groups); conv
 * [f, c, .] = own filter f x the previous conv's filter c. */
static gmdl_status group_masks(gmdl__clayer *cl, int ncl, const gmdl_compress_config *cfg) {
    unsigned char **gkeep = gmdl__calloc((size_t)ncl, sizeof *gkeep);
    gmdl_status s = gkeep ? group_keep(cl, ncl, cfg, gkeep) : GMDL_ENOMEM;
    for (int i = 0; i < ncl && !s; i++) {
        gmdl__clayer *c = &cl[i];
        const int conv = gmdl__layer_weight_c(c->l)->ndim == 4;
        const gmdl__clayer *prev = i > 0 ? &cl[i - 1] : NULL;
        const int prev_conv = prev && gmdl__layer_weight_c(prev->l)->ndim == 4;
        const int next_dense = i + 1 < ncl && gmdl__layer_weight_c(cl[i + 1].l)->ndim == 2;
        const size_t taps = conv ? (size_t)c->l->kh * c->l->kw : 1;
        const size_t hw = prev_conv && !conv ? c->cols / prev->rows : 1; /* per channel */
        for (size_t j = 0; j < c->n; j++) {
            size_t o = j / c->cols, in = j % c->cols;
            int k;
            if (conv)
                k = gkeep[i][o] && (!prev_conv || gkeep[i - 1][in / taps]);
            else
                k = gkeep[i][in] && (!prev_conv || gkeep[i - 1][in / hw]) &&
                    (!next_dense || gkeep[i + 1][o]);
            c->keep[j] = (unsigned char)k;
        }
    }
    for (int i = 0; gkeep && i < ncl; i++)
        gmdl__free(gkeep[i]);
    gmdl__free(gkeep);
    return s;
}

gmdl_status gmdl__prune_decide(gmdl_model *m,
                               const gmdl_compress_config *cfg,
                               gmdl__clayer *cl,
                               int *ncl,
                               int *structured,
                               gmdl_err *err) {
    const gmdl__layer *prior = gmdl__prune_codebook_layer(m);
    *ncl = 0;
    *structured = 0;
    gmdl_status s = GMDL_OK;
    for (int i = 0; i < m->nlayers && !s; i++) {
        gmdl__layer *l = &m->layers[i];
        if (prior ? !l->nparams || l == prior : !l->ops->posterior)
            continue;
        gmdl__clayer *c = &cl[(*ncl)++];
        const gmdl__param *w = gmdl__layer_weight_c(l);
        c->l = l;
        c->n = w->count;
        c->rows = (size_t)w->dims[0];
        c->cols = c->n / c->rows;
        c->keep = gmdl__malloc(c->n);
        c->mean = gmdl__malloc(c->n * sizeof(float));
        c->var = gmdl__malloc(c->n * sizeof(float));
        if (!c->keep || !c->mean || !c->var)
            s = GMDL_ENOMEM;
        else
            s = prior ? prior_keep(c, prior)
                      : posterior_keep(c, requested(cfg, *ncl - 1), structured);
    }
    if (!s && *structured)
        s = group_masks(cl, *ncl, cfg);
    return s ? gmdl__fail(err, s, "out of memory") : GMDL_OK;
}
