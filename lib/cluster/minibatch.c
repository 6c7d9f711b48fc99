/*
 * Mini-batch k-means (D. Sculley, "Web-scale k-means clustering", WWW 2010)
 * and the update of a fitted model with new rows.
 *
 * Each centroid keeps a count v_j (the weight of the rows it has absorbed);
 * Sculley's per-row update c <- (1 - 1/v) c + (1/v) x with v incremented per
 * row equals, over one batch, c <- (v c + S) / (v + m) where S and m are the
 * (weighted) sum and weight of the batch's rows assigned to c. The batch
 * form is used: it does not depend on the order of rows within a batch, so
 * the result depends only on the data, the settings and the seed. A
 * forgetting factor f multiplies every count by (1 - f) before each batch,
 * so recent rows weigh more (an exponentially weighted mean). Centroids
 * whose count falls below a ratio of the largest (starved: nothing is
 * assigned to them) are moved to a batch row drawn with probability
 * proportional to its weighted squared distance (the k-means++ rule), their
 * count reset to the smallest other count.
 *
 * A fit stops early when the batches stop improving (see mb_stop), and
 * otherwise costs its batches plus one pass that labels every row (whose
 * labels and distances the later stages reuse: lib/pipeline). Before that
 * pass, Lloyd steps move each centroid to the mean of all its rows until
 * they stop moving by k-means' own rule (SEG_MINIBATCH_FINAL_TOL, at most
 * SEG_MINIBATCH_FINAL_STEPS steps; a seg_kmeans fit, see below): the batches leave
 * every centroid a noisy estimate of that mean, near a Lloyd fixed point
 * but not at it. Each step costs one labelling pass and never raises the
 * inertia. The
 * bodies that read rows are in minibatch_tmpl.h, for float and double;
 * assignment is the distance kernel's (lib/distance.h), block by block.
 */
#include "cluster/kmeans.h"
#include "core/params.h"
#include "prepare/scaler.h"
#include "kernel/distance.h"
#include "model/outlier.h"

#include <string.h>

struct seg_minibatch {
    int64_t k, batch, steps, seed, init_sample, n_init, patience, threads, min_profile_size, dtype;
    int64_t final_steps;
    double forget, reassign, tol, final_tol;
};

int seg_minibatch_new(seg_minibatch **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    seg_minibatch *mb = seg_calloc(1, sizeof *mb);
    if (!mb)
        return SEG_NOMEM();
    mb->k = 8;
    mb->batch = 1024;
    mb->n_init = 3;
    mb->patience = 10;
    mb->threads = 1;
    mb->dtype = SEG_DTYPE_F64;
    mb->reassign = 0.01;
    mb->tol = 1e-7;
    mb->final_steps = 100;
    mb->final_tol = 1e-4;
    *out = mb;
    return SEG_OK;
}

void seg_minibatch_free(seg_minibatch *mb)
{
    seg_free(mb);
}

/* The settings: where each lives and its range. */
static const seg_param minibatch_rows[] = {
    SEG_PARAM_INT(SEG_MINIBATCH_K, 1, 1e6, seg_minibatch, k, NULL),
    SEG_PARAM_INT(SEG_MINIBATCH_BATCH_SIZE, 1, 0x1p30, seg_minibatch, batch, NULL),
    SEG_PARAM_INT(SEG_MINIBATCH_MAX_STEPS, 0, 1e9, seg_minibatch, steps, NULL),
    SEG_PARAM_INT(SEG_MINIBATCH_SEED, SEG_PARAM_INT64_MIN, SEG_PARAM_INT64_MAX, seg_minibatch, seed,
                  NULL),
    SEG_PARAM_INT(SEG_MINIBATCH_INIT_SAMPLE, 0, 0x1p40, seg_minibatch, init_sample, NULL),
    SEG_PARAM_INT(SEG_MINIBATCH_N_INIT, 1, 1000, seg_minibatch, n_init, NULL),
    SEG_PARAM_INT(SEG_MINIBATCH_MAX_NO_IMPROVEMENT, 0, 1e9, seg_minibatch, patience, NULL),
    SEG_PARAM_INT(SEG_MINIBATCH_THREADS, 0, 4096, seg_minibatch, threads, NULL),
    SEG_PARAM_INT(SEG_MINIBATCH_MIN_PROFILE_SIZE, 0, 1e12, seg_minibatch, min_profile_size, NULL),
    SEG_PARAM_INT(SEG_MINIBATCH_DTYPE, SEG_DTYPE_F64, SEG_DTYPE_F32, seg_minibatch, dtype, NULL),
    SEG_PARAM_INT(SEG_MINIBATCH_FINAL_STEPS, 0, 100, seg_minibatch, final_steps, NULL),
    /* below 1: a factor of 1 would forget every count */
    SEG_PARAM_REAL(SEG_MINIBATCH_FORGET, 0, 0x1.fffffffffffffp-1, seg_minibatch, forget, NULL),
    SEG_PARAM_REAL(SEG_MINIBATCH_REASSIGN_RATIO, 0, 1, seg_minibatch, reassign, NULL),
    SEG_PARAM_REAL(SEG_MINIBATCH_TOL, 0, 1, seg_minibatch, tol, NULL),
    SEG_PARAM_REAL(SEG_MINIBATCH_FINAL_TOL, 0, 1e6, seg_minibatch, final_tol, NULL),
};
static const seg_param_table minibatch_params = SEG_PARAM_TABLE("mini-batch", minibatch_rows, NULL);

