#!/usr/bin/python3
"""Gaussian mixtures: `seg segment --method gmm` (the command users run, its
profiles, quality measures and rules included) against scikit-learn's
GaussianMixture, from the same start, in the same run.

Data: n rows of d features around k anisotropic Gaussian blobs (seed 0),
written as .npy; the start: k rows as means (--init C.npy for seg), and for
scikit-learn means_init = C with weights_init and precisions_init computed
from the same one-hot responsibilities (as tests/crosscheck_sklearn_gmm.py;
this set-up is not timed for scikit-learn, while seg's own start is inside
its time). Both run the same EM iterations (--max-iter, tol 1e-3); the
report gives the wall seconds of each (seg as the command, and the C API's
fit alone through ctypes), seg's fit alone (fit_seconds of its
JSON), the ratios, the CPU seconds of each (seg's process; scikit-learn's
process, its BLAS threads included) and their ratio (telling on a loaded
machine, where wall times wander), the iterations and the difference of the
mean log-likelihoods. Run with Debian's /usr/bin/python3:

    bench/bench_gmm.py build/tools/seg --n 1000000 --max-iter 10
    bench/bench_gmm.py build/tools/seg --n 100000
"""
import argparse
import ctypes
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
from sklearn.mixture import GaussianMixture  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from crosscheck_sklearn_gmm import start_from  # noqa: E402


def capi_fit(lib, X, C, cov, max_iter, threads):
    """The C API's fit alone (seg_gmm_fit_f64), as a program linking libseg
    runs it: (wall s, CPU s of this process, mean log-likelihood)."""
    P = ctypes.c_void_p
    lib.seg_gmm_new.argtypes = [ctypes.POINTER(P)]
    lib.seg_gmm_set_int.argtypes = [P, ctypes.c_int, ctypes.c_int64]
    lib.seg_gmm_set_init_means_f64.argtypes = [P, P, ctypes.c_size_t, ctypes.c_size_t]
    lib.seg_gmm_fit_f64.argtypes = [P, P, ctypes.c_size_t, ctypes.c_size_t, P, P,
                                    ctypes.POINTER(P)]
    lib.seg_model_gmm_stat.argtypes = [P, ctypes.c_int, ctypes.POINTER(ctypes.c_double)]
    lib.seg_model_free.argtypes = [P]
    lib.seg_gmm_free.argtypes = [P]
    g, m, ll = P(), P(), ctypes.c_double()
    lib.seg_gmm_new(ctypes.byref(g))
    codes = {"full": 0, "tied": 1, "diag": 2, "spherical": 3}
    lib.seg_gmm_set_int(g, 101, codes[cov])
    lib.seg_gmm_set_int(g, 102, max_iter)
    lib.seg_gmm_set_int(g, 105, threads)
    lib.seg_gmm_set_init_means_f64(g, C.ctypes.data, C.shape[0], C.shape[1])
    c0, t0 = time.process_time(), time.perf_counter()
    rc = lib.seg_gmm_fit_f64(g, X.ctypes.data, X.shape[0], X.shape[1], None, None,
                             ctypes.byref(m))
    t, c = time.perf_counter() - t0, time.process_time() - c0
    if rc != 0:
        raise SystemExit("seg_gmm_fit_f64: %d" % rc)
    lib.seg_model_gmm_stat(m, 0, ctypes.byref(ll))
    lib.seg_model_free(m)
    lib.seg_gmm_free(g)
    return t, c, ll.value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("seg")
    ap.add_argument("--n", type=int, default=1000000)
    ap.add_argument("--d", type=int, default=16)
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--max-iter", type=int, default=100)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--covariance", default="diag,full")
    ap.add_argument("--lib", help="libseg.so for the C API figure (default: beside seg's "
                    "build tree, ../lib/libseg.so)")
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=3.0, size=(a.k, a.d))
    shapes = rng.normal(size=(a.k, a.d, a.d)) * 0.4 + np.eye(a.d)
    lab = rng.integers(0, a.k, a.n)
    X = centres[lab] + np.einsum("nd,nde->ne", rng.normal(size=(a.n, a.d)), shapes[lab])
    C = X[rng.choice(a.n, a.k, replace=False)]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    print("n = %d, d = %d, k = %d, max_iter %d, tol 1e-3; %s, %d CPUs"
          % (a.n, a.d, a.k, a.max_iter, cpu, os.cpu_count()))
    lib = ctypes.CDLL(a.lib or os.path.join(os.path.dirname(os.path.abspath(a.seg)), "..",
                                            "lib", "libseg.so"))
    X = np.ascontiguousarray(X)
    C = np.ascontiguousarray(C)
    with tempfile.TemporaryDirectory() as tmp:
        xp, cp = os.path.join(tmp, "x.npy"), os.path.join(tmp, "c.npy")
        np.save(xp, X)
        np.save(cp, C)
        for cov in a.covariance.split(","):
            c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            r = subprocess.run([a.seg, "segment", xp, "--method", "gmm", "--covariance", cov,
                                "--init", cp, "--scale", "none", "--max-iter", str(a.max_iter),
                                "--threads", str(a.threads), "--json", "-q"],
                               capture_output=True, text=True)
            t_seg = time.perf_counter() - t0
            c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_seg = c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
            if r.returncode != 0:
                raise SystemExit(r.stderr)
            js = json.loads(r.stdout)
            w, prec = start_from(X, C, cov)
            p0 = time.process_time()
            t0 = time.perf_counter()
            gm = GaussianMixture(a.k, covariance_type=cov, weights_init=w, means_init=C,
                                 precisions_init=prec, max_iter=a.max_iter).fit(X)
            t_sk = time.perf_counter() - t0
            cpu_sk = time.process_time() - p0
            ll_sk = gm.score(X)
            t_api, cpu_api, ll_api = capi_fit(lib, X, C, cov, a.max_iter, a.threads)
            print("%-9s seg %7.2f s (fit %7.2f s, %d it)  scikit-learn %7.2f s (%d it)  "
                  "ratio %5.1fx (fit %5.1fx)  CPU s %.2f vs %.2f (%4.1fx)  |dLL| %.1e"
                  % (cov, t_seg, js["fit_seconds"], js["iterations"], t_sk, gm.n_iter_,
                     t_sk / t_seg, t_sk / js["fit_seconds"], cpu_seg, cpu_sk, cpu_sk / cpu_seg,
                     abs(js["log_likelihood"] - ll_sk)))
            print("%-9s C API fit %7.2f s, CPU %.2f s: ratio to scikit-learn %5.1fx wall, "
                  "%5.1fx CPU  |dLL| %.1e"
                  % (cov, t_api, cpu_api, t_sk / t_api, cpu_sk / cpu_api, abs(ll_api - ll_sk)))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
