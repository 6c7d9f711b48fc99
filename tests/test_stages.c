/*
 * Each stage does its work once (docs/architecture.md, rule 4): the fit's
 * own last pass gives the labels and distances the later stages read.
 *
 * - The _encoded_ fits on rows the caller encoded give the model
 *   seg_kmeans_fit_dataset() / seg_minibatch_fit_dataset() give (every byte
 *   of the model file but the timings: centroids, sizes, inertia, profiles,
 *   outlier reference, scaler copy) and the same labels.
 * - Their distances and labels are a predictor's on the model, bit for bit,
 *   for every algorithm and precision, through the register kernel and
 *   through BLAS, and with more features than the register kernel takes.
 * - The outlier references equal those built from a predictor's run (in
 *   memory: seg_model_set_outlier_reference; from a file in chunks: the
 *   same sketches fed in the same order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "kernel/distance.h"
#include "model/model.h"
#include "model/outlier.h"
#include "prepare/qsketch.h"

/* ---- data ------------------------------------------------------------------------ */

/* A customer table of n rows: numeric (age, income with missing values,
 * visits) and categorical (region with a missing value, plan) columns. */
static char *mixed_csv(size_t n, uint64_t seed)
{
    static const char *const regions[] = {"north", "south", "east", "west", ""};
    static const char *const plans[] = {"basic", "gold", "premium"};
    size_t cap = 64 + n * 96, len = 0;
    char *t = malloc(cap);
    uint64_t s = seed;
    assert_non_null(t);
    len += (size_t)snprintf(t, cap, "age,income,visits,region,plan\n");
    for (size_t i = 0; i < n; i++) {
        const size_t g = tu_next(&s) % 4; /* a loose group, so segments exist */
        char income[32] = "NA";
        if (tu_next(&s) % 40)
            snprintf(income, sizeof income, "%.2f", exp(9.5 + 0.6 * (double)g + tu_normal(&s)));
        len += (size_t)snprintf(
            t + len, cap - len, "%d,%s,%d,%s,%s\n", (int)(25 + 10 * g + tu_next(&s) % 15), income,
            (int)(tu_next(&s) % (3 + 2 * g)), regions[(g + tu_next(&s) % 2) % 5],
            plans[(g + tu_next(&s) % 3) / 2 % 3]);
    }
    return t;
}

static seg_dataset *mixed_dataset(size_t n, uint64_t seed)
{
    char *text = mixed_csv(n, seed);
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, text, strlen(text), NULL), SEG_OK);
    free(text);
    return ds;
}

static seg_scaler *fitted_scaler(const seg_dataset *ds)
{
    seg_scaler *sc = NULL;
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    return sc;
}

/* ds encoded by sc in float or double (the caller frees it). */
static void *encode(const seg_dataset *ds, const seg_scaler *sc, bool f32)
{
    const size_t count = seg_dataset_rows(ds) * seg_scaler_features(sc);
    void *x = malloc(count * (f32 ? sizeof(float) : sizeof(double)));
    assert_non_null(x);
    assert_int_equal(f32 ? seg_scaler_transform_f32(sc, ds, x, count)
                         : seg_scaler_transform_f64(sc, ds, x, count),
                     SEG_OK);
    return x;
}

static seg_kmeans *kmeans(int64_t k, int64_t algorithm, int64_t n_init, bool f32)
{
    seg_kmeans *km = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, k), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_SEED, 11), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, n_init), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, algorithm), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_MIN_PROFILE_SIZE, 30), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_DTYPE, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64),
                     SEG_OK);
    return km;
}

static seg_minibatch *minibatch(int64_t k, bool f32)
{
    seg_minibatch *mb = NULL;
    assert_int_equal(seg_minibatch_new(&mb), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, k), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_SEED, 5), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_BATCH_SIZE, 256), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_MIN_PROFILE_SIZE, 30), SEG_OK);
    assert_int_equal(
        seg_minibatch_set_int(mb, SEG_MINIBATCH_DTYPE, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64),
        SEG_OK);
    return mb;
}

/* ---- comparisons --------------------------------------------------------------------- */

/* The model file's bytes with the timings zeroed (the only fields that may
 * differ between two fits of the same rows). */
