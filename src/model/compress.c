/* Compression of a trained Bayesian model into a .gmz file, and loading .gmz files back as
 * runnable models (ALGORITHMS.md 12.3-12.5).
 *
 * svd (unstructured): weight j of a layer is kept when log alpha_j < threshold (3 by default).
 * Bits: per kept weight s_j from its posterior variance exp(log_sigma2_j); per layer
 * rule_bits = 1 + e + ceil(mean s_j) with e from the largest kept |theta|. Kept means are
 * quantised to the fixed-point grid 2^-s_l. If the quantised net's test error exceeds the pruned
 * full-precision net's by more than the tolerance, bits are added greedily to the layer that helps
 * most until it does not (`bits` >= `rule_bits`).
 * Storage per layer (rows = outputs, cols = inputs x kernel): CSR with row pointers (u32), column
 * indices bit-packed at ceil(log2 cols) bits, codes round(mu 2^s) bit-packed at `bits` bits in
 * two's complement, the bias in float32.
 * Rates (biases excluded, N = weights of the original net): pruning = N / kept;
 * fast prediction = 32 N / sum(kept bits + index bits) with index bits = kept ceil(log2 cols) +
 * (rows + 1) ceil(log2(kept + 1)), or the zeros' bits of dense storage where that is less;
 * maximum compression = 32 N / sum(codes + indices), each the
 * smaller of its Huffman coding (with a codebook: distinct symbols x their width; index gaps in
 * row-major order) and its plain fixed-width form. All three are floored as in the paper. */
#include "core/vmath.h"
#include "io/ckpt.h"
#include "model/model_internal.h"

static const char GMZ_MAGIC[8] = {'\x89', 'G', 'M', 'Z', '\r', '\n', '\x1a', '\n'};
#define GMZ_MAJOR 1
#define GMZ_MINOR 0

gmdl_compress_config gmdl_compress_config_default(void) {
    gmdl_compress_config c;
    c.log_alpha_threshold = NAN; /* method default: 3 (svd, vd, bbb), automatic (bc-gnj, bc-ghs) */
    for (int i = 0; i < GMDL_COMPRESS_MAX_LAYERS; i++)
        c.layer_threshold[i] = NAN;
    c.tolerance = 0.002;
    return c;
}

/* ---------------------------------------------------------------- bit streams */
typedef struct {
    unsigned char *p;
    size_t bits, cap;
} bitw;

static int bw_put(bitw *w, uint64_t v, int nbits) {
    size_t need = (w->bits + (size_t)nbits + 7) / 8;
    if (need > w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 1024;
        while (cap < need)
            cap *= 2;
        unsigned char *q = gmdl__realloc(w->p, cap);
        if (!q)
            return -1;
        memset(q + w->cap, 0, cap - w->cap);
        w->p = q;
        w->cap = cap;
    }
    for (int b = 0; b < nbits; b++, w->bits++)
        if ((v >> b) & 1u)
            w->p[w->bits / 8] |= (unsigned char)(1u << (w->bits % 8));
    return 0;
}

static uint64_t br_get(const unsigned char *p, size_t *pos, int nbits) {
    uint64_t v = 0;
    for (int b = 0; b < nbits; b++, (*pos)++)
        if ((p[*pos / 8] >> (*pos % 8)) & 1u)
            v |= (uint64_t)1u << b;
    return v;
}

static int bits_for(uint64_t n) { /* bits to store values 0..n-1 (at least 1) */
    int b = 1;
    while (b < 63 && ((uint64_t)1 << b) < n)
        b++;
    return b;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Huffman-coded size in bits of n symbols (sorted in place), plus the number of distinct
 * symbols. Total = sum of the weights of the internal nodes (two-queue construction). */
static double huffman_bits(int64_t *sym, size_t n, size_t *distinct) {
    *distinct = 0;
    if (n == 0)
        return 0.0;
    qsort(sym, n, sizeof *sym, cmp_i64);
    uint64_t *f = gmdl__malloc(n * sizeof *f), *q2 = gmdl__malloc(n * sizeof *q2);
    if (!f || !q2) {
        gmdl__free(f);
        gmdl__free(q2);
        return (double)n * 64.0; /* out of memory: an upper bound */
    }
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && sym[j] == sym[i])
            j++;
        f[k++] = j - i;
        i = j;
    }
    *distinct = k;
    double total = 0.0;
    if (k == 1) {
        total = (double)n; /* one symbol still costs a bit each */
    } else {
        qsort(f, k, sizeof *f, cmp_u64);
        size_t a = 0, b0 = 0, b1 = 0;
        for (size_t merges = 0; merges + 1 < k; merges++) {
            uint64_t x[2];
            for (int t = 0; t < 2; t++)
                x[t] = (a < k && (b0 == b1 || f[a] <= q2[b0])) ? f[a++] : q2[b0++];
            q2[b1++] = x[0] + x[1];
            total += (double)(x[0] + x[1]);
        }
    }
    gmdl__free(f);
    gmdl__free(q2);
    return total;
}

/* ---------------------------------------------------------------- helpers */
typedef struct {
    gmdl__layer *l;
    size_t rows, cols, n;
    unsigned char *keep;
    float *mean, *var;    /* posterior mean and marginal variance of each weight */
    int gnj;              /* group scales (bc-gnj, bc-ghs): weight = E[z] theta */
    float *zmean;         /* E[z] of every group */
    int *comp;            /* sws: the prior component of each weight (its code) */
    float *qval;          /* sws: the component's mean (the quantised weight) */
    int s, rule_s;        /* significand bits: used and by the rule */
    double threshold;     /* log alpha threshold used */
} clayer;

static size_t group_of(const clayer *c, size_t j) { /* dense: input unit; conv: filter */
    return c->l->param[0].ndim == 4 ? j / c->cols : j % c->cols;
}

