/*
 * The selection of select.c for one element type (instantiated for float
 * and double by core/instantiate.h): float values are selected as floats,
 * which orders them exactly as their double conversions.
 */
/*
 * Order statistics by selection; rank() below narrows a large range by
 * sampling first and leaves the rest to rank_small(): Wirth's partition
 * scheme around a median-of-three pivot, whose scans stop on values equal
 * to the pivot, so runs of ties split evenly instead of going quadratic. The range narrows to
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

static void FN(rank_small)(T *v, size_t n, size_t r)
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

/* Moves the values of a[0..m) below bound (strictly, or at most bound when
 * le) to the front, in any order; returns their count. Branch-free (the
 * comparison only decides how far the front moves), so values on either
 * side in random order cost no mispredicted branches: the loop the
 * Hoare scans of rank_small spend most of their time in. */
static size_t FN(front)(T *a, size_t m, T bound, bool le)
{
    size_t j = 0;
    if (le)
        for (size_t i = 0; i < m; i++) {
            const T x = a[i];
            const size_t in = x <= bound;
            a[i] = a[j];
            a[j] = x;
            j += in;
        }
    else
        for (size_t i = 0; i < m; i++) {
            const T x = a[i];
            const size_t in = x < bound;
            a[i] = a[j];
            a[j] = x;
            j += in;
        }
    return j;
}

/* Below this many values rank_small does the whole selection. */
#define SELECT_SAMPLED_MIN 4096
/* The sample that brackets the wanted rank (at most; on the stack). */
#define SELECT_SAMPLE 1024

/*
 * Selection in the manner of Floyd and Rivest: two values p1 <= p2 taken
 * from a sorted sample of the range, a little below and above where rank r
 * falls in it, cut the range into v < p1, p1 <= v <= p2 and v > p2 by two
 * branch-free passes; the rank is then looked for in the part that holds it,
 * almost always the middle one, a few percent of the range. A range that
 * does not shrink by a quarter (an adversarial order, or ties) is left to
 * rank_small, as are small ranges. The sample is evenly spaced, so the
 * result (and the order v is left in) depends on v alone. Either way v ends
 * partitioned around r, as seg_select_rank promises.
 */
static void FN(rank)(T *v, size_t n, size_t r)
{
    if (n < 2 || r >= n)
        return;
    size_t lo = 0, hi = n; /* r is in [lo, hi) */
    while (hi - lo >= SELECT_SAMPLED_MIN) {
        const size_t m = hi - lo;
        T sample[SELECT_SAMPLE];
        const size_t s = m / 16 < SELECT_SAMPLE ? m / 16 : SELECT_SAMPLE;
        for (size_t i = 0; i < s; i++)
            sample[i] = v[lo + (i * m + m / 2) / s];
        qsort(sample, s, sizeof *sample, FN(cmp));
        /* r's place in the sample, widened by about two standard deviations
         * of a sample rank (sqrt(s) / 2 ... s / 2 around it) */
        const double at = (double)(r - lo) / (double)m * (double)s;
        const double wide = 2.0 * sqrt((double)s) + 2.0;
        const size_t i1 = at - wide <= 0 ? 0 : (size_t)(at - wide);
        const size_t i2 = at + wide >= (double)(s - 1) ? s - 1 : (size_t)(at + wide);
        const T p1 = sample[i1], p2 = sample[i2];
        const size_t below = FN(front)(v + lo, m, p1, false);
        const size_t upto = below + FN(front)(v + lo + below, m - below, p2, true);
        size_t nlo, nhi;
        if (r < lo + below) {
            nlo = lo;
            nhi = lo + below;
        } else if (r >= lo + upto) {
            nlo = lo + upto;
            nhi = hi;
        } else {
            nlo = lo + below;
            nhi = lo + upto;
            if (!(p1 < p2))
                return; /* the middle is all one value */
        }
        if ((nhi - nlo) > m - m / 4)
            break; /* no progress worth a pass: rank_small finishes */
        lo = nlo;
        hi = nhi;
    }
    FN(rank_small)(v + lo, hi - lo, r - lo);
}

/* After seg_select_rank(v, n, r): the smallest of v[r+1..n), the value of rank r + 1. */
static T FN(next_rank)(const T *v, size_t n, size_t r)
{
    T b = v[r + 1];
    for (size_t i = r + 2; i < n; i++)
        b = v[i] < b ? v[i] : b;
    return b;
}

