"""libseg.KPrototypes (python/libseg/kprototypes.py): planted mixed clusters
recovered, the same labels as `seg segment --method kprototypes` on the same
CSV, predict, the default gamma, save and load, and its refusals.

Usage: python_kproto_test.py LIBSEG_SO SRCDIR SEG. Skipped (77) without
NumPy, pandas or scikit-learn."""
import csv
import os
import pickle
import subprocess
import sys

from checks import Tally  # noqa: E402
import tempfile

LIB, SRC, SEG = sys.argv[1], sys.argv[2], sys.argv[3]
os.environ["LIBSEG_PATH"] = LIB
sys.path.insert(0, os.path.join(SRC, "python"))
try:
    import numpy as np
    import pandas as pd
    from sklearn.metrics import adjusted_rand_score as ari
except ImportError as e:
    print("skipped: %s" % e)
    sys.exit(77)
import libseg  # noqa: E402

check = Tally()




def seg_labels(path, *args):
    """The segments `seg segment --method kprototypes` gives PATH's rows."""
    out = os.path.join(tmp.name, "assign.csv")
    if os.path.exists(out):
        os.remove(out)
    p = subprocess.run([SEG, "segment", path, "--method", "kprototypes", *args,
                        "--assignments", out], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("seg segment failed: %s" % p.stderr)
    with open(out) as f:
        return np.array([int(r["segment"]) for r in csv.DictReader(f)])


def planted(n, rng):
    """Three segments in two numbers and three categorical columns (each
    column's level follows the segment 85 % of the time)."""
    z = rng.integers(0, 3, n)
    cols = {"id": ["C%05d" % i for i in range(n)],
            "spend": np.round(2.5 * z + rng.normal(size=n), 5),
            "visits": np.round(-2.5 * z + rng.normal(size=n), 5)}
    for name, levels in (("plan", "abc"), ("channel", "xyz"), ("region", "pqr")):
        own = np.array(list(levels))[z]
        other = np.array(list(levels + "d"))[rng.integers(0, 4, n)]
        cols[name] = np.where(rng.random(n) < 0.85, own, other)
    return pd.DataFrame(cols), z


tmp = tempfile.TemporaryDirectory()
rng = np.random.default_rng(11)
df, truth = planted(600, rng)
path = os.path.join(tmp.name, "mixed.csv")
df.to_csv(path, index=False)

# 1. The planted segments come back, from the frame and from the CSV path.
kp = libseg.KPrototypes(3, id_column="id", n_init=2, random_state=1).fit(df)
check(ari(truth, kp.labels_) >= 0.95, "planted mixed segments recovered from the DataFrame "
      "(ARI %.4f)" % ari(truth, kp.labels_))
check(kp.feature_names_[:2] == ["spend", "visits"] and "plan=a" in kp.feature_names_,
      "categorical columns cross as categories (features %s)" % kp.feature_names_)
kp_csv = libseg.KPrototypes(3, id_column="id", n_init=2, random_state=1).fit(path)
check((kp_csv.labels_ == kp.labels_).all() and kp_csv.cost_ == kp.cost_,
      "a CSV path gives the DataFrame's labels and cost")
check(kp.ids_[:2] == ["C00000", "C00001"], "ids_ from id_column")

# 2. The same labels as the command line on the same CSV, seed and k.
cli = seg_labels(path, "--id", "id", "--k", "3", "--n-init", "2", "--seed", "1")
check((cli == kp.labels_).all(), "labels equal to seg segment --method kprototypes --k 3")
# Data without planted structure, where the seed matters: still equal.
flat = pd.DataFrame({"a": np.round(rng.normal(size=400), 6),
                     "b": np.round(rng.normal(size=400), 6),
                     "c": np.array(list("uvwxy"))[rng.integers(0, 5, 400)],
                     "e": np.array(list("lmn"))[rng.integers(0, 3, 400)]})
flat_path = os.path.join(tmp.name, "flat.csv")
flat.to_csv(flat_path, index=False)
for seed, init, gamma in ((5, "huang", None), (9, "huang", 0.8), (0, "cao", None)):
    args = ["--k", "5", "--seed", str(seed), "--init", init]
    if gamma is not None:
        args += ["--gamma", repr(gamma)]
    py = libseg.KPrototypes(5, random_state=seed, init=init, gamma=gamma).fit(flat)
    check((seg_labels(flat_path, *args) == py.labels_).all(),
          "unstructured data, seed %d, init %s, gamma %s: labels equal to seg segment"
          % (seed, init, gamma))
# Missing values (imputed as Segmenter's) and a weight column, from the frame.
holes = flat.copy()
holes["w"] = np.round(rng.uniform(0.5, 3, 400), 4)
holes.loc[rng.random(400) < 0.1, "a"] = np.nan
holes.loc[rng.random(400) < 0.1, "c"] = None
holes_path = os.path.join(tmp.name, "holes.csv")
holes.to_csv(holes_path, index=False)
py = libseg.KPrototypes(4, random_state=3, weight_column="w").fit(holes)
check((seg_labels(holes_path, "--k", "4", "--seed", "3", "--weight", "w") == py.labels_).all(),
      "missing values and a weight column: labels equal to seg segment --weight")
unweighted = libseg.KPrototypes(4, random_state=3, drop="w").fit(holes)
check(unweighted.cost_ != py.cost_, "the weight column is used (cost %.6g weighted, %.6g not)"
      % (py.cost_, unweighted.cost_))
other = libseg.KPrototypes(5, random_state=6).fit(flat)
check(not (other.labels_ == libseg.KPrototypes(5, random_state=5).fit(flat).labels_).all(),
      "on that data another seed gives other labels (the comparison can fail)")

# 3. predict on the training frame gives labels_; the cost is the sum of
# the squared distances.
labels, dist = kp.predict(df, return_distance=True)
check((labels == kp.labels_).all(), "predict(training frame) == labels_")
check((kp.predict(path) == kp.labels_).all(), "predict(CSV path) == labels_")
check(np.allclose(dist, kp.distances_, rtol=0, atol=1e-12) and
      abs((dist ** 2).sum() - kp.cost_) <= 1e-9 * kp.cost_ and kp.inertia_ == kp.cost_,
      "distances = sqrt(cost) per row, summing to cost_")
check((kp.predict(df[df.columns[::-1]]) == kp.labels_).all(),
      "predict takes the columns by name, in any order")

prof = kp.profiles()
sizes = np.bincount(kp.labels_, minlength=3)
check(list(prof["size"]) == list(sizes) and len(kp.segment_labels_) == 3,
      "profiles(): one row per segment, sizes as labels_ counts")
top = [prof.loc[j, ["plan=a", "plan=b", "plan=c"]].max() for j in range(3)]
check(min(top) >= 0.8 and abs(prof["spend"].to_numpy() @ sizes / 600 - df["spend"].mean()) < 1e-9,
      "profiles(): each segment's main plan holds >= 80 %% (%s), spend means in raw units"
      % ", ".join("%.2f" % t for t in top))

# 4. The default gamma: 0.5 x the mean population sd of the scaled numbers.
num = df[["spend", "visits"]].to_numpy(dtype=float)
for scale, scaled in (("standard", (num - num.mean(0)) / num.std(0)),
                      ("minmax", (num - num.min(0)) / (num.max(0) - num.min(0))),
                      ("none", num)):
    g = libseg.KPrototypes(3, id_column="id", scale=scale).fit(df).gamma_
    want = 0.5 * scaled.std(0, ddof=0).mean()
    check(abs(g - want) <= 1e-12 * max(1, want),
          "scale=%s: default gamma %.12g = 0.5 x mean sd of the scaled numbers %.12g"
          % (scale, g, want))
check(libseg.KPrototypes(3, id_column="id", gamma=2.5).fit(df).gamma_ == 2.5,
      "a given gamma is the model's")

# 5. save and load: the same segments, and `seg predict` reads the file.
model = os.path.join(tmp.name, "kp.seg")
kp.save(model)
back = libseg.KPrototypes.load(model)
check((back.predict(df) == kp.labels_).all() and back.gamma_ == kp.gamma_ and
      back.cost_ == kp.cost_ and back.n_clusters_ == 3,
      "load(save()) predicts the same segments, same gamma and cost")
pred = os.path.join(tmp.name, "pred.csv")
p = subprocess.run([SEG, "predict", model, path, "--id", "id", "-o", pred],
                   capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
if p.returncode == 0:
    with open(pred) as f:
        seg_pred = np.array([int(r["segment"]) for r in csv.DictReader(f)])
    check((seg_pred == kp.labels_).all(), "seg predict on the saved model gives labels_")
else:
    check(False, "seg predict on the saved model: %s" % p.stderr.strip())
again = pickle.loads(pickle.dumps(kp))
check((again.predict(df) == kp.labels_).all() and again.gamma_ == kp.gamma_,
      "a pickled KPrototypes predicts the same segments")
km_model = os.path.join(tmp.name, "km.seg")
libseg.Segmenter(2).fit(df.drop(columns="id")).save(km_model)
try:
    libseg.KPrototypes.load(km_model)
    check(False, "a k-means model file refused by KPrototypes.load")
except ValueError as e:
    check("k-prototypes" in str(e), "a k-means model file refused by load (%s)" % e)

# 6. Refusals: no categorical column, bad settings, numbers for predict.
try:
    libseg.KPrototypes(3).fit(df[["spend", "visits"]])
    check(False, "a frame without categorical columns refused")
except libseg.SegError as e:
    check(e.name == "SEG_ERR_INVALID_ARG" and "categorical column" in e.detail,
          "a frame without categorical columns refused (%s)" % e)
for bad, exc, words in (({"init": "k-means++"}, ValueError, "init"),
                        ({"gamma": -0.5}, ValueError, "gamma"),
                        ({"n_clusters": 0}, ValueError, "n_clusters"),
                        ({"n_clusters": 601}, libseg.SegError, "")):
    try:
        libseg.KPrototypes(**dict({"n_clusters": 3, "id_column": "id"}, **bad)).fit(df)
        check(False, "refused: %s" % bad)
    except exc as e:
        check(words in str(e), "refused: %s (%s)" % (bad, e))
try:
    libseg.KPrototypes(3).predict(df)
    check(False, "unfitted predict refused")
except libseg.NotFittedError:
    check(True, "unfitted predict refused")
try:
    kp.predict(num)
    check(False, "predict on a NumPy array refused")
except TypeError as e:
    check("raw columns" in str(e), "predict on a NumPy array refused (%s)" % e)
tmp.cleanup()
sys.exit(check.summary())
