/* Loading user models for gmdl sample --model-lib (the plugin ABI is in gmdl/infer.h).
 *
 * ABI 2: the library exports gmdl_user_model_v2, returning a versioned struct of function
 * pointers. ABI 1 (deprecated): gmdl_model_abi, gmdl_model_create and gmdl_model_destroy, compiled
 * against gmdl 0.1's gmdl_target layout and status codes. ABI-1 plugins keep loading, with a
 * one-line note on stderr, until libgmdl's SOVERSION 1; their target is read through a copy of
 * the 0.1 layout (v1_target below), so gmdl_target may grow without breaking them. Not done
 * here: choosing a model by name inside a library (one model per file). */
#include "sample_model.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* ---------------------------------------------------------------- ABI 1, frozen */
/* gmdl 0.1's gmdl_target, as ABI-1 plugins were compiled. */
typedef struct v1_target {
    size_t dim;
    gmdl_logp_fn logp;
    const char *const *names;
    const gmdl_transform *transforms;
    size_t n_data;
    gmdl_grad_batch_fn grad_batch;
    size_t n_out;
    const char *const *out_names;
    gmdl_generate_fn generate;
    void *user;
} v1_target;
_Static_assert(offsetof(gmdl_target, user) == offsetof(v1_target, user) &&
                   sizeof(v1_target) <= sizeof(gmdl_target),
               "gmdl_target grows only at its end: 0.1's fields keep their places");

/* What an ABI-1 plugin's callbacks return and write is gmdl 0.1's: these values must not change
 * while ABI 1 loads. A failure here means a translation layer is needed before SOVERSION 1. */
_Static_assert(GMDL_OK == 0 && GMDL_ENOMEM == 1 && GMDL_EINVAL == 2 && GMDL_ESHAPE == 3 &&
                   GMDL_EMISUSE == 4 && GMDL_EIO == 5 && GMDL_ENOENT == 6 && GMDL_ENOTOURS == 7 &&
                   GMDL_EVERSION == 8 && GMDL_ECORRUPT == 9 && GMDL_ECHECKSUM == 10 &&
                   GMDL_EPARSE == 11 && GMDL_ENUMERIC == 12 && GMDL_ENOCONV == 13 &&
                   GMDL_ELIMIT == 14 && GMDL_EUNSUPPORTED == 15 && GMDL_EINTR == 16,
               "ABI-1 user models return gmdl 0.1's status codes");
_Static_assert(sizeof(gmdl_err) == 1024, "ABI-1 user models write a 1024-byte gmdl_err");
_Static_assert(GMDL_TF_NONE == 0 && GMDL_TF_LOWER == 1 && GMDL_TF_UPPER == 2 &&
                   GMDL_TF_INTERVAL == 3 && sizeof(gmdl_transform) == 24 &&
                   offsetof(gmdl_transform, lo) == 8 && offsetof(gmdl_transform, hi) == 16,
               "ABI-1 user models fill gmdl 0.1's gmdl_transform");

static void target_from_v1(gmdl_target *t, const v1_target *o) {
    memset(t, 0, sizeof *t);
    t->dim = o->dim;
    t->logp = o->logp;
    t->names = o->names;
    t->transforms = o->transforms;
    t->n_data = o->n_data;
    t->grad_batch = o->grad_batch;
    t->n_out = o->n_out;
    t->out_names = o->out_names;
    t->generate = o->generate;
    t->user = o->user;
}

/* Binds the ABI-1 functions; 0 or the exit code. */
static int
open_v1(sample_plugin *p, const char *lib, const char *arg, gmdl_err *err, gmdl_status *s) {
    gmdl_model_abi_fn abi;
    gmdl_model_create_fn create;
    gmdl_model_destroy_fn destroy;
    *(void **)&abi = dlsym(p->dl, "gmdl_model_abi");
    *(void **)&create = dlsym(p->dl, "gmdl_model_create");
    *(void **)&destroy = dlsym(p->dl, "gmdl_model_destroy");
    if (!create || !destroy) {
        fprintf(stderr,
                "gmdl sample: --model-lib %s: missing symbol %s (an ABI-1 user model exports "
                "gmdl_model_abi, gmdl_model_create and gmdl_model_destroy; see gmdl/infer.h)\n",
                lib, !create ? "gmdl_model_create" : "gmdl_model_destroy");
        return 2;
    }
    if (abi() != GMDL_MODEL_ABI) {
        fprintf(stderr, "gmdl sample: --model-lib %s: model ABI %d, this gmdl reads ABI %d and 1\n",
                lib, abi(), GMDL_USER_MODEL_ABI);
        return 2;
    }
    /* room for either layout: a plugin built against 0.1 writes a v1_target, one whose source
     * declares ABI 1 but was compiled against a newer header the larger gmdl_target; only the
     * 0.1 fields are read */
    union {
        v1_target v1;
        gmdl_target now;
    } o;
    memset(&o, 0, sizeof o);
    p->abi = 1;
    *s = create(arg, &o.now, &p->state, err);
    if (*s == GMDL_OK) {
        p->destroy = destroy;
        target_from_v1(&p->target, &o.v1);
    }
    return 0;
}

