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
 * and the workers take the next item from one atomic counter, so a thread
 * delayed by the scheduler simply takes fewer items. Which thread runs an
 * item never changes a result: items write to slots of their own.
 */
#include "core/core.h"

#include <pthread.h>
#include <stdatomic.h>

struct seg_pool {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* workers: a new pass, or stop */
    pthread_cond_t idle; /* caller: the last worker left the pass */
    unsigned long generation;
    bool stop;
    int threads;  /* started, the caller included */
    int busy;     /* workers still in the current pass */
    atomic_size_t next;
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

/* Take items until none is left. */
static void drain(seg_pool *p, seg_pool_fn fn, void *ctx, size_t count, int id)
{
    for (;;) {
        const size_t item = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (item >= count)
            return;
        fn(ctx, item, id);
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
            drain(p, fn, ctx, count, id);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0)
            pthread_cond_signal(&p->idle);
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
    atomic_init(&p->next, 0);
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
    if (!p || p->threads == 1 || threads <= 1 || count <= 1) {
        for (size_t i = 0; i < count; i++)
            fn(ctx, i, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->count = count;
    p->active = threads;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    p->busy = p->threads - 1;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    drain(p, fn, ctx, count, 0);
    pthread_mutex_lock(&p->mu);
    while (p->busy > 0)
        pthread_cond_wait(&p->idle, &p->mu);
    pthread_mutex_unlock(&p->mu);
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
