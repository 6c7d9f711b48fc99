/*
 * The two costs of the latency model of bench/README-mpi.md, measured
 * between ranks 0 and 1: the one-way time of a tiny message (alpha) and of
 * one of BYTES bytes (the fit's fold), by ping-pong, best of 5 rounds of
 * 200 exchanges. Prints "alpha_us fold_us bytes".
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double one_way(char *buf, int bytes, int rank)
{
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t = MPI_Wtime();
        for (int i = 0; i < 200; i++) {
            if (rank == 0) {
                MPI_Send(buf, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
                MPI_Recv(buf, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else if (rank == 1) {
                MPI_Recv(buf, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(buf, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
            }
        }
        t = (MPI_Wtime() - t) / 400;
        if (t < best)
            best = t;
    }
    return best;
}

int main(int argc, char **argv)
{
    int rank;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int bytes = argc > 1 ? atoi(argv[1]) : 1 << 14;
    char *buf = calloc((size_t)bytes + 8, 1);
    double a = one_way(buf, 8, rank), f = one_way(buf, bytes, rank);
    if (rank == 0)
        printf("%.3f %.3f %d\n", a * 1e6, f * 1e6, bytes);
    free(buf);
    MPI_Finalize();
    return 0;
}
