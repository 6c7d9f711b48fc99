"""Bindings for the rest of the analyst's API: the k sweep (with progress and
cancellation), campaign metrics, Ward clustering, mini-batch k-means with
partial_fit, PCA maps, drift between two models, and pseudonymous ids.
Inputs are checked in Python before any C call; matrices cross as float64
(or float32) buffers."""
import ctypes

from . import _native as N
from ._base import Estimator
from ._native import (_Progress, _lib, check, check_int, check_float, cstr, new, proto, Matrix, out_array,
                      to_matrix_out, _P, _S, _I, _I64, _D, _PP, _DP, _FP, _I32P, _I8P, _SP,
                      PROGRESS_FN, _U8P)

_sweep_new = proto("seg_sweep_new", _I, [_PP])
_sweep_free = proto("seg_sweep_free", None, [_P])
_sweep_set_int = proto("seg_sweep_set_int", _I, [_P, _I, _I64])
_sweep_set_double = proto("seg_sweep_set_double", _I, [_P, _I, _D])
_sweep_set_progress = proto("seg_sweep_set_progress", _I, [_P, PROGRESS_FN, _P])
_sweep_run_f64 = proto("seg_sweep_run_f64", _I, [_P, _P, _DP, _S, _S, _DP])
_sweep_run_f32 = proto("seg_sweep_run_f32", _I, [_P, _P, _FP, _S, _S, _DP])
_sweep_count = proto("seg_sweep_count", _S, [_P])
_sweep_get = proto("seg_sweep_get", _I, [_P, _S, _I, _DP])
_sweep_chosen = proto("seg_sweep_chosen", _I, [_P, _SP])
_campaign_new = proto("seg_campaign_new", _I, [_PP])
_campaign_free = proto("seg_campaign_free", None, [_P])
_campaign_set_double = proto("seg_campaign_set_double", _I, [_P, _I, _D])
_campaign_compute = proto("seg_campaign_compute", _I, [_P, _I32P, _S, _S, _I8P, _I8P])
_campaign_segment_stat = proto("seg_campaign_segment_stat", _I, [_P, _S, _I, _DP])
_linkage_fit_f64 = proto("seg_linkage_fit_ward_f64", _I, [_DP, _S, _S, _DP, _PP])
_linkage_fit_f32 = proto("seg_linkage_fit_ward_f32", _I, [_FP, _S, _S, _DP, _PP])
_linkage_free = proto("seg_linkage_free", None, [_P])
_linkage_rows = proto("seg_linkage_rows", _S, [_P])
_linkage_matrix = proto("seg_linkage_matrix", _I, [_P, _DP, _S])
_linkage_cut_k = proto("seg_linkage_cut_k", _I, [_P, _S, _I32P, _S])
_pca = proto("seg_pca_compute_f64", _I, [_DP, _S, _S, _S, _DP, _DP, _DP, _DP])
_match = proto("seg_drift_match_f64", _I, [_DP, _S, _S, _I32P, _DP])
_centroid_distances = proto("seg_model_centroid_distances", _I, [_P, _P, _DP, _S])
_pseudonymize = proto("seg_privacy_pseudonymize_id", _I,
                      [ctypes.c_char_p, _S, ctypes.c_char_p, _S, ctypes.c_char_p, _S])
_mb_new = proto("seg_minibatch_new", _I, [_PP])
_mb_free = proto("seg_minibatch_free", None, [_P])
_mb_set_int = proto("seg_minibatch_set_int", _I, [_P, _I, _I64])
_mb_fit_f64 = proto("seg_minibatch_fit_f64", _I, [_P, _DP, _S, _S, _I32P, _PP])
_mb_partial_f64 = proto("seg_minibatch_partial_fit_f64", _I, [_P, _P, _DP, _S, _S, _PP])

