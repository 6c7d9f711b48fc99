/*
 * Data larger than memory: the chunked CSV reader against the in-memory
 * reader, the streaming scaler against seg_scaler_fit, the chunked Lloyd
 * against the in-memory Lloyd from the same start, and the error paths. The
 * quantile sketch has its own tests (test_qsketch.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "testutil.h"

#include <seg.h>

/* ---- helpers ---- */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- files --------------------------------------------------------------------- */

static char tmp_path[64];

static const char *write_tmp(const char *text)
{
    snprintf(tmp_path, sizeof tmp_path, "/tmp/seg_test_ooc_XXXXXX");
    int fd = mkstemp(tmp_path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return tmp_path;
}

/*
 * A customer table: income (log-normal, some NA), age, visits (few distinct
 * values), region (categorical with a missing value), plan (numbers then
 * words: categorical), a quoted id.
 */
static char *customer_csv(size_t n, uint64_t seed)
{
    size_t cap = 128 + n * 128, len = 0;
    char *t = malloc(cap);
    uint64_t s = seed;
    static const char *const regions[] = {"north", "south", "east", "west", ""};
    static const char *const plans[] = {"1", "basic", "gold", "2", "premium"};
    assert_non_null(t);
    len += (size_t)snprintf(t + len, cap - len, "\xEF\xBB\xBFid,income,age,visits,region,plan\n");
    for (size_t i = 0; i < n; i++) {
        char income[32];
        if (tu_next(&s) % 50 == 0)
            snprintf(income, sizeof income, "NA");
        else
            snprintf(income, sizeof income, "%.2f", exp(10.0 + 0.8 * tu_normal(&s)));
        len += (size_t)snprintf(t + len, cap - len, "\"c%zu\",%s,%d,%d,%s,%s\n", i, income,
                                18 + (int)(tu_next(&s) % 60), (int)(tu_next(&s) % 5),
                                regions[tu_next(&s) % 5], plans[i % 5]);
    }
    return t;
}

/* All chunks of a chunker into a streaming fit of sc. */
static int stream_fit(seg_csv_chunker *ch, seg_scaler *sc)
{
    seg_scaler_stream *ss = NULL;
    seg_dataset *ds = NULL;
    int rc = seg_scaler_stream_begin(&ss, sc);
    if (rc < 0)
        return rc;
    while ((rc = seg_csv_chunker_next(ch, &ds)) > 0) {
        rc = seg_scaler_stream_add(ss, ds);
        seg_dataset_free(ds);
        if (rc < 0)
            break;
    }
    if (rc == 0)
        rc = seg_scaler_stream_finish(ss, sc);
    seg_scaler_stream_free(ss);
    return rc;
}

/* Column types and chunk contents match the in-memory reader's. */
static void test_chunker_matches_reader(void **state)
{
    (void)state;
    char *text = customer_csv(2500, 5);
    const char *path = write_tmp(text);
    seg_dataset *all = NULL, *ds = NULL;
    seg_csv_chunker *ch = NULL;
    int64_t v = 0;
    assert_int_equal(seg_dataset_read_csv(&all, path, NULL), SEG_OK);
    assert_int_equal(seg_csv_chunker_open(&ch, path, NULL), SEG_OK);
    assert_int_equal(seg_csv_chunker_get_int(ch, SEG_CHUNKER_FILE_ROWS, &v), SEG_OK);
    assert_int_equal(v, 2500);
    assert_int_equal(seg_csv_chunker_get_int(ch, SEG_CHUNKER_COLUMNS, &v), SEG_OK);
    assert_int_equal(v, 6);
    for (size_t j = 0; j < 6; j++) {
        assert_string_equal(seg_csv_chunker_column_name(ch, j), seg_dataset_column_name(all, j));
        assert_int_equal(seg_csv_chunker_column_type(ch, j), seg_dataset_column_type(all, j));
    }
    assert_int_equal(seg_csv_chunker_column_type(ch, 5), SEG_COLUMN_CATEGORICAL); /* plan */
    assert_int_equal(seg_csv_chunker_set_int(ch, SEG_CHUNKER_ROWS, 999), SEG_OK);
    for (int round = 0; round < 2; round++) {
        size_t row = 0, chunks = 0;
        assert_int_equal(seg_csv_chunker_rewind(ch), SEG_OK);
        while (seg_csv_chunker_next(ch, &ds) == 1) {
            size_t n = seg_dataset_rows(ds);
            assert_true(n == 999 || row + n == 2500);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < 6; j++) {
                    const char *a = NULL, *b = NULL;
                    double x, y;
                    if (seg_dataset_column_type(all, j) == SEG_COLUMN_NUMERIC) {
                        assert_int_equal(seg_dataset_get_f64(all, row + i, j, &x), SEG_OK);
                        assert_int_equal(seg_dataset_get_f64(ds, i, j, &y), SEG_OK);
                        assert_true((isnan(x) && isnan(y)) || x == y);
                    } else {
                        assert_int_equal(seg_dataset_get_text(all, row + i, j, &a), SEG_OK);
                        assert_int_equal(seg_dataset_get_text(ds, i, j, &b), SEG_OK);
                        assert_true((!a && !b) || (a && b && strcmp(a, b) == 0));
                    }
                }
            row += n;
            chunks++;
            seg_dataset_free(ds);
        }
        assert_int_equal(row, 2500);
        assert_int_equal(chunks, 3);
    }
    seg_csv_chunker_free(ch);
    seg_dataset_free(all);
    remove(path);
    free(text);
}

