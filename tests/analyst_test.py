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
import xml.etree.ElementTree as ET

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
SRC = sys.argv[2] if len(sys.argv) > 2 else "."
BANK = os.path.join(SRC, "examples", "data", "bank-full.csv")
HEAD = os.path.join(SRC, "tests", "data", "bank-plain-head.csv")


def run(*args):
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900)
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

    def test_bank_full_reproduced(self):
        """The issue's done-when: predict on the training rows gives the fit's labels."""
        model, assign, out = self.path("b.seg"), self.path("b.csv"), self.path("p.csv")
        code, _, err = run("segment", BANK, "--target", "y", "--drop", "duration", "--k", "4",
                           "--model", model, "--assignments", assign)
        self.assertEqual(code, 0, err)
        code, _, err = run("predict", model, BANK, "--output", out)
        self.assertEqual(code, 0, err)
        with open(assign) as a, open(out) as b:
            self.assertEqual(a.read(), b.read())

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

    def test_ward_model_records_what_was_left_out(self):
        """A Ward model says what it left out and why, as a k-means one does."""
        model = self.path("w.seg")
        code, _, err = run("segment", HEAD, "--method", "ward", "--k", "3", "--drop", "duration",
                           "--target", "y", "--model", model, "--quiet")
        self.assertEqual(code, 0, err)
        code, text, err = run("info", model, "--json")
        self.assertEqual(code, 0, err)
        left = {c["column"]: c["reason"] for c in json.loads(text)["preparation"]["left_out"]}
        self.assertEqual(left["duration"], "dropped (--drop)")
        self.assertTrue(left["y"].startswith("the outcome (--target)"), left)
        self.assertEqual(set(left), {"duration", "y"})

    def test_info_profiles_and_preparation(self):
        """seg info shows the preparation the fit was told (kept in the model
        file) and the profiles in the data's units, the same as seg segment."""
        model, assign = self.fit("--scale", "robust", "--impute-order", "scale-first",
                                 "--describe", "campaign")
        code, text, err = run("info", model, "--json")
        self.assertEqual(code, 0, err)
        info = json.loads(text)
        prep = info["preparation"]
        self.assertEqual(prep["scale"], "robust")
        self.assertEqual(prep["impute_order"], "scale-first")
        self.assertEqual(prep["described"], ["campaign"])
        left = {c["column"]: c["reason"] for c in prep["left_out"]}
        self.assertEqual(left, {"y": "dropped (--drop)", "duration": "dropped (--drop)"})
        labels = [int(r["segment"]) for r in read_csv(assign)]
        rows = read_csv(HEAD)
        for g in info["segments"]:
            mine = [r for r, l in zip(rows, labels) if l == g["id"]]
            num = {p["column"]: p for p in g["profile"]["numeric"]}
            self.assertAlmostEqual(num["balance"]["mean"],
                                   sum(float(r["balance"]) for r in mine) / len(mine), places=6)
            self.assertAlmostEqual(num["balance"]["population_mean"],
                                   sum(float(r["balance"]) for r in rows) / len(rows), places=6)
            cat = {p["column"]: p for p in g["profile"]["categorical"]}
            top = cat["job"]["top"][0]
            share = sum(r["job"] == top["level"] for r in mine) / len(mine)
            self.assertAlmostEqual(top["share"], share, places=12)
            self.assertGreaterEqual(top["share"], max(
                sum(r["job"] == lv for r in mine) / len(mine) for lv in {r["job"] for r in rows}))
            desc = {p["column"] for p in g["profile"]["described"]["numeric"]}
            self.assertEqual(desc, {"campaign"})
            # Each trait of the label: its phrase in the label, at least half
            # a population standard deviation, never a described column.
            self.assertLessEqual(len(g["profile"]["traits"]), 3)
            for t in g["profile"]["traits"]:
                self.assertIn(t["phrase"], g["label"])
                self.assertGreaterEqual(abs(t["z"]), 0.5)
                self.assertNotEqual(t["column"], "campaign")
            if not g["profile"]["traits"]:
                self.assertEqual(g["label"], "close to average")
        code, text, err = run("info", model)
        self.assertEqual(code, 0, err)
        self.assertIn("after the scaling statistics (scale-first); scaling robust", text)
        self.assertIn("described, not clustered (profiled per segment, never in a label): campaign",
                      text)
        self.assertIn("all customers (500)", text)
        self.assertIn("  left out: y, dropped (--drop)", text)
        # seg segment prints the same profiles as seg info.
        code, seg_text, err = run("segment", HEAD, "--drop", "y,duration", "--k", "4", "--seed",
                                  "2", "--scale", "robust", "--impute-order", "scale-first",
                                  "--describe", "campaign")
        self.assertEqual(code, 0, err)
        # (seg info adds the model's explanation rules after the profiles.)
        shared = text[text.index("preparation:"):]
        shared = shared[:shared.index("\nexplanation rules")] if "\nexplanation rules" in shared else shared
        self.assertIn("explanation rules", text)
        self.assertIn(shared, seg_text)

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


