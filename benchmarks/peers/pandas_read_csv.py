"""Time pandas.read_csv on the 1M-row transactions file of FeatureBenchmarks (peer figure for benchmarks/results/FeatureBenchmarks.md).

The file is written by FeatureBenchmarks.Setup (RetailDataGenerator, 100,000 customers, seed 42, 7 purchases/year) to
<temp>/cemcore-bench-1m.csv and kept. Run the benchmark first, then:

    /usr/bin/python3 benchmarks/peers/pandas_read_csv.py [path]

Prints pandas' version, the row count and the best and median wall time of 5 loads (default C engine, no dtype hints),
and of a load plus a groupby of the headline per-customer aggregates.
"""
import os
import statistics
import sys
import tempfile
import time

import pandas as pd

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(), "cemcore-bench-1m.csv")
load, load_group = [], []
for _ in range(5):
    t0 = time.perf_counter()
    df = pd.read_csv(path)
    t1 = time.perf_counter()
    ts = pd.to_datetime(df["timestamp"], utc=True)
    signed = df["amount"].where(df["kind"] != "return", -df["amount"])
    g = pd.DataFrame({"customer_id": df["customer_id"], "ts": ts, "signed": signed}).groupby("customer_id").agg(
        monetary=("signed", "sum"), first=("ts", "min"), last=("ts", "max"), rows=("signed", "size"))
    t2 = time.perf_counter()
    load.append(t1 - t0)
    load_group.append(t2 - t0)

print(f"pandas {pd.__version__}, {len(df)} rows, {len(g)} customers")
print(f"read_csv: best {min(load):.3f} s, median {statistics.median(load):.3f} s")
print(f"read_csv + to_datetime + groupby: best {min(load_group):.3f} s, median {statistics.median(load_group):.3f} s")