_fair_new = proto("seg_fairness_new", _I, [_PP])
_fair_free = proto("seg_fairness_free", None, [_P])
_fair_compute = proto("seg_fairness_compute", _I, [_P, _I32P, _I32P, _S, _S, _S, _U8P])
_fair_cell = proto("seg_fairness_cell_stat", _I, [_P, _S, _S, _I, _DP])
_fair_segment = proto("seg_fairness_segment_stat", _I, [_P, _S, _I, _DP])
_fair_group = proto("seg_fairness_group_stat", _I, [_P, _S, _I, _DP])
_fair_stat = proto("seg_fairness_stat", _I, [_P, _I, _DP])
_fisher = proto("seg_fairness_fisher_exact", _I, [ctypes.c_uint64, ctypes.c_uint64,
                                                   ctypes.c_uint64, ctypes.c_uint64, _DP])

_SWEEP_PARAM = {"k_min": 100, "k_max": 101, "silhouette_sample": 102, "seed": 103,
                "stability_resamples": 104}
_SWEEP_STATS = {"k": 100, "inertia": 101, "silhouette": 102, "davies_bouldin": 103,
                "calinski_harabasz": 104, "smallest_share": 105, "iterations": 106,
                "largest_share": 107, "stability": 108,
                "worst_segment_stability": 109}
_CAMPAIGN_STATS = {"contacts": 100, "conversions": 101, "rate": 102, "rate_low": 103,
                   "rate_high": 104, "lift": 105, "held_out": 106, "held_out_conversions": 107,
                   "held_out_rate": 108, "uplift": 109, "roi": 110}
_MB = {"k": 100, "batch_size": 101, "max_steps": 102, "seed": 103, "n_init": 105,
       "threads": 107}


class SweepResult:
    """What a sweep measured: rows (one dict per k with k, inertia,
    silhouette, davies_bouldin, calinski_harabasz, smallest_share,
    largest_share, iterations, stability) and chosen_k."""

    def __init__(self, rows, chosen_k):
        self.rows = rows
        self.chosen_k = chosen_k

    def __repr__(self):
        return "SweepResult(chosen_k=%d, k=%d..%d)" % (self.chosen_k, self.rows[0]["k"],
                                                       self.rows[-1]["k"])


def sweep(X, k_min=2, k_max=10, *, sample_weight=None, random_state=0, n_init=1,
          max_iter=300, tol=1e-4, n_threads=None, silhouette_sample=10000,
          stability_resamples=5, progress=None):
    """Fit k-means for every k in k_min .. k_max on the feature matrix X and
    choose k as `seg segment` does (stability first, then silhouette).

    progress: None or callable(done, total), called before each k and once
    at the end; return False (or raise) to cancel: the sweep then raises
    SegError SEG_ERR_CANCELLED (or the callable's exception). The C run
    releases the GIL; the callback takes it back while it runs.
    Returns a SweepResult."""
    m = X if isinstance(X, Matrix) else Matrix(X)
    wkeep, wp = N.f64_vector(sample_weight, m.n, "sample_weight") \
        if sample_weight is not None else (None, None)
    from .estimator import _seed
    seed = _seed(random_state)
    cfg = N.KMeansConfig(k=2, seed=seed, n_init=n_init, max_iter=max_iter, tol=tol,
                         threads=0 if n_threads is None else n_threads)
    s = new(_sweep_new)
    prog = _Progress(progress)
    try:
        for key, value in (("k_min", k_min), ("k_max", k_max),
                           ("silhouette_sample", silhouette_sample),
                           ("seed", seed), ("stability_resamples", stability_resamples)):
            check(_sweep_set_int(s, _SWEEP_PARAM[key], check_int(key, value)))
        if prog.c is not None:
            check(_sweep_set_progress(s, prog.c, None))
        run = _sweep_run_f32 if m.f32 else _sweep_run_f64
        prog.check(run(s, cfg._handle, m.ptr, m.n, m.d, wp))
        rows = []
        v = ctypes.c_double()
        for i in range(_sweep_count(s)):
            row = {}
            for name, key in _SWEEP_STATS.items():
                check(_sweep_get(s, i, key, ctypes.byref(v)))
                row[name] = int(v.value) if name in ("k", "iterations") else v.value
            rows.append(row)
        k = ctypes.c_size_t()
        check(_sweep_chosen(s, ctypes.byref(k)))
        return SweepResult(rows, k.value)
    finally:
        _sweep_free(s)
        cfg.close()


