/*
 * Caller allocators: every block of an object created with one goes through
 * it (here cmocka's checked test_malloc/test_free, which fail the test on a
 * leak or a bad free), what a fit builds shares the k-means object's
 * allocator, and an allocator that fails at any point gives SEG_ERR_NOMEM
 * and leaves nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <pthread.h>

#include "seg.h"

/* Counts live blocks and calls; fails the call numbered fail_at (0-based),
 * or none when fail_at is -1. */
typedef struct counter {
    long live;
    long calls;
    long fail_at;
    long failures;
} counter;

static void *count_alloc(void *user, size_t size)
{
    counter *c = user;
    if (c->calls++ == c->fail_at) {
        c->failures++;
        return NULL;
    }
    void *p = test_malloc(size);
    if (p)
        c->live++;
    return p;
}

static void count_free(void *user, void *ptr)
{
    counter *c = user;
    c->live--;
    test_free(ptr);
}

static const char csv[] = "id,age,job,balance\n"
                          "a,30,admin.,100\n"
                          "b,40,technician,NA\n"
                          "c,50,admin.,-20\n"
                          "d,20,services,300\n"
                          "e,35,technician,50\n"
                          "f,60,services,80\n";

static void test_handle_args(void **state)
{
    (void)state;
    counter c = {0, 0, -1, 0};
    seg_allocator *a = (seg_allocator *)&c;
    assert_int_equal(seg_allocator_new(NULL, count_alloc, count_free, &c), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_allocator_new(&a, NULL, count_free, &c), SEG_ERR_INVALID_ARG);
    assert_null(a);
    assert_non_null(strstr(seg_last_error(), "alloc_fn and free_fn are required"));
    assert_int_equal(seg_allocator_new(&a, count_alloc, NULL, &c), SEG_ERR_INVALID_ARG);
    c.fail_at = 0;
    assert_int_equal(seg_allocator_new(&a, count_alloc, count_free, &c), SEG_ERR_NOMEM);
    assert_null(a);
    assert_int_equal(c.live, 0);
    seg_allocator_free(NULL);
}

/* The handle lives as long as its last block, whatever order things are freed in. */
static void test_objects_use_their_allocator(void **state)
{
    (void)state;
    counter ca = {0, 0, -1, 0}, cb = {0, 0, -1, 0};
    seg_allocator *a = NULL, *b = NULL;
    seg_csv_options *opts = NULL;
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    seg_predictor *p = NULL;
    int32_t labels[6], plabels[6];

    assert_int_equal(seg_allocator_new(&a, count_alloc, count_free, &ca), SEG_OK);
    assert_int_equal(seg_allocator_new(&b, count_alloc, count_free, &cb), SEG_OK);
    assert_int_equal(ca.live, 1); /* the handle */

    /* Options and the dataset read with them: allocator b. The CSV reader
     * grows its buffers with seg_realloc, which must move blocks within b. */
    assert_int_equal(seg_csv_options_new_with_allocator(&opts, b), SEG_OK);
    assert_int_equal(seg_csv_options_add_missing(opts, "n/a"), SEG_OK);
    long before = cb.live;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, csv, sizeof csv - 1, opts), SEG_OK);
    assert_true(cb.live > before);
    assert_int_equal(seg_dataset_set_id_column(ds, "id"), SEG_OK);
    assert_int_equal(seg_dataset_rows(ds), 6);

    /* Scaler on b; the fit's state is b's too. */
    assert_int_equal(seg_scaler_new_with_allocator(&sc, b), SEG_OK);
    before = cb.live;
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_true(cb.live > before);

    /* K-means on a: the model and its scaler copy come from a; the fit's
     * transform works in b's memory and gives it all back. */
    assert_int_equal(seg_kmeans_new_with_allocator(&km, a), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 2), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 1), SEG_OK);
    long b_before_fit = cb.live, a_before_fit = ca.live;
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, labels, &m), SEG_OK);
    assert_int_equal(cb.live, b_before_fit);
    assert_non_null(seg_model_scaler(m));
    /* A model of the same shape without a scaler takes fewer of a's blocks:
     * the difference is the scaler copy, so it came from a as well. */
    long model_blocks = ca.live - a_before_fit;
    double features_x[6 * 5];
    seg_model *plain = NULL;
    assert_int_equal(seg_scaler_transform_f64(sc, ds, features_x, 6 * 5), SEG_OK);
    long before_plain = ca.live;
    assert_int_equal(seg_kmeans_fit_f64(km, features_x, 6, 5, NULL, NULL, &plain), SEG_OK);
    long plain_blocks = ca.live - before_plain;
    assert_true(plain_blocks > 0);
    assert_true(model_blocks > plain_blocks);
    seg_model_free(plain);

    /* A predictor of the model: a's memory. */
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(seg_predictor_run_dataset(p, ds, plabels, NULL), SEG_OK);
    assert_memory_equal(labels, plabels, sizeof labels);

    /* The caller drops both handles early; the objects keep them alive. */
    seg_allocator_free(a);
    seg_allocator_free(b);
    assert_true(ca.live > 1 && cb.live > 1);

    /* Free everything but the model: a holds exactly the model (with its
     * scaler copy) and its handle. */
    seg_predictor_free(p);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    seg_csv_options_free(opts);
    assert_int_equal(cb.live, 0);
    assert_true(ca.live > 1);
    /* The model's scaler still works after the original is gone. */
    size_t features = seg_scaler_features(seg_model_scaler(m));
    assert_int_equal(features, 1 + 3 + 1); /* age, job one-hot (3 levels), balance */
    seg_model_free(m);
    assert_int_equal(ca.live, 0);
}

