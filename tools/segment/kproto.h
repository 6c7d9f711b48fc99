/*
 * The k-prototypes branch of `seg segment --method kprototypes` (kproto.c):
 * its checks, fit, sweep over k and the lines it adds to the outputs.
 */
#ifndef SEG_TOOL_SEGMENT_KPROTO_H
#define SEG_TOOL_SEGMENT_KPROTO_H

#include "segment.h"

/* Whether o asks for k-prototypes. */
bool kproto_wanted(const opts *o);
/* The options k-prototypes refuses or needs (0, or EXIT_USAGE after saying why). */
int kproto_check(const opts *o);
/* The sweep over k (--k-min .. --k-max) on s's encoded rows: *k the chosen. */
int kproto_sweep(const opts *o, const summary *s, size_t *k);
/* The fit with k segments on s's encoded rows: labels, distances, model. */
int kproto_fit(const opts *o, const summary *s, size_t k, int32_t *labels, double *dist,
               seg_model **m);
/* s's rows in the k-prototypes geometry (each categorical feature scaled so
 * that squared distances are the cost), for the quality measures; the caller
 * frees it. NULL when out of memory. */
double *kproto_geometry(const summary *s);
/* Whether a sweep chose k; its members and lines for the JSON and text summaries. */
bool kproto_swept(void);
void kproto_json(FILE *f, const opts *o, const summary *s);
void kproto_text(const opts *o, const summary *s);
/* The report's k-prototypes section (nothing for other methods). */
void report_kproto(FILE *f, const opts *o, const summary *s);

#endif