def campaign(labels, outcome, n_clusters=None, control=None, cost_per_contact=None,
             revenue_per_conversion=None):
    """Campaign metrics per segment from labels and outcomes (1 converted, 0
    not, -1 unknown; bools and yes/no strings accepted) and optionally a
    control column (1 held out, 0 contacted, -1 unknown).
    Returns a list (one dict per segment) of contacts, conversions, rate,
    rate_low, rate_high (95 % Wilson interval), lift, held_out,
    held_out_conversions, held_out_rate, uplift, roi."""
    n = len(labels)
    lk, lp = N.int32_vector(labels, n, "labels")
    k = int(max(lk)) + 1 if n_clusters is None else check_int("n_clusters", n_clusters, 1)
    ok, op = _flags(outcome, n, "outcome")
    ck, cp = _flags(control, n, "control") if control is not None else (None, None)
    c = new(_campaign_new)
    try:
        if cost_per_contact is not None:
            check(_campaign_set_double(c, 100, check_float("cost_per_contact",
                                                           cost_per_contact)))
        if revenue_per_conversion is not None:
            check(_campaign_set_double(c, 101, check_float("revenue_per_conversion",
                                                           revenue_per_conversion)))
        check(_campaign_compute(c, lp, n, k, op, cp))
        v = ctypes.c_double()
        out = []
        for j in range(k):
            row = {"segment": j}
            for name, key in _CAMPAIGN_STATS.items():
                rc = _campaign_segment_stat(c, j, key, ctypes.byref(v))
                row[name] = v.value if rc >= 0 else float("nan")
            out.append(row)
        return out
    finally:
        _campaign_free(c)


_FAIR_CELL = {"count": 100, "share": 101, "representation": 102}
_FAIR_SEGMENT = {"size": 200, "tvd": 201, "balance": 202}
_FAIR_GROUP = {"size": 300, "selected": 301, "selection_rate": 302, "impact_ratio": 303,
               "fisher_p": 304}
_FAIR_ALL = {"rows": 400, "unknown": 401, "overall_balance": 402, "max_tvd": 403,
             "adverse_impact_ratio": 404, "mutual_information": 405, "nmi": 406}