/* Puts the (quantised) kept means into the model so that its own deterministic pass uses them. */
static void set_weights(clayer *cl, int ncl, int quant) {
    for (int i = 0; i < ncl; i++) {
        gmdl__layer *l = cl[i].l;
        for (size_t j = 0; j < cl[i].n; j++) {
            float w = cl[i].keep[j] ? cl[i].mean[j] : 0.0f;
            if (quant && cl[i].keep[j])
                w = cl[i].qval ? cl[i].qval[j] : (float)gmdl_quantize((double)w, cl[i].s);
            if (cl[i].qval) {
                l->param[0].p[j] = w; /* a plain layer */
            } else if (cl[i].gnj) {
                float z = cl[i].zmean[group_of(&cl[i], j)];
                l->param[0].p[j] = w != 0.0f && z != 0.0f ? w / z : 0.0f;
            } else {
                l->param[0].p[j] = w;
                l->param[2].p[j] = -100.0f; /* every nonzero weight passes the layer's mask */
            }
        }
    }
}

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
    const size_t G = gmdl__group_count(l);
    for (size_t g = 0; g < G; g++) {
        double mean, var;
        gmdl__group_stats(l, g, &mean, &var, &st[g]);
    }
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

static gmdl_status test_error(gmdl_model *m, const gmdl_dataset *test, double *e, gmdl_err *err) {
    gmdl_eval_result r;
    gmdl_status s = gmdl_model_evaluate(m, test, 0, 0, &r, err);
    *e = 1.0 - r.accuracy;
    return s;
}

