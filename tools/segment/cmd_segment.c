/*
 * seg segment [FILE] [options]: load -> scale -> k-means -> summary.
 *
 * The top of the command (segment.h draws the layers): the options and
 * their checks, the library settings they make, the dispatch to the
 * --memory path (ooc.c) and the in-memory path, run_segment(), which hands
 * --method ward to ward.c once the data are scaled.
 */
#include <seg.h>

#include "cli.h"
#include "fairness.h"
#include "out.h"
#include "output.h"
#include "explain.h"
#include "ward.h"
#include "kproto.h"
#include "gmm.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment.h"
#include "explain.h"

static int force_categorical(void *o, const char *c)
{
    return seg_csv_options_set_column_type(o, c, SEG_COLUMN_CATEGORICAL);
}

static int force_numeric(void *o, const char *c)
{
    return seg_csv_options_set_column_type(o, c, SEG_COLUMN_NUMERIC);
}

static int add_missing(void *o, const char *c)
{
    return seg_csv_options_add_missing(o, c);
}

static int set_log1p(void *o, const char *c)
{
    return seg_scaler_set_column_int(o, c, SEG_SCALER_COLUMN_LOG1P, 1);
}

int segment_csv_options(const opts *o, seg_csv_options **out)
{
    seg_csv_options *co = NULL;
    int rc;
    if ((rc = seg_csv_options_new(&co)) < 0)
        return rc;
    if (o->delimiter)
        rc = seg_csv_options_set_int(co, SEG_CSV_DELIMITER, o->delimiter);
    /* Ids keep their spelling ("007"). */
    if (rc == 0 && o->id)
        rc = seg_csv_options_set_column_type(co, o->id, SEG_COLUMN_CATEGORICAL);
    if (rc == 0 && o->categorical)
        rc = for_each_item(o->categorical, co, force_categorical);
    if (rc == 0 && o->numeric)
        rc = for_each_item(o->numeric, co, force_numeric);
    if (rc == 0 && o->missing)
        rc = for_each_item(o->missing, co, add_missing);
    if (rc < 0)
        seg_csv_options_free(co);
    else
        *out = co;
    return rc;
}

static int load(const opts *o, seg_dataset **ds)
{
    seg_csv_options *co = NULL;
    int rc;

    if (ends_with(o->file, ".npy"))
        return seg_dataset_read_npy(ds, o->file);
    if ((rc = segment_csv_options(o, &co)) < 0)
        return rc;
    rc = read_table_csv(ds, o->file, co);
    seg_csv_options_free(co);
    return rc;
}

/* The input's column names before any role takes one (freed by the caller). */
static char **column_names(const seg_dataset *ds, size_t *n)
{
    *n = seg_dataset_columns(ds);
    char **v = calloc(*n ? *n : 1, sizeof *v);
    for (size_t j = 0; v && j < *n; j++)
        if (!(v[j] = strdup(seg_dataset_column_name(ds, j)))) {
            while (j-- > 0)
                free(v[j]);
            free(v);
            return NULL;
        }
    return v;
}

/* Why an input column is not among the model's profiled columns. */
static const char *left_out_reason(const opts *o, const left_out *lo, const char *name,
                                   char *buf, size_t len)
{
    for (size_t i = 0; lo && i < lo->n; i++)
        if (strcmp(lo->names[i], name) == 0) {
            snprintf(buf, len, "looks like %s (--keep clusters on it)",
                     identifier_reason(lo->kind[i]));
            return buf;
        }
    if (o->id && strcmp(o->id, name) == 0)
        return "the row id (--id)";
    if (o->weight && strcmp(o->weight, name) == 0)
        return "the row weight (--weight)";
    if (o->target && strcmp(o->target, name) == 0)
        return "the outcome (--target): measured per segment, never clustered";
    if (o->control && strcmp(o->control, name) == 0)
        return "the control-group flag (--control)";
    if (o->protected_cols && list_contains(o->protected_cols, name))
        return "protected (--protected): read only for the fairness report, never clustered";
    if (o->opt_out && strcmp(o->opt_out, name) == 0)
        return "the opt-out flag (--opt-out)";
    if (o->columns && !list_contains(o->columns, name))
        return "not named in --columns";
    return "dropped (--drop)";
}

int record_left_out(const opts *o, const left_out *lo, char *const *names, size_t n,
                    seg_model *m)
{
    const size_t cols = seg_model_profile_columns(m);
    char buf[160];
    for (size_t j = 0; j < n; j++) {
        bool kept = false;
        for (size_t c = 0; c < cols && !kept; c++)
            kept = strcmp(seg_model_profile_column_name(m, c), names[j]) == 0;
        if (kept)
            continue;
        int rc = seg_model_add_left_out(m, names[j], left_out_reason(o, lo, names[j], buf,
                                                                     sizeof buf));
        if (rc < 0)
            return rc;
    }
    return SEG_OK;
}

/* Read a yes/no column into *out (n values) and take it out of the features. */
static int take_outcome(seg_dataset *ds, const char *name, int8_t **out)
{
    const size_t n = seg_dataset_rows(ds);
    int rc;
    if (!(*out = malloc(n ? n : 1)))
        return SEG_ERR_NOMEM;
    if ((rc = seg_dataset_get_outcome(ds, name, *out, n)) < 0)
        return rc;
    return seg_dataset_drop(ds, &name, 1);
}

