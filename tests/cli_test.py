"""End-to-end tests of the `seg` program: outputs, exit codes and messages.

Run by meson as: python3 cli_test.py SEG_BINARY SOURCE_ROOT
"""
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
SRC = sys.argv[2] if len(sys.argv) > 2 else "."
BANK = os.path.join(SRC, "examples", "data", "bank-full.csv")
HEAD = os.path.join(SRC, "tests", "data", "bank-plain-head.csv")
UCI_HEAD = os.path.join(SRC, "tests", "data", "bank-uci-head.csv")


def run(*args):
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def write_npy(path, rows):
    """A float64 .npy written by hand, so the test needs no numpy."""
    import struct
    n, d = len(rows), len(rows[0])
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (n, d)
    pad = (64 - (10 + len(header) + 1) % 64) % 64
    header = header + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        for r in rows:
            f.write(struct.pack("<%dd" % d, *r))


def read_npy(path):
    import ast
    import struct
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"\x93NUMPY"
    hlen = struct.unpack("<H", data[8:10])[0]
    hdr = ast.literal_eval(data[10:10 + hlen].decode())
    n, d = hdr["shape"]
    fmt = "<%d%s" % (n * d, "f" if hdr["descr"] == "<f4" else "d")
    vals = struct.unpack(fmt, data[10 + hlen:])
    return hdr, [list(vals[i * d:(i + 1) * d]) for i in range(n)]