/* ---------------------------------------------------------------- compress */
gmdl_status gmdl_model_compress(gmdl_model *m, const gmdl_dataset *test,
                                const gmdl_compress_config *cfg, const char *out,
                                gmdl_compress_report *rep, gmdl_err *err) {
    memset(rep, 0, sizeof *rep);
    if (!gmdl__method_has(m->method, GMDL__M_BAYES))
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "the model was trained with method '%s', which has no posterior to "
                          "compress from (train with --method svd, vd, bbb, bc-gnj or bc-ghs)",
                          m->cfg.method);
    if (!(cfg->tolerance >= 0.0))
        return gmdl__fail(err, GMDL_EINVAL, "tolerance must be >= 0");
    clayer cl[GMDL_COMPRESS_MAX_LAYERS];
    float *theta0[GMDL_COMPRESS_MAX_LAYERS], *ls20[GMDL_COMPRESS_MAX_LAYERS];
    memset(cl, 0, sizeof cl);
    memset(theta0, 0, sizeof theta0);
    memset(ls20, 0, sizeof ls20);
    int ncl = 0;
    const int gnj = gmdl__method_has(m->method, GMDL__M_GROUP);
    const int sws = gmdl__method_has(m->method, GMDL__M_PRIOR_LAYER);
    const gmdl__layer *prior = sws ? &m->layers[m->nlayers - 1] : NULL;
    gmdl_status s = GMDL_OK;
    double omax = 0.0;
    for (int i = 0; i < m->nlayers; i++) {
        gmdl__layer *l = &m->layers[i];
        if (sws ? !l->nparams || l == prior : !l->bayes)
            continue;
        if (ncl == GMDL_COMPRESS_MAX_LAYERS) {
            s = gmdl__fail(err, GMDL_EUNSUPPORTED, "more than %d layers", GMDL_COMPRESS_MAX_LAYERS);
            goto done;
        }
        clayer *c = &cl[ncl];
        c->l = l;
        c->gnj = gnj;
        c->n = l->param[0].count;
        c->rows = (size_t)l->param[0].dims[0];
        c->cols = c->n / c->rows;
        c->keep = gmdl__malloc(c->n);
        c->mean = gmdl__malloc(c->n * sizeof(float));
        c->var = gmdl__malloc(c->n * sizeof(float));
        theta0[ncl] = gmdl__malloc(c->n * sizeof(float));
        ls20[ncl] = sws ? NULL : gmdl__malloc(c->n * sizeof(float));
        ncl++;
        if (!c->keep || !c->mean || !c->var || !theta0[ncl - 1] || (!sws && !ls20[ncl - 1])) {
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
            goto done;
        }
        memcpy(theta0[ncl - 1], l->param[0].p, c->n * sizeof(float));
        if (!sws)
            memcpy(ls20[ncl - 1], l->param[2].p, c->n * sizeof(float));
        if (sws) { /* ALGORITHMS.md 16.4: each weight to its component's mean, 0 pruned */
            c->comp = gmdl__malloc(c->n * sizeof(int));
            c->qval = gmdl__malloc(c->n * sizeof(float));
            if (!c->comp || !c->qval) {
                s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
                goto done;
            }
            gmdl__sws_assign(prior, l->param[0].p, c->n, c->qval, c->comp);
            c->threshold = NAN;
            for (size_t j = 0; j < c->n; j++) {
                c->keep[j] = c->comp[j] != 0;
                c->mean[j] = l->param[0].p[j];
                c->var[j] = 0.0f;
            }
        } else if (!gnj) { /* per weight: log alpha = log sigma^2 - log theta^2 */
            c->threshold = !isnan(cfg->layer_threshold[ncl - 1]) ? cfg->layer_threshold[ncl - 1]
                           : isnan(cfg->log_alpha_threshold) ? 3.0
                                                             : cfg->log_alpha_threshold;
            for (size_t j = 0; j < c->n; j++) {
                double th = l->param[0].p[j], la = (double)l->param[2].p[j] - log(th * th + 1e-8);
                c->keep[j] = la < c->threshold;
                c->mean[j] = (float)th;
                c->var[j] = expf(l->param[2].p[j]);
            }
        } else { /* ALGORITHMS.md 12.1, 12.2: E[w] = E[z] theta, Var[w] from both factors */
            size_t G = gmdl__group_count(l);
            double *zvar = gmdl__malloc(G * sizeof(double));
            c->zmean = gmdl__malloc(G * sizeof(float));
            if (!zvar || !c->zmean) {
                gmdl__free(zvar);
                s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
                goto done;
            }
            for (size_t g = 0; g < G; g++) {
                double mean, stat;
                gmdl__group_stats(l, g, &mean, &zvar[g], &stat);
                c->zmean[g] = (float)mean;
            }
            for (size_t j = 0; j < c->n; j++) {
                size_t g = group_of(c, j);
                double zm = c->zmean[g], zv = zvar[g];
                double th = l->param[0].p[j], wv = exp((double)l->param[2].p[j]);
                c->mean[j] = (float)(zm * th);
                c->var[j] = (float)(zm * zm * wv + zv * th * th + zv * wv);
            }
            gmdl__free(zvar);
        }
    }
    if (gnj) {
        /* group decisions: the group statistic (bc-gnj: log alpha_g = z_logvar - log(z_mu^2 +
         * 1e-8); bc-ghs: the group's log noise-to-signal ratio) below the layer's threshold
         * (automatic: the two-cluster split, or --threshold) */
        unsigned char *gkeep[GMDL_COMPRESS_MAX_LAYERS] = {0};
        for (int i = 0; i < ncl && !s; i++) {
            gmdl__layer *l = cl[i].l;
            size_t G = gmdl__group_count(l);
            double *la = gmdl__malloc(G * sizeof(double));
            gkeep[i] = gmdl__malloc(G);
            if (!la || !gkeep[i]) {
                gmdl__free(la);
                s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
                break;
            }
            int automatic = isnan(cfg->layer_threshold[i]) && isnan(cfg->log_alpha_threshold);
            if (gmdl__group_statistics(l, la, automatic ? &cl[i].threshold : NULL))
                s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
            else if (!automatic)
                cl[i].threshold = !isnan(cfg->layer_threshold[i]) ? cfg->layer_threshold[i]
                                                                  : cfg->log_alpha_threshold;
            for (size_t g = 0; g < G; g++)
                gkeep[i][g] = la[g] < cl[i].threshold;
            gmdl__free(la);
        }
        /* weight masks (ALGORITHMS.md 12.3): dense [o, i] = keep_in[i] (own groups, and the source
         * channel of a flattened conv output) x keep_out[o] (the next dense layer's input groups);
         * conv [f, c, .] = own filter f x the previous conv's filter c */
        for (int i = 0; i < ncl && !s; i++) {
            clayer *c = &cl[i];
            int conv = c->l->param[0].ndim == 4;
            const clayer *prev = i > 0 ? &cl[i - 1] : NULL;
            int prev_conv = prev && prev->l->param[0].ndim == 4;
            int next_dense = i + 1 < ncl && cl[i + 1].l->param[0].ndim == 2;
            size_t taps = conv ? (size_t)c->l->kh * c->l->kw : 1;
            size_t hw = prev_conv && !conv ? c->cols / prev->rows : 1; /* positions per channel */
            for (size_t j = 0; j < c->n; j++) {
                size_t o = j / c->cols, in = j % c->cols;
                int k;
                if (conv) {
                    size_t ch = in / taps;
                    k = gkeep[i][o] && (!prev_conv || gkeep[i - 1][ch]);
                } else {
                    k = gkeep[i][in] && (!prev_conv || gkeep[i - 1][in / hw]) &&
                        (!next_dense || gkeep[i + 1][o]);
                }
                c->keep[j] = (unsigned char)k;
            }
        }
        for (int i = 0; i < ncl; i++)
            gmdl__free(gkeep[i]);
        if (s)
            goto done;
    }
    for (int i = 0; i < ncl; i++)
        for (size_t j = 0; j < cl[i].n; j++)
            if (cl[i].keep[j] && fabs((double)cl[i].mean[j]) > omax)
                omax = fabs((double)cl[i].mean[j]);
    int e = gmdl_bits_exponent(omax);
    for (int i = 0; i < ncl; i++) {
        double sum = 0.0;
        size_t k = 0;
        for (size_t j = 0; j < cl[i].n; j++)
            if (cl[i].keep[j]) {
                sum += gmdl_bits_significand((double)cl[i].var[j]);
                k++;
            }
        cl[i].rule_s = sws || !k ? 0 : (int)ceil(sum / (double)k - 1e-12); /* sws: a codebook */
        cl[i].s = cl[i].rule_s;
    }
    const int sws_bits = bits_for(GMDL__SWS_COMPONENTS); /* a component index per kept weight */
    /* errors: pruned full precision, then quantised with bits added until within tolerance */
    double err_pruned, err_q;
    set_weights(cl, ncl, 0);
    s = test_error(m, test, &err_pruned, err);
    if (s)
        goto done;
    set_weights(cl, ncl, 1);
    s = test_error(m, test, &err_q, err);
    while (!s && !sws && err_q - err_pruned > cfg->tolerance) {
        int best = -1;
        double best_err = 2.0;
        for (int i = 0; i < ncl && !s; i++) {
            if (cl[i].s >= 23)
                continue;
            cl[i].s++;
            set_weights(cl, ncl, 1);
            double ei;
            s = test_error(m, test, &ei, err);
            cl[i].s--;
            if (!s && ei < best_err) {
                best_err = ei;
                best = i;
            }
        }
        if (best < 0)
            break;
        cl[best].s++;
        err_q = best_err;
    }
    if (s)
        goto done;
    /* rates and the file */
    gmdl_layer_size sizes[GMDL_COMPRESS_MAX_LAYERS];
    double maxbits = 0.0;
    gmdl__ckpt_writer *w = gmdl__ckpt_writer_create();
    if (!w) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        goto done;
    }
