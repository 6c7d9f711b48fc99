/*
 * The selection of select.c for one element type (instantiated for float
 * and double by core/instantiate.h): float values are selected as floats,
 * which orders them exactly as their double conversions.
 */
/*
 * Order statistics by selection. Wirth's partition scheme around a
 * median-of-three pivot: both scans stop on values equal to the pivot, so
 * runs of ties split evenly instead of going quadratic. The range narrows to
 * the side that holds rank r, O(n) expected; after 2 log2(n) + 16 rounds
 * without finishing (an adversarial order) what is left is sorted instead,
 * so the worst case is O(n log n), as for introselect.
 */
static int FN(cmp)(const void *pa, const void *pb)
{
    const T a = *(const T *)pa, b = *(const T *)pb;
    return (a > b) - (a < b);
}

static inline void FN(swap)(T *a, T *b)
{
    const T t = *a;
    *a = *b;
    *b = t;
}

static void FN(rank)(T *v, size_t n, size_t r)
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
            qsort(v + lo, (size_t)(hi - lo + 1), sizeof *v, FN(cmp));
            return;
        }
        const ptrdiff_t mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo])
            FN(swap)(&v[mid], &v[lo]);
        if (v[hi] < v[lo])
            FN(swap)(&v[hi], &v[lo]);
        if (v[hi] < v[mid])
            FN(swap)(&v[hi], &v[mid]);
        const T pivot = v[mid];
        ptrdiff_t i = lo, j = hi;
        do {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i <= j) {
                FN(swap)(&v[i], &v[j]);
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
static T FN(next_rank)(const T *v, size_t n, size_t r)
{
    T b = v[r + 1];
    for (size_t i = r + 2; i < n; i++)
        b = v[i] < b ? v[i] : b;
    return b;
}

