/*
 * Version, clock and memory-advice helpers.
 */
#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE */
#include "core/core.h"

#include <stdint.h>
#include <time.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define SEG_STR2(x) #x
#define SEG_STR(x) SEG_STR2(x)

unsigned seg_version_number(void)
{
    return SEG_VERSION_NUMBER;
}

const char *seg_version_string(void)
{
    return SEG_STR(SEG_VERSION_MAJOR) "." SEG_STR(SEG_VERSION_MINOR) "." SEG_STR(
        SEG_VERSION_PATCH);
}

double seg_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool seg_ascii_eq_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = *a >= 'A' && *a <= 'Z' ? *a + 32 : *a;
        int y = *b >= 'A' && *b <= 'Z' ? *b + 32 : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

int seg_yes_no(const char *s)
{
    static const char *const yes[] = {"yes", "true", "1", "y"};
    static const char *const no[] = {"no", "false", "0", "n"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (seg_ascii_eq_nocase(s, yes[i]))
            return 1;
        if (seg_ascii_eq_nocase(s, no[i]))
            return -1;
    }
    return 0;
}

int seg_weights_check(const double *w, size_t n)
{
    if (w)
        for (size_t i = 0; i < n; i++)
            if (!(w[i] > 0) || !isfinite(w[i]))
                return seg_fail(SEG_ERR_NONFINITE,
                                "row %zu: weight %g; weights must be finite and > 0", i + 1, w[i]);
    return SEG_OK;
}

void seg_advise_huge(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t page = 4096;
    if (!p || bytes < ((size_t)4 << 20))
        return;
    const uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
    const uintptr_t e = ((uintptr_t)p + bytes) & ~(page - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}