/* Whether name is the column of a role other than feature: --id, --weight,
 * --target, --control, --opt-out, or one of --describe or --protected. */
static bool has_role(const opts *o, const char *name)
{
    const char *single[] = {o->id, o->weight, o->target, o->control, o->opt_out};
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
        if (single[i] && strcmp(single[i], name) == 0)
            return true;
    return list_contains(o->describe, name) || list_contains(o->protected_cols, name);
}

static int describe_column(void *ds, const char *name)
{
    return seg_dataset_set_described_column(ds, name);
}

/* Id column, weights, outcome columns, described columns, then the feature
 * columns. A column in a role has left the features already: a --columns
 * that names it keeps it in that role, and a --drop that names the target
 * or control is satisfied. */
static int shape_columns(const opts *o, seg_dataset *ds, int8_t **outcome, int8_t **control,
                         fair_data *fair)
{
    int rc = 0;
    if (o->id && (rc = seg_dataset_set_id_column(ds, o->id)) < 0)
        return rc;
    if (o->weight && (rc = seg_dataset_set_weight_column(ds, o->weight)) < 0)
        return rc;
    if (o->target && (rc = take_outcome(ds, o->target, outcome)) < 0)
        return rc;
    if (o->control && (rc = take_outcome(ds, o->control, control)) < 0)
        return rc;
    /* Protected and opt-out columns leave before any feature is chosen. */
    if ((o->protected_cols || o->opt_out) &&
        (rc = fair_take(fair, ds, o->protected_cols, o->protected_bins, o->opt_out,
                        o->min_segment_size, true)) != 0)
        return rc;
    if (o->describe && (rc = for_each_item(o->describe, ds, describe_column)) < 0)
        return rc;
    return segment_select_columns(o, ds, NULL, 0);
}

int segment_select_columns(const opts *o, seg_dataset *ds, const char *const *stay,
                           size_t n_stay)
{
    int rc = 0;
    const char *lists[2] = {o->drop, o->columns};
    for (int which = 0; which < 2 && rc == 0; which++) {
        size_t n, kept = 0;
        char **v;
        if (!lists[which])
            continue;
        if (!(v = split_list(lists[which], &n)))
            return SEG_ERR_NOMEM;
        for (size_t i = 0; i < n; i++)
            if (which == 1 ? !has_role(o, v[i])
                           : ((!o->target || strcmp(v[i], o->target) != 0) &&
                              (!o->control || strcmp(v[i], o->control) != 0) &&
                              (!o->opt_out || strcmp(v[i], o->opt_out) != 0) &&
                              !list_contains(o->protected_cols, v[i])))
                v[kept++] = v[i];
        if (which == 1 && kept == 0) {
            free(v);
            fprintf(stderr, "%s: --columns names no column to cluster on, only columns in other "
                            "roles (--id, --weight, --target, --control, --describe)\n",
                    progname);
            return USAGE_CONFLICT;
        }
        const char **sel = (const char **)v;
        if (which == 1 && n_stay) { /* the named columns, then the ones that stay */
            if (!(sel = malloc((kept + n_stay) * sizeof *sel))) {
                free(v);
                return SEG_ERR_NOMEM;
            }
            for (size_t i = 0; i < kept + n_stay; i++)
                sel[i] = i < kept ? v[i] : stay[i - kept];
            kept += n_stay;
        }
        if (kept)
            rc = which == 0 ? seg_dataset_drop(ds, sel, kept) : seg_dataset_select(ds, sel, kept);
        if (sel != (const char **)v)
            free(sel);
        free(v);
    }
    return rc;
}

static void left_out_free(left_out *lo)
{
    for (size_t i = 0; i < lo->n; i++)
        free(lo->names[i]);
    free(lo->names);
    free(lo->kind);
}

int segment_keep_check(const opts *o, const seg_dataset *ds)
{
    size_t n;
    char **keep = o->keep ? split_list(o->keep, &n) : NULL;
    if (o->keep && !keep)
        return SEG_ERR_NOMEM;
    for (size_t i = 0; keep && i < n; i++) {
        size_t at;
        if (seg_dataset_column_index(ds, keep[i], &at) < 0) {
            fprintf(stderr, "%s: --keep %s: no feature column named '%s'\n", progname, keep[i],
                    keep[i]);
            free(keep);
            return USAGE_CONFLICT;
        }
    }
    free(keep);
    return 0;
}

int segment_all_identifiers(void)
{
    fprintf(stderr, "%s: every column looks like an identifier (row numbers or ids): name "
                    "the ones to cluster on with --keep\n",
            progname);
    return USAGE_CONFLICT;
}

void segment_identifier_warning(const char *name, seg_identifier_kind kind)
{
    fprintf(stderr,
            "%s: warning: left out column '%s', which looks like %s; --keep %s clusters on it\n",
            progname, name, identifier_reason(kind), name);
}

/* Leave out the feature columns that look like identifiers (row numbers,
 * ids) unless --keep names them, saying so on stderr (not with --quiet);
 * their names and kinds go to *lo for --json. 0, a library error, or
 * USAGE_CONFLICT after saying why. */
