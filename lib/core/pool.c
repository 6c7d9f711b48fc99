/*
 * The fit's own thread pool: threads started once per fit and woken for
 * each pass, which waits passively (a condition variable) instead of
 * spinning.
 *
 * Why not OpenMP for the fit's passes: a fit on small data is many short
 * passes, and GNU OpenMP's default has idle threads spin between regions
 * for a while. On a machine shared with other busy processes those spins
 * take the cores the working threads need (issue 20: the bank sweep ran
 * 1.3-1.6x slower on 2 threads than on 1 with one or two busy processes).
 * OMP_WAIT_POLICY=passive cures it, but only the process's owner can set
 * it, before the runtime starts; this pool needs nobody's help.
 *
 * A pass hands the pool `count` items (the fit's partitions); the caller
 * and the workers take the next item from one atomic ticket, so a thread
 * delayed by the scheduler simply takes fewer items, and the caller waits
 * only for items taken, never for a thread that took none (on a loaded
 * machine a woken worker may not run for a time slice). Which thread runs
 * an item never changes a result: items write to slots of their own.
 */
#include "core/core.h"

#include <pthread.h>
#include <stdatomic.h>

struct seg_pool {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* workers: a new pass, or stop */
    pthread_cond_t idle; /* caller: the pass's last item is done */
    unsigned long generation;
    bool stop;
    int threads; /* started, the caller included */
    /* The current pass: its number in the high 32 bits, the next item to
     * take in the low 32 (see claim()); the items done. */
    atomic_uint_fast64_t ticket;
    atomic_size_t done;
    size_t count;
    int active; /* threads of the current pass, the caller included: id < active */
    seg_pool_fn fn;
    void *ctx;
    pthread_t *tid;
    struct worker_arg *arg; /* threads - 1, freed by seg_pool_stop: a worker
                               never calls the allocator (docs/api.md) */
};

typedef struct worker_arg {
    seg_pool *p;
    int id;
} worker_arg;

#define PASS_SHIFT 32
#define ITEM_MASK ((UINT64_C(1) << PASS_SHIFT) - 1)

/* Take the next item of pass `pass`: false when none is left or the pass
 * is over. A worker the scheduler wakes late may still hold an earlier
 * pass's fn and ctx: its pass number no longer matches the ticket's, so it
 * takes nothing (and never touches that ctx, which may be gone). */
static bool claim(seg_pool *p, uint64_t pass, size_t count, size_t *item)
{
    uint_fast64_t t = atomic_load_explicit(&p->ticket, memory_order_acquire);
    for (;;) {
        if (t >> PASS_SHIFT != pass || (t & ITEM_MASK) >= count)
            return false;
        if (atomic_compare_exchange_weak_explicit(&p->ticket, &t, t + 1, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            *item = (size_t)(t & ITEM_MASK);
            return true;
        }
    }
}

/* Take items of the pass until none is left; the thread that finishes the
 * last one wakes the caller if it waits. */
static void drain(seg_pool *p, uint64_t pass, seg_pool_fn fn, void *ctx, size_t count, int id)
{
    size_t item;
    while (claim(p, pass, count, &item)) {
        fn(ctx, item, id);
        if (atomic_fetch_add_explicit(&p->done, 1, memory_order_acq_rel) + 1 == count && id != 0) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->idle);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

static void *worker(void *arg)
{
    worker_arg *wa = arg;
    seg_pool *p = wa->p;
    const int id = wa->id;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == seen)
            pthread_cond_wait(&p->wake, &p->mu);
        if (p->stop)
            break;
        seen = p->generation;
        seg_pool_fn fn = p->fn;
        void *ctx = p->ctx;
        const size_t count = p->count;
        const bool in = id < p->active;
        pthread_mutex_unlock(&p->mu);
        if (in)
            drain(p, (uint64_t)(uint32_t)seen, fn, ctx, count, id);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int seg_pool_start(seg_pool **out, int threads)
{
    seg_pool *p = seg_calloc(1, sizeof *p);
    *out = NULL;
    if (!p)
        return SEG_NOMEM();
    if (threads < 1)
        threads = 1;
    p->threads = 1;
    atomic_init(&p->ticket, 0);
    atomic_init(&p->done, 0);
    if (threads > 1 && (!(p->tid = seg_malloc_array((size_t)threads - 1, sizeof *p->tid)) ||
                        !(p->arg = seg_malloc_array((size_t)threads - 1, sizeof *p->arg)))) {
        seg_free(p->tid);
        seg_free(p);
        return SEG_NOMEM();
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->idle, NULL);
    /* A thread that cannot be started is simply not used. */
    for (int i = 1; i < threads; i++) {
        worker_arg *wa = &p->arg[i - 1];
        *wa = (worker_arg){p, i};
        if (pthread_create(&p->tid[i - 1], NULL, worker, wa) != 0)
            break;
        p->threads++;
    }
    *out = p;
    return SEG_OK;
}

int seg_pool_threads(const seg_pool *p)
{
    return p ? p->threads : 1;
}

void seg_pool_run(seg_pool *p, size_t count, int threads, seg_pool_fn fn, void *ctx)
{
    if (!p || p->threads == 1 || threads <= 1 || count <= 1 || count > ITEM_MASK) {
        for (size_t i = 0; i < count; i++)
            fn(ctx, i, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->count = count;
    p->active = threads;
    p->generation++;
    const uint64_t pass = (uint64_t)(uint32_t)p->generation;
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    atomic_store_explicit(&p->ticket, pass << PASS_SHIFT, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    drain(p, pass, fn, ctx, count, 0);
    /* Wait for the items other threads took, not for the threads: a worker
     * the scheduler has not run yet (the cores busy with other processes)
     * finds nothing left when it runs, and the caller does not wait a time
     * slice for it (issue 20, under load). */
    if (atomic_load_explicit(&p->done, memory_order_acquire) < count) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load_explicit(&p->done, memory_order_acquire) < count)
            pthread_cond_wait(&p->idle, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

void seg_pool_stop(seg_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->threads; i++)
        pthread_join(p->tid[i - 1], NULL);
    pthread_cond_destroy(&p->idle);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    seg_free(p->tid);
    seg_free(p->arg);
    seg_free(p);
}
