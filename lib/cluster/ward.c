/*
 * Exact Ward linkage by the nearest-neighbour chain (Murtagh 1983; Müllner,
 * "Modern hierarchical, agglomerative clustering algorithms", 2011, sec. 3.2)
 * on cluster centroids and sizes, so memory is O(n d) (one centroid per active
 * cluster) instead of SciPy's O(n^2) distance matrix.
 *
 * Ward's distance between clusters A and B, in SciPy's convention (the height
 * linkage(X, 'ward') reports):
 *
 *     d(A, B) = sqrt(2 |A||B| / (|A| + |B|)) ||c_A - c_B||
 *
 * which equals ||x - y|| for two single points and is the Lance-Williams
 * recurrence SciPy applies to its distance matrix. |A| is the cluster's
 * weight (its number of rows when unweighted).
 *
 * Nearest-neighbour searches: the chain's tip is compared with every active
 * centroid by the difference form sum_t (c_j[t] - c_a[t])^2, not through the
 * shared GEMM kernel: one row against m centroids is a matrix-vector product
 * whose packing costs more than its arithmetic (OpenBLAS packed the whole
 * centroid block on every call, four fifths of the time), and the difference
 * form has no cancellation. Centroids are stored feature-major (one array of
 * n values per feature, compact over the m active slots) so the loop runs
 * across clusters with full-width vectors, compiled for AVX-512, AVX2 and the
 * baseline (SEG_HOT_CLONES). Data are centred on their weighted mean first
 * (Ward is translation-invariant), which keeps merged centroids small.
 */
#include "kernel/distance.h"
#include "core/core.h"

#include <stdlib.h>
#include <string.h>

struct seg_linkage {
    size_t n;
    double *z; /* (n - 1) x 4, SciPy's linkage matrix */
};

/* The active clusters, compact in slots 0 .. m-1. */
typedef struct ward_state {
    size_t n, d, m;
    double *c;               /* d x n: feature t of slot j at c[t * n + j] */
    double *w;               /* m weights */
    size_t *rep;             /* slot -> representative row (SciPy keeps the larger index) */
    size_t *pos;             /* representative -> slot */
    unsigned char *in_chain; /* by representative */
    size_t *chain;           /* representatives */
    double *tip;             /* d: the tip's centroid */
} ward_state;

/* One merge before sorting: two representatives and the height. */
typedef struct ward_merge {
    size_t a, b;
    double h;
} ward_merge;

static void state_free(ward_state *s)
{
    seg_free(s->c);
    seg_free(s->w);
    seg_free(s->rep);
    seg_free(s->pos);
    seg_free(s->in_chain);
    seg_free(s->chain);
    seg_free(s->tip);
}

static double pair_factor(double wa, double wb)
{
    return 2.0 * wa * wb / (wa + wb);
}

/* Exact squared Ward distance of two slots (used once per merge). */
static double ward_sq(const ward_state *s, size_t i, size_t j)
{
    double acc = 0;
    for (size_t t = 0; t < s->d; t++) {
        double v = s->c[t * s->n + j] - s->c[t * s->n + i];
        acc += v * v;
    }
    return pair_factor(s->w[i], s->w[j]) * acc;
}

/* Clusters per block of the search: its distances stay in L1. */
#define WARD_BLOCK 256

/*
 * Ward's squared distances (2 w_a w_j / (w_a + w_j)) ||c_j - tip||^2 of slots
 * j0 .. j0 + len - 1 to the tip of weight wa, into v. The sum over features
 * runs in feature order for every j, as ward_sq() does, so a distance is the
 * same bits whichever clone runs.
 */
SEG_HOT_CLONES
static void block_dist(const double *c, size_t n, size_t d, const double *tip, double wa,
                       const double *w, size_t j0, size_t len, double *v)
{
    for (size_t j = 0; j < len; j++) {
        double e = c[j0 + j] - tip[0];
        v[j] = e * e;
    }
    for (size_t t = 1; t < d; t++) {
        const double *ct = c + t * n + j0, a = tip[t];
        for (size_t j = 0; j < len; j++) {
            double e = ct[j] - a;
            v[j] += e * e;
        }
    }
    for (size_t j = 0; j < len; j++)
        v[j] *= 2.0 * wa * w[j0 + j] / (wa + w[j0 + j]);
}

/*
 * Nearest active cluster of the tip (slot a) among those not on the chain,
 * or prev (slot, SIZE_MAX if none) when it is at least as near: the rule that
 * makes the chain stop at reciprocal nearest neighbours. Ties otherwise go to
 * the lowest representative, as SciPy's scan in index order does.
 */
