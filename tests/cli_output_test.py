"""The `seg` program's output files are written all or nothing (issue 14).

Every output path is checked before any work (a missing directory, two
outputs that are one file, an output that is an input: exit 2); each file
is written to a temporary file `.NAME.seg-tmp.PID.XXXXXX` next to its target
and renamed once every output succeeded, so a failed or killed run leaves
the previous files as they were; orphan temporary files of dead runs are
removed by the next run writing to that directory; `--assignments -` keeps
stdout CSV. The crash test kills `seg segment` at 50 seeded random moments.

No test here points an output at a device: /dev/full is used only as
standard output (a redirection), as the helper rules ask.

Run by meson as: python3 cli_output_test.py SEG_BINARY SOURCE_ROOT
"""
import csv
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
SRC = sys.argv[2] if len(sys.argv) > 2 else "."
HEAD = os.path.join(SRC, "tests", "data", "bank-plain-head.csv")
RFM = os.path.join(SRC, "tests", "data", "rfm_log.csv")
RFM_ARGS = ["--customer", "CustomerID", "--date", "InvoiceDate", "--quantity", "Quantity",
            "--price", "UnitPrice"]
FULL = "/dev/full"
TMP_NAME = re.compile(r"^\.(.+)\.seg-tmp\.(\d+)\.[0-9a-f]{6}$")
OLD = b"old content, must survive\n"


