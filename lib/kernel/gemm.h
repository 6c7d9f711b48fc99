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

/*
 * PCA's Householder tridiagonalisation (analyse/pca.c), with the CBLAS
 * meaning of each (row-major, leading dimensions lda/ldc in elements):
 *   seg_gemv_f64     y = alpha op(a) x + beta y, a m x n, op = a^T when
 *                    trans (y then has n entries, else m); x's entries
 *                    incx apart, y contiguous; beta 0 ignores y
 *   seg_symv_up_f64  y = alpha a x + beta y, a n x n symmetric, upper
 *                    triangle read
 *   seg_syr2k_tn_f64 the upper triangle of c (n x n) = alpha (a^T b + b^T a)
 *                    + beta c, a and b k x n
 *   seg_nrm2_f64, seg_dot_f64, seg_scal_f64, seg_axpy_f64: on contiguous
 *                    vectors (nrm2 without overflow)
 */
void seg_gemv_f64(int trans, size_t m, size_t n, double alpha, const double *a, size_t lda,
                  const double *x, size_t incx, double beta, double *y);
void seg_symv_up_f64(size_t n, double alpha, const double *a, size_t lda, const double *x,
                     double beta, double *y);
void seg_syr2k_tn_f64(size_t n, size_t k, double alpha, const double *a, size_t lda,
                      const double *b, size_t ldb, double beta, double *c, size_t ldc);
double seg_nrm2_f64(size_t n, const double *x);
double seg_dot_f64(size_t n, const double *x, const double *y);
void seg_scal_f64(size_t n, double alpha, double *x);
void seg_axpy_f64(size_t n, double alpha, const double *x, double *y);

#endif
