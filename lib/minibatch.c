/*
 * Mini-batch k-means (D. Sculley, "Web-scale k-means clustering", WWW 2010)
 * and the update of a fitted model with new rows.
 *
 * Each centroid keeps a count v_j (the weight of the rows it has absorbed);
 * Sculley's per-row update c <- (1 - 1/v) c + (1/v) x with v incremented per
 * row equals, over one batch, c <- (v c + S) / (v + m) where S and m are the
 * sum and number of the batch's rows assigned to c. The batch form is used:
 * it does not depend on the order of rows within a batch, so the result
 * depends only on the data, the settings and the seed. A forgetting factor f
 * multiplies every count by (1 - f) before each batch, so recent rows weigh
 * more (an exponentially weighted mean). Centroids whose count falls below
 * a ratio of the largest (starved: nothing is assigned to them) are moved to
 * a batch row drawn with probability proportional to its squared distance
 * (the k-means++ rule), their count reset to the smallest other count.
 *
 * Assignment uses the distance kernel (lib/distance.h), block by block.
 */
#include "kmeans.h"
#include "scaler.h"
#include "distance.h"
#include "outlier.h"
#include "profile.h"

#include <string.h>

struct seg_minibatch {
    int64_t k, batch, steps, seed, init_sample;
    double forget, reassign;
};

/* The running state of a fit or an update. */
typedef struct mbstate {
    size_t k, d, block;
    double *c, *cnorm, *v;       /* k x d centroids, k norms, k counts */
    double *sum, *cnt;           /* k x d and k batch accumulators */
    double *xnorm, *mind, *tile; /* block, block, block x k */
    int32_t *lab;                /* block */
    seg_rng rng;
} mbstate;

int seg_minibatch_new(seg_minibatch **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    seg_minibatch *mb = seg_calloc(1, sizeof *mb);
    if (!mb)
        return SEG_NOMEM();
    mb->k = 8;
    mb->batch = 1024;
    mb->reassign = 0.01;
    *out = mb;
    return SEG_OK;
}

void seg_minibatch_free(seg_minibatch *mb)
{
    seg_free(mb);
}

int seg_minibatch_set_int(seg_minibatch *mb, seg_minibatch_param param, int64_t value)
{
    if (!mb)
        return seg_fail(SEG_ERR_INVALID_ARG, "mini-batch object is NULL");
    switch (param) {
    case SEG_MINIBATCH_K:
        if (value < 1 || value > 1000000)
            break;
        mb->k = value;
        return SEG_OK;
    case SEG_MINIBATCH_BATCH_SIZE:
        if (value < 1 || value > (INT64_C(1) << 30))
            break;
        mb->batch = value;
        return SEG_OK;
    case SEG_MINIBATCH_MAX_STEPS:
        if (value < 0 || value > INT64_C(1000000000))
            break;
        mb->steps = value;
        return SEG_OK;
    case SEG_MINIBATCH_SEED:
        mb->seed = value;
        return SEG_OK;
    case SEG_MINIBATCH_INIT_SAMPLE:
        if (value < 0 || value > (INT64_C(1) << 40))
            break;
        mb->init_sample = value;
        return SEG_OK;
    default:
        break;
    }
    return seg_fail(SEG_ERR_INVALID_ARG, "bad mini-batch setting %d = %lld", (int)param,
                    (long long)value);
}

int seg_minibatch_set_double(seg_minibatch *mb, seg_minibatch_param param, double value)
{
    if (mb && param == SEG_MINIBATCH_FORGET && value >= 0 && value < 1) {
        mb->forget = value;
        return SEG_OK;
    }
    if (mb && param == SEG_MINIBATCH_REASSIGN_RATIO && value >= 0 && value <= 1) {
        mb->reassign = value;
        return SEG_OK;
    }
    return seg_fail(SEG_ERR_INVALID_ARG, "bad mini-batch setting %d = %g", (int)param, value);
}

