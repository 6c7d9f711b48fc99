#!/usr/bin/env python3
"""`seg segment` does each stage's work once, and gives what the old path gave.

Usage: stages_cli_test.py SEG LIBSEG_SO COUNT_CALLS_SO SRCDIR

Counts: with the LD_PRELOAD shim COUNT_CALLS_SO (tests/count_calls.c), every
encoding of the rows (seg_scaler_transform_*) and every predictor pass
(seg_predictor_run_*) is counted, from the program and from inside the
library. The in-memory paths (k-means, mini-batch, Ward) encode the rows once
and run no predictor: the fit's own last pass gives the labels and distances.

Results: the expectation is computed independently through the public API
the way `seg segment` used to compute it: seg_kmeans_fit_dataset() (or
seg_minibatch_fit_dataset()) on the dataset, then a predictor over its rows
for the labels and distances, and the outlier reference made from the
predictor's distances (seg_model_set_outlier_reference()). The program's
--assignments must hold those labels and distances, and its --model file
must be that model's file byte for byte, but for the fit's timings (and the
checksum that covers them).
"""
import ctypes
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

from seg_asan import built_with_asan

SEG, LIB, SHIM, SRC = sys.argv[1:5]


# A Python process cannot load an ASan-built libseg after it has started
# (the runtime must come first), so under tests/sanitize.sh this test is
# skipped (meson's exit 77); the plain build's cli suite runs it.
if built_with_asan(LIB):
    print("SKIP: libseg is built with AddressSanitizer; the plain build runs this test")
    sys.exit(77)
os.environ["LIBSEG_PATH"] = LIB
sys.path.insert(0, os.path.join(SRC, "python"))
import libseg  # noqa: E402


HEAD = os.path.join(SRC, "tests", "data", "bank-plain-head.csv")
BUNDLED = os.path.join(SRC, "examples", "data", "bank-full.csv")

lib = libseg._lib
P, S, I, I64, D = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int64, ctypes.c_double
PP, I32P, DP = ctypes.POINTER(P), ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(D)
for name, res, args in (
        ("seg_minibatch_new", I, [PP]),
        ("seg_minibatch_free", None, [P]),
        ("seg_minibatch_set_int", I, [P, I, I64]),
        ("seg_minibatch_fit_dataset", I, [P, P, P, I32P, PP]),
        ("seg_model_set_outlier_reference", I, [P, I32P, DP, S]),
        ("seg_model_set_metric", I, [P, I, D]),
        ("seg_model_get_metric", D, [P, I]),
        ("seg_tree_new", I, [PP]),
        ("seg_tree_free", None, [P]),
        ("seg_tree_fit_f64", I, [P, P, DP, S, S, I32P]),
        ("seg_scaler_features", S, [P]),
        ("seg_scaler_transform_f64", I, [P, P, DP, S]),
        ("seg_scaler_transform_f32", I, [P, P, ctypes.POINTER(ctypes.c_float), S])):
    fn = getattr(lib, name)
    fn.restype, fn.argtypes = res, args

MB_K, MB_BATCH, MB_SEED, MB_THREADS, MB_MIN_PROFILE, MB_DTYPE = 100, 101, 103, 107, 108, 109
KM_ALGORITHM, KM_MIN_PROFILE = 107, 110
METRICS = (100, 101, 102)


def check(rc):
    if rc != 0:
        raise AssertionError("libseg: %s (%s)" % (lib.seg_strerror(rc), lib.seg_last_error()))


