/*
 * RFM: values, scores, thresholds and segments on the committed fixture
 * tests/data/rfm_log.csv (returns, a cancellation, a zero-priced line, a row
 * without customer id, a return-only customer, ties in F and M, seven date
 * spellings), all computed by hand below; the date parser against day numbers
 * from Python's datetime; the chunked CSV reader; the error paths.
 */
#include <seg.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "analyse/rfm.h"
#include "data/csv_stream.h"
#include "data/date.h"
#include "testutil.h"

#define FIXTURE SEG_TEST_DATA "/rfm_log.csv"
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static seg_rfm *fixture(int returns, bool invoice)
{
    seg_rfm *r = NULL;
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "CustomerID"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "InvoiceDate"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_QUANTITY_COLUMN, "Quantity"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_PRICE_COLUMN, "UnitPrice"), SEG_OK);
    if (invoice)
        assert_int_equal(seg_rfm_set_string(r, SEG_RFM_INVOICE_COLUMN, "InvoiceNo"), SEG_OK);
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_RETURNS, returns), SEG_OK);
    /* The by-hand rank scores below; the default (auto) is in test_frequency_cuts. */
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_FREQUENCY_CUTS, SEG_RFM_CUTS_QUANTILE), SEG_OK);
    assert_int_equal(seg_rfm_read_csv(r, FIXTURE), SEG_OK);
    assert_int_equal(seg_rfm_finish(r), SEG_OK);
    return r;
}

/* Customer row of an id in the result. */
static size_t find(const seg_rfm *r, const char *id)
{
    for (size_t i = 0; i < seg_rfm_customers(r); i++)
        if (strcmp(seg_rfm_customer(r, i), id) == 0)
            return i;
    fail_msg("customer %s not in the result", id);
    return 0;
}

typedef struct expect {
    const char *id;
    int64_t r, f;
    double m;
    int32_t s[3];
    const char *segment;
} expect;

/*
 * By hand. Reference date: the latest date of a row with a customer id is
 * 2010-12-08 (customer 14000), so 2010-12-09. Last purchases: 17850 on 12-01
 * (its 12-02 cancellation does not count) -> R 8; 13047 on 12-05 (12-06 is a
 * return) -> 4; 12583 on 12-07 -> 2; 14000 on 12-08 -> 1. Invoices: 17850
 * {536365}, 13047 {536366, 536370}, 12583 {536369, 536372}, 14000 {536374}.
 * M: 17850 6x2.55 + 2x3 = 21.30; 13047 10 + 5 = 15; 12583 4x1.25 + 2x2.5 = 10;
 * 14000 10 (the 0-priced line is not a purchase).
 * Scores, 4 customers: 1 + floor(5 (rank - 1) / 4) = 1, 2, 3, 4 for ranks
 * 1..4. R ranks (oldest first) 17850, 13047, 12583, 14000 -> 1, 2, 3, 4.
 * F: 1, 1, 2, 2 -> ranks 1, 1, 3, 3 -> 1, 1, 3, 3. M: 10, 10 (rank 1), 15
 * (3), 21.3 (4) -> 1, 1, 3, 4.
 * Segments: 17850 (1,1,4) Lost; 13047 (2,3,3) At risk; 12583 (3,3,1) no rule
 * -> Other; 14000 (4,1,1) Promising.
 */
static const expect by_hand[] = {
    {"17850", 8, 1, 21.30, {1, 1, 4}, "Lost"},
    {"13047", 4, 2, 15.00, {2, 3, 3}, "At risk"},
    {"12583", 2, 2, 10.00, {3, 3, 1}, "Other"},
    {"14000", 1, 1, 10.00, {4, 1, 1}, "Promising"},
};

static void check_customers(const seg_rfm *r, const expect *e, size_t n)
{
    assert_int_equal(seg_rfm_customers(r), n);
    for (size_t k = 0; k < n; k++) {
        size_t i = find(r, e[k].id), seg;
        int64_t rec, freq;
        double mon;
        int32_t s[3];
        assert_int_equal(seg_rfm_get(r, i, &rec, &freq, &mon, s, &seg), SEG_OK);
        assert_int_equal(rec, e[k].r);
        assert_int_equal(freq, e[k].f);
        assert_near(mon, e[k].m, 1e-9);
        if (e[k].segment) {
            assert_memory_equal(s, e[k].s, sizeof s);
            assert_string_equal(seg_rfm_segment_name(r, seg), e[k].segment);
        }
    }
}

static void test_fixture_by_hand(void **state)
{
    (void)state;
    seg_rfm *r = fixture(SEG_RETURNS_EXCLUDE, true);
    char date[16];
    check_customers(r, by_hand, 4);
    assert_int_equal(seg_rfm_reference_date(r, date, sizeof date), SEG_OK);
    assert_string_equal(date, "2010-12-09");
    assert_int_equal(seg_rfm_count(r, SEG_RFM_ROWS), 12);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_NO_CUSTOMER), 1);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_BAD_ROWS), 0);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_RETURNS_COUNT), 4);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_PURCHASES), 7);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_CUSTOMERS), 4);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_RETURN_ONLY_CUSTOMERS), 1);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_INVOICES), 6);
    /* Customers in order of first row. */
    assert_string_equal(seg_rfm_customer(r, 0), "17850");
    assert_string_equal(seg_rfm_customer(r, 3), "14000");

    /* Thresholds: the first customer (in rank order) reaching each level. */
    double t[4];
    size_t levels;
    assert_int_equal(seg_rfm_thresholds(r, SEG_RFM_R, t, 4, &levels), SEG_OK);
    assert_int_equal(levels, 5);
    assert_near(t[0], 4, 0);
    assert_near(t[1], 2, 0);
    assert_near(t[2], 1, 0);
    assert_true(isnan(t[3]));
    assert_int_equal(seg_rfm_thresholds(r, SEG_RFM_F, t, 4, &levels), SEG_OK);
    assert_near(t[0], 2, 0); /* ties skip level 2: it opens with level 3 */
    assert_near(t[1], 2, 0);
    assert_true(isnan(t[2]) && isnan(t[3]));
    assert_int_equal(seg_rfm_thresholds(r, SEG_RFM_M, t, 4, &levels), SEG_OK);
    assert_near(t[0], 15, 1e-12);
    assert_near(t[1], 15, 1e-12);
    assert_near(t[2], 21.3, 1e-12);
    assert_true(isnan(t[3]));
    assert_int_equal(seg_rfm_thresholds(r, SEG_RFM_M, t, 3, &levels), SEG_ERR_MISMATCH);

    /* Segment names: the default table then Other. */
    assert_int_equal(seg_rfm_segments(r), 12);
    assert_string_equal(seg_rfm_segment_name(r, 0), "Champions");
    assert_string_equal(seg_rfm_segment_name(r, 11), "Other");
    assert_null(seg_rfm_segment_name(r, 12));
    seg_rfm_free(r);
}

