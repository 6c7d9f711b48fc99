/*
 * The explanation tree's score (seg_model_tree_score_f64() in
 * lib/model/tree.c) for rows shared over MPI ranks (seg_mpi_model_tree_score,
 * docs/mpi.md), bit for bit: the customers of each leaf and the rows whose
 * rule gives their segment are counted exactly and summed; the tree
 * segments' sums, the model's cost and then the cost about the tree
 * segments' means are summed along the row-order chain (chain.h), with the
 * additions of the serial loops in their order.
 */
#include "chain.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CHAIN_TAG 7303

static int tree_score(MPI_Comm comm, const seg_model *m, const void *x, bool f32, size_t rows,
                      size_t d, const int32_t *labels, uint64_t *leaf_rows, double *agreement,
                      double *cost_ratio)
{
    enum { BLOCK = 1024 };
    const size_t k = seg_model_k(m), nl = seg_model_tree_leaves(m);
    int rc = !labels || !leaf_rows || !agreement || !cost_ratio || (rows && !x)
                 ? SEG_ERR_INVALID_ARG
             : !nl                   ? SEG_ERR_STATE
             : seg_model_dim(m) != d ? SEG_ERR_MISMATCH
                                     : SEG_OK;
    double *acc = NULL, *cent = NULL, *buf = NULL;
    int32_t *leaf = NULL, *seg = NULL;
    uint64_t *cnt = NULL; /* [0, nl): leaves, [nl, nl + k): tree segments, then agree, n */
    if (rc == SEG_OK && (k > SIZE_MAX / 2 / (d ? d : 1) || rows > SIZE_MAX / (d ? d : 1)))
        rc = SEG_ERR_LIMIT;
    if (rc == SEG_OK) {
        acc = calloc(k * d + 2, sizeof *acc); /* the k x d sums, model cost, tree cost */
        cent = malloc((k * d > 0 ? k * d : 1) * sizeof *cent);
        buf = malloc((d > 0 ? BLOCK * d : 1) * sizeof *buf);
        leaf = malloc(BLOCK * sizeof *leaf);
        seg = malloc((rows ? rows : 1) * sizeof *seg);
        cnt = calloc(nl + k + 2, sizeof *cnt);
        rc = acc && cent && buf && leaf && seg && cnt ? SEG_OK : SEG_ERR_NOMEM;
    }
    if (rc == SEG_OK)
        rc = seg_model_centroids_f64(m, cent, k * d);
    for (size_t i = 0; rc == SEG_OK && i < rows; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= k)
            rc = SEG_ERR_INVALID_ARG;
    if ((rc = seg_mpi_agree_text(comm, rc,
                                 rc == SEG_ERR_INVALID_ARG
                                     ? "a NULL argument or a label out of range"
                                 : rc == SEG_ERR_STATE ? "the model has no tree"
                                                       : seg_last_error())) < 0)
        goto done;
    /* The first pass: the leaves, the tree segments' sums, the model's cost. */
    if ((rc = seg_mpi_chain_in(comm, acc, k * d + 2, CHAIN_TAG)) < 0)
        goto done;
    for (size_t i0 = 0; rc == SEG_OK && i0 < rows; i0 += BLOCK) {
        const size_t b = rows - i0 < BLOCK ? rows - i0 : BLOCK;
        for (size_t q = 0; q < b * d; q++) /* widened as lib/model/tree.c widens */
            buf[q] = f32 ? (double)((const float *)x)[i0 * d + q] : ((const double *)x)[i0 * d + q];
        if ((rc = seg_model_tree_assign_f64(m, buf, b, d, leaf)) < 0)
            break;
        for (size_t r = 0; r < b; r++) {
            const size_t i = i0 + r;
            const int32_t s = seg_model_tree_leaf_segment(m, (size_t)leaf[r]);
            const double *row = buf + r * d;
            seg[i] = s;
            cnt[leaf[r]]++;
            cnt[nl + (size_t)s]++;
            cnt[nl + k] += s == labels[i];
            for (size_t j = 0; j < d; j++) {
                acc[(size_t)s * d + j] += row[j];
                const double e = row[j] - cent[(size_t)labels[i] * d + j];
                acc[k * d] += e * e;
            }
        }
    }
    cnt[nl + k + 1] = rows;
    /* a failed rank still passes the chain on: every rank takes part */
    int rc2 = seg_mpi_chain_out(comm, acc, k * d + 2, CHAIN_TAG);
    if ((rc = seg_mpi_agree(comm, rc < 0 ? rc : rc2)) < 0)
        goto done;
    MPI_Allreduce(MPI_IN_PLACE, cnt, (int)(nl + k + 2), MPI_UINT64_T, MPI_SUM, comm);
    const uint64_t n = cnt[nl + k + 1];
    for (size_t c = 0; c < k; c++)
        for (size_t j = 0; cnt[nl + c] && j < d; j++)
            acc[c * d + j] /= (double)cnt[nl + c];
    /* The second pass: the cost about the tree segments' means. */
    if ((rc = seg_mpi_chain_in(comm, acc, k * d + 2, CHAIN_TAG)) < 0)
        goto done;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < d; j++) {
            const double v =
                f32 ? (double)((const float *)x)[i * d + j] : ((const double *)x)[i * d + j];
            const double e = v - acc[(size_t)seg[i] * d + j];
            acc[k * d + 1] += e * e;
        }
    if ((rc = seg_mpi_agree(comm, seg_mpi_chain_out(comm, acc, k * d + 2, CHAIN_TAG))) < 0)
        goto done;
    if (n == 0) {
        rc = seg_mpi_agree_text(comm, SEG_ERR_EMPTY, "no rows to score the tree on");
        goto done;
    }
    const double model_cost = acc[k * d], tree_cost = acc[k * d + 1];
    memcpy(leaf_rows, cnt, nl * sizeof *leaf_rows);
    *agreement = (double)cnt[nl + k] / (double)n;
    *cost_ratio = model_cost > 0 ? tree_cost / model_cost : (tree_cost > 0 ? INFINITY : 1.0);
done:
    free(acc);
    free(cent);
    free(buf);
    free(leaf);
    free(seg);
    free(cnt);
    return rc;
}

int seg_mpi_model_tree_score_f64(MPI_Comm comm, const seg_model *m, const double *x, size_t rows,
                                 size_t d, const int32_t *labels, uint64_t *leaf_rows,
                                 double *agreement, double *cost_ratio)
{
    return tree_score(comm, m, x, false, rows, d, labels, leaf_rows, agreement, cost_ratio);
}

int seg_mpi_model_tree_score_f32(MPI_Comm comm, const seg_model *m, const float *x, size_t rows,
                                 size_t d, const int32_t *labels, uint64_t *leaf_rows,
                                 double *agreement, double *cost_ratio)
{
    return tree_score(comm, m, x, true, rows, d, labels, leaf_rows, agreement, cost_ratio);
}
