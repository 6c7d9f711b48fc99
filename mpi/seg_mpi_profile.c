/*
 * The per-segment profiles of a dataset whose rows are shared over MPI
 * ranks (seg_mpi_model_profile, docs/mpi.md), equal to those
 * seg_model_describe() computes on all the rows in one process
 * (lib/model/profile.c), bit for bit:
 *
 * - counts (rows per segment, missing values, rows at each level) are
 *   integers, summed by MPI_Allreduce in any order; the shares divide them
 *   as the serial profile divides its sums of unit weights;
 * - the sums of values per segment and of the population are summed in row
 *   order along a chain over the ranks (rank r receives the running sums
 *   from r - 1, adds its rows, sends them on; the last rank's are
 *   broadcast), as the serial pass sums them;
 * - the squares about the means: each segment's in row order (one chain);
 *   the population's over the values grouped by segment, segment 0's rows
 *   first, so one chain a segment, in segment order;
 * - the medians are exact order statistics over the ranks (select.c), the
 *   serial seg_select_median()'s middle value or mean of the middle two;
 *   one selection a segment and one of all rows, each over those values
 *   only (memory: one column's share of values at a time);
 * - with row weights (seg_dataset_weights()), every sum above is weighted
 *   as the serial profile weighs it, in the same orders, the shares divide
 *   weights by the segments' weights (summed in row order), and the
 *   weighted medians are found on the values sorted over the ranks
 *   (wmedian.c), whose running weight sums are the serial ones.
 */
#include "chain.h"
#include "select.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CHAIN_TAG 7301

typedef struct level_ref {
    const char *s;
    size_t idx;
} level_ref;

static int cmp_ref(const void *a, const void *b)
{
    const uintptr_t x = (uintptr_t)((const level_ref *)a)->s,
                    y = (uintptr_t)((const level_ref *)b)->s;
    return x < y ? -1 : x > y;
}

/* Rows at each level per segment, counts[j * (nl + 1) + l] (l = nl:
 * missing), j = k the population; summed over the ranks. */
static int level_counts(MPI_Comm comm, const seg_dataset *ds, size_t col, const int32_t *labels,
                        size_t k, int64_t *counts, size_t *lev)
{
    const size_t nl = seg_dataset_column_levels(ds, col), n = seg_dataset_rows(ds);
    level_ref *ref = malloc((nl + 1) * sizeof *ref);
    int rc = ref ? SEG_OK : SEG_ERR_NOMEM;
    for (size_t l = 0; rc == SEG_OK && l < nl; l++)
        ref[l] = (level_ref){seg_dataset_column_level(ds, col, l), l};
    if (rc == SEG_OK)
        qsort(ref, nl, sizeof *ref, cmp_ref);
    memset(counts, 0, (k + 1) * (nl + 1) * sizeof *counts);
    for (size_t i = 0; rc == SEG_OK && i < n; i++) {
        const char *t = NULL;
        seg_dataset_get_text(ds, i, col, &t);
        size_t l = nl;
        if (t) { /* the dataset's own level strings: found by address */
            level_ref key = {t, 0}, *hit = bsearch(&key, ref, nl, sizeof *ref, cmp_ref);
            if (!hit) {
                rc = SEG_ERR_INVALID_ARG;
                break;
            }
            l = hit->idx;
        }
        if (lev)
            lev[i] = l;
        counts[(size_t)labels[i] * (nl + 1) + l]++;
        counts[k * (nl + 1) + l]++;
    }
    free(ref);
    rc = seg_mpi_agree(comm, rc);
    if (rc == SEG_OK && MPI_Allreduce(MPI_IN_PLACE, counts, (int)((k + 1) * (nl + 1)), MPI_INT64_T,
                                      MPI_SUM, comm) != MPI_SUCCESS)
        rc = SEG_ERR_IO;
    return rc;
}

/* Categorical column col: the dataset's levels in order, then "(other)"
 * for those of fewer rows over all ranks than the model's minimum profile
 * size (seg_model_set_min_profile_size(); and one spelt so), then
 * "(missing)" when a value is missing anywhere, as the serial profile
 * (lib/model/profile.c); the shares of each segment's rows. */
