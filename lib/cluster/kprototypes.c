/*
 * K-prototypes (Huang 1997, 1998): settings and the fit of encoded rows.
 * The cost and how a row's levels are read off its encoding are the model's
 * (model/kproto.h), so that the fit's last pass and predict agree bit for
 * bit. The fit works on a compact copy: numeric features n x p and level
 * codes n x q, made once.
 */
#include "cluster/kmeans.h"
#include "cluster/kprototypes.h"
#include "core/params.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct seg_kprototypes {
    int64_t k, max_iter, n_init, init, seed, threads, min_profile_size;
    double gamma;
};

/* gamma is -1 (automatic) or >= 0. */
static int check_gamma(void *obj, seg_param_value v, const char **why)
{
    (void)obj;
    *why = "SEG_KPROTOTYPES_GAMMA is -1 (automatic) or a number >= 0";
    return v.r == -1.0 || v.r >= 0 ? SEG_OK : SEG_ERR_INVALID_ARG;
}

static const seg_param kproto_rows[] = {
    SEG_PARAM_INT(SEG_KPROTOTYPES_K, 1, 1e6, seg_kprototypes, k, NULL),
    SEG_PARAM_INT(SEG_KPROTOTYPES_MAX_ITER, 1, 1e9, seg_kprototypes, max_iter, NULL),
    SEG_PARAM_INT(SEG_KPROTOTYPES_N_INIT, 1, 1e6, seg_kprototypes, n_init, NULL),
    SEG_PARAM_INT(SEG_KPROTOTYPES_INIT, SEG_KPROTOTYPES_INIT_HUANG, SEG_KPROTOTYPES_INIT_CAO,
                  seg_kprototypes, init, NULL),
    SEG_PARAM_INT(SEG_KPROTOTYPES_SEED, SEG_PARAM_INT64_MIN, SEG_PARAM_INT64_MAX, seg_kprototypes,
                  seed, NULL),
    SEG_PARAM_INT(SEG_KPROTOTYPES_THREADS, 0, 4096, seg_kprototypes, threads, NULL),
    SEG_PARAM_INT(SEG_KPROTOTYPES_MIN_PROFILE_SIZE, 0, 1e12, seg_kprototypes, min_profile_size,
                  NULL),
    SEG_PARAM_REAL(SEG_KPROTOTYPES_GAMMA, -1, 1e12, seg_kprototypes, gamma, check_gamma),
};
static const seg_param_table kproto_params = SEG_PARAM_TABLE("k-prototypes", kproto_rows, NULL);

int seg_kprototypes_new(seg_kprototypes **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    seg_kprototypes *kp = seg_calloc(1, sizeof *kp);
    if (!(*out = kp))
        return SEG_NOMEM();
    kp->k = 8;
    kp->max_iter = 100;
    kp->n_init = 1;
    kp->init = SEG_KPROTOTYPES_INIT_HUANG;
    kp->gamma = -1;
    return SEG_OK;
}

void seg_kprototypes_free(seg_kprototypes *kp)
{
    seg_free(kp);
}

int seg_kprototypes_set_int(seg_kprototypes *kp, seg_kprototypes_param param, int64_t value)
{
    return seg_param_set_int(&kproto_params, kp, (int)param, value);
}

int seg_kprototypes_set_double(seg_kprototypes *kp, seg_kprototypes_param param, double value)
{
    return seg_param_set_real(&kproto_params, kp, (int)param, value);
}

int seg_kprototypes_get_int(const seg_kprototypes *kp, seg_kprototypes_param param, int64_t *value)
{
    return seg_param_get_int(&kproto_params, kp, (int)param, value);
}

int seg_kprototypes_get_double(const seg_kprototypes *kp, seg_kprototypes_param param,
                               double *value)
{
    return seg_param_get_real(&kproto_params, kp, (int)param, value);
}

int seg_kprototypes_param_bounds(seg_kprototypes_param param, double *lower, double *upper)
{
    return seg_param_bounds(&kproto_params, (int)param, lower, upper);
}