static size_t nearest(ward_state *s, size_t a, size_t prev)
{
    const size_t n = s->n, d = s->d, m = s->m;
    const double wa = s->w[a];
    double v[WARD_BLOCK];
    for (size_t t = 0; t < d; t++)
        s->tip[t] = s->c[t * n + a];
    size_t best = prev;
    double bv = prev != SIZE_MAX ? ward_sq(s, a, prev) : INFINITY;
    for (size_t j0 = 0; j0 < m; j0 += WARD_BLOCK) {
        size_t len = m - j0 < WARD_BLOCK ? m - j0 : WARD_BLOCK;
        block_dist(s->c, n, d, s->tip, wa, s->w, j0, len, v);
        for (size_t jj = 0; jj < len; jj++) {
            if (!(v[jj] <= bv))
                continue;
            size_t j = j0 + jj;
            if (j == a || s->in_chain[s->rep[j]])
                continue;
            if (best == SIZE_MAX || v[jj] < bv ||
                (best != prev && s->rep[j] < s->rep[best])) {
                bv = v[jj];
                best = j;
            }
        }
    }
    return best;
}

/* Merge slots i and j into the slot of the larger representative. */
static ward_merge merge(ward_state *s, size_t i, size_t j)
{
    ward_merge mg;
    const size_t d = s->d;
    mg.h = sqrt(ward_sq(s, i, j));
    if (s->rep[i] > s->rep[j]) {
        size_t t = i;
        i = j;
        j = t;
    }
    mg.a = s->rep[i];
    mg.b = s->rep[j];
    double wi = s->w[i], wj = s->w[j], wt = wi + wj;
    const size_t n = s->n, last = --s->m;
    for (size_t t = 0; t < d; t++) {
        double *ct = s->c + t * n;
        ct[j] = (wi * ct[i] + wj * ct[j]) / wt;
        ct[i] = ct[last]; /* slot i is freed: the last active cluster moves in */
    }
    s->w[j] = wt;
    if (i != last) {
        s->w[i] = s->w[last];
        s->rep[i] = s->rep[last];
        s->pos[s->rep[i]] = i;
    }
    return mg;
}

static int state_init(ward_state *s, const double *x, const float *xf, size_t n, size_t d,
                      const double *weights)
{
    size_t nd;
    memset(s, 0, sizeof *s);
    s->n = s->m = n;
    s->d = d;
    if (!seg_mul_ok(n, d, &nd))
        return seg_fail(SEG_ERR_OVERFLOW, "ward: %zu x %zu values overflow", n, d);
    s->c = seg_malloc_array(nd, sizeof *s->c);
    s->w = seg_malloc_array(n, sizeof *s->w);
    s->rep = seg_malloc_array(n, sizeof *s->rep);
    s->pos = seg_malloc_array(n, sizeof *s->pos);
    s->in_chain = seg_calloc(n, 1);
    s->chain = seg_malloc_array(n, sizeof *s->chain);
    s->tip = seg_malloc_array(d, sizeof *s->tip);
    if (!s->c || !s->w || !s->rep || !s->pos || !s->in_chain || !s->chain || !s->tip)
        return SEG_NOMEM();
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = weights ? weights[i] : 1.0;
        if (!(isfinite(wi) && wi > 0))
            return seg_fail(SEG_ERR_NONFINITE, "ward: weight of row %zu is not finite and > 0", i);
        s->w[i] = wi;
        s->rep[i] = s->pos[i] = i;
        total += wi;
        for (size_t t = 0; t < d; t++) {
            double v = x ? x[i * d + t] : (double)xf[i * d + t];
            if (!isfinite(v))
                return seg_fail(SEG_ERR_NONFINITE, "ward: row %zu, feature %zu is not finite", i,
                                t);
            s->c[t * n + i] = v;
        }
    }
    /* Centre on the weighted mean (see the top of the file). */
    for (size_t t = 0; t < d; t++) {
        double mean = 0;
        double *ct = s->c + t * n;
        for (size_t i = 0; i < n; i++)
            mean += s->w[i] * ct[i];
        mean /= total;
        for (size_t i = 0; i < n; i++)
            ct[i] -= mean;
    }
    return 0;
}

