/*
 * Settings of every configurable object, through the one idiom of
 * docs/api.md: for each setting, set then get gives the value back; the
 * bounds query gives the documented range, whose ends are accepted and
 * whose neighbours outside are refused with SEG_ERR_INVALID_ARG, the old
 * value staying; settings of another kind, unknown ids and NULL objects are
 * refused. The expected ranges are written out here from seg.h, not read
 * from the library's tables. Public API only.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "seg.h"

#define I64_LO ((double)INT64_MIN)
#define I64_HI ((double)INT64_MAX)

/* One object seen through its settings calls (NULL: the object has none). */
typedef struct ops {
    const char *name;
    void *obj;
    int (*set_int)(void *obj, int id, int64_t v);
    int (*get_int)(const void *obj, int id, int64_t *v);
    int (*set_real)(void *obj, int id, double v);
    int (*get_real)(const void *obj, int id, double *v);
    int (*bounds)(int id, double *lo, double *hi);
} ops;

/* A setting and its documented range. */
typedef struct row {
    int id;
    bool real;
    double lo, hi;
} row;

/* Adapters from each object's typed calls to the ops above. */
#define INT_OPS(obj, T, P)                                                                         \
    static int obj##_si(void *o, int id, int64_t v)                                                \
    {                                                                                              \
        return seg_##obj##_set_int(o, (P)id, v);                                                   \
    }                                                                                              \
    static int obj##_gi(const void *o, int id, int64_t *v)                                         \
    {                                                                                              \
        return seg_##obj##_get_int((const T *)o, (P)id, v);                                        \
    }
#define REAL_OPS(obj, T, P)                                                                        \
    static int obj##_sr(void *o, int id, double v)                                                 \
    {                                                                                              \
        return seg_##obj##_set_double(o, (P)id, v);                                                \
    }                                                                                              \
    static int obj##_gr(const void *o, int id, double *v)                                          \
    {                                                                                              \
        return seg_##obj##_get_double((const T *)o, (P)id, v);                                     \
    }
#define BOUNDS_OPS(obj, P)                                                                         \
    static int obj##_b(int id, double *lo, double *hi)                                             \
    {                                                                                              \
        return seg_##obj##_param_bounds((P)id, lo, hi);                                            \
    }

static int64_t whole(double v)
{
    return v <= I64_LO ? INT64_MIN : v >= I64_HI ? INT64_MAX : (int64_t)v;
}

static void check_int(const ops *o, const row *r)
{
    const int64_t lo = whole(r->lo), hi = whole(r->hi), mid = lo / 2 + hi / 2;
    const int64_t tries[] = {lo, hi, mid};
    int64_t v = -12345;
    double dv;
    for (size_t i = 0; i < 3; i++) {
        if (o->set_int(o->obj, r->id, tries[i]) != SEG_OK)
            fail_msg("%s %d: set %lld refused: %s", o->name, r->id, (long long)tries[i],
                     seg_last_error());
        assert_int_equal(o->get_int(o->obj, r->id, &v), SEG_OK);
        if (v != tries[i])
            fail_msg("%s %d: set %lld, got %lld", o->name, r->id, (long long)tries[i],
                     (long long)v);
    }
    /* Just outside, where int64 has room: refused, the value kept. */
    if (lo > INT64_MIN)
        assert_int_equal(o->set_int(o->obj, r->id, lo - 1), SEG_ERR_INVALID_ARG);
    if (hi < INT64_MAX)
        assert_int_equal(o->set_int(o->obj, r->id, hi + 1), SEG_ERR_INVALID_ARG);
    assert_int_equal(o->get_int(o->obj, r->id, &v), SEG_OK);
    assert_int_equal(v, mid);
    /* The other kind, a NULL object, a NULL output. */
    if (o->set_real) {
        assert_int_equal(o->set_real(o->obj, r->id, (double)mid), SEG_ERR_INVALID_ARG);
        assert_int_equal(o->get_real(o->obj, r->id, &dv), SEG_ERR_INVALID_ARG);
    }
    assert_int_equal(o->set_int(NULL, r->id, mid), SEG_ERR_INVALID_ARG);
    assert_int_equal(o->get_int(NULL, r->id, &v), SEG_ERR_INVALID_ARG);
    assert_int_equal(o->get_int(o->obj, r->id, NULL), SEG_ERR_INVALID_ARG);
}

