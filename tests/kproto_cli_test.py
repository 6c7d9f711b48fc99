"""`seg segment --method kprototypes` end to end (issue 19, item 1): the
summary's gamma and cost, the model file (format version 2) read by
`seg info` and `seg predict`, whose labels and distances are the fit's, the
same assignments on 1, 2 and 4 threads, the sweep over k, and the errors.

The data are planted here: three segments in two numeric and three
categorical columns.

Run by meson as: python3 kproto_cli_test.py SEG_BINARY
"""
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import unittest

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"


def run(*args):
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=600)
    return p.returncode, p.stdout, p.stderr


def ok(*args):
    rc, out, err = run(*args)
    if rc != 0:
        raise AssertionError(f"seg {' '.join(args)}: exit {rc}: {err}")
    return out


def ari(a, b):
    """Adjusted Rand index by its definition (Hubert and Arabie 1985)."""
    from collections import Counter
    n = len(a)
    c2 = lambda x: x * (x - 1) / 2
    sum_t = sum(c2(v) for v in Counter(zip(a, b)).values())
    sa = sum(c2(v) for v in Counter(a).values())
    sb = sum(c2(v) for v in Counter(b).values())
    exp = sa * sb / c2(n)
    return (sum_t - exp) / ((sa + sb) / 2 - exp)


def write_planted(path, n=1500, seed=7):
    rnd = random.Random(seed)
    truth = []
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "spend", "visits", "plan", "channel", "region"])
        for i in range(n):
            g = rnd.randrange(3)
            truth.append(g)
            lev = [("abc"[g] if rnd.random() < 0.85 else rnd.choice("abcd")) for _ in range(3)]
            w.writerow([f"C{i:05d}", f"{2.5 * g + rnd.gauss(0, 1):.5f}",
                        f"{-2.5 * g + rnd.gauss(0, 1):.5f}", "plan_" + lev[0],
                        "ch_" + lev[1], "r_" + lev[2]])
    return truth


