/*
 * The k-prototypes part of a model: blocks, means and modes read off the
 * centroids, the cost predict scores rows by, and the KPRO section of the
 * model file (docs/model-format.md). kproto.h says how rows are coded.
 */
#include "model/kproto.h"

#include <math.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

void seg_kproto_free(seg_kproto *kp)
{
    if (!kp)
        return;
    seg_free(kp->offset);
    seg_free(kp->width);
    seg_free(kp->num);
    seg_free(kp->means);
    seg_free(kp->modes);
    seg_free(kp);
}

uint32_t seg_kproto_code(const seg_kproto *kp, const double *x, size_t b)
{
    const double *v = x + kp->offset[b];
    for (size_t f = 0; f < kp->width[b]; f++)
        if (v[f] == 1.0)
            return (uint32_t)(f + 1);
    return 0;
}

void seg_kproto_codes(const seg_kproto *kp, const double *x, uint32_t *codes)
{
    for (size_t b = 0; b < kp->q; b++)
        codes[b] = seg_kproto_code(kp, x, b);
}

/* A block of a centroid holds one level: all 0, or 0s and a single 1. */
static bool is_level(const double *v, size_t width)
{
    size_t ones = 0;
    for (size_t f = 0; f < width; f++) {
        if (v[f] == 1.0)
            ones++;
        else if (v[f] != 0.0)
            return false;
    }
    return ones <= 1;
}

int seg_kproto_new(size_t k, size_t d, const double *centroids, size_t q, const size_t *offset,
                   const size_t *width, double gamma, const char *what, seg_kproto **out)
{
    *out = NULL;
    if (!(gamma >= 0) || !isfinite(gamma))
        return seg_fail(SEG_ERR_FORMAT, "%s: gamma is %g", what, gamma);
    size_t covered = 0;
    for (size_t b = 0; b < q; b++) {
        if (width[b] == 0 || offset[b] < covered || width[b] > d || offset[b] > d - width[b])
            return seg_fail(SEG_ERR_FORMAT,
                            "%s: categorical block %zu (features %zu + %zu) is empty, overlaps "
                            "another or leaves the %zu features",
                            what, b + 1, offset[b], width[b], d);
        covered = offset[b] + width[b];
    }
    seg_kproto *kp = seg_calloc(1, sizeof *kp);
    if (!kp)
        return SEG_NOMEM();
    kp->gamma = gamma;
    kp->q = q;
    size_t in_blocks = 0;
    for (size_t b = 0; b < q; b++)
        in_blocks += width[b];
    kp->p = d - in_blocks;
    kp->offset = seg_malloc_array(q ? q : 1, sizeof *kp->offset);
    kp->width = seg_malloc_array(q ? q : 1, sizeof *kp->width);
    kp->num = seg_malloc_array(kp->p ? kp->p : 1, sizeof *kp->num);
    kp->means = seg_malloc_array(k * kp->p + 1, sizeof *kp->means);
    kp->modes = seg_malloc_array(k * q + 1, sizeof *kp->modes);
    if (!kp->offset || !kp->width || !kp->num || !kp->means || !kp->modes) {
        seg_kproto_free(kp);
        return SEG_NOMEM();
    }
    if (q) {
        memcpy(kp->offset, offset, q * sizeof *offset);
        memcpy(kp->width, width, q * sizeof *width);
    }
    for (size_t f = 0, b = 0, i = 0; f < d; f++) {
        if (b < q && f >= offset[b] && f < offset[b] + width[b]) {
            if (f + 1 == offset[b] + width[b])
                b++;
            continue;
        }
        kp->num[i++] = f;
    }
    for (size_t j = 0; j < k; j++) {
        const double *c = centroids + j * d;
        for (size_t f = 0; f < kp->p; f++)
            kp->means[j * kp->p + f] = c[kp->num[f]];
        for (size_t b = 0; b < q; b++)
            if (!is_level(c + offset[b], width[b])) {
                seg_kproto_free(kp);
                return seg_fail(SEG_ERR_FORMAT,
                                "%s: segment %zu's categorical block %zu is not one level", what, j,
                                b + 1);
            }
        seg_kproto_codes(kp, c, kp->modes + j * q);
    }
    *out = kp;
    return SEG_OK;
}