static void check_real(const ops *o, const row *r)
{
    const double tries[] = {r->lo, r->hi, r->lo / 2 + r->hi / 2};
    double v = -12345;
    int64_t iv;
    for (size_t i = 0; i < 3; i++) {
        if (o->set_real(o->obj, r->id, tries[i]) != SEG_OK)
            fail_msg("%s %d: set %.17g refused: %s", o->name, r->id, tries[i], seg_last_error());
        assert_int_equal(o->get_real(o->obj, r->id, &v), SEG_OK);
        if (v != tries[i])
            fail_msg("%s %d: set %.17g, got %.17g", o->name, r->id, tries[i], v);
    }
    assert_int_equal(o->set_real(o->obj, r->id, nextafter(r->lo, -INFINITY)), SEG_ERR_INVALID_ARG);
    assert_int_equal(o->set_real(o->obj, r->id, nextafter(r->hi, INFINITY)), SEG_ERR_INVALID_ARG);
    assert_int_equal(o->set_real(o->obj, r->id, NAN), SEG_ERR_INVALID_ARG);
    assert_int_equal(o->get_real(o->obj, r->id, &v), SEG_OK);
    assert_true(v == tries[2]);
    if (o->set_int) {
        assert_int_equal(o->set_int(o->obj, r->id, 0), SEG_ERR_INVALID_ARG);
        assert_int_equal(o->get_int(o->obj, r->id, &iv), SEG_ERR_INVALID_ARG);
    }
    assert_int_equal(o->set_real(NULL, r->id, tries[2]), SEG_ERR_INVALID_ARG);
    assert_int_equal(o->get_real(NULL, r->id, &v), SEG_ERR_INVALID_ARG);
    assert_int_equal(o->get_real(o->obj, r->id, NULL), SEG_ERR_INVALID_ARG);
}

/* Every row of an object, then ids it does not have. */
static void check_object(const ops *o, const row *rows, size_t n)
{
    static const int unknown[] = {-1, 0, 1, 99, 150, 199, 250, 299, 1000};
    double lo, hi;
    int64_t iv;
    double dv;
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        if (o->bounds(r->id, &lo, &hi) != SEG_OK)
            fail_msg("%s %d: no bounds: %s", o->name, r->id, seg_last_error());
        if (lo != r->lo || hi != r->hi)
            fail_msg("%s %d: bounds %.17g .. %.17g, documented %.17g .. %.17g", o->name, r->id, lo,
                     hi, r->lo, r->hi);
        assert_int_equal(o->bounds(r->id, NULL, &hi), SEG_ERR_INVALID_ARG);
        assert_int_equal(o->bounds(r->id, &lo, NULL), SEG_ERR_INVALID_ARG);
        if (r->real)
            check_real(o, r);
        else
            check_int(o, r);
    }
    for (size_t u = 0; u < sizeof unknown / sizeof unknown[0]; u++) {
        const int id = unknown[u];
        for (size_t i = 0; i < n; i++)
            assert_int_not_equal(rows[i].id, id);
        assert_int_equal(o->bounds(id, &lo, &hi), SEG_ERR_INVALID_ARG);
        if (o->set_int) {
            assert_int_equal(o->set_int(o->obj, id, 1), SEG_ERR_INVALID_ARG);
            assert_int_equal(o->get_int(o->obj, id, &iv), SEG_ERR_INVALID_ARG);
        }
        if (o->set_real) {
            assert_int_equal(o->set_real(o->obj, id, 1), SEG_ERR_INVALID_ARG);
            assert_int_equal(o->get_real(o->obj, id, &dv), SEG_ERR_INVALID_ARG);
        }
    }
}

#define CHECK(o, rows) check_object(o, rows, sizeof rows / sizeof rows[0])

/* ---- k-means --------------------------------------------------------------- */

INT_OPS(kmeans, seg_kmeans, seg_kmeans_param)
REAL_OPS(kmeans, seg_kmeans, seg_kmeans_param)
BOUNDS_OPS(kmeans, seg_kmeans_param)

