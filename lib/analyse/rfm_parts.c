/*
 * seg_rfm_read_csv() on several threads: the file after its header is cut
 * into parts (RFM_PART_MIN .. RFM_PART_MAX), and each part is read on its own into
 * an accumulator of its own, threads parts at a time (lib/core/pool.c).
 * Merging the parts into the caller's accumulator, in file order, gives
 * every result exactly as one reader would:
 *  - customers are taken in each part's order of first appearance, so the
 *    customer order of the file stays;
 *  - last purchase days, counts and days combine exactly (max, sum);
 *  - distinct invoices are counted again at the merge, pair by pair;
 *  - monetary sums are floating-point and their order matters: each part
 *    logs every change of a sum, and the merge applies the logs in row order
 *    (the same additions as one reader, so the same bits);
 *  - the latest rows (for the far-reference warning) are offered again in
 *    file order with their lines in the file.
 *
 * A part starts after the first line feed at or after its nominal offset.
 * That is a record start unless the line feed sits inside a quoted field;
 * the previous part, which reads on to its first record starting at or
 * after that offset, tells where the next record really starts, and a part
 * whose first record is not that one is not used: the file is read from
 * there on by one reader, as it is when a part fails (a bad row, a limit,
 * memory), so that errors name the file's line and column as one reader
 * names them. Memory: the parts in flight (threads x (a window of 1 MiB, a
 * part's customers and invoices, 16 bytes a row of its monetary log)).
 * Results never depend on the parts: they are one reader's.
 */
#include "analyse/rfm.h"

#include <string.h>
#include <sys/stat.h>

/* Parts: the file shared among the threads, each part of 8 to 64 MiB. Few
 * parts merge fewer tables (each merge counts its invoices again); the cap
 * bounds a part's monetary log (16 bytes a row, about 22 MiB at 64 MiB of
 * 47-byte rows). */
#define RFM_PART_MIN ((uint64_t)8 << 20)
#define RFM_PART_MAX ((uint64_t)64 << 20)

typedef struct rfm_part {
    seg_rfm acc;              /* the part's accumulator (settings copied, texts lent) */
    rfm_csv x;                /* its reader */
    uint64_t start, end;      /* start: where it reads from; records starting before end are its */
    uint64_t first, next;     /* its first record's offset, the first one at or after end */
    size_t next_line;         /* next's line, counted from 1 at start */
    int rc;                   /* < 0: failed (the one reader redoes it) */
} rfm_part;

typedef struct rfm_job {
    const seg_rfm *r;
    const rfm_csv *model; /* the caller's reader: columns, delimiter, limits */
    rfm_part *part;
} rfm_job;

static void acc_init(seg_rfm *a, const seg_rfm *r)
{
    struct rfm_money *log = a->log;
    const size_t log_cap = a->log_cap;
    memset(a, 0, sizeof *a);
    a->log = log; /* kept from the previous part read in this slot */
    a->log_cap = log_cap;
    a->returns = r->returns;
    a->skip_bad = r->skip_bad;
    a->date_format = r->date_format; /* lent: acc_free leaves it */
    a->has_as_of = r->has_as_of;
    a->as_of = r->as_of;
    a->invoice_mode = r->invoice_mode;
    a->started = true;
    a->max_day = INT64_MIN;
    a->last_cust = SIZE_MAX;
    a->last_key = SIZE_MAX;
    a->logging = true;
}

/* Free a part's accumulator; its monetary log is kept for the next part
 * (in *log, *log_cap). */
static void acc_free(seg_rfm *a)
{
    seg_strtab_free(&a->cust);
    seg_strtab_free(&a->inv);
    seg_free(a->inum);
    seg_free(a->c);
    seg_free(a->key);
    seg_free(a->day_key);
    seg_free(a->day_rows);
    struct rfm_money *log = a->log;
    const size_t log_cap = a->log_cap;
    memset(a, 0, sizeof *a);
    a->log = log;
    a->log_cap = log_cap;
}

/* Read into a the records of x that start before end: *first receives the
 * offset of the first record read (UINT64_MAX: none), *next that of the
 * first one at or after end with its line in *next_line (UINT64_MAX: the
 * file ended). */
static int read_records(seg_rfm *a, rfm_csv *x, uint64_t end, uint64_t *first, uint64_t *next,
                        size_t *next_line)
{
    int rc;
    *first = *next = UINT64_MAX;
    while ((rc = seg_csv_stream_next(&x->s)) == 1) {
        /* The record just read starts there (a refill keeps it at rec_pos). */
        const uint64_t off = x->s.base + x->s.t.rec_pos;
        if (*first == UINT64_MAX)
            *first = off;
        if (off >= end) { /* the next part's: its reader takes it */
            *next = off;
            *next_line = x->s.record_line;
            return 0;
        }
        if ((rc = seg_rfm_one_record(a, x)) < 0)
            return rc;
    }
    return rc; /* 0 at the end of the file, or an error */
}

