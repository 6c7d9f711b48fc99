/*
 * Body of the k-means fit for one element type. Instantiated for float and
 * double by kmeans.c through instantiate.h; everything that reads the
 * data matrix lives here, the settings and model handling in kmeans.c.
 */

/* Exact equality of two rows (used to keep initial centroids distinct). */
static bool FN(rows_equal)(const T *a, const T *b, size_t d)
{
    for (size_t j = 0; j < d; j++)
        if (a[j] != b[j])
            return false;
    return true;
}

/* Whether row r equals one of the m double rows of C (double copies of rows;
 * also the k-means++ and random starts' distinctness test, init_tmpl.h). */
static bool FN(is_seen)(const T *r, const double *C, size_t m, size_t d)
{
    for (size_t c = 0; c < m; c++) {
        size_t j = 0;
        while (j < d && (double)r[j] == C[c * d + j])
            j++;
        if (j == d)
            return true;
    }
    return false;
}

/* Hash of a row's values, with -0.0 folded into 0.0 so equal rows hash alike. */
static uint64_t FN(row_hash)(const T *r, size_t d)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t j = 0; j < d; j++) {
        double v = (double)r[j] == 0.0 ? 0.0 : (double)r[j];
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        h ^= bits;
        h *= 0x100000001b3ULL;
        h ^= h >> 29;
    }
    return h;
}

/*
 * Whether x holds at least k distinct rows. Stops as soon as k are seen, so
 * the usual case costs k rows; the worst case one pass with a k-slot table.
 */
static int FN(count_distinct)(const T *x, size_t n, size_t d, size_t k, size_t *found)
{
    size_t cap = 16, seen = 0;
    while (cap < 2 * k)
        cap <<= 1;
    size_t *slot = seg_malloc_array(cap, sizeof *slot);
    if (!slot)
        return SEG_NOMEM();
    for (size_t s = 0; s < cap; s++)
        slot[s] = SIZE_MAX;
    for (size_t i = 0; i < n && seen < k; i++) {
        const T *r = x + i * d;
        size_t s = (size_t)FN(row_hash)(r, d) & (cap - 1);
        for (;;) {
            if (slot[s] == SIZE_MAX) {
                slot[s] = i;
                seen++;
                break;
            }
            if (FN(rows_equal)(x + slot[s] * d, r, d))
                break;
            s = (s + 1) & (cap - 1);
        }
    }
    seg_free(slot);
    *found = seen;
    return SEG_OK;
}

/*
 * Whether the rows of all shards hold at least k distinct rows: each shard
 * that holds fewer than k sends its distinct rows (in one slot of the
 * gather), and every shard counts the union.
 */
static int FN(shard_distinct)(kjob *J, const T *x, size_t n, size_t d, size_t k, size_t local,
                              size_t *found)
{
    int64_t enough = local >= k;
    shard_call(J, SEG_SHARD_SUM_I64, &enough, sizeof enough, 0);
    if (enough > 0 || J->shard_rc < 0) {
        *found = k;
        return J->shard_rc;
    }
    const size_t slot = 1 + (k - 1) * d, P = J->parts.count;
    double *all = seg_calloc(P * slot, sizeof *all);
    double *u = seg_malloc_array(k * d, sizeof *u);
    int rc = shard_agree(J, all && u ? SEG_OK : SEG_NOMEM()); /* before the gather */
    if (rc < 0) {
        seg_free(all);
        seg_free(u);
        return rc;
    }
    double *mine = all + J->part_lo * slot;
    size_t m = 0;
    for (size_t i = 0; i < n && m + 1 < k; i++) {
        const T *r = x + i * d;
        if (!FN(is_seen)(r, mine + 1, m, d)) {
            for (size_t j = 0; j < d; j++)
                mine[1 + m * d + j] = (double)r[j];
            m++;
        }
    }
    mine[0] = (double)m;
    shard_call(J, SEG_SHARD_GATHER, all, slot * sizeof *all, 0);
    /* the union, in partition order, into the first slot's space */
    size_t seen = 0;
    for (size_t p = 0; p < P && seen < k; p++) {
        const double *s = all + p * slot;
        for (size_t i = 0; i < (size_t)s[0] && seen < k; i++) {
            size_t c = 0;
            while (c < seen && !seg_rows_equal_f64(u + c * d, s + 1 + i * d, d))
                c++;
            if (c == seen)
                memcpy(u + seen++ * d, s + 1 + i * d, d * sizeof *u);
        }
    }
    seg_free(u);
    seg_free(all);
    *found = seen;
    return J->shard_rc;
}

/* What the set-up passes over the rows share (FN(norms_part),
 * FN(moments_part)): the job, and per partition d sums (psum[p * d ...])
 * about mean (NULL: the plain sums). */
typedef struct FN(setup_ctx) {
    kjob *J;
    double *psum;
    const double *mean;
} FN(setup_ctx);

/* Row norms of partition p's rows into J->xnorm. */
static void FN(norms_part)(void *ctx, size_t p, int tid)
{
    const FN(setup_ctx) *X = ctx;
    const kjob *J = X->J;
    size_t r0, r1;
    (void)tid;
    kjob_rows(J, p + J->part_lo, &r0, &r1);
    FN(seg_row_norms)((const T *)J->x + r0 * J->d, r1 - r0, J->d, (T *)J->xnorm + r0);
}

