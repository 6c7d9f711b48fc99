#!/usr/bin/python3
"""The end-to-end row of issue 20: what `seg segment X.npy --k 64 --init C.npy
--scale none --dtype f32` does, done with NumPy + scikit-learn + pandas.

  e2e_peer.py make DIR [--rows N] [--cols D] [--k K] [--seed S]
      writes DIR/X.npy (float32 blobs: K centres, unit spread) and DIR/C.npy
      (K starting centroids: rows of X drawn with the seed), never in the tree
  e2e_peer.py run DIR
      load X.npy, KMeans from C.npy (Lloyd, n_init=1), silhouette on 10,000
      sampled rows, Davies-Bouldin, Calinski-Harabasz, per-segment mean and
      median of every column; prints one JSON line with the stage times.

Run through bench/e2e.sh, with Debian's /usr/bin/python3, so that the peer and
`seg` are timed in the same run on the same files."""
import argparse
import json
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def make(a):
    rng = np.random.default_rng(a.seed)
    centres = rng.uniform(-10, 10, size=(a.k, a.cols))
    which = rng.integers(0, a.k, size=a.rows)
    x = (centres[which] + rng.standard_normal((a.rows, a.cols))).astype(np.float32)
    init = x[rng.choice(a.rows, size=a.k, replace=False)]
    np.save(f"{a.dir}/X.npy", x)
    np.save(f"{a.dir}/C.npy", init)


def run(a):
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.metrics import (calinski_harabasz_score, davies_bouldin_score,
                                 silhouette_score)

    t = {}
    t0 = time.perf_counter()
    x = np.load(f"{a.dir}/X.npy")
    init = np.load(f"{a.dir}/C.npy")
    t["load"] = time.perf_counter() - t0
    s = time.perf_counter()
    km = KMeans(n_clusters=len(init), init=init, n_init=1, algorithm="lloyd").fit(x)
    t["fit"] = time.perf_counter() - s
    s = time.perf_counter()
    lab = km.labels_
    sil = silhouette_score(x, lab, sample_size=10000, random_state=0)
    db = davies_bouldin_score(x, lab)
    ch = calinski_harabasz_score(x, lab)
    t["metrics"] = time.perf_counter() - s
    s = time.perf_counter()
    prof = pd.DataFrame(x).groupby(lab).agg(["mean", "median"])
    t["profiles"] = time.perf_counter() - s
    t["total"] = time.perf_counter() - t0
    print(json.dumps({"seconds": t, "iterations": int(km.n_iter_), "inertia": float(km.inertia_),
                      "silhouette": float(sil), "davies_bouldin": float(db),
                      "calinski_harabasz": float(ch), "profile_cells": int(prof.size)}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    m.add_argument("--rows", type=int, default=1_000_000)
    m.add_argument("--cols", type=int, default=32)
    m.add_argument("--k", type=int, default=64)
    m.add_argument("--seed", type=int, default=20)
    r = sub.add_parser("run")
    r.add_argument("dir")
    a = p.parse_args()
    make(a) if a.cmd == "make" else run(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
