/*
 * k-means|| (SEG_INIT_KMEANS_PARALLEL): the counter-based draw against its
 * documented formula, the candidate set and weights against a plain
 * reimplementation (direct distances, rows in order), the start's quality
 * against k-means++ on blobs, thread independence, and data with exactly k
 * distinct rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cluster/kmeans.h"
#include "core/core.h"
#include "testutil.h"

static seg_kmeans *new_km(int64_t k, int64_t init, int64_t seed)
{
    seg_kmeans *km = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, k), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_INIT, init), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_SEED, seed), SEG_OK);
    return km;
}

/* splitmix64's output function, written from its definition. */
static uint64_t mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double ref_draw(uint64_t key, uint64_t round, uint64_t row)
{
    return (double)(mix(key ^ mix((round << 48) ^ row)) >> 11) / 9007199254740992.0;
}

static void test_draw_formula(void **state)
{
    (void)state;
    const uint64_t keys[] = {0, 1, 0xdeadbeefcafef00dULL, UINT64_MAX};
    double sum = 0;
    size_t m = 0;
    for (size_t a = 0; a < 4; a++)
        for (uint64_t r = 0; r < 3; r++)
            for (uint64_t i = 0; i < 5000; i += 7) {
                double u = seg_kpar_draw(keys[a], r, i);
                assert_true(u == ref_draw(keys[a], r, i));
                assert_true(u >= 0 && u < 1);
                sum += u;
                m++;
            }
    assert_true(fabs(sum / (double)m - 0.5) < 0.02);
    /* rounds and rows give different draws */
    assert_true(seg_kpar_draw(5, 0, 1) != seg_kpar_draw(5, 1, 1));
    assert_true(seg_kpar_draw(5, 0, 1) != seg_kpar_draw(5, 0, 2));
}

typedef struct seen {
    double *cand, *cw;
    size_t m, d, calls;
    uint64_t key;
} seen;

static void probe(void *user, const double *cand, const double *cw, size_t m, size_t d,
                  uint64_t key)
{
    seen *s = user;
    free(s->cand);
    free(s->cw);
    s->cand = malloc(m * d * sizeof *s->cand);
    s->cw = malloc(m * sizeof *s->cw);
    memcpy(s->cand, cand, m * d * sizeof *cand);
    memcpy(s->cw, cw, m * sizeof *cw);
    s->m = m;
    s->d = d;
    s->key = key;
    s->calls++;
}

static double sqd(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t j = 0; j < d; j++)
        s += (a[j] - b[j]) * (a[j] - b[j]);
    return s;
}

/* The candidates and their weights, recomputed from the algorithm's
 * definition: the first row drawn as the fit's run 0 draws it, then each
 * round's rows with u < 2k closest / cost, in row order. */
