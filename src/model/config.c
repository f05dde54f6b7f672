/* The training configuration: defaults, learning-rate schedule names, the sws hardening text
 * form, and whether a saved run may be resumed with a given configuration. Range checks are
 * gmdl_train_config_check (model.c, with the architecture parser) and the method rows' own
 * (method.c). */
#include "model/method.h"

gmdl_train_config gmdl_train_config_default(void) {
    gmdl_train_config c;
    memset(&c, 0, sizeof c);
    snprintf(c.arch, sizeof c.arch, "lenet300");
    snprintf(c.method, sizeof c.method, "dense");
    c.epochs = 10;
    c.batch = 100;
    c.lr = 1e-3;
    c.lr_schedule = GMDL_LR_AUTO;
    c.kl_warmup_start = 5;
    c.kl_warmup_epochs = 15;
    c.optimizer = GMDL_OPT_ADAM;
    c.momentum = 0.9;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.adam_eps = 1e-8;
    c.weight_decay = 0.0;
    c.sws.tau = 0.5;
    c.sws.zero_sd = 0.005;
    static const double harden[] = {0.5, 0.75, 0.9, 0.97, 0.99, 1.0};
    c.sws.harden_n = (int)(sizeof harden / sizeof harden[0]);
    c.sws.harden = harden;
    c.seed = 1;
    c.val = 0;
    return c;
}

static const char *const schedule_names[] = {"auto", "constant", "cosine", "linear",
                                             "constant-linear"};

const char *gmdl_lr_schedule_name(gmdl_lr_schedule s) {
    int i = (int)s + 1;
    return i >= 0 && i < 5 ? schedule_names[i] : "unknown";
}

int gmdl_lr_schedule_parse(const char *name, gmdl_lr_schedule *out) {
    for (int i = 0; i < 5; i++)
        if (strcmp(name, schedule_names[i]) == 0) {
            *out = (gmdl_lr_schedule)(i - 1);
            return 1;
        }
    return 0;
}

/* Reads the fractions of text into f[n] (counted in *n; f has room for every one). */
static gmdl_status harden_read(double *f, int *n, const char *text, gmdl_err *err) {
    *n = 0;
    if (strcmp(text, "none") != 0) {
        const char *p = text;
        for (;;) {
            char *end;
            double v = strtod(p, &end);
            if (end == p || (*end != ',' && *end != 0))
                return gmdl__fail(err, GMDL_EINVAL,
                                  "sws hardening \"%s\": expected fractions separated by commas "
                                  "(like 0.5,0.75,1) or none, at character %d",
                                  text, (int)(end - text) + 1);
            f[(*n)++] = v;
            if (*end == 0)
                break;
            p = end + 1;
        }
    }
    return gmdl__sws_harden_check(f, *n, err);
}

gmdl_status
gmdl_sws_harden_parse(double *harden, size_t cap, size_t *n, const char *text, gmdl_err *err) {
    if (!n || !text || (cap && !harden))
        return gmdl__fail(err, GMDL_EINVAL, "sws hardening: NULL argument");
    size_t most = 1; /* stages are separated by commas */
    for (const char *p = text; *p; p++)
        most += *p == ',';
    if (most > INT_MAX / 2)
        return gmdl__fail(err, GMDL_EINVAL, "sws hardening: too many stages");
    double *f = gmdl__malloc(most * sizeof(double));
    if (!f)
        return gmdl__fail(err, GMDL_ENOMEM, "out of memory");
    int k = 0;
    gmdl_status s = harden_read(f, &k, text, err);
    if (!s) {
        *n = (size_t)k;
        if (harden && cap)
            memcpy(harden, f, ((size_t)k < cap ? (size_t)k : cap) * sizeof(double));
    }
    gmdl__free(f);
    return s;
}

size_t gmdl_sws_harden_format(char *buf, size_t size, const gmdl_train_config *cfg) {
    size_t used = 0;
    if (size)
        buf[0] = 0;
    if (cfg->sws.harden_n <= 0 || !cfg->sws.harden)
        return (size_t)snprintf(buf, size, "none");
    for (int k = 0; k < cfg->sws.harden_n; k++) {
        int w = snprintf(used < size ? buf + used : NULL, used < size ? size - used : 0, "%s%.17g",
                         k ? "," : "", cfg->sws.harden[k]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return used;
}

/* ---------------------------------------------------------------- resume compatibility */
static int arch_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    return strcmp(a->arch, b->arch) != 0;
}
static int method_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    return strcmp(a->method, b->method) != 0;
}
static int batch_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    return a->batch != b->batch;
}
static int lr_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    return a->lr != b->lr;
}
static int seed_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    return a->seed != b->seed;
}
static int val_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    return a->val != b->val;
}
static int optimizer_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    return a->optimizer != b->optimizer;
}
/* auto is what the saved run resolved it to, whatever that was */
static int schedule_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    return b->lr_schedule != GMDL_LR_AUTO && a->lr_schedule != b->lr_schedule;
}
static int warmup_start_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    return a->kl_warmup_start != b->kl_warmup_start;
}
static int warmup_epochs_differs(const gmdl_train_config *a, const gmdl_train_config *b) {
    return a->kl_warmup_epochs != b->kl_warmup_epochs;
}

/* The settings every method shares that a resumed run must keep; epochs may change (a longer
 * run), as may everything outside the config (threads, data). */
static const gmdl__config_key common_keys[] = {
    {"arch", arch_differs},
    {"method", method_differs},
    {"batch", batch_differs},
    {"lr", lr_differs},
    {"seed", seed_differs},
    {"val", val_differs},
    {"optimizer", optimizer_differs},
    {"lr-schedule", schedule_differs},
    {"kl-warmup-start", warmup_start_differs},
    {"kl-warmup-epochs", warmup_epochs_differs},
    {NULL, NULL},
};

static const gmdl__config_key *find_key(const gmdl__config_key *k, const char *name) {
    for (; k && k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

gmdl_status gmdl_train_config_compatible(const gmdl_train_config *saved,
                                         const gmdl_train_config *given,
                                         const char *const *keys,
                                         size_t nkeys,
                                         gmdl_err *err) {
    for (size_t i = 0; i < nkeys; i++) {
        const gmdl__config_key *k = find_key(common_keys, keys[i]);
        for (int r = 0; !k && gmdl__method_at(r); r++)
            k = find_key(gmdl__method_at(r)->keys, keys[i]);
        if (k && k->differs(saved, given))
            return gmdl__fail(err, GMDL_EINVAL, "%s differs from the run being resumed", keys[i]);
    }
    return GMDL_OK;
}
