/* Model files (.gmdl): the container of io/ckpt.h with magic "\x89GMD\r\n\x1a\n".
 * Metadata: the training configuration, input shape, classes, progress (epoch, step), the
 * shuffling stream; tensors: every parameter by name, its optimizer moments ("<name>.m1",
 * "<name>.m2"), and the per-epoch history. No wall-clock times: equal runs give equal bytes.
 * Specification: docs/FORMAT.md. */
#include "io/ckpt.h"
#include "model/model_internal.h"

static const char MODEL_MAGIC[8] = {'\x89', 'G', 'M', 'D', '\r', '\n', '\x1a', '\n'};
#define MODEL_MAJOR 1
#define MODEL_MINOR 0
#define HIST_COLS   8 /* files of version 1.0 hold the first 7 */

/* The table description of a tabular net: metadata tabular.*, tensors tabular.mean, .sd. */
static gmdl_status save_tabular(gmdl__ckpt_writer *w, const gmdl_model *m) {
    const gmdl__tabular *t = &m->tab;
    uint64_t dims[1] = {(uint64_t)m->in_size};
    gmdl_status s = gmdl__ckpt_meta_str(w, "tabular.format", t->format);
    if (!s && t->y)
        s = gmdl__ckpt_meta_str(w, "tabular.y", t->y);
    if (!s && t->columns)
        s = gmdl__ckpt_meta_str(w, "tabular.columns", t->columns);
    if (!s)
        s = gmdl__ckpt_meta_str(w, "tabular.classes", t->classes);
    if (!s)
        s = gmdl__ckpt_tensor(w, "tabular.mean", GMDL_DT_F32, 1, dims, t->mean);
    if (!s)
        s = gmdl__ckpt_tensor(w, "tabular.sd", GMDL_DT_F32, 1, dims, t->sd);
    return s;
}

/* Reads back what save_tabular wrote into m. */
static gmdl_status load_tabular(gmdl_model *m, const gmdl__ckpt *c, gmdl_err *err) {
    const char *path = gmdl__ckpt_path(c);
    gmdl_tabular_info info = {gmdl__ckpt_get_str(c, "tabular.format"),
                              gmdl__ckpt_get_str(c, "tabular.y"),
                              gmdl__ckpt_get_str(c, "tabular.columns"),
                              gmdl__ckpt_get_str(c, "tabular.classes"),
                              m->in_size,
                              NULL,
                              NULL};
    const gmdl__ckpt_tensor_info *mu = gmdl__ckpt_find(c, "tabular.mean"),
                                 *sd = gmdl__ckpt_find(c, "tabular.sd");
    const int ok = info.format && info.classes && mu && sd;
    for (int i = 0; ok && i < 2; i++) {
        const gmdl__ckpt_tensor_info *t = i ? sd : mu;
        if (t->dtype != GMDL_DT_F32 || t->ndim != 1 || t->dims[0] != m->in_size)
            return gmdl__fail(err, GMDL_ECORRUPT, "%s: tensor '%s' has the wrong type or shape",
                              path, i ? "tabular.sd" : "tabular.mean");
    }
    if (!ok)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: a tabular model without its table description",
                          path);
    info.mean = (const float *)mu->data;
    info.sd = (const float *)sd->data;
    gmdl_err sub;
    gmdl_status s = gmdl_model_set_tabular(m, &info, &sub);
    if (s == GMDL_ENOMEM) /* out of memory is not a bad file */
        return gmdl__fail(err, s, "%s: %s", path, sub.msg);
    if (s)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: invalid table description: %s", path, sub.msg);
    return GMDL_OK;
}

