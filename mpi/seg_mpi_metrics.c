/*
 * The quality measures seg segment records in its model (silhouette,
 * Davies-Bouldin, Calinski-Harabasz; lib/analyse/metrics.c) for rows shared
 * over MPI ranks (seg_mpi_metrics, docs/mpi.md), bit for bit, with or
 * without row weights:
 *
 * - the silhouette reads only its sample (at most sample_size rows, drawn
 *   from the row numbers and the seed alone: seg_metrics_silhouette_rows());
 *   its rows (and their weights) are gathered on rank 0 in row order
 *   (seg_mpi_gather_rows()), whose silhouette of them on the caller's
 *   threads is the serial one, and broadcast;
 * - Davies-Bouldin and Calinski-Harabasz sum over all rows in row order:
 *   the segment means (taken about each segment's first row, broadcast by
 *   the rank holding it), the scatter of each segment and the within
 *   dispersion are summed along a chain over the ranks, as the serial loops
 *   sum them (the latter two by libseg's own seg_metrics_add_spread_*());
 *   libseg's seg_metrics_finish() makes the indices of the sums on every
 *   rank.
 */
#include "chain.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CHAIN_TAG 7302

static inline double xv(const void *x, bool f32, size_t at)
{
    return f32 ? (double)((const float *)x)[at] : ((const double *)x)[at];
}

/* The silhouette of the sample's rows, gathered on rank 0 (row order). */
static int silhouette(MPI_Comm comm, const void *x, bool f32, size_t rows, size_t d,
                      const int32_t *labels, const double *w, size_t k, size_t n,
                      size_t sample_size, uint64_t seed, int64_t threads, double *out)
{
    int me = 0;
    MPI_Comm_rank(comm, &me);
    size_t m = 0;
    int rc = seg_metrics_silhouette_rows(n, sample_size, seed, NULL, 0, &m);
    size_t *idx = malloc((m ? m : 1) * sizeof *idx);
    const size_t elem = f32 ? sizeof(float) : sizeof(double);
    if (rc == SEG_OK)
        rc = idx ? seg_metrics_silhouette_rows(n, sample_size, seed, idx, m, &m) : SEG_ERR_NOMEM;
    unsigned char *gx = me == 0 ? malloc((m ? m : 1) * d * elem) : NULL;
    int32_t *gl = me == 0 ? malloc((m ? m : 1) * sizeof *gl) : NULL;
    double *gw = me == 0 && w ? malloc((m ? m : 1) * sizeof *gw) : NULL;
    if (rc == SEG_OK && me == 0 && (!gx || !gl || (w && !gw)))
        rc = SEG_ERR_NOMEM;
    if ((rc = seg_mpi_agree_text(comm, rc, "silhouette: out of memory")) < 0)
        goto done;
    rc = seg_mpi_gather_rows(comm, x, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64, rows, d, labels, idx, m,
                             gx, gl);
    /* the sample's weights, in its order, as a column of doubles */
    if (rc == SEG_OK && w)
        rc = seg_mpi_gather_rows(comm, w, SEG_DTYPE_F64, rows, 1, NULL, idx, m, gw, NULL);
    if (rc < 0)
        goto done;
    const int32_t *const labs[1] = {gl};
    if (me == 0)
        rc = f32 ? seg_metrics_silhouettes_threads_f32((const float *)gx, m, d, labs, &k, 1, gw, 0,
                                                       seed, threads, out)
                 : seg_metrics_silhouettes_threads_f64((const double *)gx, m, d, labs, &k, 1, gw, 0,
                                                       seed, threads, out);
    rc = seg_mpi_agree_text(comm, rc, seg_last_error());
    MPI_Bcast(out, 1, MPI_DOUBLE, 0, comm);
done:
    free(idx);
    free(gx);
    free(gl);
    free(gw);
    return rc;
}

