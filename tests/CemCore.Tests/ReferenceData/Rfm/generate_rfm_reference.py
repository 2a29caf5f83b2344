#!/usr/bin/python3
"""Writes the RFM reference vectors used by CemCore.Tests.Segmentation.Rfm.PandasReferenceTests.

Run with Debian's /usr/bin/python3 (pandas 1.5.3, numpy 1.24.2 when generated):
    /usr/bin/python3 generate_rfm_reference.py

Outputs (next to this script):
  transactions.csv      deterministic synthetic transactions (2,000 customers), input of the CLI and the test
  expected_scores.csv   pandas RFM: groupby + rank(method="first") + qcut, and the 10-segment R x F map
  qcut_rank_cuts.csv    for n ranks and q bins, the highest rank of each bin given by pd.qcut(ranks, q)
"""
import os
import random

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
BINS = 5

# ---------------------------------------------------------------- data
rng = random.Random(20261122)
start = pd.Timestamp("2025-01-01T00:00:00")
span_seconds = 730 * 86400
rows = []
ids = [f"C{k}" for k in range(1, 2001)]  # not zero-padded: ordinal order (C1, C10, C100, ...) differs from numeric order
rng.shuffle(ids)                         # first appearance order differs from id order
for cid in ids:
    n = 1 + min(int(rng.expovariate(1 / 2.2)), 14)   # many ties in frequency
    first = rng.randrange(0, span_seconds)
    for _ in range(n):
        t = start + pd.Timedelta(seconds=rng.randrange(first, span_seconds))
        # amounts in cents from a small price list, so that monetary ties occur
        amount = rng.choice([9.99, 19.90, 20.00, 25.50, 49.00, 5.00, 12.35, 99.99, 150.00, 7.25])
        rows.append((cid, t.strftime("%Y-%m-%dT%H:%M:%S"), f"{amount:.2f}"))
rng.shuffle(rows)
df = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
df.to_csv(os.path.join(HERE, "transactions.csv"), index=False)

# ---------------------------------------------------------------- pandas RFM
df = pd.read_csv(os.path.join(HERE, "transactions.csv"), dtype={"customer_id": str})
df["timestamp"] = pd.to_datetime(df["timestamp"])
as_of = df["timestamp"].max().normalize() + pd.Timedelta(days=1)  # day after the last transaction, midnight
g = df.groupby("customer_id").agg(last=("timestamp", "max"), frequency=("timestamp", "count"), monetary=("amount", "sum"))
g = g.sort_index()  # ordinal (code point) order of ids: rank(method="first") breaks ties by this order
g["recency_days"] = (as_of - g["last"]).dt.days
g["monetary"] = g["monetary"].round(2)
g["r_score"] = pd.qcut(g["recency_days"].rank(method="first"), BINS, labels=list(range(BINS, 0, -1))).astype(int)
g["f_score"] = pd.qcut(g["frequency"].rank(method="first"), BINS, labels=list(range(1, BINS + 1))).astype(int)
g["m_score"] = pd.qcut(g["monetary"].rank(method="first"), BINS, labels=list(range(1, BINS + 1))).astype(int)

# The widely circulated R x F segment map (regular expressions over the "RF" string).
seg_map = {
    r"[1-2][1-2]": "Hibernating",
    r"[1-2][3-4]": "At Risk",
    r"[1-2]5": "Can't Lose Them",
    r"3[1-2]": "About to Sleep",
    r"33": "Need Attention",
    r"[3-4][4-5]": "Loyal Customers",
    r"41": "Promising",
    r"51": "New Customers",
    r"[4-5][2-3]": "Potential Loyalists",
    r"5[4-5]": "Champions",
}
rf = g["r_score"].astype(str) + g["f_score"].astype(str)
g["segment"] = rf.replace(seg_map, regex=True)
out = g.reset_index()[["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment"]]
out.to_csv(os.path.join(HERE, "expected_scores.csv"), index=False, float_format="%.2f")
print("as_of", as_of, "customers", len(out))
print(out["segment"].value_counts().to_string())

# ---------------------------------------------------------------- qcut of ranks: highest rank per bin
lines = ["n,q,upper_ranks"]
ns = list(range(2, 301)) + [499, 500, 501, 999, 1000, 1999, 2000, 2001, 4999, 12345, 99999, 100000, 1000000]
for n in ns:
    ranks = pd.Series(np.arange(1, n + 1, dtype=float))
    for q in range(2, 11):
        codes = pd.qcut(ranks, q, labels=False).to_numpy()
        uppers = [int(ranks[codes == k].max()) if (codes == k).any() else 0 for k in range(q)]
        lines.append(f"{n},{q},{';'.join(str(u) for u in uppers)}")
with open(os.path.join(HERE, "qcut_rank_cuts.csv"), "w") as fh:
    fh.write("\n".join(lines) + "\n")