/* Union-find root with path halving. */
static size_t uf_find(size_t *parent, size_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* Merges sorted by height; equal heights keep their chain order (a stable
 * sort, as SciPy's mergesort of its merge list). */
typedef struct merge_key {
    double h;
    size_t i;
} merge_key;

static int cmp_key(const void *pa, const void *pb)
{
    const merge_key *a = pa, *b = pb;
    if (a->h != b->h)
        return a->h < b->h ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/*
 * SciPy's linkage matrix from merges in chain order: sorted by height, then
 * cluster numbers from a union-find over the sorted merges as SciPy's label()
 * does (the smaller number first; a merge creates cluster n + row).
 */
static int to_matrix(const ward_merge *mg, size_t n, double *z)
{
    const size_t nm = n - 1;
    merge_key *keys = seg_malloc_array(nm ? nm : 1, sizeof *keys);
    size_t *parent = seg_malloc_array(n, sizeof *parent);
    size_t *id = seg_malloc_array(n, sizeof *id);
    size_t *cnt = seg_malloc_array(n, sizeof *cnt);
    int rc = 0;
    if (!keys || !parent || !id || !cnt) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t i = 0; i < nm; i++) {
        keys[i].h = mg[i].h;
        keys[i].i = i;
    }
    qsort(keys, nm, sizeof *keys, cmp_key);
    /* parent[] runs over rows; id[root] is the cluster number of the root's
     * current cluster and cnt[root] its number of rows. */
    for (size_t i = 0; i < n; i++) {
        parent[i] = id[i] = i;
        cnt[i] = 1;
    }
    for (size_t r = 0; r < nm; r++) {
        const ward_merge *m = &mg[keys[r].i];
        size_t ra = uf_find(parent, m->a), rb = uf_find(parent, m->b);
        size_t ia = id[ra], ib = id[rb], size = cnt[ra] + cnt[rb];
        z[r * 4 + 0] = (double)(ia < ib ? ia : ib);
        z[r * 4 + 1] = (double)(ia < ib ? ib : ia);
        z[r * 4 + 2] = m->h;
        z[r * 4 + 3] = (double)size;
        parent[ra] = rb;
        id[rb] = n + r;
        cnt[rb] = size;
    }
done:
    seg_free(keys);
    seg_free(parent);
    seg_free(id);
    seg_free(cnt);
    return rc;
}

static int ward_run(const double *x, const float *xf, size_t n, size_t d, const double *weights,
                    seg_linkage **out)
{
    ward_state s;
    ward_merge *mg = NULL;
    seg_linkage *l = NULL;
    int rc;

    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "ward: out is NULL");
    *out = NULL;
    if (!x && !xf)
        return seg_fail(SEG_ERR_INVALID_ARG, "ward: x is NULL");
    if (n == 0 || d == 0)
        return seg_fail(SEG_ERR_EMPTY, "ward: %zu rows x %zu features", n, d);
    if (d > INT32_MAX)
        return seg_fail(SEG_ERR_LIMIT, "ward: %zu features exceed the BLAS index range", d);
    if ((rc = state_init(&s, x, xf, n, d, weights)) < 0)
        goto done;
    l = seg_calloc(1, sizeof *l);
    mg = seg_malloc_array(n, sizeof *mg);
    if (!l || !mg || !(l->z = seg_malloc_array(n > 1 ? (n - 1) * 4 : 1, sizeof *l->z))) {
        rc = SEG_NOMEM();
        goto done;
    }
    l->n = n;
    size_t nm = 0, len = 0;
    while (s.m > 1) {
        if (len == 0) {
            s.chain[len++] = s.rep[0];
            s.in_chain[s.rep[0]] = 1;
        }
        for (;;) {
            size_t a = s.pos[s.chain[len - 1]];
            size_t prev = len >= 2 ? s.pos[s.chain[len - 2]] : SIZE_MAX;
            size_t b = nearest(&s, a, prev);
            if (b == prev)
                break;
            s.chain[len++] = s.rep[b];
            s.in_chain[s.rep[b]] = 1;
        }
        size_t ra = s.chain[--len], rb = s.chain[--len];
        s.in_chain[ra] = s.in_chain[rb] = 0;
        mg[nm++] = merge(&s, s.pos[ra], s.pos[rb]);
    }
    if ((rc = to_matrix(mg, n, l->z)) < 0)
        goto done;
    *out = l;
    l = NULL;
done:
    state_free(&s);
    seg_free(mg);
    seg_linkage_free(l);
    return rc;
}

int seg_linkage_fit_ward_f64(const double *x, size_t n, size_t d, const double *weights,
                             seg_linkage **out)
{
    return ward_run(x, NULL, n, d, weights, out);
}

int seg_linkage_fit_ward_f32(const float *x, size_t n, size_t d, const double *weights,
                             seg_linkage **out)
{
    return ward_run(NULL, x, n, d, weights, out);
}

/* Deprecated names (seg.h): exported until the soname changes. */
int seg_ward_f64(const double *x, size_t n, size_t d, const double *weights, seg_linkage **out)
{
    return seg_linkage_fit_ward_f64(x, n, d, weights, out);
}

int seg_ward_f32(const float *x, size_t n, size_t d, const double *weights, seg_linkage **out)
{
    return seg_linkage_fit_ward_f32(x, n, d, weights, out);
}

void seg_linkage_free(seg_linkage *l)
{
    if (!l)
        return;
    seg_free(l->z);
    seg_free(l);
}

size_t seg_linkage_rows(const seg_linkage *l)
{
    return l ? l->n : 0;
}

int seg_linkage_matrix(const seg_linkage *l, double *out, size_t len)
{
    if (!l || !out)
        return seg_fail(SEG_ERR_INVALID_ARG, "linkage: NULL argument");
    if (len != (l->n - 1) * 4)
        return seg_fail(SEG_ERR_MISMATCH, "linkage: buffer of %zu values, need %zu", len,
                        (l->n - 1) * 4);
    memcpy(out, l->z, len * sizeof *out);
    return 0;
}

/*
 * Labels after the first `merges` rows of the linkage: segments numbered by
 * decreasing size, ties by the lowest row they hold.
 */
static int cut_after(const seg_linkage *l, size_t merges, int32_t *labels)
{
    const size_t n = l->n, k = n - merges;
    size_t *parent = seg_malloc_array(2 * n, sizeof *parent);
    size_t *slot = seg_malloc_array(2 * n, sizeof *slot);
    size_t *size = seg_calloc(k, sizeof *size);
    size_t *order = seg_malloc_array(k, sizeof *order);
    int rc = 0;
    if (!parent || !slot || !size || !order) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t i = 0; i < 2 * n; i++) {
        parent[i] = i;
        slot[i] = SIZE_MAX;
    }
    for (size_t r = 0; r < merges; r++) {
        parent[uf_find(parent, (size_t)l->z[r * 4])] = n + r;
        parent[uf_find(parent, (size_t)l->z[r * 4 + 1])] = n + r;
    }
    /* Provisional numbers in order of each segment's first row. */
    size_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        size_t r = uf_find(parent, i);
        if (slot[r] == SIZE_MAX)
            slot[r] = seen++;
        labels[i] = (int32_t)slot[r];
        size[slot[r]]++;
    }
    /* Stable insertion by decreasing size: k is small where it matters, and
     * equal sizes keep first-row order. */
    for (size_t j = 0; j < k; j++) {
        size_t t = j;
        while (t > 0 && size[order[t - 1]] < size[j]) {
            order[t] = order[t - 1];
            t--;
        }
        order[t] = j;
    }
    for (size_t j = 0; j < k; j++)
        slot[order[j]] = j; /* slot[] now maps provisional -> final */
    for (size_t i = 0; i < n; i++)
        labels[i] = (int32_t)slot[labels[i]];
