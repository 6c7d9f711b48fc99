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
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900)
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


class Drift(Base):
    def test_self_is_zero_and_new_segment_appears(self):
        a, _ = self.fit(k=4, name="a.seg")
        b, _ = self.fit(k=5, name="b.seg")
        code, text, err = run("drift", a, a, "--json")
        self.assertEqual(code, 0, err)
        s = json.loads(text)
        self.assertEqual(s["total_distance"], 0)
        self.assertEqual([(p["old"], p["new"], p["distance"]) for p in s["pairs"]],
                         [(j, j, 0) for j in range(4)])
        for p in s["pairs"]:
            self.assertEqual(p["share_old"], p["share_new"])
            for f in p["shifts"]:
                self.assertEqual(f["old"], f["new"])
        self.assertEqual((s["vanished"], s["appeared"]), ([], []))
        code, text, err = run("drift", a, b, "--json")
        self.assertEqual(code, 0, err)
        s = json.loads(text)
        self.assertEqual(len(s["pairs"]), 4)
        self.assertEqual(len(s["appeared"]), 1)
        self.assertEqual(sorted([p["new"] for p in s["pairs"]] + s["appeared"]), list(range(5)))
        self.assertAlmostEqual(s["total_distance"], sum(p["distance"] for p in s["pairs"]))
        # --max-distance 0 keeps only identical centroids as pairs.
        kept = [p for p in s["pairs"] if p["distance"] == 0]
        code, text, err = run("drift", a, b, "--json", "--max-distance", "0")
        s = json.loads(text)
        self.assertEqual(s["pairs"], kept)
        self.assertEqual((len(s["vanished"]), len(s["appeared"])), (4 - len(kept), 5 - len(kept)))
        code, text, err = run("drift", a, b)
        self.assertEqual(code, 0, err)
        self.assertIn("appeared (in %s only):" % b, text)

    def test_usage(self):
        code, _, err = run("drift", "a.seg")
        self.assertEqual(code, 2)
        self.assertIn("OLD.seg and NEW.seg", err)


class Migrate(Base):
    def snapshots(self):
        with open(HEAD, newline="") as f:
            rows = list(csv.DictReader(f))
        fields = ["cust"] + list(rows[0].keys())
        old, new = self.path("old.csv"), self.path("new.csv")
        with open(old, "w", newline="") as f:
            w = csv.DictWriter(f, fields)
            w.writeheader()
            for i, r in enumerate(rows[:400]):  # customers 0..399
                w.writerow(dict(r, cust="c%d" % i))
        with open(new, "w", newline="") as f:
            w = csv.DictWriter(f, fields)
            w.writeheader()
            for i, r in enumerate(rows[100:]):  # customers 100..499, balances changed
                r = dict(r, cust="c%d" % (i + 100))
                r["balance"] = str(int(r["balance"]) * (3 if i % 2 else 1))
                w.writerow(r)
        return old, new

    def test_counts_sum_to_customers_in_both(self):
        model, _ = self.fit()
        old, new = self.snapshots()
        code, text, err = run("migrate", model, old, new, "--id", "cust", "--json")
        self.assertEqual(code, 0, err)
        s = json.loads(text)
        self.assertEqual((s["in_both"], s["joined"], s["left"]), (300, 100, 100))
        self.assertEqual(sum(map(sum, s["counts"])), 300)
        # Each snapshot's segment counts: those in both plus those who left
        # (OLD, by row) or joined (NEW, by column).
        k = s["k"]
        self.assertEqual((sum(s["in_old"]), sum(s["in_new"])), (400, 400))
        self.assertEqual((sum(s["left_by_segment"]), sum(s["joined_by_segment"])), (100, 100))
        for j in range(k):
            self.assertEqual(s["in_old"][j], sum(s["counts"][j]) + s["left_by_segment"][j])
            self.assertEqual(s["in_new"][j],
                             sum(s["counts"][i][j] for i in range(k)) + s["joined_by_segment"][j])
        for row, shares in zip(s["counts"], s["shares"]):
            if sum(row):
                self.assertAlmostEqual(sum(shares), 1)
        # Against predict on each file, joined here by id.
        seg = []
        for f in (old, new):
            out = self.path("p.csv")
            code, _, err = run("predict", model, f, "--id", "cust", "--output", out)
            self.assertEqual(code, 0, err)
            seg.append({r["id"]: int(r["segment"]) for r in read_csv(out)})
        want = [[0] * 4 for _ in range(4)]
        for c in set(seg[0]) & set(seg[1]):
            want[seg[0][c]][seg[1][c]] += 1
        self.assertEqual(s["counts"], want)
        # The same snapshot twice: nobody moves.
        code, text, err = run("migrate", model, old, old, "--id", "cust", "--json")
        s = json.loads(text)
        self.assertEqual(sum(s["counts"][j][j] for j in range(4)), 400)

    def test_errors(self):
        model, _ = self.fit()
        old, new = self.snapshots()
        code, _, err = run("migrate", model, old, new)
        self.assertEqual(code, 2)
        self.assertIn("--id", err)
        dup = self.path("dup.csv")
        with open(old) as f, open(dup, "w") as g:
            lines = f.readlines()
            g.writelines(lines + lines[1:2])
        code, _, err = run("migrate", model, dup, new, "--id", "cust")
        self.assertEqual(code, 1)
        self.assertIn("appears more than once", err)
        code, _, err = run("migrate", model, old, new, "--id", "cust", "--report")
        self.assertEqual(code, 2)
        self.assertIn("--report needs a file name", err)
        code, _, err = run("migrate", model, old, new, "--id", "cust", "--report",
                           self.path("no/such/dir/r.html"))
        # Checked before any work, as a usage error (issue 14).
        self.assertEqual(code, 2)
        self.assertIn("does not exist", err)


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