/* Two features of row x as doubles. */
typedef double FN(v2d) __attribute__((vector_size(16)));
static inline FN(v2d) FN(load2)(const T *x)
{
#if SEG_T_IS_F32
    float f[2];
    memcpy(f, x, sizeof f);
    return (FN(v2d)){f[0], f[1]};
#else
    FN(v2d) v;
    memcpy(&v, x, sizeof v);
    return v;
#endif
}

/* Partition p's sums over its rows, in row order: of the values, or with
 * X->mean of the squared deviations from it. Rows go by blocks that stay in
 * the first-level cache; within one, each pair of features is summed in
 * two lanes of a register, row after row, so that every feature's sum
 * takes its rows in order (the bits of a plain loop over the rows). */
static void FN(moments_part)(void *ctx, size_t p, int tid)
{
    enum { ROWS = 64 };
    const FN(setup_ctx) *X = ctx;
    const kjob *J = X->J;
    const size_t d = J->d;
    const T *x = J->x;
    const double *mean = X->mean;
    double *s = X->psum + p * d;
    size_t r0, r1;
    (void)tid;
    kjob_rows(J, p + J->part_lo, &r0, &r1);
    for (size_t j = 0; j < d; j++)
        s[j] = 0;
    for (size_t b0 = r0; b0 < r1; b0 += ROWS) {
        const size_t b1 = r1 - b0 < ROWS ? r1 : b0 + ROWS;
        size_t j = 0;
        for (; j + 2 <= d; j += 2) {
            FN(v2d) a = {s[j], s[j + 1]};
            if (!mean)
                for (size_t i = b0; i < b1; i++)
                    a += FN(load2)(x + i * d + j);
            else {
                const FN(v2d) m = {mean[j], mean[j + 1]};
                for (size_t i = b0; i < b1; i++) {
                    const FN(v2d) v = FN(load2)(x + i * d + j) - m;
                    a += v * v;
                }
            }
            s[j] = a[0];
            s[j + 1] = a[1];
        }
        if (j < d) {
            double a = s[j];
            for (size_t i = b0; i < b1; i++) {
                const double v = mean ? (double)x[i * d + j] - mean[j] : (double)x[i * d + j];
                a += mean ? v * v : v;
            }
            s[j] = a;
        }
    }
}

/* Sums of all rows from the partitions' sums, in partition order; a shard
 * continues the sums of the shards before it. */
static void FN(moments_fold)(kjob *J, double *out, const double *psum, size_t parts)
{
    const size_t d = J->d;
    for (size_t j = 0; j < d; j++)
        out[j] = 0;
    if (J->shard)
        shard_call(J, SEG_SHARD_FOLD_BEGIN, out, d * sizeof *out, 0);
    for (size_t p = 0; p < parts; p++)
        for (size_t j = 0; j < d; j++)
            out[j] += psum[p * d + j];
    if (J->shard)
        shard_call(J, SEG_SHARD_FOLD_END, out, d * sizeof *out, 0);
}

/* Mean over features of the population variance, for the tolerance. Two
 * passes (means, then squared deviations), each summing every partition
 * on the fit's pool, in row order within it, and the partitions in their
 * order: the partitions are fixed by the data's shape, so the result is the
 * same for any thread count and for the shards of a sharded fit. mean and
 * ss are d doubles of scratch, psum the partitions' d each. */
static double FN(mean_variance)(kjob *J, double *mean, double *ss, double *psum)
{
    const size_t d = J->d, parts = J->part_hi - J->part_lo;
    const double n = (double)J->n_total;
    const int threads = kjob_pass_threads(J);
    double total = 0;
    FN(setup_ctx) X = {J, psum, NULL};
    seg_pool_run(J->pool, parts, threads, FN(moments_part), &X);
    FN(moments_fold)(J, mean, psum, parts);
    for (size_t j = 0; j < d; j++)
        mean[j] /= n;
    X.mean = mean;
    seg_pool_run(J->pool, parts, threads, FN(moments_part), &X);
    FN(moments_fold)(J, ss, psum, parts);
    for (size_t j = 0; j < d; j++)
        total += ss[j] / n;
    return total / (double)d;
}

/* The panel-major copy of the rows from row b0 (a block start), or NULL. */
static inline const T *FN(panels_at)(const kjob *J, size_t b0)
{
    return J->xp ? (const T *)J->xp + b0 * J->d : NULL;
}

/* Copy double centroids into the working precision with their norms. */
static void FN(load_centroids)(const double *c, size_t k, size_t d, T *ct, T *cnorm)
{
    for (size_t i = 0; i < k * d; i++)
        ct[i] = (T)c[i];
    FN(seg_row_norms)(ct, k, d, cnorm);
}

/* s[j] += (double)xr[j] for j < d: one row into its segment's sums. */
static inline void FN(add_row)(double *restrict s, const T *restrict xr, size_t d)
{
    for (size_t j = 0; j < d; j++)
        s[j] += (double)xr[j];
}

/* s[j] += wi * (double)xr[j] for j < d. */
static inline void FN(add_row_weighted)(double *restrict s, const T *restrict xr, double wi,
                                        size_t d)
{
    for (size_t j = 0; j < d; j++)
        s[j] += wi * (double)xr[j];
}