static void test_kmeans(void **state)
{
    (void)state;
    static const row rows[] = {
        {SEG_KMEANS_K, false, 1, 1e6},
        {SEG_KMEANS_MAX_ITER, false, 1, 1e9},
        {SEG_KMEANS_N_INIT, false, 1, 1e6},
        {SEG_KMEANS_INIT, false, SEG_INIT_KMEANSPP, SEG_INIT_KMEANS_PARALLEL},
        {SEG_KMEANS_SEED, false, I64_LO, I64_HI},
        {SEG_KMEANS_THREADS, false, 0, 4096},
        {SEG_KMEANS_DTYPE, false, SEG_DTYPE_F64, SEG_DTYPE_F32},
        {SEG_KMEANS_ALGORITHM, false, SEG_ALGORITHM_LLOYD, SEG_ALGORITHM_AUTO},
        {SEG_KMEANS_MIN_PROFILE_SIZE, false, 0, 1e12},
        {SEG_KMEANS_INIT_ROUNDS, false, 1, 100},
        {SEG_KMEANS_TOL, true, 0, 1e6},
    };
    const double c[] = {1, 2};
    seg_kmeans *km = NULL;
    int64_t v;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    /* SEG_INIT_GIVEN needs centroids. */
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_INIT, SEG_INIT_GIVEN), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "seg_kmeans_set_init_centroids_f64() first"));
    assert_int_equal(seg_kmeans_get_int(km, SEG_KMEANS_INIT, &v), SEG_OK);
    assert_int_equal(v, SEG_INIT_KMEANSPP);
    assert_int_equal(seg_kmeans_set_init_centroids_f64(km, c, 2, 1), SEG_OK);
    /* The message every object gives for a value out of range. */
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 0), SEG_ERR_INVALID_ARG);
    assert_string_equal(seg_last_error(),
                        "bad k-means setting 100 (SEG_KMEANS_K): 0 is outside 1 .. 1000000");
    const ops o = {"k-means", km, kmeans_si, kmeans_gi, kmeans_sr, kmeans_gr, kmeans_b};
    CHECK(&o, rows);
    seg_kmeans_free(km);
}

/* ---- mini-batch ------------------------------------------------------------ */

INT_OPS(minibatch, seg_minibatch, seg_minibatch_param)
REAL_OPS(minibatch, seg_minibatch, seg_minibatch_param)
BOUNDS_OPS(minibatch, seg_minibatch_param)

static void test_minibatch(void **state)
{
    (void)state;
    static const row rows[] = {
        {SEG_MINIBATCH_K, false, 1, 1e6},
        {SEG_MINIBATCH_BATCH_SIZE, false, 1, 1 << 30},
        {SEG_MINIBATCH_MAX_STEPS, false, 0, 1e9},
        {SEG_MINIBATCH_SEED, false, I64_LO, I64_HI},
        {SEG_MINIBATCH_INIT_SAMPLE, false, 0, 1099511627776.0},
        {SEG_MINIBATCH_N_INIT, false, 1, 1000},
        {SEG_MINIBATCH_MAX_NO_IMPROVEMENT, false, 0, 1e9},
        {SEG_MINIBATCH_THREADS, false, 0, 4096},
        {SEG_MINIBATCH_MIN_PROFILE_SIZE, false, 0, 1e12},
        {SEG_MINIBATCH_DTYPE, false, SEG_DTYPE_F64, SEG_DTYPE_F32},
        {SEG_MINIBATCH_FORGET, true, 0, 1 - DBL_EPSILON / 2}, /* 0 .. < 1 */
        {SEG_MINIBATCH_REASSIGN_RATIO, true, 0, 1},
        {SEG_MINIBATCH_TOL, true, 0, 1},
    };
    seg_minibatch *mb = NULL;
    int64_t v = -1;
    double d = -1;
    assert_int_equal(seg_minibatch_new(&mb), SEG_OK);
    /* The documented defaults. */
    assert_int_equal(seg_minibatch_get_int(mb, SEG_MINIBATCH_BATCH_SIZE, &v), SEG_OK);
    assert_int_equal(v, 1024);
    assert_int_equal(seg_minibatch_get_double(mb, SEG_MINIBATCH_TOL, &d), SEG_OK);
    assert_true(d == 1e-7);
    const ops o = {"mini-batch", mb,           minibatch_si, minibatch_gi,
                   minibatch_sr, minibatch_gr, minibatch_b};
    CHECK(&o, rows);
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_FORGET, 1), SEG_ERR_INVALID_ARG);
    seg_minibatch_free(mb);
}

/* ---- sweep ----------------------------------------------------------------- */

INT_OPS(sweep, seg_sweep, seg_sweep_param)
REAL_OPS(sweep, seg_sweep, seg_sweep_param)
BOUNDS_OPS(sweep, seg_sweep_param)

