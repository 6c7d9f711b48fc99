/*
 * libseg-mpi: the k sweep (choosing k) over the ranks of a communicator.
 *
 * libseg's sweep runs through a callback (seg_sweep_run_source()) that this
 * file answers over MPI (and AGREE: the status of libseg's own work on each
 * rank, agreed as seg_mpi_agree_text() does):
 *
 *   FIT      the rows are moved to the fit's shares for this k (the shares
 *            depend on k: seg_mpi_share()), then seg_mpi_kmeans_fit_*:
 *            the single-process model, bit for bit.
 *   MEASURE  Davies-Bouldin and Calinski-Harabasz over all rows: their sums
 *            run in row order along a chain over the ranks (each rank adds
 *            its rows to the running sums it receives), the additions of the
 *            single-process loop (lib/analyse/metrics.c), so the same bits.
 *   ROWS     the silhouette's sample and the stability's base sample, by
 *            row number: each rank gives the sampled rows it holds
 *            (MPI_Allgatherv), every rank gets them all, in row order.
 *   LABELS   the same for the last fit's labels of those rows.
 *
 * The silhouettes and the stability refits are then computed by libseg on
 * every rank from the same gathered rows, so every rank records the same
 * sweep, equal to seg_sweep_run_*() on all the rows.
 */
#include "chain.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sweep_ctx {
    MPI_Comm comm;
    int rank, size;
    bool f32;
    size_t n, d, elt; /* n: rows of all ranks */
    const void *x;    /* the caller's rows, rows [in[rank], in[rank + 1]) */
    const double *w;  /* their weights, or NULL */
    size_t *in;       /* size + 1: the caller's shares */
    size_t *kf;       /* size + 1: the last fit's shares */
    void *kx;         /* the last fit's rows (NULL: the caller's are those) */
    double *kw;       /* their weights */
    int32_t *labels;  /* the last fit's labels of this rank's fit share */
    size_t k;         /* the last fit's k */
    int *counts, *displs;
    MPI_Datatype row; /* d * elt bytes */
    char msg[480];    /* this rank's message of a failure of our own */
} sweep_ctx;

static int fail(sweep_ctx *c, int code, const char *what)
{
    snprintf(c->msg, sizeof c->msg, "%s", what);
    return code;
}

/* The agreed status: a failure on any rank fails all, with its message. */
static int agree(sweep_ctx *c, int rc)
{
    rc = seg_mpi_agree_text(c->comm, rc, c->msg[0] ? c->msg : seg_last_error());
    if (rc < 0)
        snprintf(c->msg, sizeof c->msg, "%s", seg_mpi_last_error());
    return rc;
}

static int mpi_ok(sweep_ctx *c, int mrc)
{
    return mrc == MPI_SUCCESS ? SEG_OK : fail(c, SEG_ERR_IO, "an MPI exchange of the sweep failed");
}

/* Every rank's first row of a fit with km's k (seg_mpi_share()'s rule:
 * whole row partitions dealt out in order). */
static int fit_shares(sweep_ctx *c, const seg_kmeans *km, size_t *first)
{
    size_t prow, parts, mine, rows;
    const int dtype = c->f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64;
    int rc = seg_mpi_share(c->comm, km, c->n, c->d, dtype, &mine, &rows);
    if (rc < 0)
        return fail(c, rc, seg_mpi_last_error());
    if ((rc = seg_kmeans_partitions(km, c->n, c->d, dtype, &prow, &parts)) < 0)
        return rc;
    for (int r = 0; r <= c->size; r++) {
        size_t a = (size_t)r * parts / (size_t)c->size * prow;
        first[r] = a < c->n ? a : c->n;
    }
    if (first[c->rank] != mine || first[c->rank + 1] - mine != rows)
        return fail(c, SEG_ERR_STATE, "seg_mpi_share and the sweep disagree on a share");
    return SEG_OK;
}

/* Move rows (each `type`, held as shares `from`) to shares `to`: dst gets
 * this rank's rows of `to`. Agreed: a rank that cannot take part (out of
 * memory, a count above MPI's int) fails every rank before the exchange. */
