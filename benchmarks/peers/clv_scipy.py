#!/usr/bin/python3
"""Peer timing for ClvBenchmarks: BG/NBD maximum-likelihood fit on the CDNOW summary with scipy L-BFGS-B.

Usage: CEMCORE_REFERENCE_DATA=/work/shared/data /usr/bin/python3 benchmarks/peers/clv_scipy.py
Data: $CEMCORE_REFERENCE_DATA/cdnow/cdnowSummary_cbs.csv (2,357 customers, weeks). The log-likelihood is vectorized numpy over
all customers (no compression), on log-parameters, as lifetimes' BetaGeoFitter writes it; gradient by finite differences
(scipy's default, what a lifetimes-style fit does) and, second, with the analytic gradient. Reports the median of 30 fits.
"""
import csv
import os
import sys
import time

import numpy as np
import scipy
from scipy.optimize import minimize
from scipy.special import gammaln, digamma

root = os.environ.get("CEMCORE_REFERENCE_DATA")
if not root:
    sys.exit("set CEMCORE_REFERENCE_DATA to the shared data folder")
rows = list(csv.DictReader(open(os.path.join(root, "cdnow", "cdnowSummary_cbs.csv"))))
x = np.array([float(r["x"]) for r in rows])
tx = np.array([float(r["t.x"]) for r in rows])
T = np.array([float(r["T.cal"]) for r in rows])
n = len(x)
pos = x > 0


def nll(theta):
    r, alpha, a, b = np.exp(theta)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(pos, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    return -np.sum(a1 + a2 + np.logaddexp(a3, a4)) / n


def nll_grad(theta):
    r, alpha, a, b = np.exp(theta)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(pos, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    m = np.logaddexp(a3, a4)
    p = np.exp(a3 - m)
    q = 1 - p
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x) + m
    gr = digamma(r + x) - digamma(r) + np.log(alpha) - p * np.log(alpha + T) - q * np.log(alpha + tx)
    ga = r / alpha - (r + x) * (p / (alpha + T) + q / (alpha + tx))
    gA = digamma(a + b) - digamma(a + b + x) + q / a
    gB = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - np.where(pos, q / np.maximum(b + x - 1, 1e-300), 0)
    g = -np.array([gr.sum() * r, ga.sum() * alpha, gA.sum() * a, gB.sum() * b]) / n
    return -ll.sum() / n, g


def bench(label, fn):
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t0)
    r, alpha, a, b = np.exp(res.x)
    print(f"{label}: median {np.median(times) * 1e3:.1f} ms (min {min(times) * 1e3:.1f}); "
          f"r={r:.4f} alpha={alpha:.4f} a={a:.4f} b={b:.4f} LL={-res.fun * n:.4f} nfev={res.nfev}")


start = np.zeros(4)
bench("L-BFGS-B, finite-difference gradient", lambda: minimize(nll, start, method="L-BFGS-B"))
bench("L-BFGS-B, analytic gradient", lambda: minimize(nll_grad, start, jac=True, method="L-BFGS-B"))
print(f"python {sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}; load average {os.getloadavg()[0]:.1f}")
