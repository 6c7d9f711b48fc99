/*
 * RFM accumulator: settings, the row policy, the streaming CSV input and the
 * accessors of the result. Scores and segments are in rfm_score.c.
 *
 * Per customer the accumulator keeps one rfm_cust (last purchase day,
 * frequency, monetary) and its id in a string table; with an invoice column,
 * the distinct (customer, invoice) pairs of purchases in a second table.
 * Nothing is kept per row. Two caches make the common log layout cheap:
 * consecutive rows of the same customer skip the hash lookup, and
 * consecutive rows with the same date text skip the date parser.
 */
#include "analyse/rfm.h"

#include "core/params.h"
#include "data/csv_options.h"
#include "data/csv_shared.h"
#include "data/csv_stream.h"
#include "data/date.h"

#include <string.h>

enum { COL_CUSTOMER, COL_DATE, COL_AMOUNT, COL_QUANTITY, COL_PRICE, COL_INVOICE };

int seg_rfm_new(seg_rfm **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "rfm: out is NULL");
    seg_rfm *r = seg_calloc(1, sizeof *r);
    *out = r;
    if (!r)
        return SEG_NOMEM();
    r->bins = 5;
    r->invoice_mode = -1;
    r->max_day = INT64_MIN;
    r->last_cust = SIZE_MAX;
    r->last_key = SIZE_MAX;
    return 0;
}

void seg_rfm_free(seg_rfm *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < 6; i++)
        seg_free(r->column[i]);
    seg_free(r->date_format);
    seg_free(r->as_of_text);
    for (size_t d = 0; d < 3; d++) {
        seg_free(r->cuts[d]);
        seg_free(r->thr[d]);
    }
    seg_rfm_free_rules(r);
    seg_strtab_free(&r->cust);
    seg_strtab_free(&r->inv);
    seg_free(r->inum);
    seg_free(r->c);
    seg_free(r->key);
    seg_free(r->who);
    seg_free(r->rec);
    seg_free(r->score);
    seg_free(r->seg);
    seg_free(r->day_key);
    seg_free(r->day_rows);
    seg_free(r->log);
    for (size_t i = 0; i < r->n_warnings; i++)
        seg_free(r->warning[i]);
    seg_free(r);
}

/* Day number of a date text under the settings in force. */
static bool parse_day(const seg_rfm *r, const char *p, size_t len, int64_t *day)
{
    return r->date_format ? seg_date_parse_format(p, len, r->date_format, day)
                          : seg_date_parse_auto(p, len, day);
}

/* ---- settings: the checks a range cannot make, and the table ---------------- */

static int rfm_writable(const void *obj, const char **why)
{
    *why = "settings are fixed once rows are added";
    return ((const seg_rfm *)obj)->started ? SEG_ERR_STATE : SEG_OK;
}

static int check_column(void *obj, seg_param_value v, const char **why)
{
    (void)obj;
    *why = "an empty column name";
    return v.s && !*v.s ? SEG_ERR_INVALID_ARG : SEG_OK;
}

static int check_date_format(void *obj, seg_param_value v, const char **why)
{
    (void)obj;
    *why = v.s ? seg_date_format_check(v.s) : NULL;
    return *why ? SEG_ERR_PARSE : SEG_OK;
}

/* The reference date is read with the date forms in force when it is set,
 * and kept as a day number too. */
static int check_as_of(void *obj, seg_param_value v, const char **why)
{
    seg_rfm *r = obj;
    int64_t day;
    if (!v.s) {
        r->has_as_of = false;
        return SEG_OK;
    }
    if (!parse_day(r, v.s, strlen(v.s), &day)) {
        *why =
            r->date_format ? "not a date in the date format" : "not a date in the built-in forms";
        return SEG_ERR_PARSE;
    }
    r->as_of = day;
    r->has_as_of = true;
    return SEG_OK;
}

