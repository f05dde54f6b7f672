/* gmdl bn info|dsep|query|sample: Bayes nets from BIF files (see CLI.md, "Graphical models"). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_pgm_util.h"

int cli_pgm_parse_size(const char *text, size_t *out) {
    if (strcmp(text, "auto") == 0) {
        long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGE_SIZE);
        *out = pages > 0 && psize > 0 ? (size_t)pages * (size_t)psize / 2 : (size_t)4 << 30;
        return 0;
    }
    char *end;
    errno = 0;
    double x = strtod(text, &end);
    if (end == text || errno || !(x >= 0))
        return -1;
    double mul = 1.0;
    if (*end == 'K' || *end == 'k')
        mul = 1024.0;
    else if (*end == 'M' || *end == 'm')
        mul = 1048576.0;
    else if (*end == 'G' || *end == 'g')
        mul = 1073741824.0;
    else if (*end == 'T' || *end == 't')
        mul = 1099511627776.0;
    else if (*end != '\0')
        return -1;
    if (*end && end[1] != '\0' && !(end[1] == 'B' || end[1] == 'b'))
        return -1;
    if (*end && end[1] && end[2])
        return -1;
    double b = x * mul;
    if (b > 1.8e19)
        return -1;
    *out = (size_t)b;
    return 0;
}

static const char *BN_USAGE =
    "usage: gmdl bn SUBCOMMAND NET [options]\n\n"
    "Bayes nets in BIF (bnlearn repository dialect), XMLBIF, Hugin .net or .dsc files.\n\n"
    "subcommands:\n"
    "  info     nodes, states, parents, arcs and free parameters\n"
    "  dsep     d-separation of X and Y given Z (Bayes-ball), or the nodes reachable from X\n"
    "  query    posterior marginals P(targets | evidence): exact (junction tree), ve, lw,\n"
    "           rejection or gibbs; --all, --joint, --batch EVIDENCE.csv\n"
    "  map      most probable explanation (max-product), or MAP over --vars (sum-max)\n"
    "  convert  between BIF, XMLBIF, Hugin .net, .dsc (read) and those and UAI (write)\n"
    "  sample   ancestral samples as CSV (--missing P: cells left empty at random)\n"
    "  learn    CPTs from a CSV for the structure of NET.bif (EM when cells are missing)\n"
    "  structure  a DAG learned from a CSV (hill climbing or PC), its CPTs, SHD to a true net\n"
    "  score    BIC or BDeu log marginal likelihood of NET.bif's structure on complete data\n\n"
    "See 'gmdl bn SUBCOMMAND --help'.\n";

static int load(const char *cmd, const char *path, gmdl_bn **bn) {
    return cli_bn_load(cmd, path, bn);
}

/* Splits "A,B,C" into node indices; returns the count or -1 (message printed). */
static long parse_nodes(const char *cmd, const gmdl_bn *bn, const char *text, uint32_t *out) {
    long n = 0;
    if (!text || !*text)
        return 0;
    const char *p = text;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        char name[512];
        if (len == 0 || len >= sizeof name) {
            fprintf(stderr, "gmdl %s: bad node list '%s'\n", cmd, text);
            return -1;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        gmdl_err err = {{0}};
        uint32_t v;
        if (gmdl_bn_find(&v, bn, name, &err)) {
            fprintf(stderr, "gmdl %s: %s\n", cmd, err.msg);
            return -1;
        }
        int dup = 0;
        for (long i = 0; i < n; i++)
            dup |= out[i] == v;
        if (!dup)
            out[n++] = v;
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

/* ------------------------------------------------------------------ info */

/* bn info has only the common options (--json, --quiet). */
static const cli_cmd info_cmd = {"bn info",
                                 "gmdl bn info NET.bif [--json]",
                                 "Lists the nodes (states, parents), the arcs and the number of "
                                 "free parameters of a Bayes net.",
                                 NULL,
                                 0,
                                 1,
                                 1};

static int bn_info(int argc, char **argv) {
    cli_val vals[1];
    const char *pos[1];
    int npos, r = cli_parse(&info_cmd, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    gmdl_bn *bn;
    if ((r = load(info_cmd.name, pos[0], &bn)))
        return r;
    size_t V = gmdl_bn_nvars(bn);
    if (cli_json()) {
        json_w j;
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_str(&j, "file", pos[0]);
        json_int(&j, "n_nodes", (long long)V);
        json_int(&j, "n_arcs", (long long)gmdl_bn_narcs(bn));
        json_int(&j, "n_parameters", (long long)gmdl_bn_nparams(bn));
        json_arr_begin(&j, "nodes");
        for (size_t v = 0; v < V; v++) {
            json_obj_begin(&j, NULL);
            json_str(&j, "name", gmdl_bn_name(bn, v));
            json_arr_begin(&j, "states");
            for (uint32_t s = 0; s < gmdl_bn_card(bn, v); s++)
                json_str(&j, NULL, gmdl_bn_state_name(bn, v, s));
            json_arr_end(&j);
            json_arr_begin(&j, "parents");
            for (size_t k = 0; k < gmdl_bn_nparents(bn, v); k++)
                json_str(&j, NULL, gmdl_bn_name(bn, gmdl_bn_parents(bn, v)[k]));
            json_arr_end(&j);
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_arr_begin(&j, "edges");
        for (size_t v = 0; v < V; v++)
            for (size_t k = 0; k < gmdl_bn_nparents(bn, v); k++) {
                json_arr_begin(&j, NULL);
                json_str(&j, NULL, gmdl_bn_name(bn, gmdl_bn_parents(bn, v)[k]));
                json_str(&j, NULL, gmdl_bn_name(bn, v));
                json_arr_end(&j);
            }
        json_arr_end(&j);
        json_finish(&j);
    } else {
        printf("%s: %zu nodes, %zu arcs, %zu free parameters\n", pos[0], V, gmdl_bn_narcs(bn),
               gmdl_bn_nparams(bn));
        for (size_t v = 0; v < V; v++) {
            printf("  %s {", gmdl_bn_name(bn, v));
            for (uint32_t s = 0; s < gmdl_bn_card(bn, v); s++)
                printf("%s%s", s ? ", " : "", gmdl_bn_state_name(bn, v, s));
            printf("}");
            if (gmdl_bn_nparents(bn, v)) {
                printf(" <- ");
                for (size_t k = 0; k < gmdl_bn_nparents(bn, v); k++)
                    printf("%s%s", k ? ", " : "", gmdl_bn_name(bn, gmdl_bn_parents(bn, v)[k]));
            }
            printf("\n");
        }
    }
    gmdl_bn_destroy(bn);
    return 0;
}

/* ------------------------------------------------------------------ dsep */

static const cli_opt dsep_opts[] = {
    {"given", 0, OPT_STRING, "Z1,Z2,...", NULL, "observed nodes", 1, 0, 0},
    {"reachable", 0, OPT_FLAG, NULL, NULL,
     "list the nodes d-connected to X given the observed nodes (X and them excluded)", 1, 0, 0},
};
static const cli_cmd dsep_cmd = {
    "bn dsep",
    "gmdl bn dsep NET.bif X Y [--given Z1,Z2,...] [--json]\n"
    "       gmdl bn dsep NET.bif X --given Z1,... --reachable [--json]",
    "Tests whether X and Y are d-separated given Z by Bayes-ball (Shachter 1998). X and Y may "
    "be comma-separated sets of nodes.",
    dsep_opts,
    sizeof dsep_opts / sizeof dsep_opts[0],
    2,
    3};

static void json_nodes(json_w *j, const char *key, const gmdl_bn *bn, const uint32_t *x, long n) {
    json_arr_begin(j, key);
    for (long i = 0; i < n; i++)
        json_str(j, NULL, gmdl_bn_name(bn, x[i]));
    json_arr_end(j);
}

static void print_nodes(const gmdl_bn *bn, const uint32_t *x, long n) {
    printf("{");
    for (long i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "", gmdl_bn_name(bn, x[i]));
    printf("}");
}

static int bn_dsep(int argc, char **argv) {
    cli_val vals[sizeof dsep_opts / sizeof dsep_opts[0]];
    const char *pos[3];
    int npos, r = cli_parse(&dsep_cmd, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    int reach = (int)OPTV(&dsep_cmd, vals, "reachable")->i;
    if (!reach && npos != 3) {
        fprintf(stderr, "gmdl bn dsep: expected NET.bif X Y (or X --reachable)\nusage: %s\n",
                dsep_cmd.usage);
        return 2;
    }
    if (reach && npos != 2) {
        fprintf(stderr, "gmdl bn dsep: --reachable takes NET.bif X only\n");
        return 2;
    }
    gmdl_bn *bn;
    if ((r = load(dsep_cmd.name, pos[0], &bn)))
        return r;
    size_t V = gmdl_bn_nvars(bn);
    uint32_t *x = malloc(V * sizeof *x), *y = malloc(V * sizeof *y), *z = malloc(V * sizeof *z);
    uint8_t *rc = malloc(V);
    long nx = parse_nodes(dsep_cmd.name, bn, pos[1], x);
    long ny = reach ? 0 : parse_nodes(dsep_cmd.name, bn, pos[2], y);
    long nz = parse_nodes(dsep_cmd.name, bn, OPTV(&dsep_cmd, vals, "given")->s, z);
    int json = cli_json();
    gmdl_err err = {{0}};
    gmdl_status s = GMDL_OK;
    if (nx < 0 || ny < 0 || nz < 0)
        r = 2;
    else if (nx == 0 || (!reach && ny == 0)) {
        fprintf(stderr, "gmdl bn dsep: empty node set\n");
        r = 2;
    } else if (reach) {
        if ((s = gmdl_bn_reachable(rc, bn, (size_t)nx, x, (size_t)nz, z, &err)))
            r = cli_fail(dsep_cmd.name, s, &err);
        else {
            for (long i = 0; i < nx; i++)
                rc[x[i]] = 0;
            for (long i = 0; i < nz; i++)
                rc[z[i]] = 0;
            long n = 0;
            for (size_t v = 0; v < V; v++)
                if (rc[v])
                    y[n++] = (uint32_t)v;
            if (json) {
                json_w j;
                json_init(&j, stdout);
                json_obj_begin(&j, NULL);
                json_nodes(&j, "x", bn, x, nx);
                json_nodes(&j, "given", bn, z, nz);
                json_nodes(&j, "reachable", bn, y, n);
                json_finish(&j);
            } else {
                printf("reachable from ");
                print_nodes(bn, x, nx);
                printf(" given ");
                print_nodes(bn, z, nz);
                printf(": ");
                print_nodes(bn, y, n);
                printf("\n");
            }
        }
    } else {
        int sep = 0;
        if ((s = gmdl_bn_dsep(&sep, bn, (size_t)nx, x, (size_t)ny, y, (size_t)nz, z, &err)))
            r = cli_fail(dsep_cmd.name, s, &err);
        else if (json) {
            json_w j;
            json_init(&j, stdout);
            json_obj_begin(&j, NULL);
            json_nodes(&j, "x", bn, x, nx);
            json_nodes(&j, "y", bn, y, ny);
            json_nodes(&j, "given", bn, z, nz);
            json_bool(&j, "dseparated", sep);
            json_finish(&j);
        } else {
            print_nodes(bn, x, nx);
            printf(sep ? " _|_ " : " not _|_ ");
            print_nodes(bn, y, ny);
            printf(" | ");
            print_nodes(bn, z, nz);
            printf(sep ? ": d-separated\n" : ": d-connected\n");
        }
    }
    free(x);
    free(y);
    free(z);
    free(rc);
    gmdl_bn_destroy(bn);
    return r;
}

/* ------------------------------------------------------------------ sample */

static const cli_opt sample_opts[] = {
    {"n", 'n', OPT_INT, "N", NULL, "number of samples (rows)", 1, 1e15, 0},
    {"seed", 0, OPT_INT, "S", "1", "random seed", 0, 1.8e19, 0},
    {"missing", 0, OPT_DOUBLE, "P", "0",
     "probability that a cell is left empty (missing), for gmdl bn learn", 0, 1, 0},
    {"threads", 0, OPT_INT, "T", "0", "threads (0 = all cores; sampling is single-threaded)", 0,
     4096, 0},
};
static const cli_cmd sample_cmd = {"bn sample",
                                   "gmdl bn sample NET.bif --n N [--seed S] [--missing P] [--json]",
                                   "Ancestral (forward) sampling: CSV on stdout with a header row "
                                   "of node names and one sample of state names per row. With "
                                   "--json one object: file, n, seed, nodes (the names) and "
                                   "samples (one array of state names per sample, in the order "
                                   "of nodes). --missing P empties each cell with probability P "
                                   "(JSON null), drawn from the seed's own stream per row.",
                                   sample_opts,
                                   sizeof sample_opts / sizeof sample_opts[0],
                                   1,
                                   1};

/* rows[m * V] (rows first..first+m-1) as CSV lines, or as JSON arrays of state names into j;
 * each cell is left empty (JSON null) with probability miss, from the stream of its row. */
static void print_samples(const gmdl_bn *bn,
                          const uint32_t *rows,
                          size_t m,
                          size_t first,
                          uint64_t seed,
                          double miss,
                          json_w *j) {
    size_t V = gmdl_bn_nvars(bn);
    for (size_t i = 0; i < m; i++) {
        gmdl_rng rng;
        gmdl_rng_derive(&rng, seed, GMDL_RNG_DATA_SYNTH, first + i);
        if (j)
            json_arr_begin(j, NULL);
        for (size_t v = 0; v < V; v++) {
            const char *state = gmdl_bn_state_name(bn, v, rows[i * V + v]);
            if (miss > 0.0 && gmdl_rng_uniform(&rng) < miss)
                state = NULL;
            if (j && state)
                json_str(j, NULL, state);
            else if (j)
                json_null(j, NULL);
            else
                printf("%s%c", state ? state : "", v + 1 < V ? ',' : '\n');
        }
        if (j)
            json_arr_end(j);
    }
}

static int bn_sample(int argc, char **argv) {
    cli_val vals[sizeof sample_opts / sizeof sample_opts[0]];
    const char *pos[1];
    int npos, r = cli_parse(&sample_cmd, argc, argv, vals, pos, &npos);
    if (r)
        return r < 0 ? 0 : r;
    if (!OPTV(&sample_cmd, vals, "n")->set) {
        fprintf(stderr, "gmdl bn sample: --n is required\n");
        return 2;
    }
    size_t n = (size_t)OPTV(&sample_cmd, vals, "n")->i;
    uint64_t seed = (uint64_t)OPTV(&sample_cmd, vals, "seed")->i;
    gmdl_bn *bn;
    if ((r = load(sample_cmd.name, pos[0], &bn)))
        return r;
    size_t V = gmdl_bn_nvars(bn), chunk = 4096;
    uint32_t *rows = malloc(chunk * V * sizeof *rows);
    if (!rows) {
        gmdl_bn_destroy(bn);
        return cli_fail(sample_cmd.name, GMDL_ENOMEM, NULL);
    }
    gmdl_err err = {{0}};
    json_w j;
    if (cli_json()) {
        json_init(&j, stdout);
        json_obj_begin(&j, NULL);
        json_str(&j, "file", pos[0]);
        json_int(&j, "n", (long long)n);
        json_int(&j, "seed", (long long)seed);
        json_arr_begin(&j, "nodes");
        for (size_t v = 0; v < V; v++)
            json_str(&j, NULL, gmdl_bn_name(bn, v));
        json_arr_end(&j);
        json_arr_begin(&j, "samples");
    } else {
        for (size_t v = 0; v < V; v++)
            printf("%s%s", v ? "," : "", gmdl_bn_name(bn, v));
        printf("\n");
    }
    for (size_t done = 0; done < n && !r; done += chunk) {
        size_t m = n - done < chunk ? n - done : chunk;
        gmdl_status s = gmdl_bn_sample(rows, bn, m, seed, done, &err);
        if (s) {
            r = cli_fail(sample_cmd.name, s, &err);
            break;
        }
        print_samples(bn, rows, m, done, seed, OPTV(&sample_cmd, vals, "missing")->d,
                      cli_json() ? &j : NULL);
    }
    if (!r && cli_json()) {
        json_arr_end(&j);
        json_finish(&j);
    }
    if (!r && (fflush(stdout) || ferror(stdout))) {
        fprintf(stderr, "gmdl bn sample: error writing the samples\n");
        r = 1;
    }
    free(rows);
    gmdl_bn_destroy(bn);
    return r;
}

int cmd_bn(int argc, char **argv) {
    if (argc < 1) {
        fputs(BN_USAGE, stderr);
        return 2;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(BN_USAGE, stdout);
        return 0;
    }
    if (strcmp(argv[0], "info") == 0)
        return bn_info(argc - 1, argv + 1);
    if (strcmp(argv[0], "dsep") == 0)
        return bn_dsep(argc - 1, argv + 1);
    if (strcmp(argv[0], "query") == 0)
        return cmd_bn_query(argc - 1, argv + 1);
    if (strcmp(argv[0], "map") == 0)
        return cmd_bn_map(argc - 1, argv + 1);
    if (strcmp(argv[0], "convert") == 0)
        return cmd_bn_convert(argc - 1, argv + 1);
    if (strcmp(argv[0], "sample") == 0)
        return bn_sample(argc - 1, argv + 1);
    if (strcmp(argv[0], "learn") == 0)
        return cmd_bn_learn(argc - 1, argv + 1);
    if (strcmp(argv[0], "structure") == 0)
        return cmd_bn_structure(argc - 1, argv + 1);
    if (strcmp(argv[0], "score") == 0)
        return cmd_bn_score(argc - 1, argv + 1);
    fprintf(stderr,
            "gmdl bn: unknown subcommand '%s' (info, dsep, query, map, convert, sample, learn, "
            "structure, score)\n",
            argv[0]);
    return 2;
}
