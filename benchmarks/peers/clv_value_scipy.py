#!/usr/bin/python3
"""Peer timing for ClvBenchmarks' Value category (issue 17): the discounted 52-week CLV of 100,000 customers the way a Python
notebook computes it with lifetimes (customer_lifetime_value): one vectorized numpy/scipy evaluation of E[Y(k)] over all customers
per period k, differences discounted at (1 + d)^k, times the Gamma-Gamma expected spend; plus P(alive) and E[Y(52)].

Usage: CEMCORE_REFERENCE_DATA=/work/shared/data /usr/bin/python3 benchmarks/peers/clv_value_scipy.py
Data: $CEMCORE_REFERENCE_DATA/cdnow/cdnowSummary_cbs.csv (2,357 customers, weeks) tiled to 100,000 rows, m.x from the file, as
the benchmark's setup does; published BG/NBD (r 0.243, alpha 4.414, a 0.793, b 2.426) and Gamma-Gamma (p 6.25, q 3.74, v 15.44)
values; d = 0.0019 per week. Prints the median of 7 runs and the sum the C# setup prints (they must agree to ~1e-9 relative).
"""
import csv
import os
import statistics
import sys
import time

import numpy as np
import scipy
from scipy.special import hyp2f1

root = os.environ.get("CEMCORE_REFERENCE_DATA")
if not root:
    sys.exit("set CEMCORE_REFERENCE_DATA to the shared data folder")
rows = list(csv.DictReader(open(os.path.join(root, "cdnow", "cdnowSummary_cbs.csv"))))
N = 100_000
idx = np.arange(N) % len(rows)
x = np.array([float(r["x"]) for r in rows])[idx]
tx = np.array([float(r["t.x"]) for r in rows])[idx]
T = np.array([float(r["T.cal"]) for r in rows])[idx]
m = np.array([float(r["m.x"]) for r in rows])[idx]
r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
p, q, v = 6.25, 3.74, 15.44
H, d = 52, 0.0019


def p_alive():
    return np.where(x > 0, 1.0 / (1.0 + a / np.maximum(b + x - 1, 1e-300) * ((alpha + T) / (alpha + tx)) ** (r + x)), 1.0)


def expected(t, alive):
    # FHL (2005) eq. 10, as lifetimes' BetaGeoFitter.conditional_expected_number_of_purchases_up_to_time.
    z = t / (alpha + T + t)
    c = a + b + x - 1
    return c / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, c, z)) * alive


def run():
    alive = p_alive()
    spend = (q - 1) / (p * x + q - 1) * (p * v / (q - 1)) + p * x / (p * x + q - 1) * m
    total = np.zeros(N)
    prev = np.zeros(N)
    for k in range(1, H + 1):
        e = expected(float(k), alive)
        total += (e - prev) / (1 + d) ** k
        prev = e
    clv = spend * total
    return float(np.sum(clv + alive + prev))


times = []
for _ in range(7):
    start = time.perf_counter()
    checksum = run()
    times.append((time.perf_counter() - start) * 1000)
print(f"numpy {np.__version__}, scipy {scipy.__version__}, {N:,} customers, {H} weeks; sum of (CLV + P(alive) + E[Y(52)]) = {checksum!r}")
print(f"clv_value_scipy: median {statistics.median(times):.1f} ms, min {min(times):.1f} ms over 7 runs ({statistics.median(times) * 1e6 / N:.0f} ns per customer)")
