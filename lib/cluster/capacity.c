/*
 * Segments sized to capacity: the transportation problem "n rows to k
 * segments, segment j holding lo[j] .. hi[j] rows, least total cost", and
 * the k-means fit whose every assignment step solves it (Bradley, Bennett and
 * Demiriz 2000).
 *
 * The solver. As a min-cost flow, each row is a unit of supply with an arc
 * to every segment (its cost), and each segment an arc to the sink. Rows are
 * inserted one at a time, in row order; each insertion augments along a
 * shortest path in the residual graph, which keeps the flow of the rows
 * inserted so far optimal (augmenting a flow without negative residual
 * cycles along a shortest path leaves none). A residual path from the new
 * row enters some segment j, may then move rows between segments (a row r
 * of segment u moves to v at cost c(r,v) - c(r,u)), and ends in a segment
 * with room. Row nodes have one residual arc in (from their own segment),
 * so the path search needs only the k-node "segment graph": arc u -> v of
 * cost min over rows r of u of c(r,v) - c(r,u), kept in one heap per
 * ordered pair (k (k - 1) heaps, stale entries dropped lazily). Dijkstra on
 * that graph with potentials (the last search's distances) sees only
 * nonnegative reduced costs, O(k^2) per row.
 *
 * Lower bounds, exactly: give the sink arc of segment j two parts, lo[j]
 * units at cost -M and the rest at 0, with M larger than any difference of
 * paths (lexicographic costs: first the count of units on -M arcs, then the
 * distance). An optimal flow of i rows then maximises the sum of
 * min(size_j, lo[j]) first, which is min(i, sum lo): so while fewer than
 * sum lo rows are in, every segment stays at or below its minimum and the
 * shortest path ends in a segment below it; afterwards every segment is at
 * or above its minimum, no augmentation lowers a size, and paths end in any
 * segment below its maximum. Only the sink arcs carry the first component,
 * so the search itself runs on plain distances: the two phases differ only
 * in which segments may end a path.
 */
#include "cluster/capacity.h"
#include "cluster/kmeans.h"
#include "kernel/distance.h"

#include <stdlib.h>
#include <string.h>

/* ---- heaps of rows keyed by the cost of moving them ----------------------- */

typedef struct cap_entry {
    double key;
    int32_t row;
    uint32_t stamp; /* the row's move count when pushed: older entries are stale */
} cap_entry;

typedef struct cap_heap {
    cap_entry *e;
    size_t len, cap;
} cap_heap;

static bool entry_less(const cap_entry *a, const cap_entry *b)
{
    return a->key < b->key || (a->key == b->key && a->row < b->row);
}

static int heap_push(cap_heap *h, cap_entry v)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        cap_entry *e = seg_realloc(h->e, cap * sizeof *e);
        if (!e)
            return SEG_NOMEM();
        h->e = e;
        h->cap = cap;
    }
    size_t i = h->len++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!entry_less(&v, &h->e[p]))
            break;
        h->e[i] = h->e[p];
        i = p;
    }
    h->e[i] = v;
    return SEG_OK;
}

static void heap_pop(cap_heap *h)
{
    cap_entry v = h->e[--h->len];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->len)
            break;
        if (c + 1 < h->len && entry_less(&h->e[c + 1], &h->e[c]))
            c++;
        if (!entry_less(&h->e[c], &v))
            break;
        h->e[i] = h->e[c];
        i = c;
    }
    if (h->len)
        h->e[i] = v;
}

/* ---- the solver ------------------------------------------------------------- */

typedef struct cap_solver {
    const double *cost;
    size_t n, k;
    cap_heap *heap;  /* k x k, [u * k + v]: rows of u keyed by c(r,v) - c(r,u) */
    int32_t *label;  /* n: segment, -1 before insertion */
    uint32_t *stamp; /* n: moves of each row */
    int64_t *size;   /* k */
    double *pot;     /* k: potentials */
    double *dist;    /* k: reduced distances of this search */
    int32_t *pred;   /* k: previous segment on the path, -1 = the new row */
    int32_t *via;    /* k: the row moved along the arc into it */
    bool *done;      /* k */
} cap_solver;

