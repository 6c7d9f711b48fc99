#!/usr/bin/env python3
"""Tests of the ctypes binding python/libseg against the built library.

Usage: python_test.py LIBSEG_SO SRCDIR

Results are checked against values computed here in plain Python (means,
distances, inertia), not against the library itself.
"""
import array
import math
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import unittest

LIB, SRC = sys.argv[1], sys.argv[2]
os.environ["LIBSEG_PATH"] = LIB
sys.path.insert(0, os.path.join(SRC, "python"))
import libseg  # noqa: E402

try:
    import numpy
    HAVE_NUMPY = True
except ImportError:
    HAVE_NUMPY = False


def blobs(n, d, centres, seed):
    rng = random.Random(seed)
    rows, truth = [], []
    for i in range(n):
        c = i % centres
        rows.append([10.0 * c * (1 if j % 2 else -1) + rng.gauss(0, 1) for j in range(d)])
        truth.append(c)
    return rows, truth


def flat(x):
    """A returned vector or matrix as one flat list of Python numbers."""
    return x.ravel().tolist() if hasattr(x, "ravel") else list(x)


def sqdist(a, b):
    return sum((x - y) ** 2 for x, y in zip(a, b))


class Binding(unittest.TestCase):
    def test_threads_count_follows_affinity(self):
        self.assertEqual(libseg.threads_count(3), 3)
        self.assertEqual(libseg.threads_count(10 ** 6), 4096)
        saved = os.sched_getaffinity(0)
        try:
            os.sched_setaffinity(0, {min(saved)})
            self.assertEqual(libseg.threads_count(), 1)
        finally:
            os.sched_setaffinity(0, saved)
        self.assertLessEqual(libseg.threads_count(), len(saved))

    def test_version_matches_meson(self):
        text = open(os.path.join(SRC, "meson.build")).read()
        want = re.search(r"version\s*:\s*'([0-9.]+)'", text).group(1)
        self.assertEqual(libseg.version(), want)

    def test_fit_known_answer(self):
        # Two pairs one apart: centroids are the pair midpoints, inertia 4 x 0.25.
        m = libseg.KMeansConfig(k=2, threads=1).fit([[0, 0], [0, 1], [10, 10], [10, 11]])
        self.assertEqual(sorted(m.centroids), [[0.0, 0.5], [10.0, 10.5]])
        self.assertAlmostEqual(m.inertia, 1.0, places=12)
        lab = list(m.labels)
        self.assertEqual(lab[0], lab[1])
        self.assertEqual(lab[2], lab[3])
        self.assertNotEqual(lab[0], lab[2])
        self.assertEqual(m.segment_sizes, [2, 2])
        self.assertTrue(m.converged)

    def test_blobs_against_plain_python(self):
        rows, truth = blobs(300, 4, 3, seed=5)
        m = libseg.KMeansConfig(k=3, seed=3, n_init=2).fit(rows)
        lab = list(m.labels)
        # The blobs are 10 apart with unit spread: the partition is the truth.
        mapping = {}
        for t, l in zip(truth, lab):
            self.assertEqual(mapping.setdefault(t, l), l)
        # Centroids are the means of their rows; inertia is their scatter.
        cents = m.centroids
        for j in range(3):
            members = [r for r, l in zip(rows, lab) if l == j]
            mean = [statistics.fmean(col) for col in zip(*members)]
            for a, b in zip(cents[j], mean):
                self.assertAlmostEqual(a, b, places=9)
        inertia = sum(sqdist(r, cents[l]) for r, l in zip(rows, lab))
        self.assertAlmostEqual(m.inertia / inertia, 1.0, places=9)
        # Predict: nearest centroid and its distance, computed here.
        probe = [[0.5, 1, -2, 3], [-9, 11, -10, 9], [-21, 19, -20, 21]]
        plab, pdist = m.predict(probe)
        for r, l, dist in zip(probe, plab, pdist):
            best = min(range(3), key=lambda j: sqdist(r, cents[j]))
            self.assertEqual(l, best)
            self.assertAlmostEqual(dist, math.sqrt(sqdist(r, cents[best])), places=9)

    def test_buffers_give_the_same_answer(self):
        rows, _ = blobs(120, 3, 2, seed=9)
        ref = libseg.KMeansConfig(k=2, seed=1).fit(rows)
        flat = array.array("d", [v for r in rows for v in r])
        inputs = {
            "flat array('d') with d": dict(data=flat, d=3),
            "2-D memoryview": dict(data=memoryview(flat).cast("B").cast("d", [120, 3])),
            "read-only bytes view": dict(data=memoryview(flat.tobytes()).cast("d"), d=3),
        }
        for what, kw in inputs.items():
            m = libseg.KMeansConfig(k=2, seed=1).fit(**kw)
            self.assertEqual(list(m.labels), list(ref.labels), what)
            self.assertEqual(m.centroids, ref.centroids, what)
        # float32 buffers take the _f32 path: same partition, float-rounded centroids.
        f32 = array.array("f", flat)
        m = libseg.KMeansConfig(k=2, seed=1).fit(f32, d=3)
        self.assertEqual(list(m.labels), list(ref.labels))
        labels, _ = ref.predict(f32)
        self.assertEqual(list(labels), list(ref.labels))

    def test_weights(self):
        # One segment holds rows 0 and 1; weight 3 on row 1 pulls its centroid to 0.75.
        m = libseg.KMeansConfig(k=2).fit([[0.0], [1.0], [10.0], [11.0]], weights=[1, 3, 1, 1])
        self.assertEqual(sorted(c[0] for c in m.centroids), [0.75, 10.5])
        with self.assertRaises(ValueError):
            libseg.KMeansConfig(k=2).fit([[0.0], [1.0]], weights=[1])

    def test_scaler_against_statistics(self):
        age = [30.0, 40.0, 50.0, 20.0, 35.0]
        job = ["a", "b", "a", "c", "b"]
        ds = libseg.Dataset.from_columns({"age": age, "job": job})
        self.assertEqual(ds.column_type("age"), "numeric")
        self.assertEqual(ds.column_type("job"), "categorical")
        sc = libseg.Scaler(method="standard").fit(ds)
        self.assertEqual(sc.feature_names, ["age", "job=a", "job=b", "job=c"])
        x = flat(sc.transform(ds))
        mean, sd = statistics.fmean(age), statistics.pstdev(age)
        for i in range(5):
            self.assertAlmostEqual(x[i * 4], (age[i] - mean) / sd, places=12)
            self.assertEqual(list(x[i * 4 + 1:i * 4 + 4]),
                             [float(job[i] == lv) for lv in "abc"])

    def test_impute_order_and_described(self):
        # 1, missing, 3, 10: the median 3 imputed first gives mean 17/4 and
        # the population std of 1 3 3 10; scale-first those of 1 3 10.
        age = [1.0, None, 3.0, 10.0]
        ds = libseg.Dataset.from_columns({"age": age, "day": [5.0, 6.0, 7.0, 8.0]})
        ds.set_described_column("day")
        self.assertEqual(ds.columns, ["age"])
        self.assertEqual(ds.described_columns, ["day"])
        for order, vals in (("impute-first", [1, 3, 3, 10]), ("scale-first", [1, 3, 10])):
            x = flat(libseg.Scaler(impute_order=order).fit(ds).transform(ds))
            mean, sd = statistics.fmean(vals), statistics.pstdev(vals)
            self.assertEqual(len(x), 4)
            self.assertAlmostEqual(x[0], (1 - mean) / sd, places=12)
            self.assertAlmostEqual(x[1], (3 - mean) / sd, places=12)
        with self.assertRaises(ValueError):
            libseg.Scaler(impute_order="later")

    def test_dataset_pipeline(self):
        path = os.path.join(SRC, "tests", "data", "scaler_customers.csv")
        ds = libseg.Dataset.read_csv(path)
        ds.set_id_column("id")
        self.assertEqual(ds.id(0), "c1")
        self.assertNotIn("id", ds.columns)
        self.assertTrue(math.isnan(ds.value(1, "balance")))  # "NA"
        sc = libseg.Scaler().fit(ds)
        m = libseg.KMeansConfig(k=2, seed=2).fit(ds, scaler=sc)
        self.assertTrue(m.has_scaler)
        self.assertEqual(m.rows, ds.rows)
        sc.close()  # the model keeps its own copy
        labels, _ = m.predict(ds)
        self.assertEqual(list(labels), list(m.labels))
        ds.drop(["region"])
        self.assertNotIn("region", ds.columns)

    def test_save_and_load(self):
        rows, _ = blobs(200, 3, 4, seed=8)
        m = libseg.KMeansConfig(k=4, seed=1).fit(rows)
        want = [flat(v) for v in m.predict(rows)]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.seg")
            m.save(path)
            again = libseg.Model.load(path)
            self.assertEqual(again.k, 4)
            self.assertEqual(again.centroids, m.centroids)
            self.assertEqual([flat(v) for v in again.predict(rows)], want)
        data = m.to_bytes()
        self.assertEqual([flat(v) for v in libseg.Model.from_bytes(data).predict(rows)], want)
        bad = bytearray(data)
        bad[len(bad) // 2] ^= 0xFF
        with self.assertRaises(libseg.SegError) as ctx:
            libseg.Model.from_bytes(bad)
        self.assertEqual(ctx.exception.name, "SEG_ERR_CHECKSUM")
        with self.assertRaises(libseg.SegError) as ctx:
            libseg.Model.from_bytes(data[:40])
        self.assertEqual(ctx.exception.name, "SEG_ERR_TRUNCATED")
        with self.assertRaises(libseg.SegError) as ctx:
            libseg.Model.load("/nonexistent/m.seg")
        self.assertIn("/nonexistent/m.seg", ctx.exception.detail)

    def test_npy(self):
        rows = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.5]]
        header = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }"
        header += " " * (117 - len(header)) + "\n"
        with tempfile.NamedTemporaryFile(suffix=".npy", delete=False) as f:
            f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
            f.write(array.array("d", [v for r in rows for v in r]).tobytes())
        try:
            ds = libseg.Dataset.read_npy(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(ds.rows, 3)
        self.assertEqual(ds.value(2, "x1"), 6.5)

    @unittest.skipUnless(HAVE_NUMPY, "numpy is not installed")
    def test_npy_layouts_numpy_writes(self):
        # What np.save writes for DataFrame.to_numpy() (Fortran order) and
        # for big-endian data: read back as the same row-major values.
        a = numpy.arange(12.0).reshape(4, 3) * 1.25 - 3
        for arr in (numpy.asfortranarray(a), a.astype(">f8"),
                    numpy.asfortranarray(a.astype(">f4")), a.astype("<f4"),
                    numpy.asfortranarray(a[:, 0])):
            with tempfile.NamedTemporaryFile(suffix=".npy", delete=False) as f:
                numpy.save(f, arr)
            try:
                ds = libseg.Dataset.read_npy(f.name)
            finally:
                os.unlink(f.name)
            want = arr.reshape(arr.shape[0], -1)
            self.assertEqual(ds.rows, want.shape[0])
            for i in range(want.shape[0]):
                for j in range(want.shape[1]):
                    self.assertEqual(ds.value(i, "x%d" % j), float(want[i, j]))

    def test_errors_carry_code_and_detail(self):
        m = libseg.KMeansConfig(k=2).fit([[0, 0], [1, 1], [5, 5], [6, 6]])
        with self.assertRaises(libseg.SegError) as e:
            m.predict([[1, 2, 3]])
        self.assertEqual(e.exception.code, -12)
        self.assertEqual(e.exception.name, "SEG_ERR_MISMATCH")
        self.assertIn("3 features", e.exception.detail)
        with self.assertRaises(libseg.SegError) as e:
            libseg.Dataset.read_csv_text("a,b\n1,2\n3\n")
        self.assertEqual(e.exception.name, "SEG_ERR_PARSE")
        self.assertIn("<memory>:3:", str(e.exception))
        with self.assertRaises(libseg.SegError) as e:
            libseg.Dataset.from_rows([[1.0, float("nan")]])
        self.assertEqual(e.exception.code, -7)
        with self.assertRaises(libseg.SegError) as e:
            libseg.Dataset.read_csv("/nonexistent/customers.csv")
        self.assertEqual(e.exception.name, "SEG_ERR_IO")
        self.assertIn("/nonexistent/customers.csv", e.exception.detail)
        with self.assertRaises(libseg.SegError) as e:
            libseg.KMeansConfig(k=0)
        self.assertEqual(e.exception.name, "SEG_ERR_INVALID_ARG")
        with self.assertRaises(libseg.SegError) as e:
            libseg.KMeansConfig(k=5).fit([[0.0], [1.0]])
        self.assertEqual(e.exception.name, "SEG_ERR_TOO_FEW_POINTS")
        ds = libseg.Dataset.from_rows([[1.0]])
        ds.close()
        with self.assertRaises(ValueError):
            ds.rows

    def test_predict_from_threads(self):
        rows, _ = blobs(400, 5, 4, seed=2)
        m = libseg.KMeansConfig(k=4, seed=1).fit(rows)
        want, _ = m.predict(rows)
        got = [None] * 8

        def work(i):
            got[i] = m.predict(rows)[0]

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for g in got:
            self.assertEqual(list(g), list(want))


if __name__ == "__main__":
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Binding)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
