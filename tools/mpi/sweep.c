/*
 * seg-mpi segment without --k: the sweep of seg segment (tools/segment/
 * sweep.c) run over the ranks with seg_mpi_sweep_run_*(), its table and
 * JSON members printed by seg segment's own functions, so the two cannot
 * drift apart.
 */
#include "mpi/sweep.h"

#include "cli.h"
#include "segment/segment.h"

#include <stdlib.h>
#include <string.h>

bool mpi_sweep_options_given(const mpi_sweep_opts *o)
{
    return o->k_min || o->k_max;
}

/* seg segment's sweep settings and checks (cmd_segment.c). */
static int configure(const mpi_sweep_opts *o, seg_sweep *sw, char *why, size_t len)
{
    int64_t k_min = 2, k_max = 10, sample = 10000, resamples = 5, seed = 0;
    const char *bad = o->k_min && !parse_int(o->k_min, 2, 1000000, &k_min)   ? o->k_min
                      : o->k_max && !parse_int(o->k_max, 2, 1000000, &k_max) ? o->k_max
                                                                             : NULL;
    if (bad) {
        snprintf(why, len, "--k-min/--k-max take 2 to 1000000, not '%s'", bad);
        return USAGE_CONFLICT;
    }
    if (k_min > k_max) {
        snprintf(why, len, "--k-min is larger than --k-max");
        return USAGE_CONFLICT;
    }
    if (o->silhouette_sample && !parse_int(o->silhouette_sample, 0, INT64_MAX, &sample)) {
        snprintf(why, len, "--silhouette-sample takes a whole number >= 0, not '%s'",
                 o->silhouette_sample);
        return USAGE_CONFLICT;
    }
    if (o->stability_resamples &&
        (!parse_int(o->stability_resamples, 0, 1000, &resamples) || resamples == 1)) {
        snprintf(why, len,
                 "--stability-resamples takes 0 or a whole number from 2 to 1000, not '%s'",
                 o->stability_resamples);
        return USAGE_CONFLICT;
    }
    if (o->seed && !parse_int(o->seed, INT64_MIN, INT64_MAX, &seed)) {
        snprintf(why, len, "--seed takes a whole number, not '%s'", o->seed);
        return USAGE_CONFLICT;
    }
    int rc;
    if ((rc = seg_sweep_set_int(sw, SEG_SWEEP_K_MIN, k_min)) < 0 ||
        (rc = seg_sweep_set_int(sw, SEG_SWEEP_K_MAX, k_max)) < 0 ||
        (rc = seg_sweep_set_int(sw, SEG_SWEEP_SILHOUETTE_SAMPLE, sample)) < 0 ||
        (rc = seg_sweep_set_int(sw, SEG_SWEEP_SEED, seed)) < 0 ||
        (rc = seg_sweep_set_double(sw, SEG_SWEEP_MIN_SHARE, SMALL_SEGMENT)) < 0 ||
        (rc = seg_sweep_set_double(sw, SEG_SWEEP_MAX_SHARE, LARGE_SEGMENT)) < 0 ||
        (rc = seg_sweep_set_int(sw, SEG_SWEEP_STABILITY_RESAMPLES, resamples)) < 0)
        snprintf(why, len, "%s", seg_last_error());
    return rc;
}

int mpi_sweep_run(const mpi_sweep_opts *o, seg_kmeans *km, bool f32, void **x, size_t n, size_t d,
                  size_t *first, size_t *rows, const double *w, double **w_moved, seg_sweep **out,
                  char *why, size_t len)
{
    seg_sweep *sw = NULL;
    void *moved = NULL;
    double *wm = NULL;
    size_t k = 0, to_first = 0, to_rows = 0;
    const size_t elt = f32 ? sizeof(float) : sizeof(double);
    int rc = seg_sweep_new(&sw);
    if (rc == SEG_OK)
        rc = configure(o, sw, why, len);
    if (rc < 0 || rc == USAGE_CONFLICT) { /* the same options on every rank */
        if (rc < 0 && !why[0])
            snprintf(why, len, "%s", seg_last_error());
        seg_sweep_free(sw);
        return rc;
    }
    /* --weight: seg segment's sweep takes the rows' weights
     * (seg_sweep_run_*(), tools/segment/sweep.c), and they move with the rows */
    rc = f32 ? seg_mpi_sweep_run_f32(MPI_COMM_WORLD, sw, km, *x, *rows, d, w)
             : seg_mpi_sweep_run_f64(MPI_COMM_WORLD, sw, km, *x, *rows, d, w);
    if (rc == SEG_OK && (rc = seg_sweep_chosen(sw, &k)) == SEG_OK &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k)) == SEG_OK)
        rc = seg_mpi_share(MPI_COMM_WORLD, km, n, d, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64, &to_first,
                           &to_rows);
    if (rc == SEG_OK && !(moved = malloc(to_rows * d * elt + 1)))
        rc = SEG_ERR_NOMEM;
    if (rc == SEG_OK && w && !(wm = malloc(to_rows * sizeof *wm + 1)))
        rc = SEG_ERR_NOMEM;
    /* every rank is here with the same status but for an allocation */
    rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc,
                            rc == SEG_ERR_NOMEM ? "out of memory for the chosen k's rows"
                                                : seg_mpi_last_error());
    if (rc == SEG_OK)
        rc = seg_mpi_reshare(MPI_COMM_WORLD, *x, *rows, d * elt, to_first, to_rows, moved);
    if (rc == SEG_OK && w) /* weights on every rank (seg_mpi_sweep_run_*() agreed it) */
        rc = seg_mpi_reshare(MPI_COMM_WORLD, w, *rows, sizeof *w, to_first, to_rows, wm);
    if (rc < 0) {
        snprintf(why, len, "%s", seg_mpi_last_error());
        free(moved);
        free(wm);
        seg_sweep_free(sw);
        return rc;
    }
    if (w_moved)
        *w_moved = wm;
    else
        free(wm);
    free(*x);
    *x = moved;
    *first = to_first;
    *rows = to_rows;
    *out = sw;
    return SEG_OK;
}