/* Rows per unit of work: fixed, so that which thread labels a row never
 * matters (each row's label depends on the row and the model only). */
#define LABEL_BLOCK 1024

int seg_kproto_label_rows(const seg_model *m, const double *x, size_t n, int64_t threads,
                          int32_t *labels, double *dist)
{
    const seg_kproto *kp = m->kproto;
    const size_t d = m->d, k = m->k, q = kp->q, p = kp->p;
    const size_t blocks = (n + LABEL_BLOCK - 1) / LABEL_BLOCK;
    int nt = (int)(threads < 1 ? 1 : threads > SEG_THREADS_MAX ? SEG_THREADS_MAX : threads);
    if ((size_t)nt > blocks)
        nt = (int)(blocks ? blocks : 1);
    nt = seg_threads_startable(nt);
    /* each thread's codes of its current row */
    uint32_t *codes = seg_malloc_array((size_t)nt * (q ? q : 1), sizeof *codes);
    if (!codes)
        return SEG_NOMEM();
    int bad = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt) reduction(| : bad)
#endif
    for (size_t blk = 0; blk < blocks; blk++) {
        uint32_t *code = codes + (size_t)SEG_THREAD_ID() * (q ? q : 1);
        const size_t end =
            n - blk * LABEL_BLOCK > LABEL_BLOCK ? blk * LABEL_BLOCK + LABEL_BLOCK : n;
        for (size_t i = blk * LABEL_BLOCK; i < end; i++) {
            const double *row = x + i * d;
            bool finite = true;
            for (size_t f = 0; f < d; f++)
                finite = finite && isfinite(row[f]);
            seg_kproto_codes(kp, row, code);
            double best = INFINITY;
            int32_t lab = 0;
            for (size_t j = 0; finite && j < k; j++) {
                const double c = seg_kproto_cost(row, kp->num, p, kp->means + j * p, code,
                                                 kp->modes + j * q, q, kp->gamma);
                if (c < best) {
                    best = c;
                    lab = (int32_t)j;
                }
            }
            if (!isfinite(best))
                bad = 1;
            labels[i] = lab;
            if (dist)
                dist[i] = sqrt(best);
        }
    }
    seg_free(codes);
    return bad ? SEG_ERR_NONFINITE : SEG_OK;
}

void seg_kproto_write(const seg_kproto *kp, size_t k, wbuf *w)
{
    (void)k;
    seg_wb_f64(w, kp->gamma);
    seg_wb_u64(w, kp->q);
    for (size_t b = 0; b < kp->q; b++) {
        seg_wb_u64(w, kp->offset[b]);
        seg_wb_u64(w, kp->width[b]);
    }
}

int seg_kproto_read(rbuf *r, size_t k, size_t d, const double *centroids, seg_kproto **out)
{
    double gamma = seg_rb_f64(r);
    uint64_t q = seg_rb_u64(r);
    if (r->bad || q > (r->len - r->pos) / 16 || q > d)
        return seg_fail(SEG_ERR_FORMAT, "model file: section KPRO: malformed");
    size_t *offset = seg_malloc_array(q ? q : 1, sizeof *offset);
    size_t *width = seg_malloc_array(q ? q : 1, sizeof *width);
    int rc;
    if (!offset || !width)
        rc = SEG_NOMEM();
    else {
        for (uint64_t b = 0; b < q; b++) {
            uint64_t o = seg_rb_u64(r), wd = seg_rb_u64(r);
            offset[b] = o > d ? d + 1 : (size_t)o;
            width[b] = wd > d ? 0 : (size_t)wd;
        }
        if (r->bad || r->pos != r->len || q == 0)
            rc = seg_fail(SEG_ERR_FORMAT, "model file: section KPRO: malformed");
        else
            rc = seg_kproto_new(k, d, centroids, (size_t)q, offset, width, gamma,
                                "model file: section KPRO", out);
    }
    seg_free(offset);
    seg_free(width);
    return rc;
}
