"""End-to-end tests of the `seg` program: outputs, exit codes and messages.

Run by meson as: python3 cli_test.py SEG_BINARY SOURCE_ROOT
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
BANK = os.path.join(SRC, "examples", "data", "bank-full.csv")
HEAD = os.path.join(SRC, "tests", "data", "bank-plain-head.csv")
UCI_HEAD = os.path.join(SRC, "tests", "data", "bank-uci-head.csv")


def run(*args):
    p = subprocess.run([SEG, *args], capture_output=True, text=True, timeout=600)
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


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