static int profile_levels(MPI_Comm comm, seg_model *m, const seg_dataset *ds, size_t col,
                          const int32_t *labels, size_t k, const int64_t *segn, const double *w,
                          const double *segw)
{
    const size_t nl = seg_dataset_column_levels(ds, col), min = seg_model_min_profile_size(m);
    const size_t n = seg_dataset_rows(ds);
    size_t *lev = w ? malloc((n ? n : 1) * sizeof *lev) : NULL;
    int64_t *counts = malloc((k + 1) * (nl + 1) * sizeof *counts);
    const char **lv = malloc((nl + 2) * sizeof *lv);
    size_t *to = malloc((nl + 1) * sizeof *to); /* dataset level -> profile level */
    double *share = malloc((k + 1) * (nl + 2) * sizeof *share);
    int rc =
        seg_mpi_agree(comm, counts && lv && to && share && (!w || lev) ? SEG_OK : SEG_ERR_NOMEM);
    if (rc == SEG_OK)
        rc = level_counts(comm, ds, col, labels, k, counts, lev);
    if (rc == SEG_OK) {
        const bool missing = counts[k * (nl + 1) + nl] > 0;
        size_t kept = 0;
        bool other = false;
        for (size_t l = 0; l < nl; l++) {
            const char *name = seg_dataset_column_level(ds, col, l);
            const bool fold = min > 0 && ((uint64_t)counts[k * (nl + 1) + l] < (uint64_t)min ||
                                          strcmp(name, "(other)") == 0);
            to[l] = fold ? SIZE_MAX : kept;
            if (!fold)
                lv[kept++] = name;
            other = other || fold;
        }
        if (other)
            lv[kept] = "(other)";
        const size_t L = kept + other + missing;
        if (missing)
            lv[L - 1] = "(missing)";
        for (size_t l = 0; l < nl; l++)
            to[l] = to[l] == SIZE_MAX ? kept : to[l];
        to[nl] = L - 1;
        /* weights: each row's weight added to its profile level's slot
         * (folded levels share one) in row order, as the serial profile */
        if (w) {
            for (size_t q = 0; q < (k + 1) * L; q++)
                share[q] = 0;
            rc = seg_mpi_chain_in(comm, share, (k + 1) * L, CHAIN_TAG);
            for (size_t i = 0; rc == SEG_OK && i < n; i++) {
                share[(size_t)labels[i] * L + to[lev[i]]] += w[i];
                share[k * L + to[lev[i]]] += w[i];
            }
            if (rc == SEG_OK)
                rc = seg_mpi_chain_out(comm, share, (k + 1) * L, CHAIN_TAG);
            for (size_t j = 0; rc == SEG_OK && j <= k; j++)
                for (size_t l = 0; l < L; l++)
                    share[j * L + l] = segw[j] > 0 ? share[j * L + l] / segw[j] : 0;
        }
        for (size_t j = 0; !w && j <= k; j++) {
            int64_t *row = counts + j * (nl + 1);
            for (size_t l = 0; l < L; l++)
                share[j * L + l] = 0;
            /* folded levels summed first (integers), then divided once */
            int64_t *sum = calloc(L ? L : 1, sizeof *sum);
            if (!sum) {
                rc = SEG_ERR_NOMEM;
                break;
            }
            for (size_t l = 0; l <= nl; l++)
                if (l < nl || missing)
                    sum[to[l]] += row[l];
            for (size_t l = 0; l < L; l++)
                share[j * L + l] = segn[j] > 0 ? (double)sum[l] / (double)segn[j] : 0;
            free(sum);
        }
        if (rc == SEG_OK)
            rc = seg_model_add_profile_levels(m, seg_dataset_column_name(ds, col), lv, L, share);
    }
    free(counts);
    free(lv);
    free(to);
    free(share);
    free(lev);
    return rc;
}

/* Numeric column col: mean, median, standard deviation and share missing
 * per segment and of the population. */
