/*
 * seg-mpi segment's campaign options (campaign_mpi.h): the yes/no columns
 * read where they were read, counted per segment on each rank, the counts
 * summed exactly, and seg segment's own code (tools/segment/campaign.c)
 * for the figures' settings and their text, JSON and report.
 */
#include "mpi/campaign_mpi.h"

#include "cli.h"
#include "mpi/csv_aside.h"
#include "mpi/csv_model.h"
#include "out.h"
#include "segment/segment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The reasons seg segment's model gives (left_out_reason() in
 * cmd_segment.c). */
#define TARGET_REASON "the outcome (--target): measured per segment, never clustered"
#define CONTROL_REASON "the control-group flag (--control)"

static int money(const char *text, double *v, char *why, size_t len)
{
    *v = NAN;
    if (!text)
        return 0;
    if (!parse_real(text, v) || !(*v >= 0) || !isfinite(*v)) {
        snprintf(why, len, "money options take a number >= 0, not '%s'", text);
        return USAGE_CONFLICT;
    }
    return 0;
}

int mpi_campaign_check(mpi_campaign *mc, bool csv, char *why, size_t len)
{
    int64_t v = 0;
    if (mc->min_size && !parse_int(mc->min_size, 0, 1000000000000, &v)) {
        snprintf(why, len, "--min-segment-size takes a whole number from 0 to 10^12, not '%s'",
                 mc->min_size);
        return USAGE_CONFLICT;
    }
    mc->min_size_v = (uint64_t)v;
    if (money(mc->cost, &mc->cost_v, why, len) || money(mc->revenue, &mc->revenue_v, why, len))
        return USAGE_CONFLICT;
    if (isnan(mc->cost_v) != isnan(mc->revenue_v)) {
        snprintf(why, len, "--cost-per-contact and --revenue-per-conversion go together");
        return USAGE_CONFLICT;
    }
    if (mc->control && !mc->target) {
        snprintf(why, len, "--control needs --target");
        return USAGE_CONFLICT;
    }
    if (!csv && (mc->target || mc->control)) {
        snprintf(why, len, "--%s goes with CSV input (a .npy's columns are x0, x1, ...)",
                 mc->target ? "target" : "control");
        return USAGE_CONFLICT;
    }
    return 0;
}

int mpi_campaign_aside(const mpi_campaign *mc, struct csv_model *cm)
{
    int rc = SEG_OK;
    if (mc->target)
        rc = csv_aside_add(cm, mc->target, CSV_ASIDE_KEEP, TARGET_REASON);
    /* the same column twice: seg segment takes the target out first, and
     * then has no control column (mpi_campaign_read() says so) */
    if (rc == SEG_OK && mc->control && strcmp(mc->control, mc->target) != 0)
        rc = csv_aside_add(cm, mc->control, CSV_ASIDE_KEEP, CONTROL_REASON);
    return rc;
}

/* One yes/no column of the rank's rows into *out, as seg segment's
 * take_outcome(). */
static int read_flag(const seg_dataset *ds, size_t rows, const char *name, int8_t **out, char *why,
                     size_t len)
{
    int rc = (*out = malloc(rows ? rows : 1)) ? SEG_OK : SEG_ERR_NOMEM;
    if (rc == SEG_OK && !ds) { /* cannot happen: a KEEP column keeps the rows */
        snprintf(why, len, "column '%s': the rank kept none of its rows", name);
        return SEG_ERR_STATE;
    }
    if (rc == SEG_OK) /* with no row too: a name that is no column fails everywhere */
        rc = seg_dataset_get_outcome(ds, name, *out, rows);
    if (rc < 0)
        snprintf(why, len, "%s: %s", seg_strerror(rc), seg_last_error());
    return rc;
}

