/*
 * Private layout of seg_rfm, shared by rfm.c (settings, streaming input,
 * accessors) and rfm_score.c (scores, thresholds, segment rules). Not installed.
 */
#ifndef SEG_RFM_H
#define SEG_RFM_H

#include "core/core.h"
#include "core/strtab.h"

#define RFM_MAX_LEVELS 100

/* One customer while rows stream in. */
typedef struct rfm_cust {
    int64_t last_day;  /* calendar day of the last purchase; INT64_MIN: none yet */
    int64_t frequency; /* invoices or purchase rows */
    double monetary;
} rfm_cust;

/* One of the latest rows, kept to name them in a warning. */
typedef struct rfm_late {
    int64_t day;
    size_t line; /* of the file, or the row number */
    char where[96]; /* "FILE line N" or "row N" */
    char customer[41];
} rfm_late;

enum { RFM_LATE = 3, RFM_MAX_WARNINGS = 4 };

/* A segment rule: inclusive score ranges for R, F, M; name index. */
typedef struct rfm_rule {
    int lo[3], hi[3];
    size_t name;
} rfm_rule;

enum { RFM_N_COUNTERS = 9 };

struct seg_rfm {
    /* Settings. */
    int64_t returns, bins, skip_bad, delimiter, frequency_cuts, threads;
    char *column[6]; /* customer, date, amount, quantity, price, invoice */
    char *date_format;
    char *as_of_text; /* SEG_RFM_AS_OF as given, or NULL */
    bool has_as_of;
    int64_t as_of; /* its day number */
    double *cuts[3];
    size_t n_cuts[3];
    rfm_rule *rules; /* NULL: the default table */
    size_t n_rules;
    char **names; /* segment names, "Other" last */
    size_t n_names;
    size_t other; /* index of "Other" in names */

    /* Accumulation. */
    bool started, finished;
    int invoice_mode; /* -1 unknown, 0 rows without invoice, 1 with */
    seg_strtab cust;
    rfm_cust *c;
    size_t c_cap;
    seg_strtab inv; /* keys: 4-byte customer index + invoice text */
    /* Invoices written as plain decimal numbers: (customer index, number)
     * pairs in an open-addressing table (cust1 0 = empty, else index + 1),
     * no string kept. */
    struct rfm_inum {
        uint64_t num, cust1;
    } *inum; /* one cache line holds a whole slot */
    size_t inum_cap, inum_used;
    char *key;      /* scratch for invoice keys */
    size_t key_cap;
    int64_t max_day;
    int64_t count[RFM_N_COUNTERS];
    size_t last_cust, last_cust_len;              /* cache: the previous row's customer */
    size_t last_key, last_key_len, last_key_cust; /* cache: the previous invoice key */
    char date_text[40]; /* cache: the previous row's date text and its day */
    size_t date_len;
    int64_t date_day;
    /* cache: "YYYY-MM-DD" of timestamps parsed, by month and day (and the
     * year's last digit): every day of a year has its own entry */
    struct rfm_iso {
        char date[10];
        bool valid;
        int64_t day;
    } iso[512];
    /* Dates of the rows that set max_day, for the far reference check:
     * an open-addressing table day -> rows (key INT64_MIN: empty slot). */
    int64_t *day_key, *day_rows;
    size_t day_cap, day_used, day_slot; /* day_slot: the previous row's slot */
    int64_t dated_rows;
    rfm_late late[RFM_LATE]; /* the latest rows, latest first */
    size_t n_late;
    /* A part's reader only (rfm_parts.c): each change of a monetary sum,
     * in row order. */
    bool logging;
    size_t part_bytes; /* size of a part; 0: RFM_PART_BYTES (tests set it smaller) */
    size_t parts_read; /* parts merged (tests) */
    struct rfm_money {
        size_t ci;
        double v;
    } *log;
    size_t n_log, log_cap;

    /* Result (after seg_rfm_finish). */
    int64_t ref_day;
    size_t n;       /* customers with a purchase */
    size_t *who;    /* result row -> customer index */
    int64_t *rec;   /* n recencies */
    int32_t *score; /* n x 3 */
    size_t *seg;    /* n segment indices */
    double *thr[3]; /* levels - 1 thresholds per dimension */
    size_t levels[3];
    int cuts_used[3]; /* seg_rfm_cuts */
    char *warning[RFM_MAX_WARNINGS];
    int warning_code[RFM_MAX_WARNINGS];
    size_t n_warnings;
};

/* The CSV input of seg_rfm_read_csv(). */
#include "data/csv_stream.h"
typedef struct rfm_csv {
    csv_stream s;
    seg_number_parser num;
    size_t col[6]; /* field index per COL_*, SIZE_MAX when not used */
    size_t n_fields;
} rfm_csv;

/* The accumulator's steps (rfm.c), shared with the reader of parts. */
int seg_rfm_one_record(seg_rfm *r, rfm_csv *x);
int seg_rfm_customer_index(seg_rfm *r, const char *p, size_t len, size_t *idx);
int seg_rfm_count_invoice(seg_rfm *r, size_t ci, const char *p, size_t len);
int seg_rfm_count_invoice_number(seg_rfm *r, size_t ci, uint64_t num);
int seg_rfm_count_day(seg_rfm *r, int64_t day);
void seg_rfm_keep_late(seg_rfm *r, int64_t day, const char *file, size_t line, const char *cust,
                   size_t clen);

/* Read the rest of the file x is reading (from its next record) as parts
 * on the library's threads, each into its own accumulator, merged into r in
 * file order so that every result is the one reader's (rfm_parts.c). 0
 * when the file is not read so (one thread, a small or non-regular file):
 * the caller reads on; 1 when read, or an error. */
int seg_rfm_read_parts(seg_rfm *r, rfm_csv *x);

/* Scores, thresholds and segments of the customers with a purchase
 * (rfm_score.c); r->who, r->rec filled, r->n set. */
int seg_rfm_score(seg_rfm *r);

/* Warnings about the result, after scoring (rfm_score.c). */
int seg_rfm_check(seg_rfm *r);

/* Parse a rule table into r->rules / r->names (rfm_score.c). */
int seg_rfm_parse_rules(seg_rfm *r, const char *text);

/* Free the rule table. */
void seg_rfm_free_rules(seg_rfm *r);

#endif /* SEG_RFM_H */