static void solver_free(cap_solver *S)
{
    if (S->heap)
        for (size_t i = 0; i < S->k * S->k; i++)
            seg_free(S->heap[i].e);
    seg_free(S->heap);
    seg_free(S->label);
    seg_free(S->stamp);
    seg_free(S->size);
    seg_free(S->pot);
    seg_free(S->dist);
    seg_free(S->pred);
    seg_free(S->via);
    seg_free(S->done);
}

static int solver_alloc(cap_solver *S, size_t n, size_t k)
{
    size_t kk;
    if (!seg_mul_ok(k, k, &kk))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu heaps overflow", k, k);
    S->n = n;
    S->k = k;
    S->heap = seg_calloc(kk, sizeof *S->heap);
    S->label = seg_malloc_array(n, sizeof *S->label);
    S->stamp = seg_calloc(n, sizeof *S->stamp);
    S->size = seg_calloc(k, sizeof *S->size);
    S->pot = seg_calloc(k, sizeof *S->pot);
    S->dist = seg_malloc_array(k, sizeof *S->dist);
    S->pred = seg_malloc_array(k, sizeof *S->pred);
    S->via = seg_malloc_array(k, sizeof *S->via);
    S->done = seg_malloc_array(k, sizeof *S->done);
    if (!S->heap || !S->label || !S->stamp || !S->size || !S->pot || !S->dist || !S->pred ||
        !S->via || !S->done)
        return SEG_NOMEM();
    return SEG_OK;
}

/* Row r joins segment j: one entry in each heap j -> v. */
static int place(cap_solver *S, size_t r, size_t j)
{
    const size_t k = S->k;
    const double *c = S->cost + r * k;
    int rc;
    S->label[r] = (int32_t)j;
    S->stamp[r]++;
    for (size_t v = 0; v < k; v++)
        if (v != j && (rc = heap_push(&S->heap[j * k + v],
                                      (cap_entry){c[v] - c[j], (int32_t)r, S->stamp[r]})) < 0)
            return rc;
    return SEG_OK;
}

/* The cheapest row of u to move to v (its heap entry), or NULL. */
static const cap_entry *cheapest(cap_solver *S, size_t u, size_t v)
{
    cap_heap *h = &S->heap[u * S->k + v];
    while (h->len) {
        const cap_entry *e = &h->e[0];
        if (S->label[e->row] == (int32_t)u && S->stamp[e->row] == e->stamp)
            return e;
        heap_pop(h);
    }
    return NULL;
}

/* Insert row i along a shortest path to a segment of size < limit[]. */
static int insert_row(cap_solver *S, size_t i, const int64_t *limit)
{
    const size_t k = S->k;
    const double *c = S->cost + i * k;
    int rc;

    for (size_t j = 0; j < k; j++) {
        S->dist[j] = c[j] - S->pot[j];
        S->pred[j] = -1;
        S->done[j] = false;
    }
    for (size_t step = 0; step < k; step++) {
        size_t u = SIZE_MAX;
        for (size_t j = 0; j < k; j++)
            if (!S->done[j] && (u == SIZE_MAX || S->dist[j] < S->dist[u]))
                u = j;
        S->done[u] = true;
        if (S->size[u] == 0)
            continue; /* no row to move out of u */
        for (size_t v = 0; v < k; v++) {
            if (S->done[v])
                continue;
            const cap_entry *e = cheapest(S, u, v);
            if (!e)
                continue;
            /* reduced costs are >= 0 but for rounding */
            double red = e->key + S->pot[u] - S->pot[v];
            double nd = S->dist[u] + (red > 0 ? red : 0);
            if (nd < S->dist[v]) {
                S->dist[v] = nd;
                S->pred[v] = (int32_t)u;
                S->via[v] = e->row;
            }
        }
    }
    /* The path's end: the nearest (true distance) segment with room. */
    size_t end = SIZE_MAX;
    double best = 0;
    for (size_t j = 0; j < k; j++) {
        double t = S->dist[j] + S->pot[j];
        if (S->size[j] < limit[j] && (end == SIZE_MAX || t < best)) {
            end = j;
            best = t;
        }
    }
    if (end == SIZE_MAX) /* excluded by seg_capacity_check */
        return seg_fail(SEG_ERR_INVALID_ARG, "no segment has room for row %zu", i + 1);
    /* Move the path's rows, last arc first, then place the new row. */
    size_t v = end;
    while (S->pred[v] >= 0) {
        size_t u = (size_t)S->pred[v];
        if ((rc = place(S, (size_t)S->via[v], v)) < 0)
            return rc;
        v = u;
    }
    if ((rc = place(S, i, v)) < 0)
        return rc;
    S->size[end]++;
    for (size_t j = 0; j < k; j++)
        S->pot[j] += S->dist[j];
    return SEG_OK;
}