static void state_free(mbstate *s)
{
    seg_free(s->c);
    seg_free(s->cnorm);
    seg_free(s->v);
    seg_free(s->sum);
    seg_free(s->cnt);
    seg_free(s->xnorm);
    seg_free(s->mind);
    seg_free(s->tile);
    seg_free(s->lab);
}

static int state_init(mbstate *s, size_t k, size_t d, const double *c, uint64_t seed)
{
    size_t kd, bk;
    memset(s, 0, sizeof *s);
    s->k = k;
    s->d = d;
    s->block = seg_block_plan(k, d, sizeof(double)).block;
    if (!seg_mul_ok(k, d, &kd) || !seg_mul_ok(s->block, k, &bk))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu centroids overflow", k, d);
    s->c = seg_malloc_array(kd, sizeof *s->c);
    s->sum = seg_malloc_array(kd, sizeof *s->sum);
    s->cnorm = seg_malloc_array(k, sizeof *s->cnorm);
    s->v = seg_calloc(k, sizeof *s->v);
    s->cnt = seg_malloc_array(k, sizeof *s->cnt);
    s->xnorm = seg_malloc_array(s->block, sizeof *s->xnorm);
    s->mind = seg_malloc_array(s->block, sizeof *s->mind);
    s->lab = seg_malloc_array(s->block, sizeof *s->lab);
    s->tile = seg_malloc_array(bk, sizeof *s->tile);
    if (!s->c || !s->sum || !s->cnorm || !s->v || !s->cnt || !s->xnorm || !s->mind || !s->lab ||
        !s->tile) {
        state_free(s);
        return SEG_NOMEM();
    }
    memcpy(s->c, c, kd * sizeof *c);
    seg_row_norms_f64(s->c, k, d, s->cnorm);
    seg_rng_seed(&s->rng, seed);
    return SEG_OK;
}

/* Move starved centroids to rows of the batch xb (b rows), drawn by
 * squared distance to the current centroids. */
static void reseed(mbstate *s, const double *xb, size_t b, double ratio)
{
    const size_t k = s->k, d = s->d;
    double vmax = 0, vmin = INFINITY;
    for (size_t j = 0; j < k; j++)
        vmax = s->v[j] > vmax ? s->v[j] : vmax;
    const double floor_ = ratio * vmax;
    for (size_t j = 0; j < k; j++)
        if (s->v[j] >= floor_ && s->v[j] < vmin)
            vmin = s->v[j];
    if (!(vmax > 0) || ratio == 0)
        return;
    for (size_t j = 0; j < k; j++) {
        if (s->v[j] >= floor_)
            continue;
        /* Distances of the batch rows to their nearest centroid, block by
         * block, then one draw proportional to them. */
        double total = 0;
        for (size_t r0 = 0; r0 < b; r0 += s->block) {
            const size_t nb = b - r0 < s->block ? b - r0 : s->block;
            seg_row_norms_f64(xb + r0 * d, nb, d, s->xnorm);
            seg_assign_block_f64(xb + r0 * d, nb, d, s->xnorm, s->c, k, s->cnorm, s->tile, s->lab,
                                 s->mind);
            for (size_t i = 0; i < nb; i++)
                total += s->mind[i];
        }
        if (!(total > 0))
            return;
        double target = seg_rng_uniform(&s->rng) * total, acc = 0;
        size_t pick = b - 1;
        for (size_t r0 = 0; r0 < b && pick == b - 1; r0 += s->block) {
            const size_t nb = b - r0 < s->block ? b - r0 : s->block;
            seg_row_norms_f64(xb + r0 * d, nb, d, s->xnorm);
            seg_assign_block_f64(xb + r0 * d, nb, d, s->xnorm, s->c, k, s->cnorm, s->tile, s->lab,
                                 s->mind);
            for (size_t i = 0; i < nb; i++) {
                acc += s->mind[i];
                if (acc > target) {
                    pick = r0 + i;
                    break;
                }
            }
        }
        memcpy(s->c + j * d, xb + pick * d, d * sizeof *s->c);
        seg_row_norms_f64(s->c + j * d, 1, d, s->cnorm + j);
        s->v[j] = isfinite(vmin) ? vmin : vmax;
    }
}