static int leave_out_identifiers(const opts *o, seg_dataset *ds, left_out *lo)
{
    const size_t d = seg_dataset_columns(ds);
    int rc = segment_keep_check(o, ds);
    if (rc != 0)
        return rc;
    if (!(lo->names = calloc(d ? d : 1, sizeof *lo->names)) ||
        !(lo->kind = calloc(d ? d : 1, sizeof *lo->kind)))
        return SEG_ERR_NOMEM;
    for (size_t j = 0; j < d; j++) {
        seg_identifier_kind kind = seg_dataset_column_identifier(ds, j);
        const char *name = seg_dataset_column_name(ds, j);
        if (kind == SEG_IDENTIFIER_NONE || list_contains(o->keep, name))
            continue;
        if (!(lo->names[lo->n] = strdup(name)))
            return SEG_ERR_NOMEM;
        lo->kind[lo->n++] = kind;
    }
    if (lo->n == 0)
        return 0;
    if (lo->n == d)
        return segment_all_identifiers();
    for (size_t i = 0; i < lo->n && !o->quiet; i++)
        segment_identifier_warning(lo->names[i], lo->kind[i]);
    return seg_dataset_drop(ds, (const char *const *)lo->names, lo->n);
}

static int scale_method(const char *s)
{
    if (strcmp(s, "standard") == 0)
        return SEG_SCALE_STANDARD;
    if (strcmp(s, "minmax") == 0)
        return SEG_SCALE_MINMAX;
    if (strcmp(s, "robust") == 0)
        return SEG_SCALE_ROBUST;
    if (strcmp(s, "none") == 0)
        return SEG_SCALE_NONE;
    return -1;
}

static int algorithm_code(const char *s)
{
    static const char *const names[] = {"lloyd", "hamerly", "elkan", "yinyang", "auto"};
    static const int codes[] = {SEG_ALGORITHM_LLOYD, SEG_ALGORITHM_HAMERLY, SEG_ALGORITHM_ELKAN,
                                SEG_ALGORITHM_YINYANG, SEG_ALGORITHM_AUTO};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0)
            return codes[i];
    return -1;
}

static int configure_kmeans(const opts *o, seg_kmeans *km)
{
    int rc = 0;
    if (strcmp(o->init, "kmeans++") == 0 || strcmp(o->init, "random") == 0 ||
        strcmp(o->init, "kmeans||") == 0 || kproto_wanted(o)) {
        rc = seg_kmeans_set_int(km, SEG_KMEANS_INIT,
                                o->init[0] == 'r'                 ? SEG_INIT_RANDOM
                                : strcmp(o->init, "kmeans||") == 0 ? SEG_INIT_KMEANS_PARALLEL
                                                                   : SEG_INIT_KMEANSPP);
        if (rc == 0)
            rc = seg_kmeans_set_int(km, SEG_KMEANS_K, o->k);
    } else {
        seg_dataset *c = NULL;
        double *buf = NULL;
        size_t k, cd;
        if ((rc = seg_dataset_read_npy(&c, o->init)) < 0)
            return rc;
        k = seg_dataset_rows(c);
        cd = seg_dataset_columns(c);
        if (o->k_given && (size_t)o->k != k) {
            seg_dataset_free(c);
            fprintf(stderr, "%s: --k %lld but %s holds %zu centroids\n", progname, (long long)o->k,
                    o->init, k);
            return USAGE_CONFLICT;
        }
        buf = malloc(k * cd * sizeof *buf);
        rc = buf ? seg_dataset_copy_f64(c, buf, k * cd) : SEG_ERR_NOMEM;
        if (rc == 0)
            rc = seg_kmeans_set_init_centroids_f64(km, buf, k, cd);
        free(buf);
        seg_dataset_free(c);
    }
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, o->n_init);
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_MAX_ITER, o->max_iter);
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_SEED, o->seed);
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_THREADS, o->threads);
    if (rc == 0)
        rc = seg_kmeans_set_double(km, SEG_KMEANS_TOL, o->tol);
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, algorithm_code(o->algorithm));
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_MIN_PROFILE_SIZE, o->min_segment_size);
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_DTYPE,
                                strcmp(o->dtype, "f32") == 0 ? SEG_DTYPE_F32 : SEG_DTYPE_F64);
    if (rc == 0)
        rc = capacity_configure(o, km);
    return rc;
}

static int quality(const opts *o, summary *s)
{
    const double *w = seg_dataset_weights(s->ds);
    const size_t ss = (size_t)o->silhouette_sample, n = s->n, d = s->d, k = s->k;
    const int32_t *lab = s->labels;
    int rc;
    s->silhouette = s->davies_bouldin = s->calinski_harabasz = NAN;
    if (k < 2)
        return 0;
    /* on --threads threads (seg_metrics_silhouette_* would take all cores) */
    const int32_t *const labs[1] = {lab};
    rc = s->f32 ? seg_metrics_silhouettes_threads_f32(s->x, n, d, labs, &k, 1, w, ss,
                                                      (uint64_t)o->seed, o->threads,
                                                      &s->silhouette)
                : seg_metrics_silhouettes_threads_f64(s->x, n, d, labs, &k, 1, w, ss,
                                                      (uint64_t)o->seed, o->threads,
                                                      &s->silhouette);
    if (rc == 0)
        rc = s->f32 ? seg_metrics_davies_bouldin_f32(s->x, n, d, lab, k, w, &s->davies_bouldin)
                    : seg_metrics_davies_bouldin_f64(s->x, n, d, lab, k, w, &s->davies_bouldin);
    if (rc == 0)
        rc = s->f32 ? seg_metrics_calinski_harabasz_f32(s->x, n, d, lab, k, w,
                                                        &s->calinski_harabasz)
                    : seg_metrics_calinski_harabasz_f64(s->x, n, d, lab, k, w,
                                                        &s->calinski_harabasz);
    return rc;
}

