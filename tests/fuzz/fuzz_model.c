/*
 * libFuzzer target: the model loader. A model file is guarded by its length
 * field and a CRC-32, so random bytes mostly stop there; when the first
 * input byte says so, the target writes the true length and CRC into the
 * rest first, so the section parsers behind the checksum are fuzzed too.
 * Whatever loads is then used: predict, profile queries, save again.
 */
#include <seg.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

uint32_t seg_crc32(const void *p, size_t n); /* lib/model_io.h */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void exercise(const seg_model *m)
{
    size_t k = seg_model_k(m), d = seg_model_dim(m);
    if (d == 0 || d > 4096)
        return;
    double *row = calloc(d, sizeof *row);
    int32_t label;
    double dist;
    seg_predictor *p = NULL;
    if (row && seg_predictor_new(&p, m) == SEG_OK)
        seg_predictor_run_f64(p, row, 1, d, &label, &dist);
    seg_predictor_free(p);
    free(row);
    for (size_t c = 0; c < seg_model_profile_columns(m) && c < 64; c++)
        (void)seg_model_profile_column_name(m, c);
    (void)k;
    size_t need = 0;
    if (seg_model_save_mem(m, NULL, 0, &need) == SEG_OK && need < ((size_t)1 << 24)) {
        void *buf = malloc(need ? need : 1);
        if (buf)
            seg_model_save_mem(m, buf, need, &need);
        free(buf);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, len);
    if ((data[0] & 1) && len >= 28) {
        uint64_t total = len;
        for (int i = 0; i < 8; i++)
            buf[16 + i] = (uint8_t)(total >> (8 * i));
        put32(buf + len - 4, seg_crc32(buf, len - 4));
    }
    seg_model *m = NULL;
    if (seg_model_load_mem(&m, buf, len) == SEG_OK)
        exercise(m);
    seg_model_free(m);
    free(buf);
    return 0;
}
