"""`seg` under hostile conditions and options that must not be mixed up:
thread creation under an address-space limit, thread count under a
one-CPU affinity mask, --k-min/--k-max, k equal to the distinct rows.

Run by meson as: python3 cli_guard_test.py SEG_BINARY SOURCE_ROOT
"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import unittest

from seg_asan import built_with_asan

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
SRC = sys.argv[2] if len(sys.argv) > 2 else "."
HEAD = os.path.join(SRC, "tests", "data", "bank-plain-head.csv")
BANK = os.path.join(SRC, "examples", "data", "bank-full.csv")


# AddressSanitizer reserves terabytes of address space at start: under an
# address-space limit an ASan build cannot even start, so the tests that set
# one run only in the plain build.
ASAN = built_with_asan(SEG)


def run(*args, preexec_fn=None):
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=600, preexec_fn=preexec_fn)
    return p.returncode, p.stdout, p.stderr


class Threads(unittest.TestCase):
    @unittest.skipIf(ASAN, "an ASan build cannot run under an address-space limit")
    def test_many_threads_under_address_limit(self):
        """--threads 256 with 400 MB of address space: 256 stacks of 8 MiB do
        not fit, and libgomp would exit with "Thread creation failed"."""
        def limit():
            resource.setrlimit(resource.RLIMIT_AS, (400_000 * 1024, 400_000 * 1024))
        for extra in ([], ["--algorithm", "elkan"], ["--silhouette-sample", "2000"]):
            with self.subTest(extra=extra):
                rc, out, err = run("segment", BANK, "-k", "4", "--threads", "256", "--json", *extra,
                                   preexec_fn=limit)
                self.assertNotIn("Thread creation failed", err)
                self.assertNotIn("libgomp", err)
                self.assertIn(rc, (0, 1), err)
                if rc == 0:
                    self.assertEqual(json.loads(out)["k"] >= 1, True)
                else:
                    self.assertTrue(err.strip(), "an error exit must say why")

    @unittest.skipIf(ASAN, "an ASan build cannot run under an address-space limit")
    def test_predict_with_many_threads_under_address_limit(self):
        """The labelling pass of seg predict, on 256 threads, under the same limit."""
        def limit():
            resource.setrlimit(resource.RLIMIT_AS, (400_000 * 1024, 400_000 * 1024))
        with tempfile.TemporaryDirectory() as tmp:
            model = os.path.join(tmp, "m.seg")
            out = os.path.join(tmp, "a.csv")
            rc, _, err = run("segment", BANK, "-k", "4", "--drop", "y,duration", "-o", model)
            self.assertEqual(rc, 0, err)
            rc, _, err = run("predict", model, BANK, "--threads", "256", "-o", out,
                             preexec_fn=limit)
            self.assertNotIn("Thread creation failed", err)
            self.assertIn(rc, (0, 1), err)
            if rc == 0:
                with open(out) as f:
                    self.assertEqual(sum(1 for _ in f), 45212)  # header + 45,211 rows

    def test_default_threads_follow_affinity(self):
        """A process allowed one CPU runs one thread by default."""
        cpus = sorted(os.sched_getaffinity(0))

        def one_cpu():
            os.sched_setaffinity(0, {cpus[0]})
        rc, out, err = run("segment", HEAD, "--json", "-k", "3", preexec_fn=one_cpu)
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["threads"], 1)
        rc, out, err = run("segment", HEAD, "--json", "-k", "3", "--threads", "3", preexec_fn=one_cpu)
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["threads"], 3)  # an explicit count is kept
        if len(cpus) > 1:
            rc, out, err = run("segment", HEAD, "--json", "-k", "3")
            self.assertEqual(rc, 0, err)
            self.assertGreaterEqual(json.loads(out)["threads"], 1)
            self.assertLessEqual(json.loads(out)["threads"], len(cpus))


class Options(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_k_range_of_the_sweep(self):
        """--k-min and --k-max each set their own end of the sweep."""
        rc, out, err = run("segment", HEAD, "--k-min", "8", "--k-max", "9", "--json")
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual([r["k"] for r in doc["sweep"]], [8, 9])
        self.assertIn(doc["k"], (8, 9))
        rc, out, err = run("segment", HEAD, "--k-max", "4", "--k-min", "3", "--json")
        self.assertEqual(rc, 0, err)
        self.assertEqual([r["k"] for r in json.loads(out)["sweep"]], [3, 4])
        rc, out, err = run("segment", HEAD, "--k-min", "10", "--k-max", "2")
        self.assertEqual(rc, 2)
        self.assertIn("--k-min is larger than --k-max", err)
        rc, out, err = run("segment", HEAD, "--k-min", "11")  # above the default --k-max 10
        self.assertEqual(rc, 2)

    def test_k_equal_to_distinct_rows(self):
        """k = the number of distinct rows is allowed (docs/limits.md); the
        Calinski-Harabasz index is then 1, as scikit-learn defines it."""
        cases = {"distinct.csv": "a,b\n1,2\n3,4\n5,7\n",
                 "repeated.csv": "a,b\n0.1,0.7\n0.1,0.7\n0.1,0.7\n3,4\n3,4\n5,7\n"}
        for name, text in cases.items():
            with self.subTest(name=name):
                path = os.path.join(self.dir, name)
                with open(path, "w") as f:
                    f.write(text)
                rc, out, err = run("segment", path, "-k", "3", "--json")
                self.assertEqual(rc, 0, err)
                doc = json.loads(out)
                self.assertEqual(doc["k"], 3)
                self.assertEqual(doc["calinski_harabasz"], 1)
                rc, out, err = run("segment", path, "-k", "4", "--json")
                self.assertEqual(rc, 1)
                self.assertIn("distinct", err)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