static void expect_error(int rc, int code, const char *fragment)
{
    assert_int_equal(rc, code);
    if (!strstr(seg_last_error(), fragment))
        fail_msg("message '%s' lacks '%s'", seg_last_error(), fragment);
}

static void test_chunker_errors(void **state)
{
    (void)state;
    seg_csv_chunker *ch = NULL;
    seg_dataset *ds = NULL;
    const char *path;

    path = write_tmp("a,b\n1,2\n3,x\n4,5\n6,7\n");
    expect_error(seg_csv_chunker_open(&ch, path, NULL), SEG_ERR_PARSE,
                 "column \"b\": found \"x\", expected a number (3 of its 4 values");
    assert_null(ch);
    remove(path);

    path = write_tmp("a,b\n1,2\n3\n");
    expect_error(seg_csv_chunker_open(&ch, path, NULL), SEG_ERR_PARSE,
                 ":3:1: found a row of 1 field, expected 2");
    remove(path);

    path = write_tmp("a,b\n");
    expect_error(seg_csv_chunker_open(&ch, path, NULL), SEG_ERR_EMPTY, "expected a data row");
    remove(path);

    path = write_tmp("a,a\n1,2\n");
    expect_error(seg_csv_chunker_open(&ch, path, NULL), SEG_ERR_LIMIT,
                 "found column name \"a\" again");
    remove(path);

    expect_error(seg_csv_chunker_open(&ch, "/nonexistent/x.csv", NULL), SEG_ERR_IO, "cannot open");
    expect_error(seg_csv_chunker_open(NULL, "x", NULL), SEG_ERR_INVALID_ARG, "out is NULL");

    path = write_tmp("a,b\n1,2\n3,4\n5,6\n");
    assert_int_equal(seg_csv_chunker_open(&ch, path, NULL), SEG_OK);
    expect_error(seg_csv_chunker_set_int(ch, SEG_CHUNKER_ROWS, 0), SEG_ERR_INVALID_ARG,
                 "outside 1 ..");
    expect_error(seg_csv_chunker_set_id_column(ch, "zz"), SEG_ERR_NOT_FOUND,
                 "no column named 'zz'");
    const char *nm[] = {"b", "q"};
    expect_error(seg_csv_chunker_drop(ch, nm, 2), SEG_ERR_NOT_FOUND, "no column named 'q'");
    /* The file changes between the schema pass and a chunk pass. */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("a,b\n1,2\n", f);
    fclose(f);
    expect_error(seg_csv_chunker_next(ch, &ds), SEG_ERR_PARSE, "the file changed");
    assert_null(ds);
    seg_csv_chunker_free(ch);
    remove(path);
}

/* ---- the streaming scaler -------------------------------------------------------- */

static double rel(double a, double b)
{
    double s = fmax(fabs(a), fabs(b));
    return s == 0 ? 0 : fabs(a - b) / s;
}

