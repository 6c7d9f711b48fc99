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

#endif
