/* Internal layer interface: a small vtable plus private state, one file per layer kind.
 *
 * Shapes: a layer maps an input of `in_size` floats per sample to `out_size` floats per sample
 * (images are C*H*W in NCHW order). N is the batch size of the call.
 * Parameters live in the model's single contiguous store (params / grads / optimizer moments at
 * identical offsets); a layer declares up to GMDL__MAX_PARAMS named tensors in `setup` and gets
 * pointers into the store before `init`.
 * forward: y = f(x), mode per call; in TRAIN mode the layer may save what backward needs in its
 * cache (planned for max_batch samples; no allocation in the training step).
 * backward: accumulates (+=) into its parameter gradients; into dx (if not NULL) it accumulates
 * when `accumulate` is set and otherwise overwrites (the model's sequential backward pass uses
 * overwrite, which saves zeroing every activation gradient each step).
 * kl: for Bayesian layers: returns the KL term in double and accumulates scale * dKL/dparam
 * into the gradients. It is called after a forward pass with the same parameters (it reuses
 * per-weight quantities that the forward pass computed). */
#ifndef GMDL_NN_LAYER_H
#define GMDL_NN_LAYER_H

#include "common.h"
#include "gmdl/nn.h"
#include "gmdl/rng.h"

#define GMDL__MAX_PARAMS 6

typedef struct gmdl__layer gmdl__layer;

typedef struct gmdl__fwd {
    const float *x; /* [N, in_size] */
    float *y;       /* [N, out_size] */
    int n;
    gmdl_mode mode;
    uint64_t seed; /* master seed; stochastic layers derive per-sample streams from it */
    uint64_t step; /* optimizer step (TRAIN) or pass index (EVAL_SAMPLE) */
} gmdl__fwd;

typedef struct gmdl__bwd {
    const float *x;  /* [N, in_size] the forward input */
    const float *y;  /* [N, out_size] the forward output */
    const float *dy; /* [N, out_size] */
    float *dx;       /* [N, in_size]; NULL when not needed (first layer) */
    int n;
    int accumulate; /* 1: dx += ..., 0: dx = ... */
} gmdl__bwd;

typedef struct gmdl__layer_ops {
    const char *kind;
    /* Computes out_size (and out_c/h/w) from the input shape; declares parameters and the
     * per-sample cache size. */
    gmdl_status (*setup)(gmdl__layer *l, gmdl_err *err);
    void (*init)(gmdl__layer *l, gmdl_rng *rng);
    void (*forward)(gmdl__layer *l, const gmdl__fwd *a);
    void (*backward)(gmdl__layer *l, const gmdl__bwd *a);
    double (*kl)(gmdl__layer *l, double scale);
    /* optional, after every optimizer step (e.g. clipping posterior variances) */
    void (*after_step)(gmdl__layer *l);
    /* Layers with a posterior (compression, pruning statistics): the pruning statistic of every
     * weight, or of every group for structured layers, into stat (when not NULL), and each
     * weight's posterior mean and marginal variance into mean and var (when not NULL; [count of
     * the weight]); returns the number of statistics. *groups: their count for structured
     * layers (a group is an input unit of a dense layer, an output filter of a conv layer), 0
     * for per-weight statistics. */
    size_t (*posterior)(
        const gmdl__layer *l, float *mean, float *var, double *stat, size_t *groups);
    /* Weight layers: sets what the deterministic pass (EVAL_MEAN) uses as the weight to w
     * [count of the weight] and, when bias is not NULL, the bias (a .gmz being loaded, or
     * compression trying quantised weights). */
    void (*load_compressed)(gmdl__layer *l, const float *w, const float *bias);
    /* Prior layers under which the weights of the layers before them compress to a codebook
     * (sws): codebook writes the codebook's values into values (when not NULL; entry 0 is the
     * zero, whose weights are pruned) and returns its size; assign gives each of w[0, n) its
     * entry (comp) and that entry's value (value), either output may be NULL. NULL for other
     * kinds: compression then uses the weight layers' own posteriors. */
    size_t (*codebook)(const gmdl__layer *l, float *values);
    void (*assign)(const gmdl__layer *l, const float *w, size_t n, float *value, int *comp);
    /* constant data of the kind, read by shared implementations (the group layers of
     * bayes/group.c: their gmdl__group_prior); NULL for most kinds */
    const void *impl;
} gmdl__layer_ops;

