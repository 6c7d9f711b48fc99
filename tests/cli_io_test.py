"""The `seg` program's standard input and its checked writes.

'-' and a pipe or redirected file on stdin are the input table; the bundled
data only on a terminal or /dev/null, and then said even under -q. A write
that fails (here to /dev/full) on stdout or on an output file exits 1 and
names the output.

Run by meson as: python3 cli_io_test.py SEG_BINARY SOURCE_ROOT
"""
import csv
import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
SRC = sys.argv[2] if len(sys.argv) > 2 else "."
HEAD = os.path.join(SRC, "tests", "data", "bank-plain-head.csv")
RFM = os.path.join(SRC, "tests", "data", "rfm_log.csv")
RFM_ARGS = ["--customer", "CustomerID", "--date", "InvoiceDate", "--quantity", "Quantity",
            "--price", "UnitPrice"]
FULL = "/dev/full"


def full_device():
    """/dev/full as the device it should be. An output written to a temp file
    and renamed (--model) would replace it with a regular file when the tests
    run as root, so no test points such an output at it."""
    try:
        return stat.S_ISCHR(os.stat(FULL).st_mode)
    except OSError:
        return False


def run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, data=None):
    """seg ARGS with stdin from a file object, DEVNULL, or (data) a pipe."""
    if data is not None:
        p = subprocess.run([SEG, *args], input=data, stdout=stdout, stderr=subprocess.PIPE,
                           timeout=300)
    else:
        p = subprocess.run([SEG, *args], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                           timeout=300)
    out = p.stdout.decode() if p.stdout is not None else ""
    return p.returncode, out, p.stderr.decode()


def to_full(args):
    """seg ARGS with standard output on /dev/full."""
    with open(FULL, "wb") as full:
        return run(args, stdout=full)


def comparable(text):
    """A segment --json document without what may differ between runs of
    the same data: the file name and the timings."""
    doc = json.loads(text)
    doc.pop("file", None)
    return {k: v for k, v in doc.items() if not k.endswith("_seconds")}


class Fixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.model = os.path.join(d, "m.seg")
        code, _, err = run(["segment", HEAD, "-k", "3", "-q", "--drop", "y,duration",
                            "--model", cls.model])
        assert code == 0, err
        # Two snapshots with an id column for migrate.
        with open(HEAD, newline="") as f:
            rows = list(csv.DictReader(f))
        fields = ["cust"] + list(rows[0].keys())
        cls.old, cls.new = os.path.join(d, "old.csv"), os.path.join(d, "new.csv")
        for path, part, first in ((cls.old, rows[:300], 0), (cls.new, rows[100:400], 100)):
            with open(path, "w", newline="") as f:
                w = csv.DictWriter(f, fields)
                w.writeheader()
                for i, r in enumerate(part):
                    w.writerow(dict(r, cust="c%d" % (first + i)))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)


@unittest.skipUnless(full_device(), "no /dev/full device")
class WriteErrors(Fixture):
    def stdout_commands(self):
        m = self.model
        return [
            ["segment", HEAD, "-k", "3", "-q"],
            ["segment", HEAD, "-k", "3", "-q", "--json"],
            ["segment", HEAD, "-k", "3", "-q", "--assignments", "-"],
            ["info", m],
            ["info", m, "--json"],
            ["rfm", RFM, *RFM_ARGS],
            ["rfm", RFM, *RFM_ARGS, "--json"],
            ["predict", m, HEAD],
            ["predict", m, HEAD, "--json"],
            ["drift", m, m],
            ["drift", m, m, "--json"],
            ["migrate", m, self.old, self.new, "--id", "cust"],
            ["migrate", m, self.old, self.new, "--id", "cust", "--json"],
            ["--help"],
            ["--version"],
            ["segment", "--help"],
        ]

    def test_every_command_fails_on_a_full_stdout(self):
        for args in self.stdout_commands():
            with self.subTest(args=args):
                # The same command to a pipe works: the failure is the write's.
                self.assertEqual(run(args)[0], 0)
                code, _, err = to_full(args)
                self.assertEqual(code, 1, err)
                self.assertIn("standard output", err)
                self.assertIn("No space left on device", err)

    def test_output_files_on_a_full_disk(self):
        m = self.model
        for args in (
            ["segment", HEAD, "-k", "3", "-q", "--assignments", FULL],
            ["segment", HEAD, "-k", "3", "-q", "--features", FULL],
            ["segment", HEAD, "-k", "3", "-q", "--report", FULL],
            ["predict", m, HEAD, "-o", FULL],
            ["rfm", RFM, *RFM_ARGS, "-o", FULL],
            ["migrate", m, self.old, self.new, "--id", "cust", "--report", FULL],
        ):
            with self.subTest(args=args):
                code, _, err = run(args)
                self.assertEqual(code, 1, err)
                self.assertIn(FULL, err)
                self.assertIn("No space left on device", err)
                self.assertTrue(full_device(), "%s replaced /dev/full" % args)