/* The array and .npy creators. */
static void test_dataset_creators(void **state)
{
    (void)state;
    counter c = {0, 0, -1, 0};
    seg_allocator *a = NULL;
    seg_dataset *d32 = NULL, *d64 = NULL, *dnpy = NULL;
    const float xf[4] = {1, 2, 3, 4};
    const double xd[4] = {1, 2, 3, 4};
    double got[4];
    assert_int_equal(seg_allocator_new(&a, count_alloc, count_free, &c), SEG_OK);
    assert_int_equal(seg_dataset_from_f32_with_allocator(&d32, xf, 2, 2, NULL, a), SEG_OK);
    assert_int_equal(seg_dataset_from_f64_with_allocator(&d64, xd, 2, 2, NULL, a), SEG_OK);

    /* A 2 x 2 '<f8' .npy, version 1.0, header padded to 128 bytes. */
    char path[] = "/tmp/seg_test_alloc_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    char header[128];
    const char *dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }";
    memset(header, ' ', sizeof header);
    memcpy(header, "\x93NUMPY\x01\x00\x76\x00", 10);
    memcpy(header + 10, dict, strlen(dict));
    header[127] = '\n';
    assert_int_equal(fwrite(header, 1, sizeof header, f), sizeof header);
    assert_int_equal(fwrite(xd, sizeof xd[0], 4, f), 4);
    fclose(f);
    long before = c.live;
    assert_int_equal(seg_dataset_read_npy_with_allocator(&dnpy, path, a), SEG_OK);
    remove(path);
    assert_true(c.live > before);
    assert_int_equal(seg_dataset_copy_f64(dnpy, got, 4), SEG_OK);
    assert_memory_equal(got, xd, sizeof got);

    /* Changing a dataset allocates from its allocator too. */
    const char *drop[] = {"x0"};
    assert_int_equal(seg_dataset_drop(d64, drop, 1), SEG_OK);
    seg_allocator_free(a);
    seg_dataset_free(d32);
    seg_dataset_free(d64);
    seg_dataset_free(dnpy);
    assert_int_equal(c.live, 0);
}