/* Davies-Bouldin and Calinski-Harabasz, as metrics.c, over the ranks. */
static int db_ch(MPI_Comm comm, const void *x, bool f32, size_t rows, size_t d,
                 const int32_t *labels, const double *w, size_t k, size_t first, double *db,
                 double *ch)
{
    int me = 0, rc;
    MPI_Comm_rank(comm, &me);
    uint64_t *firstrow = malloc(k * sizeof *firstrow);
    int *owner = malloc(k * sizeof *owner);
    double *x0 = calloc(k * d, sizeof *x0), *acc = calloc(k * d + k, sizeof *acc);
    double *mean = malloc(k * d * sizeof *mean), *sw = calloc(k + 1, sizeof *sw);
    rc = firstrow && owner && x0 && acc && mean && sw ? SEG_OK : SEG_ERR_NOMEM;
    if ((rc = seg_mpi_agree_text(comm, rc, "out of memory for the quality measures")) < 0)
        goto done;
    /* each segment's first row among all rows, from the rank holding it */
    for (size_t c = 0; c < k; c++)
        firstrow[c] = UINT64_MAX;
    for (size_t i = rows; i-- > 0;)
        firstrow[labels[i]] = first + i;
    MPI_Allreduce(MPI_IN_PLACE, firstrow, (int)k, MPI_UINT64_T, MPI_MIN, comm);
    for (size_t c = 0; c < k; c++)
        owner[c] = firstrow[c] >= first && firstrow[c] < first + rows ? me : -1;
    MPI_Allreduce(MPI_IN_PLACE, owner, (int)k, MPI_INT, MPI_MAX, comm);
    for (size_t c = 0; c < k; c++) {
        if (owner[c] < 0)
            continue;
        if (owner[c] == me)
            for (size_t j = 0; j < d; j++)
                x0[c * d + j] = xv(x, f32, (firstrow[c] - first) * d + j);
        MPI_Bcast(x0 + c * d, (int)d, MPI_DOUBLE, owner[c], comm);
    }
    /* the sums about the first rows and the weights, in row order */
    double *wsum = acc + k * d;
    if ((rc = seg_mpi_chain_in(comm, acc, k * d + k, CHAIN_TAG)) < 0)
        goto done;
    for (size_t i = 0; i < rows; i++) {
        const size_t l = (size_t)labels[i];
        const double wi = w ? w[i] : 1.0;
        for (size_t j = 0; j < d; j++)
            acc[l * d + j] += wi * (xv(x, f32, i * d + j) - x0[l * d + j]);
        wsum[l] += wi;
    }
    if ((rc = seg_mpi_chain_out(comm, acc, k * d + k, CHAIN_TAG)) < 0)
        goto done;
    for (size_t c = 0; c < k; c++) {
        if (wsum[c] == 0)
            continue;
        for (size_t j = 0; j < d; j++)
            mean[c * d + j] = x0[c * d + j] + acc[c * d + j] / wsum[c];
    }
    /* the scatter of each segment (Davies-Bouldin) and the within
     * dispersion (Calinski-Harabasz), in row order */
    if ((rc = seg_mpi_chain_in(comm, sw, k + 1, CHAIN_TAG)) < 0)
        goto done;
    /* the labels are checked: it cannot fail */
    if (f32)
        seg_metrics_add_spread_f32(x, rows, d, labels, k, w, mean, sw, &sw[k]);
    else
        seg_metrics_add_spread_f64(x, rows, d, labels, k, w, mean, sw, &sw[k]);
    if ((rc = seg_mpi_chain_out(comm, sw, k + 1, CHAIN_TAG)) < 0)
        goto done;
    /* libseg's own finish of the sums (metrics.c's bits); agreed on every
     * rank, as it allocates: an out-of-memory on one rank fails all */
    rc = seg_mpi_agree(comm, seg_metrics_finish(k, d, mean, wsum, sw, sw[k], db, ch));
done:
    free(firstrow);
    free(owner);
    free(x0);
    free(acc);
    free(mean);
    free(sw);
    return rc;
}

static int metrics(MPI_Comm comm, const void *x, bool f32, size_t rows, size_t d,
                   const int32_t *labels, size_t k, const double *w, size_t sample_size,
                   uint64_t seed, int64_t threads, double out[3])
{
    int rc = x || !rows ? SEG_OK : SEG_ERR_INVALID_ARG;
    if (!out || !d || k < 2 || (rows && !labels) || threads < 0 || threads > 4096)
        rc = SEG_ERR_INVALID_ARG;
    for (size_t i = 0; rc == SEG_OK && i < rows; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= k || (w && !(w[i] > 0 && isfinite(w[i]))))
            rc = SEG_ERR_INVALID_ARG;
    rc = seg_mpi_agree_text(comm, rc,
                            "seg_mpi_metrics: NULL argument, k < 2, d 0, threads "
                            "outside 0 .. 4096, a label out of range or a weight not "
                            "finite and > 0");
    if (rc < 0)
        return rc;
    /* weights on every rank with rows or on none (a rank without rows may
     * give none) */
    int weighted = w != NULL, all = 0, any = 0, ok = rows == 0 || w != NULL;
    static const double none = 1.0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm);
    MPI_Allreduce(&weighted, &any, 1, MPI_INT, MPI_MAX, comm);
    if (any && !all)
        return seg_mpi_agree_text(comm, SEG_ERR_MISMATCH,
                                  "seg_mpi_metrics: weights on some ranks only");
    if (any && !w)
        w = &none;
    uint64_t mine[2] = {rows, 0}, n = 0, first = 0;
    MPI_Exscan(&mine[0], &mine[1], 1, MPI_UINT64_T, MPI_SUM, comm);
    int me = 0;
    MPI_Comm_rank(comm, &me);
    first = me == 0 ? 0 : mine[1];
    MPI_Allreduce(&mine[0], &n, 1, MPI_UINT64_T, MPI_SUM, comm);
    out[0] = out[1] = out[2] = NAN;
    rc = silhouette(comm, x, f32, rows, d, labels, w, k, (size_t)n, sample_size, seed, threads,
                    &out[0]);
    if (rc == SEG_OK)
        rc = db_ch(comm, x, f32, rows, d, labels, w, k, (size_t)first, &out[1], &out[2]);
    return rc;
}

int seg_mpi_metrics_threads_f32(MPI_Comm comm, const float *x, size_t rows, size_t d,
                                const int32_t *labels, size_t k, const double *weights,
                                size_t sample_size, uint64_t seed, int64_t threads, double out[3])
{
    return metrics(comm, x, true, rows, d, labels, k, weights, sample_size, seed, threads, out);
}

int seg_mpi_metrics_threads_f64(MPI_Comm comm, const double *x, size_t rows, size_t d,
                                const int32_t *labels, size_t k, const double *weights,
                                size_t sample_size, uint64_t seed, int64_t threads, double out[3])
{
    return metrics(comm, x, false, rows, d, labels, k, weights, sample_size, seed, threads, out);
}

int seg_mpi_metrics_f32(MPI_Comm comm, const float *x, size_t rows, size_t d, const int32_t *labels,
                        size_t k, size_t sample_size, uint64_t seed, double out[3])
{
    return seg_mpi_metrics_threads_f32(comm, x, rows, d, labels, k, NULL, sample_size, seed, 0,
                                       out);
}

int seg_mpi_metrics_f64(MPI_Comm comm, const double *x, size_t rows, size_t d,
                        const int32_t *labels, size_t k, size_t sample_size, uint64_t seed,
                        double out[3])
{
    return seg_mpi_metrics_threads_f64(comm, x, rows, d, labels, k, NULL, sample_size, seed, 0,
                                       out);
}