done:
    seg_free(parent);
    seg_free(slot);
    seg_free(size);
    seg_free(order);
    return rc;
}

int seg_linkage_cut_k(const seg_linkage *l, size_t k, int32_t *labels, size_t n)
{
    if (!l || !labels)
        return seg_fail(SEG_ERR_INVALID_ARG, "linkage cut: NULL argument");
    if (n != l->n)
        return seg_fail(SEG_ERR_MISMATCH, "linkage cut: %zu labels for %zu rows", n, l->n);
    if (k == 0 || k > l->n)
        return seg_fail(SEG_ERR_INVALID_ARG, "linkage cut: k = %zu outside 1 .. %zu", k, l->n);
    return cut_after(l, l->n - k, labels);
}

int seg_linkage_cut_height(const seg_linkage *l, double height, int32_t *labels, size_t n,
                           size_t *k)
{
    if (!l || !labels)
        return seg_fail(SEG_ERR_INVALID_ARG, "linkage cut: NULL argument");
    if (n != l->n)
        return seg_fail(SEG_ERR_MISMATCH, "linkage cut: %zu labels for %zu rows", n, l->n);
    if (isnan(height))
        return seg_fail(SEG_ERR_INVALID_ARG, "linkage cut: height is NaN");
    /* Heights are non-decreasing: Ward's linkage is monotone. */
    size_t m = 0;
    while (m + 1 < l->n && l->z[m * 4 + 2] <= height)
        m++;
    if (k)
        *k = l->n - m;
    return cut_after(l, m, labels);
}