/* --returns subtract: 17850 21.30 - 2x2.55 = 16.20; 13047 15 - 3 = 12;
 * 14000 10 - 0 = 10. Without an invoice column F counts purchase rows:
 * 17850 2, 13047 2, 12583 2, 14000 1. */
static void test_subtract_and_rows(void **state)
{
    (void)state;
    seg_rfm *r = fixture(SEG_RETURNS_SUBTRACT, false);
    const expect e[] = {
        {"17850", 8, 2, 16.20, {0}, NULL},
        {"13047", 4, 2, 12.00, {0}, NULL},
        {"12583", 2, 2, 10.00, {0}, NULL},
        {"14000", 1, 1, 10.00, {0}, NULL},
    };
    check_customers(r, e, 4);
    /* Without invoices, the 'C' prefix is unknown: the cancellation is a
     * return only through its negative amount, which it has. */
    assert_int_equal(seg_rfm_count(r, SEG_RFM_RETURNS_COUNT), 4);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_INVOICES), 0);
    seg_rfm_free(r);
}

/* as-of before the end: rows after it are left out; recency counts to it. */
static void test_as_of_and_cuts(void **state)
{
    (void)state;
    seg_rfm *r = NULL;
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AS_OF, "12/6/2010"), SEG_OK);
    const double rc[] = {2, 5}, fc[] = {2};
    assert_int_equal(seg_rfm_set_cuts(r, SEG_RFM_R, rc, 2), SEG_OK);
    assert_int_equal(seg_rfm_set_cuts(r, SEG_RFM_F, fc, 1), SEG_OK);
    assert_int_equal(seg_rfm_add(r, "a", NULL, "2010-12-01", 5.0), SEG_OK);
    assert_int_equal(seg_rfm_add(r, "a", NULL, "2010-12-05 23:59", 5.0), SEG_OK);
    assert_int_equal(seg_rfm_add(r, "b", NULL, "2010-12-06", 1.0), SEG_OK);
    assert_int_equal(seg_rfm_add(r, "b", NULL, "2010-12-07", 1.0), SEG_OK);
    assert_int_equal(seg_rfm_add(r, "c", NULL, "2010-11-01", 1.0), SEG_OK);
    assert_int_equal(seg_rfm_add(r, "", NULL, "2010-11-01", 1.0), SEG_OK);
    assert_int_equal(seg_rfm_finish(r), SEG_OK);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_AFTER_REFERENCE), 1);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_NO_CUSTOMER), 1);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_ROWS), 6);
    /* a: R = 1 -> cuts 2 and 5 both >= 1 -> 3; F = 2 >= 2 -> 2.
     * b: R = 0 -> 3; F = 1 -> 1. c: R = 35 -> 1; F 1 -> 1. */
    const expect e[] = {
        {"a", 1, 2, 10.0, {3, 2, 0}, NULL},
        {"b", 0, 1, 1.0, {3, 1, 0}, NULL},
        {"c", 35, 1, 1.0, {1, 1, 0}, NULL},
    };
    check_customers(r, e, 3);
    for (size_t k = 0; k < 3; k++) {
        int32_t s[3];
        assert_int_equal(seg_rfm_get(r, find(r, e[k].id), NULL, NULL, NULL, s, NULL), SEG_OK);
        assert_int_equal(s[0], e[k].s[0]);
        assert_int_equal(s[1], e[k].s[1]);
    }
    double t[4];
    size_t levels;
    assert_int_equal(seg_rfm_thresholds(r, SEG_RFM_R, t, 4, &levels), SEG_OK);
    assert_int_equal(levels, 3);
    assert_near(t[0], 5, 0); /* recency <= 5 scores 2 or more */
    assert_near(t[1], 2, 0);
    /* R has 3 levels: the default table does not apply, everyone is Other. */
    assert_int_equal(seg_rfm_segments(r), 1);
    assert_string_equal(seg_rfm_segment_name(r, 0), "Other");
    assert_int_equal(seg_rfm_add(r, "d", NULL, "2010-12-01", 1.0), SEG_ERR_STATE);
    seg_rfm_free(r);
}

/* The rank formula on many ties, against a direct count. */
static void test_rank_formula(void **state)
{
    (void)state;
    seg_rfm *r = NULL;
    uint64_t seed = 3;
    const size_t n = 97;
    double m[97];
    char id[16];
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_BINS, 7), SEG_OK);
    for (size_t i = 0; i < n; i++) {
        m[i] = (double)(1 + tu_next(&seed) % 10);
        snprintf(id, sizeof id, "c%zu", i);
        assert_int_equal(seg_rfm_add(r, id, NULL, "2011-01-01", m[i]), SEG_OK);
    }
    assert_int_equal(seg_rfm_finish(r), SEG_OK);
    for (size_t i = 0; i < n; i++) {
        size_t below = 0;
        for (size_t j = 0; j < n; j++)
            below += m[j] < m[i];
        int32_t s[3];
        snprintf(id, sizeof id, "c%zu", i);
        assert_int_equal(seg_rfm_get(r, find(r, id), NULL, NULL, NULL, s, NULL), SEG_OK);
        assert_int_equal(s[2], 1 + (int32_t)(7 * below / n));
        assert_int_equal(s[0], 1); /* one date: every customer ties at rank 1 */
    }
    seg_rfm_free(r);
}

static void test_rules(void **state)
{
    (void)state;
    seg_rfm *r = NULL;
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_rules(r, "Big,*,2,x\n"), SEG_ERR_PARSE);
    assert_non_null(strstr(seg_last_error(), "line 1"));
    assert_int_equal(seg_rfm_set_rules(r, "# c\n\nBig,*,*\n"), SEG_ERR_PARSE);
    assert_int_equal(seg_rfm_set_rules(r, "# only\n"), SEG_ERR_EMPTY);
    assert_int_equal(seg_rfm_set_rules(r, "Big,*,*,5-4\n"), SEG_ERR_PARSE);
    assert_int_equal(seg_rfm_set_rules(r, "# mine\nBig, * , * , 2-5\r\nSmall,*,*,1\nBig,1,1,1\n"),
                     SEG_OK);
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_BINS, 2), SEG_OK);
    assert_int_equal(seg_rfm_add(r, "a", NULL, "2011-01-01", 1.0), SEG_OK);
    assert_int_equal(seg_rfm_add(r, "b", NULL, "2011-01-01", 9.0), SEG_OK);
    assert_int_equal(seg_rfm_finish(r), SEG_OK);
    assert_int_equal(seg_rfm_segments(r), 3);
    size_t seg;
    assert_int_equal(seg_rfm_get(r, find(r, "a"), NULL, NULL, NULL, NULL, &seg), SEG_OK);
    assert_string_equal(seg_rfm_segment_name(r, seg), "Small");
    assert_int_equal(seg_rfm_get(r, find(r, "b"), NULL, NULL, NULL, NULL, &seg), SEG_OK);
    assert_string_equal(seg_rfm_segment_name(r, seg), "Big");
    assert_string_equal(seg_rfm_segment_name(r, 2), "Other");
    seg_rfm_free(r);
}

