/*
 * RFM throughput and memory: transactions per second of seg_rfm_read_csv() +
 * seg_rfm_finish() on one core, on a generated log shaped like the UCI Online
 * Retail file (invoice, stock code, description, quantity, date-time, unit
 * price, customer id, country; ~5 % returns, ~3 % rows without customer id,
 * rows of an invoice consecutive), and the peak memory against the number of
 * customers.
 *
 * Usage: bench_rfm [ROWS [CUSTOMERS [DIR]]]   (default 4000000 4000 /tmp)
 *
 * Runs the log of ROWS rows, then one of ROWS / 4 rows with the same
 * customers, and prints rows per second, the ratio to the 2 million rows/s
 * target, and the growth of the peak resident set between the two runs (it
 * should stay near zero: memory is O(customers), not O(rows)). The log file
 * is written once and removed at the end; its writing is not timed.
 */
#include <seg.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double peak_rss_mb(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_maxrss / 1024.0;
}

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int write_log(const char *path, size_t rows, size_t customers)
{
    static const char *const country[4] = {"United Kingdom", "France", "Germany", "EIRE"};
    FILE *f = fopen(path, "w");
    uint64_t s = 88172645463325252u;
    if (!f)
        return -1;
    fputs("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n",
          f);
    size_t i = 0, invoice = 536365;
    while (i < rows) {
        size_t lines = 1 + next(&s) % 20, cust = next(&s) % customers;
        bool missing = next(&s) % 100 < 3, cancel = next(&s) % 100 < 2;
        unsigned day = (unsigned)(next(&s) % 365), minute = (unsigned)(next(&s) % 600);
        /* 2010-12-01 plus day: spelled as the UCI file does, m/d/yyyy h:mm. */
        static const int mdays[12] = {31, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30};
        int m = 0, y = 2010, dd = 1 + (int)day;
        while (dd > mdays[m]) {
            dd -= mdays[m];
            m++;
        }
        int month = m == 0 ? 12 : m;
        y += m > 0;
        for (size_t l = 0; l < lines && i < rows; l++, i++) {
            long q = 1 + (long)(next(&s) % 24);
            if (cancel || next(&s) % 100 < 3)
                q = -q;
            fprintf(f, "%s%zu,%05u,WHITE HANGING HEART T-LIGHT HOLDER,%ld,%d/%d/%d %u:%02u,%u.%02u,",
                    cancel ? "C" : "", invoice, (unsigned)(next(&s) % 90000 + 10000), q, month,
                    dd, y, 8 + minute / 60, minute % 60, (unsigned)(next(&s) % 20),
                    (unsigned)(next(&s) % 100));
            if (!missing)
                fprintf(f, "%zu", 12346 + cust);
            fprintf(f, ",%s\n", country[cust % 4]);
        }
        invoice++;
    }
    return fclose(f);
}

static int run(const char *path, bool invoice, double *seconds, seg_rfm **out)
{
    seg_rfm *r = NULL;
    int rc = seg_rfm_new(&r);
    if (rc == 0)
        rc = seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "CustomerID");
    if (rc == 0)
        rc = seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "InvoiceDate");
    if (rc == 0)
        rc = seg_rfm_set_string(r, SEG_RFM_QUANTITY_COLUMN, "Quantity");
    if (rc == 0)
        rc = seg_rfm_set_string(r, SEG_RFM_PRICE_COLUMN, "UnitPrice");
    if (rc == 0 && invoice)
        rc = seg_rfm_set_string(r, SEG_RFM_INVOICE_COLUMN, "InvoiceNo");
    double t0 = now();
    if (rc == 0)
        rc = seg_rfm_read_csv(r, path);
    if (rc == 0)
        rc = seg_rfm_finish(r);
    *seconds = now() - t0;
    *out = r;
    return rc;
}

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? strtoull(argv[1], NULL, 10) : 4000000;
    size_t customers = argc > 2 ? strtoull(argv[2], NULL, 10) : 4000;
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    char small[4096], big[4096];
    snprintf(small, sizeof small, "%s/seg_bench_rfm_small.csv", dir);
    snprintf(big, sizeof big, "%s/seg_bench_rfm_big.csv", dir);
    if (write_log(small, rows / 4, customers) < 0 || write_log(big, rows, customers) < 0) {
        perror("writing the log");
        return 1;
    }
    /* Memory first, without the invoice column (one record per customer):
     * the peak RSS after ROWS / 4 rows and after ROWS rows. A first pass
     * warms the page cache so that the disk is not what is timed. */
    seg_rfm *r = NULL;
    double t_small, t_big, t_rows;
    int rc = run(small, false, &t_small, &r);
    seg_rfm_free(r);
    double rss_small = peak_rss_mb();
    if (rc == 0) {
        rc = run(big, false, &t_rows, &r);
        seg_rfm_free(r);
    }
    double rss_big = peak_rss_mb();
    /* Then with invoices: distinct (customer, invoice) pairs are kept too. */
    if (rc == 0) {
        rc = run(small, true, &t_small, &r);
        seg_rfm_free(r);
    }
    if (rc == 0)
        rc = run(big, true, &t_big, &r);
    double rss_inv = peak_rss_mb();
    if (rc < 0) {
        fprintf(stderr, "bench_rfm: %s: %s\n", seg_strerror(rc), seg_last_error());
        return 1;
    }
    double rows_big = (double)seg_rfm_count(r, SEG_RFM_ROWS);
    printf("rows %.0f, customers %lld, invoices %lld, purchases %lld, returns %lld, no id %lld\n",
           rows_big, (long long)seg_rfm_count(r, SEG_RFM_CUSTOMERS),
           (long long)seg_rfm_count(r, SEG_RFM_INVOICES),
           (long long)seg_rfm_count(r, SEG_RFM_PURCHASES),
           (long long)seg_rfm_count(r, SEG_RFM_RETURNS_COUNT),
           (long long)seg_rfm_count(r, SEG_RFM_NO_CUSTOMER));
    printf("with --invoice: %zu rows %.3f s (%.2f M rows/s), %zu rows %.3f s (%.2f M rows/s)\n",
           rows / 4, t_small, (double)(rows / 4) / t_small / 1e6, rows, t_big,
           rows_big / t_big / 1e6);
    printf("without invoice: %zu rows %.3f s (%.2f M rows/s)\n", rows, t_rows,
           rows_big / t_rows / 1e6);
    printf("ratio to the 2 M rows/s target: %.2f (with invoices), %.2f (without)\n",
           rows_big / t_big / 2e6, rows_big / t_rows / 2e6);
    printf("peak RSS without invoices: %.1f MB after %zu rows, %.1f MB after %zu rows (+%.1f MB "
           "for x4 rows)\n",
           rss_small, rows / 4, rss_big, rows, rss_big - rss_small);
    printf("peak RSS with invoices: %.1f MB (+%.1f MB for %lld distinct invoices)\n", rss_inv,
           rss_inv - rss_big, (long long)seg_rfm_count(r, SEG_RFM_INVOICES));
    seg_rfm_free(r);
    remove(small);
    remove(big);
    return 0;
}
