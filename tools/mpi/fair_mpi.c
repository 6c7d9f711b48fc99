/*
 * The fair_reach of seg-mpi (fair_mpi.h): the groups of a protected column
 * decided over all ranks, as seg segment decides them on all rows.
 *
 * - A numeric column's distinct values: each rank sends at most
 *   FAIR_FEW_VALUES + 1 of its own (more on one rank means more in all);
 *   when no rank has more, the union of the ranks' is all rows' set.
 * - Its default quartile cuts (nearest rank): exact order statistics over
 *   the ranks (seg_mpi_select(), a radix selection: no value moves).
 * - The opt-out count and the fairness counts: integers added over the
 *   ranks (seg_mpi_fairness_compute()).
 *
 * Every call agrees its status; a failure's message goes to ctx->why.
 */
#include "mpi/fair_mpi.h"

#include "cli.h"
#include "mpi/csv_aside.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *pa, const void *pb)
{
    const double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* A failure agreed by seg_mpi_*: its message for the caller. */
static int failed(fair_mpi *c, int rc)
{
    if (rc < 0)
        snprintf(c->why, c->len, "%s", seg_mpi_last_error());
    return rc;
}

static int agree(void *ctx, int rc)
{
    fair_mpi *c = ctx;
    const int all = seg_mpi_agree_text(c->comm, rc < 0 ? rc : SEG_OK, seg_last_error());
    return all < 0 ? failed(c, all) : rc;
}

static int mpi_status(fair_mpi *c, int mrc)
{
    return agree(c, mrc == MPI_SUCCESS ? SEG_OK : SEG_ERR_IO);
}

static int numeric(void *ctx, int rc, const double *sorted, size_t m, double *few, size_t *n_few,
                   uint64_t *m_all)
{
    fair_mpi *c = ctx;
    enum { CAP = FAIR_FEW_VALUES + 1 };
    double mine[CAP], *all = NULL;
    int n_mine = 0, R = 1, most = 0, *counts = NULL, *displs = NULL;
    uint64_t present = m;
    if ((rc = agree(c, rc)) != 0)
        return rc;
    for (size_t i = 0; i < m && n_mine < CAP; i++)
        if (i == 0 || sorted[i] != sorted[i - 1])
            mine[n_mine++] = sorted[i];
    MPI_Comm_size(c->comm, &R);
    if ((rc = mpi_status(c, MPI_Allreduce(&present, m_all, 1, MPI_UINT64_T, MPI_SUM, c->comm))) <
            0 ||
        (rc = mpi_status(c, MPI_Allreduce(&n_mine, &most, 1, MPI_INT, MPI_MAX, c->comm))) < 0)
        return rc;
    if (most > FAIR_FEW_VALUES) { /* one rank alone has too many */
        *n_few = CAP;
        return SEG_OK;
    }
    counts = malloc(2 * (size_t)R * sizeof *counts);
    all = malloc((size_t)R * FAIR_FEW_VALUES * sizeof *all + 1);
    rc = agree(c, counts && all ? SEG_OK : SEG_ERR_NOMEM);
    if (rc == SEG_OK) {
        displs = counts + R;
        rc = mpi_status(c, MPI_Allgather(&n_mine, 1, MPI_INT, counts, 1, MPI_INT, c->comm));
    }
    int total = 0;
    for (int r = 0; rc == SEG_OK && r < R; r++) {
        displs[r] = total;
        total += counts[r];
    }
    if (rc == SEG_OK)
        rc = mpi_status(
            c, MPI_Allgatherv(mine, n_mine, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, c->comm));
    if (rc == SEG_OK) {
        qsort(all, (size_t)total, sizeof *all, cmp_double);
        *n_few = 0;
        for (int i = 0; i < total && *n_few < CAP; i++)
            if (i == 0 || all[i] != all[i - 1]) {
                if (*n_few < FAIR_FEW_VALUES)
                    few[*n_few] = all[i];
                ++*n_few;
            }
    }
    free(counts);
    free(all);
    return rc;
}

static int select_at(void *ctx, const double *sorted, size_t m, const uint64_t *want, size_t nw,
                     double *out)
{
    fair_mpi *c = ctx;
    return failed(c, seg_mpi_select(c->comm, sorted, m, 1, want, nw, out));
}

static int sum(void *ctx, uint64_t *v, size_t len)
{
    fair_mpi *c = ctx;
    return mpi_status(c, MPI_Allreduce(MPI_IN_PLACE, v, (int)len, MPI_UINT64_T, MPI_SUM, c->comm));
}

static int compute(void *ctx, seg_fairness *f, const int32_t *labels, const int32_t *groups,
                   size_t n, size_t k, size_t g, const uint8_t *selected)
{
    fair_mpi *c = ctx;
    return failed(c, seg_mpi_fairness_compute(c->comm, f, labels, groups, n, k, g, selected));
}

void fair_mpi_reach(fair_reach *r, fair_mpi *ctx)
{
    *r = (fair_reach){ctx, agree, numeric, select_at, sum, compute};
}

int fair_mpi_aside(struct csv_model *cm, const char *protected_cols, const char *opt_out)
{
    size_t n = 0;
    char **v = protected_cols ? split_list(protected_cols, &n) : NULL;
    int rc = protected_cols && !v ? SEG_ERR_NOMEM : SEG_OK;
    for (size_t i = 0; rc == SEG_OK && i < n; i++)
        if (!csv_aside_has(cm, v[i]))
            rc = csv_aside_add(cm, v[i], CSV_ASIDE_KEEP,
                               "protected (--protected): read only for the fairness report, "
                               "never clustered");
    if (rc == SEG_OK && opt_out && !csv_aside_has(cm, opt_out))
        rc = csv_aside_add(cm, opt_out, CSV_ASIDE_KEEP, "the opt-out flag (--opt-out)");
    free(v);
    return rc;
}