static void check_candidates(size_t n, size_t d, size_t k, int64_t seed, int64_t rounds,
                             bool weighted)
{
    double *x = malloc(n * d * sizeof *x), *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = weighted ? 0.25 + (double)(i % 3) : 1.0;
    int32_t *truth = malloc(n * sizeof *truth);
    tu_blobs(x, truth, n, d, 5, (uint64_t)seed + 3);
    seg_kmeans *km = new_km((int64_t)k, SEG_INIT_KMEANS_PARALLEL, seed);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_INIT_ROUNDS, rounds), SEG_OK);
    seen s = {0};
    seg_kmeans_set_kpar_probe(km, probe, &s);
    double *c = malloc(k * d * sizeof *c);
    assert_int_equal(seg_kmeans_init_f64(km, x, n, d, weighted ? w : NULL, c, k * d), SEG_OK);
    assert_int_equal(s.calls, 1);

    uint64_t st = (uint64_t)seed;
    seg_rng rng;
    seg_rng_seed(&rng, seg_splitmix64(&st));
    size_t first = 0;
    if (weighted) { /* the first row by weight: the running sum passes u */
        double total = 0, acc = 0;
        for (size_t i = 0; i < n; i++)
            total += w[i];
        double u = seg_rng_uniform(&rng) * total;
        while (first + 1 < n && (acc += w[first]) <= u)
            first++;
    } else {
        first = (size_t)seg_rng_below(&rng, n);
    }
    uint64_t key = seg_rng_next(&rng);
    assert_true(key == s.key);

    double *cand = malloc(n * d * sizeof *cand), *closest = malloc(n * sizeof *closest);
    size_t *owner = malloc(n * sizeof *owner), *sel = malloc(n * sizeof *sel), m = 1;
    memcpy(cand, x + first * d, d * sizeof *x);
    double cost = 0;
    for (size_t i = 0; i < n; i++) {
        closest[i] = sqd(x + i * d, cand, d);
        owner[i] = 0;
        cost += w[i] * closest[i];
    }
    for (uint64_t r = 0; cost > 0 && (r < (uint64_t)rounds || (m < k && r < (uint64_t)rounds + 64));
         r++) {
        size_t ns = 0;
        for (size_t i = 0; i < n; i++)
            if (closest[i] > 0 &&
                ref_draw(key, r, i) < 2.0 * (double)k * w[i] * closest[i] / cost)
                sel[ns++] = i;
        for (size_t q = 0; q < ns; q++)
            memcpy(cand + (m + q) * d, x + sel[q] * d, d * sizeof *x);
        cost = 0;
        for (size_t i = 0; i < n; i++) {
            for (size_t q = m; q < m + ns; q++) {
                double e = sqd(x + i * d, cand + q * d, d);
                if (e < closest[i]) {
                    closest[i] = e;
                    owner[i] = q;
                }
            }
            cost += w[i] * closest[i];
        }
        m += ns;
    }
    assert_int_equal(s.m, m);
    assert_true(m >= k);
    assert_memory_equal(s.cand, cand, m * d * sizeof *cand);
    for (size_t q = 0; q < m; q++) {
        double count = 0;
        for (size_t i = 0; i < n; i++)
            count += owner[i] == q ? w[i] : 0.0;
        assert_true(s.cw[q] == count);
    }
    /* the start: k distinct candidates */
    for (size_t a = 0; a < k; a++) {
        size_t q = 0;
        while (q < m && memcmp(cand + q * d, c + a * d, d * sizeof *c) != 0)
            q++;
        assert_true(q < m);
        for (size_t b = 0; b < a; b++)
            assert_true(memcmp(c + a * d, c + b * d, d * sizeof *c) != 0);
    }
    free(s.cand);
    free(s.cw);
    free(x);
    free(w);
    free(truth);
    free(c);
    free(cand);
    free(closest);
    free(owner);
    free(sel);
    seg_kmeans_free(km);
}

static void test_candidates_match_reference(void **state)
{
    (void)state;
    check_candidates(600, 3, 5, 11, 2, false);
    check_candidates(600, 3, 5, 12, 5, false);
    check_candidates(2000, 4, 9, 13, 2, true);
    /* one round draws about 2k rows: with k = 40 of 300 rows more rounds
     * may follow until there are k candidates */
    check_candidates(300, 2, 40, 14, 1, false);
}

/* The potential of a start: sum over rows of the squared distance to the
 * nearest of the k centroids. */
static double potential(const double *x, size_t n, size_t d, const double *c, size_t k)
{
    double pot = 0;
    for (size_t i = 0; i < n; i++) {
        double best = INFINITY;
        for (size_t j = 0; j < k; j++) {
            double e = sqd(x + i * d, c + j * d, d);
            best = e < best ? e : best;
        }
        pot += best;
    }
    return pot;
}

/* On blobs k-means|| starts about as well as greedy k-means++ (Bahmani et
 * al. report equal or better starts); a broken draw (all rows, or none past
 * the first) or broken weights would start far worse. */
