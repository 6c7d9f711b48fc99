"""Tables (pandas DataFrames, {name: values} dicts) into libseg datasets.

The C API builds a dataset with categorical columns only from CSV, so a
table crosses as CSV text held in memory (seg_dataset_read_csv_memory; no
temporary file), every column's type forced, not inferred:
- a number is written as repr() of a Python float, the shortest text that
  reads back as the same double (never NumPy's repr, which under NumPy 2 is
  "np.float64(1.5)"); integers as decimal digits;
- NaN, None, pd.NA and NaT are written as the empty field, and only the
  empty field is missing (so a level "NA" stays a level);
- names and levels holding a NUL, and infinite numbers, are refused.
An all-numeric DataFrame without missing values crosses as doubles through
seg_dataset_from_f64(), without text.
"""
import csv
import io
import math

from ._native import cstr


def _missing(v):
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    try:
        import pandas
    except ImportError:
        return False
    try:
        return bool(pandas.isna(v))
    except (TypeError, ValueError):
        return False


def _number_text(name, i, v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError("column %r row %d: %r is not a number" % (name, i, v)) from None
    if math.isnan(f):
        return ""
    if math.isinf(f):
        raise ValueError("column %r row %d: %r is infinite" % (name, i, v))
    if f.is_integer() and abs(f) < 2 ** 53:
        return str(int(f))
    return repr(f)  # a Python float: shortest round-trip text, exact


def _level_text(name, i, v):
    if _missing(v):
        return ""
    s = v if isinstance(v, str) else str(v)
    cstr(s, "column %r row %d" % (name, i))
    return s


def _build(cls, names, kinds, columns, n):
    for name in names:
        cstr(name, "column name")
    if len(set(names)) != len(names):
        raise ValueError("duplicate column names: %r" % names)
    if not names:
        raise ValueError("no columns")
    if n == 0:
        raise ValueError("no rows")
    fmt = [_number_text if k == "numeric" else _level_text for k in kinds]
    texts = [col if ready else [f(name, i, v) for i, v in enumerate(col)]
             for f, name, col, ready in zip(fmt, names, columns, _ready(columns, kinds))]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(names)
    w.writerows(zip(*texts))
    return cls.read_csv_text(buf.getvalue(), delimiter=",", types=dict(zip(names, kinds)),
                             default_missing=False)


class _Text(list):
    """A column already turned into CSV field texts."""


def _ready(columns, kinds):
    return [isinstance(c, _Text) for c in columns]


def _series_text(s, kind):
    """A pandas Series as CSV field texts, vectorised where the dtype allows."""
    import numpy as np
    name = s.name
    mask = s.isna().to_numpy()
    if kind == "numeric" and s.dtype.kind in "iu":
        return _Text(map(str, s.tolist()))
    if kind == "numeric" and s.dtype.kind == "f":
        a = s.to_numpy(dtype=np.float64)
        if np.isinf(a).any():
            i = int(np.argwhere(np.isinf(a))[0][0])
            raise ValueError("column %r row %d: %r is infinite" % (name, i, a[i]))
        # repr of a Python float: the shortest text that reads back exactly.
        return _Text("" if m else repr(v) for m, v in zip(mask.tolist(), a.tolist()))
    values = s.astype(object).tolist()
    if kind == "numeric":  # nullable integers and the like
        return _Text(_number_text(name, i, None if m else v)
                     for i, (m, v) in enumerate(zip(mask.tolist(), values)))
    texts = _Text("" if m else v if type(v) is str else str(v)
                  for m, v in zip(mask.tolist(), values))
    if "\0" in "".join(texts):
        i = next(i for i, t in enumerate(texts) if "\0" in t)
        raise ValueError("column %r row %d contains a NUL character: %r" % (name, i, texts[i]))
    return texts


def dataset_from_columns(cls, columns):
    """Dataset from {name: values}: a column holding any str (or bytes) is
    categorical, else numeric; None and NaN are missing."""
    names = [str(n) for n in columns]
    cols = [list(columns[n]) for n in columns]
    n = len(cols[0]) if cols else 0
    if any(len(c) != n for c in cols):
        raise ValueError("columns differ in length")
    kinds = ["categorical" if any(isinstance(v, (str, bytes)) for v in c) else "numeric"
             for c in cols]
    return _build(cls, names, kinds, cols, n)


def column_kind(series):
    """"numeric" or "categorical" for a pandas Series, by its dtype."""
    import pandas.api.types as pt
    dt = series.dtype
    if pt.is_bool_dtype(dt):
        return "categorical"
    if pt.is_numeric_dtype(dt) and not pt.is_complex_dtype(dt):
        return "numeric"
    if pt.is_datetime64_any_dtype(dt) or pt.is_timedelta64_dtype(dt) or \
            pt.is_complex_dtype(dt):
        raise TypeError("column %r has dtype %s, which libseg cannot segment on: convert it "
                        "to numbers (e.g. days since a date) or drop it" % (series.name, dt))
    return "categorical"  # category, object, string


def dataset_from_dataframe(cls, df):
    """Dataset from a pandas DataFrame (see the module docstring)."""
    names = []
    for c in df.columns:
        if not isinstance(c, str):
            raise TypeError("column names must be str, got %r: rename the columns" % (c,))
        names.append(c)
    kinds = [column_kind(df[c]) for c in names]
    if names and len(df) and all(k == "numeric" for k in kinds) and len(set(names)) == \
            len(names):
        import numpy as np
        try:
            a = df.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            a = None
        if a is not None and np.isfinite(a).all():
            # All numbers, none missing: they cross as doubles, no text at all.
            return cls.from_rows(a, names=names)
    cols = [_series_text(df[c], kind) for c, kind in zip(names, kinds)]
    return _build(cls, names, kinds, cols, len(df))
