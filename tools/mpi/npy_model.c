/*
 * The record of a .npy's columns for seg-mpi segment's model and report
 * (npy_model.h): the same csv_model record a CSV fills (csv_model.c), so
 * the profiles, the scaler rebuilt with its column names, the left-out
 * columns and the report take the CSV's one path.
 */
#include "mpi/npy_model.h"

#include "cli.h"
#include "mpi/csv_share.h"
#include <seg-mpi.h>
#include "segment/segment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Value (i, j) of raw rows of d columns, float when f32. */
static double raw_at(const void *x, bool f32, size_t d, size_t i, size_t j)
{
    return f32 ? (double)((const float *)x)[i * d + j] : ((const double *)x)[i * d + j];
}

int npy_identifiers(const void *x, bool f32, size_t rows, size_t d, size_t n, bool quiet, int *kind,
                    size_t *left, bool *finite, char *why, size_t len)
{
    int me = 0, rc = SEG_OK;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    double *col = NULL;
    *left = 0;
    *finite = true;
    for (size_t j = 0; rc == SEG_OK && j < d; j++) {
        seg_dataset *cds = NULL;
        /* {a value not finite, a value not whole} over all ranks */
        int flags[2] = {0, 0};
        for (size_t i = 0; i < rows; i++) {
            const double v = raw_at(x, f32, d, i, j);
            flags[0] |= !isfinite(v);
            flags[1] |= !(v == floor(v) && fabs(v) <= 9007199254740992.0);
        }
        MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        kind[j] = SEG_IDENTIFIER_NONE;
        /* a value that is not finite: refused later, by the scaling or the
         * fit, with its row; the column is no identifier */
        if (flags[0]) {
            *finite = false;
            continue;
        }
        /* only whole numbers can be row numbers or ids: the other columns
         * (most of a .npy's) need no copy */
        if (flags[1])
            continue;
        if (!col)
            col = malloc((rows ? rows : 1) * sizeof *col);
        if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, col ? SEG_OK : SEG_ERR_NOMEM,
                                     "out of memory")) < 0) {
            snprintf(why, len, "out of memory");
            break;
        }
        for (size_t i = 0; i < rows; i++)
            col[i] = raw_at(x, f32, d, i, j);
        /* one column at a time, as the CSV path reads it */
        rc = seg_mpi_agree_text(MPI_COMM_WORLD, seg_dataset_from_f64(&cds, col, rows, 1, NULL),
                                seg_last_error());
        if (rc == SEG_OK) {
            kind[j] = csv_share_numeric_identifier(cds, 0, n);
            if (kind[j] == SEG_ERR_LIMIT) {
                snprintf(why, len,
                         "column 'x%zu' holds %zu distinct-looking whole numbers spanning %zu: "
                         "seg segment leaves it out if they are row numbers in another order, "
                         "which seg-mpi cannot tell without every value in one place; remove "
                         "the column",
                         j, n, n);
                rc = SEG_ERR_LIMIT;
            } else if (kind[j] < 0) {
                snprintf(why, len, "out of memory");
                rc = kind[j];
            } else if (kind[j] != SEG_IDENTIFIER_NONE) {
                ++*left;
                if (me == 0 && !quiet)
                    fprintf(stderr,
                            "%s: warning: left out column 'x%zu', which looks like %s; seg "
                            "segment's --keep x%zu clusters on it\n",
                            progname, j, identifier_reason((seg_identifier_kind)kind[j]), j);
            }
        } else
            snprintf(why, len, "%s", seg_mpi_last_error());
        seg_dataset_free(cds);
    }
    free(col);
    if (rc == SEG_OK && *left == d) {
        snprintf(why, len, "every column looks like an identifier (row numbers or ids)");
        rc = SEG_ERR_EMPTY;
    }
    return rc; /* the same on every rank */
}

