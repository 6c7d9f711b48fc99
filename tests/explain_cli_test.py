"""`seg explain`, the tree `seg segment` saves, `seg info`'s rules and
`seg predict --explain` (issue 17, sections 2 and 3).

The rules printed as JSON are applied here to the raw CSV, in the columns'
own units (balance is log1p'd and every column scaled, so the thresholds
must undo both): every customer must meet exactly one rule, the one the tree
gives (predict --explain's leaf); agreement and the cost ratio are
recomputed from those rules; reason codes must add up to the difference of
squared distances between the runner-up and the assigned segment.

Run by meson as: python3 explain_cli_test.py SEG_BINARY
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
JOBS = ["admin", "management", "services"]


def run(*args):
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=600)
    return p.returncode, p.stdout, p.stderr


def ok(*args):
    rc, out, err = run(*args)
    if rc != 0:
        raise AssertionError(f"seg {' '.join(args)}: exit {rc}: {err}")
    return out


def write_customers(path, n=600, seed=4):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        g = i % 3
        balance = round(rng.lognormvariate(6 + g, 0.8) * (1 if rng.random() < 0.95 else -1), 2)
        age = int(30 + 10 * ((i // 3) % 3) + rng.gauss(0, 6))
        job = JOBS[g] if rng.random() < 0.7 else rng.choice(JOBS)
        rows.append((balance, age, job))
    with open(path, "w") as f:
        f.write("balance,age,job\n")
        for b, a, j in rows:
            f.write(f"{b},{a},{j}\n")
    return rows


def read_rows(path):
    with open(path) as f:
        head = f.readline().strip().split(",")
        out = []
        for line in f:
            vals = line.strip().split(",")
            out.append({h: v for h, v in zip(head, vals)})
    return out


def meets(row, cond):
    v = row[cond["column"]]
    op = cond["op"]
    if op == "<=":
        return float(v) <= cond["value"]
    if op == ">":
        return float(v) > cond["value"]
    if op == "==":
        return v == cond["value"]
    if op == "!=":
        return v != cond["value"]
    raise AssertionError(f"unknown op {op}")


def leaves_by_rules(explained, rows):
    """Each row's one matching leaf, by the JSON rules alone."""
    out = []
    for i, row in enumerate(rows):
        hits = [l["leaf"] for l in explained["leaves"] if all(meets(row, c) for c in l["conditions"])]
        if len(hits) != 1:
            raise AssertionError(f"row {i + 1} meets {len(hits)} rules: {hits}")
        out.append(hits[0])
    return out


