/*
 * The register kernel: distances from rows to centroids computed in vector
 * registers (AVX-512F, or AVX2 with FMA), without BLAS. See distance.h for
 * when it is used and why. The instruction set is chosen once per process
 * from the CPU, so a fit and every later predict use the same arithmetic.
 */
#include "kernel/distance.h"

#include <math.h>

/* 0: not chosen yet; then SEG_RK_NONE, SEG_RK_AVX2 or SEG_RK_AVX512. */
enum { SEG_RK_UNSET, SEG_RK_NONE, SEG_RK_AVX2, SEG_RK_AVX512 };
static int forced; /* tests: seg_regkernel_force() */

static int detected(void)
{
#if SEG_HAVE_REGKERNEL
    /* Read-only CPU feature queries: the same answer on every thread. */
    if (__builtin_cpu_supports("avx512f"))
        return SEG_RK_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return SEG_RK_AVX2;
#endif
    return SEG_RK_NONE;
}

static int isa(void)
{
    return forced ? forced : detected();
}

void seg_regkernel_force(int which)
{
    /* which: 0 the CPU's best, -1 none (BLAS), 256 AVX2, 512 AVX-512; a set
     * the CPU lacks falls back to the next one down. */
    const int best = detected();
    int want = which == 0     ? SEG_RK_UNSET
               : which == 512 ? SEG_RK_AVX512
               : which == 256 ? SEG_RK_AVX2
                              : SEG_RK_NONE;
    forced = want > best ? best : want;
}

bool seg_regkernel_ok(size_t d, size_t elem)
{
    (void)elem;
    return d >= 1 && d <= SEG_RK_DMAX && isa() != SEG_RK_NONE;
}

size_t seg_regkernel_panel_rows(size_t elem)
{
    /* Two vectors of rows: 64 bytes each with AVX-512, 32 with AVX2. */
    return (isa() == SEG_RK_AVX512 ? 128 : 64) / elem;
}

#if SEG_HAVE_REGKERNEL
#include <immintrin.h>

/* Calls body(R) with R a constant 1 .. RMAX, so that each R gets its own
 * fully unrolled code with the accumulators in registers. */
#define SEG_RK_SWITCH6(R, body)                                                                    \
    switch (R) {                                                                                   \
    case 1: body(1); break;                                                                        \
    case 2: body(2); break;                                                                        \
    case 3: body(3); break;                                                                        \
    case 4: body(4); break;                                                                        \
    case 5: body(5); break;                                                                        \
    default: body(6); break;                                                                       \
    }
#define SEG_RK_SWITCH12(R, body)                                                                   \
    switch (R) {                                                                                   \
    case 1: body(1); break;                                                                        \
    case 2: body(2); break;                                                                        \
    case 3: body(3); break;                                                                        \
    case 4: body(4); break;                                                                        \
    case 5: body(5); break;                                                                        \
    case 6: body(6); break;                                                                        \
    case 7: body(7); break;                                                                        \
    case 8: body(8); break;                                                                        \
    case 9: body(9); break;                                                                        \
    case 10: body(10); break;                                                                      \
    case 11: body(11); break;                                                                      \
    default: body(12); break;                                                                      \
    }

/* AVX-512: 32 registers hold 2 x 12 accumulators. */
#define SEG_RK_W 512
#define SEG_RK_TAG avx512
#define SEG_RK_TARGET __attribute__((target("avx512f")))
#define SEG_RK_RMAX_W 12
#define SEG_RK_SWITCH_W SEG_RK_SWITCH12
#define SEG_TMPL "kernel/regkernel_tmpl.h"
#include "core/instantiate.h"
#undef SEG_RK_W
#undef SEG_RK_TAG
#undef SEG_RK_TARGET
#undef SEG_RK_RMAX_W
#undef SEG_RK_SWITCH_W

/* AVX2: 16 registers hold 2 x 6 accumulators. */
#define SEG_RK_W 256
#define SEG_RK_TAG avx2
#define SEG_RK_TARGET __attribute__((target("avx2,fma")))
#define SEG_RK_RMAX_W 6
#define SEG_RK_SWITCH_W SEG_RK_SWITCH6
#define SEG_TMPL "kernel/regkernel_tmpl.h"
#include "core/instantiate.h"

