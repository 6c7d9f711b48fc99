/*
 * The record of a .npy's columns for seg-mpi segment's model and report
 * (npy_model.h): the same csv_model record a CSV fills (csv_model.c), so
 * the profiles, the scaler rebuilt with its column names, the left-out
 * columns and the report take the CSV's one path.
 */
#include "mpi/npy_model.h"

#include <seg-mpi.h>

#include <stdio.h>
#include <stdlib.h>

int npy_model_rows(csv_model *cm, const void *x, bool f32, size_t rows, size_t d, size_t row0)
{
    seg_dataset *ds = NULL;
    /* names NULL: x0, x1, ..., as seg_dataset_read_npy() names them */
    int rc = rows == 0 ? SEG_ERR_EMPTY
             : f32     ? seg_dataset_from_f32(&ds, x, rows, d, NULL)
                       : seg_dataset_from_f64(&ds, x, rows, d, NULL);
    if (rc == SEG_OK && (rc = csv_model_read(cm, ds)) < 0) {
        seg_dataset_free(ds);
        ds = NULL;
    }
    if (rc == SEG_OK)
        rc = csv_model_keep(cm, ds, row0); /* takes ds */
    const char *why = rows == 0 ? "a rank has no rows to describe the segments with (fewer "
                                  "rows than ranks): run on fewer ranks"
                                : seg_last_error();
    return seg_mpi_agree_text(MPI_COMM_WORLD, rc, why);
}

int npy_model_scaling(csv_model *cm, size_t d, const double *center, const double *scale,
                      const double *median)
{
    double *c0 = NULL, *s0 = NULL, *m0 = NULL, *raw = NULL;
    int rc = SEG_OK;
    if (!center) { /* --scale none: the median of the raw rows, kept in cm */
        const seg_dataset *ds = csv_model_dataset(cm);
        const size_t nr = ds ? seg_dataset_rows(ds) : 0;
        c0 = malloc(d * sizeof *c0);
        s0 = malloc(d * sizeof *s0);
        m0 = malloc(d * sizeof *m0);
        raw = malloc((nr ? nr : 1) * d * sizeof *raw);
        rc = c0 && s0 && m0 && raw ? SEG_OK : SEG_ERR_NOMEM;
        for (size_t i = 0; rc == SEG_OK && i < nr; i++)
            for (size_t j = 0; j < d; j++)
                seg_dataset_get_f64(ds, i, j, &raw[i * d + j]);
        rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the model's scaling");
        if (rc == SEG_OK)
            rc = seg_mpi_scaler_fit(MPI_COMM_WORLD, SEG_SCALE_NONE, raw, nr, d, c0, s0);
        if (rc == SEG_OK)
            rc = seg_mpi_median(MPI_COMM_WORLD, raw, nr, d, m0);
        center = c0;
        scale = s0;
        median = m0;
    }
    for (size_t j = 0; rc == SEG_OK && j < d; j++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", j);
        rc = csv_model_numeric(cm, j, name, center[j], scale[j], median[j]);
    }
    free(c0);
    free(s0);
    free(m0);
    free(raw);
    return seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the model's scaling");
}
