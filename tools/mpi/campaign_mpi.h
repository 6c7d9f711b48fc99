/*
 * seg-mpi segment --target, --control, --cost-per-contact,
 * --revenue-per-conversion (campaign_mpi.c): seg segment's campaign figures
 * and targeting plan of all ranks' rows, without gathering them. The
 * yes/no columns are kept aside on the rank that read them (csv_aside.h),
 * never features; each rank counts its rows per segment
 * (seg_campaign_count()), the counts are summed exactly (integers, any
 * order), and every rank makes the figures and plan of the sums
 * (seg_campaign_compute_counts()), seg segment's bit for bit.
 */
#ifndef SEG_MPI_CAMPAIGN_MPI_H
#define SEG_MPI_CAMPAIGN_MPI_H

#include <seg-mpi.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct csv_model;

typedef struct mpi_campaign {
    const char *target, *control; /* --target, --control as given, or NULL */
    const char *cost, *revenue;   /* --cost-per-contact, --revenue-per-conversion */
    double cost_v, revenue_v;     /* their values (NaN unless given) */
    const char *min_size;         /* --min-segment-size as given, or NULL */
    uint64_t min_size_v;          /* its value (0: off) */
    int8_t *outcome, *held;       /* this rank's CSV rows (mpi_campaign_read()) */
    size_t rows;                  /* how many */
    seg_campaign *camp;           /* mpi_campaign_compute(): every rank's alike */
    const uint8_t *opted_out;     /* --opt-out: this rank's CSV rows' flags, or NULL */
} mpi_campaign;

/* Every rank alike, before anything is read: seg segment's checks of the
 * options (--min-segment-size too) and its messages (into why),
 * USAGE_CONFLICT or 0. csv: the input is a CSV (a .npy has no columns to
 * name). */
int mpi_campaign_check(mpi_campaign *mc, bool csv, char *why, size_t len);

/* Before csv_share_rows(): keep the yes/no columns aside (csv_aside_add()),
 * with seg segment's reasons for the model's left-out list (the
 * --min-segment-size folding of rare levels is the record's options':
 * csv_model_new()). */
int mpi_campaign_aside(const mpi_campaign *mc, struct csv_model *cm);

/* Collective, after csv_share_rows(): read the yes/no columns of this
 * rank's CSV rows (seg_dataset_get_outcome(), seg segment's messages, the
 * first error in file order agreed), as seg segment reads them before the
 * fit. 0, or a status with the message in why. */
int mpi_campaign_read(mpi_campaign *mc, const struct csv_model *cm, char *why, size_t len);

/* Every rank, right after the fit: --min-segment-size withholds the
 * profiles of m's small segments (seg_model_set_min_profile_size()), before
 * any is made; so the profiles, the report and the campaign's pooled group
 * are seg segment's. A library status. */
int mpi_campaign_withhold(const mpi_campaign *mc, seg_model *m);

/* Collective, after csv_aside_labels(): the campaign of all ranks' rows for
 * the model m (its withheld segments pooled as seg segment pools them), on
 * every rank. 0, or a status with the message in why. */
int mpi_campaign_compute(mpi_campaign *mc, const struct csv_model *cm, const seg_model *m,
                         char *why, size_t len);

/* Every rank: the segments of the plan's best step (seg segment's
 * campaign_plan_segments(): k flags, the step, the list "1, 3"); false
 * without a plan. */
bool mpi_campaign_plan(const mpi_campaign *mc, const seg_model *m, uint8_t *flags, long *step,
                       char *list, size_t len);

void mpi_campaign_free(mpi_campaign *mc);

#endif
