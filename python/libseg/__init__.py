"""Python bindings for libseg through ctypes: no compiler, no NumPy.

    import libseg
    ds = libseg.Dataset.read_csv("bank.csv")
    ds.drop(["y", "duration"])
    sc = libseg.Scaler(method="standard").fit(ds)
    model = libseg.KMeans(k=6, seed=1).fit(ds, scaler=sc)
    labels, distances = model.predict(ds)

The shared library is found through the LIBSEG_PATH environment variable (a
path to libseg.so.N), then the system's library search (ctypes.util), so an
installed libseg just works. Numbers go in as lists of rows or as any
C-contiguous buffer of doubles or floats (array.array, memoryview, and a
NumPy array too, without this module importing NumPy); they come out as
array.array objects, which support the buffer protocol.

Every failure raises SegError carrying the status code, its name and the
library's detail message (seg_last_error()). Objects free their C memory when
garbage collected, or at once with close() / a with block. A Model may be
used for predict from several Python threads at once (each call uses its own
C predictor); other objects must not be shared between threads while one of
them changes it.
"""
import array
import csv
import ctypes
import ctypes.util
import io
import os

__all__ = ["SegError", "Dataset", "Scaler", "KMeans", "Model", "version", "threads_count",
           "STATUS"]

# seg_status values (fixed forever by the library's ABI policy).
STATUS = {
    0: "SEG_OK", -1: "SEG_ERR_NOMEM", -2: "SEG_ERR_INVALID_ARG", -3: "SEG_ERR_IO",
    -4: "SEG_ERR_PARSE", -5: "SEG_ERR_FORMAT", -6: "SEG_ERR_EMPTY", -7: "SEG_ERR_NONFINITE",
    -8: "SEG_ERR_OVERFLOW", -9: "SEG_ERR_TOO_FEW_POINTS", -10: "SEG_ERR_NOT_FOUND",
    -11: "SEG_ERR_STATE", -12: "SEG_ERR_MISMATCH", -13: "SEG_ERR_LIMIT", -14: "SEG_ERR_TYPE",
    -15: "SEG_ERR_BAD_MAGIC", -16: "SEG_ERR_VERSION", -17: "SEG_ERR_TRUNCATED",
    -18: "SEG_ERR_CHECKSUM", -19: "SEG_ERR_CANCELLED", -25: "SEG_ERR_PRIVACY",
}
_SCALE = {"none": 0, "standard": 1, "minmax": 2, "robust": 3}
_INIT = {"k-means++": 0, "kmeans++": 0, "random": 1}
# Setting keys (enum values of seg.h).
_CSV_DELIMITER, _CSV_HEADER = 100, 101
_SCALER_METHOD, _SCALER_DROP_FIRST, _SCALER_CAT_MISSING, _SCALER_MAX_LEVELS = 100, 101, 102, 103
_SCALER_IMPUTE_ORDER = 106
_IMPUTE_ORDER = {"impute-first": 0, "scale-first": 1}
_SCALER_COLUMN_METHOD, _SCALER_COLUMN_LOG1P = 200, 201
_KM = {"k": 100, "max_iter": 101, "n_init": 102, "init": 103, "seed": 104, "threads": 105,
       "dtype": 106}
_KMEANS_TOL = 200
_PREDICTOR_THREADS = 100


class SegError(Exception):
    """A libseg call failed. code is the seg_status value (negative), name its
    enum name (e.g. "SEG_ERR_PARSE"), detail the library's message."""

    def __init__(self, code, description, detail):
        self.code = code
        self.name = STATUS.get(code, "SEG_ERR_%d" % -code)
        self.description = description
        self.detail = detail
        super().__init__("%s: %s" % (description, detail) if detail else description)


# ---- loading and prototypes --------------------------------------------------

def _load():
    path = os.environ.get("LIBSEG_PATH")
    if not path:
        path = ctypes.util.find_library("seg") or "libseg.so.0"
    return ctypes.CDLL(path)


_lib = _load()
_P = ctypes.c_void_p
_S = ctypes.c_size_t
_I = ctypes.c_int
_I64 = ctypes.c_int64
_D = ctypes.c_double
_STR = ctypes.c_char_p
_PP = ctypes.POINTER(ctypes.c_void_p)
_DP = ctypes.POINTER(ctypes.c_double)
_FP = ctypes.POINTER(ctypes.c_float)
_I32P = ctypes.POINTER(ctypes.c_int32)