/* One batch of b rows: assign, then move each centroid to the running mean.
 * Returns the batch's sum of squared distances; *bad is set for a NaN row. */
static double step(mbstate *s, const double *xb, size_t b, double forget, size_t *assigned,
                   bool *bad)
{
    const size_t k = s->k, d = s->d;
    double inertia = 0;
    memset(s->sum, 0, k * d * sizeof *s->sum);
    memset(s->cnt, 0, k * sizeof *s->cnt);
    for (size_t r0 = 0; r0 < b; r0 += s->block) {
        const size_t nb = b - r0 < s->block ? b - r0 : s->block;
        const double *x = xb + r0 * d;
        seg_row_norms_f64(x, nb, d, s->xnorm);
        for (size_t i = 0; i < nb; i++)
            *bad |= !isfinite(s->xnorm[i]);
        seg_assign_block_f64(x, nb, d, s->xnorm, s->c, k, s->cnorm, s->tile, s->lab, s->mind);
        for (size_t i = 0; i < nb; i++) {
            const size_t j = (size_t)s->lab[i];
            double *acc = s->sum + j * d;
            for (size_t t = 0; t < d; t++)
                acc[t] += x[i * d + t];
            s->cnt[j] += 1;
            inertia += s->mind[i];
            if (assigned)
                assigned[j]++;
        }
    }
    for (size_t j = 0; j < k; j++) {
        s->v[j] *= 1 - forget;
        if (s->cnt[j] == 0)
            continue;
        const double v = s->v[j], tot = v + s->cnt[j];
        double *c = s->c + j * d;
        for (size_t t = 0; t < d; t++)
            c[t] = (v * c[t] + s->sum[j * d + t]) / tot;
        s->v[j] = tot;
        seg_row_norms_f64(c, 1, d, s->cnorm + j);
    }
    return inertia;
}

/* Starting centroids: k-means++ then Lloyd on a random sample of rows. */
static int initial_centroids(const seg_minibatch *mb, const double *x, size_t n, size_t d,
                             double *c)
{
    size_t s = mb->init_sample ? (size_t)mb->init_sample : 3 * (size_t)mb->batch;
    if (s < 10 * (size_t)mb->k)
        s = 10 * (size_t)mb->k;
    if (s > n)
        s = n;
    double *sample = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    seg_rng rng;
    int rc = SEG_OK;
    if (s < n) {
        size_t sd;
        if (!seg_mul_ok(s, d, &sd) || !(sample = seg_malloc_array(sd, sizeof *sample)))
            return SEG_NOMEM();
        seg_rng_seed(&rng, (uint64_t)mb->seed ^ UINT64_C(0x6d696e6962617463));
        for (size_t i = 0; i < s; i++)
            memcpy(sample + i * d, x + seg_rng_below(&rng, n) * d, d * sizeof *sample);
    }
    if ((rc = seg_kmeans_new(&km)) == SEG_OK &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, mb->k)) == SEG_OK &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_SEED, mb->seed)) == SEG_OK &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 1)) == SEG_OK)
        rc = seg_kmeans_fit_f64(km, sample ? sample : x, s, d, NULL, NULL, &m);
    if (rc == SEG_OK)
        memcpy(c, m->centroids, (size_t)mb->k * d * sizeof *c);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_free(sample);
    return rc;
}

/* The model of the final centroids, with sizes, weights and inertia from a
 * full assignment of the n rows (labels, if not NULL, receive it), and the
 * outlier reference of those rows. */
