/*
 * Quality metrics of a labelling: silhouette, Davies-Bouldin,
 * Calinski-Harabasz. Computed in double whatever the input precision.
 */
#include "kernel/distance.h"
#include "model/model.h"
#include "analyse/sweep.h"

#include <stdlib.h>
#include <string.h>

static inline double xval(const void *x, bool f32, size_t idx)
{
    return f32 ? (double)((const float *)x)[idx] : ((const double *)x)[idx];
}

static int check_labels(const void *x, size_t n, size_t d, const int32_t *labels, size_t k,
                        const double *w, const double *out)
{
    if (!x || !labels || !out || n == 0 || d == 0 || k == 0)
        return seg_fail(SEG_ERR_INVALID_ARG, "metrics need data, labels, k >= 1 and an output");
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0 || (size_t)labels[i] >= k)
            return seg_fail(SEG_ERR_INVALID_ARG, "row %zu: label %d is outside 0..%zu", i + 1,
                            (int)labels[i], k - 1);
        if (w && !(w[i] > 0 && isfinite(w[i])))
            return seg_fail(SEG_ERR_NONFINITE, "row %zu: weight %g must be finite and > 0", i + 1,
                            w[i]);
    }
    return SEG_OK;
}

/*
 * Weighted segment means (k x d), weights (k) and the number of non-empty
 * segments. Each mean is taken about the segment's first row (held in
 * `first`, k entries of scratch), x_0 + sum w (x - x_0) / sum w, so that a
 * segment of identical rows has exactly that row as its mean: the plain
 * sum / count of three copies of 0.1 is not 0.1, and that rounding made the
 * within-segment dispersion of k = the distinct rows a tiny positive number
 * and the Calinski-Harabasz index ~1e32 instead of its defined value.
 */
static size_t segment_means(const void *x, bool f32, size_t n, size_t d, const int32_t *labels,
                            size_t k, const double *w, double *mean, double *wsum, size_t *first)
{
    size_t used = 0;
    memset(mean, 0, k * d * sizeof *mean);
    memset(wsum, 0, k * sizeof *wsum);
    for (size_t c = 0; c < k; c++)
        first[c] = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        const size_t l = (size_t)labels[i];
        const double wi = w ? w[i] : 1.0;
        double *c = mean + l * d;
        if (first[l] == SIZE_MAX)
            first[l] = i;
        const size_t r = first[l];
        for (size_t j = 0; j < d; j++)
            c[j] += wi * (xval(x, f32, i * d + j) - xval(x, f32, r * d + j));
        wsum[l] += wi;
    }
    for (size_t c = 0; c < k; c++) {
        if (wsum[c] == 0)
            continue;
        used++;
        for (size_t j = 0; j < d; j++)
            mean[c * d + j] = xval(x, f32, first[c] * d + j) + mean[c * d + j] / wsum[c];
    }
    return used;
}

static int alloc_means(size_t k, size_t d, double **mean, double **wsum, size_t **first)
{
    size_t kd;
    if (!seg_mul_ok(k, d, &kd))
        return seg_fail(SEG_ERR_OVERFLOW, "k x d overflows");
    *mean = seg_malloc_array(kd, sizeof **mean);
    *wsum = seg_malloc_array(k, sizeof **wsum);
    *first = seg_malloc_array(k, sizeof **first);
    if (!*mean || !*wsum || !*first) {
        seg_free(*mean);
        seg_free(*wsum);
        seg_free(*first);
        *mean = *wsum = NULL;
        *first = NULL;
        return SEG_NOMEM();
    }
    return SEG_OK;
}

/*
 * The finishing arithmetic of Davies-Bouldin and Calinski-Harabasz, on the
 * sums over the rows (seg_metrics_finish()): one copy, so that libseg-mpi,
 * which sums over ranks, gets the bits of the functions below.
 */
static double davies_bouldin_of(size_t k, size_t d, const double *mean, const double *wsum,
                                const double *scatter, size_t used)
{
    double total = 0;
    for (size_t a = 0; a < k; a++) {
        if (wsum[a] == 0)
            continue;
        double worst = 0;
        for (size_t b = 0; b < k; b++) {
            if (b == a || wsum[b] == 0)
                continue;
            double sep = 0;
            for (size_t j = 0; j < d; j++) {
                double v = mean[a * d + j] - mean[b * d + j];
                sep += v * v;
            }
            sep = sqrt(sep);
            /* Coincident means: that pair is ignored (scikit-learn's convention). */
            if (sep > 0) {
                double r = (scatter[a] / wsum[a] + scatter[b] / wsum[b]) / sep;
                if (r > worst)
                    worst = r;
            }
        }
        total += worst;
    }
    return total / (double)used;
}

static int calinski_harabasz_of(size_t k, size_t d, const double *mean, const double *wsum,
                                double within, size_t used, double *out)
{
    /* An empty segment adds 0 x its mean to the sums below: skipped, which
     * leaves the bits alone and never reads its (unset) mean. */
    double *overall = seg_calloc(d, sizeof *overall);
    if (!overall)
        return SEG_NOMEM();
    double total_w = 0;
    for (size_t c = 0; c < k; c++) {
        if (wsum[c] == 0)
            continue;
        total_w += wsum[c];
        for (size_t j = 0; j < d; j++)
            overall[j] += wsum[c] * mean[c * d + j];
    }
    for (size_t j = 0; j < d; j++)
        overall[j] /= total_w;
    double between = 0;
    for (size_t c = 0; c < k; c++) {
        if (wsum[c] == 0)
            continue;
        double s = 0;
        for (size_t j = 0; j < d; j++) {
            double v = mean[c * d + j] - overall[j];
            s += v * v;
        }
        between += wsum[c] * s;
    }
    seg_free(overall);
    /* Every row on its segment's centre (k = the distinct rows, k = n
     * included): the index is B / 0, and we give 1, as scikit-learn's
     * calinski_harabasz_score does, rather than fail after a good fit.
     * With W > 0 some segment holds two distinct rows, so n > m; only
     * weights can make N <= m and leave the index undefined. */
    if (within == 0) {
        *out = 1.0;
    } else if (total_w <= (double)used) {
        return seg_fail(SEG_ERR_TOO_FEW_POINTS,
                        "Calinski-Harabasz: the weights sum to %g, not more than the %zu "
                        "non-empty segments",
                        total_w, used);
    } else {
        *out = (between / (double)(used - 1)) / (within / (total_w - (double)used));
    }
    return SEG_OK;
}

