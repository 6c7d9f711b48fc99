/*
 * Starting centroids for one element type, included by kmeans_tmpl.h:
 * greedy k-means++ (Arthur and Vassilvitskii 2007, 2 + ln k trials per step)
 * and random distinct rows. Potentials are summed over fixed row partitions
 * in order, so the choice is the same for any number of threads.
 */
/* Row i (of all rows) into dst as doubles; sharded, its shard sends it. */
static void FN(take_row)(kjob *J, size_t i, double *dst)
{
    const size_t p = i / J->parts.rows;
    if (p >= J->part_lo && p < J->part_hi) {
        const T *r = (const T *)J->x + (i - J->row0) * J->d;
        for (size_t j = 0; j < J->d; j++)
            dst[j] = (double)r[j];
    }
    if (J->shard)
        shard_call(J, SEG_SHARD_BCAST, dst, J->d * sizeof *dst, p);
}

/* First row (in order) that is none of the first m centroids, or SIZE_MAX. */
static size_t FN(first_new_row)(kjob *J, const double *C, size_t m)
{
    size_t found = SIZE_MAX;
    for (size_t i = 0; i < J->n; i++)
        if (!FN(is_seen)((const T *)J->x + i * J->d, C, m, J->d)) {
            found = J->row0 + i;
            break;
        }
    if (!J->shard)
        return found;
    /* the first over the shards: the smallest row (SIZE_MAX as -1 sums) */
    const size_t P = J->parts.count;
    double *slot = seg_malloc_array(P, sizeof *slot);
    /* agreed before the gather, so that no shard waits for one that failed */
    if (shard_agree(J, slot ? SEG_OK : SEG_NOMEM()) < 0) {
        seg_free(slot);
        return SIZE_MAX;
    }
    for (size_t p = 0; p < P; p++)
        slot[p] = -1;
    slot[J->part_lo] = found == SIZE_MAX ? -1 : (double)found;
    shard_call(J, SEG_SHARD_GATHER, slot, sizeof *slot, 0);
    found = SIZE_MAX;
    for (size_t p = 0; p < P && found == SIZE_MAX; p++)
        if (slot[p] >= 0)
            found = (size_t)slot[p];
    seg_free(slot);
    return found;
}

/*
 * Fold m candidates cand (numbered base, base + 1, ...; T copies with their
 * norms) into each row's closest squared distance: closest[i] = min(closest[i],
 * d2 to candidate t), where init makes the first candidate's d2 the start.
 * owner, when not NULL, gets the number of the candidate that made closest[i]
 * strictly smaller (ties keep the earlier one). ppot[p] = the weighted sum of
 * closest over partition p in row order. The candidates go through the tile
 * in chunks whose size depends on k alone. k-means++ folds one centroid at a
 * time, k-means|| a round's candidates.
 */
typedef struct FN(closest_ctx) {
    kjob *J;
    const T *cand, *cnorm;
    size_t m, base;
    bool init;
    int32_t *owner;
} FN(closest_ctx);

static void FN(closest_part)(void *ctx, size_t p, int tid)
{
    const FN(closest_ctx) *X = ctx;
    kjob *J = X->J;
    const T *x = J->x;
    const T *xnorm = J->xnorm;
    T *closest = J->mind;
    int32_t *owner = X->owner;
    const seg_parts P = J->parts;
    const size_t chunk = J->tile_len / P.block;
    T *tile = (T *)J->tiles + (size_t)tid * J->tile_len;
    size_t r0, r1;
    p += J->part_lo; /* the pool numbers this shard's partitions from 0 */
    kjob_rows(J, p, &r0, &r1);
    double pot = 0;
    for (size_t b0 = r0; b0 < r1; b0 += P.block) {
        size_t b = r1 - b0 < P.block ? r1 - b0 : P.block;
        T *cl = closest + b0;
        for (size_t t0 = 0; t0 < X->m; t0 += chunk) {
            size_t mc = X->m - t0 < chunk ? X->m - t0 : chunk;
            FN(seg_sqdist_cm)(x + b0 * J->d, FN(panels_at)(J, b0), b, J->d, xnorm + b0,
                              X->cand + t0 * J->d, mc, X->cnorm + t0, tile);
            for (size_t t = 0; t < mc; t++) {
                const T *v = tile + t * b;
                if (X->init && t0 + t == 0) {
                    memcpy(cl, v, b * sizeof *cl);
                } else if (!owner) { /* a branch-free minimum */
                    for (size_t i = 0; i < b; i++)
                        cl[i] = cl[i] < v[i] ? cl[i] : v[i];
                } else {
                    for (size_t i = 0; i < b; i++)
                        if (v[i] < cl[i]) {
                            cl[i] = v[i];
                            owner[b0 + i] = (int32_t)(X->base + t0 + t);
                        }
                }
            }
        }
        for (size_t i = 0; i < b; i++)
            pot += (J->w ? J->w[b0 + i] : 1.0) * (double)cl[i];
    }
    J->ppot[p] = pot;
}

