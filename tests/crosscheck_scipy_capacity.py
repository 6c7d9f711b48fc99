"""Cross-check libseg's capacity (size-constrained) assignment against SciPy.

The independent solver: scipy.optimize.linear_sum_assignment on the cost
matrix with segment j's column replicated max_j times, the first min_j
copies made cheaper by a constant larger than any total cost (so an optimum
fills every minimum first, then minimises the cost) -- the textbook reduction
of the transportation problem with unit supplies to an assignment problem.

Through ctypes on the built libseg.so, on seeded random instances:
1. seg_capacity_assign_f64's total cost equals SciPy's optimum (relative
   difference <= 1e-9) for instances with only maxima, only minima, both,
   per-segment bounds, and integer costs full of ties; the sizes are within
   the bounds; ties are broken deterministically (same labels twice);
2. infeasible bounds are refused with a message that says why;
3. a size-constrained k-means fit (seg_kmeans_fit_f64 with
   SEG_KMEANS_MIN_SIZE / _MAX_SIZE and per-segment bounds, weights or not)
   returns labels within the bounds whose cost against the model's centroids
   is SciPy's optimum for those centroids (the fit stops on a repeated
   assignment, so its last assignment is optimal for its final centroids);
4. the fit is identical for 1, 2 and 4 threads;
5. seg_capacity_predict_f64 solves the same problem for a new batch.

Usage: crosscheck_scipy_capacity.py LIBSEG.so
Exit 77 (skipped) when numpy or scipy is missing.
"""
import ctypes
import sys

from checks import Tally  # noqa: E402

try:
    import numpy as np
    from scipy.optimize import linear_sum_assignment
except ImportError as e:
    print("skipped: %s" % e)
    sys.exit(77)

LIB = ctypes.CDLL(sys.argv[1])
P = ctypes.c_void_p
SZ = ctypes.c_size_t
I64 = ctypes.c_int64
LIB.seg_capacity_assign_f64.argtypes = [P, SZ, SZ, P, P, P, P]
LIB.seg_last_error.restype = ctypes.c_char_p
LIB.seg_kmeans_new.argtypes = [ctypes.POINTER(P)]
LIB.seg_kmeans_free.argtypes = [P]
LIB.seg_kmeans_set_int.argtypes = [P, ctypes.c_int, I64]
LIB.seg_kmeans_set_capacity.argtypes = [P, P, P, SZ]
LIB.seg_kmeans_fit_f64.argtypes = [P, P, SZ, SZ, P, P, ctypes.POINTER(P)]
LIB.seg_model_free.argtypes = [P]
LIB.seg_model_capacity.argtypes = [P, P, P, SZ]
LIB.seg_model_centroids_f64.argtypes = [P, P, SZ]
LIB.seg_model_inertia.argtypes = [P]
LIB.seg_model_inertia.restype = ctypes.c_double
LIB.seg_capacity_predict_f64.argtypes = [P, P, SZ, SZ, P, P, P]
K_, MAX_ITER, N_INIT, SEED, THREADS = 100, 101, 102, 104, 105
MIN_SIZE, MAX_SIZE = 111, 112

check = Tally()




def ptr(a):
    return a.ctypes.data_as(P)


def scipy_optimum(cost, lo, hi):
    """Least total cost with lo[j] <= size_j <= hi[j], by linear_sum_assignment."""
    n, k = cost.shape
    big = (np.abs(cost).sum() + 1.0) * 4
    cols, owner = [], []
    for j in range(k):
        for c in range(int(hi[j])):
            cols.append(cost[:, j] - (big if c < lo[j] else 0.0))
            owner.append(j)
    m = np.stack(cols, axis=1)
    r, c = linear_sum_assignment(m)
    labels = np.array(owner)[c]
    return cost[r, labels].sum(), labels


def seg_assign(cost, lo, hi):
    n, k = cost.shape
    cost = np.ascontiguousarray(cost, dtype=np.float64)
    lab = np.zeros(n, dtype=np.int32)
    tot = ctypes.c_double()
    lo_a = np.asarray(lo, dtype=np.int64)
    hi_a = np.asarray(hi, dtype=np.int64)
    rc = LIB.seg_capacity_assign_f64(ptr(cost), n, k, ptr(lo_a), ptr(hi_a), ptr(lab),
                                     ctypes.byref(tot))
    return rc, lab, tot.value