int seg_metrics_finish(size_t k, size_t d, const double *mean, const double *wsum,
                       const double *scatter, double within, double *davies_bouldin,
                       double *calinski_harabasz)
{
    if (!mean || !wsum || !k || !d || (!davies_bouldin && !calinski_harabasz) ||
        (davies_bouldin && !scatter))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_metrics_finish: NULL sums, k or d 0, or no "
                                             "output");
    size_t used = 0;
    for (size_t c = 0; c < k; c++)
        used += wsum[c] != 0;
    if (used < 2)
        return seg_fail(SEG_ERR_TOO_FEW_POINTS, "%s needs two non-empty segments",
                        davies_bouldin ? "Davies-Bouldin" : "Calinski-Harabasz");
    if (davies_bouldin)
        *davies_bouldin = davies_bouldin_of(k, d, mean, wsum, scatter, used);
    return calinski_harabasz ? calinski_harabasz_of(k, d, mean, wsum, within, used,
                                                    calinski_harabasz)
                             : SEG_OK;
}

/* Each row's distance to its segment's mean, added in row order to its
 * segment's scatter (w |x - mean|) and to within (w |x - mean|^2). */
static void add_spread(const void *x, bool f32, size_t n, size_t d, const int32_t *labels,
                       const double *w, const double *mean, double *scatter, double *within)
{
    for (size_t i = 0; i < n; i++) {
        const double *c = mean + (size_t)labels[i] * d;
        double s = 0;
        for (size_t j = 0; j < d; j++) {
            double v = xval(x, f32, i * d + j) - c[j];
            s += v * v;
        }
        scatter[labels[i]] += (w ? w[i] : 1.0) * sqrt(s);
        *within += (w ? w[i] : 1.0) * s;
    }
}

static int add_spread_checked(const void *x, bool f32, size_t n, size_t d,
                              const int32_t *labels, size_t k, const double *w,
                              const double *mean, double *scatter, double *within)
{
    if (!mean || !scatter || !within)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_metrics_add_spread: NULL mean or sums");
    int rc = n ? check_labels(x, n, d, labels, k, w, within) : SEG_OK;
    if (rc == SEG_OK)
        add_spread(x, f32, n, d, labels, w, mean, scatter, within);
    return rc;
}

int seg_metrics_add_spread_f32(const float *x, size_t n, size_t d, const int32_t *labels,
                               size_t k, const double *weights, const double *mean,
                               double *scatter, double *within)
{
    return add_spread_checked(x, true, n, d, labels, k, weights, mean, scatter, within);
}

int seg_metrics_add_spread_f64(const double *x, size_t n, size_t d, const int32_t *labels,
                               size_t k, const double *weights, const double *mean,
                               double *scatter, double *within)
{
    return add_spread_checked(x, false, n, d, labels, k, weights, mean, scatter, within);
}

/*
 * Davies-Bouldin (db) and/or Calinski-Harabasz (ch; either may be NULL):
 * the segment means, then one pass over the rows for each segment's scatter
 * (sum of w |x - mean|) and the within dispersion (sum of w |x - mean|^2),
 * finished by seg_metrics_finish().
 */
static int db_ch(const void *x, bool f32, size_t n, size_t d, const int32_t *labels, size_t k,
                 const double *w, double *db, double *ch)
{
    double *mean = NULL, *wsum = NULL, *scatter = NULL;
    size_t *first = NULL;
    int rc = check_labels(x, n, d, labels, k, w, db ? db : ch);
    if (rc < 0 || (rc = alloc_means(k, d, &mean, &wsum, &first)) < 0)
        return rc;
    if (segment_means(x, f32, n, d, labels, k, w, mean, wsum, first) < 2) {
        rc = seg_fail(SEG_ERR_TOO_FEW_POINTS, "%s needs two non-empty segments",
                      db ? "Davies-Bouldin" : "Calinski-Harabasz");
        goto done;
    }
    scatter = seg_calloc(k, sizeof *scatter);
    if (!scatter) {
        rc = SEG_NOMEM();
        goto done;
    }
    double within = 0;
    add_spread(x, f32, n, d, labels, w, mean, scatter, &within);
    rc = seg_metrics_finish(k, d, mean, wsum, scatter, within, db, ch);
done:
    seg_free(mean);
    seg_free(wsum);
    seg_free(first);
    seg_free(scatter);
    return rc;
}

static int sample_rows(size_t n, size_t m, uint64_t seed, size_t *idx)
{
    seg_rng rng;
    size_t cap = 16, got = 0;
    while (cap < 2 * m)
        cap <<= 1;
    size_t *set = seg_malloc_array(cap, sizeof *set);
    if (!set)
        return SEG_NOMEM();
    for (size_t s = 0; s < cap; s++)
        set[s] = SIZE_MAX;
    seg_rng_seed(&rng, seed);
    for (size_t j = n - m; j < n; j++) {
        size_t t = (size_t)seg_rng_below(&rng, (uint64_t)j + 1), pick = t;
        /* Insert t, or j if t is already there. */
        for (int pass = 0; pass < 2; pass++) {
            size_t h = (pick * 0x9e3779b97f4a7c15ULL) & (cap - 1);
            while (set[h] != SIZE_MAX && set[h] != pick)
                h = (h + 1) & (cap - 1);
            if (set[h] == SIZE_MAX) {
                set[h] = pick;
                idx[got++] = pick;
                break;
            }
            pick = j;
        }
    }
    seg_free(set);
    return SEG_OK;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : (x > y);
}

/* The silhouette's sample in row order: m of the n rows by sample_rows(),
 * sorted; all rows when m >= n. */
static int sample_sorted(size_t n, size_t m, uint64_t seed, size_t *idx)
{
    if (m >= n) {
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        return SEG_OK;
    }
    int rc = sample_rows(n, m, seed, idx);
    if (rc == SEG_OK)
        qsort(idx, m, sizeof *idx, cmp_size);
    return rc;
}

int seg_metrics_sample_rows(size_t n, size_t m, uint64_t seed, size_t *idx)
{
    return sample_sorted(n, m, seed, idx);
}

/* s[i] += wc * sqrt(col[i]) for i < b: the inner loop of the silhouette. */
SEG_HOT_CLONES static void add_sqrt(double *restrict s, const double *restrict col, double wc,
                                    size_t b)
{
    for (size_t i = 0; i < b; i++)
        s[i] += wc * __builtin_sqrt(col[i]);
}

typedef double v8d __attribute__((vector_size(64)));

/*
 * For the b x cb centroid-major tile t of squared distances (rows i, columns
 * c), in place t := sqrt(t), then rs[i] += sum_c wc[c] t[c][i] and
 * cs[c] += sum_i wr[i] t[c][i]. The column sums run in eight lanes added in
 * a fixed order, so they do not depend on where the tile is computed.
 */
SEG_HOT_CLONES static void tile_sums(double *restrict t, size_t b, size_t cb,
                                     const double *restrict wr, const double *restrict wc,
                                     double *restrict rs, double *restrict cs)
{
    for (size_t e = 0; e < b * cb; e++)
        t[e] = __builtin_sqrt(t[e]);
    for (size_t c = 0; c < cb; c++) {
        const double *q = t + c * b;
        v8d acc = {0};
        size_t i = 0;
        for (; i + 8 <= b; i += 8) {
            v8d vw, vq;
            memcpy(&vw, wr + i, sizeof vw);
            memcpy(&vq, q + i, sizeof vq);
            acc += vw * vq;
        }
        double tail = 0;
        for (; i < b; i++)
            tail += wr[i] * q[i];
        cs[c] += ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7])) +
                 tail;
        for (i = 0; i < b; i++)
            rs[i] += wc[c] * q[i];
    }
}

