"""k-prototypes at 100,000 customers x 20 columns (14 numeric, 6 categorical),
k = 8 (issue 19): `seg segment --method kprototypes` against two peers
written here, in the same run, as ratios:

- a Python loop in the style of the `kmodes` package (per row: numeric and
  categorical dissimilarity to every prototype with numpy; a row that
  changes segment moved at once, both prototypes updated), timed on the
  second pass over a sample of rows (fewer moves than the first) and
  extrapolated to all rows x the iterations libseg took; its start and
  first pass are not counted, which favours the peer;
- the same algorithm as libseg's (batch iterations), vectorised with numpy
  over all rows, run in full.

No Debian package ships kmodes (`apt-cache policy python3-kmodes`: none), so
the real package is not measured. The CSV is generated in a temporary
directory and never committed. Timings are wall clock on a shared machine:
read them as ratios.

Usage: /usr/bin/python3 bench/bench_kproto.py SEG_BINARY [ROWS [SAMPLE]]
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

SEG = sys.argv[1] if len(sys.argv) > 1 else "build/tools/seg"
ROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
SAMPLE = int(sys.argv[3]) if len(sys.argv) > 3 else 4000
K, NUM, CAT, LEVELS = 8, 14, 6, 5


def generate(path, n, seed=1):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, K, n)
    centres = rng.normal(0, 2, (K, NUM))
    x = centres[g] + rng.normal(0, 1, (n, NUM))
    modes = rng.integers(0, LEVELS, (K, CAT))
    keep = rng.random((n, CAT)) < 0.7
    c = np.where(keep, modes[g], rng.integers(0, LEVELS, (n, CAT)))
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"n{j}" for j in range(NUM)] + [f"c{j}" for j in range(CAT)])
        for i in range(n):
            w.writerow([f"{v:.6f}" for v in x[i]] + [f"L{v}" for v in c[i]])
    return x, c


def standardise(x):
    return (x - x.mean(axis=0)) / x.std(axis=0)


class KmodesStyle:
    """kmodes's k-prototypes iteration: a Python loop over rows; a row that
    changes segment is moved at once (sums and level counts of both
    segments updated, their prototypes recomputed)."""

    def __init__(self, xn, xc, mean, mode, gamma):
        self.xn, self.xc, self.mean, self.mode, self.gamma = xn, xc, mean, mode, gamma
        k = mean.shape[0]
        self.labels = np.full(xn.shape[0], -1)
        self.sums = np.zeros_like(mean)
        self.size = np.zeros(k)
        self.counts = np.zeros((k, xc.shape[1], LEVELS))

    def move(self, i, j, sign):
        self.sums[j] += sign * self.xn[i]
        self.size[j] += sign
        for a in range(self.xc.shape[1]):
            self.counts[j, a, self.xc[i, a]] += sign
        if self.size[j] > 0:
            self.mean[j] = self.sums[j] / self.size[j]
            self.mode[j] = self.counts[j].argmax(axis=1)

    def iteration(self):
        moves = 0
        for i in range(self.xn.shape[0]):
            num = ((self.mean - self.xn[i]) ** 2).sum(axis=1)
            cat = (self.mode != self.xc[i]).sum(axis=1)
            j = int(np.argmin(num + self.gamma * cat))
            old = self.labels[i]
            if old == j:
                continue
            moves += 1
            if old >= 0:
                self.move(i, old, -1)
            self.move(i, j, +1)
            self.labels[i] = j
        return moves


def numpy_batch(xn, xc, mean, mode, gamma, max_iter=300):
    labels = np.full(xn.shape[0], -1)
    for it in range(max_iter):
        cost = ((xn[:, None, :] - mean[None, :, :]) ** 2).sum(axis=2)
        cost += gamma * (xc[:, None, :] != mode[None, :, :]).sum(axis=2)
        new = cost.argmin(axis=1)
        if (new == labels).all():
            return it
        labels = new
        for j in range(mean.shape[0]):
            rows = labels == j
            if rows.any():
                mean[j] = xn[rows].mean(axis=0)
                for a in range(xc.shape[1]):
                    mode[j, a] = np.bincount(xc[rows, a], minlength=LEVELS).argmax()
    return max_iter


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mixed.csv")
        x, c = generate(path, ROWS)
        t = time.perf_counter()
        out = subprocess.run([SEG, "segment", path, "--method", "kprototypes", "--k", str(K),
                              "--seed", "1", "--threads", "0", "--json", "-q",
                              "--silhouette-sample", "2000"],
                             capture_output=True, text=True, check=True)
        seg_wall = time.perf_counter() - t
        js = json.loads(out.stdout)
        seg_fit, iters = js["fit_seconds"], js["iterations"]

        xn = standardise(x)
        gamma = 0.5 * xn.std(axis=0).mean()
        rng = np.random.default_rng(2)
        start = rng.choice(ROWS, K, replace=False)
        sample = rng.choice(ROWS, min(SAMPLE, ROWS), replace=False)
        mean, mode = xn[start].copy(), c[start].copy()
        peer = KmodesStyle(xn[sample], c[sample], mean, mode, gamma)
        peer.iteration()  # the first pass moves every row: not timed
        t = time.perf_counter()
        moved = peer.iteration()
        per_row = (time.perf_counter() - t) / len(sample)
        loop_est = per_row * ROWS * max(iters, 1)

        mean, mode = xn[start].copy(), c[start].copy()
        t = time.perf_counter()
        np_iters = numpy_batch(xn, c, mean, mode, gamma)
        np_time = time.perf_counter() - t

    cpu = "unknown"
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            cpu = line.split(":", 1)[1].strip()
    print(f"k-prototypes, {ROWS} rows x {NUM} numeric + {CAT} categorical ({LEVELS} levels), "
          f"k = {K}; CPU {cpu}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"libseg fit:               {seg_fit:8.2f} s  ({iters} iterations, gamma "
          f"{js['gamma']:.3f}, cost {js['cost']:.6g})")
    print(f"seg segment, whole run:   {seg_wall:8.2f} s  (read CSV, scale, fit, profiles, "
          f"rules, silhouette on 2,000 rows, summary)")
    print(f"kmodes-style Python loop: {loop_est:8.1f} s  estimated ({per_row * 1e6:.1f} us per "
          f"row per iteration on {len(sample)} rows, second pass, {moved} moved; x {ROWS} rows "
          f"x {max(iters, 1)} "
          f"iterations): {loop_est / seg_fit:.0f}x the libseg fit, "
          f"{loop_est / seg_wall:.0f}x the whole seg run")
    print(f"numpy batch, same method: {np_time:8.2f} s  ({np_iters} iterations from its own "
          f"start): {np_time / seg_fit:.1f}x the libseg fit; per iteration "
          f"{np_time / max(np_iters, 1) * 1e3:.0f} ms against libseg's "
          f"{seg_fit / max(iters, 1) * 1e3:.0f} ms (start included): "
          f"{(np_time / max(np_iters, 1)) / (seg_fit / max(iters, 1)):.1f}x")


if __name__ == "__main__":
    main()
