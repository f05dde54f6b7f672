/* Fuzz target: the command-line parser (cli/opts.c) on an option table with every kind of
 * option. The input is split at NUL bytes into arguments (at most 32). */
#include <string.h>

#include "fuzz.h"
#include "opts.h"

static const cli_opt opts[] = {
    {"epochs", 0, OPT_INT, "N", "10", "epochs", 1, 100000, 0},
    {"lr", 0, OPT_DOUBLE, "LR", "0.001", "learning rate", 1e-12, 1000, 0},
    {"out", 'o', OPT_STRING, "FILE", NULL, "output", 0, -1, 0},
    {"n", 'n', OPT_INT, "N", "1", "count", 1, 1e15, 0},
    {"force", 0, OPT_FLAG, NULL, NULL, "overwrite", 0, -1, 0},
    {"tol", 0, OPT_DOUBLE, "T", "1e-6", "tolerance", 0, 1, 0},
    {"hook", 0, OPT_INT, "N", NULL, "testing hook", 0, 1e9, 1},
};
static const cli_cmd cmd = {"fuzz", "gmdl fuzz [options] [FILE...]", "The parser under fuzzing.",
                            opts,   sizeof opts / sizeof opts[0],    0,
                            3};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char buf[4096];
    if (size >= sizeof buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    char *argv[33];
    int argc = 0;
    for (size_t i = 0; i <= size && argc < 32;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    cli_val vals[sizeof opts / sizeof opts[0]];
    const char *pos[3];
    int npos = 0;
    (void)cli_parse(&cmd, argc, argv, vals, pos, &npos);
    return 0;
}