gmdl_status gmdl_model_save(const gmdl_model *m, const char *path, gmdl_err *err) {
    if (m->compressed)
        return gmdl__fail(err, GMDL_EUNSUPPORTED,
                          "%s: a compressed model is stored only as the .gmz it came from", path);
    gmdl__ckpt_writer *w = gmdl__ckpt_writer_create();
    if (!w)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    const gmdl_train_config *c = &m->cfg;
    gmdl_status s = GMDL_OK;
#define TRY(x)                                                                                     \
    if (!s)                                                                                        \
    s = (x)
    /* a net on a table is another kind, so that builds before tables refuse it */
    TRY(gmdl__ckpt_meta_str(w, "model.kind", m->tab.format ? "tabular-classifier" : "classifier"));
    TRY(gmdl__ckpt_meta_str(w, "model.arch", c->arch));
    TRY(gmdl__ckpt_meta_str(w, "model.method", c->method));
    TRY(gmdl__ckpt_meta_u64(w, "model.input_c", (uint64_t)m->in_c));
    TRY(gmdl__ckpt_meta_u64(w, "model.input_h", (uint64_t)m->in_h));
    TRY(gmdl__ckpt_meta_u64(w, "model.input_w", (uint64_t)m->in_w));
    TRY(gmdl__ckpt_meta_u64(w, "model.classes", (uint64_t)m->classes));
    TRY(gmdl__ckpt_meta_str(w, "lib.version", GMDL_VERSION_STRING));
    TRY(gmdl__ckpt_meta_u64(w, "train.seed", c->seed));
    TRY(gmdl__ckpt_meta_u64(w, "train.epochs", (uint64_t)c->epochs));
    TRY(gmdl__ckpt_meta_u64(w, "train.batch", (uint64_t)c->batch));
    TRY(gmdl__ckpt_meta_str(w, "train.optimizer", c->optimizer == GMDL_OPT_ADAM ? "adam" : "sgd"));
    TRY(gmdl__ckpt_meta_f64(w, "train.lr", c->lr));
    TRY(gmdl__ckpt_meta_str(w, "train.lr_schedule", gmdl_lr_schedule_name(c->lr_schedule)));
    TRY(gmdl__ckpt_meta_u64(w, "train.kl_warmup_start", (uint64_t)c->kl_warmup_start));
    TRY(gmdl__ckpt_meta_u64(w, "train.kl_warmup_epochs", (uint64_t)c->kl_warmup_epochs));
    TRY(gmdl__ckpt_meta_f64(w, "train.momentum", c->momentum));
    TRY(gmdl__ckpt_meta_f64(w, "train.beta1", c->beta1));
    TRY(gmdl__ckpt_meta_f64(w, "train.beta2", c->beta2));
    TRY(gmdl__ckpt_meta_f64(w, "train.eps", c->adam_eps));
    TRY(gmdl__ckpt_meta_f64(w, "train.weight_decay", c->weight_decay));
    TRY(gmdl__ckpt_meta_f64(w, "train.sws_tau", c->sws.tau));
    TRY(gmdl__ckpt_meta_f64(w, "train.sws_zero_sd", c->sws.zero_sd));
    size_t hlen = gmdl_sws_harden_format(NULL, 0, c) + 1;
    char *harden = gmdl__malloc(hlen);
    if (!harden)
        s = GMDL_ENOMEM;
    else
        gmdl_sws_harden_format(harden, hlen, c);
    TRY(gmdl__ckpt_meta_str(w, "train.sws_harden", harden));
    gmdl__free(harden);
    if (c->val > 0) /* only then: files without a split are as before */
        TRY(gmdl__ckpt_meta_u64(w, "train.val", (uint64_t)c->val));
    TRY(gmdl__ckpt_meta_u64(w, "train.epoch", (uint64_t)m->epoch));
    TRY(gmdl__ckpt_meta_u64(w, "train.step", m->step));
    TRY(gmdl__ckpt_meta_u64(w, "rng.shuffle.state", m->shuffle_rng.state));
    TRY(gmdl__ckpt_meta_u64(w, "rng.shuffle.inc", m->shuffle_rng.inc));
    char name[80];
    for (int i = 0; i < m->nlayers && !s; i++)
        for (int j = 0; j < m->layers[i].nparams && !s; j++) {
            const gmdl__param *p = &m->layers[i].param[j];
            TRY(gmdl__ckpt_tensor(w, p->name, GMDL_DT_F32, p->ndim, p->dims, p->p));
            snprintf(name, sizeof name, "%s.m1", p->name);
            TRY(gmdl__ckpt_tensor(w, name, GMDL_DT_F32, p->ndim, p->dims, m->m1 + p->offset));
            snprintf(name, sizeof name, "%s.m2", p->name);
            TRY(gmdl__ckpt_tensor(w, name, GMDL_DT_F32, p->ndim, p->dims, m->m2 + p->offset));
        }
    if (m->tab.format && !s)
        s = save_tabular(w, m);
    if (m->nhist > 0 && !s) {
        double *h = gmdl__malloc((size_t)m->nhist * HIST_COLS * sizeof(double));
        if (!h)
            s = GMDL_ENOMEM;
        for (int e = 0; e < m->nhist && h; e++) {
            const gmdl_epoch_stats *st = &m->hist[e];
            double row[HIST_COLS] = {st->epoch,         st->train_loss, st->train_accuracy,
                                     st->test_accuracy, st->test_loss,  st->kl,
                                     st->kept,          st->kept_units};
            memcpy(h + (size_t)e * HIST_COLS, row, sizeof row);
        }
        uint64_t dims[2] = {(uint64_t)m->nhist, HIST_COLS};
        TRY(gmdl__ckpt_tensor(w, "history", GMDL_DT_F64, 2, dims, h));
        gmdl__free(h);
    }
#undef TRY
    if (s) {
        gmdl__ckpt_writer_destroy(w);
        return gmdl__fail(err, s, "%s: cannot build the model file: %s", path, gmdl_status_str(s));
    }
    s = gmdl__ckpt_write(w, path, MODEL_MAGIC, MODEL_MAJOR, MODEL_MINOR, err);
    gmdl__ckpt_writer_destroy(w);
    return s;
}

