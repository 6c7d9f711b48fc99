/*
 * The rule that chooses k from the rows of a sweep, apart from the sweep so
 * that a test can give it constructed rows. Not installed.
 */
#ifndef SEG_ANALYSE_SWEEP_H
#define SEG_ANALYSE_SWEEP_H

#include "core/core.h"

/*
 * Rank count rows (k in increasing order; row i's values at [i x stride]) by the rule of the sweep
 * group in seg.h: a row is eligible when its stability reaches threshold, or, when no row does,
 * when it equals the highest stability measured (NaN: not measured; when no row has one, every row
 * is eligible). Eligible rows come first, then higher silhouette (NaN last), then smaller k.
 * *chosen and *runner_up receive the first two rows (*runner_up = SIZE_MAX when count is 1) and
 * *why why the second lost (a seg_sweep_reason; 0 without a runner-up). count >= 1.
 */
void seg_sweep_pick(const double *silhouette, const double *stability, size_t stride, size_t count,
                    double threshold, size_t *chosen, size_t *runner_up, int *why);

/*
 * The default rule (SEG_SWEEP_RULE_LARGEST_STABLE, seg.h): a row holds up when both its stability
 * and its worst-segment stability (worst, same stride) reach threshold; the chosen row is the
 * largest k that holds up, the runner-up the next largest that does (*why SEG_SWEEP_LOST_FEWER)
 * or, when only one does, the row of the highest worst-segment stability among the others (NaN
 * last, then the smaller k; SEG_SWEEP_LOST_STABILITY). When no row holds up (or worst is NULL),
 * seg_sweep_pick(). count >= 1.
 */
void seg_sweep_pick_stable(const double *silhouette, const double *stability, const double *worst,
                           size_t stride, size_t count, double threshold, size_t *chosen,
                           size_t *runner_up, int *why);

/*
 * The rows the silhouette scores when it samples m of n rows with this seed
 * (seg_metrics_silhouette_*'s draw), in increasing order; 0 .. n - 1 when
 * m >= n. idx holds min(m, n) entries. SEG_OK or SEG_ERR_NOMEM.
 */
int seg_metrics_sample_rows(size_t n, size_t m, uint64_t seed, size_t *idx);

/*
 * The processes that run one sweep together (seg_sweep_run_source() with
 * SEG_SWEEP_OP_PROCESSES), as the samples' work sees them: this process's
 * index of `processes`; agree() returns the status every process agrees on
 * (SEG_SWEEP_OP_AGREE), share() fills in every process's range
 * values[offsets[p] .. offsets[p + 1]) from the process that computed it
 * (SEG_SWEEP_OP_SHARE). Every process must make the same calls.
 */
typedef struct seg_spread {
    size_t index, processes;
    int (*agree)(void *ctx, int rc);
    int (*share)(void *ctx, double *values, const size_t *offsets);
    void *ctx;
} seg_spread;

/* The first of count pieces that process p of `processes` computes (its
 * pieces run to the next process's first): contiguous runs, as even as
 * they can be. p == processes gives count. */
static inline size_t seg_spread_first(size_t count, size_t p, size_t processes)
{
    return count / processes * p + count % processes * p / processes;
}

/*
 * seg_metrics_silhouettes_threads_*() (f32: x is float), shared by the
 * processes of sp when it is not NULL and has more than one: each scores
 * its run of the sample's blocks (seg_spread_first()), the scores are
 * shared, and every process gets the single-process bits. Collective over
 * sp's processes: every one calls it with the same arguments but sp->index.
 */
int seg_metrics_silhouettes_spread(const void *x, bool f32, size_t n, size_t d,
                                   const int32_t *const *labels, const size_t *ks, size_t count,
                                   const double *w, size_t sample_size, uint64_t seed,
                                   int64_t threads, const seg_spread *sp, double *out);

#endif