def outcome_counts(path, target, labels):
    """Conversions and contacts per segment, counted here from the CSV."""
    rows = read_csv(path)
    conv, total = {}, {}
    for r, lab in zip(rows, labels):
        y = 1 if r[target].strip().lower() in ("yes", "1", "true") else 0
        conv[lab] = conv.get(lab, 0) + y
        total[lab] = total.get(lab, 0) + 1
    return conv, total


class Campaign(Base):
    def test_conversion_lift_plan(self):
        assign = self.path("a.csv")
        code, out, err = run("segment", HEAD, "--target", "y", "--drop", "duration", "--k", "3",
                             "--seed", "1", "--json", "--assignments", assign,
                             "--cost-per-contact", "2", "--revenue-per-conversion", "30")
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        labels = [int(r["segment"]) for r in read_csv(assign)]
        conv, total = outcome_counts(HEAD, "y", labels)
        overall = sum(conv.values()) / sum(total.values())
        self.assertNotIn("y=yes", s["features"])
        self.assertAlmostEqual(s["overall_conversion"], overall, places=12)
        z = 1.959963984540054
        for g in s["segments"]:
            j = g["id"]
            p, n = conv[j] / total[j], total[j]
            self.assertEqual(g["contacts"], n)
            self.assertEqual(g["conversions"], conv[j])
            self.assertAlmostEqual(g["conversion"], p, places=12)
            self.assertAlmostEqual(g["lift"], p / overall, places=12)
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
            self.assertAlmostEqual(g["conversion_low"], max(0, centre - half), places=12)
            self.assertAlmostEqual(g["conversion_high"], min(1, centre + half), places=12)
            self.assertAlmostEqual(g["roi"], (30 * conv[j] - 2 * n) / (2 * n), places=12)
        order = sorted(conv, key=lambda j: (-conv[j] / total[j], j))
        steps = s["plan"]["steps"]
        self.assertEqual(steps[-1]["segments"], order)
        profits = []
        for t, st in enumerate(steps):
            c = sum(conv[j] for j in order[:t + 1])
            m = sum(total[j] for j in order[:t + 1])
            self.assertEqual(st["contacts"], m)
            self.assertEqual(st["conversions"], c)
            self.assertEqual(st["contacts_avoided"], sum(total.values()) - m)
            self.assertAlmostEqual(st["conversion_share"], c / sum(conv.values()), places=12)
            profits.append(30 * c - 2 * m)
        self.assertEqual(s["plan"]["recommended_step"], profits.index(max(profits)))

    def test_control_uplift(self):
        rows = read_csv(HEAD)
        data = self.path("ctl.csv")
        with open(data, "w", newline="") as f:
            w = csv.DictWriter(f, list(rows[0].keys()) + ["held"])
            w.writeheader()
            for i, r in enumerate(rows):
                w.writerow(dict(r, held="yes" if i % 4 == 0 else "no"))
        assign = self.path("a.csv")
        code, out, err = run("segment", data, "--target", "y", "--control", "held", "--drop",
                             "duration", "--k", "2", "--json", "--assignments", assign)
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        labels = [int(r["segment"]) for r in read_csv(assign)]
        self.assertNotIn("held=yes", s["features"])
        for g in s["segments"]:
            j = g["id"]
            t = [r["y"] == "yes" for i, r in enumerate(rows) if labels[i] == j and i % 4]
            h = [r["y"] == "yes" for i, r in enumerate(rows) if labels[i] == j and i % 4 == 0]
            self.assertEqual(g["contacts"], len(t))
            self.assertEqual(g["held_out"], len(h))
            self.assertAlmostEqual(g["uplift"], sum(t) / len(t) - sum(h) / len(h), places=12)

    def test_bad_target(self):
        code, _, err = run("segment", HEAD, "--target", "job", "--k", "2")
        self.assertEqual(code, 1)
        self.assertIn("'management' is not yes/no", err)
        code, _, err = run("segment", HEAD, "--control", "y", "--k", "2")
        self.assertEqual(code, 2)
        code, _, err = run("segment", HEAD, "--cost-per-contact", "1", "--k", "2")
        self.assertEqual(code, 2)
        self.assertIn("go together", err)


