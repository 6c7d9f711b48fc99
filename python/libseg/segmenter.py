"""libseg.Segmenter: the analyst's whole pipeline (what `seg segment` does)
on a pandas DataFrame or a CSV file: encoding, imputation, scaling, a fit at
a given k or a sweep choosing k, profiles, plain-words labels, campaign
metrics with a target column, outlier scores, save and load; predict() takes
raw columns as `seg predict` does."""
import ctypes
import os

from . import _native as N
from . import analysis
from ._native import _lib, check, check_int, out_array, Dataset, Model, Scaler
from ._base import Estimator

_PROFILE_MEAN = 100
_weights = N.proto("seg_dataset_weights", N._DP, [N._P])


_feature_column = N.proto("seg_scaler_feature_column", N._STR, [N._P, N._S])


def _dataset(data, what="data", model=None):
    """A Dataset from a DataFrame, a CSV path or a Dataset (borrowed: the
    second value says whether the caller must close it). With a model, the
    DataFrame's extra columns of a type libseg cannot read (dates, ...) are
    left out, as seg predict ignores extra columns."""
    if isinstance(data, Dataset):
        return data, False
    if N._is_dataframe(data):
        if model is not None:
            data = data[[c for c in data.columns if _readable(data, c, model)]]
        return Dataset.from_dataframe(data), True
    if isinstance(data, (str, bytes, os.PathLike)):
        return Dataset.read_csv(data), True
    raise TypeError("%s must be a pandas DataFrame, a CSV path or a libseg.Dataset of raw "
                    "columns, got %s; for encoded features use predict_encoded()"
                    % (what, type(data).__name__))


def _readable(df, column, model):
    """Whether a DataFrame column is kept for a model's predict: every column
    the model's scaler reads, and every other column libseg can read."""
    sc = _lib.seg_model_scaler(model._handle)
    if sc:
        needed = {_feature_column(sc, j).decode() for j in range(model.dim)}
        if column in needed:
            return True
    from ._frame import column_kind
    try:
        column_kind(df[column])
    except TypeError:
        return False
    return isinstance(column, str)


def _predict_raw(model, data, return_distance, n_threads):
    """Labels (and distances) of raw rows by a model with a scaler, as `seg
    predict` does; data is a DataFrame, a CSV path or a Dataset."""
    ds, owned = _dataset(data, model=model)
    try:
        labels, dist = model.predict(ds, threads=n_threads)
    finally:
        if owned:
            ds.close()
    return (labels, dist) if return_distance else labels


def _names(value, what):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    names = list(value)
    for n in names:
        if not isinstance(n, str):
            raise TypeError("%s must be column names (str), got %r" % (what, n))
    return names