int mpi_campaign_read(mpi_campaign *mc, const struct csv_model *cm, char *why, size_t len)
{
    if (!mc->target)
        return SEG_OK;
    const seg_dataset *ds = csv_aside_dataset(cm);
    mc->rows = ds ? seg_dataset_rows(ds) : 0;
    why[0] = '\0';
    int rc = read_flag(ds, mc->rows, mc->target, &mc->outcome, why, len);
    rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, why);
    if (rc == SEG_OK && mc->control && strcmp(mc->control, mc->target) == 0) {
        /* every rank alike: no agreement needed */
        snprintf(why, len, "%s: no column named '%s'", seg_strerror(SEG_ERR_NOT_FOUND),
                 mc->control);
        return SEG_ERR_NOT_FOUND;
    }
    if (rc == SEG_OK && mc->control) {
        rc = read_flag(ds, mc->rows, mc->control, &mc->held, why, len);
        rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, why);
    }
    if (rc < 0) /* the lowest failing rank's: the first in file order */
        snprintf(why, len, "%s", seg_mpi_last_error());
    return rc;
}

int mpi_campaign_withhold(const mpi_campaign *mc, seg_model *m)
{
    return mc->min_size_v ? seg_model_set_min_profile_size(m, (size_t)mc->min_size_v) : SEG_OK;
}

/* The options as seg segment's campaign code reads them. */
static opts campaign_opts(const mpi_campaign *mc)
{
    return (opts){.target = mc->target,
                  .control = mc->control,
                  .cost = mc->cost_v,
                  .revenue = mc->revenue_v,
                  .gamma = NAN};
}

int mpi_campaign_compute(mpi_campaign *mc, const struct csv_model *cm, const seg_model *m,
                         char *why, size_t len)
{
    if (!mc->target)
        return SEG_OK;
    const size_t k = seg_model_k(m), len_c = k * SEG_CAMPAIGN_COUNT_FIELDS;
    const int32_t *labels = csv_aside_row_labels(cm);
    const opts o = campaign_opts(mc);
    uint64_t *counts = calloc(len_c, sizeof *counts);
    seg_campaign *part = NULL;
    int rc = counts && (labels || mc->rows == 0) ? SEG_OK : SEG_ERR_NOMEM;
    if (rc == SEG_OK)
        rc = seg_campaign_new(&part);
    /* --opt-out: this rank's rows never in a contact list or plan count */
    if (rc == SEG_OK && mc->opted_out)
        rc = seg_campaign_set_opted_out(part, mc->opted_out, mc->rows);
    if (rc == SEG_OK)
        rc = seg_campaign_count(part, labels, mc->rows, k, mc->outcome, mc->held, counts, len_c);
    seg_campaign_free(part);
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, seg_last_error())) == SEG_OK)
        MPI_Allreduce(MPI_IN_PLACE, counts, (int)len_c, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    /* every rank makes the same figures of the same sums */
    if (rc == SEG_OK)
        rc = campaign_new(&o, m, &mc->camp);
    if (rc == SEG_OK)
        rc = seg_campaign_compute_counts(mc->camp, counts, k);
    rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, seg_last_error());
    if (rc < 0)
        snprintf(why, len, "%s", seg_mpi_last_error());
    free(counts);
    return rc;
}

/* seg segment's summary of the campaign: what its campaign code reads. */
static summary campaign_summary(const mpi_campaign *mc, const seg_model *m)
{
    return (summary){.k = seg_model_k(m), .n = seg_model_rows(m), .m = m, .camp = mc->camp};
}

bool mpi_campaign_plan(const mpi_campaign *mc, const seg_model *m, uint8_t *flags, long *step,
                       char *list, size_t len)
{
    if (!mc->camp)
        return false;
    const summary s = campaign_summary(mc, m);
    return campaign_plan_segments(&s, flags, step, list, len);
}

void mpi_campaign_free(mpi_campaign *mc)
{
    free(mc->outcome);
    free(mc->held);
    seg_campaign_free(mc->camp);
    mc->outcome = mc->held = NULL;
    mc->camp = NULL;
}
