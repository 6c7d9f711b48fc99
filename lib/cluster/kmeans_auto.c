/*
 * How SEG_ALGORITHM_AUTO picks the algorithm of a k-means fit: a cost model
 * of the passes on the machine's measured properties (kernel/machine.h):
 * Lloyd, or bounds (through the register kernel Hamerly's in few
 * dimensions and Yinyang's in more, through BLAS Hamerly's) from a
 * break-even k.
 * Kept apart from the fit (kmeans.c): the rule is a function of its
 * arguments, which tests drive with synthetic machines.
 */
#include "cluster/kmeans.h"
#include "kernel/distance.h"

#include <math.h>

/*
 * AUTO's cost model (register kernel). Per row and iteration, Lloyd pays
 * k d multiply-adds of the kernel plus the pass over the row; a bounded
 * variant pays the pass, its bounds' bookkeeping, and the distances of the
 * rows whose bounds fail. With madd and stream the machine's costs of one
 * multiply-add and of one value streamed (seg_machine), Hamerly is cheaper
 * when
 *
 *     k d madd (1 - f) > d stream b   <=>   k > kappa(d) stream / madd,
 *
 * where f (the share of rows still computed) and b (the bookkeeping per
 * value, in units of stream) depend on the data and the code, not on the
 * machine: kappa(d) = b / (1 - f) is taken from the W5 grid of bench/ on the
 * reference machine (its break-even k there times its madd / stream), and
 * the machine's own ratio scales it. (The model predicts the threshold of
 * the older fixed rule: a CPU whose kernel ran 2.4x faster, 316 against 130
 * GFLOP/s in W1, gets a break-even k of ~115 at d = 32, where that rule's
 * grid had it between 64 and 128.) Twice as fast FMAs double the k at which
 * the bounds pay; an AVX2-only core halves it. Between the grid's d, kappa
 * is interpolated in log d; beyond, the nearest end is kept.
 */
static const struct {
    double d, k;
} auto_break_even[] = {
    /* d, break-even k on the reference machine: the W5 grid of bench/
     * (n = 200,000, best of 7 rounds) after the bounded passes' rework of
     * session 9 (2026-12-07; bench/README.md), the k where Lloyd's time and
     * the best bounded variant's cross, interpolated in log k */
    {2, 48},   /* Lloyd 1.6x faster at k = 16, Hamerly 1.09x at 64, 1.65x at 256 */
    {8, 24},   /* Lloyd 1.29x faster at k = 16, Hamerly 1.47x at 64 */
    {32, 12},  /* Lloyd 1.07x faster at k = 4, a tie at 16, bounds 1.7x at 64 */
    {128, 5},  /* Lloyd 1.11x faster at k = 4, bounds 2.5x at 16 */
};

double seg_kmeans_auto_break_even(const seg_machine *m, size_t d)
{
    const size_t last = sizeof auto_break_even / sizeof auto_break_even[0] - 1;
    const double ld = log((double)(d ? d : 1));
    double k = auto_break_even[last].k;
    if (ld <= log(auto_break_even[0].d)) {
        k = auto_break_even[0].k;
    } else {
        for (size_t i = 0; i < last; i++) {
            const double l0 = log(auto_break_even[i].d), l1 = log(auto_break_even[i + 1].d);
            if (ld <= l1) {
                const double u = (ld - l0) / (l1 - l0);
                k = exp((1 - u) * log(auto_break_even[i].k) + u * log(auto_break_even[i + 1].k));
                break;
            }
        }
    }
    /* kappa(d) = k * ref.madd / ref.stream, scaled by this machine's ratio. */
    const seg_machine ref = seg_machine_reference();
    return k * (ref.madd_ns / ref.stream_ns) * (m->stream_ns / m->madd_ns);
}

seg_algorithm seg_kmeans_auto_rule(const seg_machine *m, bool regkernel, size_t n, size_t d,
                                   size_t k)
{
    (void)n;
    /* Above the break-even the bounds are Yinyang's (about k / 10 groups;
     * one, Hamerly's, up to k = 10): on W2 of bench/ (k = 64, d = 32) its
     * fit took 0.76 of Lloyd's CPU time against Hamerly's 0.81, and on
     * 200,000 rows of the same blobs 0.51 against 0.66 (session 9). In few
     * dimensions a group's bookkeeping costs about what its distances
     * would, and Hamerly's one bound wins: on the W5 grid Yinyang took
     * 1.13-1.51x Hamerly's time at d = 2 and 8 (k = 64, 256), and was within
     * 3 % of the best at d = 32 and 128. */
    if (regkernel) {
        if ((double)k < seg_kmeans_auto_break_even(m, d))
            return SEG_ALGORITHM_LLOYD;
        return d < 16 ? SEG_ALGORITHM_HAMERLY : SEG_ALGORITHM_YINYANG;
    }
    /* Through BLAS (no register kernel: d > SEG_RK_DMAX or no AVX2), small
     * GEMMs pay their call and packing costs, so Hamerly's bounds pay once
     * k >= 64, or from k = 16 in very few dimensions (W5 grid of an older
     * session; not calibrated per machine). */
    return k >= 64 || (d <= 2 && k >= 16) ? SEG_ALGORITHM_HAMERLY : SEG_ALGORITHM_LLOYD;
}

seg_algorithm seg_kmeans_algorithm_for(int64_t setting, size_t n, size_t d, size_t k)
{
    if (setting != SEG_ALGORITHM_AUTO)
        return (seg_algorithm)setting;
    const bool rk = seg_regkernel_ok(d, sizeof(float));
    /* Measure the machine only when the model needs it. */
    const seg_machine m = rk ? seg_machine_get() : seg_machine_reference();
    return seg_kmeans_auto_rule(&m, rk, n, d, k);
}
