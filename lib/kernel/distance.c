/*
 * Distance kernel instantiations. See distance.h.
 */
#include "kernel/distance.h"
#include "kernel/gemm.h"

#if SEG_HAVE_BLAS
#include <cblas.h> /* OpenBLAS's: OPENBLAS_GEMM_MULTITHREAD_THRESHOLD */
#endif
#include <string.h>

seg_blocking seg_gemm_plan(size_t k, size_t d, size_t elem)
{
    const size_t tile_bytes = 256u * 1024u;
    seg_blocking plan = {0, true};
    size_t b = tile_bytes / (k * elem);
    if (b < 16)
        b = 16;
    if (b > 1024)
        b = 1024;
#ifdef OPENBLAS_GEMM_MULTITHREAD_THRESHOLD
    {
        const size_t serial_mnk = (size_t)65536 * OPENBLAS_GEMM_MULTITHREAD_THRESHOLD;
        const size_t kd = k * (d ? d : 1);
        size_t serial_rows = kd <= serial_mnk ? serial_mnk / kd : 0;
        if (serial_rows >= 32) {
            if (b > serial_rows)
                b = serial_rows;
        } else {
            plan.threaded = false;
        }
    }
#else
    (void)d; /* other CBLAS libraries, and the loops without BLAS: each call runs on the calling
                 thread */
#endif
    plan.block = b & ~(size_t)15;
    return plan;
}

seg_blocking seg_block_plan(size_t k, size_t d, size_t elem)
{
    if (!seg_regkernel_ok(d, elem))
        return seg_gemm_plan(k, d, elem);
    /* No BLAS call: only the cache bounds the block (the tile of the bounded
     * variants, block x k, within ~256 KiB), and every pass may be threaded. */
    size_t b = (256u * 1024u) / (k * elem);
    b = b < 32 ? 32 : b > 1024 ? 1024 : b;
    seg_blocking plan = {b & ~(size_t)31, true}; /* whole panels: see seg_regkernel_panels */
    return plan;
}

int seg_pass_threads(seg_blocking b, int64_t setting)
{
    return b.threaded ? seg_threads_resolve(setting) : 1;
}

/* The blocks and library threads of seg_nearest_rows: the threads of the
 * setting, never more than the blocks. */
static int nearest_threads(size_t n, size_t k, size_t d, size_t elem, int64_t setting,
                           size_t *block)
{
    const seg_blocking plan = seg_block_plan(k, d, elem);
    const size_t blocks = (n + plan.block - 1) / plan.block;
    int threads = seg_pass_threads(plan, setting);
    *block = plan.block;
    if ((size_t)threads > blocks)
        threads = blocks ? (int)blocks : 1;
    return threads;
}

/* Scratch bytes of one thread of seg_nearest_rows: the block's norms and
 * distances, and its block x k tile; 0 on overflow. */
static size_t nearest_thread_bytes(size_t block, size_t k, size_t elem)
{
    size_t tile, per;
    if (!seg_mul_ok(block, k, &tile) || tile > SIZE_MAX - 2 * block ||
        !seg_mul_ok(tile + 2 * block, elem, &per))
        return 0;
    return per;
}

size_t seg_nearest_scratch(size_t n, size_t k, size_t d, size_t elem, int64_t threads)
{
    size_t block, bytes;
    const int t = nearest_threads(n, k, d, elem, threads, &block);
    if (!seg_mul_ok(nearest_thread_bytes(block, k, elem), (size_t)t, &bytes))
        return 0;
    return bytes;
}

#define SEG_TMPL "kernel/distance_tmpl.h"
#include "core/instantiate.h"
