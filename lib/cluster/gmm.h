/*
 * The Gaussian mixture fit (gmm.c) that pipeline/ composes: the model (with
 * its mixture; no outlier reference, scaler or profiles) and, when not NULL,
 * the final E-step's probabilities (n x k), argmax labels and each row's
 * distance to its label's mean. Not installed.
 */
#ifndef SEG_CLUSTER_GMM_H
#define SEG_CLUSTER_GMM_H

#include "core/core.h"

int seg_gmm_fit_rows(seg_gmm *g, const double *x, size_t n, size_t d, double *proba,
                     int32_t *labels, double *dist, seg_model **out);

#endif
