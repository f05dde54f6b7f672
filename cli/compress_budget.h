/* gmdl compress to an error budget (compress_budget.c). */
#ifndef GMDL_CLI_COMPRESS_BUDGET_H
#define GMDL_CLI_COMPRESS_BUDGET_H

#include "cli.h"

typedef struct compress_budget {
    int active;   /* a search ran */
    size_t val_n; /* images of the validation split */
    gmdl_budget_config cfg;
    gmdl_budget_result res;
} compress_budget;

/* Re-creates m's validation split from DATA's training set, runs the search and points cc's
 * layer thresholds and bits at its choice (borrowed from b). 0, or the exit code with the
 * message printed (2 for a model trained without --val). */
int compress_budget_run(compress_budget *b,
                        gmdl_model *m,
                        const char *in,
                        const char *data,
                        const gmdl_budget_config *bc,
                        gmdl_compress_config *cc);
void compress_budget_fini(compress_budget *b);
/* The "budget" object of compress --json. */
void compress_budget_json(json_w *j, const compress_budget *b);
/* The budget's lines of the text report. */
void compress_budget_text(const compress_budget *b);
/* --pareto PATH: .png draws error against the three rates, .json the points as JSON, anything
 * else CSV (one row per accepted point), written atomically. 0 or the exit code. */
int compress_budget_pareto(const compress_budget *b, const char *path);

#endif
