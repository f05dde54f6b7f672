/* Internal declarations shared by the pgm sources (never installed). */
#ifndef GMDL_PGM_INTERNAL_H
#define GMDL_PGM_INTERNAL_H

#include "common.h"
#include "gmdl/pgm.h"
#include "gmdl/rng.h"

/* Infinities as double (INFINITY is a float constant). */
#define PGM_INF    ((double)INFINITY)
#define PGM_NEGINF (-(double)INFINITY)

/* Largest scope the strided loops handle (a clique of 64 binary variables is 2^64 entries). */
#define PGM_MAX_SCOPE 64

struct gmdl_mrf {
    size_t nvars;
    uint32_t *card;
    size_t nfactors, cap;
    gmdl_factor *factors; /* log tables, sorted scopes */
    int is_bayes;
};

struct gmdl_bn {
    size_t nvars;
    char **names;
    uint32_t *card;
    char ***states; /* states[v][s] */
    size_t *npar;
    uint32_t **par; /* parents in declared order */
    double **cpt;   /* rows over parent configs (last parent fastest), child fastest */
    size_t *nrows;  /* prod parent cards */
    size_t *nchild;
    uint32_t **child;
};

/* log(sum(exp(x))) over n values, -INFINITY when all are -INFINITY. */
double gmdl__logsumexp(const double *x, size_t n);

/* stride[k] = stride in the sub scope of big-scope variable k (0 when absent). */
void gmdl__sub_strides(const gmdl_factor *big, const gmdl_factor *sub, size_t *stride);
/* A factor's scope and size with no table (logp NULL): for callers that own the table. */
gmdl_status gmdl__factor_shape(
    gmdl_factor *f, size_t nvars, const uint32_t *vars, const uint32_t *card, gmdl_err *err);