static void test_dates(void **state)
{
    (void)state;
    /* Day numbers from Python's datetime.date.toordinal() - 719163. */
    assert_int_equal(seg_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(seg_days_from_civil(2010, 12, 1), 14944);
    assert_int_equal(seg_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(seg_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(seg_days_from_civil(1900, 2, 28), -25509);
    assert_int_equal(seg_days_from_civil(2400, 2, 29), 157113);
    for (int64_t z = -200000; z < 200000; z += 37) {
        int64_t y;
        int m, d;
        seg_civil_from_days(z, &y, &m, &d);
        assert_int_equal(seg_days_from_civil(y, m, d), z);
    }
    const struct {
        const char *text;
        int64_t day; /* -99999: refused */
    } auto_cases[] = {
        {"2010-12-01", 14944},
        {"2010-12-01 08:26", 14944},
        {"2010-12-01 08:26:00", 14944},
        {"2010-12-01T08:26:00", 14944},
        {"2010-12-01T08:26:00.250Z", 14944},
        {"12/1/10 8:26", 14944},
        {"12/01/2010", 14944},
        {"12/1/2010 8:26 PM", 14944},
        {"3/1/00", 11017},
        {"12/31/69", -1},
        {"2010-02-29", -99999},
        {"2000-02-29", 11016},
        {"13/01/2010", -99999},
        {"2010-12-01 24:00", -99999},
        {"2010-12-01 08:26 ", -99999},
        {"2010/12/01", -99999},
        {"12/1/201", -99999},
        {"", -99999},
    };
    for (size_t i = 0; i < sizeof auto_cases / sizeof auto_cases[0]; i++) {
        int64_t day = 0;
        bool ok = seg_date_parse_auto(auto_cases[i].text, strlen(auto_cases[i].text), &day);
        if (auto_cases[i].day == -99999) {
            if (ok)
                fail_msg("'%s' accepted", auto_cases[i].text);
        } else {
            if (!ok || day != auto_cases[i].day)
                fail_msg("'%s' -> %d %lld", auto_cases[i].text, ok, (long long)day);
        }
    }
    int64_t day;
    assert_null(seg_date_format_check("%d.%m.%Y %H:%M"));
    assert_true(seg_date_parse_format("01.12.2010 08:26", 16, "%d.%m.%Y %H:%M", &day));
    assert_int_equal(day, 14944);
    assert_true(seg_date_parse_format("1 Dec 2010", 10, "%d %b %Y", &day));
    assert_int_equal(day, 14944);
    assert_true(seg_date_parse_format("December 1, 2010", 16, "%B %d, %Y", &day));
    assert_int_equal(day, 14944);
    assert_true(seg_date_parse_format("2010-335", 8, "%Y-%j", &day));
    assert_int_equal(day, 14944);
    assert_false(seg_date_parse_format("2010-367", 8, "%Y-%j", &day));
    assert_false(seg_date_parse_format("31.11.2010", 10, "%d.%m.%Y", &day));
    assert_false(seg_date_parse_format("01.12.2010x", 11, "%d.%m.%Y", &day));
    assert_non_null(strstr(seg_date_format_check("%d.%m"), "no year"));
    assert_non_null(strstr(seg_date_format_check("%Y %Q"), "other than"));
    assert_non_null(strstr(seg_date_format_check("%Y %"), "lone"));
    char buf[16];
    seg_date_format_iso(14944, buf, sizeof buf);
    assert_string_equal(buf, "2010-12-01");
}

/* The chunked reader on records that straddle its 1 MiB chunks. */
static void test_stream_chunks(void **state)
{
    (void)state;
    char path[] = "/tmp/seg_rfm_streamXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    const size_t rows = 60000;
    fprintf(f, "a;b;c\r\n");
    for (size_t i = 0; i < rows; i++)
        fprintf(f, "%zu; \"x\"\"%zu\nline\" ;\"\"\r\n\n", i, i);
    fprintf(f, "end;;\"last\"");
    fclose(f);
    csv_stream s;
    assert_int_equal(seg_csv_stream_open(&s, path, 0, SEG_CSV_MAX_FIELD_DEFAULT), SEG_OK);
    assert_int_equal(s.t.delim, ';');
    assert_int_equal(seg_csv_stream_next(&s), 1);
    assert_int_equal(s.n_field, 3);
    char want[64];
    for (size_t i = 0; i < rows; i++) {
        assert_int_equal(seg_csv_stream_next(&s), 1);
        assert_int_equal(s.n_field, 3);
        assert_int_equal(s.record_line, 2 + 3 * i);
        int n = snprintf(want, sizeof want, "%zu", i);
        assert_int_equal(s.field[0].len, (size_t)n);
        assert_memory_equal(s.field[0].p, want, (size_t)n);
        n = snprintf(want, sizeof want, "x\"%zu\nline", i);
        assert_int_equal(s.field[1].len, (size_t)n);
        assert_memory_equal(s.field[1].p, want, (size_t)n);
        assert_int_equal(s.field[2].len, 0);
    }
    assert_int_equal(seg_csv_stream_next(&s), 1);
    assert_int_equal(s.field[1].len, 0);
    assert_int_equal(s.field[2].len, 4);
    assert_int_equal(seg_csv_stream_next(&s), 0);
    seg_csv_stream_close(&s);

    f = fopen(path, "w");
    fprintf(f, "a,b\n1,\"open\n");
    fclose(f);
    assert_int_equal(seg_csv_stream_open(&s, path, ',', SEG_CSV_MAX_FIELD_DEFAULT), SEG_OK);
    assert_int_equal(seg_csv_stream_next(&s), 1);
    assert_int_equal(seg_csv_stream_next(&s), SEG_ERR_PARSE);
    assert_non_null(strstr(seg_last_error(), ":2:2: found a quoted field that is never closed"));
    seg_csv_stream_close(&s);
    remove(path);
}

/* Frequencies of a log where most customers bought once: 12 customers once,
 * 3 twice, 2 three times, 2 five times, 1 eight times (N = 20). Rank scores
 * 1 + floor(5 (rank - 1) / 20): F 1 rank 1 -> 1; F 2 rank 13 -> 4; F 3 rank
 * 16 -> 4; F 5 rank 18 -> 5; F 8 rank 20 -> 5: levels 2 and 3 empty,
 * thresholds 2, 2, 2, 5. The fixed cuts 2, 3, 4, 6 give 1, 2, 3, 4, 5. */
static const int64_t once_freq[5] = {1, 2, 3, 5, 8};
static const size_t once_count[5] = {12, 3, 2, 2, 1};

static seg_rfm *once_buyers(int64_t mode, const double *user_cuts, size_t n_cuts)
{
    seg_rfm *r = NULL;
    char id[16];
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    if (mode >= 0)
        assert_int_equal(seg_rfm_set_int(r, SEG_RFM_FREQUENCY_CUTS, mode), SEG_OK);
    if (user_cuts)
        assert_int_equal(seg_rfm_set_cuts(r, SEG_RFM_F, user_cuts, n_cuts), SEG_OK);
    for (size_t g = 0, c = 0; g < 5; g++)
        for (size_t k = 0; k < once_count[g]; k++, c++) {
            snprintf(id, sizeof id, "f%lld_%zu", (long long)once_freq[g], c);
            for (int64_t j = 0; j < once_freq[g]; j++)
                assert_int_equal(seg_rfm_add(r, id, NULL, "2011-03-01", 10.0 + (double)c), SEG_OK);
        }
    assert_int_equal(seg_rfm_finish(r), SEG_OK);
    return r;
}

/* Customers per F score, and every customer's F score against want[group]. */
static void check_f_scores(const seg_rfm *r, const int32_t want[5])
{
    for (size_t i = 0; i < seg_rfm_customers(r); i++) {
        int64_t f;
        int32_t s[3];
        assert_int_equal(seg_rfm_get(r, i, NULL, &f, NULL, s, NULL), SEG_OK);
        size_t g = 0;
        while (once_freq[g] != f)
            g++;
        assert_int_equal(s[1], want[g]);
    }
}

static void check_f_thresholds(const seg_rfm *r, const double *want, size_t n)
{
    double t[8];
    size_t levels;
    assert_int_equal(seg_rfm_thresholds(r, SEG_RFM_F, t, 8, &levels), SEG_OK);
    assert_int_equal(levels, n + 1);
    for (size_t j = 0; j < n; j++)
        assert_near(t[j], want[j], 0);
}

static void test_frequency_cuts(void **state)
{
    (void)state;
    seg_rfm_cuts used;
    int64_t v;
    double lo, hi;
    assert_int_equal(seg_rfm_param_bounds(SEG_RFM_FREQUENCY_CUTS, &lo, &hi), SEG_OK);
    assert_near(lo, SEG_RFM_CUTS_AUTO, 0);
    assert_near(hi, SEG_RFM_CUTS_FIXED, 0);

    /* Default: auto, and the quantile cuts are degenerate -> fixed. */
    seg_rfm *r = once_buyers(-1, NULL, 0);
    assert_int_equal(seg_rfm_get_int(r, SEG_RFM_FREQUENCY_CUTS, &v), SEG_OK);
    assert_int_equal(v, SEG_RFM_CUTS_AUTO);
    assert_int_equal(seg_rfm_cuts_used(r, SEG_RFM_F, &used), SEG_OK);
    assert_int_equal(used, SEG_RFM_CUTS_FIXED);
    assert_int_equal(seg_rfm_cuts_used(r, SEG_RFM_M, &used), SEG_OK);
    assert_int_equal(used, SEG_RFM_CUTS_QUANTILE);
    assert_int_equal(seg_rfm_cuts_used(r, SEG_RFM_R, &used), SEG_OK);
    assert_int_equal(used, SEG_RFM_CUTS_QUANTILE);
    check_f_scores(r, (const int32_t[5]){1, 2, 3, 4, 5}); /* every level holds someone */
    check_f_thresholds(r, (const double[]){2, 3, 4, 6}, 4);
    assert_int_equal(seg_rfm_cuts_used(r, (seg_rfm_dim)3, &used), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_rfm_cuts_used(r, SEG_RFM_F, NULL), SEG_ERR_INVALID_ARG);
    seg_rfm_free(r);

    /* Forced quantile: the rank scores, levels 2 and 3 empty. */
    r = once_buyers(SEG_RFM_CUTS_QUANTILE, NULL, 0);
    assert_int_equal(seg_rfm_cuts_used(r, SEG_RFM_F, &used), SEG_OK);
    assert_int_equal(used, SEG_RFM_CUTS_QUANTILE);
    check_f_scores(r, (const int32_t[5]){1, 4, 4, 5, 5});
    check_f_thresholds(r, (const double[]){2, 2, 2, 5}, 4);
    seg_rfm_free(r);

    /* The user's cuts win over the setting. */
    r = once_buyers(SEG_RFM_CUTS_FIXED, (const double[]){3}, 1);
    assert_int_equal(seg_rfm_cuts_used(r, SEG_RFM_F, &used), SEG_OK);
    assert_int_equal(used, SEG_RFM_CUTS_USER);
    check_f_scores(r, (const int32_t[5]){1, 1, 2, 2, 2});
    seg_rfm_free(r);

    /* Auto keeps strictly increasing quantile cuts: F 1..5, one customer
     * each -> ranks 1..5 -> scores 1..5, thresholds 2, 3, 4, 5 (fixed would
     * give 6 as the last). Forced fixed with 7 bins: 2, 3, 4, 6, 10, 18. */
    for (int pass = 0; pass < 2; pass++) {
        char id[8];
        assert_int_equal(seg_rfm_new(&r), SEG_OK);
        if (pass == 1) {
            assert_int_equal(seg_rfm_set_int(r, SEG_RFM_FREQUENCY_CUTS, SEG_RFM_CUTS_FIXED),
                             SEG_OK);
            assert_int_equal(seg_rfm_set_int(r, SEG_RFM_BINS, 7), SEG_OK);
        }
        for (int c = 1; c <= 5; c++)
            for (int j = 0; j < c; j++) {
                snprintf(id, sizeof id, "c%d", c);
                assert_int_equal(seg_rfm_add(r, id, NULL, "2011-03-01", 1.0), SEG_OK);
            }
        assert_int_equal(seg_rfm_finish(r), SEG_OK);
        assert_int_equal(seg_rfm_cuts_used(r, SEG_RFM_F, &used), SEG_OK);
        assert_int_equal(used, pass ? SEG_RFM_CUTS_FIXED : SEG_RFM_CUTS_QUANTILE);
        if (pass)
            check_f_thresholds(r, (const double[]){2, 3, 4, 6, 10, 18}, 6);
        else
            check_f_thresholds(r, (const double[]){2, 3, 4, 5}, 4);
        seg_rfm_free(r);
    }

    /* The fixture under auto: F 1, 2, 2, 1 ties to thresholds 2, 2, none,
     * none -> fixed: 13047 (2, 2, 3) Hibernating, 12583 (3, 2, 1) About to
     * sleep (with rank scores: At risk and Other). */
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "CustomerID"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "InvoiceDate"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_QUANTITY_COLUMN, "Quantity"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_PRICE_COLUMN, "UnitPrice"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_INVOICE_COLUMN, "InvoiceNo"), SEG_OK);
    assert_int_equal(seg_rfm_read_csv(r, FIXTURE), SEG_OK);
    assert_int_equal(seg_rfm_finish(r), SEG_OK);
    const expect e[] = {
        {"17850", 8, 1, 21.30, {1, 1, 4}, "Lost"},
        {"13047", 4, 2, 15.00, {2, 2, 3}, "Hibernating"},
        {"12583", 2, 2, 10.00, {3, 2, 1}, "About to sleep"},
        {"14000", 1, 1, 10.00, {4, 1, 1}, "Promising"},
    };
    check_customers(r, e, 4);
    assert_int_equal(seg_rfm_warnings(r), 0);
    seg_rfm_free(r);

    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_FREQUENCY_CUTS, 3), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_rfm_cuts_used(r, SEG_RFM_F, &used), SEG_ERR_STATE);
    seg_rfm_free(r);
}

