"""libseg.KMeans: a scikit-learn-compatible k-means estimator on libseg.

It follows scikit-learn's conventions without importing scikit-learn:
__init__ stores its arguments unchanged and fit() validates them, so
sklearn.base.clone, Pipeline, GridSearchCV and check_estimator work.
"""
import ctypes
import warnings

from . import _native as N
from ._native import _lib, check, check_int, check_float, Matrix, out_array
from ._base import NotFittedError

_ALGORITHMS = ("auto", "lloyd", "elkan", "hamerly", "yinyang")


def _seed(random_state):
    """An int64 seed from random_state: None (seed 0: libseg is
    deterministic by default), an int, or a numpy RandomState/Generator
    (one draw from it)."""
    if random_state is None:
        return 0
    if hasattr(random_state, "randint"):  # numpy RandomState
        return int(random_state.randint(0, 2 ** 31 - 1))
    if hasattr(random_state, "integers"):  # numpy Generator
        return int(random_state.integers(0, 2 ** 31 - 1))
    return check_int("random_state", random_state)


def _column_names(X):
    cols = getattr(X, "columns", None)
    if cols is None or not hasattr(X, "iloc"):
        return None
    names = list(cols)
    if names and all(isinstance(c, str) for c in names):
        return names
    return None


class KMeans:
    """K-means clustering on libseg, shaped like sklearn.cluster.KMeans.

    Parameters
    ----------
    n_clusters : int, default 8
        Number of segments (1 .. 10^6).
    init : "k-means++", "k-means||", "random", array of shape
        (n_clusters, n_features), or a callable init(X, n_clusters,
        random_state) returning such an array. "k-means||" is Bahmani et
        al.'s parallel start (2 rounds oversampling 2k rows, then weighted
        k-means++ on them), as seg segment --init kmeans|| and seg-mpi use.
    n_init : int or "auto", default "auto"
        Runs from different starts, the best kept by inertia; "auto" is 1
        for "k-means++" and "k-means||", 10 for "random" (as scikit-learn's
        for its two).
    max_iter : int, default 300
        Most iterations per run.
    tol : float, default 1e-4
        libseg's relative tolerance (SEG_KMEANS_TOL, see docs/api.md).
    random_state : None, int or numpy RandomState, default None
        Seed; None means seed 0 (libseg is deterministic by default).
    algorithm : "auto", "lloyd", "elkan", "hamerly" or "yinyang"
        All give the same result from the same start; they differ in speed.
    n_threads : int or None, default None
        Library threads of the fit and predict; None or 0 = all CPUs this
        process may use.
    dtype : None, "float64" or "float32"
        Precision of the fit; None follows the input (float32 arrays fit in
        float32, everything else in float64).
    k : int or None
        Alias of n_clusters (libseg's name); when given it wins.

    Attributes (after fit)
    ----------------------
    cluster_centers_ : ndarray (n_clusters, n_features)
    labels_ : ndarray of int32 (n_samples,)
    inertia_ : float, weighted sum of squared distances to the nearest centre
    n_iter_ : int, iterations of the kept run
    n_features_in_ : int
    feature_names_in_ : ndarray of str, only when fitted on a DataFrame with
        string column names
    model_ : libseg.Model, the C model (save(), to_bytes(), ...)

    The fit runs in C with the GIL released (ctypes releases it around every
    call), so other Python threads run meanwhile.
    """

    _estimator_type = "clusterer"

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300,
                 tol=1e-4, random_state=None, algorithm="auto", n_threads=None, dtype=None,
                 k=None):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.algorithm = algorithm
        self.n_threads = n_threads
        self.dtype = dtype
        self.k = k

    # ---- scikit-learn parameter protocol ----

    @classmethod
    def _get_param_names(cls):
        return ["algorithm", "dtype", "init", "k", "max_iter", "n_clusters", "n_init",
                "n_threads", "random_state", "tol"]

    def get_params(self, deep=True):
        """The constructor parameters, as a dict (scikit-learn convention)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set constructor parameters; unknown names raise ValueError."""
        valid = self._get_param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError("Invalid parameter %r for estimator %r. Valid parameters "
                                 "are: %r." % (key, self, valid))
            setattr(self, key, value)
        return self

    def __repr__(self):
        defaults = KMeans().get_params()
        changed = ["%s=%r" % (k, v) for k, v in self.get_params().items()
                   if not (v is defaults[k] or (type(v) is type(defaults[k]) and
                                                isinstance(v, (int, float, str)) and
                                                v == defaults[k]))]
        return "KMeans(%s)" % ", ".join(changed)

    def _more_tags(self):
        return {
            "preserves_dtype": [N._np.float64] if N._np is not None else [],
            # As scikit-learn's own KMeans: leaving rows out changes the order of
            # the rest, hence the k-means++ draws, hence possibly the optimum found.
            "_xfail_checks": {"check_sample_weights_invariance":
                              "zero sample_weight is not equivalent to removing samples"},
        }

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    def __getstate__(self):
        state = self.__dict__.copy()
        model = state.pop("model_", None)
        if model is not None:
            state["_model_bytes"] = model.to_bytes()
        return state

    def __setstate__(self, state):
        data = state.pop("_model_bytes", None)
        self.__dict__.update(state)
        if data is not None:
            self.model_ = N.Model.from_bytes(data)

    # ---- validation ----

    def _settings(self):
        k = self.k if self.k is not None else self.n_clusters
        k = check_int("n_clusters", k, 1, 1000000)
        max_iter = check_int("max_iter", self.max_iter, 1, 10 ** 9)
        tol = check_float("tol", self.tol)
        if tol < 0:
            raise ValueError("tol must be >= 0, got %r" % self.tol)
        if self.algorithm not in _ALGORITHMS:
            raise ValueError("algorithm must be one of %s, got %r"
                             % (", ".join(_ALGORITHMS), self.algorithm))
        threads = 0 if self.n_threads is None else check_int("n_threads", self.n_threads,
                                                             0, 4096)
        if self.dtype not in (None, "float64", "float32", "f64", "f32") and \
                not (N._np is not None and self.dtype in (N._np.float64, N._np.float32)):
            raise ValueError("dtype must be None, float64 or float32, got %r" % (self.dtype,))
        init = self.init
        if isinstance(init, str):
            if init not in ("k-means++", "k-means||", "random"):
                raise ValueError("init must be 'k-means++', 'k-means||', 'random', an array "
                                 "or a callable, got %r" % init)
        if self.n_init == "auto":
            n_init = 1 if (isinstance(init, str) and init != "random") else 10
        else:
            n_init = check_int("n_init", self.n_init, 1, 10 ** 6)
        return dict(k=k, max_iter=max_iter, tol=tol, n_init=n_init, threads=threads,
                    seed=_seed(self.random_state))

    def _want_f32(self, m):
        dt = self.dtype
        if dt is None:
            return m.f32
        name = getattr(dt, "__name__", dt)
        return name in ("float32", "f32")

    def _check_features(self, X, reset):
        names = _column_names(X)
        if reset:
            if names is not None:
                self.feature_names_in_ = N._np.asarray(names, dtype=object) \
                    if N._np is not None else list(names)
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            return
        fitted = getattr(self, "feature_names_in_", None)
        if names is None and fitted is None:
            return
        if names is not None and fitted is None:
            warnings.warn("X has feature names, but %s was fitted without feature names"
                          % type(self).__name__, UserWarning)
            return
        if names is None:
            warnings.warn("X does not have valid feature names, but %s was fitted with "
                          "feature names" % type(self).__name__, UserWarning)
            return
        if list(names) != list(fitted):
            # The message follows scikit-learn's, so tools that match it work.
            unseen = sorted(set(names) - set(fitted))
            missing = sorted(set(fitted) - set(names))

            def listed(items):
                shown = ["- %s\n" % x for x in items[:5]]
                return "".join(shown) + ("- ...\n" if len(items) > 5 else "")
            msg = "The feature names should match those that were passed during fit.\n"
            if unseen:
                msg += "Feature names unseen at fit time:\n" + listed(unseen)
            if missing:
                msg += "Feature names seen at fit time, yet now missing:\n" + listed(missing)
            if not unseen and not missing:
                msg += "Feature names must be in the same order as they were in fit.\n"
            raise ValueError(msg)

    def _matrix(self, X, reset=False):
        if not reset and not hasattr(self, "model_"):
            raise NotFittedError("This %s instance is not fitted yet. Call 'fit' with "
                                 "appropriate arguments before using this estimator."
                                 % type(self).__name__)
        self._check_features(X, reset)
        m = Matrix(X)
        if not reset and m.d != self.n_features_in_:
            raise ValueError("X has %d features, but %s is expecting %d features as input."
                             % (m.d, type(self).__name__, self.n_features_in_))
        return m

    # ---- fitting ----

    def fit(self, X, y=None, sample_weight=None):
        """Compute k-means clustering of X (array-like or DataFrame, n_samples x
        n_features; C or Fortran order, float32 or float64, read-only or not).

        sample_weight: None or n_samples weights >= 0 (rows of weight 0 do not
        move the centres and are labelled by their nearest centre).
        Returns self."""
        s = self._settings()
        m = self._matrix(X, reset=True)
        if m.n < s["k"]:
            raise ValueError("n_samples=%d should be >= n_clusters=%d." % (m.n, s["k"]))
        f32 = self._want_f32(m)
        if f32 != m.f32:
            m = Matrix(m.array.astype("float32" if f32 else "float64")) \
                if m.array is not None else m.as_f64()
        data, n_fit, weights, keep_rows = m, m.n, None, None
        if sample_weight is not None:
            w, _ = N.f64_vector(sample_weight, m.n, "sample_weight")
            if N._np is not None:
                if (w < 0).any():
                    raise ValueError("sample_weight must be >= 0")
                if (w == 0).all():
                    raise ValueError("sample_weight: every weight is 0")
                keep = w > 0
                if not keep.all():  # the C fit takes weights > 0: leave 0-weight rows out
                    keep_rows = keep
                    data = Matrix(m.array[keep])
                    w = N._np.ascontiguousarray(w[keep])
                    if data.n < s["k"]:
                        raise ValueError("%d rows of positive weight for n_clusters=%d"
                                         % (data.n, s["k"]))
            else:
                if any(v < 0 for v in w):
                    raise ValueError("sample_weight must be >= 0")
                if any(v == 0 for v in w):
                    raise ValueError("sample_weight: weight 0 needs NumPy")
            weights = w
            n_fit = data.n
        init = self.init
        if callable(init):
            init = init(m.array if m.array is not None else X, s["k"], self.random_state)
        if not isinstance(init, str):
            c = Matrix(init, what="init", allow_f32=False)
            if c.n != s["k"] or c.d != m.d:
                raise ValueError("init has shape (%d, %d), expected (%d, %d)"
                                 % (c.n, c.d, s["k"], m.d))
            s["n_init"] = 1
        cfg = N.KMeansConfig(k=s["k"], seed=s["seed"], n_init=s["n_init"],
                             max_iter=s["max_iter"], tol=s["tol"], threads=s["threads"],
                             init=init, algorithm=self.algorithm)
        try:
            out = ctypes.c_void_p()
            labels, lp = out_array("i", n_fit)
            wp = None
            if weights is not None:
                wp = weights.ctypes.data_as(N._DP) if N._np is not None else \
                    ctypes.cast((ctypes.c_double * n_fit).from_buffer(weights), N._DP)
            fn = _lib.seg_kmeans_fit_f32 if data.f32 else _lib.seg_kmeans_fit_f64
            check(fn(cfg._handle, data.ptr, data.n, data.d, wp, lp, ctypes.byref(out)))
            model = N.Model(out)
        finally:
            cfg.close()
        self.model_ = model
        self.n_features_in_ = m.d
        self._f32 = data.f32
        self.cluster_centers_ = model.centroid_array()
        if N._np is not None and data.f32:
            self.cluster_centers_ = self.cluster_centers_.astype(N._np.float32)
        self.inertia_ = float(model.inertia)
        self.n_iter_ = int(model.iterations)
        if keep_rows is not None:
            labels, _ = self._run(m)
        self.labels_ = labels
        return self

    def fit_predict(self, X, y=None, sample_weight=None):
        """fit(X) and return labels_."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def fit_transform(self, X, y=None, sample_weight=None):
        """fit(X) and return transform(X)."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    # ---- using the model ----

    def _run(self, m):
        """(labels, distances) of a validated matrix from the predictor."""
        model = self.model_
        p = N.new(_lib.seg_predictor_new, model._handle)
        try:
            threads = 0 if self.n_threads is None else check_int("n_threads", self.n_threads,
                                                                 0, 4096)
            check(_lib.seg_predictor_set_int(p, N._PREDICTOR_THREADS, threads))
            if m.f32 != self._f32:
                m = Matrix(m.array.astype("float32" if self._f32 else "float64")) \
                    if m.array is not None else m.as_f64()
            labels, lp = out_array("i", m.n)
            dist, dp = out_array("d", m.n)
            run = _lib.seg_predictor_run_f32 if m.f32 else _lib.seg_predictor_run_f64
            check(run(p, m.ptr, m.n, m.d, lp, dp))
            return labels, dist
        finally:
            _lib.seg_predictor_free(p)

    def predict(self, X):
        """Index of the nearest centre of each row (int32 array)."""
        return self._run(self._matrix(X))[0]

    def transform(self, X):
        """Euclidean distance of each row to every centre (n_samples x
        n_clusters, float64)."""
        m = self._matrix(X).as_f64()
        return self.model_.distances(m.array if m.array is not None else m.keep[0],
                                     encoded=True)

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the (weighted) sum of squared distances of X to its
        nearest centres: higher is better, as scikit-learn's."""
        m = self._matrix(X)
        _, dist = self._run(m)
        if sample_weight is None:
            return -float(sum(float(d) * float(d) for d in dist)) if N._np is None else \
                -float((dist * dist).sum())
        w, _ = N.f64_vector(sample_weight, m.n, "sample_weight")
        if N._np is not None:
            return -float((w * dist * dist).sum())
        return -sum(a * b * b for a, b in zip(w, dist))