/* One row's silhouette from its summed distances sum[c * stride] to each segment. */
static double silhouette_score(const double *sum, size_t stride, int32_t own, double wa,
                               const double *clw, size_t k)
{
    const double rest = clw[own] - wa;
    if (!(rest > 0))
        return 0; /* alone in its segment */
    double in = sum[(size_t)own * stride] / rest, out_d = INFINITY;
    for (size_t c = 0; c < k; c++)
        if ((int32_t)c != own && clw[c] > 0 && sum[c * stride] / clw[c] < out_d)
            out_d = sum[c * stride] / clw[c];
    double mx = in > out_d ? in : out_d;
    return mx > 0 ? (out_d - in) / mx : 0;
}

/* Rows scored per block, and sample rows per tile of the one-sided form. */
#define SIL_B 64
#define SIL_CB 512
/* Most bytes of partial sums the symmetric form may hold. */
#define SIL_SYM_MAX_BYTES ((size_t)64 << 20)
/* Most bytes of distances, and of partial sums, seg_metrics_silhouettes_*
 * hold at once. */
#define SIL_MANY_MAX_BYTES ((size_t)256 << 20)

/*
 * The symmetric form: the segment-ordered sample S (m rows) is cut into
 * chunks, runs of at most L rows of one segment. Each pair of chunks A <= C is
 * one task, computed once: the distances of A's rows to C's give, for each
 * row of A, its summed distance to C and, for each row of C, its summed
 * distance to A. Every sum lands in its own slot P[row * nc + chunk], written
 * by exactly one task, and a row's distance to a segment is its slots of that
 * segment's chunks added in chunk order: half the distances of the one-sided
 * form, and the same result for any thread count. Returns false, doing
 * nothing, when P would exceed SIL_SYM_MAX_BYTES or memory runs out.
 */
typedef struct sym_job {
    const double *S, *norms, *sw, *clw;
    const int32_t *sl;
    size_t d, k, m_, nc, L, per;
    const size_t *cb;
    const uint32_t *task;
    double *P, *tiles, *score;
} sym_job;

/* Task t: the distances of chunk A's rows to chunk C's, summed both ways. */
static void sym_pair(void *ctx, size_t t, int thread)
{
    const sym_job *j = ctx;
    const size_t A = j->task[2 * t], C = j->task[2 * t + 1], nc = j->nc, d = j->d;
    const size_t *cb = j->cb;
    const size_t c0 = cb[C], ncol = cb[C + 1] - c0;
    const double *S = j->S, *norms = j->norms, *sw = j->sw;
    double *P = j->P;
    double *tile = j->tiles + (size_t)thread * j->per;
    double *rs = tile + SIL_B * j->L, *cs = rs + SIL_B;
    memset(cs, 0, ncol * sizeof *cs);
    for (size_t a0 = cb[A]; a0 < cb[A + 1]; a0 += SIL_B) {
        const size_t b = cb[A + 1] - a0 < SIL_B ? cb[A + 1] - a0 : SIL_B;
        seg_sqdist_cm_f64(S + a0 * d, NULL, b, d, norms + a0, S + c0 * d, ncol, norms + c0, tile);
        if (A == C) /* a row's distance to itself is 0, whatever rounding says */
            for (size_t i = 0; i < b; i++)
                tile[(a0 + i - c0) * b + i] = 0;
        memset(rs, 0, b * sizeof *rs);
        tile_sums(tile, b, ncol, sw + a0, sw + c0, rs, cs);
        for (size_t i = 0; i < b; i++)
            P[(a0 + i) * nc + C] = rs[i];
    }
    if (A != C)
        for (size_t c = 0; c < ncol; c++)
            P[(c0 + c) * nc + A] = cs[c];
}

/* Rows of the sample a block of SIL_B an item: each row's slots added per
 * segment in chunk order, then its score. */
static void sym_rows(void *ctx, size_t blk, int thread)
{
    const sym_job *j = ctx;
    const size_t nc = j->nc, k = j->k, m = j->m_;
    double *sum = j->tiles + (size_t)thread * j->per;
    for (size_t a = blk * SIL_B; a < m && a < (blk + 1) * SIL_B; a++) {
        memset(sum, 0, k * sizeof *sum);
        for (size_t q = 0; q < nc; q++)
            sum[j->sl[j->cb[q]]] += j->P[a * nc + q];
        j->score[a] = silhouette_score(sum, 1, j->sl[a], j->sw[a], j->clw, k);
    }
}

static bool silhouette_sym(const double *S, const double *norms, const int32_t *sl,
                           const double *sw, const double *clw, size_t m, size_t d, size_t k,
                           seg_pool *pool, int threads, double *score)
{
    const size_t L = m / 128 > 256 ? m / 128 : 256;
    size_t nc = 0, pairs, plen;
    size_t *cb = seg_malloc_array(m / L + k + 2, sizeof *cb); /* chunk bounds */
    if (!cb)
        return false;
    for (size_t a = 0; a < m; a++)
        if (a == 0 || sl[a] != sl[a - 1] || a - cb[nc - 1] == L)
            cb[nc++] = a;
    cb[nc] = m;
    pairs = nc * (nc + 1) / 2;
    if (!seg_mul_ok(m, nc, &plen) || plen > SIL_SYM_MAX_BYTES / sizeof(double)) {
        seg_free(cb);
        return false;
    }
    /* per thread: a tile, its row and column sums; later a row's k sums */
    const size_t per = SIL_B * L + SIL_B + L > k ? SIL_B * L + SIL_B + L : k;
    double *P = seg_malloc_array(plen, sizeof *P);
    double *tiles = seg_malloc_array((size_t)threads, per * sizeof *tiles);
    uint32_t *task = seg_malloc_array(pairs, 2 * sizeof *task);
    if (!P || !tiles || !task) {
        seg_free(cb);
        seg_free(P);
        seg_free(tiles);
        seg_free(task);
        return false;
    }
    for (size_t A = 0, t = 0; A < nc; A++)
        for (size_t C = A; C < nc; C++, t++) {
            task[2 * t] = (uint32_t)A;
            task[2 * t + 1] = (uint32_t)C;
        }
    sym_job job = {.S = S, .norms = norms, .sw = sw, .clw = clw, .sl = sl, .d = d, .k = k,
                   .m_ = m, .nc = nc, .L = L, .per = per, .cb = cb, .task = task, .P = P,
                   .tiles = tiles, .score = score};
    seg_pool_run(pool, pairs, threads, sym_pair, &job);
    seg_pool_run(pool, (m + SIL_B - 1) / SIL_B, threads, sym_rows, &job);
    seg_free(cb);
    seg_free(P);
    seg_free(tiles);
    seg_free(task);
    return true;
}

