/*
 * The fairness figures of a partition over MPI ranks
 * (seg_mpi_fairness_compute, docs/mpi.md): every figure of a seg_fairness
 * object is a function of the rows per segment and group, the selected rows
 * per group and the unknown rows, which are integers: each rank counts its
 * own, one MPI_Allreduce adds them (exact in any order), and
 * seg_fairness_compute_counts() gives every rank the single process's
 * figures, bit for bit.
 */
#include "seg-mpi.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int seg_mpi_fairness_compute(MPI_Comm comm, seg_fairness *f, const int32_t *labels,
                             const int32_t *groups, size_t n, size_t k, size_t g,
                             const uint8_t *selected)
{
    char msg[200] = "";
    uint64_t *cnt = NULL;
    int rc = SEG_OK;
    /* k, g and whether a selection is given: the same on every rank */
    uint64_t shape[3] = {k, g, selected != NULL}, lo[3], hi[3];
    if (MPI_Allreduce(shape, lo, 3, MPI_UINT64_T, MPI_MIN, comm) != MPI_SUCCESS ||
        MPI_Allreduce(shape, hi, 3, MPI_UINT64_T, MPI_MAX, comm) != MPI_SUCCESS)
        return seg_mpi_agree_text(comm, SEG_ERR_IO, "MPI_Allreduce failed");
    if (lo[0] != hi[0] || lo[1] != hi[1] || lo[2] != hi[2]) {
        snprintf(msg, sizeof msg,
                 "seg_mpi_fairness_compute: the ranks disagree on k, g or the selection");
        rc = SEG_ERR_MISMATCH;
    } else if (!f || (n && (!labels || !groups))) {
        snprintf(msg, sizeof msg, "seg_mpi_fairness_compute: NULL argument");
        rc = SEG_ERR_INVALID_ARG;
    } else if (k == 0 || k > 1000000 || g == 0 || g > 1000000) {
        snprintf(msg, sizeof msg, "seg_mpi_fairness_compute: k = %zu and g = %zu must be 1 .. 10^6",
                 k, g);
        rc = SEG_ERR_INVALID_ARG;
    } else if ((k + 1) * g >= INT_MAX) {
        snprintf(msg, sizeof msg,
                 "seg_mpi_fairness_compute: (k + 1) x g = %zu counts exceed MPI's int count",
                 (k + 1) * g);
        rc = SEG_ERR_LIMIT;
    } else if (!(cnt = calloc((k + 1) * g + 1, sizeof *cnt))) {
        snprintf(msg, sizeof msg, "out of memory for %zu fairness counts", (k + 1) * g + 1);
        rc = SEG_ERR_NOMEM;
    }
    if ((rc = seg_mpi_agree_text(comm, rc, msg)) < 0)
        goto done;
    /* cnt: k x g cells, then the selected rows per group, then the unknown */
    unsigned long long mine = n, before = 0;
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    if (MPI_Exscan(&mine, &before, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm) != MPI_SUCCESS)
        rc = SEG_ERR_IO;
    if ((rc = seg_mpi_agree_text(comm, rc, "MPI_Exscan failed")) < 0)
        goto done;
    if (rank == 0)
        before = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0 || (size_t)labels[i] >= k || groups[i] < -1 ||
            (groups[i] >= 0 && (size_t)groups[i] >= g)) {
            snprintf(msg, sizeof msg,
                     "row %llu: label %d (0 .. %zu) or group %d (-1 .. %zu) out of range",
                     before + i + 1, (int)labels[i], k - 1, (int)groups[i], g - 1);
            rc = SEG_ERR_INVALID_ARG;
            break;
        }
        if (groups[i] < 0) {
            cnt[(k + 1) * g]++;
            continue;
        }
        cnt[(size_t)labels[i] * g + (size_t)groups[i]]++;
        if (selected && selected[i])
            cnt[k * g + (size_t)groups[i]]++;
    }
    if ((rc = seg_mpi_agree_text(comm, rc, msg)) < 0)
        goto done;
    if (MPI_Allreduce(MPI_IN_PLACE, cnt, (int)((k + 1) * g + 1), MPI_UINT64_T, MPI_SUM, comm) !=
        MPI_SUCCESS)
        rc = SEG_ERR_IO;
    if ((rc = seg_mpi_agree_text(comm, rc, "MPI_Allreduce failed")) < 0)
        goto done;
    rc = seg_fairness_compute_counts(f, cnt, k, g, cnt[(k + 1) * g], selected ? cnt + k * g : NULL);
    rc = seg_mpi_agree_text(comm, rc, seg_last_error());
done:
    free(cnt);
    return rc;
}
