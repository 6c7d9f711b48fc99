/*
 * The bounded assignment pass, for one element type; included by
 * kmeans_tmpl.h. One upper bound per row on the distance to its centroid and
 * one lower bound per row and centroid group on the distance to the nearest
 * other centroid of the group: with one group this is Hamerly's algorithm
 * (Hamerly 2010), with one group per centroid Elkan's (Elkan 2003), with
 * about k/10 groups Yinyang's (Ding et al. 2015; groups here are ranges of
 * centroid indices, not clusters of the initial centroids). Through the
 * register kernel (bounds_pass_rk) the rows failing their bounds are
 * gathered and only the centroid groups they need are computed (Yinyang's
 * group filter); through BLAS a failing row has all its distances
 * recomputed (one GEMM per gathered block), so there the groups only decide
 * which rows are skipped.
 *
 * Exactness: every label equals the one Lloyd's pass (seg_assign_block on
 * the same block) would give. A row keeps its label without any distance
 * computation only when its bounds prove, with a margin 2 delta covering the
 * rounding of the GEMM distance (delta = (4d + 16) eps (||x||^2 + max ||c||^2),
 * Higham's bound for a dot product, doubled), that Lloyd's rounded argmin
 * cannot pick another centroid, and a group is skipped only under the same
 * proof for its centroids. Other rows are recomputed through the same
 * kernel on a gathered block. The register kernel gives each row and
 * centroid Lloyd's value bit for bit in any panel; through BLAS a
 * recomputed row whose two smallest distances lie within the margin takes
 * its label from Lloyd's own GEMM of its block.
 * The bounds are on true Euclidean distances to the working-precision
 * centroids ct, with rounding margins, so they never exclude Lloyd's label.
 */

/* Per-iteration centroid quantities: move[j] (how far ct_j moved since the
 * last pass), gmove[g] (the largest move in group g) and half[j] (a lower
 * bound on half the distance from ct_j to the nearest other centroid, 0 when
 * k is too large to afford the k x k matrix). */
static void FN(bounds_prepare)(kjob *J, bounds_ws *H)
{
    const size_t k = J->k, d = J->d;
    const T *ct = J->ct;
    const double grow = 1 + (double)(d + 8) * 0x1p-50;
    H->cnmax = 0;
    for (size_t g = 0; g < H->groups; g++)
        H->gmove[g] = 0;
    for (size_t j = 0; j < k; j++) {
        double s = 0, nn = 0;
        for (size_t f = 0; f < d; f++) {
            double v = (double)ct[j * d + f];
            double diff = v - H->prev[j * d + f];
            s += diff * diff;
            nn += v * v;
            H->cur[j * d + f] = v;
        }
        H->move[j] = H->valid ? sqrt(s) * grow : 0;
        if (H->move[j] > H->gmove[H->group[j]])
            H->gmove[H->group[j]] = H->move[j];
        H->cnorm[j] = nn;
        if (nn > H->cnmax)
            H->cnmax = nn;
    }
    /* Each group's move as a float no smaller: what FN(decay_lower)
     * subtracts from the group's run of lower bounds. */
    for (size_t g = 0; g < H->groups; g++) {
        float f = (float)H->gmove[g];
        if ((double)f < H->gmove[g])
            f = nextafterf(f, INFINITY);
        H->gpat[g] = f;
    }
    if (!H->pair) {
        for (size_t j = 0; j < k; j++)
            H->half[j] = 0;
        return;
    }
    /* The k x k centroid distances, on this thread: one BLAS call of that
     * size would wake BLAS's own thread pool, whose threads then spin
     * against the library's for the rest of the pass. */
    if (seg_regkernel_ok(d, sizeof(double))) {
        seg_sqdist_cm_f64(H->cur, NULL, k, d, H->cnorm, H->cur, k, H->cnorm, H->pair);
    } else {
        const size_t block = seg_gemm_plan(k, d, sizeof(double)).block;
        for (size_t j0 = 0; j0 < k; j0 += block) {
            const size_t b = k - j0 < block ? k - j0 : block;
            seg_sqdist_tile_f64(H->cur + j0 * d, b, d, H->cnorm + j0, H->cur, k, H->cnorm,
                                H->pair + j0 * k);
        }
    }
    const double err = (4.0 * (double)d + 16) * 0x1p-53 * 2 * H->cnmax;
    for (size_t j = 0; j < k; j++) {
        double m = INFINITY;
        for (size_t o = 0; o < k; o++)
            if (o != j && H->pair[j * k + o] < m)
                m = H->pair[j * k + o];
        H->half[j] = m > err ? 0.5 * sqrt(m - err) * (1 - 1e-12) : 0;
    }
}