static unsigned char *file_bytes(seg_model *m, size_t *size)
{
    const double fit = m->fit_seconds, init = m->init_seconds;
    m->fit_seconds = m->init_seconds = 0;
    assert_int_equal(seg_model_save_mem(m, NULL, 0, size), SEG_OK);
    unsigned char *b = malloc(*size);
    assert_non_null(b);
    assert_int_equal(seg_model_save_mem(m, b, *size, size), SEG_OK);
    m->fit_seconds = fit;
    m->init_seconds = init;
    return b;
}

static void assert_same_model(seg_model *a, seg_model *b)
{
    size_t na, nb;
    unsigned char *ba = file_bytes(a, &na), *bb = file_bytes(b, &nb);
    assert_int_equal(seg_model_k(a), seg_model_k(b));
    assert_true(seg_model_inertia(a) == seg_model_inertia(b));
    assert_true(a->d == b->d &&
                memcmp(a->centroids, b->centroids, a->k * a->d * sizeof *a->centroids) == 0);
    assert_true(seg_model_profile_items(a) > 0 && seg_model_has_outlier_reference(a));
    assert_int_equal(na, nb);
    assert_memory_equal(ba, bb, na);
    free(ba);
    free(bb);
}

/* labels and dist are a predictor's on m and x, bit for bit. */
static void assert_predict_gives(const seg_model *m, const void *x, bool f32, size_t n,
                                 const int32_t *labels, const double *dist)
{
    seg_predictor *p = NULL;
    int32_t *pl = malloc(n * sizeof *pl);
    double *pd = malloc(n * sizeof *pd);
    assert_non_null(pl);
    assert_non_null(pd);
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(f32 ? seg_predictor_run_f32(p, x, n, m->d, pl, pd)
                         : seg_predictor_run_f64(p, x, n, m->d, pl, pd),
                     SEG_OK);
    assert_memory_equal(pl, labels, n * sizeof *pl);
    assert_memory_equal(pd, dist, n * sizeof *pd);
    seg_predictor_free(p);
    free(pl);
    free(pd);
}

/* m's outlier grid is the one a predictor's labels and distances give. */
static void assert_reference_is_predict(const seg_model *m, const void *x, bool f32, size_t n)
{
    seg_predictor *p = NULL;
    seg_model *copy = NULL;
    int32_t *pl = malloc(n * sizeof *pl);
    double *pd = malloc(n * sizeof *pd);
    assert_non_null(pl);
    assert_non_null(pd);
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(f32 ? seg_predictor_run_f32(p, x, n, m->d, pl, pd)
                         : seg_predictor_run_f64(p, x, n, m->d, pl, pd),
                     SEG_OK);
    assert_int_equal(seg_model_create(&copy, m->k, m->d, m->dtype, m->centroids), SEG_OK);
    assert_int_equal(seg_model_set_outlier_reference(copy, pl, pd, n), SEG_OK);
    const size_t len = m->k * (m->outliers->q + 1);
    assert_int_equal(copy->outliers->q, m->outliers->q);
    assert_memory_equal(copy->outliers->quant, m->outliers->quant, len * sizeof(double));
    seg_model_free(copy);
    seg_predictor_free(p);
    free(pl);
    free(pd);
}

/* ---- in memory ---------------------------------------------------------------------- */

/* k-means on the encoded rows: seg_kmeans_fit_dataset()'s model and labels,
 * and a predictor's distances. */
static void check_kmeans(const seg_dataset *ds, const seg_scaler *sc, int64_t algorithm,
                         int64_t n_init, bool f32)
{
    const size_t n = seg_dataset_rows(ds), d = seg_scaler_features(sc);
    seg_kmeans *km = kmeans(4, algorithm, n_init, f32);
    seg_model *via_ds = NULL, *via_x = NULL;
    int32_t *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2);
    double *dist = malloc(n * sizeof *dist);
    void *x = encode(ds, sc, f32);
    assert_non_null(l1);
    assert_non_null(l2);
    assert_non_null(dist);
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, l1, &via_ds), SEG_OK);
    assert_int_equal(f32 ? seg_kmeans_fit_encoded_f32(km, ds, sc, x, n, d, l2, dist, &via_x)
                         : seg_kmeans_fit_encoded_f64(km, ds, sc, x, n, d, l2, dist, &via_x),
                     SEG_OK);
    assert_int_equal(via_x->dtype, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64);
    assert_same_model(via_ds, via_x);
    assert_memory_equal(l1, l2, n * sizeof *l1);
    assert_predict_gives(via_x, x, f32, n, l2, dist);
    assert_reference_is_predict(via_ds, x, f32, n);
    seg_model_free(via_ds);
    seg_model_free(via_x);
    seg_kmeans_free(km);
    free(l1);
    free(l2);
    free(dist);
    free(x);
}