/* The one-sided form: SIL_B rows of the sample an item, their distances to
 * all sample rows tile by tile, summed per segment while the tile is in
 * cache. */
typedef struct sil_job {
    const double *S, *norms, *sw, *clw;
    const int32_t *sl;
    size_t m, d, k, CB;
    double *tiles, *acc, *score;
} sil_job;

static void sil_block(void *ctx, size_t bi, int thread)
{
    const sil_job *j = ctx;
    const size_t B = SIL_B, m = j->m, d = j->d, k = j->k, CB = j->CB;
    const double *S = j->S, *norms = j->norms, *sw = j->sw;
    const int32_t *sl = j->sl;
    double *tile = j->tiles + (size_t)thread * B * CB;
    double *sum = j->acc + (size_t)thread * B * k; /* sum[c * b + i] */
    const size_t a0 = bi * B, b = m - a0 < B ? m - a0 : B;
    memset(sum, 0, k * b * sizeof *sum);
    for (size_t c0 = 0; c0 < m; c0 += CB) {
        const size_t cb = m - c0 < CB ? m - c0 : CB;
        seg_sqdist_cm_f64(S + a0 * d, NULL, b, d, norms + a0, S + c0 * d, cb, norms + c0, tile);
        for (size_t i = 0; i < b; i++) /* a row's distance to itself is 0 */
            if (a0 + i >= c0 && a0 + i < c0 + cb)
                tile[(a0 + i - c0) * b + i] = 0;
        for (size_t c = 0; c < cb; c++)
            add_sqrt(sum + (size_t)sl[c0 + c] * b, tile + c * b, sw[c0 + c], b);
    }
    for (size_t i = 0; i < b; i++)
        j->score[a0 + i] = silhouette_score(sum + i, b, sl[a0 + i], sw[a0 + i], j->clw, k);
}

/*
 * Silhouette of the (sampled) rows. The sample is ordered by segment, so each
 * segment is one contiguous range of rows. With the register kernel, the
 * symmetric form above computes each pair's distance once. Otherwise (or
 * when its sums would not fit) rows are scored in blocks: for each block, the
 * distances to all sample rows come tile by tile from the distance kernel
 * (centroid-major, the sample rows standing in for centroids) and are summed
 * per segment while the tile is in cache. Either way each row's score is
 * computed in a fixed order, so the result does not depend on the thread
 * count.
 */
static int silhouette(const void *x, bool f32, size_t n, size_t d, const int32_t *labels,
                      size_t k, const double *w, size_t sample_size, uint64_t seed,
                      int64_t threads_setting, double *out)
{
    size_t m = n, *idx = NULL, *start = NULL, kd;
    double *S = NULL, *norms = NULL, *sw = NULL, *tiles = NULL, *acc = NULL, *score = NULL;
    double *clw = NULL;
    int32_t *sl = NULL;
    seg_pool *pool = NULL;
    int rc = check_labels(x, n, d, labels, k, w, out);
    if (rc < 0)
        return rc;
    if (sample_size && n > sample_size)
        m = sample_size;
    if (!seg_mul_ok(m, d, &kd))
        return seg_fail(SEG_ERR_OVERFLOW, "sample size overflows");
    /* With the register kernel every tile is computed on its thread; through
     * BLAS, one library thread and large tiles that BLAS threads itself. */
    const bool rk = seg_regkernel_ok(d, sizeof(double));
    const size_t B = SIL_B;
    const size_t CB = rk ? SIL_CB : m; /* sample rows per tile */
    const int threads = rk ? seg_threads_resolve(threads_setting) : 1;
    size_t tile_len, acc_len;
    if (!seg_mul_ok(B, CB, &tile_len) || !seg_mul_ok(tile_len, (size_t)threads, &tile_len) ||
        !seg_mul_ok(B, k, &acc_len) || !seg_mul_ok(acc_len, (size_t)threads, &acc_len))
        return seg_fail(SEG_ERR_OVERFLOW, "sample size overflows");
    idx = seg_malloc_array(m, sizeof *idx);
    start = seg_calloc(k + 1, sizeof *start);
    S = seg_malloc_array(kd, sizeof *S);
    norms = seg_malloc_array(m, sizeof *norms);
    sw = seg_malloc_array(m, sizeof *sw);
    sl = seg_malloc_array(m, sizeof *sl);
    score = seg_malloc_array(m, sizeof *score);
    clw = seg_calloc(k, sizeof *clw);
    if (!idx || !start || !S || !norms || !sw || !sl || !score || !clw) {
        rc = SEG_NOMEM();
        goto done;
    }
    if ((rc = sample_sorted(n, m, seed, idx)) < 0)
        goto done;
    /* Order the sample by segment (rows in order within one): start[c] is
     * where segment c begins once the counts are summed. */
    for (size_t a = 0; a < m; a++)
        start[labels[idx[a]] + 1]++;
    for (size_t c = 0; c < k; c++)
        start[c + 1] += start[c];
    size_t used = 0;
    for (size_t a = 0; a < m; a++) {
        const size_t r = idx[a], at = start[labels[r]]++;
        for (size_t j = 0; j < d; j++)
            S[at * d + j] = xval(x, f32, r * d + j);
        sl[at] = labels[r];
        sw[at] = w ? w[r] : 1.0;
    }
    for (size_t a = 0; a < m; a++) {
        used += clw[sl[a]] == 0;
        clw[sl[a]] += sw[a];
    }
    if (used < 2) {
        rc = seg_fail(SEG_ERR_TOO_FEW_POINTS, "silhouette needs two non-empty segments");
        goto done;
    }
    seg_row_norms_f64(S, m, d, norms);
    /* Threads from the library's pool: idle ones wait on a condition
     * variable instead of spinning (issue 20). */
    int nt = 1;
    if (threads > 1 && m > SIL_B && seg_pool_start(&pool, threads) == SEG_OK)
        nt = seg_pool_threads(pool);
    if (!(rk && silhouette_sym(S, norms, sl, sw, clw, m, d, k, pool, nt, score))) {
        tiles = seg_malloc_array(tile_len, sizeof *tiles);
        acc = seg_malloc_array(acc_len, sizeof *acc);
        if (!tiles || !acc) {
            rc = SEG_NOMEM();
            goto done;
        }
        sil_job job = {S, norms, sw, clw, sl, m, d, k, CB, tiles, acc, score};
        seg_pool_run(pool, (m + B - 1) / B, nt, sil_block, &job);
    }
    double num = 0, den = 0;
    for (size_t a = 0; a < m; a++) {
        num += sw[a] * score[a];
        den += sw[a];
    }
    *out = num / den;
done:
    seg_pool_stop(pool);
    seg_free(idx);
    seg_free(start);
    seg_free(S);
    seg_free(norms);
    seg_free(sw);
    seg_free(sl);
    seg_free(score);
    seg_free(clw);
    seg_free(tiles);
    seg_free(acc);
    return rc;
}

