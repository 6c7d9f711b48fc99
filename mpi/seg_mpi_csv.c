/*
 * A CSV file read by MPI ranks, each its own byte range (docs/mpi.md).
 *
 * The file is cut into R ranges of about size / R bytes (rank 0's holds the
 * header and the first data record). A rank cannot tell from its offset
 * whether it starts inside a quoted field, so each rank counts the quotes
 * and the line ends of its range; an exclusive scan (XOR of the quote
 * parities, sum of the line ends) gives each rank the quote state and the
 * physical line at its offset, and the rank's records start at the first
 * line end outside quotes at or after it. A rank whose range holds no such
 * point holds no record; the record that runs past a range's end is read by
 * the rank it starts in. Each share is then read by libseg's one CSV reader
 * (seg_csv_share_scan(), seg_dataset_read_csv_share()) with the header in
 * front and its first physical line given, so every message names the
 * file's line and field. The column types are chosen from the counts of all
 * shares, the levels merged in rank order (first appearance, as the
 * serial reader lists them), and every failure agreed before any rank goes
 * on: the lowest failing rank's message, which is the first in file order.
 */
#include "seg-mpi.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(sizeof(size_t) == sizeof(uint64_t), "levels counts travel as MPI_UINT64_T");

#define MSG 700

/* ---- a set of strings (open addressing), for the merge of levels ---------- */

typedef struct strset {
    const char **key;
    size_t *val;
    size_t cap, n;
} strset;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int strset_grow(strset *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    const char **key = calloc(cap, sizeof *key);
    size_t *val = calloc(cap, sizeof *val);
    if (!key || !val) {
        free(key);
        free(val);
        return SEG_ERR_NOMEM;
    }
    for (size_t i = 0; i < t->cap; i++)
        if (t->key[i]) {
            size_t h = (size_t)hash_str(t->key[i]) & (cap - 1);
            while (key[h])
                h = (h + 1) & (cap - 1);
            key[h] = t->key[i];
            val[h] = t->val[i];
        }
    free(t->key);
    free(t->val);
    t->key = key;
    t->val = val;
    t->cap = cap;
    return SEG_OK;
}

/* The value of s, inserting it with value n (the count so far) when new:
 * 1 when it was new, 0 when found, or SEG_ERR_NOMEM. s is borrowed. */
static int strset_add(strset *t, const char *s, size_t *value)
{
    if ((t->n + 1) * 2 > t->cap && strset_grow(t) < 0)
        return SEG_ERR_NOMEM;
    size_t h = (size_t)hash_str(s) & (t->cap - 1);
    while (t->key[h]) {
        if (strcmp(t->key[h], s) == 0) {
            *value = t->val[h];
            return 0;
        }
        h = (h + 1) & (t->cap - 1);
    }
    t->key[h] = s;
    t->val[h] = *value = t->n++;
    return 1;
}

static void strset_free(strset *t)
{
    free(t->key);
    free(t->val);
    memset(t, 0, sizeof *t);
}

/* ---- reading ranges -------------------------------------------------------- */

static int read_at(FILE *f, const char *path, uint64_t at, size_t len, char *dst, char *msg)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fileno(f), dst + got, len - got, (off_t)(at + got));
        if (r <= 0) {
            snprintf(msg, MSG, "%.300s: cannot read bytes %llu to %llu: %s", path,
                     (unsigned long long)at, (unsigned long long)(at + len),
                     r == 0 ? "the file is shorter than it was" : strerror(errno));
            return SEG_ERR_IO;
        }
        got += (size_t)r;
    }
    return SEG_OK;
}

/* Text for a message as the serial reader shows it: at most 40 bytes,
 * control bytes as '?'. */
static void show(const char *p, size_t len, char out[48])
{
    size_t n = len > 40 ? 37 : len, i;
    for (i = 0; i < n; i++)
        out[i] = (unsigned char)p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i];
    if (n < len) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
}