static int move(sweep_ctx *c, const void *src, const size_t *from, void *dst, const size_t *to,
                MPI_Datatype type)
{
    int *sc = malloc(4 * (size_t)c->size * sizeof *sc);
    int rc =
        agree(c, sc ? SEG_OK : fail(c, SEG_ERR_NOMEM, "out of memory for the sweep's exchange"));
    if (rc < 0) {
        free(sc);
        return rc;
    }
    int *sd = sc + c->size, *rcn = sd + c->size, *rd = rcn + c->size;
    const size_t a = from[c->rank], b = from[c->rank + 1];
    const size_t ta = to[c->rank], tb = to[c->rank + 1];
    for (int q = 0; q < c->size; q++) {
        size_t lo = a > to[q] ? a : to[q], hi = b < to[q + 1] ? b : to[q + 1];
        size_t rlo = ta > from[q] ? ta : from[q], rhi = tb < from[q + 1] ? tb : from[q + 1];
        if (hi < lo)
            hi = lo;
        if (rhi < rlo)
            rhi = rlo;
        if (hi - a > INT_MAX || rhi - ta > INT_MAX)
            rc = fail(c, SEG_ERR_LIMIT, "a rank's share exceeds MPI's int count of rows");
        sc[q] = (int)(hi - lo);
        sd[q] = (int)(lo - a);
        rcn[q] = (int)(rhi - rlo);
        rd[q] = (int)(rlo - ta);
    }
    if ((rc = agree(c, rc)) == SEG_OK)
        rc = agree(c, mpi_ok(c, MPI_Alltoallv(src, sc, sd, type, dst, rcn, rd, type, c->comm)));
    free(sc);
    return rc;
}

static int op_fit(sweep_ctx *c, seg_kmeans *km, seg_model **model)
{
    int64_t k = 0;
    int rc = seg_kmeans_get_int(km, SEG_KMEANS_K, &k);
    if (rc == SEG_OK)
        rc = fit_shares(c, km, c->kf);
    if ((rc = agree(c, rc)) < 0)
        return rc;
    const size_t rows = c->kf[c->rank + 1] - c->kf[c->rank];
    const bool same = memcmp(c->kf, c->in, ((size_t)c->size + 1) * sizeof *c->in) == 0;
    free(c->kx);
    free(c->kw);
    free(c->labels);
    c->kx = NULL;
    c->kw = NULL;
    c->labels = malloc(rows * sizeof *c->labels + 1);
    if (!same) {
        c->kx = malloc(rows * c->d * c->elt + 1);
        c->kw = c->w ? malloc(rows * sizeof *c->kw + 1) : NULL;
    }
    rc = c->labels && (same || (c->kx && (!c->w || c->kw)))
             ? SEG_OK
             : fail(c, SEG_ERR_NOMEM, "out of memory for a rank's rows of the sweep");
    if ((rc = agree(c, rc)) < 0)
        return rc;
    if (!same) {
        rc = move(c, c->x, c->in, c->kx, c->kf, c->row);
        if (rc == SEG_OK && c->w)
            rc = move(c, c->w, c->in, c->kw, c->kf, MPI_DOUBLE);
        if ((rc = agree(c, rc)) < 0)
            return rc;
    }
    const void *x = same ? c->x : c->kx;
    const double *w = same ? c->w : c->kw;
    c->k = (size_t)k;
    rc = c->f32 ? seg_mpi_kmeans_fit_f32(c->comm, km, x, rows, c->d, w, c->labels, model)
                : seg_mpi_kmeans_fit_f64(c->comm, km, x, rows, c->d, w, c->labels, model);
    if (rc < 0)
        fail(c, rc, seg_mpi_last_error());
    return rc;
}

static inline double xval(const void *x, bool f32, size_t i)
{
    return f32 ? (double)((const float *)x)[i] : ((const double *)x)[i];
}

/* One link of a chain (chain.h): receive v from rank - 1, add(), send to
 * rank + 1; then every rank gets the last rank's v. */