/* A log of `days` customers, one a day from 2011-01-01, then `far` rows of
 * customer z dated 9999-12-31 (rows days + 1 ..), with an optional as-of. */
static seg_rfm *dated_log(int days, int far, const char *as_of)
{
    seg_rfm *r = NULL;
    char id[16], date[32];
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    if (as_of)
        assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AS_OF, as_of), SEG_OK);
    const int64_t first = seg_days_from_civil(2011, 1, 1);
    for (int i = 0; i < days; i++) {
        snprintf(id, sizeof id, "c%d", i);
        seg_date_format_iso(first + i, date, sizeof date);
        assert_int_equal(seg_rfm_add(r, id, NULL, date, 5.0), SEG_OK);
    }
    for (int i = 0; i < far; i++)
        assert_int_equal(seg_rfm_add(r, "z", NULL, "9999-12-31", 5.0), SEG_OK);
    assert_int_equal(seg_rfm_finish(r), SEG_OK);
    return r;
}

static void test_far_reference(void **state)
{
    (void)state;
    seg_rfm_warning_code code = 0;
    /* 150 days (2011-01-01 .. 2011-05-30) and one 9999-12-31 row: n = 151,
     * rank min(ceil(149.49), 150) = 150 -> P = 2011-05-30; the reference
     * date 10000-01-01 is 2,917,773 days after it (Python's datetime). */
    seg_rfm *r = dated_log(150, 1, NULL);
    assert_int_equal(seg_rfm_warnings(r), 1);
    const char *w = seg_rfm_warning(r, 0, &code);
    assert_non_null(w);
    assert_int_equal(code, SEG_RFM_WARN_FAR_REFERENCE);
    assert_non_null(strstr(w, "the reference date 10000-01-01 is 2917773 days after 2011-05-30"));
    assert_non_null(strstr(w, "1 row is dated more than 365 days after 2011-05-30: row 151 "
                              "(customer z, 9999-12-31); correct or drop them"));
    assert_null(seg_rfm_warning(r, 1, NULL));
    seg_rfm_free(r);

    /* Without the far row: no warning. */
    r = dated_log(150, 0, NULL);
    assert_int_equal(seg_rfm_warnings(r), 0);
    assert_null(seg_rfm_warning(r, 0, &code));
    seg_rfm_free(r);

    /* 500 days and 4 far rows (n = 504, rank 499 -> P = 2012-05-13): three
     * named, one more counted. */
    r = dated_log(500, 4, NULL);
    assert_int_equal(seg_rfm_warnings(r), 1);
    w = seg_rfm_warning(r, 0, NULL);
    assert_non_null(strstr(w, "4 rows are dated more than 365 days after 2012-05-13: row 501 "
                              "(customer z, 9999-12-31), row 502 (customer z, 9999-12-31), row "
                              "503 (customer z, 9999-12-31) and 1 more"));
    seg_rfm_free(r);

    /* An explicit as-of, 150 rows: rank min(149, 149) -> P = 2011-05-29. A
     * reference 365 days after P is fine, 366 warns, no row named. */
    r = dated_log(150, 0, "2012-05-28");
    assert_int_equal(seg_rfm_warnings(r), 0);
    seg_rfm_free(r);
    r = dated_log(150, 0, "2012-05-29");
    assert_int_equal(seg_rfm_warnings(r), 1);
    assert_string_equal(seg_rfm_warning(r, 0, NULL),
                        "the reference date 2012-05-29 is 366 days after 2011-05-29, the 99th "
                        "percentile of the rows' dates: every recency grows by that much; check "
                        "that the reference date is the one meant");
    seg_rfm_free(r);
}

