"""Peer timing for KMeansScaleBenchmarks: scikit-learn k-means on the same grid and work.

Run with Debian's interpreter, single thread:  OMP_NUM_THREADS=1 /usr/bin/python3 kmeans_sklearn_scale.py
Data: 100,000 rows, uniform, feature f scaled (f+1)*10 (as the C# benchmark), standardized with StandardScaler (included in the
timing, as CemCore standardizes inside Fit); k = 8 or 12; n_init=10 k-means++ seedings, exactly 10 Lloyd iterations each (tol=0,
algorithm="lloyd"). Reports the median of 5 timed fits after one warm-up: wall-clock and process CPU time (on a shared machine
the CPU time is the figure to set beside a single-threaded C# measurement).
"""
import os
import statistics
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
rng = np.random.default_rng(42)
for d in (5, 20):
    X = rng.random((100_000, d)) * (np.arange(d) + 1) * 10.0
    for k in (8, 12):
        def fit():
            Z = StandardScaler().fit_transform(X)
            return KMeans(n_clusters=k, n_init=10, max_iter=10, tol=0.0, algorithm="lloyd", random_state=1).fit(Z).inertia_
        fit()
        times = []
        cpu = []
        inertia = 0.0
        for _ in range(5):
            t0 = time.perf_counter()
            c0 = time.process_time()
            inertia = fit()
            cpu.append(time.process_time() - c0)
            times.append(time.perf_counter() - t0)
        print(f"features={d:>2} k={k:>2} n_init=10 max_iter=10: median {statistics.median(times) * 1e3:9.1f} ms wall, "
              f"{statistics.median(cpu) * 1e3:9.1f} ms CPU (inertia {inertia:.6f})")
