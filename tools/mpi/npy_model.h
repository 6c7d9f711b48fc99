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

/* Collective, on the raw rows read (this rank's rows, in rank order, of n
 * over the ranks; float when f32): the columns seg segment leaves out as
 * identifiers (seg_dataset_column_identifier() on all rows), kind[j] a
 * seg_identifier_kind for each of the d columns, *left how many are left
 * out (said on stderr by rank 0 unless quiet), *finite false when a value
 * is not finite (its column is no identifier; the scaling or the fit
 * refuses it later, naming its row). A status agreed over the ranks, with
 * the message in why. */
int npy_identifiers(const void *x, bool f32, size_t rows, size_t d, size_t n, bool quiet, int *kind,
                    size_t *left, bool *finite, char *why, size_t len);

/* Collective: the identifier columns (kind[j] != 0) removed from the raw
 * rows *x (d columns, float when f32), and the rows moved to the shares of
 * a fit (settings km, float when fit_f32) of the *d_kept columns left:
 * *x, *first and *rows replaced. A status agreed over the ranks (the
 * message: seg_mpi_last_error()). */
int npy_drop_identifiers(void **x, bool f32, const int *kind, size_t d, size_t n, seg_kmeans *km,
                         bool fit_f32, size_t *first, size_t *rows, size_t *d_kept);

/* Collective, before the rows are scaled: this rank's raw rows [row0, row0
 * + rows) of the file (n x d, float when f32) copied into cm (a record made
 * with keep_rows) for the profiles, and the file's columns recorded, those
 * with kind[j] != 0 (npy_identifiers()) as identifiers, left out. A
 * status agreed over the ranks (the message: seg_mpi_last_error()). */
int npy_model_rows(csv_model *cm, const void *x, bool f32, size_t rows, size_t d, size_t row0,
                   const int *kind);

/* Collective: the scaling of the d columns kept of d_all (kind[j] == 0),
 * as seg_mpi_scaler_fit() and seg_mpi_median() gave it; center NULL
 * (--scale none): worked out here from the rows npy_model_rows() kept. A
 * status agreed over the ranks. */
int npy_model_scaling(csv_model *cm, const int *kind, size_t d_all, size_t d, const double *center,
                      const double *scale, const double *median);

#endif