/* Eight doubles, eight floats in one vector (GCC/clang vector extension). */
typedef double FN(v8d) __attribute__((vector_size(64)));
typedef float FN(v8f) __attribute__((vector_size(32)));

/* a += features p[0 .. 7] widened to double (a macro: a function returning a
 * 64-byte vector would change the baseline ABI). */
#if SEG_T_IS_F32
#define SEG_ADD8(a, p)                                                                             \
    do {                                                                                           \
        FN(v8f) f8_;                                                                               \
        memcpy(&f8_, (p), sizeof f8_);                                                             \
        (a) += __builtin_convertvector(f8_, FN(v8d));                                              \
    } while (0)
#else
#define SEG_ADD8(a, p)                                                                             \
    do {                                                                                           \
        FN(v8d) d8_;                                                                               \
        memcpy(&d8_, (p), sizeof d8_);                                                             \
        (a) += d8_;                                                                                \
    } while (0)
#endif

/*
 * The rows rows[0 .. nl) of one segment into s (d features, NC = ceil(d / 8)
 * groups of eight, the last one ending at d and overlapping the one before
 * it), read once each and summed in 2 x NC vectors held in registers.
 */
#define SEG_SUM_ROWS(NC)                                                                           \
    do {                                                                                           \
        FN(v8d) e_[NC], o_[NC];                                                                    \
        size_t off_[NC];                                                                           \
        for (int c_ = 0; c_ < NC; c_++) {                                                          \
            e_[c_] = o_[c_] = (FN(v8d)){0};                                                        \
            off_[c_] = c_ + 1 < NC ? (size_t)c_ * 8 : d - 8;                                       \
        }                                                                                          \
        size_t r_ = 0;                                                                             \
        for (; r_ + 2 <= nl; r_ += 2) {                                                            \
            const T *p_ = x + (size_t)rows[r_] * d, *q_ = x + (size_t)rows[r_ + 1] * d;            \
            _Pragma("GCC unroll 8") for (int c_ = 0; c_ < NC; c_++) {                              \
                SEG_ADD8(e_[c_], p_ + off_[c_]);                                                   \
                SEG_ADD8(o_[c_], q_ + off_[c_]);                                                   \
            }                                                                                      \
        }                                                                                          \
        if (r_ < nl) {                                                                             \
            const T *p_ = x + (size_t)rows[r_] * d;                                                \
            _Pragma("GCC unroll 8") for (int c_ = 0; c_ < NC; c_++)                                \
                SEG_ADD8(e_[c_], p_ + off_[c_]);                                                   \
        }                                                                                          \
        for (int c_ = 0; c_ < NC; c_++) {                                                          \
            const FN(v8d) t_ = e_[c_] + o_[c_];                                                    \
            const size_t from_ = c_ + 1 < NC ? 0 : (size_t)NC * 8 - d;                             \
            for (size_t u_ = from_; u_ < 8; u_++)                                                  \
                s[off_[c_] + u_] += t_[u_];                                                        \
        }                                                                                          \
    } while (0)

/*
 * Unweighted sums of b rows by segment (k <= SEG_ACC_SORT_MAX_K, 8 <= d <=
 * 64): the rows are ordered by segment (counting sort) and each segment's
 * rows are read once each into running vector sums held in registers, so S
 * is written once per segment and block. Adding rows one by one into S made
 * each row wait for the previous row's store to the same segment, the
 * largest cost of a k = 2 .. 10 sweep. The order of the additions is fixed
 * by the block, so results stay independent of the thread count.
 */
SEG_HOT_CLONES static void FN(accumulate_by_segment)(const T *restrict x, size_t b, size_t d,
                                                     const int32_t *restrict lab, size_t k,
                                                     double *restrict S, double *restrict W,
                                                     int64_t *restrict C)
{
    uint32_t order[SEG_ACC_SORT_MAX_ROWS];
    size_t start[SEG_ACC_SORT_MAX_K + 1] = {0}, next[SEG_ACC_SORT_MAX_K];
    /* The rows are read below in segment order, which the hardware does not
     * prefetch; ask for the whole block in address order first. */
    for (size_t o = 0, bytes = b * d * sizeof(T); o < bytes; o += 64)
        __builtin_prefetch((const char *)x + o, 0, 3);
    for (size_t i = 0; i < b; i++)
        start[lab[i] + 1]++;
    for (size_t l = 0; l < k; l++) {
        start[l + 1] += start[l];
        next[l] = start[l];
    }
    for (size_t i = 0; i < b; i++)
        order[next[lab[i]]++] = (uint32_t)i;
    const size_t groups = (d + 7) / 8;
    for (size_t l = 0; l < k; l++) {
        const uint32_t *rows = order + start[l];
        const size_t nl = start[l + 1] - start[l];
        double *s = S + l * d;
        if (nl == 0)
            continue;
        switch (groups) {
        case 1: SEG_SUM_ROWS(1); break;
        case 2: SEG_SUM_ROWS(2); break;
        case 3: SEG_SUM_ROWS(3); break;
        case 4: SEG_SUM_ROWS(4); break;
        case 5: SEG_SUM_ROWS(5); break;
        case 6: SEG_SUM_ROWS(6); break;
        case 7: SEG_SUM_ROWS(7); break;
        default: SEG_SUM_ROWS(8); break;
        }
        W[l] += (double)nl;
        C[l] += (int64_t)nl;
    }
}
#undef SEG_SUM_ROWS
#undef SEG_ADD8