class StandardInput(Fixture):
    def same_as_file(self, args, rest, compare):
        """args + FILE, '-' < FILE, a pipe without FILE, < FILE without FILE:
        the same output."""
        with open(rest, "rb") as f:
            data = f.read()
        code, want, err = run(args + [rest])
        self.assertEqual(code, 0, err)
        with open(rest, "rb") as f:
            dash = run(args + ["-"], stdin=f)
        piped = run(args, data=data)
        with open(rest, "rb") as f:
            redirected = run(args, stdin=f)
        for name, (code, out, err) in (("-", dash), ("pipe", piped), ("<", redirected)):
            with self.subTest(how=name):
                self.assertEqual(code, 0, err)
                self.assertNotIn("bundled", err)
                self.assertEqual(compare(out), compare(want))

    def test_segment(self):
        self.same_as_file(["segment", "-k", "3", "-q", "--json"], HEAD, comparable)

    def test_segment_assignments(self):
        self.same_as_file(["segment", "-k", "3", "-q", "--assignments", "-"], HEAD,
                          lambda out: out.split("\nlibseg")[0])

    def test_predict(self):
        self.same_as_file(["predict", self.model], HEAD, lambda out: out)

    def test_rfm(self):
        self.same_as_file(["rfm", *RFM_ARGS, "--json"], RFM,
                          lambda out: {k: v for k, v in json.loads(out).items() if k != "file"})

    def test_migrate_new_from_stdin(self):
        args = ["migrate", self.model, self.old]
        code, want, err = run(args + [self.new, "--id", "cust", "--json"])
        self.assertEqual(code, 0, err)
        with open(self.new, "rb") as f:
            code, out, err = run(args + ["-", "--id", "cust", "--json"], stdin=f)
        self.assertEqual(code, 0, err)
        strip = lambda t: {k: v for k, v in json.loads(t).items() if k not in ("old", "new")}
        self.assertEqual(strip(out), strip(want))
        code, _, err = run(["migrate", self.model, "-", "-", "--id", "cust"])
        self.assertEqual(code, 2, err)

    def test_dev_null_is_the_bundled_sample_said_even_quiet(self):
        for quiet in ([], ["-q"]):
            with self.subTest(quiet=quiet):
                code, out, err = run(["segment", *quiet, "-k", "2", "--max-iter", "3", "--json"])
                self.assertEqual(code, 0, err)
                self.assertIn("bundled bank data", err)
                self.assertTrue(json.loads(out)["file"].endswith("bank-full.csv"))

    def test_malformed_csv_names_stdin_line_and_column(self):
        data = b"a,b\n1,2\n3,\"x\n"
        for args in (["segment", "-k", "2", "-q"], ["segment", "-", "-k", "2", "-q"]):
            with self.subTest(args=args):
                code, _, err = run(args, data=data)
                self.assertEqual(code, 1, err)
                self.assertIn("<stdin>:3:", err)
                self.assertRegex(err, r"<stdin>:3:\d+:")
        code, _, err = run(["rfm", "-", *RFM_ARGS],
                           data=b"CustomerID,InvoiceDate,Quantity,UnitPrice\n1,2010-01-01,\"3\n")
        self.assertEqual(code, 1, err)
        self.assertRegex(err, r"<stdin>:2:\d+:")

    def test_empty_stdin_file_is_read_not_replaced(self):
        empty = self.path("empty.csv")
        open(empty, "w").close()
        with open(empty, "rb") as f:
            code, _, err = run(["segment", "-k", "2", "-q"], stdin=f)
        self.assertEqual(code, 1, err)
        self.assertNotIn("bundled", err)

    def test_memory_refuses_stdin(self):
        with open(HEAD, "rb") as f:
            code, out, err = run(["segment", "-", "-k", "3", "--memory", "64M"], stdin=f)
        self.assertEqual((code, out), (2, ""), err)
        self.assertIn("standard input", err)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
