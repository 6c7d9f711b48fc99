/*
 * Explanation trees: a threshold tree over the model's features whose leaves
 * each name a segment, so that a segment can be told as a few rules
 * ("balance above 1,250 and age 35 or less").
 *
 * The fit is IMM (Dasgupta, Frost, Moshkovitz and Rashtchian, "Explainable
 * k-means and k-medians clustering", ICML 2020): from the root, every node
 * holding two or more centroids is split by the one threshold on one feature
 * that separates its centroids with the fewest mistakes, a mistake being a
 * row of the node that the split sends away from its own centroid; mistaken
 * rows take no part in the splits below. That gives exactly k leaves when the
 * centroids are distinct. Then, if more leaves are asked for, the tree grows
 * as in ExKMC (Frost, Moshkovitz and Rashtchian 2020): the leaf whose best
 * split lowers the surrogate cost most (each side's rows measured to the one
 * centroid that suits them best) is split, until the leaves asked for are
 * reached or no split lowers the cost.
 *
 * Each split sorts the node's values of each feature once and sweeps the
 * thresholds with running counts, so a level of the tree costs
 * O(n d log n); ExKMC's sweep adds O(n d k) per grown leaf.
 */
#include "model/tree.h"
#include "model/model.h"
#include "model/profile.h"
#include "prepare/scaler.h"
#include "core/params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seg_tree {
    int64_t leaves;  /* 0: k */
    int64_t threads; /* 0: all cores */
};

int seg_tree_new(seg_tree **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = seg_calloc(1, sizeof **out);
    return *out ? SEG_OK : SEG_NOMEM();
}

void seg_tree_free(seg_tree *t)
{
    seg_free(t);
}

static const seg_param tree_rows[] = {
    SEG_PARAM_INT(SEG_TREE_LEAVES, 0, 65536, seg_tree, leaves, NULL),
    SEG_PARAM_INT(SEG_TREE_THREADS, 0, SEG_THREADS_MAX, seg_tree, threads, NULL),
};
static const seg_param_table tree_params = SEG_PARAM_TABLE("tree", tree_rows, NULL);

int seg_tree_set_int(seg_tree *t, seg_tree_param param, int64_t value)
{
    return seg_param_set_int(&tree_params, t, (int)param, value);
}

int seg_tree_get_int(const seg_tree *t, seg_tree_param param, int64_t *value)
{
    return seg_param_get_int(&tree_params, t, (int)param, value);
}

int seg_tree_param_bounds(seg_tree_param param, double *lower, double *upper)
{
    return seg_param_bounds(&tree_params, (int)param, lower, upper);
}

/* ---- the node arrays ---------------------------------------------------------- */

void seg_xtree_free(seg_xtree *t)
{
    if (!t)
        return;
    seg_free(t->feature);
    seg_free(t->threshold);
    seg_free(t->left);
    seg_free(t->right);
    seg_free(t->segment);
    seg_free(t->parent);
    seg_free(t->leaf_node);
    seg_free(t->node_leaf);
    seg_free(t);
}

/* Room for cap nodes (arrays grow by doubling). */
static bool xtree_reserve(seg_xtree *t, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
#define GROW(field)                                                                                \
    do {                                                                                           \
        void *p_ = seg_malloc_array(c, sizeof *t->field);                                          \
        if (!p_)                                                                                   \
            return false;                                                                          \
        if (t->n_nodes)                                                                            \
            memcpy(p_, t->field, t->n_nodes * sizeof *t->field);                                   \
        seg_free(t->field);                                                                        \
        t->field = p_;                                                                             \
    } while (0)
    GROW(feature);
    GROW(threshold);
    GROW(left);
    GROW(right);
    GROW(segment);
#undef GROW
    *cap = c;
    return true;
}

static size_t add_leaf(seg_xtree *t, int32_t segment)
{
    size_t i = t->n_nodes++;
    t->feature[i] = -1;
    t->threshold[i] = 0.0;
    t->left[i] = t->right[i] = 0;
    t->segment[i] = segment;
    return i;
}

/* Parents and the leaf numbering, from the child links. */
static int xtree_derive(seg_xtree *t)
{
    const size_t nn = t->n_nodes;
    seg_free(t->parent);
    seg_free(t->leaf_node);
    seg_free(t->node_leaf);
    t->parent = seg_malloc_array(nn, sizeof *t->parent);
    t->node_leaf = seg_malloc_array(nn, sizeof *t->node_leaf);
    t->leaf_node = seg_malloc_array(nn, sizeof *t->leaf_node);
    if (!t->parent || !t->node_leaf || !t->leaf_node)
        return SEG_NOMEM();
    for (size_t i = 0; i < nn; i++)
        t->parent[i] = SIZE_MAX;
    t->n_leaves = 0;
    for (size_t i = 0; i < nn; i++) {
        if (t->feature[i] < 0) {
            t->node_leaf[i] = t->n_leaves;
            t->leaf_node[t->n_leaves++] = i;
        } else {
            t->node_leaf[i] = SIZE_MAX;
            t->parent[t->left[i]] = i;
            t->parent[t->right[i]] = i;
        }
    }
    return SEG_OK;
}

static size_t route(const seg_xtree *t, const double *row)
{
    size_t i = 0;
    while (t->feature[i] >= 0)
        i = row[t->feature[i]] <= t->threshold[i] ? t->left[i] : t->right[i];
    return i;
}

/* ---- IMM ------------------------------------------------------------------------ */

struct vi {
    double v;
    size_t i;
};

/* The scratch of one thread: the features of a node are searched in
 * parallel, one a pool item (imm_split), each with its own buffers. */
