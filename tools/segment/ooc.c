/*
 * seg segment FILE.csv --memory BYTES: the file is read in chunks and never
 * held whole. Passes: the chunker's schema pass (column types), the scaler
 * pass (seg_scaler_stream), the fit (seg_minibatch_fit_chunks: sample,
 * updates, sizes; or seg_kmeans_fit_chunks with --exact: sample, then one
 * pass per Lloyd iteration), and with --assignments one more pass that
 * labels every row.
 *
 * What counts against BYTES (docs/out-of-core.md): the data the passes hold,
 * estimated from the file's shape before each phase -- the reader's buffer,
 * one chunk as a dataset (8 bytes per numeric value, a 4-byte code plus
 * about 48 bytes of level-table overhead per categorical value, the chunk's
 * text for level and id strings), the chunk's encoded features (twice for
 * the labelling pass: the predictor encodes its own copy), the scaler's
 * sketches and level tables, the start sample and the k x d centroid and
 * sum arrays, the outlier reference's sketches. Not counted: the program
 * and its libraries, and the memory the BLAS and OpenMP runtimes reserve for
 * their threads.
 */
#include <seg.h>

#include "cli.h"
#include "out.h"
#include "output.h"
#include "segment.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIB ((int64_t)1 << 20)
#define READER_BYTES (2 * MIB) /* the record reader's buffer, with room for long records */
#define SKETCH_BYTES                                                                               \
    (256 * 1024)       /* one numeric column's quantile sketch (measured: tests/test_ooc.c) */
#define LEVEL_BYTES 64 /* a level in the scaler's table: text and overhead */
#define MIN_CHUNK_ROWS 1024
#define MAX_SAMPLE_ROWS 65536

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One line on stderr per phase: passes over the file, time and throughput. */
typedef struct phase_clock {
    const opts *o;
    const seg_csv_chunker *ch;
    double t;
    int64_t passes;
} phase_clock;

static void phase_done(phase_clock *pc, const char *what)
{
    int64_t passes = 0, bytes = 0;
    double t = now(), dt = t - pc->t;
    seg_csv_chunker_get_int(pc->ch, SEG_CHUNKER_PASSES, &passes);
    seg_csv_chunker_get_int(pc->ch, SEG_CHUNKER_FILE_BYTES, &bytes);
    if (!pc->o->quiet)
        fprintf(stderr, "%s: %s: %lld pass%s, %.2f s, %.1f MB/s\n", progname, what,
                (long long)(passes - pc->passes), passes - pc->passes == 1 ? "" : "es", dt,
                dt > 0 ? (double)bytes * (double)(passes - pc->passes) / dt / 1e6 : 0.0);
    pc->t = t;
    pc->passes = passes;
}

/* The file's shape, as the chunker and the scaler settled it. */
typedef struct shape {
    int64_t rows, bytes, n_num, n_cat;
    double row_bytes; /* average bytes of text per row */
} shape;

static shape file_shape(const seg_csv_chunker *ch)
{
    shape s = {0};
    int64_t cols = 0;
    seg_csv_chunker_get_int(ch, SEG_CHUNKER_FILE_ROWS, &s.rows);
    seg_csv_chunker_get_int(ch, SEG_CHUNKER_FILE_BYTES, &s.bytes);
    seg_csv_chunker_get_int(ch, SEG_CHUNKER_COLUMNS, &cols);
    for (int64_t j = 0; j < cols; j++) {
        if (seg_csv_chunker_column_type(ch, (size_t)j) == SEG_COLUMN_NUMERIC)
            s.n_num++;
        else
            s.n_cat++;
    }
    s.row_bytes = s.rows > 0 && s.bytes > 0 ? (double)s.bytes / (double)s.rows : 256;
    return s;
}

/* Bytes one row of a chunk costs as a dataset. */
static double chunk_row_bytes(const shape *s, bool id)
{
    return 8.0 * (double)s->n_num + 52.0 * (double)s->n_cat + s->row_bytes +
           (id ? 24.0 + s->row_bytes : 0.0);
}

static int too_small(const opts *o, const char *phase, double need)
{
    fprintf(stderr,
            "%s: --memory %lld bytes is too small for %s of %s: it needs at least %.0f bytes "
            "(%.1f MiB) to hold %d rows at a time; see docs/out-of-core.md\n",
            progname, (long long)o->memory, phase, o->file, ceil(need), need / (double)MIB,
            MIN_CHUNK_ROWS);
    return EXIT_USAGE;
}

