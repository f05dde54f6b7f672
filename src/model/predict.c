/* Prediction and evaluation in a workspace apart from the model, so that one model is read by
 * several threads at once (see Threads in gmdl/model.h).
 *
 * A workspace holds what a forward pass writes: the activations, the layers' caches and
 * workspaces (planned as gmdl_model_create plans the model's own for training) and copies of the
 * layer descriptors pointing at them; the parameters are read from the model. Inputs run in
 * chunks of the model's evaluation batch; with mc = S > 0, sample s of chunk c is pass
 * c * S + s (EVAL_SAMPLE, seeded), so the numbers depend on the seed and the input's position,
 * never on the thread or the workspace. */
#include "model/calibration.h"
#include "model/model_internal.h"

struct gmdl_model_workspace {
    const gmdl_model *m;
    gmdl__layer *layers; /* [nlayers] copies, cache and work in this workspace */
    float **act;         /* [nlayers + 1] of [max_batch, size] */
    unsigned char *cache_block;
    float *work_block;
    float *probs; /* [max_batch, classes] one pass */
    double *acc;  /* [max_batch, classes] the mean over the passes */
    double *eent; /* [max_batch] the mean entropy over the passes */
};

void gmdl_model_workspace_destroy(gmdl_model_workspace *ws) {
    if (!ws)
        return;
    if (ws->act)
        for (int i = 0; i <= ws->m->nlayers; i++)
            gmdl__free_aligned(ws->act[i]);
    gmdl__free(ws->act);
    gmdl__free(ws->layers);
    gmdl__free_aligned(ws->cache_block);
    gmdl__free_aligned(ws->work_block);
    gmdl__free_aligned(ws->probs);
    gmdl__free(ws->acc);
    gmdl__free(ws->eent);
    gmdl__free(ws);
}

static void *aligned_floats(size_t n) {
    return n > SIZE_MAX / sizeof(float) ? NULL : gmdl__malloc_aligned(n * sizeof(float));
}

gmdl_status
gmdl_model_workspace_create(gmdl_model_workspace **out, const gmdl_model *m, gmdl_err *err) {
    *out = NULL;
    gmdl_model_workspace *ws = gmdl__calloc(1, sizeof *ws);
    if (!ws)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for a model workspace");
    ws->m = m;
    const size_t B = (size_t)m->max_batch, K = (size_t)m->classes;
    ws->layers = gmdl__calloc((size_t)m->nlayers + 1, sizeof(gmdl__layer));
    ws->act = gmdl__calloc((size_t)m->nlayers + 1, sizeof(float *));
    size_t cache = 0, work = 0;
    for (int i = 0; ws->act && i <= m->nlayers; i++) {
        size_t sz = i == 0 ? m->in_size : m->layers[i - 1].out_size;
        ws->act[i] = aligned_floats(B * sz);
        if (!ws->act[i]) {
            gmdl_model_workspace_destroy(ws);
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory for activations");
        }
        if (i < m->nlayers) {
            cache += (B * m->layers[i].cache_per_sample + 63) / 64 * 64;
            work += (m->layers[i].work_floats + 15) / 16 * 16;
        }
    }
    ws->cache_block = gmdl__malloc_aligned(cache ? cache : 64);
    ws->work_block = aligned_floats(work ? work : 16);
    ws->probs = aligned_floats(B * K);
    ws->acc = gmdl__malloc(B * K * sizeof(double));
    ws->eent = gmdl__malloc(B * sizeof(double));
    if (!ws->layers || !ws->act || !ws->cache_block || !ws->work_block || !ws->probs || !ws->acc ||
        !ws->eent) {
        gmdl_model_workspace_destroy(ws);
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory for a model workspace");
    }
    *out = ws;
    return GMDL_OK;
}

/* The layer descriptors as the model has them now, with caches and workspaces in ws. */
static void bind_layers(gmdl_model_workspace *ws) {
    const gmdl_model *m = ws->m;
    size_t c = 0, wo = 0;
    memcpy(ws->layers, m->layers, (size_t)m->nlayers * sizeof(gmdl__layer));
    for (int i = 0; i < m->nlayers; i++) {
        gmdl__layer *l = &ws->layers[i];
        l->work = l->work_floats ? ws->work_block + wo : NULL;
        wo += (l->work_floats + 15) / 16 * 16;
        l->cache = l->cache_per_sample ? ws->cache_block + c : NULL;
        c += ((size_t)m->max_batch * l->cache_per_sample + 63) / 64 * 64;
    }
}

