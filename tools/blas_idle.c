/*
 * The seg program's one BLAS measure: stop OpenBLAS's idle thread pool at
 * start-up (issue 20).
 *
 * OpenBLAS's pthread build starts its pool when it loads, before main(), and
 * each pool thread then busy-waits (sched_yield in a loop) for about 2^28
 * cycles, ~0.1 s, before it sleeps. libseg keeps its GEMMs under the size at
 * which OpenBLAS uses that pool (seg_gemm_plan), so in most commands the pool
 * never works: the spin only takes a core from seg's own threads, and from
 * whoever else runs on a loaded machine.
 *
 * blas_thread_shutdown_() is what OpenBLAS itself calls before a fork (its
 * pthread_atfork handler): it stops the pool threads, and OpenBLAS starts
 * them again on the next call that wants them, with the same thread count.
 * So the BLAS thread setting (OPENBLAS_NUM_THREADS, openblas_set_num_threads)
 * is unchanged; only the idle spin after loading goes. It is called here, in
 * the program, while no other thread exists and no BLAS call runs, and never
 * from the library, which cannot know what its caller's other threads do.
 *
 * Looked up by name, so any other CBLAS (or a static OpenBLAS without the
 * symbol) is simply left alone.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include "cli.h"

#include <dlfcn.h>

void blas_idle(void)
{
    void *sym = dlsym(RTLD_DEFAULT, "blas_thread_shutdown_");
    if (!sym)
        return;
    void (*shutdown)(void);
    /* POSIX: a dlsym result converts to a function pointer this way */
    *(void **)&shutdown = sym;
    shutdown();
}