def fairness(labels, groups, n_clusters=None, n_groups=None, selected=None):
    """How the groups of a protected attribute fall across the segments of
    any partition (C: seg_fairness_*; definitions in docs/guide.md section 9).

    labels: segment per row (0 .. k-1); groups: group code per row (0 ..
    g-1; -1 or None for unknown); selected: optional yes/no per row (e.g.
    in a campaign's contact list), for selection rates, the adverse impact
    ratio and Fisher's exact test of each group against the rest.
    Returns a dict: "cells" (k + 1 rows, the last for everyone, of g dicts:
    count, share, representation), "segments" (k + 1 dicts: size, tvd,
    balance), "groups" (g dicts: size, selected, selection_rate,
    impact_ratio, fisher_p; NaN without selected) and "overall" (rows,
    unknown, overall_balance, max_tvd, adverse_impact_ratio,
    mutual_information, nmi). Undefined figures are NaN."""
    n = len(labels)
    lk, lp = N.int32_vector(labels, n, "labels")
    codes = []
    for i, v in enumerate(list(groups)):
        if v is None or (isinstance(v, float) and v != v):
            codes.append(-1)
        else:
            codes.append(check_int("groups[%d]" % i, v, -1, (1 << 31) - 1))
    if len(codes) != n:
        raise ValueError("groups: %d values for %d labels" % (len(codes), n))
    gk, gp = N.int32_vector(codes, n, "groups")
    k = (int(max(lk)) + 1 if n else 1) if n_clusters is None else check_int("n_clusters",
                                                                          n_clusters, 1)
    g = (max(codes) + 1 if n and max(codes) >= 0 else 1) if n_groups is None else \
        check_int("n_groups", n_groups, 1)
    sel = None
    if selected is not None:
        flags, _ = _flags(selected, n, "selected")
        if any(f < 0 for f in flags[:n]):
            raise ValueError("selected: every row must be yes or no")
        sel = (ctypes.c_uint8 * max(n, 1))(*[int(f) for f in flags[:n]])
    f = new(_fair_new)
    try:
        check(_fair_compute(f, lp, gp, n, k, g, ctypes.cast(sel, _U8P) if sel else None))
        v = ctypes.c_double()

        def get(fn, *args):
            return v.value if fn(f, *args, ctypes.byref(v)) >= 0 else float("nan")
        return {
            "cells": [[{name: get(_fair_cell, s, grp, key) for name, key in _FAIR_CELL.items()}
                       for grp in range(g)] for s in range(k + 1)],
            "segments": [{name: get(_fair_segment, s, key) for name, key in _FAIR_SEGMENT.items()}
                         for s in range(k + 1)],
            "groups": [{name: get(_fair_group, grp, key) for name, key in _FAIR_GROUP.items()}
                       for grp in range(g)],
            "overall": {name: get(_fair_stat, key) for name, key in _FAIR_ALL.items()},
        }
    finally:
        _fair_free(f)


def fisher_exact(a, b, c, d):
    """Two-sided p-value of Fisher's exact test on the 2 x 2 table
    [[a, b], [c, d]] (C: seg_fairness_fisher_exact)."""
    args = [check_int(name, x, 0, (1 << 63) - 1) for name, x in zip("abcd", (a, b, c, d))]
    p = ctypes.c_double()
    check(_fisher(*args, ctypes.byref(p)))
    return p.value


def _flags(values, n, what):
    """yes/no values as an int8 vector of 1, 0, -1 (missing)."""
    words = {"yes": 1, "no": 0, "true": 1, "false": 0, "y": 1, "n": 0, "1": 1, "0": 0}
    out = (ctypes.c_int8 * max(n, 1))()
    values = list(values)
    if len(values) != n:
        raise ValueError("%s: %d values for %d rows" % (what, len(values), n))
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and v != v):
            out[i] = -1
        elif isinstance(v, str):
            if v.strip().lower() not in words:
                raise ValueError("%s row %d: %r is not yes/no" % (what, i, v))
            out[i] = words[v.strip().lower()]
        else:
            iv = int(v)
            if iv != v or iv not in (-1, 0, 1):
                raise ValueError("%s row %d: %r is not 1, 0 or -1" % (what, i, v))
            out[i] = iv
    return out, ctypes.cast(out, _I8P)


class Ward(Estimator):
    """Ward hierarchical clustering (as scipy's linkage(X, "ward")), cut
    into n_clusters. After fit: labels_, linkage_ (SciPy's (n-1) x 4
    matrix)."""

    def __init__(self, n_clusters=2):
        self.n_clusters = n_clusters

    def fit(self, X, y=None, sample_weight=None):
        """Build the tree of X (n x d) and cut it; returns self."""
        m = Matrix(X)
        k = check_int("n_clusters", self.n_clusters, 1, m.n)
        wkeep, wp = N.f64_vector(sample_weight, m.n, "sample_weight") \
            if sample_weight is not None else (None, None)
        out = ctypes.c_void_p()
        check((_linkage_fit_f32 if m.f32 else _linkage_fit_f64)(m.ptr, m.n, m.d, wp,
                                                                 ctypes.byref(out)))
        try:
            n = _linkage_rows(out)
            mat, mp = out_array("d", (n - 1) * 4)
            check(_linkage_matrix(out, mp, (n - 1) * 4))
            labels, lp = out_array("i", n)
            check(_linkage_cut_k(out, k, lp, n))
        finally:
            _linkage_free(out)
        self.linkage_ = to_matrix_out(mat, n - 1, 4)
        self.labels_ = labels
        self.n_features_in_ = m.d
        return self

    def fit_predict(self, X, y=None, sample_weight=None):
        """fit(X) and return labels_."""
        return self.fit(X, sample_weight=sample_weight).labels_