static int chain(sweep_ctx *c, double *v, size_t len, void (*add)(sweep_ctx *, double *), int rc)
{
    const int tag = 0x5eb;
    if (rc == SEG_OK)
        rc = seg_mpi_chain_in(c->comm, v, len, tag);
    if (rc == SEG_OK)
        add(c, v);
    if (rc == SEG_OK)
        rc = seg_mpi_chain_out(c->comm, v, len, tag);
    if (rc == SEG_ERR_LIMIT)
        return fail(c, rc, "the sweep's sums exceed MPI's int count");
    return rc < 0 ? fail(c, rc, "an MPI exchange of the sweep failed") : rc;
}

/* The segment means' sums, as metrics.c's segment_means() adds them: about
 * each segment's first row (ref), in row order. v: acc (k d), wsum (k),
 * ref (k d), seen (k). */
static void add_means(sweep_ctx *c, double *v)
{
    const size_t k = c->k, d = c->d, rows = c->kf[c->rank + 1] - c->kf[c->rank];
    double *acc = v, *wsum = v + k * d, *ref = wsum + k, *seen = ref + k * d;
    const void *x = c->kx ? c->kx : c->x;
    const double *w = c->kx ? c->kw : c->w;
    for (size_t i = 0; i < rows; i++) {
        const size_t l = (size_t)c->labels[i];
        const double wi = w ? w[i] : 1.0;
        if (seen[l] == 0) {
            seen[l] = 1;
            for (size_t j = 0; j < d; j++)
                ref[l * d + j] = xval(x, c->f32, i * d + j);
        }
        for (size_t j = 0; j < d; j++)
            acc[l * d + j] += wi * (xval(x, c->f32, i * d + j) - ref[l * d + j]);
        wsum[l] += wi;
    }
}

/* Davies-Bouldin's scatter (k) and Calinski-Harabasz's within (1), in row
 * order, by libseg's own loop. v: scatter, within, then the means (k d,
 * read only). The labels are the fit's: it cannot fail. */
static void add_spread(sweep_ctx *c, double *v)
{
    const size_t k = c->k, d = c->d, rows = c->kf[c->rank + 1] - c->kf[c->rank];
    const void *x = c->kx ? c->kx : c->x;
    const double *w = c->kx ? c->kw : c->w;
    if (c->f32)
        seg_metrics_add_spread_f32(x, rows, d, c->labels, k, w, v + k + 1, v, v + k);
    else
        seg_metrics_add_spread_f64(x, rows, d, c->labels, k, w, v + k + 1, v, v + k);
}

/* metrics.c's davies_bouldin() and calinski_harabasz(): the sums, then
 * seg_metrics_finish(). */
static int op_measure(sweep_ctx *c, double *out)
{
    const size_t k = c->k, d = c->d;
    size_t kd = k * d, used = 0;
    double *v = calloc(2 * kd + 2 * k + 1, sizeof *v);
    double *sp = calloc(k + 1 + kd, sizeof *sp);
    int rc = v && sp ? SEG_OK : fail(c, SEG_ERR_NOMEM, "out of memory for the sweep's measures");
    if ((rc = agree(c, rc)) < 0)
        goto done;
    if ((rc = agree(c, chain(c, v, 2 * kd + 2 * k, add_means, SEG_OK))) < 0)
        goto done;
    double *mean = sp + k + 1, *wsum = v + kd, *ref = wsum + k;
    for (size_t l = 0; l < k; l++) {
        if (wsum[l] == 0)
            continue;
        used++;
        for (size_t j = 0; j < d; j++)
            mean[l * d + j] = ref[l * d + j] + v[l * d + j] / wsum[l];
    }
    if (used < 2) {
        rc = fail(c, SEG_ERR_TOO_FEW_POINTS, "Davies-Bouldin needs two non-empty segments");
        goto done;
    }
    if ((rc = agree(c, chain(c, sp, k + 1 + kd, add_spread, SEG_OK))) < 0)
        goto done;
    /* libseg's own finish of the sums: metrics.c's bits; agreed, as it
     * allocates (an out-of-memory on one rank fails all) */
    rc = agree(c, seg_metrics_finish(k, d, mean, wsum, sp, sp[k], &out[0], &out[1]));
done:
    free(v);
    free(sp);
    return rc;
}