_PROTOS = {
    "seg_version_string": (_STR, []),
    "seg_version_number": (ctypes.c_uint, []),
    "seg_threads_count": (_I, [_I64]),
    "seg_strerror": (_STR, [_I]),
    "seg_last_error": (_STR, []),
    "seg_csv_options_new": (_I, [_PP]),
    "seg_csv_options_free": (None, [_P]),
    "seg_csv_options_set_int": (_I, [_P, _I, _I64]),
    "seg_csv_options_add_missing": (_I, [_P, _STR]),
    "seg_dataset_read_csv": (_I, [_PP, _STR, _P]),
    "seg_dataset_read_csv_memory": (_I, [_PP, _P, _S, _P]),
    "seg_dataset_read_npy": (_I, [_PP, _STR]),
    "seg_dataset_from_f32": (_I, [_PP, _FP, _S, _S, _P]),
    "seg_dataset_from_f64": (_I, [_PP, _DP, _S, _S, _P]),
    "seg_dataset_free": (None, [_P]),
    "seg_dataset_rows": (_S, [_P]),
    "seg_dataset_columns": (_S, [_P]),
    "seg_dataset_column_name": (_STR, [_P, _S]),
    "seg_dataset_column_type": (_I, [_P, _S]),
    "seg_dataset_select": (_I, [_P, _P, _S]),
    "seg_dataset_drop": (_I, [_P, _P, _S]),
    "seg_dataset_set_id_column": (_I, [_P, _STR]),
    "seg_dataset_set_weight_column": (_I, [_P, _STR]),
    "seg_dataset_set_described_column": (_I, [_P, _STR]),
    "seg_dataset_described_columns": (_S, [_P]),
    "seg_dataset_described_name": (_STR, [_P, _S]),
    "seg_dataset_id": (_STR, [_P, _S]),
    "seg_dataset_get_f64": (_I, [_P, _S, _S, _DP]),
    "seg_dataset_get_text": (_I, [_P, _S, _S, ctypes.POINTER(_STR)]),
    "seg_scaler_new": (_I, [_PP]),
    "seg_scaler_free": (None, [_P]),
    "seg_scaler_set_int": (_I, [_P, _I, _I64]),
    "seg_scaler_set_column_int": (_I, [_P, _STR, _I, _I64]),
    "seg_scaler_fit": (_I, [_P, _P]),
    "seg_scaler_features": (_S, [_P]),
    "seg_scaler_feature_name": (_STR, [_P, _S]),
    "seg_scaler_transform_f64": (_I, [_P, _P, _DP, _S]),
    "seg_kmeans_new": (_I, [_PP]),
    "seg_kmeans_free": (None, [_P]),
    "seg_kmeans_set_int": (_I, [_P, _I, _I64]),
    "seg_kmeans_set_double": (_I, [_P, _I, _D]),
    "seg_kmeans_set_init_centroids_f64": (_I, [_P, _DP, _S, _S]),
    "seg_kmeans_fit_f32": (_I, [_P, _FP, _S, _S, _DP, _I32P, _PP]),
    "seg_kmeans_fit_f64": (_I, [_P, _DP, _S, _S, _DP, _I32P, _PP]),
    "seg_kmeans_fit_dataset": (_I, [_P, _P, _P, _I32P, _PP]),
    "seg_model_free": (None, [_P]),
    "seg_model_k": (_S, [_P]),
    "seg_model_dim": (_S, [_P]),
    "seg_model_centroids_f64": (_I, [_P, _DP, _S]),
    "seg_model_inertia": (_D, [_P]),
    "seg_model_iterations": (_I64, [_P]),
    "seg_model_converged": (_I, [_P]),
    "seg_model_rows": (_S, [_P]),
    "seg_model_segment_size": (_S, [_P, _S]),
    "seg_model_scaler": (_P, [_P]),
    "seg_model_save": (_I, [_P, _STR]),
    "seg_model_save_mem": (_I, [_P, _P, _S, ctypes.POINTER(_S)]),
    "seg_model_load": (_I, [_PP, _STR]),
    "seg_model_load_mem": (_I, [_PP, _P, _S]),
    "seg_predictor_new": (_I, [_PP, _P]),
    "seg_predictor_free": (None, [_P]),
    "seg_predictor_set_int": (_I, [_P, _I, _I64]),
    "seg_predictor_run_f32": (_I, [_P, _FP, _S, _S, _I32P, _DP]),
    "seg_predictor_run_f64": (_I, [_P, _DP, _S, _S, _I32P, _DP]),
    "seg_predictor_run_dataset": (_I, [_P, _P, _I32P, _DP]),
}
for _name, (_res, _args) in _PROTOS.items():
    _fn = getattr(_lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args


def version():
    """The loaded library's version string, e.g. "0.1.0"."""
    return _lib.seg_version_string().decode()


def threads_count(setting=0):
    """Library threads a THREADS setting stands for: the setting (at most 4096),
    or for 0 the CPUs this process may use (affinity mask, cgroup CPU quota)."""
    return int(_lib.seg_threads_count(int(setting)))


def _check(rc):
    if rc < 0:
        raise SegError(rc, _lib.seg_strerror(rc).decode(),
                       _lib.seg_last_error().decode("utf-8", "replace"))
    return rc


def _new(fn, *args):
    out = ctypes.c_void_p()
    _check(fn(ctypes.byref(out), *args))
    return out


def _names(names):
    if isinstance(names, (str, bytes)):
        names = [names]
    enc = [n.encode() if isinstance(n, str) else bytes(n) for n in names]
    return (ctypes.c_char_p * max(len(enc), 1))(*enc), len(enc)


class _Matrix:
    """A C view of caller numbers: (pointer, n, d, is_f32), kept alive with
    whatever owns the memory."""

    def __init__(self, data, d=None, flat_d=None):
        self.keep = None
        try:
            mv = memoryview(data)
        except TypeError:
            mv = None
        if mv is not None and mv.format.lstrip("<=@") in ("d", "f"):
            if not mv.c_contiguous:
                raise ValueError("the buffer must be C-contiguous")
            self.f32 = mv.format.lstrip("<=@") == "f"
            if mv.ndim == 2:
                n, cols = mv.shape
                if d is not None and d != cols:
                    raise ValueError("d=%d but the buffer has %d columns" % (d, cols))
                d = cols
            elif mv.ndim == 1:
                d = d if d is not None else flat_d
                if d is None:
                    raise ValueError("a flat buffer needs d (the number of columns)")
                if d <= 0 or len(mv) % d:
                    raise ValueError("%d values do not make rows of %d" % (len(mv), d))
                n = len(mv) // d
            else:
                raise ValueError("the buffer must have 1 or 2 dimensions")
            ctype = ctypes.c_float if self.f32 else ctypes.c_double
            raw = mv.cast("B") if mv.nbytes else mv
            try:
                arr = (ctype * (n * d)).from_buffer(raw)
            except TypeError:  # read-only buffer (bytes, ...): copy it
                arr = (ctype * (n * d)).from_buffer_copy(raw)
            self.keep = (mv, raw, arr)
        else:
            rows = [list(r) for r in data]
            n = len(rows)
            if d is None:
                d = len(rows[0]) if rows else 0
            flat = array.array("d")
            for i, r in enumerate(rows):
                if len(r) != d:
                    raise ValueError("row %d has %d values, expected %d" % (i, len(r), d))
                flat.extend(float(v) for v in r)
            self.f32 = False
            arr = (ctypes.c_double * len(flat)).from_buffer(flat) if len(flat) else None
            self.keep = (flat, arr)
        self.n, self.d = n, d
        ptype = _FP if self.f32 else _DP
        self.ptr = ctypes.cast(arr, ptype) if arr is not None else ptype()


def _weights(weights, n):
    if weights is None:
        return None, None
    w = array.array("d", weights)
    if len(w) != n:
        raise ValueError("%d weights for %d rows" % (len(w), n))
    return ctypes.cast((ctypes.c_double * n).from_buffer(w), _DP), w


def _out(typecode, n):
    """A zeroed array.array of n items and a C pointer into it."""
    out = array.array(typecode, bytes(array.array(typecode).itemsize * n))
    ctype, ptype = {"i": (ctypes.c_int32, _I32P), "d": (ctypes.c_double, _DP)}[typecode]
    return out, (ctypes.cast((ctype * n).from_buffer(out), ptype) if n else ptype())


class _Object:
    _free = None

    def __init__(self, handle):
        self._h = handle

    def close(self):
        """Free the C object now (it is freed on garbage collection otherwise)."""
        h, self._h = getattr(self, "_h", None), None
        if h and h.value:
            type(self)._free(h)

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def _handle(self):
        if not self._h:
            raise ValueError("%s is closed" % type(self).__name__)
        return self._h


class Dataset(_Object):
    """A table of rows and named numeric or categorical columns."""
    _free = _lib.seg_dataset_free

    @classmethod
    def read_csv(cls, path, delimiter=None, header=True, missing=()):
        """Read a CSV file (delimiter detected unless given; extra missing-value tokens)."""
        with _CsvOptions(delimiter, header, missing) as opts:
            return cls(_new(_lib.seg_dataset_read_csv, os.fsencode(path), opts._h))

    @classmethod
    def read_csv_text(cls, text, delimiter=None, header=True, missing=()):
        """Read CSV held in a str or bytes."""
        data = text.encode() if isinstance(text, str) else bytes(text)
        with _CsvOptions(delimiter, header, missing) as opts:
            return cls(_new(_lib.seg_dataset_read_csv_memory, data, len(data), opts._h))

    @classmethod
    def read_npy(cls, path):
        """Read a NumPy .npy file: float32 or float64 in either byte order, C or
        Fortran order, 1 or 2 dimensions (converted to row-major on load)."""
        return cls(_new(_lib.seg_dataset_read_npy, os.fsencode(path)))

    @classmethod
    def from_rows(cls, rows, names=None, d=None):
        """An all-numeric dataset from rows of numbers (lists, or a buffer of
        doubles/floats; a flat buffer needs d). The values are copied."""
        m = _Matrix(rows, d)
        c_names = _names(names)[0] if names is not None else None
        if names is not None and len(names) != m.d:
            raise ValueError("%d names for %d columns" % (len(names), m.d))
        fn = _lib.seg_dataset_from_f32 if m.f32 else _lib.seg_dataset_from_f64
        return cls(_new(fn, m.ptr, m.n, m.d, c_names))

    @classmethod
    def from_columns(cls, columns):
        """A dataset from {name: list of values}: numbers make numeric
        columns, strings categorical ones, None is missing. Goes through the
        CSV reader, so types are inferred as for a CSV file."""
        names = list(columns)
        if not names:
            raise ValueError("no columns")
        cols = [list(columns[n]) for n in names]
        n = len(cols[0])
        if any(len(c) != n for c in cols):
            raise ValueError("columns differ in length")
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(names)
        for i in range(n):
            w.writerow(["" if c[i] is None else repr(c[i]) if isinstance(c[i], float)
                        else c[i] for c in cols])
        return cls.read_csv_text(buf.getvalue(), delimiter=",", missing=())

    @property
    def rows(self):
        return _lib.seg_dataset_rows(self._handle)

    @property
    def columns(self):
        """Feature column names (without the id and weight columns)."""
        h = self._handle
        return [_lib.seg_dataset_column_name(h, j).decode()
                for j in range(_lib.seg_dataset_columns(h))]

    def column_type(self, name):
        """"numeric" or "categorical"."""
        j = self.columns.index(name)
        return {1: "numeric", 2: "categorical"}[_lib.seg_dataset_column_type(self._handle, j)]

    def value(self, row, column):
        """One value: a float (NaN when missing) or a str (None when missing)."""
        j = self.columns.index(column)
        if self.column_type(column) == "numeric":
            v = ctypes.c_double()
            _check(_lib.seg_dataset_get_f64(self._handle, row, j, ctypes.byref(v)))
            return v.value
        s = _STR()
        _check(_lib.seg_dataset_get_text(self._handle, row, j, ctypes.byref(s)))
        return None if s.value is None else s.value.decode()

    def select(self, names):
        c, count = _names(names)
        _check(_lib.seg_dataset_select(self._handle, c, count))
        return self

    def drop(self, names):
        c, count = _names(names)
        _check(_lib.seg_dataset_drop(self._handle, c, count))
        return self

    def set_id_column(self, name):
        _check(_lib.seg_dataset_set_id_column(self._handle, name.encode()))
        return self

    def set_weight_column(self, name):
        _check(_lib.seg_dataset_set_weight_column(self._handle, name.encode()))
        return self

    def set_described_column(self, name):
        """Profile this column per segment but never cluster on it."""
        _check(_lib.seg_dataset_set_described_column(self._handle, name.encode()))
        return self

    @property
    def described_columns(self):
        """Names of the described columns, in the order they were set."""
        h = self._handle
        return [_lib.seg_dataset_described_name(h, j).decode()
                for j in range(_lib.seg_dataset_described_columns(h))]

    def id(self, row):
        s = _lib.seg_dataset_id(self._handle, row)
        return None if s is None else s.decode()


class _CsvOptions(_Object):
    _free = _lib.seg_csv_options_free

    def __init__(self, delimiter, header, missing):
        super().__init__(_new(_lib.seg_csv_options_new))
        if delimiter is not None:
            if len(delimiter) != 1:
                raise ValueError("delimiter must be one character")
            _check(_lib.seg_csv_options_set_int(self._h, _CSV_DELIMITER, ord(delimiter)))
        _check(_lib.seg_csv_options_set_int(self._h, _CSV_HEADER, 1 if header else 0))
        for token in missing:
            _check(_lib.seg_csv_options_add_missing(self._h, token.encode()))


class Scaler(_Object):
    """Encode, impute and scale a dataset's columns into features."""
    _free = _lib.seg_scaler_free

    def __init__(self, method="standard", drop_first=False, categorical_missing="level",
                 max_levels=None, columns=None, impute_order="impute-first"):
        """columns: {name: {"method": ..., "log1p": bool}} per-column settings.
        impute_order: "impute-first" (missing numbers take the median, then
        the scaling statistics cover every row, as scikit-learn's
        SimpleImputer then StandardScaler) or "scale-first"."""
        super().__init__(_new(_lib.seg_scaler_new))
        h = self._h
        if method not in _SCALE:
            raise ValueError("method must be one of %s" % ", ".join(_SCALE))
        _check(_lib.seg_scaler_set_int(h, _SCALER_METHOD, _SCALE[method]))
        _check(_lib.seg_scaler_set_int(h, _SCALER_DROP_FIRST, int(bool(drop_first))))
        _check(_lib.seg_scaler_set_int(h, _SCALER_CAT_MISSING,
                                       {"level": 0, "mode": 1}[categorical_missing]))
        if max_levels is not None:
            _check(_lib.seg_scaler_set_int(h, _SCALER_MAX_LEVELS, max_levels))
        if impute_order not in _IMPUTE_ORDER:
            raise ValueError("impute_order must be one of %s" % ", ".join(_IMPUTE_ORDER))
        _check(_lib.seg_scaler_set_int(h, _SCALER_IMPUTE_ORDER, _IMPUTE_ORDER[impute_order]))
        for name, opts in (columns or {}).items():
            if "method" in opts:
                _check(_lib.seg_scaler_set_column_int(h, name.encode(), _SCALER_COLUMN_METHOD,
                                                      _SCALE[opts["method"]]))
            if "log1p" in opts:
                _check(_lib.seg_scaler_set_column_int(h, name.encode(), _SCALER_COLUMN_LOG1P,
                                                      int(bool(opts["log1p"]))))

    def fit(self, dataset):
        _check(_lib.seg_scaler_fit(self._handle, dataset._handle))
        return self

    @property
    def feature_names(self):
        h = self._handle
        return [_lib.seg_scaler_feature_name(h, j).decode()
                for j in range(_lib.seg_scaler_features(h))]

    def transform(self, dataset):
        """The feature matrix, row-major, as array.array('d') of rows x features."""
        d = _lib.seg_scaler_features(self._handle)
        n = dataset.rows
        out, ptr = _out("d", n * d)
        _check(_lib.seg_scaler_transform_f64(self._handle, dataset._handle, ptr, len(out)))
        return out


class KMeans(_Object):
    """K-means settings; fit() returns a Model."""
    _free = _lib.seg_kmeans_free

    def __init__(self, k=8, seed=0, n_init=1, max_iter=300, tol=1e-4, threads=0,
                 init="k-means++", dtype="f64"):
        """init: "k-means++", "random", or k rows of starting centroids."""
        super().__init__(_new(_lib.seg_kmeans_new))
        h = self._h
        for key, value in (("k", k), ("seed", seed), ("n_init", n_init), ("max_iter", max_iter),
                           ("threads", threads), ("dtype", {"f64": 0, "f32": 1}[dtype])):
            _check(_lib.seg_kmeans_set_int(h, _KM[key], value))
        _check(_lib.seg_kmeans_set_double(h, _KMEANS_TOL, tol))
        if isinstance(init, str):
            if init not in _INIT:
                raise ValueError("init must be k-means++, random or centroids")
            _check(_lib.seg_kmeans_set_int(h, _KM["init"], _INIT[init]))
        else:
            c = _Matrix(init)
            if c.f32:  # the call takes doubles
                c = _Matrix(memoryview(init).tolist())
            _check(_lib.seg_kmeans_set_init_centroids_f64(h, c.ptr, c.n, c.d))

    def fit(self, data, scaler=None, weights=None, d=None):
        """Fit to a Dataset (through scaler, if given; its weight column is
        used) or to rows of numbers (lists or a buffer; weights optional).
        Returns the Model; its .labels holds the training labels."""
        h = self._handle
        out = ctypes.c_void_p()
        if isinstance(data, Dataset):
            if weights is not None:
                raise ValueError("a Dataset carries its weights (set_weight_column)")
            n = data.rows
            labels, lp = _out("i", n)
            _check(_lib.seg_kmeans_fit_dataset(h, data._handle,
                                               scaler._handle if scaler else None, lp,
                                               ctypes.byref(out)))
        else:
            if scaler is not None:
                raise ValueError("a scaler applies to a Dataset only")
            m = _Matrix(data, d)
            wp, _keep = _weights(weights, m.n)
            labels, lp = _out("i", m.n)
            fn = _lib.seg_kmeans_fit_f32 if m.f32 else _lib.seg_kmeans_fit_f64
            _check(fn(h, m.ptr, m.n, m.d, wp, lp, ctypes.byref(out)))
        model = Model(out)
        model.labels = labels
        return model


class Model(_Object):
    """A fitted model (immutable): centroids, statistics, predict()."""
    _free = _lib.seg_model_free

    def __init__(self, handle):
        super().__init__(handle)
        self.labels = None

    @property
    def k(self):
        return _lib.seg_model_k(self._handle)

    @property
    def dim(self):
        return _lib.seg_model_dim(self._handle)

    @property
    def inertia(self):
        return _lib.seg_model_inertia(self._handle)

    @property
    def iterations(self):
        return _lib.seg_model_iterations(self._handle)

    @property
    def converged(self):
        return bool(_lib.seg_model_converged(self._handle))

    @property
    def rows(self):
        return _lib.seg_model_rows(self._handle)

    @property
    def segment_sizes(self):
        h = self._handle
        return [_lib.seg_model_segment_size(h, j) for j in range(self.k)]

    @property
    def centroids(self):
        """k rows of d values, in feature (scaled) units."""
        k, d = self.k, self.dim
        buf = (ctypes.c_double * (k * d))()
        _check(_lib.seg_model_centroids_f64(self._handle, buf, k * d))
        return [list(buf[j * d:(j + 1) * d]) for j in range(k)]

    @property
    def has_scaler(self):
        return bool(_lib.seg_model_scaler(self._handle))

    def save(self, path):
        """Write the model file (atomically: the old file stays until the new
        one is complete)."""
        _check(_lib.seg_model_save(self._handle, os.fsencode(path)))

    def to_bytes(self):
        """The model file's bytes."""
        size = _S()
        _check(_lib.seg_model_save_mem(self._handle, None, 0, ctypes.byref(size)))
        buf = ctypes.create_string_buffer(size.value)
        _check(_lib.seg_model_save_mem(self._handle, buf, size.value, ctypes.byref(size)))
        return buf.raw[:size.value]

    @classmethod
    def load(cls, path):
        """A model read from a file written by save() or `seg segment --model`."""
        return cls(_new(_lib.seg_model_load, os.fsencode(path)))

    @classmethod
    def from_bytes(cls, data):
        """A model read from bytes given by to_bytes()."""
        data = bytes(data)
        buf = ctypes.create_string_buffer(data, len(data))
        return cls(_new(_lib.seg_model_load_mem, buf, len(data)))

    def predict(self, data, d=None, threads=1):
        """Nearest segment of each row of a Dataset (through the model's
        scaler) or of rows of numbers. Returns (labels, distances) as
        array('i') and array('d')."""
        h = self._handle
        p = _new(_lib.seg_predictor_new, h)
        try:
            _check(_lib.seg_predictor_set_int(p, _PREDICTOR_THREADS, threads))
            if isinstance(data, Dataset):
                n = data.rows
                args = (data._handle,)
                run = _lib.seg_predictor_run_dataset
            else:
                m = _Matrix(data, d, flat_d=self.dim)
                n = m.n
                args = (m.ptr, m.n, m.d)
                run = _lib.seg_predictor_run_f32 if m.f32 else _lib.seg_predictor_run_f64
            labels, lp = _out("i", n)
            dist, dp = _out("d", n)
            _check(run(p, *args, lp, dp))
            return labels, dist
        finally:
            _lib.seg_predictor_free(p)


del _name, _res, _args, _fn
