/*
 * The BLAS calls of the library, or their plain-loop form. See gemm.h.
 */
#include "kernel/gemm.h"

#if SEG_HAVE_BLAS
#include <cblas.h>

/* Not every cblas.h defines blasint (OpenBLAS does; netlib and BLIS use int). */
#ifndef OPENBLAS_CONFIG_H
typedef int blasint;
#endif

void seg_gemm_nt_f32(size_t m, size_t n, size_t k, float alpha, const float *a, const float *b,
                     float *c)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)m, (blasint)n, (blasint)k, alpha,
                a, (blasint)k, b, (blasint)k, 0.0f, c, (blasint)n);
}

void seg_gemm_nt_f64(size_t m, size_t n, size_t k, double alpha, const double *a, const double *b,
                     double *c)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)m, (blasint)n, (blasint)k, alpha,
                a, (blasint)k, b, (blasint)k, 0.0, c, (blasint)n);
}

void seg_syrk_tn_f64(size_t d, size_t n, double alpha, const double *x, double *c)
{
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)d, (blasint)n, alpha, x, (blasint)d,
                0.0, c, (blasint)d);
}

#else

/*
 * Four rows of a against four rows of b at a time: sixteen sums in
 * registers for each pass over k, so each value loaded feeds four products.
 * The sums are double for float too (STYLE.md), then rounded once.
 */
#define SEG_GEMM_LOOP(T, NAME)                                                                     \
    void NAME(size_t m, size_t n, size_t k, T alpha, const T *a, const T *b, T *c)                 \
    {                                                                                              \
        size_t i = 0;                                                                              \
        for (; i < m; i += 4) {                                                                    \
            const size_t mi = m - i < 4 ? m - i : 4;                                               \
            for (size_t j = 0; j < n; j += 4) {                                                    \
                const size_t nj = n - j < 4 ? n - j : 4;                                           \
                double s[4][4] = {{0}};                                                            \
                for (size_t l = 0; l < k; l++) {                                                   \
                    double av[4] = {0}, bv[4] = {0};                                               \
                    for (size_t r = 0; r < mi; r++)                                                \
                        av[r] = a[(i + r) * k + l];                                                \
                    for (size_t q = 0; q < nj; q++)                                                \
                        bv[q] = b[(j + q) * k + l];                                                \
                    for (size_t r = 0; r < 4; r++)                                                 \
                        for (size_t q = 0; q < 4; q++)                                             \
                            s[r][q] += av[r] * bv[q];                                              \
                }                                                                                  \
                for (size_t r = 0; r < mi; r++)                                                    \
                    for (size_t q = 0; q < nj; q++)                                                \
                        c[(i + r) * n + j + q] = (T)((double)alpha * s[r][q]);                     \
            }                                                                                      \
        }                                                                                          \
    }

SEG_GEMM_LOOP(float, seg_gemm_nt_f32)
SEG_GEMM_LOOP(double, seg_gemm_nt_f64)

void seg_syrk_tn_f64(size_t d, size_t n, double alpha, const double *x, double *c)
{
    /* Row by row, so x is read once, in order; the inner loop is contiguous. */
    for (size_t p = 0; p < d; p++)
        for (size_t q = p; q < d; q++)
            c[p * d + q] = 0;
    for (size_t i = 0; i < n; i++) {
        const double *r = x + i * d;
        for (size_t p = 0; p < d; p++) {
            const double v = r[p];
            double *cp = c + p * d;
            for (size_t q = p; q < d; q++)
                cp[q] += v * r[q];
        }
    }
    for (size_t p = 0; p < d; p++)
        for (size_t q = p; q < d; q++)
            c[p * d + q] *= alpha;
}

#endif
