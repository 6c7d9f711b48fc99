/*
 * What seg-mpi segment's model records of a CSV's columns (csv_model.c):
 * the columns --drop leaves out, those left out as identifiers, and the
 * encoding agreed over the ranks (level counts, numeric statistics), from
 * which the serial scaler is rebuilt (seg_scaler_append_levels(),
 * seg_scaler_append_numeric()) and the model's left-out columns listed as
 * seg segment lists them. csv_share.c calls the hooks while it reads.
 */
#ifndef SEG_MPI_CSV_MODEL_H
#define SEG_MPI_CSV_MODEL_H

#include <seg.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct csv_model csv_model;

/* A new record; so: seg segment's options (csv_options.h; copied, its
 * strings borrowed for the record's life), NULL for a .npy (its defaults);
 * keep_rows: the rank's rows are kept for the profiles (a model is
 * written), else freed as soon as they are encoded. NULL when memory runs
 * out. */
struct opts;
csv_model *csv_model_new(const struct opts *so, bool keep_rows);
void csv_model_free(csv_model *cm);

/* Hooks, called by csv_share_rows() on every rank alike (the arguments are
 * agreed over the ranks). */

/* The file's columns, before any is left out; then the roles taken
 * (csv_aside.h: the id and weights set on ds, the other aside columns
 * checked), then --drop and --columns applied to ds as seg segment applies
 * them (segment_select_columns(), the aside columns staying): a
 * seg_status (seg segment's message in why, else seg_last_error()), or
 * USAGE_CONFLICT after saying why. */
int csv_model_read(csv_model *cm, seg_dataset *ds, char *why, size_t len);
/* Column `name` of the dataset is left out as an identifier of this kind. */
int csv_model_identifier(csv_model *cm, const char *name, seg_identifier_kind kind);
/* Column j (of the dataset after the drop) is categorical: its levels seen
 * (count > 0) over all rows, with their counts, n_missing rows without a
 * value, of n_rows. */
int csv_model_levels(csv_model *cm, size_t j, const char *name, const char *const *levels,
                     const uint64_t *counts, size_t m, uint64_t n_missing, uint64_t n_rows);
/* Column j is numeric, scaled as (x - center) / scale, missing: median. */
int csv_model_numeric(csv_model *cm, size_t j, const char *name, double center, double scale,
                      double median);

/* The rank's dataset (taken over whatever happens), rows from row0 of the
 * file, kept for the profiles and the aside columns (csv_aside.h) without
 * the identifier columns (freed when the record keeps no rows and no
 * column is aside; only the aside columns kept when it keeps no rows). */
int csv_model_keep(csv_model *cm, seg_dataset *ds, size_t row0);

/* Collective, after the fit: labels of this rank's fit share (rows from
 * first), dealt back to the rows of the kept dataset (csv_aside_labels(),
 * unless done already), and the profiles of all ranks' rows appended to m
 * (seg_mpi_model_profile_columns(): the features, then the described
 * columns). On failure the message is seg_mpi_last_error(). */
int csv_model_profile(csv_model *cm, seg_model *m, const int32_t *labels, size_t first,
                      size_t rows);

/* After csv_share_rows() and csv_model_profile(): the scaler seg segment
 * fits (segment_scaler_new() of the record's options) rebuilt from the
 * record, in the file's order, and the left-out columns with seg segment's
 * reasons (record_left_out()), into m. A library status. */
int csv_model_apply(const csv_model *cm, seg_model *m);

/* --min-segment-size N of the record's options (0: none): levels of fewer
 * than N rows over all ranks fold into "(other)" in the encoding and the
 * scaler, as seg segment's SEG_SCALER_MIN_LEVEL_COUNT. */
uint64_t csv_model_min_count(const csv_model *cm);

/* The scaler csv_model_apply() gives the model, to *out (the caller frees
 * it). A library status. */
int csv_model_scaler(const csv_model *cm, seg_scaler **out);
/* The rank's kept rows (csv_model_keep(), without the identifier columns),
 * or NULL; the levels of categorical column `name` seen over all rows (0
 * for another column); the columns left out as identifiers, in the file's
 * order (the record owns both arrays). */
const seg_dataset *csv_model_dataset(const csv_model *cm);
size_t csv_model_levels_seen(const csv_model *cm, const char *name);
size_t csv_model_identifiers(const csv_model *cm, char ***names, seg_identifier_kind **kinds);

/* Collective (model_tree.c): seg segment's explanation tree of the model,
 * fitted on rank 0 on the rows explain_fit_tree() samples among all n
 * rows, gathered from the ranks (this rank's rows of x, float when f32;
 * the ranks' rows in rank order). On failure the message is
 * seg_mpi_last_error(). */
int mpi_model_tree(seg_model *m, const void *x, bool f32, size_t rows, size_t d,
                   const int32_t *labels, size_t n);

/* The feature columns of the kept dataset (not aside), their indices to
 * idx (NULL: only counted): the count. */
size_t csv_model_features(const csv_model *cm, size_t *idx);

/* Rank 0, once before writing the summary and the report: the kept
 * dataset shaped as seg segment's (the described columns set aside as
 * described, the other aside columns dropped); NULL on failure. */
seg_dataset *csv_model_report_dataset(csv_model *cm);

/* The fit share's row weights (--weight), moved with the rows by
 * csv_share_rows() (taken; NULL: none), and read back. */
void csv_model_set_weights(csv_model *cm, double *w);
const double *csv_model_weights(const csv_model *cm);

/* The hook csv_share_rows() calls (NULL: none), set before it runs. */
void csv_share_set_model(csv_model *cm);

#endif