/* Mini-batch k-means with the k (given or chosen by the sweep), seed,
 * threads, precision and k-anonymity threshold of the k-means options, on
 * the rows x of s already encoded: labels and distances from its final pass. */
static int fit_minibatch(const opts *o, const seg_kmeans *km, const summary *s, int32_t *labels,
                         double *dist, seg_model **m)
{
    seg_minibatch *mb = NULL;
    int64_t k = 0;
    int rc = seg_kmeans_get_int(km, SEG_KMEANS_K, &k);
    if (rc == 0)
        rc = seg_minibatch_new(&mb);
    if (rc == 0)
        rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_K, k);
    if (rc == 0)
        rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_SEED, o->seed);
    if (rc == 0)
        rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_BATCH_SIZE, o->batch_size);
    if (rc == 0)
        rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_THREADS, o->threads);
    if (rc == 0)
        rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_MIN_PROFILE_SIZE, o->min_segment_size);
    if (rc == 0)
        rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_DTYPE,
                                   strcmp(o->dtype, "f32") == 0 ? SEG_DTYPE_F32 : SEG_DTYPE_F64);
    if (rc == 0)
        rc = s->f32 ? seg_minibatch_fit_encoded_f32(mb, s->ds, s->sc, s->x, s->n, s->d, labels,
                                                    dist, m)
                    : seg_minibatch_fit_encoded_f64(mb, s->ds, s->sc, s->x, s->n, s->d, labels,
                                                    dist, m);
    seg_minibatch_free(mb);
    return rc;
}

int segment_scaler_new(const opts *o, seg_scaler **out)
{
    seg_scaler *sc = NULL;
    int rc;
    if ((rc = seg_scaler_new(&sc)) < 0 ||
        (rc = seg_scaler_set_int(sc, SEG_SCALER_METHOD, scale_method(o->scale))) < 0 ||
        (rc = seg_scaler_set_int(sc, SEG_SCALER_DROP_FIRST, o->drop_first)) < 0 ||
        (rc = seg_scaler_set_int(sc, SEG_SCALER_MIN_LEVEL_COUNT, o->min_segment_size)) < 0 ||
        (rc = seg_scaler_set_int(sc, SEG_SCALER_CATEGORICAL_MISSING,
                                 o->impute_mode ? SEG_IMPUTE_MODE : SEG_IMPUTE_LEVEL)) < 0 ||
        (rc = seg_scaler_set_int(sc, SEG_SCALER_IMPUTE_ORDER,
                                 o->scale_first ? SEG_SCALE_THEN_IMPUTE
                                                : SEG_IMPUTE_THEN_SCALE)) < 0 ||
        (rc = seg_scaler_set_int(sc, SEG_SCALER_THREADS, o->threads)) < 0 ||
        (o->log1p && (rc = for_each_item(o->log1p, sc, set_log1p)) < 0)) {
        seg_scaler_free(sc);
        return rc;
    }
    *out = sc;
    return 0;
}

/* The outputs of the in-memory k-means path, each to its temporary file,
 * then the summary (on stderr when the assignments are standard output),
 * then every file renamed into place. The command's exit status. */
static int write_outputs(const opts *o, outputs *out, const summary *s, const double *dist)
{
    int status = 0, saved;
    bool ok;
    FILE *f;
    if (o->model && (status = outputs_write_model(out, o->model, s->m)) != 0)
        return status;
    if (o->assignments) {
        f = outputs_open(out, o->assignments);
        ok = f && write_assignments(f, s->ds, s->labels, dist, s->n, NULL, 0) == 0;
        if ((status = outputs_finish(out, f, ok)) != 0)
            return status;
    }
    if (o->features) {
        f = outputs_open(out, o->features);
        ok = f && write_features(f, o->features, s->x, s->f32, s->n, s->d, s->sc) == 0;
        if ((status = outputs_finish(out, f, ok)) != 0)
            return status;
    }
    if (o->report) {
        f = outputs_open(out, o->report);
        if ((status = outputs_finish(out, f, f && write_report(f, o, s) == 0)) != 0)
            return status;
    }
    if (summary_to_stderr(outputs_to_stdout(out), &saved)) {
        if (o->json)
            print_json(o, s);
        else
            print_text(o, s);
    }
    summary_restore(saved);
    return outputs_commit(out);
}

