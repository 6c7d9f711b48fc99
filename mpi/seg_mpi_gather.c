/*
 * libseg-mpi: rows at given row numbers among all ranks, gathered on rank 0
 * in row order (seg_mpi_gather_rows(), seg-mpi.h). The model's silhouette
 * (seg_mpi_metrics.c) measures its sample this way and seg-mpi fits the
 * explanation tree (tools/mpi/model_tree.c): rank 0 then holds the rows one
 * process would hold, and the serial computation on them gives its bits.
 */
#include "seg-mpi.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int seg_mpi_gather_rows(MPI_Comm comm, const void *x, int dtype, size_t rows, size_t d,
                        const int32_t *labels, const size_t *idx, size_t count, void *out,
                        int32_t *out_labels)
{
    int me = 0, R = 1;
    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &R);
    const bool f32 = dtype == SEG_DTYPE_F32;
    const size_t elem = f32 ? sizeof(float) : sizeof(double);
    /* this rank's first row among all: the ranks' rows in rank order */
    uint64_t mine64 = rows, first64 = 0, n = 0;
    MPI_Exscan(&mine64, &first64, 1, MPI_UINT64_T, MPI_SUM, comm);
    MPI_Allreduce(&mine64, &n, 1, MPI_UINT64_T, MPI_SUM, comm);
    const size_t first = me == 0 ? 0 : (size_t)first64;
    int rc = SEG_OK;
    const char *why = "seg_mpi_gather_rows: a NULL argument, d 0, a bad dtype, labels on some "
                      "ranks only, or row numbers not increasing";
    if ((dtype != SEG_DTYPE_F32 && dtype != SEG_DTYPE_F64) || !d || (rows && !x) ||
        (count && !idx) || (me == 0 && count && (!out || (labels && !out_labels))))
        rc = SEG_ERR_INVALID_ARG;
    for (size_t i = 1; rc == SEG_OK && i < count; i++)
        if (idx[i] <= idx[i - 1])
            rc = SEG_ERR_INVALID_ARG;
    if (rc == SEG_OK && count && idx[count - 1] >= n) {
        rc = SEG_ERR_INVALID_ARG;
        why = "seg_mpi_gather_rows: a row number beyond the rows of all ranks";
    }
    /* labels are gathered on every rank or on none */
    int has = labels != NULL, all = 0, any = 0;
    MPI_Allreduce(&has, &all, 1, MPI_INT, MPI_LAND, comm);
    MPI_Allreduce(&has, &any, 1, MPI_INT, MPI_LOR, comm);
    if (rc == SEG_OK && all != any)
        rc = SEG_ERR_INVALID_ARG;
    if (rc == SEG_OK && (count > INT_MAX || d > INT_MAX)) {
        rc = SEG_ERR_LIMIT;
        why = "seg_mpi_gather_rows: more rows or features than MPI's int count";
    }
    /* my rows of idx: a run of it, as idx is increasing */
    size_t lo = 0, n_mine = 0;
    while (rc == SEG_OK && lo < count && idx[lo] < first)
        lo++;
    while (rc == SEG_OK && lo + n_mine < count && idx[lo + n_mine] < first + rows)
        n_mine++;
    unsigned char *sx = NULL;
    int32_t *sl = NULL;
    int *cnt = NULL;
    if (rc == SEG_OK) {
        sx = malloc((n_mine ? n_mine : 1) * d * elem);
        sl = any ? malloc((n_mine ? n_mine : 1) * sizeof *sl) : NULL;
        cnt = me == 0 ? malloc(2 * (size_t)R * sizeof *cnt) : NULL;
        if (!sx || (any && !sl) || (me == 0 && !cnt)) {
            rc = SEG_ERR_NOMEM;
            why = "seg_mpi_gather_rows: out of memory";
        }
    }
    /* every rank learns of a failure on any before the exchange */
    if ((rc = seg_mpi_agree_text(comm, rc, why)) < 0)
        goto done;
    for (size_t a = 0; a < n_mine; a++) {
        const size_t r = idx[lo + a] - first;
        memcpy(sx + a * d * elem, (const unsigned char *)x + r * d * elem, d * elem);
        if (any)
            sl[a] = labels[r];
    }
    int c = (int)n_mine, *at = cnt ? cnt + R : NULL, mrc = MPI_SUCCESS;
    mrc |= MPI_Gather(&c, 1, MPI_INT, cnt, 1, MPI_INT, 0, comm);
    if (me == 0)
        for (int r = 0, s = 0; r < R; s += cnt[r], r++)
            at[r] = s;
    if (any)
        mrc |= MPI_Gatherv(sl, c, MPI_INT32_T, out_labels, cnt, at, MPI_INT32_T, 0, comm);
    MPI_Datatype row;
    mrc |= MPI_Type_contiguous((int)d, f32 ? MPI_FLOAT : MPI_DOUBLE, &row);
    mrc |= MPI_Type_commit(&row);
    mrc |= MPI_Gatherv(sx, c, row, out, cnt, at, row, 0, comm);
    MPI_Type_free(&row);
    rc = seg_mpi_agree_text(comm, mrc == MPI_SUCCESS ? SEG_OK : SEG_ERR_IO,
                            "seg_mpi_gather_rows: an MPI exchange failed");
done:
    free(sx);
    free(sl);
    free(cnt);
    return rc;
}