static int profile_numeric(MPI_Comm comm, seg_model *m, const seg_dataset *ds, size_t col,
                           const int32_t *labels, size_t k, const int64_t *segn)
{
    const size_t n = seg_dataset_rows(ds), K = k + 1;
    double *v = malloc((n ? n : 1) * sizeof *v);
    double *grp = malloc((n ? n : 1) * sizeof *grp); /* one segment's present values */
    double *S = calloc(K, sizeof *S), *Q = calloc(K, sizeof *Q), *mean = malloc(K * sizeof *mean);
    double *sd = malloc(K * sizeof *sd), *med = malloc(K * sizeof *med);
    double *miss = malloc(K * sizeof *miss), *os = malloc(2 * K * sizeof *os);
    int64_t *cnt = calloc(2 * K, sizeof *cnt); /* present values, then missing ones */
    uint64_t *want = malloc(2 * K * sizeof *want);
    int rc = seg_mpi_agree(
        comm, v && grp && S && Q && mean && sd && med && miss && os && cnt && want ? SEG_OK
                                                                                   : SEG_ERR_NOMEM);
    if (rc < 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        seg_dataset_get_f64(ds, i, col, &v[i]);
        const size_t l = (size_t)labels[i];
        const bool nan = isnan(v[i]);
        cnt[(nan ? K : 0) + l]++;
        cnt[(nan ? K : 0) + k]++;
    }
    if (MPI_Allreduce(MPI_IN_PLACE, cnt, (int)(2 * K), MPI_INT64_T, MPI_SUM, comm) != MPI_SUCCESS) {
        rc = SEG_ERR_IO;
        goto done;
    }
    /* the sums of each segment and of the population, in row order */
    if ((rc = seg_mpi_chain_in(comm, S, K, CHAIN_TAG)) < 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) {
            S[labels[i]] += 1.0 * v[i];
            S[k] += 1.0 * v[i];
        }
    if ((rc = seg_mpi_chain_out(comm, S, K, CHAIN_TAG)) < 0)
        goto done;
    for (size_t j = 0; j < K; j++) {
        miss[j] = segn[j] > 0 ? (double)cnt[K + j] / (double)segn[j] : 0;
        mean[j] = cnt[j] > 0 ? S[j] / (double)cnt[j] : NAN;
    }
    /* squares about each segment's mean, in row order */
    if ((rc = seg_mpi_chain_in(comm, Q, k, CHAIN_TAG)) < 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) {
            const double e = v[i] - mean[labels[i]];
            Q[labels[i]] += 1.0 * e * e;
        }
    if ((rc = seg_mpi_chain_out(comm, Q, k, CHAIN_TAG)) < 0)
        goto done;
    /* the population's about its mean, over the values grouped by segment */
    for (size_t j = 0; j < k; j++) {
        if ((rc = seg_mpi_chain_in(comm, &Q[k], 1, CHAIN_TAG)) < 0)
            goto done;
        for (size_t i = 0; i < n; i++)
            if (!isnan(v[i]) && (size_t)labels[i] == j) {
                const double e = v[i] - mean[k];
                Q[k] += 1.0 * e * e;
            }
        if ((rc = seg_mpi_chain_out(comm, &Q[k], 1, CHAIN_TAG)) < 0)
            goto done;
    }
    for (size_t j = 0; j < K; j++)
        sd[j] = cnt[j] > 0 ? sqrt(Q[j] / (double)cnt[j]) : NAN;
    /* medians: the middle order statistics of each segment's values */
    for (size_t j = 0; j < K; j++) {
        const uint64_t c = (uint64_t)cnt[j], h = c ? (c - 1) / 2 : 0;
        want[2 * j] = h;
        want[2 * j + 1] = c % 2 == 0 && c ? h + 1 : h;
    }
    /* one selection a segment (then all rows), over its values only */
    for (size_t j = 0; j < K && rc == SEG_OK; j++) {
        size_t m_j = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(v[i]) && (j == k || (size_t)labels[i] == j))
                grp[m_j++] = v[i];
        rc = seg_mpi_agree(comm,
                           seg_mpi_order_stats(comm, grp, m_j, 1, want + 2 * j, 2, os + 2 * j));
    }
    if (rc < 0)
        goto done;
    for (size_t j = 0; j < K; j++)
        med[j] = cnt[j] == 0       ? NAN
                 : cnt[j] % 2 == 1 ? os[2 * j]
                                   : 0.5 * (os[2 * j] + os[2 * j + 1]);
    rc = seg_model_add_profile_numeric(m, seg_dataset_column_name(ds, col), mean, med, sd, miss);