/* ---------------------------------------------------------------- ABI 2 */
/* Checks the plugin's struct; 0 or the exit code. */
static int check_v2(const gmdl_user_model *m, const char *lib) {
    const size_t need = offsetof(gmdl_user_model, destroy) + sizeof m->destroy;
    const char *why = NULL;
    char buf[128];
    if (!m)
        why = "gmdl_user_model_v2() returned NULL";
    else if (m->abi != GMDL_USER_MODEL_ABI) {
        snprintf(buf, sizeof buf, "model ABI %u, this gmdl reads ABI %d and 1", (unsigned)m->abi,
                 GMDL_USER_MODEL_ABI);
        why = buf;
    } else if (m->size < need) {
        snprintf(buf, sizeof buf, "the model struct has %u bytes, ABI %d needs %zu",
                 (unsigned)m->size, GMDL_USER_MODEL_ABI, need);
        why = buf;
    } else if (!m->create || !m->destroy)
        why = "the model struct lacks create or destroy";
    if (!why)
        return 0;
    fprintf(stderr, "gmdl sample: --model-lib %s: %s (see gmdl/infer.h)\n", lib, why);
    return 2;
}

/* ABI 2: create, or create_data with the opened --data when the model has it. */
static gmdl_status create_v2(
    sample_plugin *p, const gmdl_user_model *m, const char *arg, const char *data, gmdl_err *err) {
    const size_t need = offsetof(gmdl_user_model, create_data) + sizeof m->create_data;
    gmdl_status (*cd)(gmdl_target *, void **, const char *, const gmdl_data *, gmdl_err *) =
        m->size >= need ? m->create_data : NULL;
    if (!cd) {
        if (data) {
            snprintf(err->msg, sizeof err->msg,
                     "this model reads no --data (it has no create_data; see gmdl/infer.h); "
                     "pass its input with --model-arg");
            return GMDL_EINVAL;
        }
        return m->create(&p->target, &p->state, arg, err);
    }
    gmdl_data *dd = NULL;
    gmdl_status s = data ? gmdl_data_json_open(&dd, data, err) : GMDL_OK;
    if (s == GMDL_OK)
        s = cd(&p->target, &p->state, arg, dd, err);
    gmdl_data_close(dd);
    return s;
}

int sample_plugin_open(sample_plugin *p, const char *lib, const char *arg, const char *data) {
    /* A bare name means the current folder, not the system library path. */
    char path[4096];
    snprintf(path, sizeof path, "%s%s", strchr(lib, '/') ? "" : "./", lib);
    p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!p->dl) {
        fprintf(stderr, "gmdl sample: --model-lib %s: cannot load: %s\n", lib, dlerror());
        return 2;
    }
    gmdl_err err = {{0}};
    gmdl_status s = GMDL_OK;
    gmdl_user_model_fn entry;
    *(void **)&entry = dlsym(p->dl, GMDL_USER_MODEL_SYMBOL);
    if (entry) {
        const gmdl_user_model *m = entry();
        int rc = check_v2(m, lib);
        if (rc)
            return rc;
        p->abi = GMDL_USER_MODEL_ABI;
        s = create_v2(p, m, arg, data, &err);
        if (s == GMDL_OK)
            p->destroy = m->destroy;
    } else if (data) {
        fprintf(stderr, "gmdl sample: --model-lib %s: an ABI-1 model takes no --data\n", lib);
        return 2;
    } else if (dlsym(p->dl, "gmdl_model_abi")) {
        int rc = open_v1(p, lib, arg, &err, &s);
        if (rc)
            return rc;
    } else {
        fprintf(stderr,
                "gmdl sample: --model-lib %s: missing symbol " GMDL_USER_MODEL_SYMBOL
                " (a user model exports it; see gmdl/infer.h and examples/models)\n",
                lib);
        return 2;
    }
    if (s == GMDL_OK)
        s = gmdl_target_check(&p->target, &err);
    if (s != GMDL_OK)
        return cli_fail("sample", s, &err); /* one line, as every error */
    if (p->abi == 1)
        cli_note("gmdl sample: note: --model-lib %s uses the deprecated user-model ABI 1 "
                 "(gmdl_model_create), which loads until libgmdl SOVERSION 1; rebuild it for ABI 2 "
                 "(gmdl_user_model_v2, see gmdl/infer.h)\n",
                 lib);
    return 0;
}

void sample_plugin_close(sample_plugin *p) {
    if (p->destroy)
        p->destroy(p->state);
    if (p->dl)
        dlclose(p->dl);
    memset(p, 0, sizeof *p);
}