static int run_segment(opts *o, outputs *out)
{
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    seg_sweep *sweep = NULL;
    seg_campaign *camp = NULL;
    void *x = NULL;
    int32_t *labels = NULL;
    int8_t *outcome = NULL, *control = NULL;
    double *dist = NULL;
    summary s = {0};
    left_out left = {0};
    fair_data fair = {0};
    uint8_t *plan = NULL;
    char **input_names = NULL;
    size_t n_input = 0;
    const bool f32 = strcmp(o->dtype, "f32") == 0;
    int rc, status = EXIT_DATA;
    const char *stage = "reading data";

    if ((rc = load(o, &ds)) < 0)
        goto fail;
    if (!(input_names = column_names(ds, &n_input))) {
        rc = SEG_ERR_NOMEM;
        goto fail;
    }
    stage = "choosing columns";
    if ((rc = shape_columns(o, ds, &outcome, &control, &fair)) < 0)
        goto fail;
    if (rc == USAGE_CONFLICT ||
        (rc = leave_out_identifiers(o, ds, &left)) == USAGE_CONFLICT) {
        status = EXIT_USAGE;
        goto out;
    }
    if (rc < 0)
        goto fail;
    stage = "fitting the scaler";
    if ((rc = segment_scaler_new(o, &sc)) < 0 || (rc = seg_scaler_fit(sc, ds)) < 0)
        goto fail;
    if (strcmp(o->method, "ward") == 0) {
        const ward_request wr = {o->file, o->k, o->pre_cluster, o->seed, o->threads,
                                 o->silhouette_sample, o->assignments, o->features, o->json,
                                 o, outcome, control, out, &left, input_names, n_input};
        status = segment_ward(&wr, ds, sc);
        goto out;
    }
    s.ds = ds;
    s.sc = sc;
    s.f32 = f32;
    s.left = &left;
    s.fair = o->protected_cols || o->opt_out ? &fair : NULL;
    s.n = seg_dataset_rows(ds);
    s.d = seg_scaler_features(sc);
    stage = "setting up k-means";
    if ((rc = seg_kmeans_new(&km)) < 0 || (rc = configure_kmeans(o, km)) < 0)
        goto fail;
    if (rc == USAGE_CONFLICT) {
        status = EXIT_USAGE;
        goto out;
    }
    /* The matrix is transformed once: the sweep, the fit and the quality
     * measures all read it, and the fit's own last pass gives the labels and
     * distances (no second labelling). */
    stage = "scaling";
    labels = malloc(s.n * sizeof *labels);
    dist = malloc(s.n * sizeof *dist);
    if (!labels || !dist) {
        rc = SEG_ERR_NOMEM;
        goto fail;
    }
    /* A scaler that changes nothing (--scale none on numeric columns of a
     * .npy in the --dtype's precision) leaves the dataset's own values as
     * the matrix: no second copy of the data (issue 20). */
    if (seg_scaler_is_identity(sc, ds))
        s.x = f32 ? (const void *)seg_dataset_matrix_f32(ds)
                  : (const void *)seg_dataset_matrix_f64(ds);
    if (!s.x) {
        if (!(x = malloc(s.n * s.d * (f32 ? sizeof(float) : sizeof(double))))) {
            rc = SEG_ERR_NOMEM;
            goto fail;
        }
        rc = f32 ? seg_scaler_transform_f32(sc, ds, x, s.n * s.d)
                 : seg_scaler_transform_f64(sc, ds, x, s.n * s.d);
        if (rc < 0)
            goto fail;
        s.x = x;
    }
    s.labels = labels;
    if (!o->k_given && !ends_with(o->init, ".npy") && strcmp(o->method, "gmm") != 0) {
        size_t k;
        stage = "choosing k";
        if (kproto_wanted(o) ? (rc = kproto_sweep(o, &s, &k)) < 0 ||
                                   (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k)) < 0
                             : (rc = run_sweep(o, km, &s, &sweep, &k)) < 0 ||
            (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k)) < 0)
            goto fail;
        s.sweep = sweep;
    }
    stage = "fitting k-means";
    show_fit_progress(o, km);
    if (kproto_wanted(o)) {
        int64_t k = 0;
        stage = "fitting k-prototypes";
        if ((rc = seg_kmeans_get_int(km, SEG_KMEANS_K, &k)) == 0)
            rc = kproto_fit(o, &s, (size_t)k, labels, dist, &m);
    } else if (strcmp(o->method, "minibatch") == 0)
        rc = fit_minibatch(o, km, &s, labels, dist, &m);
    else if (strcmp(o->method, "gmm") == 0 && (stage = "fitting the Gaussian mixture"))
        rc = segment_gmm_fit(o, &s, labels, dist, &m);
    else
        rc = f32 ? seg_kmeans_fit_encoded_f32(km, ds, sc, s.x, s.n, s.d, labels, dist, &m)
                 : seg_kmeans_fit_encoded_f64(km, ds, sc, s.x, s.n, s.d, labels, dist, &m);
    if (rc < 0)
        goto fail;
    s.m = m;
    s.k = seg_model_k(m);
    if ((rc = record_left_out(o, &left, input_names, n_input, m)) < 0)
        goto fail;

    stage = "scoring";
    if (kproto_wanted(o)) { /* measured in the k-prototypes geometry */
        const void *encoded = s.x;
        double *geo = kproto_geometry(&s);
        if (!geo) {
            rc = SEG_ERR_NOMEM;
            goto fail;
        }
        s.x = geo;
        rc = quality(o, &s);
        s.x = encoded;
        free(geo);
    } else
        rc = quality(o, &s);
    if (rc < 0)
        goto fail;
    stage = "explaining the segments";
    if ((rc = explain_fit_tree(m, s.x, s.f32, s.n, s.d, labels, o->threads)) < 0)
        goto fail;
    stage = "campaign metrics";
    if (outcome && (rc = run_campaign(o, &s, outcome, control, &camp)) < 0)
        goto fail;
    s.camp = camp;
    stage = "fairness figures";
    if (!(plan = malloc(s.k))) {
        rc = SEG_ERR_NOMEM;
        goto fail;
    }
    if (s.fair && (rc = fair_compute(&fair, labels, s.k,
                                     campaign_plan_segments(&s, plan, &fair.plan_step,
                                                            fair.plan_segments,
                                                            sizeof fair.plan_segments)
                                         ? plan
                                         : NULL)) < 0)
        goto fail;

    stage = "saving the model";
    if ((rc = seg_model_set_metric(m, SEG_MODEL_SILHOUETTE, s.silhouette)) < 0 ||
        (rc = seg_model_set_metric(m, SEG_MODEL_DAVIES_BOULDIN, s.davies_bouldin)) < 0 ||
        (rc = seg_model_set_metric(m, SEG_MODEL_CALINSKI_HARABASZ, s.calinski_harabasz)) < 0)
        goto fail;
    status = write_outputs(o, out, &s, dist);
    goto out;