/* ---- the fit ---------------------------------------------------------------------- */

/* The rows in compact form and what every pass reads. */
typedef struct kdata {
    size_t n, p, q, k, levels; /* levels: sum over blocks of width + 1 */
    const double *num;         /* n x p */
    const uint32_t *code;      /* n x q */
    const double *w;           /* n, or NULL */
    const size_t *lev_off;     /* q: first entry of each block in a k x levels table */
    double gamma;
    int threads;
    size_t part, parts; /* rows per range, ranges */
} kdata;

/* One run's prototypes and the statistics of a pass over the rows. */
typedef struct kstate {
    double *mean;     /* k x p */
    uint32_t *mode;   /* k x q */
    int32_t *label;   /* n */
    double *cost;     /* n: each row's cost to its prototype */
    double *sum;      /* parts x k x p */
    double *count;    /* parts x k x levels: weighted level counts */
    double *weight;   /* parts x k */
    double *pcost;    /* parts */
    int64_t *changed; /* parts */
} kstate;

static double row_w(const kdata *D, size_t i)
{
    return D->w ? D->w[i] : 1.0;
}

/* Assign every row of range r to its least-cost prototype and gather the
 * range's sums. */
static void pass_range(const kdata *D, kstate *S, size_t r)
{
    const size_t p = D->p, q = D->q, k = D->k, L = D->levels;
    double *sum = S->sum + r * k * p, *cnt = S->count + r * k * L, *wt = S->weight + r * k;
    memset(sum, 0, k * p * sizeof *sum);
    memset(cnt, 0, k * L * sizeof *cnt);
    memset(wt, 0, k * sizeof *wt);
    double cost = 0;
    int64_t changed = 0;
    const size_t end = D->n - r * D->part > D->part ? (r + 1) * D->part : D->n;
    for (size_t i = r * D->part; i < end; i++) {
        const double *x = D->num + i * p;
        const uint32_t *c = D->code + i * q;
        double best = INFINITY;
        int32_t lab = 0;
        for (size_t j = 0; j < k; j++) {
            const double v =
                seg_kproto_cost(x, NULL, p, S->mean + j * p, c, S->mode + j * q, q, D->gamma);
            if (v < best) {
                best = v;
                lab = (int32_t)j;
            }
        }
        changed += S->label[i] != lab;
        S->label[i] = lab;
        S->cost[i] = best;
        const double wi = row_w(D, i);
        cost += wi * best;
        wt[lab] += wi;
        for (size_t f = 0; f < p; f++)
            sum[(size_t)lab * p + f] += wi * x[f];
        for (size_t b = 0; b < q; b++)
            cnt[(size_t)lab * L + D->lev_off[b] + c[b]] += wi;
    }
    S->pcost[r] = cost;
    S->changed[r] = changed;
}

/* One pass over all rows; the ranges' sums added in range order into range
 * 0's slots. Returns the labels changed; *cost the total weighted cost. */
static int64_t pass(const kdata *D, kstate *S, double *cost)
{
    const size_t p = D->p, k = D->k, L = D->levels;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(D->threads)
#endif
    for (size_t r = 0; r < D->parts; r++)
        pass_range(D, S, r);
    int64_t changed = S->changed[0];
    *cost = S->pcost[0];
    for (size_t r = 1; r < D->parts; r++) {
        for (size_t t = 0; t < k * p; t++)
            S->sum[t] += S->sum[r * k * p + t];
        for (size_t t = 0; t < k * L; t++)
            S->count[t] += S->count[r * k * L + t];
        for (size_t j = 0; j < k; j++)
            S->weight[j] += S->weight[r * k + j];
        *cost += S->pcost[r];
        changed += S->changed[r];
    }
    return changed;
}

/* Prototype j := row i. */
static void take_row(const kdata *D, kstate *S, size_t j, size_t i)
{
    memcpy(S->mean + j * D->p, D->num + i * D->p, D->p * sizeof *S->mean);
    memcpy(S->mode + j * D->q, D->code + i * D->q, D->q * sizeof *S->mode);
}

