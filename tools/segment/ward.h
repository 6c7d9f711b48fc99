/*
 * The Ward branch of `seg segment` (ward.c).
 */
#ifndef SEG_TOOL_SEGMENT_WARD_H
#define SEG_TOOL_SEGMENT_WARD_H

#include <seg.h>

#include "segment.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ward_request {
    const char *file;
    int64_t k;           /* segments */
    int64_t pre_cluster; /* k-means micro-clusters first; 0 = none */
    int64_t seed, threads, silhouette_sample;
    const char *assignments, *features;
    bool json;
    const opts *o;                  /* --report, --target, --model */
    const int8_t *outcome, *control; /* --target / --control columns, or NULL */
    struct outputs *out;             /* where the files go (../output.h) */
    const left_out *left;            /* identifier-like columns left out */
    char *const *input_names;        /* the file's columns, for the model's */
    size_t n_input;                  /* record of what was left out and why */
} ward_request;

/* Ward on the scaled features of ds, cut into r->k segments, metrics and the
 * summary on stdout; with o->report the HTML report, with its dendrogram. Returns the command's exit status. */
int segment_ward(const ward_request *r, const seg_dataset *ds, const seg_scaler *sc);

#endif
