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
 * Collective. x holds this rank's n rows of d doubles (row-major, no NaN);
 * want[0..nw) are 0-based ranks among the values of one feature over all
 * ranks (each below the total number of rows). On return out[j * nw + w] is
 * the value of feature j at rank want[w] in ascending order (-0.0 before
 * +0.0), the same on every rank. Returns SEG_OK, SEG_ERR_NOMEM,
 * SEG_ERR_LIMIT (d * nw too large for one exchange) or SEG_ERR_IO (MPI),
 * this rank's own status: the caller agrees it.
 */
int seg_mpi_order_stats(MPI_Comm comm, const double *x, size_t n, size_t d, const uint64_t *want,
                        size_t nw, double *out);

#endif
