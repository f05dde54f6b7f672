/* Compression of a trained Bayesian model into a .gmz file (Louizos, Ullrich & Welling 2017):
 * the policy's second half, bit precision and the tolerance, and the report. What is kept is
 * prune.c's; the container gmz.c's.
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
#include <unistd.h>

#include "core/vmath.h"
#include "io/ckpt.h"
#include "model/compress_job.h"
#include "model/gmz.h"

gmdl_compress_config gmdl_compress_config_default(void) {
    gmdl_compress_config c;
    c.log_alpha_threshold = NAN; /* method default: 3 (svd, vd, bbb), automatic (bc-gnj, bc-ghs) */
    c.layer_threshold = NULL;
    c.layer_threshold_n = 0;
    c.tolerance = 0.002;
    c.layer_bits = NULL; /* the rule and the tuning */
    c.layer_bits_n = 0;
    return c;
}

void gmdl_compress_report_fini(gmdl_compress_report *report) {
    if (!report)
        return;
    gmdl__free(report->layers);
    memset(report, 0, sizeof *report);
}

/* ---------------------------------------------------------------- rates */
static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Huffman-coded size in bits of n symbols (sorted in place) into *bits, plus the number of
 * distinct symbols. Total = sum of the weights of the internal nodes (two-queue construction). */