int seg_minibatch_set_int(seg_minibatch *mb, seg_minibatch_param param, int64_t value)
{
    return seg_param_set_int(&minibatch_params, mb, (int)param, value);
}

int seg_minibatch_set_double(seg_minibatch *mb, seg_minibatch_param param, double value)
{
    return seg_param_set_real(&minibatch_params, mb, (int)param, value);
}

int seg_minibatch_get_int(const seg_minibatch *mb, seg_minibatch_param param, int64_t *value)
{
    return seg_param_get_int(&minibatch_params, mb, (int)param, value);
}

int seg_minibatch_get_double(const seg_minibatch *mb, seg_minibatch_param param, double *value)
{
    return seg_param_get_real(&minibatch_params, mb, (int)param, value);
}

int seg_minibatch_param_bounds(seg_minibatch_param param, double *lower, double *upper)
{
    return seg_param_bounds(&minibatch_params, (int)param, lower, upper);
}

/* Batches of a fit: as set, else one pass over the rows' worth of batches,
 * at least 100 and at most 1000 (early stopping usually ends it sooner). */
static int64_t mb_steps(const seg_minibatch *mb, size_t n, size_t b)
{
    if (mb->steps)
        return mb->steps;
    const size_t pass = n / b;
    return pass < 100 ? 100 : pass > 1000 ? 1000 : (int64_t)pass;
}

/*
 * Early stopping, after scikit-learn's documented MiniBatchKMeans rules
 * (https://scikit-learn.org/stable/modules/generated/sklearn.cluster.MiniBatchKMeans.html:
 * max_no_improvement and tol): a fit stops when the smoothed per-row batch
 * inertia has not improved for `patience` batches, or when the smoothed mean
 * squared centroid shift per batch falls below tol times the data's spread
 * (its total variance, estimated on the held-out start sample). Both are
 * exponentially weighted averages with a fixed alpha = 0.1 (about the last
 * 20 batches): scikit-learn's alpha = 2 b / (n + 1) averages over a whole
 * pass, which at n = 10^7 would not settle within the batches a fit draws.
 * Neither rule fires before the tenth batch.
 */
#define MB_ALPHA 0.1

typedef struct mb_stop {
    double tol_shift, ewa_inertia, best, ewa_shift;
    int64_t patience, seen, stale;
} mb_stop;

static void mb_stop_init(mb_stop *st, const seg_minibatch *mb, size_t k, double spread)
{
    *st = (mb_stop){.tol_shift = mb->tol * (double)k * spread, .patience = mb->patience};
}

static bool mb_stop_after(mb_stop *st, double inertia, double shift)
{
    if (st->seen++ == 0) {
        st->ewa_inertia = st->best = inertia;
        st->ewa_shift = shift;
        return false;
    }
    st->ewa_inertia += MB_ALPHA * (inertia - st->ewa_inertia);
    st->ewa_shift += MB_ALPHA * (shift - st->ewa_shift);
    if (st->ewa_inertia < st->best) {
        st->best = st->ewa_inertia;
        st->stale = 0;
    } else
        st->stale++;
    if (st->seen < 10)
        return false;
    return (st->patience && st->stale >= st->patience) ||
           (st->tol_shift > 0 && st->ewa_shift < st->tol_shift);
}