class Sweep(Base):
    def test_sweep_json_and_rule(self):
        code, out, err = run("segment", HEAD, "--drop", "y,duration", "--k-min", "2",
                             "--k-max", "5", "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual(err, "")  # no progress bar when stderr is not a terminal
        s = json.loads(out)
        self.assertEqual([r["k"] for r in s["sweep"]], [2, 3, 4, 5])
        for r in s["sweep"]:
            for key in ("inertia", "silhouette", "davies_bouldin", "calinski_harabasz",
                        "smallest_share", "largest_share", "stability",
                        "worst_segment_stability"):
                self.assertIn(key, r)
            self.assertTrue(-1 <= r["stability"] <= 1)
        # The rule of docs/guide.md: the largest k whose stability and
        # worst-segment stability both reach 0.8; when none does, the best
        # silhouette among the k with stability >= 0.8 (or, if none, the most
        # stable); sizes only warn.
        rows = s["sweep"]
        held = sorted((r for r in rows if r["stability"] >= 0.8
                       and r["worst_segment_stability"] >= 0.8), key=lambda r: -r["k"])
        if held:
            others = sorted((r for r in rows if r not in held),
                            key=lambda r: (-r["worst_segment_stability"], r["k"]))
            ranked = held + others
            lost = "fewer" if len(held) >= 2 else "stability"
        else:
            top = max(r["stability"] for r in rows)
            bar = 0.8 if top >= 0.8 else top
            ranked = sorted(rows, key=lambda r: (r["stability"] < bar, -r["silhouette"], r["k"]))
            lost = "stability" if ranked[1]["stability"] < bar else "silhouette"
        self.assertEqual(s["k"], ranked[0]["k"])
        up = s["runner_up"]
        self.assertEqual(up["k"], ranked[1]["k"])
        self.assertEqual(up["lost_on"], lost)
        self.assertIn("k = %d" % up["k"], up["why"])
        self.assertIn("k = %d" % s["k"], s["choice"])
        c = ranked[0]
        if c["smallest_share"] < 0.05 or c["largest_share"] > 0.60:
            self.assertIn("k = %d" % s["k"], s["choice_warning"])
        else:
            self.assertIsNone(s["choice_warning"])
        # When no k holds up, the runner-up's reason says so and never
        # claims a bar the chosen k does not meet (the bank's customer
        # columns without age and marital: every k below 0.8).
        code, out, err = run("segment", BANK, "--columns",
                             "job,education,default,balance,housing,loan", "--json")
        self.assertEqual(code, 0, err)
        low = json.loads(out)
        chosen = [r for r in low["sweep"] if r["k"] == low["k"]][0]
        self.assertLess(chosen["stability"], 0.8)  # the case this checks
        self.assertNotIn("meets", low["runner_up"]["why"])
        self.assertIn("no k reached 0.80", low["runner_up"]["why"])
        # Off: no stability, the choice by silhouette alone.
        code, out, err = run("segment", HEAD, "--drop", "y,duration", "--k-min", "2",
                             "--k-max", "5", "--json", "--stability-resamples", "0")
        self.assertEqual(code, 0, err)
        off = json.loads(out)
        self.assertTrue(all(r["stability"] is None for r in off["sweep"]))
        best = max(off["sweep"], key=lambda r: (r["silhouette"], -r["k"]))
        self.assertEqual(off["k"], best["k"])
        code, _, err = run("segment", HEAD, "--stability-resamples", "1")
        self.assertEqual(code, 2)
        self.assertIn("--stability-resamples", err)
        self.assertEqual(s["k_chosen_by"], "sweep")
        self.assertEqual([r["k"] for r in s["sweep"] if r["chosen"]], [s["k"]])
        self.assertEqual(len(s["segments"]), s["k"])
        # The chosen k's fit is the fit reported.
        chosen = [r for r in s["sweep"] if r["chosen"]][0]
        self.assertAlmostEqual(chosen["inertia"], s["inertia"], delta=1e-9 * s["inertia"])
        code, _, err = run("segment", HEAD, "--k", "3", "--k-min", "2")
        self.assertEqual(code, 2)

    def test_profiles_and_warnings(self):
        assign = self.path("a.csv")
        code, out, err = run("segment", HEAD, "--drop", "y,duration", "--k", "6", "--json",
                             "--assignments", assign)
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        labels = [int(r["segment"]) for r in read_csv(assign)]
        rows = read_csv(HEAD)
        for g in s["segments"]:
            ages = sorted(float(r["age"]) for r, l in zip(rows, labels) if l == g["id"])
            prof = {p["column"]: p for p in g["profile"]["numeric"]}
            self.assertAlmostEqual(prof["age"]["mean"], sum(ages) / len(ages), places=9)
            mid = len(ages) // 2
            med = ages[mid] if len(ages) % 2 else (ages[mid - 1] + ages[mid]) / 2
            self.assertAlmostEqual(prof["age"]["median"], med, places=9)
            self.assertTrue(g["label"])
            self.assertEqual(len(g["profile"]["distinguishing"]), 5)
            small = g["share"] < 0.05 or g["share"] > 0.60
            self.assertEqual(any(("segment %d " % g["id"]) in w for w in s["warnings"]), small)


class Report(Base):
    def test_report_well_formed(self):
        report = self.path("r.html")
        code, out, err = run("segment", HEAD, "--target", "y", "--drop", "duration",
                             "--k-max", "5", "--report", report)
        self.assertEqual(code, 0, err)
        with open(report, encoding="utf-8") as f:
            text = f.read()
        root = ET.fromstring(text.split("\n", 1)[1])  # after the DOCTYPE line
        svgs = root.findall(".//{http://www.w3.org/2000/svg}svg")
        titles = [s.find("{http://www.w3.org/2000/svg}title").text for s in svgs]
        for want in ("inertia against k", "silhouette against k", "Segment sizes",
                     "Standardised profile of each segment", "Conversion and lift per segment",
                     "Customers on the first two principal components"):
            self.assertIn(want, titles)
        self.assertNotIn("<script", text)
        # The sweep table carries the stability of each k, as the JSON does.
        code, out, err = run("segment", HEAD, "--target", "y", "--drop", "duration",
                             "--k-max", "5", "--json")
        self.assertEqual(code, 0, err)
        doc = json.loads(out)
        self.assertIn("<th class=\"n\">stability</th>", text)
        for r in doc["sweep"]:
            self.assertIn("<td class=\"n\">%.3f</td><td class=\"n\">%.3f</td>"
                          "<td class=\"n\">%.1f %%</td>"
                          % (r["stability"], r["worst_segment_stability"],
                             100 * r["smallest_share"]), text)
        self.assertIn("Runner-up: k = %d" % doc["runner_up"]["k"], text)
        for bad in ("src=\"http", "href=\"http", "url("):
            self.assertNotIn(bad, text)

    def ward_report(self, *extra):
        """Runs Ward with a report; returns the JSON, the page's root and its dendrogram."""
        report = self.path("w.html")
        code, out, err = run("segment", HEAD, "--drop", "duration", "--method", "ward",
                             "--json", "--report", report, *extra)
        self.assertEqual(code, 0, err)
        with open(report, encoding="utf-8") as f:
            root = ET.fromstring(f.read().split("\n", 1)[1])
        svg = "{http://www.w3.org/2000/svg}"
        trees = [s for s in root.iter(svg + "svg")
                 if s.find(svg + "title").text == "Ward dendrogram with the cut"]
        self.assertEqual(len(trees), 1)
        return json.loads(out), root, trees[0]

    def test_ward_report_dendrogram(self):
        js, root, tree = self.ward_report("--k", "4", "--target", "y")
        svg = "{http://www.w3.org/2000/svg}"
        titles = [s.find(svg + "title").text for s in root.iter(svg + "svg")]
        for want in ("Segment sizes", "Standardised profile of each segment",
                     "Conversion and lift per segment",
                     "Customers on the first two principal components"):
            self.assertIn(want, titles)
        merges = [p for p in tree.iter(svg + "path") if p.get("class") == "merge"]
        leaves = [r for r in tree.iter(svg + "rect") if r.get("class") == "leaf"]
        cuts = [c for c in tree.iter(svg + "line") if c.get("class") == "cut"]
        # The last 30 of the 499 merges over 31 collapsed groups, one cut line.
        self.assertEqual(len(merges), 30)
        self.assertEqual(len(leaves), 31)
        self.assertEqual(len(cuts), 1)
        # Every customer is in exactly one group, and the groups of each
        # segment add up to the segment's size in the JSON.
        per_segment = {}
        for r in leaves:
            seg, count = r.find(svg + "title").text.split(": ")
            seg = int(seg.split()[1])
            per_segment[seg] = per_segment.get(seg, 0) + int(count)
        self.assertEqual(sum(per_segment.values()), js["n"])
        self.assertEqual(per_segment, {g["id"]: g["size"] for g in js["segments"]})
        # The cut lies above the merges within segments and below the k - 1
        # merges between them: 3 drawn merges (the top ones) cross it.
        cut_y = float(cuts[0].get("y1"))
        tops = sorted(float(p.get("d").split("V")[1].split("H")[0]) for p in merges)
        self.assertEqual(sum(y < cut_y for y in tops), 3)
        self.assertTrue(all(g["label"] for g in js["segments"]))

    def test_ward_pre_cluster_report(self):
        js, _, tree = self.ward_report("--k", "3", "--pre-cluster", "12")
        svg = "{http://www.w3.org/2000/svg}"
        merges = [p for p in tree.iter(svg + "path") if p.get("class") == "merge"]
        leaves = [r for r in tree.iter(svg + "rect") if r.get("class") == "leaf"]
        # The micro-clusters' tree: all 11 merges over the 12 micro-clusters.
        self.assertEqual(js["ward_rows"], 12)
        self.assertEqual(len(merges), 11)
        self.assertEqual(len(leaves), 12)
        self.assertEqual(len({r.get("fill") for r in leaves}), 3)


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
