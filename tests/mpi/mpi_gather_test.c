/*
 * seg_mpi_gather_rows() under mpirun with any number of ranks: uneven
 * shares (rank r holds r + 3 rows ... and the last rank none when there are
 * several); rank 0 must get exactly the rows and labels at the asked row
 * numbers, in order, as float and as double; the argument errors must be
 * the same on every rank (row numbers not increasing, beyond all rows,
 * labels on some ranks only).
 *
 * Exit 0 when every rank passes; 1 otherwise.
 */
#include "mpitest.h"

enum { D = 3 };

static int size;

static double value(size_t row, size_t j)
{
    return (double)row * 10.0 + (double)j + 0.25;
}

static int check_gather(int dtype, size_t first, size_t rows, size_t n)
{
    double xd[64 * D];
    float xf[64 * D];
    int32_t l[64];
    for (size_t i = 0; i < rows; i++) {
        l[i] = (int32_t)((first + i) * 7 % 5);
        for (size_t j = 0; j < D; j++) {
            xd[i * D + j] = value(first + i, j);
            xf[i * D + j] = (float)value(first + i, j);
        }
    }
    /* every third row, then the last */
    size_t idx[64], m = 0;
    for (size_t r = 0; r < n; r += 3)
        idx[m++] = r;
    if (idx[m - 1] != n - 1)
        idx[m++] = n - 1;
    double outd[64 * D];
    float outf[64 * D];
    int32_t outl[64];
    const void *x = dtype == SEG_DTYPE_F32 ? (const void *)xf : (const void *)xd;
    void *out = dtype == SEG_DTYPE_F32 ? (void *)outf : (void *)outd;
    int rc = seg_mpi_gather_rows(MPI_COMM_WORLD, x, dtype, rows, D, l, idx, m, out, outl);
    CHECK(rc == SEG_OK, "gather: %d (%s)", rc, seg_mpi_last_error());
    if (rank == 0)
        for (size_t a = 0; a < m; a++) {
            CHECK(outl[a] == (int32_t)(idx[a] * 7 % 5), "label of row %zu", idx[a]);
            for (size_t j = 0; j < D; j++) {
                const double got = dtype == SEG_DTYPE_F32 ? outf[a * D + j] : outd[a * D + j];
                const double want =
                    dtype == SEG_DTYPE_F32 ? (float)value(idx[a], j) : value(idx[a], j);
                CHECK(got == want, "row %zu, feature %zu: %g, not %g", idx[a], j, got, want);
            }
        }
    /* without labels */
    rc = seg_mpi_gather_rows(MPI_COMM_WORLD, x, dtype, rows, D, NULL, idx, m, out, NULL);
    CHECK(rc == SEG_OK, "gather without labels: %d", rc);
    /* errors, agreed */
    size_t back[2] = {1, 0}, beyond[1] = {n};
    rc = seg_mpi_gather_rows(MPI_COMM_WORLD, x, dtype, rows, D, l, back, 2, out, outl);
    CHECK(rc == SEG_ERR_INVALID_ARG, "row numbers not increasing: %d", rc);
    rc = seg_mpi_gather_rows(MPI_COMM_WORLD, x, dtype, rows, D, l, beyond, 1, out, outl);
    CHECK(rc == SEG_ERR_INVALID_ARG, "a row beyond all rows: %d", rc);
    CHECK(strstr(seg_mpi_last_error(), "beyond"), "message: %s", seg_mpi_last_error());
    if (size > 1) {
        rc = seg_mpi_gather_rows(MPI_COMM_WORLD, x, dtype, rows, D, rank == 1 ? NULL : l, idx, m,
                                 out, outl);
        CHECK(rc == SEG_ERR_INVALID_ARG, "labels on some ranks only: %d", rc);
    }
    rc = seg_mpi_gather_rows(MPI_COMM_WORLD, x, 7, rows, D, l, idx, m, out, outl);
    CHECK(rc == SEG_ERR_INVALID_ARG, "a bad dtype: %d", rc);
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* rank r holds r + 3 rows; the last of several holds none */
    size_t first = 0, n = 0;
    for (int r = 0; r < size; r++) {
        const size_t h = size > 1 && r == size - 1 ? 0 : (size_t)r + 3;
        if (r < rank)
            first += h;
        n += h;
    }
    const size_t rows = size > 1 && rank == size - 1 ? 0 : (size_t)rank + 3;
    int bad =
        check_gather(SEG_DTYPE_F64, first, rows, n) || check_gather(SEG_DTYPE_F32, first, rows, n);
    int any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    if (rank == 0 && !any)
        printf("seg_mpi_gather_rows: %zu rows over %d ranks\n", n, size);
    MPI_Finalize();
    return any ? 1 : 0;
}
