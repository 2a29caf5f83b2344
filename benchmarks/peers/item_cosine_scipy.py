#!/usr/bin/python3
"""scipy.sparse peer of RecommendationBenchmarks.ItemItemCosine: item-item cosine of the binary customer x item incidence for
1M purchases / 100k customers / 10k items (same shape and popularity law as the C# data: item = floor(u^2 * items)).
Timed: building the CSR incidence from (customer, item) index arrays, binarizing, G = X.T @ X, and G / (n_i n_j)^(1/2) on the
non-zeros (no top-K selection, which the C# side also does). Median of 5 runs after one warm-up.
Run: /usr/bin/python3 benchmarks/peers/item_cosine_scipy.py
"""
import time

import numpy as np
import scipy.sparse as sp

rows, customers, items = 1_000_000, 100_000, 10_000
rng = np.random.default_rng(42)
cust = rng.integers(0, customers, rows)
item = (rng.random(rows) ** 2 * items).astype(np.int64)


def run():
    X = sp.csr_matrix((np.ones(rows, dtype=np.float64), (cust, item)), shape=(customers, items))
    X.data[:] = 1.0
    G = (X.T @ X).tocoo()
    d = np.sqrt(np.asarray(X.sum(axis=0)).ravel())
    mask = G.row != G.col
    return G.data[mask] / (d[G.row[mask]] * d[G.col[mask]])


run()
times = []
for _ in range(5):
    t = time.perf_counter()
    s = run()
    times.append(time.perf_counter() - t)
print(f"scipy {sp.__name__} X.T@X cosine: median {np.median(times) * 1000:.1f} ms over 5 runs ({len(s)} non-zero pairs)")
