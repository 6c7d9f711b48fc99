/*
 * libseg-mpi: libseg's sharded k-means fit (seg_kmeans_fit_shard_*) over an
 * MPI communicator. The fit tells us what to exchange (seg_shard_op); this
 * file maps each exchange onto MPI:
 *
 *   FOLD_BEGIN / FOLD_END  a chain: rank r receives the running fold of the
 *                          partition sums from rank r - 1, adds its own
 *                          partitions in order, sends it to rank r + 1; the
 *                          last rank's fold is then broadcast. It is the left
 *                          fold the single-process fit makes over its
 *                          partitions, so the bits are the same (an
 *                          MPI_Allreduce may add in any order and bracketing).
 *   GATHER                 MPI_Allgatherv of per-partition slots
 *   BCAST                  MPI_Bcast from the rank holding a partition
 *   SUM_I64                MPI_Allreduce of integers (exact in any order)
 *   AGREE                  the lowest failing rank's status and message
 */
#include "seg-mpi.h"
#include "select.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEG_MPI_MSG 480

static _Thread_local char last_msg[SEG_MPI_MSG];

const char *seg_mpi_last_error(void)
{
    return last_msg;
}

/* Keep a message of libseg-mpi's own (seg_last_error() is libseg's). */
static int own_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
    return code;
}

typedef struct share_ctx {
    MPI_Comm comm;
    int rank, size;
    size_t parts;
    size_t *first; /* size + 1: rank r holds partitions [first[r], first[r + 1]) */
    int *counts, *displs;
} share_ctx;

/* Partitions dealt out in order: rank r gets [r * P / R, (r + 1) * P / R). */
static size_t part_first(size_t parts, int size, int r)
{
    return (size_t)r * parts / (size_t)size;
}

int seg_mpi_share(MPI_Comm comm, const seg_kmeans *km, size_t n, size_t d, int dtype,
                  size_t *row_first, size_t *rows)
{
    int rank, size;
    size_t prow, parts;
    if (!row_first || !rows)
        return own_fail(SEG_ERR_INVALID_ARG, "seg_mpi_share: row_first or rows is NULL");
    if (seg_kmeans_partitions(km, n, d, dtype, &prow, &parts) < 0)
        return own_fail(SEG_ERR_INVALID_ARG, "%s", seg_last_error());
    if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS || MPI_Comm_size(comm, &size) != MPI_SUCCESS)
        return own_fail(SEG_ERR_IO, "MPI_Comm_rank or MPI_Comm_size failed");
    if ((size_t)size > parts)
        return own_fail(SEG_ERR_LIMIT,
                        "%d ranks, but a fit of %zu rows has only %zu row partitions: run at "
                        "most %zu ranks (docs/mpi.md)",
                        size, n, parts, parts);
    size_t a = part_first(parts, size, rank) * prow, b = part_first(parts, size, rank + 1) * prow;
    if (b > n)
        b = n;
    *row_first = a;
    *rows = b - a;
    return SEG_OK;
}