#define RFM_COLUMN(id, c) SEG_PARAM_TEXT(id, seg_rfm, column[c], check_column)
static const seg_param rfm_rows[] = {
    SEG_PARAM_INT(SEG_RFM_RETURNS, SEG_RETURNS_EXCLUDE, SEG_RETURNS_SUBTRACT, seg_rfm, returns,
                  NULL),
    SEG_PARAM_INT(SEG_RFM_BINS, 2, RFM_MAX_LEVELS, seg_rfm, bins, NULL),
    SEG_PARAM_INT(SEG_RFM_SKIP_BAD_ROWS, 0, 1, seg_rfm, skip_bad, NULL),
    SEG_PARAM_INT(SEG_RFM_DELIMITER, 0, 255, seg_rfm, delimiter, seg_csv_delimiter_check),
    SEG_PARAM_INT(SEG_RFM_FREQUENCY_CUTS, SEG_RFM_CUTS_AUTO, SEG_RFM_CUTS_FIXED, seg_rfm,
                  frequency_cuts, NULL),
    SEG_PARAM_INT(SEG_RFM_THREADS, 0, 4096, seg_rfm, threads, NULL),
    RFM_COLUMN(SEG_RFM_CUSTOMER_COLUMN, COL_CUSTOMER),
    RFM_COLUMN(SEG_RFM_DATE_COLUMN, COL_DATE),
    RFM_COLUMN(SEG_RFM_AMOUNT_COLUMN, COL_AMOUNT),
    RFM_COLUMN(SEG_RFM_QUANTITY_COLUMN, COL_QUANTITY),
    RFM_COLUMN(SEG_RFM_PRICE_COLUMN, COL_PRICE),
    RFM_COLUMN(SEG_RFM_INVOICE_COLUMN, COL_INVOICE),
    SEG_PARAM_TEXT(SEG_RFM_DATE_FORMAT, seg_rfm, date_format, check_date_format),
    SEG_PARAM_TEXT(SEG_RFM_AS_OF, seg_rfm, as_of_text, check_as_of),
};
static const seg_param_table rfm_params = SEG_PARAM_TABLE("RFM", rfm_rows, rfm_writable);

int seg_rfm_set_int(seg_rfm *r, seg_rfm_param param, int64_t value)
{
    return seg_param_set_int(&rfm_params, r, (int)param, value);
}

int seg_rfm_get_int(const seg_rfm *r, seg_rfm_param param, int64_t *value)
{
    return seg_param_get_int(&rfm_params, r, (int)param, value);
}

int seg_rfm_set_string(seg_rfm *r, seg_rfm_param param, const char *value)
{
    SEG_ALLOC_SCOPE(r);
    return seg_param_set_text(&rfm_params, r, (int)param, value);
}

int seg_rfm_get_string(const seg_rfm *r, seg_rfm_param param, char *buf, size_t len, size_t *size)
{
    return seg_param_get_text(&rfm_params, r, (int)param, buf, len, size);
}

int seg_rfm_param_bounds(seg_rfm_param param, double *lower, double *upper)
{
    return seg_param_bounds(&rfm_params, (int)param, lower, upper);
}

int seg_rfm_set_cuts(seg_rfm *r, seg_rfm_dim dim, const double *cuts, size_t n)
{
    if (!r || (unsigned)dim > 2 || n > RFM_MAX_LEVELS - 1 || (n && !cuts))
        return seg_fail(SEG_ERR_INVALID_ARG, "rfm cuts: NULL object, bad dimension or %zu cuts", n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(cuts[i]) || (i && !(cuts[i] > cuts[i - 1])))
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "rfm cuts: cut %zu is not finite and above the previous one", i + 1);
    if (r->finished)
        return seg_fail(SEG_ERR_STATE, "rfm: already finished");
    double *copy = NULL;
    if (n && !(copy = seg_malloc_array(n, sizeof *copy)))
        return SEG_NOMEM();
    if (n)
        memcpy(copy, cuts, n * sizeof *copy);
    seg_free(r->cuts[dim]);
    r->cuts[dim] = copy;
    r->n_cuts[dim] = n;
    return 0;
}

int seg_rfm_set_rules(seg_rfm *r, const char *text)
{
    if (!r || !text)
        return seg_fail(SEG_ERR_INVALID_ARG, "rfm rules: NULL argument");
    if (r->finished)
        return seg_fail(SEG_ERR_STATE, "rfm: already finished");
    return seg_rfm_parse_rules(r, text);
}

/* Equal texts of len bytes. Ids and invoice numbers are short: 4 to 16
 * bytes compare as two overlapping words from each end (every byte is in
 * one of them, none read outside the text), shorter ones in a loop, longer
 * ones through memcmp. Runs twice a row. */
