/*
 * The bounded k-means variants over MPI ranks (SEG_KMEANS_ALGORITHM with
 * libseg-mpi): run under mpirun with any number of ranks, each algorithm
 * (Lloyd, Hamerly, Elkan, Yinyang, AUTO) fitted over the ranks must give the
 * single-process Lloyd fit's model (centroids, sizes, inertia, iterations,
 * bit for bit) and this rank's labels, on shares of uneven size, and with
 * a segment that empties in the second pass (bounds valid) and is re-seeded
 * from a row of the last share.
 *
 * That the bounds were really used is seen in the memory the fit allocates
 * through km's allocator: a bounded fit keeps an upper bound (8 bytes) and G
 * lower bounds (4 bytes each) per row of this rank (G = 1 for Hamerly, k for
 * Elkan, ceil(k / 10) for Yinyang) beyond what Lloyd's fit allocates. AUTO is
 * given a different machine on rank 0 (SEG_MACHINE: multiply-adds so slow
 * that the bounds pay at any k) than on the other ranks (the reference
 * machine, on which Lloyd is chosen at this d and k): every rank must run
 * rank 0's choice.
 *
 * Exit 0 when every rank passes; 1 otherwise (on every rank: agreed).
 */
#include "mpitest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int size;

/* A counting allocator: the bytes held now and the most held since reset. */
typedef struct counter {
    size_t now, peak;
} counter;

static void *count_alloc(void *user, size_t n)
{
    counter *c = user;
    size_t *p = malloc(n + 16);
    if (!p)
        return NULL;
    p[0] = n;
    c->now += n;
    if (c->now > c->peak)
        c->peak = c->now;
    return (char *)p + 16;
}

static void count_free(void *user, void *ptr)
{
    counter *c = user;
    size_t *p = (size_t *)(void *)((char *)ptr - 16);
    c->now -= p[0];
    free(p);
}

/* 10 tight blobs at (10 c, 0, 0, ...) in the first two features (rows
 * i % 10 = c), and, as the last two rows, the stragglers (0, 4.5) and
 * (10, 4.5), which a centroid started at (5, 5) takes in the first pass
 * and loses in the second, when the blobs' centroids have moved onto them. */
static void make_data(double *x, size_t n, size_t d)
{
    mpitest_blobs(x, n, d, 1, 11, 0.1); /* noise around 0 */
    for (size_t i = 0; i < n; i++) {
        x[i * d] += (double)(10 * (i % 10));
        for (size_t f = 1; f < d; f++)
            x[i * d + f] -= (double)((3 * f) % 11); /* the blob generator's centre */
    }
    for (size_t f = 0; f < d; f++)
        x[(n - 2) * d + f] = x[(n - 1) * d + f] = 0;
    x[(n - 2) * d + 1] = x[(n - 1) * d + 1] = 4.5;
    x[(n - 1) * d] = 10;
}

static const char *const names[5] = {"lloyd", "hamerly", "elkan", "yinyang", "auto"};

/* Bytes of bounds a row keeps for algorithm a at k (AUTO: Hamerly). */
static size_t bound_bytes(int a, size_t k)
{
    const size_t groups = a == SEG_ALGORITHM_ELKAN     ? k
                          : a == SEG_ALGORITHM_YINYANG ? (k + 9) / 10
                                                       : 1;
    return a == SEG_ALGORITHM_LLOYD ? 0 : 8 + 4 * groups;
}

/* Every algorithm over the ranks against serial Lloyd, and the bounds'
 * memory on this rank. */
static int compare_all(const char *what, seg_kmeans *km, counter *cnt, const double *x, size_t n,
                       size_t d, int f32)
{
    size_t first, rows, peak_lloyd = 0;
    int64_t k;
    seg_kmeans_get_int(km, SEG_KMEANS_K, &k);
    CHECK(seg_mpi_share(MPI_COMM_WORLD, km, n, d, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64, &first,
                        &rows) == SEG_OK,
          "%s: share", what);
    for (int a = SEG_ALGORITHM_LLOYD; a <= SEG_ALGORITHM_AUTO; a++) {
        char label[160];
        snprintf(label, sizeof label, "%s, %s", what, names[a]);
        /* serial Lloyd is the reference of every algorithm */
        seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, SEG_ALGORITHM_LLOYD);
        int32_t *all = malloc(n * sizeof *all), *mine = malloc((rows ? rows : 1) * sizeof *mine);
        float *xf = malloc(n * d * sizeof *xf);
        CHECK(all && mine && xf, "out of memory");
        for (size_t i = 0; i < n * d; i++)
            xf[i] = (float)x[i];
        seg_model *serial = NULL, *alone = NULL, *spread = NULL;
        int rc = f32 ? seg_kmeans_fit_f32(km, xf, n, d, NULL, all, &serial)
                     : seg_kmeans_fit_f64(km, x, n, d, NULL, all, &serial);
        CHECK(rc == SEG_OK, "%s: serial Lloyd: %s", label, seg_last_error());
        seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, a);
        /* the serial fit of this algorithm is Lloyd's too */
        rc = f32 ? seg_kmeans_fit_f32(km, xf, n, d, NULL, NULL, &alone)
                 : seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &alone);
        CHECK(rc == SEG_OK, "%s: serial fit: %s", label, seg_last_error());
        if (mpitest_same_model(serial, alone, label))
            return 1;
        cnt->peak = cnt->now;
        const size_t base = cnt->now;
        rc = f32 ? seg_mpi_kmeans_fit_f32(MPI_COMM_WORLD, km, xf + first * d, rows, d, NULL, mine,
                                          &spread)
                 : seg_mpi_kmeans_fit_f64(MPI_COMM_WORLD, km, x + first * d, rows, d, NULL, mine,
                                          &spread);
        CHECK(rc == SEG_OK, "%s: MPI fit: %s", label, seg_mpi_last_error());
        const size_t peak = cnt->peak - base;
        if (mpitest_same_model(serial, spread, label))
            return 1;
        CHECK(memcmp(all + first, mine, rows * sizeof *mine) == 0, "%s: labels differ", label);
        if (a == SEG_ALGORITHM_LLOYD)
            peak_lloyd = peak;
        const size_t want = rows * bound_bytes(a, (size_t)k);
        CHECK(peak >= peak_lloyd + want,
              "%s: the fit allocated %zu bytes, Lloyd's %zu: not the %zu bytes of bounds of "
              "this rank's %zu rows (were the bounds used?)",
              label, peak, peak_lloyd, want, rows);
        seg_model_free(serial);
        seg_model_free(alone);
        seg_model_free(spread);
        free(all);
        free(mine);
        free(xf);
    }
    return 0;
}