done:
    free(v);
    free(grp);
    free(S);
    free(Q);
    free(mean);
    free(sd);
    free(med);
    free(miss);
    free(os);
    free(cnt);
    free(want);
    return rc;
}

/* Numeric column col with row weights w, as the serial profile weighs it:
 * the sums of weights and weighted values (present and missing) of each
 * segment and of the population in row order, the squares about the means
 * in its order (one chain, then one a segment), the weighted medians over
 * the ranks (wmedian.c). */
static int profile_numeric_w(MPI_Comm comm, seg_model *m, const seg_dataset *ds, size_t col,
                             const int32_t *labels, size_t k, const double *w, const double *segw,
                             uint64_t row0, uint64_t rows_all)
{
    const size_t n = seg_dataset_rows(ds), K = k + 1;
    double *v = malloc((n ? n : 1) * sizeof *v);
    double *acc = calloc(3 * K, sizeof *acc), *S = acc, *W = acc + K, *miss = acc + 2 * K;
    double *Q = calloc(K, sizeof *Q), *mean = malloc(K * sizeof *mean);
    double *sd = malloc(K * sizeof *sd), *med = malloc(K * sizeof *med);
    int rc = seg_mpi_agree(comm, v && acc && Q && mean && sd && med ? SEG_OK : SEG_ERR_NOMEM);
    if (rc < 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        seg_dataset_get_f64(ds, i, col, &v[i]);
    if ((rc = seg_mpi_chain_in(comm, acc, 3 * K, CHAIN_TAG)) < 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        const size_t l = (size_t)labels[i];
        if (isnan(v[i])) {
            miss[l] += w[i];
            miss[k] += w[i];
            continue;
        }
        S[l] += w[i] * v[i];
        W[l] += w[i];
        S[k] += w[i] * v[i];
        W[k] += w[i];
    }
    if ((rc = seg_mpi_chain_out(comm, acc, 3 * K, CHAIN_TAG)) < 0)
        goto done;
    for (size_t j = 0; j < K; j++) {
        miss[j] = segw[j] > 0 ? miss[j] / segw[j] : 0;
        mean[j] = W[j] > 0 ? S[j] / W[j] : NAN;
    }
    if ((rc = seg_mpi_chain_in(comm, Q, k, CHAIN_TAG)) < 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) {
            const double mj = mean[labels[i]];
            Q[labels[i]] += w[i] * (v[i] - mj) * (v[i] - mj);
        }
    if ((rc = seg_mpi_chain_out(comm, Q, k, CHAIN_TAG)) < 0)
        goto done;
    for (size_t j = 0; j < k; j++) {
        if ((rc = seg_mpi_chain_in(comm, &Q[k], 1, CHAIN_TAG)) < 0)
            goto done;
        const double mu = mean[k];
        for (size_t i = 0; i < n; i++)
            if (!isnan(v[i]) && (size_t)labels[i] == j)
                Q[k] += w[i] * (v[i] - mu) * (v[i] - mu);
        if ((rc = seg_mpi_chain_out(comm, &Q[k], 1, CHAIN_TAG)) < 0)
            goto done;
    }
    for (size_t j = 0; j < K; j++)
        sd[j] = W[j] > 0 ? sqrt(Q[j] / W[j]) : NAN;
    if ((rc = seg_mpi_weighted_medians(comm, v, labels, w, n, row0, rows_all, k, med)) < 0)
        goto done;
    for (size_t j = 0; j < K; j++) /* the serial profile's: no median without weight */
        if (!(W[j] > 0))
            med[j] = NAN;
    rc = seg_model_add_profile_numeric(m, seg_dataset_column_name(ds, col), mean, med, sd, miss);
done:
    free(v);
    free(acc);
    free(Q);
    free(mean);
    free(sd);
    free(med);
    return rc;
}

/* Profile columns cols[0..n_cols) of ds, in that order, the last
 * n_described of them marked described. */
static int profile_columns(MPI_Comm comm, seg_model *m, const seg_dataset *ds,
                           const int32_t *labels, const size_t *cols, size_t n_cols,
                           size_t n_described)
{
    const size_t k = seg_model_k(m), n = seg_dataset_rows(ds), nc = seg_dataset_columns(ds);
    const double *w = seg_dataset_weights(ds);
    int rc = SEG_OK;
    if (seg_dataset_described_columns(ds) > 0 || n_described > n_cols)
        rc = SEG_ERR_INVALID_ARG;
    /* weights on every rank with rows, or on none: a rank without rows
     * takes the weighted path too */
    int has = w != NULL, any = 0;
    static const double none = 1.0;
    MPI_Allreduce(&has, &any, 1, MPI_INT, MPI_MAX, comm);
    if (any && !w && n > 0)
        rc = SEG_ERR_INVALID_ARG;
    if (any && !w)
        w = &none;
    for (size_t i = 0; rc == SEG_OK && i < n; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= k)
            rc = SEG_ERR_INVALID_ARG;
    for (size_t c = 0; rc == SEG_OK && cols && c < n_cols; c++)
        if (cols[c] >= nc)
            rc = SEG_ERR_INVALID_ARG;
    rc = seg_mpi_agree_text(comm, rc,
                            "seg_mpi_model_profile: a label or column out of range, weights on "
                            "some ranks only, or a dataset with described columns (not "
                            "supported over ranks)");
    if (rc < 0)
        return rc;
    int64_t *segn = calloc(k + 1, sizeof *segn);
    double *segw = calloc(k + 1, sizeof *segw);
    if ((rc = seg_mpi_agree_text(comm, segn && segw ? SEG_OK : SEG_ERR_NOMEM, "out of memory")) <
        0) {
        free(segn);
        free(segw);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        segn[labels[i]]++;
        segn[k]++;
    }
    MPI_Allreduce(MPI_IN_PLACE, segn, (int)(k + 1), MPI_INT64_T, MPI_SUM, comm);
    /* with weights: each segment's and the population's, in row order; and
     * where this rank's rows begin among all */
    uint64_t row0 = 0, mine = n;
    if (w) {
        MPI_Exscan(&mine, &row0, 1, MPI_UINT64_T, MPI_SUM, comm);
        int me = 0;
        MPI_Comm_rank(comm, &me);
        row0 = me == 0 ? 0 : row0;
        rc = seg_mpi_chain_in(comm, segw, k + 1, CHAIN_TAG);
        for (size_t i = 0; rc == SEG_OK && i < n; i++) {
            segw[labels[i]] += w[i];
            segw[k] += w[i];
        }
        if (rc == SEG_OK)
            rc = seg_mpi_chain_out(comm, segw, k + 1, CHAIN_TAG);
    }
    for (size_t c = 0; rc == SEG_OK && c < n_cols; c++) {
        const size_t j = cols ? cols[c] : c;
        rc = seg_dataset_column_type(ds, j) == SEG_COLUMN_CATEGORICAL
                 ? profile_levels(comm, m, ds, j, labels, k, segn, w, segw)
             : w ? profile_numeric_w(comm, m, ds, j, labels, k, w, segw, row0, (uint64_t)segn[k])
                 : profile_numeric(comm, m, ds, j, labels, k, segn);
        if (rc == SEG_OK && c >= n_cols - n_described)
            rc = seg_model_set_profile_described(m, seg_dataset_column_name(ds, j));
        rc = seg_mpi_agree_text(comm, rc, seg_last_error());
    }
    free(segn);
    free(segw);
    return rc;
}

int seg_mpi_model_profile(MPI_Comm comm, seg_model *m, const seg_dataset *ds, const int32_t *labels)
{
    if (!m || !ds || (!labels && seg_dataset_rows(ds) > 0))
        return seg_mpi_agree_text(comm, SEG_ERR_INVALID_ARG,
                                  "seg_mpi_model_profile: NULL model, dataset or labels");
    return profile_columns(comm, m, ds, labels, NULL, seg_dataset_columns(ds), 0);
}

int seg_mpi_model_profile_columns(MPI_Comm comm, seg_model *m, const seg_dataset *ds,
                                  const int32_t *labels, const size_t *cols, size_t n_cols,
                                  size_t n_described)
{
    if (!m || !ds || (!labels && seg_dataset_rows(ds) > 0) || (!cols && n_cols > 0))
        return seg_mpi_agree_text(comm, SEG_ERR_INVALID_ARG,
                                  "seg_mpi_model_profile_columns: NULL argument");
    return profile_columns(comm, m, ds, labels, cols, n_cols, n_described);
}
