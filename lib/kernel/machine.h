/*
 * What the k-means cost model (seg_kmeans_auto_rule, cluster/kmeans.c) needs
 * to know about the machine, measured once per process at first use: how
 * long the nearest-centroid kernel takes per multiply-add, and how long a
 * pass that streams rows from memory takes per value. Their ratio, not
 * either alone, decides whether skipping distances (the bounded variants)
 * pays: on a CPU with two 512-bit FMA units distances are cheap next to
 * memory, on an AVX2-only one dear.
 *
 * Nothing computed from these values changes a result: they only choose
 * among algorithms that give the same bits (docs/api.md, Algorithms).
 */
#ifndef SEG_MACHINE_H
#define SEG_MACHINE_H

#include "core/core.h"

typedef struct seg_machine {
    double madd_ns;   /* nearest-centroid kernel, float32, d = 32, k = 64, in cache:
                         nanoseconds per row x centroid x feature on one thread */
    double stream_ns; /* a pass over rows from memory (their squared norms):
                         nanoseconds per float32 value on one thread */
    int source;       /* SEG_MACHINE_MEASURED, _ENV or _REFERENCE */
} seg_machine;

enum { SEG_MACHINE_REFERENCE, SEG_MACHINE_MEASURED, SEG_MACHINE_ENV };

/* The machine the rule's thresholds were measured on (bench/README.md: AMD
 * EPYC family 25 model 17, Zen 4, one 512-bit FMA per cycle). */
seg_machine seg_machine_reference(void);

/*
 * This process's machine: the SEG_MACHINE environment variable when set
 * ("MADD_NS,STREAM_NS", two positive numbers; "reference" for
 * seg_machine_reference(): a reproducible choice on any machine), else
 * measured at the first call (about 2-4 ms on one thread) and kept.
 * Thread-safe. A malformed SEG_MACHINE is ignored (measured instead).
 */
seg_machine seg_machine_get(void);

/* Parse SEG_MACHINE's value into *m; false when malformed (m unchanged). */
bool seg_machine_parse(const char *s, seg_machine *m);

#endif
