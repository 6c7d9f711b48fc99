/*
 * The library's only calls into the BLAS: the products (GEMM, and PCA's
 * SYRK) every user in lib/ goes through. Built with a BLAS
 * (-Dblas=auto|openblas|blis|netlib: lib/meson.build sets SEG_HAVE_BLAS to 1)
 * each is one CBLAS call; built without (-Dblas=none, or SEG_HAVE_BLAS
 * undefined) each is a plain loop that sums in double. The nearest-centroid passes need
 * neither where the register kernel serves (distance.h); the loops keep the
 * other shapes (d > SEG_RK_DMAX, CPUs without AVX2) and PCA correct, not fast.
 */
#ifndef SEG_GEMM_H
#define SEG_GEMM_H

#include "core/core.h"

/*
 * c[i * n + j] = alpha * sum_l a[i * k + l] * b[j * k + l]: c (m x n) =
 * alpha a b^T for row-major a (m x k) and b (n x k). c is overwritten.
 */
void seg_gemm_nt_f32(size_t m, size_t n, size_t k, float alpha, const float *a, const float *b,
                     float *c);
void seg_gemm_nt_f64(size_t m, size_t n, size_t k, double alpha, const double *a, const double *b,
                     double *c);

/*
 * The upper triangle (q >= p) of c (d x d, row-major) = alpha x^T x for
 * row-major x (n x d); the strict lower triangle is left as it was.
 */
void seg_syrk_tn_f64(size_t d, size_t n, double alpha, const double *x, double *c);

#endif
