#!/usr/bin/env python3
"""seg_fairness_fisher_exact() against scipy.stats.fisher_exact (two-sided),
and SEG_FAIRNESS_NMI against sklearn.metrics.normalized_mutual_info_score
with average_method="arithmetic", the normalisation libseg documents.

Usage: crosscheck_fairness.py LIBSEG.so

Random 2 x 2 tables from tiny to tens of thousands of rows (the bank's
size), plus the skewed and empty-cell cases; random partitions with many
groups. p-values to a relative 1e-6 (scipy and R both treat near-ties
within 1e-7), NMI to 1e-12.
"""
import ctypes
import random
import sys

from scipy.stats import fisher_exact
from sklearn.metrics import normalized_mutual_info_score

NMI = 406  # SEG_FAIRNESS_NMI


def main():
    lib = ctypes.CDLL(sys.argv[1])
    fisher = lib.seg_fairness_fisher_exact
    fisher.argtypes = [ctypes.c_uint64] * 4 + [ctypes.POINTER(ctypes.c_double)]
    fisher.restype = ctypes.c_int
    rng = random.Random(11)
    tables = [(3, 1, 1, 3), (2, 10, 15, 3), (0, 5, 5, 0), (0, 0, 3, 4), (1, 0, 0, 1),
              (12000, 3000, 11000, 4100)]
    for scale in (5, 50, 500, 20000):
        for _ in range(40):
            tables.append(tuple(rng.randrange(scale) for _ in range(4)))
    bad = 0
    for t in tables:
        p = ctypes.c_double()
        assert fisher(*t, ctypes.byref(p)) == 0
        want = fisher_exact([[t[0], t[1]], [t[2], t[3]]], alternative="two-sided")[1]
        if not abs(p.value - want) <= 1e-6 * max(want, 1e-300) + 1e-300:
            print(f"fisher {t}: libseg {p.value!r}, scipy {want!r}")
            bad += 1

    new = lib.seg_fairness_new
    new.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    compute = lib.seg_fairness_compute
    compute.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int32),
                        ctypes.POINTER(ctypes.c_int32), ctypes.c_size_t, ctypes.c_size_t,
                        ctypes.c_size_t, ctypes.c_void_p]
    stat = lib.seg_fairness_stat
    stat.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_double)]
    lib.seg_fairness_free.argtypes = [ctypes.c_void_p]
    f = ctypes.c_void_p()
    assert new(ctypes.byref(f)) == 0
    for n, k, g, agree in ((50, 3, 4, 0.0), (1000, 8, 20, 0.3), (5000, 10, 3, 0.8),
                           (300, 2, 40, 0.5)):
        labels = [rng.randrange(k) for _ in range(n)]
        groups = [x % g if rng.random() < agree else rng.randrange(g) for x in labels]
        lab = (ctypes.c_int32 * n)(*labels)
        grp = (ctypes.c_int32 * n)(*groups)
        assert compute(f, lab, grp, n, k, g, None) == 0
        v = ctypes.c_double()
        assert stat(f, NMI, ctypes.byref(v)) == 0
        want = normalized_mutual_info_score(groups, labels, average_method="arithmetic")
        if abs(v.value - want) > 1e-12:
            print(f"nmi n={n} k={k} g={g}: libseg {v.value!r}, sklearn {want!r}")
            bad += 1
    lib.seg_fairness_free(f)
    print(f"{len(tables)} tables, 4 partitions: {bad} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