int seg_capacity_check(size_t n, size_t k, const int64_t *lo, const int64_t *hi)
{
    double sum_lo = 0, sum_hi = 0;
    for (size_t j = 0; j < k; j++) {
        if (lo[j] < 0 || hi[j] < 0)
            return seg_fail(SEG_ERR_INVALID_ARG, "segment %zu: a size bound is negative", j + 1);
        if (lo[j] > hi[j])
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "infeasible size bounds: segment %zu's minimum size %lld exceeds "
                            "its maximum %lld",
                            j + 1, (long long)lo[j], (long long)hi[j]);
        sum_lo += (double)lo[j];
        sum_hi += (double)hi[j];
    }
    if (sum_hi < (double)n)
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "infeasible size bounds: the %zu segments' maximum sizes add up to %.0f, "
                        "fewer than the %zu rows (k x max-size < n)",
                        k, sum_hi, n);
    if (sum_lo > (double)n)
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "infeasible size bounds: the %zu segments' minimum sizes add up to %.0f, "
                        "more than the %zu rows (k x min-size > n)",
                        k, sum_lo, n);
    return SEG_OK;
}

/* The solver on checked arguments: lo and hi k each, feasible (hi capped at n). */
static int solve(const double *cost, size_t n, size_t k, const int64_t *lo, const int64_t *hi,
                 int32_t *labels, double *total)
{
    cap_solver S = {0};
    int64_t sum_lo = 0;
    int rc;
    if ((rc = solver_alloc(&S, n, k)) < 0)
        goto done;
    S.cost = cost;
    for (size_t j = 0; j < k; j++)
        sum_lo += lo[j];
    for (size_t i = 0; i < n; i++)
        S.label[i] = -1;
    for (size_t i = 0; i < n; i++)
        if ((rc = insert_row(&S, i, (int64_t)i < sum_lo ? lo : hi)) < 0)
            goto done;
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        labels[i] = S.label[i];
        t += cost[i * k + (size_t)S.label[i]];
    }
    if (total)
        *total = t;
done:
    solver_free(&S);
    return rc;
}

/* lo and hi of k segments from the caller's (NULL = none; hi 0 = none),
 * hi capped at n; checked. */
static int resolve_bounds(size_t n, size_t k, const int64_t *min_size, const int64_t *max_size,
                          int64_t min_floor, int64_t *lo, int64_t *hi)
{
    for (size_t j = 0; j < k; j++) {
        int64_t a = min_size ? min_size[j] : 0, b = max_size ? max_size[j] : 0;
        if (a < 0 || b < 0)
            return seg_fail(SEG_ERR_INVALID_ARG, "segment %zu: a size bound is negative", j + 1);
        lo[j] = a > min_floor ? a : min_floor;
        hi[j] = b == 0 || b > (int64_t)n ? (int64_t)n : b;
        if (b > 0 && a > b)
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "infeasible size bounds: segment %zu's minimum size %lld exceeds "
                            "its maximum %lld",
                            j + 1, (long long)a, (long long)b);
    }
    return seg_capacity_check(n, k, lo, hi);
}

