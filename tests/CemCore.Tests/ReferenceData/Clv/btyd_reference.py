#!/usr/bin/python3
"""Independent reference vectors for CemCore.Clv (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma).

Implements the published closed forms directly with scipy.special (hyp2f1, gammaln, betaln) in linear space,
without CemCore's log-space series. Run: /usr/bin/python3 btyd_reference.py  (writes the CSVs next to this file).

Formulas:
  BG/NBD   Fader, Hardie & Lee (2005) Marketing Science 24(2): eq. 6 (LL), 8 (P(X(t)=n)), 9 (E[X(t)]), 10 (conditional E),
           P(alive) from the FHL note "Computing P(alive) using the BG/NBD model".
  MBG/NBD  Batislam, Denizel & Filiztekin (2007) IJRM 24(3). E[X(t)] = b/(a-1)[1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]
           (derived: E[(1-p) * BG/NBD count under Beta(a, b+1)]); checked below against sum_n n P(X(t)=n).
  Pareto   Schmittlein, Morrison & Colombo (1987); Fader & Hardie (2005) "A note on deriving the Pareto/NBD model": eq. 18-22;
           P(X(t)=n): Fader, Hardie & Lee (2006) note "Deriving an expression for P(X(t)=x) under the Pareto/NBD model".
  GammaGamma Fader, Hardie & Lee (2005) JMR 42(4) "RFM and CLV"; Fader & Hardie note 025.
Parameters: the published CDNOW values (weeks, dollars); MBG/NBD uses the grocery regression-fixture values from
shared/data/grocery/SOURCE.md.
"""
import csv
import os
import sys

import mpmath as mp
import numpy as np
import scipy
from scipy.special import betaln, gammaln, hyp2f1

HERE = os.path.dirname(os.path.abspath(__file__))
BG = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)
PNBD = dict(r=0.553, alpha=10.578, s=0.606, beta=11.669)
MBG = dict(r=1.2569, alpha=6.0391, a=0.3683, b=0.7158)
GG = dict(p=6.25, q=3.74, gamma=15.44)

TRIPLES = [
    (0, 0.0, 38.86), (0, 0.0, 27.0), (0, 0.0, 0.5), (1, 1.71, 38.86), (1, 30.0, 31.0), (2, 30.43, 38.86),
    (2, 5.0, 35.0), (3, 20.0, 20.0), (4, 36.0, 38.0), (5, 10.0, 38.5), (7, 35.0, 36.0), (7, 7.0, 35.0),
    (10, 30.0, 32.0), (12, 25.0, 38.86), (15, 37.5, 38.0), (20, 38.0, 38.86), (29, 38.0, 38.29), (1, 0.14, 27.14),
    (3, 38.0, 38.0), (6, 2.0, 30.0),
]
HORIZONS = [10.0, 39.0, 52.0]


def bg_ll(p, x, tx, T, modified=False):
    r, al, a, b = p["r"], p["alpha"], p["a"], p["b"]
    o = 1 if modified else 0
    base = np.exp(gammaln(r + x) - gammaln(r) + r * np.log(al) + betaln(a, b + x + o) - betaln(a, b))
    term = (al + T) ** -(r + x)
    if x > 0 or modified:
        term += a / (b + x - 1 + o) * (al + tx) ** -(r + x)
    return np.log(base * term)


def bg_palive(p, x, tx, T, modified=False):
    r, al, a, b = p["r"], p["alpha"], p["a"], p["b"]
    o = 1 if modified else 0
    if x == 0 and not modified:
        return 1.0
    return 1.0 / (1.0 + a / (b + x - 1 + o) * ((al + T) / (al + tx)) ** (r + x))


def bg_cond(p, t, x, tx, T, modified=False):
    r, al, a, b = p["r"], p["alpha"], p["a"], p["b"]
    o = 1 if modified else 0
    c = a + b + x - 1 + o
    h = hyp2f1(r + x, b + x + o, c, t / (al + T + t))
    return c / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x) * h) * bg_palive(p, x, tx, T, modified)