typedef struct gmdl__param {
    char name[48]; /* "fc1.weight" */
    int ndim;
    uint64_t dims[4];
    size_t count;
    size_t offset; /* into the parameter store, 16-float aligned */
    float *p, *g;  /* value and gradient */
} gmdl__param;

struct gmdl__layer {
    const gmdl__layer_ops *ops;
    char name[32];
    int index;            /* position in the model */
    int in_c, in_h, in_w; /* input shape (dense: in_c = features, in_h = in_w = 1) */
    int out_c, out_h, out_w;
    size_t in_size, out_size;
    int units;               /* dense: output units; conv2d: output channels */
    int kh, kw, stride, pad; /* conv2d and pooling windows */
    int cnhw_in, cnhw_out;   /* spatial tensors are stored channel-major: [C, N, H, W] */
    int nparams;
    gmdl__param param[GMDL__MAX_PARAMS];
    size_t cache_per_sample; /* bytes of cache per sample */
    unsigned char *cache;    /* [max_batch * cache_per_sample], planned by the model */
    size_t work_floats;      /* per-layer workspace independent of the batch (Bayesian layers:
                                masked means, variances, log alpha of every weight) */
    float *work;
    int bayes; /* 1 for layers with a posterior (they implement kl) */
    /* State of one kind only, owned by that kind's file; the member of the layer's kind is the
     * valid one (zero when the layer is added). */
    union {
        struct { /* nn/dropout.c: the drop probability */
            float p;
        } dropout;
        struct { /* bayes/lrt.c: weights with log alpha >= prune_at leave the mean path during
                    training (svd: 3; vd, bbb: +inf, no mask) */
            float prune_at;
        } lrt;
        struct { /* bayes/group.c: upper clip of the weight log variances (0 = none) */
            float max_logvar;
        } group;
        struct { /* bayes/sws.c, the prior layer: the layers whose parameters it covers (all
                    before it), the zero component's fixed sd (0: learned) and the prior's
                    weight tau */
            struct gmdl__layer *layers;
            int nlayers;
            float zero_sd, tau;
        } sws;
        struct { /* select (nn/reshape.c): the input features kept, units of them (owned by
                    the model) */
            const uint32_t *idx;
        } select;
        struct { /* sparse_dense (nn/dense.c): the weight [K, D] in CSR form (owned by the
                    model), values dequantised */
            const uint32_t *rowptr, *cols;
            const float *vals;
        } csr;
    } k;
};

/* Weight layers declare their weight first and their bias second. */
static inline gmdl__param *gmdl__layer_weight(gmdl__layer *l) {
    return &l->param[0];
}
static inline const gmdl__param *gmdl__layer_weight_c(const gmdl__layer *l) {
    return &l->param[0];
}
static inline gmdl__param *gmdl__layer_bias(gmdl__layer *l) {
    return &l->param[1];
}
static inline const gmdl__param *gmdl__layer_bias_c(const gmdl__layer *l) {
    return &l->param[1];
}
/* load_compressed of the plain layers: w into the weight, bias into the bias */
void gmdl__layer_load_plain(gmdl__layer *l, const float *w, const float *bias);

extern const gmdl__layer_ops gmdl__dense_ops;
extern const gmdl__layer_ops gmdl__relu_ops;
extern const gmdl__layer_ops gmdl__dropout_ops;
extern const gmdl__layer_ops gmdl__conv2d_ops;
extern const gmdl__layer_ops gmdl__maxpool_ops;
extern const gmdl__layer_ops gmdl__avgpool_ops;
extern const gmdl__layer_ops gmdl__flatten_ops;      /* [C, N, H, W] -> [N, C*H*W] */
extern const gmdl__layer_ops gmdl__to_cnhw_ops;      /* [N, C, H, W] -> [C, N, H, W] */
extern const gmdl__layer_ops gmdl__sparse_dense_ops; /* CSR weights, inference only */
extern const gmdl__layer_ops gmdl__select_ops; /* [N, D] -> [N, units] kept features, inference */
extern const gmdl__layer_ops
    gmdl__svd_dense_ops; /* sparse variational dropout (bayes/svd.c, lrt.c) */