fail:
    status = lib_error(stage, rc);
out:
    seg_campaign_free(camp);
    seg_sweep_free(sweep);
    gmm_sweep_free(&s);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    free(x);
    free(labels);
    free(dist);
    free(outcome);
    free(control);
    left_out_free(&left);
    fair_free(&fair);
    free(plan);
    for (size_t j = 0; input_names && j < n_input; j++)
        free(input_names[j]);
    free(input_names);
    return status;
}

/* --memory: the chunked path (ooc.c), handed the settings of the command
 * line as library objects so that it never calls back up for them. */
static int run_chunked(const opts *o, outputs *out)
{
    segment_settings st = {NULL, NULL, NULL};
    const char *stage = "reading data";
    int rc, status = segment_ooc_check(o);
    if (status != 0)
        return status;
    if ((rc = segment_csv_options(o, &st.csv)) == 0 &&
        (rc = segment_scaler_new(o, &st.scaler)) == 0 && o->exact) {
        stage = "setting up k-means";
        if ((rc = seg_kmeans_new(&st.kmeans)) == 0)
            rc = configure_kmeans(o, st.kmeans);
    }
    if (rc < 0)
        status = lib_error(stage, rc);
    else
        status = rc == USAGE_CONFLICT ? EXIT_USAGE : run_segment_ooc(o, &st, out);
    seg_kmeans_free(st.kmeans);
    seg_scaler_free(st.scaler);
    seg_csv_options_free(st.csv);
    return status;
}

/* The command line into o: 0, -1 after --help, or the exit status of a
 * usage error (printed). The parser keeps FILE, the switches and the values
 * that need no check in o itself. */
