/*
 * The weighted medians over 1 to 4 ranks (mpi/wmedian.c,
 * seg_mpi_weighted_medians()) against the serial profile's
 * (seg_model_from_labels() on all the rows with their weights), bit for
 * bit, per segment and of all rows: a column of few values (ties at the
 * medians, -0.0 and +0.0 among them) with gaps, a continuous one, one with
 * a segment of no present value, one whose weights split exactly in two;
 * under weights whose sums round (the order
 * of the additions matters), under weights whose sums are exact (a
 * running sum lands on exactly half: the mean of two values) and under
 * equal weights of 0.1 (running sums within a rounding of half). The ranks'
 * shares are uneven, and from 3 ranks on one rank in the middle holds no
 * row.
 */
#include "mpitest.h"

#include "select.h"

#include <math.h>

#define N 1003
#define K 4
#define COLS 4

static int32_t label_of(size_t i)
{
    return (int32_t)((i * 5 + i / 4 + i * i / 9) % K);
}

/* Column c of row i (NaN: missing). */
static double value_of(size_t i, size_t c)
{
    if (c == 0) {
        if (i % 13 == 5)
            return NAN;
        const int v = (int)((i * 7) % 5) - 2;
        return v == 0 ? (i % 2 ? -0.0 : 0.0) : (double)v;
    }
    if (c == 1)
        return i % 11 == 3 ? NAN : sin((double)i) * 10.0;
    if (c == 3) /* pairs of rows of one weight, 1 then 2: all rows' median 1.5 */
        return i == N - 1 ? NAN : (double)(i % 2 + 1);
    return label_of(i) == 2 || i % 9 == 1 ? NAN : (double)(i % 17) * 0.5;
}

/* exact 0: weights whose sums round; 1: sums exact; 2: all 0.1, whose
 * running sums land within a rounding of half the total (the medians then
 * follow the order of the additions, checked in the tests' breaks) */
static double weight_of(size_t i, int exact)
{
    if (exact == 2)
        return 0.1;
    static const double rounding[6] = {0.1, 1.3, 3.7, 0.7, 2.2, 1.0};
    static const double halves[5] = {0.25, 0.5, 1.0, 2.0, 4.0};
    return exact ? halves[((i / 2) * 3 + i / 14) % 5] : rounding[(i * 5 + i / 3) % 6];
}

/* Rank r's rows [cut(r), cut(r + 1)): uneven, and from 3 ranks on rank 1
 * holds none. */
static size_t cut(int r, int R)
{
    if (r >= R)
        return N;
    if (R >= 3) { /* ranks 1 and 2 begin alike: rank 1 is empty */
        r = r <= 1 ? r : r - 1;
        R = R - 1;
    }
    return (size_t)((double)N * r * r / ((double)R * R));
}

/* The serial profile's weighted medians of all rows: med[c * (K + 1) + j]. */
static int serial_medians(int exact, double *med)
{
    char *text = malloc((size_t)N * 96 + 32);
    CHECK(text, "out of memory");
    size_t len = (size_t)sprintf(text, "c0,c1,c2,c3,w\n");
    for (size_t i = 0; i < N; i++) {
        for (size_t c = 0; c < COLS; c++) {
            const double v = value_of(i, c);
            len += isnan(v) ? 0 : (size_t)sprintf(text + len, "%.17g", v);
            text[len++] = ',';
        }
        len += (size_t)sprintf(text + len, "%.17g\n", weight_of(i, exact));
    }
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_model *m = NULL;
    int32_t *lab = malloc(N * sizeof *lab);
    CHECK(lab, "out of memory");
    for (size_t i = 0; i < N; i++)
        lab[i] = label_of(i);
    CHECK(seg_dataset_read_csv_memory(&ds, text, len, NULL) == SEG_OK &&
              seg_dataset_set_weight_column(ds, "w") == SEG_OK && seg_scaler_new(&sc) == SEG_OK &&
              seg_scaler_fit(sc, ds) == SEG_OK &&
              seg_model_from_labels(ds, sc, lab, K, &m) == SEG_OK,
          "serial profile: %s", seg_last_error());
    for (size_t c = 0; c < COLS; c++)
        for (size_t j = 0; j <= K; j++)
            CHECK(seg_model_profile_numeric(m, j, c, SEG_PROFILE_MEDIAN, &med[c * (K + 1) + j]) ==
                      SEG_OK,
                  "serial median");
    free(text);
    free(lab);
    seg_model_free(m);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    return 0;
}

static int run(int R, int exact)
{
    double want[COLS * (K + 1)], got[K + 1];
    if (serial_medians(exact, want))
        return 1;
    const size_t row0 = cut(rank, R), n = cut(rank + 1, R) - row0;
    double *v = malloc((n + 1) * sizeof *v), *w = malloc((n + 1) * sizeof *w);
    int32_t *lab = malloc((n + 1) * sizeof *lab);
    CHECK(v && w && lab, "out of memory");
    int halves = 0; /* some median the mean of two values (exact weights) */
    for (size_t c = 0; c < COLS; c++) {
        for (size_t i = 0; i < n; i++) {
            v[i] = value_of(row0 + i, c);
            w[i] = weight_of(row0 + i, exact);
            lab[i] = label_of(row0 + i);
        }
        int rc = seg_mpi_weighted_medians(MPI_COMM_WORLD, v, lab, w, n, row0, N, K, got);
        CHECK(rc == SEG_OK, "weighted medians: %d", rc);
        for (size_t j = 0; j <= K; j++) {
            const double a = got[j], b = want[c * (K + 1) + j];
            CHECK(memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b)),
                  "%d rank(s), %s weights, column %zu, %s %zu: %.17g, serial %.17g", R,
                  exact == 1 ? "exact"
                  : exact    ? "0.1"
                             : "rounding",
                  c, j < K ? "segment" : "all rows", j, a, b);
            halves += c == 3 && !isnan(b) && b != floor(b);
        }
    }
    /* the serial medians of column 2's segment 2 (no value) are NaN */
    CHECK(isnan(want[2 * (K + 1) + 2]), "a segment of no value has no median");
    if (exact == 1)
        CHECK(halves > 0, "no median of column 3 fell between two values (exact weights)");
    free(v);
    free(w);
    free(lab);
    return 0;
}

int main(int argc, char **argv)
{
    int R = 1;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &R);
    int status = run(R, 0) || run(R, 1) || run(R, 2);
    if (rank == 0 && status == 0)
        printf("ok: weighted medians over %d rank(s), the serial profile's\n", R);
    MPI_Finalize();
    return status;
}