static int finish_model(const mbstate *s, const double *x, size_t n, int64_t steps,
                        int32_t *labels, seg_model **out)
{
    seg_model *m = NULL;
    seg_predictor *p = NULL;
    int32_t *lab = labels ? labels : seg_malloc_array(n, sizeof *lab);
    double *dist = seg_malloc_array(n, sizeof *dist);
    int rc = lab && dist ? seg_model_create(&m, s->k, s->d, SEG_DTYPE_F64, s->c) : SEG_NOMEM();
    if (rc == SEG_OK)
        rc = seg_predictor_new(&p, m);
    if (rc == SEG_OK)
        rc = seg_predictor_run_f64(p, x, n, s->d, lab, dist);
    if (rc == SEG_OK) {
        double inertia = 0;
        for (size_t i = 0; i < n; i++) {
            m->sizes[lab[i]]++;
            m->weights[lab[i]] += 1;
            inertia += dist[i] * dist[i];
        }
        m->inertia = inertia;
        m->n_rows = n;
        m->iterations = steps;
        m->converged = 1;
        rc = seg_model_set_outlier_reference(m, lab, dist, n);
    }
    seg_predictor_free(p);
    if (lab != labels)
        seg_free(lab);
    seg_free(dist);
    if (rc < 0) {
        seg_model_free(m);
        return rc;
    }
    *out = m;
    return SEG_OK;
}

int seg_minibatch_fit_f64(seg_minibatch *mb, const double *x, size_t n, size_t d, int32_t *labels,
                          seg_model **out)
{
    SEG_ALLOC_SCOPE(mb);
    mbstate s = {0};
    double *c0 = NULL, *xb = NULL;
    size_t kd, bd, nd;
    bool bad = false;
    int rc;

    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!mb || !x)
        return seg_fail(SEG_ERR_INVALID_ARG, "mini-batch object or x is NULL");
    if (n == 0 || d == 0)
        return seg_fail(SEG_ERR_EMPTY, "%zu rows and %zu features", n, d);
    const size_t k = (size_t)mb->k, b = (size_t)mb->batch < n ? (size_t)mb->batch : n;
    if (k > n)
        return seg_fail(SEG_ERR_TOO_FEW_POINTS, "k = %zu exceeds the %zu rows", k, n);
    if (!seg_mul_ok(k, d, &kd) || !seg_mul_ok(b, d, &bd) || !seg_mul_ok(n, d, &nd))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", n, d);
    /* Steps: as set, else one pass over the rows' worth of batches,
     * at least 100 and at most 1000. */
    int64_t steps = mb->steps;
    if (steps == 0) {
        const size_t pass = n / b;
        steps = pass < 100 ? 100 : pass > 1000 ? 1000 : (int64_t)pass;
    }
    if (!(c0 = seg_malloc_array(kd, sizeof *c0)) || !(xb = seg_malloc_array(bd, sizeof *xb))) {
        rc = SEG_NOMEM();
        goto done;
    }
    if ((rc = initial_centroids(mb, x, n, d, c0)) < 0)
        goto done;
    if ((rc = state_init(&s, k, d, c0, (uint64_t)mb->seed)) < 0)
        goto done;
    for (int64_t t = 0; t < steps; t++) {
        for (size_t i = 0; i < b; i++)
            memcpy(xb + i * d, x + seg_rng_below(&s.rng, n) * d, d * sizeof *xb);
        step(&s, xb, b, mb->forget, NULL, &bad);
        if (bad) {
            rc = seg_fail(SEG_ERR_NONFINITE, "a row holds a NaN or infinite value");
            goto done;
        }
        /* Re-seed every 10 steps, not in the last 10 (a moved centroid
         * needs batches to settle). */
        if (t % 10 == 9 && t + 10 < steps)
            reseed(&s, xb, b, mb->reassign);
    }
    rc = finish_model(&s, x, n, steps, labels, out);
done:
    state_free(&s);
    seg_free(c0);
    seg_free(xb);
    return rc;
}