/* A float no larger than the (non-negative) double v. */
static float FN(float_below)(double v)
{
    float f = (float)(v * (1 - 0x1p-20));
    return (double)f <= v ? f : 0;
}

/*
 * Decay a run of count lower bounds of one group by the group's move mv, in
 * float: lr - mv, shrunk by 2^-22 and then rounded, is below the exact
 * difference (one rounding of the subtraction and one of the product each
 * gain at most 2^-24), and results under FLT_MIN, where rounding is no
 * longer relative, become 0. The bounds of a block are stored group by
 * group (FN(lower_of)), so the run is contiguous and the loop vectorises.
 */
SEG_HOT_CLONES static void FN(decay_lower)(float *restrict lr, size_t count, float mv)
{
    const float shrink = 1 - 0x1p-22f;
    for (size_t i = 0; i < count; i++) {
        const float v = (lr[i] - mv) * shrink;
        lr[i] = v >= FLT_MIN ? v : 0;
    }
}

/*
 * The lower bounds of the block of rows [b0, b0 + b) (b0 a block start, b
 * its length: the same in every pass): G runs of b floats, group by group,
 * so that the block's bounds are decayed and tested a group at a time over
 * contiguous rows (structure of arrays). Row i's bound for group q is
 * FN(lower_of)(H, b0, b)[q * b + i]. Blocks start at multiples of the block
 * size and only the last one of the rows is shorter, so a block's place and
 * length are fixed by the rows.
 */
static inline float *FN(lower_of)(const bounds_ws *H, size_t b0, size_t b)
{
    (void)b;
    return H->lower + b0 * H->groups;
}

/* Decay the lower bounds of the block [b0, b0 + b) (see FN(decay_lower)). */
static inline void FN(decay_block)(bounds_ws *H, size_t b0, size_t b)
{
    if (!H->valid)
        return;
    float *L = FN(lower_of)(H, b0, b);
    for (size_t q = 0; q < H->groups; q++)
        FN(decay_lower)(L + q * b, b, H->gpat[q]);
}

/* Rows the bound test of a block takes at a time (its scratch is on the
 * stack). */
#define SEG_BOUNDS_TEST_ROWS 256

/*
 * Decay the upper bounds of the block's rows [b0, b0 + b) by their
 * centroids' moves and test which bounds (the lower ones already decayed by
 * FN(decay_block)) prove the label (Lloyd's rounded argmin cannot pick
 * another centroid). Returns the number ng of rows that are not proven and
 * their block offsets in gi[0 .. ng), in row order. When need is not NULL,
 * need[g * G + q] says whether failing row g may have a centroid in group q
 * that Lloyd's pass could pick instead of its own: the own group, and those
 * whose lower bound does not clear the upper bound by the rounding margin.
 * The test runs over contiguous rows with no branch (it vectorises), the
 * groups' list only over the failing rows; before, each row took its own
 * branches through its G bounds, about 6 ns a row in passes where almost
 * every row is proven. (Hamerly's tightening of the upper bound to the
 * distance to the own centroid was tried: on W2 of bench/ it rescued few
 * rows and its read of every such row cost more than it saved.)
 */
