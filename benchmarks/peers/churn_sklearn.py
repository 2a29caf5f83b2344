#!/usr/bin/python3
"""scikit-learn peer for benchmarks/CemCore.Benchmarks/ChurnBenchmarks.cs (run with Debian's /usr/bin/python3, one thread).

Same shape as the C# benchmark: 1,000,000 customers x 9 float64 features, labels from a logistic model;
  - predict_proba of StandardScaler + LogisticRegression on all 1M rows (best of 5), reported as rows/s;
  - fit of StandardScaler + LogisticRegression(solver="lbfgs") on the first 800k rows (best of 3), with the default tol=1e-4
    and with tol=1e-10 (the tolerance the coefficient tests use).
--wide: instead, the wide-table case of ChurnBenchmarks.FitWide* (issue 16): 300 rows x 2,000 N(0, 1) features, the first 10
informative (+-0.5), intercept -0.5; StandardScaler + LogisticRegression(solver="lbfgs", C=1) fit, best of 3, at tol=1e-4 (the default)
and tol=1e-10 (the C# tolerance), plus the largest scaled gradient component left at each stop (the quantity the C# fit drives to 1e-10).
Optional: --write-csv PATH writes the 800k training rows (customer_id, f0..f8, y) so that `cemcore churn train --holdout-fraction 0`
can be compared with the printed coefficients.
Usage: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/peers/churn_sklearn.py [--wide | --write-csv PATH]
"""
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402



def wide():
    n, k = 300, 2000
    r = np.random.default_rng(7)
    xw = r.normal(size=(n, k))
    signs = np.where(np.arange(10) % 2 == 0, 0.5, -0.5)
    yw = (r.uniform(size=n) < 1 / (1 + np.exp(-(-0.5 + xw[:, :10] @ signs)))).astype(int)
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, wide {n} x {k} float64 ({yw.sum()} positives)")
    for tol in (1e-4, 1e-10):
        times = []
        for _ in range(3):
            t = time.perf_counter()
            scaler = StandardScaler().fit(xw)
            xs = scaler.transform(xw)
            lr = LogisticRegression(solver="lbfgs", C=1.0, tol=tol, max_iter=100000).fit(xs, yw)
            times.append(time.perf_counter() - t)
        p = lr.predict_proba(xs)[:, 1]
        grad = np.concatenate([xs.T @ (p - yw) + lr.coef_[0], [np.sum(p - yw)]]) / n
        print(f"fit wide {n} x {k} tol={tol:g}: {min(times) * 1e3:.1f} ms (n_iter {lr.n_iter_[0]}); max scaled gradient {np.abs(grad).max():.2e}")


if len(sys.argv) == 2 and sys.argv[1] == "--wide":
    wide()
    sys.exit(0)

ROWS, K, TRAIN = 1_000_000, 9, 800_000
rng = np.random.default_rng(42)
beta = np.array([0.8, -0.5, 0.3, 0.0, 0.6, -0.2, 0.1, 0.4, -0.7])
j = np.arange(K)
x = rng.normal(size=(ROWS, K)) * (1 + j) + 10 * j
z = -0.3 + ((x - 10 * j) / (1 + j)) @ beta
y = (rng.uniform(size=ROWS) < 1 / (1 + np.exp(-z))).astype(int)


def best(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, {ROWS} x {K} float64")
for tol in (1e-4, 1e-10):
    model = make_pipeline(StandardScaler(), LogisticRegression(solver="lbfgs", C=1.0, tol=tol, max_iter=100000))
    t_fit = best(lambda: model.fit(x[:TRAIN], y[:TRAIN]), 3)
    lr = model[-1]
    print(f"fit {TRAIN} x {K} tol={tol:g}: {t_fit:.3f} s (n_iter {lr.n_iter_[0]}); intercept {lr.intercept_[0]:.6f}; coef {np.array2string(lr.coef_[0], precision=6)}")

t_pred = best(lambda: model.predict_proba(x), 5)
print(f"predict_proba {ROWS} rows: {t_pred * 1e3:.1f} ms = {ROWS / t_pred / 1e6:.1f} M rows/s")

if len(sys.argv) == 3 and sys.argv[1] == "--write-csv":
    with open(sys.argv[2], "w") as fh:
        fh.write("customer_id," + ",".join(f"f{i}" for i in range(K)) + ",y\n")
        for i in range(TRAIN):
            fh.write(f"C{i}," + ",".join(repr(float(v)) for v in x[i]) + f",{y[i]}\n")
    print("wrote", sys.argv[2])
