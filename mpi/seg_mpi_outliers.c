/*
 * The outlier reference of a model fitted over MPI ranks
 * (seg_mpi_model_outliers, docs/mpi.md): each segment's quantile grid of
 * its rows' distances, as seg_model_set_outlier_reference() computes it on
 * all the rows in one process (lib/model/outlier.c), bit for bit. The grid
 * reads the order statistics at lo = floor((n_j - 1) i / q) and lo + 1 of
 * each segment's n_j distances; they are found exactly over the ranks by
 * the radix selection of select.c (eight exchanges of counts a segment),
 * then interpolated by the serial formula.
 */
#include "select.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GRID (SEG_OUTLIER_QUANTILES - 1)

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
    double *v = malloc((rows ? rows : 1) * sizeof *v), *quant = malloc(k * (q + 1) * sizeof *quant);
    uint64_t *want = malloc(2 * (q + 1) * sizeof *want);
    double *os = malloc(2 * (q + 1) * sizeof *os);
    rc = seg_mpi_agree_text(comm, cnt && v && quant && want && os ? SEG_OK : SEG_ERR_NOMEM,
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
        size_t mine = 0; /* this rank's distances of segment j (-0.0 as 0.0) */
        for (size_t i = 0; i < rows; i++)
            if ((size_t)labels[i] == j)
                v[mine++] = distances[i] == 0 ? 0.0 : distances[i];
        for (size_t i = 0; i <= q; i++) {
            const uint64_t lo = (n - 1) * i / q;
            want[2 * i] = lo;
            want[2 * i + 1] = lo + 1 < n ? lo + 1 : lo;
        }
        rc = seg_mpi_agree(comm, seg_mpi_order_stats(comm, v, mine, 1, want, 2 * (q + 1), os));
        for (size_t i = 0; rc == SEG_OK && i <= q; i++) {
            const uint64_t num = (n - 1) * i, lo = num / q;
            const double frac = (double)(num % q) / (double)q;
            const double a = os[2 * i], b = os[2 * i + 1];
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
    free(v);
    free(quant);
    free(want);
    free(os);
    return rc;
}
