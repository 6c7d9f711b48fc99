"""Cross-check libseg's Ward linkage against SciPy (Debian python3-scipy).

Through ctypes on the built libseg.so, on seeded data:
1. sorted merge heights equal scipy.cluster.hierarchy.linkage(X, 'ward')'s
   (relative difference <= 1e-9), and the whole linkage matrix (merge order and
   cluster numbers) too on data without ties;
2. cuts into k = 2 .. 8 segments give the partition of SciPy's
   fcluster(Z, k, 'maxclust') (adjusted Rand index 1), also on data with ties
   (integer grid values), where only the heights are compared;
3. weighted Ward with integer weights equals SciPy on the rows repeated;
4. `seg segment --method ward` (when the seg program is given) labels the
   exported features as SciPy's cut does, also through --pre-cluster on
   well-separated blobs.

Usage: crosscheck_scipy_ward.py LIBSEG.so [SEG]
Exit 77 (skipped) when numpy or scipy is missing.
"""
import ctypes
import json
import os
import subprocess
import sys

from checks import Tally  # noqa: E402
import tempfile

try:
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
except ImportError as e:
    print("skipped: %s" % e)
    sys.exit(77)

LIB = ctypes.CDLL(sys.argv[1])
SEG = sys.argv[2] if len(sys.argv) > 2 else None
SRC = sys.argv[3] if len(sys.argv) > 3 else None
check = Tally()
P = ctypes.c_void_p
SZ = ctypes.c_size_t
LIB.seg_linkage_fit_ward_f64.argtypes = [P, SZ, SZ, P, ctypes.POINTER(P)]
LIB.seg_linkage_matrix.argtypes = [P, P, SZ]
LIB.seg_linkage_cut_k.argtypes = [P, SZ, P, SZ]
LIB.seg_linkage_free.argtypes = [P]




