/*
 * seg-mpi segment --report (report_mpi.h): seg segment's HTML report
 * (tools/segment/report.c), written by rank 0 from what the ranks measure
 * together, without gathering the rows on one rank:
 *
 * - the preparation section: the columns of rank 0's rows (their types are
 *   agreed), with each column's missing values summed over the ranks and
 *   its levels seen over all rows (csv_model.c), the scaler seg segment
 *   fits rebuilt from the record, and the identifier-like columns left out;
 * - the map: the at most MAP_SAMPLE rows it draws depend on n alone
 *   (report_map_rows()), so rank 0 gathers exactly those, in row order,
 *   with their labels, and fits the serial PCA on them;
 * - the rules section: the tree scored over the ranks
 *   (seg_mpi_model_tree_score_f64(), bit for bit);
 * - everything else reads the model, the sweep and the quality measures,
 *   which are seg segment's already.
 */
#include "mpi/report_mpi.h"

#include "mpi/campaign_mpi.h"
#include "mpi/csv_model.h"
#include "segment/segment.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mpi_report {
    size_t *missing, *levels; /* per column of rank 0's dataset */
    size_t *customers;        /* per leaf of the model's tree, or NULL */
    double agreement, cost_ratio;
    double *map_x; /* rank 0: the map's rows, as doubles */
    int32_t *map_labels;
};

void mpi_report_free(mpi_report *r)
{
    if (!r)
        return;
    free(r->missing);
    free(r->levels);
    free(r->customers);
    free(r->map_x);
    free(r->map_labels);
    free(r);
}

/* Gather the map's rows (report_map_rows() of n) to rank 0, in row order,
 * widened to double as report_pca_map() widens. */
static int gather_map(mpi_report *r, const void *x, bool f32, size_t rows, size_t d,
                      const int32_t *labels, size_t n, int me)
{
    const size_t s = report_map_rows(n, NULL), es = f32 ? sizeof(float) : sizeof(double);
    size_t *pick = malloc((s ? s : 1) * sizeof *pick);
    void *gx = NULL;
    if (pick)
        report_map_rows(n, pick);
    if (me == 0) {
        r->map_x = malloc((s ? s : 1) * d * sizeof *r->map_x);
        r->map_labels = malloc((s ? s : 1) * sizeof *r->map_labels);
        gx = f32 ? malloc((s ? s : 1) * d * es) : r->map_x;
    }
    int rc = pick && (me != 0 || (r->map_x && r->map_labels && gx)) ? SEG_OK : SEG_ERR_NOMEM;
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the map's rows")) < 0)
        goto done;
    rc = seg_mpi_gather_rows(MPI_COMM_WORLD, x, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64, rows, d,
                             labels, pick, s, gx, r->map_labels);
    for (size_t i = 0; rc == SEG_OK && me == 0 && f32 && i < s * d; i++)
        r->map_x[i] = ((const float *)gx)[i];
done:
    if (f32)
        free(gx);
    free(pick);
    return rc;
}

/* The explanation tree is fitted on rank 0 alone (model_tree.c): the other
 * ranks score their rows with rank 0's model, sent as its file's bytes. */
static int rank0_model(const seg_model *m, int me, seg_model **copy)
{
    size_t size = 0;
    void *buf = NULL;
    int rc = me == 0 ? seg_model_save_mem(m, NULL, 0, &size) : SEG_OK;
    if (rc == SEG_OK && me == 0 && size > INT_MAX)
        rc = SEG_ERR_LIMIT;
    if (rc == SEG_OK && me == 0 && !(buf = malloc(size ? size : 1)))
        rc = SEG_ERR_NOMEM;
    if (rc == SEG_OK && me == 0)
        rc = seg_model_save_mem(m, buf, size, &size);
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, seg_last_error())) < 0)
        goto done;
    uint64_t len = size;
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (me != 0 && !(buf = malloc(len ? len : 1)))
        rc = SEG_ERR_NOMEM;
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the model")) < 0)
        goto done;
    MPI_Bcast(buf, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD);
    rc = me == 0 ? SEG_OK : seg_model_load_mem(copy, buf, len);
    rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, seg_last_error());
done:
    free(buf);
    return rc;
}