static void test_kmeans_encoded(void **state)
{
    (void)state;
    seg_dataset *ds = mixed_dataset(3000, 7);
    seg_scaler *sc = fitted_scaler(ds);
    static const int64_t algorithms[] = {SEG_ALGORITHM_LLOYD, SEG_ALGORITHM_HAMERLY,
                                         SEG_ALGORITHM_ELKAN, SEG_ALGORITHM_YINYANG};
    for (int f32 = 0; f32 < 2; f32++)
        for (size_t a = 0; a < sizeof algorithms / sizeof algorithms[0]; a++)
            check_kmeans(ds, sc, algorithms[a], a == 0 ? 3 : 1, f32);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* The same through BLAS (the fit then labels the rows once more, exactly,
 * in the model's order of the centroids). */
static void test_kmeans_encoded_blas(void **state)
{
    (void)state;
    seg_dataset *ds = mixed_dataset(2000, 8);
    seg_scaler *sc = fitted_scaler(ds);
    seg_regkernel_force(-1);
    check_kmeans(ds, sc, SEG_ALGORITHM_LLOYD, 2, false);
    check_kmeans(ds, sc, SEG_ALGORITHM_HAMERLY, 1, true);
    seg_regkernel_force(0);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* More features than the register kernel takes, no scaler: an all-numeric
 * dataset used as it is. */
static void test_kmeans_encoded_wide(void **state)
{
    (void)state;
    const size_t n = 400, d = SEG_RK_DMAX + 8;
    double *x = malloc(n * d * sizeof *x);
    int32_t *truth = malloc(n * sizeof *truth), *lab = malloc(n * sizeof *lab);
    double *dist = malloc(n * sizeof *dist);
    seg_dataset *ds = NULL;
    seg_model *m = NULL, *via_ds = NULL;
    assert_non_null(x);
    assert_non_null(truth);
    assert_non_null(lab);
    assert_non_null(dist);
    tu_blobs(x, truth, n, d, 3, 21);
    assert_int_equal(seg_dataset_from_f64(&ds, x, n, d, NULL), SEG_OK);
    seg_kmeans *km = kmeans(3, SEG_ALGORITHM_AUTO, 1, false);
    assert_int_equal(seg_kmeans_fit_encoded_f64(km, ds, NULL, x, n, d, lab, dist, &m), SEG_OK);
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, NULL, NULL, &via_ds), SEG_OK);
    assert_same_model(via_ds, m);
    assert_predict_gives(m, x, false, n, lab, dist);
    assert_true(tu_ari(lab, truth, n, 3, 3) > 0.999);
    seg_model_free(m);
    seg_model_free(via_ds);
    seg_kmeans_free(km);
    seg_dataset_free(ds);
    free(x);
    free(truth);
    free(lab);
    free(dist);
}

static void check_minibatch(const seg_dataset *ds, const seg_scaler *sc, bool f32)
{
    const size_t n = seg_dataset_rows(ds), d = seg_scaler_features(sc);
    seg_minibatch *mb = minibatch(4, f32);
    seg_model *via_ds = NULL, *via_x = NULL;
    int32_t *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2);
    double *dist = malloc(n * sizeof *dist);
    void *x = encode(ds, sc, f32);
    assert_non_null(l1);
    assert_non_null(l2);
    assert_non_null(dist);
    assert_int_equal(seg_minibatch_fit_dataset(mb, ds, sc, l1, &via_ds), SEG_OK);
    assert_int_equal(f32 ? seg_minibatch_fit_encoded_f32(mb, ds, sc, x, n, d, l2, dist, &via_x)
                         : seg_minibatch_fit_encoded_f64(mb, ds, sc, x, n, d, l2, dist, &via_x),
                     SEG_OK);
    assert_same_model(via_ds, via_x);
    assert_memory_equal(l1, l2, n * sizeof *l1);
    assert_predict_gives(via_x, x, f32, n, l2, dist);
    assert_reference_is_predict(via_x, x, f32, n);
    seg_model_free(via_ds);
    seg_model_free(via_x);
    seg_minibatch_free(mb);
    free(l1);
    free(l2);
    free(dist);
    free(x);
}

