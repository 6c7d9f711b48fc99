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

/* Never called: seg_regkernel_ok() is false. */
void seg_regkernel_assign_f32(const float *x, size_t b, size_t d, const float *xnorm,
                              const float *c, size_t k, const float *cnorm, int32_t *labels,
                              float *mind)
{
    (void)x, (void)b, (void)d, (void)xnorm, (void)c, (void)k, (void)cnorm, (void)labels,
        (void)mind;
}
void seg_regkernel_assign_f64(const double *x, size_t b, size_t d, const double *xnorm,
                              const double *c, size_t k, const double *cnorm, int32_t *labels,
                              double *mind)
{
    (void)x, (void)b, (void)d, (void)xnorm, (void)c, (void)k, (void)cnorm, (void)labels,
        (void)mind;
}
void seg_regkernel_tile_f32(const float *x, size_t b, size_t d, const float *c, size_t k,
                            float *tt)
{
    (void)x, (void)b, (void)d, (void)c, (void)k, (void)tt;
}
void seg_regkernel_tile_f64(const double *x, size_t b, size_t d, const double *c, size_t k,
                            double *tt)
{
    (void)x, (void)b, (void)d, (void)c, (void)k, (void)tt;
}
#endif
