/* gmdl graphical models: discrete factors in log space, Bayes nets (BIF), d-separation by
 * Bayes-ball, Markov random fields (UAI format), exact inference (variable elimination and a
 * junction tree built from the best of several elimination-order heuristics), loopy belief
 * propagation, and sampling (rejection, likelihood weighting, Gibbs, ancestral).
 *
 * Conventions. Variables are numbered 0..V-1. A factor table is row-major over its scope with the
 * last scope variable changing fastest; values are natural logarithms (-INFINITY for zero).
 * Evidence is an array of V int32 values, -1 for "not observed", or NULL for no evidence.
 * Marginal outputs are one flat array: the card(0) probabilities of variable 0, then those of
 * variable 1, and so on (gmdl_*_marginal_size gives the length). Every function that can fail
 * returns a gmdl_status and writes "FILE:LINE: problem" (files) or a sentence (arguments) into the
 * optional gmdl_err. Ownership: handles are created by *_create / *_read and released by
 * *_destroy (which accepts NULL); array arguments are borrowed for the duration of the call.
 * Threads: queries and samplers take const handles and only read them, so several threads may
 * query one net or MRF at once; building or changing one (set_parents, set_cpt, add_factor) needs
 * it to oneself. */
#ifndef GMDL_PGM_H
#define GMDL_PGM_H

#include "gmdl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ factors */

typedef struct gmdl_factor {
    size_t nvars;   /* scope size (0: a constant) */
    uint32_t *vars; /* strictly increasing variable ids */
    uint32_t *card; /* cardinality of each scope variable */
    size_t size;    /* product of the cardinalities */
    double *logp;   /* size entries, last scope variable fastest */
} gmdl_factor;

/* Allocates a factor over vars (strictly increasing) with all log values 0 (i.e. all ones). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_factor_init(
    gmdl_factor *f, size_t nvars, const uint32_t *vars, const uint32_t *card, gmdl_err *err);
/* Frees the tables of f (which may be zeroed or already finalised). */
GMDL_API void gmdl_factor_fini(gmdl_factor *f);
/* out = a * b over the union of the scopes (out is initialised by the call). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_factor_product(gmdl_factor *out,
                                                        const gmdl_factor *a,
                                                        const gmdl_factor *b,
                                                        gmdl_err *err);
/* out = sum over sum_vars of f (log-sum-exp); variables not in the scope are ignored. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_factor_sum_out(
    gmdl_factor *out, const gmdl_factor *f, size_t nsum, const uint32_t *sum_vars, gmdl_err *err);
/* out = f with var fixed to state (var removed from the scope; a copy if var is not in it). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_factor_reduce(
    gmdl_factor *out, const gmdl_factor *f, uint32_t var, uint32_t state, gmdl_err *err);
/* Normalises f in place to sum 1 and returns log of the old sum (-INFINITY if it was all zero,
 * in which case f is left unchanged). */
GMDL_API double gmdl_factor_normalize(gmdl_factor *f);

/* ------------------------------------------------------------------ exact inference options */

typedef enum {
    GMDL_ORDER_BEST = 0,   /* try all heuristics below (plus randomised ties), keep the best */
    GMDL_ORDER_MIN_FILL,   /* fewest fill-in edges */
    GMDL_ORDER_MIN_DEGREE, /* fewest neighbours */
    GMDL_ORDER_WEIGHTED_MIN_FILL, /* fill edges weighted by the product of cardinalities */
    GMDL_ORDER_NATURAL            /* variable index order */
} gmdl_order_heuristic;

typedef struct gmdl_exact_config {
    gmdl_order_heuristic heuristic; /* default GMDL_ORDER_BEST */
    int random_trials; /* extra runs per heuristic with random tie-breaking (default 8; only used
                          when the best deterministic order has a clique above 2^16 entries) */
    uint64_t seed;     /* for the randomised tie-breaking (default 1) */
    size_t max_mem;    /* bytes of tables allowed; 0 = no limit (default 0). Exceeding it returns
                          GMDL_ELIMIT naming the largest clique, before anything big is allocated */
} gmdl_exact_config;
GMDL_API gmdl_exact_config gmdl_exact_config_default(void);