/* Entries of the sorted row numbers idx that fall in [a, b), from *at on. */
static size_t in_range(const size_t *idx, size_t count, size_t *at, size_t a, size_t b)
{
    size_t i = *at;
    while (i < count && idx[i] < a)
        i++;
    size_t j = i;
    while (j < count && idx[j] < b)
        j++;
    *at = j;
    return j - i;
}

/* Gather the entries (each `type`, `bytes` bytes; src holds this rank's rows
 * of shares `sh`) at the sorted row numbers idx, on every rank, into dst. */
static int gather(sweep_ctx *c, const size_t *idx, size_t count, const void *src, const size_t *sh,
                  MPI_Datatype type, size_t bytes, void *dst)
{
    size_t at = 0, mine = 0, off = 0;
    if (count > INT_MAX)
        return agree(c, fail(c, SEG_ERR_LIMIT, "a sweep sample exceeds MPI's int count of rows"));
    for (int r = 0; r < c->size; r++) {
        const size_t first = at, got = in_range(idx, count, &at, sh[r], sh[r + 1]);
        c->counts[r] = (int)got;
        c->displs[r] = (int)first;
        if (r == c->rank) {
            mine = got;
            off = first;
        }
    }
    char *buf = malloc(mine * bytes + 1);
    int rc = agree(c, buf ? SEG_OK : fail(c, SEG_ERR_NOMEM, "out of memory for a sweep sample"));
    if (rc < 0) {
        free(buf);
        return rc;
    }
    for (size_t i = 0; i < mine; i++)
        memcpy(buf + i * bytes, (const char *)src + (idx[off + i] - sh[c->rank]) * bytes, bytes);
    rc = mpi_ok(c, MPI_Allgatherv(buf, (int)mine, type, dst, c->counts, c->displs, type, c->comm));
    free(buf);
    return agree(c, rc);
}

/* Every rank's results (values[offs[r] .. offs[r + 1]), rank r's) to every
 * rank, in place. libseg agreed on the work before; the offsets are alike
 * on every rank, so the limit check fails all alike. */
static int share(sweep_ctx *c, const size_t *offs, size_t count, double *values)
{
    if (count != (size_t)c->size + 1)
        return agree(c, fail(c, SEG_ERR_STATE, "the sweep shared results over another count"));
    for (int r = 0; r < c->size; r++) {
        if (offs[r + 1] < offs[r] || offs[r + 1] - offs[r] > INT_MAX || offs[r] > INT_MAX)
            return agree(c, fail(c, SEG_ERR_LIMIT, "the sweep's shared results exceed MPI's int"));
        c->counts[r] = (int)(offs[r + 1] - offs[r]);
        c->displs[r] = (int)offs[r];
    }
    return agree(c, mpi_ok(c, MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, values, c->counts,
                                             c->displs, MPI_DOUBLE, c->comm)));
}

static int callback(void *user, int op, seg_kmeans *km, const size_t *rows, size_t count, void *buf,
                    double *values, seg_model **model)
{
    sweep_ctx *c = user;
    c->msg[0] = 0;
    switch (op) {
    case SEG_SWEEP_OP_FIT:
        return op_fit(c, km, model);
    case SEG_SWEEP_OP_MEASURE:
        return op_measure(c, values);
    case SEG_SWEEP_OP_ROWS: {
        int rc = gather(c, rows, count, c->x, c->in, c->row, c->d * c->elt, buf);
        if (rc == SEG_OK && c->w && values)
            rc = gather(c, rows, count, c->w, c->in, MPI_DOUBLE, sizeof(double), values);
        return rc;
    }
    case SEG_SWEEP_OP_AGREE: { /* libseg's own work on each rank (a refit, say) */
        int32_t st;
        if (count < 5)
            return fail(c, SEG_ERR_INVALID_ARG, "a sweep status buffer of under 5 bytes");
        memcpy(&st, buf, sizeof st);
        ((char *)buf)[count - 1] = 0;
        st = seg_mpi_agree_text(c->comm, st, (const char *)buf + 4);
        memcpy(buf, &st, sizeof st);
        snprintf((char *)buf + 4, count - 4, "%s", st < 0 ? seg_mpi_last_error() : "");
        return SEG_OK;
    }
    case SEG_SWEEP_OP_LABELS:
        return gather(c, rows, count, c->labels, c->kf, MPI_INT32_T, sizeof(int32_t), buf);
    case SEG_SWEEP_OP_PROCESSES: /* the samples' work is shared by the ranks */
        ((size_t *)buf)[0] = (size_t)c->rank;
        ((size_t *)buf)[1] = (size_t)c->size;
        return SEG_OK;
    case SEG_SWEEP_OP_SHARE:
        return share(c, rows, count, values);
    default:
        return fail(c, SEG_ERR_INVALID_ARG, "unknown sweep operation");
    }
}

