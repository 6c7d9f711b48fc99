#!/usr/bin/python3
"""Peers for the rest of the library (issue 20, item 7), in one process run,
as ratios, each on the same data as its peer:

WARD  Ward linkage, seg_linkage_fit_ward_f64 (ctypes) against fastcluster's
      linkage_vector(X, 'ward') (Debian python3-fastcluster, Muellner's
      nearest-neighbour chain), 20,000 x 17 seeded Gaussian blobs; the whole
      linkage matrices are compared (cluster numbers and sizes equal, heights
      to 1e-9 relative). Target >= 2x.
MB    mini-batch k-means, seg_minibatch_fit_f64 (ctypes; all cores for the
      final passes) against scikit-learn's MiniBatchKMeans doing the same
      work: batch 1024, 3 starts, the same batch budget (one pass over the
      rows on the blobs, ten on the bank data), early stop after 10 batches
      without improvement; on n x 16 blobs with k = 16 (n = 10^6, --quick
      2 x 10^5) and on the bank data's 7 numeric columns standardised, k = 8
      (--bank FILE, default examples/data/bank-full.csv); seeds 0, 1, 2 for
      each; the medians of time and of inertia (both over all rows after the
      fit). Target >= 4x at a median inertia no worse (libseg / scikit-learn
      <= 1 + 1e-6).
RFM   `seg rfm` (the program, as a user runs it, writing its CSV) against
      pandas reading the same CSV and computing the same recency, frequency
      (distinct invoices), monetary and rank scores; a log of 10^6 rows
      (--quick 2 x 10^5) shaped like UCI Online Retail with ISO dates;
      every customer's values and scores compared. Target >= 10x.

Usage: /usr/bin/python3 bench/peers_more.py --lib build/lib/libseg.so
           --seg build/tools/seg [--quick] [--only WARD,MB,RFM] [--out DIR]
           [--bank bank-full.csv]
Times are wall and CPU seconds of one call (CPU: every thread of this
process and of the `seg` child), each workload once (the mini-batch fits
once per seed); the targets are judged on wall time, as a user sees it.
"""
import argparse
import ctypes
import os
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")

P, SZ = ctypes.c_void_p, ctypes.c_size_t
rows = []  # (workload, libseg, peer, ratio, target, met)


class Clock:
    """Wall (perf_counter) and CPU seconds of a block: this process's CPU
    (every thread) plus its waited-for children's. On a shared machine the
    CPU figure is the steadier one; both are printed."""

    def __enter__(self):
        self.w0, self.c0 = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.w0, self._cpu() - self.c0

    @staticmethod
    def _cpu():
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + ch.ru_utime + ch.ru_stime


def row(name, ours, peer, ratio, target, met):
    rows.append((name, ours, peer, ratio, target, "met" if met else "NOT met"))


def blobs(n, d, k, seed, spread=6.0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=spread, size=(k, d))
    return np.ascontiguousarray(centres[rng.integers(0, k, n)] + rng.normal(size=(n, d)))


def ward(lib):
    try:
        import fastcluster
    except ImportError:
        print("WARD: skipped, fastcluster not installed (Debian python3-fastcluster)")
        return
    lib.seg_linkage_fit_ward_f64.argtypes = [P, SZ, SZ, P, ctypes.POINTER(P)]
    lib.seg_linkage_matrix.argtypes = [P, P, SZ]
    lib.seg_linkage_free.argtypes = [P]
    n, d = 20000, 17
    x = blobs(n, d, 8, 20)
    out = P()
    with Clock() as cs:
        rc = lib.seg_linkage_fit_ward_f64(x.ctypes.data, n, d, None, ctypes.byref(out))
    if rc != 0:
        sys.exit("seg_linkage_fit_ward_f64: status %d" % rc)
    z = np.zeros((n - 1) * 4)
    lib.seg_linkage_matrix(out, z.ctypes.data, z.size)
    lib.seg_linkage_free(out)
    z = z.reshape(-1, 4)
    with Clock() as cf:
        zf = fastcluster.linkage_vector(x, method="ward")
    pairs = (np.array_equal(np.sort(z[:, :2], 1), np.sort(zf[:, :2], 1))
             and np.array_equal(z[:, 3], zf[:, 3]))
    heights = np.allclose(z[:, 2], zf[:, 2], rtol=1e-9, atol=0)
    print("WARD n=%d d=%d: libseg %.3f s wall %.3f s CPU, fastcluster %.3f s wall %.3f s CPU; "
          "merges identical: %s, heights to 1e-9: %s"
          % (n, d, cs.wall, cs.cpu, cf.wall, cf.cpu, pairs, heights))
    r = cf.wall / cs.wall
    row("WARD 20000x17 wall s (fastcluster)", cs.wall, cf.wall, r, ">=2x", r >= 2)
    row("WARD 20000x17 CPU s (fastcluster)", cs.cpu, cf.cpu, cf.cpu / cs.cpu, "-", True)
    row("WARD merges identical, heights 1e-9", 1.0 * pairs, 1.0 * heights, 1.0,
        "both", pairs and heights)