int seg_capacity_assign_f64(const double *cost, size_t n, size_t k, const int64_t *min_size,
                            const int64_t *max_size, int32_t *labels, double *total)
{
    int64_t *lo = NULL, *hi = NULL;
    size_t nk;
    int rc;
    if (!cost || !labels)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_capacity_assign_f64: cost or labels is NULL");
    if (n == 0 || k == 0)
        return seg_fail(SEG_ERR_EMPTY, "%zu rows and %zu segments", n, k);
    if (n > INT32_MAX || k > INT32_MAX)
        return seg_fail(SEG_ERR_LIMIT, "%zu rows or %zu segments exceed 2^31 - 1", n, k);
    if (!seg_mul_ok(n, k, &nk))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu costs overflow", n, k);
    for (size_t i = 0; i < nk; i++)
        if (!isfinite(cost[i]))
            return seg_fail(SEG_ERR_NONFINITE, "cost of row %zu, segment %zu is not finite",
                            i / k + 1, i % k + 1);
    lo = seg_malloc_array(k, sizeof *lo);
    hi = seg_malloc_array(k, sizeof *hi);
    if (!lo || !hi)
        rc = SEG_NOMEM();
    else if ((rc = resolve_bounds(n, k, min_size, max_size, 0, lo, hi)) == SEG_OK)
        rc = solve(cost, n, k, lo, hi, labels, total);
    seg_free(lo);
    seg_free(hi);
    return rc;
}

/* ---- the fit ------------------------------------------------------------------ */

/* sq[i * k + j] = squared distance of row i to centroid j (the kernel's
 * ||x||^2 - 2 x.c + ||c||^2, clamped at 0), in blocks that keep each GEMM on
 * the calling thread. */
static void sqdist_matrix(const void *x, bool f32, const void *xnorm, size_t n, size_t d,
                          const double *c, size_t k, void *ct, void *cnorm, double *sq, void *tile)
{
    const size_t elem = f32 ? sizeof(float) : sizeof(double);
    const size_t block = seg_gemm_plan(k, d, elem).block;
    if (f32) {
        for (size_t i = 0; i < k * d; i++)
            ((float *)ct)[i] = (float)c[i];
        seg_row_norms_f32(ct, k, d, cnorm);
    } else {
        memcpy(ct, c, k * d * sizeof *c);
        seg_row_norms_f64(ct, k, d, cnorm);
    }
    for (size_t i0 = 0; i0 < n; i0 += block) {
        size_t b = n - i0 < block ? n - i0 : block;
        if (f32) {
            seg_sqdist_tile_f32((const float *)x + i0 * d, b, d, (const float *)xnorm + i0, ct, k,
                                cnorm, tile);
            for (size_t t = 0; t < b * k; t++)
                sq[i0 * k + t] = ((float *)tile)[t];
        } else {
            seg_sqdist_tile_f64((const double *)x + i0 * d, b, d, (const double *)xnorm + i0, ct, k,
                                cnorm, sq + i0 * k);
        }
    }
}

/* Exact squared distance of row i to c, summed in double. */
static double row_sqdist(const void *x, bool f32, size_t i, size_t d, const double *c)
{
    double s = 0;
    for (size_t f = 0; f < d; f++) {
        double v =
            (f32 ? (double)((const float *)x)[i * d + f] : ((const double *)x)[i * d + f]) - c[f];
        s += v * v;
    }
    return s;
}

/* Centroids := (weighted) means of their rows, in row order. */
static void update_centroids(const void *x, bool f32, const double *w, size_t n, size_t d, size_t k,
                             const int32_t *labels, double *c, double *wsum)
{
    memset(c, 0, k * d * sizeof *c);
    memset(wsum, 0, k * sizeof *wsum);
    for (size_t i = 0; i < n; i++) {
        size_t j = (size_t)labels[i];
        double wi = w ? w[i] : 1.0;
        wsum[j] += wi;
        for (size_t f = 0; f < d; f++)
            c[j * d + f] +=
                wi * (f32 ? (double)((const float *)x)[i * d + f] : ((const double *)x)[i * d + f]);
    }
    for (size_t j = 0; j < k; j++)
        for (size_t f = 0; f < d; f++)
            c[j * d + f] /= wsum[j];
}