class Segment(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_bundled_json_summary(self):
        code, out, err = run("segment", "--json", "--k", "5", "--seed", "3")
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        for key in ("n", "d", "k", "inertia", "iterations", "fit_seconds", "silhouette",
                    "davies_bouldin", "calinski_harabasz", "segments", "features"):
            self.assertIn(key, s)
        self.assertEqual(s["n"], 45211)
        self.assertEqual(s["k"], 5)
        self.assertEqual(len(s["segments"]), 5)
        self.assertEqual(sum(g["size"] for g in s["segments"]), 45211)
        self.assertAlmostEqual(sum(g["share"] for g in s["segments"]), 1.0, places=12)
        sizes = [g["size"] for g in s["segments"]]
        self.assertEqual(sizes, sorted(sizes, reverse=True))
        self.assertEqual([g["id"] for g in s["segments"]], list(range(5)))
        # The outcome and the after-the-call duration are left out by default.
        self.assertNotIn("duration", s["features"])
        self.assertFalse(any(f.startswith("y=") for f in s["features"]))
        self.assertEqual(len(s["features"]), s["d"])
        self.assertTrue(-1 <= s["silhouette"] <= 1)
        self.assertIn("duration", err)

    def test_bundled_roles(self):
        # The bundled run clusters the customer and describes the last
        # campaign contact (issue 16): the lists, the profiles, the labels.
        customer = ["age", "job", "marital", "education", "default", "balance", "housing",
                    "loan"]
        contact = ["contact", "day", "month", "campaign", "pdays", "previous", "poutcome",
                   "duration"]
        code, out, err = run("segment", "--json", "--k", "3", "--max-iter", "20")
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        self.assertEqual(s["columns"], customer)
        self.assertEqual(s["described"], contact)
        self.assertEqual(sorted({f.split("=")[0] for f in s["features"]}), sorted(customer))
        for g in s["segments"]:
            p = g["profile"]
            self.assertEqual([c["column"] for c in p["numeric"]], ["age", "balance"])
            self.assertEqual(sorted(c["column"] for c in p["described"]["numeric"]),
                             ["campaign", "day", "duration", "pdays", "previous"])
            self.assertEqual(sorted(c["column"] for c in p["described"]["categorical"]),
                             ["contact", "month", "poutcome"])
            for item in p["distinguishing"]:
                self.assertIn(item["item"].split("=")[0], customer)
            for word in contact:
                self.assertNotIn(word, g["label"])
        self.assertIn("describing the last campaign contact", err)
        # --target y keeps y as the outcome, not a feature nor described.
        code, out, err = run("segment", "--json", "--k", "3", "--max-iter", "20",
                             "--target", "y")
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        self.assertEqual((s["columns"], s["described"]), (customer, contact))
        self.assertIn("conversion", s["segments"][0])
        # The terminal summary shows the described columns per segment.
        code, out, err = run("segment", "--k", "3", "--max-iter", "20", "-q")
        self.assertEqual(code, 0, err)
        self.assertIn("described, not clustered", out)
        self.assertRegex(out, r"\nday +[0-9.]+ +[0-9.]+")
        # Any of --columns, --drop or --describe replaces the defaults.
        code, out, err = run("segment", "--json", "--k", "2", "--max-iter", "5", "--drop", "y")
        s = json.loads(out)
        self.assertEqual(s["described"], [])
        self.assertIn("day", s["columns"])

    def test_describe(self):
        code, out, err = run("segment", HEAD, "--json", "--k", "3", "--drop", "y",
                             "--describe", "day,month,duration")
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        self.assertEqual(s["described"], ["day", "month", "duration"])
        self.assertNotIn("day", s["columns"])
        self.assertFalse(any(f == "day" or f.startswith("month=") for f in s["features"]))
        # Described statistics are those of the rows of each segment.
        asg = self.path("a.csv")
        code, out, err = run("segment", HEAD, "--json", "--k", "3", "--drop", "y",
                             "--describe", "day", "--assignments", asg)
        s = json.loads(out)
        with open(HEAD) as f:
            days = [float(r["day"]) for r in csv.DictReader(f)]
        with open(asg) as f:
            seg_of = [int(r["segment"]) for r in csv.DictReader(f)]
        for g in s["segments"]:
            mine = [d for d, j in zip(days, seg_of) if j == g["id"]]
            got = g["profile"]["described"]["numeric"][0]
            self.assertEqual(got["column"], "day")
            self.assertAlmostEqual(got["mean"], sum(mine) / len(mine), places=9)
        # The report shows them apart from what sets segments apart.
        rep = self.path("r.html")
        code, _, err = run("segment", HEAD, "--k", "3", "--drop", "y", "--describe",
                           "day,month", "--report", rep, "-q")
        self.assertEqual(code, 0, err)
        with open(rep) as f:
            html = f.read()
        self.assertIn("Described, not clustered", html)
        # Unknown described column: an error naming it.
        code, _, err = run("segment", HEAD, "--k", "3", "--describe", "nope")
        self.assertNotEqual(code, 0)
        self.assertIn("nope", err)
        # --memory keeps no profiles.
        code, _, err = run("segment", HEAD, "--k", "3", "--memory", "64M", "--describe", "day")
        self.assertEqual(code, 2)
        self.assertIn("--describe", err)

    def test_identifier_columns(self):
        # A CC GENERAL-style file: a row number and a customer id lead the
        # columns (issue 14 item 11). Both are left out with a warning.
        cc = self.path("cc.csv")
        with open(cc, "w") as f:
            f.write("Recnum,CUST_ID,BALANCE,PURCHASES,TENURE\n")
            for i in range(200):
                f.write("%d,C%05d,%.2f,%.2f,%d\n" % (i + 1, 10001 + i, (i * 7919) % 1000 + 0.5,
                                                      (i * 104729) % 700 + 0.25, 6 + 6 * (i % 3 > 0)))
        code, out, err = run("segment", cc, "--json", "--k", "3")
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        self.assertEqual(s["columns"], ["BALANCE", "PURCHASES", "TENURE"])
        self.assertEqual([c["column"] for c in s["left_out"]], ["Recnum", "CUST_ID"])
        self.assertIn("row numbers", s["left_out"][0]["reason"])
        self.assertFalse(any("Recnum" in g["label"] for g in s["segments"]))
        self.assertIn("warning: left out column 'Recnum'", err)
        self.assertIn("--keep Recnum", err)
        code, out, err = run("segment", cc, "--json", "--k", "3", "-q")
        self.assertEqual(err, "")
        # --keep clusters on it after all; --id sets the id aside instead.
        code, out, err = run("segment", cc, "--json", "--k", "3", "--keep", "Recnum")
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        self.assertEqual(s["columns"], ["Recnum", "BALANCE", "PURCHASES", "TENURE"])
        self.assertEqual([c["column"] for c in s["left_out"]], ["CUST_ID"])
        code, out, err = run("segment", cc, "--json", "--k", "3", "--id", "CUST_ID")
        self.assertEqual([c["column"] for c in json.loads(out)["left_out"]], ["Recnum"])
        # Kept, an id whose every value differs is still refused, in the
        # command's words, not the C API's.
        code, out, err = run("segment", cc, "--k", "3", "--keep", "CUST_ID,Recnum")
        self.assertEqual(code, 1)
        self.assertIn("column 'CUST_ID' has a different value in each row", err)
        self.assertIn("--id CUST_ID", err)
        self.assertNotIn("SEG_", err)
        code, _, err = run("segment", cc, "--k", "3", "--keep", "nope")
        self.assertEqual(code, 2)
        self.assertIn("--keep nope", err)
        code, _, err = run("segment", cc, "--k", "3", "--columns", "Recnum,CUST_ID")
        self.assertEqual(code, 2)
        self.assertIn("--keep", err)

    def test_columns_keep_roles(self):
        # Naming the id, target, weight or a described column in --columns
        # keeps it in its role (issue 14 item 9).
        asg = self.path("a.csv")
        with open(HEAD) as f:
            rows = list(csv.reader(f))
        ided = self.path("ided.csv")
        with open(ided, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["cid"] + rows[0])
            for i, r in enumerate(rows[1:]):
                w.writerow(["C%04d" % i] + r)
        code, out, err = run("segment", ided, "--json", "--k", "3", "--id", "cid",
                             "--target", "y", "--describe", "day", "--columns",
                             "cid,age,balance,y,day", "--assignments", asg)
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        self.assertEqual(s["columns"], ["age", "balance"])
        self.assertEqual(s["features"], ["age", "balance"])
        self.assertEqual(s["described"], ["day"])
        self.assertIn("conversion", s["segments"][0])
        with open(asg) as f:
            self.assertEqual(next(csv.reader(f)), ["id", "segment", "distance"])
            self.assertEqual(next(csv.reader(f))[0], "C0000")
        # The same with the file read in chunks.
        code, out, err = run("segment", ided, "--json", "--k", "3", "--id", "cid",
                             "--columns", "cid,age,balance", "--memory", "64M", "-q")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["features"], ["age", "balance"])
        # Only columns in other roles: nothing to cluster on.
        code, _, err = run("segment", ided, "--k", "3", "--id", "cid", "--columns", "cid")
        self.assertEqual(code, 2)
        self.assertIn("--columns names no column to cluster on", err)

    def test_text_summary(self):
        code, out, err = run("segment", HEAD, "--k", "3", "--drop", "y,duration")
        self.assertEqual(code, 0, err)
        self.assertIn("500 customers", out)
        self.assertIn("segment  customers   share", out)
        self.assertEqual(err, "")

    def test_same_seed_same_result(self):
        a = run("segment", HEAD, "--json", "--k", "4", "--seed", "9", "--n-init", "3")
        b = run("segment", HEAD, "--json", "--k", "4", "--seed", "9", "--n-init", "3",
                "--threads", "1")
        ja, jb = json.loads(a[1]), json.loads(b[1])
        self.assertEqual(ja["inertia"], jb["inertia"])
        self.assertEqual(ja["segments"], jb["segments"])

    def test_both_layouts_same_result(self):
        a = json.loads(run("segment", HEAD, "--json", "--k", "4", "--drop", "y")[1])
        b = json.loads(run("segment", UCI_HEAD, "--json", "--k", "4", "--drop", "y")[1])
        self.assertEqual(a["inertia"], b["inertia"])
        self.assertEqual(a["features"], b["features"])

    def test_assignments_and_features(self):
        asg, feat, fcsv = self.path("a.csv"), self.path("f.npy"), self.path("f.csv")
        code, out, err = run("segment", HEAD, "--k", "3", "--json", "--assignments", asg,
                             "--features", feat, "--drop", "y")
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        with open(asg, newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["id", "segment", "distance"])
        self.assertEqual(len(rows) - 1, 500)
        self.assertEqual([r[0] for r in rows[1:4]], ["1", "2", "3"])
        counts = [0] * 3
        for r in rows[1:]:
            counts[int(r[1])] += 1
            self.assertGreaterEqual(float(r[2]), 0.0)
        self.assertEqual(counts, [g["size"] for g in s["segments"]])
        hdr, x = read_npy(feat)
        self.assertEqual(hdr["shape"], (500, s["d"]))
        # Inertia recomputed from the exported features and the assignments.
        inertia = sum(float(r[2]) ** 2 for r in rows[1:])
        self.assertAlmostEqual(inertia / s["inertia"], 1.0, places=6)
        # Standard scaling: the numeric features have mean 0.
        age = [r[s["features"].index("age")] for r in x]
        self.assertAlmostEqual(sum(age) / len(age), 0.0, places=9)
        code, _, err = run("segment", HEAD, "--k", "3", "--features", fcsv, "--drop", "y")
        self.assertEqual(code, 0, err)
        with open(fcsv, newline="") as f:
            r = list(csv.reader(f))
        self.assertEqual(r[0], s["features"])
        self.assertAlmostEqual(float(r[1][0]), x[0][0], places=6)

    def test_id_and_weight_columns(self):
        data = self.path("c.csv")
        with open(data, "w") as f:
            f.write("customer,spend,visits,value\n")
            for i in range(40):
                f.write("C%03d,%d,%d,%d\n" % (i, (i % 2) * 1000 + i, (i % 2) * 10 + 1, 1 + i % 3))
        asg = self.path("a.csv")
        code, out, err = run("segment", data, "--k", "2", "--id", "customer", "--weight",
                             "value", "--json", "--assignments", asg)
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        self.assertEqual(s["d"], 2)  # spend, visits: id and weight are not features
        self.assertEqual(sorted(s["features"]), ["spend", "visits"])
        self.assertEqual(sum(g["weight"] for g in s["segments"]), sum(1 + i % 3 for i in range(40)))
        with open(asg, newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[1][0], "C000")
        self.assertEqual(rows[40][0], "C039")
        self.assertNotEqual(rows[1][1], rows[2][1])

    def test_pseudonymous_ids(self):
        import hmac
        data, key, short = self.path("c.csv"), self.path("k.txt"), self.path("s.txt")
        with open(data, "w") as f:
            f.write("customer,spend,visits\n")
            for i in range(30):
                f.write("CUST-%04d,%d,%d\n" % (i, (i % 2) * 1000 + i, (i % 2) * 10 + 1))
        with open(key, "w") as f:
            f.write("a secret key of at least sixteen bytes\n")
        with open(short, "w") as f:
            f.write("too short\n")
        asg, model, scored = self.path("a.csv"), self.path("m.seg"), self.path("p.csv")
        code, _, err = run("segment", data, "--k", "2", "--id", "customer", "--assignments", asg,
                           "--model", model, "--pseudonymize-key", key, "--quiet")
        self.assertEqual(code, 0, err)
        want = [hmac.new(b"a secret key of at least sixteen bytes", b"CUST-%04d" % i,
                         "sha256").hexdigest() for i in range(30)]
        with open(asg, newline="") as f:
            rows = list(csv.reader(f))[1:]
        self.assertEqual([r[0] for r in rows], want)
        code, _, err = run("predict", model, data, "--id", "customer", "--output", scored,
                           "--pseudonymize-key", key)
        self.assertEqual(code, 0, err)
        with open(scored, newline="") as f:
            text = f.read()
        self.assertNotIn("CUST-", text)
        self.assertIn(want[7], text)
        code, _, err = run("segment", data, "--k", "2", "--id", "customer", "--assignments", asg,
                           "--pseudonymize-key", short)
        self.assertEqual(code, 1)
        self.assertIn("at least 16 bytes", err)

    def test_init_from_npy(self):
        data = self.path("p.csv")
        with open(data, "w") as f:
            f.write("a,b\n0,0\n0,1\n10,10\n10,11\n20,0\n21,0\n")
        init = self.path("init.npy")
        write_npy(init, [[0, 0], [1, 1], [2, 2]])
        code, out, err = run("segment", data, "--scale", "none", "--init", init, "--json")
        self.assertEqual(code, 0, err)
        s = json.loads(out)
        self.assertEqual(s["k"], 3)
        self.assertAlmostEqual(s["inertia"], 0.5 + 0.5 + 0.5, places=9)
        code, _, err = run("segment", data, "--scale", "none", "--init", init, "--k", "2")
        self.assertEqual(code, 2)
        self.assertIn("3 centroids", err)

    def test_scale_none_npy_reads_the_data_in_place(self):
        # --scale none on a .npy of the --dtype's precision fits on the
        # dataset's own values (no transformed copy); the same numbers from
        # a CSV go through the transform. Same model, labels and features.
        rows = [[(i * 37 % 101) / 8 - 6 + 20 * (i % 3), (i * 53 % 89) / 4 - 11 * (i % 3),
                 (-1) ** i * (i % 7) / 2] for i in range(600)]
        rows[5][1] = -0.0
        npy, csvf = self.path("x.npy"), self.path("x.csv")
        write_npy(npy, rows)
        with open(csvf, "w") as f:
            f.write("x0,x1,x2\n")
            f.writelines("%s\n" % ",".join(repr(v) for v in r) for r in rows)
        out = {}
        for name, data in (("npy", npy), ("csv", csvf)):
            m, a, feat = (self.path("%s.%s" % (name, e)) for e in ("seg", "a.csv", "f.npy"))
            code, _, err = run("segment", data, "--scale", "none", "--k", "3", "--seed", "4",
                               "--model", m, "--assignments", a, "--features", feat, "-q")
            self.assertEqual(code, 0, err)
            code, info, err = run("info", m, "--json")
            self.assertEqual(code, 0, err)
            info = json.loads(info)
            del info["model"]
            with open(a) as f, open(feat, "rb") as g:
                out[name] = (info, f.read(), g.read())
        self.assertEqual(out["npy"][0], out["csv"][0])
        self.assertEqual(out["npy"][1], out["csv"][1])
        self.assertEqual(out["npy"][2], out["csv"][2])
        self.assertEqual(read_npy(self.path("npy.f.npy"))[1], rows)

    def test_columns_select(self):
        code, out, err = run("segment", HEAD, "--columns", "age,balance", "--k", "2", "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["features"], ["age", "balance"])

    def test_dtype_f32(self):
        a = json.loads(run("segment", HEAD, "--k", "3", "--json", "--drop", "y")[1])
        b = json.loads(run("segment", HEAD, "--k", "3", "--json", "--drop", "y",
                           "--dtype", "f32")[1])
        self.assertAlmostEqual(a["inertia"] / b["inertia"], 1.0, places=4)

    def test_algorithms_agree(self):
        base = ["segment", HEAD, "--k", "4", "--json", "--drop", "y", "--seed", "3"]
        algs = ("lloyd", "hamerly", "elkan", "yinyang", "auto")
        out = {a: json.loads(run(*base, "--algorithm", a)[1]) for a in algs}
        for a in algs[1:]:
            self.assertAlmostEqual(out[a]["inertia"] / out["lloyd"]["inertia"], 1.0, places=9)
            self.assertEqual(out[a]["iterations"], out["lloyd"]["iterations"])

    def test_usage_errors_exit_2(self):
        for args in (["segment", "--k", "0"], ["segment", "--k", "x"], ["segment", "--bogus"],
                     ["segment", "--scale", "zscore"], ["frobnicate"], [],
                     ["segment", "--tol", "-1"], ["segment", "--k"], ["segment", "a", "b"],
                     ["segment", "--init", "kmeans"], ["segment", "--dtype", "f16"],
                     ["segment", "--algorithm", "fast"]):
            code, out, err = run(*args)
            self.assertEqual(code, 2, args)
            self.assertEqual(out, "")
            self.assertNotEqual(err, "")

    def test_data_errors_exit_1(self):
        code, out, err = run("segment", self.path("missing.csv"))
        self.assertEqual(code, 1)
        self.assertIn("missing.csv", err)
        ragged = self.path("ragged.csv")
        with open(ragged, "w") as f:
            f.write("a,b\n1,2\n3\n")
        code, out, err = run("segment", ragged, "--k", "1")
        self.assertEqual(code, 1)
        self.assertIn("ragged.csv:3", err)
        code, out, err = run("segment", HEAD, "--drop", "nosuchcolumn")
        self.assertEqual(code, 1)
        self.assertIn("nosuchcolumn", err)
        few = self.path("few.csv")
        with open(few, "w") as f:
            f.write("a\n1\n1\n2\n")
        code, out, err = run("segment", few, "--k", "3")
        self.assertEqual(code, 1)
        self.assertIn("2 distinct rows", err)

    def test_help_and_version(self):
        code, out, _ = run("--version")
        self.assertEqual(code, 0)
        self.assertRegex(out, r"^seg \(libseg\) \d+\.\d+\.\d+$")
        code, out, _ = run("segment", "--help")
        self.assertEqual(code, 0)
        for opt in ("--k", "--scale", "--init", "--n-init", "--max-iter", "--tol", "--seed",
                    "--dtype", "--id", "--drop", "--columns", "--weight", "--json",
                    "--assignments", "--features"):
            self.assertIn(opt, out)


def option_tables():
    """Each command's option table, read from the C source (tools/): a dict
    command -> [(long name, short letter or None, value name or None)], in
    the order of the table. A table this cannot read is an error, not an
    empty list, so that the tests below cannot pass by reading nothing."""
    import glob
    tables, commands = {}, {}
    files = glob.glob(os.path.join(SRC, "tools", "**", "*.c"), recursive=True)
    for path in files:
        with open(path) as f:
            text = f.read()
        for name, body in re.findall(r"static const cli_opt (\w+)\[\] = \{(.*?)\n\};", text,
                                     re.S):
            entries = []
            for entry in re.split(r"\n    (?=\{|CLI_OPT_HELP)", body):
                if "CLI_OPT_HELP" in entry:
                    entries.append(("help", "h", None))
                    continue
                m = re.search(r'\.name = "([^"]+)"', entry)
                if not m:
                    continue
                alias = re.search(r"\.alias = '(.)'", entry)
                value = re.search(r'\.value = "([^"]+)"', entry)
                entries.append((m.group(1), alias and alias.group(1), value and value.group(1)))
            tables[name] = entries
        for body in re.findall(r"const cli_command cli_\w+ = \{(.*?)\n\};", text, re.S):
            cmd = re.search(r'\.name = "(\w+)"', body).group(1)
            commands[cmd] = re.search(r"\.opts = (\w+)", body).group(1)
    return {cmd: tables[t] for cmd, t in commands.items()}


class Options(unittest.TestCase):
    """The option tables: every option in --help, short forms, '--',
    --name=VALUE, and the usage errors."""

    COMMANDS = ("segment", "rfm", "predict", "info", "drift", "migrate",
                "fairness", "explain")

    @classmethod
    def setUpClass(cls):
        cls.tables = option_tables()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_tables_read(self):
        self.assertEqual(sorted(self.tables), sorted(self.COMMANDS))
        for cmd, opts in self.tables.items():
            self.assertIn(("help", "h", None), opts, cmd)
            self.assertGreaterEqual(len(opts), 2, cmd)
        self.assertGreater(len(self.tables["segment"]), 40)

    def test_help_lists_every_option_of_the_table(self):
        for cmd, opts in self.tables.items():
            code, out, err = run(cmd, "--help")
            self.assertEqual((code, err), (0, ""), cmd)
            self.assertTrue(out.startswith("Usage: seg %s " % cmd), cmd)
            self.assertEqual(run(cmd, "-h")[1], out, cmd)
            # An option's line: "  -k, --k K   help" or "      --id COL   help"
            # (help lines that go on are indented further).
            listed = [(m.group(2), m.group(1), m.group(3))
                      for m in (re.match(r"^  (?:-(\w), |    )--([a-z0-9-]+)(?: (\S+))?(?:  |$)", l)
                                for l in out.splitlines()) if m]
            for entry in opts:
                self.assertIn(entry, listed, "%s --help lacks %s" % (cmd, entry))
            self.assertEqual(listed, opts, cmd)  # all of them, in the table's order

    def test_every_option_of_the_table_is_parsed(self):
        # Each option, long and short, with a value where it takes one and
        # then more operands than any command takes: a usage error about
        # the value or the operands, never an unknown option, and nothing run.
        extra = ["a", "b", "c", "d", "e"]
        for cmd, opts in self.tables.items():
            for name, alias, value in opts:
                if name == "help":
                    continue
                forms = ["--" + name] + (["-" + alias] if alias else [])
                for form in forms:
                    args = [form, "0"] if value else [form]
                    code, out, err = run(cmd, *args, *extra)
                    self.assertEqual(code, 2, (cmd, form, err))
                    self.assertNotIn("unknown option", err, (cmd, form))
                    self.assertEqual(out, "", (cmd, form))

    def test_unknown_option_and_missing_value(self):
        for cmd in self.COMMANDS:
            for bad in ("--bogus", "-Z", "--bogus=1"):
                code, out, err = run(cmd, bad)
                self.assertEqual(code, 2, (cmd, bad))
                self.assertEqual(out, "")
                self.assertIn("unknown option '%s'" % bad.split("=")[0], err)
                self.assertIn("Try 'seg %s --help'." % cmd, err)
        for args, msg in ((["segment", "--model"], "--model needs a file name"),
                          (["segment", "-o"], "-o needs a file name"),
                          (["segment", "--id", ""], "--id needs a column name"),
                          (["segment", "-k"], "-k needs a value"),
                          (["segment", "--json=yes"], "option '--json' takes no value"),
                          (["predict", "m.seg", "x.csv", "--output"], "--output needs a file name"),
                          (["segment", HEAD, "extra.csv"], "unexpected argument 'extra.csv'")):
            code, out, err = run(*args)
            self.assertEqual((code, out), (2, ""), args)
            self.assertIn(msg, err, args)

    def test_double_dash_ends_options(self):
        dashed = "-data.csv"  # -d is no option of segment
        with open(HEAD) as f, open(self.path(dashed), "w") as g:
            g.write(f.read())

        def run_here(*args):
            p = subprocess.run([os.path.abspath(SEG), *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               cwd=self.dir, timeout=600)
            return p.returncode, p.stdout, p.stderr

        code, _, err = run_here("segment", "--k", "3", "--json", dashed)
        self.assertEqual(code, 2)
        self.assertIn("unknown option '-d'", err)
        code, out, err = run_here("segment", "--k", "3", "--json", "--drop", "y", "--", dashed)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["n"], 500)
        self.assertEqual(json.loads(out)["file"], dashed)
        # After '--' even an option's spelling is an operand.
        code, _, err = run_here("segment", "--", dashed, "--json")
        self.assertEqual(code, 2)
        self.assertIn("unexpected argument '--json'", err)
        # A value may start with '-' without '--': it is the value.
        code, _, err = run_here("segment", "--k", "3", "--seed", "-5", "--drop", "y", "--",
                                dashed)
        self.assertEqual(code, 0, err)
        model = self.path("m.seg")
        code, _, err = run_here("segment", "-k", "3", "-q", "-o", model, "--", dashed)
        self.assertEqual(code, 0, err)
        code, out, err = run_here("predict", "--json", "--", model, dashed)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["n"], 500)

    def test_segment_short_forms(self):
        longs, shorts = self.path("long.seg"), self.path("short.seg")
        a = run("segment", HEAD, "--k", "3", "--quiet", "--model", longs, "--drop", "y")
        b = run("segment", HEAD, "-k", "3", "-q", "-o", shorts, "--drop", "y")
        self.assertEqual(a[0], 0, a[2])
        self.assertEqual(b[0], 0, b[2])
        mask = lambda t: "\n".join(l for l in t.splitlines() if " fit " not in l)
        self.assertEqual(mask(a[1]), mask(b[1]))
        self.assertEqual(run("info", longs, "--json")[1].replace(longs, "M"),
                         run("info", shorts, "--json")[1].replace(shorts, "M"))
        # Attached values, grouped switches, --name=VALUE.
        c = run("segment", HEAD, "-k3", "--json", "--drop=y")
        d = run("segment", HEAD, "--k=3", "--json", "--drop", "y")
        self.assertEqual(c[0], 0, c[2])
        self.assertEqual(json.loads(c[1])["k"], 3)
        self.assertEqual(json.loads(c[1])["inertia"], json.loads(d[1])["inertia"])
        self.assertEqual(json.loads(c[1])["features"], json.loads(d[1])["features"])
        code, out, _ = run("segment", "-qh")
        self.assertEqual(code, 0)
        self.assertTrue(out.startswith("Usage: seg segment"))
        # The bundled data are always named on stderr, -q or not: the user
        # gave no FILE and may have meant to pipe one.
        code, _, err = run("segment", "-q", "-k", "2", "--max-iter", "3", "--json")
        self.assertEqual(code, 0, err)
        self.assertIn("bundled bank data", err)

    def test_predict_and_rfm_short_forms(self):
        model = self.path("m.seg")
        self.assertEqual(run("segment", HEAD, "-k", "3", "-q", "-o", model)[0], 0)
        outs = [self.path("p1.csv"), self.path("p2.csv")]
        self.assertEqual(run("predict", model, HEAD, "--output", outs[0], "--quiet")[0], 0)
        self.assertEqual(run("predict", model, HEAD, "-qo", outs[1])[0], 0)
        with open(outs[0]) as f, open(outs[1]) as g:
            self.assertEqual(f.read(), g.read())
        code, out, err = run("predict", model, HEAD, "--output=" + outs[1], "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["n"], 500)
        log = os.path.join(SRC, "tests", "data", "rfm_log.csv")
        cols = ["--customer", "CustomerID", "--date", "InvoiceDate", "--quantity", "Quantity",
                "--price", "UnitPrice"]
        r1, r2 = self.path("r1.csv"), self.path("r2.csv")
        a = run("rfm", log, *cols, "--k", "2", "--output", r1, "--quiet", "--json")
        b = run("rfm", log, *cols, "-k", "2", "-o", r2, "-q", "--json")
        self.assertEqual(a[0], 0, a[2])
        self.assertEqual(a[1], b[1])
        with open(r1) as f, open(r2) as g:
            text = f.read()
            self.assertEqual(text, g.read())
        self.assertTrue(text.startswith("customer,recency,frequency,monetary,r,f,m,segment,"
                                        "cluster\n"))

    def test_seg_help_lists_commands_and_short_forms(self):
        code, out, _ = run("--help")
        self.assertEqual(code, 0)
        for cmd in self.COMMANDS:
            self.assertRegex(out, r"\n  %s +\S" % cmd)
        # The short forms, from the tables: -o is each command's main output.
        shorts = {}
        for cmd, opts in self.tables.items():
            for name, alias, _ in opts:
                if alias and alias != "h":
                    shorts.setdefault(alias, []).append("%s --%s" % (cmd, name))
        self.assertEqual(sorted(shorts), ["k", "o", "q"])
        self.assertIn("segment --model", shorts["o"])
        for alias, uses in shorts.items():
            line = [l for l in out.splitlines() if l.startswith("  -%s " % alias)]
            self.assertEqual(len(line), 1, alias)
            self.assertEqual(sorted(line[0].split(None, 1)[1].split(", ")), sorted(uses))


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