def ari(a, b):
    """Adjusted Rand index (Hubert & Arabie 1985)."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    t = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(t, (a, b), 1)
    c2 = lambda v: (v * (v - 1) / 2).sum()
    s, sa, sb = c2(t), c2(t.sum(1)), c2(t.sum(0))
    exp = sa * sb / c2(np.array([len(a)]))
    mx = (sa + sb) / 2
    return 1.0 if mx == exp else (s - exp) / (mx - exp)


def ward(X, w=None, ks=()):
    X = np.ascontiguousarray(X, dtype=np.float64)
    n, d = X.shape
    out = P()
    wp = None
    if w is not None:
        w = np.ascontiguousarray(w, dtype=np.float64)
        wp = w.ctypes.data
    rc = LIB.seg_linkage_fit_ward_f64(X.ctypes.data, n, d, wp, ctypes.byref(out))
    if rc != 0:
        sys.exit("seg_linkage_fit_ward_f64 failed: %d" % rc)
    Z = np.zeros((n - 1) * 4)
    LIB.seg_linkage_matrix(out, Z.ctypes.data, Z.size)
    cuts = {}
    for k in ks:
        lab = np.zeros(n, dtype=np.int32)
        LIB.seg_linkage_cut_k(out, k, lab.ctypes.data, n)
        cuts[k] = lab
    LIB.seg_linkage_free(out)
    return Z.reshape(-1, 4), cuts


def close(a, b):
    return np.allclose(a, b, rtol=1e-9, atol=1e-9)


rng = np.random.default_rng(2024)
ks = range(2, 9)
for n, d in [(10, 2), (200, 3), (1000, 6), (3000, 12)]:
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 5, size=d) + 50
    Z, cuts = ward(X, ks=ks)
    R = linkage(X, "ward")
    check(close(np.sort(Z[:, 2]), np.sort(R[:, 2])), "n=%d d=%d: sorted heights" % (n, d))
    check(close(Z, R), "n=%d d=%d: whole linkage matrix" % (n, d))
    worst = min(ari(cuts[k], fcluster(R, k, "maxclust")) for k in ks)
    check(worst == 1.0, "n=%d d=%d: k-cuts 2..8, lowest ARI %.6f" % (n, d, worst))

def greedy_valid(X, Z):
    """Replay Z: every merge must join a pair at the smallest Ward distance
    among the clusters present at that step (the agglomerative definition,
    independent of how ties are broken)."""
    n = len(X)
    cent = {i: X[i].copy() for i in range(n)}
    size = {i: 1.0 for i in range(n)}
    for r, (a, b, h, _) in enumerate(Z):
        ids = list(cent)
        C = np.array([cent[i] for i in ids])
        S = np.array([size[i] for i in ids])
        D2 = ((C[:, None, :] - C[None, :, :]) ** 2).sum(-1)
        F = 2 * S[:, None] * S[None, :] / (S[:, None] + S[None, :])
        W = np.sqrt(F * D2)
        np.fill_diagonal(W, np.inf)
        a, b = int(a), int(b)
        dab = np.sqrt(2 * size[a] * size[b] / (size[a] + size[b])
                      * ((cent[a] - cent[b]) ** 2).sum())
        if abs(W.min() - h) > 1e-9 * (1 + h) or abs(dab - h) > 1e-9 * (1 + h):
            return False
        cent[n + r] = (size[a] * cent[a] + size[b] * cent[b]) / (size[a] + size[b])
        size[n + r] = size[a] + size[b]
        for i in (a, b):
            del cent[i], size[i]
    return True


# Ties (small integers: many duplicates and equal distances): the tree is not
# unique, so each merge is checked against the definition instead; the same
# check of SciPy's own tree shows the checker accepts it.
for n, d in [(60, 2), (300, 3)]:
    X = rng.integers(0, 4, size=(n, d)).astype(float)
    Z, cuts = ward(X, ks=ks)
    R = linkage(X, "ward")
    check(greedy_valid(X, Z) and greedy_valid(X, R),
          "ties n=%d: every merge is a smallest Ward distance (libseg and SciPy)" % n)

# Weights as repeated rows.
X = rng.normal(size=(80, 3))
w = rng.integers(1, 5, size=80)
Z, _ = ward(X, w=w)
R = linkage(np.repeat(X, w, axis=0), "ward")
check(close(Z[:, 2], R[w.sum() - 80:, 2]), "weighted Ward = SciPy on repeated rows")

if SEG and SRC:
    with tempfile.TemporaryDirectory() as tmp:
        feat, asg = os.path.join(tmp, "f.npy"), os.path.join(tmp, "a.csv")
        data = os.path.join(tmp, "x.csv")
        X = np.vstack([rng.normal(size=(150, 3)) + c for c in ([0, 0, 0], [6, 0, 0], [0, 6, 6])])
        np.savetxt(data, X, delimiter=",", header="a,b,c", comments="")
        p = subprocess.run([SEG, "segment", data, "--method", "ward", "--k", "4", "--json",
                            "--features", feat, "--assignments", asg],
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            check(False, "seg segment --method ward: " + p.stderr.strip())
        else:
            F = np.load(feat)
            lab = np.loadtxt(asg, delimiter=",", skiprows=1, usecols=1)
            want = fcluster(linkage(F, "ward"), 4, "maxclust")
            check(ari(lab, want) == 1.0, "seg segment --method ward --k 4 = SciPy's cut")
            js = json.loads(p.stdout)
            check(js.get("method") == "ward" and len(js["segments"]) == 4,
                  "JSON names the method and 4 segments")
        # Well-separated blobs: 60 k-means micro-clusters then weighted Ward
        # find the same 3 segments as SciPy on all rows.
        X = np.vstack([rng.normal(size=(300, 3)) + c for c in ([0, 0, 0], [20, 0, 0], [0, 20, 20])])
        np.savetxt(data, X, delimiter=",", header="a,b,c", comments="")
        p = subprocess.run([SEG, "segment", data, "--method", "ward", "--k", "3",
                            "--pre-cluster", "60", "--assignments", asg, "--features", feat],
                           capture_output=True, text=True, timeout=600)
        lab = np.loadtxt(asg, delimiter=",", skiprows=1, usecols=1)
        want = fcluster(linkage(np.load(feat), "ward"), 3, "maxclust")
        check(p.returncode == 0 and ari(lab, want) == 1.0 and "micro-clusters" in p.stdout,
              "--pre-cluster 60 --k 3 = SciPy's 3 segments on separated blobs")
        p = subprocess.run([SEG, "segment", data, "--method", "centroid"],
                           capture_output=True, text=True)
        check(p.returncode == 2 and "--method takes kmeans, ward, minibatch, kprototypes or gmm" in p.stderr,
              "unknown --method is a usage error")

sys.exit(check.summary())