SEG_HOT_CLONES static size_t FN(block_test)(const kjob *J, bounds_ws *H, size_t b0, size_t b,
                                            double gam, size_t *restrict gi,
                                            uint8_t *restrict need)
{
    const size_t G = H->groups;
    const float *L = FN(lower_of)(H, b0, b);
    const int32_t *restrict labels = J->labels + b0;
    const T *restrict xn = (const T *)J->xnorm + b0;
    double *restrict upper = H->upper + b0;
    const double *restrict move = H->move, *restrict half = H->half;
    const double cnmax = H->cnmax;
    size_t ng = 0;
    if (!H->valid) {
        for (size_t i = 0; i < b; i++)
            gi[i] = i;
        if (need)
            memset(need, 1, b * G);
        return b;
    }
    for (size_t c0 = 0; c0 < b; c0 += SEG_BOUNDS_TEST_ROWS) {
        const size_t c = b - c0 < SEG_BOUNDS_TEST_ROWS ? b - c0 : SEG_BOUNDS_TEST_ROWS;
        float lf[SEG_BOUNDS_TEST_ROWS];
        uint8_t ok[SEG_BOUNDS_TEST_ROWS];
        for (size_t i = 0; i < c; i++)
            lf[i] = L[c0 + i];
        for (size_t q = 1; q < G; q++)
            for (size_t i = 0; i < c; i++) {
                const float v = L[q * b + c0 + i];
                lf[i] = v < lf[i] ? v : lf[i];
            }
        for (size_t i = 0; i < c; i++) {
            const int32_t a = labels[c0 + i];
            const size_t aa = a >= 0 ? (size_t)a : 0;
            const double u = upper[c0 + i] + move[aa];
            const double delta = gam * ((double)xn[c0 + i] + cnmax);
            double m = 2 * half[aa] - u;
            m = m > (double)lf[i] ? m : (double)lf[i];
            upper[c0 + i] = u;
            ok[i] = (uint8_t)(a >= 0 && m > 0 && u * u + 2 * delta < m * m);
        }
        for (size_t i = 0; i < c; i++) {
            gi[ng] = c0 + i;
            ng += !ok[i];
        }
    }
    if (!need)
        return ng;
    /* A group at a time: a row's G bounds lie a block's length apart, the
     * same cache set for a block of 1024 floats. */
    for (size_t g0 = 0; g0 < ng; g0 += SEG_BOUNDS_TEST_ROWS) {
        const size_t c = ng - g0 < SEG_BOUNDS_TEST_ROWS ? ng - g0 : SEG_BOUNDS_TEST_ROWS;
        const size_t *restrict rows = gi + g0;
        uint8_t *restrict nd = need + g0 * G;
        double lim[SEG_BOUNDS_TEST_ROWS];
        for (size_t g = 0; g < c; g++) {
            const double u = upper[rows[g]];
            lim[g] = u * u + 2 * gam * ((double)xn[rows[g]] + cnmax);
        }
        for (size_t q = 0; q < G; q++) {
            const float *restrict Lq = L + q * b;
            for (size_t g = 0; g < c; g++) {
                const double lg = (double)Lq[rows[g]];
                nd[g * G + q] = !(lg > 0 && lim[g] < lg * lg);
            }
        }
        for (size_t g = 0; g < c; g++) {
            const int32_t a = labels[rows[g]];
            if (a < 0)
                memset(nd + g * G, 1, G);
            else
                nd[g * G + H->group[a]] = 1;
        }
    }
    return ng;
}

/*
 * New bounds of ng recomputed rows from the register kernel's group minima
 * (gb, gs, gid: G x ng), their labels and norms xn: into lo (G x ng) each
 * group's lower bound, -1 for a group not computed (its decayed bound
 * stands), and into up each row's upper bound. Contiguous in the row index,
 * so it vectorises (it was a scalar square root per row and group).
 */
