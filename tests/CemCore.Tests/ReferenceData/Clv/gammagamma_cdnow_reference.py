#!/usr/bin/python3
"""Gamma-Gamma on the CDNOW sample: an independent scipy fit and conditional expected spend, for GammaGammaCdnowTests.

Model and formulas: Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value" (brucehardie.com note), and
Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", JMR 42(4), 415-430:
  individual likelihood  f(mx | p, q, g, x) = Gamma(p x + q) / (Gamma(p x) Gamma(q)) * g^q * x^(p x) * mx^(p x - 1) / (g + x mx)^(p x + q)
  conditional mean       E(Z | p, q, g, mx, x) = (q - 1) / (p x + q - 1) * p g / (q - 1) + p x / (p x + q - 1) * mx
                                               = p (g + x mx) / (p x + q - 1)
  (for x = 0 the population mean p g / (q - 1)).
Published estimates on the 946 repeat buyers of the 2,357-customer sample: p = 6.25, q = 3.74, gamma = 15.44, LL = -4055.9177
(the latter as CLVTools and BTYD report on the full-precision m.x).

Input: $CEMCORE_REFERENCE_DATA/cdnow/cdnowSummary_cbs.csv (BTYD 2.4.3 cdnowSummary$cbs; never copied into the repository).
Output: gammagamma_cdnow.csv next to this script, rows
  fit,<p>,<q>,<gamma>,<LL>                        scipy's maximum-likelihood fit (log-parameters, BFGS then Nelder-Mead polish)
  customer,<cust id>,<E at published p q gamma>,<E at scipy's fit>
for a handful of customers (first two of the file, the heaviest and the highest-spending repeater, a one-time buyer).
Usage: CEMCORE_REFERENCE_DATA=/path/to/shared/data /usr/bin/python3 gammagamma_cdnow_reference.py
"""
import csv
import os

import numpy as np
import scipy
from scipy.optimize import minimize
from scipy.special import gammaln

HERE = os.path.dirname(os.path.abspath(__file__))
PUBLISHED = (6.25, 3.74, 15.44)


def load():
    path = os.path.join(os.environ["CEMCORE_REFERENCE_DATA"], "cdnow", "cdnowSummary_cbs.csv")
    with open(path) as fh:
        rows = list(csv.DictReader(fh))
    return [(int(r["cust"]), int(r["x"]), float(r["m.x"])) for r in rows]


def loglik(theta, x, mx):
    p, q, g = theta
    px = p * x
    return np.sum(gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + px * np.log(x)
                  + (px - 1) * np.log(mx) - (px + q) * np.log(g + x * mx))


def expected(theta, x, mx):
    p, q, g = theta
    return p * g / (q - 1) if x == 0 else p * (g + x * mx) / (p * x + q - 1)


def main():
    data = load()
    rep = [(c, x, m) for c, x, m in data if x > 0]
    x = np.array([r[1] for r in rep], dtype=float)
    mx = np.array([r[2] for r in rep])
    nll = lambda t: -loglik(np.exp(t), x, mx)  # noqa: E731
    first = minimize(nll, np.log([1.0, 1.0, 1.0]), method="BFGS", options={"gtol": 1e-10})
    best = minimize(nll, first.x, method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 20000})
    theta = np.exp(best.x)
    heaviest = max(rep, key=lambda r: (r[1], r[2]))[0]
    richest = max(rep, key=lambda r: r[2])[0]
    once = next(c for c, xx, _ in data if xx == 0)
    chosen = [data[0][0], data[1][0], heaviest, richest, once]
    with open(os.path.join(HERE, "gammagamma_cdnow.csv"), "w", newline="\n") as fh:
        fh.write(f"# scipy {scipy.__version__}, numpy {np.__version__}; see gammagamma_cdnow_reference.py\n")
        fh.write(f"fit,{theta[0]!r},{theta[1]!r},{theta[2]!r},{-best.fun!r}\n")
        for c in chosen:
            _, xx, m = next(r for r in data if r[0] == c)
            fh.write(f"customer,{c},{expected(PUBLISHED, xx, m)!r},{expected(theta, xx, m)!r}\n")
    print("fit", theta, -best.fun, "customers", chosen)


if __name__ == "__main__":
    main()