/* New prototypes from the pass's sums: weighted means, and the level of
 * largest weight (the lowest code on a tie). */
static void update(const kdata *D, kstate *S)
{
    for (size_t j = 0; j < D->k; j++) {
        const double wj = S->weight[j];
        for (size_t f = 0; f < D->p; f++)
            S->mean[j * D->p + f] = S->sum[j * D->p + f] / wj;
        for (size_t b = 0; b < D->q; b++) {
            const double *c = S->count + j * D->levels + D->lev_off[b];
            const size_t nl = (b + 1 < D->q ? D->lev_off[b + 1] : D->levels) - D->lev_off[b];
            uint32_t best = 0;
            for (size_t l = 1; l < nl; l++)
                if (c[l] > c[best])
                    best = (uint32_t)l;
            S->mode[j * D->q + b] = best;
        }
    }
}

/* Weighted frequency of every level over all rows (levels entries). */
static void level_freq(const kdata *D, double *freq)
{
    memset(freq, 0, D->levels * sizeof *freq);
    for (size_t i = 0; i < D->n; i++)
        for (size_t b = 0; b < D->q; b++)
            freq[D->lev_off[b] + D->code[i * D->q + b]] += row_w(D, i);
}

/* Huang: for each segment, levels drawn with their frequencies, then the
 * first row not yet chosen with the fewest mismatches to them. */
static void init_huang(const kdata *D, kstate *S, const double *freq, seg_rng *rng, uint32_t *want,
                       uint8_t *used)
{
    const size_t q = D->q;
    double total = 0;
    for (size_t l = D->lev_off[0]; l < (q > 1 ? D->lev_off[1] : D->levels); l++)
        total += freq[l];
    memset(used, 0, D->n);
    for (size_t j = 0; j < D->k; j++) {
        for (size_t b = 0; b < q; b++) {
            const size_t lo = D->lev_off[b], hi = b + 1 < q ? D->lev_off[b + 1] : D->levels;
            double u = seg_rng_uniform(rng) * total, acc = 0;
            size_t pick = lo;
            while (pick + 1 < hi && freq[pick] == 0)
                pick++;
            for (size_t l = lo; l < hi; l++)
                if (freq[l] > 0) {
                    pick = l;
                    acc += freq[l];
                    if (u < acc)
                        break;
                }
            want[b] = (uint32_t)(pick - lo);
        }
        size_t best = SIZE_MAX, best_mm = SIZE_MAX;
        for (size_t i = 0; i < D->n && best_mm > 0; i++) {
            if (used[i])
                continue;
            size_t mm = 0;
            for (size_t b = 0; b < q; b++)
                mm += D->code[i * q + b] != want[b];
            if (mm < best_mm) {
                best_mm = mm;
                best = i;
            }
        }
        used[best] = 1;
        take_row(D, S, j, best);
    }
}

/* Cao: the densest row first, then the row maximising density x cost to its
 * nearest chosen prototype (first row on a tie). */
static void init_cao(const kdata *D, kstate *S, const double *freq, double *dens, double *near)
{
    const size_t q = D->q, p = D->p;
    size_t first = 0;
    for (size_t i = 0; i < D->n; i++) {
        double s = 0;
        for (size_t b = 0; b < q; b++)
            s += freq[D->lev_off[b] + D->code[i * q + b]];
        dens[i] = s;
        if (s > dens[first])
            first = i;
        near[i] = INFINITY;
    }
    take_row(D, S, 0, first);
    for (size_t j = 1; j < D->k; j++) {
        size_t best = 0;
        double best_v = -1;
        for (size_t i = 0; i < D->n; i++) {
            const double c = seg_kproto_cost(D->num + i * p, NULL, p, S->mean + (j - 1) * p,
                                             D->code + i * q, S->mode + (j - 1) * q, q, D->gamma);
            if (c < near[i])
                near[i] = c;
            const double v = dens[i] * near[i];
            if (v > best_v) {
                best_v = v;
                best = i;
            }
        }
        take_row(D, S, j, best);
    }
}