#undef sqrt_T
#if SEG_T_IS_F32
#define sqrt_T sqrtf
#else
#define sqrt_T sqrt
#endif
SEG_HOT_CLONES static void FN(bounds_from_groups)(size_t ng, size_t G, const T *restrict gb,
                                                  const T *restrict gs, const T *restrict gid,
                                                  const int32_t *restrict glab,
                                                  const T *restrict gm, const T *restrict xn,
                                                  double gam, double cnmax, float *restrict lo,
                                                  double *restrict up)
{
    for (size_t g = 0; g < ng; g++) {
        const double delta = gam * ((double)xn[g] + cnmax);
        up[g] = sqrt((double)gm[g] + delta) * (1 + 1e-12);
    }
    /* In T: v - delta rounded up (delta's factor gains 2^-40 over its own
     * rounding), its square root and the product by 1 - 8 eps each gain at
     * most eps (T's unit roundoff), so the result stays below the exact
     * sqrt(v - delta); the conversion to float of a double then shrinks by
     * 2^-22 first. Values under FLT_MIN, where rounding is no longer
     * relative, become 0. */
    const T shrink = SEG_T_IS_F32 ? (T)(1 - 0x1p-21) : (T)(1 - 0x1p-50);
    const double gup = gam * (1 + 0x1p-40);
    for (size_t q = 0; q < G; q++)
        for (size_t g = 0; g < ng; g++) {
            const size_t o = q * ng + g;
            const T id = gid[o];
            const T v = (id == (T)glab[g] ? gs[o] : gb[o]) + xn[g];
            const T delta = (T)(gup * ((double)xn[g] + cnmax) * (1 + 0x1p-22));
            const T t = v - delta;
            const T r = (t >= (T)FLT_MIN ? sqrt_T(t) : 0) * shrink;
            const T rr = SEG_T_IS_F32 ? r : r * (T)(1 - 0x1p-22);
            lo[o] = id < 0 ? -1.0f : rr >= (T)FLT_MIN ? (float)rr : 0;
        }
}

/* The sort key of gathered row g: its own group when that is the only
 * group it needs, else G. */
static inline size_t FN(need_key)(const kjob *J, const bounds_ws *H, size_t row,
                                  const uint8_t *need)
{
    const size_t G = H->groups;
    const int32_t a = J->labels[row];
    size_t cnt = 0;
    for (size_t q = 0; q < G; q++)
        cnt += need[q];
    return cnt == 1 && a >= 0 ? H->group[a] : G;
}

/*
 * The kernel order of ng gathered rows gi (block offsets, in row order):
 * into kgi and their needs into kneed, rows that need only their own group
 * first, by that group, then the others, each key in row order. A panel
 * computes every group one of its rows needs, so rows that need the same
 * group go side by side. A row's values do not depend on its panel, and the
 * results are taken back by row, so the order changes no result.
 */
static void FN(order_by_need)(const kjob *J, const bounds_ws *H, size_t b0, const size_t *gi,
                              const uint8_t *need, size_t ng, size_t *kgi, uint8_t *kneed)
{
    enum { KEYS = 64 };
    const size_t G = H->groups;
    size_t start[KEYS + 1] = {0};
    if (G == 1 || G >= KEYS) {
        memcpy(kgi, gi, ng * sizeof *kgi);
        memcpy(kneed, need, ng * G);
        return;
    }
    for (size_t g = 0; g < ng; g++)
        start[FN(need_key)(J, H, b0 + gi[g], need + g * G) + 1]++;
    for (size_t q = 0; q < G; q++)
        start[q + 1] += start[q];
    for (size_t g = 0; g < ng; g++) {
        const size_t pos = start[FN(need_key)(J, H, b0 + gi[g], need + g * G)]++;
        kgi[pos] = gi[g];
        for (size_t q = 0; q < G; q++) /* a few bytes: no library call */
            kneed[pos * G + q] = need[g * G + q];
    }
}

/*
 * The bounded pass through the register kernel, whose every value equals
 * Lloyd's for its row and centroid wherever the row is computed: rows whose
 * bounds fail are gathered, and only the groups they need are computed
 * (Yinyang's group filter; a panel of rows computes a group when one of its
 * rows needs it), so the label is Lloyd's without any fallback.
 */
/* What the register kernel's bounded pass shares across partitions. */
typedef struct FN(bounds_ctx) {
    kjob *J;
    bounds_ws *H;
} FN(bounds_ctx);

