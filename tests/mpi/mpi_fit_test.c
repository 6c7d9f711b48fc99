/*
 * The k-means fit over MPI ranks (libseg-mpi) against the single-process
 * fit: run under mpirun with any number of ranks, every rank fits its share
 * and compares the model (centroids, sizes, weights, inertia, iterations,
 * bit for bit) and its rows' labels with seg_kmeans_fit_f32/_f64 on all the
 * rows, which it computes itself. Then a non-finite value in the last rank's
 * share must give every rank the same error, naming the row.
 *
 * Exit 0 when every rank passes; 1 otherwise (on every rank: agreed).
 */
#include "mpitest.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int size;




/* The scaler over the ranks against seg_scaler_fit() on all the rows: the
 * centers and scales bit for bit, then the k-means fit of the scaled rows
 * (f32, as seg segment --dtype f32 scales then rounds). */
static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int compare_scaler(const char *what, seg_kmeans *km, const double *x, size_t n, size_t d,
                          seg_scale_method method)
{
    size_t first, rows;
    CHECK(seg_mpi_share(MPI_COMM_WORLD, km, n, d, SEG_DTYPE_F32, &first, &rows) == SEG_OK,
          "%s: share", what);
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    CHECK(seg_dataset_from_f64(&ds, x, n, d, NULL) == SEG_OK && seg_scaler_new(&sc) == SEG_OK &&
              seg_scaler_set_int(sc, SEG_SCALER_METHOD, method) == SEG_OK &&
              seg_scaler_fit(sc, ds) == SEG_OK,
          "%s: serial scaler: %s", what, seg_last_error());
    double *c = malloc(2 * d * sizeof *c), *sd = c + d;
    float *all = malloc(n * d * sizeof *all), *mine = malloc((rows ? rows : 1) * d * sizeof *mine);
    CHECK(c && all && mine, "out of memory");
    int rc = seg_mpi_scaler_fit(MPI_COMM_WORLD, method, x + first * d, rows, d, c, sd);
    CHECK(rc == SEG_OK, "%s: MPI scaler: %s", what, seg_mpi_last_error());
    for (size_t j = 0; j < d; j++) {
        double c0, s0;
        CHECK(seg_scaler_feature_affine(sc, j, &c0, &s0) == SEG_OK, "%s: affine", what);
        CHECK(memcmp(&c0, &c[j], sizeof c0) == 0 && memcmp(&s0, &sd[j], sizeof s0) == 0,
              "%s: feature %zu: center %.17g scale %.17g, serial %.17g %.17g", what, j, c[j], sd[j],
              c0, s0);
    }
    CHECK(seg_scaler_transform_f32(sc, ds, all, n * d) == SEG_OK, "%s: transform", what);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < d; j++)
            mine[i * d + j] = (float)((x[(first + i) * d + j] - c[j]) / sd[j]);
    CHECK(memcmp(mine, all + first * d, rows * d * sizeof *mine) == 0, "%s: scaled rows differ",
          what);
    seg_model *serial = NULL, *spread = NULL;
    CHECK(seg_kmeans_fit_f32(km, all, n, d, NULL, NULL, &serial) == SEG_OK, "%s: serial fit: %s",
          what, seg_last_error());
    rc = seg_mpi_kmeans_fit_f32(MPI_COMM_WORLD, km, mine, rows, d, NULL, NULL, &spread);
    CHECK(rc == SEG_OK, "%s: MPI fit: %s", what, seg_mpi_last_error());
    if (mpitest_same_model(serial, spread, what))
        return 1;
    seg_model_free(serial);
    seg_model_free(spread);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    free(c);
    free(all);
    free(mine);
    return 0;
}

