"""End-to-end test of `seg segment --memory`: a file larger than the memory
the process may use is segmented under an address-space cap (RLIMIT_AS), and
the result is checked against the generated structure and against the
in-memory run on a slice.

The cap, honestly: the process needs a fixed reservation whatever the data
(the program and its libraries mapped, and OpenBLAS's GEMM buffer, which it
allocates on the first GEMM and retries forever when the allocation fails).
That baseline is measured here, by bisection on a tiny file, with one BLAS
thread and one library thread (--threads 1): every thread that runs a GEMM
at the same time as another gets a buffer of its own (128 MiB of address
space, mostly never touched), so with more threads the reservation varies
from run to run.
The cap is the baseline plus DATA_ROOM, and the file is about three times
DATA_ROOM: holding it would need that much above the baseline, and the
in-memory run under the same cap must fail.

Run by meson as: python3 ooc_test.py SEG_BINARY SOURCE_ROOT
"""
import csv
import os
import resource
import subprocess
import sys
import tempfile
import unittest

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
MIB = 1 << 20
BUDGET = 16 * MIB     # --memory
DATA_ROOM = 32 * MIB  # what the cap allows above the baseline
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
CENTRES = [(-30, 20, 0, 10, -5), (25, -20, 15, 0, 5), (0, 0, -25, -20, 30), (30, 30, 30, -30, 0)]
REGIONS = ["north", "south", "east", "west"]