/* Statistics of the elimination order used by an exact computation. */
typedef struct gmdl_exact_stats {
    size_t max_clique_vars;    /* variables in the largest clique */
    double max_clique_entries; /* table entries of the largest clique */
    double total_bytes;        /* bytes of all clique tables and messages */
    size_t ncliques;
} gmdl_exact_stats;

/* ------------------------------------------------------------------ Markov random fields */

typedef struct gmdl_mrf gmdl_mrf; /* opaque: variables with cardinalities and a list of factors */

/* An MRF with nvars variables and no factors. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mrf_create(gmdl_mrf **out,
                                                    size_t nvars,
                                                    const uint32_t *card,
                                                    gmdl_err *err);
GMDL_API void gmdl_mrf_destroy(gmdl_mrf *m);
/* Adds a factor psi over scope (any order, no repeats) with non-negative values (not logs),
 * last scope variable fastest (the UAI layout). Copies the values. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mrf_add_factor(
    gmdl_mrf *m, size_t nscope, const uint32_t *scope, const double *values, gmdl_err *err);
/* Reads a UAI competition file (MARKOV or BAYES). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mrf_read_uai(gmdl_mrf **out,
                                                      const char *path,
                                                      gmdl_err *err);
/* Reads a .evid file into evidence[0..nvars-1] (-1 where not observed). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mrf_read_evid(int32_t *evidence,
                                                       const gmdl_mrf *m,
                                                       const char *path,
                                                       gmdl_err *err);
GMDL_API size_t gmdl_mrf_nvars(const gmdl_mrf *m);
GMDL_API uint32_t gmdl_mrf_card(const gmdl_mrf *m, size_t v);
GMDL_API size_t gmdl_mrf_nfactors(const gmdl_mrf *m);
/* 1 for a file that said BAYES, 0 for MARKOV or an MRF built in memory. */
GMDL_API int gmdl_mrf_is_bayes(const gmdl_mrf *m);
/* Sum of the cardinalities: the length of a marginal array. */
GMDL_API size_t gmdl_mrf_marginal_size(const gmdl_mrf *m);
/* Unnormalised log p(x) = sum of the log factors at the full assignment x. */
GMDL_API double gmdl_mrf_log_potential(const gmdl_mrf *m, const uint32_t *x);
/* adj[i*V+j] = 1 where i and j share a factor (i != j). adj holds V*V bytes. */
GMDL_API void gmdl_mrf_graph(uint8_t *adj, const gmdl_mrf *m);
/* Graph separation in the undirected graph: *separated = 1 when every path from a node of A to
 * a node of B passes through S. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mrf_separated(int *separated,
                                                       const gmdl_mrf *m,
                                                       size_t na,
                                                       const uint32_t *a,
                                                       size_t nb,
                                                       const uint32_t *b,
                                                       size_t ns,
                                                       const uint32_t *s,
                                                       gmdl_err *err);

/* Exact log partition function (natural log, evidence clamped: log Z(e)) and all marginals
 * P(x_v | e) in one junction-tree calibration. marginals may be NULL; stats may be NULL.
 * GMDL_EINVAL when the evidence has probability zero; GMDL_ELIMIT when over cfg->max_mem. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mrf_exact(double *log_z,
                                                   double *marginals,
                                                   gmdl_exact_stats *stats,
                                                   const gmdl_mrf *m,
                                                   const int32_t *evidence,
                                                   const gmdl_exact_config *cfg,
                                                   gmdl_err *err);
/* Variable elimination for one target: P(target | e) into probs (card entries), log Z(e) into
 * log_z (either may be NULL). Independent of the junction tree code path. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mrf_ve(double *log_z,
                                                double *probs,
                                                const gmdl_mrf *m,
                                                const int32_t *evidence,
                                                uint32_t target,
                                                const gmdl_exact_config *cfg,
                                                gmdl_err *err);

typedef struct gmdl_bp_config {
    int max_iters;  /* iteration cap (default 1000) */
    double tol;     /* converged when no message changes by more than tol (default 1e-8) */
    double damping; /* new = (1 - damping) * update + damping * old, in [0, 1) (default 0.5) */
} gmdl_bp_config;
GMDL_API gmdl_bp_config gmdl_bp_config_default(void);

