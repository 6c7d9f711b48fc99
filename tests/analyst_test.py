"""End-to-end tests of the analyst's flow: saved models, `seg predict`,
`seg info`, profiles and labels, campaign metrics, the k sweep, the HTML report.

Run by meson as: python3 analyst_test.py SEG_BINARY SOURCE_ROOT
"""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
SRC = sys.argv[2] if len(sys.argv) > 2 else "."
BANK = os.path.join(SRC, "examples", "data", "bank-full.csv")
HEAD = os.path.join(SRC, "tests", "data", "bank-plain-head.csv")


def run(*args):
    p = subprocess.run([SEG, *args], capture_output=True, text=True, timeout=900)
    return p.returncode, p.stdout, p.stderr


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)


class Models(Base):
    def fit(self, *extra):
        model, assign = self.path("m.seg"), self.path("a.csv")
        code, out, err = run("segment", HEAD, "--drop", "y,duration", "--k", "4", "--seed", "2",
                             "--model", model, "--assignments", assign, *extra)
        self.assertEqual(code, 0, err)
        return model, assign

    def test_predict_reproduces_fit(self):
        model, assign = self.fit()
        out = self.path("p.csv")
        code, _, err = run("predict", model, HEAD, "--output", out)
        self.assertEqual(code, 0, err)
        with open(assign) as a, open(out) as b:
            self.assertEqual(a.read(), b.read())
        # Without --output the same CSV goes to stdout.
        code, text, err = run("predict", model, HEAD)
        self.assertEqual(code, 0, err)
        with open(assign) as a:
            self.assertEqual(a.read(), text)

    def test_all_distances_and_margin(self):
        model, assign = self.fit()
        out = self.path("p.csv")
        code, _, err = run("predict", model, HEAD, "--output", out, "--all-distances")
        self.assertEqual(code, 0, err)
        rows = read_csv(out)
        self.assertEqual(list(rows[0].keys()),
                         ["id", "segment", "distance"] + ["distance_%d" % j for j in range(4)]
                         + ["margin"])
        for r in rows:
            ds = [float(r["distance_%d" % j]) for j in range(4)]
            seg = int(r["segment"])
            self.assertAlmostEqual(float(r["distance"]), ds[seg], delta=1e-6 * (1 + ds[seg]))
            self.assertAlmostEqual(min(ds), ds[seg], delta=1e-6 * (1 + ds[seg]))
            others = sorted(d for j, d in enumerate(ds) if j != seg)
            self.assertAlmostEqual(float(r["margin"]), others[0] - ds[seg], delta=1e-6)
            self.assertGreaterEqual(float(r["margin"]), -1e-6)

    def test_columns_extra_ignored_missing_named(self):
        model, assign = self.fit()
        rows = read_csv(HEAD)
        extra = self.path("extra.csv")
        with open(extra, "w", newline="") as f:
            w = csv.DictWriter(f, ["cust", "zzz"] + list(rows[0].keys()))
            w.writeheader()
            for i, r in enumerate(rows):
                w.writerow(dict(r, zzz="x", cust="c%03d" % i))
        code, text, err = run("predict", model, extra, "--id", "cust", "--json")
        self.assertEqual(code, 0, err)
        got = json.loads(text)
        want = read_csv(assign)
        self.assertEqual([r["segment"] for r in got["rows"]], [int(r["segment"]) for r in want])
        self.assertEqual(got["rows"][7]["id"], "c007")
        self.assertEqual(sum(s["size"] for s in got["segments"]), len(rows))
        short = self.path("short.csv")
        with open(short, "w", newline="") as f:
            keep = [c for c in rows[0].keys() if c not in ("balance", "job")]
            w = csv.DictWriter(f, keep, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows[:5])
        code, _, err = run("predict", model, short)
        self.assertEqual(code, 1)
        self.assertIn("job, balance", err)
        self.assertIn("lacks 2 columns", err)

    def test_small_file_gets_training_types(self):
        """A file whose categorical column holds only digits still scores."""
        model, _ = self.fit()
        rows = read_csv(HEAD)[:3]
        small = self.path("small.csv")
        with open(small, "w", newline="") as f:
            w = csv.DictWriter(f, list(rows[0].keys()))
            w.writeheader()
            for r in rows:
                w.writerow(dict(r, education="1"))
        code, text, err = run("predict", model, small)
        self.assertEqual(code, 0, err)
        self.assertEqual(len(text.splitlines()), 4)

    def test_info(self):
        model, _ = self.fit()
        code, text, err = run("info", model, "--json")
        self.assertEqual(code, 0, err)
        info = json.loads(text)
        for key in ("library_version", "k", "d", "n", "inertia", "silhouette", "davies_bouldin",
                    "calinski_harabasz", "columns", "features", "segments"):
            self.assertIn(key, info)
        self.assertEqual(info["k"], 4)
        self.assertEqual(info["n"], 500)
        self.assertNotIn("y", [c["name"] for c in info["columns"]])
        self.assertEqual(sum(s["size"] for s in info["segments"]), 500)
        self.assertTrue(all(s["label"] for s in info["segments"]))
        code, text, err = run("info", model)
        self.assertEqual(code, 0, err)
        self.assertIn("k = 4 segments", text)

    def test_corrupt_model_rejected(self):
        model, _ = self.fit()
        with open(model, "rb") as f:
            data = bytearray(f.read())
        bad = self.path("bad.seg")
        data[40] ^= 1
        with open(bad, "wb") as f:
            f.write(data)
        code, _, err = run("predict", bad, HEAD)
        self.assertEqual(code, 1)
        self.assertIn("checksum", err)
        with open(bad, "wb") as f:
            f.write(data[:100])
        code, _, err = run("info", bad)
        self.assertEqual(code, 1)
        self.assertIn("truncated", err)
        code, _, err = run("info", HEAD)
        self.assertEqual(code, 1)
        self.assertIn("not a libseg model file", err)

    def test_usage(self):
        code, _, err = run("predict", "m.seg")
        self.assertEqual(code, 2)
        self.assertIn("MODEL and a FILE", err)
        code, _, err = run("info", "--bogus")
        self.assertEqual(code, 2)


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
