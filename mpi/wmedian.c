/*
 * Weighted medians over MPI ranks (select.h), equal bit for bit to the
 * serial profile's (lib/model/profile.c: weighted_median() over values
 * sorted stably by value). There the running weight sums are floating-point
 * sums in the sorted order, a segment's values in row order among equal
 * ones, the population's in segment then row order; a sum in another order
 * rounds apart and can move the median. So the values are sorted over the
 * ranks, not selected:
 *
 * 1. each rank sorts its values by (value, segment, row), one 128-bit key
 *    (-0.0 and +0.0 alike, as `<` compares them: ties);
 * 2. the keys at the global positions where each rank's share of the sorted
 *    order begins are found by a bitwise selection over the ranks (128
 *    rounds, each one MPI_Allreduce of counts); each rank takes back as many
 *    values as it gave (one MPI_Alltoallv), so no rank holds more than its
 *    own share;
 * 3. one chain over the ranks adds the weights in the sorted order, each
 *    segment's and the population's running sums, the serial additions
 *    exactly; the totals come back to every rank;
 * 4. the first value whose running sum reaches half its total, and the next
 *    one of its sequence (when the sum lands exactly on half), are found by
 *    a minimum over the ranks of their global positions.
 */
#include "chain.h"
#include "select.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CHAIN_TAG 7303

typedef struct wv {
    uint64_t hi, lo; /* the order: value, then segment * rows + row */
    double v, w;
    int64_t seg;
} wv;

/* A double's bits as an unsigned key in the order of `<`: -0.0 is +0.0. */
static uint64_t order_key(double v)
{
    uint64_t u;
    if (v == 0)
        v = 0.0;
    memcpy(&u, &v, sizeof u);
    return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

static int cmp_key(uint64_t ahi, uint64_t alo, uint64_t bhi, uint64_t blo)
{
    return ahi != bhi ? (ahi < bhi ? -1 : 1) : alo != blo ? (alo < blo ? -1 : 1) : 0;
}

static int cmp_wv(const void *a, const void *b)
{
    const wv *x = a, *y = b;
    return cmp_key(x->hi, x->lo, y->hi, y->lo);
}

/* How many of a[0..m) (sorted) have a key below (hi, lo). */
static size_t below(const wv *a, size_t m, uint64_t hi, uint64_t lo)
{
    size_t l = 0, h = m;
    while (l < h) {
        const size_t mid = l + (h - l) / 2;
        if (cmp_key(a[mid].hi, a[mid].lo, hi, lo) < 0)
            l = mid + 1;
        else
            h = mid;
    }
    return l;
}

/* The values sorted over the ranks: *out holds this rank's m of them, the
 * global positions [*pos0, *pos0 + m) of the order. */
static int sort_over_ranks(MPI_Comm comm, wv *a, size_t m, wv **out, uint64_t *pos0)
{
    int me = 0, R = 1;
    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &R);
    const size_t S = (size_t)R;
    uint64_t mine = m, start = 0, total = 0;
    uint64_t *pos = malloc(S * sizeof *pos), *cnt = malloc(S * sizeof *cnt);
    uint64_t *phi = calloc(S, sizeof *phi), *plo = calloc(S, sizeof *plo);
    size_t *cut = malloc((S + 1) * sizeof *cut);
    int *sc = malloc(4 * S * sizeof *sc), *sd = sc + S, *rc_ = sc + 2 * S, *rd = sc + 3 * S;
    wv *b = malloc((m ? m : 1) * sizeof *b);
    int rc = pos && cnt && phi && plo && cut && sc && b ? SEG_OK : SEG_ERR_NOMEM;
    if (m > (size_t)INT_MAX / sizeof *a)
        rc = SEG_ERR_LIMIT;
    if ((rc = seg_mpi_agree(comm, rc)) < 0)
        goto done;
    qsort(a, m, sizeof *a, cmp_wv);
    MPI_Allgather(&mine, 1, MPI_UINT64_T, pos, 1, MPI_UINT64_T, comm);
    for (size_t r = 0; r < S; r++) {
        const uint64_t c = pos[r];
        pos[r] = total;
        total += c;
    }
    start = pos[me];
    /* the key at each rank's first position: the largest key with at most
     * that many keys below it, one bit at a time from the top */
    for (int bit = 127; bit >= 0; bit--) {
        for (size_t r = 0; r < S; r++) {
            uint64_t hi = phi[r], lo = plo[r];
            if (bit >= 64)
                hi |= UINT64_C(1) << (bit - 64);
            else
                lo |= UINT64_C(1) << bit;
            cnt[r] = below(a, m, hi, lo);
        }
        if (MPI_Allreduce(MPI_IN_PLACE, cnt, R, MPI_UINT64_T, MPI_SUM, comm) != MPI_SUCCESS) {
            rc = SEG_ERR_IO;
            goto done;
        }
        for (size_t r = 0; r < S; r++)
            if (cnt[r] <= pos[r]) {
                if (bit >= 64)
                    phi[r] |= UINT64_C(1) << (bit - 64);
                else
                    plo[r] |= UINT64_C(1) << bit;
            }
    }
    /* rank r's values: keys from its first position's to the next rank's
     * (the keys are distinct, so exactly its count); a rank past the last
     * value begins at the end */
    for (size_t r = 0; r < S; r++)
        cut[r] = pos[r] >= total ? m : below(a, m, phi[r], plo[r]);
    cut[S] = m;
    cut[0] = 0;
    for (size_t r = 0; r < S; r++) {
        sc[r] = (int)((cut[r + 1] - cut[r]) * sizeof *a);
        sd[r] = (int)(cut[r] * sizeof *a);
    }
    if (MPI_Alltoall(sc, 1, MPI_INT, rc_, 1, MPI_INT, comm) != MPI_SUCCESS) {
        rc = SEG_ERR_IO;
        goto done;
    }
    for (size_t r = 0, at = 0; r < S; r++) {
        rd[r] = (int)at;
        at += (size_t)rc_[r];
    }
    if (MPI_Alltoallv(a, sc, sd, MPI_BYTE, b, rc_, rd, MPI_BYTE, comm) != MPI_SUCCESS) {
        rc = SEG_ERR_IO;
        goto done;
    }
    qsort(b, m, sizeof *b, cmp_wv); /* R sorted runs */
    *out = b;
    b = NULL;
    *pos0 = start;
done:
    free(pos);
    free(cnt);
    free(phi);
    free(plo);
    free(cut);
    free(sc);
    free(b);
    return rc;
}

