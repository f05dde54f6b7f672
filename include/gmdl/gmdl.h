/* gmdl: graphical models and deep learning in C. Including this header includes the whole
 * public API. See README.md and docs/ for the overview. */
#ifndef GMDL_H
#define GMDL_H

#include "gmdl/bayes.h"
#include "gmdl/core.h"
#include "gmdl/diag.h"
#include "gmdl/infer.h"
#include "gmdl/plot.h"
#include "gmdl/io.h"
#include "gmdl/nn.h"
#include "gmdl/pgm.h"
#include "gmdl/rng.h"
#include "gmdl/services.h"

#endif
