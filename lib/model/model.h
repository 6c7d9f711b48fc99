/*
 * The fitted model object (model.c): what every fit of lib/cluster builds and
 * what predict, the model file, profiles, outlier references and labels read.
 * Not installed.
 */
#ifndef SEG_MODEL_H
#define SEG_MODEL_H

#include "core/core.h"

typedef struct seg_kproto seg_kproto;

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
    struct seg_xtree *tree; /* explanation tree (tree.h), or NULL */
    struct seg_kproto *kproto; /* k-prototypes means and modes (kproto.h), or NULL */
    struct seg_mixture *mixture; /* Gaussian mixture (mixture.h): labels by probability; or NULL */
    /* columns of the input not in the model, and why (seg_model_add_left_out) */
    size_t n_left;
    char **left_name, **left_reason;
    /* size bounds of a capacity fit (cluster/capacity.c), k each, or NULL */
    int64_t *cap_min, *cap_max;
};

/*
 * Build a model from centroids (k x d, copied) and per-segment statistics.
 * Computes the float copies and norms exactly as the fit and predict use them.
 */
int seg_model_create(seg_model **out, size_t k, size_t d, seg_dtype dtype,
                     const double *centroids);

/*
 * The model's labelling pass (predict.c): each of n rows x (d = m->d, float
 * when f32) gets its nearest segment and, unless distances is NULL, its
 * distance to it, bit for bit what seg_predictor_run_* gives, on up to
 * `threads` library threads. For a stage that needs predict's labels of rows
 * no earlier pass labelled against these centroids; never to label rows a
 * second time. SEG_ERR_NONFINITE, SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
int seg_model_label_rows(const seg_model *m, const void *x, bool f32, size_t n, int64_t threads,
                         int32_t *labels, double *distances);

#endif /* SEG_MODEL_H */