def read_assignments(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [int(r["segment"]) for r in rows], [r["distance"] for r in rows]


class KPrototypesCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.csv = os.path.join(cls.tmp.name, "mixed.csv")
        cls.truth = write_planted(cls.csv)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_fit_json_model_predict_info(self):
        model, fit = self.path("m.seg"), self.path("fit.csv")
        out = json.loads(ok("segment", self.csv, "--id", "id", "--method", "kprototypes",
                            "--k", "3", "--n-init", "4", "--seed", "1", "--json",
                            "--model", model, "--assignments", fit))
        self.assertEqual(out["method"], "kprototypes")
        # standard scaling: every numeric feature has sd 1, so the kmodes rule gives 0.5
        self.assertAlmostEqual(out["gamma"], 0.5, places=9)
        self.assertEqual(out["cost"], out["inertia"])
        self.assertEqual(out["k"], 3)
        labels, dist = read_assignments(fit)
        self.assertGreaterEqual(ari(self.truth, labels), 0.95)
        # the cost is the sum of the squared distances the fit reports
        self.assertAlmostEqual(sum(float(d) ** 2 for d in dist), out["cost"],
                               delta=1e-6 * out["cost"])
        with open(model, "rb") as f:
            head = f.read(12)
        self.assertEqual(int.from_bytes(head[8:12], "little"), 2,
                         "a k-prototypes model is format version 2: older readers refuse it")
        # a k-means model of the same data stays version 1, readable by older libseg
        km = self.path("km.seg")
        ok("segment", self.csv, "--id", "id", "--k", "3", "--model", km, "-q")
        with open(km, "rb") as f:
            self.assertEqual(int.from_bytes(f.read(12)[8:12], "little"), 1)
        info = json.loads(ok("info", model, "--json"))
        self.assertEqual(info["method"], "kprototypes")
        self.assertEqual(info["gamma"], out["gamma"])
        self.assertIn("k-prototypes", ok("info", model))
        pred = self.path("pred.csv")
        ok("predict", model, self.csv, "--id", "id", "-o", pred)
        plabels, pdist = read_assignments(pred)
        self.assertEqual(plabels, labels)
        self.assertEqual(pdist, dist)

    def test_cao_matches_an_independent_run(self):
        """Categorical columns only (k-modes, gamma 1): Cao's start (densest
        row, then the row maximising density x distance to the nearest chosen
        one) and batch iterations, computed here in plain Python, give the
        cost and segment sizes of seg's run."""
        rnd = random.Random(1)
        rows = []
        for _ in range(300):
            g = rnd.randrange(3)
            rows.append(["xyz"[g] if rnd.random() < 0.8 else rnd.choice("xyzw")
                         for _ in range(3)])
        path = self.path("cat.csv")
        with open(path, "w") as f:
            f.write("a,b,c\n" + "".join(",".join(r) + "\n" for r in rows))
        k, n = 3, len(rows)
        freq = [{} for _ in range(3)]
        for r in rows:
            for a, v in enumerate(r):
                freq[a][v] = freq[a].get(v, 0) + 1
        dens = [sum(freq[a][v] for a, v in enumerate(r)) for r in rows]
        mism = lambda r, m: sum(x != y for x, y in zip(r, m))
        chosen = [max(range(n), key=lambda i: (dens[i], -i))]
        near = [float("inf")] * n
        for _ in range(1, k):
            last = rows[chosen[-1]]
            near = [min(near[i], mism(rows[i], last)) for i in range(n)]
            chosen.append(max(range(n), key=lambda i: (dens[i] * near[i], -i)))
        modes = [list(rows[i]) for i in chosen]
        labels = None
        while True:
            cost_row = [min((mism(r, m), j) for j, m in enumerate(modes)) for r in rows]
            new = [j for _, j in cost_row]
            if new == labels:
                break
            labels = new
            for j in range(k):
                members = [r for r, l in zip(rows, labels) if l == j]
                for a in range(3):
                    counts = {}
                    for r in members:
                        counts[r[a]] = counts.get(r[a], 0) + 1
                    modes[j][a] = min(counts, key=lambda v: (-counts[v], v))
        cost = sum(c for c, _ in cost_row)
        sizes = sorted((labels.count(j) for j in range(k)), reverse=True)
        out = json.loads(ok("segment", path, "--method", "kprototypes", "--k", "3",
                            "--init", "cao", "--json", "-q"))
        self.assertEqual(out["gamma"], 1)
        self.assertEqual(out["cost"], cost)
        self.assertEqual([s["size"] for s in out["segments"]], sizes)

    def test_gamma_given_and_init_cao(self):
        out = json.loads(ok("segment", self.csv, "--id", "id", "--method", "kprototypes",
                            "--k", "3", "--gamma", "2.5", "--init", "cao", "--json"))
        self.assertEqual(out["gamma"], 2.5)
        self.assertEqual(out["init"], "cao")
        self.assertEqual(out["gamma_rule"], "given")

    def test_threads_give_the_same_assignments(self):
        got = []
        for t in ("1", "2", "4"):
            a = self.path(f"t{t}.csv")
            ok("segment", self.csv, "--id", "id", "--method", "kprototypes", "--k", "4",
               "--n-init", "3", "--seed", "9", "--threads", t, "--assignments", a, "-q")
            with open(a) as f:
                got.append(f.read())
        self.assertEqual(got[0], got[1])
        self.assertEqual(got[0], got[2])

    def test_sweep_over_k(self):
        out = json.loads(ok("segment", self.csv, "--id", "id", "--method", "kprototypes",
                            "--k-min", "2", "--k-max", "5", "--seed", "3", "--json"))
        rows = out["kprototypes_sweep"]
        self.assertEqual([r["k"] for r in rows], [2, 3, 4, 5])
        self.assertEqual(out["k_chosen_by"], "sweep")
        chosen = [r for r in rows if r["chosen"]]
        self.assertEqual(len(chosen), 1)
        self.assertEqual(chosen[0]["k"], out["k"])
        self.assertEqual(out["k"], 3)  # the planted segments
        # more segments never cost more here (each k from its best start)
        costs = [r["cost"] for r in rows]
        self.assertEqual(costs, sorted(costs, reverse=True))

    def test_report(self):
        rep = self.path("r.html")
        ok("segment", self.csv, "--id", "id", "--method", "kprototypes", "--k", "3",
           "--report", rep, "-q")
        with open(rep) as f:
            html = f.read()
        self.assertIn('id="kprototypes"', html)
        self.assertIn("gamma = 0.5", html)

    def test_errors(self):
        num = self.path("numeric.csv")
        with open(num, "w") as f:
            f.write("a,b\n" + "".join(f"{i},{i % 7}\n" for i in range(50)))
        rc, _, err = run("segment", num, "--method", "kprototypes", "--k", "2")
        self.assertNotEqual(rc, 0)
        self.assertIn("categorical", err)
        for args, words in ((["--gamma", "1"], "--gamma goes with --method kprototypes"),
                            (["--init", "cao"], "--init cao goes with --method kprototypes"),
                            (["--method", "kprototypes", "--gamma", "-1"], "--gamma takes"),
                            (["--method", "kprototypes", "--dtype", "f32"], "double"),
                            (["--method", "kprototypes", "--init", "random"], "huang or cao")):
            rc, _, err = run("segment", self.csv, "--id", "id", "--k", "3", *args)
            self.assertEqual(rc, 2, f"{args}: {err}")
            self.assertIn(words, err)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
