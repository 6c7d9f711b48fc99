"""The seg program stops OpenBLAS's idle pool at start-up (issue 20).

OpenBLAS's pthread build starts its thread pool when it loads, and each pool
thread busy-waits for ~0.1 s before sleeping; libseg's GEMMs stay under the
size at which OpenBLAS uses the pool, so seg stops it first thing in main()
(tools/blas_idle.c). Here seg segment waits on an empty pipe, past its
start-up, and must then be one thread: no BLAS pool thread (spinning or
asleep), and no thread of its own started before it has data.

OPENBLAS_NUM_THREADS=2 asks OpenBLAS for a pool even on a one-core machine.
With another BLAS there is no pool and the test passes trivially.

Run by meson as: python3 cli_blas_test.py SEG_BINARY
"""
import os
import subprocess
import sys
import time
import unittest

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"


def blocked_threads(args, env):
    """The thread count of seg ARGS once it blocks reading an empty pipe."""
    p = subprocess.Popen([SEG] + args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=env)
    try:
        start = time.monotonic()
        while time.monotonic() < start + 20:
            with open(f"/proc/{p.pid}/wchan") as f:
                wchan = f.read().strip()
            with open(f"/proc/{p.pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            # A kernel that hides wait channels shows "0": then the main
            # thread asleep, well after start-up, is its read of the pipe.
            waiting = "pipe" in wchan or (
                wchan in ("", "0") and state == "S" and time.monotonic() > start + 0.5)
            if p.poll() is not None:
                raise AssertionError(f"seg exited ({p.returncode}) before reading")
            if waiting:
                return len(os.listdir(f"/proc/{p.pid}/task"))
            time.sleep(0.02)
        raise AssertionError("seg never blocked on its input")
    finally:
        p.stdin.close()
        p.wait()


@unittest.skipUnless(os.path.isdir("/proc/self/task"), "needs Linux's /proc")
class BlasIdle(unittest.TestCase):
    def test_no_pool_thread_at_start(self):
        env = {k: v for k, v in os.environ.items()
               if k not in ("GOTO_NUM_THREADS", "OMP_NUM_THREADS")}
        env["OPENBLAS_NUM_THREADS"] = "2"
        self.assertEqual(blocked_threads(["segment", "-"], env), 1)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
