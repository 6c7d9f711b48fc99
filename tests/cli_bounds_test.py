#!/usr/bin/env python3
"""Unbounded reads (issue 14 item 7): every input `seg` reads is bounded.

/dev/zero as a CSV (whole, piped to stdin and --memory), as a model file, as an RFM log and
as an --rules file; a 30 GB sparse file as a CSV and as a model (with and
without a valid header); a FIFO given to --memory. Each must end quickly with a clear error
naming the file, under an address-space limit of 1 GiB (RLIMIT_AS), so a
reader that slurps the input fails the test instead of the machine.

Usage: cli_bounds_test.py SEG SOURCE_ROOT
"""
import os
import resource
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from seg_asan import built_with_asan

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
SRC = sys.argv[2] if len(sys.argv) > 2 else "."
HEAD = os.path.join(SRC, "tests", "data", "bank-plain-head.csv")
RFM_LOG = os.path.join(SRC, "tests", "data", "rfm_log.csv")
LIMIT_AS = 1 << 30


# AddressSanitizer reserves terabytes of address space at start, so under
# tests/sanitize.sh no address-space limit can hold: there the tests check
# the errors and the time bound only, and the plain build checks the memory.
ASAN = built_with_asan(SEG)


def bounded():
    if not ASAN:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))


def run(args, timeout=20):
    t0 = time.monotonic()
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, errors="replace", timeout=timeout,
                       preexec_fn=bounded)
    return p.returncode, p.stderr, time.monotonic() - t0


RFM_ARGS = ["--customer", "CustomerID", "--date", "InvoiceDate", "--quantity", "Quantity",
            "--price", "UnitPrice"]


class Bounds(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def refused(self, args, *fragments, code=1):
        rc, err, secs = run(args)
        self.assertEqual(rc, code, err)
        for f in fragments:
            self.assertIn(f, err)
        self.assertLess(secs, 5, "took %.1f s: %s" % (secs, err))
        return err

    def test_dev_zero_csv(self):
        self.refused(["segment", "/dev/zero", "-k", "3", "-q"],
                     "/dev/zero:1:1: found a NUL byte")

    def test_dev_zero_piped(self):
        t0 = time.monotonic()
        with open("/dev/zero", "rb") as zero:
            p = subprocess.run([SEG, "segment", "-k", "3", "-q", "-"], stdin=zero,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               errors="replace", timeout=20, preexec_fn=bounded)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("<stdin>:1:1: found a NUL byte", p.stderr)
        self.assertLess(time.monotonic() - t0, 5)

    def test_dev_zero_csv_memory(self):
        self.refused(["segment", "/dev/zero", "-k", "3", "-q", "--memory", "16M"],
                     "/dev/zero: not a regular file")

    def test_dev_zero_rfm_log(self):
        self.refused(["rfm", "/dev/zero", *RFM_ARGS], "/dev/zero:1:1: found a NUL byte")

    def test_dev_zero_rules(self):
        self.refused(["rfm", RFM_LOG, *RFM_ARGS, "--rules", "/dev/zero"],
                     "--rules /dev/zero: line 1, column 1: found a NUL byte")

    def test_rules_too_large_and_directory(self):
        big = self.path("big.rules")
        with open(big, "w") as f:
            f.write("# comment line\n" * 80000)  # 1.2 MB
        self.refused(["rfm", RFM_LOG, *RFM_ARGS, "--rules", big],
                     "more than 1048576 bytes")
        self.refused(["rfm", RFM_LOG, *RFM_ARGS, "--rules", self.tmp.name],
                     "cannot read")

    def test_rules_nul_position(self):
        r = self.path("nul.rules")
        with open(r, "wb") as f:
            f.write(b"champions,5,5,5\nlost,1,1,\x00\n")
        self.refused(["rfm", RFM_LOG, *RFM_ARGS, "--rules", r],
                     "line 2, column 10: found a NUL byte")

    def test_dev_zero_model(self):
        self.refused(["info", "/dev/zero"], "/dev/zero: not a libseg model file")

    def sparse(self, header_total):
        p = self.path("sparse.seg")
        with open(p, "wb") as f:
            if header_total is not None:
                f.write(b"\x89SEG\r\n\x1a\n" + struct.pack("<IIQ", 1, 0, header_total))
            f.truncate(30 << 30)  # 30 GB, no blocks
        return p

    def test_sparse_model(self):
        self.refused(["info", self.sparse(None)], "not a libseg model file")
        self.refused(["info", self.sparse(100)], "trailing bytes")
        self.refused(["info", self.sparse(30 << 30)], "more than the 4294967296")

    def fifo_feed(self, fifo, data):
        def writer():
            try:
                with open(fifo, "wb") as f:
                    f.write(data)
            except OSError:
                pass

        t = threading.Thread(target=writer, daemon=True)
        t.start()
        return t

    def test_model_through_fifo(self):
        # Not a regular file: the loader reads the declared length, then one
        # byte more to catch trailing bytes.
        model = self.path("m.seg")
        rc, err, _ = run(["segment", HEAD, "-k", "3", "-q", "--drop", "y,duration",
                          "--model", model])
        self.assertEqual(rc, 0, err)
        with open(model, "rb") as f:
            good = f.read()
        fifo = self.path("m.fifo")
        os.mkfifo(fifo)
        self.fifo_feed(fifo, good)
        rc, err, _ = run(["info", fifo])
        self.assertEqual(rc, 0, err)
        self.fifo_feed(fifo, good + b"x")
        self.refused(["info", fifo], fifo + ": model file: more bytes than the %d declared"
                     % len(good))
        self.fifo_feed(fifo, good[:-5])
        self.refused(["info", fifo], "bytes of the %d it declares" % len(good))

    def test_sparse_csv(self):
        p = self.path("sparse.csv")
        with open(p, "wb") as f:
            f.truncate(30 << 30)
        self.refused(["segment", p, "-k", "3", "-q"], p + ":1:1: found a NUL byte")
        self.refused(["segment", p, "-k", "3", "-q", "--memory", "16M"],
                     p + ":1:1: found a NUL byte")

    def test_fifo_memory(self):
        fifo = self.path("in.csv")
        os.mkfifo(fifo)

        def writer():  # would block forever if nobody opened the FIFO
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                return
            with os.fdopen(fd, "wb") as f, open(HEAD, "rb") as src:
                try:
                    f.write(src.read())
                except OSError:
                    pass

        t = threading.Thread(target=writer, daemon=True)
        t.start()
        self.refused(["segment", fifo, "-k", "3", "-q", "--memory", "16M"],
                     fifo + ": not a regular file")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
