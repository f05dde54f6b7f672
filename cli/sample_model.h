/* User models for gmdl sample --model-lib: loading a plugin (gmdl/infer.h, "user models") and
 * building its target. */
#ifndef GMDL_CLI_SAMPLE_MODEL_H
#define GMDL_CLI_SAMPLE_MODEL_H

#include "gmdl/infer.h"

/* A loaded plugin; all zero when closed. */
typedef struct sample_plugin {
    void *dl;                     /* dlopen handle */
    void *state;                  /* the plugin's state, from its create */
    void (*destroy)(void *state); /* set once create succeeded */
    int abi;                      /* GMDL_USER_MODEL_ABI or the deprecated 1 */
    gmdl_target target;           /* the model, valid until sample_plugin_close */
} sample_plugin;

/* Loads the shared library LIB (a name without '/' means ./LIB, not the system library path),
 * checks its ABI and builds its target with ARG (the text of --model-arg, or NULL) and DATA (the
 * path of --data, Stan-format JSON read through gmdl_data_json_open, or NULL: a model without
 * create_data refuses it). An ABI-1
 * plugin loads with a deprecation note on stderr. Returns 0, or the exit code after printing
 * "gmdl sample: ..." on stderr; call sample_plugin_close on p either way. p: zeroed by the
 * caller. */
int sample_plugin_open(sample_plugin *p, const char *lib, const char *arg, const char *data);
/* Destroys the plugin's model and unloads it; accepts a zeroed or failed p. */
void sample_plugin_close(sample_plugin *p);

#endif
