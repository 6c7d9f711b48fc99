"""Renders the HTML reports of `seg segment --report` (k-means, and Ward with
its dendrogram) and of `seg migrate --report` with headless Chromium
(Debian's `chromium`) and checks the screenshot is a page of charts, not a
blank one. Exits 77 (skipped) when chromium is not installed.

Run by meson as: python3 report_test.py SEG_BINARY SOURCE_ROOT
"""
import csv
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"
SRC = sys.argv[2] if len(sys.argv) > 2 else "."
HEAD = os.path.join(SRC, "tests", "data", "bank-plain-head.csv")


def png_pixels(path):
    """Decode an 8-bit RGB/RGBA PNG with the standard library only."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert depth == 8 and ctype in (2, 6)
    bpp = 3 if ctype == 2 else 4
    raw, stride, out, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        ft, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(bytes(line))
        prev = line
    return w, h, bpp, out



def render(d, name, args, failed, command=None):
    """Writes the report of `seg segment ARGS` (or of COMMAND), screenshots it
    and checks the picture; returns the number of checks, appending failures
    to failed."""
    report, png = os.path.join(d, name + ".html"), os.path.join(d, name + ".png")
    p = subprocess.run([SEG, *(command or ["segment", HEAD]), *args, "--report", report], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        print(p.stderr)
        failed.append(name + ": seg segment failed")
        return 1
    profile = tempfile.mkdtemp(dir=d)
    p = subprocess.run([shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--user-data-dir=" + profile, "--screenshot=" + png,
                        "--window-size=1000,2400", "file://" + report],
                       capture_output=True, text=True, timeout=300)
    if not os.path.exists(png):
        print(p.stderr[-2000:])
        failed.append(name + ": no screenshot")
        return 1
    if os.environ.get("SEG_REPORT_PNG_DIR"):  # to look at the pictures
        shutil.copy(png, os.environ["SEG_REPORT_PNG_DIR"])
    w, h, bpp, rows = png_pixels(png)
    colours, ink, seen = set(), 0, 0
    for line in rows[::4]:
        for x in range(0, w * bpp, 4 * bpp):
            px = line[x:x + 3]
            colours.add(px)
            ink += px != b"\xff\xff\xff"
            seen += 1
    checks = [("size is 1000 x 2400", (w, h) == (1000, 2400)),
              ("more than 20 colours (charts, not a blank page): %d" % len(colours),
               len(colours) > 20),
              ("more than 2 %% of pixels drawn: %.1f %%" % (100.0 * ink / seen),
               ink > 0.02 * seen)]
    for check, ok in checks:
        print(("ok   " if ok else "FAIL ") + name + ": " + check)
        if not ok:
            failed.append(name + ": " + check)
    return len(checks)


def snapshots(d):
    """Two snapshots of the head data with a customer id: customers 0..399
    in OLD, 100..499 in NEW with every other balance tripled."""
    with open(HEAD, newline="") as f:
        rows = list(csv.DictReader(f))
    fields = ["cust"] + list(rows[0].keys())
    old, new = os.path.join(d, "old.csv"), os.path.join(d, "new.csv")
    with open(old, "w", newline="") as f:
        w = csv.DictWriter(f, fields)
        w.writeheader()
        for i, r in enumerate(rows[:400]):
            w.writerow(dict(r, cust="c%d" % i))
    with open(new, "w", newline="") as f:
        w = csv.DictWriter(f, fields)
        w.writeheader()
        for i, r in enumerate(rows[100:500]):
            r = dict(r, cust="c%d" % (i + 100))
            r["balance"] = str(int(r["balance"]) * (3 if i % 2 else 1))
            w.writerow(r)
    return old, new


def migration(d, failed):
    """seg migrate --report: renders, and its numbers are those of --json:
    the k x k heatmap cells and table cells hold the transition counts."""
    model = os.path.join(d, "m.seg")
    p = subprocess.run([SEG, "segment", HEAD, "--k", "4", "--drop", "y,duration", "--model",
                        model, "--quiet"], capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        failed.append("migrate: seg segment failed: " + p.stderr)
        return 1
    old, new = snapshots(d)
    args = ["--id", "cust"]
    total = render(d, "migrate", args, failed, ["migrate", model, old, new])
    p = subprocess.run([SEG, "migrate", model, old, new, "--id", "cust", "--json"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=600)
    doc = json.loads(p.stdout)
    root = ET.parse(os.path.join(d, "migrate.html")).getroot()  # well-formed XML
    ns = {"h": "http://www.w3.org/1999/xhtml", "s": "http://www.w3.org/2000/svg"}
    cells = [int(r.get("data-count")) for r in root.iter("{%s}rect" % ns["s"])
             if r.get("class") == "cell"]
    table = [int(c.get("data-count")) for c in root.iter("{%s}td" % ns["h"])
             if c.get("data-count") is not None]
    flat = [c for row in doc["counts"] for c in row]
    text = ET.tostring(root, encoding="unicode", method="text")
    checks = [("heatmap cells are the transition counts", cells == flat),
              ("table cells are the transition counts", table == flat),
              ("counts sum to the customers in both: %d" % sum(flat),
               sum(flat) == doc["in_both"] == 300),
              ("joined and left are stated",
               "100 joined (in NEW only), 100 left (in OLD only)" in " ".join(text.split()))]
    for check, ok in checks:
        print(("ok   " if ok else "FAIL ") + "migrate: " + check)
        if not ok:
            failed.append("migrate: " + check)
    return total + len(checks)


def main():
    if not shutil.which("chromium"):
        print("chromium is not installed: skipped")
        return 77
    failed, total = [], 0
    with tempfile.TemporaryDirectory() as d:
        total += render(d, "kmeans", ["--target", "y", "--drop", "duration", "--k-max", "5"],
                        failed)
        total += render(d, "ward", ["--target", "y", "--drop", "duration", "--method", "ward",
                                    "--k", "4"], failed)
        total += migration(d, failed)
    print("%d passed, %d failed" % (total - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
