/*
 * Private k-means declarations shared by kmeans.c, model.c and predict.c.
 */
#ifndef SEG_KMEANS_H
#define SEG_KMEANS_H

#include "internal.h"

#ifdef _OPENMP
#include <omp.h>
#define SEG_THREAD_ID() omp_get_thread_num()
#else
#define SEG_THREAD_ID() 0
#endif

struct seg_model {
    size_t k, d, n_rows;
    seg_dtype dtype;        /* precision the model was fitted (and predicts) in */
    double *centroids;      /* k x d */
    float *centroids_f32;   /* k x d, the exact float copy the fit used */
    double *cnorm;          /* k squared norms of centroids */
    float *cnorm_f32;       /* k squared norms of centroids_f32 */
    size_t *sizes;          /* k */
    double *weights;        /* k */
    double inertia;
    int64_t iterations;
    int converged;
    double fit_seconds;
    double init_seconds;
    seg_scaler *scaler;     /* owned copy, or NULL */
    double metric[3];       /* seg_model_metric - SEG_MODEL_SILHOUETTE; NaN = not set */
    char *written_by;       /* library version of a loaded model file, or NULL */
    struct seg_profile *profile; /* per-segment statistics (profile.h), or NULL */
    struct seg_outliers *outliers; /* training distance quantiles (outlier.h), or NULL */
};

/*
 * Build a model from centroids (k x d, copied) and per-segment statistics.
 * Computes the float copies and norms exactly as the fit and predict use them.
 */
int seg_model_create(seg_model **out, size_t k, size_t d, seg_dtype dtype,
                     const double *centroids);

/* Partitioning of n rows into fixed ranges whose partial sums are combined in
 * order: it depends on n, k, d and the element size only, never on the
 * number of threads, so results are identical for any thread count. */
typedef struct seg_parts {
    size_t block;     /* rows per GEMM block */
    size_t rows;      /* rows per partition (a multiple of block) */
    size_t count;     /* number of partitions */
    bool threaded;    /* library threads may run partitions (see seg_block_plan) */
} seg_parts;

seg_parts seg_parts_plan(size_t n, size_t k, size_t d, size_t elem);

#endif
