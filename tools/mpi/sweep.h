/*
 * seg-mpi segment without --k: the k sweep over the ranks (sweep.c), with
 * seg segment's sweep options, table and JSON members.
 */
#ifndef SEG_MPI_SWEEP_H
#define SEG_MPI_SWEEP_H

#include <seg-mpi.h>

#include <stdbool.h>
#include <stdio.h>

typedef struct mpi_sweep_opts {
    const char *k_min, *k_max, *silhouette_sample, *stability_resamples, *seed;
} mpi_sweep_opts;

/* Whether any sweep option was given (they conflict with --k). */
bool mpi_sweep_options_given(const mpi_sweep_opts *o);

/*
 * Collective. Sweep k over the rows (this rank's x: rows [*first, *first +
 * *rows) of n x d, float for f32 else double), record it in *out (free with
 * seg_sweep_free()), set km's SEG_KMEANS_K to the chosen k and move the rows
 * to that k's shares (*x, *first, *rows updated). With the rows' weights w
 * (--weight; NULL on every rank or on none) the sweep is weighted, as seg
 * segment's, and *w_moved receives the weights of the new share (free()).
 * 0; USAGE_CONFLICT (a bad option, every rank alike) or an agreed SEG_ERR_
 * code, with why.
 */
int mpi_sweep_run(const mpi_sweep_opts *o, seg_kmeans *km, bool f32, void **x, size_t n, size_t d,
                  size_t *first, size_t *rows, const double *w, double **w_moved, seg_sweep **out,
                  char *why, size_t len);

#endif
