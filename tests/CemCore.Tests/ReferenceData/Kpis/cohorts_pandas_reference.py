#!/usr/bin/python3
"""Independent reference for CohortRetention (issue 10): the cohort retention matrix computed with pandas groupby/pivot.

Writes, next to this script:
  cohort_transactions.csv  customer_id,timestamp,kind  (kind = purchase | return; timestamps UTC ISO-8601, some on month edges)
  cohort_expected.json     {"asOf": ..., "cohorts": [{"cohort": "YYYY-MM", "customers": N, "active": [...]}]}

Definition (docs/kpis.md): only purchases strictly before as-of count; cohort = UTC calendar month of a customer's first such purchase;
active[k] = the cohort's customers with >= 1 purchase in calendar month cohort + k, for k from 0 to the month of the latest purchase before
as-of (the same end month for every cohort). Run: /usr/bin/python3 cohorts_pandas_reference.py (pandas 1.5.3, numpy 1.24.2).
"""
import json
import os

import numpy as np
import pandas as pd

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261204)
rows, customers = 6000, 700
start = np.datetime64("2023-01-01T00:00:00")
span_s = 20 * 30 * 86400
cust = rng.integers(0, customers, rows)
ts = start + rng.integers(0, span_s, rows).astype("timedelta64[s]")
# Month-edge instants: the last second of a month and the first second of the next.
edges = np.array(["2023-03-31T23:59:59", "2023-04-01T00:00:00", "2023-12-31T23:59:59", "2024-01-01T00:00:00"], dtype="datetime64[s]")
pick = rng.integers(0, rows, 200)
ts[pick] = edges[rng.integers(0, len(edges), 200)]
kind = np.where(rng.random(rows) < 0.08, "return", "purchase")
df = pd.DataFrame({"customer_id": ["c%04d" % c for c in cust], "timestamp": ts, "kind": kind})
# A return refunds one of the customer's purchases (the C# test links it to the customer's first purchase row): customers without any
# purchase row get their rows turned into purchases.
buyers = set(df.loc[df["kind"] == "purchase", "customer_id"])
df.loc[~df["customer_id"].isin(buyers), "kind"] = "purchase"
as_of = np.datetime64("2024-06-15T00:00:00")

df.assign(timestamp=df["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(os.path.join(here, "cohort_transactions.csv"), index=False)

p = df[(df["kind"] == "purchase") & (df["timestamp"] < as_of)].copy()
p["month"] = p["timestamp"].dt.year * 12 + p["timestamp"].dt.month - 1
p["cohort"] = p.groupby("customer_id")["month"].transform("min")
p = p.drop_duplicates(["customer_id", "month"])
p["k"] = p["month"] - p["cohort"]
last = int(p["month"].max())
pivot = p.groupby(["cohort", "k"]).size().unstack(fill_value=0)
cohorts = []
for c in sorted(pivot.index):
    width = last - int(c) + 1
    active = [int(pivot.loc[c].get(k, 0)) for k in range(width)]
    cohorts.append({"cohort": "%04d-%02d" % (int(c) // 12, int(c) % 12 + 1), "customers": active[0], "active": active})

with open(os.path.join(here, "cohort_expected.json"), "w") as f:
    json.dump({"asOf": "2024-06-15T00:00:00Z", "cohorts": cohorts}, f)
print(len(cohorts), "cohorts; last month", last)