static inline bool same_text(const char *a, const char *b, size_t len)
{
    if (len >= 8) {
        if (len > 16)
            return memcmp(a, b, len) == 0;
        uint64_t a0, b0, a1, b1;
        memcpy(&a0, a, 8);
        memcpy(&b0, b, 8);
        memcpy(&a1, a + len - 8, 8);
        memcpy(&b1, b + len - 8, 8);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    if (len >= 4) {
        uint32_t a0, b0, a1, b1;
        memcpy(&a0, a, 4);
        memcpy(&b0, b, 4);
        memcpy(&a1, a + len - 4, 4);
        memcpy(&b1, b + len - 4, 4);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    size_t i = 0;
    while (i < len && a[i] == b[i])
        i++;
    return i == len;
}

/* Index of a customer id, added with an empty record when new. */
static inline int customer_index(seg_rfm *r, const char *p, size_t len, size_t *idx)
{
    if (r->last_cust != SIZE_MAX && len == r->last_cust_len &&
        same_text(seg_strtab_str(&r->cust, r->last_cust), p, len)) {
        *idx = r->last_cust;
        return 0;
    }
    int rc = seg_strtab_intern(&r->cust, p, len, idx);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        if (*idx == r->c_cap) {
            size_t cap = r->c_cap ? 2 * r->c_cap : 1024;
            rfm_cust *c = seg_realloc(r->c, cap * sizeof *c);
            if (!c)
                return SEG_NOMEM();
            r->c = c;
            r->c_cap = cap;
        }
        r->c[*idx] = (rfm_cust){INT64_MIN, 0, 0.0};
    }
    r->last_cust = *idx;
    r->last_cust_len = len;
    return 0;
}

/* The number an invoice text is when it is 1 to 18 decimal digits without a
 * leading zero (or "0"): such texts and numbers correspond one to one, so
 * counting numbers counts texts. false for any other text. */
static bool invoice_number(const char *p, size_t len, uint64_t *num)
{
    if (len == 0 || len > 18 || (p[0] == '0' && len > 1))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned dg = (unsigned)(unsigned char)p[i] - '0';
        if (dg > 9)
            return false;
        v = v * 10 + dg;
    }
    *num = v;
    return true;
}

static size_t inum_slot(const seg_rfm *r, uint64_t num, uint64_t cust1)
{
    uint64_t h = (num ^ (cust1 << 41) ^ (cust1 >> 23)) * 0x9E3779B97F4A7C15u;
    size_t mask = r->inum_cap - 1, s = (size_t)(h >> 24) & mask;
    while (r->inum[s].cust1 && (r->inum[s].cust1 != cust1 || r->inum[s].num != num))
        s = (s + 1) & mask;
    return s;
}

/* 1 when the pair (customer ci, invoice number num) is new, 0 when seen. */
static inline int count_invoice_number(seg_rfm *r, size_t ci, uint64_t num)
{
    const uint64_t cust1 = (uint64_t)ci + 1;
    if (2 * (r->inum_used + 1) > r->inum_cap) {
        size_t cap = r->inum_cap ? 2 * r->inum_cap : 4096, old = r->inum_cap;
        struct rfm_inum *t = seg_calloc(cap, sizeof *t), *o = r->inum;
        if (!t)
            return SEG_NOMEM();
        r->inum = t;
        r->inum_cap = cap;
        for (size_t i = 0; i < old; i++)
            if (o[i].cust1)
                t[inum_slot(r, o[i].num, o[i].cust1)] = o[i];
        seg_free(o);
    }
    size_t s = inum_slot(r, num, cust1);
    if (r->inum[s].cust1)
        return 0;
    r->inum[s].num = num;
    r->inum[s].cust1 = cust1;
    r->inum_used++;
    return 1;
}

/* Count a purchase invoice once per customer. Invoices that are plain
 * numbers go to a table of (customer, number) pairs; other texts to a string
 * table whose keys are the customer index's 4 bytes then the invoice text
 * (the table compares by length, so NUL bytes in the index are fine). A text
 * always takes the same one of the two, so each distinct text is counted
 * once. Rows of one invoice are usually consecutive: the previous row's
 * invoice is checked first. */
static inline int count_invoice(seg_rfm *r, size_t ci, const char *p, size_t len)
{
    const uint32_t idx = (uint32_t)ci;
    const size_t klen = len + sizeof idx;
    uint64_t num;
    int rc;
    if (r->last_key != SIZE_MAX && klen == r->last_key_len && ci == r->last_key_cust &&
        same_text(r->key + sizeof idx, p, len))
        return 0;
    if (klen > r->key_cap) {
        char *k = seg_realloc(r->key, klen + 64);
        if (!k)
            return SEG_NOMEM();
        r->key = k;
        r->key_cap = klen + 64;
    }
    memcpy(r->key, &idx, sizeof idx);
    memcpy(r->key + sizeof idx, p, len);
    if (invoice_number(p, len, &num)) {
        rc = count_invoice_number(r, ci, num);
    } else {
        size_t at;
        rc = seg_strtab_intern(&r->inv, r->key, klen, &at);
    }
    if (rc < 0)
        return rc;
    /* r->key keeps this invoice's text for the check above. */
    r->last_key = 0;
    r->last_key_len = klen;
    r->last_key_cust = ci;
    if (rc == 1) {
        r->c[ci].frequency++;
        r->count[SEG_RFM_INVOICES]++;
    }
    return 0;
}