/* Agree on rc; on failure copy the agreed message to msg. */
static int agree(MPI_Comm comm, int rc, char *msg)
{
    rc = seg_mpi_agree_text(comm, rc, msg);
    if (rc < 0)
        snprintf(msg, MSG, "%s", seg_mpi_last_error());
    return rc;
}

static int lib_fail(int rc, char *msg)
{
    snprintf(msg, MSG, "%s", seg_last_error());
    return rc;
}

/* The cut: where the ranges start. off[0] = 0, off[R] = size. */
static uint64_t cut_at(int r, int R, uint64_t size, uint64_t floor_)
{
    if (r == 0)
        return 0;
    if (r >= R)
        return size;
    /* r * size / R without overflow */
    uint64_t q = size / (uint64_t)R, m = size % (uint64_t)R;
    uint64_t at = q * (uint64_t)r + m * (uint64_t)r / (uint64_t)R;
    return at < floor_ ? (floor_ < size ? floor_ : size) : at;
}

/* Test hook: SEG_MPI_CSV_NO_PARITY=1 ignores the quote state before a range
 * (the scan the cut needs), so the tests can show they catch its absence. */
static bool parity_disabled(void)
{
    const char *e = getenv("SEG_MPI_CSV_NO_PARITY");
    return e && strcmp(e, "1") == 0;
}

