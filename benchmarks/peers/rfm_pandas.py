#!/usr/bin/python3
"""pandas peer of RfmBenchmarks: RFM scores + R x F segments for 100k customers from 1M transactions (data built in memory,
no CSV load timed). Run: /usr/bin/python3 benchmarks/peers/rfm_pandas.py [transactions customers]

Timed: groupby(customer_id).agg(last=max timestamp, frequency=count, monetary=sum amount), recency_days = (as_of - last).dt.days,
monetary rounded to cents, three pd.qcut(s.rank(method="first"), 5) calls, and the 10-segment R x F lookup (numpy grid indexing).
Reports the median of 7 runs after one warm-up.
"""
import sys
import time

import numpy as np
import pandas as pd

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
customers = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
rng = np.random.default_rng(42)
cust = rng.integers(0, customers, rows)
ids = np.array([f"C{k:07d}" for k in range(customers)], dtype=object)
start = np.datetime64("2024-01-01T00:00:00")
ts = start + rng.integers(0, 730 * 86400, rows).astype("timedelta64[s]")
amount = np.round(rng.gamma(2.0, 25.0, rows), 2)
df = pd.DataFrame({"customer_id": ids[cust], "timestamp": ts, "amount": amount})
as_of = pd.Timestamp(df["timestamp"].max()).normalize() + pd.Timedelta(days=1)

# R x F grid (rows R = 1..5, columns F = 1..5) -> segment code; same map as RfmSegmentMap.RecencyFrequency10.
names = ["Champions", "Loyal Customers", "Potential Loyalists", "New Customers", "Promising", "Need Attention",
         "About to Sleep", "At Risk", "Can't Lose Them", "Hibernating"]
grid = np.array([
    [9, 9, 7, 7, 8],
    [9, 9, 7, 7, 8],
    [6, 6, 5, 1, 1],
    [4, 2, 2, 1, 1],
    [3, 2, 2, 0, 0],
])


def rfm(frame, with_segments=True):
    g = frame.groupby("customer_id").agg(last=("timestamp", "max"), frequency=("timestamp", "count"), monetary=("amount", "sum"))
    g["recency_days"] = (as_of - g["last"]).dt.days
    g["monetary"] = g["monetary"].round(2)
    g["r"] = pd.qcut(g["recency_days"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1]).astype(int)
    g["f"] = pd.qcut(g["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    g["m"] = pd.qcut(g["monetary"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    if with_segments:
        g["segment"] = grid[g["r"].to_numpy() - 1, g["f"].to_numpy() - 1]
    return g


def median_seconds(fn, runs=7):
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


print(f"pandas {pd.__version__}, numpy {np.__version__}; {rows} transactions, {customers} customers")
print(f"scores + segments: {median_seconds(lambda: rfm(df)) * 1000:.1f} ms (median of 7)")
print(f"scores only:       {median_seconds(lambda: rfm(df, False)) * 1000:.1f} ms (median of 7)")
df_int = df.assign(customer_id=cust.astype(np.int64))  # int64 ids: pandas' fast groupby path
print(f"int64 ids, scores + segments: {median_seconds(lambda: rfm(df_int)) * 1000:.1f} ms (median of 7)")