/* Workspace of the fit. */
typedef struct cap_fit {
    void *xnorm, *ct, *cnorm, *tile;
    double *sq, *c, *wsum, *best_c;
    int32_t *lab, *prev, *best;
} cap_fit;

static void cap_fit_free(cap_fit *F)
{
    seg_free(F->xnorm);
    seg_free(F->ct);
    seg_free(F->cnorm);
    seg_free(F->tile);
    seg_free(F->sq);
    seg_free(F->c);
    seg_free(F->wsum);
    seg_free(F->best_c);
    seg_free(F->lab);
    seg_free(F->prev);
    seg_free(F->best);
}

/* One run from centroids F->c: its labels in F->lab, cost, iterations. */
static int cap_run(cap_fit *F, const void *x, bool f32, const double *w, size_t n, size_t d,
                   size_t k, const int64_t *lo, const int64_t *hi, const seg_kmeans_view *V,
                   size_t run, int64_t *iters, bool *converged, double *cost)
{
    int rc;
    *converged = false;
    *iters = 0;
    *cost = INFINITY;
    for (int64_t it = 1; it <= V->max_iter; it++) {
        sqdist_matrix(x, f32, F->xnorm, n, d, F->c, k, F->ct, F->cnorm, F->sq, F->tile);
        if (w)
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < k; j++)
                    F->sq[i * k + j] *= w[i];
        if ((rc = solve(F->sq, n, k, lo, hi, F->lab, NULL)) < 0)
            return rc;
        *iters = it;
        if (it > 1 && memcmp(F->lab, F->prev, n * sizeof *F->lab) == 0) {
            *converged = true;
            break;
        }
        update_centroids(x, f32, w, n, d, k, F->lab, F->c, F->wsum);
        memcpy(F->prev, F->lab, n * sizeof *F->lab);
        if (V->progress && V->progress(V->progress_user, run * (size_t)V->max_iter + (size_t)it,
                                       (size_t)V->n_init * (size_t)V->max_iter) != 0)
            return seg_fail(SEG_ERR_CANCELLED, "the progress callback stopped the fit");
    }
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (w ? w[i] : 1.0) * row_sqdist(x, f32, i, d, F->c + (size_t)F->lab[i] * d);
    *cost = s;
    return SEG_OK;
}

