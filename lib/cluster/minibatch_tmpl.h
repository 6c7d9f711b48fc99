/*
 * Body of mini-batch k-means for one element type, instantiated for float
 * and double by minibatch.c through instantiate.h. Distances come from the
 * distance kernel in T; centroids, counts and every sum are kept in double.
 */

/* The running state of a fit or an update. */
typedef struct FN(mbstate) {
    size_t k, d, block;
    double *c, *v;         /* k x d centroids, k counts (absorbed weight) */
    double *sum, *cnt;     /* k x d and k batch accumulators */
    T *ct, *cnorm;         /* the centroids in T as the kernel reads them, k norms */
    T *xnorm, *mind, *tile; /* block, block, block x k */
    int32_t *lab;          /* block */
    seg_rng rng;
} FN(mbstate);

static void FN(state_free)(FN(mbstate) *s)
{
    seg_free(s->c);
    seg_free(s->v);
    seg_free(s->sum);
    seg_free(s->cnt);
    seg_free(s->ct);
    seg_free(s->cnorm);
    seg_free(s->xnorm);
    seg_free(s->mind);
    seg_free(s->tile);
    seg_free(s->lab);
}

/* The kernel's copy of centroid j (and its norm) after c changed. */
static void FN(sync_centroid)(FN(mbstate) *s, size_t j)
{
    const size_t d = s->d;
    for (size_t t = 0; t < d; t++)
        s->ct[j * d + t] = (T)s->c[j * d + t];
    FN(seg_row_norms)(s->ct + j * d, 1, d, s->cnorm + j);
}

static int FN(state_init)(FN(mbstate) *s, size_t k, size_t d, const double *c, uint64_t seed)
{
    size_t kd, bk;
    memset(s, 0, sizeof *s);
    s->k = k;
    s->d = d;
    s->block = seg_block_plan(k, d, sizeof(T)).block;
    if (!seg_mul_ok(k, d, &kd) || !seg_mul_ok(s->block, k, &bk))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu centroids overflow", k, d);
    s->c = seg_malloc_array(kd, sizeof *s->c);
    s->sum = seg_malloc_array(kd, sizeof *s->sum);
    s->v = seg_calloc(k, sizeof *s->v);
    s->cnt = seg_malloc_array(k, sizeof *s->cnt);
    s->ct = seg_malloc_array(kd, sizeof *s->ct);
    s->cnorm = seg_malloc_array(k, sizeof *s->cnorm);
    s->xnorm = seg_malloc_array(s->block, sizeof *s->xnorm);
    s->mind = seg_malloc_array(s->block, sizeof *s->mind);
    s->lab = seg_malloc_array(s->block, sizeof *s->lab);
    s->tile = seg_malloc_array(bk, sizeof *s->tile);
    if (!s->c || !s->sum || !s->v || !s->cnt || !s->ct || !s->cnorm || !s->xnorm || !s->mind ||
        !s->lab || !s->tile) {
        FN(state_free)(s);
        return SEG_NOMEM();
    }
    memcpy(s->c, c, kd * sizeof *c);
    for (size_t j = 0; j < k; j++)
        FN(sync_centroid)(s, j);
    seg_rng_seed(&s->rng, seed);
    return SEG_OK;
}

/* Nearest centroids of rows x[0..nb) (nb <= block) into s->lab and s->mind;
 * false when a row is not finite (its squared norm overflows or is NaN). */
static bool FN(assign)(FN(mbstate) *s, const T *x, size_t nb)
{
    bool ok = true;
    FN(seg_row_norms)(x, nb, s->d, s->xnorm);
    for (size_t i = 0; i < nb; i++)
        ok &= isfinite((double)s->xnorm[i]) != 0;
    FN(seg_assign_block)(x, nb, s->d, s->xnorm, s->ct, s->k, s->cnorm, s->tile, s->lab, s->mind);
    return ok;
}