typedef struct fit_scratch {
    struct vi *vp;    /* n (value, position) pairs of one feature */
    struct vi *cvp;   /* k (value, position) pairs of the centroids */
    struct vi *tmp;   /* n pairs: the radix sort's other buffer */
    double *cv;       /* k centroid values, sorted */
    size_t *cidx;     /* k their centroids */
    size_t *cnt_left; /* k: a centroid's rows left of the threshold */
    bool *c_left;     /* k */
} fit_scratch;

typedef struct fit_ctx {
    const double *x;
    size_t n, d, k;
    const double *c; /* k x d centroids */
    const int32_t *labels;
    /* shared, read-only while the features of a node are searched */
    size_t *gord; /* d x n: every feature's rows in order, sorted once; NULL if too big */
    size_t *pos;  /* n: a row's position among the node's rows, SIZE_MAX if not there */
    size_t *cnt;  /* k: a centroid's rows at the node */
    bool *c_left; /* k: the sides of the centroids of the split being made */
    /* per thread; sc[0] also serves the serial parts (ExKMC growth) */
    seg_pool *pool;
    int threads;
    fit_scratch *sc;
    /* per feature: the best split's mistakes (SIZE_MAX: none) and threshold */
    size_t *feat_mist;
    double *feat_thr;
} fit_ctx;

static int cmp_vi(const void *a, const void *b)
{
    const struct vi *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    /* ties by position: the order, and so the fit, is the same on every libc */
    return (x->i > y->i) - (x->i < y->i);
}

/* An unsigned key in the order of the doubles (finite; -0 just before +0). */
static uint64_t order_key(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b >> 63 ? ~b : b | (UINT64_C(1) << 63);
}

/*
 * Sort a[0..n) by value, stable (ties keep their order, as cmp_vi's position
 * tie-break does for pairs made in position order): least significant digit
 * radix sort, a byte per pass, skipping the bytes all keys share (a one-hot
 * feature's 0/1 differ in few). tmp holds n pairs.
 */
static void sort_vi(struct vi *a, size_t n, struct vi *tmp)
{
    if (n < 64) {
        qsort(a, n, sizeof *a, cmp_vi);
        return;
    }
    struct vi *src = a, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++)
            count[(order_key(src[i].v) >> shift) & 0xff]++;
        if (count[(order_key(src[0].v) >> shift) & 0xff] == n)
            continue; /* one digit for all: the order stands */
        size_t sum = 0;
        for (int b = 0; b < 256; b++) {
            const size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(order_key(src[i].v) >> shift) & 0xff]++] = src[i];
        struct vi *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

/* Mark rows[0..nr) as the node's (pos), or unmark them. */
static void node_mark(fit_ctx *f, const size_t *rows, size_t nr, bool on)
{
    for (size_t i = 0; i < nr; i++)
        f->pos[rows[i]] = on ? i : SIZE_MAX;
}

/*
 * The node's rows (marked) ordered by feature j into s->vp as (value,
 * position in rows). A large node takes them from the order sorted once per
 * feature at the start (O(n)); a small one sorts its own (O(nr log nr)), so
 * a level of the tree costs O(n d log n) at most. Ties come in row order
 * either way (rows lists are in row order).
 */
static void node_sorted(const fit_ctx *f, fit_scratch *s, const size_t *rows, size_t nr, size_t j)
{
    if (f->gord && (double)nr * log2((double)nr + 2.0) > (double)f->n) {
        const size_t *g = f->gord + j * f->n;
        size_t o = 0;
        for (size_t t = 0; t < f->n; t++) {
            const size_t p = f->pos[g[t]];
            if (p != SIZE_MAX)
                s->vp[o++] = (struct vi){f->x[g[t] * f->d + j], p};
        }
        return;
    }
    for (size_t i = 0; i < nr; i++)
        s->vp[i] = (struct vi){f->x[rows[i] * f->d + j], i};
    sort_vi(s->vp, nr, s->tmp);
}

/* A threshold strictly between a and b (a < b), their midpoint when the
 * doubles allow, so that values equal to b never go left. */
static double between(double a, double b)
{
    double t = a + (b - a) * 0.5;
    if (!(t >= a && t < b))
        t = a;
    return t;
}

/* The node being split, for the pool's items (one a feature). */
typedef struct split_job {
    fit_ctx *f;
    const size_t *cs, *rows;
    size_t nc, nr;
} split_job;

/*
 * The split of feature j with the fewest mistakes, into f->feat_mist[j] and
 * f->feat_thr[j] (SIZE_MAX when the feature does not separate two of the
 * centroids); the lower threshold on ties. Reads the node's counts and marks
 * (f->cnt, f->pos), writes only thread's scratch and feature j's result.
 */
