/*
 * Predict body for one element type; instantiated by predict.c
 * through instantiate.h.
 * Blocks start at multiples of seg_block_plan().block from row 0, as in the fit.
 */

static int FN(predict_rows)(seg_predictor *p, const T *x, size_t n, size_t d, const T *C,
                            const T *CN, int32_t *labels, double *distances)
{
    const size_t k = p->m->k;
    const seg_blocking plan = seg_block_plan(k, d, sizeof(T));
    const size_t block = plan.block;
    const size_t blocks = (n + block - 1) / block;
    int threads = seg_pass_threads(plan, p->threads);
    int bad = 0, rc;

    if ((size_t)threads > blocks)
        threads = (int)blocks;
    if ((rc = ensure_scratch(p, threads, block, sizeof(T))) < 0)
        return rc;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) reduction(| : bad)
#endif
    for (size_t bi = 0; bi < blocks; bi++) {
        T *xnorm = (T *)(void *)((char *)p->scratch + (size_t)SEG_THREAD_ID() * p->scratch_len);
        T *mind = xnorm + block;
        T *tile = mind + block;
        const size_t b0 = bi * block, b = n - b0 < block ? n - b0 : block;
        const T *xb = x + b0 * d;
        FN(seg_row_norms)(xb, b, d, xnorm);
        /* A NaN or infinity anywhere in a row makes its norm non-finite. */
        for (size_t i = 0; i < b; i++)
            bad |= !isfinite((double)xnorm[i]);
        FN(seg_assign_block)(xb, b, d, xnorm, C, k, CN, tile, labels + b0, mind);
        if (distances)
            for (size_t i = 0; i < b; i++)
                distances[b0 + i] = sqrt((double)mind[i]);
    }
    if (bad)
        return seg_fail(SEG_ERR_NONFINITE, "a row holds a NaN or infinite value, or values too "
                                           "large to square in this precision");
    return SEG_OK;
}