/* Move starved centroids to rows of the batch xb (b rows, weights wb or
 * NULL), drawn by weight times squared distance to the nearest centroid.
 * Returns the number of centroids moved. */
static size_t FN(reseed)(FN(mbstate) *s, const T *xb, const double *wb, size_t b, double ratio)
{
    const size_t k = s->k, d = s->d;
    double vmax = 0, vmin = INFINITY;
    size_t moved = 0;
    for (size_t j = 0; j < k; j++)
        vmax = s->v[j] > vmax ? s->v[j] : vmax;
    const double floor_ = ratio * vmax;
    for (size_t j = 0; j < k; j++)
        if (s->v[j] >= floor_ && s->v[j] < vmin)
            vmin = s->v[j];
    if (!(vmax > 0) || ratio == 0)
        return 0;
    for (size_t j = 0; j < k; j++) {
        if (s->v[j] >= floor_)
            continue;
        /* Two passes over the batch: the total, then the draw. */
        double total = 0;
        for (size_t r0 = 0; r0 < b; r0 += s->block) {
            const size_t nb = b - r0 < s->block ? b - r0 : s->block;
            FN(assign)(s, xb + r0 * d, nb);
            for (size_t i = 0; i < nb; i++)
                total += (wb ? wb[r0 + i] : 1.0) * (double)s->mind[i];
        }
        if (!(total > 0))
            return moved;
        double target = seg_rng_uniform(&s->rng) * total, acc = 0;
        size_t pick = b - 1;
        for (size_t r0 = 0; r0 < b && pick == b - 1; r0 += s->block) {
            const size_t nb = b - r0 < s->block ? b - r0 : s->block;
            FN(assign)(s, xb + r0 * d, nb);
            for (size_t i = 0; i < nb; i++) {
                acc += (wb ? wb[r0 + i] : 1.0) * (double)s->mind[i];
                if (acc > target) {
                    pick = r0 + i;
                    break;
                }
            }
        }
        for (size_t t = 0; t < d; t++)
            s->c[j * d + t] = (double)xb[pick * d + t];
        FN(sync_centroid)(s, j);
        s->v[j] = isfinite(vmin) ? vmin : vmax;
        moved++;
    }
    return moved;
}

/* One batch of b rows: assign, then move each centroid to the running mean.
 * Returns the batch's weighted sum of squared distances, its weight in *wsum
 * and the summed squared centroid shift in *shift; *bad is set for a row
 * that is not finite. assigned (k counts) may be NULL. */
/* The step met a row it cannot measure: name the first of x[0..n) (rows
 * and features 1-based, from first_row on), as predict does. */
static int FN(bad_row)(const T *x, size_t n, size_t d, size_t first_row)
{
    for (size_t i = 0; i < n; i++) {
        double sq = 0.0;
        for (size_t j = 0; j < d; j++) {
            const double v = (double)x[i * d + j];
            if (!isfinite(v))
                return seg_fail(SEG_ERR_NONFINITE, "row %zu, feature %zu: the value is %s",
                                first_row + i + 1, j + 1, isnan(v) ? "NaN" : "infinite");
            sq += v * v;
        }
        if (!isfinite((T)sq))
            return seg_fail(SEG_ERR_NONFINITE,
                            "row %zu: its values are too large to square in this precision",
                            first_row + i + 1);
    }
    return seg_fail(SEG_ERR_NONFINITE, "a row holds values too large to square in this precision");
}