/* closest_part over this shard's partitions; every shard gets all of ppot. */
static void FN(closest_update)(kjob *J, const T *cand, const T *cnorm, size_t m, size_t base,
                               bool init, int32_t *owner)
{
    FN(closest_ctx) X = {J, cand, cnorm, m, base, init, owner};
    seg_pool_run(J->pool, J->part_hi - J->part_lo, kjob_pass_threads(J), FN(closest_part), &X);
    if (J->shard)
        shard_call(J, SEG_SHARD_GATHER, J->ppot, sizeof *J->ppot, 0);
}

/* k-means++: fold the one centroid c1 into closest (init: closest = its d2). */
static void FN(pp_update_closest)(kjob *J, const T *c1, const T *c1norm, bool init)
{
    FN(closest_update)(J, c1, c1norm, 1, 0, init, NULL);
}

/*
 * sum over i < b of w[i] * min(v[i], cl[i]) (w NULL: unit weights), in double
 * with 8 running sums over i mod 8 combined in order at the end, so that
 * the loop vectorises and the result is still fixed by the inputs.
 */
SEG_HOT_CLONES static double FN(pot_sum)(const T *restrict v, const T *restrict cl,
                                         const double *restrict w, size_t b)
{
    double s[8] = {0};
    size_t i = 0;
    if (w)
        for (; i + 8 <= b; i += 8)
            for (size_t u = 0; u < 8; u++)
                s[u] += w[i + u] * (double)(v[i + u] < cl[i + u] ? v[i + u] : cl[i + u]);
    else
        for (; i + 8 <= b; i += 8)
            for (size_t u = 0; u < 8; u++)
                s[u] += (double)(v[i + u] < cl[i + u] ? v[i + u] : cl[i + u]);
    for (; i < b; i++)
        s[i % 8] += (w ? w[i] : 1.0) * (double)(v[i] < cl[i] ? v[i] : cl[i]);
    double total = 0;
    for (size_t u = 0; u < 8; u++)
        total += s[u];
    return total;
}

/*
 * The fused k-means++ pass: one GEMM per block against the candidates cand
 * (L rows, after the pending centroid in row 0 when pending). For each row it
 * first folds the pending centroid (the last one chosen) into the running
 * minimum closest, then adds w * min(closest, d2 to candidate t) to the
 * potential of candidate t. part[p * L + t] keeps each partition's share, so
 * the chosen candidate's partition potentials need no further pass; pots are
 * those combined over partitions in order.
 */
typedef struct FN(pots_ctx) {
    kjob *J;
    const T *cand, *cnorm;
    size_t L;
    bool pending;
    double *part;
} FN(pots_ctx);

static void FN(pp_pots_part)(void *ctx, size_t p, int tid)
{
    const FN(pots_ctx) *X = ctx;
    kjob *J = X->J;
    const T *x = J->x;
    const T *xnorm = J->xnorm;
    T *closest = J->mind;
    const seg_parts P = J->parts;
    const size_t L = X->L;
    const bool pending = X->pending;
    const size_t m = L + pending;
    T *tile = (T *)J->tiles + (size_t)tid * J->tile_len;
    double acc[SEG_PP_MAX_TRIALS] = {0};
    size_t r0, r1;
    p += J->part_lo; /* the pool numbers this shard's partitions from 0 */
    kjob_rows(J, p, &r0, &r1);
    for (size_t b0 = r0; b0 < r1; b0 += P.block) {
        size_t b = r1 - b0 < P.block ? r1 - b0 : P.block;
        FN(seg_sqdist_cm)(x + b0 * J->d, FN(panels_at)(J, b0), b, J->d, xnorm + b0, X->cand, m,
                          X->cnorm, tile);
        T *cl = closest + b0;
        if (pending)
            for (size_t i = 0; i < b; i++)
                cl[i] = tile[i] < cl[i] ? tile[i] : cl[i];
        const T *cols = tile + (pending ? b : 0); /* candidate t: cols[t * b + i] */
        for (size_t t = 0; t < L; t++)
            acc[t] += FN(pot_sum)(cols + t * b, cl, J->w ? J->w + b0 : NULL, b);
    }
    memcpy(X->part + p * L, acc, L * sizeof *acc);
}