/*
 * Inertia and, when acc, per-segment sums, weights and counts of b rows x
 * labelled lab at squared distances mind, with row weights w (NULL: unit
 * weights, and no multiplications). The sums never alias the rows (restrict),
 * so the per-row loops vectorise.
 */
SEG_HOT_CLONES static void FN(accumulate)(const T *restrict x, const double *restrict w, size_t b,
                                          size_t d, size_t k, const int32_t *restrict lab,
                                          const T *restrict mind, bool acc, double *restrict S,
                                          double *restrict W, int64_t *restrict C,
                                          double *restrict inertia)
{
    double in = 0;
    if (w)
        for (size_t i = 0; i < b; i++)
            in += w[i] * (double)mind[i];
    else
        for (size_t i = 0; i < b; i++)
            in += (double)mind[i];
    *inertia += in;
    if (!acc)
        return;
    if (!w && k <= SEG_ACC_SORT_MAX_K && b <= SEG_ACC_SORT_MAX_ROWS && d >= 8 && d <= 64) {
        FN(accumulate_by_segment)(x, b, d, lab, k, S, W, C);
        return;
    }
    for (size_t i = 0; i < b; i++) {
        const size_t l = (size_t)lab[i];
        if (w) {
            FN(add_row_weighted)(S + l * d, x + i * d, w[i], d);
            W[l] += w[i];
        } else {
            FN(add_row)(S + l * d, x + i * d, d);
            W[l] += 1.0;
        }
        C[l]++;
    }
}

/* The moves of take_labels: each of the m changed rows rows[0 .. m) (of
 * block x) from segment from[r] to lab[rows[r]] in S, W and C, in row order. */
SEG_HOT_CLONES static void FN(move_rows)(const T *restrict x, const double *restrict w, size_t d,
                                         const uint32_t *restrict rows, size_t m,
                                         const int32_t *restrict from,
                                         const int32_t *restrict lab, double *restrict S,
                                         double *restrict W, int64_t *restrict C)
{
    /* The pass read the rows' panel copy, not x: fetch the changed rows
     * together first, or each move waits for its row in turn. */
    for (size_t r = 0; r < m; r++)
        for (size_t o = 0, bytes = d * sizeof(T); o < bytes; o += 64)
            __builtin_prefetch((const char *)(x + (size_t)rows[r] * d) + o, 0, 3);
    for (size_t r = 0; r < m; r++) {
        const size_t i = rows[r];
        const int32_t l = lab[i], o = from[r];
        const double wi = w ? w[i] : 1.0;
        double *restrict fs = S + (size_t)o * d, *restrict ts = S + (size_t)l * d;
        const T *xr = x + i * d;
        if (w) {
            for (size_t j = 0; j < d; j++) {
                const double v = wi * (double)xr[j];
                fs[j] -= v;
                ts[j] += v;
            }
        } else {
            for (size_t j = 0; j < d; j++) {
                fs[j] -= (double)xr[j];
                ts[j] += (double)xr[j];
            }
        }
        W[o] -= wi;
        W[l] += wi;
        C[o]--;
        C[l]++;
    }
}

/*
 * Store the block's new labels lab[0 .. b) for rows b0 .. b0 + b; returns
 * how many changed. With moves, each row that changes segment is also moved
 * between the partition's sums S, weights W and counts C (which describe the
 * old labels), in row order.
 */
static int64_t FN(take_labels)(kjob *J, size_t b0, size_t b, const int32_t *restrict lab,
                               bool moves, double *restrict S, double *restrict W,
                               int64_t *restrict C)
{
    const T *x = (const T *)J->x + b0 * J->d;
    const double *w = J->w ? J->w + b0 : NULL;
    int32_t *old = J->labels + b0;
    uint32_t rows[SEG_ACC_SORT_MAX_ROWS];
    int32_t from[SEG_ACC_SORT_MAX_ROWS];
    int64_t changed = 0;
    size_t m = 0;
    for (size_t i = 0; i < b; i++) {
        const int32_t l = lab[i], o = old[i];
        if (l == o)
            continue;
        changed++;
        old[i] = l;
        if (!moves)
            continue;
        rows[m] = (uint32_t)i;
        from[m++] = o;
        if (m == SEG_ACC_SORT_MAX_ROWS) {
            FN(move_rows)(x, w, J->d, rows, m, from, lab, S, W, C);
            m = 0;
        }
    }
    if (m)
        FN(move_rows)(x, w, J->d, rows, m, from, lab, S, W, C);
    return changed;
}

/* What a pass's partitions share: the job and this pass's centroids. */
typedef struct FN(pass_ctx) {
    kjob *J;
    const T *ct, *cnorm;
    bool accumulate;
} FN(pass_ctx);