static double FN(step)(FN(mbstate) *s, const T *xb, const double *wb, size_t b, double forget,
                       size_t *assigned, double *wsum, double *shift, bool *bad)
{
    const size_t k = s->k, d = s->d;
    double inertia = 0, wtot = 0, moved = 0;
    memset(s->sum, 0, k * d * sizeof *s->sum);
    memset(s->cnt, 0, k * sizeof *s->cnt);
    for (size_t r0 = 0; r0 < b; r0 += s->block) {
        const size_t nb = b - r0 < s->block ? b - r0 : s->block;
        const T *x = xb + r0 * d;
        *bad |= !FN(assign)(s, x, nb);
        for (size_t i = 0; i < nb; i++) {
            const size_t j = (size_t)s->lab[i];
            const double w = wb ? wb[r0 + i] : 1.0;
            double *acc = s->sum + j * d;
            for (size_t t = 0; t < d; t++)
                acc[t] += w * (double)x[i * d + t];
            s->cnt[j] += w;
            inertia += w * (double)s->mind[i];
            wtot += w;
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
        for (size_t t = 0; t < d; t++) {
            const double next = (v * c[t] + s->sum[j * d + t]) / tot;
            moved += (next - c[t]) * (next - c[t]);
            c[t] = next;
        }
        s->v[j] = tot;
        FN(sync_centroid)(s, j);
    }
    *wsum = wtot;
    *shift = moved;
    return inertia;
}

/* Copy rows idx of x (and their weights) into xb (and wb). */
static void FN(gather)(const T *x, const double *w, size_t d, seg_rng *rng, size_t n, size_t b,
                       T *xb, double *wb)
{
    for (size_t i = 0; i < b; i++) {
        const size_t r = (size_t)seg_rng_below(rng, n);
        memcpy(xb + i * d, x + r * d, d * sizeof *xb);
        if (wb)
            wb[i] = w[r];
    }
}

/* k-means (k-means++ then Lloyd) on the s rows of sample; the centroids
 * into c and their segments' weights into cw. */
static int FN(fit_sample)(const seg_minibatch *mb, const T *sample, const double *sw, size_t s,
                          size_t d, int64_t seed, double *c, double *cw)
{
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    int rc;
    if ((rc = seg_kmeans_new(&km)) == SEG_OK &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, mb->k)) == SEG_OK &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_SEED, seed)) == SEG_OK &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 1)) == SEG_OK)
        rc = FN(seg_kmeans_fit)(km, sample, s, d, sw, NULL, &m);
    if (rc == SEG_OK) {
        memcpy(c, m->centroids, (size_t)mb->k * d * sizeof *c);
        memcpy(cw, m->weights, (size_t)mb->k * sizeof *cw);
    }
    seg_model_free(m);
    seg_kmeans_free(km);
    return rc;
}

/* Weighted inertia of the rows val (s rows, weights vw or NULL) against the
 * k centroids c, through a scratch state's kernel buffers. */
static double FN(sample_inertia)(FN(mbstate) *s, const double *c, const T *val, const double *vw,
                                 size_t rows)
{
    double inertia = 0;
    memcpy(s->c, c, s->k * s->d * sizeof *c);
    for (size_t j = 0; j < s->k; j++)
        FN(sync_centroid)(s, j);
    for (size_t r0 = 0; r0 < rows; r0 += s->block) {
        const size_t nb = rows - r0 < s->block ? rows - r0 : s->block;
        FN(assign)(s, val + r0 * s->d, nb);
        for (size_t i = 0; i < nb; i++)
            inertia += (vw ? vw[r0 + i] : 1.0) * (double)s->mind[i];
    }
    return inertia;
}

/*
 * Starting centroids (scikit-learn's MiniBatchKMeans documents the same
 * scheme: init_size rows per start, n_init starts, the best kept by
 * inertia): SEG_MINIBATCH_N_INIT starts, each k-means++ and Lloyd on its own
 * random sample of init_size rows, scored on one held-out sample of the same
 * size; the best into c, and into v the weights of its sample rows in each
 * segment: each centroid is the mean of those rows, as if it had absorbed
 * them, so the first batches refine it rather than replace it. *spread
 * receives the held-out rows' total variance (mean squared distance to
 * their mean), the scale of the centre-shift rule.
 */
