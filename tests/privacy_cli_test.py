"""Privacy by construction, end to end through `seg`:

- With --min-segment-size and --target, a withheld segment's campaign figures
  appear nowhere: two data sets whose withheld segments convert differently
  but pool to the same counts give the same bytes in every output (JSON,
  terminal, HTML report, model), and the pooled figures are the ones computed
  here by hand.
- Ward models withhold like k-means ones (means absent from the model file).
- With --pseudonymize-key, no output of `seg segment` or `seg predict` holds a
  raw id or a raw customer row; without --id, no id at all.

The data are three far-apart groups of 40, 30 and 2 customers (segments 0, 1,
2 by size) with features in quarters, so every mean is exact in binary.

Run by meson as: python3 privacy_cli_test.py SEG_BINARY
"""
import hmac
import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest

SEG = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "seg"
GROUPS = (("a", 0, 0, 40), ("b", 100, 50, 30), ("z", 500, 500, 2))
KEY = b"a secret key of at least sixteen bytes"


def run(*args, cwd=None):
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=600, cwd=cwd)
    return p.returncode, p.stdout, p.stderr.decode()


def rows(world):
    """(id, spend, visits, kind, bought, held) per customer. In world "B" one
    contacted conversion moves from group b to group z: both are withheld at
    N = 5, and their pooled counts stay the same."""
    conv = {"a": 10, "b": 9, "z": 1} if world == "A" else {"a": 10, "b": 8, "z": 2}
    out = []
    for kind, sx, vy, n in GROUPS:
        held = 0 if kind == "z" else 4  # the first 4 of a and b are held out
        for i in range(n):
            h = i < held
            # held-out: 1 of 4 converted; contacted: the first conv[kind] of the rest
            y = (i == 0) if h else (i - held < conv[kind])
            out.append(("Q7X-%s-%03d" % (kind.upper(), i), sx + 2 * (i % 5) + 0.25,
                        vy + (i % 3) + 0.5, kind,
                        "yes" if y else "no", "yes" if h else "no"))
    return out


def write_csv(path, data, header="customer,spend,visits,kind,bought,held"):
    with open(path, "w") as f:
        f.write(header + "\n")
        for r in data:
            f.write(",".join(str(v) for v in r) + "\n")


def wilson(x, m, z=1.959963984540054):
    p = x / m
    mid, half = p + z * z / (2 * m), z * math.sqrt(p * (1 - p) / m + z * z / (4 * m * m))
    return (mid - half) / (1 + z * z / m), (mid + half) / (1 + z * z / m)


def no_seconds(doc):
    """A JSON document without its timings."""
    if isinstance(doc, dict):
        return {k: no_seconds(v) for k, v in doc.items() if "seconds" not in k}
    if isinstance(doc, list):
        return [no_seconds(v) for v in doc]
    return doc


def untimed(text):
    return re.sub(rb"fit [0-9.]+ s", b"fit - s", text)