static int parse_segment(int argc, char **argv, opts *o)
{
    cli_parser p = cli_start(&cli_segment, argc, argv, o);
    const char *val;
    int id;
    while (cli_next(&p, &id, &val)) {
        switch (id) {
        case SEGMENT_K:
            if (!parse_int(val, 1, 1000000, &o->k))
                return usage_error("segment ",
                                   "--k takes a whole number from 1 to 1000000, not '%s'", val);
            o->k_given = true;
            break;
        case SEGMENT_K_MIN:
        case SEGMENT_K_MAX:
            if (!parse_int(val, 2, 1000000, id == SEGMENT_K_MIN ? &o->k_min : &o->k_max))
                return usage_error("segment ", "--k-min/--k-max take 2 to 1000000, not '%s'",
                                   val);
            o->range_given = true;
            break;
        case SEGMENT_COST:
        case SEGMENT_REVENUE: {
            double *slot = id == SEGMENT_COST ? &o->cost : &o->revenue;
            if (!parse_real(val, slot) || !(*slot >= 0) || !isfinite(*slot))
                return usage_error("segment ", "money options take a number >= 0, not '%s'",
                                   val);
            break;
        }
        case SEGMENT_N_INIT:
            if (!parse_int(val, 1, 1000000, &o->n_init))
                return usage_error("segment ", "--n-init takes a whole number >= 1, not '%s'", val);
            break;
        case SEGMENT_MAX_ITER:
            if (!parse_int(val, 1, 1000000000, &o->max_iter))
                return usage_error("segment ", "--max-iter takes a whole number >= 1, not '%s'",
                                   val);
            o->max_iter_given = true;
            break;
        case SEGMENT_SEED:
            if (!parse_int(val, INT64_MIN, INT64_MAX, &o->seed))
                return usage_error("segment ", "--seed takes a whole number, not '%s'", val);
            break;
        case SEGMENT_THREADS:
            if (!parse_int(val, 0, 4096, &o->threads))
                return usage_error("segment ",
                                   "--threads takes a whole number from 0 to 4096, not '%s'", val);
            break;
        case SEGMENT_SILHOUETTE_SAMPLE:
            if (!parse_int(val, 0, INT64_MAX, &o->silhouette_sample))
                return usage_error("segment ",
                                   "--silhouette-sample takes a whole number >= 0, not '%s'", val);
            break;
        case SEGMENT_STABILITY_RESAMPLES:
            if (!parse_int(val, 0, 1000, &o->stability_resamples) || o->stability_resamples == 1)
                return usage_error("segment ",
                                   "--stability-resamples takes 0 or a whole number "
                                   "from 2 to 1000, not '%s'",
                                   val);
            break;
        case SEGMENT_TOL:
            if (!parse_real(val, &o->tol) || !(o->tol >= 0 && o->tol <= 1e6))
                return usage_error("segment ", "--tol takes a number from 0 to 1e6, not '%s'", val);
            o->tol_given = true;
            break;
        case SEGMENT_SCALE:
            if (scale_method(val) < 0)
                return usage_error("segment ",
                                   "--scale takes standard, minmax, robust or none, not '%s'", val);
            o->scale = val;
            break;
        case SEGMENT_IMPUTE_ORDER:
            if (strcmp(val, "impute-first") != 0 && strcmp(val, "scale-first") != 0)
                return usage_error("segment ",
                                   "--impute-order takes impute-first or scale-first, not '%s'",
                                   val);
            o->scale_first = val[0] == 's';
            break;
        case SEGMENT_DTYPE:
            if (strcmp(val, "f32") != 0 && strcmp(val, "f64") != 0)
                return usage_error("segment ", "--dtype takes f32 or f64, not '%s'", val);
            o->dtype = val;
            break;
        case SEGMENT_ALGORITHM:
            if (algorithm_code(val) < 0)
                return usage_error("segment ",
                                   "--algorithm takes lloyd, hamerly, elkan, yinyang or auto, "
                                   "not '%s'", val);
            o->algorithm = val;
            break;
        case SEGMENT_INIT:
            if (strcmp(val, "kmeans++") != 0 && strcmp(val, "random") != 0 &&
                strcmp(val, "kmeans||") != 0 && strcmp(val, "huang") != 0 && strcmp(val, "cao") != 0 && !ends_with(val, ".npy"))
                return usage_error("segment ",
                                   "--init takes kmeans++, kmeans||, random or a FILE.npy (kprototypes: "
                                   "huang or cao), not '%s'",
                                   val);
            o->init = val;
            break;
        case SEGMENT_COVARIANCE:
        case SEGMENT_REG_COVAR:
            if (gmm_option(o, id, val) != 0)
                return EXIT_USAGE;
            break;
        case SEGMENT_METHOD:
            if (strcmp(val, "kmeans") != 0 && strcmp(val, "ward") != 0 &&
                strcmp(val, "minibatch") != 0 && strcmp(val, "kprototypes") != 0 &&
                strcmp(val, "gmm") != 0)
                return usage_error("segment ",
                                   "--method takes kmeans, ward, minibatch, kprototypes or gmm, "
                                   "not '%s'",
                                   val);
            o->method = val;
            break;
        case SEGMENT_MEMORY:
            if (!parse_bytes(val, &o->memory))
                return usage_error("segment ",
                                   "--memory takes a size in bytes with an optional K, M, G or T "
                                   "suffix (powers of 1024), not '%s'",
                                   val);
            break;
        case SEGMENT_BATCH_SIZE:
            if (!parse_int(val, 1, INT64_C(1) << 30, &o->batch_size))
                return usage_error("segment ", "--batch-size takes 1 to 2^30 rows, not '%s'", val);
            break;
        case SEGMENT_MIN_SEGMENT_SIZE:
            if (!parse_int(val, 0, 1000000000000, &o->min_segment_size))
                return usage_error("segment ",
                                   "--min-segment-size takes a whole number from 0 to 10^12, "
                                   "not '%s'",
                                   val);
            break;
        case SEGMENT_PRE_CLUSTER:
            if (!parse_int(val, 0, 1000000, &o->pre_cluster))
                return usage_error("segment ",
                                   "--pre-cluster takes a whole number from 0 to 1000000, not '%s'",
                                   val);
            break;
        case SEGMENT_GAMMA:
            if (!parse_real(val, &o->gamma) || !(o->gamma >= 0 && o->gamma <= 1e12))
                return usage_error("segment ", "--gamma takes a number from 0 to 1e12, not '%s'",
                                   val);
            break;
        case SEGMENT_MIN_SIZE:
        case SEGMENT_MAX_SIZE:
            if (capacity_option(id, val, o) != 0)
                return EXIT_USAGE;
            break;
        case SEGMENT_DELIMITER:
            if (!parse_delimiter(val, &o->delimiter))
                return usage_error("segment ", "--delimiter takes one character, not '%s'", val);
            break;
        }
    }
    return p.status;
}

int segment_protected_roles(const opts *o)
{
    const char *single[] = {o->id, o->weight, o->target, o->control};
    size_t n;
    char **v = o->protected_cols ? split_list(o->protected_cols, &n) : NULL;
    int rc = 0;
    for (size_t i = 0; v && i < n && rc == 0; i++) {
        bool clash = list_contains(o->describe, v[i]);
        for (size_t r = 0; r < sizeof single / sizeof single[0]; r++)
            clash = clash || (single[r] && strcmp(single[r], v[i]) == 0);
        if (clash)
            rc = usage_error("segment ",
                             "--protected %s: that column already has a role (--id, --weight, "
                             "--target, --control or --describe)",
                             v[i]);
    }
    free(v);
    for (size_t r = 0; rc == 0 && o->opt_out && r <= sizeof single / sizeof single[0]; r++)
        if (r == sizeof single / sizeof single[0] ? list_contains(o->describe, o->opt_out)
                                                  : single[r] && strcmp(single[r], o->opt_out) == 0)
            rc = usage_error("segment ", "--opt-out %s: that column already has another role",
                             o->opt_out);
    return rc;
}

/* The bundled bank data's roles: what describes the customer, and what
 * describes the last contact of the campaign (duration is known only after
 * the call). */