static void imm_feature(void *ctx, size_t j, int thread)
{
    const split_job *job = ctx;
    fit_ctx *f = job->f;
    fit_scratch *s = &f->sc[thread];
    const size_t *cs = job->cs, *rows = job->rows, nc = job->nc, nr = job->nr;
    double *cv = s->cv;
    size_t *cidx = s->cidx, best = SIZE_MAX;
    double thr = 0.0;
    /* centroids by value */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t q = 0; q < nc; q++) {
        const double v = f->c[cs[q] * f->d + j];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        s->cvp[q] = (struct vi){v, q};
        s->cnt_left[cs[q]] = 0;
        s->c_left[cs[q]] = false;
    }
    f->feat_mist[j] = SIZE_MAX;
    if (!(lo < hi))
        return;
    qsort(s->cvp, nc, sizeof *s->cvp, cmp_vi);
    for (size_t q = 0; q < nc; q++) {
        cv[q] = s->cvp[q].v;
        cidx[q] = cs[s->cvp[q].i];
    }
    node_sorted(f, s, rows, nr, j);
    size_t a = 0, b = 0, passed = 0;
    long long mist = 0;
    while (passed < nc) {
        double v = cv[b];
        if (a < nr && s->vp[a].v < v)
            v = s->vp[a].v;
        for (; b < nc && cv[b] == v; b++, passed++) {
            const size_t c = cidx[b];
            mist += (long long)(f->cnt[c] - s->cnt_left[c]) - (long long)s->cnt_left[c];
            s->c_left[c] = true;
        }
        for (; a < nr && s->vp[a].v == v; a++) {
            const size_t c = (size_t)f->labels[rows[s->vp[a].i]];
            s->cnt_left[c]++;
            mist += s->c_left[c] ? -1 : 1;
        }
        if (passed == 0 || passed == nc)
            continue;
        double next = cv[b];
        if (a < nr && s->vp[a].v < next)
            next = s->vp[a].v;
        if ((size_t)mist < best) {
            best = (size_t)mist;
            thr = between(v, next);
        }
    }
    f->feat_mist[j] = best;
    f->feat_thr[j] = thr;
}

/* Below this many row-features a node's features are searched on the
 * calling thread: waking the pool would cost more than it saves. The result
 * is the same either way. */
#define SPLIT_POOL_MIN 32768

/*
 * The split of a node holding centroids cs[0..nc) and rows rows[0..nr) with
 * the fewest mistakes: *feature and *threshold; false when no feature
 * separates two of the centroids. Ties go to the lower feature, then the
 * lower threshold: the features are searched in parallel, each for its own
 * best, and compared here in feature order, so the split is the same for
 * any thread count.
 */
static bool imm_split(fit_ctx *f, const size_t *cs, size_t nc, const size_t *rows, size_t nr,
                      size_t *feature, double *threshold)
{
    size_t best = SIZE_MAX;
    for (size_t q = 0; q < nc; q++)
        f->cnt[cs[q]] = 0;
    for (size_t i = 0; i < nr; i++)
        f->cnt[f->labels[rows[i]]]++;
    node_mark(f, rows, nr, true);
    split_job job = {f, cs, rows, nc, nr};
    if (f->pool && f->threads > 1 && (double)nr * (double)f->d >= SPLIT_POOL_MIN)
        seg_pool_run(f->pool, f->d, f->threads, imm_feature, &job);
    else
        for (size_t j = 0; j < f->d; j++)
            imm_feature(&job, j, 0);
    node_mark(f, rows, nr, false);
    for (size_t j = 0; j < f->d; j++)
        if (f->feat_mist[j] < best) {
            best = f->feat_mist[j];
            *feature = j;
            *threshold = f->feat_thr[j];
        }
    return best != SIZE_MAX;
}

typedef struct work {
    size_t node;      /* the leaf to fill in */
    size_t *cs, nc;   /* its centroids */
    size_t *rows, nr; /* its rows, mistakes excluded */
} work;

static void work_free(work *w)
{
    seg_free(w->cs);
    seg_free(w->rows);
}

static int fit_imm(fit_ctx *f, seg_xtree *t, size_t *cap)
{
    int rc = SEG_OK;
    size_t depth = 0, stack_cap = 16;
    work *stack = seg_malloc_array(stack_cap, sizeof *stack);
    work w = {0};
    if (!stack)
        return SEG_NOMEM();
    w.cs = seg_malloc_array(f->k, sizeof *w.cs);
    w.rows = seg_malloc_array(f->n ? f->n : 1, sizeof *w.rows);
    if (!w.cs || !w.rows || !xtree_reserve(t, cap, 1))
        goto nomem;
    for (size_t c = 0; c < f->k; c++)
        w.cs[c] = c;
    w.nc = f->k;
    for (size_t i = 0; i < f->n; i++)
        w.rows[i] = i;
    w.nr = f->n;
    w.node = add_leaf(t, (int32_t)w.cs[0]);
    for (;;) {
        size_t feat = 0;
        double thr = 0.0;
        if (w.nc >= 2 && imm_split(f, w.cs, w.nc, w.rows, w.nr, &feat, &thr)) {
            work l = {0}, r = {0};
            l.cs = seg_malloc_array(w.nc, sizeof *l.cs);
            r.cs = seg_malloc_array(w.nc, sizeof *r.cs);
            l.rows = seg_malloc_array(w.nr ? w.nr : 1, sizeof *l.rows);
            r.rows = seg_malloc_array(w.nr ? w.nr : 1, sizeof *r.rows);
            if (depth + 1 >= stack_cap) {
                work *ns = seg_malloc_array(stack_cap * 2, sizeof *ns);
                if (ns) {
                    memcpy(ns, stack, depth * sizeof *ns);
                    seg_free(stack);
                    stack = ns;
                    stack_cap *= 2;
                }
            }
            if (!l.cs || !r.cs || !l.rows || !r.rows || !xtree_reserve(t, cap, t->n_nodes + 2) ||
                depth + 1 >= stack_cap) {
                work_free(&l);
                work_free(&r);
                goto nomem;
            }
            for (size_t q = 0; q < w.nc; q++) {
                const size_t c = w.cs[q];
                f->c_left[c] = f->c[c * f->d + feat] <= thr;
                if (f->c_left[c])
                    l.cs[l.nc++] = c;
                else
                    r.cs[r.nc++] = c;
            }
            for (size_t i = 0; i < w.nr; i++) {
                const size_t row = w.rows[i];
                const bool go_left = f->x[row * f->d + feat] <= thr;
                if (go_left != f->c_left[f->labels[row]])
                    continue; /* a mistake: out of the splits below */
                if (go_left)
                    l.rows[l.nr++] = row;
                else
                    r.rows[r.nr++] = row;
            }
            t->feature[w.node] = (int64_t)feat;
            t->threshold[w.node] = thr;
            t->segment[w.node] = -1;
            l.node = add_leaf(t, (int32_t)l.cs[0]);
            r.node = add_leaf(t, (int32_t)r.cs[0]);
            t->left[w.node] = l.node;
            t->right[w.node] = r.node;
            work_free(&w);
            stack[depth++] = r;
            w = l;
            continue;
        }
        /* a leaf: its segment is its (first) centroid */
        work_free(&w);
        if (depth == 0)
            break;
        w = stack[--depth];
    }
    seg_free(stack);
    return rc;
nomem:
    work_free(&w);
    while (depth)
        work_free(&stack[--depth]);
    seg_free(stack);
    return SEG_NOMEM();
}