static int FN(start)(const seg_minibatch *mb, const T *x, const double *w, size_t n, size_t d,
                     double *c, double *v, double *spread)
{
    const size_t k = (size_t)mb->k;
    size_t s = mb->init_sample ? (size_t)mb->init_sample : 3 * (size_t)mb->batch;
    size_t sd, kd;
    if (s < 40 * k) /* k-means++ on fewer rows per centroid started k = 256 poorly */
        s = 40 * k;
    if (s > n)
        s = n;
    if (!seg_mul_ok(s, d, &sd) || !seg_mul_ok(k, d, &kd))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu sample values overflow", s, d);
    const bool whole = s == n; /* every start fits all rows; they differ by seed */
    T *sample = whole ? NULL : seg_malloc_array(sd, sizeof *sample);
    T *val = whole ? NULL : seg_malloc_array(sd, sizeof *val);
    double *sw = w && !whole ? seg_malloc_array(s, sizeof *sw) : NULL;
    double *vw = w && !whole ? seg_malloc_array(s, sizeof *vw) : NULL;
    double *cand = seg_malloc_array(kd, sizeof *cand), *cw = seg_malloc_array(k, sizeof *cw);
    FN(mbstate) sc = {0};
    seg_rng rng;
    int rc = SEG_OK;
    if ((!whole && (!sample || !val || (w && (!sw || !vw)))) || !cand || !cw) {
        rc = SEG_NOMEM();
        goto done;
    }
    seg_rng_seed(&rng, (uint64_t)mb->seed ^ UINT64_C(0x6d696e6962617463));
    if (!whole)
        FN(gather)(x, w, d, &rng, n, s, val, vw);
    const T *vx = whole ? x : val;
    const double *vwt = whole ? w : vw;
    /* The spread: weighted mean squared distance to the weighted mean. */
    double wt = 0, sq = 0;
    for (size_t i = 0; i < s; i++)
        wt += vwt ? vwt[i] : 1.0;
    for (size_t t = 0; t < d; t++) {
        double mean = 0;
        for (size_t i = 0; i < s; i++)
            mean += (vwt ? vwt[i] : 1.0) * (double)vx[i * d + t];
        mean /= wt;
        for (size_t i = 0; i < s; i++) {
            const double e = (double)vx[i * d + t] - mean;
            sq += (vwt ? vwt[i] : 1.0) * e * e;
        }
    }
    *spread = sq / wt;
    memset(c, 0, kd * sizeof *c); /* placeholder centroids of the scoring state */
    if ((rc = FN(state_init)(&sc, k, d, c, 0)) < 0)
        goto done;
    double best = INFINITY;
    for (int64_t r = 0; r < mb->n_init; r++) {
        if (!whole)
            FN(gather)(x, w, d, &rng, n, s, sample, sw);
        if ((rc = FN(fit_sample)(mb, whole ? x : sample, whole ? w : sw, s, d, mb->seed + r,
                                 cand, cw)) < 0)
            goto done;
        const double score = FN(sample_inertia)(&sc, cand, vx, vwt, s);
        if (score < best) { /* ties keep the earlier start */
            best = score;
            memcpy(c, cand, kd * sizeof *c);
            memcpy(v, cw, k * sizeof *v);
        }
    }
done:
    FN(state_free)(&sc);
    seg_free(sample);
    seg_free(val);
    seg_free(sw);
    seg_free(vw);
    seg_free(cand);
    seg_free(cw);
    return rc;
}

/* The model of the final centroids, with sizes, weights and inertia from
 * the one pass that labels all n rows: lab and dist receive each row's
 * segment and distance, predict's, for the later stages (outlier reference,
 * profiles). */
static int FN(finish)(const seg_minibatch *mb, const double *c, const T *x, const double *w,
                      size_t n, size_t d, int32_t *lab, double *dist, seg_model **out)
{
    seg_model *m = NULL;
    const seg_dtype dt = SEG_T_IS_F32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64;
    int rc = seg_model_create(&m, (size_t)mb->k, d, dt, c);
    if (rc == SEG_OK)
        rc = seg_model_label_rows(m, x, SEG_T_IS_F32, n, mb->threads, lab, dist);
    if (rc < 0) {
        seg_model_free(m);
        return rc;
    }
    double inertia = 0;
    for (size_t i = 0; i < n; i++) {
        const double wi = w ? w[i] : 1.0;
        m->sizes[lab[i]]++;
        m->weights[lab[i]] += wi;
        inertia += wi * dist[i] * dist[i];
    }
    m->inertia = inertia;
    m->n_rows = n;
    m->converged = 1;
    *out = m;
    return SEG_OK;
}

