"""Cross-check libseg's preparation of numeric columns with missing values
against scikit-learn (Debian python3-sklearn).

On a seeded table with missing values (a third of one column, a few of
another, one column complete), `seg segment --features` under each
--scale must equal scikit-learn's SimpleImputer(strategy="median")
followed by StandardScaler, MinMaxScaler or RobustScaler to 1e-12
(the default order, --impute-order impute-first), and under
--impute-order scale-first the statistics of the present values only:
(x - mean) / std with the missing values at the median, which differs.

Exit 77 (skipped) when numpy or scikit-learn is missing.
"""
import os
import subprocess
import sys

from checks import Tally  # noqa: E402
import tempfile

try:
    import numpy as np
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler
except ImportError as e:
    print("skipped: %s" % e)
    sys.exit(77)

SEG = sys.argv[1]
check = Tally()




def features(path, *args):
    out = path + ".features.npy"
    p = subprocess.run([SEG, "segment", path, "--quiet", "--k", "2", "--features", out, *args],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        sys.exit("seg failed: " + p.stderr)
    return np.load(out)


rng = np.random.default_rng(20261207)
n = 500
X = np.column_stack([
    rng.lognormal(7.0, 1.2, n),          # skewed, like MINIMUM_PAYMENTS
    rng.normal(40.0, 12.0, n).round(),   # ages
    rng.uniform(-5.0, 5.0, n),           # complete
])
X[rng.random(n) < 0.35, 0] = np.nan
X[rng.random(n) < 0.05, 1] = np.nan

with tempfile.TemporaryDirectory() as tmp:
    csv = os.path.join(tmp, "missing.csv")
    with open(csv, "w") as f:
        f.write("payments,age,score\n")
        for row in X:
            f.write(",".join("" if np.isnan(v) else repr(float(v)) for v in row) + "\n")

    scalers = {"standard": StandardScaler, "minmax": MinMaxScaler, "robust": RobustScaler}
    for name, cls in scalers.items():
        want = make_pipeline(SimpleImputer(strategy="median"), cls()).fit_transform(X)
        for args in ((), ("--impute-order", "impute-first")):
            got = features(csv, "--scale", name, *args)
            err = np.max(np.abs(got - want))
            check(got.shape == want.shape and err <= 1e-12,
                  "--scale %s %s: max |libseg - scikit-learn| = %.2e"
                  % (name, " ".join(args) or "(default)", err))

    # The other order: statistics of the present values, then the median.
    got = features(csv, "--scale", "standard", "--impute-order", "scale-first")
    mu, sd, med = np.nanmean(X, axis=0), np.nanstd(X, axis=0), np.nanmedian(X, axis=0)
    want = (np.where(np.isnan(X), med, X) - mu) / sd
    err = np.max(np.abs(got - want))
    check(err <= 1e-12, "scale-first: max |libseg - present-value statistics| = %.2e" % err)
    sk = make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit_transform(X)
    check(np.max(np.abs(got - sk)) > 1e-3,
          "scale-first differs from scikit-learn's pipeline (max %.3f)"
          % np.max(np.abs(got - sk)))

sys.exit(check.summary())