static const float *
ws_forward(gmdl_model_workspace *ws, int n, gmdl_mode mode, uint64_t seed, uint64_t pass) {
    const int L = ws->m->nlayers;
    for (int i = 0; i < L; i++) {
        gmdl__fwd a = {ws->act[i], ws->act[i + 1], n, mode, seed, pass};
        ws->layers[i].ops->forward(&ws->layers[i], &a);
    }
    return ws->act[L];
}

/* The n rows in act[0] through mc passes (0: EVAL_MEAN) of chunk `chunk`: mean probabilities into
 * acc, mean entropy of the passes into eent. */
static void run_chunk(gmdl_model_workspace *ws, int n, int mc, uint64_t seed, uint64_t chunk) {
    const int K = ws->m->classes;
    const size_t nk = (size_t)n * (size_t)K;
    double *acc = ws->acc;
    if (mc == 0) {
        const float *logits = ws_forward(ws, n, GMDL_MODE_EVAL_MEAN, 0, 0);
        gmdl__softmax_xent(logits, NULL, n, K, 1.0f, NULL, ws->probs, NULL);
        for (size_t i = 0; i < nk; i++)
            acc[i] = (double)ws->probs[i];
        for (int i = 0; i < n; i++)
            ws->eent[i] = gmdl__entropy(acc + (size_t)i * K, K);
        return;
    }
    memset(acc, 0, nk * sizeof(double));
    memset(ws->eent, 0, (size_t)n * sizeof(double));
    for (int smp = 0; smp < mc; smp++) {
        const float *logits =
            ws_forward(ws, n, GMDL_MODE_EVAL_SAMPLE, seed, chunk * (uint64_t)mc + (uint64_t)smp);
        gmdl__softmax_xent(logits, NULL, n, K, 1.0f, NULL, ws->probs, NULL);
        for (size_t i = 0; i < nk; i++)
            acc[i] += (double)ws->probs[i] / mc;
        for (int i = 0; i < n; i++) {
            const float *pf = ws->probs + (size_t)i * K;
            double h = 0.0; /* gmdl__entropy of this pass */
            for (int k = 0; k < K; k++)
                if (pf[k] > 0.0f)
                    h -= (double)pf[k] * log((double)pf[k]);
            ws->eent[i] += h / mc;
        }
    }
}

GMDL_KERNEL
static int rows_finite(const float *x, size_t n) {
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= isfinite(x[i]);
    return ok;
}

/* Copies rows [lo, lo + n) of x [., D] into act[0]; the first row with a non-finite value, or
 * -1. */
static long long load_rows(gmdl_model_workspace *ws, const float *x, size_t lo, int n) {
    const size_t D = ws->m->in_size;
    memcpy(ws->act[0], x + lo * D, (size_t)n * D * sizeof(float));
    if (ws->m->tab.mean)
        gmdl__tabular_apply(ws->m, ws->act[0], (size_t)n);
    for (int i = 0; i < n; i++)
        if (!rows_finite(ws->act[0] + (size_t)i * D, D))
            return (long long)(lo + (size_t)i);
    return -1;
}

int gmdl_model_is_stochastic(const gmdl_model *m) {
    for (int i = 0; i < m->nlayers; i++) {
        const gmdl__layer *l = &m->layers[i];
        if (l->bayes || (l->ops == &gmdl__dropout_ops && l->k.dropout.p > 0.0f))
            return 1;
    }
    return 0;
}

gmdl_status gmdl_model_check_mc(const gmdl_model *m, int mc, gmdl_err *err) {
    if (mc < 0)
        return gmdl__fail(err, GMDL_EINVAL, "number of Monte Carlo samples must be >= 0");
    if (mc == 0 || gmdl_model_is_stochastic(m))
        return GMDL_OK;
    if (m->compressed)
        return gmdl__fail(err, GMDL_EINVAL,
                          "a compressed model keeps only the pruned, quantised posterior means "
                          "(no variances), so it has no posterior to sample: Monte Carlo "
                          "averaging needs the model file it was compressed from");
    return gmdl__fail(err, GMDL_EINVAL,
                      "the model (method %s) has no stochastic layer (no posterior, no "
                      "dropout), so Monte Carlo averaging would repeat one deterministic pass",
                      m->cfg.method);
}

gmdl_status gmdl__model_check_data(const gmdl_model *m, const gmdl_dataset *ds, gmdl_err *err) {
    if (ds->dim != m->in_size)
        return gmdl__fail(err, GMDL_ESHAPE,
                          "data items have %zu values ([%d, %d, %d]) but the model expects %zu "
                          "([%d, %d, %d])",
                          ds->dim, ds->c, ds->h, ds->w, m->in_size, m->in_c, m->in_h, m->in_w);
    if (ds->classes > m->classes)
        return gmdl__fail(err, GMDL_ESHAPE, "data has %d classes but the model has %d outputs",
                          ds->classes, m->classes);
    if (ds->n == 0 || ds->n > UINT32_MAX)
        return gmdl__fail(err, GMDL_EINVAL, "data set has %zu items", ds->n);
    return GMDL_OK;
}

