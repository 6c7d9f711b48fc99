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

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
SRC = sys.argv[2] if len(sys.argv) > 2 else "."
HEAD = os.path.join(SRC, "tests", "data", "bank-plain-head.csv")
BANK = os.path.join(SRC, "examples", "data", "bank-full.csv")


def run(*args, preexec_fn=None):
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=600, preexec_fn=preexec_fn)
    return p.returncode, p.stdout, p.stderr


class Threads(unittest.TestCase):
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


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
