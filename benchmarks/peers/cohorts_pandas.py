#!/usr/bin/python3
"""pandas peer of KpiBenchmarks.CohortMatrix10M: cohort retention matrix (acquisition month x months since) for N transactions of M
customers over two years (data built in memory, no CSV load timed). Run: /usr/bin/python3 benchmarks/peers/cohorts_pandas.py [rows customers]

Timed: month period of every row, cohort = groupby(customer).month.transform("min"), drop duplicate (customer, month), k = month - cohort,
groupby([cohort, k]).size().unstack() (the pivot). Reports the median of 3 runs after one warm-up.
"""
import sys
import time

import numpy as np
import pandas as pd

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
customers = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
rng = np.random.default_rng(42)
cust = rng.integers(0, customers, rows)
start = np.datetime64("2024-01-01T00:00:00")
ts = start + rng.integers(0, 730 * 86400, rows).astype("timedelta64[s]")
df = pd.DataFrame({"customer": cust, "timestamp": ts})


def cohorts():
    month = df["timestamp"].dt.year * 12 + df["timestamp"].dt.month - 1
    frame = pd.DataFrame({"customer": df["customer"], "month": month})
    frame["cohort"] = frame.groupby("customer")["month"].transform("min")
    frame = frame.drop_duplicates(["customer", "month"])
    frame["k"] = frame["month"] - frame["cohort"]
    return frame.groupby(["cohort", "k"]).size().unstack(fill_value=0)


cohorts()
times = []
for _ in range(3):
    t0 = time.perf_counter()
    m = cohorts()
    times.append(time.perf_counter() - t0)
print(f"pandas {pd.__version__}, numpy {np.__version__}; {rows} transactions, {customers} customers; {m.shape[0]} cohorts")
print(f"cohort matrix median of 3: {np.median(times) * 1000:.0f} ms")