int seg_capacity_fit_rows(seg_kmeans *km, const void *x, bool f32, size_t n, size_t d,
                          const double *w, int32_t *labels_out, double *dist_out, seg_model **out)
{
    const double t0 = seg_now_seconds();
    const seg_kmeans_view V = seg_kmeans_view_of(km);
    const size_t k = V.k, elem = f32 ? sizeof(float) : sizeof(double);
    cap_fit F = {0};
    int64_t *lo = NULL, *hi = NULL, *mlo = NULL, *mhi = NULL;
    seg_rank_key *keys = NULL;
    int32_t *relabel = NULL;
    size_t *sizes = NULL;
    seg_model *m = NULL;
    double best_cost = INFINITY, init_seconds = 0;
    int64_t best_iters = 0;
    bool best_conv = false;
    size_t nk, kd;
    int rc;

    if (V.cap_k && V.cap_k != k)
        return seg_fail(SEG_ERR_MISMATCH, "SEG_KMEANS_K is %zu but %zu size bounds were given", k,
                        V.cap_k);
    if (n > INT32_MAX)
        return seg_fail(SEG_ERR_LIMIT, "%zu rows exceed the capacity fit's 2^31 - 1", n);
    if (!seg_mul_ok(n, k, &nk) || !seg_mul_ok(k, d, &kd) || nk > SIZE_MAX / sizeof(double))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu costs overflow", n, k);
    lo = seg_malloc_array(k, sizeof *lo);
    hi = seg_malloc_array(k, sizeof *hi);
    if (!lo || !hi) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t j = 0; j < k; j++) {
        lo[j] = V.cap_lo ? V.cap_lo[j] : V.min_size;
        hi[j] = V.cap_hi ? V.cap_hi[j] : V.max_size;
    }
    /* every segment holds a row: its centroid is a mean */
    if ((rc = resolve_bounds(n, k, lo, hi, 1, lo, hi)) < 0)
        goto done;
    const size_t block = seg_gemm_plan(k, d, elem).block;
    F.xnorm = seg_malloc_array(n, elem);
    F.ct = seg_malloc_array(kd, elem);
    F.cnorm = seg_malloc_array(k, elem);
    F.tile = seg_malloc_array(block * k, elem);
    F.sq = seg_malloc_array(nk, sizeof *F.sq);
    F.c = seg_malloc_array(kd, sizeof *F.c);
    F.best_c = seg_malloc_array(kd, sizeof *F.best_c);
    F.wsum = seg_malloc_array(k, sizeof *F.wsum);
    F.lab = seg_malloc_array(n, sizeof *F.lab);
    F.prev = seg_malloc_array(n, sizeof *F.prev);
    F.best = labels_out ? labels_out : seg_malloc_array(n, sizeof *F.best);
    keys = seg_malloc_array(k, sizeof *keys);
    relabel = seg_malloc_array(k, sizeof *relabel);
    sizes = seg_calloc(k, sizeof *sizes);
    mlo = seg_malloc_array(k, sizeof *mlo);
    mhi = seg_malloc_array(k, sizeof *mhi);
    if (!F.xnorm || !F.ct || !F.cnorm || !F.tile || !F.sq || !F.c || !F.best_c || !F.wsum ||
        !F.lab || !F.prev || !F.best || !keys || !relabel || !sizes || !mlo || !mhi) {
        rc = SEG_NOMEM();
        goto done;
    }
    if (f32)
        seg_row_norms_f32(x, n, d, F.xnorm);
    else
        seg_row_norms_f64(x, n, d, F.xnorm);

    const size_t runs = V.init == SEG_INIT_GIVEN ? 1 : (size_t)V.n_init;
    for (size_t r = 0; r < runs; r++) {
        double ti = seg_now_seconds(), cost = INFINITY;
        int64_t iters;
        bool conv;
        if ((rc = seg_kmeans_start(km, V.seed + (int64_t)r, x, f32, n, d, w, F.c)) < 0)
            goto done;
        if (r == 0)
            init_seconds = seg_now_seconds() - ti;
        if ((rc = cap_run(&F, x, f32, w, n, d, k, lo, hi, &V, r, &iters, &conv, &cost)) < 0)
            goto done;
        if (cost < best_cost) {
            best_cost = cost;
            best_iters = iters;
            best_conv = conv;
            memcpy(F.best_c, F.c, kd * sizeof *F.c);
            if (F.best != F.lab)
                memcpy(F.best, F.lab, n * sizeof *F.lab);
        }
    }
    if (V.progress)
        (void)V.progress(V.progress_user, runs * (size_t)V.max_iter, runs * (size_t)V.max_iter);

    /* Number segments as every fit does; the bounds go with their segment.
     * The segments' sizes and weights are the final labels'. */
    update_centroids(x, f32, w, n, d, k, F.best, F.c, F.wsum); /* F.c: scratch */
    for (size_t i = 0; i < n; i++)
        sizes[F.best[i]]++;
    for (size_t j = 0; j < k; j++)
        keys[j] = (seg_rank_key){j, F.wsum[j], sizes[j], F.best_c + j * d, d};
    qsort(keys, k, sizeof *keys, seg_rank_cmp);
    for (size_t j = 0; j < k; j++) {
        memcpy(F.c + j * d, F.best_c + keys[j].old * d, d * sizeof *F.c);
        relabel[keys[j].old] = (int32_t)j;
        mlo[j] = lo[keys[j].old];
        mhi[j] = hi[keys[j].old];
    }
    if ((rc = seg_model_create(&m, k, d, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64, F.c)) < 0)
        goto done;
    for (size_t j = 0; j < k; j++) {
        m->sizes[j] = keys[j].size;
        m->weights[j] = keys[j].weight;
    }
    for (size_t i = 0; i < n; i++) {
        F.best[i] = relabel[F.best[i]];
        if (dist_out)
            dist_out[i] = sqrt(row_sqdist(x, f32, i, d, m->centroids + (size_t)F.best[i] * d));
    }
    m->cap_min = mlo;
    m->cap_max = mhi;
    mlo = mhi = NULL;
    m->n_rows = n;
    m->inertia = best_cost;
    m->iterations = best_iters;
    m->converged = best_conv;
    m->init_seconds = init_seconds;
    m->fit_seconds = seg_now_seconds() - t0;
    *out = m;
    m = NULL;