/*
 * The final Lloyd steps: a k-means fit of all n rows from the batches'
 * centroids c (SEG_INIT_GIVEN, at most final_steps iterations, tolerance
 * final_tol by k-means' own rule), so they run on the library's threads
 * with k-means' fixed row partitions, the same bits for any thread count.
 * The segments keep the batches' numbering. *out, lab and dist as finish
 * gives them. (Fewer than k distinct rows cannot reach here: the start's
 * k-means refuses them.)
 */
static int FN(final_lloyd)(const seg_minibatch *mb, const double *c, const T *x,
                           const double *w, size_t n, size_t d, int32_t *lab, double *dist,
                           seg_model **out)
{
    seg_kmeans *km = NULL;
    int rc;
    if ((rc = seg_kmeans_new(&km)) == SEG_OK &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, mb->k)) == SEG_OK &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_THREADS, mb->threads)) == SEG_OK &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_MAX_ITER, mb->final_steps)) == SEG_OK &&
        (rc = seg_kmeans_set_double(km, SEG_KMEANS_TOL, mb->final_tol)) == SEG_OK &&
        (rc = seg_kmeans_set_init_centroids_f64(km, c, (size_t)mb->k, d)) == SEG_OK) {
        seg_kmeans_keep_order(km);
        rc = seg_kmeans_fit_rows(km, x, SEG_T_IS_F32, n, d, w, lab, dist, out);
    }
    seg_kmeans_free(km);
    return rc;
}

/*
 * Lloyd steps on a sample of the rows before the steps on all of them
 * (MB_SAMPLE_DIV, MB_SAMPLE_MIN in minibatch.c): the sample's rows are drawn
 * by the fit's generator after the batches, so they depend on the seed
 * only, and its steps are a k-means fit as the full ones are. On a failure
 * other than memory (a sample with fewer than k distinct rows, or holding a
 * row that is not finite) the batches' centroids are kept: the full steps
 * then report what is wrong with the rows themselves, by their numbers in x.
 */
static int FN(sample_lloyd)(const seg_minibatch *mb, FN(mbstate) *s, const T *x, const double *w,
                            size_t n, size_t d)
{
    const size_t m = n / MB_SAMPLE_DIV;
    if (n < MB_SAMPLE_MIN || m < MB_SAMPLE_DIV * s->k)
        return SEG_OK;
    T *xs = seg_malloc_array(m, d * sizeof *xs); /* m * d <= n * d, checked by fit */
    double *ws = w ? seg_malloc_array(m, sizeof *ws) : NULL;
    seg_model *sm = NULL;
    int rc = SEG_OK;
    if (!xs || (w && !ws)) {
        rc = SEG_NOMEM();
        goto done;
    }
    FN(gather)(x, w, d, &s->rng, n, m, xs, ws);
    rc = FN(final_lloyd)(mb, s->c, xs, ws, m, d, NULL, NULL, &sm);
    if (rc == SEG_OK)
        memcpy(s->c, sm->centroids, s->k * d * sizeof *s->c);
    else if (rc != SEG_ERR_NOMEM)
        rc = SEG_OK;
done:
    seg_model_free(sm);
    seg_free(xs);
    seg_free(ws);
    return rc;
}

