/*
 * The register kernel: distances from rows to centroids computed in AVX-512
 * registers, without BLAS. See distance.h for when it is used and why.
 */
#include "distance.h"

#include <math.h>

static bool blas_only; /* tests: compare against the BLAS path */

void seg_regkernel_force_blas(bool on)
{
    blas_only = on;
}

#if SEG_HAVE_REGKERNEL
#include <immintrin.h>

#define SEG_AVX512 __attribute__((target("avx512f")))

bool seg_regkernel_ok(size_t d, size_t elem)
{
    (void)elem;
    return !blas_only && d >= 1 && d <= SEG_RK_DMAX && __builtin_cpu_supports("avx512f");
}

size_t seg_regkernel_panel_rows(size_t elem)
{
    return 128 / elem;
}

/* Calls body(R) with R a constant 1 .. SEG_RK_RMAX, so that each R gets its own
 * fully unrolled code with the accumulators in registers. */
#define SEG_RK_SWITCH(R, body)                                                                     \
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

#define SEG_TMPL "regkernel_tmpl.h"
#include "instantiate.h"

#else

bool seg_regkernel_ok(size_t d, size_t elem)
{
    (void)d;
    (void)elem;
    return false;
}

size_t seg_regkernel_panel_rows(size_t elem)
{
    return 128 / elem;
}

/* Never called: seg_regkernel_ok() is false. */
#define SEG_RK_NEVER(T, SFX)                                                                       \
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
    void seg_regkernel_panels_##SFX(const T *x, size_t n, size_t d, T *xt)                         \
    {                                                                                              \
        (void)x, (void)n, (void)d, (void)xt;                                                       \
    }
SEG_RK_NEVER(float, f32)
SEG_RK_NEVER(double, f64)
#endif
