/*
 * What seg-mpi segment's model and report record of a .npy's columns
 * (npy_model.c), in the CSV's record (csv_model.h): the columns x0, x1, ...
 * as seg segment names them, each numeric with the scaling agreed over the
 * ranks, and this rank's raw rows for the profiles.
 */
#ifndef SEG_MPI_NPY_MODEL_H
#define SEG_MPI_NPY_MODEL_H

#include "mpi/csv_model.h"

#include <stdbool.h>
#include <stddef.h>

/* Collective, before the rows are scaled: this rank's raw rows [row0, row0
 * + rows) of the file (n x d, float when f32) copied into cm (a record made
 * with keep_rows) for the profiles, and the file's columns recorded. A
 * status agreed over the ranks (the message: seg_mpi_last_error()). */
int npy_model_rows(csv_model *cm, const void *x, bool f32, size_t rows, size_t d, size_t row0);

/* Collective: the scaling of the d columns, as seg_mpi_scaler_fit() and
 * seg_mpi_median() gave it; center NULL (--scale none): worked out here
 * from the rows npy_model_rows() kept. A status agreed over the ranks. */
int npy_model_scaling(csv_model *cm, size_t d, const double *center, const double *scale,
                      const double *median);

#endif