static gmdl_status
need_u64(const gmdl__ckpt *c, const char *key, uint64_t max, uint64_t *v, gmdl_err *err) {
    if (!gmdl__ckpt_get_u64(c, key, v))
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: missing metadata '%s'", gmdl__ckpt_path(c), key);
    if (*v > max)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: metadata '%s' = %llu is out of range",
                          gmdl__ckpt_path(c), key, (unsigned long long)*v);
    return GMDL_OK;
}

static gmdl_status need_f64(const gmdl__ckpt *c, const char *key, double *v, gmdl_err *err) {
    if (!gmdl__ckpt_get_f64(c, key, v))
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: missing metadata '%s'", gmdl__ckpt_path(c), key);
    return GMDL_OK;
}

static gmdl_status
need_str(const gmdl__ckpt *c, const char *key, char *dst, size_t n, gmdl_err *err) {
    const char *v = gmdl__ckpt_get_str(c, key);
    if (!v)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: missing metadata '%s'", gmdl__ckpt_path(c), key);
    if (strlen(v) >= n)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: metadata '%s' is too long", gmdl__ckpt_path(c),
                          key);
    snprintf(dst, n, "%s", v);
    return GMDL_OK;
}

/* Copies tensor NAME into dst after checking type and shape. */
static gmdl_status load_tensor(const gmdl__ckpt *c,
                               const char *name,
                               int ndim,
                               const uint64_t *dims,
                               float *dst,
                               gmdl_err *err) {
    const gmdl__ckpt_tensor_info *t = gmdl__ckpt_find(c, name);
    if (!t)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: tensor '%s' is missing", gmdl__ckpt_path(c),
                          name);
    int same = t->dtype == GMDL_DT_F32 && t->ndim == ndim;
    for (int d = 0; same && d < ndim; d++)
        same = t->dims[d] == dims[d];
    if (!same)
        return gmdl__fail(err, GMDL_ESHAPE,
                          "%s: tensor '%s' has the wrong type or shape for the architecture",
                          gmdl__ckpt_path(c), name);
    memcpy(dst, t->data, t->nbytes);
    return GMDL_OK;
}

/* train.sws_harden into cfg, its fractions in *buf (the caller frees it). */
static gmdl_status read_harden(
    const gmdl__ckpt *c, const char *path, gmdl_train_config *cfg, double **buf, gmdl_err *err) {
    const char *h = gmdl__ckpt_get_str(c, "train.sws_harden");
    gmdl_err herr;
    size_t n = 0;
    *buf = NULL;
    cfg->sws.harden_n = 0; /* files written before the option: no hardening */
    cfg->sws.harden = NULL;
    if (!h)
        return GMDL_OK;
    gmdl_status s = gmdl_sws_harden_parse(NULL, 0, &n, h, &herr);
    if (!s) {
        *buf = gmdl__malloc((n ? n : 1) * sizeof(double));
        if (!*buf)
            return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        s = gmdl_sws_harden_parse(*buf, n, &n, h, &herr);
    }
    if (s) /* out of memory is not a bad file */
        return gmdl__fail(err, s == GMDL_ENOMEM ? s : GMDL_ECORRUPT, "%s: train.sws_harden: %s",
                          path, herr.msg);
    cfg->sws.harden = *buf;
    cfg->sws.harden_n = (int)n;
    return GMDL_OK;
}