/* The numeric values of column j (log1p when asked) sorted, missing left out. */
static double *sorted_column(const seg_dataset *ds, size_t j, bool use_log1p, size_t *m)
{
    size_t n = seg_dataset_rows(ds);
    double *v = malloc(n * sizeof *v);
    assert_non_null(v);
    *m = 0;
    for (size_t i = 0; i < n; i++) {
        double x;
        assert_int_equal(seg_dataset_get_f64(ds, i, j, &x), SEG_OK);
        if (!isnan(x))
            v[(*m)++] = use_log1p ? copysign(log1p(fabs(x)), x) : x;
    }
    qsort(v, *m, sizeof *v, cmp_d);
    return v;
}

/* Streamed and in-memory fits of the same file with the same settings. */
static void fit_both_order(const char *path, seg_scale_method method, seg_impute_order order,
                           size_t chunk_rows, seg_scaler **mem, seg_scaler **str,
                           seg_dataset **all)
{
    seg_csv_chunker *ch = NULL;
    assert_int_equal(seg_dataset_read_csv(all, path, NULL), SEG_OK);
    assert_int_equal(seg_dataset_set_id_column(*all, "id"), SEG_OK);
    assert_int_equal(seg_csv_chunker_open(&ch, path, NULL), SEG_OK);
    assert_int_equal(seg_csv_chunker_set_id_column(ch, "id"), SEG_OK);
    assert_int_equal(seg_csv_chunker_set_int(ch, SEG_CHUNKER_ROWS, (int64_t)chunk_rows), SEG_OK);
    for (int which = 0; which < 2; which++) {
        seg_scaler **sc = which ? str : mem;
        assert_int_equal(seg_scaler_new(sc), SEG_OK);
        assert_int_equal(seg_scaler_set_int(*sc, SEG_SCALER_METHOD, method), SEG_OK);
        assert_int_equal(seg_scaler_set_int(*sc, SEG_SCALER_IMPUTE_ORDER, order), SEG_OK);
        assert_int_equal(seg_scaler_set_column_int(*sc, "income", SEG_SCALER_COLUMN_LOG1P, 1),
                         SEG_OK);
    }
    assert_int_equal(seg_scaler_fit(*mem, *all), SEG_OK);
    assert_int_equal(stream_fit(ch, *str), SEG_OK);
    seg_csv_chunker_free(ch);
}

/* The statistics of the present values (exact moments, sketched quartiles):
 * what these tests compare; test_stream_imputed covers the default order. */
static void fit_both(const char *path, seg_scale_method method, size_t chunk_rows, seg_scaler **mem,
                     seg_scaler **str, seg_dataset **all)
{
    fit_both_order(path, method, SEG_SCALE_THEN_IMPUTE, chunk_rows, mem, str, all);
}

/* Imputed first, over more values than the sketch holds exactly: the
 * streamed mean differs from the in-memory one only by the missing rows'
 * share times the sketch's error on the median, which lies between the
 * order statistics slack ranks around it. */
static void test_stream_imputed(void **state)
{
    (void)state;
    char *text = customer_csv(20000, 11);
    const char *path = write_tmp(text);
    seg_scaler *mem = NULL, *str = NULL;
    seg_dataset *all = NULL;
    fit_both_order(path, SEG_SCALE_STANDARD, SEG_IMPUTE_THEN_SCALE, 1234, &mem, &str, &all);
    const size_t n = seg_dataset_rows(all);
    for (size_t j = 0; j < 2; j++) {
        size_t m;
        double *v = sorted_column(all, j, j == 0, &m);
        const double slack = SEG_STREAM_QUANTILE_EPS * (double)m + 1, pos = (double)(m - 1) * 0.5;
        const double spread = v[(size_t)fmin(m - 1, ceil(pos) + slack)] -
                              v[(size_t)fmax(0, floor(pos) - slack)];
        const double share = (double)(n - m) / (double)n;
        double c1, s1, c2, s2;
        assert_int_equal(seg_scaler_feature_affine(mem, j, &c1, &s1), SEG_OK);
        assert_int_equal(seg_scaler_feature_affine(str, j, &c2, &s2), SEG_OK);
        assert_true(fabs(c1 - c2) <= share * spread + 1e-12 * fabs(c1));
        assert_true(rel(s1, s2) <= 1e-3);
        if (j == 0) {
            /* Income has missing values: imputed first, its std is not that
             * of the present values. */
            double mean = 0, var = 0;
            assert_true(m < n);
            for (size_t i = 0; i < m; i++)
                mean += v[i];
            mean /= (double)m;
            for (size_t i = 0; i < m; i++)
                var += (v[i] - mean) * (v[i] - mean);
            assert_true(rel(s1, sqrt(var / (double)m)) > 1e-3);
        }
        free(v);
    }
    seg_scaler_free(mem);
    seg_scaler_free(str);
    seg_dataset_free(all);
    remove(path);
    free(text);
}

