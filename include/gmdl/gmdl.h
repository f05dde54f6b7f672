/* gmdl: graphical models and deep learning in C. Including this header includes the whole
 * public API. See README.md and docs/ for the overview.
 * Threads: each header says what may run concurrently. In short: no global state but the
 * allocator and log hooks; a handle (model, Bayes net, MRF, figure) may be read by several threads
 * at once where its header says so, and is changed by one thread at a time. */
#ifndef GMDL_H
#define GMDL_H

#include "gmdl/bayes.h"
#include "gmdl/core.h"
#include "gmdl/diag.h"
#include "gmdl/em.h"
#include "gmdl/export.h"
#include "gmdl/infer.h"
#include "gmdl/io.h"
#include "gmdl/model.h"
#include "gmdl/nn.h"
#include "gmdl/pgm.h"
#include "gmdl/plot.h"
#include "gmdl/rng.h"
#include "gmdl/services.h"
#include "gmdl/survival.h"
#include "gmdl/uq.h"
#include "gmdl/vae.h"

#endif
