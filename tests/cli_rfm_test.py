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

from checks import Tally  # noqa: E402
import tempfile

SEG, SRC = sys.argv[1], sys.argv[2]
FIXTURE = os.path.join(SRC, "tests", "data", "rfm_log.csv")
BASE = ["--customer", "CustomerID", "--date", "InvoiceDate", "--quantity", "Quantity",
        "--price", "UnitPrice"]
check = Tally()




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
    # F 1, 2, 2, 1: rank thresholds 2, 2, none, none are not increasing, so
    # auto scores F by the fixed cuts: 12583 (3, 2, 1) is About to sleep
    # (with rank scores F = 3 and no rule matches: Other).
    check(by_id["12583"][4:] == ["3", "2", "1", "About to sleep"], "12583 by hand, fixed F cuts")
    check("F (frequency)      2: >=2 3: >=3 4: >=4 5: >=6  (fixed cuts)" in p.stdout and
          "frequency scores: fixed cuts 1, 2, 3, 4-5, 6+ (auto: the quantile cuts were not "
          "strictly increasing" in p.stdout, "text says the fixed frequency cuts and why")
    # Money in two decimals: M thresholds 15, 15, 21.3 (6 x 2.55 + 2 x 3).
    check("M (monetary)       2: >=15.00 3: >=15.00 4: >=21.30 5: none" in p.stdout,
          "text prints money thresholds with two decimals")
    check("Lost                           1  25.0%      8.0     1.00       21.30" in p.stdout,
          "text prints mean M with two decimals")
    p = seg(FIXTURE, *BASE, "--invoice", "InvoiceNo", "--frequency-cuts", "quantile",
            "--output", out)
    with open(out) as f:
        by_id = {r[0]: r for r in csv.reader(f)}
    check(p.returncode == 0 and by_id["12583"][4:] == ["3", "3", "1", "Other"] and
          "frequency scores: quantile (rank) cuts (--frequency-cuts quantile)" in p.stdout,
          "--frequency-cuts quantile keeps the rank scores")

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

    # Most customers bought once: 12 once, 3 twice, 2 three times, 2 five
    # times, 1 eight times; amounts 21.3 (printed as 21.3 in the CSV, which
    # %.17g wrote as 21.300000000000001).
    once = os.path.join(tmp, "once.csv")
    with open(once, "w") as f:
        f.write("id,day,amount\n")
        c = 0
        for freq, count in ((1, 12), (2, 3), (3, 2), (5, 2), (8, 1)):
            for _ in range(count):
                for j in range(freq):
                    f.write("c%d,2011-03-%02d,21.3\n" % (c, 1 + (c + j) % 28))
                c += 1
    ONCE = (once, "--customer", "id", "--date", "day", "--amount", "amount")
    p = seg(*ONCE, "--json", "--output", out)
    js = json.loads(p.stdout) if p.returncode == 0 else {}
    with open(out) as f:
        rows = list(csv.DictReader(f))
    want = {1: "1", 2: "2", 3: "3", 5: "4", 8: "5"}
    check(js.get("cuts") == {"r": "quantile", "f": "fixed", "m": "quantile"} and
          js["definitions"]["frequency_cuts"] == "auto" and
          js["thresholds"]["f"] == [2, 3, 4, 6], "JSON: auto used fixed F cuts 2, 3, 4, 6")
    check(len(rows) == 20 and all(r["f"] == want[int(r["frequency"])] for r in rows),
          "once-buyers: F scores 1..5 by the fixed cuts, every level used")
    check(sorted({r["f"] for r in rows}) == ["1", "2", "3", "4", "5"], "no empty F level")
    check(next(r for r in rows if r["customer"] == "c0")["monetary"] == "21.3",
          "CSV money: shortest exact form 21.3")
    p = seg(*ONCE, "--json", "--frequency-cuts", "quantile")
    js = json.loads(p.stdout) if p.returncode == 0 else {}
    check(js.get("cuts", {}).get("f") == "quantile" and js["thresholds"]["f"] == [2, 2, 2, 5],
          "--frequency-cuts quantile: thresholds 2, 2, 2, 5")
    p = seg(*ONCE, "--cuts", "f=2.5,4", "--cuts", "r=20")
    check(p.returncode == 0 and "F (frequency)      2: >=2.5 3: >=4  (user cuts)" in p.stdout and
          "R (recency, days)  2: <=20  (user cuts)" in p.stdout and
          "frequency scores: your cuts 1-2, 3, 4+" in p.stdout, "user cuts printed as given")
    p = seg(*ONCE, "--json", "--frequency-cuts", "fixed", "--bins", "7")
    js = json.loads(p.stdout) if p.returncode == 0 else {}
    check(js.get("thresholds", {}).get("f") == [2, 3, 4, 6, 10, 18],
          "--frequency-cuts fixed, 7 bins: 2, 3, 4, 6, 10, 18")

    # One 9999-12-31 row in a small log: the reference date is 2,917,921
    # days after the second latest date (2011-01-02), and the row is named.
    far = os.path.join(tmp, "far.csv")
    with open(far, "w") as f:
        f.write("c,d,a\nx,2011-01-01,5\ny,2011-01-02,3\nz,9999-12-31,1\n")
    FAR = (far, "--customer", "c", "--date", "d", "--amount", "a")
    msg = ("the reference date 10000-01-01 is 2917921 days after 2011-01-02, the 99th "
           "percentile of the rows' dates: every recency grows by that much; 1 row is dated "
           "more than 365 days after 2011-01-02: %s line 4 (customer z, 9999-12-31)" % far)
    p = seg(*FAR)
    check(p.returncode == 0 and "warning: " + msg in p.stdout, "text warns of the far row")
    p = seg(*FAR, "--json")
    js = json.loads(p.stdout) if p.returncode == 0 else {}
    w = js.get("warnings", [])
    check(len(w) == 1 and w[0]["code"] == "far_reference" and msg in w[0]["message"],
          "JSON warnings list names the far row")
    check("warning: " + msg in p.stderr, "--json: the warning on stderr too")
    p = seg(*FAR, "--json", "--quiet")
    check(p.returncode == 0 and p.stderr == "", "--quiet: no warning on stderr")
    p = seg(*FAR, "--json", "--as-of", "2011-01-03")
    js = json.loads(p.stdout) if p.returncode == 0 else {}
    check(js.get("warnings") == [] and js["counts"]["after_reference"] == 1,
          "--as-of before the far row: no warning")

    for args, msg in [
        ((FIXTURE, "--date", "InvoiceDate", "--amount", "Quantity"), "--customer and --date"),
        ((FIXTURE, *BASE, "--amount", "X"), "give --amount, or both"),
        ((FIXTURE, *BASE, "--bins", "4", "--cuts", "r=1,2"), "exclude each other"),
        ((FIXTURE, *BASE, "--cuts", "q=1"), "--cuts takes"),
        ((FIXTURE, *BASE, "--returns", "keep"), "--returns takes exclude or subtract"),
        ((FIXTURE, *BASE, "--frequency-cuts", "median"),
         "--frequency-cuts takes auto, quantile or fixed"),
        ((FIXTURE, *BASE, "--frequency-cuts", "fixed", "--cuts", "f=2"),
         "--frequency-cuts and --cuts f=... exclude each other"),
        ((FIXTURE, *BASE, "--frobnicate", "1"), "unknown option"),
    ]:
        p = seg(*args)
        check(p.returncode == 2 and msg in p.stderr, "usage error: " + msg)
    p = seg(FIXTURE, *BASE, "--date-format", "%d %Q")
    check(p.returncode == 1 and "other than" in p.stderr, "unsupported --date-format")

sys.exit(check.summary())
