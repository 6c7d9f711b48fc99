/*
 * Body of the register kernel for one element type and one instruction set
 * (see regkernel.c): instantiated for float and double through
 * instantiate.h, once with SEG_RK_W 512 (AVX-512F) and once with 256 (AVX2
 * and FMA). Names get the set and the type: RK(name) is name_avx512_f32 ...
 *
 * Rows sit in vector lanes: a panel of PANEL rows (two vectors of LANES) is
 * transposed once into xt[j * PANEL + r], then for each chunk of up to RMAX
 * centroids the 2 x R accumulators acc[t] = x_r . c_t are built in registers
 * over the d features (one broadcast of c_t[j] per centroid and step) and
 * consumed on the spot: folded into a running per-lane minimum and label
 * (assign), or written as -2 x . c into a centroid-major tile (tile).
 *
 * MK is a mask of lanes for loads and stores, CM the result of a compare.
 */
#define RK(name) SEG_CAT(SEG_CAT(name, SEG_RK_TAG), SFX)

#if SEG_RK_W == 512 && SEG_T_IS_F32
#define V __m512
#define MK __mmask16
#define CM __mmask16
#define LANES 16
#define VZERO() _mm512_setzero_ps()
#define VSET1(a) _mm512_set1_ps(a)
#define VLOAD(p) _mm512_load_ps(p)
#define VLOADM(m, p) _mm512_maskz_loadu_ps(m, p)
#define VSTORE(p, a) _mm512_storeu_ps(p, a)
#define VSTOREA(p, a) _mm512_store_ps(p, a)
#define VSTOREM(p, m, a) _mm512_mask_storeu_ps(p, m, a)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VMUL(a, b) _mm512_mul_ps(a, b)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VMAX(a, b) _mm512_max_ps(a, b)
#define VMIN(a, b) _mm512_min_ps(a, b)
#define VLT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ)
#define VBLEND(a, m, b) _mm512_mask_mov_ps(a, m, b)
#elif SEG_RK_W == 512
#define V __m512d
#define MK __mmask8
#define CM __mmask8
#define LANES 8
#define VZERO() _mm512_setzero_pd()
#define VSET1(a) _mm512_set1_pd(a)
#define VLOAD(p) _mm512_load_pd(p)
#define VLOADM(m, p) _mm512_maskz_loadu_pd(m, p)
#define VSTORE(p, a) _mm512_storeu_pd(p, a)
#define VSTOREA(p, a) _mm512_store_pd(p, a)
#define VSTOREM(p, m, a) _mm512_mask_storeu_pd(p, m, a)
#define VFMA(a, b, c) _mm512_fmadd_pd(a, b, c)
#define VMUL(a, b) _mm512_mul_pd(a, b)
#define VADD(a, b) _mm512_add_pd(a, b)
#define VMAX(a, b) _mm512_max_pd(a, b)
#define VMIN(a, b) _mm512_min_pd(a, b)
#define VLT(a, b) _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ)
#define VBLEND(a, m, b) _mm512_mask_mov_pd(a, m, b)
#elif SEG_T_IS_F32
#define V __m256
#define MK __m256i
#define CM __m256
#define LANES 8
#define VZERO() _mm256_setzero_ps()
#define VSET1(a) _mm256_set1_ps(a)
#define VLOAD(p) _mm256_load_ps(p)
#define VLOADM(m, p) _mm256_maskload_ps(p, m)
#define VSTORE(p, a) _mm256_storeu_ps(p, a)
#define VSTOREA(p, a) _mm256_store_ps(p, a)
#define VSTOREM(p, m, a) _mm256_maskstore_ps(p, m, a)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VMUL(a, b) _mm256_mul_ps(a, b)
#define VADD(a, b) _mm256_add_ps(a, b)
#define VMAX(a, b) _mm256_max_ps(a, b)
#define VMIN(a, b) _mm256_min_ps(a, b)
#define VLT(a, b) _mm256_cmp_ps(a, b, _CMP_LT_OQ)
#define VBLEND(a, m, b) _mm256_blendv_ps(a, b, m)
#else
#define V __m256d
#define MK __m256i
#define CM __m256d
#define LANES 4
#define VZERO() _mm256_setzero_pd()
#define VSET1(a) _mm256_set1_pd(a)
#define VLOAD(p) _mm256_load_pd(p)
#define VLOADM(m, p) _mm256_maskload_pd(p, m)
#define VSTORE(p, a) _mm256_storeu_pd(p, a)
#define VSTOREA(p, a) _mm256_store_pd(p, a)
#define VSTOREM(p, m, a) _mm256_maskstore_pd(p, m, a)
#define VFMA(a, b, c) _mm256_fmadd_pd(a, b, c)
#define VMUL(a, b) _mm256_mul_pd(a, b)
#define VADD(a, b) _mm256_add_pd(a, b)
#define VMAX(a, b) _mm256_max_pd(a, b)
#define VMIN(a, b) _mm256_min_pd(a, b)
#define VLT(a, b) _mm256_cmp_pd(a, b, _CMP_LT_OQ)
#define VBLEND(a, m, b) _mm256_blendv_pd(a, b, m)
#endif
#define PANEL (2 * LANES)
#define RMAX SEG_RK_RMAX_W

