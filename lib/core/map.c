/*
 * File mapping: a private, copy-on-write view of a file's first bytes, used by
 * the readers that hand data to the library without a copy (.npy).
 */
#include "core/core.h"

#include <stdio.h>
#include <sys/stat.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#define SEG_HAVE_MMAP 1
#endif

void *seg_map_file(FILE *f, size_t len, size_t *map_len)
{
#ifdef SEG_HAVE_MMAP
    struct stat st;
    int fd = fileno(f);
    if (len == 0 || fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
        (uintmax_t)st.st_size < (uintmax_t)len)
        return NULL;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return NULL;
    *map_len = len;
    return p;
#else
    (void)f;
    (void)len;
    (void)map_len;
    return NULL;
#endif
}

void seg_unmap(void *map, size_t map_len)
{
#ifdef SEG_HAVE_MMAP
    munmap(map, map_len);
#else
    (void)map;
    (void)map_len;
#endif
}