def pca(X, n_components=2):
    """Principal components of X for a map of the segments. Returns a dict:
    scores (n x c), axes (c x d), variance (c), mean (d)."""
    m = Matrix(X).as_f64()
    c = check_int("n_components", n_components, 1, m.d)
    scores, sp = out_array("d", m.n * c)
    axes, ap = out_array("d", c * m.d)
    var, vp = out_array("d", c)
    mean, mp = out_array("d", m.d)
    check(_pca(m.ptr, m.n, m.d, c, sp, ap, vp, mp))
    return {"scores": to_matrix_out(scores, m.n, c), "axes": to_matrix_out(axes, c, m.d),
            "variance": var, "mean": mean}


def drift(old, new):
    """How the segments of model new relate to those of model old (same
    features): distances (k_old x k_new centroid distances), match (for each
    old segment the new one it became, -1 if none; minimum total distance)
    and total (the matched distances' sum)."""
    ko, kn = old.k, new.k
    dist, dp = out_array("d", ko * kn)
    check(_centroid_distances(old._handle, new._handle, dp, ko * kn))
    match, mp = out_array("i", ko)
    total = ctypes.c_double()
    check(_match(dp, ko, kn, mp, ctypes.byref(total)))
    return {"distances": to_matrix_out(dist, ko, kn), "match": match, "total": total.value}


def migration(old_labels, new_labels, k_old=None, k_new=None):
    """Customers moving between segments: a k_old x k_new table of counts,
    row i column j counting the customers in old segment i and new segment
    j (the same customers, in the same order)."""
    n = len(old_labels)
    ok, _ = N.int32_vector(old_labels, n, "old_labels")
    nk, _ = N.int32_vector(new_labels, n, "new_labels")
    ko = int(max(ok)) + 1 if k_old is None else check_int("k_old", k_old, 1)
    kn = int(max(nk)) + 1 if k_new is None else check_int("k_new", k_new, 1)
    table = [[0] * kn for _ in range(ko)]
    for a, b in zip(ok, nk):
        if not (0 <= a < ko and 0 <= b < kn):
            raise ValueError("label out of range: %d -> %d" % (a, b))
        table[a][b] += 1
    return table


def pseudonymize(ids, key):
    """Keyed pseudonyms (HMAC-SHA-256, 64 hex characters) of ids (str or
    bytes, one or a sequence), as `seg --pseudonymize-key`; key: bytes, at
    least 16."""
    if isinstance(key, str):
        key = key.encode()
    key = bytes(key)
    if len(key) < 16:
        raise ValueError("the key must be at least 16 bytes")
    single = isinstance(ids, (str, bytes))
    out = []
    buf = ctypes.create_string_buffer(65)
    for i in ([ids] if single else ids):
        b = i.encode() if isinstance(i, str) else bytes(i)
        check(_pseudonymize(key, len(key), b, len(b), buf, 65))
        out.append(buf.value.decode())
    return out[0] if single else out