/* ---- ExKMC growth --------------------------------------------------------------- */

/* The best split of rows[0..nr) by surrogate cost (D: n x k squared
 * distances): its gain over keeping the rows at their best centroid. */
typedef struct grow_split {
    double gain;
    size_t feature;
    double threshold;
    int32_t left_seg, right_seg;
} grow_split;

static void best_growth(fit_ctx *f, const double *D, const size_t *rows, size_t nr, double *pre,
                        double *tot, grow_split *out)
{
    const size_t k = f->k;
    out->gain = 0.0;
    if (nr < 2)
        return;
    for (size_t c = 0; c < k; c++)
        tot[c] = 0.0;
    for (size_t i = 0; i < nr; i++)
        for (size_t c = 0; c < k; c++)
            tot[c] += D[rows[i] * k + c];
    double here = INFINITY;
    for (size_t c = 0; c < k; c++)
        here = tot[c] < here ? tot[c] : here;
    fit_scratch *s = &f->sc[0];
    node_mark(f, rows, nr, true);
    for (size_t j = 0; j < f->d; j++) {
        node_sorted(f, s, rows, nr, j);
        for (size_t c = 0; c < k; c++)
            pre[c] = 0.0;
        for (size_t a = 0; a + 1 < nr; a++) {
            const size_t row = rows[s->vp[a].i];
            for (size_t c = 0; c < k; c++)
                pre[c] += D[row * k + c];
            const double v = s->vp[a].v, next = s->vp[a + 1].v;
            if (!(v < next))
                continue;
            double cl = INFINITY, cr = INFINITY;
            size_t bl = 0, br = 0;
            for (size_t c = 0; c < k; c++) {
                if (pre[c] < cl)
                    cl = pre[c], bl = c;
                if (tot[c] - pre[c] < cr)
                    cr = tot[c] - pre[c], br = c;
            }
            const double gain = here - cl - cr;
            /* splits that change nothing (both sides keep one centroid) or
             * gain only rounding are not growth */
            if (bl != br && gain > out->gain && gain > 1e-12 * here) {
                out->gain = gain;
                out->feature = j;
                out->threshold = between(v, next);
                out->left_seg = (int32_t)bl;
                out->right_seg = (int32_t)br;
            }
        }
    }
    node_mark(f, rows, nr, false);
}

static int grow(fit_ctx *f, seg_xtree *t, size_t *cap, size_t target)
{
    const size_t n = f->n, k = f->k;
    size_t nk;
    int rc = SEG_OK;
    if (!seg_mul_ok(n, k, &nk))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu distances overflow", n, k);
    double *D = seg_malloc_array(nk ? nk : 1, sizeof *D);
    double *pre = seg_malloc_array(k, sizeof *pre), *tot = seg_malloc_array(k, sizeof *tot);
    size_t *leaf_of = seg_malloc_array(n ? n : 1, sizeof *leaf_of);
    size_t *rows = seg_malloc_array(n ? n : 1, sizeof *rows);
    grow_split *best = NULL;
    if (!D || !pre || !tot || !leaf_of || !rows)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < k; c++) {
            double s = 0.0;
            for (size_t j = 0; j < f->d; j++) {
                const double e = f->x[i * f->d + j] - f->c[c * f->d + j];
                s += e * e;
            }
            D[i * k + c] = s;
        }
        leaf_of[i] = route(t, f->x + i * f->d);
    }
    /* best[node]: the best growth of each leaf node, computed once; a tree
     * of L leaves has 2 L - 1 nodes */
    size_t leaves = 0;
    for (size_t i = 0; i < t->n_nodes; i++)
        leaves += t->feature[i] < 0;
    const size_t most = 2 * (target > leaves ? target : leaves);
    best = seg_malloc_array(most, sizeof *best);
    bool *fresh = seg_calloc(most, sizeof *fresh);
    if (!best || !fresh || !xtree_reserve(t, cap, most)) {
        seg_free(fresh);
        goto nomem;
    }
    while (leaves < target) {
        size_t pick = SIZE_MAX;
        for (size_t v = 0; v < t->n_nodes; v++) {
            if (t->feature[v] >= 0)
                continue;
            if (!fresh[v]) {
                size_t nr = 0;
                for (size_t i = 0; i < n; i++)
                    if (leaf_of[i] == v)
                        rows[nr++] = i;
                best_growth(f, D, rows, nr, pre, tot, &best[v]);
                fresh[v] = true;
            }
            if (best[v].gain > 0.0 && (pick == SIZE_MAX || best[v].gain > best[pick].gain))
                pick = v;
        }
        if (pick == SIZE_MAX)
            break; /* no split lowers the cost */
        const grow_split g = best[pick];
        t->feature[pick] = (int64_t)g.feature;
        t->threshold[pick] = g.threshold;
        t->segment[pick] = -1;
        const size_t l = add_leaf(t, g.left_seg), r = add_leaf(t, g.right_seg);
        t->left[pick] = l;
        t->right[pick] = r;
        for (size_t i = 0; i < n; i++)
            if (leaf_of[i] == pick)
                leaf_of[i] = f->x[i * f->d + g.feature] <= g.threshold ? l : r;
        leaves++;
    }
    seg_free(fresh);
    goto done;