#define TRY(x)                                                                                     \
    if (!s)                                                                                        \
    s = (x)
    TRY(gmdl__ckpt_meta_str(w, "model.kind", "compressed-classifier"));
    TRY(gmdl__ckpt_meta_str(w, "model.arch", m->cfg.arch));
    TRY(gmdl__ckpt_meta_str(w, "model.method", m->cfg.method));
    TRY(gmdl__ckpt_meta_u64(w, "model.input_c", (uint64_t)m->in_c));
    TRY(gmdl__ckpt_meta_u64(w, "model.input_h", (uint64_t)m->in_h));
    TRY(gmdl__ckpt_meta_u64(w, "model.input_w", (uint64_t)m->in_w));
    TRY(gmdl__ckpt_meta_u64(w, "model.classes", (uint64_t)m->classes));
    TRY(gmdl__ckpt_meta_str(w, "lib.version", GMDL_VERSION_STRING));
    TRY(gmdl__ckpt_meta_f64(w, "compress.log_alpha_threshold", cfg->log_alpha_threshold));
    TRY(gmdl__ckpt_meta_u64(w, "compress.exponent_bits", (uint64_t)e));
    /* group pruning: the loader builds the smaller architecture */
    TRY(gmdl__ckpt_meta_u64(w, "compress.structured", (uint64_t)gnj));
    /* sws: one codebook, the prior's component means (component 0 is the pruned zero) */
    float codebook[GMDL__SWS_COMPONENTS];
    if (sws) {
        for (int j = 0; j < GMDL__SWS_COMPONENTS; j++)
            codebook[j] = j == 0 ? 0.0f : prior->param[0].p[j];
    }
    for (int i = 0; i < ncl && !s; i++) {
        clayer *c = &cl[i];
        gmdl__layer *l = c->l;
        size_t nnz = 0;
        int64_t maxcode = 0;
        for (size_t j = 0; j < c->n; j++)
            if (c->keep[j]) {
                int64_t code = (int64_t)llround(ldexp((double)c->mean[j], c->s));
                maxcode = llabs(code) > maxcode ? llabs(code) : maxcode;
                nnz++;
            }
        int rule_bits = 1 + e + c->rule_s;
        int bits = 1 + e + c->s, need = 1 + bits_for((uint64_t)maxcode + 1);
        if (need > bits)
            bits = need; /* large means need more integer bits than the exponent rule gives */
        if (sws)
            bits = rule_bits = sws_bits;
        int cbits = bits_for(c->cols);
        uint32_t *rowptr = gmdl__calloc(c->rows + 1, sizeof(uint32_t));
        int64_t *codes = gmdl__malloc((nnz ? nnz : 1) * sizeof(int64_t));
        int64_t *gaps = gmdl__malloc((nnz ? nnz : 1) * sizeof(int64_t));
        bitw cw = {0}, iw = {0};
        if (!rowptr || !codes || !gaps) {
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        } else {
            size_t k = 0, prev = (size_t)-1;
            for (size_t r = 0; r < c->rows && !s; r++) {
                for (size_t q = 0; q < c->cols; q++) {
                    size_t j = r * c->cols + q;
                    if (!c->keep[j])
                        continue;
                    int64_t code = sws ? (int64_t)c->comp[j]
                                       : (int64_t)llround(ldexp((double)c->mean[j], c->s));
                    codes[k] = code;
                    gaps[k] = (int64_t)(j - prev); /* relative index in row-major order */
                    prev = j;
                    if (bw_put(&cw, (uint64_t)code & (((uint64_t)1 << bits) - 1), bits) ||
                        bw_put(&iw, q, cbits))
                        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
                    k++;
                }
                rowptr[r + 1] = (uint32_t)k;
            }
        }
        size_t dcode = 0, dgap = 0;
        double hc = s ? 0 : huffman_bits(codes, nnz, &dcode);
        double hg = s ? 0 : huffman_bits(gaps, nnz, &dgap);
        int64_t maxgap = 0;
        for (size_t k = 0; k < nnz; k++)
            maxgap = gaps[k] > maxgap ? gaps[k] : maxgap;
        /* structured pruning leaves dense smaller layers: no indices (CLI.md) */
        size_t index_bits = gnj ? 0 : nnz * (size_t)cbits + (c->rows + 1) * (size_t)bits_for(nnz + 1);
        /* a layer that is barely sparse is cheaper stored dense, its zeros in place of indices */
        if (index_bits > (c->n - nnz) * (size_t)bits)
            index_bits = (c->n - nnz) * (size_t)bits;
        sizes[i].total = c->n;
        sizes[i].kept = nnz;
        sizes[i].bits = bits;
        sizes[i].index_bits = index_bits;
        /* an encoder keeps whichever of Huffman coding (with its codebook) and the plain
         * fixed-width form is smaller, for the codes and for the indices */
        double book = sws ? (i == 0 ? 32.0 * GMDL__SWS_COMPONENTS : 0.0) /* one, 32-bit means */
                          : (double)dcode * bits;
        double code_h = hc + book, code_plain = (double)nnz * bits + (sws ? book : 0.0);
        double idx_h = hg + (double)dgap * bits_for((uint64_t)maxgap + 1);
        maxbits += (code_h < code_plain ? code_h : code_plain) +
                   (idx_h < (double)index_bits ? idx_h : (double)index_bits);
        gmdl_compress_layer *rl = &rep->layers[i];
        snprintf(rl->name, sizeof rl->name, "%s", l->name);
        rl->ndim = l->param[0].ndim;
        for (int d = 0; d < rl->ndim; d++)
            rl->shape[d] = l->param[0].dims[d];
        /* pruned shape: outputs with any kept weight, and inputs (columns) with any */
        size_t orows = 0, ocols = 0;
        for (size_t r = 0; r < c->rows; r++)
            orows += rowptr && rowptr[r + 1] > rowptr[r];
        for (size_t q = 0; q < c->cols; q++) {
            int any = 0;
            for (size_t r = 0; r < c->rows && !any; r++)
                any = c->keep[r * c->cols + q];
            ocols += any;
        }
        rl->pruned_rows = orows;
        rl->pruned_cols = ocols;
        rl->nonzero = nnz;
        rl->total = c->n;
        rl->bits = bits;
        rl->rule_bits = rule_bits;
        rl->threshold = c->threshold;
        char key[96];
        uint64_t d1[1];
        snprintf(key, sizeof key, "%s.sig_bits", l->name);
        TRY(gmdl__ckpt_meta_u64(w, key, (uint64_t)c->s));
        snprintf(key, sizeof key, "%s.bits", l->name);
        TRY(gmdl__ckpt_meta_u64(w, key, (uint64_t)bits));
        snprintf(key, sizeof key, "%s.rule_bits", l->name);
        TRY(gmdl__ckpt_meta_u64(w, key, (uint64_t)rule_bits));
        snprintf(key, sizeof key, "%s.rowptr", l->name);
        d1[0] = c->rows + 1;
        if (rowptr)
            TRY(gmdl__ckpt_tensor(w, key, GMDL_DT_U32, 1, d1, rowptr));
        snprintf(key, sizeof key, "%s.cols", l->name);
        d1[0] = (iw.bits + 7) / 8 ? (iw.bits + 7) / 8 : 1;
        unsigned char zero = 0;
        TRY(gmdl__ckpt_tensor(w, key, GMDL_DT_U8, 1, d1, iw.p ? iw.p : &zero));
        snprintf(key, sizeof key, "%s.codes", l->name);
        d1[0] = (cw.bits + 7) / 8 ? (cw.bits + 7) / 8 : 1;
        TRY(gmdl__ckpt_tensor(w, key, GMDL_DT_U8, 1, d1, cw.p ? cw.p : &zero));
        snprintf(key, sizeof key, "%s.bias", l->name);
        TRY(gmdl__ckpt_tensor(w, key, GMDL_DT_F32, 1, l->param[1].dims, l->param[1].p));
        if (sws) { /* codes are indices into it */
            snprintf(key, sizeof key, "%s.codebook", l->name);
            uint64_t db[1] = {GMDL__SWS_COMPONENTS};
            TRY(gmdl__ckpt_tensor(w, key, GMDL_DT_F32, 1, db, codebook));
        }
        gmdl__free(rowptr);
        gmdl__free(codes);
        gmdl__free(gaps);
        gmdl__free(cw.p);
        gmdl__free(iw.p);
    }
    rep->nlayers = ncl;
    gmdl_rates rt;
    gmdl_compression_rates(sizes, (size_t)ncl, &rt);
    double N = 0;
    for (int i = 0; i < ncl; i++)
        N += (double)sizes[i].total;
    rep->nonzero_fraction = rt.nonzero_fraction;
    rep->pruning_rate = rt.pruning;
    rep->fast_prediction_rate = rt.fast_prediction;
    rep->max_compression_rate = floor(32.0 * N / maxbits);
    rep->test_error_pruned = err_pruned;
    rep->exponent_bits = e;
    TRY(gmdl__ckpt_meta_f64(w, "compress.pruning_rate", rep->pruning_rate));
    TRY(gmdl__ckpt_meta_f64(w, "compress.fast_prediction_rate", rep->fast_prediction_rate));
    TRY(gmdl__ckpt_meta_f64(w, "compress.max_compression_rate", rep->max_compression_rate));