class MiniBatchKMeans(Estimator):
    """Mini-batch k-means, with partial_fit() to update a fitted model with
    new rows. After fit: labels_, cluster_centers_, inertia_, model_."""

    def __init__(self, n_clusters=8, *, batch_size=1024, max_steps=0, random_state=None,
                 n_init=3, n_threads=None):
        self.n_clusters = n_clusters
        self.batch_size = batch_size
        self.max_steps = max_steps
        self.random_state = random_state
        self.n_init = n_init
        self.n_threads = n_threads

    def _config(self):
        mb = new(_mb_new)
        from .estimator import _seed
        try:
            for key, value in (("k", self.n_clusters), ("batch_size", self.batch_size),
                               ("max_steps", self.max_steps), ("seed", _seed(self.random_state)),
                               ("n_init", self.n_init),
                               ("threads", 0 if self.n_threads is None else self.n_threads)):
                check(_mb_set_int(mb, _MB[key], check_int(key, value)))
        except BaseException:
            _mb_free(mb)
            raise
        return mb

    def _set(self, out, m, labels):
        self.model_ = N.Model(out)
        self.cluster_centers_ = self.model_.centroid_array()
        self.n_features_in_ = m.d
        self.labels_ = labels if labels is not None else self.predict(m.array if
                                                                      m.array is not None
                                                                      else m.keep[0])
        self.inertia_ = float(self.model_.inertia)

    def fit(self, X, y=None):
        """Fit from scratch on X; returns self."""
        m = Matrix(X).as_f64()
        mb = self._config()
        try:
            out = ctypes.c_void_p()
            labels, lp = out_array("i", m.n)
            check(_mb_fit_f64(mb, m.ptr, m.n, m.d, lp, ctypes.byref(out)))
        finally:
            _mb_free(mb)
        self._set(out, m, labels)
        return self

    def partial_fit(self, X, y=None):
        """Update the model with the rows of X (the first call fits on X);
        labels_ are those of X under the updated model. Returns self."""
        if not hasattr(self, "model_"):
            return self.fit(X)
        m = Matrix(X).as_f64()
        if m.d != self.n_features_in_:
            raise ValueError("X has %d features, but MiniBatchKMeans is expecting %d features "
                             "as input." % (m.d, self.n_features_in_))
        mb = self._config()
        try:
            out = ctypes.c_void_p()
            check(_mb_partial_f64(mb, self.model_._handle, m.ptr, m.n, m.d, ctypes.byref(out)))
        finally:
            _mb_free(mb)
        self._set(out, m, None)
        return self

    def predict(self, X):
        """Nearest centre of each row."""
        return self._fitted().predict(X)[0]


_rfm_new = proto("seg_rfm_new", _I, [_PP])
_rfm_free = proto("seg_rfm_free", None, [_P])
_rfm_set_int = proto("seg_rfm_set_int", _I, [_P, _I, _I64])
_rfm_set_string = proto("seg_rfm_set_string", _I, [_P, _I, ctypes.c_char_p])
_rfm_add = proto("seg_rfm_add", _I, [_P, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                     _D])
_rfm_read_csv = proto("seg_rfm_read_csv", _I, [_P, ctypes.c_char_p])
_rfm_finish = proto("seg_rfm_finish", _I, [_P])
_rfm_customers = proto("seg_rfm_customers", _S, [_P])
_rfm_customer = proto("seg_rfm_customer", ctypes.c_char_p, [_P, _S])
_rfm_get = proto("seg_rfm_get", _I, [_P, _S, ctypes.POINTER(_I64), ctypes.POINTER(_I64), _DP,
                                     _I32P, _SP])
_rfm_segment_name = proto("seg_rfm_segment_name", ctypes.c_char_p, [_P, _S])
_rfm_reference_date = proto("seg_rfm_reference_date", _I, [_P, ctypes.c_char_p, _S])
_RFM_TEXT = {"customer": 200, "date": 201, "amount": 202, "quantity": 203, "price": 204,
             "invoice": 205, "date_format": 206, "as_of": 207}
_RFM_BINS, _RFM_RETURNS = 101, 100


def _date_text(v):
    if hasattr(v, "strftime"):  # datetime, pandas Timestamp
        return v.strftime("%Y-%m-%d %H:%M:%S")
    return str(v)