static void test_stream_scaler_standard(void **state)
{
    (void)state;
    char *text = customer_csv(20000, 11);
    const char *path = write_tmp(text);
    seg_scaler *mem = NULL, *str = NULL;
    seg_dataset *all = NULL;
    fit_both(path, SEG_SCALE_STANDARD, 1234, &mem, &str, &all);
    size_t d = seg_scaler_features(mem);
    assert_int_equal(seg_scaler_features(str), d);
    assert_true(d > 10);
    for (size_t j = 0; j < d; j++) {
        double c1, s1, c2, s2;
        assert_string_equal(seg_scaler_feature_name(mem, j), seg_scaler_feature_name(str, j));
        assert_int_equal(seg_scaler_feature_affine(mem, j, &c1, &s1), SEG_OK);
        assert_int_equal(seg_scaler_feature_affine(str, j, &c2, &s2), SEG_OK);
        assert_true(rel(c1, c2) <= 1e-12);
        assert_true(rel(s1, s2) <= 1e-12);
    }
    /* The encodings agree too (missing incomes take the median, which the
     * sketch gives within its bound: compare the other rows exactly). */
    seg_scaler_free(mem);
    seg_scaler_free(str);
    seg_dataset_free(all);
    remove(path);
    free(text);
}

/* Robust scaling: median and IQR within the sketch's rank error, over
 * more values than the sketch holds exactly. */
static void test_stream_scaler_robust(void **state)
{
    (void)state;
    const size_t n = 20000;
    char *text = customer_csv(n, 17);
    const char *path = write_tmp(text);
    seg_scaler *mem = NULL, *str = NULL;
    seg_dataset *all = NULL;
    fit_both(path, SEG_SCALE_ROBUST, 3000, &mem, &str, &all);
    /* income (log1p) and age are features 0 and 1 after the id is set aside. */
    for (size_t j = 0; j < 2; j++) {
        size_t m;
        double *v = sorted_column(all, j, j == 0, &m);
        const double slack = SEG_STREAM_QUANTILE_EPS * (double)m + 1;
        double c, s, cm, sm;
        assert_true(m > SEG_STREAM_EXACT_VALUES);
        assert_int_equal(seg_scaler_feature_affine(str, j, &c, &s), SEG_OK);
        assert_int_equal(seg_scaler_feature_affine(mem, j, &cm, &sm), SEG_OK);
        /* The median sits between the order statistics slack ranks around it. */
        double pos = (double)(m - 1) * 0.5;
        size_t lo = (size_t)fmax(0, floor(pos) - slack),
               hi = (size_t)fmin(m - 1, ceil(pos) + slack);
        assert_true(c >= v[lo] && c <= v[hi]);
        double p1 = (double)(m - 1) * 0.25, p3 = (double)(m - 1) * 0.75;
        double q1lo = v[(size_t)fmax(0, floor(p1) - slack)], q1hi = v[(size_t)(ceil(p1) + slack)];
        double q3lo = v[(size_t)(floor(p3) - slack)],
               q3hi = v[(size_t)fmin(m - 1, ceil(p3) + slack)];
        assert_true(s >= q3lo - q1hi && s <= q3hi - q1lo);
        print_message("column %zu: median %.6g (exact %.6g), IQR %.6g (exact %.6g)\n", j, c, cm, s,
                      sm);
        free(v);
    }
    seg_scaler_free(mem);
    seg_scaler_free(str);
    seg_dataset_free(all);
    remove(path);
    free(text);
}

/* A file within the exact range gives the in-memory scaler bit for bit
 * (robust) and to rounding (standard): the model files would agree. */