#define SEG_RK_DISPATCH(T, SFX)                                                                    \
    void seg_regkernel_panels_##SFX(const T *x, size_t n, size_t d, T *xt)                         \
    {                                                                                              \
        if (isa() == SEG_RK_AVX512)                                                                \
            panels_avx512_##SFX(x, n, d, xt);                                                      \
        else                                                                                       \
            panels_avx2_##SFX(x, n, d, xt);                                                        \
    }                                                                                              \
    void seg_regkernel_assign_##SFX(const T *x, const T *xp, size_t b, size_t d, const T *xnorm,   \
                                    const T *c, size_t k, const T *cnorm, int32_t *labels,         \
                                    T *mind)                                                       \
    {                                                                                              \
        if (isa() == SEG_RK_AVX512)                                                                \
            assign_avx512_##SFX(x, xp, b, d, xnorm, c, k, cnorm, labels, mind);                    \
        else                                                                                       \
            assign_avx2_##SFX(x, xp, b, d, xnorm, c, k, cnorm, labels, mind);                      \
    }                                                                                              \
    void seg_regkernel_tile_##SFX(const T *x, const T *xp, size_t b, size_t d, const T *c,         \
                                  size_t k, T *tt)                                                 \
    {                                                                                              \
        if (isa() == SEG_RK_AVX512)                                                                \
            tile_avx512_##SFX(x, xp, b, d, c, k, tt);                                              \
        else                                                                                       \
            tile_avx2_##SFX(x, xp, b, d, c, k, tt);                                                \
    }                                                                                              \
    void seg_regkernel_assign_groups_##SFX(                                                        \
        const T *x, const T *xp, size_t b, size_t d, const T *xnorm, const T *c, size_t k,         \
        const T *cnorm, const size_t *gstart, const size_t *group, size_t G,                       \
        const uint8_t *need, int32_t *labels, T *mind, T *gb, T *gs, T *gid)                       \
    {                                                                                              \
        if (isa() == SEG_RK_AVX512)                                                                \
            assign_groups_avx512_##SFX(x, xp, b, d, xnorm, c, k, cnorm, gstart, group, G, need,    \
                                       labels, mind, gb, gs, gid);                                 \
        else                                                                                       \
            assign_groups_avx2_##SFX(x, xp, b, d, xnorm, c, k, cnorm, gstart, group, G, need,      \
                                     labels, mind, gb, gs, gid);                                   \
    }

#else

/* Never called: seg_regkernel_ok() is false without the x86-64 kernels. */
#define SEG_RK_DISPATCH(T, SFX)                                                                    \
    void seg_regkernel_panels_##SFX(const T *x, size_t n, size_t d, T *xt)                         \
    {                                                                                              \
        (void)x, (void)n, (void)d, (void)xt;                                                       \
    }                                                                                              \
    void seg_regkernel_assign_##SFX(const T *x, const T *xp, size_t b, size_t d, const T *xnorm,   \
                                    const T *c, size_t k, const T *cnorm, int32_t *labels,         \
                                    T *mind)                                                       \
    {                                                                                              \
        (void)x, (void)xp, (void)b, (void)d, (void)xnorm, (void)c, (void)k, (void)cnorm,           \
            (void)labels, (void)mind;                                                              \
    }                                                                                              \
    void seg_regkernel_tile_##SFX(const T *x, const T *xp, size_t b, size_t d, const T *c,         \
                                  size_t k, T *tt)                                                 \
    {                                                                                              \
        (void)x, (void)xp, (void)b, (void)d, (void)c, (void)k, (void)tt;                           \
    }                                                                                              \
    void seg_regkernel_assign_groups_##SFX(                                                        \
        const T *x, const T *xp, size_t b, size_t d, const T *xnorm, const T *c, size_t k,         \
        const T *cnorm, const size_t *gstart, const size_t *group, size_t G,                       \
        const uint8_t *need, int32_t *labels, T *mind, T *gb, T *gs, T *gid)                       \
    {                                                                                              \
        (void)x, (void)xp, (void)b, (void)d, (void)xnorm, (void)c, (void)k, (void)cnorm,           \
            (void)gstart, (void)group, (void)G, (void)need, (void)labels, (void)mind, (void)gb,    \
            (void)gs, (void)gid;                                                                   \
    }
#endif

SEG_RK_DISPATCH(float, f32)
SEG_RK_DISPATCH(double, f64)