#undef TRY
    if (!s)
        s = gmdl__ckpt_write(w, out, GMZ_MAGIC, GMZ_MAJOR, GMZ_MINOR, err);
    gmdl__ckpt_writer_destroy(w);
    if (s)
        goto done;
    /* the reported error is the written file's, evaluated as gmdl eval does */
    gmdl_model *back;
    s = gmdl_model_load(&back, out, err);
    if (!s) {
        s = test_error(back, test, &rep->test_error, err);
        gmdl_model_destroy(back);
    }
    FILE *f = fopen(out, "rb");
    if (f) {
        fseek(f, 0, SEEK_END);
        rep->bytes = (size_t)ftell(f);
        fclose(f);
    }
done:
    /* the model itself is left as it was */
    for (int i = 0; i < ncl; i++) {
        if (theta0[i])
            memcpy(cl[i].l->param[0].p, theta0[i], cl[i].n * sizeof(float));
        if (ls20[i])
            memcpy(cl[i].l->param[2].p, ls20[i], cl[i].n * sizeof(float));
        gmdl__free(theta0[i]);
        gmdl__free(ls20[i]);
        gmdl__free(cl[i].keep);
        gmdl__free(cl[i].mean);
        gmdl__free(cl[i].var);
        gmdl__free(cl[i].zmean);
        gmdl__free(cl[i].comp);
        gmdl__free(cl[i].qval);
    }
    return s;
}

/* ---------------------------------------------------------------- loading .gmz */
int gmdl__is_gmz(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char b[8];
    size_t n = fread(b, 1, 8, f);
    fclose(f);
    return n == 8 && memcmp(b, GMZ_MAGIC, 8) == 0;
}

/* Dense layers that are mostly zeros run sparse: CSR in one block per model (kept weights whose
 * code is 0 decode to 0 and are left out). */