static int run(void)
{
    const size_t n = 24011, d = 6;
    double *x = malloc(n * d * sizeof *x);
    counter cnt = {0, 0};
    seg_allocator *al = NULL;
    seg_kmeans *km = NULL;
    CHECK(x && seg_allocator_new(&al, count_alloc, count_free, &cnt) == SEG_OK &&
              seg_kmeans_new_with_allocator(&km, al) == SEG_OK,
          "setup");
    make_data(x, n, d);
    seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 1);

    /* k-means++ with k = 64, f32: shares of uneven size (checked). */
    seg_kmeans_set_int(km, SEG_KMEANS_K, 64);
    seg_kmeans_set_int(km, SEG_KMEANS_SEED, 5);
    {
        size_t first, rows, prow, parts;
        CHECK(seg_mpi_share(MPI_COMM_WORLD, km, n, d, SEG_DTYPE_F32, &first, &rows) == SEG_OK,
              "share");
        CHECK(seg_kmeans_partitions(km, n, d, SEG_DTYPE_F32, &prow, &parts) == SEG_OK, "parts");
        uint64_t r = rows, rmin = 0, rmax = 0;
        MPI_Allreduce(&r, &rmin, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
        MPI_Allreduce(&r, &rmax, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
        CHECK(size == 1 || rmin < rmax, "%zu partitions: the shares of %d ranks are even", parts,
              size);
    }
    if (compare_all("f32 k-means++, k = 64", km, &cnt, x, n, d, 1))
        return 1;

    /* A given start: centroids 1 unit off the 10 blobs and one at (5, 5),
     * which takes the two stragglers (rows n - 2 and n - 1, in the last
     * share) in the first pass and loses them in the second: it is empty
     * with the bounds valid and re-seeded from the farthest row. */
    {
        double c0[11 * 6] = {0};
        for (size_t j = 0; j < 10; j++) {
            c0[j * d] = (double)(10 * j);
            c0[j * d + 1] = -1;
        }
        c0[10 * d] = 5;
        c0[10 * d + 1] = 5;
        CHECK(seg_kmeans_set_init_centroids_f64(km, c0, 11, d) == SEG_OK, "given");
        seg_kmeans_set_double(km, SEG_KMEANS_TOL, 0);
        /* the premise: with max_iter 1, a segment empty in the first pass
         * would stop after 1 iteration; one empty in a later pass is
         * re-seeded and updated beyond max_iter: 2 or more iterations */
        seg_model *one = NULL;
        seg_kmeans_set_int(km, SEG_KMEANS_MAX_ITER, 1);
        CHECK(seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &one) == SEG_OK, "one iteration");
        const int64_t it = seg_model_iterations(one);
        seg_model_free(one);
        CHECK(it >= 2,
              "premise: %lld iteration with max_iter 1 (no segment empty after the "
              "first update)",
              (long long)it);
        seg_kmeans_set_int(km, SEG_KMEANS_MAX_ITER, 300);
        if (compare_all("f64 given start, a segment empty in the second pass", km, &cnt, x, n, d,
                        0))
            return 1;
    }
    seg_kmeans_free(km);
    seg_allocator_free(al);
    free(x);
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* AUTO: multiply-adds 10^6 times slower than streaming on rank 0 (the
     * bounds pay at any k), the reference machine elsewhere (Lloyd at
     * d = 6, k = 64 and 11). Set before the first fit measures anything. */
    setenv("SEG_MACHINE", rank == 0 ? "1000,0.001" : "reference", 1);
    int bad = run(), any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s: %d rank(s)\n", any ? "FAIL" : "ok", size);
    MPI_Finalize();
    return any ? 1 : 0;
}
