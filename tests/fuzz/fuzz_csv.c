/*
 * libFuzzer target: the CSV reader with type inference, then the scaler and
 * a short k-means fit on whatever loads. The first input byte picks reader
 * options so that every mode is explored; the rest is the file.
 */
#include <seg.h>

#include <stdint.h>
#include <stdlib.h>

static void exercise(const seg_dataset *ds)
{
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    size_t n = seg_dataset_rows(ds);
    if (seg_scaler_new(&sc) < 0 || seg_scaler_fit(sc, ds) < 0)
        goto out;
    size_t d = seg_scaler_features(sc);
    if (n == 0 || d == 0 || n * d > 100000)
        goto out;
    double *x = malloc(n * d * sizeof *x);
    if (x && seg_scaler_transform_f64(sc, ds, x, n * d) == SEG_OK && seg_kmeans_new(&km) == SEG_OK) {
        seg_kmeans_set_int(km, SEG_KMEANS_K, n > 1 ? 2 : 1);
        seg_kmeans_set_int(km, SEG_KMEANS_MAX_ITER, 5);
        seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 1);
        if (seg_kmeans_fit_dataset(km, ds, sc, NULL, &m) == SEG_OK) {
            seg_predictor *p = NULL;
            int32_t *l = malloc(n * sizeof *l);
            if (l && seg_predictor_new(&p, m) == SEG_OK)
                seg_predictor_run_dataset(p, ds, l, NULL);
            seg_predictor_free(p);
            free(l);
        }
    }
    free(x);
out:
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int delims[4] = {0, ',', ';', '\t'};
    seg_csv_options *o = NULL;
    seg_dataset *ds = NULL;
    if (size < 1 || seg_csv_options_new(&o) < 0)
        return 0;
    uint8_t mode = data[0];
    seg_csv_options_set_int(o, SEG_CSV_DELIMITER, delims[mode & 3]);
    seg_csv_options_set_int(o, SEG_CSV_HEADER, !(mode & 4));
    seg_csv_options_set_int(o, SEG_CSV_DEFAULT_MISSING, !(mode & 8));
    seg_csv_options_set_int(o, SEG_CSV_MAX_FIELD, (mode & 16) ? 8 : 1 << 20);
    if (mode & 32)
        seg_csv_options_add_missing(o, "?");
    if (mode & 64)
        seg_csv_options_set_column_type(o, "a", (mode & 128) ? SEG_COLUMN_NUMERIC
                                                             : SEG_COLUMN_CATEGORICAL);
    if (seg_dataset_read_csv_memory(&ds, data + 1, size - 1, o) == SEG_OK)
        exercise(ds);
    seg_dataset_free(ds);
    seg_csv_options_free(o);
    return 0;
}