/* The row of largest cost to its own prototype (the first on a tie). */
static size_t farthest_row(const kdata *D, const kstate *S)
{
    size_t best = 0;
    for (size_t i = 1; i < D->n; i++)
        if (S->cost[i] > S->cost[best])
            best = i;
    return best;
}

/* One run from the prototypes in S: batch iterations until no label changes
 * or max_iter updates. The labels and costs in S come from a pass against
 * the prototypes left in S. */
static void run(const kdata *D, kstate *S, int64_t max_iter, double *cost, int64_t *iters,
                bool *converged)
{
    int64_t it = 0, reseeds = 0;
    for (size_t i = 0; i < D->n; i++)
        S->label[i] = -1;
    *converged = false;
    for (;;) {
        const int64_t changed = pass(D, S, cost);
        size_t empty = SIZE_MAX;
        for (size_t j = 0; j < D->k && empty == SIZE_MAX; j++)
            if (!(S->weight[j] > 0))
                empty = j;
        if (empty != SIZE_MAX && reseeds < (int64_t)SEG_LLOYD_RESEED_SLACK + (int64_t)D->k) {
            take_row(D, S, empty, farthest_row(D, S));
            reseeds++;
            continue;
        }
        if (it > 0 && changed == 0) {
            *converged = true;
            break;
        }
        if (it >= max_iter || empty != SIZE_MAX)
            break;
        update(D, S);
        it++;
    }
    *iters = it;
}

/* 0.5 x the mean over numeric features of their population standard
 * deviation (kmodes's rule), over all rows unweighted; 1 without numbers. */
static double auto_gamma(const double *num, size_t n, size_t p)
{
    if (p == 0)
        return 1.0;
    double total = 0;
    for (size_t f = 0; f < p; f++) {
        double mean = 0, ss = 0;
        for (size_t i = 0; i < n; i++)
            mean += num[i * p + f];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) {
            const double t = num[i * p + f] - mean;
            ss += t * t;
        }
        total += sqrt(ss / (double)n);
    }
    return 0.5 * total / (double)p;
}

static void state_free(kstate *S)
{
    seg_free(S->mean);
    seg_free(S->mode);
    seg_free(S->label);
    seg_free(S->cost);
    seg_free(S->sum);
    seg_free(S->count);
    seg_free(S->weight);
    seg_free(S->pcost);
    seg_free(S->changed);
}

static bool state_alloc(const kdata *D, kstate *S)
{
    const size_t k = D->k, P = D->parts;
    S->mean = seg_malloc_array(k * D->p + 1, sizeof *S->mean);
    S->mode = seg_malloc_array(k * D->q + 1, sizeof *S->mode);
    S->label = seg_malloc_array(D->n, sizeof *S->label);
    S->cost = seg_malloc_array(D->n, sizeof *S->cost);
    S->sum = seg_malloc_array(P * k * D->p + 1, sizeof *S->sum);
    S->count = seg_malloc_array(P * k * D->levels, sizeof *S->count);
    S->weight = seg_malloc_array(P * k, sizeof *S->weight);
    S->pcost = seg_malloc_array(P, sizeof *S->pcost);
    S->changed = seg_malloc_array(P, sizeof *S->changed);
    return S->mean && S->mode && S->label && S->cost && S->sum && S->count && S->weight &&
           S->pcost && S->changed;
}

/* The model of the best run: centroids in the encoded layout, segments in
 * k-means's order, labels renumbered. */