int mpi_report_gather(mpi_report **out, const csv_model *cm, const seg_model *m, const void *x,
                      bool f32, size_t rows, size_t d, const int32_t *labels, size_t n, bool map)
{
    int me = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    *out = NULL;
    const seg_dataset *ds = csv_model_dataset(cm);
    seg_model *copy = NULL;
    int rc = rank0_model(m, me, &copy);
    if (rc < 0)
        return rc;
    if (copy)
        m = copy;
    /* the features (the columns kept aside are not: csv_aside.h) */
    const size_t nl = seg_model_tree_leaves(m), nall = ds ? seg_dataset_columns(ds) : 0;
    size_t *fj = malloc((nall ? nall : 1) * sizeof *fj);
    const size_t nc = fj ? csv_model_features(cm, fj) : 0;
    mpi_report *r = calloc(1, sizeof *r);
    uint64_t *cnt = malloc((nc + nl + 1) * sizeof *cnt);
    rc = r && cnt && ds && fj ? SEG_OK : SEG_ERR_NOMEM;
    if (rc == SEG_OK) {
        r->missing = malloc((nc ? nc : 1) * sizeof *r->missing);
        r->levels = malloc((nc ? nc : 1) * sizeof *r->levels);
        r->customers = nl ? malloc(nl * sizeof *r->customers) : NULL;
        rc = r->missing && r->levels && (!nl || r->customers) ? SEG_OK : SEG_ERR_NOMEM;
    }
    /* every rank's dataset has the same columns: the counts add up */
    uint64_t shape[2] = {nc, nc}, agreed[2] = {0, 0};
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the report")) < 0)
        goto fail;
    MPI_Allreduce(&shape[0], &agreed[0], 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&shape[1], &agreed[1], 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, agreed[0] == agreed[1] ? SEG_OK : SEG_ERR_MISMATCH,
                                 "the ranks read different columns")) < 0)
        goto fail;
    for (size_t c = 0; c < nc; c++) {
        const size_t j = fj[c];
        cnt[c] = seg_dataset_column_missing(ds, j);
        r->levels[c] = seg_dataset_column_type(ds, j) == SEG_COLUMN_CATEGORICAL
                           ? csv_model_levels_seen(cm, seg_dataset_column_name(ds, j))
                           : 0;
    }
    if (nc)
        MPI_Allreduce(MPI_IN_PLACE, cnt, (int)nc, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    for (size_t j = 0; j < nc; j++)
        r->missing[j] = (size_t)cnt[j];
    if (nl) {
        rc = f32 ? seg_mpi_model_tree_score_f32(MPI_COMM_WORLD, m, x, rows, d, labels, cnt,
                                                &r->agreement, &r->cost_ratio)
                 : seg_mpi_model_tree_score_f64(MPI_COMM_WORLD, m, x, rows, d, labels, cnt,
                                                &r->agreement, &r->cost_ratio);
        if (rc < 0)
            goto fail;
        for (size_t l = 0; l < nl; l++)
            r->customers[l] = (size_t)cnt[l];
    }
    if (map && (rc = gather_map(r, x, f32, rows, d, labels, n, me)) < 0)
        goto fail;
    free(cnt);
    free(fj);
    seg_model_free(copy);
    *out = r;
    return SEG_OK;
fail:
    free(cnt);
    free(fj);
    seg_model_free(copy);
    mpi_report_free(r);
    return rc;
}

void mpi_report_summary(const mpi_report *r, const mpi_report_run *run, opts *o, summary *s,
                        left_out *left)
{
    char **names = NULL;
    seg_identifier_kind *kinds = NULL;
    *left = (left_out){0};
    left->n = csv_model_identifiers(run->cm, &names, &kinds);
    left->names = names;
    left->kind = kinds;
    *o = *run->so; /* seg segment's options (csv_options.c) */
    o->file = run->file;
    o->dtype = run->f32 ? "f32" : "f64";
    const seg_model *m = run->m;
    *s = (summary){
        .n = run->n,
        .d = run->d,
        .k = seg_model_k(m),
        .silhouette = run->quality[0],
        .davies_bouldin = run->quality[1],
        .calinski_harabasz = run->quality[2],
        .ds = run->ds,
        .sc = run->sc,
        .m = m,
        .f32 = run->f32,
        .sweep = run->sweep,
        .left = left,
        .fair = run->fair,
        .col_missing = r->missing,
        .col_levels = r->levels,
        .map_x = r->map_x,
        .map_labels = r->map_labels,
        .tree_customers = r->customers,
        .tree_agreement = r->agreement,
        .tree_cost_ratio = r->cost_ratio,
        .camp = run->camp ? run->camp->camp : NULL,
    };
}

int mpi_report_write(FILE *f, const mpi_report *r, const mpi_report_run *run)
{
    opts o;
    summary s;
    left_out left;
    mpi_report_summary(r, run, &o, &s, &left);
    return write_report(f, &o, &s);
}
