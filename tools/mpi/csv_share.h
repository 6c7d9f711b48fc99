/*
 * seg-mpi segment's CSV input (csv_share.c): the file read over the ranks,
 * its columns chosen, encoded and scaled as seg segment does by default,
 * and the rows dealt out to the fit's shares.
 */
#ifndef SEG_MPI_CSV_SHARE_H
#define SEG_MPI_CSV_SHARE_H

#include <seg-mpi.h>

#include <stdbool.h>

struct opts;

/*
 * Collective. *x gets this rank's rows [*first, *first + *rows) of the n x d
 * encoded, scaled matrix (float for f32, else double; free()), in the
 * shares seg_mpi_share() gives km. so: seg segment's options (the reader's,
 * --drop, --columns, --keep, --log1p, --drop-first, --impute-mode,
 * --impute-order, --quiet; csv_options.h), method its --scale. On failure
 * (agreed: every rank returns the same status) *stage and why hold the
 * step and the message; USAGE_CONFLICT: a usage error rank 0 has said
 * (why empty).
 */
int csv_share_rows(const char *file, const struct opts *so, seg_kmeans *km, seg_scale_method method,
                   bool f32, void **x, size_t *n, size_t *d, size_t *first, size_t *rows,
                   const char **stage, char *why, size_t len);

/* Collective: whether numeric column j of ds (this rank's rows, in rank
 * order, of n_all rows over the ranks; no missing value) looks like an
 * identifier, as seg_dataset_column_identifier() decides on all rows: a
 * seg_identifier_kind; SEG_ERR_LIMIT when only every value in one place
 * could tell (row numbers in another order); SEG_ERR_NOMEM. The same on
 * every rank. */
int csv_share_numeric_identifier(const seg_dataset *ds, size_t j, size_t n_all);

#endif
