"""Reference values for issue 16 (BetaBinomial in bounded time), by mpmath at 40 digits.

P(X > Y) for X ~ Beta(a, b), Y ~ Beta(c, d) = integral over x of f_X(x) * I_x(c, d), evaluated with mpmath.quad on
sub-intervals around the mode (tanh-sinh), with the regularized incomplete beta mpmath.betainc(..., regularized=True).
Run: /usr/bin/python3 generate_beta_bounded.py  (writes beta_bounded_vectors.json next to this file).
"""
import json, os
import mpmath as mp

mp.mp.dps = 40

def p_greater(a, b, c, d):
    a, b, c, d = map(mp.mpf, (a, b, c, d))
    lb = mp.log(mp.beta(a, b))
    f = lambda x: mp.exp((a - 1) * mp.log(x) + (b - 1) * mp.log1p(-x) - lb) * mp.betainc(c, d, 0, x, regularized=True)
    m = a / (a + b)
    s = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    pts = sorted(set([mp.mpf(0)] + [min(max(m + k * s, mp.mpf(0)), mp.mpf(1)) for k in (-14, -6, -3, 0, 3, 6, 14)] + [mp.mpf(1)]))
    return mp.quad(f, pts)

cases = [
    # Jeffreys prior: 500/10,000 vs 520/10,000 (treatment X, control Y) -- took 852 s before the fix.
    {"name": "jeffreys_500_520", "a": 520.5, "b": 9480.5, "c": 500.5, "d": 9500.5},
    # Jeffreys prior at 3,000 per arm.
    {"name": "jeffreys_3000", "a": 150.5, "b": 2850.5, "c": 130.5, "d": 2870.5},
]
for case in cases:
    case["p"] = mp.nstr(p_greater(case["a"], case["b"], case["c"], case["d"]), 20)

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "beta_bounded_vectors.json"), "w") as fh:
    json.dump({"source": "mpmath %s, dps=40" % mp.__version__, "cases": cases}, fh, indent=1)
print(cases)