static void test_stream_scaler_small_exact(void **state)
{
    (void)state;
    char *text = customer_csv(3000, 23);
    const char *path = write_tmp(text);
    seg_scaler *mem = NULL, *str = NULL;
    seg_dataset *all = NULL;
    /* Both orders: imputed first, the quartiles come from the sketch's
     * values with the missing rows inserted at the median. */
    for (int order = SEG_IMPUTE_THEN_SCALE; order <= SEG_SCALE_THEN_IMPUTE; order++) {
        fit_both_order(path, SEG_SCALE_ROBUST, (seg_impute_order)order, 500, &mem, &str, &all);
        for (size_t j = 0; j < seg_scaler_features(mem); j++) {
            double c1, s1, c2, s2;
            assert_int_equal(seg_scaler_feature_affine(mem, j, &c1, &s1), SEG_OK);
            assert_int_equal(seg_scaler_feature_affine(str, j, &c2, &s2), SEG_OK);
            assert_true(c1 == c2);
            assert_true(s1 == s2);
        }
        seg_scaler_free(mem);
        seg_scaler_free(str);
        seg_dataset_free(all);
    }
    remove(path);
    free(text);
}

static void test_stream_scaler_errors(void **state)
{
    (void)state;
    seg_scaler *sc = NULL;
    seg_scaler_stream *ss = NULL;
    seg_dataset *a = NULL, *b = NULL, *c = NULL;
    const double x[4] = {1, 2, 3, 4};
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    expect_error(seg_scaler_stream_begin(&ss, NULL), SEG_ERR_INVALID_ARG, "scaler is NULL");
    assert_int_equal(seg_scaler_stream_begin(&ss, sc), SEG_OK);
    expect_error(seg_scaler_stream_finish(ss, sc), SEG_ERR_EMPTY, "no rows were added");
    assert_int_equal(seg_dataset_from_f64(&a, x, 2, 2, NULL), SEG_OK);
    assert_int_equal(seg_dataset_from_f64(&b, x, 4, 1, NULL), SEG_OK);
    assert_int_equal(seg_dataset_read_csv_memory(&c, "x0\nu\nv\n", 7, NULL), SEG_OK);
    assert_int_equal(seg_scaler_stream_add(ss, a), SEG_OK);
    expect_error(seg_scaler_stream_add(ss, b), SEG_ERR_MISMATCH, "the chunk has 1 columns");
    seg_scaler_stream_free(ss);
    assert_int_equal(seg_scaler_stream_begin(&ss, sc), SEG_OK);
    assert_int_equal(seg_scaler_stream_add(ss, b), SEG_OK);
    expect_error(seg_scaler_stream_add(ss, c), SEG_ERR_MISMATCH,
                 "is 'x0' (categorical), the first chunk's was 'x0' (numeric)");
    seg_scaler_stream_free(ss);
    assert_false(seg_scaler_is_fitted(sc));
    /* A per-column setting must name a numeric column of the chunks. */
    assert_int_equal(seg_scaler_set_column_int(sc, "nope", SEG_SCALER_COLUMN_LOG1P, 1), SEG_OK);
    assert_int_equal(seg_scaler_stream_begin(&ss, sc), SEG_OK);
    expect_error(seg_scaler_stream_add(ss, b), SEG_ERR_NOT_FOUND, "names 'nope'");
    seg_scaler_stream_free(ss);
    seg_dataset_free(a);
    seg_dataset_free(b);
    seg_dataset_free(c);
    seg_scaler_free(sc);
}

/* ---- the chunked Lloyd ----------------------------------------------------------- */

/* n rows of blobs in d numeric columns, as CSV text. */
static char *blobs_csv(size_t n, size_t d, size_t blobs, uint64_t seed)
{
    double *x = malloc(n * d * sizeof *x);
    int32_t *truth = malloc(n * sizeof *truth);
    size_t cap = 64 + n * d * 26, len = 0;
    char *t = malloc(cap);
    assert_non_null(x);
    assert_non_null(truth);
    assert_non_null(t);
    tu_blobs(x, truth, n, d, blobs, seed);
    for (size_t j = 0; j < d; j++)
        len += (size_t)snprintf(t + len, cap - len, "%sx%zu", j ? "," : "", j);
    t[len++] = '\n';
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++)
            len += (size_t)snprintf(t + len, cap - len, "%s%.17g", j ? "," : "",
                                    x[i * d + j] * (1.0 + (double)j));
        t[len++] = '\n';
    }
    t[len] = '\0';
    free(x);
    free(truth);
    return t;
}

