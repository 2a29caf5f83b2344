"""Peer timing for ClusteringBenchmarks: scikit-learn k-means on the same shape and work.

Run with Debian's interpreter:  OMP_NUM_THREADS=1 /usr/bin/python3 kmeans_sklearn.py   (and once without OMP_NUM_THREADS)
Data: uniform, 5 features scaled 10..50 (as the C# benchmark), standardized with StandardScaler; k = 8, one initialisation,
exactly 10 Lloyd iterations (tol=0), algorithm="lloyd". Reports the median of 7 timed fits after one warm-up.
"""
import os
import statistics
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(42)
print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
for n in (1_000, 100_000):
    X = rng.random((n, 5)) * (np.arange(5) + 1) * 10.0

    def lloyd_one():
        Z = StandardScaler().fit_transform(X)
        return KMeans(n_clusters=8, n_init=1, max_iter=10, tol=0.0, algorithm="lloyd", random_state=1).fit(Z).inertia_

    def lloyd_ten():
        Z = StandardScaler().fit_transform(X)
        return KMeans(n_clusters=8, n_init=10, max_iter=10, tol=0.0, algorithm="lloyd", random_state=1).fit(Z).inertia_

    def minibatch():
        # max_iter counts epochs in scikit-learn: 200 steps of 1024 rows = 200 * 1024 / n epochs (at least 1).
        Z = StandardScaler().fit_transform(X)
        return MiniBatchKMeans(n_clusters=8, n_init=1, batch_size=1024, max_iter=max(1, 200 * 1024 // n), max_no_improvement=None,
                               random_state=1, compute_labels=True).fit(Z).inertia_

    for name, fn in (("KMeans n_init=1", lloyd_one), ("KMeans n_init=10", lloyd_ten), ("MiniBatchKMeans ~200 steps", minibatch)):
        fn()
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        print(f"n={n:>7} {name:<28} median {statistics.median(times) * 1e3:9.3f} ms")