/* Lloyd's pass over partition p, on pool thread tid (its scratch). */
static void FN(lloyd_part)(void *ctx, size_t p, int tid)
{
    const FN(pass_ctx) *X = ctx;
    kjob *J = X->J;
    const T *x = J->x;
    const T *xnorm = J->xnorm;
    const T *ct = X->ct, *cnorm = X->cnorm;
    const bool accumulate = X->accumulate;
    const size_t k = J->k, d = J->d;
    const seg_parts P = J->parts;
    p += J->part_lo; /* the pool numbers this shard's partitions from 0 */
    T *tile = (T *)J->tiles + (size_t)tid * J->tile_len;
    int32_t *lab = J->block_labels + (size_t)tid * P.block;
    const part_acc a = kjob_part_begin(J, p, accumulate);
    double *S = a.S, *W = a.W;
    int64_t *C = a.C;
    const bool moves = a.moves;
    const size_t r0 = a.r0, r1 = a.r1;
    double inertia = 0;
    int64_t changed = 0;
    for (size_t b0 = r0; b0 < r1; b0 += P.block) {
        size_t b = r1 - b0 < P.block ? r1 - b0 : P.block;
        T *mind = J->mind ? (T *)J->mind + b0 : (T *)J->block_mind + (size_t)tid * P.block;
        FN(seg_assign_block_xp)(x + b0 * d, FN(panels_at)(J, b0), b, d, xnorm + b0, ct, k, cnorm,
                                tile, lab, mind);
        changed += FN(take_labels)(J, b0, b, lab, moves, S, W, C);
        FN(accumulate)(x + b0 * d, J->w ? J->w + b0 : NULL, b, d, k, lab, mind,
                       accumulate && !moves, S, W, C, &inertia);
    }
    J->pinertia[p] = inertia;
    J->pchanged[p] = changed;
}

/*
 * One assignment pass over all rows with centroids ct: labels, squared
 * distances and, when accumulate is set, per-segment sums, weights and counts.
 * Partial results are kept per partition and combined in partition order.
 * The partitions run on the fit's pool (kjob_pass_threads of them).
 */
static void FN(lloyd_pass)(kjob *J, const T *ct, const T *cnorm, bool accumulate)
{
    FN(pass_ctx) X = {J, ct, cnorm, accumulate};
    seg_pool_run(J->pool, J->part_hi - J->part_lo, kjob_pass_threads(J), FN(lloyd_part), &X);
    J->sums_valid = accumulate;
    kjob_combine(J, accumulate);
}

/*
 * Re-seed each empty segment with the row farthest from its centroid (ties:
 * lowest index), taken from a segment that keeps at least one row, moving
 * that row's weight. Empty segments are rare and few, so one scan each.
 */
static int FN(relocate_empty)(kjob *J)
{
    const T *x = J->x;
    const size_t k = J->k, d = J->d, P = J->parts.count;
    if (!J->mind) {
        /* The pass kept its distances a block at a time (drop_mind): make
         * it again with the same centroids, keeping every row's; the labels,
         * distances and inertia are the same, and so is the changes' count
         * the verdict reads. From here on the run keeps them whole. */
        J->mind = seg_malloc_array(J->n, sizeof(T));
        int rc = shard_agree(J, J->mind ? SEG_OK : SEG_NOMEM());
        if (rc < 0)
            return rc;
        const int64_t changed = J->changed;
        FN(lloyd_pass)(J, J->ct, J->cnorm, false);
        if (J->shard_rc < 0)
            return J->shard_rc;
        J->changed = changed;
    }
    T *mind = J->mind;
    /* Sharded: each partition's candidate (distance, row) is gathered, and
     * the shard of the farthest sends the row (weight, then values). */
    double *cand = NULL, *row = NULL;
    if (J->shard) {
        cand = seg_malloc_array(2 * P + d + 1, sizeof *cand);
        int rc = shard_agree(J, cand ? SEG_OK : SEG_NOMEM());
        if (rc < 0) {
            seg_free(cand);
            return rc;
        }
        row = cand + 2 * P;
    }

    for (size_t j = 0; j < k; j++) {
        if (J->count[j] != 0)
            continue;
        size_t i = SIZE_MAX, gi = SIZE_MAX;
        double wi, mi;
        const T *xr = NULL;
        for (size_t r = 0; r < J->n; r++)
            if (mind[r] > 0 && J->count[J->labels[r]] > 1 && (i == SIZE_MAX || mind[r] > mind[i]))
                i = r;
        if (J->shard) {
            for (size_t p = 0; p < P; p++)
                cand[2 * p] = cand[2 * p + 1] = -1;
            if (i != SIZE_MAX) {
                cand[2 * J->part_lo] = (double)mind[i];
                cand[2 * J->part_lo + 1] = (double)(J->row0 + i);
            }
            shard_call(J, SEG_SHARD_GATHER, cand, 2 * sizeof *cand, 0);
            size_t best = SIZE_MAX;
            for (size_t p = 0; p < P; p++)
                if (cand[2 * p + 1] >= 0 && (best == SIZE_MAX || cand[2 * p] > cand[2 * best]))
                    best = p;
            if (best != SIZE_MAX) {
                gi = (size_t)cand[2 * best + 1];
                mi = cand[2 * best];
                if (best == J->part_lo) {
                    row[0] = J->w ? J->w[i] : 1.0;
                    for (size_t c = 0; c < d; c++)
                        row[1 + c] = (double)x[i * d + c];
                }
                shard_call(J, SEG_SHARD_BCAST, row, (d + 1) * sizeof *row, best);
                if (best != J->part_lo)
                    i = SIZE_MAX; /* not here */
            }
        } else if (i != SIZE_MAX) {
            gi = i;
            mi = (double)mind[i];
        }
        if (gi == SIZE_MAX) {
            seg_free(cand);
            return seg_fail(SEG_ERR_TOO_FEW_POINTS,
                            "segment %zu is empty and no row can re-seed it", j);
        }
        if (!J->shard) {
            row = NULL;
            wi = J->w ? J->w[i] : 1.0;
            xr = x + i * d;
        } else {
            wi = row[0];
        }
        /* the old segment: sent with the row when sharded */
        size_t old;
        if (J->shard) {
            double o = i != SIZE_MAX ? (double)J->labels[i] : 0;
            int64_t ol = (int64_t)o;
            shard_call(J, SEG_SHARD_SUM_I64, &ol, sizeof ol, 0);
            old = (size_t)ol;
        } else {
            old = (size_t)J->labels[i];
        }
        for (size_t c = 0; c < d; c++) {
            const double v = xr ? (double)xr[c] : row[1 + c];
            J->sum[old * d + c] -= wi * v;
            J->sum[j * d + c] = wi * v;
        }
        J->weight[old] -= wi;
        J->count[old]--;
        J->weight[j] = wi;
        J->count[j] = 1;
        J->inertia -= wi * mi;
        if (i != SIZE_MAX) {
            J->labels[i] = (int32_t)j;
            mind[i] = 0; /* now its own centroid */
        }
        J->sums_valid = false; /* the partitions' sums miss this move */
    }
    seg_free(cand);
    return SEG_OK;
}

