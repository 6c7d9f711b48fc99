"""`seg rfm` end to end on the committed fixture tests/data/rfm_log.csv (its
values are worked out by hand in tests/test_rfm.c) and on small logs written
here: output file, definitions, rules file, date format, bad rows, usage
errors. Standard library only.

Usage: cli_rfm_test.py SEG SOURCE_ROOT
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

SEG, SRC = sys.argv[1], sys.argv[2]
FIXTURE = os.path.join(SRC, "tests", "data", "rfm_log.csv")
BASE = ["--customer", "CustomerID", "--date", "InvoiceDate", "--quantity", "Quantity",
        "--price", "UnitPrice"]
passed = failed = 0


def check(ok, what):
    global passed, failed
    print(("ok: " if ok else "FAIL: ") + what)
    passed += bool(ok)
    failed += not ok


def seg(*args):
    return subprocess.run([SEG, "rfm", *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "out.csv")
    p = seg(FIXTURE, *BASE, "--invoice", "InvoiceNo", "--output", out)
    check(p.returncode == 0, "fixture runs")
    check("reference date 2010-12-09 (the day after the latest date)" in p.stdout and
          "frequency = distinct invoices with a purchase" in p.stdout and
          "returns and cancellations excluded" in p.stdout, "text states the definitions")
    check("12 read, 1 without customer id (skipped)" in p.stdout and
          "4 returns/cancellations, 7 purchases" in p.stdout and
          "1 more with returns only" in p.stdout, "text reports the policy counts")
    check("2: <=4 3: <=2 4: <=1 5: none" in p.stdout, "text prints the R thresholds")
    with open(out) as f:
        rows = list(csv.reader(f))
    check(rows[0] == ["customer", "recency", "frequency", "monetary", "r", "f", "m", "segment"],
          "output header")
    by_id = {r[0]: r for r in rows[1:]}
    check(by_id["17850"][1:3] == ["8", "1"] and abs(float(by_id["17850"][3]) - 21.3) < 1e-9 and
          by_id["17850"][4:] == ["1", "1", "4", "Lost"], "17850 by hand")
    check(by_id["12583"][4:] == ["3", "3", "1", "Other"], "12583 matches no rule: Other")

    rules = os.path.join(tmp, "rules.txt")
    with open(rules, "w") as f:
        f.write("# value tiers\nTop,*,*,4-5\nMid,*,*,3\n")
    p = seg(FIXTURE, *BASE, "--rules", rules, "--json", "--k", "2")
    js = json.loads(p.stdout) if p.returncode == 0 else {}
    names = {s["name"]: s["customers"] for s in js.get("segments", [])}
    check(names == {"Top": 1, "Mid": 1, "Other": 2}, "rules file: %s" % names)
    check(len(js.get("clusters", [])) == 2 and
          sum(c["customers"] for c in js["clusters"]) == 4, "--k 2 clusters every customer")
    check(js.get("definitions", {}).get("returns") == "exclude", "JSON states the returns policy")

    log = os.path.join(tmp, "eu.csv")
    with open(log, "w") as f:
        f.write("id;when;amount\na;01.12.2010;5\nb;31.12.2010;7,5\na;05.12.2010;1\n")
    p = seg(log, "--customer", "id", "--date", "when", "--amount", "amount", "--date-format",
            "%d.%m.%Y")
    check(p.returncode == 1 and "eu.csv:3:3: found an amount that is not a number: '7,5'"
          in p.stderr, "a bad number names the line")
    p = seg(log, "--customer", "id", "--date", "when", "--amount", "amount", "--date-format",
            "%d.%m.%Y", "--skip-bad-rows", "--json")
    js = json.loads(p.stdout) if p.returncode == 0 else {}
    check(js.get("counts", {}).get("bad_rows") == 1 and
          js["definitions"]["reference_date"] == "2010-12-06", "--skip-bad-rows counts the row")
    p = seg(log, "--customer", "id", "--date", "when", "--amount", "amount")
    check(p.returncode == 1 and "eu.csv:2:2: found a date that is not in the expected forms: "
          "'01.12.2010'" in p.stderr, "an unparseable date names the line")

    for args, msg in [
        ((FIXTURE, "--date", "InvoiceDate", "--amount", "Quantity"), "--customer and --date"),
        ((FIXTURE, *BASE, "--amount", "X"), "give --amount, or both"),
        ((FIXTURE, *BASE, "--bins", "4", "--cuts", "r=1,2"), "exclude each other"),
        ((FIXTURE, *BASE, "--cuts", "q=1"), "--cuts takes"),
        ((FIXTURE, *BASE, "--returns", "keep"), "--returns takes exclude or subtract"),
        ((FIXTURE, *BASE, "--frobnicate", "1"), "unknown option"),
    ]:
        p = seg(*args)
        check(p.returncode == 2 and msg in p.stderr, "usage error: " + msg)
    p = seg(FIXTURE, *BASE, "--date-format", "%d %Q")
    check(p.returncode == 1 and "other than" in p.stderr, "unsupported --date-format")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