/* Lanes 0 .. n-1 of a mask (n <= LANES). */
SEG_RK_TARGET static inline MK RK(lanes)(size_t n)
{
#if SEG_RK_W == 512
    return n >= LANES ? (MK)~(MK)0 : (MK)((1u << n) - 1u);
#elif SEG_T_IS_F32
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
#else
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)n), _mm256_setr_epi64x(0, 1, 2, 3));
#endif
}

#if SEG_RK_W == 512 && SEG_T_IS_F32
/* In-register transpose of 16 rows of 16 floats: v[c] := (v[0][c] .. v[15][c]). */
SEG_RK_TARGET static inline void RK(transpose)(V v[LANES])
{
    V t[16], u[16];
    for (int r = 0; r < 16; r += 2) {
        t[r] = _mm512_unpacklo_ps(v[r], v[r + 1]);     /* per 128-bit lane: a0 b0 a1 b1 */
        t[r + 1] = _mm512_unpackhi_ps(v[r], v[r + 1]); /* a2 b2 a3 b3 */
    }
    for (int g = 0; g < 16; g += 4) { /* rows g .. g+3, element m of each lane in u[g + m] */
        u[g + 0] = _mm512_shuffle_ps(t[g], t[g + 2], 0x44);
        u[g + 1] = _mm512_shuffle_ps(t[g], t[g + 2], 0xEE);
        u[g + 2] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0x44);
        u[g + 3] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
    }
    for (int m = 0; m < 4; m++) { /* column 4L + m gathers lane L of u[m], u[4+m], u[8+m], u[12+m] */
        V even_lo = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x88);
        V odd_lo = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xDD);
        V even_hi = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x88);
        V odd_hi = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xDD);
        v[m] = _mm512_shuffle_f32x4(even_lo, even_hi, 0x88);
        v[8 + m] = _mm512_shuffle_f32x4(even_lo, even_hi, 0xDD);
        v[4 + m] = _mm512_shuffle_f32x4(odd_lo, odd_hi, 0x88);
        v[12 + m] = _mm512_shuffle_f32x4(odd_lo, odd_hi, 0xDD);
    }
}
#elif SEG_RK_W == 512
/* In-register transpose of 8 rows of 8 doubles. */
SEG_RK_TARGET static inline void RK(transpose)(V v[LANES])
{
    V t[8];
    for (int r = 0; r < 8; r += 2) {
        t[r] = _mm512_unpacklo_pd(v[r], v[r + 1]);     /* per 128-bit lane: a0 b0 */
        t[r + 1] = _mm512_unpackhi_pd(v[r], v[r + 1]); /* a1 b1 */
    }
    for (int m = 0; m < 2; m++) { /* column 2L + m gathers lane L of t[m], t[2+m], t[4+m], t[6+m] */
        V even_lo = _mm512_shuffle_f64x2(t[m], t[2 + m], 0x88);
        V odd_lo = _mm512_shuffle_f64x2(t[m], t[2 + m], 0xDD);
        V even_hi = _mm512_shuffle_f64x2(t[4 + m], t[6 + m], 0x88);
        V odd_hi = _mm512_shuffle_f64x2(t[4 + m], t[6 + m], 0xDD);
        v[m] = _mm512_shuffle_f64x2(even_lo, even_hi, 0x88);
        v[4 + m] = _mm512_shuffle_f64x2(even_lo, even_hi, 0xDD);
        v[2 + m] = _mm512_shuffle_f64x2(odd_lo, odd_hi, 0x88);
        v[6 + m] = _mm512_shuffle_f64x2(odd_lo, odd_hi, 0xDD);
    }
}
#elif SEG_T_IS_F32
/* In-register transpose of 8 rows of 8 floats. */
SEG_RK_TARGET static inline void RK(transpose)(V v[LANES])
{
    V t[8], u[8];
    for (int r = 0; r < 8; r += 2) {
        t[r] = _mm256_unpacklo_ps(v[r], v[r + 1]);     /* per 128-bit lane: a0 b0 a1 b1 */
        t[r + 1] = _mm256_unpackhi_ps(v[r], v[r + 1]); /* a2 b2 a3 b3 */
    }
    for (int g = 0; g < 8; g += 4) { /* rows g .. g+3, element m of each lane in u[g + m] */
        u[g + 0] = _mm256_shuffle_ps(t[g], t[g + 2], 0x44);
        u[g + 1] = _mm256_shuffle_ps(t[g], t[g + 2], 0xEE);
        u[g + 2] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0x44);
        u[g + 3] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
    }
    for (int m = 0; m < 4; m++) { /* column 4L + m: lane L of u[m], then of u[4 + m] */
        v[m] = _mm256_permute2f128_ps(u[m], u[4 + m], 0x20);
        v[4 + m] = _mm256_permute2f128_ps(u[m], u[4 + m], 0x31);
    }
}
#else
/* In-register transpose of 4 rows of 4 doubles. */
SEG_RK_TARGET static inline void RK(transpose)(V v[LANES])
{
    V t0 = _mm256_unpacklo_pd(v[0], v[1]), t1 = _mm256_unpackhi_pd(v[0], v[1]);
    V t2 = _mm256_unpacklo_pd(v[2], v[3]), t3 = _mm256_unpackhi_pd(v[2], v[3]);
    v[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    v[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    v[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    v[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}
#endif

/* xt[j * PANEL + r] = x[r * d + j] for rows r < rows, 0 for rows <= r < PANEL. */
SEG_RK_TARGET static void RK(transpose_panel)(const T *x, size_t rows, size_t d, T *xt)
{
    for (size_t h = 0; h < 2; h++)
        for (size_t j0 = 0; j0 < d; j0 += LANES) {
            const size_t w = d - j0 < LANES ? d - j0 : LANES;
            const MK cols = RK(lanes)(w);
            V v[LANES];
            for (size_t r = 0; r < LANES; r++) {
                const size_t row = h * LANES + r;
                v[r] = row < rows ? VLOADM(cols, x + row * d + j0) : VZERO();
            }
            RK(transpose)(v);
            for (size_t c = 0; c < w; c++)
                VSTOREA(xt + (j0 + c) * PANEL + h * LANES, v[c]);
        }
}

/*
 * acc0[t] / acc1[t] := x . c_{t0 + t} for the panel's two row vectors,
 * t < R, summed over j in order (one fused multiply-add per step).
 */
SEG_RK_TARGET static inline __attribute__((always_inline)) void
RK(dots)(const T *restrict xt, size_t d, const T *restrict c, const int R, V *acc0, V *acc1)
{
    for (int t = 0; t < R; t++)
        acc0[t] = acc1[t] = VZERO();
    for (size_t j = 0; j < d; j++) {
        const V x0 = VLOAD(xt + j * PANEL), x1 = VLOAD(xt + j * PANEL + LANES);
#pragma GCC unroll 16
        for (int t = 0; t < R; t++) {
            const V cb = VSET1(c[(size_t)t * d + j]);
            acc0[t] = VFMA(x0, cb, acc0[t]);
            acc1[t] = VFMA(x1, cb, acc1[t]);
        }
    }
}

/*
 * Fold centroids t0 .. t0+R-1 into the running minimum: v = -2 x.c + |c|^2
 * (one rounding: the product by -2 is exact), taken when strictly smaller,
 * so among equal values the lowest centroid index wins.
 */
SEG_RK_TARGET static inline __attribute__((always_inline)) void
RK(fold_chunk)(const T *restrict xt, size_t d, const T *restrict c, const T *restrict cnorm,
               size_t t0, const int R, V *best0, V *best1, V *lab0, V *lab1)
{
    V acc0[RMAX], acc1[RMAX];
    RK(dots)(xt, d, c + t0 * d, R, acc0, acc1);
    const V m2 = VSET1((T)-2);
#pragma GCC unroll 16
    for (int t = 0; t < R; t++) {
        const V cn = VSET1(cnorm[t0 + t]), id = VSET1((T)(t0 + (size_t)t));
        const V v0 = VFMA(acc0[t], m2, cn), v1 = VFMA(acc1[t], m2, cn);
        const CM lt0 = VLT(v0, *best0), lt1 = VLT(v1, *best1);
        *best0 = VBLEND(*best0, lt0, v0);
        *lab0 = VBLEND(*lab0, lt0, id);
        *best1 = VBLEND(*best1, lt1, v1);
        *lab1 = VBLEND(*lab1, lt1, id);
    }
}

/* tt[(t0 + t) * ld + col + r] := -2 x_r . c_{t0+t} for the panel's rows r < rows. */
SEG_RK_TARGET static inline __attribute__((always_inline)) void
RK(tile_chunk)(const T *restrict xt, size_t d, const T *restrict c, size_t t0, const int R,
               size_t rows, T *restrict tt, size_t ld, size_t col)
{
    V acc0[RMAX], acc1[RMAX];
    RK(dots)(xt, d, c + t0 * d, R, acc0, acc1);
    const V m2 = VSET1((T)-2);
    const MK k0 = RK(lanes)(rows), k1 = RK(lanes)(rows > LANES ? rows - LANES : 0);
    for (int t = 0; t < R; t++) {
        T *dst = tt + (t0 + (size_t)t) * ld + col;
        VSTOREM(dst, k0, VMUL(acc0[t], m2));
        VSTOREM(dst + LANES, k1, VMUL(acc1[t], m2));
    }
}

SEG_RK_TARGET static void RK(panels)(const T *x, size_t n, size_t d, T *xt)
{
    for (size_t p0 = 0; p0 < n; p0 += PANEL)
        RK(transpose_panel)(x + p0 * d, n - p0 < PANEL ? n - p0 : PANEL, d, xt + p0 * d);
}

/* The panel of rows p0 .. p0 + rows - 1: from the caller's panel-major copy,
 * or transposed into buf. *pf and *pf_bytes: the rows of the panel after next
 * (below b; 0 bytes when none), which the caller prefetches a slice per chunk
 * of centroids (RK(prefetch_slice)). The hardware alone left a pass over rows
 * from memory latency-bound (4.3 GB/s on a machine that reads 20 GB/s; 18.5
 * GB/s with prefetching, at d = 32 and 7 centroids); prefetching a whole
 * panel at once filled the core's miss buffers and stalled the transposes. */
SEG_RK_TARGET static inline const T *RK(panel)(const T *x, const T *xp, size_t p0, size_t rows,
                                            size_t b, size_t d, T *buf, const char **pf,
                                            size_t *pf_bytes)
{
    *pf_bytes = 0;
    if (p0 + 2 * PANEL < b) {
        const size_t next = b - p0 - 2 * PANEL < PANEL ? b - p0 - 2 * PANEL : PANEL;
        *pf = (const char *)((xp ? xp : x) + (p0 + 2 * PANEL) * d);
        *pf_bytes = next * d * sizeof(T);
    }
    if (xp)
        return xp + p0 * d;
    RK(transpose_panel)(x + p0 * d, rows, d, buf);
    return buf;
}

/* Prefetch slice `part` of `parts` of the bytes [q, q + bytes). */
static inline __attribute__((always_inline)) void RK(prefetch_slice)(const char *q, size_t bytes,
                                                                     size_t part, size_t parts)
{
    if (!bytes)
        return;
    const size_t lines = (bytes + 63) / 64 + 1; /* q need not start a line */
    const size_t l1 = lines * (part + 1) / parts;
    for (size_t l = lines * part / parts; l < l1; l++)
        __builtin_prefetch(q + (l * 64 < bytes ? l * 64 : bytes - 1), 0, 3);
}

SEG_RK_TARGET static void RK(assign)(const T *x, const T *xp, size_t b, size_t d,
                                         const T *xnorm, const T *c, size_t k, const T *cnorm,
                                         int32_t *labels, T *mind)
{
    _Alignas(64) T buf[SEG_RK_DMAX * PANEL];
    const size_t chunks = (k + RMAX - 1) / RMAX;
    for (size_t p0 = 0; p0 < b; p0 += PANEL) {
        const size_t rows = b - p0 < PANEL ? b - p0 : PANEL;
        const char *pf = NULL;
        size_t pf_bytes;
        const T *xt = RK(panel)(x, xp, p0, rows, b, d, buf, &pf, &pf_bytes);
        V best0 = VSET1((T)INFINITY), best1 = best0, lab0 = VZERO(), lab1 = lab0;
        for (size_t q = 0, t0 = 0; q < chunks; q++) {
            /* chunks of near-equal size: k = 64 is 11+11+11+11+10+10, not 12 x 5 + 4 */
            const size_t t1 = k * (q + 1) / chunks;
            const int R = (int)(t1 - t0);
            RK(prefetch_slice)(pf, pf_bytes, q, chunks);
#define FOLD(r) RK(fold_chunk)(xt, d, c, cnorm, t0, r, &best0, &best1, &lab0, &lab1)
            SEG_RK_SWITCH_W(R, FOLD)
#undef FOLD
            t0 = t1;
        }
        const MK k0 = RK(lanes)(rows), k1 = RK(lanes)(rows > LANES ? rows - LANES : 0);
        const V zero = VZERO();
        V xn0 = VLOADM(k0, xnorm + p0), xn1 = VLOADM(k1, xnorm + p0 + LANES);
        VSTOREM(mind + p0, k0, VMAX(VADD(best0, xn0), zero));
        VSTOREM(mind + p0 + LANES, k1, VMAX(VADD(best1, xn1), zero));
        _Alignas(64) T lab[PANEL];
        VSTORE(lab, lab0);
        VSTORE(lab + LANES, lab1);
        for (size_t r = 0; r < rows; r++)
            labels[p0 + r] = (int32_t)lab[r];
    }
}

/*
 * Fold centroids t0 .. t0+R-1, all of one group, into that group's state st:
 * the values and the order of the strict comparisons are fold_chunk's, so
 * the group's smallest value and its (first) index are those Lloyd's fold
 * would see among these centroids. The row's nearest centroid is taken from
 * the groups afterwards (RK(fold_groups_best)). A group boundary inside a
 * chunk (stores of the open state from within the unrolled loop) made the
 * compiler keep the state in memory; chunks never cross groups now.
 */
SEG_RK_TARGET static inline __attribute__((always_inline)) void
RK(fold_group_chunk)(const T *restrict xt, size_t d, const T *restrict c,
                     const T *restrict cnorm, size_t t0, const int R, V *b0, V *b1, V *s0,
                     V *s1, V *i0, V *i1)
{
    V acc0[RMAX], acc1[RMAX];
    RK(dots)(xt, d, c + t0 * d, R, acc0, acc1);
    const V m2 = VSET1((T)-2);
#pragma GCC unroll 16
    for (int t = 0; t < R; t++) {
        const size_t j = t0 + (size_t)t;
        const V cn = VSET1(cnorm[j]), id = VSET1((T)j);
        const V v0 = VFMA(acc0[t], m2, cn), v1 = VFMA(acc1[t], m2, cn);
        /* second := min(second, max(v, smallest)) before the smallest moves */
        *s0 = VMIN(*s0, VMAX(v0, *b0));
        *s1 = VMIN(*s1, VMAX(v1, *b1));
        const CM g0 = VLT(v0, *b0), g1 = VLT(v1, *b1);
        *b0 = VBLEND(*b0, g0, v0);
        *i0 = VBLEND(*i0, g0, id);
        *b1 = VBLEND(*b1, g1, v1);
        *i1 = VBLEND(*i1, g1, id);
    }
}

/*
 * The nearest centroid of the panel's rows from the stored group states, in
 * group order with a strict comparison: groups are ascending ranges of
 * centroid indices, so this is the first index of the smallest value among
 * the computed groups, as a fold over those centroids in index order gives.
 * Groups not computed hold +inf and never win; with none smaller than +inf
 * the label is 0, as in RK(assign).
 */
SEG_RK_TARGET static inline __attribute__((always_inline)) void
RK(fold_groups_best)(size_t G, size_t ld, size_t p0, MK k0, MK k1, const T *gb, const T *gid,
                     V *best0, V *best1, V *lab0, V *lab1)
{
    for (size_t g = 0; g < G; g++) {
        const size_t o = g * ld + p0;
        const V b0 = VLOADM(k0, gb + o), b1 = VLOADM(k1, gb + o + LANES);
        const CM lt0 = VLT(b0, *best0), lt1 = VLT(b1, *best1);
        *best0 = VBLEND(*best0, lt0, b0);
        *lab0 = VBLEND(*lab0, lt0, VLOADM(k0, gid + o));
        *best1 = VBLEND(*best1, lt1, b1);
        *lab1 = VBLEND(*lab1, lt1, VLOADM(k1, gid + o + LANES));
    }
}

/* Whether any of the panel's rows r < rows needs group g (need: b x G). */
static inline bool RK(panel_needs)(const uint8_t *need, size_t G, size_t p0, size_t rows,
                                   size_t g)
{
    if (!need)
        return true;
    for (size_t r = 0; r < rows; r++)
        if (need[(p0 + r) * G + g])
            return true;
    return false;
}

SEG_RK_TARGET static void RK(assign_groups)(const T *x, const T *xp, size_t b, size_t d,
                                            const T *xnorm, const T *c, size_t k,
                                            const T *cnorm, const size_t *gstart,
                                            const size_t *group, size_t G, const uint8_t *need,
                                            int32_t *labels, T *mind, T *gb, T *gs, T *gid)
{
    _Alignas(64) T buf[SEG_RK_DMAX * PANEL];
    (void)k, (void)group; /* groups are the ranges gstart gives */
    for (size_t p0 = 0; p0 < b; p0 += PANEL) {
        const size_t rows = b - p0 < PANEL ? b - p0 : PANEL;
        const char *pf = NULL;
        size_t pf_bytes;
        const T *xt = RK(panel)(x, xp, p0, rows, b, d, buf, &pf, &pf_bytes);
        const MK k0 = RK(lanes)(rows), k1 = RK(lanes)(rows > LANES ? rows - LANES : 0);
        V best0 = VSET1((T)INFINITY), best1 = best0, lab0 = VZERO(), lab1 = lab0;
        for (size_t g = 0; g < G; g++) {
            V b0 = VSET1((T)INFINITY), b1 = b0, s0 = b0, s1 = b0;
            V i0 = VSET1((T)-1), i1 = i0;
            /* the panel after next, a slice per group (as RK(assign) does per
             * chunk): all at once left the transposes waiting */
            RK(prefetch_slice)(pf, pf_bytes, g, G);
            if (RK(panel_needs)(need, G, p0, rows, g)) {
                /* the group's centroids in near-equal chunks; one
                 * accumulator pair fewer than RK(assign): the group's state
                 * takes their registers */
                const size_t j0 = gstart[g], j1 = gstart[g + 1];
                const size_t chunks = (j1 - j0 + RMAX - 2) / (RMAX - 1);
                for (size_t q = 0, t0 = j0; q < chunks; q++) {
                    const size_t t1 = j0 + (j1 - j0) * (q + 1) / chunks;
                    const int R = (int)(t1 - t0);
#define FOLDG(r) RK(fold_group_chunk)(xt, d, c, cnorm, t0, r, &b0, &b1, &s0, &s1, &i0, &i1)
                    SEG_RK_SWITCH_W(R, FOLDG)
#undef FOLDG
                    t0 = t1;
                }
            }
            const size_t o = g * b + p0;
            VSTOREM(gb + o, k0, b0);
            VSTOREM(gb + o + LANES, k1, b1);
            VSTOREM(gs + o, k0, s0);
            VSTOREM(gs + o + LANES, k1, s1);
            VSTOREM(gid + o, k0, i0);
            VSTOREM(gid + o + LANES, k1, i1);
        }
        RK(fold_groups_best)(G, b, p0, k0, k1, gb, gid, &best0, &best1, &lab0, &lab1);
        const V zero = VZERO();
        V xn0 = VLOADM(k0, xnorm + p0), xn1 = VLOADM(k1, xnorm + p0 + LANES);
        VSTOREM(mind + p0, k0, VMAX(VADD(best0, xn0), zero));
        VSTOREM(mind + p0 + LANES, k1, VMAX(VADD(best1, xn1), zero));
        _Alignas(64) T lab[PANEL];
        VSTORE(lab, lab0);
        VSTORE(lab + LANES, lab1);
        for (size_t r = 0; r < rows; r++)
            labels[p0 + r] = (int32_t)lab[r];
    }
}

SEG_RK_TARGET static void RK(tile)(const T *x, const T *xp, size_t b, size_t d, const T *c,
                                       size_t k, T *tt)
{
    _Alignas(64) T buf[SEG_RK_DMAX * PANEL];
    const size_t chunks = (k + RMAX - 1) / RMAX;
    for (size_t p0 = 0; p0 < b; p0 += PANEL) {
        const size_t rows = b - p0 < PANEL ? b - p0 : PANEL;
        const char *pf = NULL;
        size_t pf_bytes;
        const T *xt = RK(panel)(x, xp, p0, rows, b, d, buf, &pf, &pf_bytes);
        for (size_t q = 0, t0 = 0; q < chunks; q++) {
            const size_t t1 = k * (q + 1) / chunks;
            const int R = (int)(t1 - t0);
            RK(prefetch_slice)(pf, pf_bytes, q, chunks);
#define TILE(r) RK(tile_chunk)(xt, d, c, t0, r, rows, tt, b, p0)
            SEG_RK_SWITCH_W(R, TILE)
#undef TILE
            t0 = t1;
        }
    }
}

#undef V
#undef MK
#undef CM
#undef RMAX
#undef RK
#undef LANES
#undef PANEL
#undef VZERO
#undef VSET1
#undef VLOAD
#undef VLOADM
#undef VSTORE
#undef VSTOREA
#undef VSTOREM
#undef VFMA
#undef VMUL
#undef VADD
#undef VMAX
#undef VMIN
#undef VLT
#undef VBLEND
