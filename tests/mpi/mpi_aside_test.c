/*
 * seg-mpi's columns kept aside (tools/mpi/csv_aside.h) over 1 to 4 ranks:
 * the labels and distances of the fit's shares sent back to the ranks that
 * read the rows (csv_aside_labels()), with CSV shares and fit shares cut
 * differently and unevenly, a rank that read no row (the last, from 3
 * ranks on) and a rank with no fit row (rank 0, from 3 ranks on). Every
 * rank checks that each of its rows has its own label and distance and
 * that its aside column is its rows', and the row-order sum of the
 * distances along the chain (csv_aside_chain_in/out()) is the serial sum's
 * bits.
 */
#include "mpitest.h"

#include "mpi/csv_aside.h"

#define N 1003

static int32_t label_of(size_t row)
{
    return (int32_t)(row * 7 % 5);
}

static double dist_of(size_t row)
{
    return (double)row * 0.1 + 1.0 / 3.0;
}

/* Rank r's rows [cut(r), cut(r + 1)) of N. */
static size_t csv_cut(int r, int R)
{
    if (R >= 3 && r >= R - 1)
        return N; /* the last rank reads no row */
    const int last = R >= 3 ? R - 1 : R;
    return (size_t)((double)N * r * r / ((double)last * last)); /* uneven: few rows first */
}

static size_t fit_cut(int r, int R)
{
    if (R >= 3 && r == 1)
        return 0; /* rank 0 has no fit row, rank 1 the first rows */
    return (size_t)N * (size_t)r / (size_t)R;
}

static int run(int R)
{
    const size_t row0 = csv_cut(rank, R), nr = csv_cut(rank + 1, R) - row0;
    const size_t first = fit_cut(rank, R), rows = fit_cut(rank + 1, R) - first;
    csv_model *cm = csv_model_new(NULL, false);
    CHECK(cm, "csv_model_new");
    CHECK(csv_aside_add(cm, "x0", CSV_ASIDE_KEEP, "kept") == SEG_OK, "csv_aside_add");
    CHECK(csv_aside_has(cm, "x0") && !csv_aside_has(cm, "x1"), "csv_aside_has");
    if (nr > 0) {
        double *x = malloc(nr * 2 * sizeof *x);
        CHECK(x, "out of memory");
        for (size_t i = 0; i < nr; i++) {
            x[2 * i] = (double)(row0 + i);
            x[2 * i + 1] = -1.0;
        }
        seg_dataset *ds = NULL;
        CHECK(seg_dataset_from_f64(&ds, x, nr, 2, NULL) == SEG_OK, "dataset");
        free(x);
        CHECK(csv_model_keep(cm, ds, row0) == SEG_OK, "csv_model_keep");
    }
    int32_t *lab = malloc((rows + 1) * sizeof *lab);
    double *dist = malloc((rows + 1) * sizeof *dist);
    CHECK(lab && dist, "out of memory");
    for (size_t i = 0; i < rows; i++) {
        lab[i] = label_of(first + i);
        dist[i] = dist_of(first + i);
    }
    int rc = csv_aside_labels(cm, lab, dist, first, rows);
    free(lab);
    free(dist);
    CHECK(rc == SEG_OK, "csv_aside_labels: %s", seg_mpi_last_error());

    /* every row of this rank: its own label and distance */
    int bad = 0;
    const seg_dataset *ds = csv_aside_dataset(cm);
    const int32_t *got = csv_aside_row_labels(cm);
    const double *gd = csv_aside_row_distances(cm);
    size_t j = 99;
    if (nr > 0) {
        bad |= !ds || seg_dataset_rows(ds) != nr || csv_aside_row0(cm) != row0;
        bad |= csv_aside_column(cm, "x0", &j) != SEG_OK ||
               csv_aside_column(cm, "x1", &j) == SEG_OK; /* only the aside column kept */
        csv_aside_column(cm, "x0", &j);
        for (size_t i = 0; !bad && i < nr; i++) {
            double v = -1;
            seg_dataset_get_f64(ds, i, j, &v);
            if (v != (double)(row0 + i) || got[i] != label_of(row0 + i) ||
                gd[i] != dist_of(row0 + i)) {
                fprintf(stderr, "rank %d of %d: row %zu: x0 %g, label %d, distance %.17g\n", rank,
                        R, row0 + i, v, (int)got[i], gd[i]);
                bad = 1;
            }
        }
    }
    /* the distances summed in row order along the chain: the serial bits */
    double sum = 0, want = 0;
    for (size_t i = 0; i < N; i++)
        want += dist_of(i);
    if (csv_aside_chain_in(&sum, 1, 77) != SEG_OK)
        bad = 1;
    for (size_t i = 0; i < nr; i++)
        sum += gd[i];
    if (csv_aside_chain_out(&sum, 1, 77) != SEG_OK || sum != want) {
        fprintf(stderr, "rank %d of %d: chain sum %.17g, serial %.17g\n", rank, R, sum, want);
        bad = 1;
    }
    csv_model_free(cm);
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    CHECK(!bad, "a rank's rows did not get their labels (%d ranks)", R);
    return 0;
}

int main(int argc, char **argv)
{
    int R = 1;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &R);
    int status = run(R);
    if (rank == 0 && status == 0)
        printf("ok: labels back to the reading ranks, %d rank(s)\n", R);
    MPI_Finalize();
    return status;
}