/* Slot of a day in the date table: its own, or the empty one it would take. */
static size_t day_find(const seg_rfm *r, int64_t day)
{
    size_t h = (size_t)(((uint64_t)day * 0x9E3779B97F4A7C15u) >> 20) & (r->day_cap - 1);
    while (r->day_key[h] != INT64_MIN && r->day_key[h] != day)
        h = (h + 1) & (r->day_cap - 1);
    return h;
}

/* Count one row on its day. The table grows with distinct days (at most
 * 3.65 million in years 1 .. 9999), never with rows; consecutive rows of one
 * day, the usual layout of a log, reuse the previous slot. */
static inline int count_day(seg_rfm *r, int64_t day)
{
    if (r->day_cap && r->day_key[r->day_slot] == day) {
        r->day_rows[r->day_slot]++;
        return 0;
    }
    if (2 * (r->day_used + 1) > r->day_cap) {
        size_t cap = r->day_cap ? 2 * r->day_cap : 256, old = r->day_cap;
        int64_t *k = seg_malloc_array(cap, sizeof *k), *v = seg_malloc_array(cap, sizeof *v);
        int64_t *ok = r->day_key, *ov = r->day_rows;
        if (!k || !v) {
            seg_free(k);
            seg_free(v);
            return SEG_NOMEM();
        }
        for (size_t i = 0; i < cap; i++)
            k[i] = INT64_MIN;
        r->day_key = k;
        r->day_rows = v;
        r->day_cap = cap;
        for (size_t i = 0; i < old; i++)
            if (ok[i] != INT64_MIN) {
                size_t h = day_find(r, ok[i]);
                k[h] = ok[i];
                v[h] = ov[i];
            }
        seg_free(ok);
        seg_free(ov);
    }
    size_t h = day_find(r, day);
    if (r->day_key[h] == INT64_MIN) {
        r->day_key[h] = day;
        r->day_rows[h] = 0;
        r->day_used++;
    }
    r->day_rows[h]++;
    r->day_slot = h;
    return 0;
}

/* Keep the RFM_LATE latest rows (the first one of equal days). */
void seg_rfm_keep_late(seg_rfm *r, int64_t day, const char *file, size_t line, const char *cust,
                      size_t clen)
{
    size_t at = r->n_late;
    while (at > 0 && day > r->late[at - 1].day)
        at--;
    if (at == RFM_LATE)
        return;
    if (r->n_late < RFM_LATE)
        r->n_late++;
    memmove(&r->late[at + 1], &r->late[at], (r->n_late - 1 - at) * sizeof r->late[0]);
    rfm_late *l = &r->late[at];
    l->day = day;
    l->line = line;
    if (file)
        snprintf(l->where, sizeof l->where, "%.70s line %zu", file, line);
    else
        snprintf(l->where, sizeof l->where, "row %zu", line);
    snprintf(l->customer, sizeof l->customer, "%.*s", (int)(clen > 40 ? 40 : clen), cust);
}

/* A part's reader (rfm_parts.c) logs every change of a monetary sum, so
 * that the merge redoes them in row order: the same sums, to the bit, as
 * one reader's. */
static int rfm_log_money(seg_rfm *r, size_t ci, double v)
{
    if (r->n_log == r->log_cap) {
        size_t cap = r->log_cap ? 2 * r->log_cap : 4096;
        struct rfm_money *l = seg_realloc(r->log, cap * sizeof *l);
        if (!l)
            return SEG_NOMEM();
        r->log = l;
        r->log_cap = cap;
    }
    r->log[r->n_log++] = (struct rfm_money){ci, v};
    return 0;
}

/*
 * The policy for one row whose customer id is non-empty and whose fields
 * parsed (rows without id are counted by the callers). invoice NULL: no
 * invoice column.
 */
static int add_row(seg_rfm *r, const char *cust, size_t clen, const char *inv, size_t ilen,
                   int64_t day, double amount, const char *file, size_t line)
{
    size_t ci;
    int rc;
    if (r->has_as_of && day > r->as_of) {
        r->count[SEG_RFM_AFTER_REFERENCE]++;
        return 0;
    }
    if ((rc = customer_index(r, cust, clen, &ci)) < 0 || (rc = count_day(r, day)) < 0)
        return rc;
    r->dated_rows++;
    if (r->n_late < RFM_LATE || day > r->late[RFM_LATE - 1].day)
        seg_rfm_keep_late(r, day, file, line, cust, clen);
    if (day > r->max_day)
        r->max_day = day;
    rfm_cust *c = &r->c[ci];
    if (amount <= 0 || (inv && ilen > 0 && inv[0] == 'C')) {
        r->count[SEG_RFM_RETURNS_COUNT]++;
        if (r->returns == SEG_RETURNS_SUBTRACT) {
            c->monetary -= fabs(amount);
            if (r->logging && (rc = rfm_log_money(r, ci, -fabs(amount))) < 0)
                return rc;
        }
        return 0;
    }
    r->count[SEG_RFM_PURCHASES]++;
    c->monetary += amount;
    if (r->logging && (rc = rfm_log_money(r, ci, amount)) < 0)
        return rc;
    if (day > c->last_day)
        c->last_day = day;
    if (!inv) {
        c->frequency++;
        return 0;
    }
    return count_invoice(r, ci, inv, ilen);
}

