/*
 * PCA's eigen-solvers (pca.c), private: the few largest eigenpairs of a
 * symmetric matrix, by LAPACK when the build has it and by the built-in
 * Householder + QL + inverse-iteration solver otherwise. Exposed here so the
 * tests and bench/bench_pca.c can run both paths on one matrix. Not
 * installed.
 */
#ifndef SEG_ANALYSE_PCA_H
#define SEG_ANALYSE_PCA_H

#include "core/core.h"

typedef enum seg_pca_solver {
    SEG_PCA_SOLVER_AUTO = 0,    /* LAPACK when built with it, else built-in */
    SEG_PCA_SOLVER_BUILTIN = 1, /* Householder tridiagonalisation + implicit QL */
    SEG_PCA_SOLVER_LAPACK = 2   /* LAPACKE_dsyevr */
} seg_pca_solver;

/* 1 when the library was built with LAPACKE (meson -Dlapack). */
int seg_pca_have_lapack(void);

/* The c largest eigenvalues of the symmetric d x d matrix a (row-major,
 * both triangles filled; only read) in decreasing order into values, and
 * their unit eigenvectors as the rows of vectors (c x d), each signed so its
 * largest-magnitude entry (the first such on a tie) is positive. Equal
 * eigenvalues are ordered as the solver finds them and their vectors span
 * the same space, not necessarily with the same basis. Returns SEG_OK,
 * SEG_ERR_INVALID_ARG (LAPACK asked of a build without it, c out of 1..d),
 * SEG_ERR_OVERFLOW, SEG_ERR_NOMEM, or SEG_ERR_STATE if the solver did not
 * converge (never seen; reported rather than returning a wrong answer). */
int seg_pca_eigen(const double *a, size_t d, size_t c, seg_pca_solver solver, double *values,
                  double *vectors);

#endif