static void test_sweep(void **state)
{
    (void)state;
    static const row rows[] = {
        {SEG_SWEEP_K_MIN, false, 2, 1e6},
        {SEG_SWEEP_K_MAX, false, 2, 1e6},
        {SEG_SWEEP_SILHOUETTE_SAMPLE, false, 0, I64_HI},
        {SEG_SWEEP_SEED, false, I64_LO, I64_HI},
        {SEG_SWEEP_MIN_SHARE, true, 0, 1},
        {SEG_SWEEP_MAX_SHARE, true, 0, 1},
    };
    seg_sweep *s = NULL;
    int64_t v = -1;
    double d = -1;
    assert_int_equal(seg_sweep_new(&s), SEG_OK);
    assert_int_equal(seg_sweep_get_int(s, SEG_SWEEP_SILHOUETTE_SAMPLE, &v), SEG_OK);
    assert_int_equal(v, 10000);
    assert_int_equal(seg_sweep_get_double(s, SEG_SWEEP_MAX_SHARE, &d), SEG_OK);
    assert_true(d == 0.60);
    const ops o = {"sweep", s, sweep_si, sweep_gi, sweep_sr, sweep_gr, sweep_b};
    CHECK(&o, rows);
    seg_sweep_free(s);
}

/* ---- predictor ------------------------------------------------------------- */

INT_OPS(predictor, seg_predictor, seg_predictor_param)
BOUNDS_OPS(predictor, seg_predictor_param)

static void test_predictor(void **state)
{
    (void)state;
    static const row rows[] = {{SEG_PREDICTOR_THREADS, false, 0, 4096}};
    const double x[] = {0, 1, 10, 11};
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    seg_predictor *p = NULL;
    int64_t v = -1;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 2), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 4, 1, NULL, NULL, &m), SEG_OK);
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(seg_predictor_get_int(p, SEG_PREDICTOR_THREADS, &v), SEG_OK);
    assert_int_equal(v, 1);
    const ops o = {"predictor", p, predictor_si, predictor_gi, NULL, NULL, predictor_b};
    CHECK(&o, rows);
    seg_predictor_free(p);
    seg_model_free(m);
    seg_kmeans_free(km);
}

/* ---- campaign -------------------------------------------------------------- */

REAL_OPS(campaign, seg_campaign, seg_campaign_param)
BOUNDS_OPS(campaign, seg_campaign_param)

static void test_campaign(void **state)
{
    (void)state;
    static const row rows[] = {
        {SEG_CAMPAIGN_COST_PER_CONTACT, true, 0, DBL_MAX},
        {SEG_CAMPAIGN_REVENUE_PER_CONVERSION, true, 0, DBL_MAX},
    };
    seg_campaign *c = NULL;
    double d = 0;
    assert_int_equal(seg_campaign_new(&c), SEG_OK);
    assert_int_equal(seg_campaign_get_double(c, SEG_CAMPAIGN_COST_PER_CONTACT, &d), SEG_OK);
    assert_true(isnan(d)); /* unset */
    assert_int_equal(seg_campaign_set_double(c, SEG_CAMPAIGN_COST_PER_CONTACT, INFINITY),
                     SEG_ERR_INVALID_ARG);
    const ops o = {"campaign", c, NULL, NULL, campaign_sr, campaign_gr, campaign_b};
    CHECK(&o, rows);
    seg_campaign_free(c);
}

/* ---- scaler ---------------------------------------------------------------- */

INT_OPS(scaler, seg_scaler, seg_scaler_param)
BOUNDS_OPS(scaler, seg_scaler_param)

/* Per-column scaler settings, on one column. */
#define COLUMN "balance"
static int column_si(void *o, int id, int64_t v)
{
    return seg_scaler_set_column_int(o, COLUMN, (seg_scaler_column_param)id, v);
}
static int column_gi(const void *o, int id, int64_t *v)
{
    return seg_scaler_get_column_int(o, COLUMN, (seg_scaler_column_param)id, v);
}
static int column_b(int id, double *lo, double *hi)
{
    return seg_scaler_column_param_bounds((seg_scaler_column_param)id, lo, hi);
}