/* Rows per chunk for the scaler pass, or 0 after printing why none fit. */
static int64_t plan_scaler(const opts *o, const shape *s)
{
    double fixed = READER_BYTES + (double)s->n_num * SKETCH_BYTES +
                   (double)s->n_cat * 1000.0 * (LEVEL_BYTES + 16);
    double per = chunk_row_bytes(s, o->id != NULL) + 8.0;
    double rows = floor(((double)o->memory - fixed) / per);
    if (rows < MIN_CHUNK_ROWS) {
        too_small(o, "the scaler pass", fixed + per * MIN_CHUNK_ROWS);
        return 0;
    }
    return rows > INT32_MAX ? INT32_MAX : (int64_t)rows;
}

/* Rows per chunk and sample rows for the fit and labelling passes. */
static int plan_fit(const opts *o, const shape *s, size_t d, size_t block, int64_t *chunk,
                    size_t *sample)
{
    const double k = (double)o->k, dd = (double)d;
    const double per_sample = 2.0 * (8.0 * dd + 32.0);
    double fixed =
        READER_BYTES + 8.0 * 8.0 * k * dd + 8.0 * (double)block * k + 2 * MIB + k * SKETCH_BYTES;
    double want = fmin((double)s->rows, fmax(10000.0, 100.0 * k));
    double cap = floor((double)o->memory / 4.0 / per_sample);
    double smp = fmin(fmin(want, cap), MAX_SAMPLE_ROWS);
    double per = chunk_row_bytes(s, o->id != NULL) + 16.0 * dd + 12.0;
    double min_rows = fmax((double)block, MIN_CHUNK_ROWS);
    if (smp < fmin((double)s->rows, 10.0 * k))
        return too_small(o, "the k-means start sample",
                         fixed + per * min_rows + per_sample * fmin((double)s->rows, 10.0 * k) * 4);
    double rows = floor(((double)o->memory - fixed - smp * per_sample) / per);
    rows = floor(rows / (double)block) * (double)block;
    if (rows < min_rows)
        return too_small(o, "the k-means passes", fixed + smp * per_sample + per * min_rows);
    *chunk = rows > INT32_MAX ? INT32_MAX : (int64_t)rows;
    *sample = (size_t)smp;
    return 0;
}

/* Options that need every row in memory, or make no sense with chunks. */
int segment_ooc_check(const opts *o)
{
    const char *bad = o->weight                        ? "--weight"
                      : o->target                      ? "--target"
                      : o->report                      ? "--report"
                      : o->describe                    ? "--describe"
                      : o->keep                        ? "--keep"
                      : o->features                    ? "--features"
                      : o->min_segment_size            ? "--min-segment-size"
                      : ends_with(o->file, ".npy")     ? "a .npy FILE"
                      : strcmp(o->method, "ward") == 0 ? "--method ward"
                      : strcmp(o->dtype, "f32") == 0   ? "--dtype f32"
                      : o->n_init > 1                  ? "--n-init above 1"
                                                       : NULL;
    if (bad)
        return usage_error("segment ",
                           "--memory does not support %s (it needs every row in "
                           "memory or is not implemented for chunks)",
                           bad);
    if (!o->k_given)
        return usage_error("segment ", "%s",
                           "--memory needs --k (choosing k by a sweep needs the rows in memory)");
    if (o->exact && strcmp(o->method, "minibatch") == 0)
        return usage_error("segment ", "%s",
                           "--exact is Lloyd k-means: not with --method minibatch");
    return 0;
}

/* id, drop and select choices, as shape_columns() makes them in memory. */
static int choose_columns(const opts *o, seg_csv_chunker *ch)
{
    int rc = 0;
    if (o->id && (rc = seg_csv_chunker_set_id_column(ch, o->id)) < 0)
        return rc;
    const char *lists[2] = {o->drop, o->columns};
    for (int which = 0; which < 2 && rc == 0; which++) {
        size_t n;
        char **v;
        if (!lists[which])
            continue;
        if (!(v = split_list(lists[which], &n)))
            return SEG_ERR_NOMEM;
        /* The id column is set aside before the select: --columns naming it
         * keeps it as the id. */
        size_t kept = 0;
        for (size_t i = 0; i < n; i++)
            if (which == 0 || !o->id || strcmp(v[i], o->id) != 0)
                v[kept++] = v[i];
        if (kept)
            rc = which == 0 ? seg_csv_chunker_drop(ch, (const char *const *)v, kept)
                            : seg_csv_chunker_select(ch, (const char *const *)v, kept);
        free(v);
    }
    return rc;
}

static int fit_scaler(seg_csv_chunker *ch, seg_scaler *sc)
{
    seg_scaler_stream *ss = NULL;
    seg_dataset *ds = NULL;
    int rc;
    if ((rc = seg_scaler_stream_begin(&ss, sc)) < 0 || (rc = seg_csv_chunker_rewind(ch)) < 0)
        goto done;
    while ((rc = seg_csv_chunker_next(ch, &ds)) > 0) {
        rc = seg_scaler_stream_add(ss, ds);
        seg_dataset_free(ds);
        if (rc < 0)
            goto done;
    }
    if (rc == 0)
        rc = seg_scaler_stream_finish(ss, sc);
done:
    seg_scaler_stream_free(ss);
    return rc;
}

