#ifndef GMDL_NN_OPTIM_H
#define GMDL_NN_OPTIM_H

#include "common.h"

/* p, g, m, v: [n] at identical offsets; t is the 1-based step. Zeroes g. */
void gmdl__adam_step(float *restrict p,
                     float *restrict g,
                     float *restrict m,
                     float *restrict v,
                     size_t n,
                     double lr,
                     double b1,
                     double b2,
                     double eps,
                     double wd,
                     uint64_t t);
/* Zeroes g. */
void gmdl__sgd_step(float *restrict p,
                    float *restrict g,
                    float *restrict buf,
                    size_t n,
                    double lr,
                    double momentum,
                    double wd);

#endif