/*
 * The final Lloyd steps are a seg_kmeans fit from the batches' centroids
 * (FN(final_lloyd) in minibatch_tmpl.h): they stop by SEG_KMEANS_TOL's rule
 * (scikit-learn's KMeans rule), when a step moved the centroids by a summed
 * squared distance of at most final_tol times the mean variance of a
 * feature over all rows, and run on k-means' thread pool and fixed row
 * partitions. The mini-batch phase leaves the centroids near a Lloyd fixed
 * point but, on overlapping segments, not at it: measured on 10^6 x 16
 * blobs, a step after the batches lowered the inertia by 6e-4 (relative),
 * and runs that the batches left in a poor local optimum escaped it within
 * 16 steps.
 */

/*
 * Before the steps on all rows, fits of n >= MB_SAMPLE_MIN rows take the
 * same Lloyd steps on n / MB_SAMPLE_DIV rows drawn at random
 * (FN(sample_lloyd)): they cost a sixteenth of a pass each and move the
 * centroids to the sample's Lloyd fixed point, within sampling noise of the
 * full one, so that the steps on all rows usually stop after two. Measured
 * on 10^6 x 16 overlapping blobs, k = 16 (seeds 0, 1, 2): full steps 6, 3,
 * 12 before, 2, 3, 2 after; instructions of the fit (callgrind, seed 2)
 * 2.79e9 before, 1.85e9 after; inertia within 1e-5 either way.
 */
#define MB_SAMPLE_DIV 16
#define MB_SAMPLE_MIN ((size_t)1 << 18)

#define SEG_TMPL "cluster/minibatch_tmpl.h"
#include "core/instantiate.h"

int seg_minibatch_fit_rows(seg_minibatch *mb, const void *x, bool f32, size_t n, size_t d,
                           const double *w, int32_t *labels, double *dist, seg_model **out)
{
    return f32 ? fit_f32(mb, x, n, d, w, labels, dist, out)
               : fit_f64(mb, x, n, d, w, labels, dist, out);
}

/* Mini-batch updates move centroids as means: a k-prototypes model's modes
 * would silently become one-hot averages. */
static int not_kprototypes(const seg_model *old)
{
    return old && old->kproto
               ? seg_fail(SEG_ERR_STATE, "a k-prototypes model cannot be updated by mini-batch "
                                         "k-means: refit it with seg_kprototypes_*")
               : SEG_OK;
}

int seg_minibatch_partial_fit_f64(seg_minibatch *mb, const seg_model *old, const double *x,
                                  size_t n, size_t d, seg_model **out)
{
    SEG_ALLOC_SCOPE(mb);
    int rc = not_kprototypes(old);
    return rc < 0 ? rc : partial_f64(mb, old, x, n, d, NULL, out);
}

int seg_minibatch_partial_fit_f32(seg_minibatch *mb, const seg_model *old, const float *x,
                                  size_t n, size_t d, seg_model **out)
{
    SEG_ALLOC_SCOPE(mb);
    int rc = not_kprototypes(old);
    return rc < 0 ? rc : partial_f32(mb, old, x, n, d, NULL, out);
}

int seg_minibatch_partial_fit_weighted_f64(seg_minibatch *mb, const seg_model *old,
                                           const double *x, size_t n, size_t d,
                                           const double *weights, seg_model **out)
{
    SEG_ALLOC_SCOPE(mb);
    int rc = not_kprototypes(old);
    return rc < 0 ? rc : partial_f64(mb, old, x, n, d, weights, out);
}

int seg_minibatch_partial_fit_weighted_f32(seg_minibatch *mb, const seg_model *old,
                                           const float *x, size_t n, size_t d,
                                           const double *weights, seg_model **out)
{
    SEG_ALLOC_SCOPE(mb);
    int rc = not_kprototypes(old);
    return rc < 0 ? rc : partial_f32(mb, old, x, n, d, weights, out);
}