static void FN(bounds_part_rk)(void *ctx, size_t p, int tid)
{
    const FN(bounds_ctx) *X = ctx;
    kjob *J = X->J;
    bounds_ws *H = X->H;
    const T *x = J->x;
    const T *xnorm = J->xnorm;
    const T *ct = J->ct, *cnorm = J->cnorm;
    const size_t k = J->k, d = J->d;
    const seg_parts P = J->parts;
    const double gam = (4.0 * (double)d + 16) * (SEG_T_IS_F32 ? 0x1p-24 : 0x1p-53);
    const size_t G = H->groups;
    p += J->part_lo; /* the pool numbers this shard's partitions from 0 */
    char *ws = (char *)H->scratch + (size_t)tid * H->scratch_len;
    T *xg = (T *)(void *)ws;   /* block x d gathered rows */
    T *xng = xg + P.block * d; /* block: their norms */
    T *gm = xng + P.block;     /* block: their nearest squared distance */
    T *gb = gm + P.block;      /* G x block: smallest value of each group */
    T *gs = gb + G * P.block;  /* G x block: second smallest */
    T *gid = gs + G * P.block; /* G x block: index of the smallest */
    int32_t *glab = (int32_t *)(void *)(gid + G * P.block);
    int32_t *lab = glab + P.block; /* block: this pass's labels */
    size_t *gi = (size_t *)(void *)(lab + P.block);
    size_t *ord = gi + P.block;                         /* block: gathered rows, kernel order */
    uint8_t *need = (uint8_t *)(void *)(ord + P.block); /* block x G, gather order */
    uint8_t *kneed = need + P.block * G;                /* block x G, kernel order */
    double *up = (double *)(void *)(((uintptr_t)(kneed + P.block * G) + 7) & ~(uintptr_t)7);
    float *lo = (float *)(void *)(up + P.block); /* G x block: new lower bounds */
    const part_acc a = kjob_part_begin(J, p, true);
    double *S = a.S, *W = a.W;
    int64_t *C = a.C;
    const bool moves = a.moves;
    const size_t r0 = a.r0, r1 = a.r1;
    double inertia = 0;
    int64_t changed = 0;
    for (size_t b0 = r0; b0 < r1; b0 += P.block) {
        const size_t b = r1 - b0 < P.block ? r1 - b0 : P.block;
        FN(decay_block)(H, b0, b);
        const size_t ng = FN(block_test)(J, H, b0, b, gam, gi, need);
        float *L = FN(lower_of)(H, b0, b);
        memcpy(lab, J->labels + b0, b * sizeof *lab);
        /* Most rows failing: the kernel runs over the block where it lies
         * (its panel-major copy, no gather and no transpose), the rows that
         * passed needing no group; on W2 of bench/ gathering 90 % of a block
         * cost more than computing all of it. Else the failing rows are
         * gathered. kr[g]: failing row g's index among the kernel's rows. */
        const bool inplace = ng * 4 >= b * 3;
        const size_t *kgi = gi; /* the failing rows, kernel order when gathered */
        const size_t m = inplace ? b : ng;
        if (ng > 0 && inplace) {
            const uint8_t *bneed = need;
            if (ng < b) {
                memset(kneed, 0, b * G);
                for (size_t g = 0; g < ng; g++)
                    for (size_t q = 0; q < G; q++)
                        kneed[gi[g] * G + q] = need[g * G + q];
                bneed = kneed;
            }
            FN(seg_regkernel_assign_groups)(x + b0 * d, FN(panels_at)(J, b0), b, d, xnorm + b0,
                                            ct, k, cnorm, H->gstart, H->group, G, bneed, glab,
                                            gm, gb, gs, gid);
        } else if (ng > 0) {
            FN(order_by_need)(J, H, b0, gi, need, ng, ord, kneed);
            kgi = ord;
            /* The gathered rows come from x, which the passes do not
             * stream (they read the panel copy): ask for them all first, or
             * each copy waits for its row in turn. */
            for (size_t g = 0; g < ng; g++)
                for (size_t o = 0, bytes = d * sizeof(T); o < bytes; o += 64)
                    __builtin_prefetch((const char *)(x + (b0 + kgi[g]) * d) + o, 0, 3);
            for (size_t g = 0; g < ng; g++) {
                const T *restrict src = x + (b0 + kgi[g]) * d;
                T *restrict dst = xg + g * d;
                for (size_t f = 0; f < d; f++) /* a short row: no library call */
                    dst[f] = src[f];
                xng[g] = xnorm[b0 + kgi[g]];
            }
            FN(seg_regkernel_assign_groups)(xg, NULL, ng, d, xng, ct, k, cnorm, H->gstart,
                                            H->group, G, kneed, glab, gm, gb, gs, gid);
        }
        if (ng > 0)
            FN(bounds_from_groups)(m, G, gb, gs, gid, glab, gm, inplace ? xnorm + b0 : xng, gam,
                                   H->cnmax, lo, up);
        /* The new lower bounds of the recomputed rows, a group at a time
         * (group-major on both sides); -1: the group was not computed and
         * its decayed bound stands. In place, only failing rows take them:
         * a proven row's computed group may be relative to another label. */
        if (ng > 0 && inplace) {
            uint8_t *fl = (uint8_t *)(void *)ord; /* unused in this path */
            memset(fl, 0, b);
            for (size_t g = 0; g < ng; g++)
                fl[gi[g]] = 1;
            for (size_t q = 0; q < G; q++) {
                float *restrict Lq = L + q * b;
                const float *restrict lq = lo + q * b;
                for (size_t i = 0; i < b; i++)
                    Lq[i] = fl[i] && lq[i] >= 0 ? lq[i] : Lq[i];
            }
        } else {
            for (size_t q = 0; q < G; q++)
                for (size_t g = 0; g < ng; g++) {
                    const float v = lo[q * ng + g];
                    float *l = L + q * b + kgi[g];
                    *l = v >= 0 ? v : *l;
                }
        }
        for (size_t g = 0; g < ng; g++) {
            const size_t i = kgi[g], r = inplace ? i : g, row = b0 + i;
            lab[i] = glab[r];
            ((T *)J->mind)[row] = gm[r];
            H->upper[row] = up[r];
        }
        changed += FN(take_labels)(J, b0, b, lab, moves, S, W, C);
        FN(accumulate)(x + b0 * d, J->w ? J->w + b0 : NULL, b, d, k, lab, (T *)J->mind + b0,
                       !moves, S, W, C, &inertia);
    }
    J->pinertia[p] = inertia;
    J->pchanged[p] = changed;
}