static void test_minibatch_encoded(void **state)
{
    (void)state;
    seg_dataset *ds = mixed_dataset(5000, 9);
    seg_scaler *sc = fitted_scaler(ds);
    check_minibatch(ds, sc, false);
    check_minibatch(ds, sc, true);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* ---- the identity scaler: the dataset's own block, no copy --------------------- */

/* An n x d dataset of loose blobs in float or double (from_f32 / from_f64). */
static seg_dataset *blob_dataset(size_t n, size_t d, bool f32, uint64_t seed)
{
    float *xf = malloc(n * d * sizeof *xf);
    double *xd = malloc(n * d * sizeof *xd);
    uint64_t s = seed;
    seg_dataset *ds = NULL;
    assert_non_null(xf);
    assert_non_null(xd);
    for (size_t i = 0; i < n; i++) {
        const double g = (double)(tu_next(&s) % 4);
        for (size_t j = 0; j < d; j++) {
            /* a negative zero now and then: x - +0 must keep its sign */
            const double v =
                i % 97 == 0 ? -0.0 : 3.0 * g * (double)(j % 2 ? 1 : -1) + tu_normal(&s);
            xd[i * d + j] = v;
            xf[i * d + j] = (float)v;
        }
    }
    assert_int_equal(f32 ? seg_dataset_from_f32(&ds, xf, n, d, NULL)
                         : seg_dataset_from_f64(&ds, xd, n, d, NULL),
                     SEG_OK);
    free(xf);
    free(xd);
    return ds;
}

static seg_scaler *scaler_with(const seg_dataset *ds, int64_t method)
{
    seg_scaler *sc = NULL;
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_METHOD, method), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    return sc;
}

/* The fits of a dataset through a scaler that changes nothing read the
 * dataset's own block: the same model and labels as the fits of a
 * transformed copy, in both precisions, for k-means and mini-batch. */
static void test_identity_encoded(void **state)
{
    (void)state;
    for (int f32 = 0; f32 < 2; f32++) {
        seg_dataset *ds = blob_dataset(3000, 5, f32, 21);
        seg_scaler *sc = scaler_with(ds, SEG_SCALE_NONE);
        assert_int_equal(seg_scaler_is_identity(sc, ds), 1);
        assert_true(f32 ? seg_dataset_matrix_f32(ds) != NULL : seg_dataset_matrix_f64(ds) != NULL);
        assert_null(f32 ? (const void *)seg_dataset_matrix_f64(ds)
                        : (const void *)seg_dataset_matrix_f32(ds));
        /* the block is the transform, bit for bit */
        void *x = encode(ds, sc, f32);
        const void *own = f32 ? (const void *)seg_dataset_matrix_f32(ds)
                              : (const void *)seg_dataset_matrix_f64(ds);
        assert_memory_equal(x, own, 3000 * 5 * (f32 ? sizeof(float) : sizeof(double)));
        free(x);
        check_kmeans(ds, sc, SEG_ALGORITHM_LLOYD, 2, f32);
        check_kmeans(ds, sc, SEG_ALGORITHM_HAMERLY, 1, f32);
        check_minibatch(ds, sc, f32);
        seg_scaler_free(sc);
        seg_dataset_free(ds);
    }
}

/* When the transform changes something, or the block is not the matrix,
 * the answer is no. */
