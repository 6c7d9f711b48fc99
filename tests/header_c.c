/*
 * seg.h is self-contained and plain C: this file includes it first (nothing
 * before it may supply a type it needs), twice (the include guard works), and
 * is compiled as C99 and as C11 with -pedantic -Werror (tests/meson.build).
 * It then uses the header's macros and a few functions so that the
 * declarations are exercised, not just parsed.
 */
#include "seg.h"
#include "seg.h"

#include <stdio.h>
#include <string.h>

int main(void)
{
    int failed = 0;
    char version[32];
    seg_kmeans *km = NULL;
    int64_t k = 0;

    snprintf(version, sizeof version, "%d.%d.%d", SEG_VERSION_MAJOR, SEG_VERSION_MINOR,
             SEG_VERSION_PATCH);
    if (seg_version_number() != (unsigned)SEG_VERSION_NUMBER ||
        strcmp(seg_version_string(), version) != 0) {
        printf("FAIL: header %s, library %s\n", version, seg_version_string());
        failed++;
    }
    if (seg_kmeans_new(&km) != SEG_OK || seg_kmeans_set_int(km, SEG_KMEANS_K, 3) != SEG_OK ||
        seg_kmeans_get_int(km, SEG_KMEANS_K, &k) != SEG_OK || k != 3) {
        printf("FAIL: k-means settings round trip: %s\n", seg_last_error());
        failed++;
    }
    if (seg_kmeans_set_int(km, SEG_KMEANS_K, 0) != SEG_ERR_INVALID_ARG) {
        printf("FAIL: k = 0 accepted\n");
        failed++;
    }
    seg_kmeans_free(km);
    printf("%d passed, %d failed\n", 2 - failed, failed);
    return failed != 0;
}
