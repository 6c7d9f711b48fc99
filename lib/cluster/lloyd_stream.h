/*
 * Private layout of seg_lloyd_pass (lloyd_stream.c), shared with the
 * chunked fits (fit_chunks.c). Not installed.
 */
#ifndef SEG_LLOYD_STREAM_H
#define SEG_LLOYD_STREAM_H

#include "core/core.h"

struct seg_lloyd_pass {
    size_t k, d, block;
    double *c, *cnorm; /* k x d centroids and their squared norms */
    double *sum;       /* k x d */
    int64_t *count;    /* k */
    double inertia;
    size_t rows;
    /* One block of scratch. */
    double *xnorm, *tile, *mind;
    int32_t *lab;
};

#endif /* SEG_LLOYD_STREAM_H */
