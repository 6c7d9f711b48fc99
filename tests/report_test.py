"""Renders the HTML report of `seg segment --report` with headless Chromium
(Debian's `chromium`) and checks the screenshot is a page of charts, not a
blank one. Exits 77 (skipped) when chromium is not installed.

Run by meson as: python3 report_test.py SEG_BINARY SOURCE_ROOT
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
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



def main():
    chromium = shutil.which("chromium")
    if not chromium:
        print("chromium is not installed: skipped")
        return 77
    failed = []
    with tempfile.TemporaryDirectory() as d:
        report, png = os.path.join(d, "r.html"), os.path.join(d, "r.png")
        p = subprocess.run([SEG, "segment", HEAD, "--target", "y", "--drop", "duration",
                            "--k-max", "5", "--report", report],
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            print(p.stderr)
            return 1
        profile = tempfile.mkdtemp(dir=d)
        p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-quic", "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync",
                            "--user-data-dir=" + profile, "--screenshot=" + png,
                            "--window-size=1000,2400", "file://" + report],
                           capture_output=True, text=True, timeout=300)
        if not os.path.exists(png):
            print(p.stderr[-2000:])
            return 1
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
        for name, ok in checks:
            print(("ok   " if ok else "FAIL ") + name)
            if not ok:
                failed.append(name)
    print("%d passed, %d failed" % (len(checks) - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