def segment(args, tmp):
    """Run seg segment under the counting shim: (summary, counts, model, assignments)."""
    counts = os.path.join(tmp, "counts")
    model, assign = os.path.join(tmp, "m.seg"), os.path.join(tmp, "a.csv")
    env = dict(os.environ, LD_PRELOAD=SHIM, SEG_COUNT_CALLS=counts)
    # Under AddressSanitizer (tests/sanitize.sh) the shim comes before its runtime.
    env["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                 "verify_asan_link_order=0"]))
    p = subprocess.run([SEG, "segment"] + args + ["--json", "--quiet", "--model", model,
                                                  "--assignments", assign],
                       env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=600)
    if p.returncode != 0:
        raise AssertionError("seg segment %s: exit %d\n%s" % (args, p.returncode, p.stderr))
    found = {}
    if os.path.exists(counts):
        with open(counts) as f:
            found = {k: int(v) for k, v in (line.split() for line in f)}
    with open(model, "rb") as f:
        data = f.read()
    with open(assign) as f:
        rows = f.read().splitlines()
    return json.loads(p.stdout), found, data, rows


def masked(data):
    """A model file without its timings (HEAD: k, d, dtype, converged, rows,
    iterations, inertia, then fit and init seconds) and trailing CRC."""
    data = bytearray(data)
    at = data.index(b"HEAD") + 4 + 8 + 8 + 8 + 4 + 4 + 8 + 8 + 8
    data[at:at + 16] = bytes(16)
    return bytes(data[:-4])


def old_path(path, drop, k, dtype, minibatch, loaded_cli_model):
    """The model file bytes and (labels, distances) of the old path."""
    ds = libseg.Dataset.read_csv(path)
    if drop:
        ds.drop(drop)
    sc = libseg.Scaler().fit(ds)
    n = ds.rows
    labels = (ctypes.c_int32 * n)()
    out = P()
    f32 = dtype == "f32"
    if minibatch:
        mb = P()
        check(lib.seg_minibatch_new(ctypes.byref(mb)))
        for key, value in ((MB_K, k), (MB_SEED, 0), (MB_BATCH, 1024), (MB_THREADS, 0),
                           (MB_MIN_PROFILE, 0), (MB_DTYPE, int(f32))):
            check(lib.seg_minibatch_set_int(mb, key, value))
        check(lib.seg_minibatch_fit_dataset(mb, ds._handle, sc._handle, labels,
                                            ctypes.byref(out)))
        lib.seg_minibatch_free(mb)
    else:
        km = libseg.KMeansConfig(k=k, seed=0, n_init=1, max_iter=300, tol=1e-4, threads=0,
                           dtype=dtype)
        check(lib.seg_kmeans_set_int(km._handle, KM_ALGORITHM, 4))  # auto
        check(lib.seg_kmeans_set_int(km._handle, KM_MIN_PROFILE, 0))
        check(lib.seg_kmeans_fit_dataset(km._handle, ds._handle, sc._handle, labels,
                                         ctypes.byref(out)))
    model = libseg.Model(out)
    # The labelling the program used to run after the fit.
    plabels, dist = model.predict(ds, threads=0)
    assert list(plabels) == list(labels), "the fit's labels are not the predictor's"
    pl = (ctypes.c_int32 * n)(*plabels)
    pd = (D * n)(*dist)
    check(lib.seg_model_set_outlier_reference(model._handle, pl, pd, n))
    # The explanation tree (issue 17), fitted as seg segment fits it: on the
    # fit's encoded rows (in its precision) and labels, at most 20,000 of
    # them evenly spaced (tools/explain.h, EXPLAIN_FIT_ROWS).
    d = lib.seg_scaler_features(sc._handle)
    enc = ((ctypes.c_float if f32 else D) * (n * d))()
    if f32:
        check(lib.seg_scaler_transform_f32(sc._handle, ds._handle, enc, n * d))
    else:
        check(lib.seg_scaler_transform_f64(sc._handle, ds._handle, enc, n * d))
    s = min(n, 20000)
    rows = [i * n // s for i in range(s)]
    xs = (D * (s * d))(*[float(enc[r * d + j]) for r in rows for j in range(d)])
    ls = (ctypes.c_int32 * s)(*[labels[r] for r in rows])
    tree = P()
    check(lib.seg_tree_new(ctypes.byref(tree)))
    check(lib.seg_tree_fit_f64(tree, model._handle, xs, s, d, ls))
    lib.seg_tree_free(tree)
    for metric in METRICS:  # computed by the program from the labels
        check(lib.seg_model_set_metric(model._handle, metric,
                                       lib.seg_model_get_metric(loaded_cli_model._handle,
                                                                metric)))
    # The columns the program records as left out, names and reasons.
    lib.seg_model_left_out_columns.restype = ctypes.c_size_t
    for fn in (lib.seg_model_left_out_name, lib.seg_model_left_out_reason):
        fn.restype = ctypes.c_char_p
        fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    lib.seg_model_add_left_out.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    cli = loaded_cli_model._handle
    for i in range(lib.seg_model_left_out_columns(cli)):
        check(lib.seg_model_add_left_out(model._handle, lib.seg_model_left_out_name(cli, i),
                                         lib.seg_model_left_out_reason(cli, i)))
    return model.to_bytes(), list(plabels), list(dist)


class Stages(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def assert_once(self, counts, predicts=0):
        if not counts:
            self.skipTest("the counting shim did not load (sanitizer build?)")
        self.assertEqual(counts["transform"], 1, "the rows were encoded %d times" %
                         counts["transform"])
        self.assertEqual(counts["predict"], predicts, "%d predictor passes" % counts["predict"])

    def check_old_path(self, path, args, k, dtype="f64", minibatch=False, drop=None):
        summary, counts, data, rows = segment(args, self.tmp.name)
        self.assert_once(counts)
        cli_model = libseg.Model.from_bytes(data)
        expected, labels, dist = old_path(path, drop, k, dtype, minibatch, cli_model)
        self.assertEqual(masked(data), masked(expected))
        self.assertEqual(rows[0], "id,segment,distance")
        self.assertEqual(rows[1:], ["%d,%d,%.9g" % (i + 1, l, d)
                                    for i, (l, d) in enumerate(zip(labels, dist))])
        self.assertEqual([g["size"] for g in summary["segments"]],
                         [labels.count(j) for j in range(k)])
        self.assertEqual(summary["inertia"], cli_model.inertia)

    def test_kmeans_f64(self):
        self.check_old_path(HEAD, [HEAD, "--k", "4"], 4)

    def test_kmeans_f32(self):
        self.check_old_path(HEAD, [HEAD, "--k", "3", "--dtype", "f32"], 3, dtype="f32")

    def test_minibatch(self):
        self.check_old_path(HEAD, [HEAD, "--k", "4", "--method", "minibatch"], 4,
                            minibatch=True)

    def test_minibatch_f32(self):
        self.check_old_path(HEAD, [HEAD, "--k", "3", "--method", "minibatch", "--dtype", "f32"],
                            3, dtype="f32", minibatch=True)

    @unittest.skipUnless(os.path.exists(BUNDLED), "no bundled data")
    def test_bundled_k6(self):
        # --drop replaces the bundled data's default roles (cli_test.py
        # checks those) with the plain drop the old path makes.
        self.check_old_path(BUNDLED, ["--k", "6", "--drop", "y,duration"], 6,
                            drop=["y", "duration"])

    def test_sweep_encodes_once(self):
        summary, counts, _, _ = segment([HEAD, "--k-max", "4"], self.tmp.name)
        self.assert_once(counts)
        self.assertIn(summary["k"], (2, 3, 4))

    def test_ward_encodes_once(self):
        for extra in ([], ["--pre-cluster", "40"]):
            _, counts, data, rows = segment([HEAD, "--k", "3", "--method", "ward"] + extra,
                                            self.tmp.name)
            self.assert_once(counts)
            self.assertTrue(libseg.Model.from_bytes(data).k == 3 and len(rows) == 501)

    def test_masked_covers_the_timings(self):
        # The fields masked are the timings: the header's inertia sits before them.
        _, _, data, _ = segment([HEAD, "--k", "2"], self.tmp.name)
        at = data.index(b"HEAD") + 4 + 8 + 8 + 8 + 4 + 4 + 8 + 8
        inertia = struct.unpack("<d", data[at:at + 8])[0]
        self.assertEqual(inertia, libseg.Model.from_bytes(data).inertia)


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