static void FN(bounds_pass_rk)(kjob *J, bounds_ws *H)
{
    FN(bounds_ctx) X = {J, H};
    seg_pool_run(J->pool, J->part_hi - J->part_lo, kjob_pass_threads(J), FN(bounds_part_rk), &X);
}

#undef fma_T
#if SEG_T_IS_F32
#define fma_T fmaf
#else
#define fma_T fma
#endif
/*
 * Lloyd's squared distance of each of the b rows x to its own centroid
 * ct[lab[i]] into mind, bit for bit the register kernel's: the dot product
 * by fused multiply-adds over the features in order from 0 (RK(dots)),
 * -2 x.c + |c|^2 in one fused step, then + |x|^2 and at least 0
 * (RK(assign)). Eight rows at a time, so the eight chains overlap.
 */
SEG_HOT_CLONES static void FN(own_distances)(const T *restrict x, size_t b, size_t d,
                                             const T *restrict xn, const T *restrict ct,
                                             const T *restrict cnorm,
                                             const int32_t *restrict lab, T *restrict mind)
{
    enum { R = 8 };
    size_t i = 0;
    for (; i < b; i += R) {
        const size_t m = b - i < R ? b - i : R;
        T acc[R] = {0};
        const T *xr[R], *cr[R];
        for (size_t r = 0; r < R; r++) { /* rows past b repeat the last */
            const size_t row = i + (r < m ? r : m - 1);
            xr[r] = x + row * d;
            cr[r] = ct + (size_t)lab[row] * d;
        }
        for (size_t j = 0; j < d; j++)
            for (size_t r = 0; r < R; r++)
                acc[r] = fma_T(xr[r][j], cr[r][j], acc[r]);
        for (size_t r = 0; r < m; r++) {
            const T v = fma_T(acc[r], (T)-2, cnorm[lab[i + r]]) + xn[i + r];
            mind[i + r] = v > 0 ? v : 0;
        }
    }
}