static int run(void)
{
    const size_t n = 12011, d = 9;
    double *x = malloc(n * d * sizeof *x), *w = malloc(n * sizeof *w);
    seg_kmeans *km = NULL;
    CHECK(x && w && seg_kmeans_new(&km) == SEG_OK, "setup");
    mpitest_blobs(x, n, d, 6, 42, 2.0);
    for (size_t i = 0; i < n; i++)
        w[i] = 0.5 + (double)(i % 7) / 4;

    size_t prow, parts;
    CHECK(seg_kmeans_partitions(km, n, d, SEG_DTYPE_F32, &prow, &parts) == SEG_OK, "partitions");
    CHECK(parts >= 4, "only %zu partitions: the test needs several per rank", parts);

    seg_kmeans_set_int(km, SEG_KMEANS_K, 6);
    seg_kmeans_set_int(km, SEG_KMEANS_SEED, 7);
    if (mpitest_compare("f32 k-means++", km, x, n, d, NULL, 1))
        return 1;
    /* More trials than partitions: k = 200 draws 2 + floor(ln 200) = 7
     * trials a step over the few partitions of 1000 rows, so trials share a
     * partition (one scan serves them, in the order of their draws), and
     * with 2 to 4 ranks the partitions drawn lie on different ranks, whose
     * results one gather brings together. */
    {
        const size_t n2 = 1000, trials = 7;
        seg_kmeans_set_int(km, SEG_KMEANS_K, 200);
        CHECK(seg_kmeans_partitions(km, n2, d, SEG_DTYPE_F32, &prow, &parts) == SEG_OK,
              "partitions");
        CHECK(parts >= 2 && parts < trials,
              "%zu partitions of 1000 rows: the test needs 2 to %zu", parts, trials - 1);
        if (mpitest_compare("f32 k-means++, k = 200 on 1000 rows", km, x, n2, d, NULL, 1) ||
            mpitest_compare("f32 weighted k-means++, k = 200 on 1000 rows", km, x, n2, d, w, 1))
            return 1;
    }
    seg_kmeans_set_int(km, SEG_KMEANS_K, 9);
    seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 2);
    seg_kmeans_set_double(km, SEG_KMEANS_TOL, 0);
    if (mpitest_compare("f64 weighted k-means++, 2 runs, tol 0", km, x, n, d, w, 0))
        return 1;
    seg_kmeans_set_int(km, SEG_KMEANS_INIT, SEG_INIT_RANDOM);
    seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 1);
    seg_kmeans_set_double(km, SEG_KMEANS_TOL, 1e-4);
    if (mpitest_compare("f32 random start", km, x, n, d, NULL, 1))
        return 1;
    /* A given start with one centroid far from every row: its segment is
     * empty after the first pass and re-seeded (agreed across ranks). */
    double c0[4 * 9];
    for (size_t j = 0; j < 4; j++)
        for (size_t f = 0; f < d; f++)
            c0[j * d + f] = j == 3 ? 1e3 : x[j * 101 * d + f];
    CHECK(seg_kmeans_set_init_centroids_f64(km, c0, 4, d) == SEG_OK, "given");
    if (mpitest_compare("f64 given start, empty segment re-seeded", km, x, n, d, NULL, 0))
        return 1;

    /* The scaler: columns far from 0 with a small spread (the sums' order
     * shows in the last bits), one constant column. */
    seg_kmeans_set_int(km, SEG_KMEANS_INIT, SEG_INIT_KMEANSPP);
    seg_kmeans_set_int(km, SEG_KMEANS_K, 6);
    double *xs = malloc(n * d * sizeof *xs);
    CHECK(xs, "out of memory");
    for (size_t i = 0; i < n; i++)
        for (size_t f = 0; f < d; f++)
            xs[i * d + f] = f == 4 ? 2.5 : x[i * d + f] * (double)(f + 1) + 1e5 * (double)f + 0.1;
    if (compare_scaler("standard scaler", km, xs, n, d, SEG_SCALE_STANDARD) ||
        compare_scaler("minmax scaler", km, xs, n, d, SEG_SCALE_MINMAX) ||
        compare_scaler("robust scaler", km, xs, n, d, SEG_SCALE_ROBUST))
        return 1;
    /* Quartiles among ties and of negative values, the interpolation's
     * both branches (n - 1 = 12010: q1 and q3 at t = 0.5, the median at an
     * order statistic; with n - 1 rows t = 0.25 and 0.75): whole numbers from -7 to 7, halves, a column of
     * one value, one with a single outlier. */
    {
        double *xt = malloc(n * d * sizeof *xt);
        CHECK(xt, "out of memory");
        for (size_t i = 0; i < n; i++)
            for (size_t f = 0; f < d; f++)
                xt[i * d + f] = f == 0   ? floor(x[i * d] * 3)
                                : f == 1 ? -(double)((i * 7) % 15)
                                : f == 2 ? floor(x[i * d + 2] * 2) / 2 - 0.25
                                : f == 3 ? -3.5
                                : f == 4 ? (i == 17 ? 1e6 : 1.0)
                                         : x[i * d + f] * 1e-300;
        /* and n - 1 rows: q1 at t = 0.25 and q3 at t = 0.75 */
        if (compare_scaler("robust scaler, ties", km, xt, n, d, SEG_SCALE_ROBUST) ||
            compare_scaler("robust scaler, ties, n - 1 rows", km, xt, n - 1, d, SEG_SCALE_ROBUST))
            return 1;
        free(xt);
    }
    /* The median over ranks with missing values: NaN in every column but
     * the first, a column all missing (0), one of ties, one of a single
     * present value; against the present values sorted and numpy's linear
     * interpolation written as the serial scaler writes it; the first column
     * (nothing missing) also against the serial robust scaler's center. */
    {
        double *xm = malloc(n * d * sizeof *xm), *col = malloc(n * sizeof *col), med[9];
        CHECK(xm && col, "out of memory");
        for (size_t i = 0; i < n; i++)
            for (size_t f = 0; f < d; f++) {
                double v = f == 1 ? floor(x[i * d + 1] * 2) : x[i * d + f] * (double)(f + 1);
                if ((f == 3) || (f == 4 && i != 5) || (f != 0 && (i * 13 + f) % 7 == 0))
                    v = i % 2 ? NAN : -NAN; /* either sign: both are missing */
                xm[i * d + f] = v;
            }
        size_t f0, r0;
        CHECK(seg_mpi_share(MPI_COMM_WORLD, km, n, d, SEG_DTYPE_F64, &f0, &r0) == SEG_OK, "share");
        int rc = seg_mpi_median(MPI_COMM_WORLD, xm + f0 * d, r0, d, med);
        CHECK(rc == SEG_OK, "median: %s", seg_mpi_last_error());
        for (size_t f = 0; f < d; f++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (!isnan(xm[i * d + f]))
                    col[m++] = xm[i * d + f];
            qsort(col, m, sizeof *col, cmp_double);
            double want = 0.0;
            if (m) {
                const double pos = (double)(m - 1) * 0.5, t = pos - (double)(size_t)pos;
                const double a = col[(size_t)pos], b = (size_t)pos + 1 < m ? col[(size_t)pos + 1] : a;
                want = t == 0.0 ? a : t >= 0.5 ? b - (b - a) * (1.0 - t) : a + (b - a) * t;
            }
            CHECK(memcmp(&want, &med[f], sizeof want) == 0, "median of feature %zu: %.17g, want %.17g",
                  f, med[f], want);
        }
        CHECK(med[3] == 0.0 && med[4] == x[5 * d + 4] * 5, "median: all missing %g, one value %g",
              med[3], med[4]);
        {
            seg_dataset *ds = NULL;
            seg_scaler *sc = NULL;
            double c0, s0;
            for (size_t i = 0; i < n; i++)
                col[i] = xm[i * d];
            CHECK(seg_dataset_from_f64(&ds, col, n, 1, NULL) == SEG_OK &&
                      seg_scaler_new(&sc) == SEG_OK &&
                      seg_scaler_set_int(sc, SEG_SCALER_METHOD, SEG_SCALE_ROBUST) == SEG_OK &&
                      seg_scaler_fit(sc, ds) == SEG_OK &&
                      seg_scaler_feature_affine(sc, 0, &c0, &s0) == SEG_OK,
                  "median: serial scaler: %s", seg_last_error());
            CHECK(memcmp(&c0, &med[0], sizeof c0) == 0, "median: %.17g, the serial scaler's %.17g",
                  med[0], c0);
            seg_scaler_free(sc);
            seg_dataset_free(ds);
        }
        /* The scaler with the missing values imputed, against the serial
         * scaler on all rows: each method and imputation order, the
         * centers, scales and this rank's transformed rows bit for bit. */
        {
            static const seg_scale_method methods[3] = {SEG_SCALE_STANDARD, SEG_SCALE_MINMAX,
                                                        SEG_SCALE_ROBUST};
            seg_dataset *ds = NULL;
            double cm[9], sm[9], mm[9];
            float *all = malloc(n * d * sizeof *all);
            /* the rows as CSV text, NaN an empty field, %.17g exact */
            char *text = malloc((n + 1) * d * 28 + 1);
            size_t len = 0;
            CHECK(all && text && d <= 9, "out of memory");
            for (size_t f = 0; f < d; f++)
                len += (size_t)sprintf(text + len, "%sf%zu", f ? "," : "", f);
            for (size_t i = 0; i < n; i++)
                for (size_t f = 0; f < d; f++) {
                    text[len++] = f ? ',' : '\n';
                    if (!isnan(xm[i * d + f]))
                        len += (size_t)sprintf(text + len, "%.17g", xm[i * d + f]);
                }
            text[len++] = '\n';
            CHECK(seg_dataset_read_csv_memory(&ds, text, len, NULL) == SEG_OK,
                  "missing: dataset: %s", seg_last_error());
            free(text);
            for (int mi = 0; mi < 3; mi++)
                for (int first_imp = 0; first_imp < 2; first_imp++) {
                    seg_scaler *sc = NULL;
                    CHECK(seg_scaler_new(&sc) == SEG_OK &&
                              seg_scaler_set_int(sc, SEG_SCALER_METHOD, methods[mi]) == SEG_OK &&
                              seg_scaler_set_int(sc, SEG_SCALER_IMPUTE_ORDER,
                                                 first_imp ? SEG_IMPUTE_THEN_SCALE
                                                           : SEG_SCALE_THEN_IMPUTE) == SEG_OK &&
                              seg_scaler_fit(sc, ds) == SEG_OK &&
                              seg_scaler_transform_f32(sc, ds, all, n * d) == SEG_OK,
                          "missing: serial scaler: %s", seg_last_error());
                    rc = seg_mpi_scaler_fit_missing(MPI_COMM_WORLD, methods[mi], first_imp,
                                                    xm + f0 * d, r0, d, cm, sm, mm);
                    CHECK(rc == SEG_OK, "missing: MPI scaler: %s", seg_mpi_last_error());
                    for (size_t f = 0; f < d; f++) {
                        double c0, s0;
                        CHECK(seg_scaler_feature_affine(sc, f, &c0, &s0) == SEG_OK, "affine");
                        CHECK(memcmp(&c0, &cm[f], sizeof c0) == 0 &&
                                  memcmp(&s0, &sm[f], sizeof s0) == 0 &&
                                  memcmp(&mm[f], &med[f], sizeof mm[f]) == 0,
                              "missing, method %d, impute-first %d, feature %zu: center %.17g "
                              "scale %.17g, serial %.17g %.17g",
                              (int)methods[mi], first_imp, f, cm[f], sm[f], c0, s0);
                    }
                    for (size_t i = 0; i < r0; i++)
                        for (size_t f = 0; f < d; f++) {
                            const double v = xm[(f0 + i) * d + f];
                            const float y = (float)(((isnan(v) ? mm[f] : v) - cm[f]) / sm[f]);
                            CHECK(memcmp(&y, &all[(f0 + i) * d + f], sizeof y) == 0,
                                  "missing: row %zu, feature %zu scaled %g, serial %g", f0 + i,
                                  f, (double)y, (double)all[(f0 + i) * d + f]);
                        }
                    seg_scaler_free(sc);
                }
            seg_dataset_free(ds);
            free(all);
        }
        /* an infinite value in the last share fails every rank alike */
        xm[(n - 2) * d + 2] = -INFINITY;
        rc = seg_mpi_median(MPI_COMM_WORLD, xm + f0 * d, r0, d, med);
        char want[64];
        snprintf(want, sizeof want, "row %zu, feature 3 is infinite", n - 1);
        CHECK(rc == SEG_ERR_NONFINITE && strcmp(seg_mpi_last_error(), want) == 0,
              "median, infinite: rc %d, '%s'", rc, seg_mpi_last_error());
        free(xm);
        free(col);
    }
    {
        double c[9], sd[9];
        int rc;
        /* a NaN in the last rank's share: the scaler fails alike everywhere */
        size_t f0, r0, bad = n - 3;
        CHECK(seg_mpi_share(MPI_COMM_WORLD, km, n, d, SEG_DTYPE_F32, &f0, &r0) == SEG_OK, "share");
        xs[bad * d + 6] = NAN;
        rc = seg_mpi_scaler_fit(MPI_COMM_WORLD, SEG_SCALE_STANDARD, xs + f0 * d, r0, d, c, sd);
        char want[64];
        snprintf(want, sizeof want, "row %zu, feature 7 is not finite (NaN;", bad + 1);
        CHECK(rc == SEG_ERR_NONFINITE && strncmp(seg_mpi_last_error(), want, strlen(want)) == 0,
              "scaler, bad share: rc %d, '%s'", rc, seg_mpi_last_error());
    }
    free(xs);

    /* A NaN in the last rank's share: every rank fails alike. */
    size_t first, rows, bad = n - 5;
    CHECK(seg_mpi_share(MPI_COMM_WORLD, km, n, d, SEG_DTYPE_F64, &first, &rows) == SEG_OK, "share");
    x[bad * d + 2] = NAN;
    seg_model *m = (seg_model *)1;
    int rc = seg_mpi_kmeans_fit_f64(MPI_COMM_WORLD, km, x + first * d, rows, d, NULL, NULL, &m);
    char want[64];
    snprintf(want, sizeof want, "row %zu, feature 3 is not finite", bad + 1);
    CHECK(rc == SEG_ERR_NONFINITE && m == NULL, "bad share: rc %d", rc);
    CHECK(strcmp(seg_mpi_last_error(), want) == 0, "bad share: message '%s', want '%s'",
          seg_mpi_last_error(), want);
    /* and a rank whose rows are not its share is refused on every rank
     * (with one rank, any rows are its share) */
    if (size > 1)
        rc = seg_mpi_kmeans_fit_f64(MPI_COMM_WORLD, km, x, rank == 0 ? rows + 1 : rows, d, NULL,
                                    NULL, &m);
    CHECK(size == 1 || (rc == SEG_ERR_MISMATCH && strstr(seg_mpi_last_error(), "rank 0 holds")),
          "wrong share: rc %d, '%s'", rc, seg_mpi_last_error());
    seg_kmeans_free(km);
    free(x);
    free(w);
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int bad = run(), any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s: %d rank(s)\n", any ? "FAIL" : "ok", size);
    MPI_Finalize();
    return any ? 1 : 0;
}
