/*
 * seg-mpi segment --report FILE.html (report_mpi.c): seg segment's report
 * of a CSV, byte for byte, from rows shared over the ranks.
 */
#ifndef SEG_MPI_REPORT_MPI_H
#define SEG_MPI_REPORT_MPI_H

#include <seg-mpi.h>

#include <stdbool.h>
#include <stdio.h>

struct csv_model;
struct mpi_campaign;
typedef struct mpi_report mpi_report;

/*
 * Collective, after the model is complete (profiles, tree): what the report
 * and the summary need from all rows (the columns' missing values and
 * levels, the tree's score, and with map the report's map rows on rank 0),
 * from this rank's rows (its share of the n x d matrix, in rank order;
 * float when f32) and their labels. SEG_OK, or a status agreed over the
 * ranks (the message: seg_mpi_last_error()).
 */
int mpi_report_gather(mpi_report **out, const struct csv_model *cm, const seg_model *m,
                      const void *x, bool f32, size_t rows, size_t d, const int32_t *labels,
                      size_t n, bool map);
void mpi_report_free(mpi_report *r);

/* What rank 0 writes the report of. */
typedef struct mpi_report_run {
    const char *file;
    const struct opts *so;  /* seg segment's options (csv_options.h): --drop, roles, money ... */
    struct fair_data *fair; /* --protected, --opt-out: their report (../fairness.h), or NULL */
    const struct csv_model *cm;
    const seg_dataset *ds; /* csv_model_report_dataset() */
    const seg_model *m;
    const seg_scaler *sc;   /* csv_model_scaler() */
    const seg_sweep *sweep; /* NULL when k was given */
    double quality[3];      /* silhouette, Davies-Bouldin, Calinski-Harabasz (NaN: k < 2) */
    size_t n, d;
    bool f32;
    const struct mpi_campaign *camp; /* --target ... (campaign_mpi.h), or NULL */
} mpi_report_run;

/* Rank 0: the report to f. 0, or -1 on a write error (errno set). */
int mpi_report_write(FILE *f, const mpi_report *r, const mpi_report_run *run);

/* Rank 0: seg segment's options and summary (segment.h) of the run, as its
 * report and summary (summary_mpi.c) read them, into o, s and left (which s
 * points to; their arrays are the run's csv_model's, nothing to free). */
struct opts;
struct summary;
struct left_out;
void mpi_report_summary(const mpi_report *r, const mpi_report_run *run, struct opts *o,
                        struct summary *s, struct left_out *left);

#endif