typedef struct gmdl_bp_stats {
    int iters;        /* iterations run */
    int converged;    /* 1 when the tolerance was met */
    double max_delta; /* largest message change in the last iteration */
} gmdl_bp_stats;

/* Loopy sum-product belief propagation on the factor graph: approximate marginals and the Bethe
 * approximation of log Z(e). Exact on trees. Returns GMDL_ENOCONV when the cap is hit, with the
 * last beliefs still written (stats->converged = 0), and EINVAL when the evidence has probability
 * zero and marginals are asked for (log Z(e) alone is then -inf, as gmdl_mrf_exact gives). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mrf_bp(double *log_z,
                                                double *marginals,
                                                gmdl_bp_stats *stats,
                                                const gmdl_mrf *m,
                                                const int32_t *evidence,
                                                const gmdl_bp_config *cfg,
                                                gmdl_err *err);

typedef struct gmdl_gibbs_config {
    size_t sweeps;  /* sweeps counted after burn-in (default 100000) */
    size_t burn_in; /* sweeps discarded first (default 1000) */
    uint64_t seed;  /* default 1; the stream is gmdl_rng_derive(seed, GMDL_RNG_GIBBS, 0) */
} gmdl_gibbs_config;
GMDL_API gmdl_gibbs_config gmdl_gibbs_config_default(void);

/* Gibbs sampling marginals (Rao-Blackwellised: the full conditional of each variable is averaged
 * over the sweeps). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mrf_gibbs(double *marginals,
                                                   const gmdl_mrf *m,
                                                   const int32_t *evidence,
                                                   const gmdl_gibbs_config *cfg,
                                                   gmdl_err *err);

/* log Z(e) by annealed importance sampling (Neal 2001) with Gibbs transitions: `chains`
 * independent chains from the uniform distribution over the free variables, each through
 * cfg->sweeps / chains inverse temperatures beta = (t/T)^3 with one Gibbs sweep each. Zeros are
 * replaced by exp(-50) until the last step, which restores the exact factors (a chain that ends
 * in a zero-probability state gets weight 0). *ess (may be NULL) is the effective number of
 * chains. Chain c uses gmdl_rng_derive(seed, GMDL_RNG_GIBBS, 1 + c). GMDL_ENOCONV when every
 * chain ends with weight 0. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mrf_ais(double *log_z,
                                                 double *ess,
                                                 const gmdl_mrf *m,
                                                 const int32_t *evidence,
                                                 const gmdl_gibbs_config *cfg,
                                                 size_t chains,
                                                 gmdl_err *err);

/* ------------------------------------------------------------------ Bayes nets */

typedef struct gmdl_bn gmdl_bn; /* opaque: a DAG with one CPT per node, names and state names */

/* Reads a BIF file (the bnlearn dialect). Errors: GMDL_ENOENT / GMDL_EIO for the file,
 * GMDL_EPARSE (syntax, numbers) and GMDL_ECORRUPT (unknown names, cycles, missing rows, rows that
 * do not sum to 1, negative values), with "FILE:LINE: problem". */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_read_bif(gmdl_bn **out,
                                                     const char *path,
                                                     gmdl_err *err);