static void test_identity_refused(void **state)
{
    (void)state;
    seg_dataset *ds = blob_dataset(500, 4, true, 3), *other = blob_dataset(500, 4, true, 4);
    seg_scaler *sc = NULL;
    assert_int_equal(seg_scaler_is_identity(NULL, ds), 0);
    assert_null(seg_dataset_matrix_f32(NULL));
    assert_null(seg_dataset_matrix_f64(NULL));
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_METHOD, SEG_SCALE_NONE), SEG_OK);
    assert_int_equal(seg_scaler_is_identity(sc, ds), 0); /* not fitted */
    assert_int_equal(seg_scaler_set_column_int(sc, "x2", SEG_SCALER_COLUMN_LOG1P, 1), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_is_identity(sc, ds), 0); /* log1p on x2 */
    assert_int_equal(seg_scaler_is_identity(sc, NULL), 0);
    seg_scaler_free(sc);
    static const int64_t scaling[] = {SEG_SCALE_STANDARD, SEG_SCALE_MINMAX, SEG_SCALE_ROBUST};
    for (size_t i = 0; i < 3; i++) {
        sc = scaler_with(ds, scaling[i]);
        assert_int_equal(seg_scaler_is_identity(sc, ds), 0);
        seg_scaler_free(sc);
    }
    /* fitted on all four columns; a dataset with one less, or reordered */
    sc = scaler_with(ds, SEG_SCALE_NONE);
    assert_int_equal(seg_scaler_is_identity(sc, other), 1);
    const char *const drop[] = {"x3"}, *const order[] = {"x1", "x0", "x2", "x3"};
    assert_int_equal(seg_dataset_select(other, order, 4), SEG_OK);
    assert_int_equal(seg_scaler_is_identity(sc, other), 0);
    assert_null(seg_dataset_matrix_f32(other));
    assert_int_equal(seg_dataset_drop(ds, drop, 1), SEG_OK);
    assert_int_equal(seg_scaler_is_identity(sc, ds), 0);
    assert_null(seg_dataset_matrix_f32(ds));
    seg_scaler_free(sc);
    seg_dataset_free(other);
    seg_dataset_free(ds);
    /* numeric CSV columns with a missing value: the median fills it in */
    const char *csv = "a,b\n1,2\n3,\n5,6\n";
    assert_int_equal(seg_dataset_read_csv_memory(&ds, csv, strlen(csv), NULL), SEG_OK);
    sc = scaler_with(ds, SEG_SCALE_NONE);
    assert_int_equal(seg_scaler_is_identity(sc, ds), 0);
    assert_null(seg_dataset_matrix_f64(ds));
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* Counts the blocks of at least `at_least` bytes a fit asks its allocator for. */
typedef struct big_blocks {
    size_t at_least;
    int count;
} big_blocks;

static void *big_alloc(void *user, size_t size)
{
    big_blocks *b = user;
    b->count += size >= b->at_least;
    return malloc(size);
}

static void big_free(void *user, void *ptr)
{
    (void)user;
    free(ptr);
}

/* The number of blocks the size of the data (or larger) that a k-means fit
 * of ds through a scaler of the given method allocates. */
static int data_sized_blocks(const seg_dataset *ds, int64_t method, size_t bytes)
{
    big_blocks b = {bytes, 0};
    seg_allocator *a = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    seg_scaler *sc = scaler_with(ds, method);
    assert_int_equal(seg_allocator_new(&a, big_alloc, big_free, &b), SEG_OK);
    assert_int_equal(seg_kmeans_new_with_allocator(&km, a), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 4), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_DTYPE, SEG_DTYPE_F32), SEG_OK);
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, NULL, &m), SEG_OK);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_allocator_free(a);
    seg_scaler_free(sc);
    return b.count;
}

/* The fit of a dataset through the identity scaler makes no copy of the
 * rows (issue 20: peak memory): one data-sized block fewer than through a
 * scaler that changes them (the fit itself may keep one, a transposed copy
 * of small data, the same in both). */
static void test_identity_no_copy(void **state)
{
    (void)state;
    const size_t n = 4000, d = 32;
    seg_dataset *ds = blob_dataset(n, d, true, 5);
    const int copied = data_sized_blocks(ds, SEG_SCALE_STANDARD, n * d * sizeof(float));
    const int borrowed = data_sized_blocks(ds, SEG_SCALE_NONE, n * d * sizeof(float));
    assert_int_equal(borrowed + 1, copied);
    seg_dataset_free(ds);
}

/* A Ward-like partition (here: by the first column's sign) on the rows at
 * hand: the model seg_model_from_labels_min_profile() builds. */
static void test_from_labels_encoded(void **state)
{
    (void)state;
    seg_dataset *ds = mixed_dataset(1500, 10);
    seg_scaler *sc = fitted_scaler(ds);
    const size_t n = seg_dataset_rows(ds), d = seg_scaler_features(sc);
    double *x = encode(ds, sc, false);
    int32_t *lab = malloc(n * sizeof *lab);
    seg_model *a = NULL, *b = NULL;
    assert_non_null(lab);
    for (size_t i = 0; i < n; i++)
        lab[i] = (x[i * d] > 0) + 2 * (x[i * d + 1] > 0);
    assert_int_equal(seg_model_from_labels_min_profile(ds, sc, lab, 4, 20, &a), SEG_OK);
    assert_int_equal(seg_model_from_labels_encoded_f64(ds, sc, x, n, d, lab, 4, 20, &b), SEG_OK);
    assert_same_model(a, b);
    assert_reference_is_predict(b, x, false, n);
    seg_model_free(b);
    b = NULL;
    /* The wrong shape is refused. */
    assert_int_equal(seg_model_from_labels_encoded_f64(ds, sc, x, n - 1, d, lab, 4, 0, &b),
                     SEG_ERR_MISMATCH);
    assert_null(b);
    assert_int_equal(seg_model_from_labels_encoded_f64(ds, sc, NULL, n, d, lab, 4, 0, &b),
                     SEG_ERR_INVALID_ARG);
    seg_model_free(a);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    free(x);
    free(lab);
}