static int check_open(seg_rfm *r)
{
    if (r->finished)
        return seg_fail(SEG_ERR_STATE, "rfm: already finished; no row can be added");
    r->started = true;
    return 0;
}

int seg_rfm_add(seg_rfm *r, const char *customer, const char *invoice, const char *date,
                double amount)
{
    int64_t day;
    int rc;
    if (!r || !date)
        return seg_fail(SEG_ERR_INVALID_ARG, "rfm add: NULL object or date");
    if ((rc = check_open(r)) < 0)
        return rc;
    if (r->invoice_mode >= 0 && r->invoice_mode != (invoice != NULL))
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "rfm add: an invoice is given on some rows and not on others");
    if (!customer || !*customer) {
        r->count[SEG_RFM_ROWS]++;
        r->count[SEG_RFM_NO_CUSTOMER]++;
        return 0;
    }
    if (!parse_day(r, date, strlen(date), &day))
        return seg_fail(SEG_ERR_PARSE, "rfm add: '%.40s' is not a date", date);
    if (!isfinite(amount))
        return seg_fail(SEG_ERR_NONFINITE, "rfm add: the amount is not finite");
    r->invoice_mode = invoice != NULL;
    r->count[SEG_RFM_ROWS]++;
    return add_row(r, customer, strlen(customer), invoice, invoice ? strlen(invoice) : 0, day,
                   amount, NULL, (size_t)r->count[SEG_RFM_ROWS]);
}

/* ---- CSV input ------------------------------------------------------------ */


static const char *header_name_at(const void *names, size_t j)
{
    return ((char *const *)names)[j];
}

/* SEG_ERR_NOT_FOUND for a column option naming no field of the header, with
 * the closest names of the header (or that the delimiter looks wrong). */
static int no_column(const rfm_csv *x, const char *name)
{
    const size_t n = x->s.n_field;
    char hint[320] = "";
    char **names = seg_calloc(n ? n : 1, sizeof *names);
    size_t j = 0;
    for (; names && j < n; j++)
        if (!(names[j] = seg_strndup(x->s.field[j].p, x->s.field[j].len)))
            break;
    if (names && j == n) /* without memory the message goes without a hint */
        seg_name_hint(name, header_name_at, names, n, x->s.t.delim, hint, sizeof hint);
    for (size_t i = 0; names && i < j; i++)
        seg_free(names[i]);
    seg_free(names);
    return seg_fail(SEG_ERR_NOT_FOUND, "%s:%zu: no column '%.100s' in the header%s", x->s.name,
                    x->s.record_line, name, hint);
}

static int find_columns(seg_rfm *r, rfm_csv *x)
{
    int rc = seg_csv_stream_next(&x->s);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return seg_fail(SEG_ERR_EMPTY, "%s: no header row", x->s.name);
    x->n_fields = x->s.n_field;
    x->s.max_fields = x->n_fields; /* data rows: hold that many, count the rest */
    x->s.refuse_wider = false;
    for (size_t k = 0; k < 6; k++) {
        x->col[k] = SIZE_MAX;
        if (!r->column[k])
            continue;
        for (size_t j = 0; j < x->s.n_field; j++)
            if (x->s.field[j].len == strlen(r->column[k]) &&
                memcmp(x->s.field[j].p, r->column[k], x->s.field[j].len) == 0) {
                x->col[k] = j;
                break;
            }
        if (x->col[k] == SIZE_MAX)
            return no_column(x, r->column[k]);
    }
    return 0;
}

/* A bad row: an error naming the line, or a counted skip. */
static int bad_row(seg_rfm *r, const rfm_csv *x, const char *what, const csv_span *f)
{
    if (r->skip_bad) {
        r->count[SEG_RFM_BAD_ROWS]++;
        return 0;
    }
    if (!f)
        return seg_fail(SEG_ERR_PARSE, "%s:%zu: %s", x->s.name, x->s.record_line, what);
    /* f is one of the record's fields: FILE:LINE:FIELD as the readers write it. */
    return seg_fail(SEG_ERR_PARSE, "%s:%zu:%zu: %s '%.*s'", x->s.name, x->s.record_line,
                    (size_t)(f - x->s.field) + 1, what, (int)(f->len > 40 ? 40 : f->len), f->p);
}

