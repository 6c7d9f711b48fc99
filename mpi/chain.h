/*
 * Sums in row order over MPI ranks (chain.c). Internal to libseg-mpi: the
 * model's measures (seg_mpi_metrics.c), its profiles (seg_mpi_profile.c)
 * and the sweep (seg_mpi_sweep.c) share them, and finish Davies-Bouldin and
 * Calinski-Harabasz with libseg's seg_metrics_finish().
 */
#ifndef SEG_MPI_CHAIN_H
#define SEG_MPI_CHAIN_H

#include "seg-mpi.h"

#include <stddef.h>

/*
 * One link of a chain of sums in row order (collective, the same tag on
 * every rank): seg_mpi_chain_in() receives buf[0..len) from the rank
 * before (rank 0 starts from what buf holds), the caller adds its rows in
 * order, and seg_mpi_chain_out() sends buf to the next rank; then every
 * rank gets the last rank's buf. The additions are those of one process
 * looping over all rows, so the sums are its bits. SEG_OK, SEG_ERR_LIMIT
 * (len above MPI's int count, the same on every rank) or SEG_ERR_IO.
 */
int seg_mpi_chain_in(MPI_Comm comm, double *buf, size_t len, int tag);
int seg_mpi_chain_out(MPI_Comm comm, double *buf, size_t len, int tag);

#endif