int seg_metrics_silhouette_rows(size_t n, size_t sample_size, uint64_t seed, size_t *rows,
                                size_t cap, size_t *m)
{
    if (!m || (!rows && cap))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_metrics_silhouette_rows: NULL argument");
    *m = sample_size && n > sample_size ? sample_size : n;
    if (!rows)
        return SEG_OK;
    if (cap < *m)
        return seg_fail(SEG_ERR_MISMATCH, "rows holds %zu, the sample is %zu rows", cap, *m);
    return sample_sorted(n, *m, seed, rows);
}

int seg_metrics_silhouette_f32(const float *x, size_t n, size_t d, const int32_t *labels, size_t k,
                               const double *weights, size_t sample_size, uint64_t seed,
                               double *out)
{
    return silhouette(x, true, n, d, labels, k, weights, sample_size, seed, 0, out);
}

int seg_metrics_silhouette_f64(const double *x, size_t n, size_t d, const int32_t *labels,
                               size_t k, const double *weights, size_t sample_size, uint64_t seed,
                               double *out)
{
    return silhouette(x, false, n, d, labels, k, weights, sample_size, seed, 0, out);
}

/*
 * Several labellings of the same rows scored on one sample (issue 20): the
 * sample's distances are computed once, a block of rows at a time, and each
 * labelling's sums are taken from them in exactly the order of the symmetric
 * form above (its chunks, its row sums for a chunk at or after the row's, its
 * eight-lane column sums for an earlier chunk), so each value is bit for bit
 * what silhouette() returns. A labelling the symmetric form would not take
 * (no register kernel, sums too large, fewer than two segments) is scored by
 * silhouette() itself.
 */
/* Rows a block of the shared pass: 16 measured fastest (issue 20). */
#define MULTI_B 16

typedef struct multi_lab {
    size_t k, nc;
    size_t *pos;   /* m: sample row -> its place in the segment order */
    size_t *perm;  /* m: place -> sample row */
    size_t *cb;    /* nc + 1 chunk bounds (places) */
    size_t *chunk; /* m: place -> its chunk */
    int32_t *sl;   /* m: label of each place */
    double *sw, *clw, *P, *score;
} multi_lab;

typedef struct multi_job {
    const double *S, *norms, *w; /* w: weights in sample order */
    size_t m, d, count;
    size_t first; /* the first block of this process's share */
    multi_lab *lab;
    double *rt; /* per thread 2 x MULTI_B x m square roots of the distances, 11 x SIL_B sums */
} multi_job;

/*
 * For chunk q of one labelling (places c0 .. c1-1) and the b rows of a block:
 * rs[i] = sum_c sw[c] T[c][i] in place order (sym_pair's row sums, when
 * rows), and cs[i] = its eight-lane column sums over U, per block of SIL_B
 * places (when lanes); T and U hold the block's distances both ways round,
 * column perm[c] at T + perm[c] * b.
 */
SEG_HOT_CLONES static void chunk_sums(const double *restrict T, const double *restrict U, size_t b,
                                      const size_t *restrict perm, const double *restrict sw,
                                      size_t c0, size_t c1, bool rows, bool lanes,
                                      double *restrict rs, double *restrict cs,
                                      double *restrict acc /* 9 x SIL_B */)
{
    for (size_t i = 0; i < b; i++)
        rs[i] = cs[i] = 0;
    for (size_t r0 = c0; r0 < c1; r0 += SIL_B) {
        const size_t bb = c1 - r0 < SIL_B ? c1 - r0 : SIL_B, full = bb / 8 * 8;
        if (lanes)
            for (size_t e = 0; e < 9; e++)
                for (size_t i = 0; i < b; i++)
                    acc[e * SIL_B + i] = 0;
        for (size_t r = 0; r < bb; r++) {
            const size_t col = perm[r0 + r] * b;
            const double w = sw[r0 + r];
            if (rows) {
                const double *restrict t = T + col;
                for (size_t i = 0; i < b; i++)
                    rs[i] += w * t[i];
            }
            if (lanes) {
                const double *restrict u = U + col;
                double *restrict a = acc + (r < full ? r % 8 : 8) * SIL_B;
                for (size_t i = 0; i < b; i++)
                    a[i] += w * u[i];
            }
        }
        if (lanes)
            for (size_t i = 0; i < b; i++) {
                const double *a = acc + i;
                cs[i] += ((a[0 * SIL_B] + a[4 * SIL_B]) + (a[2 * SIL_B] + a[6 * SIL_B])) +
                             ((a[1 * SIL_B] + a[5 * SIL_B]) + (a[3 * SIL_B] + a[7 * SIL_B])) +
                         a[8 * SIL_B];
            }
    }
}

/* From T = -2 x_a.x_c (column c at T + c * b): T := the distances as
 * seg_sqdist_cm computes them with the rows as x, U := with the columns as x. */
SEG_HOT_CLONES static void both_ways(double *restrict T, double *restrict U, size_t b, size_t m,
                                     const double *restrict na, const double *restrict norms)
{
    for (size_t c = 0; c < m; c++) {
        const double nc = norms[c];
        double *restrict t = T + c * b, *restrict u = U + c * b;
        for (size_t i = 0; i < b; i++) {
            const double v = t[i] + nc + na[i], w = t[i] + na[i] + nc;
            t[i] = __builtin_sqrt(v > 0 ? v : 0);
            u[i] = __builtin_sqrt(w > 0 ? w : 0);
        }
    }
}

static void multi_block(void *ctx, size_t bi, int thread)
{
    const multi_job *j = ctx;
    const size_t m = j->m, d = j->d, a0 = (j->first + bi) * MULTI_B;
    const size_t b = m - a0 < MULTI_B ? m - a0 : MULTI_B;
    double *T = j->rt + (size_t)thread * (2 * MULTI_B * m + 11 * SIL_B), *U = T + MULTI_B * m;
    double *rs = U + MULTI_B * m, *cs = rs + SIL_B, *acc = cs + SIL_B;
    /* -2 x_a.x_c, the same both ways round; seg_sqdist_cm adds the column's
     * norm, then the row's, so the two orders round apart: T as sym_pair
     * sees the pair from the row's chunk, U from the column's. */
    for (size_t c0 = 0; c0 < m; c0 += SIL_CB) {
        const size_t cb = m - c0 < SIL_CB ? m - c0 : SIL_CB;
        seg_regkernel_tile_f64(j->S + a0 * d, NULL, b, d, j->S + c0 * d, cb, T + c0 * b);
    }
    both_ways(T, U, b, m, j->norms + a0, j->norms);
    for (size_t i = 0; i < b; i++) /* a row's distance to itself is 0 */
        T[(a0 + i) * b + i] = U[(a0 + i) * b + i] = 0;
    for (size_t l = 0; l < j->count; l++) {
        const multi_lab *L = &j->lab[l];
        if (!L->P)
            continue;
        const size_t nc = L->nc;
        size_t lo = SIZE_MAX, hi = 0; /* the block's rows' chunks */
        for (size_t i = 0; i < b; i++) {
            const size_t A = L->chunk[L->pos[a0 + i]];
            lo = A < lo ? A : lo;
            hi = A > hi ? A : hi;
        }
        for (size_t q = 0; q < nc; q++) {
            chunk_sums(T, U, b, L->perm, L->sw, L->cb[q], L->cb[q + 1], lo <= q, hi > q, rs, cs,
                       acc);
            for (size_t i = 0; i < b; i++) {
                const size_t p = L->pos[a0 + i];
                L->P[p * nc + q] = L->chunk[p] <= q ? rs[i] : cs[i];
            }
        }
    }
}

