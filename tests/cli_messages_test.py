"""Messages of the `seg` program that must name what went wrong: the file,
the line and the column, the closest column names, the likely delimiter.

Run by meson as: python3 cli_messages_test.py SEG_BINARY
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"


def run(*args):
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


class Messages(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def customers(self, sep=","):
        rows = ["CUST_ID" + sep + "age" + sep + "balance" + sep + "job"]
        for i in range(40):
            rows.append(sep.join([f"C{i}", str(20 + i % 37), str(100 * (i % 11)),
                                  ["admin", "retired", "student"][i % 3]]))
        return "\n".join(rows) + "\n"

    def assert_fails(self, args, *fragments):
        code, _, err = run(*args)
        self.assertEqual(code, 1, err)
        for frag in fragments:
            self.assertIn(frag, err)
        self.assertNotRegex(err, r"\bSEG_[A-Z_]+", "a C name in a CLI message")
        return err

    # --- a typo in a column name lists the closest names ---------------------

    def test_typo_in_columns_suggests(self):
        path = self.write("c.csv", self.customers())
        self.assert_fails(["segment", path, "-k", "2", "--id", "CUST_ID", "--columns", "AGE,balance"],
                          "no column named 'AGE'; did you mean 'age'?")

    def test_typo_in_id_suggests(self):
        path = self.write("c.csv", self.customers())
        self.assert_fails(["segment", path, "-k", "2", "--id", "CUSTID"],
                          "did you mean 'CUST_ID'?")

    def test_typo_in_weight_suggests(self):
        path = self.write("c.csv", self.customers())
        self.assert_fails(["segment", path, "-k", "2", "--id", "CUST_ID", "--weight", "balanse"],
                          "no column named 'balanse' for the weights; did you mean 'balance'?")

    def test_typo_in_target_suggests(self):
        path = self.write("y.csv", "id,age,y\nc1,30,yes\nc2,40,no\nc3,50,yes\nc4,60,no\n")
        self.assert_fails(["segment", path, "-k", "2", "--id", "id", "--target", "Y"],
                          "no column named 'Y'; did you mean 'y'?")

    def test_typo_with_memory_suggests(self):
        path = self.write("c.csv", self.customers())
        self.assert_fails(["segment", path, "-k", "2", "--memory", "64M", "--id", "CUST_ID",
                           "--columns", "age,balanc"],
                          path + ": no column named 'balanc'; did you mean 'balance'?")

    def test_no_suggestion_for_a_far_name(self):
        path = self.write("c.csv", self.customers())
        err = self.assert_fails(["segment", path, "-k", "2", "--id", "CUST_ID",
                                 "--columns", "zzzzzz"], "no column named 'zzzzzz'")
        self.assertNotIn("did you mean", err)

    def test_rfm_column_typo_suggests(self):
        path = self.write("t.csv", "cust_id,Date,amount\n1,2020-01-01,3\n2,2020-01-02,4\n")
        self.assert_fails(["rfm", "--customer", "CUSTID", "--date", "Date", "--amount", "amount",
                           path],
                          path + ":1: no column 'CUSTID' in the header; did you mean 'cust_id'?")

    def train(self):
        path = self.write("tr.csv", "age,balance,job\n30,100,a\n40,200,b\n50,300,c\n60,400,a\n")
        model = os.path.join(self.dir, "m.seg")
        code, _, err = run("segment", path, "-k", "2", "--quiet", "--model", model)
        self.assertEqual(code, 0, err)
        return model

    def test_predict_missing_columns_suggest(self):
        model = self.train()
        path = self.write("new.csv", "AGE,balance,jb\n30,100,a\n")
        self.assert_fails(["predict", model, path],
                          "lacks 2 columns of the model: age (did you mean 'AGE'?), "
                          "job (did you mean 'jb'?)")

    def test_option_values_out_of_range_name_the_option(self):
        # Whole numbers and delimiters are checked by the option table, the
        # option named and its range given, before any file is read.
        for args, message in (
                (["predict", "m.seg", "f.csv", "--threads", "9999"],
                 "--threads takes a whole number from 0 to 4096, not '9999'"),
                (["predict", "m.seg", "f.csv", "--threads=2x"],
                 "--threads takes a whole number from 0 to 4096, not '2x'"),
                (["explain", "m.seg", "f.csv", "--delimiter", ";;"],
                 "--delimiter takes one character, not ';;'"),
                (["rfm", "t.csv", "--bins", "1"],
                 "--bins takes a whole number from 2 to 100, not '1'"),
                (["rfm", "t.csv", "--seed", "1.5"], "--seed takes a whole number, not '1.5'"),
                (["fairness", "a.csv", "b.csv", "--protected", "x", "--min-segment-size", "-1"],
                 "--min-segment-size takes a whole number from 0 to 1000000000000, not '-1'")):
            code, _, err = run(*args)
            self.assertEqual(code, 2, args)
            self.assertIn(message, err)

    def test_predict_extreme_row_names_file_and_line(self):
        model = self.train()
        path = self.write("new.csv", "age,balance,job\n30,100,a\n\n1e308,100,a\n")
        self.assert_fails(["predict", model, path],
                          path + ":4: the row's features are too large to square")

    # --- a wrong delimiter says so -------------------------------------------

    def test_pipe_file_names_the_delimiter(self):
        path = self.write("p.csv", self.customers("|"))
        self.assert_fails(["segment", path, "-k", "2"],
                          path + ":1:1: the file reads as one column named 'CUST_ID|age|balance|job'",
                          "the delimiter looks like '|' (use --delimiter '|')")

    def test_forced_wrong_delimiter_names_the_right_one(self):
        path = self.write("s.csv", self.customers(";"))
        for extra in ([], ["--memory", "64M"]):
            self.assert_fails(["segment", path, "-k", "2", "--delimiter", ","] + extra,
                              path + ":1:1:", "the delimiter looks like ';' (use --delimiter ';')")

    def test_id_typo_names_the_column_as_the_user_gave_it(self):
        path = self.write("c.csv", self.customers(","))
        for extra in ([], ["--memory", "64M"]):
            code, _, err = run("segment", path, "-k", "2", "--id", "CUST_IDD", "--quiet", *extra)
            self.assertEqual(code, 1, err)
            self.assertIn('found no column named "CUST_IDD" (named in the options)', err)
            self.assertIn("did you mean 'CUST_ID'?", err)
            self.assertNotIn("forced", err)

    def test_rfm_wrong_delimiter_hint(self):
        path = self.write("t.csv", "cust;date;amount\n1;2020-01-01;3\n")
        self.assert_fails(["rfm", "--customer", "cust", "--date", "date", "--amount", "amount",
                           "--delimiter", ",", path],
                          "the delimiter looks like ';' (use --delimiter ';')")

    def test_quoted_one_column_header_is_meant(self):
        path = self.write("q.csv", '"a;b"\nx;1\ny;2\nz;3\n')
        code, _, err = run("segment", path, "-k", "2", "--quiet")
        self.assertNotIn("delimiter", err)

    # --- values and rows -----------------------------------------------------

    def test_denormal_values_scale(self):
        path = self.write("d.csv", "a,b\n1e-310,2e-310\n3e-310,4e-320\n5e-311,6e-309\n"
                          "7e-312,8e-311\n")
        feats = os.path.join(self.dir, "f.csv")
        code, _, err = run("segment", path, "-k", "2", "--quiet", "--features", feats)
        self.assertEqual(code, 0, err)
        with open(feats) as f:
            rows = [list(map(float, line.split(","))) for line in f.read().split("\n")[1:] if line]
        # Standard scaling of column a by hand: mean 114.25e-312, population
        # standard deviation sqrt(12584.1875)e-312.
        a = [100, 300, 50, 7]
        mean = sum(a) / 4
        std = (sum((v - mean) ** 2 for v in a) / 4) ** 0.5
        for row, v in zip(rows, a):
            self.assertAlmostEqual(row[0], (v - mean) / std, places=9)

    def test_memory_fit_scales_tiny_and_huge_columns(self):
        # The streaming scaler (--memory) squared raw deviations: subnormal
        # columns got a spread of 0, columns near 1e200 an infinite one.
        import random
        rng = random.Random(3)
        rows = [f"{rng.random() * 1e-310:.6g},{rng.random() * 1e200:.6g},{rng.random():.6g}"
                for _ in range(3000)]
        path = self.write("e.csv", "tiny,huge,plain\n" + "\n".join(rows) + "\n")
        out = os.path.join(self.dir, "a.csv")
        code, _, err = run("segment", path, "-k", "3", "--memory", "64M", "--quiet",
                           "--assignments", out)
        self.assertEqual(code, 0, err)
        with open(out) as f:
            labels = [line.split(",")[1] for line in f.read().split("\n")[1:] if line]
        self.assertEqual(len(labels), 3000)
        self.assertEqual(len(set(labels)), 3)

    def test_too_large_to_scale_names_file_line_and_field(self):
        # The blank line makes row 3 sit on line 5.
        path = self.write("b.csv", "b,a\n2,1\n\n3,-1e308\n4,1.5e308\n6,5\n")
        self.assert_fails(["segment", path, "-k", "2", "--scale", "minmax"],
                          path + ":5:2: column 'a': the value 1.5e+308 is too large to scale")

    def test_bad_weight_names_file_line_and_field(self):
        path = self.write("w.csv", "id,x,w\nc1,1,2\nc2,2,0\nc3,3,1\n")
        self.assert_fails(["segment", path, "-k", "2", "--id", "id", "--weight", "w"],
                          path + ":3:3: weight 'w' is 0")

    # --- messages that say a thing once and speak CLI --------------------------

    def test_out_of_memory_said_once(self):
        import random
        import resource
        rng = random.Random(2)
        path = os.path.join(self.dir, "m.csv")
        with open(path, "w") as f:
            f.write("a,b\n")
            f.writelines(f"{rng.random():.6f},{rng.random():.6f}\n" for _ in range(1000000))
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        # Address-space limits from tight to loose, until one makes the run
        # fail for memory (the library's detail is then "out of memory" too).
        for mb in range(90, 260, 10):
            def limit(mb=mb):
                resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))
            p = subprocess.run([SEG, "segment", path, "-k", "3", "--quiet"], env=env,
                               preexec_fn=limit, stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=120)
            if "Sanitizer" in p.stderr:
                # AddressSanitizer maps its shadow memory at start-up: under
                # an address-space limit its own allocator fails first
                self.skipTest("a sanitizer build cannot run under an address-space limit")
            if "out of memory" in p.stderr:
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertNotIn("out of memory: out of memory", p.stderr)
                self.assertRegex(p.stderr, r"^seg: [a-z -]+: out of memory")
                return
        self.skipTest("no address-space limit made the run fail for memory")

    def test_identifier_refusal_speaks_cli(self):
        rows = "\n".join(f"c{i},{i % 7}" for i in range(300))
        path = self.write("i.csv", "code,x\n" + rows + "\n")
        # Kept on purpose (--keep): the scaler's refusal, in the command's terms.
        err = self.assert_fails(["segment", path, "-k", "2", "--keep", "code"],
                                "column 'code' has a different value")
        self.assertIn("--id code", err)
        self.assertNotIn("SEG_", err)

    # --- the rules file of seg rfm -------------------------------------------

    def test_rules_directory(self):
        path = self.write("t.csv", "cust,date,amount\n1,2020-01-01,3\n2,2020-02-01,4\n")
        self.assert_fails(["rfm", "--customer", "cust", "--date", "date", "--amount", "amount",
                           "--rules", self.dir, path],
                          "--rules " + self.dir + ": cannot read: Is a directory")

    def test_rules_error_names_file_line_and_field(self):
        path = self.write("t.csv", "cust,date,amount\n1,2020-01-01,3\n2,2020-02-01,4\n")
        rules = self.write("r.txt", "# name,R,F,M\nvip,5,x,*\n")
        self.assert_fails(["rfm", "--customer", "cust", "--date", "date", "--amount", "amount",
                           "--rules", rules, path],
                          rules + ": malformed input: rfm rules: line 2, field 3: the F range")

    def test_rfm_bad_row_names_the_field(self):
        path = self.write("t.csv", "cust,date,amount\n1,2020-01-01,3\n2,2020-02-01,lots\n")
        self.assert_fails(["rfm", "--customer", "cust", "--date", "date", "--amount", "amount",
                           path],
                          path + ":3:3: found an amount that is not a number: 'lots'")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