class TempDir(unittest.TestCase):
    """A temporary directory for the class, self.tmp, removed after it."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()


class WithheldCampaign(TempDir):
    """--target with --min-segment-size 5: segments 1 (30) and 2 (2) are withheld."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.out = {}
        for world in "AB":
            # The same file name in both worlds: the outputs name it.
            wd = os.path.join(cls.tmp.name, world)
            os.mkdir(wd)
            csv = "c.csv"
            write_csv(os.path.join(wd, csv), rows(world))
            for method in ("kmeans", "ward"):
                for n in (0, 5):
                    base = "%s-%d" % (method, n)
                    args = ["segment", csv, "--k", "3", "--method", method, "--drop", "customer",
                            "--target", "bought", "--control", "held",
                            "--min-segment-size", str(n), "--cost-per-contact", "1",
                            "--revenue-per-conversion", "5", "--quiet"]
                    code, js, err = run(*args, "--json", "--model", base + ".seg",
                                        "--report", base + ".html", cwd=wd)
                    assert code == 0, err
                    code, text, err = run(*args, cwd=wd)
                    assert code == 0, err
                    code, info, err = run("info", base + ".seg", "--json", cwd=wd)
                    assert code == 0, err
                    with open(os.path.join(wd, base + ".html"), "rb") as f:
                        html = f.read()
                    cls.out[world, method, n] = {
                        "json": no_seconds(json.loads(js)), "text": untimed(text),
                        "html": untimed(html), "info": no_seconds(json.loads(info))}

    def test_outputs_do_not_tell_the_worlds_apart(self):
        for method in ("kmeans", "ward"):
            a, b = self.out["A", method, 5], self.out["B", method, 5]
            for what in ("json", "text", "html", "info"):
                self.assertEqual(a[what], b[what], "%s %s differs" % (method, what))
            # Without the threshold they differ, so the comparison can fail.
            a0, b0 = self.out["A", method, 0], self.out["B", method, 0]
            for what in ("json", "text", "html"):
                self.assertNotEqual(a0[what], b0[what], "%s %s" % (method, what))

    def test_pooled_figures_by_hand(self):
        doc = self.out["A", "kmeans", 5]["json"]
        self.assertEqual([s["size"] for s in doc["segments"]], [40, 30, 2])
        data = rows("A")
        contacted = [r for r in data if r[5] == "no"]
        pool = [r for r in contacted if r[3] in "bz"]
        x, m = sum(r[4] == "yes" for r in pool), len(pool)
        overall = sum(r[4] == "yes" for r in contacted) / len(contacted)
        self.assertEqual((x, m), (10, 28))
        g = doc["withheld_group"]
        self.assertEqual(g["segments"], [1, 2])
        self.assertEqual((g["conversions"], g["contacts"]), (x, m))
        self.assertAlmostEqual(g["conversion"], x / m, places=12)
        lo, hi = wilson(x, m)
        self.assertAlmostEqual(g["conversion_low"], lo, places=12)
        self.assertAlmostEqual(g["conversion_high"], hi, places=12)
        self.assertAlmostEqual(g["lift"], (x / m) / overall, places=12)
        held = [r for r in data if r[5] == "yes" and r[3] in "bz"]
        self.assertEqual(g["held_out"], len(held))
        self.assertAlmostEqual(g["uplift"], x / m - sum(r[4] == "yes" for r in held) / len(held),
                               places=12)
        self.assertAlmostEqual(g["roi"], (5 * x - m) / m, places=12)
        # The same figures in the terminal table and the report.
        text = self.out["A", "kmeans", 5]["text"].decode()
        self.assertIn("pooled      %.2f %%  %5.2f .. %5.2f %%  %5.2f" %
                      (100 * x / m, 100 * lo, 100 * hi, (x / m) / overall), text)
        html = self.out["A", "kmeans", 5]["html"].decode()
        self.assertIn("<td class=\"n\">%.2f %%</td><td class=\"n\">%.2f %% to %.2f %%</td>"
                      % (100 * x / m, 100 * lo, 100 * hi), html)
        self.assertIn("withheld segments 1, 2 together", html)

    def test_no_figure_isolates_a_withheld_segment(self):
        for method in ("kmeans", "ward"):
            doc = self.out["A", method, 5]["json"]
            withheld = [s["id"] for s in doc["segments"] if s["profile_withheld"]]
            self.assertEqual(withheld, [1, 2])
            for s in doc["segments"]:
                if s["id"] in withheld:
                    for key in ("contacts", "conversions", "conversion", "conversion_low",
                                "conversion_high", "lift", "held_out", "held_out_conversion",
                                "uplift", "roi"):
                        self.assertIsNone(s[key], key)
                else:
                    self.assertIsNotNone(s["conversion"])
            # Each plan step adds one shown segment, or the whole group at once.
            before = set()
            for step in doc["plan"]["steps"]:
                now = set(step["segments"])
                added = now - before
                self.assertTrue(before <= now)
                self.assertTrue(added == set(withheld) or
                                (len(added) == 1 and not added & set(withheld)), step)
                self.assertEqual(step["withheld_group"], set(withheld) <= now)
                before = now
            self.assertEqual(before, {0, 1, 2})
            text = self.out["A", method, 5]["text"].decode()
            self.assertIn("      1  withheld (pooled below)", text)
            self.assertIn("      2  withheld (pooled below)", text)
            self.assertIn("(pooled = withheld segments 1, 2, contacted together)", text)
        html = self.out["A", "ward", 5]["html"].decode()
        self.assertEqual(html.count("withheld (pooled below)"), 2)
        self.assertIn("withheld segments 1, 2 together", html)

    def test_everyone_withheld(self):
        csv = os.path.join(self.tmp.name, "A", "c.csv")
        code, out, err = run("segment", csv, "--k", "3", "--drop", "customer", "--target", "bought",
                             "--min-segment-size", "100", "--json", "--quiet")
        self.assertEqual(code, 0, err)
        doc = json.loads(out)
        self.assertIsNone(doc["overall_conversion"])
        self.assertIsNone(doc["withheld_group"])
        self.assertEqual(doc["plan"]["steps"], [])
        self.assertTrue(all(s["conversion"] is None for s in doc["segments"]))
        code, out, err = run("segment", csv, "--k", "3", "--drop", "customer", "--target", "bought",
                             "--min-segment-size", "100", "--quiet")
        self.assertEqual(code, 0, err)
        self.assertIn(b"'bought': campaign figures withheld (fewer than 100 customers in all)", out)
        self.assertNotIn(b"Targeting plan", out)


