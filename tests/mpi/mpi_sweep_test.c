/*
 * The k sweep over MPI ranks (seg_mpi_sweep_run_*) against seg_sweep_run_*
 * on all the rows: run under mpirun with any number of ranks; every rank
 * holds a contiguous share (uneven ones, and seg_mpi_share()'s), sweeps,
 * and compares every figure of every row of its sweep bit for bit with the
 * single-process sweep it runs itself, then the chosen k, the runner-up and
 * why it lost. Samples smaller than n (the silhouette's, the stability's
 * base) make the draws by row number matter; weights and f32 are covered.
 * Then seg_mpi_reshare() against the rows it should give.
 *
 * Exit 0 when every rank passes; 1 otherwise.
 */
#include "mpitest.h"

#include <math.h>

static int size;

static const seg_sweep_stat stats[] = {
    SEG_SWEEP_K,
    SEG_SWEEP_INERTIA,
    SEG_SWEEP_SILHOUETTE,
    SEG_SWEEP_DAVIES_BOULDIN,
    SEG_SWEEP_CALINSKI_HARABASZ,
    SEG_SWEEP_SMALLEST_SHARE,
    SEG_SWEEP_ITERATIONS,
    SEG_SWEEP_LARGEST_SHARE,
    SEG_SWEEP_STABILITY,
    SEG_SWEEP_WORST_STABILITY,
};

static int same_sweep(const char *what, const seg_sweep *a, const seg_sweep *b)
{
    CHECK(seg_sweep_count(a) == seg_sweep_count(b) && seg_sweep_count(a) > 0, "%s: %zu rows vs %zu",
          what, seg_sweep_count(a), seg_sweep_count(b));
    for (size_t i = 0; i < seg_sweep_count(a); i++)
        for (size_t s = 0; s < sizeof stats / sizeof stats[0]; s++) {
            double va = 0, vb = 0;
            CHECK(seg_sweep_get(a, i, stats[s], &va) == SEG_OK &&
                      seg_sweep_get(b, i, stats[s], &vb) == SEG_OK,
                  "%s: get", what);
            CHECK(memcmp(&va, &vb, sizeof va) == 0, "%s: row %zu, stat %d: %.17g vs %.17g", what, i,
                  (int)stats[s], va, vb);
        }
    size_t ka = 0, kb = 0, ra = 0, rb = 0;
    seg_sweep_reason wa = 0, wb = 0;
    CHECK(seg_sweep_chosen(a, &ka) == SEG_OK && seg_sweep_chosen(b, &kb) == SEG_OK && ka == kb,
          "%s: chosen k %zu vs %zu", what, ka, kb);
    CHECK(seg_sweep_runner_up(a, &ra, &wa) == SEG_OK &&
              seg_sweep_runner_up(b, &rb, &wb) == SEG_OK && ra == rb && wa == wb,
          "%s: runner-up %zu (%d) vs %zu (%d)", what, ra, (int)wa, rb, (int)wb);
    return 0;
}

/* Sweep alone and over the ranks (rows [first, first + rows) here). */
static int compare(const char *what, const double *x, size_t n, size_t d, const double *w, int f32,
                   int64_t sample, int64_t stab_sample, size_t first, size_t rows)
{
    seg_sweep *serial = NULL, *spread = NULL;
    seg_kmeans *km = NULL;
    float *xf = malloc(n * d * sizeof *xf);
    CHECK(xf, "out of memory");
    for (size_t i = 0; i < n * d; i++)
        xf[i] = (float)x[i];
    CHECK(seg_kmeans_new(&km) == SEG_OK && seg_kmeans_set_int(km, SEG_KMEANS_SEED, 5) == SEG_OK &&
              seg_kmeans_set_int(km, SEG_KMEANS_K, 7) == SEG_OK,
          "k-means");
    for (int t = 0; t < 2; t++) {
        seg_sweep **s = t ? &spread : &serial;
        CHECK(seg_sweep_new(s) == SEG_OK && seg_sweep_set_int(*s, SEG_SWEEP_K_MIN, 2) == SEG_OK &&
                  seg_sweep_set_int(*s, SEG_SWEEP_K_MAX, 6) == SEG_OK &&
                  seg_sweep_set_int(*s, SEG_SWEEP_SEED, 3) == SEG_OK &&
                  seg_sweep_set_int(*s, SEG_SWEEP_SILHOUETTE_SAMPLE, sample) == SEG_OK &&
                  seg_sweep_set_int(*s, SEG_SWEEP_STABILITY_SAMPLE, stab_sample) == SEG_OK,
              "sweep settings");
    }
    int rc = f32 ? seg_sweep_run_f32(serial, km, xf, n, d, w)
                 : seg_sweep_run_f64(serial, km, x, n, d, w);
    CHECK(rc == SEG_OK, "%s: serial sweep: %s", what, seg_last_error());
    rc = f32 ? seg_mpi_sweep_run_f32(MPI_COMM_WORLD, spread, km, xf + first * d, rows, d,
                                     w ? w + first : NULL)
             : seg_mpi_sweep_run_f64(MPI_COMM_WORLD, spread, km, x + first * d, rows, d,
                                     w ? w + first : NULL);
    CHECK(rc == SEG_OK, "%s: MPI sweep: %s", what, seg_mpi_last_error());
    int64_t k = 0;
    CHECK(seg_kmeans_get_int(km, SEG_KMEANS_K, &k) == SEG_OK && k == 7, "%s: k not restored", what);
    if (same_sweep(what, serial, spread))
        return 1;
    seg_sweep_free(serial);
    seg_sweep_free(spread);
    seg_kmeans_free(km);
    free(xf);
    return 0;
}

