/*
 * Byte buffers (bytes.c): the byte-level helpers of the model file, shared by
 * every file that owns a section of it (model/model_io.c, model/profile.c,
 * model/outlier.c). The format is in docs/model-format.md: every field
 * little-endian and fixed width, whatever the host.
 */
#ifndef SEG_CORE_BYTES_H
#define SEG_CORE_BYTES_H

#include "core/core.h"

/* CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) of p[0..n). */
uint32_t seg_crc32(const void *p, size_t n);

/* The little-endian unsigned integer of `bytes` bytes at b (1 to 8). */
uint64_t seg_get_le(const uint8_t *b, int bytes);

/* A growing output buffer. After a failed allocation it stops growing and
 * sets nomem; writers check it once at the end. */
typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
    bool nomem;
} wbuf;

void seg_wb_bytes(wbuf *w, const void *src, size_t n);
void seg_wb_u32(wbuf *w, uint32_t v);
void seg_wb_u64(wbuf *w, uint64_t v);
void seg_wb_f64(wbuf *w, double v);
/* Overwrite 8 bytes at offset at (already written) with v, little-endian. */
void seg_wb_patch_u64(wbuf *w, size_t at, uint64_t v);
/* u32 byte length, then the bytes (no NUL). NULL is written as length 0. */
void seg_wb_str(wbuf *w, const char *s);

/* A bounds-checked reader over a borrowed buffer: a read past the end sets
 * bad and returns zeros, so parsers check bad once per section. */
typedef struct rbuf {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
} rbuf;

/* The next n bytes, or NULL (bad set) when fewer are left. */
const uint8_t *seg_rb_take(rbuf *r, size_t n);
uint32_t seg_rb_u32(rbuf *r);
uint64_t seg_rb_u64(rbuf *r);
double seg_rb_f64(rbuf *r);
/* A count of items of at least min_bytes each that must fit in what is
 * left; sets bad (and returns 0) when it cannot, so that a crafted count
 * never drives a huge allocation. */
size_t seg_rb_count(rbuf *r, size_t min_bytes);
/* A string as a new NUL-terminated copy (seg_free it); NULL when bad or out
 * of memory (*nomem set) and for an embedded NUL (bad set). */
char *seg_rb_str(rbuf *r, bool *nomem);

#endif
