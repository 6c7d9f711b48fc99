"""The fairness report and the opt-out (issue 17.1, 17.4) on the user's path.

`seg fairness --json` on seeded random partitions (many groups, groups absent
from segments and from the data, missing values, suppressed cells) against
the definitions computed here in plain Python: counts, shares,
representation ratio, total-variation distance, balance, NMI. `seg segment
--protected --target --opt-out --json` against the same definitions on its
own assignments and plan: selection rates, adverse impact ratio, Fisher's
exact p-value (exact fractions, math.comb), opted-out customers in no plan
count; `seg predict --opt-out` marks them; errors name file and line.

Run by meson as: python3 fairness_cli_test.py SEG_BINARY
"""
import csv
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from fractions import Fraction

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
TOL = 1e-9


def run(*args):
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=600)
    return p.returncode, p.stdout, p.stderr


def fisher_two_sided(a, b, c, d):
    """Sum of the hypergeometric probabilities no larger than the observed one, exactly."""
    r1, r2, c1 = a + b, c + d, a + c
    n = r1 + r2

    def prob(x):
        return Fraction(math.comb(r1, x) * math.comb(r2, c1 - x), math.comb(n, c1))

    po = prob(a)
    return float(sum(prob(x) for x in range(max(0, c1 - r2), min(r1, c1) + 1) if prob(x) <= po))


def definitions(labels, groups, k, g, selected=None):
    """The figures of the issue's definitions; groups[i] None = unknown."""
    rows = [(s, c, selected[i] if selected else 0) for i, (s, c) in enumerate(zip(labels, groups))
            if c is not None]
    n = len(rows)
    cnt = [[0] * g for _ in range(k + 1)]
    for s, c, _ in rows:
        cnt[s][c] += 1
        cnt[k][c] += 1
    size = [sum(r) for r in cnt]
    p = [cnt[k][c] / n for c in range(g)]
    out = {"cells": {}, "seg": {}}
    for s in range(k + 1):
        if size[s] == 0:
            out["seg"][s] = (None, None)
            continue
        ps = [cnt[s][c] / size[s] for c in range(g)]
        tvd = sum(abs(ps[c] - p[c]) for c in range(g)) / 2
        bal = min(min(ps[c] / p[c], p[c] / ps[c]) if ps[c] > 0 else 0.0
                  for c in range(g) if p[c] > 0)
        out["seg"][s] = (tvd, bal)
        for c in range(g):
            out["cells"][s, c] = (cnt[s][c], ps[c], ps[c] / p[c] if p[c] > 0 else None)
    segs = [out["seg"][s] for s in range(k) if size[s] > 0]
    out["overall_balance"] = min(b for _, b in segs)
    out["max_tvd"] = max(t for t, _ in segs)
    hs = -sum(size[s] / n * math.log(size[s] / n) for s in range(k) if size[s])
    hg = -sum(x * math.log(x) for x in p if x > 0)
    mi = sum(cnt[s][c] / n * math.log(cnt[s][c] * n / (size[s] * cnt[k][c]))
             for s in range(k) for c in range(g) if cnt[s][c])
    out["mi"] = mi
    out["nmi"] = 2 * mi / (hs + hg) if hs > 0 and hg > 0 else 0.0
    out["size"] = size
    if selected:
        tot_sel = sum(x for _, _, x in rows)
        sel = [sum(x for _, c2, x in rows if c2 == c) for c in range(g)]
        gsize = cnt[k]
        rates = [sel[c] / gsize[c] if gsize[c] else None for c in range(g)]
        present = [r for r in rates if r is not None]
        hi = max(present)
        out["rates"] = rates
        out["sel"] = sel
        out["air"] = min(present) / hi if hi > 0 else None
        out["fisher"] = [fisher_two_sided(sel[c], gsize[c] - sel[c], tot_sel - sel[c],
                                          n - gsize[c] - (tot_sel - sel[c]))
                         if gsize[c] and n - gsize[c] else None for c in range(g)]
    return out


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOL * max(1.0, abs(b))


class FairnessCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def check_attr(self, att, labels, groups, k, names, min_cell, selected=None):
        g = len(names)
        self.assertEqual(att["groups"], names)
        want = definitions(labels, groups, k, g, selected)
        self.assertTrue(close(att["overall_balance"], want["overall_balance"]))
        self.assertTrue(close(att["max_tvd"], want["max_tvd"]))
        self.assertTrue(close(att["nmi"], want["nmi"]), (att["nmi"], want["nmi"]))
        self.assertTrue(close(att["mutual_information"], want["mi"]))
        suppressed = 0
        for srow in att["segments"]:
            s = k if srow["segment"] == "all" else srow["segment"]
            hidden = 0 < want["size"][s] < min_cell
            self.assertEqual(srow["size"], None if hidden else want["size"][s])
            tvd, bal = want["seg"][s]
            if not hidden and s < k:
                self.assertTrue(close(srow["tvd"], tvd), (s, srow["tvd"], tvd))
                self.assertTrue(close(srow["balance"], bal), (s, srow["balance"], bal))
            for c, cell in enumerate(srow["groups"]):
                count, share, rep = want["cells"].get((s, c), (0, None, None))
                if 0 < count < min_cell:
                    suppressed += 1
                    self.assertTrue(cell["suppressed"])
                    self.assertIsNone(cell["count"])
                    self.assertIsNone(cell["share"])
                    continue
                self.assertFalse(cell["suppressed"])
                self.assertEqual(cell["count"], count)
                self.assertTrue(close(cell["share"], share))
                self.assertTrue(close(cell["representation"], rep), (cell, rep))
        if selected:
            sel = att["selection"]
            self.assertTrue(close(sel["adverse_impact_ratio"], want["air"]))
            self.assertEqual(sel["four_fifths_flag"], want["air"] < 0.8)
            for c, grow in enumerate(sel["groups"]):
                if grow["suppressed"]:
                    continue
                self.assertEqual(grow["selected"], want["sel"][c])
                self.assertTrue(close(grow["rate"], want["rates"][c]))
                self.assertTrue(close(grow["fisher_p"], want["fisher"][c]),
                                (grow["fisher_p"], want["fisher"][c]))
        return suppressed

    def test_random_partitions(self):
        """seg fairness on seeded random partitions against the definitions."""
        total_suppressed = 0
        for seed, n, k, g in ((1, 300, 4, 12), (2, 1000, 9, 25), (3, 60, 3, 7)):
            rng = random.Random(seed)
            ids = [f"u{i:05d}" for i in range(n)]
            rng.shuffle(ids)
            labels = [rng.randrange(k) for _ in range(n)]
            # skewed groups: many small ones, so some are absent from segments
            level = [None if rng.random() < 0.03 else min(int(rng.expovariate(0.3)), g - 1)
                     for _ in range(n)]
            ages = [None if rng.random() < 0.02 else rng.uniform(20, 70) for _ in range(n)]
            with open(self.path("a.csv"), "w") as f:
                f.write("id,segment,distance\n")
                order = list(range(n))
                rng.shuffle(order)  # the join must not depend on the order
                for i in order:
                    f.write(f"{ids[i]},{labels[i]},0.5\n")
            with open(self.path("d.csv"), "w") as f:
                f.write("cust,level,age,x\n")
                for i in range(n):
                    lv = "" if level[i] is None else f"L{level[i]:02d}"
                    age = "" if ages[i] is None else f"{ages[i]:.3f}"
                    f.write(f"{ids[i]},{lv},{age},{rng.random()}\n")
            min_cell = 5
            # age bins 10, 15, 40, 60: the two first are absent from the data
            rc, out, err = run("fairness", self.path("a.csv"), self.path("d.csv"), "--id", "cust",
                               "--protected", "level,age", "--protected-bins", "age=10,15,40,60",
                               "--min-segment-size", str(min_cell), "--json")
            self.assertEqual(rc, 0, err)
            doc = json.loads(out)
            self.assertEqual(doc["k"], k)
            lv_att, age_att = doc["fairness"]["protected"]
            # levels in order of first appearance in the data
            seen = []
            for x in level:
                if x is not None and x not in seen:
                    seen.append(x)
            codes = [None if x is None else seen.index(x) for x in level]
            names = [f"L{x:02d}" for x in seen]
            total_suppressed += self.check_attr(lv_att, labels, codes, k, names, min_cell)
            edges = [10, 15, 40, 60]
            bins = [None if a is None else sum(a >= e for e in edges) for a in ages]
            self.assertEqual(age_att["binning"]["edges"], edges)
            total_suppressed += self.check_attr(
                age_att, labels, bins, k, ["< 10", "10 to < 15", "15 to < 40", "40 to < 60",
                                           ">= 60"], min_cell)
        self.assertGreater(total_suppressed, 0)

    def test_hand_case(self):
        """Two segments, groups a a a b / a b b b c c: the figures of test_fairness.c."""
        with open(self.path("a.csv"), "w") as f:
            f.write("id,segment\n" + "".join(f"{i},{0 if i < 4 else 1}\n" for i in range(10)))
        with open(self.path("d.csv"), "w") as f:
            f.write("id,g\n" + "".join(f"{i},{c}\n" for i, c in enumerate("aaababbbcc")))
        rc, out, err = run("fairness", self.path("a.csv"), self.path("d.csv"), "--id", "id",
                           "--protected", "g", "--json")
        self.assertEqual(rc, 0, err)
        att = json.loads(out)["fairness"]["protected"][0]
        s0, s1 = att["segments"][0], att["segments"][1]
        self.assertAlmostEqual(s0["tvd"], 0.35, places=12)
        self.assertEqual(s0["balance"], 0)
        self.assertAlmostEqual(s1["tvd"], 7 / 30, places=12)
        self.assertAlmostEqual(s1["balance"], 5 / 12, places=12)
        self.assertAlmostEqual(s0["groups"][0]["representation"], 1.875, places=12)
        rc, out, err = run("fairness", self.path("a.csv"), self.path("d.csv"), "--id", "id",
                           "--protected", "g")
        self.assertEqual(rc, 0, err)
        self.assertIn("NMI(segment, g)", out)

    def test_join_by_row_number(self):
        """Without --id, DATA's row numbers meet the ids seg writes without --id."""
        with open(self.path("a.csv"), "w") as f:
            f.write("id,segment\n3,1\n1,0\n2,1\n")
        with open(self.path("d.csv"), "w") as f:
            f.write("g\na\nb\nb\n")
        rc, out, err = run("fairness", self.path("a.csv"), self.path("d.csv"), "--protected", "g",
                           "--json")
        self.assertEqual(rc, 0, err)
        segs = json.loads(out)["fairness"]["protected"][0]["segments"]
        self.assertEqual([c["count"] for c in segs[0]["groups"]], [1, 0])
        self.assertEqual([c["count"] for c in segs[1]["groups"]], [0, 2])

    def test_join_errors(self):
        with open(self.path("a.csv"), "w") as f:
            f.write("id,segment\nx,0\ny,1\nz,1\n")
        with open(self.path("d.csv"), "w") as f:
            f.write('id,g\nx,a\n"y",b\nw,a\n')
        rc, _, err = run("fairness", self.path("a.csv"), self.path("d.csv"), "--id", "id",
                         "--protected", "g")
        self.assertEqual(rc, 1)
        self.assertIn(self.path("d.csv") + ":4: id 'w' has no row in " + self.path("a.csv"), err)
        with open(self.path("d.csv"), "w") as f:
            f.write("id,g\nx,a\ny,b\n")
        rc, _, err = run("fairness", self.path("a.csv"), self.path("d.csv"), "--id", "id",
                         "--protected", "g")
        self.assertEqual(rc, 1)
        self.assertIn(self.path("a.csv") + ":4: id 'z' has no row in " + self.path("d.csv"), err)
        with open(self.path("a.csv"), "w") as f:
            f.write("id,segment\nx,0\ny,1\nx,1\n")
        rc, _, err = run("fairness", self.path("a.csv"), self.path("d.csv"), "--id", "id",
                         "--protected", "g")
        self.assertEqual(rc, 1)
        self.assertIn(":4: id 'x' is also on " + self.path("a.csv") + ":2", err)

    def write_customers(self, n=400, seed=5, bad=None):
        rng = random.Random(seed)
        rows = []
        for i in range(n):
            blob = i % 2
            rows.append({
                "cid": f"c{i}", "x": f"{rng.gauss(5 * blob, 1):.4f}",
                "z": f"{rng.gauss(0, 1):.4f}",
                # group tied to the blob, so the label stands in for it
                "grp": rng.choice("ab" if blob else "bcd"),
                "age": str(rng.randint(18, 80)),
                "optout": ["yes", "No", "", "TRUE", "0", "Y", "n", "false"][i % 8],
                "buy": "yes" if rng.random() < 0.1 + 0.3 * blob else "no"})
        if bad is not None:
            rows[bad]["optout"] = "maybe"
        with open(self.path("c.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        return rows

    def test_segment_protected_target_opt_out(self):
        rows = self.write_customers()
        rc, out, err = run("segment", self.path("c.csv"), "--id", "cid", "--k", "2",
                           "--protected", "grp,age", "--protected-bins", "age=30,50",
                           "--opt-out", "optout", "--target", "buy", "--json", "--min-segment-size",
                           "10", "--assignments", self.path("a.csv"), "--model", self.path("m.seg"),
                           "--report", self.path("r.html"))
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        ET.parse(self.path("r.html"))  # well-formed
        with open(self.path("r.html")) as f:
            html = f.read()
        section = html[html.index("<h2>Fairness and opt-out</h2>"):]
        self.assertIn(f"<b>{doc['fairness']['opt_out']['opted_out']}</b> customers opted out",
                      section)
        self.assertIn("<h3>grp</h3>", section)
        self.assertIn("Adverse impact ratio", section)
        self.assertEqual(sorted(doc["columns"]), ["x", "z"])  # never features
        # the model says why they were left out (seg info)
        rc, out, err = run("info", self.path("m.seg"), "--json")
        self.assertEqual(rc, 0, err)
        left = {c["column"]: c["reason"] for c in json.loads(out)["preparation"]["left_out"]}
        for col in ("grp", "age"):
            self.assertTrue(left[col].startswith("protected (--protected)"), left)
        self.assertTrue(left["optout"].startswith("the opt-out flag"), left)
        with open(self.path("a.csv")) as f:
            seg = {r["id"]: int(r["segment"]) for r in csv.DictReader(f)}
        labels = [seg[r["cid"]] for r in rows]
        opted = [r["optout"].lower() in ("yes", "true", "1", "y") for r in rows]
        fair = doc["fairness"]
        self.assertEqual(fair["opt_out"], {"column": "optout", "opted_out": sum(opted)})
        # opted-out customers are in no plan count
        plan = doc["plan"]["steps"]
        contactable = sum(1 for o in opted if not o)
        self.assertEqual(plan[-1]["contacts"], contactable)
        for step in plan:
            want = sum(1 for lab, o in zip(labels, opted)
                       if not o and lab in step["segments"])
            self.assertEqual(step["contacts"], want)
        chosen = plan[doc["plan"]["recommended_step"]]["segments"]
        selected = [int(lab in chosen and not o) for lab, o in zip(labels, opted)]
        grp_att, age_att = fair["protected"]
        self.assertEqual(grp_att["selection"]["segments"], sorted(chosen))
        names = grp_att["groups"]
        self.check_attr(grp_att, labels, [names.index(r["grp"]) for r in rows], 2, names, 10,
                        selected)
        bins = [sum(int(r["age"]) >= e for e in (30, 50)) for r in rows]
        self.check_attr(age_att, labels, bins, 2, ["< 30", "30 to < 50", ">= 50"], 10, selected)
        self.assertTrue(any("proxy" in w for w in grp_att["warnings"]), grp_att["warnings"])
        # the terminal says it too
        rc, out, err = run("segment", self.path("c.csv"), "--id", "cid", "--k", "2",
                           "--protected", "grp,age", "--opt-out", "optout", "--target", "buy",
                           "-q")
        self.assertEqual(rc, 0, err)
        self.assertIn(f"{sum(opted)} customers opted out", out)
        self.assertIn("adverse impact ratio", out)
        self.assertIn("warning: 'grp' is not a feature, yet the segment tells it", out)
        # seg predict marks them
        rc, out, err = run("predict", self.path("m.seg"), self.path("c.csv"), "--id", "cid",
                           "--opt-out", "optout")
        self.assertEqual(rc, 0, err)
        marks = list(csv.DictReader(out.splitlines()))
        self.assertEqual([int(m["opted_out"]) for m in marks], [int(o) for o in opted])

    def test_opt_out_errors(self):
        self.write_customers(bad=6)
        rc, _, err = run("segment", self.path("c.csv"), "--id", "cid", "--k", "2",
                         "--opt-out", "optout")
        self.assertEqual(rc, 1)
        self.assertIn(self.path("c.csv") + ":8:6: column 'optout': 'maybe'", err)
        rc, _, err = run("segment", self.path("c.csv"), "--id", "cid", "--k", "2",
                         "--protected", "grp", "--method", "ward")
        self.assertEqual(rc, 2)
        rc, _, err = run("segment", self.path("c.csv"), "--protected-bins", "age=1,2")
        self.assertEqual(rc, 2)
        rc, _, err = run("segment", self.path("c.csv"), "--id", "cid", "--k", "2",
                         "--protected", "age", "--protected-bins", "age=50,30")
        self.assertEqual(rc, 2)
        self.assertIn("increasing order", err)
        for args in (("--protected", "buy", "--target", "buy"), ("--protected", "x,grp",
                     "--describe", "grp"), ("--opt-out", "buy", "--target", "buy")):
            rc, _, err = run("segment", self.path("c.csv"), "--id", "cid", "--k", "2", *args)
            self.assertEqual(rc, 2, args)
            self.assertIn("role", err)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