static void multi_lab_free(multi_lab *L)
{
    seg_free(L->pos);
    seg_free(L->perm);
    seg_free(L->cb);
    seg_free(L->chunk);
    seg_free(L->sl);
    seg_free(L->sw);
    seg_free(L->clw);
    seg_free(L->P);
    seg_free(L->score);
    memset(L, 0, sizeof *L);
}

/* Lays labelling L out as silhouette() would; leaves L->P NULL when the
 * symmetric form would not be used. Returns SEG_OK or SEG_ERR_NOMEM. */
static int multi_lab_init(multi_lab *L, const int32_t *labels, size_t k, const size_t *idx,
                          const double *w, size_t m, size_t *budget)
{
    size_t *start = seg_calloc(k + 1, sizeof *start);
    L->k = k;
    L->pos = seg_malloc_array(m, sizeof *L->pos);
    L->perm = seg_malloc_array(m, sizeof *L->perm);
    L->chunk = seg_malloc_array(m, sizeof *L->chunk);
    L->sl = seg_malloc_array(m, sizeof *L->sl);
    L->sw = seg_malloc_array(m, sizeof *L->sw);
    L->clw = seg_calloc(k, sizeof *L->clw);
    L->score = seg_malloc_array(m, sizeof *L->score);
    const size_t chunk_len = m / 128 > 256 ? m / 128 : 256;
    L->cb = seg_malloc_array(m / chunk_len + k + 2, sizeof *L->cb);
    if (!start || !L->pos || !L->perm || !L->chunk || !L->sl || !L->sw || !L->clw || !L->score ||
        !L->cb) {
        seg_free(start);
        return SEG_NOMEM();
    }
    for (size_t a = 0; a < m; a++)
        start[labels[idx[a]] + 1]++;
    for (size_t c = 0; c < k; c++)
        start[c + 1] += start[c];
    size_t used = 0, nc = 0, plen;
    for (size_t a = 0; a < m; a++) {
        const size_t at = start[labels[idx[a]]]++;
        L->pos[a] = at;
        L->perm[at] = a;
        L->sl[at] = labels[idx[a]];
        L->sw[at] = w ? w[idx[a]] : 1.0;
    }
    seg_free(start);
    for (size_t a = 0; a < m; a++) {
        used += L->clw[L->sl[a]] == 0;
        L->clw[L->sl[a]] += L->sw[a];
        if (a == 0 || L->sl[a] != L->sl[a - 1] || a - L->cb[nc - 1] == chunk_len)
            L->cb[nc++] = a;
        L->chunk[a] = nc - 1;
    }
    L->cb[nc] = m;
    L->nc = nc;
    if (used < 2 || !seg_mul_ok(m, nc, &plen) || plen > SIL_SYM_MAX_BYTES / sizeof(double) ||
        plen > *budget / sizeof(double))
        return SEG_OK;
    *budget -= plen * sizeof(double);
    L->P = seg_malloc_array(plen, sizeof *L->P);
    return L->P ? SEG_OK : SEG_NOMEM();
}

/* The score of place p of labelling L (sym_rows' sum and score). sum: k. */
static double multi_score(const multi_lab *L, size_t p, double *sum)
{
    memset(sum, 0, L->k * sizeof *sum);
    for (size_t q = 0; q < L->nc; q++)
        sum[L->sl[L->cb[q]]] += L->P[p * L->nc + q];
    return silhouette_score(sum, 1, L->sl[p], L->sw[p], L->clw, L->k);
}

/* Blocks [*b0, *b1) of nb: those of process `index` of `processes`. */
static void spread_share(size_t nb, const seg_spread *sp, size_t *b0, size_t *b1)
{
    *b0 = sp ? seg_spread_first(nb, sp->index, sp->processes) : 0;
    *b1 = sp ? seg_spread_first(nb, sp->index + 1, sp->processes) : nb;
}

/*
 * Shared over processes (sp, P > 1): every process lays the sample out, then
 * runs its own run of blocks (spread_share()) and scores those blocks' rows;
 * the scores are shared (sp->share, after sp->agree), and every process adds
 * up the same scores in the same order. Whether the shared pass is taken at
 * all (the register kernel is the CPU's) is shared first, so processes that
 * would differ fail alike instead of waiting for each other.
 */
