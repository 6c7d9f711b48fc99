#!/usr/bin/env python3
"""seg_metrics_adjusted_rand() against scikit-learn's adjusted_rand_score.

Usage: crosscheck_sklearn_ari.py LIBSEG.so

Random labellings of several sizes and numbers of groups, partly agreeing,
with sparse label values (the sorted path) and dense ones (the table), plus
the degenerate cases (one group each, all singletons), to 1e-12.
"""
import ctypes
import random
import sys

from sklearn.metrics import adjusted_rand_score


def main():
    lib = ctypes.CDLL(sys.argv[1])
    f = lib.seg_metrics_adjusted_rand
    f.argtypes = [ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_int32),
                  ctypes.c_size_t, ctypes.POINTER(ctypes.c_double)]
    f.restype = ctypes.c_int
    rng = random.Random(7)
    cases = [([0] * 5, [0] * 5), ([0, 1, 2, 3], [0, 1, 2, 3]), ([0] * 4, [0, 1, 2, 3]),
             ([3], [9]), ([0, 0, 1, 1], [1, 1, 0, 0])]
    for n in (2, 10, 200, 5000):
        for ka, kb in ((2, 2), (3, 7), (10, 4), (50, 50)):
            for agree in (0.0, 0.5, 0.95):
                a = [rng.randrange(ka) for _ in range(n)]
                b = [x if rng.random() < agree else rng.randrange(kb) for x in a]
                cases.append((a, b))
                cases.append(([x * 1000003 for x in a], [x * 999983 + 5 for x in b]))
    worst = 0.0
    for a, b in cases:
        n = len(a)
        out = ctypes.c_double()
        rc = f((ctypes.c_int32 * n)(*a), (ctypes.c_int32 * n)(*b), n, ctypes.byref(out))
        if rc != 0:
            print("FAIL: status %d for n = %d" % (rc, n))
            return 1
        want = adjusted_rand_score(a, b)
        worst = max(worst, abs(out.value - want))
        if abs(out.value - want) > 1e-12:
            print("FAIL: n = %d: libseg %r, scikit-learn %r" % (n, out.value, want))
            return 1
    print("ok: %d cases, largest difference %.3g" % (len(cases), worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
