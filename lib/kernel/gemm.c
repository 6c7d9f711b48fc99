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

void seg_gemv_f64(int trans, size_t m, size_t n, double alpha, const double *a, size_t lda,
                  const double *x, size_t incx, double beta, double *y)
{
    cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n, alpha,
                a, (blasint)lda, x, (blasint)incx, beta, y, 1);
}

void seg_symv_up_f64(size_t n, double alpha, const double *a, size_t lda, const double *x,
                     double beta, double *y)
{
    cblas_dsymv(CblasRowMajor, CblasUpper, (blasint)n, alpha, a, (blasint)lda, x, 1, beta, y, 1);
}

void seg_syr2k_tn_f64(size_t n, size_t k, double alpha, const double *a, size_t lda,
                      const double *b, size_t ldb, double beta, double *c, size_t ldc)
{
    cblas_dsyr2k(CblasRowMajor, CblasUpper, CblasTrans, (blasint)n, (blasint)k, alpha, a,
                 (blasint)lda, b, (blasint)ldb, beta, c, (blasint)ldc);
}

double seg_nrm2_f64(size_t n, const double *x)
{
    return cblas_dnrm2((blasint)n, x, 1);
}

double seg_dot_f64(size_t n, const double *x, const double *y)
{
    return cblas_ddot((blasint)n, x, 1, y, 1);
}

void seg_scal_f64(size_t n, double alpha, double *x)
{
    cblas_dscal((blasint)n, alpha, x, 1);
}

void seg_axpy_f64(size_t n, double alpha, const double *x, double *y)
{
    cblas_daxpy((blasint)n, alpha, x, 1, y, 1);
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

void seg_gemv_f64(int trans, size_t m, size_t n, double alpha, const double *a, size_t lda,
                  const double *x, size_t incx, double beta, double *y)
{
    const size_t ny = trans ? n : m;
    for (size_t i = 0; i < ny; i++) /* beta 0: y is not read (it may hold NaN) */
        y[i] = beta == 0 ? 0 : beta * y[i];
    for (size_t i = 0; i < m; i++) {
        const double *r = a + i * lda;
        if (trans) {
            const double v = alpha * x[i * incx];
            for (size_t j = 0; j < n; j++)
                y[j] += v * r[j];
        } else {
            double s = 0;
            for (size_t j = 0; j < n; j++)
                s += r[j] * x[j * incx];
            y[i] += alpha * s;
        }
    }
}

void seg_symv_up_f64(size_t n, double alpha, const double *a, size_t lda, const double *x,
                     double beta, double *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = beta == 0 ? 0 : beta * y[i];
    /* Row i's upper part serves as row i (j >= i) and as column i (j > i). */
    for (size_t i = 0; i < n; i++) {
        const double *r = a + i * lda;
        double s = r[i] * x[i];
        const double xi = alpha * x[i];
        for (size_t j = i + 1; j < n; j++) {
            s += r[j] * x[j];
            y[j] += xi * r[j];
        }
        y[i] += alpha * s;
    }
}

void seg_syr2k_tn_f64(size_t n, size_t k, double alpha, const double *a, size_t lda,
                      const double *b, size_t ldb, double beta, double *c, size_t ldc)
{
    for (size_t p = 0; p < n; p++)
        for (size_t q = p; q < n; q++)
            c[p * ldc + q] = beta == 0 ? 0 : beta * c[p * ldc + q];
    for (size_t l = 0; l < k; l++) {
        const double *ar = a + l * lda, *br = b + l * ldb;
        for (size_t p = 0; p < n; p++) {
            const double ap = alpha * ar[p], bp = alpha * br[p];
            double *cp = c + p * ldc;
            for (size_t q = p; q < n; q++)
                cp[q] += ap * br[q] + bp * ar[q];
        }
    }
}

double seg_nrm2_f64(size_t n, const double *x)
{
    /* Scaled by the largest magnitude, so no square overflows or underflows. */
    double big = 0, s = 0;
    for (size_t i = 0; i < n; i++)
        big = fabs(x[i]) > big ? fabs(x[i]) : big;
    if (big == 0 || !isfinite(big))
        return big;
    for (size_t i = 0; i < n; i++)
        s += (x[i] / big) * (x[i] / big);
    return big * sqrt(s);
}

double seg_dot_f64(size_t n, const double *x, const double *y)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

void seg_scal_f64(size_t n, double alpha, double *x)
{
    for (size_t i = 0; i < n; i++)
        x[i] *= alpha;
}

void seg_axpy_f64(size_t n, double alpha, const double *x, double *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

#endif