static int64_t frequency_of(const seg_rfm *r, const char *id)
{
    int64_t rec, freq;
    double mon;
    int32_t sc[3];
    size_t seg;
    assert_int_equal(seg_rfm_get(r, find(r, id), &rec, &freq, &mon, sc, &seg), SEG_OK);
    return freq;
}

/*
 * Invoices that are plain numbers are counted by value, others by text: a
 * text with a leading zero, more than 18 digits or any other byte is never
 * the same invoice as the number it reads as, and a number is counted once
 * per customer however often it comes back, also after its table grows.
 */
static void test_invoice_numbers(void **state)
{
    static const char *const a_inv[] = {"7", "007", "7", "07", "7x", "0", "00", "7",
                                        "123456789012345678", "1234567890123456789",
                                        "123456789012345678", "007", "0"};
    seg_rfm *r = NULL;
    char inv[32];
    (void)state;
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    for (size_t i = 0; i < sizeof a_inv / sizeof *a_inv; i++) {
        assert_int_equal(seg_rfm_add(r, "a", a_inv[i], "2011-01-01", 1.0), SEG_OK);
        assert_int_equal(seg_rfm_add(r, "b", i % 2 ? "7" : "8", "2011-01-01", 1.0), SEG_OK);
    }
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < 5000; i++) {
            snprintf(inv, sizeof inv, "%d", 1000 + i);
            assert_int_equal(seg_rfm_add(r, "c", inv, "2011-01-02", 1.0), SEG_OK);
        }
    assert_int_equal(seg_rfm_finish(r), SEG_OK);
    /* a: 7, 007, 07, 7x, 0, 00, the 18-digit number, the 19-digit text. */
    assert_int_equal(frequency_of(r, "a"), 8);
    assert_int_equal(frequency_of(r, "b"), 2);
    assert_int_equal(frequency_of(r, "c"), 5000);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_INVOICES), 5010);
    seg_rfm_free(r);
}

