/*
 * An allocation that fails on one rank inside libseg-mpi's collective calls
 * must fail every rank with the same status and message, never leave the
 * others waiting in an exchange the failing rank skipped (a hang).
 *
 * This program is built from libseg-mpi's own sources, linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc, so their allocations pass
 * through the wrappers below (libseg's and MPI's do not). For each call
 * checked, the victim rank (the first, then the last) fails its allocation
 * number 0, 1, 2, ... until the call runs without reaching the failing
 * number; each time every rank must return the same status (SEG_ERR_NOMEM
 * when one was injected, SEG_OK otherwise) and message. A missed agreement
 * hangs here, and run_ranks.sh's timeout fails the test.
 *
 * Exit 0 when every rank passes; 1 otherwise.
 */
#include "mpitest.h"

#include <stdbool.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static bool armed;          /* count (and fail) this rank's allocations */
static long calls, fail_at; /* the allocation numbered fail_at fails */

static bool fail_now(void)
{
    return armed && calls++ == fail_at;
}

void *__wrap_malloc(size_t size)
{
    return fail_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return fail_now() ? NULL : __real_realloc(p, size);
}

enum { N = 3100, D = 3 }; /* 4 row partitions of 1024: up to 4 ranks */
static double x[N * D];
static int size;

typedef int (*call_fn)(size_t first, size_t rows, seg_model *m);

static int call_metrics(size_t first, size_t rows, seg_model *m)
{
    int32_t labels[N];
    double q[3];
    for (size_t i = 0; i < rows; i++)
        labels[i] = (int32_t)((first + i) % 3);
    (void)m;
    /* a silhouette sample below N: the gather of its rows to rank 0 */
    return seg_mpi_metrics_f64(MPI_COMM_WORLD, x + first * D, rows, D, labels, 3, 60, 7, q);
}

/* The same with weights and one thread (seg_mpi_metrics_threads_f64()):
 * the sample's weights gathered too. */
static int call_metrics_weighted(size_t first, size_t rows, seg_model *m)
{
    int32_t labels[N];
    double q[3], w[N];
    for (size_t i = 0; i < rows; i++) {
        labels[i] = (int32_t)((first + i) % 3);
        w[i] = 0.5 + (double)((first + i) % 7) * 0.3;
    }
    (void)m;
    return seg_mpi_metrics_threads_f64(MPI_COMM_WORLD, x + first * D, rows, D, labels, 3, w, 60, 7,
                                       1, q);
}

static int call_sweep(size_t first, size_t rows, seg_model *m)
{
    seg_sweep *s = NULL;
    seg_kmeans *km = NULL;
    (void)m;
    int rc = seg_kmeans_new(&km);
    if (rc == SEG_OK)
        rc = seg_sweep_new(&s);
    if (rc == SEG_OK)
        rc = seg_sweep_set_int(s, SEG_SWEEP_K_MAX, 3);
    if (rc == SEG_OK)
        rc = seg_sweep_set_int(s, SEG_SWEEP_SILHOUETTE_SAMPLE, 50);
    if (rc == SEG_OK)
        rc = seg_sweep_set_int(s, SEG_SWEEP_STABILITY_SAMPLE, 80);
    if (rc == SEG_OK) /* the same status on every rank: no exchange skipped */
        rc = seg_mpi_sweep_run_f64(MPI_COMM_WORLD, s, km, x + first * D, rows, D, NULL);
    seg_sweep_free(s);
    seg_kmeans_free(km);
    return rc;
}

static int call_reshare(size_t first, size_t rows, seg_model *m)
{
    double out[N * D];
    (void)m;
    /* to the reverse shares: rank r gets what rank R - 1 - r held */
    size_t to_first = 0, to_rows = 0;
    for (int r = 0; r < size; r++) {
        size_t a = (size_t)(size - 1 - r) * N / (size_t)size,
               b = (size_t)(size - r) * N / (size_t)size;
        if (r == rank)
            to_rows = b - a;
        else if (r < rank)
            to_first += b - a;
    }
    return seg_mpi_reshare(MPI_COMM_WORLD, x + first * D, rows, D * sizeof(double), to_first,
                           to_rows, out);
}

