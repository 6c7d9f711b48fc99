/*
 * The explanation tree seg segment keeps in its model (explain_fit_tree()
 * in tools/explain.c), for rows shared over MPI ranks: the tree is fitted
 * on at most EXPLAIN_FIT_ROWS evenly spaced rows (row i n / s of s), which
 * depend on n alone, so rank 0 gathers exactly those rows, in order, with
 * their labels (seg_mpi_gather_rows()), and fits the serial tree on them.
 */
#include "mpi/csv_model.h"

#include "explain.h"
#include <seg-mpi.h>

#include <stdlib.h>

int mpi_model_tree(seg_model *m, const void *x, bool f32, size_t rows, size_t d,
                   const int32_t *labels, size_t n)
{
    int me = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    const size_t s = n > EXPLAIN_FIT_ROWS ? EXPLAIN_FIT_ROWS : n;
    const size_t elem = f32 ? sizeof(float) : sizeof(double);
    size_t *idx = malloc((s ? s : 1) * sizeof *idx);
    void *gx = me == 0 ? malloc((s ? s : 1) * d * elem) : NULL;
    int32_t *gl = me == 0 ? malloc((s ? s : 1) * sizeof *gl) : NULL;
    double *wide = me == 0 && f32 ? malloc((s ? s : 1) * d * sizeof *wide) : NULL;
    int rc = idx && (me != 0 || (gx && gl && (!f32 || wide))) ? SEG_OK : SEG_ERR_NOMEM;
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the tree's rows")) < 0)
        goto done;
    for (size_t i = 0; i < s; i++)
        idx[i] = s < n ? i * n / s : i;
    rc = seg_mpi_gather_rows(MPI_COMM_WORLD, x, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64, rows, d,
                             labels, idx, s, gx, gl);
    if (rc < 0)
        goto done;
    if (me == 0) {
        /* widened as explain_fit_tree() widens */
        for (size_t i = 0; f32 && i < s * d; i++)
            wide[i] = ((const float *)gx)[i];
        seg_tree *t = NULL;
        rc = seg_tree_new(&t);
        if (rc == SEG_OK)
            rc = seg_tree_fit_f64(t, m, f32 ? wide : gx, s, d, gl);
        seg_tree_free(t);
    }
    rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, seg_last_error());
done:
    free(idx);
    free(gx);
    free(gl);
    free(wide);
    return rc;
}
