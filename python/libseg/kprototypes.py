"""libseg.KPrototypes: k-prototypes (numeric and categorical columns, the
latter compared as levels, never as one-hot numbers) over
seg_kprototypes_fit_encoded_f64(), on a pandas DataFrame or a CSV path.

The table becomes a dataset and a scaler exactly as for Segmenter (same
encoding, imputation and scaling), so the fit equals `seg segment --method
kprototypes --k K` on the same CSV with the same seed."""
import ctypes
import os

from . import _native as N
from ._native import (check, check_int, check_float, new, proto, out_array, Model, Scaler,
                      _P, _I, _I64, _D, _PP, _S, _DP, _I32P)
from ._base import Estimator

_kp_new = proto("seg_kprototypes_new", _I, [_PP])
_kp_free = proto("seg_kprototypes_free", None, [_P])
_kp_set_int = proto("seg_kprototypes_set_int", _I, [_P, _I, _I64])
_kp_set_double = proto("seg_kprototypes_set_double", _I, [_P, _I, _D])
_kp_fit = proto("seg_kprototypes_fit_encoded_f64", _I,
                [_P, _P, _P, _DP, _S, _S, _I32P, _DP, _PP])
_kp_gamma = proto("seg_model_kprototypes_gamma", _D, [_P])

_K, _MAX_ITER, _N_INIT, _INIT, _SEED, _THREADS, _MIN_PROFILE, _GAMMA = \
    100, 101, 102, 103, 104, 105, 110, 200
_INITS = {"huang": 0, "cao": 1}


def _is_kprototypes(model):
    g = _kp_gamma(model._handle)
    return g == g  # NaN for any other model