/*
 * A row's customer and invoice are compared with the previous row's by
 * words (rfm.c same_text): ids of 1 to 20 bytes that differ in one byte at
 * any offset, on consecutive rows, stay apart as customers and as invoices.
 */
static void test_similar_ids(void **state)
{
    static const char base[] = "0123456789abcdefghijk";
    (void)state;
    for (size_t len = 1; len <= 20; len++)
        for (size_t at = 0; at < len; at++) {
            seg_rfm *r = NULL;
            char a[32], b[32];
            memcpy(a, base, len);
            a[len] = '\0';
            memcpy(b, a, len + 1);
            b[at] = 'Z';
            assert_int_equal(seg_rfm_new(&r), SEG_OK);
            assert_int_equal(seg_rfm_add(r, a, "1", "2011-01-01", 1.0), SEG_OK);
            assert_int_equal(seg_rfm_add(r, b, "2", "2011-01-01", 2.0), SEG_OK);
            assert_int_equal(seg_rfm_add(r, a, "3", "2011-01-01", 4.0), SEG_OK);
            assert_int_equal(seg_rfm_add(r, "c", a, "2011-01-02", 1.0), SEG_OK);
            assert_int_equal(seg_rfm_add(r, "c", b, "2011-01-02", 1.0), SEG_OK);
            assert_int_equal(seg_rfm_add(r, "c", a, "2011-01-02", 1.0), SEG_OK);
            assert_int_equal(seg_rfm_finish(r), SEG_OK);
            assert_int_equal(seg_rfm_customers(r), 3);
            assert_int_equal(frequency_of(r, a), 2);
            assert_int_equal(frequency_of(r, b), 1);
            assert_int_equal(frequency_of(r, "c"), 2);
            seg_rfm_free(r);
        }
}

/*
 * Timestamps "YYYY-MM-DD HH:MM:SS" of a day already seen skip the date
 * parser: the same verdict as the parser on every one, the clock checked
 * (hour <= 23, minute <= 59, second <= 60), 'T' as the separator, and other
 * forms of the same day still parsed whole.
 */
static void test_iso_timestamps(void **state)
{
    (void)state;
    seg_rfm *r = NULL;
    char path[] = "/tmp/seg_rfm_isoXXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "cust,date,amount\n"
               "A,2011-03-04 10:00:00,1\n"  /* parsed: the day is remembered */
               "A,2011-03-04 24:00:00,1\n"  /* bad hour */
               "A,2011-03-04 12:60:00,1\n"  /* bad minute */
               "A,2011-03-04 12:00:61,1\n"  /* bad second */
               "A,2011-03-04 23:59:60,1\n"  /* a leap second: accepted */
               "A,2011-03-04T08:15:00,1\n"  /* 'T' */
               "A,2011-03-04 8:15:00,1\n"   /* one-digit hour: parsed whole, accepted */
               "A,2011-03-04 08:15:00x,1\n" /* trailing text: parsed whole, refused */
               "B,2011-03-07 09:00:00,1\n"
               "B,2011-02-30 09:00:00,1\n"  /* no such day */
               "B,2011-02-30 09:30:00,1\n"
               "B,2011-03-07 09:99:00,1\n");
    fclose(f);
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "cust"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "date"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AMOUNT_COLUMN, "amount"), SEG_OK);
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_SKIP_BAD_ROWS, 1), SEG_OK);
    assert_int_equal(seg_rfm_read_csv(r, path), SEG_OK);
    assert_int_equal(seg_rfm_finish(r), SEG_OK);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_ROWS), 12);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_BAD_ROWS), 7);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_PURCHASES), 5);
    int64_t rec, freq;
    double mon;
    int32_t sc[3];
    size_t seg;
    assert_int_equal(seg_rfm_get(r, find(r, "A"), &rec, &freq, &mon, sc, &seg), SEG_OK);
    assert_int_equal(rec, 4); /* reference 2011-03-08 */
    assert_int_equal(freq, 4);
    assert_int_equal(seg_rfm_get(r, find(r, "B"), &rec, &freq, &mon, sc, &seg), SEG_OK);
    assert_int_equal(rec, 1);
    assert_int_equal(freq, 1);
    seg_rfm_free(r);
    remove(path);
}

/*
 * The shape check of those timestamps tests eight bytes at a time: bytes
 * just outside the digits ('/' below '0', ':' above '9', and a byte with
 * the high bit set over a digit's low bits) in the clock of a day already
 * seen are refused as the parser refuses them, not taken as a clock that
 * passes the range checks ("0/" would read as -1).
 */
static void test_iso_timestamps_bytes(void **state)
{
    (void)state;
    seg_rfm *r = NULL;
    char path[] = "/tmp/seg_rfm_isobXXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "cust,date,amount\n"
               "A,2011-03-04 10:00:00,1\n"    /* parsed: the day is remembered */
               "A,2011-03-04 0/:00:00,1\n"    /* hour "0/" */
               "A,2011-03-04 10:0/:00,1\n"    /* minute "0/" */
               "A,2011-03-04 10:00:0/,1\n"    /* second "0/" */
               "A,2011-03-04 10:00:0:,1\n"    /* second "0:" */
               "A,2011-03-04 1\xb1:00:00,1\n" /* '1' | 0x80 */
               "A,2011-03-04 10:00:00,1\n"
               "A,2011-03-04+10:00:00,1\n"    /* separator */
               "A,2011-03-04 10:00:00,1\n");
    fclose(f);
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "cust"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "date"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AMOUNT_COLUMN, "amount"), SEG_OK);
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_SKIP_BAD_ROWS, 1), SEG_OK);
    assert_int_equal(seg_rfm_read_csv(r, path), SEG_OK);
    assert_int_equal(seg_rfm_finish(r), SEG_OK);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_ROWS), 9);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_BAD_ROWS), 6);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_PURCHASES), 3);
    seg_rfm_free(r);
    remove(path);
    /* Without skipping, the first of them is an error naming its line and field. */
    memcpy(path, "/tmp/seg_rfm_isobXXXXXX", sizeof path);
    fd = mkstemp(path);
    f = fdopen(fd, "w");
    fprintf(f, "cust,date,amount\nA,2011-03-04 10:00:00,1\nA,2011-03-04 10:0/:00,1\n");
    fclose(f);
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "cust"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "date"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AMOUNT_COLUMN, "amount"), SEG_OK);
    assert_int_equal(seg_rfm_read_csv(r, path), SEG_ERR_PARSE);
    assert_non_null(strstr(seg_last_error(), ":3:2: found a date that is not in the expected "
                                              "forms: '2011-03-04 10:0/:00'"));
    seg_rfm_free(r);
    remove(path);
}