static int number(rfm_csv *x, size_t k, double *v, const csv_span **bad)
{
    const csv_span *f = &x->s.field[x->col[k]];
    int rc = seg_parse_number(&x->num, f->p, f->len, v);
    if (rc == 0)
        *bad = f;
    return rc;
}

/* High bit of each byte of w that is not an ASCII digit: a byte b below
 * 0x80 is a digit when b + 0x46 and b - 0x30 both stay below 0x80; the
 * masks keep every byte's arithmetic within its byte. */
static inline uint64_t non_digits(uint64_t w)
{
    const uint64_t low7 = 0x7F7F7F7F7F7F7F7Fu, high = 0x8080808080808080u;
    return (((w & low7) + 0x4646464646464646u) | ~((w | high) - 0x3030303030303030u) | w) & high;
}

/* Text of the exact form "YYYY-MM-DD HH:MM:SS" (or a 'T' between), 19 bytes:
 * for it, seg_date_parse_auto() reads the day from the first 10 bytes and
 * accepts the text when that date is valid and the clock is at most
 * 23:59:60. Checked eight bytes at a time, the separators set to '0'
 * before the digit test (this runs on every row of a log). */
static bool iso_shape(const char *p)
{
    if (p[4] != '-' || p[7] != '-' || (p[10] != ' ' && p[10] != 'T') || p[13] != ':' ||
        p[16] != ':')
        return false;
    uint64_t a, b, c = 0;
    memcpy(&a, p, 8);
    memcpy(&b, p + 8, 8);
    memcpy(&c, p + 16, 3);
    /* little or big endian: set the separators through the bytes */
    char *ab = (char *)&a, *bb = (char *)&b, *cb = (char *)&c;
    ab[4] = ab[7] = bb[2] = bb[5] = cb[0] = '0';
    for (size_t i = 3; i < 8; i++)
        cb[i] = '0';
    return (non_digits(a) | non_digits(b) | non_digits(c)) == 0;
}

static bool iso_clock_ok(const char *p)
{
    const int h = (p[11] - '0') * 10 + (p[12] - '0'), m = (p[14] - '0') * 10 + (p[15] - '0'),
              s = (p[17] - '0') * 10 + (p[18] - '0');
    return h <= 23 && m <= 59 && s <= 60;
}

/* Date of a row, through the one-entry cache of the previous row's text,
 * and for timestamps of the ISO form above (without a date format) through a
 * table of the dates already parsed: rows of a day seen before, at any
 * time, skip the parser, with the same verdict. */
static bool row_day(seg_rfm *r, const csv_span *f, int64_t *day)
{
    const bool iso = !r->date_format && f->len == 19 && iso_shape(f->p);
    struct rfm_iso *e = NULL;
    if (iso) {
        const char *p = f->p;
        const int m = (p[5] - '0') * 10 + (p[6] - '0'), d = (p[8] - '0') * 10 + (p[9] - '0');
        e = &r->iso[(size_t)(m * 31 + d + (p[3] - '0') * 373) & 511];
        if (e->valid && memcmp(p, e->date, 10) == 0) {
            if (!iso_clock_ok(p))
                return false;
            *day = e->day;
            return true;
        }
    }
    if (f->len == r->date_len && f->len <= sizeof r->date_text &&
        same_text(f->p, r->date_text, f->len)) {
        *day = r->date_day;
        return true;
    }
    if (!parse_day(r, f->p, f->len, day))
        return false;
    if (e) {
        memcpy(e->date, f->p, 10);
        e->valid = true;
        e->day = *day;
    }
    if (f->len <= sizeof r->date_text) {
        memcpy(r->date_text, f->p, f->len);
        r->date_len = f->len;
        r->date_day = *day;
    }
    return true;
}