def bg_expected(p, t, modified=False):
    r, al, a, b = p["r"], p["alpha"], p["a"], p["b"]
    o = 1 if modified else 0
    c = a + b - 1 + o
    # MBG/NBD: E[X(t)] = E[(1-p) * BG/NBD count with b+1] = b/(a+b) * (a+b)/(a-1) [...] = b/(a-1) [...]
    lead = b if modified else c
    return lead / (a - 1) * (1 - (al / (al + t)) ** r * hyp2f1(r, b + o, c, t / (al + t)))


def bg_pn(p, n, t, modified=False):
    r, al, a, b = p["r"], p["alpha"], p["a"], p["b"]
    o = 1 if modified else 0
    nbd = np.exp(gammaln(r + n) - gammaln(r) - gammaln(n + 1) + r * np.log(al / (al + t)) + n * np.log(t / (al + t)))
    first = np.exp(betaln(a, b + n + o) - betaln(a, b)) * nbd
    if n == 0 and not modified:
        return first
    j = np.arange(n)
    s = np.sum(np.exp(gammaln(r + j) - gammaln(r) - gammaln(j + 1) + j * np.log(t / (al + t)))) if n > 0 else 0.0
    return first + np.exp(betaln(a + 1, b + n - 1 + o) - betaln(a, b)) * (1 - (al / (al + t)) ** r * s)


def pnbd_a0(p, x, tx, T):
    r, al, s, be = p["r"], p["alpha"], p["s"], p["beta"]
    if al >= be:
        f = lambda t: hyp2f1(r + s + x, s + 1, r + s + x + 1, (al - be) / (al + t)) / (al + t) ** (r + s + x)
    else:
        f = lambda t: hyp2f1(r + s + x, r + x, r + s + x + 1, (be - al) / (be + t)) / (be + t) ** (r + s + x)
    return f(tx) - f(T)


def pnbd_ll(p, x, tx, T):
    r, al, s, be = p["r"], p["alpha"], p["s"], p["beta"]
    lead = np.exp(gammaln(r + x) - gammaln(r)) * al ** r * be ** s
    return np.log(lead * (1 / ((al + T) ** (r + x) * (be + T) ** s) + s / (r + s + x) * pnbd_a0(p, x, tx, T)))


def pnbd_palive(p, x, tx, T):
    r, al, s, be = p["r"], p["alpha"], p["s"], p["beta"]
    return 1 / (1 + s / (r + s + x) * (al + T) ** (r + x) * (be + T) ** s * pnbd_a0(p, x, tx, T))


def pnbd_cond(p, t, x, tx, T):
    r, al, s, be = p["r"], p["alpha"], p["s"], p["beta"]
    return (r + x) * (be + T) / ((al + T) * (s - 1)) * (1 - ((be + T) / (be + T + t)) ** (s - 1)) * pnbd_palive(p, x, tx, T)


def pnbd_expected(p, t):
    r, al, s, be = p["r"], p["alpha"], p["s"], p["beta"]
    return r * be / (al * (s - 1)) * (1 - (be / (be + t)) ** (s - 1))


def pnbd_pn(p, n, t):
    """P(X(t)=n) in 40-digit mpmath arithmetic (the B1 - sum B2 difference cancels badly in doubles for large n)."""
    mp.mp.dps = 40
    r, al, s, be, t = (mp.mpf(repr(v)) for v in (p["r"], p["alpha"], p["s"], p["beta"], t))
    first = mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n)) * (al / (al + t)) ** r * (t / (al + t)) ** n * (be / (be + t)) ** s
    k = al ** r * be ** s * mp.beta(r + n, s + 1) / mp.beta(r, s)
    if al >= be:
        b1 = mp.hyp2f1(r + s, s + 1, r + s + n + 1, (al - be) / al) / al ** (r + s)
        b2 = lambda i: mp.hyp2f1(r + s + i, s + 1, r + s + n + 1, (al - be) / (al + t)) / (al + t) ** (r + s + i)
    else:
        b1 = mp.hyp2f1(r + s, r + n, r + s + n + 1, (be - al) / be) / be ** (r + s)
        b2 = lambda i: mp.hyp2f1(r + s + i, r + n, r + s + n + 1, (be - al) / (be + t)) / (be + t) ** (r + s + i)
    tail = mp.fsum(mp.gamma(r + s + i) / (mp.gamma(r + s) * mp.factorial(i)) * t ** i * b2(i) for i in range(n + 1))
    return float(first + k * (b1 - tail))


