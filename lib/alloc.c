/*
 * The library's allocation entry points. Every allocation goes through here.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void *seg_malloc(size_t size)
{
    return malloc(size ? size : 1);
}

void *seg_calloc(size_t count, size_t size)
{
    if (count == 0 || size == 0)
        return calloc(1, 1);
    return calloc(count, size);
}

void *seg_realloc(void *ptr, size_t size)
{
    return realloc(ptr, size ? size : 1);
}

void seg_free(void *ptr)
{
    free(ptr);
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