nomem:
    rc = SEG_NOMEM();
done:
    seg_free(D);
    seg_free(pre);
    seg_free(tot);
    seg_free(leaf_of);
    seg_free(rows);
    seg_free(best);
    return rc;
}

/* ---- fit -------------------------------------------------------------------------- */

static void scratch_free(fit_scratch *s)
{
    seg_free(s->vp);
    seg_free(s->cvp);
    seg_free(s->tmp);
    seg_free(s->cv);
    seg_free(s->cidx);
    seg_free(s->cnt_left);
    seg_free(s->c_left);
}

static bool scratch_alloc(fit_scratch *s, size_t n, size_t k)
{
    const size_t pairs = n > k ? n : k;
    s->vp = seg_malloc_array(pairs ? pairs : 1, sizeof *s->vp);
    s->tmp = seg_malloc_array(pairs ? pairs : 1, sizeof *s->tmp);
    s->cvp = seg_malloc_array(k, sizeof *s->cvp);
    s->cv = seg_malloc_array(k, sizeof *s->cv);
    s->cidx = seg_malloc_array(k, sizeof *s->cidx);
    s->cnt_left = seg_malloc_array(k, sizeof *s->cnt_left);
    s->c_left = seg_malloc_array(k, sizeof *s->c_left);
    return s->vp && s->tmp && s->cvp && s->cv && s->cidx && s->cnt_left && s->c_left;
}

/* Feature j's rows in order of value, into gord (one pool item). */
static void sort_feature(void *ctx, size_t j, int thread)
{
    fit_ctx *f = ctx;
    fit_scratch *s = &f->sc[thread];
    const size_t n = f->n, d = f->d;
    for (size_t i = 0; i < n; i++)
        s->vp[i] = (struct vi){f->x[i * d + j], i};
    sort_vi(s->vp, n, s->tmp);
    for (size_t i = 0; i < n; i++)
        f->gord[j * n + i] = s->vp[i].i;
}

static int fit_rows(const seg_tree *tr, seg_model *m, const double *x, size_t n, size_t d,
                    const int32_t *labels)
{
    fit_ctx f = {.x = x, .n = n, .d = d, .k = m->k, .c = m->centroids, .labels = labels};
    seg_xtree *t = seg_calloc(1, sizeof *t);
    size_t cap = 0;
    int rc;
    if (!t)
        return SEG_NOMEM();
    /* the pool's idle threads wait on a condition variable, never spin; with
     * fewer features than threads the others would only wait */
    int threads = seg_threads_resolve(tr->threads);
    if ((size_t)threads > d)
        threads = d ? (int)d : 1;
    if (threads > 1 && seg_pool_start(&f.pool, threads) == SEG_OK)
        threads = seg_pool_threads(f.pool);
    else
        threads = 1;
    f.threads = threads;
    f.sc = seg_calloc((size_t)threads, sizeof *f.sc);
    f.cnt = seg_malloc_array(m->k, sizeof *f.cnt);
    f.c_left = seg_malloc_array(m->k, sizeof *f.c_left);
    f.feat_mist = seg_malloc_array(d ? d : 1, sizeof *f.feat_mist);
    f.feat_thr = seg_malloc_array(d ? d : 1, sizeof *f.feat_thr);
    f.pos = seg_malloc_array(n ? n : 1, sizeof *f.pos);
    if (!f.sc || !f.cnt || !f.c_left || !f.feat_mist || !f.feat_thr || !f.pos) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (int i = 0; i < threads; i++)
        if (!scratch_alloc(&f.sc[i], n, m->k)) {
            rc = SEG_NOMEM();
            goto done;
        }
    for (size_t i = 0; i < n; i++)
        f.pos[i] = SIZE_MAX;
    /* every feature's rows sorted once (d x n positions, as many bytes as the
     * rows); without the memory, each node sorts its own rows */
    size_t dn;
    if (seg_mul_ok(d, n, &dn) && n > 1 && (f.gord = seg_malloc_array(dn, sizeof *f.gord))) {
        if (f.pool)
            seg_pool_run(f.pool, d, threads, sort_feature, &f);
        else
            for (size_t j = 0; j < d; j++)
                sort_feature(&f, j, 0);
    }
    if ((rc = fit_imm(&f, t, &cap)) < 0)
        goto done;
    const size_t target = tr->leaves > 0 ? (size_t)tr->leaves : m->k;
    if ((target > (t->n_nodes + 1) / 2 && (rc = grow(&f, t, &cap, target)) < 0) ||
        (rc = xtree_derive(t)) < 0)
        goto done;
    seg_xtree_free(m->tree);
    m->tree = t;
    t = NULL;
done:
    seg_pool_stop(f.pool);
    for (int i = 0; f.sc && i < threads; i++)
        scratch_free(&f.sc[i]);
    seg_free(f.sc);
    seg_free(f.cnt);
    seg_free(f.c_left);
    seg_free(f.feat_mist);
    seg_free(f.feat_thr);
    seg_free(f.pos);
    seg_free(f.gord);
    seg_xtree_free(t);
    return rc;
}