/* The caller's workspace, checked, or a new one into *own. */
static gmdl_status use_workspace(gmdl_model_workspace **ws,
                                 gmdl_model_workspace **own,
                                 const gmdl_model *m,
                                 gmdl_err *err) {
    *own = NULL;
    if (*ws) {
        if ((*ws)->m != m)
            return gmdl__fail(err, GMDL_EINVAL, "the workspace was created for another model");
        return GMDL_OK;
    }
    gmdl_status s = gmdl_model_workspace_create(own, m, err);
    *ws = *own;
    return s;
}

/* Writes chunk rows [lo, lo + n) of the prediction from the workspace. */
static void
store_chunk(const gmdl_prediction *out, const gmdl_model_workspace *ws, size_t lo, int n) {
    const int K = ws->m->classes;
    for (int i = 0; i < n; i++) {
        const double *p = ws->acc + (size_t)i * K;
        const size_t r = lo + (size_t)i;
        int arg = 0;
        for (int k = 1; k < K; k++)
            if (p[k] > p[arg])
                arg = k;
        double h = gmdl__entropy(p, K), mi = h - ws->eent[i];
        if (out->probs)
            for (int k = 0; k < K; k++)
                out->probs[r * (size_t)K + (size_t)k] = (float)p[k];
        if (out->pred)
            out->pred[r] = arg;
        if (out->entropy)
            out->entropy[r] = h;
        if (out->expected_entropy)
            out->expected_entropy[r] = ws->eent[i];
        if (out->mutual_information)
            out->mutual_information[r] = mi > 0.0 ? mi : 0.0;
    }
}

gmdl_status gmdl_model_predict(const gmdl_prediction *out,
                               const gmdl_model *m,
                               const float *x,
                               size_t n,
                               int mc,
                               uint64_t seed,
                               gmdl_model_workspace *ws,
                               gmdl_err *err) {
    gmdl_status s = gmdl_model_check_mc(m, mc, err);
    gmdl_model_workspace *own = NULL;
    if (!s)
        s = use_workspace(&ws, &own, m, err);
    if (s)
        return s;
    bind_layers(ws);
    const int B = m->max_batch;
    for (size_t lo = 0; lo < n && !s; lo += (size_t)B) {
        int c = (int)(n - lo < (size_t)B ? n - lo : (size_t)B);
        long long bad = load_rows(ws, x, lo, c);
        if (bad >= 0) {
            s = gmdl__fail(err, GMDL_EINVAL, "input %lld contains a NaN or infinite value", bad);
            break;
        }
        run_chunk(ws, c, mc, seed, lo / (size_t)B);
        store_chunk(out, ws, lo, c);
    }
    gmdl_model_workspace_destroy(own);
    return s;
}

gmdl_status gmdl_model_evaluate(gmdl_eval_result *res,
                                const gmdl_model *m,
                                const gmdl_dataset *ds,
                                int mc,
                                uint64_t seed,
                                gmdl_model_workspace *ws,
                                gmdl_err *err) {
    gmdl_status s = gmdl__model_check_data(m, ds, err);
    if (!s)
        s = gmdl_model_check_mc(m, mc, err);
    gmdl_model_workspace *own = NULL;
    if (!s)
        s = use_workspace(&ws, &own, m, err);
    if (s)
        return s;
    bind_layers(ws);
    const int K = m->classes, B = m->max_batch;
    gmdl__calib c;
    memset(&c, 0, sizeof c);
    for (size_t lo = 0; lo < ds->n; lo += (size_t)B) {
        int n = (int)(ds->n - lo < (size_t)B ? ds->n - lo : (size_t)B);
        long long bad = load_rows(ws, ds->x, lo, n);
        if (bad >= 0) {
            s = gmdl__fail(err, GMDL_EINVAL, "data item %lld contains a NaN or infinite value",
                           bad);
            break;
        }
        run_chunk(ws, n, mc, seed, lo / (size_t)B);
        for (int i = 0; i < n; i++)
            gmdl__calib_add(&c, ws->acc + (size_t)i * K, K, ds->y[lo + (size_t)i], ws->eent[i]);
    }
    gmdl_model_workspace_destroy(own);
    if (!s)
        gmdl__calib_finish(&c, res);
    return s;
}