/* In-memory Lloyd from the given start on the file encoded by sc. */
static seg_model *memory_lloyd(const char *path, const seg_scaler *sc, const double *start,
                               size_t k)
{
    seg_dataset *all = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    size_t n, d = seg_scaler_features(sc);
    assert_int_equal(seg_dataset_read_csv(&all, path, NULL), SEG_OK);
    n = seg_dataset_rows(all);
    double *x = malloc(n * d * sizeof *x);
    assert_non_null(x);
    assert_int_equal(seg_scaler_transform_f64(sc, all, x, n * d), SEG_OK);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_init_centroids_f64(km, start, k, d), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, SEG_ALGORITHM_LLOYD), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 1), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &m), SEG_OK);
    seg_kmeans_free(km);
    seg_dataset_free(all);
    free(x);
    return m;
}

static void compare_models(const seg_model *a, const seg_model *b)
{
    const size_t k = seg_model_k(a), d = seg_model_dim(a);
    double *ca = malloc(k * d * sizeof *ca), *cb = malloc(k * d * sizeof *cb);
    assert_non_null(ca);
    assert_non_null(cb);
    assert_int_equal(seg_model_k(b), k);
    assert_int_equal(seg_model_rows(a), seg_model_rows(b));
    assert_int_equal(seg_model_iterations(a), seg_model_iterations(b));
    assert_int_equal(seg_model_converged(a), seg_model_converged(b));
    assert_int_equal(seg_model_centroids_f64(a, ca, k * d), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(b, cb, k * d), SEG_OK);
    for (size_t i = 0; i < k * d; i++)
        assert_true(fabs(ca[i] - cb[i]) <= 1e-9 * fmax(1.0, fabs(ca[i])));
    for (size_t j = 0; j < k; j++)
        assert_int_equal(seg_model_segment_size(a, j), seg_model_segment_size(b, j));
    assert_true(rel(seg_model_inertia(a), seg_model_inertia(b)) <= 1e-9);
    free(ca);
    free(cb);
}

/* The streamed model's outlier reference: each grid point sits within the
 * sketch's rank error of the exact quantile of its segment's distances. */
static void check_outlier_reference(const seg_model *m, const char *path, const seg_scaler *sc)
{
    seg_dataset *all = NULL;
    seg_predictor *p = NULL;
    const size_t k = seg_model_k(m);
    assert_true(seg_model_has_outlier_reference(m));
    assert_int_equal(seg_dataset_read_csv(&all, path, NULL), SEG_OK);
    const size_t n = seg_dataset_rows(all);
    int32_t *lab = malloc(n * sizeof *lab);
    double *dist = malloc(n * sizeof *dist), *v = malloc(n * sizeof *v);
    assert_non_null(lab);
    assert_non_null(dist);
    assert_non_null(v);
    (void)sc;
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(seg_predictor_run_dataset(p, all, lab, dist), SEG_OK);
    for (size_t j = 0; j < k; j++) {
        size_t m_j = 0;
        for (size_t i = 0; i < n; i++)
            if ((size_t)lab[i] == j)
                v[m_j++] = dist[i];
        qsort(v, m_j, sizeof *v, cmp_d);
        assert_true(m_j > SEG_STREAM_EXACT_VALUES || j > 0);
        const double slack = SEG_STREAM_QUANTILE_EPS * (double)m_j + 1;
        const double ps[] = {0.0, 0.1, 0.5, 0.9, 0.995, 1.0};
        for (size_t t = 0; t < sizeof ps / sizeof ps[0]; t++) {
            double got, pos = (double)(m_j - 1) * ps[t];
            assert_int_equal(seg_model_outlier_quantile(m, j, ps[t], &got), SEG_OK);
            size_t lo = (size_t)fmax(0, floor(pos) - slack);
            size_t hi = (size_t)fmin((double)m_j - 1, ceil(pos) + slack);
            assert_true(got >= v[lo] && got <= v[hi]);
        }
    }
    seg_predictor_free(p);
    seg_dataset_free(all);
    free(lab);
    free(dist);
    free(v);
}

/* From the same start, the chunked Lloyd is the in-memory Lloyd. The start
 * puts a centroid where no row is, so the first pass re-seeds it. */
