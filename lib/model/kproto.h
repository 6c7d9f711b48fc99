/*
 * The k-prototypes part of a model (kproto.c): what a model fitted by
 * seg_kprototypes_* holds besides its centroids, and the cost every reader of
 * such a model (the fit's last pass, predict, the model file) scores rows by.
 * Not installed.
 *
 * Rows stay in the scaler's encoding: numeric features scaled, each
 * categorical column a block of 0/1 features. A row's code in a block is
 * 1 + the position of its 1, or 0 when the block is all zeros (the level
 * dropped first, a binary column's other level, or a level unseen in
 * training), so codes are read off the encoded row and never need a second
 * encoding. The cost of a row against segment j is
 *
 *     sum over numeric features f of (x_f - mean_jf)^2
 *       + gamma x (number of blocks whose code differs from mode_j)
 *
 * (Huang 1997); its square root is what predict reports as the distance.
 */
#ifndef SEG_MODEL_KPROTO_H
#define SEG_MODEL_KPROTO_H

#include "core/bytes.h"
#include "model/model.h"

struct seg_kproto {
    double gamma;    /* weight of one categorical mismatch, >= 0 */
    size_t q;        /* categorical blocks */
    size_t *offset;  /* q: first feature of each block, increasing */
    size_t *width;   /* q: features of each block (>= 1) */
    size_t p;        /* numeric features: those in no block */
    size_t *num;     /* p: their indices, increasing */
    double *means;   /* k x p: each segment's numeric features */
    uint32_t *modes; /* k x q: each segment's code per block, 0 .. width */
};

/* The k-prototypes part of k centroids (k x d; copied) with the q blocks
 * (offset, width) given (copied): means and modes are read off the
 * centroids, whose blocks must each hold 0s and at most one 1.
 * SEG_ERR_FORMAT (named by what) when the blocks overlap, are empty or
 * leave d, or a centroid's block is not a level; SEG_ERR_NOMEM. */
int seg_kproto_new(size_t k, size_t d, const double *centroids, size_t q, const size_t *offset,
                   const size_t *width, double gamma, const char *what, seg_kproto **out);
void seg_kproto_free(seg_kproto *kp);

/* The code of row x (d features) in block b. */
uint32_t seg_kproto_code(const seg_kproto *kp, const double *x, size_t b);

/* Codes of row x in every block into codes[0 .. q). */
void seg_kproto_codes(const seg_kproto *kp, const double *x, uint32_t *codes);

/* The cost of one row against one prototype: numeric values x[idx[f]]
 * (x[f] when idx is NULL) against mean[0 .. p), codes against mode[0 .. q).
 * The fit and predict both score through it, in this order of operations,
 * so a training row gets the fit's cost bit for bit. */
static inline double seg_kproto_cost(const double *x, const size_t *idx, size_t p,
                                     const double *mean, const uint32_t *code, const uint32_t *mode,
                                     size_t q, double gamma)
{
    double s = 0.0;
    for (size_t f = 0; f < p; f++) {
        const double t = x[idx ? idx[f] : f] - mean[f];
        s += t * t;
    }
    size_t mism = 0;
    for (size_t b = 0; b < q; b++)
        mism += code[b] != mode[b];
    return s + gamma * (double)mism;
}

/* Each of n encoded rows x (n x d, double) gets the segment of least cost
 * (ties: the lowest segment) and, unless dist is NULL, the square root of
 * that cost, on up to `threads` library threads (the result never depends on
 * them; 0 = 1 here: callers resolve the setting). m->kproto must be set.
 * SEG_OK, SEG_ERR_NOMEM, or SEG_ERR_NONFINITE without a message (a row holds
 * a NaN or infinity, or its cost overflows: the caller names it). */
int seg_kproto_label_rows(const seg_model *m, const double *x, size_t n, int64_t threads,
                          int32_t *labels, double *dist);

/* The KPRO section: its payload, and its reader (k and d from HEAD). */
void seg_kproto_write(const seg_kproto *kp, size_t k, wbuf *w);
int seg_kproto_read(rbuf *r, size_t k, size_t d, const double *centroids, seg_kproto **out);

#endif /* SEG_MODEL_KPROTO_H */
