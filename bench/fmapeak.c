/*
 * The machine's float32 FMA peak, measured: independent chains of fused
 * multiply-adds at each vector width the CPU has (scalar, 128-bit SSE/VEX,
 * 256-bit AVX2, 512-bit AVX-512), one thread per online CPU, all started
 * together. Each thread runs CHAINS accumulators, enough to cover the FMA
 * latency (4-5 cycles) times the FMA ports (2) of current x86 cores, so the
 * loop is bound by throughput, not by the dependency of one chain.
 *
 * GFLOP/s = threads x iterations x CHAINS x lanes x 2 / wall seconds. On a
 * machine shared with other processes the figure is what this process got,
 * which is the fair denominator for a kernel timed in the same run.
 */
#define _DEFAULT_SOURCE
#include "fmapeak.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

#define CHAINS 12

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static volatile float sink;

#if HAVE_X86
/* One body per width: acc[c] = acc[c] * m + a, CHAINS chains, iters steps.
 * m < 1 and a small keep the values finite whatever iters is. */
#define FMA_BODY(VT, SET1, FMA, SUMLANES)                                                          \
    {                                                                                              \
        VT acc[CHAINS];                                                                            \
        const VT m = SET1(0.999999f), a = SET1(1e-7f);                                             \
        for (int c = 0; c < CHAINS; c++)                                                           \
            acc[c] = SET1((float)c);                                                               \
        for (long i = 0; i < iters; i++) {                                                         \
            _Pragma("GCC unroll 12") for (int c = 0; c < CHAINS; c++) acc[c] =                     \
                FMA(acc[c], m, a);                                                                 \
        }                                                                                          \
        float s = 0;                                                                               \
        for (int c = 0; c < CHAINS; c++)                                                           \
            s += SUMLANES(acc[c]);                                                                 \
        sink = s;                                                                                  \
    }

static float lane0_128(__m128 v) { return _mm_cvtss_f32(v); }

__attribute__((target("fma"))) static void chains_scalar(long iters)
    FMA_BODY(__m128, _mm_set1_ps, _mm_fmadd_ss, lane0_128)

__attribute__((target("fma"))) static void chains_128(long iters)
    FMA_BODY(__m128, _mm_set1_ps, _mm_fmadd_ps, lane0_128)

__attribute__((target("avx2,fma"))) static float lane0_256(__m256 v)
{
    return _mm256_cvtss_f32(v);
}
__attribute__((target("avx2,fma"))) static void chains_256(long iters)
    FMA_BODY(__m256, _mm256_set1_ps, _mm256_fmadd_ps, lane0_256)

__attribute__((target("avx512f"))) static float lane0_512(__m512 v)
{
    return _mm512_cvtss_f32(v);
}
__attribute__((target("avx512f"))) static void chains_512(long iters)
    FMA_BODY(__m512, _mm512_set1_ps, _mm512_fmadd_ps, lane0_512)
#endif

typedef struct job {
    void (*fn)(long);
    long iters;
    pthread_barrier_t *start;
} job;

static void *run(void *arg)
{
    job *j = arg;
    pthread_barrier_wait(j->start);
    j->fn(j->iters);
    return NULL;
}

/* Wall seconds of `threads` threads each running fn(iters), started together;
 * *cpu: the process's CPU seconds meanwhile (NULL: not wanted). */
static double timed(void (*fn)(long), long iters, int threads, double *cpu)
{
    pthread_t th[256];
    job jobs[256];
    pthread_barrier_t start;
    if (threads > 256)
        threads = 256;
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    int started = 0;
    for (int t = 0; t < threads; t++) {
        jobs[t] = (job){fn, iters, &start};
        if (pthread_create(&th[t], NULL, run, &jobs[t]) != 0) {
            fprintf(stderr, "kmbench: cannot start the peak probe's threads\n");
            exit(1);
        }
        started++;
    }
    double t0 = now(), c0 = cpu_now();
    pthread_barrier_wait(&start);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    double t = now() - t0;
    if (cpu)
        *cpu = cpu_now() - c0;
    pthread_barrier_destroy(&start);
    return t;
}

int fmapeak_measure(int threads, double seconds, fmapeak *out)
{
    memset(out, 0, sizeof *out);
    if (threads < 1) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        threads = c > 0 ? (int)c : 1;
    }
    out->threads = threads;
#if HAVE_X86
    struct {
        const char *name;
        void (*fn)(long);
        int lanes;
        bool ok;
    } w[4] = {
        {"scalar", chains_scalar, 1, __builtin_cpu_supports("fma")},
        {"sse", chains_128, 4, __builtin_cpu_supports("fma")},
        {"avx2", chains_256, 8, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")},
        {"avx512", chains_512, 16, __builtin_cpu_supports("avx512f")},
    };
    for (int i = 0; i < 4; i++) {
        out->width[i].name = w[i].name;
        out->width[i].lanes = w[i].lanes;
        if (!w[i].ok)
            continue;
        /* Calibrate the iterations to about `seconds` per repeat on one
         * thread's share, then keep the best of 3 repeats. */
        long iters = 1 << 16;
        double t = timed(w[i].fn, iters, 1, NULL);
        while (t < seconds / 8 && iters < (1L << 40)) {
            iters *= 2;
            t = timed(w[i].fn, iters, 1, NULL);
        }
        iters = (long)((double)iters * seconds / (t > 0 ? t : 1e-9)) + 1;
        double best = INFINITY, best_cpu = INFINITY;
        for (int r = 0; r < 3; r++) {
            double cpu;
            best = fmin(best, timed(w[i].fn, iters, threads, &cpu));
            best_cpu = fmin(best_cpu, cpu);
        }
        const double flop = 2.0 * CHAINS * w[i].lanes * (double)iters * threads;
        out->width[i].gflops = flop / best * 1e-9;
        out->width[i].gflops_per_cpu = flop / best_cpu * 1e-9;
        if (out->width[i].gflops > out->best_gflops) {
            out->best_gflops = out->width[i].gflops;
            out->best_gflops_per_cpu = out->width[i].gflops_per_cpu;
            out->best = i;
        }
    }
    return 0;
#else
    (void)seconds;
    return -1;
#endif
}