int npy_drop_identifiers(void **x, bool f32, const int *kind, size_t d, size_t n, seg_kmeans *km,
                         bool fit_f32, size_t *first, size_t *rows, size_t *d_kept)
{
    const size_t elt = f32 ? sizeof(float) : sizeof(double);
    size_t dk = 0;
    for (size_t j = 0; j < d; j++)
        dk += kind[j] == SEG_IDENTIFIER_NONE;
    *d_kept = d;
    if (dk == d)
        return SEG_OK;
    /* the kept columns, in place */
    char *p = *x;
    for (size_t i = 0, at = 0; i < *rows; i++)
        for (size_t j = 0; j < d; j++)
            if (kind[j] == SEG_IDENTIFIER_NONE) {
                memmove(p + at, p + (i * d + j) * elt, elt);
                at += elt;
            }
    /* the fit of dk features may share the rows otherwise */
    size_t to_first = 0, to_rows = 0;
    void *moved = NULL;
    int rc = seg_mpi_share(MPI_COMM_WORLD, km, n, dk, fit_f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64,
                           &to_first, &to_rows);
    if (rc == SEG_OK && !(moved = malloc(to_rows * dk * elt + 1)))
        rc = SEG_ERR_NOMEM;
    rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc,
                            rc == SEG_ERR_NOMEM ? "out of memory" : seg_mpi_last_error());
    if (rc == SEG_OK)
        rc = seg_mpi_reshare(MPI_COMM_WORLD, *x, *rows, dk * elt, to_first, to_rows, moved);
    if (rc < 0) {
        free(moved);
        return rc;
    }
    free(*x);
    *x = moved;
    *first = to_first;
    *rows = to_rows;
    *d_kept = dk;
    return SEG_OK;
}

int npy_model_rows(csv_model *cm, const void *x, bool f32, size_t rows, size_t d, size_t row0,
                   const int *kind)
{
    seg_dataset *ds = NULL;
    /* names NULL: x0, x1, ..., as seg_dataset_read_npy() names them */
    int rc = rows == 0 ? SEG_ERR_EMPTY
             : f32     ? seg_dataset_from_f32(&ds, x, rows, d, NULL)
                       : seg_dataset_from_f64(&ds, x, rows, d, NULL);
    for (size_t j = 0; rc == SEG_OK && j < d; j++)
        if (kind[j] != SEG_IDENTIFIER_NONE) {
            char name[32];
            snprintf(name, sizeof name, "x%zu", j);
            rc = csv_model_identifier(cm, name, (seg_identifier_kind)kind[j]);
        }
    char msg[256];
    if (rc == SEG_OK && (rc = csv_model_read(cm, ds, msg, sizeof msg)) < 0) {
        seg_dataset_free(ds);
        ds = NULL;
    }
    if (rc == SEG_OK)
        rc = csv_model_keep(cm, ds, row0); /* takes ds */
    const char *why = rows == 0 ? "a rank has no rows to describe the segments with (fewer "
                                  "rows than ranks): run on fewer ranks"
                                : seg_last_error();
    return seg_mpi_agree_text(MPI_COMM_WORLD, rc, why);
}

int npy_model_scaling(csv_model *cm, const int *kind, size_t d_all, size_t d, const double *center,
                      const double *scale, const double *median)
{
    double *c0 = NULL, *s0 = NULL, *m0 = NULL, *raw = NULL;
    int rc = SEG_OK;
    if (!csv_model_dataset(cm)) /* no rows kept (a value not finite): refused later */
        return SEG_OK;
    if (!center) { /* --scale none: the median of the raw rows, kept in cm */
        const seg_dataset *ds = csv_model_dataset(cm);
        const size_t nr = ds ? seg_dataset_rows(ds) : 0;
        c0 = malloc(d * sizeof *c0);
        s0 = malloc(d * sizeof *s0);
        m0 = malloc(d * sizeof *m0);
        /* one column at a time: the rows are in the kept dataset already,
         * and a copy of all of them would double this rank's memory */
        raw = malloc((nr ? nr : 1) * sizeof *raw);
        rc = c0 && s0 && m0 && raw ? SEG_OK : SEG_ERR_NOMEM;
        rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the model's scaling");
        for (size_t j = 0; rc == SEG_OK && j < d; j++) {
            for (size_t i = 0; i < nr; i++)
                seg_dataset_get_f64(ds, i, j, &raw[i]);
            rc = seg_mpi_scaler_fit(MPI_COMM_WORLD, SEG_SCALE_NONE, raw, nr, 1, &c0[j], &s0[j]);
            if (rc == SEG_OK)
                rc = seg_mpi_median(MPI_COMM_WORLD, raw, nr, 1, &m0[j]);
        }
        center = c0;
        scale = s0;
        median = m0;
    }
    for (size_t j = 0, k = 0; rc == SEG_OK && j < d_all; j++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", j);
        if (kind[j] == SEG_IDENTIFIER_NONE) {
            rc = csv_model_numeric(cm, j, name, center[k], scale[k], median[k]);
            k++;
        }
    }
    free(c0);
    free(s0);
    free(m0);
    free(raw);
    return seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the model's scaling");
}
