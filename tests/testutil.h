/*
 * Helpers shared by the unit tests: seeded data generators and independent
 * reference computations (plain loops, no BLAS) to check the library against.
 */
#ifndef SEG_TESTUTIL_H
#define SEG_TESTUTIL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seg.h"

/* A small seeded generator, independent of the library's own. */
static inline uint64_t tu_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    uint64_t z = *s;
    z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
    return z ^ (z >> 33);
}

static inline double tu_uniform(uint64_t *s)
{
    return (double)(tu_next(s) >> 11) * 0x1.0p-53;
}

static inline double tu_normal(uint64_t *s)
{
    double u = tu_uniform(s), v = tu_uniform(s);
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/*
 * n points in d dimensions around `blobs` centres spaced 20 apart on the
 * diagonal, unit spread. truth[i] receives the blob of point i.
 */
static inline void tu_blobs(double *x, int32_t *truth, size_t n, size_t d, size_t blobs,
                            uint64_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        size_t b = i % blobs;
        truth[i] = (int32_t)b;
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = 20.0 * (double)b * (j % 2 ? -1.0 : 1.0) + tu_normal(&s);
    }
}

/* Adjusted Rand index (Hubert & Arabie 1985) of two labellings. */
static inline double tu_ari(const int32_t *a, const int32_t *b, size_t n, size_t ka, size_t kb)
{
    double *t = calloc(ka * kb, sizeof *t), *ra = calloc(ka, sizeof *ra),
           *rb = calloc(kb, sizeof *rb);
    for (size_t i = 0; i < n; i++) {
        t[(size_t)a[i] * kb + (size_t)b[i]] += 1;
        ra[a[i]] += 1;
        rb[b[i]] += 1;
    }
    double sum_t = 0, sum_a = 0, sum_b = 0;
    for (size_t i = 0; i < ka * kb; i++)
        sum_t += t[i] * (t[i] - 1) / 2;
    for (size_t i = 0; i < ka; i++)
        sum_a += ra[i] * (ra[i] - 1) / 2;
    for (size_t i = 0; i < kb; i++)
        sum_b += rb[i] * (rb[i] - 1) / 2;
    double pairs = (double)n * (double)(n - 1) / 2;
    double expected = sum_a * sum_b / pairs;
    double maxv = (sum_a + sum_b) / 2;
    free(t);
    free(ra);
    free(rb);
    return maxv == expected ? 1.0 : (sum_t - expected) / (maxv - expected);
}

/* Squared Euclidean distance by the definition. */
static inline double tu_sqdist(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t j = 0; j < d; j++)
        s += (a[j] - b[j]) * (a[j] - b[j]);
    return s;
}

/*
 * Reference Lloyd from given centroids: plain loops, nearest centroid by
 * direct differences, stop when labels no longer change or after max_iter.
 * Returns the inertia of the final labels against the final centroids.
 */
static inline double tu_lloyd(const double *x, const double *w, size_t n, size_t d, size_t k,
                              double *c, int32_t *labels, int max_iter)
{
    double *sum = malloc(k * d * sizeof *sum), *cw = malloc(k * sizeof *cw);
    for (size_t i = 0; i < n; i++)
        labels[i] = -1;
    for (int it = 0; it <= max_iter; it++) {
        int changed = 0;
        for (size_t i = 0; i < n; i++) {
            size_t best = 0;
            double bd = tu_sqdist(x + i * d, c, d);
            for (size_t j = 1; j < k; j++) {
                double v = tu_sqdist(x + i * d, c + j * d, d);
                if (v < bd) {
                    bd = v;
                    best = j;
                }
            }
            changed += labels[i] != (int32_t)best;
            labels[i] = (int32_t)best;
        }
        if (!changed || it == max_iter)
            break;
        memset(sum, 0, k * d * sizeof *sum);
        memset(cw, 0, k * sizeof *cw);
        for (size_t i = 0; i < n; i++) {
            double wi = w ? w[i] : 1.0;
            for (size_t j = 0; j < d; j++)
                sum[(size_t)labels[i] * d + j] += wi * x[i * d + j];
            cw[labels[i]] += wi;
        }
        for (size_t j = 0; j < k; j++)
            if (cw[j] > 0)
                for (size_t q = 0; q < d; q++)
                    c[j * d + q] = sum[j * d + q] / cw[j];
    }
    double inertia = 0;
    for (size_t i = 0; i < n; i++)
        inertia += (w ? w[i] : 1.0) * tu_sqdist(x + i * d, c + (size_t)labels[i] * d, d);
    free(sum);
    free(cw);
    return inertia;
}

/* The bytes of m's model file (malloc'd; *len receives the length), or NULL. */
static inline uint8_t *tu_model_bytes(const seg_model *m, size_t *len)
{
    uint8_t *buf = NULL;
    if (seg_model_save_mem(m, NULL, 0, len) != SEG_OK || !(buf = malloc(*len)))
        return NULL;
    if (seg_model_save_mem(m, buf, *len, len) != SEG_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* First occurrence of n bytes in buf[0..len), or NULL: a search of saved
 * bytes for what must not be there. */
/* The payload of section tag in a model file's bytes (its layout:
 * docs/format.md), its size in *size; NULL when the file has none. */
static inline const uint8_t *tu_model_section(const uint8_t *p, size_t len, const char *tag,
                                              uint64_t *size)
{
    for (size_t at = 24; at + 12 <= len;) {
        uint64_t sz = 0;
        for (int i = 7; i >= 0; i--)
            sz = sz << 8 | p[at + 4 + (size_t)i];
        if (memcmp(p + at, tag, 4) == 0) {
            *size = sz;
            return p + at + 12;
        }
        at += 12 + (size_t)sz;
    }
    return NULL;
}

static inline uint8_t *tu_find(uint8_t *buf, size_t len, const void *what, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, what, n) == 0)
            return buf + i;
    return NULL;
}

#endif
