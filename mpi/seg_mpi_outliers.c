/*
 * The outlier reference of a model fitted over MPI ranks
 * (seg_mpi_model_outliers, docs/mpi.md): each segment's quantile grid of
 * its rows' distances, as seg_model_set_outlier_reference() computes it on
 * all the rows in one process (lib/model/outlier.c), bit for bit. The grid
 * reads the order statistics at lo = floor((n_j - 1) i / q) and lo + 1 of
 * each segment's n_j distances; they are found exactly over the ranks by a
 * radix selection as select.c's (eight exchanges of 256 counts for each
 * distinct run of bits fixed so far), then interpolated by the serial
 * formula. Here up to 2002
 * statistics are wanted at once, so each rank sorts its distances first:
 * the values sharing the bits fixed so far then lie in one run of the
 * sorted array, and a round's counting is one pass over the runs (at most
 * the rank's values), not one over the values for every statistic.
 */
#include "seg-mpi.h"

#include <stdint.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GRID (SEG_OUTLIER_QUANTILES - 1)
#define DIGIT 8
#define BUCKETS (1u << DIGIT)

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* First index of sorted key[lo..hi) at or above v. */
static size_t lower_bound(const uint64_t *key, size_t lo, size_t hi, uint64_t v)
{
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (key[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * Collective. key[0..n): this rank's values' bit patterns (doubles >= 0,
 * no -0.0: their order is the values'), sorted. want[0..nw): 0-based ranks
 * among all ranks' values, ascending. out[s]: the key at rank want[s].
 */
static int select_sorted(MPI_Comm comm, const uint64_t *key, size_t n, const uint64_t *want,
                         size_t nw, uint64_t *out)
{
    uint64_t *prefix = calloc(nw, sizeof *prefix), *rank = malloc(nw * sizeof *rank);
    uint64_t *hist = malloc(nw * BUCKETS * sizeof *hist);
    size_t *alias = malloc(nw * sizeof *alias);
    int rc = seg_mpi_agree(comm, prefix && rank && hist && alias && nw * BUCKETS <= INT32_MAX
                                     ? SEG_OK
                                     : SEG_ERR_NOMEM);
    for (size_t w = 0; rc == SEG_OK && w < nw; w++)
        rank[w] = want[w];
    for (int round = 0; rc == SEG_OK && round < 64 / DIGIT; round++) {
        const int shift = 64 - DIGIT * (round + 1);
        /* ascending wanted ranks: equal prefixes are neighbours */
        /* alias[w]: the count of w's prefix among the distinct ones (the
         * same on every rank: the prefixes are agreed), which alone are
         * counted and exchanged */
        size_t distinct = 0;
        for (size_t w = 0; w < nw; w++)
            alias[w] = w > 0 && prefix[w] == prefix[w - 1] ? alias[w - 1] : distinct++;
        memset(hist, 0, distinct * BUCKETS * sizeof *hist);
        for (size_t w = 0; w < nw; w++) {
            if (w > 0 && alias[w] == alias[w - 1])
                continue;
            /* the run of values whose fixed bits are prefix[w]'s */
            size_t lo = 0, hi = n;
            if (round > 0) {
                const uint64_t span = UINT64_C(1) << (shift + DIGIT);
                lo = lower_bound(key, 0, n, prefix[w]);
                hi = prefix[w] > UINT64_MAX - span ? n : lower_bound(key, lo, n, prefix[w] + span);
            }
            for (size_t i = lo; i < hi; i++)
                hist[alias[w] * BUCKETS + ((key[i] >> shift) & (BUCKETS - 1))]++;
        }
        if (MPI_Allreduce(MPI_IN_PLACE, hist, (int)(distinct * BUCKETS), MPI_UINT64_T, MPI_SUM,
                          comm) !=
            MPI_SUCCESS) {
            rc = SEG_ERR_IO;
            break;
        }
        for (size_t w = 0; w < nw; w++) {
            const uint64_t *h = hist + alias[w] * BUCKETS;
            uint64_t below = 0;
            size_t b = 0;
            while (b < BUCKETS - 1 && rank[w] >= below + h[b])
                below += h[b++];
            prefix[w] |= (uint64_t)b << shift;
            rank[w] -= below;
        }
    }
    for (size_t w = 0; rc == SEG_OK && w < nw; w++)
        out[w] = prefix[w];
    free(prefix);
    free(rank);
    free(hist);
    free(alias);
    return rc;
}

int seg_mpi_model_outliers(MPI_Comm comm, seg_model *m, const int32_t *labels,
                           const double *distances, size_t rows)
{
    const size_t k = m ? seg_model_k(m) : 0, q = GRID;
    int rc = m && (!rows || (labels && distances)) ? SEG_OK : SEG_ERR_INVALID_ARG;
    for (size_t i = 0; rc == SEG_OK && i < rows; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= k || !isfinite(distances[i]) ||
            distances[i] < 0)
            rc = SEG_ERR_INVALID_ARG;
    rc = seg_mpi_agree_text(comm, rc, "seg_mpi_model_outliers: NULL argument, a label out of "
                                      "range or a distance not finite and >= 0");
    if (rc < 0)
        return rc;
    int64_t *cnt = calloc(k, sizeof *cnt);
    uint64_t *key = malloc((rows ? rows : 1) * sizeof *key);
    double *quant = malloc(k * (q + 1) * sizeof *quant);
    uint64_t *want = malloc(2 * (q + 1) * sizeof *want), *got = malloc(2 * (q + 1) * sizeof *got);
    rc = seg_mpi_agree_text(comm, cnt && key && quant && want && got ? SEG_OK : SEG_ERR_NOMEM,
                            "out of memory for the outlier reference");
    if (rc < 0)
        goto done;
    for (size_t i = 0; i < rows; i++)
        cnt[labels[i]]++;
    MPI_Allreduce(MPI_IN_PLACE, cnt, (int)k, MPI_INT64_T, MPI_SUM, comm);
    for (size_t j = 0; j < k && rc == SEG_OK; j++) {
        const uint64_t n = (uint64_t)cnt[j];
        double *g = quant + j * (q + 1);
        if (n == 0) {
            for (size_t i = 0; i <= q; i++)
                g[i] = NAN;
            continue;
        }
        size_t mine = 0; /* this rank's distances of segment j (-0.0 as 0.0), sorted */
        for (size_t i = 0; i < rows; i++)
            if ((size_t)labels[i] == j) {
                const double x = distances[i] == 0 ? 0.0 : distances[i];
                memcpy(&key[mine++], &x, sizeof x);
            }
        qsort(key, mine, sizeof *key, cmp_u64);
        /* the ranks the grid reads, ascending and each once */
        size_t nw = 0;
        for (size_t i = 0; i <= q; i++) {
            const uint64_t lo = (n - 1) * i / q;
            for (uint64_t r = lo; r <= lo + 1 && r < n; r++)
                if (nw == 0 || want[nw - 1] < r)
                    want[nw++] = r;
        }
        rc = select_sorted(comm, key, mine, want, nw, got);
        for (size_t i = 0; rc == SEG_OK && i <= q; i++) {
            const uint64_t num = (n - 1) * i, lo = num / q;
            const double frac = (double)(num % q) / (double)q;
            const size_t at = lower_bound(want, 0, nw, lo);
            double a, b;
            memcpy(&a, &got[at], sizeof a);
            memcpy(&b, &got[at + (lo + 1 < n)], sizeof b);
            g[i] = lo + 1 < n ? a + frac * (b - a) : a;
            if (i && g[i] < g[i - 1])
                g[i] = g[i - 1];
        }
    }
    if (rc == SEG_OK)
        rc = seg_mpi_agree_text(comm, seg_model_set_outlier_quantiles(m, quant, q + 1),
                                seg_last_error());
done:
    free(cnt);
    free(key);
    free(quant);
    free(want);
    free(got);
    return rc;
}