#define BANK_CUSTOMER_COLUMNS "age,job,marital,education,default,balance,housing,loan"
#define BANK_CONTACT_COLUMNS "contact,day,month,campaign,pdays,previous,poutcome,duration"

int cmd_segment(int argc, char **argv)
{
    static char bundled[4096];
    opts o = {
        .k = 8,
        .k_min = 2,
        .k_max = 10,
        .cost = NAN,
        .revenue = NAN,
        .scale = "standard",
        .init = "kmeans++",
        .n_init = 1,
        .max_iter = 300,
        .tol = 1e-4,
        .dtype = "f64",
        .algorithm = "auto",
        .silhouette_sample = 10000,
        .stability_resamples = 5,
        .method = "kmeans",
        .batch_size = 1024,
        .gamma = NAN,
    };
    int rc;

    if ((rc = parse_segment(argc, argv, &o)) != 0)
        return rc < 0 ? 0 : rc;
    if (o.id_key && (rc = use_id_key(o.id_key)) != 0)
        return rc;
    if (o.k_given && o.range_given)
        return usage_error("segment ", "%s", "--k fixes k; --k-min/--k-max are for the sweep");
    if (o.k_min > o.k_max)
        return usage_error("segment ", "%s", "--k-min is larger than --k-max");
    if (isnan(o.cost) != isnan(o.revenue))
        return usage_error("segment ", "%s",
                           "--cost-per-contact and --revenue-per-conversion go together");
    if (o.control && !o.target)
        return usage_error("segment ", "%s", "--control needs --target");
    /* No FILE: standard input when something is piped or redirected to it
     * (as zstd does); the bundled sample only on a terminal or an empty
     * device such as /dev/null, and then always said, -q or not. */
    if (!o.file && stdin_has_data())
        o.file = "-";
    if (!o.file) {
        o.file = bundled_data_path(bundled, sizeof bundled);
        if (!o.file) {
            fprintf(stderr,
                    "%s: the bundled bank data was not found; give a FILE or set SEG_DATA_DIR\n",
                    progname);
            return EXIT_DATA;
        }
        o.bundled = true;
        /* The bank's columns in their roles (examples/data/README.md): the
         * customer is clustered, the last contact of the campaign only
         * described, y left to --target. Any of --columns, --drop or
         * --describe puts the user in charge instead. */
        const bool defaults = !o.drop && !o.columns && !o.describe;
        if (defaults) {
            o.columns = BANK_CUSTOMER_COLUMNS;
            if (!o.memory) /* the chunked path keeps no profiles */
                o.describe = BANK_CONTACT_COLUMNS;
        }
        fprintf(stderr, "%s: no FILE and nothing on standard input: using the bundled bank data %s",
                progname, o.file);
        if (defaults)
            fprintf(stderr,
                    ",\n  clustering the customer (%s),\n  %s the last campaign contact (%s)%s",
                    BANK_CUSTOMER_COLUMNS, o.describe ? "describing" : "leaving out",
                    BANK_CONTACT_COLUMNS,
                    o.target ? "" : ",\n  leaving out the outcome y (--target y measures it)");
        if (o.protected_cols)
            fprintf(stderr, ",\n  except the --protected %s, read only to report", o.protected_cols);
        fputc('\n', stderr);
    }
    if ((rc = kproto_check(&o)) != 0 || (rc = gmm_check(&o)) != 0)
        return rc;
    if (o.exact && !o.memory)
        return usage_error("segment ", "%s", "--exact goes with --memory");
    if ((o.protected_cols || o.opt_out) && (o.memory || strcmp(o.method, "ward") == 0))
        return usage_error("segment ", "%s",
                           "--protected and --opt-out go with the in-memory k-means and "
                           "mini-batch paths; for --memory or --method ward, run 'seg fairness' "
                           "on the --assignments file");
    if (o.protected_bins && !o.protected_cols)
        return usage_error("segment ", "%s", "--protected-bins needs --protected");
    if ((rc = segment_protected_roles(&o)) != 0)
        return rc;
    if ((rc = capacity_prepare(&o)) != 0) {
        capacity_free(&o);
        return rc;
    }
    /* The chunked reader passes over the file more than once: a pipe cannot
     * be read again, and spooling it to disk is the user's call. */
    if (o.memory && is_stdio(o.file))
        return usage_error("segment ", "%s",
                           "--memory reads FILE more than once and cannot read standard input: "
                           "save it to a file first");
    /* Every output path is checked before any work: a report that cannot
     * be written must not cost the fit, nor leave the other outputs half
     * replaced. */
    outputs out;
    outputs_init(&out, "segment ");
    outputs_add(&out, "--model", o.model, true);
    outputs_add(&out, "--assignments", o.assignments, false);
    outputs_add(&out, "--features", o.features, false);
    outputs_add(&out, "--report", o.report, false);
    outputs_input(&out, "FILE", o.file);
    json_source(o.file);
    outputs_input(&out, "--init", ends_with(o.init, ".npy") ? o.init : NULL);
    outputs_input(&out, "--pseudonymize-key", o.id_key);
    if ((rc = outputs_check(&out)) != 0)
        return rc;
    rc = o.memory ? run_chunked(&o, &out) : run_segment(&o, &out);
    outputs_abort(&out);
    capacity_free(&o);
    return rc;
}