class WardWithheld(TempDir):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.csv = os.path.join(cls.tmp.name, "w.csv")
        write_csv(cls.csv, rows("A"))

    def fit(self, n):
        model = os.path.join(self.tmp.name, "w%d.seg" % n)
        code, out, err = run("segment", self.csv, "--k", "3", "--method", "ward", "--drop",
                             "customer,bought,held", "--min-segment-size", str(n), "--json",
                             "--model", model, "--quiet")
        self.assertEqual(code, 0, err)
        with open(model, "rb") as f:
            return json.loads(out), f.read()

    def test_withheld_means_absent_from_the_model(self):
        # Means of spend by hand: a 0.25 + 2 (i % 5) -> 4.25, b -> 104.25,
        # z (500.25, 502.25) -> 501.25.
        doc0, bytes0 = self.fit(0)
        doc5, bytes5 = self.fit(5)
        self.assertEqual([s["size"] for s in doc5["segments"]], [40, 30, 2])
        self.assertEqual(doc5["min_segment_size"], 5)
        self.assertEqual([s["profile_withheld"] for s in doc5["segments"]], [False, True, True])
        self.assertEqual(doc5["segments"][2]["label"], "fewer than 5 customers (profile withheld)")
        self.assertEqual([s["profile_withheld"] for s in doc0["segments"]], [False] * 3)
        for mean in (104.25, 501.25):
            self.assertIn(struct.pack("<d", mean), bytes0)
            self.assertNotIn(struct.pack("<d", mean), bytes5)
        self.assertIn(struct.pack("<d", 4.25), bytes5)
        self.assertIn(b"KANO", bytes5)
        self.assertNotIn(b"KANO", bytes0)
        code, out, err = run("info", os.path.join(self.tmp.name, "w5.seg"), "--json")
        self.assertEqual(code, 0, err)
        info = json.loads(out)
        self.assertEqual(info["min_segment_size"], 5)
        self.assertEqual([s["profile_withheld"] for s in info["segments"]], [False, True, True])

    def test_terminal(self):
        code, out, err = run("segment", self.csv, "--k", "3", "--method", "ward", "--drop",
                             "customer,bought,held", "--min-segment-size", "5", "--quiet")
        self.assertEqual(code, 0, err)
        self.assertIn(b"withheld: profile of segment 2 (fewer than 5 customers", out)
        self.assertIn(b"withheld: profile of segment 1 too", out)


