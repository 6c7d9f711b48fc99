/*
 * libFuzzer target: the model file reader (seg_model_load_mem), sections
 * included. Inputs of 28 bytes or more get their declared length and CRC-32
 * fixed up first, so mutations reach the section parsers instead of stopping
 * at the checksum; shorter ones go in as they are. A model that loads is
 * used: outlier scores, quantiles, profiles, predict and save.
 */
#include <seg.h>

#include "model_io.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    seg_model *m = NULL;
    uint8_t *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (size >= 28) {
        for (int i = 0; i < 8; i++)
            buf[16 + i] = (uint8_t)((uint64_t)size >> (8 * i));
        const uint32_t crc = seg_crc32(buf, size - 4);
        for (int i = 0; i < 4; i++)
            buf[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
    }
    if (seg_model_load_mem(&m, buf, size) == SEG_OK) {
        const size_t k = seg_model_k(m), d = seg_model_dim(m);
        double q, dist[2] = {0.5, 1e300}, score[2];
        int32_t lab[2] = {0, (int32_t)(k - 1)};
        uint8_t flag[2];
        if (seg_model_has_outlier_reference(m)) {
            seg_model_outlier_quantile(m, k - 1, 0.995, &q);
            seg_model_outlier_scores(m, lab, dist, 2, 0.995, score, flag);
        }
        for (size_t j = 0; j < k && j < 4; j++)
            (void)seg_model_segment_label(m, j);
        if (d <= 4096) {
            double *x = calloc(d, sizeof *x);
            seg_predictor *p = NULL;
            int32_t l;
            if (x && seg_predictor_new(&p, m) == SEG_OK)
                seg_predictor_run_f64(p, x, 1, d, &l, &q);
            seg_predictor_free(p);
            free(x);
        }
        size_t len = 0;
        seg_model_save_mem(m, NULL, 0, &len);
    }
    seg_model_free(m);
    free(buf);
    return 0;
}