/* One pass of the whole pipeline (read, scale, fit, predict, save, load,
 * predict with the loaded model) with an allocator failing at call fail_at.
 * When a step fails, allocation is made to work again and the same step is
 * retried on the same objects: it must then succeed (the failure left them
 * usable), and the pipeline goes on. Returns the first failing status
 * (SEG_OK when nothing failed), or -1000 when a retry did not succeed;
 * everything is freed before returning. */
#define STEP(expr)                                                                                 \
    do {                                                                                           \
        int step_rc_ = (expr);                                                                     \
        if (step_rc_ < 0) {                                                                        \
            if (first == SEG_OK)                                                                   \
                first = step_rc_;                                                                  \
            c->fail_at = -1;                                                                       \
            if ((step_rc_ = (expr)) < 0) {                                                         \
                first = -1000;                                                                     \
                goto out;                                                                          \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static int pipeline(counter *c)
{
    seg_allocator *a = NULL;
    seg_csv_options *opts = NULL;
    seg_dataset *ds = NULL, *arr = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL, *loaded = NULL;
    seg_predictor *p = NULL, *q = NULL;
    int32_t labels[6], again[6];
    const double x[8] = {0, 0, 0, 1, 5, 5, 5, 6};
    const char *names[2] = {"u", "v"};
    unsigned char *file = NULL;
    size_t size = 0;
    int first = SEG_OK;
    char dir[] = "/tmp/seg_alloc_XXXXXX", path[64] = "";
    STEP(seg_allocator_new(&a, count_alloc, count_free, c));
    STEP(seg_csv_options_new_with_allocator(&opts, a));
    STEP(seg_csv_options_set_column_type(opts, "age", SEG_COLUMN_NUMERIC));
    STEP(seg_dataset_read_csv_memory(&ds, csv, sizeof csv - 1, opts));
    STEP(seg_dataset_set_id_column(ds, "id"));
    STEP(seg_scaler_new_with_allocator(&sc, a));
    STEP(seg_scaler_set_column_int(sc, "balance", SEG_SCALER_COLUMN_LOG1P, 1));
    STEP(seg_scaler_fit(sc, ds));
    STEP(seg_kmeans_new_with_allocator(&km, a));
    STEP(seg_kmeans_set_int(km, SEG_KMEANS_K, 2));
    STEP(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 1));
    STEP(seg_kmeans_fit_dataset(km, ds, sc, labels, &m));
    STEP(seg_predictor_new(&p, m));
    STEP(seg_predictor_run_dataset(p, ds, labels, NULL));
    STEP(seg_model_save_mem(m, NULL, 0, &size)); /* the size, then the bytes */
    if (!(file = malloc(size))) {
        first = -1003;
        goto out;
    }
    STEP(seg_model_save_mem(m, file, size, &size));
    STEP(seg_model_load_mem_with_allocator(&loaded, file, size, a));
    /* and to a file, from the loaded model's allocator: every allocation of
     * seg_model_save, the one for the directory it syncs included */
    if (!mkdtemp(dir)) {
        first = -1004;
        goto out;
    }
    snprintf(path, sizeof path, "%s/m.seg", dir);
    STEP(seg_model_save(loaded, path));
    STEP(seg_predictor_new(&q, loaded));
    STEP(seg_predictor_run_dataset(q, ds, again, NULL));
    if (memcmp(labels, again, sizeof labels) != 0)
        first = -1002; /* the loaded model must predict as the fitted one */
    STEP(seg_dataset_from_f64_with_allocator(&arr, x, 4, 2, names, a));
out:
    if (path[0]) {
        unlink(path);
        rmdir(dir);
    }
    free(file);
    seg_predictor_free(q);
    seg_predictor_free(p);
    seg_model_free(loaded);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    seg_dataset_free(arr);
    seg_csv_options_free(opts);
    seg_allocator_free(a);
    return first;
}

static void test_every_allocation_failure(void **state)
{
    (void)state;
    counter c = {0, 0, -1, 0};
    assert_int_equal(pipeline(&c), SEG_OK);
    assert_int_equal(c.live, 0);
    long total = c.calls;
    assert_true(total > 20);
    /* Fail each allocation in turn: each must surface as SEG_ERR_NOMEM with
     * its message, leave the objects usable (the retry succeeds), and every
     * block must be returned in the end. */
    for (long i = 0; i < total; i++) {
        counter f = {0, 0, i, 0};
        seg_clear_error();
        int rc = pipeline(&f);
        if (rc != SEG_ERR_NOMEM)
            fail_msg("allocation %ld of %ld failed: got %d (%s), expected SEG_ERR_NOMEM", i, total,
                     rc, seg_last_error());
        assert_int_equal(f.failures, 1);
        assert_true(strlen(seg_last_error()) > 0);
        if (f.live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", i, f.live);
    }
}

/* A plain-malloc allocator (cmocka's is not thread-safe) that counts live
 * blocks, fails call fail_at, and counts calls from other threads than
 * `owner`. */
typedef struct thread_counter {
    pthread_t owner;
    long live, calls, fail_at, foreign;
} thread_counter;

static void *thread_alloc(void *user, size_t size)
{
    thread_counter *c = user;
    if (!pthread_equal(pthread_self(), c->owner)) {
        __atomic_add_fetch(&c->foreign, 1, __ATOMIC_RELAXED);
        return malloc(size);
    }
    if (c->calls++ == c->fail_at)
        return NULL;
    c->live++;
    return malloc(size);
}

static void thread_free(void *user, void *ptr)
{
    thread_counter *c = user;
    if (!pthread_equal(pthread_self(), c->owner))
        __atomic_add_fetch(&c->foreign, 1, __ATOMIC_RELAXED);
    else
        c->live--;
    free(ptr);
}

static int restarts_fit(thread_counter *c, const double *x, size_t n, int32_t *labels)
{
    seg_allocator *a = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    int rc = seg_allocator_new(&a, thread_alloc, thread_free, c);
    if (rc == SEG_OK)
        rc = seg_kmeans_new_with_allocator(&km, a);
    if (rc == SEG_OK)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 4);
    if (rc == SEG_OK)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 10);
    if (rc == SEG_OK)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 2);
    if (rc == SEG_OK)
        rc = seg_kmeans_fit_f64(km, x, n, 3, NULL, labels, &m);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_allocator_free(a);
    return rc;
}