/* The same from text in memory; name is used in error messages. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_bn_parse_bif(gmdl_bn **out, const char *text, size_t len, const char *name, gmdl_err *err);
/* A net with nvars nodes named X0, X1, ..., states s0, s1, ..., no arcs, uniform CPTs. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_create(gmdl_bn **out,
                                                   size_t nvars,
                                                   const uint32_t *card,
                                                   gmdl_err *err);
/* Sets the parents of v (resetting its CPT to uniform). GMDL_EINVAL if that makes a cycle. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_bn_set_parents(gmdl_bn *bn, uint32_t v, size_t npar, const uint32_t *parents, gmdl_err *err);
/* Sets the CPT of v: prod(parent cards) rows of card(v) probabilities each, parents in the order
 * given to set_parents with the last parent fastest. Rows must sum to 1 within 1e-6. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_set_cpt(gmdl_bn *bn,
                                                    uint32_t v,
                                                    const double *p,
                                                    gmdl_err *err);
GMDL_API void gmdl_bn_destroy(gmdl_bn *bn);

GMDL_API size_t gmdl_bn_nvars(const gmdl_bn *bn);
GMDL_API const char *gmdl_bn_name(const gmdl_bn *bn, size_t v);
GMDL_API uint32_t gmdl_bn_card(const gmdl_bn *bn, size_t v);
GMDL_API const char *gmdl_bn_state_name(const gmdl_bn *bn, size_t v, uint32_t s);
GMDL_API size_t gmdl_bn_nparents(const gmdl_bn *bn, size_t v);
GMDL_API const uint32_t *gmdl_bn_parents(const gmdl_bn *bn, size_t v);
GMDL_API const double *gmdl_bn_cpt(const gmdl_bn *bn, size_t v);
GMDL_API size_t gmdl_bn_narcs(const gmdl_bn *bn);
/* Free parameters: sum over nodes of (card - 1) * prod(parent cards). */
GMDL_API size_t gmdl_bn_nparams(const gmdl_bn *bn);
GMDL_API size_t gmdl_bn_marginal_size(const gmdl_bn *bn);
/* Index of the node or state with that name; GMDL_EINVAL (message names it) when absent. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_find(uint32_t *v,
                                                 const gmdl_bn *bn,
                                                 const char *name,
                                                 gmdl_err *err);
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_bn_find_state(uint32_t *s, const gmdl_bn *bn, uint32_t v, const char *state, gmdl_err *err);
/* Parses "A=a,B=b" (names of nodes and states) into evidence[0..V-1] (-1 elsewhere). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_parse_evidence(int32_t *evidence,
                                                           const gmdl_bn *bn,
                                                           const char *text,
                                                           gmdl_err *err);
/* log p(x) of a full assignment. */
GMDL_API double gmdl_bn_log_prob(const gmdl_bn *bn, const uint32_t *x);
/* The MRF of the CPT factors (its Z is 1; with evidence, Z(e) = P(e)). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_to_mrf(gmdl_mrf **out,
                                                   const gmdl_bn *bn,
                                                   gmdl_err *err);
/* Moral graph: adj[i*V+j] = 1 for arcs (either direction) and married co-parents. */
GMDL_API void gmdl_bn_moral_graph(uint8_t *adj, const gmdl_bn *bn);

/* Bayes-ball (Shachter 1998). reachable[v] = 1 for the nodes d-connected to some node of X given
 * Z (unobserved nodes whose bottom gets marked; an unobserved X node is reachable from itself).
 * reachable holds V bytes. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_reachable(uint8_t *reachable,
                                                      const gmdl_bn *bn,
                                                      size_t nx,
                                                      const uint32_t *x,
                                                      size_t nz,
                                                      const uint32_t *z,
                                                      gmdl_err *err);
/* *separated = 1 when X and Y are d-separated given Z (sets; nodes of Y in Z count as
 * separated). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_dsep(int *separated,
                                                 const gmdl_bn *bn,
                                                 size_t nx,
                                                 const uint32_t *x,
                                                 size_t ny,
                                                 const uint32_t *y,
                                                 size_t nz,
                                                 const uint32_t *z,
                                                 gmdl_err *err);

typedef enum {
    GMDL_QUERY_EXACT = 0, /* junction tree */
    GMDL_QUERY_VE,        /* variable elimination */
    GMDL_QUERY_REJECTION,
    GMDL_QUERY_LW, /* likelihood weighting */
    GMDL_QUERY_GIBBS
} gmdl_query_method;

typedef struct gmdl_query_config {
    gmdl_query_method method; /* default GMDL_QUERY_EXACT */
    size_t samples;           /* samples (rejection: drawn, LW) or sweeps (Gibbs); default 100000 */
    size_t burn_in;           /* Gibbs sweeps discarded first (default 1000) */
    uint64_t seed;            /* default 1 */
    gmdl_exact_config exact;  /* for EXACT and VE */
} gmdl_query_config;
GMDL_API gmdl_query_config gmdl_query_config_default(void);

