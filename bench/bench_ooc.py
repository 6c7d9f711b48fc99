"""Throughput of each pass and peak RSS of `seg segment --memory` against the
budget, on a generated CSV of a few hundred MB (written to a temporary
directory, never committed), with the in-memory run and pandas' chunked
reader as references in the same run.

Usage: /usr/bin/python3 bench/bench_ooc.py SEG_BINARY [ROWS [K]]
       (default 6000000 rows, about 330 MB; k = 8)
"""
import os
import random
import re
import subprocess
import sys
import tempfile
import time

SEG = sys.argv[1] if len(sys.argv) > 1 else "build/tools/seg"
ROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 6000000
K = int(sys.argv[3]) if len(sys.argv) > 3 else 8
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")


def generate(path, rows, seed=3):
    """8 blobs in 6 numeric columns, a categorical 'channel', an id."""
    rnd = random.Random(seed)
    centres = [[rnd.uniform(-40, 40) for _ in range(6)] for _ in range(8)]
    channels = ["web", "store", "phone", "partner"]
    block = []
    for i in range(8192):
        b = rnd.randrange(8)
        vals = ",".join("%.3f" % (c + rnd.gauss(0, 3)) for c in centres[b])
        block.append(vals + "," + channels[(b + rnd.randrange(2)) % 4] + "\n")
    with open(path, "w") as f:
        f.write("id,a,b,c,d,e,f,channel\n")
        for r in range(0, rows, len(block)):
            f.write("".join("u%d,%s" % (r + i, line) for i, line in enumerate(block)
                            if r + i < rows))


def run(args):
    """(seconds, peak RSS MiB, stderr) of one seg run."""
    t = time.time()
    p = subprocess.Popen([SEG, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=ENV, text=True)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit("seg failed: %s" % err)
    return time.time() - t, ru.ru_maxrss / 1024, err


def phases(err):
    """{phase: (passes, seconds, MB/s)} from seg's notes on stderr."""
    out = {}
    for m in re.finditer(r"seg: ([^:\n]+): (\d+) pass(?:es)?, ([\d.]+) s, ([\d.]+) MB/s", err):
        out[m.group(1)] = (int(m.group(2)), float(m.group(3)), float(m.group(4)))
    return out


def main():
    tmp = tempfile.TemporaryDirectory()
    path = os.path.join(tmp.name, "customers.csv")
    t = time.time()
    generate(path, ROWS)
    size = os.path.getsize(path)
    print("file: %d rows, %.0f MB (generated in %.1f s); k = %d, one thread\n"
          % (ROWS, size / 1e6, time.time() - t, K))
    base = ["segment", path, "--id", "id", "--k", str(K), "--threads", "1",
            "--assignments", os.devnull]
    print("| run | total s | peak RSS MiB | column types MB/s | scaler MB/s | fit passes | fit MB/s | assignments MB/s |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for exact in (False, True):
        for mem in ("16M", "64M", "256M"):
            secs, rss, err = run(base + ["--memory", mem] + (["--exact"] if exact else []))
            ph = phases(err)
            fit = [v for k, v in ph.items() if k.startswith("sample")][0]
            print("| --memory %s%s | %.1f | %.0f | %.0f | %.0f | %d | %.0f | %.0f |"
                  % (mem, " --exact" if exact else "", secs, rss, ph["column types"][2],
                     ph["scaler"][2], fit[0], fit[2], ph["assignments"][2]))
    secs, rss, _ = run(base + ["--algorithm", "lloyd", "--quiet", "--silhouette-sample", "1000"])
    print("| in memory (Lloyd) | %.1f | %.0f | | | | | |" % (secs, rss))
    try:
        import pandas
        t = time.time()
        for chunk in pandas.read_csv(path, chunksize=200000):
            pass
        dt = time.time() - t
        print("\npandas.read_csv(chunksize=200000), same file: %.1f s, %.0f MB/s (one pass)"
              % (dt, size / 1e6 / dt))
    except ImportError:
        print("\n(pandas not installed: no peer reader figure)")


if __name__ == "__main__":
    main()