class Explain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "customers.csv")
        write_customers(cls.data)
        cls.rows = read_rows(cls.data)
        cls.model = os.path.join(cls.tmp.name, "m.seg")
        cls.segment_json = json.loads(ok("segment", cls.data, "--k", "4", "--log1p", "balance",
                                         "--model", cls.model, "-q", "--json"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def predict(self, model, *extra):
        return json.loads(ok("predict", model, self.data, "--explain", "--json", *extra))["rows"]

    def check_tree(self, ex, leaves_wanted):
        self.assertEqual(len(ex["leaves"]), leaves_wanted)
        rules = leaves_by_rules(ex, self.rows)
        # the customers of each rule, as seg counts them
        for l in ex["leaves"]:
            self.assertEqual(l["customers"], rules.count(l["leaf"]))
        # predict --explain's leaf is the tree's assignment: the rules give it
        rows = self.predict(self.model)
        self.assertEqual([r["leaf"] for r in rows], rules)
        # agreement from its definition
        seg_of = {l["leaf"]: l["segment"] for l in ex["leaves"]}
        agree = sum(seg_of[lf] == r["segment"] for lf, r in zip(rules, rows)) / len(rows)
        self.assertAlmostEqual(ex["agreement"], agree, places=12)
        return rules, rows

    def test_k_leaves_saved_by_segment(self):
        ex = json.loads(ok("explain", self.model, self.data, "--json"))
        self.assertEqual(ex["tree"], "saved")
        self.assertEqual(ex["k"], 4)
        self.assertEqual(sorted(l["segment"] for l in ex["leaves"]), [0, 1, 2, 3])
        self.check_tree(ex, 4)
        ops = {c["op"] for l in ex["leaves"] for c in l["conditions"]}
        self.assertTrue(ops & {"<=", ">"})
        # the text form says the same rules
        text = ok("explain", self.model, self.data)
        self.assertIn("agreement:", text)
        self.assertEqual(sum("-> segment" in line for line in text.splitlines()), 4)

    def test_segment_shows_the_rules(self):
        """seg segment gives the saved tree's rules, counts, agreement and cost
        ratio, as seg explain finds them on the same file."""
        ex = json.loads(ok("explain", self.model, self.data, "--json"))
        mine = self.segment_json["explanation"]
        self.assertEqual([l["text"] for l in mine["leaves"]], [l["text"] for l in ex["leaves"]])
        self.assertEqual([l["customers"] for l in mine["leaves"]],
                         [l["customers"] for l in ex["leaves"]])
        self.assertAlmostEqual(mine["agreement"], ex["agreement"], places=12)
        self.assertAlmostEqual(mine["cost_ratio"], ex["cost_ratio"], places=9)
        text = ok("segment", self.data, "--k", "4", "--log1p", "balance")
        part = text[text.index("the segments as rules"):]
        for l in ex["leaves"]:
            self.assertIn(l["text"], part)
        self.assertIn("agreement: %.1f %%" % (100 * ex["agreement"]), part)

    def xy_model(self):
        """Overlapping numeric segments, unscaled: features are the raw values."""
        rng = random.Random(8)
        path = os.path.join(self.tmp.name, "xy.csv")
        pts = [(rng.gauss(5 * (i % 3), 2.5), rng.gauss(3 * (i % 2), 2.5)) for i in range(500)]
        with open(path, "w") as f:
            f.write("x,y\n" + "".join(f"{a:.4f},{b:.4f}\n" for a, b in pts))
        model = os.path.join(self.tmp.name, "xy.seg")
        ok("segment", path, "--k", "3", "--scale", "none", "--model", model, "-q", "--json")
        return path, model

    def test_more_leaves(self):
        path, model = self.xy_model()
        rows = read_rows(path)
        base = json.loads(ok("explain", model, path, "--json"))
        out = os.path.join(self.tmp.name, "xy7.seg")
        ex = json.loads(ok("explain", model, path, "--json", "--leaves", "7", "--model-out", out))
        self.assertEqual(ex["tree"], "fitted")
        self.assertEqual(len(ex["leaves"]), 7)
        self.assertGreater(ex["agreement"], base["agreement"])
        rules = leaves_by_rules(ex, rows)
        pred = json.loads(ok("predict", out, path, "--explain", "--json"))["rows"]
        self.assertEqual([r["leaf"] for r in pred], rules)
        for l in ex["leaves"]:
            self.assertEqual(l["customers"], rules.count(l["leaf"]))
        info = json.loads(ok("info", out, "--json"))
        self.assertEqual(len(info["explanation"]), 7)
        rc, _, err = run("explain", model, path, "--leaves", "2")
        self.assertEqual(rc, 2, err)

    def test_threads(self):
        """--threads sets the tree search's threads: the same rules, counts and
        model file for 1, 2 and all cores; a count out of range is a usage error."""
        path, model = self.xy_model()
        outs, files = [], []
        for t in ("1", "2", "0"):
            out = os.path.join(self.tmp.name, f"xy7-t{t}.seg")
            outs.append(ok("explain", model, path, "--json", "--leaves", "7", "--threads", t,
                           "--model-out", out))
            with open(out, "rb") as f:
                files.append(f.read())
        self.assertEqual(json.loads(outs[0])["tree"], "fitted")
        self.assertEqual(outs[1], outs[0])
        self.assertEqual(outs[2], outs[0])
        self.assertEqual(files[1], files[0])
        self.assertEqual(files[2], files[0])
        rc, _, err = run("explain", model, path, "--threads", "-1")
        self.assertEqual(rc, 2, err)
        self.assertIn("--threads", err)

    def test_cost_ratio(self):
        # no scaling: the cost of the rules' segments is computed here from the file
        path, model = self.xy_model()
        ex = json.loads(ok("explain", model, path, "--json"))
        rows = read_rows(path)
        rules = leaves_by_rules(ex, rows)
        seg_of = {l["leaf"]: l["segment"] for l in ex["leaves"]}
        segs = [seg_of[l] for l in rules]
        pred = json.loads(ok("predict", model, path, "--json"))["rows"]
        model_cost = sum(r["distance"] ** 2 for r in pred)
        pts = [(float(r["x"]), float(r["y"])) for r in rows]
        tree_cost = 0.0
        for s in set(segs):
            members = [p for p, t in zip(pts, segs) if t == s]
            mx = sum(p[0] for p in members) / len(members)
            my = sum(p[1] for p in members) / len(members)
            tree_cost += sum((p[0] - mx) ** 2 + (p[1] - my) ** 2 for p in members)
        self.assertLess(ex["agreement"], 1.0)  # overlapping: a real check
        self.assertAlmostEqual(ex["cost_ratio"], tree_cost / model_cost, places=6)

    def test_separable_blobs(self):
        rng = random.Random(2)
        path = os.path.join(self.tmp.name, "blobs.csv")
        with open(path, "w") as f:
            f.write("a,b\n")
            for i in range(400):
                g = i % 4  # corners of a square, far apart
                f.write(f"{rng.gauss(30 * (g % 2), 1):.3f},{rng.gauss(-20 * (g // 2), 1):.3f}\n")
        model = os.path.join(self.tmp.name, "blobs.seg")
        ok("segment", path, "--k", "4", "--model", model, "-q", "--json")
        ex = json.loads(ok("explain", model, path, "--json"))
        self.assertEqual(ex["agreement"], 1.0)
        rules = leaves_by_rules(ex, read_rows(path))
        seg_of = {l["leaf"]: l["segment"] for l in ex["leaves"]}
        pred = json.loads(ok("predict", model, path, "--json"))["rows"]
        self.assertEqual([seg_of[l] for l in rules], [r["segment"] for r in pred])

    def test_reason_codes(self):
        # three columns: the three reasons are all of them, so they add up
        rows = self.predict(self.model, "--all-distances")
        for r in rows:
            a, ru = r["segment"], r["runner_up"]
            d = r["distances"]
            self.assertNotEqual(a, ru)
            self.assertEqual(ru, min((j for j in range(len(d)) if j != a), key=lambda j: d[j]))
            want = d[ru] ** 2 - d[a] ** 2
            self.assertEqual(len(r["reasons"]), 3)
            total = sum(x["contribution"] for x in r["reasons"])
            self.assertAlmostEqual(r["gap"], want, delta=1e-6 * (1 + abs(want)))
            self.assertAlmostEqual(total, r["gap"], delta=1e-9 * (1 + abs(want)))
            self.assertEqual(sorted(x["column"] for x in r["reasons"]), ["age", "balance", "job"])
            contribs = [x["contribution"] for x in r["reasons"]]
            self.assertEqual(contribs, sorted(contribs, reverse=True))
        # words in the columns' units
        num = [x["text"] for r in rows for x in r["reasons"] if x["column"] == "age"]
        self.assertTrue(all(t.startswith("age ") and " vs segment mean " in t for t in num))
        # the CSV form: the same columns added after predict's own
        csv = ok("predict", self.model, self.data, "--explain", "--flag-outliers")
        head = csv.splitlines()[0].split(",")
        self.assertEqual(head[:3], ["id", "segment", "distance"])
        self.assertIn("flag", head)
        self.assertEqual(head[-7:], ["leaf", "rule", "runner_up", "gap", "reason_1", "reason_2",
                                     "reason_3"])
        self.assertEqual(len(csv.splitlines()), len(self.rows) + 1)

    def test_ward_saves_rules(self):
        model = os.path.join(self.tmp.name, "ward.seg")
        ok("segment", self.data, "--k", "3", "--method", "ward", "--model", model, "-q", "--json")
        info = json.loads(ok("info", model, "--json"))
        self.assertEqual(sorted(l["segment"] for l in info["explanation"]), [0, 1, 2])
        ex = json.loads(ok("explain", model, self.data, "--json"))
        self.assertEqual(ex["tree"], "saved")
        leaves_by_rules(ex, self.rows)

    def test_model_files(self):
        # seg info shows the saved rules
        info = json.loads(ok("info", self.model, "--json"))
        self.assertEqual(len(info["explanation"]), 4)
        self.assertIn("explanation rules", ok("info", self.model))
        # a file of an older writer (no TREE section) still loads everywhere
        with open(self.model, "rb") as f:
            blob = f.read()
        pos, out = 24, bytearray(blob[:24])
        found = False
        while pos < len(blob) - 4:
            tag = blob[pos:pos + 4]
            size = struct.unpack("<Q", blob[pos + 4:pos + 12])[0]
            if tag == b"TREE":
                found = True
            else:
                out += blob[pos:pos + 12 + size]
            pos += 12 + size
        self.assertTrue(found)
        out[16:24] = struct.pack("<Q", len(out) + 4)
        out += struct.pack("<I", zlib.crc32(bytes(out)) & 0xFFFFFFFF)
        old = os.path.join(self.tmp.name, "old.seg")
        with open(old, "wb") as f:
            f.write(bytes(out))
        self.assertIsNone(json.loads(ok("info", old, "--json"))["explanation"])
        ex = json.loads(ok("explain", old, self.data, "--json"))
        self.assertEqual(ex["tree"], "fitted")
        self.assertEqual(len(ex["leaves"]), 4)
        rows = json.loads(ok("predict", old, self.data, "--explain", "--json"))["rows"]
        self.assertNotIn("leaf", rows[0])
        self.assertIn("reasons", rows[0])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
