/*
 * libFuzzer target: the RFM segment rules parser (seg rfm --rules), then
 * scoring a few customers with whatever rules load. The input is the rules
 * text; a NUL ends it, as for the C string the API takes.
 */
#include <seg.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    seg_rfm *r = NULL;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (seg_rfm_new(&r) == SEG_OK && seg_rfm_set_rules(r, text) == SEG_OK) {
        static const char *const cust[] = {"c1", "c2", "c3", "c4", "c5", "c6"};
        for (size_t i = 0; i < 6; i++)
            seg_rfm_add(r, cust[i], NULL, "2024-01-01", 10.0 * (double)(i + 1));
        seg_rfm_add(r, "c1", NULL, "2024-03-01", 5.0);
        if (seg_rfm_finish(r) == SEG_OK)
            for (size_t i = 0; i < seg_rfm_customers(r); i++) {
                int64_t rec, freq;
                double mon;
                int32_t scores[3];
                size_t seg;
                seg_rfm_get(r, i, &rec, &freq, &mon, scores, &seg);
                (void)seg_rfm_segment_name(r, seg);
            }
    }
    seg_rfm_free(r);
    free(text);
    return 0;
}
