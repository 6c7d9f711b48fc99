"""Segments sized to capacity: issue 19's case, 23,000 customers x 50 features,
k = 10, at most 2,300 per segment (every segment exactly full).

1. The user's path: `seg segment FILE.csv --k 10 --max-size 2300` on a CSV of
   seeded Gaussian blobs (wall clock of the whole command, and the fit's
   own seconds and iterations from --json); then with the bounds of
   k-means-constrained's issue #47 (--min-size 1150 --max-size 4600), once
   with one start and once with its default of 10 (--n-init 10).
2. The library fit alone (seg_kmeans_fit_f64 with SEG_KMEANS_MAX_SIZE through
   ctypes): seconds, iterations, seconds per assignment step.
3. One assignment step against an independent exact solver in the same run:
   the transportation problem from the fitted centroids solved by
   seg_capacity_assign_f64 and by SciPy's linprog (HiGHS) on the LP
   (n x k variables, n + k constraints; its optimum is integral): seconds of
   each and their total costs, which must agree.

The reference peer, k-means-constrained (min-cost flow through OR-Tools, one
network of n x k arcs per iteration), is not packaged for Debian and is not
run here; its issue #47 reports about 15 minutes for this case. Prints the
CPU model and the load average, since the machine may be shared.

Usage: /usr/bin/python3 bench/bench_capacity.py build/tools/seg build/lib/libseg.so
       [--n N] [--no-lp]
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("seg")
ap.add_argument("lib")
ap.add_argument("--n", type=int, default=23000)
ap.add_argument("--d", type=int, default=50)
ap.add_argument("--k", type=int, default=10)
ap.add_argument("--no-lp", action="store_true", help="skip the SciPy linprog step")
a = ap.parse_args()
n, d, k = a.n, a.d, a.k
cap = -(-n // k)

LIB = ctypes.CDLL(a.lib)
P, SZ = ctypes.c_void_p, ctypes.c_size_t
LIB.seg_kmeans_new.argtypes = [ctypes.POINTER(P)]
LIB.seg_kmeans_set_int.argtypes = [P, ctypes.c_int, ctypes.c_int64]
LIB.seg_kmeans_fit_f64.argtypes = [P, P, SZ, SZ, P, P, ctypes.POINTER(P)]
LIB.seg_kmeans_free.argtypes = [P]
LIB.seg_model_iterations.argtypes = [P]
LIB.seg_model_iterations.restype = ctypes.c_int64
LIB.seg_model_converged.argtypes = [P]
LIB.seg_model_centroids_f64.argtypes = [P, P, SZ]
LIB.seg_model_free.argtypes = [P]
LIB.seg_capacity_assign_f64.argtypes = [P, SZ, SZ, P, P, P, P]


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


print("CPU: %s, %d logical CPUs; load average before: %.2f %.2f %.2f" %
      ((cpu_model(), os.cpu_count()) + os.getloadavg()))
rng = np.random.default_rng(47)
centres = rng.normal(scale=3, size=(k, d))
# unequal groups, so that the bound binds: shares from 25 % down to 3 %
share = np.linspace(8, 1, k)
share /= share.sum()
x = np.ascontiguousarray(centres[rng.choice(k, n, p=share)] + rng.normal(size=(n, d)))
print("data: n = %d, d = %d, k = %d, max size %d (natural group sizes %d .. %d)" %
      (n, d, k, cap, int(share.min() * n), int(share.max() * n)))

# 1. seg segment on a CSV
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "customers.csv")
    np.savetxt(path, x, delimiter=",", fmt="%.6f",
               header=",".join("f%d" % j for j in range(d)), comments="")
    mean = n // k
    for extra in (["--max-size", str(cap)],
                  # issue #47's own bounds: 0.5x and 2x the mean size, and its
                  # peer's default of 10 starts
                  ["--min-size", str(mean // 2), "--max-size", str(2 * mean)],
                  ["--min-size", str(mean // 2), "--max-size", str(2 * mean), "--n-init", "10"]):
        cmd = [a.seg, "segment", path, "--k", str(k), "--json", "-q", "--silhouette-sample",
               "2000"] + extra
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t
        if p.returncode != 0:
            sys.exit("seg segment failed: " + p.stderr)
        j = json.loads(p.stdout)
        sizes = [s["size"] for s in j["segments"]]
        print("seg segment --k %d %s: %.2f s wall (fit %.2f s, %d iterations, %s); sizes %s" %
              (k, " ".join(extra), wall, j["fit_seconds"], j["iterations"],
               "converged" if j["converged"] else "max-iter", sizes))

# 2. the library fit
km = P()
LIB.seg_kmeans_new(ctypes.byref(km))
LIB.seg_kmeans_set_int(km, 100, k)
LIB.seg_kmeans_set_int(km, 112, cap)
lab = np.zeros(n, dtype=np.int32)
m = P()
t = time.perf_counter()
rc = LIB.seg_kmeans_fit_f64(km, x.ctypes.data_as(P), n, d, None, lab.ctypes.data_as(P),
                            ctypes.byref(m))
fit = time.perf_counter() - t
if rc != 0:
    sys.exit("fit failed: %d" % rc)
iters = LIB.seg_model_iterations(m)
print("library fit: %.2f s, %d iterations (%.3f s per assignment step), sizes %s" %
      (fit, iters, fit / max(iters, 1), np.bincount(lab).tolist()))
c = np.zeros(k * d)
LIB.seg_model_centroids_f64(m, c.ctypes.data_as(P), k * d)
LIB.seg_model_free(m)
LIB.seg_kmeans_free(km)
c = c.reshape(k, d)

# 3. one assignment step, against HiGHS
cost = np.ascontiguousarray(((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2))
hi = np.full(k, cap, dtype=np.int64)
out = np.zeros(n, dtype=np.int32)
tot = ctypes.c_double()
t = time.perf_counter()
LIB.seg_capacity_assign_f64(cost.ctypes.data_as(P), n, k, None, hi.ctypes.data_as(P),
                            out.ctypes.data_as(P), ctypes.byref(tot))
mine = time.perf_counter() - t
print("one assignment step, seg_capacity_assign_f64: %.3f s, cost %.6f" % (mine, tot.value))
if not a.no_lp:
    try:
        from scipy.optimize import linprog
        from scipy.sparse import csr_matrix, vstack
    except ImportError:
        print("SciPy missing: no LP peer")
    else:
        rows = np.repeat(np.arange(n), k)
        cols = np.arange(n * k)
        a_eq = csr_matrix((np.ones(n * k), (rows, cols)), shape=(n, n * k))
        a_ub = csr_matrix((np.ones(n * k), (np.tile(np.arange(k), n), cols)), shape=(k, n * k))
        t = time.perf_counter()
        r = linprog(cost.ravel(), A_ub=a_ub, b_ub=hi.astype(float), A_eq=a_eq, b_eq=np.ones(n),
                    bounds=(0, None), method="highs")
        lp = time.perf_counter() - t
        print("one assignment step, SciPy linprog (HiGHS): %.3f s, cost %.6f (%s); "
              "relative difference %.2e; HiGHS / libseg = %.0fx" %
              (lp, r.fun, r.message.split("\n")[0], abs(r.fun - tot.value) / r.fun,
               lp / mine))
print("k-means-constrained (not run, not packaged for Debian): about 15 minutes reported for "
      "this case in its issue #47")
print("load average after: %.2f %.2f %.2f" % os.getloadavg())