int seg_minibatch_fit_dataset(seg_minibatch *mb, const seg_dataset *ds, const seg_scaler *sc,
                              int32_t *labels, seg_model **out)
{
    SEG_ALLOC_SCOPE(mb);
    size_t n, d;
    int32_t *lab = NULL;
    double *x = NULL;
    int rc;

    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!mb || !ds)
        return seg_fail(SEG_ERR_INVALID_ARG, "mini-batch object or dataset is NULL");
    if ((rc = seg_dataset_features_f64(ds, sc, &x, &n, &d)) < 0)
        return rc;
    if (!(lab = labels ? labels : seg_malloc_array(n, sizeof *lab))) {
        rc = SEG_NOMEM();
        goto done;
    }
    if (rc == SEG_OK)
        rc = seg_minibatch_fit_f64(mb, x, n, d, lab, out);
    /* Profiles and scaler as seg_kmeans_fit_dataset() keeps them; the
     * outlier reference is already there (from the final pass). */
    if (rc == SEG_OK && (rc = seg_model_describe(*out, ds, sc, lab, 0)) < 0) {
        seg_model_free(*out);
        *out = NULL;
    }
done:
    if (lab != labels)
        seg_free(lab);
    seg_free(x);
    return rc;
}

int seg_minibatch_partial_fit_f64(seg_minibatch *mb, const seg_model *old, const double *x,
                                  size_t n, size_t d, seg_model **out)
{
    SEG_ALLOC_SCOPE(mb);
    mbstate s = {0};
    seg_model *m = NULL;
    size_t *assigned = NULL;
    bool bad = false;
    int rc;

    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!mb || !old || (n && !x))
        return seg_fail(SEG_ERR_INVALID_ARG, "mini-batch object, model or x is NULL");
    if (d != old->d)
        return seg_fail(SEG_ERR_MISMATCH, "rows have %zu features, the model %zu", d, old->d);
    const size_t k = old->k, b = (size_t)mb->batch;
    if ((rc = state_init(&s, k, d, old->centroids, (uint64_t)mb->seed)) < 0)
        return rc;
    if (!(assigned = seg_calloc(k, sizeof *assigned))) {
        rc = SEG_NOMEM();
        goto done;
    }
    /* The counts carry on from the model: its segment weights (the
     * training rows' weights, or the counts of the last update). */
    for (size_t j = 0; j < k; j++)
        s.v[j] = old->weights[j] > 0 ? old->weights[j] : (double)old->sizes[j];
    double inertia = old->inertia;
    int64_t steps = 0;
    for (size_t r0 = 0; r0 < n; r0 += b, steps++) {
        const size_t nb = n - r0 < b ? n - r0 : b;
        const double f = mb->forget;
        inertia = inertia * (1 - f) + step(&s, x + r0 * d, nb, f, assigned, &bad);
        if (bad) {
            rc = seg_fail(SEG_ERR_NONFINITE, "a row holds a NaN or infinite value");
            goto done;
        }
        reseed(&s, x + r0 * d, nb, mb->reassign);
    }
    if ((rc = seg_model_create(&m, k, d, old->dtype, s.c)) < 0)
        goto done;
    for (size_t j = 0; j < k; j++) {
        m->sizes[j] = old->sizes[j] + assigned[j];
        m->weights[j] = s.v[j];
    }
    m->inertia = inertia;
    m->n_rows = old->n_rows + n;
    m->iterations = old->iterations + steps;
    m->converged = old->converged;
    if ((old->scaler && (rc = seg_scaler_clone(old->scaler, &m->scaler)) < 0) ||
        (old->outliers && (rc = seg_outliers_clone(old->outliers, &m->outliers)) < 0))
        goto done;
    *out = m;
    m = NULL;
done:
    seg_model_free(m);
    seg_free(assigned);
    state_free(&s);
    return rc;
}
