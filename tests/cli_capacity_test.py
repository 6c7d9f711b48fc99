"""`seg segment --min-size / --max-size / --capacity` and `seg predict
--respect-capacity` end to end, on small seeded CSV files written here:
sizes within the bounds in the assignments, the JSON and the report; the
capacity file's format and its errors (file:line:column); infeasible bounds
refused with the reason; option conflicts; the same assignments for 1 and 4
threads; predict keeps the bounds only when asked. Standard library only
(the optimality of the assignments is crosscheck_scipy_capacity.py's).

Usage: cli_capacity_test.py SEG
"""
import csv
import json
import os
import random
import subprocess
import sys

from checks import Tally  # noqa: E402
import tempfile
from collections import Counter

SEG = sys.argv[1]
check = Tally()




def seg(*args):
    return subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=120)


def sizes_of(path):
    with open(path) as f:
        return Counter(int(r["segment"]) for r in csv.DictReader(f))


rng = random.Random(19)
with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "c.csv")
    with open(data, "w") as f:
        f.write("id,spend,visits\n")
        for i in range(200):  # one big group of 150 and two of 25
            c = (0, 0) if i < 150 else (6, 6) if i < 175 else (0, 8)
            f.write("%d,%.4f,%.4f\n" % (i, c[0] + rng.gauss(0, 1), c[1] + rng.gauss(0, 1)))
    asg, model, rep = (os.path.join(tmp, n) for n in ("a.csv", "m.segm", "r.html"))
    base = [data, "--id", "id", "--k", "4", "-q"]

    p = seg("segment", *base, "--json")
    free = json.loads(p.stdout)
    check(p.returncode == 0 and free["capacity"] is None and
          max(s["size"] for s in free["segments"]) > 60,
          "without bounds: \"capacity\": null, a segment above 60")

    p = seg("segment", *base, "--max-size", "60", "--json", "--assignments", asg, "--model",
            model, "--report", rep)
    ok = p.returncode == 0
    j = json.loads(p.stdout) if ok else {}
    sizes = sizes_of(asg) if ok else {}
    check(ok and max(sizes.values()) <= 60 and sum(sizes.values()) == 200,
          "--max-size 60: assignments hold at most 60 a segment: %s" % dict(sizes))
    cap = j.get("capacity") or {}
    check(ok and cap.get("within_bounds") is True and
          [s["max"] for s in cap["segments"]] == [60] * 4 and
          [s["size"] for s in cap["segments"]] == [s["size"] for s in j["segments"]],
          "JSON: bounds, achieved sizes, within_bounds")
    with open(rep) as f:
        html = f.read() if ok else ""
    check('<section id="capacity">' in html and "<td>60</td>" in html,
          "report has the capacity section")
    p = seg("info", model, "--json")
    check(p.returncode == 0 and [c["max"] for c in json.loads(p.stdout)["capacity"]] == [60] * 4,
          "seg info reads the bounds from the model file")
    p = seg("segment", *base, "--max-size", "60", "--threads", "1", "--assignments",
            os.path.join(tmp, "a1.csv"))
    p4 = seg("segment", *base, "--max-size", "60", "--threads", "4", "--assignments",
             os.path.join(tmp, "a4.csv"))
    with open(os.path.join(tmp, "a1.csv")) as f1, open(os.path.join(tmp, "a4.csv")) as f4:
        check(p.returncode == 0 and p4.returncode == 0 and f1.read() == f4.read() and
              open(asg).read() == open(os.path.join(tmp, "a1.csv")).read(),
              "the same assignments for 1, 4 and all threads")

    # predict: nearest centroid by default, the bounds with --respect-capacity
    p = seg("predict", model, data, "--id", "id", "-o", os.path.join(tmp, "p0.csv"))
    near = sizes_of(os.path.join(tmp, "p0.csv")) if p.returncode == 0 else {}
    p = seg("predict", model, data, "--id", "id", "--respect-capacity", "-o",
            os.path.join(tmp, "p1.csv"))
    kept = sizes_of(os.path.join(tmp, "p1.csv")) if p.returncode == 0 else {}
    check(near and max(near.values()) > 60, "predict: nearest centroid by default %s" % dict(near))
    check(kept and max(kept.values()) <= 60, "predict --respect-capacity: %s" % dict(kept))
    free_model = os.path.join(tmp, "free.segm")
    seg("segment", *base, "--model", free_model)
    p = seg("predict", free_model, data, "--respect-capacity")
    check(p.returncode == 1 and "without size bounds" in p.stderr,
          "--respect-capacity on a model without bounds: %s" % p.stderr.strip())

    # --min-size
    p = seg("segment", *base, "--min-size", "45", "--assignments", asg)
    sizes = sizes_of(asg) if p.returncode == 0 else {}
    check(sizes and min(sizes.values()) >= 45, "--min-size 45: %s" % dict(sizes))

    # --capacity FILE
    capf = os.path.join(tmp, "cap.txt")
    with open(capf, "w") as f:
        f.write("# team capacities\n100\n30,50\n\n20,\n10,40\n")
    p = seg("segment", data, "--id", "id", "-q", "--capacity", capf, "--json", "--assignments",
            asg)
    ok = p.returncode == 0
    j = json.loads(p.stdout) if ok else {}
    pairs = sorted((s["min"], s["max"]) for s in j["capacity"]["segments"]) if ok else []
    check(ok and j["k"] == 4 and pairs == [(1, 100), (10, 40), (20, 200), (30, 50)] and
          j["capacity"]["within_bounds"], "--capacity FILE: k from its lines, bounds %s" % pairs)
    check(ok and all(s["min"] <= s["size"] <= s["max"] for s in j["capacity"]["segments"]),
          "--capacity FILE: every segment within its bounds")

    # errors
    p = seg("segment", *base, "--max-size", "40")
    check(p.returncode == 1 and "k x max-size < n" in p.stderr and "160" in p.stderr,
          "infeasible --max-size refused: %s" % p.stderr.strip())
    p = seg("segment", *base, "--min-size", "60")
    check(p.returncode == 1 and "k x min-size > n" in p.stderr,
          "infeasible --min-size refused: %s" % p.stderr.strip())
    p = seg("segment", *base, "--min-size", "60", "--max-size", "50")
    check(p.returncode == 2 and "--min-size is larger than --max-size" in p.stderr,
          "--min-size > --max-size is a usage error")
    p = seg("segment", data, "--max-size", "60", "-q")
    check(p.returncode == 2 and "need --k" in p.stderr, "bounds without --k: usage error")
    p = seg("segment", *base, "--max-size", "60", "--method", "ward")
    check(p.returncode == 2 and "--method kmeans" in p.stderr, "bounds with ward: usage error")
    p = seg("segment", *base, "--capacity", capf, "--max-size", "60")
    check(p.returncode == 2, "--capacity with --max-size: usage error")
    p = seg("segment", data, "--k", "3", "--capacity", capf, "-q")
    check(p.returncode == 2 and "differs from the number of lines" in p.stderr,
          "--k against the capacity file's lines: usage error")
    with open(capf, "w") as f:
        f.write("100\n30,50\nlots\n")
    p = seg("segment", data, "-q", "--capacity", capf)
    check(p.returncode == 1 and "cap.txt:3:1:" in p.stderr and "'lots'" in p.stderr,
          "bad capacity line named by file:line:column: %s" % p.stderr.strip())
    with open(capf, "w") as f:
        f.write("100\n30,x\n")
    p = seg("segment", data, "-q", "--capacity", capf)
    check(p.returncode == 1 and "cap.txt:2:4:" in p.stderr, "bad maximum: column of MAX")
    with open(capf, "w") as f:
        f.write("100\n60,50\n")
    p = seg("segment", data, "-q", "--capacity", capf)
    check(p.returncode == 1 and "minimum size 60 exceeds maximum size 50" in p.stderr,
          "capacity line with min > max")
    # starting centroids from a .npy give k: no --k needed
    npy = os.path.join(tmp, "start.npy")
    import struct
    head = "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }"
    head += " " * (63 - (10 + len(head)) % 64) + "\n"
    with open(npy, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head.encode())
        f.write(struct.pack("<8d", 0, 0, 1, 1, 6, 6, 0, 8))
    p = seg("segment", data, "--id", "id", "-q", "--scale", "none", "--init", npy,
            "--max-size", "60", "--json")
    check(p.returncode == 0 and json.loads(p.stdout)["capacity"]["within_bounds"],
          "--init FILE.npy sets k for the bounds: %s" % p.stderr.strip())
    with open(capf, "w") as f:
        f.write("100\n5,0\n")
    p = seg("segment", data, "-q", "--capacity", capf)
    check(p.returncode == 1 and "cap.txt:2:3: a maximum of 0 customers" in p.stderr,
          "capacity line with a maximum of 0: %s" % p.stderr.strip())
    p = seg("segment", *base, "--max-size", "0")
    check(p.returncode == 2, "--max-size 0 refused")

sys.exit(check.summary())