static void FN(pp_candidate_pots)(kjob *J, const T *cand, const T *cnorm, size_t L, bool pending,
                                  double *part, double *pots)
{
    const seg_parts P = J->parts;
    FN(pots_ctx) X = {J, cand, cnorm, L, pending, part};
    seg_pool_run(J->pool, J->part_hi - J->part_lo, kjob_pass_threads(J), FN(pp_pots_part), &X);
    if (J->shard)
        shard_call(J, SEG_SHARD_GATHER, part, L * sizeof *part, 0);
    for (size_t t = 0; t < L; t++)
        pots[t] = 0;
    for (size_t p = 0; p < P.count; p++)
        for (size_t t = 0; t < L; t++)
            pots[t] += part[p * L + t];
}

/*
 * The scan of partition p (this shard's) for the thresholds u[o[0]] <=
 * u[o[1]] <= ... (m of them): the running sum acc of w * closest goes on
 * row by row, and a threshold's row is the first where the sum passes it,
 * as one scan per threshold would find it. When pend is set, closest still
 * lacks that centroid in the rows of p past done[p] (counted from the
 * partition's first row): each block is brought up to date as the scan
 * reaches it, which gives the values a refresh of the whole partition
 * would give, block by block, for only the blocks scanned. rec[o[j]] =
 * {found, row, running sum, last row with mass (-1: none)}, rows as doubles
 * (exact below 2^53); rows and last count from the first row of all.
 */
static void FN(pp_scan)(kjob *J, size_t p, int tid, const T *pend, const T *pendnorm, size_t *done,
                        double acc, size_t last, const double *u, const size_t *o, size_t m,
                        double (*rec)[4])
{
    const seg_parts P = J->parts;
    T *closest = J->mind;
    T *tile = (T *)J->tiles + (size_t)tid * J->tile_len;
    size_t r0, r1, j = 0;
    kjob_rows(J, p, &r0, &r1);
    for (size_t b0 = r0; b0 < r1 && j < m; b0 += P.block) {
        const size_t b = r1 - b0 < P.block ? r1 - b0 : P.block;
        if (pend && b0 - r0 >= done[p]) {
            FN(seg_sqdist_cm)((const T *)J->x + b0 * J->d, FN(panels_at)(J, b0), b, J->d,
                              (const T *)J->xnorm + b0, pend, 1, pendnorm, tile);
            for (size_t i = 0; i < b; i++)
                if (tile[i] < closest[b0 + i])
                    closest[b0 + i] = tile[i];
            done[p] = b0 + b - r0;
        }
        for (size_t i = b0; i < b0 + b; i++) {
            double mass = (J->w ? J->w[i] : 1.0) * (double)closest[i];
            if (mass <= 0)
                continue;
            acc += mass;
            last = J->row0 + i;
            for (; j < m && acc > u[o[j]]; j++) {
                rec[o[j]][0] = 1;
                rec[o[j]][1] = (double)last;
            }
            if (j == m)
                break;
        }
    }
    for (j = 0; j < m; j++) {
        if (rec[o[j]][0] == 0)
            rec[o[j]][1] = 0;
        rec[o[j]][2] = acc;
        rec[o[j]][3] = last == SIZE_MAX ? -1 : (double)last;
    }
}

/*
 * The trials of one k-means++ step, all at once: trial t's row is drawn
 * with probability proportional to w * closest from u[t] in [0, total).
 * Every shard knows the partitions' potentials ppot, so every shard knows
 * in which partition each trial's scan starts: the first whose running
 * potential passes u[t]. Each shard scans its own partitions for their
 * trials (one scan a partition, on the pool's threads), and one gather
 * gives every shard every trial's result. Rounding can leave a trial's
 * threshold past the rows' own running sum at its partition's end: that
 * trial's scan goes on partition by partition from there, as the serial
 * loop does (its owner scans, then sends on the running sum), rare enough to
 * be made one at a time. When pend is set, closest lacks that centroid
 * beyond done[] (pp_scan). The row numbers go to idx.
 */