static void test_encoded_errors(void **state)
{
    (void)state;
    seg_dataset *ds = mixed_dataset(200, 12);
    seg_scaler *sc = fitted_scaler(ds), *unfitted = NULL;
    const size_t n = seg_dataset_rows(ds), d = seg_scaler_features(sc);
    double *x = encode(ds, sc, false);
    seg_kmeans *km = kmeans(3, SEG_ALGORITHM_AUTO, 1, false);
    seg_minibatch *mb = minibatch(3, false);
    seg_model *m = (seg_model *)x; /* must be reset to NULL */
    assert_int_equal(seg_scaler_new(&unfitted), SEG_OK);
    assert_int_equal(seg_kmeans_fit_encoded_f64(km, ds, sc, x, n, d, NULL, NULL, NULL),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kmeans_fit_encoded_f64(NULL, ds, sc, x, n, d, NULL, NULL, &m),
                     SEG_ERR_INVALID_ARG);
    assert_null(m);
    assert_int_equal(seg_kmeans_fit_encoded_f64(km, NULL, sc, x, n, d, NULL, NULL, &m),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kmeans_fit_encoded_f64(km, ds, sc, NULL, n, d, NULL, NULL, &m),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kmeans_fit_encoded_f64(km, ds, unfitted, x, n, d, NULL, NULL, &m),
                     SEG_ERR_STATE);
    assert_int_equal(seg_kmeans_fit_encoded_f64(km, ds, sc, x, n + 1, d, NULL, NULL, &m),
                     SEG_ERR_MISMATCH);
    assert_int_equal(seg_kmeans_fit_encoded_f64(km, ds, sc, x, n, d - 1, NULL, NULL, &m),
                     SEG_ERR_MISMATCH);
    assert_int_equal(seg_minibatch_fit_encoded_f64(mb, ds, sc, x, n, d + 1, NULL, NULL, &m),
                     SEG_ERR_MISMATCH);
    assert_int_equal(seg_minibatch_fit_encoded_f64(NULL, ds, sc, x, n, d, NULL, NULL, &m),
                     SEG_ERR_INVALID_ARG);
    assert_null(m);
    /* Without labels and distances the model is still complete. */
    assert_int_equal(seg_kmeans_fit_encoded_f64(km, ds, sc, x, n, d, NULL, NULL, &m), SEG_OK);
    assert_true(seg_model_has_outlier_reference(m) && seg_model_profile_items(m) > 0);
    seg_model_free(m);
    assert_int_equal(seg_minibatch_fit_encoded_f64(mb, ds, sc, x, n, d, NULL, NULL, &m), SEG_OK);
    assert_true(seg_model_has_outlier_reference(m) && seg_model_profile_items(m) > 0);
    seg_model_free(m);
    seg_minibatch_free(mb);
    seg_kmeans_free(km);
    seg_scaler_free(unfitted);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    free(x);
}

/* ---- a file in chunks --------------------------------------------------------------- */

/* The grid outlier.c makes of sketches fed, in row order, the distances a
 * predictor gives the whole file's rows x (n, encoded in double). */
static double *predict_grid(const seg_model *m, const double *x, size_t n)
{
    const size_t k = m->k, q = SEG_OUTLIER_GRID;
    seg_predictor *p = NULL;
    seg_qsketch *sk = NULL;
    int32_t *lab = malloc(n * sizeof *lab);
    double *dist = malloc(n * sizeof *dist), *g = malloc(k * (q + 1) * sizeof *g);
    assert_non_null(lab);
    assert_non_null(dist);
    assert_non_null(g);
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(seg_predictor_run_f64(p, x, n, m->d, lab, dist), SEG_OK);
    assert_int_equal(
        seg_qsketch_array_new(&sk, k, SEG_STREAM_QUANTILE_EPS, SEG_STREAM_EXACT_VALUES), SEG_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seg_qsketch_add(&sk[lab[i]], dist[i]), SEG_OK);
    for (size_t j = 0; j < k; j++) {
        assert_int_equal(seg_qsketch_flush(&sk[j]), SEG_OK);
        for (size_t i = 0; i <= q; i++) {
            double *v = g + j * (q + 1) + i;
            *v = sk[j].n ? seg_qsketch_quantile(&sk[j], (double)i / (double)q) : NAN;
            if (i > 0 && *v < v[-1])
                *v = v[-1];
        }
    }
    seg_qsketch_array_free(sk, k);
    seg_predictor_free(p);
    free(lab);
    free(dist);
    return g;
}