/*
 * Amounts: each customer buys once, for the amount of its text; monetary
 * must be strtod's value of that text to the bit, whether the reader takes
 * its short path for plain decimals ("0.29", "2.675", 15 digits) or the
 * full parser ("1.", ".5", "+3", "1e2", 16 and 17 digits); texts that are
 * not numbers ("1.2.3", "-", ".", "--1", "1-") are bad rows, and "-0",
 * "-0.0" and "-2.5" returns.
 */
static void test_amount_texts(void **state)
{
    (void)state;
    static const char *const good[] = {
        "0.29", "2.675", "0.1", "007.50", "123456789012345", "12345678901234.5",
        "0.000000000000001", "1.", ".5", "+3", "1e2", "1234567890123456", "9007199254740993",
        "0.30000000000000004", "3"};
    static const char *const bad[] = {"1.2.3", "-", ".", "--1", "1-", "1..2"};
    static const char *const returns[] = {"-0", "-0.0", "-2.5"};
    enum { NG = sizeof good / sizeof *good, NB = sizeof bad / sizeof *bad,
           NR = sizeof returns / sizeof *returns };
    seg_rfm *r = NULL;
    char path[] = "/tmp/seg_rfm_amtXXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "cust,date,amount\n");
    for (size_t i = 0; i < NG; i++)
        fprintf(f, "G%zu,2011-03-04,%s\n", i, good[i]);
    for (size_t i = 0; i < NB; i++)
        fprintf(f, "B%zu,2011-03-04,%s\n", i, bad[i]);
    for (size_t i = 0; i < NR; i++)
        fprintf(f, "R%zu,2011-03-04,%s\n", i, returns[i]);
    fclose(f);
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "cust"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "date"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AMOUNT_COLUMN, "amount"), SEG_OK);
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_SKIP_BAD_ROWS, 1), SEG_OK);
    assert_int_equal(seg_rfm_read_csv(r, path), SEG_OK);
    assert_int_equal(seg_rfm_finish(r), SEG_OK);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_BAD_ROWS), NB);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_RETURNS_COUNT), NR);
    assert_int_equal(seg_rfm_customers(r), NG);
    for (size_t i = 0; i < NG; i++) {
        char id[16];
        int64_t rec, freq;
        double mon;
        int32_t sc[3];
        size_t seg;
        snprintf(id, sizeof id, "G%zu", i);
        assert_int_equal(seg_rfm_get(r, find(r, id), &rec, &freq, &mon, sc, &seg), SEG_OK);
        const double want = strtod(good[i], NULL);
        if (memcmp(&mon, &want, sizeof mon) != 0)
            fail_msg("amount '%s': monetary %.17g, strtod %.17g", good[i], mon, want);
    }
    seg_rfm_free(r);
    remove(path);
}

static void test_errors(void **state)
{
    (void)state;
    seg_rfm *r = NULL;
    char path[] = "/tmp/seg_rfm_errXXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fprintf(f,
            "cust,date,amount\nA,2010-12-01,5\nB,2010-13-01,5\nC,2010-12-02,abc\nD,2010-12-03\n");
    fclose(f);

    assert_int_equal(seg_rfm_new(NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_read_csv(r, path), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "customer and date columns"));
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "cust"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "date"), SEG_OK);
    assert_int_equal(seg_rfm_read_csv(r, path), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "amount column"));
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AMOUNT_COLUMN, "amt"), SEG_OK);
    assert_int_equal(seg_rfm_read_csv(r, path), SEG_ERR_NOT_FOUND);
    assert_non_null(strstr(seg_last_error(), "no column 'amt'"));
    seg_rfm_free(r);

    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "cust"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "date"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AMOUNT_COLUMN, "amount"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AMOUNT_COLUMN, ""), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_DATE_FORMAT, "%Y"), SEG_ERR_PARSE);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AS_OF, "tomorrow"), SEG_ERR_PARSE);
    assert_non_null(strstr(seg_last_error(), "'tomorrow'"));
    char as_of[8] = "x";
    assert_int_equal(seg_rfm_get_string(r, SEG_RFM_AS_OF, as_of, sizeof as_of, NULL), SEG_OK);
    assert_string_equal(as_of, ""); /* still unset */
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_BINS, 1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_DELIMITER, '"'), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_rfm_set_int(r, (seg_rfm_param)200, 1), SEG_ERR_INVALID_ARG);
    const double bad[] = {3, 2};
    assert_int_equal(seg_rfm_set_cuts(r, SEG_RFM_F, bad, 2), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_rfm_finish(r), SEG_ERR_EMPTY);
    assert_int_equal(seg_rfm_read_csv(r, path), SEG_ERR_PARSE);
    assert_non_null(strstr(seg_last_error(),
                           ":3:2: found a date that is not in the expected forms: '2010-13-01'"));
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_BINS, 3), SEG_ERR_STATE);
    seg_rfm_free(r);

    /* Skipping: the bad date, the bad amount and the short record. */
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "cust"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "date"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AMOUNT_COLUMN, "amount"), SEG_OK);
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_SKIP_BAD_ROWS, 1), SEG_OK);
    assert_int_equal(seg_rfm_read_csv(r, path), SEG_OK);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_ROWS), 4);
    assert_int_equal(seg_rfm_count(r, SEG_RFM_BAD_ROWS), 3);
    assert_int_equal(seg_rfm_customers(r), 0); /* not finished */
    assert_int_equal(seg_rfm_get(r, 0, NULL, NULL, NULL, NULL, NULL), SEG_ERR_STATE);
    assert_int_equal(seg_rfm_add(r, "x", "inv", "2010-12-01", 1), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "some rows and not on others"));
    assert_int_equal(seg_rfm_add(r, "x", NULL, "2010-12-01", NAN), SEG_ERR_NONFINITE);
    assert_int_equal(seg_rfm_add(r, "x", NULL, "12-01-2010", 1), SEG_ERR_PARSE);
    assert_int_equal(seg_rfm_finish(r), SEG_OK);
    assert_int_equal(seg_rfm_customers(r), 1);
    assert_int_equal(seg_rfm_get(r, 1, NULL, NULL, NULL, NULL, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_rfm_finish(r), SEG_ERR_STATE);
    assert_int_equal(seg_rfm_read_csv(r, path), SEG_ERR_STATE);
    seg_rfm_free(r);
    seg_rfm_free(NULL);
    assert_int_equal(seg_rfm_count(NULL, SEG_RFM_ROWS), 0);
    remove(path);
}

