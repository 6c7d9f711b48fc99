"""`seg segment --min-segment-size N`: a segment of fewer than N customers has
no profile in the JSON summary, the HTML report, the model file or `seg info`.

The data are three far-apart groups of 40, 30 and 2 customers, so with --k 3
the segments are the groups (numbered by size: 0, 1, 2) and the 2-customer
segment is the one to withhold; with N = 5 the 30-customer one is withheld
with it (else population minus segment 0 minus segment 1 would give it back).

Run by meson as: python3 kanon_cli_test.py SEG_BINARY
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
SVG = "{http://www.w3.org/2000/svg}"
TINY = 2  # segment id of the 2-customer group


def run(*args):
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def heat_cells(html_path):
    """Texts of the report's heatmap cells by segment column."""
    root = ET.parse(html_path).getroot()
    for svg in root.iter(SVG + "svg"):
        title = svg.find(SVG + "title")
        if title is not None and title.text == "Standardised profile of each segment":
            break
    else:
        raise AssertionError("no heatmap in the report")
    heads = {}  # x of each column's centre -> segment id, from the "seg j" headers
    for t in svg.iter(SVG + "text"):
        if t.text and t.text.startswith("seg "):
            heads[t.get("x")] = int(t.text[4:])
    cells = {j: [] for j in heads.values()}
    for t in svg.iter(SVG + "text"):
        if t.get("x") in heads and not t.text.startswith("seg "):
            cells[heads[t.get("x")]].append(t.text)
    return cells


def map_markers(html_path):
    """Segment ids written on the centre markers of the report's PCA map."""
    root = ET.parse(html_path).getroot()
    for svg in root.iter(SVG + "svg"):
        title = svg.find(SVG + "title")
        if title is not None and title.text.startswith("Customers on the first two"):
            return sorted(int(t.text) for t in svg.iter(SVG + "text")
                          if t.get("font-weight") == "bold" and t.get("fill") == "#fff")
    raise AssertionError("no map in the report")


