/*
 * Real-time scoring: fit segments on a training CSV, then read customer
 * records one line at a time (CSV with the training header first), print
 * each one's segment, distance, outlier score and flag as soon as it is read,
 * and every N records fold the records seen into a new model with
 * seg_minibatch_partial_fit_f64() (the old model keeps serving until the
 * new one is ready; models are immutable).
 *
 * Usage: stream_score TRAIN.csv [N [RECORDS.csv]]   (RECORDS: stdin by default)
 */
#include <seg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(int rc)
{
    fprintf(stderr, "error: %s: %s\n", seg_strerror(rc), seg_last_error());
    return 1;
}

/* One record line as a dataset, parsed with the training columns' types. */
static int parse_record(const seg_dataset *train, const char *header, const char *line,
                        seg_dataset **out)
{
    seg_csv_options *co = NULL;
    size_t hl = strlen(header), ll = strlen(line);
    char *text = malloc(hl + ll + 1);
    int rc = text ? seg_csv_options_new(&co) : SEG_ERR_NOMEM;
    for (size_t j = 0; rc == 0 && j < seg_dataset_columns(train); j++)
        rc = seg_csv_options_set_column_type(co, seg_dataset_column_name(train, j),
                                             seg_dataset_column_type(train, j));
    if (rc == 0) {
        memcpy(text, header, hl);
        memcpy(text + hl, line, ll + 1);
        rc = seg_dataset_read_csv_memory(out, text, hl + ll, co);
    }
    seg_csv_options_free(co);
    free(text);
    return rc;
}

int main(int argc, char **argv)
{
    seg_dataset *train = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_minibatch *mb = NULL;
    seg_model *m = NULL;
    seg_predictor *p = NULL;
    double *pending = NULL;
    FILE *in = stdin;
    char header[8192], line[8192];
    size_t n_pending = 0, seen = 0, flagged = 0, updates = 0;
    int rc = 0, status = 1;

    if (argc < 2) {
        fprintf(stderr, "usage: %s TRAIN.csv [N [RECORDS.csv]]\n", argv[0]);
        return 2;
    }
    const size_t every = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100;
    if (argc > 3 && !(in = fopen(argv[3], "r"))) {
        perror(argv[3]);
        return 1;
    }
    if ((rc = seg_dataset_read_csv(&train, argv[1], NULL)) < 0 || (rc = seg_scaler_new(&sc)) < 0 ||
        (rc = seg_scaler_fit(sc, train)) < 0 || (rc = seg_kmeans_new(&km)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 4)) < 0 ||
        (rc = seg_kmeans_fit_dataset(km, train, sc, NULL, &m)) < 0 ||
        (rc = seg_predictor_new(&p, m)) < 0 || (rc = seg_minibatch_new(&mb)) < 0 ||
        (rc = seg_minibatch_set_double(mb, SEG_MINIBATCH_FORGET, 0.01)) < 0)
        goto done;
    const size_t d = seg_scaler_features(sc);
    if (!every || !(pending = malloc(every * d * sizeof *pending)) || !fgets(header, sizeof header, in))
        goto done;
    printf("record,segment,distance,outlier_score,flag\n");
    while (fgets(line, sizeof line, in)) {
        seg_dataset *rec = NULL;
        double *x = pending + n_pending * d, dist, score;
        int32_t label;
        uint8_t flag;
        if ((rc = parse_record(train, header, line, &rec)) < 0 ||
            (rc = seg_scaler_transform_f64(sc, rec, x, d)) < 0 ||
            (rc = seg_predictor_run_f64(p, x, 1, d, &label, &dist)) < 0 ||
            (rc = seg_model_outlier_scores(m, &label, &dist, 1, SEG_OUTLIER_THRESHOLD_DEFAULT,
                                           &score, &flag)) < 0) {
            seg_dataset_free(rec);
            goto done;
        }
        seg_dataset_free(rec);
        printf("%zu,%d,%.6f,%.4f,%d\n", ++seen, (int)label, dist, score, (int)flag);
        fflush(stdout); /* each answer leaves at once */
        flagged += flag;
        if (++n_pending == every) {
            seg_model *next = NULL;
            if ((rc = seg_minibatch_partial_fit_f64(mb, m, pending, n_pending, d, &next)) < 0)
                goto done;
            seg_predictor_free(p);
            seg_model_free(m);
            m = next;
            p = NULL;
            if ((rc = seg_predictor_new(&p, m)) < 0)
                goto done;
            n_pending = 0;
            updates++;
        }
    }
    fprintf(stderr, "%zu records, %zu flagged, %zu model updates\n", seen, flagged, updates);
    status = 0;
done:
    if (rc < 0)
        status = fail(rc);
    if (in != stdin)
        fclose(in);
    free(pending);
    seg_predictor_free(p);
    seg_model_free(m);
    seg_minibatch_free(mb);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(train);
    return status;
}