int seg_rfm_one_record(seg_rfm *r, rfm_csv *x)
{
    const csv_span *fd = x->s.field;
    const csv_span *bad = NULL;
    double amount, price;
    int64_t day;
    int rc;
    r->count[SEG_RFM_ROWS]++;
    if (x->s.width != x->n_fields) {
        char what[96];
        snprintf(what, sizeof what, "found %zu fields, expected %zu as in the header", x->s.width,
                 x->n_fields);
        return bad_row(r, x, what, NULL);
    }
    const csv_span *cust = &fd[x->col[COL_CUSTOMER]];
    if (cust->len == 0) {
        r->count[SEG_RFM_NO_CUSTOMER]++;
        return 0;
    }
    if (!row_day(r, &fd[x->col[COL_DATE]], &day))
        return bad_row(r, x,
                       "found a date that is not in the expected forms:", &fd[x->col[COL_DATE]]);
    if (x->col[COL_AMOUNT] != SIZE_MAX) {
        if ((rc = number(x, COL_AMOUNT, &amount, &bad)) <= 0)
            return rc < 0 ? rc : bad_row(r, x, "found an amount that is not a number:", bad);
    } else {
        if ((rc = number(x, COL_QUANTITY, &amount, &bad)) <= 0 ||
            (rc = number(x, COL_PRICE, &price, &bad)) <= 0)
            return rc < 0 ? rc
                          : bad_row(r, x, "found a quantity or price that is not a number:", bad);
        amount *= price;
    }
    if (!isfinite(amount))
        return bad_row(r, x, "found an amount that overflows", NULL);
    const csv_span *inv = x->col[COL_INVOICE] != SIZE_MAX ? &fd[x->col[COL_INVOICE]] : NULL;
    return add_row(r, cust->p, cust->len, inv ? inv->p : NULL, inv ? inv->len : 0, day, amount,
                   x->s.name, x->s.record_line);
}

int seg_rfm_read_csv(seg_rfm *r, const char *path)
{
    rfm_csv x;
    int rc;
    if (!r || !path)
        return seg_fail(SEG_ERR_INVALID_ARG, "rfm read: NULL argument");
    if (!r->column[COL_CUSTOMER] || !r->column[COL_DATE])
        return seg_fail(SEG_ERR_INVALID_ARG, "rfm read: the customer and date columns must be set");
    if (!r->column[COL_AMOUNT] && !(r->column[COL_QUANTITY] && r->column[COL_PRICE]))
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "rfm read: set an amount column, or both quantity and price columns");
    if (r->invoice_mode >= 0 && r->invoice_mode != (r->column[COL_INVOICE] != NULL))
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "rfm read: an invoice is given on some rows and not on others");
    if ((rc = check_open(r)) < 0)
        return rc;
    memset(&x, 0, sizeof x);
    if ((rc = seg_csv_stream_open(&x.s, path, (unsigned char)r->delimiter,
                                  SEG_CSV_MAX_FIELD_DEFAULT)) < 0 ||
        (rc = find_columns(r, &x)) < 0)
        goto done;
    /* An amount column wins over quantity x price when both are set. */
    if (x.col[COL_AMOUNT] != SIZE_MAX)
        x.col[COL_QUANTITY] = x.col[COL_PRICE] = SIZE_MAX;
    r->invoice_mode = x.col[COL_INVOICE] != SIZE_MAX;
    if ((rc = seg_rfm_read_parts(r, &x)) != 0) /* 0: read it here, one record at a time */
        goto done;
    while ((rc = seg_csv_stream_next(&x.s)) == 1)
        if ((rc = seg_rfm_one_record(r, &x)) < 0)
            break;
done:
    seg_csv_stream_close(&x.s);
    seg_number_parser_free(&x.num);
    return rc < 0 ? rc : 0;
}

/* ---- result ------------------------------------------------------------------ */

int seg_rfm_finish(seg_rfm *r)
{
    if (!r)
        return seg_fail(SEG_ERR_INVALID_ARG, "rfm finish: NULL object");
    if (r->finished)
        return seg_fail(SEG_ERR_STATE, "rfm: already finished");
    size_t nc = seg_strtab_size(&r->cust), n = 0;
    for (size_t i = 0; i < nc; i++)
        n += r->c[i].last_day != INT64_MIN;
    if (n == 0)
        return seg_fail(SEG_ERR_EMPTY, "rfm: no customer with a purchase among %lld rows",
                        (long long)r->count[SEG_RFM_ROWS]);
    r->ref_day = r->has_as_of ? r->as_of : r->max_day + 1;
    r->who = seg_malloc_array(n, sizeof *r->who);
    r->rec = seg_malloc_array(n, sizeof *r->rec);
    if (!r->who || !r->rec)
        return SEG_NOMEM();
    n = 0;
    for (size_t i = 0; i < nc; i++) {
        if (r->c[i].last_day == INT64_MIN)
            continue;
        r->who[n] = i;
        r->rec[n++] = r->ref_day - r->c[i].last_day;
    }
    r->n = n;
    r->count[SEG_RFM_CUSTOMERS] = (int64_t)n;
    r->count[SEG_RFM_RETURN_ONLY_CUSTOMERS] = (int64_t)(nc - n);
    int rc = seg_rfm_score(r);
    if (rc < 0 || (rc = seg_rfm_check(r)) < 0)
        return rc;
    r->finished = true;
    return 0;
}

