/*
 * Sums in row order over MPI ranks, and Davies-Bouldin and
 * Calinski-Harabasz from them (chain.h).
 */
#include "chain.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int seg_mpi_chain_in(MPI_Comm comm, double *buf, size_t len, int tag)
{
    int me = 0;
    MPI_Comm_rank(comm, &me);
    if (len > INT_MAX)
        return SEG_ERR_LIMIT;
    if (me == 0)
        return SEG_OK;
    return MPI_Recv(buf, (int)len, MPI_DOUBLE, me - 1, tag, comm, MPI_STATUS_IGNORE) == MPI_SUCCESS
               ? SEG_OK
               : SEG_ERR_IO;
}

int seg_mpi_chain_out(MPI_Comm comm, double *buf, size_t len, int tag)
{
    int me = 0, R = 1;
    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &R);
    if (len > INT_MAX)
        return SEG_ERR_LIMIT;
    if (me + 1 < R && MPI_Send(buf, (int)len, MPI_DOUBLE, me + 1, tag, comm) != MPI_SUCCESS)
        return SEG_ERR_IO;
    return MPI_Bcast(buf, (int)len, MPI_DOUBLE, R - 1, comm) == MPI_SUCCESS ? SEG_OK : SEG_ERR_IO;
}

int seg_mpi_db_ch(size_t k, size_t d, const double *mean, const double *wsum, const double *scatter,
                  double within, double *overall, double out[2], char *why, size_t len)
{
    size_t used = 0;
    for (size_t c = 0; c < k; c++)
        used += wsum[c] != 0;
    if (used < 2) {
        snprintf(why, len, "Davies-Bouldin needs two non-empty segments");
        return SEG_ERR_TOO_FEW_POINTS;
    }
    /* Davies-Bouldin: each segment's worst ratio to another, averaged */
    double total = 0;
    for (size_t a = 0; a < k; a++) {
        if (wsum[a] == 0)
            continue;
        double worst = 0;
        for (size_t b = 0; b < k; b++) {
            if (b == a || wsum[b] == 0)
                continue;
            double sep = 0;
            for (size_t j = 0; j < d; j++) {
                double e = mean[a * d + j] - mean[b * d + j];
                sep += e * e;
            }
            sep = sqrt(sep);
            if (sep > 0) {
                double r = (scatter[a] / wsum[a] + scatter[b] / wsum[b]) / sep;
                if (r > worst)
                    worst = r;
            }
        }
        total += worst;
    }
    out[0] = total / (double)used;
    /* Calinski-Harabasz: the overall mean from the segments' */
    double total_w = 0, between = 0;
    memset(overall, 0, d * sizeof *overall);
    for (size_t c = 0; c < k; c++) {
        total_w += wsum[c];
        for (size_t j = 0; j < d; j++)
            overall[j] += wsum[c] * mean[c * d + j];
    }
    for (size_t j = 0; j < d; j++)
        overall[j] /= total_w;
    for (size_t c = 0; c < k; c++) {
        double s = 0;
        for (size_t j = 0; j < d; j++) {
            double e = mean[c * d + j] - overall[j];
            s += e * e;
        }
        between += wsum[c] * s;
    }
    if (within == 0) {
        out[1] = 1.0;
    } else if (total_w <= (double)used) {
        snprintf(why, len,
                 "Calinski-Harabasz: the weights sum to %g, not more than the %zu non-empty "
                 "segments",
                 total_w, used);
        return SEG_ERR_TOO_FEW_POINTS;
    } else {
        out[1] = (between / (double)(used - 1)) / (within / (total_w - (double)used));
    }
    return SEG_OK;
}
