"""The ctypes layer of libseg: loading the library, prototypes, argument
checks, and the thin objects over the C API (Dataset, Scaler, Model,
KMeansConfig). The scikit-learn-shaped classes live in estimator.py and
segmenter.py; everything public is re-exported by the package.

Every value crosses into C as a number of the C type: Python integers are
range-checked before ctypes sees them (ctypes would wrap 2**64 + 4 to 4),
paths and names with an embedded NUL are refused (C would stop at it), and
matrices go as pointers to float32 or float64 buffers, never as text.
"""
import array
import ctypes
import ctypes.util
import math
import operator
import os

try:
    import numpy as _np
except ImportError:  # the package works without NumPy, on array.array
    _np = None

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
_INIT = {"k-means++": 0, "kmeans++": 0, "random": 1, "k-means||": 3, "kmeans||": 3}
_ALGORITHM = {"lloyd": 0, "hamerly": 1, "elkan": 2, "yinyang": 3, "auto": 4}
# Setting keys (enum values of seg.h).
_CSV_DELIMITER, _CSV_HEADER, _CSV_DEFAULT_MISSING = 100, 101, 102
_COLUMN_NUMERIC, _COLUMN_CATEGORICAL = 1, 2
_SCALER_METHOD, _SCALER_DROP_FIRST, _SCALER_CAT_MISSING, _SCALER_MAX_LEVELS = 100, 101, 102, 103
_SCALER_IMPUTE_ORDER = 106
_IMPUTE_ORDER = {"impute-first": 0, "scale-first": 1}
_SCALER_COLUMN_METHOD, _SCALER_COLUMN_LOG1P = 200, 201
_KM = {"k": 100, "max_iter": 101, "n_init": 102, "init": 103, "seed": 104, "threads": 105,
       "dtype": 106, "algorithm": 107, "min_profile_size": 110, "min_size": 111,
       "max_size": 112, "init_rounds": 118}
_KMEANS_TOL = 200
_INIT_GIVEN = 2
_PREDICTOR_THREADS = 100
_DTYPE = {"f64": 0, "float64": 0, "f32": 1, "float32": 1}

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


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

def _candidates():
    """Where libseg.so.0 is looked for, in order: LIBSEG_PATH, next to this
    package (a wheel or an install that bundles it), the system's search."""
    path = os.environ.get("LIBSEG_PATH")
    if path:
        return [path]
    here = os.path.dirname(os.path.abspath(__file__))
    found = [os.path.join(here, "libseg.so.0")]
    found = [p for p in found if os.path.exists(p)]
    found.append("libseg.so.0")
    system = ctypes.util.find_library("seg")
    if system:
        found.append(system)
    return found


def _load():
    errors = []
    for path in _candidates():
        try:
            # CDLL (not PyDLL): every call releases the GIL while C runs.
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(str(e))
    raise ImportError("libseg: cannot load the shared library (set LIBSEG_PATH to "
                      "libseg.so.0): " + "; ".join(errors))


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
_I8P = ctypes.POINTER(ctypes.c_int8)
_U8P = ctypes.POINTER(ctypes.c_uint8)
_SP = ctypes.POINTER(ctypes.c_size_t)
PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t)

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
    "seg_csv_options_set_column_type": (_I, [_P, _STR, _I]),
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
    "seg_dataset_get_outcome": (_I, [_P, _STR, _I8P, _S]),
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
    "seg_kmeans_set_progress": (_I, [_P, PROGRESS_FN, _P]),
    "seg_kmeans_fit_f32": (_I, [_P, _FP, _S, _S, _DP, _I32P, _PP]),
    "seg_kmeans_fit_f64": (_I, [_P, _DP, _S, _S, _DP, _I32P, _PP]),
    "seg_kmeans_fit_dataset": (_I, [_P, _P, _P, _I32P, _PP]),
    "seg_kmeans_fit_encoded_f64": (_I, [_P, _P, _P, _DP, _S, _S, _I32P, _DP, _PP]),
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
    "seg_model_distances_f64": (_I, [_P, _DP, _S, _S, _DP, _S]),
    "seg_model_segment_label": (_STR, [_P, _S]),
    "seg_model_profile_columns": (_S, [_P]),
    "seg_model_profile_column_name": (_STR, [_P, _S]),
    "seg_model_profile_column_type": (_I, [_P, _S]),
    "seg_model_profile_numeric": (_I, [_P, _S, _S, _I, _DP]),
    "seg_model_profile_levels": (_S, [_P, _S]),
    "seg_model_profile_level": (_STR, [_P, _S, _S]),
    "seg_model_profile_share": (_I, [_P, _S, _S, _S, _DP]),
    "seg_model_set_outlier_reference": (_I, [_P, _I32P, _DP, _S]),
    "seg_model_has_outlier_reference": (_I, [_P]),
    "seg_model_outlier_scores": (_I, [_P, _I32P, _DP, _S, _D, _DP, _U8P]),
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
del _name, _res, _args, _fn


def proto(name, res, args):
    """Set and return the prototype of one more C function (used by the
    modules that bind the rest of the API)."""
    fn = getattr(_lib, name)
    fn.restype = res
    fn.argtypes = args
    return fn