static gmdl_status sparsify(gmdl_model *m, gmdl_err *err) {
    for (int i = 0; i < m->nlayers; i++) {
        gmdl__layer *l = &m->layers[i];
        if (l->ops != &gmdl__dense_ops)
            continue;
        size_t n = l->param[0].count, rows = (size_t)l->param[0].dims[0], cols = n / rows, nzc = 0;
        for (size_t j = 0; j < n; j++)
            nzc += l->param[0].p[j] != 0.0f;
        if (nzc * 3 >= n)
            continue;
        size_t bytes = (rows + 1 + nzc) * sizeof(uint32_t) + nzc * sizeof(float);
        unsigned char *blk = gmdl__realloc(m->sparse_block, m->sparse_bytes + bytes);
        if (!blk)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        m->sparse_block = blk;
        m->sparse_layers[m->nsparse].layer = i;
        m->sparse_layers[m->nsparse].offset = m->sparse_bytes;
        m->nsparse++;
        unsigned char *p = blk + m->sparse_bytes;
        uint32_t *rp2 = (uint32_t *)p, *cols2 = rp2 + rows + 1;
        float *vals = (float *)(cols2 + nzc);
        size_t k = 0;
        rp2[0] = 0;
        for (size_t r = 0; r < rows; r++) {
            for (size_t q = 0; q < cols; q++) {
                float wv = l->param[0].p[r * cols + q];
                if (wv != 0.0f) {
                    cols2[k] = (uint32_t)q;
                    vals[k++] = wv;
                }
            }
            rp2[r + 1] = (uint32_t)k;
        }
        m->sparse_bytes += bytes;
        l->ops = &gmdl__sparse_dense_ops;
    }
    /* pointers into the (possibly moved) block */
    for (int q = 0; q < m->nsparse; q++) {
        gmdl__layer *l = &m->layers[m->sparse_layers[q].layer];
        size_t rows = (size_t)l->param[0].dims[0];
        unsigned char *p = (unsigned char *)m->sparse_block + m->sparse_layers[q].offset;
        const uint32_t *rp2 = (const uint32_t *)p;
        l->csr_rowptr = rp2;
        l->csr_cols = rp2 + rows + 1;
        l->csr_vals = (const float *)(rp2 + rows + 1 + rp2[rows]);
    }
    return GMDL_OK;
}

/* Indices of the set entries of keep[0, n) (at least one: entry 0 when none is set, so that an
 * emptied layer keeps one unit whose weights are all zero); returns their count. */
static size_t kept_list(const unsigned char *keep, size_t n, uint32_t *idx) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (keep[i])
            idx[k++] = (uint32_t)i;
    if (k == 0)
        idx[k++] = 0;
    return k;
}

/* Structured pruning (bc-gnj, bc-ghs): the smaller architecture itself. From the decoded full
 * model f and each weight layer's kept rows (outputs with a kept weight), builds the net with only
 * the kept units and filters, a select layer for the kept input features of a dense first layer,
 * and copies the kept weights. Conv-to-dense: the dense layer keeps the inputs of kept channels. */
static gmdl_status reduce_model(gmdl_model *f, unsigned char **rowkeep, unsigned char *in_keep,
                                gmdl_model **out, gmdl_err *err) {
    *out = NULL;
    int wl[GMDL_COMPRESS_MAX_LAYERS], nw = 0, conv_first = 0;
    for (int i = 0; i < f->nlayers; i++)
        if (f->layers[i].nparams) {
            if (nw == GMDL_COMPRESS_MAX_LAYERS)
                return GMDL_OK; /* not reduced */
            if (nw == 0)
                conv_first = f->layers[i].param[0].ndim == 4;
            wl[nw++] = i;
        }
    if (nw < 2)
        return GMDL_OK;
    uint32_t *rows[GMDL_COMPRESS_MAX_LAYERS] = {0};
    size_t nrows[GMDL_COMPRESS_MAX_LAYERS];
    gmdl_status s = GMDL_OK;
    for (int q = 0; q < nw && !s; q++) {
        const gmdl__layer *l = &f->layers[wl[q]];
        size_t R = (size_t)l->param[0].dims[0];
        rows[q] = gmdl__malloc(R * sizeof(uint32_t));
        if (!rows[q])
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        else if (q == nw - 1) /* every class stays */
            for (size_t r = 0; r < (nrows[q] = R); r++)
                rows[q][r] = (uint32_t)r;
        else
            nrows[q] = kept_list(rowkeep[q], R, rows[q]);
    }
    uint32_t *sel = NULL;
    size_t nsel = 0;
    if (!s && !conv_first) {
        sel = gmdl__malloc(f->in_size * sizeof(uint32_t));
        if (!sel)
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        else
            nsel = kept_list(in_keep, f->in_size, sel);
        if (nsel == f->in_size) { /* every input used: no select layer */
            gmdl__free(sel);
            sel = NULL;
            nsel = 0;
        }
    }
    /* the architecture string: the full net's tokens with the kept sizes */
    char arch[sizeof f->cfg.arch];
    size_t len = (size_t)snprintf(arch, sizeof arch, "%s", conv_first ? "cnn:" : "mlp:");
    int too_long = 0; /* too long to describe: keep the full shapes */
    for (int i = 0, q = 0; i < f->nlayers && !s && !too_long; i++) {
        const gmdl__layer *l = &f->layers[i];
        char tok[64] = "";
        if (l->nparams && q < nw - 1) {
            if (l->param[0].ndim == 4)
                snprintf(tok, sizeof tok, "c%zuk%ds%dp%d", nrows[q], l->kh, l->stride, l->pad);
            else
                snprintf(tok, sizeof tok, conv_first ? "d%zu" : "%zu", nrows[q]);
        } else if (l->ops == &gmdl__maxpool_ops || l->ops == &gmdl__avgpool_ops) {
            snprintf(tok, sizeof tok, "%c%d", l->ops == &gmdl__maxpool_ops ? 'p' : 'a', l->kh);
        }
        q += l->nparams ? 1 : 0;
        if (!tok[0])
            continue;
        int n = snprintf(arch + len, sizeof arch - len, "%s%s", arch[len - 1] == ':' ? "" : "-", tok);
        if (n < 0 || (size_t)n >= sizeof arch - len)
            too_long = 1;
        else
            len += (size_t)n;
    }
    gmdl_model *r = NULL;
    if (!s && !too_long) {
        gmdl_train_config cfg = f->cfg;
        snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
        snprintf(cfg.method, sizeof cfg.method, "dense");
        gmdl_err sub;
        s = gmdl__model_create_select(&r, &cfg, f->in_c, f->in_h, f->in_w, f->classes, nsel, &sub);
        if (s)
            s = gmdl__fail(err, GMDL_ECORRUPT, "cannot build the pruned architecture %s: %s", arch,
                           sub.msg);
    }
    if (!s && r) {
        r->select_idx = sel;
        sel = NULL;
        int ri = 0;
        for (int q = 0; q < nw; q++) {
            while (!r->layers[ri].nparams || r->layers[ri].ops == &gmdl__select_ops)
                ri++;
            gmdl__layer *dl = &r->layers[ri++];
            const gmdl__layer *sl = &f->layers[wl[q]];
            int conv = sl->param[0].ndim == 4;
            size_t scols = sl->param[0].count / (size_t)sl->param[0].dims[0];
            size_t dcols = dl->param[0].count / (size_t)dl->param[0].dims[0];
            size_t taps = conv ? (size_t)sl->kh * sl->kw : 1;
            const gmdl__layer *pl = q ? &f->layers[wl[q - 1]] : NULL;
            /* source column of each destination column */
            for (size_t o = 0; o < nrows[q]; o++) {
                const float *src = sl->param[0].p + (size_t)rows[q][o] * scols;
                float *dst = dl->param[0].p + o * dcols;
                for (size_t c = 0; c < dcols; c++) {
                    size_t sc;
                    if (conv) /* [channel, tap]: channels kept by the previous conv */
                        sc = (q ? rows[q - 1][c / taps] : c / taps) * taps + c % taps;
                    else if (q == 0) /* the selected inputs */
                        sc = r->select_idx ? r->select_idx[c] : c;
                    else if (pl->param[0].ndim == 4) { /* flattened [channel, position] */
                        size_t hw = scols / (size_t)pl->param[0].dims[0];
                        sc = (size_t)rows[q - 1][c / hw] * hw + c % hw;
                    } else
                        sc = rows[q - 1][c];
                    dst[c] = src[sc];
                }
                dl->param[1].p[o] = sl->param[1].p[rows[q][o]];
            }
        }
        for (int i = 0; i < r->nlayers; i++)
            if (r->layers[i].ops == &gmdl__select_ops)
                r->layers[i].select_idx = r->select_idx;
        *out = r;
    }
    gmdl__free(sel);
    for (int q = 0; q < nw; q++)
        gmdl__free(rows[q]);
    return s;
}

