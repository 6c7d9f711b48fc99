/*
 * seg predict --proba (predict_proba.c): each segment's probability per row
 * under a Gaussian mixture model, and the CSV that carries them.
 */
#ifndef SEG_TOOL_PREDICT_PROBA_H
#define SEG_TOOL_PREDICT_PROBA_H

#include <seg.h>

#include <stdio.h>

/* The n x k probabilities of ds's rows into *out (malloc'd; the caller
 * frees it). 0 or a seg_status (SEG_ERR_STATE: m is not a mixture). */
int predict_proba(const seg_model *m, const seg_dataset *ds, int64_t threads, double **out);
/* id,segment,p_0,...,p_{k-1}: every probability to 17 digits, so that the
 * file gives back the doubles. 0, or -1 on a write error. */
int write_proba_csv(FILE *f, const seg_dataset *ds, const int32_t *labels, const double *proba,
                    size_t n, size_t k);

/* seg info: a mixture model's covariance type, log-likelihood, BIC and
 * AIC, as a line of text or JSON members (nothing for other models). */
void gmm_info_text(const seg_model *m);
void gmm_info_json(const seg_model *m);

#endif