static void test_scaler(void **state)
{
    (void)state;
    static const row rows[] = {
        {SEG_SCALER_METHOD, false, SEG_SCALE_NONE, SEG_SCALE_ROBUST},
        {SEG_SCALER_DROP_FIRST, false, 0, 1},
        {SEG_SCALER_CATEGORICAL_MISSING, false, SEG_IMPUTE_LEVEL, SEG_IMPUTE_MODE},
        {SEG_SCALER_MAX_LEVELS, false, 2, 1e6},
        {SEG_SCALER_ALLOW_IDENTIFIERS, false, 0, 1},
        {SEG_SCALER_MIN_LEVEL_COUNT, false, 0, 1e12},
        {SEG_SCALER_THREADS, false, 0, 4096},
    };
    static const row column_rows[] = {
        {SEG_SCALER_COLUMN_METHOD, false, SEG_SCALE_NONE, SEG_SCALE_ROBUST},
        {SEG_SCALER_COLUMN_LOG1P, false, 0, 1},
    };
    seg_scaler *sc = NULL;
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    const ops o = {"scaler", sc, scaler_si, scaler_gi, NULL, NULL, scaler_b};
    CHECK(&o, rows);
    const ops col = {"scaler column", sc, column_si, column_gi, NULL, NULL, column_b};
    CHECK(&col, column_rows);
    assert_int_equal(seg_scaler_get_column_int(sc, NULL, SEG_SCALER_COLUMN_LOG1P, &(int64_t){0}),
                     SEG_ERR_INVALID_ARG);
    seg_scaler_free(sc);
}

/* A column never set reads as what the fit would use; a refused per-column
 * value adds no column (which the fit would then look for). */
static void test_scaler_column_fallback(void **state)
{
    (void)state;
    seg_scaler *sc = NULL;
    seg_dataset *ds = NULL;
    int64_t v = -1;
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_get_column_int(sc, "age", SEG_SCALER_COLUMN_METHOD, &v), SEG_OK);
    assert_int_equal(v, SEG_SCALE_STANDARD);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_METHOD, SEG_SCALE_MINMAX), SEG_OK);
    assert_int_equal(seg_scaler_get_column_int(sc, "age", SEG_SCALER_COLUMN_METHOD, &v), SEG_OK);
    assert_int_equal(v, SEG_SCALE_MINMAX);
    assert_int_equal(seg_scaler_set_column_int(sc, "age", SEG_SCALER_COLUMN_LOG1P, 1), SEG_OK);
    assert_int_equal(seg_scaler_get_column_int(sc, "age", SEG_SCALER_COLUMN_METHOD, &v), SEG_OK);
    assert_int_equal(v, SEG_SCALE_MINMAX); /* only LOG1P was given */
    assert_int_equal(seg_scaler_get_column_int(sc, "age", SEG_SCALER_COLUMN_LOG1P, &v), SEG_OK);
    assert_int_equal(v, 1);
    assert_int_equal(seg_scaler_set_column_int(sc, "age", SEG_SCALER_COLUMN_LOG1P, 2),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_get_column_int(sc, "age", SEG_SCALER_COLUMN_LOG1P, &v), SEG_OK);
    assert_int_equal(v, 1);
    seg_scaler_free(sc);

    /* A refused value adds no column: the fit does not look for it ... */
    const double x[] = {1, 2, 3};
    assert_int_equal(seg_dataset_from_f64(&ds, x, 3, 1, NULL), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_set_column_int(sc, "nosuch", SEG_SCALER_COLUMN_METHOD, 9),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    /* ... whereas an accepted one does. */
    assert_int_equal(seg_scaler_set_column_int(sc, "nosuch", SEG_SCALER_COLUMN_METHOD, 1), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_NOT_FOUND);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* ---- CSV options ----------------------------------------------------------- */

INT_OPS(csv_options, seg_csv_options, seg_csv_param)
BOUNDS_OPS(csv_options, seg_csv_param)

/* Delimiter settings: the range, and the three bytes a range cannot exclude. */
static void check_delimiter(const ops *o, int id)
{
    int64_t v = -1;
    assert_int_equal(o->set_int(o->obj, id, ';'), SEG_OK);
    assert_int_equal(o->set_int(o->obj, id, '"'), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "34: not 0 or a byte other than"));
    assert_int_equal(o->set_int(o->obj, id, '\r'), SEG_ERR_INVALID_ARG);
    assert_int_equal(o->set_int(o->obj, id, '\n'), SEG_ERR_INVALID_ARG);
    assert_int_equal(o->get_int(o->obj, id, &v), SEG_OK);
    assert_int_equal(v, ';');
}