class KPrototypes(Estimator):
    """K-prototypes segments of a table of numeric and categorical columns.

    The cost of a row against a segment is the squared distance of its
    scaled numeric features to the segment's means plus gamma for each
    categorical column whose level differs from the segment's most common
    level (Huang 1997).

    Parameters
    ----------
    n_clusters : int, default 8
        Segments (1 .. 10^6).
    gamma : float or None, default None
        Cost of one categorical mismatch (0 .. 1e12); None: the kmodes
        package's rule, 0.5 x the mean population standard deviation of the
        scaled numeric features (1 without numeric features).
    init : "huang" (default, random, seeded) or "cao" (deterministic).
    n_init : runs from different starts, the lowest cost kept (default 1).
    max_iter : most iterations per run (default 300, as `seg segment`).
    random_state : None (seed 0), an int or a NumPy RandomState/Generator.
    n_threads : library threads, None or 0 = all usable CPUs (results are
        identical for any number).
    columns, drop, id_column, weight_column : which columns to segment on
        and the row id and weight columns, as Segmenter's.
    scale, log1p, drop_first, categorical_missing, impute_order : the
        encoding, as Segmenter's (and `seg segment`'s options).
    min_profile_size : withhold the profiles of smaller segments.

    Attributes (after fit)
    ----------------------
    labels_ : int32 array, each row's segment (equal to predict(data))
    cost_ : float, the total (weighted) cost; inertia_ is the same number
    gamma_ : float, the gamma the model was fitted with
    distances_ : float64 array, the square root of each row's cost
    cluster_centers_ : k x features, the prototypes in the scaler's feature
        space (numeric means; a 1 at each mode's one-hot feature)
    feature_names_ : the encoded feature names ("age", "plan=gold", ...)
    segment_labels_ : each segment's plain-words label; profiles() gives
        sizes, numeric means and level shares per segment
    n_iter_, converged_, n_clusters_
    model_ : libseg.Model (save(); `seg predict` and `seg info` read it)
    """

    _fit_hint = "call fit() or load()"

    def __init__(self, n_clusters=8, *, gamma=None, init="huang", n_init=1, max_iter=300,
                 random_state=None, n_threads=None, columns=None, drop=None, id_column=None,
                 weight_column=None, scale="standard", log1p=None, drop_first=False,
                 categorical_missing="level", impute_order="impute-first",
                 min_profile_size=0):
        self.n_clusters = n_clusters
        self.gamma = gamma
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state
        self.n_threads = n_threads
        self.columns = columns
        self.drop = drop
        self.id_column = id_column
        self.weight_column = weight_column
        self.scale = scale
        self.log1p = log1p
        self.drop_first = drop_first
        self.categorical_missing = categorical_missing
        self.impute_order = impute_order
        self.min_profile_size = min_profile_size

    def _config(self):
        if self.init not in _INITS:
            raise ValueError("init must be 'huang' or 'cao', not %r" % (self.init,))
        from .estimator import _seed
        values = ((_K, "n_clusters", check_int("n_clusters", self.n_clusters, 1, 1000000)),
                  (_MAX_ITER, "max_iter", self.max_iter), (_N_INIT, "n_init", self.n_init),
                  (_SEED, "random_state", _seed(self.random_state)),
                  (_THREADS, "n_threads", 0 if self.n_threads is None else self.n_threads),
                  (_MIN_PROFILE, "min_profile_size", self.min_profile_size))
        gamma = None if self.gamma is None else check_float("gamma", self.gamma)
        if gamma is not None and not 0 <= gamma <= 1e12:
            raise ValueError("gamma must be None or within [0, 1e12], not %r" % (self.gamma,))
        kp = new(_kp_new)
        try:
            for pid, key, value in values:
                check(_kp_set_int(kp, pid, check_int(key, value)))
            check(_kp_set_int(kp, _INIT, _INITS[self.init]))
            if gamma is not None:
                check(_kp_set_double(kp, _GAMMA, gamma))
        except BaseException:
            _kp_free(kp)
            raise
        return kp

    def _scaler(self):
        from .segmenter import _names
        return Scaler(method=self.scale, drop_first=self.drop_first,
                      categorical_missing=self.categorical_missing,
                      impute_order=self.impute_order,
                      columns={c: {"log1p": True} for c in _names(self.log1p, "log1p")})

    def _prepare(self, ds):
        from .segmenter import _names
        if self.id_column is not None:
            ds.set_id_column(self.id_column)
        if self.weight_column is not None:
            ds.set_weight_column(self.weight_column)
        columns = _names(self.columns, "columns")
        if columns:
            missing = [c for c in columns if c not in ds.columns]
            if missing:
                raise ValueError("columns not in the data: %s" % ", ".join(missing))
            ds.select(columns)
        drop = _names(self.drop, "drop")
        if drop:
            ds.drop(drop)

    def fit(self, data, y=None):
        """Segment data: a pandas DataFrame (categorical, object, string and
        bool columns are categorical), a CSV path or a libseg.Dataset.
        Returns self. Data without a categorical column raises SegError
        (use KMeans or Segmenter for numbers only)."""
        from .segmenter import _dataset
        kp = self._config()
        try:
            ds, owned = _dataset(data)
            try:
                self._prepare(ds)
                sc = self._scaler()
                try:
                    sc.fit(ds)
                    x = sc.transform(ds)
                    m = N.Matrix(x, flat_d=len(sc.feature_names))
                    out = ctypes.c_void_p()
                    labels, lp = out_array("i", m.n)
                    dist, dp = out_array("d", m.n)
                    check(_kp_fit(kp, ds._handle, sc._handle, m.ptr, m.n, m.d, lp, dp,
                                  ctypes.byref(out)))
                    self.feature_names_ = sc.feature_names
                finally:
                    sc.close()
                self.ids_ = [ds.id(i) for i in range(ds.rows)] if self.id_column else None
            finally:
                if owned:
                    ds.close()
        finally:
            _kp_free(kp)
        self.model_ = Model(out)
        self._attributes()
        self.labels_ = labels
        self.distances_ = dist
        return self

    def _attributes(self):
        m = self.model_
        self.n_clusters_ = m.k
        self.gamma_ = float(_kp_gamma(m._handle))
        self.cost_ = self.inertia_ = float(m.inertia)
        self.cluster_centers_ = m.centroid_array()
        self.n_iter_ = int(m.iterations)
        self.converged_ = bool(m.converged)
        self.segment_labels_ = [m.segment_label(j) for j in range(m.k)]

    def profiles(self):
        """One row per segment: size, label, the mean of every numeric column
        and the share of every categorical level (as Segmenter.profiles())."""
        from .segmenter import Segmenter
        return Segmenter.profiles(self)

    def predict(self, data, return_distance=False, n_threads=1):
        """Segments of rows given as raw columns (a DataFrame, a CSV path or a
        Dataset; the training columns by name, extra ones ignored), by the
        k-prototypes cost, as `seg predict` does. Returns labels, or
        (labels, distances) with distance = sqrt(cost)."""
        from .segmenter import _predict_raw
        model = self._fitted()
        if not (N._is_dataframe(data) or isinstance(data, (str, bytes, os.PathLike,
                                                           N.Dataset))):
            raise TypeError("KPrototypes.predict takes raw columns (a pandas DataFrame, a CSV "
                            "path or a libseg.Dataset), got %s" % type(data).__name__)
        return _predict_raw(model, data, return_distance, n_threads)

    def save(self, path):
        """Write the model file (`seg predict MODEL` and `seg info` read it)."""
        self._fitted().save(path)

    @classmethod
    def load(cls, path):
        """A KPrototypes that predicts with a k-prototypes model file saved by
        save() or by `seg segment --method kprototypes --model`."""
        model = Model.load(path)
        if not _is_kprototypes(model):
            model.close()
            raise ValueError("%s does not hold a k-prototypes model: load it with "
                             "libseg.Segmenter.load() or libseg.Model.load()" % (path,))
        kp = cls(n_clusters=model.k)
        kp.model_ = model
        kp._attributes()
        return kp
