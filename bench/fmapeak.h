/*
 * kmbench's peak probe (fmapeak.c): the float32 FMA throughput of this
 * process on all CPUs, at each vector width the CPU has.
 */
#ifndef FMAPEAK_H
#define FMAPEAK_H

#include <stdbool.h>

typedef struct fmapeak {
    int threads;
    struct {
        const char *name; /* scalar, sse, avx2, avx512 */
        int lanes;        /* float32 lanes of one FMA */
        double gflops;    /* 0 when the CPU lacks the width */
        double gflops_per_cpu; /* per CPU second of the process: one core's rate
                                  while it runs, steadier on a loaded machine */
    } width[4];
    int best;           /* index of the fastest width */
    double best_gflops; /* its GFLOP/s: the peak W1 is compared with */
    double best_gflops_per_cpu;
} fmapeak;

/* Measure with `threads` threads (< 1: one per online CPU), about `seconds`
 * per repeat. Returns 0, or -1 when the probe does not exist for this CPU
 * architecture (out is then zero). */
int fmapeak_measure(int threads, double seconds, fmapeak *out);

#endif
