/*
 * Exact order statistics over MPI ranks (select.c), for the robust scaling
 * of seg_mpi_scaler_fit(). Internal to libseg-mpi.
 */
#ifndef SEG_MPI_SELECT_H
#define SEG_MPI_SELECT_H

#include "seg-mpi.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Collective. x holds this rank's n rows of d doubles (row-major; NaN is a
 * missing value and is skipped); want[j * nw + w] is a 0-based rank among
 * the present values of feature j over all ranks (below their number). On
 * return out[j * nw + w] is the value of feature j at that rank in
 * ascending order (-0.0 before +0.0), the same on every rank. Returns
 * SEG_OK, SEG_ERR_NOMEM, SEG_ERR_LIMIT (d * nw too large for one exchange)
 * or SEG_ERR_IO (MPI), this rank's own status: the caller agrees it.
 */
int seg_mpi_order_stats(MPI_Comm comm, const double *x, size_t n, size_t d, const uint64_t *want,
                        size_t nw, double *out);

/* The same with copies[j] more values extra[j] among feature j's (both
 * given alike on every rank; NULL: none): the imputed values of a column
 * whose missing ones take its median before its statistics. */
int seg_mpi_order_stats_with(MPI_Comm comm, const double *x, size_t n, size_t d,
                             const uint64_t *want, size_t nw, const double *extra,
                             const uint64_t *copies, double *out);

/*
 * Collective. The weighted medians of the serial profile
 * (lib/model/profile.c's weighted_median()) of the values v[0..n) of this
 * rank (NaN: missing, skipped), whose rows are rows row0 .. row0 + n - 1 of
 * rows_all in rank order, with segments labels[i] < k and weights w[i] > 0:
 * med[j] of segment j's values for j < k and med[k] of all, NaN where there
 * are none; the same on every rank, bit for bit (wmedian.c). SEG_OK,
 * SEG_ERR_NOMEM, SEG_ERR_LIMIT or SEG_ERR_IO, agreed over the ranks.
 */
int seg_mpi_weighted_medians(MPI_Comm comm, const double *v, const int32_t *labels, const double *w,
                             size_t n, uint64_t row0, uint64_t rows_all, size_t k, double *med);

#endif