def run(args, stdout=subprocess.PIPE, limit_size=None):
    """seg ARGS; with limit_size, files larger than that many bytes cannot be
    written (RLIMIT_FSIZE, SIGXFSZ ignored: the write fails with EFBIG)."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_size, limit_size))

    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, stdout=stdout,
                       stderr=subprocess.PIPE, timeout=300,
                       preexec_fn=limit if limit_size else None)
    out = p.stdout.decode() if p.stdout is not None else ""
    return p.returncode, out, p.stderr.decode()


def full_device():
    try:
        return stat.S_ISCHR(os.stat(FULL).st_mode)
    except OSError:
        return False


def temp_files(d):
    return sorted(n for n in os.listdir(d) if TMP_NAME.match(n))


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.d, name)

    def plant(self, *names):
        """Existing targets with known content."""
        for n in names:
            with open(self.path(n), "wb") as f:
                f.write(OLD)

    def assertUntouched(self, *names):
        for n in names:
            with open(self.path(n), "rb") as f:
                self.assertEqual(f.read(), OLD, "%s was changed" % n)
        self.assertEqual(temp_files(self.d), [])

    def model(self):
        """A model to predict and migrate with, outside the test directory."""
        m = os.path.join(os.path.dirname(self.d), os.path.basename(self.d) + ".model.seg")
        code, _, err = run(["segment", HEAD, "-k", "3", "-q", "--model", m])
        self.assertEqual(code, 0, err)
        self.addCleanup(os.unlink, m)
        return m


class CheckedBeforeWork(Base):
    def test_missing_directory_fails_before_any_output(self):
        self.plant("m.seg")
        code, _, err = run(["segment", HEAD, "-k", "3", "-q", "--model", self.path("m.seg"),
                            "--assignments", self.path("a.csv"), "--features",
                            self.path("f.npy"), "--report", "/nonexistent/r.html"])
        self.assertEqual(code, 2, err)
        self.assertIn("--report /nonexistent/r.html", err)
        self.assertIn("does not exist", err)
        self.assertUntouched("m.seg")
        self.assertEqual(sorted(os.listdir(self.d)), ["m.seg"])

    def test_two_outputs_one_file(self):
        a = self.path("a.csv")
        code, _, err = run(["segment", HEAD, "-k", "3", "-q", "--report", a,
                            "--assignments", a])
        self.assertEqual(code, 2, err)
        self.assertIn("--report", err)
        self.assertIn("--assignments", err)
        self.assertIn("same file", err)
        self.assertFalse(os.path.exists(a))
        # The same file by another name: a hard link, a path through "..".
        self.plant("a.csv")
        os.link(a, self.path("b.csv"))
        os.mkdir(self.path("sub"))
        for other in (self.path("b.csv"), os.path.join(self.d, "sub", "..", "a.csv")):
            with self.subTest(other=other):
                code, _, err = run(["segment", HEAD, "-k", "3", "-q", "--features", other,
                                    "--assignments", a])
                self.assertEqual(code, 2, err)
                self.assertIn("same file", err)
                self.assertUntouched("a.csv")
        # Two new files with one name.
        code, _, err = run(["segment", HEAD, "-k", "3", "-q", "--model", self.path("n.seg"),
                            "--report", os.path.join(self.d, "sub", "..", "n.seg")])
        self.assertEqual(code, 2, err)
        self.assertFalse(os.path.exists(self.path("n.seg")))
        code, _, err = run(["segment", HEAD, "-k", "3", "-q", "--assignments", "-",
                            "--features", "-"])
        self.assertEqual(code, 2, err)

    def test_output_is_the_input(self):
        same = self.path("same.csv")
        shutil.copy(HEAD, same)
        with open(HEAD, "rb") as f:
            data = f.read()
        os.symlink(same, self.path("link.csv"))
        for extra in ([], ["--memory", "16M"], ["--method", "ward"]):
            for out in (same, self.path("link.csv")):
                with self.subTest(extra=extra, out=out):
                    code, _, err = run(["segment", same, "-k", "3", "-q", *extra,
                                        "--assignments", out])
                    self.assertEqual(code, 2, err)
                    self.assertIn("--assignments", err)
                    self.assertIn("FILE", err)
                    with open(same, "rb") as f:
                        self.assertEqual(f.read(), data)

    def test_other_commands_refuse_to_overwrite_an_input(self):
        m = self.model()
        with open(m, "rb") as f:
            model_bytes = f.read()
        rfm = self.path("log.csv")
        shutil.copy(RFM, rfm)
        with open(rfm, "rb") as f:
            rfm_bytes = f.read()
        old = self.path("old.csv")
        shutil.copy(HEAD, old)
        with open(old, "rb") as f:
            old_bytes = f.read()
        for args, path, data in (
            (["predict", m, HEAD, "-o", m], m, model_bytes),
            (["rfm", rfm, *RFM_ARGS, "-o", rfm], rfm, rfm_bytes),
            (["migrate", m, old, HEAD, "--id", "age", "--report", old], old, old_bytes),
        ):
            with self.subTest(cmd=args[0]):
                code, _, err = run(args)
                self.assertEqual(code, 2, err)
                self.assertIn("same file", err)
                with open(path, "rb") as f:
                    self.assertEqual(f.read(), data)


class AllOrNothing(Base):
    OUTS = ("m.seg", "a.csv", "f.npy", "r.html")

    def segment_args(self, *extra):
        return ["segment", HEAD, "-k", "3", "-q", *extra, "--model", self.path("m.seg"),
                "--assignments", self.path("a.csv"), "--features", self.path("f.npy"),
                "--report", self.path("r.html")]

    def test_failed_write_leaves_every_target_untouched(self):
        # The model (~30 KB) and the assignments (~8 KB) fit under the limit,
        # the features (~120 KB) do not, nor Ward's report (with its tree):
        # the outputs written before must not be replaced.
        for method in ("kmeans", "ward"):
            with self.subTest(method=method):
                self.plant(*self.OUTS)
                code, _, err = run(self.segment_args("--method", method), limit_size=60000)
                self.assertEqual(code, 1, err)
                self.assertIn(self.path("f.npy" if method == "kmeans" else "r.html"), err)
                self.assertIn("File too large", err)
                self.assertUntouched(*self.OUTS)
                # No limit: all four replaced, complete.
                code, _, err = run(self.segment_args("--method", method))
                self.assertEqual(code, 0, err)
                for n in self.OUTS:
                    with open(self.path(n), "rb") as f:
                        self.assertNotEqual(f.read(), OLD)
                self.assertEqual(temp_files(self.d), [])

    def test_failed_new_files_leave_nothing(self):
        code, _, err = run(self.segment_args(), limit_size=60000)
        self.assertEqual(code, 1, err)
        self.assertEqual(os.listdir(self.d), [])

    @unittest.skipUnless(full_device(), "no /dev/full device")
    def test_failed_stdout_keeps_the_files(self):
        """Standard output is one of the outputs: when the summary cannot
        be written, no file is replaced."""
        m = self.model()
        cases = [
            (self.segment_args(), self.OUTS),
            (self.segment_args("--method", "ward"), self.OUTS),
            (["segment", HEAD, "-k", "3", "-q", "--memory", "16M", "--model",
              self.path("m.seg"), "--assignments", self.path("a.csv")], ("m.seg", "a.csv")),
            (["predict", m, HEAD, "--json", "-o", self.path("a.csv")], ("a.csv",)),
            (["rfm", RFM, *RFM_ARGS, "-o", self.path("a.csv")], ("a.csv",)),
        ]
        for args, names in cases:
            with self.subTest(args=args[:2]):
                self.plant(*names)
                with open(FULL, "wb") as full:
                    code, _, err = run(args, stdout=full)
                self.assertEqual(code, 1, err)
                self.assertIn("standard output", err)
                self.assertIn("No space left on device", err)
                self.assertUntouched(*names)
                self.assertTrue(full_device())

    @unittest.skipUnless(os.geteuid() == 0, "mknod needs root")
    def test_device_is_written_not_replaced(self):
        """A full device of our own (/dev/full's numbers, in the test
        directory, so that the system's is never at risk): the model fails
        on it with ENOSPC, the node stays a device, and the other outputs
        are not replaced."""
        dev = self.path("full")
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 7))
        self.plant("a.csv")
        code, _, err = run(["segment", HEAD, "-k", "3", "-q", "--assignments",
                            self.path("a.csv"), "--model", dev])
        self.assertEqual(code, 1, err)
        self.assertIn(dev, err)
        self.assertIn("No space left on device", err)
        self.assertTrue(stat.S_ISCHR(os.lstat(dev).st_mode), "the device was replaced")
        self.assertUntouched("a.csv")

    def test_fifo_is_written_not_replaced(self):
        fifo = self.path("model.fifo")
        os.mkfifo(fifo)
        got = []

        def read():
            with open(fifo, "rb") as f:
                got.append(f.read())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        code, _, err = run(["segment", HEAD, "-k", "3", "-q", "--model", fifo])
        replaced = not stat.S_ISFIFO(os.lstat(fifo).st_mode)
        if replaced:
            # The reader still waits on the old FIFO: nothing will open it.
            self.fail("the FIFO was replaced")
        reader.join(60)
        self.assertEqual(code, 0, err)
        with open(self.path("m.seg"), "wb") as f:
            f.write(got[0])
        code, out, err = run(["info", self.path("m.seg"), "--json"])
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["k"], 3)

    def test_symlink_target_is_replaced_and_link_kept(self):
        real = self.path("real.csv")
        self.plant("real.csv")
        os.chmod(real, 0o640)
        if os.geteuid() == 0:
            os.chown(real, 65534, 65534)  # a replaced file keeps its owner too
        os.symlink("real.csv", self.path("link.csv"))
        code, _, err = run(["segment", HEAD, "-k", "3", "-q", "--assignments",
                            self.path("link.csv")])
        self.assertEqual(code, 0, err)
        self.assertTrue(os.path.islink(self.path("link.csv")))
        with open(real) as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["id", "segment", "distance"])
        self.assertEqual(len(rows), 501)
        self.assertEqual(stat.S_IMODE(os.stat(real).st_mode), 0o640)
        if os.geteuid() == 0:
            self.assertEqual((os.stat(real).st_uid, os.stat(real).st_gid), (65534, 65534))
        self.assertEqual(temp_files(self.d), [])


class Orphans(Base):
    def test_next_run_removes_dead_runs_temp_files(self):
        p = subprocess.Popen(["true"])
        p.wait()
        dead, live = p.pid, os.getpid()
        names = {
            ".a.csv.seg-tmp.%d.0a1b2c" % dead: False,   # dead run: removed
            ".m.seg.seg-tmp.%d.ffffff" % dead: False,
            ".a.csv.seg-tmp.%d.0a1b2c" % live: True,    # a live run's: kept
            ".a.csv.seg-tmp.x.0a1b2c": True,             # not our pattern
            "a.csv.seg-tmp.%d.0a1b2c" % dead: True,      # not hidden
        }
        for n in names:
            with open(self.path(n), "wb") as f:
                f.write(b"partial")
        code, _, err = run(["segment", HEAD, "-k", "3", "-q", "--assignments",
                            self.path("a.csv")])
        self.assertEqual(code, 0, err)
        for n, kept in names.items():
            self.assertEqual(os.path.exists(self.path(n)), kept, n)

    def test_other_directories_are_left_alone(self):
        os.mkdir(self.path("elsewhere"))
        p = subprocess.Popen(["true"])
        p.wait()
        orphan = os.path.join(self.d, "elsewhere", ".a.csv.seg-tmp.%d.0a1b2c" % p.pid)
        open(orphan, "wb").close()
        code, _, err = run(["segment", HEAD, "-k", "3", "-q", "--assignments",
                            self.path("a.csv")])
        self.assertEqual(code, 0, err)
        self.assertTrue(os.path.exists(orphan))


class StdoutStaysCsv(Base):
    def check_csv(self, out, rows, header):
        table = list(csv.reader(io.StringIO(out)))
        self.assertEqual(table[0], header)
        self.assertEqual(len(table), rows + 1)
        for r in table[1:]:
            self.assertEqual(len(r), len(header))
            int(r[1])

    def test_assignments_dash(self):
        for extra in ([], ["--json"], ["--memory", "16M"], ["--method", "ward"]):
            with self.subTest(extra=extra):
                code, out, err = run(["segment", HEAD, "-k", "3", *extra, "--assignments", "-"])
                self.assertEqual(code, 0, err)
                header = ["id", "segment"] if "ward" in extra else ["id", "segment", "distance"]
                self.check_csv(out, 500, header)
                self.assertIn("k = 3" if "--json" not in extra else '"k": 3', err)

    def test_rfm_output_dash(self):
        code, out, err = run(["rfm", RFM, *RFM_ARGS, "-o", "-"])
        self.assertEqual(code, 0, err)
        table = list(csv.reader(io.StringIO(out)))
        self.assertEqual(table[0][:2], ["customer", "recency"])
        self.assertTrue(all(len(r) == len(table[0]) for r in table))


class KillAtRandom(Base):
    """SIGKILL `seg segment` at 50 seeded random moments across its run:
    every output is afterwards the complete previous file or the complete
    new one, and nothing else is left but temporary files named as such,
    which the next run removes."""
    OUTS = ("m.seg", "a.csv", "f.csv", "r.html")
    KILLS = 50
    SEEDS = (1, 2, 3)

    def args(self, seed, d):
        return ["segment", HEAD, "-q", "--seed", str(seed), "--model", os.path.join(d, "m.seg"),
                "--assignments", os.path.join(d, "a.csv"), "--features",
                os.path.join(d, "f.csv"), "--report", os.path.join(d, "r.html")]

    def signature(self, d, name):
        """The bytes of an output; for the model, which records its fit
        time, what `seg info` reads from it (a model that does not load has
        no signature, so a partial one never matches)."""
        path = os.path.join(d, name)
        if name != "m.seg":
            with open(path, "rb") as f:
                return f.read()
        code, out, _ = run(["info", path, "--json"])
        if code != 0:
            return None
        doc = json.loads(out)
        doc.pop("model")
        return json.dumps(doc, sort_keys=True)

    def test_kill_at_random_moments(self):
        rng = random.Random(20261207)
        ref, seconds = {}, {}
        for s in self.SEEDS:
            d = self.path("ref%d" % s)
            os.mkdir(d)
            t0 = time.monotonic()
            code, _, err = run(self.args(s, d))
            seconds[s] = time.monotonic() - t0
            self.assertEqual(code, 0, err)
            ref[s] = {n: self.signature(d, n) for n in self.OUTS}
        # The runs must differ, or "old or new" would prove nothing.
        self.assertNotEqual(ref[1]["a.csv"], ref[2]["a.csv"])
        self.assertNotEqual(ref[2]["a.csv"], ref[3]["a.csv"])
        out = self.path("out")
        os.mkdir(out)
        code, _, err = run(self.args(self.SEEDS[0], out))
        self.assertEqual(code, 0, err)
        have = dict(ref[self.SEEDS[0]])
        replaced = temps_seen = 0
        killed = set()
        for i in range(self.KILLS):
            s = self.SEEDS[(i + 1) % len(self.SEEDS)]
            p = subprocess.Popen([SEG, *self.args(s, out)], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # Up to twice the slowest reference run: on a loaded machine a
            # run can take longer than its reference did, and some kills
            # must still land after the renames for "replaced" to be seen.
            time.sleep(rng.uniform(0, 2.0 * max(seconds.values())))
            p.send_signal(signal.SIGKILL)
            p.wait()
            killed.add(p.pid)
            for n in self.OUTS:
                now = self.signature(out, n)
                self.assertTrue(now in (have[n], ref[s][n]),
                                "kill %d: %s is neither the old nor the new file" % (i, n))
                replaced += now != have[n]
                have[n] = now
            for n in os.listdir(out):
                if n in self.OUTS:
                    continue
                m = TMP_NAME.match(n)
                self.assertTrue(m and m.group(1) in self.OUTS, "kill %d left %s" % (i, n))
                # Only killed runs' own: a run cleans older ones when it
                # checks its outputs, so a run killed before that check
                # leaves those of the runs before it.
                self.assertIn(int(m.group(2)), killed, n)
                temps_seen += 1
        code, _, err = run(self.args(self.SEEDS[0], out))
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(os.listdir(out)), sorted(self.OUTS))
        print("%d kills: %d outputs replaced, %d temporary files left and cleaned"
              % (self.KILLS, replaced, temps_seen), file=sys.stderr)
        self.assertGreater(replaced, 0, "no kill came late enough to test anything")


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v", *sys.argv[3:]], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