typedef struct gmdl_query_stats {
    size_t samples; /* samples used: accepted (rejection), drawn (LW), sweeps (Gibbs); 0 if exact */
    double ess;     /* effective sample size (LW: (sum w)^2 / sum w^2; rejection: accepted;
                       Gibbs: from the autocorrelation of the target's conditional) */
    double log_evidence; /* exact methods: log P(e) */
} gmdl_query_stats;

/* P(target | evidence) into probs (card(target) entries). Sampling methods use
 * gmdl_rng_derive(seed, GMDL_RNG_SAMPLING or GMDL_RNG_GIBBS, 0). GMDL_EINVAL for impossible
 * evidence (exact) or GMDL_ENOCONV when rejection sampling accepts nothing. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_query(double *probs,
                                                  gmdl_query_stats *stats,
                                                  const gmdl_bn *bn,
                                                  uint32_t target,
                                                  const int32_t *evidence,
                                                  const gmdl_query_config *cfg,
                                                  gmdl_err *err);
/* All marginals P(x_v | e) by one junction-tree calibration (marginal_size entries). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_marginals(double *marginals,
                                                      double *log_evidence,
                                                      const gmdl_bn *bn,
                                                      const int32_t *evidence,
                                                      const gmdl_exact_config *cfg,
                                                      gmdl_err *err);
/* The joint posterior P(targets | evidence) of ntargets distinct unobserved nodes: prod of
 * their cards entries, row-major in the order given (the last target fastest), by the chain rule
 * over junction-tree calibrations (one per configuration of all but the last target with nonzero
 * probability). log_evidence (may be NULL) receives log P(e). GMDL_ELIMIT over 2^22 entries;
 * GMDL_EINVAL for impossible evidence. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_query_joint(double *probs,
                                                        double *log_evidence,
                                                        const gmdl_bn *bn,
                                                        size_t ntargets,
                                                        const uint32_t *targets,
                                                        const int32_t *evidence,
                                                        const gmdl_exact_config *cfg,
                                                        gmdl_err *err);

/* Ancestral sampling: n rows of V states into out (n*V entries), row i from
 * gmdl_rng_derive(seed, GMDL_RNG_SAMPLING, first_row + i), so chunks concatenate exactly. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_sample(
    uint32_t *out, const gmdl_bn *bn, size_t n, uint64_t seed, size_t first_row, gmdl_err *err);

/* ------------------------------------------------------------------ learning CPTs from data */

/* A table of observed states: x[r * nvars + v] is the state of node v in row r, -1 missing. */
typedef struct gmdl_bn_data {
    size_t nrows, nvars;
    int32_t *x;
    size_t missing; /* cells read as missing (gmdl_bn_data_read) */
} gmdl_bn_data;

/* nrows x nvars cells, all missing (-1). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_data_init(gmdl_bn_data *out,
                                                      size_t nrows,
                                                      size_t nvars,
                                                      gmdl_err *err);
/* Reads a CSV whose header names nodes of bn (in any order; a node without a column is missing
 * in every row) and whose cells are state names, or missing: empty, "?", "NA", "NaN" (the output
 * of gmdl bn sample, with or without --missing). GMDL_EPARSE with "FILE:LINE: column N 'NAME':
 * ..." for a ragged row, an unknown state or a column the net lacks. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_data_read(gmdl_bn_data *out,
                                                      const gmdl_bn *bn,
                                                      const char *path,
                                                      gmdl_err *err);
GMDL_API void gmdl_bn_data_fini(gmdl_bn_data *d);

typedef struct gmdl_bn_learn_config {
    double ess;   /* BDeu equivalent sample size: ess / (rows x card) pseudo-counts per CPT
                     entry; 0 = maximum likelihood (default 0) */
    int max_iter; /* EM iterations (default 100) */
    double tol;   /* EM stops when the objective gains less than tol * (1 + |objective|)
                     (default 1e-8) */
    gmdl_exact_config exact; /* the E-step's junction tree (default: min-fill order, as each
                                row's tree is small); exact.max_mem bounds its tables */
} gmdl_bn_learn_config;
GMDL_API gmdl_bn_learn_config gmdl_bn_learn_config_default(void);