typedef struct FN(draw_ctx) {
    kjob *J;
    const T *pend, *pendnorm;
    size_t *done;
    const double *u, *acc0;
    const size_t *start, *list;
    size_t L;
    double (*rec)[4];
} FN(draw_ctx);

static void FN(pp_draw_part)(void *ctx, size_t item, int tid)
{
    const FN(draw_ctx) *X = ctx;
    const size_t p = X->list[item];
    size_t o[SEG_PP_MAX_TRIALS], m = 0, first = SIZE_MAX;
    for (size_t t = 0; t < X->L; t++) {
        if (X->start[t] != p)
            continue;
        if (first == SIZE_MAX)
            first = t;
        X->rec[t][0] = 0;
        size_t j = m++; /* by threshold, ties in trial order */
        for (; j > 0 && X->u[o[j - 1]] > X->u[t]; j--)
            o[j] = o[j - 1];
        o[j] = t;
    }
    /* the trials starting in p share the running sum before it */
    const double acc = X->acc0[first];
    FN(pp_scan)(X->J, p, tid, X->pend, X->pendnorm, X->done, acc, SIZE_MAX, X->u, o, m, X->rec);
}

static void FN(pp_draw)(kjob *J, const double *u, size_t L, const T *pend, const T *pendnorm,
                        size_t *done, double *slots, size_t *idx)
{
    const size_t P = J->parts.count;
    size_t start[SEG_PP_MAX_TRIALS], list[64], nl = 0;
    double acc0[SEG_PP_MAX_TRIALS], rec[SEG_PP_MAX_TRIALS][4];
    for (size_t t = 0; t < L; t++) {
        double acc = 0;
        size_t p = 0;
        for (; acc + J->ppot[p] <= u[t] && p + 1 < P; p++)
            acc += J->ppot[p];
        start[t] = p;
        acc0[t] = acc;
    }
    for (size_t p = J->part_lo; p < J->part_hi; p++) {
        size_t t = 0;
        while (t < L && start[t] != p)
            t++;
        if (t < L)
            list[nl++] = p;
    }
    FN(draw_ctx) X = {J, pend, pendnorm, done, u, acc0, start, list, L, rec};
    if (nl > 0)
        seg_pool_run(J->pool, nl, nl > 1 ? kjob_pass_threads(J) : 1, FN(pp_draw_part), &X);
    if (J->shard) {
        /* slot p: the records of the trials that start in partition p */
        memset(slots + J->part_lo * L * 4, 0, (J->part_hi - J->part_lo) * L * 4 * sizeof *slots);
        for (size_t t = 0; t < L; t++)
            if (start[t] >= J->part_lo && start[t] < J->part_hi)
                memcpy(slots + (start[t] * L + t) * 4, rec[t], sizeof rec[t]);
        shard_call(J, SEG_SHARD_GATHER, slots, L * 4 * sizeof *slots, 0);
        for (size_t t = 0; t < L; t++)
            memcpy(rec[t], slots + (start[t] * L + t) * 4, sizeof rec[t]);
    }
    for (size_t t = 0; t < L; t++) {
        double acc = rec[t][2];
        size_t last = rec[t][3] < 0 ? SIZE_MAX : (size_t)rec[t][3];
        for (size_t p = start[t] + 1; rec[t][0] == 0 && p < P; p++) {
            if (acc + J->ppot[p] <= u[t] && p + 1 < P) {
                acc += J->ppot[p];
                continue;
            }
            double msg[4] = {0, 0, 0, -1};
            if (p >= J->part_lo && p < J->part_hi) {
                size_t o = 0;
                FN(pp_scan)(J, p, 0, pend, pendnorm, done, acc, last, u + t, &o, 1, &msg);
            }
            if (J->shard)
                shard_call(J, SEG_SHARD_BCAST, msg, sizeof msg, p);
            acc = msg[2];
            last = msg[3] < 0 ? SIZE_MAX : (size_t)msg[3];
            memcpy(rec[t], msg, sizeof msg);
        }
        /* found, or rounding left u at the very end: the last row with mass */
        idx[t] = rec[t][0] != 0 ? (size_t)rec[t][1] : last;
    }
}

/* The first centre of k-means++ and k-means||: a row drawn uniformly, or
 * in proportion to its weight (all: parts scratch int64 slots). */