class Segmenter(Estimator):
    """Segment customers from raw columns, as `seg segment` does.

    Parameters
    ----------
    n_clusters : int or None
        Segments; None (default) runs a sweep over k_min .. k_max and takes
        the k it chooses (stability, then silhouette).
    k_min, k_max : sweep bounds (default 2, 10).
    columns : column names to cluster on (default: all but the roles below).
    drop : columns to leave out.
    describe : columns profiled per segment but never clustered on.
    id_column, weight_column : row id and row weight columns.
    target : yes/no outcome column (kept out of the features): campaign
        metrics per segment in campaign_. control: yes/no held-out column.
    scale : "standard", "minmax", "robust" or "none".
    log1p : numeric columns given a signed log1p before scaling.
    drop_first : one-hot without the first level.
    categorical_missing : "level" (missing is its own level) or "mode".
    impute_order : "impute-first" or "scale-first" (see docs/guide.md).
    random_state, n_init, max_iter, tol, algorithm, n_threads : as KMeans.
    min_profile_size : withhold the profiles of smaller segments.
    stability_resamples, silhouette_sample : sweep settings, as the CLI's.

    Missing values are NaN/None in a DataFrame, and empty fields or
    NA/NaN/null in a CSV file. pandas categorical, object, string and bool
    columns are categorical columns; numeric ones numeric.

    After fit: model_ (a Model, with the scaler: save() writes what `seg
    predict` reads), n_clusters_, labels_, distances_, feature_names_,
    segment_labels_, sweep_ (a SweepResult, or None with n_clusters),
    outlier_scores_, campaign_ (list of dicts, or None without target).
    """

    _fit_hint = "call fit() or load()"

    def __init__(self, n_clusters=None, *, k_min=2, k_max=10, columns=None, drop=None,
                 describe=None, id_column=None, weight_column=None, target=None, control=None,
                 scale="standard", log1p=None, drop_first=False, categorical_missing="level",
                 impute_order="impute-first", random_state=0, n_init=1, max_iter=300,
                 tol=1e-4, algorithm="auto", n_threads=None, min_profile_size=0,
                 stability_resamples=5, silhouette_sample=10000):
        self.n_clusters = n_clusters
        self.k_min = k_min
        self.k_max = k_max
        self.columns = columns
        self.drop = drop
        self.describe = describe
        self.id_column = id_column
        self.weight_column = weight_column
        self.target = target
        self.control = control
        self.scale = scale
        self.log1p = log1p
        self.drop_first = drop_first
        self.categorical_missing = categorical_missing
        self.impute_order = impute_order
        self.random_state = random_state
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.algorithm = algorithm
        self.n_threads = n_threads
        self.min_profile_size = min_profile_size
        self.stability_resamples = stability_resamples
        self.silhouette_sample = silhouette_sample

    # ---- fitting ----

    def _prepare(self, ds):
        outcome = control = None
        if self.id_column is not None:
            ds.set_id_column(self.id_column)
        if self.weight_column is not None:
            ds.set_weight_column(self.weight_column)
        if self.target is not None:
            outcome = ds.outcome(self.target)
        if self.control is not None:
            control = ds.outcome(self.control)
        roles = [c for c in (self.target, self.control) if c is not None]
        if roles:
            ds.drop(roles)
        for name in _names(self.describe, "describe"):
            ds.set_described_column(name)
        columns = _names(self.columns, "columns")
        if columns:
            missing = [c for c in columns if c not in ds.columns]
            if missing:
                raise ValueError("columns not in the data: %s" % ", ".join(missing))
            ds.select(columns)
        drop = _names(self.drop, "drop")
        if drop:
            ds.drop(drop)
        return outcome, control

    def fit(self, data, y=None):
        """Segment data (a DataFrame, a CSV path or a Dataset); returns self."""
        ds, owned = _dataset(data)
        try:
            outcome, control = self._prepare(ds)
            sc = Scaler(method=self.scale, drop_first=self.drop_first,
                        categorical_missing=self.categorical_missing,
                        impute_order=self.impute_order,
                        columns={c: {"log1p": True} for c in _names(self.log1p, "log1p")})
            try:
                sc.fit(ds)
                x = sc.transform(ds)
                m = N.Matrix(x, flat_d=len(sc.feature_names))
                self.sweep_ = None
                if self.n_clusters is None:
                    wts = None
                    if self.weight_column is not None:
                        wp = _weights(ds._handle)
                        wts = wp[:ds.rows] if wp else None
                    self.sweep_ = analysis.sweep(
                        m, self.k_min, self.k_max,
                        sample_weight=wts, random_state=self.random_state,
                        n_init=self.n_init, max_iter=self.max_iter, tol=self.tol,
                        n_threads=self.n_threads, silhouette_sample=self.silhouette_sample,
                        stability_resamples=self.stability_resamples)
                    k = self.sweep_.chosen_k
                else:
                    k = check_int("n_clusters", self.n_clusters, 1, 1000000)
                from .estimator import _seed
                cfg = N.KMeansConfig(k=k, seed=_seed(self.random_state), n_init=self.n_init,
                                     max_iter=self.max_iter, tol=self.tol,
                                     threads=0 if self.n_threads is None else self.n_threads,
                                     algorithm=self.algorithm,
                                     min_profile_size=self.min_profile_size)
                try:
                    out = ctypes.c_void_p()
                    labels, lp = out_array("i", m.n)
                    dist, dp = out_array("d", m.n)
                    check(_lib.seg_kmeans_fit_encoded_f64(cfg._handle, ds._handle, sc._handle,
                                                          m.ptr, m.n, m.d, lp, dp,
                                                          ctypes.byref(out)))
                finally:
                    cfg.close()
                self.feature_names_ = sc.feature_names
            finally:
                sc.close()
            self.model_ = Model(out)
            self.n_clusters_ = self.model_.k
            self.labels_ = labels
            self.distances_ = dist
            self.ids_ = [ds.id(i) for i in range(ds.rows)] if self.id_column else None
            self.segment_labels_ = [self.model_.segment_label(j) for j in range(k)]
            self.outlier_scores_ = None
            if _lib.seg_model_has_outlier_reference(self.model_._handle):
                self.outlier_scores_ = self.model_.outlier_scores(labels, dist)[0]
            self.campaign_ = None
            if outcome is not None:
                self.campaign_ = analysis.campaign(labels, list(outcome), k,
                                                   list(control) if control is not None
                                                   else None)
            return self
        finally:
            if owned:
                ds.close()

    # ---- using the model ----

    def predict(self, data, return_distance=False, n_threads=1):
        """Segments of new customers given as raw columns (a DataFrame, a CSV
        path or a Dataset), encoded by the model's own scaler, as `seg
        predict` does: the training columns must be there (extra columns
        are ignored); a missing column or one of another type raises.
        Returns labels, or (labels, distances)."""
        return _predict_raw(self._fitted(), data, return_distance, n_threads)

    def predict_encoded(self, X, return_distance=False):
        """Segments of rows of already encoded features (transform() output):
        the explicit way to pass numbers instead of raw columns."""
        labels, dist = self._fitted().predict(X, encoded=True)
        return (labels, dist) if return_distance else labels

    def transform(self, data):
        """The encoded, scaled feature matrix of raw columns (n x features)."""
        model = self._fitted()
        ds, owned = _dataset(data, model=model)
        try:
            sc = _lib.seg_model_scaler(model._handle)
            if not sc:
                raise ValueError("this model has no scaler")
            d = model.dim
            out, ptr = out_array("d", ds.rows * d)
            check(_lib.seg_scaler_transform_f64(sc, ds._handle, ptr, ds.rows * d))
            return N.to_matrix_out(out, ds.rows, d)
        finally:
            if owned:
                ds.close()

    def outlier_scores(self, data, threshold=0.995):
        """(scores, flags) of new customers' raw rows, as `seg predict
        --flag-outliers`."""
        labels, dist = self.predict(data, return_distance=True)
        return self._fitted().outlier_scores(labels, dist, threshold)

    def profiles(self):
        """One row per segment: size, label, the mean of every numeric
        profile column and the share of every categorical level. A pandas
        DataFrame when pandas is importable, else a list of dicts."""
        model = self._fitted()
        h = model._handle
        rows = []
        v = ctypes.c_double()
        sizes = model.segment_sizes
        for j in range(model.k):
            row = {"segment": j, "size": sizes[j], "label": model.segment_label(j)}
            for c in range(_lib.seg_model_profile_columns(h)):
                name = _lib.seg_model_profile_column_name(h, c).decode()
                if _lib.seg_model_profile_column_type(h, c) == 1:
                    rc = _lib.seg_model_profile_numeric(h, j, c, _PROFILE_MEAN, ctypes.byref(v))
                    row[name] = v.value if rc >= 0 else float("nan")
                else:
                    for lv in range(_lib.seg_model_profile_levels(h, c)):
                        level = _lib.seg_model_profile_level(h, c, lv)
                        rc = _lib.seg_model_profile_share(h, j, c, lv, ctypes.byref(v))
                        key = "%s=%s" % (name, level.decode() if level else "(missing)")
                        row[key] = v.value if rc >= 0 else float("nan")
            rows.append(row)
        try:
            import pandas
        except ImportError:
            return rows
        return pandas.DataFrame(rows).set_index("segment")

    def save(self, path):
        """Write the model file (`seg predict MODEL` and `seg info` read it)."""
        self._fitted().save(path)

    @classmethod
    def load(cls, path):
        """A Segmenter that predicts with a model file saved by save() or by
        `seg segment --model`."""
        seg = cls()
        seg.model_ = Model.load(path)
        seg.n_clusters_ = seg.model_.k
        if not seg.model_.has_scaler:
            raise ValueError("%s holds a model without a scaler: use libseg.Model.load()"
                             % (path,))
        seg.segment_labels_ = [seg.model_.segment_label(j) for j in range(seg.model_.k)]
        return seg
