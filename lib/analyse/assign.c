/*
 * Optimal assignment (minimum-cost matching) of a rectangular cost matrix by
 * the Hungarian algorithm with potentials (Kuhn 1955, Munkres 1957; the
 * O(r^2 c) shortest-augmenting-path form of Jonker and Volgenant 1987):
 * rows are added one at a time, each by a Dijkstra-like search over columns
 * on reduced costs cost[i][j] - u[i] - v[j] >= 0, then the potentials are
 * updated so reduced costs stay non-negative and matched edges stay tight.
 */
#include "core/core.h"

#include <string.h>

/* rows <= cols; a is rows x cols (row-major), at stride lda. match[i] gets
 * row i's column. Scratch: u (rows + 1), v, minv (cols + 1), p, way (cols + 1),
 * used (cols + 1). Indices are 1-based inside, 0 meaning "none". */
static void hungarian(const double *a, size_t rows, size_t cols, size_t sr, size_t sc, double *u,
                      double *v, double *minv, size_t *p, size_t *way, bool *used, int32_t *match)
{
#define COST(i, j) a[((i) - 1) * sr + ((j) - 1) * sc]
    for (size_t i = 1; i <= rows; i++) {
        p[0] = i;
        size_t j0 = 0;
        for (size_t j = 0; j <= cols; j++) {
            minv[j] = INFINITY;
            used[j] = false;
        }
        do {
            used[j0] = true;
            const size_t i0 = p[j0];
            double delta = INFINITY;
            size_t j1 = 0;
            for (size_t j = 1; j <= cols; j++) {
                if (used[j])
                    continue;
                const double cur = COST(i0, j) - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (size_t j = 0; j <= cols; j++) {
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (p[j0] != 0);
        do { /* flip the augmenting path */
            const size_t j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    for (size_t j = 1; j <= cols; j++)
        if (p[j])
            match[p[j] - 1] = (int32_t)(j - 1);
#undef COST
}

int seg_drift_match_f64(const double *cost, size_t rows, size_t cols, int32_t *row_match,
                        double *total)
{
    if (!cost || !row_match || rows == 0 || cols == 0)
        return seg_fail(rows && cols ? SEG_ERR_INVALID_ARG : SEG_ERR_EMPTY,
                        "seg_drift_match_f64: NULL argument or empty matrix (%zu x %zu)", rows,
                        cols);
    if (rows > 100000 || cols > 100000)
        return seg_fail(SEG_ERR_LIMIT, "%zu x %zu is above the 100000 x 100000 limit", rows, cols);
    size_t rc_;
    if (!seg_mul_ok(rows, cols, &rc_))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu costs overflow", rows, cols);
    for (size_t i = 0; i < rc_; i++)
        if (!isfinite(cost[i]))
            return seg_fail(SEG_ERR_NONFINITE, "cost %zu (row %zu, column %zu) is not finite", i,
                            i / cols, i % cols);
    /* The algorithm wants rows <= cols: otherwise solve the transpose. */
    const bool t = rows > cols;
    const size_t r = t ? cols : rows, c = t ? rows : cols;
    double *u = seg_calloc(r + 1, sizeof *u), *v = seg_calloc(c + 1, sizeof *v);
    double *minv = seg_malloc_array(c + 1, sizeof *minv);
    size_t *p = seg_calloc(c + 1, sizeof *p), *way = seg_calloc(c + 1, sizeof *way);
    bool *used = seg_malloc_array(c + 1, sizeof *used);
    int32_t *m = seg_malloc_array(r, sizeof *m);
    int rc = SEG_OK;
    if (!u || !v || !minv || !p || !way || !used || !m) {
        rc = SEG_NOMEM();
        goto done;
    }
    hungarian(cost, r, c, t ? 1 : cols, t ? cols : 1, u, v, minv, p, way, used, m);
    for (size_t i = 0; i < rows; i++)
        row_match[i] = -1;
    for (size_t i = 0; i < r; i++) {
        if (t)
            row_match[m[i]] = (int32_t)i;
        else
            row_match[i] = m[i];
    }
    if (total) {
        double s = 0;
        for (size_t i = 0; i < rows; i++)
            if (row_match[i] >= 0)
                s += cost[i * cols + (size_t)row_match[i]];
        *total = s;
    }
done:
    seg_free(u);
    seg_free(v);
    seg_free(minv);
    seg_free(p);
    seg_free(way);
    seg_free(used);
    seg_free(m);
    return rc;
}

/* Deprecated name (seg.h): exported until the soname changes. */
int seg_assign_optimal(const double *cost, size_t rows, size_t cols, int32_t *row_match,
                       double *total)
{
    return seg_drift_match_f64(cost, rows, cols, row_match, total);
}