static int check_rows_of(const seg_model *m, const void *x, bool f32, size_t n, size_t d,
                         const int32_t *labels)
{
    if (!m || (n && !x))
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    if (d != m->d)
        return seg_fail(SEG_ERR_MISMATCH, "rows have %zu features, the model %zu", d, m->d);
    for (size_t i = 0; labels && i < n; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= m->k)
            return seg_fail(SEG_ERR_INVALID_ARG, "label %d of row %zu is outside 0 .. %zu",
                            (int)labels[i], i + 1, m->k - 1);
    size_t nd;
    if (!seg_mul_ok(n, d, &nd))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", n, d);
    for (size_t i = 0; i < nd; i++)
        if (!isfinite(f32 ? (double)((const float *)x)[i] : ((const double *)x)[i]))
            return seg_fail(SEG_ERR_NONFINITE, "row %zu, feature %zu: the value is not finite",
                            i / d + 1, i % d + 1);
    return SEG_OK;
}

static int check_rows(const seg_model *m, const double *x, size_t n, size_t d,
                      const int32_t *labels)
{
    return check_rows_of(m, x, false, n, d, labels);
}

int seg_tree_fit_f64(const seg_tree *t, seg_model *m, const double *x, size_t n, size_t d,
                     const int32_t *labels)
{
    SEG_ALLOC_SCOPE(m);
    if (!t || !labels)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    int rc = check_rows(m, x, n, d, labels);
    if (rc < 0)
        return rc;
    return fit_rows(t, m, x, n, d, labels);
}

/* The dataset's rows in the model's feature units (seg_free the result), and
 * when labels is not NULL their segments: encoded and labelled in the model's
 * precision, as predict does, then widened to double. */
static int encode(const seg_model *m, const seg_dataset *ds, double **out, size_t *n,
                  int32_t *labels)
{
    const size_t d = m->scaler ? seg_scaler_features(m->scaler) : seg_dataset_columns(ds);
    const bool f32 = m->dtype == SEG_DTYPE_F32;
    size_t count;
    int rc;
    *n = seg_dataset_rows(ds);
    *out = NULL;
    if (d != m->d)
        return seg_fail(SEG_ERR_MISMATCH, "dataset gives %zu features, the model has %zu", d, m->d);
    if (!seg_mul_ok(*n, d, &count))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", *n, d);
    double *x = seg_malloc_array(count ? count : 1, sizeof *x);
    float *xf = f32 ? seg_malloc_array(count ? count : 1, sizeof *xf) : NULL;
    if (!x || (f32 && !xf)) {
        rc = SEG_NOMEM();
        goto done;
    }
    if (f32 && m->scaler) {
        rc = seg_scaler_transform_f32(m->scaler, ds, xf, count);
        for (size_t i = 0; rc == SEG_OK && i < count; i++)
            x[i] = xf[i];
    } else {
        rc = m->scaler ? seg_scaler_transform_f64(m->scaler, ds, x, count)
                       : seg_dataset_copy_f64(ds, x, count);
        for (size_t i = 0; f32 && rc == SEG_OK && i < count; i++)
            xf[i] = (float)x[i], x[i] = xf[i];
    }
    if (rc == SEG_OK && labels)
        rc = f32 ? seg_model_label_rows(m, xf, true, *n, 1, labels, NULL)
                 : seg_model_label_rows(m, x, false, *n, 1, labels, NULL);
done:
    seg_free(xf);
    if (rc < 0)
        seg_free(x);
    else
        *out = x;
    return rc;
}

int seg_tree_fit_dataset(const seg_tree *t, seg_model *m, const seg_dataset *ds)
{
    SEG_ALLOC_SCOPE(m);
    double *x = NULL;
    int32_t *labels = NULL;
    size_t n = 0;
    if (!t || !m || !ds)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    int rc = SEG_OK;
    if (!(labels =
              seg_malloc_array(seg_dataset_rows(ds) ? seg_dataset_rows(ds) : 1, sizeof *labels)))
        rc = SEG_NOMEM();
    if (rc == SEG_OK)
        rc = encode(m, ds, &x, &n, labels);
    if (rc == SEG_OK)
        rc = fit_rows(t, m, x, n, m->d, labels);
    seg_free(x);
    seg_free(labels);
    return rc;
}

/* ---- queries ------------------------------------------------------------------------ */

int seg_model_has_tree(const seg_model *m)
{
    return m && m->tree ? 1 : 0;
}

size_t seg_model_tree_leaves(const seg_model *m)
{
    return m && m->tree ? m->tree->n_leaves : 0;
}

int32_t seg_model_tree_leaf_segment(const seg_model *m, size_t leaf)
{
    if (!m || !m->tree || leaf >= m->tree->n_leaves)
        return -1;
    return m->tree->segment[m->tree->leaf_node[leaf]];
}

size_t seg_model_tree_leaf_conditions(const seg_model *m, size_t leaf)
{
    if (!m || !m->tree || leaf >= m->tree->n_leaves)
        return 0;
    size_t depth = 0;
    for (size_t v = m->tree->leaf_node[leaf]; m->tree->parent[v] != SIZE_MAX;
         v = m->tree->parent[v])
        depth++;
    return depth;
}

/* The name of feature j's column when the model has no scaler: the profiled
 * column of that position (the dataset's numeric columns), else "x<j+1>". */
