"""Cross-check `seg rfm` against pandas (Debian python3-pandas).

A seeded, messy transaction log is generated here: dates written in six
spellings (ISO with and without time, 'T', US m/d/yy h:mm and mm/dd/yyyy),
rows without customer id, returns (negative quantity), cancellations
(invoice 'C...') and quoted fields. pandas computes RFM from the generated
values (not by parsing the file) under the policy of the issue:
1. recency, frequency (distinct invoices; then purchase rows without
   --invoice), monetary (exclude, then subtract) equal seg's per customer;
2. the scores equal 1 + floor(5 (rank - 1) / N) with pandas'
   rank(method='min') (recency: descending);
3. the policy counts printed in the JSON equal pandas' counts;
4. --as-of leaves later rows out.

Usage: crosscheck_pandas_rfm.py SEG
Exit 77 (skipped) when numpy or pandas is missing.
"""
import datetime as dt
import json
import os
import subprocess
import sys

from checks import Tally  # noqa: E402
import tempfile

try:
    import numpy as np
    import pandas as pd
except ImportError as e:
    print("skipped: %s" % e)
    sys.exit(77)

SEG = sys.argv[1]
check = Tally()




def spell(t, k):
    """The date-time t in the k-th of six spellings."""
    if k == 0:
        return t.strftime("%Y-%m-%d %H:%M")
    if k == 1:
        return t.strftime("%Y-%m-%dT%H:%M:%S")
    if k == 2:
        return t.strftime("%Y-%m-%d")
    if k == 3:
        return "%d/%d/%02d %d:%02d" % (t.month, t.day, t.year % 100, t.hour, t.minute)
    if k == 4:
        return t.strftime("%m/%d/%Y")
    return t.strftime("%Y-%m-%d %H:%M:%S")


rng = np.random.default_rng(7)
n_rows, n_cust = 20000, 700
start = dt.datetime(2010, 12, 1, 8, 0)
rows = []
for i in range(n_rows):
    cust = "" if rng.random() < 0.03 else "C%04d" % rng.integers(0, n_cust)
    t = start + dt.timedelta(minutes=int(rng.integers(0, 365 * 24 * 60)))
    inv = "%d" % (500000 + rng.integers(0, 6000))
    qty = int(rng.integers(1, 13))
    price = round(float(rng.choice([0.0, 0.42, 1.25, 2.55, 3.75, 9.95])), 2)
    if rng.random() < 0.05:
        qty = -qty  # a return
    if rng.random() < 0.02:
        inv = "C" + inv  # a cancellation
    rows.append((inv, qty, t, price, cust, "Paris, France" if i % 7 == 0 else "UK"))

df = pd.DataFrame(rows, columns=["InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice",
                                 "CustomerID", "Country"])
df["Amount"] = df["Quantity"] * df["UnitPrice"]


def expected(df, invoice, subtract, as_of=None):
    d = df[df["CustomerID"] != ""].copy()
    d["day"] = d["InvoiceDate"].dt.normalize()
    counts = {"rows": len(df), "no_customer": int((df["CustomerID"] == "").sum())}
    if as_of is not None:
        counts["after_reference"] = int((d["day"] > as_of).sum())
        d = d[d["day"] <= as_of]
    ref = as_of if as_of is not None else d["day"].max() + pd.Timedelta(days=1)
    ret = d["Amount"] <= 0
    if invoice:
        ret |= d["InvoiceNo"].str.startswith("C")
    buy = d[~ret]
    counts["returns"], counts["purchases"] = int(ret.sum()), len(buy)
    g = buy.groupby("CustomerID")
    out = pd.DataFrame({
        "recency": (ref - g["day"].max()).dt.days,
        "frequency": g["InvoiceNo"].nunique() if invoice else g.size(),
        "monetary": g["Amount"].sum(),
    })
    if subtract:
        back = d[ret].groupby("CustomerID")["Amount"].apply(lambda a: a.abs().sum())
        out["monetary"] -= back.reindex(out.index).fillna(0)
    n = len(out)
    for col, asc, s in (("recency", False, "r"), ("frequency", True, "f"), ("monetary", True, "m")):
        rank = out[col].rank(method="min", ascending=asc)
        out[s] = 1 + np.floor(5 * (rank - 1) / n).astype(int)
    counts["customers"] = n
    counts["return_only_customers"] = d["CustomerID"].nunique() - n
    return out, counts


def run_seg(path, *args):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "rfm.csv")
        p = subprocess.run([SEG, "rfm", path, "--customer", "CustomerID", "--date", "InvoiceDate",
                            "--quantity", "Quantity", "--price", "UnitPrice", "--json",
                            "--output", out, *args], capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            sys.exit("seg rfm failed: " + p.stderr)
        res = pd.read_csv(out, dtype={"customer": str}).set_index("customer")
        return res, json.loads(p.stdout)


def compare(name, got, js, want, counts):
    got = got.reindex(want.index)
    check(len(got) == len(want) and not got["recency"].isna().any(),
          "%s: same %d customers" % (name, len(want)))
    for col in ("recency", "frequency", "r", "f", "m"):
        check((got[col].values == want[col].values).all(), "%s: %s" % (name, col))
    check(np.allclose(got["monetary"], want["monetary"], rtol=1e-12, atol=1e-9),
          "%s: monetary" % name)
    bad = {k: (js["counts"][k], v) for k, v in counts.items() if js["counts"][k] != v}
    check(not bad, "%s: policy counts %s" % (name, bad or "equal"))


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "log.csv")
    with open(path, "w", newline="") as f:
        f.write("InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\r\n")
        for i, r in df.iterrows():
            country = '"%s"' % r.Country if "," in r.Country else r.Country
            f.write("%s,S%d,%d,%s,%s,%s,%s\r\n" % (r.InvoiceNo, i % 50, r.Quantity,
                                                   spell(r.InvoiceDate, i % 6), r.UnitPrice,
                                                   r.CustomerID, country))
    got, js = run_seg(path, "--invoice", "InvoiceNo")
    want, counts = expected(df, True, False)
    compare("invoices, exclude", got, js, want, counts)
    check(js["definitions"]["frequency"] == "distinct invoices with a purchase",
          "JSON states the frequency definition")

    got, js = run_seg(path, "--returns", "subtract")
    want, counts = expected(df, False, True)
    compare("rows, subtract", got, js, want, counts)

    as_of = pd.Timestamp(2011, 6, 30)
    got, js = run_seg(path, "--invoice", "InvoiceNo", "--as-of", "2011-06-30")
    want, counts = expected(df, True, False, as_of)
    compare("as-of 2011-06-30", got, js, want, counts)
    check(js["definitions"]["reference_date"] == "2011-06-30", "reference date = --as-of")

sys.exit(check.summary())
