/*
 * The explanation tree seg segment keeps in its model (explain_fit_tree()
 * in tools/explain.c), for rows shared over MPI ranks: the tree is fitted
 * on at most EXPLAIN_FIT_ROWS evenly spaced rows (row i n / s of s), which
 * depend on n alone, so rank 0 gathers exactly those rows, in order, with
 * their labels, and fits the serial tree on them.
 */
#include "mpi/csv_model.h"

#include "explain.h"
#include <seg-mpi.h>

#include <stdlib.h>
#include <string.h>

int mpi_model_tree(seg_model *m, const void *x, bool f32, size_t rows, size_t d,
                   const int32_t *labels, size_t first, size_t n)
{
    int me = 0, R = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &R);
    const size_t s = n > EXPLAIN_FIT_ROWS ? EXPLAIN_FIT_ROWS : n;
    size_t mine = 0;
    for (size_t i = 0; i < s; i++) {
        const size_t r = s < n ? i * n / s : i;
        mine += r >= first && r < first + rows;
    }
    double *sx = malloc((mine ? mine : 1) * d * sizeof *sx);
    int32_t *sl = malloc((mine ? mine : 1) * sizeof *sl);
    double *gx = me == 0 ? malloc((s ? s : 1) * d * sizeof *gx) : NULL;
    int32_t *gl = me == 0 ? malloc((s ? s : 1) * sizeof *gl) : NULL;
    int *cnt = malloc(2 * (size_t)R * sizeof *cnt), *at = cnt ? cnt + R : NULL;
    int rc = sx && sl && cnt && (me != 0 || (gx && gl)) && s * d <= INT32_MAX ? SEG_OK
                                                                              : SEG_ERR_NOMEM;
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the tree's rows")) < 0)
        goto done;
    for (size_t i = 0, a = 0; i < s; i++) {
        const size_t r = s < n ? i * n / s : i;
        if (r < first || r >= first + rows)
            continue;
        for (size_t j = 0; j < d; j++) /* widened as explain_fit_tree() widens */
            sx[a * d + j] = f32 ? ((const float *)x)[(r - first) * d + j]
                                : ((const double *)x)[(r - first) * d + j];
        sl[a++] = labels[r - first];
    }
    int c = (int)mine;
    MPI_Gather(&c, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (me == 0)
        for (int r = 0, t = 0; r < R; t += cnt[r], r++)
            at[r] = t;
    MPI_Gatherv(sl, c, MPI_INT32_T, gl, cnt, at, MPI_INT32_T, 0, MPI_COMM_WORLD);
    MPI_Datatype row;
    MPI_Type_contiguous((int)d, MPI_DOUBLE, &row);
    MPI_Type_commit(&row);
    MPI_Gatherv(sx, c, row, gx, cnt, at, row, 0, MPI_COMM_WORLD);
    MPI_Type_free(&row);
    if (me == 0) {
        seg_tree *t = NULL;
        rc = seg_tree_new(&t);
        if (rc == SEG_OK)
            rc = seg_tree_fit_f64(t, m, gx, s, d, gl);
        seg_tree_free(t);
    }
    rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, seg_last_error());
done:
    free(sx);
    free(sl);
    free(gx);
    free(gl);
    free(cnt);
    return rc;
}