static const char *plain_name(const seg_model *m, size_t j)
{
    if (m->profile && seg_model_profile_columns(m) == m->d)
        return seg_model_profile_column_name(m, j);
    return NULL;
}

int seg_model_tree_condition(const seg_model *m, size_t leaf, size_t i, const char **column,
                             seg_tree_op *op, double *value, const char **level)
{
    if (!column || !op || !value || !level)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    const size_t depth = seg_model_tree_leaf_conditions(m, leaf);
    if (i >= depth)
        return seg_fail(SEG_ERR_INVALID_ARG, "leaf %zu has %zu conditions, not %zu", leaf, depth,
                        i + 1);
    const seg_xtree *t = m->tree;
    /* the i-th condition from the root: walk up depth - 1 - i steps */
    size_t child = t->leaf_node[leaf];
    for (size_t s = 0; s + 1 < depth - i; s++)
        child = t->parent[child];
    const size_t v = t->parent[child];
    const bool left = t->left[v] == child;
    const size_t j = (size_t)t->feature[v];
    const double thr = t->threshold[v];
    *level = NULL;
    const scaler_fit *f = m->scaler ? seg_scaler_fitted_state(m->scaler) : NULL;
    if (!f) {
        *column = plain_name(m, j);
        *op = left ? SEG_TREE_LE : SEG_TREE_GT;
        *value = thr;
        return SEG_OK;
    }
    const scol *s = &f->cols[f->feature_col[j]];
    *column = s->name;
    if (s->kind == SCOL_NUMERIC) {
        double u = thr * s->scale + s->center;
        if (s->log1p)
            u = u < 0 ? -expm1(-u) : expm1(u);
        /* a negative scale reverses the order */
        *op = (left == (s->scale > 0)) ? SEG_TREE_LE : SEG_TREE_GT;
        *value = u;
        return SEG_OK;
    }
    /* a 0/1 feature: below the threshold means the level is absent */
    *level = s->levels[s->first_level + (j - s->offset)];
    *op = left ? SEG_TREE_NE : SEG_TREE_EQ;
    *value = NAN;
    return SEG_OK;
}

int seg_model_tree_assign_f64(const seg_model *m, const double *x, size_t n, size_t d,
                              int32_t *leaves)
{
    if (!m || !leaves)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    if (!m->tree)
        return seg_fail(SEG_ERR_STATE, "the model has no explanation tree");
    int rc = check_rows(m, x, n, d, NULL);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        leaves[i] = (int32_t)m->tree->node_leaf[route(m->tree, x + i * d)];
    return SEG_OK;
}

/* Rows i0 .. i0 + b - 1 of x as doubles: float rows are converted into buf
 * (b x d), double rows are used in place. */
static const double *row_block(const void *x, bool f32, size_t i0, size_t b, size_t d,
                               double *buf)
{
    if (!f32)
        return (const double *)x + i0 * d;
    const float *xf = (const float *)x + i0 * d;
    for (size_t q = 0; q < b * d; q++)
        buf[q] = xf[q];
    return buf;
}

/* The one scoring of the tree, for float and double rows. Two passes over
 * the rows, a block at a time (float rows are widened one block at a time:
 * no double copy of the matrix): the tree's segments, their sums and the
 * model's cost, then the cost about the tree segments' means. Sums run in
 * double in row order, so float rows give what their widened copy would. */
static int tree_score(const seg_model *m, const void *x, bool f32, size_t n, size_t d,
                      const int32_t *labels, int32_t *leaves, double *agreement,
                      double *cost_ratio)
{
    enum { BLOCK = 1024 };
    if (!m || !labels || !agreement || !cost_ratio)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    if (!m->tree)
        return seg_fail(SEG_ERR_STATE, "the model has no explanation tree");
    if (n == 0)
        return seg_fail(SEG_ERR_EMPTY, "no rows to score the tree on");
    int rc = check_rows_of(m, x, f32, n, d, labels);
    if (rc < 0)
        return rc;
    const size_t k = m->k;
    size_t kd, bd;
    if (!seg_mul_ok(k, d, &kd) || !seg_mul_ok(BLOCK, d, &bd))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", k > BLOCK ? k : BLOCK, d);
    double *mean = seg_calloc(kd ? kd : 1, sizeof *mean);
    size_t *cnt = seg_calloc(k, sizeof *cnt);
    int32_t *seg = seg_malloc_array(n, sizeof *seg);
    double *buf = f32 ? seg_malloc_array(bd ? bd : 1, sizeof *buf) : NULL;
    if (!mean || !cnt || !seg || (f32 && !buf)) {
        rc = SEG_NOMEM();
        goto done;
    }
    size_t agree = 0;
    double model_cost = 0.0, tree_cost = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
        const size_t b = n - i0 < BLOCK ? n - i0 : BLOCK;
        const double *xb = row_block(x, f32, i0, b, d, buf);
        for (size_t r = 0; r < b; r++) {
            const size_t i = i0 + r;
            const double *row = xb + r * d;
            const size_t v = route(m->tree, row);
            if (leaves)
                leaves[i] = (int32_t)m->tree->node_leaf[v];
            seg[i] = m->tree->segment[v];
            agree += seg[i] == labels[i];
            cnt[seg[i]]++;
            for (size_t j = 0; j < d; j++) {
                mean[(size_t)seg[i] * d + j] += row[j];
                const double e = row[j] - m->centroids[(size_t)labels[i] * d + j];
                model_cost += e * e;
            }
        }
    }
    for (size_t c = 0; c < k; c++)
        for (size_t j = 0; cnt[c] && j < d; j++)
            mean[c * d + j] /= (double)cnt[c];
    for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
        const size_t b = n - i0 < BLOCK ? n - i0 : BLOCK;
        const double *xb = row_block(x, f32, i0, b, d, buf);
        for (size_t r = 0; r < b; r++)
            for (size_t j = 0; j < d; j++) {
                const double e = xb[r * d + j] - mean[(size_t)seg[i0 + r] * d + j];
                tree_cost += e * e;
            }
    }
    *agreement = (double)agree / (double)n;
    *cost_ratio = model_cost > 0 ? tree_cost / model_cost : (tree_cost > 0 ? INFINITY : 1.0);