/* A reader of the file of m from offset at, line `line`. */
static int open_reader(rfm_csv *x, const rfm_csv *m, uint64_t at, size_t line)
{
    memset(x, 0, sizeof *x);
    memcpy(x->col, m->col, sizeof x->col);
    x->n_fields = m->n_fields;
    int rc = seg_csv_stream_open_at(&x->s, m->s.name, m->s.t.delim, m->s.t.max_field, at, line);
    x->s.max_fields = m->s.max_fields;
    x->s.refuse_wider = m->s.refuse_wider;
    return rc;
}

static void close_reader(rfm_csv *x)
{
    seg_csv_stream_close(&x->s);
    seg_number_parser_free(&x->num);
}

/* Read one part into its own accumulator, lines counted from 1. */
static void read_part(void *ctx, size_t item, int thread)
{
    (void)thread;
    rfm_job *job = ctx;
    rfm_part *p = &job->part[item];
    acc_init(&p->acc, job->r);
    int rc = open_reader(&p->x, job->model, p->start, 1);
    if (rc == 0)
        rc = read_records(&p->acc, &p->x, p->end, &p->first, &p->next, &p->next_line);
    p->rc = rc < 0 ? rc : 0;
    close_reader(&p->x);
}

/* Add the day table of a part. */
static int merge_days(seg_rfm *r, const seg_rfm *a)
{
    for (size_t h = 0; h < a->day_cap; h++) {
        if (a->day_key[h] == INT64_MIN)
            continue;
        int rc = seg_rfm_count_day(r, a->day_key[h]);
        if (rc < 0)
            return rc;
        r->day_rows[r->day_slot] += a->day_rows[h] - 1;
    }
    return 0;
}

/* Merge a part read from line `line` of the file into r. */
static int merge(seg_rfm *r, const seg_rfm *a, const char *file, size_t line)
{
    const size_t nc = seg_strtab_size(&a->cust);
    size_t *map = seg_malloc_array(nc ? nc : 1, sizeof *map);
    int rc = 0;
    if (!map)
        return SEG_NOMEM();
    for (size_t i = 0; i < nc && rc == 0; i++) {
        const char *id = seg_strtab_str(&a->cust, i);
        if ((rc = seg_rfm_customer_index(r, id, strlen(id), &map[i])) < 0)
            break;
        rfm_cust *c = &r->c[map[i]];
        if (a->c[i].last_day > c->last_day)
            c->last_day = a->c[i].last_day;
        if (!a->invoice_mode)
            c->frequency += a->c[i].frequency;
    }
    /* Distinct invoices, counted again against the file's so far. */
    for (size_t s = 0; s < a->inum_cap && rc >= 0; s++) {
        if (!a->inum[s].cust1)
            continue;
        const size_t ci = map[a->inum[s].cust1 - 1];
        if ((rc = seg_rfm_count_invoice_number(r, ci, a->inum[s].num)) == 1) {
            r->c[ci].frequency++;
            r->count[SEG_RFM_INVOICES]++;
        }
    }
    rc = rc < 0 ? rc : 0;
    for (size_t e = 0; e < seg_strtab_size(&a->inv) && rc == 0; e++) {
        const char *k = seg_strtab_str(&a->inv, e);
        const size_t klen = seg_strtab_len(&a->inv, e);
        uint32_t idx;
        memcpy(&idx, k, sizeof idx);
        rc = seg_rfm_count_invoice(r, map[idx], k + sizeof idx, klen - sizeof idx);
    }
    for (size_t i = 0; i < a->n_log && rc == 0; i++)
        r->c[map[a->log[i].ci]].monetary += a->log[i].v;
    if (rc == 0)
        rc = merge_days(r, a);
    seg_free(map);
    if (rc < 0)
        return rc;
    for (size_t k = 0; k < RFM_N_COUNTERS; k++)
        if (k != SEG_RFM_INVOICES) /* counted by the merge above */
            r->count[k] += a->count[k];
    r->dated_rows += a->dated_rows;
    if (a->max_day > r->max_day)
        r->max_day = a->max_day;
    for (size_t i = 0; i < a->n_late; i++) {
        const rfm_late *l = &a->late[i];
        if (r->n_late < RFM_LATE || l->day > r->late[RFM_LATE - 1].day)
            seg_rfm_keep_late(r, l->day, file, line + l->line - 1, l->customer, strlen(l->customer));
    }
    return 0;
}