static size_t FN(pp_first)(kjob *J, seg_rng *rng, int64_t *all)
{
    size_t first;
    if (J->w) {
        /* Sharded, the running total travels in row order: each shard's
         * start is the sum of the weights before it, as the serial loop's. */
        double total = 0, acc = 0;
        if (J->shard)
            shard_call(J, SEG_SHARD_FOLD_BEGIN, &total, sizeof total, 0);
        acc = total;
        for (size_t i = 0; i < J->n; i++)
            total += J->w[i];
        if (J->shard)
            shard_call(J, SEG_SHARD_FOLD_END, &total, sizeof total, 0);
        double u = seg_rng_uniform(rng) * total;
        first = SIZE_MAX;
        for (size_t i = 0; i < J->n; i++) {
            acc += J->w[i];
            if (acc > u) {
                first = J->row0 + i;
                break;
            }
        }
        if (J->shard) {
            int64_t mine[2] = {first == SIZE_MAX ? 0 : 1, 0};
            /* the first shard that found one: the smallest row found */
            for (size_t p = 0; p < J->parts.count; p++)
                all[p] = -1;
            all[J->part_lo] = mine[0] ? (int64_t)first : -1;
            shard_call(J, SEG_SHARD_GATHER, all, sizeof *all, 0);
            first = SIZE_MAX;
            for (size_t p = 0; p < J->parts.count && first == SIZE_MAX; p++)
                if (all[p] >= 0)
                    first = (size_t)all[p];
        }
        if (first == SIZE_MAX)
            first = J->n_total - 1;
    } else {
        first = (size_t)seg_rng_below(rng, J->n_total);
    }
    return first;
}

/*
 * Greedy k-means++ (Arthur & Vassilvitskii 2007, with 2 + ln k trials per
 * step, as scikit-learn). Each step is one fused pass over X: the centroid
 * chosen in the previous step is folded into the running minimum while the
 * new trials' potentials are computed (pp_candidate_pots).
 */
static int FN(init_kmeanspp)(kjob *J, seg_rng *rng, double *C)
{
    const size_t k = J->k, d = J->d;
    const size_t L = 2 + (size_t)floor(log((double)k));
    /* in the run's scratch (kjob_alloc_run): a run allocates nothing, so
     * runs side by side never call the allocator from a pool thread */
    double *part = J->iscratch, *row = part + J->parts.count * SEG_PP_MAX_TRIALS;
    int64_t *all = (int64_t *)(row + d);
    double *slots = (double *)(all + J->parts.count);                /* pp_draw's gather */
    T *cand = (T *)(slots + J->parts.count * SEG_PP_MAX_TRIALS * 4); /* pending, then trials */
    T *cnorm = cand + (SEG_PP_MAX_TRIALS + 1) * d;
    size_t done[64]; /* rows of each partition that closest has the pending centroid for */
    double pots[SEG_PP_MAX_TRIALS], u[SEG_PP_MAX_TRIALS];
    bool pending = false;
    size_t first;
    int rc = SEG_OK;

    /* sharded, every shard learns of a failure here before any exchange */
    if ((rc = shard_agree(J, !cand || !cnorm || !part || !row || !all ? SEG_NOMEM() : SEG_OK)) < 0)
        goto done;
    first = FN(pp_first)(J, rng, all);
    FN(take_row)(J, first, C);
    FN(load_centroids)(C, 1, d, cand, cnorm);
    FN(pp_update_closest)(J, cand, cnorm, true);

    for (size_t c = 1; c < k; c++) {
        double pot = 0;
        size_t chosen;
        for (size_t p = 0; p < J->parts.count; p++) {
            pot += J->ppot[p];
            done[p] = 0;
        }
        if (pot > 0) {
            /* the draws use the rng alone: all of them first, then the rows */
            for (size_t t = 0; t < L; t++)
                u[t] = seg_rng_uniform(rng) * pot;
            FN(pp_draw)(J, u, L, pending ? cand : NULL, cnorm, done, slots, J->pp_idx);
            for (size_t t = 0; t < L; t++) {
                /* the trial row, through doubles (exact) when it is sent */
                FN(take_row)(J, J->pp_idx[t], row);
                for (size_t j = 0; j < d; j++)
                    cand[(pending + t) * d + j] = (T)row[j];
            }
            FN(seg_row_norms)(cand + pending * d, L, d, cnorm + pending);
            FN(pp_candidate_pots)(J, cand, cnorm, L, pending, part, pots);
            size_t best = 0;
            for (size_t t = 1; t < L; t++)
                if (pots[t] < pots[best])
                    best = t;
            chosen = J->pp_idx[best];
            for (size_t j = 0; j < d; j++) /* take_row's values, held in cand */
                C[c * d + j] = (double)cand[(pending + best) * d + j];
            for (size_t p = 0; p < J->parts.count; p++)
                J->ppot[p] = part[p * L + best];
        } else {
            /* Every row sits on a centroid as far as rounding can tell, yet
             * distinct rows remain (checked before the fit): take the first. */
            if (pending)
                FN(pp_update_closest)(J, cand, cnorm, false);
            chosen = FN(first_new_row)(J, C, c);
            if (chosen == SIZE_MAX) {
                rc = seg_fail(SEG_ERR_TOO_FEW_POINTS, "fewer than %zu distinct rows", k);
                goto done;
            }
            FN(take_row)(J, chosen, C + c * d);
        }
        FN(load_centroids)(C + c * d, 1, d, cand, cnorm);
        if (pot > 0) {
            pending = true;
        } else {
            FN(pp_update_closest)(J, cand, cnorm, false);
            pending = false;
        }
    }
done:
    return rc;
}