static void test_chunked_lloyd_equals_memory(void **state)
{
    (void)state;
    const size_t n = 30000, d = 4, k = 5;
    char *text = blobs_csv(n, d, 4, 7);
    const char *path = write_tmp(text);
    seg_csv_chunker *ch = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *streamed = NULL, *mem = NULL;
    double start[5 * 4];
    uint64_t s = 3;
    for (size_t i = 0; i < k * d; i++)
        start[i] = i < (k - 1) * d ? tu_normal(&s) : 1e3; /* the last one is far away */
    assert_int_equal(seg_csv_chunker_open(&ch, path, NULL), SEG_OK);
    assert_int_equal(seg_csv_chunker_set_int(ch, SEG_CHUNKER_ROWS, 4096), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(stream_fit(ch, sc), SEG_OK);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_init_centroids_f64(km, start, k, d), SEG_OK);
    assert_int_equal(seg_kmeans_fit_chunks(km, ch, sc, 1000, &streamed), SEG_OK);
    mem = memory_lloyd(path, sc, start, k);
    compare_models(streamed, mem);
    check_outlier_reference(streamed, path, sc);
    assert_true(seg_model_iterations(mem) > 2);
    assert_non_null(seg_model_scaler(streamed));
    /* The model is complete enough to predict: the chunks' labels match. */
    seg_kmeans_free(km);
    seg_model_free(streamed);
    seg_model_free(mem);
    seg_scaler_free(sc);
    seg_csv_chunker_free(ch);
    remove(path);
    free(text);
}

/* A pass over two halves, merged, is the pass over the whole. */
static void test_lloyd_pass_merge(void **state)
{
    (void)state;
    const size_t n = 5000, d = 3, k = 4;
    double *x = malloc(n * d * sizeof *x), c[12], c2[12], s1[12], s2[12], in1, in2;
    int32_t *truth = malloc(n * sizeof *truth), *lab = malloc(n * sizeof *lab);
    int64_t n1[4], n2[4];
    seg_lloyd_pass *whole = NULL, *a = NULL, *b = NULL;
    assert_non_null(x);
    assert_non_null(truth);
    assert_non_null(lab);
    tu_blobs(x, truth, n, d, k, 5);
    for (size_t i = 0; i < k * d; i++)
        c[i] = x[i];
    assert_int_equal(seg_lloyd_pass_new(&whole, c, k, d), SEG_OK);
    assert_int_equal(seg_lloyd_pass_new(&a, c, k, d), SEG_OK);
    assert_int_equal(seg_lloyd_pass_new(&b, c, k, d), SEG_OK);
    assert_int_equal(seg_lloyd_pass_add_f64(whole, x, n, d, lab, NULL), SEG_OK);
    assert_int_equal(seg_lloyd_pass_add_f64(a, x, 1700, d, NULL, NULL), SEG_OK);
    assert_int_equal(seg_lloyd_pass_add_f64(b, x + 1700 * d, n - 1700, d, NULL, NULL), SEG_OK);
    assert_int_equal(seg_lloyd_pass_merge(a, b), SEG_OK);
    assert_int_equal(seg_lloyd_pass_stats(whole, s1, 12, n1, 4, &in1), SEG_OK);
    assert_int_equal(seg_lloyd_pass_stats(a, s2, 12, n2, 4, &in2), SEG_OK);
    /* Independent check: the labels are the nearest centroids, the counts theirs. */
    int64_t ref[4] = {0, 0, 0, 0};
    double ref_in = 0;
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        for (size_t j = 1; j < k; j++)
            if (tu_sqdist(x + i * d, c + j * d, d) < tu_sqdist(x + i * d, c + best * d, d))
                best = j;
        assert_int_equal(lab[i], (int32_t)best);
        ref[best]++;
        ref_in += tu_sqdist(x + i * d, c + best * d, d);
    }
    for (size_t j = 0; j < k; j++) {
        assert_int_equal(n1[j], ref[j]);
        assert_int_equal(n2[j], ref[j]);
    }
    for (size_t i = 0; i < k * d; i++)
        assert_true(rel(s1[i], s2[i]) <= 1e-12);
    assert_true(rel(in1, ref_in) <= 1e-9);
    assert_true(rel(in1, in2) <= 1e-12);
    assert_int_equal(seg_lloyd_pass_update(whole, c2, 12, NULL), SEG_OK);
    for (size_t i = 0; i < k * d; i++)
        assert_true(rel(c2[i], s1[i] / (double)n1[i / d]) <= 1e-15);
    /* Errors. */
    c[0] += 1;
    seg_lloyd_pass_free(b);
    assert_int_equal(seg_lloyd_pass_new(&b, c, k, d), SEG_OK);
    expect_error(seg_lloyd_pass_merge(a, b), SEG_ERR_MISMATCH, "do not share their centroids");
    expect_error(seg_lloyd_pass_add_f64(a, x, 1, 2, NULL, NULL), SEG_ERR_MISMATCH,
                 "rows of 2 features, the centroids have 3");
    expect_error(seg_lloyd_pass_update(a, c2, 11, NULL), SEG_ERR_INVALID_ARG, "holds 11 values");
    c[0] = NAN;
    expect_error(seg_lloyd_pass_reset(a, c, 12), SEG_ERR_NONFINITE, "is not finite");
    seg_lloyd_pass_free(whole);
    seg_lloyd_pass_free(a);
    seg_lloyd_pass_free(b);
    free(x);
    free(truth);
    free(lab);
}