/* Settings that files written before their options lack, with the values those runs had. */
static gmdl_status
read_optional(const gmdl__ckpt *c, const char *path, gmdl_train_config *cfg, gmdl_err *err) {
    if (!gmdl__ckpt_get_f64(c, "train.sws_tau", &cfg->sws.tau))
        cfg->sws.tau = 0.003; /* files written before the option: the tutorial's value */
    if (!gmdl__ckpt_get_f64(c, "train.sws_zero_sd", &cfg->sws.zero_sd))
        cfg->sws.zero_sd = 0.0; /* files written before the option learned it */
    uint64_t val = 0;           /* no validation split unless the file names one */
    if (gmdl__ckpt_get_u64(c, "train.val", &val) && val > INT32_MAX)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: metadata 'train.val' = %llu is out of range",
                          path, (unsigned long long)val);
    cfg->val = (int)val;
    return GMDL_OK;
}

gmdl_status gmdl_model_load(gmdl_model **out, const char *path, gmdl_err *err) {
    *out = NULL;
    if (gmdl__is_gmz(path))
        return gmdl__gmz_load(out, path, err);
    gmdl__ckpt *c;
    gmdl_status s = gmdl__ckpt_read(&c, path, MODEL_MAGIC, MODEL_MAJOR, err);
    if (s)
        return s;
    gmdl_train_config cfg = gmdl_train_config_default();
    uint64_t ic = 0, ih = 0, iw = 0, classes = 0, epochs = 0, batch = 0, seed = 0, epoch = 0,
             step = 0, st = 0, inc = 0;
    char kind[32], opt[16], sched[16];
    s = need_str(c, "model.kind", kind, sizeof kind, err);
    const int tabular = !s && strcmp(kind, "tabular-classifier") == 0;
    if (!s && !tabular && strcmp(kind, "classifier") != 0)
        s = gmdl__fail(err, GMDL_EUNSUPPORTED, "%s: model kind '%s' is not supported by this gmdl",
                       path, kind);
    if (!s)
        s = need_str(c, "model.arch", cfg.arch, sizeof cfg.arch, err);
    if (!s)
        s = need_str(c, "model.method", cfg.method, sizeof cfg.method, err);
    if (!s)
        s = need_str(c, "train.optimizer", opt, sizeof opt, err);
    if (!s)
        s = need_str(c, "train.lr_schedule", sched, sizeof sched, err);
    if (!s && (!gmdl_lr_schedule_parse(sched, &cfg.lr_schedule) || cfg.lr_schedule == GMDL_LR_AUTO))
        s = gmdl__fail(err, GMDL_ECORRUPT, "%s: unknown learning-rate schedule '%s'", path, sched);
    uint64_t kws = 0, kwe = 0;
    if (!s)
        s = need_u64(c, "train.kl_warmup_start", 1000000, &kws, err);
    if (!s)
        s = need_u64(c, "train.kl_warmup_epochs", 1000000, &kwe, err);
    cfg.kl_warmup_start = (int)kws;
    cfg.kl_warmup_epochs = (int)kwe;
    if (!s)
        s = need_u64(c, "model.input_c", 65535, &ic, err);
    if (!s)
        s = need_u64(c, "model.input_h", 65535, &ih, err);
    if (!s)
        s = need_u64(c, "model.input_w", 65535, &iw, err);
    if (!s)
        s = need_u64(c, "model.classes", 1u << 20, &classes, err);
    if (!s)
        s = need_u64(c, "train.epochs", 1000000, &epochs, err);
    if (!s)
        s = need_u64(c, "train.batch", 65536, &batch, err);
    if (!s)
        s = need_u64(c, "train.seed", UINT64_MAX, &seed, err);
    if (!s)
        s = need_u64(c, "train.epoch", 1000000, &epoch, err);
    if (!s)
        s = need_u64(c, "train.step", UINT64_MAX, &step, err);
    if (!s)
        s = need_u64(c, "rng.shuffle.state", UINT64_MAX, &st, err);
    if (!s)
        s = need_u64(c, "rng.shuffle.inc", UINT64_MAX, &inc, err);
    if (!s)
        s = need_f64(c, "train.lr", &cfg.lr, err);
    if (!s)
        s = need_f64(c, "train.momentum", &cfg.momentum, err);
    if (!s)
        s = need_f64(c, "train.beta1", &cfg.beta1, err);
    if (!s)
        s = need_f64(c, "train.beta2", &cfg.beta2, err);
    if (!s)
        s = need_f64(c, "train.eps", &cfg.adam_eps, err);
    if (!s)
        s = need_f64(c, "train.weight_decay", &cfg.weight_decay, err);
    if (!s)
        s = read_optional(c, path, &cfg, err);
    double *harden = NULL; /* the hardening stages, until the model has copied them */
    if (!s)
        s = read_harden(c, path, &cfg, &harden, err);
    if (s) {
        gmdl__ckpt_destroy(c);
        gmdl__free(harden);
        return s;
    }
    if (strcmp(opt, "adam") == 0)
        cfg.optimizer = GMDL_OPT_ADAM;
    else if (strcmp(opt, "sgd") == 0)
        cfg.optimizer = GMDL_OPT_SGD;
    else {
        gmdl__ckpt_destroy(c);
        gmdl__free(harden);
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: unknown optimizer '%s'", path, opt);
    }
    cfg.epochs = (int)epochs;
    cfg.batch = (int)batch;
    cfg.seed = seed;
    gmdl_model *m;
    gmdl_err sub;
    s = gmdl_model_create(&m, &cfg, (int)ic, (int)ih, (int)iw, (int)classes, &sub);
    gmdl__free(harden);
    if (s) {
        gmdl__ckpt_destroy(c);
        if (s == GMDL_ENOMEM)
            return gmdl__fail(err, s, "%s: %s", path, sub.msg);
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: invalid model description: %s", path, sub.msg);
    }
    char name[80];
    for (int i = 0; i < m->nlayers && !s; i++)
        for (int j = 0; j < m->layers[i].nparams && !s; j++) {
            const gmdl__param *p = &m->layers[i].param[j];
            s = load_tensor(c, p->name, p->ndim, p->dims, p->p, err);
            snprintf(name, sizeof name, "%s.m1", p->name);
            if (!s)
                s = load_tensor(c, name, p->ndim, p->dims, m->m1 + p->offset, err);
            snprintf(name, sizeof name, "%s.m2", p->name);
            if (!s)
                s = load_tensor(c, name, p->ndim, p->dims, m->m2 + p->offset, err);
        }
    const gmdl__ckpt_tensor_info *h = gmdl__ckpt_find(c, "history");
    if (!s && epoch > 0) {
        if (!h || h->dtype != GMDL_DT_F64 || h->ndim != 2 || h->dims[0] != epoch ||
            (h->dims[1] != HIST_COLS && h->dims[1] != HIST_COLS - 1))
            s = gmdl__fail(err, GMDL_ECORRUPT, "%s: the history does not match %llu epochs", path,
                           (unsigned long long)epoch);
        for (uint64_t e = 0; !s && e < epoch; e++) {
            double row[HIST_COLS] = {0, 0, 0, 0, 0, 0, 0, NAN};
            size_t nc = (size_t)h->dims[1];
            memcpy(row, (const double *)h->data + e * nc, nc * sizeof(double));
            gmdl_epoch_stats es = {(int)row[0], row[1], row[2], row[3],
                                   row[4],      row[5], row[6], row[7]};
            if (gmdl__model_push_history(m, &es))
                s = gmdl__fail(err, GMDL_ENOMEM, "out of memory");
        }
    }
    if (!s && (inc & 1u) == 0)
        s = gmdl__fail(err, GMDL_ECORRUPT, "%s: invalid random number generator state", path);
    if (!s && tabular)
        s = load_tabular(m, c, err);
    gmdl__ckpt_destroy(c);
    if (s) {
        gmdl_model_destroy(m);
        return s;
    }
    m->epoch = (int)epoch;
    m->step = step;
    m->shuffle_rng.state = st;
    m->shuffle_rng.inc = inc;
    m->shuffle_rng.has_spare = 0;
    *out = m;
    return GMDL_OK;
}