/* FN(exact_pass) over partition p: its rows' distances and inertia. */
static void FN(exact_part)(void *ctx, size_t p, int tid)
{
    kjob *J = ctx;
    const size_t d = J->d, block = J->parts.block;
    size_t r0, r1;
    double inertia = 0;
    (void)tid;
    p += J->part_lo; /* the pool numbers a shard's partitions from 0 */
    kjob_rows(J, p, &r0, &r1);
    for (size_t b0 = r0; b0 < r1; b0 += block) {
        const size_t b = r1 - b0 < block ? r1 - b0 : block;
        T *mind = (T *)J->mind + b0;
        FN(own_distances)((const T *)J->x + b0 * d, b, d, (const T *)J->xnorm + b0, J->ct,
                          J->cnorm, J->labels + b0, mind);
        FN(accumulate)((const T *)J->x + b0 * d, J->w ? J->w + b0 : NULL, b, d, J->k,
                       J->labels + b0, mind, false, NULL, NULL, NULL, &inertia);
    }
    J->pinertia[p] = inertia;
    J->pchanged[p] = 0;
}

/*
 * After a run's last pass, a bounded one: Lloyd's distances and inertia for
 * its labels (those of Lloyd's pass: the bounds are exact) and centroids,
 * as a Lloyd pass without accumulation gives them, at the cost of one
 * distance a row instead of k. Through BLAS, whose distances depend on the
 * block, it is Lloyd's pass.
 */
static void FN(exact_pass)(kjob *J)
{
    if (!seg_regkernel_ok(J->d, sizeof(T))) {
        FN(lloyd_pass)(J, J->ct, J->cnorm, false);
        return;
    }
    seg_pool_run(J->pool, J->part_hi - J->part_lo, kjob_pass_threads(J), FN(exact_part), J);
    kjob_combine(J, false);
}

/* One bounded pass with accumulation; see lloyd_pass for the statistics.
 * J->mind is exact only for recomputed rows (the caller recomputes the
 * inertia with a Lloyd pass when it needs it). */
