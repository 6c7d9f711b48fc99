/*
 * Distance kernel instantiations. See distance.h.
 */
#include "kernel/distance.h"

#include <cblas.h>
#include <string.h>

/* Not every cblas.h defines blasint (OpenBLAS does; netlib uses int). */
#ifndef OPENBLAS_CONFIG_H
typedef int blasint;
#endif

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
    (void)d; /* other CBLAS libraries: assumed to run each call on the calling thread */
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

#define SEG_TMPL "kernel/distance_tmpl.h"
#include "core/instantiate.h"