/* The lowest failing rank's status and message (msg: this rank's). */
static int agree_msg(MPI_Comm comm, int rc, const char *msg)
{
    int rank, size, failing, first;
    char buf[4 + SEG_MPI_MSG] = {0};
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    failing = rc < 0 ? rank : size;
    if (MPI_Allreduce(&failing, &first, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
        return own_fail(SEG_ERR_IO, "MPI_Allreduce failed while agreeing on a status");
    if (first == size)
        return rc < 0 ? rc : SEG_OK;
    if (rank == first) {
        int32_t st = rc;
        memcpy(buf, &st, sizeof st);
        snprintf(buf + 4, SEG_MPI_MSG, "%s", msg);
    }
    if (MPI_Bcast(buf, (int)sizeof buf, MPI_BYTE, first, comm) != MPI_SUCCESS)
        return own_fail(SEG_ERR_IO, "MPI_Bcast failed while agreeing on a status");
    int32_t st;
    memcpy(&st, buf, sizeof st);
    buf[sizeof buf - 1] = 0;
    snprintf(last_msg, sizeof last_msg, "%s", buf + 4);
    return st;
}

int seg_mpi_agree(MPI_Comm comm, int rc)
{
    return agree_msg(comm, rc, rc < 0 ? seg_last_error() : "");
}

int seg_mpi_agree_text(MPI_Comm comm, int rc, const char *text)
{
    return agree_msg(comm, rc, rc < 0 && text ? text : "");
}

static int mpi_ok(int mrc)
{
    if (mrc == MPI_SUCCESS)
        return SEG_OK;
    char s[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(mrc, s, &len);
    return own_fail(SEG_ERR_IO, "MPI: %.*s", len, s);
}

/* The exchanges of the fit (seg_shard_fn). */
static int exchange(void *user, int op, void *buf, size_t size, size_t part)
{
    share_ctx *c = user;
    const int tag = 0x5e9;
    if (size > INT_MAX)
        return own_fail(SEG_ERR_LIMIT, "an exchange of %zu bytes exceeds MPI's int count", size);
    switch (op) {
    case SEG_SHARD_FOLD_BEGIN:
        if (c->rank == 0)
            return SEG_OK;
        return mpi_ok(
            MPI_Recv(buf, (int)size, MPI_BYTE, c->rank - 1, tag, c->comm, MPI_STATUS_IGNORE));
    case SEG_SHARD_FOLD_END:
        if (c->rank + 1 < c->size) {
            int rc = mpi_ok(MPI_Send(buf, (int)size, MPI_BYTE, c->rank + 1, tag, c->comm));
            if (rc < 0)
                return rc;
        }
        return mpi_ok(MPI_Bcast(buf, (int)size, MPI_BYTE, c->size - 1, c->comm));
    case SEG_SHARD_GATHER:
        if (size * c->parts > INT_MAX)
            return own_fail(SEG_ERR_LIMIT, "a gather of %zu bytes exceeds MPI's int count",
                            size * c->parts);
        for (int r = 0; r < c->size; r++) {
            c->counts[r] = (int)((c->first[r + 1] - c->first[r]) * size);
            c->displs[r] = (int)(c->first[r] * size);
        }
        return mpi_ok(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, c->counts, c->displs,
                                     MPI_BYTE, c->comm));
    case SEG_SHARD_BCAST: {
        int root = 0;
        while (root + 1 < c->size && c->first[root + 1] <= part)
            root++;
        return mpi_ok(MPI_Bcast(buf, (int)size, MPI_BYTE, root, c->comm));
    }
    case SEG_SHARD_SUM_I64:
        return mpi_ok(MPI_Allreduce(MPI_IN_PLACE, buf, (int)(size / sizeof(int64_t)), MPI_INT64_T,
                                    MPI_SUM, c->comm));
    case SEG_SHARD_AGREE: {
        int32_t st;
        memcpy(&st, buf, sizeof st);
        ((char *)buf)[size - 1] = 0;
        int rc = agree_msg(c->comm, st, (const char *)buf + 4);
        st = rc;
        memcpy(buf, &st, sizeof st);
        snprintf((char *)buf + 4, size - 4, "%s", last_msg);
        return SEG_OK;
    }
    default:
        return own_fail(SEG_ERR_INVALID_ARG, "unknown shard exchange %d", op);
    }
}

static int fit(MPI_Comm comm, seg_kmeans *km, const void *x, bool f32, size_t n, size_t d,
               const double *w, int32_t *labels, seg_model **out)
{
    share_ctx c = {0};
    size_t prow = 0, first = 0, rows = 0;
    uint64_t local[2] = {n, d}, total[2] = {0, 0}, dmax = 0;
    int rc = SEG_OK;
    const int dtype = f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64;
    last_msg[0] = 0;

    if (out)
        *out = NULL;
    /* A communicator of our own: no message of ours meets one of the caller's. */
    if (MPI_Comm_dup(comm, &c.comm) != MPI_SUCCESS)
        return own_fail(SEG_ERR_IO, "MPI_Comm_dup failed");
    MPI_Comm_set_errhandler(c.comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(c.comm, &c.rank);
    MPI_Comm_size(c.comm, &c.size);
    if ((rc = mpi_ok(MPI_Allreduce(local, total, 1, MPI_UINT64_T, MPI_SUM, c.comm))) < 0 ||
        (rc = mpi_ok(MPI_Allreduce(&local[1], &dmax, 1, MPI_UINT64_T, MPI_MAX, c.comm))) < 0)
        goto done;
    const char *msg = "";
    if (dmax != d) {
        rc = own_fail(SEG_ERR_MISMATCH, "rank %d has %zu features, another rank %llu", c.rank, d,
                      (unsigned long long)dmax);
        msg = last_msg;
    } else if (!km) {
        rc = own_fail(SEG_ERR_INVALID_ARG, "km is NULL");
        msg = last_msg;
    } else if ((rc = seg_mpi_share(c.comm, km, (size_t)total[0], d, dtype, &first, &rows)) < 0) {
        msg = last_msg;
    } else if (rows != n) {
        rc = own_fail(SEG_ERR_MISMATCH,
                      "rank %d holds %zu rows, but its share of the %llu rows is rows %zu to %zu "
                      "(seg_mpi_share)",
                      c.rank, n, (unsigned long long)total[0], first + 1, first + rows);
        msg = last_msg;
    }
    if ((rc = agree_msg(c.comm, rc, msg)) < 0)
        goto done;
    seg_kmeans_partitions(km, (size_t)total[0], d, dtype, &prow, &c.parts);
    c.first = malloc(((size_t)c.size + 1) * sizeof *c.first);
    c.counts = malloc((size_t)c.size * sizeof *c.counts);
    c.displs = malloc((size_t)c.size * sizeof *c.displs);
    rc = c.first && c.counts && c.displs ? SEG_OK : own_fail(SEG_ERR_NOMEM, "out of memory");
    if ((rc = agree_msg(c.comm, rc, last_msg)) < 0)
        goto done;
    for (int r = 0; r <= c.size; r++)
        c.first[r] = part_first(c.parts, c.size, r);
    const size_t p0 = c.first[c.rank], pc = c.first[c.rank + 1] - p0;
    rc = f32 ? seg_kmeans_fit_shard_f32(km, x, n, d, w, (size_t)total[0], p0, pc, exchange, &c,
                                        labels, out)
             : seg_kmeans_fit_shard_f64(km, x, n, d, w, (size_t)total[0], p0, pc, exchange, &c,
                                        labels, out);
    /* The fit agrees on its failures; what fails after its last exchange
     * (the model's allocation) is agreed here. */
    rc = agree_msg(c.comm, rc, rc < 0 ? seg_last_error() : "");
    if (rc < 0 && out && *out) {
        seg_model_free(*out);
        *out = NULL;
    }
done:
    free(c.first);
    free(c.counts);
    free(c.displs);
    MPI_Comm_free(&c.comm);
    return rc;
}

int seg_mpi_kmeans_fit_f32(MPI_Comm comm, seg_kmeans *km, const float *x, size_t n, size_t d,
                           const double *weights, int32_t *labels, seg_model **out)
{
    return fit(comm, km, x, true, n, d, weights, labels, out);
}

int seg_mpi_kmeans_fit_f64(MPI_Comm comm, seg_kmeans *km, const double *x, size_t n, size_t d,
                           const double *weights, int32_t *labels, seg_model **out)
{
    return fit(comm, km, x, false, n, d, weights, labels, out);
}

int seg_mpi_predict(MPI_Comm comm, const seg_model *m, const double *x, size_t n, size_t d,
                    int32_t *labels, double *distances, int64_t *sizes)
{
    seg_predictor *p = NULL;
    int rc = seg_predictor_new(&p, m);
    if (rc == SEG_OK)
        rc = seg_predictor_run_f64(p, x, n, d, labels, distances);
    seg_predictor_free(p);
    if ((rc = seg_mpi_agree(comm, rc)) < 0 || !sizes)
        return rc;
    const size_t k = seg_model_k(m);
    if (k > INT_MAX)
        return own_fail(SEG_ERR_LIMIT, "k = %zu exceeds MPI's int count", k);
    for (size_t j = 0; j < k; j++)
        sizes[j] = 0;
    for (size_t i = 0; i < n; i++)
        sizes[labels[i]]++;
    return mpi_ok(MPI_Allreduce(MPI_IN_PLACE, sizes, (int)k, MPI_INT64_T, MPI_SUM, comm));
}

/* ---- the standard scaler over ranks ------------------------------------- */

/* A chain over the ranks in order: rank r receives v (len doubles) from
 * rank r - 1, adds its rows with add(), sends to rank r + 1; the last rank's
 * result is broadcast. The additions are the serial loop's, in row order. */
static int chain_recv(MPI_Comm comm, int rank, double *v, size_t len)
{
    if (rank == 0)
        return SEG_OK;
    return mpi_ok(MPI_Recv(v, (int)len, MPI_DOUBLE, rank - 1, 0x5ea, comm, MPI_STATUS_IGNORE));
}

static int chain_send(MPI_Comm comm, int rank, int size, double *v, size_t len)
{
    if (rank + 1 < size) {
        int rc = mpi_ok(MPI_Send(v, (int)len, MPI_DOUBLE, rank + 1, 0x5ea, comm));
        if (rc < 0)
            return rc;
    }
    return mpi_ok(MPI_Bcast(v, (int)len, MPI_DOUBLE, size - 1, comm));
}

/* Agree on rc with this rank's own message (last_msg) when it failed. */
static int agree_own(MPI_Comm comm, int rc)
{
    char mine[SEG_MPI_MSG];
    snprintf(mine, sizeof mine, "%s", rc < 0 ? last_msg : "");
    return agree_msg(comm, rc, mine);
}

/* Quantiles qs[0..nq) of each feature j's m[j] present values over all
 * ranks (plus copies[j] values extra[j], or NULL): numpy's 'linear' ones
 * from the order statistics at floor((m - 1) q) and the next, interpolated
 * by the single-process scaler's formula (lib/prepare/scaler_numeric.c,
 * quantile()). The order statistics are exact (select.c), so the values are
 * the serial ones. A feature without values gets 0. out: d x nq. Collective;
 * the status is agreed. */
static int linear_quantiles(MPI_Comm comm, const double *x, size_t n, size_t d,
                            const uint64_t *m, const double *qs, size_t nq, const double *extra,
                            const uint64_t *copies, double *out)
{
    uint64_t *want = malloc(d * 2 * nq * sizeof *want);
    double *t = malloc(d * nq * sizeof *t), *v = malloc(d * 2 * nq * sizeof *v);
    int rc = agree_own(comm, want && t && v
                                 ? SEG_OK
                                 : own_fail(SEG_ERR_NOMEM, "out of memory for the quantiles"));
    for (size_t j = 0; j < d && rc == SEG_OK; j++)
        for (size_t i = 0; i < nq; i++) {
            const uint64_t mj = m[j] + (copies ? copies[j] : 0);
            const double pos = mj ? (double)(mj - 1) * qs[i] : 0.0;
            const uint64_t k = (uint64_t)pos;
            t[j * nq + i] = pos - (double)k;
            want[(j * nq + i) * 2] = k;
            want[(j * nq + i) * 2 + 1] = k + 1 < mj ? k + 1 : k;
        }
    if (rc == SEG_OK) {
        rc = seg_mpi_order_stats_with(comm, x, n, d, want, 2 * nq, extra, copies, v);
        if (rc == SEG_ERR_NOMEM)
            rc = own_fail(rc, "out of memory for the quantiles of %zu features", d);
        else if (rc == SEG_ERR_LIMIT)
            rc = own_fail(rc, "%zu features exceed MPI's int count for the quantiles", d);
        else if (rc < 0)
            rc = own_fail(rc, "MPI failed while selecting the quantiles");
        rc = agree_own(comm, rc);
    }
    for (size_t j = 0; j < d && rc == SEG_OK; j++)
        for (size_t i = 0; i < nq; i++) {
            const size_t s = j * nq + i;
            const uint64_t mj = m[j] + (copies ? copies[j] : 0);
            const double a = v[2 * s], b = v[2 * s + 1], dd = b - a, ti = t[s];
            out[s] = mj == 0                               ? 0.0
                     : ti == 0.0 || want[2 * s] + 1 >= mj ? a
                     : ti >= 0.5                           ? b - dd * (1.0 - ti)
                                                           : a + dd * ti;
        }
    free(want);
    free(t);
    free(v);
    return rc;
}

/* The robust scaling: center the median, scale the interquartile range of
 * feature j's m[j] present values plus copies[j] values extra[j] (or NULL);
 * with median given, the center is it (the present values' median, which the
 * imputed copies leave the serial scaler's center). */
static int robust_fit(MPI_Comm comm, const double *x, size_t n, size_t d, const uint64_t *m,
                      const double *extra, const uint64_t *copies, const double *median,
                      double *center, double *scale)
{
    static const double qs[3] = {0.25, 0.5, 0.75};
    double *q = malloc(d * 3 * sizeof *q);
    int rc = agree_own(comm, q ? SEG_OK : own_fail(SEG_ERR_NOMEM, "out of memory for quartiles"));
    if (rc == SEG_OK)
        rc = linear_quantiles(comm, x, n, d, m, qs, 3, extra, copies, q);
    for (size_t j = 0; j < d && rc == SEG_OK; j++) {
        const double s = q[3 * j + 2] - q[3 * j], c = median ? median[j] : q[3 * j + 1];
        if (!isfinite(c) || !isfinite(s)) {
            rc = own_fail(SEG_ERR_NONFINITE,
                          "column %zu: quartiles %g and %g are too far apart to scale (their "
                          "difference overflows a double)",
                          j + 1, q[3 * j], q[3 * j + 2]);
            break;
        }
        center[j] = c;
        scale[j] = s == 0.0 ? 1.0 : s;
    }
    free(q);
    return rc;
}

int seg_mpi_median(MPI_Comm comm, const double *x, size_t n, size_t d, double *median)
{
    static const double half = 0.5;
    int rank, rc = SEG_OK;
    unsigned long long mine = n, before = 0;
    uint64_t *m = NULL;
    if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS)
        return own_fail(SEG_ERR_IO, "MPI_Comm_rank failed");
    if (!median || (n > 0 && !x) || d == 0)
        rc = own_fail(SEG_ERR_INVALID_ARG, "seg_mpi_median: NULL argument or no features");
    else if (d > INT_MAX)
        rc = own_fail(SEG_ERR_LIMIT, "%zu features exceed MPI's int count", d);
    else if (!(m = calloc(d, sizeof *m)))
        rc = own_fail(SEG_ERR_NOMEM, "out of memory for %zu features", d);
    if ((rc = agree_own(comm, rc)) < 0)
        goto done;
    if ((rc = mpi_ok(MPI_Exscan(&mine, &before, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm))) ==
            SEG_OK &&
        rank == 0)
        before = 0;
    for (size_t i = 0; rc == SEG_OK && i < n; i++)
        for (size_t j = 0; j < d; j++) {
            const double v = x[i * d + j];
            if (isinf(v)) {
                rc = own_fail(SEG_ERR_NONFINITE, "row %llu, feature %zu is infinite",
                              before + i + 1, j + 1);
                break;
            }
            m[j] += !isnan(v);
        }
    if ((rc = agree_own(comm, rc)) < 0 ||
        (rc = agree_own(comm, mpi_ok(MPI_Allreduce(MPI_IN_PLACE, m, (int)d, MPI_UINT64_T,
                                                   MPI_SUM, comm)))) < 0)
        goto done;
    rc = linear_quantiles(comm, x, n, d, m, &half, 1, NULL, NULL, median);
done:
    free(m);
    return rc;
}

int seg_mpi_select(MPI_Comm comm, const double *x, size_t n, size_t d, const uint64_t *want,
                   size_t nw, double *out)
{
    int rc = SEG_OK;
    uint64_t *m = NULL;
    if ((n > 0 && !x) || d == 0 || (nw > 0 && (!want || !out)))
        rc = own_fail(SEG_ERR_INVALID_ARG, "seg_mpi_select: NULL argument or no features");
    else if (d > INT_MAX || nw > INT_MAX / d)
        rc = own_fail(SEG_ERR_LIMIT, "%zu features x %zu ranks exceed MPI's int count", d, nw);
    else if (!(m = calloc(d, sizeof *m)))
        rc = own_fail(SEG_ERR_NOMEM, "out of memory for %zu features", d);
    if ((rc = agree_own(comm, rc)) < 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            m[j] += !isnan(x[i * d + j]);
    if ((rc = agree_own(comm, mpi_ok(MPI_Allreduce(MPI_IN_PLACE, m, (int)d, MPI_UINT64_T,
                                                   MPI_SUM, comm)))) < 0)
        goto done;
    for (size_t j = 0; rc == SEG_OK && j < d; j++)
        for (size_t w = 0; w < nw; w++)
            if (want[j * nw + w] >= m[j]) {
                rc = own_fail(SEG_ERR_INVALID_ARG,
                              "seg_mpi_select: rank %llu of feature %zu, which has %llu values",
                              (unsigned long long)want[j * nw + w], j + 1,
                              (unsigned long long)m[j]);
                break;
            }
    if ((rc = agree_own(comm, rc)) < 0)
        goto done;
    if ((rc = seg_mpi_order_stats(comm, x, n, d, want, nw, out)) < 0)
        rc = own_fail(rc, rc == SEG_ERR_NOMEM   ? "out of memory for the selection"
                          : rc == SEG_ERR_LIMIT ? "too many values wanted for one exchange"
                                                : "MPI failed during the selection");
    rc = agree_own(comm, rc);
done:
    free(m);
    return rc;
}

/* The scaler fit; with missing_ok, NaN is a missing value: the median of
 * the present values imputes it, and the statistics run over the present
 * values (scale-first) or them plus one copy of the median per missing value
 * (impute_first), the copies added after the present values, as
 * lib/prepare/scaler_numeric.c appends them. median: d values, or NULL. */
static int scaler_fit(MPI_Comm comm, seg_scale_method method, bool missing_ok, bool impute_first,
                      const double *x, size_t n, size_t d, double *center, double *scale,
                      double *median)
{
    static const double half = 0.5;
    int rank, size, rc = SEG_OK;
    double *lo = NULL, *hi = NULL, *acc = NULL, *mu = NULL, *med = NULL;
    int *ex = NULL;
    uint64_t *cnt = NULL, *copies = NULL;
    unsigned long long mine = n, before = 0, total = 0;
    if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS || MPI_Comm_size(comm, &size) != MPI_SUCCESS)
        return own_fail(SEG_ERR_IO, "MPI_Comm_rank or MPI_Comm_size failed");
    /* Arguments: every rank checks its own, then all agree. */
    if (!center || !scale || (n > 0 && !x) || d == 0)
        rc = own_fail(SEG_ERR_INVALID_ARG, "seg_mpi_scaler_fit: NULL argument or no features");
    else if (method != SEG_SCALE_NONE && method != SEG_SCALE_STANDARD &&
             method != SEG_SCALE_MINMAX && method != SEG_SCALE_ROBUST)
        rc = own_fail(SEG_ERR_INVALID_ARG, "seg_mpi_scaler_fit: unknown method %d", (int)method);
    else if (d > INT_MAX / 2)
        rc = own_fail(SEG_ERR_LIMIT, "%zu features exceed MPI's int count", d);
    if (rc == SEG_OK) {
        lo = malloc(d * sizeof *lo);
        hi = malloc(d * sizeof *hi);
        acc = malloc(2 * d * sizeof *acc);
        mu = malloc(d * sizeof *mu);
        med = calloc(d, sizeof *med);
        ex = malloc(d * sizeof *ex);
        cnt = calloc(d, sizeof *cnt);
        copies = calloc(d, sizeof *copies);
        if (!lo || !hi || !acc || !mu || !med || !ex || !cnt || !copies)
            rc = own_fail(SEG_ERR_NOMEM, "out of memory for the scaler of %zu features", d);
    }
    if ((rc = agree_own(comm, rc)) < 0)
        goto done;
    /* Rows before this rank's, to name a row among all rows. */
    if ((rc = mpi_ok(MPI_Exscan(&mine, &before, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm))) ==
            SEG_OK &&
        (rc = mpi_ok(MPI_Allreduce(&mine, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm))) ==
            SEG_OK &&
        rank == 0)
        before = 0; /* MPI_Exscan leaves rank 0's undefined */
    for (size_t i = 0; rc == SEG_OK && i < n; i++)
        for (size_t j = 0; j < d; j++) {
            const double v = x[i * d + j];
            if (missing_ok && isnan(v))
                continue;
            if (!isfinite(v)) {
                rc = missing_ok
                         ? own_fail(SEG_ERR_NONFINITE, "row %llu, feature %zu is infinite",
                                    before + i + 1, j + 1)
                         : own_fail(SEG_ERR_NONFINITE,
                                    "row %llu, feature %zu is not finite (%s; the scaler over "
                                    "MPI ranks imputes no missing values)",
                                    before + i + 1, j + 1, isnan(v) ? "NaN" : "infinite");
                break;
            }
            cnt[j]++;
        }
    if (rc == SEG_OK && total == 0)
        rc = own_fail(SEG_ERR_EMPTY, "no rows to scale");
    if ((rc = agree_own(comm, rc)) < 0)
        goto done;
    /* Present values per feature, their median, the imputed copies. */
    if (missing_ok) {
        if ((rc = agree_own(comm, mpi_ok(MPI_Allreduce(MPI_IN_PLACE, cnt, (int)d, MPI_UINT64_T,
                                                       MPI_SUM, comm)))) < 0 ||
            (rc = linear_quantiles(comm, x, n, d, cnt, &half, 1, NULL, NULL, med)) < 0)
            goto done;
        for (size_t j = 0; j < d; j++)
            copies[j] = impute_first ? total - cnt[j] : 0;
    } else
        for (size_t j = 0; j < d; j++)
            cnt[j] = total;
    if (median)
        memcpy(median, med, d * sizeof *med);
    if (method == SEG_SCALE_NONE) {
        for (size_t j = 0; j < d; j++) {
            center[j] = 0.0;
            scale[j] = 1.0;
        }
        goto done;
    }
    if (method == SEG_SCALE_ROBUST) {
        rc = agree_own(comm, robust_fit(comm, x, n, d, cnt, missing_ok ? med : NULL,
                                        missing_ok ? copies : NULL, missing_ok ? med : NULL,
                                        center, scale));
        goto done;
    }
    /* The range: min and max are exact in any order (the imputed median
     * lies within the present values' range). */
    for (size_t j = 0; j < d; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            if (!isnan(x[i * d + j])) {
                lo[j] = fmin(lo[j], x[i * d + j]);
                hi[j] = fmax(hi[j], x[i * d + j]);
            }
    if ((rc = mpi_ok(MPI_Allreduce(MPI_IN_PLACE, lo, (int)d, MPI_DOUBLE, MPI_MIN, comm))) < 0 ||
        (rc = mpi_ok(MPI_Allreduce(MPI_IN_PLACE, hi, (int)d, MPI_DOUBLE, MPI_MAX, comm))) < 0)
        goto done;
    const bool last = rank == size - 1;
    if (method == SEG_SCALE_STANDARD) {
        /* The mean and population standard deviation as the single-process
         * scaler computes them (lib/prepare/scaler_numeric.c, mean_std): a
         * sum in row order, then the deviations scaled by 2^-e summed with
         * the Chan-Golub-LeVeque correction, both passes chained over the
         * ranks so the additions are the serial ones in the serial order;
         * the last rank adds the imputed medians after all present values. */
        for (size_t j = 0; j < d; j++)
            acc[j] = 0.0;
        if ((rc = chain_recv(comm, rank, acc, d)) < 0)
            goto done;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++)
                if (!isnan(x[i * d + j]))
                    acc[j] += x[i * d + j];
        for (size_t j = 0; last && j < d; j++)
            for (uint64_t c = 0; c < copies[j]; c++)
                acc[j] += med[j];
        if ((rc = chain_send(comm, rank, size, acc, d)) < 0)
            goto done;
        for (size_t j = 0; j < d; j++)
            mu[j] = acc[j] / (double)(cnt[j] + copies[j]);
        for (size_t j = 0; j < d; j++) {
            double dmax = fmax(hi[j] - mu[j], mu[j] - lo[j]);
            ex[j] = 0;
            if (lo[j] < hi[j] && isfinite(dmax))
                frexp(dmax, &ex[j]);
            acc[2 * j] = acc[2 * j + 1] = 0.0;
        }
        if ((rc = chain_recv(comm, rank, acc, 2 * d)) < 0)
            goto done;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++) {
                if (isnan(x[i * d + j]))
                    continue;
                const int e = ex[j];
                const double down1 = ldexp(1.0, -e / 2), down2 = ldexp(1.0, -e - -e / 2);
                double dv = (x[i * d + j] - mu[j]) * down1 * down2;
                acc[2 * j] += dv;
                acc[2 * j + 1] += dv * dv;
            }
        for (size_t j = 0; last && j < d; j++) {
            const int e = ex[j];
            const double down1 = ldexp(1.0, -e / 2), down2 = ldexp(1.0, -e - -e / 2);
            const double dv = (med[j] - mu[j]) * down1 * down2;
            for (uint64_t c = 0; c < copies[j]; c++) {
                acc[2 * j] += dv;
                acc[2 * j + 1] += dv * dv;
            }
        }
        if ((rc = chain_send(comm, rank, size, acc, 2 * d)) < 0)
            goto done;
    }
    for (size_t j = 0; j < d && rc == SEG_OK; j++) {
        const double m = (double)(cnt[j] + copies[j]);
        double c = lo[j], s = 1.0;
        if (cnt[j] == 0) { /* no value at all: imputed 0, centered 0, scaled 1 */
            c = 0.0;
        } else if (method == SEG_SCALE_MINMAX) {
            s = hi[j] - lo[j];
        } else if (lo[j] < hi[j]) { /* standard; a constant column: lo, 1 */
            const double dmax = fmax(hi[j] - mu[j], mu[j] - lo[j]);
            if (!isfinite(dmax)) {
                c = mu[j];
                s = INFINITY;
            } else {
                const double s1 = acc[2 * j], s2 = acc[2 * j + 1];
                const double var = (s2 - s1 * s1 / m) / m;
                c = mu[j] + ldexp(s1 / m, ex[j]);
                s = ldexp(sqrt(var > 0.0 ? var : 0.0), ex[j]);
            }
        }
        if (!isfinite(c) || !isfinite(s)) {
            rc = own_fail(SEG_ERR_NONFINITE,
                          "column %zu: values from %g to %g are too large to scale (the spread "
                          "of the column overflows a double)",
                          j + 1, lo[j], hi[j]);
            break;
        }
        center[j] = c;
        scale[j] = s == 0.0 ? 1.0 : s;
    }
done:
    free(lo);
    free(hi);
    free(acc);
    free(mu);
    free(med);
    free(ex);
    free(cnt);
    free(copies);
    return rc;
}

int seg_mpi_scaler_fit(MPI_Comm comm, seg_scale_method method, const double *x, size_t n, size_t d,
                       double *center, double *scale)
{
    return scaler_fit(comm, method, false, false, x, n, d, center, scale, NULL);
}

int seg_mpi_scaler_fit_missing(MPI_Comm comm, seg_scale_method method, int impute_first,
                               const double *x, size_t n, size_t d, double *center,
                               double *scale, double *median)
{
    return scaler_fit(comm, method, true, impute_first != 0, x, n, d, center, scale, median);
}