def run(args, cap=None, timeout=120):
    """Run seg under an address-space cap; (returncode, stdout, stderr, peak RSS bytes)."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    if os.environ.get("OOC_TEST_TRACE"):
        print("run (cap %s): %s" % (cap and cap // MIB, " ".join(args)), file=sys.stderr)
    if args[0] == "segment":
        args = [*args, "--threads", "1"]
    p = subprocess.Popen([SEG, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
                         preexec_fn=limit if cap else None, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return -9, out, err + "\n(timed out)", 0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # only a bound: max over children so far
    return p.returncode, out, err, ru.ru_maxrss * 1024


def write_blobs(path, rows, seed=7):
    """rows customers in 4 well separated blobs (5 numeric columns, a region
    named after the blob, an id); returns the blob of each id."""
    import random
    rnd = random.Random(seed)
    block = []
    for i in range(4096):
        b = i % 4
        vals = ",".join("%.3f" % (c + rnd.gauss(0, 1)) for c in CENTRES[b])
        block.append((b, vals + "," + REGIONS[b] + "\n"))
    truth = {}
    with open(path, "w") as f:
        f.write("id,a,b,c,d,e,region\n")
        for r in range((rows + len(block) - 1) // len(block)):
            chunk = []
            for i, (b, line) in enumerate(block):
                n = r * len(block) + i
                if n >= rows:
                    break
                cid = "c%d" % n
                truth[cid] = b
                chunk.append(cid + "," + line)
            f.write("".join(chunk))
    return truth


def labels_match(truth, assign_path, id_of=lambda x: x):
    """True when the written segments are the blobs up to renaming."""
    pairs = {}
    with open(assign_path, newline="") as f:
        for row in csv.DictReader(f):
            pairs.setdefault(int(row["segment"]), set()).add(truth[id_of(row["id"])])
    return len(pairs) == 4 and all(len(v) == 1 for v in pairs.values()) and \
        len(set().union(*pairs.values())) == 4


class OutOfCore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        tiny = os.path.join(cls.dir, "tiny.csv")
        write_blobs(tiny, 400)
        # The fixed reservation: smallest cap (4 MiB steps) under which a tiny
        # file runs through the same passes.
        lo, hi = 64 * MIB, 512 * MIB
        args = ["segment", tiny, "--id", "id", "--k", "4", "--memory", str(BUDGET), "--exact",
                "--quiet"]
        code = run(args, cap=hi, timeout=10)[0]
        if code != 0:
            raise unittest.SkipTest("seg does not run under a 512 MiB address-space cap")
        while hi - lo > 4 * MIB:
            mid = (lo + hi) // 2
            if run(args, cap=mid, timeout=1.5)[0] == 0:
                hi = mid
            else:
                lo = mid
        cls.baseline = hi
        cls.cap = hi + DATA_ROOM
        cls.big = os.path.join(cls.dir, "big.csv")
        rows = 3 * DATA_ROOM // 52  # about 52 bytes a row
        cls.truth = write_blobs(cls.big, rows)
        cls.size = os.path.getsize(cls.big)
        print("baseline %.0f MiB, cap %.0f MiB, file %.0f MiB (%d rows)"
              % (cls.baseline / MIB, cls.cap / MIB, cls.size / MIB, rows), file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_file_exceeds_the_room(self):
        self.assertGreater(self.size, 2.5 * DATA_ROOM)
        # Reading it whole under the same cap fails (the whole file and its
        # dataset do not fit in the room above the baseline).
        code, _, err, _ = run(["segment", self.big, "--id", "id", "--k", "4", "--quiet"],
                              cap=self.cap, timeout=60)
        self.assertNotEqual(code, 0)

    def test_exact_under_cap(self):
        assign, model = self.path("exact.csv"), self.path("exact.seg")
        code, out, err, _ = run(["segment", self.big, "--id", "id", "--k", "4", "--memory",
                                 str(BUDGET), "--exact", "--assignments", assign, "--model",
                                 model], cap=self.cap)
        self.assertEqual(code, 0, err)
        self.assertIn("exact (Lloyd) k-means, k = 4", out)
        self.assertTrue(labels_match(self.truth, assign))
        code, out, err, _ = run(["info", model])
        self.assertEqual(code, 0, err)
        self.assertIn("fitted on %d customers" % len(self.truth), out)
        # The model carries an outlier reference: fresh rows like the training
        # ones are flagged at about the default rate (0.5 %): within 4 binomial
        # sigma, plus 0.2 % for the sketch (each grid point within 0.1 % in rank).
        fresh = self.path("fresh.csv")
        write_blobs(fresh, 20000, seed=11)
        flagged = self.path("flagged.csv")
        code, out, err, _ = run(["predict", model, fresh, "--id", "id", "--flag-outliers",
                                 "--output", flagged])
        self.assertEqual(code, 0, err)
        with open(flagged, newline="") as f:
            flags = [int(r["flag"]) for r in csv.DictReader(f)]
        self.assertEqual(len(flags), 20000)
        self.assertLess(abs(sum(flags) / 20000 - 0.005), 4 * (0.005 * 0.995 / 20000) ** 0.5 + 0.002)

    def test_minibatch_under_cap_with_pseudonyms(self):
        key = self.path("key")
        with open(key, "w") as f:
            f.write("a secret of at least sixteen bytes\n")
        assign = self.path("mb.csv")
        code, out, err, _ = run(["segment", self.big, "--id", "id", "--k", "4", "--memory",
                                 str(BUDGET), "--assignments", assign, "--pseudonymize-key", key,
                                 "--json"], cap=self.cap)
        self.assertEqual(code, 0, err)
        self.assertIn('"method": "minibatch"', out)
        # Pseudonyms: 64 hex characters, none of them an id; the rows come in
        # file order, so row i is customer c<i>.
        with open(assign, newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), len(self.truth))
        self.assertTrue(all(len(r["id"]) == 64 and r["id"] not in self.truth for r in rows[:50]))
        renamed = self.path("mb_ids.csv")
        with open(renamed, "w") as f:
            f.write("id,segment,distance\n")
            for i, r in enumerate(rows):
                f.write("c%d,%s,%s\n" % (i, r["segment"], r["distance"]))
        self.assertTrue(labels_match(self.truth, renamed))

    def test_matches_in_memory_on_a_slice(self):
        # A slice small enough to hold: the streamed exact Lloyd and the
        # in-memory Lloyd give the same labels and, to rounding, distances.
        small = self.path("slice.csv")
        with open(self.big) as f, open(small, "w") as g:
            for i, line in enumerate(f):
                if i > 30000:
                    break
                g.write(line)
        a, b = self.path("s1.csv"), self.path("s2.csv")
        code, _, err, _ = run(["segment", small, "--id", "id", "--k", "4", "--memory", "8M",
                               "--exact", "--assignments", a, "--quiet"])
        self.assertEqual(code, 0, err)
        code, _, err, _ = run(["segment", small, "--id", "id", "--k", "4", "--algorithm", "lloyd",
                               "--assignments", b, "--quiet"])
        self.assertEqual(code, 0, err)
        with open(a, newline="") as f, open(b, newline="") as g:
            ra, rb = list(csv.DictReader(f)), list(csv.DictReader(g))
        self.assertEqual(len(ra), 30000)
        self.assertEqual([r["id"] for r in ra], [r["id"] for r in rb])
        # Segment numbers follow sizes, then coordinates: the same in both.
        self.assertEqual([r["segment"] for r in ra], [r["segment"] for r in rb])
        for x, y in zip(ra, rb):
            self.assertAlmostEqual(float(x["distance"]), float(y["distance"]), delta=1e-6)

    def test_model_records_what_was_left_out(self):
        # The streamed run's model says which columns it did not use and
        # why, as an in-memory one does (seg info's "left out" lines).
        import json
        model = self.path("left.seg")
        for choice, want in ((["--drop", "e"], {"e": "dropped (--drop)"}),
                             (["--columns", "a,b,c,region"],
                              {"d": "not named in --columns", "e": "not named in --columns"})):
            code, _, err, _ = run(["segment", self.path("tiny.csv"), "--id", "id", "--k", "4",
                                   "--memory", "8M", "--exact", *choice, "--model", model,
                                   "--quiet"])
            self.assertEqual(code, 0, err)
            code, out, err, _ = run(["info", model, "--json"])
            self.assertEqual(code, 0, err)
            left = {c["column"]: c["reason"] for c in json.loads(out)["preparation"]["left_out"]}
            self.assertEqual(left, {"id": "the row id (--id)", **want})

    def test_budget_too_small(self):
        code, _, err, _ = run(["segment", self.big, "--id", "id", "--k", "4", "--memory", "1M"])
        self.assertEqual(code, 2)
        self.assertIn("--memory 1048576 bytes is too small", err)
        code, _, err, _ = run(["segment", self.big, "--k", "4", "--memory", "12X"])
        self.assertEqual(code, 2)
        self.assertIn("--memory takes a size in bytes", err)
        code, _, err, _ = run(["segment", self.big, "--memory", "64M"])
        self.assertEqual(code, 2)
        self.assertIn("--memory needs --k", err)
        code, _, err, _ = run(["segment", self.big, "--k", "3", "--exact"])
        self.assertEqual(code, 2)
        self.assertIn("--exact goes with --memory", err)


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    skipped = len(result.skipped)
    print("%d passed, %d failed" % (result.testsRun - failed - skipped, failed))
    sys.exit(1 if failed else (77 if skipped == result.testsRun else 0))