typedef struct gmdl_bn_learn_stats {
    size_t rows, distinct, missing_cells;
    int em;            /* 1 when cells were missing and EM ran */
    size_t iterations; /* entries of the traces (1 for complete data) */
    double *loglik;    /* observed-data log-likelihood at each iteration's CPTs */
    double *objective; /* loglik + sum of alpha log theta (the prior's part); EM never lowers it,
                          and with ess = 0 it is loglik */
} gmdl_bn_learn_stats;
GMDL_API void gmdl_bn_learn_stats_fini(gmdl_bn_learn_stats *st);

/* Replaces the CPTs of bn by estimates from data, keeping its structure. Complete data: one pass
 * of counts, theta = (N_ijk + a) / (N_ij + card a) with a the BDeu pseudo-count (a parent
 * configuration never seen, with no prior, gets a uniform row). Missing cells: EM started from
 * the available-case counts plus one, whose E-step runs the junction tree once per distinct row
 * (rows are sorted and repeats counted once) and whose M-step is the formula above on the
 * expected counts. Statuses: EINVAL (data shape or states), ELIMIT (the junction tree for the
 * rows' missing cells is over cfg->exact.max_mem: "too big for EM"), ENOMEM. Threads: the E-step
 * splits the rows over the OpenMP threads. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_learn(gmdl_bn *bn,
                                                  gmdl_bn_learn_stats *stats,
                                                  const gmdl_bn_data *data,
                                                  const gmdl_bn_learn_config *cfg,
                                                  gmdl_err *err);

/* Writes bn as BIF (readable by gmdl_bn_read_bif, which reads back the same nodes, states,
 * parents and CPTs bit for bit: probabilities are written with 17 significant digits), atomically,
 * with a trailing CRC-32 comment of the text. Statuses: EIO, ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_write_bif(const char *path,
                                                      const gmdl_bn *bn,
                                                      gmdl_err *err);

/* ------------------------------------------------------------------ structure learning */

/* Reads a CSV of complete or incomplete data with no network: a header of node names, state names
 * in the cells (missing: empty, "?", "NA", "NaN"). *net receives a net with one node per column
 * (named after it), no arcs, uniform CPTs, and as states the distinct values of the column sorted
 * by strcmp; *out the states. Errors as gmdl_bn_data_read (EPARSE naming FILE:LINE for a ragged
 * row or a repeated column; EINVAL for a column with no value or more than 65535 values). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_data_read_new(gmdl_bn **net,
                                                          gmdl_bn_data *out,
                                                          const char *path,
                                                          gmdl_err *err);

typedef enum {
    GMDL_SCORE_BIC = 0, /* log-likelihood at the ML estimate - 0.5 log(N) x free parameters */
    GMDL_SCORE_BDEU     /* log marginal likelihood under BDeu Dirichlet priors (ess) */
} gmdl_score_kind;

typedef struct gmdl_score_config {
    gmdl_score_kind kind; /* default GMDL_SCORE_BIC */
    double ess;           /* BDeu equivalent sample size (default 1) */
} gmdl_score_config;
GMDL_API gmdl_score_config gmdl_score_config_default(void);

/* The decomposable score of bn's structure on complete data (no missing cell: EINVAL otherwise):
 * *score is the sum over the nodes of their family terms, written into family[v] when family is
 * not NULL (V entries). BDeu: log p(D | G) = sum over nodes v and parent configurations j of
 * lgamma(a/q) - lgamma(a/q + N_j) + sum over states k of lgamma(a/(q r) + N_jk) - lgamma(a/(q r))
 * with a = cfg->ess, q the parent configurations and r the states of v. BIC: sum of N_jk
 * log(N_jk / N_j) - 0.5 log(N) (r - 1) q. Larger is better for both. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_score(double *score,
                                                  double *family,
                                                  const gmdl_bn *bn,
                                                  const gmdl_bn_data *data,
                                                  const gmdl_score_config *cfg,
                                                  gmdl_err *err);

typedef enum {
    GMDL_STRUCT_HC = 0, /* score-based hill climbing (add, delete, reverse) with a tabu list */
    GMDL_STRUCT_PC      /* the PC algorithm (order-independent "stable" variant) */
} gmdl_struct_method;

typedef enum {
    GMDL_CI_G = 0, /* G-test (likelihood ratio, 2 N x conditional mutual information) */
    GMDL_CI_X2     /* Pearson's chi-square */
} gmdl_ci_test;

