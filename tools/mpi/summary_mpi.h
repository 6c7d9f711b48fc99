/*
 * seg-mpi segment's summary (summary_mpi.c): seg segment's, byte for byte
 * but for its timings, printed by seg segment's own code (summary.c) from
 * what the ranks measured together (report_mpi.c), and the run's MPI
 * figures (--mpi-stats) on stderr, which seg segment's summary has no
 * place for.
 */
#ifndef SEG_MPI_SUMMARY_MPI_H
#define SEG_MPI_SUMMARY_MPI_H

#include <seg.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct opts;
struct mpi_report;
struct mpi_report_run;

/* The settings seg segment's JSON summary names (seed, n_init, threads,
 * silhouette_sample), into so, as seg segment keeps them in its options:
 * the fit's of km, and silhouette_sample (seg segment's default 10000). */
void mpi_summary_options(struct opts *so, const seg_kmeans *km, int64_t silhouette_sample);

/* Rank 0: seg segment's summary of the run to stdout, as JSON with json;
 * to stderr instead when to_stderr (an output goes to standard output, as
 * seg segment does). false when stdout could not be redirected. */
bool mpi_summary_print(const struct mpi_report *r, const struct mpi_report_run *run, bool json,
                       bool to_stderr);

/* What seg-mpi measures of a run, for --mpi-stats (rank 0 gathers it). */
typedef struct mpi_run_stats {
    int ranks;
    double seconds, fit_seconds, init_seconds; /* wall clock; init: rank 0's */
    const long *peak_rss_kib;                  /* per rank (-1: unknown) */
    const double *fit_cpu_seconds;             /* per rank */
} mpi_run_stats;

/* Rank 0: the run's figures as one JSON line to f: {"ranks": R,
 * "seconds": ..., "fit_seconds": ..., "init_seconds": ..., "peak_rss_kib":
 * [...], "fit_cpu_seconds": [...]}. */
void mpi_summary_stats(FILE *f, const mpi_run_stats *st);

#endif