/* k distinct rows, drawn uniformly; after many collisions, the next new rows in order. */
static int FN(init_random)(kjob *J, seg_rng *rng, double *C)
{
    const size_t k = J->k, d = J->d;
    size_t chosen = 0, attempts = 0, scan = 0;
    double *row = (double *)J->iscratch + J->parts.count * SEG_PP_MAX_TRIALS;
    int rc = shard_agree(J, SEG_OK);
    if (rc < 0)
        return rc;
    while (chosen < k) {
        size_t i;
        if (attempts < 64 * k) {
            i = (size_t)seg_rng_below(rng, J->n_total);
            attempts++;
        } else if (scan < J->n_total) {
            i = scan++;
        } else {
            return seg_fail(SEG_ERR_TOO_FEW_POINTS, "fewer than %zu distinct rows", k);
        }
        FN(take_row)(J, i, row);
        size_t c = 0; /* is_seen's test, in double: -0 equals 0 */
        while (c < chosen && !seg_rows_equal_f64(row, C + c * d, d))
            c++;
        if (c == chosen)
            memcpy(C + chosen++ * d, row, d * sizeof *row);
    }
    return SEG_OK;
}

/* ---- k-means|| (Bahmani, Moseley, Vattani, Kumar, Vassilvitskii 2012) ---- */

/* Fold candidates [base, base + m) of cand (T copies, norms) into closest,
 * their numbers into labels; returns the potential over all rows, summed over
 * partitions in order. */
static double FN(kpar_update)(kjob *J, const T *cand, const T *cnorm, size_t m, size_t base)
{
    FN(closest_update)(J, cand + base * J->d, cnorm + base, m, base, false, J->labels);
    double cost = 0;
    for (size_t p = 0; p < J->parts.count; p++)
        cost += J->ppot[p];
    return cost;
}

/* Squared distance of two double rows, summed in feature order. */
static double FN(kpar_sqd)(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t j = 0; j < d; j++)
        s += (a[j] - b[j]) * (a[j] - b[j]);
    return s;
}

/*
 * Greedy weighted k-means++ on the M candidates (every shard the same: the
 * candidates, weights and rng are), into C. When no candidate adds to the
 * potential before k are chosen, the first candidate not yet chosen, then the
 * first new row of all rows (as k-means++ does).
 */
