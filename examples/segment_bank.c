/* Segment the customers of a CSV file and print each segment's size. */
#include <seg.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    const char *drop[] = {"y", "duration"};
    int rc;

    if (argc < 2) {
        fprintf(stderr, "usage: %s bank-full.csv [k]\n", argv[0]);
        return 2;
    }
    if ((rc = seg_dataset_read_csv(&ds, argv[1], NULL)) < 0 ||
        (rc = seg_dataset_drop(ds, drop, 2)) < 0 ||
        (rc = seg_scaler_new(&sc)) < 0 || (rc = seg_scaler_fit(sc, ds)) < 0 ||
        (rc = seg_kmeans_new(&km)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, argc > 2 ? atoi(argv[2]) : 6)) < 0 ||
        (rc = seg_kmeans_fit_dataset(km, ds, sc, NULL, &m)) < 0) {
        fprintf(stderr, "error: %s: %s\n", seg_strerror(rc), seg_last_error());
    } else {
        for (size_t j = 0; j < seg_model_k(m); j++)
            printf("segment %zu: %zu customers\n", j, seg_model_segment_size(m, j));
    }
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    return rc < 0;
}