/* The labelling pass: id,segment,distance per row to f, as write_assignments.
 * A library status; *io_failed set when a write to f failed (errno set). */
static int write_assignments_chunked(FILE *f, seg_csv_chunker *ch, const seg_model *m,
                                     int *io_failed)
{
    seg_predictor *p = NULL;
    seg_dataset *ds = NULL;
    int32_t *labels = NULL;
    double *dist = NULL;
    size_t row = 0;
    int rc;
    if ((rc = seg_predictor_new(&p, m)) < 0 || (rc = seg_csv_chunker_rewind(ch)) < 0)
        goto done;
    fputs("id,segment,distance\n", f);
    while ((rc = seg_csv_chunker_next(ch, &ds)) > 0) {
        const size_t n = seg_dataset_rows(ds);
        const bool has_id = seg_dataset_id_name(ds) != NULL;
        int32_t *l2 = realloc(labels, n * sizeof *labels);
        double *d2 = l2 ? realloc(dist, n * sizeof *dist) : NULL;
        labels = l2 ? l2 : labels;
        dist = d2 ? d2 : dist;
        if (!l2 || !d2)
            rc = SEG_ERR_NOMEM;
        else
            rc = seg_predictor_run_dataset(p, ds, labels, dist);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (has_id) {
                const char *id = seg_dataset_id(ds, i);
                write_id(f, id ? id : "");
            } else {
                fprintf(f, "%zu", row + i + 1);
            }
            fprintf(f, ",%d,%.9g\n", (int)labels[i], dist[i]);
        }
        row += n;
        seg_dataset_free(ds);
        if (rc < 0)
            goto done;
        if (ferror(f)) {
            *io_failed = 1;
            goto done;
        }
    }
done:
    if (ferror(f))
        *io_failed = 1;
    seg_predictor_free(p);
    free(labels);
    free(dist);
    return rc;
}

static void print_summary(const opts *o, const seg_model *m, const seg_scaler *sc,
                          int64_t chunk_rows, size_t sample)
{
    const size_t k = seg_model_k(m), n = seg_model_rows(m), d = seg_model_dim(m);
    const char *method = o->exact ? "lloyd" : "minibatch";
    if (o->json) {
        printf("{\n  \"file\": ");
        json_string(stdout, o->file);
        printf(",\n  \"memory\": %lld,\n  \"chunk_rows\": %lld,\n  \"sample_rows\": %zu",
               (long long)o->memory, (long long)chunk_rows, sample);
        printf(",\n  \"method\": \"%s\",\n  \"rows\": %zu,\n  \"k\": %zu,\n  \"inertia\": ", method,
               n, k);
        json_number(stdout, seg_model_inertia(m));
        printf(",\n  \"iterations\": %lld,\n  \"converged\": %s,\n  \"sizes\": [",
               (long long)seg_model_iterations(m), seg_model_converged(m) ? "true" : "false");
        for (size_t j = 0; j < k; j++)
            printf("%s%zu", j ? ", " : "", seg_model_segment_size(m, j));
        printf("],\n  \"features\": [");
        for (size_t j = 0; j < d; j++) {
            printf("%s", j ? ", " : "");
            json_string(stdout, seg_scaler_feature_name(sc, j));
        }
        printf("]\n}\n");
        return;
    }
    printf("%s: %zu customers read in chunks of %lld rows (--memory %lld)\n", o->file, n,
           (long long)chunk_rows, (long long)o->memory);
    printf("%s k-means, k = %zu, %zu features: inertia %.6g, %lld %s%s\n",
           o->exact ? "exact (Lloyd)" : "mini-batch", k, d, seg_model_inertia(m),
           (long long)seg_model_iterations(m), o->exact ? "iterations" : "chunks",
           o->exact ? (seg_model_converged(m) ? ", converged" : ", not converged") : "");
    printf("segment      size   share\n");
    for (size_t j = 0; j < k; j++) {
        size_t sz = seg_model_segment_size(m, j);
        printf("%7zu %9zu %6.1f%%\n", j, sz, n ? 100.0 * (double)sz / (double)n : 0.0);
    }
}

/* The file's columns the fit did not use (the id, those dropped or not named
 * in --columns), recorded in the model with why, as the in-memory run does. */
