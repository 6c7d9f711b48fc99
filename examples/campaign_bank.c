/*
 * The analyst's flow through the C API: choose k with a sweep, fit, read
 * each segment's label and profile, measure a campaign outcome per segment,
 * and keep the model (here in memory; seg_model_save() writes a file).
 *
 *   campaign_bank BANK.csv
 */
#include <seg.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(int rc)
{
    fprintf(stderr, "error: %s: %s\n", seg_strerror(rc), seg_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_sweep *sw = NULL;
    seg_model *m = NULL, *again = NULL;
    seg_campaign *camp = NULL;
    int8_t *outcome = NULL;
    int32_t *labels = NULL;
    double *x = NULL;
    void *bytes = NULL;
    const char *leave_out[] = {"y"}; /* the outcome */
    /* The last contact of the campaign: profiled per segment, not clustered
     * (segments describe customers; duration is known only after the call). */
    const char *contact[] = {"contact", "day",      "month",    "campaign",
                             "pdays",   "previous", "poutcome", "duration"};
    size_t n, d, k, size;
    int rc, status = 1;

    if (argc < 2) {
        fprintf(stderr, "usage: %s BANK.csv\n", argv[0]);
        return 2;
    }
    /* Data: the outcome is read aside, then kept out of the features. */
    if ((rc = seg_dataset_read_csv(&ds, argv[1], NULL)) < 0)
        goto error;
    n = seg_dataset_rows(ds);
    outcome = malloc(n);
    labels = malloc(n * sizeof *labels);
    if (!outcome || !labels)
        goto out;
    if ((rc = seg_dataset_get_outcome(ds, "y", outcome, n)) < 0 ||
        (rc = seg_dataset_drop(ds, leave_out, 1)) < 0)
        goto error;
    for (size_t c = 0; c < sizeof contact / sizeof contact[0]; c++)
        if ((rc = seg_dataset_set_described_column(ds, contact[c])) < 0)
            goto error;
    if ((rc = seg_scaler_new(&sc)) < 0 || (rc = seg_scaler_fit(sc, ds)) < 0)
        goto error;

    /* Choose k on the scaled matrix, transformed once. */
    d = seg_scaler_features(sc);
    if (!(x = malloc(n * d * sizeof *x)))
        goto out;
    if ((rc = seg_scaler_transform_f64(sc, ds, x, n * d)) < 0 || (rc = seg_kmeans_new(&km)) < 0 ||
        (rc = seg_sweep_new(&sw)) < 0 || (rc = seg_sweep_set_int(sw, SEG_SWEEP_K_MAX, 6)) < 0 ||
        (rc = seg_sweep_run_f64(sw, km, x, n, d, NULL)) < 0 || (rc = seg_sweep_chosen(sw, &k)) < 0)
        goto error;
    printf("chosen k = %zu\n", k);

    /* Fit the matrix at hand (no second encoding); the model keeps the
     * scaler and the segment profiles. */
    if ((rc = seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k)) < 0 ||
        (rc = seg_kmeans_fit_encoded_f64(km, ds, sc, x, n, d, labels, NULL, &m)) < 0)
        goto error;

    /* Conversion of 'y' per segment. */
    if ((rc = seg_campaign_new(&camp)) < 0 ||
        (rc = seg_campaign_compute(camp, labels, n, k, outcome, NULL)) < 0)
        goto error;
    for (size_t j = 0; j < k; j++) {
        double rate, lo, hi, lift;
        seg_campaign_segment_stat(camp, j, SEG_CAMPAIGN_RATE, &rate);
        seg_campaign_segment_stat(camp, j, SEG_CAMPAIGN_RATE_LOW, &lo);
        seg_campaign_segment_stat(camp, j, SEG_CAMPAIGN_RATE_HIGH, &hi);
        seg_campaign_segment_stat(camp, j, SEG_CAMPAIGN_LIFT, &lift);
        printf("segment %zu: %zu customers, conversion %.1f %% (%.1f .. %.1f), lift %.2f: %s\n",
               j, seg_model_segment_size(m, j), 100 * rate, 100 * lo, 100 * hi, lift,
               seg_model_segment_label(m, j));
    }

    /* Keep the model: size query, then write; and load it back. */
    if ((rc = seg_model_save_mem(m, NULL, 0, &size)) < 0)
        goto error;
    if (!(bytes = malloc(size)))
        goto out;
    if ((rc = seg_model_save_mem(m, bytes, size, &size)) < 0 ||
        (rc = seg_model_load_mem(&again, bytes, size)) < 0)
        goto error;
    printf("model: %zu bytes, reloaded with k = %zu\n", size, seg_model_k(again));
    status = 0;
    goto out;
error:
    status = fail(rc);
out:
    free(bytes);
    free(x);
    free(labels);
    free(outcome);
    seg_model_free(again);
    seg_campaign_free(camp);
    seg_model_free(m);
    seg_sweep_free(sw);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    return status;
}