typedef struct gmdl_structure_config {
    gmdl_struct_method method; /* default GMDL_STRUCT_HC */
    gmdl_score_config score;   /* HC's score (default BIC) */
    size_t max_parents;        /* 0 = no limit (default 0) */
    size_t tabu;               /* HC: length of the tabu list of recent moves, which also bounds
                                  the moves without improvement before stopping; 0 = plain greedy
                                  (default 100) */
    size_t restarts;           /* HC: random restarts from the best net (default 0) */
    size_t perturb;            /* HC: random moves from the best graph per restart; 0 (default):
                                  each restart climbs from the empty graph (and the whitelist)
                                  with a new random tie-break order */
    size_t max_steps;          /* HC: moves per climb at most (0 = no limit; default 0) */
    uint64_t seed;             /* restarts use gmdl_rng_derive(seed, GMDL_RNG_STRUCTURE, r) */
    double alpha;              /* PC: significance level of the tests (default 0.01) */
    gmdl_ci_test test;         /* PC: default GMDL_CI_G */
    size_t max_cond;           /* PC: largest conditioning set (0 = no limit; default 0) */
    size_t nblack;             /* arcs never in the result: pairs (from, to) in black[2 i], */
    const uint32_t *black;     /*   black[2 i + 1] (borrowed) */
    size_t nwhite;             /* arcs always in the result: pairs in white (borrowed) */
    const uint32_t *white;
} gmdl_structure_config;
GMDL_API gmdl_structure_config gmdl_structure_config_default(void);

typedef struct gmdl_structure_stats {
    double score;       /* the result's score under cfg->score (for PC too) */
    size_t steps;       /* HC: moves applied over all climbs */
    size_t evaluations; /* HC: family scores computed (the rest came from the cache) */
    size_t restarts;    /* HC: restarts run */
    size_t tests;       /* PC: independence tests run */
    size_t undirected;  /* PC: edges the orientation rules left undirected (before extension) */
} gmdl_structure_stats;

/* Learns a DAG over data->nvars nodes with cardinalities card from complete data (EINVAL when a
 * cell is missing or a state is out of range). dag (V x V bytes) receives dag[a V + b] = 1 for
 * each arc a -> b. pdag (V x V bytes, may be NULL) receives the equivalence class the method
 * found: for HC the CPDAG of dag, for PC the partially directed graph after the v-structures and
 * Meek's rules (both entries 1 for an undirected edge), of which dag is a consistent extension.
 * stats may be NULL. Threads: family scores and the tests of one PC level are split over the
 * OpenMP threads; the result does not depend on the thread count. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_learn_structure(uint8_t *dag,
                                                            uint8_t *pdag,
                                                            gmdl_structure_stats *stats,
                                                            const gmdl_bn_data *data,
                                                            const uint32_t *card,
                                                            const gmdl_structure_config *cfg,
                                                            gmdl_err *err);

/* The arcs of bn as a V x V matrix (dag[a V + b] = 1 for a -> b). */
GMDL_API void gmdl_bn_dag(uint8_t *dag, const gmdl_bn *bn);
/* Sets the parents of every node of bn from dag (parents in increasing index order; CPTs reset
 * to uniform). EINVAL when dag has a cycle. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_set_dag(gmdl_bn *bn, const uint8_t *dag, gmdl_err *err);
/* The CPDAG (essential graph) of a DAG: its skeleton with the arcs of v-structures and those
 * Meek's rules 1-3 compel directed, the others undirected (both entries 1). EINVAL on a cycle. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_dag_cpdag(uint8_t *cpdag,
                                                   const uint8_t *dag,
                                                   size_t nvars,
                                                   gmdl_err *err);
/* Structural Hamming distance between two partially directed graphs (V x V as above): the node
 * pairs whose status (no edge, a -> b, b -> a, undirected) differs. */
GMDL_API size_t gmdl_pdag_shd(const uint8_t *a, const uint8_t *b, size_t nvars);
/* SHD between the CPDAGs of two nets over the same node names (any order), as bnlearn's shd:
 * a reversed arc inside an equivalence class is no error. EINVAL when the names differ. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_shd(size_t *shd,
                                                const gmdl_bn *learned,
                                                const gmdl_bn *truth,
                                                gmdl_err *err);

/* ------------------------------------------------------------------ batches, MPE and MAP */

