/*
 * libFuzzer target: the two CSV readers on the same bytes. The input is
 * written to a file and read whole (seg_dataset_read_csv) and through the
 * chunked record stream (seg_csv_chunker, the reader behind --memory and seg
 * rfm) with a small window so records straddle refills; any difference in
 * status, error position (FILE:LINE:FIELD) or values aborts (csv_diff.h).
 * The first byte picks options and the window.
 */
#define CSV_DIFF_NO_GENERATOR
#include "../csv_diff.h"

#include <stdlib.h>
#include <unistd.h>

static char path[256];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    seg_csv_options *o = NULL;
    if (size < 1)
        return 0;
    if (!path[0]) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(path, sizeof path, "%s/seg-fuzz-csvdiff-%ld.csv", dir, (long)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    uint8_t mode = data[0];
    if (seg_csv_options_new(&o) < 0)
        return 0;
    if (mode & 1)
        seg_csv_options_set_int(o, SEG_CSV_HEADER, 0);
    if (mode & 2)
        seg_csv_options_set_int(o, SEG_CSV_MAX_FIELD, 16);
    if (mode & 4)
        seg_csv_options_set_int(o, SEG_CSV_MAX_COLUMNS, 4);
    if (mode & 8)
        seg_csv_options_set_column_type(o, "a", SEG_COLUMN_NUMERIC);
    size_t window = (mode >> 4) == 15 ? CSV_STREAM_WINDOW : 1 + (size_t)(mode >> 4) * 3;
    const char *diff = csv_diff(path, o, window);
    seg_csv_options_free(o);
    if (diff) {
        fprintf(stderr, "the CSV readers disagree: %s\n", diff);
        abort();
    }
    return 0;
}
