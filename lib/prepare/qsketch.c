/*
 * Greenwald-Khanna quantile summary with batched insertion. See qsketch.h
 * for the invariant and the error bound it gives.
 */
#include "prepare/qsketch.h"

#include <string.h>

int seg_qsketch_init(seg_qsketch *s, double eps, size_t exact_cap)
{
    memset(s, 0, sizeof *s);
    s->eps = eps;
    s->exact_cap = exact_cap;
    /* A batch of about 1 / eps values: merging costs O(tuples + batch) and
     * the summary holds O(1 / eps) tuples or more, so each value costs O(1)
     * amortized beyond its share of the batch sort. */
    s->cap_buf = (size_t)(1.0 / eps);
    if (s->cap_buf < 1024)
        s->cap_buf = 1024;
    s->buf = seg_malloc_array(s->cap_buf, sizeof *s->buf);
    return s->buf ? SEG_OK : SEG_NOMEM();
}

void seg_qsketch_free(seg_qsketch *s)
{
    seg_free(s->t);
    seg_free(s->spare);
    seg_free(s->buf);
    memset(s, 0, sizeof *s);
}

int seg_qsketch_array_new(seg_qsketch **out, size_t k, double eps, size_t exact_cap)
{
    seg_qsketch *a = seg_calloc(k ? k : 1, sizeof *a);
    int rc = a ? SEG_OK : SEG_NOMEM();
    *out = NULL;
    for (size_t j = 0; rc == SEG_OK && j < k; j++)
        rc = seg_qsketch_init(&a[j], eps, exact_cap);
    if (rc < 0) {
        seg_qsketch_array_free(a, k);
        return rc;
    }
    *out = a;
    return SEG_OK;
}

void seg_qsketch_array_free(seg_qsketch *a, size_t k)
{
    for (size_t j = 0; a && j < k; j++)
        seg_qsketch_free(&a[j]);
    seg_free(a);
}

/* Sort v[0..n) (no NaN) ascending: quicksort with median-of-three pivots
 * and insertion sort below 16 values, the larger side iterated (stack
 * depth O(log n)). The batch sort dominates the sketch's cost, and qsort's
 * comparison callback made it three times slower. */
static void sort_doubles(double *v, size_t n)
{
    while (n > 16) {
        size_t mid = n / 2, i = 0, j = n - 1;
        double t;
        if (v[mid] < v[0])
            t = v[mid], v[mid] = v[0], v[0] = t;
        if (v[n - 1] < v[0])
            t = v[n - 1], v[n - 1] = v[0], v[0] = t;
        if (v[n - 1] < v[mid])
            t = v[n - 1], v[n - 1] = v[mid], v[mid] = t;
        const double pivot = v[mid];
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i >= j)
                break;
            t = v[i], v[i] = v[j], v[j] = t;
            i++;
            j--;
        }
        /* v[0..j] <= pivot <= v[j+1..n) */
        if (j + 1 < n - j - 1) {
            sort_doubles(v, j + 1);
            v += j + 1;
            n -= j + 1;
        } else {
            sort_doubles(v + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (size_t i = 1; i < n; i++) {
        double x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Grow t and spare to hold need tuples. */
static int reserve(seg_qsketch *s, size_t need)
{
    if (need <= s->cap_t)
        return SEG_OK;
    /* Grow by a quarter at least, in steps of 1024 tuples: the summary's
     * size levels off, and memory is budgeted per sketch. */
    size_t cap = s->cap_t + s->cap_t / 4;
    if (cap < need)
        cap = need;
    cap = (cap + 1023) / 1024 * 1024;
    qtuple *a = seg_realloc(s->t, cap * sizeof *a);
    if (!a)
        return SEG_NOMEM();
    s->t = a;
    qtuple *b = seg_realloc(s->spare, cap * sizeof *b);
    if (!b)
        return SEG_NOMEM();
    s->spare = b;
    s->cap_t = cap;
    return SEG_OK;
}

/* COMPRESS, right to left: tuple i joins its right neighbour (as it now
 * stands) when g(i) + g(i+1) + delta(i+1) <= 2 eps n. The first and last
 * tuples (the exact minimum and maximum) stay. */
static void compress(seg_qsketch *s)
{
    if (s->nt < 3 || s->nt <= s->exact_cap)
        return;
    const double thr = 2.0 * s->eps * (double)s->n;
    qtuple *t = s->t;
    size_t w = s->nt - 1;
    for (size_t i = s->nt - 2; i >= 1; i--) {
        if ((double)(t[i].g + t[w].g + t[w].delta) <= thr) {
            t[w].g += t[i].g;
        } else {
            w--;
            t[w] = t[i];
        }
    }
    w--;
    t[w] = t[0];
    s->nt -= w;
    memmove(t, t + w, s->nt * sizeof *t);
}

int seg_qsketch_flush(seg_qsketch *s)
{
    if (s->nbuf == 0)
        return SEG_OK;
    int rc = reserve(s, s->nt + s->nbuf);
    if (rc < 0)
        return rc;
    sort_doubles(s->buf, s->nbuf);
    const qtuple *old = s->t;
    qtuple *out = s->spare;
    size_t i = 0, j = 0, w = 0;
    /* A new value goes after the old ones equal to it. */
    while (i < s->nt || j < s->nbuf) {
        if (j == s->nbuf || (i < s->nt && old[i].v <= s->buf[j])) {
            out[w++] = old[i++];
        } else {
            uint64_t delta = 0;
            if (i > 0 && i < s->nt)
                delta = old[i].g + old[i].delta - 1;
            out[w++] = (qtuple){s->buf[j++], 1, delta};
        }
    }
    s->spare = s->t;
    s->t = out;
    s->nt = w;
    s->nbuf = 0;
    compress(s);
    return SEG_OK;
}

int seg_qsketch_add(seg_qsketch *s, double v)
{
    if (s->nbuf == s->cap_buf) {
        int rc = seg_qsketch_flush(s);
        if (rc < 0)
            return rc;
    }
    s->buf[s->nbuf++] = v;
    s->n++;
    return SEG_OK;
}

/* The tuple whose rank bracket strays least from r: within eps n by the
 * invariant, exact when the summary is. */
double seg_qsketch_rank_value(const seg_qsketch *s, uint64_t r)
{
    uint64_t rmin = 0, best_err = UINT64_MAX;
    size_t best = 0;
    for (size_t i = 0; i < s->nt; i++) {
        rmin += s->t[i].g;
        uint64_t rmax = rmin + s->t[i].delta;
        uint64_t lo = r > rmin ? r - rmin : 0, hi = rmax > r ? rmax - r : 0;
        uint64_t err = lo > hi ? lo : hi;
        if (err < best_err) {
            best_err = err;
            best = i;
        }
        if (rmin > r)
            break; /* later tuples only stray further */
    }
    return s->t[best].v;
}

double seg_qsketch_quantile(const seg_qsketch *s, double q)
{
    double pos = (double)(s->n - 1) * q;
    uint64_t k = (uint64_t)pos;
    double t = pos - (double)k;
    double a = seg_qsketch_rank_value(s, k + 1);
    if (t == 0.0 || k + 1 >= s->n)
        return a;
    double b = seg_qsketch_rank_value(s, k + 2);
    double d = b - a;
    return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

size_t seg_qsketch_bytes(const seg_qsketch *s)
{
    return 2 * s->cap_t * sizeof(qtuple) + s->cap_buf * sizeof(double);
}