static int build_model(const kdata *D, kstate *S, size_t d, const size_t *offset,
                       const size_t *width, double cost, int64_t iters, bool converged,
                       int32_t *labels, double *dist, seg_model **out)
{
    const size_t k = D->k, p = D->p, q = D->q;
    double *cent = seg_calloc(k * d, sizeof *cent);
    seg_rank_key *key = seg_malloc_array(k, sizeof *key);
    size_t *sizes = seg_calloc(k, sizeof *sizes), *rank = seg_malloc_array(k, sizeof *rank);
    double *wts = seg_calloc(k, sizeof *wts);
    seg_model *m = NULL;
    int rc = SEG_OK;
    if (!cent || !key || !sizes || !rank || !wts) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t i = 0; i < D->n; i++) {
        sizes[S->label[i]]++;
        wts[S->label[i]] += row_w(D, i);
    }
    double *tmp = seg_calloc(k * d, sizeof *tmp);
    if (!tmp) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t j = 0; j < k; j++) {
        double *c = tmp + j * d;
        size_t f = 0, b = 0, i = 0;
        for (f = 0; f < d; f++) {
            if (b < q && f >= offset[b] && f < offset[b] + width[b]) {
                const uint32_t mode = S->mode[j * q + b];
                c[f] = mode && f == offset[b] + mode - 1 ? 1.0 : 0.0;
                if (f + 1 == offset[b] + width[b])
                    b++;
                continue;
            }
            c[f] = S->mean[j * p + i++];
        }
        key[j] = (seg_rank_key){j, wts[j], sizes[j], c, d};
    }
    qsort(key, k, sizeof *key, seg_rank_cmp);
    for (size_t r = 0; r < k; r++) {
        rank[key[r].old] = r;
        memcpy(cent + r * d, key[r].c, d * sizeof *cent);
    }
    seg_free(tmp);
    if ((rc = seg_model_create(&m, k, d, SEG_DTYPE_F64, cent)) < 0)
        goto done;
    for (size_t r = 0; r < k; r++) {
        m->sizes[r] = key[r].size;
        m->weights[r] = key[r].weight;
    }
    m->n_rows = D->n;
    m->inertia = cost;
    m->iterations = iters;
    m->converged = converged;
    if ((rc = seg_kproto_new(k, d, cent, q, offset, width, D->gamma, "k-prototypes fit",
                             &m->kproto)) < 0)
        goto done;
    for (size_t i = 0; i < D->n; i++) {
        if (labels)
            labels[i] = (int32_t)rank[S->label[i]];
        if (dist)
            dist[i] = sqrt(S->cost[i]);
    }
done:
    if (rc < 0) {
        seg_model_free(m);
        m = NULL;
    }
    *out = m;
    seg_free(cent);
    seg_free(key);
    seg_free(sizes);
    seg_free(rank);
    seg_free(wts);
    return rc;
}