class Pseudonyms(TempDir):
    """Every output of `seg segment` and `seg predict` with --pseudonymize-key."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = rows("A")
        cls.csv = cls.path("p.csv")
        write_csv(cls.csv, cls.data)
        cls.key = cls.path("k.txt")
        with open(cls.key, "wb") as f:
            f.write(KEY + b"\n")

    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp.name, name)

    def outputs(self, tag, with_id, key):
        """Every byte `seg segment` and `seg predict` write, by output name."""
        ident = ["--id", "customer"] if with_id else []
        keyed = ["--pseudonymize-key", self.key] if key else []
        p = lambda name: self.path(tag + name)
        common = ["segment", self.csv, "--k", "3", *(ident or ["--drop", "customer"]), *keyed,
                  "--target", "bought",
                  "--control", "held", "--quiet"]
        got = {}
        code, got["segment json"], err = run(*common, "--json", "--assignments", p("a.csv"),
                                             "--model", p("m.seg"), "--report", p("r.html"),
                                             "--features", p("f.csv"))
        self.assertEqual(code, 0, err)
        code, got["segment text"], err = run(*common)
        self.assertEqual(code, 0, err)
        pred = ["predict", p("m.seg"), self.csv, *ident, *keyed, "--quiet"]
        code, got["predict csv"], err = run(*pred, "--all-distances", "--flag-outliers")
        self.assertEqual(code, 0, err)
        code, got["predict json"], err = run(*pred, "--json", "--all-distances")
        self.assertEqual(code, 0, err)
        code, _, err = run(*pred, "--output", p("o.csv"))
        self.assertEqual(code, 0, err)
        code, got["info"], err = run("info", p("m.seg"), "--json")
        self.assertEqual(code, 0, err)
        for name in ("a.csv", "m.seg", "r.html", "f.csv", "o.csv"):
            with open(p(name), "rb") as f:
                got[name] = f.read()
        return got

    def raw_rows(self):
        """Each customer's row as written in the input, with and without its
        id, and its numbers as consecutive doubles (a row stored in binary)."""
        for r in self.data:
            line = ",".join(str(v) for v in r).encode()
            yield r, [line, line.split(b",", 1)[1],
                      struct.pack("<dd", float(r[1]), float(r[2]))]

    def test_no_raw_id_or_row_with_a_key(self):
        got = self.outputs("k", True, True)
        pseudonyms = [hmac.new(KEY, r[0].encode(), "sha256").hexdigest().encode()
                      for r in self.data]
        for name, blob in got.items():
            for r, forms in self.raw_rows():
                self.assertNotIn(r[0].encode(), blob, name)
                for form in forms:
                    self.assertNotIn(form, blob, name)
            self.assertNotIn(b"Q7X", blob, name)  # no part of an id either
        # The ids are there, as pseudonyms, where rows are written.
        for name in ("a.csv", "o.csv", "predict csv", "predict json"):
            self.assertIn(pseudonyms[0], got[name], name)
            self.assertIn(pseudonyms[-1], got[name], name)

    def test_raw_ids_without_a_key(self):
        # The search finds ids when they are written: it could fail above.
        got = self.outputs("r", True, False)
        for name in ("a.csv", "o.csv", "predict csv", "predict json"):
            self.assertIn(self.data[0][0].encode(), got[name], name)
        for name in ("m.seg", "r.html", "segment json", "segment text", "info", "f.csv"):
            self.assertNotIn(b"Q7X", got[name], name)

    def test_no_id_at_all_without_id_column(self):
        got = self.outputs("n", False, True)
        for name, blob in got.items():
            self.assertNotIn(b"Q7X", blob, name)
            for r, forms in self.raw_rows():
                for form in forms:
                    self.assertNotIn(form, blob, name)
        # Rows are numbered instead: 1 .. n in the assignments.
        lines = got["a.csv"].decode().splitlines()
        self.assertEqual(len(lines), len(self.data) + 1)
        self.assertTrue(lines[1].startswith("1,"), lines[1])
        self.assertTrue(lines[-1].startswith("%d," % len(self.data)), lines[-1])


class RareLevels(TempDir):
    """With --min-segment-size 5, job levels of fewer than 5 customers
    (astronaut: 2, diver: 1) are folded into "(other)": no output names them."""

    RARE = (b"astronaut", b"diver")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.csv = os.path.join(cls.tmp.name, "r.csv")
        data = rows("A")
        jobs = ["astronaut"] * 2 + ["diver"] + ["clerk", "nurse"] * 40
        write_csv(cls.csv, [r + (jobs[i],) for i, r in enumerate(data)],
                  header="customer,spend,visits,kind,bought,held,job")

    def outputs(self, n):
        p = lambda name: os.path.join(self.tmp.name, "%d%s" % (n, name))
        args = ["segment", self.csv, "--k", "3", "--id", "customer", "--target", "bought",
                "--min-segment-size", str(n), "--quiet"]
        got = {}
        code, got["json"], err = run(*args, "--json", "--model", p(".seg"), "--report", p(".html"),
                                     "--features", p("f.csv"))
        self.assertEqual(code, 0, err)
        code, got["text"], err = run(*args)
        self.assertEqual(code, 0, err)
        code, got["info"], err = run("info", p(".seg"), "--json")
        self.assertEqual(code, 0, err)
        code, got["predict"], err = run("predict", p(".seg"), self.csv, "--json", "--quiet")
        self.assertEqual(code, 0, err)
        for name in (".seg", ".html", "f.csv"):
            with open(p(name), "rb") as f:
                got[name] = f.read()
        return got

    def test_rare_levels_appear_nowhere(self):
        got = self.outputs(5)
        for name, blob in got.items():
            for level in self.RARE:
                self.assertNotIn(level, blob, name)
        doc = json.loads(got["json"])
        self.assertEqual([f for f in doc["features"] if f.startswith("job=")],
                         ["job=(other)", "job=clerk", "job=nurse"])
        self.assertIn(b"OTHR", got[".seg"])

    def test_rare_levels_shown_without_threshold(self):
        got = self.outputs(0)
        for name in ("json", ".seg", "info", "f.csv"):
            for level in self.RARE:
                self.assertIn(level, got[name], name)
        self.assertNotIn(b"OTHR", got[".seg"])


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