static int call_outliers(size_t first, size_t rows, seg_model *m)
{
    int32_t labels[N];
    double dist[N];
    int rc = seg_mpi_predict(MPI_COMM_WORLD, m, x + first * D, rows, D, labels, dist, NULL);
    if (rc == SEG_OK) /* sets m's reference again, the same each time */
        rc = seg_mpi_model_outliers(MPI_COMM_WORLD, m, labels, dist, rows);
    return rc;
}

/* A fresh model each time (a model takes its profiles once); this rank's
 * rows as a dataset with a categorical column, the same levels in the same
 * order on every rank, some values missing. */
static bool profile_weighted;

static int call_profile(size_t first, size_t rows, seg_model *m)
{
    static const char *const job[] = {"x", "y", "z"};
    seg_kmeans *km = NULL;
    seg_model *fresh = NULL;
    seg_dataset *ds = NULL;
    int32_t labels[N];
    char *csv = __real_malloc(rows * 96 + 32);
    size_t len = 0;
    (void)m;
    if (!csv)
        return SEG_ERR_NOMEM;
    len += (size_t)sprintf(csv, "a,b,c,job,w\n");
    for (size_t i = 0; i < rows; i++) {
        const double *r = x + (first + i) * D;
        len += (size_t)sprintf(csv + len, "%.17g,%.17g,%.17g,%s,%.17g\n", r[0], r[1], r[2],
                               i % 7 == 6 ? "" : job[i % 3], 0.25 + (double)(i % 5) * 0.7);
    }
    int rc = seg_kmeans_new(&km);
    if (rc == SEG_OK)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 3);
    if (rc == SEG_OK)
        rc = seg_kmeans_fit_f64(km, x, N, D, NULL, NULL, &fresh);
    if (rc == SEG_OK)
        rc = seg_dataset_read_csv_memory(&ds, csv, len, NULL);
    /* with weights: the weighted profiles and medians (wmedian.c); without,
     * the weight column is one more numeric column */
    if (rc == SEG_OK && profile_weighted)
        rc = seg_dataset_set_weight_column(ds, "w");
    if (rc == SEG_OK)
        rc = seg_mpi_predict(MPI_COMM_WORLD, fresh, x + first * D, rows, D, labels, NULL, NULL);
    if (rc == SEG_OK)
        rc = seg_mpi_model_profile(MPI_COMM_WORLD, fresh, ds, labels);
    seg_dataset_free(ds);
    seg_model_free(fresh);
    seg_kmeans_free(km);
    free(csv);
    return rc;
}

/* The fairness counts of this rank's rows, and order statistics of x's
 * first feature over the ranks. */
static int call_fairness(size_t first, size_t rows, seg_model *m)
{
    int32_t labels[N], groups[N];
    uint8_t selected[N];
    seg_fairness *f = NULL;
    int rc = seg_mpi_predict(MPI_COMM_WORLD, m, x + first * D, rows, D, labels, NULL, NULL);
    for (size_t i = 0; i < rows; i++) {
        groups[i] = (first + i) % 5 == 4 ? -1 : (int32_t)((first + i) % 3);
        selected[i] = labels[i] == 1;
    }
    if (rc == SEG_OK) /* libseg's allocation: not wrapped, agreed alike */
        rc = seg_mpi_agree(MPI_COMM_WORLD, seg_fairness_new(&f));
    if (rc == SEG_OK)
        rc = seg_mpi_fairness_compute(MPI_COMM_WORLD, f, labels, groups, rows, 3, 3, selected);
    seg_fairness_free(f);
    const uint64_t want[3] = {0, N / 2, N - 1};
    double out[3];
    if (rc == SEG_OK)
        rc = seg_mpi_select(MPI_COMM_WORLD, x + first * D, rows, D, want, 1, out);
    return rc;
}

