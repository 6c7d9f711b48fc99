#!/usr/bin/env python3
"""seg_pca_compute_f64() against numpy.linalg.eigh (LAPACK's dsyevd).

Usage: crosscheck_numpy_pca.py LIBSEG.so

Seeded data with a known-distinct spectrum (independent normal columns
with geometrically spread scales, 10 to 0.1: a condition number of 10^4,
so that 1e-9 is within what any solver can promise; rotated by a random
orthogonal matrix, shifted) at d = 1, 2, 7, 40 (every component), 300
and 1000 (the first 10). numpy forms the population covariance of the
centred rows and its eigh; the axes get the library's documented sign
(largest-magnitude entry positive).
Checked to 1e-9: means, variances (relative to the largest), axes, and
scores (relative to the largest score). Whichever solver the library was
built with (LAPACK or the built-in one) must pass; tests/test_pca.c checks
the two against each other. Exit 77 (skipped) when numpy is missing.
"""
import ctypes
import sys

try:
    import numpy as np
except ImportError as e:
    print("skipped: %s" % e)
    sys.exit(77)

TOL = 1e-9


def main():
    lib = ctypes.CDLL(sys.argv[1])
    f = lib.seg_pca_compute_f64
    dp = ctypes.POINTER(ctypes.c_double)
    f.argtypes = [dp, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_size_t, dp, dp, dp, dp]
    f.restype = ctypes.c_int
    rng = np.random.default_rng(21)
    failed = 0
    for d, c in ((1, 1), (2, 2), (7, 7), (40, 40), (300, 10), (1000, 10)):
        n = d + 500
        scale = 10.0 ** np.linspace(1, -1, d)
        rot, _ = np.linalg.qr(rng.standard_normal((d, d)))
        x = np.ascontiguousarray(rng.standard_normal((n, d)) * scale @ rot.T + rng.uniform(-50, 50, d))
        scores = np.empty((n, c))
        axes = np.empty((c, d))
        var = np.empty(c)
        mean = np.empty(d)
        rc = f(x.ctypes.data_as(dp), n, d, c, scores.ctypes.data_as(dp), axes.ctypes.data_as(dp),
               var.ctypes.data_as(dp), mean.ctypes.data_as(dp))
        if rc != 0:
            print("FAIL: d = %d: status %d" % (d, rc))
            failed += 1
            continue
        mu = x.mean(axis=0)
        xc = x - mu
        w, v = np.linalg.eigh(xc.T @ xc / n)
        w, v = w[::-1][:c], v[:, ::-1][:, :c].T.copy()
        for a in range(c):
            if v[a, np.argmax(np.abs(v[a]))] < 0:
                v[a] = -v[a]
        want_scores = xc @ v.T
        diffs = {
            "mean": np.max(np.abs(mean - mu)) / max(1.0, np.max(np.abs(mu))),
            "variance": np.max(np.abs(var - w)) / w[0],
            "axes": np.max(np.abs(axes - v)),
            "scores": np.max(np.abs(scores - want_scores)) / np.max(np.abs(want_scores)),
        }
        bad = [k for k, e in diffs.items() if not e <= TOL]
        print("%s: d = %d, c = %d: %s" % ("FAIL" if bad else "ok", d, c,
                                            ", ".join("%s %.1e" % kv for kv in diffs.items())))
        failed += bool(bad)
    x = np.zeros((3, 4097))
    rc = f(x.ctypes.data_as(dp), 3, 4097, 1, None, None, None, None)
    print("%s: d = 4097 is refused (status %d)" % ("ok" if rc == -13 else "FAIL", rc))
    failed += rc != -13
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