def bank_scaled(path):
    """The numeric columns of the bank data (UCI Bank Marketing), standardised."""
    import pandas as pd
    df = pd.read_csv(path)
    x = df[["age", "balance", "day", "duration", "campaign", "pdays", "previous"]].to_numpy(float)
    return np.ascontiguousarray((x - x.mean(0)) / x.std(0))


def minibatch_case(lib, name, x, k, max_iter, rowname):
    """libseg and scikit-learn on x, seeds 0, 1, 2, doing the same work: batch
    1024, 3 starts, the same batch budget (scikit-learn's max_iter passes,
    max_iter * n // 1024 batches, given to libseg as SEG_MINIBATCH_MAX_STEPS),
    both stopping early after 10 batches without improvement (their
    defaults); libseg's final Lloyd steps are its own (SEG_MINIBATCH_FINAL_*
    defaults), timed with its fit."""
    from sklearn.cluster import MiniBatchKMeans
    n, d = x.shape
    steps = max_iter * n // 1024
    ours, theirs = [], []
    for seed in (0, 1, 2):
        mb = P()
        lib.seg_minibatch_new(ctypes.byref(mb))
        for param, value in ((100, k), (101, 1024), (102, steps), (103, seed), (105, 3),
                             (106, 10), (107, 0)):
            if lib.seg_minibatch_set_int(mb, param, value) != 0:
                sys.exit("seg_minibatch_set_int(%d) failed" % param)
        model = P()
        with Clock() as cs:
            rc = lib.seg_minibatch_fit_f64(mb, x.ctypes.data, n, d, None, ctypes.byref(model))
        if rc != 0:
            sys.exit("seg_minibatch_fit_f64: status %d" % rc)
        ours.append((cs.wall, lib.seg_model_inertia(model), cs.cpu))
        lib.seg_model_free(model)
        lib.seg_minibatch_free(mb)
        with Clock() as ck:
            sk = MiniBatchKMeans(n_clusters=k, batch_size=1024, n_init=3, max_iter=max_iter,
                                 max_no_improvement=10, random_state=seed).fit(x)
        theirs.append((ck.wall, sk.inertia_, ck.cpu))
        print("MB %s seed %d: libseg %.3f s wall %.3f s CPU inertia %.7g; scikit-learn %.3f s "
              "wall %.3f s CPU inertia %.7g (%d of %d batches)"
              % (name, seed, ours[-1][0], ours[-1][2], ours[-1][1], theirs[-1][0], theirs[-1][2],
                 theirs[-1][1], sk.n_steps_, steps), flush=True)
    t_seg, t_sk = np.median([o[0] for o in ours]), np.median([o[0] for o in theirs])
    c_seg, c_sk = np.median([o[2] for o in ours]), np.median([o[2] for o in theirs])
    i_seg, i_sk = np.median([o[1] for o in ours]), np.median([o[1] for o in theirs])
    r = t_sk / t_seg
    row("MB %s wall s, median (sklearn)" % rowname, t_seg, t_sk, r, ">=4x", r >= 4)
    row("MB %s CPU s, median (sklearn)" % rowname, c_seg, c_sk, c_sk / c_seg, "-", True)
    row("MB %s median inertia (sklearn)" % rowname, i_seg, i_sk, i_seg / i_sk, "<=1",
        i_seg / i_sk <= 1 + 1e-6)


def minibatch(lib, quick, bank):
    lib.seg_minibatch_new.argtypes = [ctypes.POINTER(P)]
    lib.seg_minibatch_set_int.argtypes = [P, ctypes.c_int, ctypes.c_int64]
    lib.seg_minibatch_fit_f64.argtypes = [P, P, SZ, SZ, P, ctypes.POINTER(P)]
    lib.seg_minibatch_free.argtypes = [P]
    lib.seg_model_inertia.argtypes = [P]
    lib.seg_model_inertia.restype = ctypes.c_double
    lib.seg_model_free.argtypes = [P]
    n = 200000 if quick else 1000000
    minibatch_case(lib, "blobs", blobs(n, 16, 16, 1, spread=2.5), 16, 1, "%dx16 k=16" % n)
    if bank and os.path.exists(bank):
        x = bank_scaled(bank)
        minibatch_case(lib, "bank", x, 8, 10, "bank %dx%d k=8" % x.shape)
    else:
        print("MB bank: skipped, no %s" % bank)