int64_t seg_rfm_count(const seg_rfm *r, seg_rfm_counter what)
{
    if (!r || (unsigned)what >= RFM_N_COUNTERS)
        return 0;
    return r->count[what];
}

int seg_rfm_reference_date(const seg_rfm *r, char *buf, size_t len)
{
    if (!r || !buf || len < 11)
        return seg_fail(SEG_ERR_INVALID_ARG, "rfm reference date: NULL argument or len < 11");
    if (!r->finished)
        return seg_fail(SEG_ERR_STATE, "rfm: not finished");
    char tmp[32];
    seg_date_format_iso(r->ref_day, tmp, sizeof tmp);
    snprintf(buf, len, "%s", tmp);
    return 0;
}

size_t seg_rfm_customers(const seg_rfm *r)
{
    return r && r->finished ? r->n : 0;
}

const char *seg_rfm_customer(const seg_rfm *r, size_t i)
{
    if (!r || !r->finished || i >= r->n)
        return NULL;
    return seg_strtab_str(&r->cust, r->who[i]);
}

int seg_rfm_get(const seg_rfm *r, size_t i, int64_t *recency, int64_t *frequency, double *monetary,
                int32_t *scores, size_t *segment)
{
    if (!r)
        return seg_fail(SEG_ERR_INVALID_ARG, "rfm get: NULL object");
    if (!r->finished)
        return seg_fail(SEG_ERR_STATE, "rfm: not finished");
    if (i >= r->n)
        return seg_fail(SEG_ERR_INVALID_ARG, "rfm get: customer %zu of %zu", i, r->n);
    const rfm_cust *c = &r->c[r->who[i]];
    if (recency)
        *recency = r->rec[i];
    if (frequency)
        *frequency = c->frequency;
    if (monetary)
        *monetary = c->monetary;
    if (scores)
        memcpy(scores, r->score + 3 * i, 3 * sizeof *scores);
    if (segment)
        *segment = r->seg[i];
    return 0;
}

size_t seg_rfm_segments(const seg_rfm *r)
{
    return r && r->finished ? r->n_names : 0;
}

const char *seg_rfm_segment_name(const seg_rfm *r, size_t s)
{
    if (!r || !r->finished || s >= r->n_names)
        return NULL;
    return r->names[s];
}

int seg_rfm_thresholds(const seg_rfm *r, seg_rfm_dim dim, double *out, size_t len, size_t *levels)
{
    if (!r || !out || !levels || (unsigned)dim > 2)
        return seg_fail(SEG_ERR_INVALID_ARG, "rfm thresholds: NULL argument or bad dimension");
    if (!r->finished)
        return seg_fail(SEG_ERR_STATE, "rfm: not finished");
    *levels = r->levels[dim];
    if (len < r->levels[dim] - 1)
        return seg_fail(SEG_ERR_MISMATCH, "rfm thresholds: %zu values, need %zu", len,
                        r->levels[dim] - 1);
    memcpy(out, r->thr[dim], (r->levels[dim] - 1) * sizeof *out);
    return 0;
}

int seg_rfm_cuts_used(const seg_rfm *r, seg_rfm_dim dim, seg_rfm_cuts *used)
{
    if (!r || !used || (unsigned)dim > 2)
        return seg_fail(SEG_ERR_INVALID_ARG, "rfm cuts used: NULL argument or bad dimension");
    if (!r->finished)
        return seg_fail(SEG_ERR_STATE, "rfm: not finished");
    *used = (seg_rfm_cuts)r->cuts_used[dim];
    return 0;
}

size_t seg_rfm_warnings(const seg_rfm *r)
{
    return r && r->finished ? r->n_warnings : 0;
}

const char *seg_rfm_warning(const seg_rfm *r, size_t i, seg_rfm_warning_code *code)
{
    if (!r || !r->finished || i >= r->n_warnings)
        return NULL;
    if (code)
        *code = (seg_rfm_warning_code)r->warning_code[i];
    return r->warning[i];
}

int seg_rfm_customer_index(seg_rfm *r, const char *p, size_t len, size_t *idx)
{
    return customer_index(r, p, len, idx);
}

int seg_rfm_count_invoice_number(seg_rfm *r, size_t ci, uint64_t num)
{
    return count_invoice_number(r, ci, num);
}

int seg_rfm_count_day(seg_rfm *r, int64_t day)
{
    return count_day(r, day);
}

int seg_rfm_count_invoice(seg_rfm *r, size_t ci, const char *p, size_t len)
{
    return count_invoice(r, ci, p, len);
}
