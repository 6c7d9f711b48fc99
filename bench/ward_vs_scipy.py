"""Ward linkage time: libseg (seg_linkage_fit_ward_f64 through ctypes) against SciPy's
scipy.cluster.hierarchy.linkage(X, 'ward') on the same seeded data, in the
same run, with the peak memory each needs beyond the data.

Usage: /usr/bin/python3 bench/ward_vs_scipy.py build/lib/libseg.so [n ...]
(default n = 5000 20000; d = 8, 8 Gaussian blobs). Prints per n the two
times, their ratio and whether the sorted heights agree (rtol 1e-9).
Runs each method once per n (SciPy at n = 20000 needs ~1.6 GB for its
condensed distance matrix). Single-threaded BLAS is advised for a fair
comparison: OPENBLAS_NUM_THREADS=1.
"""
import ctypes
import resource
import sys
import time

import numpy as np
from scipy.cluster.hierarchy import linkage

LIB = ctypes.CDLL(sys.argv[1])
P, SZ = ctypes.c_void_p, ctypes.c_size_t
LIB.seg_linkage_fit_ward_f64.argtypes = [P, SZ, SZ, P, ctypes.POINTER(P)]
LIB.seg_linkage_matrix.argtypes = [P, P, SZ]
LIB.seg_linkage_free.argtypes = [P]
sizes = [int(a) for a in sys.argv[2:]] or [5000, 20000]
d = 8


def maxrss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def data(n):
    rng = np.random.default_rng(n)
    centres = rng.normal(scale=6, size=(8, d))
    return np.ascontiguousarray(centres[rng.integers(0, 8, n)] + rng.normal(size=(n, d)))


# libseg first for every n, so that the process's peak RSS after it is
# libseg's own (SciPy's n x n / 2 matrix comes later).
base = maxrss_mb()
seg = {}
for n in sizes:
    X = data(n)
    out = P()
    t0 = time.perf_counter()
    rc = LIB.seg_linkage_fit_ward_f64(X.ctypes.data, n, d, None, ctypes.byref(out))
    t = time.perf_counter() - t0
    assert rc == 0, rc
    Z = np.zeros((n - 1) * 4)
    LIB.seg_linkage_matrix(out, Z.ctypes.data, Z.size)
    LIB.seg_linkage_free(out)
    seg[n] = (t, np.sort(Z.reshape(-1, 4)[:, 2]), maxrss_mb())

print("n       d  libseg_s  scipy_s  scipy/libseg  heights_equal  peak_RSS_MB(libseg, scipy)")
for n in sizes:
    X = data(n)
    t0 = time.perf_counter()
    R = linkage(X, "ward")
    t_sci = time.perf_counter() - t0
    t_seg, h, rss_seg = seg[n]
    same = np.allclose(h, np.sort(R[:, 2]), rtol=1e-9, atol=1e-9)
    print("%-7d %d  %8.3f  %7.3f  %12.2f  %-13s  %.0f, %.0f" % (
        n, d, t_seg, t_sci, t_sci / t_seg, same, rss_seg, maxrss_mb()))
print("(peak RSS is the process's: %.0f MB before either ran)" % base)
