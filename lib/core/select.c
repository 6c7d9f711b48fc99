/*
 * Order statistics by selection (the scaler's medians and quartiles, the
 * profiles' medians): exact, each equal to what sorting the values would
 * give, in O(n) expected time.
 */
#include "core/select.h"

#include <stdlib.h>

#define SEG_TMPL "core/select_tmpl.h"
#include "core/instantiate.h"

void seg_select_rank(double *v, size_t n, size_t r)
{
    rank_f64(v, n, r);
}

double seg_select_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    const size_t h = (n - 1) / 2;
    rank_f64(v, n, h);
    return n % 2 ? v[h] : 0.5 * (v[h] + next_rank_f64(v, n, h));
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
    return lo + 1 < n && frac > 0 ? v[lo] + frac * (next_rank_f64(v, n, lo) - v[lo]) : v[lo];
}

double seg_select_median_f32(float *v, size_t n)
{
    if (n == 0)
        return NAN;
    const size_t h = (n - 1) / 2;
    rank_f32(v, n, h);
    return n % 2 ? (double)v[h] : 0.5 * ((double)v[h] + (double)next_rank_f32(v, n, h));
}