/* Decodes a .gmz into a model with plain (dense) layers holding the quantised weights: of the
 * pruned architecture where the pruning is structured, else of the full one with zeros where
 * pruned (mostly-zero dense layers then run sparse). Every field is validated first. */
gmdl_status gmdl__gmz_load(gmdl_model **out, const char *path, gmdl_err *err) {
    return gmdl__gmz_load_ex(out, path, 1, err);
}

gmdl_status gmdl__gmz_load_ex(gmdl_model **out, const char *path, int reduce, gmdl_err *err) {
    *out = NULL;
    gmdl__ckpt *c;
    gmdl_status s = gmdl__ckpt_read(&c, path, GMZ_MAGIC, GMZ_MAJOR, err);
    if (s)
        return s;
    gmdl_train_config cfg = gmdl_train_config_default();
    const char *arch = gmdl__ckpt_get_str(c, "model.arch");
    const char *kind = gmdl__ckpt_get_str(c, "model.kind");
    uint64_t ic = 0, ih = 0, iw = 0, classes = 0, structured = 0;
    if (!arch || !kind || strcmp(kind, "compressed-classifier") != 0 ||
        !gmdl__ckpt_get_u64(c, "model.input_c", &ic) || !gmdl__ckpt_get_u64(c, "model.input_h", &ih) ||
        !gmdl__ckpt_get_u64(c, "model.input_w", &iw) ||
        !gmdl__ckpt_get_u64(c, "model.classes", &classes) || ic > 65535 || ih > 65535 ||
        iw > 65535 || classes > (1u << 20) || strlen(arch) >= sizeof cfg.arch) {
        gmdl__ckpt_destroy(c);
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: missing or invalid model description", path);
    }
    if (!gmdl__ckpt_get_u64(c, "compress.structured", &structured))
        structured = 0;
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    snprintf(cfg.method, sizeof cfg.method, "dense"); /* the decoded layers are plain */
    char method[sizeof cfg.method];
    const char *mth = gmdl__ckpt_get_str(c, "model.method");
    snprintf(method, sizeof method, "%s", mth ? mth : "unknown");
    cfg.epochs = 0;
    gmdl_model *m;
    gmdl_err sub;
    s = gmdl_model_create(&m, &cfg, (int)ic, (int)ih, (int)iw, (int)classes, &sub);
    if (s) {
        gmdl__ckpt_destroy(c);
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: invalid model description: %s", path, sub.msg);
    }
    unsigned char *rowkeep[GMDL_COMPRESS_MAX_LAYERS] = {0}, *in_keep = NULL;
    int nw = 0;
    char key[96];
    for (int i = 0; i < m->nlayers && !s; i++) {
        gmdl__layer *l = &m->layers[i];
        if (l->nparams == 0)
            continue;
        size_t n = l->param[0].count, rows = (size_t)l->param[0].dims[0], cols = n / rows;
        uint64_t sig = 0, bits = 0;
        snprintf(key, sizeof key, "%s.sig_bits", l->name);
        int ok = gmdl__ckpt_get_u64(c, key, &sig) && sig <= 62;
        snprintf(key, sizeof key, "%s.bits", l->name);
        ok = ok && gmdl__ckpt_get_u64(c, key, &bits) && bits >= 1 && bits <= 63;
        snprintf(key, sizeof key, "%s.rowptr", l->name);
        const gmdl__ckpt_tensor_info *rp = gmdl__ckpt_find(c, key);
        snprintf(key, sizeof key, "%s.cols", l->name);
        const gmdl__ckpt_tensor_info *ci = gmdl__ckpt_find(c, key);
        snprintf(key, sizeof key, "%s.codes", l->name);
        const gmdl__ckpt_tensor_info *co = gmdl__ckpt_find(c, key);
        snprintf(key, sizeof key, "%s.bias", l->name);
        const gmdl__ckpt_tensor_info *bi = gmdl__ckpt_find(c, key);
        snprintf(key, sizeof key, "%s.codebook", l->name); /* sws: codes index it */
        const gmdl__ckpt_tensor_info *cb = gmdl__ckpt_find(c, key);
        ok = ok && rp && ci && co && bi && rp->dtype == GMDL_DT_U32 && rp->count == rows + 1 &&
             ci->dtype == GMDL_DT_U8 && co->dtype == GMDL_DT_U8 && bi->dtype == GMDL_DT_F32 &&
             bi->count == l->param[1].count && (!cb || (cb->dtype == GMDL_DT_F32 && cb->count >= 1)) &&
             nw < GMDL_COMPRESS_MAX_LAYERS;
        if (!ok) {
            s = gmdl__fail(err, GMDL_ECORRUPT, "%s: layer %s: missing or inconsistent tensors",
                           path, l->name);
            break;
        }
        const uint32_t *rowptr = rp->data;
        size_t nnz = rowptr[rows];
        int cbits = bits_for(cols);
        if (rowptr[0] != 0 || nnz > n || (nnz * (size_t)cbits + 7) / 8 > ci->nbytes ||
            (nnz * (size_t)bits + 7) / 8 > co->nbytes) {
            s = gmdl__fail(err, GMDL_ECORRUPT, "%s: layer %s: sparse structure out of range", path,
                           l->name);
            break;
        }
        rowkeep[nw] = gmdl__calloc(rows, 1);
        if (nw == 0)
            in_keep = gmdl__calloc(cols, 1);
        if (!rowkeep[nw] || (nw == 0 && !in_keep)) {
            s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
            break;
        }
        memset(l->param[0].p, 0, n * sizeof(float));
        size_t ipos = 0, cpos = 0;
        for (size_t r = 0; r < rows && !s; r++) {
            if (rowptr[r + 1] < rowptr[r]) {
                s = gmdl__fail(err, GMDL_ECORRUPT, "%s: layer %s: row pointers decrease", path,
                               l->name);
                break;
            }
            rowkeep[nw][r] = rowptr[r + 1] > rowptr[r];
            for (uint32_t k = rowptr[r]; k < rowptr[r + 1]; k++) {
                uint64_t q = br_get(ci->data, &ipos, cbits);
                uint64_t u = br_get(co->data, &cpos, (int)bits);
                int64_t code = (u >> (bits - 1)) & 1u ? (int64_t)(u | ~(((uint64_t)1 << bits) - 1))
                                                      : (int64_t)u;
                if (q >= cols || (cb && u >= cb->count)) {
                    s = gmdl__fail(err, GMDL_ECORRUPT, "%s: layer %s: %s index out of range",
                                   path, l->name, q >= cols ? "column" : "codebook");
                    break;
                }
                if (nw == 0)
                    in_keep[q] = 1;
                l->param[0].p[r * cols + q] =
                    cb ? ((const float *)cb->data)[u] : (float)ldexp((double)code, -(int)sig);
            }
        }
        if (!s)
            memcpy(l->param[1].p, bi->data, bi->nbytes);
        nw++;
    }
    gmdl__ckpt_destroy(c);
    if (!s && structured && reduce) {
        gmdl_model *r;
        s = reduce_model(m, rowkeep, in_keep, &r, err);
        if (!s && r) {
            gmdl_model_destroy(m);
            m = r;
        }
    }
    for (int q = 0; q < nw; q++)
        gmdl__free(rowkeep[q]);
    gmdl__free(in_keep);
    if (!s)
        s = sparsify(m, err);
    if (s) {
        gmdl_model_destroy(m);
        return s;
    }
    m->compressed = 1;
    snprintf(m->cfg.method, sizeof m->cfg.method, "%s", method); /* as trained, for display */
    *out = m;
    return GMDL_OK;
}

gmdl_status gmdl_model_log_alpha(const gmdl_model *m, int i, double *out, size_t cap, size_t *n,
                                 const char **name, gmdl_err *err) {
    int k = -1;
    for (int j = 0; j < m->nlayers; j++)
        if (m->layers[j].bayes && ++k == i) {
            const gmdl__layer *l = &m->layers[j];
            int grp = gmdl__is_group_layer(l);
            size_t cnt = grp ? gmdl__group_count(l) : l->param[0].count;
            for (size_t q = 0; q < cnt && q < cap; q++) {
                if (grp) {
                    double mean, var;
                    gmdl__group_stats(l, q, &mean, &var, &out[q]);
                } else {
                    double mu = l->param[0].p[q], lv = l->param[2].p[q];
                    out[q] = lv - log(mu * mu + 1e-8);
                }
            }
            *n = cnt;
            *name = l->name;
            return GMDL_OK;
        }
    return gmdl__fail(err, GMDL_EINVAL, "the model has no layer %d with a posterior", i);
}
