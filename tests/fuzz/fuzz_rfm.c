/*
 * libFuzzer target: the RFM transaction reader (chunked CSV stream, date
 * parser, amounts, returns policy) and the scoring that follows. The first
 * byte picks options (invoice column, quantity x price, returns policy, skip
 * bad rows, a date format); the rest is the transaction file.
 */
#include <seg.h>

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static char path[256];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    seg_rfm *r = NULL;
    if (size < 1)
        return 0;
    if (!path[0]) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(path, sizeof path, "%s/seg-fuzz-rfm-%ld.csv", dir, (long)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    uint8_t mode = data[0];
    if (seg_rfm_new(&r) < 0)
        return 0;
    seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "customer");
    seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "date");
    if (mode & 1) {
        seg_rfm_set_string(r, SEG_RFM_QUANTITY_COLUMN, "qty");
        seg_rfm_set_string(r, SEG_RFM_PRICE_COLUMN, "price");
    } else {
        seg_rfm_set_string(r, SEG_RFM_AMOUNT_COLUMN, "amount");
    }
    if (mode & 2)
        seg_rfm_set_string(r, SEG_RFM_INVOICE_COLUMN, "invoice");
    seg_rfm_set_int(r, SEG_RFM_RETURNS, (mode & 4) ? SEG_RETURNS_SUBTRACT : SEG_RETURNS_EXCLUDE);
    seg_rfm_set_int(r, SEG_RFM_SKIP_BAD_ROWS, (mode & 8) != 0);
    if (mode & 16)
        seg_rfm_set_string(r, SEG_RFM_DATE_FORMAT, "%d.%m.%Y %H:%M");
    if (mode & 32)
        seg_rfm_set_int(r, SEG_RFM_BINS, 3);
    if (seg_rfm_read_csv(r, path) == SEG_OK && seg_rfm_finish(r) == SEG_OK) {
        for (size_t i = 0; i < seg_rfm_customers(r); i++) {
            int64_t rec, freq;
            double mon;
            int32_t scores[3];
            size_t seg;
            (void)seg_rfm_customer(r, i);
            seg_rfm_get(r, i, &rec, &freq, &mon, scores, &seg);
            (void)seg_rfm_segment_name(r, seg);
        }
    }
    seg_rfm_free(r);
    return 0;
}
