/*
 * seg segment --method gmm (gmm.c): the Gaussian mixture's options, its fit
 * with the BIC sweep over k, and its lines in the summary. Called from
 * cmd_segment.c and summary.c by small hooks.
 */
#ifndef SEG_TOOL_SEGMENT_GMM_H
#define SEG_TOOL_SEGMENT_GMM_H

#include "segment.h"

/* The BIC sweep's figures, one per k from k_min (NULL when k was given). */
typedef struct gmm_sweep {
    size_t k_min, count, chosen;
    double *bic, *aic, *ll;
} gmm_sweep;

/* --covariance and --reg-covar into o: 0, or EXIT_USAGE after saying why. */
int gmm_option(opts *o, int id, const char *val);
/* Options that do not go with --method gmm, or gmm options without it: 0,
 * or EXIT_USAGE after saying why. */
int gmm_check(const opts *o);
/* The fit of s's matrix (a BIC sweep first unless k was given or --init
 * gives the means): the model, labels and distances; s->gmm is set to the
 * sweep (freed by gmm_sweep_free). 0 or a seg_status. */
int segment_gmm_fit(const opts *o, summary *s, int32_t *labels, double *dist, seg_model **out);
void gmm_sweep_free(const summary *s);
/* The mixture's members of the JSON summary (nothing for other models). */
void gmm_json(FILE *f, const summary *s);
/* The mixture's lines of the text summary (nothing for other models). */
void gmm_text(const summary *s);
/* report_gmm.c: the HTML report's mixture section (nothing for other models). */
void report_gmm(FILE *f, const summary *s);

#endif