/* Exact inertia of the current labels and double centroids (rare paths only). */
static double FN(direct_inertia)(kjob *J)
{
    const T *x = J->x;
    double s = 0;
    if (J->shard)
        shard_call(J, SEG_SHARD_FOLD_BEGIN, &s, sizeof s, 0);
    for (size_t i = 0; i < J->n; i++) {
        const double *c = J->c + (size_t)J->labels[i] * J->d;
        double r = 0;
        for (size_t j = 0; j < J->d; j++) {
            double v = (double)x[i * J->d + j] - c[j];
            r += v * v;
        }
        s += (J->w ? J->w[i] : 1.0) * r;
    }
    if (J->shard)
        shard_call(J, SEG_SHARD_FOLD_END, &s, sizeof s, 0);
    return s;
}

#include "cluster/init_tmpl.h"
#include "cluster/bounds_tmpl.h"

/*
 * One Lloyd run from the centroids in J->c. On return J->c, J->labels and
 * J->inertia describe the result: labels are the nearest centroids of J->c
 * and J->mind the squared distances to them (the last pass used them:
 * *exact_out set), except in the guarded case where empty segments keep
 * reappearing past max_iter (*exact_out clear).
 */
static int FN(run)(kjob *J, bounds_ws *H, double tol_abs, int64_t max_iter, int64_t *iters_out,
                   bool *converged_out, bool *exact_out)
{
    const size_t k = J->k, d = J->d;
    int64_t iters = 0;
    bool tol_hit = false, converged = false, guarded = false;
    int rc;

    bool bounded = false; /* the last pass was a bounded one */
    if (H)
        H->valid = false;
    for (size_t i = 0; i < J->n; i++)
        J->labels[i] = -1;
    J->sums_valid = false;
    J->changed = (int64_t)J->n_total; /* every label is new to the first pass */
    for (;;) {
        FN(load_centroids)(J->c, k, d, J->ct, J->cnorm);
        bounded = H && bounds_take_over(J, H);
        if (bounded)
            FN(bounds_pass)(J, H);
        else
            FN(lloyd_pass)(J, J->ct, J->cnorm, true);
        if (J->shard_rc < 0)
            return J->shard_rc;
        bool empty = false;
        for (size_t j = 0; j < k; j++)
            empty |= J->count[j] == 0;
        if (empty && bounded) {
            /* Re-seeding needs every row's distance: redo this pass as Lloyd
             * for the distances (the labels are the same) and restart the
             * bounds after it. The bounded pass's sums stand: they were built
             * as Lloyd's pass would have built them, while re-summing here
             * could choose the other way and round differently. */
            FN(lloyd_pass)(J, J->ct, J->cnorm, false);
            /* The bounds are exact, so no label changes here; if one ever
             * did, the kept sums would not match the labels: re-sum them. */
            if (J->changed != 0)
                FN(lloyd_pass)(J, J->ct, J->cnorm, true);
        }
        if (empty && H)
            H->valid = false; /* re-seeding changes labels the bounds describe */
        if (!empty) {
            const seg_lloyd_verdict v =
                seg_lloyd_verdict_of(J->changed == 0, tol_hit, iters, max_iter);
            if (v != SEG_LLOYD_GO_ON) {
                iters += v == SEG_LLOYD_STABLE;
                converged = v != SEG_LLOYD_LIMIT;
                break;
            }
        } else {
            if ((rc = FN(relocate_empty)(J)) < 0)
                return rc;
            if (iters >= max_iter + SEG_LLOYD_RESEED_SLACK) {
                /* Guard against endless re-seeding: keep this labelling,
                 * whose every segment is non-empty, with its means. */
                kjob_update(J);
                J->inertia = FN(direct_inertia)(J);
                guarded = true;
                break;
            }
        }
        tol_hit = kjob_update(J) <= tol_abs;
        iters++;
        if (J->progress &&
            J->progress(J->progress_user, J->progress_base + (size_t)iters, J->progress_total))
            return seg_fail(SEG_ERR_CANCELLED,
                            "the progress callback stopped the fit after %lld iterations",
                            (long long)iters);
    }
    /* Lloyd's inertia and distances for the final labels (a Lloyd pass
     * last has them already) */
    if (bounded && !guarded)
        FN(exact_pass)(J);
    *iters_out = iters;
    *converged_out = converged;
    *exact_out = !guarded;
    return SEG_OK;
}

