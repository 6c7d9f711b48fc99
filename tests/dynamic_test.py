"""End-to-end tests of dynamic segmentation and risk flags: `seg predict
--flag-outliers` checked against quantiles computed here from the training
distances.

Run by meson as: python3 dynamic_test.py SEG_BINARY SOURCE_ROOT
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
SRC = sys.argv[2] if len(sys.argv) > 2 else "."
HEAD = os.path.join(SRC, "tests", "data", "bank-plain-head.csv")


def run(*args):
    p = subprocess.run([SEG, *args], capture_output=True, text=True, timeout=900)
    return p.returncode, p.stdout, p.stderr


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def type7(sorted_values, p):
    """Quantile by linear interpolation between order statistics (numpy's default)."""
    h = (len(sorted_values) - 1) * p
    lo = int(h)
    if lo + 1 >= len(sorted_values):
        return sorted_values[-1]
    return sorted_values[lo] + (h - lo) * (sorted_values[lo + 1] - sorted_values[lo])


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def fit(self, k=4, data=HEAD, name="m.seg"):
        model, assign = self.path(name), self.path(name + ".csv")
        code, _, err = run("segment", data, "--drop", "y,duration", "--k", str(k), "--seed", "2",
                           "--model", model, "--assignments", assign)
        self.assertEqual(code, 0, err)
        return model, read_csv(assign)


class Outliers(Base):
    def test_flags_match_training_quantiles(self):
        model, train = self.fit()
        by_seg = {}
        for r in train:
            by_seg.setdefault(int(r["segment"]), []).append(float(r["distance"]))
        for v in by_seg.values():
            v.sort()
        for q in ("0.995", "0.9", "0.5"):
            out = self.path("p.csv")
            code, _, err = run("predict", model, HEAD, "--output", out, "--outlier-threshold", q)
            self.assertEqual(code, 0, err)
            rows = read_csv(out)
            self.assertEqual(list(rows[0].keys()),
                             ["id", "segment", "distance", "outlier_score", "flag"])
            for r in rows:
                seg, dist = int(r["segment"]), float(r["distance"])
                score, flag = float(r["outlier_score"]), int(r["flag"])
                self.assertTrue(0 <= score <= 1)
                bound = type7(by_seg[seg], float(q))
                # Distances are printed to 9 digits: skip rows on the boundary.
                if abs(dist - bound) > 1e-6 * (1 + bound):
                    self.assertEqual(flag, int(dist > bound), (r, bound))
                self.assertEqual(flag, int(score > float(q)))
            flagged = sum(int(r["flag"]) for r in rows)
            # At most (1 - q)(n_j - 1) rows of each segment lie above its quantile.
            most = sum(int((1 - float(q)) * (len(v) - 1)) + 1 for v in by_seg.values())
            self.assertLessEqual(flagged, most)
            if q == "0.5":
                self.assertGreater(flagged, 0.4 * len(rows))

    def test_json_and_defaults(self):
        model, _ = self.fit()
        code, text, err = run("predict", model, HEAD, "--flag-outliers", "--json")
        self.assertEqual(code, 0, err)
        s = json.loads(text)
        self.assertAlmostEqual(s["outlier_threshold"], 0.995)
        self.assertEqual(s["flagged"], sum(r["flag"] for r in s["rows"]))
        for r in s["rows"]:
            self.assertEqual(r["flag"], int(r["outlier_score"] > 0.995))
        # Without the option the columns stay as they were.
        code, text, err = run("predict", model, HEAD)
        self.assertEqual(code, 0, err)
        self.assertTrue(text.startswith("id,segment,distance\n"))

    def test_usage(self):
        model, _ = self.fit()
        for bad in ("2", "-0.1", "x"):
            code, _, err = run("predict", model, HEAD, "--outlier-threshold", bad)
            self.assertEqual(code, 2)
            self.assertIn("--outlier-threshold", err)


class MiniBatch(Base):
    def test_minibatch_close_to_kmeans_and_reproducible(self):
        bank = os.path.join(SRC, "examples", "data", "bank-full.csv")
        res = {}
        for method in ("kmeans", "minibatch"):
            code, text, err = run("segment", bank, "--drop", "y,duration", "--k", "5",
                                  "--method", method, "--batch-size", "512", "--json",
                                  "--model", self.path(method + ".seg"),
                                  "--assignments", self.path(method + ".csv"))
            self.assertEqual(code, 0, err)
            res[method] = json.loads(text)
        self.assertLess(res["minibatch"]["inertia"], 1.02 * res["kmeans"]["inertia"])
        # The saved model predicts the labels the fit printed.
        out = self.path("p.csv")
        code, _, err = run("predict", self.path("minibatch.seg"), bank, "--output", out)
        self.assertEqual(code, 0, err)
        with open(self.path("minibatch.csv")) as a, open(out) as b:
            self.assertEqual(a.read(), b.read())

    def test_usage(self):
        code, _, err = run("segment", HEAD, "--method", "minibatch", "--batch-size", "0")
        self.assertEqual(code, 2)
        self.assertIn("--batch-size", err)
        code, _, err = run("segment", HEAD, "--method", "sgd")
        self.assertEqual(code, 2)
        self.assertIn("minibatch", err)


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