static int silhouette_many(const void *x, bool f32, size_t n, size_t d,
                           const int32_t *const *labels, const size_t *ks, size_t count,
                           const double *w, size_t sample_size, uint64_t seed,
                           int64_t threads_setting, const seg_spread *sp, double *out)
{
    if (!labels || !ks || !out || count == 0)
        return seg_fail(SEG_ERR_INVALID_ARG, "silhouettes need labellings, their k and outputs");
    if (threads_setting < 0 || threads_setting > 4096)
        return seg_fail(SEG_ERR_INVALID_ARG, "silhouettes: threads %lld is outside 0 .. 4096",
                        (long long)threads_setting);
    if (sp && sp->processes < 2)
        sp = NULL;
    int rc = SEG_OK;
    for (size_t l = 0; l < count && rc == SEG_OK; l++)
        rc = check_labels(x, n, d, labels[l], ks[l], w, out);
    if (rc < 0)
        return rc;
    size_t m = sample_size && n > sample_size ? sample_size : n, kd = 0, rtl = 0;
    const bool rk = seg_regkernel_ok(d, sizeof(double));
    /* Each thread holds 2 x MULTI_B x m distances: at most SIL_MANY_MAX_BYTES
     * in all, else one call per labelling. */
    int threads = seg_threads_resolve(threads_setting);
    const size_t per_thread = m <= SIZE_MAX / (32 * MULTI_B) ? 16 * MULTI_B * m + 88 * SIL_B : SIZE_MAX;
    while (threads > 1 && per_thread > SIL_MANY_MAX_BYTES / (size_t)threads)
        threads--;
    bool one_by_one = !rk || count == 1 || per_thread > SIL_MANY_MAX_BYTES ||
                      !seg_mul_ok(m, d, &kd) || !seg_mul_ok(2 * MULTI_B, m, &rtl) ||
                      rtl > SIZE_MAX / 2 || !seg_mul_ok(rtl, (size_t)threads, &rtl);
    if (sp && count > 1) { /* one_by_one, on each process */
        double *ways = seg_malloc_array(sp->processes, sizeof *ways);
        size_t *offs = seg_malloc_array(sp->processes + 1, sizeof *offs);
        size_t alike = 0;
        rc = ways && offs ? SEG_OK : SEG_NOMEM();
        if ((rc = sp->agree(sp->ctx, rc)) == SEG_OK) {
            for (size_t p = 0; p <= sp->processes; p++)
                offs[p] = p;
            ways[sp->index] = one_by_one;
            rc = sp->share(sp->ctx, ways, offs);
        }
        for (size_t p = 0; rc == SEG_OK && p < sp->processes; p++)
            alike += ways[p] == ways[0];
        if (rc == SEG_OK && alike != sp->processes)
            rc = seg_fail(SEG_ERR_STATE, "the processes sharing the silhouettes differ in their "
                                         "CPUs' distance kernel, so their scores would differ");
        one_by_one = rc == SEG_OK && ways[0] != 0;
        seg_free(ways);
        seg_free(offs);
        if (rc < 0)
            return rc;
    }
    if (one_by_one) { /* on every process */
        for (size_t l = 0; l < count && rc == SEG_OK; l++)
            rc = silhouette(x, f32, n, d, labels[l], ks[l], w, sample_size, seed, threads_setting,
                            &out[l]);
        return rc;
    }
    size_t *idx = seg_malloc_array(m, sizeof *idx), *offs = NULL;
    double *S = seg_malloc_array(kd, sizeof *S), *norms = seg_malloc_array(m, sizeof *norms);
    double *rt = seg_malloc_array(rtl + 11 * SIL_B * (size_t)threads, sizeof *rt);
    double *shared = NULL, *sum = NULL;
    multi_lab *lab = seg_calloc(count, sizeof *lab);
    seg_pool *pool = NULL;
    size_t kmax = 0, sym = 0; /* labellings scored by the shared pass */
    const size_t nb = (m + MULTI_B - 1) / MULTI_B;
    size_t b0, b1;
    spread_share(nb, sp, &b0, &b1);
    const size_t a0 = b0 * MULTI_B, a1 = b1 * MULTI_B < m ? b1 * MULTI_B : m;
    for (size_t l = 0; l < count; l++)
        kmax = ks[l] > kmax ? ks[l] : kmax;
    /* Shared, a failure here reaches the agreement below: no return before it. */
    if (!idx || !S || !norms || !rt || !lab || !(sum = seg_malloc_array(kmax, sizeof *sum)))
        rc = SEG_NOMEM();
    if (rc == SEG_OK && (rc = sample_sorted(n, m, seed, idx)) == SEG_OK) {
        for (size_t a = 0; a < m; a++)
            for (size_t j = 0; j < d; j++)
                S[a * d + j] = xval(x, f32, idx[a] * d + j);
        seg_row_norms_f64(S, m, d, norms);
    }
    size_t budget = SIL_MANY_MAX_BYTES; /* the labellings' partial sums */
    for (size_t l = 0; rc == SEG_OK && l < count; l++)
        if ((rc = multi_lab_init(&lab[l], labels[l], ks[l], idx, w, m, &budget)) == SEG_OK)
            sym += lab[l].P != NULL;
    /* This process's blocks, and its rows' scores (shared: sample row a's
     * scores at shared[a * sym ...], one a labelling of the shared pass). */
    if (rc == SEG_OK && sym && b1 > b0) {
        int nt = 1;
        if (threads > 1 && m > SIL_B && seg_pool_start(&pool, threads) == SEG_OK)
            nt = seg_pool_threads(pool);
        multi_job job = {.S = S,
                         .norms = norms,
                         .m = m,
                         .d = d,
                         .count = count,
                         .first = b0,
                         .lab = lab,
                         .rt = rt};
        seg_pool_run(pool, b1 - b0, nt, multi_block, &job);
    }
    size_t len = 0;
    if (rc == SEG_OK && sp && sym &&
        (!seg_mul_ok(m, sym, &len) || !(shared = seg_malloc_array(len, sizeof *shared)) ||
         !(offs = seg_malloc_array(sp->processes + 1, sizeof *offs))))
        rc = SEG_NOMEM();
    for (size_t l = 0, s = 0; rc == SEG_OK && l < count; l++) {
        multi_lab *L = &lab[l];
        if (!L->P) { /* on every process */
            rc = silhouette(x, f32, n, d, labels[l], ks[l], w, sample_size, seed, threads_setting,
                            &out[l]);
            continue;
        }
        for (size_t a = a0; a < a1; a++) {
            const size_t p = L->pos[a];
            L->score[p] = multi_score(L, p, sum);
            if (shared)
                shared[a * sym + s] = L->score[p];
        }
        s++;
    }
    if (sp) { /* sym is alike on every process once rc is agreed */
        if ((rc = sp->agree(sp->ctx, rc)) < 0 || !sym)
            goto fail;
        for (size_t p = 0; p <= sp->processes; p++) {
            const size_t f = seg_spread_first(nb, p, sp->processes) * MULTI_B;
            offs[p] = (f < m ? f : m) * sym;
        }
        if ((rc = sp->share(sp->ctx, shared, offs)) < 0)
            goto fail;
        for (size_t l = 0, s = 0; l < count; l++) {
            multi_lab *L = &lab[l];
            if (!L->P)
                continue;
            for (size_t a = 0; a < m; a++)
                L->score[L->pos[a]] = shared[a * sym + s];
            s++;
        }
    }
    for (size_t l = 0; rc == SEG_OK && l < count; l++) {
        const multi_lab *L = &lab[l];
        if (!L->P)
            continue;
        double num = 0, den = 0; /* silhouette()'s mean */
        for (size_t a = 0; a < m; a++) {
            num += L->sw[a] * L->score[a];
            den += L->sw[a];
        }
        out[l] = num / den;
    }
fail:
    seg_pool_stop(pool);
    for (size_t l = 0; lab && l < count; l++)
        multi_lab_free(&lab[l]);
    seg_free(lab);
    seg_free(idx);
    seg_free(offs);
    seg_free(S);
    seg_free(norms);
    seg_free(rt);
    seg_free(sum);
    seg_free(shared);
    return rc;
}

int seg_metrics_silhouettes_spread(const void *x, bool f32, size_t n, size_t d,
                                   const int32_t *const *labels, const size_t *ks, size_t count,
                                   const double *w, size_t sample_size, uint64_t seed,
                                   int64_t threads, const seg_spread *sp, double *out)
{
    return silhouette_many(x, f32, n, d, labels, ks, count, w, sample_size, seed, threads, sp, out);
}

