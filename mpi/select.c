/*
 * Exact order statistics of the values of all ranks, without gathering them:
 * a radix selection over the values' ordered bit patterns. Each round fixes
 * the next 8 bits of every wanted value: each rank counts its values that
 * agree with the bits fixed so far in 256 buckets of the next 8 bits, one
 * MPI_Allreduce adds the counts (integers, exact in any order), and the
 * bucket holding the wanted rank is kept. Eight rounds fix all 64 bits, so
 * the answer is a value of the data, the same for any number of ranks and
 * equal to what a selection over all values in one process returns.
 */
#include "select.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DIGIT 8
#define BUCKETS (1u << DIGIT)
#define ROUNDS (64 / DIGIT)

/* A double's bits as an unsigned key in the order of the values: negative
 * values have all bits flipped, others the sign bit set. -0.0 comes just
 * before +0.0. */
static uint64_t key_of(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

static double value_of(uint64_t k)
{
    uint64_t u = (k >> 63) ? k & ~(UINT64_C(1) << 63) : ~k;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

int seg_mpi_order_stats(MPI_Comm comm, const double *x, size_t n, size_t d, const uint64_t *want,
                        size_t nw, double *out)
{
    return seg_mpi_order_stats_with(comm, x, n, d, want, nw, NULL, NULL, out);
}

int seg_mpi_order_stats_with(MPI_Comm comm, const double *x, size_t n, size_t d,
                             const uint64_t *want, size_t nw, const double *extra,
                             const uint64_t *copies, double *out)
{
    const size_t slots = d * nw;
    if (slots == 0)
        return SEG_OK;
    if (slots > INT_MAX / BUCKETS)
        return SEG_ERR_LIMIT;
    uint64_t *prefix = calloc(slots, sizeof *prefix), *rank = malloc(slots * sizeof *rank);
    uint64_t *hist = malloc(slots * BUCKETS * sizeof *hist);
    size_t *alias = malloc(slots * sizeof *alias);
    int rc = SEG_OK, mine = prefix && rank && hist && alias, all = 0;
    /* Every rank stops, or none: a collective left alone would hang. */
    if (MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS) {
        rc = SEG_ERR_IO;
        goto done;
    }
    if (!all) {
        rc = SEG_ERR_NOMEM;
        goto done;
    }
    for (size_t s = 0; s < slots; s++)
        rank[s] = want[s];
    int me = 0;
    if (MPI_Comm_rank(comm, &me) != MPI_SUCCESS) {
        rc = SEG_ERR_IO;
        goto done;
    }
    for (int round = 0; round < ROUNDS; round++) {
        const int shift = 64 - DIGIT * (round + 1);
        /* The bits fixed so far: none in the first round. */
        const uint64_t fixed = round == 0 ? 0 : ~UINT64_C(0) << (shift + DIGIT);
        /* Wanted values of a feature whose fixed bits agree share one count. */
        for (size_t j = 0; j < d; j++)
            for (size_t w = 0; w < nw; w++) {
                size_t a = j * nw;
                while (prefix[a] != prefix[j * nw + w])
                    a++;
                alias[j * nw + w] = a;
            }
        memset(hist, 0, slots * BUCKETS * sizeof *hist);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++) {
                if (isnan(x[i * d + j]))
                    continue;
                const uint64_t k = key_of(x[i * d + j]);
                const size_t b = (size_t)(k >> shift) & (BUCKETS - 1);
                for (size_t w = 0; w < nw; w++) {
                    const size_t s = j * nw + w;
                    if (alias[s] == s && ((k ^ prefix[s]) & fixed) == 0)
                        hist[s * BUCKETS + b]++;
                }
            }
        /* The added copies count once, on rank 0. */
        for (size_t j = 0; extra && me == 0 && j < d; j++) {
            if (!copies[j])
                continue;
            const uint64_t k = key_of(extra[j]);
            for (size_t w = 0; w < nw; w++) {
                const size_t s = j * nw + w;
                if (alias[s] == s && ((k ^ prefix[s]) & fixed) == 0)
                    hist[s * BUCKETS + ((size_t)(k >> shift) & (BUCKETS - 1))] += copies[j];
            }
        }
        if (MPI_Allreduce(MPI_IN_PLACE, hist, (int)(slots * BUCKETS), MPI_UINT64_T, MPI_SUM,
                          comm) != MPI_SUCCESS) {
            rc = SEG_ERR_IO;
            goto done;
        }
        for (size_t s = 0; s < slots; s++) {
            const uint64_t *h = hist + alias[s] * BUCKETS;
            uint64_t below = 0;
            size_t b = 0;
            while (b < BUCKETS - 1 && rank[s] >= below + h[b])
                below += h[b++];
            prefix[s] |= (uint64_t)b << shift;
            rank[s] -= below;
        }
    }
    for (size_t s = 0; s < slots; s++)
        out[s] = value_of(prefix[s]);
done:
    free(prefix);
    free(rank);
    free(hist);
    free(alias);
    return rc;
}