extern const gmdl__layer_ops gmdl__svd_conv2d_ops;
extern const gmdl__layer_ops gmdl__bbb_dense_ops; /* Bayes by backprop (bayes/bbb.c, lrt.c) */
extern const gmdl__layer_ops gmdl__bbb_conv2d_ops;
extern const gmdl__layer_ops gmdl__vd_dense_ops; /* variational dropout (bayes/vd.c, lrt.c) */
extern const gmdl__layer_ops gmdl__vd_conv2d_ops;
extern const gmdl__layer_ops gmdl__gnj_dense_ops; /* group normal-Jeffreys (bayes/gnj.c, group.c) */
extern const gmdl__layer_ops gmdl__gnj_conv2d_ops;
/* Soft weight-sharing prior (bayes/sws.c): a pass-through layer after the output whose kl() is
 * tau x the mixture prior's negative log density over the parameters of prior_layers. */
#define GMDL__SWS_COMPONENTS 17
extern const gmdl__layer_ops gmdl__sws_prior_ops;
/* Component of each of w[0, n) under the prior (argmax pi_j N(w | mu_j, 1/lambda_j)); value: its
 * mean (exactly 0 for component 0); either output may be NULL. */
void gmdl__sws_assign(const gmdl__layer *l, const float *w, size_t n, float *value, int *comp);
/* value of each of w[0, n) as gmdl__sws_assign gives it, carried on to a fixed point: a weight
 * set to mu_j where another component outweighs j moves on to that one's value (at most 8 more
 * steps), so that assigning the result again leaves it unchanged (sws hardening). */
void gmdl__sws_settle(const gmdl__layer *l, const float *w, size_t n, float *value);
/* The value of each component as compression stores it: its mean, exactly 0 for component 0
 * (values [GMDL__SWS_COMPONENTS]). */
void gmdl__sws_codebook(const gmdl__layer *l, float *values);
/* Places the learned components on the parameters of prior_layers (a pretrained net): 1-D
 * k-means of the parameters outside the zero component's +-2 sd, each layer weighted equally; each
 * component's sd its cluster's. */
gmdl_status gmdl__sws_fit(gmdl__layer *l, gmdl_err *err);
extern const gmdl__layer_ops gmdl__ghs_dense_ops; /* group horseshoe (bayes/ghs.c, group.c) */
extern const gmdl__layer_ops gmdl__ghs_conv2d_ops;

/* im2col for channel-major input x [C, N, H, W]: col [C*kh*kw, N*OH*OW], zero padding.
 * col2im accumulates the inverse into dx. Shared by the Bayesian conv layers (a convolution of
 * x^2 with sigma^2 uses the same columns, squared). */
void gmdl__im2col(const float *x,
                  float *col,
                  int C,
                  int N,
                  int H,
                  int W,
                  int kh,
                  int kw,
                  int stride,
                  int pad,
                  int OH,
                  int OW);
void gmdl__col2im(const float *col,
                  float *dx,
                  int C,
                  int N,
                  int H,
                  int W,
                  int kh,
                  int kw,
                  int stride,
                  int pad,
                  int OH,
                  int OW,
                  int accumulate);
/* y[n, k] += b[k] for y [N, K];  y[f, p] += b[f] for channel-major y [F, P]. */
void gmdl__dense_add_bias(float *y, const float *b, int N, int K);
void gmdl__conv_add_bias(float *y, const float *b, int F, size_t P);
/* Direct-loop reference convolution (test oracle): x [C, N, H, W], w [F, C, kh, kw], b [F],
 * y [F, N, OH, OW]. */
void gmdl__conv2d_forward_ref(const float *x,
                              const float *w,
                              const float *b,
                              float *y,
                              int C,
                              int N,
                              int H,
                              int W,
                              int F,
                              int kh,
                              int kw,
                              int stride,
                              int pad);

/* U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for every parameter, as PyTorch's Linear and Conv2d. */
void gmdl__init_uniform_fanin(gmdl__layer *l, gmdl_rng *rng, size_t fan_in);

/* Declares parameter i of layer l with the given name suffix and shape. */
void gmdl__layer_param(gmdl__layer *l, int i, const char *suffix, int ndim, const uint64_t *dims);

/* Softmax cross-entropy on logits [N, K] with labels y: returns the summed loss (double) and,
 * when dlogits is not NULL, writes dlogits = (softmax - onehot) * scale. probs (optional)
 * receives the softmax. correct (optional) counts argmax hits. */
double gmdl__softmax_xent(const float *logits,
                          const int32_t *y,
                          int n,
                          int k,
                          float scale,
                          float *dlogits,
                          float *probs,
                          int *correct);

#endif
