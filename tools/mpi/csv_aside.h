/*
 * Columns kept aside (csv_model.c): the CSV columns of seg segment's roles
 * that are not features (--id, --describe, --weight; and for other
 * options an outcome, a flag, a protected attribute), kept on the rank
 * that read them, never gathered.
 *
 * Each rank reads a byte range of the CSV: its rows [row0, row0 + n) of
 * the file, in row order (its "CSV share"). Only the features move to the
 * fit's shares; the aside columns stay in the rank's dataset. After the
 * fit and scoring, csv_aside_labels() sends each row's label and distance
 * back from the fit share to the rank that read the row (the reverse of
 * the features' exchange, 12 bytes a row), so every rank has the labels of
 * its own CSV rows, and per-segment figures of the aside columns are made
 * where the rows are, then combined over the ranks:
 *
 *   - integers (counts per segment, per level): MPI_Allreduce, any order;
 *   - floating sums: in row order along the chain of ranks,
 *     csv_aside_chain_in() / csv_aside_chain_out() (libseg-mpi's
 *     mpi/chain.c, compiled into seg-mpi): rank r receives the running sums
 *     of ranks 0..r-1, adds its rows in order, passes them on, and every
 *     rank gets the last rank's, the bits of the serial loop;
 *   - order statistics: seg_mpi_order_stats() is libseg-mpi's; a median of
 *     a profile comes through seg_mpi_model_profile_columns().
 *
 * Usage (every call on every rank alike, the values agreed):
 *
 *     csv_model *cm = csv_model_new(drop, keep_rows);
 *     csv_aside_add(cm, "y", CSV_ASIDE_KEEP, "the outcome (--target): ...");
 *     csv_share_set_model(cm);
 *     csv_share_rows(...);          // checks the names, keeps them aside
 *     ... fit, predict: labels, dist of the fit share [first, first + rows)
 *     csv_aside_labels(cm, labels, dist, first, rows);   // collective
 *     const seg_dataset *ds = csv_aside_dataset(cm);     // the rank's rows
 *     size_t j;  csv_aside_column(cm, "y", &j);          // by name
 *     const int32_t *lab = csv_aside_row_labels(cm);     // one a row of ds
 *     // ... seg_dataset_get_outcome(ds, "y", ...), counts per lab[i], then
 *     // MPI_Allreduce; global row of ds's row i: csv_aside_row0(cm) + i
 *
 * The dataset's columns: the features (with --model or --report), and the
 * KEEP and DESCRIBE columns by name; its id (seg_dataset_id()) and weights
 * (seg_dataset_weights()) for the ID and WEIGHT roles. It is valid until
 * csv_model_free(), except on rank 0 once it writes the report
 * (mpi_report_write() reshapes it as seg segment's dataset).
 */
#ifndef SEG_MPI_CSV_ASIDE_H
#define SEG_MPI_CSV_ASIDE_H

#include <seg-mpi.h>

#include "mpi/csv_model.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum csv_aside_role {
    CSV_ASIDE_KEEP,     /* kept as a column of the rank's rows, not profiled */
    CSV_ASIDE_DESCRIBE, /* kept and profiled per segment, marked described */
    CSV_ASIDE_ID,       /* the row id (seg_dataset_set_id_column()) */
    CSV_ASIDE_WEIGHT,   /* the row weights (seg_dataset_set_weight_column()) */
} csv_aside_role;

/* Before csv_share_rows(): keep column `name` aside in this role. reason:
 * what the model's left-out list says of it (LEFT section, as seg
 * segment's record_left_out()), NULL for a profiled (DESCRIBE) column.
 * Names are checked when the file is read: a name that is no column is
 * refused with seg segment's message; a KEEP name is checked by the code
 * that reads the column after csv_share_rows() (seg segment's stage,
 * "choosing columns", and its message with the did-you-mean hint, as
 * campaign_mpi.c does). SEG_OK or SEG_ERR_NOMEM. */
int csv_aside_add(csv_model *cm, const char *name, csv_aside_role role, const char *reason);

/* Whether column `name` is kept aside (any role); the first column added
 * in this role (the id's, the weights'), or NULL. */
bool csv_aside_has(const csv_model *cm, const char *name);
const char *csv_aside_name(const csv_model *cm, csv_aside_role role);

/* Collective, after the fit: the labels and distances of this rank's fit
 * share (rows [first, first + rows)), each sent back to the rank that read
 * the row. dist may be NULL. On failure (agreed) the message is
 * seg_mpi_last_error(). */
int csv_aside_labels(csv_model *cm, const int32_t *labels, const double *dist, size_t first,
                     size_t rows);

/* The rank's CSV rows (NULL when none are kept), their first row in the
 * file, their labels and distances (after csv_aside_labels(), else NULL). */
const seg_dataset *csv_aside_dataset(const csv_model *cm);
size_t csv_aside_row0(const csv_model *cm);
const int32_t *csv_aside_row_labels(const csv_model *cm);
const double *csv_aside_row_distances(const csv_model *cm);

/* Column `name` of csv_aside_dataset(), to *j: SEG_OK or SEG_ERR_NOT_FOUND. */
int csv_aside_column(const csv_model *cm, const char *name, size_t *j);

/* Sums in row order over the ranks (mpi/chain.c; see above). tag: one per
 * chain in flight. SEG_OK, SEG_ERR_LIMIT or SEG_ERR_IO. */
int csv_aside_chain_in(double *buf, size_t len, int tag);
int csv_aside_chain_out(double *buf, size_t len, int tag);

#endif
