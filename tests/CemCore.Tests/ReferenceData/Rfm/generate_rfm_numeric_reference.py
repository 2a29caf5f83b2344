#!/usr/bin/python3
"""Writes the numeric-id RFM reference used by CemCore.Tests.Segmentation.Rfm.PandasReferenceTests.

Same recipe as generate_rfm_reference.py, but customer ids are plain integers (1..2000, not zero-padded) and pandas reads
the id column as int64, so groupby sorts ids numerically (9 < 10 < 100) and rank(method="first") breaks ties in that order.

Run with Debian's /usr/bin/python3 (python3-pandas):
    /usr/bin/python3 generate_rfm_numeric_reference.py

Outputs (next to this script): transactions_numeric.csv, expected_scores_numeric.csv
"""
import os
import random

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
BINS = 5

rng = random.Random(20261204)
start = pd.Timestamp("2025-01-01T00:00:00")
span_seconds = 730 * 86400
rows = []
ids = list(range(1, 2001))
rng.shuffle(ids)
for cid in ids:
    n = 1 + min(int(rng.expovariate(1 / 2.2)), 14)   # many frequency ties
    first = rng.randrange(0, span_seconds)
    for _ in range(n):
        # whole days only, so recency ties are frequent too
        t = start + pd.Timedelta(days=rng.randrange(first // 86400, span_seconds // 86400))
        amount = rng.choice([9.99, 19.90, 20.00, 25.50, 49.00, 5.00, 12.35, 99.99, 150.00, 7.25])
        rows.append((cid, t.strftime("%Y-%m-%dT%H:%M:%S"), f"{amount:.2f}"))
rng.shuffle(rows)
pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"]).to_csv(os.path.join(HERE, "transactions_numeric.csv"), index=False)

df = pd.read_csv(os.path.join(HERE, "transactions_numeric.csv"))   # customer_id -> int64
assert str(df["customer_id"].dtype) == "int64"
df["timestamp"] = pd.to_datetime(df["timestamp"])
as_of = df["timestamp"].max().normalize() + pd.Timedelta(days=1)
g = df.groupby("customer_id").agg(last=("timestamp", "max"), frequency=("timestamp", "count"), monetary=("amount", "sum"))
g = g.sort_index()  # numeric order of ids
g["recency_days"] = (as_of - g["last"]).dt.days
g["monetary"] = g["monetary"].round(2)
g["r_score"] = pd.qcut(g["recency_days"].rank(method="first"), BINS, labels=list(range(BINS, 0, -1))).astype(int)
g["f_score"] = pd.qcut(g["frequency"].rank(method="first"), BINS, labels=list(range(1, BINS + 1))).astype(int)
g["m_score"] = pd.qcut(g["monetary"].rank(method="first"), BINS, labels=list(range(1, BINS + 1))).astype(int)
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
g["segment"] = (g["r_score"].astype(str) + g["f_score"].astype(str)).replace(seg_map, regex=True)
out = g.reset_index()[["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment"]]
out.to_csv(os.path.join(HERE, "expected_scores_numeric.csv"), index=False, float_format="%.2f")
print("as_of", as_of, "customers", len(out))