/*
 * Restarts run side by side on the fit's threads (small passes, n_init 10,
 * 2 threads) call the k-means object's allocator only from the calling
 * thread (docs/api.md), and a failure of any of its calls gives
 * SEG_ERR_NOMEM and returns every block.
 */
static void test_restarts_side_by_side(void **state)
{
    (void)state;
    const size_t n = 2000;
    double *x = malloc(n * 3 * sizeof *x);
    int32_t *labels = malloc(n * sizeof *labels);
    for (size_t i = 0; i < n * 3; i++)
        x[i] = (double)((i * 7919u) % 1009u) / 97.0 + (double)(i % 5);
    thread_counter c = {pthread_self(), 0, 0, -1, 0};
    assert_int_equal(restarts_fit(&c, x, n, labels), SEG_OK);
    assert_int_equal(c.foreign, 0);
    assert_int_equal(c.live, 0);
    const long total = c.calls;
    for (long i = 0; i < total; i++) {
        thread_counter f = {pthread_self(), 0, 0, i, 0};
        int rc = restarts_fit(&f, x, n, labels);
        if (rc != SEG_ERR_NOMEM)
            fail_msg("allocation %ld of %ld failed: got %d (%s), expected SEG_ERR_NOMEM", i, total,
                     rc, seg_last_error());
        assert_int_equal(f.foreign, 0);
        if (f.live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", i, f.live);
    }
    free(x);
    free(labels);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handle_args),
        cmocka_unit_test(test_objects_use_their_allocator),
        cmocka_unit_test(test_dataset_creators),
        cmocka_unit_test(test_every_allocation_failure),
        cmocka_unit_test(test_restarts_side_by_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