done:
    seg_model_free(m);
    if (F.best == labels_out)
        F.best = NULL;
    cap_fit_free(&F);
    seg_free(lo);
    seg_free(hi);
    seg_free(mlo);
    seg_free(mhi);
    seg_free(keys);
    seg_free(relabel);
    seg_free(sizes);
    return rc;
}

int seg_capacity_predict_f64(const seg_model *m, const double *x, size_t n, size_t d,
                             const double *weights, int32_t *labels, double *distances)
{
    double *xnorm = NULL, *ct = NULL, *cnorm = NULL, *tile = NULL, *sq = NULL;
    size_t nk;
    int rc;
    if (!m || !x || !labels)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_capacity_predict_f64: m, x or labels is NULL");
    if (!m->cap_min)
        return seg_fail(SEG_ERR_STATE, "the model was fitted without size bounds");
    if (d != m->d)
        return seg_fail(SEG_ERR_MISMATCH, "rows have %zu features, the model %zu", d, m->d);
    if (n == 0)
        return seg_fail(SEG_ERR_EMPTY, "no rows");
    if (!seg_mul_ok(n, m->k, &nk) || nk > SIZE_MAX / sizeof(double) ||
        n > SIZE_MAX / sizeof(double) / (d ? d : 1))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu costs overflow", n, m->k);
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return seg_fail(SEG_ERR_NONFINITE, "row %zu, feature %zu is not finite", i / d + 1,
                            i % d + 1);
    if ((rc = seg_weights_check(weights, n)) < 0)
        return rc;
    const size_t k = m->k, block = seg_gemm_plan(k, d, sizeof(double)).block;
    xnorm = seg_malloc_array(n, sizeof *xnorm);
    ct = seg_malloc_array(k * d, sizeof *ct);
    cnorm = seg_malloc_array(k, sizeof *cnorm);
    tile = seg_malloc_array(block * k, sizeof *tile);
    sq = seg_malloc_array(nk, sizeof *sq);
    if (!xnorm || !ct || !cnorm || !tile || !sq) {
        rc = SEG_NOMEM();
        goto done;
    }
    seg_row_norms_f64(x, n, d, xnorm);
    sqdist_matrix(x, false, xnorm, n, d, m->centroids, k, ct, cnorm, sq, tile);
    if (weights)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < k; j++)
                sq[i * k + j] *= weights[i];
    if ((rc = seg_capacity_assign_f64(sq, n, k, m->cap_min, m->cap_max, labels, NULL)) < 0)
        goto done;
    for (size_t i = 0; distances && i < n; i++)
        distances[i] = sqrt(row_sqdist(x, false, i, d, m->centroids + (size_t)labels[i] * d));
done:
    seg_free(xnorm);
    seg_free(ct);
    seg_free(cnorm);
    seg_free(tile);
    seg_free(sq);
    return rc;
}