static int FN(fit)(seg_minibatch *mb, const T *x, size_t n, size_t d, const double *w,
                   int32_t *labels, double *dist, seg_model **out)
{
    FN(mbstate) s = {0};
    double *c0 = NULL, *v0 = NULL, *wb = NULL, *dist_own = NULL;
    int32_t *lab_own = NULL;
    T *xb = NULL;
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
    if ((rc = seg_weights_check(w, n)) < 0)
        return rc;
    const double t0 = seg_now_seconds();
    const int64_t steps = mb_steps(mb, n, b);
    if (!labels)
        labels = lab_own = seg_malloc_array(n, sizeof *labels);
    if (!dist)
        dist = dist_own = seg_malloc_array(n, sizeof *dist);
    if (!labels || !dist || !(c0 = seg_malloc_array(kd, sizeof *c0)) ||
        !(v0 = seg_malloc_array(k, sizeof *v0)) || !(xb = seg_malloc_array(bd, sizeof *xb)) ||
        (w && !(wb = seg_malloc_array(b, sizeof *wb)))) {
        rc = SEG_NOMEM();
        goto done;
    }
    double spread = 0;
    if ((rc = FN(start)(mb, x, w, n, d, c0, v0, &spread)) < 0)
        goto done;
    const double t_init = seg_now_seconds() - t0;
    if ((rc = FN(state_init)(&s, k, d, c0, (uint64_t)mb->seed)) < 0)
        goto done;
    memcpy(s.v, v0, k * sizeof *v0);
    mb_stop stop;
    mb_stop_init(&stop, mb, k, spread);
    int64_t t = 0;
    for (; t < steps; t++) {
        double wsum, shift;
        FN(gather)(x, w, d, &s.rng, n, b, xb, wb);
        const double inertia = FN(step)(&s, xb, wb, b, mb->forget, NULL, &wsum, &shift, &bad);
        if (bad) {
            rc = FN(bad_row)(x, n, d, 0);
            goto done;
        }
        /* Re-seed every 10 steps, not in the last 10 (a moved centroid
         * needs batches to settle, and the stopping rules start over). */
        if (t % 10 == 9 && t + 10 < steps && FN(reseed)(&s, xb, wb, b, mb->reassign))
            mb_stop_init(&stop, mb, k, spread);
        else if (mb_stop_after(&stop, inertia / wsum, shift)) {
            t++;
            break;
        }
    }
    /* Lloyd from the batches' centroids, stopped by k-means' own rule: at
     * most final_steps passes (after as many on a sample of a large n),
     * then the labelling pass. */
    if (mb->final_steps && (rc = FN(sample_lloyd)(mb, &s, x, w, n, d)) < 0)
        goto done;
    rc = mb->final_steps ? FN(final_lloyd)(mb, s.c, x, w, n, d, labels, dist, out)
                         : FN(finish)(mb, s.c, x, w, n, d, labels, dist, out);
    if (rc == SEG_OK) {
        (*out)->iterations = t;
        (*out)->converged = 1;
        (*out)->init_seconds = t_init;
        (*out)->fit_seconds = seg_now_seconds() - t0;
    }
done:
    FN(state_free)(&s);
    seg_free(c0);
    seg_free(v0);
    seg_free(xb);
    seg_free(wb);
    seg_free(lab_own);
    seg_free(dist_own);
    return rc;
}

static int FN(partial)(seg_minibatch *mb, const seg_model *old, const T *x, size_t n, size_t d,
                       const double *w, seg_model **out)
{
    FN(mbstate) s = {0};
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
    if ((rc = seg_weights_check(w, n)) < 0)
        return rc;
    const size_t k = old->k, b = (size_t)mb->batch;
    if ((rc = FN(state_init)(&s, k, d, old->centroids, (uint64_t)mb->seed)) < 0)
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
        const double f = mb->forget, *wr = w ? w + r0 : NULL;
        double wsum, shift;
        inertia = inertia * (1 - f) +
                  FN(step)(&s, x + r0 * d, wr, nb, f, assigned, &wsum, &shift, &bad);
        if (bad) {
            rc = FN(bad_row)(x + r0 * d, nb, d, r0);
            goto done;
        }
        FN(reseed)(&s, x + r0 * d, wr, nb, mb->reassign);
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
    FN(state_free)(&s);
    return rc;
}
