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

#endif