/* Starting centroids of run r into J->c (J->xnorm must hold the row norms). */
static int FN(start)(kjob *J, const seg_kmeans *km, int64_t r)
{
    uint64_t st = (uint64_t)km->seed + 0x51ed2701u * (uint64_t)r;
    seg_rng rng;

    seg_rng_seed(&rng, seg_splitmix64(&st));
    if (km->init == SEG_INIT_GIVEN) {
        memcpy(J->c, km->given, J->k * J->d * sizeof *J->c);
        return SEG_OK;
    }
    if (km->init == SEG_INIT_RANDOM)
        return FN(init_random)(J, &rng, J->c);
    if (km->init == SEG_INIT_KMEANS_PARALLEL)
        return FN(init_kmeans_parallel)(J, km, &rng, J->c);
    return FN(init_kmeanspp)(J, &rng, J->c);
}

/* Restart `item` of a fit run side by side, on pool thread tid's slot. */
static void FN(restart_item)(void *ctx, size_t item, int tid)
{
    restart_ctx *X = ctx;
    restart_slot *s = &X->slot[tid];
    kjob *J = &s->J;
    const int64_t r = (int64_t)item;
    int64_t iters = 0;
    bool converged = false, exact = false;
    /* Runs after a failed one are not made, as one after another; every
     * run before it has started already (restarts are taken in order). */
    if (atomic_load_explicit(&X->failed, memory_order_relaxed))
        return;
    const double t0 = seg_now_seconds();
    int rc = FN(start)(J, X->km, r);
    s->init_seconds += seg_now_seconds() - t0;
    if (rc == SEG_OK)
        rc = FN(run)(J, s->H.upper ? &s->H : NULL, X->tol_abs, X->km->max_iter, &iters,
                     &converged, &exact);
    if (rc < 0) {
        if (s->rc == SEG_OK || r < s->rc_r) {
            s->rc = rc;
            s->rc_r = r;
            snprintf(s->msg, sizeof s->msg, "%s", seg_last_error());
        }
        atomic_store_explicit(&X->failed, true, memory_order_relaxed);
    } else if (J->inertia < s->inertia || (s->r >= 0 && J->inertia == s->inertia && r < s->r)) {
        const size_t k = J->k;
        s->r = r;
        s->inertia = J->inertia;
        s->iterations = iters;
        s->converged = converged;
        s->exact = exact;
        memcpy(s->c, J->c, k * J->d * sizeof *s->c);
        memcpy(s->labels, J->labels, J->n * sizeof *s->labels);
        if (s->mind)
            memcpy(s->mind, J->mind, J->n * sizeof(T));
        memcpy(s->weight, J->weight, k * sizeof *s->weight);
        memcpy(s->count, J->count, k * sizeof *s->count);
    }
}

/*
 * The runs of fit_runs side by side, one a thread of J's pool (threads of
 * them; kjob_restart_threads): the same results as one after another.
 */
static int FN(fit_runs_side)(kjob *J, const seg_kmeans *km, const bounds_ws *H, int threads,
                             double tol_abs, int64_t n_init, double *best_c,
                             int32_t *best_labels, double *best_dist, kresult *res)
{
    const size_t k = J->k, d = J->d, n = J->n;
    restart_slot *slot = seg_calloc((size_t)threads, sizeof *slot);
    restart_ctx X = {slot, km, tol_abs, false};
    int rc = slot ? SEG_OK : SEG_NOMEM();
    for (int t = 0; t < threads && rc == SEG_OK; t++) {
        restart_slot *s = &slot[t];
        s->r = -1;
        s->inertia = INFINITY;
        rc = kjob_clone(&s->J, J, sizeof(T));
        if (rc == SEG_OK && H && H->upper)
            rc = bounds_alloc(&s->H, &s->J, H->groups, sizeof(T));
        if (rc < 0)
            break;
        s->c = seg_malloc_array(k * d, sizeof *s->c);
        s->labels = seg_malloc_array(n, sizeof *s->labels);
        s->mind = best_dist ? seg_malloc_array(n, sizeof(T)) : NULL;
        s->weight = seg_malloc_array(k, sizeof *s->weight);
        s->count = seg_malloc_array(k, sizeof *s->count);
        if (!s->c || !s->labels || (best_dist && !s->mind) || !s->weight || !s->count)
            rc = SEG_NOMEM();
    }
    if (rc == SEG_OK) {
        seg_pool_run(J->pool, (size_t)n_init, threads, FN(restart_item), &X);
        const restart_slot *fail = NULL, *best = NULL;
        for (int t = 0; t < threads; t++) {
            const restart_slot *s = &slot[t];
            res->init_seconds += s->init_seconds;
            if (s->rc < 0 && (!fail || s->rc_r < fail->rc_r))
                fail = s;
            if (s->r >= 0 && (!best || s->inertia < best->inertia ||
                              (s->inertia == best->inertia && s->r < best->r)))
                best = s;
        }
        if (fail) {
            rc = seg_fail(fail->rc, "%s", fail->msg);
        } else if (best) {
            res->inertia = best->inertia;
            res->iterations = best->iterations;
            res->converged = best->converged;
            res->exact = best->exact;
            memcpy(best_c, best->c, k * d * sizeof *best_c);
            memcpy(best_labels, best->labels, n * sizeof *best_labels);
            for (size_t i = 0; best_dist && best->exact && i < n; i++)
                best_dist[i] = sqrt((double)((const T *)best->mind)[i]);
            for (size_t j = 0; j < k; j++) {
                res->sizes[j] = (size_t)best->count[j];
                res->weights[j] = best->weight[j];
            }
        }
    }
    for (int t = 0; slot && t < threads; t++) {
        restart_slot *s = &slot[t];
        kjob_free(&s->J);
        bounds_free(&s->H);
        seg_free(s->c);
        seg_free(s->labels);
        seg_free(s->mind);
        seg_free(s->weight);
        seg_free(s->count);
    }
    seg_free(slot);
    return rc;
}