static void test_csv_options(void **state)
{
    (void)state;
    static const row rows[] = {
        {SEG_CSV_DELIMITER, false, 0, 255},     {SEG_CSV_HEADER, false, 0, 1},
        {SEG_CSV_DEFAULT_MISSING, false, 0, 1}, {SEG_CSV_MAX_FIELD, false, 1, 1 << 30},
        {SEG_CSV_MAX_COLUMNS, false, 1, 1e6},
    };
    seg_csv_options *opts = NULL;
    assert_int_equal(seg_csv_options_new(&opts), SEG_OK);
    const ops o = {"CSV", opts, csv_options_si, csv_options_gi, NULL, NULL, csv_options_b};
    CHECK(&o, rows);
    check_delimiter(&o, SEG_CSV_DELIMITER);
    seg_csv_options_free(opts);
}

/* ---- CSV chunker ----------------------------------------------------------- */

INT_OPS(csv_chunker, seg_csv_chunker, seg_chunker_param)
BOUNDS_OPS(csv_chunker, seg_chunker_param)

static void test_csv_chunker(void **state)
{
    (void)state;
    static const row rows[] = {{SEG_CHUNKER_ROWS, false, 1, INT32_MAX}};
    static const struct {
        int id;
        int64_t value;
    } facts[] = {
        {SEG_CHUNKER_FILE_ROWS, 4},
        {SEG_CHUNKER_FILE_BYTES, 139},
        {SEG_CHUNKER_COLUMNS, 6},
        {SEG_CHUNKER_PASSES, 1},
    };
    seg_csv_chunker *ch = NULL;
    int64_t v = -1;
    double lo, hi;
    assert_int_equal(seg_csv_chunker_open(&ch, SEG_TEST_DATA "/scaler_customers.csv", NULL),
                     SEG_OK);
    assert_int_equal(seg_csv_chunker_get_int(ch, SEG_CHUNKER_ROWS, &v), SEG_OK);
    assert_int_equal(v, 65536);
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        assert_int_equal(seg_csv_chunker_get_int(ch, facts[i].id, &v), SEG_OK);
        assert_int_equal(v, facts[i].value);
        /* Read-only: not set, no range. */
        assert_int_equal(seg_csv_chunker_set_int(ch, facts[i].id, v), SEG_ERR_INVALID_ARG);
        assert_int_equal(seg_csv_chunker_param_bounds(facts[i].id, &lo, &hi), SEG_ERR_INVALID_ARG);
    }
    const ops o = {"CSV chunker", ch, csv_chunker_si, csv_chunker_gi, NULL, NULL, csv_chunker_b};
    CHECK(&o, rows);
    seg_csv_chunker_free(ch);
}

/* ---- RFM ------------------------------------------------------------------- */

INT_OPS(rfm, seg_rfm, seg_rfm_param)
BOUNDS_OPS(rfm, seg_rfm_param)