def gg_ll(x, m):
    p, q, g = GG["p"], GG["q"], GG["gamma"]
    return (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(g) + (p * x - 1) * np.log(m)
            + p * x * np.log(x) - (p * x + q) * np.log(g + m * x))


def gg_expected(x, m):
    p, q, g = GG["p"], GG["q"], GG["gamma"]
    return p * (g + x * m) / (p * x + q - 1)


def main():
    rows = []
    for model in ("bgnbd", "mbgnbd", "paretonbd"):
        for (x, tx, T) in TRIPLES:
            for t in HORIZONS:
                if model == "paretonbd":
                    ll, pa, ce = pnbd_ll(PNBD, x, tx, T), pnbd_palive(PNBD, x, tx, T), pnbd_cond(PNBD, t, x, tx, T)
                else:
                    mod = model == "mbgnbd"
                    p = MBG if mod else BG
                    ll, pa, ce = bg_ll(p, x, tx, T, mod), bg_palive(p, x, tx, T, mod), bg_cond(p, t, x, tx, T, mod)
                rows.append((model, x, tx, T, t, ll, pa, ce))
    with open(os.path.join(HERE, "btyd_customers.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["model", "x", "t_x", "T", "t", "loglik", "p_alive", "cond_expected"])
        for r in rows:
            w.writerow([r[0], r[1], repr(r[2]), repr(r[3]), repr(r[4])] + [repr(float(v)) for v in r[5:]])

    counts = []
    for model in ("bgnbd", "mbgnbd", "paretonbd"):
        for t in HORIZONS:
            if model == "paretonbd":
                pn = lambda n: pnbd_pn(PNBD, n, t)
                ex = pnbd_expected(PNBD, t)
            else:
                mod = model == "mbgnbd"
                p = MBG if mod else BG
                pn = lambda n, p=p, mod=mod: bg_pn(p, n, t, mod)
                ex = bg_expected(p, t, mod)
            # Self-check of the formulas: the pmf sums to 1 and its mean equals E[X(t)].
            nmax = 150 if model == "paretonbd" else 400
            probs = np.array([pn(n) for n in range(nmax)])
            assert abs(probs.sum() - 1) < 1e-9, (model, t, probs.sum())
            assert abs((np.arange(nmax) * probs).sum() - ex) < 1e-7 * max(1, ex), (model, t, (np.arange(nmax) * probs).sum(), ex)
            for n in range(0, 11):
                counts.append((model, t, n, probs[n], ex))
    with open(os.path.join(HERE, "btyd_counts.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["model", "t", "n", "p_n", "expected"])
        for r in counts:
            w.writerow([r[0], repr(r[1]), r[2], repr(float(r[3])), repr(float(r[4]))])

    with open(os.path.join(HERE, "gammagamma.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["x", "m", "loglik", "expected_spend"])
        for x, m in [(1, 11.77), (2, 22.345), (3, 5.0), (5, 35.5), (10, 60.0), (29, 44.1), (1, 300.0), (4, 0.5)]:
            w.writerow([x, repr(m), repr(float(gg_ll(x, m))), repr(float(gg_expected(x, m)))])
    print("scipy", scipy.__version__, "mpmath", mp.__version__, "numpy", np.__version__, "python", sys.version.split()[0], file=sys.stderr)


if __name__ == "__main__":
    main()
