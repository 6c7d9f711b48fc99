/*
 * libFuzzer target: the .npy reader. The reader takes a path, so each input
 * is written to a private file under /dev/shm (or $TMPDIR) first.
 */
#include <seg.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char path[256];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    seg_dataset *ds = NULL;
    if (!path[0]) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(path, sizeof path, "%s/seg-fuzz-npy-%ld.npy", dir, (long)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    if (seg_dataset_read_npy(&ds, path) == SEG_OK) {
        size_t n = seg_dataset_rows(ds), d = seg_dataset_columns(ds);
        if (n * d <= 1000000) {
            double *x = malloc(n * d * sizeof *x + 1);
            if (x)
                seg_dataset_copy_f64(ds, x, n * d);
            free(x);
        }
    }
    seg_dataset_free(ds);
    return 0;
}