static int FN(kpar_reduce)(kjob *J, seg_rng *rng, const double *cand, const double *cw, size_t M,
                           double *C)
{
    const size_t k = J->k, d = J->d;
    const size_t L = 2 + (size_t)floor(log((double)k));
    double *dist = seg_malloc_array(M, sizeof *dist);
    int rc = shard_agree(J, dist ? SEG_OK : SEG_NOMEM());
    if (rc < 0) {
        seg_free(dist);
        return rc;
    }
    double total = 0, acc = 0;
    for (size_t j = 0; j < M; j++)
        total += cw[j];
    double u = seg_rng_uniform(rng) * total;
    size_t first = 0;
    for (size_t j = 0; j < M; j++) {
        acc += cw[j];
        if (cw[j] > 0)
            first = j;
        if (acc > u)
            break;
    }
    memcpy(C, cand + first * d, d * sizeof *C);
    for (size_t j = 0; j < M; j++)
        dist[j] = FN(kpar_sqd)(cand + j * d, C, d);
    for (size_t c = 1; c < k; c++) {
        double pot = 0;
        size_t chosen = SIZE_MAX;
        for (size_t j = 0; j < M; j++)
            pot += cw[j] * dist[j];
        if (pot > 0) {
            double best_pot = INFINITY;
            for (size_t t = 0; t < L; t++) {
                double v = seg_rng_uniform(rng) * pot, a = 0;
                size_t i = SIZE_MAX;
                for (size_t j = 0; j < M; j++) {
                    double m = cw[j] * dist[j];
                    if (m <= 0)
                        continue;
                    a += m;
                    i = j;
                    if (a > v)
                        break;
                }
                double tp = 0;
                for (size_t j = 0; j < M; j++) {
                    double e = FN(kpar_sqd)(cand + j * d, cand + i * d, d);
                    tp += cw[j] * (e < dist[j] ? e : dist[j]);
                }
                if (tp < best_pot) {
                    best_pot = tp;
                    chosen = i;
                }
            }
            memcpy(C + c * d, cand + chosen * d, d * sizeof *C);
        } else {
            for (size_t j = 0; j < M && chosen == SIZE_MAX; j++) {
                size_t q = 0;
                while (q < c && !seg_rows_equal_f64(cand + j * d, C + q * d, d))
                    q++;
                if (q == c)
                    chosen = j;
            }
            if (chosen != SIZE_MAX) {
                memcpy(C + c * d, cand + chosen * d, d * sizeof *C);
            } else {
                size_t i = FN(first_new_row)(J, C, c);
                if (J->shard_rc < 0) {
                    rc = J->shard_rc;
                    break;
                }
                if (i == SIZE_MAX) {
                    rc = seg_fail(SEG_ERR_TOO_FEW_POINTS, "fewer than %zu distinct rows", k);
                    break;
                }
                FN(take_row)(J, i, C + c * d);
            }
        }
        for (size_t j = 0; j < M; j++) {
            double e = FN(kpar_sqd)(cand + j * d, C + c * d, d);
            if (e < dist[j])
                dist[j] = e;
        }
    }
    seg_free(dist);
    return rc;
}

/* Room for m more candidates (doubles, T copies, norms). */
static int FN(kpar_grow)(double **cd, T **ct, T **cn, size_t *cap, size_t need, size_t d)
{
    if (need <= *cap)
        return SEG_OK;
    size_t cap2 = *cap * 2 > need ? *cap * 2 : need;
    size_t bytes;
    if (!seg_mul_ok(cap2, d * sizeof(double), &bytes))
        return SEG_NOMEM();
    double *a = seg_realloc(*cd, bytes);
    if (!a)
        return SEG_NOMEM();
    *cd = a;
    T *b = seg_realloc(*ct, cap2 * d * sizeof(T));
    if (!b)
        return SEG_NOMEM();
    *ct = b;
    T *c = seg_realloc(*cn, cap2 * sizeof(T));
    if (!c)
        return SEG_NOMEM();
    *cn = c;
    *cap = cap2;
    return SEG_OK;
}

/*
 * k-means|| as Spark MLlib runs it: a first centre as k-means++ draws it;
 * then `rounds` rounds, each taking row i with probability
 * min(1, l w_i closest_i / cost), l = 2k, closest the squared distance to
 * the candidates so far and cost its weighted sum; the candidates weighted
 * by the rows nearest each; greedy k-means++ on them. Sharded, every draw is
 * fixed by (key, round, row) (seg_kpar_draw), the cost is the fold over
 * partitions in order, and the round's rows travel partition by partition
 * in row order, so any number of shards gives the serial start.
 */