static int stream_fit(seg_csv_chunker *ch, seg_scaler *sc)
{
    seg_scaler_stream *ss = NULL;
    seg_dataset *ds = NULL;
    int rc = seg_scaler_stream_begin(&ss, sc);
    while (rc == SEG_OK && (rc = seg_csv_chunker_next(ch, &ds)) > 0) {
        rc = seg_scaler_stream_add(ss, ds);
        seg_dataset_free(ds);
    }
    if (rc == 0)
        rc = seg_scaler_stream_finish(ss, sc);
    seg_scaler_stream_free(ss);
    return rc;
}

/* Chunked fits: the reference is a predictor's, from the last iteration's
 * pass (max_iter reached, mini-batch's sizes pass) or from one more pass
 * (the labels stopped changing; or BLAS). */
static void check_chunked(const char *path, int64_t max_iter, bool use_minibatch)
{
    seg_csv_chunker *ch = NULL;
    seg_scaler *sc = NULL;
    seg_dataset *all = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_csv_chunker_open(&ch, path, NULL), SEG_OK);
    assert_int_equal(seg_csv_chunker_set_int(ch, SEG_CHUNKER_ROWS, 2048), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(stream_fit(ch, sc), SEG_OK);
    if (use_minibatch) {
        seg_minibatch *mb = minibatch(4, false);
        assert_int_equal(seg_minibatch_fit_chunks(mb, ch, sc, 2000, 3, &m), SEG_OK);
        seg_minibatch_free(mb);
    } else {
        seg_kmeans *km = kmeans(4, SEG_ALGORITHM_LLOYD, 1, false);
        assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_MAX_ITER, max_iter), SEG_OK);
        /* no tolerance: only the iteration limit or unchanged labels end it */
        assert_int_equal(seg_kmeans_set_double(km, SEG_KMEANS_TOL, 0), SEG_OK);
        assert_int_equal(seg_kmeans_fit_chunks(km, ch, sc, 2000, &m), SEG_OK);
        assert_true(seg_model_iterations(m) <= max_iter);
        seg_kmeans_free(km);
    }
    assert_int_equal(seg_dataset_read_csv(&all, path, NULL), SEG_OK);
    const size_t n = seg_dataset_rows(all);
    double *x = encode(all, sc, false);
    double *g = predict_grid(m, x, n);
    assert_true(seg_model_has_outlier_reference(m));
    assert_memory_equal(m->outliers->quant, g, m->k * (SEG_OUTLIER_GRID + 1) * sizeof *g);
    seg_model_free(m);
    seg_dataset_free(all);
    seg_scaler_free(sc);
    seg_csv_chunker_free(ch);
    free(x);
    free(g);
}

static void test_chunked_reference(void **state)
{
    (void)state;
    char path[] = "/tmp/seg_test_stages_XXXXXX";
    char *text = mixed_csv(9000, 13);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    check_chunked(path, 2, false);   /* max_iter ends it: scored by its last pass */
    check_chunked(path, 300, false); /* the labels stop changing: one more pass */
    check_chunked(path, 0, true);
    seg_regkernel_force(-1);
    check_chunked(path, 2, false);
    check_chunked(path, 0, true);
    seg_regkernel_force(0);
    remove(path);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kmeans_encoded),      cmocka_unit_test(test_kmeans_encoded_blas),
        cmocka_unit_test(test_kmeans_encoded_wide), cmocka_unit_test(test_minibatch_encoded),
        cmocka_unit_test(test_from_labels_encoded), cmocka_unit_test(test_encoded_errors),
        cmocka_unit_test(test_chunked_reference),   cmocka_unit_test(test_identity_encoded),
        cmocka_unit_test(test_identity_refused),    cmocka_unit_test(test_identity_no_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
