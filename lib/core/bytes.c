/*
 * Byte buffers: a growing little-endian writer and a bounds-checked reader,
 * plus CRC-32. The model file (model/model_io.c) and the sections other files
 * own (profiles, outlier references) are written and read with these; the
 * format is in docs/model-format.md.
 */
#include "core/bytes.h"

#include <string.h>

/* ---- CRC-32 ----------------------------------------------------------------- */

/*
 * CRC-32 as in ISO-HDLC / IEEE 802.3 (also zlib and PNG): reflected
 * polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF. Computed bit
 * by bit: model files are small and this keeps the code free of tables.
 * Check value: crc32("123456789") = 0xCBF43926 (tested).
 */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

uint32_t seg_crc32(const void *p, size_t n)
{
    return crc32_update(0, p, n);
}

/* ---- writer ------------------------------------------------------------------- */

void seg_wb_bytes(wbuf *w, const void *src, size_t n)
{
    if (w->nomem)
        return;
    if (n > w->cap - w->len) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap - w->len < n) {
            if (cap > SIZE_MAX / 2) {
                w->nomem = true;
                return;
            }
            cap *= 2;
        }
        uint8_t *p = seg_realloc(w->p, cap);
        if (!p) {
            w->nomem = true;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    if (n)
        memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void put_le(uint8_t *b, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

uint64_t seg_get_le(const uint8_t *b, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

void seg_wb_u32(wbuf *w, uint32_t v)
{
    uint8_t b[4];
    put_le(b, v, 4);
    seg_wb_bytes(w, b, 4);
}

void seg_wb_u64(wbuf *w, uint64_t v)
{
    uint8_t b[8];
    put_le(b, v, 8);
    seg_wb_bytes(w, b, 8);
}

/* IEEE 754 binary64, its bit pattern as a little-endian u64. */
void seg_wb_f64(wbuf *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    seg_wb_u64(w, u);
}

void seg_wb_patch_u64(wbuf *w, size_t at, uint64_t v)
{
    if (!w->nomem && at <= w->len && w->len - at >= 8)
        put_le(w->p + at, v, 8);
}

void seg_wb_str(wbuf *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > UINT32_MAX) {
        w->nomem = true; /* cannot happen for names the library accepts */
        return;
    }
    seg_wb_u32(w, (uint32_t)n);
    seg_wb_bytes(w, s, n);
}

/* ---- reader ------------------------------------------------------------------- */

const uint8_t *seg_rb_take(rbuf *r, size_t n)
{
    if (r->bad || n > r->len - r->pos) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint32_t seg_rb_u32(rbuf *r)
{
    const uint8_t *p = seg_rb_take(r, 4);
    return p ? (uint32_t)seg_get_le(p, 4) : 0;
}

uint64_t seg_rb_u64(rbuf *r)
{
    const uint8_t *p = seg_rb_take(r, 8);
    return p ? seg_get_le(p, 8) : 0;
}

double seg_rb_f64(rbuf *r)
{
    uint64_t u = seg_rb_u64(r);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

size_t seg_rb_count(rbuf *r, size_t min_bytes)
{
    uint64_t n = seg_rb_u64(r);
    if (r->bad || (min_bytes && n > (r->len - r->pos) / min_bytes) || n > SIZE_MAX / 2) {
        r->bad = true;
        return 0;
    }
    return (size_t)n;
}

char *seg_rb_str(rbuf *r, bool *nomem)
{
    uint32_t n = seg_rb_u32(r);
    const uint8_t *p = seg_rb_take(r, n);
    if (!p)
        return NULL;
    if (memchr(p, 0, n)) {
        r->bad = true;
        return NULL;
    }
    char *s = seg_strndup((const char *)p, n);
    if (!s)
        *nomem = true;
    return s;
}