/* Mini-batch over chunks: sizes and inertia are those of the final labels. */
static void test_chunked_minibatch(void **state)
{
    (void)state;
    const size_t n = 20000, d = 3, k = 4;
    char *text = blobs_csv(n, d, 4, 9);
    const char *path = write_tmp(text);
    seg_csv_chunker *ch = NULL;
    seg_scaler *sc = NULL;
    seg_minibatch *mb = NULL;
    seg_model *m = NULL, *mem = NULL;
    double c[12];
    assert_int_equal(seg_csv_chunker_open(&ch, path, NULL), SEG_OK);
    assert_int_equal(seg_csv_chunker_set_int(ch, SEG_CHUNKER_ROWS, 3000), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(stream_fit(ch, sc), SEG_OK);
    assert_int_equal(seg_minibatch_new(&mb), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, (int64_t)k), SEG_OK);
    expect_error(seg_minibatch_fit_chunks(mb, ch, sc, 0, 1, &m), SEG_ERR_INVALID_ARG,
                 "sample_rows is 0");
    assert_int_equal(seg_minibatch_fit_chunks(mb, ch, sc, 2000, 1, &m), SEG_OK);
    assert_int_equal(seg_model_rows(m), n);
    /* One in-memory Lloyd iteration from its centroids reproduces its sizes
     * and inertia (they are those of the nearest-centroid labels). */
    assert_int_equal(seg_model_centroids_f64(m, c, 12), SEG_OK);
    size_t total = 0;
    for (size_t j = 0; j < k; j++) {
        total += seg_model_segment_size(m, j);
        assert_true(seg_model_segment_size(m, j) > n / 8); /* the four blobs are found */
    }
    assert_int_equal(total, n);
    seg_kmeans *km = NULL;
    seg_dataset *all = NULL;
    double *x = malloc(n * d * sizeof *x);
    assert_non_null(x);
    assert_int_equal(seg_dataset_read_csv(&all, path, NULL), SEG_OK);
    assert_int_equal(seg_scaler_transform_f64(sc, all, x, n * d), SEG_OK);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_init_centroids_f64(km, c, k, d), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_MAX_ITER, 1), SEG_OK);
    int32_t *lab = malloc(n * sizeof *lab);
    double *dist = malloc(n * sizeof *dist), in = 0;
    assert_non_null(lab);
    assert_non_null(dist);
    seg_predictor *p = NULL;
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(seg_predictor_run_f64(p, x, n, d, lab, dist), SEG_OK);
    size_t cnt[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        cnt[lab[i]]++;
        in += dist[i] * dist[i]; /* the predictor gives distances, not squares */
    }
    for (size_t j = 0; j < k; j++)
        assert_int_equal(cnt[j], seg_model_segment_size(m, j));
    assert_true(rel(in, seg_model_inertia(m)) <= 1e-9);
    (void)mem;
    seg_predictor_free(p);
    seg_kmeans_free(km);
    seg_dataset_free(all);
    free(x);
    free(lab);
    free(dist);
    seg_model_free(m);
    seg_minibatch_free(mb);
    seg_scaler_free(sc);
    seg_csv_chunker_free(ch);
    remove(path);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunker_matches_reader),
        cmocka_unit_test(test_chunker_errors),
        cmocka_unit_test(test_stream_scaler_standard),
        cmocka_unit_test(test_stream_scaler_robust),
        cmocka_unit_test(test_stream_imputed),
        cmocka_unit_test(test_stream_scaler_small_exact),
        cmocka_unit_test(test_stream_scaler_errors),
        cmocka_unit_test(test_chunked_lloyd_equals_memory),
        cmocka_unit_test(test_lloyd_pass_merge),
        cmocka_unit_test(test_chunked_minibatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