def rfm_log(path, n, customers=4000, seed=3):
    rng = np.random.default_rng(seed)
    t = np.datetime64("2010-12-01T08:00") + rng.integers(0, 365 * 24 * 60, n).astype("timedelta64[m]")
    inv = 500000 + np.sort(rng.integers(0, n // 8, n))
    cust = rng.integers(0, customers, n // 8 + 1)[inv - 500000]  # one customer an invoice
    qty = rng.integers(1, 13, n) * np.where(rng.random(n) < 0.03, -1, 1)
    price = rng.choice(np.array([0.42, 1.25, 2.55, 3.75, 9.95]), n)
    cancel = rng.random(n) < 0.02
    dates = np.datetime_as_string(t, unit="s")
    with open(path, "w") as f:
        f.write("InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n")
        for i in range(n):
            f.write("%s%d,S%d,%d,%s,%.2f,%d,UK\n" % ("C" if cancel[i] else "", inv[i], i % 50,
                                                      qty[i], dates[i].replace("T", " "),
                                                      price[i], 10000 + cust[i]))


def rfm_pandas(path):
    import pandas as pd
    df = pd.read_csv(path, dtype={"InvoiceNo": str}, parse_dates=["InvoiceDate"])
    df["Amount"] = df["Quantity"] * df["UnitPrice"]
    df["day"] = df["InvoiceDate"].dt.normalize()
    ref = df["day"].max() + pd.Timedelta(days=1)
    buy = df[(df["Amount"] > 0) & ~df["InvoiceNo"].str.startswith("C")]
    g = buy.groupby("CustomerID")
    out = pd.DataFrame({"recency": (ref - g["day"].max()).dt.days,
                        "frequency": g["InvoiceNo"].nunique(),
                        "monetary": g["Amount"].sum()})
    for col, asc, s in (("recency", False, "r"), ("frequency", True, "f"),
                        ("monetary", True, "m")):
        rank = out[col].rank(method="min", ascending=asc)
        out[s] = 1 + np.floor(5 * (rank - 1) / len(out)).astype(int)
    return out


def rfm(seg, quick, work):
    import pandas as pd
    n = 200000 if quick else 1000000
    path, res = os.path.join(work, "rfm_log.csv"), os.path.join(work, "rfm_out.csv")
    rfm_log(path, n)
    cmd = [seg, "rfm", path, "--customer", "CustomerID", "--date", "InvoiceDate", "--quantity",
           "Quantity", "--price", "UnitPrice", "--invoice", "InvoiceNo", "--frequency-cuts",
           "quantile", "-q", "-o", res]
    with Clock() as cs:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with Clock() as cp:
        want = rfm_pandas(path)
    got = pd.read_csv(res).set_index("customer").reindex(want.index)
    same = (len(got) == len(want) and not got["recency"].isna().any()
            and all((got[c].values == want[c].values).all()
                    for c in ("recency", "frequency", "r", "f", "m"))
            and np.allclose(got["monetary"], want["monetary"], rtol=1e-12, atol=1e-9))
    mb = os.path.getsize(path) / 1e6
    print("RFM %d rows (%.0f MB), %d customers: seg rfm %.3f s wall %.3f s CPU, pandas %.3f s "
          "wall %.3f s CPU; same values: %s"
          % (n, mb, len(want), cs.wall, cs.cpu, cp.wall, cp.cpu, same))
    r = cp.wall / cs.wall
    row("RFM %d rows wall s (pandas)" % n, cs.wall, cp.wall, r, ">=10x", r >= 10)
    row("RFM %d rows CPU s (pandas)" % n, cs.cpu, cp.cpu, cp.cpu / cs.cpu, "-", True)
    row("RFM customers' values equal pandas", 1.0 * same, 1.0, 1.0, "equal", same)
    os.remove(path)
    os.remove(res)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--seg", required=True)
    ap.add_argument("--out", default=os.environ.get("BENCH_OUT", "/tmp/libseg-bench"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only")
    ap.add_argument("--bank", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "examples", "data", "bank-full.csv"))
    a, _ = ap.parse_known_args()
    only = set(a.only.split(",")) if a.only else None
    want = lambda w: only is None or w in only  # noqa: E731
    lib = ctypes.CDLL(a.lib)
    os.makedirs(a.out, exist_ok=True)
    if want("WARD"):
        ward(lib)
    if want("MB"):
        minibatch(lib, a.quick, a.bank)
    if want("RFM"):
        rfm(a.seg, a.quick, a.out)
    if not rows:
        return
    print("\n%-40s %14s %14s %10s %10s  %s" % ("workload", "libseg", "peer", "ratio", "target", ""))
    for name, ours, peer, ratio, target, met in rows:
        print("%-40s %14.6g %14.6g %10.3g %10s  %s" % (name, ours, peer, ratio, target, met))


if __name__ == "__main__":
    main()