/*
 * All runs of a fit: returns the best centroids in best_c and labels in
 * best_labels, and when best_dist is not NULL and res->exact is set, each
 * row's distance to its centroid (from the last pass of the best run).
 */
static int FN(fit_runs)(kjob *J, const seg_kmeans *km, bounds_ws *H, double *best_c,
                        int32_t *best_labels, double *best_dist, kresult *res)
{
    const size_t k = J->k, d = J->d;
    const int64_t n_init = km->init == SEG_INIT_GIVEN ? 1 : km->n_init;
    double tol_abs = 0;
    int rc;

    {
        /* The norms, partition by partition on the fit's pool. */
        FN(setup_ctx) X = {J, NULL, NULL};
        seg_pool_run(J->pool, J->part_hi - J->part_lo, kjob_pass_threads(J), FN(norms_part),
                     &X);
    }
    /* Finite values whose squares overflow this precision (|x| ~ 1e19 in
     * float) would make every distance infinite: refuse rather than return
     * a meaningless partition. */
    rc = SEG_OK;
    for (size_t i = 0; i < J->n && rc == SEG_OK; i++)
        if (!isfinite((double)((const T *)J->xnorm)[i]))
            rc = seg_fail(SEG_ERR_NONFINITE,
                          "row %zu: its squared norm overflows %s; scale the features or fit "
                          "in double precision",
                          J->row0 + i + 1, SEG_T_IS_F32 ? "float" : "double");
    const size_t parts = J->part_hi - J->part_lo;
    double *mean = seg_malloc_array(parts + 2, d * sizeof *mean);
    if (!mean && rc == SEG_OK)
        rc = SEG_NOMEM();
    if ((rc = shard_agree(J, rc)) < 0) {
        seg_free(mean);
        return rc;
    }
    if (km->tol > 0)
        tol_abs = km->tol * FN(mean_variance)(J, mean, mean + d, mean + 2 * d);
    seg_free(mean);
    if (J->shard_rc < 0)
        return J->shard_rc;
    res->inertia = INFINITY;
    /* k-means|| allocates its candidates per run: those runs stay on the
     * calling thread, so the caller's allocator is never called from a
     * pool thread (docs/api.md). */
    const int side = km->init == SEG_INIT_KMEANS_PARALLEL
                         ? 1
                         : kjob_restart_threads(J, H, n_init, sizeof(T));
    if (side > 1)
        return FN(fit_runs_side)(J, km, H, side, tol_abs, n_init, best_c, best_labels, best_dist,
                                 res);
    for (int64_t r = 0; r < n_init; r++) {
        int64_t iters = 0;
        bool converged = false, exact = false;
        double t0 = seg_now_seconds();

        J->progress_base = (size_t)r * (size_t)km->max_iter;
        if ((rc = shard_agree(J, FN(start)(J, km, r))) < 0)
            return rc;
        if (J->drop_mind) { /* the start's closest distances: Lloyd needs no more */
            seg_free(J->mind);
            J->mind = NULL;
        }
        res->init_seconds += seg_now_seconds() - t0;
        if ((rc = shard_agree(J, FN(run)(J, H, tol_abs, km->max_iter, &iters, &converged,
                                         &exact))) < 0)
            return rc;
        if (J->inertia < res->inertia) {
            res->inertia = J->inertia;
            res->iterations = iters;
            res->converged = converged;
            res->exact = exact;
            memcpy(best_c, J->c, k * d * sizeof *best_c);
            if (best_labels != J->labels)
                memcpy(best_labels, J->labels, J->n * sizeof *best_labels);
            /* predict's distances: sqrt of the kernel's squared distance */
            for (size_t i = 0; best_dist && exact && i < J->n; i++)
                best_dist[i] = sqrt((double)((const T *)J->mind)[i]);
            for (size_t j = 0; j < k; j++) {
                res->sizes[j] = (size_t)J->count[j];
                res->weights[j] = J->weight[j];
            }
        }
    }
    return SEG_OK;
}