int seg_mpi_read_csv(MPI_Comm comm, const char *path, const seg_csv_options *opts,
                     seg_dataset **out, size_t *first_row, size_t *n_total)
{
    int rank = 0, R = 1, rc = SEG_OK;
    char msg[MSG] = "";
    FILE *f = NULL;
    char *text = NULL, *hdr = NULL, *range = NULL, *packed = NULL, *all = NULL;
    int64_t *stats = NULL, *sums = NULL;
    seg_column_type *types = NULL;
    seg_dataset *ds = NULL, *names = NULL;
    const char **glevels = NULL;
    size_t *n_glevels = NULL;
    int *counts = NULL, *displs = NULL;
    uint64_t *cands = NULL;
    strset *sets = NULL;
    size_t n_cols = 0, nr = 0;
    uint64_t size = 0, head[4] = {0}; /* n_cols, header end, its line, first record's end */

    if (!out || !path || !first_row || !n_total)
        return seg_mpi_agree_text(comm, SEG_ERR_INVALID_ARG, "seg_mpi_read_csv: NULL argument");
    *out = NULL;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &R);
    int64_t header = 1;
    if (opts && seg_csv_options_get_int(opts, SEG_CSV_HEADER, &header) == SEG_OK && !header)
        return seg_mpi_agree_text(comm, SEG_ERR_INVALID_ARG,
                                  "seg_mpi_read_csv: a file without a header row "
                                  "(SEG_CSV_HEADER 0) is not read over ranks yet");

    struct stat st;
    if (!(f = fopen(path, "rb"))) {
        snprintf(msg, MSG, "%.300s: cannot open: %s", path, strerror(errno));
        rc = SEG_ERR_IO;
    } else if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(msg, MSG, "%.300s: seg-mpi reads a regular file (each rank reads its range)",
                 path);
        rc = SEG_ERR_IO;
    } else {
        size = (uint64_t)st.st_size;
    }
    if ((rc = agree(comm, rc, msg)) < 0)
        goto done;
    /* Every rank must see the same file. */
    uint64_t size0 = size;
    MPI_Bcast(&size0, 1, MPI_UINT64_T, 0, comm);
    if (size0 != size) {
        snprintf(msg, MSG, "%.300s: %llu bytes on rank %d, %llu on rank 0", path,
                 (unsigned long long)size, rank, (unsigned long long)size0);
        rc = SEG_ERR_IO;
    }
    if ((rc = agree(comm, rc, msg)) < 0)
        goto done;

    /* Rank 0: the header and the first data record, from as many of the
     * file's first bytes as they need. */
    if (rank == 0) {
        size_t want = size < ((size_t)1 << 20) ? (size_t)size : (size_t)1 << 20, h[3] = {0};
        for (;;) {
            char *grown = realloc(text, want + 1);
            if (!grown) {
                rc = SEG_ERR_NOMEM;
                snprintf(msg, MSG, "out of memory for the header of %.300s", path);
                break;
            }
            text = grown;
            if ((rc = read_at(f, path, 0, want, text, msg)) < 0)
                break;
            rc = seg_csv_share_head(text, want, path, opts, &n_cols, h);
            if (want < size && (rc < 0 || h[2] >= want)) {
                want = want > size / 2 ? (size_t)size : want * 2;
                continue;
            }
            if (rc < 0)
                lib_fail(rc, msg);
            break;
        }
        head[0] = n_cols;
        head[1] = h[0];
        head[2] = h[1];
        head[3] = h[2];
    }
    if ((rc = agree(comm, rc, msg)) < 0)
        goto done;
    MPI_Bcast(head, 4, MPI_UINT64_T, 0, comm);
    n_cols = (size_t)head[0];
    const size_t header_len = (size_t)head[1];
    if (!(hdr = malloc(header_len + 1)))
        rc = SEG_ERR_NOMEM;
    if (rc == SEG_OK && rank == 0)
        memcpy(hdr, text, header_len);
    free(text);
    text = NULL;
    if ((rc = agree(comm, rc, "out of memory for the header")) < 0)
        goto done;
    MPI_Bcast(hdr, (int)header_len, MPI_BYTE, 0, comm);

    /* This rank's range, one byte either side for the line end before it
     * and the LF after a CR at its end. */
    const uint64_t lo = cut_at(rank, R, size, head[3]), hi = cut_at(rank + 1, R, size, head[3]);
    const uint64_t from = lo > 0 ? lo - 1 : 0, to = hi < size ? hi + 1 : hi;
    int parity = 0;
    uint64_t ends = 0;
    if (!(range = malloc((size_t)(to - from) + 1)))
        rc = SEG_ERR_NOMEM, snprintf(msg, MSG, "out of memory for bytes %llu to %llu",
                                     (unsigned long long)lo, (unsigned long long)hi);
    else
        rc = read_at(f, path, from, (size_t)(to - from), range, msg);
    if ((rc = agree(comm, rc, msg)) < 0)
        goto done;
    const char *b = range - (ptrdiff_t)from; /* b[i]: byte i of the file, from <= i < to */
    for (uint64_t i = lo; i < hi; i++) {
        parity ^= b[i] == '"';
        ends += b[i] == '\n' || (b[i] == '\r' && !(i + 1 < size && b[i + 1] == '\n'));
    }
    int q_before = 0;
    uint64_t ends_before = 0;
    MPI_Exscan(&parity, &q_before, 1, MPI_INT, MPI_BXOR, comm);
    MPI_Exscan(&ends, &ends_before, 1, MPI_UINT64_T, MPI_SUM, comm);
    if (rank == 0)
        q_before = 0, ends_before = 0;
    if (parity_disabled())
        q_before = 0;

    /* Where this rank's records start (rank 0: the file's start) and the
     * physical line there. UINT64_MAX: no record starts in the range. */
    uint64_t mine[2] = {UINT64_MAX, 0};
    if (rank == 0) {
        mine[0] = 0;
        mine[1] = 1;
    } else {
        int inq = q_before;
        uint64_t e = ends_before;
        for (uint64_t p = lo; p < hi; p++) {
            if ((b[p - 1] == '\n' || b[p - 1] == '\r') && !inq) {
                mine[0] = p;
                mine[1] = e + 1;
                break;
            }
            inq ^= b[p] == '"';
            e += b[p] == '\n' || (b[p] == '\r' && !(p + 1 < size && b[p + 1] == '\n'));
        }
    }
    free(range);
    range = NULL;
    uint64_t total_ends = 0;
    MPI_Allreduce(&ends, &total_ends, 1, MPI_UINT64_T, MPI_SUM, comm);
    if (!(cands = malloc(2 * (size_t)R * sizeof *cands)))
        rc = SEG_ERR_NOMEM;
    if ((rc = agree(comm, rc, "out of memory")) < 0)
        goto done;
    MPI_Allgather(mine, 2, MPI_UINT64_T, cands, 2, MPI_UINT64_T, comm);
    uint64_t start = mine[0], end = size;
    for (int r = rank + 1; r < R; r++)
        if (cands[2 * r] != UINT64_MAX) {
            end = cands[2 * r];
            break;
        }

    /* The share's text: rank 0 the file's start; others the header, then
     * their records. A rank without records keeps the header alone. */
    const size_t pre = rank == 0 ? 0 : header_len;
    const size_t body = start == UINT64_MAX ? 0 : (size_t)(end - start);
    size_t len = pre + body;
    if (!(text = malloc(len + 1)))
        rc = SEG_ERR_NOMEM, snprintf(msg, MSG, "out of memory for %zu bytes of %.300s", len, path);
    else {
        memcpy(text, hdr, pre);
        if (body)
            rc = read_at(f, path, start, body, text + pre, msg);
    }
    if ((rc = agree(comm, rc, msg)) < 0)
        goto done;
    const uint64_t line0 = rank == 0 ? 0 : start == UINT64_MAX ? head[2] : mine[1];

    /* Pass 1 on every share: structure and the counts the types follow. */
    stats = calloc(n_cols * SEG_CSV_SHARE_STATS, sizeof *stats);
    sums = calloc(3 * n_cols, sizeof *sums);
    types = calloc(n_cols, sizeof *types);
    if (!stats || !sums || !types)
        rc = SEG_ERR_NOMEM, snprintf(msg, MSG, "out of memory");
    else if ((rc = seg_csv_share_scan(text, len, pre, line0, path, opts, n_cols, stats, &nr)) < 0)
        lib_fail(rc, msg);
    if ((rc = agree(comm, rc, msg)) < 0)
        goto done;
    uint64_t nr64 = nr, rows_before = 0, rows_all = 0;
    MPI_Exscan(&nr64, &rows_before, 1, MPI_UINT64_T, MPI_SUM, comm);
    MPI_Allreduce(&nr64, &rows_all, 1, MPI_UINT64_T, MPI_SUM, comm);
    if (rank == 0)
        rows_before = 0;
    if (rows_all == 0) {
        /* As the serial reader: at the end of the input, field 1. */
        snprintf(msg, MSG,
                 "%.200s:%llu:1: found end of input, expected a data row after the header", path,
                 (unsigned long long)(total_ends + 1));
        rc = seg_mpi_agree_text(comm, SEG_ERR_EMPTY, msg);
        goto done;
    }
    for (size_t j = 0; j < n_cols; j++)
        for (int k = 0; k < 3; k++)
            sums[3 * j + (size_t)k] = stats[j * SEG_CSV_SHARE_STATS + (size_t)k];
    MPI_Allreduce(MPI_IN_PLACE, sums, (int)(3 * n_cols), MPI_INT64_T, MPI_SUM, comm);

    /* The column names, for messages: the header read as a share of no
     * record. */
    for (size_t j = 0; j < n_cols; j++)
        types[j] = SEG_COLUMN_CATEGORICAL;
    rc = seg_dataset_read_csv_share(&names, hdr, header_len, header_len, head[2], path, opts, types,
                                    n_cols, NULL, NULL);
    if (rc < 0)
        lib_fail(rc, msg);
    if ((rc = agree(comm, rc, msg)) < 0)
        goto done;

    /* The types, by the serial reader's rule on the counts of all rows. A
     * column forced categorical counts no numbers nor other text. */
    size_t stray = SIZE_MAX;
    for (size_t j = 0; j < n_cols; j++) {
        const int64_t num = sums[3 * j], other = sums[3 * j + 1], miss = sums[3 * j + 2];
        if ((uint64_t)(num + other + miss) < rows_all || (other > 0 && num <= other))
            types[j] = SEG_COLUMN_CATEGORICAL;
        else if (other == 0)
            types[j] = SEG_COLUMN_NUMERIC;
        else if (stray == SIZE_MAX)
            stray = j;
    }
    if (stray != SIZE_MAX) {
        /* Told by the rank of the column's first other text (the serial
         * reader names the first). */
        const int64_t *s = stats + stray * SEG_CSV_SHARE_STATS;
        int holder = s[1] > 0 ? rank : R, first_holder = R;
        MPI_Allreduce(&holder, &first_holder, 1, MPI_INT, MPI_MIN, comm);
        rc = SEG_OK;
        if (rank == first_holder) {
            char shown[48];
            show(text + s[4], (size_t)s[5], shown);
            char what[400];
            snprintf(what, sizeof what,
                     "column \"%.64s\": found \"%s\", expected a number (%lld of its %lld values "
                     "are numbers; mark the token missing or force the column type)",
                     seg_dataset_column_name(names, stray), shown, (long long)sums[3 * stray],
                     (long long)(sums[3 * stray] + sums[3 * stray + 1]));
            snprintf(msg, MSG, "%.200s:%lld:%zu: %s", path, (long long)s[3], stray + 1, what);
            rc = SEG_ERR_PARSE;
        }
        rc = agree(comm, rc, msg);
        goto done;
    }

    /* Pass 2: the values with the agreed types; then the levels of every
     * share merged in rank order, and the share read again with them first
     * so the codes are the file's. */
    if ((rc = seg_dataset_read_csv_share(&ds, text, len, pre, line0, path, opts, types, n_cols,
                                         NULL, NULL)) < 0)
        lib_fail(rc, msg);
    if ((rc = agree(comm, rc, msg)) < 0)
        goto done;
    size_t n_cat = 0;
    for (size_t j = 0; j < n_cols; j++)
        n_cat += types[j] == SEG_COLUMN_CATEGORICAL;
    if (n_cat) {
        /* This share's levels, first appearance first, as "a\0b\0..." */
        size_t cap = 1024, used = 0;
        strset local = {0};
        packed = malloc(cap);
        size_t *n_local = calloc(n_cols, sizeof *n_local);
        rc = packed && n_local ? SEG_OK : SEG_ERR_NOMEM;
        for (size_t j = 0; rc == SEG_OK && j < n_cols; j++) {
            if (types[j] != SEG_COLUMN_CATEGORICAL)
                continue;
            strset_free(&local);
            for (size_t i = 0; rc == SEG_OK && i < nr; i++) {
                const char *v = NULL;
                size_t at;
                if ((rc = seg_dataset_get_text(ds, i, j, &v)) < 0 || !v)
                    continue;
                if ((rc = strset_add(&local, v, &at)) != 1)
                    continue;
                rc = SEG_OK;
                size_t l = strlen(v) + 1;
                while (used + l > cap) {
                    char *g = realloc(packed, cap * 2);
                    if (!g) {
                        rc = SEG_ERR_NOMEM;
                        break;
                    }
                    packed = g;
                    cap *= 2;
                }
                if (rc == SEG_OK) {
                    memcpy(packed + used, v, l);
                    used += l;
                    n_local[j]++;
                }
            }
        }
        strset_free(&local);
        if (used > INT_MAX)
            rc = SEG_ERR_LIMIT;
        if ((rc = agree(comm, rc, "out of memory (or more than 2 GiB) for the levels")) < 0) {
            free(n_local);
            goto done;
        }
        /* Every share's list, in rank order. */
        counts = malloc((size_t)R * sizeof *counts);
        displs = malloc((size_t)R * sizeof *displs);
        int mine_n = (int)used;
        long long total = 0;
        rc = counts && displs ? SEG_OK : SEG_ERR_NOMEM;
        if ((rc = agree(comm, rc, "out of memory")) < 0) {
            free(n_local);
            goto done;
        }
        MPI_Allgather(&mine_n, 1, MPI_INT, counts, 1, MPI_INT, comm);
        for (int r = 0; r < R; r++) {
            displs[r] = (int)total;
            total += counts[r];
        }
        if (total > INT_MAX || !(all = malloc((size_t)total + 1)))
            rc = SEG_ERR_NOMEM;
        if ((rc = agree(comm, rc, "out of memory (or more than 2 GiB) for the levels")) < 0) {
            free(n_local);
            goto done;
        }
        MPI_Allgatherv(packed, mine_n, MPI_BYTE, all, counts, displs, MPI_BYTE, comm);
        size_t *n_each = malloc((size_t)R * n_cols * sizeof *n_each);
        if (!n_each)
            rc = SEG_ERR_NOMEM;
        if ((rc = agree(comm, rc, "out of memory")) < 0) {
            free(n_local);
            goto done;
        }
        MPI_Allgather(n_local, (int)n_cols, MPI_UINT64_T, n_each, (int)n_cols, MPI_UINT64_T, comm);
        free(n_local);
        /* Merge: rank 0's columns, rank 1's, ... each list in its order. */
        sets = calloc(n_cols, sizeof *sets);
        glevels = malloc(((size_t)total + 1) * sizeof *glevels);
        n_glevels = calloc(n_cols, sizeof *n_glevels);
        const char **per_col = malloc(((size_t)total + 1) * sizeof *per_col);
        size_t *col_of = malloc(((size_t)total + 1) * sizeof *col_of);
        size_t n_all = 0;
        rc = sets && glevels && n_glevels && per_col && col_of ? SEG_OK : SEG_ERR_NOMEM;
        for (int r = 0; rc == SEG_OK && r < R; r++) {
            const char *p = all + displs[r];
            for (size_t j = 0; rc == SEG_OK && j < n_cols; j++)
                for (size_t l = 0; l < n_each[(size_t)r * n_cols + j]; l++) {
                    size_t at;
                    int added = strset_add(&sets[j], p, &at);
                    if (added < 0) {
                        rc = added;
                        break;
                    }
                    if (added) {
                        per_col[n_all] = p;
                        col_of[n_all++] = j;
                    }
                    p += strlen(p) + 1;
                }
        }
        /* Column by column, each column's levels in merge order. */
        size_t w = 0;
        for (size_t j = 0; rc == SEG_OK && j < n_cols; j++)
            for (size_t i = 0; i < n_all; i++)
                if (col_of[i] == j) {
                    glevels[w++] = per_col[i];
                    n_glevels[j]++;
                }
        free(per_col);
        free(col_of);
        free(n_each);
        if ((rc = agree(comm, rc, "out of memory for the levels")) < 0)
            goto done;
        seg_dataset_free(ds);
        ds = NULL;
        if ((rc = seg_dataset_read_csv_share(&ds, text, len, pre, line0, path, opts, types, n_cols,
                                             glevels, n_glevels)) < 0)
            lib_fail(rc, msg);
        if ((rc = agree(comm, rc, msg)) < 0)
            goto done;
    }
    *out = ds;
    ds = NULL;
    *first_row = (size_t)rows_before;
    *n_total = (size_t)rows_all;
    rc = SEG_OK;
done:
    if (f)
        fclose(f);
    for (size_t j = 0; sets && j < n_cols; j++)
        strset_free(&sets[j]);
    free(sets);
    free(text);
    free(hdr);
    free(range);
    free(packed);
    free(all);
    free(stats);
    free(sums);
    free(types);
    free(glevels);
    free(n_glevels);
    free(counts);
    free(displs);
    free(cands);
    seg_dataset_free(ds);
    seg_dataset_free(names);
    return rc;
}