int seg_kprototypes_fit_rows(seg_kprototypes *kp, const double *x, size_t n, size_t d, size_t q,
                             const size_t *offset, const size_t *width, const double *w,
                             int32_t *labels, double *dist, seg_model **out)
{
    kdata D = {0};
    kstate S = {0}, best = {0};
    double *num = NULL, *freq = NULL, *dens = NULL, *near = NULL;
    uint32_t *code = NULL, *want = NULL;
    size_t *lev_off = NULL, *numidx = NULL;
    uint8_t *used = NULL;
    int rc = SEG_OK;

    const double t0 = seg_now_seconds();
    *out = NULL;
    if (q == 0)
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "k-prototypes needs at least one categorical column; the data has none "
                        "(k-means fits numeric data)");
    if ((size_t)kp->k > n)
        return seg_fail(SEG_ERR_INVALID_ARG, "k = %lld segments but only %zu rows",
                        (long long)kp->k, n);
    if ((rc = seg_weights_check(w, n)) < 0)
        return rc;
    D.n = n;
    D.q = q;
    D.k = (size_t)kp->k;
    D.w = w;
    size_t in_blocks = 0;
    for (size_t b = 0; b < q; b++)
        in_blocks += width[b];
    D.p = d - in_blocks;
    num = seg_malloc_array(n * D.p + 1, sizeof *num);
    code = seg_malloc_array(n * q, sizeof *code);
    lev_off = seg_malloc_array(q, sizeof *lev_off);
    numidx = seg_malloc_array(D.p + 1, sizeof *numidx);
    want = seg_malloc_array(q, sizeof *want);
    used = seg_malloc(n);
    if (!num || !code || !lev_off || !numidx || !want || !used) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t b = 0; b < q; b++) {
        lev_off[b] = D.levels;
        D.levels += width[b] + 1;
    }
    for (size_t f = 0, b = 0, i = 0; f < d; f++) {
        if (b < q && f >= offset[b] && f < offset[b] + width[b]) {
            if (f + 1 == offset[b] + width[b])
                b++;
            continue;
        }
        numidx[i++] = f;
    }
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * d;
        for (size_t f = 0; f < d; f++)
            if (!isfinite(row[f])) {
                rc = seg_fail(SEG_ERR_NONFINITE, "row %zu, feature %zu: the value is %s", i + 1,
                              f + 1, isnan(row[f]) ? "NaN" : "infinite");
                goto done;
            }
        for (size_t f = 0; f < D.p; f++)
            num[i * D.p + f] = row[numidx[f]];
        for (size_t b = 0; b < q; b++) {
            uint32_t c = 0;
            for (size_t t = 0; t < width[b]; t++)
                if (row[offset[b] + t] == 1.0) {
                    c = (uint32_t)(t + 1);
                    break;
                }
            code[i * q + b] = c;
        }
    }
    D.num = num;
    D.code = code;
    D.lev_off = lev_off;
    D.gamma = kp->gamma >= 0 ? kp->gamma : auto_gamma(num, n, D.p);
    /* Ranges of rows that depend on n only: at most 256, of at least 2048 rows. */
    D.part = n / 256 + 1 > 2048 ? n / 256 + 1 : 2048;
    D.parts = (n + D.part - 1) / D.part;
    {
        int64_t t = seg_threads_resolve(kp->threads);
        if ((size_t)t > D.parts)
            t = (int64_t)D.parts;
        D.threads = seg_threads_startable((int)t);
    }
    freq = seg_malloc_array(D.levels, sizeof *freq);
    dens = seg_malloc_array(n, sizeof *dens);
    near = seg_malloc_array(n, sizeof *near);
    if (!freq || !dens || !near || !state_alloc(&D, &S) || !state_alloc(&D, &best)) {
        rc = SEG_NOMEM();
        goto done;
    }
    level_freq(&D, freq);
    seg_rng rng;
    seg_rng_seed(&rng, (uint64_t)kp->seed);
    const int64_t runs = kp->init == SEG_KPROTOTYPES_INIT_CAO ? 1 : kp->n_init;
    double best_cost = INFINITY;
    int64_t best_iters = 0;
    bool best_conv = false;
    for (int64_t r = 0; r < runs; r++) {
        double cost;
        int64_t iters;
        bool conv;
        if (kp->init == SEG_KPROTOTYPES_INIT_CAO)
            init_cao(&D, &S, freq, dens, near);
        else
            init_huang(&D, &S, freq, &rng, want, used);
        run(&D, &S, kp->max_iter, &cost, &iters, &conv);
        if (cost < best_cost) {
            kstate t = best;
            best = S;
            S = t;
            best_cost = cost;
            best_iters = iters;
            best_conv = conv;
        }
    }
    for (size_t j = 0; j < D.k; j++)
        if (!(best.weight[j] > 0)) {
            rc = seg_fail(SEG_ERR_EMPTY,
                          "k-prototypes left segment %zu empty: the rows hold fewer than k = %zu "
                          "distinct prototypes",
                          j + 1, D.k);
            goto done;
        }
    rc = build_model(&D, &best, d, offset, width, best_cost, best_iters, best_conv, labels, dist,
                     out);
    if (rc == SEG_OK)
        (*out)->fit_seconds = seg_now_seconds() - t0;
done:
    state_free(&S);
    state_free(&best);
    seg_free(num);
    seg_free(code);
    seg_free(lev_off);
    seg_free(numidx);
    seg_free(want);
    seg_free(used);
    seg_free(freq);
    seg_free(dens);
    seg_free(near);
    return rc;
}