/* Read path with the settings of the parts test: threads 1 or 2, parts
 * of part_bytes; the status of the read and finish. */
static int read_log(const char *path, int64_t threads, size_t part_bytes, int returns,
                    seg_rfm **out)
{
    seg_rfm *r = NULL;
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "cust"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "date"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_QUANTITY_COLUMN, "qty"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_PRICE_COLUMN, "price"), SEG_OK);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_INVOICE_COLUMN, "inv"), SEG_OK);
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_RETURNS, returns), SEG_OK);
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_THREADS, threads), SEG_OK);
    r->part_bytes = part_bytes;
    int rc = seg_rfm_read_csv(r, path);
    if (rc == SEG_OK)
        rc = seg_rfm_finish(r);
    *out = r;
    return rc;
}

/* Every result of two reads, to the bit. */
static void assert_same_rfm(const seg_rfm *a, const seg_rfm *b)
{
    assert_int_equal(seg_rfm_customers(a), seg_rfm_customers(b));
    for (int k = 0; k < 9; k++)
        assert_int_equal(seg_rfm_count(a, (seg_rfm_counter)k), seg_rfm_count(b, (seg_rfm_counter)k));
    for (size_t i = 0; i < seg_rfm_customers(a); i++) {
        int64_t ra, rb, fa, fb;
        double ma, mb;
        int32_t sa[3], sb[3];
        size_t ga, gb;
        assert_string_equal(seg_rfm_customer(a, i), seg_rfm_customer(b, i));
        assert_int_equal(seg_rfm_get(a, i, &ra, &fa, &ma, sa, &ga), SEG_OK);
        assert_int_equal(seg_rfm_get(b, i, &rb, &fb, &mb, sb, &gb), SEG_OK);
        assert_int_equal(ra, rb);
        assert_int_equal(fa, fb);
        assert_memory_equal(&ma, &mb, sizeof ma);
        assert_memory_equal(sa, sb, sizeof sa);
        assert_int_equal(ga, gb);
    }
    assert_int_equal(seg_rfm_warnings(a), seg_rfm_warnings(b));
    for (size_t i = 0; i < seg_rfm_warnings(a); i++)
        assert_string_equal(seg_rfm_warning(a, i, NULL), seg_rfm_warning(b, i, NULL));
}

/*
 * A log read in parts on two threads gives every result, to the bit, and
 * every error, as one reader: customers across parts, invoices split over
 * a cut, numeric and text invoices, returns subtracted (amounts whose sums
 * depend on the order), quoted fields holding line feeds (a cut inside one
 * is caught: that part is read again by one reader), a far-reference
 * warning naming lines, and a bad date late in the file.
 */
static void test_read_in_parts(void **state)
{
    (void)state;
    char path[] = "/tmp/seg_rfm_partsXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    uint64_t s = 12345;
    fprintf(f, "inv,note,qty,date,price,cust\n");
    for (size_t i = 0; i < 6000; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        const unsigned v = (unsigned)(s >> 33);
        const char *note = v % 7 == 0 ? "\"a\nquoted, \"\"note\"\"\n\"" : "plain";
        if (v % 11 == 0)
            fprintf(f, "C%zu,%s,-%u,2011-%02u-%02u 10:00:00,0.%02u,%u\n", i / 5, note, v % 9 + 1,
                    v % 12 + 1, v % 28 + 1, v % 100, v % 97);
        else
            fprintf(f, "%s%zu,%s,%u,2011-%02u-%02u 1%u:00:00,%u.%02u,%u\n", v % 13 ? "" : "A",
                    i / 5, note, v % 9 + 1 - (v % 17 == 0 ? 10 : 0), v % 12 + 1, v % 28 + 1,
                    v % 10, v % 50, v % 100 / 7, v % 97);
    }
    fprintf(f, "9999999,late,1,2013-06-01 09:00:00,1.5,3\n");
    fclose(f);
    for (int returns = 0; returns < 2; returns++) {
        seg_rfm *one = NULL, *two = NULL;
        assert_int_equal(read_log(path, 1, 0, returns, &one), SEG_OK);
        assert_int_equal(read_log(path, 2, 4096, returns, &two), SEG_OK);
        assert_int_equal(one->parts_read, 0);
        assert_true(two->parts_read > 10);
        assert_true(seg_rfm_warnings(one) > 0);
        assert_same_rfm(one, two);
        seg_rfm_free(one);
        seg_rfm_free(two);
    }
    /* A bad date three quarters in: the same error, naming the same line. */
    f = fopen(path, "a");
    fprintf(f, "1,x,1,not a date,1.0,5\n");
    for (size_t i = 0; i < 2000; i++)
        fprintf(f, "%zu,x,1,2011-01-01 10:00:00,1.0,%zu\n", i, i % 50);
    fclose(f);
    seg_rfm *one = NULL, *two = NULL;
    char msg[512];
    assert_int_equal(read_log(path, 1, 0, 0, &one), SEG_ERR_PARSE);
    snprintf(msg, sizeof msg, "%s", seg_last_error());
    assert_int_equal(read_log(path, 2, 4096, 0, &two), SEG_ERR_PARSE);
    assert_string_equal(seg_last_error(), msg);
    assert_non_null(strstr(msg, "not a date"));
    assert_true(two->parts_read > 10);
    seg_rfm_free(one);
    seg_rfm_free(two);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_by_hand), cmocka_unit_test(test_subtract_and_rows),
        cmocka_unit_test(test_as_of_and_cuts),  cmocka_unit_test(test_rank_formula),
        cmocka_unit_test(test_rules),           cmocka_unit_test(test_dates),
        cmocka_unit_test(test_stream_chunks),   cmocka_unit_test(test_errors),
        cmocka_unit_test(test_frequency_cuts),  cmocka_unit_test(test_far_reference),
        cmocka_unit_test(test_invoice_numbers),
        cmocka_unit_test(test_similar_ids),
        cmocka_unit_test(test_iso_timestamps),
        cmocka_unit_test(test_iso_timestamps_bytes),
        cmocka_unit_test(test_amount_texts),
        cmocka_unit_test(test_read_in_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