/* Calls BODY for every entry i of big with j the matching sub offset. */
#define PGM_ODOMETER(big, stride, BODY)                                                            \
    do {                                                                                           \
        size_t od_ctr[PGM_MAX_SCOPE] = {0};                                                        \
        size_t nb_ = (big)->nvars;                                                                 \
        size_t j = 0;                                                                              \
        size_t last_card = nb_ ? (big)->card[nb_ - 1] : 1;                                         \
        size_t last_stride = nb_ ? (stride)[nb_ - 1] : 0;                                          \
        for (size_t i0 = 0; i0 < (big)->size; i0 += last_card) {                                   \
            size_t jj = j;                                                                         \
            for (size_t t = 0; t < last_card; t++, jj += last_stride) {                            \
                size_t i = i0 + t;                                                                 \
                BODY;                                                                              \
            }                                                                                      \
            for (size_t k = nb_ ? nb_ - 1 : 0; k-- > 0;) {                                         \
                od_ctr[k]++;                                                                       \
                j += (stride)[k];                                                                  \
                if (od_ctr[k] < (big)->card[k])                                                    \
                    break;                                                                         \
                j -= (stride)[k] * (big)->card[k];                                                 \
                od_ctr[k] = 0;                                                                     \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* big += sub (broadcast), sub's scope a subset of big's. */
void gmdl__factor_add_into(gmdl_factor *big, const gmdl_factor *sub);
/* sub = log-sum-exp of big onto sub's scope (a subset). */
gmdl_status gmdl__factor_marg_into(const gmdl_factor *big, gmdl_factor *sub);
/* Copies the scope of f into a new factor over all of f's variables except those with
 * evidence[v] >= 0, taking the evidence slices. */
gmdl_status gmdl__factor_restrict(gmdl_factor *out,
                                  const gmdl_factor *f,
                                  const int32_t *evidence,
                                  gmdl_err *err);
/* Sorted union of two sorted scopes; returns the count. */
size_t gmdl__scope_union(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *out);

/* Evidence checks shared by the inference entry points (factor.c). */
gmdl_status
gmdl__check_evidence(size_t nvars, const uint32_t *card, const int32_t *evidence, gmdl_err *err);

/* A factor list restricted to the evidence (factor.c): the start of both exact engines. */
typedef struct {
    size_t nvars;
    const uint32_t *card;
    int32_t *ev; /* evidence, with cardinality-1 variables fixed to 0 */
    uint8_t *active;
    size_t nred;
    gmdl_factor *red; /* factors restricted to the evidence, non-constant */
    double log_const; /* sum of the constant factors */
} pgm_reduced;
gmdl_status gmdl__reduced_init(pgm_reduced *P,
                               size_t nvars,
                               const uint32_t *card,
                               size_t nfactors,
                               const gmdl_factor *factors,
                               const int32_t *evidence,
                               gmdl_err *err);
void gmdl__reduced_fini(pgm_reduced *P);

/* Interaction graph as bit rows over all variables (inactive ones have no edges; order.c). */
typedef struct pgm_graph {
    size_t n, words;
    uint64_t *adj; /* n rows of words */
} pgm_graph;
gmdl_status gmdl__graph_build(pgm_graph *g,
                              size_t nvars,
                              const uint8_t *active,
                              size_t nfactors,
                              const gmdl_factor *factors,
                              gmdl_err *err);
void gmdl__graph_free(pgm_graph *g);

/* Elimination order over the variables with active[v] != 0 (cfg->heuristic, with the best of
 * several when GMDL_ORDER_BEST). order receives the active variables (*norder of them);
 * *max_log2 the log2 of the largest clique's table size. */
gmdl_status gmdl__elim_order(const pgm_graph *g,
                             const uint32_t *card,
                             const uint8_t *active,
                             const gmdl_exact_config *cfg,
                             uint32_t *order,
                             size_t *norder,
                             double *max_log2,
                             gmdl_err *err);
/* The GMDL_ELIMIT error of an exact engine whose largest table (nv variables, entries entries,
 * bytes in all) is over cfg->max_mem; names may be NULL (variables are then called x<i>). */
gmdl_status gmdl__over_budget(const gmdl_exact_config *cfg,
                              double bytes,
                              size_t nv,
                              const uint32_t *vars,
                              double entries,
                              const char *const *names,
                              gmdl_err *err);

/* Reads a whole file (NUL-terminated); ENOENT / EIO with the path in the message (slurp.c). */
gmdl_status gmdl__slurp(const char *path, char **buf, size_t *len, gmdl_err *err);

/* The exact engines on a factor list: the junction tree (jt.c; gmdl_mrf_exact, gmdl_bn_marginals
 * and exact queries) and variable elimination (ve.c; gmdl_mrf_ve and VE queries). names may be
 * NULL (variables are then called x<i>). */
gmdl_status gmdl__jt_run(size_t nvars,
                         const uint32_t *card,
                         size_t nfactors,
                         const gmdl_factor *factors,
                         const int32_t *evidence,
                         const gmdl_exact_config *cfg,
                         const char *const *names,
                         double *log_z,
                         double *marginals,
                         gmdl_exact_stats *stats,
                         gmdl_err *err);
/* gmdl__jt_run that also writes, for every factor f with fam[f] != NULL, the posterior of f's
 * free variables (those of its scope without evidence and with card > 1, in scope order, last
 * fastest) into fam[f]: the family marginals of EM's E-step. A factor with no free variable is
 * a constant and its slot is not written. */
gmdl_status gmdl__jt_run_factors(size_t nvars,
                                 const uint32_t *card,
                                 size_t nfactors,
                                 const gmdl_factor *factors,
                                 const int32_t *evidence,
                                 const gmdl_exact_config *cfg,
                                 const char *const *names,
                                 double *log_z,
                                 double *marginals,
                                 double **fam,
                                 gmdl_err *err);
/* Builds the junction tree for the evidence pattern only (no tables): stats, and GMDL_ELIMIT
 * when it is over cfg->max_mem. */
gmdl_status gmdl__jt_plan(size_t nvars,
                          const uint32_t *card,
                          size_t nfactors,
                          const gmdl_factor *factors,
                          const int32_t *evidence,
                          const gmdl_exact_config *cfg,
                          const char *const *names,
                          gmdl_exact_stats *stats,
                          gmdl_err *err);
gmdl_status gmdl__ve_run(size_t nvars,
                         const uint32_t *card,
                         size_t nfactors,
                         const gmdl_factor *factors,
                         const int32_t *evidence,
                         uint32_t target,
                         const gmdl_exact_config *cfg,
                         const char *const *names,
                         double *log_z,
                         double *probs,
                         gmdl_err *err);

/* Variable elimination's working factor list (ve.c): the reduced factors, then one new factor per
 * elimination. */
typedef struct {
    gmdl_factor *list;
    size_t n;
    uint8_t *used; /* multiplied into a bucket already */
} ve_list;
/* The bucket of v: the product of the unused factors that contain v (now used) into *acc; *have
 * is 0 when there are none. A product over cfg->max_mem is GMDL_ELIMIT. */
gmdl_status gmdl__ve_bucket(ve_list *L,
                            uint32_t v,
                            const uint32_t *card,
                            const gmdl_exact_config *cfg,
                            const char *const *names,
                            gmdl_factor *acc,
                            int *have,
                            gmdl_err *err);
/* sub = max of big onto sub's scope (a subset), in logs (jt_max.c). */
void gmdl__factor_max_into(const gmdl_factor *big, gmdl_factor *sub);
/* The most probable explanation by max-product on the junction tree (jt_max.c): x receives a
 * maximising assignment of all variables (the evidence's states where observed), *log_max the
 * log of the largest product of the factors (EINVAL when the evidence has probability zero). */
gmdl_status gmdl__jt_max_run(size_t nvars,
                             const uint32_t *card,
                             size_t nfactors,
                             const gmdl_factor *factors,
                             const int32_t *evidence,
                             const gmdl_exact_config *cfg,
                             const char *const *names,
                             uint32_t *x,
                             double *log_max,
                             gmdl_err *err);
/* MAP by sum-max variable elimination (ve_max.c): the variables with query[v] == 0 are summed
 * out first, then those with query[v] != 0 maximised (query NULL: all, the MPE); x receives the
 * maximising states of the query variables (UINT32_MAX for summed ones, the evidence's states
 * where observed), *log_max log max_q sum_rest of the product of the factors. */
gmdl_status gmdl__ve_max_run(size_t nvars,
                             const uint32_t *card,
                             size_t nfactors,
                             const gmdl_factor *factors,
                             const int32_t *evidence,
                             const uint8_t *query,
                             const gmdl_exact_config *cfg,
                             const char *const *names,
                             uint32_t *x,
                             double *log_max,
                             gmdl_err *err);

/* The factors containing each variable of an MRF, with the variable's stride in each (CSR;
 * sample.c): the index of the Gibbs samplers (sample.c, ais.c). */
typedef struct {
    size_t *start; /* n + 1 */
    uint32_t *fid; /* factor ids */
    size_t *fstr;  /* stride of the variable in that factor */
} pgm_var_index;
gmdl_status gmdl__var_index_build(pgm_var_index *I, const gmdl_mrf *m, gmdl_err *err);
void gmdl__var_index_free(pgm_var_index *I);
/* The unnormalised full conditional of variable v given the rest of x, in logs: lp[y] = beta x
 * the sum over v's factors of their log values at x with x[v] = y, each raised to floor_lp first
 * (the Gibbs samplers of sample.c with beta = 1, AIS's tempered sweeps). */
void gmdl__site_logp(const gmdl_mrf *m,
                     const pgm_var_index *I,
                     size_t v,
                     const uint32_t *x,
                     double floor_lp,
                     double beta,
                     double *lp);

/* Allocates the arrays of an n-node net (names, states and CPTs left NULL; bn.c). */
gmdl_status gmdl__bn_alloc(gmdl_bn **out, size_t n, gmdl_err *err);
/* Sampling methods of gmdl_bn_query (sample.c). */
gmdl_status gmdl__bn_sample_query(const gmdl_bn *bn,
                                  uint32_t target,
                                  const int32_t *evidence,
                                  const gmdl_query_config *cfg,
                                  double *probs,
                                  gmdl_query_stats *stats,
                                  gmdl_err *err);

#endif