/* Fail the victim's allocations one by one through call(). */
static int check(const char *what, call_fn call, int victim, size_t first, size_t rows,
                 seg_model *m)
{
    for (fail_at = 0;; fail_at++) {
        CHECK(fail_at < 100000, "%s: no end to the allocations", what);
        calls = 0;
        armed = rank == victim;
        int rc = call(first, rows, m);
        armed = false;
        int injected = rank == victim && calls > fail_at;
        MPI_Bcast(&injected, 1, MPI_INT, victim, MPI_COMM_WORLD);
        /* every rank's status and message */
        int *all = malloc((size_t)size * sizeof *all);
        CHECK(all, "out of memory");
        MPI_Allgather(&rc, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD);
        char msg[256] = {0}, msg0[256] = {0};
        if (rc < 0)
            snprintf(msg, sizeof msg, "%s", seg_mpi_last_error());
        memcpy(msg0, msg, sizeof msg);
        MPI_Bcast(msg0, sizeof msg0, MPI_CHAR, 0, MPI_COMM_WORLD);
        for (int r = 0; r < size; r++)
            CHECK(all[r] == all[0],
                  "%s, rank %d's allocation %ld failing: rank %d returned %d, "
                  "rank 0 %d",
                  what, victim, fail_at, r, all[r], all[0]);
        free(all);
        CHECK(strcmp(msg, msg0) == 0, "%s, allocation %ld: message '%s' vs rank 0's '%s'", what,
              fail_at, msg, msg0);
        if (!injected) {
            CHECK(rc == SEG_OK, "%s: %d without a failure (%s)", what, rc, msg);
            if (rank == 0)
                printf("%s, rank %d failing: %ld allocations, each failure agreed\n", what, victim,
                       fail_at);
            return 0;
        }
        CHECK(rc == SEG_ERR_NOMEM,
              "%s, rank %d's allocation %ld failing: %d (%s), not "
              "SEG_ERR_NOMEM",
              what, victim, fail_at, rc, msg);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    mpitest_blobs(x, N, D, 3, 11, 2.0);
    const size_t first = (size_t)rank * N / (size_t)size,
                 rows = (size_t)(rank + 1) * N / (size_t)size - first;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    int bad = seg_kmeans_new(&km) != SEG_OK || seg_kmeans_set_int(km, SEG_KMEANS_K, 3) != SEG_OK ||
              seg_kmeans_fit_f64(km, x, N, D, NULL, NULL, &m) != SEG_OK;
    const int victims[2] = {0, size - 1};
    for (int v = 0; !bad && v < (size > 1 ? 2 : 1); v++) {
        bad = bad || check("seg_mpi_metrics", call_metrics, victims[v], first, rows, m);
        bad = bad || check("seg_mpi_reshare", call_reshare, victims[v], first, rows, m);
        bad = bad || check("seg_mpi_model_outliers", call_outliers, victims[v], first, rows, m);
        bad = bad || check("seg_mpi_sweep_run", call_sweep, victims[v], first, rows, m);
        bad = bad || check("seg_mpi_metrics_threads (weights)", call_metrics_weighted, victims[v],
                           first, rows, m);
        bad = bad || check("seg_mpi_model_profile", call_profile, victims[v], first, rows, m);
        profile_weighted = true;
        bad = bad ||
              check("seg_mpi_model_profile (weights)", call_profile, victims[v], first, rows, m);
        profile_weighted = false;
        bad = bad || check("seg_mpi_fairness_compute, seg_mpi_select", call_fairness, victims[v],
                           first, rows, m);
    }
    seg_model_free(m);
    seg_kmeans_free(km);
    int any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    MPI_Finalize();
    return any ? 1 : 0;
}
