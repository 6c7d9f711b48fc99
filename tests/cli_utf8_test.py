"""JSON output is valid UTF-8 whatever bytes the input holds (issue 21, item 8).

seg reads text as UTF-8. A JSON string never carries an invalid sequence:
each maximal invalid subpart becomes one U+FFFD, as Python's
bytes.decode("utf-8", "replace") does, and a warning names the input file
with the line and byte of its first invalid byte. Valid UTF-8 passes
unchanged; control characters below 0x20 are escaped.

The expected strings are computed here with Python's own decoder, not
written out: Latin-1 text (caf\\xe9), an overlong '/' (C0 AF, E0 80 AF), a
surrogate (ED A0 80), a code point above U+10FFFF (F4 90 80 80) and
sequences cut at the end of the field (E2 82, F0 9F 98).

Run by meson as: python3 cli_utf8_test.py SEG_BINARY
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

SEG = sys.argv[1] if len(sys.argv) > 1 else "seg"

# Header names and category levels, each with one kind of byte sequence.
HEADER = [b"caf\xe9", b"slash\xc0\xaf", b"surrogate\xed\xa0\x80", b"ctl\x01\ttab", b"city"]
LEVELS = [b"Montr\xe9al", b"Z\xc3\xbcrich", b"cut\xe2\x82", b"big\xf4\x90\x80\x80",
          b"cut4\xf0\x9f\x98", b"over\xe0\x80\xaf", b"clef\xf0\x9d\x84\x9e"]


def text(b):
    return b.decode("utf-8", "replace")


def csv_field(b):
    return b'"' + b.replace(b'"', b'""') + b'"' if b"\t" in b or b"\x01" in b else b


def run(*args):
    p = subprocess.run([SEG, *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


class Utf8Json(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.csv = os.path.join(cls.tmp.name, "latin1.csv")
        rows = [b",".join(csv_field(h) for h in HEADER)]
        for i in range(70):
            rows.append(b"%d,%d,%d,%d,%s" % (i % 7, i * 5 % 11, i % 3, i * 3 % 17,
                                              LEVELS[i % len(LEVELS)]))
        with open(cls.csv, "wb") as f:
            f.write(b"\n".join(rows) + b"\n")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def segment_json(self, *extra):
        rc, out, err = run("segment", self.csv, "--k", "2", "--json", *extra)
        self.assertEqual(rc, 0, err)
        return json.loads(out), err  # json.loads(bytes) decodes as UTF-8: strict

    def test_segment_json_parses_and_replaces(self):
        d, err = self.segment_json()
        names = set(d["columns"])
        for h in HEADER:
            self.assertIn(text(h), names)
        feats = set(d["features"])
        for lv in LEVELS:
            self.assertIn("city=" + text(lv), feats)
        # valid multi-byte text is kept as it is
        self.assertIn("city=Z\u00fcrich", feats)
        self.assertIn("city=clef\U0001d11e", feats)

    def test_control_characters_escaped(self):
        rc, out, err = run("segment", self.csv, "--k", "2", "--json")
        self.assertEqual(rc, 0, err)
        self.assertIn(b'"ctl\\u0001\\ttab"', out)
        self.assertFalse(any(c < 0x20 and c not in b"\n " for c in out.replace(b"\n", b"")))

    def test_warning_names_file_line_byte(self):
        _, err = self.segment_json()
        warnings = [l for l in err.splitlines() if "not valid UTF-8" in l]
        self.assertEqual(len(warnings), 1, err)  # once a run
        m = re.search(re.escape(self.csv) + r": line (\d+), byte (\d+): text is not valid "
                      r'UTF-8: "([^"]*)"', warnings[0])
        self.assertIsNotNone(m, warnings[0])
        with open(self.csv, "rb") as f:
            line = f.read().split(b"\n")[int(m.group(1)) - 1]
        at = int(m.group(2)) - 1
        with self.assertRaises(UnicodeDecodeError) as cm:  # the byte named is invalid
            line[at:].decode("utf-8")
        self.assertEqual(cm.exception.start, 0)
        # ... and it is the named text's: the level of "city=level", or a header name
        shown = m.group(3).encode().decode("unicode_escape").encode("latin-1")
        level = shown.split(b"=", 1)[-1]
        self.assertTrue(line.find(level) <= at < line.find(level) + len(level), (line, at, shown))

    def test_rfm_rules_names_their_file(self):
        log = os.path.join(self.tmp.name, "log.csv")
        rules = os.path.join(self.tmp.name, "rules.txt")
        with open(log, "wb") as f:
            f.write(b"id,date,amount\n" + b"".join(b"%s,2010-12-0%d,%d\n" % (c, i % 9 + 1, i)
                    for i, c in enumerate([b"Jos\xe9", b"Ren\xc3\xa9e", b"Bj\xf6rn"] * 3)))
        with open(rules, "wb") as f:
            f.write(b"Caf\xe9 cr\xe8me,*,*,*\n")
        rc, out, err = run("rfm", log, "--customer", "id", "--date", "date", "--amount", "amount",
                           "--rules", rules, "--json")
        self.assertEqual(rc, 0, err)
        names = [s["name"] for s in json.loads(out)["segments"]]
        self.assertIn(text(b"Caf\xe9 cr\xe8me"), names)
        self.assertIn(rules + ": line 1, byte 4: text is not valid UTF-8", err)

    def test_info_of_model_parses(self):
        model = os.path.join(self.tmp.name, "m.seg")
        rc, _, err = run("segment", self.csv, "--k", "2", "-o", model, "-q")
        self.assertEqual(rc, 0, err)
        rc, out, err = run("info", model, "--json")
        self.assertEqual(rc, 0, err)
        d = json.loads(out)
        self.assertIn("city=" + text(b"Montr\xe9al"), d["features"])
        self.assertIn("not valid UTF-8", err)

    def test_valid_input_no_warning(self):
        path = os.path.join(self.tmp.name, "utf8.csv")
        with open(path, "wb") as f:
            f.write("caf\u00e9,n\n".encode())
            for i in range(30):
                f.write(("%s,%d\n" % (["Montr\u00e9al", "\u6771\u4eac", "Z\u00fcrich"][i % 3], i % 4)).encode())
        rc, out, err = run("segment", path, "--k", "2", "--json")
        self.assertEqual(rc, 0, err)
        d = json.loads(out)
        self.assertIn("caf\u00e9=Montr\u00e9al", d["features"])
        self.assertIn("caf\u00e9=\u6771\u4eac", d["features"])
        self.assertNotIn("UTF-8", err)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
