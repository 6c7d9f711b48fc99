/*
 * The machine's properties for the k-means cost model, measured once per
 * process. See machine.h.
 */
#define _GNU_SOURCE
#include "kernel/machine.h"
#include "kernel/distance.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

seg_machine seg_machine_reference(void)
{
    /* Measured by this file's calibration on the reference machine: 47 G
     * multiply-adds a second (95 GFLOP/s, 82 % of one core's FMA peak), and
     * the squared norms of 4 MiB of rows at 2.2 G values a second (a chain
     * of dependent double additions, as in the library's other row passes). */
    seg_machine m = {0.0211, 0.46, SEG_MACHINE_REFERENCE};
    return m;
}

bool seg_machine_parse(const char *s, seg_machine *m)
{
    if (!s)
        return false;
    if (strcmp(s, "reference") == 0) {
        *m = seg_machine_reference();
        return true;
    }
    char *end;
    const double a = strtod(s, &end);
    if (end == s || *end != ',')
        return false;
    const char *p = end + 1;
    const double b = strtod(p, &end);
    if (end == p || *end != '\0' || !(a > 0) || !(b > 0) || !isfinite(a) || !isfinite(b))
        return false;
    m->madd_ns = a;
    m->stream_ns = b;
    m->source = SEG_MACHINE_ENV;
    return true;
}

/* CPU seconds of the calling thread: a measurement preempted by other
 * processes is not charged for the time it did not run. */
static double thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Deterministic values in [-1, 1). */
static void fill(float *v, size_t n, uint64_t seed)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v[i] = (float)((double)(s >> 40) * 0x1.0p-23 - 1.0);
    }
}

enum { CAL_ROWS = 256, CAL_D = 32, CAL_K = 64, CAL_STREAM = 1 << 20 };

/* Nanoseconds per multiply-add of the nearest-centroid pass on a block in
 * cache (the kernel every algorithm calls), best of 5 timings of >= 0.2 ms. */
static double measure_madd(void)
{
    const size_t b = CAL_ROWS, d = CAL_D, k = CAL_K;
    float *x = seg_malloc_array(b * d + k * d + 2 * b + k + b * k, sizeof(float));
    int32_t *lab = seg_malloc_array(b, sizeof *lab);
    double best = INFINITY;
    if (!x || !lab)
        goto done;
    float *c = x + b * d, *xn = c + k * d, *mind = xn + b, *cn = mind + b, *tile = cn + k;
    fill(x, b * d, 1);
    fill(c, k * d, 2);
    seg_row_norms_f32(x, b, d, xn);
    seg_row_norms_f32(c, k, d, cn);
    seg_assign_block_f32(x, b, d, xn, c, k, cn, tile, lab, mind); /* warm */
    for (int r = 0; r < 5; r++) {
        int reps = 0;
        const double t0 = thread_seconds();
        double t;
        do {
            seg_assign_block_f32(x, b, d, xn, c, k, cn, tile, lab, mind);
            reps++;
        } while ((t = thread_seconds() - t0) < 2e-4);
        best = fmin(best, t / reps);
    }
done:
    seg_free(x);
    seg_free(lab);
    return isfinite(best) ? best * 1e9 / (double)(b * k * d) : NAN;
}

/* The stream yardstick: squared row norms, one row at a time, each a chain
 * of dependent double additions. It is this file's own loop, not
 * seg_row_norms_f32(): the reference machine's figure (and so every
 * break-even k of kmeans_auto.c) was measured with this loop, and a faster
 * library pass must not move the yardstick. (When seg_row_norms_f32() was
 * made to sum eight rows side by side, a probe that called it measured half
 * the time a value, and AUTO's break-even k halved with it.) */
static void stream_pass(const float *x, size_t n, size_t d, float *out)
{
    for (size_t i = 0; i < n; i++) {
        const float *r = x + i * d;
        double s = 0;
        for (size_t j = 0; j < d; j++)
            s += (double)r[j] * (double)r[j];
        out[i] = (float)s;
    }
}

/* Nanoseconds per value of a pass over 4 MiB of rows (beyond the L2 of
 * current cores): stream_pass(), best of 3 passes. */
static double measure_stream(void)
{
    const size_t d = CAL_D, n = CAL_STREAM / d;
    float *x = seg_malloc_array(CAL_STREAM + n, sizeof(float));
    double best = INFINITY;
    if (!x)
        return NAN;
    fill(x, CAL_STREAM, 3);
    for (int r = 0; r < 3; r++) {
        const double t0 = thread_seconds();
        stream_pass(x, n, d, x + CAL_STREAM);
        best = fmin(best, thread_seconds() - t0);
    }
    seg_free(x);
    return best * 1e9 / (double)CAL_STREAM;
}

static seg_machine machine;
static pthread_once_t machine_once = PTHREAD_ONCE_INIT;

static void machine_init(void)
{
    seg_machine m;
    if (seg_machine_parse(getenv("SEG_MACHINE"), &m)) {
        machine = m;
        return;
    }
    m.madd_ns = measure_madd();
    m.stream_ns = measure_stream();
    m.source = SEG_MACHINE_MEASURED;
    /* A failed measurement (no memory, a broken clock): the reference. */
    if (!(m.madd_ns > 0) || !(m.stream_ns > 0) || !isfinite(m.madd_ns) || !isfinite(m.stream_ns))
        m = seg_machine_reference();
    machine = m;
}

seg_machine seg_machine_get(void)
{
    pthread_once(&machine_once, machine_init);
    return machine;
}