static int sweep(MPI_Comm comm, seg_sweep *s, seg_kmeans *km, const void *x, bool f32, size_t n,
                 size_t d, const double *w)
{
    sweep_ctx c = {.f32 = f32, .d = d, .x = x, .w = w, .elt = f32 ? sizeof(float) : sizeof(double)};
    uint64_t mine[2] = {n, w != NULL}, all[2] = {0, 0}, dmin = d, dmax = d;
    int rc;
    if (MPI_Comm_dup(comm, &c.comm) != MPI_SUCCESS)
        return seg_mpi_agree_text(comm, SEG_ERR_IO, "MPI_Comm_dup failed");
    MPI_Comm_set_errhandler(c.comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(c.comm, &c.rank);
    MPI_Comm_size(c.comm, &c.size);
    c.in = malloc(2 * ((size_t)c.size + 1) * sizeof *c.in);
    c.counts = malloc(2 * (size_t)c.size * sizeof *c.counts);
    uint64_t *ns = malloc((size_t)c.size * sizeof *ns);
    rc = c.in && c.counts && ns ? SEG_OK : fail(&c, SEG_ERR_NOMEM, "out of memory");
    if ((rc = agree(&c, rc)) < 0)
        goto done;
    c.kf = c.in + c.size + 1;
    c.displs = c.counts + c.size;
    if ((rc = mpi_ok(&c, MPI_Allgather(&mine[0], 1, MPI_UINT64_T, ns, 1, MPI_UINT64_T, c.comm))) ==
            SEG_OK &&
        (rc = mpi_ok(&c, MPI_Allreduce(&mine[1], &all[1], 1, MPI_UINT64_T, MPI_SUM, c.comm))) ==
            SEG_OK &&
        (rc = mpi_ok(&c, MPI_Allreduce(MPI_IN_PLACE, &dmin, 1, MPI_UINT64_T, MPI_MIN, c.comm))) ==
            SEG_OK)
        rc = mpi_ok(&c, MPI_Allreduce(MPI_IN_PLACE, &dmax, 1, MPI_UINT64_T, MPI_MAX, c.comm));
    if ((rc = agree(&c, rc)) < 0)
        goto done;
    c.in[0] = 0;
    for (int r = 0; r < c.size; r++)
        c.in[r + 1] = c.in[r] + ns[r];
    c.n = c.in[c.size];
    if (dmin != dmax)
        rc = fail(&c, SEG_ERR_MISMATCH, "the ranks' rows have different numbers of features");
    else if (all[1] != 0 && all[1] != (uint64_t)c.size)
        rc = fail(&c, SEG_ERR_MISMATCH, "some ranks give weights and others do not");
    else if ((!x && n) || !s || !km)
        rc = fail(&c, SEG_ERR_INVALID_ARG, "seg_mpi_sweep_run: NULL argument");
    else if (d == 0 || d * c.elt > INT_MAX)
        rc = fail(&c, d ? SEG_ERR_LIMIT : SEG_ERR_EMPTY, "a row's bytes exceed MPI's int count");
    if ((rc = agree(&c, rc)) < 0)
        goto done;
    MPI_Type_contiguous((int)(d * c.elt), MPI_BYTE, &c.row);
    MPI_Type_commit(&c.row);
    rc = seg_sweep_run_source(s, km, c.n, d, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64, all[1] != 0,
                              callback, &c);
    /* Our own failures are agreed where they happen; libseg's (a refit on
     * the gathered rows) happen alike on every rank: agree for the message. */
    rc = seg_mpi_agree_text(c.comm, rc, c.msg[0] ? c.msg : seg_last_error());
    MPI_Type_free(&c.row);
done:
    free(ns);
    free(c.in);
    free(c.counts);
    free(c.kx);
    free(c.kw);
    free(c.labels);
    MPI_Comm_free(&c.comm);
    return rc;
}

int seg_mpi_sweep_run_f32(MPI_Comm comm, seg_sweep *s, seg_kmeans *km, const float *x, size_t n,
                          size_t d, const double *weights)
{
    return sweep(comm, s, km, x, true, n, d, weights);
}

int seg_mpi_sweep_run_f64(MPI_Comm comm, seg_sweep *s, seg_kmeans *km, const double *x, size_t n,
                          size_t d, const double *weights)
{
    return sweep(comm, s, km, x, false, n, d, weights);
}

int seg_mpi_reshare(MPI_Comm comm, const void *x, size_t n, size_t row_bytes, size_t to_first,
                    size_t to_rows, void *out)
{
    sweep_ctx c = {0};
    uint64_t mine[2] = {n, to_first}, *all = NULL;
    int rc;
    if (MPI_Comm_dup(comm, &c.comm) != MPI_SUCCESS)
        return seg_mpi_agree_text(comm, SEG_ERR_IO, "MPI_Comm_dup failed");
    MPI_Comm_set_errhandler(c.comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(c.comm, &c.rank);
    MPI_Comm_size(c.comm, &c.size);
    c.in = malloc(2 * ((size_t)c.size + 1) * sizeof *c.in);
    all = malloc(2 * (size_t)c.size * sizeof *all);
    rc = c.in && all ? SEG_OK : fail(&c, SEG_ERR_NOMEM, "out of memory");
    if ((rc = agree(&c, rc)) < 0)
        goto done;
    c.kf = c.in + c.size + 1;
    rc = mpi_ok(&c, MPI_Allgather(mine, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, c.comm));
    if ((rc = agree(&c, rc)) < 0)
        goto done;
    c.in[0] = 0;
    for (int r = 0; r < c.size; r++) {
        c.in[r + 1] = c.in[r] + all[2 * r];
        c.kf[r] = all[2 * r + 1];
    }
    c.kf[c.size] = c.in[c.size];
    /* The wanted shares must tile the rows in rank order. */
    for (int r = 0; r < c.size && rc == SEG_OK; r++)
        if (c.kf[r] > c.kf[r + 1] || (r == 0 && c.kf[0] != 0))
            rc = fail(&c, SEG_ERR_INVALID_ARG,
                      "seg_mpi_reshare: the wanted shares do not tile "
                      "the rows in rank order");
    if (rc == SEG_OK && c.kf[c.rank + 1] - c.kf[c.rank] != to_rows)
        rc = fail(&c, SEG_ERR_INVALID_ARG,
                  "seg_mpi_reshare: a rank's wanted rows do not end where the next rank's begin");
    if (rc == SEG_OK && (row_bytes == 0 || row_bytes > INT_MAX || (n && !x) || (to_rows && !out)))
        rc = fail(&c, SEG_ERR_INVALID_ARG, "seg_mpi_reshare: bad row size or NULL buffer");
    if ((rc = agree(&c, rc)) < 0)
        goto done;
    MPI_Type_contiguous((int)row_bytes, MPI_BYTE, &c.row);
    MPI_Type_commit(&c.row);
    rc = agree(&c, move(&c, x, c.in, out, c.kf, c.row));
    MPI_Type_free(&c.row);
done:
    free(all);
    free(c.in);
    MPI_Comm_free(&c.comm);
    return rc;
}