def rfm(transactions, customer, date, amount=None, quantity=None, price=None, invoice=None,
        as_of=None, date_format=None, bins=5, returns="exclude"):
    """RFM analysis of a transaction log, as `seg rfm`: a CSV path (read by
    the library as a stream) or a pandas DataFrame (its rows added one by
    one: ids and invoices as text, dates as text or datetimes, amounts as
    numbers). Give amount, or quantity and price.

    Returns a list of dicts, one per customer with a purchase: customer,
    recency (days), frequency, monetary, r, f, m (scores) and segment (its
    name); plus the reference date as the key "as_of" of each row."""
    if (amount is None) == (quantity is None or price is None):
        raise ValueError("give amount, or quantity and price")
    if returns not in ("exclude", "subtract"):
        raise ValueError("returns must be exclude or subtract")
    r = new(_rfm_new)
    try:
        check(_rfm_set_int(r, _RFM_BINS, check_int("bins", bins)))
        check(_rfm_set_int(r, _RFM_RETURNS, 0 if returns == "exclude" else 1))
        for key, value in (("date_format", date_format), ("as_of", as_of)):
            if value is not None:
                check(_rfm_set_string(r, _RFM_TEXT[key], cstr(value, key)))
        if N._is_dataframe(transactions):
            df = transactions
            for col in [c for c in (customer, date, amount, quantity, price, invoice) if c]:
                if col not in df.columns:
                    raise ValueError("no column %r in the DataFrame" % col)
            cust = df[customer].tolist()
            dates = df[date].tolist()
            inv = df[invoice].tolist() if invoice else None
            if amount is not None:
                amounts = df[amount].astype(float).tolist()
            else:
                amounts = (df[quantity].astype(float) * df[price].astype(float)).tolist()
            for i in range(len(df)):
                c = cust[i]
                c = None if c is None or (isinstance(c, float) and c != c) else \
                    cstr(c if isinstance(c, str) else str(c), "customer")
                iv = None if inv is None else cstr(str(inv[i]), "invoice")
                rc = _rfm_add(r, c, iv, cstr(_date_text(dates[i]), "date"),
                              check_float("amount", amounts[i]))
                if rc < 0:
                    try:
                        check(rc)
                    except N.SegError as e:
                        raise N.SegError(e.code, e.description,
                                         "DataFrame row %d: %s" % (i, e.detail)) from None
        elif isinstance(transactions, (str, bytes, N.os.PathLike)):
            for key, value in (("customer", customer), ("date", date), ("amount", amount),
                               ("quantity", quantity), ("price", price), ("invoice", invoice)):
                if value is not None:
                    check(_rfm_set_string(r, _RFM_TEXT[key], cstr(value, key)))
            check(_rfm_read_csv(r, N.cpath(transactions)))
        else:
            raise TypeError("transactions must be a CSV path or a pandas DataFrame")
        check(_rfm_finish(r))
        buf = ctypes.create_string_buffer(32)
        check(_rfm_reference_date(r, buf, 32))
        as_of_text = buf.value.decode()
        rec, freq, mon = _I64(), _I64(), ctypes.c_double()
        scores = (ctypes.c_int32 * 3)()
        seg = ctypes.c_size_t()
        out = []
        for i in range(_rfm_customers(r)):
            check(_rfm_get(r, i, ctypes.byref(rec), ctypes.byref(freq), ctypes.byref(mon),
                           scores, ctypes.byref(seg)))
            out.append({"customer": _rfm_customer(r, i).decode(), "recency": rec.value,
                        "frequency": freq.value, "monetary": mon.value, "r": scores[0],
                        "f": scores[1], "m": scores[2],
                        "segment": _rfm_segment_name(r, seg.value).decode(),
                        "as_of": as_of_text})
        return out
    finally:
        _rfm_free(r)