def version():
    """The loaded library's version string, e.g. "0.2.0"."""
    return _lib.seg_version_string().decode()


def threads_count(setting=0):
    """Library threads a THREADS setting stands for: the setting (at most 4096),
    or for 0 the CPUs this process may use (affinity mask, cgroup CPU quota)."""
    return int(_lib.seg_threads_count(check_int("setting", setting, 0, INT64_MAX)))


# ---- argument checks -----------------------------------------------------------

def check_int(name, value, lo=INT64_MIN, hi=INT64_MAX):
    """value as a Python int within [lo, hi]; TypeError for a non-integer
    (bool and float included), ValueError out of range, so that ctypes never
    wraps it silently."""
    if isinstance(value, bool):
        raise TypeError("%s must be an integer, not bool" % name)
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError("%s must be an integer, got %r" % (name, value)) from None
    if not lo <= v <= hi:
        raise ValueError("%s=%d is out of range [%d, %d]" % (name, v, lo, hi))
    return v


def check_float(name, value):
    """value as a Python float; TypeError for a non-number, ValueError for NaN."""
    if isinstance(value, (bool, str, bytes)):
        raise TypeError("%s must be a number, got %r" % (name, value))
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError("%s must be a number, got %r" % (name, value)) from None
    if math.isnan(v):
        raise ValueError("%s must not be NaN" % name)
    return v


def cstr(value, what="name"):
    """A str (or bytes) as C string bytes; ValueError for an embedded NUL,
    where C would silently cut the string."""
    if isinstance(value, str):
        b = value.encode()
    elif isinstance(value, bytes):
        b = value
    else:
        raise TypeError("%s must be a str, got %r" % (what, value))
    if b"\0" in b:
        raise ValueError("%s contains a NUL character: %r" % (what, value))
    return b


def cpath(path):
    """A file system path as C string bytes; ValueError for an embedded NUL
    (C would write "m.seg" for "m.seg\\0.bak")."""
    b = os.fsencode(path)
    if b"\0" in b:
        raise ValueError("path contains a NUL character: %r" % (path,))
    if not b:
        raise ValueError("empty path")
    return b


def check(rc):
    """Raise SegError for a negative status; return it otherwise."""
    if rc < 0:
        raise SegError(rc, _lib.seg_strerror(rc).decode(),
                       _lib.seg_last_error().decode("utf-8", "replace"))
    return rc


def new(fn, *args):
    """Call a constructor fn(&out, *args) and return the handle."""
    out = ctypes.c_void_p()
    check(fn(ctypes.byref(out), *args))
    return out


def _names(names):
    if isinstance(names, (str, bytes)):
        names = [names]
    enc = [cstr(n, "column name") for n in names]
    return (ctypes.c_char_p * max(len(enc), 1))(*enc), len(enc)


# ---- matrices in and arrays out -----------------------------------------------

def is_sparse(x):
    """Whether x looks like a SciPy sparse matrix (without importing SciPy)."""
    return hasattr(x, "tocsr") and hasattr(x, "nnz")