static void test_rfm(void **state)
{
    (void)state;
    static const row rows[] = {
        {SEG_RFM_RETURNS, false, SEG_RETURNS_EXCLUDE, SEG_RETURNS_SUBTRACT},
        {SEG_RFM_BINS, false, 2, 100},
        {SEG_RFM_SKIP_BAD_ROWS, false, 0, 1},
        {SEG_RFM_DELIMITER, false, 0, 255},
    };
    static const int texts[] = {
        SEG_RFM_CUSTOMER_COLUMN, SEG_RFM_DATE_COLUMN,  SEG_RFM_AMOUNT_COLUMN,
        SEG_RFM_QUANTITY_COLUMN, SEG_RFM_PRICE_COLUMN, SEG_RFM_INVOICE_COLUMN,
        SEG_RFM_DATE_FORMAT,     SEG_RFM_AS_OF,
    };
    static const char *const values[] = {"cust",  "when",    "amount",   "qty",
                                         "price", "invoice", "%d.%m.%Y", "06.12.2010"};
    seg_rfm *r = NULL;
    char buf[32];
    size_t size = 0;
    double lo, hi;
    int64_t v;
    assert_int_equal(seg_rfm_new(&r), SEG_OK);
    const ops o = {"RFM", r, rfm_si, rfm_gi, NULL, NULL, rfm_b};
    CHECK(&o, rows);
    check_delimiter(&o, SEG_RFM_DELIMITER);

    /* Text settings: unset reads "", set then get, NULL unsets; no range. */
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const seg_rfm_param id = (seg_rfm_param)texts[i];
        assert_int_equal(seg_rfm_get_string(r, id, buf, sizeof buf, &size), SEG_OK);
        assert_string_equal(buf, "");
        assert_int_equal(size, 1);
        if (seg_rfm_set_string(r, id, values[i]) != SEG_OK)
            fail_msg("RFM %d: '%s' refused: %s", texts[i], values[i], seg_last_error());
        assert_int_equal(seg_rfm_get_string(r, id, NULL, 0, &size), SEG_OK);
        assert_int_equal(size, strlen(values[i]) + 1);
        assert_int_equal(seg_rfm_get_string(r, id, buf, size - 1, &size), SEG_ERR_MISMATCH);
        assert_int_equal(size, strlen(values[i]) + 1);
        assert_int_equal(seg_rfm_get_string(r, id, buf, size, NULL), SEG_OK);
        assert_string_equal(buf, values[i]);
        assert_int_equal(seg_rfm_get_string(r, id, NULL, 0, NULL), SEG_ERR_INVALID_ARG);
        assert_int_equal(seg_rfm_get_string(NULL, id, buf, sizeof buf, NULL), SEG_ERR_INVALID_ARG);
        assert_int_equal(seg_rfm_set_string(NULL, id, values[i]), SEG_ERR_INVALID_ARG);
        assert_int_equal(seg_rfm_param_bounds(id, &lo, &hi), SEG_ERR_INVALID_ARG);
        assert_int_equal(seg_rfm_set_int(r, id, 1), SEG_ERR_INVALID_ARG);
        assert_int_equal(seg_rfm_get_int(r, id, &v), SEG_ERR_INVALID_ARG);
    }
    /* Kept as given, even where the value is also read (the date). */
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AS_OF, "7.12.2010"), SEG_OK);
    assert_int_equal(seg_rfm_get_string(r, SEG_RFM_AS_OF, buf, sizeof buf, NULL), SEG_OK);
    assert_string_equal(buf, "7.12.2010");
    /* Refused values leave the old one. */
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AS_OF, "2010-12-08"), SEG_ERR_PARSE);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, ""), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_DATE_FORMAT, "%d %Q"), SEG_ERR_PARSE);
    assert_non_null(strstr(seg_last_error(), "other than"));
    assert_int_equal(seg_rfm_get_string(r, SEG_RFM_AS_OF, buf, sizeof buf, NULL), SEG_OK);
    assert_string_equal(buf, "7.12.2010");
    assert_int_equal(seg_rfm_get_string(r, SEG_RFM_CUSTOMER_COLUMN, buf, sizeof buf, NULL), SEG_OK);
    assert_string_equal(buf, "cust");
    assert_int_equal(seg_rfm_get_string(r, SEG_RFM_DATE_FORMAT, buf, sizeof buf, NULL), SEG_OK);
    assert_string_equal(buf, "%d.%m.%Y");
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_INVOICE_COLUMN, NULL), SEG_OK);
    assert_int_equal(seg_rfm_get_string(r, SEG_RFM_INVOICE_COLUMN, buf, sizeof buf, &size), SEG_OK);
    assert_string_equal(buf, "");
    for (int id = -1; id <= 1000; id += 7)
        if (id < 200 || id > 207)
            assert_int_equal(seg_rfm_get_string(r, (seg_rfm_param)id, buf, sizeof buf, NULL),
                             SEG_ERR_INVALID_ARG);

    /* Once a row is added, settings are fixed: SEG_ERR_STATE, reads still work. */
    assert_int_equal(seg_rfm_add(r, "a", NULL, "01.12.2010", 5.0), SEG_OK);
    assert_int_equal(seg_rfm_set_int(r, SEG_RFM_BINS, 3), SEG_ERR_STATE);
    assert_int_equal(seg_rfm_set_string(r, SEG_RFM_AMOUNT_COLUMN, "x"), SEG_ERR_STATE);
    assert_int_equal(seg_rfm_get_int(r, SEG_RFM_BINS, &v), SEG_OK);
    assert_int_equal(v, 51); /* the middle of 2 .. 100 check_int left */
    seg_rfm_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kmeans),
        cmocka_unit_test(test_minibatch),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_predictor),
        cmocka_unit_test(test_campaign),
        cmocka_unit_test(test_scaler),
        cmocka_unit_test(test_scaler_column_fallback),
        cmocka_unit_test(test_csv_options),
        cmocka_unit_test(test_csv_chunker),
        cmocka_unit_test(test_rfm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