/* The first record start at or after a nominal cut: the byte after the
 * first line feed from cut - 1 on, looked for in at most 1 MiB; 0 when
 * none (the cut is dropped). */
static uint64_t cut_after(FILE *f, uint64_t cut, char *buf, size_t cap)
{
    if (fseeko(f, (off_t)(cut - 1), SEEK_SET) != 0)
        return 0;
    size_t got = fread(buf, 1, cap, f);
    const char *lf = memchr(buf, '\n', got);
    return lf ? cut + (uint64_t)(lf - buf) : 0;
}

int seg_rfm_read_parts(seg_rfm *r, rfm_csv *x)
{
    struct stat st;
    uint64_t at = 0;
    size_t line = 0;
    int threads = seg_threads_resolve(r->threads), rc;
    if (threads < 2 || stat(x->s.name, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    uint64_t part = (uint64_t)st.st_size / (uint64_t)threads + 1;
    part = part < RFM_PART_MIN ? RFM_PART_MIN : part > RFM_PART_MAX ? RFM_PART_MAX : part;
    if (r->part_bytes)
        part = r->part_bytes;
    if ((uint64_t)st.st_size < 2 * part)
        return 0;
    if ((rc = seg_csv_stream_peek(&x->s, &at, &line)) <= 0)
        return rc; /* nothing left, or an error: the caller reports it */
    const uint64_t size = (uint64_t)st.st_size;
    /* Cuts every `part` bytes from the first record. */
    size_t n_cut = 0, cap = (size_t)((size - at) / part) + 2;
    uint64_t *cut = seg_malloc_array(cap, sizeof *cut);
    char *buf = seg_malloc((size_t)1 << 20);
    FILE *f = fopen(x->s.name, "rb");
    rfm_part *parts = NULL;
    seg_pool *pool = NULL;
    rc = 0;
    if (!cut || !buf || !f) {
        rc = !cut || !buf ? SEG_NOMEM() : 0;
        goto done;
    }
    cut[n_cut++] = at;
    for (uint64_t c = at + part; c + part / 2 < size; c += part) {
        uint64_t s = cut_after(f, c, buf, (size_t)1 << 20);
        if (s > cut[n_cut - 1] && s < size)
            cut[n_cut++] = s;
    }
    if (n_cut < 2)
        goto done; /* rc 0: the caller reads it */
    if (threads > (int)n_cut)
        threads = (int)n_cut;
    if ((rc = seg_pool_start(&pool, threads)) < 0)
        goto done;
    threads = seg_pool_threads(pool);
    if (!(parts = seg_calloc((size_t)threads, sizeof *parts))) {
        rc = SEG_NOMEM();
        goto done;
    }
    /* at / line: where the file's next record starts, all before it merged. */
    for (size_t next_cut = 0; rc == 0 && next_cut < n_cut && at != UINT64_MAX;) {
        size_t wave = n_cut - next_cut < (size_t)threads ? n_cut - next_cut : (size_t)threads;
        for (size_t i = 0; i < wave; i++) {
            parts[i].start = cut[next_cut + i];
            parts[i].end = next_cut + i + 1 < n_cut ? cut[next_cut + i + 1] : UINT64_MAX;
        }
        rfm_job job = {r, x, parts};
        seg_pool_run(pool, wave, threads, read_part, &job);
        for (size_t i = 0; i < wave && rc == 0 && at != UINT64_MAX; i++) {
            rfm_part *p = &parts[i];
            if (p->rc == 0 && p->first == at) {
                /* It read from the record the file has there: merge it. */
                if ((rc = merge(r, &p->acc, x->s.name, line)) < 0)
                    break;
                r->parts_read++;
                line += p->next == UINT64_MAX ? 0 : p->next_line - 1;
                at = p->next;
                continue;
            }
            /* It failed, or started inside a quoted field: one reader reads
             * its records into r from where they start, with the file's
             * lines, so that an error is the one reader's error. */
            rfm_csv one;
            uint64_t first;
            size_t next_line = 0;
            if ((rc = open_reader(&one, x, at, line)) == 0)
                rc = read_records(r, &one, p->end, &first, &at, &next_line);
            close_reader(&one);
            line = next_line;
        }
        for (size_t i = 0; i < wave; i++)
            acc_free(&parts[i].acc);
        next_cut += wave;
    }
    if (rc == 0)
        rc = 1;
done:
    seg_pool_stop(pool);
    for (int i = 0; parts && i < threads; i++)
        seg_free(parts[i].acc.log);
    seg_free(parts);
    seg_free(cut);
    seg_free(buf);
    if (f)
        fclose(f);
    return rc;
}