class MinSegmentSize(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.csv = os.path.join(cls.tmp.name, "c.csv")
        r = random.Random(7)
        with open(cls.csv, "w") as f:
            f.write("spend,visits,kind\n")
            for cx, cy, kind, n in ((0, 0, "a", 40), (10, 0, "b", 30), (50, 50, "z", 2)):
                for _ in range(n):
                    f.write("%.4f,%.4f,%s\n" % (cx + r.gauss(0, 1), cy + r.gauss(0, 1), kind))
        cls.out = {}
        for n in (0, 5):
            base = os.path.join(cls.tmp.name, "n%d" % n)
            code, out, err = run("segment", cls.csv, "--k", "3", "--min-segment-size", str(n),
                                 "--json", "--model", base + ".seg", "--report", base + ".html")
            assert code == 0, err
            cls.out[n] = (json.loads(out), base)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_segments_are_the_groups(self):
        doc, _ = self.out[0]
        self.assertEqual([s["size"] for s in doc["segments"]], [40, 30, 2])

    def test_json_has_no_profile_for_small_segment(self):
        doc, _ = self.out[5]
        self.assertEqual(doc["min_segment_size"], 5)
        seg = doc["segments"]
        self.assertTrue(seg[TINY]["profile_withheld"])
        self.assertIsNone(seg[TINY]["profile"])
        self.assertEqual(seg[TINY]["label"], "fewer than 5 customers (profile withheld)")
        self.assertTrue(seg[1]["profile_withheld"])
        self.assertIsNone(seg[1]["profile"])
        self.assertIn("would reveal a segment of fewer than 5", seg[1]["label"])
        self.assertFalse(seg[0]["profile_withheld"])
        # Segment 0's profile is unchanged, but for the level z of only 2
        # customers, which is folded into "(other)" (feature names too).
        shown = json.loads(json.dumps(self.out[0][0]["segments"][0]["profile"])
                           .replace('"level": "z"', '"level": "(other)"')
                           .replace('"item": "kind=z"', '"item": "kind=(other)"'))
        self.assertEqual(seg[0]["profile"], shown)
        self.assertNotIn("kind=z", doc["features"])
        self.assertIn("kind=(other)", doc["features"])
        self.assertEqual(seg[2]["size"], 2)  # sizes stay

    def test_threshold_zero_keeps_every_profile(self):
        doc, _ = self.out[0]
        self.assertEqual(doc["min_segment_size"], 0)
        for s in doc["segments"]:
            self.assertFalse(s["profile_withheld"])
            self.assertIsNotNone(s["profile"])
        means = {c["column"]: c["mean"] for c in doc["segments"][TINY]["profile"]["numeric"]}
        self.assertAlmostEqual(means["spend"], 50, delta=2)

    def test_report_holds_no_statistic_of_withheld_segments(self):
        _, base0 = self.out[0]
        _, base5 = self.out[5]
        cells0, cells5 = heat_cells(base0 + ".html"), heat_cells(base5 + ".html")
        # Without a threshold, the tiny segment's column shows its differences ...
        self.assertTrue(cells0[TINY])
        # ... with one, its column and its partner's are empty; segment 0's
        # differences are the same (rows that only the withheld segments
        # made stand out, such as kind=z, are gone).
        self.assertEqual(cells5[TINY], [])
        self.assertEqual(cells5[1], [])
        self.assertTrue(cells5[0])
        self.assertTrue(all(v in cells0[0] for v in cells5[0]))
        self.assertEqual(map_markers(base0 + ".html"), [0, 1, 2])
        self.assertEqual(map_markers(base5 + ".html"), [0])
        with open(base5 + ".html") as f:
            html = f.read()
        self.assertIn("fewer than 5 customers (profile withheld)", html)
        self.assertIn("withheld: profile of segment 2 (fewer than 5 customers", html)

    def test_model_file_and_info(self):
        _, base = self.out[5]
        code, out, err = run("info", base + ".seg", "--json")
        self.assertEqual(code, 0, err)
        doc = json.loads(out)
        self.assertEqual(doc["min_segment_size"], 5)
        self.assertEqual([s["profile_withheld"] for s in doc["segments"]], [False, True, True])
        self.assertEqual(doc["segments"][TINY]["label"],
                         "fewer than 5 customers (profile withheld)")
        code, out, err = run("info", base + ".seg")
        self.assertEqual(code, 0, err)
        self.assertIn("withheld: profile of segment 2 (fewer than 5 customers", out)
        self.assertIn("withheld: profile of segment 1 too", out)

    def test_terminal_flags_withheld(self):
        code, out, err = run("segment", self.csv, "--k", "3", "--min-segment-size", "5")
        self.assertEqual(code, 0, err)
        self.assertIn("fewer than 5 customers (profile withheld)", out)
        self.assertIn("withheld: profile of segment 2", out)
        code, out, err = run("segment", self.csv, "--k", "3")
        self.assertEqual(code, 0, err)
        self.assertNotIn("withheld", out)

    def test_minibatch_withholds_too(self):
        base = os.path.join(self.tmp.name, "mb")
        for dtype in ("f64", "f32"):
            code, out, err = run("segment", self.csv, "--k", "3", "--method", "minibatch",
                                 "--dtype", dtype, "--min-segment-size", "5", "--json",
                                 "--model", base + ".seg")
            self.assertEqual(code, 0, err)
            doc = json.loads(out)
            self.assertEqual(doc["min_segment_size"], 5)
            by_size = {s["size"]: s for s in doc["segments"]}
            self.assertEqual(sorted(by_size), [2, 30, 40])
            self.assertTrue(by_size[2]["profile_withheld"])
            self.assertIsNone(by_size[2]["profile"])
            self.assertTrue(by_size[30]["profile_withheld"])
            self.assertFalse(by_size[40]["profile_withheld"])
            code, out, err = run("info", base + ".seg", "--json")
            self.assertEqual(code, 0, err)
            info = json.loads(out)
            self.assertEqual(info["min_segment_size"], 5)
            self.assertEqual(sorted(s["profile_withheld"] for s in info["segments"]),
                             [False, True, True])

    def test_usage_errors(self):
        code, _, err = run("segment", self.csv, "--k", "3", "--min-segment-size", "-1")
        self.assertEqual(code, 2)
        self.assertIn("--min-segment-size takes a whole number", err)
        code, out, _ = run("segment", "--help")
        self.assertIn("--min-segment-size", out)


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