static gmdl_status huffman_bits(double *bits, int64_t *sym, size_t n, size_t *distinct) {
    *distinct = 0;
    *bits = 0.0;
    if (n == 0)
        return GMDL_OK;
    qsort(sym, n, sizeof *sym, cmp_i64);
    uint64_t *f = gmdl__malloc(n * sizeof *f), *q2 = gmdl__malloc(n * sizeof *q2);
    if (!f || !q2) {
        gmdl__free(f);
        gmdl__free(q2);
        return GMDL_ENOMEM;
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
    *bits = total;
    return GMDL_OK;
}

/* ---------------------------------------------------------------- bits */
typedef gmdl__cjob job;

/* Puts the (quantised) kept means into the model so that its own deterministic pass uses them. */
void gmdl__cjob_set_weights(job *J, int quant) {
    for (int i = 0; i < J->ncl; i++) {
        gmdl__clayer *c = &J->cl[i];
        for (size_t j = 0; j < c->n; j++) {
            float w = c->keep[j] ? c->mean[j] : 0.0f;
            if (quant && c->keep[j])
                w = c->qval ? c->qval[j] : (float)gmdl_quantize((double)w, c->s);
            J->w[j] = w;
        }
        c->l->ops->load_compressed(c->l, J->w, NULL);
    }
}

static gmdl_status test_error(gmdl_model *m, const gmdl_dataset *test, double *e, gmdl_err *err) {
    gmdl_eval_result r;
    gmdl_status s = gmdl_model_evaluate(&r, m, test, 0, 0, NULL, err);
    *e = 1.0 - r.accuracy;
    return s;
}

/* Significand bits by the posterior-variance rule, per layer the mean over its kept weights
 * rounded up (a codebook: none), and the exponent bits from the largest kept |mean|. */
static void bit_rule(job *J, const gmdl_compress_config *cfg) {
    double omax = 0.0;
    for (int i = 0; i < J->ncl; i++)
        for (size_t j = 0; j < J->cl[i].n; j++)
            if (J->cl[i].keep[j] && fabs((double)J->cl[i].mean[j]) > omax)
                omax = fabs((double)J->cl[i].mean[j]);
    J->e = gmdl_bits_exponent(omax);
    for (int i = 0; i < J->ncl; i++) {
        gmdl__clayer *c = &J->cl[i];
        double sum = 0.0;
        size_t k = 0;
        for (size_t j = 0; j < c->n; j++)
            if (c->keep[j]) {
                sum += gmdl_bits_significand((double)c->var[j]);
                k++;
            }
        c->rule_s = J->codebook || !k ? 0 : (int)ceil(sum / (double)k - 1e-12);
        c->s = c->rule_s;
        if (!J->codebook && cfg->layer_bits && (size_t)i < cfg->layer_bits_n)
            c->s = cfg->layer_bits[i];
    }
}

/* Errors of the pruned full-precision net and of the quantised one, with bits added greedily to
 * the layer that helps most until the quantised error is within the tolerance. */
static gmdl_status
tune_bits(job *J, const gmdl_dataset *test, double tolerance, double *err_pruned, gmdl_err *err) {
    double err_q;
    gmdl__cjob_set_weights(J, 0);
    gmdl_status s = test_error(J->m, test, err_pruned, err);
    if (s || tolerance < 0.0) /* bits given: nothing to tune */
        return s;
    gmdl__cjob_set_weights(J, 1);
    s = test_error(J->m, test, &err_q, err);
    while (!s && !J->codebook && err_q - *err_pruned > tolerance) {
        int best = -1;
        double best_err = 2.0;
        for (int i = 0; i < J->ncl && !s; i++) {
            if (J->cl[i].s >= 23)
                continue;
            J->cl[i].s++;
            gmdl__cjob_set_weights(J, 1);
            double ei;
            s = test_error(J->m, test, &ei, err);
            J->cl[i].s--;
            if (!s && ei < best_err) {
                best_err = ei;
                best = i;
            }
        }
        if (best < 0)
            break;
        J->cl[best].s++;
        err_q = best_err;
    }
    return s;
}

/* ---------------------------------------------------------------- encoding and the report */
/* Codes of layer i's kept weights into code [n], its storage sizes into sz and maxbits, its
 * report line, and its description for the codec. */
static gmdl_status encode_layer(job *J,
                                int i,
                                int64_t *code,
                                gmdl__gmz_layer *gl,
                                gmdl_layer_size *sz,
                                gmdl_compress_layer *rl,
                                double *maxbits) {
    gmdl__clayer *c = &J->cl[i];
    size_t nnz = 0;
    int64_t maxcode = 0;
    for (size_t j = 0; j < c->n; j++)
        if (c->keep[j]) {
            int64_t q = (int64_t)llround(ldexp((double)c->mean[j], c->s));
            maxcode = llabs(q) > maxcode ? llabs(q) : maxcode;
            code[j] = J->codebook ? (int64_t)c->comp[j] : q;
            nnz++;
        }
    int rule_bits = 1 + J->e + c->rule_s;
    int bits = 1 + J->e + c->s, need = 1 + gmdl__bits_for((uint64_t)maxcode + 1);
    if (need > bits)
        bits = need; /* large means need more integer bits than the exponent rule gives */
    if (J->codebook) /* a codebook index per kept weight */
        bits = rule_bits = gmdl__bits_for(J->nbook);
    int64_t *codes = gmdl__malloc((nnz ? nnz : 1) * sizeof(int64_t));
    int64_t *gaps = gmdl__malloc((nnz ? nnz : 1) * sizeof(int64_t));
    if (!codes || !gaps) {
        gmdl__free(codes);
        gmdl__free(gaps);
        return GMDL_ENOMEM;
    }
    size_t k = 0, prev = (size_t)-1, orows = 0, ocols = 0;
    for (size_t r = 0; r < c->rows; r++) {
        size_t k0 = k;
        for (size_t j = r * c->cols; j < (r + 1) * c->cols; j++)
            if (c->keep[j]) {
                codes[k] = code[j];
                gaps[k++] = (int64_t)(j - prev); /* relative index in row-major order */
                prev = j;
            }
        orows += k > k0;
    }
    for (size_t q = 0; q < c->cols; q++) {
        int any = 0;
        for (size_t r = 0; r < c->rows && !any; r++)
            any = c->keep[r * c->cols + q];
        ocols += any;
    }
    size_t dcode = 0, dgap = 0;
    double hc, hg;
    gmdl_status s = huffman_bits(&hc, codes, nnz, &dcode);
    if (s == GMDL_OK)
        s = huffman_bits(&hg, gaps, nnz, &dgap);
    int64_t maxgap = 0;
    for (k = 0; k < nnz; k++)
        maxgap = gaps[k] > maxgap ? gaps[k] : maxgap;
    gmdl__free(codes);
    gmdl__free(gaps);
    if (s != GMDL_OK)
        return s;
    const int cbits = gmdl__bits_for(c->cols);
    /* structured pruning leaves dense smaller layers: no indices (CLI.md) */
    size_t index_bits =
        J->structured ? 0 : nnz * (size_t)cbits + (c->rows + 1) * (size_t)gmdl__bits_for(nnz + 1);
    /* a layer that is barely sparse is cheaper stored dense, its zeros in place of indices */
    if (index_bits > (c->n - nnz) * (size_t)bits)
        index_bits = (c->n - nnz) * (size_t)bits;
    *sz = (gmdl_layer_size){c->n, nnz, bits, index_bits};
    /* an encoder keeps whichever of Huffman coding (with its codebook) and the plain fixed-width
     * form is smaller, for the codes and for the indices */
    double book = J->codebook ? (i == 0 ? 32.0 * (double)J->nbook : 0.0) /* one, 32-bit */
                              : (double)dcode * bits;
    double code_h = hc + book, code_plain = (double)nnz * bits + (J->codebook ? book : 0.0);
    double idx_h = hg + (double)dgap * gmdl__bits_for((uint64_t)maxgap + 1);
    *maxbits += (code_h < code_plain ? code_h : code_plain) +
                (idx_h < (double)index_bits ? idx_h : (double)index_bits);
    const gmdl__param *w = gmdl__layer_weight_c(c->l), *b = gmdl__layer_bias_c(c->l);
    snprintf(rl->name, sizeof rl->name, "%s", c->l->name);
    rl->ndim = w->ndim;
    for (int d = 0; d < rl->ndim; d++)
        rl->shape[d] = w->dims[d];
    rl->pruned_rows = orows; /* outputs with any kept weight, and inputs (columns) with any */
    rl->pruned_cols = ocols;
    rl->nonzero = nnz;
    rl->total = c->n;
    rl->bits = bits;
    rl->rule_bits = rule_bits;
    rl->threshold = c->threshold;
    *gl = (gmdl__gmz_layer){c->l->name, c->rows,   c->cols, c->keep,  code, c->s,
                            bits,       rule_bits, b->p,    b->count, NULL, 0};
    return GMDL_OK;
}

/* Encodes every layer, fills the rates of the report and writes the file. */
static gmdl_status write_file(job *J,
                              const gmdl_compress_config *cfg,
                              const char *out,
                              gmdl_compress_report *rep,
                              double *bits2, /* [2]: the Fast and Max denominators */
                              gmdl_err *err) {
    const size_t ncl = (size_t)J->ncl;
    gmdl__gmz_layer *gl = gmdl__calloc(ncl ? ncl : 1, sizeof *gl);
    rep->layers = gmdl__calloc(ncl ? ncl : 1, sizeof *rep->layers);
    gmdl_layer_size *sizes = gmdl__calloc(ncl ? ncl : 1, sizeof *sizes);
    int64_t **code = gmdl__calloc(ncl ? ncl : 1, sizeof *code);
    /* one codebook, the prior layer's values (entry 0 the zero) */
    float *codebook = J->codebook ? gmdl__malloc(J->nbook * sizeof(float)) : NULL;
    if (codebook)
        J->prior->ops->codebook(J->prior, codebook);
    gmdl_status s =
        gl && sizes && code && rep->layers && (codebook || !J->codebook) ? GMDL_OK : GMDL_ENOMEM;
    double maxbits = 0.0, N = 0.0;
    for (int i = 0; i < J->ncl && !s; i++) {
        code[i] = gmdl__malloc(J->cl[i].n * sizeof(int64_t));
        s = code[i] ? encode_layer(J, i, code[i], &gl[i], &sizes[i], &rep->layers[i], &maxbits)
                    : GMDL_ENOMEM;
        if (J->codebook) { /* codes are indices into it */
            gl[i].codebook = codebook;
            gl[i].ncodebook = J->nbook;
        }
        N += (double)sizes[i].total;
    }
    if (s) {
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    } else {
        rep->nlayers = J->ncl;
        gmdl_rates rt;
        gmdl_compression_rates(&rt, sizes, ncl);
        rep->nonzero_fraction = rt.nonzero_fraction;
        rep->pruning_rate = rt.pruning;
        rep->fast_prediction_rate = rt.fast_prediction;
        rep->max_compression_rate = floor(32.0 * N / maxbits);
        rep->exponent_bits = J->e;
        bits2[0] = 32.0 * N / rt.fast_prediction_exact;
        bits2[1] = maxbits;
        gmdl__gmz_head h = {cfg->log_alpha_threshold,
                            J->e,
                            J->structured,
                            rep->pruning_rate,
                            rep->fast_prediction_rate,
                            rep->max_compression_rate};
        s = out ? gmdl__gmz_write(J->m, &h, gl, J->ncl, out, err) : GMDL_OK;
    }
    for (int i = 0; code && i < J->ncl; i++)
        gmdl__free(code[i]);
    gmdl__free(code);
    gmdl__free(gl);
    gmdl__free(sizes);
    gmdl__free(codebook);
    return s;
}

/* The reported error is the written file's, evaluated as gmdl eval does; and its size. */
static gmdl_status
check_file(const char *out, const gmdl_dataset *test, gmdl_compress_report *rep, gmdl_err *err) {
    gmdl_model *back;
    gmdl_status s = gmdl_model_load(&back, out, err);
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
    return s;
}

gmdl_status gmdl__cjob_open(job *J, gmdl_model *m, const gmdl_compress_config *cfg, gmdl_err *err) {
    memset(J, 0, sizeof *J);
    J->m = m;
    J->prior = gmdl__prune_codebook_layer(m);
    J->codebook = J->prior != NULL;
    J->nbook = J->prior ? J->prior->ops->codebook(J->prior, NULL) : 0;
    /* the model is left as it was: close copies store0 back, so it holds the parameters from
     * the moment it exists (also when the next allocation fails) */
    J->store0 = gmdl__malloc(m->nstore * sizeof(float));
    if (J->store0)
        memcpy(J->store0, m->params, m->nstore * sizeof(float));
    J->cl = gmdl__calloc((size_t)m->nlayers, sizeof *J->cl);
    if (!J->store0 || !J->cl)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    gmdl_status s = gmdl__prune_decide(m, cfg, J->cl, &J->ncl, &J->structured, err);
    size_t nmax = 1;
    for (int i = 0; i < J->ncl; i++)
        nmax = J->cl[i].n > nmax ? J->cl[i].n : nmax;
    J->w = s ? NULL : gmdl__malloc(nmax * sizeof(float));
    if (!s && !J->w)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if (!s)
        bit_rule(J, cfg);
    return s;
}

void gmdl__cjob_close(job *J) {
    if (J->store0 && J->m)
        memcpy(J->m->params, J->store0, J->m->nstore * sizeof(float));
    if (J->cl)
        gmdl__prune_free(J->cl, J->ncl);
    gmdl__free(J->cl);
    gmdl__free(J->w);
    gmdl__free(J->store0);
    memset(J, 0, sizeof *J);
}

gmdl_status gmdl__cjob_measure(
    job *J, gmdl_compress_report *rep, double *fast_bits, double *max_bits, gmdl_err *err) {
    gmdl_compress_config cc = gmdl_compress_config_default();
    double bits2[2] = {0.0, 0.0};
    memset(rep, 0, sizeof *rep);
    gmdl_status s = write_file(J, &cc, NULL, rep, bits2, err);
    *fast_bits = bits2[0];
    *max_bits = bits2[1];
    return s;
}

gmdl_status gmdl_model_compress(gmdl_compress_report *rep,
                                gmdl_model *m,
                                const gmdl_dataset *test,
                                const gmdl_compress_config *cfg,
                                const char *out,
                                gmdl_err *err) {
    memset(rep, 0, sizeof *rep);
    if (!gmdl__method_has(m->method, GMDL__M_BAYES))
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "the model was trained with method '%s', which has no posterior to "
                          "compress from (train with --method svd, vd, bbb, bc-gnj or bc-ghs)",
                          m->cfg.method);
    if (!(cfg->tolerance >= 0.0))
        return gmdl__fail(err, GMDL_EINVAL, "tolerance must be >= 0");
    for (size_t i = 0; cfg->layer_bits && i < cfg->layer_bits_n; i++)
        if (cfg->layer_bits[i] < 0 || cfg->layer_bits[i] > 23)
            return gmdl__fail(err, GMDL_EINVAL, "layer %zu: %d significand bits is not in 0..23", i,
                              cfg->layer_bits[i]);
    if (m->tab.format)
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "the model was trained on a table: a .gmz does not keep its "
                          "standardisation and class labels, so it is not compressed");
    job J;
    gmdl_status s = gmdl__cjob_open(&J, m, cfg, err);
    if (!s) /* bits given per layer: no tuning (a negative tolerance says so) */
        s = tune_bits(&J, test, cfg->layer_bits ? -1.0 : cfg->tolerance, &rep->test_error_pruned,
                      err);
    /* the file is checked under a temporary name and renamed over out only when the check
     * passed, so a failure leaves out as it was */
    char *stage = s ? NULL : gmdl__malloc(strlen(out) + 32);
    if (!s && !stage)
        s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    if (!s) {
        double bits2[2];
        snprintf(stage, strlen(out) + 32, "%s.tmp.%ld", out, (long)getpid());
        s = write_file(&J, cfg, stage, rep, bits2, err);
        if (!s)
            s = check_file(stage, test, rep, err);
        if (!s)
            s = gmdl__rename_durable(stage, out, err);
        if (s)
            remove(stage);
    }
    gmdl__free(stage);
    gmdl__cjob_close(&J);
    return s;
}

/* ---------------------------------------------------------------- statistics */
gmdl_status gmdl_model_log_alpha(double *out,
                                 size_t cap,
                                 size_t *n,
                                 const char **name,
                                 const gmdl_model *m,
                                 int i,
                                 gmdl_err *err) {
    int k = -1;
    for (int j = 0; j < m->nlayers; j++) {
        const gmdl__layer *l = &m->layers[j];
        if (!l->ops->posterior || ++k != i)
            continue;
        size_t groups, cnt = l->ops->posterior(l, NULL, NULL, NULL, &groups);
        double *st = gmdl__malloc((cnt ? cnt : 1) * sizeof(double));
        if (!st)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        l->ops->posterior(l, NULL, NULL, st, &groups);
        if (out && cap)
            memcpy(out, st, (cnt < cap ? cnt : cap) * sizeof(double));
        gmdl__free(st);
        *n = cnt;
        *name = l->name;
        return GMDL_OK;
    }
    return gmdl__fail(err, GMDL_EINVAL, "the model has no layer %d with a posterior", i);
}