static void test_quality_on_blobs(void **state)
{
    (void)state;
    const size_t n = 4000, d = 4, k = 10;
    double *x = malloc(n * d * sizeof *x), *c = malloc(k * d * sizeof *c);
    int32_t *truth = malloc(n * sizeof *truth);
    tu_blobs(x, truth, n, d, k, 5);
    double pp = 0, par = 0;
    for (int64_t seed = 1; seed <= 12; seed++) {
        seg_kmeans *a = new_km((int64_t)k, SEG_INIT_KMEANSPP, seed);
        seg_kmeans *b = new_km((int64_t)k, SEG_INIT_KMEANS_PARALLEL, seed);
        assert_int_equal(seg_kmeans_init_f64(a, x, n, d, NULL, c, k * d), SEG_OK);
        pp += potential(x, n, d, c, k);
        assert_int_equal(seg_kmeans_init_f64(b, x, n, d, NULL, c, k * d), SEG_OK);
        par += potential(x, n, d, c, k);
        seg_kmeans_free(a);
        seg_kmeans_free(b);
    }
    printf("mean start potential: k-means++ %.6g, k-means|| %.6g\n", pp / 12, par / 12);
    assert_true(par <= 1.5 * pp);
    free(x);
    free(c);
    free(truth);
}

/* The same start for any number of threads, float and double. */
static void test_threads(void **state)
{
    (void)state;
    const size_t n = 30000, d = 5, k = 24;
    double *x = malloc(n * d * sizeof *x), *c1 = malloc(2 * k * d * sizeof *c1), *c2 = c1 + k * d;
    float *xf = malloc(n * d * sizeof *xf);
    int32_t *truth = malloc(n * sizeof *truth);
    tu_blobs(x, truth, n, d, 30, 9);
    for (size_t i = 0; i < n * d; i++)
        xf[i] = (float)x[i];
    seg_kmeans *km = new_km((int64_t)k, SEG_INIT_KMEANS_PARALLEL, 3);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 1), SEG_OK);
    assert_int_equal(seg_kmeans_init_f32(km, xf, n, d, NULL, c1, k * d), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 3), SEG_OK);
    assert_int_equal(seg_kmeans_init_f32(km, xf, n, d, NULL, c2, k * d), SEG_OK);
    assert_memory_equal(c1, c2, k * d * sizeof *c1);
    assert_int_equal(seg_kmeans_init_f64(km, x, n, d, NULL, c2, k * d), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 1), SEG_OK);
    assert_int_equal(seg_kmeans_init_f64(km, x, n, d, NULL, c1, k * d), SEG_OK);
    assert_memory_equal(c1, c2, k * d * sizeof *c1);
    seg_kmeans_free(km);
    free(x);
    free(xf);
    free(c1);
    free(truth);
}

/* Exactly k distinct rows, many times each: the start holds all k. */
static void test_exactly_k_distinct(void **state)
{
    (void)state;
    const size_t n = 500, d = 2, k = 5;
    double x[1000], c[10];
    for (size_t i = 0; i < n; i++) {
        x[i * d] = (double)(i % k);
        x[i * d + 1] = (double)((i % k) * (i % k));
    }
    for (int64_t seed = 0; seed < 6; seed++) {
        seg_kmeans *km = new_km((int64_t)k, SEG_INIT_KMEANS_PARALLEL, seed);
        assert_int_equal(seg_kmeans_init_f64(km, x, n, d, NULL, c, k * d), SEG_OK);
        bool got[5] = {false};
        for (size_t j = 0; j < k; j++) {
            assert_true(c[j * d] >= 0 && c[j * d] < 5 && c[j * d] == floor(c[j * d]));
            got[(size_t)c[j * d]] = true;
        }
        for (size_t j = 0; j < k; j++)
            assert_true(got[j]);
        seg_kmeans_free(km);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draw_formula),
        cmocka_unit_test(test_candidates_match_reference),
        cmocka_unit_test(test_quality_on_blobs),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_exactly_k_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
