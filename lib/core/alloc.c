/*
 * The library's allocation entry points. Every allocation goes through here.
 *
 * Caller allocators (seg_allocator) are wired in with two pieces:
 *
 *  - Every block starts with a small header naming the allocator it came
 *    from (NULL: the C library's) and its size. seg_free() and seg_realloc()
 *    read it, so a block always goes back where it came from, whatever the
 *    thread or call frees it, and realloc works with allocators that only
 *    offer allocate and free.
 *  - New blocks come from the calling thread's current allocator. Public
 *    entry points that allocate on behalf of an object start with
 *    SEG_ALLOC_SCOPE(object) (internal.h), which makes the object's own
 *    allocator current until the function returns, on every return path.
 *    Creators without an allocator argument allocate from the current one, so
 *    what a fit builds (the model, its copy of the scaler) comes from the
 *    k-means object's allocator, and a predictor from its model's.
 *
 * OpenMP worker threads never allocate (their current allocator would be the
 * default one); all working memory is allocated by the calling thread before
 * a parallel region.
 */
#include "core/core.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct seg_allocator {
    seg_alloc_fn alloc_fn;
    seg_free_fn free_fn;
    void *user;
    /* One for the caller's handle, one per live block: the allocator is
     * released when the handle is freed and the last block is gone. */
    atomic_size_t refs;
};

typedef struct block_header {
    seg_allocator *owner;
    size_t size;
} block_header;

/* Header size rounded up so the caller's memory keeps malloc's alignment. */
#define HDR                                                                                        \
    ((sizeof(block_header) + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) *                  \
     _Alignof(max_align_t))

static _Thread_local seg_allocator *current;

static block_header *header_of(const void *ptr)
{
    return (block_header *)(void *)((char *)(uintptr_t)ptr - HDR);
}

static void allocator_release(seg_allocator *a)
{
    if (atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) == 1)
        a->free_fn(a->user, a);
}

/* Allocate size bytes (plus the header) from the current allocator. */
static void *block_alloc(size_t size, bool zero)
{
    size_t total;
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - HDR)
        return NULL;
    total = size + HDR;
    seg_allocator *a = current;
    block_header *h;
    if (!a) {
        h = zero ? calloc(1, total) : malloc(total);
    } else {
        h = a->alloc_fn(a->user, total);
        if (h) {
            if (zero)
                memset(h, 0, total);
            atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
        }
    }
    if (!h)
        return NULL;
    h->owner = a;
    h->size = size;
    return (char *)h + HDR;
}

void *seg_malloc(size_t size)
{
    return block_alloc(size, false);
}

void *seg_calloc(size_t count, size_t size)
{
    size_t bytes;
    if (!seg_mul_ok(count, size, &bytes))
        return NULL;
    return block_alloc(bytes, true);
}

void *seg_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return seg_malloc(size);
    block_header *h = header_of(ptr);
    if (size == 0)
        size = 1;
    if (!h->owner) {
        if (size > SIZE_MAX - HDR)
            return NULL;
        block_header *g = realloc(h, size + HDR);
        if (!g)
            return NULL;
        g->size = size;
        return (char *)g + HDR;
    }
    /* A caller allocator has no realloc: move the block, keeping its owner. */
    seg_allocator *saved = current;
    current = h->owner;
    void *p = seg_malloc(size);
    current = saved;
    if (!p)
        return NULL;
    memcpy(p, ptr, h->size < size ? h->size : size);
    seg_free(ptr);
    return p;
}

void seg_free(void *ptr)
{
    if (!ptr)
        return;
    block_header *h = header_of(ptr);
    seg_allocator *a = h->owner;
    if (!a) {
        free(h);
        return;
    }
    a->free_fn(a->user, h);
    allocator_release(a);
}

void *seg_malloc_array(size_t count, size_t size)
{
    size_t bytes;
    if (!seg_mul_ok(count, size, &bytes))
        return NULL;
    return seg_malloc(bytes);
}

char *seg_strndup(const char *s, size_t len)
{
    char *p = seg_malloc(len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

char *seg_strdup(const char *s)
{
    return seg_strndup(s, strlen(s));
}

/* ---- scopes ------------------------------------------------------------- */

seg_allocator *seg_alloc_owner(const void *block)
{
    return block ? header_of(block)->owner : NULL;
}

seg_allocator *seg_alloc_enter(seg_allocator *a)
{
    seg_allocator *prev = current;
    current = a;
    return prev;
}

void seg_alloc_restore(seg_allocator *const *prev)
{
    current = *prev;
}

/* ---- public API ------------------------------------------------------------ */

int seg_allocator_new(seg_allocator **out, seg_alloc_fn alloc_fn, seg_free_fn free_fn, void *user)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_allocator_new: out is NULL");
    *out = NULL;
    if (!alloc_fn || !free_fn)
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "seg_allocator_new: alloc_fn and free_fn are required");
    seg_allocator *a = alloc_fn(user, sizeof *a);
    if (!a)
        return seg_fail(SEG_ERR_NOMEM, "the allocator could not allocate its own handle");
    a->alloc_fn = alloc_fn;
    a->free_fn = free_fn;
    a->user = user;
    atomic_init(&a->refs, 1);
    *out = a;
    return SEG_OK;
}

void seg_allocator_free(seg_allocator *a)
{
    if (a)
        allocator_release(a);
}