/* Weights on some ranks only, and more ranks than row partitions: every
 * rank fails alike, no hang. */
static int check_mismatch(const double *x, size_t n, size_t d, const double *w, size_t first,
                          size_t rows)
{
    seg_kmeans *km = NULL;
    seg_sweep *s = NULL;
    CHECK(seg_kmeans_new(&km) == SEG_OK && seg_sweep_new(&s) == SEG_OK, "objects");
    (void)n;
    int rc = seg_mpi_sweep_run_f64(MPI_COMM_WORLD, s, km, x + first * d, rows, d,
                                   rank == size - 1 ? NULL : w + first);
    if (size > 1)
        CHECK(rc == SEG_ERR_MISMATCH && strstr(seg_mpi_last_error(), "weights"),
              "weights on some ranks: %d (%s)", rc, seg_mpi_last_error());
    else
        CHECK(rc == SEG_OK, "one rank, no weights: %s", seg_mpi_last_error());
    /* 1500 rows: two row partitions for every k swept, so 3 and 4 ranks
     * are refused on every rank (the shares of the first k) */
    const size_t small = 1500, sf = small * (size_t)rank / (size_t)size,
                 sl = small * (size_t)(rank + 1) / (size_t)size;
    rc = seg_mpi_sweep_run_f64(MPI_COMM_WORLD, s, km, x + sf * d, sl - sf, d, NULL);
    CHECK(size > 2 ? rc == SEG_ERR_LIMIT && strstr(seg_mpi_last_error(), "row partitions")
                   : rc == SEG_OK,
          "%d ranks, %zu rows: %d (%s)", size, small, rc, seg_mpi_last_error());
    seg_sweep_free(s);
    seg_kmeans_free(km);
    return 0;
}

/* seg_mpi_reshare: from uneven shares to seg_mpi_share()'s for k = 4. */
static int check_reshare(const double *x, size_t n, size_t d, size_t first, size_t rows)
{
    seg_kmeans *km = NULL;
    size_t to_first = 0, to_rows = 0;
    CHECK(seg_kmeans_new(&km) == SEG_OK && seg_kmeans_set_int(km, SEG_KMEANS_K, 4) == SEG_OK,
          "k-means");
    CHECK(seg_mpi_share(MPI_COMM_WORLD, km, n, d, SEG_DTYPE_F64, &to_first, &to_rows) == SEG_OK,
          "share");
    double *out = malloc((to_rows + 1) * d * sizeof *out);
    CHECK(out, "out of memory");
    int rc =
        seg_mpi_reshare(MPI_COMM_WORLD, x + first * d, rows, d * sizeof *x, to_first, to_rows, out);
    CHECK(rc == SEG_OK, "reshare: %s", seg_mpi_last_error());
    CHECK(memcmp(out, x + to_first * d, to_rows * d * sizeof *out) == 0, "reshare: rows differ");
    /* wanted shares that do not tile the rows: every rank fails alike */
    rc = seg_mpi_reshare(MPI_COMM_WORLD, x + first * d, rows, d * sizeof *x, to_first + 1, to_rows,
                         out);
    CHECK(rc == SEG_ERR_INVALID_ARG, "reshare of bad shares gave %d", rc);
    free(out);
    seg_kmeans_free(km);
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const size_t n = 4200, d = 3; /* 5 row partitions of 1024 (k <= 32) */
    double *x = malloc(n * d * sizeof *x), *w = malloc(n * sizeof *w);
    int bad = !x || !w;
    if (!bad) {
        mpitest_blobs(x, n, d, 4, 11, 3.0);
        for (size_t i = 0; i < n; i++)
            w[i] = 1 + (double)(i % 3);
    }
    /* Uneven shares: rank r holds about (r + 1) parts of 1 + 2 + ... + R. */
    const size_t tri = (size_t)size * (size_t)(size + 1) / 2;
    const size_t first = n * ((size_t)rank * (size_t)(rank + 1) / 2) / tri;
    const size_t last = n * ((size_t)(rank + 1) * (size_t)(rank + 2) / 2) / tri;
    size_t sf = 0, sr = 0;
    seg_kmeans *km = NULL;
    bad = bad || seg_kmeans_new(&km) != SEG_OK ||
          seg_mpi_share(MPI_COMM_WORLD, km, n, d, SEG_DTYPE_F64, &sf, &sr) != SEG_OK;
    seg_kmeans_free(km);
    if (bad)
        fprintf(stderr, "rank %d: setting up: %s\n", rank, seg_mpi_last_error());
    if (!bad)
        bad = compare("f64, samples", x, n, d, NULL, 0, 500, 900, first, last - first) ||
              compare("f32, weights, samples", x, n, d, w, 1, 700, 1000, first, last - first) ||
              compare("f64, all rows, seg_mpi_share", x, n, d, NULL, 0, 0, 0, sf, sr) ||
              check_reshare(x, n, d, first, last - first) ||
              check_mismatch(x, n, d, w, first, last - first);
    int any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s with %d rank(s)\n", any ? "FAILED" : "passed", size);
    free(x);
    free(w);
    MPI_Finalize();
    return any;
}
