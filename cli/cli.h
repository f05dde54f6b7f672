/* Shared declarations of the gmdl command-line tool. Only the CLI prints to stdout, reads the
 * environment and chooses the exit code: 0 success, 1 runtime failure, 2 bad usage or bad input. */
#ifndef GMDL_CLI_H
#define GMDL_CLI_H

#include "gmdl/gmdl.h"
#include "json.h"
#include "opts.h"

/* Each command: argv[0] is the first argument after the command name. Returns the exit code. */
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_ood(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_biasvar(int argc, char **argv);
int cmd_regress(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_compress(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_model(int argc, char **argv); /* gmdl model new (cmd_model.c) */
int cmd_bn(int argc, char **argv);
int cmd_mrf(int argc, char **argv);
int cmd_bn_learn(int argc, char **argv);     /* gmdl bn learn (cmd_bn_learn.c) */
int cmd_bn_structure(int argc, char **argv); /* gmdl bn structure (cmd_bn_structure.c) */
int cmd_bn_score(int argc, char **argv);     /* gmdl bn score (cmd_bn_structure.c) */
int cmd_em(int argc, char **argv);
/* The PNGs of gmdl em (em_plot.c); exit code. */
int cli_em_plot_gmm(const char *path, const gmdl_gmm *g, const double *x, char **names);
int cli_em_plot_means(const char *path, const gmdl_bmm *b, int h, int w);
int cmd_cox(int argc, char **argv);
int cmd_km(int argc, char **argv);
int cmd_vae(int argc, char **argv);
int cmd_ssvae(int argc, char **argv);

/* Prints "gmdl CMD: MESSAGE" (or the status text when err is empty) and returns the exit code
 * for the status (2 for bad input, 1 otherwise). */
/* The whole command line tool: dispatch argv[1] to its command; the exit status. */
int cli_main(int argc, char **argv);
int cli_fail(const char *cmd, gmdl_status s, const gmdl_err *err);
/* Sets the OpenMP thread count (0 = all cores) and returns the count in effect. */
int cli_threads(long long requested);
/* Wall clock in seconds. */
double cli_now(void);
/* 1 when stderr is a terminal (progress lines refresh in place). */
int cli_stderr_tty(void);
/* 1 when s ends with suffix (a file's kind by its extension). */
int cli_ends_with(const char *s, const char *suffix);

/* Default data folder (Debian package dataset-fashion-mnist). */
#define GMDL_DEFAULT_DATA "/usr/share/datasets/fashion-mnist"

#endif