/* All marginals for every row of evidence (rows->x, -1 where not observed; rows->nvars must be
 * the net's node count): marginals receives nrows x marginal_size entries, log_evidence (may be
 * NULL) nrows values of log P(e). Identical rows are answered by one calibration
 * (*ncalibrations, may be NULL, counts them). A row whose evidence is impossible gets NaN
 * marginals and log P(e) = -inf, and the batch goes on. Threads: the distinct rows are split
 * statically over the OpenMP threads; the answers do not depend on the thread count. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_query_batch(double *marginals,
                                                        double *log_evidence,
                                                        size_t *ncalibrations,
                                                        const gmdl_bn *bn,
                                                        const gmdl_bn_data *rows,
                                                        const gmdl_exact_config *cfg,
                                                        gmdl_err *err);

typedef enum {
    GMDL_MAP_JT = 0, /* max-product on the junction tree (a MAP over a subset: sum-max VE) */
    GMDL_MAP_VE      /* sum-max variable elimination with traceback */
} gmdl_map_method;

/* The most probable explanation (query NULL, or every unobserved variable in it) or the MAP of
 * the variables with query[v] != 0, the others summed out: x (nvars entries) receives the
 * maximising states, the evidence's states where observed, UINT32_MAX for summed-out variables;
 * ties go to the first maximising entry. *log_value (may be NULL) is the natural log, computed
 * exactly from x, of the product of the factors at x (MPE), or of its sum over the summed-out
 * variables (MAP, by a junction-tree run with x clamped): log P(x, e) for a BAYES file, Z times
 * that for a MARKOV one. EINVAL for impossible evidence or a query variable that is evidence;
 * ELIMIT over cfg->max_mem. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_mrf_map(uint32_t *x,
                                                 double *log_value,
                                                 const gmdl_mrf *m,
                                                 const int32_t *evidence,
                                                 const uint8_t *query,
                                                 gmdl_map_method method,
                                                 const gmdl_exact_config *cfg,
                                                 gmdl_err *err);
/* gmdl_mrf_map on the net's CPT factors: *log_prob = log P(x, e) exactly (the MPE's joint
 * probability, or the MAP variables' marginal with the evidence). */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_map(uint32_t *x,
                                                double *log_prob,
                                                const gmdl_bn *bn,
                                                const int32_t *evidence,
                                                const uint8_t *query,
                                                gmdl_map_method method,
                                                const gmdl_exact_config *cfg,
                                                gmdl_err *err);

/* ------------------------------------------------------------------ other formats */

/* Reads a net choosing the format by the file's extension: .bif (BIF), .xmlbif or .xml
 * (XMLBIF 0.3), .net (Hugin), .dsc (bnlearn / MSBN); errors as gmdl_bn_read_bif, with
 * "FILE:LINE: problem". GMDL_EUNSUPPORTED for another extension. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_read(gmdl_bn **out, const char *path, gmdl_err *err);
/* The readers on text in memory; name is used in error messages. */
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_bn_parse_xmlbif(gmdl_bn **out, const char *text, size_t len, const char *name, gmdl_err *err);
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_bn_parse_net(gmdl_bn **out, const char *text, size_t len, const char *name, gmdl_err *err);
GMDL_API GMDL_NODISCARD gmdl_status
gmdl_bn_parse_dsc(gmdl_bn **out, const char *text, size_t len, const char *name, gmdl_err *err);
/* Writes bn, atomically, in the format of the path's extension: .bif, .xmlbif or .xml, .net,
 * .dsc, or .uai (a BAYES file of the CPTs; names and state names are lost). Probabilities are
 * written with 17 significant digits, so every reader gets back the same CPTs bit for bit.
 * Statuses: EUNSUPPORTED (extension), EIO, ENOMEM. */
GMDL_API GMDL_NODISCARD gmdl_status gmdl_bn_write(const char *path,
                                                  const gmdl_bn *bn,
                                                  gmdl_err *err);

#ifdef __cplusplus
}
#endif
#endif