def within(lab, k, lo, hi):
    sizes = np.bincount(lab, minlength=k)
    return bool(np.all(sizes >= lo) and np.all(sizes <= hi)), sizes


rng = np.random.default_rng(19)

# 1. the solver alone
cases = 0
for t in range(60):
    n = int(rng.integers(5, 40))
    k = int(rng.integers(2, 6))
    kind = t % 5
    if kind == 4:  # integer costs: many ties
        cost = rng.integers(0, 4, size=(n, k)).astype(float)
    else:
        cost = rng.random((n, k)) * 10
    lo = np.zeros(k, dtype=np.int64)
    hi = np.full(k, n, dtype=np.int64)
    if kind in (0, 2, 4):
        hi[:] = -(-n // k) + int(rng.integers(0, 2))  # ceil(n / k) or one more
    if kind in (1, 2, 4):
        lo[:] = n // k - int(rng.integers(0, 2))
    if kind == 3:  # per segment
        share = rng.dirichlet(np.ones(k)) * n
        lo = np.floor(share * 0.6).astype(np.int64)
        hi = np.ceil(share * 1.4).astype(np.int64) + 1
        hi[0] += n  # keep it feasible
    rc, lab, tot = seg_assign(cost, lo, hi)
    opt, _ = scipy_optimum(cost, lo, hi)
    ok_b, sizes = within(lab, k, lo, hi)
    same = rc == 0 and abs(tot - opt) <= 1e-9 * max(1.0, abs(opt)) and ok_b and \
        abs(cost[np.arange(n), lab].sum() - tot) <= 1e-9 * max(1.0, abs(opt))
    rc2, lab2, _ = seg_assign(cost, lo, hi)
    same = same and rc2 == 0 and np.array_equal(lab, lab2)
    if not same:
        check(False, "instance %d (n %d, k %d, kind %d): seg %.12g, scipy %.12g, sizes %s, "
              "bounds %s..%s" % (t, n, k, kind, tot, opt, sizes, lo, hi))
    cases += same
check(cases == 60, "solver: %d of 60 random instances at SciPy's optimum, within bounds, "
      "deterministic" % cases)

# A hand instance: 3 rows all nearest segment 0, at most 1 per segment.
cost = np.array([[0, 5, 9], [1, 2, 9], [0, 9, 3]], dtype=float)
rc, lab, tot = seg_assign(cost, [0, 0, 0], [1, 1, 1])
check(rc == 0 and list(lab) == [0, 1, 2] and tot == 5.0, "hand instance: %s cost %g" % (lab, tot))

# 2. infeasible bounds
for lo, hi, words in (([0, 0], [2, 2], "maximum sizes add up to 4, fewer than the 5"),
                      ([3, 3], [5, 5], "minimum sizes add up to 6, more than the 5"),
                      ([3, 0], [2, 5], "minimum size 3 exceeds its maximum 2")):
    rc, _, _ = seg_assign(np.zeros((5, 2)), lo, hi)
    msg = LIB.seg_last_error().decode()
    check(rc == -2 and words in msg, "infeasible %s..%s refused: %s" % (lo, hi, msg))


# 3. the fit
def fit(x, k, w=None, lo=None, hi=None, cap=None, threads=0, n_init=2, seed=3):
    km = P()
    assert LIB.seg_kmeans_new(ctypes.byref(km)) == 0
    LIB.seg_kmeans_set_int(km, K_, k)
    LIB.seg_kmeans_set_int(km, N_INIT, n_init)
    LIB.seg_kmeans_set_int(km, SEED, seed)
    LIB.seg_kmeans_set_int(km, THREADS, threads)
    if lo is not None:
        assert LIB.seg_kmeans_set_int(km, MIN_SIZE, lo) == 0
    if hi is not None:
        assert LIB.seg_kmeans_set_int(km, MAX_SIZE, hi) == 0
    if cap is not None:
        a = np.ascontiguousarray(cap[0], dtype=np.int64)
        b = np.ascontiguousarray(cap[1], dtype=np.int64)
        assert LIB.seg_kmeans_set_capacity(km, ptr(a), ptr(b), k) == 0
    x = np.ascontiguousarray(x, dtype=np.float64)
    n, d = x.shape
    lab = np.zeros(n, dtype=np.int32)
    m = P()
    wp = ptr(np.ascontiguousarray(w, dtype=np.float64)) if w is not None else None
    rc = LIB.seg_kmeans_fit_f64(km, ptr(x), n, d, wp, ptr(lab), ctypes.byref(m))
    LIB.seg_kmeans_free(km)
    if rc != 0:
        return rc, None, None, None, None, None
    c = np.zeros(k * d)
    LIB.seg_model_centroids_f64(m, ptr(c), k * d)
    mlo = np.zeros(k, dtype=np.int64)
    mhi = np.zeros(k, dtype=np.int64)
    assert LIB.seg_model_capacity(m, ptr(mlo), ptr(mhi), k) == 0
    inertia = LIB.seg_model_inertia(m)
    return rc, lab, c.reshape(k, d), (mlo, mhi), inertia, m


for name, args in (("max-size", dict(hi=12)), ("min-size", dict(lo=9)),
                   ("min and max", dict(lo=8, hi=11)),
                   ("weighted, max-size", dict(hi=12, w=True)),
                   ("per segment", dict(cap=([5, 10, 0, 3], [8, 14, 20, 0])))):
    x = np.concatenate([rng.normal(0, 1, (25, 3)), rng.normal(4, 1, (10, 3)),
                        rng.normal([0, 6, 0], 1, (5, 3))])
    n, k = len(x), 4
    w = rng.uniform(0.5, 2, n) if args.pop("w", False) else None
    rc, lab, c, (mlo, mhi), inertia, m = fit(x, k, w=w, **args)
    if rc != 0:
        check(False, "fit %s: rc %d %s" % (name, rc, LIB.seg_last_error().decode()))
        continue
    sq = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
    cost = sq * (w[:, None] if w is not None else 1.0)
    opt, _ = scipy_optimum(cost, mlo, mhi)
    mine = cost[np.arange(n), lab].sum()
    ok_b, sizes = within(lab, k, mlo, mhi)
    check(ok_b and abs(mine - opt) <= 1e-9 * opt and abs(inertia - mine) <= 1e-9 * opt,
          "fit %s: sizes %s in %s..%s, cost %.10g = SciPy optimum %.10g for the final "
          "centroids, inertia %.10g" % (name, list(sizes), list(mlo), list(mhi), mine, opt,
                                        inertia))
    if name == "per segment":
        pairs = sorted(zip(mlo.tolist(), mhi.tolist()))
        want = sorted([(5, 8), (10, 14), (1, 20), (3, n)])
        check(pairs == want, "per-segment bounds handed out as a multiset: %s" % pairs)
    if name == "min and max":
        # 4. threads
        same = True
        for th in (1, 2, 4):
            rc2, lab2, c2, _, in2, m2 = fit(x, k, threads=th, **args)
            same = same and rc2 == 0 and np.array_equal(lab, lab2) and np.array_equal(c, c2)
            LIB.seg_model_free(m2)
        check(same, "fit identical for 1, 2 and 4 threads")
        # 5. predict a batch under the model's bounds
        xb = np.ascontiguousarray(x[::-1] + rng.normal(0, 0.1, x.shape))
        lb = np.zeros(n, dtype=np.int32)
        db = np.zeros(n)
        rc3 = LIB.seg_capacity_predict_f64(m, ptr(xb), n, 3, None, ptr(lb), ptr(db))
        sqb = ((xb[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        optb, _ = scipy_optimum(sqb, mlo, mhi)
        got = sqb[np.arange(n), lb].sum()
        check(rc3 == 0 and abs(got - optb) <= 1e-9 * optb and within(lb, k, mlo, mhi)[0] and
              np.allclose(db, np.sqrt(sqb[np.arange(n), lb])),
              "seg_capacity_predict_f64: batch cost %.10g = SciPy %.10g" % (got, optb))
    LIB.seg_model_free(m)

# infeasible through the fit
rc, *_ = fit(np.arange(20.0).reshape(10, 2), 3, hi=3)
msg = LIB.seg_last_error().decode()
check(rc == -2 and "k x max-size < n" in msg, "fit refuses k x max-size < n: %s" % msg)

sys.exit(check.summary())
