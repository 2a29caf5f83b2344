#!/usr/bin/python3
"""mpmath reference values for the discounted purchases of one customer (issue 17: the BG/NBD and MBG/NBD horizon sum that
CustomerLifetimeValue now evaluates with all horizons side by side, BgHorizonSum):

  D = sum_{k=1}^{H} (E[Y(k u)] - E[Y((k-1) u)]) / (1+d)^k,  E[Y(t)] = G(r+x, b+x+o, a, t/(alpha+T)) P(alive)

with G and P(alive) imported from bg_family_edge_reference.py (closed form with mpmath.hyp2f1 at 40 digits, extra digits when a is
near 1).
The customers and horizons cover every regime the kernel distinguishes: short horizons (s (r+x) <= 1/2 or s <= 1/2), the Gauss
series, long horizons (s > 9: a young customer and a 104-week or 365-day horizon), r + x > 100, a + b + x - 1 + o <= 0, and a near 1
(the bracket cancels); one period u is a week, or a day for a weekly model (u = 1/7 week).

Run: /usr/bin/python3 bg_horizon_sum_reference.py   (Debian python3-mpmath 1.2.1; writes bg_horizon_sum.csv next to this file in
about ten seconds). The tolerance column is what the double-precision kernel is required to meet (relative).
"""
import csv
import os

import mpmath as mp

# The parameter sets, mpf (a decimal input's exact binary64 value), P(alive) and G (closed form at 40 digits, extra digits near a = 1, the integral at
# a = 1) are the edge script's own, so both reference files rest on one implementation.
from bg_family_edge_reference import CDNOW, GROCERY, SMALL_C, g, mpf, p_alive

HERE = os.path.dirname(os.path.abspath(__file__))

NEAR_ONE = ("0.24259452545594704", "4.413602050784783", "0.9999", "2.4259064733174958")
LARGE_R = ("2.0", "10.0", "1.7", "5.0")

SETS = [("cdnow", CDNOW, ("bgnbd", "mbgnbd")), ("grocery", GROCERY, ("mbgnbd",)), ("small_c", SMALL_C, ("bgnbd",)),
        ("near_one", NEAR_ONE, ("bgnbd",)), ("large_r", LARGE_R, ("bgnbd", "mbgnbd"))]
CUSTOMERS = [(0, "0", "38.86"), (2, "30", "38.86"), (1, "1.71", "38.86"), (7, "35", "36"), (29, "38", "38.29"), (0, "0", "2"),
             (3, "1.5", "2"), (120, "30", "31"), (11, "20", "39")]
# (unit of one period, periods, discount per period)
HORIZONS = [("week", 52, "0.0019"), ("week", 104, "0.01"), ("day", 365, "0.0003"), ("week", 1, "0.1"), ("week", 17, "0")]


def main():
    rows = []
    for label, params, models in SETS:
        r, al, a, b = (mpf(v) for v in params)
        for model in models:
            o = 1 if model == "mbgnbd" else 0
            for (x, tx, T) in CUSTOMERS:
                txf, Tf = mpf(tx), mpf(T)
                pa = p_alive(r, al, a, b, o, x, txf, Tf)
                for unit, H, d in HORIZONS:
                    # k * step in binary64, as the C# kernel forms each horizon (step = 1 or 1/7 week).
                    step = 1.0 if unit == "week" else 1.0 / 7.0
                    dd = mpf(d)
                    total, prev, disc = mp.mpf(0), mp.mpf(0), mp.mpf(1)
                    for k in range(1, H + 1):
                        t = mp.mpf(float(k) * step)
                        e = g(r + x, b + x + o, a, t / (al + Tf)) * pa
                        disc /= (1 + dd)
                        total += (e - prev) * disc
                        prev = e
                    rows.append([model, label, *params, x, tx, T, unit, H, d, mp.nstr(total, 25), mp.nstr(prev, 25), "1e-11"])
    with open(os.path.join(HERE, "bg_horizon_sum.csv"), "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["model", "set", "r", "alpha", "a", "b", "x", "tx", "T", "unit", "periods", "discount", "discounted_purchases",
                    "expected_at_horizon", "tolerance"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