static int record_unused_columns(const opts *o, const seg_csv_chunker *ch, const seg_scaler *sc,
                                 seg_model *m)
{
    int64_t cols = 0;
    int rc = seg_csv_chunker_get_int(ch, SEG_CHUNKER_COLUMNS, &cols);
    if (rc < 0)
        return rc;
    char **unused = malloc((cols ? (size_t)cols : 1) * sizeof *unused);
    if (!unused)
        return SEG_ERR_NOMEM;
    const size_t d = seg_scaler_features(sc);
    size_t n = 0;
    for (size_t j = 0; j < (size_t)cols; j++) {
        const char *name = seg_csv_chunker_column_name(ch, j);
        size_t f = 0;
        while (f < d && strcmp(seg_scaler_feature_column(sc, f), name) != 0)
            f++;
        if (f == d)
            unused[n++] = (char *)name;
    }
    rc = record_left_out(o, NULL, unused, n, m);
    free(unused);
    return rc;
}

int run_segment_ooc(const opts *o, const segment_settings *st, outputs *out)
{
    seg_csv_chunker *ch = NULL;
    seg_scaler *sc = st->scaler;
    seg_minibatch *mb = NULL;
    seg_model *m = NULL;
    int64_t chunk = 0;
    size_t sample = 0;
    int rc, status = EXIT_DATA, io_failed = 0, saved;
    const char *stage = "reading data";
    phase_clock pc = {o, NULL, now(), 0};

    if ((rc = seg_csv_chunker_open(&ch, o->file, st->csv)) < 0)
        goto fail;
    pc.ch = ch;
    phase_done(&pc, "column types");
    stage = "choosing columns";
    if ((rc = choose_columns(o, ch)) < 0)
        goto fail;
    shape fs = file_shape(ch);
    if ((chunk = plan_scaler(o, &fs)) == 0) {
        status = EXIT_USAGE;
        goto out;
    }
    stage = "fitting the scaler";
    if ((rc = seg_csv_chunker_set_int(ch, SEG_CHUNKER_ROWS, chunk)) < 0 ||
        (rc = fit_scaler(ch, sc)) < 0)
        goto fail;
    phase_done(&pc, "scaler");
    {
        const size_t d = seg_scaler_features(sc);
        double *zero = calloc((size_t)o->k * d, sizeof *zero);
        seg_lloyd_pass *probe = NULL;
        size_t block = 0;
        if (!zero) {
            rc = SEG_ERR_NOMEM;
            goto fail;
        }
        rc = seg_lloyd_pass_new(&probe, zero, (size_t)o->k, d);
        block = seg_lloyd_pass_block(probe);
        seg_lloyd_pass_free(probe);
        free(zero);
        if (rc < 0)
            goto fail;
        if ((status = plan_fit(o, &fs, d, block, &chunk, &sample)) != 0)
            goto out;
        status = EXIT_DATA;
    }
    if (!o->quiet)
        fprintf(stderr, "%s: %s: %lld rows; %lld rows per chunk, %zu rows sampled for the start\n",
                progname, o->file, (long long)fs.rows, (long long)chunk, sample);
    stage = "fitting k-means";
    if ((rc = seg_csv_chunker_set_int(ch, SEG_CHUNKER_ROWS, chunk)) < 0)
        goto fail;
    if (o->exact) {
        rc = seg_kmeans_fit_chunks(st->kmeans, ch, sc, sample, &m);
    } else {
        if ((rc = seg_minibatch_new(&mb)) < 0 ||
            (rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_K, o->k)) < 0 ||
            (rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_SEED, o->seed)) < 0 ||
            (rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_BATCH_SIZE, o->batch_size)) < 0)
            goto fail;
        rc = seg_minibatch_fit_chunks(mb, ch, sc, sample, (uint64_t)o->seed, &m);
    }
    if (rc < 0)
        goto fail;
    phase_done(&pc, o->exact ? "sample and Lloyd iterations" : "sample, mini-batches and sizes");
    if ((rc = record_unused_columns(o, ch, sc, m)) < 0)
        goto fail;
    if (o->model && (status = outputs_write_model(out, o->model, m)) != 0)
        goto out;
    status = EXIT_DATA;
    stage = "writing assignments";
    if (o->assignments) {
        FILE *f = outputs_open(out, o->assignments);
        rc = f ? write_assignments_chunked(f, ch, m, &io_failed) : 0;
        if (rc < 0) {
            outputs_abort(out);
            goto fail;
        }
        if ((status = outputs_finish(out, f, f && !io_failed)) != 0)
            goto out;
        phase_done(&pc, "assignments");
    }
    /* With "--assignments -" the summary goes to stderr. */
    if (summary_to_stderr(outputs_to_stdout(out), &saved))
        print_summary(o, m, sc, chunk, sample);
    summary_restore(saved);
    status = outputs_commit(out);
    goto out;
fail:
    status = lib_error(stage, rc);
out:
    seg_model_free(m);
    seg_minibatch_free(mb);
    seg_csv_chunker_free(ch);
    return status;
}