class Matrix:
    """Caller numbers as a row-major C matrix: ptr (float* or double*), n, d,
    f32, and array, a NumPy array when NumPy is there. The memory is the
    caller's when its layout allows (C order, native float32/float64,
    aligned; read-only is fine), else one copy. NaN and infinity are refused
    with ValueError unless allow_nan."""

    def __init__(self, data, d=None, flat_d=None, what="X", allow_f32=True, allow_nan=False):
        self.keep = None
        self.array = None
        if is_sparse(data):
            raise TypeError("%s: sparse input is not supported; pass a dense array "
                            "(X.toarray())" % what)
        if _np is not None and not isinstance(data, (array.array, memoryview, bytes,
                                                     bytearray)):
            self._from_numpy(data, d, flat_d, what, allow_f32, allow_nan)
        else:
            self._from_buffer(data, d, flat_d, what, allow_f32, allow_nan)

    def _from_numpy(self, data, d, flat_d, what, allow_f32, allow_nan):
        np = _np
        try:
            a = np.asarray(data)
        except (TypeError, ValueError) as e:
            raise ValueError("%s: not a matrix of numbers: %s" % (what, e)) from None
        if a.dtype.kind == "c":
            raise ValueError("%s: Complex data not supported" % what)
        if a.dtype.kind not in "biuf":
            try:
                a = a.astype(np.float64)
            except TypeError as e:
                raise TypeError("%s must hold numbers (dtype %s): %s" % (what, a.dtype, e)) \
                    from None
            except ValueError as e:
                raise ValueError("%s must hold numbers (dtype %s): %s" % (what, a.dtype, e)) \
                    from None
        if a.ndim == 1 and (d is not None or flat_d is not None):
            cols = d if d is not None else flat_d
            if cols <= 0 or a.size % cols:
                raise ValueError("%d values do not make rows of %d" % (a.size, cols))
            a = a.reshape(-1, cols)
        if a.ndim != 2:
            raise ValueError("%s: expected a 2D array, got %dD. Reshape your data either using "
                             "X.reshape(-1, 1) if your data has a single feature or "
                             "X.reshape(1, -1) if it contains a single sample." % (what, a.ndim))
        if d is not None and a.shape[1] != d:
            raise ValueError("d=%d but %s has %d columns" % (d, what, a.shape[1]))
        for axis, noun in ((0, "sample"), (1, "feature")):
            if a.shape[axis] == 0:
                raise ValueError("%s: Found array with 0 %s(s) (shape=%r) while a minimum of 1 "
                                 "is required." % (what, noun, a.shape))
        f32 = allow_f32 and a.dtype == np.float32
        want = np.dtype(np.float32 if f32 else np.float64)
        # np.require copies only when the dtype, byte order, order or alignment
        # differ: a C-ordered float64 (or float32) array goes in as it is.
        a = np.require(a, dtype=want, requirements=["C_CONTIGUOUS", "ALIGNED"])
        if not allow_nan and not np.isfinite(a).all():
            bad = "NaN" if np.isnan(a).any() else "infinity"
            raise ValueError("Input %s contains %s (at row %d): libseg needs finite numbers "
                             "(impute first, or use Segmenter, which imputes)"
                             % (what, bad, int(np.argwhere(~np.isfinite(a))[0][0])))
        self.n, self.d = a.shape
        self.f32 = f32
        self.array = a
        self.ptr = a.ctypes.data_as(_FP if f32 else _DP)
        self.keep = a

    def _from_buffer(self, data, d, flat_d, what, allow_f32, allow_nan):
        try:
            mv = memoryview(data)
        except TypeError:
            mv = None
        if mv is not None and mv.format.lstrip("<=@") in ("d", "f"):
            f32 = mv.format.lstrip("<=@") == "f"
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
            if not mv.c_contiguous:  # e.g. Fortran order: one copy in C order
                mv = memoryview(mv.tobytes(order="C")).cast(mv.format.lstrip("<=@"))
            typecode = "f" if f32 else "d"
            flat = array.array(typecode, mv.cast("B").tobytes() if mv.nbytes else b"")
            if f32 and not allow_f32:
                flat, f32 = array.array("d", flat), False
        else:
            rows = [list(r) for r in data]
            n = len(rows)
            if d is None:
                d = len(rows[0]) if rows else 0
            flat = array.array("d")
            for i, r in enumerate(rows):
                if len(r) != d:
                    raise ValueError("row %d has %d values, expected %d" % (i, len(r), d))
                for v in r:
                    if isinstance(v, (str, bytes)):
                        raise ValueError("%s row %d holds %r, not a number" % (what, i, v))
                    flat.append(float(v))
            f32 = False
        if n == 0 or d == 0:
            raise ValueError("%s: %d rows of %d columns; at least 1 of each is required"
                             % (what, n, d))
        if not allow_nan:
            for i, v in enumerate(flat):
                if not math.isfinite(v):
                    raise ValueError("Input %s contains NaN or infinity (at row %d)"
                                     % (what, i // d))
        ctype = ctypes.c_float if f32 else ctypes.c_double
        arr = (ctype * len(flat)).from_buffer(flat)
        self.n, self.d, self.f32 = n, d, f32
        self.keep = (flat, arr)
        self.ptr = ctypes.cast(arr, _FP if f32 else _DP)

    def as_f64(self):
        """This matrix in double (self if it already is)."""
        if not self.f32:
            return self
        if self.array is not None:
            return Matrix(self.array.astype(_np.float64))
        return Matrix(array.array("d", self.keep[0]), d=self.d)


def out_array(kind, n):
    """A zeroed output vector of n items ("i": int32, "d": float64, "b":
    int8, "B": uint8) and a C pointer into it: a NumPy array when NumPy is
    there, else array.array."""
    ctype, ptype = {"i": (ctypes.c_int32, _I32P), "d": (ctypes.c_double, _DP),
                    "b": (ctypes.c_int8, _I8P), "B": (ctypes.c_uint8, _U8P)}[kind]
    if _np is not None:
        out = _np.zeros(n, dtype={"i": _np.int32, "d": _np.float64, "b": _np.int8,
                                  "B": _np.uint8}[kind])
        return out, out.ctypes.data_as(ptype)
    out = array.array(kind, bytes(array.array(kind).itemsize * n))
    return out, (ctypes.cast((ctype * n).from_buffer(out), ptype) if n else ptype())


def to_matrix_out(flat, n, d):
    """A flat float64 output as n x d: a NumPy array, or a list of lists."""
    if _np is not None:
        return _np.asarray(flat).reshape(n, d)
    return [list(flat[i * d:(i + 1) * d]) for i in range(n)]


def int32_vector(values, n, what):
    """values as a C int32 vector of length n (kept alive by the return)."""
    if _np is not None:
        a = _np.asarray(values)
        if a.ndim != 1 or len(a) != n:
            raise ValueError("%s: expected %d values, got shape %r" % (what, n, a.shape))
        if a.dtype.kind not in "iu":
            raise ValueError("%s must be integers" % what)
        a = _np.require(a.astype(_np.int64), requirements=["C"])
        if len(a) and (a.min() < -(1 << 31) or a.max() >= (1 << 31)):
            raise ValueError("%s: a value outside int32" % what)
        a = _np.ascontiguousarray(a, dtype=_np.int32)
        return a, a.ctypes.data_as(_I32P)
    a = array.array("i", [check_int(what, v, -(1 << 31), (1 << 31) - 1) for v in values])
    if len(a) != n:
        raise ValueError("%s: expected %d values, got %d" % (what, n, len(a)))
    return a, ctypes.cast((ctypes.c_int32 * n).from_buffer(a), _I32P) if n else _I32P()


def f64_vector(values, n, what, allow_nan=False):
    """values as a C double vector of length n (kept alive by the return)."""
    if _np is not None:
        a = _np.asarray(values)
        if a.ndim != 1 or len(a) != n:
            raise ValueError("%s: expected %d values, got shape %r" % (what, n, a.shape))
        if a.dtype.kind not in "biuf":
            raise ValueError("%s must be numbers" % what)
        a = _np.require(a, dtype=_np.float64, requirements=["C_CONTIGUOUS", "ALIGNED"])
        if not allow_nan and not _np.isfinite(a).all():
            raise ValueError("%s contains NaN or infinity" % what)
        return a, a.ctypes.data_as(_DP)
    a = array.array("d", [float(v) for v in values])
    if len(a) != n:
        raise ValueError("%s: expected %d values, got %d" % (what, n, len(a)))
    if not allow_nan and not all(math.isfinite(v) for v in a):
        raise ValueError("%s contains NaN or infinity" % what)
    return a, ctypes.cast((ctypes.c_double * n).from_buffer(a), _DP) if n else _DP()


class _Progress:
    """A Python progress callable as a C callback. callback(done, total)
    returning False cancels the run (SEG_ERR_CANCELLED); an exception in it
    cancels the run too and is raised again once C has returned."""

    def __init__(self, callback):
        self.callback = callback
        self.error = None
        self.c = PROGRESS_FN(self._call) if callback is not None else None

    def _call(self, user, done, total):
        try:
            return 1 if self.callback(int(done), int(total)) is False else 0
        except BaseException as e:  # noqa: B902 - re-raised after the C call
            self.error = e
            return 1

    def check(self, rc):
        if self.error is not None:
            raise self.error
        return check(rc)


# ---- objects ---------------------------------------------------------------------

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
    def read_csv(cls, path, delimiter=None, header=True, missing=(), types=None):
        """Read a CSV file (delimiter detected unless given; extra missing-value
        tokens; types: {column: "numeric" | "categorical"} to force types)."""
        with _CsvOptions(delimiter, header, missing, types=types) as opts:
            return cls(new(_lib.seg_dataset_read_csv, cpath(path), opts._h))

    @classmethod
    def read_csv_text(cls, text, delimiter=None, header=True, missing=(), types=None,
                      default_missing=True):
        """Read CSV held in a str or bytes. default_missing=False: only empty
        fields (and the given tokens) are missing, so a level "NA" stays one."""
        data = text.encode() if isinstance(text, str) else bytes(text)
        with _CsvOptions(delimiter, header, missing, types, default_missing) as opts:
            return cls(new(_lib.seg_dataset_read_csv_memory, data, len(data), opts._h))

    @classmethod
    def read_npy(cls, path):
        """Read a NumPy .npy file: float32 or float64 in either byte order, C or
        Fortran order, 1 or 2 dimensions (converted to row-major on load)."""
        return cls(new(_lib.seg_dataset_read_npy, cpath(path)))

    @classmethod
    def from_rows(cls, rows, names=None, d=None):
        """An all-numeric dataset from rows of numbers (lists, a NumPy array in
        any order, or a buffer of doubles/floats; a flat buffer needs d). The
        values are copied, as numbers; NaN is refused (SEG_ERR_NONFINITE)."""
        m = Matrix(rows, d, allow_nan=True)
        c_names = _names(names)[0] if names is not None else None
        if names is not None and len(names) != m.d:
            raise ValueError("%d names for %d columns" % (len(names), m.d))
        fn = _lib.seg_dataset_from_f32 if m.f32 else _lib.seg_dataset_from_f64
        return cls(new(fn, m.ptr, m.n, m.d, c_names))

    @classmethod
    def from_columns(cls, columns):
        """A dataset from {name: sequence of values}: columns of numbers are
        numeric, columns holding any str categorical; None and NaN are
        missing. See from_dataframe() for how values are carried."""
        from . import _frame
        return _frame.dataset_from_columns(cls, columns)

    @classmethod
    def from_dataframe(cls, df):
        """A dataset from a pandas DataFrame: numeric columns stay numeric,
        categorical, object, string and bool columns become categorical; NaN,
        None and pd.NA are missing. Numbers are carried exactly (the shortest
        text that reads back as the same double, repr of a Python float)."""
        from . import _frame
        return _frame.dataset_from_dataframe(cls, df)

    @property
    def rows(self):
        """Number of rows."""
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
        row = check_int("row", row, 0, self.rows - 1)
        j = self.columns.index(column)
        if self.column_type(column) == "numeric":
            v = ctypes.c_double()
            check(_lib.seg_dataset_get_f64(self._handle, row, j, ctypes.byref(v)))
            return v.value
        s = _STR()
        check(_lib.seg_dataset_get_text(self._handle, row, j, ctypes.byref(s)))
        return None if s.value is None else s.value.decode()

    def outcome(self, name):
        """A yes/no column as int8 values 1, 0, or -1 when missing."""
        out, ptr = out_array("b", self.rows)
        check(_lib.seg_dataset_get_outcome(self._handle, cstr(name), ptr, self.rows))
        return out

    def select(self, names):
        """Keep only these feature columns (in this order)."""
        c, count = _names(names)
        check(_lib.seg_dataset_select(self._handle, c, count))
        return self

    def drop(self, names):
        """Remove these feature columns."""
        c, count = _names(names)
        check(_lib.seg_dataset_drop(self._handle, c, count))
        return self

    def set_id_column(self, name):
        """Make a column the row identifier (never clustered on)."""
        check(_lib.seg_dataset_set_id_column(self._handle, cstr(name)))
        return self

    def set_weight_column(self, name):
        """Make a numeric column the row weights (never clustered on)."""
        check(_lib.seg_dataset_set_weight_column(self._handle, cstr(name)))
        return self

    def set_described_column(self, name):
        """Profile this column per segment but never cluster on it."""
        check(_lib.seg_dataset_set_described_column(self._handle, cstr(name)))
        return self

    @property
    def described_columns(self):
        """Names of the described columns, in the order they were set."""
        h = self._handle
        return [_lib.seg_dataset_described_name(h, j).decode()
                for j in range(_lib.seg_dataset_described_columns(h))]

    def id(self, row):
        """The id of a row (None without an id column)."""
        s = _lib.seg_dataset_id(self._handle, check_int("row", row, 0, self.rows - 1))
        return None if s is None else s.decode()


class _CsvOptions(_Object):
    _free = _lib.seg_csv_options_free

    def __init__(self, delimiter, header, missing, types=None, default_missing=True):
        super().__init__(new(_lib.seg_csv_options_new))
        if delimiter is not None:
            if len(delimiter) != 1:
                raise ValueError("delimiter must be one character")
            check(_lib.seg_csv_options_set_int(self._h, _CSV_DELIMITER, ord(delimiter)))
        check(_lib.seg_csv_options_set_int(self._h, _CSV_HEADER, 1 if header else 0))
        check(_lib.seg_csv_options_set_int(self._h, _CSV_DEFAULT_MISSING,
                                           1 if default_missing else 0))
        for token in missing:
            check(_lib.seg_csv_options_add_missing(self._h, cstr(token, "missing token")))
        for name, kind in (types or {}).items():
            code = {"numeric": _COLUMN_NUMERIC, "categorical": _COLUMN_CATEGORICAL}.get(kind)
            if code is None:
                raise ValueError("column type must be numeric or categorical, got %r" % kind)
            check(_lib.seg_csv_options_set_column_type(self._h, cstr(name, "column name"),
                                                       code))


class Scaler(_Object):
    """Encode, impute and scale a dataset's columns into features."""
    _free = _lib.seg_scaler_free

    def __init__(self, method="standard", drop_first=False, categorical_missing="level",
                 max_levels=None, columns=None, impute_order="impute-first"):
        """method: "standard", "minmax", "robust" or "none".
        columns: {name: {"method": ..., "log1p": bool}} per-column settings.
        impute_order: "impute-first" (missing numbers take the median, then
        the scaling statistics cover every row, as scikit-learn's
        SimpleImputer then StandardScaler) or "scale-first"."""
        super().__init__(new(_lib.seg_scaler_new))
        h = self._h
        if method not in _SCALE:
            raise ValueError("method must be one of %s" % ", ".join(_SCALE))
        if categorical_missing not in ("level", "mode"):
            raise ValueError("categorical_missing must be level or mode")
        check(_lib.seg_scaler_set_int(h, _SCALER_METHOD, _SCALE[method]))
        check(_lib.seg_scaler_set_int(h, _SCALER_DROP_FIRST, int(bool(drop_first))))
        check(_lib.seg_scaler_set_int(h, _SCALER_CAT_MISSING,
                                      {"level": 0, "mode": 1}[categorical_missing]))
        if max_levels is not None:
            check(_lib.seg_scaler_set_int(h, _SCALER_MAX_LEVELS,
                                          check_int("max_levels", max_levels)))
        if impute_order not in _IMPUTE_ORDER:
            raise ValueError("impute_order must be one of %s" % ", ".join(_IMPUTE_ORDER))
        check(_lib.seg_scaler_set_int(h, _SCALER_IMPUTE_ORDER, _IMPUTE_ORDER[impute_order]))
        for name, opts in (columns or {}).items():
            if "method" in opts:
                if opts["method"] not in _SCALE:
                    raise ValueError("method must be one of %s" % ", ".join(_SCALE))
                check(_lib.seg_scaler_set_column_int(h, cstr(name), _SCALER_COLUMN_METHOD,
                                                     _SCALE[opts["method"]]))
            if "log1p" in opts:
                check(_lib.seg_scaler_set_column_int(h, cstr(name), _SCALER_COLUMN_LOG1P,
                                                     int(bool(opts["log1p"]))))

    def fit(self, dataset):
        """Learn the encoding and scaling of a Dataset's columns."""
        check(_lib.seg_scaler_fit(self._handle, dataset._handle))
        return self

    @property
    def feature_names(self):
        """Names of the encoded features ("age", "job=admin", ...)."""
        h = self._handle
        return [_lib.seg_scaler_feature_name(h, j).decode()
                for j in range(_lib.seg_scaler_features(h))]

    def transform(self, dataset):
        """The rows x features matrix: a NumPy array when NumPy is there,
        else a flat row-major array.array('d')."""
        d = _lib.seg_scaler_features(self._handle)
        n = dataset.rows
        out, ptr = out_array("d", n * d)
        check(_lib.seg_scaler_transform_f64(self._handle, dataset._handle, ptr, n * d))
        return out.reshape(n, d) if _np is not None else out


class KMeansConfig(_Object):
    """The C k-means settings object; fit() returns a Model. The
    scikit-learn-shaped estimator is libseg.KMeans."""
    _free = _lib.seg_kmeans_free

    def __init__(self, k=8, seed=0, n_init=1, max_iter=300, tol=1e-4, threads=0,
                 init="k-means++", dtype="f64", algorithm="auto", min_profile_size=0,
                 min_size=0, max_size=0, init_rounds=2):
        """init: "k-means++", "k-means||" (Bahmani et al. 2012: init_rounds
        rounds oversampling 2k rows, then weighted k-means++ on them), "random",
        or k rows of starting centroids.
        min_size, max_size: size bounds on every segment (0 = none): the fit
        is then size-constrained k-means (docs/guide.md section 10)."""
        super().__init__(new(_lib.seg_kmeans_new))
        h = self._h
        if dtype not in _DTYPE:
            raise ValueError("dtype must be float64 or float32, got %r" % (dtype,))
        if algorithm not in _ALGORITHM:
            raise ValueError("algorithm must be one of %s" % ", ".join(_ALGORITHM))
        for key, value in (("k", k), ("seed", seed), ("n_init", n_init), ("max_iter", max_iter),
                           ("threads", threads), ("min_profile_size", min_profile_size),
                           ("min_size", min_size), ("max_size", max_size),
                           ("init_rounds", init_rounds)):
            check(_lib.seg_kmeans_set_int(h, _KM[key], check_int(key, value)))
        check(_lib.seg_kmeans_set_int(h, _KM["dtype"], _DTYPE[dtype]))
        check(_lib.seg_kmeans_set_int(h, _KM["algorithm"], _ALGORITHM[algorithm]))
        check(_lib.seg_kmeans_set_double(h, _KMEANS_TOL, check_float("tol", tol)))
        if isinstance(init, str):
            if init not in _INIT:
                raise ValueError("init must be k-means++, k-means||, random or centroids")
            check(_lib.seg_kmeans_set_int(h, _KM["init"], _INIT[init]))
        else:
            c = Matrix(init, what="init", allow_f32=False)
            check(_lib.seg_kmeans_set_init_centroids_f64(h, c.ptr, c.n, c.d))

    def fit(self, data, scaler=None, weights=None, d=None, progress=None):
        """Fit to a Dataset (through scaler, if given; its weight column is
        used) or to rows of numbers (lists or a buffer; weights optional).
        progress: None or callable(done, total) called after every
        iteration; returning False (or raising) cancels the fit.
        Returns the Model; its .labels holds the training labels."""
        h = self._handle
        out = ctypes.c_void_p()
        prog = _Progress(progress)
        if prog.c is not None:
            check(_lib.seg_kmeans_set_progress(h, prog.c, None))
        try:
            return self._fit(h, out, prog, data, scaler, weights, d)
        finally:
            if prog.c is not None:
                _lib.seg_kmeans_set_progress(h, PROGRESS_FN(), None)

    def _fit(self, h, out, prog, data, scaler, weights, d):
        if isinstance(data, Dataset):
            if weights is not None:
                raise ValueError("a Dataset carries its weights (set_weight_column)")
            labels, lp = out_array("i", data.rows)
            prog.check(_lib.seg_kmeans_fit_dataset(h, data._handle,
                                                   scaler._handle if scaler else None, lp,
                                                   ctypes.byref(out)))
        else:
            if scaler is not None:
                raise ValueError("a scaler applies to a Dataset only")
            m = Matrix(data, d, allow_nan=True)
            wkeep, wp = f64_vector(weights, m.n, "weights", True) if weights is not None \
                else (None, None)
            labels, lp = out_array("i", m.n)
            fn = _lib.seg_kmeans_fit_f32 if m.f32 else _lib.seg_kmeans_fit_f64
            prog.check(fn(h, m.ptr, m.n, m.d, wp, lp, ctypes.byref(out)))
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
        """Number of segments."""
        return _lib.seg_model_k(self._handle)

    @property
    def dim(self):
        """Number of (encoded) features."""
        return _lib.seg_model_dim(self._handle)

    @property
    def inertia(self):
        """Weighted sum of squared distances of the training rows."""
        return _lib.seg_model_inertia(self._handle)

    @property
    def iterations(self):
        """Lloyd iterations of the kept run."""
        return _lib.seg_model_iterations(self._handle)

    @property
    def converged(self):
        """Whether the kept run converged before max_iter."""
        return bool(_lib.seg_model_converged(self._handle))

    @property
    def rows(self):
        """Training rows."""
        return _lib.seg_model_rows(self._handle)

    @property
    def segment_sizes(self):
        """Training rows per segment."""
        h = self._handle
        return [_lib.seg_model_segment_size(h, j) for j in range(self.k)]

    def centroid_array(self):
        """k x d centroids in feature (scaled) units, a NumPy array when NumPy
        is there (else a list of lists)."""
        k, d = self.k, self.dim
        out, ptr = out_array("d", k * d)
        check(_lib.seg_model_centroids_f64(self._handle, ptr, k * d))
        return to_matrix_out(out, k, d)

    @property
    def centroids(self):
        """k rows of d values (lists of floats), in feature (scaled) units."""
        c = self.centroid_array()
        return [[float(v) for v in row] for row in c]

    @property
    def has_scaler(self):
        """Whether the model encodes raw columns itself (fitted through a scaler)."""
        return bool(_lib.seg_model_scaler(self._handle))

    def segment_label(self, segment):
        """The segment's plain-words label, or None without a profile."""
        s = _lib.seg_model_segment_label(self._handle, check_int("segment", segment, 0,
                                                                 self.k - 1))
        return None if s is None else s.decode()

    def save(self, path):
        """Write the model file (atomically: the old file stays until the new
        one is complete)."""
        check(_lib.seg_model_save(self._handle, cpath(path)))

    def to_bytes(self):
        """The model file's bytes."""
        size = _S()
        check(_lib.seg_model_save_mem(self._handle, None, 0, ctypes.byref(size)))
        buf = ctypes.create_string_buffer(size.value)
        check(_lib.seg_model_save_mem(self._handle, buf, size.value, ctypes.byref(size)))
        return buf.raw[:size.value]

    @classmethod
    def load(cls, path):
        """A model read from a file written by save() or `seg segment --model`."""
        return cls(new(_lib.seg_model_load, cpath(path)))

    @classmethod
    def from_bytes(cls, data):
        """A model read from bytes given by to_bytes()."""
        data = bytes(data)
        buf = ctypes.create_string_buffer(data, len(data))
        return cls(new(_lib.seg_model_load_mem, buf, len(data)))

    def _numbers(self, data, d, encoded, what):
        if self.has_scaler and encoded is not True:
            raise ValueError(
                "this model encodes and scales raw columns itself: pass a Dataset or a "
                "pandas DataFrame of the raw columns, or encoded=True if %s already holds "
                "the %d encoded features (Scaler.transform)" % (what, self.dim))
        return Matrix(data, d, flat_d=self.dim, what=what, allow_nan=True)

    def predict(self, data, d=None, threads=1, encoded=None):
        """Nearest segment of each row and its distance, as (labels,
        distances): int32 and float64 arrays (NumPy when there, else
        array.array).

        data: a Dataset or a pandas DataFrame of raw columns (encoded through
        the model's scaler), or rows of numbers. A model with a scaler takes
        numbers only with encoded=True: raw numbers would be taken as already
        scaled and land in the wrong segments."""
        if _is_dataframe(data):
            with Dataset.from_dataframe(data) as ds:
                return self.predict(ds, threads=threads)
        h = self._handle
        p = new(_lib.seg_predictor_new, h)
        try:
            check(_lib.seg_predictor_set_int(p, _PREDICTOR_THREADS,
                                             check_int("threads", threads, 0, 4096)))
            if isinstance(data, Dataset):
                n = data.rows
                args = (data._handle,)
                run = _lib.seg_predictor_run_dataset
            else:
                m = self._numbers(data, d, encoded, "data")
                n = m.n
                args = (m.ptr, m.n, m.d)
                run = _lib.seg_predictor_run_f32 if m.f32 else _lib.seg_predictor_run_f64
            labels, lp = out_array("i", n)
            dist, dp = out_array("d", n)
            check(run(p, *args, lp, dp))
            return labels, dist
        finally:
            _lib.seg_predictor_free(p)

    def distances(self, data, encoded=None):
        """Distance of every row to every centroid (n x k), from rows of
        feature values (encoded=True is needed for a model with a scaler)."""
        m = self._numbers(data, None, encoded, "data").as_f64()
        k = self.k
        out, ptr = out_array("d", m.n * k)
        check(_lib.seg_model_distances_f64(self._handle, m.ptr, m.n, m.d, ptr, m.n * k))
        return to_matrix_out(out, m.n, k)

    def set_outlier_reference(self, labels, distances):
        """Record the training rows' labels and distances, the reference of
        outlier_scores()."""
        n = len(labels)
        lk, lp = int32_vector(labels, n, "labels")
        dk, dp = f64_vector(distances, n, "distances")
        check(_lib.seg_model_set_outlier_reference(self._handle, lp, dp, n))

    def outlier_scores(self, labels, distances, threshold=0.995):
        """(scores, flags) of rows from their labels and distances: score in
        0 .. 1 (share of the segment's training rows nearer its centroid),
        flag 1 when score > threshold."""
        n = len(labels)
        lk, lp = int32_vector(labels, n, "labels")
        dk, dp = f64_vector(distances, n, "distances")
        scores, sp = out_array("d", n)
        flags, fp = out_array("B", n)
        check(_lib.seg_model_outlier_scores(self._handle, lp, dp, n,
                                            check_float("threshold", threshold), sp, fp))
        return scores, flags

    def __reduce__(self):
        return (Model.from_bytes, (self.to_bytes(),))

    def rules(self):
        """The segments as rules: the leaves of the model's threshold tree
        (IMM; `seg explain`), each {"leaf", "segment", "conditions"}, a
        condition being {"column", "op", "value"} ("<=" or ">", in the
        column's units) or {"column", "op", "level"} ("==" or "!=").
        Empty when the model has no tree."""
        h = self._handle
        out = []
        col, lvl = ctypes.c_char_p(), ctypes.c_char_p()
        op, val = ctypes.c_int(), ctypes.c_double()
        for leaf in range(_tree_leaves(h)):
            conds = []
            for i in range(_tree_leaf_conditions(h, leaf)):
                check(_tree_condition(h, leaf, i, ctypes.byref(col), ctypes.byref(op),
                                      ctypes.byref(val), ctypes.byref(lvl)))
                c = {"column": col.value.decode() if col.value else None,
                     "op": _TREE_OPS[op.value]}
                if op.value in (0, 1):
                    c["value"] = val.value
                else:
                    c["level"] = lvl.value.decode() if lvl.value is not None else None
                conds.append(c)
            out.append({"leaf": leaf, "segment": int(_tree_leaf_segment(h, leaf)),
                        "conditions": conds})
        return out

    def reason_codes(self, data, top=3, threads=1, encoded=None):
        """Why each row went to its segment and not the runner-up (as `seg
        predict --explain`): a dict of "labels", "runner_up", "gap" (squared
        distance to the runner-up minus to the assigned segment) and
        "reasons", per row a list of up to top (column, term) pairs by
        decreasing term; the terms of all columns sum to the gap. data as for
        predict()."""
        if _is_dataframe(data):
            with Dataset.from_dataframe(data) as ds:
                return self.reason_codes(ds, top=top, threads=threads)
        top = check_int("top", top, 1, 1 << 20)
        labels, _ = self.predict(data, threads=threads, encoded=encoded)
        n = len(labels)
        lk, lp = int32_vector(labels, n, "labels")
        p = new(_lib.seg_predictor_new, self._handle)
        try:
            runner, rp = out_array("i", n)
            gap, gp = out_array("d", n)
            feats = (ctypes.c_int64 * max(n * top, 1))()
            terms = (ctypes.c_double * max(n * top, 1))()
            if isinstance(data, Dataset):
                check(_explain_dataset(p, data._handle, lp, top, rp, gp, feats, terms))
            else:
                m = self._numbers(data, None, encoded, "data").as_f64()
                check(_explain_f64(p, m.ptr, m.n, m.d, lp, top, rp, gp, feats, terms))
        finally:
            _lib.seg_predictor_free(p)
        sc = _lib.seg_model_scaler(self._handle)
        reasons = []
        for i in range(n):
            row = []
            for t in range(top):
                f = feats[i * top + t]
                if f < 0:
                    break
                name = _feature_column(sc, f) if sc else None
                row.append((name.decode() if name else "feature %d" % f, terms[i * top + t]))
            reasons.append(row)
        return {"labels": labels, "runner_up": runner, "gap": gap, "reasons": reasons}


_TREE_OPS = {0: "<=", 1: ">", 2: "==", 3: "!="}
_tree_leaves = proto("seg_model_tree_leaves", _S, [_P])
_tree_leaf_segment = proto("seg_model_tree_leaf_segment", ctypes.c_int32, [_P, _S])
_tree_leaf_conditions = proto("seg_model_tree_leaf_conditions", _S, [_P, _S])
_tree_condition = proto("seg_model_tree_condition", _I,
                        [_P, _S, _S, ctypes.POINTER(ctypes.c_char_p),
                         ctypes.POINTER(ctypes.c_int), _DP, ctypes.POINTER(ctypes.c_char_p)])
_explain_f64 = proto("seg_predictor_explain_f64", _I,
                     [_P, _DP, _S, _S, _I32P, _S, _I32P, _DP,
                      ctypes.POINTER(ctypes.c_int64), _DP])
_explain_dataset = proto("seg_predictor_explain_dataset", _I,
                         [_P, _P, _I32P, _S, _I32P, _DP, ctypes.POINTER(ctypes.c_int64), _DP])
_feature_column = proto("seg_scaler_feature_column", ctypes.c_char_p, [_P, _S])


def _is_dataframe(x):
    return type(x).__name__ == "DataFrame" and hasattr(x, "columns") and hasattr(x, "dtypes")
