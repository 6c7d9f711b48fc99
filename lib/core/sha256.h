/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), for keyed pseudonyms.
 */
#ifndef SEG_SHA256_H
#define SEG_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct seg_sha256 {
    uint32_t h[8];
    uint64_t bytes;   /* message length so far */
    uint8_t block[64];
    size_t used;      /* bytes waiting in block */
} seg_sha256;

void seg_sha256_init(seg_sha256 *s);
void seg_sha256_update(seg_sha256 *s, const void *data, size_t len);
void seg_sha256_final(seg_sha256 *s, uint8_t out[32]);

void seg_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                     uint8_t out[32]);

#endif