int seg_mpi_weighted_medians(MPI_Comm comm, const double *v, const int32_t *labels, const double *w,
                             size_t n, uint64_t row0, uint64_t rows_all, size_t k, double *med)
{
    const size_t K = k + 1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += !isnan(v[i]);
    wv *a = malloc((m ? m : 1) * sizeof *a), *s = NULL;
    double *W = calloc(K, sizeof *W), *cum = malloc(2 * (m ? m : 1) * sizeof *cum);
    uint64_t *hit = malloc(4 * K * sizeof *hit), *next = hit + K, *hv = hit + 2 * K,
             *nv = hit + 3 * K;
    int *exact = calloc(K, sizeof *exact);
    int rc = a && W && cum && hit && exact ? SEG_OK : SEG_ERR_NOMEM;
    if (rows_all && K > UINT64_MAX / rows_all)
        rc = SEG_ERR_LIMIT;
    if ((rc = seg_mpi_agree(comm, rc)) < 0)
        goto done;
    for (size_t i = 0, t = 0; i < n; i++)
        if (!isnan(v[i]))
            a[t++] = (wv){order_key(v[i]), (uint64_t)labels[i] * rows_all + row0 + i, v[i], w[i],
                          labels[i]};
    uint64_t pos0 = 0;
    if ((rc = sort_over_ranks(comm, a, m, &s, &pos0)) < 0)
        goto done;
    /* the running sums in the sorted order: segment's, then population's */
    if ((rc = seg_mpi_chain_in(comm, W, K, CHAIN_TAG)) < 0)
        goto done;
    for (size_t t = 0; t < m; t++) {
        W[s[t].seg] += s[t].w;
        cum[2 * t] = W[s[t].seg];
        W[k] += s[t].w;
        cum[2 * t + 1] = W[k];
    }
    if ((rc = seg_mpi_chain_out(comm, W, K, CHAIN_TAG)) < 0)
        goto done;
    for (size_t j = 0; j < K; j++)
        hit[j] = next[j] = UINT64_MAX;
    for (size_t t = 0; t < m; t++)
        for (int p = 0; p < 2; p++) {
            const size_t j = p ? k : (size_t)s[t].seg;
            if (hit[j] == UINT64_MAX && cum[2 * t + p] >= 0.5 * W[j])
                hit[j] = pos0 + t;
        }
    if (MPI_Allreduce(MPI_IN_PLACE, hit, (int)K, MPI_UINT64_T, MPI_MIN, comm) != MPI_SUCCESS) {
        rc = SEG_ERR_IO;
        goto done;
    }
    /* the value there, whether its sum is exactly half, and the next one */
    for (size_t j = 0; j < K; j++)
        hv[j] = nv[j] = 0;
    for (size_t t = 0; t < m; t++)
        for (int p = 0; p < 2; p++) {
            const size_t j = p ? k : (size_t)s[t].seg;
            const uint64_t at = pos0 + t;
            if (at == hit[j]) {
                memcpy(&hv[j], &s[t].v, sizeof hv[j]);
                exact[j] = cum[2 * t + p] == 0.5 * W[j];
            } else if (at > hit[j] && next[j] == UINT64_MAX) {
                next[j] = at;
            }
        }
    if (MPI_Allreduce(MPI_IN_PLACE, next, (int)K, MPI_UINT64_T, MPI_MIN, comm) != MPI_SUCCESS ||
        MPI_Allreduce(MPI_IN_PLACE, exact, (int)K, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS) {
        rc = SEG_ERR_IO;
        goto done;
    }
    for (size_t t = 0; t < m; t++)
        for (int p = 0; p < 2; p++) {
            const size_t j = p ? k : (size_t)s[t].seg;
            if (pos0 + t == next[j])
                memcpy(&nv[j], &s[t].v, sizeof nv[j]);
        }
    /* one owner a value, the others 0 (+0.0's bits): the maximum is it */
    if (MPI_Allreduce(MPI_IN_PLACE, hv, (int)(2 * K), MPI_UINT64_T, MPI_MAX, comm) != MPI_SUCCESS) {
        rc = SEG_ERR_IO;
        goto done;
    }
    for (size_t j = 0; j < K; j++) {
        double x, y;
        memcpy(&x, &hv[j], sizeof x);
        memcpy(&y, &nv[j], sizeof y);
        med[j] = !(W[j] > 0) ? NAN : exact[j] && next[j] != UINT64_MAX ? 0.5 * (x + y) : x;
    }
done:
    free(a);
    free(s);
    free(W);
    free(cum);
    free(hit);
    free(exact);
    return rc;
}