done:
    seg_free(mean);
    seg_free(cnt);
    seg_free(seg);
    seg_free(buf);
    return rc;
}

int seg_model_tree_score_f64(const seg_model *m, const double *x, size_t n, size_t d,
                             const int32_t *labels, int32_t *leaves, double *agreement,
                             double *cost_ratio)
{
    SEG_ALLOC_SCOPE(m);
    return tree_score(m, x, false, n, d, labels, leaves, agreement, cost_ratio);
}

int seg_model_tree_score_f32(const seg_model *m, const float *x, size_t n, size_t d,
                             const int32_t *labels, int32_t *leaves, double *agreement,
                             double *cost_ratio)
{
    SEG_ALLOC_SCOPE(m);
    return tree_score(m, x, true, n, d, labels, leaves, agreement, cost_ratio);
}

int seg_model_tree_score_dataset(const seg_model *m, const seg_dataset *ds, int32_t *labels,
                                 int32_t *leaves, double *agreement, double *cost_ratio)
{
    SEG_ALLOC_SCOPE(m);
    double *x = NULL;
    size_t n;
    if (!m || !ds || !labels)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    if (!m->tree)
        return seg_fail(SEG_ERR_STATE, "the model has no explanation tree");
    int rc = encode(m, ds, &x, &n, labels);
    if (rc == SEG_OK)
        rc = seg_model_tree_score_f64(m, x, n, m->d, labels, leaves, agreement, cost_ratio);
    seg_free(x);
    return rc;
}

/* ---- the TREE section ------------------------------------------------------------- */

void seg_xtree_write(const seg_xtree *t, wbuf *w)
{
    seg_wb_u64(w, t->n_nodes);
    for (size_t i = 0; i < t->n_nodes; i++) {
        seg_wb_u64(w, (uint64_t)t->feature[i]);
        seg_wb_f64(w, t->threshold[i]);
        seg_wb_u64(w, t->left[i]);
        seg_wb_u64(w, t->right[i]);
        seg_wb_u64(w, (uint64_t)(int64_t)t->segment[i]);
    }
}

int seg_xtree_read(rbuf *r, size_t k, size_t d, seg_xtree **out)
{
    const size_t nn = seg_rb_count(r, 40);
    seg_xtree *t = seg_calloc(1, sizeof *t);
    size_t cap = 0;
    bool *seen = NULL;
    if (!t)
        return SEG_NOMEM();
    if (r->bad || nn == 0)
        goto bad;
    if (!xtree_reserve(t, &cap, nn) || !(seen = seg_calloc(nn, sizeof *seen)))
        goto nomem;
    for (size_t i = 0; i < nn; i++) {
        const int64_t feat = (int64_t)seg_rb_u64(r);
        const double thr = seg_rb_f64(r);
        const uint64_t l = seg_rb_u64(r), rr = seg_rb_u64(r);
        const int64_t sg = (int64_t)seg_rb_u64(r);
        if (r->bad)
            goto bad;
        t->feature[i] = feat;
        t->threshold[i] = thr;
        t->left[i] = (size_t)l;
        t->right[i] = (size_t)rr;
        t->segment[i] = (int32_t)sg;
        if (feat < 0) {
            /* a leaf: -1 exactly, a segment, no children */
            if (feat != -1 || sg < 0 || (uint64_t)sg >= k || l || rr || thr != 0.0)
                goto bad;
        } else {
            /* children after their parent, each reached once: a tree */
            if ((uint64_t)feat >= d || sg != -1 || !isfinite(thr) || l <= i || rr <= i || l >= nn ||
                rr >= nn || l == rr || seen[l] || seen[rr])
                goto bad;
            seen[l] = seen[rr] = true;
        }
    }
    for (size_t i = 1; i < nn; i++)
        if (!seen[i])
            goto bad;
    t->n_nodes = nn;
    if (r->pos != r->len)
        goto bad;
    seg_free(seen);
    int rc = xtree_derive(t);
    if (rc < 0) {
        seg_xtree_free(t);
        return rc;
    }
    *out = t;
    return SEG_OK;
bad:
    seg_free(seen);
    seg_xtree_free(t);
    return seg_fail(SEG_ERR_FORMAT, "model file: section TREE: not a tree of the model's "
                                    "segments and features");
nomem:
    seg_free(seen);
    seg_xtree_free(t);
    return SEG_NOMEM();
}

int seg_model_tree_assign_dataset(const seg_model *m, const seg_dataset *ds, int32_t *leaves)
{
    SEG_ALLOC_SCOPE(m);
    double *x = NULL;
    size_t n;
    if (!m || !ds || !leaves)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    if (!m->tree)
        return seg_fail(SEG_ERR_STATE, "the model has no explanation tree");
    int rc = encode(m, ds, &x, &n, NULL);
    if (rc == SEG_OK)
        rc = seg_model_tree_assign_f64(m, x, n, m->d, leaves);
    seg_free(x);
    return rc;
}