int seg_metrics_silhouettes_f32(const float *x, size_t n, size_t d, const int32_t *const *labels,
                                const size_t *k, size_t count, const double *weights,
                                size_t sample_size, uint64_t seed, double *out)
{
    return silhouette_many(x, true, n, d, labels, k, count, weights, sample_size, seed, 0, NULL,
                           out);
}

int seg_metrics_silhouettes_f64(const double *x, size_t n, size_t d,
                                const int32_t *const *labels, const size_t *k, size_t count,
                                const double *weights, size_t sample_size, uint64_t seed,
                                double *out)
{
    return silhouette_many(x, false, n, d, labels, k, count, weights, sample_size, seed, 0, NULL,
                           out);
}

int seg_metrics_silhouettes_threads_f32(const float *x, size_t n, size_t d,
                                        const int32_t *const *labels, const size_t *k,
                                        size_t count, const double *weights, size_t sample_size,
                                        uint64_t seed, int64_t threads, double *out)
{
    return silhouette_many(x, true, n, d, labels, k, count, weights, sample_size, seed, threads,
                           NULL, out);
}

int seg_metrics_silhouettes_threads_f64(const double *x, size_t n, size_t d,
                                        const int32_t *const *labels, const size_t *k,
                                        size_t count, const double *weights, size_t sample_size,
                                        uint64_t seed, int64_t threads, double *out)
{
    return silhouette_many(x, false, n, d, labels, k, count, weights, sample_size, seed, threads,
                           NULL, out);
}

int seg_metrics_davies_bouldin_f32(const float *x, size_t n, size_t d, const int32_t *labels,
                                   size_t k, const double *weights, double *out)
{
    return db_ch(x, true, n, d, labels, k, weights, out, NULL);
}

int seg_metrics_davies_bouldin_f64(const double *x, size_t n, size_t d, const int32_t *labels,
                                   size_t k, const double *weights, double *out)
{
    return db_ch(x, false, n, d, labels, k, weights, out, NULL);
}

int seg_metrics_calinski_harabasz_f32(const float *x, size_t n, size_t d, const int32_t *labels,
                                      size_t k, const double *weights, double *out)
{
    return db_ch(x, true, n, d, labels, k, weights, NULL, out);
}

int seg_metrics_calinski_harabasz_f64(const double *x, size_t n, size_t d, const int32_t *labels,
                                      size_t k, const double *weights, double *out)
{
    return db_ch(x, false, n, d, labels, k, weights, NULL, out);
}

/* ---- adjusted Rand index ---------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sum over counts c of c (c - 1), the ordered pairs within each group. */
static inline uint64_t pairs(uint64_t c)
{
    return c * (c - 1);
}

/*
 * Hubert and Arabie (1985) from the contingency table of the two labellings,
 * in the pair-counting form: with same_a (pairs together in a), same_b and
 * same_both counted as ordered pairs and all = n (n - 1),
 *   ARI = (same_both - same_a same_b / all) / ((same_a + same_b) / 2 - same_a same_b / all).
 * The table is dense when small (k_a x k_b cells), else the cells are found
 * by sorting the n (a, b) pairs, so sparse or large labels cost n log n.
 */
int seg_metrics_adjusted_rand(const int32_t *a, const int32_t *b, size_t n, double *out)
{
    if (!a || !b || !out || n == 0)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_metrics_adjusted_rand: NULL argument or n = 0");
    if ((uint64_t)n > UINT32_MAX) /* pair counts n (n - 1) must fit 64 bits */
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "seg_metrics_adjusted_rand: %zu rows, at most 2^32 - 1", n);
    uint64_t ka = 0, kb = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i] < 0 || b[i] < 0)
            return seg_fail(SEG_ERR_INVALID_ARG, "row %zu: label %d is negative", i + 1,
                            (int)(a[i] < 0 ? a[i] : b[i]));
        ka = (uint64_t)a[i] + 1 > ka ? (uint64_t)a[i] + 1 : ka;
        kb = (uint64_t)b[i] + 1 > kb ? (uint64_t)b[i] + 1 : kb;
    }
    uint64_t same_a = 0, same_b = 0, same_both = 0;
    const bool dense = ka * kb <= (uint64_t)1 << 20 || ka * kb <= (uint64_t)n;
    uint64_t *cells =
        dense ? seg_calloc(ka * kb + ka + kb, sizeof *cells) : seg_malloc_array(n, sizeof *cells);
    if (!cells)
        return SEG_NOMEM();
    if (dense) {
        uint64_t *ca = cells + ka * kb, *cb = ca + ka;
        for (size_t i = 0; i < n; i++) {
            cells[(uint64_t)a[i] * kb + (uint64_t)b[i]]++;
            ca[a[i]]++;
            cb[b[i]]++;
        }
        for (uint64_t c = 0; c < ka * kb; c++)
            same_both += pairs(cells[c]);
        for (uint64_t c = 0; c < ka; c++)
            same_a += pairs(ca[c]);
        for (uint64_t c = 0; c < kb; c++)
            same_b += pairs(cb[c]);
    } else {
        /* Runs of equal keys: cells of (a, b); runs of equal a within the
         * sorted keys are a's groups; b's groups from a second sort. */
        for (size_t i = 0; i < n; i++)
            cells[i] = (uint64_t)a[i] << 32 | (uint64_t)b[i];
        qsort(cells, n, sizeof *cells, cmp_u64);
        for (size_t i = 0, j; i < n; i = j) {
            for (j = i + 1; j < n && cells[j] == cells[i]; j++)
                ;
            same_both += pairs(j - i);
        }
        for (size_t i = 0, j; i < n; i = j) {
            for (j = i + 1; j < n && cells[j] >> 32 == cells[i] >> 32; j++)
                ;
            same_a += pairs(j - i);
        }
        for (size_t i = 0; i < n; i++)
            cells[i] = (uint64_t)b[i];
        qsort(cells, n, sizeof *cells, cmp_u64);
        for (size_t i = 0, j; i < n; i = j) {
            for (j = i + 1; j < n && cells[j] == cells[i]; j++)
                ;
            same_b += pairs(j - i);
        }
    }
    seg_free(cells);
    /* Both labellings put every pair the same way (identical partitions up
     * to renaming, including one group or all singletons): agreement is
     * perfect, and the formula is 0 / 0. */
    if (same_a == same_both && same_b == same_both) {
        *out = 1.0;
        return SEG_OK;
    }
    const double all = (double)n * (double)(n - 1);
    const double expected = (double)same_a * (double)same_b / all;
    const double top = 0.5 * ((double)same_a + (double)same_b);
    *out = ((double)same_both - expected) / (top - expected);
    return SEG_OK;
}
