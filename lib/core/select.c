/*
 * Order statistics by selection (the scaler's medians and quartiles, the
 * profiles' medians): exact, each equal to what sorting the values would
 * give, in O(n) expected time.
 */
#include "core/select.h"

#include <stdlib.h>

/*
 * Order statistics by selection. Wirth's partition scheme around a
 * median-of-three pivot: both scans stop on values equal to the pivot, so
 * runs of ties split evenly instead of going quadratic. The range narrows to
 * the side that holds rank r, O(n) expected; after 2 log2(n) + 16 rounds
 * without finishing (an adversarial order) what is left is sorted instead,
 * so the worst case is O(n log n), as for introselect.
 */
static int cmp_double(const void *pa, const void *pb)
{
    const double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

static inline void swap_double(double *a, double *b)
{
    const double t = *a;
    *a = *b;
    *b = t;
}

void seg_select_rank(double *v, size_t n, size_t r)
{
    if (n < 2 || r >= n)
        return;
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1;
    const ptrdiff_t want = (ptrdiff_t)r;
    unsigned budget = 16;
    for (size_t m = n; m > 1; m >>= 1)
        budget += 2;
    while (lo < hi) {
        if (budget-- == 0) {
            qsort(v + lo, (size_t)(hi - lo + 1), sizeof *v, cmp_double);
            return;
        }
        const ptrdiff_t mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo])
            swap_double(&v[mid], &v[lo]);
        if (v[hi] < v[lo])
            swap_double(&v[hi], &v[lo]);
        if (v[hi] < v[mid])
            swap_double(&v[hi], &v[mid]);
        const double pivot = v[mid];
        ptrdiff_t i = lo, j = hi;
        do {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i <= j) {
                swap_double(&v[i], &v[j]);
                i++;
                j--;
            }
        } while (i <= j);
        /* v[lo..j] <= pivot <= v[i..hi], and v[j+1..i-1] all equal it */
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            return;
    }
}

/* After seg_select_rank(v, n, r): the smallest of v[r+1..n), the value of rank r + 1. */
static double next_rank(const double *v, size_t n, size_t r)
{
    double b = v[r + 1];
    for (size_t i = r + 2; i < n; i++)
        b = v[i] < b ? v[i] : b;
    return b;
}

double seg_select_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    const size_t h = (n - 1) / 2;
    seg_select_rank(v, n, h);
    return n % 2 ? v[h] : 0.5 * (v[h] + next_rank(v, n, h));
}

double seg_select_quantile(double *v, size_t n, double p)
{
    if (n == 0 || !(p >= 0 && p <= 1))
        return NAN;
    const double h = (double)(n - 1) * p;
    size_t lo = (size_t)h;
    if (lo > n - 1)
        lo = n - 1;
    seg_select_rank(v, n, lo);
    const double frac = h - (double)lo;
    return lo + 1 < n && frac > 0 ? v[lo] + frac * (next_rank(v, n, lo) - v[lo]) : v[lo];
}