static int FN(init_kmeans_parallel)(kjob *J, const seg_kmeans *km, seg_rng *rng, double *C)
{
    const size_t k = J->k, d = J->d, P = J->parts.count;
    const double l = 2.0 * (double)k;
    T *closest = J->mind;
    double *cd = NULL, *cw = NULL, *partw = NULL;
    T *ct = NULL, *cn = NULL;
    size_t *sel = NULL, nsel = 0, selcap = 0, cap = 0, M = 0;
    int64_t *cnt = seg_malloc_array(P, sizeof *cnt);
    int rc = shard_agree(J, cnt ? FN(kpar_grow)(&cd, &ct, &cn, &cap, 2 * k + 1, d) : SEG_NOMEM());
    if (rc < 0)
        goto done;
    size_t first = FN(pp_first)(J, rng, cnt);
    const uint64_t key = seg_rng_next(rng);
    FN(take_row)(J, first, cd);
    FN(load_centroids)(cd, 1, d, ct, cn);
    for (size_t i = 0; i < J->n; i++) {
        closest[i] = (T)INFINITY;
        J->labels[i] = 0;
    }
    M = 1;
    double cost = FN(kpar_update)(J, ct, cn, 1, 0);
    const size_t rounds = (size_t)km->init_rounds;
    for (size_t round = 0; k > 1 && cost > 0 && (round < rounds || (M < k && round < rounds + 64));
         round++) {
        /* this shard's draws, partition by partition, in row order */
        nsel = 0;
        for (size_t p = 0; p < P; p++)
            cnt[p] = 0;
        for (size_t p = J->part_lo; p < J->part_hi && rc == SEG_OK; p++) {
            size_t r0, r1;
            kjob_rows(J, p, &r0, &r1);
            for (size_t i = r0; i < r1; i++) {
                double m = (J->w ? J->w[i] : 1.0) * (double)closest[i];
                if (m <= 0 || seg_kpar_draw(key, round, J->row0 + i) >= l * m / cost)
                    continue;
                if (nsel == selcap) {
                    size_t c2 = selcap ? 2 * selcap : 256;
                    size_t *s2 = seg_realloc(sel, c2 * sizeof *sel);
                    if (!s2) {
                        rc = SEG_NOMEM();
                        break;
                    }
                    sel = s2;
                    selcap = c2;
                }
                sel[nsel++] = i;
                cnt[p]++;
            }
        }
        if ((rc = shard_agree(J, rc)) < 0)
            goto done;
        if (J->shard)
            shard_call(J, SEG_SHARD_GATHER, cnt, sizeof *cnt, 0);
        size_t added = 0;
        for (size_t p = 0; p < P; p++)
            added += (size_t)cnt[p];
        if ((rc = shard_agree(J, FN(kpar_grow)(&cd, &ct, &cn, &cap, M + added, d))) < 0)
            goto done;
        size_t at = M, s = 0;
        for (size_t p = 0; p < P; p++) {
            if (cnt[p] == 0)
                continue;
            if (p >= J->part_lo && p < J->part_hi)
                for (int64_t q = 0; q < cnt[p]; q++, s++) {
                    const T *r = (const T *)J->x + sel[s] * d;
                    for (size_t j = 0; j < d; j++)
                        cd[(at + (size_t)q) * d + j] = (double)r[j];
                }
            if (J->shard)
                shard_call(J, SEG_SHARD_BCAST, cd + at * d, (size_t)cnt[p] * d * sizeof *cd, p);
            at += (size_t)cnt[p];
        }
        if (J->shard_rc < 0) {
            rc = J->shard_rc;
            goto done;
        }
        if (added == 0)
            continue;
        for (size_t i = M * d; i < (M + added) * d; i++)
            ct[i] = (T)cd[i];
        FN(seg_row_norms)(ct + M * d, added, d, cn + M);
        cost = FN(kpar_update)(J, ct, cn, added, M);
        M += added;
    }
    /* the weight of each candidate: the rows nearest it, per partition in
     * row order, combined over partitions in order */
    cw = seg_calloc(M, sizeof *cw);
    partw = seg_calloc(P * M, sizeof *partw);
    if ((rc = shard_agree(J, cw && partw ? SEG_OK : SEG_NOMEM())) < 0)
        goto done;
    for (size_t p = J->part_lo; p < J->part_hi; p++) {
        size_t r0, r1;
        kjob_rows(J, p, &r0, &r1);
        for (size_t i = r0; i < r1; i++)
            partw[p * M + (size_t)J->labels[i]] += J->w ? J->w[i] : 1.0;
    }
    if (J->shard)
        shard_call(J, SEG_SHARD_GATHER, partw, M * sizeof *partw, 0);
    if (J->shard_rc < 0) {
        rc = J->shard_rc;
        goto done;
    }
    for (size_t p = 0; p < P; p++)
        for (size_t j = 0; j < M; j++)
            cw[j] += partw[p * M + j];
    if (km->kpar_probe)
        km->kpar_probe(km->kpar_probe_user, cd, cw, M, d, key);
    rc = FN(kpar_reduce)(J, rng, cd, cw, M, C);
done:
    seg_free(cnt);
    seg_free(cd);
    seg_free(ct);
    seg_free(cn);
    seg_free(sel);
    seg_free(cw);
    seg_free(partw);
    return rc;
}