static void FN(bounds_pass)(kjob *J, bounds_ws *H)
{
    const T *x = J->x;
    const T *xnorm = J->xnorm;
    const T *ct = J->ct, *cnorm = J->cnorm;
    const size_t k = J->k, d = J->d;
    const seg_parts P = J->parts;
    const double gam = (4.0 * (double)d + 16) * (SEG_T_IS_F32 ? 0x1p-24 : 0x1p-53);
    const size_t G = H->groups;

    /* Invalid bounds (the first bounded pass of a run, or the first after
     * an empty segment was re-seeded): every row fails and has all its
     * groups computed, which gives each row its fresh bounds. */
    FN(bounds_prepare)(J, H);
    if (seg_regkernel_ok(d, sizeof(T))) {
        FN(bounds_pass_rk)(J, H);
        goto done;
    }
    const int nt = seg_threads_startable(J->threads);
    (void)nt;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
#endif
    for (size_t p = J->part_lo; p < J->part_hi; p++) { /* a shard's partitions */
        const int tid = SEG_THREAD_ID();
        T *tile = (T *)J->tiles + (size_t)tid * J->tile_len;
        char *ws = (char *)H->scratch + (size_t)tid * H->scratch_len;
        T *xg = (T *)(void *)ws;              /* block x d gathered rows */
        T *xng = xg + P.block * d;            /* block: their norms */
        T *gm = xng + P.block;                /* block: nearest squared distance */
        T *fm = gm + P.block;                 /* block: Lloyd's mind for the block */
        T *gs = fm + P.block;                 /* G x block: nearest in each group but the own */
        int32_t *glab = (int32_t *)(void *)(gs + G * P.block);
        int32_t *flab = glab + P.block;       /* block: Lloyd's labels for the block */
        int32_t *lab = flab + P.block;        /* block: this pass's labels */
        size_t *gi = (size_t *)(void *)(lab + P.block);
        const part_acc a = kjob_part_begin(J, p, true);
        double *S = a.S, *W = a.W;
        int64_t *C = a.C;
        const bool moves = a.moves;
        const size_t r0 = a.r0, r1 = a.r1;
        double inertia = 0;
        int64_t changed = 0;
        for (size_t b0 = r0; b0 < r1; b0 += P.block) {
            const size_t b = r1 - b0 < P.block ? r1 - b0 : P.block;
            bool lloyd_done = false;
            FN(decay_block)(H, b0, b);
            const size_t ng = FN(block_test)(J, H, b0, b, gam, gi, NULL);
            float *L = FN(lower_of)(H, b0, b);
            memcpy(lab, J->labels + b0, b * sizeof *lab);
            if (ng == b) {
                FN(seg_assign_groups_block)(x + b0 * d, FN(panels_at)(J, b0), b, d, xnorm + b0,
                                            ct, k, cnorm, tile, H->gstart, G, glab, gm, gs);
                for (size_t i = 0; i < b; i++)
                    gi[i] = i;
            } else if (ng > 0) {
                for (size_t g = 0; g < ng; g++) {
                    memcpy(xg + g * d, x + (b0 + gi[g]) * d, d * sizeof(T));
                    xng[g] = xnorm[b0 + gi[g]];
                }
                FN(seg_assign_groups_block)(xg, NULL, ng, d, xng, ct, k, cnorm, tile, H->gstart, G,
                                            glab, gm, gs);
            }
            for (size_t g = 0; g < ng; g++) {
                const size_t i = gi[g], row = b0 + i;
                const double delta = gam * ((double)xnorm[row] + H->cnmax);
                const size_t m = ng; /* group minima are laid out G x m */
                double d1 = (double)gm[g], d2 = INFINITY;
                for (size_t q = 0; q < G; q++)
                    d2 = (double)gs[q * m + g] < d2 ? (double)gs[q * m + g] : d2;
                lab[i] = glab[g];
                if (ng < b && d2 - d1 <= 2 * delta) {
                    /* A near tie: take Lloyd's own verdict for this row. */
                    if (!lloyd_done) {
                        FN(seg_assign_block_xp)(x + b0 * d, FN(panels_at)(J, b0), b, d,
                                                xnorm + b0, ct, k, cnorm, tile, flab, fm);
                        lloyd_done = true;
                    }
                    /* Any other centroid is at least as far as the nearest. */
                    lab[i] = flab[i];
                    d2 = d1 < (double)fm[i] ? d1 : (double)fm[i];
                    d1 = (double)fm[i];
                    const float l = FN(float_below)(d2 > delta ? sqrt(d2 - delta) : 0);
                    for (size_t q = 0; q < G; q++)
                        L[q * b + i] = l;
                } else {
                    for (size_t q = 0; q < G; q++) {
                        double v = (double)gs[q * m + g];
                        L[q * b + i] = FN(float_below)(v > delta ? sqrt(v - delta) : 0);
                    }
                }
                ((T *)J->mind)[row] = (T)d1;
                H->upper[row] = sqrt(d1 + delta) * (1 + 1e-12);
            }
            changed += FN(take_labels)(J, b0, b, lab, moves, S, W, C);
            FN(accumulate)(x + b0 * d, J->w ? J->w + b0 : NULL, b, d, k, lab, (T *)J->mind + b0,
                           !moves, S, W, C, &inertia);
        }
        J->pinertia[p] = inertia;
        J->pchanged[p] = changed;
    }
done:
    memcpy(H->prev, H->cur, k * d * sizeof *H->prev);
    H->valid = true;
    J->sums_valid = true;
    kjob_combine(J, true);
}
