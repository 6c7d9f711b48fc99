/*
 * Sums in row order over MPI ranks (chain.h).
 */
#include "chain.h"

#include <limits.h>

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
