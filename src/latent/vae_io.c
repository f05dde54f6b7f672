/* VAE files: the checksummed container of io/ckpt.h (docs/FORMAT.md) with magic
 * "\x89GVA\r\n\x1a\n", metadata kind = "vae", the sizes, optimiser settings, binarisation, seed,
 * step and epoch, and three f32 tensors over the flat store: "params", "adam.m", "adam.v". The
 * file holds no timings, so a resumed run writes the same bytes as the uninterrupted one. */
#include "io/ckpt.h"
#include "latent/latent_internal.h"

static const char VAE_MAGIC[8] = {'\x89', 'G', 'V', 'A', '\r', '\n', '\x1a', '\n'};
#define VAE_MAJOR 1
#define VAE_MINOR 0

static gmdl_status put_meta(gmdl__ckpt_writer *w, const gmdl_vae *v) {
    const gmdl_vae_config *c = &v->cfg;
    gmdl_status s = gmdl__ckpt_meta_str(w, "kind", "vae");
    s = s ? s : gmdl__ckpt_meta_i64(w, "input", c->input);
    s = s ? s : gmdl__ckpt_meta_i64(w, "hidden", c->hidden);
    s = s ? s : gmdl__ckpt_meta_i64(w, "latent", c->latent);
    s = s ? s : gmdl__ckpt_meta_i64(w, "batch", c->batch);
    s = s ? s : gmdl__ckpt_meta_f64(w, "lr", c->lr);
    s = s ? s : gmdl__ckpt_meta_f64(w, "beta1", c->beta1);
    s = s ? s : gmdl__ckpt_meta_f64(w, "beta2", c->beta2);
    s = s ? s : gmdl__ckpt_meta_f64(w, "adam_eps", c->adam_eps);
    s = s ? s : gmdl__ckpt_meta_str(w, "binarize", c->binarize ? "dynamic" : "fixed");
    s = s ? s : gmdl__ckpt_meta_u64(w, "seed", c->seed);
    s = s ? s : gmdl__ckpt_meta_u64(w, "step", v->step);
    s = s ? s : gmdl__ckpt_meta_i64(w, "epoch", v->epoch);
    return s;
}

gmdl_status gmdl_vae_save(const gmdl_vae *v, const char *path, gmdl_err *err) {
    gmdl__ckpt_writer *w = gmdl__ckpt_writer_create();
    if (!w)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    uint64_t dims[1] = {v->nstore};
    gmdl_status s = put_meta(w, v);
    s = s ? s : gmdl__ckpt_tensor(w, "params", GMDL_DT_F32, 1, dims, v->p);
    s = s ? s : gmdl__ckpt_tensor(w, "adam.m", GMDL_DT_F32, 1, dims, v->m1);
    s = s ? s : gmdl__ckpt_tensor(w, "adam.v", GMDL_DT_F32, 1, dims, v->m2);
    if (s) {
        gmdl__ckpt_writer_destroy(w);
        return gmdl__fail(err, s, "%s: cannot build the VAE file: %s", path, gmdl_status_str(s));
    }
    s = gmdl__ckpt_write(w, path, VAE_MAGIC, VAE_MAJOR, VAE_MINOR, err);
    gmdl__ckpt_writer_destroy(w);
    return s;
}

static gmdl_status read_config(const gmdl__ckpt *c, gmdl_vae_config *cfg, gmdl_err *err) {
    const char *path = gmdl__ckpt_path(c), *kind = gmdl__ckpt_get_str(c, "kind"),
               *bin = gmdl__ckpt_get_str(c, "binarize");
    int64_t in, hid, lat, bat;
    if (!kind || strcmp(kind, "vae") != 0 || !bin || !gmdl__ckpt_get_i64(c, "input", &in) ||
        !gmdl__ckpt_get_i64(c, "hidden", &hid) || !gmdl__ckpt_get_i64(c, "latent", &lat) ||
        !gmdl__ckpt_get_i64(c, "batch", &bat) || !gmdl__ckpt_get_f64(c, "lr", &cfg->lr) ||
        !gmdl__ckpt_get_f64(c, "beta1", &cfg->beta1) ||
        !gmdl__ckpt_get_f64(c, "beta2", &cfg->beta2) ||
        !gmdl__ckpt_get_f64(c, "adam_eps", &cfg->adam_eps) ||
        !gmdl__ckpt_get_u64(c, "seed", &cfg->seed))
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: VAE metadata missing or of the wrong type",
                          path);
    if (in < 1 || in > (1 << 20) || hid < 1 || hid > (1 << 16) || lat < 1 || lat > 4096 ||
        bat < 1 || bat > 65536 || (strcmp(bin, "fixed") != 0 && strcmp(bin, "dynamic") != 0))
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: VAE sizes out of range", path);
    cfg->input = (int)in;
    cfg->hidden = (int)hid;
    cfg->latent = (int)lat;
    cfg->batch = (int)bat;
    cfg->binarize = strcmp(bin, "dynamic") == 0 ? GMDL_BINARIZE_DYNAMIC : GMDL_BINARIZE_FIXED;
    return GMDL_OK;
}

static gmdl_status load_store(gmdl_vae *v, const gmdl__ckpt *c, gmdl_err *err) {
    const char *names[3] = {"params", "adam.m", "adam.v"};
    float *dst[3] = {v->p, v->m1, v->m2};
    for (int i = 0; i < 3; i++) {
        const gmdl__ckpt_tensor_info *t = gmdl__ckpt_find(c, names[i]);
        if (!t || t->dtype != GMDL_DT_F32 || t->count != v->nstore)
            return gmdl__fail(err, GMDL_ECORRUPT, "%s: tensor %s missing or not f32[%zu]",
                              gmdl__ckpt_path(c), names[i], v->nstore);
        memcpy(dst[i], t->data, v->nstore * sizeof(float));
    }
    uint64_t step;
    int64_t epoch;
    if (!gmdl__ckpt_get_u64(c, "step", &step) || !gmdl__ckpt_get_i64(c, "epoch", &epoch) ||
        epoch < 0 || epoch > INT32_MAX)
        return gmdl__fail(err, GMDL_ECORRUPT, "%s: step or epoch missing", gmdl__ckpt_path(c));
    v->step = step;
    v->epoch = (int)epoch;
    return GMDL_OK;
}

gmdl_status gmdl_vae_load(gmdl_vae **out, const char *path, gmdl_err *err) {
    *out = NULL;
    gmdl__ckpt *c;
    gmdl_status s = gmdl__ckpt_read(&c, path, VAE_MAGIC, VAE_MAJOR, err);
    if (s)
        return s;
    gmdl_vae_config cfg = gmdl_vae_config_default();
    gmdl_vae *v = NULL;
    s = read_config(c, &cfg, err);
    if (!s)
        s = gmdl_vae_create(&v, &cfg, err);
    if (!s)
        s = load_store(v, c, err);
    gmdl__ckpt_destroy(c);
    if (s) {
        gmdl_vae_destroy(v);
        return s;
    }
    *out = v;
    return GMDL_OK;
}
